"""From CNVkit files to the calls table: one ERBB2 measurement per sample.

The one path from CNVkit files to calls. :func:`call_draw` measures one sample the way every
caller does: the panel's systematic error leaving the sample itself out, and, for an
on-treatment draw, the amplicon its baseline showed (:func:`amplicon_of`). The workflow runs
it once per sample (a job each, the baseline's job first); :func:`call_cohort` runs it for a
whole sheet in one process (``cfdna-erbb2 from-cnvkit``, the benchmarks).

Every row also carries the sample's tumour fraction (:data:`TF_COLUMNS`,
:mod:`cfdna_erbb2.tumour_fraction`), fitted genome-wide with the ERBB2 locus left out, and
the tumour's own ERBB2 copies at that locus. The fit's segment-level systematic error comes
from the panel of normals (:func:`cfdna_erbb2.tumour_fraction.systematic_from_normals`,
computed once per panel by :func:`panel_table`; a normal's own fit uses the panel without
it), never below the estimator's floor; without normals (or with a panel table made before
tumour fraction was estimated) it is that floor. A normal's chromosome-level scatter is
exactly what a healthy sample would otherwise show as copy-number states, so the panel's
own measure of it is the sound choice; the floor alone is what a flat reference trusts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .cnvio import read_bins, read_segments
from .cohort import baseline_first, baseline_of
from .erbb2 import (
    Erbb2Measurement,
    Erbb2Params,
    bin_noise,
    gene_estimate,
    measure,
    systematic_sd,
)
from .errors import InputError
from .panel import panel_reason, qc_limits_failure
from .qc import has_paired_fragments, paired_share
from .sex import infer_sex
from .tf_informed import informed_estimate, unavailable
from .tsv import fixed, parse_bool
from .tumour_fraction import (
    TumourFractionEstimate,
    TumourFractionParams,
    estimate,
    locus_tumour_copies,
    normal_deviations,
    not_evaluable,
    pooled_systematic,
)

#: Columns of calls.tsv taken from the samples sheet, in front of the measurement.
SHEET_COLUMNS = ("sample", "patient", "kind", "timepoint")
#: Columns of the panel table (results/erbb2/panel.tsv): each normal's ERBB2 log2 measured
#: against a reference without it, its bin-noise SE at the gene's scale and its bin noise
#: (log2), whether it serves in the panel and, if not, why; then the tumour-fraction fit's
#: segment-level systematic sd (log2) from every usable normal (``tf_systematic_sd``, the
#: same in every row: what a plasma draw's fit uses) and from the usable normals other than
#: this one (``tf_systematic_sd_loo``: what this normal's own fit uses). Last, the same
#: normal's ERBB2 log2 and its SE on the size-weighted track (``sw_erbb2_log2``,
#: ``sw_se_noise``; empty without that track), from which that track's systematic sd comes.
PANEL_COLUMNS = (
    "sample", "erbb2_log2", "se_noise", "noise_sd", "usable", "reason",
    "tf_systematic_sd", "tf_systematic_sd_loo", "sw_erbb2_log2", "sw_se_noise",
)  # fmt: skip
#: Tumour-fraction columns of calls.tsv, after the measurement and the sex columns:
#: ``tumour_fraction``, ``tf_low``, ``tf_high`` (fraction, 95% interval; empty unless
#: detected, except ``tf_high``: the upper limit when TF is evaluable), ``tf_detected``,
#: ``tf_evaluable`` (true/false), ``tf_floor`` (the detection floor, fraction),
#: ``tumour_ploidy`` (copies; empty unless detected), ``tf_reason`` (in words: why detected,
#: not detected or not evaluable) and ``erbb2_tumour_copies`` with its 95% interval
#: ``_low``/``_high`` (the tumour's copies at the ERBB2 locus, (pCN - 2(1 - TF)) / TF; empty
#: unless TF is detected and the locus has a value).
TF_COLUMNS = (
    "tumour_fraction", "tf_low", "tf_high", "tf_detected", "tf_evaluable", "tf_floor",
    "tumour_ploidy", "tf_reason", "erbb2_tumour_copies", "erbb2_tumour_copies_low",
    "erbb2_tumour_copies_high",
)  # fmt: skip
#: Tumour-informed TF columns of calls.tsv (on-treatment draws; :mod:`cfdna_erbb2.tf_informed`):
#: ``tf_informed`` with its 95% interval ``tf_informed_low``/``_high`` (fraction), the ratio
#: to the baseline's TF on the same states ``tf_ratio`` with ``_low``/``_high`` (95%),
#: ``tf_informed_detected`` (true/false) and ``tf_informed_reason`` (in words); empty with the
#: reason for baselines, normals, failed draws and baselines without a detected TF.
INFORMED_COLUMNS = (
    "tf_informed", "tf_informed_low", "tf_informed_high", "tf_ratio", "tf_ratio_low",
    "tf_ratio_high", "tf_informed_detected", "tf_informed_reason",
)  # fmt: skip


def params_from_config(erbb2: Mapping[str, object], gene: str) -> Erbb2Params:
    """Erbb2Params from the ``erbb2`` section of the workflow config."""
    known = set(Erbb2Params.__dataclass_fields__)
    values = {k: v for k, v in erbb2.items() if k in known}
    return Erbb2Params(gene=gene, **values)  # type: ignore[arg-type]


def panel_table(
    cnr_paths: Mapping[str, str | Path],
    params: Erbb2Params,
    screened_out: Mapping[str, str] | None = None,
    tf_params: TumourFractionParams | None = None,
    weighted_paths: Mapping[str, str | Path] | None = None,
) -> pd.DataFrame:
    """The panel of normals (columns :data:`PANEL_COLUMNS`), one row per normal.

    ``weighted_paths`` (sample -> size-weighted .cnr, each against a reference without it)
    gives the ``sw_`` columns.

    A normal serves (``usable``) unless it was screened out before the CNVkit reference
    (``screened_out``: sample -> reason, see :func:`cfdna_erbb2.panel.screen_normals`) or
    its own measurement fails :func:`cfdna_erbb2.panel.panel_reason`. Only usable normals
    enter the tumour-fraction systematic sd (each normal is segmented once).
    """
    screened_out = screened_out or {}
    rows, deviations = [], {}
    for sample, path in cnr_paths.items():
        bins = read_bins(path)
        value, se = gene_estimate(bins, params.gene)
        noise = bin_noise(bins)[1]
        reason = screened_out.get(sample) or panel_reason(value, noise, params)
        sw_value, sw_se = math.nan, math.nan
        if weighted_paths is not None and sample in weighted_paths:
            sw_value, sw_se = gene_estimate(read_bins(weighted_paths[sample]), params.gene)
        rows.append(
            {
                "sample": sample,
                "erbb2_log2": value,
                "se_noise": se,
                "noise_sd": noise,
                "usable": not reason,
                "reason": reason,
                "sw_erbb2_log2": sw_value,
                "sw_se_noise": sw_se,
            }
        )
        if not reason:
            deviations[sample] = normal_deviations(bins, tf_params)
    everyone = pooled_systematic(deviations.values(), tf_params)
    for row in rows:
        others = (d for s, d in deviations.items() if s != row["sample"])
        row["tf_systematic_sd"] = everyone
        row["tf_systematic_sd_loo"] = (
            pooled_systematic(others, tf_params) if row["sample"] in deviations else everyone
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


def panel_systematic(
    panel: pd.DataFrame, exclude: str | None, floor: float, track: str = "all"
) -> float:
    """Systematic SD from the panel's usable rows, leaving out ``exclude`` (a normal's own),
    of the all-fragment values or (``track`` "size_weighted") the size-weighted ones; the
    floor for a panel table without that track."""
    prefix = "sw_" if track == "size_weighted" else ""
    value, se = f"{prefix}erbb2_log2", f"{prefix}se_noise"
    if value not in panel.columns or se not in panel.columns:
        return floor
    rows = panel[panel["usable"].map(_truth).astype(bool)] if "usable" in panel.columns else panel
    if exclude is not None:
        rows = rows[rows["sample"] != exclude]
    return systematic_sd(
        pd.to_numeric(rows[value], errors="coerce").to_numpy(dtype=float),
        pd.to_numeric(rows[se], errors="coerce").to_numpy(dtype=float),
        floor,
    )


def panel_tf_systematic(panel: pd.DataFrame | None, sample: str) -> float | None:
    """The tumour-fraction fit's systematic sd (log2) for ``sample`` from :func:`panel_table`:
    the panel without the sample when it is one of the normals, else every usable normal.
    None (the estimator's floor) without a panel or with a panel table made before tumour
    fraction was estimated."""
    if panel is None or "tf_systematic_sd" not in panel.columns or panel.empty:
        return None
    own = panel[panel["sample"].astype(str) == sample]
    if len(own) and "tf_systematic_sd_loo" in panel.columns:
        values = own["tf_systematic_sd_loo"]
    else:
        values = panel["tf_systematic_sd"]
    value = float(pd.to_numeric(values, errors="coerce").iloc[0])
    return value if math.isfinite(value) else None


def sample_qc_failure(
    bins: pd.DataFrame, params: Erbb2Params, read_pairs: int | None = None
) -> str:
    """Why the sample's own QC rules out a tumour fraction ('' when it does not): fewer read
    pairs than ``min_read_pairs``, or bin noise unmeasurable or above ``max_noise_sd`` (the
    limits that also make its ERBB2 call not evaluable). The ERBB2-specific limits (flanks,
    limit of detection) do not: the fit is genome-wide."""
    return qc_limits_failure(read_pairs, bin_noise(bins)[1], params)


def tumour_fraction_row(
    bins: pd.DataFrame,
    segments: pd.DataFrame | None,
    measured: Erbb2Measurement,
    params: Erbb2Params,
    *,
    qc_failure: str = "",
    systematic: float | None = None,
    tf_params: TumourFractionParams | None = None,
) -> dict[str, object]:
    """The :data:`TF_COLUMNS` of one sample: its tumour fraction, fitted with the ERBB2
    measurement's locus left out (so that the amplicon cannot drive it), and the tumour's
    copies at that locus (:func:`cfdna_erbb2.tumour_fraction.locus_tumour_copies` of
    ``locus_log2`` and its standard error ``se_log2``). A sample that fails its own QC
    (``qc_failure``, :func:`sample_qc_failure`) is not evaluable: every value empty, the
    reason given."""
    tf_params = tf_params or TumourFractionParams()
    tf: TumourFractionEstimate
    if qc_failure:
        tf = not_evaluable(tf_params, f"sample QC: {qc_failure}")
    else:
        tf = estimate(
            bins, segments, exclude=_locus(measured), systematic=systematic, params=tf_params
        )
    copies = locus_tumour_copies(measured.locus_log2, measured.se_log2, tf)
    return {
        "tumour_fraction": tf.tumour_fraction,
        "tf_low": tf.tf_low,
        "tf_high": tf.tf_high,
        "tf_detected": tf.detected,
        "tf_evaluable": tf.evaluable,
        "tf_floor": tf.tf_floor,
        "tumour_ploidy": tf.tumour_ploidy,
        "tf_reason": tf.reason,
        "erbb2_tumour_copies": copies.copies,
        "erbb2_tumour_copies_low": copies.low,
        "erbb2_tumour_copies_high": copies.high,
    }


def call_sample(
    cnr: str | Path,
    cns: str | Path | None,
    params: Erbb2Params,
    *,
    systematic: float | None = None,
    read_pairs: int | None = None,
    baseline_locus: tuple[str, int, int] | None = None,
    tf_systematic: float | None = None,
    tf_params: TumourFractionParams | None = None,
    baseline: tuple[str | Path, str | Path | None] | None = None,
    weighted_cnr: str | Path | None = None,
    weighted_systematic: float | None = None,
    unweighted_reason: str = "",
) -> dict[str, object]:
    """Measure one sample from its .cnr (and .cns, and the size-weighted track's .cnr with
    its systematic sd); errors name the file. ``tracks_reason`` says why the call tested one
    coverage track (``unweighted_reason`` when the caller left the weighted track out, see
    :func:`size_weighted_reason`), empty when it tested two.

    The row is the measurement (:class:`cfdna_erbb2.erbb2.Erbb2Measurement`) followed by
    the sample's inferred ``sex`` and the X and Y depth ratios it rests on
    (:func:`cfdna_erbb2.sex.infer_sex`), then its tumour fraction (:data:`TF_COLUMNS`,
    :func:`tumour_fraction_row`; ``tf_systematic`` is the fit's systematic sd, log2) and, for
    an on-treatment draw whose baseline's .cnr (and .cns) are given as ``baseline``, its
    tumour-informed TF (:data:`INFORMED_COLUMNS`, :func:`informed_row`).
    """
    bins = read_bins(cnr)
    segments = read_segments(cns) if cns is not None else None
    weighted = read_bins(weighted_cnr) if weighted_cnr is not None else None
    if weighted is not None:
        _check_same_bins(bins, weighted, cnr, weighted_cnr)
    try:
        result = measure(
            bins,
            segments,
            params,
            systematic=systematic,
            read_pairs=read_pairs,
            baseline_locus=baseline_locus,
            weighted=weighted,
            weighted_systematic=weighted_systematic,
        )
    except ValueError as exc:
        raise InputError(cnr, str(exc), field="gene") from None
    sex = infer_sex(bins)
    tf_params = tf_params or TumourFractionParams()
    failure = sample_qc_failure(bins, params, read_pairs)
    tf = tumour_fraction_row(
        bins,
        segments,
        result,
        params,
        qc_failure=failure,
        systematic=tf_systematic,
        tf_params=tf_params,
    )
    informed = informed_row(bins, baseline, result, failure, tf_systematic, tf_params)
    return {
        **result.to_row(),
        "tracks_reason": _one_track_reason(result.tracks, params, unweighted_reason),
        "sex": sex.sex,
        "x_ratio": sex.x_ratio,
        "y_ratio": sex.y_ratio,
        **tf,
        **informed,
    }


def _one_track_reason(tracks: int, params: Erbb2Params, given: str) -> str:
    """Why a call tested the coverage of all fragments alone ('' with both tracks)."""
    if tracks > 1:
        return ""
    if params.short_fragment_weight == 1:
        return "erbb2.short_fragment_weight is 1: all fragments alone"
    # One track with a weight other than 1: the weighted copy ratios were not given.
    return given or "no size-weighted copy ratios given (e.g. CNVkit output from elsewhere)"


def size_weighted_reason(
    sample: str, metrics: Mapping[str, Any], unpaired_normals: Iterable[str]
) -> str:
    """Why ``sample``'s size-weighted track must not be tested ('' when it may): the sample
    (its :func:`cfdna_erbb2.qc.bam_qc` ``metrics``) or a normal of the panel
    (``unpaired_normals``, :func:`cfdna_erbb2.panel.size_weighted_blockers`) has no measured
    fragment lengths (single-end reads), so its short fragments could not be weighed and the
    track would compare unlike coverages."""
    if not has_paired_fragments(metrics):
        return (
            f"{sample} has no measured fragment lengths (single-end reads?: "
            f"{paired_share(metrics):.0%} of its mapped read pairs measured), so its short "
            "fragments cannot be weighed"
        )
    unpaired = list(unpaired_normals)
    if unpaired:
        return (
            f"normal(s) {', '.join(unpaired)} of the panel have no measured fragment lengths "
            "(single-end reads?), so the size-weighted references do not weigh short fragments"
        )
    return ""


def _check_same_bins(
    bins: pd.DataFrame, weighted: pd.DataFrame, cnr: str | Path, weighted_cnr: str | Path | None
) -> None:
    """The size-weighted track must hold the same bins as the sample's .cnr."""
    keys = ["chromosome", "start", "end"]
    if len(bins) != len(weighted) or not bins[keys].reset_index(drop=True).equals(
        weighted[keys].reset_index(drop=True)
    ):
        raise InputError(
            weighted_cnr or cnr,
            f"the size-weighted copy ratios do not hold the same bins as {cnr} "
            f"({len(weighted)} against {len(bins)} bins): both must come from one bin set",
            field="bins",
        )


def informed_row(
    bins: pd.DataFrame,
    baseline: tuple[str | Path, str | Path | None] | None,
    measured: Erbb2Measurement,
    qc_failure: str,
    systematic: float | None,
    tf_params: TumourFractionParams,
) -> dict[str, object]:
    """The :data:`INFORMED_COLUMNS` of one draw: its TF on the baseline's copy-number states
    (:func:`cfdna_erbb2.tf_informed.informed_estimate`), with the draw's ERBB2 locus left
    out of both; empty with the reason for a baseline, a normal or a draw failing its QC
    (``qc_failure``, :func:`sample_qc_failure`)."""
    if baseline is None:
        return unavailable("not an on-treatment draw").to_row()
    if qc_failure:
        return unavailable(f"sample QC: {qc_failure}").to_row()
    base_cnr, base_cns = baseline
    base_segments = read_segments(base_cns) if base_cns is not None else None
    return informed_estimate(
        bins,
        read_bins(base_cnr),
        base_segments,
        exclude=_locus(measured),
        systematic=systematic,
        params=tf_params,
    ).to_row()


def _locus(measured: Erbb2Measurement) -> tuple[str, int, int]:
    """The measurement's locus (chromosome, start, end), left out of every TF fit."""
    return measured.locus_chrom, int(measured.locus_start), int(measured.locus_end)


def amplicon_of(call: Mapping[str, object]) -> tuple[str, int, int] | None:
    """The amplicon a baseline call found (chromosome, start, end), or None.

    Only an amplified baseline whose locus is a focal segment or a scan window (or was
    itself inherited) defines an amplicon for the patient's later draws.
    """
    try:
        amplified = parse_bool(call.get("amplified"))
    except ValueError:
        amplified = None
    if not amplified or str(call.get("locus_source")) not in ("segment", "scan", "baseline"):
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
    baseline: tuple[str | Path, str | Path | None] | None = None,
    weighted_cnr: str | Path | None = None,
    unweighted_reason: str = "",
) -> dict[str, object]:
    """One sample's measurement (a calls-table row without the sheet's columns).

    ``panel`` is :func:`panel_table` of the normals (None: the systematic floors); the sample
    is left out of its own panel estimates (ERBB2's and the tumour fraction's).
    ``baseline_call`` is the measurement of this draw's baseline when it is an on-treatment
    draw (its amplicon becomes the locus); ``baseline`` that baseline's .cnr and .cns paths
    (for the tumour-informed TF); ``weighted_cnr`` its size-weighted track's .cnr (None,
    with ``unweighted_reason``, when :func:`size_weighted_reason` rules it out).
    """
    floor = params.systematic_sd_floor
    systematic = floor if panel is None else panel_systematic(panel, sample, floor)
    weighted_systematic = (
        floor if panel is None else panel_systematic(panel, sample, floor, "size_weighted")
    )
    baseline_locus = amplicon_of(baseline_call) if baseline_call is not None else None
    return call_sample(
        cnr,
        cns,
        params,
        systematic=systematic,
        read_pairs=read_pairs,
        baseline_locus=baseline_locus,
        tf_systematic=panel_tf_systematic(panel, sample),
        baseline=baseline,
        weighted_cnr=weighted_cnr,
        weighted_systematic=weighted_systematic,
        unweighted_reason=unweighted_reason,
    )


def call_cohort(
    sheet: pd.DataFrame,
    params: Erbb2Params,
    *,
    read_pairs: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The calls table of a whole sheet (columns sample, patient, kind, timepoint, cnr, cns).

    The panel is the sheet's normals (each measured against a reference without it); every
    on-treatment draw is measured over its baseline's amplicon and its tumour fraction also on
    its baseline's copy-number states. ``read_pairs`` (sample ->
    read pairs) feeds the read-pair check where known. ``table.attrs["panel_warnings"]``
    names the normals left out of the panel, and why.
    """
    normals = sheet[sheet["kind"] == "normal"]
    panel = panel_table(dict(zip(normals["sample"], normals["cnr"], strict=True)), params)
    baselines = baseline_of(sheet)
    paths = {
        str(r["sample"]): (r["cnr"], str(r["cns"] or "") or None) for r in sheet.to_dict("records")
    }
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
            baseline=paths[base] if base not in (None, sample) else None,
        )
    table = assemble(({"sample": s, **row} for s, row in measured.items()), sheet)
    table.attrs["panel_warnings"] = panel_warnings(panel)
    return table


def assemble(rows: Iterable[Mapping[str, object]], sheet: pd.DataFrame) -> pd.DataFrame:
    """Join per-sample measurements (each with a ``sample`` key) to the sheet's columns: the
    calls table, the columns a reader needs first (:data:`READER_COLUMNS`, then the others in
    the order the measurement gives them), each reason worded for a reader
    (:func:`reason_text`)."""
    measured = pd.DataFrame(list(rows))
    front = sheet.reset_index(drop=True)[list(SHEET_COLUMNS)]
    table = front.merge(measured, on="sample", how="left", validate="one_to_one")
    table["timepoint"] = table["timepoint"].astype("Int64")
    if "reason" in table.columns:
        table["reason"] = [reason_text(rec) for rec in table.to_dict("records")]
    first = [c for c in READER_COLUMNS if c in table.columns]
    table = table[first + [c for c in table.columns if c not in first]]
    return table.sort_values(["kind", "patient", "timepoint", "sample"], ignore_index=True)


#: The columns of calls.tsv a reader needs first, in this order: who and when, the call, the
#: copy number plotted (gene bins, with the standard error of its 95% interval) and the one
#: the call rests on (the locus), how far it stands above diploid, whether the sample could
#: be called and why, then the tumour fraction. The other columns follow.
READER_COLUMNS = (
    "sample", "patient", "timepoint", "kind", "amplified", "erbb2_pcn", "erbb2_se_log2",
    "locus_pcn", "locus_source", "erbb2_z", "lod_pcn", "evaluable", "reason",
    "tumour_fraction", "tf_low", "tf_high", "tf_detected",
)  # fmt: skip


def reason_text(row: Mapping[str, object]) -> str:
    """A calls-table row's ``reason`` as the table gives it to a reader: for an evaluable
    sample with the two copy numbers named, the
    locus' (what the call and its numbers rest on) and the gene bins' (what the trajectory
    plots), so a number in the reason is never mistaken for the one drawn."""
    words = str(row.get("reason") or "").strip()
    locus, genes = _finite(row.get("locus_pcn")), _finite(row.get("erbb2_pcn"))
    try:
        evaluable = bool(parse_bool(row.get("evaluable")))
    except ValueError:
        evaluable = False
    if not (evaluable and words and math.isfinite(locus) and math.isfinite(genes)):
        return words
    source = str(row.get("locus_source") or "locus")
    return (
        f"{words}; locus pCN {fixed(locus, 2)} ({source}: what the call rests on), "
        f"gene-bin pCN {fixed(genes, 2)} (what the trajectory plots)"
    )


def _finite(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        return math.nan
    return number if math.isfinite(number) else math.nan
