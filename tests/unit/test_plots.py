"""Plots: what each picture shows (the values, markers and words it draws), its size and format,
and the missing column it names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation

import cfdna_erbb2
from cfdna_erbb2 import plots
from cfdna_erbb2.cnvio import gene_mask
from cfdna_erbb2.errors import InputError
from cfdna_erbb2.plots import style

#: Real CNVkit files (CNVkit's own test data, GRCh37), shipped with the tests.
REAL = Path(__file__).resolve().parents[1] / "data" / "cnvkit-real"


# --- small hand-made tables -------------------------------------------------------------------


def _pcn(log2: float) -> float:
    return 2 * 2**log2


def calls_table() -> pd.DataFrame:
    """Five patients (P1 three draws, P5 baseline only, P4's second draw not evaluable) and
    three normals. The gene bins' error (erbb2_se_log2) differs from the locus' (se_log2)."""
    rows = [
        # sample, patient, kind, timepoint, erbb2_log2, se_log2, erbb2_se_log2, lod_pcn,
        # amplified, evaluable, reason
        ("P1-d1", "P1", "plasma", 1, 0.80, 0.05, 0.09, 2.30, True, True, ""),
        ("P1-d22", "P1", "plasma", 22, 0.25, 0.06, 0.10, 2.35, True, True, ""),
        ("P1-d43", "P1", "plasma", 43, 0.02, 0.05, 0.08, 2.30, False, True, ""),
        ("P2-d1", "P2", "plasma", 1, 0.60, 0.05, 0.08, 2.30, True, True, ""),
        ("P2-d22", "P2", "plasma", 22, 0.55, 0.05, 0.08, 2.30, True, True, ""),
        ("P3-d1", "P3", "plasma", 1, 0.05, 0.05, 0.08, 2.30, False, True, ""),
        ("P3-d22", "P3", "plasma", 22, 0.00, 0.05, 0.08, 2.30, False, True, ""),
        ("P4-d1", "P4", "plasma", 1, 0.90, 0.05, 0.08, 2.30, True, True, ""),
        ("P4-d22", "P4", "plasma", 22, 0.10, 0.30, 0.40, 3.40, False, False, "too noisy"),
        ("P5-d1", "P5", "plasma", 1, 0.70, 0.05, 0.08, 2.30, True, True, ""),
        ("N1", "", "normal", None, -0.03, 0.05, 0.08, np.nan, False, True, ""),
        ("N2", "", "normal", None, 0.04, 0.05, 0.08, np.nan, False, True, ""),
        ("N3", "", "normal", None, 0.01, 0.05, 0.08, np.nan, False, True, ""),
    ]
    table = pd.DataFrame(
        rows,
        columns=[
            "sample",
            "patient",
            "kind",
            "timepoint",
            "erbb2_log2",
            "se_log2",
            "erbb2_se_log2",
            "lod_pcn",
            "amplified",
            "evaluable",
            "reason",
        ],
    )
    table["timepoint"] = table["timepoint"].astype("Int64")
    table["erbb2_pcn"] = [_pcn(v) for v in table["erbb2_log2"]]
    return table


def timepoints_table() -> pd.DataFrame:
    """On-treatment draws only, as the response stage writes them."""
    return pd.DataFrame(
        {
            "patient": ["P1", "P1", "P2", "P4"],
            "sample": ["P1-d22", "P1-d43", "P2-d22", "P4-d22"],
            "timepoint": [22, 43, 22, 22],
            "response": ["reduced", "undetectable", "persistent", "not_evaluable"],
            "fraction_remaining": [0.26, 0.02, 0.90, np.nan],
            "reason": ["", "", "", "too noisy"],
        }
    )


def patients_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "baseline_sample": ["P1-d1", "P2-d1", "P3-d1", "P4-d1", "P5-d1", "P6-d1"],
            "baseline_pcn": [_pcn(0.8), _pcn(0.6), _pcn(0.05), _pcn(0.9), _pcn(0.7), _pcn(1.0)],
            "early_sample": ["P1-d22", "P2-d22", "P3-d22", "P4-d22", "", "P6-d22"],
            "early_timepoint": [22, 22, 22, 22, np.nan, 29],
            "early_response": [
                "reduced",
                "persistent",
                "baseline_negative",
                "not_evaluable",
                "",
                "reduced",
            ],
        }
    )


def cohort_calls() -> pd.DataFrame:
    """calls_table plus P6, a second 'reduced' patient with a higher baseline than P1."""
    extra = pd.DataFrame(
        {
            "sample": ["P6-d1", "P6-d22"],
            "patient": ["P6", "P6"],
            "kind": ["plasma", "plasma"],
            "timepoint": pd.array([1, 29], dtype="Int64"),
            "erbb2_pcn": [_pcn(1.0), _pcn(0.3)],
            "amplified": [True, True],
            "evaluable": [True, True],
        }
    )
    return pd.concat([calls_table(), extra], ignore_index=True)


#: ERBB2 and its neighbours in the zoom (bp); the bins' ERBB2 labels span far more (37-39 Mb).
GENES = pd.DataFrame(
    {
        "chromosome": ["chr17", "chr17", "chr17", "chr17"],
        "start": [37_830_000, 37_844_167, 37_884_000, 37_894_000],
        "end": [37_840_000, 37_886_679, 37_886_000, 37_903_000],
        "name": ["PGAP3", "ERBB2", "MIEN1", "GRB7"],
    }
)


def genome_tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Bins on chr1, chr2, chr10, chr17 and chrX (written out of order), an ERBB2 gain."""
    rng = np.random.default_rng(1)
    bins = []
    for chrom, size in (("chr10", 40), ("chr2", 60), ("chr17", 80), ("chrX", 50), ("chr1", 70)):
        for i in range(size):
            start = i * 1_000_000
            gene = "-"
            if chrom == "chr17" and i in (37, 38):
                gene = "PGAP3,ERBB2" if i == 37 else "ERBB2,MIEN1,GRB7"
            level = 1.2 if gene != "-" else 0.0
            bins.append((chrom, start, start + 1_000_000, gene, level + rng.normal(0, 0.15)))
    bins.append(("chr1", 70_000_000, 71_000_000, "-", -6.0))  # far below: drawn on the edge
    cnr = pd.DataFrame(bins, columns=["chromosome", "start", "end", "gene", "log2"])
    cns = pd.DataFrame(
        {
            "chromosome": ["chr1", "chr2", "chr10", "chr17", "chr17", "chr17", "chrX"],
            "start": [0, 0, 0, 0, 37_000_000, 39_000_000, 0],
            "end": [71_000_000, 60_000_000, 40_000_000, 37_000_000, 39_000_000, 80_000_000, 50e6],
            "gene": ["-"] * 7,
            "log2": [0.0, 0.0, 0.0, 0.0, 1.2, 0.0, -0.9],
            "probes": [71, 60, 40, 37, 2, 41, 50],
        }
    )
    return cnr, cns, GENES.copy()


def fragment_histograms() -> dict[str, pd.DataFrame]:
    length = np.arange(30, 600)

    def hist(peak: float, short_share: float) -> pd.DataFrame:
        density = np.exp(-0.5 * ((length - peak) / 18) ** 2) + 0.08 * np.exp(
            -0.5 * ((length - 334) / 30) ** 2
        )
        density += short_share * np.exp(-0.5 * ((length - 140) / 15) ** 2)
        return pd.DataFrame({"length": length, "count": np.rint(density * 1e4).astype(int)})

    return {"P1-d1": hist(162, 0.5), "N1": hist(167, 0), "N2": hist(168, 0.05), "N3": hist(166, 0)}


def qc_table() -> pd.DataFrame:
    calls = calls_table()
    n = len(calls)
    rng = np.random.default_rng(2)
    return pd.DataFrame(
        {
            "sample": calls["sample"],
            "patient": calls["patient"],
            "kind": calls["kind"],
            "timepoint": calls["timepoint"],
            "read_pairs": rng.integers(2_000_000, 20_000_000, n),
            "mapped_fraction": rng.uniform(0.97, 0.995, n),
            "duplicate_fraction": rng.uniform(0.02, 0.15, n),
            "fragment_mode": rng.integers(160, 172, n),
            "short_fraction": rng.uniform(0.08, 0.25, n),
            "mapd": rng.uniform(0.1, 0.3, n),
            "noise_sd": rng.uniform(0.1, 0.3, n),
            "evaluable": calls["evaluable"],
            "reason": calls["reason"],
        }
    )


# --- reading a figure back --------------------------------------------------------------------


def _points(ax: Axes, markers: str = "oX") -> list[tuple[float, float, str, str]]:
    """(x, y, marker, face colour) of every marker-only point drawn with one of ``markers``
    (the caps of error bars left out)."""
    caps = {
        id(cap)
        for bar in ax.containers
        if isinstance(bar, ErrorbarContainer)
        for cap in bar.lines[1]
    }
    found = []
    for line in ax.get_lines():
        if id(line) in caps or line.get_linestyle() != "None":
            continue
        if str(line.get_marker()) not in markers:
            continue
        face = to_hex(line.get_markerfacecolor())
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        marker = str(line.get_marker())
        found += [(float(x), float(y), marker, face) for x, y in zip(xs, ys, strict=True)]
    return found


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _legend_texts(fig: Figure, ax: Axes | None = None) -> list[str]:
    legend = fig.legends[0] if ax is None else ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def _figure_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.texts]


