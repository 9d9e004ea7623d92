"""``cfdna-erbb2 from-cnvkit``: ERBB2 calls from CNVkit results made elsewhere."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from .. import GENE, from_cnvkit
from ..erbb2 import MIN_PANEL_FOR_SYSTEMATIC, Erbb2Params
from ..errors import InputError
from ..from_cnvkit import DEFAULT_OUT, call_sheet, read_sheet, write_calls

#: The help shows the sheet's format and how the call is made.
DESCRIPTION = from_cnvkit.__doc__


def _number(kind: type[float] | type[int], minimum: float, strict: bool) -> Callable[[str], float]:
    """An argparse type: a number of ``kind`` above (or at least) ``minimum``."""
    bound = f"> {minimum:g}" if strict else f">= {minimum:g}"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind.__name__}") from None
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = Erbb2Params()
    parser.add_argument("sheet", type=Path, help="tab-separated sheet (columns above)")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="calls table to write (default: %(default)s)",
    )
    parser.add_argument(
        "--gene", default=GENE, help="gene label in the .cnr (default: %(default)s)"
    )
    positive = _number(float, 0.0, strict=True)
    at_least_0 = _number(float, 0.0, strict=False)
    count = _number(int, 1, strict=False)
    above_2 = _number(float, 2.0, strict=True)
    options: list[tuple[str, Callable[[str], float], object, str]] = [
        ("--z-min", positive, d.z_min, "SE of the locus above diploid for a call"),
        ("--focal-z-min", at_least_0, d.focal_z_min, "SE of the locus above its higher flank"),
        ("--max-amplicon-bp", count, d.max_amplicon_bp, "longest CBS segment taken as amplicon"),
        ("--flank-bp", count, d.flank_bp, "flank width on each side of the locus, bp"),
        ("--min-flank-bins", count, d.min_flank_bins, "fewer flank bins: not evaluable"),
        ("--systematic-sd-floor", at_least_0, d.systematic_sd_floor, "locus systematic SD, log2"),
        ("--max-noise-sd", positive, d.max_noise_sd, "noisier bins (log2 SD): not evaluable"),
        ("--max-lod-pcn", above_2, d.max_lod_pcn, "larger detection limit, pCN: not evaluable"),
        ("--cnvkit-amp-log2", positive, d.cnvkit_amp_log2, "CNVkit's call threshold, shown only"),
    ]
    for flag, parse, default, text in options:
        parser.add_argument(
            flag, type=parse, default=default, help=f"{text} (default: %(default)s)"
        )


def params_from_args(args: argparse.Namespace) -> Erbb2Params:
    """The thresholds given on the command line (read-pair minimum: unused here)."""
    return Erbb2Params(
        gene=str(args.gene).strip(),
        z_min=float(args.z_min),
        focal_z_min=float(args.focal_z_min),
        max_amplicon_bp=int(args.max_amplicon_bp),
        flank_bp=int(args.flank_bp),
        min_flank_bins=int(args.min_flank_bins),
        systematic_sd_floor=float(args.systematic_sd_floor),
        max_noise_sd=float(args.max_noise_sd),
        max_lod_pcn=float(args.max_lod_pcn),
        cnvkit_amp_log2=float(args.cnvkit_amp_log2),
    )


def run(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    if not params.gene:
        raise InputError(None, "--gene: empty gene name", field="gene")
    sheet = read_sheet(args.sheet)
    table = call_sheet(sheet, params)
    out = write_calls(table, args.out)
    plasma = table[table["kind"] == "plasma"]
    n_normals = len(table) - len(plasma)
    systematic = (
        f"panel of {n_normals} normals"
        if n_normals >= MIN_PANEL_FOR_SYSTEMATIC
        else f"floor {params.systematic_sd_floor:g} (fewer than {MIN_PANEL_FOR_SYSTEMATIC} normals)"
    )
    print(
        f"{out}: {len(table)} samples ({len(plasma)} plasma, {n_normals} normals); plasma "
        f"{int(plasma['amplified'].sum())} amplified, {int((~plasma['evaluable']).sum())} not "
        f"evaluable; systematic SD from the {systematic}"
    )
    tf_systematic = "panel of normals" if n_normals else "estimator's floor"
    print(
        f"tumour fraction: detected in {int(plasma['tf_detected'].sum())} plasma draws, not "
        f"evaluable in {int((~plasma['tf_evaluable']).sum())}; detected in "
        f"{int(table['tf_detected'].sum()) - int(plasma['tf_detected'].sum())} normals; its "
        f"systematic SD from the {tf_systematic}"
    )
    return 0
