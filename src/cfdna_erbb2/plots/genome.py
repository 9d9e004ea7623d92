"""A sample's CNVkit copy ratios along the genome, and zoomed on the gene of interest."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from .. import GENE
from .style import (
    BLACK,
    DARK_GREY,
    GREY,
    LIGHT_GREY,
    NOT_EVALUABLE,
    ORANGE,
    SIZE_GENOME,
    SKY_BLUE,
    new_figure,
    not_evaluable_words,
    numbers,
    require,
    save,
    text,
)

#: Half-width of the zoom around the gene of interest, bp.
ZOOM_FLANK_BP = 3_000_000
#: Neighbours of ERBB2 on the 17q12 amplicon, labelled first in the zoom (SCIENCE.md).
AMPLICON_NEIGHBOURS = ("PGAP3", "MIEN1", "GRB7", "STARD3", "TCAP", "PNMT", "IKZF3")
#: Copy-ratio axis limits, log2: never narrower than LOG2_MIN_SPAN, never wider than LOG2_CLIP.
LOG2_MIN_SPAN = (-1.25, 1.25)
LOG2_CLIP = (-3.0, 4.0)

_PLOT = "plot_genome"
_CNR = ("chromosome", "start", "end", "gene", "log2")
_CNS = ("chromosome", "start", "end", "log2")
_GENES = ("chromosome", "start", "end", "name")
_CANONICAL_CHROM = re.compile(r"^(?:chr)?([0-9]+|X|Y)$", re.IGNORECASE)

LegendCorner = Literal["upper left", "upper right", "lower left", "lower right"]


class Layout(NamedTuple):
    """Chromosomes laid end to end on one x axis (bp), with a gap between neighbours."""

    chroms: list[str]
    length: dict[str, float]
    offset: dict[str, float]
    gap: float
    end: float


def genome_figure(
    cnr: pd.DataFrame,
    cns: pd.DataFrame,
    *,
    genes: pd.DataFrame,
    sample: str | None = None,
    gene: str = GENE,
    sex: str | None = None,
    not_evaluable: str | None = None,
    weighted: pd.DataFrame | None = None,
    short_weight: float | None = None,
) -> Figure:
    """A sample's CNVkit copy ratios genome-wide and zoomed on ``gene``.

    ``not_evaluable``: why the sample's ERBB2 call is not evaluable ('' unknown), given as a
    dark grey "NOT EVALUABLE" banner; the zoom's title repeats it (its segments are no result).

    Top: every bin's log2 copy ratio (grey dots) and the segments (black lines) along the
    genome, chromosomes in natural order (1, 2, ..., 22, X, Y) on alternating shading; bins
    outside the y range sit on its edge as triangles, and the gene's position is marked.
    Unplaced contigs (e.g. chrUn_*, *_random) are left out when canonical chromosomes exist.
    Bottom: the gene's chromosome within ±3 Mb of it (x in Mb), with bins, segments, the gene
    as an orange band and the genes around it on a track below, names staggered so they stay
    readable (the gene and its 17q12 amplicon neighbours labelled first).

    X and Y by ``sex`` (:func:`cfdna_erbb2.sex.infer_sex`): CNVkit's reference expects two X
    and one Y, so a man's one X sits at log2 -1; it is drawn at +1 (relative to the copies a
    man has), and the title says so. Bins without coverage on X and Y (a woman's Y) are not
    drawn: an absent Y is no deletion.

    ``genes`` (chromosome, start, end, name; e.g. :func:`cfdna_erbb2.refflat.genes_near` of
    the refFlat the bins were annotated with) is the one source of gene extents; 'chr17'
    and '17' name the same chromosome. When ``gene`` is not in it, the zoom panel says so.

    ``weighted``: the size-weighted track's bins (``{sample}.sizeweighted.cnr``: short
    fragments counted ``short_weight`` times), drawn in the zoom as hollow sky-blue circles;
    its log2 is no copy ratio: a tumour's short fragments lift it over an amplicon.

    Needs ``cnr``: chromosome, start, end, gene, log2; ``cns``: chromosome, start, end, log2;
    ``genes``: chromosome, start, end, name; ``weighted``: chromosome, start, end, log2.
    """
    require(cnr, _CNR, table_name="cnr (bins)", plot=_PLOT)
    sw_bins = _weighted_bins(weighted)
    require(cns, _CNS, table_name="cns (segments)", plot=_PLOT)
    require(genes, _GENES, table_name="genes", plot=_PLOT)
    bins = _for_sex(_positions(cnr).assign(log2=numbers(cnr["log2"])), sex)
    segs = _for_sex(_positions(cns).assign(log2=numbers(cns["log2"])), sex)
    gene_table = _positions(genes).assign(name=text(genes["name"]).to_numpy())
    layout = _layout(bins, segs)
    fig = new_figure(SIZE_GENOME)
    grid = fig.add_gridspec(3, 1, height_ratios=[3.0, 2.6, 1.0])
    ax_g = fig.add_subplot(grid[0])
    ax_z = fig.add_subplot(grid[1])
    ax_t = fig.add_subplot(grid[2], sharex=ax_z)
    _draw_genome(ax_g, bins, segs, layout, sample, male=sex == "male")

    hit = gene_table[gene_table["name"] == gene]
    bare_to_chrom = {_bare(c): c for c in set(bins["chromosome"]) | set(segs["chromosome"])}
    chrom = bare_to_chrom.get(_bare(str(hit["chromosome"].iloc[0]))) if len(hit) else None
    if chrom is None:
        _no_gene(ax_z, ax_t, gene)
        if not_evaluable is not None:
            _banner(fig, not_evaluable)
        return fig
    g_start, g_end = float(hit["start"].min()), float(hit["end"].max())
    if chrom in layout.offset:
        _mark_gene(ax_g, gene, layout.offset[chrom] + (g_start + g_end) / 2)
    # Not clipped on the right: a panel's data may end at the gene, the chromosome does not.
    window = (max(0.0, g_start - ZOOM_FLANK_BP), g_end + ZOOM_FLANK_BP)
    _draw_zoom(ax_z, bins, segs, chrom, window, (g_start, g_end), gene, sw_bins, short_weight)
    if not_evaluable is not None:
        _banner(fig, not_evaluable)
        ax_z.set_title(f"NOT EVALUABLE: no {gene} result. " + ax_z.get_title(), fontsize=11,
                       color=NOT_EVALUABLE.colour, fontweight="bold")  # fmt: skip
    _gene_track(ax_t, _near(gene_table, chrom, window), gene, window)
    ax_t.set_xlim(window)
    ax_t.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v / 1e6:.1f}"))
    ax_t.set_xlabel(f"position on chr{_bare(chrom)} (Mb)")
    return fig


def _weighted_bins(weighted: pd.DataFrame | None) -> pd.DataFrame | None:
    """The size-weighted track's bins with numeric positions and log2 (None: not drawn)."""
    if weighted is None:
        return None
    require(weighted, _CNS, table_name="weighted (size-weighted bins)", plot=_PLOT)
    return _positions(weighted).assign(log2=numbers(weighted["log2"]))


