"""CNVkit tables read by column name, and the ERBB2 measurement on synthetic copy ratios whose
truth is known: noise, amplicon level, broad gains, limit of detection and evaluability.

The assertions follow the definitions in the docstring of :mod:`cfdna_erbb2.erbb2`, not how the
locus is found: no test depends on exact locus boundaries.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cfdna_erbb2.calls import call_sample, panel_systematic
from cfdna_erbb2.cnvio import BIN_COLUMNS, gene_mask, read_bins, read_segments
from cfdna_erbb2.erbb2 import Erbb2Params, measure, pcn_from_log2, systematic_sd
from cfdna_erbb2.errors import InputError
from cfdna_erbb2.tsv import write_tsv

# --------------------------------------------------------------------------- CNVkit tables

CNR_ROWS = [
    ("chr17", 39_600_000, 39_650_000, "PGAP3", 0.05, 210.0, 0.9),
    ("chr17", 39_650_000, 39_700_000, "PGAP3,ERBB2", 1.20, 480.0, 0.95),
    ("chr17", 39_700_000, 39_750_000, "ERBB2", 1.30, 500.0, 1.0),
    ("chr17", 39_750_000, 39_800_000, "Antitarget", 0.10, 30.0, 0.2),
    ("chr17", 39_800_000, 39_850_000, "Background", -0.10, 28.0, 0.2),
    ("chr17", 39_850_000, 39_900_000, "-", 0.00, 200.0, 0.8),
]


def write_cnr(path: Path, columns: list[str], rows: Sequence[Sequence[object]] = CNR_ROWS) -> Path:
    """A .cnr with ``columns`` (any order, any subset of the standard seven)."""
    standard = ["chromosome", "start", "end", "gene", "log2", "depth", "weight"]
    lines = ["\t".join(columns)]
    for row in rows:
        record = dict(zip(standard, row, strict=True))
        lines.append("\t".join(str(record[c]) for c in columns))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_bins_columns_in_any_order(tmp_path: Path) -> None:
    path = write_cnr(
        tmp_path / "s.cnr", ["log2", "weight", "gene", "end", "depth", "chromosome", "start"]
    )
    bins = read_bins(path)
    assert list(bins["start"]) == [r[1] for r in CNR_ROWS]
    assert list(bins["end"]) == [r[2] for r in CNR_ROWS]
    assert list(bins["gene"]) == [r[3] for r in CNR_ROWS]
    assert bins["log2"].tolist() == pytest.approx([r[4] for r in CNR_ROWS])
    assert bins["depth"].tolist() == pytest.approx([r[5] for r in CNR_ROWS])
    assert bins["weight"].tolist() == pytest.approx([r[6] for r in CNR_ROWS])
    assert bins["start"].dtype == np.int64
    assert list(bins["off_target"]) == [False, False, False, True, True, False]


def test_read_bins_without_depth_and_weight(tmp_path: Path) -> None:
    bins = read_bins(write_cnr(tmp_path / "s.cnr", ["chromosome", "start", "end", "gene", "log2"]))
    assert bins["weight"].tolist() == [1.0] * len(CNR_ROWS)
    assert "depth" not in bins.columns


def test_read_bins_numeric_chromosome_names_stay_strings(tmp_path: Path) -> None:
    rows = [("17", *r[1:]) for r in CNR_ROWS]
    bins = read_bins(
        write_cnr(tmp_path / "s.cnr", ["chromosome", "start", "end", "gene", "log2"], rows)
    )
    assert set(bins["chromosome"]) == {"17"}


@pytest.mark.parametrize("missing", BIN_COLUMNS)
def test_read_bins_missing_column_names_field(tmp_path: Path, missing: str) -> None:
    columns = [c for c in ["chromosome", "start", "end", "gene", "log2", "weight"] if c != missing]
    path = write_cnr(tmp_path / "s.cnr", columns)
    with pytest.raises(InputError, match="missing column") as info:
        read_bins(path)
    assert info.value.field == missing
    assert info.value.path == str(path)


def test_read_bins_bad_position_names_line_and_field(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = list(CNR_ROWS)
    rows[2] = (rows[2][0], "39,700,000", *rows[2][2:])
    path = write_cnr(tmp_path / "s.cnr", ["chromosome", "start", "end", "gene", "log2"], rows)
    with pytest.raises(InputError, match="39,700,000") as info:
        read_bins(path)
    # The header is line 1: the third bin is on line 4.
    assert (info.value.line, info.value.field) == (4, "start")
    assert "s.cnr, line 4, field 'start'" in str(info.value)


def test_read_bins_line_counts_blank_lines_and_skips_them(tmp_path: Path) -> None:
    rows: list[tuple[object, ...]] = list(CNR_ROWS)
    rows[4] = (*rows[4][:2], "39,850,000", *rows[4][3:])
    path = write_cnr(tmp_path / "s.cnr", ["chromosome", "start", "end", "gene", "log2"], rows)
    lines = path.read_text().split("\n")
    path.write_text("\n".join([*lines[:3], "", "", *lines[3:], "", ""]))
    assert path.read_text().split("\n")[7].startswith("chr17\t39800000\t39,850,000")
    with pytest.raises(InputError, match="39,850,000") as info:
        read_bins(path)
    assert (info.value.line, info.value.field) == (8, "end")
    # Without the bad value the blank lines are no bins.
    rows[4] = CNR_ROWS[4]
    good = write_cnr(tmp_path / "g.cnr", ["chromosome", "start", "end", "gene", "log2"], rows)
    lines = good.read_text().split("\n")
    good.write_text("\n".join([*lines[:3], "", "\t", *lines[3:], "", ""]))
    assert list(read_bins(good)["start"]) == [r[1] for r in CNR_ROWS]


def test_read_segments(tmp_path: Path) -> None:
    path = tmp_path / "s.cns"
    path.write_text("log2\tend\tstart\tchromosome\nNA\t200\t100\tchr1\n0.5\t400\t200\tchr1\n")
    segments = read_segments(path)
    assert segments["start"].tolist() == [100, 200]
    assert math.isnan(segments["log2"].iloc[0])


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("ERBB2", True),
        ("PGAP3,ERBB2", True),
        ("ERBB2,GRB7", True),
        ("PGAP3, ERBB2 ,GRB7", True),
        ("ERBB20", False),
        ("XERBB2", False),
        ("ERBB2-AS1", False),
        ("PGAP3", False),
        ("-", False),
        ("Antitarget", False),
    ],
)
def test_gene_mask_matches_exact_symbol(label: str, expected: bool) -> None:
    labels = ["-", label, "GRB7"]
    assert gene_mask(pd.Series(labels), "ERBB2").tolist() == [False, expected, False]
    assert gene_mask(labels, "ERBB2").tolist() == [False, expected, False]


# --------------------------------------------------------------------------- synthetic samples

BIN_BP = 50_000
N_BINS = 300  # per chromosome: 15 Mb
CHROMS = ("chr1", "chr17", "chr2")
GENE_BIN = 150  # ERBB2 is one bin in the middle of chr17
AMPLICON = (145, 155)  # 10 bins, 500 kb, around ERBB2
PARAMS = Erbb2Params()


def synthetic(
    seed: int,
    sd: float = 0.1,
    amplicon_log2: float = 0.0,
    amplicon: tuple[int, int] = AMPLICON,
    arm_log2: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(bins, segments) of one sample: Gaussian bin noise ``sd`` (log2) on a diploid genome,
    with an optional focal amplicon (bins ``amplicon``) around ERBB2 and an optional gain
    from ERBB2 to the end of chr17. Segments are what an ideal CBS would return: one per
    constant stretch, its log2 the mean of its bins."""
    rng = np.random.default_rng(seed)
    bins, segments = [], []
    for chrom in CHROMS:
        start = np.arange(N_BINS) * BIN_BP
        truth = np.zeros(N_BINS)
        gene = np.full(N_BINS, "-", dtype=object)
        cuts = [0, N_BINS]
        if chrom == "chr17":
            gene[GENE_BIN - 1 : GENE_BIN + 2] = ["PGAP3", "ERBB2", "GRB7"]
            if amplicon_log2:
                truth[amplicon[0] : amplicon[1]] = amplicon_log2
                cuts = [0, *amplicon, N_BINS]
            if arm_log2:
                truth[GENE_BIN:] = arm_log2
                cuts = [0, GENE_BIN, N_BINS]
        log2 = truth + rng.normal(0.0, sd, N_BINS)
        bins.append(
            pd.DataFrame(
                {
                    "chromosome": chrom,
                    "start": start,
                    "end": start + BIN_BP,
                    "gene": gene.astype(str),
                    "log2": log2,
                    "weight": 1.0,
                    "off_target": False,
                }
            )
        )
        for a, b in itertools.pairwise(cuts):
            segments.append(
                {
                    "chromosome": chrom,
                    "start": a * BIN_BP,
                    "end": b * BIN_BP,
                    "log2": float(log2[a:b].mean()),
                }
            )
    return pd.concat(bins, ignore_index=True), pd.DataFrame(segments)


