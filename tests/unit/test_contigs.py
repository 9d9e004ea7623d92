"""Copy number is measured on the primary chromosomes of any naming style (issue 12)."""

from __future__ import annotations

import pytest

from cfdna_erbb2.contigs import autosomes, choose_contigs, is_primary

UCSC = [
    *(f"chr{i}" for i in range(1, 23)), "chrX", "chrY", "chrM",
    "chr1_KI270706v1_random", "chrUn_KI270742v1", "chr17_KI270909v1_alt",
    "chr17_KI270857v1_alt", "chr1_KN196472v1_fix", "chrEBV", "HLA-A*01:01:01:01",
    "chrUn_JTFH01000001v1_decoy",
]  # fmt: skip
ENSEMBL = [
    *(str(i) for i in range(1, 23)), "X", "Y", "MT", "KI270706.1", "KI270742.1",
    "KI270909.1", "GL000251.2",
]  # fmt: skip
GRCH37_HS37D5 = [
    *(str(i) for i in range(1, 23)),
    "X",
    "Y",
    "MT",
    "GL000192.1",
    "NC_007605",
    "hs37d5",
]
SYNTHETIC = ["chr1", "chr2", "chr8", "chr17", "chr20"]


@pytest.mark.parametrize("contigs", [UCSC, ENSEMBL, GRCH37_HS37D5])
def test_auto_keeps_exactly_1_22_x_y(contigs: list[str]) -> None:
    choice = choose_contigs(contigs)
    assert len(choice.chosen) == 24
    assert all(is_primary(c) for c in choice.chosen)
    assert set(choice.chosen) | set(choice.left_out) == set(contigs)
    assert choice.chosen == tuple(c for c in contigs if c in choice.chosen)  # .fai order


def test_left_out_is_listed_for_the_log() -> None:
    choice = choose_contigs(UCSC)
    assert "chrM" in choice.left_out and "chr17_KI270909v1_alt" in choice.left_out
    assert "left out 9:" in choice.summary()


def test_synthetic_names_keep_every_contig() -> None:
    assert choose_contigs(SYNTHETIC).chosen == tuple(SYNTHETIC)


def test_non_human_names_drop_only_recognisable_extras() -> None:
    contigs = ["ctgA", "ctgB", "chrM", "ctgA_alt", "chrUn_x"]
    assert choose_contigs(contigs).chosen == ("ctgA", "ctgB")


def test_explicit_list_in_reference_order() -> None:
    assert choose_contigs(UCSC, ["chr17", "chr1"]).chosen == ("chr1", "chr17")


def test_explicit_list_names_missing_contigs() -> None:
    with pytest.raises(ValueError, match="chr17 "):
        choose_contigs(ENSEMBL, ["chr17 "])
    with pytest.raises(ValueError, match="neither 'auto'"):
        choose_contigs(ENSEMBL, "primary")


def test_autosomes() -> None:
    assert autosomes(["chr1", "chrX", "chrY", "17", "X"]) == ["chr1", "17"]
