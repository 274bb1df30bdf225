"""Planning the follow-up from the pilot's own results: how many families, and what precision.

The package layer of notebook ``04_follow_up``. The statistics underneath (interval widths,
paired t power, Wilcoxon power by resampling, two-group sample sizes, inflation for drop-out)
live in :mod:`analysis.stats.power` and are checked against known values in ``tests/test_power.py``;
this module feeds them the pilot's numbers and lays the answers out as tidy tables.

1. :func:`planning_inputs` collects what the current cohort showed, never typed in: per SDQ
   scale the within-family change (:func:`within_family_effects`: d_z with its 95% and 60%
   intervals, the T0-T1 correlation, d_av), the share with a reliable improvement on the SDQ
   total (:func:`reliable_improvement`) and the completion rate (:func:`completion_table`:
   families with T0 and T1 among those who started, from the key numbers of notebook 03).
2. Precision: :func:`precision_table` (families needed for a target half-width of the interval
   around that share) and :func:`precision_curves` (half-width against families enrolled).
3. Power of the within-family change: :func:`power_table` (families needed for each target
   power, paired t analytically, Wilcoxon by simulation) and :func:`power_curves`.
4. A comparison group (care as usual vs the integrated approach): :func:`two_group_table`,
   :func:`two_group_curves`, :func:`ancova_n` and :func:`effect_references`.
5. :func:`planning_key_numbers` (``follow_up_*``) and :func:`summary_nl`.

Effect scenarios (:data:`SCENARIOS`) - small uncontrolled pilots overestimate effects:

``observed``
    The pilot's d_z.
``safeguard``
    The bound nearest zero of the two-sided 60% interval of d_z ("safeguard power",
    Perugini, Gallucci & Costantini 2014).
``ci_bound``
    The bound nearest zero of the 95% interval: the smallest effect the pilot is compatible
    with. An interval that contains 0 gives a planning effect of 0, for which no number of
    families reaches the target power (status ``no_effect``).

Enrolment versus analysis: every ``n_enrolled`` is
``ceil(n_analysed / completion_rate)`` (:func:`analysis.stats.power.inflate_for_completion`).

References
----------
Perugini, M., Gallucci, M., & Costantini, G. (2014). Safeguard power as a protection against
imprecise power estimates. Perspectives on Psychological Science, 9(3), 319-332.
doi:10.1177/1745691614528519
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as _st

from analysis.errors import CompendiumError
from analysis.questionnaires.outcomes import PRIMARY, SDQ_SCALES
from analysis.report.figures.style import format_nl
from analysis.stats import inference as _stats
from analysis.stats import power as _pw

SCENARIOS: tuple[str, ...] = ("observed", "safeguard", "ci_bound")
"""Planning effects of the within-family change, from optimistic to conservative."""
SCENARIO_LABELS_NL: dict[str, str] = {"observed": "waargenomen effect",
                                      "safeguard": "safeguard: grens 60%-interval",
                                      "ci_bound": "grens 95%-interval"}
METHOD_LABELS_NL: dict[str, str] = {"paired_t": "Gepaarde t-toets",
                                    "wilcoxon_simulation": "Wilcoxon-toets (simulatie)"}
ASSUMPTION_LABELS_NL: dict[str, str] = {"pilot": "aandeel uit de pilot",
                                        "worst_case": "ongunstigste aandeel"}
STATUSES: tuple[str, ...] = ("ok", "no_effect", "beyond_max_n", "undefined")
"""``status`` of a sample size: found; planning effect 0 (interval contains 0); target not
reached below the search limit; effect undefined (fewer than 2 families or no variation)."""

CONFIDENCE: float = 0.95
"""Level of the pilot's interval of d_z (its bound is the ``ci_bound`` scenario)."""
SAFEGUARD_CONFIDENCE: float = 0.60
"""Level of the safeguard interval (Perugini et al. 2014 recommend 60%)."""
TWO_GROUP_EFFECTS: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""Between-group effects (Cohen's d) tabulated for a comparison-group design."""
USUAL_CARE_REFERENCE_D: float = 0.29
"""Mean effect of evidence-based youth psychotherapies against usual clinical care in 52
randomised trials (Weisz, Kuppens, Eckshtain, Ugueto, Hawley & Jensen-Doss 2013, JAMA
Psychiatry 70(7), 750-761, doi:10.1001/jamapsychiatry.2013.1176): a realistic order of
magnitude for the difference between an integrated approach and care as usual."""
PAIRED_T_MAX_N: int = 100_000
"""Largest number of analysed families searched for the paired t test."""
SIMULATION_MAX_N: int = 1_000
"""Largest number of analysed families searched by simulation (it costs time per family)."""
DEFAULT_POWER_GRID_POINTS: int = 15
POOL_MAX: int = 2_000_000
"""Above this many values (pilot changes x mixture resolution; a cohort of over 2,000
families) the resampling pool of :func:`shrunk_changes` is drawn from without being built."""


# ---------------------------------------------------------------- the pilot's numbers
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
        ``ci_low, ci_high`` (exact 95% interval of d_z, :func:`analysis.stats.inference.paired_t`),
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
        test = _stats.paired_t(part, before="t0", after="t1", confidence=level).iloc[0] \
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
        Interval of :func:`analysis.stats.inference.proportion`.

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
    share = _stats.proportion(k, n, method=method, confidence=confidence).iloc[0]
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
    expected["sdq_n"] = int(effects.loc[effects["scale"] == "total", "n"].iloc[0])
    stale = [key for key, value in expected.items()
             if isinstance(numbers.get(key), (int, float)) and not np.isnan(value)
             and not math.isclose(numbers[key], value, rel_tol=1e-8, abs_tol=1e-12)]
    if effects["instrument"].iloc[0] == PRIMARY and stale:
        raise CompendiumError(f"the questionnaire changes table and the key numbers of "
                              f"01_questionnaires disagree on {stale}; re-run notebook 01")


# ---------------------------------------------------------------- effect scenarios
def nearest_zero(low: float, high: float) -> float:
    """The bound of an interval nearest zero; 0 when the interval contains 0.

    >>> nearest_zero(-1.16, -0.01), nearest_zero(0.2, 0.9), nearest_zero(-0.5, 0.1)
    (-0.01, 0.2, 0.0)
    """
    if np.isnan(low) or np.isnan(high):
        return float("nan")
    if low <= 0 <= high:
        return 0.0
    return float(low if abs(low) < abs(high) else high)


def scenario_effects(effects: pd.DataFrame, scenarios: Iterable[str] = SCENARIOS
                     ) -> pd.DataFrame:
    """Planning effect (signed d_z) per scale and scenario.

    Returns
    -------
    pandas.DataFrame
        One row per scale x scenario: ``instrument, scale, scenario, scenario_nl, d_z``
        (``observed``: the pilot's d_z; ``safeguard``: :func:`nearest_zero` of the 60%
        interval; ``ci_bound``: of the 95% interval) and ``observed_d_z``.
    """
    scenarios = list(scenarios)
    for scenario in scenarios:
        _check_choice("scenario", scenario, SCENARIOS)
    rows = []
    for row in effects.itertuples():
        planned = {"observed": row.d_z,
                   "safeguard": nearest_zero(row.safeguard_low, row.safeguard_high),
                   "ci_bound": nearest_zero(row.ci_low, row.ci_high)}
        rows += [{"instrument": row.instrument, "scale": row.scale, "scenario": s,
                  "scenario_nl": SCENARIO_LABELS_NL[s], "d_z": float(planned[s]),
                  "observed_d_z": float(row.d_z)}
                 for s in scenarios]
    return pd.DataFrame(rows)


def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}; got {value!r}")


