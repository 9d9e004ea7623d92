"""False-positive study of the ERBB2 call over 500+ null draws, across depth and panel size.

Usage::

    .venv/bin/python benchmarks/bench_null.py [--quick] [--measure-only]
        [--depths 0.5 1 2] [--panel-sizes 3 10 20] [--normals 20] [--tf0 60] [--decoys 20]
        [--workers 2] [--genome-seed 1] [--config PATH] [--param z_min=4.5 ...] [--verbose]

What it simulates, with bench_detection.py's small synthetic genome (``make_genome(seed)``,
a human-like 17q12 locus) and its simulator functions (true-alignment BAMs, no bwa; every
sample female, the simulator's default), at every depth: ``--normals`` healthy normals,
``--tf0`` plasma draws without tumour DNA (TF 0) and ``--decoys`` 17q decoys: tumours with
the whole 17q arm gained and no focal amplicon, as bench_detection defines them (arm at 4
copies; TF 10, 20, 30% in turn; the tumour's random broad events elsewhere). Every draw has
its own seed, derived from the genome seed and its name; the names start with ``null_``, so
these are other samples than bench_detection's.

How it measures, with the project's code as the workflow runs it: per depth, one set of bins
(:func:`cfdna_erbb2.bins.build_bins` on the contigs the config's ``bins.contigs`` chooses,
size from the normals' read pairs) and the bins' GC and
repeat content (:func:`cfdna_erbb2.cnvkit_steps.write_bin_content`, once); each draw's bin
coverage counted in the workflow's one QC pass over its BAM
(:func:`cfdna_erbb2.qc.write_bam_qc`: the file ``cnvkit.py coverage`` writes). Then for each
panel size k of ``--panel-sizes``: a reference pooled from the first k normals
(:func:`cfdna_erbb2.cnvkit_steps.build_reference`); each of those k normals fixed and
segmented against a leave-one-out reference of the other k - 1, every TF-0 draw and decoy
against the k-normal reference (:func:`~cfdna_erbb2.cnvkit_steps.fix_and_segment`); the
panel table of the k normals' leave-one-out .cnr files (:func:`cfdna_erbb2.calls.panel_table`)
and the workflow's call of each of those normals and plasma draws
(:func:`cfdna_erbb2.calls.call_draw`) with the ``erbb2`` parameters of config/config.yaml.

A null draw called amplified is a false positive: the script exits with status 1 if there is
any, so it serves as a check. Beyond the count, it fits a normal to the null draws' erbb2_z
(normals and TF-0 draws) and one to their focal_z (and the decoys': their erbb2_z is the arm
gain, real signal) and reports the false-positive rate per draw those fits imply at the
call's thresholds (:func:`bench_detection.null_fit`), per depth x panel size and pooled.

Simulated draws' coverage (and QC metrics) is cached under
benchmarks/out/cache_null/<key>_<depth>x/coverage/ and every panel size's references and
.cnr/.cns under its k<size>/ folder; the genome's FASTA, refFlat and access regions under
cache_null/genome_g<seed>_<digest>/. The key hashes bench_detection's settings (genome seed,
``bins``, ``min_mapq``), a digest of the simulated genome and the contig choice, so a change
of any of them starts afresh. A rerun only makes what is missing and ``--measure-only``
re-calls the cached draws (e.g. with other ``--param`` thresholds) in seconds. Outputs:
benchmarks/out/null_draws.tsv (one row per call) and benchmarks/out/null_summary.md (the
printed tables).
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
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_detection as bd

from cfdna_erbb2 import GENE, cnvkit_steps, qc
from cfdna_erbb2.bins import build_bins, choose_bin_size, read_exclusions
from cfdna_erbb2.calls import call_draw, panel_table
from cfdna_erbb2.contigs import choose_contigs
from cfdna_erbb2.erbb2 import Erbb2Params, scan_thresholds
from cfdna_erbb2.simulate import make_genome, write_reference
from cfdna_erbb2.tsv import read_fai

OUT = bd.OUT
CACHE = OUT / "cache_null"
TMP = CACHE / "tmp"

#: Defaults (full study) and the ``--quick`` smoke run's values.
DEPTHS, QUICK_DEPTHS = (0.5, 1.0, 2.0), (1.0,)
PANEL_SIZES, QUICK_PANEL_SIZES = (3, 10, 20), (3, 5)
N_NORMALS, QUICK_NORMALS = 20, 5
N_TF0, QUICK_TF0 = 60, 6
N_DECOYS, QUICK_DECOYS = 20, 2
#: Kinds of null draw, in table order, with their labels.
KINDS = {"normal": "normals (LOO)", "tf0": "TF 0", "decoy": "17q decoys"}
#: Columns of null_draws.tsv in front (the call's other fields follow).
FRONT_COLUMNS = (
    "depth", "panel_size", "kind", "rep", "sample", "tf", "arm_gain_17q", "evaluable",
    "amplified", "erbb2_z", "focal_z", "scan_windows", "scan_z_min", "scan_focal_z_min",
    "locus_source", "locus_bins", "cnvkit_default_amplified", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class NullDraw(bd.Draw):
    """A draw of bench_detection's design whose name (hence seed) is this study's own."""

    @property
    def name(self) -> str:
        return f"null_{super().name}"


@dataclass(frozen=True)
class Design:
    """The study: depths, panel sizes and the number of each kind of draw per depth."""

    depths: tuple[float, ...]
    panel_sizes: tuple[int, ...]
    normals: int
    tf0: int
    decoys: int

    def normal_draws(self, depth: float) -> list[NullDraw]:
        return [NullDraw(depth, "normal", rep=i) for i in range(self.normals)]

    def plasma_draws(self, depth: float) -> list[NullDraw]:
        """TF-0 draws and 17q decoys (bench_detection's arm copies, its TFs in turn)."""
        draws = [NullDraw(depth, "tf0", rep=r) for r in range(self.tf0)]
        tfs, copies = bd.DECOY_TFS, float(bd.DECOY_ARM_COPIES)
        draws += [
            NullDraw(depth, "decoy", tfs[r % len(tfs)], copies, rep=r) for r in range(self.decoys)
        ]
        return draws

    def calls(self) -> int:
        """Null calls the study makes: per depth and panel size, k normals and every plasma
        draw."""
        per_size = sum(k + self.tf0 + self.decoys for k in self.panel_sizes)
        return len(self.depths) * per_size


@dataclass(frozen=True)
class Run:
    """What the cached files depend on: bench_detection's settings (genome seed, bins,
    min MAPQ), a digest of the simulated genome itself (``bench_detection.genome_digest``),
    the contigs that carry bins and the BED files of regions left out of them (config
    ``bins``; its ``exclude: auto`` leaves nothing out of a genome that is not GRCh38 or
    GRCh37)."""

    settings: bd.Settings
    genome: str
    contigs: str | tuple[str, ...] = "auto"
    exclude: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        text = json.dumps([self.genome, self.contigs, self.exclude])
        return f"{self.settings.fingerprint}_{hashlib.sha1(text.encode()).hexdigest()[:8]}"


# ---- paths -----------------------------------------------------------------------------


def genome_dir(run: Run) -> Path:
    return CACHE / f"genome_g{run.settings.genome_seed}_{run.genome}"


def depth_dir(run: Run, depth: float) -> Path:
    return CACHE / f"{run.key}_{depth:g}x"


def coverage_path(run: Run, draw: NullDraw) -> Path:
    return depth_dir(run, draw.depth) / "coverage" / f"{draw.name}.targetcoverage.cnn"


def meta_path(run: Run, draw: NullDraw) -> Path:
    """The draw's truth and QC metrics, written last: the draw's coverage is complete."""
    return depth_dir(run, draw.depth) / "coverage" / f"{draw.name}.json"


def size_dir(run: Run, depth: float, k: int) -> Path:
    return depth_dir(run, depth) / f"k{k:02d}"


def cnr_path(run: Run, draw: NullDraw, k: int) -> Path:
    return size_dir(run, draw.depth, k) / f"{draw.name}.cnr"


def done(run: Run, draw: NullDraw, k: int) -> bool:
    """The draw is fixed and segmented against panel size k (the .cns is written last),
    its size-weighted coverage fixed too."""
    cnr = cnr_path(run, draw, k)
    return cnr.exists() and cnr.with_suffix(".cns").exists() and bd.weighted_path(cnr).exists()


def reference_for(run: Run, draw: NullDraw, k: int) -> Path:
    """A panel normal's leave-one-out reference; a plasma draw's k-normal reference."""
    kdir = size_dir(run, draw.depth, k)
    return kdir / (f"loo_{draw.name}.cnn" if draw.kind == "normal" else "reference.cnn")


# ---- worker side -------------------------------------------------------------------------


def task_normal_bam(args: tuple[NullDraw, Run]) -> dict[str, object]:
    """Simulate one normal into its depth's folder (the BAM sets the bins, then its coverage
    is counted); read pairs from the workflow's BAM QC."""
    draw, run = args
    t0 = time.perf_counter()
    truth = bd._simulate(draw, run.settings, depth_dir(run, draw.depth) / "bam")
    metrics, _ = qc.bam_qc(str(truth["bam"]))
    truth["qc_read_pairs"] = int(metrics["read_pairs"])
    truth["seconds"] = time.perf_counter() - t0
    return truth


def task_coverage(args: tuple[NullDraw, Run, dict[str, object] | None]) -> tuple[float, float]:
    """Bin coverage of one draw into the cache: of the BAM in ``truth`` (a normal that set
    the bins), else of the draw simulated afresh into a temporary folder. Returns (depth,
    seconds)."""
    draw, run, truth = args
    t0 = time.perf_counter()
    ddir = depth_dir(run, draw.depth)
    cov = coverage_path(run, draw)
    cov.parent.mkdir(parents=True, exist_ok=True)
    TMP.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=TMP, prefix=f"{draw.name}.") as tmp:
        if truth is None:
            truth = bd._simulate(draw, run.settings, Path(tmp))
        part = Path(tmp) / cov.name
        metrics = bd.write_coverage(
            ddir / "bins.target.bed",
            str(truth["bam"]),
            part,
            run.settings.min_mapq,
            run.settings.short_weight,
        )
        shutil.move(bd.weighted_path(part), bd.weighted_path(cov))
        shutil.move(part, cov)
    seconds = time.perf_counter() - t0 + float(str(truth.get("seconds", 0.0)))
    meta = {**bd._meta(draw, truth, seconds), "name": draw.name}
    meta["qc_read_pairs"] = int(metrics["read_pairs"])
    meta_path(run, draw).write_text(json.dumps(meta, indent=1) + "\n")
    return draw.depth, seconds


