"""Workflow scripts keep their errors: in the rule's log and on the console (issue 11)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from cfdna_erbb2.smk import script_log, warn


def test_a_failing_script_leaves_its_traceback_in_the_log(tmp_path: Path) -> None:
    log = tmp_path / "rule.log"
    before = sys.stderr
    with pytest.raises(ValueError, match="bad input in the script"), script_log(log):
        print("started", file=sys.stderr)
        raise ValueError("bad input in the script")
    # The exception went on (Snakemake prints it), and stderr is the console again.
    assert sys.stderr is before
    text = log.read_text()
    assert "started" in text
    assert "Traceback" in text and "ValueError: bad input in the script" in text


def test_logging_goes_to_the_log_and_is_restored(tmp_path: Path) -> None:
    log = tmp_path / "rule.log"
    handlers = list(logging.getLogger().handlers)
    with script_log(log):
        logging.info("reference pooled from %d normal(s)", 3)
    assert "reference pooled from 3 normal(s)" in log.read_text()
    assert logging.getLogger().handlers == handlers


def test_a_clean_exit_writes_no_traceback(tmp_path: Path) -> None:
    log = tmp_path / "rule.log"
    with pytest.raises(SystemExit), script_log(log):
        sys.exit(0)
    assert "Traceback" not in log.read_text()


def test_warn_reaches_log_and_console(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "rule.log"
    with script_log(log):
        warn("WARNING: normal HDX is left out of the panel of normals")
    assert "HDX" in log.read_text()
    assert "HDX" in capfd.readouterr().err
