"""A synthetic reference genome with a human-like 17q12 (ERBB2) locus.

The genome is a handful of chromosomes with human-like names, regional GC content that varies
in blocks of tens to hundreds of kb, repeated segments (low mappability), and N gaps for
telomeres and centromeres. Genes are written as a UCSC refFlat table; the 17q12 neighbours
of ERBB2 keep their GRCh38 order, sizes and spacing, shifted to the synthetic chr17.
A layout may also hold contigs other than autosomes (each ``ChromLayout`` has a role): sex
chromosomes, chrM, a virus, unplaced scaffolds, and alt haplotypes built as diverged copies
of a stretch of their chromosome (see :mod:`.human` for a GRCh38-shaped layout).

All coordinates are 0-based, half-open, in bp. ``Genome.seq`` holds every chromosome
concatenated (uppercase ASCII codes); ``Genome.offsets[i]`` is where chromosome ``i`` starts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

#: Length of the N run at each chromosome end (bp), as in GRCh38's 10 kb telomere gaps.
TELOMERE_N_BP = 10_000
#: Width of the centromere N gap (bp); the real ones are Mb long, shrunk to scale.
CENTROMERE_N_BP = 200_000
#: Regional GC fraction range; human 100 kb windows mostly span 35-60% (Lander et al. 2001).
GC_MIN, GC_MAX = 0.35, 0.60
#: Mean and bounds of a GC block (bp): isochore-like blocks of tens to hundreds of kb.
GC_BLOCK_MEAN_BP, GC_BLOCK_MIN_BP, GC_BLOCK_MAX_BP = 100_000, 20_000, 500_000
#: Fraction of the genome overwritten with copies of other segments (low mappability).
REPEAT_FRACTION = 0.03
#: Size range of a repeated segment (bp) and the substitution rate between copies.
REPEAT_MIN_BP, REPEAT_MAX_BP, REPEAT_DIVERGENCE = 2_000, 20_000, 0.005
#: No repeats within this distance (bp) of ERBB2, so the gene itself stays uniquely mappable.
REPEAT_EXCLUSION_BP = 300_000
#: Substitution rate of an alt haplotype against the stretch of its chromosome it copies.
#: Real alt haplotypes differ by far less (~0.1-1%); 3% keeps most paired reads of the
#: primary chromosome uniquely placed by bwa mem (MAPQ >= 20) without alt-aware mapping.
ALT_DIVERGENCE = 0.03
#: Number of genes placed outside 17q12 (the issue asks for at least 100).
N_OTHER_GENES = 150

#: ERBB2 in GRCh38 (0-based start of chr17:39,687,914-39,730,426).
ERBB2_GRCH38 = (39_687_913, 39_730_426)
#: ERBB2 and its 17q12 neighbours in GRCh38 (bp; NCBI RefSeq, rounded as in the issue):
#: (name, start, end, strand).
LOCUS_17Q12_GRCH38: tuple[tuple[str, int, int, str], ...] = (
    ("STARD3", 39_637_000, 39_663_000, "+"),
    ("TCAP", 39_665_000, 39_666_000, "+"),
    ("PNMT", 39_668_000, 39_670_000, "+"),
    ("PGAP3", 39_671_000, 39_687_000, "-"),
    ("ERBB2", ERBB2_GRCH38[0], ERBB2_GRCH38[1], "+"),
    ("MIEN1", 39_730_000, 39_732_000, "-"),
    ("GRB7", 39_737_000, 39_747_000, "+"),
    ("IKZF3", 39_757_000, 39_864_000, "-"),
)


#: Contig roles. Autosomes and sex chromosomes are the primary chromosomes (telomere gaps,
#: genes, copy-number events); the others are what real references add to them.
AUTOSOME, CHROM_X, CHROM_Y = "autosome", "X", "Y"
MITO, VIRUS, UNPLACED, ALT = "mito", "virus", "unplaced", "alt"
ROLES = (AUTOSOME, CHROM_X, CHROM_Y, MITO, VIRUS, UNPLACED, ALT)
PRIMARY_ROLES = (AUTOSOME, CHROM_X, CHROM_Y)


@dataclass(frozen=True)
class ChromLayout:
    """One contig's design: name, length (bp) and centromere gap start (bp).

    ``centromere_bp``: width of the centromere N gap (0: none). ``gaps``: further N gaps
    (start, end) in bp (heterochromatin, acrocentric p arms, masked PARs). ``role``: one of
    ``ROLES``; only primary chromosomes get telomere gaps and genes. ``erbb2_start``: where
    ERBB2 starts (bp) on the chromosome that carries the 17q12 locus, else ``None``.
    ``copy_of``: for an alt haplotype, the (chromosome, start, end) it is a diverged copy of.
    """

    name: str
    length: int
    centromere_start: int
    centromere_bp: int = CENTROMERE_N_BP
    gaps: tuple[tuple[int, int], ...] = ()
    role: str = AUTOSOME
    erbb2_start: int | None = None
    copy_of: tuple[str, int, int] | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"{self.name}: role must be one of {ROLES}, got {self.role!r}")
        if self.copy_of is not None and self.copy_of[2] - self.copy_of[1] != self.length:
            raise ValueError(f"{self.name}: length must equal the copied stretch")

    @property
    def is_primary(self) -> bool:
        """An autosome or a sex chromosome."""
        return self.role in PRIMARY_ROLES

    def n_gaps(self) -> list[tuple[int, int]]:
        """Every N gap (start, end) in bp: telomeres (primary only), centromere, ``gaps``."""
        out = []
        if self.is_primary:
            out += [(0, TELOMERE_N_BP), (self.length - TELOMERE_N_BP, self.length)]
        if self.centromere_bp:
            out.append((self.centromere_start, self.centromere_start + self.centromere_bp))
        return out + list(self.gaps)


#: Where ERBB2 starts on the synthetic chr17 (bp).
ERBB2_START = 4_650_000
#: chr17 layout: p arm 1.4 Mb, centromere gap 1.4-1.6 Mb, ERBB2 at 4.65 Mb (3.05 Mb from the
#: centromere, 3.5 Mb from the q telomere), so a 2 Mb amplicon still has flanks on both sides.
#: The q arm (6.6 Mb) is kept short so that a whole-arm 17q gain stays < 35% of the genome.
CHR17 = ChromLayout("chr17", 8_200_000, 1_400_000, erbb2_start=ERBB2_START)

#: Real length of chrM (rCRS, NC_012920.1) and chrEBV (AJ507799.2), bp.
CHRM_BP, CHREBV_BP = 16_569, 171_823
#: Stretch of chr17 that a 17q12 alt haplotype copies: STARD3 to IKZF3 and 50 kb beyond
#: (327 kb; the real chr17_KI270909v1_alt is 325,800 bp).
ALT_17Q12_FLANK_BP = 50_000


def alt_17q12(chr17: ChromLayout) -> ChromLayout:
    """The 17q12 alt haplotype of ``chr17``: from 50 kb before STARD3 to 50 kb after IKZF3.

    GRCh38's ``chr17_KI270909v1_alt``; real refFlat files annotate ERBB2 on it too.
    """
    if chr17.erbb2_start is None:
        raise ValueError(f"{chr17.name} does not carry ERBB2")
    shift = chr17.erbb2_start - ERBB2_GRCH38[0]
    start = LOCUS_17Q12_GRCH38[0][1] + shift - ALT_17Q12_FLANK_BP
    end = LOCUS_17Q12_GRCH38[-1][2] + shift + ALT_17Q12_FLANK_BP
    return ChromLayout(
        "chr17_KI270909v1_alt",
        end - start,
        0,
        centromere_bp=0,
        role=ALT,
        copy_of=(chr17.name, start, end),
    )


def _beyond_autosomes(x_bp: int, y_bp: int) -> tuple[ChromLayout, ...]:
    """What a real UCSC-named analysis set adds to the autosomes, in GRCh38's order.

    chrX and chrY (``x_bp``, ``y_bp`` long; chrY's q arm mostly N as GRCh38's Yq12
    heterochromatin is), chrM, one unplaced scaffold (a tenth of chrUn_KI270742v1), chrEBV
    and the 17q12 alt haplotype of :data:`CHR17`.
    """
    return (
        ChromLayout("chrX", x_bp, round(x_bp * 0.37), role=CHROM_X),
        ChromLayout(
            "chrY",
            y_bp,
            round(y_bp * 0.2),
            centromere_bp=50_000,
            gaps=((round(y_bp * 0.6), y_bp - TELOMERE_N_BP),),
            role=CHROM_Y,
        ),
        ChromLayout("chrM", CHRM_BP, 0, centromere_bp=0, role=MITO),
        ChromLayout("chrUn_KI270742v1", 18_674, 0, centromere_bp=0, role=UNPLACED),
        ChromLayout("chrEBV", CHREBV_BP, 0, centromere_bp=0, role=VIRUS),
        alt_17q12(CHR17),
    )


#: Default layout (the demo): 20.8 Mb of autosomes, then chrX, chrY, chrM, an unplaced
#: scaffold, chrEBV and the 17q12 alt haplotype, so that men and women differ and the
#: contigs a real reference adds are there to be left out.
DEFAULT_LAYOUT: tuple[ChromLayout, ...] = (
    ChromLayout("chr1", 4_200_000, 1_700_000),
    ChromLayout("chr2", 3_600_000, 1_400_000),
    ChromLayout("chr8", 2_800_000, 1_000_000),
    CHR17,
    ChromLayout("chr20", 2_200_000, 900_000),
    *_beyond_autosomes(2_000_000, 1_000_000),
)
#: Smaller layout for CI: 19.1 Mb of autosomes (the 17q arm must stay < 35% of the
#: genome), and the same kinds of other contigs as the default.
SMALL_LAYOUT: tuple[ChromLayout, ...] = (
    ChromLayout("chr1", 3_400_000, 1_400_000),
    ChromLayout("chr2", 2_900_000, 1_100_000),
    ChromLayout("chr8", 2_600_000, 1_000_000),
    CHR17,
    ChromLayout("chr20", 2_000_000, 800_000),
    *_beyond_autosomes(1_600_000, 800_000),
)

_ACGT = np.frombuffer(b"ACGT", dtype=np.uint8)
_CODE = np.zeros(256, dtype=np.uint8)
_CODE[_ACGT] = np.arange(4, dtype=np.uint8)
_N = ord("N")
#: Base by (is G/C, second bit): A or T when not G/C, C or G when G/C.
_BY_GC_BIT = np.frombuffer(b"ATCG", dtype=np.uint8)


@dataclass(frozen=True)
class Gene:
    """One refFlat transcript. Coordinates are 0-based half-open (as refFlat stores them)."""

    name: str
    chrom: str
    strand: str
    start: int
    end: int
    cds_start: int
    cds_end: int
    exon_starts: tuple[int, ...]
    exon_ends: tuple[int, ...]

    def refflat_line(self) -> str:
        """The gene as one refFlat row (11 tab-separated columns, trailing commas)."""
        starts = "".join(f"{s}," for s in self.exon_starts)
        ends = "".join(f"{e}," for e in self.exon_ends)
        return (
            f"{self.name}\tNM_SIM_{self.name}\t{self.chrom}\t{self.strand}\t{self.start}\t"
            f"{self.end}\t{self.cds_start}\t{self.cds_end}\t{len(self.exon_starts)}\t"
            f"{starts}\t{ends}"
        )


@dataclass(frozen=True, eq=False)
class Genome:
    """A synthetic reference: concatenated sequence, chromosome table, gaps and genes.

    ``seq`` is uppercase ASCII (A, C, G, T, N) of every chromosome end to end; ``offsets`` and
    ``lengths`` (bp) locate each chromosome in it. ``centromeres`` maps a chromosome to its
    gap (start, end) in chromosome coordinates. ``roles`` gives each contig's role (see
    ``ROLES``); empty means every contig is an autosome.
    """

    names: tuple[str, ...]
    lengths: tuple[int, ...]
    seq: U8
    centromeres: dict[str, tuple[int, int]]
    genes: tuple[Gene, ...]
    seed: int
    roles: tuple[str, ...] = ()

    def role(self, i: int) -> str:
        """Role of contig ``i`` (``AUTOSOME`` unless ``roles`` says otherwise)."""
        return self.roles[i] if self.roles else AUTOSOME

    def indices(self, *roles: str) -> list[int]:
        """Indices of the contigs with any of ``roles``, in order."""
        return [i for i in range(len(self.names)) if self.role(i) in roles]

    @property
    def has_sex_chromosomes(self) -> bool:
        """Whether the genome has a chrX (so that samples differ by sex)."""
        return bool(self.indices(CHROM_X))

    def renamed(self, names: dict[str, str]) -> Genome:
        """The same genome with contigs renamed by ``names`` (absent names are kept)."""

        def new(name: str) -> str:
            return names.get(name, name)

        return replace(
            self,
            names=tuple(new(n) for n in self.names),
            centromeres={new(k): v for k, v in self.centromeres.items()},
            genes=tuple(replace(g, chrom=new(g.chrom)) for g in self.genes),
        )

    @cached_property
    def offsets(self) -> I64:
        """Global start (bp) of each chromosome in ``seq``."""
        return np.concatenate(([0], np.cumsum(self.lengths)[:-1])).astype(np.int64)

    @property
    def total_length(self) -> int:
        """Sum of chromosome lengths (bp), N included."""
        return int(sum(self.lengths))

    @cached_property
    def valid_intervals(self) -> tuple[I64, I64]:
        """Global (starts, ends) of the maximal runs without N within a contig, in bp."""
        is_n = np.concatenate(([True], self.seq == _N, [True]))
        edges = np.flatnonzero(np.diff(is_n.astype(np.int8)))
        starts, ends = edges[0::2].astype(np.int64), edges[1::2].astype(np.int64)
        # Contigs without N at their ends (chrM, scaffolds) touch: split runs at contig starts.
        bounds = self.offsets[1:]
        j = np.searchsorted(starts, bounds, side="right") - 1
        k = np.maximum(j, 0)
        inside = bounds[(j >= 0) & (bounds > starts[k]) & (bounds < ends[k])]
        if inside.size:
            starts = np.sort(np.concatenate((starts, inside)))
            ends = np.sort(np.concatenate((ends, inside)))
        return starts, ends

    @cached_property
    def acgt_lengths(self) -> I64:
        """Bases that are not N (bp) per contig."""
        starts, ends = self.valid_intervals
        contig = np.searchsorted(self.offsets, starts, side="right") - 1
        return np.bincount(contig, weights=ends - starts, minlength=len(self.names)).astype(
            np.int64
        )

    @cached_property
    def acgt_length(self) -> int:
        """Bases that are not N (bp): the denominator of sequencing depth."""
        starts, ends = self.valid_intervals
        return int((ends - starts).sum())

    @cached_property
    def gc_cumsum(self) -> npt.NDArray[np.int32]:
        """``gc_cumsum[i]`` = number of G/C in ``seq[:i]`` (length ``total_length + 1``)."""
        is_gc = (self.seq == ord("G")) | (self.seq == ord("C"))
        out = np.zeros(self.seq.size + 1, dtype=np.int32)
        np.cumsum(is_gc, out=out[1:])
        return out

    def chrom_index(self, chrom: str) -> int:
        """Index of ``chrom`` in ``names``; raises KeyError if absent."""
        try:
            return self.names.index(chrom)
        except ValueError:
            raise KeyError(chrom) from None

    def to_global(self, chrom: str, pos: int) -> int:
        """Global coordinate of chromosome position ``pos`` (bp)."""
        return int(self.offsets[self.chrom_index(chrom)]) + pos

    def gene(self, name: str) -> Gene:
        """The first gene called ``name`` (primary chromosomes come before alt contigs, so an
        alt copy of a gene is never returned); raises KeyError if absent."""
        for g in self.genes:
            if g.name == name:
                return g
        raise KeyError(name)

    def q_arm(self, chrom: str) -> tuple[int, int]:
        """The q arm of ``chrom``: from the centromere end to the chromosome end (bp)."""
        return self.centromeres[chrom][1], self.lengths[self.chrom_index(chrom)]


def _gc_track(rng: np.random.Generator, length: int) -> npt.NDArray[np.float64]:
    """Per-base GC probability: piecewise constant blocks of random size and GC."""
    n_blocks = length // GC_BLOCK_MIN_BP + 2
    sizes = rng.exponential(GC_BLOCK_MEAN_BP, n_blocks).clip(GC_BLOCK_MIN_BP, GC_BLOCK_MAX_BP)
    bounds = np.cumsum(sizes.astype(np.int64))
    n_used = int(np.searchsorted(bounds, length)) + 1
    gc = rng.uniform(GC_MIN, GC_MAX, n_used)
    block_len = np.diff(np.concatenate(([0], np.minimum(bounds[:n_used], length))))
    return np.repeat(gc, block_len)


def _random_sequence(rng: np.random.Generator, length: int) -> U8:
    """Random bases whose GC content follows a block-wise GC track."""
    gc = _gc_track(rng, length)
    is_gc = rng.random(length) < gc
    # Within each class pick one of the two bases with a second, independent bit.
    second = rng.random(length) < 0.5
    return _BY_GC_BIT[(is_gc.view(np.uint8) << 1) | second.view(np.uint8)]


def _add_repeats(rng: np.random.Generator, seq: U8, avoid: tuple[int, int]) -> None:
    """Overwrite segments with diverged copies of other segments (in place)."""
    target = int(seq.size * REPEAT_FRACTION)
    done = 0
    while done < target:
        size = int(rng.integers(REPEAT_MIN_BP, REPEAT_MAX_BP))
        src = int(rng.integers(0, seq.size - size))
        dst = int(rng.integers(0, seq.size - size))
        if abs(src - dst) < size or (dst < avoid[1] and dst + size > avoid[0]):
            continue
        if (seq[src : src + size] == _N).any() or (seq[dst : dst + size] == _N).any():
            continue
        copy = seq[src : src + size].copy()
        mut = rng.random(size) < REPEAT_DIVERGENCE
        copy[mut] = _ACGT[rng.integers(0, 4, int(mut.sum()))]
        if rng.random() < 0.5:  # inverted copy
            copy = revcomp(copy)
        seq[dst : dst + size] = copy
        done += size


_COMPLEMENT = np.arange(256, dtype=np.uint8)
for _a, _b in zip(b"ACGTNacgtn", b"TGCANtgcan", strict=True):
    _COMPLEMENT[_a] = _b


def revcomp(seq: U8) -> U8:
    """Reverse complement of ASCII bases (last axis reversed)."""
    return _COMPLEMENT[seq[..., ::-1]]


def complement(seq: U8) -> U8:
    """Complement of ASCII bases, not reversed."""
    return _COMPLEMENT[seq]


def _make_transcript(
    rng: np.random.Generator, name: str, chrom: str, start: int, end: int, strand: str
) -> Gene:
    """A gene spanning [start, end) with a plausible exon structure."""
    length = end - start
    n_exons = int(np.clip(length // 4_000 + 2, 2, 30))
    exon_len = np.minimum(rng.integers(80, 300, n_exons), max(length // (2 * n_exons), 20))
    if n_exons > 2:
        inner = np.sort(rng.choice(np.arange(1, length - 1), n_exons - 2, replace=False))
    else:
        inner = np.array([], dtype=np.int64)
    ex_starts = np.concatenate(([0], inner, [length - int(exon_len[-1])])) + start
    ex_ends = np.minimum(ex_starts + exon_len, end)
    ex_ends[-1] = end
    # Make exons disjoint and ordered.
    ex_ends[:-1] = np.minimum(ex_ends[:-1], ex_starts[1:])
    keep = ex_ends > ex_starts
    ex_starts, ex_ends = ex_starts[keep], ex_ends[keep]
    cds_start = int(min(ex_starts[0] + 50, ex_ends[0] - 1))
    cds_end = int(max(ex_ends[-1] - 50, ex_starts[-1] + 1))
    return Gene(
        name=name,
        chrom=chrom,
        strand=strand,
        start=start,
        end=end,
        cds_start=cds_start,
        cds_end=cds_end,
        exon_starts=tuple(int(x) for x in ex_starts),
        exon_ends=tuple(int(x) for x in ex_ends),
    )


def locus_17q12(erbb2_start: int = ERBB2_START) -> list[tuple[str, int, int, str]]:
    """ERBB2 and neighbours on the synthetic chr17: (name, start, end, strand), GRCh38 spacing."""
    shift = erbb2_start - ERBB2_GRCH38[0]
    return [(n, s + shift, e + shift, strand) for n, s, e, strand in LOCUS_17Q12_GRCH38]


def locus_chromosome(layout: tuple[ChromLayout, ...]) -> ChromLayout:
    """The layout's chromosome that carries the 17q12 locus (the one with ``erbb2_start``)."""
    found = [c for c in layout if c.erbb2_start is not None]
    if len(found) != 1:
        raise ValueError("layout must have exactly one chromosome with erbb2_start (chr17)")
    return found[0]


