"""One sample's cost and every step's peak memory at human scale (issue 13).

Usage::

    .venv/bin/python benchmarks/bench_scale.py     # 10 M read pairs, ~30,000 bins, 40 normals
    .venv/bin/python benchmarks/bench_scale.py --pairs 1000000 --normal-pairs 200000 \\
        --align-pairs 50000 --normals 5 --bins 5000      # smoke run (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py --resume  # keep the steps a stopped run measured

A human low-pass draw has about 10 million read pairs and, at 300 read pairs per bin, about
30,000 bins. On the simulator's GRCh38-shaped genome (``HUMAN_LAYOUT``, 55 Mb) with the bin
size set to give ``--bins`` bins, the benchmark runs the workflow's own commands and scripts,
one subprocess per step:

- rules with a ``shell:`` (check_fastq, align) run their command as it stands in
  workflow/rules/*.smk (read from the file, formatted as Snakemake formats it, with the
  rule's ``threads``); rules with a ``script:`` run workflow/scripts/<name>.py with a
  stand-in for Snakemake's ``snakemake`` object (input, output, log, params, wildcards,
  config), with the parameters the rules pass from config/config.yaml;
- alignment (``bwa mem`` and the rest of rule align) on ``--align-pairs`` simulated read
  pairs, scaled linearly to ``--pairs``; rule align's fixmate | sort | markdup also at full
  scale, fed by ``samtools collate`` from the simulator's true-alignment BAM, for its memory;
- everything after alignment on a ``--pairs`` coordinate-sorted, duplicate-flagged BAM written
  by the simulator (true alignments): BAM QC with the bin coverage, fix + CBS segmentation,
  the ERBB2 call (with its tumour-fraction fit; also timed alone), the genome and fragment plots;
- the panel of normals: ``--normals`` coverage files made from one simulated normal's coverage
  (``--normal-pairs``, scaled to ``--pairs`` with Poisson counting noise per normal), screened
  (panel_members) and pooled (cnvkit_reference).

Each step's process tree is sampled from /proc every 0.1 s: its peak resident memory is summed
over the tree, as in Snakemake's benchmark files (``max_rss``, MB = 2^20 bytes), and is never
below the largest single process's max RSS (``/usr/bin/time``, Debian package ``time``, when
installed); CPU seconds are user + system time of the whole tree (wait4).

Outputs, in benchmarks/out/ (git-ignored): ``scale_summary.md`` (the printed tables) and
``scale_steps.tsv`` (one row per step); inputs are cached in ``cache_scale/``, step outputs and
logs are written to ``scale/``.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import re
import runpy
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "workflow" / "rules"
SCRIPTS = ROOT / "workflow" / "scripts"
OUT = ROOT / "benchmarks" / "out"
CACHE = OUT / "cache_scale"
RUN = OUT / "scale"

#: Seconds between two samples of a step's process tree.
SAMPLE_INTERVAL_S = 0.1
#: GNU time (Debian package ``time``): its ``%M`` is the largest process's max RSS (kB).
GNU_TIME = Path("/usr/bin/time")
#: Snakemake's benchmark files give max_rss in MB of 2^20 bytes; so does this benchmark.
MB = 2**20
#: GRCh38's length (bp, primary assembly with unplaced scaffolds, GCA_000001405.15; the
#: analysis sets with alt contigs and decoys are 3.2 Gb). bwa's index, loaded whole into
#: memory by ``bwa mem``, is proportional to the reference's length.
GRCH38_BP = 3_100_000_000
#: Accessible bp of GRCh38's primary chromosomes that carry bins (``cnvkit.py access`` on
#: hg38 gives about 2.9 Gb): CNVkit computes the GC and repeat content of every bin from it.
GRCH38_ACCESSIBLE_BP = 2_900_000_000
#: A rule's mem_mb: its measured peak x MEM_HEADROOM, rounded up to a multiple of
#: MEM_STEP_MB, and never below MEM_FLOOR_MB (a study's conda env may load other libraries
#: than the venv this was measured in; a retry for memory costs a queue wait on SLURM).
MEM_HEADROOM, MEM_STEP_MB, MEM_FLOOR_MB = 1.5, 250, 500
#: Tumour of the simulated draw: 20-copy ERBB2 amplicon, arm-level broad events, TF 20%.
TUMOUR_FRACTION = 0.2
SAMPLE, NORMAL = "PT01", "HD00"
#: Reuse the measurements of an earlier run's steps (``--resume``).
RESUME = False


# --- measuring a step ------------------------------------------------------------------


@dataclass
class Measured:
    """One subprocess run: wall and CPU seconds (its whole tree), peak memory (MB)."""

    wall_s: float
    cpu_s: float
    peak_mb: float
    by_tool: dict[str, dict[str, float]] = field(default_factory=dict)
    ticks: list[dict[str, float]] = field(default_factory=list)

    def peak_of(self, tools: Sequence[str]) -> float:
        """Peak of the summed memory of the processes labelled ``tools`` (MB)."""
        return max((sum(t.get(name, 0.0) for name in tools) for t in self.ticks), default=0.0)


def _label(pid: str) -> str:
    """A process's name for the tables: the program and, for samtools/bwa, its subcommand."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    name = Path(argv[0].decode(errors="replace")).name
    if name in ("samtools", "bwa") and len(argv) > 1:
        return f"{name} {argv[1].decode(errors='replace')}"
    return name


