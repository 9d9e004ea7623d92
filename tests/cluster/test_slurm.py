"""Run workflows through a real single-node SLURM with the project's SLURM profile.

`test_slurm_toy_workflow` proves the harness and the profile on a three-rule
workflow in about a minute. `test_workflow_slurm_matches_local` runs the
project's workflow through SLURM on the good samples of the simulator's `test`
cohort (three normals, two patients) and asserts that it gives the same ERBB2
calls and responses as the local run of the same samples, which the
fault-injection test compares with too (the ``undisturbed`` fixture, run once
for both). Both print wall times and job counts (see them with `pytest -rP` or
`-s`).
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.integration.conftest import good_study

from .slurm import ACCOUNT, PARTITION, SlurmCluster

REPO = Path(__file__).parents[2]
VENV_BIN = Path(sys.executable).parent
SLURM_PROFILE = REPO / "workflow" / "profiles" / "slurm"
# Hard limit of one Snakemake run, in seconds.
RUN_LIMIT = 900

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

TOY_SNAKEFILE = """\
localrules:
    all,
    gather,


rule all:
    input:
        "results/summary.txt",


rule square:
    output:
        "results/square_{n}.txt",
    log:
        "logs/square_{n}.log",
    shell:
        "echo $(( {wildcards.n} * {wildcards.n} )) ${{SLURM_JOB_ID:-local}} > {output} 2> {log}"


# Fails on its first attempt for lack of memory, as a real job killed by SLURM
# would; the SLURM profile's retries bring it back with attempt-scaled memory.
rule add:
    input:
        expand("results/square_{n}.txt", n=[2, 3]),
    output:
        "results/sum.txt",
    log:
        "logs/add.log",
    threads: 2
    resources:
        mem_mb=lambda wildcards, attempt: 400 * attempt,
        runtime=lambda wildcards, attempt: 5 * attempt,
    shell:
        "test {resources.mem_mb} -ge 800 2> {log} && "
        "awk '{{s += $1}} END {{print s, ENVIRON[\\"SLURM_JOB_ID\\"], "
        "ENVIRON[\\"SLURM_CPUS_PER_TASK\\"]}}' {input} > {output} 2>> {log}"


rule gather:
    input:
        "results/sum.txt",
    output:
        "results/summary.txt",
    log:
        "logs/gather.log",
    shell:
        "(cat {input}; echo ${{SLURM_JOB_ID:-local}}) > {output} 2> {log}"
"""


def _env() -> dict[str, str]:
    """The test's environment with the venv's bin first on PATH (snakemake, cfdna-erbb2)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def _slurm_args(cluster: SlurmCluster) -> list[str]:
    """Command-line arguments of a cluster run, as a user at a site would pass them.

    Partition and account come from --default-resources, which replaces the
    profile's own list, so the profile's mem_mb and runtime are repeated (as the
    README's "Running on a SLURM cluster" tells users to). The status polling
    intervals are shortened from the plugin's production defaults (40 s, 10 s) to
    keep the test quick. Threads are capped at the node's CPUs with --max-threads,
    as the README tells users to: a job asking for more CPUs than any node has could
    never start (the workflow stops before submitting it), where a local run would
    scale them down to --cores. --cores does the same for the jobs that bundle a
    sample's steps: on this node of 2 CPUs the QC (1 thread) and the coverage (2)
    of a sample's group job would otherwise run side by side on 3.
    """
    profile = yaml.safe_load((SLURM_PROFILE / "config.yaml").read_text())
    return [
        "--workflow-profile",
        str(SLURM_PROFILE),
        "--executor",
        "slurm",
        "--jobs",
        "4",
        "--max-threads",
        str(cluster.node_cpus),
        "--cores",
        str(cluster.node_cpus),
        "--latency-wait",
        "5",
        "--slurm-init-seconds-before-status-checks",
        "2",
        "--seconds-between-status-checks",
        "2",
        "--default-resources",
        *profile["default-resources"],
        f"slurm_partition={PARTITION}",
        f"slurm_account={ACCOUNT}",
    ]


