"""From CNVkit files to the calls table: one ERBB2 measurement per sample.

Used by the workflow (results/erbb2/calls.tsv) and by ``cfdna-erbb2 from-cnvkit``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .cnvio import read_bins, read_segments
from .erbb2 import Erbb2Params, gene_estimate, measure, systematic_sd
from .errors import InputError

#: Columns of calls.tsv taken from the samples sheet, in front of the measurement.
SHEET_COLUMNS = ("sample", "patient", "kind", "timepoint")
PANEL_COLUMNS = ("sample", "erbb2_log2", "se_noise")


def params_from_config(erbb2: Mapping[str, object], gene: str) -> Erbb2Params:
    """Erbb2Params from the ``erbb2`` section of the workflow config."""
    known = set(Erbb2Params.__dataclass_fields__)
    values = {k: v for k, v in erbb2.items() if k in known}
    return Erbb2Params(gene=gene, **values)  # type: ignore[arg-type]


def panel_table(cnr_paths: Mapping[str, str | Path], gene: str) -> pd.DataFrame:
    """Each normal's gene-level log2 (measured leave-one-out) and its bin-noise SE."""
    rows = []
    for sample, path in cnr_paths.items():
        value, se = gene_estimate(read_bins(path), gene)
        rows.append({"sample": sample, "erbb2_log2": value, "se_noise": se})
    return pd.DataFrame(rows, columns=list(PANEL_COLUMNS))


def panel_systematic(panel: pd.DataFrame, exclude: str | None, floor: float) -> float:
    """Systematic SD from the panel table, leaving out ``exclude`` (a normal's own row)."""
    rows = panel[panel["sample"] != exclude] if exclude is not None else panel
    return systematic_sd(
        rows["erbb2_log2"].to_numpy(dtype=float), rows["se_noise"].to_numpy(dtype=float), floor
    )


def call_sample(
    cnr: str | Path,
    cns: str | Path | None,
    params: Erbb2Params,
    *,
    systematic: float | None = None,
    read_pairs: int | None = None,
    baseline_locus: tuple[str, int, int] | None = None,
) -> dict[str, object]:
    """Measure one sample from its .cnr (and .cns); errors name the file."""
    bins = read_bins(cnr)
    segments = read_segments(cns) if cns is not None else None
    try:
        result = measure(
            bins,
            segments,
            params,
            systematic=systematic,
            read_pairs=read_pairs,
            baseline_locus=baseline_locus,
        )
    except ValueError as exc:
        raise InputError(cnr, str(exc), field="gene") from None
    return result.to_row()


def amplicon_of(call: Mapping[str, object]) -> tuple[str, int, int] | None:
    """The amplicon a baseline call found (chromosome, start, end), or None.

    Only an amplified baseline whose locus is a focal segment (or was itself inherited)
    defines an amplicon for the patient's later draws.
    """
    amplified = str(call.get("amplified", "")).lower() in ("true", "1")
    if not amplified or str(call.get("locus_source")) not in ("segment", "baseline"):
        return None
    start, end = call.get("locus_start"), call.get("locus_end")
    if start is None or end is None:
        return None
    return str(call["locus_chrom"]), int(str(start)), int(str(end))


def read_pairs_from_qc(path: str | Path) -> int:
    return int(json.loads(Path(path).read_text())["read_pairs"])


def assemble(rows: Iterable[Mapping[str, object]], sheet: pd.DataFrame) -> pd.DataFrame:
    """Join per-sample measurements (each with a ``sample`` key) to the sheet's columns."""
    measured = pd.DataFrame(list(rows))
    front = sheet.reset_index(drop=True)[list(SHEET_COLUMNS)]
    table = front.merge(measured, on="sample", how="left", validate="one_to_one")
    table["timepoint"] = table["timepoint"].astype("Int64")
    return table.sort_values(["kind", "patient", "timepoint", "sample"], ignore_index=True)


def write_table(table: pd.DataFrame, path: str | Path) -> None:
    """Write a TSV with booleans as true/false and floats to 6 significant digits."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = np.where(out[col], "true", "false")
    out.to_csv(path, sep="\t", index=False, float_format="%.6g", na_rep="")