def _place_genes(
    rng: np.random.Generator,
    layout: tuple[ChromLayout, ...],
    centromeres: dict[str, tuple[int, int]],
) -> tuple[Gene, ...]:
    """The 17q12 locus plus ``N_OTHER_GENES`` random genes outside N gaps and 17q12, on the
    primary chromosomes; alt contigs copied from a stretch get that stretch's genes too."""
    chr17 = locus_chromosome(layout)
    assert chr17.erbb2_start is not None
    genes = [
        _make_transcript(rng, n, chr17.name, s, e, strand)
        for n, s, e, strand in locus_17q12(chr17.erbb2_start)
    ]
    locus = (genes[0].start - 200_000, genes[-1].end + 200_000)
    primary = [c for c in layout if c.is_primary]
    taken: dict[str, list[tuple[int, int]]] = {c.name: [] for c in primary}
    taken[chr17.name].append(locus)
    for c in primary:
        cs, ce = centromeres[c.name]
        taken[c.name] += [(0, TELOMERE_N_BP), (cs, ce), (c.length - TELOMERE_N_BP, c.length)]
        taken[c.name] += list(c.gaps)
    weights = np.array([c.length for c in primary], dtype=np.float64)
    n_placed = 0
    while n_placed < N_OTHER_GENES:
        c = primary[int(rng.choice(len(primary), p=weights / weights.sum()))]
        length = int(rng.lognormal(np.log(25_000), 0.8))
        length = int(np.clip(length, 2_000, 300_000))
        start = int(rng.integers(0, c.length - length))
        end = start + length
        if any(start < b + 1_000 and end > a - 1_000 for a, b in taken[c.name]):
            continue
        taken[c.name].append((start, end))
        n_placed += 1
        name = f"SIM{c.name.removeprefix('chr')}G{n_placed:03d}"
        strand = "+" if rng.random() < 0.5 else "-"
        genes.append(_make_transcript(rng, name, c.name, start, end, strand))
    genes += [g for c in layout for g in _copied_genes(c, genes)]
    order = {c.name: i for i, c in enumerate(layout)}
    return tuple(sorted(genes, key=lambda g: (order[g.chrom], g.start, g.name)))