def _near(table: pd.DataFrame, chrom: str, window: tuple[float, float]) -> pd.DataFrame:
    """Rows of ``table`` on ``chrom`` ('chr17' and '17' alike) overlapping ``window``."""
    return table[
        (table["chromosome"].map(_bare) == _bare(chrom))
        & (table["end"] >= window[0])
        & (table["start"] <= window[1])
    ]


def plot_genome(
    cnr: pd.DataFrame,
    cns: pd.DataFrame,
    out: str | Path,
    *,
    genes: pd.DataFrame,
    sample: str | None = None,
    gene: str = GENE,
    sex: str | None = None,
    not_evaluable: str | None = None,
    weighted: pd.DataFrame | None = None,
    short_weight: float | None = None,
) -> Path:
    """Write :func:`genome_figure` to ``out`` (.png, .svg or .pdf); returns the path."""
    fig = genome_figure(
        cnr,
        cns,
        genes=genes,
        sample=sample,
        gene=gene,
        sex=sex,
        not_evaluable=not_evaluable,
        weighted=weighted,
        short_weight=short_weight,
    )
    return save(fig, out)


def _no_gene(ax_z: Axes, ax_t: Axes, gene: str) -> None:
    """The zoom and gene track when the gene table lacks ``gene``: say so."""
    for ax in (ax_z, ax_t):
        ax.set_axis_off()
    ax_z.text(0.5, 0.5, f"{gene}: not in the gene table", transform=ax_z.transAxes,
              ha="center", va="center", fontsize=10, color=DARK_GREY)  # fmt: skip


def _banner(fig: Figure, why: str) -> None:
    """'NOT EVALUABLE: why' across the top of the figure, white on the not-evaluable grey."""
    words = not_evaluable_words(why, width=110, lines=2)
    fig.suptitle(
        "NOT EVALUABLE" + (f": {words}" if words else ""),
        fontsize=12,
        fontweight="bold",
        color="white",
        bbox={"boxstyle": "square,pad=0.4", "fc": NOT_EVALUABLE.colour, "ec": "none"},
    )


