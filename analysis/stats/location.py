"""Effect sizes of a paired change in scale points and in ranks, and multiplicity adjustment.

* :func:`hodges_lehmann`: the Hodges-Lehmann estimate of the (pseudo)median change with the
  distribution-free interval found by inverting the exact signed-rank test, in the units of
  the scale (points), so a practitioner can read it.
* :func:`rank_biserial_interval`: an interval for the matched-pairs rank-biserial correlation
  found by inverting the exact signed-rank test (consistent with the Hodges-Lehmann interval by
  construction), or none with the reason; :func:`rank_biserial_fisher`, the Fisher z
  approximation it replaces, kept for comparison.
* :func:`holm`: Holm's step-down adjustment of p-values.

Pure numpy/scipy; nothing here reads or writes files.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as _st

from analysis.origin import computes
from analysis.stats import _resampling as _rs

__all__ = ["RANK_BISERIAL_MIN_NONZERO", "hodges_lehmann", "rank_biserial_interval",
           "rank_biserial_fisher", "rank_biserial_coverage", "holm"]

RANK_BISERIAL_MIN_NONZERO = 10
"""Fewest non-zero changes for which the approximate intervals (:func:`rank_biserial_fisher`
and the bootstrap of :func:`analysis.stats.paired.paired_wilcoxon`) are given. Below 10 the
exact null distribution of the signed-rank sum has fewer than ``2^10 = 1024`` sign patterns;
a bootstrap fails as well (most resamples repeat the same few patterns, and R's ``boot.ci``
refuses such intervals). Raising it does not rescue the Fisher interval: its simulated
coverage is 0.83-0.87 for the largest effect at every n from 10 to 30 (see
:func:`rank_biserial_interval`), so the default interval is the test inversion instead."""


@computes("*_hl", "*_hl_ci_low", "*_hl_ci_high", "*_hl_ci_zero_bound")
def hodges_lehmann(differences, *, confidence: float = 0.95) -> dict:
    """Hodges-Lehmann estimate of a paired change with its exact distribution-free interval.

    Parameters
    ----------
    differences : array-like
        Within-family changes ``after - before`` (points; NaN dropped), at least 1.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    dict
        ``estimate`` (median of the Walsh averages, points), ``ci_low``, ``ci_high``
        (points), ``confidence`` (requested), ``confidence_achieved`` (the level the
        interval actually has: the requested one when the test can reject, else
        ``1 - p_min``), ``n``, ``ties`` (whether ``|d|`` has ties or zeros, so that the
        conditional null distribution was used), ``method``.

    Notes
    -----
    Walsh averages ``w_ij = (d_i + d_j) / 2`` for ``i <= j`` (``M = n (n + 1) / 2`` of
    them); the estimate is their median. The interval holds every shift ``mu`` at which the
    exact two-sided signed-rank test of ``d - mu`` (midranks, conditional on the tie pattern
    of ``|d - mu|``) does not reject at ``alpha = 1 - confidence``. Between two consecutive
    Walsh averages the test statistic is constant (``T+(mu)`` counts the Walsh averages above
    ``mu``) and no difference is zero, so the test is evaluated once per gap and the bounds
    are Walsh averages. Without ties or zeros this is exactly R's
    ``wilcox.test(d, conf.int = TRUE)`` (``[w_(q), w_(M - q + 1)]`` with
    ``q = qsignrank(alpha / 2, n)``); with ties R switches to a normal approximation, this
    stays exact. When no shift can be rejected (n <= 5 at 95%) the interval is, as in R, the
    range of the Walsh averages and ``confidence_achieved`` is below the requested level.

    References
    ----------
    Hodges, J. L., & Lehmann, E. L. (1963). Estimates of location based on rank tests.
    Ann. Math. Stat., 34(2), 598-611. doi:10.1214/aoms/1177704172
    Bauer, D. F. (1972). Constructing confidence sets using rank statistics. JASA, 67(339),
    687-690. doi:10.1080/01621459.1972.10481279

    Examples
    --------
    >>> r = hodges_lehmann([-4.0, -3, -2, -1, 1, -5, -6, 2])
    >>> r["estimate"], r["ci_low"], r["ci_high"]
    (-2.25, -5.0, 0.5)
    """
    alpha = 1 - _rs.check_confidence(confidence)
    d = np.round(np.asarray(differences, dtype=float).ravel(), 10)
    d = d[~np.isnan(d)]
    if d.size < 1:
        raise ValueError("differences must hold at least one observed change")
    if d.size > _rs.EXACT_MAX_N:
        return _hodges_lehmann_large(d, alpha)
    i, j = np.triu_indices(d.size)
    walsh = np.sort((d[i] + d[j]) / 2)
    estimate = float(np.median(walsh))
    ties = bool(np.unique(np.abs(d)).size < d.size or np.any(d == 0))
    points = np.unique(walsh)
    # one shift inside every gap, plus one beyond each end
    inside = np.r_[points[0] - 1, (points[:-1] + points[1:]) / 2, points[-1] + 1]
    p = _rs.signed_rank(d[None, :] - inside[:, None], "wilcox", "exact")[1]
    accepted = np.flatnonzero(p > alpha * (1 + 1e-12))
    if accepted.size and accepted[0] > 0 and accepted[-1] < inside.size - 1:
        # gap k lies between points[k - 1] and points[k]
        low, high = float(points[accepted[0] - 1]), float(points[accepted[-1]])
        achieved = 1 - alpha
    else:  # no shift can be rejected: R's convention, the range of the Walsh averages
        low, high, achieved = float(points[0]), float(points[-1]), 1 - float(p[[0, -1]].max())
    return {"estimate": estimate, "ci_low": low, "ci_high": high, "confidence": 1 - alpha,
            "confidence_achieved": float(achieved), "n": int(d.size), "ties": ties,
            "method": "Hodges-Lehmann; exact signed-rank test inversion"
                      + (" (conditional on ties)" if ties else "")}


def _hodges_lehmann_large(d: np.ndarray, alpha: float) -> dict:
    """:func:`hodges_lehmann` above :data:`~analysis.stats._resampling.EXACT_MAX_N` changes.

    The ``n (n + 1) / 2`` Walsh averages are never built (40,000 changes would need 6 GB): the
    k-th smallest is found by bisection on its value, counting the Walsh averages at or below a
    value in ``O(n log n)`` on the sorted changes, and then snapped onto the exact Walsh average.
    The estimate is exact (the same median as the small-n form); the interval uses the normal
    approximation of the signed-rank statistic, as R's ``wilcox.test(exact = FALSE,
    correct = FALSE)``: ``[w_(q), w_(M - q + 1)]`` with
    ``q = floor(M / 2 - z_(1 - alpha / 2) sqrt(n (n + 1) (2 n + 1) / 24))`` (no tie correction).
    """
    s = np.sort(d)
    n = s.size
    m = n * (n + 1) // 2
    estimate = (_kth_walsh(s, (m - 1) // 2) + _kth_walsh(s, m // 2)) / 2
    sd = np.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    q = int(np.floor(m / 2 - _st.norm.ppf(1 - alpha / 2) * sd))
    q = min(max(q, 1), m)
    low, high = _kth_walsh(s, q - 1), _kth_walsh(s, m - q)
    ties = bool(np.unique(np.abs(s)).size < n or np.any(s == 0))
    return {"estimate": float(estimate), "ci_low": float(low), "ci_high": float(high),
            "confidence": 1 - alpha, "confidence_achieved": 1 - alpha, "n": int(n),
            "ties": ties, "method": "Hodges-Lehmann; normal approximation of the signed-rank "
                                   "test (large n)"}


def _walsh_at_most(s: np.ndarray, x: float) -> int:
    """Number of Walsh averages ``(s_i + s_j) / 2``, ``i <= j``, at or below ``x`` (``s``
    sorted)."""
    j = np.searchsorted(s, 2 * x - s, side="right")  # s_j <= 2x - s_i
    return int(np.maximum(j - np.arange(s.size), 0).sum())


def _kth_walsh(s: np.ndarray, k: int) -> float:
    """The ``k``-th smallest Walsh average (from 0) of the sorted changes ``s``."""
    low, high = float(s[0]), float(s[-1])
    for _ in range(200):  # bisection on the value; the count is monotone in it
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _walsh_at_most(s, middle) >= k + 1:
            high = middle
        else:
            low = middle
    # snap onto the smallest Walsh average >= low: the k-th one
    j = np.searchsorted(s, 2 * low - s, side="left")
    j = np.maximum(j, np.arange(s.size))
    ok = j < s.size
    candidates = (s[ok] + s[j[ok]]) / 2
    above = candidates[candidates >= low]
    return float(above.min()) if above.size else float(high)


def rank_biserial_interval(differences, *, zero_method: str = "pratt",
                           confidence: float = 0.95) -> tuple[float, float, str]:
    """Interval of the matched-pairs rank-biserial correlation by inverting the exact test.

    Parameters
    ----------
    differences : array-like
        Within-family changes ``after - before`` (points; NaN dropped).
    zero_method : {"pratt", "wilcox"}
        Zero rule of the correlation (as in :func:`analysis.stats.paired.paired_wilcoxon`).
    confidence : float
        Two-sided level.

    Returns
    -------
    tuple
        ``(ci_low, ci_high, reason)``: the bounds and ``""``; or NaN bounds and a Dutch reason
        when every change is zero, when no shift can be rejected at this level (n <= 5 at
        95%: the exact test then cannot reach the requested confidence), or when the interval
        would be a single point (all changes of one sign and every shift the test accepts
        keeps them so: ``r = -1`` or ``1`` throughout).

    Notes
    -----
    The exact signed-rank test is inverted in the shift ``mu`` (:func:`hodges_lehmann`:
    ``[mu_L, mu_U]`` around the estimate ``mu_hat``) and carried to the correlation's scale
    under the test's own model, a shift of errors symmetric about zero: with residuals
    ``e = d - mu_hat`` and their symmetric version ``s = (e, -e)`` (2n values), the bounds are
    ``r(s + mu_L)`` and ``r(s + mu_U)``, ``r(x) = (R+ - R-) / (R+ + R-)`` of ``x`` under
    ``zero_method``. ``r(s + mu)`` rises with ``mu`` and is exactly 0 at ``mu = 0`` (``s`` is
    symmetric), so the interval contains 0 exactly when the Hodges-Lehmann interval does: it
    agrees with the exact (zero-dropping) test by construction; the Pratt p can lie on the
    other side of 0.05. The interval is widened, if needed, to contain the observed ``r``
    (when all changes share one sign, ``r = -1`` or ``1``, which the smoothed model puts just
    outside); a single point is not reported as an interval.

    Coverage, simulated (``tests/golden/rank_biserial_coverage.py``, its table committed as
    package data ``analysis/definitions/rank_biserial_coverage.csv`` and read by
    :func:`rank_biserial_coverage`, so a report states the coverage of the interval it shows;
    seed 20240615, 1000 samples per cell, integer changes ``round(N(mu, sigma))``
    with ties and zeros, sigma 5 and 2, mu 0 to -0.8 sigma, n 8 to 30, Pratt's rule; the
    true value from 400,000 changes; Monte Carlo SE of a coverage 0.006-0.01): this interval
    is given in 98-100% of samples and covers 0.88-0.97 (median 0.94; within 0.025 of 0.95
    in 31 of 48 cells; 0.92-0.96 without an effect at n = 8-14; 0.89-0.93 for the largest
    effect; 0.88-0.94 at n = 30 with many zeros, where the shift model fits integer changes
    worst). The Fisher z interval with the null SE (:func:`rank_biserial_fisher`), given only
    from 10 non-zero changes (12-100% of samples), covers 0.83-0.96 (median 0.92; 16 of 40
    cells within 0.025), and its worst cell does not improve with n (0.87 at n = 10, 0.83 at
    n = 30), so no minimum number of changes brings it within that tolerance; on the bundled
    SDQ total it gave -0.90 to -0.10 beside an exact p of 0.053. Neither is exact for the
    correlation (the test is exact for the shift, not for ``r``); the inversion is preferred
    because it covers better and cannot contradict the test and the Hodges-Lehmann interval
    reported with it.

    Examples
    --------
    >>> [round(v, 4) for v in rank_biserial_interval([-4.0, -3, -2, -1, 1, -5, -6, 2])[:2]]
    [-1.0, 0.2059]
    >>> rank_biserial_interval([-1.0, -2, -3])[2][:24]
    'te weinig veranderingen '
    """
    d = np.round(np.asarray(differences, dtype=float).ravel(), 10)
    d = d[~np.isnan(d)]
    if d.size == 0 or not np.any(d != 0):
        return np.nan, np.nan, "alle veranderingen zijn nul: er is geen correlatie te schatten"
    hl = hodges_lehmann(d, confidence=confidence)
    if hl["confidence_achieved"] < hl["confidence"] - 1e-12:
        return np.nan, np.nan, (f"te weinig veranderingen ({d.size}) voor een "
                                f"{round(100 * hl['confidence'])}%-interval: de exacte toets "
                                f"kan geen enkele verschuiving verwerpen")
    residuals = d - hl["estimate"]
    symmetric = np.r_[residuals, -residuals]  # the errors' distribution, symmetric as assumed
    low, high = (float(_rs.rank_biserial_paired((symmetric + shift)[None, :], zero_method)[0])
                 for shift in (hl["ci_low"], hl["ci_high"]))
    observed = float(_rs.rank_biserial_paired(d[None, :], zero_method)[0])
    low, high = min(low, observed), max(high, observed)
    if high - low < 1e-12:  # every accepted shift leaves all changes of one sign
        return np.nan, np.nan, (f"bij elke verschuiving die de toets aanvaardt is de correlatie "
                                f"{observed:+.0f}: het interval valt samen met één punt")
    return low, high, ""


def rank_biserial_coverage(n: int, r: float, *, method: str = "inverted") -> tuple[float, float]:
    """Simulated coverage of the 95% rank-biserial interval near ``n`` changes and effect ``r``.

    Reads the coverage table (``analysis/definitions/rank_biserial_coverage.csv``, made by
    ``tests/golden/rank_biserial_coverage.py``; see :func:`rank_biserial_interval`) and returns
    ``(lowest, highest)`` coverage over its cells at the simulated ``n`` nearest to ``n`` whose
    true correlation is nearest to ``|r|`` in size (one cell per spread of the changes; the
    table's correlations are negative, the interval's coverage is symmetric in the sign).
    ``(nan, nan)`` for a NaN ``r``. The interval under-covers for large effects (0.89-0.93 at
    ``|r|`` about 0.75) and the report says so with these numbers.

    >>> [round(c, 3) for c in rank_biserial_coverage(14, -0.66)]
    [0.915, 0.917]
    """
    import pandas as pd

    from analysis import paths

    if r is None or not np.isfinite(r):
        return float("nan"), float("nan")
    table = pd.read_csv(paths.DEFINITIONS / "rank_biserial_coverage.csv")
    table = table[table["method"] == method]
    sizes = np.sort(table["n"].unique())
    nearest_n = sizes[np.argmin(np.abs(sizes - n))]
    cells = table[table["n"] == nearest_n]
    picked = []
    for _, part in cells.groupby("sigma"):
        distance = (part["truth"].abs() - abs(r)).abs()
        picked.append(part.loc[distance.idxmin(), "coverage"])
    return float(min(picked)), float(max(picked))


def rank_biserial_fisher(r: float, n_nonzero: int, *, confidence: float = 0.95
                         ) -> tuple[float, float, str]:
    """Fisher z interval of a matched-pairs rank-biserial correlation, or none and the reason.

    Parameters
    ----------
    r : float
        ``(R+ - R-) / (R+ + R-)`` of the non-zero changes.
    n_nonzero : int
        Number of non-zero changes ``m``.
    confidence : float
        Two-sided level.

    Returns
    -------
    tuple
        ``(ci_low, ci_high, reason)``: the bounds, and ``""``; or NaN bounds and a Dutch
        reason when ``m < RANK_BISERIAL_MIN_NONZERO`` or all non-zero changes have the same
        sign (``|r| = 1``: the interval would collapse onto one point).

    Notes
    -----
    ``tanh(atanh(r) +- z_(1-alpha/2) SE)`` with
    ``SE = sqrt(m (m + 1) (2 m + 1) / 6) / (m (m + 1) / 2)``, the null standard deviation of
    ``r`` (``r = 2 T+ / S - 1``, ``Var(T+) = m (m + 1) (2 m + 1) / 24``); this is the
    parametric interval of R's ``effectsize::rank_biserial``. It under-covers at small n and
    for large effects (see :func:`rank_biserial_interval`); kept for comparison.

    Examples
    --------
    >>> [round(v, 4) for v in rank_biserial_fisher(-0.6632, 14)[:2]]
    [-0.8839, -0.201]
    >>> rank_biserial_fisher(-1.0, 14)[2][:28]
    'alle veranderingen hebben he'
    """
    alpha = 1 - _rs.check_confidence(confidence)
    m = int(n_nonzero)
    if m < RANK_BISERIAL_MIN_NONZERO:
        return np.nan, np.nan, (f"minder dan {RANK_BISERIAL_MIN_NONZERO} veranderingen "
                                f"ongelijk aan nul ({m})")
    if not np.isfinite(r) or abs(r) >= 1:
        return np.nan, np.nan, ("alle veranderingen hebben hetzelfde teken: het interval "
                                "valt samen met één punt")
    se = np.sqrt(m * (m + 1) * (2 * m + 1) / 6) / (m * (m + 1) / 2)
    half = _st.norm.ppf(1 - alpha / 2) * se
    return float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half)), ""


@computes("*_wilcoxon_p_holm", "*_t_p_holm")
def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (as R's ``p.adjust(p, "holm")``); NaN kept as NaN.

    ``p_(k)`` sorted ascending among the ``m`` non-missing values gets
    ``max_{j <= k} min(1, (m - j + 1) p_(j))``.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian
    Journal of Statistics, 6(2), 65-70.

    >>> holm([0.01, 0.04, 0.03, 0.5]).tolist()
    [0.04, 0.09, 0.09, 0.5]
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if valid.size:
        order = valid[np.argsort(p[valid], kind="stable")]
        m = valid.size
        adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
        out[order] = adjusted
    return out