def task_reference(args: tuple[list[str], str, str, str, str]) -> str:
    """A CNVkit reference pooled from coverage files (the bins' content known), and its
    size-weighted sibling from theirs (written first: the plain one marks both done)."""
    cnns, fasta, bins, content, out = args
    for track in (bd.weighted_path, Path):
        part = f"{track(out)}.part"
        cnvkit_steps.build_reference([track(c) for c in cnns], fasta, bins, part, content=content)
        Path(part).replace(track(out))
    return out


def task_fix(args: tuple[str, str, str, str, float]) -> tuple[float, float]:
    """Fix and segment one draw's coverage against a reference (.cnr, then .cns). Returns
    (depth, seconds)."""
    cnn, reference, name, cnr, depth = args
    t0 = time.perf_counter()
    cns = str(Path(cnr).with_suffix(".cns"))
    weighted = bd.weighted_path(cnr)
    cnvkit_steps.fix_only(
        bd.weighted_path(cnn), bd.weighted_path(reference), name, f"{weighted}.part"
    )
    Path(f"{weighted}.part").replace(weighted)
    cnvkit_steps.fix_and_segment(cnn, reference, name, f"{cnr}.part", f"{cns}.part")
    Path(f"{cnr}.part").replace(cnr)
    Path(f"{cns}.part").replace(cns)
    return depth, time.perf_counter() - t0


