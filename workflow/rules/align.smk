# Reads to analysis-ready alignments: bwa mem with read groups, fixmate, coordinate sort,
# duplicates marked (CNVkit skips reads flagged as duplicates), indexed.


# gzip -t reads each FASTQ.gz to its end before the alignment: bwa reads a truncated file
# without complaint and would silently lose the reads after the damage. A cheap,
# deterministic check in its own rule: no retries (retrying cannot mend a file).
rule check_fastq:
    input:
        unpack(fastq_inputs),
    output:
        temp("results/bam/{sample}.fastq_checked"),
    log:
        "results/logs/check_fastq/{sample}.log",
    # Deterministic: a retry cannot mend its input (the SLURM profile retries the rest).
    retries: 0
    conda:
        "../envs/bwa.yaml"
    shell:
        "(: > {log:q}; for fq in {input.fq1:q} {input.fq2:q}; do "
        'if ! gzip -t -- "$fq" 2>> {log:q}; then '
        "printf 'ERROR: %s is not a complete gzip file (cut short or damaged?)\\n' \"$fq\" "
        "| tee -a {log:q} >&2; exit 1; fi; "
        'echo "$fq: complete" >> {log:q}; done; touch {output:q})'


rule align:
    input:
        unpack(fastq_inputs),
        checked="results/bam/{sample}.fastq_checked",
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
        # Paths from the sheet reach the shell quoted ({...:q}): spaces and shell characters
        # in a file name are taken as they are.
        # A run killed mid-sort leaves samtools' temporary files: remove them first.
        "(set -eo pipefail; rm -f {output.bam:q}.tmp.*.bam; "
        # -K: a fixed batch size makes the alignments independent of the thread count.
        "bwa mem -t {threads} -K 10000000 -R {params.rg:q} "
        "{input.fasta:q} {input.fq1:q} {input.fq2:q} "
        "| samtools fixmate -m -u - - "
        "| samtools sort -u -@ {threads} -T {output.bam:q}.tmp - "
        "| samtools markdup -@ {threads} - {output.bam:q} "
        "&& samtools index {output.bam:q}) > {log:q} 2>&1"


# The header of a sheet's BAM against the reference: deterministic, so no retries.
rule check_bam:
    input:
        bam=bam_input,
        fai="results/reference/genome.fa.fai",
        checked=ancient("results/reference/reference_checked.txt"),
    output:
        bam="results/bam/{sample}.checked.bam",
        bai="results/bam/{sample}.checked.bam.bai",
    log:
        "results/logs/check_bam/{sample}.log",
    # Deterministic: a retry cannot mend its input (the SLURM profile retries the rest).
    retries: 0
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/check_bam.py"