@pytest.mark.parametrize("sd", [0.05, 0.1, 0.2])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_noise_sd_recovers_bin_sd(seed: int, sd: float) -> None:
    bins, segments = synthetic(seed, sd=sd, amplicon_log2=1.0)
    result = measure(bins, segments, PARAMS)
    assert result.noise_sd == pytest.approx(sd, rel=0.10)
    # MAPD is the median |difference| of neighbours: sd * sqrt(2) * 0.6745 for normal noise.
    assert result.mapd == pytest.approx(sd * math.sqrt(2) * 0.6745, rel=0.10)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_focal_amplicon_is_amplified(seed: int) -> None:
    level = 1.0
    bins, segments = synthetic(seed, amplicon_log2=level)
    result = measure(bins, segments, PARAMS, read_pairs=1_000_000)
    assert result.evaluable
    assert result.amplified
    assert result.reason.startswith("amplified")
    assert result.locus_source == "segment"
    assert result.locus_chrom == "chr17"
    expected_pcn = 2 * 2**level
    # One noisy ERBB2 bin (sd 0.1 log2, about 7% in copies); the locus averages ten.
    assert result.erbb2_pcn == pytest.approx(expected_pcn, rel=0.25)
    assert result.locus_pcn == pytest.approx(expected_pcn, rel=0.06)
    assert result.erbb2_pcn == pytest.approx(pcn_from_log2(result.erbb2_log2))
    assert result.erbb2_z >= PARAMS.z_min
    assert result.focal_z >= PARAMS.focal_z_min
    assert result.cnvkit_default_amplified
    assert result.lod_pcn < expected_pcn


