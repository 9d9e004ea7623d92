# CNVkit in WGS mode, step by step as `cnvkit.py batch --method wgs` runs it: bin coverage,
# a pooled reference from the normals (flat without normals), fix with GC correction and no
# edge correction, CBS segmentation at p < 1e-6. Normals are fixed against a panel built
# without them, so that their calls show what a healthy sample looks like to the method.


rule cnvkit_coverage:
    input:
        bam=sample_bam,
        bai=sample_bai,
        bins="results/reference/bins.target.bed",
    output:
        target=temp("results/cnvkit/coverage/{sample}.targetcoverage.cnn"),
        antitarget=temp("results/cnvkit/coverage/{sample}.antitargetcoverage.cnn"),
    params:
        min_mapq=config["alignment"]["min_mapq"],
    log:
        "results/logs/cnvkit_coverage/{sample}.log",
    benchmark:
        "results/benchmarks/cnvkit_coverage/{sample}.tsv"
    threads: 2
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/cnvkit.yaml"
    shell:
        "(cnvkit.py coverage {input.bam} {input.bins} -q {params.min_mapq} -p {threads} "
        "-o {output.target} "
        # WGS has no off-target bins: an empty antitarget coverage, as batch writes it.
        "&& printf 'chromosome\\tstart\\tend\\tgene\\tdepth\\tlog2\\n' > {output.antitarget}"
        ") > {log} 2>&1"


rule cnvkit_reference:
    input:
        target=panel_coverage,
        antitarget=panel_antitarget,
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
        bins="results/reference/bins.target.bed",
        antibins="results/reference/bins.antitarget.bed",
    output:
        "results/cnvkit/reference/panel.cnn",
    log:
        "results/logs/cnvkit_reference/panel.log",
    benchmark:
        "results/benchmarks/cnvkit_reference/panel.tsv"
    resources:
        mem_mb=lambda wc, attempt: 4000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/cnvkit.yaml"
    script:
        "../scripts/cnvkit_reference.py"


rule cnvkit_reference_loo:
    input:
        target=loo_coverage,
        antitarget=loo_antitarget,
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
        bins="results/reference/bins.target.bed",
        antibins="results/reference/bins.antitarget.bed",
    output:
        temp("results/cnvkit/reference/loo/{normal}.cnn"),
    log:
        "results/logs/cnvkit_reference/loo_{normal}.log",
    benchmark:
        "results/benchmarks/cnvkit_reference/loo_{normal}.tsv"
    resources:
        mem_mb=lambda wc, attempt: 4000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/cnvkit.yaml"
    script:
        "../scripts/cnvkit_reference.py"


rule cnvkit_fix:
    input:
        target="results/cnvkit/coverage/{sample}.targetcoverage.cnn",
        antitarget="results/cnvkit/coverage/{sample}.antitargetcoverage.cnn",
        reference=sample_reference,
    output:
        "results/cnvkit/{sample}.cnr",
    log:
        "results/logs/cnvkit_fix/{sample}.log",
    benchmark:
        "results/benchmarks/cnvkit_fix/{sample}.tsv"
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 30 * attempt,
    conda:
        "../envs/cnvkit.yaml"
    shell:
        "cnvkit.py fix {input.target} {input.antitarget} {input.reference} --no-edge "
        "-i {wildcards.sample} -o {output} > {log} 2>&1"


rule cnvkit_segment:
    input:
        cnr="results/cnvkit/{sample}.cnr",
    output:
        "results/cnvkit/{sample}.cns",
    log:
        "results/logs/cnvkit_segment/{sample}.log",
    benchmark:
        "results/benchmarks/cnvkit_segment/{sample}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wc, attempt: 2000 * attempt,
        runtime=lambda wc, attempt: 60 * attempt,
    conda:
        "../envs/cnvkit.yaml"
    script:
        "../scripts/cnvkit_segment.py"