# --- where things are -------------------------------------------------------------------------


#: CNVkit's log2 for a bin without coverage is -20; anything this low on X or Y is no data.
NO_COVERAGE_LOG2 = -15.0


def _for_sex(table: pd.DataFrame, sex: str | None) -> pd.DataFrame:
    """X and Y as the sample's sex expects them (see :func:`genome_figure`)."""
    bare = table["chromosome"].map(_bare)
    sex_chrom = bare.isin(["X", "Y"]).to_numpy()
    out = table[~(sex_chrom & (table["log2"].to_numpy(dtype=float) <= NO_COVERAGE_LOG2))].copy()
    if sex == "male":
        out.loc[out["chromosome"].map(_bare) == "X", "log2"] += 1.0
    return out


def _positions(table: pd.DataFrame) -> pd.DataFrame:
    """chromosome (text), start and end (bp, float) of a bin, segment or gene table."""
    return pd.DataFrame(
        {
            "chromosome": text(table["chromosome"]).to_numpy(),
            "start": numbers(table["start"]),
            "end": numbers(table["end"]),
        }
    )


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


def _layout(bins: pd.DataFrame, segs: pd.DataFrame) -> Layout:
    """Chromosomes in natural order (canonical ones only, when there are any), end to end."""
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
    return Layout(chroms, length, offset, gap, position)


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


# --- copy ratios ------------------------------------------------------------------------------


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
    """Segments as black lines at their log2, clipped to ``ylim``."""
    y = np.clip(y, ylim[0], ylim[1])
    ok = np.isfinite(y)
    ax.hlines(y[ok], x0[ok], x1[ok], colors=BLACK, lw=2.6, zorder=3, capstyle="butt")


def _draw_genome(
    ax: Axes,
    bins: pd.DataFrame,
    segs: pd.DataFrame,
    layout: Layout,
    sample: str | None,
    *,
    male: bool = False,
) -> None:
    """The genome-wide panel: bins and segments of every laid-out chromosome."""
    offset, length, chroms = layout.offset, layout.length, layout.chroms
    b = bins[bins["chromosome"].isin(offset)]
    xb = ((b["start"] + b["end"]) / 2 + b["chromosome"].map(offset)).to_numpy(dtype=float)
    ylim = _log2_limits(
        np.concatenate([b["log2"].to_numpy(dtype=float), segs["log2"].to_numpy(dtype=float)])
    )
    for c in chroms[1::2]:
        ax.axvspan(offset[c], offset[c] + length[c], color="#F0F0F0", lw=0, zorder=0)
    n_clipped = _draw_bins(ax, xb, b["log2"].to_numpy(dtype=float), ylim, ms=2.5)
    s = segs[segs["chromosome"].isin(offset)]
    shift = s["chromosome"].map(offset).to_numpy(dtype=float)
    _draw_segments(
        ax,
        s["start"].to_numpy(dtype=float) + shift,
        s["end"].to_numpy(dtype=float) + shift,
        s["log2"].to_numpy(dtype=float),
        ylim,
    )
    ax.axhline(0, color=BLACK, lw=0.6, zorder=1)
    ax.set_ylim(ylim)
    ax.set_xlim(-layout.gap, layout.end)
    ax.set_xticks([offset[c] + length[c] / 2 for c in chroms])
    shares = [length[c] / layout.end for c in chroms]
    ax.set_xticklabels(_staggered([_bare(c) for c in chroms], shares), fontsize=8)
    ax.tick_params(axis="x", length=0)
    ax.set_xlabel("chromosome")
    ax.set_ylabel("copy ratio (log2)")
    title = "CNVkit copy ratios" + (f" of {sample}" if sample else "")
    if n_clipped:
        plural = "s" if n_clipped > 1 else ""
        title += f" ({n_clipped} bin{plural} beyond the y range: triangles on its edge)"
    ax.set_title(title, fontsize=11)
    if male and any(_bare(c) == "X" for c in layout.chroms):
        ax.set_title(ax.get_title() + "\nmale: chrX drawn relative to one copy", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)


def _mark_gene(ax: Axes, gene: str, x: float) -> None:
    """Name ``gene`` at genome position ``x`` on the genome-wide panel, with a line."""
    ax.annotate(
        gene,
        xy=(x, 0.98),
        xycoords=ax.get_xaxis_transform(),
        xytext=(3, 0),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=8,
        color=BLACK,
        fontweight="bold",
        zorder=5,
        bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
    )
    ax.axvline(x, color=ORANGE, lw=1, zorder=1)


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


