"""The tables as the report's reader gets them: the pages (what each row says), the home page's
run facts, the calls table's column order and reasons, and the QC table's reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from docutils.core import publish_parts

from cfdna_erbb2 import report_html
from cfdna_erbb2.calls import READER_COLUMNS, assemble, reason_text
from cfdna_erbb2.plots.style import RESPONSE_LOOK, pcn_interval
from cfdna_erbb2.response import classify
from cfdna_erbb2.tables import QC_COLUMNS, qc_table

# --- reading a page back ----------------------------------------------------------------------


class _Table(HTMLParser):
    """The header, the rows (cell texts) and the rows' classes of a page's table."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self.classes: list[str] = []
        self.swatches: list[str] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
            self.classes.append(found.get("class") or "")
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" / ")
        elif tag == "span" and found.get("class") == "sw":
            self.swatches.append(str(found.get("style")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            words = "".join(self._cell).strip()
            (self.header if tag == "th" else self.rows[-1]).append(words)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_page(page: str) -> _Table:
    parsed = _Table()
    parsed.feed(page)
    return parsed


def assert_self_contained(page: str) -> None:
    """Opens offline in the report: no script, nothing fetched, and the research-use note."""
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for banned in ("<script", "http://", "https://", "<link", "src="):
        assert banned not in page, banned
    assert report_html.RUO_NOTE in page


# --- small tables -----------------------------------------------------------------------------

CAUSE = "3000 read pairs < 10000; bin noise sd 0.586 > 0.4 (log2)"


def cohort_calls() -> pd.DataFrame:
    """Three patients (A reduced, B not evaluable at day 21, C not amplified at baseline) and
    a normal, with the columns the calls table gives."""
    rows = [
        # sample, patient, kind, day, log2, se, amplified, evaluable, lod, locus_pcn, reason
        ("A-d0", "A", "plasma", 0, 1.32, 0.05, True, True, 2.4, 5.1, "amplified: segment"),
        ("A-d21", "A", "plasma", 21, 0.32, 0.05, True, True, 2.3, 2.4, "amplified: baseline"),
        ("B-d0", "B", "plasma", 0, 1.0, 0.05, True, True, 2.4, 4.1, "amplified: segment"),
        ("B-d21", "B", "plasma", 21, np.nan, np.nan, False, False, np.nan, np.nan,
         f"not evaluable: {CAUSE}"),
        ("C-d0", "C", "plasma", 0, 0.27, 0.08, False, True, 2.78, 2.41, "not amplified: gene"),
        ("C-d21", "C", "plasma", 21, 0.22, 0.08, False, True, 2.72, 2.34, "not amplified: gene"),
        ("N1", "", "normal", None, -0.02, 0.08, False, True, 2.6, 1.97, "not amplified: gene"),
    ]  # fmt: skip
    columns = ["sample", "patient", "kind", "timepoint", "erbb2_log2", "erbb2_se_log2",
               "amplified", "evaluable", "lod_pcn", "locus_pcn", "reason"]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    table["timepoint"] = table["timepoint"].astype("Int64")
    table["erbb2_pcn"] = 2 * 2 ** table["erbb2_log2"]
    table["locus_source"] = np.where(table["evaluable"], "segment", "")
    table["erbb2_z"] = [26.4, 6.1, 20.0, np.nan, 3.1, 2.7, -0.3]
    table["focal_z"] = [22.9, 5.0, 18.0, np.nan, 2.0, 1.0, 0.1]
    table["tracks"] = [2, 2, 2, 2, 2, 1, 2]
    table["tracks_reason"] = ["", "", "", "", "", "C-d21 has no measured fragment lengths", ""]
    table["sw_z"] = [30.2, 4.9, 23.5, np.nan, 3.4, np.nan, 0.2]
    table["sw_focal_z"] = [26.0, 4.4, 20.1, np.nan, 2.2, np.nan, -0.4]
    table["call_track"] = ["all", "size_weighted", "all", "", "", "", ""]
    table["tumour_fraction"] = [0.171, 0.077, np.nan, np.nan, np.nan, np.nan, np.nan]
    table["tf_low"] = [0.104, 0.030, np.nan, np.nan, np.nan, np.nan, np.nan]
    table["tf_high"] = [0.293, 0.116, 0.05, np.nan, 0.05, 0.05, 0.04]
    table["tf_detected"] = [True, True, False, False, False, False, False]
    table["tf_evaluable"] = [True, True, True, False, True, True, True]
    return table


def response_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return classify(cohort_calls())


# --- the cohort summary -------------------------------------------------------------------------


def test_patients_page_gives_each_patient_response_and_reason() -> None:
    _, patients = response_tables()
    page = report_html.patients_page(patients)
    assert_self_contained(page)
    table = read_page(page)
    assert table.header == [
        "Patient", "Baseline ERBB2 call", "Early response", "Last response", "Why ERBB2 fell",
        "Reason",
    ]  # fmt: skip
    by_patient = {row[0]: row for row in table.rows}
    assert list(by_patient) == ["A", "B", "C"]
    assert by_patient["A"][1] == f"amplified, pCN {2 * 2**1.32:.2f} (gene bins) / A-d0, day 0"
    assert by_patient["A"][2] == "reduced / day 21 (A-d21)"
    assert by_patient["B"][2] == "not evaluable / day 21 (B-d21)"
    assert by_patient["C"][1].startswith("not amplified, pCN 2.41 (gene bins)")
    assert by_patient["C"][2].startswith("not amplified at baseline")
    # The reason in full, as the patients table has it (escaped in the page, read back whole).
    for row, reason in zip(table.rows, patients["reason"], strict=True):
        assert row[-1] == reason
    assert CAUSE in by_patient["B"][-1]
    assert "read pairs &lt; 10000" in page and "read pairs < 10000" not in page  # escaped
    # Not-evaluable rows are marked; the response's swatch is its colour in the figures.
    assert table.classes == ["", "not-evaluable", ""]
    assert f"background:{RESPONSE_LOOK['reduced'].colour}" in table.swatches
    assert f"background:{RESPONSE_LOOK['not_evaluable'].colour}" in table.swatches


def test_patients_page_says_when_the_last_draw_is_the_early_one_and_when_there_is_none() -> None:
    _, patients = response_tables()
    alone = patients.iloc[[0]].assign(
        n_on_treatment=0, early_sample="", early_response="", last_sample="", last_response=""
    )
    table = read_page(report_html.patients_page(pd.concat([patients, alone], ignore_index=True)))
    assert table.rows[0][3] == "as early (one on-treatment draw)"
    assert table.rows[-1][2:4] == ["no on-treatment draw", "no on-treatment draw"]


def test_timepoints_page_gives_each_draw_its_response_numbers_and_reason() -> None:
    timepoints, _ = response_tables()
    page = report_html.timepoints_page(timepoints)
    assert_self_contained(page)
    table = read_page(page)
    assert table.header[:4] == ["Patient", "Draw", "Day", "Response"]
    rows = {row[1]: row for row in table.rows}
    assert rows["A-d21"][3] == "reduced"
    assert rows["A-d21"][5] == f"{(2 * 2**0.32 - 2) / (2 * 2**1.32 - 2):.0%}"  # excess left
    assert rows["B-d21"][-2] == f"this draw is not evaluable: {CAUSE}"
    assert table.classes[list(rows).index("B-d21")] == "not-evaluable"


# --- the calls --------------------------------------------------------------------------------


def test_calls_page_puts_the_readers_columns_first_and_marks_not_evaluable() -> None:
    calls = cohort_calls()
    page = report_html.calls_page(calls)
    assert_self_contained(page)
    table = read_page(page)
    assert table.header[:8] == [
        "Sample", "Patient", "Day", "Kind", "ERBB2 call", "ERBB2 pCN, gene bins (95% CI)",
        "Locus pCN (the call's)", "z (SE above diploid)",
    ]  # fmt: skip
    rows = {row[0]: row for row in table.rows}
    assert rows["B-d21"][4] == "NOT EVALUABLE"
    assert table.classes == ["not-evaluable" if s == "B-d21" else "" for s in calls["sample"]]
    assert rows["A-d0"][4] == "amplified" and rows["C-d0"][4] == "not amplified"
    # The gene-bin pCN with the 95% interval the trajectory draws; the locus pCN beside it.
    low, high = pcn_interval(np.array([1.32]), np.array([0.05]))
    pcn = 2 * 2**1.32
    assert rows["A-d0"][5] == f"{pcn:.2f} ({low[0]:.2f}-{high[0]:.2f})"
    assert rows["A-d0"][6] == "5.10 (segment)"
    assert rows["A-d0"][-2] == "17.1% (10.4%-29.3%)"
    assert rows["C-d0"][-2] == "not detected" and rows["B-d21"][-2] == "not evaluable"
    assert rows["B-d21"][-1] == f"not evaluable: {CAUSE}"
    assert rows["N1"][7] == "-0.3"
    # The size-weighted track: its z (focal z), which track called, or why it was not tested.
    weighted = table.header.index("Size-weighted z (focal z)")
    assert rows["A-d0"][weighted] == "30.2 (26.0)"
    assert rows["A-d21"][weighted] == "4.9 (4.4) called on this track"
    assert rows["C-d21"][weighted] == "not tested: C-d21 has no measured fragment lengths"
    assert rows["B-d21"][weighted] == "" and rows["N1"][weighted] == "0.2 (-0.4)"
    # A calls table from before the tracks (or CNVkit output from elsewhere) still reads.
    old = calls.drop(columns=["tracks", "tracks_reason", "sw_z", "sw_focal_z", "call_track"])
    assert {row[weighted] for row in read_page(report_html.calls_page(old)).rows} == {""}


def test_qc_page_gives_every_sample_and_its_qc_reason() -> None:
    qc = pd.DataFrame(
        {
            "sample": ["S1", "S2"], "patient": ["P", "P"], "kind": ["plasma", "plasma"],
            "timepoint": [1, 22], "sex": ["female", "female"], "read_pairs": [113_770, 3_000],
            "mapped_fraction": [0.99, 0.98], "duplicate_fraction": [0.05, 0.043],
            "fragment_mode": [157, 167], "short_fraction": [0.41, 0.36],
            "mapd": [0.09, 0.6], "noise_sd": [0.1, 0.586],
            "evaluable": ["true", "false"], "reason": ["", CAUSE],
        }
    )  # fmt: skip
    page = report_html.qc_page(qc)
    assert_self_contained(page)
    table = read_page(page)
    assert table.rows[0][5:8] == ["113,770", "99.0%", "5.0%"]
    assert table.rows[1][-2:] == ["NOT EVALUABLE", CAUSE]
    assert table.classes == ["", "not-evaluable"]


# --- the home page ----------------------------------------------------------------------------


def facts() -> dict[str, object]:
    return report_html.run_facts(
        version="9.8.7",
        date=datetime(2026, 11, 30, 22, 56, tzinfo=UTC),
        fasta="/refs/GRCh38/genome.fa",
        build="GRCh38",
        gene="ERBB2",
        erbb2={"z_min": 5.0, "focal_z_min": 3.0, "min_read_pairs": 10000, "max_noise_sd": 0.4,
               "max_lod_pcn": 20, "min_flank_bins": 5},
        response={"reduction": 0.5, "undetectable_level": 0.5, "clone_loss_margin": 2.0},
    )  # fmt: skip


def test_home_page_states_version_date_reference_and_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    report_html.write_run_facts(facts(), path)
    assert json.loads(path.read_text())["fasta"] == "genome.fa"
    text = report_html.home_page(path)
    assert "- Pipeline: cfdna-erbb2 version **9.8.7**" in text
    assert "- Run date (tables assembled): 2026-11-30 22:56 UTC" in text
    assert "- Reference: ``genome.fa`` (GRCh38); gene ERBB2" in text
    assert "``results/provenance.json``" in text
    for words in (
        "at least 5.0 standard errors above diploid (``erbb2.z_min``)",
        "fewer than 10,000 read pairs",
        "at least 50% from baseline",
        "could have detected 50% of the baseline excess",
        "at least 2.0x",
    ):
        assert words in text, words  # fmt: skip
    # Valid reStructuredText: a readable list, no docutils error in the page.
    html = publish_parts(text, writer="html")["html_body"]
    assert "system-message" not in html and html.count("<li>") == 9
    assert "{'z_min'" not in html


def test_home_page_says_when_the_run_wrote_no_facts(tmp_path: Path) -> None:
    assert "Run facts not found" in report_html.home_page(tmp_path / "missing.json")
    unknown = {**facts(), "build": ""}  # run_facts of a FASTA of no known build
    assert "- Reference: ``genome.fa`` (build not recognised)" in report_html.home_rst(unknown)


# --- the calls table and the QC table as a reader gets them ------------------------------------


def test_calls_table_puts_the_readers_columns_first() -> None:
    measured = cohort_calls().drop(columns=["patient", "kind", "timepoint"])
    measured["mapd"] = 0.1
    sheet = cohort_calls()[["sample", "patient", "kind", "timepoint"]]
    table = assemble(measured.iloc[::-1].to_dict("records"), sheet)
    present = [c for c in READER_COLUMNS if c in table.columns]
    assert list(table.columns[: len(present)]) == present
    assert list(table.columns[:6]) == ["sample", "patient", "timepoint", "kind", "amplified",
                                       "erbb2_pcn"]  # fmt: skip
    assert table.columns[-1] == "mapd"


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ({"reason": "amplified: segment log2 1.339 is 26.4 SE", "evaluable": "true",
          "locus_pcn": 5.06, "erbb2_pcn": 5.76, "locus_source": "segment"},
         "amplified: segment log2 1.339 is 26.4 SE; locus pCN 5.06 (segment: what the call "
         "rests on), gene-bin pCN 5.76 (what the trajectory plots)"),
        ({"reason": "not evaluable: too noisy", "evaluable": False, "locus_pcn": 2.0,
          "erbb2_pcn": 2.1},
         "not evaluable: too noisy"),
    ],
)  # fmt: skip
def test_calls_reason_labels_both_copy_numbers(row: dict[str, object], words: str) -> None:
    assert reason_text(row) == words


