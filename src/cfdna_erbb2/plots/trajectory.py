"""One patient's ERBB2 plasma copy number, and tumour fraction, over the days of treatment."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..cohort import baseline_of
from ..errors import InputError
from .style import (
    BLACK,
    CALL_MARKER,
    CLONE_LOST,
    DARK_GREY,
    DIPLOID_PCN,
    EXPLANATION_WORDS,
    GREY,
    LIGHT_GREY,
    NOT_EVALUABLE,
    RESPONSE_LOOK,
    RESPONSE_ORDER,
    SIZE_TRAJECTORY,
    TF_LOOK,
    call_style,
    calls_made,
    flags,
    new_figure,
    normal_range,
    not_evaluable_words,
    numbers,
    pcn_interval,
    require,
    save,
    text,
)

_PLOT = "plot_patient_trajectory"
_CALLS = (
    "sample",
    "patient",
    "kind",
    "timepoint",
    "erbb2_log2",
    "erbb2_pcn",
    "erbb2_se_log2",
    "lod_pcn",
    "amplified",
    "evaluable",
)
_TIMEPOINTS = ("patient", "sample", "response")
#: Tumour-fraction columns drawn in the lower panel when the calls table has them.
_TF = ("tumour_fraction", "tf_low", "tf_high", "tf_detected", "tf_evaluable", "tf_floor")


def trajectory_figure(
    calls: pd.DataFrame,
    timepoints: pd.DataFrame,
    patient: str,
    *,
    early_response: str | None = None,
) -> Figure:
    """One patient's ERBB2 plasma copy number (pCN) over days since treatment start.

    Each plasma draw is a point at its ``erbb2_pcn`` (copies per diploid genome, from the
    gene bins' log2 ``erbb2_log2``) with its 95% interval
    ``2 * 2**(erbb2_log2 ± 1.96 * erbb2_se_log2)``, where ``erbb2_se_log2`` is the standard
    error (log2) of ``erbb2_log2``. The marker's shape and fill show the call (filled circle
    amplified, open circle not amplified, cross not evaluable), its colour the draw's response
    (the colours of :data:`~cfdna_erbb2.plots.style.RESPONSE_LOOK`, as in the cohort plot;
    black for the baseline, dark grey for a not-evaluable draw, which is labelled "NOT
    EVALUABLE" with its cause from ``reason`` and left out of the line joining the draws). The
    draw's call threshold ``lod_pcn`` (a locus pCN: the call rests on the locus, see
    ``locus_pcn``) is a short black bar (a dashed line when all draws share it), the panel of
    normals' pCN range a grey band (from the ``kind == 'normal'`` rows of ``calls``; absent
    without normals), and pCN 2 (diploid) a dotted line. A draw not called amplified although
    above the normals' range says why: below its detection limit, or a broad gain. The
    baseline is the earliest plasma draw (:func:`cfdna_erbb2.cohort.baseline_of`); later draws
    carry their response from ``timepoints``. The title names the patient and the early
    response: ``early_response`` if given (e.g. from patients.tsv), else the response of the
    earliest on-treatment draw in ``timepoints``.

    The lower panel (sharing the days) shows the draw's tumour fraction (TF, %, from
    ``tumour_fraction`` with its 95% interval ``tf_low``-``tf_high``): a filled diamond when
    detected, an open down-triangle at the detection floor ``tf_floor`` labelled 'not
    detected' when the fit was evaluable but below it, nothing (and 'TF not evaluable')
    otherwise; the floor is a dotted line. An ``undetectable`` or ``reduced`` draw explained
    in ``timepoints`` (column ``explanation``) is labelled there. Without the tumour-fraction
    columns (a calls table made before they existed) the panel says so.

    Needs ``calls``: sample, patient, kind, timepoint, erbb2_log2, erbb2_pcn, erbb2_se_log2,
    lod_pcn, amplified, evaluable (reason is shown for not-evaluable draws and locus_pcn used
    when present; tumour_fraction, tf_low, tf_high, tf_detected, tf_evaluable, tf_floor for
    the lower panel); ``timepoints``: patient, sample, response (fraction_remaining and
    explanation are shown when present).
    """
    require(calls, _CALLS, table_name="calls", plot=_PLOT)
    require(timepoints, _TIMEPOINTS, table_name="timepoints", plot=_PLOT)
    draws = _draws(calls, str(patient))
    baseline = baseline_of(draws)[str(patient)]
    response, remaining = _responses(timepoints, str(patient))
    samples = draws["sample"].tolist()
    if early_response is None:
        on_treatment = [s for s in samples if s != baseline and response.get(s, "")]
        early_response = response[on_treatment[0]] if on_treatment else ""

    fig = new_figure(SIZE_TRAJECTORY)
    ax, ax_tf = fig.subplots(2, 1, sharex=True, height_ratios=[2.3, 1.0])
    normals = normal_range(calls)
    lod = draws["lod_pcn"].to_numpy()
    handles = _draw_references(ax, draws["timepoint"].to_numpy(), lod, normals)
    colours = [_colour(d, baseline, response) for d in draws.to_dict("records")]
    handles += _draw_points(ax, draws, colours)
    handles += _response_handles(draws, baseline, response)
    top = None if normals is None else normals[1]
    for draw in draws.to_dict("records"):
        _label_point(ax, draw, baseline, response, remaining, top)
    _set_limits(ax, draws, normals)
    handles += _draw_tumour_fraction(ax_tf, draws, _explanations(timepoints, str(patient)))
    ax_tf.set_xlabel("day since start of treatment (plasma draw)")
    ax.set_ylabel("ERBB2 plasma copy number, gene bins\n(copies per diploid genome)")
    if early_response:
        early = _words(early_response)
    elif any(s != baseline for s in samples):
        early = "not classified"
    else:
        early = "none (no on-treatment draw)"
    ax.set_title(f"Patient {patient}: ERBB2 in plasma; early molecular response: {early}")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    return fig


def plot_patient_trajectory(
    calls: pd.DataFrame,
    timepoints: pd.DataFrame,
    patient: str,
    out: str | Path,
    *,
    early_response: str | None = None,
) -> Path:
    """Write :func:`trajectory_figure` to ``out`` (.png, .svg or .pdf); returns the path."""
    fig = trajectory_figure(calls, timepoints, patient, early_response=early_response)
    return save(fig, out)


def _draws(calls: pd.DataFrame, patient: str) -> pd.DataFrame:
    """The patient's plasma draws by day: sample, patient, kind, timepoint (days), pcn (gene
    bins), its 95% interval low and high (pCN), lod_pcn and locus_pcn (the call's locus; NaN
    without the column), call and reason."""
    is_draw = (text(calls["patient"]) == patient) & (text(calls["kind"]) == "plasma")
    rows = calls.loc[is_draw.to_numpy()]
    if rows.empty:
        raise InputError(
            calls.attrs.get("path"),
            f"{_PLOT}: patient '{patient}' has no plasma draws in the calls table",
            field="patient",
        )
    low, high = pcn_interval(numbers(rows["erbb2_log2"]), numbers(rows["erbb2_se_log2"]))
    draws = pd.DataFrame(
        {
            "sample": text(rows["sample"]).to_numpy(),
            "patient": patient,
            "kind": "plasma",
            "timepoint": numbers(rows["timepoint"]),
            "pcn": numbers(rows["erbb2_pcn"]),
            "low": low,
            "high": high,
            "lod_pcn": numbers(rows["lod_pcn"]),
            "locus_pcn": (
                numbers(rows["locus_pcn"]) if "locus_pcn" in rows else np.full(len(rows), np.nan)
            ),
            "call": calls_made(rows),
            "reason": text(rows["reason"]).to_numpy() if "reason" in rows else "",
            **_tf_columns(rows),
        }
    )
    return draws.sort_values("timepoint", kind="stable").reset_index(drop=True)


def _tf_columns(rows: pd.DataFrame) -> dict[str, Any]:
    """The draws' tumour fraction (tf, tf_low, tf_high, tf_floor: fractions; tf_detected,
    tf_evaluable), NaN and false without the calls table's tumour-fraction columns."""
    if not all(c in rows.columns for c in _TF):
        nan = np.full(len(rows), np.nan)
        no = np.zeros(len(rows), dtype=bool)
        return {"tf": nan, "tf_low": nan, "tf_high": nan, "tf_floor": nan,
                "tf_detected": no, "tf_evaluable": no, "has_tf": False,
                "inf": nan, "inf_low": nan, "inf_high": nan}  # fmt: skip
    informed = {
        key: numbers(rows[column]) if column in rows.columns else np.full(len(rows), np.nan)
        for key, column in (
            ("inf", "tf_informed"), ("inf_low", "tf_informed_low"),
            ("inf_high", "tf_informed_high"),
        )
    }  # fmt: skip
    return {
        **informed,
        "tf": numbers(rows["tumour_fraction"]),
        "tf_low": numbers(rows["tf_low"]),
        "tf_high": numbers(rows["tf_high"]),
        "tf_floor": numbers(rows["tf_floor"]),
        "tf_detected": flags(rows["tf_detected"]),
        "tf_evaluable": flags(rows["tf_evaluable"]),
        "has_tf": True,
    }


