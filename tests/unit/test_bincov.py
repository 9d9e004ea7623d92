"""Bin coverage counted in the QC pass is CNVkit's own, byte for byte, on reads that test
every rule of samtools bedcov: spans across bin edges, deletions, insertions, soft clips,
reference skips, duplicates, secondary, supplementary and QC-fail records, low MAPQ,
unmapped reads, gaps between bins, a deep pile-up, contigs with and without bins."""

from __future__ import annotations

import filecmp
import random
from pathlib import Path

import numpy as np
import pysam
import pytest
from cnvlib import coverage
from hypothesis import given, settings
from hypothesis import strategies as st
from skgenome import tabio

from cfdna_erbb2.bincov import BinCoverage, span_overlaps
from cfdna_erbb2.qc import bam_qc, write_bam_qc

CONTIGS = [("chr1", 20_000), ("chr2", 12_000), ("chrM", 500)]
CIGARS = ["50M", "20M5D30M", "10S40M", "20M3I27M", "25M100N25M", "5H45M", "30M20S"]


def build_bam(path: Path, seed: int = 7, deep: int = 0) -> Path:
    """A sorted, indexed BAM of random reads with every kind of record bedcov weighs."""
    rng = random.Random(seed)
    header = pysam.AlignmentHeader.from_dict(
        {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": n, "LN": ln} for n, ln in CONTIGS]}
    )
    reads = []
    for i in range(3000 + deep):
        ref = 0 if i >= 3000 else rng.choice([0, 0, 1, 2])
        length = CONTIGS[ref][1]
        read = pysam.AlignedSegment(header)
        read.query_name = f"r{i}"
        cigar = rng.choice(CIGARS)
        read.cigarstring = cigar
        read.query_sequence = "A" * (read.infer_query_length() or 0)
        read.reference_id = ref
        read.reference_start = 9_990 if i >= 3000 else rng.randrange(0, length - 200)
        read.mapping_quality = rng.choice([0, 10, 19, 20, 37, 60, 60, 60])
        read.flag = rng.choice([0, 0, 0, 0x10, 0x400, 0x100, 0x800, 0x200, 0x4 | 0x1, 0x1 | 0x40])
        if i >= 3000:
            read.flag, read.mapping_quality = 0, 60
        reads.append(read)
    return write_sorted_bam(path, header, reads)


def write_sorted_bam(
    path: Path, header: pysam.AlignmentHeader, reads: list[pysam.AlignedSegment]
) -> Path:
    """Write ``reads`` to a coordinate-sorted, indexed BAM at ``path``."""
    unsorted = path.with_suffix(".unsorted.bam")
    with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out:
        for read in reads:
            out.write(read)
    pysam.sort("-o", str(path), str(unsorted))
    pysam.index(str(path))
    return path


def write_bins(path: Path, genes: str = "named") -> Path:
    """Bins of uneven width with gaps, a bin on a contig the BAM lacks, none on chrM; the
    fourth column names ERBB2 on one bin ("named"), is "-" throughout ("dash") or absent."""
    rows = []
    edges = [(0, 1_000), (1_000, 4_321), (5_000, 9_999), (9_999, 10_001), (10_001, 20_000)]
    for start, end in edges:
        rows.append(("chr1", start, end))
    for start, end in [(100, 6_000), (6_000, 11_900)]:
        rows.append(("chr2", start, end))
    rows.append(("chr9", 0, 1_000))
    with path.open("w") as fh:
        for chrom, start, end in rows:
            gene = {"named": "\t-", "dash": "\t-", "none": ""}[genes]
            if genes == "named" and start == 5_000:
                gene = "\tERBB2"
            fh.write(f"{chrom}\t{start}\t{end}{gene}\n")
    return path


@pytest.mark.parametrize("min_mapq", [0, 20])
@pytest.mark.parametrize("genes", ["named", "dash", "none"])
def test_same_file_as_cnvkit_coverage(tmp_path: Path, min_mapq: int, genes: str) -> None:
    """CNVkit 0.9.14 cannot read bedcov's output for a BED3 (it takes the base count for an
    extra column), so a BED3's coverage is compared with CNVkit's of the same bins named "-"."""
    bam = build_bam(tmp_path / "s.bam")
    bins = write_bins(tmp_path / "bins.bed", genes)
    cnvkit_bins = bins if genes != "none" else write_bins(tmp_path / "bins4.bed", "dash")
    ours = tmp_path / "ours.targetcoverage.cnn"
    theirs = tmp_path / "theirs.targetcoverage.cnn"
    write_bam_qc(bam, tmp_path / "m.json", tmp_path / "h.tsv", "s", bins, ours, min_mapq)
    tabio.write(coverage.do_coverage(str(cnvkit_bins), str(bam), min_mapq=min_mapq), str(theirs))
    assert filecmp.cmp(ours, theirs, shallow=False), (ours.read_text(), theirs.read_text())
    table = BinCoverage(bins, [n for n, _ in CONTIGS], min_mapq).table
    assert "chr9" not in set(table["chromosome"])  # CNVkit drops bins on absent contigs


def test_deep_pileup_is_not_capped(tmp_path: Path) -> None:
    """9,000 reads over one position: bedcov counts them all; so do we."""
    bam = build_bam(tmp_path / "deep.bam", deep=9_000)
    bins = write_bins(tmp_path / "bins.bed")
    ours = tmp_path / "ours.cnn"
    theirs = tmp_path / "theirs.cnn"
    write_bam_qc(bam, tmp_path / "m.json", tmp_path / "h.tsv", "s", bins, ours, 20)
    tabio.write(coverage.do_coverage(str(bins), str(bam), min_mapq=20), str(theirs))
    assert filecmp.cmp(ours, theirs, shallow=False)


def test_qc_metrics_do_not_change_with_coverage(tmp_path: Path) -> None:
    bam = build_bam(tmp_path / "s.bam")
    bins = write_bins(tmp_path / "bins.bed")
    alone = bam_qc(bam)
    cov = BinCoverage(bins, [n for n, _ in CONTIGS], 20)
    together = bam_qc(bam, coverage=cov)
    assert alone[0] == together[0]
    assert np.array_equal(alone[1], together[1])
    assert cov.counts.sum() > 0


def test_both_or_neither_of_bins_and_output(tmp_path: Path) -> None:
    bam = build_bam(tmp_path / "s.bam")
    with pytest.raises(ValueError, match="needs both"):
        write_bam_qc(bam, tmp_path / "m.json", tmp_path / "h.tsv", "s", tmp_path / "b.bed")


def test_bins_on_no_contig_of_the_bam(tmp_path: Path) -> None:
    bins = tmp_path / "bins.bed"
    bins.write_text("1\t0\t100\t-\n")
    with pytest.raises(ValueError, match="no bin is on a contig"):
        BinCoverage(bins, ["chr1"], 0)


@settings(max_examples=200, deadline=None)
@given(
    spans=st.lists(st.tuples(st.integers(0, 300), st.integers(1, 80)), min_size=0, max_size=40),
    edges=st.lists(st.integers(0, 400), min_size=2, max_size=12, unique=True),
)
def test_span_overlaps_counts_every_base(spans: list[tuple[int, int]], edges: list[int]) -> None:
    """Against a per-base pile-up: the overlap sums equal the depth summed over each bin."""
    edges = sorted(edges)
    bin_start, bin_end = np.array(edges[:-1]), np.array(edges[1:])
    depth = np.zeros(500, dtype=np.int64)
    for start, length in spans:
        depth[start : start + length] += 1
    expected = np.array([depth[a:b].sum() for a, b in zip(bin_start, bin_end, strict=True)])
    starts = np.array([s for s, _ in spans], dtype=np.int64)
    ends = np.array([s + n for s, n in spans], dtype=np.int64)
    assert np.array_equal(span_overlaps(starts, ends, bin_start, bin_end), expected)
