"""Cohort tables assembled from per-sample outputs."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .response import not_evaluable_cause
from .tsv import parse_bool

#: Columns of results/qc/qc.tsv, in order (units in config/README.md).
QC_COLUMNS = (
    "sample", "patient", "kind", "timepoint", "sex", "x_ratio", "y_ratio", "read_pairs",
    "mapped_fraction", "duplicate_fraction", "fragment_mode", "fragment_median",
    "short_fraction", "mapd", "noise_sd", "evaluable", "reason",
)  # fmt: skip


def qc_table(metric_paths: Iterable[str | Path], calls_path: str | Path) -> pd.DataFrame:
    """One row per sample: alignment QC (JSON per sample) joined to copy-ratio noise and
    evaluability from the calls table. ``reason`` is the QC reason: why the sample cannot
    support a call (read pairs, bin noise, detection limit, flanks), empty when it can."""
    metrics = pd.DataFrame([json.loads(Path(p).read_text()) for p in metric_paths])
    calls = pd.read_csv(calls_path, sep="\t", keep_default_na=False, na_values=[""])
    keep = ["sample", "patient", "kind", "timepoint", "sex", "x_ratio", "y_ratio", "mapd",
            "noise_sd", "evaluable", "reason"]  # fmt: skip
    table = calls[keep].merge(metrics, on="sample", how="left", validate="one_to_one")
    table["timepoint"] = table["timepoint"].astype("Int64")
    table["reason"] = [
        "" if parse_bool(evaluable) else not_evaluable_cause(str(reason))
        for evaluable, reason in zip(table["evaluable"], table["reason"].fillna(""), strict=True)
    ]
    return table[list(QC_COLUMNS)]