def _snakemake(args: list[str], workdir: Path, log: Path) -> float:
    """Run Snakemake under a hard time limit; return its wall time in seconds.

    `timeout -s INT`: Snakemake ignores SIGTERM while it polls SLURM, but stops
    (and cancels its jobs) on SIGINT; -k sends SIGKILL 30 s later if it hangs.
    """
    argv = [
        "timeout",
        "-s",
        "INT",
        "-k",
        "30",
        str(RUN_LIMIT),
        str(VENV_BIN / "snakemake"),
        "--directory",
        str(workdir),
        *args,
    ]
    start = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(argv, cwd=workdir, env=_env(), stdout=out, stderr=subprocess.STDOUT)
        try:
            returncode = proc.wait()
        except BaseException:
            # Interrupted (Ctrl-C, or SIGTERM turned into KeyboardInterrupt by
            # conftest): `timeout` passes SIGINT on, and Snakemake cancels its jobs.
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            raise
    wall = time.monotonic() - start
    if returncode != 0:
        raise AssertionError(
            f"snakemake exited {returncode} after {wall:.0f} s "
            f"(124 = killed at the {RUN_LIMIT} s limit):\n{_diagnostics(workdir, log)}"
        )
    return wall


def _diagnostics(workdir: Path, log: Path) -> str:
    """Tail of Snakemake's log and of SLURM's logs of the jobs, for a failure message."""
    parts = ["\n".join(log.read_text(errors="replace").splitlines()[-60:])]
    for slurm_log in sorted((workdir / ".snakemake" / "slurm_logs").rglob("*.log"))[-5:]:
        text = "\n".join(slurm_log.read_text(errors="replace").splitlines()[-20:])
        parts.append(f"--- {slurm_log}\n{text}")
    return "\n".join(parts)


def _local_rule_jobs(log: Path) -> collections.Counter[str]:
    """Jobs that Snakemake ran on the submitting host (`localrule NAME:` lines)."""
    names = re.findall(r"^localrule (\w+):", log.read_text(), flags=re.MULTILINE)
    return collections.Counter(names)


def _submitted_rule_jobs(log: Path) -> collections.Counter[str]:
    """Jobs that Snakemake handed to the executor, retries included: `rule NAME:` lines,
    and each group job (`Group job ID ...:` and its members' indented `rule NAME:` lines)
    under the name the SLURM plugin gives it, ID_RULE1_RULE2... (its rules sorted)."""
    jobs: collections.Counter[str] = collections.Counter()
    group: tuple[str, set[str]] | None = None
    for line in log.read_text().splitlines():
        if group is not None and (member := re.match(r"^\s+rule (\w+):", line)):
            group[1].add(member.group(1))
            continue
        # A member's "Shell command:" line is not indented; the next unindented line ends
        # the group's listing.
        closes = line.strip() and not line[0].isspace() and not line.startswith("Shell command:")
        if group is not None and closes:
            jobs[f"{group[0]}_{'_'.join(sorted(group[1]))}"] += 1
            group = None
        if found := re.match(r"^(?:\[.*?\] )?Group job (\S+) \(jobs", line):
            group = (found.group(1), set())
        elif found := re.match(r"^rule (\w+):", line):
            jobs[found.group(1)] += 1
    if group is not None:
        jobs[f"{group[0]}_{'_'.join(sorted(group[1]))}"] += 1
    return jobs


def _wait_for_accounting(
    cluster: SlurmCluster, since: float, expected: int, timeout: float = 30
) -> list[dict[str, str]]:
    """sacct's records of this run's jobs, once all `expected` have reached slurmdbd."""
    deadline = time.monotonic() + timeout
    jobs = cluster.sacct_jobs(since)
    while len(jobs) < expected and time.monotonic() < deadline:
        time.sleep(1)
        jobs = cluster.sacct_jobs(since)
    return jobs


def test_slurm_toy_workflow(slurm_cluster: SlurmCluster, tmp_path: Path) -> None:
    """Jobs go through sbatch with the profile's retries, memory scaling and threads."""
    (tmp_path / "Snakefile").write_text(TOY_SNAKEFILE)
    log = tmp_path / "snakemake.log"
    since = time.time()
    wall = _snakemake(_slurm_args(slurm_cluster), tmp_path, log)

    submitted = _submitted_rule_jobs(log)
    local = _local_rule_jobs(log)
    jobs = _wait_for_accounting(slurm_cluster, since, expected=sum(submitted.values()))
    by_rule = collections.Counter(job["Rule"] for job in jobs)
    print(f"toy workflow through SLURM: {wall:.1f} s wall, {len(jobs)} SLURM jobs {dict(by_rule)}")
    print(f"  local jobs {dict(local)}")

    # Two squares and two attempts of `add` went to SLURM; `all` and `gather` did not.
    assert by_rule == {"square": 2, "add": 2}
    assert submitted == by_rule
    assert local == {"gather": 1, "all": 1}
    assert {(job["Partition"], job["Account"]) for job in jobs} == {(PARTITION, ACCOUNT)}
    add_states = sorted(job["State"] for job in jobs if job["Rule"] == "add")
    assert add_states == ["COMPLETED", "FAILED"]

    slurm_ids = {job["JobID"] for job in jobs}
    squares = [(tmp_path / f"results/square_{n}.txt").read_text().split() for n in (2, 3)]
    assert [value for value, _ in squares] == ["4", "9"]
    assert {job_id for _, job_id in squares} <= slurm_ids
    total, add_job, add_cpus = (tmp_path / "results/sum.txt").read_text().split()
    assert (total, add_cpus) == ("13", str(min(2, slurm_cluster.node_cpus)))
    assert add_job in slurm_ids
    # The local rule ran on this host, outside any SLURM job.
    assert (tmp_path / "results/summary.txt").read_text().split()[-1] == "local"


