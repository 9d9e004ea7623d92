"""The cohort tables as pages a reader opens inside the Snakemake report, and its home page.

Snakemake shows an HTML result inline (a TSV only as a download), so each table the pipeline
writes also gets a page: self-contained HTML (inline CSS, no script, nothing fetched), with
the columns a reader needs first, numbers rounded for reading, and every reason in full:

- :func:`patients_page`: one row per patient (baseline call, early and last response, why
  ERBB2 fell, the reason): the cohort summary;
- :func:`timepoints_page`: the response at every on-treatment draw, with its reason;
- :func:`calls_page`: the ERBB2 call of every sample, not-evaluable samples marked;
- :func:`qc_page`: sequencing and cfDNA quality of every sample.

Response classes carry the colours of the figures (:data:`cfdna_erbb2.plots.style.RESPONSE_LOOK`)
as a swatch beside the word, so a page and a picture read alike. :func:`run_facts` gathers
what the report's home page states about a run (pipeline version, date, reference, the
thresholds used) and :func:`home_rst` words it (reStructuredText, as Snakemake renders the
home page). Every value comes from the tables the pipeline wrote: nothing is recomputed
here except the 95% interval of the gene-bin copy number, with the function the trajectory
plot draws it with (:func:`cfdna_erbb2.plots.style.pcn_interval`).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from .plots.style import (
    CLONE_LOST,
    EXPLANATION_WORDS,
    NO_EARLY,
    NOT_EVALUABLE,
    RESPONSE_LOOK,
    call_of,
    flags,
    numbers,
    pcn_interval,
)
from .tsv import fixed, write_texts

#: Shown on every page (the home page, workflow/report/workflow.rst, says the same).
RUO_NOTE = "Research use only; not for clinical decision-making."
#: Where the tool versions and the config checksum of a run are (written by the workflow).
PROVENANCE = "results/provenance.json"

_CSS = (
    """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       font-size: 14px; color: #222; margin: 1rem 1.25rem; }
h1 { font-size: 1.25rem; margin: 0 0 0.4rem; }
p { max-width: 62rem; line-height: 1.45; margin: 0.3rem 0 0.6rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.55rem; text-align: left;
         vertical-align: top; }
