"""Molecular response of plasma ERBB2 amplification across a patient's serial draws.

The signal is the ERBB2 *excess over diploid*, pCN - 2 (copies per diploid genome), which is
proportional to tumour fraction x (tumour copies - 2): measured on the baseline's amplicon
(``locus_pcn`` of the baseline and of each later draw, measured in the same bins) when the
baseline's call rests on one and every evaluable later draw was measured there, else on the
gene bins (``erbb2_pcn``); column ``excess_measured_on`` says which (:func:`_on_amplicon`).
Per patient the earliest plasma draw is the baseline; every later draw is classified against
it as one of :data:`cfdna_erbb2.RESPONSE_CLASSES`:

``reduced``
    still amplified, and the excess has fallen by at least ``reduction`` (default half).
``undetectable``
    no longer called amplified, by a draw that could have detected an excess of
    ``undetectable_level`` x the baseline excess (its ``lod_pcn - 2`` is at most that).
``persistent``
    still amplified with a smaller fall, or a rise (flagged in column ``rise``).
``baseline_negative``
    the baseline is evaluable but not amplified: there is no amplification to follow.
``not_evaluable``
    the baseline or the draw is not evaluable, or the draw is negative but too shallow or
    noisy to have seen the amplification at the reduced level (a negative call that could not
    have been positive is not a molecular response).

Why an ``undetectable`` or ``reduced`` draw fell (column ``explanation``), from the tumour
fraction (TF) of the calls table (:mod:`cfdna_erbb2.tumour_fraction`): the plasma excess is
TF x (C - 2), so it falls when the tumour shrinks (TF falls, C kept) or when the tumour's
ERBB2 copies C fall (the amplified clone is lost while the tumour persists, a known escape
under anti-HER2 therapy). With the baseline's TF and tumour copies C0 (and their 95%
intervals), the excess the draw would show had the tumour kept its copies is
X = TF_draw x (C0 - 2); X_low uses the lower bounds of both. What the draw shows, S, is its
excess (``reduced``) or, for ``undetectable``, the most it could have missed (its
``lod_pcn - 2``). The draw's TF interval is its own 95% interval when its genome-wide TF is
detected; else its tumour-informed interval (``tf_informed_low``-``tf_informed_high``, the
draw measured on its baseline's copy-number states, :mod:`cfdna_erbb2.tf_informed`), which
stays informative far below the genome-wide detection limit (and then X is the draw's TF
ratio to the baseline's, ``tf_ratio_low``-``tf_ratio_high``, times the baseline's excess:
TF x (C0 - 2) scaled, free of any error in the baseline's TF, and TF fell when
``tf_ratio_high`` < 1); else 0 to its own upper limit
``tf_high`` (how large TF could be given the changes the draw shows). Without any of these
(an older table) an undetected TF cannot show a fall: "not detected" is not "below the
floor".

``erbb2_clone_lost``
    TF detected at the draw (genome-wide or on the baseline's states), and
    X_low >= ``clone_loss_margin`` x S: even the least favourable reading of the kept
    amplification would have given at least that multiple of what is seen (for
    ``undetectable``: easily above the draw's detection limit).
``tumour_fraction_fell``
    TF clearly fell (the draw's upper bound, detected or not, below the baseline's lower
    bound), and X_low <= S: the TF fall can account for the whole ERBB2
    fall (TF fell by at least the same proportion as the excess, within their errors).
``undetermined``
    TF not estimable at baseline (not detected, not evaluable, or a calls table without
    tumour-fraction columns) or at the draw, no tumour copies at baseline, or neither
    reading clear (the reason gives X and S).

Other responses get an empty explanation. This module is pure computation on tables;
:func:`read_calls` is the one reader.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd

from . import RESPONSE_CLASSES
from .cohort import baseline_of
from .errors import InputError, Problems
from .samples import check_day, read_sheet_table
from .tsv import MISSING_TEXT, cell_text, fixed, parse_bool, tsv_text, write_texts

#: Minimum fractional fall of the ERBB2 excess over diploid for "reduced". Guardant's ctDNA
#: molecular response is a decrease of more than 50% between baseline and on-treatment
#: (Thompson et al., JCO Precis Oncol 2021); NSABP FB-10 (Abraham et al., J Clin Oncol 2019)
#: reported early cfDNA ERBB2 "reduction" or "undetectable amplification" in responders.
DEFAULT_REDUCTION = 0.5

#: A negative on-treatment draw counts as "undetectable" only if it could have detected an
#: excess of this fraction of the baseline excess, i.e. the amplification at the reduced
#: level (half of baseline, after the same Guardant >50% definition, Thompson 2021), so that
#: "undetectable" implies at least the fall that "reduced" requires.
DEFAULT_UNDETECTABLE_LEVEL = 1.0 - DEFAULT_REDUCTION

#: Diploid copy number: the plasma copy number of a genome without the amplification.
DIPLOID = 2.0

#: ``erbb2_clone_lost`` needs the kept amplification's expected excess (at the lower bounds
#: of the draw's TF and of the baseline's tumour copies) to be at least this multiple of what
#: the draw shows. For an ``undetectable`` draw that is its detectable excess, which lies
#: z_min (5) standard errors above diploid: twice it is 10 SE, missed by chance with
#: probability below 1e-6 (Gaussian), and the factor also absorbs what the comparison
#: simplifies (the draw's centring read as 2 copies). For a ``reduced`` draw: the tumour's
#: ERBB2 excess at most halved, the same factor as the Guardant >50% fall (Thompson 2021).
DEFAULT_CLONE_LOSS_MARGIN = 2.0

#: The responses whose fall is explained (column ``explanation``), and the explanations.
EXPLAINED_RESPONSES = ("undetectable", "reduced")
EXPLANATIONS = ("tumour_fraction_fell", "erbb2_clone_lost", "undetermined")

#: Optional tumour-fraction columns of the calls table (cfdna_erbb2.calls.TF_COLUMNS); a table
#: without them (made before tumour fraction was estimated) reads as TF not estimable.
TF_FLOAT_COLUMNS = (
    "tumour_fraction", "tf_low", "tf_high", "tf_floor", "erbb2_tumour_copies",
    "erbb2_tumour_copies_low", "erbb2_tumour_copies_high",
    "tf_informed", "tf_informed_low", "tf_informed_high", "tf_ratio", "tf_ratio_low",
    "tf_ratio_high",
)  # fmt: skip
TF_BOOL_COLUMNS = ("tf_detected", "tf_evaluable", "tf_informed_detected")
#: Optional columns of the locus the call rests on (cfdna_erbb2.erbb2): its plasma copy number
#: and where it came from. With them, a patient's excesses are measured on the baseline's
#: amplicon (:func:`_on_amplicon`); without them (an older or foreign table), on the gene bins.
LOCUS_COLUMNS = ("locus_pcn", "locus_source")
#: Locus sources of a baseline whose amplicon its later draws are measured in.
AMPLICON_SOURCES = ("segment", "scan", "baseline")
#: ``excess_measured_on`` values.
ON_AMPLICON, ON_GENE_BINS = "baseline_amplicon", "gene_bins"
#: tf_reason of every draw of a calls table without tumour-fraction columns.
NO_TF_COLUMNS = "the calls table has no tumour-fraction columns (made before they existed)"

#: Columns of the calls table this module needs (others are ignored).
REQUIRED_COLUMNS = (
    "sample",
    "patient",
    "kind",
    "timepoint",
    "erbb2_pcn",
    "amplified",
    "evaluable",
    "lod_pcn",
)

#: Columns of the timepoints table, in order (one row per on-treatment plasma draw).
TIMEPOINT_COLUMNS = (
    "patient",
    "sample",
    "timepoint",
    "baseline_sample",
    "baseline_timepoint",
    "days_since_baseline",
    "response",
    "erbb2_pcn",
    "baseline_excess",
    "excess",
    "fraction_remaining",
    "excess_measured_on",
    "rise",
    "amplified",
    "evaluable",
    "lod_excess",
    "reason",
    "baseline_tumour_fraction",
    "tumour_fraction",
    "explanation",
    "explanation_reason",
)

#: Columns of the patients table, in order (one row per patient with a plasma draw).
PATIENT_COLUMNS = (
    "patient",
    "baseline_sample",
    "baseline_timepoint",
    "baseline_evaluable",
    "baseline_amplified",
    "baseline_pcn",
    "baseline_excess",
    "excess_measured_on",
    "n_on_treatment",
    "early_sample",
    "early_timepoint",
    "early_response",
    "last_sample",
    "last_timepoint",
    "last_response",
    "reason",
    "baseline_tumour_fraction",
    "early_tumour_fraction",
    "last_tumour_fraction",
    "early_explanation",
    "early_explanation_reason",
    "last_explanation",
    "last_explanation_reason",
)

_KINDS = ("plasma", "normal")
_T = TypeVar("_T")


@dataclass(frozen=True)
class ResponseParams:
    """Thresholds of the response classification (both fractions, strictly in (0, 1)).

    ``reduction``: minimum fractional fall of the ERBB2 excess over diploid (pCN - 2, copies)
    from baseline for an amplified draw to be ``reduced`` (0.5: the excess at most halved).

    ``undetectable_level``: a draw that is no longer amplified is ``undetectable`` only if its
    detectable excess (``lod_pcn - 2``, copies) is at most this fraction of the baseline
    excess; otherwise it is ``not_evaluable``. It must not exceed ``1 - reduction``, so that
    "undetectable" always implies at least the fall that "reduced" requires.

    ``clone_loss_margin``: an ``undetectable`` or ``reduced`` draw is explained as
    ``erbb2_clone_lost`` only when the excess a tumour that kept its ERBB2 copies would give
    (lower bounds) is at least this multiple of what the draw shows (a number >= 1; see
    :data:`DEFAULT_CLONE_LOSS_MARGIN` and the module docstring).

    Invalid values raise :class:`InputError` naming the field.
    """

    reduction: float = DEFAULT_REDUCTION
    undetectable_level: float = DEFAULT_UNDETECTABLE_LEVEL
    clone_loss_margin: float = DEFAULT_CLONE_LOSS_MARGIN

    def __post_init__(self) -> None:
        margin = self.clone_loss_margin
        if isinstance(margin, bool) or not isinstance(margin, int | float):
            raise InputError(None, f"must be a number, got {margin!r}", field="clone_loss_margin")
        if not (math.isfinite(margin) and margin >= 1.0):
            raise InputError(
                None,
                f"must be a finite number of at least 1, got {margin:g}",
                field="clone_loss_margin",
            )
        for name in ("reduction", "undetectable_level"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InputError(None, f"must be a number, got {value!r}", field=name)
            if not 0.0 < value < 1.0:
                raise InputError(
                    None,
                    f"must be a fraction strictly between 0 and 1, got {value:g}",
                    field=name,
                )
        if self.undetectable_level > 1.0 - self.reduction:
            raise InputError(
                None,
                f"must be at most 1 - reduction = {1.0 - self.reduction:g} (got "
                f"{self.undetectable_level:g}): a draw that cannot see the amplification at the "
                "reduced level cannot show that it became undetectable",
                field="undetectable_level",
            )


# --- reading and validating the calls table ---------------------------------------------------


def _parse_float(value: object) -> float:
    """A number; NaN when empty; raises ValueError."""
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"{value!r} is not a number")
    text = cell_text(value)
    if text.lower() in MISSING_TEXT:
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def _parse_day(value: object) -> int | None:
    """An integer day within MAX_ABS_DAY; None when empty; raises ValueError (also for 22.5)."""
    text = cell_text(value)
    if text.lower() in MISSING_TEXT:
        return None
    try:
        day = int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not number.is_integer():
            raise ValueError(f"{text!r} is not an integer day") from None
        day = int(number)
    return check_day(day)


class _At(NamedTuple):
    """Where a calls-table record is: a line of the file, or a row of a table in memory."""

    path: str | Path | None
    number: int
    is_line: bool

    def __str__(self) -> str:
        return f"{'line' if self.is_line else 'row'} {self.number}"

    def error(self, message: str, field: str) -> InputError:
        """An InputError naming this record and ``field``."""
        if self.is_line:
            return InputError(self.path, message, line=self.number, field=field)
        return InputError(self.path, message, row=self.number, field=field)


def _parse(at: _At, field: str, parser: Callable[[object], _T], value: object) -> _T:
    """``parser(value)``, with a ValueError turned into an InputError naming record and field."""
    try:
        return parser(value)
    except ValueError as exc:
        raise at.error(str(exc), field) from None


def _row_values(at: _At, cell: dict[str, object], seen: dict[str, _At]) -> dict[str, object]:
    """The typed values of one calls-table row; checks the ID (unique) and the kind."""
    sample = cell_text(cell["sample"])
    if not sample:
        raise at.error("empty sample ID", "sample")
    if sample in seen:
        raise at.error(f"duplicate sample {sample!r} (also {seen[sample]})", "sample")
    seen[sample] = at
    kind = cell_text(cell["kind"]).lower()
    if kind not in _KINDS:
        raise at.error(
            f"unknown kind {cell_text(cell['kind'])!r}; use 'plasma' or 'normal'", "kind"
        )
    return {
        "sample": sample,
        "patient": cell_text(cell["patient"]),
        "kind": kind,
        "timepoint": _parse(at, "timepoint", _parse_day, cell["timepoint"]),
        "erbb2_pcn": _parse(at, "erbb2_pcn", _parse_float, cell["erbb2_pcn"]),
        "lod_pcn": _parse(at, "lod_pcn", _parse_float, cell["lod_pcn"]),
        "evaluable": _parse(at, "evaluable", parse_bool, cell["evaluable"]),
        "amplified": _parse(at, "amplified", parse_bool, cell["amplified"]),
    }


def _check_plasma_row(
    at: _At, values: dict[str, object], draws: dict[tuple[str, int], tuple[_At, str]]
) -> None:
    """A plasma draw has a patient, a day no other draw of theirs has, and usable calls."""
    patient, timepoint, sample = values["patient"], values["timepoint"], values["sample"]
    if not patient:
        raise at.error("a plasma draw needs a patient ID", "patient")
    if not isinstance(timepoint, int):
        raise at.error(
            "a plasma draw needs a timepoint (integer day since treatment start)", "timepoint"
        )
    key = (str(patient), timepoint)
    if key in draws:
        other_at, other = draws[key]
        raise at.error(
            f"patient {patient!r} has two plasma draws on day {timepoint} "
            f"({other!r} on {other_at} and {sample!r})",
            "timepoint",
        )
    draws[key] = (at, str(sample))
    evaluable, pcn = values["evaluable"], float(str(values["erbb2_pcn"]))
    if evaluable is None:
        raise at.error("empty; use true or false", "evaluable")
    if evaluable and values["amplified"] is None:
        raise at.error("empty for an evaluable draw; use true or false", "amplified")
    if evaluable and not math.isfinite(pcn):
        raise at.error(
            "an evaluable draw needs a plasma copy number (copies per diploid genome)",
            "erbb2_pcn",
        )
    if pcn < 0:
        raise at.error(f"a copy number cannot be negative ({pcn:g})", "erbb2_pcn")


def _tf_values(at: _At, cell: dict[str, object], present: Sequence[str]) -> dict[str, object]:
    """The typed tumour-fraction values of one row (NaN, False and :data:`NO_TF_COLUMNS` for
    columns the table lacks; ``tf_evaluable`` falls back on ``tf_detected``)."""
    values: dict[str, object] = {c: math.nan for c in TF_FLOAT_COLUMNS}
    values.update({c: False for c in TF_BOOL_COLUMNS}, tf_reason=NO_TF_COLUMNS)
    for col in present:
        if col in TF_FLOAT_COLUMNS:
            values[col] = _parse(at, col, _parse_float, cell[col])
        elif col in TF_BOOL_COLUMNS:
            values[col] = bool(_parse(at, col, parse_bool, cell[col]))
        elif col == "tf_reason":
            values[col] = cell_text(cell[col])
    if "tf_evaluable" not in present:
        values["tf_evaluable"] = values["tf_detected"]
    if "tf_reason" not in present and present:
        values["tf_reason"] = ""
    return values


def validate_calls(
    calls: pd.DataFrame, path: str | Path | None, lines: Sequence[int] | None = None
) -> pd.DataFrame:
    """Check a calls table and return it with typed columns.

    ``path`` only labels errors (``None`` for a table built in memory); ``lines`` are the
    rows' lines in that file (as an editor numbers them), else errors name the 1-based data
    row. Raises :class:`InputError` naming the file, the line (or row) and the field of the
    first problem: a missing required column, an empty table or one without plasma draws, an
    empty or duplicate ``sample``, an unknown ``kind``, a plasma draw without ``patient`` or
    integer ``timepoint``, a timepoint more than
    :data:`~cfdna_erbb2.samples.MAX_ABS_DAY` days from the start of treatment, two plasma
    draws of one patient on the same day, an unparseable boolean or number, or an evaluable
    plasma draw without a finite ``erbb2_pcn``.

    Returns a copy, in input order, where ``sample``, ``patient``, ``kind`` (lower case) and
    ``reason`` are strings, ``timepoint`` is a nullable integer (days; missing for normals),
    ``erbb2_pcn`` and ``lod_pcn`` are floats (copies per diploid genome; NaN when missing) and
    ``amplified``, ``evaluable`` are booleans (missing counts as false). The optional
    tumour-fraction columns (:data:`TF_FLOAT_COLUMNS` floats, :data:`TF_BOOL_COLUMNS`
    booleans, ``tf_reason`` text) are typed too, and added when absent (NaN, false, and
    :data:`NO_TF_COLUMNS` as the reason). Other columns are kept as they are.
    """
    for col in REQUIRED_COLUMNS:
        if col not in calls.columns:
            raise InputError(path, "missing column", field=col)
    if calls.empty:
        raise InputError(path, "the calls table has no rows")
    if lines is not None and len(lines) != len(calls):
        raise ValueError(f"{len(lines)} line numbers for {len(calls)} rows")

    tf_columns = (*TF_FLOAT_COLUMNS, *TF_BOOL_COLUMNS, "tf_reason")
    out: dict[str, list[object]] = {
        c: [] for c in (*REQUIRED_COLUMNS, "reason", *tf_columns, *LOCUS_COLUMNS)
    }
    seen: dict[str, _At] = {}
    draws: dict[tuple[str, int], tuple[_At, str]] = {}
    has_reason = "reason" in calls.columns
    tf_present = [c for c in tf_columns if c in calls.columns]
    locus_present = [c for c in LOCUS_COLUMNS if c in calls.columns]
    columns = [*REQUIRED_COLUMNS, *(["reason"] if has_reason else []), *tf_present, *locus_present]
    for i, rec in enumerate(calls[columns].itertuples(index=False, name=None)):
        at = _At(path, i + 1, False) if lines is None else _At(path, lines[i], True)
        cell = dict(zip(columns, rec, strict=True))
        values = _row_values(at, cell, seen)
        if values["kind"] == "plasma":
            _check_plasma_row(at, values, draws)
        values["reason"] = cell_text(cell["reason"]) if has_reason else ""
        values["evaluable"] = bool(values["evaluable"])
        values["amplified"] = bool(values["amplified"])
        values.update(_tf_values(at, cell, tf_present))
        values["locus_pcn"] = (
            _parse(at, "locus_pcn", _parse_float, cell["locus_pcn"])
            if "locus_pcn" in cell
            else math.nan
        )
        values["locus_source"] = cell_text(cell.get("locus_source", "")).lower()
        for col, value in values.items():
            out[col].append(value)
    if "plasma" not in out["kind"]:
        raise InputError(
            path,
            "no plasma draws (only healthy-donor normals): no patient to classify",
            field="kind",
        )

    table = calls.copy()
    table.index = pd.RangeIndex(len(table))
    for col in ("sample", "patient", "kind", "reason", "tf_reason", "locus_source"):
        table[col] = pd.Series(out[col], dtype=object)
    table["timepoint"] = pd.array(out["timepoint"], dtype="Int64")
    for col in ("erbb2_pcn", "lod_pcn", "locus_pcn", *TF_FLOAT_COLUMNS):
        table[col] = np.asarray(out[col], dtype=float)
    for col in ("amplified", "evaluable", *TF_BOOL_COLUMNS):
        table[col] = np.asarray(out[col], dtype=bool)
    return table


def read_calls(path: str | Path) -> pd.DataFrame:
    """Read a tab-separated calls table (``results/erbb2/calls.tsv``) and validate it.

    Every cell is read as text, so IDs keep leading zeros; lines starting with '#' and blank
    lines are skipped, and errors name the line as an editor numbers it (the header is line
    1). See :func:`validate_calls` for the returned types and the errors raised
    (:class:`InputError`).
    """
    path = Path(path)
    problems = Problems(path)
    sheet = read_sheet_table(path, REQUIRED_COLUMNS, "calls table", problems)
    problems.raise_if_any()
    raw = pd.DataFrame(
        [cells for _, cells in sheet.rows], columns=list(sheet.columns), dtype=object
    )
    return validate_calls(raw, path, [line for line, _ in sheet.rows])


# --- classification ----------------------------------------------------------------------------


class _Tumour(NamedTuple):
    """One draw's tumour fraction (fractions) and tumour ERBB2 copies (copies), as the calls
    table gives them (NaN when not detected or unknown)."""

    tf: float
    tf_low: float
    tf_high: float
    detected: bool
    evaluable: bool
    copies: float
    copies_low: float
    copies_high: float
    reason: str
    informed: float = math.nan
    informed_low: float = math.nan
    informed_high: float = math.nan
    informed_detected: bool = False
    ratio_low: float = math.nan
    ratio_high: float = math.nan

    @property
    def has_ratio(self) -> bool:
        """Whether the draw's TF was measured against its baseline's on the same states."""
        return math.isfinite(self.ratio_low) and math.isfinite(self.ratio_high)

    @property
    def value(self) -> float:
        """The draw's TF: its own genome-wide estimate when detected, else the
        tumour-informed one when that is detected (NaN otherwise)."""
        if self.detected:
            return self.tf
        return self.informed if self.informed_detected else math.nan

    @property
    def present(self) -> bool:
        """Tumour DNA detected in the draw, genome-wide or on the baseline's states."""
        return self.detected or self.informed_detected

    def interval(self) -> tuple[float, float]:
        """The TF range the draw allows: its own 95% interval when detected, else the
        tumour-informed interval (:mod:`cfdna_erbb2.tf_informed`), else 0 to its own upper
        limit ``tf_high``; NaN without any (a TF not detected is not a TF below the floor:
        a draw whose tumour shows no copy-number changes cannot detect any TF)."""
        if self.detected:
            return _finite_or(self.tf_low, self.tf), _finite_or(self.tf_high, self.tf)
        if math.isfinite(self.informed_low) and math.isfinite(self.informed_high):
            return self.informed_low, self.informed_high
        return 0.0, self.tf_high

    def words(self) -> str:
        """The TF in words: '0.21 (95% CI 0.19-0.23)', or why there is none."""
        if self.detected:
            return f"{self.tf:.3f} (95% CI {self.tf_low:.3f}-{self.tf_high:.3f})"
        if math.isfinite(self.informed_low) and math.isfinite(self.informed_high):
            status = "detected" if self.informed_detected else "not detected"
            return (
                f"{self.informed:.3f} on the baseline's copy-number states ({status}; 95% CI "
                f"{self.informed_low:.3f}-{self.informed_high:.3f})"
            )
        if self.evaluable and math.isfinite(self.tf_high):
            return f"not detected (at most {self.tf_high:.3f})"
        if self.evaluable:
            return "not detected"
        return f"not estimable ({self.reason or 'no value'})"


