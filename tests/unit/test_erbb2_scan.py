"""The amplicon scan of :func:`cfdna_erbb2.erbb2.measure`: it finds an amplicon that CBS did
not segment, measures it over its own bins, and adds no false call on noise or broad gains."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from test_cnvio_erbb2 import AMPLICON, BIN_BP, GENE_BIN, N_BINS, synthetic

from cfdna_erbb2.erbb2 import (
    SCAN_GROWTH,
    Erbb2Params,
    measure,
    scan_thresholds,
    scan_windows,
)

PARAMS = Erbb2Params()
NO_SCAN = replace(PARAMS, scan=False)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_scan_finds_a_faint_amplicon_that_cbs_did_not_segment(seed: int) -> None:
    # 0.35 log2 over 10 bins of sd 0.1: about 3.4 SE on the ERBB2 bin alone (not called),
    # about 9 SE over the amplicon's 10 bins (the scan's raised threshold is ~5.8).
    bins, _ = synthetic(seed, amplicon_log2=0.35)
    plain = measure(bins, None, NO_SCAN, read_pairs=1_000_000)
    assert plain.evaluable and not plain.amplified and plain.locus_source == "gene"
    assert plain.scan_windows == 0
    scanned = measure(bins, None, PARAMS, read_pairs=1_000_000)
    assert scanned.amplified, scanned.reason
    assert scanned.locus_source == "scan"
    assert scanned.reason.startswith("amplified: scan log2")
    assert scanned.scan_windows > 20
    assert scanned.erbb2_z >= scanned.scan_z_min > PARAMS.z_min
    assert scanned.focal_z >= scanned.scan_focal_z_min > PARAMS.focal_z_min
    # The window found is the amplicon, give or take a couple of bins at each end.
    start, end = AMPLICON[0] * BIN_BP, AMPLICON[1] * BIN_BP
    assert abs(scanned.locus_start - start) <= 3 * BIN_BP
    assert abs(scanned.locus_end - end) <= 3 * BIN_BP
    # Its level: the truth within about 4 SE of a 10-bin mean (0.03), window edges aside.
    assert abs(scanned.locus_log2 - 0.35) < 0.12
    # What the gene bins say is reported unchanged beside it.
    assert scanned.erbb2_log2 == plain.erbb2_log2
    assert scanned.lod_pcn == plain.lod_pcn


def test_a_called_segment_is_not_scanned() -> None:
    bins, segments = synthetic(1, amplicon_log2=1.0)
    result = measure(bins, segments, PARAMS, read_pairs=1_000_000)
    assert result.amplified and result.locus_source == "segment"
    assert result.scan_windows == 0


def test_an_inherited_baseline_locus_is_not_scanned() -> None:
    bins, _ = synthetic(1)
    locus = ("chr17", AMPLICON[0] * BIN_BP, AMPLICON[1] * BIN_BP)
    result = measure(bins, None, PARAMS, read_pairs=1_000_000, baseline_locus=locus)
    assert result.locus_source == "baseline" and result.scan_windows == 0


def test_no_false_call_on_noise_or_whole_arm_gains() -> None:
    # 120 null profiles without CBS segments (the scan runs on every one): pure noise, and a
    # gain from ERBB2 to the end of chr17 (z far above threshold: only focality stops it).
    calls = []
    for seed in range(60):
        for arm in (0.0, 0.4):
            bins, _ = synthetic(1000 + seed, arm_log2=arm)
            result = measure(bins, None, PARAMS, read_pairs=1_000_000)
            assert result.evaluable
            calls.append(result.amplified)
            assert result.scan_windows > 0
    assert not any(calls)


def test_thresholds_keep_one_tests_tail_probability() -> None:
    z, focal = scan_thresholds(PARAMS, 100)
    assert norm.sf(z) * 100 == pytest.approx(norm.sf(PARAMS.z_min))
    assert norm.sf(focal) * 100 == pytest.approx(norm.sf(PARAMS.focal_z_min))
    assert scan_thresholds(PARAMS, 1) == (PARAMS.z_min, PARAMS.focal_z_min)
    assert scan_thresholds(PARAMS, 400)[0] > z


def _grid(max_bins: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, int]]]:
    starts = np.arange(N_BINS) * BIN_BP
    ends = starts + BIN_BP
    gene = np.array([GENE_BIN])
    return starts, ends, gene, scan_windows(starts, ends, gene, max_bins * BIN_BP)


def test_every_window_contains_the_gene_and_fits() -> None:
    starts, ends, _, windows = _grid()
    assert windows and len(set(windows)) == len(windows)
    for i, j in windows:
        assert i <= GENE_BIN < j
        assert i >= 1 and j <= N_BINS - 1
        assert ends[j - 1] - starts[i] <= 40 * BIN_BP
    sizes = sorted({j - i for i, j in windows})
    assert sizes[0] == 1 and sizes[-1] <= 40
    assert all(b <= max(a + 1, round(a * SCAN_GROWTH)) for a, b in itertools.pairwise(sizes))


@settings(max_examples=200, deadline=None)
@given(left=st.integers(0, 35), width=st.integers(1, 40))
def test_the_grid_covers_any_amplicon_containing_the_gene(left: int, width: int) -> None:
    """Some window overlaps any amplicon of 1-40 bins containing the gene by at least 75% of
    their union: the scan measures a faint amplicon over (nearly) its own bins."""
    a = GENE_BIN - min(left, width - 1)
    b = a + width
    _, _, _, windows = _grid()
    best = max(
        (min(b, j) - max(a, i)) / (max(b, j) - min(a, i)) for i, j in windows if i < b and j > a
    )
    assert best >= 0.75, (a, b)


def test_reasons_never_print_a_signed_zero() -> None:
    # ERBB2 a hair below diploid: its log2 and z round to zero, and print unsigned.
    bins, _ = synthetic(1)
    bins.loc[bins["gene"] == "ERBB2", "log2"] = -0.0001
    result = measure(bins, None, PARAMS, read_pairs=1_000_000)
    assert "gene log2 0.000 is 0.0 SE above diploid" in result.reason, result.reason
    assert "-0.0" not in result.reason
