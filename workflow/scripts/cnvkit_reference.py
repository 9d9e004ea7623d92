"""A CNVkit reference from normals' bin coverages, or a flat one when there are none."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.cnvkit_steps import build_reference

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, force=True)
n = build_reference(
    list(snakemake.input.target), snakemake.input.fasta, snakemake.input.bins, snakemake.output[0]
)
logging.info("reference pooled from %d normal(s)", n)
