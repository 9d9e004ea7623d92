"""CNVkit's WGS steps, run in-process through its Python API (cnvlib).

They do what ``cnvkit.py batch --method wgs`` does between coverage and calls: a pooled
reference with GC and repeat correction but no edge correction, ``fix`` without edge
correction, and CBS segmentation at p < 1e-6. Running them in one process per sample
saves CNVkit's start-up (about 1.7 s per command), which dominates at low depth.

One change to ``fix``: the GC-bias curve a sample is corrected with is learned from the bins
away from the gene (:data:`GC_EXCLUDE_BP` on each side; :func:`gc_curve_without`), and
applied to every bin. CNVkit learns it as a rolling median of the sample's log2 over bins
sorted by GC, in a window of max(1%, 1/sqrt(bins)) of them; the ERBB2 amplicon is GC-rich
and its bins have similar GC, so in a genome of few bins they fill a large share of their
window and the curve absorbs part of the amplification (measured: 0.03 log2 of an amplicon
at 1x, 0.05 at 2x in the 21 Mb benchmark genome; the excess ratio of 0.89 at 2x). At human
scale (30,000 bins, a 300-bin window) the effect is small, and leaving the gene's
neighbourhood out costs the curve 0.2% of its bins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import GENE

#: CBS significance threshold that ``cnvkit.py batch --method wgs`` uses.
WGS_CBS_THRESHOLD = 1e-6
#: Fewest covered bins worth segmenting; below this the sample has no usable data.
MIN_COVERED_BINS = 2

SEGMENT_HEADER = "chromosome\tstart\tend\tgene\tlog2\tprobes\n"


#: Bins within this distance (bp) of the gene's bins do not shape the GC-bias curve of a
#: sample's copy ratios (module docstring): ERBB2 amplicons span a few hundred kb, rarely
#: more than 2 Mb.
GC_EXCLUDE_BP = 3_000_000


#: Columns of the bins' sequence content table (:func:`write_bin_content`).
CONTENT_COLUMNS = ["chromosome", "start", "end", "gc", "rmask"]


def write_bin_content(bins_bed: str | Path, fasta: str | Path, out: str | Path) -> int:
    """Write each bin's GC fraction and repeat-masked (lower-case) fraction of the FASTA,
    exactly as CNVkit's reference computes them (``cnvlib.reference.get_fasta_stats``: of
    the bin's A, C, G, T in either case, the share of G/C, and of lower-case letters; 0 and
    0 without any); returns the number of bins.

    CNVkit counts with four ``str.count`` calls per bin (about a CPU minute for GRCh38's
    3 Gb); here each bin's letters are counted at once with numpy, from the same integer
    counts, so the fractions are the same floats. Computed once, they serve the panel's
    reference and every normal's leave-one-out reference (:func:`build_reference`). Floats
    are written with Python's shortest round-trip repr, so they read back exactly.
    """
    import pysam
    from cnvlib.reference import bed2probes

    probes = bed2probes(str(bins_bed))
    chroms = probes.chromosome.to_numpy()
    starts = probes.start.to_numpy()
    ends = probes.end.to_numpy()
    gc = np.zeros(len(probes))
    rmask = np.zeros(len(probes))
    with pysam.FastaFile(str(fasta)) as fa:
        for i, (chrom, start, end) in enumerate(zip(chroms, starts, ends, strict=True)):
            seq = fa.fetch(str(chrom), int(start), int(end)).encode("ascii")
            gc[i], rmask[i] = _gc_lower(np.bincount(np.frombuffer(seq, np.uint8), minlength=256))
    columns = (chroms, starts, ends, gc, rmask)
    table = pd.DataFrame(dict(zip(CONTENT_COLUMNS, columns, strict=True)))
    table.to_csv(out, sep="\t", index=False)
    return len(table)


def _gc_lower(counts: np.ndarray) -> tuple[float, float]:
    """GC and lower-case fractions of a letter histogram (index = byte), as CNVkit's
    ``calculate_gc_lo`` computes them from the same counts."""
    at_lo = int(counts[ord("a")] + counts[ord("t")])
    at_up = int(counts[ord("A")] + counts[ord("T")])
    gc_lo = int(counts[ord("g")] + counts[ord("c")])
    gc_up = int(counts[ord("G")] + counts[ord("C")])
    total = float(gc_up + gc_lo + at_up + at_lo)
    if not total:
        return 0.0, 0.0
    return (gc_lo + gc_up) / total, (at_lo + gc_lo) / total


@contextmanager
def known_bin_content(content_tsv: str | Path | None) -> Iterator[None]:
    """Within the block, CNVkit's reference takes the bins' GC and repeat content from
    ``content_tsv`` (:func:`write_bin_content`) instead of reading the FASTA again. Bins
    missing from the table (none when the bins are the same) are read from the FASTA."""
    if content_tsv is None:
        yield
        return
    from cnvlib import reference

    table = pd.read_csv(content_tsv, sep="\t", dtype={"chromosome": str})
    if list(table.columns) != CONTENT_COLUMNS:
        raise ValueError(
            f"{content_tsv}: columns {list(table.columns)}, expected {CONTENT_COLUMNS} "
            "(a table of write_bin_content)"
        )
    index = pd.MultiIndex.from_frame(table[["chromosome", "start", "end"]])
    known = table.set_index(index)[["gc", "rmask"]]
    from_fasta = reference.get_fasta_stats

    def lookup(cnarr: Any, fa_fname: str) -> tuple[np.ndarray, np.ndarray]:
        keys = pd.MultiIndex.from_arrays([cnarr.chromosome.astype(str), cnarr.start, cnarr.end])
        if not keys.isin(known.index).all():
            logging.warning(
                "bins not in %s: GC and repeat content read from the FASTA", content_tsv
            )
            return from_fasta(cnarr, fa_fname)
        values = known.loc[keys]
        return values["gc"].to_numpy(dtype=float), values["rmask"].to_numpy(dtype=float)

    reference.get_fasta_stats = lookup
    try:
        yield
    finally:
        reference.get_fasta_stats = from_fasta


def build_reference(
    target_cnns: Sequence[str | Path],
    fasta: str | Path,
    bins_bed: str | Path,
    out: str | Path,
    content: str | Path | None = None,
) -> int:
    """Write a CNVkit reference pooled from normals' bin coverages (flat without any).

    ``content``: the bins' GC and repeat content computed once (:func:`write_bin_content`);
    without it CNVkit reads them from ``fasta``. Returns the number of normals pooled.
    """
    from cnvlib import reference
    from skgenome import tabio

    with known_bin_content(content):
        if target_cnns:
            ref = reference.do_reference(
                [str(p) for p in target_cnns], None, str(fasta), do_edge=False
            )
        else:
            logging.warning(
                "no normals: flat reference (every bin expected at log2 0; GC and repeat "
                "content still corrected)"
            )
            ref = reference.do_reference_flat(str(bins_bed), None, str(fasta))
    tabio.write(ref, str(out))
    return len(target_cnns)


def gene_region(
    bins: pd.DataFrame, gene: str, margin: int = GC_EXCLUDE_BP
) -> tuple[str, int, int] | None:
    """The gene's bins' span widened by ``margin`` on each side (chromosome, start, end), or
    None when no bin names the gene."""
    from .cnvio import gene_mask

    named = bins[np.asarray(gene_mask(bins["gene"].astype(str), gene))]
    if named.empty:
        return None
    chrom = str(named["chromosome"].iloc[0])
    named = named[named["chromosome"].astype(str) == chrom]
    return chrom, int(named["start"].min()) - margin, int(named["end"].max()) + margin


@contextmanager
def gc_curve_without(region: tuple[str, int, int] | None) -> Iterator[None]:
    """Within the block, CNVkit's bias correction (``fix.center_by_window``) learns its
    rolling-median curve from the bins outside ``region`` only and gives the bins inside it
    the curve's value at their GC (linear interpolation between the neighbouring learned
    bins); everything else is CNVkit's own: the same shuffle, sort and window fraction."""
    if region is None:
        yield
        return
    from cnvlib import fix, smoothing

    own = fix.center_by_window
    chrom, start, end = region

    def excluding(cnarr: Any, fraction: float, sort_key: Any, bias_smoother: str = "median") -> Any:
        df = cnarr.data.reset_index(drop=True)
        inside = (
            (df["chromosome"].astype(str) == chrom) & (df["end"] > start) & (df["start"] < end)
        ).to_numpy()
        if bias_smoother != "median" or not inside.any() or inside.all() or len(df) < 3:
            return own(cnarr, fraction, sort_key, bias_smoother=bias_smoother)
        shuffle = np.random.default_rng(0xA5EED).permutation(df.index)
        key = np.asarray(sort_key)[shuffle]
        df, inside = df.iloc[shuffle], inside[shuffle]
        order = np.argsort(key, kind="mergesort")
        df, key, inside = df.iloc[order], key[order], inside[order]
        learned = smoothing.rolling_median(df["log2"][~inside], fraction)
        biases = np.interp(key, key[~inside], learned)
        biases[~inside] = learned
        df["log2"] -= biases
        fixed = cnarr.as_dataframe(df)
        fixed.sort()
        return fixed

    fix.center_by_window = excluding
    try:
        yield
    finally:
        fix.center_by_window = own


