"""The tables as pages for the Snakemake report (the pages its rule's outputs name), and the
run's facts for the report's home page."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from cfdna_erbb2.refflat import known_build
from cfdna_erbb2.report_html import (
    calls_page,
    patients_page,
    qc_page,
    run_facts,
    timepoints_page,
    write_pages,
    write_run_facts,
)
from cfdna_erbb2.smk import script_log

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

#: Output name -> the page made from the input of the same name.
PAGES = {
    "calls": calls_page,
    "qc": qc_page,
    "patients": patients_page,
    "timepoints": timepoints_page,
}

with script_log(snakemake.log[0]) as log:
    pages = {}
    for name, path in snakemake.output.items():
        if name in PAGES:
            table = pd.read_csv(
                snakemake.input[name], sep="\t", keep_default_na=False, na_values=[""]
            )
            pages[path] = PAGES[name](table)
            print(f"{path}: {len(table)} rows", file=log)
    write_pages(pages)
    if hasattr(snakemake.output, "run"):  # rule report_tables (not report_response_tables)
        facts = run_facts(
            version=snakemake.params.version,
            date=datetime.now(UTC),
            fasta=snakemake.params.fasta,
            build=known_build(snakemake.input.fai),
            gene=snakemake.params.gene,
            erbb2=snakemake.params.erbb2,
            response=snakemake.params.response,
        )
        write_run_facts(facts, snakemake.output.run)
