"""The whole workflow on simulated cohorts, checked against the simulator's truth."""

from __future__ import annotations

import base64
import io
import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from .conftest import REPO, copy_study, job_counts, read_tsv, snakemake

pytestmark = pytest.mark.slow

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
Z_MIN = float(CONFIG["erbb2"]["z_min"])
MIN_READ_PAIRS = int(CONFIG["erbb2"]["min_read_pairs"])
#: Bin noise beyond Poisson counting that the test allows for (GC bias left after
#: correction, fragment-level clustering). The observed noise is checked against it.
OVERDISPERSION = 1.6


def _counting_sd(read_pairs: float, normal_pairs: float, n_normals: int, bins: dict) -> float:
    """Per-bin log2 sd from Poisson counting alone, for the sample and its reference."""
    per_bin = read_pairs * bins["bin_size"] / bins["accessible_bp"]
    per_bin_normal = normal_pairs * bins["bin_size"] / bins["accessible_bp"]
    variance = 1.0 / per_bin + 1.0 / (per_bin_normal * max(n_normals, 1))
    return math.sqrt(variance) / math.log(2)


def check_against_truth(study: Path) -> pd.DataFrame:
    """Assert the calls agree with the simulator's truth within depth-derived tolerances."""
    calls = read_tsv(study / "results" / "erbb2" / "calls.tsv")
    truth = read_tsv(study / "truth.tsv")
    bins = json.loads((study / "results" / "reference" / "bins.json").read_text())
    merged = calls.merge(truth, on="sample", suffixes=("", "_truth"), validate="one_to_one")
    assert len(merged) == len(truth), "every simulated sample has a call"
    # Women XX, men XY: the inferred sex of every sample is the simulated one.
    assert dict(zip(merged["sample"], merged["sex"], strict=True)) == dict(
        zip(merged["sample"], merged["sex_truth"], strict=True)
    )
    normals = truth[truth["kind"] == "normal"]
    normal_pairs = float(normals["read_pairs"].median())
    for row in merged.itertuples():
        assert bool(row.evaluable) == (row.read_pairs >= MIN_READ_PAIRS), row.sample
        if not row.evaluable:
            assert not row.amplified
            continue
        sd = _counting_sd(row.read_pairs, normal_pairs, len(normals), bins)
        # The pipeline's own noise estimate stays near what the depth allows.
        assert row.noise_sd <= OVERDISPERSION * sd * 1.25, (row.sample, row.noise_sd, sd)
        # ERBB2 log2 within 4.5 standard errors of the truth, from the gene's bins.
        se_gene = OVERDISPERSION * sd / math.sqrt(row.erbb2_bins)
        tolerance = 4.5 * se_gene + 0.03
        assert abs(row.erbb2_log2 - row.expected_log2) <= tolerance, (
            row.sample, row.erbb2_log2, row.expected_log2, tolerance
        )  # fmt: skip
        assert row.erbb2_pcn == pytest.approx(2 * 2**row.erbb2_log2, rel=1e-4)
        if not row.expected_amplified:
            # Normals, TF-0 draws and the 17q arm-gain decoy: never amplified.
            assert not row.amplified, (row.sample, row.reason)
        else:
            n_amp = (row.amplicon_end - row.amplicon_start) / bins["bin_size"]
            se_amp = math.hypot(OVERDISPERSION * sd / math.sqrt(n_amp), 0.02)
            if row.expected_log2 / se_amp >= Z_MIN + 4:
                assert row.amplified, (row.sample, row.reason)
    return merged


def check_tumour_fraction(study: Path) -> pd.DataFrame:
    """Tumour fraction against truth: never detected without tumour DNA, the truth within
    every detected interval (genome-wide and tumour-informed) widened by 0.05, the TF ratio to
    the baseline holding the true ratio, and every explained fall (the tumour shrank, or the
    ERBB2 clone was lost) the simulated one. Returns the timepoints.

    The widening: on this ~20 Mb genome a tumour has only 8-10 arm-level segments of 15-45
    bins, and the genome-wide fit has been seen 25% low (0.19, 95% CI 0.13-0.21, for 0.25);
    the human-scale benchmark (benchmarks/bench_tumour_fraction.py) measures the error."""
    calls = read_tsv(study / "results" / "erbb2" / "calls.tsv").set_index("sample")
    truth = read_tsv(study / "truth.tsv").set_index("sample")
    tf = truth.loc[calls.index, "tumour_fraction"]
    assert not calls.loc[tf == 0, "tf_detected"].any(), "TF detected in a normal or TF-0 draw"
    for sample, row in calls[calls["tf_detected"]].iterrows():
        assert row["tf_low"] - 0.05 <= tf[sample] <= row["tf_high"] + 0.05, (sample, row)
    for sample, row in calls[calls["tf_informed_detected"]].iterrows():
        low, high = row["tf_informed_low"], row["tf_informed_high"]
        assert low - 0.05 <= tf[sample] <= high + 0.05, (sample, low, high)
    baselines = truth[truth["is_baseline"]].set_index("patient")["tumour_fraction"]
    for sample, row in calls[calls["tf_ratio_high"].notna()].iterrows():
        ratio = tf[sample] / baselines[row["patient"]]
        assert row["tf_ratio_low"] <= ratio <= row["tf_ratio_high"], (sample, ratio, row)
    timepoints = read_tsv(study / "results" / "response" / "timepoints.tsv").set_index("sample")
    expected = truth.loc[timepoints.index, "expected_explanation"].fillna("")
    said = timepoints["explanation"].fillna("")
    for sample in timepoints.index:
        if said[sample] not in ("", "undetermined"):
            assert said[sample] == expected[sample], (sample, timepoints.loc[sample])
    return timepoints