def _finite_or(value: float, default: float) -> float:
    return value if math.isfinite(value) else default


class _Draw(NamedTuple):
    """One validated plasma draw."""

    sample: str
    patient: str
    timepoint: int  # days since treatment start
    pcn: float  # ERBB2 plasma copy number, copies per diploid genome (NaN when unknown)
    lod_pcn: float  # smallest pCN this draw could call amplified (NaN when unknown)
    amplified: bool
    evaluable: bool
    reason: str  # the calls table's reason ('' when absent)
    tumour: _Tumour
    locus_pcn: float = math.nan  # pCN of the locus the call rests on (copies)
    locus_source: str = ""  # where that locus came from (segment, scan, baseline, gene)
    signal: float = math.nan  # the pCN the response compares (set by _on_amplicon)
    signal_on: str = ON_GENE_BINS

    @property
    def excess(self) -> float:
        """ERBB2 excess over diploid (copies): pCN - 2 on the gene bins, or on the baseline's
        amplicon when the patient's draws are all measured there (:func:`_on_amplicon`)."""
        return (self.signal if math.isfinite(self.signal) else self.pcn) - DIPLOID

    @property
    def lod_excess(self) -> float:
        """The smallest excess over diploid this draw could have called amplified (copies)."""
        return self.lod_pcn - DIPLOID


