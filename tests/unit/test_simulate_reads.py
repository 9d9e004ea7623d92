"""Tests of the read simulator: copy-number signal, fragment lengths, duplicates, errors, bytes."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pysam
import pytest

from cfdna_erbb2.simulate import SampleSpec, TumourSpec, simulate_sample
from cfdna_erbb2.simulate.genome import SMALL_LAYOUT, Genome, make_genome
from cfdna_erbb2.simulate.reads import (
    NORMAL_MODE_BP,
    TUMOUR_MODE_BP,
    Fragments,
    expected_pcn,
    simulate_fragments,
)
from cfdna_erbb2.simulate.tumour import TumourGenome, make_tumour

AMPLICON = TumourSpec(erbb2_copies=20, amplicon_size=600_000, amplicon_offset=100_000, seed=4)


@pytest.fixture(scope="module")
def genome() -> Genome:
    return make_genome(5, SMALL_LAYOUT)


@pytest.fixture(scope="module")
def tumour(genome: Genome) -> TumourGenome:
    return make_tumour(genome, AMPLICON)


def _amplicon_vs_flanks(
    genome: Genome, tumour: TumourGenome, frags: Fragments
) -> tuple[int, int, float]:
    """(fragments in amplicon, fragments in 1 Mb flanks, flank bp / amplicon bp)."""
    assert tumour.amplicon is not None
    chrom, start, end = tumour.amplicon
    off = int(genome.offsets[genome.chrom_index(chrom)])
    mid = frags.start[~frags.duplicate] + frags.length[~frags.duplicate] // 2 - off
    inside = int(((mid >= start) & (mid < end)).sum())
    flank = 1_000_000
    left = (mid >= start - flank) & (mid < start)
    right = (mid >= end) & (mid < end + flank)
    return inside, int((left | right).sum()), 2 * flank / (end - start)


def _ratio_and_se(inside: int, flanks: int, width_ratio: float) -> tuple[float, float]:
    ratio = inside / flanks * width_ratio
    return ratio, ratio * np.sqrt(1 / inside + 1 / flanks)


@pytest.mark.parametrize(("tf", "copies"), [(0.0, 20), (0.3, 20), (0.05, 20), (0.2, 8)])
def test_amplicon_depth_matches_plasma_copy_number(
    genome: Genome, tf: float, copies: float
) -> None:
    tumour = make_tumour(genome, TumourSpec(erbb2_copies=copies, amplicon_size=600_000, seed=2))
    spec = SampleSpec("S", tumour_fraction=tf, read_pairs=200_000, gc_bias_strength=0, seed=9)
    frags = simulate_fragments(genome, tumour, spec)
    ratio, se = _ratio_and_se(*_amplicon_vs_flanks(genome, tumour, frags))
    expected = expected_pcn(tf, copies) / 2
    assert abs(ratio - expected) < 4.5 * se, (ratio, expected, se)
    if tf > 0:  # fails if the simulator ignored tumour fraction or copy number
        assert abs(ratio - 1) > 8 * se


def test_amplicon_signal_survives_gc_bias_against_matched_normal(
    genome: Genome, tumour: TumourGenome
) -> None:
    """With GC bias, amplicon/flank ratios divided by a TF-0 draw of the same bias match pCN/2."""
    kw = {"read_pairs": 200_000, "gc_bias_strength": 1.5, "gc_seed": 77}
    plasma = simulate_fragments(genome, tumour, SampleSpec("P", 0.2, seed=1, **kw))  # type: ignore[arg-type]
    normal = simulate_fragments(genome, tumour, SampleSpec("N", 0.0, seed=2, **kw))  # type: ignore[arg-type]
    rp, sep = _ratio_and_se(*_amplicon_vs_flanks(genome, tumour, plasma))
    rn, sen = _ratio_and_se(*_amplicon_vs_flanks(genome, tumour, normal))
    ratio = rp / rn
    se = ratio * np.hypot(sep / rp, sen / rn)
    assert abs(ratio - expected_pcn(0.2, 20) / 2) < 4.5 * se


def test_gc_bias_differs_between_samples(genome: Genome) -> None:
    def mean_gc(frags: Fragments) -> float:
        gc = genome.gc_cumsum[frags.start + frags.length] - genome.gc_cumsum[frags.start]
        return float((gc / frags.length).mean())

    def spec(gc_seed: int, strength: float) -> SampleSpec:
        return SampleSpec(
            "B", read_pairs=50_000, seed=3, gc_seed=gc_seed, gc_bias_strength=strength
        )

    flat = mean_gc(simulate_fragments(genome, None, spec(0, 0.0)))
    biased = [mean_gc(simulate_fragments(genome, None, spec(s, 2.0))) for s in (1, 2, 3, 4)]
    assert max(abs(b - flat) for b in biased) > 0.003
    assert max(biased) - min(biased) > 0.003


@pytest.fixture(scope="module")
def mixed(genome: Genome, tumour: TumourGenome) -> Fragments:
    spec = SampleSpec("M", tumour_fraction=0.5, read_pairs=150_000, dup_rate=0.08, seed=21)
    return simulate_fragments(genome, tumour, spec)


def _mode(lengths: np.ndarray, smooth: int = 1) -> int:
    """Most frequent length; ``smooth`` > 1 averages the histogram over that many bp first."""
    counts = np.bincount(lengths).astype(float)
    return int(np.argmax(np.convolve(counts, np.ones(smooth) / smooth, mode="same")))


def test_fragment_length_modes(mixed: Fragments) -> None:
    normal = mixed.length[~mixed.tumour]
    tumour = mixed.length[mixed.tumour]
    assert abs(_mode(normal) - NORMAL_MODE_BP) <= 3
    assert abs(_mode(tumour) - TUMOUR_MODE_BP) <= 3
    assert np.median(tumour) < np.median(normal) - 10
    di = (normal > 250).mean()
    assert 0.04 < di < 0.11
    counts = np.bincount(normal, minlength=400)
    # 10 bp ladder below the mode: a peak ~10 bp below the mode, a trough ~5 bp below it.
    assert counts[NORMAL_MODE_BP - 10] > 1.15 * counts[NORMAL_MODE_BP - 5]
    di_mode = 250 + int(np.argmax(np.convolve(counts[250:400], np.ones(9), "same")))
    assert 315 <= di_mode <= 345


def test_duplicates_are_exact_copies_at_the_set_rate(mixed: Fragments) -> None:
    n = len(mixed)
    rate = mixed.duplicate.mean()
    assert abs(rate - 0.08) < 5 * np.sqrt(0.08 * 0.92 / n)
    key = mixed.start * 1000 + mixed.length
    originals = set(key[~mixed.duplicate].tolist())
    assert all(k in originals for k in key[mixed.duplicate].tolist())


def test_no_fragment_overlaps_n(genome: Genome, mixed: Fragments) -> None:
    n_cum = np.concatenate(([0], np.cumsum(genome.seq == ord("N"))))
    assert (n_cum[mixed.start + mixed.length] - n_cum[mixed.start] == 0).all()


def test_tumour_fraction_of_fragments(
    genome: Genome, tumour: TumourGenome, mixed: Fragments
) -> None:
    # Tumour share of fragments = TF * mean(C) / (TF * mean(C) + 2 (1 - TF)).
    from cfdna_erbb2.simulate.tumour import copy_number_track

    bps, copies = copy_number_track(genome, tumour)
    mean_c = np.average(copies, weights=np.diff(bps))  # N gaps are small; good enough
    expected = 0.5 * mean_c / (0.5 * mean_c + 1.0)
    assert abs(mixed.tumour.mean() - expected) < 0.02


@pytest.fixture(scope="module")
def bam_sample(genome: Genome, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("bam")
    spec = SampleSpec("S-1", tumour_fraction=0.4, read_pairs=40_000, read_length=120, seed=8)
    return simulate_sample(genome, spec, out, tumour=AMPLICON, bam=True, fastq=True)


def test_bam_is_sorted_indexed_and_true(genome: Genome, bam_sample: dict[str, object]) -> None:
    bam = Path(str(bam_sample["bam"]))
    assert Path(f"{bam}.bai").is_file()
    text = pysam.view("-H", str(bam))
    assert "SO:coordinate" in text and "SM:S-1" in text
    mism = bases = 0
    tlen = {0: [], 1: []}  # type: dict[int, list[int]]
    n_dup = n = 0
    last = (-1, -1)
    with pysam.AlignmentFile(str(bam)) as fh:
        for r in fh.fetch(until_eof=True):
            assert r.mapping_quality == 60 and r.is_paired and r.is_proper_pair
            key = (r.reference_id, r.reference_start)
            assert key >= last
            last = key
            n += 1
            n_dup += r.is_duplicate
            assert r.next_reference_id == r.reference_id
            assert r.template_length != 0 and r.is_reverse != r.mate_is_reverse
            if r.template_length > 0:
                tlen[int(r.get_tag("XO"))].append(r.template_length)
            if n <= 20_000:
                off = int(genome.offsets[r.reference_id])
                end = r.reference_end
                assert end is not None
                ref = genome.seq[off + r.reference_start : off + end].tobytes()
                seq = r.query_sequence.encode()  # type: ignore[union-attr]
                assert r.query_length == len(ref) == r.cigartuples[0][1]  # type: ignore[index]
                mism += sum(a != b for a, b in zip(seq, ref, strict=True))
                bases += len(seq)
    assert n == 80_000
    assert abs(n_dup / n - 0.05) < 0.01
    assert 0.0008 < mism / bases < 0.004
    assert abs(_mode(np.array(tlen[0]), smooth=5) - NORMAL_MODE_BP) <= 4
    assert abs(_mode(np.array(tlen[1]), smooth=5) - TUMOUR_MODE_BP) <= 4


def test_fastq_pairs_and_short_fragments(bam_sample: dict[str, object]) -> None:
    with (
        gzip.open(str(bam_sample["fq1"]), "rt") as f1,
        gzip.open(str(bam_sample["fq2"]), "rt") as f2,
    ):
        l1, l2 = f1.read().splitlines(), f2.read().splitlines()
    assert len(l1) == len(l2) == 4 * 40_000
    assert l1[0::4] == l2[0::4]
    assert all(h.startswith("@S-1:") for h in l1[0::4][:100])
    assert all(p == "+" for p in l1[2::4])
    lens = np.array([len(s) for s in l1[1::4]])
    assert lens.max() == 120
    assert (lens < 120).mean() > 0.05  # tumour fragments shorter than the read: whole fragment
    assert [len(q) for q in l1[3::4]] == lens.tolist()
    assert set("".join(l1[1::4][:1000])) <= set("ACGT")
    quals = np.frombuffer("".join(l1[3::4][:1000]).encode(), np.uint8) - 33
    assert quals.min() >= 2 and quals.max() <= 41 and quals.mean() > 30


def _digest(paths: list[str]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(Path(p).read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes(genome: Genome, tmp_path: Path) -> None:
    digests = []
    for run, seed in (("a", 3), ("b", 3), ("c", 4)):
        spec = SampleSpec("D", tumour_fraction=0.2, read_pairs=5_000, seed=seed)
        res = simulate_sample(genome, spec, tmp_path / run, tumour=AMPLICON, bam=True)
        digests.append(_digest([str(res["fq1"]), str(res["fq2"]), str(res["bam"])]))
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_simulate_sample_positional_api(genome: Genome, tmp_path: Path) -> None:
    spec = SampleSpec("API", tumour_fraction=0.1, depth=0.01, tumour=AMPLICON)
    truth = simulate_sample(genome, spec, tmp_path, False, True, 5)
    assert truth["expected_pcn"] == pytest.approx(0.1 * 20 + 1.8)
    assert truth["expected_amplified"] is True
    assert truth["amplicon_chrom"] == "chr17"
    assert truth["read_pairs"] == round(0.01 * genome.acgt_length / 200)
    assert Path(str(truth["fq1"])).is_file() and truth["bam"] == ""
    assert 0.1 < float(truth["tumour_read_fraction"]) < 0.3  # type: ignore[arg-type]
    healthy = simulate_sample(genome, SampleSpec("H", depth=0.01), tmp_path, fastq=False)
    assert healthy["expected_pcn"] == 2 and healthy["expected_amplified"] is False
    assert healthy["fq1"] == ""


@pytest.mark.parametrize(
    "kwargs",
    [{"tumour_fraction": 1.5}, {"dup_rate": 1.0}, {"read_length": 5}, {"depth": 0.0}],
)
def test_sample_spec_rejects_bad_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SampleSpec("X", **kwargs)  # type: ignore[arg-type]
