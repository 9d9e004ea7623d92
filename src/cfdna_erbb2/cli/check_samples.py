"""Validate a samples sheet (``samples.tsv``) before a run.

The sheet's format and every check are described in :mod:`cfdna_erbb2.samples`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import samples
from ..samples import read_samples

#: The help shows the sheet's format.
DESCRIPTION = samples.__doc__


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sheet", type=Path, help="samples.tsv to check")
    parser.add_argument(
        "--base-dir",
        type=Path,
        default=None,
        help="folder that relative paths in the sheet start from (default: current directory)",
    )


def run(args: argparse.Namespace) -> int:
    table = read_samples(args.sheet, args.base_dir)
    n_plasma = int((table["kind"] == "plasma").sum())
    n_normal = int((table["kind"] == "normal").sum())
    n_patients = table.loc[table["kind"] == "plasma", "patient"].nunique()
    print(
        f"{args.sheet}: OK, {len(table)} samples ({n_plasma} plasma draws from {n_patients} "
        f"patients, {n_normal} normals)"
    )
    return 0
