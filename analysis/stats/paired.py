"""Pre/post tests of one sample of families, each returning a one-row tidy DataFrame.

Wilcoxon signed-rank (exact, both zero rules, Hodges-Lehmann and rank-biserial), paired t
(d_z with its exact interval, g_av), exact McNemar, and :func:`group_change` for several scales
at once. Every test returns one row with the columns of :data:`COLUMNS`
(``statistic, p_value, effect_size, effect_size_type, ci_low, ci_high, n, method``), followed
by documented extra columns; ``ci_low``/``ci_high`` always bound the effect size. Differences
are always ``after - before``, so a decrease on a problem scale (improvement on the SDQ) gives
a negative effect size (and a negative t). All tests are two-sided. Resampling uses
``numpy.random.default_rng(seed)`` and is deterministic for a given seed.

Missing values: a pair with a missing value in either column is dropped before anything is
computed; the number dropped is reported in ``n_dropped``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import integrate, optimize
from scipy import stats as _st

from analysis.origin import computes
from analysis.stats import _resampling as _rs
from analysis.stats import location as _location
from analysis.stats._resampling import BOOTSTRAP_METHODS, EXACT_MAX_N, RANK_METHODS
from analysis.stats._tidy import (
    COLUMNS,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    _boolean_column,
    _complete,
    _one_row,
)
from analysis.stats.intervals import _proportion_interval

__all__ = ["COLUMNS", "DEFAULT_SEED", "DEFAULT_RESAMPLES", "ZERO_METHODS", "RANK_METHODS", "PAIRED_EFFECT_SIZES", "EXACT_MAX_N",
           "signed_rank_pvalues", "paired_wilcoxon", "paired_t", "nct_cdf", "mcnemar_exact",
           "group_change"]

ZERO_METHODS = ("pratt", "wilcox")
PAIRED_EFFECT_SIZES = ("d_z", "g_av")
RANK_BISERIAL_CI_METHODS = ("inverted", "fisher", *BOOTSTRAP_METHODS)


# ---------------------------------------------------------------- signed ranks (vectorised)
def signed_rank_pvalues(differences, *, zero_method: str = "pratt",
                        method: str = "auto") -> np.ndarray:
    """Two-sided Wilcoxon signed-rank p-values for every row of a 2-D array (vectorised).

    Used by :func:`paired_wilcoxon` and the power simulation. See :func:`paired_wilcoxon`
    for the zero and tie rules.

    Parameters
    ----------
    differences : array-like, shape (rows, n) or (n,)
        Within-pair differences; no missing values.
    zero_method : {"pratt", "wilcox"}
        Rule for zero differences.
    method : {"auto", "exact", "normal"}
        Exact permutation distribution, or the normal approximation with the tie-corrected
        variance ``sum(r_i^2) / 4`` (no continuity correction); "auto" is exact for
        ``n <= EXACT_MAX_N``.

    Returns
    -------
    numpy.ndarray
        One p-value per row; 1 for a row whose differences are all zero.

    Examples
    --------
    >>> signed_rank_pvalues([[1, 2, 3, 4, 5], [1, -2, 3, -4, 5]]).tolist()
    [0.0625, 0.8125]
    """
    _rs.check_choice("zero_method", zero_method, ZERO_METHODS)
    _rs.check_choice("method", method, RANK_METHODS)
    d = np.asarray(differences, dtype=float)
    if d.ndim not in (1, 2) or d.shape[-1] < 1 or np.isnan(d).any():
        raise ValueError(f"differences must be a 1-D or 2-D array of at least one column "
                         f"without NaN; got shape {d.shape}")
    return _rs.signed_rank(d, zero_method, method)[1]


# ---------------------------------------------------------------- paired tests
@computes("*_wilcoxon_*")
def paired_wilcoxon(data: pd.DataFrame, *, before: str, after: str, zero_method: str = "pratt",
                    method: str = "auto", confidence: float = 0.95,
                    n_resamples: int = DEFAULT_RESAMPLES, seed: int | None = DEFAULT_SEED,
                    ci_method: str = "inverted") -> pd.DataFrame:
    """Wilcoxon signed-rank test: exact p under both zero rules, Hodges-Lehmann and rank-biserial.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per family.
    before, after : str
        Numeric columns of the two measurements (e.g. T0 and T1 scale scores).
    zero_method : {"pratt", "wilcox"}
        Zero differences: "pratt" (default) ranks them with the others and gives them no
        sign; "wilcox" drops them before ranking.
    method : {"auto", "exact", "normal"}
        p-value from the exact permutation distribution ("auto": when n <= EXACT_MAX_N) or
        the normal approximation with tie-corrected variance.
    confidence : float
        Level of the Hodges-Lehmann and rank-biserial intervals.
    n_resamples, seed
        Bootstrap settings, used only when ``ci_method`` is a bootstrap method.
    ci_method : {"inverted", "fisher", "percentile", "bca"}
        Interval of the rank-biserial correlation: the exact signed-rank test inverted
        (default; :func:`analysis.stats.location.rank_biserial_interval`, consistent with the
        Hodges-Lehmann interval; none when all changes are zero or n is too small to reach
        ``confidence``), Fisher z with the null SE
        (:func:`analysis.stats.location.rank_biserial_fisher`, under-covers at small n) or a
        bootstrap of families. Fisher and the bootstrap give no interval (NaN and
        ``ci_missing_reason``) when fewer than
        :data:`analysis.stats.location.RANK_BISERIAL_MIN_NONZERO` changes are non-zero or all
        have one sign.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COLUMNS`: ``statistic`` = R+ (sum of the ranks of the positive
        differences ``after - before`` under ``zero_method``; R's ``V`` only with the
        "wilcox" rule, since Pratt's ranks count the zeros), ``p_value`` (two-sided, under
        ``zero_method``), ``effect_size`` = matched-pairs rank-biserial correlation with
        ``ci_low``/``ci_high``, ``n`` (complete pairs), ``method``; extra columns
        ``r_plus``, ``r_minus``, ``n_zero`` (zero differences), ``n_nonzero``,
        ``ci_missing_reason`` (Dutch; empty when the interval exists), ``zero_method``,
        ``p_value_other_zero_rule`` (the same test under the other zero rule: a
        sensitivity analysis), ``hl_estimate``, ``hl_ci_low``, ``hl_ci_high`` (Hodges-Lehmann
        change in points with its exact interval, :func:`analysis.stats.location.hodges_lehmann`),
        ``hl_confidence_achieved``, ``n_dropped`` (incomplete pairs), ``median_before``,
        ``median_after``, ``median_diff``.

    Notes
    -----
    Ranks are midranks of ``|after - before|`` (differences rounded to 10 decimals so float
    noise does not break ties). The exact p-value is the share of all ``2^m`` equally likely
    sign assignments to the ``m`` nonzero differences, with their midranks as they are, whose
    ``|R+ - E|`` is at least the observed one (``E = (R+ + R-) / 2``); it equals scipy's
    ``method="exact"`` when there are no ties or zeros and stays exact when there are
    (integer SDQ scores give many). With the "wilcox" rule it equals
    ``exactRankTests::wilcox.exact`` in R (R's own ``wilcox.test`` falls back to a normal
    approximation once there are ties or zeros). The two zero rules can put a borderline
    result on either side of 0.05, so both are reported. The rank-biserial correlation is
    ``r = (R+ - R-) / (R+ + R-)`` (Kerby 2014); ``r < 0`` means scores went down. All
    differences zero gives p = 1 and NaN effect size.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin,
    1(6), 80-83. doi:10.2307/3001968
    Pratt, J. W. (1959). Remarks on zeros and ties in the Wilcoxon signed rank procedures.
    JASA, 54(287), 655-667. doi:10.1080/01621459.1959.10501526
    Kerby, D. S. (2014). The simple difference formula: an approach to teaching
    nonparametric correlation. Comprehensive Psychology, 3, 11.IT.3.1. doi:10.2466/11.IT.3.1

    Examples
    --------
    >>> df = pd.DataFrame({"t0": [20, 18, 15, 22, 17], "t1": [15, 16, 12, 17, 15]})
    >>> paired_wilcoxon(df, before="t0", after="t1")[["statistic", "p_value", "effect_size"]
    ...                                               ].iloc[0].tolist()
    [0.0, 0.0625, -1.0]
    """
    _rs.check_choice("zero_method", zero_method, ZERO_METHODS)
    _rs.check_choice("method", method, RANK_METHODS)
    _rs.check_choice("ci_method", ci_method, RANK_BISERIAL_CI_METHODS)
    x, y, dropped = _complete(data, before, after, minimum=2)
    d = y - x
    r_plus, p, total = (v[0] for v in _rs.signed_rank(d, zero_method, method))
    other = "wilcox" if zero_method == "pratt" else "pratt"
    p_other = float(_rs.signed_rank(d, other, method)[1][0])
    used = "exact" if method == "exact" or (method == "auto" and d.size <= EXACT_MAX_N) \
        else "normal"
    n_nonzero = int(np.sum(np.round(d, 10) != 0))
    estimate = float(_rs.rank_biserial_paired(d[None, :], zero_method)[0])
    if ci_method == "inverted":
        low, high, reason = _location.rank_biserial_interval(d, zero_method=zero_method,
                                                             confidence=confidence)
    else:
        low, high, reason = _location.rank_biserial_fisher(estimate, n_nonzero,
                                                           confidence=confidence)
    if not reason and ci_method in BOOTSTRAP_METHODS:
        boot = _rs.bootstrap(d, lambda b: _rs.rank_biserial_paired(b, zero_method),
                             n_resamples=n_resamples, seed=seed, confidence=confidence,
                             method=ci_method, counts_statistic=lambda b: (
                                 _rs.rank_biserial_paired_counts(b, zero_method)))
        low, high = boot["ci_low"], boot["ci_high"]
    hl = _location.hodges_lehmann(d, confidence=confidence)
    return _one_row(r_plus, p, estimate, "rank_biserial", low, high, d.size,
                    f"Wilcoxon signed-rank, {used} ({zero_method} zeros, midranks); "
                    f"{ci_method} CI of the rank-biserial; {hl['method']}",
                    r_plus=r_plus, r_minus=total - r_plus, n_zero=int(d.size - n_nonzero),
                    n_nonzero=n_nonzero, ci_missing_reason=reason,
                    zero_method=zero_method, p_value_other_zero_rule=p_other,
                    hl_estimate=hl["estimate"], hl_ci_low=hl["ci_low"],
                    hl_ci_high=hl["ci_high"], hl_confidence_achieved=hl["confidence_achieved"],
                    n_dropped=dropped, median_before=float(np.median(x)),
                    median_after=float(np.median(y)), median_diff=float(np.median(d)))


@computes("*_t_effect", "*_t_p", "*_t_ci_low", "*_t_ci_high")
def paired_t(data: pd.DataFrame, *, before: str, after: str, effect_size: str = "d_z",
             confidence: float = 0.95, n_resamples: int = DEFAULT_RESAMPLES,
             seed: int | None = DEFAULT_SEED, ci_method: str = "bca") -> pd.DataFrame:
    """Paired t test with a standardised mean change, d_z or g_av.

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per family.
    before, after : str
        Numeric columns of the two measurements.
    effect_size : {"d_z", "g_av"}
        Effect size in ``effect_size``/``ci_low``/``ci_high``.
    confidence : float
        Level of every interval.
    n_resamples, seed, ci_method
        Bootstrap of g_av (unused for d_z).

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COLUMNS` (``statistic`` = t, ``p_value`` two-sided) and extra
        columns ``dof``, ``mean_before``, ``mean_after``, ``mean_diff``, ``sd_diff``,
        ``diff_ci_low``, ``diff_ci_high`` (t interval of the mean difference), ``n_dropped``.

    Notes
    -----
    With ``d = after - before``: ``t = mean(d) / (sd(d) / sqrt(n))``, ``n - 1`` degrees
    of freedom. ``d_z = mean(d) / sd(d) = t / sqrt(n)``; its interval is exact: the
    noncentrality parameters ``lambda`` with ``P(T <= t | lambda) = 1 - alpha/2`` and
    ``alpha/2`` in the noncentral t distribution, divided by ``sqrt(n)`` (Steiger & Fouladi
    1997). ``g_av = J * mean(d) / ((sd(before) + sd(after)) / 2)`` with Hedges'
    ``J = 1 - 3 / (4 (n1 + n2) - 9)``, ``n1 = n2 = n`` (Lakens 2013, eqs. 4 and 10); its
    interval is a bootstrap over families (no exact interval exists because the
    denominator ignores the pre/post correlation). A zero SD gives NaN. The d_z interval is
    defined for every ``n >= 2`` and finite ``t`` (checked against R's ``uniroot`` on
    ``pt(ncp=)`` up to ``|t| = 1000``; R itself switches to a normal approximation of the
    noncentral t when ``|ncp| > 37.62``, so far out the two agree to about 1e-3 only).

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
    science: a practical primer for t-tests and ANOVAs. Frontiers in Psychology, 4, 863.
    doi:10.3389/fpsyg.2013.00863
    Steiger, J. H., & Fouladi, R. T. (1997). Noncentrality interval estimation and the
    evaluation of statistical models. In L. Harlow et al. (Eds.), What if there were no
    significance tests? (pp. 221-257). Erlbaum.

    Examples
    --------
    >>> df = pd.DataFrame({"t0": [9, 7, 8, 9, 8, 9, 9, 10, 9, 9],
    ...                    "t1": [9, 6, 7, 8, 7, 9, 8, 8, 8, 7]})
    >>> paired_t(df, before="t1", after="t0")[["statistic", "p_value", "effect_size"]
    ...                                      ].round(4).iloc[0].tolist()
    [4.7434, 0.0011, 1.5]
    """
    _rs.check_choice("effect_size", effect_size, PAIRED_EFFECT_SIZES)
    x, y, dropped = _complete(data, before, after, minimum=2)
    d, n = y - x, len(x)
    alpha = 1 - _rs.check_confidence(confidence)
    mean, sd = d.mean(), d.std(ddof=1)
    t = mean / (sd / np.sqrt(n)) if sd > 0 else np.nan
    p = 2 * _st.t.sf(abs(t), n - 1) if sd > 0 else np.nan
    margin = _st.t.ppf(1 - alpha / 2, n - 1) * sd / np.sqrt(n)
    if effect_size == "d_z":
        estimate = mean / sd if sd > 0 else np.nan
        low, high = _d_z_interval(t, n, alpha)
        how = "exact noncentral t CI"
    else:
        boot = _rs.bootstrap(np.column_stack([x, y]), _g_av, n_resamples=n_resamples,
                             seed=seed, confidence=confidence, method=ci_method)
        estimate, low, high = boot["estimate"], boot["ci_low"], boot["ci_high"]
        how = f"{ci_method} bootstrap CI"
    return _one_row(t, p, estimate, effect_size, low, high, n, f"paired t test; {how}",
                    dof=n - 1, mean_before=float(x.mean()), mean_after=float(y.mean()),
                    mean_diff=float(mean), sd_diff=float(sd), diff_ci_low=float(mean - margin),
                    diff_ci_high=float(mean + margin), n_dropped=dropped)


def _g_av(pairs: np.ndarray) -> np.ndarray:
    """Hedges-corrected g_av per batch of ``(n, 2)`` pair arrays (NaN if both SDs are 0)."""
    n = pairs.shape[-2]
    sd_av = (pairs[..., 0].std(axis=-1, ddof=1) + pairs[..., 1].std(axis=-1, ddof=1)) / 2
    mean_diff = (pairs[..., 1] - pairs[..., 0]).mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd_av > 0, mean_diff / sd_av, np.nan) * (1 - 3 / (4 * 2 * n - 9))


def _d_z_interval(t: float, n: int, alpha: float) -> tuple[float, float]:
    """Exact interval of d_z by inverting the noncentral t distribution in its parameter.

    ``F(ncp) = P(T <= t | df, ncp)`` falls from 1 to 0 as ``ncp`` grows, so each bound is the
    root of ``F(ncp) - target`` in a bracket grown until the signs differ; brentq then
    solves to 1e-12. :func:`nct_cdf` is finite for every ``ncp``, so the bracket always
    closes (scipy's ``nct.cdf`` alone returns NaN in the far tails, e.g. ``t = -5`` with 1
    degree of freedom at ``ncp >= 40``).
    """
    if not np.isfinite(t):
        return np.nan, np.nan
    df = n - 1

    def solve(target: float) -> float:
        def excess(ncp):
            return nct_cdf(t, df, ncp) - target
        step = np.sqrt(1 + t**2 / (2 * df))  # large-sample SD of the ncp estimate
        low, high = t - 4 * step, t + 4 * step
        while excess(low) < 0:
            low, step = low - step, 2 * step
        step = np.sqrt(1 + t**2 / (2 * df))
        while excess(high) > 0:
            high, step = high + step, 2 * step
        return optimize.brentq(excess, low, high, xtol=1e-12, rtol=1e-14, maxiter=500)

    return solve(1 - alpha / 2) / np.sqrt(n), solve(alpha / 2) / np.sqrt(n)


def nct_cdf(t: float, df: float, ncp: float) -> float:
    """CDF of the noncentral t distribution, finite for every argument.

    scipy's ``nct.cdf`` (Boost) where it returns a value in [0, 1]; elsewhere (NaN far in
    the tails) the integral ``P(T <= t) = E[Phi(t sqrt(V / df) - ncp)]`` over
    ``V ~ chi2(df)``, by adaptive quadrature.

    >>> round(nct_cdf(-5.0, 1, 40.0), 12) >= 0
    True
    """
    value = float(_st.nct.cdf(t, df, ncp))
    if np.isfinite(value) and 0 <= value <= 1:
        return value

    def integrand(v):
        return _st.norm.cdf(t * np.sqrt(v / df) - ncp) * _st.chi2.pdf(v, df)

    mode = max(df - 2, 0.0)
    value = sum(integrate.quad(integrand, a, b, limit=200, epsabs=1e-15)[0]
                for a, b in ((0, mode + 1), (mode + 1, np.inf)))
    return float(min(1.0, max(0.0, value)))



@computes("*_mcnemar_p")
def mcnemar_exact(data: pd.DataFrame, *, before: str, after: str,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Exact McNemar test for a paired yes/no outcome (e.g. elevated at T0 and at T1).

    Parameters
    ----------
    data : pandas.DataFrame
        Wide table, one row per family.
    before, after : str
        Boolean (or 0/1) columns; missing values drop the pair.
    confidence : float
        Level of the odds-ratio interval.

    Returns
    -------
    pandas.DataFrame
        One row with :data:`COLUMNS`: ``statistic`` = min(b, c) (as statsmodels),
        ``p_value`` exact two-sided, ``effect_size`` = conditional odds ratio ``c / b``,
        exact ``ci_low``/``ci_high``, ``n`` (complete pairs); extra columns ``n_both``
        (true at both), ``n_before_only`` (b: true before, false after), ``n_after_only``
        (c), ``n_neither``, ``n_dropped``.

    Notes
    -----
    Given the ``b + c`` discordant pairs, ``c ~ Binomial(b + c, pi)`` with
    ``pi = OR / (1 + OR)``; under H0 ``pi = 1/2``. ``p = min(1, 2 P(X <= min(b, c)))``.
    ``OR = c / b`` is below 1 when fewer families are "true" (e.g. elevated) after than
    before. Its interval maps the Clopper-Pearson interval ``(pl, pu)`` of ``c`` out of
    ``b + c`` to ``(pl / (1 - pl), pu / (1 - pu))``: exact conditional, ``0`` or ``inf``
    at the edges, NaN without discordant pairs (then p = 1).

    References
    ----------
    McNemar, Q. (1947). Note on the sampling error of the difference between correlated
    proportions or percentages. Psychometrika, 12(2), 153-157. doi:10.1007/BF02295996
    Fay, M. P. (2010). Two-sided exact tests and matching confidence intervals for discrete
    data. R Journal, 2(1), 53-58. doi:10.32614/RJ-2010-008

    Examples
    --------
    >>> df = pd.DataFrame({"t0": [True] * 6 + [False] * 2,
    ...                    "t1": [False] * 5 + [True] * 2 + [False]})
    >>> mcnemar_exact(df, before="t0", after="t1")[["n_before_only", "n_after_only",
    ...                                             "p_value"]].iloc[0].tolist()
    [5.0, 1.0, 0.21875]
    """
    x, y = _boolean_column(data, before), _boolean_column(data, after)
    keep = ~(np.isnan(x) | np.isnan(y))
    if not keep.any():
        raise ValueError(f"columns {before!r} and {after!r} have no complete pair")
    x, y = x[keep].astype(bool), y[keep].astype(bool)
    b, c = int(np.sum(x & ~y)), int(np.sum(~x & y))
    discordant = b + c
    if discordant == 0:
        p, ratio, low, high = 1.0, np.nan, np.nan, np.nan
    else:
        p = min(1.0, 2 * float(_st.binom.cdf(min(b, c), discordant, 0.5)))
        ratio = c / b if b else np.inf
        pl, pu = _proportion_interval(c, discordant, "clopper-pearson", confidence)
        low, high = pl / (1 - pl), (pu / (1 - pu) if pu < 1 else np.inf)
    return _one_row(min(b, c), p, ratio, "odds_ratio_discordant", low, high, int(keep.sum()),
                    "exact McNemar (binomial on discordant pairs); exact conditional OR CI",
                    n_both=int(np.sum(x & y)), n_before_only=b, n_after_only=c,
                    n_neither=int(np.sum(~x & ~y)), n_dropped=int((~keep).sum()))


