"""All samples' CNVkit segments as one SEG file for IGV (results/cnvkit/cohort.seg)."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.seg import write_cohort_seg
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    n = write_cohort_seg(snakemake.input.cns, snakemake.params.samples, snakemake.output[0])
    print(f"{n} segments of {len(snakemake.params.samples)} samples", file=log)
