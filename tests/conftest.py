"""Workflow runs shared across test packages: the real-SLURM comparison (tests/cluster)
and the integration tests compare against the same local run, so CI pays for it once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import good_study, simulate, snakemake


@pytest.fixture(scope="session")
def test_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulator's `test` preset with reads and true-alignment BAMs (made once)."""
    return simulate(tmp_path_factory.mktemp("cohort") / "study", "--bam")


@pytest.fixture(scope="session")
def undisturbed(test_cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local run (the default profile, 2 cores) of the `test` cohort's good samples from
    FASTQ: the results the fault run and the SLURM run must reproduce. Read it, never write
    to it."""
    study = good_study(test_cohort, tmp_path_factory.mktemp("undisturbed") / "study")
    result = snakemake(study)
    assert result.returncode == 0, result.stderr[-4000:]
    return study
