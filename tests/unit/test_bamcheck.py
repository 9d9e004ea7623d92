"""A user's BAM is used only when it was aligned to the workflow's reference and is
coordinate-sorted; it is then linked with an index (its own when fresh, else a new one)."""

from __future__ import annotations

import os
from pathlib import Path

import pysam
import pytest

from cfdna_erbb2.bamcheck import check_bam_matches_reference, link_with_index
from cfdna_erbb2.tsv import read_fai

REFERENCE = {"chr1": 5_000, "chr2": 4_000, "chr17": 3_000}


def write_fai(path: Path, contigs: dict[str, int]) -> Path:
    offset = 0
    lines = []
    for name, length in contigs.items():
        offset += len(name) + 2
        lines.append(f"{name}\t{length}\t{offset}\t60\t61\n")
        offset += length + length // 60 + 1
    path.write_text("".join(lines))
    return path


def write_bam(
    path: Path, contigs: dict[str, int], sort_order: str | None = "coordinate", index: bool = True
) -> Path:
    """A small BAM with three reads on the first contig, written in coordinate order."""
    header: dict[str, object] = {
        "SQ": [{"SN": name, "LN": length} for name, length in contigs.items()]
    }
    if sort_order is not None:
        header["HD"] = {"VN": "1.6", "SO": sort_order}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, pos in enumerate((100, 200, 300)):
            read = pysam.AlignedSegment(out.header)
            read.query_name = f"r{i}"
            read.flag = 0
            read.reference_id = 0
            read.reference_start = pos
            read.mapping_quality = 60
            read.cigarstring = "50M"
            read.query_sequence = "A" * 50
            read.query_qualities = pysam.qualitystring_to_array("I" * 50)
            out.write(read)
    if index:
        pysam.index(str(path))
    return path


@pytest.fixture
def fai(tmp_path: Path) -> Path:
    return write_fai(tmp_path / "genome.fa.fai", REFERENCE)


def test_read_fai(fai: Path) -> None:
    assert read_fai(fai) == REFERENCE


def test_matching_bam_passes(tmp_path: Path, fai: Path) -> None:
    check_bam_matches_reference(write_bam(tmp_path / "x.bam", REFERENCE), fai)


def test_extra_contigs_in_bam_are_allowed(tmp_path: Path, fai: Path) -> None:
    contigs = {**REFERENCE, "chrM": 16_569, "chrUn_decoy": 1_000}
    check_bam_matches_reference(write_bam(tmp_path / "x.bam", contigs), fai)


@pytest.mark.parametrize(
    ("contigs", "sort_order", "phrases"),
    [
        pytest.param(
            {"chr1": 5_000, "chr2": 4_000},
            "coordinate",
            ["1 reference contig(s) missing", "chr17"],
            id="missing contig",
        ),
        pytest.param(
            {"chr1": 5_000, "chr2": 4_000, "chr17": 3_001},
            "coordinate",
            ["contig chr17 is 3001 bp in the BAM but 3000 bp", "genome build"],
            id="different length",
        ),
        pytest.param(
            {"1": 5_000, "2": 4_000, "17": 3_000},
            "coordinate",
            ["3 reference contig(s) missing", "chr1", "chr1 vs 1"],
            id="naming style",
        ),
        pytest.param(
            REFERENCE, "unsorted", ["not coordinate-sorted", "SO:unsorted"], id="unsorted"
        ),
        pytest.param(
            REFERENCE, "queryname", ["not coordinate-sorted", "SO:queryname"], id="queryname"
        ),
        pytest.param(REFERENCE, None, ["not coordinate-sorted"], id="no HD line"),
    ],
)
def test_mismatched_bam_is_refused(
    tmp_path: Path, fai: Path, contigs: dict[str, int], sort_order: str | None, phrases: list[str]
) -> None:
    bam = write_bam(tmp_path / "x.bam", contigs, sort_order, index=False)
    with pytest.raises(ValueError, match=str(bam)) as info:
        check_bam_matches_reference(bam, fai)
    for phrase in phrases:
        assert phrase in str(info.value)


def test_not_a_bam(tmp_path: Path, fai: Path) -> None:
    bam = tmp_path / "x.bam"
    bam.write_text("not a BAM\n")
    with pytest.raises(ValueError, match="not a readable BAM"):
        check_bam_matches_reference(bam, fai)


def n_reads(bam: Path, bai: Path) -> int:
    with pysam.AlignmentFile(str(bam), "rb", index_filename=str(bai)) as fh:
        return sum(1 for _ in fh.fetch("chr1"))


@pytest.mark.parametrize("index_name", ["x.bam.bai", "x.bai"])
def test_link_reuses_fresh_index(tmp_path: Path, index_name: str) -> None:
    src = write_bam(tmp_path / "x.bam", REFERENCE)
    if index_name != "x.bam.bai":
        (tmp_path / "x.bam.bai").rename(tmp_path / index_name)
    out_bam, out_bai = tmp_path / "out" / "s.bam", tmp_path / "out" / "s.bam.bai"
    out_bam.parent.mkdir()
    link_with_index(src, out_bam, out_bai)
    assert out_bam.is_symlink()
    assert out_bam.resolve() == src.resolve()
    assert out_bai.is_symlink()
    assert out_bai.resolve() == (tmp_path / index_name).resolve()
    assert n_reads(out_bam, out_bai) == 3


def test_link_builds_index_when_absent(tmp_path: Path) -> None:
    src = write_bam(tmp_path / "x.bam", REFERENCE, index=False)
    out_bam, out_bai = tmp_path / "s.bam", tmp_path / "s.bam.bai"
    link_with_index(src, out_bam, out_bai)
    assert out_bam.is_symlink()
    assert out_bai.is_file()
    assert not out_bai.is_symlink()
    assert n_reads(out_bam, out_bai) == 3


def test_link_rebuilds_stale_index_and_replaces_old_outputs(tmp_path: Path) -> None:
    src = write_bam(tmp_path / "x.bam", REFERENCE)
    stale = tmp_path / "x.bam.bai"
    mtime = src.stat().st_mtime
    os.utime(stale, (mtime - 100, mtime - 100))  # index older than the BAM: not trusted
    out_bam, out_bai = tmp_path / "s.bam", tmp_path / "s.bam.bai"
    out_bam.write_text("left over from an earlier run")
    out_bai.symlink_to(stale)
    link_with_index(src, out_bam, out_bai)
    assert out_bam.resolve() == src.resolve()
    assert not out_bai.is_symlink()
    assert n_reads(out_bam, out_bai) == 3
