"""Limit-of-detection benchmark of the ERBB2 call on simulated low-pass cfDNA.

Usage::

    .venv/bin/python benchmarks/bench_detection.py [--quick] [--measure-only]
        [--reps-scale X] [--workers 2] [--param z_min=4.5 ...]

For every depth in the grid it runs the workflow's own steps, with the project's code:
``cnvkit.py access`` on the genome FASTA; the workflow's bins
(:func:`cfdna_erbb2.bins.build_bins`, size from the normals' read pairs); bin coverage
counted in the workflow's one QC pass over the BAM (:func:`cfdna_erbb2.qc.write_bam_qc`,
min MAPQ from config: the file ``cnvkit.py coverage`` writes) on the simulator's
true-alignment BAMs (no bwa); a pooled reference from 3 normals
(:func:`cfdna_erbb2.cnvkit_steps.build_reference`, the bins' GC and repeat content computed
once per depth), normals against a leave-one-out reference;
:func:`~cfdna_erbb2.cnvkit_steps.fix_and_segment`; the panel's
table (:func:`cfdna_erbb2.calls.panel_table`) and the workflow's call of one draw
(:func:`cfdna_erbb2.calls.call_draw`) with the ``erbb2`` parameters of config/config.yaml.

Every draw's .cnr/.cns is cached under benchmarks/out/cache/<key>/, so ``--measure-only``
re-measures the cached draws (e.g. with other ``--param`` thresholds, or after erbb2.py
changed) in seconds. Outputs: benchmarks/out/detection_draws.tsv (one row per draw) and
benchmarks/out/detection_summary.md (the printed tables).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from cfdna_erbb2 import GENE, cnvkit_steps, qc
from cfdna_erbb2.bins import build_bins
from cfdna_erbb2.calls import call_draw, panel_table, params_from_config
from cfdna_erbb2.cnvio import read_bins
from cfdna_erbb2.erbb2 import NULL_LOG2, Erbb2Params, scan_thresholds
from cfdna_erbb2.simulate import (
    Genome,
    SampleSpec,
    TumourSpec,
    make_genome,
    simulate_sample,
    write_reference,
)
from cfdna_erbb2.simulate.genome import AUTOSOME
from cfdna_erbb2.simulate.reads import DEFAULT_READ_LENGTH
from cfdna_erbb2.simulate.tumour import amplicon_interval, copy_number_track, make_tumour

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
CACHE = OUT / "cache"
CNVKIT = str(Path(sys.executable).parent / "cnvkit.py")

#: Sensitivity a tumour fraction must reach to count as detected (limit of detection).
LOD_SENSITIVITY = 0.95
#: Number of normals in each depth's panel (the target is stated for 3).
N_NORMALS = 3
#: Default grid (see benchmarks/README.md).
DEPTHS = (0.5, 1.0, 2.0)
TUMOUR_FRACTIONS = (0.01, 0.015, 0.02, 0.03, 0.05, 0.10)
COPIES = (8.0, 20.0, 40.0)
AMPLICON_BP = 500_000
#: Replicate draws per (depth, TF, copies) cell: more at the depth the target is stated for.
REPS_AT = {1.0: 8}
REPS_OTHER = 4
#: TF-0 draws per depth (copies do not matter at TF 0).
REPS_TF0 = 16
#: Extra amplicon sizes at 1x: (size bp, copies, TFs, reps).
EXTRA_SIZES = ((100_000, 2_000_000), 20.0, (0.02, 0.03, 0.05), 4)
#: 17q arm-gain decoys (no focal amplicon): arm copies, TFs, reps; run at every depth.
DECOY_ARM_COPIES, DECOY_TFS, DECOY_REPS = 4, (0.10, 0.20, 0.30), 4

#: Expected excess copies (pCN - 2) from which on (d) reports the observed/expected excess.
MIN_EXCESS_FOR_RATIO = 0.5
#: Header of table (d).
BIAS_COLUMNS = ("depth", "draws", "n", "median error", "robust sd", "sd", "5-95% range",
                "excess ratio")  # fmt: skip
#: Header of table (d'): where an excess ratio below 1 comes from.
DEFICIT_COLUMNS = ("depth", "n", "gene bins", "recentred", "recentred, panel offset removed",
                   "true amplicon", "amplicon recentred", "centring (log2)",
                   "panel offset at the gene bins (log2)")  # fmt: skip
#: Columns of detection_draws.tsv taken from the measurement, in front of the rest.
MEASURE_COLUMNS = (
    "erbb2_log2",
    "erbb2_pcn",
    "locus_source",
    "locus_bins",
    "erbb2_z",
    "focal_z",
    "lod_pcn",
    "amplified",
    "cnvkit_default_amplified",
    "evaluable",
)


@dataclass(frozen=True)
class Draw:
    """One simulated sample of the grid.

    ``kind``: normal (panel member, measured leave-one-out), tf0 (plasma with no tumour DNA),
    amp (focal ERBB2 amplicon of ``copies`` copies and ``amplicon_bp`` bp) or decoy (17q arm
    at ``copies`` copies, no focal amplicon). ``tf``: tumour fraction; ``rep``: replicate.
    ``arm_level``: the tumour's broad events are whole chromosome arms (``TumourSpec``).
    """

    depth: float
    kind: str
    tf: float = 0.0
    copies: float | None = None
    amplicon_bp: int | None = None
    rep: int = 0
    arm_level: bool = False

    @property
    def name(self) -> str:
        parts = [f"{self.depth:g}x", self.kind]
        if self.kind in ("amp", "decoy"):
            parts.append(f"tf{self.tf:.3f}")
        if self.copies is not None:
            parts.append(f"c{self.copies:g}")
        if self.amplicon_bp is not None:
            parts.append(f"{self.amplicon_bp // 1000}kb")
        if self.arm_level:
            parts.append("arm")
        parts.append(f"r{self.rep:02d}")
        return "_".join(parts)

    def tumour(self, seed: int) -> TumourSpec | None:
        if self.kind == "amp":
            assert self.copies is not None and self.amplicon_bp is not None
            return TumourSpec(
                erbb2_copies=self.copies,
                amplicon_size=self.amplicon_bp,
                seed=seed,
                arm_level=self.arm_level,
            )
        if self.kind == "decoy":
            assert self.copies is not None
            return TumourSpec(erbb2_copies=None, arm_gain_17q=int(self.copies), seed=seed)
        return None


@dataclass(frozen=True)
class Settings:
    """What a cached draw depends on besides its own design (part of the cache key)."""

    genome_seed: int
    reads_per_bin: int
    min_bin: int
    max_bin: int
    min_mapq: int
    #: :func:`genome_digest` of the simulated genome: the cache follows the simulator's code.
    genome: str = ""
    #: config ``erbb2.short_fragment_weight``: the size-weighted coverage counted with it.
    short_weight: float = 2.5
    #: ``cnvkit_steps.GC_EXCLUDE_BP``: the copy ratios' GC curve is learned away from ERBB2.
    gc_exclude_bp: int = cnvkit_steps.GC_EXCLUDE_BP
    #: Read length (bp) of every simulated read pair (``--read-length``); the read pairs of
    #: a draw stay those of its depth at the simulator's default read length, so the same
    #: seed gives the same fragments and only the reads' length differs.
    read_length: int = DEFAULT_READ_LENGTH

    @property
    def fingerprint(self) -> str:
        keys = dict(self.__dict__)
        if keys["read_length"] == DEFAULT_READ_LENGTH:
            del keys["read_length"]  # caches made before the option keep their key
        text = json.dumps(keys, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:8]


def genome_digest(genome: Genome) -> str:
    """A digest of the simulated genome (sequence, contigs, genes): a change to the
    simulator's genome makes new cache entries instead of mixing old files with new draws."""
    h = hashlib.sha1(genome.seq.tobytes())
    h.update(repr((genome.names, genome.lengths, genome.roles, genome.centromeres)).encode())
    h.update(repr(genome.genes).encode())
    return h.hexdigest()[:12]


