"""Change between two measurements: reliable change and clinically significant change.

Reliable change index (Jacobson N.S. & Truax P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. J Consult Clin Psychol
59(1), 12-19, doi:10.1037/0022-006X.59.1.12)::

    SE     = SD * sqrt(1 - r)          standard error of measurement (score points)
    S_diff = sqrt(2) * SE              standard error of a difference
    RCI    = (x1 - x0) / S_diff        reliable when |RCI| >= criterion (1.96, p < .05)

``r`` (reliability) and ``SD`` (norm standard deviation) per scale come from the instrument
definition (``reliable_change:`` in the YAML, each with its source). The child's age at the
first moment chooses the age group of the parameters
(:meth:`analysis.questionnaires.instruments.Instrument.rci_parameters`); where that group has
no complete published pair, or the age is unknown, the definition's one documented pair is
used and the row is marked ``rci_fallback`` (the Dutch caveat is the definition's
``fallback_caveat``). For "higher is worse"
scales an improvement is a *negative* change, for "higher is better" scales (SDQ prosocial) a
positive one. Clinically significant change (Jacobson & Truax criterion via a cut-off scheme):
reliable improvement AND elevated at T0 AND not elevated at T1.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from analysis.errors import ConfigError, DataError, Problem
from analysis.questionnaires.instruments import CutoffScheme, Instrument, resolve
from analysis.questionnaires.scoring import classify

CHANGE_CLASSES = ("improved", "unchanged", "deteriorated")
"""Values of ``change_class`` (missing when no RCI can be computed)."""

RESULT_COLUMNS = ("family_id", "instrument", "scale", "t0", "t1", "change", "rci", "change_class",
                  "reliable_change_threshold", "t0_band", "t1_band", "t0_elevated",
                  "t1_elevated", "clinically_significant", "rci_fallback")
"""Columns of :func:`reliable_change`, in order."""


def pair_timepoints(scores: pd.DataFrame, *, id_column: str = "family_id", before: str = "T0",
                    after: str = "T1", timepoint_column: str = "timepoint") -> pd.DataFrame:
    """The ``before`` and ``after`` rows of the families measured at both moments.

    Parameters
    ----------
    scores : DataFrame
        One row per family per moment (e.g. from :func:`analysis.questionnaires.scoring.score_instrument`).
    id_column, timepoint_column : str
        Columns identifying the family and the moment.
    before, after : str
        The two moments to pair (default ``"T0"`` and ``"T1"``).

    Returns
    -------
    DataFrame
        The rows of ``scores`` at ``before`` and ``after`` for families with both, sorted by
        family and then moment (``before`` first), with a fresh index. Families with only one of
        the two moments (the handreiking's "alleen de beginmeting") are left out.

    Raises
    ------
    ValueError
        When a named column is absent or ``before == after``.
    DataError
        When a family has more than one row at a moment (the data contract allows one; choose
        an informant first).
    """
    for parameter, column in (("id_column", id_column), ("timepoint_column", timepoint_column)):
        if column not in scores.columns:
            raise ValueError(f"{parameter}: column {column!r} is not in scores; columns: "
                             f"{', '.join(map(str, scores.columns))}")
    if before == after:
        raise ValueError(f"before and after must differ, both are {before!r}")
    rows = scores[scores[timepoint_column].isin([before, after])]
    _check_unique(rows, id_column, timepoint_column)
    moments = rows.groupby(id_column, sort=False)[timepoint_column].transform("nunique")
    paired = rows[moments.to_numpy() == 2]
    order = (paired[timepoint_column] == after).astype(int)
    return (paired.assign(_order=order.to_numpy())
            .sort_values([id_column, "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def _check_unique(rows: pd.DataFrame, id_column: str, timepoint_column: str) -> None:
    dup = rows.duplicated([id_column, timepoint_column], keep=False)
    if dup.any():
        pairs = rows.loc[dup, [id_column, timepoint_column]].drop_duplicates()
        problems = [Problem("scores", None, id_column, f"{f} {t}", "one row per family per moment")
                    for f, t in pairs.itertuples(index=False)]
        shown = "; ".join(p.value for p in problems[:5])
        raise DataError(f"{len(problems)} family/moment pair(s) occur more than once ({shown}); "
                        f"expected one row per family per moment: select one informant first",
                        problems)


def reliable_change(scores: pd.DataFrame, instrument: Instrument | str, *,
                    scales: Sequence[str] | None = None, scheme: str | None = None,
                    before: str = "T0", after: str = "T1", id_column: str = "family_id",
                    age_column: str | None = None) -> pd.DataFrame:
    """Reliable and clinically significant change per family and scale.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`analysis.questionnaires.scoring.score_instrument` (columns ``<id>_<scale>``) with
        ``timepoint`` and the family identifier.
    instrument : Instrument or str
        Definition or instrument id.
    scales : sequence of str, optional
        Scales to report (default: every scale, composite and supplement of the instrument
        whose score column is in ``scores``).
    scheme : str, optional
        Cut-off scheme for bands and the clinical-significance criterion (default: the
        instrument's).
    before, after : str
        Moments compared (default ``"T0"`` -> ``"T1"``).
    id_column : str
        Family identifier column (reported as ``family_id``).
    age_column : str, optional
        Age in whole years at each moment, for age-specific schemes.

    Returns
    -------
    DataFrame
        One row per family x scale, sorted by family then scale, with exactly the columns
        :data:`RESULT_COLUMNS`: ``family_id``, ``instrument``, ``scale``, ``t0``, ``t1``,
        ``change`` (``t1 - t0``, points), ``rci`` (``change / S_diff``), ``change_class``
        (``"improved"``, ``"unchanged"``, ``"deteriorated"``; missing when a score or the
        scale's reliability/SD is missing), ``reliable_change_threshold`` (points of change
        needed: ``criterion * S_diff``), ``t0_band``, ``t1_band``, ``t0_elevated``,
        ``t1_elevated`` (nullable boolean) and ``clinically_significant`` (nullable boolean:
        improved and elevated at T0 and not elevated at T1; missing when unknown, e.g. the
        scheme does not cover the scale), ``rci_fallback`` (nullable boolean: the parameters
        are the documented fallback pair because the child's age group has none of its own;
        missing when there is no RCI).

    Notes
    -----
    Missing data: a family missing a score at either moment gets missing ``change``, ``rci``
    and ``change_class`` on that scale. Scales without ``reliable_change`` parameters in the
    definition (e.g. SDQ impact, the placeholder ARI-CP key) get bands but no RCI.

    Examples
    --------
    >>> s = pd.DataFrame({"family_id": ["F1", "F1"], "timepoint": ["T0", "T1"],
    ...                   "sdq_total": [20.0, 12.0]})
    >>> r = reliable_change(s, "sdq", scales=["total"])
    >>> row = r.iloc[0]
    >>> float(row["change"]), row["change_class"], row["t0_band"], row["t1_band"]
    (-8.0, 'improved', 'abnormal', 'normal')
    >>> bool(row["clinically_significant"]), round(float(row["reliable_change_threshold"]), 2)
    (True, 5.81)
    """
    instrument = resolve(instrument)
    chosen = _scheme(instrument, scheme)
    wanted = _scales(scores, instrument, scales)
    paired = pair_timepoints(scores, id_column=id_column, before=before, after=after)
    first = paired.iloc[0::2].reset_index(drop=True)
    second = paired.iloc[1::2].reset_index(drop=True)
    ages = [_age(part, age_column) for part in (first, second)]
    frames = [_one_scale(first, second, instrument, name, chosen, ages, id_column)
              for name in wanted]
    if not frames or not len(first):
        return _empty()
    out = pd.concat(frames, ignore_index=True)
    rank = {name: i for i, name in enumerate(wanted)}
    out = out.assign(_rank=out["scale"].map(rank)).sort_values(["family_id", "_rank"], kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)[list(RESULT_COLUMNS)]


def _scheme(instrument: Instrument, scheme: str | None) -> CutoffScheme | None:
    if scheme is None and instrument.default_cutoff_scheme is None:
        return None
    return instrument.scheme(scheme)


def _scales(scores: pd.DataFrame, instrument: Instrument, scales: Sequence[str] | None) -> list[str]:
    if scales is None:
        return [s for s in instrument.all_scales if instrument.column(s) in scores.columns]
    wanted = [scales] if isinstance(scales, str) else list(scales)
    unknown = [s for s in wanted if s not in instrument.all_scales]
    if unknown:
        raise ValueError(f"scales: unknown {unknown}; {instrument.id} has "
                         f"{', '.join(instrument.all_scales)}")
    absent = [instrument.column(s) for s in wanted if instrument.column(s) not in scores.columns]
    if absent:
        raise ValueError(f"scales: score columns {absent} are not in scores")
    return wanted


def _age(part: pd.DataFrame, age_column: str | None) -> np.ndarray | None:
    if age_column is None:
        return None
    if age_column not in part.columns:
        raise ValueError(f"age_column: column {age_column!r} is not in scores")
    return np.floor(pd.to_numeric(part[age_column], errors="coerce").to_numpy(dtype=np.float64))


def _one_scale(first: pd.DataFrame, second: pd.DataFrame, instrument: Instrument, name: str,
               scheme: CutoffScheme | None, ages: list, id_column: str) -> pd.DataFrame:
    column = instrument.column(name)
    x0 = first[column].to_numpy(dtype=np.float64)
    x1 = second[column].to_numpy(dtype=np.float64)
    change = x1 - x0
    rci, threshold, fallback = _rci(change, instrument, name, ages[0])
    klass = _change_class(rci, instrument.rci_criterion, instrument.is_higher_worse(name))
    bands = _bands(x0, x1, instrument, scheme, name, ages)
    improved = pd.array(np.where(pd.isna(klass), None, klass == "improved"), dtype="boolean")
    significant = improved & bands["t0_elevated"] & ~bands["t1_elevated"]
    return pd.DataFrame({
        "family_id": first[id_column].to_numpy(), "instrument": instrument.id, "scale": name,
        "t0": x0, "t1": x1, "change": change, "rci": rci, "change_class": klass,
        "reliable_change_threshold": threshold, **bands, "clinically_significant": significant,
        "rci_fallback": fallback,
    })


def _rci(change: np.ndarray, instrument: Instrument, name: str, ages: np.ndarray | None
         ) -> tuple[np.ndarray, np.ndarray, pd.arrays.BooleanArray]:
    """RCI, points of change needed and the fallback flag per family; NaN/missing when the
    scale has no parameters for the child's age (looked up once per distinct age)."""
    n = len(change)
    ages = np.full(n, np.nan) if ages is None else np.asarray(ages, dtype=np.float64)
    s_diff, fallback = np.full(n, np.nan), np.full(n, None, dtype=object)
    for age in np.unique(ages):  # NaN (unknown age) comes once, last
        rows = np.isnan(ages) if np.isnan(age) else ages == age
        params, used_fallback = instrument.rci_parameters(name, None if np.isnan(age) else age)
        if params is not None:
            s_diff[rows] = math.sqrt(2.0) * params.sd * math.sqrt(1.0 - params.reliability)
            fallback[rows] = used_fallback
    return change / s_diff, instrument.rci_criterion * s_diff, pd.array(fallback, dtype="boolean")


def _change_class(rci: np.ndarray, criterion: float, higher_is_worse: bool) -> pd.arrays.StringArray:
    """``improved`` / ``unchanged`` / ``deteriorated`` from the RCI and the scale's direction."""
    tolerance = 1e-9  # |RCI| exactly at the criterion counts as reliable despite float error
    up = rci >= criterion - tolerance
    down = rci <= -criterion + tolerance
    better, worse = (down, up) if higher_is_worse else (up, down)
    klass = np.where(better, "improved", np.where(worse, "deteriorated", "unchanged")).astype(object)
    klass[np.isnan(rci)] = None
    return pd.array(klass, dtype="str")


def _bands(x0: np.ndarray, x1: np.ndarray, instrument: Instrument, scheme: CutoffScheme | None,
           name: str, ages: list) -> dict[str, Any]:
    """Bands and elevated flags at both moments (missing when the scheme does not cover ``name``)."""
    n = len(x0)
    if scheme is None or name not in scheme.scales:
        missing = pd.array([None] * n, dtype="boolean")
        return {"t0_band": pd.array([None] * n, dtype="str"),
                "t1_band": pd.array([None] * n, dtype="str"),
                "t0_elevated": missing, "t1_elevated": missing.copy()}
    if scheme.age_specific and ages[0] is None:
        raise ConfigError(f"cut-off scheme {scheme.name!r} is age-specific: pass age_column "
                          f"(the child's age in whole years, e.g. trajectories.child_age)")
    at0 = classify(x0, instrument, name, scheme=scheme.name, age=ages[0])
    at1 = classify(x1, instrument, name, scheme=scheme.name, age=ages[1])
    return {"t0_band": at0["band"].array, "t1_band": at1["band"].array,
            "t0_elevated": at0["elevated"].array, "t1_elevated": at1["elevated"].array}


_EMPTY_DTYPES: dict[str, str] = {"t0": "float64", "t1": "float64", "change": "float64",
                                 "rci": "float64", "reliable_change_threshold": "float64",
                                 "change_class": "str", "t0_band": "str", "t1_band": "str",
                                 "t0_elevated": "boolean", "t1_elevated": "boolean",
                                 "clinically_significant": "boolean", "rci_fallback": "boolean"}
"""Column types of an empty result, as :func:`_one_scale` makes them (so that concatenating an
empty result with a full one keeps numeric columns numeric)."""


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES.get(c, object)) for c in RESULT_COLUMNS})
