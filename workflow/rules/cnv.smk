# CNVkit in WGS mode, step by step as `cnvkit.py batch --method wgs` runs it: bin coverage
# (counted in rule qc_bam's one pass over the BAM, the same file `cnvkit.py coverage` writes),
# a pooled reference from the normals (flat without normals), fix with GC correction and no
# edge correction, CBS segmentation at p < 1e-6. Normals are fixed against a panel built
# without them, so that their calls show what a healthy sample looks like to the method.
# The size-weighted coverage (rule qc_bam) gets its own references from the same normals, in
# the same jobs, and its copy ratios (fix, no segmentation) in the sample's fix job.


rule panel_members:
    input:
        qc=normal_qc,
        target=panel_coverage,
    output:
        "results/cnvkit/reference/panel_members.tsv",
    log:
        "results/logs/panel_members.log",
    benchmark:
        "results/benchmarks/panel_members.tsv"
    conda:
        "../envs/cnvkit.yaml"
    params:
        normals=NORMALS,
        erbb2=config["erbb2"],
        gene=config["gene"],
    script:
        "../scripts/panel_members.py"


rule cnvkit_reference:
    input:
        target=panel_coverage,
        target_sw=panel_coverage_sw,
        members="results/cnvkit/reference/panel_members.tsv",
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
        bins="results/reference/bins.target.bed",
        content="results/reference/bins.content.tsv",
    output:
        ref="results/cnvkit/reference/panel.cnn",
        sw="results/cnvkit/reference/panel.sizeweighted.cnn",
    log:
        "results/logs/cnvkit_reference/panel.log",
    benchmark:
        "results/benchmarks/cnvkit_reference/panel.tsv"
    conda:
        "../envs/cnvkit.yaml"
    resources:
        mem_mb=by_attempt(4000),
        runtime=by_attempt(60),
    script:
        "../scripts/cnvkit_reference.py"


use rule cnvkit_reference as cnvkit_reference_loo with:
    input:
        target=loo_coverage,
        target_sw=loo_coverage_sw,
        members="results/cnvkit/reference/panel_members.tsv",
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
        bins="results/reference/bins.target.bed",
        content="results/reference/bins.content.tsv",
    output:
        ref=temp("results/cnvkit/reference/loo/{normal}.cnn"),
        sw=temp("results/cnvkit/reference/loo/{normal}.sizeweighted.cnn"),
    log:
        "results/logs/cnvkit_reference/loo_{normal}.log",
    benchmark:
        "results/benchmarks/cnvkit_reference/loo_{normal}.tsv"


rule cnvkit_fix_segment:
    input:
        target="results/cnvkit/coverage/{sample}.targetcoverage.cnn",
        reference=sample_reference,
        target_sw="results/cnvkit/coverage/{sample}.sizeweighted.targetcoverage.cnn",
        reference_sw=sample_reference_sw,
    output:
        cnr="results/cnvkit/{sample}.cnr",
        cns="results/cnvkit/{sample}.cns",
        cnr_sw="results/cnvkit/{sample}.sizeweighted.cnr",
    log:
        "results/logs/cnvkit_fix_segment/{sample}.log",
    benchmark:
        "results/benchmarks/cnvkit_fix_segment/{sample}.tsv"
    conda:
        "../envs/cnvkit.yaml"
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    params:
        gene=config["gene"],
    script:
        "../scripts/cnvkit_fix_segment.py"
