"""Tumour-informed tumour fraction of an on-treatment draw, on its baseline's copy-number states.

When a patient's baseline draw has a detected tumour fraction
(:func:`cfdna_erbb2.tumour_fraction.estimate`), its fitted segments and their tumour copy
states are a map of where this tumour's DNA raises or lowers coverage. A later draw of the
same tumour shows the same pattern scaled by its own tumour fraction t: in baseline segment
i (tumour state c_i) its log2 ratio is expected at

    mu(c_i; t) - offset,   mu(c; t) = log2(t*c + 2*(1-t))

with a free centring offset (CNVkit centres each sample on its own median). With the states
fixed, only t and the offset are fitted (a one-parameter test, like the tumour-informed
ERBB2 locus of :mod:`cfdna_erbb2.erbb2`), so t is measured far below the level at which the
draw's own profile could find the states, and its upper limit is informative: a draw whose
baseline states show nothing has t near 0 with a small upper bound. This is what tells "the
tumour shrank" from "the ERBB2 clone was lost" when the amplification has vanished.

The fitted t is on the scale of the baseline's own fit (states and TF are fitted together
there, so an error in the baseline's TF carries into every later t alike). The ratio of the
draw's t to the baseline's, both fitted on the same states, is free of that error; it is what
tells whether TF fell. Definitions (per on-treatment draw; NaN when the baseline's TF was not
detected):

- ``tf_ratio``: the draw's t over the baseline's t (both on the baseline's states; 1: no
  change), with ``tf_ratio_low``/``tf_ratio_high``: the draw's 95% profile-likelihood bounds
  over the baseline's opposite bounds (conservative: both errors counted in full).
- ``tf_informed``: ``tf_ratio`` times the baseline's genome-wide TF (fraction, 0-1; may be
  0), with ``tf_informed_low``/``tf_informed_high``: the ratio's bounds times the baseline
  TF's bounds (the baseline's uncertainty carried through, so that the absolute value does
  not claim more than the baseline's own estimate supports).
- ``tf_informed_detected``: the likelihood-ratio statistic against t = 0, divided by the
  overdispersion below, is at least :data:`INFORMED_LR_MIN`.

The same segments and bins are used as the baseline's fit (the ERBB2 zone left out, only
segments the baseline's fit used). Each segment's standard error is the draw's own noise at
that segment's size with the systematic term (:mod:`cfdna_erbb2.tumour_fraction`).
Assumption: the tumour's broad states persist between draws (truncal events). Where they do
not (an evolving tumour, or a wrong baseline fit), the residuals exceed their errors; the
deviance is then divided by the overdispersion phi = chi-square / degrees of freedom (when
above 1, quasi-likelihood), which widens the interval and lowers the statistic rather than
claim a precise wrong value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .tumour_fraction import (
    FINE_STEP,
    TF_GRID,
    TumourFractionParams,
    _Fit,
    _fit_bins,
    _fit_segments,
    _fit_systematic,
    _interval,
    _pcn,
    _reason,
    _segment_values,
)

#: Likelihood-ratio statistic (1 degree of freedom: t) for a detected informed TF: chi-square
#: p = 0.001. The states are fixed by the baseline, so there is no search over states or
#: changed fractions to pay for (the genome-wide fit's minimum is 20).
INFORMED_LR_MIN = 10.83
#: Fewest baseline segments off 2 copies the draw must cover.
MIN_CHANGED_SEGMENTS = 2
#: Largest overdispersion (chi-square per degree of freedom at the best fit) at which the
#: draw still follows its baseline's states. A draw of the same tumour fits them to noise
#: (about 1; a few segments of subclonal change raise it a little); a tumour whose broad
#: pattern changed, or a sample swap, gives several times that, and then the informed TF
#: (near 0, with a narrow interval) would be a confident wrong answer.
MAX_OVERDISPERSION = 3.0


@dataclass(frozen=True)
class InformedEstimate:
    """One draw's tumour-informed TF (fractions; meanings in the module docstring)."""

    tf_informed: float
    tf_informed_low: float
    tf_informed_high: float
    tf_ratio: float
    tf_ratio_low: float
    tf_ratio_high: float
    tf_informed_detected: bool
    lr: float
    overdispersion: float
    segments_used: int
    reason: str

    def to_row(self) -> dict[str, object]:
        return {
            "tf_informed": self.tf_informed,
            "tf_informed_low": self.tf_informed_low,
            "tf_informed_high": self.tf_informed_high,
            "tf_ratio": self.tf_ratio,
            "tf_ratio_low": self.tf_ratio_low,
            "tf_ratio_high": self.tf_ratio_high,
            "tf_informed_detected": self.tf_informed_detected,
            "tf_informed_reason": self.reason,
        }


def unavailable(why: str) -> InformedEstimate:
    """No informed estimate: every value NaN, ``why`` in words."""
    nan = math.nan
    return InformedEstimate(nan, nan, nan, nan, nan, nan, False, nan, nan, 0, why)