def fix_only(
    target_cnn: str | Path,
    reference_cnn: str | Path,
    sample_id: str,
    out_cnr: str | Path,
    gene: str | None = GENE,
) -> Any:
    """Copy ratios (.cnr) of one sample against a reference, as ``cnvkit.py fix --no-edge``
    (GC correction, no segmentation), the GC curve learned away from ``gene`` (None: CNVkit's
    own curve from every bin; :func:`gc_curve_without`); returns CNVkit's array."""
    from cnvlib import fix
    from cnvlib.cmdutil import read_cna
    from cnvlib.cnary import CopyNumArray
    from skgenome import tabio

    target = read_cna(str(target_cnn), sample_id=sample_id)
    region = gene_region(target.data, gene) if gene else None
    with gc_curve_without(region):
        cnarr = fix.do_fix(target, CopyNumArray([]), read_cna(str(reference_cnn)), do_edge=False)
    tabio.write(cnarr, str(out_cnr))
    return cnarr


def fix_and_segment(
    target_cnn: str | Path,
    reference_cnn: str | Path,
    sample_id: str,
    out_cnr: str | Path,
    out_cns: str | Path,
    gene: str | None = GENE,
) -> int:
    """Copy ratios (.cnr) and CBS segments (.cns) of one sample (:func:`fix_only`, with
    ``gene``); returns the segment count.

    A sample without covered bins (e.g. no reads) gets its .cnr and an empty .cns, so the
    ERBB2 step can report it as not evaluable instead of the run failing.
    """
    from cnvlib import segmentation
    from skgenome import tabio

    cnarr = fix_only(target_cnn, reference_cnn, sample_id, out_cnr, gene)
    depth = cnarr["depth"] if "depth" in cnarr else np.ones(len(cnarr))
    covered = int((np.isfinite(cnarr["log2"]) & (np.asarray(depth) > 0)).sum())
    if covered < MIN_COVERED_BINS:
        logging.warning("%s: only %d covered bins: not segmented", sample_id, covered)
        Path(out_cns).write_text(SEGMENT_HEADER)
        return 0
    segments = segmentation.do_segmentation(cnarr, "cbs", threshold=WGS_CBS_THRESHOLD)
    tabio.write(segments, str(out_cns))
    return len(segments)
