"""Tumour fraction in the calls table (cfdna_erbb2.calls): the estimator wired to each sample,
with the ERBB2 locus left out, the panel's systematic error and the tumour's ERBB2 copies,
checked against synthetic profiles of known tumour fraction and amplicon copies."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_tumour_fraction import AMPLICON_LEVELS, ERBB2, make_profile

from cfdna_erbb2 import calls
from cfdna_erbb2.calls import (
    INFORMED_COLUMNS,
    PANEL_COLUMNS,
    TF_COLUMNS,
    call_draw,
    call_sample,
    panel_table,
    panel_tf_systematic,
)
from cfdna_erbb2.cnvio import read_bins
from cfdna_erbb2.erbb2 import Erbb2Measurement, Erbb2Params, measure
from cfdna_erbb2.tumour_fraction import TumourFractionParams, estimate, systematic_from_normals

#: 100 kb bins: the 500 kb synthetic amplicon spans five, ERBB2 one.
N_BINS = 30_000
FLOOR = TumourFractionParams().tf_floor


def write_cnr(path: Path, bins: pd.DataFrame) -> Path:
    """Bins as a CNVkit .cnr (depth 1 everywhere)."""
    out = bins.assign(depth=1.0)[["chromosome", "start", "end", "gene", "log2", "depth", "weight"]]
    out.to_csv(path, sep="\t", index=False)
    return path


def profile_cnr(path: Path, tf: float, **kwargs: Any) -> Path:
    return write_cnr(path, make_profile(tf, n_bins=N_BINS, **kwargs)[0])


def nan_equal(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


# ---- known truth ------------------------------------------------------------------------------


@pytest.mark.parametrize(("tf", "seed"), [(0.1, 1), (0.3, 2)])
def test_tumour_fraction_and_erbb2_tumour_copies_against_truth(
    tmp_path: Path, tf: float, seed: int
) -> None:
    cnr = profile_cnr(tmp_path / "s.cnr", tf, sd=0.05, seed=seed, erbb2_copies=20.0)
    row: dict[str, Any] = call_sample(cnr, None, Erbb2Params())
    assert row["tf_detected"] and row["tf_evaluable"], row["tf_reason"]
    assert str(row["tf_reason"]).startswith("detected")
    assert row["tf_low"] <= tf <= row["tf_high"]
    assert row["tumour_fraction"] == pytest.approx(tf, abs=0.02)
    assert row["tf_floor"] == FLOOR
    assert 1.5 < row["tumour_ploidy"] < 3.0
    # The tumour's own ERBB2 copies, not the diluted plasma value: 20 copies at any TF.
    assert row["erbb2_tumour_copies_low"] <= 20.0 <= row["erbb2_tumour_copies_high"]
    assert row["erbb2_tumour_copies"] == pytest.approx(20.0, rel=0.1)
    # C = (pCN - 2(1 - TF)) / TF, with the locus' plasma copy number (this profile's median
    # bin is diploid, so CNVkit's centring leaves pCN = 2 * 2**log2 to within a few %).
    t, pcn = row["tumour_fraction"], row["locus_pcn"]
    assert row["erbb2_tumour_copies"] == pytest.approx((pcn - 2 * (1 - t)) / t, rel=0.05)
    assert row["amplified"]


def test_a_diploid_sample_has_no_tumour_fraction_and_no_tumour_copies(tmp_path: Path) -> None:
    row: dict[str, Any] = call_sample(
        profile_cnr(tmp_path / "n.cnr", 0.0, seed=3), None, Erbb2Params()
    )
    assert row["tf_evaluable"] and not row["tf_detected"]
    assert str(row["tf_reason"]).startswith("not detected")
    for column in ("tumour_fraction", "tf_low", "tumour_ploidy", "erbb2_tumour_copies"):
        assert math.isnan(float(row[column])), column
    # No copy-number change to go on: the profile is flat and its upper limit says so.
    assert float(row["tf_high"]) > 0.5
    assert row["tf_floor"] == FLOOR
    assert math.isnan(float(row["tf_informed"])) and not row["tf_informed_detected"]
    assert row["tf_informed_reason"] == "not an on-treatment draw"


@pytest.mark.parametrize(
    ("read_pairs", "sd", "words"),
    [(5000, 0.05, "5000 read pairs < 10000"), (None, 0.6, "bin noise sd")],
    ids=["few-reads", "noisy"],
)
def test_a_sample_failing_qc_gets_blank_tumour_fraction_with_the_reason(
    tmp_path: Path, read_pairs: int | None, sd: float, words: str
) -> None:
    cnr = profile_cnr(tmp_path / "s.cnr", 0.3, sd=sd, seed=4, erbb2_copies=20.0)
    row: dict[str, Any] = call_sample(cnr, None, Erbb2Params(), read_pairs=read_pairs)
    assert not row["tf_evaluable"] and not row["tf_detected"]
    assert str(row["tf_reason"]).startswith("not evaluable: sample QC: ")
    assert words in str(row["tf_reason"])
    for column in ("tumour_fraction", "tf_low", "tf_high", "tumour_ploidy", "erbb2_tumour_copies"):
        assert math.isnan(float(row[column])), column


def test_the_erbb2_locus_is_left_out_of_the_fit(tmp_path: Path) -> None:
    """A 14 Mb 17q12 amplicon with five levels in a TF-0 genome: detected only if the fit
    used it (the control), so the calls leave the locus out."""
    bins, _ = make_profile(0.0, n_bins=N_BINS, sd=0.05, seed=8)
    mid = (ERBB2[1] + ERBB2[2]) // 2
    near = (bins["chromosome"] == "chr17") & (bins["end"] > mid - 7e6) & (bins["start"] < mid + 7e6)
    n = int(near.sum())
    bins.loc[near, "log2"] += np.repeat(AMPLICON_LEVELS, n // 5 + 1)[:n]
    cnr = write_cnr(tmp_path / "amp.cnr", bins)
    assert estimate(read_bins(cnr), None, exclude=None).detected  # the control
    row: dict[str, Any] = call_sample(cnr, None, Erbb2Params())
    assert row["tf_evaluable"] and not row["tf_detected"], row["tf_reason"]


def test_existing_columns_are_unchanged_and_the_tumour_fraction_follows(tmp_path: Path) -> None:
    cnr = profile_cnr(tmp_path / "s.cnr", 0.2, seed=5, erbb2_copies=12.0)
    row: dict[str, Any] = call_sample(cnr, None, Erbb2Params(), systematic=0.03)
    alone = measure(read_bins(cnr), None, Erbb2Params(), systematic=0.03).to_row()
    fields = [f.name for f in dataclasses.fields(Erbb2Measurement)]
    assert list(row) == [
        *fields, "tracks_reason", "sex", "x_ratio", "y_ratio", *TF_COLUMNS, *INFORMED_COLUMNS
    ]  # fmt: skip
    assert all(nan_equal(row[k], alone[k]) for k in fields)


# ---- the panel's systematic error --------------------------------------------------------------


def normals(tmp_path: Path, n: int = 3) -> dict[str, Path]:
    """TF-0 profiles whose chromosomes sit off 0 by N(0, 0.03): systematic scatter."""
    paths = {}
    for seed in range(n):
        bins, _ = make_profile(0.0, n_bins=3000, sd=0.05, seed=20 + seed)
        offsets = np.random.default_rng(seed).normal(0.0, 0.03, 22)
        number = bins["chromosome"].str.removeprefix("chr").astype(int)
        bins = bins.assign(log2=bins["log2"] + offsets[number - 1])
        paths[f"N{seed}"] = write_cnr(tmp_path / f"N{seed}.cnr", bins)
    return paths


def test_panel_table_carries_the_tumour_fraction_systematic(tmp_path: Path) -> None:
    paths = normals(tmp_path, 4)
    screened = {"N3": "screened out before the reference: too few reads"}
    panel = panel_table(paths, Erbb2Params(), screened).set_index("sample")
    assert list(panel.reset_index().columns) == list(PANEL_COLUMNS)
    usable = ["N0", "N1", "N2"]
    everyone = systematic_from_normals(read_bins(paths[s]) for s in usable)
    assert everyone > TumourFractionParams().systematic_sd  # the scatter is seen
    assert panel["tf_systematic_sd"].tolist() == pytest.approx([everyone] * 4)
    for sample in usable:
        others = systematic_from_normals(read_bins(paths[s]) for s in usable if s != sample)
        assert panel.loc[sample, "tf_systematic_sd_loo"] == pytest.approx(others)
    # A normal outside the panel is not in its own pool: it gets the whole panel's value.
    assert panel.loc["N3", "tf_systematic_sd_loo"] == pytest.approx(everyone)


def test_each_sample_gets_its_systematic_and_old_panels_the_floor() -> None:
    panel = pd.DataFrame(
        {
            "sample": ["N0", "N1"],
            "tf_systematic_sd": [0.03, 0.03],
            "tf_systematic_sd_loo": [0.02, 0.04],
        }
    )
    assert panel_tf_systematic(panel, "N1") == 0.04
    assert panel_tf_systematic(panel, "P1-d0") == 0.03
    old = panel.drop(columns=["tf_systematic_sd", "tf_systematic_sd_loo"])
    assert panel_tf_systematic(old, "P1-d0") is None
    assert panel_tf_systematic(None, "P1-d0") is None


def test_call_draw_fits_with_the_panel_without_the_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = normals(tmp_path)
    panel = panel_table(paths, Erbb2Params())
    seen: list[float | None] = []
    real = calls.estimate

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["systematic"])
        return real(*args, **kwargs)

    monkeypatch.setattr(calls, "estimate", spy)
    row = call_draw("N0", paths["N0"], None, Erbb2Params(), panel=panel)
    plasma = profile_cnr(tmp_path / "p.cnr", 0.2, seed=6, erbb2_copies=20.0)
    call_draw("P1-d0", plasma, None, Erbb2Params(), panel=panel)
    loo = panel.set_index("sample").loc["N0", "tf_systematic_sd_loo"]
    assert seen == [pytest.approx(loo), pytest.approx(panel["tf_systematic_sd"].iloc[0])]
    assert row["tf_evaluable"] and not row["tf_detected"], row["tf_reason"]