# --- each picture: a call that draws it, its pixel size, the columns it needs ------------------


def draw_trajectory(out: Path, calls=None, timepoints=None) -> Path:
    calls = calls_table() if calls is None else calls
    timepoints = timepoints_table() if timepoints is None else timepoints
    return plots.plot_patient_trajectory(calls, timepoints, "P1", out)


def draw_cohort(out: Path, calls=None, patients=None) -> Path:
    calls = cohort_calls() if calls is None else calls
    patients = patients_table() if patients is None else patients
    return plots.plot_cohort(calls, patients, out)


def draw_genome(out: Path, cnr=None, cns=None, genes=None) -> Path:
    default_cnr, default_cns, default_genes = genome_tables()
    return plots.plot_genome(
        default_cnr if cnr is None else cnr,
        default_cns if cns is None else cns,
        out,
        sample="P1-d1",
        genes=default_genes if genes is None else genes,
    )


def draw_fragments(out: Path, hist=None) -> Path:
    hists = fragment_histograms()
    if hist is not None:
        hists["N2"] = hist
    return plots.plot_fragment_lengths(hists, "P1-d1", ["N1", "N2", "N3"], out)


def draw_qc(out: Path, qc=None) -> Path:
    return plots.plot_qc_overview(qc_table() if qc is None else qc, out)


# (name, draw, expected (width, height) in pixels)
PICTURES = [
    ("trajectory", draw_trajectory, (960, 780)),
    ("cohort", draw_cohort, (960, 720)),
    ("genome", draw_genome, (1200, 840)),
    ("fragments", draw_fragments, (960, 540)),
    ("qc", draw_qc, (1200, 660)),
]

FUNCTION = {
    "trajectory": "plot_patient_trajectory",
    "cohort": "plot_cohort",
    "genome": "plot_genome",
    "fragments": "plot_fragment_lengths",
    "qc": "plot_qc_overview",
}