# ---------------------------------------------------------------- precision of a share
def precision_table(inputs: PlanningInputs, *, targets: Iterable[float] = (0.05, 0.10, 0.15),
                    methods: Iterable[str] = ("clopper-pearson", "wilson"),
                    confidence: float = 0.95, worst_case: bool = True,
                    max_n: int = 20_000) -> pd.DataFrame:
    """Families needed to estimate the share with a reliable improvement within +/- a target.

    Parameters
    ----------
    inputs : PlanningInputs
        The pilot's share ``k / n`` (:func:`reliable_improvement`) and completion rate.
    targets : iterable of float
        Half-widths of the interval (0.10: +/- 10 percentage points).
    methods : iterable of {"clopper-pearson", "wilson"}
        Interval methods (exact and Wilson score).
    confidence : float
        Level of the interval.
    worst_case : bool
        Also plan for a share of 0.5, where an interval is widest (the pilot's own share is
        uncertain).
    max_n : int
        Largest number of analysed families searched.

    Returns
    -------
    pandas.DataFrame
        One row per assumption x method x target: ``assumption`` (``pilot``,
        ``worst_case``), ``assumption_nl``, ``p``, ``method``, ``confidence``,
        ``target_half_width``, ``n_analysed`` (:func:`analysis.stats.power.n_for_proportion_precision`),
        ``n_enrolled`` (inflated for completion), ``achieved_half_width`` (at ``n_analysed``),
        ``pilot_k``, ``pilot_n``, ``pilot_half_width`` (the pilot's own interval, same
        method), ``completion_rate``.
    """
    rate, pilot = inputs.completion_rate, inputs.reliable.iloc[0]
    rows = []
    for assumption, p in _assumed_shares(inputs, worst_case):
        for method in methods:
            own = _stats.proportion(int(pilot["k"]), int(pilot["n"]), method=method,
                                    confidence=confidence).iloc[0]
            for target in _as_floats(targets, "targets"):
                n = _pw.n_for_proportion_precision(p, target, method=method,
                                                   confidence=confidence, max_n=max_n)
                width = _pw.proportion_ci_width(p, n, method=method, confidence=confidence)
                rows.append({"assumption": assumption,
                             "assumption_nl": ASSUMPTION_LABELS_NL[assumption], "p": p,
                             "method": method, "confidence": confidence,
                             "target_half_width": target, "n_analysed": n,
                             "n_enrolled": _pw.inflate_for_completion(n, rate),
                             "achieved_half_width": float(width["half_width"].iloc[0]),
                             "pilot_k": int(pilot["k"]), "pilot_n": int(pilot["n"]),
                             "pilot_half_width": float(own["ci_high"] - own["ci_low"]) / 2,
                             "completion_rate": rate})
    return pd.DataFrame(rows)


def _assumed_shares(inputs: PlanningInputs, worst_case: bool) -> list[tuple[str, float]]:
    shares = [("pilot", float(inputs.reliable["share"].iloc[0]))]
    return shares + [("worst_case", 0.5)] if worst_case else shares


def _as_floats(values, name: str) -> list[float]:
    values = [values] if isinstance(values, (int, float)) else list(values)
    if not values:
        raise ValueError(f"{name} must hold at least one value; got none")
    return [float(v) for v in values]


