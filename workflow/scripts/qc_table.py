"""Gather per-sample QC (alignment metrics and copy-ratio noise) into one table."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.tables import qc_table

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    table = qc_table(snakemake.input.metrics, snakemake.input.calls)
    table.to_csv(snakemake.output[0], sep="\t", index=False, float_format="%.6g")
