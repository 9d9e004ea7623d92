"""QC metrics, fragment-length histogram and CNVkit bin coverage of one sample's BAM."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.qc import write_bam_qc
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    metrics = write_bam_qc(
        snakemake.input.bam,
        snakemake.output.metrics,
        snakemake.output.hist,
        snakemake.wildcards.sample,
        bins=snakemake.input.bins,
        coverage_out=snakemake.output.coverage,
        min_mapq=snakemake.params.min_mapq,
    )
    print(metrics, file=log)