def precision_curves(inputs: PlanningInputs, n_enrolled: Iterable[int], *,
                     method: str = "clopper-pearson", confidence: float = 0.95,
                     worst_case: bool = True) -> pd.DataFrame:
    """Expected half-width of the interval around the share, against families enrolled.

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.stats.power.precision_curve` for each assumed share, stacked, with
        ``assumption`` and ``assumption_nl`` in front.
    """
    n_enrolled = list(n_enrolled)
    parts = [_pw.precision_curve(n_enrolled, p=p, completion_rate=inputs.completion_rate,
                                 method=method, confidence=confidence)
             .assign(assumption=assumption, assumption_nl=ASSUMPTION_LABELS_NL[assumption])
             for assumption, p in _assumed_shares(inputs, worst_case)]
    curves = pd.concat(parts, ignore_index=True)
    return curves[["assumption", "assumption_nl"]
                  + [c for c in curves.columns if not c.startswith("assumption")]]


def pilot_precision(inputs: PlanningInputs) -> dict:
    """The pilot as a point for the precision figure: families enrolled and analysed, and the
    half-width of its own interval around the share with a reliable improvement."""
    reliable, completion = inputs.reliable.iloc[0], inputs.completion.iloc[0]
    started = completion["started_n"]
    return {"n_enrolled": int(started) if started is not None and not pd.isna(started)
            else None, "n_analysed": int(reliable["n"]),
            "half_width": float(reliable["half_width"])}


# ---------------------------------------------------------------- power of the change
def shrunk_changes(changes, d_plan: float, *, resolution: int = 1000) -> np.ndarray:
    """The pilot's changes as a distribution with a smaller effect, for resampling.

    Parameters
    ----------
    changes : array-like
        The pilot's changes ``t1 - t0`` (NaN dropped), with a nonzero mean and SD.
    d_plan : float
        Planning effect (d_z): between 0 and the observed d_z (same sign), e.g. a bound of
        its interval.
    resolution : int
        The mixture weight below is rounded to ``1 / resolution``.

    Returns
    -------
    numpy.ndarray
        ``k`` copies of the changes and ``resolution - k`` copies of their mirror image
        ``-d``, with ``k = round(resolution (1 + c) / 2)``: drawing from it with replacement
        draws a pilot change whose sign is flipped with probability ``(1 - c) / 2``. The
        observed effect (``d_plan`` equal to the pilot's d_z) returns the changes unchanged.

    Notes
    -----
    Flipping signs keeps what makes the Wilcoxon test's power: the sizes of the changes,
    their ties and zeros. ``c = 0`` is the symmetric null of the test, ``c = 1`` the pilot.
    With ``m`` the mean and ``E2`` the mean square of the changes, the mixture has mean
    ``c m`` and mean square ``E2``, so its (population) d_z is ``c m / sqrt(E2 - c^2 m^2)``.
    ``c = |t| sqrt(E2) / (|m| sqrt(1 + t^2))`` makes it ``t = (d_plan / d_obs) m / s_0``:
    the pilot's resampled effect (``s_0``, SD with ``ddof=0``) shrunk by the same ratio as
    the d_z. A location shift of the changes would instead move the median of a skewed
    distribution past zero and make the test detect a change in the other direction.

    Examples
    --------
    The pilot below has d_z = -0.503 (``ddof=1``) and resampled d_z ``m / s_0`` = -0.551;
    shrunk to -0.3 the resampled effect is -0.551 * 0.3 / 0.503 = -0.329 (up to the
    rounding of the mixture weight):

    >>> pool = shrunk_changes([-12.0, -3, -2, 0, 0, 2], -0.3)
    >>> round(float(pool.mean() / pool.std()), 3)
    -0.328
    """
    return np.asarray(_shrunk_pool(changes, d_plan, resolution))


def _shrunk_pool(changes, d_plan: float, resolution: int = 1000):
    """:func:`shrunk_changes`, as a :class:`analysis.stats.power.MirroredChanges` when the pool
    would hold more than :data:`POOL_MAX` values (same draws, not held in memory)."""
    d = np.asarray(changes, dtype=float).ravel()
    d = d[~np.isnan(d)]
    if d.size < 2 or not d.std() > 0 or d.mean() == 0:
        raise ValueError("changes must hold at least 2 values with a nonzero mean and SD")
    observed = d.mean() / d.std(ddof=1)
    ratio = float(d_plan) / observed
    if not 0 <= ratio <= 1 + 1e-12:
        raise ValueError(f"d_plan must lie between 0 and the observed d_z {observed:.3f}; "
                         f"got {d_plan!r}")
    if ratio >= 1:
        return d
    target = ratio * d.mean() / d.std()
    mean_square = float(np.mean(d**2))
    c = abs(target) * math.sqrt(mean_square) / (abs(d.mean()) * math.sqrt(1 + target**2))
    k = int(round(resolution * (1 + c) / 2))
    if d.size * resolution > POOL_MAX:
        return _pw.MirroredChanges(d, k, resolution)
    return np.concatenate([np.tile(d, k), np.tile(-d, resolution - k)])


