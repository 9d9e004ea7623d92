"""Pictures for the report: pure functions from tables to one PNG, SVG or PDF file each.

Every function takes pandas DataFrames (read by column name) and an output path, draws on
its own :class:`matplotlib.figure.Figure` (no pyplot, no global state, the Agg renderer),
writes the file in the format its suffix names, and returns the path. Figure sizes are fixed
(inches at :data:`DPI` dots per inch) so a picture's pixel size does not depend on its data.

A table that lacks a column a picture needs raises :class:`~cfdna_erbb2.errors.InputError`
naming the column and the picture, before anything is drawn. When a table carries its source
file in ``table.attrs["path"]``, the error names that file too.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
chosen to stay distinguishable with the common colour-vision deficiencies; where colour
carries a meaning, marker shape or text carries it too.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

from .errors import InputError

#: Resolution of every picture, dots per inch.
DPI = 120

#: Figure sizes in inches (width, height); pixel size = inches * DPI.
SIZE_TRAJECTORY = (8.0, 4.5)
SIZE_COHORT = (8.0, 6.0)
SIZE_GENOME = (10.0, 7.0)
SIZE_FRAGMENTS = (8.0, 4.5)
SIZE_QC = (10.0, 5.5)

# Okabe & Ito (2008), Color Universal Design, https://jfly.uni-koeln.de/color/
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"
DARK_GREY = "#555555"
LIGHT_GREY = "#DDDDDD"

#: Molecular-response classes (as written by the response stage) in reading order, with
#: their colour and the words a reader sees.
RESPONSE_CLASSES: dict[str, tuple[str, str]] = {
    "undetectable": (GREEN, "undetectable"),
    "reduced": (BLUE, "reduced"),
    "persistent": (VERMILLION, "persistent"),
    "baseline_negative": (PURPLE, "not amplified at baseline"),
    "not_evaluable": (DARK_GREY, "not evaluable"),
}
#: Patients without an on-treatment draw (``early_response`` empty).
NO_EARLY = ("", (GREY, "no on-treatment draw"))

#: Diploid plasma copy number: copies per diploid genome with no tumour signal.
DIPLOID_PCN = 2.0
#: Two-sided 95% normal quantile, for the interval around a log2 estimate.
Z95 = 1.959964
#: Modal cfDNA fragment length, one nucleosome plus linker (Snyder et al., Cell 2016).
MONONUCLEOSOME_BP = 167
#: Short-fragment cut-off: tumour-derived cfDNA is enriched below 150 bp
#: (Mouliere et al., Sci Transl Med 2018).
SHORT_FRAGMENT_BP = 150
#: Fragment-length window shown, bp.
FRAGMENT_XLIM = (50, 450)
#: Half-width of the zoom around the gene of interest, bp.
ZOOM_FLANK_BP = 3_000_000
#: Neighbours of ERBB2 on the 17q12 amplicon, labelled first in the zoom (SCIENCE.md).
AMPLICON_NEIGHBOURS = ("PGAP3", "MIEN1", "GRB7", "STARD3", "TCAP", "PNMT", "IKZF3")
#: Longest extent taken as one gene when genes are read from bin labels, bp; the longest
#: human genes (CNTNAP2, DMD) span about 2.3 Mb (GENCODE).
MAX_GENE_BP = 2_500_000
#: CNVkit's gene labels for bins that carry no gene.
NO_GENE_LABELS = frozenset({"", "-", "Antitarget", "Background"})
#: Copy-ratio axis limits, log2: never narrower than LOG2_MIN_SPAN, never wider than LOG2_CLIP.
LOG2_MIN_SPAN = (-1.25, 1.25)
LOG2_CLIP = (-3.0, 4.0)

_SAVE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
_CANONICAL_CHROM = re.compile(r"^(?:chr)?([0-9]+|X|Y)$", re.IGNORECASE)


# --- shared helpers -------------------------------------------------------------------------


def _require(table: pd.DataFrame, columns: Iterable[str], *, table_name: str, plot: str) -> None:
    """Raise InputError naming the first column of ``columns`` missing from ``table``."""
    for column in columns:
        if column not in table.columns:
            raise InputError(
                table.attrs.get("path"),
                f"{plot} needs column '{column}' in the {table_name} table "
                f"(columns present: {', '.join(map(str, table.columns)) or 'none'})",
                field=column,
            )


def _numbers(values: pd.Series) -> np.ndarray:
    """A column as float64, non-numbers and empty cells as NaN."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _flags(values: pd.Series) -> np.ndarray:
    """A boolean column read from TSV ('True', 'true', '1', 'yes') or already boolean."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).to_numpy(dtype=bool)
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "t", "1.0"]).to_numpy(dtype=bool)


def _text(values: pd.Series) -> pd.Series:
    """A text column with missing cells as '' and surrounding spaces removed."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _new_figure(size: tuple[float, float]) -> Figure:
    return Figure(figsize=size, dpi=DPI, layout="constrained")


def _save(fig: Figure, out: str | Path) -> Path:
    """Write ``fig`` in the format named by the suffix of ``out`` and release it."""
    path = Path(out)
    fmt = _SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{path}: unsupported picture format '{path.suffix}' (use .png, .svg or .pdf)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # No creation date in SVG/PDF, so the same data give the same file.
    metadata: dict[str, str | None] = {}
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None}
    fig.savefig(path, format=fmt, dpi=DPI, metadata=metadata)
    fig.clear()
    return path


def _normal_range(calls: pd.DataFrame) -> tuple[float, float, int] | None:
    """(min, max, n) of the panel of normals' ERBB2 pCN, or None without normals."""
    kind = _text(calls["kind"])
    pcn = _numbers(calls["erbb2_pcn"])[(kind == "normal").to_numpy()]
    pcn = pcn[np.isfinite(pcn)]
    if pcn.size == 0:
        return None
    return float(pcn.min()), float(pcn.max()), int(pcn.size)


# --- 1. one patient's draws -----------------------------------------------------------------

_CALLS_TRAJECTORY = (
    "sample",
    "patient",
    "kind",
    "timepoint",
    "erbb2_log2",
    "erbb2_pcn",
    "se_log2",
    "lod_pcn",
    "amplified",
    "evaluable",
)
_TIMEPOINTS_TRAJECTORY = ("patient", "sample", "response")

