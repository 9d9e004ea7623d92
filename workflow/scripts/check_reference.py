"""Check the refFlat against the FASTA's contigs (names, lengths, build) once the .fai exists."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.config import check_reference
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import read_fai

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    fasta, refflat = snakemake.params.fasta, snakemake.input.refflat
    gene = snakemake.params.gene
    build = check_reference(fasta, refflat, gene, snakemake.input.fai)
    summary = (
        f"{refflat}: {gene} on a contig of {fasta} ({len(read_fai(snakemake.input.fai))} "
        f"contigs); genome build: {build or 'not a known human build'}\n"
    )
    log.write(summary)
    Path(snakemake.output[0]).write_text(summary)
