"""Classify each patient's molecular response (thin adapter over `cfdna-erbb2 response`)."""

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.cli import main

outdir = Path(snakemake.output.timepoints).parent
with Path(snakemake.log[0]).open("w") as log, contextlib.redirect_stdout(log):
    sys.stderr = log
    code = main(
        [
            "response",
            snakemake.input.calls,
            "--outdir", str(outdir),
            "--reduction", str(snakemake.params.reduction),
            "--undetectable-level", str(snakemake.params.undetectable_level),
        ]
    )  # fmt: skip
sys.exit(code)
