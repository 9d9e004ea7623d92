"""Which healthy-donor normals may serve in the panel of normals.

One failed library must never silence a cohort: a normal with no reads or a degraded library
pooled into the CNVkit reference shifts every sample's copy ratios, and its ERBB2 value (e.g.
log2 -20 from zero coverage) would dominate the panel's systematic error and so every draw's
limit of detection. A normal serves in the panel only when it passes two gates:

1. **Before the CNVkit reference** (:func:`screen_normals`), from alignment QC and the raw bin
   coverage: at least ``min_read_pairs`` read pairs, and a raw-coverage bin noise (robust SD of
   log2 depth, from differences of neighbouring bins with coverage) of at most
   ``max_noise_sd``: the same limits a sample must meet to be evaluable.
2. **Before the ERBB2 systematic error** (:func:`panel_reason`): its own ERBB2 measurement
   against a reference built without it is finite and its bin noise within ``max_noise_sd``.

A normal left out is still measured and reported (calls.tsv, qc.tsv), with the reason; the
workflow's log and console name it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .cnvio import read_bins
from .erbb2 import Erbb2Params, bin_noise
from .tsv import parse_bool

#: Columns of the screening table (results/cnvkit/reference/panel_members.tsv).
SCREEN_COLUMNS = (
    "sample", "read_pairs", "coverage_noise_sd", "usable", "reason", "paired_fragments",
)  # fmt: skip


def coverage_noise_sd(path: str | Path) -> float:
    """Robust bin noise (log2 SD) of a raw CNVkit coverage file (.cnn), covered bins only;
    NaN without two neighbouring covered bins."""
    bins = read_bins(path)
    if "depth" in bins.columns:
        bins = bins[pd.to_numeric(bins["depth"], errors="coerce").fillna(0.0) > 0]
    return bin_noise(bins)[1]


def qc_limits_failure(
    read_pairs: float | None,
    noise_sd: float,
    params: Erbb2Params,
    *,
    noise: str = "bin noise sd",
    no_bins: str = "no usable bins to measure noise",
) -> str:
    """Which of the sample QC limits (``min_read_pairs``, ``max_noise_sd``) ``read_pairs``
    and ``noise_sd`` (log2) fail, in words ('' for none; ``read_pairs`` None: unknown, not
    checked). ``noise`` and ``no_bins`` name the noise measured."""
    if read_pairs is not None and not read_pairs >= params.min_read_pairs:
        return f"{read_pairs:.0f} read pairs < {params.min_read_pairs}"
    if not math.isfinite(noise_sd):
        return no_bins
    if noise_sd > params.max_noise_sd:
        return f"{noise} {noise_sd:.3f} > {params.max_noise_sd} (log2)"
    return ""


def screen_reason(read_pairs: float, noise_sd: float, params: Erbb2Params) -> str:
    """Why a normal cannot serve in the panel ('' when it can): the QC limits on its raw
    coverage's noise."""
    return qc_limits_failure(
        read_pairs, noise_sd, params, noise="raw bin noise sd",
        no_bins="no covered bins to measure noise",
    )  # fmt: skip


def screen_normals(
    read_pairs: Mapping[str, float],
    coverages: Mapping[str, str | Path],
    params: Erbb2Params,
    paired: Mapping[str, bool] | None = None,
) -> pd.DataFrame:
    """One row per normal (columns :data:`SCREEN_COLUMNS`): may it join the CNVkit reference?

    ``paired`` (sample -> :func:`cfdna_erbb2.qc.has_paired_fragments`; missing: true) fills
    ``paired_fragments``. A normal without measured fragments (single-end reads) still serves
    the reference of all fragments; it makes the size-weighted references meaningless
    (:func:`size_weighted_blockers`)."""
    paired = paired or {}
    rows = []
    for sample, path in coverages.items():
        pairs = float(read_pairs[sample])
        noise = coverage_noise_sd(path) if pairs > 0 else math.nan
        reason = screen_reason(pairs, noise, params)
        rows.append(
            {
                "sample": sample,
                "read_pairs": int(pairs),
                "coverage_noise_sd": noise,
                "usable": not reason,
                "reason": reason,
                "paired_fragments": bool(paired.get(sample, True)),
            }
        )
    return pd.DataFrame(rows, columns=list(SCREEN_COLUMNS))


def panel_reason(erbb2_log2: float, noise_sd: float, params: Erbb2Params) -> str:
    """Why a normal's own measurement (against a reference without it) keeps it out of the
    panel's systematic error ('' when it may serve)."""
    if not math.isfinite(noise_sd):
        return "no usable bins to measure noise"
    if noise_sd > params.max_noise_sd:
        return f"bin noise sd {noise_sd:.3f} > {params.max_noise_sd} (log2)"
    if not math.isfinite(erbb2_log2):
        return f"no usable {params.gene} value"
    return ""


def size_weighted_blockers(path: str | Path) -> list[str]:
    """Normals of a screening table (:func:`screen_normals`, written as TSV) that serve in the
    panel without measured fragment lengths (``paired_fragments`` false): with any of them the
    size-weighted references do not weigh short fragments as a sample's coverage does. A
    table from before that column names none."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    if "paired_fragments" not in table.columns:
        return []
    return [
        str(rec["sample"])
        for rec in table.to_dict("records")
        if parse_bool(rec["usable"]) and parse_bool(rec["paired_fragments"]) is False
    ]


def read_screen(path: str | Path) -> dict[str, str]:
    """sample -> reason ('' when usable) from a screening table (:func:`screen_normals`,
    written as TSV)."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    out: dict[str, str] = {}
    for rec in table.to_dict("records"):
        usable = parse_bool(rec["usable"])
        if usable is None:
            raise ValueError(f"{path}: no usable flag for normal {rec['sample']!r}")
        out[str(rec["sample"])] = "" if usable else (str(rec["reason"]) or "screened out")
    return out
