"""Power of the within-family change: families needed per effect scenario, test and power.

:func:`power_table` (paired t analytically, Wilcoxon by simulation with its Monte Carlo
band) and :func:`power_curves`, from the effect scenarios of :func:`scenario_effects`:

``observed``
    The pilot's d_z.
``safeguard``
    The bound nearest zero of the two-sided 60% interval of d_z ("safeguard power",
    Perugini, Gallucci & Costantini 2014).
``ci_bound``
    The bound nearest zero of the 95% interval: the smallest effect the pilot is compatible
    with. An interval that contains 0 gives a planning effect of 0 (status ``no_effect``);
    a bound within :data:`NEGLIGIBLE_D_Z` of 0 is indistinguishable from it (status
    ``negligible``): both are reported as "niet te plannen", not as tens of thousands of
    families.

Enrolment versus analysis: every ``n_enrolled`` is ``ceil(n_analysed / completion_rate)``
(:func:`analysis.stats.power.inflate_for_completion`).

References
----------
Perugini, M., Gallucci, M., & Costantini, G. (2014). Safeguard power as a protection against
imprecise power estimates. Perspectives on Psychological Science, 9(3), 319-332.
doi:10.1177/1745691614528519
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
from scipy import stats as _st

from analysis.follow_up.inputs import PlanningInputs, _as_floats, _check_choice
from analysis.stats.paired import DEFAULT_SEED
from analysis.stats import power as _pw


SCENARIOS: tuple[str, ...] = ("observed", "safeguard", "ci_bound")
"""Planning effects of the within-family change, from optimistic to conservative."""


SCENARIO_LABELS_NL: dict[str, str] = {"observed": "waargenomen effect",
                                      "safeguard": "safeguard: grens 60%-interval",
                                      "ci_bound": "grens 95%-interval"}


METHOD_LABELS_NL: dict[str, str] = {"paired_t": "Gepaarde t-toets",
                                    "wilcoxon_simulation": "Wilcoxon-toets (simulatie)"}


STATUSES: tuple[str, ...] = ("ok", "no_effect", "negligible", "beyond_max_n", "undefined")
"""``status`` of a sample size: found; planning effect 0 (interval contains 0); planning
effect indistinguishable from 0 (``|d_z| < NEGLIGIBLE_D_Z``); target not reached below the
search limit; effect undefined (fewer than 2 families or no variation)."""
NEGLIGIBLE_D_Z: float = 0.1
"""A planning effect below a tenth of the SD of the changes is treated as indistinguishable
from zero ("niet te plannen"). It arises when the pilot's interval only just excludes 0: its
bound is then fixed by the pilot's sampling noise rather than by the effect (a change of 0.01
SD in the bound moves the answer by thousands of families), and detecting d_z = 0.1 at 80%
power already takes about 790 analysed families, far beyond any follow-up of this kind."""


PAIRED_T_MAX_N: int = 100_000
"""Largest number of analysed families searched for the paired t test."""


SIMULATION_MAX_N: int = 1_000
"""Largest number of analysed families searched by simulation (it costs time per family)."""


DEFAULT_POWER_GRID_POINTS: int = 15


POOL_MAX: int = 2_000_000
"""Above this many values (pilot changes x mixture resolution; a cohort of over 2,000
families) the resampling pool of :func:`shrunk_changes` is drawn from without being built."""


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
                n_sim: int = _pw.DEFAULT_N_SIM, seed: int = DEFAULT_SEED,
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
        ``sqrt(p (1 - p) / n_sim)``; 0 for the analytic test), ``power_ci_low``,
        ``power_ci_high`` (95% Monte Carlo band, :func:`analysis.stats.power.mc_band`; the
        power itself for the analytic test), ``status`` (:data:`STATUSES`),
        ``completion_rate``, ``n_sim`` (missing for the analytic test), ``seed``.

    Notes
    -----
    For a scenario other than ``observed`` the simulation resamples
    :func:`shrunk_changes` (the pilot's changes with signs flipped at random, so the effect
    shrinks by ``d_plan / d_obs``). The simulated sample size is the smallest ``n`` whose
    lower 95% Monte Carlo band reaches the target (:func:`smallest_n` on the lower band, the
    paired t answer as first guess), so Monte Carlo noise cannot make it too small; it is
    still an approximate number ("ongeveer"). Every ``n`` uses the same seed, and power
    levels share the simulated power of each ``n``. Scenarios with status ``no_effect`` or
    ``negligible`` get no number.
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
    if d_z == 0:
        return "no_effect"
    return "negligible" if abs(d_z) < NEGLIGIBLE_D_Z else None


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

    def lower_band(n: int) -> float:
        return _pw.mc_band(power_at(n), n_sim)[1]

    out = []
    for target in targets:
        guess = t_ns[target][0] or max_n
        n = smallest_n(lower_band, target, guess=guess, n_min=2, max_n=max_n)
        achieved = power_at(n) if n is not None else np.nan
        se, low, high = _pw.mc_band(achieved, n_sim) if n is not None else (np.nan,) * 3
        out.append(_power_row(row, "wilcoxon_simulation", target, alpha, n,
                              "ok" if n is not None else "beyond_max_n", achieved, se, n_sim,
                              band=(low, high)))
    return out


def _power_row(row, method, target, alpha, n, status, achieved, mc_se, n_sim=None,
               band=None) -> dict:
    low, high = band if band is not None else (achieved, achieved)
    return {"instrument": row.instrument, "scale": row.scale, "scenario": row.scenario,
            "scenario_nl": row.scenario_nl, "method": method,
            "method_nl": METHOD_LABELS_NL[method], "d_z": row.d_z, "target_power": target,
            "alpha": alpha, "n_analysed": n, "achieved_power": achieved, "mc_se": mc_se,
            "power_ci_low": low, "power_ci_high": high, "status": status, "n_sim": n_sim}


def _typed_power_table(table: pd.DataFrame, rate: float, seed: int) -> pd.DataFrame:
    table["n_analysed"] = pd.array(table["n_analysed"].tolist(), dtype="Int64")
    table["n_enrolled"] = pd.array(
        [None if pd.isna(n) else _pw.inflate_for_completion(int(n), rate)
         for n in table["n_analysed"]], dtype="Int64")
    table["n_sim"] = pd.array(table["n_sim"].tolist(), dtype="Int64")
    table = table.assign(completion_rate=rate, seed=seed)
    return table[["instrument", "scale", "scenario", "scenario_nl", "method", "method_nl",
                  "d_z", "target_power", "alpha", "n_analysed", "n_enrolled",
                  "achieved_power", "mc_se", "power_ci_low", "power_ci_high", "status",
                  "completion_rate", "n_sim", "seed"]]


def power_curves(inputs: PlanningInputs, n_enrolled: Iterable[int], *, scale: str = "total",
                 scenarios: Iterable[str] = SCENARIOS,
                 methods: Iterable[str] = _pw.POWER_METHODS, alpha: float = 0.05,
                 n_sim: int = _pw.DEFAULT_N_SIM,
                 seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Power of the within-family change against families enrolled, per scenario and test.

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.stats.power.power_curve` per scenario x method, stacked, with ``scale,
        scenario, scenario_nl, method_nl`` added (``effect_size``: the planning d_z for the
        t test; the d_z of the resampled distribution, :func:`shrunk_changes`, for the
        simulation). Scenarios whose planning effect is undefined, 0 or negligible
        (:data:`NEGLIGIBLE_D_Z`) have no curve.
    """
    n_enrolled = list(n_enrolled)
    planned = scenario_effects(inputs.effects, scenarios)
    planned = planned[(planned["scale"] == scale) & planned["d_z"].notna()
                      & (planned["d_z"].abs() >= NEGLIGIBLE_D_Z)]
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
                                     "n_enrolled", "n_analysed", "power", "mc_se",
                                     "completion_rate"])
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