def check_response(study: Path) -> None:
    patients = read_tsv(study / "results" / "response" / "patients.tsv")
    truth = read_tsv(study / "truth.tsv")
    plasma = truth[truth["kind"] == "plasma"].sort_values(["patient", "timepoint"])
    for patient, draws in plasma.groupby("patient"):
        expected = draws["expected_response"].dropna()
        row = patients[patients["patient"] == patient]
        assert len(row) == 1
        if len(draws) > 1:
            assert row["early_response"].iloc[0] == expected.iloc[0], patient
            assert row["last_response"].iloc[0] == expected.iloc[-1], patient


def test_fastq_run_matches_truth(fastq_study: Path) -> None:
    merged = check_against_truth(fastq_study)
    assert merged["amplified"].any() and not merged["amplified"].all()
    check_response(fastq_study)
    # The demo's P01 shrinks (day 22) and then loses its ERBB2 clone (day 43): both told.
    explained = check_tumour_fraction(fastq_study)["explanation"]
    assert explained["P01_D43"] == "erbb2_clone_lost"
    assert "tumour_fraction_fell" in set(explained)
    early = set(read_tsv(fastq_study / "results" / "response" / "patients.tsv")["early_response"])
    assert early == {"reduced", "undetectable", "persistent", "baseline_negative", "not_evaluable"}
    qc = read_tsv(fastq_study / "results" / "qc" / "qc.tsv")
    assert set(qc["sample"]) == set(merged["sample"])
    normal_modes = qc.loc[qc["kind"] == "normal", "fragment_mode"]
    assert normal_modes.between(160, 175).all(), "cfDNA mono-nucleosome peak near 167 bp"
    # The simulator duplicates 5% of fragments (SampleSpec.dup_rate); markdup finds them.
    assert qc["duplicate_fraction"].between(0.035, 0.065).all(), qc["duplicate_fraction"]
    # Tumour fragments are shorter (mode ~145 bp): the short fraction rises with TF.
    qc = qc.merge(read_tsv(fastq_study / "truth.tsv")[["sample", "tumour_fraction"]], on="sample")
    normal_short = qc.loc[qc["kind"] == "normal", "short_fraction"]
    high_tf = qc[(qc["tumour_fraction"] >= 0.1) & (qc["read_pairs"] >= MIN_READ_PAIRS)]
    assert (high_tf["short_fraction"] > normal_short.max() + 0.02).all()
    tf0 = qc[(qc["kind"] == "plasma") & (qc["tumour_fraction"] == 0)]
    assert (tf0["short_fraction"] - normal_short.mean()).abs().max() < 0.01
    # Every call tested both coverage tracks; on the size-weighted one the tumour's shorter
    # fragments put the amplified draws more standard errors above their flanks.
    assert (merged["tracks"] == 2).all() and merged["tracks_reason"].isna().all()
    amplified = merged[merged["amplified"]]
    assert (amplified["sw_z"] / amplified["erbb2_z"]).median() > 1.0
    members = read_tsv(fastq_study / "results" / "cnvkit" / "reference" / "panel_members.tsv")
    assert members["paired_fragments"].all()