def _explanations(timepoints: pd.DataFrame, patient: str) -> dict[str, str]:
    """The explanation of each of the patient's explained draws, by sample ('' for none)."""
    if "explanation" not in timepoints.columns:
        return {}
    tp = timepoints.loc[(text(timepoints["patient"]) == patient).to_numpy()]
    return dict(zip(text(tp["sample"]), text(tp["explanation"]), strict=True))


def _responses(timepoints: pd.DataFrame, patient: str) -> tuple[dict[str, str], dict[str, float]]:
    """The patient's response class and fraction of the baseline excess remaining, by sample."""
    tp = timepoints.loc[(text(timepoints["patient"]) == patient).to_numpy()]
    response = dict(zip(text(tp["sample"]), text(tp["response"]), strict=True))
    remaining: dict[str, float] = {}
    if "fraction_remaining" in tp.columns:
        remaining = dict(zip(text(tp["sample"]), numbers(tp["fraction_remaining"]), strict=True))
    return response, remaining


def _draw_references(
    ax: Axes, day: np.ndarray, lod: np.ndarray, normals: tuple[float, float, int] | None
) -> list[Line2D | Patch]:
    """The normals' band, the diploid line and the call thresholds; their legend entries."""
    handles: list[Line2D | Patch] = []
    if normals is not None:
        lo_n, hi_n, n_normals = normals
        ax.axhspan(lo_n, hi_n, color=LIGHT_GREY, zorder=0, lw=0)
        handles.append(Patch(color=LIGHT_GREY, label=f"panel of normals, range (n={n_normals})"))
    ax.axhline(DIPLOID_PCN, color=DARK_GREY, ls=":", lw=1.2, zorder=1)
    handles.append(Line2D([], [], color=DARK_GREY, ls=":", label="diploid (pCN 2)"))
    finite_lod = lod[np.isfinite(lod)]
    if finite_lod.size and np.allclose(finite_lod, finite_lod[0]):
        ax.axhline(finite_lod[0], color=BLACK, ls="--", lw=1.2, zorder=1)
        label = f"call threshold, locus pCN {finite_lod[0]:.2f}"
        handles.append(Line2D([], [], color=BLACK, ls="--", label=label))
    elif finite_lod.size:
        ax.plot(day, lod, ls="none", marker="_", ms=34, mew=2.2, color=BLACK, zorder=2)
        label = "call threshold of each draw (locus pCN)"
        handles.append(
            Line2D([], [], ls="none", marker="_", ms=14, mew=2, color=BLACK, label=label)
        )
    return handles


