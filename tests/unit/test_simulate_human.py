"""Tests of the GRCh38-shaped reference (UCSC and Ensembl names) and of the samples' sex."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import pysam
import pytest

from cfdna_erbb2 import RESPONSE_CLASSES
from cfdna_erbb2.cli import simulate as cli
from cfdna_erbb2.simulate.cohort import (
    SEX_TRUTH_COLUMNS,
    TRUTH_COLUMNS,
    cohort_truth,
    plan_cohort,
    preset,
    write_cohort,
)
from cfdna_erbb2.simulate.genome import (
    ALT_DIVERGENCE,
    CHR17,
    LOCUS_17Q12_GRCH38,
    MITO,
    UNPLACED,
    VIRUS,
    ChromLayout,
    Genome,
    make_genome,
    write_reference,
)
from cfdna_erbb2.simulate.human import (
    GRCH38_CHROMOSOMES,
    HUMAN_LAYOUT,
    NAMINGS,
    ensembl_name,
    name_genome,
)
from cfdna_erbb2.simulate.reads import Fragments, SampleSpec, simulate_fragments
from cfdna_erbb2.simulate.tumour import (
    FEMALE,
    MALE,
    MITO_READ_FRACTION,
    TumourSpec,
    copy_number_track,
    make_tumour,
    tumour_ploidy,
)

UCSC_PRIMARY = [f"chr{i}" for i in range(1, 23)] + ["chrX", "chrY", "chrM"]
ENSEMBL_PRIMARY = [str(i) for i in range(1, 23)] + ["X", "Y", "MT"]
LOCUS_GENES = {name for name, *_ in LOCUS_17Q12_GRCH38}
ALT_17Q12 = "chr17_KI270909v1_alt"
ALTS = ["chr6_GL000251v2_alt", ALT_17Q12]


@pytest.fixture(scope="module")
def genome() -> Genome:
    return make_genome(2, HUMAN_LAYOUT)


@pytest.fixture(scope="module")
def references(genome: Genome, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each naming's reference directory (genome.fa, genome.fa.fai, genes.refFlat)."""
    out = tmp_path_factory.mktemp("refs")
    for naming in NAMINGS:
        write_reference(name_genome(genome, naming), out / naming)
    return {naming: out / naming for naming in NAMINGS}


def _fai(ref: Path) -> dict[str, int]:
    """Contig -> length, in .fai order."""
    rows = [line.split("\t") for line in (ref / "genome.fa.fai").read_text().splitlines()]
    return {r[0]: int(r[1]) for r in rows}


def _refflat(ref: Path) -> list[list[str]]:
    return [line.split("\t") for line in (ref / "genes.refFlat").read_text().splitlines()]


