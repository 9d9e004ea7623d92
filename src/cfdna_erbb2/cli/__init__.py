"""Command-line interface: ``cfdna-erbb2 <command>``.

One pattern for every command: ``cfdna_erbb2/cli/<command>.py`` holds its options
(``add_arguments(parser)``) and a thin ``run(args) -> int`` that reads files, calls the
package's pure functions (where the science is) and writes the results. This file only wires
them together and imports just the command that runs, so the CLI starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import InputError

#: command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": (
        "cfdna_erbb2.cli.simulate",
        "write a synthetic serial-cfDNA cohort with known truth",
    ),
    "check-samples": (
        "cfdna_erbb2.cli.check_samples",
        "validate a samples sheet and report every problem",
    ),
    "response": (
        "cfdna_erbb2.cli.response",
        "classify molecular response per patient from a calls table",
    ),
    "from-cnvkit": (
        "cfdna_erbb2.cli.from_cnvkit",
        "ERBB2 calls from existing CNVkit .cnr/.cns files",
    ),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command's module is imported."""
    parser = argparse.ArgumentParser(
        prog="cfdna-erbb2",
        description=(
            "ERBB2 (HER2) amplification and molecular response in serial cell-free DNA. "
            "The Snakemake workflow runs the whole pipeline; these commands are its parts."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        doc = (getattr(module, "DESCRIPTION", None) or module.__doc__ or help_text).strip()
        p = sub.add_parser(
            name,
            help=help_text,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 success, 2 bad input)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    # Only the chosen command's module is imported; none for `--version` or `--help`.
    parser = build_parser(chosen if chosen in COMMANDS else "")
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args))
    except InputError as exc:
        print(f"cfdna-erbb2 {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
