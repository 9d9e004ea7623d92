"""benchmarks/bench_scan_tail.py's exact scan tail (ALOE) agrees with plain Monte Carlo where
plain Monte Carlo can measure it, and never exceeds the Bonferroni sum."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from bench_scan_tail import union_tail

from cfdna_erbb2.erbb2 import scan_windows


@pytest.mark.parametrize("u", [2.5, 3.0])
def test_aloe_matches_plain_monte_carlo(u: float) -> None:
    n = 60
    starts = np.arange(n) * 50_000
    windows = scan_windows(starts, starts + 50_000, np.array([30]), 10_000_000)
    rng = np.random.default_rng(2)
    bins = rng.standard_normal((100_000, n))
    cum = np.concatenate([np.zeros((len(bins), 1)), np.cumsum(bins, axis=1)], axis=1)
    first = np.array([w[0] for w in windows])
    last = np.array([w[1] for w in windows])
    z = (cum[:, last] - cum[:, first]) / np.sqrt(last - first)
    plain = float((z.max(axis=1) > u).mean())  # about 3,000-12,000 hits: 2-4% error
    exact = union_tail(windows, n, u, 4000, 1)
    assert exact == pytest.approx(plain, rel=0.1)
    assert exact < len(windows) * norm.sf(u)
