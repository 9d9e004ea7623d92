"""A GRCh38-shaped synthetic reference: contig names, order and kinds of a real analysis set.

``HUMAN_LAYOUT`` has chr1-22, chrX, chrY and chrM in GRCh38 order, then unplaced scaffolds
(``chr*_random``, ``chrUn_*``), chrEBV and two alt haplotypes, as the GRCh38 full analysis
set orders them. Primary chromosomes are GRCh38's lengths divided by ``SCALE`` (with
centromeres, acrocentric p arms and large heterochromatin blocks as N gaps at scaled
positions), except chr17, which is longer than to scale so that ERBB2 has more than 5 Mb of
q arm on each side (room for a 2 Mb amplicon and the 5 Mb flank windows). chrM and chrEBV
have their real lengths; scaffolds are a tenth of theirs. ``chr17_KI270909v1_alt`` is a
diverged copy of the 17q12 region (ERBB2 and its neighbours, annotated on it too, as UCSC's
refFlat does); ``chr6_GL000251v2_alt`` one of the (scaled) MHC region.

:func:`contig_names` gives the Ensembl/NCBI names of the same contigs (1-22, X, Y, MT,
``KI270706.1``, ...): same sequence, same reads, other names.
"""

from __future__ import annotations

import re

from .genome import (
    ALT,
    AUTOSOME,
    CHREBV_BP,
    CHRM_BP,
    CHROM_X,
    CHROM_Y,
    MITO,
    UNPLACED,
    VIRUS,
    ChromLayout,
    Genome,
    alt_17q12,
)

#: GRCh38 primary chromosomes are shrunk by this factor (a ~55 Mb genome in all).
SCALE = 75
#: GRCh38 chromosomes: (name, length, centromere start, centromere end, other large N gaps),
#: bp. Lengths: GRCh38 (GCA_000001405.15); centromeres: UCSC hg38 cytoBand "acen" bands;
#: gaps: acrocentric p arms, the 1q12, 9q12, 16q11.2 and Yq12 heterochromatin, and chrY's
#: pseudo-autosomal regions, which the GRCh38 analysis sets hard-mask on chrY (UCSC gap
#: track; rounded to 10 kb).
GRCH38_CHROMOSOMES: tuple[tuple[str, int, int, int, tuple[tuple[int, int], ...]], ...] = (
    ("chr1", 248_956_422, 121_700_000, 125_100_000, ((125_100_000, 143_200_000),)),
    ("chr2", 242_193_529, 91_800_000, 96_000_000, ()),
    ("chr3", 198_295_559, 87_800_000, 94_000_000, ()),
    ("chr4", 190_214_555, 48_200_000, 51_800_000, ()),
    ("chr5", 181_538_259, 46_100_000, 51_400_000, ()),
    ("chr6", 170_805_979, 58_500_000, 62_600_000, ()),
    ("chr7", 159_345_973, 58_100_000, 62_100_000, ()),
    ("chr8", 145_138_636, 43_200_000, 47_200_000, ()),
    ("chr9", 138_394_717, 42_200_000, 45_500_000, ((45_500_000, 60_500_000),)),
    ("chr10", 133_797_422, 38_000_000, 41_600_000, ()),
    ("chr11", 135_086_622, 51_000_000, 55_800_000, ()),
    ("chr12", 133_275_309, 33_200_000, 37_800_000, ()),
    ("chr13", 114_364_328, 16_500_000, 18_900_000, ((0, 16_000_000),)),
    ("chr14", 107_043_718, 16_100_000, 18_200_000, ((0, 16_000_000),)),
    ("chr15", 101_991_189, 17_500_000, 20_500_000, ((0, 17_000_000),)),
    ("chr16", 90_338_345, 35_300_000, 38_400_000, ((38_400_000, 46_400_000),)),
    ("chr17", 83_257_441, 22_700_000, 27_400_000, ()),
    ("chr18", 80_373_285, 15_400_000, 21_500_000, ()),
    ("chr19", 58_617_616, 24_200_000, 28_100_000, ()),
    ("chr20", 64_444_167, 25_700_000, 30_400_000, ()),
    ("chr21", 46_709_983, 10_900_000, 13_000_000, ((0, 5_010_000),)),
    ("chr22", 50_818_468, 13_700_000, 17_400_000, ((0, 10_510_000),)),
    ("chrX", 156_040_895, 58_100_000, 61_000_000, ()),
    (
        "chrY",
        57_227_415,
        10_300_000,
        10_600_000,
        ((10_000, 2_781_480), (26_640_000, 56_887_900), (56_887_900, 57_217_415)),
    ),
)
#: Unplaced and unlocalised scaffolds kept (GRCh38 names and lengths); written at a tenth of
#: their length (tens of kb).
GRCH38_SCAFFOLDS: tuple[tuple[str, int], ...] = (
    ("chr1_KI270706v1_random", 175_055),
    ("chr14_GL000009v2_random", 201_709),
    ("chr17_KI270729v1_random", 280_839),
    ("chr22_KI270733v1_random", 179_772),
    ("chrUn_KI270742v1", 186_739),
    ("chrUn_GL000220v1", 161_802),
)
SCAFFOLD_SCALE = 10

