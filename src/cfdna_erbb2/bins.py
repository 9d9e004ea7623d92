"""Genome-wide CNVkit bins, labelled with gene names, with a size that follows the depth.

What ``cnvkit.py target ACCESS --split --avg-size SIZE --annotate refFlat`` writes, run
in-process through CNVkit's API (cnvlib), so the workflow and the benchmarks make their bins
with one function. Bins lie only on the chosen contigs (:mod:`cfdna_erbb2.contigs`: the
primary chromosomes by default) and outside excluded regions (e.g. the ENCODE blacklist,
:func:`read_exclusions`). The bin size is either fixed in the config or ``auto``: about
``reads_per_bin`` read pairs per bin at the median depth of the samples that set it (the
normals; all samples when there are none), see :func:`auto_bin_size`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .cnvio import gene_mask
from .errors import InputError


@dataclass(frozen=True)
class BinsInfo:
    """What :func:`build_bins` made: bin size (bp) and how it was chosen, the accessible
    genome (bp), the number of bins and of bins labelled with the gene, and the read pairs
    of the samples whose depth set an automatic size."""

    bin_size: int
    how: str
    accessible_bp: int
    n_bins: int
    gene_bins: int
    depth_read_pairs: list[int]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def auto_bin_size(
    read_pairs: list[int] | np.ndarray,
    accessible_bp: int,
    reads_per_bin: int = 300,
    min_size: int = 5_000,
    max_size: int = 1_000_000,
) -> int:
    """Bin size (bp) giving about ``reads_per_bin`` read pairs per bin at the median depth.

    Rounded to 1 kb (10 kb above 100 kb) and clamped to [min_size, max_size]. With no
    reads counted, returns max_size.
    """
    counts = np.asarray(read_pairs, dtype=float)
    counts = counts[counts > 0]
    if counts.size == 0 or accessible_bp <= 0:
        return max_size
    size = reads_per_bin * accessible_bp / float(np.median(counts))
    step = 10_000 if size >= 100_000 else 1_000
    size = round(size / step) * step
    return int(min(max(size, min_size), max_size))


def accessible_bp(bed: str | Path, contigs: Sequence[str] | None = None) -> int:
    """Total length (bp) of a BED file's regions (on ``contigs`` only, when given)."""
    keep = None if contigs is None else set(contigs)
    total = 0
    with Path(bed).open() as fh:
        for line in fh:
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.split("\t")
            if keep is None or fields[0] in keep:
                total += int(fields[2]) - int(fields[1])
    return total


def choose_bin_size(
    settings: Mapping[str, object],
    read_pairs: Sequence[int],
    accessible_bp: int,
    min_read_pairs: int = 0,
) -> tuple[int, str]:
    """(bin size in bp, how it was chosen) from the config's ``bins`` section.

    Samples with fewer than ``min_read_pairs`` (failed libraries) do not set the depth, as
    long as any sample has that many.
    """
    if str(settings["size"]) != "auto":
        return int(str(settings["size"])), "set in config"
    if any(p >= min_read_pairs for p in read_pairs):
        read_pairs = [p for p in read_pairs if p >= min_read_pairs]
    per_bin = int(str(settings["reads_per_bin"]))
    size = auto_bin_size(
        list(read_pairs),
        accessible_bp,
        per_bin,
        int(str(settings["min_size"])),
        int(str(settings["max_size"])),
    )
    return size, f"auto: {per_bin} read pairs per bin, median of {len(read_pairs)} samples"


def harmonise_names(chroms: pd.Series, contigs: Sequence[str]) -> pd.Series:
    """Chromosome names of a BED in the reference's style: 'chr17' <-> '17' as needed."""
    known = set(contigs)

    def one(name: str) -> str:
        if name in known:
            return name
        bare = name.removeprefix("chr")
        if bare in known:
            return bare
        if f"chr{name}" in known:
            return f"chr{name}"
        if bare in ("M", "MT"):
            return next((c for c in ("chrM", "MT", "chrMT", "M") if c in known), name)
        return name

    return chroms.astype(str).map(one)


