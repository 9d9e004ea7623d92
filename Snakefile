"""cfdna-erbb2: ERBB2 amplification and molecular response from serial cell-free DNA.

Run from a study folder: snakemake -s path/to/Snakefile --configfile my/config.yaml --cores N
"""

from snakemake.utils import min_version

min_version("9.0")


# Defaults first; a --configfile given on the command line is merged over them.
configfile: workflow.source_path("config/config.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/reference.smk"
include: "workflow/rules/align.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/cnv.smk"
include: "workflow/rules/erbb2.smk"
include: "workflow/rules/response.smk"
include: "workflow/rules/report.smk"


# Steps of a few seconds run where Snakemake runs, not through a cluster queue.
localrules:
    all,
    reference_genome,
    bins,
    erbb2_panel,
    erbb2_call,
    erbb2_calls,
    qc_table,
    response,
    plot_trajectory,
    plot_genome,
    plot_fragments,
    plot_cohort,
    plot_qc,


rule all:
    input:
        "results/erbb2/calls.tsv",
        "results/qc/qc.tsv",
        "results/response/timepoints.tsv",
        "results/response/patients.tsv",
        plots=all_plots,