class TreeSampler:
    """Memory (RSS) and CPU ticks of every process in one session, read from /proc."""

    def __init__(self, session: int) -> None:
        self.session = session
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.hz = os.sysconf("SC_CLK_TCK")
        self.labels: dict[str, str] = {}
        self.cpu: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self.seen: dict[str, tuple[float, float]] = {}
        self.ticks: list[dict[str, float]] = []
        self.t0 = time.perf_counter()

    def sample(self) -> None:
        tick: dict[str, float] = {}
        now = time.perf_counter() - self.t0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            rest = stat[stat.rfind(")") + 2 :].split()
            if int(rest[3]) != self.session:  # field 6: session id
                continue
            pid = entry.name
            if pid not in self.labels:
                self.labels[pid] = _label(pid)
            label = self.labels[pid]
            rss = int(rest[21]) * self.page / MB  # field 24: resident pages
            self.cpu[pid] = (int(rest[11]) + int(rest[12])) / self.hz  # utime + stime
            self.peak[pid] = max(self.peak.get(pid, 0.0), rss)
            self.seen[pid] = (self.seen.get(pid, (now, now))[0], now)
            tick[label] = tick.get(label, 0.0) + rss
        self.ticks.append(tick)

    def by_tool(self) -> dict[str, dict[str, float]]:
        """Per label: CPU seconds (as last seen), the largest single process's RSS (MB) and
        the seconds from its first process's start to its last one's end (as sampled)."""
        out: dict[str, dict[str, float]] = {}
        spans: dict[str, list[float]] = {}
        for pid, label in self.labels.items():
            row = out.setdefault(label, {"cpu_s": 0.0, "peak_mb": 0.0, "wall_s": 0.0})
            row["cpu_s"] += self.cpu.get(pid, 0.0)
            row["peak_mb"] = max(row["peak_mb"], self.peak.get(pid, 0.0))
            spans.setdefault(label, []).extend(self.seen.get(pid, (0.0, 0.0)))
        for label, times in spans.items():
            out[label]["wall_s"] = max(times) - min(times) + SAMPLE_INTERVAL_S
        return out