def test_ucsc_reference_extra_contigs_and_both_sexes(fastq_study: Path) -> None:
    """The demo reference is UCSC-named with chrX, chrY, chrM, an unplaced scaffold, chrEBV
    and a 17q12 alt haplotype carrying ERBB2 (as real refFlat files do): bins fall on the
    primary chromosomes only, ERBB2 is measured on chr17, the log names what was left out,
    and men and women (two of each among the normals) have the same noise."""
    bins = pd.read_csv(
        fastq_study / "results" / "reference" / "bins.target.bed", sep="\t", header=None
    )
    assert set(bins[0]) == {"chr1", "chr2", "chr8", "chr17", "chr20", "chrX", "chrY"}
    log = (fastq_study / "results" / "logs" / "bins.log").read_text()
    for contig in ("chrM", "chrUn_KI270742v1", "chrEBV", "chr17_KI270909v1_alt"):
        assert contig in log
    calls = read_tsv(fastq_study / "results" / "erbb2" / "calls.tsv")
    assert set(calls.loc[calls["evaluable"], "locus_chrom"]) == {"chr17"}
    normals = calls[calls["kind"] == "normal"]
    by_sex = normals.groupby("sex")["noise_sd"].median()
    assert set(by_sex.index) == {"female", "male"}
    assert by_sex["male"] == pytest.approx(by_sex["female"], rel=0.25)
    men = calls[(calls["sex"] == "male") & (calls["kind"] == "plasma")]
    assert len(men) >= 2 and men["evaluable"].all()


def test_rerun_is_a_no_op_and_edits_rerun_only_what_depends(fastq_study: Path) -> None:
    result = snakemake(fastq_study, "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr
    # Point one draw at a copy of its reads: only that sample's chain (and cohort tables) reruns.
    sheet_path = fastq_study / "samples.tsv"
    sheet = pd.read_csv(sheet_path, sep="\t", dtype=str, keep_default_na=False)
    original = sheet_path.read_text()
    target = "P01_D22"
    for col in ("fq1", "fq2"):
        src = fastq_study / sheet.loc[sheet["sample"] == target, col].iloc[0]
        copy = src.with_name("copy_" + src.name)
        shutil.copy(src, copy)
        sheet.loc[sheet["sample"] == target, col] = str(copy.relative_to(fastq_study))
    sheet.to_csv(sheet_path, sep="\t", index=False)
    try:
        counts = job_counts(snakemake(fastq_study, "-n").stdout)
        assert counts.get("align") == 1, counts
        assert counts.get("cnvkit_fix_segment") == 1, counts
        assert "cnvkit_reference" not in counts and "bins" not in counts, counts
    finally:
        sheet_path.write_text(original)


def test_report_has_every_patient_and_sample(fastq_study: Path, demo_report: Path) -> None:
    html = demo_report.read_text(errors="replace")
    truth = read_tsv(fastq_study / "truth.tsv")
    for name in list(truth["sample"]) + list(truth["patient"].dropna().unique()):
        assert name in html, f"{name} missing from the report"
    # Opens offline: no script, style sheet or image is fetched from the network.
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", html)
    # What the page says: the per-patient table embedded in it gives every patient's early
    # response as the simulator's truth has it, and the trajectory picture of each patient.
    embedded = embedded_table(html, "results/response/patients.tsv")
    draws = truth[truth["expected_response"].fillna("") != ""].sort_values("timepoint")
    early = draws.groupby("patient")["expected_response"].first()
    assert dict(zip(embedded["patient"], embedded["early_response"], strict=True)) == dict(early)
    for patient in early.index:
        assert f'"results/plots/{patient}/{patient}.trajectory.png"' in html, patient


def embedded_table(html: str, path: str) -> pd.DataFrame:
    """A table as the Snakemake report embeds it (base64 data URI under its path)."""
    found = re.search(
        rf'"{re.escape(path)}": {{.*?"data_uri": "data:[^,"]*;base64,([A-Za-z0-9+/=]+)"',
        html,
        flags=re.DOTALL,
    )
    assert found, f"{path} is not in the report"
    text = base64.b64decode(found.group(1)).decode()
    return pd.read_csv(io.StringIO(text), sep="\t", dtype=str, keep_default_na=False)


def test_bam_input_run_matches_truth(
    test_cohort: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    study = copy_study(test_cohort, tmp_path_factory.mktemp("bam") / "study")
    sheet = pd.read_csv(study / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    sheet["bam"] = [f"bam/{s}.bam" for s in sheet["sample"]]
    sheet["fq1"] = ""
    sheet["fq2"] = ""
    sheet.to_csv(study / "samples.tsv", sep="\t", index=False)
    result = snakemake(study)
    assert result.returncode == 0, result.stderr[-5000:]
    # Used as they are: each checked BAM is a link to the sheet's file, and nothing realigned.
    for sample in sheet["sample"]:
        checked = study / "results" / "bam" / f"{sample}.checked.bam"
        assert checked.is_symlink(), sample
        assert checked.resolve() == (study / "bam" / f"{sample}.bam").resolve(), sample
    assert not (study / "results" / "logs" / "align").exists()
    check_against_truth(study)
    check_response(study)
    check_tumour_fraction(study)
