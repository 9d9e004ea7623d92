# Reference preparation, once per study folder: written under results/reference/, so a
# read-only reference folder is fine. A bwa index or .fai beside the FASTA is reused.
# Every path from the config reaches the shell quoted ({...:q}): spaces and shell
# characters in a file name are taken as they are.


rule reference_genome:
    input:
        fasta=config["reference"]["fasta"],
    output:
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
    log:
        "results/logs/reference_genome.log",
    benchmark:
        "results/benchmarks/reference_genome.tsv"
    conda:
        "../envs/samtools.yaml"
    shell:
        '(ln -sfn "$(realpath {input.fasta:q})" {output.fasta:q} && '
        "if [ -s {input.fasta:q}.fai ]; then "
        'ln -sfn "$(realpath {input.fasta:q}.fai)" {output.fai:q}; '
        "else samtools faidx {output.fasta:q}; fi) > {log:q} 2>&1"


# The refFlat against the FASTA's contigs (names, lengths, build) as soon as the .fai
# exists: when the FASTA had no .fai at start-up, this is where a refFlat with other
# chromosome names (17 against chr17) stops the run, before any alignment (bwa_index and
# the BAM checks wait for it). `ancient`: a re-check does not redo what follows.
rule check_reference:
    input:
        fai="results/reference/genome.fa.fai",
        refflat=config["reference"]["refflat"],
    output:
        "results/reference/reference_checked.txt",
    log:
        "results/logs/check_reference.log",
    benchmark:
        "results/benchmarks/check_reference.tsv"
    # Deterministic: a retry cannot mend its input (the SLURM profile retries the rest).
    retries: 0
    conda:
        "../envs/python.yaml"
    params:
        fasta=config["reference"]["fasta"],
        gene=config["gene"],
    script:
        "../scripts/check_reference.py"


rule bwa_index:
    input:
        fasta="results/reference/genome.fa",
        checked=ancient("results/reference/reference_checked.txt"),
    output:
        multiext("results/reference/genome.fa", ".amb", ".ann", ".bwt", ".pac", ".sa"),
    log:
        "results/logs/bwa_index.log",
    benchmark:
        "results/benchmarks/bwa_index.tsv"
    # Only a lack of memory or time can make this fail and then pass (by_attempt).
    conda:
        "../envs/bwa.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(8000),
        runtime=by_attempt(120),
    params:
        source=config["reference"]["fasta"],
    shell:
        '(set -e; src="$(realpath {params.source:q})"; '
        'if [ -s "$src.bwt" ] && [ -s "$src.sa" ]; then '
        '  for ext in amb ann bwt pac sa; do ln -sfn "$src.$ext" {input.fasta:q}.$ext; done; '
        '  echo "reusing the bwa index beside $src"; '
        "else bwa index {input.fasta:q}; fi) > {log:q} 2>&1"


rule cnvkit_access:
    input:
        fasta="results/reference/genome.fa",
    output:
        bed="results/reference/access.bed",
    log:
        "results/logs/cnvkit_access.log",
    benchmark:
        "results/benchmarks/cnvkit_access.tsv"
    conda:
        "../envs/cnvkit.yaml"
    shell:
        "cnvkit.py access {input.fasta:q} -o {output.bed:q} > {log:q} 2>&1"


# The automatic bin size follows the read pairs of the normals, counted by their input
# checks: the bins wait for no alignment, so every sample's chain from alignment to bin
# coverage runs unbroken (one cluster job per sample, the group "sample").
rule bins:
    input:
        access="results/reference/access.bed",
        checked=ancient("results/reference/reference_checked.txt"),
        fai="results/reference/genome.fa.fai",
        refflat=config["reference"]["refflat"],
        depth=bin_depth,
        exclude=exclusion_beds,
    output:
        target="results/reference/bins.target.bed",
        info="results/reference/bins.json",
    log:
        "results/logs/bins.log",
    benchmark:
        "results/benchmarks/bins.tsv"
    conda:
        "../envs/cnvkit.yaml"
    params:
        bins=config["bins"],
        gene=config["gene"],
        blacklists=BLACKLISTS,
    script:
        "../scripts/bins.py"


# Each bin's GC and repeat-masked fraction, read from the FASTA once (about a CPU minute on
# GRCh38) for the panel's reference and every normal's leave-one-out reference, which would
# otherwise each read it again (CNVkit computes them inside its reference command).
rule bin_content:
    input:
        bins="results/reference/bins.target.bed",
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
    output:
        "results/reference/bins.content.tsv",
    log:
        "results/logs/bin_content.log",
    benchmark:
        "results/benchmarks/bin_content.tsv"
    conda:
        "../envs/cnvkit.yaml"
    resources:
        mem_mb=by_attempt(2000),
        runtime=by_attempt(60),
    script:
        "../scripts/bin_content.py"
