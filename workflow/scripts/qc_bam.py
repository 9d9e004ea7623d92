"""QC metrics, fragment-length histogram, CNVkit bin coverage and samtools stats of one
sample's BAM."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.qc import write_bam_qc, write_samtools_stats
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
        weighted_out=snakemake.output.weighted,
        short_weight=snakemake.params.short_weight,
    )
    print(metrics, file=log)
    write_samtools_stats(snakemake.input.bam, snakemake.output.stats, snakemake.output.idxstats)
