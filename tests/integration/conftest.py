"""Helpers for running the real workflow on cohorts made by the project's simulator."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: Every workflow run is bounded, so a hung job fails the test instead of CI.
RUN_TIMEOUT_S = 900


def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def simulate(outdir: Path, *extra: str, preset: str = "test", seed: int = 11) -> Path:
    """Simulate a cohort into ``outdir`` (reads, reference, truth, samples.tsv, config.yaml)."""
    cmd = [str(BIN / "cfdna-erbb2"), "simulate", "--preset", preset, "--outdir", str(outdir),
           "--seed", str(seed), *extra]  # fmt: skip
    subprocess.run(cmd, check=True, env=tool_env(), capture_output=True, timeout=300)
    return outdir


def snakemake(
    workdir: Path, *extra: str, timeout: int = RUN_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    """Run the workflow in ``workdir`` with its config.yaml, as a user would."""
    cmd = [
        str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
        "--configfile", str(workdir / "config.yaml"),
        "--workflow-profile", str(REPO / "workflow" / "profiles" / "default"),
        "--cores", "2", *extra,
    ]  # fmt: skip
    return subprocess.run(
        cmd, env=tool_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def job_counts(dry_run_output: str) -> dict[str, int]:
    """Rule -> job count from the 'Job stats' table that `snakemake -n` prints."""
    counts: dict[str, int] = {}
    lines = dry_run_output.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("job") and "count" in line:
            for row in lines[i + 2 :]:
                parts = row.split()
                if len(parts) != 2 or not parts[1].isdigit():
                    break
                if parts[0] != "total":
                    counts[parts[0]] = int(parts[1])
            break
    return counts


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])


def copy_study(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


#: The good samples of the `test` cohort: three normals, two patients' baselines. Their
#: undisturbed run (the ``undisturbed`` fixture, tests/conftest.py) is what the fault run and
#: the SLURM run must reproduce.
GOOD = ["HD01", "HD02", "HD03", "P01_D1", "P03_D1"]


def read_sheet(study: Path) -> pd.DataFrame:
    return pd.read_csv(study / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)


def write_sheet(study: Path, sheet: pd.DataFrame) -> None:
    """Cells as they are (no CSV quoting: a quote in a file name is part of the name)."""
    lines = ["\t".join(sheet.columns)]
    lines += ["\t".join(str(v) for v in row) for row in sheet.itertuples(index=False)]
    (study / "samples.tsv").write_text("\n".join(lines) + "\n")


def good_study(test_cohort: Path, dst: Path) -> Path:
    """A copy of the `test` cohort at ``dst`` with the ``GOOD`` samples alone in its sheet."""
    study = copy_study(test_cohort, dst)
    sheet = read_sheet(study)
    write_sheet(study, sheet[sheet["sample"].isin(GOOD)])
    return study


@pytest.fixture(scope="session")
def demo_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in demo cohort (every response class), as `make demo` simulates it."""
    return simulate(tmp_path_factory.mktemp("demo") / "study", preset="demo", seed=1)


@pytest.fixture(scope="session")
def fastq_study(demo_cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cohort from FASTQ: every response class, as users first see it. One run,
    shared by every module that asserts on it (CI time: add assertions, not runs)."""
    study = copy_study(demo_cohort, tmp_path_factory.mktemp("fastq") / "study")
    result = snakemake(study)
    assert result.returncode == 0, result.stderr[-5000:]
    return study


@pytest.fixture(scope="session")
def demo_report(fastq_study: Path) -> Path:
    """The Snakemake HTML report of the demo run (``snakemake --report``), made once."""
    report = fastq_study / "report.html"
    result = snakemake(fastq_study, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    return report
