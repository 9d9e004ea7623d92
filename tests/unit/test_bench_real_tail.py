"""benchmarks/bench_real_tail.py scores bins as the call's error model does: on normal noise
its z is a standard normal with no 5-SE bin, and one donor's deviation at one bin is found
there whatever the panel's size."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_real_tail import load_donors, panel_systematic, z_scores

from cfdna_erbb2.erbb2 import MIN_PANEL_FOR_SYSTEMATIC

#: Bins and donors of the synthetic panel (the real data: 1,309 bins, 26 donors).
BINS, DONORS, NOISE = 600, 20, 0.07


def _synthetic(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, NOISE, (BINS, DONORS))
    chroms = np.repeat(np.arange(1, 7).astype(str), BINS // 6)
    return values, chroms


def test_normal_noise_gives_standard_normal_z() -> None:
    """With 3 normals z is standard normal; from 5 on, the panel's per-bin systematic
    estimate (never below 0) can only widen the error, so z is a little narrower."""
    values, chroms = _synthetic()
    for k, (low, high) in ((3, (0.95, 1.05)), (5, (0.85, 1.0))):
        z, _ = z_scores(values, chroms, k, draws=60, floor=0.0, seed=1)
        assert low < z.std() < high, k
        assert np.mean(z > 3) < 3e-3  # normal: 1.3e-3
        assert z.max() < 5


def test_one_donors_deviation_is_in_the_tail_at_every_panel_size() -> None:
    values, chroms = _synthetic()
    values[100, 0] += 0.6  # one donor, one bin: a one-copy gain (log2 1.5 = 0.58)
    for k in (3, 5, 10):
        z, where = z_scores(values, chroms, k, draws=200, floor=0.02, seed=2)
        assert set(where[z > 5]) == {100}, k


def test_systematic_sd_is_the_floor_below_five_normals_and_estimated_from_five() -> None:
    values, chroms = _synthetic()
    same = chroms[1:] == chroms[:-1]
    small = panel_systematic(values[:, : MIN_PANEL_FOR_SYSTEMATIC - 1], same, 0.02)
    assert np.all(small == 0.02)
    values[50, :6] += np.array([0.3, -0.3, 0.3, -0.3, 0.3, -0.3])  # a bin the normals disagree on
    estimated = panel_systematic(values[:, :6], same, 0.02)
    assert estimated[50] > 0.15
    assert np.median(estimated) == 0.02


def test_real_donors_load() -> None:
    values, chroms = load_donors()
    assert values.shape[1] == 26 and values.shape[0] > 1_000
    assert np.isfinite(values).all() and not {"X", "Y"} & set(chroms)
