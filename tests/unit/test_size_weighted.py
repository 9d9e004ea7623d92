"""The size-weighted coverage track and the ERBB2 call's second test on it.

- Counting: a short fragment's reads (paired, mate on the same chromosome, 0 < |TLEN| < 150,
  the QC's definition) are counted apart and weigh ``short_weight`` times in the weighted
  coverage; nothing else changes.
- Simulator truth: on a simulated plasma draw, the amplicon's weighted depth ratio is what
  the simulator's tumour and normal fragment-length distributions predict.
- The call: two tracks raise each test's thresholds (Bonferroni), the weighted track calls
  an amplicon that all fragments alike miss, copy numbers always come from all fragments,
  and noise or whole-arm gains stay uncalled on both tracks.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest
from scipy.stats import norm
from test_bincov import write_sorted_bam
from test_cnvio_erbb2 import AMPLICON, BIN_BP, synthetic

from cfdna_erbb2.bincov import BinCoverage
from cfdna_erbb2.calls import (
    _check_same_bins,
    call_sample,
    panel_systematic,
    size_weighted_reason,
)
from cfdna_erbb2.erbb2 import Erbb2Params, measure, pcn_from_log2, scan_thresholds
from cfdna_erbb2.errors import InputError
from cfdna_erbb2.panel import screen_normals, size_weighted_blockers
from cfdna_erbb2.qc import (
    MIN_PAIRED_SHARE,
    SHORT_FRAGMENT,
    bam_qc,
    has_paired_fragments,
    paired_share,
    write_bam_qc,
)
from cfdna_erbb2.simulate import SampleSpec, TumourSpec, simulate_sample
from cfdna_erbb2.simulate.genome import SMALL_LAYOUT, make_genome
from cfdna_erbb2.simulate.reads import (
    NORMAL_MODE_BP,
    TUMOUR_DI_MODE_BP,
    TUMOUR_MODE_BP,
    fragment_length_pmf,
)
from cfdna_erbb2.simulate.tumour import make_tumour

PARAMS = Erbb2Params()
LOCUS = ("chr17", AMPLICON[0] * BIN_BP, AMPLICON[1] * BIN_BP)

# ------------------------------------------------------------------------------ counting


def _pair_bam(path: Path) -> tuple[Path, dict[str, list[tuple[int, int]]]]:
    """A BAM of read pairs with known fragment lengths; returns it and, per kind, the
    reference spans of the reads counted in coverage."""
    header = pysam.AlignmentHeader.from_dict(
        {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 10_000},
                                                          {"SN": "chr2", "LN": 10_000}]}
    )  # fmt: skip
    spans: dict[str, list[tuple[int, int]]] = {"short": [], "long": []}
    reads = []
    # (first read's start, TLEN, mate's reference id, flags of the first read, kind)
    design = [
        (100, 120, 0, 0x1 | 0x40, "short"),  # short pair: both reads short
        (400, 149, 0, 0x1 | 0x40, "short"),  # the longest short fragment
        (700, 150, 0, 0x1 | 0x40, "long"),  # 150 bp is not short (QC: < 150)
        (1000, 170, 0, 0x1 | 0x40, "long"),
        (1300, 120, 1, 0x1 | 0x40, "long"),  # mate on another chromosome: no length
        (1600, 120, 0, 0x1 | 0x40 | 0x8, "long"),  # mate unmapped
        (1900, 120, 0, 0x1 | 0x40 | 0x400, "none"),  # duplicate: not counted at all
    ]
    for i, (start, tlen, mate_ref, flag, kind) in enumerate(design):
        for second in (False, True):
            read = pysam.AlignedSegment(header)
            read.query_name = f"p{i}"
            read.cigarstring = "50M"
            read.query_sequence = "A" * 50
            read.mapping_quality = 60
            read.reference_id = mate_ref if second else 0
            read.reference_start = start + (tlen - 50 if second else 0)
            read.next_reference_id = 0 if second else mate_ref
            read.next_reference_start = start if second else read.reference_start + tlen - 50
            read.template_length = -tlen if second else tlen
            read.flag = flag
            if second:  # the mate: second in pair, and unmapped when its mate says so
                read.flag = (flag & ~0x48) | 0x80 | (0x4 if flag & 0x8 else 0)
            counted = kind != "none" and not read.flag & 0x4 and read.reference_id == 0
            if counted:
                spans[kind].append((read.reference_start, read.reference_start + 50))
            reads.append(read)
    return write_sorted_bam(path, header, reads), spans


def test_short_fragments_are_counted_apart_and_weighted(tmp_path: Path) -> None:
    bam, spans = _pair_bam(tmp_path / "pairs.bam")
    bed = tmp_path / "bins.bed"
    bed.write_text("chr1\t0\t1000\t-\nchr1\t1000\t5000\tERBB2\n")
    cov = BinCoverage(bed, ["chr1", "chr2"], min_mapq=0)
    bam_qc(bam, coverage=cov)

    def overlap(kind: str, lo: int, hi: int) -> int:
        return sum(max(0, min(e, hi) - max(s, lo)) for s, e in spans[kind])

    for row, (lo, hi) in enumerate([(0, 1000), (1000, 5000)]):
        assert cov.short_counts[row] == overlap("short", lo, hi)
        assert cov.counts[row] == overlap("short", lo, hi) + overlap("long", lo, hi)
    plain, weighted = cov.table_cnn(), cov.table_cnn(2.5)
    span = (plain["end"] - plain["start"]).to_numpy()
    expected = (cov.counts + 1.5 * cov.short_counts) / span
    assert np.allclose(weighted["depth"], expected)
    assert np.allclose(weighted["log2"], np.log2(expected))
    assert weighted[["chromosome", "start", "end", "gene"]].equals(
        plain[["chromosome", "start", "end", "gene"]]
    )
    # Weight 1 writes the plain coverage, byte for byte.
    cov.write(tmp_path / "a.cnn")
    cov.write(tmp_path / "b.cnn", 1.0)
    assert (tmp_path / "a.cnn").read_bytes() == (tmp_path / "b.cnn").read_bytes()
    with pytest.raises(ValueError, match="positive"):
        cov.table_cnn(0.0)


def test_short_coverage_matches_the_qc_short_fragments(tmp_path: Path) -> None:
    """The fragments whose reads weigh more are exactly the QC's short fragments."""
    bam, spans = _pair_bam(tmp_path / "pairs.bam")
    bed = tmp_path / "bins.bed"
    bed.write_text("chr1\t0\t10000\n")
    metrics = write_bam_qc(
        bam,
        tmp_path / "qc.json",
        tmp_path / "hist.tsv",
        "S",
        bins=bed,
        coverage_out=tmp_path / "cov.cnn",
        weighted_out=tmp_path / "sw.cnn",
        short_weight=3.0,
    )
    short_fragments = round(metrics["short_fraction"] * metrics["fragments_counted"])
    assert short_fragments == len(spans["short"]) // 2 == 2
    plain = pd.read_csv(tmp_path / "cov.cnn", sep="\t")
    weighted = pd.read_csv(tmp_path / "sw.cnn", sep="\t")
    extra = 2.0 * sum(e - s for s, e in spans["short"]) / 10_000
    assert weighted["depth"].iloc[0] == pytest.approx(plain["depth"].iloc[0] + extra, rel=1e-5)
    with pytest.raises(ValueError, match="size-weighted"):
        write_bam_qc(bam, tmp_path / "q.json", tmp_path / "h.tsv", "S", weighted_out="x.cnn")


