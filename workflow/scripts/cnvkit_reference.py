"""A CNVkit reference pooled from the usable normals' bin coverages (flat without any)."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.cnvkit_steps import build_reference
from cfdna_erbb2.panel import read_screen
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    screen = read_screen(snakemake.input.members)
    usable = {sample for sample, reason in screen.items() if not reason}
    # Coverage files are named {sample}.targetcoverage.cnn; the size-weighted ones
    # {sample}.sizeweighted.targetcoverage.cnn, listed in the same order.
    pairs = [
        (target, weighted)
        for target, weighted in zip(snakemake.input.target, snakemake.input.target_sw, strict=True)
        if Path(target).name.split(".targetcoverage")[0] in usable
    ]
    left_out = len(snakemake.input.target) - len(pairs)
    if left_out:
        logging.warning(
            "%d normal(s) left out of this reference (see %s)", left_out, snakemake.input.members
        )
    for track, out in enumerate((snakemake.output.ref, snakemake.output.sw)):
        n = build_reference(
            [pair[track] for pair in pairs],
            snakemake.input.fasta,
            snakemake.input.bins,
            out,
            content=snakemake.input.content,
        )
        logging.info("reference pooled from %d normal(s): %s", n, out)
