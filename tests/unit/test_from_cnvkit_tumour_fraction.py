"""``cfdna-erbb2 from-cnvkit`` gives the tumour-fraction columns: never detected on real healthy
donors or real CNVkit panels, and, on a synthetic cohort of known truth, tumour fraction and
tumour ERBB2 copies that ``response`` turns into the right explanation of each fall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_from_cnvkit import copy_real, needs_real, read_tsv, write_sheet
from test_tumour_fraction import donor_profiles, make_profile

from cfdna_erbb2 import cli
from cfdna_erbb2.calls import INFORMED_COLUMNS, READER_COLUMNS, TF_COLUMNS

#: ERBB2's midpoint on GRCh38 chr17 (bp).
ERBB2_MID = 39_709_000


@pytest.fixture(autouse=True)
def only_commands_under_test(monkeypatch: pytest.MonkeyPatch) -> None:
    keep = ("from-cnvkit", "response")
    monkeypatch.setattr(cli, "COMMANDS", {k: cli.COMMANDS[k] for k in keep})


def write_cnr(path: Path, bins: pd.DataFrame) -> str:
    bins.assign(depth=1.0)[
        ["chromosome", "start", "end", "gene", "log2", "depth", "weight"]
    ].to_csv(path, sep="\t", index=False)
    return path.name


def donor_cnr(path: Path, bins: pd.DataFrame) -> str:
    """A donor's 1 Mb profile as a .cnr. ichorCNA's panel filtered the bins around ERBB2, so
    the chr17 bin nearest to it carries the label (the ERBB2 call is not what is tested)."""
    on17 = bins.index[bins["chromosome"] == "chr17"]
    near = on17[np.argmin(np.abs(bins.loc[on17, "start"].to_numpy() - ERBB2_MID))]
    return write_cnr(path, bins.assign(gene=np.where(bins.index == near, "ERBB2", "-")))


def run_from_cnvkit(sheet: Path, out: Path) -> pd.DataFrame:
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 0
    return read_tsv(out).set_index("sample", drop=False)


# ---- real data ------------------------------------------------------------------------------


@pytest.mark.parametrize("as_kind", ["normal", "plasma"])
def test_no_real_healthy_donor_has_a_tumour_fraction(
    tmp_path: Path, as_kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 26 donors as a panel of normals (each fitted against the others' systematic
    error), or as patients' baselines with no normals (the estimator's floor)."""
    rows: list[tuple[object, ...]] = []
    for name, bins in donor_profiles().items():
        cnr = donor_cnr(tmp_path / f"{name}.cnr", bins)
        if as_kind == "normal":
            rows.append((name, "", "normal", "", cnr, ""))
        else:
            rows.append((name, f"P{name}", "plasma", 0, cnr, ""))
    calls = run_from_cnvkit(write_sheet(tmp_path / "sheet.tsv", rows), tmp_path / "calls.tsv")
    assert len(calls) == 26
    assert set(TF_COLUMNS) <= set(calls.columns)
    assert (calls["tf_evaluable"] == "true").all()
    assert (calls["tf_detected"] == "false").all(), calls.loc[
        calls["tf_detected"] != "false", "tf_reason"
    ].tolist()
    assert calls["tf_reason"].str.startswith("not detected").all()
    assert (calls["tumour_fraction"] == "").all() and (calls["erbb2_tumour_copies"] == "").all()
    assert set(calls["tf_floor"].astype(float)) == {0.03}
    words = "panel of normals" if as_kind == "normal" else "estimator's floor"
    assert f"its systematic SD from the {words}" in capsys.readouterr().out


@needs_real
def test_real_cnvkit_panels_say_why_they_have_no_tumour_fraction(tmp_path: Path) -> None:
    """Hybrid-capture targets are too short to show broad copy-number states; the amplicon
    panel fails the noise limit. Neither gets a made-up value."""
    copy_real(tmp_path, "p2-20_1.cnr", "p2-9_2.cnr", "p2-9_2.cns", "amplicon.cnr", "amplicon.cns")
    rows = [
        ("A-d0", "A", "plasma", 0, "p2-20_1.cnr", ""),
        ("B-d0", "B", "plasma", 0, "p2-9_2.cnr", "p2-9_2.cns"),
        ("C-d0", "C", "plasma", 0, "amplicon.cnr", "amplicon.cns"),
    ]
    calls = run_from_cnvkit(write_sheet(tmp_path / "sheet.tsv", rows), tmp_path / "calls.tsv")
    columns = [c for c in (*TF_COLUMNS, *INFORMED_COLUMNS) if c not in READER_COLUMNS]
    assert list(calls.columns[-len(columns) :]) == columns
    assert (calls["tf_detected"] == "false").all() and (calls["tf_evaluable"] == "false").all()
    assert (calls["tumour_fraction"] == "").all()
    for sample in ("A-d0", "B-d0"):
        assert "targeted panel's short bins" in calls.loc[sample, "tf_reason"]
    assert calls.loc["C-d0", "tf_reason"].startswith("not evaluable: sample QC: bin noise sd")


