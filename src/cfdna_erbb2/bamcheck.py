"""Checks of a user-provided BAM before it is used as it is."""

from __future__ import annotations

from pathlib import Path

import pysam

from .tsv import read_fai


def check_bam_matches_reference(bam: str | Path, fai: str | Path) -> None:
    """Raise ValueError unless every reference contig is in the BAM header with its length.

    Extra contigs in the BAM (decoys, alternative haplotypes) are allowed; missing or
    differently sized ones mean the BAM was aligned to another genome build.
    """
    reference = read_fai(fai)
    try:
        with pysam.AlignmentFile(str(bam), "rb", check_sq=False) as fh:
            header = dict(zip(fh.references, fh.lengths, strict=True))
            sorted_by = fh.header.to_dict().get("HD", {}).get("SO", "unknown")
    except (OSError, ValueError) as exc:
        raise ValueError(f"{bam}: not a readable BAM file ({exc})") from exc
    missing = [c for c in reference if c not in header]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(
            f"{bam}: {len(missing)} reference contig(s) missing from the BAM header ({shown}); "
            f"BAM contigs: {', '.join(list(header)[:5])} ... Was it aligned to another genome "
            "build or naming style (chr1 vs 1)?"
        )
    wrong = [c for c in reference if header[c] != reference[c]]
    if wrong:
        c = wrong[0]
        raise ValueError(
            f"{bam}: contig {c} is {header[c]} bp in the BAM but {reference[c]} bp in the "
            "reference: aligned to another genome build"
        )
    if sorted_by != "coordinate":
        raise ValueError(f"{bam}: not coordinate-sorted (@HD SO:{sorted_by}); sort it first")


def link_with_index(bam: str | Path, out_bam: str | Path, out_bai: str | Path) -> None:
    """Symlink ``bam`` to ``out_bam`` and provide an index: the one beside it, or a new one."""
    src = Path(bam).resolve()
    out_bam, out_bai = Path(out_bam), Path(out_bai)
    for path in (out_bam, out_bai):
        if path.is_symlink() or path.exists():
            path.unlink()
    out_bam.symlink_to(src)
    for candidate in (Path(f"{src}.bai"), src.with_suffix(".bai")):
        if candidate.is_file() and candidate.stat().st_mtime >= src.stat().st_mtime:
            out_bai.symlink_to(candidate)
            return
    pysam.index(str(out_bam), str(out_bai))
