"""Every patient's baseline and early on-treatment ERBB2, grouped by molecular response."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .style import (
    BLACK,
    CALL_MARKER,
    CLONE_LOST,
    DARK_GREY,
    DIPLOID_PCN,
    LIGHT_GREY,
    NO_EARLY,
    NOT_EVALUABLE,
    RESPONSE_LOOK,
    RESPONSE_ORDER,
    SIZE_COHORT,
    call_style,
    calls_made,
    new_figure,
    normal_range,
    not_evaluable_words,
    numbers,
    require,
    save,
    text,
)

_PLOT = "plot_cohort"
_PATIENTS = ("patient", "baseline_pcn", "early_sample", "early_response")
_CALLS = ("sample", "kind", "erbb2_pcn", "amplified", "evaluable")
#: Groups top to bottom: the response classes, deepest first, then no on-treatment draw ('').
_GROUPS = (*RESPONSE_ORDER, "")


def cohort_figure(calls: pd.DataFrame, patients: pd.DataFrame) -> Figure:
    """Every patient's baseline and early on-treatment ERBB2 plasma copy number (pCN).

    One row per patient, grouped by early molecular response (undetectable, reduced,
    persistent, not amplified at baseline, not evaluable; then patients with no
    on-treatment draw) and within a group by baseline pCN, highest first. A black bar marks
    the baseline pCN (``baseline_pcn``); an arrow in the response colour leads to the early
    draw's ``erbb2_pcn``, whose marker, in the same colour, is a filled circle when that draw
    was called amplified and an open circle when not (the colours of
    :data:`~cfdna_erbb2.plots.style.RESPONSE_LOOK`, as in the trajectories). A not-evaluable
    early draw gets no arrow: a dark grey cross labelled "NOT EVALUABLE" with its cause (the
    calls table's ``reason``). The grey band is the panel of normals' pCN range, the dotted
    line pCN 2. An early draw whose fall is explained as the loss of the ERBB2-amplified
    clone (``early_explanation`` ``erbb2_clone_lost``: the tumour fraction kept while ERBB2
    vanished) is ringed by an orange square and labelled.

    Needs ``patients``: patient, baseline_pcn, early_sample, early_response (early_timepoint
    and early_explanation are shown when present); ``calls``: sample, kind, erbb2_pcn,
    amplified, evaluable (reason is shown for a not-evaluable early draw when present).
    """
    require(calls, _CALLS, table_name="calls", plot=_PLOT)
    require(patients, _PATIENTS, table_name="patients", plot=_PLOT)
    table = _cohort_table(calls, patients)
    fig = new_figure(SIZE_COHORT)
    ax, ax_legend = fig.subplots(1, 2, width_ratios=[2.4, 1.0])
    ax_legend.set_axis_off()
    n = len(table)
    rows = np.arange(n)[::-1]  # first patient at the top
    normals = normal_range(calls)
    if normals is not None:
        ax.axvspan(normals[0], normals[1], color=LIGHT_GREY, zorder=0, lw=0)
    ax.axvline(DIPLOID_PCN, color=DARK_GREY, ls=":", lw=1.2, zorder=1)
    notes = [
        _draw_patient(ax, row, rec) for row, rec in zip(rows, table.to_dict("records"), strict=True)
    ]
    _label_patients(ax, table, rows)
    x_lo, x_hi = _set_pcn_limits(ax, table, normals)
    for row, rec, why in zip(rows, table.to_dict("records"), notes, strict=True):
        if why:  # beside the baseline bar, on the side with room
            right = rec["baseline"] < x_lo + 0.7 * (x_hi - x_lo)
            note = ax.annotate(
                why,
                (rec["baseline"], row),
                xytext=(8 if right else -8, 0),
                textcoords="offset points",
                ha="left" if right else "right",
                va="center",
                fontsize=8,
                color=DARK_GREY,
                fontweight="bold" if "NOT EVALUABLE" in why else "normal",
            )
            note.set_in_layout(False)  # a long note must not squeeze the panel
    for k in range(1, n):  # thin rule between response groups
        if table["order"].iloc[k] != table["order"].iloc[k - 1]:
            ax.axhline(rows[k] + 0.5, color=LIGHT_GREY, lw=0.8, zorder=0)
    ax.set_xlabel("ERBB2 plasma copy number (copies per diploid genome)")
    ax.set_ylabel("patient (day of early on-treatment draw)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(
        f"ERBB2 in plasma cfDNA, baseline → early on-treatment draw ({n} patients)",
        x=0.02,
        ha="left",
    )
    ax_legend.legend(
        handles=_legend_handles(table, normals),
        loc="upper left",
        fontsize=8,
        frameon=False,
        title="early molecular response",
        title_fontsize=8.5,
        alignment="left",
    )
    return fig


def plot_cohort(calls: pd.DataFrame, patients: pd.DataFrame, out: str | Path) -> Path:
    """Write :func:`cohort_figure` to ``out`` (.png, .svg or .pdf); returns the path."""
    return save(cohort_figure(calls, patients), out)


def _cohort_table(calls: pd.DataFrame, patients: pd.DataFrame) -> pd.DataFrame:
    """One row per patient in drawing order: patient, baseline (pCN), early_sample, klass
    (early response, '' for none), early (pCN), call and reason (of the early draw), day, lost
    (the early draw's explanation is clone loss), order."""
    reasons = text(calls["reason"]) if "reason" in calls else pd.Series([""] * len(calls))
    by_sample = pd.DataFrame(
        {"pcn": numbers(calls["erbb2_pcn"]), "call": calls_made(calls),
         "reason": reasons.to_numpy()},
        index=text(calls["sample"]).to_numpy(),
    )  # fmt: skip
    by_sample = by_sample[~by_sample.index.duplicated()]
    table = pd.DataFrame(
        {
            "patient": text(patients["patient"]).to_numpy(),
            "baseline": numbers(patients["baseline_pcn"]),
            "early_sample": text(patients["early_sample"]).to_numpy(),
            "klass": text(patients["early_response"]).to_numpy(),
        }
    )
    table.loc[~table["klass"].isin(_GROUPS), "klass"] = ""
    table["early"] = table["early_sample"].map(by_sample["pcn"]).astype(float)
    table["call"] = table["early_sample"].map(by_sample["call"]).fillna("")
    table["reason"] = table["early_sample"].map(by_sample["reason"]).fillna("")
    table["day"] = numbers(patients["early_timepoint"]) if "early_timepoint" in patients else np.nan
    table["lost"] = (
        (text(patients["early_explanation"]) == "erbb2_clone_lost").to_numpy()
        if "early_explanation" in patients
        else False
    )
    table["order"] = table["klass"].map({k: i for i, k in enumerate(_GROUPS)})
    return table.sort_values(
        ["order", "baseline", "patient"], ascending=[True, False, True], na_position="last"
    ).reset_index(drop=True)


def _colour(klass: str) -> str:
    return RESPONSE_LOOK[klass].colour if klass in RESPONSE_LOOK else NO_EARLY.colour


def _draw_patient(ax: Axes, row: int, rec: dict[str, Any]) -> str:
    """Draw one patient's baseline bar, arrow and early point on ``row``; returns the note to
    write beside the bar when there is no early value ('' otherwise). A not-evaluable early
    draw gets no arrow (its value is no result): its cross stands alone, labelled."""
    colour = _colour(rec["klass"])
    base, early = float(rec["baseline"]), float(rec["early"])
    call = rec["call"] if rec["call"] in CALL_MARKER else "not evaluable"
    why = not_evaluable_words(str(rec["reason"]), width=34)
    note = ""
    if np.isfinite(base):
        ax.plot(base, row, ls="none", marker="|", ms=11, mew=2.5, color=BLACK, zorder=3)
        if not np.isfinite(early) and rec["early_sample"] and call == "not evaluable":
            note = "early draw NOT EVALUABLE" + (f":\n{why}" if why else "")
        elif not np.isfinite(early):
            note = "no early pCN" if rec["early_sample"] else NO_EARLY.words
    if not np.isfinite(early):
        return note
    if call == "not evaluable":
        ax.plot(early, row, ls="none", **call_style(call), ms=8, zorder=4)
        label = ax.annotate(
            "NOT EVALUABLE" + (f":\n{why}" if why else ""), (early, row), xytext=(8, 0),
            textcoords="offset points", ha="left", va="center", fontsize=7.5,
            fontweight="bold", color=NOT_EVALUABLE.colour,
        )  # fmt: skip
        label.set_in_layout(False)
        return note
    if np.isfinite(base) and abs(early - base) > 1e-9:
        arrow = {
            "arrowstyle": "-|>",
            "color": colour,
            "lw": 1.6,
            "shrinkA": 0,
            "shrinkB": 5,
            "mutation_scale": 10,
        }
        ax.annotate("", xy=(early, row), xytext=(base, row), arrowprops=arrow, zorder=2)
    ax.plot(early, row, ls="none", **call_style(call, colour), ms=7, zorder=4)
    if rec["lost"]:
        ax.plot(early, row, ls="none", marker="s", ms=14, mfc="none", mew=2.0,
                color=CLONE_LOST.colour, zorder=5)  # fmt: skip
        ax.annotate("ERBB2 clone lost", (early, row), xytext=(0, 9), textcoords="offset points",
                    ha="center", va="bottom", fontsize=7.5, fontweight="bold",
                    color=CLONE_LOST.colour)  # fmt: skip
    return note


def _label_patients(ax: Axes, table: pd.DataFrame, rows: np.ndarray) -> None:
    """Name each row's patient (and the day of the early draw) in its response colour."""
    labels = [
        f"{rec['patient']} (day {rec['day']:g})" if np.isfinite(rec["day"]) else rec["patient"]
        for rec in table.to_dict("records")
    ]
    ax.set_yticks(rows)
    ax.set_yticklabels(labels, fontsize=float(np.clip(300 / max(len(table), 1), 4, 9)))
    for tick, klass in zip(ax.get_yticklabels(), table["klass"], strict=True):
        tick.set_color(_colour(klass))
    ax.set_ylim(-0.7, len(table) - 0.3)


def _set_pcn_limits(
    ax: Axes, table: pd.DataFrame, normals: tuple[float, float, int] | None
) -> tuple[float, float]:
    """x limits holding every pCN, diploid and the normals' range; returns them."""
    values = np.concatenate(
        [table["baseline"], table["early"], [DIPLOID_PCN], [] if normals is None else normals[:2]]
    )
    values = values[np.isfinite(values)]
    span = max(float(values.max() - values.min()), 0.5)
    x_lo, x_hi = max(0.0, float(values.min()) - 0.05 * span), float(values.max()) + 0.05 * span
    ax.set_xlim(x_lo, x_hi)
    return x_lo, x_hi


def _legend_handles(
    table: pd.DataFrame, normals: tuple[float, float, int] | None
) -> list[Line2D | Patch]:
    """Each response class with its count, the markers, diploid and the normals' band."""
    counts = table["klass"].value_counts()
    handles: list[Line2D | Patch] = [
        Patch(
            color=RESPONSE_LOOK[k].colour,
            label=f"{RESPONSE_LOOK[k].words} (n={int(counts.get(k, 0))})",
        )
        for k in RESPONSE_ORDER
    ]
    if counts.get("", 0):
        handles.append(Patch(color=NO_EARLY.colour, label=f"{NO_EARLY.words} (n={counts['']})"))
    handles += [
        Line2D([], [], ls="none", marker="|", ms=11, mew=2.5, color=BLACK, label="baseline pCN"),
        *(
            Line2D([], [], ls="none", ms=7, **call_style(call), label=f"early: {call}")
            for call in CALL_MARKER
        ),
        Line2D([], [], color=DARK_GREY, ls=":", label="diploid (pCN 2)"),
    ]
    if normals is not None:
        handles.append(Patch(color=LIGHT_GREY, label=f"panel of normals, range (n={normals[2]})"))
    n_lost = int(table["lost"].sum())
    if n_lost:
        ring: dict[str, Any] = {"ls": "none", "marker": "s", "ms": 11, "mfc": "none", "mew": 2.0}
        label = f"{CLONE_LOST.words} (n={n_lost})"
        handles.append(Line2D([], [], **ring, color=CLONE_LOST.colour, label=label))
    return handles