def derive_seed(base: int, *keys: str) -> int:
    """A stable 32-bit seed from a base seed and names (independent of Python's hash)."""
    words = [base & 0xFFFFFFFF] + [zlib.crc32(k.encode()) for k in keys]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def n_reps(base: int, scale: float) -> int:
    return max(1, round(base * scale))


def plan(quick: bool, scale: float, depths: Sequence[float] | None = None) -> list[Draw]:
    """Every draw of the grid (normals first), ``quick``: 1x only, 2 replicates per cell;
    ``depths``: only these depths of the grid."""
    depths = depths or ((1.0,) if quick else DEPTHS)
    draws: list[Draw] = []
    for depth in depths:
        draws += [Draw(depth, "normal", rep=i) for i in range(N_NORMALS)]
    for depth in depths:
        reps = 2 if quick else n_reps(REPS_AT.get(depth, REPS_OTHER), scale)
        reps_tf0 = 4 if quick else n_reps(REPS_TF0, scale)
        reps_small = 2 if quick else n_reps(REPS_OTHER, scale)
        draws += [Draw(depth, "tf0", rep=r) for r in range(reps_tf0)]
        for copies in COPIES:
            for tf in TUMOUR_FRACTIONS:
                draws += [Draw(depth, "amp", tf, copies, AMPLICON_BP, r) for r in range(reps)]
        if depth == 1.0:
            sizes, copies, tfs, base = EXTRA_SIZES
            for size in sizes:
                for tf in tfs:
                    draws += [
                        Draw(depth, "amp", tf, copies, size, r)
                        for r in range(2 if quick else n_reps(base, scale))
                    ]
        for tf in DECOY_TFS:
            draws += [
                Draw(depth, "decoy", tf, float(DECOY_ARM_COPIES), None, r)
                for r in range(reps_small)
            ]
    return draws


# ---- paths -----------------------------------------------------------------------------


def draw_dir(settings: Settings, draw: Draw) -> Path:
    return CACHE / f"{settings.fingerprint}_{draw.name}"


def panel_dir(settings: Settings, depth: float) -> Path:
    return CACHE / f"{settings.fingerprint}_{depth:g}x_panel"


def genome_dir(settings: Settings) -> Path:
    suffix = f"_{settings.genome}" if settings.genome else ""
    return CACHE / f"genome_g{settings.genome_seed}{suffix}"


# ---- worker side -------------------------------------------------------------------------

_GENOME: Genome | None = None


def _init_worker(genome_seed: int, verbose: bool) -> None:
    global _GENOME
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, force=True)
    _GENOME = make_genome(genome_seed)


def _genome() -> Genome:
    assert _GENOME is not None, "worker not initialised"
    return _GENOME


def _tumour_spec(draw: Draw, settings: Settings) -> TumourSpec | None:
    """The draw's tumour design (None without a tumour), seeded from its name."""
    return draw.tumour(derive_seed(settings.genome_seed, draw.name, "tumour"))


def _simulate(draw: Draw, settings: Settings, outdir: Path) -> dict[str, object]:
    seed = derive_seed(settings.genome_seed, draw.name)
    tumour = _tumour_spec(draw, settings)
    spec = SampleSpec(
        draw.name,
        tumour_fraction=draw.tf,
        depth=draw.depth * settings.read_length / DEFAULT_READ_LENGTH,
        read_length=settings.read_length,
        seed=seed,
    )
    truth = simulate_sample(_genome(), spec, outdir, bam=True, fastq=False, tumour=tumour)
    truth["seed"] = seed
    return truth


def task_normal_bam(args: tuple[Draw, Settings]) -> dict[str, object]:
    """Simulate one normal into its panel folder; read pairs from the workflow's BAM QC."""
    draw, settings = args
    t0 = time.perf_counter()
    bam_dir = panel_dir(settings, draw.depth) / "bam"
    truth = _simulate(draw, settings, bam_dir)
    metrics, _ = qc.bam_qc(str(truth["bam"]))
    truth["qc_read_pairs"] = int(metrics["read_pairs"])
    truth["seconds"] = time.perf_counter() - t0
    return truth


