"""The panel of normals' ERBB2 values (each measured against a reference without it)."""

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # injected by Snakemake when it runs the script
    snakemake: Any

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1] / "src"))

from cfdna_erbb2.calls import panel_table, write_table

with Path(snakemake.log[0]).open("w") as log:
    sys.stderr = log
    paths = dict(zip(snakemake.params.normals, snakemake.input.cnr, strict=True))
    table = panel_table(paths, snakemake.params.gene)
    write_table(table, snakemake.output[0])
    print(table.to_string(), file=log)
