# Molecular response per patient across timepoints, from the calls table.


rule response:
    input:
        calls="results/erbb2/calls.tsv",
    output:
        timepoints=report(
            "results/response/timepoints.tsv",
            caption="../report/timepoints.rst",
            category="Cohort",
            labels={"table": "Response per on-treatment draw"},
        ),
        patients=report(
            "results/response/patients.tsv",
            caption="../report/patients.rst",
            category="Cohort",
            labels={"table": "Response per patient"},
        ),
    log:
        "results/logs/response.log",
    benchmark:
        "results/benchmarks/response.tsv"
    conda:
        "../envs/python.yaml"
    params:
        reduction=config["response"]["reduction"],
        undetectable_level=config["response"]["undetectable_level"],
        clone_loss_margin=config["response"].get("clone_loss_margin", 2.0),
    script:
        "../scripts/response.py"
