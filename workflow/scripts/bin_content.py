"""Each bin's GC and repeat-masked fraction of the reference, for the CNVkit references."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.cnvkit_steps import write_bin_content
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    n = write_bin_content(snakemake.input.bins, snakemake.input.fasta, snakemake.output[0])
    print(f"GC and repeat content of {n} bins", file=log)
