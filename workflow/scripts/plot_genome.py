"""One sample's genome-wide copy ratios and the ERBB2 locus."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.cnvio import read_bins, read_segments
from cfdna_erbb2.plots import plot_genome
from cfdna_erbb2.plots.genome import ZOOM_FLANK_BP
from cfdna_erbb2.refflat import genes_near
from cfdna_erbb2.sex import infer_sex
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    gene = snakemake.params.gene
    bins = read_bins(snakemake.input.cnr)
    plot_genome(
        bins,
        read_segments(snakemake.input.cns),
        snakemake.output[0],
        sample=snakemake.wildcards.sample,
        genes=genes_near(snakemake.input.refflat, gene, window_bp=ZOOM_FLANK_BP),
        gene=gene,
        sex=infer_sex(bins).sex,
    )