def smallest_n(power_at: Callable[[int], float], target: float, *, guess: int = 10,
               n_min: int = 2, max_n: int = PAIRED_T_MAX_N) -> int | None:
    """Smallest ``n`` whose power reaches ``target``, by growing a bracket and bisecting.

    Parameters
    ----------
    power_at : callable
        ``n -> power`` (e.g. :func:`analysis.stats.power.paired_t_power` with the effect fixed, or
        a seeded simulation).
    target : float
        Target power.
    guess : int
        First ``n`` tried (clipped to ``n_min..max_n``); a good guess saves evaluations.
    n_min, max_n : int
        Search range.

    Returns
    -------
    int or None
        An ``n`` with ``power_at(n) >= target`` and ``power_at(n - 1) < target`` (or
        ``n == n_min``); None when ``power_at(max_n) < target``.

    Notes
    -----
    The upper end of the bracket grows by half each step until it reaches the target, then
    bisection keeps ``power_at(high) >= target > power_at(low)``. For a power that grows with
    ``n`` (the analytic tests) the answer is the smallest ``n``; a simulated power has
    Monte Carlo noise, and the answer is then a local first crossing, as precise as the
    simulation.

    Examples
    --------
    >>> smallest_n(lambda n: _pw.paired_t_power(0.5, n), 0.8)
    34
    """
    target = _pw._check_probability("target", target, low_open=True, high_open=True)

    def reaches(n: int) -> bool:
        value = power_at(n)
        if np.isnan(value):
            raise ValueError(f"power_at({n}) is NaN; cannot search (start nearer the answer)")
        return value >= target

    high, low = min(max(int(guess), n_min), max_n), n_min - 1  # low: sentinel, "not reached"
    while not reaches(high):
        if high >= max_n:
            return None
        low, high = high, min(max_n, max(high + 1, math.ceil(1.5 * high)))
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return high


def power_table(inputs: PlanningInputs, *, target_power: Iterable[float] = (0.8, 0.9),
                alpha: float = 0.05, scenarios: Iterable[str] = SCENARIOS,
                methods: Iterable[str] = _pw.POWER_METHODS, scales: Iterable[str] | None = None,
                n_sim: int = _pw.DEFAULT_N_SIM, seed: int = _stats.DEFAULT_SEED,
                simulated_scales: Iterable[str] = ("total",), max_n: int = PAIRED_T_MAX_N,
                simulation_max_n: int = SIMULATION_MAX_N) -> pd.DataFrame:
    """Families needed to detect the within-family change, per scale, scenario, test and power.

    Parameters
    ----------
    inputs : PlanningInputs
        Effects, observed changes and completion rate of the pilot.
    target_power : iterable of float
        Power levels to plan for.
    alpha : float
        Two-sided significance level.
    scenarios : iterable of str
        Planning effects (:data:`SCENARIOS`, see :func:`scenario_effects`).
    methods : iterable of {"paired_t", "wilcoxon_simulation"}
        Paired t test, analytic (noncentral t, statsmodels ``TTestPower``), and Wilcoxon
        signed-rank test, simulated by resampling the pilot's changes
        (:func:`analysis.stats.power.wilcoxon_power_simulation`).
    scales : iterable of str, optional
        Scales (default all in ``inputs.effects``).
    simulated_scales : iterable of str
        Scales with a Wilcoxon simulation (default the SDQ total): the subscales take few
        distinct values, and with so many ties the simulated power depends on whether exact
        or approximate p-values are used (:data:`analysis.stats.power.WILCOXON_EXACT_MAX_N`).
    n_sim, seed : int
        Replications and seed of the simulation.
    max_n, simulation_max_n : int
        Largest number of analysed families searched analytically and by simulation.

    Returns
    -------
    pandas.DataFrame
        One row per scale x scenario x method x target: ``instrument, scale, scenario,
        scenario_nl, method, method_nl, d_z`` (planning effect, signed), ``target_power,
        alpha, n_analysed, n_enrolled`` (nullable integers; missing unless ``status`` is
        ``ok``), ``achieved_power`` (at ``n_analysed``), ``mc_se`` (Monte Carlo SE
        ``sqrt(p (1 - p) / n_sim)``; 0 for the analytic test), ``status`` (:data:`STATUSES`),
        ``completion_rate``, ``n_sim`` (missing for the analytic test), ``seed``.

    Notes
    -----
    For a scenario other than ``observed`` the simulation resamples
    :func:`shrunk_changes` (the pilot's changes with signs flipped at random, so the effect
    shrinks by ``d_plan / d_obs``). The search is :func:`smallest_n` with the paired t answer
    as first guess; every ``n`` uses the same seed, and power levels share the simulated
    power of each ``n``.
    """
    targets = _as_floats(target_power, "target_power")
    methods = list(methods)
    for method in methods:
        _check_choice("method", method, _pw.POWER_METHODS)
    planned = scenario_effects(inputs.effects, scenarios)
    if scales is not None:
        planned = planned[planned["scale"].isin(list(scales))]
    rows = []
    for row in planned.itertuples():
        t_ns = {t: _paired_t_n(row.d_z, t, alpha, max_n) for t in targets}
        if "paired_t" in methods:
            rows += [_power_row(row, "paired_t", t, alpha, *t_ns[t],
                                _paired_t_achieved(row.d_z, t_ns[t][0], alpha), 0.0)
                     for t in targets]
        if "wilcoxon_simulation" in methods and row.scale in set(simulated_scales):
            rows += _simulated_rows(row, inputs.changes[row.scale], targets, t_ns, alpha,
                                    n_sim, seed, simulation_max_n)
    return _typed_power_table(pd.DataFrame(rows), inputs.completion_rate, seed)


def _status_of(d_z: float) -> str | None:
    if np.isnan(d_z):
        return "undefined"
    return "no_effect" if d_z == 0 else None


def _paired_t_n(d_z: float, target: float, alpha: float, max_n: int):
    status = _status_of(d_z)
    if status:
        return None, status
    # the normal approximation bounds the answer from below: skip hopeless searches
    z = _st.norm.ppf(1 - alpha / 2) + _st.norm.ppf(target)
    if (z / abs(d_z)) ** 2 > max_n:
        return None, "beyond_max_n"
    n = _pw.n_for_paired_t(d_z, power=target, alpha=alpha)
    return (n, "ok") if n <= max_n else (None, "beyond_max_n")


