"""Bad input fails early and clearly; a sample failing mid-run loses nothing else."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from .conftest import copy_study, read_tsv, snakemake

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
        ("duplicate", ["line 3", "field 'sample'", "duplicate"]),
        ("no_timepoint", ["line 5", "field 'timepoint'"]),
        ("missing_file", ["line 2", "field 'fq1'", "not found"]),
        ("bad_id", ["line 2", "field 'sample'"]),
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
