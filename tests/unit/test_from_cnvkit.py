"""``cfdna-erbb2 from-cnvkit``: real CNVkit output written by others gives CNVkit's own ERBB2
values and a calls table that ``response`` accepts; bad sheets and files give one clear
error and write nothing."""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cfdna_erbb2 import cli, from_cnvkit
from cfdna_erbb2.calls import (
    INFORMED_COLUMNS,
    READER_COLUMNS,
    SHEET_COLUMNS,
    TF_COLUMNS,
    panel_table,
)
from cfdna_erbb2.cli import from_cnvkit as from_cnvkit_cli
from cfdna_erbb2.erbb2 import Erbb2Measurement, Erbb2Params, systematic_sd
from cfdna_erbb2.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
#: Real CNVkit files (CNVkit's own test data, GRCh37), kept outside the repository.
REAL = Path(__file__).resolve().parents[1] / "data" / "cnvkit-real"
needs_real = pytest.mark.skipif(
    not (REAL / "README.md").is_file(), reason=f"real CNVkit files not found in {REAL}"
)

#: From REAL/README.md: ERBB2 bins and CNVkit's own gene value (`genemetrics -t 0 -m 1`,
#: weighted mean log2), and the segment file shipped beside each .cnr.
README_VALUES = {
    "p2-20_1": (24, -0.141, None),
    "p2-20_2": (24, -0.192, None),
    "p2-9_2": (23, -0.449, "p2-9_2.cns"),
    "amplicon": (29, 0.363, "amplicon.cns"),
}
SHEET_HEADER = ("sample", "patient", "kind", "timepoint", "cnr", "cns")
#: Every column once: the reader's first (calls.READER_COLUMNS), then the rest in the order
#: the measurement (and why it tested one coverage track), the sex and the tumour fractions
#: give them.
_ALL_COLUMNS = [
    *SHEET_COLUMNS,
    *(f.name for f in dataclasses.fields(Erbb2Measurement)),
    "tracks_reason",
    *("sex", "x_ratio", "y_ratio"),
    *TF_COLUMNS,
    *INFORMED_COLUMNS,
]
CALLS_COLUMNS = [*READER_COLUMNS, *(c for c in _ALL_COLUMNS if c not in READER_COLUMNS)]


