"""Write a synthetic serial-cfDNA cohort with known truth.

Builds a synthetic reference genome (FASTA + refFlat), healthy-donor normals and patients
with serial plasma draws whose tumours carry a focal ERBB2 amplicon (or a 17q arm-gain
decoy), and writes paired FASTQ.gz (optionally true-alignment BAMs), truth.tsv,
samples.tsv and config.yaml into --outdir. The human presets use a GRCh38-shaped genome
(chr1-22, X, Y, M, unplaced scaffolds, chrEBV, alt haplotypes) and samples of both sexes;
--naming ensembl names its contigs 1-22, X, Y, MT, KI270742.1, ... Same --seed, same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..simulate.cohort import PRESETS, preset, write_cohort
from ..simulate.human import NAMINGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``cfdna-erbb2 simulate``."""
    parser.add_argument("--outdir", required=True, type=Path, help="output directory")
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="demo",
        help="built-in cohort: 'demo' (all response classes, ~21 Mb genome), 'test' (CI), "
        "'human' (all response classes, both sexes, GRCh38-shaped ~55 Mb genome) or "
        "'human-test' (a smaller 'human', for CI)",
    )
    parser.add_argument(
        "--naming",
        choices=NAMINGS,
        default="ucsc",
        help="contig names: 'ucsc' (chr1, chrX, chrM, chrUn_KI270742v1; default) or "
        "'ensembl' (1, X, MT, KI270742.1); the sequence and reads are the same",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--bam", action="store_true", help="also write coordinate-sorted true-alignment BAMs"
    )
    parser.add_argument(
        "--depth",
        type=float,
        default=None,
        help="override every sample's depth (x); draws fixed by read count keep it",
    )
    parser.add_argument(
        "--sheet-input",
        choices=("fastq", "bam"),
        default="fastq",
        help="what samples.tsv points to (bam implies --bam)",
    )
    parser.add_argument("--threads", type=int, default=1, help="ignored (single-threaded)")


def run(args: argparse.Namespace) -> int:
    """Simulate the chosen cohort and print where everything is."""
    if args.depth is not None and not 0 < args.depth <= 50:
        print("cfdna-erbb2 simulate: error: --depth must be in (0, 50]", file=sys.stderr)
        return 2
    cohort = preset(args.preset)

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    paths = write_cohort(
        args.outdir,
        cohort,
        seed=args.seed,
        bam=args.bam,
        depth=args.depth,
        sheet_input=args.sheet_input,
        progress=progress,
        naming=args.naming,
    )
    print(f"reference : {paths['fasta']} (+ .fai), {paths['refflat']}")
    print(f"reads     : {paths['reads']}/{{sample}}_R1.fastq.gz, _R2.fastq.gz")
    if "bam" in paths:
        print(f"bam       : {paths['bam']}/{{sample}}.bam (+ .bai)")
    print(f"truth     : {paths['truth']}")
    print(f"samples   : {paths['samples']}")
    print(f"config    : {paths['config']}")
    return 0