# ---- making the draws --------------------------------------------------------------------


def ensure_genome(run: Run) -> dict[str, Path]:
    """The genome's FASTA, refFlat and `cnvkit.py access` regions, once per genome (this
    study's own copy: bench_detection's cache keeps the genome it was first made with)."""
    gdir = genome_dir(run)
    paths = {name: gdir / name for name in ("genome.fa", "genome.fa.fai", "genes.refFlat")}
    paths["access"] = gdir / "access.bed"
    if not paths["access"].exists():
        gdir.mkdir(parents=True, exist_ok=True)
        write_reference(make_genome(run.settings.genome_seed), gdir)
        part = gdir / "access.bed.part"
        bd._run([bd.CNVKIT, "access", str(paths["genome.fa"]), "-o", str(part)])
        part.replace(paths["access"])
    return paths


def ensure_depth(
    pool: Any, run: Run, design: Design, depth: float, ref: dict[str, Path]
) -> dict[str, Any]:
    """The depth's bins (on the contigs the workflow would choose) and bin content, set by
    its normals' read pairs, and the normals' coverage (once per depth: later runs keep
    these bins)."""
    ddir = depth_dir(run, depth)
    info_path = ddir / "depth.json"
    if info_path.exists():
        info: dict[str, Any] = json.loads(info_path.read_text())
        return info
    normals = design.normal_draws(depth)
    print(f"{depth:g}x: simulating {len(normals)} normals for the bins", flush=True)
    shutil.rmtree(ddir, ignore_errors=True)  # a run stopped before depth.json
    ddir.mkdir(parents=True)
    truths = pool.map(task_normal_bam, [(n, run) for n in normals])
    pairs = [int(str(t["qc_read_pairs"])) for t in truths]
    bins = ddir / "bins.target.bed"
    choice = choose_contigs(list(read_fai(ref["genome.fa.fai"])), run.contigs)
    exclude = read_exclusions(list(run.exclude), choice.chosen) if run.exclude else None
    made = build_bins(
        ref["access"],
        ref["genes.refFlat"],
        GENE,
        bins_settings(run.settings),
        pairs,
        bins,
        contigs=choice.chosen,
        exclude=exclude,
    )
    cnvkit_steps.write_bin_content(bins, ref["genome.fa"], ddir / "bins.content.tsv")
    pool.map(task_coverage, [(n, run, t) for n, t in zip(normals, truths, strict=True)])
    shutil.rmtree(ddir / "bam", ignore_errors=True)
    info = {
        "depth": depth,
        "bin_size": made.bin_size,
        "n_bins": made.n_bins,
        "accessible_bp": made.accessible_bp,
        "normal_read_pairs": pairs,
        "contigs": choice.summary(),
        "settings": run.settings.__dict__,
    }
    info_path.write_text(json.dumps(info, indent=1) + "\n")
    return info


