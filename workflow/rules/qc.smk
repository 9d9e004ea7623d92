# Per-sample QC of the alignments: read pairs, mapped and duplicate fractions, fragment
# lengths (mode, short fraction); gathered with the copy-ratio noise into results/qc/qc.tsv.
# The same pass over the BAM counts CNVkit's bin coverage (as `cnvkit.py coverage` does,
# MAPQ >= alignment.min_mapq), and the size-weighted coverage (short fragments' reads counted
# erbb2.short_fragment_weight times) that the ERBB2 call also tests. Then `samtools stats` and `idxstats` (pysam's samtools), which
# MultiQC's samtools module reads: reads, mapped, duplicates, insert sizes, reads per contig.
# The BAM is read twice after alignment, in one job.


rule qc_bam:
    input:
        bam=sample_bam,
        bai=sample_bai,
        bins="results/reference/bins.target.bed",
    output:
        metrics="results/qc/{sample}.bam_qc.json",
        hist="results/qc/{sample}.fraglen.tsv",
        coverage=temp("results/cnvkit/coverage/{sample}.targetcoverage.cnn"),
        weighted=temp(
            "results/cnvkit/coverage/{sample}.sizeweighted.targetcoverage.cnn"
        ),
        stats="results/qc/samtools/{sample}.stats",
        idxstats="results/qc/samtools/{sample}.idxstats",
    log:
        "results/logs/qc_bam/{sample}.log",
    benchmark:
        "results/benchmarks/qc_bam/{sample}.tsv"
    group:
        SAMPLE_GROUP
    conda:
        "../envs/python.yaml"
    resources:
        mem_mb=by_attempt(1000),
        runtime=by_attempt(60),
    params:
        min_mapq=config["alignment"]["min_mapq"],
        short_weight=config["erbb2"]["short_fragment_weight"],
    script:
        "../scripts/qc_bam.py"


# The normals' fragment-length histograms in one table, which every sample's fragment plot
# reads: one input per plot instead of one per normal (40,000 fewer edges in a 1,000-draw
# plan), and it changes only when the normals do.
rule normal_fragment_lengths:
    input:
        NORMAL_FRAGLENS,
    output:
        "results/qc/normals.fragment_lengths.tsv",
    log:
        "results/logs/normal_fragment_lengths.log",
    benchmark:
        "results/benchmarks/normal_fragment_lengths.tsv"
    conda:
        "../envs/python.yaml"
    params:
        normals=NORMALS,
    script:
        "../scripts/normal_fragment_lengths.py"


rule qc_table:
    input:
        metrics=expand("results/qc/{sample}.bam_qc.json", sample=SAMPLES),
        calls="results/erbb2/calls.tsv",
    output:
        report(
            "results/qc/qc.tsv",
            caption="../report/qc_table.rst",
            category="Cohort",
            labels={"table": "QC of every sample"},
        ),
    log:
        "results/logs/qc_table.log",
    benchmark:
        "results/benchmarks/qc_table.tsv"
    conda:
        "../envs/python.yaml"
    script:
        "../scripts/qc_table.py"
