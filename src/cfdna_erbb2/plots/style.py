"""What every figure shares: sizes, resolution, palette, response colours, table readers.

Figures are drawn on their own :class:`matplotlib.figure.Figure` (no pyplot, no global
state, the Agg renderer) at a fixed size in inches and :data:`DPI` dots per inch, so a
picture's pixel size does not depend on its data.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
chosen to stay distinguishable with the common colour-vision deficiencies; where colour
carries a meaning, marker shape or text carries it too. One colour, one meaning, in every
figure and on the report's table pages:

- each molecular-response class has its colour (:data:`RESPONSE_LOOK`: green undetectable,
  blue reduced, vermillion persistent, purple not amplified at baseline, dark grey not
  evaluable), used for nothing else;
- an ERBB2 call is a marker shape and fill (:data:`CALL_MARKER`: filled circle amplified,
  open circle not amplified, cross not evaluable), drawn in the colour of the draw's response
  (black for a baseline), so "amplified" never borrows a response colour; "not evaluable" is
  dark grey wherever it is drawn;
- orange is ERBB2 itself (the gene, and the loss of its amplified clone), sky blue the
  tumour fraction, black a threshold or the sample's own data, greys the panel of normals,
  diploid and context.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from .. import RESPONSE_CLASSES
from ..errors import InputError
from ..response import not_evaluable_cause

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
    """Marker of a draw's ERBB2 call: shape and fill carry the call, never a colour."""

    marker: str
    filled: bool


#: Marker per call of one draw (:func:`call_of`).
CALL_MARKER: dict[str, Marker] = {
    "amplified": Marker("o", True),
    "not amplified": Marker("o", False),
    "not evaluable": Marker("X", True),
}
#: Colour of whatever is not evaluable (a draw, its call, its response): one meaning.
NOT_EVALUABLE = RESPONSE_LOOK["not_evaluable"]


def call_style(call: str, colour: str = BLACK) -> dict[str, Any]:
    """Matplotlib marker arguments of a draw's ``call`` (a key of :data:`CALL_MARKER`) in
    ``colour`` (its response's; black for a baseline); a not-evaluable draw is always in the
    not-evaluable colour."""
    look = CALL_MARKER[call]
    if call == "not evaluable":
        colour = NOT_EVALUABLE.colour
    face = colour if look.filled else "white"
    return {"marker": look.marker, "color": colour, "mfc": face, "mew": 1.8}


#: Two-sided 95% normal quantile, for the interval around a log2 estimate.
Z95 = 1.959964


def pcn_interval(log2: np.ndarray, se_log2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 95% interval (pCN, copies per diploid genome) of a copy number measured as
    ``log2`` with standard error ``se_log2``: ``2 * 2**(log2 ± 1.96 se)``."""
    log2, se_log2 = np.asarray(log2, dtype=float), np.asarray(se_log2, dtype=float)
    return DIPLOID_PCN * np.exp2(log2 - Z95 * se_log2), DIPLOID_PCN * np.exp2(log2 + Z95 * se_log2)


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


def not_evaluable_words(reason: str, width: int = 0, lines: int = 1) -> str:
    """Why a draw is not evaluable, as a figure says it: the calls table's ``reason`` without
    its "not evaluable:" lead (:func:`cfdna_erbb2.response.not_evaluable_cause`). With
    ``width`` (characters), wrapped on at most ``lines`` lines, the rest cut at a word
    boundary and marked with an ellipsis, never mid-word nor before a dangling separator."""
    words = not_evaluable_cause(reason)
    if not width:
        return words
    wrapped = textwrap.wrap(words, width=width, break_long_words=False)
    if len(wrapped) <= lines:
        return "\n".join(wrapped)
    kept = wrapped[:lines]
    kept[-1] = kept[-1].rstrip(" ;,:(") + "…"
    return "\n".join(kept)


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
