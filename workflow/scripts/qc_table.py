"""Gather per-sample QC (alignment metrics and copy-ratio noise) into one table."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tables import qc_table
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    write_tsv(qc_table(snakemake.input.metrics, snakemake.input.calls), snakemake.output[0])
