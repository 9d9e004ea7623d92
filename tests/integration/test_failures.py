"""Bad input fails early and clearly; a sample failing mid-run loses nothing else."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pandas as pd
import pysam
import pytest

from .conftest import copy_study, job_counts, read_tsv, snakemake

pytestmark = pytest.mark.slow

KEEP = ["HD01", "HD02", "HD03", "P01_D1", "P03_D1"]


def _subset(test_cohort: Path, dst: Path) -> tuple[Path, pd.DataFrame]:
    study = copy_study(test_cohort, dst)
    sheet = read_sheet(study)
    return study, sheet[sheet["sample"].isin(KEEP)].copy()


def read_sheet(study: Path) -> pd.DataFrame:
    """The study's sheet as text, empty cells as ''."""
    return pd.read_csv(study / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)


def _write_sheet(study: Path, sheet: pd.DataFrame) -> None:
    sheet.to_csv(study / "samples.tsv", sep="\t", index=False)


def _foreign_bam(path: Path) -> None:
    """A sorted, indexed BAM aligned to another genome (contigs '1', '2')."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"},
              "SQ": [{"SN": "1", "LN": 5_000_000}, {"SN": "2", "LN": 4_000_000}]}  # fmt: skip
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        read = pysam.AlignedSegment()
        read.query_name = "r1"
        read.query_sequence = "A" * 50
        read.flag = 0
        read.reference_id = 0
        read.reference_start = 100
        read.mapping_quality = 60
        read.cigarstring = "50M"
        read.query_qualities = pysam.qualitystring_to_array("I" * 50)
        out.write(read)
    pysam.index(str(path))


def test_failing_sample_keeps_the_others_and_rerun_resumes(
    test_cohort: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    study, sheet = _subset(test_cohort, tmp_path_factory.mktemp("fail") / "study")
    reads = study / "reads"
    # T: a truncated FASTQ.gz (a transfer cut short); Z: a sample with no reads at all;
    # B: a BAM aligned to another genome build.
    good_r1 = reads / "P03_D22_R1.fastq.gz"
    data = good_r1.read_bytes()
    (reads / "T_R1.fastq.gz").write_bytes(data[: len(data) // 2])
    shutil.copy(reads / "P03_D22_R2.fastq.gz", reads / "T_R2.fastq.gz")
    for mate in ("R1", "R2"):
        with gzip.open(reads / f"Z_{mate}.fastq.gz", "wb"):
            pass
    _foreign_bam(study / "foreign.bam")
    extra = pd.DataFrame(
        [
            {"sample": "T", "patient": "P03", "kind": "plasma", "timepoint": "22",
             "fq1": "reads/T_R1.fastq.gz", "fq2": "reads/T_R2.fastq.gz", "bam": ""},
            {"sample": "Z", "patient": "P09", "kind": "plasma", "timepoint": "1",
             "fq1": "reads/Z_R1.fastq.gz", "fq2": "reads/Z_R2.fastq.gz", "bam": ""},
            {"sample": "B", "patient": "P08", "kind": "plasma", "timepoint": "1",
             "fq1": "", "fq2": "", "bam": "foreign.bam"},
        ]
    )  # fmt: skip
    _write_sheet(study, pd.concat([sheet, extra], ignore_index=True))

    first = snakemake(study)
    assert first.returncode != 0
    align_log = (study / "results" / "logs" / "align" / "T.log").read_text()
    assert "T_R1.fastq.gz is not a complete gzip file" in align_log
    bam_log = (study / "results" / "logs" / "check_bam" / "B.log").read_text()
    assert "missing from the BAM header" in bam_log and "genome build" in bam_log
    # Every other sample finished its own chain (profile: keep-going).
    for sample in [*KEEP, "Z"]:
        assert (study / "results" / "erbb2" / "samples" / f"{sample}.tsv").is_file(), sample
    z_call = read_tsv(study / "results" / "erbb2" / "samples" / "Z.tsv")
    assert not z_call["evaluable"].iloc[0] and "read pairs" in z_call["reason"].iloc[0]

    # The fix: a complete FASTQ for T, and B's row removed. Only T's chain reruns.
    shutil.copy(good_r1, reads / "T_R1.fastq.gz")
    fixed = read_sheet(study)
    _write_sheet(study, fixed[fixed["sample"] != "B"])
    counts = job_counts(snakemake(study, "-n").stdout)
    assert counts.get("align") == 1 and counts.get("cnvkit_fix_segment") == 1, counts
    assert "bins" not in counts and "cnvkit_reference" not in counts, counts
    second = snakemake(study)
    assert second.returncode == 0, second.stderr[-4000:]
    calls = read_tsv(study / "results" / "erbb2" / "calls.tsv")
    assert set(calls["sample"]) == {*KEEP, "T", "Z"}
    z = calls[calls["sample"] == "Z"].iloc[0]
    assert not z["evaluable"] and not z["amplified"]


def test_no_normals_runs_with_a_flat_reference(
    test_cohort: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    study, sheet = _subset(test_cohort, tmp_path_factory.mktemp("flat") / "study")
    _write_sheet(study, sheet[sheet["kind"] == "plasma"])
    result = snakemake(study)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "no 'normal' rows" in result.stderr
    calls = read_tsv(study / "results" / "erbb2" / "calls.tsv")
    # P01_D1: TF 15%, 20 copies (pCN 4.7): a clear amplification even without a panel.
    assert calls.loc[calls["sample"] == "P01_D1", "amplified"].iloc[0]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("duplicate", ["row 2", "field 'sample'", "duplicate"]),
        ("no_timepoint", ["row 4", "field 'timepoint'"]),
        ("missing_file", ["row 1", "field 'fq1'", "not found"]),
        ("bad_id", ["row 1", "field 'sample'"]),
        ("refflat", ["genes.refFlat", "ERBB2"]),
        ("config", ["z_min", "-1"]),
    ],
)
def test_bad_input_stops_before_any_job(
    test_cohort: Path, tmp_path: Path, edit: str, expected: list[str]
) -> None:
    study, sheet = _subset(test_cohort, tmp_path / "study")
    sheet = sheet.reset_index(drop=True)
    if edit == "duplicate":
        sheet.loc[1, "sample"] = sheet.loc[0, "sample"]
    elif edit == "no_timepoint":
        sheet.loc[3, "timepoint"] = ""
    elif edit == "missing_file":
        sheet.loc[0, "fq1"] = "reads/nowhere.fastq.gz"
    elif edit == "bad_id":
        sheet.loc[0, "sample"] = "HD01;rm -rf x"
    elif edit == "refflat":
        refflat = study / "reference" / "genes.refFlat"
        lines = refflat.read_text().splitlines(keepends=True)
        refflat.write_text("".join(line for line in lines if not line.startswith("ERBB2\t")))
    elif edit == "config":
        with (study / "config.yaml").open("a") as fh:
            fh.write("erbb2:\n  z_min: -1\n")
    _write_sheet(study, sheet)
    result = snakemake(study)
    assert result.returncode != 0
    for phrase in expected:
        assert phrase in result.stderr, (phrase, result.stderr[-2000:])
    assert not (study / "results").exists(), "no job may start on bad input"
