"""Gather the per-sample ERBB2 calls with the sheet's sample, patient, kind and timepoint."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.calls import assemble
from cfdna_erbb2.samples import read_samples
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    rows = [pd.read_csv(p, sep="\t", keep_default_na=True) for p in snakemake.input.calls]
    measured = pd.concat(rows, ignore_index=True).drop(
        columns=["patient", "kind", "timepoint"], errors="ignore"
    )
    table = assemble(measured.to_dict("records"), read_samples(snakemake.input.sheet))
    write_tsv(table, snakemake.output[0])
    print(f"{len(table)} samples, {int(table['amplified'].sum())} amplified", file=log)
