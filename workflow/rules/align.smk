# Reads to analysis-ready alignments: bwa mem with read groups, fixmate, coordinate sort,
# duplicates marked (CNVkit skips reads flagged as duplicates), indexed.


rule align:
    input:
        unpack(fastq_inputs),
        index=multiext(
            "results/reference/genome.fa", ".amb", ".ann", ".bwt", ".pac", ".sa"
        ),
        fasta="results/reference/genome.fa",
    output:
        bam="results/bam/{sample}.bam",
        bai="results/bam/{sample}.bam.bai",
    log:
        "results/logs/align/{sample}.log",
    benchmark:
        "results/benchmarks/align/{sample}.tsv"
    conda:
        "../envs/bwa.yaml"
    threads: 4
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(240),
    params:
        rg=read_group,
    shell:
        # gzip -t first: bwa reads a truncated FASTQ.gz without complaint and would
        # silently lose the reads after the damage.
        "(set -eo pipefail; "
        "gzip -t {input.fq1} || {{ echo 'ERROR: {input.fq1} is not a complete gzip file' >&2; exit 1; }}; "
        "gzip -t {input.fq2} || {{ echo 'ERROR: {input.fq2} is not a complete gzip file' >&2; exit 1; }}; "
        # -K: a fixed batch size makes the alignments independent of the thread count.
        "bwa mem -t {threads} -K 10000000 -R '{params.rg}' {input.fasta} {input.fq1} {input.fq2} "
        "| samtools fixmate -m -u - - "
        "| samtools sort -u -@ {threads} -T {output.bam}.tmp - "
        "| samtools markdup -@ {threads} - {output.bam} "
        "&& samtools index {output.bam}) > {log} 2>&1"


rule check_bam:
    input:
        bam=bam_input,
        fai="results/reference/genome.fa.fai",
    output:
        bam="results/bam/{sample}.checked.bam",
        bai="results/bam/{sample}.checked.bam.bai",
    log:
        "results/logs/check_bam/{sample}.log",
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/check_bam.py"
