"""Where a result came from: the pipeline version, the config's checksum, the reference and
the versions of the tools, written beside the tables as ``results/provenance.json``.

A table's header comment would break every reader of the TSV (pandas, R, spreadsheets), so
the record is a sidecar file; it names each table it covers with the table's own sha256, so
that a copy of ``calls.tsv`` can be matched to the run, code and thresholds that made it.

The config checksum is the sha256 of the merged config (defaults, the study's config file,
``--config``) as canonical JSON: keys sorted at every level, no whitespace, UTF-8. Two runs
with the same checksum used the same thresholds, sheet and reference paths; a changed
threshold changes it.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__
from .tsv import write_texts

#: Name of the pipeline in the record.
PIPELINE = "cfdna-erbb2"
#: Seconds a tool may take to print its version before it is recorded as unknown.
TOOL_TIMEOUT_S = 120


@dataclass(frozen=True)
class ToolQuery:
    """How to ask a command-line tool its version: the command, and a regular expression
    whose first group is the version in what the command prints (stdout and stderr)."""

    command: tuple[str, ...]
    pattern: str


#: The tools the workflow's rules run, asked as the rules find them (on the PATH).
TOOL_QUERIES: dict[str, ToolQuery] = {
    # bwa without arguments prints its usage with "Version: 0.7.17-r1188" (and exits 1).
    "bwa": ToolQuery(("bwa",), r"^Version:\s*(\S+)"),
    "samtools": ToolQuery(("samtools", "--version"), r"^samtools\s+(\S+)"),
    "cnvkit": ToolQuery(("cnvkit.py", "version"), r"^(\d\S*)\s*$"),
    "R": ToolQuery(
        ("Rscript", "-e", "cat(paste0(R.version$major, '.', R.version$minor))"), r"^(\d\S*)"
    ),
    "DNAcopy": ToolQuery(
        ("Rscript", "-e", "cat(as.character(packageVersion('DNAcopy')))"), r"^(\d\S*)"
    ),
    "multiqc": ToolQuery(("multiqc", "--version"), r"version\s+(\S+)"),
}


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON: keys sorted, no whitespace, non-ASCII kept as UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def config_checksum(config: Mapping[str, Any]) -> str:
    """sha256 (hex) of the merged config as canonical JSON (:func:`canonical_json`)."""
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str:
    """sha256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_version(text: str, pattern: str) -> str | None:
    """The first group of ``pattern`` in ``text`` (matched line by line), or None."""
    found = re.search(pattern, text, flags=re.MULTILINE)
    return found.group(1) if found else None


def _ask(query: ToolQuery) -> str | None:
    try:
        done = subprocess.run(
            list(query.command),
            capture_output=True,
            text=True,
            errors="replace",  # samtools --version prints bytes that are not UTF-8
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(done.stdout + "\n" + done.stderr, query.pattern)


def tool_versions(queries: Mapping[str, ToolQuery] = TOOL_QUERIES) -> dict[str, str | None]:
    """Tool name -> version as the tool on the PATH reports it (None: not found, or it
    printed no version). The tools are asked side by side: CNVkit alone takes seconds."""
    with ThreadPoolExecutor(max_workers=max(1, len(queries))) as pool:
        found = dict(zip(queries, pool.map(_ask, queries.values()), strict=True))
    return found


def build_provenance(
    *,
    config: Mapping[str, Any],
    tools: Mapping[str, str | None],
    outputs: Mapping[str, str],
    run_date: datetime,
    reference_build: str | None = None,
    code_revision: str | None = None,
    version: str = __version__,
) -> dict[str, Any]:
    """The provenance record of a run (a JSON-ready dict).

    ``config`` is the merged config; ``tools`` tool name -> version; ``outputs`` the path of
    each table the record covers -> its sha256; ``run_date`` when the record was made (UTC
    is used); ``reference_build`` the genome build the FASTA was recognised as (None: not
    recognised); ``code_revision`` the workflow's git revision when it runs from a checkout.
    """
    reference = config.get("reference", {})
    return {
        "pipeline": {"name": PIPELINE, "version": version, "code_revision": code_revision},
        "run_date": run_date.astimezone(UTC).isoformat(timespec="seconds"),
        "config_sha256": config_checksum(config),
        "reference": {
            "fasta": reference.get("fasta"),
            "refflat": reference.get("refflat"),
            "build": reference_build,
        },
        "tools": dict(sorted(tools.items())),
        "outputs": {path: {"sha256": digest} for path, digest in sorted(outputs.items())},
        "config": json.loads(canonical_json(config)),
    }


def code_revision(repo: str | Path) -> str | None:
    """``git describe --always --dirty`` of the workflow's folder (a commit, ``-dirty`` when
    files were changed since), or None when it is not a git checkout or git is missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() or None


def run_tools(extra: Mapping[str, str | None]) -> dict[str, str | None]:
    """The versions of :data:`TOOL_QUERIES` on the PATH, this Python's, and ``extra``
    (versions the caller knows, such as the running Snakemake's)."""
    return {**tool_versions(), "python": platform.python_version(), **extra}


def write_provenance(
    out: str | Path,
    *,
    config: Mapping[str, Any],
    tables: Sequence[str | Path],
    tools: Mapping[str, str | None],
    reference_build: str | None,
    repo: str | Path,
) -> dict[str, Any]:
    """Checksum ``tables`` and write the record (:func:`build_provenance`, made now) to
    ``out`` as JSON; returns it."""
    record = build_provenance(
        config=config,
        tools=tools,
        outputs={str(t): file_sha256(t) for t in tables},
        run_date=datetime.now(UTC),
        reference_build=reference_build,
        code_revision=code_revision(repo),
    )
    write_texts({out: json.dumps(record, indent=2, ensure_ascii=False) + "\n"})
    return record