#: How erbb2's reason of a draw that cannot be called begins (cfdna_erbb2.erbb2._reason).
NOT_EVALUABLE_LEAD = "not evaluable:"


def not_evaluable_cause(reason: str) -> str:
    """The cause in a not-evaluable draw's reason: the text after its "not evaluable:" lead
    (the whole reason when it has none), without a dangling separator."""
    words = reason.strip()
    if words.lower().startswith(NOT_EVALUABLE_LEAD):
        words = words[len(NOT_EVALUABLE_LEAD) :].strip()
    return words.rstrip(" ;,")


def _on(draw: _Draw) -> str:
    """Where a draw's excess is measured, in words for a reason."""
    return " on the baseline's amplicon" if draw.signal_on == ON_AMPLICON else " on the gene bins"


def _pct(fraction: float) -> str:
    return f"{fixed(100.0 * fraction, 0)}%"


def _classify_draw(
    draw: _Draw, baseline_excess: float, params: ResponseParams
) -> tuple[str, bool, str]:
    """(response, rise, reason) of an on-treatment draw against an amplified, evaluable baseline."""
    if not draw.evaluable:
        cause = not_evaluable_cause(draw.reason)
        return (
            "not_evaluable",
            False,
            "this draw is not evaluable" + (f": {cause}" if cause else ""),
        )
    if not draw.amplified:
        needed = params.undetectable_level * baseline_excess
        level = (
            f"{_pct(params.undetectable_level)} of the baseline excess of "
            f"{fixed(baseline_excess, 2)}"
        )
        if math.isnan(draw.lod_excess):
            return (
                "not_evaluable",
                False,
                "not amplified, but the draw has no limit of detection (lod_pcn), so it cannot "
                "show that the amplification became undetectable",
            )
        if draw.lod_excess <= needed:
            return (
                "undetectable",
                False,
                "ERBB2 amplification no longer detected, by a draw that could detect an excess "
                f"of {fixed(draw.lod_excess, 2)} copies (<= {level}: {fixed(needed, 2)})",
            )
        return (
            "not_evaluable",
            False,
            "not amplified, but this draw could only detect an excess of "
            f"{fixed(draw.lod_excess, 2)} copies (> {level}: {fixed(needed, 2)}): too shallow or "
            "noisy to call it undetectable",
        )
    excess = draw.excess
    if baseline_excess <= 0:
        return (
            "persistent",
            False,
            f"still amplified; the baseline excess is {fixed(baseline_excess, 2)} copies (<= 0: "
            "pCN not above diploid although called amplified), so no fall can be measured",
        )
    remaining = excess / baseline_excess
    fall = _pct(params.reduction)
    if excess <= (1.0 - params.reduction) * baseline_excess:
        return (
            "reduced",
            False,
            f"ERBB2 excess{_on(draw)} fell from {fixed(baseline_excess, 2)} to "
            f"{fixed(excess, 2)} copies "
            f"({_pct(remaining)} remaining, >= {fall} fall) and is still amplified",
        )
    if excess > baseline_excess:
        return (
            "persistent",
            True,
            f"ERBB2 excess{_on(draw)} rose from {fixed(baseline_excess, 2)} to "
            f"{fixed(excess, 2)} copies "
            f"({_pct(remaining)} of baseline) and is still amplified",
        )
    return (
        "persistent",
        False,
        f"ERBB2 excess{_on(draw)} went from {fixed(baseline_excess, 2)} to "
        f"{fixed(excess, 2)} copies "
        f"({_pct(remaining)} remaining, < {fall} fall) and is still amplified",
    )