@pytest.mark.parametrize("seed", range(10))
def test_no_amplicon_is_not_amplified(seed: int) -> None:
    bins, segments = synthetic(seed)
    result = measure(bins, segments, PARAMS, read_pairs=1_000_000)
    assert result.evaluable
    assert not result.amplified
    assert abs(result.erbb2_z) < 4
    assert result.reason.startswith("not amplified")
    assert f"smallest detectable pCN {result.lod_pcn:.2f}" in result.reason
    assert not result.cnvkit_default_amplified


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_whole_arm_gain_is_not_amplified(seed: int) -> None:
    # sd 0.05: quiet enough that a 0.4 gain of the one ERBB2 bin stands well above z_min,
    # so only focality can (and must) reject it.
    bins, segments = synthetic(seed, sd=0.05, arm_log2=0.4)
    result = measure(bins, segments, PARAMS, read_pairs=1_000_000)
    assert result.evaluable
    assert result.erbb2_z >= PARAMS.z_min
    assert not result.amplified
    assert result.focal_z < PARAMS.focal_z_min
    assert "broad gain" in result.reason


def lod_round_trip(seeds: range, amplicon: tuple[int, int]) -> list[float]:
    """erbb2_z of samples whose amplicon sits exactly at the lod_log2 that the same sample
    (same noise) reported without it."""
    zs = []
    for seed in seeds:
        bins, segments = synthetic(seed)
        lod = measure(bins, segments, PARAMS).lod_log2
        assert lod > 0
        bins, segments = synthetic(seed, amplicon_log2=lod, amplicon=amplicon)
        zs.append(measure(bins, segments, PARAMS).erbb2_z)
    return zs


