"""The ERBB2 amplification measurement and call of one sample, from CNVkit bins and segments.

Definitions (every value is per sample):

- ``erbb2_log2``: weighted mean log2 copy ratio of the bins whose gene label names ERBB2
  (labels such as "PGAP3,ERBB2" count). Unit: log2 of (copies / 2).
- ``erbb2_pcn``: plasma copy number, 2 * 2**erbb2_log2, in copies per diploid genome. With
  tumour fraction TF and C tumour copies, pCN = TF * C + 2 * (1 - TF).
- the *locus*: the bins the call rests on. For an on-treatment draw whose baseline showed a
  focal amplicon, it is that amplicon's region, fixed in advance (tumour-informed: the same
  bins are compared across a patient's draws, and the limit of detection is that of the
  amplicon seen at baseline). Otherwise, when CBS put ERBB2 in a focal segment (one with
  bins of the same chromosome on both sides, no longer than ``max_amplicon_bp``), the locus
  is that segment, i.e. the amplicon as the data delineate it; otherwise the ERBB2 bins.
- ``noise_sd``: the sample's own bin-to-bin noise, a robust standard deviation of log2
  from the median absolute difference of neighbouring bins (MAPD / (sqrt(2) * 0.6745)).
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
- ``amplified``: evaluable and erbb2_z >= z_min and focal_z >= focal_z_min.
- ``lod_pcn``: the smallest locus plasma copy number this sample would have called
  amplified, given its noise and flanks (its limit of detection, copies), for an amplicon
  spanning the locus. For an on-treatment draw that is the baseline's amplicon; for a
  sample without one it is the ERBB2 bins, which makes the limit conservative (a wider
  amplicon would be seen at a lower level).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from . import GENE
from .cnvio import gene_mask

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


@dataclass(frozen=True)
class Erbb2Params:
    """Thresholds of the ERBB2 call; defaults and their reasons live in config/config.yaml."""

    gene: str = GENE
    z_min: float = 5.0
    focal_z_min: float = 3.0
    max_amplicon_bp: int = 10_000_000
    flank_bp: int = 5_000_000
    min_flank_bins: int = 5
    systematic_sd_floor: float = 0.02
    min_read_pairs: int = 10_000
    max_noise_sd: float = 0.4
    cnvkit_amp_log2: float = 0.7


@dataclass(frozen=True)
class Erbb2Measurement:
    """One sample's ERBB2 measurement; field meanings in the module docstring."""

    erbb2_log2: float
    erbb2_pcn: float
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
    reason: str

    def to_row(self) -> dict[str, object]:
        return asdict(self)


def pcn_from_log2(log2: float) -> float:
    """Plasma copy number (copies per diploid genome) from a log2 copy ratio."""
    return 2.0 * 2.0**log2


def noise(bins: pd.DataFrame) -> tuple[float, float]:
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


