"""What the demo's Snakemake report says, read as a user reads it: the responses with their
reasons and the ERBB2 calls on pages inside the report, the not-evaluable draw marked, and the
home page's run facts. Uses the session's one demo run and report (conftest)."""

from __future__ import annotations

import base64
import io
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from cfdna_erbb2 import __version__
from cfdna_erbb2.plots.style import RESPONSE_LOOK
from cfdna_erbb2.report_html import RUO_NOTE
from cfdna_erbb2.tsv import fixed

from .conftest import read_tsv

pytestmark = pytest.mark.slow


def embedded(html: str, path: str) -> bytes:
    """A result as the Snakemake report embeds it (base64 data URI under its path)."""
    found = re.search(
        rf'"{re.escape(path)}": {{.*?"data_uri": "data:[^,"]*;base64,([A-Za-z0-9+/=]+)"',
        html,
        flags=re.DOTALL,
    )
    assert found, f"{path} is not in the report"
    return base64.b64decode(found.group(1))


class _Rows(HTMLParser):
    """The rows of a page's table: cell texts, and each row's class."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.classes: list[str] = []
        self._cell: list[str] | None = None
        self._head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self.rows.append([])
            self.classes.append(dict(attrs).get("class") or "")
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._head = False
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def page_rows(report: str, path: str) -> tuple[list[list[str]], list[str]]:
    page = embedded(report, path).decode()
    assert "<script" not in page and RUO_NOTE in page
    parsed = _Rows()
    parsed.feed(page)
    return parsed.rows, parsed.classes


@pytest.fixture(scope="module")
def report(demo_report: Path) -> str:
    return demo_report.read_text(errors="replace")


def test_every_patient_response_and_reason_can_be_read_in_the_report(
    fastq_study: Path, report: str
) -> None:
    patients = read_tsv(fastq_study / "results" / "response" / "patients.tsv")
    rows, classes = page_rows(report, "results/report/patients.html")
    by_patient = {row[0]: row for row in rows}
    assert list(by_patient) == list(patients["patient"])
    for rec in patients.to_dict("records"):
        row = by_patient[rec["patient"]]
        assert row[2].startswith(RESPONSE_LOOK[rec["early_response"]].words), row
        assert row[-1] == rec["reason"]  # the reason in full, readable in the report
        if rec["early_response"] == "not_evaluable":
            # the cause is given, once: no bare ": not_evaluable", no doubled words
            assert re.search(r"not_evaluable \(.+\)$", rec["reason"]), rec["reason"]
            assert "not evaluable (not evaluable" not in rec["reason"]
    assert classes.count("not-evaluable") == int((patients["early_response"] ==
                                                  "not_evaluable").sum())  # fmt: skip
    timepoints = read_tsv(fastq_study / "results" / "response" / "timepoints.tsv")
    draw_rows, _ = page_rows(report, "results/report/timepoints.html")
    assert [row[1] for row in draw_rows] == list(timepoints["sample"])
    assert [row[-2] for row in draw_rows] == list(timepoints["reason"])


def test_the_calls_can_be_read_and_the_not_evaluable_draw_is_marked(
    fastq_study: Path, report: str
) -> None:
    calls = read_tsv(fastq_study / "results" / "erbb2" / "calls.tsv")
    assert list(calls.columns[:5]) == ["sample", "patient", "timepoint", "kind", "amplified"]
    rows, classes = page_rows(report, "results/report/calls.html")
    assert [row[0] for row in rows] == list(calls["sample"])
    bad = list(calls.loc[~calls["evaluable"], "sample"])
    assert bad == ["P05_D22"], bad  # the demo's shallow draw
    for row, klass, rec in zip(rows, classes, calls.to_dict("records"), strict=True):
        if rec["sample"] in bad:
            assert (row[4], klass) == ("NOT EVALUABLE", "not-evaluable")
        else:
            assert row[4] == ("amplified" if rec["amplified"] else "not amplified"), row
        assert row[-1] == rec["reason"]
        # Column 10: the size-weighted track's z (focal z), tested on every demo draw.
        weighted = f"{fixed(rec['sw_z'], 1)} ({fixed(rec['sw_focal_z'], 1)})"
        if rec["call_track"] == "size_weighted":
            weighted += " called on this track"
        tested = rec["tracks"] == 2 and np.isfinite(rec["sw_z"])
        assert row[9] == (weighted if tested else ""), (row, rec)
    # The QC table's reason is the QC reason: empty for a sample that passes.
    qc = read_tsv(fastq_study / "results" / "qc" / "qc.tsv").set_index("sample")
    assert qc.loc[bad, "reason"].str.contains("read pairs < ").all()
    assert qc.drop(index=bad)["reason"].isna().all()


def _banner_share(png: bytes) -> float:
    """The widest share of a row, near the top of a picture, in the not-evaluable grey."""
    image = imread(io.BytesIO(png))[:60, :, :3]
    grey = np.array([0x55, 0x55, 0x55]) / 255
    close = (np.abs(image - grey) < 0.02).all(axis=2)
    return float(close.mean(axis=1).max())


def test_the_not_evaluable_draw_carries_a_banner_on_its_genome_plot(report: str) -> None:
    marked = _banner_share(embedded(report, "results/plots/P05/P05_D22.genome.png"))
    plain = _banner_share(embedded(report, "results/plots/P05/P05_D1.genome.png"))
    assert marked > 0.3 and plain < 0.05, (marked, plain)


def test_home_page_shows_version_run_facts_and_research_use_note(report: str) -> None:
    text = unescape(report.replace('\\"', '"'))
    assert RUO_NOTE in text
    assert f"cfdna-erbb2 version <strong>{__version__}</strong>" in text
    assert re.search(r"Run date \(tables assembled\): \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert "Thresholds used" in text and "erbb2.z_min" in text and "response.reduction" in text
    assert "results/provenance.json" in text
    assert "Configuration: {" not in text  # no raw config dict