def _colour(draw: dict[str, Any], baseline: str, response: dict[str, str]) -> str:
    """A draw's colour: its response class's (not evaluable: that colour whatever the
    response), black for the baseline and a draw without a response."""
    if draw["call"] == "not evaluable":
        return NOT_EVALUABLE.colour
    klass = "" if draw["sample"] == baseline else response.get(draw["sample"], "")
    return RESPONSE_LOOK[klass].colour if klass in RESPONSE_LOOK else BLACK


def _draw_points(ax: Axes, draws: pd.DataFrame, colours: list[str]) -> list[Line2D | Patch]:
    """Each draw's pCN with its 95% interval, its marker the call (shape and fill) in its
    response's colour; the line joins the evaluable draws only. Legend entries per call."""
    day, pcn = draws["timepoint"].to_numpy(), draws["pcn"].to_numpy()
    joined = np.isfinite(pcn) & (draws["call"] != "not evaluable").to_numpy()
    ax.plot(day[joined], pcn[joined], color=GREY, lw=1, zorder=2)
    for draw, colour in zip(draws.to_dict("records"), colours, strict=True):
        if not np.isfinite(draw["pcn"]):
            continue
        style = call_style(draw["call"], colour)
        at = (draw["timepoint"], draw["pcn"])
        if np.isfinite(draw["low"]) and np.isfinite(draw["high"]):
            below, above = draw["pcn"] - draw["low"], draw["high"] - draw["pcn"]
            ax.errorbar(
                *at, yerr=[[below], [above]], color=style["color"], lw=1.3, capsize=4, zorder=3
            )
        ax.plot(*at, ls="none", **style, ms=9.0, zorder=4)
    return [
        Line2D([], [], ls="none", **call_style(name), ms=8, label=f"draw: {name} (95% CI)")
        for name in CALL_MARKER
        if name in set(draws["call"])
    ]