def _copied_genes(contig: ChromLayout, genes: list[Gene]) -> list[Gene]:
    """The genes lying wholly inside the stretch an alt contig copies, in its coordinates
    (UCSC's refFlat lists ERBB2 on the 17q12 alt haplotype as well as on chr17)."""
    if contig.copy_of is None:
        return []
    chrom, start, end = contig.copy_of
    out = []
    for g in genes:
        if g.chrom == chrom and start <= g.start and g.end <= end:
            out.append(
                replace(
                    g,
                    chrom=contig.name,
                    start=g.start - start,
                    end=g.end - start,
                    cds_start=g.cds_start - start,
                    cds_end=g.cds_end - start,
                    exon_starts=tuple(x - start for x in g.exon_starts),
                    exon_ends=tuple(x - start for x in g.exon_ends),
                )
            )
    return out


def _copy_alts(
    seed: int, layout: tuple[ChromLayout, ...], seq: U8, offsets: npt.NDArray[np.int64]
) -> None:
    """Overwrite each alt contig (in place) with its stretch, diverged by ``ALT_DIVERGENCE``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xA17]))
    index = {c.name: i for i, c in enumerate(layout)}
    for i, c in enumerate(layout):
        if c.copy_of is None:
            continue
        chrom, start, end = c.copy_of
        src = int(offsets[index[chrom]])
        copy = seq[src + start : src + end].copy()
        mut = (rng.random(copy.size) < ALT_DIVERGENCE) & (copy != _N)
        # A substitution to one of the three other bases.
        code = (_CODE[copy[mut]] + rng.integers(1, 4, int(mut.sum()))) % 4
        copy[mut] = _ACGT[code]
        dst = int(offsets[i])
        seq[dst : dst + c.length] = copy


def make_genome(seed: int = 1, layout: tuple[ChromLayout, ...] = DEFAULT_LAYOUT) -> Genome:
    """Build a synthetic genome deterministically from ``seed``.

    ``layout`` must have one chromosome with ``erbb2_start`` (chr17: the ERBB2 locus is placed
    on it). Takes about a second for the default ~21 Mb.
    """
    chr17 = locus_chromosome(layout)
    assert chr17.erbb2_start is not None
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x9E4E]))
    pieces: list[U8] = []
    centromeres: dict[str, tuple[int, int]] = {}
    for c in layout:
        s = _random_sequence(rng, c.length)
        for a, b in c.n_gaps():
            s[a:b] = _N
        centromeres[c.name] = (c.centromere_start, c.centromere_start + c.centromere_bp)
        pieces.append(s)
    seq = np.concatenate(pieces)
    offsets = np.concatenate(([0], np.cumsum([c.length for c in layout])[:-1])).astype(np.int64)
    chr17_off = int(offsets[layout.index(chr17)])
    avoid = (
        chr17_off + chr17.erbb2_start - REPEAT_EXCLUSION_BP,
        chr17_off + chr17.erbb2_start + REPEAT_EXCLUSION_BP,
    )
    _add_repeats(rng, seq, avoid)
    genes = _place_genes(rng, layout, centromeres)
    _copy_alts(seed, layout, seq, offsets)
    return Genome(
        names=tuple(c.name for c in layout),
        lengths=tuple(c.length for c in layout),
        seq=seq,
        centromeres=centromeres,
        genes=genes,
        seed=seed,
        roles=tuple(c.role for c in layout),
    )


FASTA_LINE_WIDTH = 60


def fasta_bytes(name: str, seq: U8, width: int = FASTA_LINE_WIDTH) -> bytes:
    """One FASTA record with ``width``-column lines."""
    n_full = seq.size // width
    body = np.empty((n_full, width + 1), dtype=np.uint8)
    body[:, :width] = seq[: n_full * width].reshape(n_full, width)
    body[:, width] = ord("\n")
    tail = seq[n_full * width :].tobytes()
    return b">" + name.encode() + b"\n" + body.tobytes() + (tail + b"\n" if tail else b"")


def fai_lines(genome: Genome, width: int = FASTA_LINE_WIDTH) -> list[str]:
    """``samtools faidx`` index rows for the FASTA written by :func:`write_reference`."""
    lines = []
    offset = 0
    for name, length in zip(genome.names, genome.lengths, strict=True):
        offset += len(name) + 2  # '>' name '\n'
        lines.append(f"{name}\t{length}\t{offset}\t{width}\t{width + 1}")
        offset += length + (length + width - 1) // width
    return lines


def write_reference(genome: Genome, outdir: str | Path) -> dict[str, Path]:
    """Write ``genome.fa``, ``genome.fa.fai`` and ``genes.refFlat`` into ``outdir``.

    Returns the paths by key ``fasta``, ``fai``, ``refflat``.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    fasta = out / "genome.fa"
    with fasta.open("wb") as fh:
        for i, name in enumerate(genome.names):
            off = int(genome.offsets[i])
            fh.write(fasta_bytes(name, genome.seq[off : off + genome.lengths[i]]))
    fai = out / "genome.fa.fai"
    fai.write_text("\n".join(fai_lines(genome)) + "\n")
    refflat = out / "genes.refFlat"
    refflat.write_text("".join(g.refflat_line() + "\n" for g in genome.genes))
    return {"fasta": fasta, "fai": fai, "refflat": refflat}
