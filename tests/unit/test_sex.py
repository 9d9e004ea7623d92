"""Sex from X and Y read depth (issue 12): women XX, men XY, honest when unclear."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cfdna_erbb2.sex import classify_sex, infer_sex


def bins(x_copies: float, y_copies: float, seed: int = 1, ucsc: bool = True) -> pd.DataFrame:
    """Bins of 1, 17, X, Y with Poisson depth for the given copies (2 = diploid)."""
    rng = np.random.default_rng(seed)
    rows = []
    for chrom, copies, n in (
        ("1", 2, 200),
        ("17", 2, 100),
        ("X", x_copies, 60),
        ("Y", y_copies, 20),
    ):
        name = f"chr{chrom}" if ucsc else chrom
        depth = rng.poisson(300 * copies / 2, n) / 1000.0
        rows.append(pd.DataFrame({"chromosome": name, "depth": depth}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("ucsc", [True, False])
@pytest.mark.parametrize(("x", "y", "sex"), [(2, 0, "female"), (1, 1, "male"), (2, 0.04, "female")])
def test_infer_sex(x: float, y: float, sex: str, ucsc: bool) -> None:
    call = infer_sex(bins(x, y, ucsc=ucsc))
    assert call.sex == sex
    assert call.x_ratio == pytest.approx(x / 2, abs=0.05)


def test_a_tumour_losing_x_does_not_make_a_woman_male() -> None:
    # TF 60% with one X copy in the tumour: plasma X = 0.6*1 + 0.4*2 = 1.4 copies.
    assert infer_sex(bins(1.4, 0)).sex in ("female", "ambiguous")
    assert infer_sex(bins(1.4, 0)).sex != "male"


def test_disagreeing_x_and_y_are_ambiguous() -> None:
    assert infer_sex(bins(2, 1)).sex == "ambiguous"  # XXY, or a male contaminant
    assert classify_sex(0.5, 0.0) == "ambiguous"
    assert classify_sex(1.0, 0.15) == "ambiguous"


def test_without_sex_chromosomes_or_depth() -> None:
    only_autosomes = bins(2, 0)
    only_autosomes = only_autosomes[~only_autosomes["chromosome"].isin(["chrX", "chrY"])]
    call = infer_sex(only_autosomes)
    assert call.sex == "unknown" and math.isnan(call.x_ratio)
    assert infer_sex(bins(2, 0).drop(columns="depth")).sex == "unknown"
    # A reference without chrY (or Y bins masked): X alone, when clearly one copy or two.
    no_y = bins(2, 0)
    assert infer_sex(no_y[no_y["chromosome"] != "chrY"]).sex == "female"
    man = bins(1, 1)
    assert infer_sex(man[man["chromosome"] != "chrY"]).sex == "male"
    assert classify_sex(0.75, math.nan) == "ambiguous"