def _baseline_reason(base: _Draw) -> str:
    """The baseline's status in words."""
    words = f"baseline {base.sample} (day {base.timepoint})"
    if not base.evaluable:
        cause = not_evaluable_cause(base.reason)
        return f"{words} is not evaluable" + (f": {cause}" if cause else "")
    if not base.amplified:
        return f"{words} is {_call_words(base)}: no ERBB2 amplification to follow"
    return (
        f"{words} is amplified, gene-bin pCN {fixed(base.pcn, 2)} (excess "
        f"{fixed(base.excess, 2)} copies)"
    )


#: dtypes of the timepoints table (strings as object, for pandas 2 and 3 alike).
_TIMEPOINT_DTYPES: dict[str, str] = {
    "patient": "object",
    "sample": "object",
    "timepoint": "int64",
    "baseline_sample": "object",
    "baseline_timepoint": "int64",
    "days_since_baseline": "int64",
    "response": "object",
    "erbb2_pcn": "float64",
    "baseline_excess": "float64",
    "excess": "float64",
    "fraction_remaining": "float64",
    "excess_measured_on": "object",
    "rise": "bool",
    "amplified": "bool",
    "evaluable": "bool",
    "lod_excess": "float64",
    "reason": "object",
    "baseline_tumour_fraction": "float64",
    "tumour_fraction": "float64",
    "explanation": "object",
    "explanation_reason": "object",
}

