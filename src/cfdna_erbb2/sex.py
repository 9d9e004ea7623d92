"""Each sample's sex, inferred from its X and Y read depth.

Women carry two X chromosomes and no Y; men one X and one Y. Relative to the autosomes'
read depth (bins' ``depth``, reads per bp, as CNVkit writes it in .cnn and .cnr files):

- ``x_ratio`` = median depth of chrX bins / median depth of autosomal bins: about 1 for XX,
  0.5 for XY;
- ``y_ratio`` = the same for chrY: about 0 for XX (a few mismapped reads), about 0.5 for XY
  where chrY is mappable.

The call rests on Y, which a tumour's copy-number changes cannot create: ``male`` when
``y_ratio >= MALE_Y_RATIO``, ``female`` when ``y_ratio <= FEMALE_Y_RATIO``. Without Y bins
(a reference without chrY, or Y bins CNVkit masked against a reference with little Y), X
alone decides when it is clearly one copy or two. Where X and Y
disagree (Y present with two X, or no Y with one X), or Y lies between the two limits, the
sex is ``ambiguous``; ``unknown`` when the reference has no X or Y bins with reads. Raw depth
is used, not log2 ratios, so the inference does not depend on the panel of normals' own sex
mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .contigs import SEX_CHROMOSOMES

#: chrY depth relative to autosomes at or above which a sample is male. A man's chrY gives
#: about 0.5 where mappable; its many repeats lower the median, rarely below 0.3.
MALE_Y_RATIO = 0.2
#: ... at or below which a sample is female (mismapped reads from X-transposed regions give
#: women a few percent).
FEMALE_Y_RATIO = 0.1
#: chrX depth ratio separating one X (0.5) from two (1.0); used to flag disagreement.
X_RATIO_SPLIT = 0.75
#: Without Y, X alone decides only this far from X_RATIO_SPLIT (one X: 0.5, two: 1.0).
X_ONLY_MARGIN = 0.1
#: Fewest X (or Y) bins needed to say anything.
MIN_SEX_BINS = 3

SEXES = ("female", "male", "ambiguous", "unknown")


@dataclass(frozen=True)
class SexCall:
    """A sample's inferred sex and the depth ratios it rests on."""

    sex: str
    x_ratio: float
    y_ratio: float


def _ratio(depth: np.ndarray, chrom: np.ndarray, names: set[str], autosomal: float) -> float:
    values = depth[np.isin(chrom, list(names))]
    if values.size < MIN_SEX_BINS or not autosomal > 0:
        return math.nan
    return float(np.median(values)) / autosomal


def infer_sex(bins: pd.DataFrame) -> SexCall:
    """The sex of one sample from its bins (columns chromosome, depth)."""
    if "depth" not in bins.columns:
        return SexCall("unknown", math.nan, math.nan)
    chrom = bins["chromosome"].astype(str).to_numpy()
    depth = pd.to_numeric(bins["depth"], errors="coerce").fillna(0.0).to_numpy()
    autosomal_depth = depth[~np.isin(chrom, list(SEX_CHROMOSOMES)) & (depth > 0)]
    autosomal = float(np.median(autosomal_depth)) if autosomal_depth.size else math.nan
    x = _ratio(depth, chrom, {"chrX", "X"}, autosomal)
    y = _ratio(depth, chrom, {"chrY", "Y"}, autosomal)
    return SexCall(classify_sex(x, y), x, y)


def classify_sex(x_ratio: float, y_ratio: float) -> str:
    """female, male, ambiguous or unknown from the X and Y depth ratios (module docstring)."""
    if math.isnan(y_ratio):
        # No chrY bins to read (a reference without Y, or bins CNVkit dropped against a
        # reference with little Y): X alone, away from the split.
        if math.isnan(x_ratio):
            return "unknown"
        if x_ratio >= X_RATIO_SPLIT + X_ONLY_MARGIN:
            return "female"
        if x_ratio <= X_RATIO_SPLIT - X_ONLY_MARGIN:
            return "male"
        return "ambiguous"
    if y_ratio >= MALE_Y_RATIO:
        one_x = math.isnan(x_ratio) or x_ratio < X_RATIO_SPLIT
        return "male" if one_x else "ambiguous"
    if y_ratio <= FEMALE_Y_RATIO:
        two_x = math.isnan(x_ratio) or x_ratio > X_RATIO_SPLIT
        return "female" if two_x else "ambiguous"
    return "ambiguous"
