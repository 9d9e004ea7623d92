"""cfdna-erbb2: ERBB2 amplification and molecular response from serial cell-free DNA.

Run from a study folder: snakemake -s path/to/Snakefile --configfile my/config.yaml --cores N
(the workflow profile profiles/default, a link to workflow/profiles/default, is used
without --workflow-profile: Snakemake looks for profiles/default beside the Snakefile).
"""

from snakemake.utils import min_version

min_version("9.0")


# Defaults first (scientific parameters only, no paths); the study's --configfile is merged
# over them and must name the sheet and the reference (checked in common.smk).
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
include: "workflow/rules/ecosystem.smk"


# Steps of a few seconds run where Snakemake runs, not through a cluster queue.
localrules:
    all,
    reference_genome,
    check_reference,
    bins,
    panel_members,
    erbb2_panel,
    erbb2_call,
    erbb2_calls,
    qc_table,
    normal_fragment_lengths,
    response,
    plot_trajectory,
    plot_sample,
    plot_cohort,
    plot_qc,
    multiqc_content,
    multiqc,
    cohort_seg,
    provenance,
    report_tables,
    report_response_tables,


# With the SLURM executor: stop before submitting anything if a job could never start.
onstart:
    check_cluster_fits()


# The panel of normals is a target of its own: a panel-only run (normals, no patients)
# builds it for the patients to come, and has no response tables, trajectories or cohort plot.
rule all:
    input:
        "results/erbb2/calls.tsv",
        "results/qc/qc.tsv",
        "results/cnvkit/reference/panel.cnn",
        response=response_tables,
        plots=all_plots,
        multiqc="results/multiqc/multiqc_report.html",
        seg="results/cnvkit/cohort.seg",
        provenance="results/provenance.json",
