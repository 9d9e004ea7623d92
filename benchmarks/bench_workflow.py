"""Where the workflow's time goes: the demo cohort end to end, from scratch.

Simulates a cohort (preset `demo` by default) into a temporary folder, runs the workflow
with the default profile on N cores, and prints the wall time and, from the rules'
Snakemake `benchmark:` files, the seconds per sample of each stage and its share of all
job time. Run:

    .venv/bin/python benchmarks/bench_workflow.py [--preset demo|test] [--cores 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(cmd: list[str], cwd: Path | None = None) -> float:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def stage_table(study: Path) -> pd.DataFrame:
    """Seconds per job of every rule with a benchmark file (CPU time may exceed wall)."""
    rows = []
    root = study / "results" / "benchmarks"
    for path in sorted(root.rglob("*.tsv")):
        bench = pd.read_csv(path, sep="\t")
        # A rule with one job per sample has a folder; a cohort rule, one file of its name.
        first = path.relative_to(root).parts[0]
        rule = first.removesuffix(".tsv")
        rows.append({"rule": rule, "job": path.stem, "s": float(bench["s"].iloc[0])})
    table = pd.DataFrame(rows)
    summary = table.groupby("rule")["s"].agg(jobs="count", total="sum", per_job="mean")
    summary["share"] = summary["total"] / summary["total"].sum()
    return summary.sort_values("total", ascending=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="demo", choices=["demo", "test"])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_workflow_"))
    study = root / "study"
    if study.exists():
        shutil.rmtree(study)
    sim_s = run([str(BIN / "cfdna-erbb2"), "simulate", "--preset", args.preset,
                 "--outdir", str(study), "--seed", "1"])  # fmt: skip
    smk = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--directory", str(study),
           "--configfile", str(study / "config.yaml"), "--workflow-profile",
           str(REPO / "workflow" / "profiles" / "default"), "--cores", str(args.cores)]  # fmt: skip
    wall = run(smk)
    report_s = run([*smk, "--report", str(study / "report.html")])
    n = len(pd.read_csv(study / "samples.tsv", sep="\t"))
    summary = stage_table(study)
    print(f"cohort: preset {args.preset}, {n} samples; {args.cores} cores")
    print(f"simulate: {sim_s:.1f} s; workflow: {wall:.1f} s wall; report: {report_s:.1f} s")
    print("\nrules with benchmark files (seconds per job; share of their summed job time):")
    print(summary.to_string(float_format=lambda v: f"{v:.2f}"))
    if args.keep is None:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
