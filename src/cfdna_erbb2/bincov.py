"""Bin coverage as CNVkit's ``coverage`` computes it, counted in the BAM's one QC pass.

CNVkit (``cnvkit.py coverage``, WGS bins) asks ``samtools bedcov`` for each bin's base count:
the pileup depth summed over the bin's positions, from reads whose flags have none of
unmapped, secondary, QC-fail and duplicate (0x704) and whose MAPQ is at least ``min_mapq``.
A read stands in the pileup at every reference position of its alignment: matches,
deletions and reference skips; insertions and soft clips add none. So a bin's base count is
the sum, over those reads, of the overlap of the read's reference span
[``reference_start``, ``reference_end``) with the bin. CNVkit then writes per bin
``depth`` = base count / bin length (mean depth, reads per base) and ``log2`` = log2(depth),
or -20 for a bin without coverage.

:class:`BinCoverage` adds up the spans that :func:`cfdna_erbb2.qc.bam_qc` collects in its
one pass over the BAM, and writes the same ``.targetcoverage.cnn`` as ``cnvkit.py coverage``
(checked byte for byte by the tests), so the BAM is not read again base by base.

It also counts, apart, the spans of reads from short fragments (the QC's definition,
:data:`cfdna_erbb2.qc.SHORT_FRAGMENT`), for the *size-weighted* coverage: the same base
count with a short fragment's reads counted ``short_weight`` times (:meth:`BinCoverage.write`).
Tumour-derived cfDNA is shorter than healthy cfDNA, so this track carries more tumour signal
per unit of counting noise; CNVkit treats it like any coverage (a reference of normals
counted the same way, GC correction, log2 ratios).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

#: Flags of reads left out of coverage: unmapped, secondary, QC-fail, duplicate (CNVkit's
#: ``COVERAGE_EXCLUDE_FLAGS``, also samtools bedcov's default).
EXCLUDE_FLAGS = 0x704
#: CNVkit's log2 value for a bin with no coverage (``cnvlib.params.NULL_LOG2_COVERAGE``).
NULL_LOG2 = -20.0


class BinCoverage:
    """Base counts of the bins of a BED file, from reads' reference spans added in chunks.

    ``bins`` is the BED of bins (chromosome, start, end, optional gene), in any order; bins
    on contigs the BAM does not have are dropped, as CNVkit drops them. ``contigs`` are the
    BAM header's reference names, in the order of its reference ids.
    """

    def __init__(self, bins: str | Path, contigs: list[str] | tuple[str, ...], min_mapq: int):
        table = pd.read_csv(
            bins, sep="\t", header=None, comment="#", dtype={0: str}, keep_default_na=False
        )
        if table.shape[1] < 3:
            raise ValueError(f"{bins}: a BED of bins needs chromosome, start and end columns")
        table = table.iloc[:, :4]
        table.columns = ["chromosome", "start", "end", "gene"][: table.shape[1]]
        present = set(contigs)
        table = table[table["chromosome"].isin(present)].reset_index(drop=True)
        if table.empty:
            raise ValueError(f"{bins}: no bin is on a contig of the BAM ({', '.join(contigs)})")
        if "gene" not in table:
            table["gene"] = "-"
        table["gene"] = table["gene"].replace("", "-")
        self.table = table
        self.min_mapq = min_mapq
        self.counts = np.zeros(len(table), dtype=np.int64)
        self.short_counts = np.zeros(len(table), dtype=np.int64)
        # Per reference id: the bins' row numbers, starts and ends, sorted by start.
        self._bins: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for rid, name in enumerate(contigs):
            rows = np.flatnonzero(table["chromosome"].to_numpy() == name)
            if rows.size:
                rows = rows[np.argsort(table["start"].to_numpy()[rows], kind="stable")]
                starts = table["start"].to_numpy(dtype=np.int64)[rows]
                ends = table["end"].to_numpy(dtype=np.int64)[rows]
                self._bins[rid] = (rows, starts, ends)

    def add_spans(
        self,
        rids: ArrayLike,
        starts: ArrayLike,
        ends: ArrayLike,
        short: ArrayLike | None = None,
    ) -> None:
        """Add counted reads' reference spans (0-based, end exclusive) on reference ids ``rids``;
        ``short`` (one truth value per span) marks reads of short fragments, also counted apart."""
        rid = np.asarray(rids, dtype=np.int64)
        start = np.asarray(starts, dtype=np.int64)
        end = np.asarray(ends, dtype=np.int64)
        is_short = None if short is None else np.asarray(short, dtype=bool)
        for ref in np.unique(rid):
            if int(ref) not in self._bins:
                continue
            rows, bin_start, bin_end = self._bins[int(ref)]
            on = rid == ref
            self.counts[rows] += span_overlaps(start[on], end[on], bin_start, bin_end)
            if is_short is not None:
                sel = on & is_short
                if sel.any():
                    self.short_counts[rows] += span_overlaps(
                        start[sel], end[sel], bin_start, bin_end
                    )

    def table_cnn(self, short_weight: float = 1.0) -> pd.DataFrame:
        """The bins with ``depth`` (mean reads per base) and ``log2``, as CNVkit writes them;
        with ``short_weight`` w != 1 the size-weighted coverage: base count + (w - 1) x the
        short fragments' base count, over the bin length."""
        if not short_weight > 0:
            raise ValueError(f"short_weight must be positive, not {short_weight}")
        table = self.table.copy()
        spans = (table["end"] - table["start"]).to_numpy()
        counts = self.counts + (short_weight - 1.0) * self.short_counts
        depth = np.zeros(len(table))
        ok = spans > 0
        depth[ok] = counts[ok] / spans[ok]
        log2 = np.full(len(table), NULL_LOG2)
        log2[depth > 0] = np.log2(depth[depth > 0])
        table["depth"] = depth
        table["log2"] = log2
        return table

    def write(self, path: str | Path, short_weight: float = 1.0) -> None:
        """Write the ``.targetcoverage.cnn`` file as CNVkit's writer does (``skgenome.tabio``:
        tab-separated, a header row, floats as ``%.6g``), without importing CNVkit (about a
        second per job); ``short_weight``: see :meth:`table_cnn`."""
        self.table_cnn(short_weight).to_csv(path, sep="\t", index=False, float_format="%.6g")


def span_overlaps(
    starts: np.ndarray, ends: np.ndarray, bin_starts: np.ndarray, bin_ends: np.ndarray
) -> np.ndarray:
    """Summed overlap (bases) of the spans [starts, ends) with each bin [bin_starts, bin_ends).

    With C(x) the bases of all spans left of x, sum(clip(x - s, 0, e - s)), a bin holds
    C(end) - C(start); C(x) = x * #(s < x) - sum(s < x) - (x * #(e < x) - sum(e < x)).
    """
    s = np.sort(starts)
    e = np.sort(ends)
    cs = np.concatenate(([0], np.cumsum(s)))
    ce = np.concatenate(([0], np.cumsum(e)))

    def covered(x: np.ndarray) -> np.ndarray:
        ns = np.searchsorted(s, x, side="left")
        ne = np.searchsorted(e, x, side="left")
        return (x * ns - cs[ns]) - (x * ne - ce[ne])

    result: np.ndarray = covered(bin_ends) - covered(bin_starts)
    return result