def _paired_t_achieved(d_z: float, n: int | None, alpha: float) -> float:
    return _pw.paired_t_power(d_z, n, alpha=alpha) if n is not None else np.nan


def _simulated_rows(row, changes, targets, t_ns, alpha, n_sim, seed, max_n) -> list[dict]:
    status = _status_of(row.d_z)
    if status:
        return [_power_row(row, "wilcoxon_simulation", t, alpha, None, status, np.nan,
                           np.nan, n_sim) for t in targets]
    pool = _shrunk_pool(changes, row.d_z)

    @functools.cache
    def power_at(n: int) -> float:
        return _pw.wilcoxon_power_simulation(pool, n, alpha=alpha, n_sim=n_sim, seed=seed)

    out = []
    for target in targets:
        guess = t_ns[target][0] or max_n
        n = smallest_n(power_at, target, guess=guess, n_min=2, max_n=max_n)
        achieved = power_at(n) if n is not None else np.nan
        out.append(_power_row(row, "wilcoxon_simulation", target, alpha, n,
                              "ok" if n is not None else "beyond_max_n", achieved,
                              math.sqrt(achieved * (1 - achieved) / n_sim), n_sim))
    return out


def _power_row(row, method, target, alpha, n, status, achieved, mc_se, n_sim=None) -> dict:
    return {"instrument": row.instrument, "scale": row.scale, "scenario": row.scenario,
            "scenario_nl": row.scenario_nl, "method": method,
            "method_nl": METHOD_LABELS_NL[method], "d_z": row.d_z, "target_power": target,
            "alpha": alpha, "n_analysed": n, "achieved_power": achieved, "mc_se": mc_se,
            "status": status, "n_sim": n_sim}


def _typed_power_table(table: pd.DataFrame, rate: float, seed: int) -> pd.DataFrame:
    table["n_analysed"] = pd.array(table["n_analysed"].tolist(), dtype="Int64")
    table["n_enrolled"] = pd.array(
        [None if pd.isna(n) else _pw.inflate_for_completion(int(n), rate)
         for n in table["n_analysed"]], dtype="Int64")
    table["n_sim"] = pd.array(table["n_sim"].tolist(), dtype="Int64")
    table = table.assign(completion_rate=rate, seed=seed)
    return table[["instrument", "scale", "scenario", "scenario_nl", "method", "method_nl",
                  "d_z", "target_power", "alpha", "n_analysed", "n_enrolled",
                  "achieved_power", "mc_se", "status", "completion_rate", "n_sim", "seed"]]


def power_curves(inputs: PlanningInputs, n_enrolled: Iterable[int], *, scale: str = "total",
                 scenarios: Iterable[str] = SCENARIOS,
                 methods: Iterable[str] = _pw.POWER_METHODS, alpha: float = 0.05,
                 n_sim: int = _pw.DEFAULT_N_SIM,
                 seed: int = _stats.DEFAULT_SEED) -> pd.DataFrame:
    """Power of the within-family change against families enrolled, per scenario and test.

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.stats.power.power_curve` per scenario x method, stacked, with ``scale,
        scenario, scenario_nl, method_nl`` added (``effect_size``: the planning d_z for the
        t test; the d_z of the resampled distribution, :func:`shrunk_changes`, for the
        simulation). Scenarios whose planning effect is 0 or undefined have no curve.
    """
    n_enrolled = list(n_enrolled)
    planned = scenario_effects(inputs.effects, scenarios)
    planned = planned[(planned["scale"] == scale) & planned["d_z"].notna()
                      & (planned["d_z"] != 0)]
    parts = []
    for row in planned.itertuples():
        for method in methods:
            options = ({"effect_size": row.d_z} if method == "paired_t" else
                       {"differences": _shrunk_pool(inputs.changes[scale], row.d_z),
                        "n_sim": n_sim, "seed": seed})
            curve = _pw.power_curve(n_enrolled, method=method, alpha=alpha,
                                    completion_rate=inputs.completion_rate, **options)
            parts.append(curve.assign(scale=scale, scenario=row.scenario,
                                      scenario_nl=row.scenario_nl,
                                      method_nl=METHOD_LABELS_NL[method]))
    if not parts:
        return pd.DataFrame(columns=["scale", "scenario", "scenario_nl", "method", "method_nl",
                                     "n_enrolled", "n_analysed", "power", "mc_se"])
    curves = pd.concat(parts, ignore_index=True)
    front = ["scale", "scenario", "scenario_nl", "method", "method_nl"]
    return curves[front + [c for c in curves.columns if c not in front]]


def enrolment_grid(n_needed: Iterable, *, points: int = DEFAULT_POWER_GRID_POINTS,
                   start: int = 10, cap: int = 1_000) -> list[int]:
    """Families enrolled at which to draw a curve: ``start`` up to a bit beyond what is needed.

    Parameters
    ----------
    n_needed : iterable
        Families to enrol from a table (missing values and values above ``cap`` ignored).
    points : int
        At most this many distinct sizes, evenly spaced on a log scale (dense where power
        and precision change fast).
    start, cap : int
        Smallest size, and the largest size drawn.

    Returns
    -------
    list of int
        Increasing sizes from ``start`` to ``min(cap, 1.25 max(n_needed))`` (``cap`` when no
        value is usable), rounded to whole families.

    Examples
    --------
    >>> enrolment_grid([40, None, 80, 5000], points=5)
    [10, 18, 32, 56, 100]
    """
    values = [float(v) for v in n_needed if not pd.isna(v) and float(v) <= cap]
    upper = min(cap, math.ceil(1.25 * max(values))) if values else cap
    upper = max(upper, start + points)
    return sorted({int(round(v)) for v in np.geomspace(start, upper, points)})