# (name, draw, keyword of the table, table builder, a column the picture needs)
MISSING = [
    ("trajectory", draw_trajectory, "calls", calls_table, "lod_pcn"),
    ("trajectory", draw_trajectory, "calls", calls_table, "erbb2_se_log2"),
    ("trajectory", draw_trajectory, "timepoints", timepoints_table, "response"),
    ("cohort", draw_cohort, "calls", cohort_calls, "erbb2_pcn"),
    ("cohort", draw_cohort, "patients", patients_table, "early_response"),
    ("cohort", draw_cohort, "patients", patients_table, "baseline_pcn"),
    ("genome", draw_genome, "cnr", lambda: genome_tables()[0], "log2"),
    ("genome", draw_genome, "cnr", lambda: genome_tables()[0], "chromosome"),
    ("genome", draw_genome, "cns", lambda: genome_tables()[1], "end"),
    ("genome", draw_genome, "genes", lambda: genome_tables()[2], "name"),
    ("fragments", draw_fragments, "hist", lambda: fragment_histograms()["N2"], "count"),
    ("qc", draw_qc, "qc", qc_table, "noise_sd"),
    ("qc", draw_qc, "qc", qc_table, "evaluable"),
]


def _png_size(path: Path) -> tuple[int, int]:
    image = imread(path)
    return image.shape[1], image.shape[0]


@pytest.mark.parametrize(("name", "draw", "size"), PICTURES, ids=[p[0] for p in PICTURES])
def test_writes_png_of_fixed_size(tmp_path, name, draw, size):
    out = draw(tmp_path / f"{name}.png")
    assert out == tmp_path / f"{name}.png"
    assert _png_size(out) == size
    assert imread(out)[..., :3].std() > 0.05, "picture is blank"


@pytest.mark.parametrize(("name", "draw", "size"), PICTURES, ids=[p[0] for p in PICTURES])
def test_writes_the_same_svg_twice(tmp_path, name, draw, size):
    first = draw(tmp_path / "sub" / f"{name}.svg")
    text = first.read_text()
    assert text.lstrip().startswith("<?xml")
    width, height = size
    assert f'width="{width * 72 / plots.DPI:g}pt"' in text
    assert f'height="{height * 72 / plots.DPI:g}pt"' in text
    second = draw(tmp_path / f"{name}.again.svg")
    assert second.read_bytes() == first.read_bytes(), "same data, different file"


@pytest.mark.parametrize(
    ("name", "draw", "keyword", "build", "column"),
    MISSING,
    ids=[f"{m[0]}-{m[2]}-{m[4]}" for m in MISSING],
)
def test_missing_column_names_it(tmp_path, name, draw, keyword, build, column):
    table = build().drop(columns=[column])
    out = tmp_path / f"{name}.png"
    with pytest.raises(InputError, match=f"'{column}'") as caught:
        draw(out, **{keyword: table})
    assert caught.value.field == column
    assert FUNCTION[name] in str(caught.value), "the message names the picture"
    assert not out.exists()


def test_missing_column_error_names_file_when_known(tmp_path):
    calls = calls_table().drop(columns=["amplified"])
    calls.attrs["path"] = "results/erbb2/calls.tsv"
    with pytest.raises(InputError, match=r"^results/erbb2/calls\.tsv, field 'amplified': "):
        draw_trajectory(tmp_path / "t.png", calls=calls)


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"\.jpeg"):
        draw_qc(tmp_path / "qc.jpeg")
    assert not (tmp_path / "qc.jpeg").exists()


def test_response_looks_are_keyed_by_the_package_classes():
    assert tuple(style.RESPONSE_LOOK) == cfdna_erbb2.RESPONSE_CLASSES
    assert sorted(style.RESPONSE_ORDER) == sorted(cfdna_erbb2.RESPONSE_CLASSES)
    colours = [look.colour for look in style.RESPONSE_LOOK.values()]
    assert len(set(colours)) == len(colours), "two classes share a colour"


@pytest.mark.parametrize(
    ("reason", "width", "lines", "words"),
    [
        ("not evaluable: too noisy", 0, 1, "too noisy"),
        ("too noisy; ", 0, 1, "too noisy"),
        ("not evaluable: 3000 read pairs < 10000; bin noise sd 0.586", 24, 1,
         "3000 read pairs < 10000…"),
        ("not evaluable: 3000 read pairs < 10000; bin noise sd 0.586", 24, 2,
         "3000 read pairs < 10000;\nbin noise sd 0.586"),
        ("a; b; c; d", 3, 1, "a…"),
    ],
)  # fmt: skip
def test_not_evaluable_words_cut_at_a_word_without_a_dangling_separator(
    reason, width, lines, words
):
    assert style.not_evaluable_words(reason, width=width, lines=lines) == words


def test_call_markers_carry_no_colour_and_not_evaluable_one_colour():
    """A call is shape and fill in the colour it is given; a not-evaluable draw is always in
    the not-evaluable colour, whatever it is given."""
    blue = style.RESPONSE_LOOK["reduced"].colour
    assert style.call_style("amplified", blue) == {"marker": "o", "color": blue, "mfc": blue,
                                                   "mew": 1.8}  # fmt: skip
    assert style.call_style("not amplified", blue)["mfc"] == "white"
    grey = style.RESPONSE_LOOK["not_evaluable"].colour
    assert style.call_style("not evaluable", blue)["color"] == grey
    assert style.call_style("amplified")["color"] == style.BLACK


# --- 1. trajectory ----------------------------------------------------------------------------


