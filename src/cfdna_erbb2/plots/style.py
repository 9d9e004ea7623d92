"""What every figure shares: sizes, resolution, palette, response colours, table readers.

Figures are drawn on their own :class:`matplotlib.figure.Figure` (no pyplot, no global
state, the Agg renderer) at a fixed size in inches and :data:`DPI` dots per inch, so a
picture's pixel size does not depend on its data.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
chosen to stay distinguishable with the common colour-vision deficiencies; where colour
carries a meaning, marker shape or text carries it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from .. import RESPONSE_CLASSES
from ..errors import InputError

#: Resolution of every picture, dots per inch.
DPI = 120

#: Figure sizes in inches (width, height); pixel size = inches * DPI.
SIZE_TRAJECTORY = (8.0, 6.5)
SIZE_COHORT = (8.0, 6.0)
SIZE_GENOME = (10.0, 7.0)
SIZE_FRAGMENTS = (8.0, 4.5)
SIZE_QC = (10.0, 5.5)

# Okabe & Ito (2008), Color Universal Design, https://jfly.uni-koeln.de/color/
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
GREY = "#999999"
DARK_GREY = "#555555"
LIGHT_GREY = "#DDDDDD"

#: Diploid plasma copy number (pCN): copies per diploid genome with no tumour signal.
DIPLOID_PCN = 2.0


class Look(NamedTuple):
    """How a figure shows a category: its colour and the words a reader sees."""

    colour: str
    words: str


# Deepest response first: the order in which figures list the classes.
_RESPONSE_LOOK = {
    "undetectable": Look(GREEN, "undetectable"),
    "reduced": Look(BLUE, "reduced"),
    "persistent": Look(VERMILLION, "persistent"),
    "baseline_negative": Look(PURPLE, "not amplified at baseline"),
    "not_evaluable": Look(DARK_GREY, "not evaluable"),
}
if set(_RESPONSE_LOOK) != set(RESPONSE_CLASSES):  # a new class must get a colour here
    raise ImportError(
        f"plots.style colours {sorted(_RESPONSE_LOOK)}, "
        f"but the response classes are {sorted(RESPONSE_CLASSES)}"
    )
#: Colour and words of each molecular-response class of :data:`cfdna_erbb2.RESPONSE_CLASSES`.
RESPONSE_LOOK: dict[str, Look] = {klass: _RESPONSE_LOOK[klass] for klass in RESPONSE_CLASSES}
#: The response classes in the order figures list them: deepest response first.
RESPONSE_ORDER: tuple[str, ...] = tuple(_RESPONSE_LOOK)
#: A patient without an on-treatment draw (empty ``early_response``).
NO_EARLY = Look(GREY, "no on-treatment draw")
#: The tumour fraction (trajectory's lower panel).
TF_LOOK = Look(SKY_BLUE, "tumour fraction")
#: An ``undetectable`` or ``reduced`` draw explained as the loss of the ERBB2-amplified clone
#: (timepoints/patients ``explanation`` ``erbb2_clone_lost``): the tumour persists, HER2 is gone.
CLONE_LOST = Look(ORANGE, "ERBB2 clone lost, tumour fraction kept")
#: Words of each explanation of an ``undetectable`` or ``reduced`` draw.
EXPLANATION_WORDS = {
    "tumour_fraction_fell": "tumour fraction fell",
    "erbb2_clone_lost": "ERBB2 clone lost",
    "undetermined": "cause undetermined",
}


class Marker(NamedTuple):
    """Marker of a draw's ERBB2 call: shape and fill carry the call, colour repeats it."""

    marker: str
    colour: str
    face: str


#: Marker per call of one draw (:func:`call_of`).
CALL_MARKER: dict[str, Marker] = {
    "amplified": Marker("o", VERMILLION, VERMILLION),
    "not amplified": Marker("o", BLUE, "white"),
    "not evaluable": Marker("X", DARK_GREY, DARK_GREY),
}

_SAVE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


# --- reading tables by column name ------------------------------------------------------------


def require(table: pd.DataFrame, columns: Iterable[str], *, table_name: str, plot: str) -> None:
    """Raise InputError naming the first column of ``columns`` missing from ``table``.

    The error names the picture (``plot``) and, when ``table.attrs["path"]`` holds the
    table's source file, that file.
    """
    for column in columns:
        if column not in table.columns:
            raise InputError(
                table.attrs.get("path"),
                f"{plot} needs column '{column}' in the {table_name} table "
                f"(columns present: {', '.join(map(str, table.columns)) or 'none'})",
                field=column,
            )


def numbers(values: pd.Series) -> np.ndarray:
    """A column as float64, non-numbers and empty cells as NaN."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def flags(values: pd.Series) -> np.ndarray:
    """A boolean column read from TSV ('True', 'true', '1', 'yes') or already boolean."""
    if pd.api.types.is_bool_dtype(values):
        return values.fillna(False).to_numpy(dtype=bool)
    text = values.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "yes", "t", "1.0"]).to_numpy(dtype=bool)


def text(values: pd.Series) -> pd.Series:
    """A text column with missing cells as '' and surrounding spaces removed."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def call_of(amplified: bool, evaluable: bool) -> str:
    """A draw's ERBB2 call in words: 'amplified', 'not amplified' or 'not evaluable'."""
    if not evaluable:
        return "not evaluable"
    return "amplified" if amplified else "not amplified"


def calls_made(calls: pd.DataFrame) -> list[str]:
    """The call (:func:`call_of`) of every row of a calls table (amplified, evaluable)."""
    return [
        call_of(a, e)
        for a, e in zip(flags(calls["amplified"]), flags(calls["evaluable"]), strict=True)
    ]


def normal_range(calls: pd.DataFrame) -> tuple[float, float, int] | None:
    """(min, max, n) of the panel of normals' ERBB2 pCN, or None without normals."""
    kind = text(calls["kind"])
    pcn = numbers(calls["erbb2_pcn"])[(kind == "normal").to_numpy()]
    pcn = pcn[np.isfinite(pcn)]
    if pcn.size == 0:
        return None
    return float(pcn.min()), float(pcn.max()), int(pcn.size)


# --- figures ----------------------------------------------------------------------------------


def new_figure(size: tuple[float, float]) -> Figure:
    """An empty figure of ``size`` inches at :data:`DPI`, laid out by matplotlib."""
    return Figure(figsize=size, dpi=DPI, layout="constrained")


def save(fig: Figure, out: str | Path) -> Path:
    """Write ``fig`` in the format named by the suffix of ``out`` (png, svg, pdf); release it."""
    path = Path(out)
    fmt = _SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"{path}: unsupported picture format '{path.suffix}' (use .png, .svg or .pdf)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # No creation date in SVG/PDF and fixed SVG element ids (matplotlib salts them at random
    # otherwise), so the same data give the same file.
    metadata: dict[str, str | None] = {}
    if fmt == "svg":
        metadata = {"Date": None}
    elif fmt == "pdf":
        metadata = {"CreationDate": None}
    with rc_context({"svg.hashsalt": "cfdna_erbb2"}):
        fig.savefig(path, format=fmt, dpi=DPI, metadata=metadata)
    fig.clear()
    return path