# Marker per call: shape and fill carry the call, colour repeats it.
_CALL_STYLE: dict[str, dict[str, object]] = {
    "amplified": {"marker": "o", "color": VERMILLION, "mfc": VERMILLION, "ms": 9},
    "not amplified": {"marker": "o", "color": BLUE, "mfc": "white", "ms": 9},
    "not evaluable": {"marker": "X", "color": DARK_GREY, "mfc": DARK_GREY, "ms": 9},
}


def _call_of(amplified: bool, evaluable: bool) -> str:
    if not evaluable:
        return "not evaluable"
    return "amplified" if amplified else "not amplified"


def plot_patient_trajectory(
    calls: pd.DataFrame,
    timepoints: pd.DataFrame,
    patient: str,
    out: str | Path,
    *,
    early_response: str | None = None,
) -> Path:
    """Draw one patient's ERBB2 plasma copy number (pCN) over days since treatment start.

    Each plasma draw is a point at its pCN (copies per diploid genome) with the 95%
    interval ``2 * 2**(erbb2_log2 ± 1.96 * se_log2)``; its marker shows the call (filled
    circle amplified, open circle not amplified, cross not evaluable). The draw's call
    threshold ``lod_pcn`` is a short black bar (a dashed line when all draws share it), the
    panel of normals' pCN range a grey band (from the ``kind == 'normal'`` rows of ``calls``;
    absent without normals), and pCN 2 (diploid) a dotted line. On-treatment draws carry
    their response from ``timepoints``. The title names the patient and the early response:
    ``early_response`` if given (e.g. from patients.tsv), else the response of the earliest
    on-treatment draw in ``timepoints``.

    Needs ``calls``: sample, patient, kind, timepoint, erbb2_log2, erbb2_pcn, se_log2, lod_pcn,
    amplified, evaluable; ``timepoints``: patient, sample, response (fraction_remaining is
    shown when present).
    """
    plot = "plot_patient_trajectory"
    _require(calls, _CALLS_TRAJECTORY, table_name="calls", plot=plot)
    _require(timepoints, _TIMEPOINTS_TRAJECTORY, table_name="timepoints", plot=plot)

    is_draw = (_text(calls["patient"]) == str(patient)) & (_text(calls["kind"]) == "plasma")
    draws = calls.loc[is_draw.to_numpy()].copy()
    if draws.empty:
        raise InputError(
            calls.attrs.get("path"),
            f"{plot}: patient '{patient}' has no plasma draws in the calls table",
            field="patient",
        )
    draws["_day"] = _numbers(draws["timepoint"])
    draws = draws.sort_values("_day", kind="stable")
    day = draws["_day"].to_numpy()
    pcn = _numbers(draws["erbb2_pcn"])
    log2 = _numbers(draws["erbb2_log2"])
    se = _numbers(draws["se_log2"])
    lod = _numbers(draws["lod_pcn"])
    calls_made = [
        _call_of(a, e)
        for a, e in zip(_flags(draws["amplified"]), _flags(draws["evaluable"]), strict=True)
    ]
    reasons = _text(draws["reason"]).tolist() if "reason" in draws else [""] * len(draws)
    low = DIPLOID_PCN * np.exp2(log2 - Z95 * se)
    high = DIPLOID_PCN * np.exp2(log2 + Z95 * se)

    tp = timepoints.loc[(_text(timepoints["patient"]) == str(patient)).to_numpy()]
    response = dict(zip(_text(tp["sample"]), _text(tp["response"]), strict=True))
    remaining: dict[str, float] = {}
    if "fraction_remaining" in tp.columns:
        remaining = dict(zip(_text(tp["sample"]), _numbers(tp["fraction_remaining"]), strict=True))
    samples = _text(draws["sample"]).tolist()
    baseline = samples[0]
    if "baseline_sample" in tp.columns and (_text(tp["baseline_sample"]) != "").any():
        baseline = _text(tp["baseline_sample"]).loc[lambda s: s != ""].iloc[0]
    if early_response is None:
        on_treatment = [s for s in samples if s != baseline and response.get(s, "")]
        early_response = response[on_treatment[0]] if on_treatment else ""

    fig = _new_figure(SIZE_TRAJECTORY)
    ax = fig.add_subplot()
    handles: list[Line2D | Patch] = []

    normals = _normal_range(calls)
    if normals is not None:
        lo_n, hi_n, n_normals = normals
        ax.axhspan(lo_n, hi_n, color=LIGHT_GREY, zorder=0, lw=0)
        handles.append(Patch(color=LIGHT_GREY, label=f"panel of normals, range (n={n_normals})"))
    ax.axhline(DIPLOID_PCN, color=DARK_GREY, ls=":", lw=1.2, zorder=1)
    handles.append(Line2D([], [], color=DARK_GREY, ls=":", label="diploid (pCN 2)"))

    finite_lod = lod[np.isfinite(lod)]
    if finite_lod.size and np.allclose(finite_lod, finite_lod[0]):
        ax.axhline(finite_lod[0], color=BLACK, ls="--", lw=1.2, zorder=1)
        handles.append(
            Line2D([], [], color=BLACK, ls="--", label=f"call threshold (pCN {finite_lod[0]:.2f})")
        )
    elif finite_lod.size:
        ax.plot(day, lod, ls="none", marker="_", ms=34, mew=2.2, color=BLACK, zorder=2)
        handles.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="_",
                ms=14,
                mew=2,
                color=BLACK,
                label="call threshold of each draw",
            )
        )

    has_value = np.isfinite(pcn)
    ax.plot(day[has_value], pcn[has_value], color=GREY, lw=1, zorder=2)
    for i in range(len(draws)):
        if not has_value[i]:
            continue
        style = _CALL_STYLE[calls_made[i]]
        if np.isfinite(low[i]) and np.isfinite(high[i]):
            ax.errorbar(
                day[i],
                pcn[i],
                yerr=[[pcn[i] - low[i]], [high[i] - pcn[i]]],
                color=str(style["color"]),
                lw=1.3,
                capsize=4,
                zorder=3,
            )
        ax.plot(
            day[i],
            pcn[i],
            ls="none",
            marker=str(style["marker"]),
            color=str(style["color"]),
            mfc=str(style["mfc"]),
            mew=1.8,
            ms=float(str(style["ms"])),
            zorder=4,
        )
    for name, style in _CALL_STYLE.items():
        if name in calls_made:
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker=str(style["marker"]),
                    color=str(style["color"]),
                    mfc=str(style["mfc"]),
                    mew=1.8,
                    ms=8,
                    label=f"draw: {name} (95% CI)",
                )
            )

    # Labels sit above the error bar and the threshold bar, whichever is higher.
    top_of = np.fmax(np.fmax(high, pcn), lod)
    for i, sample in enumerate(samples):
        if not has_value[i]:
            ax.annotate(
                "no value",
                (day[i], 0.04),
                xycoords=("data", "axes fraction"),
                ha="center",
                fontsize=8,
                color=DARK_GREY,
            )
            continue
        if sample == baseline:
            label, colour = "baseline", BLACK
        else:
            klass = response.get(sample, "")
            if not klass and calls_made[i] == "not evaluable":
                klass = "not_evaluable"
            colour = RESPONSE_CLASSES.get(klass, (DARK_GREY, ""))[0]
            label = klass.replace("_", " ")
            frac = remaining.get(sample, np.nan)
            if klass == "not_evaluable" and reasons[i]:
                label += f"\n({reasons[i][:30]})"
            elif label and np.isfinite(frac):
                label += f"\n{frac:.0%} of baseline excess"
        if label:
            ax.annotate(
                label,
                (day[i], top_of[i]),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=colour,
                fontweight="bold" if sample != baseline else "normal",
            )

    values = np.concatenate(
        [pcn, low, high, finite_lod, [DIPLOID_PCN], [] if normals is None else normals[:2]]
    )
    values = values[np.isfinite(values)]
    y_lo, y_hi = float(values.min()), float(values.max())
    span = max(y_hi - y_lo, 0.5)
    ax.set_ylim(max(0.0, y_lo - 0.08 * span), y_hi + 0.3 * span)
    finite_days = np.unique(day[np.isfinite(day)])
    if finite_days.size:
        d_span = max(float(finite_days.max() - finite_days.min()), 10.0)
        ax.set_xlim(finite_days.min() - 0.15 * d_span, finite_days.max() + 0.15 * d_span)
        if finite_days.size <= 10:
            ax.set_xticks(finite_days)
            ax.set_xticklabels([f"{d:g}" for d in finite_days])
    ax.set_xlabel("day since start of treatment (plasma draw)")
    ax.set_ylabel("ERBB2 plasma copy number\n(copies per diploid genome)")
    if early_response:
        early = early_response.replace("_", " ")
    elif any(s != baseline for s in samples):
        early = "not classified"
    else:
        early = "none (no on-treatment draw)"
    ax.set_title(f"Patient {patient}: ERBB2 in plasma; early molecular response: {early}")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return _save(fig, out)


