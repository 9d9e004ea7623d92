"""Validate a samples sheet (``samples.tsv``) and report every problem by file, line and field.

The sheet is tab-separated, one row per sample:

  sample     unique ID: letters, digits, '_' and '-' (it becomes part of file names)
  patient    patient ID (same characters); empty for healthy-donor normals
  kind       'plasma' (a patient's draw) or 'normal' (healthy-donor cfDNA, panel of normals)
  timepoint  integer day relative to the start of treatment (at most 36500 days, about 100
             years, either way); required for plasma. A patient's earliest draw is the baseline.
  fq1, fq2   paired FASTQ.gz paths, or
  bam        an aligned, coordinate-sorted BAM used as it is (then fq1 and fq2 are empty)

Relative paths are taken from the working directory the workflow runs in. Each file belongs
to one sample: the same FASTQ or BAM on two rows (after following links) is an error. Lines
starting with '#' are comments; blank lines are skipped. Problems are reported by the line
number an editor shows (the header is line 1), all of them at once.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from .errors import InputError, Problems

#: Characters allowed in sample and patient IDs: safe in file names and shell words.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: A day relative to treatment start: an integer, possibly negative (pre-treatment draws).
DAY_PATTERN = re.compile(r"^[+-]?[0-9]+$")
#: Largest distance of a timepoint from the start of treatment, in days: about 100 years.
#: Anything further is a typo (and a day must fit the tables' 64-bit integer columns).
MAX_ABS_DAY = 36_500
KINDS = ("plasma", "normal")
REQUIRED_COLUMNS = ("sample", "patient", "kind", "timepoint")
PATH_COLUMNS = ("fq1", "fq2", "bam")


def check_day(day: int) -> int:
    """``day`` (days since treatment start) if within :data:`MAX_ABS_DAY`; else ValueError."""
    if abs(day) > MAX_ABS_DAY:
        raise ValueError(
            f"timepoint {day} is out of range: a day must be within {MAX_ABS_DAY} days "
            "(about 100 years) of the start of treatment"
        )
    return day


class SheetTable(NamedTuple):
    """A tab-separated sheet as text: its columns and, per data row, its line and cells."""

    columns: tuple[str, ...]
    #: (line as an editor numbers it, column -> stripped cell text) per data row
    rows: list[tuple[int, dict[str, str]]]


def _split(line: str) -> list[str]:
    """The stripped cells of one tab-separated line (double quotes as a spreadsheet writes them)."""
    return [cell.strip() for cell in next(csv.reader([line], delimiter="\t"))]


def read_sheet_table(
    path: Path, required: tuple[str, ...], what: str, problems: Problems
) -> SheetTable:
    """A tab-separated sheet as text cells, header checked for ``required`` columns.

    Whole-line comments (``#`` first) and blank lines (also rows of empty cells) are skipped;
    a ``#`` inside a cell is data. Problems with the whole file raise :class:`InputError`
    naming the file (and the missing field); a row with more cells than the header is added
    to ``problems`` and left out.
    """
    if not path.is_file():
        raise InputError(path, f"{what} not found")
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a spreadsheet's byte-order mark
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not a text file ({exc})") from exc
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith("#") or not line.strip():
            continue
        cells = _split(line)
        if header is None:
            header = cells
        elif len(cells) > len(header) and any(cells[len(header) :]):
            problems.add(
                f"{len(cells)} tab-separated cells, but the header has {len(header)} columns",
                line=number,
            )
        elif any(cells):
            cells = (cells + [""] * len(header))[: len(header)]
            rows.append((number, dict(zip(header, cells, strict=True))))
    if header is None:
        raise InputError(path, f"empty {what} (no header, no rows)")
    if len(header) == 1 and "," in header[0]:
        raise InputError(path, f"looks comma-separated; the {what} must be tab-separated")
    for col in header:
        if col and header.count(col) > 1:
            raise InputError(path, "column named twice in the header", field=col)
    for col in required:
        if col not in header:
            raise InputError(path, "missing column", field=col)
    return SheetTable(tuple(header), rows)


class Identity(NamedTuple):
    """The identity columns of one sheet row, as checked by :class:`IdentityCheck`."""

    sample: str
    patient: str
    kind: str  # 'plasma' or 'normal' (lower case)
    timepoint: int | None  # days since treatment start; None when empty or not valid
    same_id_line: int | None  # line of an earlier row with the same sample ID, if any


class IdentityCheck:
    """Checks the identity columns (sample, patient, kind, timepoint) of a sheet's rows.

    Rows are checked in file order: sample IDs are unique and a patient has one plasma draw
    per day. Problems go to ``problems``; one problem is reported once, not again through
    its consequences (a timepoint that is not a number is not also missing, a repeated row
    is one duplicate ID, not also two draws on one day).
    """

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.seen: dict[str, int] = {}  # sample -> line
        self.draws: dict[tuple[str, int], tuple[int, str]] = {}  # (patient, day) -> line, sample

    def check(self, line: int, cells: Mapping[str, str]) -> Identity:
        """The identity of the row at ``line`` (``cells``: column -> stripped text)."""
        sample = cells["sample"]
        same_id_line = self._check_sample(line, sample)
        kind = cells["kind"].lower()
        if kind not in KINDS:
            self.problems.add(
                f"unknown kind {cells['kind']!r}; use 'plasma' or 'normal'", line=line, field="kind"
            )
        patient = cells["patient"]
        patient_ok = not patient or bool(ID_PATTERN.match(patient))
        if not patient_ok:
            self.problems.add(
                f"patient ID {patient!r} may only contain letters, digits, '_' and '-'",
                line=line,
                field="patient",
            )
        timepoint, day_ok = self._parse_timepoint(line, cells["timepoint"])
        if kind == "plasma":
            self._check_draw(line, sample, patient, timepoint, patient_ok and day_ok, same_id_line)
        elif kind == "normal" and patient:
            self.problems.add(
                f"a healthy-donor normal has no patient (found {patient!r}); "
                "use kind 'plasma' for a patient's draw",
                line=line,
                field="patient",
            )
        return Identity(sample, patient, kind, timepoint, same_id_line)

    def _check_sample(self, line: int, sample: str) -> int | None:
        """Check the sample ID; returns the line of an earlier row with the same ID."""
        if not sample:
            self.problems.add("empty sample ID", line=line, field="sample")
        elif not ID_PATTERN.match(sample):
            self.problems.add(
                f"sample ID {sample!r} may only contain letters, digits, '_' and '-' "
                "(and must start with a letter or digit)",
                line=line,
                field="sample",
            )
        elif sample in self.seen:
            first = self.seen[sample]
            self.problems.add(
                f"duplicate sample ID {sample!r} (also line {first})", line=line, field="sample"
            )
            return first
        else:
            self.seen[sample] = line
        return None

    def _parse_timepoint(self, line: int, text: str) -> tuple[int | None, bool]:
        """(day or None when empty, whether the cell is valid)."""
        if not text:
            return None, True
        if not DAY_PATTERN.match(text):
            self.problems.add(
                f"timepoint {text!r} is not an integer (days since treatment start)",
                line=line,
                field="timepoint",
            )
            return None, False
        try:
            return check_day(int(text)), True
        except ValueError as exc:
            self.problems.add(str(exc), line=line, field="timepoint")
            return None, False

    def _check_draw(
        self,
        line: int,
        sample: str,
        patient: str,
        timepoint: int | None,
        valid: bool,
        same_id_line: int | None,
    ) -> None:
        """A plasma draw has a patient and a day, and no other draw of theirs that day."""
        if not patient:
            self.problems.add("a plasma draw needs a patient ID", line=line, field="patient")
        if timepoint is None and valid:
            self.problems.add(
                "a plasma draw needs a timepoint (integer day)", line=line, field="timepoint"
            )
        if not patient or timepoint is None or not valid:
            return
        key = (patient, timepoint)
        if key not in self.draws:
            self.draws[key] = (line, sample)
            return
        other_line, other = self.draws[key]
        if other_line != same_id_line:  # a repeated row is reported once, as a duplicate ID
            self.problems.add(
                f"patient {patient!r} has two draws on day {timepoint} "
                f"({other!r} on line {other_line} and {sample!r})",
                line=line,
                field="timepoint",
            )


class SheetFiles:
    """The files a sheet names: each must exist and belong to one row only.

    Files are compared after resolving links and relative paths (from ``base``), so
    ``reads/a.fq.gz`` and ``./reads/../reads/a.fq.gz`` are the same file.
    """

    def __init__(self, base: Path, problems: Problems) -> None:
        self.base = base
        self.problems = problems
        self.owner: dict[Path, tuple[int, str]] = {}  # resolved file -> (line, field)

    def check(
        self, line: int, named: Mapping[str, str], same_id_line: int | None = None
    ) -> dict[str, Path]:
        """field -> file (``base / cell``) of the row's non-empty ``named`` cells.

        Adds a problem for a file that does not exist, that is named twice in the row, or
        that another row names (naming both lines), except the row ``same_id_line`` with the
        same sample ID: a repeated row is reported once, as a duplicate ID.
        """
        files: dict[str, Path] = {}
        here: dict[Path, str] = {}
        clashes: dict[int, list[tuple[str, str, str]]] = {}  # line -> (field, cell, its field)
        for field, value in named.items():
            if not value:
                continue
            files[field] = file = self.base / value
            key = _resolved(file)
            if key in here:
                self.problems.add(
                    f"{here[key]} and {field} are the same file", line=line, field=field
                )
                continue
            here[key] = field
            if not file.is_file():
                self.problems.add(
                    f"file not found: {value} (relative to {self.base})", line=line, field=field
                )
            elif key in self.owner:
                other_line, other_field = self.owner[key]
                clashes.setdefault(other_line, []).append((field, value, other_field))
            else:
                self.owner[key] = (line, field)
        for other_line, items in clashes.items():
            if other_line != same_id_line:
                self._clash(line, other_line, items)
        return files

    def _clash(self, line: int, other_line: int, items: list[tuple[str, str, str]]) -> None:
        values = " and ".join(value for _, value, _ in items)
        fields = " and ".join(field for _, _, field in items)
        verb = "is" if len(items) == 1 else "are"
        self.problems.add(
            f"{values} {verb} also the {fields} of line {other_line}: each file belongs to one "
            "sample",
            line=line,
            field=items[0][0],
        )


def _resolved(file: Path) -> Path:
    """``file`` with links and '..' resolved (as far as it exists)."""
    try:
        return file.resolve()
    except (OSError, RuntimeError):  # a link loop
        return file.absolute()


def _read_columns(
    line: int, cells: Mapping[str, str], files: SheetFiles, same_id_line: int | None
) -> dict[str, str]:
    """fq1, fq2 and bam of one row: either a FASTQ pair or a BAM, each file checked."""
    problems = files.problems
    fq1, fq2, bam = cells.get("fq1", ""), cells.get("fq2", ""), cells.get("bam", "")
    if bam and (fq1 or fq2):
        problems.add("give either fq1 and fq2 or bam, not both", line=line, field="bam")
    elif not (bam or fq1 or fq2):
        problems.add("no reads: give fq1 and fq2, or bam", line=line, field="fq1")
    elif not bam:
        for field, value in (("fq1", fq1), ("fq2", fq2)):
            if not value:
                problems.add("paired-end reads need both fq1 and fq2", line=line, field=field)
    files.check(line, {"fq1": fq1, "fq2": fq2, "bam": bam}, same_id_line)
    return {"fq1": fq1, "fq2": fq2, "bam": bam}


def read_samples(path: str | Path, base_dir: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a samples sheet.

    Returns a table indexed by ``sample`` with columns ``sample, patient, kind, timepoint``
    (nullable integer, days), ``fq1, fq2, bam`` (strings, '' when absent) and ``input``
    ('fastq' or 'bam'). Raises one :class:`InputError` listing every problem by line and
    field (its ``problems`` holds them one by one). ``base_dir`` resolves relative paths
    (default: the current directory).
    """
    path = Path(path)
    base = Path.cwd() if base_dir is None else Path(base_dir)
    problems = Problems(path)
    sheet = read_sheet_table(path, REQUIRED_COLUMNS, "samples sheet", problems)
    if not any(c in sheet.columns for c in PATH_COLUMNS):
        raise InputError(path, "needs either 'fq1' and 'fq2' columns or a 'bam' column")
    if not sheet.rows:
        problems.raise_if_any()
        raise InputError(path, "no samples in the sheet")

    identities = IdentityCheck(problems)
    files = SheetFiles(base, problems)
    rows: list[dict[str, object]] = []
    for line, cells in sheet.rows:
        identity = identities.check(line, cells)
        reads = _read_columns(line, cells, files, identity.same_id_line)
        rows.append(
            {
                "sample": identity.sample,
                "patient": identity.patient,
                "kind": identity.kind,
                "timepoint": identity.timepoint,
                **reads,
                "input": "bam" if reads["bam"] else "fastq",
            }
        )
    problems.raise_if_any()
    table = pd.DataFrame(rows)
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table.set_index("sample", drop=False).sort_index()
