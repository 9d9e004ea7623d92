"""Classify the molecular response of plasma ERBB2 amplification, per patient and per draw.

Reads a calls table (results/erbb2/calls.tsv: one row per sample, with sample, patient, kind,
timepoint, erbb2_pcn, amplified, evaluable, lod_pcn). Healthy-donor normals are ignored. Per
patient, the earliest plasma draw is the baseline; the signal is the ERBB2 excess over diploid,
pCN - 2 (copies per diploid genome). Every later draw gets one of five classes:

  reduced            still amplified, and the excess fell by at least --reduction (default
                     0.5: at least halved; Guardant's >50% ctDNA decrease)
  undetectable       no longer amplified, in a draw that could have detected an excess of
                     --undetectable-level x the baseline excess (lod_pcn - 2 at most that)
  persistent         still amplified with a smaller fall, or a rise (column 'rise')
  baseline_negative  the baseline is evaluable but not amplified: nothing to follow
  not_evaluable      the baseline or the draw is not evaluable, or the draw is negative but
                     too shallow or noisy to have seen the amplification at the reduced level

An undetectable or reduced draw is also explained, when the calls carry tumour fractions
(column 'explanation'): tumour_fraction_fell, erbb2_clone_lost (the amplification kept at the
draw's tumour fraction would be --clone-loss-margin times its detection limit, and is not
seen) or undetermined.

Writes OUTDIR/timepoints.tsv (one row per on-treatment draw, with the reason in words) and
OUTDIR/patients.tsv (one row per patient: baseline, first and last on-treatment response).
The input is checked completely before anything is written; both files appear together.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from ..response import (
    DEFAULT_CLONE_LOSS_MARGIN,
    DEFAULT_REDUCTION,
    ResponseParams,
    classify,
    read_calls,
    write_response,
)

TIMEPOINTS_FILE = "timepoints.tsv"
PATIENTS_FILE = "patients.tsv"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "calls", type=Path, help="calls table (tab-separated, e.g. results/erbb2/calls.tsv)"
    )
    parser.add_argument(
        "--outdir",
        type=Path,
        default=Path("results/response"),
        help=f"folder for {TIMEPOINTS_FILE} and {PATIENTS_FILE} (default: %(default)s)",
    )
    parser.add_argument(
        "--reduction",
        type=float,
        default=DEFAULT_REDUCTION,
        help="minimum fractional fall of the excess over diploid for 'reduced', in (0, 1) "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--undetectable-level",
        type=float,
        default=None,
        help="a negative draw is 'undetectable' only if it could detect this fraction of the "
        "baseline excess; in (0, 1) and at most 1 - reduction (default: 1 - reduction)",
    )
    parser.add_argument(
        "--clone-loss-margin",
        type=float,
        default=DEFAULT_CLONE_LOSS_MARGIN,
        help="an undetectable or reduced draw is explained as 'erbb2_clone_lost' only if the "
        "amplification kept at the draw's tumour fraction would exceed its detection limit "
        "this many times over, at least 1 (default: %(default)s)",
    )


def params_from_args(args: argparse.Namespace) -> ResponseParams:
    """The thresholds given on the command line (errors name the option)."""
    level = args.undetectable_level
    if level is None:
        level = 1.0 - args.reduction
    try:
        return ResponseParams(
            reduction=args.reduction,
            undetectable_level=level,
            clone_loss_margin=args.clone_loss_margin,
        )
    except InputError as exc:
        option = "--" + str(exc.field).replace("_", "-")
        raise InputError(None, f"{option}: {exc.message}", field=exc.field) from None


def run(args: argparse.Namespace) -> int:
    params = params_from_args(args)
    calls = read_calls(args.calls)
    timepoints, patients = classify(calls, params)
    tp_path, pt_path = write_response(
        timepoints, patients, args.outdir / TIMEPOINTS_FILE, args.outdir / PATIENTS_FILE
    )
    early = patients.loc[patients["early_response"] != "", "early_response"].value_counts()
    counts = ", ".join(f"{n} {cls}" for cls, n in early.sort_index().items()) or "none"
    print(
        f"{tp_path}: {len(timepoints)} on-treatment draw(s); {pt_path}: {len(patients)} patient(s) "
        f"(first on-treatment response: {counts})"
    )
    return 0