# --- 2. the cohort --------------------------------------------------------------------------

_PATIENTS_COHORT = ("patient", "baseline_pcn", "early_sample", "early_response")
_CALLS_COHORT = ("sample", "kind", "erbb2_pcn", "amplified", "evaluable")


def plot_cohort(calls: pd.DataFrame, patients: pd.DataFrame, out: str | Path) -> Path:
    """Draw every patient's baseline and early on-treatment ERBB2 plasma copy number.

    One row per patient, grouped by early molecular response (undetectable, reduced,
    persistent, not amplified at baseline, not evaluable; then patients with no
    on-treatment draw) and within a group by baseline pCN, highest first. A black bar marks
    the baseline pCN; an arrow in the response colour leads to the early draw's pCN, whose
    circle is filled when that draw was called amplified, open when not, and a cross when
    not evaluable. The grey band is the panel of normals' pCN range, the dotted line pCN 2.

    Needs ``patients``: patient, baseline_pcn, early_sample, early_response (early_timepoint
    is shown when present); ``calls``: sample, kind, erbb2_pcn, amplified, evaluable.
    """
    plot = "plot_cohort"
    _require(calls, _CALLS_COHORT, table_name="calls", plot=plot)
    _require(patients, _PATIENTS_COHORT, table_name="patients", plot=plot)

    by_sample = pd.DataFrame(
        {
            "pcn": _numbers(calls["erbb2_pcn"]),
            "call": [
                _call_of(a, e)
                for a, e in zip(_flags(calls["amplified"]), _flags(calls["evaluable"]), strict=True)
            ],
        },
        index=_text(calls["sample"]).to_numpy(),
    )
    by_sample = by_sample[~by_sample.index.duplicated()]
    classes = [*RESPONSE_CLASSES, NO_EARLY[0]]
    table = pd.DataFrame(
        {
            "patient": _text(patients["patient"]).to_numpy(),
            "baseline": _numbers(patients["baseline_pcn"]),
            "early_sample": _text(patients["early_sample"]).to_numpy(),
            "klass": _text(patients["early_response"]).to_numpy(),
        }
    )
    table.loc[~table["klass"].isin(classes), "klass"] = ""
    table["early"] = table["early_sample"].map(by_sample["pcn"]).astype(float)
    table["call"] = table["early_sample"].map(by_sample["call"]).fillna("")
    table["day"] = (
        _numbers(patients["early_timepoint"]) if "early_timepoint" in patients else np.nan
    )
    table["order"] = table["klass"].map({k: i for i, k in enumerate(classes)})
    table = table.sort_values(
        ["order", "baseline", "patient"], ascending=[True, False, True], na_position="last"
    ).reset_index(drop=True)

    fig = _new_figure(SIZE_COHORT)
    ax, ax_legend = fig.subplots(1, 2, width_ratios=[2.4, 1.0])
    ax_legend.set_axis_off()
    n = len(table)
    notes: list[tuple[float, float, str]] = []
    rows = np.arange(n)[::-1]  # first patient at the top

    normals = _normal_range(calls)
    if normals is not None:
        ax.axvspan(normals[0], normals[1], color=LIGHT_GREY, zorder=0, lw=0)
    ax.axvline(DIPLOID_PCN, color=DARK_GREY, ls=":", lw=1.2, zorder=1)

    for row, rec in zip(rows, table.itertuples(index=False), strict=True):
        colour = RESPONSE_CLASSES.get(str(rec.klass), NO_EARLY[1])[0]
        base, early = float(rec.baseline), float(rec.early)
        if np.isfinite(base):
            ax.plot(base, row, ls="none", marker="|", ms=11, mew=2.5, color=BLACK, zorder=3)
        if not np.isfinite(early) and np.isfinite(base):
            notes.append((base, row, NO_EARLY[1][1] if not rec.early_sample else "no early pCN"))
        if np.isfinite(early):
            if np.isfinite(base) and abs(early - base) > 1e-9:
                ax.annotate(
                    "",
                    xy=(early, row),
                    xytext=(base, row),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": colour,
                        "lw": 1.6,
                        "shrinkA": 0,
                        "shrinkB": 5,
                        "mutation_scale": 10,
                    },
                    zorder=2,
                )
            style = _CALL_STYLE.get(str(rec.call), _CALL_STYLE["not evaluable"])
            ax.plot(
                early,
                row,
                ls="none",
                marker=str(style["marker"]),
                color=colour,
                mfc=colour if style["mfc"] != "white" else "white",
                mew=1.8,
                ms=7,
                zorder=4,
            )

    labels = []
    for rec in table.itertuples(index=False):
        day = float(rec.day)
        labels.append(f"{rec.patient} (day {day:g})" if np.isfinite(day) else str(rec.patient))
    ax.set_yticks(rows)
    ax.set_yticklabels(labels, fontsize=float(np.clip(300 / max(n, 1), 4, 9)))
    for tick, klass in zip(ax.get_yticklabels(), table["klass"], strict=True):
        tick.set_color(RESPONSE_CLASSES.get(str(klass), NO_EARLY[1])[0])
    ax.set_ylim(-0.7, n - 0.3)
    values = np.concatenate(
        [table["baseline"], table["early"], [DIPLOID_PCN], [] if normals is None else normals[:2]]
    )
    values = values[np.isfinite(values)]
    span = max(float(values.max() - values.min()), 0.5)
    x_lo, x_hi = max(0.0, float(values.min()) - 0.05 * span), float(values.max()) + 0.05 * span
    ax.set_xlim(x_lo, x_hi)
    for base, row, why in notes:  # beside the baseline bar, on the side with room
        right = base < x_lo + 0.7 * (x_hi - x_lo)
        ax.annotate(
            why,
            (base, row),
            xytext=(8 if right else -8, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=8,
            color=DARK_GREY,
        )
    for k in range(1, n):  # thin rule between response groups
        if table["order"].iloc[k] != table["order"].iloc[k - 1]:
            ax.axhline(rows[k] + 0.5, color=LIGHT_GREY, lw=0.8, zorder=0)
    ax.set_xlabel("ERBB2 plasma copy number (copies per diploid genome)")
    ax.set_ylabel("patient (day of early on-treatment draw)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        f"ERBB2 in plasma cfDNA, baseline → early on-treatment draw ({n} patients)",
        x=0.02,
        ha="left",
    )

    counts = table["klass"].value_counts()
    handles: list[Line2D | Patch] = [
        Patch(color=colour, label=f"{words} (n={int(counts.get(key, 0))})")
        for key, (colour, words) in RESPONSE_CLASSES.items()
    ]
    if counts.get("", 0):
        handles.append(Patch(color=NO_EARLY[1][0], label=f"{NO_EARLY[1][1]} (n={counts['']})"))
    handles += [
        Line2D([], [], ls="none", marker="|", ms=11, mew=2.5, color=BLACK, label="baseline pCN"),
        Line2D([], [], ls="none", marker="o", ms=7, color=DARK_GREY, label="early: amplified"),
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=7,
            color=DARK_GREY,
            mfc="white",
            mew=1.8,
            label="early: not amplified",
        ),
        Line2D([], [], ls="none", marker="X", ms=7, color=DARK_GREY, label="early: not evaluable"),
        Line2D([], [], color=DARK_GREY, ls=":", label="diploid (pCN 2)"),
    ]
    if normals is not None:
        handles.append(Patch(color=LIGHT_GREY, label=f"panel of normals, range (n={normals[2]})"))
    ax_legend.legend(
        handles=handles,
        loc="upper left",
        fontsize=8,
        frameon=False,
        title="early molecular response",
        title_fontsize=8.5,
        alignment="left",
    )
    return _save(fig, out)


