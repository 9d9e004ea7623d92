"""The tumour-informed tumour fraction of an on-treatment draw (cfdna_erbb2.tf_informed): the
draw measured on its baseline's fitted copy-number states, checked against known truth."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_tumour_fraction import AMPLICON, make_profile

from cfdna_erbb2.tf_informed import INFORMED_LR_MIN, MAX_OVERDISPERSION, informed_estimate

#: One tumour (broad events from seed 9, 20 ERBB2 copies), its baseline at TF 20%.
TUMOUR = 9


def baseline(tf: float = 0.2) -> pd.DataFrame:
    bins, _ = make_profile(tf, n_bins=6000, seed=101, tumour_seed=TUMOUR, erbb2_copies=20.0)
    return bins


@pytest.fixture(scope="module")
def base_bins() -> pd.DataFrame:
    return baseline()


@pytest.mark.parametrize("tf", [0.005, 0.01, 0.03, 0.1, 0.25])
def test_later_draws_of_the_same_tumour_are_measured_with_the_truth_in_the_interval(
    base_bins: pd.DataFrame, tf: float
) -> None:
    draw, _ = make_profile(tf, n_bins=6000, seed=7, tumour_seed=TUMOUR, erbb2_copies=20.0)
    est = informed_estimate(draw, base_bins, None, exclude=AMPLICON)
    assert est.tf_informed_low <= tf <= est.tf_informed_high, est.reason
    assert est.tf_informed == pytest.approx(tf, abs=max(0.3 * tf, 0.004))
    # The ratio to the baseline (20%), free of the baseline's own TF error.
    assert est.tf_ratio_low <= tf / 0.2 <= est.tf_ratio_high, est.reason
    assert est.tf_ratio_high < 1 or tf == 0.25
    # Far below the genome-wide fit's floor (3%), 1% is still detected on known states.
    assert est.tf_informed_detected == (tf >= 0.01), est.reason


@pytest.mark.parametrize("seed", range(6))
def test_a_draw_without_tumour_dna_is_not_detected_and_has_a_small_upper_limit(
    base_bins: pd.DataFrame, seed: int
) -> None:
    draw, _ = make_profile(0.0, n_bins=6000, seed=200 + seed, tumour_seed=TUMOUR)
    est = informed_estimate(draw, base_bins, None, exclude=AMPLICON)
    assert not est.tf_informed_detected and est.lr < INFORMED_LR_MIN
    assert est.tf_informed_low == 0.0 and est.tf_informed_high < 0.01


def test_another_tumour_is_refused_rather_than_read_as_no_tumour(base_bins: pd.DataFrame) -> None:
    """A draw whose broad pattern is not the baseline's (another tumour, a sample swap) must
    not come out as 'TF near 0': that would claim the tumour shrank."""
    draw, _ = make_profile(0.2, n_bins=6000, seed=7, tumour_seed=3, erbb2_copies=20.0)
    est = informed_estimate(draw, base_bins, None, exclude=AMPLICON)
    assert math.isnan(est.tf_informed) and not est.tf_informed_detected
    assert f"> {MAX_OVERDISPERSION:g}" in est.reason


def test_no_informed_value_without_a_detected_baseline() -> None:
    flat, _ = make_profile(0.0, n_bins=6000, seed=5, tumour_seed=TUMOUR)
    draw, _ = make_profile(0.2, n_bins=6000, seed=7, tumour_seed=TUMOUR)
    est = informed_estimate(draw, flat, None, exclude=AMPLICON)
    assert math.isnan(est.tf_informed_high)
    assert est.reason == "the baseline's tumour fraction was not detected"


def test_the_amplicon_does_not_count(base_bins: pd.DataFrame) -> None:
    """Clone loss: same TF, amplicon gone; the informed TF is the same with or without it."""
    kept, _ = make_profile(0.2, n_bins=6000, seed=7, tumour_seed=TUMOUR, erbb2_copies=20.0)
    lost, _ = make_profile(0.2, n_bins=6000, seed=7, tumour_seed=TUMOUR, erbb2_copies=None)
    a = informed_estimate(kept, base_bins, None, exclude=AMPLICON)
    b = informed_estimate(lost, base_bins, None, exclude=AMPLICON)
    assert a.tf_informed == pytest.approx(b.tf_informed, abs=1e-9)
