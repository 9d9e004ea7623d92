"""The cohort's structure: which draw is each patient's baseline.

A patient's **baseline** is their earliest plasma draw (smallest ``timepoint``, in days since
the start of treatment); every later draw is on-treatment and is compared with it. This is the
one place that rule is written: the workflow's DAG, ``from-cnvkit``, the response, the plots
and the benchmarks all ask :func:`baseline_of`.
"""

from __future__ import annotations

import pandas as pd


def baseline_of(table: pd.DataFrame) -> dict[str, str]:
    """patient -> sample ID of that patient's baseline (earliest plasma draw).

    ``table`` has columns sample, patient, kind and timepoint (days; any numeric or
    nullable-integer type); rows of kind other than 'plasma' are ignored. A patient has
    at most one draw per day (checked where sheets are read), so the baseline is unique.
    """
    kind = table["kind"].astype(str).str.strip().str.lower()
    plasma = table.loc[kind == "plasma", ["sample", "patient", "timepoint"]].reset_index(drop=True)
    plasma["_day"] = pd.to_numeric(plasma["timepoint"], errors="coerce")
    plasma["patient"] = plasma["patient"].astype(str)
    plasma["sample"] = plasma["sample"].astype(str)
    plasma = plasma.sort_values(["patient", "_day", "sample"], kind="stable")
    firsts = plasma.drop_duplicates("patient", keep="first")
    return dict(zip(firsts["patient"], firsts["sample"], strict=True))


def baseline_first(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` reordered so that every patient's baseline comes before their later draws.

    Normals first, then each patient's draws by day: the order in which draws can be
    measured when a later draw needs its baseline's result. The index is kept.
    """
    kind = table["kind"].astype(str).str.strip().str.lower()
    order = pd.DataFrame(
        {
            "_plasma": (kind == "plasma").to_numpy(),
            "_patient": table["patient"].astype(str).to_numpy(),
            "_day": pd.to_numeric(table["timepoint"], errors="coerce").to_numpy(),
            "_sample": table["sample"].astype(str).to_numpy(),
        },
    )
    ranked = order.sort_values(["_plasma", "_patient", "_day", "_sample"], kind="stable")
    return table.iloc[ranked.index.to_numpy()]
