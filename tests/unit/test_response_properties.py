"""Laws of the response classification (hypothesis): monotone in the signal, invariant to row
order, and never ``undetectable`` for a draw that could not have detected the reduced level."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from cfdna_erbb2.response import ResponseParams, classify

SETTINGS = settings(deadline=None, max_examples=100)

#: Responses that order the strength of the remaining signal; other classes are outside it.
ORDER = {"undetectable": 0, "reduced": 1, "persistent": 2}

pcns = st.floats(min_value=0.5, max_value=12.0, allow_nan=False).map(lambda x: round(x, 3))
lods = st.one_of(
    st.just(math.nan), st.floats(min_value=2.0, max_value=8.0).map(lambda x: round(x, 3))
)


@st.composite
def draws(draw: st.DrawFn, sample: str, patient: str, day: int) -> dict[str, object]:
    evaluable = draw(st.booleans())
    return {
        "sample": sample,
        "patient": patient,
        "kind": "plasma",
        "timepoint": day,
        "erbb2_pcn": draw(pcns) if evaluable else draw(st.one_of(st.just(math.nan), pcns)),
        "amplified": draw(st.booleans()),
        "evaluable": evaluable,
        "lod_pcn": draw(lods),
        "reason": "",
    }


@st.composite
def cohorts(draw: st.DrawFn) -> pd.DataFrame:
    """1-3 patients with 1-4 draws each (random calls), plus 0-2 healthy-donor normals."""
    rows: list[dict[str, object]] = []
    for p in range(draw(st.integers(1, 3))):
        days = draw(st.lists(st.integers(-10, 200), min_size=1, max_size=4, unique=True))
        rows += [draw(draws(f"S{p}-{d}", f"P{p}", d)) for d in days]
    for n in range(draw(st.integers(0, 2))):
        rows.append(
            {
                "sample": f"N{n}",
                "patient": "",
                "kind": "normal",
                "timepoint": None,
                "erbb2_pcn": draw(pcns),
                "amplified": draw(st.booleans()),
                "evaluable": True,
                "lod_pcn": 2.3,
                "reason": "",
            }
        )
    return pd.DataFrame(rows)


@st.composite
def params(draw: st.DrawFn) -> ResponseParams:
    reduction = draw(st.floats(min_value=0.05, max_value=0.95))
    level = draw(st.floats(min_value=0.01, max_value=1.0 - reduction))
    return ResponseParams(reduction=reduction, undetectable_level=level)


@st.composite
def amplified_patient(draw: st.DrawFn) -> tuple[pd.DataFrame, ResponseParams]:
    """Thresholds, and a patient with an evaluable, amplified baseline (pCN above diploid) and
    one evaluable on-treatment draw whose excess and detectable excess are drawn relative to
    the thresholds, so that both are often crossed, and often only just."""
    p = draw(params())
    base = draw(st.floats(min_value=2.05, max_value=12.0).map(lambda x: round(x, 3)))
    fraction = (1.0 - p.reduction) * draw(st.floats(min_value=-0.2, max_value=2.5))
    lod_fraction = p.undetectable_level * draw(
        st.one_of(st.just(math.nan), st.floats(min_value=0.0, max_value=2.0))
    )
    table = pd.DataFrame(
        [
            {
                "sample": "B",
                "patient": "P",
                "kind": "plasma",
                "timepoint": 0,
                "erbb2_pcn": base,
                "amplified": True,
                "evaluable": True,
                "lod_pcn": 2.3,
            },
            {
                "sample": "T",
                "patient": "P",
                "kind": "plasma",
                "timepoint": 22,
                "erbb2_pcn": round(2.0 + fraction * (base - 2.0), 4),
                "amplified": draw(st.booleans()),
                "evaluable": True,
                "lod_pcn": round(2.0 + lod_fraction * (base - 2.0), 4),
            },
        ]
    )
    return table, p


def response_of(table: pd.DataFrame, sample: str, p: ResponseParams) -> str:
    timepoints, _ = classify(table, p)
    return str(timepoints.set_index("sample").at[sample, "response"])


@SETTINGS
@given(amplified_patient(), st.floats(min_value=0.0, max_value=5.0), st.booleans())
def test_raising_the_signal_never_strengthens_the_response(
    case: tuple[pd.DataFrame, ResponseParams], rise: float, switch_on: bool
) -> None:
    table, p = case
    before = response_of(table, "T", p)
    raised = table.copy()
    raised.loc[raised["sample"] == "T", "erbb2_pcn"] += rise
    if switch_on:
        raised.loc[raised["sample"] == "T", "amplified"] = True
    after = response_of(raised, "T", p)
    if before in ORDER and after in ORDER:
        assert ORDER[after] >= ORDER[before], (before, after)
    # a persistent draw stays persistent: more signal is never a response
    if before == "persistent":
        assert after == "persistent"


@SETTINGS
@given(amplified_patient(), st.floats(min_value=0.0, max_value=5.0))
def test_raising_the_baseline_never_weakens_the_response(
    case: tuple[pd.DataFrame, ResponseParams], rise: float
) -> None:
    table, p = case
    before = response_of(table, "T", p)
    raised = table.copy()
    raised.loc[raised["sample"] == "B", "erbb2_pcn"] += rise
    after = response_of(raised, "T", p)
    if before in ORDER and after in ORDER:
        assert ORDER[after] <= ORDER[before], (before, after)
    if before in ("undetectable", "reduced"):
        assert after == before


@SETTINGS
@given(cohorts(), st.randoms(use_true_random=False), params())
def test_row_order_does_not_matter(table: pd.DataFrame, rnd, p: ResponseParams) -> None:
    order = list(range(len(table)))
    rnd.shuffle(order)
    shuffled = table.iloc[order].reset_index(drop=True)
    for got, want in zip(classify(shuffled, p), classify(table, p), strict=True):
        pd.testing.assert_frame_equal(got, want)


def assert_calls_are_justified(table: pd.DataFrame, p: ResponseParams) -> None:
    """undetectable only where the reduced level was detectable; reduced only where it fell."""
    timepoints, patients = classify(table, p)
    for _, row in timepoints.iterrows():
        if row["response"] == "undetectable":
            assert not row["amplified"] and row["evaluable"]
            assert row["lod_excess"] <= (1.0 - p.reduction) * row["baseline_excess"]
            assert row["lod_excess"] <= p.undetectable_level * row["baseline_excess"]
        if row["response"] == "reduced":
            assert row["amplified"]
            assert row["excess"] <= (1.0 - p.reduction) * row["baseline_excess"]
    # every on-treatment plasma draw is classified once; every patient has a row
    plasma = table[table["kind"] == "plasma"]
    assert len(timepoints) == len(plasma) - plasma["patient"].nunique()
    assert list(patients["patient"]) == sorted(plasma["patient"].unique())


@SETTINGS
@given(cohorts(), params())
def test_undetectable_only_when_the_reduced_level_was_detectable(
    table: pd.DataFrame, p: ResponseParams
) -> None:
    assert_calls_are_justified(table, p)


@SETTINGS
@given(amplified_patient())
def test_undetectable_only_when_detectable_after_an_amplified_baseline(
    case: tuple[pd.DataFrame, ResponseParams],
) -> None:
    assert_calls_are_justified(*case)
