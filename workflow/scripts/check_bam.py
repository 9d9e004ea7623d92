"""Check a sheet-provided BAM against the reference and link it (with an index) for use as is."""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.bamcheck import check_bam_matches_reference, link_with_index

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    try:
        check_bam_matches_reference(snakemake.input.bam, snakemake.input.fai)
    except ValueError as exc:
        print(f"ERROR: {exc}", file=log)
        raise SystemExit(1) from None
    link_with_index(snakemake.input.bam, snakemake.output.bam, snakemake.output.bai)
    print(
        f"{snakemake.input.bam}: contigs match the reference; linked as {snakemake.output.bam}",
        file=log,
    )
    os.utime(snakemake.output.bai)
