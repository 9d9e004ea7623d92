"""Synthetic serial cfDNA sequencing data with known ERBB2 truth.

The project's test bed: a synthetic reference with a human-like 17q12 locus
(:mod:`.genome`), tumour genomes with a focal ERBB2 amplicon or decoy gains (:mod:`.tumour`),
cfDNA-like paired-end reads (:mod:`.reads`) and cohorts of serial draws with expected
response labels (:mod:`.cohort`). Typical single-draw use::

    genome = make_genome(seed=1)
    write_reference(genome, "ref")
    truth = simulate_sample(
        genome,
        SampleSpec("S1", tumour_fraction=0.1, depth=1.0, seed=7),
        "reads",
        tumour=TumourSpec(erbb2_copies=20, amplicon_size=500_000),
    )

A GRCh38-shaped genome (:mod:`.human`: chr1-22, X, Y, M, scaffolds, chrEBV, alt
haplotypes; UCSC or Ensembl names) and a man's sample::

    genome = name_genome(make_genome(seed=1, layout=HUMAN_LAYOUT), "ensembl")
    simulate_sample(genome, SampleSpec("M1", depth=0.5, seed=3, sex=MALE), "reads")
"""

from __future__ import annotations

from .cohort import (
    CohortSpec,
    DrawSpec,
    PatientSpec,
    expected_response,
    preset,
    simulate_sample,
    write_cohort,
)
from .genome import DEFAULT_LAYOUT, SMALL_LAYOUT, Genome, make_genome, write_reference
from .human import HUMAN_LAYOUT, NAMINGS, name_genome
from .reads import (
    Fragments,
    SampleSpec,
    expected_log2,
    expected_pcn,
    simulate_fragments,
    write_reads,
)
from .tumour import FEMALE, MALE, TumourGenome, TumourSpec, make_tumour

__all__ = [
    "DEFAULT_LAYOUT",
    "FEMALE",
    "HUMAN_LAYOUT",
    "MALE",
    "NAMINGS",
    "SMALL_LAYOUT",
    "CohortSpec",
    "DrawSpec",
    "Fragments",
    "Genome",
    "PatientSpec",
    "SampleSpec",
    "TumourGenome",
    "TumourSpec",
    "expected_log2",
    "expected_pcn",
    "expected_response",
    "make_genome",
    "make_tumour",
    "name_genome",
    "preset",
    "simulate_fragments",
    "simulate_sample",
    "write_cohort",
    "write_reads",
    "write_reference",
]
