"""Shared pieces of the public test modules: the tidy one-row result and input checks.

:data:`COLUMNS` names the fixed columns every test returns; the defaults of resampling are
here so that :mod:`~analysis.stats.intervals`, :mod:`~analysis.stats.paired` and
:mod:`~analysis.stats.association` share them. Missing values: a pair (or a row of ``x``/``y``)
with a missing value in either column is dropped before anything is computed; the number dropped
is reported in ``n_dropped``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ("statistic", "p_value", "effect_size", "effect_size_type", "ci_low", "ci_high", "n",
           "method")
DEFAULT_SEED = 20232024  # any fixed integer; named after the pilot years
DEFAULT_RESAMPLES = 9999
DEFAULT_PERMUTATIONS = 99_999


def _numeric_column(data: pd.DataFrame, name: str) -> np.ndarray:
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if name not in data.columns:
        raise ValueError(f"column {name!r} not found in data; columns are {list(data.columns)}")
    column = data[name]
    if pd.api.types.is_bool_dtype(column) or not (
            pd.api.types.is_numeric_dtype(column) or column.isna().all()):
        raise ValueError(f"column {name!r} must be numeric; got dtype {column.dtype}")
    return column.to_numpy(dtype=float, na_value=np.nan)


def _complete(data: pd.DataFrame, first: str, second: str, minimum: int):
    """Two numeric columns with incomplete rows dropped; at least ``minimum`` rows left."""
    x, y = _numeric_column(data, first), _numeric_column(data, second)
    keep = ~(np.isnan(x) | np.isnan(y))
    if keep.sum() < minimum:
        raise ValueError(f"columns {first!r} and {second!r} need at least {minimum} complete "
                         f"rows; got {int(keep.sum())}")
    return x[keep], y[keep], int((~keep).sum())


def _one_row(statistic, p_value, effect_size, effect_size_type, ci_low, ci_high, n, method,
             **extra) -> pd.DataFrame:
    row = dict(zip(COLUMNS, (float(statistic), float(p_value), float(effect_size),
                             effect_size_type, float(ci_low), float(ci_high), int(n), method)))
    row.update(extra)
    return pd.DataFrame([row])



def _boolean_column(data: pd.DataFrame, name: str) -> np.ndarray:
    """0/1 floats with NaN for missing; anything but booleans, 0/1 or missing is refused."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    if name not in data.columns:
        raise ValueError(f"column {name!r} not found in data; columns are {list(data.columns)}")
    column = data[name]
    values = column.dropna()
    if not (pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)
            or values.empty) or not values.isin([0, 1]).all():
        shown = sorted(map(str, set(values.tolist()) - {0, 1, True, False}))[:3]
        raise ValueError(f"column {name!r} must hold booleans (True/False or 1/0) or missing "
                         f"values; got {shown or column.dtype}")
    return column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)