def _profile(
    y: np.ndarray, se: np.ndarray, states: np.ndarray, tfs: np.ndarray, cap: float
) -> tuple[np.ndarray, np.ndarray]:
    """Log-likelihood (residuals capped at ``cap`` SE) and best offset at each TF."""
    w = 1.0 / se**2
    profile, offsets = np.empty(len(tfs)), np.empty(len(tfs))
    for i, tf in enumerate(tfs):
        levels = np.log2(_pcn(float(tf), states))
        offsets[i] = float(np.sum(w * (levels - y)) / w.sum())
        r = (y - levels + offsets[i]) / se
        profile[i] = -0.5 * float(np.sum(np.minimum(r * r, cap * cap)))
    return profile, offsets


def _fit_states(
    y: np.ndarray, se: np.ndarray, states: np.ndarray, cap: float
) -> tuple[_Fit, float]:
    """The profile over the TF grid (refined around its best point), scaled by the
    overdispersion, and that overdispersion."""
    coarse, _ = _profile(y, se, states, TF_GRID, cap)
    i = int(np.argmax(coarse))
    lo, hi = TF_GRID[max(i - 1, 0)], TF_GRID[min(i + 1, len(TF_GRID) - 1)]
    fine = np.arange(lo, hi + FINE_STEP / 2, FINE_STEP)
    more, _ = _profile(y, se, states, fine, cap)
    tfs = np.concatenate([TF_GRID, fine])
    order = np.argsort(tfs, kind="stable")
    tfs, profile = tfs[order], np.concatenate([coarse, more])[order]
    best = int(np.argmax(profile))
    dof = max(len(y) - 2, 1)
    phi = max(1.0, -2.0 * float(profile[best]) / dof)
    profile = profile / phi
    lr = float(max(2.0 * (profile[best] - profile[0]), 0.0))
    return _Fit(tfs, profile, best, states, 0.0, lr), phi


def informed_estimate(
    bins: pd.DataFrame,
    baseline_bins: pd.DataFrame,
    baseline_segments: pd.DataFrame | None,
    *,
    exclude: tuple[str, int, int] | None = None,
    systematic: float | None = None,
    params: TumourFractionParams | None = None,
) -> InformedEstimate:
    """Tumour fraction of a draw (``bins``) on its baseline's fitted copy-number states.

    ``baseline_bins``/``baseline_segments``: the baseline's CNVkit bins and segments;
    ``exclude``, ``systematic`` and ``params`` as :func:`cfdna_erbb2.tumour_fraction.estimate`
    takes them (the baseline's ERBB2 locus; the panel's systematic sd).
    """
    params = params or TumourFractionParams()
    kept_b, segs_b = _fit_segments(baseline_bins, baseline_segments, exclude, params)
    seg_b = _segment_values(kept_b, segs_b, params)
    if len(seg_b.log2) == 0:
        return unavailable("no baseline segments to fit")
    fit_b, sd = _fit_systematic(seg_b, systematic, params)
    if not _reason(params, fit_b, fit_b.tf, (math.nan, math.nan), "")[0]:
        return unavailable("the baseline's tumour fraction was not detected")
    keys = kept_b[["chromosome", "start"]]
    kept_d = _fit_bins(bins).merge(keys, on=["chromosome", "start"], how="inner")
    seg_d = _segment_values(kept_d, segs_b, params).with_systematic(sd)
    common, in_b, in_d = np.intersect1d(seg_b.ids, seg_d.ids, return_indices=True)
    states = fit_b.states[in_b].astype(float)
    if int(np.sum(states != 2)) < MIN_CHANGED_SEGMENTS:
        return unavailable(
            f"the draw covers {int(np.sum(states != 2))} of the baseline's segments off 2 "
            f"copies (< {MIN_CHANGED_SEGMENTS})"
        )
    fit, phi = _fit_states(seg_d.log2[in_d], seg_d.se[in_d], states, params.outlier_z)
    own, _ = _fit_states(
        seg_b.log2[in_b], seg_b.with_systematic(sd).se[in_b], states, params.outlier_z
    )
    if phi > MAX_OVERDISPERSION:
        return unavailable(
            f"the draw does not follow the baseline's copy-number states (overdispersion "
            f"{phi:.1f} > {MAX_OVERDISPERSION:g}): the tumour's broad pattern changed, or the "
            "draws are not from one patient"
        )
    low, high = _interval(fit)
    b_low, b_high = _interval(own)
    if not b_low > 0:
        return unavailable("the baseline's tumour fraction on its own states includes 0")
    ratio = (fit.tf / own.tf, low / b_high, high / b_low)
    g_low, g_high = _interval(fit_b)
    absolute = (ratio[0] * fit_b.tf, ratio[1] * g_low, ratio[2] * g_high)
    detected = fit.lr >= INFORMED_LR_MIN
    words = (
        f"{'detected' if detected else 'not detected'} on the baseline's states: "
        f"{ratio[0]:.2f}x the baseline's TF (95% CI {ratio[1]:.2f}-{ratio[2]:.2f}), TF "
        f"{absolute[0]:.3f} ({absolute[1]:.3f}-{absolute[2]:.3f}); {len(common)} segments "
        f"({int(np.sum(states != 2))} off 2 copies), LR {fit.lr:.1f} "
        f"{'>=' if detected else '<'} {INFORMED_LR_MIN:g}, overdispersion {phi:.2f}"
    )
    return InformedEstimate(*absolute, *ratio, detected, fit.lr, phi, len(common), words)
