"""The panel of normals' ERBB2 values (each measured against a reference without it)."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.calls import panel_table, panel_warnings, params_from_config
from cfdna_erbb2.panel import read_screen
from cfdna_erbb2.smk import script_log, warn
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    screened_out = {
        sample: f"screened out before the reference: {reason}"
        for sample, reason in read_screen(snakemake.input.members).items()
        if reason
    }
    table = panel_table(
        dict(zip(snakemake.params.normals, snakemake.input.cnr, strict=True)),
        params_from_config(snakemake.params.erbb2, snakemake.params.gene),
        screened_out,
        weighted_paths=dict(zip(snakemake.params.normals, snakemake.input.cnr_sw, strict=True)),
    )
    # Normals screened out before the reference were named then, by panel_members.
    for line in panel_warnings(table[~table["sample"].isin(list(screened_out))]):
        warn(line)
    write_tsv(table, snakemake.output[0])
    print(table.to_string(), file=log)