# ---- a synthetic cohort of known truth ----------------------------------------------------------


def synthetic_cohort(folder: Path) -> Path:
    """Three normals and two patients whose tumours carry broad events (one tumour each,
    the same across that patient's draws) and 20 ERBB2 copies at a TF of 20% at baseline:

    - L (clone lost): TF stays 20% at day 21, the amplicon gone (2 copies);
    - F (tumour shrank): TF 8% at day 21 (20 copies: reduced), 1% at day 42 (undetectable,
      TF below the floor).
    """
    draws = [
        ("N1", "", "normal", "", 0.0, None, 1, 101),
        ("N2", "", "normal", "", 0.0, None, 2, 102),
        ("N3", "", "normal", "", 0.0, None, 3, 103),
        ("L-d0", "L", "plasma", 0, 0.2, 20.0, 4, 7),
        ("L-d21", "L", "plasma", 21, 0.2, 2.0, 5, 7),
        ("F-d0", "F", "plasma", 0, 0.2, 20.0, 6, 9),
        ("F-d21", "F", "plasma", 21, 0.08, 20.0, 7, 9),
        ("F-d42", "F", "plasma", 42, 0.01, 20.0, 8, 9),
    ]
    rows = []
    for sample, patient, kind, day, tf, copies, seed, tumour in draws:
        bins, _ = make_profile(
            tf, n_bins=10_000, sd=0.05, seed=seed, tumour_seed=tumour, erbb2_copies=copies
        )
        rows.append((sample, patient, kind, day, write_cnr(folder / f"{sample}.cnr", bins), ""))
    return write_sheet(folder / "sheet.tsv", rows)


def test_synthetic_cohort_tells_clone_loss_from_tumour_shrinkage(tmp_path: Path) -> None:
    calls_path = tmp_path / "calls.tsv"
    calls = run_from_cnvkit(synthetic_cohort(tmp_path), calls_path)
    assert (calls.loc[["N1", "N2", "N3"], "tf_detected"] == "false").all()
    truth = {"L-d0": 0.2, "L-d21": 0.2, "F-d0": 0.2, "F-d21": 0.08}
    for sample, tf in truth.items():
        row = calls.loc[sample]
        assert row["tf_detected"] == "true", row["tf_reason"]
        assert float(row["tf_low"]) <= tf <= float(row["tf_high"]), sample
    assert calls.loc["F-d42", "tf_detected"] == "false"
    for sample in ("L-d0", "F-d0", "F-d21"):
        assert float(calls.loc[sample, "erbb2_tumour_copies"]) == pytest.approx(20.0, rel=0.15)
    assert float(calls.loc["L-d21", "erbb2_tumour_copies"]) == pytest.approx(2.0, abs=1.0)

    outdir = tmp_path / "response"
    assert cli.main(["response", str(calls_path), "--outdir", str(outdir)]) == 0
    timepoints = read_tsv(outdir / "timepoints.tsv").set_index("sample")
    got = {s: (r["response"], r["explanation"]) for s, r in timepoints.iterrows()}
    assert got == {
        "L-d21": ("undetectable", "erbb2_clone_lost"),
        "F-d21": ("reduced", "tumour_fraction_fell"),
        "F-d42": ("undetectable", "tumour_fraction_fell"),
    }
    patients = read_tsv(outdir / "patients.tsv").set_index("patient")
    assert patients.loc["L", "early_explanation"] == "erbb2_clone_lost"
    assert float(patients.loc["L", "last_tumour_fraction"]) == pytest.approx(0.2, abs=0.03)
    assert patients.loc["F", "last_explanation"] == "tumour_fraction_fell"
    # 1% is below the genome-wide fit's reach but not the tumour-informed one's: measured on
    # the baseline's copy-number states, every on-treatment TF's interval holds the truth.
    assert calls.loc["F-d42", "tf_informed_detected"] == "true"
    for sample, tf in {"L-d21": 0.2, "F-d21": 0.08, "F-d42": 0.01}.items():
        low, high = (float(calls.loc[sample, c]) for c in ("tf_informed_low", "tf_informed_high"))
        assert low <= tf <= high, (sample, low, high)
    assert float(patients.loc["F", "last_tumour_fraction"]) == pytest.approx(0.01, abs=0.005)
