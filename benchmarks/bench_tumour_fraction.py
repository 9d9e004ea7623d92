"""Tumour-fraction benchmark: :func:`cfdna_erbb2.tumour_fraction.estimate` against simulator truth.

Usage::

    .venv/bin/python benchmarks/bench_tumour_fraction.py [--quick] [--measure-only]
        [--genome small|large|both] [--depths 1 [0.5 2 ...]] [--reps N] [--workers 2]

Draws are made and processed by benchmarks/bench_detection.py's own functions (the project's
simulator on true-alignment BAMs, the workflow's bins, CNVkit coverage, a pooled reference of
3 normals, normals against leave-one-out references, ``fix`` and CBS): plasma draws whose
tumour carries the simulator's random broad gains and losses (15% of the genome, off 17q)
and a 20-copy, 500 kb ERBB2 amplicon, at tumour fractions 3-30%; TF-0 draws; the normals.
Each draw's TF is estimated from its .cnr with its CBS segments (.cns), the ERBB2 gene
excluded, and separately with the module's own segmentation.

Two genomes: ``small``, the project's 21 Mb genome (``make_genome(1)``; its draws are cached
with bench_detection's, under benchmarks/out/cache/), and ``large``, about 101 Mb (every
human autosome at 1/30 of its GRCh38 length, plus the project's chr17; cached under
benchmarks/out/cache_tf_large/), because the small genome's tumours have only 2-4 broad
events, too few bins to see at TF 3-5%. Outputs: benchmarks/out/tumour_fraction_draws.tsv
and benchmarks/out/tumour_fraction_summary.md.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_detection as bd

from cfdna_erbb2.calls import params_from_config
from cfdna_erbb2.cnvio import gene_mask, read_bins, read_segments
from cfdna_erbb2.erbb2 import Erbb2Params, measure
from cfdna_erbb2.simulate import Genome, make_genome, make_tumour, write_reference
from cfdna_erbb2.simulate.genome import CHR17, ChromLayout
from cfdna_erbb2.tumour_fraction import (
    TumourFractionParams,
    estimate,
    locus_tumour_copies,
    systematic_from_normals,
)

ROOT = bd.ROOT
OUT = bd.OUT
#: Tumour fractions of the grid (0 is the TF-0 draws).
TUMOUR_FRACTIONS = (0.03, 0.05, 0.10, 0.20, 0.30)
#: ERBB2 design of every tumour (as bench_detection's main cells, so the small genome's
#: cache is shared): copies, amplicon bp.
COPIES, AMPLICON_BP = 20.0, 500_000
#: Replicates per TF and TF-0 draws: (quick, full).
REPS, REPS_TF0 = (2, 10), (4, 10)
#: GRCh38 autosome lengths (Mb) for the large genome, scaled by LARGE_SCALE; chr17 is the
#: project's (it carries the human-like 17q12 locus).
GRCH38_MB = {1: 248, 2: 242, 3: 198, 4: 190, 5: 181, 6: 171, 7: 159, 8: 145, 9: 138, 10: 134,
             11: 135, 12: 133, 13: 114, 14: 107, 15: 102, 16: 90, 18: 80, 19: 59, 20: 64,
             21: 47, 22: 51}  # fmt: skip
LARGE_SCALE = 1 / 30
#: Bins of the synthetic profile the fit is timed on (the issue's target scale).
TIMING_BINS = 30_000
HEALTHY_DONORS = ROOT / "tests" / "data" / "ichorcna-normals-hg38" / "normals_hg38_1Mb.tsv.gz"
#: ERBB2 in GRCh38 (the healthy donors' build), 0-based half-open.
ERBB2_GRCH38 = ("chr17", 39_687_913, 39_730_426)


def large_layout() -> tuple[ChromLayout, ...]:
    """Every autosome at LARGE_SCALE of its GRCh38 length (10 kb units), chr17 the project's."""
    chroms = []
    for number in range(1, 23):
        if number == 17:
            chroms.append(CHR17)
            continue
        length = int(GRCH38_MB[number] * 1e6 * LARGE_SCALE) // 10_000 * 10_000
        chroms.append(ChromLayout(f"chr{number}", length, int(length * 0.4) // 10_000 * 10_000))
    return tuple(chroms)


def genome_of(name: str, seed: int) -> Genome:
    return make_genome(seed, large_layout()) if name == "large" else make_genome(seed)


def _use_genome(name: str) -> None:
    """Point bench_detection's cache at this genome's (the small one shares its cache)."""
    bd.CACHE = OUT / ("cache_tf_large" if name == "large" else "cache")


def _init_worker(name: str, seed: int) -> None:
    import logging

    logging.basicConfig(level=logging.ERROR, force=True)
    _use_genome(name)
    bd._GENOME = genome_of(name, seed)


def _ensure_large_reference(settings: bd.Settings) -> None:
    """bench_detection.ensure_genome writes the default genome: write the large one first."""
    gdir = bd.genome_dir(settings)
    if (gdir / "access.bed").exists():
        return
    gdir.mkdir(parents=True, exist_ok=True)
    ref = write_reference(genome_of("large", settings.genome_seed), gdir)
    bd._run([bd.CNVKIT, "access", str(ref["fasta"]), "-o", str(gdir / "access.bed")])


def plan(
    depths: Sequence[float], quick: bool, reps: int | None, arm_level: bool = False
) -> list[bd.Draw]:
    """The draws of one genome: normals, TF-0 draws and amplified tumours at every TF (with
    ``arm_level``, a second set whose broad events are whole chromosome arms)."""
    n = reps if reps is not None else REPS[0 if quick else 1]
    n0 = reps if reps is not None else REPS_TF0[0 if quick else 1]
    draws = [bd.Draw(d, "normal", rep=i) for d in depths for i in range(bd.N_NORMALS)]
    for depth in depths:
        draws += [bd.Draw(depth, "tf0", rep=r) for r in range(n0)]
        draws += [
            bd.Draw(depth, "amp", tf, COPIES, AMPLICON_BP, r, arm)
            for arm in ((False, True) if arm_level else (False,))
            for tf in TUMOUR_FRACTIONS
            for r in range(n)
        ]
    return draws


def simulate(name: str, settings: bd.Settings, draws: list[bd.Draw], workers: int) -> None:
    """Simulate, bin, fix and segment every draw not yet cached (bench_detection's tasks)."""
    _use_genome(name)
    if name == "large":
        _ensure_large_reference(settings)
    ref = bd.ensure_genome(settings)
    ctx = mp.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(name, settings.genome_seed)) as pool:
        panels = bd.build_panels(pool, settings, [d for d in draws if d.kind == "normal"], ref)
        for depth, info in panels.items():
            print(f"{name} genome {depth:g}x: {info['n_bins']} bins of {info['bin_size']} bp")
        todo = [
            d
            for d in draws
            if d.kind != "normal" and not (bd.draw_dir(settings, d) / "meta.json").exists()
        ]
        print(f"{len(todo)} of {len(draws)} draws to simulate ({workers} workers)", flush=True)
        for i, (draw_name, sec) in enumerate(
            pool.imap_unordered(bd.task_draw, [(d, settings) for d in todo]), 1
        ):
            if i % 10 == 0 or i == len(todo):
                print(f"  {i}/{len(todo)} ({draw_name}: {sec:.0f} s)", flush=True)
    shutil.rmtree(OUT / "tmp", ignore_errors=True)


# ---- measurement ------------------------------------------------------------------------------


def gene_interval(bins: pd.DataFrame, gene: str) -> tuple[str, int, int]:
    """The gene's chromosome and the span of its bins (what the fit leaves out)."""
    labelled = bins[gene_mask(bins["gene"], gene)]
    return (
        str(labelled["chromosome"].iloc[0]),
        int(labelled["start"].min()),
        int(labelled["end"].max()),
    )


def true_ploidy(genome: Genome, draw: bd.Draw, settings: bd.Settings, exclude: tuple) -> float:
    """Length-weighted mean tumour copies outside the excluded interval (+ margin)."""
    tumour_spec = draw.tumour(bd.derive_seed(settings.genome_seed, draw.name, "tumour"))
    if tumour_spec is None:
        return 2.0
    tumour = make_tumour(genome, tumour_spec)
    margin = TumourFractionParams().exclude_margin_bp
    chrom, lo, hi = exclude[0], exclude[1] - margin, exclude[2] + margin
    total = genome.total_length - (min(hi, genome.lengths[genome.chrom_index(chrom)]) - max(lo, 0))
    excess = 0.0
    for ev in tumour.events:
        size = ev.end - ev.start
        if ev.chrom == chrom:
            size -= max(0, min(ev.end, hi) - max(ev.start, lo))
        excess += (ev.copies - 2.0) * size
    return 2.0 + excess / total


def panel_systematic(settings: bd.Settings, draws: list[bd.Draw]) -> dict[str, float]:
    """Per draw: the segment-level systematic sd of its depth's normals (leave-one-out for
    a normal), from their .cnr against references without them."""
    normals = {
        d.name: read_bins(bd.draw_dir(settings, d) / "sample.cnr")
        for d in draws
        if d.kind == "normal" and (bd.draw_dir(settings, d) / "sample.cnr").exists()
    }
    out = {}
    for draw in draws:
        same_depth = [n for n in normals if n.startswith(f"{draw.depth:g}x_")]
        out[draw.name] = systematic_from_normals(normals[n] for n in same_depth if n != draw.name)
    return out


def measure_draw(
    name: str,
    genome: Genome,
    settings: bd.Settings,
    draw: bd.Draw,
    params: Erbb2Params,
    systematic: float,
) -> dict[str, object] | None:
    ddir = bd.draw_dir(settings, draw)
    if not (ddir / "meta.json").exists():
        return None
    bins, segs = read_bins(ddir / "sample.cnr"), read_segments(ddir / "sample.cns")
    exclude = gene_interval(bins, params.gene)
    t0 = time.perf_counter()
    est = estimate(bins, segs, exclude=exclude, systematic=systematic)
    seconds = time.perf_counter() - t0
    own = estimate(bins, None, exclude=exclude, systematic=systematic)
    erbb2 = measure(bins, segs, params)
    copies = locus_tumour_copies(erbb2.locus_log2, erbb2.se_log2, est)
    return {
        "genome": name,
        "sample": draw.name,
        "depth": draw.depth,
        "kind": draw.kind,
        "tumours": "arm-level" if draw.arm_level else "0.5-2.5 Mb",
        "tf": draw.tf,
        "rep": draw.rep,
        "bins": len(bins),
        "true_ploidy": true_ploidy(genome, draw, settings, exclude),
        **est.to_row(),
        "fit_seconds": seconds,
        "own_detected": own.detected,
        "own_tf": own.tumour_fraction,
        "own_tf_fit": own.tf_fit,
        "erbb2_locus_pcn": erbb2.locus_pcn,
        "centre_pcn": est.centre_pcn,
        "erbb2_tumour_copies": copies.copies,
        "erbb2_copies_low": copies.low,
        "erbb2_copies_high": copies.high,
    }


def healthy_donor_bins(path: Path = HEALTHY_DONORS) -> dict[str, pd.DataFrame]:
    """Each real healthy donor's 1 Mb log2 profile as a bin table (tests/data README)."""
    with gzip.open(path, "rt") as handle:
        table = pd.read_csv(handle, sep="\t")
    donors = {}
    for column in (c for c in table.columns if c.startswith("HD")):
        bins = pd.DataFrame(
            {
                "chromosome": "chr" + table["chrom"].astype(str),
                "start": table["start"].astype(np.int64) - 1,
                "end": table["end"].astype(np.int64),
                "gene": "-",
                "log2": table[column].astype(float),
                "weight": 1.0,
            }
        )
        donors[column.split(".")[0]] = bins[np.isfinite(bins["log2"])].reset_index(drop=True)
    return donors


def synthetic_profile(
    n_bins: int, tf: float, seed: int, cuts: int = 4
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A human-sized profile (22 autosomes by GRCh38 length) with ``cuts`` breakpoints per
    chromosome, bin noise 0.08 log2, and its true segments: what the fit is timed on."""
    rng = np.random.default_rng(seed)
    lengths = np.array([GRCH38_MB.get(n, 83) for n in range(1, 23)], dtype=float)
    per_chrom = np.round(lengths / lengths.sum() * n_bins).astype(int)
    bins, segs = [], []
    for number, n in enumerate(per_chrom, 1):
        edges = [0, *np.sort(rng.choice(np.arange(10, n - 10), cuts, replace=False)).tolist(), n]
        size = int(lengths[number - 1] * 1e6 / n)
        for a, b in itertools.pairwise(edges):
            copies = float(rng.choice([1, 2, 2, 3, 4]))
            level = math.log2((tf * copies + 2 * (1 - tf)) / 2)
            segs.append((f"chr{number}", a * size, b * size, level))
            for j in range(a, b):
                bins.append((f"chr{number}", j * size, (j + 1) * size, level))
    frame = pd.DataFrame(bins, columns=["chromosome", "start", "end", "log2"])
    frame["log2"] += rng.normal(0.0, 0.08, len(frame))
    frame = frame.assign(gene="-", weight=1.0)
    return frame, pd.DataFrame(segs, columns=["chromosome", "start", "end", "log2"])


def synthetic_accuracy(reps: int) -> pd.DataFrame:
    """TF error on human-sized synthetic profiles (30,000 bins of ~100 kb, bin noise 0.08
    log2 as at 1x, arm-scale events), estimated with the module's own segmentation: what the
    fit does when the genome carries as much evidence as a human one."""
    rows = []
    for tf in TUMOUR_FRACTIONS:
        for rep in range(reps):
            bins, _ = synthetic_profile(TIMING_BINS, tf, seed=1000 + rep)
            est = estimate(bins, None)
            rows.append({"tf": tf, "rep": rep, **est.to_row()})
    for rep in range(reps):
        bins, _ = synthetic_profile(TIMING_BINS, 0.0, seed=2000 + rep)
        rows.append({"tf": 0.0, "rep": rep, **estimate(bins, None).to_row()})
    return pd.DataFrame(rows)


def time_fit(n_bins: int = TIMING_BINS, repeats: int = 5) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of one estimate at ``n_bins`` bins: 110 or 460 segments
    given, or the module's own segmentation. CPU time is what the fit costs on a core of its
    own; wall time also counts waiting for a shared machine."""
    bins, segs = synthetic_profile(n_bins, 0.2, seed=7)
    many_bins, many = synthetic_profile(n_bins, 0.2, seed=7, cuts=20)
    out = {}
    cases = (
        ("110 segments given", bins, segs),
        ("460 segments given", many_bins, many),
        ("own segmentation (110 true segments)", bins, None),
    )
    for label, profile, given in cases:
        wall, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            estimate(profile, given)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        out[label] = (statistics.median(wall), statistics.median(cpu))
    return out


# ---- summary ---------------------------------------------------------------------------------


def _q(values: np.ndarray, q: float) -> str:
    return f"{np.quantile(values, q):.3f}" if len(values) else "-"


def _error_cells(sub: pd.DataFrame) -> list[object]:
    """Median / 90th percentile of |TF error|: detected draws; every draw (not detected = 0);
    the best fit whatever the detection; and the 95% interval's coverage."""
    truth = sub["tf"].to_numpy(float)
    det = sub["detected"].to_numpy(bool)
    est = sub["tumour_fraction"].to_numpy(float)
    err_det = np.abs(est[det] - truth[det])
    err_all = np.abs(np.where(det, est, 0.0) - truth)
    err_fit = np.abs(sub["tf_fit"].to_numpy(float) - truth)
    low, high = sub["tf_low"].to_numpy(float)[det], sub["tf_high"].to_numpy(float)[det]
    covered = int(((low <= truth[det]) & (truth[det] <= high)).sum())
    return [
        f"{det.sum()}/{len(sub)}",
        f"{_q(err_det, 0.5)} / {_q(err_det, 0.9)}",
        f"{_q(err_all, 0.5)} / {_q(err_all, 0.9)}",
        f"{_q(err_fit, 0.5)} / {_q(err_fit, 0.9)}",
        f"{covered}/{det.sum()}" if det.any() else "-",
        f"{int(sub['own_detected'].astype(bool).sum())}/{len(sub)}",
    ]


ERROR_HEADER = ("genome", "events", "depth", "TF", "detected", "abs error, detected: median / p90",
                "abs error, all (not detected = 0)", "abs error of best fit",
                "95% CI covers truth", "detected, own segmentation")  # fmt: skip


def _other_cells(sub: pd.DataFrame) -> list[object]:
    det = sub[sub["detected"].astype(bool)]
    ploidy = f"{det['tumour_ploidy'].median():.2f} / {det['true_ploidy'].median():.2f}"
    copies = det["erbb2_tumour_copies"].to_numpy(float)
    cells: list[object] = [ploidy if len(det) else "-"]
    if len(copies):
        cells.append(f"{np.median(copies):.1f} ({np.quantile(copies, 0.1):.1f}-"
                     f"{np.quantile(copies, 0.9):.1f})")  # fmt: skip
    else:
        cells.append("-")
    return cells


def summarise(
    df: pd.DataFrame,
    timing: dict[str, tuple[float, float]],
    donors: pd.DataFrame,
    synthetic: pd.DataFrame,
) -> str:
    out = ["## (a) TF error against simulator truth (CNVkit's CBS segments, refined)\n"]
    rows, rows2 = [], []
    amp_draws = df[df.kind == "amp"]
    for (genome, tumours, depth, tf), sub in amp_draws.groupby(
        ["genome", "tumours", "depth", "tf"]
    ):
        rows.append([genome, tumours, f"{depth:g}x", f"{100 * tf:g}%", *_error_cells(sub)])
        rows2.append([genome, tumours, f"{depth:g}x", f"{100 * tf:g}%", *_other_cells(sub)])
    out.append(bd._md(ERROR_HEADER, rows))
    amp = df[(df.kind == "amp") & (df.depth == 1.0)]
    for (genome, tumours), sub in amp.groupby(["genome", "tumours"]):
        det = sub[sub["detected"].astype(bool)]
        err = np.abs(det["tumour_fraction"] - det["tf"]).to_numpy(float)
        err_all = np.abs(
            np.where(sub["detected"].astype(bool), sub["tumour_fraction"], 0.0) - sub["tf"]
        ).to_numpy(float)
        out.append(
            f"\n{genome} genome, {tumours} events, 1x, TF 3-30% pooled: detected "
            f"{len(det)}/{len(sub)}; |error| of detected draws median {_q(err, 0.5)}, "
            f"p90 {_q(err, 0.9)}; of every draw "
            f"(not detected = 0) median {_q(err_all, 0.5)}, p90 {_q(err_all, 0.9)}."
        )
    out.append("\n## (b) Detected draws: fitted / true tumour ploidy (medians), and ERBB2 "
               "tumour copies C = (pCN - 2(1 - TF)) / TF (truth 20; median, 10-90%)\n")  # fmt: skip
    out.append(
        bd._md(("genome", "events", "depth", "TF", "ploidy fit / truth", "ERBB2 copies"), rows2)
    )
    out.append("\n## (c) False detections\n")
    rows = []
    for (genome, depth, kind), sub in df[df.kind != "amp"].groupby(["genome", "depth", "kind"]):
        rows.append([genome, f"{depth:g}x", kind, f"{int(sub['detected'].sum())}/{len(sub)}",
                     f"{int(sub['own_detected'].astype(bool).sum())}/{len(sub)}",
                     f"{sub['tf_fit'].max():.3f}", f"{sub['lr'].max():.1f}"])  # fmt: skip
    rows.append(["real (GRCh38, 1 Mb)", "~0.1x", "healthy donors (own segmentation)", "-",
                 f"{int(donors['detected'].sum())}/{len(donors)}",
                 f"{donors['tf_fit'].max():.3f}", f"{donors['lr'].max():.1f}"])  # fmt: skip
    out.append(bd._md(("genome", "depth", "draws", "detected (CBS)", "detected (own)",
                       "largest best-fit TF", "largest LR"), rows))  # fmt: skip
    out.append("\n## (d) Human-sized synthetic profiles (30,000 bins, noise 0.08 log2, "
               "own segmentation; no simulator)\n")  # fmt: skip
    rows = []
    for tf, sub in synthetic.groupby("tf"):
        det = sub["detected"].to_numpy(bool)
        err = np.abs(sub["tumour_fraction"].to_numpy(float)[det] - tf)
        low, high = sub["tf_low"].to_numpy(float)[det], sub["tf_high"].to_numpy(float)[det]
        rows.append([f"{100 * tf:g}%", f"{det.sum()}/{len(sub)}",
                     f"{_q(err, 0.5)} / {_q(err, 0.9)}",
                     f"{int(((low <= tf) & (tf <= high)).sum())}/{det.sum()}"])  # fmt: skip
    out.append(bd._md(("TF", "detected", "abs error median / p90", "CI covers"), rows))
    out.append("\n## (e) Fit time per sample\n")
    for genome, sub in df.groupby("genome"):
        out.append(f"- {genome} genome: median {1000 * sub['fit_seconds'].median():.0f} ms at "
                   f"{int(sub['bins'].median())} bins (CBS segments given)")  # fmt: skip
    for label, (wall, cpu) in timing.items():
        out.append(
            f"- synthetic {TIMING_BINS:,} bins, {label}: {1000 * wall:.0f} ms wall, "
            f"{1000 * cpu:.0f} ms CPU (median of 5)"
        )
    return "\n".join(out) + "\n"


def donor_table() -> pd.DataFrame:
    rows = []
    for name, bins in healthy_donor_bins().items():
        est = estimate(bins, None, exclude=ERBB2_GRCH38)
        rows.append({"donor": name, **est.to_row()})
    return pd.DataFrame(rows)


# ---- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="2 draws per TF, 4 TF-0 draws, small genome"
    )
    parser.add_argument("--measure-only", action="store_true", help="estimate cached draws only")
    parser.add_argument(
        "--genome",
        choices=("small", "large", "both"),
        help="default: both, or small with --quick",
    )
    parser.add_argument("--depths", type=float, nargs="+", default=[1.0])
    parser.add_argument("--reps", type=int, help="draws per TF and TF-0 draws (overrides)")
    parser.add_argument(
        "--arm-level",
        action="store_true",
        help="also amplified tumours whose broad events are whole chromosome arms",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--genome-seed", type=int, default=1)
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "config.yaml")
    args = parser.parse_args(argv)
    config = yaml.safe_load(args.config.read_text())
    settings = bd.settings_from(config, args.genome_seed)
    params = params_from_config(config["erbb2"], config["gene"])
    draws = plan(args.depths, args.quick, args.reps, args.arm_level)
    choice = args.genome or ("small" if args.quick else "both")
    genomes = ("small", "large") if choice == "both" else (choice,)
    t0 = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in genomes:
        if not args.measure_only:
            simulate(name, settings, draws, args.workers)
        _use_genome(name)
        genome = genome_of(name, settings.genome_seed)
        systematic = panel_systematic(settings, draws)
        measured = [
            measure_draw(name, genome, settings, d, params, systematic[d.name]) for d in draws
        ]
        missing = sum(m is None for m in measured)
        if missing:
            print(
                f"WARNING: {name} genome: {missing} draws not cached (run without --measure-only)"
            )
        rows += [m for m in measured if m is not None]
    if not rows:
        sys.exit("no cached draws to measure")
    table = pd.DataFrame(rows)
    table.to_csv(OUT / "tumour_fraction_draws.tsv", sep="\t", index=False, float_format="%.6g")
    synthetic = synthetic_accuracy(args.reps or (3 if args.quick else 10))
    summary = summarise(table, time_fit(), donor_table(), synthetic)
    head = (
        f"# Tumour-fraction benchmark\n\n{len(table)} draws; genome seed {settings.genome_seed}; "
        f"total {time.perf_counter() - t0:.0f} s. Estimate parameters: "
        f"{json.dumps(TumourFractionParams().__dict__)}.\n\n"
    )
    (OUT / "tumour_fraction_summary.md").write_text(head + summary)
    print(head + summary)
    print(f"wrote {OUT / 'tumour_fraction_draws.tsv'} and {OUT / 'tumour_fraction_summary.md'}")


if __name__ == "__main__":
    main()
