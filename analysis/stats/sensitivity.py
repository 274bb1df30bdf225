"""Sensitivity of a pre/post change to drop-out: a mixed model under MAR and a tipping point.

A complete-case analysis uses only the units measured at both moments. Two sensitivity
analyses use every unit:

* :func:`mixed_model_change`: a linear mixed model over all observed moments (random
  intercept per unit), valid when drop-out is missing at random (MAR: it may depend on the
  observed baseline, not on the unobserved outcome);
* :func:`tipping_point`: how much worse (in scale points) the missing follow-up scores would
  have to be than MAR predicts before the estimated change turns to zero (delta adjustment).

Pure computation on arrays and tidy frames; no domain words, nothing read or written.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as _st

__all__ = ["mixed_model_change", "tipping_point"]


def mixed_model_change(data: pd.DataFrame, *, subject: str, time: str, value: str,
                       order: list | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Change from the first moment by a linear mixed model with a random intercept.

    Parameters
    ----------
    data : pandas.DataFrame
        Long table, one row per unit and moment; rows with a missing ``value`` are dropped
        (the unit's other moments still count).
    subject, time, value : str
        Unit identifier, moment label and outcome columns.
    order : list, optional
        Moments in time order (default: sorted labels); the first is the reference.
    confidence : float
        Level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame
        One row per later moment: ``time``, ``estimate`` (mean change from the first moment,
        outcome units), ``se``, ``ci_low``, ``ci_high``, ``p_value`` (Wald z, two-sided),
        ``n_units`` (units with at least one observation), ``n_complete`` (units observed at
        both the first moment and this one), ``n_obs``, ``converged``, ``method``.

    Notes
    -----
    ``y_it = b0 + b_t + u_i + e_it`` with ``u_i ~ N(0, tau^2)`` and ``e_it ~ N(0, sigma^2)``,
    fitted by REML with statsmodels ``MixedLM`` (lbfgs). A unit seen only at baseline still
    informs ``b0`` and ``tau^2``, and so, through the within-unit correlation, the change:
    the maximum-likelihood answer under MAR. It cannot correct for drop-out that depends on
    the missing outcome itself (MNAR); :func:`tipping_point` probes that.

    References
    ----------
    Laird, N. M., & Ware, J. H. (1982). Random-effects models for longitudinal data.
    Biometrics, 38(4), 963-974. doi:10.2307/2529876
    """
    import statsmodels.formula.api as smf

    frame = data[[subject, time, value]].dropna(subset=[value]).copy()
    levels = list(order) if order is not None else sorted(frame[time].unique().tolist(), key=str)
    frame = frame[frame[time].isin(levels)]
    if frame[time].nunique() < 2 or frame[subject].nunique() < 3:
        raise ValueError(f"a mixed model needs at least 2 moments and 3 units with a value of "
                         f"{value!r}; got {frame[time].nunique()} and {frame[subject].nunique()}")
    frame["_time"] = pd.Categorical(frame[time], categories=levels)
    frame = frame.rename(columns={value: "_y", subject: "_unit"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = smf.mixedlm("_y ~ C(_time)", frame, groups=frame["_unit"]).fit(
            reml=True, method="lbfgs")
    converged = bool(fit.converged) and not any(
        "converge" in str(w.message).lower() for w in caught)
    z = _st.norm.ppf(1 - (1 - confidence) / 2)
    rows = []
    first = set(frame.loc[frame[time] == levels[0], "_unit"])
    for level in levels[1:]:
        term = f"C(_time)[T.{level}]"
        if term not in fit.params.index:
            continue
        estimate, se = float(fit.params[term]), float(fit.bse[term])
        rows.append({"time": level, "estimate": estimate, "se": se,
                     "ci_low": estimate - z * se, "ci_high": estimate + z * se,
                     "p_value": float(2 * _st.norm.sf(abs(estimate / se))) if se > 0 else np.nan,
                     "n_units": int(frame["_unit"].nunique()),
                     "n_complete": len(first & set(frame.loc[frame[time] == level, "_unit"])),
                     "n_obs": int(len(frame)), "converged": converged,
                     "method": "linear mixed model, random intercept, REML (MAR)"})
    return pd.DataFrame(rows)


def tipping_point(before, after, *, confidence: float = 0.95,
                  deltas=None) -> tuple[float, pd.DataFrame]:
    """How much worse missing follow-up scores must be to turn the mean change to zero.

    Parameters
    ----------
    before, after : array-like
        Baseline and follow-up of every unit; ``after`` is NaN for the units that dropped out
        (their ``before`` must be observed). At least 3 complete units.
    confidence : float
        Level of the interval in the table.
    deltas : array-like, optional
        Shifts (outcome units) to tabulate; default 0 to twice the tipping point in 21 steps.

    Returns
    -------
    tuple
        ``(delta_star, table)``. ``delta_star`` is the shift added to the MAR prediction of
        every missing follow-up score at which the estimated mean change over all units is
        exactly 0 (same sign as the opposite of the observed change: for a decrease, how many
        points higher the missing scores would have to be); NaN without missing units.
        ``table`` has one row per delta: ``delta``, ``mean_change``, ``ci_low``, ``ci_high``
        (paired t interval on the completed data) and ``n_imputed``.

    Notes
    -----
    MAR prediction: the least-squares line of ``after`` on ``before`` among complete units,
    evaluated at each missing unit's ``before``. With ``n`` units of which ``m`` imputed,
    the mean change is ``(sum_complete d + sum_missing (pred - before + delta)) / n``, linear
    in ``delta``, so ``delta_star`` is exact. The interval treats imputed values as
    observed (single imputation), so it is too narrow: it shows the direction of the
    sensitivity, not a test.

    References
    ----------
    Ratitch, B., O'Kelly, M., & Tosiello, R. (2013). Missing data in clinical trials: from
    clinical assumptions to statistical analysis using pattern mixture models.
    Pharmaceutical Statistics, 12(6), 337-347. doi:10.1002/pst.1549

    Examples
    --------
    >>> delta, table = tipping_point([20, 18, 16, 22, 19], [15, 15, 14, 18, np.nan])
    >>> round(delta, 2)
    17.5
    """
    x = np.asarray(before, dtype=float)
    y = np.asarray(after, dtype=float)
    if x.shape != y.shape or np.isnan(x).any():
        raise ValueError("before and after must have the same length and before must be "
                         "observed for every unit")
    complete = ~np.isnan(y)
    if complete.sum() < 3:
        raise ValueError(f"tipping_point needs at least 3 complete units; got {complete.sum()}")
    slope, intercept = np.polyfit(x[complete], y[complete], 1)
    predicted = intercept + slope * x[~complete]
    m, n = int((~complete).sum()), len(x)
    base = float(np.sum(y[complete] - x[complete]) + np.sum(predicted - x[~complete]))
    delta_star = -base / m if m else float("nan")
    if deltas is None:
        top = 2 * delta_star if m and np.isfinite(delta_star) else 0.0
        deltas = np.linspace(0.0, top, 21)
    z = _st.t.ppf(1 - (1 - confidence) / 2, n - 1)
    rows = []
    for delta in np.asarray(deltas, dtype=float):
        filled = y.copy()
        filled[~complete] = predicted + delta
        d = filled - x
        half = z * d.std(ddof=1) / np.sqrt(n)
        rows.append({"delta": float(delta), "mean_change": float(d.mean()),
                     "ci_low": float(d.mean() - half), "ci_high": float(d.mean() + half),
                     "n_imputed": m})
    return float(delta_star), pd.DataFrame(rows)
