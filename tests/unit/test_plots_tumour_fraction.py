"""The tumour fraction in the pictures: the trajectory's lower panel (values, intervals, the
floor for not-detected draws) and clone loss marked in the cohort overview."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.container import ErrorbarContainer
from test_plots import (
    _legend_texts,
    _points,
    _texts,
    calls_table,
    cohort_calls,
    patients_table,
    timepoints_table,
)

from cfdna_erbb2 import plots
from cfdna_erbb2.plots import style

#: Tumour fraction per sample: (TF, low, high, detected, evaluable); others not detected.
TF = {
    "P1-d1": (0.22, 0.19, 0.25, True, True),
    "P1-d22": (0.08, 0.06, 0.10, True, True),
    "P1-d43": (np.nan, np.nan, np.nan, False, True),
    "P4-d22": (np.nan, np.nan, np.nan, False, False),
}
NOT_DETECTED = (np.nan, np.nan, np.nan, False, True)


def calls_with_tf() -> pd.DataFrame:
    calls = calls_table()
    columns = ("tumour_fraction", "tf_low", "tf_high", "tf_detected", "tf_evaluable")
    for i, column in enumerate(columns):
        calls[column] = [TF.get(s, NOT_DETECTED)[i] for s in calls["sample"]]
    calls["tf_floor"] = 0.03
    return calls


def test_trajectory_draws_tumour_fraction_below_erbb2() -> None:
    timepoints = timepoints_table().assign(explanation=["tumour_fraction_fell", "", "", ""])
    fig = plots.trajectory_figure(calls_with_tf(), timepoints, "P1")
    ax = fig.axes[1]
    assert ax.get_ylabel() == "tumour fraction (%)"
    assert _points(ax, markers="D") == [
        (1.0, pytest.approx(22.0), "D", style.TF_LOOK.colour.lower()),
        (22.0, pytest.approx(8.0), "D", style.TF_LOOK.colour.lower()),
    ]
    # Not detected: an open triangle at the floor (3%), labelled so.
    assert _points(ax, markers="v") == [(43.0, pytest.approx(3.0), "v", "#ffffff")]
    assert "not detected" in _texts(ax)
    assert "tumour fraction fell" in _texts(ax)  # the reduced draw's explanation
    floor = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert [list(np.asarray(line.get_ydata())) for line in floor] == [[3.0, 3.0]]
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    drawn = []
    for bar in bars:
        collection = bar.lines[2][0]
        assert isinstance(collection, LineCollection)
        (low, high) = collection.get_segments()[0]
        drawn.append((float(low[1]), float(high[1])))
    assert drawn == [pytest.approx((19.0, 25.0)), pytest.approx((6.0, 10.0))]
    assert "TF not detected (drawn at the floor)" in _legend_texts(fig)
    assert "TF detection floor (3%)" in _legend_texts(fig)
    assert len(_points(fig.axes[0])) == 3  # ERBB2 above, unchanged


def test_trajectory_says_when_tf_is_not_evaluable_and_marks_clone_loss() -> None:
    calls = calls_with_tf()
    calls.loc[calls["sample"] == "P4-d1", ["tumour_fraction", "tf_low", "tf_high"]] = [
        0.3,
        0.27,
        0.33,
    ]
    calls.loc[calls["sample"] == "P4-d1", "tf_detected"] = True
    timepoints = timepoints_table().assign(explanation=["", "", "", "erbb2_clone_lost"])
    ax = plots.trajectory_figure(calls, timepoints, "P4").axes[1]
    assert [(x, y) for x, y, *_ in _points(ax, markers="Dv")] == [(1.0, pytest.approx(30.0))]
    label = [t for t in ax.texts if "ERBB2 clone lost" in t.get_text()]
    assert [t.get_text() for t in label] == ["TF not evaluable\nERBB2 clone lost"]
    assert to_hex(label[0].get_color()) == style.CLONE_LOST.colour.lower()


def test_trajectory_of_an_old_calls_table_says_it_has_no_tumour_fraction() -> None:
    fig = plots.trajectory_figure(calls_table(), timepoints_table(), "P1")
    assert "no tumour-fraction columns in the calls table" in _texts(fig.axes[1])
    assert not _points(fig.axes[1], markers="Dv")


def test_cohort_marks_clone_loss_of_the_early_draw() -> None:
    patients = patients_table().assign(
        early_explanation=["erbb2_clone_lost", "", "", "", "", "tumour_fraction_fell"]
    )
    fig = plots.cohort_figure(cohort_calls(), patients)
    ax = fig.axes[0]
    ring = [(x, y, m) for x, y, m, _face in _points(ax, markers="s")]
    p1_row = 4  # P6 at the top, then P1 (both reduced)
    p1_pcn = float(cohort_calls().set_index("sample").loc["P1-d22", "erbb2_pcn"])
    assert ring == [(pytest.approx(p1_pcn), float(p1_row), "s")]
    (line,) = [line for line in ax.get_lines() if line.get_marker() == "s"]
    assert to_hex(line.get_color()) == style.CLONE_LOST.colour.lower()
    assert "ERBB2 clone lost" in _texts(ax)
    legend = _legend_texts(fig, fig.axes[1])
    assert "ERBB2 clone lost, tumour fraction kept (n=1)" in legend


def test_cohort_without_explanations_marks_nothing() -> None:
    fig = plots.cohort_figure(cohort_calls(), patients_table())
    assert not _points(fig.axes[0], markers="s")
    assert not any("clone lost" in t for t in _legend_texts(fig, fig.axes[1]))
