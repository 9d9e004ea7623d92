"""Per-sample QC of an aligned cfDNA BAM.

Read-level metrics come from one pass over the BAM:

- ``read_pairs``: primary first-in-pair records (mapped or not): sequenced read pairs.
- ``mapped_fraction``: fraction of primary reads that are mapped.
- ``duplicate_fraction``: fraction of mapped primary reads flagged as duplicates (0x400).
- fragment lengths: |TLEN| of mapped, non-duplicate first-in-pair reads whose mate maps
  to the same chromosome (no "proper pair" filter: bwa marks many short cfDNA pairs as
  improper), counted 1..``MAX_FRAGMENT`` bp. ``fragment_mode`` (bp), ``fragment_median``
  (bp) and ``short_fraction``: fragments shorter than ``SHORT_FRAGMENT`` bp over all counted.

The same pass counts the bins' coverage for CNVkit (:mod:`cfdna_erbb2.bincov`), and apart
the coverage of reads from short fragments (paired, mate on the same chromosome, 0 < |TLEN| <
``SHORT_FRAGMENT``: the fragments ``short_fraction`` counts), for the size-weighted coverage.
That coverage means something only for a BAM whose fragments were measured
(:func:`has_paired_fragments`): a single-end BAM has no fragment lengths, so none of its reads
counts as short.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pysam
from numpy.typing import ArrayLike

from cfdna_erbb2.bincov import EXCLUDE_FLAGS, BinCoverage

#: Upper bound of the fragment-length histogram (bp); beyond tri-nucleosomes.
MAX_FRAGMENT = 1000
#: Tumour-derived cfDNA fragments are mostly 90-150 bp (Mouliere et al., Sci Transl Med 2018).
SHORT_FRAGMENT = 150
#: Least share of the expected fragments (:func:`paired_share`) whose lengths were measured
#: for a BAM to count as paired-end; paired cfDNA libraries measure nearly all of them, a
#: single-end BAM none.
MIN_PAIRED_SHARE = 0.5


def bam_qc(
    bam_path: str | Path,
    max_fragment: int = MAX_FRAGMENT,
    coverage: BinCoverage | None = None,
) -> tuple[dict[str, float], np.ndarray]:
    """QC metrics and fragment-length histogram (index = length in bp) of one BAM; given
    ``coverage`` (made for this BAM's header), its bins' coverage is counted in the same
    pass (:mod:`cfdna_erbb2.bincov`)."""
    hist = np.zeros(max_fragment + 1, dtype=np.int64)
    primary = mapped = first = dup = 0
    lengths: list[int] = []
    flush = 200_000
    min_mapq = coverage.min_mapq if coverage is not None else 0
    rids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    shorts: list[bool] = []
    with pysam.AlignmentFile(str(bam_path), "rb", check_sq=False) as bam:
        for read in bam.fetch(until_eof=True):
            flag = read.flag
            if (
                coverage is not None
                and not flag & EXCLUDE_FLAGS
                and read.mapping_quality >= min_mapq
            ):
                end = read.reference_end
                if end is not None:
                    rid = read.reference_id
                    rids.append(rid)
                    starts.append(read.reference_start)
                    ends.append(end)
                    shorts.append(
                        (flag & 0x9) == 0x1  # paired, mate mapped
                        and rid == read.next_reference_id
                        and 0 < abs(read.template_length) < SHORT_FRAGMENT
                    )
                    if len(rids) >= flush:
                        coverage.add_spans(rids, starts, ends, shorts)
                        rids.clear()
                        starts.clear()
                        ends.clear()
                        shorts.clear()
            if flag & 0x900:  # secondary or supplementary
                continue
            primary += 1
            if flag & 0x40:
                first += 1
            if flag & 0x4:
                continue
            mapped += 1
            if flag & 0x400:
                dup += 1
                continue
            if (
                flag & 0x40
                and flag & 0x1
                and not flag & 0x8
                and read.reference_id == read.next_reference_id
            ):
                tlen = abs(read.template_length)
                if 0 < tlen <= max_fragment:
                    lengths.append(tlen)
                    if len(lengths) >= flush:
                        hist += np.bincount(lengths, minlength=max_fragment + 1)
                        lengths.clear()
    if lengths:
        hist += np.bincount(lengths, minlength=max_fragment + 1)
    if coverage is not None and rids:
        coverage.add_spans(rids, starts, ends, shorts)
    read_pairs = first if first else primary // 2
    metrics: dict[str, float] = {
        "read_pairs": read_pairs,
        "mapped_fraction": mapped / primary if primary else math.nan,
        "duplicate_fraction": dup / mapped if mapped else math.nan,
        **fragment_metrics(hist),
    }
    return metrics, hist


def fragment_metrics(hist: np.ndarray) -> dict[str, float]:
    """``fragments_counted``, ``fragment_mode``, ``fragment_median`` (bp) and
    ``short_fraction`` of a fragment-length histogram (index = length in bp)."""
    counted = int(hist.sum())
    # Without fragments there is no length to report (not 0 bp): NaN, an empty cell.
    mode, median, short = math.nan, math.nan, math.nan
    if counted:
        cumulative = np.cumsum(hist)
        mode = int(np.argmax(hist))
        median = int(np.searchsorted(cumulative, counted / 2))
        short = short_fraction(np.arange(hist.size), hist)
    return {
        "fragments_counted": counted,
        "fragment_mode": mode,
        "fragment_median": median,
        "short_fraction": short,
    }


def paired_share(metrics: Mapping[str, Any]) -> float:
    """Share of a BAM's expected fragments whose length was measured: ``fragments_counted``
    over mapped, non-duplicate read pairs (``read_pairs * mapped_fraction * (1 -
    duplicate_fraction)``, from :func:`bam_qc`'s metrics). About 1 for paired-end reads (less
    the pairs whose mates map to another chromosome), 0 for single-end reads; NaN without
    mapped reads or without the metrics."""
    try:
        counted = float(metrics["fragments_counted"])
        pairs = float(metrics["read_pairs"])
        mapped = float(metrics["mapped_fraction"])
        dup = float(metrics["duplicate_fraction"])
    except (KeyError, TypeError, ValueError):
        return math.nan
    expected = pairs * mapped * (1.0 - dup)
    if not math.isfinite(expected) or expected <= 0 or not math.isfinite(counted):
        return math.nan
    return counted / expected


def has_paired_fragments(metrics: Mapping[str, Any]) -> bool:
    """Whether the BAM's fragment lengths were measured (:func:`paired_share` at least
    :data:`MIN_PAIRED_SHARE`), so its size-weighted coverage weighs its short fragments.
    Unknown (no mapped reads, no metrics) counts as measured: such a sample fails its own QC
    first."""
    share = paired_share(metrics)
    return not math.isfinite(share) or share >= MIN_PAIRED_SHARE


def count_read_pairs(bam_path: str | Path) -> int:
    """Sequenced read pairs of a BAM, as :func:`bam_qc` counts ``read_pairs``: primary
    first-in-pair records (mapped or not); for a BAM without pairs, half its primary records.

    Counted by samtools (C, no per-read Python), for a BAM the sheet provides: its count
    sets the automatic bin size before its QC pass (for reads aligned here, rule
    check_fastq counts the FASTQ's records: bwa writes one primary record per read).
    """
    path = str(bam_path)
    first = _count_records(path, "-f", "0x40", "-F", "0x900")
    return first if first else _count_records(path, "-F", "0x900") // 2


def _count_records(path: str, *flags: str) -> int:
    """Records of a BAM that pass samtools view's flag filters (``-f``/``-F``)."""
    out = pysam.view("-c", *flags, path)
    return int(out if isinstance(out, str) else "".join(out))


def short_fraction(lengths: ArrayLike, counts: ArrayLike) -> float:
    """Fraction of fragments shorter than :data:`SHORT_FRAGMENT` bp, from a length histogram.

    ``lengths`` (bp) and ``counts`` (fragments of that length) are parallel; a pair with a
    missing (NaN) length or count is not counted. NaN when no fragment is counted.
    """
    length = np.asarray(lengths, dtype=float)
    count = np.asarray(counts, dtype=float)
    ok = np.isfinite(length) & np.isfinite(count)
    total = count[ok].sum()
    if total <= 0:
        return math.nan
    return float(count[ok & (length < SHORT_FRAGMENT)].sum() / total)


def write_samtools_stats(
    bam_path: str | Path, stats_out: str | Path, idxstats_out: str | Path
) -> None:
    """``samtools stats`` and ``samtools idxstats`` of the BAM, for MultiQC's samtools module,
    run through pysam's own samtools (no other tool needed; idxstats reads only the index)."""
    for out, run in ((stats_out, pysam.stats), (idxstats_out, pysam.idxstats)):
        text = run(str(bam_path))
        Path(out).write_text(text if isinstance(text, str) else "".join(text))


def gather_fragment_lengths(paths: Sequence[str | Path], samples: Sequence[str]) -> pd.DataFrame:
    """The fragment-length histograms of several samples (each as :func:`write_bam_qc`
    writes it: length, count) as one long table: sample, length (bp), count."""
    if len(paths) != len(samples):
        raise ValueError(f"{len(paths)} histograms for {len(samples)} samples")
    tables = [
        pd.read_csv(path, sep="\t").assign(sample=name)[["sample", "length", "count"]]
        for path, name in zip(paths, samples, strict=True)
    ]
    if not tables:
        return pd.DataFrame({"sample": [], "length": [], "count": []})
    return pd.concat(tables, ignore_index=True)


def split_fragment_lengths(
    table: pd.DataFrame, samples: Sequence[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Per sample, its histogram (length, count) from :func:`gather_fragment_lengths`'s table.

    ``samples``: these samples, in this order, each with its histogram or an empty one (a
    sample without fragments, e.g. a failed library, has no rows in the table); default:
    the samples of the table, in its order.
    """
    names = table["sample"].astype(str)
    order = [str(s) for s in samples] if samples is not None else list(pd.unique(names))
    return {
        name: table.loc[names == name, ["length", "count"]].reset_index(drop=True) for name in order
    }


def write_bam_qc(
    bam_path: str | Path,
    metrics_out: str | Path,
    hist_out: str | Path,
    sample: str,
    bins: str | Path | None = None,
    coverage_out: str | Path | None = None,
    min_mapq: int = 0,
    weighted_out: str | Path | None = None,
    short_weight: float = 1.0,
) -> dict[str, float]:
    """Run :func:`bam_qc` and write metrics (JSON), the histogram (TSV length, count) and,
    given ``bins`` and ``coverage_out``, the bins' CNVkit coverage (``.targetcoverage.cnn``);
    given ``weighted_out`` too, the size-weighted coverage with short fragments' reads counted
    ``short_weight`` times (:meth:`cfdna_erbb2.bincov.BinCoverage.table_cnn`)."""
    if (bins is None) != (coverage_out is None):
        raise ValueError("bin coverage needs both the bins and the output path")
    if weighted_out is not None and coverage_out is None:
        raise ValueError("the size-weighted coverage needs the bins and the coverage output")
    coverage = None
    if bins is not None:
        with pysam.AlignmentFile(str(bam_path), "rb", check_sq=False) as bam:
            coverage = BinCoverage(bins, bam.references, min_mapq)
    metrics, hist = bam_qc(bam_path, coverage=coverage)
    if coverage is not None and coverage_out is not None:
        coverage.write(coverage_out)
        if weighted_out is not None:
            coverage.write(weighted_out, short_weight)
    Path(metrics_out).write_text(json.dumps({"sample": sample, **metrics}, indent=1) + "\n")
    with Path(hist_out).open("w") as fh:
        fh.write("length\tcount\n")
        for length in np.flatnonzero(hist):
            fh.write(f"{length}\t{hist[length]}\n")
    return metrics