# ------------------------------------------------------------------------- simulator truth


def _read_bases(pmf: tuple[np.ndarray, np.ndarray], read_length: int) -> tuple[float, float]:
    """(bases of short fragments' reads, bases of all reads) per fragment, expected."""
    lengths, prob = pmf
    bases = prob * np.minimum(lengths, read_length)
    return float(bases[lengths < SHORT_FRAGMENT].sum()), float(bases.sum())


@pytest.mark.parametrize(("tf", "weight"), [(0.3, 2.5), (0.15, 4.0)])
def test_weighted_amplicon_ratio_matches_the_simulators_fragment_lengths(
    tmp_path: Path, tf: float, weight: float
) -> None:
    genome = make_genome(5, SMALL_LAYOUT)
    design = TumourSpec(erbb2_copies=20, amplicon_size=600_000, seed=2)
    tumour = make_tumour(genome, design)
    spec = SampleSpec("P", tumour_fraction=tf, read_pairs=150_000, gc_bias_strength=0, seed=3)
    truth = simulate_sample(genome, spec, tmp_path, bam=True, fastq=False, tumour=tumour)
    assert tumour.amplicon is not None
    chrom, start, end = tumour.amplicon
    flank = 1_000_000
    bed = tmp_path / "bins.bed"
    edges = [(start - flank, start), (start, end), (end, end + flank)]
    bed.write_text("".join(f"{chrom}\t{a}\t{b}\n" for a, b in edges))
    with pysam.AlignmentFile(str(truth["bam"])) as handle:
        cov = BinCoverage(bed, list(handle.references), min_mapq=0)
    bam_qc(str(truth["bam"]), coverage=cov)

    def ratio(counts: np.ndarray) -> float:
        return float(counts[1] / (end - start) / ((counts[0] + counts[2]) / (2 * flank)))

    plain = ratio(cov.counts.astype(float))
    weighted = ratio(cov.counts + (weight - 1) * cov.short_counts)
    # Expected, per genome copy: the normal's and the tumour's read bases, short ones
    # weighing ``weight``; the amplicon holds 20 tumour copies, the flanks 2.
    sn, an = _read_bases(fragment_length_pmf(NORMAL_MODE_BP), spec.read_length)
    st, at = _read_bases(fragment_length_pmf(TUMOUR_MODE_BP, TUMOUR_DI_MODE_BP), spec.read_length)
    wn, wt = an + (weight - 1) * sn, at + (weight - 1) * st

    def expected(w_normal: float, w_tumour: float) -> float:
        def depth(copies: float) -> float:
            return 2 * (1 - tf) * w_normal + copies * tf * w_tumour

        return depth(20) / depth(2)

    # About 15,000 reads in the amplicon: 1-2% counting error on each ratio.
    assert plain == pytest.approx(expected(an, at), rel=0.06)
    assert weighted == pytest.approx(expected(wn, wt), rel=0.06)
    # Shorter tumour fragments: the weighted excess is the larger one, as predicted.
    gain = (weighted - 1) / (plain - 1)
    assert gain == pytest.approx((expected(wn, wt) - 1) / (expected(an, at) - 1), rel=0.06)
    assert gain > 1.1


