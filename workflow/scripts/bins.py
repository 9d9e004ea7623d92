"""Genome-wide CNVkit bins, labelled with gene names, with a size that follows the depth."""

import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.cnvio import gene_mask
from cfdna_erbb2.qc import accessible_length, auto_bin_size
from cfdna_erbb2.refflat import check_gene_matches_build

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    params = snakemake.params.bins
    build = check_gene_matches_build(
        snakemake.input.refflat, snakemake.input.fai, snakemake.params.gene
    )
    print(f"genome build: {build or 'not a known human build'}", file=log, flush=True)
    accessible = accessible_length(snakemake.input.access)
    pairs = [json.loads(Path(p).read_text())["read_pairs"] for p in snakemake.input.qc]
    if str(params["size"]) == "auto":
        size = auto_bin_size(
            pairs, accessible, params["reads_per_bin"], params["min_size"], params["max_size"]
        )
        how = f"auto: {params['reads_per_bin']} read pairs per bin, median of {len(pairs)} samples"
    else:
        size = int(params["size"])
        how = "set in config"
    print(f"bin size {size} bp ({how}); accessible genome {accessible} bp", file=log, flush=True)
    subprocess.run(
        [
            "cnvkit.py", "target", snakemake.input.access, "--split", "--avg-size", str(size),
            "--annotate", snakemake.input.refflat, "-o", snakemake.output.target,
        ],
        check=True, stdout=log, stderr=log,
    )  # fmt: skip
    labels = [
        line.split("\t")[3].strip()
        for line in Path(snakemake.output.target).read_text().splitlines()
    ]
    n_gene = int(gene_mask(labels, snakemake.params.gene).sum()) if labels else 0
    if n_gene == 0:
        sys.exit(
            f"no bin is labelled {snakemake.params.gene}: check the refFlat "
            f"({snakemake.input.refflat}) and that its chromosome names match the FASTA"
        )
    Path(snakemake.output.info).write_text(
        json.dumps(
            {"bin_size": size, "how": how, "accessible_bp": accessible, "n_bins": len(labels),
             "gene_bins": n_gene, "depth_read_pairs": pairs},
            indent=1,
        ) + "\n"
    )  # fmt: skip
