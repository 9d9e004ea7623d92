"""Why an ERBB2 amplification fell (cfdna_erbb2.response, column ``explanation``): the tumour
fraction fell, or the ERBB2-amplified clone was lost while the tumour persists, or the data
cannot tell; on hand-made calls tables whose truth is known by construction."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cfdna_erbb2.errors import InputError
from cfdna_erbb2.response import (
    EXPLANATIONS,
    NO_TF_COLUMNS,
    PATIENT_COLUMNS,
    TIMEPOINT_COLUMNS,
    ResponseParams,
    classify,
    read_calls,
)

NaN = math.nan
COLUMNS = (
    "sample", "patient", "kind", "timepoint", "erbb2_pcn", "amplified", "evaluable", "lod_pcn",
    "tumour_fraction", "tf_low", "tf_high", "tf_detected", "tf_evaluable", "tf_floor",
    "erbb2_tumour_copies", "erbb2_tumour_copies_low", "erbb2_tumour_copies_high", "tf_reason",
)  # fmt: skip
FLOOR = 0.03


def tf(value: float, spread: float = 0.02) -> tuple[object, ...]:
    """A detected tumour fraction with a 95% interval of +-spread (fractions)."""
    return (value, value - spread, value + spread, True, True, FLOOR)


NOT_DETECTED = (NaN, NaN, NaN, False, True, FLOOR)
NOT_EVALUABLE = (NaN, NaN, NaN, False, False, FLOOR)
NO_COPIES = (NaN, NaN, NaN)


def draw(
    sample: str,
    day: int,
    tumour: tuple[object, ...],
    copies: float = NaN,
    *,
    pcn: float | None = None,
    amplified: bool = True,
    lod: float = 2.4,
) -> tuple[object, ...]:
    """A plasma draw of patient P whose ERBB2 plasma copy number is what a tumour with
    ``copies`` ERBB2 copies gives at its tumour fraction, unless ``pcn`` is given."""
    if pcn is None:
        tf = float(str(tumour[0]))
        pcn = tf * copies + 2.0 * (1.0 - tf)
    copy_cells = (copies, copies - 2.0, copies + 2.0) if math.isfinite(copies) else NO_COPIES
    return ("P-" + sample, "P", "plasma", day, pcn, amplified, True, lod, *tumour,
            *copy_cells, "")  # fmt: skip


def table(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(COLUMNS, row, strict=True)) for row in rows])


#: Baseline: TF 20% (18-22%) and 20 tumour ERBB2 copies (18-22): pCN 5.6, excess 3.6 copies.
BASE = draw("d0", 0, tf(0.2), 20.0)


def explained(*later: tuple[object, ...], params: ResponseParams | None = None) -> pd.Series:
    timepoints, _ = classify(table(BASE, *later), params or ResponseParams())
    return timepoints.set_index("sample").iloc[-1]


# ---- the three explanations -------------------------------------------------------------------


def test_tumour_fraction_fell_with_the_tumour_keeping_its_copies() -> None:
    """TF 20% -> 8%, still 20 copies: the excess fell from 3.6 to 1.44 (reduced)."""
    row = explained(draw("d21", 21, tf(0.08), 20.0))
    assert row["response"] == "reduced"
    assert row["explanation"] == "tumour_fraction_fell", row["explanation_reason"]
    assert row["tumour_fraction"] == pytest.approx(0.08)
    assert row["baseline_tumour_fraction"] == pytest.approx(0.2)
    assert "tumour fraction fell" in row["explanation_reason"]


def test_clone_lost_when_tf_stays_and_erbb2_vanishes() -> None:
    """TF kept at 19%, ERBB2 back to 2 copies: undetectable, by a draw that could see 0.4."""
    row = explained(draw("d21", 21, tf(0.19), 2.0, amplified=False))
    assert row["response"] == "undetectable"
    assert row["explanation"] == "erbb2_clone_lost", row["explanation_reason"]
    assert "clone lost" in row["explanation_reason"]


def test_clone_lost_in_part_for_a_reduced_draw_at_unchanged_tf() -> None:
    """TF kept at 20% while the tumour's ERBB2 fell from 20 to 7 copies (excess 3.6 -> 1.0)."""
    row = explained(draw("d21", 21, tf(0.2), 7.0))
    assert row["response"] == "reduced"
    assert row["explanation"] == "erbb2_clone_lost", row["explanation_reason"]
    assert "in part" in row["explanation_reason"]


def test_tf_no_longer_detected_from_a_detected_baseline_is_a_fall() -> None:
    """Not detected, at most 5% (the draw's upper limit), against a baseline of 18-22%."""
    undetected = (NaN, NaN, 0.05, False, True, FLOOR)
    row = explained(draw("d21", 21, undetected, pcn=2.05, amplified=False))
    assert row["response"] == "undetectable"
    assert row["explanation"] == "tumour_fraction_fell", row["explanation_reason"]
    assert math.isnan(row["tumour_fraction"])


