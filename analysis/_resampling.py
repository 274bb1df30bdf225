"""Numerical engines behind :mod:`analysis.stats`: exact rank null distributions, bootstrap.

Pure numpy/scipy on arrays, vectorised over a leading batch axis so that the same code serves
one test, thousands of bootstrap resamples and the power simulation of :mod:`analysis.power`.
Input checks shared by both modules live here too. The public API is :mod:`analysis.stats`;
nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as _st

BOOTSTRAP_METHODS = ("percentile", "bca")
RANK_METHODS = ("auto", "exact", "normal")
EXACT_MAX_N = 100  # "auto" uses the exact null distribution up to this many observations
_CHUNK = 2000  # resamples drawn per block (fixed: part of the deterministic protocol)


def check_choice(name: str, value, allowed: Sequence) -> None:
    """Raise ValueError naming ``name``, the allowed values and the value given."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def check_confidence(confidence) -> float:
    """Return ``confidence`` as float after checking ``0 < confidence < 1``."""
    if not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number strictly between 0 and 1; "
                         f"got {confidence!r}")
    return float(confidence)


def check_resampling(n_resamples, seed) -> None:
    """Check a resample count (integer >= 100) and a seed (integer or None)."""
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) \
            or n_resamples < 100:
        raise ValueError(f"n_resamples must be an integer >= 100; got {n_resamples!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValueError(f"seed must be an integer or None; got {seed!r}")


def bootstrap(data, statistic, *, n_resamples, seed, confidence, method) -> dict:
    """Bootstrap interval as a dict; see :func:`analysis.stats.bootstrap_ci` for the method.

    Resampling indices are drawn block by block (``_CHUNK`` resamples at a time) from
    ``numpy.random.default_rng(seed)``, so a seed fixes the result.
    """
    check_choice("method", method, BOOTSTRAP_METHODS)
    check_resampling(n_resamples, seed)
    alpha = 1 - check_confidence(confidence)
    samples = [np.asarray(s, dtype=float) for s in (data if isinstance(data, tuple) else (data,))]
    if any(len(s) < 2 for s in samples):
        raise ValueError(f"data: every sample needs at least 2 units to resample; got sizes "
                         f"{[len(s) for s in samples]}")
    estimate = float(statistic(*[s[None] for s in samples])[0])
    rng = np.random.default_rng(seed)
    boot = np.empty(n_resamples)
    for start in range(0, n_resamples, _CHUNK):
        size = min(_CHUNK, n_resamples - start)
        batch = [s[rng.integers(0, len(s), size=(size, len(s)))] for s in samples]
        boot[start:start + size] = statistic(*batch)
    boot = boot[np.isfinite(boot)]
    levels = np.array([alpha / 2, 1 - alpha / 2])
    if method == "bca" and boot.size:
        levels = _bca_levels(samples, statistic, estimate, boot, levels)
    low, high = (np.quantile(boot, levels) if boot.size and np.all(np.isfinite(levels))
                 else (np.nan, np.nan))
    return {"estimate": estimate, "ci_low": float(low), "ci_high": float(high),
            "se": float(boot.std(ddof=1)) if boot.size > 1 else np.nan,
            "confidence": 1 - alpha, "method": method, "n_resamples": int(n_resamples),
            "n_valid": int(boot.size), "seed": seed}


def _bca_levels(samples, statistic, estimate, boot, levels) -> np.ndarray:
    """Adjusted quantile levels of the BCa interval (NaN when the estimate is undefined)."""
    if not np.isfinite(estimate):
        return np.full(2, np.nan)
    below = (np.sum(boot < estimate) + 0.5 * np.sum(boot == estimate)) / boot.size
    z0 = _st.norm.ppf(below)
    jack = []
    for k, sample in enumerate(samples):
        n = len(sample)
        leave_out = np.arange(1, n)[None, :] - (np.arange(1, n)[None, :] <= np.arange(n)[:, None])
        batch = [sample[leave_out] if j == k else np.broadcast_to(s[None], (n, *s.shape))
                 for j, s in enumerate(samples)]
        jack.append(statistic(*batch))
    jack = np.concatenate(jack)
    jack = jack[np.isfinite(jack)]
    spread = jack.mean() - jack if jack.size else np.zeros(1)
    denominator = 6 * np.sum(spread**2) ** 1.5
    accel = np.sum(spread**3) / denominator if denominator > 0 else 0.0
    z = _st.norm.ppf(levels)
    return _st.norm.cdf(z0 + (z0 + z) / (1 - accel * (z0 + z)))


def signed_ranks2(differences: np.ndarray, zero_method: str) -> np.ndarray:
    """Doubled midranks of ``|d|`` per row (integers); zero differences get 0.

    Pratt ranks the zeros with the rest and then gives them no sign; "wilcox" drops them
    first, which lowers every other rank by the number of zeros in the row.
    """
    ranks = _st.rankdata(np.abs(differences), axis=-1)
    zero = differences == 0
    if zero_method == "wilcox":
        ranks = ranks - zero.sum(axis=-1, keepdims=True)
    ranks2 = np.rint(2 * ranks).astype(np.int64)
    ranks2[zero] = 0
    return ranks2


def _signed_rank_exact_p(ranks2: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Exact two-sided p of the signed-rank sum, one null distribution per row.

    The null distribution of ``T+`` (doubled) is built by convolving, for every rank ``r``,
    the two equally likely outcomes {0, r}: the exact distribution of all ``2^m`` sign
    flips, midranks and zeros included, without listing the flips one by one. Rows with the
    same multiset of ranks share one distribution (computed once), so rows without ties cost
    one distribution in all.
    """
    patterns, inverse = np.unique(np.sort(ranks2, axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    dist = _sign_flip_distributions(patterns)
    lower_cdf = np.cumsum(dist, axis=1)
    upper_sf = np.cumsum(dist[:, ::-1], axis=1)[:, ::-1]
    total = ranks2.sum(axis=1)
    observed = np.abs(2 * t2 - total)
    # |2t - total| >= observed  <=>  t <= (total - observed) / 2  or  t >= (total + observed) / 2
    low, high = (total - observed) // 2, -((-(total + observed)) // 2)
    p = lower_cdf[inverse, low] + upper_sf[inverse, high]
    return np.where(observed == 0, 1.0, np.minimum(1.0, p))


def _sign_flip_distributions(patterns: np.ndarray) -> np.ndarray:
    """Null probabilities of the doubled ``T+`` (columns 0..max total) per row of ranks."""
    dist = np.zeros((patterns.shape[0], patterns.sum(axis=1).max() + 1))
    dist[:, 0] = 1.0
    for column in patterns.T:
        new = 0.5 * dist
        for r in np.unique(column):
            rows = column == r
            if r == 0:
                new[rows] += 0.5 * dist[rows]
            else:
                new[rows, r:] += 0.5 * dist[rows, :-r]
        dist = new
    return dist


def signed_rank(differences, zero_method: str, method: str):
    """Vectorised signed-rank test over rows: ``(T+, p, R+ + R-)`` with undoubled sums."""
    d = np.round(np.atleast_2d(np.asarray(differences, dtype=float)), 10)
    ranks2 = signed_ranks2(d, zero_method)
    t2 = np.sum(ranks2 * (d > 0), axis=1)
    total = ranks2.sum(axis=1)
    if method == "auto":
        method = "exact" if d.shape[1] <= EXACT_MAX_N else "normal"
    if method == "exact":
        p = _signed_rank_exact_p(ranks2, t2)
    else:
        sd = np.sqrt(np.sum(ranks2.astype(float) ** 2, axis=1) / 4)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(sd > 0, (t2 - total / 2) / sd, 0.0)
        p = 2 * _st.norm.sf(np.abs(z))
    return t2 / 2, p, total / 2


def rank_biserial_paired(differences: np.ndarray, zero_method: str) -> np.ndarray:
    """Matched-pairs rank-biserial ``(R+ - R-) / (R+ + R-)`` per row (NaN if all zero)."""
    d = np.round(differences, 10)
    ranks2 = signed_ranks2(d, zero_method)
    total = ranks2.sum(axis=-1).astype(float)
    t2 = np.sum(ranks2 * (d > 0), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (2 * t2 - total) / total, np.nan)


def spearman_batch(pairs: np.ndarray) -> np.ndarray:
    """Spearman rho per batch of ``(n, 2)`` arrays (NaN when a column is constant)."""
    ranks = _st.rankdata(pairs, axis=-2)
    centred = ranks - ranks.mean(axis=-2, keepdims=True)
    covariance = np.sum(centred[..., 0] * centred[..., 1], axis=-1)
    scale = np.sqrt(np.sum(centred[..., 0] ** 2, axis=-1) * np.sum(centred[..., 1] ** 2, axis=-1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, covariance / scale, np.nan)


def rank_sum_exact_p(ranks2: np.ndarray, n1: int, r1_2: int) -> float:
    """Exact two-sided p of a (doubled) rank sum: all splits counted by dynamic programming."""
    total = int(ranks2.sum())
    count = np.zeros((n1 + 1, total + 1))
    count[0, 0] = 1.0
    for r in ranks2:
        count[1:, r:] = count[1:, r:] + count[:-1, :total + 1 - r]
    dist = count[n1] / count[n1].sum()
    centre2 = n1 * (len(ranks2) + 1)  # doubled expected rank sum
    deviation = np.abs(np.arange(total + 1) - centre2)
    return float(min(1.0, dist[deviation >= abs(r1_2 - centre2)].sum()))


def rank_sum_normal_p(ranks2: np.ndarray, n1: int, r1_2: int) -> float:
    n, n2 = len(ranks2), len(ranks2) - n1
    variance = n1 * n2 / (n * (n - 1)) * np.sum((ranks2 - ranks2.mean()) ** 2)
    if variance == 0:
        return 1.0
    return float(2 * _st.norm.sf(abs(r1_2 - n1 * (n + 1)) / np.sqrt(variance)))


def rank_biserial_groups(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``P(X > Y) - P(X < Y)`` per batch row, by direct comparison of all pairs."""
    diff = first[..., :, None] - second[..., None, :]
    return np.mean(np.sign(diff), axis=(-2, -1))
