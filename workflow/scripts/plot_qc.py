"""QC metrics of every sample on one page."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.plots import plot_qc_overview

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    plot_qc_overview(
        pd.read_csv(snakemake.input.qc, sep="\t", keep_default_na=False, na_values=[""]),
        snakemake.output[0],
    )
