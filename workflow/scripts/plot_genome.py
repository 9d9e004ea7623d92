"""One sample's genome-wide copy ratios and the ERBB2 locus, marked when not evaluable."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.cnvio import read_bins, read_segments
from cfdna_erbb2.plots import plot_genome
from cfdna_erbb2.plots.genome import ZOOM_FLANK_BP
from cfdna_erbb2.refflat import genes_near
from cfdna_erbb2.response import not_evaluable_cause
from cfdna_erbb2.sex import infer_sex
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import parse_bool

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    gene = snakemake.params.gene
    bins = read_bins(snakemake.input.cnr)
    call = pd.read_csv(snakemake.input.call, sep="\t", keep_default_na=False, na_values=[""])
    evaluable = bool(parse_bool(call["evaluable"].iloc[0]))
    plot_genome(
        bins,
        read_segments(snakemake.input.cns),
        snakemake.output[0],
        sample=snakemake.wildcards.sample,
        genes=genes_near(snakemake.input.refflat, gene, window_bp=ZOOM_FLANK_BP),
        gene=gene,
        sex=infer_sex(bins).sex,
        not_evaluable=None
        if evaluable
        else not_evaluable_cause(str(call["reason"].fillna("").iloc[0])),
    )
