"""The bins' GC and repeat content computed once gives the same CNVkit reference, byte for
byte, as CNVkit reading them from the FASTA in every reference (panel and leave-one-out)."""

from __future__ import annotations

import filecmp
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pysam
import pytest

from cfdna_erbb2.cnvkit_steps import build_reference, write_bin_content

CONTIGS = {"chr1": 60_000, "chr2": 40_000, "chrX": 30_000}
BIN = 5_000


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("content")
    rng = np.random.default_rng(3)
    fasta = root / "genome.fa"
    with fasta.open("w") as fh:
        for name, length in CONTIGS.items():
            gc = rng.uniform(0.3, 0.6)  # each contig its own GC, repeats in lower case
            bases = rng.choice(
                list("ACGT"), size=length, p=[(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]
            )
            masked = rng.random(length) < 0.3
            seq = "".join(b.lower() if m else b for b, m in zip(bases, masked, strict=True))
            seq = seq[:1_000] + "N" * 7_000 + seq[8_000:]  # a gap: one bin nearly all N
            fh.write(f">{name}\n")
            for i in range(0, length, 60):
                fh.write(seq[i : i + 60] + "\n")
    pysam.faidx(str(fasta))
    bins = root / "bins.bed"
    rows = [
        (
            name,
            start,
            min(start + BIN, length),
            "ERBB2" if name == "chr2" and start == 10_000 else "-",
        )
        for name, length in CONTIGS.items()
        for start in range(0, length, BIN)
    ]
    bins.write_text("".join(f"{c}\t{s}\t{e}\t{g}\n" for c, s, e, g in rows))
    cnns = []
    for i in range(4):
        depth = rng.gamma(20, 0.05, size=len(rows))
        table = pd.DataFrame(rows, columns=["chromosome", "start", "end", "gene"])
        table["depth"] = depth
        table["log2"] = np.log2(depth)
        path = root / f"HD{i}.targetcoverage.cnn"
        table.to_csv(path, sep="\t", index=False)
        cnns.append(path)
    content = root / "bins.content.tsv"
    write_bin_content(bins, fasta, content)
    return {"root": root, "fasta": fasta, "bins": bins, "content": content,
            **{f"cnn{i}": p for i, p in enumerate(cnns)}}  # fmt: skip


@pytest.mark.parametrize("normals", [4, 3, 0])
def test_reference_with_content_is_cnvkits_own(study: dict[str, Path], normals: int) -> None:
    cnns = [study[f"cnn{i}"] for i in range(normals)]
    root = study["root"]
    ours, theirs = root / f"ours{normals}.cnn", root / f"theirs{normals}.cnn"
    build_reference(cnns, study["fasta"], study["bins"], ours, content=study["content"])
    build_reference(cnns, study["fasta"], study["bins"], theirs)
    assert filecmp.cmp(ours, theirs, shallow=False)
    table = pd.read_csv(ours, sep="\t")
    assert table["gc"].between(0.25, 0.65).all()  # the FASTA's, not a default


def test_content_holds_every_bin_exactly(study: dict[str, Path]) -> None:
    from cnvlib.reference import bed2probes, get_fasta_stats

    table = pd.read_csv(study["content"], sep="\t", dtype={"chromosome": str})
    gc, rmask = get_fasta_stats(bed2probes(str(study["bins"])), str(study["fasta"]))
    assert list(table.columns) == ["chromosome", "start", "end", "gc", "rmask"]
    assert np.array_equal(table["gc"].to_numpy(), gc)  # exact: repr floats round-trip
    assert np.array_equal(table["rmask"].to_numpy(), rmask)


def test_bins_missing_from_the_content_are_read_from_the_fasta(
    study: dict[str, Path], caplog: pytest.LogCaptureFixture
) -> None:
    root = study["root"]
    partial = root / "partial.tsv"
    pd.read_csv(study["content"], sep="\t").iloc[:-2].to_csv(partial, sep="\t", index=False)
    cnns = [study["cnn0"], study["cnn1"]]
    ours, theirs = root / "partial_ours.cnn", root / "partial_theirs.cnn"
    with caplog.at_level(logging.WARNING):
        build_reference(cnns, study["fasta"], study["bins"], ours, content=partial)
    assert "read from the FASTA" in caplog.text
    build_reference(cnns, study["fasta"], study["bins"], theirs)
    assert filecmp.cmp(ours, theirs, shallow=False)


def test_cnvkit_reads_the_fasta_again_after_the_block(study: dict[str, Path]) -> None:
    from cnvlib import reference

    original = reference.get_fasta_stats
    build_reference([study["cnn0"]], study["fasta"], study["bins"], study["root"] / "x.cnn",
                    content=study["content"])  # fmt: skip
    assert reference.get_fasta_stats is original


def test_a_table_that_is_not_bin_content_is_refused(study: dict[str, Path]) -> None:
    wrong = study["root"] / "wrong.tsv"
    pd.read_csv(study["content"], sep="\t").rename(columns={"gc": "GC"}).to_csv(
        wrong, sep="\t", index=False
    )
    with pytest.raises(ValueError, match="expected"):
        build_reference([study["cnn0"]], study["fasta"], study["bins"], study["root"] / "w.cnn",
                        content=wrong)  # fmt: skip
