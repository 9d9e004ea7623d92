"""Genome-wide CNVkit bins, labelled with gene names, with a size that follows the depth."""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfdna_erbb2.bins import build_bins, read_exclusions
from cfdna_erbb2.contigs import choose_contigs
from cfdna_erbb2.refflat import check_gene_matches_build
from cfdna_erbb2.smk import script_log
from cfdna_erbb2.tsv import read_fai

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

with script_log(snakemake.log[0]) as log:
    build = check_gene_matches_build(
        snakemake.input.refflat, snakemake.input.fai, snakemake.params.gene
    )
    print(f"genome build: {build or 'not a known human build'}", file=log, flush=True)
    # Read pairs of the samples that set an automatic size, counted by their input checks.
    pairs = [json.loads(Path(p).read_text())["read_pairs"] for p in snakemake.input.depth]
    settings = snakemake.params.bins
    choice = choose_contigs(list(read_fai(snakemake.input.fai)), settings["contigs"])
    print(choice.summary(), file=log, flush=True)
    if settings["exclude"] == "auto":
        beds = [snakemake.params.blacklists[build]] if build in snakemake.params.blacklists else []
    else:
        beds = list(snakemake.input.exclude)
    exclude = read_exclusions(beds, choice.chosen)
    print(f"excluded: {len(exclude)} regions from {beds or 'no file'}", file=log, flush=True)
    info = build_bins(
        snakemake.input.access,
        snakemake.input.refflat,
        snakemake.params.gene,
        snakemake.params.bins,
        pairs,
        snakemake.output.target,
        min_read_pairs=int(snakemake.config["erbb2"]["min_read_pairs"]),
        contigs=choice.chosen,
        exclude=exclude,
    )
    print(
        f"bin size {info.bin_size} bp ({info.how}); accessible genome {info.accessible_bp} bp; "
        f"{info.n_bins} bins, {info.gene_bins} labelled {snakemake.params.gene}",
        file=log,
    )
    Path(snakemake.output.info).write_text(json.dumps(info.to_dict(), indent=1) + "\n")