def _usable_by_chromosome(bins: pd.DataFrame) -> list[np.ndarray]:
    usable = bins[np.isfinite(bins["log2"]) & (bins["weight"] > 0)]
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

    Each normal's ERBB2 value should be 0 up to its own counting noise ``normal_se``;
    the excess of their mean square over the mean expected variance is the systematic
    variance (method of moments). Never below ``floor``; the floor alone with fewer than
    ``MIN_PANEL_FOR_SYSTEMATIC`` normals.
    """
    ok = np.isfinite(normal_log2) & np.isfinite(normal_se)
    if ok.sum() < MIN_PANEL_FOR_SYSTEMATIC:
        return floor
    excess = float(np.mean(np.square(normal_log2[ok])) - np.mean(np.square(normal_se[ok])))
    return max(floor, math.sqrt(max(excess, 0.0)))


def measure(
    bins: pd.DataFrame,
    segments: pd.DataFrame | None,
    params: Erbb2Params,
    *,
    systematic: float | None = None,
    read_pairs: int | None = None,
    baseline_locus: tuple[str, int, int] | None = None,
) -> Erbb2Measurement:
    """Measure ERBB2 in one sample.

    ``bins`` and ``segments`` come from :func:`cfdna_erbb2.cnvio.read_bins` /
    ``read_segments``; ``systematic`` is the panel's systematic sd (default: the floor);
    ``read_pairs`` (if known) feeds the evaluability check; ``baseline_locus`` (chromosome,
    start, end in bp) is the amplicon of this patient's baseline, measured in its place.
    Raises ``ValueError`` when no bin names the gene (the caller turns it into an error
    naming the file).
    """
    in_gene = gene_mask(bins["gene"], params.gene)
    if not in_gene.any():
        raise ValueError(f"no bin is labelled with gene {params.gene}")
    finite = np.isfinite(bins["log2"].to_numpy()) & (bins["weight"].to_numpy() > 0)
    gene_bins = bins[in_gene & finite]
    chrom = str(bins.loc[in_gene, "chromosome"].iloc[0])
    gene_start = int(bins.loc[in_gene, "start"].min())
    gene_end = int(bins.loc[in_gene, "end"].max())
    chroms = _usable_by_chromosome(bins)  # grouped once; every noise estimate reuses it
    mapd, noise_sd = _mapd(chroms)
    sys_sd = params.systematic_sd_floor if systematic is None else systematic

    erbb2_log2, _ = _weighted_mean(gene_bins["log2"].to_numpy(), gene_bins["weight"].to_numpy())

    chrom_bins = bins[(bins["chromosome"] == chrom) & finite].sort_values("start")
    seg_log2, seg_start, seg_end = math.nan, -1, -1
    focal_segment = False
    if segments is not None and len(segments):
        hits = segments[
            (segments["chromosome"] == chrom)
            & (segments["start"] < gene_end)
            & (segments["end"] > gene_start)
        ]
        if len(hits):
            overlap = np.minimum(hits["end"], gene_end) - np.maximum(hits["start"], gene_start)
            best = hits.iloc[int(np.argmax(overlap.to_numpy()))]
            seg_log2 = float(best["log2"])
            seg_start, seg_end = int(best["start"]), int(best["end"])
            left = chrom_bins["end"] <= seg_start
            right = chrom_bins["start"] >= seg_end
            focal_segment = (
                bool(left.any())
                and bool(right.any())
                and seg_end - seg_start <= params.max_amplicon_bp
            )

    if baseline_locus is not None and baseline_locus[0] == chrom:
        _, base_start, base_end = baseline_locus
        inside = (chrom_bins["start"] >= base_start) & (chrom_bins["end"] <= base_end)
        locus = chrom_bins[inside]
        source = "baseline"
    elif focal_segment:
        inside = (chrom_bins["start"] >= seg_start) & (chrom_bins["end"] <= seg_end)
        locus = chrom_bins[inside]
        source = "segment"
    else:
        locus = gene_bins
        source = "gene"
    if len(locus) == 0:
        locus, source = gene_bins, "gene"
    locus_log2, n_eff = _weighted_mean(locus["log2"].to_numpy(), locus["weight"].to_numpy())
    locus_start = int(locus["start"].min()) if len(locus) else gene_start
    locus_end = int(locus["end"].max()) if len(locus) else gene_end

    # Flanks: bins on each side of the locus within flank_bp, by median (robust to other events).
    left_bins = chrom_bins[
        (chrom_bins["end"] <= locus_start) & (chrom_bins["start"] >= locus_start - params.flank_bp)
    ]
    right_bins = chrom_bins[
        (chrom_bins["start"] >= locus_end) & (chrom_bins["end"] <= locus_end + params.flank_bp)
    ]
    sides = [
        (float(np.median(side["log2"])), len(side))
        for side in (left_bins, right_bins)
        if len(side) >= params.min_flank_bins
    ]

    reasons: list[str] = []
    if read_pairs is not None and read_pairs < params.min_read_pairs:
        reasons.append(f"{read_pairs} read pairs < {params.min_read_pairs}")
    if not math.isfinite(noise_sd):
        reasons.append("no usable bins to measure noise")
    elif noise_sd > params.max_noise_sd:
        reasons.append(f"bin noise sd {noise_sd:.3f} > {params.max_noise_sd} (log2)")
    if len(gene_bins) == 0 or not math.isfinite(erbb2_log2):
        reasons.append(f"no usable {params.gene} bin (zero coverage or filtered)")
    if not sides:
        reasons.append(
            f"fewer than {params.min_flank_bins} bins flank the {params.gene} locus on "
            f"{chrom}: focality cannot be judged"
        )
    evaluable = not reasons

    se_sample = _window_sd(chroms, noise_sd, n_eff) if n_eff > 0 else math.nan
    se = math.sqrt(se_sample**2 + sys_sd**2)
    z = locus_log2 / se if se > 0 else math.nan
    if sides:
        flank_log2, flank_n = max(sides)
        se_flank = MEDIAN_EFFICIENCY * _window_sd(chroms, noise_sd, flank_n)
        se_focal = math.sqrt(se_sample**2 + se_flank**2 + sys_sd**2)
        focal_z = (locus_log2 - flank_log2) / se_focal
        flank_bins = len(left_bins) + len(right_bins)
    else:
        flank_log2, se_focal, focal_z, flank_bins = math.nan, math.nan, math.nan, 0
    lod_log2 = params.z_min * se
    if math.isfinite(se_focal):
        lod_log2 = max(lod_log2, max(flank_log2, 0.0) + params.focal_z_min * se_focal)

    amplified = bool(evaluable and z >= params.z_min and focal_z >= params.focal_z_min)
    cnvkit_value = seg_log2 if math.isfinite(seg_log2) else erbb2_log2
    if not evaluable:
        reason = "not evaluable: " + "; ".join(reasons)
    elif amplified:
        reason = (
            f"amplified: {source} log2 {locus_log2:.3f} is {z:.1f} SE above diploid "
            f"(>= {params.z_min}) and {focal_z:.1f} SE above its flanks (>= {params.focal_z_min})"
        )
    elif z >= params.z_min:
        reason = (
            f"not amplified: {source} log2 {locus_log2:.3f} is raised ({z:.1f} SE) but only "
            f"{focal_z:.1f} SE above its flanks (< {params.focal_z_min}): a broad gain, "
            "not a focal amplification"
        )
    else:
        reason = (
            f"not amplified: {source} log2 {locus_log2:.3f} is {z:.1f} SE above diploid "
            f"(< {params.z_min}); smallest detectable pCN {pcn_from_log2(lod_log2):.2f}"
        )
    return Erbb2Measurement(
        erbb2_log2=erbb2_log2,
        erbb2_pcn=pcn_from_log2(erbb2_log2),
        erbb2_bins=len(gene_bins),
        locus_source=source,
        locus_chrom=chrom,
        locus_start=locus_start,
        locus_end=locus_end,
        locus_bins=len(locus),
        locus_log2=locus_log2,
        locus_pcn=pcn_from_log2(locus_log2),
        segment_log2=seg_log2,
        segment_start=seg_start,
        segment_end=seg_end,
        flank_log2=flank_log2,
        flank_bins=flank_bins,
        mapd=mapd,
        noise_sd=noise_sd,
        locus_noise_sd=se_sample,
        systematic_sd=sys_sd,
        se_log2=se,
        erbb2_z=z,
        focal_z=focal_z,
        lod_log2=lod_log2,
        lod_pcn=pcn_from_log2(lod_log2),
        amplified=amplified,
        evaluable=evaluable,
        cnvkit_default_amplified=bool(
            math.isfinite(cnvkit_value) and cnvkit_value >= params.cnvkit_amp_log2
        ),
        reason=reason,
    )


def gene_estimate(bins: pd.DataFrame, gene: str = GENE) -> tuple[float, float]:
    """(log2, standard error from bin noise alone) of the gene bins of one sample."""
    mask = gene_mask(bins["gene"], gene) & np.isfinite(bins["log2"].to_numpy())
    mask &= bins["weight"].to_numpy() > 0
    chosen = bins[mask]
    value, n_eff = _weighted_mean(chosen["log2"].to_numpy(), chosen["weight"].to_numpy())
    return value, (window_noise(bins, n_eff) if n_eff > 0 else math.nan)