def test_qc_table_reason_is_a_qc_reason(tmp_path: Path) -> None:
    metrics = []
    for sample in ("S1", "S2"):
        path = tmp_path / f"{sample}.json"
        path.write_text(json.dumps({"sample": sample, "read_pairs": 1000, "mapped_fraction": 1,
                                    "duplicate_fraction": 0.05, "fragments_counted": 10,
                                    "fragment_mode": 167, "fragment_median": 166,
                                    "short_fraction": 0.1}))  # fmt: skip
        metrics.append(path)
    calls = pd.DataFrame(
        {
            "sample": ["S1", "S2"], "patient": ["P", "P"], "kind": ["plasma", "plasma"],
            "timepoint": [1, 22], "sex": ["female"] * 2, "x_ratio": [1.0] * 2,
            "y_ratio": [0.0] * 2, "mapd": [0.1, 0.6], "noise_sd": [0.1, 0.586],
            "evaluable": ["true", "false"],
            "reason": ["amplified: segment log2 1.3 is 26 SE above diploid",
                       f"not evaluable: {CAUSE}"],
        }
    )  # fmt: skip
    calls.to_csv(tmp_path / "calls.tsv", sep="\t", index=False)
    table = qc_table(metrics, tmp_path / "calls.tsv")
    assert list(table.columns) == list(QC_COLUMNS)
    assert list(table["reason"]) == ["", CAUSE]
