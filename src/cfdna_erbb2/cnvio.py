"""Read CNVkit tables (.cnr bins, .cns segments) written by this workflow or by anyone else.

Columns are found by name, in any order; ``depth`` and ``weight`` are optional. Gene labels
are comma-joined lists ("PGAP3,ERBB2"); CNVkit marks bins without a gene "-" and
off-target bins "Antitarget" (older versions: "Background").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError

#: Labels CNVkit gives to bins that carry no gene.
NON_GENE_LABELS = frozenset({"-", "", "Antitarget", "Background"})
#: Labels of off-target bins in hybrid-capture designs.
OFF_TARGET_LABELS = frozenset({"Antitarget", "Background"})

BIN_COLUMNS = ("chromosome", "start", "end", "gene", "log2")
SEGMENT_COLUMNS = ("chromosome", "start", "end", "log2")


def _read_table(path: str | Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, f"{what} file not found")
    try:
        # Blank lines kept (as empty rows, dropped below), so that row i is line i + 2.
        table = pd.read_csv(
            path,
            sep="\t",
            dtype={"chromosome": str, "gene": str},
            na_values=[""],
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise InputError(path, f"empty {what} file") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a tab-separated {what} table ({exc})") from exc
    for col in required:
        if col not in table.columns:
            raise InputError(path, f"missing column in {what} table", field=col)
    blank = table.isna().all(axis=1).to_numpy()
    lines = np.flatnonzero(~blank) + 2  # the header is line 1
    table = table[~blank].reset_index(drop=True)
    for col in ("start", "end"):
        values = pd.to_numeric(table[col], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            raise InputError(
                path,
                f"not an integer position: {table[col].iloc[bad[0]]!r}",
                line=int(lines[bad[0]]),
                field=col,
            )
        table[col] = values.astype(np.int64)
    table["log2"] = pd.to_numeric(table["log2"], errors="coerce").astype(float)
    table["chromosome"] = table["chromosome"].astype(str)
    return table


def read_bins(path: str | Path) -> pd.DataFrame:
    """Read a CNVkit .cnr (or .cnn) bin table.

    Returns columns chromosome, start, end (0-based half-open, bp), gene (str), log2
    (log2 copy ratio against the reference), weight (1.0 when absent) and, if present,
    depth; plus ``off_target`` (bool) for Antitarget/Background bins.
    """
    table = _read_table(path, BIN_COLUMNS, "CNVkit bin (.cnr)")
    table["gene"] = table["gene"].fillna("-").astype(str)
    if "weight" in table.columns:
        table["weight"] = pd.to_numeric(table["weight"], errors="coerce").fillna(0.0).astype(float)
    else:
        table["weight"] = 1.0
    table["off_target"] = table["gene"].isin(OFF_TARGET_LABELS)
    return table


def read_segments(path: str | Path) -> pd.DataFrame:
    """Read a CNVkit .cns segment table (chromosome, start, end, log2; other columns kept)."""
    table = _read_table(path, SEGMENT_COLUMNS, "CNVkit segment (.cns)")
    if "gene" in table.columns:
        table["gene"] = table["gene"].fillna("-").astype(str)
    return table


def gene_mask(genes: pd.Series | Sequence[str], gene: str) -> np.ndarray:
    """Boolean mask of bins whose comma-joined gene label names ``gene`` (exact symbol)."""
    wanted = gene.strip()
    return np.fromiter(
        (wanted in (part.strip() for part in str(label).split(",")) for label in genes),
        dtype=bool,
        count=len(genes),
    )
