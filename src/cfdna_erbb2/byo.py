"""ERBB2 calls from CNVkit results made elsewhere (any panel, WGS, GRCh37 or GRCh38).

Writes the same calls table as the workflow (results/erbb2/calls.tsv), so that
`cfdna-erbb2 response` runs on it. The sheet is tab-separated, one row per sample:

  sample     unique ID: letters, digits, '_' and '-'
  patient    patient ID (same characters); empty for healthy-donor normals
  kind       'plasma' (a patient's draw) or 'normal' (healthy-donor cfDNA)
  timepoint  integer day since the start of treatment; required for plasma.
             A patient's earliest draw is the baseline; two draws on one day are an error.
  cnr        the sample's CNVkit bin table (.cnr), required
  cns        its CNVkit segments (.cns), optional (empty cell: the ERBB2 bins are the locus)

Relative cnr/cns paths are taken from the folder that holds the sheet (absolute paths are
used as they are). Lines starting with '#' are comments. The whole sheet and every file is
checked before anything is written; the output appears complete or not at all.

The gene is found by its label in the .cnr (comma-joined labels such as "PGAP3,ERBB2"
count), never by coordinates, so the genome build does not matter.

How the call is estimated without this workflow's panel of normals (the details of every
column are in cfdna_erbb2.erbb2):

  noise      each sample's own bin-to-bin noise (MAPD of neighbouring bins, as a robust SD;
             on-target bins only when a hybrid-capture design also has off-target bins).
  systematic the locus error that bin noise does not explain. With fewer than 3 'normal'
             rows it is --systematic-sd-floor (the CNVkit reference the user built is
             trusted to have removed systematic bias). With 5 or more 'normal' rows they are
             the panel, as in the workflow: each normal's ERBB2 log2 against its bin noise,
             every normal measured leaving itself out of the panel.
  evaluable  the noise is at most --max-noise-sd, the ERBB2 bins hold data, and at least
             --min-flank-bins bins flank the locus on one side within --flank-bp. Read pairs
             are unknown here, so the workflow's read-pair check is skipped.
  lod_pcn    the smallest ERBB2 plasma copy number the sample would have called amplified:
             --z-min standard errors above diploid and --focal-z-min above its flanks.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from . import GENE
from .calls import (
    SHEET_COLUMNS,
    amplicon_of,
    assemble,
    call_sample,
    panel_systematic,
    panel_table,
    write_table,
)
from .erbb2 import MIN_PANEL_FOR_SYSTEMATIC, Erbb2Params
from .errors import InputError
from .samples import cell_text, check_identity, read_sheet_table

#: Columns of the sheet: the workflow sheet's identity columns, then the CNVkit files.
PATH_COLUMNS = ("cnr", "cns")
REQUIRED_COLUMNS = (*SHEET_COLUMNS, "cnr")
DEFAULT_OUT = Path("results/erbb2/calls.tsv")
#: Fewer normals than this: the panel estimate is not used (erbb2.systematic_sd's rule).
MIN_PANEL_NORMALS = MIN_PANEL_FOR_SYSTEMATIC


def read_sheet(path: str | Path) -> pd.DataFrame:
    """Read and validate a from-cnvkit sheet.

    Returns a table in sheet order with columns sample, patient, kind (lower case), timepoint
    (nullable integer, days), cnr and cns (absolute paths as strings; cns '' when absent).
    Raises :class:`InputError` naming the row and field of the first problem, including a
    cnr/cns file that does not exist.
    """
    path = Path(path)
    base = path.resolve().parent
    raw = read_sheet_table(path, REQUIRED_COLUMNS, "sheet")
    if raw.empty:
        raise InputError(path, "no samples in the sheet")

    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    draws: dict[tuple[str, int], tuple[int, str]] = {}
    files: dict[Path, tuple[int, str]] = {}
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        cells = {str(k): cell_text(v) for k, v in rec.items()}
        sample, patient, kind, timepoint = check_identity(path, i, cells, seen, draws)
        resolved: dict[str, str] = {}
        for field in PATH_COLUMNS:
            value = cells.get(field, "")
            if not value:
                if field == "cnr":
                    raise InputError(path, "empty; give the sample's .cnr file", row=i, field=field)
                resolved[field] = ""
                continue
            file = base / value
            if not file.is_file():
                raise InputError(
                    path, f"file not found: {value} (relative to {base})", row=i, field=field
                )
            key = file.resolve()
            if key in files:
                other_row, other_field = files[key]
                raise InputError(
                    path,
                    f"{value} is also the {other_field} of row {other_row}: one file per sample",
                    row=i,
                    field=field,
                )
            files[key] = (i, field)
            resolved[field] = str(file)
        rows.append(
            {
                "sample": sample,
                "patient": patient,
                "kind": kind,
                "timepoint": timepoint,
                "cnr": resolved["cnr"],
                "cns": resolved["cns"],
            }
        )
    table = pd.DataFrame(rows)
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table


def call_sheet(sheet: pd.DataFrame, params: Erbb2Params) -> pd.DataFrame:
    """The calls table (calls.tsv columns) for a sheet from :func:`read_sheet`.

    Systematic SD: the panel of the sheet's normals when there are at least
    ``MIN_PANEL_NORMALS`` (each normal left out of its own), else ``params``' floor. The read-pair
    check is skipped (unknown). Raises :class:`InputError` naming the .cnr without the gene.
    """
    normals = sheet[sheet["kind"] == "normal"]
    panel = None
    if len(normals) >= MIN_PANEL_NORMALS:
        panel = panel_table(dict(zip(normals["sample"], normals["cnr"], strict=True)), params.gene)
    rows: list[dict[str, object]] = []
    # Baselines first, so that each later draw is measured over its baseline's amplicon.
    order = sheet.assign(_row=range(1, len(sheet) + 1)).sort_values(
        ["kind", "patient", "timepoint"], na_position="first"
    )
    amplicons: dict[str, tuple[str, int, int] | None] = {}
    for rec in order.to_dict("records"):
        i = int(rec["_row"])
        sample = str(rec["sample"])
        systematic = (
            params.systematic_sd_floor
            if panel is None
            else panel_systematic(panel, sample, params.systematic_sd_floor)
        )
        cns = str(rec["cns"]) or None
        try:
            patient = str(rec["patient"])
            row = call_sample(
                rec["cnr"],
                cns,
                params,
                systematic=systematic,
                read_pairs=None,
                baseline_locus=amplicons.get(patient) if rec["kind"] == "plasma" else None,
            )
        except InputError as exc:
            if exc.field != "gene":
                raise
            raise InputError(
                exc.path,
                f"{exc.message}: the gene is missing from this .cnr (sample {sample!r}, sheet "
                f"row {i}); check --gene and that CNVkit labelled the bins with genes "
                "(WGS: --annotate refFlat)",
                field="gene",
            ) from None
        if rec["kind"] == "plasma" and patient not in amplicons:
            amplicons[patient] = amplicon_of(row)
        rows.append({"sample": sample, **row})
    return assemble(rows, sheet)


def write_calls(table: pd.DataFrame, out: str | Path) -> Path:
    """Write the calls table to ``out`` atomically (temporary file, then rename)."""
    out = Path(out)
    if out.is_dir():
        raise InputError(out, "is a folder; --out must name the calls table file")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        write_table(table, tmp)
        Path(tmp).replace(out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            Path(tmp).unlink()
    return out


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
    options: list[tuple[str, Callable[[str], float], object, str]] = [
        ("--z-min", positive, d.z_min, "SE of the locus above diploid for a call"),
        ("--focal-z-min", at_least_0, d.focal_z_min, "SE of the locus above its higher flank"),
        ("--max-amplicon-bp", count, d.max_amplicon_bp, "longest CBS segment taken as amplicon"),
        ("--flank-bp", count, d.flank_bp, "flank width on each side of the locus, bp"),
        ("--min-flank-bins", count, d.min_flank_bins, "fewer flank bins: not evaluable"),
        ("--systematic-sd-floor", at_least_0, d.systematic_sd_floor, "locus systematic SD, log2"),
        ("--max-noise-sd", positive, d.max_noise_sd, "noisier bins (log2 SD): not evaluable"),
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
        if n_normals >= MIN_PANEL_NORMALS
        else f"floor {params.systematic_sd_floor:g} (fewer than {MIN_PANEL_NORMALS} normals)"
    )
    print(
        f"{out}: {len(table)} samples ({len(plasma)} plasma, {n_normals} normals); plasma "
        f"{int(plasma['amplified'].sum())} amplified, {int((~plasma['evaluable']).sum())} not "
        f"evaluable; systematic SD from the {systematic}"
    )
    return 0