th { background: #f2f2f2; position: sticky; top: 0; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.words { min-width: 16rem; max-width: 42rem; font-size: 0.93em; }
tr.not-evaluable td { background: #f4f4f4; }
.sw { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.35em;
      border-radius: 2px; vertical-align: -0.05em; }
.amp { font-weight: 700; }
small { color: #555; }
p.ruo { font-weight: 700; }
"""
    + f".ne {{ font-weight: 700; color: {NOT_EVALUABLE.colour}; letter-spacing: 0.02em; }}\n"
)


# --- cells -------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float, digits: int) -> str:
    """A number for reading ('' when missing; never '-0.0')."""
    return "" if not math.isfinite(value) else fixed(value, digits)


def _pct(value: float, digits: int = 1) -> str:
    return "" if not math.isfinite(value) else f"{fixed(100.0 * value, digits)}%"


def _with_interval(value: float, low: float, high: float, digits: int) -> str:
    """'3.45 (3.10-3.84)', or the value alone without an interval, '' without a value."""
    if not math.isfinite(value):
        return ""
    if not (math.isfinite(low) and math.isfinite(high)):
        return _num(value, digits)
    return f"{_num(value, digits)} <small>({_num(low, digits)}-{_num(high, digits)})</small>"


def response_cell(klass: str, detail: str = "") -> str:
    """A response class as its figure colour (a swatch) and its words, with ``detail``
    (already HTML) in small type below; '' for no class."""
    if not klass:
        return ""
    look = RESPONSE_LOOK.get(klass, NO_EARLY)
    swatch = f'<span class="sw" style="background:{look.colour}"></span>'
    below = f"<br><small>{detail}</small>" if detail else ""
    return f"{swatch}{_esc(look.words)}{below}"


def call_cell(call: str) -> str:
    """An ERBB2 call ('amplified', 'not amplified', 'not evaluable') for a table cell."""
    if call == "not evaluable":
        return '<span class="ne">NOT EVALUABLE</span>'
    if call == "amplified":
        return '<span class="amp">amplified</span>'
    return _esc(call)


def explanation_cell(explanation: str, reason: str = "") -> str:
    """Why ERBB2 fell, in words (the clone-loss colour of the figures), the numbers below."""
    if not explanation:
        return ""
    words = _esc(EXPLANATION_WORDS.get(explanation, explanation))
    if explanation == "erbb2_clone_lost":
        words = f'<span class="sw" style="background:{CLONE_LOST.colour}"></span>{words}'
    return words + (f"<br><small>{_esc(reason)}</small>" if reason else "")


def _day(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.0f}"


# --- the page ----------------------------------------------------------------------------------


class Column(NamedTuple):
    """A column of a page: its header, how a cell is made (HTML) from a table's row, and its
    kind: '' text, 'num' right-aligned numbers, 'words' long text."""

    header: str
    cell: Callable[[Mapping[str, object]], str]
    kind: str = ""


def html_table(
    rows: Iterable[Mapping[str, object]],
    columns: list[Column],
    row_class: Callable[[Mapping[str, object]], str] | None = None,
) -> str:
    """A table: a header row, then one row per record; cells are HTML already."""
    head = "".join(f"<th>{_esc(c.header)}</th>" for c in columns)
    body = []
    for row in rows:
        klass = row_class(row) if row_class else ""
        attr = f' class="{klass}"' if klass else ""
        cells = "".join(
            f'<td class="{c.kind}">{c.cell(row)}</td>' if c.kind else f"<td>{c.cell(row)}</td>"
            for c in columns
        )
        body.append(f"<tr{attr}>{cells}</tr>")
    rows_html = "\n".join(body)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows_html}\n</tbody>\n</table>"


def page(title: str, intro: str, table: str, source: str) -> str:
    """A self-contained HTML page: title, introduction (HTML), the table, the file it shows."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n<p>{intro}</p>\n{table}\n"
        f"<p><small>Every column: <code>{_esc(source)}</code> (also in this report, to "
        "download).</small></p>\n"
        f'<p class="ruo">{_esc(RUO_NOTE)}</p>\n</body>\n</html>\n'
    )


def _records(table: pd.DataFrame, **derived: object) -> list[dict[str, object]]:
    """The table's rows as dicts, with ``derived`` columns (arrays or lists) added."""
    out = table.assign(**derived) if derived else table
    return list(out.to_dict("records"))


def _float(row: Mapping[str, object], key: str) -> float:
    value = row.get(key)
    try:
        return float(str(value)) if value is not None and str(value).strip() else math.nan
    except ValueError:
        return math.nan


def _str(row: Mapping[str, object], key: str) -> str:
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


_LEGEND = (
    "The coloured square beside a response is its colour in the figures: "
    + ", ".join(
        f'<span class="sw" style="background:{look.colour}"></span>{_esc(look.words)}'
        for look in RESPONSE_LOOK.values()
    )
    + ". Plasma copy number (pCN) is in copies per diploid genome (2 = no gain)."
)


# --- response per patient: the cohort summary ------------------------------------------------


def _baseline_cell(row: Mapping[str, object]) -> str:
    evaluable, amplified = _flag(row, "baseline_evaluable"), _flag(row, "baseline_amplified")
    call = call_of(amplified, evaluable)
    pcn = _float(row, "baseline_pcn")
    value = f", pCN {_num(pcn, 2)} (gene bins)" if evaluable and math.isfinite(pcn) else ""
    where = f"{_str(row, 'baseline_sample')}, day {_day(_float(row, 'baseline_timepoint'))}"
    return f"{call_cell(call)}{_esc(value)}<br><small>{_esc(where)}</small>"


def _response_at(prefix: str) -> Callable[[Mapping[str, object]], str]:
    """The cell of the early or the last response (the last: 'as early' when the patient
    has one on-treatment draw)."""

    def cell(row: Mapping[str, object]) -> str:
        last = _str(row, "last_sample")
        if prefix == "last" and last and last == _str(row, "early_sample"):
            return "<small>as early (one on-treatment draw)</small>"
        klass = _str(row, f"{prefix}_response")
        day = _float(row, f"{prefix}_timepoint")
        detail = f"day {_day(day)} ({_esc(_str(row, f'{prefix}_sample'))})" if klass else ""
        return response_cell(klass, detail) or "<small>no on-treatment draw</small>"

    return cell


def _explanations(row: Mapping[str, object]) -> str:
    """Why ERBB2 fell at the early draw and, when it is another draw, at the last one."""
    early, last = _str(row, "early_explanation"), _str(row, "last_explanation")
    parts = [f"early: {explanation_cell(early)}"] if early else []
    if last and _str(row, "last_sample") != _str(row, "early_sample"):
        parts.append(f"last: {explanation_cell(last)}")
    return "<br>".join(parts)


def patients_page(patients: pd.DataFrame) -> str:
    """The cohort summary: one row per patient of ``patients`` (the patients table)."""
    columns = [
        Column("Patient", lambda r: f"<b>{_esc(_str(r, 'patient'))}</b>"),
        Column("Baseline ERBB2 call", _baseline_cell),
        Column("Early response", _response_at("early")),
        Column("Last response", _response_at("last")),
        Column("Why ERBB2 fell", _explanations),
        Column("Reason", lambda r: _esc(_str(r, "reason")), "words"),
    ]
    rows = _records(patients)
    intro = (
        f"Molecular response of each of the {len(rows)} patients: the baseline (earliest "
        "draw) and its ERBB2 call, the response at the first (early) and the last "
        "on-treatment draw, why ERBB2 fell where it did (the tumour fraction fell, or the "
        "ERBB2-amplified clone was lost), and the reason in words. "
        + _LEGEND
        + " The numbers behind each draw: the page <i>Response per on-treatment draw</i>."
    )
    return page(
        "Response per patient: cohort summary",
        intro,
        html_table(rows, columns, _not_evaluable_row("early_response")),
        "results/response/patients.tsv",
    )


def _not_evaluable_row(column: str) -> Callable[[Mapping[str, object]], str]:
    def klass(row: Mapping[str, object]) -> str:
        return "not-evaluable" if _str(row, column) == "not_evaluable" else ""

    return klass


# --- response per on-treatment draw -----------------------------------------------------------


def timepoints_page(timepoints: pd.DataFrame) -> str:
    """The response at every on-treatment draw of ``timepoints`` (the timepoints table)."""
    columns = [
        Column("Patient", lambda r: _esc(_str(r, "patient"))),
        Column("Draw", lambda r: _esc(_str(r, "sample"))),
        Column("Day", lambda r: _day(_float(r, "timepoint")), "num"),
        Column("Response", lambda r: response_cell(_str(r, "response"))),
        Column("ERBB2 pCN, gene bins", lambda r: _num(_float(r, "erbb2_pcn"), 2), "num"),
        Column("Excess left", lambda r: _pct(_float(r, "fraction_remaining"), 0), "num"),
        Column("Tumour fraction", lambda r: _pct(_float(r, "tumour_fraction")), "num"),
        Column("Reason", lambda r: _esc(_str(r, "reason")), "words"),
        Column(
            "Why ERBB2 fell",
            lambda r: explanation_cell(_str(r, "explanation"), _str(r, "explanation_reason")),
            "words",
        ),
    ]
    rows = _records(timepoints)
    intro = (
        "Each on-treatment draw against its patient's baseline. <i>Excess left</i>: the "
        "ERBB2 excess over 2 copies at this draw as a share of the baseline's (gene-bin "
        "pCN, the value the trajectory plots). <i>Tumour fraction</i>: the share of plasma "
        "DNA from the tumour, genome-wide (or on the baseline's copy-number states), empty "
        "when not detected. " + _LEGEND
    )
    return page(
        "Response per on-treatment draw",
        intro,
        html_table(rows, columns, _not_evaluable_row("response")),
        "results/response/timepoints.tsv",
    )


# --- ERBB2 calls -------------------------------------------------------------------------------


def _locus_cell(row: Mapping[str, object]) -> str:
    pcn = _float(row, "locus_pcn")
    if not math.isfinite(pcn):
        return ""
    return f"{_num(pcn, 2)} <small>({_esc(_str(row, 'locus_source'))})</small>"


def _flag(row: Mapping[str, object], key: str) -> bool:
    """A true/false cell of a row, as a table reads it (missing: false)."""
    return bool(flags(pd.Series([row.get(key, False)]))[0])


def _tf_cell(row: Mapping[str, object]) -> str:
    """The tumour fraction with its 95% interval, or why there is none."""
    if _flag(row, "tf_detected"):
        low, high = _float(row, "tf_low"), _float(row, "tf_high")
        value = _float(row, "tumour_fraction")
        inner = f" <small>({_pct(low)}-{_pct(high)})</small>" if math.isfinite(low) else ""
        return f"{_pct(value)}{inner}"
    if not _flag(row, "tf_evaluable"):
        return "<small>not evaluable</small>"
    return "<small>not detected</small>"


def _weighted_cell(row: Mapping[str, object]) -> str:
    """The locus z and focal z on the size-weighted coverage, marked when that track made the
    call; or why the call tested all fragments alone (empty for a table without tracks)."""
    reason = _str(row, "tracks_reason")
    if reason:
        return f"<small>not tested: {_esc(reason)}</small>"
    z, focal = _float(row, "sw_z"), _float(row, "sw_focal_z")
    if not math.isfinite(z):
        return ""
    cell = f"{_num(z, 1)} <small>({_num(focal, 1)})</small>"
    if _str(row, "call_track") == "size_weighted":
        cell += " <small>called on this track</small>"
    return cell


def calls_page(calls: pd.DataFrame) -> str:
    """The ERBB2 call of every sample of ``calls`` (the calls table), in the table's order."""
    low, high = pcn_interval(numbers(calls["erbb2_log2"]), numbers(calls["erbb2_se_log2"]))
    made = zip(flags(calls["amplified"]), flags(calls["evaluable"]), strict=True)
    rows = _records(calls, _call=[call_of(a, e) for a, e in made], _low=low, _high=high)
    columns = [
        Column("Sample", lambda r: f"<b>{_esc(_str(r, 'sample'))}</b>"),
        Column("Patient", lambda r: _esc(_str(r, "patient"))),
        Column("Day", lambda r: _day(_float(r, "timepoint")), "num"),
        Column("Kind", lambda r: _esc(_str(r, "kind"))),
        Column("ERBB2 call", lambda r: call_cell(str(r["_call"]))),
        Column(
            "ERBB2 pCN, gene bins (95% CI)",
            lambda r: _with_interval(
                _float(r, "erbb2_pcn"), _float(r, "_low"), _float(r, "_high"), 2
            ),
            "num",
        ),
        Column("Locus pCN (the call's)", _locus_cell, "num"),
        Column("z (SE above diploid)", lambda r: _num(_float(r, "erbb2_z"), 1), "num"),
        Column("Focal z", lambda r: _num(_float(r, "focal_z"), 1), "num"),
        Column("Size-weighted z (focal z)", _weighted_cell, "num"),
        Column("Detection limit, locus pCN", lambda r: _num(_float(r, "lod_pcn"), 2), "num"),
        Column("Tumour fraction (95% CI)", _tf_cell, "num"),
        Column("Reason", lambda r: _esc(_str(r, "reason")), "words"),
    ]
    n_bad = sum(1 for r in rows if r["_call"] == "not evaluable")
    intro = (
        "The ERBB2 measurement and call of every sample (plasma draws by patient and day, "
        "then the healthy-donor normals). The call rests on the <i>locus</i> (the amplicon "
        "segment, the baseline's amplicon for an on-treatment draw, or the ERBB2 bins): "
        "<i>z</i> is how many standard errors its log2 stands above diploid, <i>focal z</i> "
        "above its higher flank, and the detection limit the smallest locus pCN the sample "
        "could have called amplified. The same two tests run on the size-weighted coverage "
        "(short fragments, richer in tumour DNA, counted more), each track at thresholds "
        "raised for the two; its log2 is not a copy ratio, so every pCN comes from all "
        "fragments. The trajectory plots the <i>gene-bin</i> pCN, with its "
        "95% interval. pCN is in copies per diploid genome (2 = no gain). "
        f'<span class="ne">NOT EVALUABLE</span> ({n_bad} of {len(rows)}): the sample '
        "could not support a call; its values are shown but are not a result."
    )
    return page(
        "ERBB2 calls per sample",
        intro,
        html_table(rows, columns, lambda r: "not-evaluable" if r["_call"] == "not evaluable"
                   else ""),
        "results/erbb2/calls.tsv",
    )  # fmt: skip


# --- QC -----------------------------------------------------------------------------------------


def qc_page(qc: pd.DataFrame) -> str:
    """Sequencing and cfDNA quality of every sample of ``qc`` (the QC table)."""
    rows = _records(qc, _evaluable=flags(qc["evaluable"]))

    def reads(r: Mapping[str, object]) -> str:
        value = _float(r, "read_pairs")
        return f"{value:,.0f}" if math.isfinite(value) else ""

    columns = [
        Column("Sample", lambda r: f"<b>{_esc(_str(r, 'sample'))}</b>"),
        Column("Patient", lambda r: _esc(_str(r, "patient"))),
        Column("Day", lambda r: _day(_float(r, "timepoint")), "num"),
        Column("Kind", lambda r: _esc(_str(r, "kind"))),
        Column("Sex", lambda r: _esc(_str(r, "sex"))),
        Column("Read pairs", reads, "num"),
        Column("Mapped", lambda r: _pct(_float(r, "mapped_fraction")), "num"),
        Column("Duplicates", lambda r: _pct(_float(r, "duplicate_fraction")), "num"),
        Column("Fragment mode (bp)", lambda r: _num(_float(r, "fragment_mode"), 0), "num"),
        Column("Short (< 150 bp)", lambda r: _pct(_float(r, "short_fraction")), "num"),
        Column("MAPD (log2)", lambda r: _num(_float(r, "mapd"), 3), "num"),
        Column("Noise SD (log2)", lambda r: _num(_float(r, "noise_sd"), 3), "num"),
        Column("Evaluable", lambda r: "yes" if r["_evaluable"] else call_cell("not evaluable")),
        Column("QC reason", lambda r: _esc(_str(r, "reason")), "words"),
    ]
    intro = (
        "Quality of every sample: read pairs sequenced, mapped and duplicate reads, the most "
        "common fragment length (about 167 bp expected) and the share below 150 bp (higher "
        "in tumour-rich plasma), and the spread of the bin log2 copy ratios (MAPD, noise SD; "
        "lower is better). <i>QC reason</i> says why a sample cannot support a call."
    )
    return page(
        "QC of every sample",
        intro,
        html_table(rows, columns, lambda r: "" if r["_evaluable"] else "not-evaluable"),
        "results/qc/qc.tsv",
    )


def write_pages(pages: Mapping[str | Path, str]) -> None:
    """Write each page (path -> HTML) atomically."""
    write_texts(dict(pages))


# --- the run, for the home page -----------------------------------------------------------------


def run_facts(
    *,
    version: str,
    date: datetime,
    fasta: str,
    build: str | None,
    gene: str,
    erbb2: Mapping[str, object],
    response: Mapping[str, object],
) -> dict[str, object]:
    """What the home page states about a run: ``version`` of the pipeline, the ``date`` its
    tables were assembled, the reference FASTA's file name and its ``build`` (None when not
    recognised), the gene, and the ``erbb2`` and ``response`` config sections it used."""
    return {
        "version": version,
        "date": date.strftime("%Y-%m-%d %H:%M %Z").strip(),
        "fasta": Path(fasta).name,
        "build": build or "",
        "gene": gene,
        "erbb2": dict(erbb2),
        "response": dict(response),
    }


def write_run_facts(facts: Mapping[str, object], out: str | Path) -> None:
    write_texts({out: json.dumps(facts, indent=1, sort_keys=True) + "\n"})


def _share(value: object) -> str:
    return f"{fixed(100.0 * float(str(value)), 0)}%"


def _tracks_words(e: Mapping[str, object]) -> str:
    """How the size-weighted track enters the call, when it does."""
    weight = float(str(e.get("short_fragment_weight", 1.0)))
    if weight == 1.0:
        return ""
    return (
        f", on all fragments or on the size-weighted coverage (short fragments counted "
        f"{weight:g} times, ``erbb2.short_fragment_weight``), each test at thresholds raised "
        "for the two"
    )


def threshold_lines(facts: Mapping[str, object]) -> list[str]:
    """The thresholds of a run in words, each with the config key that sets it (RST)."""
    e = dict(facts.get("erbb2", {}))  # type: ignore[call-overload]
    r = dict(facts.get("response", {}))  # type: ignore[call-overload]
    return [
        f"ERBB2 is called **amplified** when its locus stands at least {e['z_min']} standard "
        f"errors above diploid (``erbb2.z_min``) and {e['focal_z_min']} above its higher "
        "flank (``erbb2.focal_z_min``: focal, not an arm gain)" + _tracks_words(e),
        f"A sample is **not evaluable** with fewer than {int(e['min_read_pairs']):,} read "
        f"pairs (``erbb2.min_read_pairs``), bin noise above {e['max_noise_sd']} log2 "
        f"(``erbb2.max_noise_sd``), a detection limit above {e['max_lod_pcn']} copies "
        f"(``erbb2.max_lod_pcn``) or fewer than {e['min_flank_bins']} bins on both flanks "
        "(``erbb2.min_flank_bins``)",
        f"**Reduced**: still amplified, the ERBB2 excess over 2 copies fell by at least "
        f"{_share(r['reduction'])} from baseline (``response.reduction``)",
        f"**Undetectable**: no longer amplified, in a draw that could have detected "
        f"{_share(r['undetectable_level'])} of the baseline excess "
        "(``response.undetectable_level``)",
        f"**ERBB2 clone lost**: a tumour keeping its baseline ERBB2 copies would show at least "
        f"{r.get('clone_loss_margin', 2.0)}x what the draw shows (``response.clone_loss_margin``)",
    ]


def home_rst(facts: Mapping[str, object] | None) -> str:
    """The run's facts for the report's home page, as reStructuredText: the pipeline version,
    the run date, the reference and the thresholds used; ``None`` (the run wrote none yet)
    says so."""
    if facts is None:
        return "- Run facts not found: run the workflow before ``--report``.\n"
    build = str(facts.get("build") or "build not recognised")
    lines = [
        f"- Pipeline: cfdna-erbb2 version **{facts['version']}**",
        f"- Run date (tables assembled): {facts['date']}",
        f"- Reference: ``{facts['fasta']}`` ({build}); gene {facts['gene']}",
        f"- Tool versions and the config checksum: ``{PROVENANCE}``",
        "",
        "**Thresholds used**",
        "",
        *(f"- {line}" for line in threshold_lines(facts)),
    ]
    return "\n".join(lines) + "\n"


def home_page(facts_path: str | Path) -> str:
    """:func:`home_rst` of the facts a run wrote to ``facts_path`` (none when missing)."""
    path = Path(facts_path)
    return home_rst(json.loads(path.read_text()) if path.is_file() else None)