#: dtypes of the patients table; the early and last days are missing without such a draw.
_PATIENT_DTYPES: dict[str, str] = {
    "patient": "object",
    "baseline_sample": "object",
    "baseline_timepoint": "int64",
    "baseline_evaluable": "bool",
    "baseline_amplified": "bool",
    "baseline_pcn": "float64",
    "baseline_excess": "float64",
    "excess_measured_on": "object",
    "n_on_treatment": "int64",
    "early_sample": "object",
    "early_timepoint": "Int64",
    "early_response": "object",
    "last_sample": "object",
    "last_timepoint": "Int64",
    "last_response": "object",
    "reason": "object",
    "baseline_tumour_fraction": "float64",
    "early_tumour_fraction": "float64",
    "last_tumour_fraction": "float64",
    "early_explanation": "object",
    "early_explanation_reason": "object",
    "last_explanation": "object",
    "last_explanation_reason": "object",
}


def _frame(rows: list[dict[str, object]], dtypes: dict[str, str]) -> pd.DataFrame:
    """A table with exactly these columns and dtypes (also when there are no rows)."""
    return pd.DataFrame(
        {col: pd.Series([row[col] for row in rows], dtype=dtype) for col, dtype in dtypes.items()}
    )


def _series_by_patient(table: pd.DataFrame) -> list[tuple[_Draw, list[_Draw]]]:
    """Per patient (sorted by ID): the baseline draw and the later draws by day."""
    plasma = table[table["kind"] == "plasma"]
    baselines = baseline_of(plasma)
    by_patient: dict[str, list[_Draw]] = {}
    for rec in plasma.itertuples(index=False):
        tumour = _Tumour(
            float(rec.tumour_fraction),
            float(rec.tf_low),
            float(rec.tf_high),
            bool(rec.tf_detected),
            bool(rec.tf_evaluable),
            float(rec.erbb2_tumour_copies),
            float(rec.erbb2_tumour_copies_low),
            float(rec.erbb2_tumour_copies_high),
            str(rec.tf_reason),
            float(rec.tf_informed),
            float(rec.tf_informed_low),
            float(rec.tf_informed_high),
            bool(rec.tf_informed_detected),
            float(rec.tf_ratio_low),
            float(rec.tf_ratio_high),
        )
        draw = _Draw(
            str(rec.sample),
            str(rec.patient),
            int(rec.timepoint),
            float(rec.erbb2_pcn),
            float(rec.lod_pcn),
            bool(rec.amplified),
            bool(rec.evaluable),
            str(rec.reason),
            tumour,
            float(getattr(rec, "locus_pcn", math.nan)),
            str(getattr(rec, "locus_source", "") or ""),
        )
        by_patient.setdefault(draw.patient, []).append(draw)
    series = []
    for patient in sorted(by_patient):
        draws = sorted(by_patient[patient], key=lambda d: d.timepoint)
        base = next(d for d in draws if d.sample == baselines[patient])
        series.append(_on_amplicon(base, [d for d in draws if d is not base]))
    return series


