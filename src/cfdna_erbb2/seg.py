"""All samples' copy-number segments in one SEG file, for IGV.

SEG is the segment format of IGV and GenePattern: one row per segment, samples one after
another, the sample ID in the first column. The table is the one ``cnvkit.py export seg``
writes (cnvlib.export.export_seg), column for column: ``ID``, ``chrom``, ``loc.start``
(1-based, CNVkit's 0-based start + 1), ``loc.end`` (CNVkit's end: 1-based, inclusive),
``num.mark`` (bins in the segment, CNVkit's ``probes``) and ``seg.mean`` (the segment's log2
copy ratio). Chromosome names are kept as they are (CNVkit's default, without
``--enumerate-chroms``). IGV opens the file as one track per sample.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from .cnvio import read_segments
from .tsv import write_tsv

#: SEG columns in CNVkit's order (``num.mark`` only when the segments count their bins).
SEG_COLUMNS = ("ID", "chrom", "loc.start", "loc.end", "num.mark", "seg.mean")


def seg_table(segments: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One SEG table from sample ID -> that sample's CNVkit segments (.cns columns
    ``chromosome``, ``start``, ``end``, ``log2`` and, optionally, ``probes``), samples in
    the mapping's order and each sample's segments in their own order."""
    with_marks = bool(segments) and all("probes" in t.columns for t in segments.values())
    columns = [c for c in SEG_COLUMNS if with_marks or c != "num.mark"]
    parts = []
    for sample, table in segments.items():
        part = pd.DataFrame(
            {
                "ID": sample,
                "chrom": table["chromosome"].astype(str),
                "loc.start": table["start"].astype("int64") + 1,
                "loc.end": table["end"].astype("int64"),
                "seg.mean": table["log2"].astype(float),
            }
        )
        if with_marks:
            part["num.mark"] = table["probes"].astype("int64")
        parts.append(part[columns])
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


def write_cohort_seg(
    cns_paths: Sequence[str | Path], samples: Sequence[str], out: str | Path
) -> int:
    """Write the SEG file of ``samples`` (one .cns each, in the same order) to ``out``;
    returns the number of segments written."""
    if len(cns_paths) != len(samples):
        raise ValueError(f"{len(cns_paths)} segment files for {len(samples)} samples")
    table = seg_table(
        {sample: read_segments(path) for sample, path in zip(samples, cns_paths, strict=True)}
    )
    write_tsv(table, out)
    return len(table)
