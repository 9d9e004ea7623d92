"""A release a user can cite: CITATION.cff, CHANGELOG.md, LICENSE and the version agree."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from cfdna_erbb2 import __version__
from cfdna_erbb2.cli import main

ROOT = Path(__file__).resolve().parents[2]
CITATION = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
CHANGELOG = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
#: Keep a Changelog's release headings: "## [0.1.0] - 2026-11-30" (or "## [Unreleased]").
RELEASE = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.M)

#: The methods the pipeline builds on: (first author's family name, year, DOI).
METHODS = {
    "CNVkit": ("Talevich", 2016, "10.1371/journal.pcbi.1004873"),
    "BWA-MEM": ("Li", 2013, "10.48550/arXiv.1303.3997"),
    "SAMtools": ("Danecek", 2021, "10.1093/gigascience/giab008"),
    "CBS": ("Olshen", 2004, "10.1093/biostatistics/kxh008"),
    "faster CBS (DNAcopy)": ("Venkatraman", 2007, "10.1093/bioinformatics/btl646"),
    "Snakemake": ("Mölder", 2021, "10.12688/f1000research.29032.2"),
    "ichorCNA": ("Adalsteinsson", 2017, "10.1038/s41467-017-00965-y"),
    "MultiQC": ("Ewels", 2016, "10.1093/bioinformatics/btw354"),
}


def releases(changelog: str) -> list[tuple[str, str | None]]:
    return [(m["version"], m["date"]) for m in RELEASE.finditer(changelog)]


def test_citation_is_cff_1_2_0_of_this_software() -> None:
    assert CITATION["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "license", "type"):
        assert CITATION.get(key), key
    assert CITATION["type"] == "software"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert CITATION["license"] == "MIT" == pyproject["project"]["license"]["text"]


@pytest.mark.parametrize("method", sorted(METHODS))
def test_citation_references_each_method(method: str) -> None:
    family, year, doi = METHODS[method]
    found = [r for r in CITATION["references"] if r.get("doi") == doi]
    assert len(found) == 1, f"{method}: no reference with DOI {doi}"
    ref = found[0]
    assert ref["year"] == year and ref["title"]
    assert ref["authors"][0]["family-names"] == family


def test_version_agrees_across_package_citation_changelog_and_pyproject() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert str(CITATION["version"]) == __version__ == pyproject["project"]["version"]
    listed = releases(CHANGELOG)
    assert listed[0] == ("Unreleased", None), "CHANGELOG starts with [Unreleased]"
    latest, date = listed[1]
    assert latest == __version__, f"latest CHANGELOG release {latest} != {__version__}"
    assert str(CITATION["date-released"]) == date


def test_changelog_heading_parser() -> None:
    text = (
        "# Changelog\n## [Unreleased]\n### Added\n## [1.2.0] - 2027-01-02\n## [1.1.0] - 2026-12-01"
    )
    assert releases(text) == [
        ("Unreleased", None),
        ("1.2.0", "2027-01-02"),
        ("1.1.0", "2026-12-01"),
    ]


def test_license_is_the_mit_license() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text


def test_cli_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"cfdna-erbb2 {__version__}"


def test_the_version_is_printed_without_importing_any_command() -> None:
    code = (
        "import sys\nfrom cfdna_erbb2.cli import COMMANDS, main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m, _ in COMMANDS.values() if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.splitlines() == [f"cfdna-erbb2 {__version__}", "[]"]