def _on_amplicon(base: _Draw, later: list[_Draw]) -> tuple[_Draw, list[_Draw]]:
    """The patient's draws with the pCN their excesses are compared on: the baseline's
    amplicon (its locus, and each later draw's value in the same bins) when the baseline's
    call rests on an amplicon and every evaluable later draw was measured in it; else the
    gene bins for all. The amplicon holds several times more bins than the gene, so its
    excess is several times more precise, and it is where each draw's limit of detection
    (``lod_pcn``) is measured: the fall and the limit it is set against are then on one scale."""
    measured = [d for d in later if d.evaluable]
    usable = (
        base.locus_source in AMPLICON_SOURCES
        and math.isfinite(base.locus_pcn)
        and all(d.locus_source == "baseline" and math.isfinite(d.locus_pcn) for d in measured)
    )
    if not usable:
        return base, later
    return (
        base._replace(signal=base.locus_pcn, signal_on=ON_AMPLICON),
        [
            d._replace(signal=d.locus_pcn if d.evaluable else math.nan, signal_on=ON_AMPLICON)
            for d in later
        ],
    )


def _respond(base: _Draw, draw: _Draw, params: ResponseParams) -> tuple[str, bool, str]:
    """(response, rise, reason) of one on-treatment draw, whatever its baseline."""
    base_reason = _baseline_reason(base)
    if not base.evaluable:
        return "not_evaluable", False, f"{base_reason}; the response cannot be assessed"
    if not base.amplified:
        return "baseline_negative", False, f"{base_reason}; this draw: {_call_words(draw)}"
    return _classify_draw(draw, base.excess, params)


def _call_words(draw: _Draw) -> str:
    """A draw's ERBB2 call in words, its gene-bin pCN (what the trajectory plots) set against
    its detection limit (a locus pCN) when it is not amplified."""
    if not draw.evaluable:
        return f"not evaluable ({not_evaluable_cause(draw.reason)})"
    pcn = f"gene-bin pCN {fixed(draw.pcn, 2)}"
    if draw.amplified:
        return f"amplified ({pcn})"
    if math.isfinite(draw.lod_pcn) and draw.pcn < draw.lod_pcn:
        return (
            f"not amplified ({pcn}, below its detection limit: the smallest locus pCN it "
            f"could call is {fixed(draw.lod_pcn, 2)})"
        )
    return f"not amplified ({pcn}; the call: {draw.reason or 'no reason given'})"


