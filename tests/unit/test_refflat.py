"""refFlat gene models: transcripts merged into gene spans, a clear error when ERBB2 is absent,
neighbours for the locus plot, and bad coordinates named by line (as an editor counts them)
and field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from cfdna_erbb2.errors import InputError
from cfdna_erbb2.refflat import (
    check_gene,
    check_gene_matches_build,
    genes_near,
    known_build,
    read_refflat,
)

# geneName name chrom strand txStart txEnd (hg38-like coordinates around ERBB2).
TRANSCRIPTS = [
    ("PGAP3", "NM_033419", "chr17", "-", 39_671_115, 39_687_066),
    ("ERBB2", "NM_004448", "chr17", "+", 39_688_093, 39_728_658),
    ("ERBB2", "NM_001005862", "chr17", "+", 39_687_913, 39_727_000),
    ("ERBB2", "NM_001289936", "chr17", "+", 39_699_000, 39_730_426),
    ("GRB7", "NM_005310", "chr17", "+", 39_737_938, 39_747_285),
    ("TOP2A", "NM_001067", "chr17", "-", 40_388_515, 40_417_950),
    ("TP53", "NM_000546", "chr17", "-", 7_661_778, 7_687_538),
    ("DECOY", "NM_999999", "chr1", "+", 39_690_000, 39_700_000),  # same position, other chrom
]


def refflat_line(gene: str, name: str, chrom: str, strand: str, start: object, end: object) -> str:
    return "\t".join(
        map(str, [gene, name, chrom, strand, start, end, start, end, 1, f"{start},", f"{end},"])
    )


def write_refflat(path: Path, transcripts: Sequence[Sequence[object]]) -> Path:
    path.write_text("".join(refflat_line(*map(str, t)) + "\n" for t in transcripts))
    return path


def test_transcripts_merge_into_gene_span(tmp_path: Path) -> None:
    path = tmp_path / "refFlat.txt"
    path.write_text("# a comment line\n" + (write_refflat(path, TRANSCRIPTS).read_text()))
    genes = read_refflat(path)
    assert list(genes.columns[:5]) == ["gene", "chromosome", "start", "end", "strand"]
    assert len(genes) == 6  # three ERBB2 transcripts become one gene
    erbb2 = genes[genes["gene"] == "ERBB2"]
    assert len(erbb2) == 1
    row = erbb2.iloc[0]
    assert (row["chromosome"], row["start"], row["end"], row["strand"]) == (
        "chr17",
        39_687_913,
        39_730_426,
        "+",
    )
    assert genes["start"].dtype == "int64"
    assert genes["end"].dtype == "int64"


def test_check_gene_returns_record(tmp_path: Path) -> None:
    record = check_gene(write_refflat(tmp_path / "refFlat.txt", TRANSCRIPTS), "ERBB2")
    assert (record["chromosome"], record["start"], record["end"]) == (
        "chr17",
        39_687_913,
        39_730_426,
    )


def test_check_gene_absent_names_file_and_field(tmp_path: Path) -> None:
    without = [t for t in TRANSCRIPTS if t[0] != "ERBB2"]
    path = write_refflat(tmp_path / "refFlat.txt", without)
    with pytest.raises(InputError, match="ERBB2") as info:
        check_gene(path, "ERBB2")
    assert info.value.path == str(path)
    assert info.value.field == "geneName"
    assert str(path) in str(info.value)
    with pytest.raises(InputError, match="ERBB2"):
        genes_near(path, "ERBB2")


def test_genes_near_returns_neighbours_within_window(tmp_path: Path) -> None:
    path = write_refflat(tmp_path / "refFlat.txt", TRANSCRIPTS)
    near = genes_near(path, "ERBB2", window_bp=100_000)
    assert sorted(near["name"]) == ["ERBB2", "GRB7", "PGAP3"]
    assert set(near["chromosome"]) == {"chr17"}
    wide = genes_near(path, "ERBB2", window_bp=1_000_000)
    assert sorted(wide["name"]) == ["ERBB2", "GRB7", "PGAP3", "TOP2A"]
    # TOP2A starts 658,089 bp after ERBB2 ends: just inside, just outside.
    assert "TOP2A" in set(genes_near(path, "ERBB2", window_bp=658_100)["name"])
    assert "TOP2A" not in set(genes_near(path, "ERBB2", window_bp=658_000)["name"])
    # The default window (3 Mb) still stops well short of TP53, 32 Mb away.
    assert "TP53" not in set(genes_near(path, "ERBB2")["name"])


@pytest.mark.parametrize(
    ("column", "bad_row", "field"),
    [(4, 3, "start"), (5, 6, "end"), (4, 1, "start")],
)
def test_bad_coordinate_names_line_and_field(
    tmp_path: Path, column: int, bad_row: int, field: str
) -> None:
    transcripts = [list(t) for t in TRANSCRIPTS]
    transcripts[bad_row - 1][column] = "39,688,093"
    path = write_refflat(tmp_path / "refFlat.txt", transcripts)
    with pytest.raises(InputError, match="not an integer") as info:
        read_refflat(path)
    assert (info.value.line, info.value.field) == (bad_row, field)  # no header: row N is line N
    assert info.value.path == str(path)
    assert f"line {bad_row}, field '{field}'" in str(info.value)


@pytest.mark.parametrize(("bad_row", "line"), [(1, 3), (3, 6), (8, 12)])
def test_bad_coordinate_line_counts_comments_and_blank_lines(
    tmp_path: Path, bad_row: int, line: int
) -> None:
    transcripts = [list(t) for t in TRANSCRIPTS]
    transcripts[bad_row - 1][4] = "39,688,093"
    records = [refflat_line(*map(str, t)) for t in transcripts]
    # Lines 1-2 a comment and a blank line; another comment after the second record.
    text = ["# genes around ERBB2", "", *records[:2], "# more", *records[2:5], "", *records[5:]]
    path = tmp_path / "refFlat.txt"
    path.write_text("\n".join(text) + "\n")
    assert text[line - 1] == records[bad_row - 1]  # the expected line, as an editor counts it
    with pytest.raises(InputError, match="not an integer") as info:
        read_refflat(path)
    assert (info.value.line, info.value.field) == (line, "start")


def test_too_many_columns_names_the_line(tmp_path: Path) -> None:
    records = [refflat_line(*map(str, t)) for t in TRANSCRIPTS]
    records[4] += "\textra"
    path = tmp_path / "refFlat.txt"
    path.write_text("# comment\n" + "\n".join(records) + "\n")
    with pytest.raises(InputError, match="12 columns, more than the first line's 11") as info:
        read_refflat(path)
    assert info.value.line == 6


@pytest.mark.parametrize(
    ("content", "phrase"),
    [("", "empty"), ("ERBB2\tNM_004448\tchr17\t+\t1\n", "11 tab-separated columns")],
)
def test_unusable_file(tmp_path: Path, content: str, phrase: str) -> None:
    path = tmp_path / "refFlat.txt"
    path.write_text(content)
    with pytest.raises(InputError, match=phrase):
        read_refflat(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_refflat(tmp_path / "absent.txt")


def _fai(path: Path, chr17_length: int, name: str = "chr17") -> Path:
    path.write_text(f"chr1\t248956422\t6\t60\t61\n{name}\t{chr17_length}\t100\t60\t61\n")
    return path


def _erbb2_refflat(path: Path, chrom: str, start: int, end: int) -> Path:
    path.write_text(
        f"ERBB2\tNM_004448\t{chrom}\t+\t{start}\t{end}\t{start}\t{end}\t1\t{start},\t{end},\n"
    )
    return path


@pytest.mark.parametrize(
    ("length", "name", "build"),
    [(83257441, "chr17", "GRCh38"), (81195210, "17", "GRCh37"), (8_200_000, "chr17", None)],
)
def test_known_build_from_chr17_length(tmp_path: Path, length: int, name: str, build: str) -> None:
    assert known_build(_fai(tmp_path / "g.fa.fai", length, name)) == build


def test_refflat_of_the_same_build_passes(tmp_path: Path) -> None:
    fai = _fai(tmp_path / "g.fa.fai", 83257441)
    refflat = _erbb2_refflat(tmp_path / "r.txt", "chr17", 39687913, 39730426)
    assert check_gene_matches_build(refflat, fai, "ERBB2") == "GRCh38"


def test_refflat_of_another_build_is_an_input_error(tmp_path: Path) -> None:
    fai = _fai(tmp_path / "g.fa.fai", 83257441)  # GRCh38 FASTA
    refflat = _erbb2_refflat(tmp_path / "r.txt", "chr17", 37844166, 37886679)  # GRCh37 genes
    with pytest.raises(InputError, match="another build") as info:
        check_gene_matches_build(refflat, fai, "ERBB2")
    assert info.value.path == str(refflat)


def test_unknown_build_is_not_checked(tmp_path: Path) -> None:
    fai = _fai(tmp_path / "g.fa.fai", 8_200_000)
    refflat = _erbb2_refflat(tmp_path / "r.txt", "chr17", 4_650_000, 4_692_000)
    assert check_gene_matches_build(refflat, fai, "ERBB2") is None


# --- a gene on several contigs (issue 12) ---------------------------------------------------


def _refflat_with(tmp_path: Path, chroms: list[str]) -> Path:
    lines = [
        f"ERBB2\tNM_004448\t{c}\t+\t{1000 + i}\t{5000 + i}\t1000\t5000\t1\t1000,\t5000,"
        for i, c in enumerate(chroms)
    ]
    path = tmp_path / "genes.refFlat"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize(
    "chroms",
    [
        ["chr17_KI270909v1_alt", "chr17"],
        ["KI270909.1", "17"],
        ["chr17", "chrUn_KI270742v1"],
    ],
)
def test_gene_on_alt_and_primary_is_taken_from_the_primary(
    tmp_path: Path, chroms: list[str]
) -> None:
    record = check_gene(_refflat_with(tmp_path, chroms), "ERBB2")
    assert record["chromosome"] in ("chr17", "17")


def test_gene_only_on_an_alt_contig_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only on non-primary contigs"):
        check_gene(_refflat_with(tmp_path, ["chr17_KI270909v1_alt"]), "ERBB2")