def test_lod_holds_for_amplicon_of_the_gene_bins() -> None:
    # At the limit of detection the signal is at the threshold: z scatters around z_min by
    # its own standard error (1), so the mean of 40 samples is within 0.5 of it.
    zs = lod_round_trip(range(40), (GENE_BIN, GENE_BIN + 1))
    assert np.mean(zs) == pytest.approx(PARAMS.z_min, abs=0.5)


def test_lod_holds_for_the_baseline_amplicon() -> None:
    # An on-treatment draw is measured over its baseline's amplicon: its limit of detection
    # is that of an amplicon of that extent (a 10-bin one here, far lower than one bin's),
    # and an amplicon at that level scatters around z_min.
    region = ("chr17", AMPLICON[0] * BIN_BP, AMPLICON[1] * BIN_BP)
    zs, lods = [], []
    for seed in range(40):
        bins, segments = synthetic(seed)
        negative = measure(bins, segments, PARAMS, baseline_locus=region)
        assert negative.locus_source == "baseline"
        assert negative.locus_bins == AMPLICON[1] - AMPLICON[0]
        lods.append(negative.lod_log2)
        bins, segments = synthetic(seed, amplicon_log2=negative.lod_log2)
        zs.append(measure(bins, segments, PARAMS, baseline_locus=region).erbb2_z)
    assert np.mean(zs) == pytest.approx(PARAMS.z_min, abs=0.5)
    gene_only = measure(*synthetic(0), PARAMS).lod_log2
    assert np.mean(lods) < 0.5 * gene_only


def test_lod_pcn_is_the_pcn_of_lod_log2() -> None:
    bins, segments = synthetic(5)
    result = measure(bins, segments, PARAMS)
    assert result.lod_pcn == pytest.approx(2 * 2**result.lod_log2)
    assert result.lod_log2 >= PARAMS.z_min * result.se_log2 - 1e-12


def test_systematic_sd_widens_the_locus_error() -> None:
    bins, segments = synthetic(3, amplicon_log2=0.5)
    default = measure(bins, segments, PARAMS)
    wide = measure(bins, segments, PARAMS, systematic=0.2)
    assert default.systematic_sd == PARAMS.systematic_sd_floor
    assert wide.systematic_sd == 0.2
    # se_log2**2 = noise_sd**2 / n_eff + systematic_sd**2: the bin-noise part is unchanged.
    assert wide.se_log2**2 - 0.2**2 == pytest.approx(
        default.se_log2**2 - PARAMS.systematic_sd_floor**2
    )
    assert default.amplified
    assert not wide.amplified  # 0.5 log2 is only ~2.5 SE when the locus itself is that unsure
    assert wide.erbb2_z < PARAMS.z_min
    assert wide.lod_log2 > default.lod_log2


@pytest.mark.parametrize(
    ("sd", "read_pairs", "phrase"),
    [
        (0.1, 5_000, "5000 read pairs < 10000"),
        (0.6, 1_000_000, "bin noise sd"),
        (0.6, None, "bin noise sd"),
    ],
)
def test_not_evaluable(sd: float, read_pairs: int | None, phrase: str) -> None:
    # A clear amplicon, which an evaluable sample would call.
    bins, segments = synthetic(7, sd=sd, amplicon_log2=2.0)
    result = measure(bins, segments, PARAMS, read_pairs=read_pairs)
    assert not result.evaluable
    assert not result.amplified
    assert result.reason.startswith("not evaluable")
    assert phrase in result.reason


