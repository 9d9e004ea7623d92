"""QC metrics of every sample on one page, with the config's QC limits."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.plots import plot_qc_overview
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    plot_qc_overview(
        pd.read_csv(snakemake.input.qc, sep="\t", keep_default_na=False, na_values=[""]),
        snakemake.output[0],
        limits=snakemake.params.limits,
    )
