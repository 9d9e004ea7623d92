"""The bin size follows the depth of the samples that set it, never a failed library's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
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


# --- contigs and excluded regions (issue 12) ------------------------------------------------


def _access_and_genes(tmp_path: Path, names: dict[str, str]) -> tuple[Path, Path]:
    """Accessible regions on 17, an alt copy, chrM and 1; ERBB2 on 17 and on the alt."""
    access = tmp_path / "access.bed"
    access.write_text(
        f"{names['1']}\t0\t3000000\n{names['17']}\t0\t6000000\n"
        f"{names['alt']}\t0\t500000\n{names['M']}\t0\t16569\n"
    )
    refflat = tmp_path / "genes.refFlat"
    refflat.write_text(
        "".join(
            "\t".join(["ERBB2", "NM_004448", names[c], "+", *map(str, (s, e, s, e, 1))])
            + f"\t{s},\t{e},\n"
            for c, s, e in (("17", 3_000_000, 3_040_000), ("alt", 200_000, 240_000))
        )
    )
    return access, refflat


# CNVkit's target splitting (skgenome, bioframe) warns about future pandas; not ours to fix.
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore:.*:pandas.errors.Pandas4Warning")
@pytest.mark.parametrize(
    "names",
    [
        {"1": "chr1", "17": "chr17", "alt": "chr17_KI270909v1_alt", "M": "chrM"},
        {"1": "1", "17": "17", "alt": "KI270909.1", "M": "MT"},
    ],
)
def test_bins_only_on_chosen_contigs_and_outside_excluded_regions(
    tmp_path: Path, names: dict[str, str]
) -> None:
    from cfdna_erbb2.bins import read_exclusions, write_target_bins
    from cfdna_erbb2.contigs import choose_contigs

    access, refflat = _access_and_genes(tmp_path, names)
    blacklist = tmp_path / "blacklist.bed"
    blacklist.write_text("chr1\t1000000\t2000000\tHigh Signal Region\n")  # UCSC names always
    chosen = choose_contigs([names[c] for c in ("1", "17", "M", "alt")]).chosen
    exclude = read_exclusions([blacklist], chosen)
    out = tmp_path / "bins.bed"
    labels = write_target_bins(access, refflat, 100_000, out, chosen, exclude)
    bins = pd.read_csv(
        out, sep="\t", header=None, names=["chrom", "start", "end", "gene"], dtype={"chrom": str}
    )
    assert set(bins["chrom"]) == {names["1"], names["17"]}
    on_1 = bins[bins["chrom"] == names["1"]]
    assert not ((on_1["start"] < 2_000_000) & (on_1["end"] > 1_000_000)).any()
    erbb2 = bins[[("ERBB2" in str(g)) for g in labels]]
    assert set(erbb2["chrom"]) == {names["17"]}


def test_subtract_regions_splits_and_trims() -> None:
    from cfdna_erbb2.bins import subtract_regions

    regions = pd.DataFrame(
        {"chromosome": ["1", "1", "2"], "start": [0, 500, 0], "end": [100, 600, 50]}
    )
    cut = pd.DataFrame({"chromosome": ["1", "1", "3"], "start": [10, 550, 0], "end": [20, 700, 9]})
    out = subtract_regions(regions, cut)
    assert list(out.itertuples(index=False, name=None)) == [
        ("1", 0, 10), ("1", 20, 100), ("1", 500, 550), ("2", 0, 50),
    ]  # fmt: skip
