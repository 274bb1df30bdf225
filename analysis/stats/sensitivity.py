"""Sensitivity of a pre/post change to drop-out: a mixed model under MAR and tipping points.

A complete-case analysis uses only the units measured at both moments. Two sensitivity
analyses use every unit:

* :func:`mixed_model_change`: a random-intercept linear mixed model over all observed moments
  (REML, Satterthwaite degrees of freedom; :mod:`analysis.stats.mixed`), valid when drop-out
  is missing at random (MAR: it may depend on the observed baseline, not on the unobserved
  outcome). It models means: a secondary analysis beside a rank test.
* :func:`tipping_points`: delta-adjusted multiple imputation (:mod:`analysis.stats.imputation`):
  how much worse (in outcome units) the missing follow-up scores would have to be than MAR
  predicts before the pooled estimate reaches 0, before its 95% interval reaches 0 and before
  the pooled rank test's p reaches 0.05. The last two are where the *conclusion* changes;
  the first (the only one a single deterministic imputation can give) comes much later.

Pure computation on arrays and tidy frames; no domain words, nothing read or written.
"""

from __future__ import annotations

import pandas as pd

from analysis.stats._tidy import DEFAULT_SEED
from analysis.stats.imputation import DeltaImputation, delta_adjusted_mi
from analysis.stats.mixed import random_intercept_change

__all__ = ["mixed_model_change", "tipping_points"]


def mixed_model_change(data: pd.DataFrame, *, subject: str, time: str, value: str,
                       order: list | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Change from the first moment by a random-intercept mixed model (REML, Satterthwaite).

    See :func:`analysis.stats.mixed.random_intercept_change` for the parameters and the
    returned columns (``estimate, se, df, ci_low, ci_high, p_value`` with Satterthwaite's
    degrees of freedom, the Wald versions beside them, variance components and counts).
    """
    return random_intercept_change(data, subject=subject, time=time, value=value, order=order,
                                   confidence=confidence)


def tipping_points(before, after, *, n_imputations: int | None = None,
                   seed: int | None = DEFAULT_SEED, confidence: float = 0.95,
                   alpha: float = 0.05) -> DeltaImputation:
    """Delta-adjusted multiple imputation of the missing ``after`` values, with tipping points.

    See :func:`analysis.stats.imputation.delta_adjusted_mi` (``before`` observed for every
    unit, ``after`` NaN for drop-outs; ``seed`` fixes every number).
    """
    return delta_adjusted_mi(before, after, n_imputations=n_imputations, seed=seed,
                             confidence=confidence, alpha=alpha)
