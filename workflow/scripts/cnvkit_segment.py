"""CBS segmentation of one sample's copy ratios, as CNVkit batch does it in WGS mode."""

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

cnr = pd.read_csv(snakemake.input.cnr, sep="\t")
with Path(snakemake.log[0]).open("w") as log:
    covered = np.isfinite(cnr["log2"]) & (cnr.get("depth", pd.Series(1.0, index=cnr.index)) > 0)
    if covered.sum() < 2:
        # Nothing to segment (e.g. a sample with no reads): an empty segment table lets the
        # ERBB2 step report the sample as not evaluable instead of failing the run.
        print(f"only {int(covered.sum())} covered bins: no segmentation", file=log)
        Path(snakemake.output[0]).write_text("chromosome\tstart\tend\tgene\tlog2\tprobes\n")
        sys.exit(0)
    result = subprocess.run(
        ["cnvkit.py", "segment", snakemake.input.cnr, "-m", "cbs", "-t", "1e-6",
         "-o", snakemake.output[0]],
        stdout=log, stderr=log, check=False,
    )  # fmt: skip
    sys.exit(result.returncode)