def _response_handles(
    draws: pd.DataFrame, baseline: str, response: dict[str, str]
) -> list[Line2D | Patch]:
    """One legend entry per response class drawn: its colour, as in the cohort plot."""
    drawn = {response.get(s, "") for s in draws["sample"] if s != baseline}
    return [
        Patch(color=RESPONSE_LOOK[k].colour, label=f"response: {RESPONSE_LOOK[k].words}")
        for k in RESPONSE_ORDER
        if k in drawn
    ]


def _label_point(
    ax: Axes,
    draw: dict[str, Any],
    baseline: str,
    response: dict[str, str],
    remaining: dict[str, float],
    normals_top: float | None,
) -> None:
    """Name a draw above its point: 'baseline', or its response and the excess remaining;
    a not-evaluable draw says so and why; a not-amplified draw above the normals' range
    says why it is not called."""
    if not np.isfinite(draw["pcn"]):
        _label_no_value(ax, draw)
        return
    klass = "" if draw["sample"] == baseline else response.get(draw["sample"], "")
    if draw["call"] == "not evaluable":
        label, colour = "NOT EVALUABLE", NOT_EVALUABLE.colour
        why = not_evaluable_words(draw["reason"], width=26, lines=2)
        label += f"\n{why}" if why else ""
    elif draw["sample"] == baseline:
        label, colour = "baseline", BLACK
    else:
        colour = RESPONSE_LOOK[klass].colour if klass in RESPONSE_LOOK else DARK_GREY
        label = _words(klass)
        frac = remaining.get(draw["sample"], np.nan)
        if label and np.isfinite(frac):
            label += f"\n{frac:.0%} of baseline excess"
    if draw["call"] == "not amplified" and normals_top is not None and draw["pcn"] > normals_top:
        label = "\n".join(part for part in (label, _why_not_called(draw)) if part)
    if not label:
        return
    # Above the error bar and the threshold bar, whichever is higher.
    top = np.fmax(np.fmax(draw["high"], draw["pcn"]), draw["lod_pcn"])
    ax.annotate(
        label,
        (draw["timepoint"], top),
        xytext=(0, 6),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=8.5,
        color=colour,
        fontweight="bold" if draw["sample"] != baseline else "normal",
    )


def _words(klass: str) -> str:
    """A response class as the figures and pages word it (the legend's words)."""
    return RESPONSE_LOOK[klass].words if klass in RESPONSE_LOOK else klass.replace("_", " ")


