"""Tumour genomes: a focal ERBB2 amplicon, broad gains and losses, an optional 17q arm gain.

A tumour genome is a piecewise-constant absolute copy-number profile over the reference
(``CopyNumberProfile``). Normal cells are diploid (2 copies everywhere).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from .genome import ALT, AUTOSOME, CHROM_X, CHROM_Y, MITO, VIRUS, Genome

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Copy number of a normal (diploid) genome.
NORMAL_COPIES = 2
#: Sexes of a sample: women carry two X and no Y, men one X and one Y (the pseudo-autosomal
#: regions are not modelled: chrY's are N, as in the GRCh38 analysis sets).
FEMALE, MALE = "female", "male"
SEXES = (FEMALE, MALE)
SEX_CHROMOSOME_COPIES = {FEMALE: {CHROM_X: 2, CHROM_Y: 0}, MALE: {CHROM_X: 1, CHROM_Y: 1}}
#: Share of read pairs from chrM and from the EBV genome in a normal sample (a small fixed
#: share, not a model: plasma mtDNA is short and degraded, so despite hundreds of copies per
#: cell it gives well under 1% of low-pass reads; EBV DNA is rarer still in healthy donors).
MITO_READ_FRACTION = 0.0005
VIRUS_READ_FRACTION = 0.0001
#: Allowed focal ERBB2 amplicon copy numbers (absolute copies in the tumour genome). Clinical
#: HER2 amplification is ERBB2/CEP17 >= 2 (ASCO/CAP 2018); plasma studies see 4 to ~60.
AMPLICON_COPIES_RANGE = (4.0, 60.0)
#: Allowed amplicon sizes (bp): the 17q12 amplicon usually spans a few hundred kb.
AMPLICON_SIZE_RANGE = (100_000, 2_000_000)
#: Broad events cover at most this fraction of the genome, so the genome median stays diploid
#: (the issue asks for < 35%).
MAX_BROAD_FRACTION = 0.30
#: Size range of one broad gain or loss (bp).
BROAD_SIZE_RANGE = (500_000, 2_500_000)
#: Copy numbers a broad event may take (loss of one copy, gain of one or two).
BROAD_COPIES = (1, 3, 4)


@dataclass(frozen=True)
class TumourSpec:
    """Design of one patient's tumour genome.

    ``erbb2_copies``: absolute copies of the focal amplicon (4-60), or ``None`` for no focal
    amplicon. ``amplicon_size``: bp (100 kb-2 Mb). ``amplicon_offset``: bp from the ERBB2
    midpoint to the amplicon midpoint (ERBB2 must stay inside the amplicon).
    ``arm_gain_17q``: copies of the whole 17q arm (e.g. 3 or 4; ``None`` for none).
    ``broad_fraction``: target fraction of the genome in broad gains/losses (not on 17q).
    ``arm_level``: broad events are whole chromosome arms (the commonest copy-number changes
    of breast and gastric cancers, e.g. 1q and 8q gains, 8p and 16q losses) instead of
    0.5-2.5 Mb stretches. ``seed``: seeds the broad events.
    """

    erbb2_copies: float | None = 20.0
    amplicon_size: int = 500_000
    amplicon_offset: int = 0
    arm_gain_17q: int | None = None
    broad_fraction: float = 0.15
    seed: int = 0
    arm_level: bool = False

    def __post_init__(self) -> None:
        lo, hi = AMPLICON_COPIES_RANGE
        if self.erbb2_copies is not None and not lo <= self.erbb2_copies <= hi:
            raise ValueError(f"erbb2_copies must be in [{lo}, {hi}], got {self.erbb2_copies}")
        slo, shi = AMPLICON_SIZE_RANGE
        if not slo <= self.amplicon_size <= shi:
            raise ValueError(f"amplicon_size must be in [{slo}, {shi}] bp")
        if not 0 <= self.broad_fraction <= MAX_BROAD_FRACTION:
            raise ValueError(f"broad_fraction must be in [0, {MAX_BROAD_FRACTION}]")
        if self.arm_gain_17q is not None and self.arm_gain_17q < 0:
            raise ValueError("arm_gain_17q must be a copy number >= 0")


@dataclass(frozen=True)
class Segment:
    """A constant copy-number segment: chromosome, [start, end) in bp, absolute copies."""

    chrom: str
    start: int
    end: int
    copies: float


@dataclass(frozen=True)
class TumourGenome:
    """A tumour's copy-number profile: segments differing from diploid, in priority order.

    Later segments override earlier ones where they overlap (the amplicon is last).
    ``amplicon`` is the focal amplicon's (chrom, start, end) or ``None``.
    """

    spec: TumourSpec
    events: tuple[Segment, ...]
    amplicon: tuple[str, int, int] | None

    def copies_at(self, chrom: str, pos: int) -> float:
        """Absolute tumour copy number at ``chrom:pos`` (0-based bp)."""
        value: float = NORMAL_COPIES
        for s in self.events:
            if s.chrom == chrom and s.start <= pos < s.end:
                value = s.copies
        return value

    def erbb2_copies(self, genome: Genome) -> float:
        """Tumour copy number at the ERBB2 midpoint (copies)."""
        g = genome.gene("ERBB2")
        return self.copies_at(g.chrom, (g.start + g.end) // 2)


def germline_copies(genome: Genome, sex: str = FEMALE) -> F64:
    """Copies of each contig in a normal cell of ``sex`` (per contig, in ``genome.names`` order).

    Autosomes and unplaced scaffolds: 2; chrX/chrY by sex; alt haplotypes: 0 (the sample's
    17q12 is chr17's; reads reach an alt only by mismapping); chrM and the virus: as many
    copies as give them ``MITO_READ_FRACTION`` and ``VIRUS_READ_FRACTION`` of the reads.
    """
    if sex not in SEXES:
        raise ValueError(f"sex must be one of {SEXES}, got {sex!r}")
    roles = [genome.role(i) for i in range(len(genome.names))]
    fixed = {ALT: 0, MITO: 0, VIRUS: 0, **SEX_CHROMOSOME_COPIES[sex]}
    copies = np.array([fixed.get(r, NORMAL_COPIES) for r in roles], dtype=np.float64)
    acgt = genome.acgt_lengths.astype(np.float64)
    nuclear = float((copies * acgt).sum())
    extra = {MITO: MITO_READ_FRACTION, VIRUS: VIRUS_READ_FRACTION}
    present = {r: f for r, f in extra.items() if r in roles}
    scale = nuclear / (1 - sum(present.values()))
    for i, r in enumerate(roles):
        if r in present:
            copies[i] = present[r] * scale / acgt[i] / roles.count(r)
    return copies


def amplicon_interval(genome: Genome, size: int, offset: int) -> tuple[str, int, int]:
    """The amplicon (chrom, start, end) of ``size`` bp centred ``offset`` bp from ERBB2's middle.

    Raises ValueError if the amplicon would not contain all of ERBB2.
    """
    g = genome.gene("ERBB2")
    mid = (g.start + g.end) // 2 + offset
    start, end = mid - size // 2, mid - size // 2 + size
    if start > g.start or end < g.end:
        raise ValueError(
            f"amplicon {start}-{end} (size {size}, offset {offset}) does not contain ERBB2"
        )
    return g.chrom, start, end


def _broad_events(genome: Genome, fraction: float, rng: np.random.Generator) -> list[Segment]:
    """Non-overlapping broad gains/losses covering about ``fraction`` of the genome, off 17q."""
    target = fraction * genome.total_length
    forbidden: dict[str, list[tuple[int, int]]] = {n: [] for n in genome.names}
    chr17 = genome.gene("ERBB2").chrom
    chr17_length = genome.lengths[genome.chrom_index(chr17)]
    forbidden[chr17].append((genome.centromeres[chr17][0], chr17_length))
    events: list[Segment] = []
    covered = 0
    autosomes = genome.indices(AUTOSOME)
    weights = np.asarray([genome.lengths[i] for i in autosomes], dtype=np.float64)
    attempts = 0
    while covered < target and attempts < 10_000:
        attempts += 1
        i = autosomes[int(rng.choice(len(autosomes), p=weights / weights.sum()))]
        chrom, length = genome.names[i], genome.lengths[i]
        size = int(rng.integers(*BROAD_SIZE_RANGE))
        size = min(size, int(target - covered) + BROAD_SIZE_RANGE[0], length // 2)
        start = int(rng.integers(0, length - size))
        end = start + size
        if any(start < b and end > a for a, b in forbidden[chrom]):
            continue
        copies = float(BROAD_COPIES[int(rng.integers(len(BROAD_COPIES)))])
        events.append(Segment(chrom, start, end, copies))
        forbidden[chrom].append((start, end))
        covered += size
    return events


def _arm_events(genome: Genome, fraction: float, rng: np.random.Generator) -> list[Segment]:
    """Whole autosome arms (p: telomere to centromere, q: centromere to telomere; not 17q)
    gained or lost, in random order while they fit within ``fraction`` of the genome."""
    target = fraction * genome.total_length
    chr17 = genome.gene("ERBB2").chrom
    arms = []
    for i in genome.indices(AUTOSOME):
        chrom = genome.names[i]
        cen_start, cen_end = genome.centromeres[chrom]
        arms.append((chrom, 0, cen_start))
        if chrom != chr17:
            arms.append((chrom, cen_end, genome.lengths[i]))
    events: list[Segment] = []
    covered = 0
    for k in rng.permutation(len(arms)):
        chrom, start, end = arms[int(k)]
        if end - start <= 0 or covered + end - start > target:
            continue
        copies = float(BROAD_COPIES[int(rng.integers(len(BROAD_COPIES)))])
        events.append(Segment(chrom, start, end, copies))
        covered += end - start
    return events


def make_tumour(genome: Genome, spec: TumourSpec) -> TumourGenome:
    """Build the tumour genome described by ``spec`` (deterministic in ``spec.seed``).

    Broad events fall on autosomes and avoid the chr17 q arm, and their total is capped so
    that, with any 17q arm gain, less than 35% of the genome departs from diploid. Sex
    chromosomes keep the patient's germline copies.
    """
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x7A3]))
    events: list[Segment] = []
    arm_fraction = 0.0
    if spec.arm_gain_17q is not None:
        chr17 = genome.gene("ERBB2").chrom
        qs, qe = genome.q_arm(chr17)
        events.append(Segment(chr17, qs, qe, float(spec.arm_gain_17q)))
        arm_fraction = (qe - qs) / genome.total_length
    broad = max(0.0, min(spec.broad_fraction, MAX_BROAD_FRACTION - arm_fraction))
    events = (_arm_events if spec.arm_level else _broad_events)(genome, broad, rng) + events
    amplicon = None
    if spec.erbb2_copies is not None:
        amplicon = amplicon_interval(genome, spec.amplicon_size, spec.amplicon_offset)
        events.append(Segment(*amplicon, float(spec.erbb2_copies)))
    return TumourGenome(spec=spec, events=tuple(events), amplicon=amplicon)


def without_amplicon(tumour: TumourGenome) -> TumourGenome:
    """The same tumour after losing its ERBB2-amplified clone: every broad event (and any
    17q arm gain) kept, the focal amplicon gone (an escape route under anti-HER2 therapy)."""
    if tumour.amplicon is None:
        return tumour
    chrom, start, end = tumour.amplicon
    events = tuple(e for e in tumour.events if (e.chrom, e.start, e.end) != (chrom, start, end))
    spec = replace(tumour.spec, erbb2_copies=None)
    return TumourGenome(spec=spec, events=events, amplicon=None)


def copy_number_track(
    genome: Genome, tumour: TumourGenome | None, sex: str = FEMALE
) -> tuple[I64, F64]:
    """Copy number as a global step function: (breakpoints, copies).

    The tumour's events over the germline copies of ``sex`` (:func:`germline_copies`);
    ``tumour=None`` gives the normal genome. ``breakpoints`` (bp, global coordinates) start
    with 0 and end with the genome length; ``copies[i]`` holds on
    ``[breakpoints[i], breakpoints[i+1])``.
    """
    total = genome.total_length
    germline = germline_copies(genome, sex)
    offsets = genome.offsets
    bounds = {0, total}
    # Contig starts where the germline copy number changes (none in an all-autosome genome).
    changes = np.flatnonzero(np.diff(germline)) + 1
    bounds.update(int(offsets[i]) for i in changes)
    glob = []
    for s in tumour.events if tumour is not None else ():
        off = int(offsets[genome.chrom_index(s.chrom)])
        glob.append((off + s.start, off + s.end, s.copies))
        bounds.update((off + s.start, off + s.end))
    bps = np.array(sorted(bounds), dtype=np.int64)
    contig = np.searchsorted(offsets, bps[:-1], side="right") - 1
    copies = germline[contig]
    for start, end, c in glob:  # later events override earlier ones
        i, j = np.searchsorted(bps, [start, end])
        copies[i:j] = c
    return bps, copies


def tumour_ploidy(genome: Genome, tumour: TumourGenome, sex: str = FEMALE) -> float:
    """Mean tumour copy number over the autosomes' non-N bases (copies)."""
    bps, copies = copy_number_track(genome, tumour, sex)
    starts, ends = genome.valid_intervals
    contig = np.searchsorted(genome.offsets, starts, side="right") - 1
    auto = np.isin(contig, genome.indices(AUTOSOME))
    # Integral of the step function from 0 to x, exact at every point.
    area = np.concatenate(([0.0], np.cumsum(copies * np.diff(bps))))
    covered = np.interp(ends[auto], bps, area) - np.interp(starts[auto], bps, area)
    return float(covered.sum() / (ends[auto] - starts[auto]).sum())
