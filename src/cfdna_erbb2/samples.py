"""Validate a samples sheet (``samples.tsv``) and report the first problem by file, row and field.

The sheet is tab-separated, one row per sample:

  sample     unique ID: letters, digits, '_' and '-' (it becomes part of file names)
  patient    patient ID (same characters); empty for healthy-donor normals
  kind       'plasma' (a patient's draw) or 'normal' (healthy-donor cfDNA, panel of normals)
  timepoint  integer day relative to the start of treatment; required for plasma.
             A patient's earliest draw is the baseline.
  fq1, fq2   paired FASTQ.gz paths, or
  bam        an aligned, coordinate-sorted BAM used as it is (then fq1 and fq2 are empty)

Relative paths are taken from the working directory the workflow runs in.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd

from .errors import InputError

#: Characters allowed in sample and patient IDs: safe in file names and shell words.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: A day relative to treatment start: an integer, possibly negative (pre-treatment draws).
DAY_PATTERN = re.compile(r"^[+-]?[0-9]+$")
KINDS = ("plasma", "normal")
REQUIRED_COLUMNS = ("sample", "patient", "kind", "timepoint")
PATH_COLUMNS = ("fq1", "fq2", "bam")


def cell_text(value: object) -> str:
    """A sheet cell as a stripped string ('' for missing)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def check_identity(
    path: Path,
    row: int,
    cells: dict[str, str],
    seen: dict[str, int],
    draws: dict[tuple[str, int], tuple[int, str]],
) -> tuple[str, str, str, int | None]:
    """(sample, patient, kind, timepoint) of one sheet row, checked; raises InputError.

    ``cells`` maps column names to stripped strings; ``seen`` (sample -> row) and ``draws``
    ((patient, day) -> (row, sample)) carry the earlier rows and are updated.
    """
    sample = cells["sample"]
    if not sample:
        raise InputError(path, "empty sample ID", row=row, field="sample")
    if not ID_PATTERN.match(sample):
        raise InputError(
            path,
            f"sample ID {sample!r} may only contain letters, digits, '_' and '-' "
            "(and must start with a letter or digit)",
            row=row,
            field="sample",
        )
    if sample in seen:
        raise InputError(
            path,
            f"duplicate sample ID {sample!r} (also row {seen[sample]})",
            row=row,
            field="sample",
        )
    seen[sample] = row
    kind = cells["kind"].lower()
    if kind not in KINDS:
        raise InputError(
            path, f"unknown kind {cells['kind']!r}; use 'plasma' or 'normal'", row=row, field="kind"
        )
    patient = cells["patient"]
    if patient and not ID_PATTERN.match(patient):
        raise InputError(
            path,
            f"patient ID {patient!r} may only contain letters, digits, '_' and '-'",
            row=row,
            field="patient",
        )
    timepoint: int | None = None
    if cells["timepoint"]:
        if not DAY_PATTERN.match(cells["timepoint"]):
            raise InputError(
                path,
                f"timepoint {cells['timepoint']!r} is not an integer (days since treatment start)",
                row=row,
                field="timepoint",
            )
        timepoint = int(cells["timepoint"])
    if kind == "plasma":
        if not patient:
            raise InputError(path, "a plasma draw needs a patient ID", row=row, field="patient")
        if timepoint is None:
            raise InputError(
                path, "a plasma draw needs a timepoint (integer day)", row=row, field="timepoint"
            )
        key = (patient, timepoint)
        if key in draws:
            other_row, other = draws[key]
            raise InputError(
                path,
                f"patient {patient!r} has two draws on day {timepoint} "
                f"({other!r} on row {other_row} and {sample!r})",
                row=row,
                field="timepoint",
            )
        draws[key] = (row, sample)
    elif patient:
        raise InputError(
            path,
            f"a healthy-donor normal has no patient (found {patient!r}); "
            "use kind 'plasma' for a patient's draw",
            row=row,
            field="patient",
        )
    return sample, patient, kind, timepoint


def read_sheet_table(path: Path, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """A tab-separated sheet as text cells, header checked for ``required`` columns.

    Whole-line comments (``#`` first) are skipped; a ``#`` inside a cell is data. Errors
    name the file (and the missing field).
    """
    if not path.is_file():
        raise InputError(path, f"{what} not found")
    try:
        # Whole-line comments only: '#' inside a cell is data (and then a bad ID, reported).
        lines = [ln for ln in path.read_text().splitlines(keepends=True) if not ln.startswith("#")]
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not a text file ({exc})") from exc
    if not "".join(lines).strip():
        raise InputError(path, f"empty {what} (no header, no rows)")
    try:
        raw = pd.read_csv(
            io.StringIO("".join(lines)), sep="\t", dtype=str, keep_default_na=False, index_col=False
        )
    except pd.errors.ParserError as exc:
        raise InputError(path, f"not a readable tab-separated table ({exc})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    if len(raw.columns) == 1 and "," in raw.columns[0]:
        raise InputError(path, f"looks comma-separated; the {what} must be tab-separated")
    for col in required:
        if col not in raw.columns:
            raise InputError(path, "missing column", field=col)
    return raw


def read_samples(path: str | Path, base_dir: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a samples sheet.

    Returns a table indexed by ``sample`` with columns ``sample, patient, kind, timepoint``
    (nullable integer, days), ``fq1, fq2, bam`` (strings, '' when absent) and ``input``
    ('fastq' or 'bam'). Raises :class:`InputError` naming the row and field of the first
    problem. ``base_dir`` resolves relative paths (default: the current directory).
    """
    path = Path(path)
    base = Path.cwd() if base_dir is None else Path(base_dir)
    raw = read_sheet_table(path, REQUIRED_COLUMNS, "samples sheet")
    if not any(c in raw.columns for c in PATH_COLUMNS):
        raise InputError(path, "needs either 'fq1' and 'fq2' columns or a 'bam' column")
    if raw.empty:
        raise InputError(path, "no samples in the sheet")

    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    draws: dict[tuple[str, int], tuple[int, str]] = {}
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        cells = {str(k): cell_text(v) for k, v in rec.items()}
        sample, patient, kind, timepoint = check_identity(path, i, cells, seen, draws)
        fq1, fq2, bam = cells.get("fq1", ""), cells.get("fq2", ""), cells.get("bam", "")
        if bam and (fq1 or fq2):
            raise InputError(path, "give either fq1 and fq2 or bam, not both", row=i, field="bam")
        if not bam and not (fq1 or fq2):
            raise InputError(path, "no reads: give fq1 and fq2, or bam", row=i, field="fq1")
        if not bam:
            for field, value in (("fq1", fq1), ("fq2", fq2)):
                if not value:
                    raise InputError(
                        path, "paired-end reads need both fq1 and fq2", row=i, field=field
                    )
            if fq1 == fq2:
                raise InputError(path, "fq1 and fq2 are the same file", row=i, field="fq2")
        for field, value in (("fq1", fq1), ("fq2", fq2), ("bam", bam)):
            if value and not (base / value).is_file():
                raise InputError(
                    path, f"file not found: {value} (relative to {base})", row=i, field=field
                )
        rows.append(
            {
                "sample": sample,
                "patient": patient,
                "kind": kind,
                "timepoint": timepoint,
                "fq1": fq1,
                "fq2": fq2,
                "bam": bam,
                "input": "bam" if bam else "fastq",
            }
        )
    table = pd.DataFrame(rows)
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table.set_index("sample", drop=False).sort_index()