def read_exclusions(paths: Sequence[str | Path], contigs: Sequence[str]) -> pd.DataFrame:
    """Regions to exclude (chromosome, start, end) from BED files (.gz too), in the
    reference's naming style; regions on other contigs are dropped."""
    frames = []
    for path in paths:
        try:
            bed = pd.read_csv(
                path, sep="\t", header=None, comment="#", usecols=[0, 1, 2], dtype={0: str}
            )
        except (OSError, ValueError, pd.errors.ParserError) as exc:
            raise InputError(path, f"not a readable BED file ({exc})", field="exclude") from None
        bed.columns = ["chromosome", "start", "end"]
        bed["chromosome"] = harmonise_names(bed["chromosome"], contigs)
        frames.append(bed[bed["chromosome"].isin(set(contigs))])
    if not frames:
        return pd.DataFrame(columns=["chromosome", "start", "end"])
    return pd.concat(frames, ignore_index=True)


def subtract_regions(regions: pd.DataFrame, exclude: pd.DataFrame) -> pd.DataFrame:
    """``regions`` (chromosome, start, end; 0-based half-open) less every ``exclude``
    interval, split where an excluded interval falls inside; order kept."""
    rows: list[tuple[str, int, int]] = []
    by_chrom = {c: g.sort_values("start") for c, g in exclude.groupby("chromosome")}
    for chrom, start, end in regions[["chromosome", "start", "end"]].itertuples(index=False):
        pieces = [(int(start), int(end))]
        cut = by_chrom.get(chrom)
        if cut is not None:
            hits = cut[(cut["start"] < end) & (cut["end"] > start)]
            for c_start, c_end in hits[["start", "end"]].itertuples(index=False):
                pieces = [
                    part
                    for a, b in pieces
                    for part in ((a, min(b, int(c_start))), (max(a, int(c_end)), b))
                    if part[1] > part[0]
                ]
        rows += [(chrom, a, b) for a, b in pieces]
    return pd.DataFrame(rows, columns=["chromosome", "start", "end"])


def write_target_bins(
    access: str | Path,
    refflat: str | Path,
    size: int,
    out: str | Path,
    contigs: Sequence[str] | None = None,
    exclude: pd.DataFrame | None = None,
) -> list[str]:
    """Split the accessible regions (on ``contigs``, less ``exclude``) into bins of about
    ``size`` bp, label them with the refFlat's genes, write a 4-column BED; returns the bins'
    gene labels."""
    from cnvlib import target
    from skgenome import GenomicArray, tabio

    regions = tabio.read_auto(str(access))
    table = regions.data[["chromosome", "start", "end"]]
    if contigs is not None:
        table = table[table["chromosome"].isin(list(contigs))]
    if exclude is not None and len(exclude):
        table = subtract_regions(table, exclude)
    regions = GenomicArray(table.reset_index(drop=True))
    regions = target.do_target(regions, str(refflat), False, True, float(size))
    tabio.write(regions, str(out), "bed4")
    return [str(label) for label in regions["gene"]]


def build_bins(
    access: str | Path,
    refflat: str | Path,
    gene: str,
    settings: Mapping[str, object],
    read_pairs: Sequence[int],
    out: str | Path,
    min_read_pairs: int = 0,
    contigs: Sequence[str] | None = None,
    exclude: pd.DataFrame | None = None,
) -> BinsInfo:
    """Bins for the whole study (BED ``out``); raises InputError when none names ``gene``.

    ``contigs``: the contigs that carry bins (default: all in ``access``); ``exclude``:
    regions to leave out (:func:`read_exclusions`).
    """
    accessible = accessible_bp(access, contigs)
    size, how = choose_bin_size(settings, read_pairs, accessible, min_read_pairs)
    labels = write_target_bins(access, refflat, size, out, contigs, exclude)
    n_gene = int(gene_mask(labels, gene).sum()) if labels else 0
    if n_gene == 0:
        raise InputError(
            refflat,
            f"no bin is labelled {gene}: check that the refFlat's chromosome names match "
            "the FASTA's",
            field="chrom",
        )
    return BinsInfo(size, how, accessible, len(labels), n_gene, [int(p) for p in read_pairs])
