"""Rank correlation and the comparison of two independent groups, one-row tidy DataFrames.

Spearman's rho with an exact or permutation p and a Fisher or bootstrap interval; the
Mann-Whitney U test with the rank-biserial correlation and a stratified bootstrap interval.
Every test returns one row with the columns of :data:`COLUMNS` followed by documented extra
columns. Rows missing a value are dropped first and counted in ``n_dropped``. Resampling uses
``numpy.random.default_rng(seed)`` and is deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _st

from analysis.stats import _resampling as _rs
from analysis.stats._resampling import EXACT_MAX_N, RANK_METHODS
from analysis.stats._tidy import (
    COLUMNS,
    DEFAULT_PERMUTATIONS,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    _complete,
    _numeric_column,
    _one_row,
)

__all__ = ["COLUMNS", "CORRELATION_CI_METHODS", "spearman", "compare_groups"]

CORRELATION_CI_METHODS = ("fisher", "bootstrap")


# ---------------------------------------------------------------- correlation
def spearman(data: pd.DataFrame, *, x: str, y: str, confidence: float = 0.95,
             ci_method: str = "fisher", n_resamples: int = DEFAULT_RESAMPLES,
             seed: int | None = DEFAULT_SEED, p_method: str = "permutation",
             n_permutations: int = DEFAULT_PERMUTATIONS) -> pd.DataFrame:
    """Spearman rank correlation with a p-value and a confidence interval.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per family.
    x, y : str
        Numeric columns; rows missing either are dropped.
    confidence : float
        Interval level.
    ci_method : {"fisher", "bootstrap"}
        Fisher z with the Bonett-Wright variance, or a percentile bootstrap of families.
    n_resamples, seed
        Bootstrap settings (``n_resamples`` used only with ``ci_method="bootstrap"``;
        ``seed`` also seeds the Monte Carlo permutations).
    p_method : {"permutation", "t"}
        "permutation" (default): exact over all orderings up to
        :data:`analysis.stats._resampling.SPEARMAN_EXACT_MAX_N` pairs, else
        ``n_permutations`` random orderings up to
        :data:`analysis.stats._resampling.SPEARMAN_PERMUTATION_MAX_N` (100) pairs, and the
        t approximation beyond (where it agrees with the permutation p within its Monte
        Carlo error); "t": the t approximation at every n, which is anti-conservative at
        small n without ties (n = 10: 0.0038 where the exact p is 0.0068).
    n_permutations : int
        Random orderings above the exact limit (default 99,999).

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COLUMNS`: ``statistic`` and ``effect_size`` are rho,
        ``p_value`` two-sided, ``n`` complete rows; extra columns ``p_value_t`` (the t
        approximation, for comparison) and ``n_dropped``.

    Notes
    -----
    rho is the Pearson correlation of the midranks. The permutation p is conditional on
    the midranks (ties kept; :func:`analysis.stats._resampling.spearman_permutation_p`);
    without ties and up to 9 pairs it equals R's ``cor.test(method = "spearman",
    exact = TRUE)``. The t approximation uses ``t = rho sqrt((n-2)/(1-rho^2))`` with
    ``n - 2`` degrees of freedom (``scipy.stats.spearmanr``). Fisher interval:
    ``tanh(atanh(rho) +- z sqrt((1 + rho^2 / 2) / (n - 3)))``, needing ``n >= 4``.
    A constant column gives NaN.

    References
    ----------
    Bonett, D. G., & Wright, T. A. (2000). Sample size requirements for estimating Pearson,
    Kendall and Spearman correlations. Psychometrika, 65(1), 23-28. doi:10.1007/BF02294183

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [2, 1, 4, 3, 6, 5]})
    >>> spearman(df, x="a", y="b")["effect_size"].round(3).tolist()
    [0.829]
    """
    _rs.check_choice("ci_method", ci_method, CORRELATION_CI_METHODS)
    a, b, dropped = _complete(data, x, y, minimum=4)
    alpha = 1 - _rs.check_confidence(confidence)
    _rs.check_choice("p_method", p_method, ("permutation", "t"))
    p_how = "t approximation p"
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        rho, p, p_t = np.nan, np.nan, np.nan
    else:
        result = _st.spearmanr(a, b)
        rho, p_t = float(result.statistic), float(result.pvalue)
        p = p_t
        if p_method == "permutation":
            p, p_how = _rs.spearman_permutation_p(a, b, n_permutations=n_permutations,
                                                  seed=seed)
    if ci_method == "fisher":
        half = _st.norm.ppf(1 - alpha / 2) * np.sqrt((1 + rho**2 / 2) / (len(a) - 3))
        with np.errstate(divide="ignore"):
            low, high = np.tanh(np.arctanh(rho) - half), np.tanh(np.arctanh(rho) + half)
        how = "Fisher z CI, Bonett-Wright variance"
    else:
        boot = _rs.bootstrap(np.column_stack([a, b]), _rs.spearman_batch,
                             n_resamples=n_resamples, seed=seed, confidence=confidence,
                             method="percentile")
        low, high = boot["ci_low"], boot["ci_high"]
        how = "percentile bootstrap CI"
    return _one_row(rho, p, rho, "spearman_rho", low, high, len(a),
                    f"Spearman; {p_how}; {how}", p_value_t=p_t, n_dropped=dropped)


# ---------------------------------------------------------------- two independent groups
def compare_groups(data: pd.DataFrame, *, value: str, group: str,
                   order: Sequence | None = None, method: str = "auto",
                   confidence: float = 0.95, n_resamples: int = DEFAULT_RESAMPLES,
                   seed: int | None = DEFAULT_SEED, ci_method: str = "bca") -> pd.DataFrame:
    """Mann-Whitney U test of two groups (e.g. baseline-only vs analysis set on T0 scores).

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per respondent.
    value : str
        Numeric column compared.
    group : str
        Column with exactly two group labels.
    order : sequence of two labels, optional
        Which group is first; default the two labels sorted.
    method : {"auto", "exact", "normal"}
        Exact permutation distribution of the rank sum (midranks, ties included; "auto" when
        the groups hold at most EXACT_MAX_N together) or the tie-corrected normal
        approximation without continuity correction.
    confidence, n_resamples, seed, ci_method
        Stratified bootstrap interval of the rank-biserial correlation.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COLUMNS`: ``statistic`` = U of the first group, ``p_value``
        two-sided, ``effect_size`` = rank-biserial ``2 U / (n_1 n_2) - 1`` (positive: the
        first group tends higher), ``n`` both groups; extra columns ``group_1``,
        ``group_2``, ``n_1``, ``n_2``, ``median_1``, ``median_2``, ``mean_1``, ``mean_2``,
        ``n_dropped`` (rows missing the value or the group).

    Notes
    -----
    ``U = R_1 - n_1 (n_1 + 1) / 2`` with ``R_1`` the midrank sum of group 1. The exact
    p-value is the share of all ``C(n, n_1)`` equally likely splits of the observed midranks
    whose ``|R_1 - n_1 (n + 1) / 2|`` is at least the observed one; without ties it equals
    scipy's ``method="exact"`` (with ties scipy's permutation version doubles the smaller
    tail instead, which differs when ties make the null distribution asymmetric). The rank-biserial correlation equals
    ``P(X > Y) - P(X < Y)`` (Kerby 2014); its interval resamples each group separately.

    References
    ----------
    Mann, H. B., & Whitney, D. R. (1947). On a test of whether one of two random variables
    is stochastically larger than the other. Ann. Math. Stat., 18(1), 50-60.
    doi:10.1214/aoms/1177730491
    Kerby, D. S. (2014). The simple difference formula. Comprehensive Psychology, 3,
    11.IT.3.1. doi:10.2466/11.IT.3.1

    Examples
    --------
    >>> df = pd.DataFrame({"t0": [1, 2, 3, 4, 5], "set": ["a", "a", "b", "b", "b"]})
    >>> compare_groups(df, value="t0", group="set")[["statistic", "p_value", "effect_size"]
    ...                                             ].iloc[0].tolist()
    [0.0, 0.2, -1.0]
    """
    _rs.check_choice("method", method, RANK_METHODS)
    first, second, labels, dropped = _two_groups(data, value, group, order)
    n1, n2 = len(first), len(second)
    ranks2 = np.rint(2 * _st.rankdata(np.round(np.r_[first, second], 10))).astype(np.int64)
    r1_2 = int(ranks2[:n1].sum())
    u = r1_2 / 2 - n1 * (n1 + 1) / 2
    exact = method == "exact" or (method == "auto" and n1 + n2 <= EXACT_MAX_N)
    p = (_rs.rank_sum_exact_p if exact else _rs.rank_sum_normal_p)(ranks2, n1, r1_2)
    boot = _rs.bootstrap((first, second), _rs.rank_biserial_groups, n_resamples=n_resamples,
                         seed=seed, confidence=confidence, method=ci_method,
                         counts_statistic=_rs.rank_biserial_groups_counts)
    return _one_row(u, p, boot["estimate"], "rank_biserial", boot["ci_low"], boot["ci_high"],
                    n1 + n2, f"Mann-Whitney U, {'exact' if exact else 'normal'} (midranks); "
                    f"{ci_method} stratified bootstrap CI",
                    group_1=labels[0], group_2=labels[1], n_1=n1, n_2=n2,
                    median_1=float(np.median(first)), median_2=float(np.median(second)),
                    mean_1=float(first.mean()), mean_2=float(second.mean()), n_dropped=dropped)


def _two_groups(data, value, group, order):
    values = _numeric_column(data, value)
    if group not in data.columns:
        raise ValueError(f"column {group!r} not found in data; columns are {list(data.columns)}")
    labels_all = data[group]
    keep = ~np.isnan(values) & labels_all.notna().to_numpy()
    present = sorted(pd.unique(labels_all[keep]).tolist(), key=str)
    labels = present if order is None else list(order)
    if len(labels) != 2 or sorted(labels, key=str) != present:
        raise ValueError(f"group column {group!r} must hold exactly two groups (and order, "
                         f"if given, must name both); found {present}, order {order!r}")
    samples = [values[keep & (labels_all == label).to_numpy()] for label in labels]
    if min(map(len, samples)) < 2:
        raise ValueError(f"each group needs at least 2 values of {value!r}; got "
                         f"{dict(zip(labels, map(len, samples)))}")
    return samples[0], samples[1], labels, int((~keep).sum())