# --- 3. genome-wide copy ratios and the gene zoom ------------------------------------------

_CNR_GENOME = ("chromosome", "start", "end", "gene", "log2")
_CNS_GENOME = ("chromosome", "start", "end", "log2")
_GENES_GENOME = ("chromosome", "start", "end", "name")


def _bare(chrom: str) -> str:
    """Chromosome name without a 'chr' prefix, for comparing 'chr17' with '17'."""
    return chrom[3:] if chrom.lower().startswith("chr") else chrom


def _chrom_sort_key(chrom: str) -> tuple[int, int, str]:
    """Natural order: 1, 2, ..., 10, ..., 22, X, Y, M, then other names alphabetically."""
    bare = _bare(chrom)
    if bare.isdigit():
        return (0, int(bare), "")
    rank = {"X": 0, "Y": 1, "M": 2, "MT": 2}.get(bare.upper())
    return (1, rank, "") if rank is not None else (2, 0, bare)


def _staggered(labels: Sequence[str], shares: Sequence[float]) -> list[str]:
    """Chromosome labels, every other one of a crowded run moved down a line.

    ``shares`` are the chromosomes' fractions of the axis width; a label is crowded when its
    chromosome is narrower than about three characters of 8 pt text.
    """
    narrow_share = 0.25 / (SIZE_GENOME[0] * 0.9)  # a quarter inch of the axis
    out: list[str] = []
    lowered = False
    for i, (label, share) in enumerate(zip(labels, shares, strict=True)):
        crowded = share < narrow_share or (i > 0 and shares[i - 1] < narrow_share)
        lowered = crowded and not lowered
        out.append("\n" + label if lowered else label)
    return out


