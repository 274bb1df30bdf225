"""What the pilot showed, as the follow-up planning needs it.

:func:`planning_inputs` collects, never typed in: per SDQ scale the within-family change
(:func:`within_family_effects`: d_z with its 95% and 60% intervals, the T0-T1 correlation,
d_av), the share with a reliable improvement on the SDQ total (:func:`reliable_improvement`)
and the completion rate (:func:`completion_table`: families with T0 and T1 among those who
started, from the key numbers of notebook 03). The other modules of
:mod:`analysis.follow_up` take the resulting :class:`PlanningInputs`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.origin import computes
from analysis.errors import CompendiumError
from analysis.questionnaires.outcomes import PRIMARY, SDQ_SCALES
from analysis.stats import intervals as _intervals
from analysis.stats import paired as _paired
from analysis.stats import power as _pw


CONFIDENCE: float = 0.95
"""Level of the pilot's interval of d_z (its bound is the ``ci_bound`` scenario)."""


SAFEGUARD_CONFIDENCE: float = 0.60
"""Level of the safeguard interval (Perugini et al. 2014 recommend 60%)."""


@dataclass(frozen=True)
class PlanningInputs:
    """What the current cohort showed, as the planning functions need it.

    Attributes
    ----------
    effects : pandas.DataFrame
        :func:`within_family_effects`, one row per scale.
    changes : Mapping[str, numpy.ndarray]
        Scale -> the observed changes ``t1 - t0`` of the families with both measurements
        (resampled by the Wilcoxon simulation).
    reliable : pandas.DataFrame
        :func:`reliable_improvement`, one row.
    completion : pandas.DataFrame
        :func:`completion_table`, one row.
    """

    effects: pd.DataFrame
    changes: Mapping[str, np.ndarray]
    reliable: pd.DataFrame
    completion: pd.DataFrame

    @property
    def completion_rate(self) -> float:
        """The completion rate the plan uses (the pilot's, or the parameter)."""
        return float(self.completion["completion_rate"].iloc[0])

    def effect(self, scale: str) -> pd.Series:
        """The row of :attr:`effects` of ``scale``."""
        rows = self.effects[self.effects["scale"] == scale]
        if rows.empty:
            raise ValueError(f"scale {scale!r} has no effect; scales are "
                             f"{self.effects['scale'].tolist()}")
        return rows.iloc[0]


@computes("follow_up_started_n", "follow_up_completed_n", "follow_up_completion_*", "follow_up_sdq_*", "follow_up_reliable_improvement_*", "follow_up_pilot_half_width")
def planning_inputs(changes: pd.DataFrame, fragments: Mapping[str, Mapping], *,
                    completion_rate: float | None = None, instrument: str = PRIMARY,
                    scales: Iterable[str] = SDQ_SCALES,
                    proportion_method: str = "clopper-pearson") -> PlanningInputs:
    """The pilot's numbers for planning, from the tables and key numbers of notebooks 01 and 03.

    Parameters
    ----------
    changes : pandas.DataFrame
        ``questionnaires/changes`` of notebook 01: one row per family x scale with
        ``family_id, instrument, scale, t0, t1, change_class``.
    fragments : Mapping
        :func:`analysis.report.keynumbers.read_fragments` (stage -> key numbers). The completion rate
        comes from ``03_trajectories``; the key numbers of ``01_questionnaires`` are checked
        against the table, so stale results fail loudly.
    completion_rate : float, optional
        Use this rate instead of the pilot's (``0 < rate <= 1``).
    instrument, scales
        Instrument and scales of the within-family change (the SDQ total and subscales).
    proportion_method : {"clopper-pearson", "wilson"}
        Interval of the pilot's share with a reliable improvement.

    Returns
    -------
    PlanningInputs

    Raises
    ------
    CompendiumError
        No family has the instrument's total at T0 and T1, the completion rate is unknown or
        zero, or the table and the key numbers of notebook 01 disagree.
    """
    complete = _complete_rows(changes, instrument)
    scales = [s for s in scales if s in set(complete["scale"])]
    if "total" not in scales:
        raise CompendiumError(f"no family has the {instrument} total at T0 and T1: there is "
                              "no within-family change to plan from")
    effects = within_family_effects(complete, instrument=instrument, scales=scales)
    reliable = reliable_improvement(complete, instrument=instrument, method=proportion_method)
    _check_against_questionnaires(effects, reliable, fragments.get("01_questionnaires", {}))
    by_scale = {scale: (part["t1"] - part["t0"]).to_numpy(dtype=float)
                for scale, part in complete.groupby("scale", sort=False) if scale in scales}
    return PlanningInputs(effects=effects, changes=by_scale, reliable=reliable,
                          completion=completion_table(fragments, completion_rate))


