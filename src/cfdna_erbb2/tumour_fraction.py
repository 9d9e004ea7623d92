"""Tumour fraction of one plasma draw from its genome-wide copy-number profile.

Definitions (every value is per sample):

- ``tumour_fraction`` (TF): the fraction of genome copies in plasma that come from the
  tumour (0-1), the same quantity the simulator's ``tumour_fraction`` and CNVkit's
  ``call --purity`` mean. NaN unless ``detected``.
- ``tf_low``, ``tf_high``: 95% profile-likelihood interval of TF. ``tf_low`` is NaN unless
  detected; ``tf_high`` is also given when TF is evaluable but not detected: the largest TF
  the profile allows (an upper limit). A profile without copy-number changes to go on is flat
  and its upper limit is high: a draw whose tumour shows no events says nothing about its TF.
- ``tumour_ploidy``: the tumour's mean copy number over the fitted genome (length-weighted
  mean of the fitted integer states; copies). NaN unless detected.
- ``centre_pcn``: the plasma copy number that CNVkit's centring put at log2 0 (copies;
  2 when the median bin is diploid in the tumour). A locus at log2 L has plasma copy number
  ``centre_pcn * 2**L`` (:func:`locus_tumour_copies`). NaN unless detected.
- ``tf_floor``: the detection floor (fraction). Below it the estimate is ``not detected``
  rather than a small number: ichorCNA's authors state its estimates are reliable above
  about 3% and "less accurate" below (ichorCNA wiki; Adalsteinsson et al., Nat Commun 2017),
  and its users see 4-8% on healthy controls (broadinstitute/ichorCNA issue 16).
- ``lr``: likelihood-ratio statistic, 2 * (log-likelihood of the best fit - that of a flat
  profile, TF 0). ``detected`` needs ``lr >= lr_min`` and the best-fit TF >= ``tf_floor``.
- ``tf_fit``: the best-fitting TF whatever the detection (diagnostics and benchmarks only;
  not an estimate when ``detected`` is false).
- ``systematic_sd``: the segment-level error beyond the sample's noise the fit allowed for
  (log2): the panel of normals' (:func:`systematic_from_normals`), never below the floor,
  or what the best fit's residuals show when that is clearly larger (segments between
  states widen the interval instead of narrowing it).
- ``segments_used``: segments the fit rests on; ``segments_changed``: those fitted to a
  tumour state other than 2 copies; ``changed_fraction``: their share of the fitted bp.

The model (ichorCNA, Adalsteinsson et al. 2017; ACE, Poell et al., Bioinformatics 2019).
With tumour fraction t, a segment where the tumour has c copies has plasma copy number
t*c + 2*(1-t) and, relative to a centre level, expected log2 ratio

    mu(c) = log2((t*c + 2*(1-t)) / (t*z + 2*(1-t)))

where z is the tumour copy number that sits at log2 0. ichorCNA and ACE put z at the
tumour ploidy P (their ratios are normalised to the mean); CNVkit centres log2 on the
median bin instead, so z is fitted (a free centring offset: ``CENTRE_COPIES`` range) and the
ploidy is reported as the mean of the fitted states.

Method. ACE's grid search over segments, with ichorCNA's statistics made explicit:

1. Autosomes only (X and Y differ by sex); usable bins as :mod:`cfdna_erbb2.erbb2` defines
   them.
2. Segments: a deterministic binary segmentation of the usable bins
   (:func:`segment_profile`; splits at ``split_z`` standard errors, the CBS statistic
   without permutations), within the CNVkit (CBS) segments when they are given: CBS at
   p < 1e-6 (CNVkit's WGS setting) merges small events into their neighbours, and such
   intermediate levels fit half the TF with doubled states (seen in the benchmark). The
   ``exclude`` interval (the ERBB2 locus) is then removed with ``exclude_margin_bp`` on
   each side, widened step by step to every focal segment overlapping it (one with segments
   on both sides, at most ``max_amplicon_bp``, as :mod:`cfdna_erbb2.erbb2` defines the
   amplicon; never further than that from the locus), so that TF and the ERBB2 signal are
   independent evidence even for an amplicon with several levels; an arm-level segment
   keeps its bins outside the zone. Segment values are recomputed from the bins kept.
   Segments with fewer than ``min_segment_bins`` bins or ``min_segment_bp`` bp are left
   out (focal events and segmentation noise carry no broad copy-number state).
3. Each segment's value is the weighted mean log2 of its bins; its standard error is the
   sample's own noise at the segment's scale (:func:`cfdna_erbb2.erbb2.window_noise`'s
   adjacent-window estimate, which is larger than noise_sd / sqrt(n) when the noise is
   correlated, with windows compared within segments so that real copy-number steps are
   not counted as noise) combined with ``systematic_sd`` per segment: healthy cfDNA at 1 Mb
   shows chromosome-level deviations of 0.00-0.03 log2 beyond counting noise (26 ichorCNA
   healthy donors, tests/data/ichorcna-normals-hg38), which would otherwise be fitted as
   subclonal-looking states: ichorCNA's 4-8% on healthy controls.
4. A grid over t (0, then 0.005-0.99, refined to 0.001 around the best point) and over
   the centring offset (refined in closed form). Each segment's likelihood is a mixture
   over integer tumour states c = 0..6: 2 copies with probability 1 - f, the others
   sharing f in the ``change_prior`` proportions (one-copy changes the commonest, 0 copies
   over a whole segment rare; cf. Taylor et al., Cancer Cell 2018: arm-level changes cover
   about a quarter of a typical tumour genome), where the changed fraction f is fitted too
   (profiled over ``changed_fractions``), as ichorCNA fits its state proportions. Each
   component is Gaussian with residuals capped at ``outlier_z`` standard errors: a segment
   no state explains (another focal amplicon, a subclonal event, an artefact) costs a fixed
   amount instead of dragging the fit (ichorCNA uses Student's t emissions for the same
   reason). Under TF 0 every state predicts the same level, and at TF > 0 a segment only
   gains by falling near a state; a mixture, unlike a best-state-per-segment fit, pays for
   the states it offers, so noise is not fitted as states for free. That, the systematic
   term and ``lr_min`` keep healthy samples below the floor. The prior also resolves what
   the data cannot: plasma copy number is linear in c, so states 2, 4, 6 at TF t/2 fit a
   profile exactly as 2, 3, 4 at TF t, and shifting every state by one (a genome doubling
   read around 4 instead of 2) barely changes the fit at low TF; the reading with the
   likelier (smaller) changes from 2 copies wins, as ichorCNA's default ploidy-2 start does.
   Because of the cap, one segment adds at most ``outlier_z**2`` (16) to the statistic, less
   its prior cost: ``lr_min`` 20 needs about three changed segments that agree on one TF
   (a single gain could be 3 copies at TF t or 4 at t/2, or a germline variant).
5. The profile likelihood of t (best offset at each t) gives the estimate, its 95%
   interval (where 2 * (max - profile) <= 3.84, chi-square 1 df, interpolated between grid
   points) and the likelihood-ratio statistic against t = 0; each segment's state is its
   most probable one at the best fit (``tumour_ploidy``, ``segments_changed``).

Limits: depth alone cannot tell a tumour without copy-number changes from TF 0, nor a
whole-genome-doubled tumour from a diploid one at a lower TF; a tumour whose only change is
a two-copy gain is read as a one-copy gain at twice the TF. The interval reflects noise
given the states, not a wrong state reading. Near the floor, when one-copy steps are about
two segment errors apart, the mixture shrinks TF (3% read as about 2% on clean synthetic
profiles). Measured accuracy: benchmarks/README.md (bench_tumour_fraction.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from .contigs import SEX_CHROMOSOMES
from .erbb2 import (
    Erbb2Params,
    _mapd,
    _usable,
    _usable_by_chromosome,
    _window_sd,
    systematic_sd,
)

#: Chi-square quantile (1 df) for a 95% profile-likelihood interval.
CHI2_1_95 = 3.841458820694124
#: Range of the tumour copy number that CNVkit's median centring puts at log2 0 (copies).
CENTRE_COPIES = (1.0, 5.0)
#: Extra centring offset searched beyond that range (log2): CNVkit's median is over all bins,
#: including sex chromosomes and focal events, so the diploid level sits a little off 0.
CENTRE_MARGIN_LOG2 = 0.02
#: Offset grid step: a quarter of the smallest gap between neighbouring states, within bounds
#: (log2); each grid optimum is then refined in closed form.
OFFSET_STEP_FRACTION, OFFSET_STEP_BOUNDS = 0.25, (0.004, 0.05)
#: The fit is repeated with the systematic sd its residuals show when that is this much
#: above the panel's (or the floor): a fifth more variance than assumed is noticeable.
RESIDUAL_REFIT_RATIO = 1.1
#: Largest TF fitted: at 1, a 0-copy segment has no reads at all.
MAX_TF = 0.99
#: Plasma copy number floor inside log2 (a 0-copy state at TF near 1).
MIN_PCN = 1e-3
#: The TF grid: 0.5% steps below 10%, coarser above; the
#: best grid point is then refined in 0.1% steps (:data:`FINE_STEP`).
TF_GRID = np.unique(
    np.concatenate(
        [[0.0], np.arange(0.005, 0.1, 0.005), np.arange(0.1, 0.4, 0.01), np.arange(0.4, 1, 0.02)]
    ).clip(0.0, MAX_TF)
)
FINE_STEP = 0.001


@dataclass(frozen=True)
class TumourFractionParams:
    """Constants of the fit (meanings in the module docstring). Calibrated on simulated
    normals and TF-0 draws, noise-only profiles of 300-30,000 bins and the 26 real healthy
    donors (benchmarks/README.md): their largest statistic was about 10."""

    #: Detection floor (fraction): ichorCNA's stated reliable range starts near 3%.
    tf_floor: float = 0.03
    #: Likelihood-ratio statistic a fit must reach: about 2x the largest seen without tumour.
    lr_min: float = 20.0
    #: Relative prior of tumour states 0, 1, 3, 4, 5, 6 copies among changed segments.
    change_prior: tuple[float, ...] = (0.02, 0.36, 0.36, 0.14, 0.08, 0.04)
    #: Changed fractions f (segments off 2 copies) the mixture is profiled over.
    changed_fractions: tuple[float, ...] = (0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9)
    #: Floor of the segment-level systematic sd (log2): half the ERBB2 module's floor
    #: (erbb2.systematic_sd_floor 0.02 is for one locus; a segment averages many loci's GC
    #: and mappability residuals); the healthy donors' scatter at 1 Mb fits it.
    systematic_sd: float = 0.01
    #: Residual cap (standard errors) of each state's Gaussian.
    outlier_z: float = 4.0
    #: Smallest segment the fit uses (bins, bp): smaller ones are focal events or noise.
    min_segment_bins: int = 5
    min_segment_bp: int = 500_000
    #: Bases left out on each side of the excluded (ERBB2) interval: 17q12 amplicons span a
    #: few hundred kb to a few Mb (Ferrari et al., Sci Rep 2016), so their shoulders too.
    exclude_margin_bp: int = 2_000_000
    #: A segment overlapping the excluded interval is left out whole up to this length
    #: (bp; the ERBB2 module's largest amplicon).
    max_amplicon_bp: int = Erbb2Params.max_amplicon_bp
    #: Own segmentation: split where two means differ by this many standard errors (3.5:
    #: more sensitive than CBS at p < 1e-6, which misses events the joint fit can use;
    #: 3.0 brought one healthy donor to a statistic of 19).
    split_z: float = 3.5
    #: Fewest usable autosomal bins outside the excluded locus for an estimate.
    min_fit_bins: int = 20


@dataclass(frozen=True)
class TumourFractionEstimate:
    """One sample's tumour fraction; field meanings in the module docstring."""

    tumour_fraction: float
    tf_low: float
    tf_high: float
    tumour_ploidy: float
    centre_pcn: float
    detected: bool
    evaluable: bool
    tf_floor: float
    tf_fit: float
    lr: float
    systematic_sd: float
    segments_used: int
    segments_changed: int
    changed_fraction: float
    reason: str

    def to_row(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class TumourCopies:
    """Tumour copies at a locus, C = (pCN - 2 * (1 - TF)) / TF, with a 95% interval."""

    copies: float
    low: float
    high: float


@dataclass(frozen=True)
class _Segments:
    """Per fitted segment: log2 value, the sample's noise at its scale, its standard error
    (noise and the systematic term; log2), bins, length (bp) and row in the segment table
    (``ids``)."""

    log2: np.ndarray
    noise: np.ndarray
    se: np.ndarray
    bins: np.ndarray
    bp: np.ndarray
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def with_systematic(self, sd: float) -> _Segments:
        return replace(self, se=np.sqrt(self.noise**2 + sd**2))


@dataclass(frozen=True)
class _Fit:
    """The profile likelihood over a TF grid and the states of the best fit."""

    tfs: np.ndarray  # the TF grid, sorted
    profile: np.ndarray  # log-likelihood at each grid TF (best centring offset)
    best: int  # grid index of the best TF
    states: np.ndarray  # tumour copies per segment at the best fit
    offset: float  # centring offset of the best fit (log2)
    lr: float

    @property
    def tf(self) -> float:
        return float(self.tfs[self.best])


def expected_log2(tf: float, copies: np.ndarray | float, centre_copies: float = 2.0) -> np.ndarray:
    """Expected log2 ratio of a segment with ``copies`` tumour copies (module docstring)."""
    pcn = np.maximum(tf * np.asarray(copies, dtype=float) + 2.0 * (1.0 - tf), MIN_PCN)
    return np.log2(pcn / (tf * centre_copies + 2.0 * (1.0 - tf)))


def tumour_copies(
    pcn: float, pcn_se: float, tf: float, tf_low: float, tf_high: float
) -> TumourCopies:
    """Tumour copies at a locus from its plasma copy number and the sample's TF.

    ``pcn`` (copies per diploid genome) with standard error ``pcn_se``; ``tf`` with its 95%
    interval. C is monotone in pCN and in TF, so the range over the pCN interval (+-1.96 SE)
    and the TF interval is at their corners: it covers at least 95% when both are right
    (conservative). NaN without a TF. From a CNVkit log2 value, use
    :func:`locus_tumour_copies`, which undoes CNVkit's centring.
    """
    if not (math.isfinite(tf) and tf > 0 and math.isfinite(pcn)):
        return TumourCopies(math.nan, math.nan, math.nan)

    def copies(p: float, t: float) -> float:
        return (p - 2.0 * (1.0 - t)) / t if t > 0 else (math.inf if p > 2 else -math.inf)

    lo_p, hi_p = pcn - 1.96 * pcn_se, pcn + 1.96 * pcn_se
    corners = [copies(p, t) for p in (lo_p, hi_p) for t in (tf_low, tf_high) if math.isfinite(t)]
    if not corners or not math.isfinite(pcn_se):
        return TumourCopies(copies(pcn, tf), math.nan, math.nan)
    return TumourCopies(copies(pcn, tf), max(min(corners), 0.0), max(corners))


# ---- bins and segments ----------------------------------------------------------------------


def _fit_bins(bins: pd.DataFrame) -> pd.DataFrame:
    """Usable autosomal bins (chromosome, start, end, log2, weight), sorted by position."""
    if "weight" not in bins.columns:
        bins = bins.assign(weight=1.0)
    keep = _usable(bins) & ~bins["chromosome"].isin(list(SEX_CHROMOSOMES)).to_numpy()
    if "off_target" in bins.columns and (keep & ~bins["off_target"].to_numpy()).sum() >= 50:
        keep &= ~bins["off_target"].to_numpy(dtype=bool)
    kept = bins.loc[keep, ["chromosome", "start", "end", "log2", "weight"]]
    return kept.sort_values(["chromosome", "start"], kind="stable").reset_index(drop=True)


def _excluded_zones(
    segments: pd.DataFrame, exclude: tuple[str, int, int] | None, params: TumourFractionParams
) -> list[tuple[str, int, int]]:
    """The excluded interval with its margin, widened, repeatedly, to every focal segment
    overlapping it (one with segments on both sides, at most ``max_amplicon_bp``), but not
    beyond ``max_amplicon_bp`` from the interval: an amplicon with several levels or wider
    than the margin is left out whole, an arm-level segment keeps its bins outside."""
    if exclude is None:
        return []
    chrom, start, end = exclude
    lo, hi = start - params.exclude_margin_bp, end + params.exclude_margin_bp
    on = segments[segments["chromosome"] == chrom].sort_values("start")
    starts, ends = on["start"].to_numpy()[1:-1], on["end"].to_numpy()[1:-1]  # focal: inner
    short = ends - starts <= params.max_amplicon_bp
    while True:
        hit = short & (starts < hi) & (ends > lo)
        new_lo = max(min(lo, *starts[hit]), start - params.max_amplicon_bp) if hit.any() else lo
        new_hi = min(max(hi, *ends[hit]), end + params.max_amplicon_bp) if hit.any() else hi
        if (new_lo, new_hi) == (lo, hi):
            return [(chrom, int(lo), int(hi))]
        lo, hi = new_lo, new_hi


def _drop_zones(kept: pd.DataFrame, zones: list[tuple[str, int, int]]) -> pd.DataFrame:
    """``kept`` without the bins overlapping any zone."""
    out = np.zeros(len(kept), dtype=bool)
    for chrom, lo, hi in zones:
        out |= (
            (kept["chromosome"] == chrom).to_numpy()
            & (kept["end"].to_numpy() > lo)
            & (kept["start"].to_numpy() < hi)
        )
    return kept[~out].reset_index(drop=True)


def _best_split(x: np.ndarray, sd: float, min_bins: int) -> tuple[int, float]:
    """Where one split of ``x`` into two means is most significant: (index, z)."""
    n = len(x)
    if n < 2 * min_bins:
        return 0, 0.0
    cs = np.cumsum(x)
    k = np.arange(min_bins, n - min_bins + 1)
    diff = cs[k - 1] / k - (cs[-1] - cs[k - 1]) / (n - k)
    z = np.abs(diff) / (sd * np.sqrt(1.0 / k + 1.0 / (n - k)))
    i = int(np.argmax(z))
    return int(k[i]), float(z[i])


def _split_chromosome(x: np.ndarray, sd: float, z_min: float, min_bins: int) -> list[int]:
    """Breakpoints (indices) of recursive binary segmentation of one chromosome."""
    cuts: list[int] = []
    stack = [(0, len(x))]
    while stack:
        i, j = stack.pop()
        k, z = _best_split(x[i:j], sd, min_bins)
        if z >= z_min:
            cuts.append(i + k)
            stack += [(i, i + k), (i + k, j)]
    return sorted(cuts)


def segment_profile(
    bins: pd.DataFrame, params: TumourFractionParams, segments: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Deterministic binary segmentation of usable autosomal bins (chromosome, start, end,
    log2 mean).

    Each chromosome, or each of the given ``segments`` (e.g. CNVkit's CBS segments), is
    split where the two sides' means differ by at least ``split_z`` standard errors of the
    sample's bin noise, recursively; pieces keep at least ``min_segment_bins`` bins. Bins
    outside every given segment are left out.
    """
    kept = _fit_bins(bins)
    _, sd = _mapd(_usable_by_chromosome(kept))
    if segments is None:
        ids = pd.factorize(kept["chromosome"])[0]
    else:
        ids = _segment_ids(kept, segments.reset_index(drop=True))
        kept, ids = kept[ids >= 0], ids[ids >= 0]
    chroms = kept["chromosome"].to_numpy()
    starts, ends, x = (kept[c].to_numpy() for c in ("start", "end", "log2"))
    bounds = [0, *(np.flatnonzero(ids[1:] != ids[:-1]) + 1).tolist(), len(kept)]
    rows = []
    for a, b in itertools.pairwise(bounds):
        edges = [a, b]
        if math.isfinite(sd) and sd > 0:
            inner = _split_chromosome(x[a:b], sd, params.split_z, params.min_segment_bins)
            edges = [a, *(a + k for k in inner), b]
        rows += [
            (chroms[i], int(starts[i]), int(ends[j - 1]), float(np.mean(x[i:j])))
            for i, j in itertools.pairwise(edges)
        ]
    return pd.DataFrame(rows, columns=["chromosome", "start", "end", "log2"])


def _segment_ids(kept: pd.DataFrame, segments: pd.DataFrame) -> np.ndarray:
    """Index of the segment holding each bin's midpoint (-1 for none)."""
    ids = np.full(len(kept), -1, dtype=np.int64)
    mids = ((kept["start"].to_numpy() + kept["end"].to_numpy()) // 2).astype(np.int64)
    chroms = kept["chromosome"].to_numpy()
    for chrom, seg in segments.groupby("chromosome", sort=False):
        on = np.flatnonzero(chroms == chrom)
        if not on.size:
            continue
        seg = seg.sort_values("start")
        starts, ends = seg["start"].to_numpy(), seg["end"].to_numpy()
        j = np.searchsorted(starts, mids[on], side="right") - 1
        inside = (j >= 0) & (mids[on] < ends[np.maximum(j, 0)])
        ids[on[inside]] = seg.index.to_numpy()[j[inside]]
    return ids


def _noise_curve(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The sample's noise (log2 sd) of an n-bin mean on a geometric grid of n.

    :func:`cfdna_erbb2.erbb2.window_noise`'s estimate (adjacent n-bin windows), with windows
    compared only within a segment: across the genome, most pairs of large windows straddle
    a real copy-number step in a tumour, which would be counted as noise.
    """
    _, sd1 = _mapd(_usable_by_chromosome(frame))
    ids = frame["seg"].to_numpy()
    pieces = np.split(frame["log2"].to_numpy(), np.flatnonzero(ids[1:] != ids[:-1]) + 1)
    top = max(max((len(v) for v in pieces), default=2), 2)
    scales = 2.0 ** np.arange(0.0, math.log2(top) + 1.0)
    return scales, np.array([_window_sd(pieces, sd1, float(n)) for n in scales])


def _segment_values(
    kept: pd.DataFrame, segments: pd.DataFrame, params: TumourFractionParams
) -> _Segments:
    """Weighted means and standard errors of the segments the fit uses."""
    ids = _segment_ids(kept, segments.reset_index(drop=True))
    frame = kept.assign(seg=ids, bp=kept["end"] - kept["start"])
    frame = frame[frame["seg"] >= 0]
    frame = frame.assign(wy=frame["weight"] * frame["log2"], w2=frame["weight"] ** 2)
    g = frame.groupby("seg").agg(
        w=("weight", "sum"),
        wy=("wy", "sum"),
        w2=("w2", "sum"),
        n=("log2", "size"),
        bp=("bp", "sum"),
    )
    g = g[(g["n"] >= params.min_segment_bins) & (g["bp"] >= params.min_segment_bp)]
    if g.empty:
        empty = np.zeros(0)
        return _Segments(empty, empty, empty, empty, empty)
    scales, sds = _noise_curve(frame)
    n_eff = (g["w"] ** 2 / g["w2"]).to_numpy()
    noise = np.exp(np.interp(np.log(n_eff), np.log(scales), np.log(sds)))
    values = (g["wy"] / g["w"]).to_numpy()
    segs = _Segments(
        values, noise, noise, g["n"].to_numpy(), g["bp"].to_numpy().astype(float),
        g.index.to_numpy().astype(np.int64),
    )  # fmt: skip
    return segs.with_systematic(params.systematic_sd)


# ---- the fit ----------------------------------------------------------------------------------


def _priors(params: TumourFractionParams) -> np.ndarray:
    """Prior probabilities of tumour states 0..6 (columns), one row per changed fraction f:
    1 - f at 2 copies, f shared by the other states in the ``change_prior`` proportions."""
    q = np.asarray(params.change_prior, dtype=float)
    f = np.asarray(params.changed_fractions, dtype=float)[:, None]
    return np.insert(f * (q / q.sum())[None, :], 2, 1.0 - f[:, 0], axis=1)


def _offsets(tf: float, c: int) -> np.ndarray:
    """Candidate centring offsets (log2 of the plasma copy number at log2 0) for one TF,
    with tumour states up to ``c`` copies."""
    lo, hi = (math.log2(tf * z + 2.0 * (1.0 - tf)) for z in CENTRE_COPIES)
    gap = math.log2((tf * c + 2.0 * (1.0 - tf)) / (tf * (c - 1) + 2.0 * (1.0 - tf)))
    step = min(max(OFFSET_STEP_FRACTION * gap, OFFSET_STEP_BOUNDS[0]), OFFSET_STEP_BOUNDS[1])
    return np.arange(lo - CENTRE_MARGIN_LOG2, hi + CENTRE_MARGIN_LOG2 + step, step)


def _densities(seg: _Segments, levels: np.ndarray, offsets: np.ndarray, cap: float) -> np.ndarray:
    """Unnormalised Gaussian densities, residuals capped at ``cap`` SE (offsets x segments x
    states)."""
    mu = levels[None, :] - offsets[:, None]
    r = (seg.log2[None, :, None] - mu[:, None, :]) / seg.se[None, :, None]
    return np.exp(-0.5 * np.minimum(r * r, cap * cap))


def _loglik(dens: np.ndarray, priors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per offset: the log-likelihood of the best row of ``priors`` (each segment a mixture
    over states) and which row that is."""
    ll = np.log(dens @ priors.T).sum(axis=1)  # offsets x priors
    k = np.argmax(ll, axis=1)
    return ll[np.arange(len(ll)), k], k


def _refine(
    seg: _Segments, levels: np.ndarray, offset: float, priors: np.ndarray, cap: float
) -> tuple[float, np.ndarray, float]:
    """(log-likelihood, most probable states, offset) at the best offset near ``offset``:
    the closed-form optimum for the states chosen there, iterated twice, kept only when it
    improves."""

    def at(where: float) -> tuple[float, np.ndarray, float]:
        dens = _densities(seg, levels, np.array([where]), cap)
        ll, k = _loglik(dens, priors)
        return float(ll[0]), np.argmax(dens[0] * priors[k[0]][None, :], axis=1), where

    best = at(offset)
    w = 1.0 / seg.se**2
    for _ in range(2):
        chosen = best[1]
        inlier = np.abs(seg.log2 - levels[chosen] + best[2]) < cap * seg.se
        if not inlier.any():
            break
        trial = at(float(np.sum(w[inlier] * (levels[chosen] - seg.log2)[inlier]) / w[inlier].sum()))
        if trial[0] <= best[0] + 1e-12:
            break
        best = trial
    return best


def _pcn(tf: float, copies: np.ndarray) -> np.ndarray:
    """Plasma copy number of tumour states ``copies`` at ``tf`` (floored for log2)."""
    return np.maximum(tf * copies + 2.0 * (1.0 - tf), MIN_PCN)


def _profile(
    seg: _Segments, tfs: np.ndarray, priors: np.ndarray, cap: float
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Profile log-likelihood at each TF of ``tfs``, and the states and offset there."""
    copies = np.arange(priors.shape[1], dtype=float)
    profile, best_offsets = np.empty(len(tfs)), np.empty(len(tfs))
    states_at: list[np.ndarray] = []
    for i, tf in enumerate(tfs):
        levels = np.log2(_pcn(float(tf), copies))
        offsets = _offsets(float(tf), len(copies) - 1)
        ll, _ = _loglik(_densities(seg, levels, offsets, cap), priors)
        j = int(np.argmax(ll))
        profile[i], states, best_offsets[i] = _refine(seg, levels, float(offsets[j]), priors, cap)
        states_at.append(states)
    return profile, states_at, best_offsets


def _fit(seg: _Segments, params: TumourFractionParams) -> _Fit:
    """Profile likelihood over the TF grid, refined in :data:`FINE_STEP` steps around its
    best point; the likelihood-ratio statistic against TF 0."""
    priors = _priors(params)
    coarse, states, offsets = _profile(seg, TF_GRID, priors, params.outlier_z)
    i = int(np.argmax(coarse))
    lo, hi = TF_GRID[max(i - 1, 1)], TF_GRID[min(i + 1, len(TF_GRID) - 1)]
    fine_tfs = np.arange(lo, hi + FINE_STEP / 2, FINE_STEP) if i > 0 else np.zeros(0)
    more, more_states, more_offsets = _profile(seg, fine_tfs, priors, params.outlier_z)
    tfs = np.concatenate([TF_GRID, fine_tfs])
    order = np.argsort(tfs, kind="stable")
    profile = np.concatenate([coarse, more])[order]
    every, where = states + more_states, np.concatenate([offsets, more_offsets])
    best = int(np.argmax(profile))
    lr = float(max(2.0 * (profile[best] - coarse[0]), 0.0))
    return _Fit(tfs[order], profile, best, every[order[best]], float(where[order[best]]), lr)


def _residual_systematic(seg: _Segments, fit: _Fit, params: TumourFractionParams) -> float:
    """Segment-level error beyond noise that the best fit leaves (log2): method of moments
    over segments within ``outlier_z`` SE of their state, two fitted parameters (TF and
    offset). Segments that merge an event with its neighbour, or subclonal events, sit
    between states; allowing for them widens the interval instead of narrowing it."""
    level = np.log2(_pcn(fit.tf, fit.states.astype(float))) - fit.offset
    resid = seg.log2 - level
    inlier = np.abs(resid) < params.outlier_z * seg.se
    dof = int(inlier.sum()) - 2
    if dof < 1:
        return 0.0
    excess = float(np.sum(resid[inlier] ** 2 - seg.noise[inlier] ** 2)) / dof
    return math.sqrt(max(excess, 0.0))


def _interval(fit: _Fit) -> tuple[float, float]:
    """95% profile-likelihood interval of TF: where the deviance crosses the chi-square
    quantile, interpolated linearly between grid points."""
    dev = 2.0 * (fit.profile[fit.best] - fit.profile)
    inside = np.flatnonzero(dev <= CHI2_1_95)
    bounds = []
    for edge, outer in ((inside.min(), inside.min() - 1), (inside.max(), inside.max() + 1)):
        if outer < 0 or outer >= len(dev):
            bounds.append(float(fit.tfs[edge]))
            continue
        frac = (CHI2_1_95 - dev[edge]) / (dev[outer] - dev[edge])
        bounds.append(float(fit.tfs[edge] + frac * (fit.tfs[outer] - fit.tfs[edge])))
    return bounds[0], bounds[1]


def systematic_from_normals(
    normals: Iterable[pd.DataFrame], params: TumourFractionParams | None = None
) -> float:
    """Segment-level systematic sd (log2) of a panel of normals, never below the floor.

    Each normal (its bins measured against a reference without it) is segmented as
    :func:`estimate` would (:func:`segment_profile`); its segments' deviations from its
    median level, beyond the noise their sizes explain, are pooled by
    :func:`cfdna_erbb2.erbb2.systematic_sd` (method of moments, outliers left out). A
    normal's chromosome-level scatter is what a tumour fraction fit would otherwise read
    as copy-number states. (:func:`normal_deviations` and :func:`pooled_systematic` are the
    two halves, for a caller that pools the same normals several ways.)
    """
    params = params or TumourFractionParams()
    return pooled_systematic((normal_deviations(bins, params) for bins in normals), params)


def normal_deviations(
    bins: pd.DataFrame, params: TumourFractionParams | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """One normal's segment deviations from its median level and their noise (both log2),
    or None when it has too few usable bins or segments to contribute."""
    params = params or TumourFractionParams()
    usable = _fit_bins(bins)
    if len(usable) < params.min_fit_bins:
        return None
    seg = _segment_values(usable, segment_profile(usable, params), params)
    if len(seg.log2) < 2:
        return None
    return seg.log2 - _weighted_median(seg.log2, 1.0 / seg.noise**2), seg.noise


def pooled_systematic(
    deviations: Iterable[tuple[np.ndarray, np.ndarray] | None],
    params: TumourFractionParams | None = None,
) -> float:
    """:func:`systematic_from_normals` from the normals' :func:`normal_deviations`."""
    params = params or TumourFractionParams()
    kept = [d for d in deviations if d is not None]
    if not kept:
        return params.systematic_sd
    values = np.concatenate([v for v, _ in kept])
    noises = np.concatenate([n for _, n in kept])
    return systematic_sd(values, noises, params.systematic_sd)


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, cum[-1] / 2.0)])


# ---- the estimate -------------------------------------------------------------------------------


def not_evaluable(params: TumourFractionParams, why: str, used: int = 0) -> TumourFractionEstimate:
    """The estimate of a sample that cannot be fitted: every value NaN, ``why`` in words."""
    nan = math.nan
    return TumourFractionEstimate(
        nan, nan, nan, nan, nan, False, False, params.tf_floor, nan, nan, nan, used, 0, nan,
        "not evaluable: " + why,
    )  # fmt: skip


def _reason(
    params: TumourFractionParams, fit: _Fit, tf: float, ci: tuple[float, float], changed: str
) -> tuple[bool, str]:
    """Whether the fit counts as detected, and why in words."""
    head = f"LR {fit.lr:.1f}"
    if fit.lr < params.lr_min:
        return False, (
            f"not detected: too few copy-number changes beyond noise to estimate TF ({head} < "
            f"{params.lr_min:g}): TF below the floor {params.tf_floor:g} or a tumour without "
            "copy-number changes"
        )
    if tf < params.tf_floor:
        return False, (
            f"not detected: best fit TF {tf:.3f} below the floor {params.tf_floor:g} ({head})"
        )
    return True, (
        f"detected: TF {tf:.3f} (95% CI {ci[0]:.3f}-{ci[1]:.3f}), {changed}; {head} >= "
        f"{params.lr_min:g}"
    )


def _fit_segments(
    bins: pd.DataFrame,
    segments: pd.DataFrame | None,
    exclude: tuple[str, int, int] | None,
    params: TumourFractionParams,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The bins the fit uses and their segments. The excluded zone is found on the given
    segments (else on the module's segmentation of every bin, amplicon included), and the
    kept bins are segmented without it, so nothing inside the zone can move the fit."""
    usable = _fit_bins(bins)
    given = segments if segments is not None and len(segments) else None
    outline = given if given is not None else segment_profile(usable, params)
    kept = _drop_zones(usable, _excluded_zones(outline, exclude, params))
    return kept, segment_profile(kept, params, given)


def _fit_systematic(
    seg: _Segments, systematic: float | None, params: TumourFractionParams
) -> tuple[_Fit, float]:
    """The fit at the panel's systematic sd (or the floor), repeated at the one its
    residuals show when that is clearly larger."""
    sd = max(params.systematic_sd, systematic or 0.0)
    fit = _fit(seg.with_systematic(sd), params)
    residual_sd = _residual_systematic(seg.with_systematic(sd), fit, params)
    if residual_sd > RESIDUAL_REFIT_RATIO * sd:
        sd = residual_sd
        fit = _fit(seg.with_systematic(sd), params)
    return fit, sd


def estimate(
    bins: pd.DataFrame,
    segments: pd.DataFrame | None = None,
    *,
    exclude: tuple[str, int, int] | None = None,
    systematic: float | None = None,
    params: TumourFractionParams | None = None,
) -> TumourFractionEstimate:
    """Tumour fraction of one sample from its CNVkit bins (and CBS segments, if any).

    ``bins``/``segments`` as :func:`cfdna_erbb2.cnvio.read_bins` / ``read_segments`` return
    them (segments are refined by :func:`segment_profile`; without them the bins are
    segmented from scratch). ``exclude``: (chromosome, start, end) in bp left out of the
    fit with ``params.exclude_margin_bp`` on each side (the ERBB2 locus or amplicon).
    ``systematic``: the segment-level systematic sd (log2) of the panel of normals
    (:func:`systematic_from_normals`); ``params.systematic_sd`` is its floor.
    """
    params = params or TumourFractionParams()
    kept, segments = _fit_segments(bins, segments, exclude, params)
    if len(kept) < params.min_fit_bins:
        return not_evaluable(
            params, f"{len(kept)} usable autosomal bins outside the excluded locus", 0
        )
    seg = _segment_values(kept, segments, params)
    if len(seg.log2) == 0 or not np.isfinite(seg.se).all():
        return not_evaluable(
            params,
            f"no segment of at least {params.min_segment_bins} bins covering "
            f"{params.min_segment_bp} bp with a measurable noise (a targeted panel's short "
            "bins cannot show broad copy-number states)",
        )
    fit, sd = _fit_systematic(seg, systematic, params)
    ci = _interval(fit)
    changed = fit.states != 2
    share = float(seg.bp[changed].sum() / seg.bp.sum())
    ploidy = float(np.sum(fit.states * seg.bp) / seg.bp.sum())
    words = (
        f"ploidy {ploidy:.2f}, {int(changed.sum())} of {len(seg.log2)} segments "
        f"({100 * share:.0f}% of the fitted bp) off 2 copies"
    )
    detected, reason = _reason(params, fit, fit.tf, ci, words)
    nan = math.nan
    return TumourFractionEstimate(
        tumour_fraction=fit.tf if detected else nan,
        tf_low=ci[0] if detected else nan,
        tf_high=ci[1],
        tumour_ploidy=ploidy if detected else nan,
        centre_pcn=2.0**fit.offset if detected else nan,
        detected=detected,
        evaluable=True,
        tf_floor=params.tf_floor,
        tf_fit=fit.tf,
        lr=fit.lr,
        systematic_sd=sd,
        segments_used=len(seg.log2),
        segments_changed=int(changed.sum()),
        changed_fraction=share,
        reason=reason,
    )


def locus_tumour_copies(log2: float, se_log2: float, tf: TumourFractionEstimate) -> TumourCopies:
    """Tumour copies at a locus from its log2 ratio (and standard error, log2) in the same
    sample, with the sample's TF estimate (NaN unless detected).

    The plasma copy number is ``centre_pcn * 2**log2``, not ``2 * 2**log2``: CNVkit centres
    log2 on the median bin, which in a tumour with many gains or losses is not at 2 copies.
    """
    pcn = tf.centre_pcn * 2.0**log2
    return tumour_copies(pcn, pcn * math.log(2.0) * se_log2, tf.tumour_fraction,
                         tf.tf_low, tf.tf_high)  # fmt: skip
