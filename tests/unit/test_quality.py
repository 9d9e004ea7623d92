"""Code-quality gates run by the README's test command (`make test`), so a violation fails CI.

Each tool is taken from the environment running the tests (next to ``sys.executable``), so
the versions are those pinned in requirements.lock.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # not resolved: a venv's python is a symlink


def run_tool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a tool of this environment from the repository root, capturing all output."""
    tool = BIN / args[0]
    assert tool.exists(), f"{tool} not found: run `make setup`"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(tool), *args[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def report(proc: subprocess.CompletedProcess[str]) -> str:
    return f"`{' '.join(map(str, proc.args))}` exited {proc.returncode}\n{proc.stdout}{proc.stderr}"


def require_snakefile() -> None:
    # Deliberately a failure, not a skip: the workflow is part of the project.
    assert (ROOT / "Snakefile").is_file(), f"no Snakefile in {ROOT}: the workflow is missing"


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("ruff", "check", "."), id="ruff-check"),
        pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
        pytest.param(("mypy",), id="mypy"),
    ],
)
def test_python_code_quality(command: tuple[str, ...]) -> None:
    proc = run_tool(*command)
    assert proc.returncode == 0, report(proc)


def test_snakefmt() -> None:
    require_snakefile()
    proc = run_tool("snakefmt", "--check", "Snakefile", "workflow/")
    assert proc.returncode == 0, report(proc)


def test_snakemake_lint(tmp_path: Path) -> None:
    # Linting parses the workflow, which validates the sheet and its files: lint it on a
    # real (simulated) study, as a user's run would be, not on the repository's demo sheet,
    # which needs `make demo` first.
    require_snakefile()
    study = tmp_path / "study"
    sim = run_tool("cfdna-erbb2", "simulate", "--preset", "test", "--outdir", str(study))
    assert sim.returncode == 0, report(sim)
    proc = run_tool(
        "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(study),
        "--configfile", str(study / "config.yaml"), "--lint", "--cores", "1",
    )  # fmt: skip
    assert proc.returncode == 0, report(proc)
    assert "Lints for" not in proc.stdout + proc.stderr, report(proc)


# --- the README's commands are the ones CI runs ------------------------------------------------


def last_command(script: str) -> str:
    """The last line of a shell script that is not blank or a comment."""
    lines = [ln.strip() for ln in script.splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")][-1]


def quick_start_commands(readme: str) -> list[str]:
    """Command lines inside the code blocks of the README's "Quick start" section."""
    match = re.search(r"^## Quick start\s*$(.*?)(?=^## |\Z)", readme, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Quick start' section"
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", match.group(1), re.MULTILINE | re.DOTALL)
    lines = (ln.strip() for block in blocks for ln in block.splitlines())
    return [ln for ln in lines if ln and not ln.startswith("#")]


def test_ci_runs_the_readme_test_command() -> None:
    command = last_command((ROOT / ".ci" / "run").read_text())
    readme = (ROOT / "README.md").read_text()
    assert command == "make test"
    assert command in quick_start_commands(readme), f"`{command}` is not in README's Quick start"


def test_readme_quick_start_has_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert quick_start_commands(readme) == ["make demo", "make test"]


@pytest.mark.parametrize(
    ("readme", "expected"),
    [
        (
            "# x\n\n## Quick start\n\n```bash\nmake demo\nmake test\n```\n## Other\n```\nls\n```\n",
            ["make demo", "make test"],
        ),
        (
            "## Quick start\n\n```\nmake demo\n```\ntext\n```sh\n# comment\nmake test\n```\n",
            ["make demo", "make test"],
        ),
        ("## Quick start\n\nNo code here.\n\n## Next\n```\nmake test\n```\n", []),
    ],
)
def test_quick_start_commands_parser(readme: str, expected: list[str]) -> None:
    assert quick_start_commands(readme) == expected


def test_last_command_parser() -> None:
    assert last_command("#!/bin/bash\nset -e\ncd x\nmake test\n\n# end\n") == "make test"


#: Longest function the package may hold (STYLE.md: CNVkit's do_call is about 60 lines and
#: hands work to named helpers).
MAX_FUNCTION_LINES = 80


def long_functions(root: Path, limit: int) -> list[str]:
    """'file:function (n lines)' for every function of ``root``'s .py files over ``limit``."""
    import ast

    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = int(node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit:
                    found.append(f"{path.relative_to(root)}:{node.name} ({lines} lines)")
    return found


def test_no_function_over_80_lines() -> None:
    assert long_functions(ROOT / "src", MAX_FUNCTION_LINES) == []


def test_long_function_check_finds_one(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(85))
    (tmp_path / "m.py").write_text(f"def f():\n{body}\n")
    assert long_functions(tmp_path, MAX_FUNCTION_LINES) == ["m.py:f (86 lines)"]


def test_package_data_ships_inside_the_package() -> None:
    """The genome-build table is read from the package, not from a checkout's resources/."""
    from cfdna_erbb2 import refflat

    table = refflat.BUILDS_TABLE
    assert table.is_file()
    assert "cfdna_erbb2" in str(table) and "resources" not in str(table)
    assert "chr17_length" in table.read_text()