def _read_sorted(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, sep="\t")
    table = table.sort_values(list(table.columns), kind="stable")
    return table.reset_index(drop=True)


RESULT_TABLES = (
    "results/erbb2/calls.tsv",
    "results/response/timepoints.tsv",
    "results/response/patients.tsv",
)
# Targets of both runs: the response tables (and so the calls they are made from).
# Plots and the QC summary are left out: each job through SLURM pays a queue
# round-trip and a Python start-up, and they do not change the tables compared.
TARGETS = ("results/response/timepoints.tsv", "results/response/patients.tsv")


def test_workflow_slurm_matches_local(
    slurm_cluster: SlurmCluster, test_cohort: Path, undisturbed: Path, tmp_path: Path
) -> None:
    """The project's workflow gives the same calls and responses on SLURM as locally (the
    local run is the ``undisturbed`` one the fault-injection test compares with too)."""
    snakefile = REPO / "Snakefile"
    if not snakefile.exists():
        pytest.skip(f"the workflow is not written yet: no {snakefile}")
    slurm_dir = good_study(test_cohort, tmp_path / "slurm")
    common = ["-s", str(snakefile), "--configfile", str(slurm_dir / "config.yaml")]
    slurm_log = tmp_path / "slurm.log"
    since = time.time()
    slurm_wall = _snakemake(
        [*common, *_slurm_args(slurm_cluster), "--", *TARGETS], slurm_dir, slurm_log
    )

    submitted = _submitted_rule_jobs(slurm_log)
    local = _local_rule_jobs(slurm_log)
    jobs = _wait_for_accounting(slurm_cluster, since, expected=sum(submitted.values()))
    by_rule = collections.Counter(job["Rule"] for job in jobs)
    print(
        f"SLURM run:  {slurm_wall:.1f} s wall, {len(jobs)} jobs through SLURM "
        f"{dict(sorted(by_rule.items()))}, {sum(local.values())} local "
        f"{dict(sorted(local.items()))}"
    )

    assert jobs, "no job reached SLURM's accounting"
    assert by_rule == submitted, "every job Snakemake submitted must be a SLURM job"
    failed = [job for job in jobs if job["State"] != "COMPLETED"]
    assert not failed, f"SLURM jobs that did not complete: {failed}"

    # Issue 13: one SLURM job per sample for its chain (input check, alignment, BAM QC
    # with bin coverage and samtools stats); a normal's check is a job of its own (the bin
    # size waits for the normals' read counts). The bins' GC content is one job for the
    # panel's references. The test cohort's 12 samples (3 normals) make 34 SLURM jobs where
    # there were 66 (48 of them the chain's); the 5 good samples here make 20.
    sheet = pd.read_csv(slurm_dir / "samples.tsv", sep="\t")
    n_samples, n_normals = len(sheet), int((sheet["kind"] == "normal").sum())
    assert dict(by_rule) == {
        "sample_align_check_fastq_qc_bam": n_samples - n_normals,
        "sample_align_qc_bam": n_normals,
        "check_fastq": n_normals,
        "cnvkit_fix_segment": n_samples,
        "cnvkit_reference_loo": n_normals,
        "cnvkit_reference": 1,
        "cnvkit_access": 1,
        "bin_content": 1,
        "bwa_index": 1,
    }

    for table in RESULT_TABLES:
        pd.testing.assert_frame_equal(
            _read_sorted(undisturbed / table),
            _read_sorted(slurm_dir / table),
            check_exact=False,
            rtol=0,
            atol=1e-9,
            obj=table,
        )