# ---------------------------------------------------------------- several scales at once
def group_change(paired: pd.DataFrame, *, scales: Sequence[str], before: str = "T0",
                 after: str = "T1", subject: str | None = None, time: str | None = None,
                 pattern: str = "{scale}_{time}", t_effect_size: str = "d_z",
                 **options) -> pd.DataFrame:
    """Wilcoxon (primary) and paired t (sensitivity) for every scale, stacked.

    Parameters
    ----------
    paired : pandas.DataFrame
        Wide table (one row per family, columns named by ``pattern``, e.g. ``total_T0``)
        or, when ``time`` is given, long table (one row per family and time point, one
        column per scale).
    scales : sequence of str
        Scale names.
    before, after : str
        Time labels: values of ``time`` (long) or the ``{time}`` part of ``pattern`` (wide).
    subject : str, optional
        Family identifier column; required for the long layout.
    time : str, optional
        Time-point column; its presence selects the long layout.
    pattern : str
        Wide column name template with ``{scale}`` and ``{time}``.
    t_effect_size : {"d_z", "g_av"}
        Effect size of the paired t rows.
    **options
        ``confidence``, ``n_resamples``, ``seed``, ``ci_method`` (passed to both tests) and
        ``zero_method`` (Wilcoxon only).

    Returns
    -------
    pandas.DataFrame
        Two rows per scale: ``scale``, ``analysis`` ("primary" Wilcoxon, "sensitivity"
        paired t), then the columns of :func:`paired_wilcoxon` and :func:`paired_t`
        (NaN where a column belongs to the other test), and ``p_holm``: ``p_value``
        adjusted by Holm's method across the scales, within each analysis
        (:func:`analysis.stats.location.holm`).

    Notes
    -----
    Each scale uses its own complete pairs (a family missing one scale still counts for
    the others). In the long layout rows are ordered by ``subject`` before resampling (so
    the result does not depend on row order) and a family twice at one time is an error.
    """
    if isinstance(scales, str) or not len(scales):
        raise ValueError(f"scales must be a non-empty list of scale names; got {scales!r}")
    allowed = {"confidence", "n_resamples", "seed", "ci_method", "zero_method"}
    if set(options) - allowed:
        raise ValueError(f"unknown options {sorted(set(options) - allowed)}; allowed "
                         f"{sorted(allowed)}")
    t_options = {k: v for k, v in options.items() if k != "zero_method"}
    rows = []
    for scale in scales:
        wide, b, a = _wide_pair(paired, scale, before, after, subject, time, pattern)
        for analysis, result in (
                ("primary", paired_wilcoxon(wide, before=b, after=a, **options)),
                ("sensitivity", paired_t(wide, before=b, after=a, effect_size=t_effect_size,
                                         **t_options))):
            rows.append(result.assign(scale=scale, analysis=analysis))
    table = pd.concat(rows, ignore_index=True)
    table["p_holm"] = np.nan
    for _, index in table.groupby("analysis", sort=False).groups.items():
        table.loc[index, "p_holm"] = _location.holm(table.loc[index, "p_value"])
    return table[["scale", "analysis", *[c for c in table.columns
                                         if c not in ("scale", "analysis")]]]


def _wide_pair(paired, scale, before, after, subject, time, pattern):
    """Two-column wide frame and its column names for one scale."""
    if not isinstance(paired, pd.DataFrame):
        raise ValueError(f"paired must be a pandas DataFrame; got {type(paired).__name__}")
    if time is None:
        return paired, pattern.format(scale=scale, time=before), \
            pattern.format(scale=scale, time=after)
    for name in (subject, time, scale):
        if name is None or name not in paired.columns:
            raise ValueError(f"long layout needs columns subject, time and {scale!r}; "
                             f"{name!r} not found in {list(paired.columns)}")
    parts = []
    for label in (before, after):
        part = paired.loc[paired[time] == label, [subject, scale]]
        if part[subject].duplicated().any():
            raise ValueError(f"subject column {subject!r} repeats a family at time {label!r}")
        parts.append(part.set_index(subject)[scale].rename(str(label)))
    return pd.concat(parts, axis=1).sort_index(), str(before), str(after)
