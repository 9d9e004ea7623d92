"""A CNVkit reference from normals' bin coverages, or a flat one when there are none."""

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

targets = list(snakemake.input.target)
with Path(snakemake.log[0]).open("w") as log:
    cmd = ["cnvkit.py", "reference", "-f", snakemake.input.fasta, "--no-edge",
           "-o", snakemake.output[0]]  # fmt: skip
    if targets:
        cmd[2:2] = targets + list(snakemake.input.antitarget)
        print(f"reference pooled from {len(targets)} normal(s)", file=log, flush=True)
    else:
        cmd += ["-t", snakemake.input.bins, "-a", snakemake.input.antibins]
        print(
            "WARNING: no normals for this reference: flat reference (every bin expected at "
            "log2 0, GC and repeat content still corrected)",
            file=log,
            flush=True,
        )
    result = subprocess.run(cmd, stdout=log, stderr=log, check=False)
    if result.returncode:
        sys.exit(result.returncode)
