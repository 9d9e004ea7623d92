"""Genome-wide CNVkit bins, labelled with gene names, with a size that follows the depth.

What ``cnvkit.py target ACCESS --split --avg-size SIZE --annotate refFlat`` writes, run
in-process through CNVkit's API (cnvlib), so the workflow and the benchmarks make their bins
with one function. The bin size is either fixed in the config or ``auto``: about
``reads_per_bin`` read pairs per bin at the median depth of the samples that set it (the
normals; all samples when there are none), see :func:`cfdna_erbb2.qc.auto_bin_size`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .cnvio import gene_mask
from .errors import InputError
from .qc import accessible_length, auto_bin_size


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


def choose_bin_size(
    settings: Mapping[str, object], read_pairs: Sequence[int], accessible_bp: int
) -> tuple[int, str]:
    """(bin size in bp, how it was chosen) from the config's ``bins`` section."""
    if str(settings["size"]) != "auto":
        return int(str(settings["size"])), "set in config"
    per_bin = int(str(settings["reads_per_bin"]))
    size = auto_bin_size(
        list(read_pairs),
        accessible_bp,
        per_bin,
        int(str(settings["min_size"])),
        int(str(settings["max_size"])),
    )
    return size, f"auto: {per_bin} read pairs per bin, median of {len(read_pairs)} samples"


def write_target_bins(
    access: str | Path, refflat: str | Path, size: int, out: str | Path
) -> list[str]:
    """Split the accessible regions into bins of about ``size`` bp, label them with the
    refFlat's genes, write a 4-column BED; returns the bins' gene labels."""
    from cnvlib import target
    from skgenome import tabio

    regions = target.do_target(tabio.read_auto(str(access)), str(refflat), False, True, float(size))
    tabio.write(regions, str(out), "bed4")
    return [str(label) for label in regions["gene"]]


def build_bins(
    access: str | Path,
    refflat: str | Path,
    gene: str,
    settings: Mapping[str, object],
    read_pairs: Sequence[int],
    out: str | Path,
) -> BinsInfo:
    """Bins for the whole study (BED ``out``); raises InputError when none names ``gene``."""
    accessible = accessible_length(access)
    size, how = choose_bin_size(settings, read_pairs, accessible)
    labels = write_target_bins(access, refflat, size, out)
    n_gene = int(gene_mask(labels, gene).sum()) if labels else 0
    if n_gene == 0:
        raise InputError(
            refflat,
            f"no bin is labelled {gene}: check that the refFlat's chromosome names match "
            "the FASTA's",
            field="chrom",
        )
    return BinsInfo(size, how, accessible, len(labels), n_gene, [int(p) for p in read_pairs])
