"""One sample's ERBB2 measurement and call."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.calls import call_draw, params_from_config, size_weighted_reason
from cfdna_erbb2.panel import size_weighted_blockers
from cfdna_erbb2.smk import script_log, warn
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    sample = snakemake.wildcards.sample
    baseline, profile = None, None
    if snakemake.input.baseline:
        table = pd.read_csv(snakemake.input.baseline, sep="\t", dtype={"locus_chrom": str})
        baseline = table.iloc[0].to_dict()
        profile = (snakemake.input.baseline_cnr, snakemake.input.baseline_cns)
    metrics = json.loads(Path(snakemake.input.qc).read_text())
    unweighted = ""
    if snakemake.params.erbb2["short_fragment_weight"] != 1:
        unweighted = size_weighted_reason(
            sample, metrics, size_weighted_blockers(snakemake.input.members)
        )
        if unweighted:
            warn(f"WARNING: {sample}: size-weighted coverage track not tested: {unweighted}")
    row = call_draw(
        sample,
        snakemake.input.cnr,
        snakemake.input.cns,
        params_from_config(snakemake.params.erbb2, snakemake.params.gene),
        panel=pd.read_csv(snakemake.input.panel, sep="\t"),
        read_pairs=int(metrics["read_pairs"]),
        baseline_call=baseline,
        baseline=profile,
        weighted_cnr=None if unweighted else snakemake.input.cnr_sw,
        unweighted_reason=unweighted,
    )
    table = pd.DataFrame([{"sample": sample, **row}])
    write_tsv(table, snakemake.output[0])
    print(table.T.to_string(), file=log)