def _table(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.mark.parametrize(
    ("naming", "primary", "others"),
    [
        (
            "ucsc",
            UCSC_PRIMARY,
            ["chr1_KI270706v1_random", "chrUn_KI270742v1", "chrEBV", ALT_17Q12],
        ),
        ("ensembl", ENSEMBL_PRIMARY, ["KI270706.1", "KI270742.1", "NC_007605", "KI270909.1"]),
    ],
)
def test_contigs_in_grch38_order(
    references: dict[str, Path], naming: str, primary: list[str], others: list[str]
) -> None:
    fai = _fai(references[naming])
    names = list(fai)
    assert names[: len(primary)] == primary
    # Unplaced scaffolds, then EBV, then the alt haplotypes, as in the GRCh38 analysis set.
    assert [names.index(c) for c in others] == sorted(names.index(c) for c in others)
    assert names.index(others[0]) == len(primary)
    assert fai[primary[-1]] == 16_569  # chrM as real
    assert fai[others[2]] == 171_823  # chrEBV as real
    # Alt haplotypes last, in chromosome order.
    assert names[-2:] == [ensembl_name(a) if naming == "ensembl" else a for a in ALTS]
    with pysam.FastaFile(str(references[naming] / "genome.fa")) as fa:
        assert list(fa.references) == names
    # The refFlat names contigs as the FASTA does.
    assert {r[2] for r in _refflat(references[naming])} <= set(names)


def test_primary_lengths_follow_grch38(genome: Genome) -> None:
    length = dict(zip(genome.names, genome.lengths, strict=True))
    real = {name: n for name, n, *_ in GRCH38_CHROMOSOMES}
    # Every chromosome but chr17 keeps its GRCh38 size relative to chr1.
    for name, n in real.items():
        if name != "chr17":
            assert length[name] / length["chr1"] == pytest.approx(n / real["chr1"], rel=1e-3)
    assert 30e6 < genome.total_length < 80e6
    # chr17 has room for a 2 Mb amplicon and 5 Mb flank windows on the q arm.
    erbb2 = genome.gene("ERBB2")
    assert erbb2.chrom == "chr17" and length["chr17"] >= 12_000_000
    assert erbb2.start - genome.centromeres["chr17"][1] >= 6_000_000
    assert length["chr17"] - erbb2.end >= 6_000_000
    # chrY is mostly N (heterochromatin, masked pseudo-autosomal regions), as in GRCh38.
    acgt = dict(zip(genome.names, genome.acgt_lengths.tolist(), strict=True))
    assert 0.2 < acgt["chrY"] / length["chrY"] < 0.6
    assert acgt["chr1"] / length["chr1"] > 0.85


@pytest.mark.parametrize(
    ("naming", "chr17", "alt"), [("ucsc", "chr17", ALT_17Q12), ("ensembl", "17", "KI270909.1")]
)
def test_refflat_lists_the_17q12_genes_on_chr17_and_on_the_alt(
    references: dict[str, Path], naming: str, chr17: str, alt: str
) -> None:
    rows = _refflat(references[naming])
    for gene in LOCUS_GENES:
        assert sorted(r[2] for r in rows if r[0] == gene) == sorted([chr17, alt])
    on_x = {r[0] for r in rows if r[2] in ("chrX", "X")}
    assert on_x and not on_x & LOCUS_GENES


def test_alt_is_a_diverged_copy_of_17q12(genome: Genome) -> None:
    primary = genome.gene("ERBB2")
    copy = next(g for g in genome.genes if g.name == "ERBB2" and g.chrom == ALT_17Q12)
    shift = primary.start - copy.start
    assert [s - shift for s in primary.exon_starts] == list(copy.exon_starts)
    alt_off = int(genome.offsets[genome.chrom_index(ALT_17Q12)])
    alt = genome.seq[alt_off : alt_off + genome.lengths[genome.chrom_index(ALT_17Q12)]]
    src = genome.to_global("chr17", shift)
    diverged = float((genome.seq[src : src + alt.size] != alt).mean())
    assert diverged == pytest.approx(ALT_DIVERGENCE, rel=0.1)
    assert not (alt == ord("N")).any()


@pytest.mark.parametrize(
    ("ucsc", "ensembl"),
    [
        ("chr1", "1"),
        ("chrX", "X"),
        ("chrM", "MT"),
        ("chrEBV", "NC_007605"),
        ("chr1_KI270706v1_random", "KI270706.1"),
        ("chr14_GL000009v2_random", "GL000009.2"),
        ("chrUn_KI270742v1", "KI270742.1"),
        ("chr17_KI270909v1_alt", "KI270909.1"),
    ],
)
def test_ensembl_name(ucsc: str, ensembl: str) -> None:
    assert ensembl_name(ucsc) == ensembl


def test_ensembl_variant_has_the_same_sequences_and_genes(references: dict[str, Path]) -> None:
    ucsc, ens = references["ucsc"], references["ensembl"]
    assert list(_fai(ens)) == [ensembl_name(c) for c in _fai(ucsc)]
    assert list(_fai(ens).values()) == list(_fai(ucsc).values())
    a = (ucsc / "genome.fa").read_bytes().split(b"\n")
    b = (ens / "genome.fa").read_bytes().split(b"\n")
    assert len(a) == len(b)
    headers = [(x, y) for x, y in zip(a, b, strict=True) if x.startswith(b">")]
    assert all(y == b">" + ensembl_name(x[1:].decode()).encode() for x, y in headers)
    assert [x for x in a if not x.startswith(b">")] == [y for y in b if not y.startswith(b">")]
    renamed = [[*r[:2], ensembl_name(r[2]), *r[3:]] for r in _refflat(ucsc)]
    assert renamed == _refflat(ens)


@pytest.fixture(scope="module")
def by_sex(genome: Genome) -> dict[str, Fragments]:
    """A healthy woman and a healthy man (same seed: only the sex differs)."""
    return {
        sex: simulate_fragments(genome, None, SampleSpec("N", read_pairs=200_000, seed=9, sex=sex))
        for sex in (FEMALE, MALE)
    }


def _per_bp(genome: Genome, frags: Fragments, contigs: list[str]) -> float:
    """Fragments starting on ``contigs`` per non-N bp of them."""
    contig = np.searchsorted(genome.offsets, frags.start, side="right") - 1
    idx = [genome.chrom_index(c) for c in contigs]
    return float(np.isin(contig, idx).sum() / genome.acgt_lengths[idx].sum())


def test_men_have_one_x_and_one_y(genome: Genome, by_sex: dict[str, Fragments]) -> None:
    autosomes = [f"chr{i}" for i in range(1, 23)]
    rate = {
        sex: {c: _per_bp(genome, f, [c]) / _per_bp(genome, f, autosomes) for c in ("chrX", "chrY")}
        for sex, f in by_sex.items()
    }
    assert rate[FEMALE]["chrX"] == pytest.approx(1.0, abs=0.08)
    assert rate[MALE]["chrX"] == pytest.approx(0.5, abs=0.06)
    assert rate[FEMALE]["chrY"] == 0
    assert rate[MALE]["chrY"] == pytest.approx(0.5, abs=0.12)


def test_chrm_and_ebv_get_a_few_reads_and_alts_none(
    genome: Genome, by_sex: dict[str, Fragments]
) -> None:
    for frags in by_sex.values():
        contig = np.searchsorted(genome.offsets, frags.start, side="right") - 1
        counts = dict(
            zip(genome.names, np.bincount(contig, minlength=len(genome.names)), strict=True)
        )
        assert 0.5 < counts["chrM"] / len(frags) / MITO_READ_FRACTION < 2
        assert counts["chrEBV"] > 0
        assert counts["chrUn_KI270742v1"] > 0
        assert counts[ALT_17Q12] == counts["chr6_GL000251v2_alt"] == 0


def test_a_mans_tumour_starts_from_one_x(genome: Genome) -> None:
    tumour = make_tumour(genome, TumourSpec(erbb2_copies=None, broad_fraction=0.3, seed=3))
    assert tumour.events
    for sex, x, y in ((FEMALE, 2, 0), (MALE, 1, 1)):
        bps, copies = copy_number_track(genome, tumour, sex)
        for chrom, want in (("chrX", x), ("chrY", y), (ALT_17Q12, 0)):
            i = genome.chrom_index(chrom)
            pos = np.arange(genome.lengths[i], step=1_000) + genome.offsets[i]
            at = copies[np.searchsorted(bps, pos, side="right") - 1]
            assert set(at.tolist()) == {want}, (sex, chrom)
    # Ploidy: 2 plus each (disjoint) broad event's excess over its non-N bases.
    autosomes = [i for i, n in enumerate(genome.names) if n.removeprefix("chr").isdigit()]
    excess = 0.0
    for ev in tumour.events:
        assert genome.chrom_index(ev.chrom) in autosomes
        start = genome.to_global(ev.chrom, ev.start)
        acgt = int((genome.seq[start : start + ev.end - ev.start] != ord("N")).sum())
        excess += (ev.copies - 2) * acgt
    expected = 2 + excess / genome.acgt_lengths[autosomes].sum()
    assert tumour_ploidy(genome, tumour, MALE) == pytest.approx(expected, rel=1e-9)
    assert abs(expected - 2) > 0.05


def test_human_preset_mixes_sexes_and_covers_every_response(genome: Genome) -> None:
    cohort = preset("human")
    rows = cohort_truth(genome, plan_cohort(cohort, genome, seed=2), cohort.min_read_pairs)
    normals = [str(r["sex"]) for r in rows if r["kind"] == "normal"]
    assert sorted(normals) == [FEMALE] * 3 + [MALE] * 3
    labels = {(r["sex"], r["expected_response"]) for r in rows}
    assert (MALE, "reduced") in labels and (FEMALE, "undetectable") in labels
    assert {label for _, label in labels} - {""} == set(RESPONSE_CLASSES)
    assert all(r["tumour_ploidy"] is None for r in rows if r["kind"] == "normal")
    ploidy = [float(str(r["tumour_ploidy"])) for r in rows if r["kind"] == "plasma"]
    assert all(1.5 < p < 4 for p in ploidy)
    sizes = [
        int(str(r["amplicon_end"])) - int(str(r["amplicon_start"]))
        for r in rows
        if r["amplicon_end"] != ""
    ]
    assert max(sizes) == 2_000_000


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The human-test cohort at a tiny depth: UCSC names twice, Ensembl names (by the CLI)."""
    out = tmp_path_factory.mktemp("cohorts")
    for run in ("ucsc", "ucsc-again"):
        write_cohort(out / run, preset("human-test"), seed=4, depth=0.002, bam=True)
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    argv = ["--outdir", str(out / "ensembl"), "--preset", "human-test", "--seed", "4"]
    args = parser.parse_args([*argv, "--depth", "0.002", "--bam", "--naming", "ensembl"])
    assert cli.run(args) == 0
    return {run: out / run for run in ("ucsc", "ucsc-again", "ensembl")}


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_truth_has_sex_and_tumour_ploidy(cohorts: dict[str, Path]) -> None:
    truth = _table(cohorts["ucsc"] / "truth.tsv")
    assert tuple(truth[0]) == TRUTH_COLUMNS + SEX_TRUTH_COLUMNS
    sexes = {r["sample"]: r["sex"] for r in truth}
    assert [sexes[f"HD0{i}"] for i in range(1, 5)] == [FEMALE, MALE, FEMALE, MALE]
    assert sexes["P01_D1"] == MALE and sexes["P02_D1"] == FEMALE
    for r in truth:
        assert (r["tumour_ploidy"] == "") == (r["kind"] == "normal")


def test_same_seed_same_bytes(cohorts: dict[str, Path]) -> None:
    a, b = cohorts["ucsc"], cohorts["ucsc-again"]
    assert _files(a) == _files(b) and len(_files(a)) > 20
    for rel in _files(a):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_namings_share_reads_and_differ_in_names(cohorts: dict[str, Path]) -> None:
    ucsc, ens = cohorts["ucsc"], cohorts["ensembl"]
    assert _files(ucsc) == _files(ens)
    for rel in _files(ucsc):
        if rel.parts[0] == "reads":
            assert (ucsc / rel).read_bytes() == (ens / rel).read_bytes(), rel
    truth = {run: _table(cohorts[run] / "truth.tsv") for run in ("ucsc", "ensembl")}
    for a, b in zip(truth["ucsc"], truth["ensembl"], strict=True):
        assert a | {"amplicon_chrom": ensembl_name(a["amplicon_chrom"])} == b
    assert {r["amplicon_chrom"] for r in truth["ensembl"]} == {"", "17"}
    with pysam.AlignmentFile(str(ens / "bam" / "HD02.bam")) as bam:
        assert list(bam.references) == list(_fai(ens / "reference"))
        assert "Y" in bam.references and "chrY" not in bam.references


def test_fragments_stay_inside_contigs_without_n_ends() -> None:
    # chrM, the virus and scaffolds have no telomere N: fragments must still stop at contig
    # ends, including the genome's last base.
    layout = (
        CHR17,
        ChromLayout("chrM", 16_569, 0, centromere_bp=0, role=MITO),
        ChromLayout("chrEBV", 171_823, 0, centromere_bp=0, role=VIRUS),
        ChromLayout("chrUn_KI270742v1", 5_000, 0, centromere_bp=0, role=UNPLACED),
    )
    small = make_genome(3, layout)
    frags = simulate_fragments(small, None, SampleSpec("N", read_pairs=400_000, seed=2))
    first = np.searchsorted(small.offsets, frags.start, side="right")
    last = np.searchsorted(small.offsets, frags.start + frags.length - 1, side="right")
    assert (first == last).all()
    assert np.bincount(first - 1, minlength=4).min() > 0
    assert (frags.start + frags.length).max() <= small.total_length
