"""Benchmark the simulator: read pairs per minute on one core, gzipped FASTQ included.

Usage: ``.venv/bin/python benchmarks/bench_simulate.py [--pairs 1000000] [--bam]``.
Genome construction is timed separately (it is done once per cohort).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from cfdna_erbb2.simulate import (
    SampleSpec,
    TumourSpec,
    make_genome,
    make_tumour,
    simulate_fragments,
    write_reads,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1_000_000, help="read pairs to simulate")
    parser.add_argument("--bam", action="store_true", help="also write the true-alignment BAM")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    t0 = time.perf_counter()
    genome = make_genome(args.seed)
    tumour = make_tumour(genome, TumourSpec(erbb2_copies=20, seed=args.seed))
    t1 = time.perf_counter()
    spec = SampleSpec("BENCH", tumour_fraction=0.1, read_pairs=args.pairs, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        t2 = time.perf_counter()
        frags = simulate_fragments(genome, tumour, spec)
        t3 = time.perf_counter()
        paths = write_reads(genome, frags, spec, tmp, fastq=True, bam=args.bam)
        t4 = time.perf_counter()
        size = sum(Path(p).stat().st_size for p in paths.values())
    total = t4 - t2
    print(f"genome ({genome.total_length / 1e6:.1f} Mb) + tumour: {t1 - t0:.2f} s")
    print(
        f"fragments: {t3 - t2:.2f} s; reads + gzip{' + BAM' if args.bam else ''}: {t4 - t3:.2f} s"
    )
    print(f"output: {size / 1e6:.1f} MB")
    print(f"{args.pairs} read pairs in {total:.2f} s on one core")
    print(f"read pairs per minute: {args.pairs / total * 60:,.0f}")


if __name__ == "__main__":
    main()
