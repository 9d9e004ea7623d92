"""Small I/O helpers shared by every table the package writes or reads.

One way to write a table (tab-separated, booleans ``true``/``false``, floats to 6 significant
digits, missing values as empty cells, ``\\n`` line ends), written atomically (a temporary
file in the target folder, then a rename) with the usual file mode (0644 less the umask);
one strict boolean parser; one FASTA-index reader.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

#: Text read as true / false in a table cell (any case).
TRUE_TEXT = frozenset({"true", "1", "1.0"})
FALSE_TEXT = frozenset({"false", "0", "0.0"})
#: Text read as a missing value.
MISSING_TEXT = frozenset({"", "nan", "na", "<na>", "none"})


def cell_text(value: object) -> str:
    """A table cell as a stripped string ('' for missing: None, NA, NaN)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def parse_bool(value: object) -> bool | None:
    """True/False for true/false, True/False, 1/0 (any case); None when missing.

    Raises ValueError for any other text: an unknown word is never read as False.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = cell_text(value).lower()
    if text in MISSING_TEXT:
        return None
    if text in TRUE_TEXT:
        return True
    if text in FALSE_TEXT:
        return False
    raise ValueError(f"{cell_text(value)!r} is not a boolean (use true/false or 1/0)")


def tsv_text(table: pd.DataFrame) -> str:
    """A table as TSV text: booleans true/false, floats %.6g, missing values empty."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = np.where(out[col], "true", "false")
    return str(
        out.to_csv(sep="\t", index=False, na_rep="", float_format="%.6g", lineterminator="\n")
    )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_texts(texts: Mapping[str | Path, str]) -> list[Path]:
    """Write each text to its path atomically; all renames happen after all writes.

    A reader never sees a half-written file, and a failure leaves no temporary files.
    Files get mode 0666 less the umask, as an ordinary ``open()`` would give them.
    """
    mode = 0o666 & ~_umask()
    temps: list[tuple[str, Path]] = []
    try:
        for target, text in texts.items():
            path = Path(target)
            if path.is_dir():
                raise IsADirectoryError(f"{path} is a folder, not a file to write")
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            temps.append((tmp, path))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            Path(tmp).chmod(mode)
        for tmp, path in temps:
            Path(tmp).replace(path)
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(FileNotFoundError):
                Path(tmp).unlink()
    return [Path(p) for p in texts]


def write_tsv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` as TSV (:func:`tsv_text`) to ``path``, atomically."""
    return write_texts({path: tsv_text(table)})[0]


def read_fai(fai: str | Path) -> dict[str, int]:
    """Contig name -> length (bp) from a FASTA index (.fai), in file order."""
    contigs: dict[str, int] = {}
    with Path(fai).open() as fh:
        for line in fh:
            if not line.strip():
                continue
            name, length = line.split("\t")[:2]
            contigs[name] = int(length)
    return contigs


def fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals as a reason prints it: never '-0.0' (a value that
    rounds to zero is 0, whatever its sign)."""
    words = f"{value:.{digits}f}"
    return words[1:] if words.startswith("-") and float(words) == 0 else words
