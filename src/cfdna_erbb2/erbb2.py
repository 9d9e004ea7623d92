"""The ERBB2 amplification measurement and call of one sample, from CNVkit bins and segments.

Definitions (every value is per sample):

- ``erbb2_log2``: weighted mean log2 copy ratio of the bins whose gene label names ERBB2
  (labels such as "PGAP3,ERBB2" count). Unit: log2 of (copies / 2).
- ``erbb2_pcn``: plasma copy number, 2 * 2**erbb2_log2, in copies per diploid genome. With
  tumour fraction TF and C tumour copies, pCN = TF * C + 2 * (1 - TF).
- ``erbb2_se_log2``: standard error (log2) of ``erbb2_log2``: the sample's own noise at the
  scale of the gene bins combined with ``systematic_sd``. (``se_log2`` is the error of the
  locus, which may hold many more bins.)
- the *locus*: the bins the call rests on. For an on-treatment draw whose baseline showed a
  focal amplicon, it is that amplicon's region, fixed in advance (tumour-informed: the same
  bins are compared across a patient's draws, and the limit of detection is that of the
  amplicon seen at baseline). Otherwise, when CBS put ERBB2 in a focal segment (one with
  bins of the same chromosome on both sides, no longer than ``max_amplicon_bp``), the locus
  is that segment, i.e. the amplicon as the data delineate it; otherwise the ERBB2 bins.
  When that locus is not called amplified, the *scan* (``scan``) looks for the amplicon
  itself: every window of a grid that contains an ERBB2 bin (sizes from one bin up to
  ``max_amplicon_bp``, growing by :data:`SCAN_GROWTH`, sliding by a quarter of their
  length, ``min_flank_bins`` bins on each side within ``flank_bp``) is tested like a locus,
  against thresholds raised for
  the number of windows (Bonferroni: ``scan_z_min`` and ``scan_focal_z_min`` have the same
  one-sided tail probability, divided by ``scan_windows``, as ``z_min`` and
  ``focal_z_min``), so the scan adds no more false calls than one test at the plain
  thresholds. A window that passes both becomes the locus (``locus_source`` "scan"; the
  one with the highest z). CBS at p < 1e-6 gives a faint amplicon no segment of its own;
  the scan measures it over all its bins instead of the one to three ERBB2 bins.
- ``noise_sd``: the sample's own bin-to-bin noise, a robust standard deviation of log2
  from the median absolute difference of neighbouring bins (MAPD / (sqrt(2) * 0.6745)), on
  the autosomes (X and Y differ by sex, not by noise).
- ``locus_noise_sd``: the sample's own noise at the locus' scale: the robust standard
  deviation of the mean of ``n`` neighbouring bins, n = the locus' bins, from differences of
  adjacent n-bin windows across the genome. It is noise_sd / sqrt(n) for independent bins and
  larger when the noise is correlated (GC waves, library effects).
- ``systematic_sd``: locus error that the sample's own noise does not show: an ERBB2-specific
  bias estimated from the panel of normals (each measured against a reference built without
  it) when there are at least ``MIN_PANEL_FOR_SYSTEMATIC`` normals, never below a floor.
- ``se_log2`` = sqrt(locus_noise_sd**2 + systematic_sd**2): standard error of the locus.
- ``erbb2_z`` = locus_log2 / se_log2: how many standard errors the ERBB2 signal stands
  above what the sample's own noise and the normals allow.
- ``focal_z``: the locus minus the higher of its two flanks (median log2 of the bins on
  each side within ``flank_bp``), over its standard error. A high-level focal amplification
  steps up from both flanks; a whole-arm 17q gain does not, because its flanks are gained too.
- ``amplified``: evaluable and erbb2_z >= z_min and focal_z >= focal_z_min (for a scan
  locus: scan_z_min and scan_focal_z_min).
- ``scan_windows``: windows the scan tested (0 when it did not run: an inherited baseline
  locus, a called locus, a sample not evaluable, or ``scan`` off); ``scan_z_min``,
  ``scan_focal_z_min``: its thresholds (empty when it did not run).
- the *size-weighted track* (``tracks`` 2): the same bins' coverage with reads of short
  fragments (< 150 bp, :data:`cfdna_erbb2.qc.SHORT_FRAGMENT`) counted
  ``short_fragment_weight`` times, fixed against a reference of the normals counted the same
  way (:mod:`cfdna_erbb2.bincov`). Tumour-derived cfDNA is shorter, so an amplicon stands
  more standard errors above its surroundings there when the tumour's fragments are short
  (weights near the matched filter, the tumour's over the normal's share of short and of
  long fragments, gain most; Mouliere et al. 2018 report a median 2-fold enrichment of
  tumour DNA at 90-150 bp). The locus (and every scan window) is tested on both tracks;
  each test's thresholds are raised for the two (Bonferroni: the one-sided tail of
  ``z_min`` and of ``focal_z_min`` shared between them), so two tracks add no more false
  calls than one test at the plain thresholds, and a tumour whose fragments are not short
  loses only that raise. The weighted track's log2 is not a copy ratio (short fragments
  weigh more: an amplicon's excess is inflated by the tumour's enrichment in short
  fragments), so every value reported in copies comes from all fragments alike; ``sw_z`` and
  ``sw_focal_z`` are the weighted track's ``erbb2_z`` and ``focal_z`` at the reported locus,
  ``call_track`` the track whose test called it ("all", "size_weighted"; empty when not
  amplified). Without the track (``tracks`` 1: CNVkit output from elsewhere, or
  ``short_fragment_weight`` 1) the plain thresholds apply.
- ``lod_pcn``: the smallest locus plasma copy number this sample would have called
  amplified, given its noise and flanks (its limit of detection, copies), for an amplicon
  spanning the locus. For an on-treatment draw that is the baseline's amplicon; for a
  sample without one it is the ERBB2 bins, which makes the limit conservative (a wider
  amplicon would be seen at a lower level). With the size-weighted track it is the lower of
  the two tracks' limits for an amplicon whose fragments are as long as the normal ones
  (the weighted track's log2 then equals the copy ratio): conservative again, since a
  tumour's shorter fragments lower the weighted track's limit further.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from . import GENE
from .cnvio import gene_mask
from .contigs import SEX_CHROMOSOMES
from .tsv import fixed

#: Median absolute deviation of a standard normal: converts MAPD to a standard deviation,
#: since neighbouring-bin differences of iid N(0, s^2) bins have sd s*sqrt(2).
MAD_TO_SD = 0.6744897501960817
#: Standard error of a median relative to a mean of n normal values (sqrt(pi/2)).
MEDIAN_EFFICIENCY = math.sqrt(math.pi / 2)
#: Fewest adjacent-window differences for a window-scale noise estimate; with fewer, the
#: estimate at the largest scale that has them is extrapolated as independent noise.
MIN_WINDOW_PAIRS = 30
#: A variance from fewer normals is too uncertain (a method-of-moments estimate from 3
#: values has a relative standard error near 80%): below this, the floor is used.
MIN_PANEL_FOR_SYSTEMATIC = 5
#: The log2 CNVkit writes for a bin without coverage (cnvlib.params.NULL_LOG2_COVERAGE).
NULL_LOG2 = -20.0
#: Median of a chi-square variable with 1 degree of freedom: median(x**2) / this estimates
#: E[x**2] for normal x, robustly (one failed normal among five cannot move it far).
MEDIAN_CHI2_1 = 0.454936423119572
#: A normal whose ERBB2 value lies beyond this many robust scales from 0 is an outlier
#: (p < 1e-4 for a normal value), left out of the systematic error.
OUTLIER_SCALES = 4.0
#: The scan's window sizes (bins) grow by this factor: some window of the grid then covers
#: any amplicon's bins with at most about a tenth of its length missing or added.
SCAN_GROWTH = 1.25
#: A scan window of k bins slides by k / SCAN_STEPS bins (at least one).
SCAN_STEPS = 4


@dataclass(frozen=True)
class Erbb2Params:
    """Thresholds of the ERBB2 call; defaults and their reasons live in config/config.yaml."""

    gene: str = GENE
    z_min: float = 5.0
    focal_z_min: float = 4.0
    max_amplicon_bp: int = 10_000_000
    flank_bp: int = 5_000_000
    min_flank_bins: int = 5
    systematic_sd_floor: float = 0.02
    min_read_pairs: int = 10_000
    max_noise_sd: float = 0.4
    max_lod_pcn: float = 20.0
    cnvkit_amp_log2: float = 0.7
    scan: bool = True
    short_fragment_weight: float = 2.5


@dataclass(frozen=True)
class Erbb2Measurement:
    """One sample's ERBB2 measurement; field meanings in the module docstring."""

    erbb2_log2: float
    erbb2_pcn: float
    erbb2_se_log2: float
    erbb2_bins: int
    locus_source: str
    locus_chrom: str
    locus_start: int
    locus_end: int
    locus_bins: int
    locus_log2: float
    locus_pcn: float
    segment_log2: float
    segment_start: int
    segment_end: int
    flank_log2: float
    flank_bins: int
    mapd: float
    noise_sd: float
    locus_noise_sd: float
    systematic_sd: float
    se_log2: float
    erbb2_z: float
    focal_z: float
    lod_log2: float
    lod_pcn: float
    amplified: bool
    evaluable: bool
    cnvkit_default_amplified: bool
    scan_windows: int
    scan_z_min: float
    scan_focal_z_min: float
    tracks: int
    sw_z: float
    sw_focal_z: float
    call_track: str
    reason: str

    def to_row(self) -> dict[str, object]:
        return asdict(self)