def measure(cmd: Sequence[str], log: Path, cwd: Path | None = None) -> Measured:
    """Run ``cmd`` in its own session; its output goes to ``log``. Raises if it fails.

    The measurement is kept beside the log; with ``--resume`` a kept one is reused.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    kept = log.with_suffix(".measured.json")
    if RESUME and kept.exists():
        return Measured(**json.loads(kept.read_text()))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    maxrss = log.with_suffix(".maxrss")
    if GNU_TIME.exists():  # the largest single process's max RSS, a floor for the sampling
        cmd = [str(GNU_TIME), "-f", "%M", "-o", str(maxrss), *cmd]
    with log.open("w") as fh:
        proc = subprocess.Popen(
            list(cmd), stdout=fh, stderr=subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True
        )
        t0 = time.perf_counter()
        sampler = TreeSampler(proc.pid)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            sampler.sample()
            time.sleep(SAMPLE_INTERVAL_S)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        tail = "".join(log.read_text().splitlines(keepends=True)[-20:])
        raise RuntimeError(f"{' '.join(cmd)[:300]} failed ({proc.returncode}); {log}:\n{tail}")
    tree_peak = max((sum(t.values()) for t in sampler.ticks), default=0.0)
    # Not wait4's ru_maxrss: a child's starts at its parent's (this process's) RSS on exec.
    floor = int(maxrss.read_text().split()[-1]) * 1024 / MB if maxrss.exists() else 0.0
    cpu = usage.ru_utime + usage.ru_stime
    measured = Measured(wall, cpu, max(tree_peak, floor), sampler.by_tool(), sampler.ticks)
    kept.write_text(json.dumps(asdict(measured)))
    return measured


# --- the workflow's commands and scripts -------------------------------------------------


def rule_block(rule: str) -> str:
    """The text of ``rule`` in workflow/rules/*.smk (its indented body)."""
    for smk in sorted(RULES.glob("*.smk")):
        m = re.search(rf"^rule {rule}:\n(.*?)(?=^\S|\Z)", smk.read_text(), re.M | re.S)
        if m:
            return m.group(1)
    raise LookupError(f"no rule {rule} in {RULES}")


def rule_threads(rule: str) -> int:
    """The rule's declared ``threads`` (1 when it declares none, as Snakemake)."""
    m = re.search(r"^    threads: (\d+)", rule_block(rule), re.M)
    return int(m.group(1)) if m else 1


def rule_command(rule: str, **namespaces: Any) -> str:
    """The rule's shell command, formatted as Snakemake formats it (``{input.x:q}`` etc.)."""
    from snakemake.utils import format as smk_format

    lines = rule_block(rule).splitlines()
    start = lines.index("    shell:") + 1
    body = []
    for line in lines[start:]:
        if line.strip() and not line.startswith(" " * 8):
            break
        body.append(line)
    template = ast.literal_eval("(\n" + "\n".join(body) + "\n)")
    return str(smk_format(template, threads=rule_threads(rule), **namespaces))


def shell(command: str) -> list[str]:
    """Argv running a rule's command as Snakemake does (bash, strict mode)."""
    return ["bash", "-c", f"set -euo pipefail; {command}"]


class Named(list[Any]):
    """Stand-in for Snakemake's named lists (``snakemake.input``): by position and by name."""

    def __init__(self, items: Mapping[str, Any]) -> None:
        super().__init__()
        for name, value in items.items():
            if isinstance(value, list):
                self.extend(value)
            else:
                self.append(value)
            setattr(self, name, value)


def run_script_child(script: str, spec_file: str) -> None:
    """Run a workflow script with a ``snakemake`` object built from a JSON spec (the child)."""
    spec = json.loads(Path(spec_file).read_text())
    smk = SimpleNamespace(
        input=Named(spec["input"]),
        output=Named(spec["output"]),
        log=Named({"log": spec["log"]}),
        params=SimpleNamespace(**spec.get("params", {})),
        wildcards=SimpleNamespace(**spec.get("wildcards", {})),
        threads=spec.get("threads", 1),
        config=spec.get("config", {}),
    )
    runpy.run_path(script, init_globals={"snakemake": smk}, run_name="__main__")


def run_script(name: str, step: str, **spec: Any) -> Measured:
    """Measure workflow/scripts/``name``.py in a fresh Python, as Snakemake runs a script."""
    log = RUN / "logs" / f"{step}.log"
    spec_file = RUN / "specs" / f"{step}.json"
    spec_file.parent.mkdir(parents=True, exist_ok=True)
    spec_file.write_text(json.dumps({**spec, "log": str(log)}, indent=1, default=str))
    for path in _paths(spec["output"]):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run-script"]
    return measure(
        [*cmd, str(SCRIPTS / f"{name}.py"), str(spec_file)], RUN / "logs" / f"{step}.out"
    )


def _paths(items: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for value in items.values():
        out.extend(value if isinstance(value, list) else [value])
    return [str(p) for p in out]


# --- inputs: genome, bins, reads ---------------------------------------------------------


@dataclass
class Inputs:
    """Paths of the cached inputs (genome, bins, reads) of one run."""

    fasta: Path
    fai: Path
    refflat: Path
    access: Path
    bins: Path
    n_bins: int
    bin_size: int
    genome_bp: int
    fq1: Path
    fq2: Path
    bam: Path
    normal_bam: Path


def _tumour(seed: int) -> Any:
    from cfdna_erbb2.simulate import TumourSpec

    return TumourSpec(erbb2_copies=20, arm_level=True, seed=seed)


def reference_assets(seed: int) -> tuple[Any, dict[str, Path]]:
    """The GRCh38-shaped genome, its FASTA, refFlat, bwa index and accessible regions."""
    from cfdna_erbb2.simulate import HUMAN_LAYOUT, make_genome, write_reference

    gdir = CACHE / f"g{seed}"
    genome = make_genome(seed, layout=HUMAN_LAYOUT)
    paths = {k: gdir / v for k, v in (("fasta", "genome.fa"), ("fai", "genome.fa.fai"))}
    paths |= {"refflat": gdir / "genes.refFlat", "access": gdir / "access.bed"}
    if not paths["refflat"].exists():
        write_reference(genome, gdir)
    if not Path(f"{paths['fasta']}.sa").exists():
        print("bwa index of the genome (once) ...", flush=True)
        fasta = SimpleNamespace(fasta=paths["fasta"])
        cmd = rule_command(
            "bwa_index",
            input=fasta,
            params=SimpleNamespace(source=paths["fasta"]),
            log=gdir / "bwa_index.log",
        )
        measure(shell(cmd), gdir / "bwa_index.out")
    if not paths["access"].exists():
        cmd = rule_command(
            "cnvkit_access", input=SimpleNamespace(fasta=paths["fasta"]),
            output=SimpleNamespace(bed=paths["access"]), log=gdir / "access.log",
        )  # fmt: skip
        measure(shell(cmd), gdir / "access.out")
    return genome, paths


def make_bins(paths: Mapping[str, Path], n_bins: int, config: Mapping[str, Any]) -> Path:
    """Rule bins' script with the bin size that gives about ``n_bins`` bins."""
    from cfdna_erbb2.bins import accessible_bp
    from cfdna_erbb2.contigs import choose_contigs
    from cfdna_erbb2.tsv import read_fai

    chosen = choose_contigs(list(read_fai(paths["fai"])), config["bins"]["contigs"]).chosen
    size = round(accessible_bp(paths["access"], chosen) / n_bins)
    bdir = paths["fasta"].parent / f"bins_{n_bins}"
    if not (bdir / "bins.json").exists():
        depth = bdir / "depth.json"
        bdir.mkdir(parents=True, exist_ok=True)
        depth.write_text(json.dumps({"sample": NORMAL, "read_pairs": 1}))
        run_script(
            "bins",
            f"bins_{n_bins}",
            input={k: str(paths[k]) for k in ("access", "fai", "refflat")}
            | {"depth": [str(depth)], "exclude": []},
            output={"target": str(bdir / "bins.target.bed"), "info": str(bdir / "bins.json")},
            params={
                "bins": {**config["bins"], "size": size},
                "gene": config["gene"],
                "blacklists": {},
            },
            config=config,
        )
    return bdir


def simulated(
    genome: Any, gdir: Path, name: str, pairs: int, seed: int, *, bam: bool, tf: float
) -> Path:
    """A cached simulated draw (in the genome's folder ``gdir``): its BAM (``bam``) or its
    FASTQ directory."""
    from cfdna_erbb2.simulate import SampleSpec, simulate_sample

    out = gdir / f"{name}_{pairs}{'_bam' if bam else ''}"
    done = out / "done.json"
    if not done.exists():
        print(
            f"simulating {name}: {pairs:,} read pairs ({'BAM' if bam else 'FASTQ'}) ...", flush=True
        )
        t0 = time.perf_counter()
        spec = SampleSpec(name, tumour_fraction=tf, read_pairs=pairs, seed=seed)
        tumour = _tumour(seed) if tf > 0 else None
        truth = simulate_sample(genome, spec, out, bam=bam, fastq=not bam, tumour=tumour)
        truth["simulation_s"] = time.perf_counter() - t0
        done.write_text(json.dumps(truth, indent=1, default=str))
    return out / f"{name}.bam" if bam else out


def prepare(args: argparse.Namespace, config: Mapping[str, Any]) -> Inputs:
    """Every input, made once and cached under benchmarks/out/cache_scale/."""
    genome, paths = reference_assets(args.seed)
    bdir = make_bins(paths, args.bins, config)
    info = json.loads((bdir / "bins.json").read_text())
    gdir, tf = paths["fasta"].parent, TUMOUR_FRACTION
    fq_dir = simulated(genome, gdir, SAMPLE, args.align_pairs, args.seed, bam=False, tf=tf)
    bam = simulated(genome, gdir, SAMPLE, args.pairs, args.seed, bam=True, tf=tf)
    normal = simulated(genome, gdir, NORMAL, args.normal_pairs, args.seed + 1, bam=True, tf=0.0)
    return Inputs(
        fasta=paths["fasta"],
        fai=paths["fai"],
        refflat=paths["refflat"],
        access=paths["access"],
        bins=bdir / "bins.target.bed",
        n_bins=int(info["n_bins"]),
        bin_size=int(info["bin_size"]),
        genome_bp=int(genome.total_length),
        fq1=fq_dir / f"{SAMPLE}_R1.fastq.gz",
        fq2=fq_dir / f"{SAMPLE}_R2.fastq.gz",
        bam=bam,
        normal_bam=normal,
    )


# --- the steps -----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the result table (seconds already scaled to ``--pairs`` where ``how``
    says so)."""

    step: str
    rule: str
    stage: str
    how: str
    wall_s: float
    cpu_s: float
    rss_mb: float | None
    in_total: bool = False


def _row(step: str, rule: str, stage: str, m: Measured, how: str = "measured", **kw: Any) -> Row:
    return Row(step, rule, stage, how, m.wall_s, m.cpu_s, m.peak_mb, **kw)


def read_group(sample: str) -> str:
    """The read group rule align passes to bwa (as ``read_group`` in common.smk)."""
    return f"@RG\\tID:{sample}\\tSM:{sample}\\tPL:ILLUMINA\\tLB:{sample}"


def index_bytes(fasta: Path) -> int:
    """Size of the bwa index that ``bwa mem`` loads (bytes)."""
    return sum(Path(f"{fasta}.{ext}").stat().st_size for ext in ("bwt", "sa", "pac", "ann", "amb"))


def alignment(inp: Inputs, args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    """check_fastq and align on the subsample (scaled), align's tail at full scale."""
    factor = args.pairs / args.align_pairs
    how = f"x{factor:.1f} from {args.align_pairs:,} pairs"
    adir = RUN / "align"
    adir.mkdir(parents=True, exist_ok=True)
    fastq = SimpleNamespace(fq1=inp.fq1, fq2=inp.fq2, fasta=inp.fasta)
    cmd = rule_command(
        "check_fastq", input=fastq, output=adir / f"{SAMPLE}.fastq_reads.json",
        log=adir / "check_fastq.log", wildcards=SimpleNamespace(sample=SAMPLE),
    )  # fmt: skip
    m = measure(shell(cmd), RUN / "logs" / "check_fastq.out")
    rows = [
        Row(
            "check_fastq",
            "check_fastq",
            "before",
            how,
            m.wall_s * factor,
            m.cpu_s * factor,
            m.peak_mb,
        )
    ]
    align = rule_command(
        "align", input=fastq, output=SimpleNamespace(bam=adir / f"{SAMPLE}.bam"),
        params=SimpleNamespace(rg=read_group(SAMPLE)), log=adir / f"{SAMPLE}.align.log",
    )  # fmt: skip
    m = measure(shell(align), RUN / "logs" / "align.out")
    bwa = m.by_tool["bwa mem"]
    rows += [
        Row(
            "align: bwa mem", "align", "align", how,
            bwa["wall_s"] * factor, bwa["cpu_s"] * factor, bwa["peak_mb"],
        ),
    ]  # fmt: skip
    # The same pipe after bwa at full scale, fed by samtools collate from the simulator's BAM:
    # samtools sort holds up to 768 MB per thread, which only a full-size input reaches.
    start = align.index("bwa mem")
    collate = f"samtools collate -u -O {inp.bam} {adir / 'collate'}"
    tail = align[:start] + collate + align[align.index(" | ", start) :]
    tail = tail.replace(str(adir / SAMPLE), str(adir / f"{SAMPLE}_full"))
    m = measure(shell(tail), RUN / "logs" / "align_full_tail.out")
    rest = [t for t in m.by_tool if t != "samtools collate"]
    tail_row = Row(
        "align: fixmate, sort, markdup, index (collate feeding them not counted)", "align",
        "align", "measured", m.wall_s - m.by_tool["samtools collate"]["wall_s"],
        m.cpu_s - m.by_tool["samtools collate"]["cpu_s"], m.peak_of(rest),
    )  # fmt: skip
    rows.append(tail_row)
    idx_mb = index_bytes(inp.fasta) / MB
    human_bwa = bwa["peak_mb"] - idx_mb + idx_mb * GRCH38_BP / inp.genome_bp
    facts = {
        "bwa_cpu_s": bwa["cpu_s"] * factor,
        "bwa_wall_s": bwa["wall_s"] * factor,
        "bwa_peak_mb": bwa["peak_mb"],
        "index_mb": idx_mb,
        "human_bwa_mb": human_bwa,
        "tail_peak_mb": tail_row.rss_mb,
        "align_human_mb": human_bwa + float(tail_row.rss_mb or 0.0),
        "align_tools": {t: round(v["peak_mb"]) for t, v in m.by_tool.items()},
    }
    return rows, facts


def qc_and_coverage(
    inp: Inputs, bam: Path, sample: str, pairs: int, config: Mapping[str, Any], stage: str
) -> tuple[list[Row], dict[str, Path]]:
    """Rule qc_bam on one BAM: the QC metrics and the bins' coverage of both tracks (all
    fragments alike, and size-weighted) in one pass, then samtools stats and idxstats."""
    out = {
        "metrics": RUN / "qc" / f"{sample}.bam_qc.json",
        "hist": RUN / "qc" / f"{sample}.fraglen.tsv",
        "cnn": RUN / "cnvkit" / "coverage" / f"{sample}.targetcoverage.cnn",
        "cnn_sw": RUN / "cnvkit" / "coverage" / f"{sample}.sizeweighted.targetcoverage.cnn",
        "stats": RUN / "qc" / "samtools" / f"{sample}.stats",
        "idxstats": RUN / "qc" / "samtools" / f"{sample}.idxstats",
    }
    for path in out.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    m_qc = run_script(
        "qc_bam", f"qc_bam_{sample}",
        input={"bam": str(bam), "bai": f"{bam}.bai", "bins": str(inp.bins)},
        output={k: str(out[k]) for k in ("metrics", "hist", "stats", "idxstats")}
        | {"coverage": str(out["cnn"]), "weighted": str(out["cnn_sw"])},
        params={"min_mapq": config["alignment"]["min_mapq"],
                "short_weight": config["erbb2"]["short_fragment_weight"]},
        wildcards={"sample": sample},
    )  # fmt: skip
    total = stage == "after"
    rows = [
        _row(
            f"qc_bam with both tracks' coverage and samtools stats ({sample}, {pairs:,} pairs)",
            "qc_bam",
            stage,
            m_qc,
            in_total=total,
        ),
    ]
    return rows, out


def synthesize_normals(
    cnn: Path, cnn_sw: Path, qc: Path, n: int, factor: float, weight: float, seed: int
) -> tuple[list[str], list[Path], list[Path], list[Path]]:
    """``n`` normals' coverage files from one: its read counts per bin scaled by ``factor``,
    each normal drawn with Poisson noise; their QC files say ``factor`` times the read pairs
    and measured fragments. The short and long fragments' reads of a bin (from the two
    tracks: the size-weighted one counts short fragments ``weight`` times) are drawn apart,
    and each normal's size-weighted coverage is made from its own draw, as qc_bam counts it."""
    import numpy as np
    import pandas as pd
    from cnvlib.params import NULL_LOG2_COVERAGE

    from cfdna_erbb2.simulate.reads import DEFAULT_READ_LENGTH

    table = pd.read_csv(cnn, sep="\t", dtype={"chromosome": str}, keep_default_na=False)
    weighted = pd.read_csv(cnn_sw, sep="\t", dtype={"chromosome": str}, keep_default_na=False)
    length = (table["end"] - table["start"]).to_numpy(dtype=float)
    per_read = length / DEFAULT_READ_LENGTH * factor
    reads = table["depth"].to_numpy(dtype=float) * per_read
    extra = weighted["depth"].to_numpy(dtype=float) * per_read - reads
    short = np.clip(extra / (weight - 1.0), 0.0, reads) if weight != 1.0 else 0.0 * reads
    metrics = json.loads(qc.read_text())
    rng = np.random.default_rng(seed)
    names, cnns, cnns_sw, qcs = [], [], [], []

    def write(frame: pd.DataFrame, depth: np.ndarray, path: Path) -> None:
        with np.errstate(divide="ignore"):
            log2 = np.where(depth > 0, np.log2(depth), NULL_LOG2_COVERAGE)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.assign(depth=depth, log2=log2).to_csv(path, sep="\t", index=False)

    for i in range(1, n + 1):
        name = f"HD{i:02d}"
        n_short, n_long = rng.poisson(short), rng.poisson(reads - short)
        path = RUN / "normals" / f"{name}.targetcoverage.cnn"
        path_sw = RUN / "normals" / f"{name}.sizeweighted.targetcoverage.cnn"
        write(table, (n_short + n_long) * DEFAULT_READ_LENGTH / length, path)
        write(weighted, (weight * n_short + n_long) * DEFAULT_READ_LENGTH / length, path_sw)
        qc_path = RUN / "normals" / f"{name}.bam_qc.json"
        # Every count scales: fragments_counted too, or the normal would look single-end
        # (qc.paired_share) and block the size-weighted track.
        counts = {k: round(float(metrics[k]) * factor)
                  for k in ("read_pairs", "fragments_counted") if k in metrics}  # fmt: skip
        qc_path.write_text(json.dumps({**metrics, "sample": name, **counts}))
        names.append(name)
        cnns.append(path)
        cnns_sw.append(path_sw)
        qcs.append(qc_path)
    return names, cnns, cnns_sw, qcs


def fasta_stats_seconds(inp: Inputs) -> tuple[float, float, int]:
    """Wall and CPU seconds of the bins' GC and repeat content (in this process, as rule
    bin_content computes it), and the bins' total bp. Scaled by bp to GRCh38 it is an upper
    bound: the per-bin part does not grow with the genome."""
    from cnvlib.reference import bed2probes

    from cfdna_erbb2.cnvkit_steps import write_bin_content

    probes = bed2probes(str(inp.bins))
    total = int((probes["end"] - probes["start"]).sum())
    t0, c0 = time.perf_counter(), time.process_time()
    write_bin_content(inp.bins, inp.fasta, RUN / "reference" / "bins.content.timed.tsv")
    return time.perf_counter() - t0, time.process_time() - c0, total


def panel(
    inp: Inputs, args: argparse.Namespace, config: Mapping[str, Any], normal: Mapping[str, Path]
) -> tuple[list[Row], dict[str, Path], list[str]]:
    """Rules panel_members, bin_content and cnvkit_reference (both tracks' references) on
    ``--normals`` synthesized normals; returns the references and the panel's members."""
    factor = args.pairs / args.normal_pairs
    weight = float(config["erbb2"]["short_fragment_weight"])
    names, cnns, cnns_sw, qcs = synthesize_normals(
        normal["cnn"],
        normal["cnn_sw"],
        normal["metrics"],
        args.normals,
        factor,
        weight,
        args.seed,
    )
    rdir = RUN / "cnvkit" / "reference"
    members = rdir / "panel_members.tsv"
    m_members = run_script(
        "panel_members", "panel_members",
        input={"qc": [str(p) for p in qcs], "target": [str(p) for p in cnns]},
        output={"members": str(members)},
        params={"normals": names, "erbb2": config["erbb2"], "gene": config["gene"]},
    )  # fmt: skip
    content = RUN / "reference" / "bins.content.tsv"
    content.parent.mkdir(parents=True, exist_ok=True)
    m_content = run_script(
        "bin_content", "bin_content",
        input={"bins": str(inp.bins), "fasta": str(inp.fasta), "fai": str(inp.fai)},
        output={"content": str(content)},
    )  # fmt: skip
    refs = {"ref": rdir / "panel.cnn", "sw": rdir / "panel.sizeweighted.cnn"}
    m_ref = run_script(
        "cnvkit_reference", "cnvkit_reference",
        input={"target": [str(p) for p in cnns], "target_sw": [str(p) for p in cnns_sw],
               "members": str(members), "fasta": str(inp.fasta), "fai": str(inp.fai),
               "bins": str(inp.bins), "content": str(content)},
        output={k: str(v) for k, v in refs.items()},
    )  # fmt: skip
    gc_wall, gc_cpu, bins_bp = fasta_stats_seconds(inp)
    k = GRCH38_ACCESSIBLE_BP / bins_bp
    n = args.normals
    rows = [
        _row(f"panel_members ({n} normals)", "panel_members", "panel", m_members),
        _row("bin_content (GC + repeat content, once)", "bin_content", "panel", m_content),
        Row("of which GC + repeat content of the bins", "bin_content", "panel",
            f"in-process, {bins_bp / 1e6:.0f} Mb", gc_wall, gc_cpu, None),
        Row("bin_content, GRCh38 estimate", "bin_content", "panel",
            f"GC part x{k:.0f} (bp of bins)", m_content.wall_s + gc_wall * (k - 1),
            m_content.cpu_s + gc_cpu * (k - 1), m_content.peak_mb),
        _row(f"cnvkit_reference ({n} normals, both tracks)", "cnvkit_reference", "panel", m_ref),
    ]  # fmt: skip
    return rows, {**refs, "members": members}, names


def empty_panel(path: Path) -> Path:
    """A panel table without normals (header only): the ERBB2 call then uses its floors."""
    from cfdna_erbb2.calls import PANEL_COLUMNS

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\t".join(PANEL_COLUMNS) + "\n")
    return path


def tf_fit_seconds(cnr: Path, cns: Path, call: Path) -> tuple[float, float, float]:
    """Wall and CPU seconds of the tumour-fraction fit alone, as erbb2_call runs it (the
    call's locus left out), and the fitted tumour fraction."""
    import pandas as pd

    from cfdna_erbb2.cnvio import read_bins, read_segments
    from cfdna_erbb2.tumour_fraction import estimate

    row = pd.read_csv(call, sep="\t", dtype={"locus_chrom": str}).iloc[0]
    bins, segments = read_bins(cnr), read_segments(cns)
    locus = (str(row["locus_chrom"]), int(row["locus_start"]), int(row["locus_end"]))
    t0, c0 = time.perf_counter(), time.process_time()
    est = estimate(bins, segments, exclude=locus)
    return time.perf_counter() - t0, time.process_time() - c0, float(est.tumour_fraction)


def calls_and_plots(
    inp: Inputs,
    config: Mapping[str, Any],
    sample: Mapping[str, Path],
    reference: Mapping[str, Path],
    normals: Sequence[str],
    normal_hist: Path,
) -> tuple[list[Row], dict[str, Any]]:
    """Rules cnvkit_fix_segment, erbb2_call (a baseline and an on-treatment draw) and
    plot_sample for the sample; the tumour-fraction fit timed alone."""
    cnr, cns = RUN / "cnvkit" / f"{SAMPLE}.cnr", RUN / "cnvkit" / f"{SAMPLE}.cns"
    cnr_sw = RUN / "cnvkit" / f"{SAMPLE}.sizeweighted.cnr"
    m_fix = run_script(
        "cnvkit_fix_segment", "cnvkit_fix_segment",
        input={"target": str(sample["cnn"]), "reference": str(reference["ref"]),
               "target_sw": str(sample["cnn_sw"]), "reference_sw": str(reference["sw"])},
        output={"cnr": str(cnr), "cns": str(cns), "cnr_sw": str(cnr_sw)},
        params={"gene": config["gene"]}, wildcards={"sample": SAMPLE},
    )  # fmt: skip
    params = {"erbb2": config["erbb2"], "gene": config["gene"]}
    call = {"cnr": str(cnr), "cns": str(cns), "cnr_sw": str(cnr_sw), "qc": str(sample["metrics"]),
            "members": str(reference["members"])}  # fmt: skip
    call["panel"] = str(empty_panel(RUN / "erbb2" / "panel.tsv"))
    base = RUN / "erbb2" / f"{SAMPLE}.tsv"
    m_base = run_script(
        "erbb2_call", "erbb2_call_baseline", input={**call, "baseline": []},
        output={"call": str(base)}, params=params, wildcards={"sample": SAMPLE},
    )  # fmt: skip
    # An on-treatment draw also fits its TF on its baseline's states (here: the same draw).
    later = f"{SAMPLE}_T1"
    m_later = run_script(
        "erbb2_call", "erbb2_call_on_treatment",
        input={"baseline_cnr": str(cnr), "baseline_cns": str(cns), **call, "baseline": str(base)},
        output={"call": str(RUN / "erbb2" / f"{later}.tsv")}, params=params,
        wildcards={"sample": later},
    )  # fmt: skip
    tf_wall, tf_cpu, tf = tf_fit_seconds(cnr, cns, base)
    from cfdna_erbb2.qc import gather_fragment_lengths

    gathered = RUN / "qc" / "normals.fragment_lengths.tsv"
    table = gather_fragment_lengths([normal_hist] * len(normals), list(normals))
    table.to_csv(gathered, sep="\t", index=False)
    m_plots = run_script(
        "plot_sample", "plot_sample",
        input={"cnr": str(cnr), "cns": str(cns), "cnr_sw": str(cnr_sw), "call": str(base),
               "refflat": str(inp.refflat), "fraglen": str(sample["hist"]),
               "normals": str(gathered)},
        output={"genome": str(RUN / "plots" / f"{SAMPLE}.genome.png"),
                "fragments": str(RUN / "plots" / f"{SAMPLE}.fragments.png")},
        params={"gene": config["gene"], "normals": list(normals),
                "short_weight": config["erbb2"]["short_fragment_weight"]},
        wildcards={"sample": SAMPLE, "group": SAMPLE},
    )  # fmt: skip
    rows = [
        _row(
            "cnvkit_fix_segment (fix + CBS; size-weighted fix)", "cnvkit_fix_segment", "after",
            m_fix, in_total=True,
        ),
        _row("erbb2_call, baseline draw", "erbb2_call", "after", m_base),
        _row(
            "erbb2_call, on-treatment draw (+ informed TF)", "erbb2_call", "after", m_later,
            in_total=True,
        ),
        Row(
            "of which tumour-fraction fit", "erbb2_call", "after", "in-process",
            tf_wall, tf_cpu, None,
        ),
        _row(
            f"plot_sample (genome at {inp.n_bins:,} bins; fragments + {len(normals)} normals)",
            "plot_sample", "after", m_plots, in_total=True,
        ),
    ]  # fmt: skip
    called = json.dumps({k: str(v) for k, v in _first_row(base).items() if k in RESULT_FIELDS})
    return rows, {"tumour_fraction": tf, "call": called, "segments": _count_rows(cns)}


#: Fields of the ERBB2 call shown in the summary (a check that the run measured something).
RESULT_FIELDS = ("amplified", "erbb2_pcn", "erbb2_z", "sw_z", "tracks", "noise_sd", "evaluable")


def _first_row(tsv: Path) -> dict[str, Any]:
    import pandas as pd

    return dict(pd.read_csv(tsv, sep="\t").iloc[0])


def _count_rows(path: Path) -> int:
    return max(0, len(path.read_text().splitlines()) - 1)


# --- summary ----------------------------------------------------------------------------------


def mem_mb(peak_mb: float) -> int:
    """A rule's mem_mb from its measured peak (MB): see MEM_HEADROOM."""
    return max(MEM_FLOOR_MB, math.ceil(peak_mb * MEM_HEADROOM / MEM_STEP_MB) * MEM_STEP_MB)


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def result_table(rows: Sequence[Row], facts: Mapping[str, Any]) -> list[str]:
    """The per-step table, with each step's share of the bwa time, and the totals."""
    bwa_cpu, bwa_wall = facts["bwa_cpu_s"], facts["bwa_wall_s"]
    lines = [
        "| step | stage | how | wall s | CPU s | max RSS MB | CPU % of bwa | wall % of bwa |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.step} | {r.stage} | {r.how} | {_fmt(r.wall_s)} | {_fmt(r.cpu_s)} | "
            f"{_fmt(r.rss_mb, 0)} | {_fmt(100 * r.cpu_s / bwa_cpu)} | "
            f"{_fmt(100 * r.wall_s / bwa_wall)} |"
        )
    after = [r for r in rows if r.in_total]
    cpu, wall = sum(r.cpu_s for r in after), sum(r.wall_s for r in after)
    lines.append(
        f"| **everything after alignment** ({', '.join(r.rule for r in after)}) | after | sum | "
        f"{_fmt(wall)} | {_fmt(cpu)} | - | **{_fmt(100 * cpu / bwa_cpu)}** | "
        f"**{_fmt(100 * wall / bwa_wall)}** |"
    )
    return lines


def memory_table(rows: Sequence[Row], facts: Mapping[str, Any]) -> tuple[list[str], dict[str, int]]:
    """Peak memory per rule at this scale and the mem_mb it suggests."""
    peaks: dict[str, tuple[float, str]] = {}
    for r in rows:
        if r.rss_mb is None or r.stage == "check" or r.rule == "align":
            continue
        if r.rss_mb > peaks.get(r.rule, (0.0, ""))[0]:
            peaks[r.rule] = (r.rss_mb, r.step)
    peaks["align"] = (
        facts["align_human_mb"],
        f"bwa mem {facts['bwa_peak_mb']:.0f} MB with a {facts['index_mb']:.0f} MB index -> "
        f"{facts['human_bwa_mb']:.0f} MB with GRCh38's, + fixmate/sort/markdup "
        f"{facts['tail_peak_mb']:.0f} MB at full scale",
    )
    lines = [
        f"| rule | peak MB | from | mem_mb (x{MEM_HEADROOM}, rounded up, >= {MEM_FLOOR_MB}) |",
        "|---|---:|---|---:|",
    ]
    suggested = {}
    for rule, (peak, basis) in peaks.items():
        suggested[rule] = mem_mb(peak)
        lines.append(f"| {rule} | {peak:,.0f} | {basis} | {suggested[rule]:,} |")
    return lines, suggested


def summarise(
    rows: Sequence[Row], facts: Mapping[str, Any], inp: Inputs, args: argparse.Namespace
) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    head = [
        "# Human-scale cost of one sample (benchmarks/bench_scale.py)",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} cores, load average {load} at "
        f"the end; {args.pairs:,} read pairs on the {inp.genome_bp / 1e6:.0f} Mb "
        f"GRCh38-shaped genome; {inp.n_bins:,} bins of {inp.bin_size:,} bp; "
        f"{args.normals} normals; rules' threads as declared.",
        f"Result: {facts['call']}; tumour fraction {facts['tumour_fraction']:.3f} "
        f"(simulated {TUMOUR_FRACTION}); {facts['segments']} CBS segments.",
        "",
        "Seconds scaled linearly where `how` says so; `% of bwa`: of `bwa mem` for the same "
        f"{args.pairs:,} pairs ({facts['bwa_cpu_s']:,.0f} CPU s, {facts['bwa_wall_s']:,.0f} s "
        "wall). `check` rows: the simulated normal, a second depth for the read scaling.",
        "",
    ]
    mem_lines, _ = memory_table(rows, facts)
    tools = ", ".join(f"{k} {v} MB" for k, v in facts["align_tools"].items())
    return "\n".join(
        [*head, *result_table(rows, facts), "", "Peak memory per rule:", "", *mem_lines, "",
         f"align at full scale, largest process of each kind: {tools}.", ""]
    )  # fmt: skip


def write_outputs(rows: Sequence[Row], text: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scale_summary.md").write_text(text)
    cols = list(Row.__dataclass_fields__)
    with (OUT / "scale_steps.tsv").open("w") as fh:
        fh.write("\t".join(cols) + "\n")
        for r in rows:
            fh.write("\t".join(str(getattr(r, c)) for c in cols) + "\n")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000_000, help="read pairs of the draw")
    parser.add_argument(
        "--align-pairs", type=int, default=300_000, help="read pairs aligned with bwa (scaled)"
    )
    parser.add_argument(
        "--normal-pairs", type=int, default=2_000_000, help="read pairs of the simulated normal"
    )
    parser.add_argument("--bins", type=int, default=30_000, help="about this many bins")
    parser.add_argument("--normals", type=int, default=40, help="normals in the panel")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the steps measured by a run that stopped (benchmarks/out/scale/)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--run-script"]:  # a child: one workflow script
        run_script_child(argv[1], argv[2])
        return
    import yaml

    args = parse_args(argv)
    global RESUME
    RESUME = args.resume
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    t0 = time.perf_counter()
    inp = prepare(args, config)
    if not args.resume:
        shutil.rmtree(RUN, ignore_errors=True)
    print(f"{inp.n_bins:,} bins of {inp.bin_size:,} bp; measuring ...", flush=True)
    rows, facts = alignment(inp, args)
    after, sample = qc_and_coverage(inp, inp.bam, SAMPLE, args.pairs, config, "after")
    check, normal = qc_and_coverage(inp, inp.normal_bam, NORMAL, args.normal_pairs, config, "check")
    panel_rows, reference, normals = panel(inp, args, config, normal)
    tail, results = calls_and_plots(inp, config, sample, reference, normals, normal["hist"])
    rows += after + tail + panel_rows + check
    text = summarise(rows, {**facts, **results}, inp, args)
    write_outputs(rows, text)
    print(text)
    print(f"({time.perf_counter() - t0:.0f} s in all; {OUT / 'scale_summary.md'})")


if __name__ == "__main__":
    main()