def test_trajectory_draws_each_draw_at_its_day_and_pcn_by_its_call():
    """Shape and fill are the call; the colour is the response's (black: the baseline), so
    'amplified' never wears a response colour of its own."""
    calls = calls_table().sample(frac=1, random_state=3)  # row order must not matter
    ax = plots.trajectory_figure(calls, timepoints_table(), "P1").axes[0]
    assert _points(ax) == [
        (1.0, pytest.approx(_pcn(0.80)), "o", style.BLACK.lower()),  # baseline, amplified
        (22.0, pytest.approx(_pcn(0.25)), "o", style.RESPONSE_LOOK["reduced"].colour.lower()),
        (43.0, pytest.approx(_pcn(0.02)), "o", "#ffffff"),  # not amplified: open
    ]
    edges = [to_hex(line.get_color()) for line in ax.get_lines() if line.get_marker() == "o"]
    assert edges[-1] == style.RESPONSE_LOOK["undetectable"].colour.lower()


def test_trajectory_marks_a_not_evaluable_draw_with_a_cross_and_its_reason():
    ax = plots.trajectory_figure(calls_table(), timepoints_table(), "P4").axes[0]
    assert [(x, marker) for x, _y, marker, _face in _points(ax)] == [(1.0, "o"), (22.0, "X")]
    assert "NOT EVALUABLE\ntoo noisy" in _texts(ax)
    not_evaluable = style.RESPONSE_LOOK["not_evaluable"].colour.lower()
    assert [face for *_, face in _points(ax)][-1] == not_evaluable
    # The line joining the draws leaves the not-evaluable one out: its value is no result.
    (joined,) = [line for line in ax.get_lines() if line.get_color() == style.GREY]
    assert list(np.asarray(joined.get_xdata(), float)) == [1.0]


def test_trajectory_interval_is_that_of_the_gene_bins():
    """2 * 2**(erbb2_log2 ± 1.96 erbb2_se_log2): the error of the value drawn, not the locus'."""
    calls = calls_table()
    ax = plots.trajectory_figure(calls, timepoints_table(), "P1").axes[0]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    drawn = []
    for bar in bars:
        collection = bar.lines[2][0]
        assert isinstance(collection, LineCollection)
        (low_point, high_point) = collection.get_segments()[0]
        drawn.append((float(low_point[1]), float(high_point[1])))
    p1 = calls[calls["patient"] == "P1"]
    log2, se = p1["erbb2_log2"].to_numpy(), p1["erbb2_se_log2"].to_numpy()
    low, high = 2 * 2 ** (log2 - 1.959964 * se), 2 * 2 ** (log2 + 1.959964 * se)
    expected = list(zip(low, high, strict=True))
    assert drawn == [pytest.approx(e, rel=1e-9) for e in expected]
    locus = 2 * 2 ** (log2 + 1.959964 * p1["se_log2"].to_numpy())
    assert not np.allclose([high for _low, high in drawn], locus), "fixture cannot tell them apart"


@pytest.mark.parametrize(
    ("patient", "early_response", "title_end"),
    [
        ("P1", None, "reduced"),
        ("P2", None, "persistent"),
        ("P4", None, "not evaluable"),
        ("P5", None, "none (no on-treatment draw)"),
        ("P3", None, "not classified"),
        ("P1", "undetectable", "undetectable"),  # from patients.tsv, when given
    ],
)
def test_trajectory_title_names_patient_and_early_response(patient, early_response, title_end):
    fig = plots.trajectory_figure(
        calls_table(), timepoints_table(), patient, early_response=early_response
    )
    title = f"Patient {patient}: ERBB2 in plasma; early molecular response: {title_end}"
    assert fig.axes[0].get_title() == title


def test_trajectory_labels_baseline_and_each_response_in_its_colour():
    ax = plots.trajectory_figure(calls_table(), timepoints_table(), "P1").axes[0]
    labels = [(t.get_text(), to_hex(t.get_color())) for t in ax.texts]
    assert labels == [
        ("baseline", style.BLACK.lower()),
        ("reduced\n26% of baseline excess", style.RESPONSE_LOOK["reduced"].colour.lower()),
        ("undetectable\n2% of baseline excess", style.RESPONSE_LOOK["undetectable"].colour.lower()),
    ]


def test_trajectory_baseline_is_the_earliest_draw():
    """The calls table alone decides it (cohort.baseline_of), whatever the row order."""
    calls = calls_table()
    calls = calls[calls["sample"] != "P1-d1"].iloc[::-1]  # P1's earliest draw is now day 22
    ax = plots.trajectory_figure(calls, timepoints_table(), "P1").axes[0]
    baseline = [t for t in ax.texts if t.get_text() == "baseline"]
    assert len(baseline) == 1
    assert isinstance(baseline[0], Annotation)
    assert baseline[0].xy[0] == 22


def test_trajectory_draws_each_threshold_and_the_normals_range():
    calls = calls_table()
    fig = plots.trajectory_figure(calls, timepoints_table(), "P1")
    ax = fig.axes[0]
    assert [y for _x, y, _m, _f in _points(ax, markers="_")] == [2.30, 2.35, 2.30]
    normals = calls.loc[calls["kind"] == "normal", "erbb2_pcn"]
    assert isinstance(ax.patches[0], Rectangle)
    band = ax.patches[0].get_bbox()
    assert (band.y0, band.y1) == pytest.approx((normals.min(), normals.max()))
    assert "panel of normals, range (n=3)" in _legend_texts(fig)
    assert "call threshold of each draw (locus pCN)" in _legend_texts(fig)


