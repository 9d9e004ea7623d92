"""The samples sheet: every bad sheet is refused with the row and field of the problem, both by
``read_samples`` and by ``cfdna-erbb2 check-samples``; good sheets come back typed and checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cfdna_erbb2 import cli
from cfdna_erbb2.cohort import baseline_of
from cfdna_erbb2.errors import InputError
from cfdna_erbb2.samples import read_samples

HEADER = ("sample", "patient", "kind", "timepoint", "fq1", "fq2", "bam")
#: A valid sheet: two plasma draws of one patient (FASTQ, then BAM) and a healthy-donor normal.
GOOD = [
    ["P1-d0", "P1", "plasma", "0", "reads/P1-d0_1.fq.gz", "reads/P1-d0_2.fq.gz", ""],
    ["P1-d21", "P1", "plasma", "21", "", "", "bams/P1-d21.bam"],
    ["N1", "", "normal", "", "reads/N1_1.fq.gz", "reads/N1_2.fq.gz", ""],
]


def make_inputs(base: Path) -> None:
    """Create every read file the GOOD sheet names, below ``base``."""
    for row in GOOD:
        for value in row[4:]:
            if value:
                (base / value).parent.mkdir(parents=True, exist_ok=True)
                (base / value).write_bytes(b"")


def write_sheet(
    path: Path, rows: list[list[str]], header: tuple[str, ...] = HEADER, sep: str = "\t"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(sep.join(r) for r in [list(header), *rows]) + "\n")
    return path


def with_cell(row: int, column: str, value: str) -> list[list[str]]:
    """GOOD with one cell (1-based data row) replaced."""
    rows = [list(r) for r in GOOD]
    rows[row - 1][HEADER.index(column)] = value
    return rows


def without_column(column: str) -> tuple[list[list[str]], tuple[str, ...]]:
    """GOOD rows and header without ``column``."""
    keep = [i for i, c in enumerate(HEADER) if c != column]
    return [[r[i] for i in keep] for r in GOOD], tuple(HEADER[i] for i in keep)


BAD_IDS = ["a/b", "x y", "a;rm", "$(x)", "../x", "-leading", "a`b`", "a*", "é1"]

#: (rows, header, expected row, expected field, key phrase of the message)
BAD_SHEETS = {
    "duplicate sample ID": (
        [*GOOD, ["P1-d0", "", "normal", "", "reads/N1_1.fq.gz", "reads/N1_2.fq.gz", ""]],
        HEADER,
        4,
        "sample",
        "duplicate sample ID 'P1-d0' (also row 1)",
    ),
    "plasma without patient": (
        with_cell(2, "patient", ""),
        HEADER,
        2,
        "patient",
        "needs a patient ID",
    ),
    "plasma without timepoint": (
        with_cell(2, "timepoint", ""),
        HEADER,
        2,
        "timepoint",
        "needs a timepoint",
    ),
    "neither FASTQ nor BAM": (with_cell(2, "bam", ""), HEADER, 2, "fq1", "no reads"),
    "both FASTQ and BAM": (
        with_cell(1, "bam", "bams/P1-d21.bam"),
        HEADER,
        1,
        "bam",
        "not both",
    ),
    "only fq1": (with_cell(3, "fq2", ""), HEADER, 3, "fq2", "need both fq1 and fq2"),
    "only fq2": (with_cell(3, "fq1", ""), HEADER, 3, "fq1", "need both fq1 and fq2"),
    "fq1 equals fq2": (
        with_cell(3, "fq2", "reads/N1_1.fq.gz"),
        HEADER,
        3,
        "fq2",
        "same file",
    ),
    "fq1 does not exist": (
        with_cell(3, "fq1", "reads/missing_1.fq.gz"),
        HEADER,
        3,
        "fq1",
        "file not found: reads/missing_1.fq.gz",
    ),
    "bam does not exist": (
        with_cell(2, "bam", "bams/missing.bam"),
        HEADER,
        2,
        "bam",
        "file not found: bams/missing.bam",
    ),
    "timepoint day22": (with_cell(2, "timepoint", "day22"), HEADER, 2, "timepoint", "integer"),
    "timepoint 1.5": (with_cell(2, "timepoint", "1.5"), HEADER, 2, "timepoint", "integer"),
    "two draws on one day": (
        with_cell(2, "timepoint", "0"),
        HEADER,
        2,
        "timepoint",
        "two draws on day 0",
    ),
    "unknown kind": (with_cell(2, "kind", "tumour"), HEADER, 2, "kind", "unknown kind 'tumour'"),
    "normal with a patient": (with_cell(3, "patient", "P1"), HEADER, 3, "patient", "no patient"),
    "bad patient ID": (with_cell(1, "patient", "P 1"), HEADER, 1, "patient", "may only contain"),
    **{
        f"sample ID {bad!r}": (with_cell(2, "sample", bad), HEADER, 2, "sample", "may only contain")
        for bad in BAD_IDS
    },
    "missing column timepoint": (
        *without_column("timepoint"),
        None,
        "timepoint",
        "missing column",
    ),
    "missing column kind": (*without_column("kind"), None, "kind", "missing column"),
    "no read columns": (
        [r[:4] for r in GOOD],
        HEADER[:4],
        None,
        None,
        "needs either 'fq1' and 'fq2' columns or a 'bam' column",
    ),
    "header only": ([], HEADER, None, None, "no samples"),
}


def bad_sheet(tmp_path: Path, case: str) -> tuple[Path, int | None, str | None, str]:
    rows, header, row, field, phrase = BAD_SHEETS[case]
    make_inputs(tmp_path)
    return write_sheet(tmp_path / "samples.tsv", rows, header), row, field, phrase


def test_good_sheet_is_accepted(tmp_path: Path) -> None:
    # The baseline all bad cases start from must itself be valid.
    make_inputs(tmp_path)
    table = read_samples(write_sheet(tmp_path / "samples.tsv", GOOD), tmp_path)
    assert list(table.index) == ["N1", "P1-d0", "P1-d21"]
    assert list(table["input"]) == ["fastq", "fastq", "bam"]
    assert list(table["bam"]) == ["", "", "bams/P1-d21.bam"]


@pytest.mark.parametrize("case", list(BAD_SHEETS))
def test_bad_sheet_names_row_and_field(tmp_path: Path, case: str) -> None:
    sheet, row, field, phrase = bad_sheet(tmp_path, case)
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    assert (info.value.row, info.value.field) == (row, field)
    assert info.value.path == str(sheet)
    assert phrase in str(info.value)


@pytest.mark.parametrize("case", list(BAD_SHEETS))
def test_check_samples_cli_reports_bad_sheet(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet, row, field, phrase = bad_sheet(tmp_path, case)
    assert cli.main(["check-samples", str(sheet), "--base-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"cfdna-erbb2 check-samples: error: {sheet}")
    assert phrase in err
    if row is not None:
        assert f"row {row}" in err
    if field is not None:
        assert f"field '{field}'" in err


def test_comma_separated_sheet(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.csv", GOOD, sep=",")
    with pytest.raises(InputError, match="comma-separated") as info:
        read_samples(sheet, tmp_path)
    assert (info.value.row, info.value.field) == (None, None)


def test_missing_sheet(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found") as info:
        read_samples(tmp_path / "nope.tsv", tmp_path)
    assert info.value.path == str(tmp_path / "nope.tsv")


def test_zero_byte_sheet_is_an_input_error(tmp_path: Path) -> None:
    sheet = tmp_path / "samples.tsv"
    sheet.write_bytes(b"")
    with pytest.raises(InputError):
        read_samples(sheet, tmp_path)


def test_hash_in_sample_id_is_refused_as_an_id(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", with_cell(2, "sample", "P1#d21"))
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    assert (info.value.row, info.value.field) == (2, "sample")


def test_comment_lines_are_skipped(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", GOOD)
    lines = sheet.read_text().splitlines(keepends=True)
    sheet.write_text("# cohort A\n" + lines[0] + "# healthy donors below\n" + "".join(lines[1:]))
    assert list(read_samples(sheet, tmp_path).index) == ["N1", "P1-d0", "P1-d21"]


def test_relative_paths_start_at_base_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    make_inputs(project)
    sheet = write_sheet(tmp_path / "config" / "samples.tsv", GOOD)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    table = read_samples(sheet, project)
    assert table.loc["P1-d0", "fq1"] == "reads/P1-d0_1.fq.gz"  # kept as written
    # Without base_dir the same relative paths start at the working directory.
    with pytest.raises(InputError, match="file not found") as info:
        read_samples(sheet)
    assert (info.value.row, info.value.field) == (1, "fq1")
    monkeypatch.chdir(project)
    assert len(read_samples(sheet)) == 3


def test_absolute_paths_ignore_base_dir(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    rows = [[*r[:4], *(str(tmp_path / v) if v else "" for v in r[4:])] for r in GOOD]
    sheet = write_sheet(tmp_path / "samples.tsv", rows)
    table = read_samples(sheet, tmp_path / "unrelated")
    assert table.loc["P1-d21", "bam"] == str(tmp_path / "bams/P1-d21.bam")


def test_types_kind_and_normals(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    rows = [list(r) for r in GOOD]
    rows[0][2], rows[1][2], rows[2][2] = "Plasma", "PLASMA", " Normal "
    table = read_samples(write_sheet(tmp_path / "samples.tsv", rows), tmp_path)
    assert str(table["timepoint"].dtype) == "Int64"
    assert table.loc["P1-d21", "timepoint"] == 21
    assert pd.isna(table.loc["N1", "timepoint"])  # normals need no timepoint
    assert table.loc["N1", "patient"] == ""
    assert table["kind"].to_dict() == {"N1": "normal", "P1-d0": "plasma", "P1-d21": "plasma"}
    assert table.index.name == "sample"
    assert list(table["sample"]) == list(table.index)


def test_check_samples_cli_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", GOOD)
    assert cli.main(["check-samples", str(sheet), "--base-dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.strip() == (f"{sheet}: OK, 3 samples (2 plasma draws from 1 patients, 1 normals)")


SERIAL = [
    # Sample IDs sort in another order than time: P1-d10 < P1-d7 < P1-pre as strings.
    ["P1-d10", "P1", "plasma", "10", "", "", "x.bam"],
    ["P1-pre", "P1", "plasma", "-3", "", "", "x.bam"],
    ["P1-d7", "P1", "plasma", "7", "", "", "x.bam"],
    ["P2-d42", "P2", "plasma", "42", "", "", "x.bam"],
    ["P2-d35", "P2", "plasma", "35", "", "", "x.bam"],
    ["A-normal", "", "normal", "-100", "", "", "x.bam"],
]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 4, 0, 5, 3, 1]])
def test_baseline_is_earliest_draw(tmp_path: Path, order: list[int]) -> None:
    (tmp_path / "x.bam").write_bytes(b"")
    sheet = write_sheet(tmp_path / "samples.tsv", [SERIAL[i] for i in order])
    table = read_samples(sheet, tmp_path)
    expected = {"P1": "P1-pre", "P2": "P2-d35"}
    assert baseline_of(table) == expected
    # The table itself in any row order, too (baseline_of is also called on subsets).
    assert baseline_of(table.iloc[order]) == expected
