"""Per-sample BAM QC on a hand-built BAM whose every metric is known, and the depth-driven bin
size."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pysam
import pytest

from cfdna_erbb2.bins import accessible_bp, auto_bin_size
from cfdna_erbb2.qc import bam_qc, count_read_pairs, write_bam_qc

PAIRED, PROPER, UNMAPPED, MATE_UNMAPPED, REVERSE, MATE_REVERSE = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20
FIRST, SECOND, SECONDARY, DUPLICATE, SUPPLEMENTARY = 0x40, 0x80, 0x100, 0x400, 0x800

#: Fragments counted: 7 pairs, non-duplicate, both mates on one chromosome, 1..1000 bp.
COUNTED = [110, 120, 150, 160, 167, 167, 300]
#: Also mapped, not counted: 2 duplicate pairs (100 bp), a pair across chromosomes
#: (TLEN 120 as some aligners write it), a 2,000 bp pair (beyond the histogram).
DUPLICATE_TLENS = [100, 100]


def make_read(
    header: pysam.AlignmentHeader,
    name: str,
    flag: int,
    ref: int,
    pos: int,
    mate_ref: int,
    mate_pos: int,
    tlen: int,
) -> pysam.AlignedSegment:
    read = pysam.AlignedSegment(header)
    read.query_name = name
    read.flag = flag
    read.query_sequence = "ACGT" * 10
    read.query_qualities = pysam.qualitystring_to_array("I" * 40)
    read.reference_id = ref
    read.reference_start = pos
    read.next_reference_id = mate_ref
    read.next_reference_start = mate_pos
    read.template_length = tlen
    if not flag & UNMAPPED:
        read.mapping_quality = 60
        read.cigarstring = "40M"
    return read


def add_pair(
    reads: list[pysam.AlignedSegment],
    header: pysam.AlignmentHeader,
    name: str,
    pos: int,
    tlen: int,
    extra: int = 0,
    first_reverse: bool = False,
    mate_ref: int = 0,
) -> None:
    """A mapped pair; the first-in-pair read carries -tlen when it is the reverse read."""
    f1 = PAIRED | FIRST | extra | (REVERSE if first_reverse else MATE_REVERSE)
    f2 = PAIRED | SECOND | extra | (MATE_REVERSE if first_reverse else REVERSE)
    mate_pos = pos + max(tlen - 40, 0)
    sign = -1 if first_reverse else 1
    reads.append(make_read(header, name, f1, 0, pos, mate_ref, mate_pos, sign * tlen))
    reads.append(make_read(header, name, f2, mate_ref, mate_pos, 0, pos, -sign * tlen))


@pytest.fixture(scope="module")
def known_bam(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("qc") / "known.bam"
    header = pysam.AlignmentHeader.from_dict(
        {
            "HD": {"VN": "1.6", "SO": "unsorted"},
            "SQ": [{"SN": "chr1", "LN": 100_000}, {"SN": "chr2", "LN": 100_000}],
        }
    )
    reads: list[pysam.AlignedSegment] = []
    for i, tlen in enumerate(COUNTED):
        add_pair(reads, header, f"ok{i}", 1_000 * (i + 1), tlen, PROPER, first_reverse=i % 2 == 1)
    for i, tlen in enumerate(DUPLICATE_TLENS):
        add_pair(reads, header, f"dup{i}", 20_000 + 10 * i, tlen, PROPER | DUPLICATE)
    add_pair(reads, header, "trans", 30_000, 120, mate_ref=1)
    add_pair(reads, header, "long", 40_000, 2_000)
    # One pair where neither read mapped.
    for flag in (
        PAIRED | UNMAPPED | MATE_UNMAPPED | FIRST,
        PAIRED | UNMAPPED | MATE_UNMAPPED | SECOND,
    ):
        reads.append(make_read(header, "unmapped", flag, -1, -1, -1, -1, 0))
    # One pair where only the first read mapped: a pair and a mapped read, but no fragment.
    reads.append(make_read(header, "half", PAIRED | FIRST | MATE_UNMAPPED, 0, 60_000, 0, 60_000, 0))
    reads.append(make_read(header, "half", PAIRED | SECOND | UNMAPPED, 0, 60_000, 0, 60_000, 0))
    # Secondary and supplementary alignments of first-in-pair reads: neither a pair, nor a
    # read, nor a fragment.
    reads.append(
        make_read(header, "ok1", PAIRED | FIRST | SUPPLEMENTARY, 0, 70_000, 0, 70_060, 100)
    )
    reads.append(
        make_read(header, "ok0", PAIRED | FIRST | SECONDARY | PROPER, 0, 50_000, 0, 50_060, 100)
    )
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for read in reads:
            out.write(read)
    return path


def test_bam_qc_metrics(known_bam: Path) -> None:
    metrics, hist = bam_qc(known_bam)
    # 11 mapped pairs, 1 half-mapped, 1 unmapped: 26 primary reads, 23 mapped, 4 duplicates.
    assert metrics["read_pairs"] == 13
    assert metrics["mapped_fraction"] == pytest.approx(23 / 26)
    assert metrics["duplicate_fraction"] == pytest.approx(4 / 23)
    assert metrics["fragments_counted"] == len(COUNTED)
    assert metrics["fragment_mode"] == 167
    assert metrics["fragment_median"] == 160
    assert metrics["short_fraction"] == pytest.approx(2 / 7)  # 110, 120 < 150 bp; 150 is not
    assert hist.shape == (1001,)
    assert np.flatnonzero(hist).tolist() == [110, 120, 150, 160, 167, 300]
    assert hist[167] == 2


def test_bam_qc_histogram_bound(known_bam: Path) -> None:
    metrics, hist = bam_qc(known_bam, max_fragment=150)
    assert hist.shape == (151,)
    assert metrics["fragments_counted"] == 3  # 110, 120, 150
    assert metrics["short_fraction"] == pytest.approx(2 / 3)


def test_bam_qc_without_fragments(tmp_path: Path) -> None:
    path = tmp_path / "empty.bam"
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 1000}]}
    with pysam.AlignmentFile(str(path), "wb", header=header):
        pass
    metrics, hist = bam_qc(path)
    assert metrics["read_pairs"] == 0
    assert metrics["fragments_counted"] == 0
    assert math.isnan(metrics["mapped_fraction"])
    assert math.isnan(metrics["duplicate_fraction"])
    assert math.isnan(metrics["short_fraction"])
    # Issue 11: a sample without fragments reported fragment_mode 0.
    assert math.isnan(metrics["fragment_mode"]) and math.isnan(metrics["fragment_median"])
    assert hist.sum() == 0


def test_write_bam_qc(known_bam: Path, tmp_path: Path) -> None:
    metrics_out, hist_out = tmp_path / "qc.json", tmp_path / "fragments.tsv"
    returned = write_bam_qc(known_bam, metrics_out, hist_out, "P1-d0")
    written = json.loads(metrics_out.read_text())
    assert written == {"sample": "P1-d0", **returned}
    assert written["read_pairs"] == 13
    assert written["fragment_mode"] == 167
    lines = hist_out.read_text().splitlines()
    assert lines == [
        "length\tcount",
        "110\t1",
        "120\t1",
        "150\t1",
        "160\t1",
        "167\t2",
        "300\t1",
    ]


def test_count_read_pairs_is_the_qc_figure(known_bam: Path) -> None:
    """Issue 13: a sheet's BAM is counted by samtools in rule check_bam (its count sets the
    bin size before the QC pass): the same 13 pairs, not the 28 records."""
    assert count_read_pairs(known_bam) == bam_qc(known_bam)[0]["read_pairs"] == 13


def test_count_read_pairs_of_unpaired_reads(tmp_path: Path) -> None:
    """Without first mates, half the primary records, as the QC pass counts them."""
    path = tmp_path / "single.bam"
    header = pysam.AlignmentHeader.from_dict({"SQ": [{"SN": "chr1", "LN": 100_000}]})
    flags = [0, 0, REVERSE, 0, UNMAPPED, SUPPLEMENTARY, SECONDARY]
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, flag in enumerate(flags):
            ref, pos = (-1, -1) if flag & UNMAPPED else (0, 1_000 * (i + 1))
            out.write(make_read(header, f"r{i}", flag, ref, pos, -1, -1, 0))
    assert count_read_pairs(path) == bam_qc(path)[0]["read_pairs"] == 2


@pytest.mark.parametrize(
    ("read_pairs", "accessible", "expected"),
    [
        # 300 reads per bin * 1e9 bp / 1e7 pairs = 30 kb.
        ([10_000_000], 1_000_000_000, 30_000),
        # The median, not the mean: 1e7 (the mean would be 3.7e7 -> 8 kb).
        ([1_000_000, 10_000_000, 100_000_000], 1_000_000_000, 30_000),
        # Zero counts (failed libraries) are ignored.
        ([0, 0, 10_000_000], 1_000_000_000, 30_000),
        # 42,857 bp rounds to the kb.
        ([7_000_000], 1_000_000_000, 43_000),
        # 136,364 bp rounds to 10 kb.
        ([2_200_000], 1_000_000_000, 140_000),
        # 99,668 bp: below 100 kb, so to the kb.
        ([3_010_000], 1_000_000_000, 100_000),
        ([3_100_000], 1_000_000_000, 97_000),
        # Clamped to [5 kb, 1 Mb].
        ([10_000_000_000], 1_000_000_000, 5_000),
        ([1_000], 1_000_000_000, 1_000_000),
        # No reads at all: the largest bin.
        ([], 1_000_000_000, 1_000_000),
        ([0, 0], 1_000_000_000, 1_000_000),
        (np.array([10_000_000]), 0, 1_000_000),
    ],
)
def test_auto_bin_size(read_pairs: list[int], accessible: int, expected: int) -> None:
    assert auto_bin_size(read_pairs, accessible) == expected


def test_auto_bin_size_custom_bounds() -> None:
    assert auto_bin_size([10_000_000], 1_000_000_000, reads_per_bin=100) == 10_000
    assert auto_bin_size([10_000_000], 1_000_000_000, min_size=50_000) == 50_000
    assert auto_bin_size([10_000_000], 1_000_000_000, max_size=20_000) == 20_000
    assert auto_bin_size([], 1_000_000_000, max_size=20_000) == 20_000


def test_accessible_bp_skips_comments(tmp_path: Path) -> None:
    bed = tmp_path / "access.bed"
    bed.write_text(
        "# accessible regions\n"
        "track name=access\n"
        "browser position chr1:1-100\n"
        "chr1\t0\t1000\n"
        "\n"
        "chr1\t5000\t5500\tname\t0\t+\n"
        "chr2\t100\t350\r\n"
    )
    assert accessible_bp(bed) == 1000 + 500 + 250
