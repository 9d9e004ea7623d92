"""The normals' fragment-length histograms as one table (sample, length, count)."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.qc import gather_fragment_lengths
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    table = gather_fragment_lengths(list(snakemake.input), snakemake.params.normals)
    table.to_csv(snakemake.output[0], sep="\t", index=False)
    print(f"{len(snakemake.params.normals)} normals, {len(table)} rows", file=log)
