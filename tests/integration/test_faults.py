"""Fault injection: every real-world fault at once, and nothing else is lost (issue 11).

One cohort carries, together: FASTQ files with hostile names (a space, quotes and a
``$(touch ...)`` in the path), a healthy-donor normal whose library failed (no reads), a
truncated FASTQ.gz, a plasma draw with no reads, a BAM aligned to another genome build, and
a reference folder the run must not write to. The run is killed (by PID) in the middle of
its alignments, and resumed as the README says (``--unlock``, then the same command). Every
other sample's results must then be complete and identical to an undisturbed run of the same
good samples.
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pysam
import pytest

from .conftest import (
    BIN,
    GOOD,
    REPO,
    good_study,
    job_counts,
    read_sheet,
    read_tsv,
    snakemake,
    tool_env,
    write_sheet,
)

pytestmark = pytest.mark.slow

#: Sheet names get hostile file names: a space, quotes, and a command substitution that
#: would create PWNED if a path ever reached a shell unquoted.
HOSTILE = {"HD02": "HD 02 $(touch PWNED) 'q'", "P01_D1": 'P01 "d1"; $(touch PWNED)'}
#: Columns that must match the undisturbed run exactly (everything measured).
COMPARED = ["erbb2_log2", "erbb2_pcn", "locus_log2", "erbb2_z", "focal_z", "lod_pcn",
            "systematic_sd", "noise_sd", "amplified", "evaluable", "reason"]  # fmt: skip


def _foreign_bam(path: Path) -> None:
    """A sorted, indexed BAM aligned to another genome (contigs '1', '2')."""
    header = {"HD": {"VN": "1.6", "SO": "coordinate"},
              "SQ": [{"SN": "1", "LN": 5_000_000}, {"SN": "2", "LN": 4_000_000}]}  # fmt: skip
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        read = pysam.AlignedSegment()
        read.query_name = "r1"
        read.query_sequence = "A" * 50
        read.flag = 0
        read.reference_id = 0
        read.reference_start = 100
        read.mapping_quality = 60
        read.cigarstring = "50M"
        read.query_qualities = pysam.qualitystring_to_array("I" * 50)
        out.write(read)
    pysam.index(str(path))


def _single_end_bam(paired: Path, path: Path) -> None:
    """``paired`` as single-end reads: every read kept, its pair flags, mate and TLEN gone
    (as a single-end run's BAM has none), duplicate marks kept."""
    with (
        pysam.AlignmentFile(str(paired), "rb") as src,
        pysam.AlignmentFile(str(path), "wb", template=src) as out,
    ):
        for read in src.fetch(until_eof=True):
            if read.flag & 0x80:
                read.query_name = f"{read.query_name}_2"
            read.flag &= ~(0x1 | 0x2 | 0x8 | 0x20 | 0x40 | 0x80)
            read.next_reference_id = -1
            read.next_reference_start = -1
            read.template_length = 0
            out.write(read)
    pysam.index(str(path))


def add_faults(study: Path, undisturbed: Path) -> None:
    """Hostile names for two good samples; a failed normal, a truncated and an empty draw,
    a BAM of another genome build, and a single-end BAM (a good draw's reads, unpaired)."""
    reads = study / "reads"
    sheet = read_sheet(study)
    for sample, name in HOSTILE.items():
        row = sheet.index[sheet["sample"] == sample][0]
        for mate, col in (("R1", "fq1"), ("R2", "fq2")):
            target = reads / f"{name}_{mate}.fastq.gz"
            (study / sheet.loc[row, col]).rename(target)
            sheet.loc[row, col] = str(target.relative_to(study))
    for mate in ("R1", "R2"):
        with gzip.open(reads / f"HDX_{mate}.fastq.gz", "wb"):
            pass  # a normal whose library gave no reads
        with gzip.open(reads / f"Z_{mate}.fastq.gz", "wb"):
            pass  # a plasma draw with no reads
    data = (reads / "P03_D22_R1.fastq.gz").read_bytes()
    (reads / "T_R1.fastq.gz").write_bytes(data[: len(data) // 2])  # a transfer cut short
    shutil.copy(reads / "P03_D22_R2.fastq.gz", reads / "T_R2.fastq.gz")
    _foreign_bam(study / "foreign.bam")
    _single_end_bam(undisturbed / "results" / "bam" / "P03_D1.bam", study / "single.bam")
    extra = [
        ("HDX", "", "normal", "", "reads/HDX_R1.fastq.gz", "reads/HDX_R2.fastq.gz", ""),
        ("T", "P03", "plasma", "22", "reads/T_R1.fastq.gz", "reads/T_R2.fastq.gz", ""),
        ("Z", "P09", "plasma", "1", "reads/Z_R1.fastq.gz", "reads/Z_R2.fastq.gz", ""),
        ("B", "P08", "plasma", "1", "", "", "foreign.bam"),
        ("S", "P07", "plasma", "1", "", "", "single.bam"),
    ]
    columns = ["sample", "patient", "kind", "timepoint", "fq1", "fq2", "bam"]
    rows = pd.DataFrame([dict(zip(columns, r, strict=True)) for r in extra])
    write_sheet(study, pd.concat([sheet, rows], ignore_index=True).fillna(""))


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``folder`` with its size and modification time (ns)."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def kill_mid_alignment(study: Path, timeout_s: float = 300) -> None:
    """Start the run, wait until an alignment is under way, kill the run's process group."""
    cmd = [
        str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--directory", str(study),
        "--configfile", str(study / "config.yaml"), "--cores", "2",
    ]  # fmt: skip
    with (study.parent / "killed.log").open("w") as log:
        proc = subprocess.Popen(cmd, env=tool_env(), stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        align_logs = study / "results" / "logs" / "align"
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                if align_logs.is_dir() and any(align_logs.iterdir()):
                    break
                time.sleep(0.2)
            assert proc.poll() is None, "the run ended before any alignment started"
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)


def test_faults_lose_nothing_else(
    test_cohort: Path, undisturbed: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    study = good_study(test_cohort, tmp_path_factory.mktemp("faults") / "study")
    add_faults(study, undisturbed)
    reference = snapshot(study / "reference")
    (study / "reference").chmod(0o555)  # read-only for a user (root writes anyway)

    kill_mid_alignment(study)
    locked = snakemake(study)
    assert locked.returncode != 0 and "--unlock" in locked.stderr  # said how to go on
    assert snakemake(study, "--unlock").returncode == 0
    resumed = snakemake(study)

    # The truncated FASTQ fails its own check, once, and stops only its own chain.
    assert resumed.returncode != 0
    check_log = (study / "results" / "logs" / "check_fastq" / "T.log").read_text()
    assert "T_R1.fastq.gz is not a complete gzip file" in check_log
    assert resumed.stderr.count("T_R1.fastq.gz is not a complete gzip file") <= 2
    assert not (study / "results" / "erbb2" / "samples" / "T.tsv").exists()
    bam_log = (study / "results" / "logs" / "check_bam" / "B.log").read_text()
    assert "missing from the BAM header" in bam_log and "genome build" in bam_log

    # No path reached a shell unquoted, and the reference folder was not written to.
    assert not list(study.rglob("PWNED")) and not list(REPO.glob("PWNED"))
    assert snapshot(study / "reference") == reference

    # The failed normal is named, left out of the panel, and reported as not evaluable.
    assert "HDX is left out of the panel of normals" in resumed.stderr
    logs = study / "results" / "logs" / "cnvkit_reference"
    assert "reference pooled from 3 normal(s)" in (logs / "panel.log").read_text()
    assert "reference pooled from 2 normal(s)" in (logs / "loo_HD01.log").read_text()
    members = read_tsv(study / "results" / "cnvkit" / "reference" / "panel_members.tsv")
    assert members.set_index("sample")["usable"].to_dict() == {
        "HD01": True, "HD02": True, "HD03": True, "HDX": False,
    }  # fmt: skip

    # Every good sample's result is there and equal to the undisturbed run's.
    calls = {}
    for sample in [*GOOD, "HDX", "Z"]:
        path = study / "results" / "erbb2" / "samples" / f"{sample}.tsv"
        assert path.is_file(), sample
        calls[sample] = read_tsv(path).iloc[0]
    for sample in GOOD:
        expected = read_tsv(undisturbed / "results" / "erbb2" / "samples" / f"{sample}.tsv")
        got, want = calls[sample][COMPARED], expected.iloc[0][COMPARED]
        pd.testing.assert_series_equal(got, want, check_names=False, obj=sample)
    # Single-end reads have no fragment lengths: the draw is called on all fragments alone,
    # with the plain thresholds, and the table and the console say why.
    single = read_tsv(study / "results" / "erbb2" / "samples" / "S.tsv").iloc[0]
    assert single["evaluable"] and single["tracks"] == 1
    assert single["tracks_reason"].startswith("S has no measured fragment lengths")
    assert "S: size-weighted coverage track not tested" in resumed.stderr
    assert all(calls[s]["tracks"] == 2 and pd.isna(calls[s]["tracks_reason"]) for s in GOOD)
    for failed in ("HDX", "Z"):
        row = calls[failed]
        assert not row["evaluable"] and "read pairs" in row["reason"]
        assert pd.isna(row["erbb2_pcn"]) and pd.isna(row["erbb2_z"])  # no numbers from nothing
    bins = (study / "results" / "reference" / "bins.target.bed").read_bytes()
    assert bins == (undisturbed / "results" / "reference" / "bins.target.bed").read_bytes()

    # The fix: a complete FASTQ for T, B's row removed. Only T's chain and the cohort
    # tables rerun.
    shutil.copy(study / "reads" / "P03_D22_R1.fastq.gz", study / "reads" / "T_R1.fastq.gz")
    sheet = read_sheet(study)
    write_sheet(study, sheet[sheet["sample"] != "B"])
    counts = job_counts(snakemake(study, "-n").stdout)
    assert counts.get("align") == 1 and counts.get("cnvkit_fix_segment") == 1, counts
    assert "bins" not in counts and "cnvkit_reference" not in counts, counts
    fixed = snakemake(study)
    assert fixed.returncode == 0, fixed.stderr[-4000:]
    final = read_tsv(study / "results" / "erbb2" / "calls.tsv").set_index("sample")
    assert set(final.index) == {*GOOD, "HDX", "S", "T", "Z"}
    assert final.loc["T", "evaluable"]
