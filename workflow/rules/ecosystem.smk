# What other tools read: a MultiQC report of the cohort, one SEG file of every sample's
# segments for IGV, and the run's provenance beside the tables.

from snakemake import __version__ as SNAKEMAKE_VERSION

from cfdna_erbb2 import __version__ as PIPELINE_VERSION
from cfdna_erbb2.provenance import config_checksum

#: The merged config's checksum (the MultiQC header and the provenance caption show it).
CONFIG_SHA256 = config_checksum(config)


rule multiqc_content:
    input:
        qc="results/qc/qc.tsv",
        calls="results/erbb2/calls.tsv",
        fraglens=expand("results/qc/{sample}.fraglen.tsv", sample=SAMPLES),
    output:
        metrics="results/multiqc/content/cfdna_erbb2_metrics_mqc.yaml",
        fragments="results/multiqc/content/cfdna_erbb2_fragment_lengths_mqc.yaml",
        config="results/multiqc/content/multiqc_config.yaml",
    log:
        "results/logs/multiqc_content.log",
    benchmark:
        "results/benchmarks/multiqc_content.tsv"
    conda:
        "../envs/python.yaml"
    params:
        samples=SAMPLES,
        config_sha256=CONFIG_SHA256,
    script:
        "../scripts/multiqc_content.py"


# MultiQC on exactly the files of this run (not a folder search, which would pick up
# samples removed from the sheet), offline: no update check (config and environment).
rule multiqc:
    input:
        stats=expand("results/qc/samtools/{sample}.stats", sample=SAMPLES),
        idxstats=expand("results/qc/samtools/{sample}.idxstats", sample=SAMPLES),
        metrics="results/multiqc/content/cfdna_erbb2_metrics_mqc.yaml",
        fragments="results/multiqc/content/cfdna_erbb2_fragment_lengths_mqc.yaml",
        config="results/multiqc/content/multiqc_config.yaml",
    output:
        html=report(
            "results/multiqc/multiqc_report.html",
            caption="../report/multiqc.rst",
            category="Cohort",
            labels={"table": "MultiQC report (QC of every sample)"},
        ),
        # MultiQC's tables (multiqc_data/*.txt) beside the report; one file stands for them.
        data="results/multiqc/multiqc_data/multiqc_data.json",
    log:
        "results/logs/multiqc.log",
    benchmark:
        "results/benchmarks/multiqc.tsv"
    conda:
        "../envs/multiqc.yaml"
    shell:
        "MULTIQC_NO_VERSION_CHECK=true multiqc --force --no-ansi "
        "--config {input.config:q} "
        '--outdir "$(dirname {output.html:q})" --filename "$(basename {output.html:q})" '
        '--cl-config "data_dir_name: $(basename "$(dirname {output.data:q})")" '
        "{input.stats:q} {input.idxstats:q} "
        "{input.metrics:q} {input.fragments:q} > {log:q} 2>&1"


# IGV's SEG format, as `cnvkit.py export seg` writes it; each sample's .cnr/.cns stays.
rule cohort_seg:
    input:
        cns=expand("results/cnvkit/{sample}.cns", sample=SAMPLES),
    output:
        "results/cnvkit/cohort.seg",
    log:
        "results/logs/cohort_seg.log",
    benchmark:
        "results/benchmarks/cohort_seg.tsv"
    conda:
        "../envs/python.yaml"
    params:
        samples=SAMPLES,
    script:
        "../scripts/cohort_seg.py"


# A sidecar, not a header comment: a '#' line in calls.tsv would break its readers. It
# vouches for the tables (their sha256) and is made again whenever one of them is.
rule provenance:
    input:
        calls="results/erbb2/calls.tsv",
        qc="results/qc/qc.tsv",
        response=response_tables,
        fai="results/reference/genome.fa.fai",
    output:
        report(
            "results/provenance.json",
            caption="../report/provenance.rst",
            category="Cohort",
            labels={"table": "Provenance (version, config checksum, tools)"},
        ),
    log:
        "results/logs/provenance.log",
    benchmark:
        "results/benchmarks/provenance.tsv"
    conda:
        "../envs/python.yaml"
    params:
        config=config,
        config_sha256=CONFIG_SHA256,
        version=PIPELINE_VERSION,
        snakemake_version=SNAKEMAKE_VERSION,
        repo=workflow.basedir,
    script:
        "../scripts/provenance.py"
