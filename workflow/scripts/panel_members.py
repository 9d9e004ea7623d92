"""Which normals may serve in the panel of normals (before the CNVkit reference is pooled)."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.calls import params_from_config
from cfdna_erbb2.panel import screen_normals, size_weighted_blockers
from cfdna_erbb2.qc import has_paired_fragments
from cfdna_erbb2.smk import script_log, warn
from cfdna_erbb2.tsv import write_tsv

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    normals = list(snakemake.params.normals)
    metrics = {
        n: json.loads(Path(p).read_text()) for n, p in zip(normals, snakemake.input.qc, strict=True)
    }
    pairs = {n: m["read_pairs"] for n, m in metrics.items()}
    paired = {n: has_paired_fragments(m) for n, m in metrics.items()}
    coverages = dict(zip(normals, snakemake.input.target, strict=True))
    params = params_from_config(snakemake.params.erbb2, snakemake.params.gene)
    table = screen_normals(pairs, coverages, params, paired)
    for rec in table[~table["usable"]].to_dict("records"):
        warn(
            f"WARNING: normal {rec['sample']} is left out of the panel of normals: {rec['reason']}"
        )
    if normals and not table["usable"].any():
        warn("WARNING: no normal can serve in the panel: copy ratios use a flat reference")
    write_tsv(table, snakemake.output[0])
    unpaired = size_weighted_blockers(snakemake.output[0])
    if unpaired and snakemake.params.erbb2["short_fragment_weight"] != 1:
        warn(
            f"WARNING: normal(s) {', '.join(unpaired)} have no measured fragment lengths "
            "(single-end reads?): the size-weighted coverage track is not used for any "
            "sample (calls.tsv: tracks 1, tracks_reason)"
        )
    print(table.to_string(), file=log)
