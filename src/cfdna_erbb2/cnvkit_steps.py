"""CNVkit's WGS steps, run in-process through its Python API (cnvlib).

They do what ``cnvkit.py batch --method wgs`` does between coverage and calls: a pooled
reference with GC and repeat correction but no edge correction, ``fix`` without edge
correction, and CBS segmentation at p < 1e-6. Running them in one process per sample
saves CNVkit's start-up (about 1.7 s per command), which dominates at low depth.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: CBS significance threshold that ``cnvkit.py batch --method wgs`` uses.
WGS_CBS_THRESHOLD = 1e-6
#: Fewest covered bins worth segmenting; below this the sample has no usable data.
MIN_COVERED_BINS = 2

SEGMENT_HEADER = "chromosome\tstart\tend\tgene\tlog2\tprobes\n"


def build_reference(
    target_cnns: Sequence[str | Path],
    fasta: str | Path,
    bins_bed: str | Path,
    out: str | Path,
) -> int:
    """Write a CNVkit reference pooled from normals' bin coverages (flat without any).

    Returns the number of normals pooled.
    """
    from cnvlib import reference
    from skgenome import tabio

    if target_cnns:
        ref = reference.do_reference([str(p) for p in target_cnns], None, str(fasta), do_edge=False)
    else:
        logging.warning(
            "no normals: flat reference (every bin expected at log2 0; GC and repeat "
            "content still corrected)"
        )
        ref = reference.do_reference_flat(str(bins_bed), None, str(fasta))
    tabio.write(ref, str(out))
    return len(target_cnns)


def fix_and_segment(
    target_cnn: str | Path,
    reference_cnn: str | Path,
    sample_id: str,
    out_cnr: str | Path,
    out_cns: str | Path,
) -> int:
    """Copy ratios (.cnr) and CBS segments (.cns) of one sample; returns the segment count.

    A sample without covered bins (e.g. no reads) gets its .cnr and an empty .cns, so the
    ERBB2 step can report it as not evaluable instead of the run failing.
    """
    from cnvlib import fix, segmentation
    from cnvlib.cmdutil import read_cna
    from cnvlib.cnary import CopyNumArray
    from skgenome import tabio

    target = read_cna(str(target_cnn), sample_id=sample_id)
    cnarr = fix.do_fix(target, CopyNumArray([]), read_cna(str(reference_cnn)), do_edge=False)
    tabio.write(cnarr, str(out_cnr))
    depth = cnarr["depth"] if "depth" in cnarr else np.ones(len(cnarr))
    covered = int((np.isfinite(cnarr["log2"]) & (np.asarray(depth) > 0)).sum())
    if covered < MIN_COVERED_BINS:
        logging.warning("%s: only %d covered bins: not segmented", sample_id, covered)
        Path(out_cns).write_text(SEGMENT_HEADER)
        return 0
    segments = segmentation.do_segmentation(cnarr, "cbs", threshold=WGS_CBS_THRESHOLD)
    tabio.write(segments, str(out_cns))
    return len(segments)