def weighted_path(path: str | Path) -> Path:
    """The size-weighted sibling of a coverage, reference or .cnr file (``x.cnn`` ->
    ``x.sizeweighted.cnn``, as the workflow names its own)."""
    p = Path(path)
    return p.with_name(f"{p.stem}.sizeweighted{p.suffix}")


def write_coverage(
    bins_bed: str | Path,
    bam: str | Path,
    out: str | Path,
    min_mapq: int,
    short_weight: float | None = None,
) -> dict[str, float]:
    """Bin coverage of one BAM (``.targetcoverage.cnn``, byte for byte what `cnvkit.py
    coverage -q MIN_MAPQ` writes), counted in the workflow's one QC pass over the BAM
    (:func:`cfdna_erbb2.qc.write_bam_qc`), and with ``short_weight`` its size-weighted
    coverage beside it (:func:`weighted_path`); returns the BAM's QC metrics."""
    with tempfile.TemporaryDirectory(prefix="bam_qc.") as tmp:
        return qc.write_bam_qc(
            bam,
            Path(tmp) / "qc.json",
            Path(tmp) / "fragments.tsv",
            Path(out).name,
            bins=bins_bed,
            coverage_out=out,
            min_mapq=min_mapq,
            weighted_out=None if short_weight is None else weighted_path(out),
            short_weight=1.0 if short_weight is None else short_weight,
        )


def task_coverage(args: tuple[str, str, str, int, float]) -> str:
    """Bin coverage of one BAM and its size-weighted coverage (:func:`write_coverage`)."""
    bins_bed, bam, out, min_mapq, short_weight = args
    write_coverage(bins_bed, bam, out, min_mapq, short_weight)
    return out


def task_draw(args: tuple[Draw, Settings]) -> tuple[str, float]:
    """Simulate one plasma draw, bin it, fix and segment it against its depth's panel."""
    draw, settings = args
    t0 = time.perf_counter()
    out = draw_dir(settings, draw)
    panel = panel_dir(settings, draw.depth)
    tmp_root = OUT / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root, prefix=f"{draw.name}.") as tmp:
        truth = _simulate(draw, settings, Path(tmp))
        cnn = Path(tmp) / "sample.targetcoverage.cnn"
        write_coverage(
            panel / "bins.target.bed",
            str(truth["bam"]),
            cnn,
            settings.min_mapq,
            settings.short_weight,
        )
        out.mkdir(parents=True, exist_ok=True)
        cnvkit_steps.fix_only(
            weighted_path(cnn),
            weighted_path(panel / "reference.cnn"),
            draw.name,
            weighted_path(out / "sample.cnr"),
        )
        cnvkit_steps.fix_and_segment(
            cnn, panel / "reference.cnn", draw.name, out / "sample.cnr", out / "sample.cns"
        )
    seconds = time.perf_counter() - t0
    meta = _meta(draw, truth, seconds)
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return draw.name, seconds


def _meta(draw: Draw, truth: dict[str, object], seconds: float) -> dict[str, object]:
    keep = ("seed", "read_pairs", "depth", "expected_pcn", "expected_log2", "expected_amplified")
    return {
        "draw": draw.__dict__,
        **{k: truth[k] for k in keep},
        "tumour_read_fraction": truth.get("tumour_read_fraction"),
        "seconds": round(seconds, 2),
    }


# ---- panel of normals ----------------------------------------------------------------------


def ensure_genome(settings: Settings) -> dict[str, Path]:
    """The reference FASTA + refFlat and `cnvkit.py access` regions (once per genome)."""
    gdir = genome_dir(settings)
    paths = {
        "fasta": gdir / "genome.fa",
        "refflat": gdir / "genes.refFlat",
        "access": gdir / "access.bed",
    }
    if all(p.exists() for p in paths.values()):
        return paths
    gdir.mkdir(parents=True, exist_ok=True)
    ref = write_reference(make_genome(settings.genome_seed), gdir)
    paths["fasta"], paths["refflat"] = Path(ref["fasta"]), Path(ref["refflat"])
    _run([CNVKIT, "access", str(paths["fasta"]), "-o", str(paths["access"])])
    return paths


def _run(cmd: Sequence[str]) -> None:
    res = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stderr}")


