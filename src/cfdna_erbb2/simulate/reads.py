"""Paired-end cfDNA reads from a mixture of a diploid normal genome and a tumour genome.

Fragments are placed with density proportional to the plasma copy number
``TF * C(x) + N(x) * (1 - TF)`` (``C`` the tumour copy number, ``N`` the normal one: 2 on
autosomes, by sex on chrX/chrY; ``TF`` the tumour fraction of genome copies); each fragment
is tumour-derived with probability ``TF * C / pCN``. Lengths
follow a cfDNA-like distribution (mono-nucleosome mode near 167 bp with a 10 bp ladder below
it and a di-nucleosome peak; tumour fragments shorter). A smooth, sample-specific GC bias is
applied by rejection sampling; PCR duplicates are exact copies of a fragment with their own
sequencing errors. Output is gzipped FASTQ (R1, R2) and optionally a sorted, indexed BAM with
the true alignments.

Everything is vectorised with numpy; one sample is a pure function of (genome, tumour, spec).
"""

from __future__ import annotations

import gzip
import math
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pysam

from .genome import Genome, complement
from .tumour import FEMALE, NORMAL_COPIES, SEXES, TumourGenome, TumourSpec, copy_number_track

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U8 = npt.NDArray[np.uint8]
B = npt.NDArray[np.bool_]

#: Mono-nucleosome fragment mode (bp): 147 bp core + linker (Snyder et al., Cell 2016).
NORMAL_MODE_BP = 167
#: Tumour-derived fragments are shorter; their mode is near 145 bp
#: (Mouliere et al., Sci Transl Med 2018: ctDNA enriched at 90-150 bp).
TUMOUR_MODE_BP = 145
#: Periodicity of the ladder below the mode (bp): DNA helical pitch ~10.4 bp (Snyder 2016).
LADDER_PERIOD_BP = 10.4
#: Relative amplitude of the 10 bp ladder.
LADDER_AMPLITUDE = 0.35
#: Spread (bp) of the mono-nucleosome peak below and above the mode.
MONO_SD_LEFT_BP, MONO_SD_RIGHT_BP = 28.0, 12.0
#: Di-nucleosome peak: position (bp), spread (bp) and share of fragments (5-10%, Snyder 2016).
DI_MODE_BP, DI_SD_BP, DI_FRACTION = 330, 25.0, 0.07
#: Tumour di-nucleosome peak position (bp).
TUMOUR_DI_MODE_BP = 310
#: Shortest and longest fragment simulated (bp).
MIN_FRAGMENT_BP, MAX_FRAGMENT_BP = 40, 700
#: Default read length (bp) and PCR duplicate rate (fraction of read pairs).
DEFAULT_READ_LENGTH = 100
DEFAULT_DUP_RATE = 0.05
#: Mean substitution error rate per base (Illumina: ~0.1-0.3%, Stoler & Nekrutenko 2021).
DEFAULT_ERROR_RATE = 0.002
#: Phred quality range for high-quality bases and for miscalled bases.
QUAL_HIGH, QUAL_ERROR = (30, 40), (8, 20)
#: Sample-specific GC-bias curve: optimum fragment GC fraction range and curve width range
#: (Benjamini & Speed, NAR 2012: unimodal, sample-specific).
GC_OPTIMUM_RANGE, GC_WIDTH_RANGE = (0.40, 0.52), (0.12, 0.22)
#: Read pairs formatted per chunk (bounds memory: ~250 bytes per pair per array).
CHUNK_PAIRS = 65_536

