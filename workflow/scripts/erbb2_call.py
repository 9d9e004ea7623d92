"""One sample's ERBB2 measurement and call."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.calls import (
    amplicon_of,
    call_sample,
    panel_systematic,
    params_from_config,
    read_pairs_from_qc,
    write_table,
)

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    sample = snakemake.wildcards.sample
    params = params_from_config(snakemake.params.erbb2, snakemake.params.gene)
    panel = pd.read_csv(snakemake.input.panel, sep="\t")
    systematic = panel_systematic(panel, sample, params.systematic_sd_floor)
    baseline = None
    if snakemake.input.baseline:
        base = pd.read_csv(snakemake.input.baseline, sep="\t", dtype={"locus_chrom": str})
        baseline = amplicon_of(base.iloc[0].to_dict())
        print(f"baseline amplicon: {baseline}", file=log)
    row = call_sample(
        snakemake.input.cnr,
        snakemake.input.cns,
        params,
        systematic=systematic,
        read_pairs=read_pairs_from_qc(snakemake.input.qc),
        baseline_locus=baseline,
    )
    table = pd.DataFrame([{"sample": sample, **row}])
    write_table(table, snakemake.output[0])
    print(table.T.to_string(), file=log)
