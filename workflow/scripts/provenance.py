"""The run's provenance (version, config checksum, reference, tool versions, the sha256 of
each table it covers) as results/provenance.json."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.provenance import run_tools, write_provenance
from cfdna_erbb2.refflat import known_build
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    record = write_provenance(
        snakemake.output[0],
        config=snakemake.params.config,
        tables=[snakemake.input.calls, snakemake.input.qc, *snakemake.input.response],
        tools=run_tools({"snakemake": snakemake.params.snakemake_version}),
        reference_build=known_build(snakemake.input.fai),
        repo=snakemake.params.repo,
    )
    print(record["pipeline"], record["config_sha256"], record["tools"], sep="\n", file=log)