def bins_settings(settings: bd.Settings) -> dict[str, object]:
    """The config's ``bins`` section as build_bins reads it (automatic size)."""
    return {
        "size": "auto",
        "reads_per_bin": settings.reads_per_bin,
        "min_size": settings.min_bin,
        "max_size": settings.max_bin,
    }


def check_bin_size(run: Run, info: dict[str, Any], sizes: Sequence[int]) -> None:
    """Warn when the first k normals alone would have set another bin size than all of them
    (the workflow sets it from its panel's normals; the simulator gives every normal of a
    depth the same read pairs, so this does not happen unless the design changes)."""
    pairs = list(info["normal_read_pairs"])
    for k in sizes:
        size, _ = choose_bin_size(
            bins_settings(run.settings), pairs[:k], int(info["accessible_bp"])
        )
        if size != info["bin_size"]:
            print(
                f"WARNING: {info['depth']:g}x: the first {k} normals alone would set bins of "
                f"{size} bp, not {info['bin_size']} bp"
            )


def _print_means(what: str, seconds: dict[float, list[float]]) -> None:
    if seconds:
        means = ", ".join(f"{d:g}x {np.mean(s):.1f} s" for d, s in sorted(seconds.items()))
        print(f"  mean {what} per draw (one worker): {means}", flush=True)


