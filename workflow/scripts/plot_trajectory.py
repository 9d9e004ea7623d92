"""One patient's ERBB2 trajectory."""

from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.plots import plot_patient_trajectory
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]):
    plot_patient_trajectory(
        pd.read_csv(snakemake.input.calls, sep="\t", keep_default_na=False, na_values=[""]),
        pd.read_csv(snakemake.input.timepoints, sep="\t", keep_default_na=False, na_values=[""]),
        snakemake.wildcards.patient,
        snakemake.output[0],
    )