def test_trajectory_without_normals_and_with_one_threshold():
    calls = calls_table()
    calls = calls[calls["kind"] == "plasma"].assign(lod_pcn=2.3)
    fig = plots.trajectory_figure(calls, timepoints_table(), "P2")
    ax = fig.axes[0]
    assert not ax.patches, "no normals, no band"
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert [list(np.asarray(line.get_ydata())) for line in dashed] == [[2.3, 2.3]]
    legend = _legend_texts(fig)
    assert "call threshold, locus pCN 2.30" in legend
    assert not any(text.startswith("panel of normals") for text in legend)


def test_trajectory_says_no_value_for_a_draw_without_one():
    calls = calls_table()
    calls.loc[calls["sample"] == "P1-d22", "erbb2_pcn"] = np.nan
    ax = plots.trajectory_figure(calls, timepoints_table(), "P1").axes[0]
    assert [x for x, *_ in _points(ax)] == [1.0, 43.0]
    assert "no value" in _texts(ax)


def test_trajectory_says_why_a_draw_above_the_normals_is_not_amplified():
    """P3 is not amplified at baseline though above the normals' range: below that draw's
    detection limit (a locus pCN) or, when its locus reaches the limit, a broad gain."""
    calls = calls_table()
    calls.loc[calls["sample"] == "P3-d22", "erbb2_log2"] = 0.3
    calls["erbb2_pcn"] = [_pcn(v) for v in calls["erbb2_log2"]]
    calls["locus_pcn"] = np.where(calls["sample"] == "P3-d22", 2.5, np.nan)
    ax = plots.trajectory_figure(calls, timepoints_table(), "P3").axes[0]
    assert _texts(ax) == [
        "baseline\nnot amplified: below this\ndraw's detection limit",
        "not amplified: a broad gain,\nnot focal",
    ]
    # Within the normals' range no word is needed.
    calls.loc[calls["sample"] == "P3-d1", "erbb2_pcn"] = 2.0
    ax = plots.trajectory_figure(calls, timepoints_table(), "P3").axes[0]
    assert _texts(ax)[0] == "baseline"


def test_trajectory_marks_a_not_evaluable_draw_without_a_value():
    calls = calls_table()
    calls.loc[calls["sample"] == "P4-d22", ["erbb2_pcn", "erbb2_log2"]] = np.nan
    ax = plots.trajectory_figure(calls, timepoints_table(), "P4").axes[0]
    assert [(x, marker) for x, _y, marker, _f in _points(ax)] == [(1.0, "o"), (22.0, "X")]
    assert "NOT EVALUABLE (no value)\ntoo noisy" in _texts(ax)
    assert "no value" not in _texts(ax)


def test_trajectory_reads_tsv_text_and_needs_the_patient(tmp_path):
    """Booleans and empty cells as a TSV gives them; an unknown patient is an error."""
    path = tmp_path / "calls.tsv"
    calls_table().to_csv(path, sep="\t", index=False)
    calls = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    ax = plots.trajectory_figure(calls, timepoints_table(), "P4").axes[0]
    assert [(x, y, m) for x, y, m, _f in _points(ax)] == [
        (1.0, pytest.approx(_pcn(0.9)), "o"),
        (22.0, pytest.approx(_pcn(0.1)), "X"),
    ]
    with pytest.raises(InputError, match="'P9' has no plasma draws"):
        plots.plot_patient_trajectory(calls, timepoints_table(), "P9", tmp_path / "p9.png")
    assert not (tmp_path / "p9.png").exists()


# --- 2. cohort --------------------------------------------------------------------------------


def test_cohort_rows_grouped_by_response_then_by_baseline():
    """Deepest response first; within 'reduced', P6 (higher baseline) above P1."""
    patients = patients_table().iloc[::-1]  # input order must not matter
    ax = plots.cohort_figure(cohort_calls(), patients).axes[0]
    ticks = ax.get_yticklabels()
    assert [t.get_text() for t in ticks] == [
        "P6 (day 29)",
        "P1 (day 22)",
        "P2 (day 22)",
        "P3 (day 22)",
        "P4 (day 22)",
        "P5",
    ]
    look = style.RESPONSE_LOOK
    assert [to_hex(t.get_color()) for t in ticks] == [
        look["reduced"].colour.lower(),
        look["reduced"].colour.lower(),
        look["persistent"].colour.lower(),
        look["baseline_negative"].colour.lower(),
        look["not_evaluable"].colour.lower(),
        style.NO_EARLY.colour.lower(),
    ]


def test_cohort_draws_baseline_and_early_pcn_of_each_patient():
    calls, patients = cohort_calls(), patients_table()
    ax = plots.cohort_figure(calls, patients).axes[0]
    row = {"P6": 5, "P1": 4, "P2": 3, "P3": 2, "P4": 1, "P5": 0}  # top row first
    bars = {int(y): x for x, y, _m, _f in _points(ax, markers="|")}
    assert bars == {
        row[p]: pytest.approx(b)
        for p, b in zip(patients["patient"], patients["baseline_pcn"], strict=True)
    }
    pcn = dict(zip(calls["sample"], calls["erbb2_pcn"], strict=True))
    early = {int(y): (x, marker, face) for x, y, marker, face in _points(ax)}
    white = "#ffffff"
    reduced = style.RESPONSE_LOOK["reduced"].colour.lower()
    assert early == {
        row["P6"]: (pytest.approx(pcn["P6-d22"]), "o", reduced),  # amplified: filled
        row["P1"]: (pytest.approx(pcn["P1-d22"]), "o", reduced),
        row["P2"]: (pytest.approx(pcn["P2-d22"]), "o", style.VERMILLION.lower()),
        row["P3"]: (pytest.approx(pcn["P3-d22"]), "o", white),  # not amplified: open
        row["P4"]: (pytest.approx(pcn["P4-d22"]), "X", style.DARK_GREY.lower()),
    }
    assert "no on-treatment draw" in _texts(ax)  # P5, beside its baseline bar


