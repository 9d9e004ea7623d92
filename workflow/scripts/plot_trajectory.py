"""One patient's ERBB2 trajectory."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.plots import plot_patient_trajectory

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    plot_patient_trajectory(
        pd.read_csv(snakemake.input.calls, sep="\t", keep_default_na=False, na_values=[""]),
        pd.read_csv(snakemake.input.timepoints, sep="\t", keep_default_na=False, na_values=[""]),
        snakemake.wildcards.patient,
        snakemake.output[0],
    )