# ---------------------------------------------------------------- comparison-group design
def ancova_n(effect_size: float, correlation: float, *, power: float = 0.8,
             alpha: float = 0.05) -> int:
    """Families per arm when the follow-up analysis adjusts for the T0 score (ANCOVA).

    Parameters
    ----------
    effect_size : float
        Cohen's ``d`` between the arms at T1 (standardised by the SD of the scores).
    correlation : float
        Correlation ``r`` of T0 and T1 within an arm, ``-1 < r < 1``.
    power, alpha : float
        Target power and two-sided significance level.

    Returns
    -------
    int
        Smallest ``n`` per arm (equal arms) with power >= ``power`` for the noncentral t
        with ``2n - 3`` degrees of freedom and noncentrality
        ``d / sqrt(1 - r^2) * sqrt(n / 2)``: adjusting for T0 leaves a residual SD of
        ``sqrt(1 - r^2)`` times the SD of the scores. This is the model behind the
        approximation ``n_ANCOVA ~ (1 - r^2) n_t`` of Borm, Fransen & Lemmens (2007); it
        ignores the small loss from estimating the slope.

    References
    ----------
    Borm, G. F., Fransen, J., & Lemmens, W. A. J. G. (2007). A simple sample size formula for
    analysis of covariance in randomized clinical trials. Journal of Clinical Epidemiology,
    60(12), 1234-1238. doi:10.1016/j.jclinepi.2007.02.006

    Examples
    --------
    >>> ancova_n(0.5, 0.0), ancova_n(0.5, 0.6)
    (64, 42)
    """
    effect = _pw._check_effect(effect_size)
    if isinstance(correlation, bool) or not isinstance(correlation, (int, float)) \
            or not -1 < correlation < 1:
        raise ValueError(f"correlation must be a number in (-1, 1); got {correlation!r}")
    target = _pw._check_probability("power", power, low_open=True, high_open=True)
    alpha = _pw._check_probability("alpha", alpha, low_open=True, high_open=True)
    scale = effect / math.sqrt(1 - correlation**2)

    def power_at(n: int) -> float:
        return _pw.t_test_power(scale * math.sqrt(n / 2), 2 * n - 3, alpha=alpha)

    guess = max(3, math.ceil(2 * ((_st.norm.ppf(1 - alpha / 2) + _st.norm.ppf(target))
                                  / scale) ** 2))
    return smallest_n(power_at, target, guess=guess, n_min=3, max_n=10**9)


def two_group_table(inputs: PlanningInputs, *,
                    effect_sizes: Iterable[float] = TWO_GROUP_EFFECTS,
                    target_power: Iterable[float] = (0.8, 0.9), alpha: float = 0.05,
                    scale: str = "total") -> pd.DataFrame:
    """Families per arm for care as usual versus the integrated approach.

    Parameters
    ----------
    inputs : PlanningInputs
        Completion rate, and the pilot's T0-T1 correlation of ``scale`` for the ANCOVA
        columns.
    effect_sizes : iterable of float
        Between-group differences (Cohen's d).
    target_power, alpha
        Power levels and two-sided significance level.
    scale : str
        Scale whose T0-T1 correlation is used.

    Returns
    -------
    pandas.DataFrame
        One row per effect x power: ``effect_size, target_power, alpha,
        n_analysed_per_arm`` (:func:`analysis.stats.power.two_group_n`, t test on T1 or on the
        change), ``n_enrolled_per_arm`` (inflated for completion), ``n_enrolled_total``
        (both arms), ``r_t0_t1``, ``n_analysed_per_arm_ancova``, ``n_enrolled_per_arm_ancova``,
        ``n_enrolled_total_ancova`` (adjusted for T0, :func:`ancova_n`; missing without a
        correlation), ``completion_rate``.
    """
    rate = inputs.completion_rate
    r = float(inputs.effect(scale)["r_t0_t1"])
    rows = []
    for d in _as_floats(effect_sizes, "effect_sizes"):
        for target in _as_floats(target_power, "target_power"):
            n = _pw.two_group_n(d, power=target, alpha=alpha)[0]
            n_anc = ancova_n(d, r, power=target, alpha=alpha) if abs(r) < 1 else None
            enrol_anc = None if n_anc is None else _pw.inflate_for_completion(n_anc, rate)
            rows.append({"effect_size": d, "target_power": target, "alpha": alpha,
                         "n_analysed_per_arm": n,
                         "n_enrolled_per_arm": _pw.inflate_for_completion(n, rate),
                         "n_enrolled_total": 2 * _pw.inflate_for_completion(n, rate),
                         "r_t0_t1": r, "n_analysed_per_arm_ancova": n_anc,
                         "n_enrolled_per_arm_ancova": enrol_anc,
                         "n_enrolled_total_ancova": None if enrol_anc is None else 2 * enrol_anc,
                         "completion_rate": rate})
    table = pd.DataFrame(rows)
    for column in ("n_analysed_per_arm_ancova", "n_enrolled_per_arm_ancova",
                   "n_enrolled_total_ancova"):
        table[column] = pd.array(table[column].tolist(), dtype="Int64")
    return table


