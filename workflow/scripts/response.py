"""Classify each patient's molecular response per on-treatment draw and per patient."""

from typing import TYPE_CHECKING, Any

from cfdna_erbb2.response import ResponseParams, classify, read_calls, write_response
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    params = ResponseParams(
        reduction=snakemake.params.reduction,
        undetectable_level=snakemake.params.undetectable_level,
        clone_loss_margin=snakemake.params.clone_loss_margin,
    )
    timepoints, patients = classify(read_calls(snakemake.input.calls), params)
    write_response(timepoints, patients, snakemake.output.timepoints, snakemake.output.patients)
    print(f"{len(timepoints)} on-treatment draws, {len(patients)} patients", file=log)
    explained = timepoints.loc[timepoints["explanation"] != "", "explanation"]
    print(f"explanations: {explained.value_counts().to_dict()}", file=log)
