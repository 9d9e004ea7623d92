"""The pipeline's per-sample numbers and fragment lengths as MultiQC custom content, and
MultiQC's config for the cohort report."""

from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from cfdna_erbb2.mqc import fragment_section, metrics_section, report_config
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import write_texts

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any


def read(path: str) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""])


with script_log(snakemake.log[0]) as log:
    samples = snakemake.params.samples
    histograms = {s: read(p) for s, p in zip(samples, snakemake.input.fraglens, strict=True)}
    sections = {
        snakemake.output.metrics: metrics_section(
            read(snakemake.input.qc), read(snakemake.input.calls)
        ),
        snakemake.output.fragments: fragment_section(histograms),
        snakemake.output.config: report_config(snakemake.params.config_sha256),
    }
    write_texts({path: yaml.safe_dump(s, sort_keys=False) for path, s in sections.items()})
    print(f"custom content of {len(samples)} samples", file=log)
