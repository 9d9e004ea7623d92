"""From CNVkit files to the calls table: one ERBB2 measurement per sample.

The one path from CNVkit files to calls. :func:`call_draw` measures one sample the way every
caller does: the panel's systematic error leaving the sample itself out, and, for an
on-treatment draw, the amplicon its baseline showed (:func:`amplicon_of`). The workflow runs
it once per sample (a job each, the baseline's job first); :func:`call_cohort` runs it for a
whole sheet in one process (``cfdna-erbb2 from-cnvkit``, the benchmarks).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .cnvio import read_bins, read_segments
from .cohort import baseline_first, baseline_of
from .erbb2 import Erbb2Params, bin_noise, gene_estimate, measure, systematic_sd
from .errors import InputError
from .panel import panel_reason
from .sex import infer_sex
from .tsv import parse_bool

#: Columns of calls.tsv taken from the samples sheet, in front of the measurement.
SHEET_COLUMNS = ("sample", "patient", "kind", "timepoint")
#: Columns of the panel table (results/erbb2/panel.tsv): each normal's ERBB2 log2 measured
#: against a reference without it, its bin-noise SE at the gene's scale and its bin noise
#: (log2), whether it serves in the panel and, if not, why.
PANEL_COLUMNS = ("sample", "erbb2_log2", "se_noise", "noise_sd", "usable", "reason")


def params_from_config(erbb2: Mapping[str, object], gene: str) -> Erbb2Params:
    """Erbb2Params from the ``erbb2`` section of the workflow config."""
    known = set(Erbb2Params.__dataclass_fields__)
    values = {k: v for k, v in erbb2.items() if k in known}
    return Erbb2Params(gene=gene, **values)  # type: ignore[arg-type]


def panel_table(
    cnr_paths: Mapping[str, str | Path],
    params: Erbb2Params,
    screened_out: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The panel of normals (columns :data:`PANEL_COLUMNS`), one row per normal.

    A normal serves (``usable``) unless it was screened out before the CNVkit reference
    (``screened_out``: sample -> reason, see :func:`cfdna_erbb2.panel.screen_normals`) or
    its own measurement fails :func:`cfdna_erbb2.panel.panel_reason`.
    """
    screened_out = screened_out or {}
    rows = []
    for sample, path in cnr_paths.items():
        bins = read_bins(path)
        value, se = gene_estimate(bins, params.gene)
        noise = bin_noise(bins)[1]
        reason = screened_out.get(sample) or panel_reason(value, noise, params)
        rows.append(
            {
                "sample": sample,
                "erbb2_log2": value,
                "se_noise": se,
                "noise_sd": noise,
                "usable": not reason,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=list(PANEL_COLUMNS))


def panel_warnings(panel: pd.DataFrame) -> list[str]:
    """One line per normal left out of the panel, naming it and why."""
    left_out = panel[~panel["usable"].map(_truth).astype(bool)]
    return [
        f"WARNING: normal {rec['sample']} is left out of the panel of normals: {rec['reason']}"
        for rec in left_out.to_dict("records")
    ]


def _truth(value: object) -> bool:
    try:
        return bool(parse_bool(value))
    except ValueError:
        return False


def panel_systematic(panel: pd.DataFrame, exclude: str | None, floor: float) -> float:
    """Systematic SD from the panel's usable rows, leaving out ``exclude`` (a normal's own)."""
    rows = panel[panel["usable"].map(_truth).astype(bool)] if "usable" in panel.columns else panel
    if exclude is not None:
        rows = rows[rows["sample"] != exclude]
    return systematic_sd(
        rows["erbb2_log2"].to_numpy(dtype=float), rows["se_noise"].to_numpy(dtype=float), floor
    )


def call_sample(
    cnr: str | Path,
    cns: str | Path | None,
    params: Erbb2Params,
    *,
    systematic: float | None = None,
    read_pairs: int | None = None,
    baseline_locus: tuple[str, int, int] | None = None,
) -> dict[str, object]:
    """Measure one sample from its .cnr (and .cns); errors name the file.

    The row is the measurement (:class:`cfdna_erbb2.erbb2.Erbb2Measurement`) followed by
    the sample's inferred ``sex`` and the X and Y depth ratios it rests on
    (:func:`cfdna_erbb2.sex.infer_sex`).
    """
    bins = read_bins(cnr)
    segments = read_segments(cns) if cns is not None else None
    try:
        result = measure(
            bins,
            segments,
            params,
            systematic=systematic,
            read_pairs=read_pairs,
            baseline_locus=baseline_locus,
        )
    except ValueError as exc:
        raise InputError(cnr, str(exc), field="gene") from None
    sex = infer_sex(bins)
    return {**result.to_row(), "sex": sex.sex, "x_ratio": sex.x_ratio, "y_ratio": sex.y_ratio}


def amplicon_of(call: Mapping[str, object]) -> tuple[str, int, int] | None:
    """The amplicon a baseline call found (chromosome, start, end), or None.

    Only an amplified baseline whose locus is a focal segment (or was itself inherited)
    defines an amplicon for the patient's later draws.
    """
    try:
        amplified = parse_bool(call.get("amplified"))
    except ValueError:
        amplified = None
    if not amplified or str(call.get("locus_source")) not in ("segment", "baseline"):
        return None
    start, end = call.get("locus_start"), call.get("locus_end")
    if start is None or end is None:
        return None
    return str(call["locus_chrom"]), int(str(start)), int(str(end))


def call_draw(
    sample: str,
    cnr: str | Path,
    cns: str | Path | None,
    params: Erbb2Params,
    *,
    panel: pd.DataFrame | None,
    read_pairs: int | None = None,
    baseline_call: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """One sample's measurement (a calls-table row without the sheet's columns).

    ``panel`` is :func:`panel_table` of the normals (None: the systematic floor); the sample
    is left out of its own panel estimate. ``baseline_call`` is the measurement of this
    draw's baseline when it is an on-treatment draw (its amplicon becomes the locus).
    """
    systematic = (
        params.systematic_sd_floor
        if panel is None
        else panel_systematic(panel, sample, params.systematic_sd_floor)
    )
    baseline_locus = amplicon_of(baseline_call) if baseline_call is not None else None
    return call_sample(
        cnr,
        cns,
        params,
        systematic=systematic,
        read_pairs=read_pairs,
        baseline_locus=baseline_locus,
    )


def call_cohort(
    sheet: pd.DataFrame,
    params: Erbb2Params,
    *,
    read_pairs: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The calls table of a whole sheet (columns sample, patient, kind, timepoint, cnr, cns).

    The panel is the sheet's normals (each measured against a reference without it); every
    on-treatment draw is measured over its baseline's amplicon. ``read_pairs`` (sample ->
    read pairs) feeds the read-pair check where known. ``table.attrs["panel_warnings"]``
    names the normals left out of the panel, and why.
    """
    normals = sheet[sheet["kind"] == "normal"]
    panel = panel_table(dict(zip(normals["sample"], normals["cnr"], strict=True)), params)
    baselines = baseline_of(sheet)
    measured: dict[str, dict[str, object]] = {}
    for rec in baseline_first(sheet).to_dict("records"):
        sample = str(rec["sample"])
        base = baselines.get(str(rec["patient"])) if rec["kind"] == "plasma" else None
        measured[sample] = call_draw(
            sample,
            rec["cnr"],
            str(rec["cns"] or "") or None,
            params,
            panel=panel,
            read_pairs=None if read_pairs is None else read_pairs.get(sample),
            baseline_call=measured[base] if base not in (None, sample) else None,
        )
    table = assemble(({"sample": s, **row} for s, row in measured.items()), sheet)
    table.attrs["panel_warnings"] = panel_warnings(panel)
    return table


def read_pairs_from_qc(path: str | Path) -> int:
    return int(json.loads(Path(path).read_text())["read_pairs"])


def assemble(rows: Iterable[Mapping[str, object]], sheet: pd.DataFrame) -> pd.DataFrame:
    """Join per-sample measurements (each with a ``sample`` key) to the sheet's columns."""
    measured = pd.DataFrame(list(rows))
    front = sheet.reset_index(drop=True)[list(SHEET_COLUMNS)]
    table = front.merge(measured, on="sample", how="left", validate="one_to_one")
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table.sort_values(["kind", "patient", "timepoint", "sample"], ignore_index=True)
