"""Planning the follow-up: how many families a next cohort needs.

Two questions, each with a scalar function and a tidy curve for figures:

* precision: how wide the confidence interval of a proportion (e.g. "share of parents with an
  elevated SDQ total") will be for a given number of families
  (:func:`proportion_ci_width`, :func:`n_for_proportion_precision`, :func:`precision_curve`);
* power: how likely a pre/post change is detected, analytically for the paired t test
  (:func:`paired_t_power`, :func:`n_for_paired_t`), by resampling the pilot's own changes for
  the Wilcoxon signed-rank test (:func:`wilcoxon_power_simulation`,
  :func:`n_for_wilcoxon_simulation`), and per arm for a comparison-group design
  (:func:`two_group_n`); :func:`power_curve` tabulates either.

Enrolment versus analysis: ``n_enrolled`` families start, ``n_analysed`` complete both
questionnaires. The pilot analysed 14 of 22 (:func:`inflate_for_completion`). All tests are
two-sided; power is computed at ``n_analysed``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats as _st
from statsmodels.stats.power import TTestIndPower, TTestPower

from analysis.stats import _resampling as _rs
from analysis.stats._tidy import DEFAULT_SEED
from analysis.stats.intervals import PROPORTION_METHODS
from analysis.stats.paired import ZERO_METHODS, signed_rank_pvalues

POWER_METHODS = ("paired_t", "wilcoxon_simulation")
SAMPLE_SIZE_RULES = ("lower_band", "point")
DEFAULT_N_SIM = 2000
WILCOXON_EXACT_MAX_N = 20  # the simulation uses exact p-values up to this n, normal above
_TOLERANCE = 1e-9  # guards ceil/floor and p <= alpha against floating-point noise


# ---------------------------------------------------------------- checks
def _check_probability(name: str, value, *, low_open: bool, high_open: bool) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and (
        (0 < value if low_open else 0 <= value) and (value < 1 if high_open else value <= 1))
    if not ok:
        interval = f"{'(' if low_open else '['}0, 1{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a number in {interval}; got {value!r}")
    return float(value)


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}")
    return int(value)


def _check_effect(effect_size) -> float:
    if isinstance(effect_size, bool) or not isinstance(effect_size, (int, float, np.floating)) \
            or not np.isfinite(effect_size) or effect_size == 0:
        raise ValueError(f"effect_size must be a finite nonzero number (standardised mean "
                         f"difference); got {effect_size!r}")
    return abs(float(effect_size))


# ---------------------------------------------------------------- precision of a proportion
def _expected_k(p: float, n: np.ndarray) -> np.ndarray:
    """``round(p n)`` with halves rounded up (not Python's round-half-to-even)."""
    return np.floor(p * n + 0.5 + _TOLERANCE).astype(np.int64)


def _intervals(p: float, n: np.ndarray, method: str, confidence: float):
    """Vectorised interval at ``k = round(p n)`` for every ``n`` (all ``n >= 1``)."""
    k = _expected_k(p, n)
    alpha = 1 - confidence
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore"):
            low = np.where(k == 0, 0.0, _st.beta.ppf(alpha / 2, np.maximum(k, 1), n - k + 1))
            high = np.where(k == n, 1.0, _st.beta.ppf(1 - alpha / 2, k + 1, np.maximum(n - k, 1)))
        return k, low, high
    z = _st.norm.ppf(1 - alpha / 2)
    centre = (k + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * np.sqrt(k * (n - k) / n + z**2 / 4)
    return k, np.maximum(0.0, centre - half), np.minimum(1.0, centre + half)


def proportion_ci_width(p: float, n: int, *, method: str = "clopper-pearson",
                        confidence: float = 0.95) -> pd.DataFrame:
    """Expected confidence interval of a proportion ``p`` observed in ``n`` families.

    Parameters
    ----------
    p : float
        Anticipated proportion, ``0 <= p <= 1`` (the pilot: 9/14 elevated at T0).
    n : int
        Number of families analysed, at least 1.
    method : {"clopper-pearson", "wilson"}
        Interval method (see :func:`analysis.stats.intervals.proportion`).
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    pandas.DataFrame
        One row: ``p``, ``n``, ``k`` (expected count), ``ci_low``, ``ci_high``, ``width``
        (``ci_high - ci_low``), ``half_width`` (``width / 2``), ``method``, ``confidence``.

    Notes
    -----
    The interval is the one that would be reported if exactly ``k = round(p n)`` families
    (halves rounded up) had the outcome. Clopper-Pearson intervals are asymmetric, so
    ``half_width`` is half the total width, not the distance to either side.

    Examples
    --------
    >>> proportion_ci_width(9 / 14, 14)[["k", "half_width"]].round(3).iloc[0].tolist()
    [9.0, 0.261]
    """
    p = _check_probability("p", p, low_open=False, high_open=False)
    n = _check_count("n", n, 1)
    _rs.check_choice("method", method, PROPORTION_METHODS)
    confidence = _rs.check_confidence(confidence)
    k, low, high = _intervals(p, np.array([n]), method, confidence)
    return pd.DataFrame({"p": p, "n": n, "k": k, "ci_low": low, "ci_high": high,
                         "width": high - low, "half_width": (high - low) / 2,
                         "method": method, "confidence": confidence})


def n_for_proportion_precision(p: float, half_width: float, *,
                               method: str = "clopper-pearson", confidence: float = 0.95,
                               max_n: int = 100_000) -> int:
    """Smallest number of analysed families whose expected half-width is at most the target.

    Parameters
    ----------
    p : float
        Anticipated proportion.
    half_width : float
        Target half-width (half the interval width), ``0 < half_width < 0.5``.
    method, confidence
        As in :func:`proportion_ci_width`.
    max_n : int
        Largest n searched.

    Returns
    -------
    int
        Smallest ``n`` with ``proportion_ci_width(p, n).half_width <= half_width``.

    Notes
    -----
    Every ``n`` from 1 to ``max_n`` is evaluated (vectorised). Because ``k`` is rounded, the
    half-width is not strictly monotone in ``n``: one more family can widen the interval
    slightly; :func:`precision_curve` shows the saw-tooth.

    Examples
    --------
    >>> n_for_proportion_precision(0.5, 0.1, method="wilson")
    93
    """
    p = _check_probability("p", p, low_open=False, high_open=False)
    target = _check_probability("half_width", half_width, low_open=True, high_open=True)
    if target >= 0.5:
        raise ValueError(f"half_width must be below 0.5 (0.5 is the whole [0, 1] range); "
                         f"got {half_width!r}")
    max_n = _check_count("max_n", max_n, 1)
    _rs.check_choice("method", method, PROPORTION_METHODS)
    confidence = _rs.check_confidence(confidence)
    n = np.arange(1, max_n + 1)
    _, low, high = _intervals(p, n, method, confidence)
    meets = np.flatnonzero((high - low) / 2 <= target + _TOLERANCE)
    if meets.size == 0:
        raise ValueError(f"half_width {target} is not reached with n <= max_n={max_n}; "
                         f"raise max_n")
    return int(n[meets[0]])


def precision_curve(n_enrolled: Iterable[int], *, p: float, completion_rate: float = 1.0,
                    method: str = "clopper-pearson", confidence: float = 0.95) -> pd.DataFrame:
    """Expected interval of a proportion across enrolment sizes, for a figure.

    Parameters
    ----------
    n_enrolled : iterable of int
        Families enrolled.
    p : float
        Anticipated proportion.
    completion_rate : float
        Share of enrolled families analysed, ``0 < rate <= 1``.
    method, confidence
        As in :func:`proportion_ci_width`.

    Returns
    -------
    pandas.DataFrame
        One row per ``n_enrolled``: ``n_enrolled``, ``n_analysed``
        (``floor(n_enrolled * completion_rate)``), ``k``, ``ci_low``, ``ci_high``,
        ``half_width`` (NaN where nobody is analysed), then the assumptions ``p``,
        ``completion_rate``, ``method``, ``confidence``.
    """
    enrolled, analysed = _enrolment(n_enrolled, completion_rate)
    p = _check_probability("p", p, low_open=False, high_open=False)
    _rs.check_choice("method", method, PROPORTION_METHODS)
    confidence = _rs.check_confidence(confidence)
    k, low, high = _intervals(p, np.maximum(analysed, 1), method, confidence)
    empty = analysed == 0
    return pd.DataFrame({
        "n_enrolled": enrolled, "n_analysed": analysed, "k": k,
        "ci_low": np.where(empty, np.nan, low), "ci_high": np.where(empty, np.nan, high),
        "half_width": np.where(empty, np.nan, (high - low) / 2), "p": p,
        "completion_rate": completion_rate, "method": method, "confidence": confidence})


def _enrolment(n_enrolled, completion_rate) -> tuple[np.ndarray, np.ndarray]:
    rate = _check_probability("completion_rate", completion_rate, low_open=True,
                              high_open=False)
    enrolled = [_check_count("n_enrolled", value, 1) for value in n_enrolled]
    if not enrolled:
        raise ValueError("n_enrolled must hold at least one enrolment size; got none")
    enrolled = np.array(enrolled, dtype=np.int64)
    return enrolled, np.floor(enrolled * rate + _TOLERANCE).astype(np.int64)


def inflate_for_completion(n_analysed: int, completion_rate: float) -> int:
    """Families to enrol so that ``n_analysed`` are expected to complete.

    Parameters
    ----------
    n_analysed : int
        Families needed in the analysis (e.g. from :func:`n_for_paired_t`).
    completion_rate : float
        Expected share completing both measurements, ``0 < rate <= 1`` (pilot: 14/22).

    Returns
    -------
    int
        ``ceil(n_analysed / completion_rate)``, with floating-point noise below 1e-9 ignored
        (so 14 at 14/22 gives 22, not 23).

    Examples
    --------
    >>> inflate_for_completion(14, 14 / 22), inflate_for_completion(34, 14 / 22)
    (22, 54)
    """
    n_analysed = _check_count("n_analysed", n_analysed, 0)
    rate = _check_probability("completion_rate", completion_rate, low_open=True,
                              high_open=False)
    return int(math.ceil(n_analysed / rate - _TOLERANCE))


# ---------------------------------------------------------------- paired t (analytic)
def paired_t_power(effect_size: float, n: int, *, alpha: float = 0.05) -> float:
    """Power of the two-sided paired t test for a standardised mean change ``d_z``.

    Parameters
    ----------
    effect_size : float
        ``d_z`` = mean change / SD of the changes (sign ignored: the test is two-sided).
    n : int
        Families analysed, at least 2.
    alpha : float
        Significance level.

    Returns
    -------
    float
        ``P(|T| > t_{1-alpha/2, n-1})`` with ``T`` noncentral t, ``n - 1`` degrees of
        freedom and noncentrality ``d_z sqrt(n)`` (statsmodels ``TTestPower``).

    References
    ----------
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences (2nd ed.).
    Erlbaum. doi:10.4324/9780203771587

    Examples
    --------
    >>> round(paired_t_power(0.5, 34), 4)
    0.8078
    """
    effect = _check_effect(effect_size)
    n = _check_count("n", n, 2)
    alpha = _check_probability("alpha", alpha, low_open=True, high_open=True)
    return t_test_power(abs(effect) * math.sqrt(n), n - 1, alpha=alpha)


def t_test_power(noncentrality: float, df: float, *, alpha: float = 0.05) -> float:
    """Power of a two-sided t test: ``P(|T| > t_{1-alpha/2, df})``, ``T`` noncentral t.

    Far in the tail opposite the effect scipy's ``nct`` returns NaN; that tail is then below
    1e-10 and counts as 0 (statsmodels' ``TTestPower`` sums the same two tails and returns NaN
    there).

    >>> round(t_test_power(0.5 * 34 ** 0.5, 33), 4)
    0.8078
    """
    critical = float(_st.t.ppf(1 - alpha / 2, df))
    upper = float(_st.nct.sf(critical, df, noncentrality))
    lower = float(_st.nct.cdf(-critical, df, noncentrality))
    return min(1.0, (0.0 if math.isnan(upper) else upper) + (0.0 if math.isnan(lower) else lower))


def n_for_paired_t(effect_size: float, *, power: float = 0.8, alpha: float = 0.05) -> int:
    """Smallest number of analysed families reaching ``power`` with the paired t test.

    Parameters
    ----------
    effect_size : float
        Anticipated ``d_z`` (nonzero).
    power : float
        Target power.
    alpha : float
        Two-sided significance level.

    Returns
    -------
    int
        The statsmodels ``TTestPower.solve_power`` solution rounded up, then checked
        against :func:`paired_t_power` (and moved if needed) so that it is the smallest ``n``
        with power >= ``power``.

    Examples
    --------
    >>> n_for_paired_t(0.5)
    34
    """
    effect = _check_effect(effect_size)
    target = _check_probability("power", power, low_open=True, high_open=True)
    alpha = _check_probability("alpha", alpha, low_open=True, high_open=True)
    solved = TTestPower().solve_power(effect_size=effect, power=target, alpha=alpha,
                                      alternative="two-sided")
    solved = float(np.atleast_1d(solved)[0])  # NaN when the solver fails (a huge effect)
    n = max(2, math.ceil(solved - _TOLERANCE)) if math.isfinite(solved) else 2
    while n > 2 and paired_t_power(effect, n - 1, alpha=alpha) >= target:
        n -= 1
    while paired_t_power(effect, n, alpha=alpha) < target:
        n += 1
    return n


def two_group_n(effect_size: float, *, power: float = 0.8, alpha: float = 0.05,
                ratio: float = 1.0) -> tuple[int, int]:
    """Families per arm for a two-group comparison (care as usual vs integrated approach).

    Parameters
    ----------
    effect_size : float
        Cohen's ``d`` between the arms (pooled SD), nonzero.
    power : float
        Target power of the two-sided independent-samples t test.
    alpha : float
        Significance level.
    ratio : float
        ``n_2 / n_1`` (statsmodels convention), e.g. 2 for two comparison families per
        family in the integrated arm.

    Returns
    -------
    tuple of int
        ``(n_1, n_2)`` analysed per arm: the smallest ``n_1`` for which the power at
        ``(n_1, n_2 = ceil(ratio n_1))`` reaches ``power`` (bisection below the statsmodels
        ``TTestIndPower`` solution rounded up; power grows with ``n_1`` along this path).
        Inflate each for drop-out with :func:`inflate_for_completion`.

    References
    ----------
    Cohen, J. (1992). A power primer. Psychological Bulletin, 112(1), 155-159.
    doi:10.1037/0033-2909.112.1.155

    Examples
    --------
    >>> two_group_n(0.5)
    (64, 64)
    """
    effect = _check_effect(effect_size)
    target = _check_probability("power", power, low_open=True, high_open=True)
    alpha = _check_probability("alpha", alpha, low_open=True, high_open=True)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not ratio > 0:
        raise ValueError(f"ratio must be a positive number (n_2 / n_1); got {ratio!r}")
    engine = TTestIndPower()

    def arms(n1: int) -> tuple[int, int]:
        return n1, max(2, math.ceil(ratio * n1 - _TOLERANCE))

    def reaches(n1: int) -> bool:
        n2 = arms(n1)[1]
        return engine.power(effect_size=effect, nobs1=n1, alpha=alpha, ratio=n2 / n1,
                            alternative="two-sided") >= target

    solved = engine.solve_power(effect_size=effect, power=target, alpha=alpha, ratio=ratio,
                                alternative="two-sided")
    high = max(2, math.ceil(float(np.atleast_1d(solved)[0]) - _TOLERANCE))
    while not reaches(high):
        high += 1
    low = 1  # sentinel below the smallest arm allowed (2); invariant: reaches(high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return arms(high)


# ---------------------------------------------------------------- Wilcoxon (simulation)
class MirroredChanges:
    """``copies`` copies of some changes, the first ``k`` as they are and the rest sign-flipped,
    without holding them all (:func:`analysis.follow_up.power.shrunk_changes` of a large cohort).

    Indexing with :meth:`take` gives exactly the values of the materialised pool
    ``np.concatenate([np.tile(d, k), np.tile(-d, copies - k)])`` (``np.asarray`` builds it).
    """

    def __init__(self, changes: np.ndarray, k: int, copies: int):
        self.changes, self.k, self.copies = np.asarray(changes, dtype=float), int(k), int(copies)

    @property
    def size(self) -> int:
        return self.copies * self.changes.size

    def take(self, index: np.ndarray) -> np.ndarray:
        values = self.changes[index % self.changes.size]
        return np.where(index < self.k * self.changes.size, values, -values)

    def mean(self) -> float:
        return (2 * self.k - self.copies) / self.copies * float(self.changes.mean())

    def std(self, ddof: int = 0) -> float:
        variance = float(np.mean(self.changes**2)) - self.mean() ** 2
        return math.sqrt(max(variance, 0.0) * self.size / (self.size - ddof))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        d = self.changes
        pool = np.concatenate([np.tile(d, self.k), np.tile(-d, self.copies - self.k)])
        return pool if dtype is None else pool.astype(dtype)


def _pilot_changes(differences, shift, scale) -> np.ndarray | MirroredChanges:
    if isinstance(differences, MirroredChanges) and shift == 0 and scale == 1:
        return differences
    d = np.asarray(differences, dtype=float).ravel()
    d = d[~np.isnan(d)]
    if d.size < 2:
        raise ValueError(f"differences must hold at least 2 observed changes (NaN dropped); "
                         f"got {d.size}")
    for name, value in (("shift", shift), ("scale", scale)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number; got {value!r}")
    return scale * d + shift


def _simulated_power(changes, n, alpha, n_sim, seed, zero_method, exact_max_n) -> float:
    rng = np.random.default_rng(seed)
    samples = changes.take(rng.integers(0, changes.size, size=(n_sim, n)))
    method = "exact" if n <= exact_max_n else "normal"
    p = signed_rank_pvalues(samples, zero_method=zero_method, method=method)
    return float(np.mean(p <= alpha * (1 + _TOLERANCE)))


def _check_simulation(alpha, n_sim, seed, zero_method, exact_max_n) -> float:
    alpha = _check_probability("alpha", alpha, low_open=True, high_open=True)
    _check_count("n_sim", n_sim, 100)
    _rs.check_resampling(100, seed)
    _rs.check_choice("zero_method", zero_method, ZERO_METHODS)
    _check_count("exact_max_n", exact_max_n, 0)
    return alpha


def mc_band(power: float, n_sim: int, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """Monte Carlo standard error and band of a simulated power.

    Parameters
    ----------
    power : float
        Share of ``n_sim`` simulated cohorts with a significant test.
    n_sim : int
        Number of simulated cohorts.
    confidence : float
        Level of the band.

    Returns
    -------
    tuple of float
        ``(se, low, high)``: ``se = sqrt(p (1 - p) / n_sim)`` and the Wilson score interval of
        ``p`` (which stays inside [0, 1] and is not zero-width at p = 0 or 1).

    Examples
    --------
    >>> [round(v, 4) for v in mc_band(0.8005, 2000)]
    [0.0089, 0.7824, 0.8174]
    """
    n_sim = _check_count("n_sim", n_sim, 1)
    p = _check_probability("power", power, low_open=False, high_open=False)
    z = float(_st.norm.ppf(1 - (1 - _rs.check_confidence(confidence)) / 2))
    centre = (p + z**2 / (2 * n_sim)) / (1 + z**2 / n_sim)
    half = z / (1 + z**2 / n_sim) * math.sqrt(p * (1 - p) / n_sim + z**2 / (4 * n_sim**2))
    return math.sqrt(p * (1 - p) / n_sim), max(0.0, centre - half), min(1.0, centre + half)


def wilcoxon_power_simulation(differences, n: int, *, alpha: float = 0.05,
                              n_sim: int = DEFAULT_N_SIM, seed: int | None = DEFAULT_SEED,
                              shift: float = 0.0, scale: float = 1.0,
                              zero_method: str = "pratt",
                              exact_max_n: int = WILCOXON_EXACT_MAX_N) -> float:
    """Power of the Wilcoxon signed-rank test by resampling the pilot's own changes.

    Parameters
    ----------
    differences : array-like
        Observed within-family changes ``after - before`` (NaN dropped).
    n : int
        Families analysed in the planned cohort, at least 2.
    alpha : float
        Two-sided significance level; a test counts as significant when ``p <= alpha``.
    n_sim : int
        Simulated cohorts (>= 100); Monte Carlo SE is ``sqrt(power (1 - power) / n_sim)``.
    seed : int or None
        Seed of ``numpy.random.default_rng``; the same seed gives the same cohorts.
    shift, scale : float
        Changes are transformed to ``scale * d + shift`` before resampling: ``scale`` < 1
        shrinks the pilot effect (regression to the mean, optimism), ``shift`` sets another
        mean change; ``shift = -mean(d)`` (with ``scale = 1``) simulates the null.
    zero_method : {"pratt", "wilcox"}
        Zero rule of :func:`analysis.stats.paired.paired_wilcoxon`.
    exact_max_n : int
        Exact permutation p-values up to this ``n``, the tie-corrected normal approximation
        above it (for speed; default 20).

    Returns
    -------
    float
        Share of the ``n_sim`` simulated cohorts with a significant test.

    Notes
    -----
    Each cohort is ``n`` changes drawn with replacement from the transformed pilot changes:
    one ``(n_sim, n)`` array of indices from ``rng.integers``, so ties and zeros occur as
    often as in the pilot. This keeps the pilot's distribution shape but also its sampling
    noise: with 14 families the pilot effect itself is uncertain, so report power for a
    range of ``scale`` values. The exact p-values make small-``n`` power step-shaped.
    """
    changes = _pilot_changes(differences, shift, scale)
    n = _check_count("n", n, 2)
    alpha = _check_simulation(alpha, n_sim, seed, zero_method, exact_max_n)
    return _simulated_power(changes, n, alpha, n_sim, seed, zero_method, exact_max_n)


def n_for_wilcoxon_simulation(differences, *, power: float = 0.8, alpha: float = 0.05,
                              n_sim: int = DEFAULT_N_SIM, seed: int | None = DEFAULT_SEED,
                              shift: float = 0.0, scale: float = 1.0,
                              zero_method: str = "pratt",
                              exact_max_n: int = WILCOXON_EXACT_MAX_N, n_min: int = 5,
                              n_max: int = 500, rule: str = "lower_band") -> int:
    """Smallest ``n`` whose simulated Wilcoxon power clears ``power``.

    Parameters are those of :func:`wilcoxon_power_simulation`, plus ``power`` (target), the
    search range ``n_min``..``n_max`` and ``rule``: "lower_band" (default) requires the lower
    end of the 95% Monte Carlo band (:func:`mc_band`) to reach the target, "point" only the
    simulated power itself.

    Returns
    -------
    int
        First ``n`` (scanning upward from ``n_min``) that meets the rule.

    Notes
    -----
    Every ``n`` uses the same seed (common random numbers), which keeps the simulated power
    curve smooth. With the "point" rule the answer jumps with the seed whenever the power
    curve crosses the target within its Monte Carlo noise (the bundled cohort: 0.8005 at
    n = 22 with the default seed, about 0.78 over other seeds); the lower band makes the
    answer conservative and stable across seeds (``tests/test_power.py`` shows the spread).
    Raises ValueError when ``n_max`` does not reach the target.
    """
    changes = _pilot_changes(differences, shift, scale)
    target = _check_probability("power", power, low_open=True, high_open=True)
    alpha = _check_simulation(alpha, n_sim, seed, zero_method, exact_max_n)
    n_min = _check_count("n_min", n_min, 2)
    n_max = _check_count("n_max", n_max, n_min)
    _rs.check_choice("rule", rule, SAMPLE_SIZE_RULES)
    achieved = np.nan
    for n in range(n_min, n_max + 1):
        achieved = _simulated_power(changes, n, alpha, n_sim, seed, zero_method, exact_max_n)
        if (mc_band(achieved, n_sim)[1] if rule == "lower_band" else achieved) >= target:
            return n
    raise ValueError(f"power {target} is not reached with n <= n_max={n_max} (simulated power "
                     f"there: {achieved:.3f}); raise n_max or check the assumed effect")


# ---------------------------------------------------------------- curves for figures
def power_curve(n_enrolled: Iterable[int], *, method: str = "paired_t",
                effect_size: float | None = None, differences=None,
                completion_rate: float = 1.0, alpha: float = 0.05, **simulation) -> pd.DataFrame:
    """Power across enrolment sizes, analytic (paired t) or simulated (Wilcoxon).

    Parameters
    ----------
    n_enrolled : iterable of int
        Families enrolled.
    method : {"paired_t", "wilcoxon_simulation"}
        :func:`paired_t_power` (needs ``effect_size``) or :func:`wilcoxon_power_simulation`
        (needs ``differences``).
    effect_size : float, optional
        Assumed ``d_z`` for the paired t test.
    differences : array-like, optional
        Pilot changes for the simulation.
    completion_rate : float
        Share of enrolled families analysed; ``n_analysed = floor(n_enrolled * rate)``.
    alpha : float
        Two-sided significance level.
    **simulation
        ``n_sim``, ``seed``, ``shift``, ``scale``, ``zero_method``, ``exact_max_n`` of
        :func:`wilcoxon_power_simulation`.

    Returns
    -------
    pandas.DataFrame
        One row per ``n_enrolled``: ``n_enrolled``, ``n_analysed``, ``power`` (NaN when
        fewer than 2 are analysed), ``mc_se`` (Monte Carlo SE; 0 for the analytic method),
        ``power_ci_low``, ``power_ci_high`` (95% Monte Carlo band, :func:`mc_band`; equal to
        ``power`` for the analytic method), ``method``, and the assumptions ``effect_size``
        (assumed d_z, or mean/SD of the
        transformed pilot changes), ``alpha``, ``completion_rate``, ``n_sim``, ``shift``,
        ``scale`` (the last three NaN for the analytic method).

    Examples
    --------
    >>> power_curve([20, 40], effect_size=0.5, completion_rate=0.5)[["n_analysed", "power"]
    ...                                                             ].round(3).values.tolist()
    [[10.0, 0.293], [20.0, 0.565]]
    """
    _rs.check_choice("method", method, POWER_METHODS)
    enrolled, analysed = _enrolment(n_enrolled, completion_rate)
    if method == "paired_t":
        if effect_size is None or differences is not None or simulation:
            raise ValueError("method 'paired_t' needs effect_size and takes no differences or "
                             f"simulation options; got effect_size={effect_size!r}, "
                             f"simulation options {sorted(simulation)}")
        power = [paired_t_power(effect_size, int(n), alpha=alpha) if n >= 2 else np.nan
                 for n in analysed]
        assumed, n_sim, se = float(effect_size), np.nan, np.zeros(len(analysed))
        shift = scale = np.nan
    else:
        if differences is None or effect_size is not None:
            raise ValueError("method 'wilcoxon_simulation' needs differences (the pilot's "
                             "changes) and takes no effect_size")
        power, assumed, n_sim, shift, scale = _simulated_curve(differences, analysed, alpha,
                                                               simulation)
        se = np.sqrt(np.asarray(power) * (1 - np.asarray(power)) / n_sim)
    power = np.asarray(power, dtype=float)
    bands = np.array([mc_band(p, int(n_sim))[1:] if np.isfinite(p) and np.isfinite(n_sim)
                      else (p, p) for p in power]).reshape(-1, 2)
    return pd.DataFrame({"n_enrolled": enrolled, "n_analysed": analysed,
                         "power": power, "mc_se": se, "power_ci_low": bands[:, 0],
                         "power_ci_high": bands[:, 1],
                         "method": method, "effect_size": assumed, "alpha": alpha,
                         "completion_rate": completion_rate, "n_sim": n_sim, "shift": shift,
                         "scale": scale})


def _simulated_curve(differences, analysed, alpha, simulation):
    allowed = {"n_sim", "seed", "shift", "scale", "zero_method", "exact_max_n"}
    if set(simulation) - allowed:
        raise ValueError(f"unknown simulation options {sorted(set(simulation) - allowed)}; "
                         f"allowed {sorted(allowed)}")
    options = {"n_sim": DEFAULT_N_SIM, "seed": DEFAULT_SEED, "shift": 0.0, "scale": 1.0,
               "zero_method": "pratt", "exact_max_n": WILCOXON_EXACT_MAX_N, **simulation}
    changes = _pilot_changes(differences, options["shift"], options["scale"])
    power = [wilcoxon_power_simulation(differences, int(n), alpha=alpha, **options)
             if n >= 2 else np.nan for n in analysed]
    assumed = changes.mean() / changes.std(ddof=1) if changes.std(ddof=1) > 0 else np.nan
    return power, float(assumed), options["n_sim"], options["shift"], options["scale"]