def _label_no_value(ax: Axes, draw: dict[str, Any]) -> None:
    """A draw without a copy number: 'no value' at the foot of the panel; a not-evaluable one
    gets its cross there, labelled "NOT EVALUABLE" with its cause."""
    at = (draw["timepoint"], 0.04)
    where: dict[str, Any] = {"xycoords": ("data", "axes fraction"), "ha": "center"}
    if draw["call"] != "not evaluable":
        ax.annotate("no value", at, fontsize=8, color=DARK_GREY, **where)
        return
    ax.plot(*at, ls="none", **call_style("not evaluable"), ms=9.0, zorder=4,
            transform=ax.get_xaxis_transform(), clip_on=False)  # fmt: skip
    why = not_evaluable_words(draw["reason"], width=30, lines=3)
    label = "NOT EVALUABLE (no value)" + (f"\n{why}" if why else "")
    ax.annotate(label, at, xytext=(0, 10), textcoords="offset points", va="bottom",
                fontsize=8.5, fontweight="bold", color=NOT_EVALUABLE.colour, zorder=5,
                bbox={"boxstyle": "square,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.9},
                **where)  # fmt: skip


def _why_not_called(draw: dict[str, Any]) -> str:
    """Why a draw above the normals' range is not amplified: its locus is below the draw's
    detection limit, or (at or above it) not focal."""
    level = draw["locus_pcn"] if np.isfinite(draw["locus_pcn"]) else draw["pcn"]
    if np.isfinite(draw["lod_pcn"]) and level >= draw["lod_pcn"]:
        return "not amplified: a broad gain,\nnot focal"
    return "not amplified: below this\ndraw's detection limit"


def _set_limits(ax: Axes, draws: pd.DataFrame, normals: tuple[float, float, int] | None) -> None:
    """y from 0 (or just below the lowest value) to room above for labels; x around the days."""
    lod = draws["lod_pcn"].to_numpy()
    around = [] if normals is None else normals[:2]
    values = np.concatenate(
        [draws["pcn"], draws["low"], draws["high"], lod[np.isfinite(lod)], [DIPLOID_PCN], around]
    )
    values = values[np.isfinite(values)]
    y_lo, y_hi = float(values.min()), float(values.max())
    span = max(y_hi - y_lo, 0.5)
    ax.set_ylim(max(0.0, y_lo - 0.08 * span), y_hi + 0.3 * span)
    day = draws["timepoint"].to_numpy()
    finite_days = np.unique(day[np.isfinite(day)])
    if finite_days.size:
        d_span = max(float(finite_days.max() - finite_days.min()), 10.0)
        ax.set_xlim(finite_days.min() - 0.15 * d_span, finite_days.max() + 0.15 * d_span)
        if finite_days.size <= 10:
            ax.set_xticks(finite_days)
            ax.set_xticklabels([f"{d:g}" for d in finite_days])


def _draw_tumour_fraction(
    ax: Axes, draws: pd.DataFrame, explanations: dict[str, str]
) -> list[Line2D | Patch]:
    """The lower panel: each draw's tumour fraction (%) with its 95% interval, not-detected
    draws at the floor, the floor line; legend entries."""
    ax.set_ylabel("tumour fraction (%)")
    ax.spines[["top", "right"]].set_visible(False)
    if not bool(draws["has_tf"].iloc[0]):
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no tumour-fraction columns in the calls table", ha="center",
                va="center", transform=ax.transAxes, fontsize=9, color=DARK_GREY)  # fmt: skip
        return []
    day = draws["timepoint"].to_numpy()
    detected = draws["tf_detected"].to_numpy(dtype=bool)
    informed = ~detected & np.isfinite(draws["inf_high"].to_numpy(dtype=float))
    below = draws["tf_evaluable"].to_numpy(dtype=bool) & ~detected & ~informed
    floors = draws["tf_floor"].to_numpy(dtype=float)
    floor = float(floors[np.isfinite(floors)].max()) if np.isfinite(floors).any() else math.nan
    shown = (
        np.where(
            detected, draws["tf"], np.where(informed, draws["inf"], np.where(below, floor, np.nan))
        )
        * 100.0
    )
    ax.plot(day[np.isfinite(shown)], shown[np.isfinite(shown)], color=GREY, lw=1, zorder=2)
    if math.isfinite(floor):
        ax.axhline(100.0 * floor, color=DARK_GREY, ls=":", lw=1.2, zorder=1)
    for draw in draws[detected].to_dict("records"):
        low, high = 100.0 * draw["tf_low"], 100.0 * draw["tf_high"]
        at = (draw["timepoint"], 100.0 * draw["tf"])
        ax.errorbar(*at, yerr=[[at[1] - low], [high - at[1]]], color=TF_LOOK.colour,
                    lw=1.3, capsize=4, zorder=3)  # fmt: skip
    ax.plot(day[detected], shown[detected], ls="none", marker="D", ms=7, color=TF_LOOK.colour,
            zorder=4)  # fmt: skip
    for draw in draws[informed].to_dict("records"):
        low, high, at = (100.0 * draw[k] for k in ("inf_low", "inf_high", "inf"))
        ax.errorbar(draw["timepoint"], at, yerr=[[at - low], [high - at]], color=TF_LOOK.colour,
                    lw=1.3, capsize=4, ls="none", zorder=3)  # fmt: skip
    ax.plot(day[informed], shown[informed], ls="none", marker="D", ms=7, mfc="white", mew=1.8,
            color=TF_LOOK.colour, zorder=4)  # fmt: skip
    ax.plot(day[below], shown[below], ls="none", marker="v", ms=8, mfc="white", mew=1.8,
            color=TF_LOOK.colour, zorder=4)  # fmt: skip
    for rec in draws.to_dict("records"):
        _label_tumour_fraction(ax, rec, floor, explanations.get(rec["sample"], ""))
    # Scaled to what is drawn: an undetected draw's upper limit (up to 98% when its profile
    # shows no changes) is not drawn and must not squash the panel.
    tops = np.concatenate([
        100.0 * draws["tf_high"].to_numpy(dtype=float)[detected],
        100.0 * draws["inf_high"].to_numpy(dtype=float)[informed], [300.0 * floor],
    ])  # fmt: skip
    tops = tops[np.isfinite(tops)]
    ax.set_ylim(0.0, min(1.35 * float(tops.max()), 100.0) if tops.size else 10.0)
    return _tf_handles(floor, bool(below.any()), bool(informed.any()))