def two_group_curves(n_enrolled_per_arm: Iterable[int], *, completion_rate: float,
                     effect_sizes: Iterable[float] = TWO_GROUP_EFFECTS,
                     alpha: float = 0.05) -> pd.DataFrame:
    """Power of the two-group t test against families enrolled per arm.

    Returns
    -------
    pandas.DataFrame
        One row per effect x size: ``effect_size, n_enrolled_per_arm, n_analysed_per_arm``
        (``floor(n_enrolled * completion_rate)``), ``power`` (statsmodels ``TTestIndPower``,
        equal arms, two-sided; NaN below 2 per arm), ``alpha``, ``completion_rate``.
    """
    from statsmodels.stats.power import TTestIndPower

    engine, parts = TTestIndPower(), []
    for d in _as_floats(effect_sizes, "effect_sizes"):
        enrolled, analysed = _pw._enrolment(n_enrolled_per_arm, completion_rate)
        power = [float(engine.power(effect_size=d, nobs1=int(n), alpha=alpha, ratio=1.0,
                                    alternative="two-sided")) if n >= 2 else np.nan
                 for n in analysed]
        parts.append(pd.DataFrame({"effect_size": d, "n_enrolled_per_arm": enrolled,
                                   "n_analysed_per_arm": analysed, "power": power,
                                   "alpha": alpha, "completion_rate": completion_rate}))
    return pd.concat(parts, ignore_index=True)


def effect_references(inputs: PlanningInputs, *, scale: str = "total") -> pd.DataFrame:
    """Effects to read the comparison-group table against, with what each means.

    Returns
    -------
    pandas.DataFrame
        Three rows (``reference``: ``pilot_d_z``, ``pilot_d_av``, ``usual_care``), with
        ``label_nl``, ``effect_size`` (absolute), ``interpretation_nl`` and ``source``. The
        pilot's change is no between-group difference: it includes regression to the mean,
        natural recovery and retesting, all of which a comparison group shares.
    """
    effect = inputs.effect(scale)
    return pd.DataFrame([
        {"reference": "pilot_d_z", "label_nl": "Pilot: verandering binnen gezinnen (d_z)",
         "effect_size": abs(float(effect["d_z"])),
         "interpretation_nl": "in SD van de verandering; geen verschil tussen groepen",
         "source": "dit cohort"},
        {"reference": "pilot_d_av",
         "label_nl": "Pilot: verandering binnen gezinnen in SD van de scores (d_av)",
         "effect_size": abs(float(effect["d_av"])),
         "interpretation_nl": "bovengrens: alleen als gebruikelijke zorg niets verandert",
         "source": "dit cohort"},
        {"reference": "usual_care",
         "label_nl": "Bewezen jeugdbehandelingen tegen gebruikelijke zorg (meta-analyse)",
         "effect_size": USUAL_CARE_REFERENCE_D,
         "interpretation_nl": "realistische orde van grootte voor het verschil tussen groepen",
         "source": "Weisz e.a. (2013), JAMA Psychiatry 70(7), 750-761"},
    ])


# ---------------------------------------------------------------- key numbers and summary
def _pct(value: float) -> str:
    return f"{int(round(100 * value)):02d}"


def _d_key(value: float) -> str:
    return f"d{int(round(100 * value)):02d}"


def _int_or_none(value):
    return None if value is None or pd.isna(value) else int(value)


def _float_or_none(value):
    return None if value is None or pd.isna(value) else float(value)


def planning_key_numbers(inputs: PlanningInputs, precision: pd.DataFrame, power: pd.DataFrame,
                         two_group: pd.DataFrame, *, scale: str = "total",
                         precision_method: str = "clopper-pearson") -> dict:
    """The notebook's key numbers, all named ``follow_up_*`` and JSON-able.

    Names (``TT`` a half-width and ``PP`` a power in percent, ``SC`` a scenario, ``DD`` an
    effect in hundredths; numbers of families are None when not reached):

    * ``follow_up_started_n, _completed_n, _completion_rate, _completion_rate_pilot,
      _completion_rate_excluding_ongoing, _completion_from_pilot``;
    * ``follow_up_sdq_total_n, _d_z, _d_z_ci_low, _d_z_ci_high, _d_z_safeguard,
      _r_t0_t1, _d_av`` (of ``scale``);
    * ``follow_up_reliable_improvement_k, _n, _share, _ci_low, _ci_high,
      follow_up_pilot_half_width``;
    * ``follow_up_n_analysed_precision_TT, follow_up_n_enrol_precision_TT`` (pilot share,
      ``precision_method``) and ``follow_up_n_enrol_precision_TT_worst_case``;
    * ``follow_up_n_analysed_{paired_t,wilcoxon}_PP_SC`` and ``follow_up_n_enrol_...``;
    * ``follow_up_n_enrol_per_arm_PP_dDD`` and ``follow_up_n_enrol_per_arm_ancova_PP_dDD``;
    * ``follow_up_usual_care_reference_d``.
    """
    completion, effect = inputs.completion.iloc[0], inputs.effect(scale)
    reliable = inputs.reliable.iloc[0]
    stem = f"follow_up_{effect['instrument']}_{scale}"
    numbers = {
        "follow_up_started_n": _int_or_none(completion["started_n"]),
        "follow_up_completed_n": _int_or_none(completion["completed_n"]),
        "follow_up_completion_rate": float(completion["completion_rate"]),
        "follow_up_completion_rate_pilot": _float_or_none(completion["pilot_rate"]),
        "follow_up_completion_rate_excluding_ongoing": _float_or_none(
            completion["rate_excluding_ongoing"]),
        "follow_up_completion_from_pilot": bool(completion["source"] == "pilot"),
        f"{stem}_n": int(effect["n"]), f"{stem}_d_z": _float_or_none(effect["d_z"]),
        f"{stem}_d_z_ci_low": _float_or_none(effect["ci_low"]),
        f"{stem}_d_z_ci_high": _float_or_none(effect["ci_high"]),
        f"{stem}_d_z_safeguard": _float_or_none(
            nearest_zero(effect["safeguard_low"], effect["safeguard_high"])),
        f"{stem}_r_t0_t1": _float_or_none(effect["r_t0_t1"]),
        f"{stem}_d_av": _float_or_none(effect["d_av"]),
        "follow_up_reliable_improvement_k": int(reliable["k"]),
        "follow_up_reliable_improvement_n": int(reliable["n"]),
        "follow_up_reliable_improvement_share": float(reliable["share"]),
        "follow_up_reliable_improvement_ci_low": float(reliable["ci_low"]),
        "follow_up_reliable_improvement_ci_high": float(reliable["ci_high"]),
        "follow_up_pilot_half_width": float(reliable["half_width"]),
        "follow_up_usual_care_reference_d": USUAL_CARE_REFERENCE_D,
    }
    numbers.update(_precision_numbers(precision, precision_method))
    numbers.update(_power_numbers(power[power["scale"] == scale]))
    numbers.update(_two_group_numbers(two_group))
    return numbers


