# Pictures and table pages for the Snakemake report: per patient, per sample, and the cohort.
# Categories of the report: one per patient (its trajectory and its draws), "normals",
# and "Cohort" (overview, tables: each TSV to download and a page to read it in the report).


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
    benchmark:
        "results/benchmarks/plot_trajectory/{patient}.tsv"
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/plot_trajectory.py"


# A sample's figures, in one job (one Python start per sample, one job fewer in the plan):
# its genome and ERBB2 locus, and its fragment lengths against the normals'.
rule plot_sample:
    input:
        cnr="results/cnvkit/{sample}.cnr",
        cns="results/cnvkit/{sample}.cns",
        cnr_sw="results/cnvkit/{sample}.sizeweighted.cnr",
        call="results/erbb2/samples/{sample}.tsv",
        refflat=config["reference"]["refflat"],
        fraglen="results/qc/{sample}.fraglen.tsv",
        normals="results/qc/normals.fragment_lengths.tsv",
    output:
        genome=report(
            "results/plots/{group}/{sample}.genome.png",
            caption="../report/genome.rst",
            category="{group}",
            subcategory="Copy ratios",
            labels={"sample": "{sample}", "figure": "genome and ERBB2 locus"},
        ),
        fragments=report(
            "results/plots/{group}/{sample}.fragments.png",
            caption="../report/fragments.rst",
            category="{group}",
            subcategory="Fragment lengths",
            labels={"sample": "{sample}", "figure": "fragment lengths"},
        ),
    log:
        "results/logs/plots/{group}/{sample}.log",
    benchmark:
        "results/benchmarks/plot_sample/{group}/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    params:
        gene=config["gene"],
        normals=NORMALS,
        short_weight=config["erbb2"]["short_fragment_weight"],
    script:
        "../scripts/plot_sample.py"


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
    benchmark:
        "results/benchmarks/plot_cohort.tsv"
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
    benchmark:
        "results/benchmarks/plot_qc.tsv"
    conda:
        "../envs/python.yaml"
    params:
        limits={k: config["erbb2"][k] for k in ("min_read_pairs", "max_noise_sd")},
    script:
        "../scripts/plot_qc.py"


# The tables as pages read inside the report (a TSV is only a download there), and the facts
# of the run its home page states. The response pages: rule report_response_tables.
rule report_tables:
    input:
        calls="results/erbb2/calls.tsv",
        qc="results/qc/qc.tsv",
        fai="results/reference/genome.fa.fai",
    output:
        calls=report(
            "results/report/calls.html",
            caption="../report/calls.rst",
            category="Cohort",
            labels={"table": "ERBB2 calls per sample (page)"},
        ),
        qc=report(
            "results/report/qc.html",
            caption="../report/qc_table.rst",
            category="Cohort",
            labels={"table": "QC of every sample (page)"},
        ),
        run=RUN_FACTS,
    log:
        "results/logs/report_tables.log",
    benchmark:
        "results/benchmarks/report_tables.tsv"
    conda:
        "../envs/python.yaml"
    params:
        version=VERSION,
        fasta=config["reference"]["fasta"],
        gene=config["gene"],
        erbb2=config["erbb2"],
        response=config["response"],
    script:
        "../scripts/report_tables.py"


rule report_response_tables:
    input:
        timepoints="results/response/timepoints.tsv",
        patients="results/response/patients.tsv",
    output:
        patients=report(
            "results/report/patients.html",
            caption="../report/patients.rst",
            category="Cohort",
            labels={"table": "Response per patient: cohort summary (page)"},
        ),
        timepoints=report(
            "results/report/timepoints.html",
            caption="../report/timepoints.rst",
            category="Cohort",
            labels={"table": "Response per on-treatment draw (page)"},
        ),
    log:
        "results/logs/report_response_tables.log",
    benchmark:
        "results/benchmarks/report_response_tables.tsv"
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/report_tables.py"