def _complete_rows(changes: pd.DataFrame, instrument: str) -> pd.DataFrame:
    needed = ["family_id", "instrument", "scale", "t0", "t1", "change_class"]
    missing = [c for c in needed if c not in changes.columns]
    if missing:
        raise ValueError(f"changes lacks column(s) {missing}; expected the questionnaires/"
                         f"changes table of notebook 01")
    rows = changes[changes["instrument"] == instrument]
    return rows[rows["t0"].notna() & rows["t1"].notna()].reset_index(drop=True)


def within_family_effects(changes: pd.DataFrame, *, instrument: str = PRIMARY,
                          scales: Iterable[str] = SDQ_SCALES) -> pd.DataFrame:
    """Standardised within-family change per scale, with the intervals the scenarios use.

    Parameters
    ----------
    changes : pandas.DataFrame
        One row per family x scale with ``instrument, scale, t0, t1``; rows with a missing
        score are dropped.
    instrument, scales
        Rows kept, in the order of ``scales`` (absent scales are left out).

    Returns
    -------
    pandas.DataFrame
        One row per scale: ``instrument, scale, n`` (families with T0 and T1),
        ``mean_change, sd_change`` (of ``d = t1 - t0``), ``d_z`` (``mean(d) / sd(d)``),
        ``ci_low, ci_high`` (exact 95% interval of d_z, :func:`analysis.stats.paired.paired_t`),
        ``safeguard_low, safeguard_high`` (its 60% interval), ``r_t0_t1`` (Pearson
        correlation of T0 and T1), ``d_av`` (``mean(d) / ((sd(t0) + sd(t1)) / 2)``, the change
        in standard deviations of the scores; Lakens 2013, without Hedges' correction).
        Effects are NaN for fewer than 2 families or a zero SD.

    Examples
    --------
    >>> df = pd.DataFrame({"instrument": "sdq", "scale": "total",
    ...                    "t0": [20.0, 18, 15, 22], "t1": [14.0, 17, 15, 16]})
    >>> within_family_effects(df)[["n", "mean_change", "d_z"]].round(3).iloc[0].tolist()
    [4.0, -3.25, -1.015]
    """
    rows = []
    for scale in scales:
        part = changes[(changes["instrument"] == instrument) & (changes["scale"] == scale)]
        part = part[part["t0"].notna() & part["t1"].notna()]
        if not part.empty:
            rows.append({"instrument": instrument, "scale": scale, **_effect_row(part)})
    return pd.DataFrame(rows, columns=["instrument", "scale", "n", "mean_change", "sd_change",
                                       "d_z", "ci_low", "ci_high", "safeguard_low",
                                       "safeguard_high", "r_t0_t1", "d_av"])


def _effect_row(part: pd.DataFrame) -> dict:
    t0, t1 = part["t0"].to_numpy(dtype=float), part["t1"].to_numpy(dtype=float)
    d, n = t1 - t0, len(part)
    row = {"n": n, "mean_change": float(d.mean()),
           "sd_change": float(d.std(ddof=1)) if n > 1 else np.nan}
    defined = n >= 2 and row["sd_change"] > 0
    row["d_z"] = row["mean_change"] / row["sd_change"] if defined else np.nan
    for level, low, high in ((CONFIDENCE, "ci_low", "ci_high"),
                             (SAFEGUARD_CONFIDENCE, "safeguard_low", "safeguard_high")):
        test = _paired.paired_t(part, before="t0", after="t1", confidence=level).iloc[0] \
            if defined else {"ci_low": np.nan, "ci_high": np.nan}
        row[low], row[high] = float(test["ci_low"]), float(test["ci_high"])
    spread = (t0.std(ddof=1) + t1.std(ddof=1)) / 2 if n > 1 else np.nan
    varies = n > 2 and t0.std() > 0 and t1.std() > 0
    row["r_t0_t1"] = float(np.corrcoef(t0, t1)[0, 1]) if varies else np.nan
    row["d_av"] = float(d.mean() / spread) if spread > 0 else np.nan
    return row


