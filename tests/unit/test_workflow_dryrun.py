"""The workflow's start-up, planning and cheap checks, on a tiny study (seconds, no alignment).

Each test runs Snakemake as the README shows it (`-s Snakefile --configfile ...`), mostly as
a dry run (`-n`); where a check lives in a job (check_fastq, check_reference) only that
job's target is built.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOSTILE = ("a b.fastq.gz", "$(touch PWNED).fastq.gz", "it's;`touch PWNED`.fastq.gz")
SHEET_HEADER = "sample\tpatient\tkind\ttimepoint\tfq1\tfq2\tbam\n"
FASTQ = b"@r1/1\nACGTACGTAC\n+\nIIIIIIIIII\n"


def _env(path_prefix: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    extra = f"{path_prefix}{os.pathsep}" if path_prefix else ""
    env["PATH"] = f"{extra}{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def snakemake(
    study: Path,
    *args: str,
    config: str = "config.yaml",
    cores: tuple[str, ...] = ("--cores", "1"),
    path_prefix: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Snakemake on ``study`` as a user runs it (no --workflow-profile), from another folder."""
    configfile = ["--configfile", str(study / config)] if config else []
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--directory", str(study),
           *configfile, *cores, *args]  # fmt: skip
    return subprocess.run(
        cmd, cwd=study.parent, env=_env(path_prefix), capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def said(result: subprocess.CompletedProcess[str]) -> str:
    """All Snakemake printed (a dry run logs to stdout, a real run to stderr)."""
    return result.stdout + result.stderr


def job_counts(output: str) -> dict[str, int]:
    """Rule -> planned jobs, from the 'Job stats' table of a dry run."""
    table = output.split("Job stats:")[1].split("total")[0]
    return {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def write_reads(path: Path, truncated: bool = False) -> None:
    data = gzip.compress(FASTQ * 50)
    path.write_bytes(data[: len(data) // 2] if truncated else data)


def make_study(root: Path, rows: list[tuple[str, str, str, str]], fai: bool = True) -> Path:
    """A study with a 2-contig genome, ERBB2 on chr17 and one read pair per (sample, kind)
    row; ``rows`` are (sample, patient, kind, timepoint)."""
    study = root / "study"
    (study / "reference").mkdir(parents=True)
    (study / "reads").mkdir()
    seqs = {"chr1": "ACGT" * 500, "chr17": "GATC" * 2000}
    fasta, index, offset = "", "", 0
    for name, seq in seqs.items():
        offset += len(name) + 2
        index += f"{name}\t{len(seq)}\t{offset}\t{len(seq)}\t{len(seq) + 1}\n"
        fasta += f">{name}\n{seq}\n"
        offset += len(seq) + 1
    (study / "reference" / "genome.fa").write_text(fasta)
    if fai:
        (study / "reference" / "genome.fa.fai").write_text(index)
    (study / "reference" / "genes.refFlat").write_text(
        "ERBB2\tNM_004448\tchr17\t+\t3000\t5000\t3000\t5000\t1\t3000,\t5000,\n"
    )
    sheet = SHEET_HEADER
    for sample, patient, kind, timepoint in rows:
        for mate in ("R1", "R2"):
            write_reads(study / "reads" / f"{sample}_{mate}.fastq.gz")
        sheet += (f"{sample}\t{patient}\t{kind}\t{timepoint}\treads/{sample}_R1.fastq.gz\t"
                  f"reads/{sample}_R2.fastq.gz\t\n")  # fmt: skip
    (study / "samples.tsv").write_text(sheet)
    (study / "config.yaml").write_text(
        "samples: samples.tsv\nreference:\n  fasta: reference/genome.fa\n"
        "  refflat: reference/genes.refFlat\n"
    )
    return study


NORMALS = [("N1", "", "normal", ""), ("N2", "", "normal", "")]
COHORT = [*NORMALS, ("P1_D1", "P1", "plasma", "1"), ("P1_D22", "P1", "plasma", "22")]


def set_reads(study: Path, sample: str, fq1: str, fq2: str) -> None:
    """Point ``sample``'s row at reads/fq1 and reads/fq2 (written as valid FASTQ.gz)."""
    for name in (fq1, fq2):
        if not (study / "reads" / name).exists():
            write_reads(study / "reads" / name)
    lines = (study / "samples.tsv").read_text().splitlines(keepends=True)
    for i, line in enumerate(lines):
        cells = line.split("\t")
        if cells[0] == sample:
            cells[4], cells[5] = f"reads/{fq1}", f"reads/{fq2}"
            lines[i] = "\t".join(cells)
    (study / "samples.tsv").write_text("".join(lines))


def no_pwned(root: Path) -> None:
    assert not list(root.rglob("PWNED*")), "a file name was run as a command"
    assert not (REPO / "PWNED").exists()


# ---- item 6: the documented short command uses the workflow profile ----------------------


def test_the_default_profile_is_used_without_workflow_profile(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT)
    result = snakemake(study, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    found = re.search(r"Using workflow specific profile (\S+) for setting", result.stderr)
    assert found, result.stderr[:2000]
    assert Path(found.group(1)).resolve() == REPO / "workflow" / "profiles" / "default"


def test_only_the_cluster_profile_retries_and_checks_never_do() -> None:
    """Retries only where more memory or time can help (item 7): on SLURM, which kills a
    job for them; never the deterministic checks; no rule-level retries, which would retry
    inside the same SLURM allocation."""
    profiles = {
        name: yaml.safe_load((REPO / "workflow" / "profiles" / name / "config.yaml").read_text())
        for name in ("default", "slurm")
    }
    assert "retries" not in profiles["default"]
    assert profiles["slurm"]["retries"] == 2
    assert all(p["keep-going"] is True for p in profiles.values())
    rules = "".join(p.read_text() for p in sorted((REPO / "workflow" / "rules").glob("*.smk")))
    blocks = dict(re.findall(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", rules, re.MULTILINE | re.DOTALL))
    declared = {
        name: int(m.group(1))
        for name, body in blocks.items()
        if (m := re.search(r"^    retries: (\d+)", body, re.MULTILINE))
    }
    assert declared == {"check_fastq": 0, "check_bam": 0, "check_reference": 0}


# ---- item 3: a panel-only run -----------------------------------------------------------


def test_a_panel_only_run_plans_everything_but_the_response(tmp_path: Path) -> None:
    study = make_study(tmp_path, NORMALS)
    result = snakemake(study, "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "panel-only run: 2 normals, no patients" in result.stderr
    counts = job_counts(result.stdout)
    for rule in ("response", "plot_cohort", "plot_trajectory"):
        assert rule not in counts, counts
    for rule in ("align", "cnvkit_reference", "erbb2_calls", "qc_table", "plot_sample"):
        assert counts.get(rule), (rule, counts)
    assert "results/erbb2/calls.tsv" in result.stdout


def test_a_cohort_run_plans_the_response(tmp_path: Path) -> None:
    result = snakemake(make_study(tmp_path, COHORT), "-n")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "panel-only" not in result.stderr
    counts = job_counts(result.stdout)
    assert counts["response"] == 1 and counts["plot_trajectory"] == 1, counts


# ---- item 2: hostile file names reach the shell quoted ----------------------------------


def test_hostile_fastq_names_are_quoted(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT)
    set_reads(study, "N1", HOSTILE[0], HOSTILE[1])
    set_reads(study, "N2", HOSTILE[2], "N2_R2.fastq.gz")
    plan = snakemake(study, "-n", "-p")
    assert plan.returncode == 0, plan.stderr[-3000:]
    bwa = "\n".join(line for line in plan.stdout.splitlines() if "bwa mem" in line)
    for name in HOSTILE:
        assert shlex.quote(f"reads/{name}") in bwa, name
    run = snakemake(study, "results/qc/N1.fastq_reads.json", "results/qc/N2.fastq_reads.json")
    assert run.returncode == 0, run.stderr[-3000:]
    no_pwned(tmp_path)
    log = (study / "results" / "logs" / "check_fastq" / "N1.log").read_text()
    assert f"reads/{HOSTILE[0]}: complete" in log and f"reads/{HOSTILE[1]}: complete" in log


def test_a_hostile_fasta_path_in_a_read_only_folder(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT, fai=False)
    folder = study / "ref dir"
    folder.mkdir()
    name = "g $(touch PWNED).fa"
    (study / "reference" / "genome.fa").rename(folder / name)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    config = yaml.safe_load((study / "config.yaml").read_text())
    config["reference"]["fasta"] = f"ref dir/{name}"
    (study / "config.yaml").write_text(yaml.safe_dump(config))
    try:
        run = snakemake(study, "results/reference/reference_checked.txt")
    finally:
        folder.chmod(stat.S_IRWXU)
    assert run.returncode == 0, run.stderr[-3000:]
    no_pwned(tmp_path)
    assert (study / "results" / "reference" / "genome.fa.fai").read_text().startswith("chr1\t")
    assert not (folder / f"{name}.fai").exists()


# ---- item 7: a deterministic failure fails once -----------------------------------------


def test_a_truncated_fastq_fails_once_with_its_name(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT)
    write_reads(study / "reads" / "cut me.fastq.gz", truncated=True)
    set_reads(study, "P1_D1", "cut me.fastq.gz", "P1_D1_R2.fastq.gz")
    run = snakemake(study, "results/qc/P1_D1.fastq_reads.json")
    assert run.returncode != 0
    assert "ERROR: reads/cut me.fastq.gz is not a complete gzip file" in said(run)
    assert said(run).count("Error in rule check_fastq") == 1, "retried a deterministic failure"


# ---- issue 13: the read pairs that set the bin size, counted by the FASTQ check ----------


def test_the_fastq_check_counts_the_read_pairs(tmp_path: Path) -> None:
    """The count rule bins uses for the automatic size: the reads of a mate (50 here)."""
    study = make_study(tmp_path, COHORT)
    run = snakemake(study, "results/qc/N1.fastq_reads.json")
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads((study / "results" / "qc" / "N1.fastq_reads.json").read_text())
    assert record == {"sample": "N1", "read_pairs": 50}


def test_a_fastq_without_its_last_newline_counts_as_bwa_reads_it(tmp_path: Path) -> None:
    """bwa reads a last record whose quality line has no newline; so does the count."""
    study = make_study(tmp_path, COHORT)
    write_reads(study / "reads" / "nl_R1.fastq.gz")
    (study / "reads" / "nl_R2.fastq.gz").write_bytes(gzip.compress((FASTQ * 50).rstrip(b"\n")))
    set_reads(study, "N1", "nl_R1.fastq.gz", "nl_R2.fastq.gz")
    run = snakemake(study, "results/qc/N1.fastq_reads.json")
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads((study / "results" / "qc" / "N1.fastq_reads.json").read_text())
    assert record["read_pairs"] == 50


@pytest.mark.parametrize(
    ("mate2", "error"),
    [
        (FASTQ * 49, "has 50 reads but reads/bad_R2.fastq.gz has 49: the mates do not pair up"),
        (FASTQ * 50 + b"@r2/2\nACGT\n", "has 202 lines, not four per read"),
    ],
)
def test_fastq_mates_that_do_not_pair_up_stop_the_check(
    tmp_path: Path, mate2: bytes, error: str
) -> None:
    study = make_study(tmp_path, COHORT)
    write_reads(study / "reads" / "bad_R1.fastq.gz")
    (study / "reads" / "bad_R2.fastq.gz").write_bytes(gzip.compress(mate2))
    set_reads(study, "N1", "bad_R1.fastq.gz", "bad_R2.fastq.gz")
    run = snakemake(study, "results/qc/N1.fastq_reads.json")
    assert run.returncode != 0
    assert error in said(run)
    assert not (study / "results" / "qc" / "N1.fastq_reads.json").exists()


# ---- items 4 and 9: config and reference errors before any job --------------------------


def test_a_config_without_the_reference_names_file_and_key(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT)
    (study / "config.yaml").write_text("samples: samples.tsv\n")
    result = snakemake(study, "-n")
    assert result.returncode != 0
    assert f"{study / 'config.yaml'}: key 'reference.fasta' is missing" in said(result)
    no_config = snakemake(study, "-n", config="")
    assert "no --configfile given: key 'samples' is missing" in said(no_config)


def test_an_unknown_key_is_one_line_not_a_schema_dump(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT)
    with (study / "config.yaml").open("a") as fh:
        fh.write("erbb2:\n  zmin: 3\n")
    result = snakemake(study, "-n")
    assert result.returncode != 0
    assert "key 'erbb2.zmin' is not a config key; did you mean 'erbb2.z_min'?" in said(result)
    assert "Failed validating" not in said(result) and len(said(result).splitlines()) < 15


def test_refflat_chromosome_names_against_the_fai_at_start_up(tmp_path: Path) -> None:
    study = make_study(tmp_path, COHORT)
    refflat = study / "reference" / "genes.refFlat"
    refflat.write_text(refflat.read_text().replace("\tchr17\t", "\t17\t"))
    result = snakemake(study, "-n")
    assert result.returncode != 0
    assert "ERBB2 is on chromosome '17'" in said(result) and "calls it 'chr17'" in said(result)
    assert not (study / "results").exists()


def test_refflat_chromosome_names_checked_before_any_alignment_without_fai(
    tmp_path: Path,
) -> None:
    study = make_study(tmp_path, COHORT, fai=False)
    refflat = study / "reference" / "genes.refFlat"
    refflat.write_text(refflat.read_text().replace("\tchr17\t", "\t17\t"))
    plan = snakemake(study, "-n")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert job_counts(plan.stdout)["check_reference"] == 1
    run = snakemake(study, "results/reference/genome.fa.bwt")
    assert run.returncode != 0
    assert "calls it 'chr17'" in said(run)
    assert not (study / "results" / "reference" / "genome.fa.bwt").exists()


# ---- item 11: a SLURM job that could never start ----------------------------------------


def fake_slurm(folder: Path, cpus: int, mem_mb: int) -> Path:
    """Stand-ins for SLURM's commands: one partition 'debug' of one node; sbatch refuses and
    records that it was called (the plugin needs sacct and scontrol to load)."""
    folder.mkdir()
    scripts = {
        "sinfo": f"echo 'debug* {cpus} {mem_mb}'",
        "scontrol": "echo 'ClusterName = fake'",
        "sacct": "exit 1",
        "sbatch": f"echo called >> {shlex.quote(str(folder / 'sbatch.calls'))}; exit 1",
    }
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)
    return folder


@pytest.mark.parametrize(("cpus", "mem_mb", "stops"), [(2, 64000, True), (8, 64000, False)])
def test_slurm_jobs_larger_than_any_node_stop_the_run_before_submission(
    tmp_path: Path, cpus: int, mem_mb: int, stops: bool
) -> None:
    study = make_study(tmp_path, COHORT)
    bin_dir = fake_slurm(tmp_path / "fake-slurm", cpus, mem_mb)
    profile = str(REPO / "workflow" / "profiles" / "slurm")
    polling = (
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--seconds-between-status-checks",
        "1",
    )
    args = ("--workflow-profile", profile, "--jobs", "1", *polling)
    run = snakemake(study, *args, cores=(), path_prefix=bin_dir)
    assert run.returncode != 0  # the stand-in sbatch refuses every job
    message = "rule align asks 4 CPUs (threads) per job, but the largest node of partition "
    assert (message in said(run)) is stops, said(run)[-3000:]
    if stops:
        assert "--max-threads 2" in said(run)
    assert (bin_dir / "sbatch.calls").exists() is not stops


@pytest.mark.parametrize(
    ("packed", "cores", "stops"),
    [(1, (), False), (2, (), True), (2, ("--cores", "2"), False)],
)
def test_a_sample_group_larger_than_any_node_stops_the_run_before_submission(
    tmp_path: Path, packed: int, cores: tuple[str, ...], stops: bool
) -> None:
    """Issue 13: a sample's chain (check, align, QC with bin coverage) is one SLURM job whose
    steps run one after another, so at --max-threads 2 it fits a 2-CPU node. Packed two
    samples to a job (group-components), the two chains run side by side and add up to
    more than 2 CPUs although every job fits: the check stops the run before any submission and
    names --cores 2, which makes Snakemake run them in turn."""
    study = make_study(tmp_path, COHORT)
    bin_dir = fake_slurm(tmp_path / "fake-slurm", 2, 64000)
    profile = str(REPO / "workflow" / "profiles" / "slurm")
    args = ("--workflow-profile", profile, "--jobs", "1", "--max-threads", "2", *cores,
            "--group-components", f"sample={packed}",
            "--slurm-init-seconds-before-status-checks", "1",
            "--seconds-between-status-checks", "1")  # fmt: skip
    run = snakemake(study, *args, cores=(), path_prefix=bin_dir)
    assert run.returncode != 0  # the stand-in sbatch refuses every job
    found = re.search(r"group 'sample' \(([\w, ]+)\) asks (\d+) CPUs and (\d+) MB", said(run))
    assert bool(found) is stops, said(run)[-3000:]
    if found:
        assert {"align", "qc_bam"} <= set(found.group(1).split(", "))
        assert int(found.group(2)) > 2
        assert "Run with --cores 2 --resources mem_mb=64000" in said(run)
    assert (bin_dir / "sbatch.calls").exists() is not stops


def test_a_missing_tool_stops_the_run_before_any_job_with_the_fix(tmp_path: Path) -> None:
    """Issue 12: run outside the project's environment, the workflow used to fail ten
    minutes in, at the first CNVkit job; now it stops at once and says how to fix it."""
    study = make_study(tmp_path, COHORT)
    # The user's PATH without the project's environment (.venv/bin, where CNVkit lives).
    path = os.pathsep.join(
        d for d in os.environ.get("PATH", "").split(os.pathsep) if Path(d) != BIN and d
    )
    if shutil.which("cnvkit.py", path=path):
        pytest.skip("CNVkit is installed outside the project's environment on this machine")
    cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--directory", str(study),
           "--configfile", str(study / "config.yaml"), "--cores", "1", "-n"]  # fmt: skip
    env = {**os.environ, "PATH": path}
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode != 0
    assert "Missing tools: CNVkit" in said(result)
    assert "bin/activate" in said(result) and "--sdm conda" in said(result)
    assert not (study / "results").exists()


# ---- issue 13: a new draw reruns only its own jobs and the cohort's ---------------------


def planned_jobs(output: str) -> list[tuple[str, str]]:
    """(rule, wildcards) of every job of a dry run's plan, group members included."""
    jobs: list[tuple[str, str]] = []
    for line in output.splitlines():
        if found := re.match(r"\s*(?:local)?rule (\w+):$", line):
            jobs.append((found.group(1), ""))
        elif (found := re.match(r"\s*wildcards: (.*)$", line)) and jobs:
            jobs[-1] = (jobs[-1][0], found.group(1))
    return jobs


def complete_without_running(study: Path) -> None:
    """Mark the whole plan as done: every output made (empty) and dated in order by
    `--touch`, then the temporary files removed, as a finished run leaves them."""
    plan = snakemake(study, "-n")
    assert plan.returncode == 0, plan.stderr[-3000:]
    for line in re.findall(r"^\s*output: (.+)$", plan.stdout, re.MULTILINE):
        for name in line.split(", "):
            (study / name).parent.mkdir(parents=True, exist_ok=True)
            (study / name).touch()
    touched = snakemake(study, "--touch")
    assert touched.returncode == 0, touched.stderr[-3000:]
    for pattern in ("results/cnvkit/coverage/*.cnn", "results/cnvkit/reference/loo/*.cnn"):
        for path in study.glob(pattern):
            path.unlink()
    again = snakemake(study, "-n")
    assert "Nothing to be done" in said(again), said(again)[-3000:]


def test_a_new_draw_reruns_its_own_jobs_and_the_cohort_tables_only(tmp_path: Path) -> None:
    """Adding a patient's draw to a finished study plans that draw's chain (check to call
    and plots) and the tables and plots made from every call; never the bins, the panel
    of normals or another sample's jobs. (`--touch` records no provenance, so this follows
    the files and their times: a rule whose params listed every sample would rerun in a
    real run too, and is not caught here.)"""
    study = make_study(tmp_path, [*COHORT, ("P2_D1", "P2", "plasma", "1")])
    complete_without_running(study)
    write_reads(study / "reads" / "P1_D43_R1.fastq.gz")
    write_reads(study / "reads" / "P1_D43_R2.fastq.gz")
    with (study / "samples.tsv").open("a") as fh:
        fh.write("P1_D43\tP1\tplasma\t43\treads/P1_D43_R1.fastq.gz\treads/P1_D43_R2.fastq.gz\t\n")
    plan = snakemake(study, "-n")
    assert plan.returncode == 0, plan.stderr[-3000:]
    jobs = planned_jobs(plan.stdout)
    per_sample = {rule for rule, wildcards in jobs if "sample=" in wildcards}
    assert per_sample == {
        "check_fastq", "align", "qc_bam", "cnvkit_fix_segment",
        "erbb2_call", "plot_sample",
    }  # fmt: skip
    assert {w for _, w in jobs if "sample=" in w} <= {"sample=P1_D43", "group=P1, sample=P1_D43"}
    cohort = {rule for rule, wildcards in jobs if "sample=" not in wildcards}
    assert cohort == {
        "erbb2_calls", "qc_table", "response", "plot_cohort", "plot_qc", "plot_trajectory",
        "multiqc_content", "multiqc", "cohort_seg", "provenance", "report_tables",
        "report_response_tables", "all",
    }  # fmt: skip
    assert sum(job_counts(plan.stdout).values()) == len(jobs)
