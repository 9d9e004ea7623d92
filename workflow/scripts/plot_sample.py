"""One sample's figures: genome-wide copy ratios and the ERBB2 locus (marked when not
evaluable; with the size-weighted track's bins when the call tested it), and its
fragment-length distribution against the normals'."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.cnvio import read_bins, read_segments
from cfdna_erbb2.plots import plot_fragment_lengths, plot_genome
from cfdna_erbb2.plots.genome import ZOOM_FLANK_BP
from cfdna_erbb2.qc import split_fragment_lengths
from cfdna_erbb2.refflat import genes_near
from cfdna_erbb2.response import not_evaluable_cause
from cfdna_erbb2.sex import infer_sex
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import parse_bool

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    sample = snakemake.wildcards.sample
    gene = snakemake.params.gene
    bins = read_bins(snakemake.input.cnr)
    call = pd.read_csv(snakemake.input.call, sep="\t", keep_default_na=False, na_values=[""])
    evaluable = bool(parse_bool(call["evaluable"].iloc[0]))
    # The size-weighted track is drawn when the call tested it (not for single-end reads).
    two_tracks = int(call["tracks"].iloc[0]) == 2 if "tracks" in call.columns else False
    plot_genome(
        bins,
        read_segments(snakemake.input.cns),
        snakemake.output.genome,
        sample=sample,
        genes=genes_near(snakemake.input.refflat, gene, window_bp=ZOOM_FLANK_BP),
        gene=gene,
        sex=infer_sex(bins).sex,
        not_evaluable=None
        if evaluable
        else not_evaluable_cause(str(call["reason"].fillna("").iloc[0])),
        weighted=read_bins(snakemake.input.cnr_sw) if two_tracks else None,
        short_weight=snakemake.params.short_weight,
    )

    normals_table = pd.read_csv(snakemake.input.normals, sep="\t")
    # A failed normal (no fragments) has no rows: it gets an empty histogram.
    hists = split_fragment_lengths(normals_table, snakemake.params.normals)
    hists[sample] = pd.read_csv(snakemake.input.fraglen, sep="\t")
    normals = [n for n in snakemake.params.normals if n != sample]
    plot_fragment_lengths(hists, sample, normals, snakemake.output.fragments)