def reliable_improvement(changes: pd.DataFrame, *, instrument: str = PRIMARY,
                         scale: str = "total", method: str = "clopper-pearson",
                         confidence: float = 0.95) -> pd.DataFrame:
    """Share of the analysed families with a reliable improvement, with its interval.

    Parameters
    ----------
    changes : pandas.DataFrame
        One row per family x scale with ``instrument, scale, t0, t1, change_class``.
    instrument, scale
        The outcome (the SDQ total).
    method, confidence
        Interval of :func:`analysis.stats.intervals.proportion`.

    Returns
    -------
    pandas.DataFrame
        One row: ``instrument, scale, k`` (``change_class == "improved"``, i.e. RCI beyond
        the criterion in the better direction), ``n`` (families with T0, T1 and a change
        class), ``share, ci_low, ci_high, half_width`` (``(ci_high - ci_low) / 2``),
        ``method, confidence``.

    Notes
    -----
    The denominator is every analysed family, not only those elevated at T0 as in the
    handreiking's chain; a share within a subgroup needs ``1 / (subgroup share)`` times more
    families.
    """
    rows = changes[(changes["instrument"] == instrument) & (changes["scale"] == scale)
                   & changes["t0"].notna() & changes["t1"].notna()
                   & changes["change_class"].notna()]
    if rows.empty:
        raise CompendiumError(f"no family has a reliable-change class on {instrument} {scale}")
    k, n = int((rows["change_class"] == "improved").sum()), len(rows)
    share = _intervals.proportion(k, n, method=method, confidence=confidence).iloc[0]
    return pd.DataFrame([{"instrument": instrument, "scale": scale, "k": k, "n": n,
                          "share": k / n, "ci_low": float(share["ci_low"]),
                          "ci_high": float(share["ci_high"]),
                          "half_width": float(share["ci_high"] - share["ci_low"]) / 2,
                          "method": method, "confidence": float(confidence)}])


def completion_table(fragments: Mapping[str, Mapping],
                     completion_rate: float | None = None) -> pd.DataFrame:
    """The completion rate: families with T0 and T1 among the families who started.

    Parameters
    ----------
    fragments : Mapping
        Key numbers per stage; ``03_trajectories`` holds ``trajectories_started``,
        ``trajectories_ongoing`` and ``questionnaire_both`` (completed trajectories with both
        questionnaires).
    completion_rate : float, optional
        A rate to use instead of the pilot's, ``0 < rate <= 1``.

    Returns
    -------
    pandas.DataFrame
        One row: ``started_n, ongoing_n, completed_n``, ``pilot_rate``
        (``completed_n / started_n``; None when unknown), ``rate_excluding_ongoing``
        (``completed_n / (started_n - ongoing_n)``: trajectories still running at the data
        cut counted as neither success nor loss), ``completion_rate`` (the rate used: the
        parameter, else ``pilot_rate``, which counts running trajectories as not completed
        and so errs on the side of enrolling more) and ``source`` (``"pilot"`` or
        ``"parameter"``).

    Examples
    --------
    >>> fragments = {"03_trajectories": {"trajectories_started": 22, "questionnaire_both": 14}}
    >>> row = completion_table(fragments).iloc[0]
    >>> round(float(row["pilot_rate"]), 4), row["source"]
    (0.6364, 'pilot')
    """
    numbers = fragments.get("03_trajectories", {})
    started, completed = numbers.get("trajectories_started"), numbers.get("questionnaire_both")
    ongoing = numbers.get("trajectories_ongoing", 0) or 0
    pilot = completed / started if started and completed is not None else None
    ended = started - ongoing if started is not None else None
    excluding = completed / ended if ended and completed is not None else None
    if completion_rate is not None:
        rate = _pw._check_probability("completion_rate", completion_rate, low_open=True,
                                      high_open=False)
        source = "parameter"
    elif not pilot:
        raise CompendiumError("the pilot's completion rate is unknown or zero (key numbers "
                              "trajectories_started and questionnaire_both of notebook "
                              "03_trajectories); run it first or pass completion_rate")
    else:
        rate, source = float(min(pilot, 1.0)), "pilot"
    return pd.DataFrame([{"started_n": started, "ongoing_n": ongoing, "completed_n": completed,
                          "pilot_rate": pilot, "rate_excluding_ongoing": excluding,
                          "completion_rate": rate, "source": source}])


def _check_against_questionnaires(effects: pd.DataFrame, reliable: pd.DataFrame,
                                  numbers: Mapping) -> None:
    """Raise when the changes table and the key numbers of notebook 01 disagree."""
    expected = {f"sdq_{row.scale}_t_effect": row.d_z for row in effects.itertuples()}
    expected["sdq_total_improved_n"] = int(reliable["k"].iloc[0])
    # the primary change analysis: pairs of the same SDQ form and informant (notebook 01)
    expected["sdq_primary_n"] = int(effects.loc[effects["scale"] == "total", "n"].iloc[0])
    stale = [key for key, value in expected.items()
             if isinstance(numbers.get(key), (int, float)) and not np.isnan(value)
             and not math.isclose(numbers[key], value, rel_tol=1e-8, abs_tol=1e-12)]
    if effects["instrument"].iloc[0] == PRIMARY and stale:
        raise CompendiumError(f"the questionnaire changes table and the key numbers of "
                              f"01_questionnaires disagree on {stale}; re-run notebook 01")


def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}; got {value!r}")


def _as_floats(values, name: str) -> list[float]:
    values = [values] if isinstance(values, (int, float)) else list(values)
    if not values:
        raise ValueError(f"{name} must hold at least one value; got none")
    return [float(v) for v in values]