def _arrow_rows(ax: Axes) -> list[float]:
    """The row (y) of every arrow drawn (annotations with an arrow)."""
    return [float(t.xy[1]) for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch]


def test_cohort_draws_no_arrow_to_a_not_evaluable_draw():
    """P4's early draw is not evaluable: its cross stands alone, labelled with the cause."""
    ax = plots.cohort_figure(cohort_calls(), patients_table()).axes[0]
    row = {"P6": 5, "P1": 4, "P2": 3, "P3": 2, "P4": 1, "P5": 0}
    assert sorted(_arrow_rows(ax)) == sorted(float(row[p]) for p in ("P6", "P1", "P2", "P3"))
    assert "NOT EVALUABLE:\ntoo noisy" in _texts(ax)
    # Without a value at all, the note beside the baseline bar says so, with the cause.
    calls = cohort_calls()
    calls.loc[calls["sample"] == "P4-d22", "erbb2_pcn"] = np.nan
    ax = plots.cohort_figure(calls, patients_table()).axes[0]
    assert "early draw NOT EVALUABLE:\ntoo noisy" in _texts(ax)
    assert float(row["P4"]) not in _arrow_rows(ax)


def test_cohort_legend_counts_each_response():
    fig = plots.cohort_figure(cohort_calls(), patients_table())
    legend = _legend_texts(fig, fig.axes[1])
    assert legend[:6] == [
        "undetectable (n=0)",
        "reduced (n=2)",
        "persistent (n=1)",
        "not amplified at baseline (n=1)",
        "not evaluable (n=1)",
        "no on-treatment draw (n=1)",
    ]
    assert "panel of normals, range (n=3)" in legend


# --- 3. genome --------------------------------------------------------------------------------


def test_genome_draws_every_bin_in_natural_chromosome_order():
    cnr, cns, genes = genome_tables()
    fig = plots.genome_figure(cnr, cns, genes=genes, sample="P1-d1")
    ax_g = fig.axes[0]
    chroms = [t.get_text().strip() for t in ax_g.get_xticklabels()]
    assert chroms == ["1", "2", "10", "17", "X"]
    inside = [y for _x, y, _m, _f in _points(ax_g, markers=".")]
    assert sorted(inside) == pytest.approx(sorted(cnr["log2"][cnr["log2"] > -6]))
    assert len(_points(ax_g, markers="v")) == 1  # the bin far below, on the edge
    title = "CNVkit copy ratios of P1-d1 (1 bin beyond the y range: triangles on its edge)"
    assert ax_g.get_title() == title


def test_genome_draws_a_mans_x_relative_to_one_copy_and_no_absent_y():
    """Issue 12: a man's chrX is no one-copy loss; a woman's missing Y is no deletion."""
    cnr, cns, genes = genome_tables()
    x_bins = cnr["chromosome"] == "chrX"
    cnr.loc[x_bins, "log2"] -= 1.0  # a man against CNVkit's XX reference
    no_y = pd.DataFrame({"chromosome": "chrY", "start": [0, 1_000_000], "end": [1_000_000, 2e6],
                         "gene": "-", "log2": [-20.0, -20.0]})  # fmt: skip
    female = plots.genome_figure(pd.concat([cnr, no_y], ignore_index=True), cns, genes=genes,
                                 sex="female")  # fmt: skip
    assert [t.get_text().strip() for t in female.axes[0].get_xticklabels()][-1] == "X"
    assert len(_points(female.axes[0], markers="v")) == 1  # only chr1's far bin, not Y
    male = plots.genome_figure(cnr, cns, genes=genes, sex="male")
    drawn = sorted(y for _x, y, _m, _f in _points(male.axes[0], markers="."))
    expected = cnr["log2"].where(~x_bins, cnr["log2"] + 1.0)
    assert drawn == pytest.approx(sorted(expected[expected > -6]))
    assert "male: chrX drawn relative to one copy" in male.axes[0].get_title()


def test_genome_zoom_places_the_gene_from_the_gene_table():
    """The band is the gene's extent in ``genes``, not the span of the bins labelled with it."""
    cnr, cns, genes = genome_tables()
    fig = plots.genome_figure(cnr, cns, genes=genes)
    _ax_g, ax_z, ax_t = fig.axes
    assert ax_z.get_title() == "chr17 around ERBB2 (orange band: ERBB2; ±3 Mb)"
    assert isinstance(ax_z.patches[0], Rectangle)
    band = ax_z.patches[0].get_bbox()
    assert (band.x0, band.x1) == (37_844_167, 37_886_679)
    assert ax_z.get_xlim() == (37_844_167 - 3_000_000, 37_886_679 + 3_000_000)
    zoomed = cnr[(cnr["chromosome"] == "chr17") & (cnr["end"] >= 34_844_167)]
    zoomed = zoomed[zoomed["start"] <= 40_886_679]
    assert sorted(x for x, *_ in _points(ax_z, markers=".")) == sorted(
        (zoomed["start"] + zoomed["end"]) / 2
    )
    assert sorted(_texts(ax_t)) == sorted(genes["name"])


