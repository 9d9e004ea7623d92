"""MultiQC custom content: the pipeline's numbers copied, by column name, never recomputed."""

from __future__ import annotations

import pandas as pd
import pytest

from cfdna_erbb2.mqc import (
    FRAGMENTS_ID,
    METRICS_ID,
    fragment_section,
    metrics_section,
    report_config,
)

QC = pd.DataFrame(
    {
        "sample": ["HD01", "P01_D1", "P05_D22"],
        "read_pairs": [99500, 120000, 4000],
        "duplicate_fraction": [0.0486, 0.05, 0.051],
        "fragment_mode": [168, 146, 167],
        "short_fraction": [0.32, 0.45, 0.31],
        "noise_sd": [0.1087, 0.11, 0.9],
        "reason": ["", "", "too few reads"],
    }
)
CALLS = pd.DataFrame(
    {
        # Another column order than QC's, and the samples in another order: read by name.
        "amplified": ["true", "false", "false"],
        "sample": ["P01_D1", "HD01", "P05_D22"],
        "erbb2_pcn": [7.5, 2.02, 3.1],
        "locus_pcn": [8.25, 2.01, 3.3],
        "erbb2_z": [40.2, 0.5, 1.1],
        "lod_pcn": [2.6, 2.63, 25.0],
        "evaluable": ["true", "true", "false"],
        "tumour_fraction": [0.25, None, None],
    }
)


def test_every_sample_gets_its_own_numbers_in_the_calls_order() -> None:
    section = metrics_section(QC, CALLS)
    assert section["id"] == METRICS_ID and section["plot_type"] == "table"
    data = section["data"]
    assert list(data) == ["P01_D1", "HD01", "P05_D22"]
    assert data["P01_D1"]["read_pairs"] == 120000
    assert data["P01_D1"]["erbb2_pcn"] == 7.5 and data["P01_D1"]["locus_pcn"] == 8.25
    assert data["HD01"]["fragment_mode"] == 168
    # Fractions shown in %.
    assert data["P01_D1"]["duplicate_fraction"] == pytest.approx(5.0)
    assert data["P01_D1"]["short_fraction"] == pytest.approx(45.0)
    assert data["P01_D1"]["tumour_fraction"] == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("sample", "call"),
    [("P01_D1", "amplified"), ("HD01", "not amplified"), ("P05_D22", "not evaluable")],
)
def test_the_call_in_words(sample: str, call: str) -> None:
    assert metrics_section(QC, CALLS)["data"][sample]["call"] == call


def test_an_undetected_tumour_fraction_is_left_empty_not_zero() -> None:
    data = metrics_section(QC, CALLS)["data"]
    assert "tumour_fraction" not in data["HD01"]
    assert "tumour_fraction" not in data["P05_D22"]


def test_a_calls_table_without_tumour_fraction_has_no_such_column() -> None:
    section = metrics_section(QC, CALLS.drop(columns="tumour_fraction"))
    assert "tumour_fraction" not in section["headers"]
    assert "erbb2_pcn" in section["headers"]
    header = section["headers"]["duplicate_fraction"]
    assert header["suffix"] == "%" and header["max"] == 100
    assert "bp" in section["headers"]["fragment_mode"]["description"]


def test_fragment_lengths_are_shares_of_each_sample() -> None:
    hists = {
        "deep": pd.DataFrame({"length": [145, 167, 300], "count": [200, 700, 100]}),
        "shallow": pd.DataFrame({"length": [167, 170], "count": [3, 1]}),
        "empty": pd.DataFrame({"length": [], "count": []}),
    }
    section = fragment_section(hists)
    assert section["id"] == FRAGMENTS_ID and section["plot_type"] == "linegraph"
    deep = section["data"]["deep"]
    assert list(deep) == list(range(145, 301))
    assert (deep[145], deep[167], deep[300]) == (20.0, 70.0, 10.0)
    assert sum(deep.values()) == pytest.approx(100.0)
    # A length without fragments is 0%, not a line drawn across the gap.
    assert section["data"]["shallow"] == {167: 75.0, 168: 0.0, 169: 0.0, 170: 25.0}
    assert section["data"]["empty"] == {}
    assert section["pconfig"]["xlab"] == "Fragment length (bp)"


def test_the_report_config_is_offline_and_names_the_run() -> None:
    config = report_config("ab" * 32, version="9.9.9")
    assert config["no_version_check"] is True and config["no_ai"] is True
    assert {"Pipeline": "cfdna-erbb2 9.9.9"} in config["report_header_info"]
    assert {"Config sha256": "ab" * 32} in config["report_header_info"]
    assert config["custom_content"]["order"] == [METRICS_ID, FRAGMENTS_ID]
