"""Copy ratios and CBS segments of one sample (CNVkit fix + segment, in one process)."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.cnvkit_steps import fix_and_segment

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, force=True)
n = fix_and_segment(
    snakemake.input.target,
    snakemake.input.reference,
    snakemake.wildcards.sample,
    snakemake.output.cnr,
    snakemake.output.cns,
)
logging.info("%d segments", n)