def pcn_from_log2(log2: float) -> float:
    """Plasma copy number (copies per diploid genome) from a log2 copy ratio."""
    return 2.0 * 2.0**log2


def bin_noise(bins: pd.DataFrame) -> tuple[float, float]:
    """(MAPD, robust bin standard deviation) of the log2 ratios, both in log2 units.

    Uses on-target bins when the design has off-target ones (their noise differs), and
    differences only between neighbours on the same chromosome.
    """
    return _mapd(_usable_by_chromosome(bins))


def _mapd(chroms: list[np.ndarray]) -> tuple[float, float]:
    diffs = [np.abs(np.diff(v)) for v in chroms if len(v) > 1]
    if not diffs:
        return math.nan, math.nan
    mapd = float(np.median(np.concatenate(diffs)))
    return mapd, mapd / (math.sqrt(2.0) * MAD_TO_SD)


def _usable(bins: pd.DataFrame) -> np.ndarray:
    """Bins with data: a finite log2 above CNVkit's value for no coverage, positive weight
    and, where the table has depth, reads."""
    log2 = bins["log2"].to_numpy()
    ok = np.isfinite(log2) & (log2 > NULL_LOG2) & (bins["weight"].to_numpy() > 0)
    if "depth" in bins.columns:
        ok &= pd.to_numeric(bins["depth"], errors="coerce").fillna(0.0).to_numpy() > 0
    return ok


