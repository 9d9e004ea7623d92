"""Molecular-response classification on hand-made calls tables (cfdna_erbb2.response)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cfdna_erbb2 import RESPONSE_CLASSES
from cfdna_erbb2.errors import InputError
from cfdna_erbb2.response import (
    PATIENT_COLUMNS,
    TIMEPOINT_COLUMNS,
    ResponseParams,
    classify,
    fixed,
    read_calls,
    validate_calls,
)

COLUMNS = (
    "sample",
    "patient",
    "kind",
    "timepoint",
    "erbb2_pcn",
    "amplified",
    "evaluable",
    "lod_pcn",
)
NaN = math.nan


def calls(*rows: tuple[object, ...]) -> pd.DataFrame:
    """A calls table from (sample, patient, kind, day, pcn, amplified, evaluable, lod) rows."""
    table = pd.DataFrame([dict(zip(COLUMNS, row, strict=True)) for row in rows])
    table["reason"] = ""
    return table


def draw(
    sample: str, day: int, pcn: float, amplified: bool, lod: float = 2.3, evaluable: bool = True
):
    """A plasma draw of patient P (pCN and lod in copies per diploid genome)."""
    return (sample, "P", "plasma", day, pcn, amplified, evaluable, lod)


BASE = draw("P-d0", 0, 4.7, True)  # excess 2.70 copies; half of it is 1.35


# Each case: the draws of patient P, then the expected response of every on-treatment draw.
CASES = {
    "reduced": ([BASE, draw("P-d22", 22, 2.72, True)], {"P-d22": "reduced"}),
    "reduced-exactly-half": ([BASE, draw("P-d22", 22, 3.35, True)], {"P-d22": "reduced"}),
    "persistent-small-fall": ([BASE, draw("P-d22", 22, 3.5, True)], {"P-d22": "persistent"}),
    "persistent-rise": ([BASE, draw("P-d22", 22, 6.0, True)], {"P-d22": "persistent"}),
    "undetectable": ([BASE, draw("P-d22", 22, 2.05, False, lod=2.4)], {"P-d22": "undetectable"}),
    "undetectable-lod-exactly-half": (
        [BASE, draw("P-d22", 22, 2.1, False, lod=3.35)],
        {"P-d22": "undetectable"},
    ),
    "negative-too-noisy": (
        [BASE, draw("P-d22", 22, 2.1, False, lod=3.6)],
        {"P-d22": "not_evaluable"},
    ),
    "negative-without-lod": (
        [BASE, draw("P-d22", 22, 2.1, False, lod=NaN)],
        {"P-d22": "not_evaluable"},
    ),
    "draw-not-evaluable": (
        [BASE, draw("P-d22", 22, NaN, False, lod=NaN, evaluable=False)],
        {"P-d22": "not_evaluable"},
    ),
    "baseline-not-evaluable": (
        [draw("P-d0", 0, NaN, False, lod=NaN, evaluable=False), draw("P-d22", 22, 2.0, False)],
        {"P-d22": "not_evaluable"},
    ),
    "baseline-not-evaluable-but-called-amplified": (
        [draw("P-d0", 0, 4.7, True, evaluable=False), draw("P-d22", 22, 4.7, True)],
        {"P-d22": "not_evaluable"},
    ),
    "baseline-negative": (
        [draw("P-d0", 0, 2.1, False), draw("P-d22", 22, 2.0, False), draw("P-d43", 43, 5.0, True)],
        {"P-d22": "baseline_negative", "P-d43": "baseline_negative"},
    ),
    "several-draws": (
        [
            BASE,
            draw("P-d22", 22, 3.0, True),
            draw("P-d43", 43, 2.1, False, lod=2.5),
            draw("P-d64", 64, 2.2, False, lod=4.0),
            draw("P-d85", 85, 4.5, True),
        ],
        {
            "P-d22": "reduced",
            "P-d43": "undetectable",
            "P-d64": "not_evaluable",
            "P-d85": "persistent",
        },
    ),
    "baseline-is-earliest-even-before-day-0": (
        [draw("P-d22", 22, 2.5, True), draw("P-dm5", -5, 5.0, True)],
        {"P-d22": "reduced"},
    ),
    "edge-amplified-baseline-without-excess": (
        [draw("P-d0", 0, 1.9, True), draw("P-d22", 22, 2.5, True), draw("P-d43", 43, 2.0, False)],
        {"P-d22": "persistent", "P-d43": "not_evaluable"},
    ),
}


@pytest.mark.parametrize(("rows", "expected"), list(CASES.values()), ids=list(CASES))
def test_response_classes(rows: list[tuple[object, ...]], expected: dict[str, str]) -> None:
    timepoints, _ = classify(calls(*rows))
    assert dict(zip(timepoints["sample"], timepoints["response"], strict=True)) == expected
    assert set(timepoints["response"]) <= set(RESPONSE_CLASSES)


@pytest.mark.parametrize(
    ("pcn", "rise"),
    [(6.0, True), (4.71, True), (4.7, False), (3.5, False), (2.72, False)],
)
def test_rise_flag_and_reason(pcn: float, rise: bool) -> None:
    timepoints, _ = classify(calls(BASE, draw("P-d22", 22, pcn, True)))
    row = timepoints.iloc[0]
    assert bool(row["rise"]) is rise
    assert ("rose" in row["reason"]) is rise


def test_timepoint_values_and_reason() -> None:
    timepoints, _ = classify(calls(draw("P-d22", 22, 2.72, True, lod=2.31), BASE))
    assert tuple(timepoints.columns) == TIMEPOINT_COLUMNS
    row = timepoints.iloc[0]
    assert row["baseline_sample"] == "P-d0"
    assert row["baseline_timepoint"] == 0
    assert row["days_since_baseline"] == 22
    assert row["baseline_excess"] == pytest.approx(2.7)
    assert row["excess"] == pytest.approx(0.72)
    assert row["fraction_remaining"] == pytest.approx(0.72 / 2.7)
    assert row["lod_excess"] == pytest.approx(0.31)
    assert bool(row["amplified"]) and bool(row["evaluable"]) and not bool(row["rise"])
    assert row["reason"] == (
        "ERBB2 excess on the gene bins fell from 2.70 to 0.72 copies (27% remaining, >= 50% fall) "
        "and is still amplified"
    )


@pytest.mark.parametrize(
    ("rows", "fraction_is_nan"),
    [
        ([BASE, draw("P-d22", 22, 3.0, True)], False),
        ([draw("P-d0", 0, 1.9, True), draw("P-d22", 22, 2.5, True)], True),
        ([draw("P-d0", 0, 2.1, False), draw("P-d22", 22, 2.5, True)], True),
    ],
    ids=["amplified-baseline", "baseline-excess-not-positive", "baseline-negative"],
)
def test_fraction_remaining_only_against_an_amplified_baseline(
    rows: list[tuple[object, ...]], fraction_is_nan: bool
) -> None:
    timepoints, _ = classify(calls(*rows))
    assert math.isnan(timepoints["fraction_remaining"].iloc[0]) is fraction_is_nan


def test_noisy_negative_reason_names_the_detectable_excess() -> None:
    timepoints, _ = classify(calls(BASE, draw("P-d22", 22, 2.1, False, lod=3.6)))
    reason = timepoints["reason"].iloc[0]
    assert "1.60" in reason and "1.35" in reason and "noisy" in reason


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (ResponseParams(), "reduced"),  # 0.9 of 2.7 copies remains: 33%
        (ResponseParams(reduction=0.7, undetectable_level=0.3), "persistent"),
        (ResponseParams(reduction=0.6, undetectable_level=0.4), "reduced"),
    ],
)
def test_reduction_threshold(params: ResponseParams, expected: str) -> None:
    timepoints, _ = classify(calls(BASE, draw("P-d22", 22, 2.9, True)), params)
    assert timepoints["response"].iloc[0] == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [(0.5, "undetectable"), (0.3, "not_evaluable")],  # detectable excess 1.0 of 2.7 copies
)
def test_undetectable_level(level: float, expected: str) -> None:
    params = ResponseParams(reduction=0.5, undetectable_level=level)
    timepoints, _ = classify(calls(BASE, draw("P-d22", 22, 2.1, False, lod=3.0)), params)
    assert timepoints["response"].iloc[0] == expected


def test_patients_table() -> None:
    table = calls(
        draw("P-d43", 43, 2.05, False, lod=2.4),
        ("Q-d0", "Q", "plasma", 0, 4.0, True, True, 2.3),
        BASE,
        ("R-d3", "R", "plasma", 3, NaN, False, False, NaN),
        ("R-d25", "R", "plasma", 25, 2.0, False, True, 2.3),
        draw("P-d22", 22, 2.72, True),
    )
    _, patients = classify(table)
    assert tuple(patients.columns) == PATIENT_COLUMNS
    assert list(patients["patient"]) == ["P", "Q", "R"]
    p, q, r = (patients.iloc[i] for i in range(3))
    assert (p["baseline_sample"], p["baseline_timepoint"], p["n_on_treatment"]) == ("P-d0", 0, 2)
    assert bool(p["baseline_evaluable"]) and bool(p["baseline_amplified"])
    assert p["baseline_pcn"] == pytest.approx(4.7)
    assert (p["early_sample"], p["early_timepoint"], p["early_response"]) == (
        "P-d22",
        22,
        "reduced",
    )
    assert (p["last_sample"], p["last_timepoint"], p["last_response"]) == (
        "P-d43",
        43,
        "undetectable",
    )
    # only a baseline: the early and last fields are empty
    assert q["n_on_treatment"] == 0
    assert (q["early_sample"], q["early_response"], q["last_sample"], q["last_response"]) == (
        "",
        "",
        "",
        "",
    )
    assert pd.isna(q["early_timepoint"]) and pd.isna(q["last_timepoint"])
    assert "no on-treatment draw" in q["reason"]
    # not evaluable baseline
    assert not bool(r["baseline_evaluable"]) and not bool(r["baseline_amplified"])
    assert r["early_response"] == r["last_response"] == "not_evaluable"
    assert r["baseline_timepoint"] == 3
    assert "not evaluable" in r["reason"]


def test_normals_are_ignored() -> None:
    normal = ("N1", "", "normal", "", 6.0, True, True, 2.2)
    with_normal, without = (
        classify(calls(BASE, normal, draw("P-d22", 22, 3.0, True))),
        classify(calls(BASE, draw("P-d22", 22, 3.0, True))),
    )
    for got, want in zip(with_normal, without, strict=True):
        pd.testing.assert_frame_equal(got, want)
    assert "N1" not in set(with_normal[0]["sample"]) | set(with_normal[1]["baseline_sample"])


def test_unsorted_input_gives_sorted_identical_output() -> None:
    rows = [
        ("B-d22", "B", "plasma", 22, 2.5, True, True, 2.3),
        draw("P-d43", 43, 2.05, False, lod=2.4),
        ("B-d0", "B", "plasma", 0, 3.0, True, True, 2.3),
        ("A-d0", "A", "plasma", 0, 5.0, True, True, 2.3),
        BASE,
        ("A-d21", "A", "plasma", 21, 5.0, True, True, 2.3),
        draw("P-d22", 22, 2.72, True),
    ]
    timepoints, patients = classify(calls(*rows))
    assert list(timepoints["sample"]) == ["A-d21", "B-d22", "P-d22", "P-d43"]
    assert list(patients["patient"]) == ["A", "B", "P"]
    timepoints2, patients2 = classify(calls(*reversed(rows)))
    pd.testing.assert_frame_equal(timepoints, timepoints2)
    pd.testing.assert_frame_equal(patients, patients2)


def test_text_table_is_parsed_like_typed_table() -> None:
    typed = calls(BASE, draw("P-d22", 22, 2.72, True), draw("P-d43", 43, 2.05, False, lod=2.4))
    text = typed.astype(str)
    text["amplified"] = ["True", "1", "false"]
    text["evaluable"] = ["true", "1", "TRUE"]
    text["extra"] = "ignored"
    for got, want in zip(classify(text), classify(typed), strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_read_calls_keeps_ids_as_text(tmp_path) -> None:
    path = tmp_path / "calls.tsv"
    path.write_text(
        "erbb2_log2\tsample\tpatient\tkind\ttimepoint\terbb2_pcn\tamplified\tevaluable\tlod_pcn\n"
        "1.2\t007-a\t007\tplasma\t0\t4.6\ttrue\ttrue\t2.3\n"
        "0.1\t007-b\t007\tplasma\t22\t2.1\tfalse\ttrue\t\n"
        "0\tN1\t\tnormal\t\t2.0\tfalse\ttrue\t2.3\n"
    )
    table = read_calls(path)
    assert list(table["patient"]) == ["007", "007", ""]
    assert list(table["timepoint"].iloc[:2]) == [0, 22]
    assert math.isnan(table["lod_pcn"].iloc[1])
    timepoints, _ = classify(table)
    assert timepoints["patient"].iloc[0] == "007"
    assert timepoints["response"].iloc[0] == "not_evaluable"  # negative, no limit of detection


# --- validation -------------------------------------------------------------------------------

GOOD = [BASE, draw("P-d22", 22, 3.0, True)]


def _replace(rows: list[tuple[object, ...]], index: int, column: str, value: object):
    row = list(rows[index])
    row[COLUMNS.index(column)] = value
    return [*rows[:index], tuple(row), *rows[index + 1 :]]


@pytest.mark.parametrize(
    ("rows", "row", "field", "words"),
    [
        ([*GOOD, draw("P-d0", 43, 3.0, True)], 3, "sample", "duplicate"),
        ([*GOOD, draw("P-d22b", 22, 3.0, True)], 3, "timepoint", "two plasma draws"),
        (_replace(GOOD, 1, "timepoint", "22.5"), 2, "timepoint", "integer"),
        (_replace(GOOD, 1, "timepoint", ""), 2, "timepoint", "timepoint"),
        (_replace(GOOD, 1, "timepoint", "99999999999999999999"), 2, "timepoint", "out of range"),
        (_replace(GOOD, 1, "timepoint", 10**20), 2, "timepoint", "out of range"),
        (_replace(GOOD, 0, "timepoint", "-36501"), 1, "timepoint", "out of range"),
        (_replace(GOOD, 1, "timepoint", 36501.0), 2, "timepoint", "out of range"),
        (_replace(GOOD, 1, "timepoint", "1e30"), 2, "timepoint", "out of range"),
        (_replace(GOOD, 1, "timepoint", "inf"), 2, "timepoint", "integer"),
        (_replace(GOOD, 1, "amplified", "yes"), 2, "amplified", "boolean"),
        (_replace(GOOD, 0, "evaluable", "maybe"), 1, "evaluable", "boolean"),
        (_replace(GOOD, 0, "evaluable", ""), 1, "evaluable", "empty"),
        (_replace(GOOD, 1, "amplified", ""), 2, "amplified", "empty"),
        (_replace(GOOD, 1, "erbb2_pcn", "high"), 2, "erbb2_pcn", "not a number"),
        (_replace(GOOD, 1, "erbb2_pcn", ""), 2, "erbb2_pcn", "copy number"),
        (_replace(GOOD, 1, "erbb2_pcn", -1.0), 2, "erbb2_pcn", "negative"),
        (_replace(GOOD, 1, "lod_pcn", "low"), 2, "lod_pcn", "not a number"),
        (_replace(GOOD, 1, "kind", "tumour"), 2, "kind", "unknown kind"),
        (_replace(GOOD, 1, "patient", ""), 2, "patient", "patient"),
        (_replace(GOOD, 1, "sample", ""), 2, "sample", "empty"),
    ],
    ids=[
        "duplicate-sample",
        "same-day",
        "fractional-day",
        "missing-day",
        "huge-day-text",
        "huge-day-int",
        "day-before-100-years",
        "day-after-100-years-float",
        "huge-day-exponent",
        "infinite-day",
        "bad-amplified",
        "bad-evaluable",
        "empty-evaluable",
        "empty-amplified-when-evaluable",
        "bad-pcn",
        "missing-pcn-when-evaluable",
        "negative-pcn",
        "bad-lod",
        "bad-kind",
        "plasma-without-patient",
        "empty-sample",
    ],
)
def test_validate_names_row_and_field(
    rows: list[tuple[object, ...]], row: int, field: str, words: str
) -> None:
    with pytest.raises(InputError) as info:
        validate_calls(calls(*rows), "calls.tsv")
    err = info.value
    assert (err.path, err.row, err.field) == ("calls.tsv", row, field)
    assert words in err.message
    # A table in memory has no lines: errors name its 1-based data row.
    assert err.line is None
    assert str(err).startswith(f"calls.tsv, row {row}, field '{field}': ")


def test_validate_with_lines_names_them() -> None:
    rows = [*GOOD, draw("P-d0", 43, 3.0, True)]
    with pytest.raises(InputError) as info:
        validate_calls(calls(*rows), "calls.tsv", lines=[4, 7, 12])
    err = info.value
    assert (err.line, err.row, err.field) == (12, None, "sample")
    assert str(err) == "calls.tsv, line 12, field 'sample': duplicate sample 'P-d0' (also line 4)"


@pytest.mark.parametrize("day", [36500, -36500, "36500", 36500.0])
def test_validate_accepts_days_within_100_years(day: object) -> None:
    table = validate_calls(calls(*_replace(GOOD, 1, "timepoint", day)), None)
    assert table["timepoint"].iloc[1] == int(float(str(day)))


@pytest.mark.parametrize("column", COLUMNS)
def test_validate_missing_column(column: str) -> None:
    with pytest.raises(InputError) as info:
        validate_calls(calls(*GOOD).drop(columns=[column]), "calls.tsv")
    assert info.value.field == column
    assert "missing column" in info.value.message


@pytest.mark.parametrize(
    ("table", "words"),
    [
        (calls(*GOOD).iloc[0:0], "no rows"),
        (calls(("N1", "", "normal", "", 2.0, False, True, 2.3)), "no plasma"),
    ],
    ids=["empty", "only-normals"],
)
def test_validate_whole_table_problems(table: pd.DataFrame, words: str) -> None:
    with pytest.raises(InputError, match=words):
        validate_calls(table, "calls.tsv")


def test_validate_accepts_not_evaluable_draw_without_numbers() -> None:
    rows = [*GOOD, draw("P-d43", 43, NaN, False, lod=NaN, evaluable=False)]
    table = validate_calls(calls(*rows), "calls.tsv")
    assert list(table["evaluable"]) == [True, True, False]
    assert table["timepoint"].dtype == "Int64"


def test_validate_accepts_integral_float_days() -> None:
    table = validate_calls(calls(*_replace(GOOD, 1, "timepoint", 22.0)), None)
    assert list(table["timepoint"]) == [0, 22]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reduction": 0.0}, "reduction"),
        ({"reduction": 1.0}, "reduction"),
        ({"reduction": 1.5}, "reduction"),
        ({"reduction": -0.1}, "reduction"),
        ({"reduction": math.nan}, "reduction"),
        ({"undetectable_level": 0.0}, "undetectable_level"),
        ({"undetectable_level": 1.0}, "undetectable_level"),
        ({"reduction": 0.6, "undetectable_level": 0.5}, "undetectable_level"),
        ({"reduction": "0.5"}, "reduction"),
    ],
)
def test_params_validated(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        ResponseParams(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_params_defaults() -> None:
    params = ResponseParams()
    assert (params.reduction, params.undetectable_level) == (0.5, 0.5)
    assert ResponseParams(reduction=0.3, undetectable_level=0.7).undetectable_level == 0.7


@pytest.mark.parametrize("base_pcn", [2.0, 1.9], ids=["no-excess", "below-diploid"])
def test_amplified_baseline_without_excess_does_not_divide(base_pcn: float) -> None:
    timepoints, _ = classify(calls(draw("P-d0", 0, base_pcn, True), draw("P-d22", 22, 2.5, True)))
    row = timepoints.iloc[0]
    assert row["response"] == "persistent"
    assert not bool(row["rise"])
    assert math.isnan(row["fraction_remaining"])
    assert "no fall can be measured" in row["reason"]


def test_negative_without_lod_says_so() -> None:
    timepoints, _ = classify(calls(BASE, draw("P-d22", 22, 2.1, False, lod=NaN)))
    assert "no limit of detection" in timepoints["reason"].iloc[0]


def test_not_evaluable_baseline_is_not_reported_amplified() -> None:
    rows = [draw("P-d0", 0, 4.7, True, evaluable=False), draw("P-d22", 22, 4.7, True)]
    _, patients = classify(calls(*rows))
    assert not bool(patients["baseline_amplified"].iloc[0])
    assert not bool(patients["baseline_evaluable"].iloc[0])


# ---- reason texts as a reader gets them (issue 16) ---------------------------------------


def with_reasons(rows: list[tuple[object, ...]], reasons: dict[str, str]) -> pd.DataFrame:
    table = calls(*rows)
    table["reason"] = [reasons.get(str(s), "") for s in table["sample"]]
    return table


def test_a_not_evaluable_draw_gives_its_cause_once() -> None:
    rows = [BASE, draw("P-d22", 22, 2.5, False, evaluable=False)]
    cause = "3000 read pairs < 10000; bin noise sd 0.586 > 0.4 (log2)"
    timepoints, patients = classify(with_reasons(rows, {"P-d22": f"not evaluable: {cause}"}))
    assert timepoints["reason"].iloc[0] == f"this draw is not evaluable: {cause}"
    summary = patients["reason"].iloc[0]
    assert summary.endswith(f"(day 22): not_evaluable ({cause})")
    assert "not evaluable (not evaluable" not in summary + timepoints["reason"].iloc[0]


def test_a_not_evaluable_baseline_gives_its_cause_and_each_draw_says_why() -> None:
    rows = [draw("P-d0", 0, 4.7, False, evaluable=False), draw("P-d22", 22, 2.9, True)]
    timepoints, patients = classify(with_reasons(rows, {"P-d0": "not evaluable: too noisy"}))
    assert timepoints["reason"].iloc[0] == (
        "baseline P-d0 (day 0) is not evaluable: too noisy; the response cannot be assessed"
    )
    assert patients["reason"].iloc[0].endswith(": not_evaluable (the baseline is not evaluable)")


def test_a_shallow_negative_draw_is_not_evaluable_with_its_reason_in_the_summary() -> None:
    rows = [BASE, draw("P-d22", 22, 2.1, False, lod=3.6)]
    timepoints, patients = classify(calls(*rows))
    assert patients["reason"].iloc[0].endswith(f"not_evaluable ({timepoints['reason'].iloc[0]})")


def test_a_baseline_negative_patient_is_told_its_draws_sit_below_their_detection_limit() -> None:
    """Above the normals' range, yet not amplified: the gene-bin pCN (plotted) is below the
    smallest locus pCN the draw could call; both numbers are named."""
    rows = [draw("P-d0", 0, 2.41, False, lod=2.78), draw("P-d22", 22, 2.34, False, lod=2.72)]
    timepoints, patients = classify(calls(*rows))
    words = "below its detection limit: the smallest locus pCN it could call is"
    assert (
        patients["reason"]
        .iloc[0]
        .startswith(f"baseline P-d0 (day 0) is not amplified (gene-bin pCN 2.41, {words} 2.78)")
    )
    assert (
        timepoints["reason"]
        .iloc[0]
        .endswith(f"; this draw: not amplified (gene-bin pCN 2.34, {words} 2.72)")
    )


def test_an_amplified_draw_of_a_negative_baseline_is_named_with_its_gene_bin_pcn() -> None:
    rows = [draw("P-d0", 0, 2.41, False, lod=2.78), draw("P-d22", 22, 3.1, True)]
    timepoints, _ = classify(calls(*rows))
    assert timepoints["reason"].iloc[0].endswith("; this draw: amplified (gene-bin pCN 3.10)")


@pytest.mark.parametrize(
    ("value", "digits", "words"),
    [(-0.0, 1, "0.0"), (-0.04, 1, "0.0"), (-0.004, 2, "0.00"), (-0.05, 1, "-0.1"),
     (0.0, 0, "0"), (-0.4, 0, "0"), (2.345, 2, "2.35"), (-1.5, 1, "-1.5")],
)  # fmt: skip
def test_fixed_never_prints_minus_zero(value: float, digits: int, words: str) -> None:
    assert fixed(value, digits) == words


def test_reasons_print_no_minus_zero() -> None:
    """An excess that rounds to zero is written 0.00, whatever its sign."""
    reduced = [BASE, draw("P-d22", 22, 1.999, True)]
    reason = classify(calls(*reduced))[0]["reason"].iloc[0]
    assert "fell from 2.70 to 0.00 copies" in reason
    persistent = [draw("P-d0", 0, 1.999, True), draw("P-d22", 22, 2.5, True)]
    reason = classify(calls(*persistent))[0]["reason"].iloc[0]
    assert "baseline excess is 0.00 copies" in reason
