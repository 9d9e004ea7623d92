"""Provenance: the config checksum, tool versions, and the record written beside the tables."""

from __future__ import annotations

import copy
import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from cfdna_erbb2 import __version__
from cfdna_erbb2.provenance import (
    TOOL_QUERIES,
    ToolQuery,
    build_provenance,
    canonical_json,
    config_checksum,
    parse_version,
    tool_versions,
    write_provenance,
)

REPO = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
CONFIG = {
    **DEFAULTS,
    "samples": "samples.tsv",
    "reference": {"fasta": "ref/genome.fa", "refflat": "ref/refFlat.txt"},
}


def test_the_checksum_is_sha256_of_canonical_json() -> None:
    text = canonical_json({"b": 1, "a": {"d": [1, 2], "c": "é"}})
    assert text == '{"a":{"c":"é","d":[1,2]},"b":1}'
    assert config_checksum({"b": 1}) == hashlib.sha256(b'{"b":1}').hexdigest()


def test_the_checksum_ignores_key_order() -> None:
    shuffled = dict(reversed(list(CONFIG.items())))
    shuffled["erbb2"] = dict(reversed(list(CONFIG["erbb2"].items())))
    assert config_checksum(shuffled) == config_checksum(CONFIG)


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("erbb2", "z_min", 5.5),
        ("response", "reduction", 0.6),
        ("reference", "fasta", "other/genome.fa"),
        (None, "samples", "other.tsv"),
        (None, "gene", "MYC"),
    ],
)
def test_the_checksum_changes_when_the_config_changes(
    section: str | None, key: str, value: object
) -> None:
    changed = copy.deepcopy(CONFIG)
    (changed[section] if section else changed)[key] = value
    assert config_checksum(changed) != config_checksum(CONFIG)


@pytest.mark.parametrize(
    ("tool", "printed", "expected"),
    [
        ("bwa", "\nProgram: bwa (alignment via Burrows-Wheeler transformation)\n"
                "Version: 0.7.17-r1188\nContact: Heng Li\n", "0.7.17-r1188"),
        ("samtools", "samtools 1.16.1\nUsing htslib 1.16\n", "1.16.1"),
        ("cnvkit", "0.9.14\n", "0.9.14"),
        ("R", "4.2.2", "4.2.2"),
        ("DNAcopy", "1.72.3", "1.72.3"),
        ("multiqc", "multiqc, version 1.28\n", "1.28"),
        ("cnvkit", "Traceback (most recent call last):\nImportError: no cnvlib\n", None),
    ],
)  # fmt: skip
def test_each_tool_version_is_read_from_what_the_tool_prints(
    tool: str, printed: str, expected: str | None
) -> None:
    assert parse_version(printed, TOOL_QUERIES[tool].pattern) == expected


def test_a_missing_tool_is_recorded_as_unknown_and_a_present_one_is_asked(tmp_path: Path) -> None:
    script = tmp_path / "fake-tool"
    # Like bwa: the version on stderr, a non-zero exit, and a byte that is not UTF-8.
    script.write_text("#!/bin/sh\nprintf 'fake-tool 2.5.1\\n\\253\\n' >&2\nexit 1\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    found = tool_versions(
        {
            "fake": ToolQuery((str(script),), r"^fake-tool (\S+)"),
            "absent": ToolQuery((str(tmp_path / "no-such-tool"),), r"(\S+)"),
        }
    )
    assert found == {"fake": "2.5.1", "absent": None}


def test_the_record_names_version_checksum_reference_tools_and_tables() -> None:
    record = build_provenance(
        config=CONFIG,
        tools={"samtools": "1.16.1", "bwa": None},
        outputs={"results/erbb2/calls.tsv": "ab" * 32},
        run_date=datetime(2026, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=1))),
        reference_build="GRCh38",
        code_revision="0385e74",
    )
    assert record["pipeline"] == {
        "name": "cfdna-erbb2", "version": __version__, "code_revision": "0385e74",
    }  # fmt: skip
    assert record["run_date"] == "2026-03-01T12:30:00+00:00"
    assert record["config_sha256"] == config_checksum(CONFIG)
    assert record["reference"] == {
        "fasta": "ref/genome.fa", "refflat": "ref/refFlat.txt", "build": "GRCh38",
    }  # fmt: skip
    assert record["tools"] == {"bwa": None, "samtools": "1.16.1"}
    assert record["outputs"] == {"results/erbb2/calls.tsv": {"sha256": "ab" * 32}}
    # The config itself is kept, so the checksum can be checked against it.
    assert config_checksum(record["config"]) == record["config_sha256"]


def test_the_written_record_vouches_for_the_tables_it_names(tmp_path: Path) -> None:
    calls = tmp_path / "calls.tsv"
    calls.write_text("sample\tamplified\nP01_D1\ttrue\n")
    out = tmp_path / "provenance.json"
    write_provenance(
        out, config=CONFIG, tables=[calls], tools={"snakemake": "9.27.1", "bwa": None},
        reference_build=None, repo=tmp_path,
    )  # fmt: skip
    record = json.loads(out.read_text())
    assert record["outputs"][str(calls)]["sha256"] == hashlib.sha256(calls.read_bytes()).hexdigest()
    assert record["pipeline"]["version"] == __version__
    assert record["pipeline"]["code_revision"] is None  # tmp_path is no git checkout
    assert record["tools"] == {"bwa": None, "snakemake": "9.27.1"}
    assert record["config_sha256"] == config_checksum(CONFIG)
    made = datetime.fromisoformat(record["run_date"])
    assert abs(datetime.now(UTC) - made) < timedelta(minutes=5)
