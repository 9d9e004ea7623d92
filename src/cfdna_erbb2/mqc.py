"""The pipeline's own per-sample numbers as MultiQC custom content, and MultiQC's config.

MultiQC reads the tools' standard outputs itself (``samtools stats``,
``idxstats``); what only this pipeline knows it reads from ``*_mqc.yaml`` files
(MultiQC's "custom content", https://docs.seqera.io/multiqc/custom_content):

- :func:`metrics_section`: one row per sample, from ``results/qc/qc.tsv`` and
  ``results/erbb2/calls.tsv``: read pairs, duplicates, fragment mode and short fraction, bin
  noise, the ERBB2 plasma copy number (gene bins and locus), its z, limit of detection and
  call, and the tumour fraction where it was detected;
- :func:`fragment_section`: each sample's fragment-length distribution (``{sample}.fraglen.tsv``)
  as a line plot, in % of the sample's fragments so that deep and shallow samples compare;
- :func:`report_config`: the report's title, the version in its header, and no update check
  (MultiQC would otherwise ask the internet for its latest version at every run).

Values are copied from the tables, never recomputed; columns are found by name, and a column
a table lacks (an older calls table without tumour fraction) is left out of the section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import GENE, __version__
from .tsv import parse_bool

#: Section IDs (MultiQC anchors in the report, and the order of the custom content).
METRICS_ID = "cfdna_erbb2_metrics"
FRAGMENTS_ID = "cfdna_erbb2_fragment_lengths"


@dataclass(frozen=True)
class Column:
    """One column of the metrics section: where the value comes from (``table`` 'qc' or
    'calls', ``source`` its column), how it is scaled (``factor``: 100 for a fraction shown
    in %) and MultiQC's header (title, description with the unit, number format)."""

    table: str
    source: str
    title: str
    description: str
    fmt: str = "{:,.2f}"
    factor: float = 1.0
    suffix: str = ""
    scale: str | bool = "Blues"


COLUMNS: tuple[Column, ...] = (
    Column("qc", "read_pairs", "Read pairs", "Sequenced read pairs", fmt="{:,.0f}"),
    Column(
        "qc",
        "duplicate_fraction",
        "Duplicates",
        "Duplicate fraction of mapped primary reads (samtools markdup), %",
        fmt="{:,.1f}",
        factor=100.0,
        suffix="%",
        scale="Reds",
    ),
    Column(
        "qc",
        "fragment_mode",
        "Fragment mode",
        "Most common fragment length of non-duplicate pairs, bp (cfDNA: near 167 bp)",
        fmt="{:,.0f}",
        suffix=" bp",
    ),
    Column(
        "qc",
        "short_fraction",
        "Short",
        "Fragments shorter than 150 bp, % (tumour DNA is shorter)",
        fmt="{:,.1f}",
        factor=100.0,
        suffix="%",
        scale="Purples",
    ),
    Column(
        "qc",
        "noise_sd",
        "Bin noise",
        "Bin-to-bin noise of the copy ratios, robust SD (log2)",
        fmt="{:,.3f}",
        scale="Oranges",
    ),
    Column(
        "calls",
        "erbb2_pcn",
        f"{GENE} pCN (gene)",
        f"Plasma copy number of the bins labelled {GENE}, copies (2 = no gain)",
        scale="RdYlBu-rev",
    ),
    Column(
        "calls",
        "locus_pcn",
        "Locus pCN",
        f"Plasma copy number of the locus the {GENE} call rests on (amplicon segment or gene "
        "bins), copies",
        scale="RdYlBu-rev",
    ),
    Column(
        "calls",
        "erbb2_z",
        f"{GENE} z",
        "Standard errors the locus stands above diploid",
        fmt="{:,.1f}",
        scale="RdYlBu-rev",
    ),
    Column(
        "calls",
        "lod_pcn",
        "LOD pCN",
        "Limit of detection: the smallest locus copy number this sample would have called "
        "amplified, copies",
        scale="Greys",
    ),
    Column(
        "calls",
        "call",
        f"{GENE} call",
        "amplified, not amplified, or not evaluable (the sample cannot support a call)",
        fmt="{}",
        scale=False,
    ),
    Column(
        "calls",
        "tumour_fraction",
        "Tumour fraction",
        "Share of plasma DNA from the tumour, genome-wide fit, %; empty unless detected",
        fmt="{:,.1f}",
        factor=100.0,
        suffix="%",
        scale="Greens",
    ),
)


def _call_words(calls: pd.DataFrame) -> pd.Series:
    """The ERBB2 call of each row in words, from ``amplified`` and ``evaluable``."""
    amplified = calls["amplified"].map(parse_bool).fillna(False).astype(bool)
    evaluable = calls["evaluable"].map(parse_bool).fillna(False).astype(bool)
    words = amplified.map({True: "amplified", False: "not amplified"})
    return words.where(evaluable, "not evaluable")


def _value(raw: object, column: Column) -> float | str | None:
    if column.fmt == "{}":
        return None if pd.isna(raw) else str(raw)
    number = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number) * column.factor