@pytest.fixture(autouse=True)
def only_commands_under_test(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parser imports every command's module; keep these tests about these two commands.
    keep = ("from-cnvkit", "response")
    monkeypatch.setattr(cli, "COMMANDS", {k: cli.COMMANDS[k] for k in keep})


def write_sheet(
    path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = SHEET_HEADER
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["\t".join(header), *("\t".join(str(c) for c in row) for row in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def read_tsv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def copy_real(dest: Path, *names: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(REAL / name, dest / name)


def erbb2_rows(table: pd.DataFrame) -> np.ndarray:
    """Bins naming ERBB2 after splitting labels on commas (computed here, independently)."""
    return np.array(
        [
            "ERBB2" in [p.strip() for p in str(g).split(",")]
            for g in table["gene"].fillna("-").astype(str)
        ]
    )


# --- real CNVkit output ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_calls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pd.DataFrame]:
    """from-cnvkit on the four real files, each a baseline draw of its own patient.

    The sheet names its files relative to its own folder and the command runs from another
    folder, so a wrong base directory fails here.
    """
    if not (REAL / "README.md").is_file():
        pytest.skip(f"real CNVkit files not found in {REAL}")
    tmp = tmp_path_factory.mktemp("real")
    study = tmp / "study"
    copy_real(study / "cnv", *(f"{s}.cnr" for s in README_VALUES))
    copy_real(study / "cnv", *(cns for _, _, cns in README_VALUES.values() if cns))
    rows = [
        (s, f"P{i}", "plasma", 0, f"cnv/{s}.cnr", f"cnv/{cns}" if cns else "")
        for i, (s, (_, _, cns)) in enumerate(README_VALUES.items())
    ]
    sheet = write_sheet(study / "sheet.tsv", rows)
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(elsewhere)
        assert cli.main(["from-cnvkit", str(sheet), "--out", "calls.tsv"]) == 0
    yield read_tsv(elsewhere / "calls.tsv").set_index("sample", drop=False)


@needs_real
def test_real_calls_have_the_workflow_columns(real_calls: pd.DataFrame) -> None:
    assert list(real_calls.columns) == CALLS_COLUMNS
    assert sorted(real_calls["sample"]) == sorted(README_VALUES)
    # CNVkit output from elsewhere has no size-weighted track, and the table says so.
    assert set(real_calls["tracks"]) == {"1"}
    assert all(r.startswith("no size-weighted copy ratios") for r in real_calls["tracks_reason"])
    # No panel of normals in the sheet: the configured floor is the systematic SD.
    assert set(real_calls["systematic_sd"].astype(float)) == {Erbb2Params().systematic_sd_floor}


@needs_real
@pytest.mark.parametrize("sample", list(README_VALUES))
def test_real_erbb2_matches_cnvkit_gene_value(real_calls: pd.DataFrame, sample: str) -> None:
    bins, cnvkit_log2, _ = README_VALUES[sample]
    row = real_calls.loc[sample]
    assert int(row["erbb2_bins"]) == bins
    assert float(row["erbb2_log2"]) == pytest.approx(cnvkit_log2, abs=0.01)
    assert float(row["erbb2_pcn"]) == pytest.approx(2 * 2 ** float(row["erbb2_log2"]), rel=1e-5)


#: The CNVkit segment holding ERBB2 in each .cns (start, log2), read off the files.
ERBB2_SEGMENTS = {"p2-9_2": (34843011, -0.303637), "amplicon": (29694190, 0.515459)}


@needs_real
@pytest.mark.parametrize("sample", list(ERBB2_SEGMENTS))
def test_real_segments_are_read(real_calls: pd.DataFrame, sample: str) -> None:
    start, log2 = ERBB2_SEGMENTS[sample]
    row = real_calls.loc[sample]
    assert int(row["segment_start"]) == start
    assert float(row["segment_log2"]) == pytest.approx(log2, abs=1e-6)
    # Both segments are longer than an amplicon or open-ended: the gene bins are the locus.
    assert row["locus_source"] == "gene"


@needs_real
@pytest.mark.parametrize("sample", ["p2-20_1", "p2-20_2", "p2-9_2"])
def test_real_hybrid_capture_is_evaluable_and_not_amplified(
    real_calls: pd.DataFrame, sample: str
) -> None:
    row = real_calls.loc[sample]
    assert row["amplified"] == "false"
    assert row["evaluable"] == "true", row["reason"]
    # A real limit of detection: above diploid, and within what a 0.15-0.2 log2 panel with
    # its correlated (window-scale) noise allows.
    assert 2.0 < float(row["lod_pcn"]) < 3.0
    assert row["reason"].startswith("not amplified")


@needs_real
def test_real_noisy_amplicon_panel_is_not_evaluable(real_calls: pd.DataFrame) -> None:
    # Its bins scatter over several log2 units: a call either way would not be honest.
    row = real_calls.loc["amplicon"]
    assert row["evaluable"] == "false"
    assert row["amplified"] == "false"
    assert "bin noise sd" in row["reason"]


@needs_real
def test_columns_in_any_order_and_without_depth_or_weight(tmp_path: Path) -> None:
    original = pd.read_csv(REAL / "p2-20_1.cnr", sep="\t", dtype={"chromosome": str})
    shuffled = original[["weight", "log2", "gene", "depth", "end", "chromosome", "start"]].copy()
    # A comma-joined label still names the gene.
    first = int(np.flatnonzero(erbb2_rows(shuffled))[0])
    shuffled.loc[shuffled.index[first], "gene"] = "PGAP3,ERBB2"
    bare = original.drop(columns=["depth", "weight"])
    shuffled.to_csv(tmp_path / "shuffled.cnr", sep="\t", index=False)
    bare.to_csv(tmp_path / "bare.cnr", sep="\t", index=False)
    shutil.copy(REAL / "p2-20_1.cnr", tmp_path / "original.cnr")
    rows = [(n, f"P{n}", "plasma", 0, f"{n}.cnr", "") for n in ("original", "shuffled", "bare")]
    sheet = write_sheet(tmp_path / "sheet.tsv", rows)
    out = tmp_path / "calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 0
    calls = read_tsv(out).set_index("sample")

    numbers = ["erbb2_log2", "erbb2_bins", "noise_sd", "se_log2", "erbb2_z", "focal_z", "lod_pcn"]
    for col in numbers:
        assert float(calls.loc["shuffled", col]) == pytest.approx(float(calls.loc["original", col]))
    unweighted = float(original.loc[erbb2_rows(original), "log2"].mean())
    weighted = float(calls.loc["original", "erbb2_log2"])
    assert abs(unweighted - weighted) > 1e-3  # so the next line tells the two apart
    assert float(calls.loc["bare", "erbb2_log2"]) == pytest.approx(unweighted, abs=1e-5)
    assert int(calls.loc["bare", "erbb2_bins"]) == 24


@needs_real
def test_cnr_without_the_gene_names_the_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(REAL / "p2-20_1.cnr", tmp_path / "good.cnr")
    table = pd.read_csv(REAL / "p2-20_2.cnr", sep="\t", dtype={"chromosome": str})
    table[~erbb2_rows(table)].to_csv(tmp_path / "no_erbb2.cnr", sep="\t", index=False)
    rows = [
        ("good", "P1", "plasma", 0, "good.cnr", ""),
        ("gone", "P1", "plasma", 21, "no_erbb2.cnr", ""),
    ]
    sheet = write_sheet(tmp_path / "sheet.tsv", rows)
    out = tmp_path / "results" / "calls.tsv"
    out.parent.mkdir()
    out.write_text("previous run\n")
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no_erbb2.cnr" in err
    assert "ERBB2" in err
    assert "gene is missing" in err
    assert "sheet line 3" in err
    assert out.read_text() == "previous run\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["calls.tsv"]  # no temp file left


# --- the chain to `response` -------------------------------------------------------------------


@needs_real
def test_from_cnvkit_then_response(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy_real(tmp_path, "p2-20_1.cnr", "p2-20_2.cnr", "p2-9_2.cnr", "p2-9_2.cns")
    copy_real(tmp_path, "amplicon.cnr", "amplicon.cns")
    rows = [
        ("A-d1", "A", "plasma", 1, "p2-20_1.cnr", ""),
        ("A-d22", "A", "plasma", 22, "p2-20_2.cnr", ""),
        ("B-d0", "B", "plasma", 0, "amplicon.cnr", "amplicon.cns"),
        ("B-d21", "B", "plasma", 21, "p2-9_2.cnr", "p2-9_2.cns"),
    ]
    sheet = write_sheet(tmp_path / "sheet.tsv", rows)
    calls = tmp_path / "results" / "erbb2" / "calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(calls)]) == 0
    outdir = tmp_path / "results" / "response"
    assert cli.main(["response", str(calls), "--outdir", str(outdir)]) == 0
    patients = read_tsv(outdir / "patients.tsv").set_index("patient")
    timepoints = read_tsv(outdir / "timepoints.tsv").set_index("sample")
    # A: evaluable, not amplified at baseline -> nothing to follow.
    assert patients.loc["A", "baseline_sample"] == "A-d1"
    assert patients.loc["A", "baseline_evaluable"] == "true"
    assert patients.loc["A", "baseline_amplified"] == "false"
    assert patients.loc["A", "early_response"] == "baseline_negative"
    # B: the noisy amplicon baseline cannot be judged, whatever follows.
    assert patients.loc["B", "baseline_evaluable"] == "false"
    assert patients.loc["B", "early_response"] == "not_evaluable"
    assert dict(timepoints["response"]) == {"A-d22": "baseline_negative", "B-d21": "not_evaluable"}


# --- normals in the sheet are the panel --------------------------------------------------------


@needs_real
def test_normals_in_the_sheet_are_the_panel_each_leaving_itself_out(tmp_path: Path) -> None:
    # Six normals, so that each one's leave-one-out panel still has the five a variance
    # estimate needs; the real files are reused under two names each.
    real = ["p2-20_1", "p2-20_2", "p2-9_2"]
    copy_real(tmp_path, *(f"{n}.cnr" for n in real))
    for n in real:
        shutil.copy(tmp_path / f"{n}.cnr", tmp_path / f"{n}-b.cnr")
    normals = [*real, *(f"{n}-b" for n in real)]
    shutil.copy(REAL / "p2-20_1.cnr", tmp_path / "patient.cnr")
    rows = [(n, "", "normal", "", f"{n}.cnr", "") for n in normals]
    rows.append(("P1-d0", "P1", "plasma", "0", "patient.cnr", ""))
    sheet = write_sheet(tmp_path / "sheet.tsv", rows)
    out = tmp_path / "calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 0
    calls = read_tsv(out).set_index("sample")

    floor = Erbb2Params().systematic_sd_floor
    panel = panel_table({n: tmp_path / f"{n}.cnr" for n in normals}, Erbb2Params()).set_index(
        "sample"
    )

    def expected(names: list[str]) -> float:
        return systematic_sd(
            panel.loc[names, "erbb2_log2"].to_numpy(),
            panel.loc[names, "se_noise"].to_numpy(),
            floor,
        )

    plasma = float(calls.loc["P1-d0", "systematic_sd"])
    assert plasma == pytest.approx(expected(normals), rel=1e-5)
    assert plasma > 2 * floor  # the panel, not the floor
    for n in normals:
        left_out = expected([m for m in normals if m != n])
        assert float(calls.loc[n, "systematic_sd"]) == pytest.approx(left_out, rel=1e-5)
        assert not math.isclose(left_out, plasma, rel_tol=1e-3)  # leaving out shows


# --- options -----------------------------------------------------------------------------------


def test_option_defaults_are_the_configured_thresholds() -> None:
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    args = cli.build_parser("from-cnvkit").parse_args(["from-cnvkit", "sheet.tsv"])
    assert args.gene == config["gene"]
    options = [
        "z_min",
        "focal_z_min",
        "max_amplicon_bp",
        "flank_bp",
        "min_flank_bins",
        "systematic_sd_floor",
        "max_noise_sd",
        "max_lod_pcn",
        "cnvkit_amp_log2",
    ]
    for name in options:
        assert getattr(args, name) == config["erbb2"][name], name
    assert from_cnvkit_cli.params_from_args(args) == Erbb2Params()


@needs_real
def test_threshold_options_reach_the_call(tmp_path: Path) -> None:
    shutil.copy(REAL / "p2-20_1.cnr", tmp_path / "a.cnr")
    sheet = write_sheet(tmp_path / "sheet.tsv", [("a", "P1", "plasma", 0, "a.cnr", "")])
    out = tmp_path / "calls.tsv"
    argv = ["from-cnvkit", str(sheet), "--out", str(out), "--systematic-sd-floor", "0.1"]
    assert cli.main([*argv, "--max-noise-sd", "0.1"]) == 0
    row = read_tsv(out).iloc[0]
    assert float(row["systematic_sd"]) == pytest.approx(0.1)
    assert row["evaluable"] == "false"  # noise sd 0.15 > 0.1
    assert "bin noise sd" in row["reason"]


def test_max_lod_pcn_option_sets_the_parameter() -> None:
    args = cli.build_parser("from-cnvkit").parse_args(
        ["from-cnvkit", "sheet.tsv", "--max-lod-pcn", "7.5"]
    )
    params = from_cnvkit_cli.params_from_args(args)
    assert params.max_lod_pcn == 7.5
    assert params == dataclasses.replace(Erbb2Params(), max_lod_pcn=7.5)


@needs_real
def test_max_lod_pcn_reaches_the_call(tmp_path: Path) -> None:
    # p2-20_1 could detect about 2.5 copies: evaluable at the default limit, not below 2.2.
    shutil.copy(REAL / "p2-20_1.cnr", tmp_path / "a.cnr")
    sheet = write_sheet(tmp_path / "sheet.tsv", [("a", "P1", "plasma", 0, "a.cnr", "")])
    out = tmp_path / "calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out), "--max-lod-pcn", "2.2"]) == 0
    row = read_tsv(out).iloc[0]
    assert float(row["lod_pcn"]) > 2.2
    assert row["evaluable"] == "false"
    assert "smallest detectable pCN" in row["reason"]


@pytest.mark.parametrize(
    "option",
    [
        "--z-min=0",
        "--max-noise-sd=-1",
        "--min-flank-bins=1.5",
        "--max-lod-pcn=2",
        "--max-lod-pcn=x",
    ],
)
def test_bad_option_values_are_refused(
    tmp_path: Path, option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["from-cnvkit", str(tmp_path / "sheet.tsv"), option])
    assert stop.value.code == 2
    assert option.split("=")[0] in capsys.readouterr().err


# --- bad sheets --------------------------------------------------------------------------------


def good_rows() -> list[list[str]]:
    return [
        ["P1-d0", "P1", "plasma", "0", "a.cnr", ""],
        ["P1-d21", "P1", "plasma", "21", "b.cnr", "b.cns"],
        ["N1", "", "normal", "", "c.cnr", ""],
    ]


def edit(row: int, field: str, value: str) -> list[list[str]]:
    rows = good_rows()
    rows[row - 1][SHEET_HEADER.index(field)] = value
    return rows


#: (rows, line, field, words): the header is line 1, so data row N is line N + 1.
BAD_SHEETS = {
    "nonexistent cnr": (edit(2, "cnr", "missing.cnr"), 3, "cnr", "file not found"),
    "nonexistent cns": (edit(1, "cns", "sub/missing.cns"), 2, "cns", "file not found"),
    "empty cnr": (edit(3, "cnr", ""), 4, "cnr", "empty"),
    "same cnr twice": (edit(3, "cnr", "a.cnr"), 4, "cnr", "a.cnr is also the cnr of line 2"),
    "cns is another row's cnr": (edit(1, "cns", "c.cnr"), 4, "cnr", "also the cns of line 2"),
    "duplicate sample": (edit(3, "sample", "P1-d0"), 4, "sample", "duplicate"),
    "bad sample ID": (edit(1, "sample", "P1 d0"), 2, "sample", "may only contain"),
    "bad timepoint": (edit(2, "timepoint", "day21"), 3, "timepoint", "not an integer"),
    "fractional timepoint": (edit(2, "timepoint", "21.5"), 3, "timepoint", "not an integer"),
    "huge timepoint": (edit(2, "timepoint", "9" * 20), 3, "timepoint", "out of range"),
    "timepoint beyond 100 years": (edit(1, "timepoint", "-36501"), 2, "timepoint", "out of range"),
    "plasma without timepoint": (edit(1, "timepoint", ""), 2, "timepoint", "needs a timepoint"),
    "two draws same day": (edit(2, "timepoint", "0"), 3, "timepoint", "two draws on day 0"),
    "plasma without patient": (edit(2, "patient", ""), 3, "patient", "needs a patient"),
    "normal with patient": (edit(3, "patient", "P1"), 4, "patient", "no patient"),
    "unknown kind": (edit(3, "kind", "tumour"), 4, "kind", "unknown kind"),
}


def make_cnvkit_files(folder: Path) -> None:
    for name in ("a.cnr", "b.cnr", "b.cns", "c.cnr"):
        (folder / name).write_text("not read: the sheet is checked first\n")


@pytest.mark.parametrize(("rows", "line", "field", "words"), BAD_SHEETS.values(), ids=BAD_SHEETS)
def test_bad_sheet_names_line_and_field_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    rows: list[list[str]],
    line: int,
    field: str,
    words: str,
) -> None:
    make_cnvkit_files(tmp_path)
    sheet = write_sheet(tmp_path / "sheet.tsv", rows)
    out = tmp_path / "out" / "calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"cfdna-erbb2 from-cnvkit: error: {sheet}, line {line}, field '{field}': "
    )
    assert words in err
    assert err.count("\n") == 1  # one problem, one line
    assert not (tmp_path / "out").exists()


def test_every_sheet_problem_at_once_by_editor_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_cnvkit_files(tmp_path)
    rows = good_rows()
    rows[0][SHEET_HEADER.index("timepoint")] = "1e9"  # line 3
    rows[2][SHEET_HEADER.index("cnr")] = "a.cnr"  # line 6: the cnr of line 3
    rows[2][SHEET_HEADER.index("kind")] = "Normal "  # (valid: case and spaces do not matter)
    lines = [
        "# from-cnvkit sheet",  # 1
        "\t".join(SHEET_HEADER),  # 2
        "\t".join(rows[0]),  # 3
        "",  # 4
        "\t".join(rows[1]),  # 5
        "\t".join(rows[2]),  # 6
    ]
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("\n".join(lines) + "\n")
    out = tmp_path / "calls.tsv"
    with pytest.raises(InputError) as info:
        from_cnvkit.read_sheet(sheet)
    assert [(e.line, e.field) for e in info.value.problems] == [(3, "timepoint"), (6, "cnr")]
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"cfdna-erbb2 from-cnvkit: error: {sheet}: 2 problems, one per line:",
        f"{sheet}, line 3, field 'timepoint': timepoint '1e9' is not an integer (days since "
        "treatment start)",
        f"{sheet}, line 6, field 'cnr': a.cnr is also the cnr of line 3: each file belongs to "
        "one sample",
    ]
    assert not out.exists()


def test_read_sheet_keeps_each_rows_line(tmp_path: Path) -> None:
    make_cnvkit_files(tmp_path)
    sheet = write_sheet(tmp_path / "sheet.tsv", good_rows())
    sheet.write_text("# comment\n" + sheet.read_text().replace("\nN1", "\n\nN1"))
    table = from_cnvkit.read_sheet(sheet)
    assert list(table["line"]) == [3, 4, 6]
    assert list(table["timepoint"]) == [0, 21, pd.NA]
    assert list(table["cnr"]) == [str(tmp_path.resolve() / f) for f in ("a.cnr", "b.cnr", "c.cnr")]


@pytest.mark.parametrize("missing", ["cnr", "timepoint"])
def test_sheet_without_a_required_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    (tmp_path / "a.cnr").write_text("not read\n")
    header = [c for c in SHEET_HEADER if c != missing]
    row = ["P1-d0", "P1", "plasma", "0", "a.cnr", ""]
    row.pop(SHEET_HEADER.index(missing))
    sheet = write_sheet(tmp_path / "sheet.tsv", [row], header=header)
    out = tmp_path / "calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 2
    assert f"{sheet}, field '{missing}': missing column" in capsys.readouterr().err
    assert not out.exists()


def test_cns_column_is_optional(tmp_path: Path) -> None:
    # Without a cns column the sheet is valid: here the (fake) .cnr is what fails, and it
    # fails naming the .cnr, not the sheet.
    (tmp_path / "a.cnr").write_text("chromosome\tstart\tend\tgene\n")
    header = [c for c in SHEET_HEADER if c != "cns"]
    sheet = write_sheet(tmp_path / "sheet.tsv", [["a", "P1", "plasma", "0", "a.cnr"]], header)
    with pytest.raises(InputError, match=r"a\.cnr, field 'log2': missing column"):
        from_cnvkit.call_sheet(from_cnvkit.read_sheet(sheet), Erbb2Params())


def test_calls_table_is_written_0644_under_umask_022(tmp_path: Path) -> None:
    # Like every other output (an ordinary open() under the usual umask), not 0600.
    previous = os.umask(0o022)
    try:
        out = from_cnvkit.write_calls(pd.DataFrame({"sample": ["a"]}), tmp_path / "calls.tsv")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
