"""A comparison group: care as usual against the integrated approach.

:func:`two_group_table` (families per arm, t test and ANCOVA with the pilot's T0-T1
correlation), :func:`two_group_curves`, :func:`ancova_n` and :func:`effect_references`
(effects to read the table against).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats as _st

from analysis.origin import computes
from analysis.follow_up.inputs import PlanningInputs, _as_floats
from analysis.follow_up.power import smallest_n
from analysis.stats import power as _pw


TWO_GROUP_EFFECTS: tuple[float, ...] = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""Between-group effects (Cohen's d) tabulated for a comparison-group design."""


USUAL_CARE_REFERENCE_D: float = 0.29
"""Mean effect of evidence-based youth psychotherapies against usual clinical care in 52
randomised trials (Weisz, Kuppens, Eckshtain, Ugueto, Hawley & Jensen-Doss 2013, JAMA
Psychiatry 70(7), 750-761, doi:10.1001/jamapsychiatry.2013.1176): a realistic order of
magnitude for the difference between an integrated approach and care as usual."""


ANCOVA_REFERENCE_R: float = 0.5
"""A T0-T1 correlation to plan the ANCOVA with beside the pilot's own: the pilot's ``r`` rests on
a handful of families and is uncertain; 0.5 is the conventional planning value for pre-post
correlations of questionnaire scores when none is known (Borm, Fransen & Lemmens 2007 use
0.5 in their worked examples)."""


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


@computes("follow_up_n_enrol_per_arm_*", "follow_up_usual_care_reference_d")
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
        correlation), ``r_reference``, ``n_analysed_per_arm_ancova_reference``,
        ``n_enrolled_per_arm_ancova_reference`` (the same at :data:`ANCOVA_REFERENCE_R`),
        ``completion_rate``.
    """
    rate = inputs.completion_rate
    r = float(inputs.effect(scale)["r_t0_t1"])
    rows = []
    for d in _as_floats(effect_sizes, "effect_sizes"):
        for target in _as_floats(target_power, "target_power"):
            n = _pw.two_group_n(d, power=target, alpha=alpha)[0]
            n_anc = ancova_n(d, r, power=target, alpha=alpha) if abs(r) < 1 else None
            enrol_anc = None if n_anc is None else _pw.inflate_for_completion(n_anc, rate)
            n_ref = ancova_n(d, ANCOVA_REFERENCE_R, power=target, alpha=alpha)
            rows.append({"effect_size": d, "target_power": target, "alpha": alpha,
                         "n_analysed_per_arm": n,
                         "n_enrolled_per_arm": _pw.inflate_for_completion(n, rate),
                         "n_enrolled_total": 2 * _pw.inflate_for_completion(n, rate),
                         "r_t0_t1": r, "n_analysed_per_arm_ancova": n_anc,
                         "n_enrolled_per_arm_ancova": enrol_anc,
                         "n_enrolled_total_ancova": None if enrol_anc is None else 2 * enrol_anc,
                         "r_reference": ANCOVA_REFERENCE_R,
                         "n_analysed_per_arm_ancova_reference": n_ref,
                         "n_enrolled_per_arm_ancova_reference":
                             _pw.inflate_for_completion(n_ref, rate),
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
