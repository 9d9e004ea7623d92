"""Which contigs of a reference carry copy-number bins.

Reads are aligned to the whole reference as given (alt, decoy and unplaced contigs soak up
reads that would otherwise mismap), but copy number is measured on the primary chromosomes
only: an unplaced scaffold or an alt haplotype has no diploid expectation, and an alt copy of
17q12 would mix a second ERBB2 into the first. Naming styles as references come:

- UCSC (GRCh38 analysis sets, hg19): ``chr1``-``chr22``, ``chrX``, ``chrY``; left out:
  ``chrM``, ``chr*_random``, ``chrUn_*``, ``chr*_alt``, ``chr*_fix``, ``chrEBV``, ``HLA-*``,
  ``*_decoy``.
- Ensembl / NCBI (GRCh38, GRCh37 with hs37d5): ``1``-``22``, ``X``, ``Y``; left out: ``MT``,
  ``KI270*``/``GL000*`` scaffolds, ``hs37d5``, ``NC_007605`` (EBV), ``HLA-*``.

A genome whose names follow neither style (e.g. a synthetic one) keeps every contig that is
not recognisably non-primary by those patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: chr1-22, X, Y with or without the UCSC "chr" prefix.
PRIMARY = re.compile(r"^(?:chr)?(?:[1-9]|1[0-9]|2[0-2]|X|Y)$")
#: Contigs that never carry bins: mitochondria, EBV, alt/fix/random/unplaced scaffolds,
#: decoys and HLA alleles, in UCSC and Ensembl/NCBI naming.
NON_PRIMARY = re.compile(
    r"^(?:chrM|chrMT|M|MT|chrEBV|EBV|NC_007605(?:\.\d+)?|hs37d5|HLA-.*|chrUn_.*"
    r"|.*_(?:random|alt|fix|decoy)|(?:KI|GL|JH|KN|KZ|KQ|KV|ML|MU)\d+(?:\.\d+)?)$"
)
#: Sex chromosomes in either naming style.
SEX_CHROMOSOMES = frozenset({"chrX", "chrY", "X", "Y"})


@dataclass(frozen=True)
class ContigChoice:
    """The contigs that carry bins, those left out, and how the choice was made."""

    chosen: tuple[str, ...]
    left_out: tuple[str, ...]
    how: str

    def summary(self, shown: int = 10) -> str:
        """One line for the log: what was chosen and what was left out."""
        out = ", ".join(self.left_out[:shown])
        if len(self.left_out) > shown:
            out += f", ... ({len(self.left_out) - shown} more)"
        return (
            f"{len(self.chosen)} contigs carry bins ({self.how}): {', '.join(self.chosen)}; "
            f"left out {len(self.left_out)}: {out or 'none'}"
        )


def is_primary(name: str) -> bool:
    """chr1-22, X, Y (UCSC or Ensembl style)."""
    return bool(PRIMARY.match(name))


def choose_contigs(contigs: Sequence[str], wanted: str | Iterable[str] = "auto") -> ContigChoice:
    """The contigs that carry bins, from the reference's contigs (.fai order).

    ``wanted`` is "auto" (the primary chromosomes when the reference names them, else every
    contig not recognisably non-primary) or an explicit list; names not in the reference
    raise ValueError.
    """
    if isinstance(wanted, str):
        if wanted != "auto":
            raise ValueError(f"contigs: {wanted!r} is neither 'auto' nor a list of contigs")
        primary = [c for c in contigs if is_primary(c)]
        if primary:
            chosen, how = primary, "primary chromosomes 1-22, X, Y"
        else:
            chosen = [c for c in contigs if not NON_PRIMARY.match(c)]
            how = "no human chromosome names: every contig not alt, unplaced, decoy or viral"
    else:
        names = list(wanted)
        missing = [c for c in names if c not in set(contigs)]
        if missing:
            raise ValueError(
                f"contigs not in the reference: {', '.join(missing)} (it has "
                f"{', '.join(list(contigs)[:5])}, ...)"
            )
        chosen, how = [c for c in contigs if c in set(names)], "listed in the config"
    left_out = tuple(c for c in contigs if c not in set(chosen))
    return ContigChoice(tuple(chosen), left_out, how)


def autosomes(contigs: Iterable[str]) -> list[str]:
    """The contigs that are not sex chromosomes."""
    return [c for c in contigs if c not in SEX_CHROMOSOMES]