def _draw_zoom(
    ax: Axes,
    bins: pd.DataFrame,
    segs: pd.DataFrame,
    chrom: str,
    window: tuple[float, float],
    extent: tuple[float, float],
    gene: str,
    weighted: pd.DataFrame | None = None,
    short_weight: float | None = None,
) -> None:
    """The zoom panel: bins and segments of ``chrom`` in ``window``, the gene as a band;
    the size-weighted track's bins (``weighted``) as hollow circles when given."""
    zb, zs = _near(bins, chrom, window), _near(segs, chrom, window)
    zw = _near(weighted, chrom, window) if weighted is not None else None
    zylim = _log2_limits(
        np.concatenate(
            [zb["log2"].to_numpy(dtype=float), zs["log2"].to_numpy(dtype=float)]
            + ([zw["log2"].to_numpy(dtype=float)] if zw is not None else [])
        )
    )
    ax.axvspan(*extent, color=ORANGE, alpha=0.3, lw=0, zorder=1)
    xz = ((zb["start"] + zb["end"]) / 2).to_numpy(dtype=float)
    _draw_bins(ax, xz, zb["log2"].to_numpy(dtype=float), zylim, ms=4)
    if zw is not None:
        _draw_weighted(ax, zw, zylim)
    _draw_segments(
        ax,
        np.maximum(zs["start"].to_numpy(dtype=float), window[0]),
        np.minimum(zs["end"].to_numpy(dtype=float), window[1]),
        zs["log2"].to_numpy(dtype=float),
        zylim,
    )
    ax.axhline(0, color=BLACK, lw=0.6, zorder=1)
    ax.set_ylim(zylim)
    ax.set_xlim(window)
    ax.set_ylabel("copy ratio (log2)")
    ax.set_title(
        f"chr{_bare(chrom)} around {gene} (orange band: {gene}; ±{ZOOM_FLANK_BP / 1e6:g} Mb)",
        fontsize=11,
    )
    ax.tick_params(axis="x", labelbottom=False)
    ax.spines[["top", "right"]].set_visible(False)
    xs = [xz, np.linspace(zs["start"], zs["end"], 30).ravel()]
    ys = [zb["log2"].to_numpy(dtype=float), np.repeat(zs["log2"].to_numpy(dtype=float), 30)]
    if zw is not None:
        xs.append(((zw["start"] + zw["end"]) / 2).to_numpy(dtype=float))
        ys.append(zw["log2"].to_numpy(dtype=float))
    corner = _emptiest_corner(np.concatenate(xs), np.concatenate(ys), window, zylim)
    handles = [
        Line2D([], [], ls="none", marker=".", ms=8, color=GREY, label="bin"),
        Line2D([], [], color=BLACK, lw=2.6, label="segment"),
        Patch(color=ORANGE, alpha=0.3, label=gene),
    ]
    if zw is not None:
        times = f" ×{short_weight:g}" if short_weight is not None else ""
        label = f"bin, short fragments{times} (size-weighted test)"
        circle = Line2D([], [], ls="none", marker="o", ms=5, mfc="none", mec=SKY_BLUE, label=label)
        handles.insert(1, circle)
    ncols = 3 if zw is None else 2
    ax.legend(handles=handles, loc=corner, fontsize=8, frameon=True, framealpha=0.9, ncols=ncols)


def _draw_weighted(ax: Axes, bins: pd.DataFrame, ylim: tuple[float, float]) -> None:
    """The size-weighted track's bins as hollow sky-blue circles, clipped to ``ylim``."""
    ax.plot(
        ((bins["start"] + bins["end"]) / 2).to_numpy(dtype=float),
        np.clip(bins["log2"].to_numpy(dtype=float), *ylim),
        ls="none",
        marker="o",
        ms=3.5,
        mfc="none",
        mec=SKY_BLUE,
        mew=0.9,
        rasterized=True,
        zorder=2,
    )


# --- the gene track ---------------------------------------------------------------------------


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
    for rec in genes.to_dict("records"):
        start, end, name = float(rec["start"]), float(rec["end"]), str(rec["name"])
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
        _label_gene(ax, rows, name, centre, (centre - half, centre + half), is_target)


def _label_gene(
    ax: Axes,
    rows: list[list[tuple[float, float]]],
    name: str,
    centre: float,
    extent: tuple[float, float],
    is_target: bool,
) -> None:
    """Write ``name`` on the lowest row of ``rows`` where ``extent`` is free (if any)."""
    colour = ORANGE if is_target else DARK_GREY
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
            return