def test_genome_zoom_draws_the_size_weighted_track_when_given():
    """Issue 15: the weighted track's bins near the gene as hollow circles, in the zoom only,
    within the y range; nothing of it without the table."""
    cnr, cns, genes = genome_tables()
    weighted = cnr.assign(log2=cnr["log2"] * 1.5)  # an amplicon lifted by short fragments
    far = (weighted["chromosome"] == "chr17") & (weighted["start"] == 36_000_000)
    weighted.loc[far, "log2"] = 9.0  # beyond any y range: drawn on the edge
    fig = plots.genome_figure(cnr, cns, genes=genes, weighted=weighted, short_weight=2.5)
    ax_g, ax_z, _ax_t = fig.axes
    assert _points(ax_g, markers="o") == []
    circles = _points(ax_z, markers="o")
    near = weighted[(weighted["chromosome"] == "chr17") & (weighted["end"] >= 34_844_167)]
    near = near[near["start"] <= 40_886_679]
    assert sorted(x for x, *_ in circles) == sorted((near["start"] + near["end"]) / 2)
    low, high = ax_z.get_ylim()
    assert all(low <= y <= high for _x, y, *_ in circles)
    assert max(y for _x, y, *_ in circles) == high  # the far bin, clipped to the edge
    hollow = {line.get_markerfacecolor() for line in ax_z.get_lines() if line.get_marker() == "o"}
    assert hollow == {"none"}
    legend = ax_z.get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert "bin, short fragments ×2.5 (size-weighted test)" in labels
    # The plain bins are the same with or without the weighted track.
    plain = plots.genome_figure(cnr, cns, genes=genes)
    assert _points(plain.axes[1], markers="o") == []
    assert sorted(_points(plain.axes[1], markers=".")) == sorted(_points(ax_z, markers="."))


def test_genome_matches_bare_and_chr_chromosome_names():
    cnr, cns, genes = genome_tables()
    cnr["chromosome"] = cnr["chromosome"].str.removeprefix("chr")
    cns["chromosome"] = cns["chromosome"].str.removeprefix("chr")
    fig = plots.genome_figure(cnr, cns, genes=genes)  # genes say 'chr17'
    assert fig.axes[1].get_title().startswith("chr17 around ERBB2")
    assert len(_points(fig.axes[1], markers=".")) == 7  # bins 34..40 Mb of chromosome 17


def test_genome_marks_a_not_evaluable_sample_with_a_banner():
    cnr, cns, genes = genome_tables()
    fig = plots.genome_figure(cnr, cns, genes=genes, not_evaluable="3000 read pairs < 10000")
    assert fig.get_suptitle() == "NOT EVALUABLE: 3000 read pairs < 10000"
    assert fig.axes[1].get_title().startswith("NOT EVALUABLE: no ERBB2 result. chr17 around")
    plain = plots.genome_figure(cnr, cns, genes=genes)
    assert plain.get_suptitle() == ""
    assert not plain.axes[1].get_title().startswith("NOT EVALUABLE")


def test_genome_says_when_gene_is_absent():
    cnr, cns, genes = genome_tables()
    fig = plots.genome_figure(cnr, cns, genes=genes[genes["name"] != "ERBB2"])
    ax_z = fig.axes[1]
    assert _texts(ax_z) == ["ERBB2: not in the gene table"]
    assert not ax_z.axison


def test_genome_on_real_cnvkit_output():
    """CNVkit's own p2-9_2 sample (GRCh37): every ERBB2 bin lands in the zoom."""
    cnr = pd.read_csv(REAL / "p2-9_2.cnr", sep="\t")
    cns = pd.read_csv(REAL / "p2-9_2.cns", sep="\t")
    # ERBB2 in GRCh37 (UCSC refGene, outer span of its transcripts).
    genes = pd.DataFrame(
        {"chromosome": ["chr17"], "start": [37_844_166], "end": [37_886_679], "name": ["ERBB2"]}
    )
    fig = plots.genome_figure(cnr, cns, genes=genes, sample="p2-9_2")
    ax_g, ax_z, _ax_t = fig.axes
    chroms = [t.get_text().strip() for t in ax_g.get_xticklabels()]
    assert chroms == [*(str(i) for i in range(1, 23)), "X", "Y"]
    erbb2 = cnr[gene_mask(cnr["gene"], "ERBB2")]
    assert len(erbb2) == 23  # as the data's README says
    zoom_x = {x for x, *_ in _points(ax_z, markers=".v^")}
    assert set((erbb2["start"] + erbb2["end"]) / 2) <= zoom_x


# --- 4. fragment lengths ----------------------------------------------------------------------


def _short(hist: pd.DataFrame) -> float:
    return float(hist.loc[hist["length"] < 150, "count"].sum() / hist["count"].sum())


def test_fragments_legend_gives_each_short_fraction_from_its_histogram():
    hists = fragment_histograms()
    fig = plots.fragments_figure(hists, "P1-d1", ["N1", "N2", "N3"])
    legend = _legend_texts(fig, fig.axes[0])
    normals_mean = np.mean([_short(hists[n]) for n in ("N1", "N2", "N3")])
    assert legend[0] == f"P1-d1 ({_short(hists['P1-d1']):.1%} of fragments < 150 bp)"
    assert legend[1] == "normals (n=3)"
    assert legend[2] == f"normals, mean ({normals_mean:.1%} of fragments < 150 bp)"
    assert _short(hists["P1-d1"]) > 0.2 > normals_mean, "the fixture's sample is shorter"


def test_fragments_curve_is_the_percentage_at_each_length():
    hists = fragment_histograms()
    ax = plots.fragments_figure(hists, "P1-d1", ["N1"]).axes[0]
    (sample_curve,) = [line for line in ax.get_lines() if line.get_color() == style.BLACK]
    hist = hists["P1-d1"].set_index("length")["count"]
    lengths = np.arange(50, 451)
    expected = hist.reindex(lengths).to_numpy() / hist.sum() * 100
    assert list(np.asarray(sample_curve.get_xdata())) == list(lengths)
    assert np.asarray(sample_curve.get_ydata()) == pytest.approx(expected)


