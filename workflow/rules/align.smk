# Reads to analysis-ready alignments: bwa mem with read groups, fixmate, coordinate sort,
# duplicates marked (CNVkit skips reads flagged as duplicates), indexed.


# Each FASTQ.gz is read to its end before the alignment: bwa reads a truncated file
# without complaint and would silently lose the reads after the damage. The same pass
# counts the read pairs (the number of reads of a mate; four lines per record, the last
# line counted with or without its newline, as bwa reads it), which
# set the automatic bin size: bwa writes one primary record per read, so it is the
# figure rule qc_bam finds in the BAM, known before the alignment starts. Mates with
# different numbers of reads do not pair up: an error. A cheap, deterministic check in
# its own rule: no retries (retrying cannot mend a file).
rule check_fastq:
    input:
        unpack(fastq_inputs),
    output:
        "results/qc/{sample}.fastq_reads.json",
    log:
        "results/logs/check_fastq/{sample}.log",
    benchmark:
        "results/benchmarks/check_fastq/{sample}.tsv"
    # Deterministic: a retry cannot mend its input (the SLURM profile retries the rest).
    retries: 0
    group:
        check_group
    conda:
        "../envs/bwa.yaml"
    shell:
        "(set -o pipefail; : > {log:q}; reads=; for fq in {input.fq1:q} {input.fq2:q}; do "
        'if ! lines=$(gzip -dc -- "$fq" 2>> {log:q} | awk "END {{print NR}}"); then '
        "printf 'ERROR: %s is not a complete gzip file (cut short or damaged?)\\n' \"$fq\" "
        "| tee -a {log:q} >&2; exit 1; fi; "
        "if [ $((lines % 4)) -ne 0 ]; then "
        "printf 'ERROR: %s has %s lines, not four per read: not a FASTQ of 4-line records\\n' "
        '"$fq" "$lines" | tee -a {log:q} >&2; exit 1; fi; '
        'echo "$fq: complete, $((lines / 4)) reads" >> {log:q}; '
        'reads="$reads $((lines / 4))"; done; set -- $reads; '
        'if [ "$1" -ne "$2" ]; then '
        "printf 'ERROR: %s has %s reads but %s has %s: the mates do not pair up\\n' "
        '{input.fq1:q} "$1" {input.fq2:q} "$2" | tee -a {log:q} >&2; exit 1; fi; '
        'printf \'{{"sample": "%s", "read_pairs": %s}}\\n\' {wildcards.sample:q} "$1" '
        "> {output:q})"


rule align:
    input:
        unpack(fastq_inputs),
        reads="results/qc/{sample}.fastq_reads.json",
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
    group:
        SAMPLE_GROUP
    conda:
        "../envs/bwa.yaml"
    threads: 4
    resources:
        mem_mb=align_mem_mb,
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


# The header of a sheet's BAM against the reference, and its read pairs counted as rule
# qc_bam counts them (they set the automatic bin size): deterministic, so no retries.
rule check_bam:
    input:
        bam=bam_input,
        fai="results/reference/genome.fa.fai",
        checked=ancient("results/reference/reference_checked.txt"),
    output:
        bam="results/bam/{sample}.checked.bam",
        bai="results/bam/{sample}.checked.bam.bai",
        reads="results/qc/{sample}.bam_reads.json",
    log:
        "results/logs/check_bam/{sample}.log",
    benchmark:
        "results/benchmarks/check_bam/{sample}.tsv"
    # Deterministic: a retry cannot mend its input (the SLURM profile retries the rest).
    retries: 0
    group:
        check_group
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/check_bam.py"
