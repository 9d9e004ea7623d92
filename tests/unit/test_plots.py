"""Plots: each writes a picture of the fixed size, in PNG and SVG, and names a missing column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

import cfdna_erbb2
from cfdna_erbb2 import plots
from cfdna_erbb2.errors import InputError

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "cnvkit-real"


# --- small hand-made tables -------------------------------------------------------------------


def _pcn(log2: float) -> float:
    return 2 * 2**log2


def calls_table() -> pd.DataFrame:
    """Two patients with three draws each, one not evaluable, and three normals."""
    rows = [
        # sample, patient, kind, timepoint, log2, se, lod_pcn, amplified, evaluable, reason
        ("P1-d1", "P1", "plasma", 1, 0.80, 0.05, 2.30, True, True, ""),
        ("P1-d22", "P1", "plasma", 22, 0.25, 0.06, 2.35, True, True, ""),
        ("P1-d43", "P1", "plasma", 43, 0.02, 0.05, 2.30, False, True, ""),
        ("P2-d1", "P2", "plasma", 1, 0.60, 0.05, 2.30, True, True, ""),
        ("P2-d22", "P2", "plasma", 22, 0.55, 0.05, 2.30, True, True, ""),
        ("P3-d1", "P3", "plasma", 1, 0.05, 0.05, 2.30, False, True, ""),
        ("P3-d22", "P3", "plasma", 22, 0.00, 0.05, 2.30, False, True, ""),
        ("P4-d1", "P4", "plasma", 1, 0.90, 0.05, 2.30, True, True, ""),
        ("P4-d22", "P4", "plasma", 22, 0.10, 0.30, 3.40, False, False, "too noisy"),
        ("P5-d1", "P5", "plasma", 1, 0.70, 0.05, 2.30, True, True, ""),
        ("N1", "", "normal", None, -0.03, 0.05, np.nan, False, True, ""),
        ("N2", "", "normal", None, 0.04, 0.05, np.nan, False, True, ""),
        ("N3", "", "normal", None, 0.01, 0.05, np.nan, False, True, ""),
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
            "lod_pcn",
            "amplified",
            "evaluable",
            "reason",
        ],
    )
    table["timepoint"] = table["timepoint"].astype("Int64")
    table["erbb2_pcn"] = [_pcn(v) for v in table["erbb2_log2"]]
    table["erbb2_z"] = table["erbb2_log2"] / table["se_log2"]
    return table


def timepoints_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient": ["P1", "P1", "P1", "P2", "P2", "P4", "P4"],
            "sample": ["P1-d1", "P1-d22", "P1-d43", "P2-d1", "P2-d22", "P4-d1", "P4-d22"],
            "timepoint": [1, 22, 43, 1, 22, 1, 22],
            "baseline_sample": ["P1-d1", "P1-d1", "P1-d1", "P2-d1", "P2-d1", "P4-d1", "P4-d1"],
            "response": ["", "reduced", "undetectable", "", "persistent", "", "not_evaluable"],
            "baseline_excess": [1.48, 1.48, 1.48, 1.03, 1.03, 1.73, 1.73],
            "excess": [1.48, 0.38, 0.03, 1.03, 0.93, 1.73, np.nan],
            "fraction_remaining": [np.nan, 0.26, 0.02, np.nan, 0.90, np.nan, np.nan],
            "reason": ["", "", "", "", "", "", "too noisy"],
        }
    )


def patients_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient": ["P1", "P2", "P3", "P4", "P5"],
            "baseline_sample": ["P1-d1", "P2-d1", "P3-d1", "P4-d1", "P5-d1"],
            "baseline_pcn": [_pcn(0.8), _pcn(0.6), _pcn(0.05), _pcn(0.9), _pcn(0.7)],
            "baseline_amplified": [True, True, False, True, True],
            "early_sample": ["P1-d22", "P2-d22", "P3-d22", "P4-d22", ""],
            "early_timepoint": [22, 22, 22, 22, np.nan],
            "early_response": ["reduced", "persistent", "baseline_negative", "not_evaluable", ""],
            "last_response": [
                "undetectable",
                "persistent",
                "baseline_negative",
                "not_evaluable",
                "",
            ],
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
    genes = pd.DataFrame(
        {
            "chromosome": ["chr17", "chr17", "chr17", "chr17"],
            "start": [37_830_000, 37_844_167, 37_884_000, 37_894_000],
            "end": [37_840_000, 37_886_679, 37_886_000, 37_903_000],
            "name": ["PGAP3", "ERBB2", "MIEN1", "GRB7"],
        }
    )
    return cnr, cns, genes


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


# --- each picture: a call that draws it, its pixel size, the columns it needs ------------------


def draw_trajectory(out: Path, calls=None, timepoints=None) -> Path:
    calls = calls_table() if calls is None else calls
    timepoints = timepoints_table() if timepoints is None else timepoints
    return plots.plot_patient_trajectory(calls, timepoints, "P1", out)


def draw_cohort(out: Path, calls=None, patients=None) -> Path:
    calls = calls_table() if calls is None else calls
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
    ("trajectory", draw_trajectory, (960, 540)),
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
    ("trajectory", draw_trajectory, "calls", calls_table, "se_log2"),
    ("trajectory", draw_trajectory, "timepoints", timepoints_table, "response"),
    ("cohort", draw_cohort, "calls", calls_table, "erbb2_pcn"),
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
    assert out.stat().st_size > 5_000
    assert _png_size(out) == size
    image = imread(out)
    assert image[..., :3].std() > 0.05, "picture is blank"


@pytest.mark.parametrize(("name", "draw", "size"), PICTURES, ids=[p[0] for p in PICTURES])
def test_writes_svg(tmp_path, name, draw, size):
    out = draw(tmp_path / "sub" / f"{name}.svg")
    text = out.read_text()
    assert text.lstrip().startswith("<?xml")
    assert "<svg" in text
    width, height = size
    assert f'width="{width * 72 / plots.DPI:g}pt"' in text
    assert f'height="{height * 72 / plots.DPI:g}pt"' in text


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


def test_trajectory_reads_tsv_text_and_needs_the_patient(tmp_path):
    """Booleans and empty cells as a TSV gives them; an unknown patient is an error."""
    path = tmp_path / "calls.tsv"
    calls_table().to_csv(path, sep="\t", index=False)
    calls = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    out = plots.plot_patient_trajectory(calls, timepoints_table(), "P4", tmp_path / "p4.png")
    assert _png_size(out) == (960, 540)
    with pytest.raises(InputError, match="'P9' has no plasma draws"):
        plots.plot_patient_trajectory(calls, timepoints_table(), "P9", tmp_path / "p9.png")


def test_trajectory_without_normals_and_with_one_threshold(tmp_path):
    calls = calls_table()
    calls = calls[calls["kind"] == "plasma"].assign(lod_pcn=2.3)
    out = plots.plot_patient_trajectory(calls, timepoints_table(), "P2", tmp_path / "p2.png")
    assert _png_size(out) == (960, 540)


def test_genome_without_gene_table_finds_gene_in_bins(tmp_path):
    cnr, cns, _ = genome_tables()
    cnr["chromosome"] = cnr["chromosome"].str.removeprefix("chr")
    cns["chromosome"] = cns["chromosome"].str.removeprefix("chr")
    out = plots.plot_genome(cnr, cns, tmp_path / "g.png", sample="bare names")
    assert _png_size(out) == (1200, 840)


def test_genome_says_when_gene_is_absent(tmp_path):
    cnr, cns, _ = genome_tables()
    cnr["gene"] = "-"
    out = plots.plot_genome(cnr, cns, tmp_path / "g.png")
    assert _png_size(out) == (1200, 840)


def test_chromosomes_in_natural_order():
    names = ["chrX", "chr10", "chr2", "chr1", "chrY", "chr22", "chrM"]
    assert sorted(names, key=plots._chrom_sort_key) == [
        "chr1",
        "chr2",
        "chr10",
        "chr22",
        "chrX",
        "chrY",
        "chrM",
    ]
    assert sorted(["X", "11", "3"], key=plots._chrom_sort_key) == ["3", "11", "X"]


def test_fragments_need_every_named_histogram(tmp_path):
    with pytest.raises(InputError, match="'N7'"):
        plots.plot_fragment_lengths(
            fragment_histograms(), "P1-d1", ["N1", "N7"], tmp_path / "f.png"
        )


def test_genome_on_real_cnvkit_output(tmp_path):
    cnr_path, cns_path = REAL / "p2-9_2.cnr", REAL / "p2-9_2.cns"
    if not (cnr_path.is_file() and cns_path.is_file()):
        print(f"real CNVkit files not found in {REAL}")
        pytest.skip(f"real CNVkit files not found in {REAL}")
    cnr = pd.read_csv(cnr_path, sep="\t")
    cns = pd.read_csv(cns_path, sep="\t")
    out = plots.plot_genome(cnr, cns, tmp_path / "real.png", sample="p2-9_2")
    assert _png_size(out) == (1200, 840)
    assert out.stat().st_size > 20_000


def test_colours_cover_the_response_classes_of_the_response_stage():
    assert set(plots.RESPONSE_CLASSES) == set(cfdna_erbb2.RESPONSE_CLASSES)