def simulate(pool: Any, run: Run, design: Design, workers: int, t0: float) -> None:
    """Everything not yet cached: bins, coverage, references, .cnr/.cns."""
    ref = ensure_genome(run)
    for depth in design.depths:
        info = ensure_depth(pool, run, design, depth, ref)
        print(
            f"{depth:g}x: bin size {info['bin_size']} bp, {info['n_bins']} bins, "
            f"normals' read pairs {sorted(set(info['normal_read_pairs']))}",
            flush=True,
        )
        check_bin_size(run, info, design.panel_sizes)
    everyone = [d for depth in design.depths for d in design.normal_draws(depth)]
    everyone += [d for depth in design.depths for d in design.plasma_draws(depth)]
    todo = [d for d in everyone if not meta_path(run, d).exists()]
    todo.sort(key=lambda d: -d.depth)  # deepest (slowest) first balances the workers
    print(f"{len(everyone)} draws, {len(todo)} to simulate ({workers} workers)", flush=True)
    jobs = [(d, run, None) for d in todo]
    seconds: dict[float, list[float]] = {}
    for i, (depth, sec) in enumerate(pool.imap_unordered(task_coverage, jobs), 1):
        seconds.setdefault(depth, []).append(sec)
        if i % 20 == 0 or i == len(todo):
            print(f"  {i}/{len(todo)} simulated ({time.perf_counter() - t0:.0f} s)", flush=True)
    _print_means("simulation + bin coverage", seconds)

    refs: list[tuple[list[str], str, str, str, str]] = []
    for depth in design.depths:
        ddir = depth_dir(run, depth)
        bins, content = str(ddir / "bins.target.bed"), str(ddir / "bins.content.tsv")
        normals = design.normal_draws(depth)
        for k in design.panel_sizes:
            kdir = size_dir(run, depth, k)
            kdir.mkdir(parents=True, exist_ok=True)
            members = normals[:k]
            wanted = [(members, kdir / "reference.cnn")]
            wanted += [([m for m in members if m != n], reference_for(run, n, k)) for n in members]
            refs += [
                ([str(coverage_path(run, m)) for m in pooled], str(ref["genome.fa"]), bins,
                 content, str(out))
                for pooled, out in wanted
                if not out.exists()
            ]  # fmt: skip
    if refs:
        print(f"{len(refs)} references to build", flush=True)
        pool.map(task_reference, refs)

    fixes = []
    for depth in design.depths:
        plasma = design.plasma_draws(depth)
        for k in design.panel_sizes:
            for d in design.normal_draws(depth)[:k] + plasma:
                if not done(run, d, k):
                    fixes.append(
                        (str(coverage_path(run, d)), str(reference_for(run, d, k)),
                         d.name, str(cnr_path(run, d, k)), depth)
                    )  # fmt: skip
    print(f"{design.calls()} calls, {len(fixes)} to fix and segment", flush=True)
    seconds = {}
    for i, (depth, sec) in enumerate(pool.imap_unordered(task_fix, fixes, chunksize=4), 1):
        seconds.setdefault(depth, []).append(sec)
        if i % 50 == 0 or i == len(fixes):
            print(f"  {i}/{len(fixes)} segmented ({time.perf_counter() - t0:.0f} s)", flush=True)
    _print_means("fix + segment", seconds)
    shutil.rmtree(TMP, ignore_errors=True)


# ---- measurement -------------------------------------------------------------------------


