"""Every sample's sequencing and cfDNA QC metrics on one page, one panel per metric."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator

from ..qc import SHORT_FRAGMENT
from .style import (
    BLACK,
    GREY,
    NOT_EVALUABLE,
    SIZE_QC,
    flags,
    new_figure,
    not_evaluable_words,
    numbers,
    require,
    save,
    text,
)

_PLOT = "plot_qc_overview"
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
QC_PANELS: tuple[tuple[str, str, float, str], ...] = (
    ("read_pairs", "read pairs", 1e-6, "millions"),
    ("duplicate_fraction", "duplicates", 100.0, "% of reads"),
    ("fragment_mode", "fragment length, mode", 1.0, "bp"),
    ("short_fraction", f"short fragments (< {SHORT_FRAGMENT} bp)", 100.0, "% of fragments"),
    ("mapd", "MAPD", 1.0, "log2, adjacent bins"),
    ("noise_sd", "noise", 1.0, "SD of bin log2"),
)
#: Most not-evaluable samples numbered and named before the footnote would crowd the figure.
MAX_NAMED = 8
#: The QC limits a figure can draw: (QC column, config key of the ``erbb2`` section, words).
QC_LIMITS: tuple[tuple[str, str, str], ...] = (
    ("read_pairs", "min_read_pairs", "fewest read pairs"),
    ("noise_sd", "max_noise_sd", "largest noise"),
)
#: Not-evaluable samples are drawn in this colour (dark grey: not evaluable in every figure).
_BAD = NOT_EVALUABLE.colour


def qc_figure(qc: pd.DataFrame, limits: Mapping[str, float] | None = None) -> Figure:
    """The QC metrics of all samples as small multiples, one panel per metric.

    Each panel has a column of plasma draws and a column of normals (dots spread sideways so
    they do not hide each other), one point per sample (row of ``qc``): read pairs
    (millions), duplicate reads (%), modal fragment length (bp), short fragments (< 150 bp,
    %), MAPD (median absolute pairwise difference of adjacent bins' log2) and noise (SD of
    bin log2). Evaluable samples are open grey circles; not-evaluable samples are dark grey
    crosses (the not-evaluable colour of every figure), numbered in every panel and named
    (up to eight) with their QC reason in a footnote.

    ``limits`` are the QC limits of the config's ``erbb2`` section (``min_read_pairs``,
    ``max_noise_sd``; :data:`QC_LIMITS`): each is a black dashed line, labelled, in its
    metric's panel, and the y range holds it.

    Needs ``qc``: sample, kind, evaluable, read_pairs, duplicate_fraction, fragment_mode,
    short_fraction, mapd, noise_sd (reason is shown in the footnote when present).
    """
    require(qc, _QC, table_name="QC", plot=_PLOT)
    kind = text(qc["kind"]).to_numpy()
    evaluable = flags(qc["evaluable"])
    kinds = [k for k in ("plasma", "normal") if (kind == k).any()]
    kinds += sorted(set(kind) - set(kinds))
    jitter = np.random.default_rng(0).uniform(-0.22, 0.22, len(qc))
    column_of = {k: i for i, k in enumerate(kinds)}
    x = np.array([column_of[k] for k in kind], dtype=float) + jitter
    # Not-evaluable samples carry a number in every panel; the footnote names them.
    bad = np.flatnonzero(~evaluable)
    key = {int(row): k + 1 for k, row in enumerate(bad[:MAX_NAMED])}

    fig = new_figure(SIZE_QC)
    grid = fig.add_gridspec(3, 3, height_ratios=[0.08, 1.0, 1.0])
    ax_legend = fig.add_subplot(grid[0, :])
    ax_legend.set_axis_off()
    axes = [fig.add_subplot(grid[1 + i // 3, i % 3]) for i in range(len(QC_PANELS))]
    ticks = [f"{k}\n(n={int((kind == k).sum())})" for k in kinds]
    drawn_limit = False
    for ax, panel in zip(axes, QC_PANELS, strict=True):
        y = numbers(qc[panel[0]]) * panel[2]
        _draw_panel(ax, panel, x, y, evaluable, ticks)
        drawn_limit |= _draw_limit(ax, panel, limits or {})
        _number_points(ax, x, y, key, column_of, kind)
    handles = [
        Line2D([], [], ls="none", marker="o", ms=6, mfc="white", mew=1.3, color=GREY,
               label=f"evaluable (n={int(evaluable.sum())})"),
        Line2D([], [], ls="none", marker="X", ms=8, color=_BAD,
               label=f"not evaluable (n={len(bad)})"),
    ]  # fmt: skip
    if drawn_limit:
        handles.append(Line2D([], [], color=BLACK, ls="--", lw=1.2, label="QC limit (config)"))
    fig.suptitle(f"Sequencing and cfDNA quality, {len(qc)} samples", fontsize=12)
    ax_legend.legend(handles=handles, loc="center", ncols=3, fontsize=9, frameon=False)
    if len(bad):
        note = _footnote(qc, key, len(bad))
        fig.supxlabel(note, x=0.01, ha="left", fontsize=8, color=_BAD)
    return fig


def plot_qc_overview(
    qc: pd.DataFrame, out: str | Path, limits: Mapping[str, float] | None = None
) -> Path:
    """Write :func:`qc_figure` to ``out`` (.png, .svg or .pdf); returns the path."""
    return save(qc_figure(qc, limits), out)


def _draw_limit(ax: Axes, panel: tuple[str, str, float, str], limits: Mapping[str, float]) -> bool:
    """The config's QC limit on this panel's metric, if any: a labelled black dashed line
    (the y range extended to hold it). Returns whether one was drawn."""
    column, _title, scale, _unit = panel
    found = [(key, words) for col, key, words in QC_LIMITS if col == column and key in limits]
    if not found:
        return False
    key, words = found[0]
    value = float(limits[key])
    at = value * scale
    ax.axhline(at, color=BLACK, ls="--", lw=1.2, zorder=1)
    low, high = ax.get_ylim()
    if ax.get_yscale() == "log":
        ax.set_ylim(min(low, at / 1.6), max(high, at * 1.6))
    else:
        pad = 0.06 * (max(high, at) - min(low, at))
        ax.set_ylim(min(low, at - pad), max(high, at + pad))
    shown = f"{value:,.0f}" if value >= 1000 else f"{value:g}"
    ax.annotate(f"{words}: {shown} ({key})", (1.0, at), xycoords=("axes fraction", "data"),
                xytext=(-2, 3), textcoords="offset points", ha="right", va="bottom",
                fontsize=7, color=BLACK)  # fmt: skip
    return True


def _draw_panel(
    ax: Axes,
    panel: tuple[str, str, float, str],
    x: np.ndarray,
    y: np.ndarray,
    evaluable: np.ndarray,
    ticks: list[str],
) -> None:
    """One metric: evaluable samples as dots, the others as crosses, a strip per kind."""
    column, title, _scale, unit = panel
    ax.plot(x[evaluable], y[evaluable], ls="none", marker="o", ms=5, mfc="white", mew=1.1,
            color=GREY)  # fmt: skip
    ax.plot(x[~evaluable], y[~evaluable], ls="none", marker="X", ms=8, color=_BAD)
    finite = y[np.isfinite(y)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 20:
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
    if column == "fragment_mode":
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xticks(range(len(ticks)))
    ax.set_xticklabels(ticks, fontsize=8)
    ax.set_xlim(-0.6, len(ticks) - 0.35)
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(axis="y", labelsize=8)
    ax.spines[["top", "right"]].set_visible(False)


def _footnote(qc: pd.DataFrame, key: Mapping[int, int], n_bad: int) -> str:
    """'Not evaluable: 1 = sample (reason); ...' for the numbered samples, and how many more."""
    names = text(qc["sample"]).to_numpy()
    reasons = text(qc["reason"]).to_numpy() if "reason" in qc else np.full(len(qc), "")
    named = []
    for row, k in key.items():
        why = not_evaluable_words(reasons[row], width=60)
        named.append(f"{k} = {names[row]}" + (f" ({why})" if why else ""))
    more = n_bad - len(key)
    if more:
        named.append(f"and {more} more (see the QC table)")
    return textwrap.fill("Not evaluable: " + "; ".join(named), width=170)


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
                color=_BAD,
                fontweight="bold",
                va="center",
                arrowprops={
                    "arrowstyle": "-",
                    "color": _BAD,
                    "lw": 0.6,
                    "shrinkA": 1,
                    "shrinkB": 3,
                },
            )
