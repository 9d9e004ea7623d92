"""The bin size follows the depth of the samples that set it, never a failed library's."""

from __future__ import annotations

import pytest

from cfdna_erbb2.bins import choose_bin_size

AUTO = {"size": "auto", "reads_per_bin": 300, "min_size": 5_000, "max_size": 1_000_000}


def test_fixed_size_is_used_as_given() -> None:
    assert choose_bin_size({**AUTO, "size": 50_000}, [1, 2], 10**8) == (50_000, "set in config")


def test_auto_size_is_300_pairs_per_bin_at_the_median_depth() -> None:
    size, how = choose_bin_size(AUTO, [1_000_000, 2_000_000, 3_000_000], 100_000_000)
    assert size == 300 * 100_000_000 // 2_000_000
    assert "median of 3 samples" in how


@pytest.mark.parametrize("failed", [0, 5, 9_999])
def test_a_failed_library_does_not_set_the_bin_size(failed: int) -> None:
    good = [1_000_000, 2_000_000, 3_000_000, 4_000_000]
    alone = choose_bin_size(AUTO, good, 100_000_000, min_read_pairs=10_000)
    with_failed = choose_bin_size(AUTO, [*good, failed], 100_000_000, min_read_pairs=10_000)
    assert with_failed == alone
    assert "median of 4 samples" in with_failed[1]


def test_all_failed_still_gives_a_size() -> None:
    size, _ = choose_bin_size(AUTO, [100, 200], 100_000_000, min_read_pairs=10_000)
    assert size == AUTO["max_size"]
