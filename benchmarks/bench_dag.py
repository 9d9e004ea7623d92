"""How long Snakemake takes to plan a trial-sized cohort: `snakemake -n` on 1,000 draws.

Builds, in a temporary folder, a study of 40 normals and 320 patients x 3 draws (1,000
samples) on the simulator's `test` reference (`cfdna-erbb2 simulate --preset test`), with a
tiny valid FASTQ.gz pair per sample (a dry run reads none of them), and times a dry run of
the whole DAG (`snakemake -n`, default workflow profile) as a user would start it. Run:

    .venv/bin/python benchmarks/bench_dag.py [--normals 40] [--patients 320] [--draws 3]
        [--repeats 3] [--repo PATH ...] [--profile] [--keep DIR]

``--repo`` times the workflow of other checkouts on the same study in the same run (e.g.
``--repo /tmp/base`` after ``git worktree add /tmp/base HEAD``), so that a before/after
ratio is measured under one machine load. ``--profile`` runs the last repository's dry run
once more under cProfile and prints the functions with the most cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import io
import os
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
#: One read pair: enough for the sheet's checks (the files exist), nothing else reads them.
FASTQ = gzip.compress(b"@r1\nACGTACGTAC\n+\nIIIIIIIIII\n", mtime=0)
SHEET_HEADER = "sample\tpatient\tkind\ttimepoint\tfq1\tfq2\tbam\n"
#: Days of each patient's draws: baseline, then on treatment.
DAYS = (1, 22, 43, 64, 85)


def _env() -> dict[str, str]:
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")


def sheet_rows(normals: int, patients: int, draws: int) -> list[tuple[str, str, str, str]]:
    """(sample, patient, kind, timepoint) of every row of the study."""
    rows = [(f"N{i:03d}", "", "normal", "") for i in range(1, normals + 1)]
    for p in range(1, patients + 1):
        rows += [(f"P{p:03d}_D{day}", f"P{p:03d}", "plasma", str(day)) for day in DAYS[:draws]]
    return rows


def write_sheet(study: Path, rows: list[tuple[str, str, str, str]]) -> None:
    """samples.tsv naming reads/<sample>_R1/_R2.fastq.gz, written where missing."""
    reads = study / "reads"
    reads.mkdir(exist_ok=True)
    lines = [SHEET_HEADER]
    for sample, patient, kind, day in rows:
        pair = [f"reads/{sample}_{mate}.fastq.gz" for mate in ("R1", "R2")]
        for name in pair:
            if not (study / name).exists():
                (study / name).write_bytes(FASTQ)
        lines.append(f"{sample}\t{patient}\t{kind}\t{day}\t{pair[0]}\t{pair[1]}\t\n")
    (study / "samples.tsv").write_text("".join(lines))


def make_study(root: Path, normals: int, patients: int, draws: int) -> Path:
    """The simulator's test reference and config, and a sheet of the requested size."""
    study = root / "study"
    subprocess.run(
        [str(BIN / "cfdna-erbb2"), "simulate", "--preset", "test", "--outdir", str(study),
         "--seed", "1"],
        check=True, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    shutil.rmtree(study / "reads")  # the simulated reads: replaced by tiny placeholders
    write_sheet(study, sheet_rows(normals, patients, draws))
    return study


def dry_run_command(repo: Path, study: Path) -> list[str]:
    """`snakemake -n` of the whole DAG, as the README starts the workflow."""
    return [str(BIN / "snakemake"), "-s", str(repo / "Snakefile"), "--directory", str(study),
            "--configfile", str(study / "config.yaml"), "--workflow-profile",
            str(repo / "workflow" / "profiles" / "default"), "--cores", "2", "-n"]  # fmt: skip


def time_dry_run(repo: Path, study: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds (user + system) of one dry run, and its 'Job stats' table."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        dry_run_command(repo, study), cwd=study, env=_env(), capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if result.returncode != 0:
        raise SystemExit(f"dry run failed ({repo}):\n{result.stderr[-3000:]}")
    said = result.stdout + result.stderr
    stats = said.split("Job stats:")[1].split("\n\n")[0] if "Job stats:" in said else ""
    return wall, cpu, stats


def profile_dry_run(repo: Path, study: Path, top: int) -> str:
    """The dry run in this process under cProfile: the `top` functions by cumulative time."""
    from snakemake.cli import main as snakemake_main

    cwd = Path.cwd()
    profiler = cProfile.Profile()
    os.environ["PATH"] = _env()["PATH"]
    os.chdir(study)
    try:
        profiler.enable()
        try:
            snakemake_main(dry_run_command(repo, study)[1:])
        except SystemExit:
            pass
        finally:
            profiler.disable()
    finally:
        os.chdir(cwd)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--normals", type=int, default=40)
    parser.add_argument("--patients", type=int, default=320)
    parser.add_argument("--draws", type=int, default=3, choices=range(1, len(DAYS) + 1))
    parser.add_argument("--repeats", type=int, default=3, help="dry runs per repository")
    parser.add_argument("--repo", type=Path, action="append", default=[],
                        help="another checkout to time on the same study (repeatable)")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="print a cProfile summary")
    parser.add_argument("--top", type=int, default=30, help="functions in the profile")
    parser.add_argument("--keep", type=Path, help="build the study in this folder and keep it")
    args = parser.parse_args(argv)

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_dag_"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        study = root / "study"
        if (study / "config.yaml").exists():
            write_sheet(study, sheet_rows(args.normals, args.patients, args.draws))
        else:
            make_study(root, args.normals, args.patients, args.draws)
        n = args.normals + args.patients * args.draws
        print(f"study: {args.normals} normals + {args.patients} patients x {args.draws} draws "
              f"= {n} samples, in {study}")  # fmt: skip
        repos = [*(r.resolve() for r in args.repo), REPO]
        # Round robin, so that a change in the machine's load or speed during the
        # benchmark touches every repository alike.
        times: dict[Path, list[tuple[float, float]]] = {repo: [] for repo in repos}
        stats: dict[Path, str] = {}
        for _ in range(args.repeats):
            for repo in repos:
                wall, cpu, stats[repo] = time_dry_run(repo, study)
                times[repo].append((wall, cpu))
        for repo in repos:
            walls = [w for w, _ in times[repo]]
            cpus = [c for _, c in times[repo]]
            shown = ", ".join(f"{w:.1f}" for w in walls)
            print(f"\n{repo}: snakemake -n, median {statistics.median(walls):.1f} s wall "
                  f"({shown}), {statistics.median(cpus):.1f} s CPU")  # fmt: skip
            print(stats[repo])
        if args.profile:
            print(profile_dry_run(repos[-1], study, args.top))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
