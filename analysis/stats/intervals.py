"""Intervals of a proportion (Clopper-Pearson, Wilson) and bootstrap intervals of any statistic.

Resampling uses ``numpy.random.default_rng(seed)`` and is deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats as _st

from analysis.stats import _resampling as _rs
from analysis.stats._resampling import BOOTSTRAP_METHODS
from analysis.stats._tidy import DEFAULT_RESAMPLES, DEFAULT_SEED

__all__ = ["PROPORTION_METHODS", "BOOTSTRAP_METHODS", "proportion", "exact_interval",
           "bootstrap_ci"]

PROPORTION_METHODS = ("clopper-pearson", "wilson")


# ---------------------------------------------------------------- proportion
def proportion(k: int, n: int, *, method: str = "clopper-pearson",
               confidence: float = 0.95) -> pd.DataFrame:
    """Proportion ``k / n`` with an exact (Clopper-Pearson) or Wilson score interval.

    Parameters
    ----------
    k : int
        Number of successes, ``0 <= k <= n``.
    n : int
        Number of trials, at least 1.
    method : {"clopper-pearson", "wilson"}
        Interval method.
    confidence : float
        Two-sided confidence level, default 0.95.

    Returns
    -------
    pandas.DataFrame
        One row: ``k``, ``n``, ``proportion`` (k / n), ``ci_low``, ``ci_high``, ``method``,
        ``confidence``.

    Notes
    -----
    With ``alpha = 1 - confidence``, Clopper-Pearson uses beta quantiles:
    ``low = B(alpha/2; k, n-k+1)`` (0 when k = 0) and ``high = B(1-alpha/2; k+1, n-k)``
    (1 when k = n). Wilson: with ``z = Phi^-1(1 - alpha/2)``, centre
    ``(k + z^2/2) / (n + z^2)`` and half-width ``z / (n + z^2) * sqrt(k (n-k) / n + z^2/4)``.

    References
    ----------
    Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits
    illustrated in the case of the binomial. Biometrika, 26(4), 404-413.
    doi:10.1093/biomet/26.4.404
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA, 22(158), 209-212. doi:10.1080/01621459.1927.10502953
    Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
    comparison of seven methods. Statistics in Medicine, 17(8), 857-872.

    Examples
    --------
    >>> proportion(9, 14)[["proportion", "ci_low", "ci_high"]].round(3).iloc[0].tolist()
    [0.643, 0.351, 0.872]
    """
    low, high = _proportion_interval(k, n, method, confidence)
    return pd.DataFrame([{"k": int(k), "n": int(n), "proportion": k / n, "ci_low": low,
                          "ci_high": high, "method": method, "confidence": float(confidence)}])


def exact_interval(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of ``k`` of ``n`` as a pair of fractions; ``(nan, nan)`` when
    ``n`` is 0 (no observations: no interval, rather than an error, for tables and figures).

    >>> [round(x, 4) for x in exact_interval(9, 14)]
    [0.3514, 0.8724]
    """
    if int(n) == 0:
        return float("nan"), float("nan")
    row = proportion(int(k), int(n), method="clopper-pearson", confidence=confidence).iloc[0]
    return float(row["ci_low"]), float(row["ci_high"])


def _check_counts(k, n) -> None:
    for name, value in (("k", k), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number; got {value!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1 (a proportion of nothing is undefined); got {n}")
    if not 0 <= k <= n:
        raise ValueError(f"k must lie between 0 and n={n}; got {k}")


def _proportion_interval(k, n, method: str, confidence: float) -> tuple[float, float]:
    _check_counts(k, n)
    _rs.check_choice("method", method, PROPORTION_METHODS)
    alpha = 1 - _rs.check_confidence(confidence)
    if method == "clopper-pearson":
        low = 0.0 if k == 0 else float(_st.beta.ppf(alpha / 2, k, n - k + 1))
        high = 1.0 if k == n else float(_st.beta.ppf(1 - alpha / 2, k + 1, n - k))
        return low, high
    z = _st.norm.ppf(1 - alpha / 2)
    centre = (k + z**2 / 2) / (n + z**2)
    half = z / (n + z**2) * np.sqrt(k * (n - k) / n + z**2 / 4)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


# ---------------------------------------------------------------- bootstrap
def bootstrap_ci(data, statistic: Callable, *, n_resamples: int = DEFAULT_RESAMPLES,
                 seed: int | None = DEFAULT_SEED, confidence: float = 0.95,
                 method: str = "percentile") -> pd.DataFrame:
    """Bootstrap confidence interval of a vectorised statistic (percentile or BCa).

    Parameters
    ----------
    data : array-like or tuple of array-like
        One sample (1-D, or 2-D with one row per resampling unit, e.g. a family's
        ``(before, after)`` pair), or a tuple of independent samples, each resampled on its
        own (stratified bootstrap).
    statistic : callable
        Vectorised: called with one array per sample, each of shape
        ``(batch, n_k, ...)``, it returns shape ``(batch,)``. NaN marks an undefined value.
    n_resamples : int
        Number of bootstrap resamples (>= 100), default 9999.
    seed : int or None
        Seed of ``numpy.random.default_rng``; a fixed seed gives identical results.
    confidence : float
        Two-sided confidence level.
    method : {"percentile", "bca"}
        Percentile interval, or bias-corrected and accelerated (BCa).

    Returns
    -------
    pandas.DataFrame
        One row: ``estimate`` (statistic on the data), ``ci_low``, ``ci_high``, ``se``
        (SD of the bootstrap values), ``confidence``, ``method``, ``n_resamples``,
        ``n_valid`` (resamples with a defined statistic), ``seed``.

    Notes
    -----
    Resamples whose statistic is NaN are left out. Percentile: the ``alpha/2`` and
    ``1 - alpha/2`` quantiles (linear interpolation) of the bootstrap values. BCa:
    ``z0 = Phi^-1((#{t* < t} + #{t* = t} / 2) / B)``, acceleration
    ``a = sum((m - t_(i))^3) / (6 sum((m - t_(i))^2)^1.5)`` from the leave-one-out values
    ``t_(i)`` with mean ``m`` (``a = 0`` when they are all equal); for a tuple of samples the
    acceleration is stratified, each sample's influence values scaled by its own size
    (Davison & Hinkley 1997, eq. 5.29, as ``scipy.stats.bootstrap``); quantile levels
    ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))``. A bootstrap distribution concentrated at one
    value gives a zero-width interval, which signals an uninformative interval.

    References
    ----------
    Efron, B., & Tibshirani, R. J. (1993). An Introduction to the Bootstrap (ch. 13-14).
    Chapman & Hall. doi:10.1201/9780429246593

    Examples
    --------
    >>> ci = bootstrap_ci([1.0, 2, 3, 4, 5], lambda x: x.mean(axis=-1), seed=1)
    >>> ci[["estimate", "ci_low", "ci_high"]].round(1).iloc[0].tolist()
    [3.0, 1.8, 4.2]
    """
    result = _rs.bootstrap(data, statistic, n_resamples=n_resamples, seed=seed,
                           confidence=confidence, method=method)
    return pd.DataFrame([result])
