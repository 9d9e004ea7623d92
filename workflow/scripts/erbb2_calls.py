"""Gather the per-sample ERBB2 calls with the sheet's sample, patient, kind and timepoint."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.calls import assemble, write_table

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    rows = [pd.read_csv(p, sep="\t", keep_default_na=True) for p in snakemake.input]
    measured = pd.concat(rows, ignore_index=True).drop(
        columns=["patient", "kind", "timepoint"], errors="ignore"
    )
    table = assemble(measured.to_dict("records"), snakemake.params.sheet)
    write_table(table, snakemake.output[0])
    print(f"{len(table)} samples, {int(table['amplified'].sum())} amplified", file=log)
