"""One sample's fragment-length distribution against the normals'."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.plots import plot_fragment_lengths

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    sample = snakemake.wildcards.sample
    hists = {sample: pd.read_csv(snakemake.input.sample, sep="\t")}
    for name, path in zip(snakemake.params.normals, snakemake.input.normals, strict=True):
        hists[name] = pd.read_csv(path, sep="\t")
    normals = [n for n in snakemake.params.normals if n != sample]
    plot_fragment_lengths(hists, sample, normals, snakemake.output[0])