def _log2_limits(values: np.ndarray) -> tuple[float, float]:
    """Copy-ratio axis limits holding 99% of the bins (``values``), within LOG2_CLIP.

    Quantiles, not extremes: a female sample's chrY bins (log2 near -20) must not squash
    the autosomes; they are drawn on the edge instead.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return LOG2_MIN_SPAN
    lo = min(LOG2_MIN_SPAN[0], float(np.quantile(finite, 0.005)) - 0.2)
    hi = max(LOG2_MIN_SPAN[1], float(np.quantile(finite, 0.995)) + 0.2)
    return max(LOG2_CLIP[0], lo), min(LOG2_CLIP[1], hi)


def _draw_bins(ax: Axes, x: np.ndarray, y: np.ndarray, ylim: tuple[float, float], ms: float) -> int:
    """Bins as grey dots; bins beyond ``ylim`` as triangles on the edge. Returns that count."""
    inside = (y >= ylim[0]) & (y <= ylim[1])
    ax.plot(
        x[inside],
        y[inside],
        ls="none",
        marker=".",
        ms=ms,
        color=GREY,
        alpha=0.6,
        mew=0,
        rasterized=True,
        zorder=2,
    )
    below, above = y < ylim[0], y > ylim[1]
    pad = 0.02 * (ylim[1] - ylim[0])
    for mask, edge, marker in ((below, ylim[0] + pad, "v"), (above, ylim[1] - pad, "^")):
        if mask.any():
            ax.plot(
                x[mask],
                np.full(int(mask.sum()), edge),
                ls="none",
                marker=marker,
                ms=3.5,
                color=DARK_GREY,
                mew=0,
                rasterized=True,
                zorder=2,
            )
    return int(below.sum() + above.sum())


def _draw_segments(
    ax: Axes, x0: np.ndarray, x1: np.ndarray, y: np.ndarray, ylim: tuple[float, float]
) -> None:
    y = np.clip(y, ylim[0], ylim[1])
    ok = np.isfinite(y)
    ax.hlines(y[ok], x0[ok], x1[ok], colors=BLUE, lw=2.6, zorder=3, capstyle="butt")


LegendCorner = Literal["upper left", "upper right", "lower left", "lower right"]


def _emptiest_corner(
    x: np.ndarray, y: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]
) -> LegendCorner:
    """The corner of the axes holding the fewest of the points (x, y), for a legend."""
    fx = (x - xlim[0]) / (xlim[1] - xlim[0])
    fy = (np.clip(y, *ylim) - ylim[0]) / (ylim[1] - ylim[0])
    boxes: dict[LegendCorner, np.ndarray] = {
        "upper right": (fx > 0.6) & (fy > 0.75),
        "upper left": (fx < 0.4) & (fy > 0.75),
        "lower right": (fx > 0.6) & (fy < 0.25),
        "lower left": (fx < 0.4) & (fy < 0.25),
    }
    return min(boxes, key=lambda corner: int(boxes[corner].sum()))


def _genes_from_bins(cnr: pd.DataFrame) -> pd.DataFrame:
    """Gene extents (chromosome, start, end, name) from CNVkit's comma-joined bin labels."""
    frame = pd.DataFrame(
        {
            "chromosome": _text(cnr["chromosome"]).to_numpy(),
            "start": _numbers(cnr["start"]),
            "end": _numbers(cnr["end"]),
            "name": _text(cnr["gene"]).str.split(","),
        }
    ).explode("name")
    frame["name"] = frame["name"].astype(str).str.strip()
    frame = frame[~frame["name"].isin(NO_GENE_LABELS)]
    if frame.empty:
        return pd.DataFrame({"chromosome": [], "start": [], "end": [], "name": []})
    extents = (
        frame.groupby(["chromosome", "name"], sort=False)
        .agg(start=("start", "min"), end=("end", "max"))
        .reset_index()
    )
    # Labels spread over more than any gene (e.g. the 'CGH' backbone probes of a panel).
    return extents[extents["end"] - extents["start"] <= MAX_GENE_BP]


def _gene_track(ax: Axes, genes: pd.DataFrame, gene: str, window: tuple[float, float]) -> None:
    """Genes as bars on a line, names staggered on rows so they do not overlap."""
    ax.set_ylim(-0.6, 4.7)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.axhline(0, color=LIGHT_GREY, lw=1, zorder=1)
    if genes.empty:
        ax.text(
            0.5,
            0.5,
            "no genes in this window",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color=DARK_GREY,
        )
        return
    order = {name: i for i, name in enumerate((gene, *AMPLICON_NEIGHBOURS))}
    genes = genes.assign(
        _rank=genes["name"].map(order).fillna(len(order)),
        _size=genes["end"] - genes["start"],
    ).sort_values(["_rank", "_size"], ascending=[True, False])
    # Width of one character in data units: 8 pt font, axes about 85% of the figure width.
    per_char = (window[1] - window[0]) * (8 * 0.62 / 72) / (SIZE_GENOME[0] * 0.85)
    rows: list[list[tuple[float, float]]] = [[], [], [], []]
    for rec in genes.itertuples(index=False):
        start, end, name = float(rec.start), float(rec.end), str(rec.name)
        is_target = name == gene
        colour = ORANGE if is_target else DARK_GREY
        ax.plot(
            [max(start, window[0]), min(end, window[1])],
            [0, 0],
            color=colour,
            lw=7 if is_target else 5,
            solid_capstyle="butt",
            zorder=3 if is_target else 2,
        )
        centre = min(max((start + end) / 2, window[0]), window[1])
        half = (len(name) + 1) * per_char / 2
        extent = (centre - half, centre + half)
        for level, taken in enumerate(rows):
            if all(extent[1] < a or extent[0] > b for a, b in taken):
                taken.append(extent)
                # Leader line under the label rows; each label's white box hides the lines
                # of higher labels running behind it.
                ax.plot([centre, centre], [0.25, 0.75 + level], color=colour, lw=0.6, zorder=1)
                ax.text(
                    centre,
                    0.8 + level,
                    name,
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    color=colour,
                    fontweight="bold" if is_target else "normal",
                    bbox={"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none"},
                    zorder=4,
                )
                break


