"""A sample's cfDNA fragment-length distribution against the panel of normals'."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import InputError
from ..qc import SHORT_FRAGMENT, short_fraction
from .style import (
    BLACK,
    DARK_GREY,
    GREY,
    SIZE_FRAGMENTS,
    new_figure,
    numbers,
    require,
    save,
)

#: Modal cfDNA fragment length, one nucleosome plus linker (Snyder et al., Cell 2016).
MONONUCLEOSOME_BP = 167
#: Fragment-length window shown, bp.
FRAGMENT_XLIM = (50, 450)

_PLOT = "plot_fragment_lengths"
_HIST = ("length", "count")


def fragments_figure(
    hist_by_sample: Mapping[str, pd.DataFrame], sample: str, normals: Sequence[str]
) -> Figure:
    """A sample's cfDNA fragment-length distribution against the panel of normals.

    Each histogram (``length`` in bp, ``count`` of fragments) is normalised to the
    percentage of all the sample's fragments at each length, so depth does not matter. The
    sample is the black line; the normals are thin grey lines with their mean in dark grey (the
    sample itself is left out of the normals). Dashed: 167 bp, the mononucleosome peak;
    dotted: 150 bp (:data:`cfdna_erbb2.qc.SHORT_FRAGMENT`), the short-fragment cut-off
    (tumour DNA is enriched below it). The legend gives the sample's fraction of fragments
    shorter than 150 bp and the normals' mean of theirs, each from its histogram by
    :func:`cfdna_erbb2.qc.short_fraction`. x runs from 50 to 450 bp.

    Needs, in every histogram used: length, count.
    """
    wanted = [sample, *(n for n in normals if n != sample)]
    for name in wanted:
        if name not in hist_by_sample:
            raise InputError(
                None, f"{_PLOT}: no fragment-length histogram for sample '{name}'", field="sample"
            )
        require(hist_by_sample[name], _HIST, table_name=f"fragment-length ({name})", plot=_PLOT)
    below = f"of fragments < {SHORT_FRAGMENT} bp"
    grid = np.arange(FRAGMENT_XLIM[0], FRAGMENT_XLIM[1] + 1)
    fig = new_figure(SIZE_FRAGMENTS)
    ax = fig.add_subplot()
    handles: list[Line2D] = []
    normal_names = wanted[1:]
    if normal_names:
        curves = np.vstack([_density(hist_by_sample[n], grid) for n in normal_names]) * 100
        for curve in curves:
            ax.plot(grid, curve, color=GREY, lw=0.7, alpha=0.7, zorder=1)
        usable = curves[np.isfinite(curves).all(axis=1)]
        if len(usable):
            ax.plot(grid, usable.mean(axis=0), color=DARK_GREY, lw=1.4, zorder=2)
        shorts = np.array([_short_fraction(hist_by_sample[n]) for n in normal_names])
        shorts = shorts[np.isfinite(shorts)]
        short_text = f"{shorts.mean():.1%}" if shorts.size else "n/a"
        handles += [
            Line2D([], [], color=GREY, lw=0.7, label=f"normals (n={len(normal_names)})"),
            Line2D([], [], color=DARK_GREY, lw=1.4, label=f"normals, mean ({short_text} {below})"),
        ]
    ax.plot(grid, _density(hist_by_sample[sample], grid) * 100, color=BLACK, lw=2.2, zorder=3)
    short = _short_fraction(hist_by_sample[sample])
    handles.insert(0, Line2D([], [], color=BLACK, lw=2.2, label=f"{sample} ({short:.1%} {below})"))
    ax.axvline(MONONUCLEOSOME_BP, color=DARK_GREY, ls="--", lw=1, zorder=0)
    ax.axvline(SHORT_FRAGMENT, color=DARK_GREY, ls=":", lw=1.5, zorder=0)
    handles += [
        Line2D([], [], color=DARK_GREY, ls="--", label=f"{MONONUCLEOSOME_BP} bp (mononucleosome)"),
        Line2D(
            [],
            [],
            color=DARK_GREY,
            ls=":",
            lw=1.5,
            label=f"{SHORT_FRAGMENT} bp (short-fragment cut-off)",
        ),
    ]
    ax.set_xlim(FRAGMENT_XLIM)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("fragment length (bp)")
    ax.set_ylabel("fragments (% of all, per bp)")
    ax.set_title(f"cfDNA fragment lengths: {sample} against the panel of normals")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(handles=handles, loc="upper right", fontsize=8, frameon=False)
    return fig


def plot_fragment_lengths(
    hist_by_sample: Mapping[str, pd.DataFrame],
    sample: str,
    normals: Sequence[str],
    out: str | Path,
) -> Path:
    """Write :func:`fragments_figure` to ``out`` (.png, .svg or .pdf); returns the path."""
    return save(fragments_figure(hist_by_sample, sample, normals), out)


def _density(hist: pd.DataFrame, grid: np.ndarray) -> np.ndarray:
    """Fraction of all fragments at each length of ``grid`` (per bp), from length/count."""
    length = numbers(hist["length"])
    count = numbers(hist["count"])
    ok = np.isfinite(length) & np.isfinite(count)
    total = count[ok].sum()
    summed = pd.Series(count[ok]).groupby(np.rint(length[ok]).astype(int)).sum()
    values = summed.reindex(grid, fill_value=0.0).to_numpy(dtype=float)
    return values / total if total > 0 else np.full(grid.shape, np.nan)


def _short_fraction(hist: pd.DataFrame) -> float:
    """Fraction of the histogram's fragments below the short-fragment cut-off (NaN if none)."""
    return short_fraction(numbers(hist["length"]), numbers(hist["count"]))