def _label_tumour_fraction(ax: Axes, rec: dict[str, Any], floor: float, why: str) -> None:
    """'not detected' or 'TF not evaluable' at a draw, and its explanation when there is one."""
    words = []
    if not rec["tf_evaluable"]:
        words.append("TF not evaluable")
    elif not rec["tf_detected"] and math.isfinite(rec["inf_high"]):
        words.append("on the baseline's\nstates")
    elif not rec["tf_detected"]:
        words.append("not detected")
    if why:
        words.append(EXPLANATION_WORDS.get(why, why))
    if not words:
        return
    top = 100.0 * (
        rec["tf_high"]
        if rec["tf_detected"]
        else rec["inf_high"]
        if math.isfinite(rec["inf_high"])
        else floor
    )
    y = top if math.isfinite(top) else 0.0
    lost = why == "erbb2_clone_lost"
    ax.annotate("\n".join(words), (rec["timepoint"], y), xytext=(0, 5),
                textcoords="offset points", ha="center", va="bottom", fontsize=7.5,
                color=CLONE_LOST.colour if lost else DARK_GREY,
                fontweight="bold" if lost else "normal")  # fmt: skip


def _tf_handles(floor: float, not_detected: bool, informed: bool) -> list[Line2D | Patch]:
    """Legend entries of the tumour-fraction panel (not-detected and tumour-informed draws'
    only when drawn)."""
    look: dict[str, Any] = {"ls": "none", "color": TF_LOOK.colour}
    handles: list[Line2D | Patch] = [
        Line2D([], [], marker="D", ms=6, **look, label="tumour fraction (95% CI)")
    ]
    if informed:
        handles.append(Line2D([], [], marker="D", ms=6, mfc="white", mew=1.6, **look,
                              label="TF on the baseline's copy-number states"))  # fmt: skip
    if not_detected:
        handles.append(Line2D([], [], marker="v", ms=7, mfc="white", mew=1.6, **look,
                              label="TF not detected (drawn at the floor)"))  # fmt: skip
    if math.isfinite(floor):
        label = f"TF detection floor ({100 * floor:g}%)"
        handles.append(Line2D([], [], color=DARK_GREY, ls=":", label=label))
    return handles