# ------------------------------------------------------------------------------- the call


def _z_at(bins: pd.DataFrame, params: Erbb2Params = PARAMS) -> float:
    return measure(bins, None, params, read_pairs=10**6, baseline_locus=LOCUS).erbb2_z


def test_without_the_track_the_plain_thresholds_apply() -> None:
    bins, segments = synthetic(1, amplicon_log2=1.0)
    result = measure(bins, segments, PARAMS, read_pairs=10**6)
    assert result.tracks == 1 and np.isnan(result.sw_z) and np.isnan(result.sw_focal_z)
    assert result.amplified and result.call_track == "all"
    off = measure(bins, segments, replace(PARAMS, short_fragment_weight=1.0),
                  read_pairs=10**6, weighted=bins.copy())  # fmt: skip
    assert off.tracks == 1 and np.isnan(off.sw_z)


def test_two_tracks_raise_each_tests_thresholds() -> None:
    """A locus between 5 and the raised threshold (5.13) is called on one track, not on two:
    the second test is paid for, so two tracks add no false calls."""
    z_two, focal_two = scan_thresholds(PARAMS, 2)
    assert z_two == pytest.approx(norm.isf(norm.sf(5.0) / 2)) and 5.1 < z_two < 5.2
    assert 4.1 < focal_two < 4.3
    low, high = 0.05, 0.5  # the amplicon level whose z is 5.07 (z grows with the level)
    for _ in range(40):
        level = (low + high) / 2
        low, high = (
            (level, high) if _z_at(synthetic(2, amplicon_log2=level)[0]) < 5.07 else (low, level)
        )
    bins, _ = synthetic(2, amplicon_log2=(low + high) / 2)
    z = _z_at(bins)
    assert PARAMS.z_min < z < z_two
    one = measure(bins, None, PARAMS, read_pairs=10**6, baseline_locus=LOCUS)
    assert one.amplified, one.reason
    two = measure(bins, None, PARAMS, read_pairs=10**6, baseline_locus=LOCUS, weighted=bins.copy())
    assert two.tracks == 2 and not two.amplified
    assert "raised for 2 tracks" in two.reason
    assert two.sw_z == pytest.approx(two.erbb2_z)
    assert two.lod_pcn > one.lod_pcn  # the all-fragment test's own limit is raised too