def test_fragments_leave_the_sample_out_of_its_normals():
    fig = plots.fragments_figure(fragment_histograms(), "N1", ["N1", "N2", "N3"])
    greys = [line for line in fig.axes[0].get_lines() if line.get_color() == style.GREY]
    assert len(greys) == 2
    assert "normals (n=2)" in _legend_texts(fig, fig.axes[0])


def test_fragments_need_every_named_histogram(tmp_path):
    with pytest.raises(InputError, match="'N7'"):
        plots.plot_fragment_lengths(
            fragment_histograms(), "P1-d1", ["N1", "N7"], tmp_path / "f.png"
        )


# --- 5. QC overview ---------------------------------------------------------------------------

QC_PANELS = [
    ("read_pairs", "read pairs", 1e-6),
    ("duplicate_fraction", "duplicates", 100.0),
    ("fragment_mode", "fragment length, mode", 1.0),
    ("short_fraction", "short fragments (< 150 bp)", 100.0),
    ("mapd", "MAPD", 1.0),
    ("noise_sd", "noise", 1.0),
]


def test_qc_draws_one_point_per_sample_in_every_panel():
    qc = qc_table()
    fig = plots.qc_figure(qc)
    panels = fig.axes[1:]
    assert [ax.get_title() for ax in panels] == [title for _c, title, _s in QC_PANELS]
    evaluable = qc["evaluable"].to_numpy()
    for ax, (column, _title, scale) in zip(panels, QC_PANELS, strict=True):
        points = _points(ax)
        values = qc[column].to_numpy(dtype=float) * scale
        assert sorted(y for _x, y, _m, _f in points) == pytest.approx(sorted(values)), column
        crosses = [y for _x, y, marker, _f in points if marker == "X"]
        assert crosses == pytest.approx(list(values[~evaluable])), column


def test_qc_puts_plasma_and_normals_in_their_own_strips():
    qc = qc_table()
    ax = plots.qc_figure(qc).axes[1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["plasma\n(n=10)", "normal\n(n=3)"]
    strip = {round(x) for x, *_ in _points(ax)}
    assert strip == {0, 1}


def test_qc_numbers_and_names_the_not_evaluable_samples():
    fig = plots.qc_figure(qc_table())
    for ax in fig.axes[1:]:
        assert _texts(ax) == ["1"]
    assert "Not evaluable: 1 = P4-d22 (too noisy)" in _figure_texts(fig)
    assert "not evaluable (n=1)" in _legend_texts(fig, fig.axes[0])


def test_qc_names_at_most_eight_and_counts_the_rest():
    qc = qc_table().assign(evaluable=False, reason="")
    fig = plots.qc_figure(qc)
    assert sorted(_texts(fig.axes[1]), key=int) == [str(k) for k in range(1, 9)]
    (note,) = [t for t in _figure_texts(fig) if t.startswith("Not evaluable")]
    assert note.replace("\n", " ").endswith("8 = P4-d1; and 5 more (see the QC table)")


def _dashed_levels(ax: Axes) -> list[float]:
    return [
        float(np.asarray(line.get_ydata(), float)[0])
        for line in ax.get_lines()
        if line.get_linestyle() == "--"
    ]


def test_qc_draws_the_config_limits_labelled():
    qc = qc_table()
    qc.loc[0, "read_pairs"] = 50_000  # a log scale: the limit is still drawn and in range
    fig = plots.qc_figure(qc, {"min_read_pairs": 10_000, "max_noise_sd": 0.4})
    reads, *_, noise = fig.axes[1:]
    assert _dashed_levels(reads) == [pytest.approx(0.01)]
    assert _dashed_levels(noise) == [pytest.approx(0.4)]
    assert reads.get_ylim()[0] < 0.01 and noise.get_ylim()[1] > 0.4
    assert "fewest read pairs: 10,000 (min_read_pairs)" in _texts(reads)
    assert "largest noise: 0.4 (max_noise_sd)" in _texts(noise)
    assert "QC limit (config)" in _legend_texts(fig, fig.axes[0])
    assert all(not _dashed_levels(ax) for ax in fig.axes[2:-1])
    assert not any(_dashed_levels(ax) for ax in plots.qc_figure(qc).axes[1:])


def test_qc_footnote_gives_the_cause_cut_at_a_word():
    qc = qc_table()
    long = (
        "not evaluable: 3000 read pairs < 10000; bin noise sd 0.586 > 0.4 (log2); fewer "
        "than 5 bins flank the ERBB2 locus on chr17: focality cannot be judged"
    )
    qc.loc[qc["sample"] == "P4-d22", "reason"] = long
    fig = plots.qc_figure(qc)
    (note,) = [t for t in _figure_texts(fig) if t.startswith("Not evaluable")]
    note = note.replace("\n", " ")
    assert note.startswith("Not evaluable: 1 = P4-d22 (3000 read pairs < 10000; bin noise")
    assert note.endswith("…)") and "; )" not in note and "(not evaluable" not in note
    crosses = [line for line in fig.axes[1].get_lines() if line.get_marker() == "X"]
    not_evaluable = style.RESPONSE_LOOK["not_evaluable"].colour.lower()
    assert {to_hex(line.get_color()) for line in crosses} == {not_evaluable}


def test_qc_uses_a_log_scale_for_a_metric_spanning_decades():
    qc = qc_table()
    qc.loc[0, "read_pairs"] = 50_000
    fig = plots.qc_figure(qc)
    assert fig.axes[1].get_yscale() == "log"
    assert fig.axes[2].get_yscale() == "linear"