@pytest.mark.parametrize("upper", [NaN, 0.5])
def test_tf_not_detected_without_a_low_upper_limit_is_no_fall(upper: float) -> None:
    """A draw whose profile shows no copy-number changes cannot detect any TF: 'not
    detected' with no upper limit (an older table) or a high one (0.5) is not a fall."""
    undetected = (NaN, NaN, upper, False, True, FLOOR)
    row = explained(draw("d21", 21, undetected, pcn=2.05, amplified=False))
    assert row["response"] == "undetectable"
    assert row["explanation"] == "undetermined", row["explanation_reason"]


@pytest.mark.parametrize(
    ("base", "later", "words"),
    [
        (draw("d0", 0, NOT_DETECTED, pcn=5.6), draw("d21", 21, tf(0.2), 2.0, amplified=False),
         "at baseline P-d0 is not detected"),
        (draw("d0", 0, NOT_EVALUABLE, pcn=5.6), draw("d21", 21, tf(0.2), 2.0, amplified=False),
         "at baseline P-d0 is not estimable"),
        (BASE, draw("d21", 21, NOT_EVALUABLE, pcn=2.05, amplified=False),
         "at this draw is not estimable"),
        (draw("d0", 0, tf(0.2), pcn=5.6), draw("d21", 21, tf(0.2), 2.0, amplified=False),
         "no tumour ERBB2 copy number"),
    ],
    ids=["baseline-not-detected", "baseline-not-evaluable", "draw-not-evaluable", "no-copies"],
)  # fmt: skip
def test_undetermined_without_a_tumour_fraction(
    base: tuple[object, ...], later: tuple[object, ...], words: str
) -> None:
    timepoints, _ = classify(table(base, later))
    row = timepoints.iloc[0]
    assert row["response"] == "undetectable"
    assert row["explanation"] == "undetermined"
    assert words in row["explanation_reason"]


def test_no_fall_claimed_when_tf_was_near_the_floor_at_baseline() -> None:
    """Baseline TF 4% (2-6%), 60 copies; not detected now, at most 3%: no clear fall."""
    base = draw("d0", 0, tf(0.04), 60.0)
    undetected = (NaN, NaN, FLOOR, False, True, FLOOR)
    later = draw("d21", 21, undetected, pcn=2.05, amplified=False)
    timepoints, _ = classify(table(base, later))
    row = timepoints.iloc[0]
    assert row["response"] == "undetectable"
    assert row["explanation"] == "undetermined"
    assert "did not clearly fall" in row["explanation_reason"]


def test_undetermined_when_tf_falls_too_little_for_either_reading() -> None:
    """TF 20% -> 15% (did fall) while the excess fell to 1.5: a tumour keeping 20 copies
    would show 2.1-2.9; neither at most 1.5 (fell) nor at least 3.0 (lost)."""
    row = explained(draw("d21", 21, tf(0.15), pcn=3.5))
    assert row["response"] == "reduced"
    assert row["explanation"] == "undetermined"
    assert "between 1x and 2x" in row["explanation_reason"]


def test_the_margin_decides_clone_loss() -> None:
    lost = draw("d21", 21, tf(0.2), 7.0)
    assert explained(lost)["explanation"] == "erbb2_clone_lost"
    strict = ResponseParams(clone_loss_margin=4.0)
    assert explained(lost, params=strict)["explanation"] == "undetermined"


@pytest.mark.parametrize(
    "later",
    [draw("d21", 21, tf(0.2), 19.0), draw("d21", 21, tf(0.2), 30.0)],
    ids=["persistent", "rise"],
)
def test_other_responses_are_not_explained(later: tuple[object, ...]) -> None:
    row = explained(later)
    assert row["response"] == "persistent"
    assert (row["explanation"], row["explanation_reason"]) == ("", "")


# ---- the five classes do not depend on the tumour fraction ----------------------------------


CASES = [
    draw("d21", 21, tf(0.08), 20.0),
    draw("d21", 21, tf(0.19), 2.0, amplified=False),
    draw("d21", 21, NOT_DETECTED, pcn=2.05, amplified=False),
    draw("d21", 21, tf(0.2), 19.0),
    draw("d21", 21, tf(0.2), 2.0, amplified=False, lod=4.5),  # too shallow: not evaluable
]


