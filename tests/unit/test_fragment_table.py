"""The normals' fragment-length histograms gathered into one table and split back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cfdna_erbb2.qc import gather_fragment_lengths, split_fragment_lengths


def write_hist(path: Path, counts: dict[int, int]) -> Path:
    pd.DataFrame({"length": list(counts), "count": list(counts.values())}).to_csv(
        path, sep="\t", index=False
    )
    return path


def test_gather_then_split_gives_each_normal_its_own_histogram(tmp_path: Path) -> None:
    hists = {"HD1": {120: 3, 167: 10}, "HD2": {166: 7}, "HD3": {90: 1, 167: 2, 334: 1}}
    paths = [write_hist(tmp_path / f"{n}.tsv", h) for n, h in hists.items()]
    table = gather_fragment_lengths(paths, list(hists))
    assert list(table.columns) == ["sample", "length", "count"]
    out = tmp_path / "normals.tsv"
    table.to_csv(out, sep="\t", index=False)
    back = split_fragment_lengths(pd.read_csv(out, sep="\t"))
    assert list(back) == list(hists)
    for name, counts in hists.items():
        assert dict(zip(back[name]["length"], back[name]["count"], strict=True)) == counts


def test_a_normal_without_fragments_gets_an_empty_histogram(tmp_path: Path) -> None:
    """A failed library's histogram has no rows, so the gathered table has none of it: asked
    for by name, it comes back empty (the fragment plot then leaves it out), not missing."""
    good = write_hist(tmp_path / "HD1.tsv", {167: 5})
    failed = tmp_path / "HDX.tsv"
    failed.write_text("length\tcount\n")
    table = gather_fragment_lengths([good, failed], ["HD1", "HDX"])
    assert set(table["sample"]) == {"HD1"}
    back = split_fragment_lengths(table, ["HDX", "HD1"])
    assert list(back) == ["HDX", "HD1"]
    assert back["HDX"].empty and list(back["HDX"].columns) == ["length", "count"]
    assert dict(zip(back["HD1"]["length"], back["HD1"]["count"], strict=True)) == {167: 5}


def test_no_normals_gives_an_empty_table() -> None:
    table = gather_fragment_lengths([], [])
    assert list(table.columns) == ["sample", "length", "count"] and table.empty
    assert split_fragment_lengths(table) == {}


def test_paths_and_names_must_pair_up(tmp_path: Path) -> None:
    path = write_hist(tmp_path / "a.tsv", {167: 1})
    with pytest.raises(ValueError, match="2 histograms for 1 samples"):
        gather_fragment_lengths([path, path], ["HD1"])
