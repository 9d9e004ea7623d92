"""Every patient on one page: baseline versus early on-treatment ERBB2, by response."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.plots import plot_cohort
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    plot_cohort(
        pd.read_csv(snakemake.input.calls, sep="\t", keep_default_na=False, na_values=[""]),
        pd.read_csv(snakemake.input.patients, sep="\t", keep_default_na=False, na_values=[""]),
        snakemake.output[0],
    )