def test_the_weighted_track_calls_what_all_fragments_miss() -> None:
    # All fragments: 0.12 log2 over the amplicon (about 3.5 SE); the weighted track, its own
    # noise, shows the tumour's short fragments' larger excess (0.3 log2, about 9 SE).
    bins, segments = synthetic(3, amplicon_log2=0.12)
    weighted, _ = synthetic(33, amplicon_log2=0.3)
    result = measure(
        bins, segments, PARAMS, read_pairs=10**6, weighted=weighted, weighted_systematic=0.02
    )
    assert result.amplified and result.call_track == "size_weighted", result.reason
    assert result.locus_source == "segment"
    assert result.sw_z > scan_thresholds(PARAMS, 2)[0] > result.erbb2_z
    assert "size-weighted coverage" in result.reason
    # Copy numbers come from all fragments alike, never from the weighted track.
    chosen = bins[(bins["chromosome"] == "chr17") & bins["start"].between(*LOCUS[1:])]
    chosen = chosen[chosen["end"] <= LOCUS[2]]
    assert result.locus_log2 == pytest.approx(chosen["log2"].mean())
    assert result.locus_pcn == pytest.approx(pcn_from_log2(result.locus_log2))


def test_the_scan_runs_on_both_tracks() -> None:
    bins, _ = synthetic(4, amplicon_log2=0.05)
    weighted, _ = synthetic(44, amplicon_log2=0.4)
    alone = measure(bins, None, PARAMS, read_pairs=10**6)
    both = measure(bins, None, PARAMS, read_pairs=10**6, weighted=weighted)
    assert not alone.amplified and alone.scan_windows > 0
    assert both.amplified and both.locus_source == "scan", both.reason
    assert both.call_track == "size_weighted"
    assert both.scan_windows == 2 * alone.scan_windows
    assert both.scan_z_min > alone.scan_z_min


def test_no_false_call_on_either_track() -> None:
    # 40 null profiles, each with an independent weighted track: noise, and gains from
    # ERBB2 to the end of chr17 on both tracks (the weighted one larger).
    for seed in range(40):
        for arm in (0.0, 0.4):
            bins, _ = synthetic(2000 + seed, arm_log2=arm)
            weighted, _ = synthetic(3000 + seed, sd=0.15, arm_log2=2 * arm)
            result = measure(bins, None, PARAMS, read_pairs=10**6, weighted=weighted)
            assert result.evaluable and not result.amplified, result.reason


def test_the_weighted_track_must_hold_the_same_bins() -> None:
    bins, _ = synthetic(5)
    _check_same_bins(bins, bins.copy(), "a.cnr", "a.sw.cnr")
    with pytest.raises(InputError) as err:
        _check_same_bins(bins, bins.iloc[1:], "a.cnr", "a.sw.cnr")
    assert err.value.path == "a.sw.cnr" and err.value.field == "bins"


def test_the_weighted_tracks_systematic_error_comes_from_its_own_columns() -> None:
    rng = np.random.default_rng(1)
    panel = pd.DataFrame(
        {
            "sample": [f"N{i}" for i in range(8)],
            "erbb2_log2": rng.normal(0, 0.01, 8),
            "se_noise": 0.01,
            "usable": True,
            "sw_erbb2_log2": rng.normal(0, 0.2, 8),
            "sw_se_noise": 0.01,
        }
    )
    plain = panel_systematic(panel, None, 0.02)
    weighted = panel_systematic(panel, None, 0.02, "size_weighted")
    assert plain == 0.02 and weighted > 0.05
    old = panel.drop(columns=["sw_erbb2_log2", "sw_se_noise"])
    assert panel_systematic(old, None, 0.02, "size_weighted") == 0.02


@pytest.mark.parametrize(("weight", "said"), [(2.5, True), (1.0, False)])
def test_the_reports_thresholds_say_how_the_weighted_track_enters(
    weight: float, said: bool
) -> None:
    from cfdna_erbb2.report_html import threshold_lines

    erbb2 = {"z_min": 5.0, "focal_z_min": 4.0, "min_read_pairs": 10_000, "max_noise_sd": 0.4,
             "max_lod_pcn": 20, "min_flank_bins": 5, "short_fragment_weight": weight}  # fmt: skip
    response = {"reduction": 0.5, "undetectable_level": 0.5}
    first = threshold_lines({"erbb2": erbb2, "response": response})[0]
    assert ("size-weighted coverage" in first) is said
    assert ("counted 2.5 times" in first) is said


# ------------------------------------------------------- single-end reads: no weighted track


