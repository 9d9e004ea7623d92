"""A CNVkit reference from normals' bin coverages, or a flat one when there are none."""

import logging
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.cnvkit_steps import build_reference
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    n = build_reference(
        list(snakemake.input.target),
        snakemake.input.fasta,
        snakemake.input.bins,
        snakemake.output[0],
    )
    logging.info("reference pooled from %d normal(s)", n)
