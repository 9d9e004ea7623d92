# The ERBB2 measurement and call of every sample, gathered in results/erbb2/calls.tsv.


rule erbb2_panel:
    input:
        cnr=normal_cnrs,
        cnr_sw=normal_cnrs_sw,
        members="results/cnvkit/reference/panel_members.tsv",
    output:
        "results/erbb2/panel.tsv",
    log:
        "results/logs/erbb2_panel.log",
    benchmark:
        "results/benchmarks/erbb2_panel.tsv"
    conda:
        "../envs/python.yaml"
    params:
        erbb2=config["erbb2"],
        gene=config["gene"],
        normals=NORMALS,
    script:
        "../scripts/erbb2_panel.py"


rule erbb2_call:
    input:
        unpack(baseline_profile),
        cnr="results/cnvkit/{sample}.cnr",
        cns="results/cnvkit/{sample}.cns",
        cnr_sw="results/cnvkit/{sample}.sizeweighted.cnr",
        qc="results/qc/{sample}.bam_qc.json",
        panel="results/erbb2/panel.tsv",
        members="results/cnvkit/reference/panel_members.tsv",
        baseline=baseline_call,
    output:
        "results/erbb2/samples/{sample}.tsv",
    log:
        "results/logs/erbb2_call/{sample}.log",
    benchmark:
        "results/benchmarks/erbb2_call/{sample}.tsv"
    conda:
        "../envs/python.yaml"
    params:
        erbb2=config["erbb2"],
        gene=config["gene"],
    script:
        "../scripts/erbb2_call.py"


rule erbb2_calls:
    input:
        calls=expand("results/erbb2/samples/{sample}.tsv", sample=SAMPLES),
        sheet=config["samples"],
    output:
        report(
            "results/erbb2/calls.tsv",
            caption="../report/calls.rst",
            category="Cohort",
            labels={"table": "ERBB2 calls per sample"},
        ),
    log:
        "results/logs/erbb2_calls.log",
    benchmark:
        "results/benchmarks/erbb2_calls.tsv"
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/erbb2_calls.py"
