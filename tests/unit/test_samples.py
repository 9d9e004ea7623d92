"""The samples sheet: every bad sheet is refused with the line and field of each problem, all
problems at once, both by ``read_samples`` and by ``cfdna-erbb2 check-samples``; good sheets
come back typed and checked."""

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


#: Read files no GOOD row names, for bad rows that need files of their own.
SPARE = ("reads/spare_1.fq.gz", "reads/spare_2.fq.gz", "bams/spare.bam")


def make_inputs(base: Path) -> None:
    """Create every read file the GOOD sheet names, and the SPARE ones, below ``base``."""
    for value in [v for row in GOOD for v in row[4:]] + list(SPARE):
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

#: (rows, header, expected line, expected field, key phrase of the message). The header is
#: line 1, so data row N is line N + 1.
BAD_SHEETS = {
    "duplicate sample ID": (
        [*GOOD, ["P1-d0", "", "normal", "", "reads/spare_1.fq.gz", "reads/spare_2.fq.gz", ""]],
        HEADER,
        5,
        "sample",
        "duplicate sample ID 'P1-d0' (also line 2)",
    ),
    "plasma without patient": (
        with_cell(2, "patient", ""),
        HEADER,
        3,
        "patient",
        "needs a patient ID",
    ),
    "plasma without timepoint": (
        with_cell(2, "timepoint", ""),
        HEADER,
        3,
        "timepoint",
        "needs a timepoint",
    ),
    "neither FASTQ nor BAM": (with_cell(2, "bam", ""), HEADER, 3, "fq1", "no reads"),
    "both FASTQ and BAM": (
        with_cell(1, "bam", "bams/spare.bam"),
        HEADER,
        2,
        "bam",
        "not both",
    ),
    "only fq1": (with_cell(3, "fq2", ""), HEADER, 4, "fq2", "need both fq1 and fq2"),
    "only fq2": (with_cell(3, "fq1", ""), HEADER, 4, "fq1", "need both fq1 and fq2"),
    "fq1 equals fq2": (
        with_cell(3, "fq2", "reads/N1_1.fq.gz"),
        HEADER,
        4,
        "fq2",
        "fq1 and fq2 are the same file",
    ),
    "fq1 does not exist": (
        with_cell(3, "fq1", "reads/missing_1.fq.gz"),
        HEADER,
        4,
        "fq1",
        "file not found: reads/missing_1.fq.gz",
    ),
    "bam does not exist": (
        with_cell(2, "bam", "bams/missing.bam"),
        HEADER,
        3,
        "bam",
        "file not found: bams/missing.bam",
    ),
    "fq1 of another row": (
        with_cell(3, "fq1", "reads/P1-d0_1.fq.gz"),
        HEADER,
        4,
        "fq1",
        "reads/P1-d0_1.fq.gz is also the fq1 of line 2",
    ),
    "fq2 is another row's fq1": (
        with_cell(3, "fq2", "reads/P1-d0_1.fq.gz"),
        HEADER,
        4,
        "fq2",
        "reads/P1-d0_1.fq.gz is also the fq1 of line 2",
    ),
    "bam of another row": (
        [*GOOD, ["P1-d42", "P1", "plasma", "42", "", "", "bams/P1-d21.bam"]],
        HEADER,
        5,
        "bam",
        "bams/P1-d21.bam is also the bam of line 3",
    ),
    "timepoint day22": (with_cell(2, "timepoint", "day22"), HEADER, 3, "timepoint", "integer"),
    "timepoint 1.5": (with_cell(2, "timepoint", "1.5"), HEADER, 3, "timepoint", "integer"),
    **{
        f"timepoint {day}": (with_cell(2, "timepoint", day), HEADER, 3, "timepoint", "out of range")
        for day in ("99999999999999999999", "-99999999999999999999", "36501", "-36501")
    },
    "normal's timepoint out of range": (
        with_cell(3, "timepoint", "100000"),
        HEADER,
        4,
        "timepoint",
        "out of range",
    ),
    "two draws on one day": (
        with_cell(2, "timepoint", "0"),
        HEADER,
        3,
        "timepoint",
        "two draws on day 0 ('P1-d0' on line 2 and 'P1-d21')",
    ),
    "unknown kind": (with_cell(2, "kind", "tumour"), HEADER, 3, "kind", "unknown kind 'tumour'"),
    "normal with a patient": (with_cell(3, "patient", "P1"), HEADER, 4, "patient", "no patient"),
    "bad patient ID": (with_cell(1, "patient", "P 1"), HEADER, 2, "patient", "may only contain"),
    **{
        f"sample ID {bad!r}": (with_cell(2, "sample", bad), HEADER, 3, "sample", "may only contain")
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
    rows, header, line, field, phrase = BAD_SHEETS[case]
    make_inputs(tmp_path)
    return write_sheet(tmp_path / "samples.tsv", rows, header), line, field, phrase


def test_good_sheet_is_accepted(tmp_path: Path) -> None:
    # The baseline all bad cases start from must itself be valid.
    make_inputs(tmp_path)
    table = read_samples(write_sheet(tmp_path / "samples.tsv", GOOD), tmp_path)
    assert list(table.index) == ["N1", "P1-d0", "P1-d21"]
    assert list(table["input"]) == ["fastq", "fastq", "bam"]
    assert list(table["bam"]) == ["", "", "bams/P1-d21.bam"]


@pytest.mark.parametrize("case", list(BAD_SHEETS))
def test_bad_sheet_names_line_and_field(tmp_path: Path, case: str) -> None:
    # Each bad sheet has exactly one problem, reported as it is.
    sheet, line, field, phrase = bad_sheet(tmp_path, case)
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    assert (info.value.line, info.value.field) == (line, field)
    assert info.value.problems == (info.value,)
    assert info.value.path == str(sheet)
    assert phrase in str(info.value)


@pytest.mark.parametrize("case", list(BAD_SHEETS))
def test_check_samples_cli_reports_bad_sheet(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet, line, field, phrase = bad_sheet(tmp_path, case)
    assert cli.main(["check-samples", str(sheet), "--base-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"cfdna-erbb2 check-samples: error: {sheet}")
    assert phrase in err
    if line is not None:
        assert f"{sheet}, line {line}, " in err
    if field is not None:
        assert f"field '{field}'" in err


def test_comma_separated_sheet(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.csv", GOOD, sep=",")
    with pytest.raises(InputError, match="comma-separated") as info:
        read_samples(sheet, tmp_path)
    assert (info.value.line, info.value.field) == (None, None)


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
    assert (info.value.line, info.value.field) == (3, "sample")


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
    # Without base_dir the same relative paths start at the working directory: every file
    # is missing, each one reported.
    with pytest.raises(InputError, match="file not found") as info:
        read_samples(sheet)
    missing = [(e.line, e.field) for e in info.value.problems]
    assert missing == [(2, "fq1"), (2, "fq2"), (3, "bam"), (4, "fq1"), (4, "fq2")]
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
    ["P1-d10", "P1", "plasma", "10", "", "", "P1-d10.bam"],
    ["P1-pre", "P1", "plasma", "-3", "", "", "P1-pre.bam"],
    ["P1-d7", "P1", "plasma", "7", "", "", "P1-d7.bam"],
    ["P2-d42", "P2", "plasma", "42", "", "", "P2-d42.bam"],
    ["P2-d35", "P2", "plasma", "35", "", "", "P2-d35.bam"],
    ["A-normal", "", "normal", "-100", "", "", "A-normal.bam"],
]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [2, 4, 0, 5, 3, 1]])
def test_baseline_is_earliest_draw(tmp_path: Path, order: list[int]) -> None:
    for row in SERIAL:
        (tmp_path / row[6]).write_bytes(b"")
    sheet = write_sheet(tmp_path / "samples.tsv", [SERIAL[i] for i in order])
    table = read_samples(sheet, tmp_path)
    expected = {"P1": "P1-pre", "P2": "P2-d35"}
    assert baseline_of(table) == expected
    # The table itself in any row order, too (baseline_of is also called on subsets).
    assert baseline_of(table.iloc[order]) == expected


# --- lines as an editor counts them; every problem at once; no cascades -------------------------


def test_line_numbers_count_comments_and_blank_lines(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    sheet = tmp_path / "samples.tsv"
    rows = ["\t".join(r) for r in with_cell(3, "kind", "tumour")]
    sheet.write_text(
        "# cohort A\n"  # line 1
        + "\t".join(HEADER)  # line 2
        + "\n\n"  # line 3 blank
        + f"{rows[0]}\n# later draws\n{rows[1]}\n\n{rows[2]}\n"  # lines 4, 5, 6, 7, 8
    )
    assert sheet.read_text().split("\n")[7].startswith("N1\t")  # N1 is on line 8
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    assert (info.value.line, info.value.field) == (8, "kind")
    assert str(info.value).startswith(f"{sheet}, line 8, field 'kind': unknown kind")


def test_every_problem_is_reported_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_inputs(tmp_path)
    rows = [list(r) for r in GOOD]
    rows[0][HEADER.index("sample")] = "P1 d0"  # line 2: bad ID
    rows[0][HEADER.index("fq2")] = "reads/gone_2.fq.gz"  # line 2: and a missing file
    rows[1][HEADER.index("kind")] = "tumor"  # line 3
    rows[2][HEADER.index("timepoint")] = "day 5"  # line 4
    sheet = write_sheet(tmp_path / "samples.tsv", rows)
    expected = [
        (2, "sample", "sample ID 'P1 d0' may only contain"),
        (2, "fq2", "file not found: reads/gone_2.fq.gz"),
        (3, "kind", "unknown kind 'tumor'"),
        (4, "timepoint", "timepoint 'day 5' is not an integer"),
    ]
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    found = [(e.line, e.field, e.message) for e in info.value.problems]
    assert [(line, field) for line, field, _ in found] == [(ln, f) for ln, f, _ in expected]
    for (_, _, message), (_, _, phrase) in zip(found, expected, strict=True):
        assert message.startswith(phrase)
    lines = str(info.value).split("\n")
    assert lines[0] == f"{sheet}: 4 problems, one per line:"
    assert lines[1:] == [str(e) for e in info.value.problems]
    assert (
        lines[3] == f"{sheet}, line 3, field 'kind': unknown kind 'tumor'; use 'plasma' or 'normal'"
    )

    assert cli.main(["check-samples", str(sheet), "--base-dir", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"cfdna-erbb2 check-samples: error: {info.value}\n"


#: Sheets whose mistakes could be mistaken for more: (rows, every problem reported).
CASCADES = {
    # A day that is not a number is not also a missing day.
    "bad day": (with_cell(2, "timepoint", "day21"), [(3, "timepoint", "not an integer")]),
    "day out of range": (
        with_cell(2, "timepoint", "99999999999999999999"),
        [(3, "timepoint", "out of range")],
    ),
    # An unknown kind does not also make a patient missing (plasma) or wrong (normal).
    "unknown kind without patient": (
        [*GOOD, ["X1", "", "tumour", "", "", "", "bams/spare.bam"]],
        [(5, "kind", "unknown kind 'tumour'")],
    ),
    "unknown kind with patient": (with_cell(2, "kind", "blood"), [(3, "kind", "unknown")]),
    # A repeated row is one duplicate ID, not also a second draw that day or reused files.
    "repeated FASTQ row": (
        [*GOOD, GOOD[0]],
        [(5, "sample", "duplicate sample ID 'P1-d0' (also line 2)")],
    ),
    "repeated BAM row": (
        [GOOD[1], *GOOD],
        [(4, "sample", "duplicate sample ID 'P1-d21' (also line 2)")],
    ),
    # The same reads again under a new ID: one problem naming both lines, not one per file.
    "same pair on two rows": (
        [*GOOD, ["N2", "", "normal", "", "reads/N1_1.fq.gz", "reads/N1_2.fq.gz", ""]],
        [(5, "fq1", "reads/N1_1.fq.gz and reads/N1_2.fq.gz are also the fq1 and fq2 of line 4")],
    ),
    # A missing file named twice is missing twice, not also a file on two rows.
    "missing file on two rows": (
        [
            *GOOD,
            ["P1-d42", "P1", "plasma", "42", "", "", "bams/gone.bam"],
            ["P1-d63", "P1", "plasma", "63", "", "", "bams/gone.bam"],
        ],
        [(5, "bam", "file not found: bams/gone.bam"), (6, "bam", "file not found: bams/gone.bam")],
    ),
}


@pytest.mark.parametrize("case", list(CASCADES))
def test_one_mistake_is_reported_once(tmp_path: Path, case: str) -> None:
    rows, expected = CASCADES[case]
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", rows)
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    problems = info.value.problems
    assert [(e.line, e.field) for e in problems] == [(line, field) for line, field, _ in expected]
    for error, (_, _, phrase) in zip(problems, expected, strict=True):
        assert phrase in error.message


@pytest.mark.parametrize("spelling", ["./reads/../reads/P1-d0_1.fq.gz", "link.fq.gz", "absolute"])
def test_same_file_is_found_by_its_resolved_path(tmp_path: Path, spelling: str) -> None:
    make_inputs(tmp_path)
    (tmp_path / "link.fq.gz").symlink_to(tmp_path / "reads" / "P1-d0_1.fq.gz")
    value = str(tmp_path / "reads/P1-d0_1.fq.gz") if spelling == "absolute" else spelling
    sheet = write_sheet(tmp_path / "samples.tsv", with_cell(3, "fq1", value))
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    assert (info.value.line, info.value.field) == (4, "fq1")
    assert info.value.message == (
        f"{value} is also the fq1 of line 2: each file belongs to one sample"
    )


@pytest.mark.parametrize("day", ["36500", "-36500", "+7", "007"])
def test_timepoints_within_100_years_are_accepted(tmp_path: Path, day: str) -> None:
    make_inputs(tmp_path)
    table = read_samples(write_sheet(tmp_path / "s.tsv", with_cell(2, "timepoint", day)), tmp_path)
    assert table.loc["P1-d21", "timepoint"] == int(day)


def test_check_samples_huge_timepoint_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", with_cell(2, "timepoint", "9" * 20))
    assert cli.main(["check-samples", str(sheet), "--base-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"cfdna-erbb2 check-samples: error: {sheet}, line 3, field 'timepoint': timepoint "
        f"{'9' * 20} is out of range: a day must be within 36500 days (about 100 years) of the "
        "start of treatment\n"
    )


def test_row_with_more_cells_than_the_header(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    rows = [list(r) for r in GOOD]
    rows[1].append("stray")
    rows[2] += ["", ""]  # empty trailing cells, as spreadsheets write them, are fine
    sheet = write_sheet(tmp_path / "samples.tsv", rows)
    with pytest.raises(InputError) as info:
        read_samples(sheet, tmp_path)
    assert (info.value.line, info.value.field) == (3, None)
    assert info.value.message == "8 tab-separated cells, but the header has 7 columns"


def test_spreadsheet_export_byte_order_mark_and_empty_rows(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    # Rows of empty cells, bare or quoted (as a spreadsheet writes text cells), are no rows.
    sheet = write_sheet(tmp_path / "samples.tsv", [*GOOD, [""] * len(HEADER), ['""'] * 7])
    sheet.write_bytes(b"\xef\xbb\xbf" + sheet.read_bytes() + b"\t\t\t\t\t\t\n")
    assert list(read_samples(sheet, tmp_path).index) == ["N1", "P1-d0", "P1-d21"]


def test_same_column_twice_in_the_header(tmp_path: Path) -> None:
    make_inputs(tmp_path)
    sheet = write_sheet(tmp_path / "samples.tsv", [[*r, ""] for r in GOOD], (*HEADER, "kind"))
    with pytest.raises(InputError, match="column named twice") as info:
        read_samples(sheet, tmp_path)
    assert (info.value.line, info.value.field) == (None, "kind")
