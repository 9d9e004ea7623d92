"""Copy ratios and CBS segments of one sample (CNVkit fix + segment, in one process), and the
copy ratios of its size-weighted coverage (fix only)."""

import logging
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.cnvkit_steps import fix_and_segment, fix_only
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    n = fix_and_segment(
        snakemake.input.target,
        snakemake.input.reference,
        snakemake.wildcards.sample,
        snakemake.output.cnr,
        snakemake.output.cns,
        gene=snakemake.params.gene,
    )
    logging.info("%d segments", n)
    fix_only(
        snakemake.input.target_sw,
        snakemake.input.reference_sw,
        snakemake.wildcards.sample,
        snakemake.output.cnr_sw,
        gene=snakemake.params.gene,
    )
    logging.info("size-weighted copy ratios written")