def _header(column: Column) -> dict[str, Any]:
    header: dict[str, Any] = {
        "title": column.title,
        "description": column.description,
        "format": column.fmt,
        "scale": column.scale,
    }
    if column.suffix:
        header["suffix"] = column.suffix
    if column.factor == 100.0:
        header.update(min=0, max=100)
    return header


def metrics_section(qc: pd.DataFrame, calls: pd.DataFrame) -> dict[str, Any]:
    """MultiQC custom content (a table, one row per sample) from the QC table and the calls
    table, both keyed by ``sample``; samples in the calls table's order."""
    calls = calls.assign(call=_call_words(calls)) if "amplified" in calls else calls
    tables = {"qc": qc.set_index("sample"), "calls": calls.set_index("sample")}
    columns = [c for c in COLUMNS if c.source in tables[c.table].columns]
    data: dict[str, dict[str, float | str]] = {}
    for sample in calls["sample"].astype(str):
        row: dict[str, float | str] = {}
        for column in columns:
            table = tables[column.table]
            raw = table.at[sample, column.source] if sample in table.index else None
            value = _value(raw, column)
            if value is not None:
                row[column.source] = value
        data[sample] = row
    return {
        "id": METRICS_ID,
        "section_name": "cfdna-erbb2: per-sample metrics",
        "description": (
            f"The pipeline's own numbers per sample (results/qc/qc.tsv and "
            f"results/erbb2/calls.tsv; units and meaning in config/README.md). The {GENE} "
            "call is the pipeline's; pCN 2 means no gain."
        ),
        "plot_type": "table",
        "pconfig": {"id": f"{METRICS_ID}_table", "title": "cfdna-erbb2: per-sample metrics"},
        "headers": {c.source: _header(c) for c in columns},
        "data": data,
    }


def fragment_section(histograms: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """MultiQC custom content (a line plot) from sample -> fragment-length histogram
    (columns ``length``, bp, and ``count``, fragments): % of each sample's fragments at each
    length from its shortest to its longest fragment, 0 where it has none (the histograms
    list only lengths seen). A sample without fragments gets an empty line."""
    data: dict[str, dict[int, float]] = {}
    for sample, hist in histograms.items():
        counts = pd.Series(
            pd.to_numeric(hist["count"], errors="coerce").to_numpy(),
            index=pd.to_numeric(hist["length"], errors="coerce"),
        ).dropna()
        counts = counts[counts.index.notna()].groupby(level=0).sum()
        total = float(counts.sum())
        if total <= 0:
            data[sample] = {}
            continue
        lengths = range(int(counts.index.min()), int(counts.index.max()) + 1)
        shares = 100.0 * counts.reindex(lengths, fill_value=0.0) / total
        data[sample] = {int(n): round(float(v), 4) for n, v in shares.items()}
    return {
        "id": FRAGMENTS_ID,
        "section_name": "cfdna-erbb2: fragment lengths",
        "description": (
            "Fragment lengths of non-duplicate pairs with both mates on one chromosome "
            "(results/qc/{sample}.fraglen.tsv), in % of each sample's fragments. cfDNA peaks "
            "near 167 bp (one nucleosome); tumour DNA is shorter."
        ),
        "plot_type": "linegraph",
        "pconfig": {
            "id": f"{FRAGMENTS_ID}_plot",
            "title": "cfdna-erbb2: fragment lengths",
            "xlab": "Fragment length (bp)",
            "ylab": "% of fragments",
            "xmin": 0,
            "ymin": 0,
            "tt_label": "{point.x} bp: {point.y:.2f}%",
        },
        "data": data,
    }


def report_config(config_sha256: str, version: str = __version__) -> dict[str, Any]:
    """MultiQC's config for the cohort report: title, the pipeline's version and config
    checksum in the header, the custom content first, no analysis paths (absolute paths of
    this machine), and nothing that reaches the internet: no update check, no AI summary."""
    return {
        "title": "cfdna-erbb2: cohort QC",
        "subtitle": f"{GENE} amplification in serial cell-free DNA. Research use only.",
        "report_header_info": [
            {"Pipeline": f"cfdna-erbb2 {version}"},
            {"Config sha256": config_sha256},
            {"Provenance": "results/provenance.json"},
        ],
        "intro_text": (
            "Sequencing QC of every sample (samtools) and the pipeline's own per-sample "
            f"numbers, {GENE} call included. The response per patient, with its reasons, is "
            "in the Snakemake report; where these results came from in results/provenance.json."
        ),
        "show_analysis_paths": False,
        "software_versions": {"cfdna-erbb2": {"cfdna-erbb2": version}},
        "no_version_check": True,
        "no_ai": True,
        # samtools outputs are named {sample}.stats, .idxstats: the sample's name is the
        # file name without them.
        "extra_fn_clean_exts": [".stats", ".idxstats"],
        "custom_content": {"order": [METRICS_ID, FRAGMENTS_ID]},
        "report_section_order": {
            METRICS_ID: {"order": 1000},
            FRAGMENTS_ID: {"order": 990},
        },
    }
