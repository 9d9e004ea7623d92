"""Tests of the synthetic reference genome and tumour genomes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam
import pytest

from cfdna_erbb2.simulate.genome import (
    AUTOSOME,
    ERBB2_GRCH38,
    LOCUS_17Q12_GRCH38,
    PRIMARY_ROLES,
    SMALL_LAYOUT,
    TELOMERE_N_BP,
    Genome,
    make_genome,
    write_reference,
)
from cfdna_erbb2.simulate.tumour import (
    Segment,
    TumourSpec,
    copy_number_track,
    make_tumour,
    without_amplicon,
)


@pytest.fixture(scope="module")
def genome() -> Genome:
    return make_genome(3, SMALL_LAYOUT)


def _autosomal_widths(genome: Genome, bps: np.ndarray) -> np.ndarray:
    """Width (bp) of each copy-number segment that lies on an autosome (0 elsewhere)."""
    starts = bps[:-1]
    keep = np.zeros(starts.size, dtype=bool)
    for i in genome.indices(AUTOSOME):
        off = int(genome.offsets[i])
        keep |= (starts >= off) & (starts < off + genome.lengths[i])
    return np.where(keep, np.diff(bps), 0)


@pytest.fixture(scope="module")
def reference(genome: Genome, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_reference(genome, tmp_path_factory.mktemp("ref"))


def test_size_and_layout(genome: Genome) -> None:
    assert genome.total_length >= 15_000_000
    assert len(genome.names) >= 4
    chr17 = genome.chrom_index("chr17")
    assert genome.lengths[chr17] >= 8_000_000
    erbb2 = genome.gene("ERBB2")
    cen_end = genome.centromeres["chr17"][1]
    assert erbb2.start - cen_end >= 3_000_000
    assert genome.lengths[chr17] - erbb2.end >= 3_000_000


def test_fai_matches_samtools(reference: dict[str, Path], genome: Genome) -> None:
    ours = reference["fai"].read_text()
    reference["fai"].unlink()
    pysam.faidx(str(reference["fasta"]))
    assert reference["fai"].read_text() == ours
    with pysam.FastaFile(str(reference["fasta"])) as fa:
        for name, length in zip(genome.names, genome.lengths, strict=True):
            assert fa.get_reference_length(name) == length
        off = int(genome.offsets[3])
        assert (
            fa.fetch("chr17", 5_000_000, 5_000_120)
            == genome.seq[off + 5_000_000 : off + 5_000_120].tobytes().decode()
        )
    lines = reference["fasta"].read_text().splitlines()
    assert max(len(x) for x in lines if not x.startswith(">")) == 60


def test_n_gaps_at_telomeres_and_centromeres(genome: Genome) -> None:
    primary = genome.indices(*PRIMARY_ROLES)
    assert [genome.names[i] for i in primary] == [
        "chr1", "chr2", "chr8", "chr17", "chr20", "chrX", "chrY"
    ]  # fmt: skip
    for i in primary:
        name = genome.names[i]
        off, length = int(genome.offsets[i]), genome.lengths[i]
        chrom = genome.seq[off : off + length]
        assert (chrom[:TELOMERE_N_BP] == ord("N")).all()
        assert (chrom[-TELOMERE_N_BP:] == ord("N")).all()
        cs, ce = genome.centromeres[name]
        assert (chrom[cs:ce] == ord("N")).all()
        assert ce - cs >= 50_000
    acgt = genome.seq[genome.seq != ord("N")]
    assert set(np.unique(acgt).tobytes()) == set(b"ACGT")


def test_gc_varies_in_blocks(genome: Genome) -> None:
    window = 100_000
    gc = []
    for i in range(len(genome.names)):
        off, length = int(genome.offsets[i]), genome.lengths[i]
        for s in range(TELOMERE_N_BP, length - window - TELOMERE_N_BP, window):
            w = genome.seq[off + s : off + s + window]
            if (w == ord("N")).any():
                continue
            gc.append(np.isin(w, np.frombuffer(b"GC", np.uint8)).mean())
    gc_arr = np.array(gc)
    assert gc_arr.min() > 0.30
    assert gc_arr.max() < 0.65
    assert gc_arr.max() - gc_arr.min() > 0.12
    assert gc_arr.std() > 0.03


def test_repeated_segments_exist(genome: Genome) -> None:
    # 24-mers of a random 16 Mb sequence are almost all unique; repeats make some occur twice.
    code = np.frombuffer(b"ACGTN", np.uint8)
    lut = np.zeros(256, np.uint64)
    lut[code[:4]] = np.arange(4, dtype=np.uint64)
    bases = lut[genome.seq]
    k = 24
    kmer = np.zeros(bases.size - k + 1, np.uint64)
    for j in range(k):
        kmer = (kmer << np.uint64(2)) | bases[j : j + kmer.size]
    no_n = np.convolve(genome.seq == ord("N"), np.ones(k), mode="valid") == 0
    _, counts = np.unique(kmer[no_n], return_counts=True)
    repeated = counts[counts > 1].sum() / no_n.sum()
    assert repeated > 0.003


def test_refflat_has_erbb2_and_neighbours_in_order(reference: dict[str, Path]) -> None:
    rows = [line.split("\t") for line in reference["refflat"].read_text().splitlines()]
    assert all(len(r) == 11 for r in rows)
    for r in rows:
        n_exons = int(r[8])
        assert r[9].endswith(",") and r[10].endswith(",")
        s = [int(x) for x in r[9].rstrip(",").split(",")]
        e = [int(x) for x in r[10].rstrip(",").split(",")]
        assert len(s) == len(e) == n_exons
        assert int(r[4]) == s[0] < e[-1] == int(r[5])
        assert all(a < b for a, b in zip(s, e, strict=True))
        assert int(r[4]) <= int(r[6]) <= int(r[7]) <= int(r[5])
    # The primary copy of each gene (the 17q12 alt haplotype carries its own copies, as
    # real refFlat files have them).
    by_name = {r[0]: r for r in rows if not r[2].endswith("_alt")}
    assert {r[2] for r in rows if r[0] == "ERBB2"} == {"chr17", "chr17_KI270909v1_alt"}
    names = [n for n, *_ in LOCUS_17Q12_GRCH38]
    starts = [int(by_name[n][4]) for n in names]
    assert starts == sorted(starts)
    assert all(by_name[n][2] == "chr17" for n in names)
    shift = int(by_name["ERBB2"][4]) - ERBB2_GRCH38[0]
    for name, start, end, _ in LOCUS_17Q12_GRCH38:
        assert int(by_name[name][4]) - shift == start
        assert int(by_name[name][5]) - shift == end
    assert len(rows) - len(names) >= 100
    assert {r[2] for r in rows} == {
        "chr1",
        "chr2",
        "chr8",
        "chr17",
        "chr20",
        "chrX",
        "chrY",
        "chr17_KI270909v1_alt",
    }


def test_genome_is_deterministic() -> None:
    a = make_genome(11, SMALL_LAYOUT)
    b = make_genome(11, SMALL_LAYOUT)
    c = make_genome(12, SMALL_LAYOUT)
    assert np.array_equal(a.seq, b.seq)
    assert a.genes == b.genes
    assert not np.array_equal(a.seq, c.seq)


@pytest.mark.parametrize(
    ("spec", "erbb2", "amplified"),
    [
        (TumourSpec(erbb2_copies=20, amplicon_size=500_000, amplicon_offset=100_000), 20, True),
        (TumourSpec(erbb2_copies=8, amplicon_size=2_000_000, amplicon_offset=-900_000), 8, True),
        (TumourSpec(erbb2_copies=None, arm_gain_17q=4), 4, False),
        (TumourSpec(erbb2_copies=None, broad_fraction=0.3), 2, False),
    ],
)
def test_tumour_genome(genome: Genome, spec: TumourSpec, erbb2: float, amplified: bool) -> None:
    tumour = make_tumour(genome, spec)
    assert tumour.erbb2_copies(genome) == erbb2
    assert (tumour.amplicon is not None) == amplified
    g = genome.gene("ERBB2")
    if tumour.amplicon is not None:
        chrom, start, end = tumour.amplicon
        assert chrom == "chr17" and start <= g.start and g.end <= end
        assert end - start == spec.amplicon_size
    bps, copies = copy_number_track(genome, tumour)
    widths = np.diff(bps)
    assert widths.sum() == genome.total_length
    # Departures from a woman's germline copies (X: 2, Y: 0, no alt or organelle reads).
    autosomal = _autosomal_widths(genome, bps)
    altered = autosomal[copies != 2].sum() / autosomal.sum()
    assert altered < 0.35
    order = np.argsort(copies)
    median = np.interp(0.5, np.cumsum(autosomal[order]) / autosomal.sum(), copies[order])
    assert median == pytest.approx(2, abs=0.5)
    # Broad events stay off the 17q arm (only the amplicon or an arm gain may sit there).
    q_start = genome.centromeres["chr17"][1]
    for ev in tumour.events:
        if ev.chrom == "chr17" and ev.end > q_start:
            assert (ev.start, ev.end) == tumour.amplicon[1:] if tumour.amplicon else True
            assert ev == tumour.events[-1] or spec.arm_gain_17q is not None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"erbb2_copies": 2.0},
        {"erbb2_copies": 80.0},
        {"amplicon_size": 50_000},
        {"amplicon_size": 3_000_000},
    ],
)
def test_tumour_spec_rejects_out_of_range(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        TumourSpec(**kwargs)  # type: ignore[arg-type]


def test_amplicon_must_contain_erbb2(genome: Genome) -> None:
    with pytest.raises(ValueError, match="ERBB2"):
        make_tumour(genome, TumourSpec(amplicon_size=100_000, amplicon_offset=80_000))


def test_clone_loss_keeps_broad_events_and_drops_the_amplicon(genome: Genome) -> None:
    spec = TumourSpec(erbb2_copies=20, amplicon_size=500_000, broad_fraction=0.3, seed=4)
    tumour = make_tumour(genome, spec)
    lost = without_amplicon(tumour)
    assert lost.amplicon is None and lost.spec.erbb2_copies is None
    assert lost.erbb2_copies(genome) == 2
    assert tumour.amplicon is not None
    chrom, start, end = tumour.amplicon
    assert set(lost.events) == set(tumour.events) - {Segment(chrom, start, end, 20.0)}
    assert len(lost.events) == len(tumour.events) - 1 >= 1
    assert without_amplicon(lost) is lost
