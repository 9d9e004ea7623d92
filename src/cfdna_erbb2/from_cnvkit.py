"""ERBB2 calls from CNVkit results made elsewhere (any panel, WGS, GRCh37 or GRCh38).

Writes the same calls table as the workflow (results/erbb2/calls.tsv), so that
`cfdna-erbb2 response` runs on it. The sheet is tab-separated, one row per sample:

  sample     unique ID: letters, digits, '_' and '-'
  patient    patient ID (same characters); empty for healthy-donor normals
  kind       'plasma' (a patient's draw) or 'normal' (healthy-donor cfDNA)
  timepoint  integer day since the start of treatment (at most 36500 days, about 100 years,
             either way); required for plasma. A patient's earliest draw is the baseline;
             two draws on one day are an error.
  cnr        the sample's CNVkit bin table (.cnr), required
  cns        its CNVkit segments (.cns), optional (empty cell: the ERBB2 bins are the locus)

Relative cnr/cns paths are taken from the folder that holds the sheet (absolute paths are
used as they are); each file belongs to one row. Lines starting with '#' are comments. The
whole sheet and every file is checked before anything is written, every problem reported at
once by its line in the sheet; the output appears complete or not at all.

The gene is found by its label in the .cnr (comma-joined labels such as "PGAP3,ERBB2"
count), never by coordinates, so the genome build does not matter.

How the call is estimated without this workflow's panel of normals (the details of every
column are in cfdna_erbb2.erbb2):

  noise      each sample's own bin-to-bin noise (MAPD of neighbouring bins, as a robust SD;
             on-target bins only when a hybrid-capture design also has off-target bins).
  systematic the locus error that bin noise does not explain. With 5 or more 'normal'
             rows they are the panel, as in the workflow: each normal's ERBB2 log2 against
             its bin noise, every normal measured leaving itself out of the panel (so a
             normal's own estimate needs 5 others). With fewer it is --systematic-sd-floor
             (the CNVkit reference the user built is trusted to have removed systematic
             bias): a variance from fewer than 5 values is too uncertain to use.
  evaluable  the noise is at most --max-noise-sd, the ERBB2 bins hold data, at least
             --min-flank-bins bins flank the locus on one side within --flank-bp, and lod_pcn
             is at most --max-lod-pcn. Read pairs are unknown here, so the workflow's
             read-pair check is skipped.
  lod_pcn    the smallest ERBB2 plasma copy number the sample would have called amplified:
             --z-min standard errors above diploid and --focal-z-min above its flanks.

Tumour fraction (columns tumour_fraction, tf_low, tf_high, tf_detected, tf_evaluable,
tf_floor, tumour_ploidy, tf_reason, erbb2_tumour_copies and its _low/_high interval; see
cfdna_erbb2.tumour_fraction), as in the workflow:

  fit        integer tumour copy states fitted to the sample's genome-wide autosomal
             segments (its .cns refined, or its bins segmented when no .cns is given), the
             ERBB2 locus and its neighbourhood left out. Broad segments are needed: on a
             targeted panel's short bins it is not evaluable.
  systematic the segment-level error beyond each sample's noise: from the sheet's 'normal'
             rows when there are any (each normal leaving itself out), else the estimator's
             floor. Its own TF is what a healthy sample looks like to the fit.
  floor      below tf_floor (and without enough copy-number changes) the estimate says
             'not detected' instead of a number; a sample failing --max-noise-sd is not
             evaluable.
  copies     erbb2_tumour_copies = (pCN - 2(1 - TF)) / TF at the locus: the tumour's own
             ERBB2 copies, empty unless TF is detected.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from .calls import SHEET_COLUMNS, call_cohort
from .erbb2 import Erbb2Params
from .errors import InputError, Problems
from .samples import IdentityCheck, SheetFiles, read_sheet_table
from .tsv import write_tsv

#: Columns of the sheet: the workflow sheet's identity columns, then the CNVkit files.
PATH_COLUMNS = ("cnr", "cns")
REQUIRED_COLUMNS = (*SHEET_COLUMNS, "cnr")
DEFAULT_OUT = Path("results/erbb2/calls.tsv")


def read_sheet(path: str | Path) -> pd.DataFrame:
    """Read and validate a from-cnvkit sheet.

    Returns a table in sheet order with columns sample, patient, kind (lower case), timepoint
    (nullable integer, days), cnr and cns (absolute paths as strings; cns '' when absent) and
    line (the row's line in the sheet, as an editor numbers it). Raises one
    :class:`InputError` listing every problem by line and field, including cnr/cns files
    that do not exist or that another row names.
    """
    path = Path(path)
    problems = Problems(path)
    sheet = read_sheet_table(path, REQUIRED_COLUMNS, "sheet", problems)
    if not sheet.rows:
        problems.raise_if_any()
        raise InputError(path, "no samples in the sheet")

    identities = IdentityCheck(problems)
    files = SheetFiles(path.resolve().parent, problems)
    rows: list[dict[str, object]] = []
    for line, cells in sheet.rows:
        identity = identities.check(line, cells)
        if not cells.get("cnr", ""):
            problems.add("empty; give the sample's .cnr file", line=line, field="cnr")
        named = {field: cells.get(field, "") for field in PATH_COLUMNS}
        found = files.check(line, named, identity.same_id_line)
        rows.append(
            {
                "sample": identity.sample,
                "patient": identity.patient,
                "kind": identity.kind,
                "timepoint": identity.timepoint,
                "cnr": str(found.get("cnr", "")),
                "cns": str(found.get("cns", "")),
                "line": line,
            }
        )
    problems.raise_if_any()
    table = pd.DataFrame(rows)
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table


def call_sheet(sheet: pd.DataFrame, params: Erbb2Params) -> pd.DataFrame:
    """The calls table (calls.tsv columns) for a sheet from :func:`read_sheet`.

    :func:`cfdna_erbb2.calls.call_cohort`, the workflow's call: the sheet's normals are the
    panel (systematic SD from at least ``MIN_PANEL_FOR_SYSTEMATIC`` of them, each left out of
    its own; else ``params``' floor), each later draw is measured over its baseline's
    amplicon; the read-pair check is skipped (unknown). Raises :class:`InputError` naming
    the .cnr without the gene and its sheet row.
    """
    try:
        table = call_cohort(sheet, params)
    except InputError as exc:
        if exc.field != "gene":
            raise
        hits = sheet[sheet["cnr"].astype(str) == exc.path]
        where = (
            f"sample {hits['sample'].iloc[0]!r}, sheet line {hits['line'].iloc[0]}"
            if len(hits) and "line" in hits.columns
            else ""
        )
        raise InputError(
            exc.path,
            f"{exc.message}: the gene is missing from this .cnr ({where}); check --gene and "
            "that CNVkit labelled the bins with genes (WGS: --annotate refFlat)",
            field="gene",
        ) from None
    for line in table.attrs.get("panel_warnings", []):
        print(line, file=sys.stderr)
    return table


def write_calls(table: pd.DataFrame, out: str | Path) -> Path:
    """Write the calls table to ``out`` atomically (temporary file, then rename)."""
    out = Path(out)
    if out.is_dir():
        raise InputError(out, "is a folder; --out must name the calls table file")
    return write_tsv(table, out)
