"""Config and reference checks: one error naming the file and the key, before any job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cfdna_erbb2.config import (
    DEFAULTS,
    SCHEMA,
    STUDY_KEYS,
    ConfigSource,
    check_config,
    check_contigs,
    check_reference,
    check_study_files,
    load_yaml,
    main,
    merge,
    source_of,
    study_sources,
)
from cfdna_erbb2.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DICT = load_yaml(ROOT / SCHEMA)
STUDY = "samples: samples.tsv\nreference:\n  fasta: ref/genome.fa\n  refflat: ref/genes.refFlat\n"
REFFLAT_LINE = "ERBB2\tNM_004448\t{chrom}\t+\t1000\t{end}\t1000\t{end}\t1\t1000,\t{end},\n"


def sources_for(tmp_path: Path, *texts: str, overrides: dict[str, Any] | None = None):
    """The workflow's layers: the repository's defaults, then each text as a study file."""
    files = []
    for i, text in enumerate(texts):
        path = tmp_path / f"study{i}.yaml"
        path.write_text(text)
        files.append(path)
    return study_sources(ROOT / DEFAULTS, files, overrides or {})


def check(tmp_path: Path, *texts: str, overrides: dict[str, Any] | None = None) -> None:
    sources = sources_for(tmp_path, *texts, overrides=overrides)
    check_config(merge(sources), sources, SCHEMA_DICT)


def error_of(tmp_path: Path, *texts: str, overrides: dict[str, Any] | None = None) -> str:
    with pytest.raises(InputError) as info:
        check(tmp_path, *texts, overrides=overrides)
    message = str(info.value)
    assert "\n" not in message, "one line"
    return message


def test_a_study_config_over_the_defaults_passes(tmp_path: Path) -> None:
    check(tmp_path, STUDY)


def test_the_defaults_name_no_files() -> None:
    """A user's run never falls back to the demo's sheet or genome."""
    defaults = load_yaml(ROOT / DEFAULTS)
    assert "samples" not in defaults and "reference" not in defaults
    assert set(STUDY_KEYS) == {("samples",), ("reference", "fasta"), ("reference", "refflat")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (STUDY.replace("  fasta: ref/genome.fa\n", ""), ["key 'reference.fasta' is missing"]),
        (STUDY.replace("samples: samples.tsv\n", ""), ["key 'samples' is missing"]),
        (STUDY.replace("samples: samples.tsv", "samples:"), ["key 'samples' is missing"]),
    ],
)
def test_a_missing_study_key_names_the_file_and_key(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    message = error_of(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'study0.yaml'}: "), message
    for phrase in expected:
        assert phrase in message, message


def test_no_configfile_says_so(tmp_path: Path) -> None:
    message = error_of(tmp_path)
    assert message.startswith("no --configfile given: key 'samples' is missing"), message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("foo: 1\n", ["study0.yaml", "key 'foo' is not a config key", "top-level keys"]),
        ("sample: x.tsv\n", ["key 'sample'", "did you mean 'samples'"]),
        ("erbb2:\n  z_mn: 3\n", ["key 'erbb2.z_mn'", "did you mean 'erbb2.z_min'"]),
    ],
)
def test_an_unknown_key_is_one_line_naming_file_and_key(
    tmp_path: Path, extra: str, expected: list[str]
) -> None:
    message = error_of(tmp_path, STUDY + extra)
    for phrase in expected:
        assert phrase in message, message
    assert len(message) < 400, "not a schema dump"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("erbb2:\n  z_min: -1\n", ["key 'erbb2.z_min'", "-1", "Standard errors"]),
        ("bins:\n  size: big\n", ["key 'bins.size'", "'big'"]),
        ("bins:\n  size: 500\n", ["key 'bins.size'", "minimum of 1000"]),
        ("gene: 'ERBB2;x'\n", ["key 'gene'", "does not match"]),
        ("reference: genome.fa\n", ["key 'reference'", "not of type 'object'"]),
    ],
)
def test_a_wrong_value_names_the_file_that_set_it(
    tmp_path: Path, extra: str, expected: list[str]
) -> None:
    message = error_of(tmp_path, STUDY, extra)
    assert message.startswith(str(tmp_path / "study1.yaml")), message
    for phrase in expected:
        assert phrase in message, message


def test_a_command_line_value_is_named_as_such(tmp_path: Path) -> None:
    message = error_of(tmp_path, STUDY, overrides={"erbb2": {"z_min": 0}})
    assert message.startswith("--config: key 'erbb2.z_min'"), message


@pytest.mark.parametrize(
    "extra",
    ["bins:\n  min_size: 2000000\n", "bins:\n  max_size: 4000\n"],
)
def test_min_bin_size_above_max_is_rejected(tmp_path: Path, extra: str) -> None:
    message = error_of(tmp_path, STUDY + extra)
    assert message.startswith(str(tmp_path / "study0.yaml")), message
    assert "'bins.min_size'" in message and "'bins.max_size'" in message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("response:\n  clone_loss_margin: 0.5\n", ["'response.clone_loss_margin'", "minimum of 1"]),
        ("response:\n  clone_loss_margin: x\n", ["'response.clone_loss_margin'", "'x'"]),
        ("response:\n  reduction: 0.6\n", ["'response.undetectable_level'", "1 - reduction"]),
    ],
)  # fmt: skip
def test_response_thresholds_are_checked_before_any_job(
    tmp_path: Path, extra: str, expected: list[str]
) -> None:
    message = error_of(tmp_path, STUDY, extra)
    for phrase in expected:
        assert phrase in message, message


def test_the_defaults_set_the_clone_loss_margin(tmp_path: Path) -> None:
    assert merge(sources_for(tmp_path, STUDY))["response"]["clone_loss_margin"] == 2.0
    check(tmp_path, STUDY + "response:\n  clone_loss_margin: 1\n")


def test_equal_bin_sizes_pass(tmp_path: Path) -> None:
    check(tmp_path, STUDY + "bins:\n  min_size: 50000\n  max_size: 50000\n")


def test_source_of_is_the_last_layer_that_sets_the_key() -> None:
    layers = [
        ConfigSource("defaults", {"bins": {"size": "auto"}}),
        ConfigSource("a.yaml", {"bins": {"size": 5000}}),
        ConfigSource("b.yaml", {"gene": "ERBB2"}),
    ]
    assert source_of(["bins", "size"], layers) == "a.yaml"
    assert source_of(["gene"], layers) == "b.yaml"
    assert source_of(["samples"], layers) is None
    assert merge(layers) == {"bins": {"size": 5000}, "gene": "ERBB2"}


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("samples: samples.tsv\nreference:\n  fasta: a.fa\n   refflat: b\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    assert str(info.value).startswith(f"{path}: line 4, column 11: not valid YAML")


@pytest.mark.parametrize(("text", "expected"), [("- a\n- b\n", "not a list"), ("", None)])
def test_a_config_holds_keys(tmp_path: Path, text: str, expected: str | None) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    if expected is None:
        assert load_yaml(path) == {}
        return
    with pytest.raises(InputError, match=expected):
        load_yaml(path)


def test_check_config_as_a_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(STUDY)
    bad.write_text("samples: [a\n")
    assert main([str(good)]) == 0
    assert main([str(bad)]) == 2
    assert f"{bad}: line 2" in capsys.readouterr().err


def test_study_files_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sources = sources_for(tmp_path, STUDY)
    (tmp_path / "samples.tsv").write_text("sample\n")
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "genes.refFlat").write_text("")
    with pytest.raises(InputError) as info:
        check_study_files(merge(sources), sources)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'study0.yaml'}: key 'reference.fasta': ref/genome.fa")
    assert "not found" in message
    (tmp_path / "ref" / "genome.fa").write_text(">chr17\nACGT\n")
    check_study_files(merge(sources), sources)


# ---- the refFlat against the FASTA -----------------------------------------------------


def write_refflat(tmp_path: Path, chrom: str = "chr17", end: int = 5000) -> Path:
    path = tmp_path / "genes.refFlat"
    path.write_text(REFFLAT_LINE.format(chrom=chrom, end=end))
    return path


@pytest.mark.parametrize(
    ("chrom", "contigs", "expected"),
    [
        ("17", {"chr1": 9000, "chr17": 9000}, ["'17'", "calls it 'chr17'", "field 'chrom'"]),
        ("chr17", {"1": 9000, "17": 9000}, ["'chr17'", "calls it '17'"]),
        ("chr17", {"chrA": 9000}, ["'chr17'", "its contigs: chrA"]),
    ],
)
def test_chromosome_names_must_match_the_fasta(
    tmp_path: Path, chrom: str, contigs: dict[str, int], expected: list[str]
) -> None:
    refflat = write_refflat(tmp_path, chrom)
    with pytest.raises(InputError) as info:
        check_contigs(refflat, contigs, "ERBB2", "genome.fa")
    message = str(info.value)
    assert message.startswith(str(refflat)), message
    for phrase in expected:
        assert phrase in message, message


def test_a_gene_beyond_its_chromosome_is_another_build(tmp_path: Path) -> None:
    refflat = write_refflat(tmp_path, end=12_000)
    with pytest.raises(InputError, match="beyond the end of chr17"):
        check_contigs(refflat, {"chr17": 9000}, "ERBB2", "genome.fa")
    check_contigs(refflat, {"chr17": 12_000}, "ERBB2", "genome.fa")


def test_check_reference_uses_the_index_when_there_is_one(tmp_path: Path) -> None:
    refflat = write_refflat(tmp_path, "17")
    fai = tmp_path / "genome.fa.fai"
    fai.write_text("chr17\t9000\t7\t60\t61\n")
    assert check_reference("genome.fa", refflat, "ERBB2", None) is None
    with pytest.raises(InputError, match="calls it 'chr17'"):
        check_reference("genome.fa", refflat, "ERBB2", fai)
    with pytest.raises(InputError, match="MYC is not in the refFlat"):
        check_reference("genome.fa", refflat, "MYC", None)
