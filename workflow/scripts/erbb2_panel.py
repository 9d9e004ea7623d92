"""The panel of normals' ERBB2 values (each measured against a reference without it)."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.calls import panel_table, panel_warnings, params_from_config
from cfdna_erbb2.smk import script_log, warn
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    members = pd.read_csv(
        snakemake.input.members, sep="\t", dtype={"sample": str}, keep_default_na=False
    )
    screened_out = {
        str(rec["sample"]): f"screened out before the reference: {rec['reason']}"
        for rec in members.to_dict("records")
        if str(rec["usable"]) != "true"
    }
    table = panel_table(
        dict(zip(snakemake.params.normals, snakemake.input.cnr, strict=True)),
        params_from_config(snakemake.params.erbb2, snakemake.params.gene),
        screened_out,
    )
    # Normals screened out before the reference were named then, by panel_members.
    for line in panel_warnings(table[~table["sample"].isin(list(screened_out))]):
        warn(line)
    write_tsv(table, snakemake.output[0])
    print(table.to_string(), file=log)