#: The synthetic chr17: 14 Mb (not to scale); p arm 1 Mb, centromere gap 1.00-1.06 Mb,
#: ERBB2 at 7.6 Mb: 6.5 Mb of q arm before it and 6.3 Mb after it. The q arm is 24% of the
#: genome, so a whole-arm 17q gain stays below the 35% the tumour model allows.
HUMAN_CHR17 = ChromLayout(
    "chr17", 14_000_000, 1_000_000, centromere_bp=60_000, erbb2_start=7_600_000
)
#: The MHC (GRCh38 chr6:28.5-33.4 Mb, scaled) that the chr6 alt haplotype copies.
MHC_GRCH38 = (28_510_000, 33_410_000)


def _scaled_chromosome(
    name: str, length: int, cen_start: int, cen_end: int, gaps: tuple[tuple[int, int], ...]
) -> ChromLayout:
    """A GRCh38 chromosome shrunk by ``SCALE`` (its gaps and centromere with it)."""
    role = {"chrX": CHROM_X, "chrY": CHROM_Y}.get(name, AUTOSOME)
    return ChromLayout(
        name,
        round(length / SCALE),
        round(cen_start / SCALE),
        centromere_bp=round((cen_end - cen_start) / SCALE),
        gaps=tuple((round(a / SCALE), round(b / SCALE)) for a, b in gaps),
        role=role,
    )


def _alt_mhc() -> ChromLayout:
    """The MHC alt haplotype: a copy of the scaled MHC of chr6."""
    start, end = (round(x / SCALE) for x in MHC_GRCH38)
    return ChromLayout(
        "chr6_GL000251v2_alt",
        end - start,
        0,
        centromere_bp=0,
        role=ALT,
        copy_of=("chr6", start, end),
    )


def _human_layout() -> tuple[ChromLayout, ...]:
    layout = [
        HUMAN_CHR17 if row[0] == "chr17" else _scaled_chromosome(*row) for row in GRCH38_CHROMOSOMES
    ]
    layout.append(ChromLayout("chrM", CHRM_BP, 0, centromere_bp=0, role=MITO))
    layout += [
        ChromLayout(name, length // SCAFFOLD_SCALE, 0, centromere_bp=0, role=UNPLACED)
        for name, length in GRCH38_SCAFFOLDS
    ]
    layout.append(ChromLayout("chrEBV", CHREBV_BP, 0, centromere_bp=0, role=VIRUS))
    return (*layout, _alt_mhc(), alt_17q12(HUMAN_CHR17))


#: The GRCh38-shaped layout (UCSC names; ~55 Mb).
HUMAN_LAYOUT: tuple[ChromLayout, ...] = _human_layout()

#: Contig naming styles: UCSC (chr1, chrM, chrUn_KI270742v1, chr17_KI270909v1_alt) and
#: Ensembl/NCBI (1, MT, KI270742.1, KI270909.1).
NAMINGS = ("ucsc", "ensembl")
#: Ensembl/NCBI names that do not follow from the UCSC name. Ensembl's GRCh38 has no EBV;
#: the Ensembl-named GRCh37 1000 Genomes reference (hs37d5) calls it NC_007605.
ENSEMBL_SPECIAL = {"chrM": "MT", "chrEBV": "NC_007605"}
_SCAFFOLD = re.compile(r"^chr(?:\w+?_)?([A-Z]{2}\d+)v(\d+)(?:_random|_alt)?$")


def ensembl_name(ucsc: str) -> str:
    """The Ensembl/NCBI name of a UCSC contig name (``chr17`` -> ``17``, ``chrM`` -> ``MT``,
    ``chrUn_KI270742v1`` -> ``KI270742.1``, ``chr17_KI270909v1_alt`` -> ``KI270909.1``)."""
    if ucsc in ENSEMBL_SPECIAL:
        return ENSEMBL_SPECIAL[ucsc]
    m = _SCAFFOLD.match(ucsc)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    return ucsc.removeprefix("chr")


def contig_names(genome: Genome, naming: str) -> dict[str, str]:
    """UCSC name -> name in ``naming`` (``ucsc`` or ``ensembl``) for every contig."""
    if naming not in NAMINGS:
        raise ValueError(f"naming must be one of {NAMINGS}, got {naming!r}")
    if naming == "ucsc":
        return {n: n for n in genome.names}
    return {n: ensembl_name(n) for n in genome.names}


def name_genome(genome: Genome, naming: str) -> Genome:
    """``genome`` (built with UCSC names) with its contigs named in the ``naming`` style."""
    return genome.renamed(contig_names(genome, naming))