@pytest.mark.parametrize("later", CASES)
def test_an_old_calls_table_without_tf_columns_gives_the_same_classes(
    tmp_path: Path, later: tuple[object, ...]
) -> None:
    new = table(BASE, later)
    path = tmp_path / "old_calls.tsv"
    old = new.drop(columns=[c for c in COLUMNS[8:]]).assign(reason="")
    old.to_csv(path, sep="\t", index=False)
    with_tf, _ = classify(new)
    without, patients = classify(read_calls(path))
    assert list(without.columns) == list(TIMEPOINT_COLUMNS)
    assert without["response"].tolist() == with_tf["response"].tolist()
    assert without["fraction_remaining"].tolist() == pytest.approx(
        with_tf["fraction_remaining"].tolist(), nan_ok=True
    )
    row = without.iloc[0]
    assert math.isnan(row["tumour_fraction"]) and math.isnan(row["baseline_tumour_fraction"])
    if row["response"] in ("undetectable", "reduced"):
        assert row["explanation"] == "undetermined"
        assert NO_TF_COLUMNS in row["explanation_reason"]
    else:
        assert row["explanation"] == ""
    assert math.isnan(patients["baseline_tumour_fraction"].iloc[0])


def test_patients_table_carries_tf_and_the_early_and_last_explanations() -> None:
    _, patients = classify(
        table(
            BASE,
            draw("d21", 21, tf(0.08), 20.0),
            draw("d42", 42, tf(0.19), 2.0, amplified=False),
        )
    )
    assert list(patients.columns) == list(PATIENT_COLUMNS)
    p = patients.iloc[0]
    assert (p["early_response"], p["last_response"]) == ("reduced", "undetectable")
    assert (p["early_explanation"], p["last_explanation"]) == (
        "tumour_fraction_fell",
        "erbb2_clone_lost",
    )
    assert "clone lost" in p["last_explanation_reason"]
    assert p["baseline_tumour_fraction"] == pytest.approx(0.2)
    assert p["early_tumour_fraction"] == pytest.approx(0.08)
    assert p["last_tumour_fraction"] == pytest.approx(0.19)
    assert set(EXPLANATIONS) >= {p["early_explanation"], p["last_explanation"]}


def test_a_patient_with_only_a_baseline_has_no_explanation() -> None:
    _, patients = classify(table(BASE))
    p = patients.iloc[0]
    assert (p["early_explanation"], p["last_explanation"]) == ("", "")
    assert p["baseline_tumour_fraction"] == pytest.approx(0.2)
    assert math.isnan(p["last_tumour_fraction"])


# ---- input checks -----------------------------------------------------------------------------


def test_a_bad_tumour_fraction_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "calls.tsv"
    bad = table(BASE, draw("d21", 21, tf(0.08), 20.0)).astype(object)
    bad.loc[1, "tf_low"] = "low"
    bad.to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError) as info:
        read_calls(path)
    assert (info.value.line, info.value.field) == (3, "tf_low")


@pytest.mark.parametrize("margin", [0.5, math.nan, "2", True])
def test_clone_loss_margin_is_checked(margin: object) -> None:
    with pytest.raises(InputError) as info:
        ResponseParams(clone_loss_margin=margin)  # type: ignore[arg-type]
    assert info.value.field == "clone_loss_margin"


@pytest.mark.parametrize(
    ("ratio", "pcn", "amplified", "response", "explanation"),
    [
        # TF fell to 20-40% of the baseline's on the same states; the excess to 28%.
        ((0.2, 0.4), 3.0, True, "reduced", "tumour_fraction_fell"),
        # TF unchanged (90-110%), ERBB2 gone: the amplified clone was lost.
        ((0.9, 1.1), 2.0, False, "undetectable", "erbb2_clone_lost"),
        # TF at 1-3% of the baseline's and ERBB2 gone: the tumour shrank.
        ((0.01, 0.03), 2.02, False, "undetectable", "tumour_fraction_fell"),
    ],
)
def test_tf_ratio_to_the_baseline_on_its_states_decides(
    ratio: tuple[float, float], pcn: float, amplified: bool, response: str, explanation: str
) -> None:
    """The tumour-informed ratio (tf_ratio_low/high) is scale-free: the expected excess of a
    kept amplification is the ratio times the baseline's excess, no tumour copies needed."""
    undetected = (NaN, NaN, 0.9, False, True, FLOOR)  # genome-wide: nothing to go on
    base = draw("d0", 0, tf(0.2), NaN, pcn=5.6)  # no tumour copies at baseline
    calls = table(base, draw("d21", 21, undetected, pcn=pcn, amplified=amplified))
    calls["tf_ratio_low"] = [NaN, ratio[0]]
    calls["tf_ratio_high"] = [NaN, ratio[1]]
    calls["tf_informed_detected"] = [False, ratio[0] > 0.05]
    timepoints, _ = classify(calls, ResponseParams())
    row = timepoints.iloc[0]
    assert (row["response"], row["explanation"]) == (response, explanation), row[
        "explanation_reason"
    ]
    assert "on the same copy-number states" in row["explanation_reason"] or (
        explanation == "erbb2_clone_lost"
    )
