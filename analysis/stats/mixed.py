"""Random-intercept linear mixed model over repeated moments, from sufficient statistics.

``y_it = b_0 + b_t + u_i + e_it`` with ``u_i ~ N(0, tau^2)`` and ``e_it ~ N(0, sigma^2)``,
one observation per unit and moment, fitted by REML; each later moment's change from the
first is tested with Satterthwaite's degrees of freedom (as ``lmerTest``) beside the Wald z
that ``statsmodels`` reports.

Why sufficient statistics. Under this model every unit with the same *pattern* of observed
moments (T0 and T1; T0 only; ...) has the same design and the same covariance
``V_p = sigma^2 I + tau^2 J``, so the REML criterion, the fixed effects, their covariance and
every derivative Satterthwaite needs are sums over patterns of ``n_p`` (units), the mean vector
and the scatter matrix of the pattern. With ``K`` moments there are at most ``2^K - 1``
patterns: fitting 100,000 families costs one pass to group them, then microseconds per
evaluation (statsmodels' ``MixedLM`` solves one small system per unit per iteration: 70 s at
20,000 families). The answer is the same REML fit: equal to ``MixedLM`` and to ``lme4::lmer``
within their optimisers' tolerance (checked to 1e-6 on the bundled cohort and against
``lmerTest`` on the golden data sets of ``tests/golden/mixed_golden.R``).

Pure numpy/scipy on arrays and tidy frames; no domain words, nothing read or written.

References
----------
Laird, N. M., & Ware, J. H. (1982). Random-effects models for longitudinal data. Biometrics,
38(4), 963-974. doi:10.2307/2529876
Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance components.
Biometrics Bulletin, 2(6), 110-114. doi:10.2307/3002019
Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest package: tests in
linear mixed effects models. Journal of Statistical Software, 82(13), 1-26.
doi:10.18637/jss.v082.i13
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as _st

__all__ = ["RandomInterceptFit", "fit_random_intercept", "random_intercept_change"]

BOUNDARY_RATIO: float = 1e-8
"""A variance ratio ``tau^2 / sigma^2`` below this is the boundary ``tau^2 = 0``: the random
intercept is then held fixed at 0 in the Satterthwaite computation (its derivative is zero
there in lmerTest's parametrisation by the standard deviation)."""

_GRID = np.r_[0.0, np.logspace(-8, 6, 57)]
"""Variance ratios ``tau^2 / sigma^2`` at which the profiled REML criterion is first evaluated;
Brent's method then refines between the neighbours of the best one."""


@dataclass(frozen=True)
class _Patterns:
    """Sufficient statistics: per pattern of observed moments, its units and their moments."""

    observed: list[np.ndarray]  # indices of the observed moments, per pattern
    counts: np.ndarray  # units per pattern
    means: list[np.ndarray]  # mean vector of the observed values, per pattern
    scatter: list[np.ndarray]  # sum of (y - mean)(y - mean)', per pattern
    n_moments: int

    @property
    def n_obs(self) -> int:
        return int(sum(n * len(o) for n, o in zip(self.counts, self.observed)))


@dataclass(frozen=True)
class RandomInterceptFit:
    """A REML fit of the random-intercept model (see :func:`fit_random_intercept`).

    Attributes
    ----------
    beta : numpy.ndarray
        Fixed effects: intercept (mean at the first moment), then each later moment's change
        from the first (outcome units).
    cov_beta : numpy.ndarray
        Their covariance at the REML estimates.
    sigma2, tau2 : float
        Residual and random-intercept variances.
    df : numpy.ndarray
        Satterthwaite degrees of freedom of each fixed effect.
    reml_criterion : float
        ``-2`` times the REML log-likelihood, constants included (lme4's ``REMLcrit``).
    n_units, n_obs : int
        Units with at least one value, and values.
    """

    beta: np.ndarray
    cov_beta: np.ndarray
    sigma2: float
    tau2: float
    df: np.ndarray
    reml_criterion: float
    n_units: int
    n_obs: int


def _patterns(values: np.ndarray) -> _Patterns:
    """Group the rows of ``values`` (units x moments, NaN for not observed) by pattern."""
    seen = ~np.isnan(values)
    keep = seen.any(axis=1)
    values, seen = values[keep], seen[keep]
    codes = seen @ (1 << np.arange(values.shape[1]))
    observed, counts, means, scatter = [], [], [], []
    for code in np.unique(codes):
        rows = values[codes == code]
        moments = np.flatnonzero(seen[codes == code][0])
        block = rows[:, moments]
        centred = block - block.mean(axis=0)
        observed.append(moments)
        counts.append(len(block))
        means.append(block.mean(axis=0))
        scatter.append(centred.T @ centred)
    return _Patterns(observed, np.asarray(counts, dtype=float), means, scatter, values.shape[1])


def _design(n_moments: int) -> np.ndarray:
    """Rows per moment: intercept, then an indicator of each later moment (treatment coding)."""
    design = np.zeros((n_moments, n_moments))
    design[:, 0] = 1.0
    design[np.arange(1, n_moments), np.arange(1, n_moments)] = 1.0
    return design


class _Model:
    """REML criterion, fixed effects and derivatives in ``theta = (sigma^2, tau^2)``."""

    def __init__(self, patterns: _Patterns):
        self.p = patterns
        design = _design(patterns.n_moments)
        self.x = [design[o] for o in patterns.observed]
        self.k = patterns.n_moments

    def _inverses(self, theta):
        sigma2, tau2 = theta
        out = []
        for o in self.p.observed:
            m = len(o)
            out.append((np.eye(m) - tau2 / (sigma2 + m * tau2) * np.ones((m, m))) / sigma2)
        return out

    def _gls(self, inverses):
        a = sum(n * x.T @ vi @ x for n, x, vi in zip(self.p.counts, self.x, inverses))
        b = sum(n * x.T @ vi @ y for n, x, vi, y in zip(self.p.counts, self.x, inverses,
                                                        self.p.means))
        a_inv = np.linalg.inv(a)
        return a, a_inv, a_inv @ b

    def criterion(self, theta) -> float:
        """``log|V| + log|X' V^-1 X| + y' P y`` (REML deviance without its constant)."""
        sigma2, tau2 = theta
        inverses = self._inverses(theta)
        a, _, beta = self._gls(inverses)
        value = np.linalg.slogdet(a)[1]
        for n, o, x, vi, y, w in zip(self.p.counts, self.p.observed, self.x, inverses,
                                     self.p.means, self.p.scatter):
            m = len(o)
            r = y - x @ beta
            value += n * (m * np.log(sigma2) + np.log1p(m * tau2 / sigma2))
            value += np.trace(vi @ w) + n * r @ vi @ r
        return float(value)

    def profiled(self, ratio: float) -> tuple[float, float]:
        """Criterion with ``sigma^2`` profiled out at ``tau^2 = ratio sigma^2``; and ``sigma^2``."""
        unit = self._inverses((1.0, ratio))
        _, _, beta = self._gls(unit)
        quad = sum(np.trace(vi @ w) + n * (y - x @ beta) @ vi @ (y - x @ beta)
                   for n, x, vi, y, w in zip(self.p.counts, self.x, unit, self.p.means,
                                             self.p.scatter))
        dof = self.p.n_obs - self.k
        sigma2 = quad / dof
        return self.criterion((sigma2, ratio * sigma2)), float(sigma2)

    def derivatives(self, theta):
        """Analytic Hessian of :meth:`criterion` and the Jacobian of ``Var(beta)`` in theta.

        With ``V_1 = dV/dsigma^2 = I`` and ``V_2 = dV/dtau^2 = J`` per unit, ``P = V^-1 -
        V^-1 X A^-1 X' V^-1`` and ``A = X' V^-1 X``: ``H_kl = -tr(P V_k P V_l) + 2 y' P V_k P
        V_l P y`` and ``dA^-1/dtheta_k = A^-1 F_k A^-1`` with ``F_k = X' V^-1 V_k V^-1 X``,
        each a sum over patterns.
        """
        inverses = self._inverses(theta)
        _, a_inv, beta = self._gls(inverses)
        mats = [[np.eye(len(o)), np.ones((len(o), len(o)))] for o in self.p.observed]
        f = [np.zeros((self.k, self.k)) for _ in range(2)]
        u = [np.zeros(self.k) for _ in range(2)]
        t1, g, quad = np.zeros((2, 2)), np.zeros((2, 2, self.k, self.k)), np.zeros((2, 2))
        for n, x, vi, y, w, vk in zip(self.p.counts, self.x, inverses, self.p.means,
                                      self.p.scatter, mats):
            r = y - x @ beta
            s = w + n * np.outer(r, r)
            e = [vi @ vk[j] @ vi for j in range(2)]
            for j in range(2):
                f[j] += n * x.T @ e[j] @ x
                u[j] += n * x.T @ e[j] @ r
                for l in range(2):
                    t1[j, l] += n * np.trace(vi @ vk[j] @ vi @ vk[l])
                    g[j, l] += n * x.T @ vi @ vk[j] @ vi @ vk[l] @ vi @ x
                    quad[j, l] += np.trace(vi @ vk[j] @ vi @ vk[l] @ vi @ s)
        hessian = np.zeros((2, 2))
        for j in range(2):
            for l in range(2):
                trace = (t1[j, l] - 2 * np.trace(a_inv @ g[j, l])
                         + np.trace(a_inv @ f[j] @ a_inv @ f[l]))
                ypy = quad[j, l] - u[j] @ a_inv @ u[l]
                hessian[j, l] = -trace + 2 * ypy
        jacobian = np.stack([a_inv @ f[j] @ a_inv for j in range(2)])
        return (hessian + hessian.T) / 2, jacobian


def _best_ratio(model: _Model) -> float:
    """The REML estimate of ``tau^2 / sigma^2`` (>= 0): a grid, then Brent's method."""
    values = np.array([model.profiled(r)[0] for r in _GRID])
    best = int(np.argmin(values))
    low = _GRID[max(best - 1, 0)]
    high = _GRID[min(best + 1, len(_GRID) - 1)]
    if best == len(_GRID) - 1:
        high = _GRID[-1] * 100
    if low > 0:  # interior in log scale
        found = optimize.minimize_scalar(lambda t: model.profiled(np.exp(t))[0],
                                         bounds=(np.log(low), np.log(high)), method="bounded",
                                         options={"xatol": 1e-12, "maxiter": 500})
        candidate = float(np.exp(found.x))
    else:
        found = optimize.minimize_scalar(lambda r: model.profiled(r)[0], bounds=(0.0, high),
                                         method="bounded", options={"xatol": 1e-14,
                                                                    "maxiter": 500})
        candidate = float(found.x)
    if model.profiled(candidate)[0] > values[best]:
        candidate = float(_GRID[best])
    if model.profiled(0.0)[0] <= model.profiled(candidate)[0]:
        return 0.0
    return candidate


def fit_random_intercept(values) -> RandomInterceptFit:
    """REML fit of the random-intercept model to a units x moments array.

    Parameters
    ----------
    values : array-like, shape (units, moments)
        One row per unit, one column per moment in time order (the first is the reference);
        NaN where a unit was not measured. Rows without any value are ignored.

    Returns
    -------
    RandomInterceptFit

    Notes
    -----
    The variance ratio ``rho = tau^2 / sigma^2 >= 0`` maximises the REML likelihood with
    ``sigma^2`` profiled out (a grid over ``rho`` from ``1e-8`` to ``1e6``, then bounded Brent
    to 1e-12 in ``log rho``; ``rho = 0`` is kept when no positive ratio does better).
    Satterthwaite's degrees of freedom of fixed effect ``j`` are ``2 c_j^2 / (g_j' A g_j)``
    with ``c_j = Var(beta_j)``, ``g_j`` its gradient in ``theta = (sigma^2, tau^2)`` and
    ``A = 2 H^-1`` the asymptotic covariance of ``theta`` from the Hessian ``H`` of the REML
    deviance (both analytic); at an interior optimum this does not depend on the
    parametrisation, so it equals lmerTest's, which differentiates numerically in
    ``(tau / sigma, sigma)``. At the boundary (``rho <`` :data:`BOUNDARY_RATIO`) only
    ``sigma^2`` enters. Needs more values than moments and every moment observed.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] < 2:
        raise ValueError(f"values must be a units x moments array with at least 2 moments; "
                         f"got shape {values.shape}")
    patterns = _patterns(values)
    seen = np.zeros(patterns.n_moments, dtype=bool)
    for o in patterns.observed:
        seen[o] = True
    if not seen.all() or patterns.n_obs <= patterns.n_moments:
        raise ValueError(f"every moment needs a value and there must be more values than "
                         f"moments; moments observed {seen.tolist()}, values {patterns.n_obs}")
    model = _Model(patterns)
    ratio = _best_ratio(model)
    criterion, sigma2 = model.profiled(ratio)
    theta = np.array([sigma2, ratio * sigma2])
    inverses = model._inverses(theta)
    _, cov_beta, beta = model._gls(inverses)
    hessian, jacobian = model.derivatives(theta)
    free = [0] if ratio < BOUNDARY_RATIO else [0, 1]
    cov_theta = 2 * np.linalg.inv(hessian[np.ix_(free, free)])
    df = np.empty(len(beta))
    for j in range(len(beta)):
        grad = jacobian[free, j, j]
        spread = float(grad @ cov_theta @ grad)
        df[j] = 2 * cov_beta[j, j] ** 2 / spread if spread > 0 else np.inf
    dof = patterns.n_obs - patterns.n_moments
    return RandomInterceptFit(beta=beta, cov_beta=cov_beta, sigma2=float(sigma2),
                              tau2=float(ratio * sigma2), df=df,
                              reml_criterion=criterion + dof * np.log(2 * np.pi),
                              n_units=int(patterns.counts.sum()), n_obs=patterns.n_obs)


def random_intercept_change(data: pd.DataFrame, *, subject: str, time: str, value: str,
                            order: list | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Change from the first moment by a random-intercept mixed model (REML, Satterthwaite).

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per unit and moment; rows with a missing ``value`` are dropped
        (the unit's other moments still count). A unit twice at one moment is an error.
    subject, time, value : str
        Unit identifier, moment label and outcome columns.
    order : list, optional
        Moments in time order (default: sorted labels); the first is the reference. Rows at
        other moments are left out.
    confidence : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        One row per later moment: ``time``, ``estimate`` (mean change from the first moment,
        outcome units), ``se``, ``df`` (Satterthwaite), ``t``, ``ci_low``, ``ci_high``,
        ``p_value`` (t with ``df``, two-sided), ``p_value_wald``, ``ci_low_wald``,
        ``ci_high_wald`` (normal reference, as statsmodels ``MixedLM`` reports), ``sigma2``,
        ``tau2``, ``n_units`` (units with at least one value), ``n_complete`` (units observed at
        the first moment and this one), ``n_obs``, ``converged`` (always True: the fit is a
        one-dimensional search that cannot fail to finish), ``method``.

    Notes
    -----
    The model (:func:`fit_random_intercept`) uses every value: a unit seen only at baseline
    informs the intercept and ``tau^2``, and through the within-unit correlation the change.
    That is the maximum-likelihood answer when drop-out is missing at random (it may depend on
    what was observed, not on the missing outcome). It is a model of means: a secondary
    analysis beside a rank test, and it cannot correct for drop-out that depends on the
    missing outcome itself (see :mod:`analysis.stats.imputation`).

    Examples
    --------
    ``lmerTest::lmer(y ~ t + (1 | id))`` gives -3.679, 0.898, 1.851 and 0.062:

    >>> long = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3, 4, 5],
    ...                      "t": ["a", "b"] * 3 + ["a", "a"],
    ...                      "y": [20.0, 15, 18, 15, 16, 14, 22, 19]})
    >>> row = random_intercept_change(long, subject="id", time="t", value="y").iloc[0]
    >>> [round(float(row[k]), 3) for k in ("estimate", "se", "df", "p_value")]
    [-3.679, 0.898, 1.851, 0.062]
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1; got {confidence!r}")
    for name in (subject, time, value):
        if name not in data.columns:
            raise ValueError(f"column {name!r} not found in data; columns are "
                             f"{list(data.columns)}")
    frame = data[[subject, time, value]].dropna(subset=[value])
    levels = list(order) if order is not None else sorted(frame[time].dropna().unique().tolist(),
                                                          key=str)
    frame = frame[frame[time].isin(levels)]
    if frame[[subject, time]].duplicated().any():
        twice = frame.loc[frame[[subject, time]].duplicated(), [subject, time]].iloc[0].tolist()
        raise ValueError(f"a unit has two values of {value!r} at one moment ({subject} "
                         f"{twice[0]!r} at {time} {twice[1]!r}); the model takes one per moment")
    if frame[time].nunique() < 2 or frame[subject].nunique() < 3:
        raise ValueError(f"a mixed model needs at least 2 moments and 3 units with a value of "
                         f"{value!r}; got {frame[time].nunique()} and {frame[subject].nunique()}")
    levels = [level for level in levels if level in set(frame[time])]
    wide = frame.pivot(index=subject, columns=time, values=value).reindex(columns=levels)
    fit = fit_random_intercept(wide.to_numpy(dtype=float))
    first = wide[levels[0]].notna()
    rows = []
    for j, level in enumerate(levels[1:], start=1):
        estimate, se, df = float(fit.beta[j]), float(np.sqrt(fit.cov_beta[j, j])), float(fit.df[j])
        t_crit = _st.t.ppf(1 - (1 - confidence) / 2, df)
        z_crit = _st.norm.ppf(1 - (1 - confidence) / 2)
        t_value = estimate / se if se > 0 else np.nan
        rows.append({"time": level, "estimate": estimate, "se": se, "df": df, "t": t_value,
                     "ci_low": estimate - t_crit * se, "ci_high": estimate + t_crit * se,
                     "p_value": float(2 * _st.t.sf(abs(t_value), df)),
                     "p_value_wald": float(2 * _st.norm.sf(abs(t_value))),
                     "ci_low_wald": estimate - z_crit * se, "ci_high_wald": estimate + z_crit * se,
                     "sigma2": fit.sigma2, "tau2": fit.tau2, "n_units": fit.n_units,
                     "n_complete": int((first & wide[level].notna()).sum()),
                     "n_obs": fit.n_obs, "converged": True,
                     "method": "linear mixed model, random intercept, REML (MAR); "
                               "Satterthwaite df"})
    return pd.DataFrame(rows)