def _precision_numbers(precision: pd.DataFrame, method: str) -> dict:
    out = {}
    for row in precision[precision["method"] == method].itertuples():
        key = _pct(row.target_half_width)
        if row.assumption == "pilot":
            out[f"follow_up_n_analysed_precision_{key}"] = int(row.n_analysed)
            out[f"follow_up_n_enrol_precision_{key}"] = int(row.n_enrolled)
        else:
            out[f"follow_up_n_enrol_precision_{key}_{row.assumption}"] = int(row.n_enrolled)
    return out


def _power_numbers(power: pd.DataFrame) -> dict:
    out = {}
    for row in power.itertuples():
        method = "wilcoxon" if row.method == "wilcoxon_simulation" else row.method
        key = f"{method}_{_pct(row.target_power)}_{row.scenario}"
        out[f"follow_up_n_analysed_{key}"] = _int_or_none(row.n_analysed)
        out[f"follow_up_n_enrol_{key}"] = _int_or_none(row.n_enrolled)
    return out


def _two_group_numbers(two_group: pd.DataFrame) -> dict:
    out = {}
    for row in two_group.itertuples():
        key = f"{_pct(row.target_power)}_{_d_key(row.effect_size)}"
        out[f"follow_up_n_enrol_per_arm_{key}"] = int(row.n_enrolled_per_arm)
        out[f"follow_up_n_enrol_per_arm_ancova_{key}"] = _int_or_none(
            row.n_enrolled_per_arm_ancova)
    return out


def summary_nl(inputs: PlanningInputs, precision: pd.DataFrame, power: pd.DataFrame,
               two_group: pd.DataFrame, *, scale: str = "total",
               precision_method: str = "clopper-pearson") -> str:
    """The answer in a few Dutch sentences (Markdown), for the lowest power level planned.

    Picks the precision target nearest 10 percentage points (pilot share,
    ``precision_method``), every scenario of both tests on ``scale``, and the between-group
    effect nearest :data:`USUAL_CARE_REFERENCE_D`. All numbers are families to enrol.
    """
    rate = format_nl(100 * inputs.completion_rate, 0)
    lines = [f"Alle aantallen zijn **aan te melden gezinnen**, bij een afronding van {rate}% "
             f"(gezinnen met begin- en eindmeting)."]
    pilot = precision[(precision["assumption"] == "pilot")
                      & (precision["method"] == precision_method)]
    if not pilot.empty:
        row = pilot.loc[(pilot["target_half_width"] - 0.10).abs().idxmin()]
        lines.append(f"- Aandeel met betrouwbare verbetering binnen ±"
                     f"{format_nl(100 * row['target_half_width'], 0)} procentpunt: "
                     f"{int(row['n_enrolled'])} gezinnen (de pilot: ±"
                     f"{format_nl(100 * row['pilot_half_width'], 0)} procentpunt).")
    lowest = float(power["target_power"].min()) if not power.empty else None
    for row in power[(power["scale"] == scale) & (power["target_power"] == lowest)].itertuples():
        lines.append(f"- {row.method_nl} bij d_z = {format_nl(abs(row.d_z), 2)} "
                     f"({row.scenario_nl}), power {format_nl(100 * lowest, 0)}%: "
                     f"{_needed_nl(row.status, row.n_enrolled)}.")
    groups = two_group[two_group["target_power"] == two_group["target_power"].min()]
    if not groups.empty:
        row = groups.loc[(groups["effect_size"] - USUAL_CARE_REFERENCE_D).abs().idxmin()]
        ancova = ("" if pd.isna(row["n_enrolled_per_arm_ancova"]) else
                  f"; met de beginmeting als covariaat {int(row['n_enrolled_per_arm_ancova'])}")
        lines.append(f"- Vergelijking met gebruikelijke zorg, verschil d = "
                     f"{format_nl(row['effect_size'], 1)}, power "
                     f"{format_nl(100 * row['target_power'], 0)}%: "
                     f"{int(row['n_enrolled_per_arm'])} gezinnen per groep{ancova}.")
    return "\n".join(lines)


def _needed_nl(status: str, n_enrolled) -> str:
    return {"ok": f"{_int_or_none(n_enrolled)} gezinnen",
            "no_effect": "niet te plannen, want het interval bevat 0",
            "beyond_max_n": "niet gehaald binnen de zoekgrens",
            "undefined": "niet te berekenen"}[status]
