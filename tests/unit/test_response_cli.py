"""``cfdna-erbb2 response``: files written on good input, one clear error and nothing written
on bad input."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from cfdna_erbb2 import RESPONSE_CLASSES, cli
from cfdna_erbb2.cli import response as response_cli
from cfdna_erbb2.response import DEFAULT_CLONE_LOSS_MARGIN, PATIENT_COLUMNS, TIMEPOINT_COLUMNS

HEADER = (
    "sample\tpatient\tkind\ttimepoint\terbb2_log2\terbb2_pcn\terbb2_z\tamplified\tevaluable\t"
    "reason\tlod_pcn"
)
ROWS = [
    "P1-d22\tP1\tplasma\t22\t0.444\t2.72\t9.1\ttrue\ttrue\tz above threshold\t2.3",
    "P1-d0\tP1\tplasma\t0\t1.233\t4.70\t30.2\ttrue\ttrue\tz above threshold\t2.3",
    "P1-d43\tP1\tplasma\t43\t0.036\t2.05\t1.1\tfalse\ttrue\tz below threshold\t2.4",
    "N1\t\tnormal\t\t0.0\t2.0\t0.1\tfalse\ttrue\tpanel of normals\t",
    "P2-d0\tP2\tplasma\t0\t0.6\t3.03\t12.0\tTrue\tTrue\tz above threshold\t2.3",
    "P2-d21\tP2\tplasma\t21\t0.05\t2.07\t1.0\tFalse\tTrue\tz below threshold\t3.8",
    "P3-d0\tP3\tplasma\t0\t\t\t\t0\t0\tdepth too low\t",
]


@pytest.fixture(autouse=True)
def only_response_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # The other commands live in modules developed separately; the parser imports every
    # command's module, so keep this test about the response command alone.
    monkeypatch.setattr(cli, "COMMANDS", {"response": cli.COMMANDS["response"]})


def write_calls(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "calls.tsv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_happy_path_writes_both_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls = write_calls(tmp_path, ROWS)
    outdir = tmp_path / "out" / "response"
    assert cli.main(["response", str(calls), "--outdir", str(outdir)]) == 0
    assert sorted(p.name for p in outdir.iterdir()) == ["patients.tsv", "timepoints.tsv"]
    timepoints = pd.read_csv(outdir / "timepoints.tsv", sep="\t", dtype=str, keep_default_na=False)
    patients = pd.read_csv(outdir / "patients.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert tuple(timepoints.columns) == TIMEPOINT_COLUMNS
    assert tuple(patients.columns) == PATIENT_COLUMNS
    assert dict(zip(timepoints["sample"], timepoints["response"], strict=True)) == {
        "P1-d22": "reduced",
        "P1-d43": "undetectable",
        "P2-d21": "not_evaluable",  # negative, but could only see 1.80 copies (> half of 1.03)
    }
    assert set(timepoints["response"]) <= set(RESPONSE_CLASSES)
    assert list(timepoints["rise"]) == ["false", "false", "false"]
    assert list(patients["patient"]) == ["P1", "P2", "P3"]
    assert list(patients["early_response"]) == ["reduced", "not_evaluable", ""]
    assert list(patients["last_response"]) == ["undetectable", "not_evaluable", ""]
    assert list(patients["early_timepoint"]) == ["22", "21", ""]
    assert list(patients["baseline_evaluable"]) == ["true", "true", "false"]
    assert "3 patient(s)" in capsys.readouterr().out


def test_thresholds_change_the_result(tmp_path: Path) -> None:
    calls = write_calls(tmp_path, ROWS)
    outdir = tmp_path / "out"
    argv = ["response", str(calls), "--outdir", str(outdir), "--reduction", "0.9"]
    assert cli.main(argv) == 0
    timepoints = pd.read_csv(outdir / "timepoints.tsv", sep="\t", dtype=str, keep_default_na=False)
    # 27% of the excess remains: not a 90% fall; a detectable excess of 0.40 copies is more
    # than 10% of 2.70 (the default level follows: 1 - reduction), so the negative day-43
    # draw no longer shows that the amplification became undetectable
    assert list(timepoints["response"][:2]) == ["persistent", "not_evaluable"]


def test_help_explains_the_five_classes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["response", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in RESPONSE_CLASSES:
        assert name in out
    assert "--reduction" in out and "--undetectable-level" in out and "--outdir" in out
    assert "--clone-loss-margin" in out and "erbb2_clone_lost" in out


def test_clone_loss_margin_reaches_the_classification() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["response", "calls.tsv", "--clone-loss-margin", "3.5"])
    assert response_cli.params_from_args(args).clone_loss_margin == 3.5
    default = response_cli.params_from_args(parser.parse_args(["response", "calls.tsv"]))
    assert default.clone_loss_margin == DEFAULT_CLONE_LOSS_MARGIN


@pytest.mark.parametrize(
    ("header", "rows", "extra", "words"),
    [
        (HEADER.replace("\tlod_pcn", ""), [r.rsplit("\t", 1)[0] for r in ROWS], [], ["lod_pcn"]),
        # The header is line 1: the eighth row is on line 9.
        (HEADER, [*ROWS, ROWS[0]], [], ["line 9, field 'sample'", "duplicate", "(also line 2)"]),
        (
            HEADER,
            [*ROWS, ROWS[0].replace("P1-d22", "P1-d22b")],
            [],
            ["line 9, field 'timepoint'", "two plasma draws on day 22 ('P1-d22' on line 2"],
        ),
        (HEADER, [ROWS[0].replace("\t22\t", "\tday22\t")], [], ["line 2, field 'timepoint'"]),
        (
            HEADER,
            [ROWS[0].replace("\t22\t", f"\t{'9' * 20}\t")],
            [],
            ["line 2, field 'timepoint'", "out of range"],
        ),
        (HEADER, [ROWS[0].replace("\ttrue\ttrue", "\tyes\ttrue")], [], ["field 'amplified'"]),
        (HEADER, [], [], ["no rows"]),
        (HEADER, ROWS, ["--reduction", "0"], ["reduction", "between 0 and 1"]),
        (HEADER, ROWS, ["--reduction", "1.5"], ["reduction", "between 0 and 1"]),
        (HEADER, ROWS, ["--undetectable-level", "1"], ["undetectable-level"]),
        (HEADER, ROWS, ["--reduction", "0.7", "--undetectable-level", "0.5"], ["1 - reduction"]),
        (HEADER, ROWS, ["--clone-loss-margin", "0.5"], ["--clone-loss-margin", "at least 1"]),
    ],
    ids=[
        "missing-column",
        "duplicate-sample",
        "two-draws-same-day",
        "day-not-integer",
        "day-out-of-range",
        "bad-boolean",
        "empty-table",
        "reduction-0",
        "reduction-1.5",
        "level-1",
        "level-above-1-minus-reduction",
        "clone-loss-margin-below-1",
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    header: str,
    rows: list[str],
    extra: list[str],
    words: list[str],
) -> None:
    calls = write_calls(tmp_path, rows, header)
    outdir = tmp_path / "out"
    assert cli.main(["response", str(calls), "--outdir", str(outdir), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cfdna-erbb2 response: error: ")
    for word in words:
        assert word in err
    if not extra:
        assert str(calls) in err
    assert not outdir.exists()


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outdir = tmp_path / "out"
    assert cli.main(["response", str(tmp_path / "nope.tsv"), "--outdir", str(outdir)]) == 2
    assert "nope.tsv: calls table not found" in capsys.readouterr().err
    assert not outdir.exists()


def test_rerun_replaces_files_and_leaves_no_temporaries(tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "timepoints.tsv").write_text("stale\n")
    calls = write_calls(tmp_path, ROWS)
    assert cli.main(["response", str(calls), "--outdir", str(outdir)]) == 0
    assert sorted(p.name for p in outdir.iterdir()) == ["patients.tsv", "timepoints.tsv"]
    assert (outdir / "timepoints.tsv").read_text().startswith("patient\tsample\ttimepoint\t")


def test_failed_write_keeps_old_files_and_leaves_no_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outdir = tmp_path / "out"
    outdir.mkdir()
    (outdir / "timepoints.tsv").write_text("old\n")

    def fail(self: Path, target: object) -> Path:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    calls = write_calls(tmp_path, ROWS)
    with pytest.raises(OSError, match="disk full"):
        cli.main(["response", str(calls), "--outdir", str(outdir)])
    assert sorted(p.name for p in outdir.iterdir()) == ["timepoints.tsv"]
    assert (outdir / "timepoints.tsv").read_text() == "old\n"


def test_tables_are_written_0644_under_umask_022(tmp_path: Path) -> None:
    # Like every other output (an ordinary open() under the usual umask), not 0600.
    calls = write_calls(tmp_path, ROWS)
    outdir = tmp_path / "out"
    previous = os.umask(0o022)
    try:
        assert cli.main(["response", str(calls), "--outdir", str(outdir)]) == 0
    finally:
        os.umask(previous)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in outdir.iterdir()}
    assert modes == {"patients.tsv": 0o644, "timepoints.tsv": 0o644}


def test_errors_name_the_line_an_editor_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ROWS[5].replace("\tFalse\tTrue\t", "\tno\tTrue\t")
    lines = [HEADER, ROWS[0], "", "# second patient", *ROWS[1:5], "", bad, ROWS[6]]
    calls = tmp_path / "calls.tsv"
    calls.write_text("\n".join(lines) + "\n")
    assert calls.read_text().split("\n")[9].startswith("P2-d21\t")  # P2-d21 is on line 10
    outdir = tmp_path / "out"
    assert cli.main(["response", str(calls), "--outdir", str(outdir)]) == 2
    assert capsys.readouterr().err == (
        f"cfdna-erbb2 response: error: {calls}, line 10, field 'amplified': 'no' is not a "
        "boolean (use true/false or 1/0)\n"
    )
    # Comments and blank lines are no rows: without the bad cell the table is read.
    lines[9] = ROWS[5]
    calls.write_text("\n".join(lines) + "\n")
    assert cli.main(["response", str(calls), "--outdir", str(outdir)]) == 0