def _unexplainable(base: _Draw, draw: _Draw) -> str:
    """Why the tumour fraction cannot explain this draw ('' when it can try)."""
    b, d = base.tumour, draw.tumour
    if not b.detected:
        return f"tumour fraction at baseline {base.sample} is {b.words()}"
    if not math.isfinite(b.copies) and not d.has_ratio:
        return f"baseline {base.sample} has no tumour ERBB2 copy number (no locus value)"
    if not d.evaluable or not math.isfinite(d.interval()[1]):
        return f"tumour fraction at this draw is {d.words()}, with no upper limit"
    return ""


def _kept_excess(b: _Tumour, d: _Tumour, baseline_excess: float) -> tuple[float, float]:
    """The excess over diploid (copies) a draw with tumour ``d`` would show had the tumour
    kept the baseline's (``b``) ERBB2 copies: (lower bounds of both, upper bounds of both).
    With the draw's TF as a ratio to the baseline's (the same states), that is the ratio
    times the baseline's excess, free of any error in the baseline's TF."""
    if d.has_ratio and math.isfinite(baseline_excess):
        return max(d.ratio_low * baseline_excess, 0.0), max(d.ratio_high * baseline_excess, 0.0)
    t_low, t_high = d.interval()
    c_low, c_high = _finite_or(b.copies_low, b.copies), _finite_or(b.copies_high, b.copies)
    return max(t_low * (c_low - DIPLOID), 0.0), max(t_high * (c_high - DIPLOID), 0.0)


def _explain(base: _Draw, draw: _Draw, response: str, params: ResponseParams) -> tuple[str, str]:
    """(explanation, reason) of an ``undetectable`` or ``reduced`` draw (module docstring);
    ('', '') for other responses."""
    if response not in EXPLAINED_RESPONSES:
        return "", ""
    why = _unexplainable(base, draw)
    if why:
        return "undetermined", why
    b, d = base.tumour, draw.tumour
    kept_low, kept_high = _kept_excess(b, d, base.excess)
    if response == "undetectable":
        shown, seen = draw.lod_excess, "the draw could detect (at its locus, lod_pcn - 2)"
    else:
        shown, seen = draw.excess, f"the draw shows{_on(draw)}"
    if not (math.isfinite(shown) and shown > 0):
        return "undetermined", (f"no positive excess to compare ({seen}: {fixed(shown, 2)} copies)")
    copies = (
        f"the baseline's ERBB2 excess{_on(base)} ({fixed(base.excess, 2)} copies)"
        if d.has_ratio
        else f"the baseline tumour's {fixed(b.copies, 1)} ERBB2 copies at the locus (95% CI "
        f"{fixed(_finite_or(b.copies_low, b.copies), 1)}-"
        f"{fixed(_finite_or(b.copies_high, b.copies), 1)})"
    )
    kept = (
        f"a tumour keeping {copies} would give at this draw's TF an excess of "
        f"{fixed(kept_low, 2)}-{fixed(kept_high, 2)} copies; {seen}: {fixed(shown, 2)}"
    )
    margin = params.clone_loss_margin
    if d.present and kept_low >= margin * shown:
        part = "" if response == "undetectable" else " (in part: still amplified, reduced)"
        return "erbb2_clone_lost", (
            f"ERBB2-amplified clone lost{part}: tumour DNA still detected (TF {d.words()}), "
            f"and {kept} (>= {margin:g}x)"
        )
    if d.has_ratio:
        fell = d.ratio_high < 1.0
        change = (
            f"TF {b.words()} at baseline, {d.words()} now: {d.ratio_low:.2f}-"
            f"{d.ratio_high:.2f}x the baseline's on the same copy-number states"
        )
    else:
        fell = d.interval()[1] < _finite_or(b.tf_low, b.tf)
        change = f"TF {b.words()} at baseline, {d.words()} now"
    if fell and kept_low <= shown:
        return "tumour_fraction_fell", (
            f"tumour fraction fell ({change}), enough to account for the ERBB2 fall: {kept}"
        )
    if not fell:
        return "undetermined", (
            f"TF did not clearly fall ({change}), yet clone loss is not clear either: {kept} "
            f"(< {margin:g}x)"
        )
    return "undetermined", (
        f"TF fell ({change}), but neither clearly enough to account for the ERBB2 fall nor "
        f"clearly too little: {kept} (between 1x and {margin:g}x)"
    )


def _timepoint_row(base: _Draw, draw: _Draw, params: ResponseParams) -> dict[str, object]:
    """One row of the timepoints table (columns :data:`TIMEPOINT_COLUMNS`)."""
    response, rise, reason = _respond(base, draw, params)
    explanation, why = _explain(base, draw, response, params)
    # A fraction only between two evaluable measurements: never from a failed draw's numbers.
    measured = base.evaluable and base.amplified and base.excess > 0 and draw.evaluable
    return {
        "patient": draw.patient,
        "sample": draw.sample,
        "timepoint": draw.timepoint,
        "baseline_sample": base.sample,
        "baseline_timepoint": base.timepoint,
        "days_since_baseline": draw.timepoint - base.timepoint,
        "response": response,
        "erbb2_pcn": draw.pcn,
        "baseline_excess": base.excess,
        "excess": draw.excess,
        "fraction_remaining": draw.excess / base.excess if measured else math.nan,
        "excess_measured_on": base.signal_on,
        "rise": rise,
        "amplified": draw.amplified,
        "evaluable": draw.evaluable,
        "lod_excess": draw.lod_excess,
        "reason": reason,
        "baseline_tumour_fraction": base.tumour.tf,
        "tumour_fraction": draw.tumour.value,
        "explanation": explanation,
        "explanation_reason": why,
    }


