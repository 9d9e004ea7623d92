# Pictures for the Snakemake report: per patient, per sample, and the cohort overview.
# Categories of the report: one per patient (its trajectory and its draws), "normals",
# and "Cohort" (overview, tables).


rule plot_trajectory:
    input:
        calls="results/erbb2/calls.tsv",
        timepoints="results/response/timepoints.tsv",
    output:
        report(
            "results/plots/{patient}/{patient}.trajectory.png",
            caption="../report/trajectory.rst",
            category="{patient}",
            subcategory="Trajectory",
            labels={"patient": "{patient}", "figure": "ERBB2 over time"},
        ),
    log:
        "results/logs/plots/{patient}.trajectory.log",
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/plot_trajectory.py"


rule plot_genome:
    input:
        cnr="results/cnvkit/{sample}.cnr",
        cns="results/cnvkit/{sample}.cns",
        refflat=config["reference"]["refflat"],
    output:
        report(
            "results/plots/{group}/{sample}.genome.png",
            caption="../report/genome.rst",
            category="{group}",
            subcategory="Copy ratios",
            labels={"sample": "{sample}", "figure": "genome and ERBB2 locus"},
        ),
    log:
        "results/logs/plots/{group}/{sample}.genome.log",
    conda:
        "../envs/python.yaml"
    params:
        gene=config["gene"],
    script:
        "../scripts/plot_genome.py"


rule plot_fragments:
    input:
        sample="results/qc/{sample}.fraglen.tsv",
        normals=normal_fraglens,
    output:
        report(
            "results/plots/{group}/{sample}.fragments.png",
            caption="../report/fragments.rst",
            category="{group}",
            subcategory="Fragment lengths",
            labels={"sample": "{sample}", "figure": "fragment lengths"},
        ),
    log:
        "results/logs/plots/{group}/{sample}.fragments.log",
    conda:
        "../envs/python.yaml"
    params:
        normals=NORMALS,
    script:
        "../scripts/plot_fragments.py"


rule plot_cohort:
    input:
        calls="results/erbb2/calls.tsv",
        patients="results/response/patients.tsv",
    output:
        report(
            "results/plots/cohort.png",
            caption="../report/cohort.rst",
            category="Cohort",
            labels={"figure": "response overview"},
        ),
    log:
        "results/logs/plots/cohort.log",
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/plot_cohort.py"


rule plot_qc:
    input:
        qc="results/qc/qc.tsv",
    output:
        report(
            "results/plots/qc_overview.png",
            caption="../report/qc_overview.rst",
            category="Cohort",
            labels={"figure": "QC overview"},
        ),
    log:
        "results/logs/plots/qc_overview.log",
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/plot_qc.py"
