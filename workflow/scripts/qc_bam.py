"""QC metrics and fragment-length histogram of one sample's BAM."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.qc import write_bam_qc

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    metrics = write_bam_qc(
        snakemake.input.bam, snakemake.output.metrics, snakemake.output.hist,
        snakemake.wildcards.sample,
    )  # fmt: skip
    print(metrics, file=log)
