"""Which normals serve in the panel of normals (issue 11: one failed library must never
silence a cohort)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cfdna_erbb2.calls import panel_table, panel_warnings
from cfdna_erbb2.erbb2 import Erbb2Params
from cfdna_erbb2.panel import coverage_noise_sd, panel_reason, screen_normals, screen_reason

PARAMS = Erbb2Params()


def write_cnn(path: Path, depth: np.ndarray, erbb2_at: int = 50) -> Path:
    """A CNVkit coverage-like table (.cnn/.cnr columns) on one chromosome, 50 kb bins."""
    n = len(depth)
    start = np.arange(n) * 50_000
    gene = np.full(n, "-", dtype=object)
    gene[erbb2_at] = "ERBB2"
    with np.errstate(divide="ignore"):
        log2 = np.where(depth > 0, np.log2(np.maximum(depth, 1e-9)), -20.0)
    pd.DataFrame(
        {
            "chromosome": "chr17",
            "start": start,
            "end": start + 50_000,
            "gene": gene,
            "depth": depth,
            "log2": log2 - np.median(log2),
            "weight": np.where(depth > 0, 1.0, 0.0),
        }
    ).to_csv(path, sep="\t", index=False)
    return path


def good_depth(seed: int, n: int = 200) -> np.ndarray:
    return np.random.default_rng(seed).poisson(300, n).astype(float)


@pytest.mark.parametrize(
    ("pairs", "noise", "phrase"),
    [
        (0, math.nan, "0 read pairs"),
        (9_999, 0.1, "9999 read pairs"),
        (1_000_000, math.nan, "no covered bins"),
        (1_000_000, 0.5, "raw bin noise"),
    ],
)
def test_screen_reason_names_the_failure(pairs: int, noise: float, phrase: str) -> None:
    assert phrase in screen_reason(pairs, noise, PARAMS)


def test_screen_reason_empty_for_a_good_normal() -> None:
    assert screen_reason(1_000_000, 0.08, PARAMS) == ""


def test_coverage_noise_of_poisson_bins(tmp_path: Path) -> None:
    # 300 reads per bin: log2 sd about 1 / (ln 2 * sqrt(300)) = 0.083.
    noise = coverage_noise_sd(write_cnn(tmp_path / "n.cnn", good_depth(1, 2000)))
    assert noise == pytest.approx(1 / (math.log(2) * math.sqrt(300)), rel=0.1)


def test_screen_normals_leaves_out_a_failed_library(tmp_path: Path) -> None:
    paths = {f"N{i}": write_cnn(tmp_path / f"N{i}.cnn", good_depth(i)) for i in range(1, 5)}
    paths["BAD"] = write_cnn(tmp_path / "BAD.cnn", np.zeros(200))
    pairs = dict.fromkeys(paths, 1_000_000) | {"BAD": 0}
    table = screen_normals(pairs, paths, PARAMS)
    assert table.set_index("sample")["usable"].to_dict() == {
        "N1": True, "N2": True, "N3": True, "N4": True, "BAD": False,
    }  # fmt: skip
    assert "0 read pairs" in table.set_index("sample").loc["BAD", "reason"]


def test_noisy_library_is_left_out_even_with_reads(tmp_path: Path) -> None:
    depth = np.random.default_rng(3).poisson(300, 200) * np.exp2(
        np.random.default_rng(4).normal(0, 0.8, 200)
    )
    table = screen_normals({"X": 1_000_000}, {"X": write_cnn(tmp_path / "x.cnn", depth)}, PARAMS)
    assert not table["usable"].iloc[0]
    assert "raw bin noise" in table["reason"].iloc[0]


def test_panel_reason() -> None:
    assert panel_reason(0.01, 0.1, PARAMS) == ""
    assert "bin noise" in panel_reason(0.01, 0.9, PARAMS)
    assert "no usable bins" in panel_reason(-20.0, math.nan, PARAMS)
    assert "no usable ERBB2" in panel_reason(math.nan, 0.1, PARAMS)


def test_panel_table_marks_and_names_what_is_left_out(tmp_path: Path) -> None:
    paths = {f"N{i}": write_cnn(tmp_path / f"N{i}.cnr", good_depth(i)) for i in range(1, 4)}
    paths["ZERO"] = write_cnn(tmp_path / "ZERO.cnr", np.zeros(200))
    table = panel_table(paths, PARAMS, screened_out={"N3": "screened out: too few reads"})
    usable = table.set_index("sample")["usable"].to_dict()
    assert usable == {"N1": True, "N2": True, "N3": False, "ZERO": False}
    warnings = panel_warnings(table)
    assert len(warnings) == 2
    assert any("N3" in w and "too few reads" in w for w in warnings)
    assert any("ZERO" in w for w in warnings)


# --- from-cnvkit: a failed normal among real ones ------------------------------------------

REAL = Path(__file__).resolve().parents[1] / "data" / "cnvkit-real"
REAL_CNR = ("p2-20_1", "p2-20_2", "p2-9_2")


def from_cnvkit(tmp_path: Path, normals: dict[str, Path], name: str) -> pd.DataFrame:
    from cfdna_erbb2 import cli

    lines = ["sample\tpatient\tkind\ttimepoint\tcnr\tcns"]
    lines += [f"{n}\t\tnormal\t\t{p}\t" for n, p in normals.items()]
    lines.append(f"P1-d0\tP1\tplasma\t0\t{REAL / 'p2-20_1.cnr'}\t")
    sheet = tmp_path / f"{name}.tsv"
    sheet.write_text("\n".join(lines) + "\n")
    out = tmp_path / f"{name}.calls.tsv"
    assert cli.main(["from-cnvkit", str(sheet), "--out", str(out)]) == 0
    return pd.read_csv(out, sep="\t", dtype=str, keep_default_na=False).set_index("sample")


def test_from_cnvkit_failed_normal_changes_no_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good: dict[str, Path] = {}
    for name in REAL_CNR:
        for copy in ("a", "b"):
            good[f"{name}{copy}"] = tmp_path / f"{name}{copy}.cnr"
            good[f"{name}{copy}"].write_bytes((REAL / f"{name}.cnr").read_bytes())
    failed = pd.read_csv(REAL / "p2-9_2.cnr", sep="\t")
    failed["log2"] = -20.0  # a library with no reads, as CNVkit writes it
    failed.to_csv(tmp_path / "failed.cnr", sep="\t", index=False)

    without = from_cnvkit(tmp_path, good, "without")
    capsys.readouterr()
    with_failed = from_cnvkit(tmp_path, {**good, "FAILED": tmp_path / "failed.cnr"}, "with")
    err = capsys.readouterr().err
    assert "FAILED" in err and "left out of the panel" in err
    plasma = ["erbb2_z", "lod_pcn", "systematic_sd", "amplified", "evaluable"]
    assert with_failed.loc["P1-d0", plasma].to_dict() == without.loc["P1-d0", plasma].to_dict()
    assert float(without.loc["P1-d0", "systematic_sd"]) < 1.0
    assert with_failed.loc["FAILED", "evaluable"] == "false"


def test_screen_table_round_trips_through_tsv(tmp_path: Path) -> None:
    """The workflow writes the screening table and reads it back in two later jobs."""
    from cfdna_erbb2.panel import read_screen
    from cfdna_erbb2.tsv import write_tsv

    paths = {f"N{i}": write_cnn(tmp_path / f"N{i}.cnn", good_depth(i)) for i in range(1, 4)}
    paths["BAD"] = write_cnn(tmp_path / "BAD.cnn", np.zeros(200))
    table = screen_normals(dict.fromkeys(paths, 1_000_000) | {"BAD": 0}, paths, PARAMS)
    write_tsv(table, tmp_path / "members.tsv")
    screen = read_screen(tmp_path / "members.tsv")
    assert {s for s, why in screen.items() if not why} == {"N1", "N2", "N3"}
    assert "0 read pairs" in screen["BAD"]