def measure_all(run: Run, design: Design, params: Erbb2Params) -> tuple[pd.DataFrame, int]:
    """Call every cached null draw of every depth and panel size; returns (one row per
    call, number of calls missing). A panel size whose normals are not all cached is
    skipped whole (its panel table would be another)."""
    rows: list[dict[str, object]] = []
    missing = 0
    for depth in design.depths:
        info_path = depth_dir(run, depth) / "depth.json"
        bin_size = json.loads(info_path.read_text())["bin_size"] if info_path.exists() else None
        plasma = design.plasma_draws(depth)
        for k in design.panel_sizes:
            members = design.normal_draws(depth)[:k]
            if not all(done(run, n, k) for n in members):
                missing += k + len(plasma)
                continue
            panel = panel_table(
                {n.name: cnr_path(run, n, k) for n in members},
                params,
                weighted_paths={n.name: bd.weighted_path(cnr_path(run, n, k)) for n in members},
            )
            for draw in members + plasma:
                if not done(run, draw, k):
                    missing += 1
                    continue
                meta = json.loads(meta_path(run, draw).read_text())
                cnr = cnr_path(run, draw, k)
                result = call_draw(
                    draw.name,
                    cnr,
                    cnr.with_suffix(".cns"),
                    params,
                    panel=panel,
                    read_pairs=int(meta["qc_read_pairs"]),
                    weighted_cnr=bd.weighted_path(cnr),
                )
                row: dict[str, object] = {
                    "depth": depth,
                    "panel_size": k,
                    "kind": draw.kind,
                    "rep": draw.rep,
                    "sample": draw.name,
                    "tf": draw.tf,
                    "arm_gain_17q": draw.copies if draw.kind == "decoy" else None,
                    "seed": meta["seed"],
                    "read_pairs": meta["qc_read_pairs"],
                    "bin_size": bin_size,
                }
                row.update({c: result.get(c, math.nan) for c in FRONT_COLUMNS if c not in row})
                row.update({c: v for c, v in result.items() if c not in row})
                rows.append(row)
    return pd.DataFrame(rows), missing


# ---- summary tables ----------------------------------------------------------------------


def _count(sub: pd.DataFrame, column: str) -> int:
    return int(sub[column].astype(bool).sum())


def _max(values: pd.Series) -> str:
    v = values.to_numpy(float)
    v = v[np.isfinite(v)]
    return f"{v.max():.2f}" if len(v) else "-"


def _rate(x: float) -> str:
    return f"{x:.1e}" if x >= 1e-99 else "< 1e-99"