def _patient_row(
    base: _Draw, later: list[_Draw], rows: list[dict[str, object]]
) -> dict[str, object]:
    """One row of the patients table (columns :data:`PATIENT_COLUMNS`) from the baseline, the
    later draws and their timepoint rows."""
    responses = [str(r["response"]) for r in rows]
    base_reason = _baseline_reason(base)
    if later:
        early, last = later[0], later[-1]
        summary = f"{base_reason}; first on-treatment draw (day {early.timepoint}): " + (
            f"{_response_words(base, early, rows[0])}; last (day {last.timepoint}): "
            f"{_response_words(base, last, rows[-1])}"
            if len(later) > 1
            else _response_words(base, early, rows[0])
        )
    else:
        summary = f"{base_reason}; no on-treatment draw"
    return {
        "patient": base.patient,
        "baseline_sample": base.sample,
        "baseline_timepoint": base.timepoint,
        "baseline_evaluable": base.evaluable,
        "baseline_amplified": base.evaluable and base.amplified,
        "baseline_pcn": base.pcn,
        "baseline_excess": base.excess,
        "excess_measured_on": base.signal_on,
        "n_on_treatment": len(later),
        "early_sample": later[0].sample if later else "",
        "early_timepoint": later[0].timepoint if later else None,
        "early_response": responses[0] if later else "",
        "last_sample": later[-1].sample if later else "",
        "last_timepoint": later[-1].timepoint if later else None,
        "last_response": responses[-1] if later else "",
        "reason": summary,
        "baseline_tumour_fraction": base.tumour.tf,
        "early_tumour_fraction": later[0].tumour.value if later else math.nan,
        "last_tumour_fraction": later[-1].tumour.value if later else math.nan,
        "early_explanation": rows[0]["explanation"] if rows else "",
        "early_explanation_reason": rows[0]["explanation_reason"] if rows else "",
        "last_explanation": rows[-1]["explanation"] if rows else "",
        "last_explanation_reason": rows[-1]["explanation_reason"] if rows else "",
    }


def _response_words(base: _Draw, draw: _Draw, row: dict[str, object]) -> str:
    """A draw's response for the patient's summary; a ``not_evaluable`` one with its cause
    (the baseline's is already in the summary)."""
    response = str(row["response"])
    if response != "not_evaluable":
        return response
    if not base.evaluable:
        return f"{response} (the baseline is not evaluable)"
    cause = not_evaluable_cause(draw.reason) if not draw.evaluable else str(row["reason"])
    return f"{response} ({cause or 'no reason given'})"


def classify(
    calls: pd.DataFrame, params: ResponseParams = ResponseParams()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Classify every on-treatment plasma draw against its patient's baseline.

    ``calls`` is a calls table (see :func:`validate_calls`, which is applied first, so raw text
    tables are accepted and bad input raises :class:`InputError`). Normals are ignored.

    Returns ``(timepoints, patients)``, both sorted by patient then day, independent of the
    input row order.

    ``timepoints``, one row per on-treatment draw (columns :data:`TIMEPOINT_COLUMNS`):
    ``patient``, ``sample``, ``timepoint`` (day); ``baseline_sample``, ``baseline_timepoint``
    (day) and ``days_since_baseline`` (days); ``response`` (one of
    :data:`cfdna_erbb2.RESPONSE_CLASSES`); ``erbb2_pcn`` (copies per diploid genome);
    ``baseline_excess`` and ``excess`` (pCN - 2 at baseline and at this draw, copies; NaN when
    unknown); ``fraction_remaining`` (excess / baseline_excess; NaN unless this draw is
    evaluable and the baseline is
    amplified with a positive excess); ``rise`` (true when a persistent draw's excess is above
    the baseline excess); ``amplified`` and ``evaluable`` (this draw's calls); ``lod_excess``
    (lod_pcn - 2: the smallest excess this draw could have called, copies); ``reason`` (why,
    in words); ``baseline_tumour_fraction`` and ``tumour_fraction`` (TF at baseline and at
    this draw, fraction; NaN unless detected); ``explanation`` of an ``undetectable`` or
    ``reduced`` draw (one of :data:`EXPLANATIONS`, module docstring; '' for other responses)
    and ``explanation_reason`` (in words, with the numbers).

    ``patients``, one row per patient with a plasma draw (columns :data:`PATIENT_COLUMNS`):
    the baseline's ``baseline_sample``, ``baseline_timepoint`` (day), ``baseline_evaluable``,
    ``baseline_amplified`` (false when not evaluable), ``baseline_pcn`` and
    ``baseline_excess`` (copies); ``n_on_treatment`` (number of later draws); ``early_*`` for
    the first on-treatment draw and ``last_*`` for the last one (sample, day, response; '' and
    a missing day when the patient has only a baseline); ``reason`` (a summary in words);
    ``baseline_tumour_fraction``, ``early_tumour_fraction``, ``last_tumour_fraction`` (TF,
    NaN unless detected) and ``early_explanation``/``last_explanation`` with their
    ``*_explanation_reason`` (as in the timepoints table).
    """
    table = validate_calls(calls, None)
    tp_rows: list[dict[str, object]] = []
    pt_rows: list[dict[str, object]] = []
    for base, later in _series_by_patient(table):
        rows = [_timepoint_row(base, draw, params) for draw in later]
        tp_rows += rows
        pt_rows.append(_patient_row(base, later, rows))
    timepoints = _frame(tp_rows, _TIMEPOINT_DTYPES)
    patients = _frame(pt_rows, _PATIENT_DTYPES)
    assert tuple(timepoints.columns) == TIMEPOINT_COLUMNS
    assert tuple(patients.columns) == PATIENT_COLUMNS
    assert set(timepoints["response"]) <= set(RESPONSE_CLASSES)
    assert set(timepoints["explanation"]) <= {"", *EXPLANATIONS}
    return timepoints, patients


def write_response(
    timepoints: pd.DataFrame,
    patients: pd.DataFrame,
    timepoints_out: str | Path,
    patients_out: str | Path,
) -> tuple[Path, Path]:
    """Write both response tables; both appear together or not at all (atomic renames)."""
    written = write_texts({timepoints_out: tsv_text(timepoints), patients_out: tsv_text(patients)})
    return written[0], written[1]
