"""Delta-adjusted multiple imputation of missing follow-up scores, pooled by Rubin's rules.

A pre/post study loses units between the two measurements. Under missing at random (MAR) a
unit's missing follow-up score is predicted from its baseline; the question a reader needs
answered is how much worse the missing scores would have to be (missing not at random, MNAR)
before the conclusion changes. :func:`delta_adjusted_mi` answers it the way ICH E9(R1)
sensitivity analyses do (a pattern-mixture "tipping point"):

1. impute every missing follow-up score ``m`` times from the completers' regression of
   follow-up on baseline, with parameter draws and residual noise (Rubin 1987, p. 167; the
   ``norm`` method of R's ``mice``), then add ``delta`` (outcome units) to every imputed value;
2. analyse each completed data set: the mean change over all units (paired t) and the primary
   rank test (Wilcoxon signed-rank, Pratt's zeros, as a standardised statistic);
3. pool by Rubin's rules (Barnard-Rubin degrees of freedom for the mean);
4. report the ``delta`` at which the pooled estimate reaches 0, at which its 95% interval
   reaches 0, and at which the pooled rank test's p passes ``alpha``.

The random draws are made once per seed and shared by every ``delta`` (common random numbers):
the pooled results then change smoothly (the mean, its interval) or step by step (the rank
test) with ``delta`` instead of jittering, so each tipping point is found by root finding.

Pure numpy/scipy; nothing read or written.

References
----------
Rubin, D. B. (1987). Multiple imputation for nonresponse in surveys. Wiley.
doi:10.1002/9780470316696
Barnard, J., & Rubin, D. B. (1999). Small-sample degrees of freedom with multiple imputation.
Biometrika, 86(4), 948-955. doi:10.1093/biomet/86.4.948
van Buuren, S. (2018). Flexible imputation of missing data (2nd ed.), sections 3.2 (the
``norm`` method), 5.3 (pooling statistics that are not normal: transform first) and 9.2
(delta adjustment). CRC Press. doi:10.1201/9780429492259
Ratitch, B., O'Kelly, M., & Tosiello, R. (2013). Missing data in clinical trials: from clinical
assumptions to statistical analysis using pattern mixture models. Pharmaceutical Statistics,
12(6), 337-347. doi:10.1002/pst.1549
ICH (2019). E9(R1) addendum on estimands and sensitivity analysis in clinical trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as _st

from analysis.stats import _resampling as _rs
from analysis.stats._tidy import DEFAULT_SEED

__all__ = ["DEFAULT_IMPUTATIONS", "MIN_IMPUTATIONS", "ImputationDraws", "DeltaImputation",
           "imputations_for", "draw_imputations", "impute", "rubin_pool", "delta_adjusted_mi"]

DEFAULT_IMPUTATIONS: int = 1000
"""Imputations of a small data set. White, Royston & Wood (2011, Stat Med 30(4), 377-399,
doi:10.1002/sim.4067) advise ``m`` at least 100 times the fraction of missing information for
a reproducible p-value; a tipping point near 0 needs more: on the bundled cohort (19 families,
5 imputed) the interval's tipping point varied with the seed by 0.08 points (SD over 8 seeds)
at ``m = 100`` and by less than 0.001 at ``m = 1000``."""

MIN_IMPUTATIONS: int = 50
"""Fewest imputations accepted."""

IMPUTATION_BUDGET: int = 2_000_000
"""Completed values (imputations x units) per evaluation by default: ``m`` is
:data:`DEFAULT_IMPUTATIONS` up to 2,000 units, then ``IMPUTATION_BUDGET / n``, but never below
:data:`LARGE_N_IMPUTATIONS` (:func:`imputations_for`). A large cohort needs fewer: its pooled
results vary less between imputations."""

LARGE_N_IMPUTATIONS: int = 100
"""Imputations from 20,000 units on (the cost cap's floor)."""

VALUES_PER_BLOCK: int = 4_000_000
"""Completed values (imputations x units) analysed at once: bounds memory (about 100 MB for
the ranks) at any size; above it the imputations are processed in blocks."""

RANK_TEST_TOLERANCE: float = 1e-4
"""The rank test's tipping point is bracketed to this fraction of the point-estimate tipping
point (its p changes in steps, when an imputed change passes an observed one in size)."""


@dataclass(frozen=True)
class ImputationDraws:
    """The random numbers of one set of imputations (shared by every ``delta``).

    Attributes
    ----------
    chi2 : numpy.ndarray, shape (m,)
        Chi-square draws with ``n_complete - 2`` degrees of freedom (residual variance).
    beta : numpy.ndarray, shape (m, 2)
        Standard normal draws for intercept and slope.
    noise : numpy.ndarray, shape (m, n_missing)
        Standard normal draws of the residual noise of each imputed value.
    """

    chi2: np.ndarray
    beta: np.ndarray
    noise: np.ndarray


def imputations_for(n_units: int) -> int:
    """Default number of imputations for ``n_units`` units (see :data:`IMPUTATION_BUDGET`).

    >>> imputations_for(19), imputations_for(5_000), imputations_for(100_000)
    (1000, 400, 100)
    """
    return int(min(DEFAULT_IMPUTATIONS, max(LARGE_N_IMPUTATIONS,
                                            IMPUTATION_BUDGET // max(int(n_units), 1))))


def draw_imputations(n_complete: int, n_missing: int, *, n_imputations: int = DEFAULT_IMPUTATIONS,
                     seed: int | None = DEFAULT_SEED) -> ImputationDraws:
    """The random numbers of ``n_imputations`` imputations, from ``default_rng(seed)``.

    Drawn in a fixed order (all chi-square values, then the ``(m, 2)`` normals of the
    parameters, then the ``(m, n_missing)`` normals of the noise), so a seed fixes them.

    >>> d = draw_imputations(10, 3, n_imputations=50, seed=1)
    >>> d.chi2.shape, d.beta.shape, d.noise.shape
    ((50,), (50, 2), (50, 3))
    """
    if isinstance(n_imputations, bool) or not isinstance(n_imputations, (int, np.integer)) \
            or n_imputations < MIN_IMPUTATIONS:
        raise ValueError(f"n_imputations must be an integer >= {MIN_IMPUTATIONS}; "
                         f"got {n_imputations!r}")
    if n_complete < 3:
        raise ValueError(f"imputation needs at least 3 complete units; got {n_complete}")
    rng = np.random.default_rng(seed)
    chi2 = rng.chisquare(n_complete - 2, size=n_imputations)
    beta = rng.standard_normal((n_imputations, 2))
    noise = rng.standard_normal((n_imputations, n_missing))
    return ImputationDraws(chi2, beta, noise)


def impute(before, after, draws: ImputationDraws) -> np.ndarray:
    """The imputed follow-up values under MAR (``delta = 0``), one row per imputation.

    Parameters
    ----------
    before, after : array-like
        Baseline (observed for every unit) and follow-up (NaN where missing).
    draws : ImputationDraws
        From :func:`draw_imputations` with matching sizes.

    Returns
    -------
    numpy.ndarray, shape (m, n_missing)
        Imputed values of the units with a missing follow-up, in their order.

    Notes
    -----
    Bayesian linear regression of ``after`` on ``(1, before)`` among the ``c`` completers
    (R ``mice``'s ``.norm.draw`` with least squares by QR): ``b`` the least-squares fit,
    ``RSS`` its residual sum of squares, ``V = (X'X)^-1`` with lower Cholesky factor ``L``;
    per imputation ``sigma* = sqrt(RSS / chi2_(c - 2))``, ``beta* = b + sigma* L z`` and
    ``y* = x' beta* + sigma* e`` with ``z``, ``e`` standard normal.
    """
    x, y, complete = _checked(before, after)
    design = np.column_stack([np.ones(complete.sum()), x[complete]])
    coef, *_ = np.linalg.lstsq(design, y[complete], rcond=None)
    residual = y[complete] - design @ coef
    chol = np.linalg.cholesky(np.linalg.inv(design.T @ design))
    sigma = np.sqrt(residual @ residual / draws.chi2)
    beta = coef + sigma[:, None] * (draws.beta @ chol.T)
    missing = np.column_stack([np.ones((~complete).sum()), x[~complete]])
    return beta @ missing.T + sigma[:, None] * draws.noise


def _checked(before, after):
    x = np.asarray(before, dtype=float).ravel()
    y = np.asarray(after, dtype=float).ravel()
    if x.shape != y.shape or np.isnan(x).any():
        raise ValueError("before and after must have the same length and before must be "
                         "observed for every unit")
    complete = ~np.isnan(y)
    if complete.sum() < 3:
        raise ValueError(f"imputation needs at least 3 complete units; got {int(complete.sum())}")
    if np.ptp(x[complete]) == 0:
        raise ValueError("the complete units' baselines are all equal: no regression to "
                         "impute from")
    return x, y, complete


def rubin_pool(estimates, variances, *, dfcom: float = np.inf, confidence: float = 0.95
               ) -> dict:
    """Rubin's rules for a scalar: pooled estimate, total variance, Barnard-Rubin df, test.

    Parameters
    ----------
    estimates, variances : array-like, shape (m,) or (rows, m)
        Per-imputation estimates and their (complete-data) variances.
    dfcom : float
        Complete-data degrees of freedom (``inf``: Rubin's 1987 large-sample df).
    confidence : float
        Interval level.

    Returns
    -------
    dict
        Arrays (or floats): ``estimate`` (mean), ``within`` (mean variance ``U``), ``between``
        (``B``, variance of the estimates), ``total`` (``T = U + (1 + 1/m) B``), ``se``,
        ``df``, ``ci_low``, ``ci_high``, ``statistic`` (``estimate / se``), ``p_value``
        (two-sided, t with ``df``), ``lambda`` (``(1 + 1/m) B / T``, the share of the variance
        due to the missing values).

    Notes
    -----
    ``lambda`` is floored at 1e-4, ``df_old = (m - 1) / lambda^2``, ``df_obs = (dfcom + 1) /
    (dfcom + 3) dfcom (1 - lambda)``, ``df = df_old df_obs / (df_old + df_obs)`` (Barnard &
    Rubin 1999; as ``mice::pool``). With ``dfcom = inf``, ``df = df_old``.

    Examples
    --------
    ``B = 0.025`` and ``T = 0.04 + 1.2 B = 0.07`` (``mice:::barnard.rubin(5, 0.025, 0.07,
    30)`` gives 9.2579613):

    >>> r = rubin_pool([1.0, 1.2, 0.8, 1.1, 0.9], [0.04] * 5, dfcom=30)
    >>> [round(float(r[k]), 4) for k in ("estimate", "total", "se", "df")]
    [1.0, 0.07, 0.2646, 9.258]
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    m = q.shape[-1]
    if m < 2:
        raise ValueError(f"Rubin's rules need at least 2 imputations; got {m}")
    estimate = q.mean(axis=-1)
    within = u.mean(axis=-1)
    between = q.var(axis=-1, ddof=1)
    total = within + (1 + 1 / m) * between
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.maximum((1 + 1 / m) * between / total, 1e-4)
        df_old = (m - 1) / lam**2
        if np.isinf(dfcom):
            df = df_old
        else:
            df_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam)
            df = df_old * df_obs / (df_old + df_obs)
        se = np.sqrt(total)
        statistic = estimate / se
    half = _st.t.ppf(1 - (1 - confidence) / 2, df) * se
    return {"estimate": estimate, "within": within, "between": between, "total": total,
            "se": se, "df": df, "ci_low": estimate - half, "ci_high": estimate + half,
            "statistic": statistic, "p_value": 2 * _st.t.sf(np.abs(statistic), df), "lambda": lam}


def _rank_z(d: np.ndarray) -> np.ndarray:
    """Standardised Wilcoxon signed-rank statistic per row (Pratt's zeros, midranks).

    ``z = (T+ - E) / sqrt(sum r_i^2 / 4)`` with ``E = sum r_i / 2`` over the non-zero changes'
    midranks ``r_i`` of ``|d|`` (zeros ranked, then given no sign): the conditional (tie-
    corrected) null variance, no continuity correction; 0 when all changes are zero.
    """
    d = np.round(d, 10)
    ranks2 = _rs.signed_ranks2(d, "pratt").astype(float)
    t2 = np.sum(ranks2 * (d > 0), axis=-1)
    total = ranks2.sum(axis=-1)
    sd = np.sqrt(np.sum(ranks2**2, axis=-1) / 4)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, (t2 - total / 2) / sd, 0.0)


@dataclass(frozen=True)
class _ObservedRanks:
    """The observed changes as distinct sizes ``|d|`` with their counts (for :func:`_rank_z_split`)."""

    sizes: np.ndarray  # distinct |d|, ascending
    counts: np.ndarray  # how many observed changes have each size
    positive: np.ndarray  # how many of them are > 0
    before: np.ndarray  # observed changes of a smaller size: cumulative counts, from 0

    @classmethod
    def of(cls, observed: np.ndarray) -> "_ObservedRanks":
        d = np.round(observed, 10)
        sizes, group = np.unique(np.abs(d), return_inverse=True)
        counts = np.bincount(group, minlength=sizes.size).astype(float)
        positive = np.bincount(group, weights=(d > 0).astype(float), minlength=sizes.size)
        return cls(sizes, counts, positive, np.r_[0.0, np.cumsum(counts)[:-1]])


def _rank_z_split(observed: _ObservedRanks, imputed: np.ndarray) -> np.ndarray | None:
    """:func:`_rank_z` of ``[observed, imputed row]`` per row, without ranking all ``n`` values.

    The observed changes are the same in every row, so only the ``k`` imputed changes are
    sorted per row; an observed size's midrank is the observed changes below it, plus the
    imputed ones below it, plus half its tie; an imputed change's rank is its place among the
    imputed ones plus the observed changes below it: ``O(k log k + q)`` per row for ``q``
    distinct observed sizes instead of ``O(n log n)``. None when an imputed size is 0 or ties
    with another value (probability 0 for continuous imputations; the caller then ranks all).
    """
    d = np.round(imputed, 10)
    size = np.abs(d)
    order = np.argsort(size, axis=1, kind="stable")
    ranked = np.take_along_axis(size, order, axis=1)
    positive = np.take_along_axis(d > 0, order, axis=1)
    slot = np.searchsorted(observed.sizes, ranked, side="left")  # observed sizes below
    hit = np.minimum(slot, observed.sizes.size - 1)
    if (np.any(ranked == 0) or np.any(np.diff(ranked, axis=1) == 0)
            or np.any(observed.sizes[hit] == ranked)):
        return None
    rows, k, q = d.shape[0], d.shape[1], observed.sizes.size
    below = observed.before[hit] + np.where(slot == q, observed.counts[-1], 0.0)
    ranks = np.arange(1, k + 1) + below  # of the imputed, in sorted order
    tally = np.bincount((slot + (q + 1) * np.arange(rows)[:, None]).ravel(),
                        minlength=rows * (q + 1)).reshape(rows, q + 1)
    imputed_below = np.cumsum(tally, axis=1)[:, :q]  # imputed sizes below each observed size
    mid = observed.before + imputed_below + (observed.counts + 1) / 2
    nonzero = (observed.sizes > 0) * observed.counts
    t_plus = mid @ observed.positive + np.sum(ranks * positive, axis=1)
    total = mid @ nonzero + ranks.sum(axis=1)
    squares = mid**2 @ nonzero + np.sum(ranks**2, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(squares > 0, (t_plus - total / 2) / np.sqrt(squares / 4), 0.0)


def _rank_z_sorted_row(observed: _ObservedRanks, row: np.ndarray, delta: float) -> float | None:
    """:func:`_rank_z_split` of one row given in ascending order, shifted by ``delta``.

    Shifting keeps the order, so no sort is needed: the negative changes (reversed) and the
    positive ones are each ordered by size, and every rank follows from ``searchsorted``
    between them and the observed sizes, ``O(k log k)`` without sorting: for many imputed
    units (a large cohort) faster than sorting a block.
    """
    y = np.round(row + delta, 10)
    split = int(np.searchsorted(y, 0.0, side="left"))
    if split < y.size and y[split] == 0:
        return None
    neg, pos = -y[:split][::-1], y[split:]
    if np.any(np.diff(neg) == 0) or np.any(np.diff(pos) == 0):
        return None
    sizes, q = observed.sizes, observed.sizes.size
    cross = np.searchsorted(neg, pos)
    if neg.size and np.any(neg[np.minimum(cross, neg.size - 1)] == pos):
        return None
    ranks = []
    for part, others, among in ((pos, neg, cross), (neg, pos, np.searchsorted(pos, neg))):
        slot = np.searchsorted(sizes, part)
        hit = np.minimum(slot, q - 1)
        if np.any(sizes[hit] == part):
            return None
        below = observed.before[hit] + np.where(slot == q, observed.counts[-1], 0.0)
        ranks.append(np.arange(1, part.size + 1) + among + below)
    mid = (observed.before + np.searchsorted(pos, sizes) + np.searchsorted(neg, sizes)
           + (observed.counts + 1) / 2)
    nonzero = (sizes > 0) * observed.counts
    t_plus = mid @ observed.positive + ranks[0].sum()
    total = mid @ nonzero + ranks[0].sum() + ranks[1].sum()
    squares = mid**2 @ nonzero + np.sum(ranks[0] ** 2) + np.sum(ranks[1] ** 2)
    return float((t_plus - total / 2) / np.sqrt(squares / 4)) if squares > 0 else 0.0


ROW_LOOP_FROM: int = 256
"""From this many imputed units, :func:`_rank_z_sorted_row` (one row at a time, no sort)
replaces the sort of a block of rows (:func:`_rank_z_split`)."""


@dataclass(frozen=True)
class _Completed:
    """The completers' changes and the imputed changes under MAR, ready for any delta."""

    observed: np.ndarray  # changes of the complete units, (c,)
    imputed: np.ndarray  # imputed changes at delta 0, (m, n_missing)
    confidence: float

    @property
    def n(self) -> int:
        return self.observed.size + self.imputed.shape[1]

    def _ordered(self) -> np.ndarray:
        """The imputed changes of each row in ascending order (sorted once, then kept)."""
        cached = self.__dict__.get("_sorted")
        if cached is None:
            cached = np.sort(self.imputed, axis=1)
            object.__setattr__(self, "_sorted", cached)
        return cached

    def mean(self, delta: float) -> dict:
        """Pooled mean change over all units at ``delta`` (paired t per completed data set)."""
        d_imp = self.imputed + delta
        total = self.observed.sum() + d_imp.sum(axis=1)
        squares = (self.observed**2).sum() + (d_imp**2).sum(axis=1)
        mean = total / self.n
        variance = (squares - self.n * mean**2) / (self.n - 1)
        return rubin_pool(mean, variance / self.n, dfcom=self.n - 1, confidence=self.confidence)

    def rank(self, delta: float) -> dict:
        """Pooled standardised signed-rank statistic at ``delta`` (within variance 1)."""
        m, k = self.imputed.shape
        rows = max(1, VALUES_PER_BLOCK // self.n)
        sizes = _ObservedRanks.of(self.observed)
        z = np.empty(m)
        if k >= ROW_LOOP_FROM and self.observed.size:
            ordered = self._ordered()
            fast = [_rank_z_sorted_row(sizes, row, delta) for row in ordered]
            if all(v is not None for v in fast):
                return rubin_pool(np.asarray(fast), np.ones(m), dfcom=np.inf,
                                  confidence=self.confidence)
        for start in range(0, m, rows):
            block = self.imputed[start:start + rows] + delta
            fast = _rank_z_split(sizes, block) if self.observed.size else None
            if fast is None:
                fast = _rank_z(np.concatenate([np.broadcast_to(
                    self.observed, (len(block), self.observed.size)), block], axis=1))
            z[start:start + rows] = fast
        return rubin_pool(z, np.ones(m), dfcom=np.inf, confidence=self.confidence)


@dataclass(frozen=True)
class DeltaImputation:
    """Result of :func:`delta_adjusted_mi`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per ``delta`` tabulated: ``delta``, ``estimate`` (pooled mean change over all
        units, outcome units), ``se``, ``df`` (Barnard-Rubin), ``ci_low``, ``ci_high``,
        ``p_value`` (pooled t), ``lambda`` (share of its variance due to the missing values), ``rank_z``
        (pooled standardised signed-rank statistic), ``rank_df``, ``rank_p`` (its two-sided p).
    tipping : pandas.DataFrame
        One row per criterion: ``criterion`` (``estimate``: the pooled mean change is 0;
        ``interval``: the bound of its interval nearest 0 reaches 0; ``test``: the pooled
        rank test's p reaches ``alpha``), ``delta`` (outcome units, signed: positive means
        the missing follow-up scores lie above their MAR prediction; 0 when the criterion
        already holds under MAR; NaN without missing units or without a change), and the
        pooled results at that delta: ``estimate, ci_low, ci_high, p_value, rank_p``.
    n_units, n_missing, n_imputations, seed : int
    """

    table: pd.DataFrame
    tipping: pd.DataFrame
    n_units: int
    n_missing: int
    n_imputations: int
    seed: int | None

    def delta(self, criterion: str) -> float:
        """The tipping ``delta`` of ``criterion`` ("estimate", "interval" or "test")."""
        rows = self.tipping[self.tipping["criterion"] == criterion]
        if rows.empty:
            raise ValueError(f"criterion must be one of {self.tipping['criterion'].tolist()}; "
                             f"got {criterion!r}")
        return float(rows["delta"].iloc[0])


def delta_adjusted_mi(before, after, *, deltas=None, n_imputations: int | None = None,
                      seed: int | None = DEFAULT_SEED, confidence: float = 0.95,
                      alpha: float = 0.05) -> DeltaImputation:
    """Delta-adjusted multiple imputation of missing follow-up scores, with tipping points.

    Parameters
    ----------
    before, after : array-like
        Baseline and follow-up of every unit; ``after`` is NaN for the units that dropped
        out (``before`` must be observed for all). At least 3 complete units with varying
        baselines.
    deltas : array-like, optional
        Shifts (outcome units) to tabulate; default 0 to the point-estimate tipping point in
        5 steps, and the tipping points themselves.
    n_imputations : int, optional
        Imputations (at least :data:`MIN_IMPUTATIONS`); default :func:`imputations_for` the
        number of units (1000 for a small cohort, down to 100 from 20,000 units).
    seed : int or None
        Seed of the draws (:func:`draw_imputations`); a fixed seed fixes every number.
    confidence : float
        Level of the pooled interval.
    alpha : float
        Level the pooled rank test's p is compared with.

    Returns
    -------
    DeltaImputation

    Notes
    -----
    Imputation as :func:`impute`; ``delta`` is added to every imputed follow-up score (the
    same shift for every unit, as a ``post`` statement in ``mice``). Per completed data set the
    mean change ``mean(d)`` over all ``n`` units has variance ``var(d) / n``, pooled with
    ``dfcom = n - 1``; the signed-rank statistic is standardised (:func:`_rank_z`) and pooled
    with within variance 1 (van Buuren 2018, sect. 5.3: pool a statistic on a scale where it is
    approximately normal), p from t with Rubin's df. The pooled mean is linear in ``delta``
    (``estimate(0) + delta m_missing / n``), so the estimate's tipping point is exact for these
    draws; the interval's is the root of its bound nearest 0 (Brent, to 1e-10); the rank
    test's p changes in steps, so its tipping point is bracketed by doubling steps and
    bisection to :data:`RANK_TEST_TOLERANCE` of the estimate's tipping point (:func:`_rank_tipping`;
    a p that dips back below ``alpha`` inside the bracket is not followed). The search direction is against the observed change: for a decrease, how
    much *higher* the missing scores would have to be.

    Cost: every evaluation of the rank test sorts the ``m x k`` imputed changes
    (:func:`_rank_z_split`; the observed ones are ranked once), in blocks of
    :data:`VALUES_PER_BLOCK`; about 25 evaluations in all, and ``m`` falls with ``n``
    (:func:`imputations_for`), so a 20,000-unit cohort takes seconds.

    Examples
    --------
    >>> before = [20, 18, 16, 22, 19, 25, 17, 21]
    >>> after = [15, 15, 14, 18, 17, 20, np.nan, np.nan]
    >>> result = delta_adjusted_mi(before, after, seed=1)
    >>> [round(result.delta(c), 2) for c in ("estimate", "interval", "test")]
    [13.65, 4.08, 4.08]
    """
    x, y, complete = _checked(before, after)
    _rs.check_confidence(confidence)
    if n_imputations is None:
        n_imputations = imputations_for(x.size)
    draws = draw_imputations(int(complete.sum()), int((~complete).sum()),
                             n_imputations=n_imputations, seed=seed)
    data = _Completed(observed=y[complete] - x[complete],
                      imputed=impute(x, y, draws) - x[~complete], confidence=confidence)
    tipping = _tipping_points(data, alpha)
    if deltas is None:
        end = tipping.loc[tipping["criterion"] == "estimate", "delta"].iloc[0]
        end = 0.0 if not np.isfinite(end) else end
        deltas = np.unique(np.r_[np.linspace(0.0, end, 6),
                                 tipping["delta"].dropna().to_numpy()])
    rows = [_row(data, float(delta)) for delta in np.asarray(deltas, dtype=float)]
    return DeltaImputation(table=pd.DataFrame(rows), tipping=tipping, n_units=data.n,
                           n_missing=int((~complete).sum()), n_imputations=int(n_imputations),
                           seed=seed)


def _row(data: _Completed, delta: float) -> dict:
    mean, rank = data.mean(delta), data.rank(delta)
    return {"delta": delta, **{k: float(mean[k]) for k in ("estimate", "se", "df", "ci_low",
                                                          "ci_high", "p_value", "lambda")},
            "rank_z": float(rank["statistic"]), "rank_df": float(rank["df"]),
            "rank_p": float(rank["p_value"])}


def _tipping_points(data: _Completed, alpha: float) -> pd.DataFrame:
    columns = ["criterion", "delta", "estimate", "ci_low", "ci_high", "p_value", "rank_p"]
    at_zero = data.mean(0.0)
    if data.imputed.shape[1] == 0 or at_zero["estimate"] == 0:
        return pd.DataFrame([{"criterion": c, "delta": np.nan} for c in
                             ("estimate", "interval", "test")], columns=columns)
    sign = -np.sign(at_zero["estimate"])  # shift against the observed change
    slope = data.imputed.shape[1] / data.n
    point = float(-at_zero["estimate"] / slope)  # pooled mean is linear in delta
    bound = "ci_high" if sign > 0 else "ci_low"

    def nearest(delta):
        return float(data.mean(delta)[bound])

    if sign * nearest(0.0) >= 0:  # the interval holds 0 already under MAR
        interval = 0.0
    else:
        interval = float(optimize.brentq(nearest, min(0.0, point), max(0.0, point), xtol=1e-10,
                                         rtol=1e-12))
    test = _rank_tipping(data, alpha, point)
    rows = []
    for criterion, delta in (("estimate", point), ("interval", interval), ("test", test)):
        result = _row(data, delta) if np.isfinite(delta) else {}
        rows.append({"criterion": criterion, "delta": delta,
                     **{k: result.get(k, np.nan) for k in columns[2:]}})
    return pd.DataFrame(rows, columns=columns)


def _rank_tipping(data: _Completed, alpha: float, point: float) -> float:
    """First ``delta`` (towards ``point``) at which the pooled rank test's p reaches ``alpha``.

    From ``point / 16`` the step doubles until p reaches ``alpha`` (at most 10 times), then
    bisection closes the bracket to :data:`RANK_TEST_TOLERANCE` of ``point``: about 15
    evaluations. It assumes p grows with ``delta`` between the bracket's ends.
    """

    def p(delta):
        return float(data.rank(delta)["p_value"])

    if p(0.0) >= alpha:
        return 0.0
    low, high = 0.0, point / 16
    for _ in range(10):
        if p(high) >= alpha:
            break
        low, high = high, 2 * high
    else:
        return float("nan")
    tolerance = RANK_TEST_TOLERANCE * abs(point)
    while abs(high - low) > tolerance:
        middle = (low + high) / 2
        low, high = (low, middle) if p(middle) >= alpha else (middle, high)
    return float(high)
