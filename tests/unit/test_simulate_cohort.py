"""Tests of cohort design, truth labels, the samples sheet and the simulate command."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest
import yaml

from cfdna_erbb2 import RESPONSE_CLASSES
from cfdna_erbb2.cli import simulate as cli
from cfdna_erbb2.samples import ID_PATTERN, read_samples
from cfdna_erbb2.simulate.cohort import (
    MIN_READ_PAIRS,
    SEX_TRUTH_COLUMNS,
    SHEET_COLUMNS,
    TRUTH_COLUMNS,
    cohort_truth,
    expected_response,
    plan_cohort,
    preset,
)
from cfdna_erbb2.simulate.genome import make_genome


def _response(baseline_excess: float, excess: float, tf: float = 0.1, **kw: bool) -> str:
    args = {"baseline_amplified": True, "baseline_evaluable": True, "evaluable": True}
    args.update(kw)
    return expected_response(
        baseline_excess=baseline_excess, excess=excess, tumour_fraction=tf, **args
    )


@pytest.mark.parametrize(
    ("baseline", "now", "tf", "flags", "label"),
    [
        (2.7, 0.72, 0.04, {}, "reduced"),
        (2.7, 1.35, 0.08, {}, "reduced"),  # exactly half: reduced
        (2.7, 1.4, 0.08, {}, "persistent"),
        (2.7, 0.0, 0.0, {}, "undetectable"),
        (2.7, 0.2, 0.01, {}, "undetectable"),
        (2.7, 2.6, 0.1, {"baseline_amplified": False}, "baseline_negative"),
        (2.7, 0.0, 0.0, {"baseline_amplified": False}, "baseline_negative"),
        (2.7, 0.0, 0.0, {"evaluable": False}, "not_evaluable"),
        (2.7, 2.6, 0.1, {"baseline_evaluable": False}, "not_evaluable"),
    ],
)
def test_expected_response(
    baseline: float, now: float, tf: float, flags: dict[str, bool], label: str
) -> None:
    assert _response(baseline, now, tf, **flags) == label


@pytest.mark.parametrize("name", ["demo", "test"])
def test_preset_truth_covers_design(name: str) -> None:
    cohort = preset(name)
    genome = make_genome(1, cohort.layout)
    planned = plan_cohort(cohort, genome, seed=1)
    rows = cohort_truth(genome, planned, cohort.min_read_pairs)
    by_sample = {r["sample"]: r for r in rows}
    assert len(by_sample) == len(rows)
    assert all(ID_PATTERN.match(str(s)) for s in by_sample)
    normals = [r for r in rows if r["kind"] == "normal"]
    assert len(normals) >= 3
    assert all(r["tumour_fraction"] == 0 and r["expected_pcn"] == 2 for r in normals)
    assert all(abs(float(r["depth"]) - 1.0) < 0.01 for r in normals)  # type: ignore[arg-type]
    labels = {r["expected_response"] for r in rows} - {""}
    assert labels <= set(RESPONSE_CLASSES)
    if name == "demo":
        assert labels == set(RESPONSE_CLASSES)
        assert len({r["patient"] for r in rows} - {""}) >= 5
        assert max(sum(r["patient"] == p for r in rows) for p in ("P01", "P02", "P03")) >= 3
        p01 = [by_sample[f"P01_D{d}"] for d in (1, 22, 43)]
        assert p01[0]["expected_pcn"] == pytest.approx(0.2 * 20 + 2 * 0.8)
        assert [r["expected_response"] for r in p01] == ["", "reduced", "undetectable"]
        # The tumour shrank by day 22; by day 43 it is back at 20% without its ERBB2 clone.
        assert [r["expected_explanation"] for r in p01] == [
            "", "tumour_fraction_fell", "erbb2_clone_lost"
        ]  # fmt: skip
        assert p01[2]["tumour_fraction"] == 0.2 and p01[2]["clone_lost"] is True
        assert p01[2]["expected_pcn"] == 2 and p01[2]["expected_amplified"] is False
        assert by_sample["P02_D22"]["expected_explanation"] == "tumour_fraction_fell"
        assert by_sample["P04_D1"]["arm_gain_17q"] is True
        assert by_sample["P04_D1"]["expected_amplified"] is False
        assert by_sample["P04_D1"]["amplicon_start"] == ""
        assert by_sample["P05_D22"]["read_pairs"] < MIN_READ_PAIRS  # type: ignore[operator]
    for r in rows:
        assert r["is_baseline"] == (r["kind"] == "plasma" and r["timepoint"] == 1)
        assert (r["expected_response"] == "") == (r["kind"] != "plasma" or r["is_baseline"])


def _run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return cli.run(parser.parse_args(argv))


def _table(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.parametrize("sheet_input", ["fastq", "bam"])
def test_cli_writes_a_valid_cohort(
    tmp_path: Path, sheet_input: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    argv = ["--outdir", str(out), "--preset", "test", "--depth", "0.01"]
    assert _run_cli([*argv, "--sheet-input", sheet_input]) == 0
    printed = capsys.readouterr().out
    assert "truth.tsv" in printed and "genome.fa" in printed
    for rel in ("reference/genome.fa", "reference/genome.fa.fai", "reference/genes.refFlat"):
        assert (out / rel).is_file()
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config == {
        "samples": "samples.tsv",
        "reference": {"fasta": "reference/genome.fa", "refflat": "reference/genes.refFlat"},
    }
    sheet = _table(out / "samples.tsv")
    assert tuple(sheet[0]) == SHEET_COLUMNS
    for row in sheet:
        used = ("bam",) if sheet_input == "bam" else ("fq1", "fq2")
        for col in ("fq1", "fq2", "bam"):
            assert bool(row[col]) == (col in used)
            if row[col]:
                assert not Path(row[col]).is_absolute() and (out / row[col]).is_file()
        assert (row["patient"] == "") == (row["kind"] == "normal")
    validated = read_samples(out / "samples.tsv", base_dir=out)
    assert len(validated) == len(sheet)
    truth = _table(out / "truth.tsv")
    assert tuple(truth[0]) == TRUTH_COLUMNS + SEX_TRUTH_COLUMNS
    assert [r["sample"] for r in truth] == [r["sample"] for r in sheet]
    # At 0.01x every draw is too shallow: amplified baselines give not_evaluable.
    labels = {r["expected_response"] for r in truth} - {""}
    assert labels == {"not_evaluable", "baseline_negative"}


def test_cli_is_deterministic(tmp_path: Path) -> None:
    for run in ("a", "b"):
        assert (
            _run_cli(["--outdir", str(tmp_path / run), "--preset", "test", "--depth", "0.005"]) == 0
        )
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert len(files) > 20
    for rel in files:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="preset"):
        preset("nope")
