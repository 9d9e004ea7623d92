# Reference preparation, once per study folder: written under results/reference/, so a
# read-only reference folder is fine. A bwa index or .fai beside the FASTA is reused.


rule reference_genome:
    input:
        fasta=config["reference"]["fasta"],
    output:
        fasta="results/reference/genome.fa",
        fai="results/reference/genome.fa.fai",
    log:
        "results/logs/reference_genome.log",
    conda:
        "../envs/samtools.yaml"
    shell:
        '(ln -sfn "$(realpath {input.fasta})" {output.fasta} && '
        'if [ -s {input.fasta}.fai ]; then ln -sfn "$(realpath {input.fasta}.fai)" {output.fai}; '
        "else samtools faidx {output.fasta}; fi) > {log} 2>&1"


rule bwa_index:
    input:
        fasta="results/reference/genome.fa",
    output:
        multiext("results/reference/genome.fa", ".amb", ".ann", ".bwt", ".pac", ".sa"),
    log:
        "results/logs/bwa_index.log",
    conda:
        "../envs/bwa.yaml"
    threads: 1
    resources:
        mem_mb=by_attempt(8000),
        runtime=by_attempt(120),
    params:
        source=config["reference"]["fasta"],
    shell:
        '(set -e; src="$(realpath {params.source})"; '
        'if [ -s "$src.bwt" ] && [ -s "$src.sa" ]; then '
        '  for ext in amb ann bwt pac sa; do ln -sfn "$src.$ext" {input.fasta}.$ext; done; '
        "  echo reusing the bwa index beside $src; "
        "else bwa index {input.fasta}; fi) > {log} 2>&1"


rule cnvkit_access:
    input:
        fasta="results/reference/genome.fa",
    output:
        bed="results/reference/access.bed",
    log:
        "results/logs/cnvkit_access.log",
    conda:
        "../envs/cnvkit.yaml"
    shell:
        "cnvkit.py access {input.fasta} -o {output.bed} > {log} 2>&1"


rule bins:
    input:
        access="results/reference/access.bed",
        fai="results/reference/genome.fa.fai",
        refflat=config["reference"]["refflat"],
        qc=bin_depth_qc,
    output:
        target="results/reference/bins.target.bed",
        info="results/reference/bins.json",
    log:
        "results/logs/bins.log",
    conda:
        "../envs/cnvkit.yaml"
    params:
        bins=config["bins"],
        gene=config["gene"],
    script:
        "../scripts/bins.py"
