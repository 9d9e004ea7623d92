"""Issue 15: a patient's ERBB2 excesses are compared on the baseline's amplicon (the locus its
call rests on, and each later draw's value in the same bins) when the calls table has the
locus, so the fall and each draw's limit of detection are on one scale."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cfdna_erbb2.response import ON_AMPLICON, ON_GENE_BINS, classify

COLUMNS = ("sample", "patient", "kind", "timepoint", "erbb2_pcn", "amplified", "evaluable",
           "lod_pcn", "locus_pcn", "locus_source")  # fmt: skip


def table(*rows: tuple[object, ...]) -> pd.DataFrame:
    frame = pd.DataFrame([dict(zip(COLUMNS, row, strict=True)) for row in rows])
    frame["reason"] = ""
    return frame


def row(sample: str, day: int, gene: float, locus: float, amplified: bool, source: str,
        lod: float = 2.3, evaluable: bool = True) -> tuple[object, ...]:  # fmt: skip
    return (sample, "P", "plasma", day, gene, amplified, evaluable, lod, locus, source)


def test_the_fall_is_measured_on_the_amplicon_when_every_draw_has_it() -> None:
    # Gene bins (noisy, 2 bins) say 3.2 -> 2.9 (75% remaining: persistent); the amplicon's
    # 8 bins say 3.0 -> 2.4 (40% remaining: reduced). The amplicon is the better measure.
    timepoints, patients = classify(
        table(
            row("P-d0", 0, 3.2, 3.0, True, "segment"),
            row("P-d22", 22, 2.9, 2.4, True, "baseline"),
        )
    )
    tp = timepoints.iloc[0]
    assert tp["response"] == "reduced"
    assert tp["excess_measured_on"] == ON_AMPLICON
    assert tp["baseline_excess"] == pytest.approx(1.0)
    assert tp["excess"] == pytest.approx(0.4)
    assert tp["fraction_remaining"] == pytest.approx(0.4)
    assert tp["erbb2_pcn"] == pytest.approx(2.9)  # what the trajectory plots is unchanged
    assert "on the baseline's amplicon" in tp["reason"]
    assert patients.iloc[0]["excess_measured_on"] == ON_AMPLICON
    assert patients.iloc[0]["baseline_excess"] == pytest.approx(1.0)


@pytest.mark.parametrize("source", ["scan", "baseline"])
def test_a_scan_or_inherited_baseline_locus_counts_as_an_amplicon(source: str) -> None:
    timepoints, _ = classify(
        table(row("P-d0", 0, 3.2, 3.0, True, source), row("P-d22", 22, 2.9, 2.4, True, "baseline"))
    )
    assert timepoints.iloc[0]["excess_measured_on"] == ON_AMPLICON


def test_undetectable_compares_the_limit_with_the_amplicon_excess() -> None:
    # The limit (at the amplicon) 2.4: excess 0.4, at most half the amplicon's baseline excess
    # of 1.0, so undetectable; against the gene bins' 1.6 it would be too.
    timepoints, _ = classify(
        table(
            row("P-d0", 0, 3.6, 3.0, True, "segment"),
            row("P-d22", 22, 2.1, 2.05, False, "baseline", lod=2.4),
        )
    )
    assert timepoints.iloc[0]["response"] == "undetectable"
    assert timepoints.iloc[0]["baseline_excess"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("base_source", "draw_source", "draw_locus"),
    [
        ("gene", "gene", 2.4),  # the baseline's call rests on its gene bins: no amplicon
        ("segment", "gene", 2.4),  # a draw measured elsewhere: one scale for all, the genes
        ("segment", "baseline", math.nan),  # the draw's amplicon value is missing
    ],
)
def test_gene_bins_unless_every_draw_is_on_the_amplicon(
    base_source: str, draw_source: str, draw_locus: float
) -> None:
    timepoints, _ = classify(
        table(
            row("P-d0", 0, 3.2, 3.0, True, base_source),
            row("P-d22", 22, 2.9, draw_locus, True, draw_source),
        )
    )
    tp = timepoints.iloc[0]
    assert tp["excess_measured_on"] == ON_GENE_BINS
    assert tp["baseline_excess"] == pytest.approx(1.2)
    assert tp["response"] == "persistent"


def test_a_table_without_locus_columns_uses_the_gene_bins() -> None:
    frame = table(
        row("P-d0", 0, 3.2, 3.0, True, "segment"), row("P-d22", 22, 2.9, 2.4, True, "baseline")
    ).drop(columns=["locus_pcn", "locus_source"])
    timepoints, _ = classify(frame)
    assert timepoints.iloc[0]["excess_measured_on"] == ON_GENE_BINS
    assert timepoints.iloc[0]["response"] == "persistent"


def test_a_not_evaluable_draw_does_not_move_the_others_off_the_amplicon() -> None:
    timepoints, _ = classify(
        table(
            row("P-d0", 0, 3.2, 3.0, True, "segment"),
            row("P-d22", 22, math.nan, math.nan, False, "gene", evaluable=False),
            row("P-d43", 43, 2.9, 2.4, True, "baseline"),
        )
    )
    by_sample = timepoints.set_index("sample")
    assert by_sample.loc["P-d22", "response"] == "not_evaluable"
    assert by_sample.loc["P-d43", "response"] == "reduced"
    assert (timepoints["excess_measured_on"] == ON_AMPLICON).all()