def build_panels(
    pool: Any, settings: Settings, normals: list[Draw], ref: dict[str, Path]
) -> dict[float, dict[str, object]]:
    """Per depth: bins, coverage, pooled + leave-one-out references, normals' .cnr/.cns."""

    depths = sorted({d.depth for d in normals})
    todo = [d for d in depths if not (panel_dir(settings, d) / "panel.json").exists()]
    todo_normals = [n for n in normals if n.depth in todo]
    if todo_normals:
        print(f"simulating {len(todo_normals)} normals for depths {todo}", flush=True)
    truths = pool.map(task_normal_bam, [(n, settings) for n in todo_normals])
    by_name = {str(t["sample"]): t for t in truths}
    for depth in todo:
        pdir = panel_dir(settings, depth)
        members = [n for n in normals if n.depth == depth]
        pairs = [int(by_name[n.name]["qc_read_pairs"]) for n in members]
        bins = pdir / "bins.target.bed"
        made = build_bins(
            ref["access"],
            ref["refflat"],
            GENE,
            {
                "size": "auto",
                "reads_per_bin": settings.reads_per_bin,
                "min_size": settings.min_bin,
                "max_size": settings.max_bin,
            },
            pairs,
            bins,
        )
        accessible, size = made.accessible_bp, made.bin_size
        cnns = {n.name: pdir / f"{n.name}.targetcoverage.cnn" for n in members}
        pool.map(
            task_coverage,
            [
                (
                    str(bins),
                    str(by_name[n.name]["bam"]),
                    str(cnns[n.name]),
                    settings.min_mapq,
                    settings.short_weight,
                )
                for n in members
            ],
        )
        content = pdir / "bins.content.tsv"
        cnvkit_steps.write_bin_content(bins, ref["fasta"], content)
        for track in (lambda p: Path(p), weighted_path):  # all fragments, size-weighted
            cnvkit_steps.build_reference(
                [track(p) for p in cnns.values()],
                ref["fasta"],
                bins,
                track(pdir / "reference.cnn"),
                content=content,
            )
        for n in members:
            loo = pdir / f"loo_{n.name}.cnn"
            others = [p for name, p in cnns.items() if name != n.name]
            cnvkit_steps.build_reference(others, ref["fasta"], bins, loo, content=content)
            cnvkit_steps.build_reference(
                [weighted_path(p) for p in others],
                ref["fasta"],
                bins,
                weighted_path(loo),
                content=content,
            )
            out = draw_dir(settings, n)
            out.mkdir(parents=True, exist_ok=True)
            cnvkit_steps.fix_and_segment(
                cnns[n.name], loo, n.name, out / "sample.cnr", out / "sample.cns"
            )
            cnvkit_steps.fix_only(
                weighted_path(cnns[n.name]),
                weighted_path(loo),
                n.name,
                weighted_path(out / "sample.cnr"),
            )
            meta = _meta(n, by_name[n.name], float(by_name[n.name]["seconds"]))
            (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
        shutil.rmtree(pdir / "bam", ignore_errors=True)
        n_bins = made.n_bins
        info = {
            "depth": depth,
            "bin_size": size,
            "n_bins": n_bins,
            "accessible_bp": accessible,
            "normal_read_pairs": pairs,
            "settings": settings.__dict__,
        }
        (pdir / "panel.json").write_text(json.dumps(info, indent=1) + "\n")
    return {d: json.loads((panel_dir(settings, d) / "panel.json").read_text()) for d in depths}


# ---- measurement -------------------------------------------------------------------------


def measure_all(
    settings: Settings, draws: list[Draw], params: Erbb2Params
) -> tuple[pd.DataFrame, int]:
    """Call every cached draw; returns (one row per draw, number of draws missing)."""
    rows: list[dict[str, object]] = []
    missing = 0
    panels: dict[float, pd.DataFrame] = {}
    for depth in sorted({d.depth for d in draws}):
        normals = [d for d in draws if d.depth == depth and d.kind == "normal"]
        paths = {n.name: draw_dir(settings, n) / "sample.cnr" for n in normals}
        panels[depth] = panel_table(
            {k: v for k, v in paths.items() if v.exists()},
            params,
            weighted_paths={
                k: weighted_path(v) for k, v in paths.items() if weighted_path(v).exists()
            },
        )
    genome = make_genome(settings.genome_seed)
    bin_sizes = {}
    for depth in panels:
        pj = panel_dir(settings, depth) / "panel.json"
        bin_sizes[depth] = json.loads(pj.read_text())["bin_size"] if pj.exists() else None
    for draw in draws:
        ddir = draw_dir(settings, draw)
        if not (ddir / "meta.json").exists():
            missing += 1
            continue
        meta = json.loads((ddir / "meta.json").read_text())
        result = call_draw(
            draw.name,
            ddir / "sample.cnr",
            ddir / "sample.cns",
            params,
            panel=panels[draw.depth],
            read_pairs=int(meta["read_pairs"]),
            weighted_cnr=_weighted_cnr(ddir),
        )
        copies = draw.copies if draw.kind == "amp" else None
        tf = draw.tf
        c = copies if copies is not None else (draw.copies if draw.kind == "decoy" else 2.0)
        row: dict[str, object] = {
            "sample": draw.name,
            "depth": draw.depth,
            "kind": draw.kind,
            "tf": tf,
            "copies": copies,
            "amplicon_bp": draw.amplicon_bp,
            "arm_gain_17q": draw.copies if draw.kind == "decoy" else None,
            "rep": draw.rep,
            "seed": meta["seed"],
            "read_pairs": meta["read_pairs"],
            "bin_size": bin_sizes[draw.depth],
            "expected_pcn": tf * float(c) + 2.0 * (1.0 - tf),  # type: ignore[arg-type]
        }
        row.update({k: result.get(k, math.nan) for k in MEASURE_COLUMNS})
        row.update({k: v for k, v in result.items() if k not in row})
        row.update(_informed(genome, draw, ddir, params, panels[draw.depth], meta))
        row["centre_log2"] = _centring_error(genome, draw, settings, ddir / "sample.cnr")
        rows.append(row)
    return pd.DataFrame(rows), missing


def _centring_error(genome: Genome, draw: Draw, settings: Settings, cnr: Path) -> float:
    """Where CNVkit's centring put the bins that are diploid in the draw's tumour (median log2
    of the autosomal bins whose tumour copy number is 2, from the simulator's truth; NaN for
    a draw without a tumour). CNVkit centres on the median bin: a tumour with more of its
    genome gained than lost lifts that median, so every diploid bin, and every amplicon's
    excess, sits that much too low; the error grows with TF."""
    spec = _tumour_spec(draw, settings)
    if spec is None:
        return math.nan
    bps, copies = copy_number_track(genome, make_tumour(genome, spec))
    bins = read_bins(cnr)
    index = {name: i for i, name in enumerate(genome.names)}
    contig = bins["chromosome"].astype(str).map(index).to_numpy(dtype=np.int64)
    mids = ((bins["start"] + bins["end"]) // 2).to_numpy(dtype=np.int64)
    state = copies[np.searchsorted(bps, genome.offsets[contig] + mids, side="right") - 1]
    autosome = np.isin(contig, genome.indices(AUTOSOME))
    log2 = bins["log2"].to_numpy(dtype=float)
    keep = autosome & (state == 2) & (log2 > NULL_LOG2 + 1)
    return float(np.median(log2[keep])) if keep.any() else math.nan


def _weighted_cnr(ddir: Path) -> Path | None:
    """A cached draw's size-weighted .cnr (None in a cache made before it was counted)."""
    path = weighted_path(ddir / "sample.cnr")
    return path if path.exists() else None


def _informed(
    genome: Genome,
    draw: Draw,
    ddir: Path,
    params: Erbb2Params,
    panel: pd.DataFrame,
    meta: dict[str, Any],
) -> dict[str, object]:
    """The call of an amplified draw as an on-treatment draw whose baseline found its
    amplicon exactly (tumour-informed: ``informed_amplified``, ``informed_locus_pcn``)."""
    if draw.kind != "amp" or draw.amplicon_bp is None:
        return {"informed_amplified": math.nan, "informed_locus_pcn": math.nan}
    chrom, start, end = amplicon_interval(genome, draw.amplicon_bp, 0)
    baseline = {"amplified": True, "locus_source": "segment", "locus_chrom": chrom,
                "locus_start": start, "locus_end": end}  # fmt: skip
    result = call_draw(
        draw.name,
        ddir / "sample.cnr",
        ddir / "sample.cns",
        params,
        panel=panel,
        read_pairs=int(meta["read_pairs"]),
        baseline_call=baseline,
        weighted_cnr=_weighted_cnr(ddir),
    )
    return {"informed_amplified": result["amplified"], "informed_locus_pcn": result["locus_pcn"]}


# ---- summary tables ----------------------------------------------------------------------


def _md(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _sens(sub: pd.DataFrame) -> str:
    if len(sub) == 0:
        return "-"
    ours = sub["amplified"].astype(bool).mean()
    cnv = sub["cnvkit_default_amplified"].astype(bool).mean()
    informed = sub["informed_amplified"].astype(float).mean()
    return f"{_pct(ours)} / {_pct(informed)} / {_pct(cnv)} (n={len(sub)})"


def _lod(sens_by_tf: dict[float, float]) -> str:
    """Smallest TF from which on every grid TF reaches LOD_SENSITIVITY."""
    best = None
    for tf in sorted(sens_by_tf, reverse=True):
        if sens_by_tf[tf] >= LOD_SENSITIVITY:
            best = tf
        else:
            break
    return f"{100 * best:g}%" if best is not None else f"> {100 * max(sens_by_tf):g}%"


def summarise(df: pd.DataFrame, params: Erbb2Params) -> str:
    out: list[str] = []
    rows: list[list[object]] = []
    amp = df[df["kind"] == "amp"]
    main = amp[amp["amplicon_bp"] == AMPLICON_BP]
    depths = sorted(df["depth"].unique())
    tfs = sorted(main["tf"].unique())
    out.append(
        "Cells: fraction of draws called amplified, ours (tumour-naive) / tumour-informed (in "
        "the true amplicon, as an on-treatment draw in its baseline's amplicon) / CNVkit "
        "default (log2 >= "
        f"{params.cnvkit_amp_log2}), with n draws. Non-evaluable draws count as not called. "
        "Call parameters: "
        + ", ".join(f"{f.name} {getattr(params, f.name)}" for f in fields(params))
        + "."
    )
    out.append("\n## (a) Sensitivity, 500 kb amplicon\n")
    for copies in sorted(main["copies"].unique()):
        out.append(f"\n### ERBB2 {copies:g} copies in the tumour\n")
        rows = []
        for depth in depths:
            cells = [_sens(main[(main.depth == depth) & (main.copies == copies) & (main.tf == t)])
                     for t in tfs]  # fmt: skip
            rows.append([f"{depth:g}x", *cells])
        out.append(_md(["depth", *[f"TF {100 * t:g}%" for t in tfs]], rows))
    other = amp[amp["amplicon_bp"] != AMPLICON_BP]
    if len(other):
        out.append("\n### Amplicon size (1x, 20 copies)\n")
        rows = []
        for size in sorted(amp["amplicon_bp"].unique()):
            for tf in sorted(other["tf"].unique()):
                sub = amp[(amp.depth == 1.0) & (amp.copies == 20) & (amp.amplicon_bp == size)]
                rows.append([f"{size / 1000:g} kb", f"{100 * tf:g}%", _sens(sub[sub.tf == tf])])
        out.append(_md(["amplicon", "TF", "ours / informed / cnvkit (n)"], rows))

    out.append("\n## (b) False positives (called amplified; ours / CNVkit)\n")
    rows = []
    for depth in depths:
        at = df[df.depth == depth]
        groups = [
            ("healthy normals (leave-one-out)", at[at.kind == "normal"]),
            ("TF 0 plasma", at[at.kind == "tf0"]),
        ]
        for tf in sorted(at[at.kind == "decoy"]["tf"].unique()):
            groups.append(
                (f"17q arm gain x4, TF {100 * tf:g}%", at[(at.kind == "decoy") & (at.tf == tf)])
            )
        for label, sub in groups:
            ours = int(sub["amplified"].astype(bool).sum())
            cnv = int(sub["cnvkit_default_amplified"].astype(bool).sum())
            ev = int(sub["evaluable"].astype(bool).sum())
            rows.append([f"{depth:g}x", label, f"{ours}/{len(sub)}", f"{cnv}/{len(sub)}", ev])
    out.append(_md(["depth", "draws", "ours", "CNVkit default", "evaluable"], rows))

    out.append(
        f"\n## (c) 95% limit of detection (TF), 500 kb amplicon: smallest grid TF from which on "
        f"every grid TF has >= {_pct(LOD_SENSITIVITY)} of draws called\n"
    )
    out.append(
        "With 4-8 draws per cell, >= 95% means every draw was called; the one-sided 95% lower "
        "confidence bound of 8/8 is 69% (4/4: 47%), so read this as an estimate, not a "
        "guarantee.\n"
    )
    rows = []
    for depth in depths:
        cells = []
        for copies in sorted(main["copies"].unique()):
            sub = main[(main.depth == depth) & (main.copies == copies)]
            if len(sub) == 0:
                cells.append("-")
                continue
            g = sub.groupby("tf")
            lod_ours = _lod(g["amplified"].mean().to_dict())
            lod_informed = _lod(
                sub.assign(i=sub["informed_amplified"].astype(float))
                .groupby("tf")["i"]
                .mean()
                .to_dict()
            )
            lod_cnv = _lod(g["cnvkit_default_amplified"].mean().to_dict())
            cells.append(f"{lod_ours} / {lod_informed} / {lod_cnv}")
        rows.append([f"{depth:g}x", *cells])
    out.append(_md(["depth", *[f"{c:g} copies" for c in sorted(main["copies"].unique())]], rows))
    out.append(
        "\nCells: ours (tumour-naive: a baseline) / tumour-informed (the draw measured in the "
        "true amplicon, as an on-treatment draw in its baseline's amplicon) / CNVkit default."
    )

    out.append(
        "\n## (d) erbb2_pcn against expected pCN = TF * C + 2 * (1 - TF) (evaluable draws)\n"
    )
    rows = []
    for depth in depths:
        for label, sub in (
            ("amplicon 500 kb", main[main.depth == depth]),
            ("normals + TF 0", df[(df.depth == depth) & df.kind.isin(["normal", "tf0"])]),
        ):
            sub = sub[sub["evaluable"].astype(bool) & np.isfinite(sub["erbb2_pcn"])]
            if len(sub) == 0:
                continue
            err = sub["erbb2_pcn"].to_numpy(float) - sub["expected_pcn"].to_numpy(float)
            mad = float(np.median(np.abs(err - np.median(err)))) * 1.4826
            q05, q95 = np.percentile(err, [5, 95])
            excess = sub["expected_pcn"].to_numpy(float) - 2.0
            big = excess >= MIN_EXCESS_FOR_RATIO
            ratio = (sub["erbb2_pcn"].to_numpy(float)[big] - 2.0) / excess[big]
            ratio_cell = f"{np.median(ratio):.2f} (n={big.sum()})" if big.any() else "-"
            rows.append(
                [f"{depth:g}x", label, len(sub), f"{np.median(err):+.3f}", f"{mad:.3f}",
                 f"{np.std(err, ddof=1):.3f}", f"{q05:+.3f} .. {q95:+.3f}", ratio_cell]
            )  # fmt: skip
    out.append(_md(BIAS_COLUMNS, rows))
    out.append(
        "\nError = erbb2_pcn - expected_pcn in copies per diploid genome; robust sd = 1.4826 * "
        "MAD. Excess ratio: median of (erbb2_pcn - 2) / (expected_pcn - 2) over draws with an "
        f"expected excess >= {MIN_EXCESS_FOR_RATIO:g} copies (1 = unbiased; the molecular "
        "response compares these excesses between draws)."
    )

    out.append(deficit_table(df, main, depths))

    out.append("\n## (e) The null: erbb2_z of draws without an amplicon\n")
    out.append(null_summary(df, params))

    out.append("\n## Target check\n")
    out.extend(f"- {line}" for line in target_check(df))
    return "\n".join(out) + "\n"


def _excess_ratio(pcn: np.ndarray, excess: np.ndarray) -> str:
    ratio = (pcn - 2.0) / excess
    ratio = ratio[np.isfinite(ratio)]
    return f"{np.median(ratio):.3f}" if len(ratio) else "-"


def deficit_table(df: pd.DataFrame, main: pd.DataFrame, depths: Sequence[float]) -> str:
    """Table (d'): the excess ratio of table (d) taken apart, per depth, on the draws with an
    expected excess >= MIN_EXCESS_FOR_RATIO: on the gene bins as reported; recentred on the
    tumour's diploid bins (``centre_log2``, simulator truth: undoes CNVkit's median
    centring); with the panel's own offset at the gene bins removed too (the mean
    ``erbb2_log2`` of the depth's TF-0 draws, which share the panel's reference with every
    draw of that depth); and on the true amplicon (``informed_locus_pcn``)."""
    rows = []
    for depth in depths:
        sub = main[(main.depth == depth) & main["evaluable"].astype(bool)]
        excess = sub["expected_pcn"].to_numpy(float) - 2.0
        sub, excess = sub[excess >= MIN_EXCESS_FOR_RATIO], excess[excess >= MIN_EXCESS_FOR_RATIO]
        if len(sub) == 0:
            continue
        tf0 = df[(df.depth == depth) & (df.kind == "tf0") & df["evaluable"].astype(bool)]
        tf0_log2 = tf0["erbb2_log2"].to_numpy(float)
        tf0_log2 = tf0_log2[np.isfinite(tf0_log2)]
        offset, offset_se = math.nan, math.nan
        if len(tf0_log2) > 1:
            offset = float(np.mean(tf0_log2))
            offset_se = float(np.std(tf0_log2, ddof=1) / math.sqrt(len(tf0_log2)))
        gene = sub["erbb2_log2"].to_numpy(float)
        centre = sub["centre_log2"].to_numpy(float)
        amplicon = sub["informed_locus_pcn"].to_numpy(float)
        rows.append([
            f"{depth:g}x", len(sub),
            _excess_ratio(2.0 * 2.0**gene, excess),
            _excess_ratio(2.0 * 2.0 ** (gene - centre), excess),
            _excess_ratio(2.0 * 2.0 ** (gene - centre - offset), excess),
            _excess_ratio(amplicon, excess),
            _excess_ratio(amplicon * 2.0**-centre, excess),
            f"{np.nanmedian(centre):+.4f}",
            f"{offset:+.4f} ± {offset_se:.4f} ({len(tf0_log2)} TF-0 draws)",
        ])  # fmt: skip
    if not rows:
        return ""
    return "\n".join([
        "\n## (d') Where an excess ratio below 1 comes from (same draws as (d))\n",
        _md(DEFICIT_COLUMNS, rows),
        "\nMedian excess ratios, (pCN - 2) / (expected pCN - 2). *gene bins*: erbb2_pcn as "
        "reported. *recentred*: the gene bins' log2 minus *centring*, the median log2 of the "
        "bins that are diploid in the draw's tumour (simulator truth): CNVkit centres on the "
        "median bin, and a tumour with more of its genome gained than lost lifts it, so "
        "diploid bins and every excess sit too low by an amount that grows with TF (the "
        "pipeline's tumour copies undo it with the fitted centre_pcn). *panel offset "
        "removed*: also minus the mean erbb2_log2 of the depth's TF-0 draws, the error of "
        "the 3-normal panel's reference at the gene bins, which every draw of that depth "
        "shares (one panel per depth), so a median over draws does not average it away. "
        "*true amplicon*: informed_locus_pcn, the draw measured over the true amplicon.",
    ])  # fmt: skip


@dataclass(frozen=True)
class NullFit:
    """Normals fitted to the null draws' z-scores (:func:`null_fit`): ``z`` the erbb2_z of
    normals and TF-0 draws, ``fz`` the focal_z of those and the 17q decoys (finite values of
    evaluable draws), with (mean, sd) of each; ``sw``: the same four for the size-weighted
    track's ``sw_z``/``sw_focal_z`` (None without that track); ``rate``/``frate``: the fitted
    chance that some track passes its z / focal z threshold (the thresholds raised for the
    tracks, the chances added over them: the union bound the call's Bonferroni rests on)."""

    z: np.ndarray
    fz: np.ndarray
    mean: float
    sd: float
    fmean: float
    fsd: float
    rate: float
    frate: float
    sw: tuple[float, float, float, float] | None = None


def _fit(values: np.ndarray) -> tuple[float, float]:
    return float(np.mean(values)), float(np.std(values, ddof=1))


def null_fit(df: pd.DataFrame, params: Erbb2Params) -> NullFit | None:
    """The z-scores of draws that carry no amplicon (normals leave-one-out, TF-0 draws; the
    17q decoys' z is real signal, so only their focal z counts) and a normal fitted to each,
    per coverage track; None with fewer than 3 of either."""
    null = df[df.kind.isin(["normal", "tf0"]) & df["evaluable"].astype(bool)]
    focal = df[df.kind.isin(["normal", "tf0", "decoy"]) & df["evaluable"].astype(bool)]
    columns = [("erbb2_z", "focal_z")]
    if "sw_z" in df.columns and np.isfinite(df["sw_z"].to_numpy(float)).any():
        columns.append(("sw_z", "sw_focal_z"))
    z_min, focal_min = scan_thresholds(params, len(columns))
    fits, rate, frate = [], 0.0, 0.0
    for zc, fc in columns:
        z = null[zc].to_numpy(float)
        z = z[np.isfinite(z)]
        fz = focal[fc].to_numpy(float)
        fz = fz[np.isfinite(fz)]
        if len(z) < 3 or len(fz) < 3:
            return None
        (mean, sd), (fmean, fsd) = _fit(z), _fit(fz)
        rate += float(stats.norm.sf((z_min - mean) / sd))
        frate += float(stats.norm.sf((focal_min - fmean) / fsd))
        fits.append((z, fz, mean, sd, fmean, fsd))
    z, fz, mean, sd, fmean, fsd = fits[0]
    sw = tuple(fits[1][2:]) if len(fits) > 1 else None
    return NullFit(z, fz, mean, sd, fmean, fsd, rate, frate, sw)  # type: ignore[arg-type]


def null_summary(df: pd.DataFrame, params: Erbb2Params) -> str:
    """The null draws' z-scores (:func:`null_fit`), a normal fitted to them, and the
    false-positive rate per draw that fit implies at the call's thresholds: the rate a
    user's own null draws would estimate the same way."""
    fit = null_fit(df, params)
    if fit is None:
        return "Too few null draws."
    z, fz, mean, sd, fmean, fsd = fit.z, fit.fz, fit.mean, fit.sd, fit.fmean, fit.fsd
    rate, frate = fit.rate, fit.frate
    weighted = ""
    if fit.sw is not None:
        z2, f2 = scan_thresholds(params, 2)
        weighted = (
            f" The size-weighted track's sw_z: mean {fit.sw[0]:+.2f}, sd {fit.sw[1]:.2f}; its "
            f"sw_focal_z: mean {fit.sw[2]:+.2f}, sd {fit.sw[3]:.2f}. With two tracks each test "
            f"uses z >= {z2:.2f} and focal z >= {f2:.2f}; the chances below add the two "
            "tracks'."
        )
    return (
        f"erbb2_z of {len(z)} null draws (normals, TF 0): mean {mean:+.2f}, sd {sd:.2f}, "
        f"largest {z.max():.2f}; focal_z of {len(fz)} (and the 17q decoys): mean {fmean:+.2f}, "
        f"sd {fsd:.2f}, largest {fz.max():.2f}.{weighted} A normal fitted to them puts the "
        f"chance that a draw without an amplicon passes z_min {params.z_min:g} at "
        f"{rate:.1e}, and focal_z_min {params.focal_z_min:g} at {frate:.1e}: a call needs "
        f"both, so about {rate * frate:.0e} per draw if they were independent, and at most "
        f"{min(rate, frate):.0e}. "
        "The scan keeps the same bound (its thresholds share these tail probabilities among "
        "its windows)."
    )


def target_check(df: pd.DataFrame) -> list[str]:
    lines = []
    one = df[(df.depth == 1.0) & (df.kind == "amp") & (df.amplicon_bp == AMPLICON_BP)]
    sub = one[(one.copies == 20) & (one.tf >= 0.03 - 1e-9)]
    if len(sub):
        worst = sub.groupby("tf")["amplified"].mean()
        ok = bool((worst >= LOD_SENSITIVITY).all())
        cells = ", ".join(f"TF {100 * t:g}%: {_pct(v)}" for t, v in worst.items())
        lines.append(
            f"{'PASS' if ok else 'FAIL'}: 1x, 3 normals, 20 copies, 500 kb, TF >= 3% called in "
            f">= 95% of draws ({cells})"
        )
    for kind, label in (("normal", "healthy normals (LOO)"), ("tf0", "TF-0 draws")):
        sub = df[df.kind == kind]
        if len(sub):
            n = int(sub["amplified"].astype(bool).sum())
            lines.append(
                f"{'PASS' if n == 0 else 'FAIL'}: no {label} called amplified ({n}/{len(sub)})"
            )
    sub = df[df.kind == "decoy"]
    if len(sub):
        n = int(sub["amplified"].astype(bool).sum())
        lines.append(
            f"{'PASS' if n == 0 else 'FAIL'}: no 17q arm-gain decoy called amplified "
            f"({n}/{len(sub)})"
        )
    return lines


# ---- main ---------------------------------------------------------------------------------


def settings_from(config: dict[str, Any], genome_seed: int, digest: bool = True) -> Settings:
    """The cache settings of config's ``bins`` and ``alignment`` sections (bins.size must be
    auto); ``digest``: with the simulated genome's digest in them (:func:`genome_digest`)."""
    bins = config["bins"]
    if str(bins["size"]) != "auto":
        sys.exit("config bins.size must be 'auto' for this benchmark")
    return Settings(
        genome_seed=genome_seed,
        reads_per_bin=int(bins["reads_per_bin"]),
        min_bin=int(bins["min_size"]),
        max_bin=int(bins["max_size"]),
        min_mapq=int(config["alignment"]["min_mapq"]),
        genome=genome_digest(make_genome(genome_seed)) if digest else "",
        short_weight=float(config["erbb2"].get("short_fragment_weight", 1.0)),
    )


def add_common_options(parser: argparse.ArgumentParser, config: Path) -> None:
    """The options every simulation benchmark shares: workers, genome seed, config, call
    parameter overrides, verbose CNVkit logging."""
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--genome-seed", type=int, default=1)
    parser.add_argument("--config", type=Path, default=config)
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override an erbb2 call parameter (e.g. z_min=4.5); repeatable",
    )
    parser.add_argument("--verbose", action="store_true")


def parse_params(config: dict[str, Any], overrides: Sequence[str]) -> Erbb2Params:
    params = params_from_config(config["erbb2"], config["gene"])
    types = {f.name: type(getattr(params, f.name)) for f in fields(params)}
    changes: dict[str, Any] = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or key not in types:
            sys.exit(f"--param {item!r}: expected KEY=VALUE with KEY one of {sorted(types)}")
        if types[key] is bool:
            changes[key] = value.strip().lower() in ("1", "true", "yes")
        else:
            changes[key] = types[key](float(value)) if types[key] is int else types[key](value)
    return replace(params, **changes)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 1x only, 2 reps")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="no simulation: measure the cached draws (seconds)",
    )
    parser.add_argument(
        "--reps-scale", type=float, default=1.0, help="multiply every replicate count"
    )
    parser.add_argument(
        "--depths", type=float, nargs="+", help="only these depths (default: 0.5 1 2)"
    )
    parser.add_argument(
        "--read-length",
        type=int,
        default=DEFAULT_READ_LENGTH,
        help="bp of each simulated read (default %(default)s); a draw keeps the read pairs "
        "of its depth at the default length, so only the reads' length changes",
    )
    add_common_options(parser, ROOT / "config" / "config.yaml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, force=True)

    config = yaml.safe_load(args.config.read_text())
    params = parse_params(config, args.param)
    settings = replace(settings_from(config, args.genome_seed), read_length=args.read_length)
    draws = plan(args.quick, args.reps_scale, args.depths)
    t0 = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.measure_only:
        ref = ensure_genome(settings)
        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(
            args.workers, initializer=_init_worker, initargs=(settings.genome_seed, args.verbose)
        ) as pool:
            panels = build_panels(pool, settings, [d for d in draws if d.kind == "normal"], ref)
            for depth, info in panels.items():
                print(
                    f"{depth:g}x: bin size {info['bin_size']} bp, {info['n_bins']} bins, "
                    f"normals' read pairs {info['normal_read_pairs']}",
                    flush=True,
                )
            todo = [
                d
                for d in draws
                if d.kind != "normal" and not (draw_dir(settings, d) / "meta.json").exists()
            ]
            todo.sort(key=lambda d: -d.depth)  # deepest (slowest) first balances the workers
            print(
                f"{len(draws)} draws in the grid, {len(todo)} to simulate ({args.workers} workers)",
                flush=True,
            )
            for i, (name, sec) in enumerate(
                pool.imap_unordered(task_draw, [(d, settings) for d in todo]), 1
            ):
                if i % 10 == 0 or i == len(todo):
                    el = time.perf_counter() - t0
                    print(f"  {i}/{len(todo)} done ({name}: {sec:.1f} s; {el:.0f} s)", flush=True)
        shutil.rmtree(OUT / "tmp", ignore_errors=True)
    t_sim = time.perf_counter() - t0
    table, missing = measure_all(settings, draws, params)
    if missing:
        print(f"WARNING: {missing} draws of the grid are not cached (run without --measure-only)")
    if table.empty:
        sys.exit("no cached draws to measure")
    draws_tsv = OUT / "detection_draws.tsv"
    table.to_csv(draws_tsv, sep="\t", index=False, float_format="%.6g")
    summary = summarise(table, params)
    wall = time.perf_counter() - t0
    head = (
        f"# ERBB2 detection benchmark\n\n{len(table)} draws measured; genome seed "
        f"{settings.genome_seed}; cache {settings.fingerprint}; "
        f"simulation + CNVkit {t_sim:.0f} s, total {wall:.0f} s "
        f"({'measure only' if args.measure_only else f'{args.workers} workers'}).\n\n"
    )
    (OUT / "detection_summary.md").write_text(head + summary)
    print(head + summary)
    print(f"wrote {draws_tsv} and {OUT / 'detection_summary.md'}")


if __name__ == "__main__":
    main()