def _single_end_bam(path: Path) -> Path:
    """A BAM of single-end reads (no pair flags, no TLEN), 5% duplicates."""
    header = pysam.AlignmentHeader.from_dict(
        {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "chr1", "LN": 100_000}]}
    )
    reads = []
    for i in range(400):
        read = pysam.AlignedSegment(header)
        read.query_name = f"r{i}"
        read.cigarstring = "50M"
        read.query_sequence = "A" * 50
        read.mapping_quality = 60
        read.reference_id = 0
        read.reference_start = 100 + 200 * i
        read.flag = 0x400 if i % 20 == 0 else 0
        reads.append(read)
    return write_sorted_bam(path, header, reads)


def test_single_end_reads_have_no_measured_fragments(tmp_path: Path) -> None:
    single, _ = bam_qc(_single_end_bam(tmp_path / "se.bam"))
    assert single["fragments_counted"] == 0 and paired_share(single) == 0.0
    assert not has_paired_fragments(single)
    # The paired BAM: 4 of its about 5.5 expected fragments are measured (one mate maps to
    # another chromosome, one is unmapped).
    paired, _ = bam_qc(_pair_bam(tmp_path / "pairs.bam")[0])
    assert paired_share(paired) >= MIN_PAIRED_SHARE and has_paired_fragments(paired)
    # Unknown (no mapped reads, metrics of another kind) is not evidence of single-end reads.
    empty = {"read_pairs": 0, "mapped_fraction": math.nan, "duplicate_fraction": math.nan,
             "fragments_counted": 0}  # fmt: skip
    assert math.isnan(paired_share(empty)) and has_paired_fragments(empty)
    assert has_paired_fragments({"read_pairs": 10})


def test_a_sample_or_normal_without_fragment_lengths_rules_the_weighted_track_out(
    tmp_path: Path,
) -> None:
    paired = {"read_pairs": 1000, "mapped_fraction": 0.98, "duplicate_fraction": 0.1,
              "fragments_counted": 870}  # fmt: skip
    single = {**paired, "fragments_counted": 0}
    assert size_weighted_reason("P1", paired, []) == ""
    why = size_weighted_reason("P1", single, [])
    assert why.startswith("P1 has no measured fragment lengths") and "0% of" in why
    why = size_weighted_reason("P1", paired, ["N2", "N3"])
    assert "normal(s) N2, N3" in why

    # The panel's screening table records it; only normals serving in the panel block.
    coverage = tmp_path / "n.targetcoverage.cnn"
    bins, _ = synthetic(6)
    bins.assign(depth=1.0).to_csv(coverage, sep="\t", index=False)
    table = screen_normals(
        {"N1": 10**6, "N2": 10**6, "N3": 10},
        {"N1": coverage, "N2": coverage, "N3": coverage},
        PARAMS,
        {"N1": True, "N2": False, "N3": False},
    )
    assert table["paired_fragments"].tolist() == [True, False, False]
    assert table["usable"].tolist() == [True, True, False]  # N3: too few read pairs
    path = tmp_path / "panel_members.tsv"
    table.to_csv(path, sep="\t", index=False)
    assert size_weighted_blockers(path) == ["N2"]
    table.drop(columns="paired_fragments").to_csv(path, sep="\t", index=False)
    assert size_weighted_blockers(path) == []  # a table from before the column


def test_tracks_reason_says_why_one_track_was_tested(tmp_path: Path) -> None:
    bins, _ = synthetic(7, amplicon_log2=1.0)
    cnr = tmp_path / "s.cnr"
    bins.assign(depth=1.0).to_csv(cnr, sep="\t", index=False)
    both = call_sample(cnr, None, PARAMS, read_pairs=10**6, weighted_cnr=cnr)
    assert both["tracks"] == 2 and both["tracks_reason"] == ""
    given = call_sample(cnr, None, PARAMS, read_pairs=10**6, unweighted_reason="S has none")
    assert given["tracks"] == 1 and given["tracks_reason"] == "S has none"
    assert given["amplified"] and "raised for" not in str(given["reason"])  # plain thresholds
    alone = call_sample(cnr, None, PARAMS, read_pairs=10**6)
    assert "no size-weighted copy ratios" in str(alone["tracks_reason"])
    off = call_sample(cnr, None, replace(PARAMS, short_fragment_weight=1.0), read_pairs=10**6,
                      weighted_cnr=cnr)  # fmt: skip
    assert off["tracks"] == 1 and "short_fragment_weight is 1" in str(off["tracks_reason"])