_CODE = np.full(256, 0, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _CODE[_b] = _i
_ACGT = np.frombuffer(b"ACGT", dtype=np.uint8)


@dataclass(frozen=True)
class SampleSpec:
    """One plasma draw or healthy-donor sample.

    ``tumour_fraction``: fraction of genome copies in plasma from the tumour (0-1).
    ``depth``: mean coverage (x) = read_pairs * 2 * read_length / non-N genome length;
    ``read_pairs`` overrides it when given. ``read_length``: bp. ``dup_rate``: fraction of
    read pairs that are PCR duplicates. ``error_rate``: substitutions per base.
    ``gc_bias_strength``: 0 for no GC bias, 1 for the default strength; the curve's shape is
    drawn from ``gc_seed`` (default: ``seed``). ``seed``: all other randomness.
    ``tumour``: the patient's tumour design (``None`` for a healthy donor); used by
    :func:`~cfdna_erbb2.simulate.cohort.simulate_sample` when no tumour is passed to it.
    ``sex``: ``female`` (two X, no Y) or ``male`` (one X, one Y); matters only for a genome
    with sex chromosomes.
    """

    name: str
    tumour_fraction: float = 0.0
    depth: float = 1.0
    read_pairs: int | None = None
    read_length: int = DEFAULT_READ_LENGTH
    dup_rate: float = DEFAULT_DUP_RATE
    error_rate: float = DEFAULT_ERROR_RATE
    gc_bias_strength: float = 1.0
    gc_seed: int | None = None
    seed: int = 0
    tumour: TumourSpec | None = None
    sex: str = FEMALE

    def __post_init__(self) -> None:
        if self.sex not in SEXES:
            raise ValueError(f"sex must be one of {SEXES}, got {self.sex!r}")
        if not 0.0 <= self.tumour_fraction <= 1.0:
            raise ValueError(f"tumour_fraction must be in [0, 1], got {self.tumour_fraction}")
        if self.read_pairs is None and self.depth <= 0:
            raise ValueError("depth must be > 0")
        if self.read_pairs is not None and self.read_pairs < 0:
            raise ValueError("read_pairs must be >= 0")
        if not 0.0 <= self.dup_rate < 1.0:
            raise ValueError("dup_rate must be in [0, 1)")
        if not 0.0 <= self.error_rate < 0.5:
            raise ValueError("error_rate must be in [0, 0.5)")
        if not 20 <= self.read_length <= 300:
            raise ValueError("read_length must be in [20, 300] bp")

    def n_read_pairs(self, genome: Genome) -> int:
        """Number of read pairs: ``read_pairs`` or derived from ``depth`` (x)."""
        if self.read_pairs is not None:
            return self.read_pairs
        return round(self.depth * genome.acgt_length / (2 * self.read_length))


def fragment_length_pmf(mode: int, di_mode: int = DI_MODE_BP) -> tuple[I64, F64]:
    """A cfDNA fragment-length distribution: (lengths in bp, probabilities).

    A mono-nucleosome peak at ``mode`` with a 10.4 bp ladder on its short side, and a
    di-nucleosome peak at ``di_mode`` holding ``DI_FRACTION`` of the mass.
    """
    lengths = np.arange(MIN_FRAGMENT_BP, MAX_FRAGMENT_BP + 1, dtype=np.int64)
    d = (lengths - mode).astype(np.float64)
    left = np.exp(-0.5 * (d / MONO_SD_LEFT_BP) ** 2)
    left *= (1 + LADDER_AMPLITUDE * np.cos(2 * np.pi * d / LADDER_PERIOD_BP)) / (
        1 + LADDER_AMPLITUDE
    )
    right = np.exp(-0.5 * (d / MONO_SD_RIGHT_BP) ** 2)
    mono = np.where(d < 0, left, right)
    di = np.exp(-0.5 * ((lengths - di_mode) / DI_SD_BP) ** 2)
    p = (1 - DI_FRACTION) * mono / mono.sum() + DI_FRACTION * di / di.sum()
    return lengths, p / p.sum()


@dataclass(frozen=True)
class GcBias:
    """Relative capture efficiency of a fragment as a function of its GC fraction.

    ``weight(gc) = exp(-strength * (gc - optimum)^2 / (2 width^2))`` (max 1 at ``optimum``).
    """

    optimum: float
    width: float
    strength: float

    @classmethod
    def for_sample(cls, seed: int, strength: float) -> GcBias:
        """A sample-specific curve drawn from ``seed``."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 0x6C]))
        return cls(
            optimum=float(rng.uniform(*GC_OPTIMUM_RANGE)),
            width=float(rng.uniform(*GC_WIDTH_RANGE)),
            strength=strength,
        )

    def weight(self, gc: F64) -> F64:
        """Acceptance probability (0-1] for fragments of GC fraction ``gc``."""
        return np.exp(-self.strength * (gc - self.optimum) ** 2 / (2 * self.width**2))


@dataclass(frozen=True)
class Fragments:
    """Sequenced fragments in FASTQ order (one per read pair).

    ``start``: global 0-based start (bp); ``length``: bp; ``tumour``: tumour-derived;
    ``duplicate``: a PCR copy of an earlier-listed or later-listed original;
    ``r1_forward``: read 1 is on the forward strand at ``start`` (else at the fragment end,
    reverse strand).
    """

    start: I64
    length: I64
    tumour: B
    duplicate: B
    r1_forward: B

    def __len__(self) -> int:
        return int(self.start.size)


def _sampling_intervals(
    genome: Genome, tumour: TumourGenome | None, tf: float, sex: str = FEMALE
) -> tuple[I64, I64, F64, F64]:
    """Elementary intervals free of N with constant copy number.

    Returns (starts, lengths in bp, plasma copy number, probability a fragment is tumour).
    """
    bps, copies = copy_number_track(genome, tumour, sex)
    n_bps, n_copies = copy_number_track(genome, None, sex)
    vs, ve = genome.valid_intervals
    cuts = np.unique(np.concatenate((bps, n_bps, vs, ve)))
    starts, ends = cuts[:-1], cuts[1:]
    j = np.searchsorted(vs, starts, side="right") - 1
    valid = (j >= 0) & (starts < ve[np.maximum(j, 0)])
    c = copies[np.searchsorted(bps, starts, side="right") - 1]
    normal = n_copies[np.searchsorted(n_bps, starts, side="right") - 1]
    starts, ends, c, normal = starts[valid], ends[valid], c[valid], normal[valid]
    pcn = tf * c + normal * (1 - tf)
    p_tum = np.divide(tf * c, pcn, out=np.zeros_like(pcn), where=pcn > 0)
    return starts, ends - starts, pcn, p_tum


def _inverse_cdf(pmf: tuple[I64, F64], u: F64) -> I64:
    lengths, p = pmf
    cdf = np.cumsum(p)
    idx = np.minimum(np.searchsorted(cdf, u, side="right"), lengths.size - 1)
    return lengths[idx]


def simulate_fragments(genome: Genome, tumour: TumourGenome | None, spec: SampleSpec) -> Fragments:
    """Draw the sample's fragments (pure: deterministic in ``spec.seed``)."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0xF4A6]))
    n = spec.n_read_pairs(genome)
    n_dup = int(rng.binomial(n, spec.dup_rate)) if n else 0
    n_unique = n - n_dup
    tf = spec.tumour_fraction if tumour is not None else 0.0
    iv_start, iv_len, pcn, p_tum = _sampling_intervals(genome, tumour, tf, spec.sex)
    weights = iv_len * pcn
    weights = weights / weights.sum()
    gc_bias = GcBias.for_sample(
        spec.seed if spec.gc_seed is None else spec.gc_seed, spec.gc_bias_strength
    )
    normal_pmf = fragment_length_pmf(NORMAL_MODE_BP)
    tumour_pmf = fragment_length_pmf(TUMOUR_MODE_BP, TUMOUR_DI_MODE_BP)
    _, valid_ends = genome.valid_intervals
    gc_cum = genome.gc_cumsum

    got: list[tuple[I64, I64, B]] = []
    n_got = 0
    accept_rate = 0.7
    while n_got < n_unique:
        m = int((n_unique - n_got) / accept_rate * 1.05) + 1_000
        counts = rng.multinomial(m, weights)
        idx = np.repeat(np.arange(iv_start.size), counts)
        start = iv_start[idx] + (rng.random(m) * iv_len[idx]).astype(np.int64)
        is_tum = rng.random(m) < p_tum[idx]
        u = rng.random(m)
        length = np.where(is_tum, _inverse_cdf(tumour_pmf, u), _inverse_cdf(normal_pmf, u))
        end = start + length
        ok = end <= valid_ends[np.searchsorted(valid_ends, start, side="right")]
        if spec.gc_bias_strength > 0:
            # A rejected fragment may run past the genome's end when the last contig has no
            # N at its end: clip it so that its GC is still defined.
            gc = (gc_cum[np.minimum(end, gc_cum.size - 1)] - gc_cum[start]) / length
            ok &= rng.random(m) < gc_bias.weight(gc)
        else:
            rng.random(m)  # keep the random stream independent of the GC-bias switch
        accept_rate = max(float(ok.mean()), 0.05)
        got.append((start[ok], length[ok], is_tum[ok]))
        n_got += int(ok.sum())
    if got:
        start = np.concatenate([g[0] for g in got])
        length = np.concatenate([g[1] for g in got])
        is_tum = np.concatenate([g[2] for g in got])
    else:
        start = length = np.zeros(0, dtype=np.int64)
        is_tum = np.zeros(0, dtype=bool)
    # The multinomial lists fragments by position: keep a random subset in random order.
    keep = rng.permutation(start.size)[:n_unique]
    start, length, is_tum = start[keep], length[keep], is_tum[keep]
    r1_fwd = rng.random(n_unique) < 0.5
    src = rng.integers(0, max(n_unique, 1), n_dup)
    order = rng.permutation(n)
    return Fragments(
        start=np.concatenate((start, start[src]))[order],
        length=np.concatenate((length, length[src]))[order],
        tumour=np.concatenate((is_tum, is_tum[src]))[order],
        duplicate=np.concatenate((np.zeros(n_unique, bool), np.ones(n_dup, bool)))[order],
        r1_forward=np.concatenate((r1_fwd, r1_fwd[src]))[order],
    )


@dataclass(frozen=True)
class ReadChunk:
    """Reads of a block of consecutive fragments, as sequenced (5' to 3' of each read).

    ``seq1``/``seq2``/``qual1``/``qual2``: (n, read_length) ASCII (quality Phred+33);
    only the first ``rlen[i]`` columns of row ``i`` are meaningful. ``first``: index of the
    block's first pair (read names are numbered from it).
    """

    first: int
    seq1: U8
    seq2: U8
    qual1: U8
    qual2: U8
    rlen: I64


def _quality_bank(rng: np.random.Generator, read_length: int, size: int = 1024) -> U8:
    """Phred+33 quality strings: high, declining slightly along the read."""
    pos = np.arange(read_length) / read_length
    mean = QUAL_HIGH[1] - 2 - 6 * pos**2
    q = np.rint(mean + rng.normal(0, 1.5, (size, read_length)))
    return (np.clip(q, QUAL_HIGH[0] - 8, QUAL_HIGH[1] + 1) + 33).astype(np.uint8)


def _errors(rng: np.random.Generator, seq: U8, qual: U8, rlen: I64, rate: float) -> None:
    """Substitute bases in place at a rate rising along the read; lower their quality."""
    n, rl = seq.shape
    k = int(rng.binomial(n * rl, rate)) if n else 0
    if k == 0:
        return
    pos_w = np.linspace(0.5, 1.5, rl)  # errors rise along the read; mean 1
    col = rng.choice(rl, size=k, p=pos_w / pos_w.sum())
    row = rng.integers(0, n, k)
    shift = rng.integers(1, 4, k).astype(np.uint8)
    lowq = rng.integers(QUAL_ERROR[0], QUAL_ERROR[1] + 1, k).astype(np.uint8) + 33
    inside = col < rlen[row]
    row, col, shift, lowq = row[inside], col[inside], shift[inside], lowq[inside]
    seq[row, col] = _ACGT[(_CODE[seq[row, col]] + shift) % 4]
    qual[row, col] = lowq


def iter_reads(
    genome: Genome, fragments: Fragments, spec: SampleSpec, chunk: int = CHUNK_PAIRS
) -> Iterator[ReadChunk]:
    """Sequence the fragments in blocks of ``chunk`` pairs (deterministic in ``spec.seed``)."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x5E0]))
    rl = spec.read_length
    bank = _quality_bank(rng, rl)
    seq = genome.seq
    last = seq.size - 1
    cols = np.arange(rl, dtype=np.int64)
    for first in range(0, len(fragments), chunk):
        sl = slice(first, first + chunk)
        start, length = fragments.start[sl], fragments.length[sl]
        fwd1 = fragments.r1_forward[sl][:, None]
        n = start.size
        fwd = seq[np.minimum(start[:, None] + cols, last)]
        rev = complement(seq[np.maximum(start[:, None] + length[:, None] - 1 - cols, 0)])
        seq1 = np.where(fwd1, fwd, rev)
        seq2 = np.where(fwd1, rev, fwd)
        qual1 = bank[rng.integers(0, bank.shape[0], n)]
        qual2 = bank[rng.integers(0, bank.shape[0], n)]
        rlen = np.minimum(length, rl)
        _errors(rng, seq1, qual1, rlen, spec.error_rate)
        _errors(rng, seq2, qual2, rlen, spec.error_rate)
        yield ReadChunk(first, seq1, seq2, qual1, qual2, rlen)


def fastq_bytes(prefix: bytes, first: int, seq: U8, qual: U8, rlen: I64) -> bytes:
    """FASTQ records ``@{prefix}{index:010d}`` for a block of reads (vectorised)."""
    n, rl = seq.shape
    h = 1 + len(prefix) + 10 + 1
    width = h + rl + 3 + rl + 1
    rec = np.empty((n, width), dtype=np.uint8)
    rec[:, 0] = ord("@")
    rec[:, 1 : 1 + len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    idx = np.arange(first, first + n, dtype=np.int64)
    for d in range(10):
        rec[:, h - 2 - d] = 48 + (idx // 10**d) % 10
    rec[:, h - 1] = ord("\n")
    rec[:, h : h + rl] = seq
    rec[:, h + rl : h + rl + 3] = np.frombuffer(b"\n+\n", dtype=np.uint8)
    rec[:, h + rl + 3 : h + 2 * rl + 3] = qual
    rec[:, width - 1] = ord("\n")
    if n == 0 or int(rlen.min()) >= rl:
        return rec.tobytes()
    keep = np.ones((n, width), dtype=bool)
    inside = np.arange(rl)[None, :] < rlen[:, None]
    keep[:, h : h + rl] = inside
    keep[:, h + rl + 3 : h + 2 * rl + 3] = inside
    return rec[keep].tobytes()


def _open_gzip(stack: ExitStack, path: Path) -> BinaryIO:
    """A deterministic gzip writer (no file name, mtime 0, fast level), closed by ``stack``."""
    raw = stack.enter_context(path.open("wb"))
    gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0)
    return stack.enter_context(gz)  # type: ignore[return-value]


def read_prefix(sample: str) -> bytes:
    """Read-name prefix for a sample's pairs."""
    return f"{sample}:".encode()


def _sam_lines(genome: Genome, fragments: Fragments, chunk: ReadChunk, sample: str) -> list[str]:
    """True-alignment SAM records for one block of read pairs (unsorted)."""
    n = chunk.rlen.size
    sl = slice(chunk.first, chunk.first + n)
    start, length = fragments.start[sl], fragments.length[sl]
    fwd1, dup, tum = fragments.r1_forward[sl], fragments.duplicate[sl], fragments.tumour[sl]
    rlen = chunk.rlen
    ci = np.searchsorted(genome.offsets, start, side="right") - 1
    local = start - genome.offsets[ci]
    fpos = local + 1  # forward read: 1-based leftmost
    rpos = local + length - rlen + 1  # reverse read
    pos1 = np.where(fwd1, fpos, rpos)
    pos2 = np.where(fwd1, rpos, fpos)
    base = 1 | 2 | np.where(dup, 1024, 0)
    flag1 = base | 64 | np.where(fwd1, 32, 16)
    flag2 = base | 128 | np.where(fwd1, 16, 32)
    tlen1 = np.where(fwd1, length, -length)
    lines: list[str] = []
    names = genome.names
    prefix = read_prefix(sample).decode()
    rg = f"RG:Z:{sample}"
    for i in range(n):
        r = int(rlen[i])
        s1, q1 = chunk.seq1[i, :r], chunk.qual1[i, :r]
        s2, q2 = chunk.seq2[i, :r], chunk.qual2[i, :r]
        # The reverse-strand read is stored reverse-complemented, qualities reversed.
        if fwd1[i]:
            s2, q2 = complement(s2[::-1]), q2[::-1]
        else:
            s1, q1 = complement(s1[::-1]), q1[::-1]
        name = f"{prefix}{chunk.first + i:010d}"
        chrom = names[int(ci[i])]
        cig = f"{r}M"
        p1, p2, t = int(pos1[i]), int(pos2[i]), int(tlen1[i])
        tags = f"{rg}\tXO:i:{int(tum[i])}"
        lines.append(
            f"{name}\t{int(flag1[i])}\t{chrom}\t{p1}\t60\t{cig}\t=\t{p2}\t{t}\t"
            f"{s1.tobytes().decode()}\t{q1.tobytes().decode()}\t{tags}\n"
            f"{name}\t{int(flag2[i])}\t{chrom}\t{p2}\t60\t{cig}\t=\t{p1}\t{-t}\t"
            f"{s2.tobytes().decode()}\t{q2.tobytes().decode()}\t{tags}\n"
        )
    return lines


def sam_header(genome: Genome, sample: str, sort_order: str = "unsorted") -> str:
    """SAM header: @HD, one @SQ per chromosome, and a read group with SM=sample."""
    lines = [f"@HD\tVN:1.6\tSO:{sort_order}"]
    lines += [f"@SQ\tSN:{n}\tLN:{ln}" for n, ln in zip(genome.names, genome.lengths, strict=True)]
    lines.append(f"@RG\tID:{sample}\tSM:{sample}\tLB:{sample}\tPL:ILLUMINA")
    return "\n".join(lines) + "\n"


def write_reads(
    genome: Genome,
    fragments: Fragments,
    spec: SampleSpec,
    outdir: str | Path,
    *,
    fastq: bool = True,
    bam: bool = False,
    fastq_dir: str | Path | None = None,
    bam_dir: str | Path | None = None,
) -> dict[str, Path]:
    """Write ``{name}_R1.fastq.gz``/``_R2`` and/or ``{name}.bam`` (+ ``.bai``).

    FASTQ go to ``fastq_dir`` and the BAM to ``bam_dir`` (both default ``outdir``).
    Returns the written paths by key ``fq1``, ``fq2``, ``bam``, ``bai``.
    """
    out = Path(outdir)
    fq_dir = Path(fastq_dir) if fastq_dir is not None else out
    b_dir = Path(bam_dir) if bam_dir is not None else out
    paths: dict[str, Path] = {}
    prefix = read_prefix(spec.name)
    tmp: tempfile.TemporaryDirectory[str] | None = None
    with ExitStack() as stack:
        fh1 = fh2 = sam = None
        if fastq:
            fq_dir.mkdir(parents=True, exist_ok=True)
            paths["fq1"] = fq_dir / f"{spec.name}_R1.fastq.gz"
            paths["fq2"] = fq_dir / f"{spec.name}_R2.fastq.gz"
            fh1, fh2 = _open_gzip(stack, paths["fq1"]), _open_gzip(stack, paths["fq2"])
        if bam:
            b_dir.mkdir(parents=True, exist_ok=True)
            tmp = tempfile.TemporaryDirectory(dir=b_dir, prefix=f".{spec.name}.")
            sam = stack.enter_context((Path(tmp.name) / "unsorted.sam").open("w"))
            sam.write(sam_header(genome, spec.name))
        for ch in iter_reads(genome, fragments, spec):
            if fh1 is not None and fh2 is not None:
                fh1.write(fastq_bytes(prefix, ch.first, ch.seq1, ch.qual1, ch.rlen))
                fh2.write(fastq_bytes(prefix, ch.first, ch.seq2, ch.qual2, ch.rlen))
            if sam is not None:
                sam.writelines(_sam_lines(genome, fragments, ch, spec.name))
    if bam and tmp is not None:
        bam_path = b_dir / f"{spec.name}.bam"
        with tmp:
            pysam.sort(
                "--no-PG", "-l", "1", "-T", str(Path(tmp.name) / "sort"),
                "-o", str(bam_path), str(Path(tmp.name) / "unsorted.sam"),
                catch_stdout=False,
            )  # fmt: skip
        pysam.index(str(bam_path))
        paths["bam"] = bam_path
        paths["bai"] = Path(f"{bam_path}.bai")
    return paths


def depth_of(spec: SampleSpec, genome: Genome) -> float:
    """Realised mean depth (x) of the sample: pairs * 2 * read length / non-N bp."""
    return spec.n_read_pairs(genome) * 2 * spec.read_length / genome.acgt_length


def expected_pcn(tumour_fraction: float, tumour_copies: float) -> float:
    """Plasma copy number ``TF * C + 2 * (1 - TF)`` (copies)."""
    return tumour_fraction * tumour_copies + NORMAL_COPIES * (1 - tumour_fraction)


def expected_log2(pcn: float) -> float:
    """log2 copy ratio of a plasma copy number against diploid."""
    return math.log2(pcn / NORMAL_COPIES)
