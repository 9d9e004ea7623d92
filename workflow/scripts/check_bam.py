"""Check a sheet-provided BAM against the reference, link it (with an index) for use as is,
and count its read pairs (they set the automatic bin size)."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.bamcheck import check_bam_matches_reference, link_with_index
from cfdna_erbb2.qc import count_read_pairs
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    check_bam_matches_reference(snakemake.input.bam, snakemake.input.fai)
    link_with_index(snakemake.input.bam, snakemake.output.bam, snakemake.output.bai)
    print(
        f"{snakemake.input.bam}: contigs match the reference; linked as {snakemake.output.bam}",
        file=log,
    )
    pairs = count_read_pairs(snakemake.output.bam)
    record = {"sample": snakemake.wildcards.sample, "read_pairs": pairs}
    Path(snakemake.output.reads).write_text(json.dumps(record) + "\n")
    print(f"{pairs} read pairs", file=log)