@pytest.mark.parametrize("read_pairs", [None, PARAMS.min_read_pairs])
def test_enough_read_pairs_is_evaluable(read_pairs: int | None) -> None:
    bins, segments = synthetic(7, amplicon_log2=2.0)
    result = measure(bins, segments, PARAMS, read_pairs=read_pairs)
    assert result.evaluable
    assert result.amplified


@pytest.mark.parametrize("label", ["-", "ERBB20", "XERBB2"])
def test_no_erbb2_bin_raises(label: str) -> None:
    bins, segments = synthetic(1)
    bins["gene"] = bins["gene"].replace("ERBB2", label)
    with pytest.raises(ValueError, match="ERBB2"):
        measure(bins, segments, PARAMS)


def test_call_sample_names_the_file_without_erbb2(tmp_path: Path) -> None:
    rows = [r for r in CNR_ROWS if "ERBB2" not in str(r[3])]
    path = write_cnr(tmp_path / "s.cnr", ["chromosome", "start", "end", "gene", "log2"], rows)
    with pytest.raises(InputError, match="ERBB2") as info:
        call_sample(path, None, PARAMS)
    assert (info.value.path, info.value.field) == (str(path), "gene")


# --------------------------------------------------------------------------- panel of normals

FLOOR = 0.02


@pytest.mark.parametrize("n", [0, 1, 2])
def test_systematic_sd_floor_with_few_normals(n: int) -> None:
    values = np.full(n, 0.5)  # wildly off, but too few to estimate from
    assert systematic_sd(values, np.full(n, 0.01), FLOOR) == FLOOR


def test_systematic_sd_ignores_non_finite_normals() -> None:
    values = np.array([0.5, 0.5, np.nan, 0.5])
    se = np.array([0.01, 0.01, 0.01, np.nan])
    assert systematic_sd(values, se, FLOOR) == FLOOR  # two usable normals
    # Five usable normals (the fewest whose variance is trusted) and two unusable ones.
    values = np.array([0.3, -0.3, 0.3, 0.3, -0.3, 0.3, np.nan])
    se = np.array([0.1, 0.1, 0.1, 0.1, 0.1, np.nan, 0.1])
    assert systematic_sd(values, se, FLOOR) == pytest.approx(math.sqrt(0.3**2 - 0.1**2))
    assert systematic_sd(values[:4], se[:4], FLOOR) == FLOOR  # four: too few to trust


def test_systematic_sd_floor_when_normals_match_their_se() -> None:
    se = np.linspace(0.03, 0.08, 50)
    values = se * np.where(np.arange(50) % 2, 1.0, -1.0)  # mean square == mean se^2
    assert systematic_sd(values, se, FLOOR) == FLOOR


def test_systematic_sd_recovers_extra_spread() -> None:
    rng = np.random.default_rng(11)
    n = 400
    se = rng.uniform(0.03, 0.08, n)
    values = rng.normal(0.0, se) + rng.normal(0.0, 0.1, n)
    assert systematic_sd(values, se, FLOOR) == pytest.approx(0.1, rel=0.15)


def test_panel_systematic_leaves_the_named_sample_out() -> None:
    # Six normals, each 0.1 or 0.2 from 0 with se 0.05: no outlier among them.
    panel = pd.DataFrame(
        {
            "sample": ["N1", "N2", "N3", "N4", "N5", "N6"],
            "erbb2_log2": [0.1, -0.1, 0.1, -0.1, 0.1, 0.2],
            "se_noise": [0.05] * 6,
        }
    )
    all_six = math.sqrt((5 * 0.1**2 + 0.2**2) / 6 - 0.05**2)
    assert panel_systematic(panel, None, FLOOR) == pytest.approx(all_six)
    assert panel_systematic(panel, "N6", FLOOR) == pytest.approx(math.sqrt(0.1**2 - 0.05**2))
    assert panel_systematic(panel, "N1", FLOOR) == pytest.approx(
        math.sqrt((4 * 0.1**2 + 0.2**2) / 5 - 0.05**2)
    )
    assert panel_systematic(panel, "P1-d0", FLOOR) == pytest.approx(all_six)