def plot_genome(
    cnr: pd.DataFrame,
    cns: pd.DataFrame,
    out: str | Path,
    *,
    sample: str | None = None,
    genes: pd.DataFrame | None = None,
    gene: str = "ERBB2",
) -> Path:
    """Draw a sample's CNVkit copy ratios genome-wide and zoomed on ``gene``.

    Top: every bin's log2 copy ratio (grey dots) and the segments (blue lines) along the
    genome, chromosomes in natural order (1, 2, ..., 22, X, Y) on alternating shading; bins
    outside the y range sit on its edge as triangles, and the gene's position is marked.
    Unplaced contigs (e.g. chrUn_*, *_random) are left out when canonical chromosomes exist.
    Bottom: the gene's chromosome within ±3 Mb of it (x in Mb), with bins, segments, the gene
    as an orange band and the genes around it on a track below, names staggered so they stay
    readable (the gene and its 17q12 amplicon neighbours labelled first).

    ``genes`` (chromosome, start, end, name) places the genes; without it, gene extents come
    from the bins' ``gene`` labels (CNVkit's comma-joined names). When ``gene`` is found in
    neither, the zoom panel says so.

    Needs ``cnr``: chromosome, start, end, gene, log2; ``cns``: chromosome, start, end, log2;
    ``genes`` (optional): chromosome, start, end, name.
    """
    plot = "plot_genome"
    _require(cnr, _CNR_GENOME, table_name="cnr (bins)", plot=plot)
    _require(cns, _CNS_GENOME, table_name="cns (segments)", plot=plot)
    if genes is not None:
        _require(genes, _GENES_GENOME, table_name="genes", plot=plot)

    bins = pd.DataFrame(
        {
            "chromosome": _text(cnr["chromosome"]).to_numpy(),
            "start": _numbers(cnr["start"]),
            "end": _numbers(cnr["end"]),
            "log2": _numbers(cnr["log2"]),
        }
    )
    segs = pd.DataFrame(
        {
            "chromosome": _text(cns["chromosome"]).to_numpy(),
            "start": _numbers(cns["start"]),
            "end": _numbers(cns["end"]),
            "log2": _numbers(cns["log2"]),
        }
    )
    chroms = sorted(set(bins["chromosome"]) | set(segs["chromosome"]), key=_chrom_sort_key)
    canonical = [c for c in chroms if _CANONICAL_CHROM.match(c)]
    if canonical:
        chroms = canonical
    length = {
        c: float(
            np.nanmax(
                np.concatenate(
                    [
                        bins.loc[bins["chromosome"] == c, "end"],
                        segs.loc[segs["chromosome"] == c, "end"],
                        [0.0],
                    ]
                )
            )
        )
        for c in chroms
    }
    gap = 0.004 * sum(length.values())
    offset: dict[str, float] = {}
    position = 0.0
    for c in chroms:
        offset[c] = position
        position += length[c] + gap

    fig = _new_figure(SIZE_GENOME)
    grid = fig.add_gridspec(3, 1, height_ratios=[3.0, 2.6, 1.0])
    ax_g = fig.add_subplot(grid[0])
    ax_z = fig.add_subplot(grid[1])
    ax_t = fig.add_subplot(grid[2], sharex=ax_z)

    # Genome-wide panel.
    on_axis = bins["chromosome"].isin(offset)
    b = bins[on_axis]
    xb = ((b["start"] + b["end"]) / 2 + b["chromosome"].map(offset)).to_numpy(dtype=float)
    ylim = _log2_limits(
        np.concatenate([b["log2"].to_numpy(dtype=float), segs["log2"].to_numpy(dtype=float)])
    )
    for i, c in enumerate(chroms):
        if i % 2 == 1:
            ax_g.axvspan(offset[c], offset[c] + length[c], color="#F0F0F0", lw=0, zorder=0)
    n_clipped = _draw_bins(ax_g, xb, b["log2"].to_numpy(dtype=float), ylim, ms=2.5)
    s = segs[segs["chromosome"].isin(offset)]
    shift = s["chromosome"].map(offset).to_numpy(dtype=float)
    _draw_segments(
        ax_g,
        s["start"].to_numpy(dtype=float) + shift,
        s["end"].to_numpy(dtype=float) + shift,
        s["log2"].to_numpy(dtype=float),
        ylim,
    )
    ax_g.axhline(0, color=BLACK, lw=0.6, zorder=1)
    ax_g.set_ylim(ylim)
    ax_g.set_xlim(-gap, position)
    centres = [offset[c] + length[c] / 2 for c in chroms]
    ax_g.set_xticks(centres)
    ax_g.set_xticklabels(
        _staggered([_bare(c) for c in chroms], [length[c] / position for c in chroms]), fontsize=8
    )
    ax_g.tick_params(axis="x", length=0)
    ax_g.set_xlabel("chromosome")
    ax_g.set_ylabel("copy ratio (log2)")
    title = "CNVkit copy ratios" + (f" of {sample}" if sample else "")
    if n_clipped:
        plural = "s" if n_clipped > 1 else ""
        title += f" ({n_clipped} bin{plural} beyond the y range: triangles on its edge)"
    ax_g.set_title(title, fontsize=11)
    ax_g.spines[["top", "right"]].set_visible(False)

    # Where is the gene?
    gene_table = (
        _genes_from_bins(cnr)
        if genes is None
        else pd.DataFrame(
            {
                "chromosome": _text(genes["chromosome"]).to_numpy(),
                "start": _numbers(genes["start"]),
                "end": _numbers(genes["end"]),
                "name": _text(genes["name"]).to_numpy(),
            }
        )
    )
    hit = gene_table[gene_table["name"] == gene]
    bare_to_chrom = {_bare(c): c for c in set(bins["chromosome"]) | set(segs["chromosome"])}
    chrom = bare_to_chrom.get(_bare(str(hit["chromosome"].iloc[0]))) if len(hit) else None
    if chrom is None:
        for ax in (ax_z, ax_t):
            ax.set_axis_off()
        why = (
            "not in the gene table"
            if genes is not None
            else ("no bin carries its name (was CNVkit run with --annotate?)")
        )
        ax_z.text(
            0.5,
            0.5,
            f"{gene}: {why}",
            transform=ax_z.transAxes,
            ha="center",
            va="center",
            fontsize=10,
            color=DARK_GREY,
        )
        return _save(fig, out)

    g_start, g_end = float(hit["start"].min()), float(hit["end"].max())
    if chrom in offset:
        ax_g.annotate(
            gene,
            xy=(offset[chrom] + (g_start + g_end) / 2, 0.98),
            xycoords=ax_g.get_xaxis_transform(),
            xytext=(3, 0),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
            color=BLACK,
            fontweight="bold",
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=5,
        )
        ax_g.axvline(offset[chrom] + (g_start + g_end) / 2, color=ORANGE, lw=1, zorder=1)
    # Not clipped on the right: a panel's data may end at the gene, the chromosome does not.
    window = (max(0.0, g_start - ZOOM_FLANK_BP), g_end + ZOOM_FLANK_BP)
    zb = bins[
        (bins["chromosome"] == chrom) & (bins["end"] >= window[0]) & (bins["start"] <= window[1])
    ]
    zs = segs[
        (segs["chromosome"] == chrom) & (segs["end"] >= window[0]) & (segs["start"] <= window[1])
    ]
    zylim = _log2_limits(
        np.concatenate([zb["log2"].to_numpy(dtype=float), zs["log2"].to_numpy(dtype=float)])
    )
    ax_z.axvspan(g_start, g_end, color=ORANGE, alpha=0.3, lw=0, zorder=1)
    xz = ((zb["start"] + zb["end"]) / 2).to_numpy(dtype=float)
    _draw_bins(ax_z, xz, zb["log2"].to_numpy(dtype=float), zylim, ms=4)
    _draw_segments(
        ax_z,
        np.maximum(zs["start"].to_numpy(dtype=float), window[0]),
        np.minimum(zs["end"].to_numpy(dtype=float), window[1]),
        zs["log2"].to_numpy(dtype=float),
        zylim,
    )
    ax_z.axhline(0, color=BLACK, lw=0.6, zorder=1)
    ax_z.set_ylim(zylim)
    ax_z.set_xlim(window)
    ax_z.set_ylabel("copy ratio (log2)")
    ax_z.set_title(
        f"chr{_bare(chrom)} around {gene} (orange band: {gene}; ±{ZOOM_FLANK_BP / 1e6:g} Mb)",
        fontsize=11,
    )
    ax_z.tick_params(axis="x", labelbottom=False)
    ax_z.spines[["top", "right"]].set_visible(False)
    ax_z.legend(
        handles=[
            Line2D([], [], ls="none", marker=".", ms=8, color=GREY, label="bin"),
            Line2D([], [], color=BLUE, lw=2.6, label="segment"),
            Patch(color=ORANGE, alpha=0.3, label=gene),
        ],
        loc=_emptiest_corner(
            np.concatenate([xz, np.linspace(zs["start"], zs["end"], 30).ravel()]),
            np.concatenate([zb["log2"].to_numpy(dtype=float), np.repeat(zs["log2"], 30)]),
            window,
            zylim,
        ),
        fontsize=8,
        frameon=True,
        framealpha=0.9,
        ncols=3,
    )

    near = gene_table[
        (gene_table["chromosome"].map(_bare) == _bare(chrom))
        & (gene_table["end"] >= window[0])
        & (gene_table["start"] <= window[1])
    ]
    _gene_track(ax_t, near, gene, window)
    ax_t.set_xlim(window)
    ax_t.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / 1e6:.1f}"))
    ax_t.set_xlabel(f"position on chr{_bare(chrom)} (Mb)")
    return _save(fig, out)