def _usable_by_chromosome(bins: pd.DataFrame) -> list[np.ndarray]:
    """Usable log2 values per autosome, in position order: the sample's noise is measured
    on the autosomes, so neither sex's X and Y (one copy, or none) counts as noise."""
    usable = bins[_usable(bins) & ~bins["chromosome"].isin(list(SEX_CHROMOSOMES)).to_numpy()]
    if "off_target" in usable.columns and (~usable["off_target"]).sum() >= 50:
        usable = usable[~usable["off_target"]]
    return [
        chrom["log2"].to_numpy()
        for _, chrom in usable.sort_values(["chromosome", "start"]).groupby("chromosome")
    ]


def window_noise(bins: pd.DataFrame, n: float) -> float:
    """Robust sd (log2) of the mean of ``n`` neighbouring bins of this sample.

    From the median absolute difference of adjacent, non-overlapping n-bin windows within
    chromosomes (MAPD at scale n): insensitive to real copy-number steps, sensitive to
    correlated noise. Never below independent-bin noise, noise_sd / sqrt(n).
    """
    chroms = _usable_by_chromosome(bins)
    return _window_sd(chroms, _mapd(chroms)[1], n)


def _window_sd(chroms: list[np.ndarray], sd1: float, n: float) -> float:
    """:func:`window_noise` on bins already split by chromosome, with their bin sd ``sd1``."""
    if not math.isfinite(sd1) or n <= 0:
        return math.nan
    white = sd1 / math.sqrt(n)
    k = max(1, round(n))
    while k > 1:
        pairs = sum(max(len(v) // k - 1, 0) for v in chroms)
        if pairs >= MIN_WINDOW_PAIRS:
            break
        k //= 2
    diffs = []
    for values in chroms:
        m = len(values) // k
        if m >= 2:
            means = values[: m * k].reshape(m, k).mean(axis=1)
            diffs.append(np.abs(np.diff(means)))
    if not diffs:
        return white
    sd_k = float(np.median(np.concatenate(diffs))) / (math.sqrt(2.0) * MAD_TO_SD)
    return max(white, sd_k * math.sqrt(k / n))


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    """Weighted mean and Kish effective number of values."""
    if len(values) == 0 or weights.sum() <= 0:
        return math.nan, 0.0
    mean = float(np.average(values, weights=weights))
    n_eff = float(weights.sum() ** 2 / np.square(weights).sum())
    return mean, n_eff


def systematic_sd(normal_log2: np.ndarray, normal_se: np.ndarray, floor: float) -> float:
    """Locus error beyond bin noise, from normals measured leave-one-out.

    Each normal's ERBB2 value should be 0 up to its own counting noise ``normal_se``; the
    excess of their mean square over the mean expected variance is the systematic variance
    (method of moments). Normals further than ``OUTLIER_SCALES`` robust scales from 0 (the
    scale from the median square, :data:`MEDIAN_CHI2_1`) are left out first, so one failed
    normal cannot dominate it. Never below ``floor``; the floor alone with fewer than
    ``MIN_PANEL_FOR_SYSTEMATIC`` normals.
    """
    ok = np.isfinite(normal_log2) & np.isfinite(normal_se)
    if ok.sum() < MIN_PANEL_FOR_SYSTEMATIC:
        return floor
    values, se = normal_log2[ok], normal_se[ok]
    scale = math.sqrt(float(np.median(np.square(values))) / MEDIAN_CHI2_1)
    inlier = np.abs(values) <= OUTLIER_SCALES * max(scale, floor)
    if inlier.sum() < MIN_PANEL_FOR_SYSTEMATIC:
        return floor
    excess = float(np.mean(np.square(values[inlier])) - np.mean(np.square(se[inlier])))
    return max(floor, math.sqrt(max(excess, 0.0)))


@dataclass(frozen=True)
class _Gene:
    """Where the gene is: its chromosome and outer span (bp), and its usable bins."""

    chrom: str
    start: int
    end: int
    bins: pd.DataFrame


@dataclass(frozen=True)
class _Segment:
    """The CBS segment that overlaps the gene most (log2, start, end; NaN/-1 without one)."""

    log2: float = math.nan
    start: int = -1
    end: int = -1
    focal: bool = False


@dataclass(frozen=True)
class _Locus:
    """The bins the call rests on, where they came from, their mean log2 and Kish n."""

    source: str
    bins: pd.DataFrame
    log2: float
    n_eff: float
    start: int
    end: int


@dataclass(frozen=True)
class _Flanks:
    """The higher flank's median log2 and bin count (NaN/0 without a usable flank)."""

    log2: float
    n: int
    bins: int  # bins on both sides within flank_bp

    @property
    def usable(self) -> bool:
        return self.n > 0


@dataclass(frozen=True)
class _Errors:
    """Standard errors (log2) of the locus, of the locus against its flank, and the z-scores."""

    locus_noise: float
    locus: float
    focal: float
    z: float
    focal_z: float


def _find_gene(bins: pd.DataFrame, gene: str) -> _Gene:
    """The gene's chromosome, span and usable bins; ValueError when no bin names it."""
    in_gene = gene_mask(bins["gene"], gene)
    if not in_gene.any():
        raise ValueError(f"no bin is labelled with gene {gene}")
    labelled = bins.loc[in_gene]
    return _Gene(
        chrom=str(labelled["chromosome"].iloc[0]),
        start=int(labelled["start"].min()),
        end=int(labelled["end"].max()),
        bins=bins[in_gene & _usable(bins)],
    )


def _gene_segment(
    segments: pd.DataFrame | None, gene: _Gene, chrom_bins: pd.DataFrame, max_bp: int
) -> _Segment:
    """The segment overlapping the gene most; focal when bins lie on both sides of it and it
    is at most ``max_bp`` long."""
    if segments is None or not len(segments):
        return _Segment()
    hits = segments[
        (segments["chromosome"] == gene.chrom)
        & (segments["start"] < gene.end)
        & (segments["end"] > gene.start)
    ]
    if not len(hits):
        return _Segment()
    overlap = np.minimum(hits["end"], gene.end) - np.maximum(hits["start"], gene.start)
    best = hits.iloc[int(np.argmax(overlap.to_numpy()))]
    start, end = int(best["start"]), int(best["end"])
    focal = (
        bool((chrom_bins["end"] <= start).any())
        and bool((chrom_bins["start"] >= end).any())
        and end - start <= max_bp
    )
    return _Segment(float(best["log2"]), start, end, focal)


def _choose_locus(
    chrom_bins: pd.DataFrame,
    gene: _Gene,
    segment: _Segment,
    baseline_locus: tuple[str, int, int] | None,
) -> _Locus:
    """The baseline's amplicon, else the focal segment, else the gene bins (module docstring)."""
    if baseline_locus is not None and baseline_locus[0] == gene.chrom:
        start, end, source = baseline_locus[1], baseline_locus[2], "baseline"
    elif segment.focal:
        start, end, source = segment.start, segment.end, "segment"
    else:
        start, end, source = -1, -1, "gene"
    if source == "gene":
        chosen = gene.bins
    else:
        chosen = chrom_bins[(chrom_bins["start"] >= start) & (chrom_bins["end"] <= end)]
    if len(chosen) == 0:
        chosen, source = gene.bins, "gene"
    log2, n_eff = _weighted_mean(chosen["log2"].to_numpy(), chosen["weight"].to_numpy())
    return _Locus(
        source=source,
        bins=chosen,
        log2=log2,
        n_eff=n_eff,
        start=int(chosen["start"].min()) if len(chosen) else gene.start,
        end=int(chosen["end"].max()) if len(chosen) else gene.end,
    )


def _flank_sides(chrom_bins: pd.DataFrame, locus: _Locus, params: Erbb2Params) -> list[pd.Series]:
    """The log2 of the bins on each side of the locus within ``flank_bp`` (left, right)."""
    start, end = chrom_bins["start"], chrom_bins["end"]
    left = (end <= locus.start) & (start >= locus.start - params.flank_bp)
    right = (start >= locus.end) & (end <= locus.end + params.flank_bp)
    return [chrom_bins.loc[left, "log2"], chrom_bins.loc[right, "log2"]]


def _flanks(
    chrom_bins: pd.DataFrame,
    locus: _Locus,
    params: Erbb2Params,
    sides: list[pd.Series] | None = None,
) -> _Flanks:
    """Median log2 of the bins on each side of the locus within ``flank_bp`` (robust to other
    events); the higher side with at least ``min_flank_bins`` bins is the one compared.
    ``sides``: :func:`_flank_sides` of this locus, when the caller has them already."""
    if sides is None:
        sides = _flank_sides(chrom_bins, locus, params)
    usable = [(float(np.median(v)), len(v)) for v in sides if len(v) >= params.min_flank_bins]
    if not usable:
        return _Flanks(math.nan, 0, 0)
    log2, n = max(usable)
    return _Flanks(log2, n, sum(len(v) for v in sides))


#: The coverage tracks a locus is tested on (``call_track``): all fragments alike, and the
#: size-weighted coverage (module docstring).
TRACKS = ("all", "size_weighted")


@dataclass(frozen=True)
class _Track:
    """One coverage track of the sample: its name, its usable autosome values by chromosome
    (for noise), its bin noise sd, the usable bins of the gene's chromosome in position order,
    and the systematic sd of its locus values."""

    name: str
    chroms: list[np.ndarray]
    noise_sd: float
    chrom_bins: pd.DataFrame
    sys_sd: float


def _track(name: str, bins: pd.DataFrame, chrom: str, sys_sd: float) -> _Track:
    chroms = _usable_by_chromosome(bins)
    chrom_bins = bins[(bins["chromosome"] == chrom) & _usable(bins)].sort_values("start")
    return _Track(name, chroms, _mapd(chroms)[1], chrom_bins, sys_sd)


def _tracks(
    bins: pd.DataFrame,
    weighted: pd.DataFrame | None,
    chrom: str,
    params: Erbb2Params,
    systematic: float | None,
    weighted_systematic: float | None,
) -> list[_Track]:
    """All fragments, and the size-weighted track when given and weighted (``measure``)."""
    floor = params.systematic_sd_floor
    tracks = [_track("all", bins, chrom, floor if systematic is None else systematic)]
    if weighted is not None and params.short_fragment_weight != 1:
        sw_sys = floor if weighted_systematic is None else weighted_systematic
        tracks.append(_track("size_weighted", weighted, chrom, sw_sys))
    return tracks


def _locus_at(track: _Track, locus: _Locus) -> _Locus:
    """The same locus (its span) on another track's bins."""
    b = track.chrom_bins
    chosen = b[(b["start"] >= locus.start) & (b["end"] <= locus.end)]
    log2, n_eff = _weighted_mean(chosen["log2"].to_numpy(), chosen["weight"].to_numpy())
    return _Locus(locus.source, chosen, log2, n_eff, locus.start, locus.end)


@dataclass(frozen=True)
class _Test:
    """A locus tested on one track: the locus' bins there, its flanks and its errors."""

    track: str
    locus: _Locus
    flanks: _Flanks
    errors: _Errors

    def passes(self, z_min: float, focal_z_min: float) -> bool:
        return self.errors.z >= z_min and self.errors.focal_z >= focal_z_min


def _test(track: _Track, locus: _Locus, params: Erbb2Params) -> _Test:
    flanks = _flanks(track.chrom_bins, locus, params)
    return _Test(
        track.name,
        locus,
        flanks,
        _errors(track.chroms, track.noise_sd, locus, flanks, track.sys_sd),
    )


@dataclass(frozen=True)
class _Scan:
    """What the scan found: the best window that passed (None when none did) and the track
    it passed on, how many window tests it made (over every track), and the thresholds it
    used."""

    locus: _Locus | None
    track: str
    windows: int
    z_min: float
    focal_z_min: float


NO_SCAN = _Scan(None, "", 0, math.nan, math.nan)


def scan_thresholds(params: Erbb2Params, windows: int) -> tuple[float, float]:
    """Per-test (z, focal z) thresholds of ``windows`` tests: the one-sided tail probabilities
    of ``z_min`` and ``focal_z_min`` shared among them (Bonferroni), so that the tests'
    chance of a false call is at most that of one test at those thresholds."""
    if windows <= 1:
        return params.z_min, params.focal_z_min
    return (
        float(norm.isf(norm.sf(params.z_min) / windows)),
        float(norm.isf(norm.sf(params.focal_z_min) / windows)),
    )


def scan_windows(
    starts: np.ndarray, ends: np.ndarray, gene_idx: np.ndarray, max_bp: int
) -> list[tuple[int, int]]:
    """Bin index ranges [i, j) of the scan over one chromosome's bins (sorted): sizes from
    one bin growing by :data:`SCAN_GROWTH`, each sliding by a quarter of its length over
    every position that contains one of the gene's bins (``gene_idx``), with at least one
    bin left on each side and spanning at most ``max_bp``."""
    n = len(starts)
    g0, g1 = int(gene_idx.min()), int(gene_idx.max())
    windows: list[tuple[int, int]] = []
    k = 1
    while k <= n - 2:
        first, last = max(1, g0 - k + 1), min(g1, n - 1 - k)
        offsets = list(range(first, last + 1, max(1, k // SCAN_STEPS)))
        if offsets and offsets[-1] != last:
            offsets.append(last)
        fits = [(i, i + k) for i in offsets if ends[i + k - 1] - starts[i] <= max_bp]
        if not fits:
            break  # every longer window is longer still, or has no bin beside it
        windows += fits
        k = max(k + 1, round(k * SCAN_GROWTH))
    return windows


def _track_windows(track: _Track, params: Erbb2Params) -> list[tuple[int, int]]:
    """:func:`scan_windows` over one track's bins of the gene's chromosome."""
    b = track.chrom_bins
    gene_idx = np.flatnonzero(np.asarray(gene_mask(b["gene"], params.gene)))
    if not len(gene_idx):
        return []
    starts, ends = b["start"].to_numpy(), b["end"].to_numpy()
    return scan_windows(starts, ends, gene_idx, params.max_amplicon_bp)


def _scan(tracks: list[_Track], params: Erbb2Params) -> _Scan:
    """Test every window of :func:`scan_windows` as a locus on every track (module docstring,
    *scan*), at thresholds raised for all the window tests together; the window that passes
    with the highest z on the first track that has one."""
    grids = [_track_windows(track, params) for track in tracks]
    total = sum(len(g) for g in grids)
    if not total:
        return NO_SCAN
    z_min, focal_min = scan_thresholds(params, total)
    for track, windows in zip(tracks, grids, strict=True):
        best = _best_window(track, windows, params, z_min, focal_min)
        if best is not None:
            return _Scan(best, track.name, total, z_min, focal_min)
    return _Scan(None, "", total, z_min, focal_min)


def _best_window(
    track: _Track,
    windows: list[tuple[int, int]],
    params: Erbb2Params,
    z_min: float,
    focal_min: float,
) -> _Locus | None:
    """The window of one track that passes both thresholds with the highest z (or None)."""
    b = track.chrom_bins
    starts, ends = b["start"].to_numpy(), b["end"].to_numpy()
    w, x = b["weight"].to_numpy(float), b["log2"].to_numpy(float)
    cw, cwx, cww = (np.concatenate([[0.0], np.cumsum(v)]) for v in (w, w * x, w * w))
    best, best_z = None, -math.inf
    for i, j in windows:
        total = cw[j] - cw[i]
        if total <= 0:
            continue
        mean, n_eff = (cwx[j] - cwx[i]) / total, total**2 / (cww[j] - cww[i])
        locus = _Locus("scan", b.iloc[i:j], mean, n_eff, int(starts[i]), int(ends[j - 1]))
        sides = _flank_sides(b, locus, params)
        if min(len(v) for v in sides) < params.min_flank_bins:
            continue  # a window must step up from both sides (it could end in a broad gain)
        flanks = _flanks(b, locus, params, sides)
        errors = _errors(track.chroms, track.noise_sd, locus, flanks, track.sys_sd)
        if errors.z >= z_min and errors.focal_z >= focal_min and errors.z > best_z:
            best, best_z = locus, errors.z
    return best


#: Values of a sample with no data to speak of (:func:`_no_data`): reported empty, not as
#: numbers computed from nothing.
NO_DATA_FIELDS = (
    "erbb2_log2", "erbb2_pcn", "erbb2_se_log2", "locus_log2", "locus_pcn", "segment_log2",
    "flank_log2", "mapd", "noise_sd", "locus_noise_sd", "se_log2", "erbb2_z", "focal_z",
    "lod_log2", "lod_pcn", "sw_z", "sw_focal_z",
)  # fmt: skip


def _no_data(
    params: Erbb2Params, read_pairs: int | None, noise_sd: float, gene: _Gene, erbb2_log2: float
) -> bool:
    """Too few read pairs, no measurable noise or no usable gene bin: nothing to report."""
    return (
        (read_pairs is not None and read_pairs < params.min_read_pairs)
        or not math.isfinite(noise_sd)
        or len(gene.bins) == 0
        or not math.isfinite(erbb2_log2)
    )


def _unevaluable_reasons(
    params: Erbb2Params,
    read_pairs: int | None,
    noise_sd: float,
    gene: _Gene,
    erbb2_log2: float,
    flanks: _Flanks,
) -> list[str]:
    """Why this sample cannot be called (empty when it can)."""
    reasons: list[str] = []
    if read_pairs is not None and read_pairs < params.min_read_pairs:
        reasons.append(f"{read_pairs} read pairs < {params.min_read_pairs}")
    if not math.isfinite(noise_sd):
        reasons.append("no usable bins to measure noise")
    elif noise_sd > params.max_noise_sd:
        reasons.append(f"bin noise sd {noise_sd:.3f} > {params.max_noise_sd} (log2)")
    if len(gene.bins) == 0 or not math.isfinite(erbb2_log2):
        reasons.append(f"no usable {params.gene} bin (zero coverage or filtered)")
    if not flanks.usable:
        reasons.append(
            f"fewer than {params.min_flank_bins} bins flank the {params.gene} locus on "
            f"{gene.chrom}: focality cannot be judged"
        )
    return reasons


def _lod_reason(lod_log2: float, params: Erbb2Params) -> list[str]:
    """A limit of detection above any plausible amplification makes a draw unfit to call."""
    lod = pcn_from_log2(lod_log2)
    if math.isfinite(lod) and lod > params.max_lod_pcn:
        return [
            f"smallest detectable pCN {lod:.3g} > {params.max_lod_pcn:g} copies: too noisy to call"
        ]
    return []


def _errors(
    chroms: list[np.ndarray], noise_sd: float, locus: _Locus, flanks: _Flanks, sys_sd: float
) -> _Errors:
    """The locus' standard error (own noise at its scale and the systematic term), and the
    focality error that adds the flank's (a median of ``flanks.n`` bins)."""
    noise = _window_sd(chroms, noise_sd, locus.n_eff) if locus.n_eff > 0 else math.nan
    se = math.sqrt(noise**2 + sys_sd**2)
    z = locus.log2 / se if se > 0 else math.nan
    if not flanks.usable:
        return _Errors(noise, se, math.nan, z, math.nan)
    se_flank = MEDIAN_EFFICIENCY * _window_sd(chroms, noise_sd, flanks.n)
    se_focal = math.sqrt(noise**2 + se_flank**2 + sys_sd**2)
    return _Errors(noise, se, se_focal, z, (locus.log2 - flanks.log2) / se_focal)


def _lod_log2(test: _Test, z_min: float, focal_z_min: float) -> float:
    """The smallest locus log2 that both thresholds would call on this track (its limit of
    detection, for an amplicon whose fragments are as long as the normal ones)."""
    errors, flanks = test.errors, test.flanks
    lod = z_min * errors.locus
    if math.isfinite(errors.focal):
        lod = max(lod, max(flanks.log2, 0.0) + focal_z_min * errors.focal)
    return lod


@dataclass(frozen=True)
class _Thresholds:
    """The thresholds one locus test used (raised for the tracks), and how many tracks."""

    z_min: float
    focal_z_min: float
    tracks: int

    def words(self, value: float, plain: float) -> str:
        if self.tracks == 1:
            return f"{plain}"
        return f"{value:.2f}: {plain} for one test, raised for {self.tracks} tracks"


def _reason(
    params: Erbb2Params,
    main: _Test,
    called: _Test,
    limits: _Thresholds,
    lod_log2: float,
    unevaluable: list[str],
    amplified: bool,
    scan: _Scan = NO_SCAN,
) -> str:
    """The call in words, with the numbers it rests on (``called``: the test that called it,
    or the all-fragment test when none did)."""
    if unevaluable:
        return "not evaluable: " + "; ".join(unevaluable)
    locus, errors = main.locus, called.errors
    head = f"{locus.source} log2 {fixed(locus.log2, 3)}"
    weighted = ""
    if called.track == "size_weighted":
        weighted = (
            f" on the size-weighted coverage (short fragments counted "
            f"{params.short_fragment_weight:g}x; all fragments alike: "
            f"{fixed(main.errors.z, 1)} SE above diploid, {fixed(main.errors.focal_z, 1)} "
            "above its flanks)"
        )
    if amplified and locus.source == "scan":
        return (
            f"amplified: {head} over {len(locus.bins)} bins (the best of {scan.windows} "
            f"window tests containing {params.gene}) is {fixed(errors.z, 1)} SE above diploid "
            f"(>= {scan.z_min:.2f}: {params.z_min} for one test, raised for the windows) and "
            f"{fixed(errors.focal_z, 1)} SE above its flanks (>= {scan.focal_z_min:.2f})"
            f"{weighted}"
        )
    z_words = limits.words(limits.z_min, params.z_min)
    focal_words = limits.words(limits.focal_z_min, params.focal_z_min)
    if amplified:
        return (
            f"amplified: {head} is {fixed(errors.z, 1)} SE above diploid (>= {z_words}) and "
            f"{fixed(errors.focal_z, 1)} SE above its flanks (>= {focal_words}){weighted}"
        )
    errors = main.errors
    if errors.z >= limits.z_min:
        return (
            f"not amplified: {head} is raised ({fixed(errors.z, 1)} SE) but only "
            f"{fixed(errors.focal_z, 1)} SE above its flanks (< {focal_words}): a broad "
            "gain, not a focal amplification"
        )
    scanned = f"; no window of {scan.windows} tests passes" if scan.windows else ""
    return (
        f"not amplified: {head} is {fixed(errors.z, 1)} SE above diploid (< {z_words})"
        f"{scanned}; smallest detectable pCN {pcn_from_log2(lod_log2):.2f}"
    )


def _decide(
    tracks: list[_Track],
    tests: list[_Test],
    params: Erbb2Params,
    limits: _Thresholds,
    unevaluable: bool,
) -> tuple[list[_Test], _Test, bool, _Scan]:
    """The call from the locus' tests on every track, else from the scan: (the tests of the
    reported locus, the one that called it or the all-fragment one, amplified, the scan)."""
    passed = [t for t in tests if t.passes(limits.z_min, limits.focal_z_min)]
    if unevaluable:
        return tests, tests[0], False, NO_SCAN
    if passed:
        return tests, passed[0], True, NO_SCAN
    if not params.scan or tests[0].locus.source == "baseline":
        return tests, tests[0], False, NO_SCAN
    scan = _scan(tracks, params)
    if scan.locus is None:
        return tests, tests[0], False, scan
    found = scan.locus
    tests = [_test(t, _locus_at(t, found), params) for t in tracks]
    return tests, next(t for t in tests if t.track == scan.track), True, scan


def measure(
    bins: pd.DataFrame,
    segments: pd.DataFrame | None,
    params: Erbb2Params,
    *,
    systematic: float | None = None,
    read_pairs: int | None = None,
    baseline_locus: tuple[str, int, int] | None = None,
    weighted: pd.DataFrame | None = None,
    weighted_systematic: float | None = None,
) -> Erbb2Measurement:
    """Measure ERBB2 in one sample.

    ``bins`` and ``segments`` come from :func:`cfdna_erbb2.cnvio.read_bins` /
    ``read_segments``; ``systematic`` is the panel's systematic sd (default: the floor);
    ``read_pairs`` (if known) feeds the evaluability check; ``baseline_locus`` (chromosome,
    start, end in bp) is the amplicon of this patient's baseline, measured in its place.
    ``weighted``: the size-weighted track's bins, ``weighted_systematic`` its systematic sd.
    Raises ``ValueError`` when no bin names the gene (the caller turns it into an error
    naming the file).
    """
    gene = _find_gene(bins, params.gene)
    tracks = _tracks(bins, weighted, gene.chrom, params, systematic, weighted_systematic)
    main = tracks[0]
    chroms, noise_sd = main.chroms, main.noise_sd
    mapd = _mapd(chroms)[0]
    erbb2_log2, gene_n_eff = _weighted_mean(
        gene.bins["log2"].to_numpy(), gene.bins["weight"].to_numpy()
    )
    gene_noise = _window_sd(chroms, noise_sd, gene_n_eff) if gene_n_eff > 0 else math.nan
    limits = _Thresholds(*scan_thresholds(params, len(tracks)), len(tracks))

    segment = _gene_segment(segments, gene, main.chrom_bins, params.max_amplicon_bp)
    locus = _choose_locus(main.chrom_bins, gene, segment, baseline_locus)
    tests = [_test(main, locus, params)] + [
        _test(t, _locus_at(t, locus), params) for t in tracks[1:]
    ]
    unevaluable = _unevaluable_reasons(
        params, read_pairs, noise_sd, gene, erbb2_log2, tests[0].flanks
    )
    lod_log2 = min(_lod_log2(t, limits.z_min, limits.focal_z_min) for t in tests)
    unevaluable += _lod_reason(lod_log2, params)
    tests, called, amplified, scan = _decide(tracks, tests, params, limits, bool(unevaluable))
    main_test = tests[0]
    sw_test = tests[1] if len(tests) > 1 else None
    cnvkit_value = segment.log2 if math.isfinite(segment.log2) else erbb2_log2
    result = Erbb2Measurement(
        erbb2_log2=erbb2_log2,
        erbb2_pcn=pcn_from_log2(erbb2_log2),
        erbb2_se_log2=math.sqrt(gene_noise**2 + main.sys_sd**2),
        erbb2_bins=len(gene.bins),
        **_locus_fields(gene, main_test.locus, segment, main_test.flanks),
        mapd=mapd,
        noise_sd=noise_sd,
        locus_noise_sd=main_test.errors.locus_noise,
        systematic_sd=main.sys_sd,
        se_log2=main_test.errors.locus,
        erbb2_z=main_test.errors.z,
        focal_z=main_test.errors.focal_z,
        lod_log2=lod_log2,
        lod_pcn=pcn_from_log2(lod_log2),
        amplified=amplified,
        evaluable=not unevaluable,
        cnvkit_default_amplified=bool(
            math.isfinite(cnvkit_value) and cnvkit_value >= params.cnvkit_amp_log2
        ),
        scan_windows=scan.windows,
        scan_z_min=scan.z_min,
        scan_focal_z_min=scan.focal_z_min,
        tracks=len(tracks),
        sw_z=sw_test.errors.z if sw_test is not None else math.nan,
        sw_focal_z=sw_test.errors.focal_z if sw_test is not None else math.nan,
        call_track=called.track if amplified else "",
        reason=_reason(params, main_test, called, limits, lod_log2, unevaluable, amplified, scan),
    )
    if _no_data(params, read_pairs, noise_sd, gene, erbb2_log2):
        blank: dict[str, Any] = dict.fromkeys(NO_DATA_FIELDS, math.nan)
        result = replace(result, **blank)
    return result


def _locus_fields(gene: _Gene, locus: _Locus, segment: _Segment, flanks: _Flanks) -> dict[str, Any]:
    """The measurement's fields that describe the locus, its CBS segment and its flanks."""
    return {
        "locus_source": locus.source,
        "locus_chrom": gene.chrom,
        "locus_start": locus.start,
        "locus_end": locus.end,
        "locus_bins": len(locus.bins),
        "locus_log2": locus.log2,
        "locus_pcn": pcn_from_log2(locus.log2),
        "segment_log2": segment.log2,
        "segment_start": segment.start,
        "segment_end": segment.end,
        "flank_log2": flanks.log2,
        "flank_bins": flanks.bins,
    }


def gene_estimate(bins: pd.DataFrame, gene: str = GENE) -> tuple[float, float]:
    """(log2, standard error from bin noise alone) of the gene bins of one sample."""
    mask = gene_mask(bins["gene"], gene) & _usable(bins)
    chosen = bins[mask]
    value, n_eff = _weighted_mean(chosen["log2"].to_numpy(), chosen["weight"].to_numpy())
    return value, (window_noise(bins, n_eff) if n_eff > 0 else math.nan)