@pytest.mark.parametrize("failed", [-20.0, 8.0, 0.9])
def test_one_failed_normal_cannot_dominate_the_systematic_error(failed: float) -> None:
    # Issue 11: a zero-read normal (ERBB2 log2 -20) made the systematic sd 8.95 log2.
    good = np.array([0.1, -0.1, 0.1, -0.1, 0.1])
    se = np.full(6, 0.05)
    alone = systematic_sd(good, se[:5], FLOOR)
    with_failed = systematic_sd(np.append(good, failed), se, FLOOR)
    assert alone == pytest.approx(math.sqrt(0.1**2 - 0.05**2))
    assert with_failed == pytest.approx(alone)


def test_panel_systematic_uses_only_usable_normals() -> None:
    panel = pd.DataFrame(
        {
            "sample": [f"N{i}" for i in range(1, 7)],
            "erbb2_log2": [0.1, -0.1, 0.1, -0.1, 0.1, 0.3],
            "se_noise": [0.05] * 6,
            "usable": ["true"] * 5 + ["false"],
        }
    )
    assert panel_systematic(panel, None, FLOOR) == pytest.approx(math.sqrt(0.1**2 - 0.05**2))


def test_write_tsv_writes_true_false(tmp_path: Path) -> None:
    table = pd.DataFrame(
        {
            "sample": ["a", "b"],
            "amplified": [True, False],
            "evaluable": [False, True],
            "erbb2_log2": [0.123456789, math.nan],
        }
    )
    path = tmp_path / "calls.tsv"
    write_tsv(table, path)
    assert path.read_text().splitlines() == [
        "sample\tamplified\tevaluable\terbb2_log2",
        "a\ttrue\tfalse\t0.123457",
        "b\tfalse\ttrue\t",
    ]
    assert table["amplified"].dtype == bool  # the caller's table is left as it was


# --------------------------------------------------------------------------- issue 11


def test_a_sample_with_too_few_reads_reports_no_numbers() -> None:
    # Issue 11: a zero-read sample reported erbb2_pcn 1.9e-06 and erbb2_z -347.8.
    bins, segments = synthetic(7, amplicon_log2=2.0)
    result = measure(bins, segments, PARAMS, read_pairs=0)
    assert not result.evaluable and not result.amplified
    assert "0 read pairs" in result.reason
    for field in ("erbb2_log2", "erbb2_pcn", "erbb2_z", "lod_pcn", "noise_sd", "se_log2"):
        assert math.isnan(getattr(result, field)), field


def test_zero_coverage_sample_reports_no_numbers() -> None:
    # What CNVkit writes for a sample without reads: every bin at its floor log2 of -20.
    bins, segments = synthetic(7)
    bins["log2"] = -20.0
    bins["weight"] = 0.0
    result = measure(bins, segments, PARAMS)
    assert not result.evaluable
    assert math.isnan(result.erbb2_pcn) and math.isnan(result.noise_sd)


def test_a_noisy_sample_keeps_its_numbers() -> None:
    # Not evaluable for noise, but measured: its values are data, flagged by the reason.
    bins, segments = synthetic(7, sd=0.6, amplicon_log2=2.0)
    result = measure(bins, segments, PARAMS, read_pairs=1_000_000)
    assert not result.evaluable
    assert math.isfinite(result.erbb2_pcn) and math.isfinite(result.lod_pcn)


def test_absurd_limit_of_detection_is_not_evaluable() -> None:
    # Issue 11: a failed normal in the panel gave every draw a lod_pcn of about 6e13 copies,
    # and every draw came out evaluable and not amplified.
    bins, segments = synthetic(3)
    result = measure(bins, segments, PARAMS, systematic=8.95)
    assert result.lod_pcn > PARAMS.max_lod_pcn
    assert not result.evaluable
    assert "smallest detectable pCN" in result.reason
    sane = measure(bins, segments, PARAMS)
    assert sane.evaluable and sane.lod_pcn < PARAMS.max_lod_pcn
