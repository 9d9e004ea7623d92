"""The GC-bias curve of a sample's copy ratios is learned away from the gene
(:func:`cfdna_erbb2.cnvkit_steps.gc_curve_without`): a GC-rich amplicon that CNVkit's own
curve partly absorbs keeps its level; everything else is CNVkit's correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cnvlib import fix
from cnvlib.cnary import CopyNumArray

from cfdna_erbb2.cnvkit_steps import GC_EXCLUDE_BP, gc_curve_without, gene_region

BIN = 30_000
N = 700  # a small genome's bins, as in the benchmark at 2x
AMP = (300, 316)  # 16 bins, about 500 kb
LEVEL = 0.6  # the amplicon's true log2


def _sample(seed: int) -> tuple[CopyNumArray, np.ndarray]:
    """Bins on one chromosome with a smooth GC bias, noise, and a GC-rich amplicon."""
    rng = np.random.default_rng(seed)
    gc = rng.uniform(0.35, 0.55, N)
    gc[AMP[0] : AMP[1]] = rng.uniform(0.545, 0.555, AMP[1] - AMP[0])  # GC-rich, alike
    start = np.arange(N) * BIN
    truth = np.zeros(N)
    truth[AMP[0] : AMP[1]] = LEVEL
    gene = np.full(N, "-", dtype=object)
    gene[308] = "ERBB2"
    log2 = truth + 3.0 * (gc - 0.45) ** 2 - 0.4 * (gc - 0.45) + rng.normal(0, 0.05, N)
    data = pd.DataFrame(
        {"chromosome": "chr17", "start": start, "end": start + BIN, "gene": gene, "log2": log2}
    )
    return CopyNumArray(data), gc


def _amplicon(cnarr: CopyNumArray) -> float:
    return float(cnarr.data["log2"].to_numpy()[AMP[0] : AMP[1]].mean())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_amplicon_keeps_its_level(seed: int) -> None:
    cnarr, gc = _sample(seed)
    frac = max(0.01, N**-0.5)  # CNVkit's window fraction
    own = fix.center_by_window(cnarr, frac, gc)
    region = gene_region(cnarr.data, "ERBB2")
    with gc_curve_without(region):
        learned_away = fix.center_by_window(cnarr, frac, gc)
    # CNVkit's own curve absorbs part of the amplicon (its bins fill their GC window) ...
    assert _amplicon(own) < LEVEL - 0.05
    # ... the curve learned away from the gene does not: the level within noise (0.05 /
    # sqrt(16) = 0.0125) and the curve's own error at that GC.
    assert _amplicon(learned_away) == pytest.approx(LEVEL, abs=0.04)
    # Away from the amplicon both corrections flatten the GC bias alike.
    outside = np.r_[0 : AMP[0] - 150, AMP[1] + 150 : N]
    assert np.std(learned_away.data["log2"].to_numpy()[outside]) < 0.06


def test_without_a_region_or_outside_it_cnvkit_is_unchanged() -> None:
    cnarr, gc = _sample(4)
    frac = max(0.01, N**-0.5)
    own = fix.center_by_window(cnarr, frac, gc).data
    with gc_curve_without(None):
        same = fix.center_by_window(cnarr, frac, gc).data
    pd.testing.assert_frame_equal(own, same)
    with gc_curve_without(("chr1", 0, 1_000_000)):  # no bin there
        same = fix.center_by_window(cnarr, frac, gc).data
    pd.testing.assert_frame_equal(own, same)


def test_the_block_restores_cnvkit() -> None:
    own = fix.center_by_window
    with pytest.raises(RuntimeError), gc_curve_without(("chr17", 0, 10)):
        assert fix.center_by_window is not own
        raise RuntimeError
    assert fix.center_by_window is own


def test_gene_region() -> None:
    cnarr, _ = _sample(5)
    chrom, start, end = gene_region(cnarr.data, "ERBB2") or ("", 0, 0)
    assert chrom == "chr17"
    assert start == 308 * BIN - GC_EXCLUDE_BP and end == 309 * BIN + GC_EXCLUDE_BP
    assert gene_region(cnarr.data, "GRB7") is None
