"""One sample's genome-wide copy ratios and the ERBB2 locus."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.cnvio import read_bins, read_segments
from cfdna_erbb2.plots import plot_genome
from cfdna_erbb2.refflat import genes_near

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    plot_genome(
        read_bins(snakemake.input.cnr),
        read_segments(snakemake.input.cns),
        snakemake.output[0],
        sample=snakemake.wildcards.sample,
        genes=genes_near(snakemake.input.refflat, snakemake.params.gene),
        gene=snakemake.params.gene,
    )
