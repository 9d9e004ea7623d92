"""ERBB2 (HER2) amplification and molecular response from serial cell-free DNA."""

from __future__ import annotations

__version__ = "0.1.0"

#: Gene whose amplification the pipeline measures (HGNC symbol).
GENE = "ERBB2"

#: Response classes, in the order reports list them.
RESPONSE_CLASSES = ("reduced", "undetectable", "persistent", "baseline_negative", "not_evaluable")
