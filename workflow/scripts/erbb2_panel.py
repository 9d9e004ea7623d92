"""The panel of normals' ERBB2 values (each measured against a reference without it)."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.calls import panel_table
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    paths = dict(zip(snakemake.params.normals, snakemake.input.cnr, strict=True))
    table = panel_table(paths, snakemake.params.gene)
    write_tsv(table, snakemake.output[0])
    print(table.to_string(), file=log)