# --- 4. fragment lengths --------------------------------------------------------------------

_HIST = ("length", "count")


def _density(hist: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """Fraction of all fragments at each length of ``grid`` (per bp), from length/count."""
    length = _numbers(hist["length"])
    count = _numbers(hist["count"])
    ok = np.isfinite(length) & np.isfinite(count)
    total = count[ok].sum()
    summed = pd.Series(count[ok]).groupby(np.rint(length[ok]).astype(int)).sum()
    values = summed.reindex(grid, fill_value=0.0).to_numpy(dtype=float)
    return values / total if total > 0 else np.full(grid.shape, np.nan)


def _short_fraction(hist: pd.DataFrame) -> float:
    length = _numbers(hist["length"])
    count = _numbers(hist["count"])
    ok = np.isfinite(length) & np.isfinite(count)
    total = count[ok].sum()
    return float(count[ok & (length < SHORT_FRAGMENT_BP)].sum() / total) if total > 0 else np.nan


def plot_fragment_lengths(
    hist_by_sample: Mapping[str, pd.DataFrame],
    sample: str,
    normals: Sequence[str],
    out: str | Path,
) -> Path:
    """Draw a sample's cfDNA fragment-length distribution against the panel of normals.

    Each histogram (``length`` in bp, ``count`` of fragments) is normalised to the
    percentage of all the sample's fragments at each length, so depth does not matter. The
    sample is the blue line; the normals are thin grey lines with their mean in black (the
    sample itself is left out of the normals). Dashed: 167 bp, the mononucleosome peak;
    dotted: 150 bp, the short-fragment cut-off (tumour DNA is enriched below it). The legend
    gives each curve's fraction of fragments shorter than 150 bp. x runs from 50 to 450 bp.

    Needs, in every histogram used: length, count.
    """
    plot = "plot_fragment_lengths"
    wanted = [sample, *(n for n in normals if n != sample)]
    for name in wanted:
        if name not in hist_by_sample:
            raise InputError(
                None, f"{plot}: no fragment-length histogram for sample '{name}'", field="sample"
            )
        _require(hist_by_sample[name], _HIST, table_name=f"fragment-length ({name})", plot=plot)

    grid = np.arange(FRAGMENT_XLIM[0], FRAGMENT_XLIM[1] + 1)
    fig = _new_figure(SIZE_FRAGMENTS)
    ax = fig.add_subplot()
    handles: list[Line2D | Patch] = []
    normal_names = wanted[1:]
    if normal_names:
        curves = np.vstack([_density(hist_by_sample[n], grid) for n in normal_names]) * 100
        for curve in curves:
            ax.plot(grid, curve, color=GREY, lw=0.7, alpha=0.7, zorder=1)
        usable = curves[np.isfinite(curves).all(axis=1)]
        if len(usable):
            ax.plot(grid, usable.mean(axis=0), color=BLACK, lw=1.4, zorder=2)
        shorts = np.array([_short_fraction(hist_by_sample[n]) for n in normal_names])
        shorts = shorts[np.isfinite(shorts)]
        short_text = f"{shorts.mean():.1%}" if shorts.size else "n/a"
        handles += [
            Line2D([], [], color=GREY, lw=0.7, label=f"normals (n={len(normal_names)})"),
            Line2D(
                [],
                [],
                color=BLACK,
                lw=1.4,
                label=f"normals, mean ({short_text} of fragments < 150 bp)",
            ),
        ]
    ax.plot(grid, _density(hist_by_sample[sample], grid) * 100, color=BLUE, lw=2, zorder=3)
    short = _short_fraction(hist_by_sample[sample])
    handles.insert(
        0, Line2D([], [], color=BLUE, lw=2, label=f"{sample} ({short:.1%} of fragments < 150 bp)")
    )
    ax.axvline(MONONUCLEOSOME_BP, color=DARK_GREY, ls="--", lw=1, zorder=0)
    ax.axvline(SHORT_FRAGMENT_BP, color=VERMILLION, ls=":", lw=1.5, zorder=0)
    handles += [
        Line2D([], [], color=DARK_GREY, ls="--", label=f"{MONONUCLEOSOME_BP} bp (mononucleosome)"),
        Line2D(
            [],
            [],
            color=VERMILLION,
            ls=":",
            lw=1.5,
            label=f"{SHORT_FRAGMENT_BP} bp (short-fragment cut-off)",
        ),
    ]
    ax.set_xlim(FRAGMENT_XLIM)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("fragment length (bp)")
    ax.set_ylabel("fragments (% of all, per bp)")
    ax.set_title(f"cfDNA fragment lengths: {sample} against the panel of normals")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    return _save(fig, out)


# --- 5. QC overview -------------------------------------------------------------------------

_QC = (
    "sample",
    "kind",
    "evaluable",
    "read_pairs",
    "duplicate_fraction",
    "fragment_mode",
    "short_fraction",
    "mapd",
    "noise_sd",
)
#: (column, panel title, scale applied to the value, axis unit)
_QC_PANELS: tuple[tuple[str, str, float, str], ...] = (
    ("read_pairs", "read pairs", 1e-6, "millions"),
    ("duplicate_fraction", "duplicates", 100.0, "% of reads"),
    ("fragment_mode", "fragment length, mode", 1.0, "bp"),
    ("short_fraction", "short fragments (< 150 bp)", 100.0, "% of fragments"),
    ("mapd", "MAPD", 1.0, "log2, adjacent bins"),
    ("noise_sd", "noise", 1.0, "SD of bin log2"),
)
#: Most not-evaluable samples numbered and named before the footnote would crowd the figure.
_QC_MAX_NAMES = 8


def plot_qc_overview(qc: pd.DataFrame, out: str | Path) -> Path:
    """Draw the QC metrics of all samples as small multiples, one panel per metric.

    Each panel has a column of plasma draws and a column of normals (dots spread sideways so
    they do not hide each other): read pairs (millions), duplicate reads (%), modal fragment
    length (bp), short fragments (< 150 bp, %), MAPD (median absolute pairwise difference of
    adjacent bins' log2) and noise (SD of bin log2). Evaluable samples are blue dots;
    not-evaluable samples are vermillion crosses, numbered in every panel and named (up to
    eight) in a footnote.

    Needs ``qc``: sample, kind, evaluable, read_pairs, duplicate_fraction, fragment_mode,
    short_fraction, mapd, noise_sd (reason is shown in the footnote when present).
    """
    _require(qc, _QC, table_name="QC", plot="plot_qc_overview")
    kind = _text(qc["kind"]).to_numpy()
    evaluable = _flags(qc["evaluable"])
    names = _text(qc["sample"]).to_numpy()
    kinds = [k for k in ("plasma", "normal") if (kind == k).any()]
    kinds += sorted(set(kind) - set(kinds))
    jitter = np.random.default_rng(0).uniform(-0.22, 0.22, len(qc))
    column_of = {k: i for i, k in enumerate(kinds)}
    x = np.array([column_of[k] for k in kind], dtype=float) + jitter

    reasons = _text(qc["reason"]).to_numpy() if "reason" in qc else np.full(len(qc), "")
    # Not-evaluable samples carry a number in every panel; the footnote names them.
    bad = np.flatnonzero(~evaluable)
    key = {int(row): k + 1 for k, row in enumerate(bad[:_QC_MAX_NAMES])}

    fig = _new_figure(SIZE_QC)
    grid = fig.add_gridspec(3, 3, height_ratios=[0.08, 1.0, 1.0])
    ax_legend = fig.add_subplot(grid[0, :])
    ax_legend.set_axis_off()
    axes = [fig.add_subplot(grid[1 + i // 3, i % 3]) for i in range(len(_QC_PANELS))]
    for ax, (column, title, scale, unit) in zip(axes, _QC_PANELS, strict=True):
        y = _numbers(qc[column]) * scale
        ax.plot(
            x[evaluable], y[evaluable], ls="none", marker="o", ms=5, color=BLUE, alpha=0.7, mew=0
        )
        ax.plot(x[~evaluable], y[~evaluable], ls="none", marker="X", ms=7, color=VERMILLION)
        finite = y[np.isfinite(y)]
        if finite.size and finite.min() > 0 and finite.max() / finite.min() > 20:
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
        if column == "fragment_mode":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xticks(range(len(kinds)))
        ax.set_xticklabels([f"{k}\n(n={int((kind == k).sum())})" for k in kinds], fontsize=8)
        ax.set_xlim(-0.6, len(kinds) - 0.35)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        _number_points(ax, x, y, key, column_of, kind)
    handles = [
        Line2D(
            [],
            [],
            ls="none",
            marker="o",
            ms=6,
            color=BLUE,
            label=f"evaluable (n={int(evaluable.sum())})",
        ),
        Line2D(
            [],
            [],
            ls="none",
            marker="X",
            ms=7,
            color=VERMILLION,
            label=f"not evaluable (n={len(bad)})",
        ),
    ]
    fig.suptitle(f"Sequencing and cfDNA quality, {len(qc)} samples", fontsize=12)
    ax_legend.legend(handles=handles, loc="center", ncols=2, fontsize=9, frameon=False)
    if len(bad):
        named = [
            f"{k} = {names[row]}" + (f" ({reasons[row][:40]})" if reasons[row] else "")
            for row, k in key.items()
        ]
        more = len(bad) - len(key)
        if more:
            named.append(f"and {more} more (see the QC table)")
        note = textwrap.fill("Not evaluable: " + "; ".join(named), width=170)
        fig.supxlabel(note, x=0.01, ha="left", fontsize=8, color=VERMILLION)
    return _save(fig, out)


def _number_points(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    key: Mapping[int, int],
    column_of: Mapping[str, int],
    kind: np.ndarray,
) -> None:
    """Write each keyed point's number in a column right of its strip, spaced to stay legible."""
    min_gap = 0.07  # axes fraction between two numbers
    to_axes = ax.transAxes.inverted()
    for strip, col in column_of.items():
        rows = [r for r in key if kind[r] == strip and np.isfinite(y[r])]
        if not rows:
            continue
        frac = {r: float(to_axes.transform(ax.transData.transform((x[r], y[r])))[1]) for r in rows}
        rows.sort(key=lambda r: frac[r])
        place: list[float] = []
        for r in rows:
            place.append(max(frac[r], place[-1] + min_gap) if place else frac[r])
        overflow = place[-1] - 0.98
        if overflow > 0:
            place = [max(p - overflow, 0.02 + i * min_gap) for i, p in enumerate(place)]
        for r, at in zip(rows, place, strict=True):
            ax.annotate(
                str(key[r]),
                xy=(x[r], y[r]),
                xytext=(col + 0.3, at),
                textcoords=ax.get_xaxis_transform(),
                fontsize=7.5,
                color=VERMILLION,
                fontweight="bold",
                va="center",
                arrowprops={
                    "arrowstyle": "-",
                    "color": VERMILLION,
                    "lw": 0.6,
                    "shrinkA": 1,
                    "shrinkB": 3,
                },
            )