def cells(df: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """(depth label, panel label, rows) per depth x panel size, then the pooled cell."""
    out = [
        (f"{depth:g}x", str(k), df[(df.depth == depth) & (df.panel_size == k)])
        for depth in sorted(df["depth"].unique())
        for k in sorted(df["panel_size"].unique())
    ]
    out = [c for c in out if len(c[2])]
    out.append(("all", "all", df))
    return out


def false_call_table(df: pd.DataFrame) -> str:
    rows = []
    for depth, k, sub in cells(df):
        by_kind = [
            f"{_count(sub[sub.kind == kind], 'amplified')}/{int((sub.kind == kind).sum())}"
            for kind in KINDS
        ]
        rows.append(
            [depth, k, len(sub), _count(sub, "evaluable"), *by_kind,
             f"**{_count(sub, 'amplified')}**", _count(sub, "cnvkit_default_amplified")]
        )  # fmt: skip
    return bd._md(
        ["depth", "panel", "calls", "evaluable", *[f"false: {v}" for v in KINDS.values()],
         "false calls", "CNVkit default calls"],
        rows,
    )  # fmt: skip


def z_table(df: pd.DataFrame, params: Erbb2Params) -> str:
    two = "sw_z" in df.columns and bool(np.isfinite(df["sw_z"].to_numpy(float)).any())
    z_min, focal_min = scan_thresholds(params, 2 if two else 1)
    rows = []
    for depth, k, sub in cells(df):
        ev = sub[sub["evaluable"].astype(bool)]
        null = ev[ev.kind.isin(["normal", "tf0"])]
        zs, fzs = (
            ["erbb2_z", *(["sw_z"] if two else [])],
            ["focal_z", *(["sw_focal_z"] if two else [])],
        )
        over_z = int((null[zs].to_numpy(float) >= z_min).any(axis=1).sum())
        over_f = int((ev[fzs].to_numpy(float) >= focal_min).any(axis=1).sum())
        fit = bd.null_fit(sub, params)
        sw = "-"
        if fit is not None and fit.sw is not None:
            sw = f"{fit.sw[0]:+.2f} / {fit.sw[1]:.2f}, {fit.sw[2]:+.2f} / {fit.sw[3]:.2f}"
        if fit is None:
            rows.append([depth, k, _max(null[zs].max(axis=1)), _max(ev[fzs].max(axis=1)),
                         *["-"] * 7])  # fmt: skip
            continue
        rows.append(
            [depth, k, _max(null[zs].max(axis=1)), _max(ev[fzs].max(axis=1)),
             f"{fit.mean:+.2f} / {fit.sd:.2f} (n={len(fit.z)})",
             f"{fit.fmean:+.2f} / {fit.fsd:.2f} (n={len(fit.fz)})", sw,
             f"{over_z} / {over_f}", _rate(fit.rate), _rate(fit.frate),
             f"{_rate(fit.rate * fit.frate)} / {_rate(min(fit.rate, fit.frate))}"]
        )  # fmt: skip
    return bd._md(
        ["depth", "panel", "largest z (any track)", "largest focal z (any track)",
         "erbb2_z mean / sd", "focal_z mean / sd", "sw_z, sw_focal_z mean / sd",
         f"observed z >= {z_min:.2f} / focal >= {focal_min:.2f}", "P(z passes)",
         "P(focal passes)", "per draw: independent / at most"],
        rows,
    )  # fmt: skip


def summarise(df: pd.DataFrame, params: Erbb2Params, design: Design) -> str:
    n_samples = len(df.drop_duplicates(["depth", "sample"]))
    out = [
        f"{len(df)} null calls of {n_samples} simulated samples (every TF-0 draw and decoy is "
        f"called once per panel size; each panel normal against a leave-one-out reference of "
        f"the other k - 1). Design per depth: {design.normals} normals, {design.tf0} TF-0 "
        f"draws, {design.decoys} 17q decoys (arm at {bd.DECOY_ARM_COPIES} copies, TF "
        + ", ".join(f"{100 * t:g}%" for t in bd.DECOY_TFS)
        + " in turn). Call parameters: "
        + ", ".join(f"{f.name} {getattr(params, f.name)}" for f in fields(params))
        + ".",
        "\n## (a) False positives: null draws called amplified\n",
        false_call_table(df),
        "\nCells `false: kind`: called amplified / calls. CNVkit default: segment log2 >= "
        f"{params.cnvkit_amp_log2} at ERBB2 (the decoys' arm gain is expected to pass it at "
        "high TF; for comparison only).",
        "\n## (b) The null z-scores and the false-positive rate per draw they imply\n",
        z_table(df, params),
        "\nMethod (bench_detection.null_fit): among evaluable calls, a normal (mean, sd) is "
        "fitted to the erbb2_z of the normals (leave-one-out) and TF-0 draws, and another to "
        "the focal_z of those and the 17q decoys (a decoy's erbb2_z is its arm gain, real "
        "signal; only its focal step counts); the same for the size-weighted track's sw_z and "
        "sw_focal_z. P(z passes) = the sum over tracks of 1 - Phi((t - mean) / sd), t the "
        "per-track threshold (z_min raised for two tracks), likewise for the focal threshold. "
        "A call needs both: the rate per draw is their product if "
        "the two are independent, and at most the smaller. The scan keeps the same bound "
        "(its windows share these tail probabilities). 'Observed' counts the calls whose z "
        "(normals, TF 0) or focal z (all) on some track reaches the threshold by itself. "
        "Calls of one sample at several panel sizes are not independent: the pooled row's n "
        "counts calls.",
    ]
    return "\n".join(out) + "\n"


# ---- main ---------------------------------------------------------------------------------


def design_from(args: argparse.Namespace) -> Design:
    def pick(value: Any, quick: Any, default: Any) -> Any:
        return value if value is not None else (quick if args.quick else default)

    normals = int(pick(args.normals, QUICK_NORMALS, N_NORMALS))
    sizes = [int(k) for k in pick(args.panel_sizes, QUICK_PANEL_SIZES, PANEL_SIZES)]
    if min(sizes) < 2:
        sys.exit("--panel-sizes: a panel needs at least 2 normals (leave-one-out)")
    sizes = sorted({min(k, normals) for k in sizes})
    return Design(
        depths=tuple(float(d) for d in pick(args.depths, QUICK_DEPTHS, DEPTHS)),
        panel_sizes=tuple(sizes),
        normals=normals,
        tf0=int(pick(args.tf0, QUICK_TF0, N_TF0)),
        decoys=int(pick(args.decoys, QUICK_DECOYS, N_DECOYS)),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1x only, 5 normals, panel sizes 3 5, 6 TF-0 draws, 2 decoys",
    )
    parser.add_argument(
        "--measure-only", action="store_true", help="no simulation: call the cached draws"
    )
    parser.add_argument("--depths", type=float, nargs="+", help="default: 0.5 1 2")
    parser.add_argument(
        "--panel-sizes", type=int, nargs="+", help="normals per panel (default: 3 10 20)"
    )
    parser.add_argument("--normals", type=int, help="normals per depth (default 20)")
    parser.add_argument("--tf0", type=int, help="TF-0 plasma draws per depth (default 60)")
    parser.add_argument("--decoys", type=int, help="17q arm-gain decoys per depth (default 20)")
    bd.add_common_options(parser, bd.ROOT / "config" / "config.yaml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR, force=True)

    config = yaml.safe_load(args.config.read_text())
    params = bd.parse_params(config, args.param)
    # The genome's digest is in the run's key (Run.genome), not in the settings.
    settings = bd.settings_from(config, args.genome_seed, digest=False)
    bins = config["bins"]
    contigs = bins.get("contigs", "auto")
    exclude = bins.get("exclude", "auto")
    run = Run(
        settings,
        bd.genome_digest(make_genome(args.genome_seed)),
        contigs if isinstance(contigs, str) else tuple(str(c) for c in contigs),
        () if exclude in ("auto", "none", None) else tuple(str(b) for b in exclude),
    )
    design = design_from(args)
    t0 = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.measure_only:
        ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ctx.Pool(
            args.workers, initializer=bd._init_worker, initargs=(args.genome_seed, args.verbose)
        ) as pool:
            simulate(pool, run, design, args.workers, t0)
    t_sim = time.perf_counter() - t0
    table, missing = measure_all(run, design, params)
    if missing:
        print(f"WARNING: {missing} calls of the design are not cached (run without --measure-only)")
    if table.empty:
        sys.exit("no cached draws to call")
    front = [c for c in FRONT_COLUMNS if c in table]
    table = table[front + [c for c in table.columns if c not in front]]
    draws_tsv = OUT / "null_draws.tsv"
    table.to_csv(draws_tsv, sep="\t", index=False, float_format="%.6g")
    wall = time.perf_counter() - t0
    false_calls = _count(table, "amplified")
    head = (
        f"# ERBB2 false-positive study (null draws)\n\n{len(table)} null calls; depths "
        + ", ".join(f"{d:g}x" for d in design.depths)
        + "; panel sizes "
        + ", ".join(str(k) for k in design.panel_sizes)
        + f"; genome seed {settings.genome_seed}; cache {run.key}; "
        f"simulation + CNVkit {t_sim:.0f} s, total {wall:.0f} s "
        f"({'measure only' if args.measure_only else f'{args.workers} workers'}).\n\n"
        f"**{'PASS' if false_calls == 0 else 'FAIL'}: {false_calls} of {len(table)} null "
        "calls amplified.**\n\n"
    )
    summary = head + summarise(table, params, design)
    (OUT / "null_summary.md").write_text(summary)
    print(summary)
    print(f"wrote {draws_tsv} and {OUT / 'null_summary.md'}")
    return 1 if false_calls else 0


if __name__ == "__main__":
    sys.exit(main())
