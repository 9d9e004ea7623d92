"""One sample's fragment-length distribution against the normals'."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.plots import plot_fragment_lengths
from cfdna_erbb2.qc import split_fragment_lengths
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    sample = snakemake.wildcards.sample
    hists = split_fragment_lengths(pd.read_csv(snakemake.input.normals, sep="\t"))
    hists[sample] = pd.read_csv(snakemake.input.sample, sep="\t")
    normals = [n for n in snakemake.params.normals if n != sample]
    plot_fragment_lengths(hists, sample, normals, snakemake.output[0])
