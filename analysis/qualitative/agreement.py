"""Inter-coder agreement on double-coded qualitative material.

A segment (same ``session_id`` and ``segment_id``) coded by two or more coders is double coded.
Codings whose coder is ``"unknown"`` (exports that name no person, program pseudo-users) take no
part: agreement needs identified coders.
Each code is then a presence/absence judgement per coder and segment, on which this module
computes percent agreement and Cohen's kappa per code and coder pair, and Krippendorff's alpha
(own implementation from the coincidence matrix, with missing values) per code and overall.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological
Measurement*, 20(1), 37-46. https://doi.org/10.1177/001316446002000104

Krippendorff, K. (2004). *Content analysis: An introduction to its methodology* (2nd ed.),
ch. 11. Sage. (Thresholds: alpha >= .800 reliable; .667 <= alpha < .800 tentative conclusions.)

Krippendorff, K. (2011). *Computing Krippendorff's alpha-reliability*. Annenberg School for
Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43

Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability measure
for coding data. *Communication Methods and Measures*, 1(1), 77-89.
https://doi.org/10.1080/19312450709336664
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from analysis.origin import computes
from analysis.qualitative.qda import UNKNOWN_CODER
from analysis.qualitative.qda import codes_at_level

RELIABLE: float = 0.800
"""Alpha from which data count as reliable (Krippendorff, 2004, p. 241)."""
TENTATIVE: float = 0.667
"""Lowest alpha allowing tentative conclusions (Krippendorff, 2004, p. 241)."""
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
"""Metrics of :func:`krippendorff_alpha`."""
RELIABILITY_LABELS_NL: dict[str, str] = {"reliable": "betrouwbaar", "tentative": "voorlopig",
                                         "insufficient": "onvoldoende",
                                         "undefined": "niet te bepalen"}
"""Dutch wording of :func:`reliability_label` for figures and reports."""

CODE_AGREEMENT_COLUMNS: list[str] = ["code_path", "coder_a", "coder_b", "n_units", "n_both",
                                     "n_a_only", "n_b_only", "n_neither", "percent_agreement",
                                     "kappa", "alpha", "reliability"]
SUMMARY_COLUMNS: list[str] = ["statistic", "method", "reliability", "level", "n_units",
                              "n_pairable_values", "n_coders", "n_segments", "n_double_coded",
                              "share_double_coded", "ci_low", "ci_high", "verdict",
                              "p_below_tentative", "p_below_reliable", "n_resamples", "seed"]
VERDICTS_NL: dict[str, str] = {**RELIABILITY_LABELS_NL, "at_least_tentative": "minstens voorlopig",
                               "at_most_tentative": "hooguit voorlopig",
                               "undetermined": "niet te beoordelen"}
"""Dutch wording of :func:`alpha_verdict`."""
MIN_DOUBLE_CODED_PER_CODE: int = 5
"""Fewest double-coded segments with a code before its own alpha is drawn or judged.

A choice of this compendium, not a published rule: with fewer paired decisions one segment
moves a code's alpha by a large step, and a per-code alpha from one or two segments says
nothing about how the code is applied. Codes below it keep their count and are marked
``"too_few"`` (:func:`agreement_by_code`); the overall alpha still uses every segment."""

DEFAULT_ALPHA_SEED: int = 20232024
"""Seed of the bootstrap of :func:`alpha_interval` (the package's default seed)."""
DEFAULT_ALPHA_RESAMPLES: int = 9999
ALPHA_RESAMPLE_BUDGET: int = 200_000_000
"""Resampled units (resamples x clusters) at most: above, the number of resamples falls (never
below 1,000), so a coded corpus of any size costs seconds."""


def reliability_label(alpha: float) -> str:
    """``"reliable"`` (>= .800), ``"tentative"`` (>= .667), ``"insufficient"`` or ``"undefined"``.

    >>> reliability_label(0.743), reliability_label(0.8), reliability_label(float("nan"))
    ('tentative', 'reliable', 'undefined')
    """
    if alpha is None or not np.isfinite(alpha):
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    return "tentative" if alpha >= TENTATIVE else "insufficient"


def coincidence_matrix(data) -> pd.DataFrame:
    """Krippendorff's coincidence matrix of reliability data.

    Parameters
    ----------
    data : DataFrame or 2-D array-like
        Units in rows, coders in columns; a missing value (``NaN``, ``None``, ``pd.NA``) means
        the coder did not judge the unit.

    Returns
    -------
    DataFrame
        Values x values; ``o[c, k] = sum_u n_uc * (n_uk - [c == k]) / (m_u - 1)`` over the units
        with ``m_u >= 2`` values (pairable units); units with one value are dropped.
    """
    frame = pd.DataFrame(data)
    long = frame.stack(future_stack=True).dropna()
    if long.empty:
        return pd.DataFrame(dtype=float)
    counts = pd.crosstab(long.index.get_level_values(0), long.to_numpy())
    counts = counts[counts.sum(axis=1) >= 2]
    values = sorted(counts.columns, key=_sort_key)
    n_uc = counts.reindex(columns=values, fill_value=0).to_numpy(dtype=float)
    weights = 1.0 / (n_uc.sum(axis=1) - 1.0)
    o = n_uc.T @ (n_uc * weights[:, None]) - np.diag((n_uc * weights[:, None]).sum(axis=0))
    return pd.DataFrame(o, index=values, columns=values)


@computes("agreement_alpha")
def krippendorff_alpha(data, *, level: str = "nominal") -> float:
    """Krippendorff's alpha of reliability data with any number of coders and missing values.

    Parameters
    ----------
    data : DataFrame or 2-D array-like
        Units in rows, coders in columns, missing values allowed (see
        :func:`coincidence_matrix`). Values are categories (nominal) or numbers (other levels).
    level : {"nominal", "ordinal", "interval", "ratio"}
        Metric of the difference function.

    Returns
    -------
    float
        ``alpha = 1 - (n - 1) * sum o_ck d_ck / sum n_c n_k d_ck`` with ``o`` the coincidence
        matrix, ``n_c`` its margins and ``n`` the number of pairable values (Krippendorff, 2011).
        NaN when there are fewer than two pairable values or only one value occurs (no
        expected disagreement: alpha is undefined).

    Notes
    -----
    Missing-data rule: every value of a unit with at least two values takes part; units with
    fewer than two values are left out. Difference functions: nominal 0/1; ordinal
    ``(sum_{g=c}^{k} n_g - (n_c + n_k) / 2)^2`` over the ordered values; interval ``(c - k)^2``;
    ratio ``((c - k) / (c + k))^2``.

    Examples
    --------
    Krippendorff's (2011) binary example (two coders, ten units):

    >>> round(krippendorff_alpha({"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    ...                           "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}), 3)
    0.095
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}; got {level!r}")
    o = coincidence_matrix(data)
    n = float(o.to_numpy().sum()) if not o.empty else 0.0
    if n < 2 or len(o) < 2:
        return float("nan")
    delta = _delta(o, level)
    margins = o.sum(axis=1).to_numpy()
    expected = float((np.outer(margins, margins) * delta).sum())
    if expected == 0:
        return float("nan")
    return float(1.0 - (n - 1.0) * float((o.to_numpy() * delta).sum()) / expected)


def _unit_counts(data):
    """Values, per-unit value counts ``n_uc`` (pairable units only) and their row index."""
    frame = pd.DataFrame(data)
    long = frame.stack(future_stack=True).dropna()
    if long.empty:
        return [], np.zeros((0, 0)), np.array([], dtype=int)
    counts = pd.crosstab(long.index.get_level_values(0), long.to_numpy())
    counts = counts[counts.sum(axis=1) >= 2]
    values = sorted(counts.columns, key=_sort_key)
    rows = frame.index.get_indexer(counts.index)
    return values, counts.reindex(columns=values, fill_value=0).to_numpy(dtype=float), rows


def _alpha_of(o: np.ndarray, values: list, level: str) -> np.ndarray:
    """Alpha of coincidence matrices ``o`` (shape (..., V, V)); NaN where undefined."""
    n = o.sum(axis=(-2, -1))
    margins = o.sum(axis=-1)
    if level == "ordinal":
        out = np.full(n.shape, np.nan)
        for index in np.ndindex(n.shape):
            frame = pd.DataFrame(o[index], index=values, columns=values)
            delta = _delta(frame, level)
            expected = float(margins[index] @ delta @ margins[index])
            if n[index] >= 2 and expected > 0:
                out[index] = 1 - (n[index] - 1) * float((o[index] * delta).sum()) / expected
        return out
    delta = _delta(pd.DataFrame(np.zeros((len(values), len(values))), index=values,
                                columns=values), level)
    expected = np.einsum("...i,ij,...j->...", margins, delta, margins)
    observed = np.einsum("...ij,ij->...", o, delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((n >= 2) & (expected > 0), 1 - (n - 1) * observed / expected, np.nan)


def alpha_interval(data, *, clusters=None, level: str = "nominal",
                   n_resamples: int | None = None, seed: int | None = DEFAULT_ALPHA_SEED,
                   confidence: float = 0.95) -> dict:
    """Bootstrap interval of Krippendorff's alpha, resampling units (or clusters of units).

    Parameters
    ----------
    data : DataFrame or 2-D array-like
        Reliability data as for :func:`krippendorff_alpha` (units in rows, coders in columns).
    clusters : array-like, optional
        A label per row of ``data``: rows with the same label are resampled together (the
        codes of one segment, which are not independent). Default: every row on its own.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Metric.
    n_resamples : int, optional
        Bootstrap resamples; default 9,999, fewer for very large data
        (:data:`ALPHA_RESAMPLE_BUDGET`, at least 1,000).
    seed : int or None
        Seed of ``numpy.random.default_rng``.
    confidence : float
        Level of the percentile interval.

    Returns
    -------
    dict
        ``estimate`` (alpha), ``ci_low``, ``ci_high`` (percentile interval of the resampled
        alphas; NaN when alpha is undefined), ``p_below_tentative`` and ``p_below_reliable``
        (share of resampled alphas below .667 and .800: Hayes & Krippendorff's ``q``, the
        probability of failing to reach that minimum), ``n_resamples``, ``n_valid`` (resamples
        with a defined alpha), ``n_clusters``, ``seed``.

    Notes
    -----
    The coincidence matrix is a sum over units, so each cluster's share is computed once and a
    resample is the sum of its clusters' shares weighted by how often it was drawn: ``O(B G)``
    for ``B`` resamples of ``G`` clusters. Resampling the units themselves (Efron's bootstrap of
    the reliability data) also carries the uncertainty of the expected disagreement; Hayes &
    Krippendorff's (2007) KALPHA macro instead resamples pairs of values from the coincidence
    matrix with the expected disagreement held fixed, which gives narrower intervals that
    under-cover (Hughes 2022, arXiv:2210.13265). Resampled alphas are not truncated.

    Examples
    --------
    >>> ci = alpha_interval({"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    ...                      "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}, seed=1)
    >>> round(ci["estimate"], 3), ci["ci_low"] < 0.095 < ci["ci_high"]
    (0.095, True)
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}; got {level!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1; got {confidence!r}")
    values, n_uc, rows = _unit_counts(data)
    estimate = krippendorff_alpha(data, level=level)
    labels = (np.arange(len(pd.DataFrame(data))) if clusters is None
              else pd.factorize(pd.Series(list(clusters)))[0])
    out = {"estimate": estimate, "ci_low": float("nan"), "ci_high": float("nan"),
           "p_below_tentative": float("nan"), "p_below_reliable": float("nan"),
           "n_resamples": 0, "n_valid": 0, "n_clusters": int(len(set(labels))), "seed": seed}
    if not np.isfinite(estimate) or not len(values):
        return out
    shares = (n_uc[:, :, None] * n_uc[:, None, :]
              - n_uc[:, :, None] * np.eye(len(values))) / (n_uc.sum(axis=1) - 1)[:, None, None]
    groups, inverse = np.unique(labels, return_inverse=True)
    per_cluster = np.zeros((groups.size, len(values), len(values)))
    np.add.at(per_cluster, inverse[rows], shares)
    count = groups.size
    if n_resamples is None:
        n_resamples = int(min(DEFAULT_ALPHA_RESAMPLES,
                              max(1000, ALPHA_RESAMPLE_BUDGET // max(count, 1))))
    rng = np.random.default_rng(seed)
    alphas = np.empty(n_resamples)
    block = max(1, 20_000_000 // count)
    for start in range(0, n_resamples, block):
        size = min(block, n_resamples - start)
        weights = np.stack([np.bincount(rng.integers(0, count, count), minlength=count)
                            for _ in range(size)]).astype(float)
        alphas[start:start + size] = _alpha_of(np.einsum("bg,gij->bij", weights, per_cluster),
                                               values, level)
    valid = alphas[np.isfinite(alphas)]
    if valid.size:
        tail = (1 - confidence) / 2
        out.update(ci_low=float(np.quantile(valid, tail)),
                   ci_high=float(np.quantile(valid, 1 - tail)),
                   p_below_tentative=float(np.mean(valid < TENTATIVE)),
                   p_below_reliable=float(np.mean(valid < RELIABLE)))
    out.update(n_resamples=int(n_resamples), n_valid=int(valid.size))
    return out


def alpha_verdict(low: float, high: float) -> str:
    """What an interval of alpha allows one to say, against Krippendorff's (2004) minima.

    ``"reliable"`` when the whole interval lies at or above .800; ``"tentative"`` when it lies
    in [.667, .800); ``"insufficient"`` when it lies below .667; ``"at_least_tentative"`` when
    it starts at or above .667 and reaches .800; ``"at_most_tentative"`` when it starts below
    .667 and ends below .800; ``"undetermined"`` when it spans both minima or is missing.

    >>> alpha_verdict(0.82, 0.9), alpha_verdict(0.7, 0.85), alpha_verdict(0.55, 0.9)
    ('reliable', 'at_least_tentative', 'undetermined')
    """
    if low is None or high is None or not (np.isfinite(low) and np.isfinite(high)):
        return "undetermined"
    if low >= RELIABLE:
        return "reliable"
    if high < TENTATIVE:
        return "insufficient"
    if low >= TENTATIVE:
        return "tentative" if high < RELIABLE else "at_least_tentative"
    return "at_most_tentative" if high < RELIABLE else "undetermined"


def cohen_kappa(a, b) -> float:
    """Cohen's kappa of two coders' judgements of the same units (no missing values).

    ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_o`` the share of agreeing units and ``p_e`` the
    agreement expected from both coders' margins. NaN when ``p_e = 1`` (both coders used one
    and the same category throughout).

    >>> round(cohen_kappa([1] * 20 + [1] * 5 + [0] * 10 + [0] * 15,
    ...                   [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15), 3)
    0.4
    """
    a, b = pd.Series(list(a)), pd.Series(list(b))
    if len(a) != len(b):
        raise ValueError(f"a and b must judge the same units; got {len(a)} and {len(b)} values")
    if len(a) == 0 or a.isna().any() or b.isna().any():
        raise ValueError("a and b must hold at least one value each and no missing values")
    p_o = float((a.to_numpy() == b.to_numpy()).mean())
    pa, pb = a.value_counts(normalize=True), b.value_counts(normalize=True)
    p_e = float(sum(pa.get(c, 0.0) * pb.get(c, 0.0) for c in set(pa.index) | set(pb.index)))
    return float("nan") if np.isclose(p_e, 1.0) else (p_o - p_e) / (1.0 - p_e)


def presence_table(segments: pd.DataFrame, *, level: int | None = None) -> pd.DataFrame:
    """Presence (1) or absence (0) of each code per double-coded segment and coder.

    Returns
    -------
    DataFrame
        Columns ``session_id, segment_id, code_path, <one column per coder>``; one row per
        double-coded segment and code used by any coder on double-coded material. A coder who
        did not code the segment has a missing value there.
    """
    data = _coded(segments, level)
    coders_per_segment = data.groupby(["session_id", "segment_id"])["coder"].nunique()
    double = coders_per_segment[coders_per_segment >= 2].index
    data = data.set_index(["session_id", "segment_id"]).loc[double].reset_index()
    if data.empty:
        return pd.DataFrame(columns=["session_id", "segment_id", "code_path"])
    coded = data[["session_id", "segment_id", "coder"]].drop_duplicates()
    codes = pd.DataFrame({"code_path": sorted(data["code_path"].unique())})
    grid = coded.merge(codes, how="cross")
    hits = data.drop_duplicates().assign(present=1)
    grid = grid.merge(hits, on=["session_id", "segment_id", "coder", "code_path"], how="left")
    grid["present"] = grid["present"].fillna(0).astype(int)
    wide = grid.pivot_table(index=["session_id", "segment_id", "code_path"], columns="coder",
                            values="present", aggfunc="max")
    wide.columns.name = None
    return wide.reset_index()


def code_agreement(segments: pd.DataFrame, *, level: int | None = None) -> pd.DataFrame:
    """Agreement per code and coder pair on double-coded segments.

    Parameters
    ----------
    segments : DataFrame
        Segments table (:data:`analysis.qualitative.qda.SEGMENT_COLUMNS`).
    level : int, optional
        Compare codes cut to this many levels of their path (1 = themes); default full paths.

    Returns
    -------
    DataFrame
        Columns :data:`CODE_AGREEMENT_COLUMNS`: per code and coder pair the segments both coded
        (``n_units``), the 2x2 counts, ``percent_agreement`` (0-100), Cohen's ``kappa`` (NaN if
        undefined); ``alpha`` is Krippendorff's nominal alpha of the code over all coders (the
        same on each pair's row) with its ``reliability`` label.
    """
    presence = presence_table(segments, level=level)
    coders = [c for c in presence.columns if c not in ("session_id", "segment_id", "code_path")]
    rows = []
    for code, block in presence.groupby("code_path", sort=True):
        alpha = krippendorff_alpha(block[coders])
        for a, b in combinations(sorted(coders), 2):
            pair = block[[a, b]].dropna()
            if pair.empty:
                continue
            rows.append(_pair_row(code, a, b, pair, alpha))
    return pd.DataFrame(rows, columns=CODE_AGREEMENT_COLUMNS)


@computes("agreement_*")
def agreement_summary(segments: pd.DataFrame, *, level: int | None = None,
                      n_resamples: int | None = None,
                      seed: int | None = DEFAULT_ALPHA_SEED) -> pd.DataFrame:
    """Overall Krippendorff's alpha (nominal) with its bootstrap interval, and how much
    material was double coded.

    Returns
    -------
    DataFrame
        One row, columns :data:`SUMMARY_COLUMNS`: ``statistic`` (alpha over all
        segment x code units: presence/absence per coder, coders who did not code a segment
        missing), ``method``, ``reliability`` label (:func:`reliability_label`), ``level``
        (code level compared, ``"full"`` for whole paths), ``n_units`` (segment x code units),
        ``n_pairable_values``, ``n_coders`` (coders of double-coded material), ``n_segments``
        (distinct segments in the material), ``n_double_coded`` and ``share_double_coded``
        (0-1; NaN without segments); ``ci_low``, ``ci_high`` (95% bootstrap interval,
        :func:`alpha_interval`, resampling double-coded segments with all their codes),
        ``verdict`` (:func:`alpha_verdict` of the interval: a judgement only where the interval
        allows one), ``p_below_tentative``, ``p_below_reliable``, ``n_resamples``, ``seed``.
    """
    presence = presence_table(segments, level=level)
    coders = [c for c in presence.columns if c not in ("session_id", "segment_id", "code_path")]
    alpha = krippendorff_alpha(presence[coders]) if coders else float("nan")
    interval = (alpha_interval(presence[coders], clusters=list(zip(presence["session_id"],
                                                                   presence["segment_id"])),
                               n_resamples=n_resamples, seed=seed)
                if coders else {"ci_low": np.nan, "ci_high": np.nan, "p_below_tentative": np.nan,
                                "p_below_reliable": np.nan, "n_resamples": 0})
    n_segments = segments[["session_id", "segment_id"]].drop_duplicates().shape[0]
    n_double = presence[["session_id", "segment_id"]].drop_duplicates().shape[0]
    pairable = presence[coders].notna().sum(axis=1) if coders else pd.Series(dtype=int)
    return pd.DataFrame([{
        "statistic": alpha, "method": "Krippendorff's alpha (nominal, presence of codes)",
        "reliability": reliability_label(alpha), "level": "full" if level is None else level,
        "n_units": len(presence), "n_pairable_values": int(pairable[pairable >= 2].sum()),
        "n_coders": len(coders), "n_segments": n_segments, "n_double_coded": n_double,
        "share_double_coded": n_double / n_segments if n_segments else float("nan"),
        "ci_low": interval["ci_low"], "ci_high": interval["ci_high"],
        "verdict": alpha_verdict(interval["ci_low"], interval["ci_high"]),
        "p_below_tentative": interval["p_below_tentative"],
        "p_below_reliable": interval["p_below_reliable"],
        "n_resamples": interval["n_resamples"], "seed": seed}],
        columns=SUMMARY_COLUMNS)


def _pair_row(code: str, a: str, b: str, pair: pd.DataFrame, alpha: float) -> dict:
    x, y = pair[a].astype(int).to_numpy(), pair[b].astype(int).to_numpy()
    both, neither = int(((x == 1) & (y == 1)).sum()), int(((x == 0) & (y == 0)).sum())
    return {"code_path": code, "coder_a": a, "coder_b": b, "n_units": len(x), "n_both": both,
            "n_a_only": int(((x == 1) & (y == 0)).sum()),
            "n_b_only": int(((x == 0) & (y == 1)).sum()), "n_neither": neither,
            "percent_agreement": 100.0 * (both + neither) / len(x), "kappa": cohen_kappa(x, y),
            "alpha": alpha, "reliability": reliability_label(alpha)}


def _coded(segments: pd.DataFrame, level: int | None) -> pd.DataFrame:
    data = segments[["session_id", "segment_id", "coder", "code_path"]].dropna()
    data = data[data["coder"] != UNKNOWN_CODER]
    data = data.assign(code_path=codes_at_level(data["code_path"], level))
    return data.astype(str).drop_duplicates()


def _delta(o: pd.DataFrame, level: str) -> np.ndarray:
    values = o.index.to_numpy()
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    numbers = values.astype(float)
    c, k = np.meshgrid(numbers, numbers, indexing="ij")
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        return np.divide((c - k) ** 2, total ** 2, out=np.zeros_like(total), where=total != 0)
    margins = o.sum(axis=1).to_numpy()
    cumulative = np.concatenate([[0.0], np.cumsum(margins)])
    i, j = np.meshgrid(np.arange(len(values)), np.arange(len(values)), indexing="ij")
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    between = cumulative[hi + 1] - cumulative[lo]
    return (between - (margins[i] + margins[j]) / 2.0) ** 2


def _sort_key(value):
    return (0, float(value), "") if isinstance(value, (int, float, np.number)) else (1, 0.0,
                                                                                     str(value))


# --------------------------------------------------------------------------------------------
# Agreement on overlapping segments: coders who chose different boundaries
# --------------------------------------------------------------------------------------------

UNITIZING_COLUMNS: list[str] = ["code_path", "n_sources", "n_units", "n_coded_units",
                                "n_coders", "alpha", "reliability"]
SEGMENT_AGREEMENT_COLUMNS: list[str] = ["code_path", "coder_a", "coder_b", "n_segments_a",
                                        "n_segments_b", "n_matched_a", "n_matched_b",
                                        "percent_agreement", "threshold"]
OVERLAP_THRESHOLD: float = 0.90
"""Default minimum overlap of two segments to count as agreeing (MAXQDA's default, 90%)."""


def binary_alpha(coverage: np.ndarray, n_coders: np.ndarray) -> tuple[float, dict[str, float]]:
    """Nominal alpha of binary judgements from, per unit, how many coders said 1 and judged it.

    Parameters
    ----------
    coverage : array of int
        Per unit, the number of coders ``k_u`` who coded it (value 1).
    n_coders : array of int
        Per unit, the number of coders ``m_u`` who judged it (units with ``m_u < 2`` drop out).

    Returns
    -------
    alpha : float
        ``1 - (n - 1) (o_01 + o_10) / (2 n_0 n_1)`` (Krippendorff, 2011, binary nominal data):
        coincidences ``o_11 = sum k(k-1)/(m-1)``, ``o_00 = sum (m-k)(m-k-1)/(m-1)``,
        ``o_01 = o_10 = sum k(m-k)/(m-1)``; margins ``n_1 = o_11 + o_10``, ``n_0 = o_00 + o_01``.
        NaN when one value never occurs.
    coincidences : dict
        ``o_00, o_01, o_11, n``.

    >>> round(binary_alpha(np.array([1, 2, 1, 0, 0, 1, 0, 0, 1, 0]), np.full(10, 2))[0], 3)
    0.095
    """
    k, m = np.asarray(coverage, dtype=float), np.asarray(n_coders, dtype=float)
    keep = m >= 2
    k, m = k[keep], m[keep]
    o11 = float((k * (k - 1) / (m - 1)).sum())
    o00 = float(((m - k) * (m - k - 1) / (m - 1)).sum())
    o01 = float((k * (m - k) / (m - 1)).sum())
    n1, n0 = o11 + o01, o00 + o01
    n = n0 + n1
    stats = {"o_00": o00, "o_01": o01, "o_11": o11, "n": n}
    if n0 == 0 or n1 == 0:
        return float("nan"), stats
    return 1.0 - (n - 1.0) * 2.0 * o01 / (2.0 * n0 * n1), stats


def unitizing_agreement(segments: pd.DataFrame, *, level: int | None = None,
                        lengths: dict[str, int] | None = None) -> pd.DataFrame:
    """Per code, Krippendorff's alpha with each character of a double-coded source as a unit.

    A source (``session_id``) is double coded when two or more identified coders coded it with
    positions (``start``/``end``). For each code, every character of every double-coded source
    is a unit that each of the source's coders did (1) or did not (0) code with that code;
    alpha is the nominal alpha of these binary judgements (:func:`binary_alpha`), the binary
    form of Krippendorff's unitizing alpha (Krippendorff, 1995; 2004, sect. 12.4): coders who
    chose different boundaries agree on the characters both coded and disagree on the rest.

    Parameters
    ----------
    segments : DataFrame
        Segments table; rows without positions or with coder ``"unknown"`` take no part.
    level : int, optional
        Compare codes cut to this many levels (1 = themes); default full paths.
    lengths : dict, optional
        Length of each source in characters. Default: the largest ``end`` of any coding in the
        source (characters after the last coding are left out, as no coder judged them).

    Returns
    -------
    DataFrame
        Columns :data:`UNITIZING_COLUMNS`, one row per code used anywhere in ``segments``:
        ``n_sources`` (double-coded sources), ``n_units`` (their characters), ``n_coded_units``
        (characters any coder coded with the code), ``n_coders``, ``alpha`` (NaN when the code
        was never used on double-coded material), ``reliability``. The last row,
        ``code_path`` ``"(alle codes)"``, pools every code's coincidences.
    """
    data = segments.dropna(subset=["start", "end", "coder", "code_path"])
    data = data[data["coder"] != UNKNOWN_CODER]
    data = data.assign(code_path=codes_at_level(data["code_path"], level))
    coders = data.groupby("session_id")["coder"].unique()
    double = {s: sorted(c) for s, c in coders.items() if len(c) >= 2}
    all_codes = sorted(codes_at_level(segments["code_path"].dropna(), level).unique())
    lengths = {s: int((lengths or {}).get(s, data.loc[data["session_id"] == s, "end"].max()))
               for s in double}
    rows, pooled = [], {"k": [], "m": []}
    for code in all_codes:
        ks, ms = [], []
        used = data[(data["code_path"] == code) & data["session_id"].isin(list(double))]
        for session in (double if len(used) else []):
            k = np.zeros(lengths[session], dtype=int)
            for coder in double[session]:
                mine = used[(used["session_id"] == session) & (used["coder"] == coder)]
                covered = np.zeros(lengths[session], dtype=bool)
                for a, b in zip(mine["start"], mine["end"]):
                    covered[int(a):int(b)] = True
                k += covered
            ks.append(k)
            ms.append(np.full(lengths[session], len(double[session])))
        k = np.concatenate(ks) if ks else np.zeros(0, dtype=int)
        m = np.concatenate(ms) if ms else np.zeros(0, dtype=int)
        alpha = binary_alpha(k, m)[0] if len(k) else float("nan")
        pooled["k"].append(k)
        pooled["m"].append(m)
        rows.append({"code_path": code, "n_sources": len(ks), "n_units": int(len(k)),
                     "n_coded_units": int((k > 0).sum()),
                     "n_coders": len({c for s in double for c in double[s]}) if ks else 0,
                     "alpha": alpha, "reliability": reliability_label(alpha)})
    k_all = np.concatenate(pooled["k"]) if pooled["k"] else np.zeros(0)
    m_all = np.concatenate(pooled["m"]) if pooled["m"] else np.zeros(0)
    alpha = binary_alpha(k_all, m_all)[0] if len(k_all) else float("nan")
    rows.append({"code_path": "(alle codes)", "n_sources": len(double),
                 "n_units": int(sum(lengths.values())), "n_coded_units": int((k_all > 0).sum()),
                 "n_coders": len({c for s in double for c in double[s]}), "alpha": alpha,
                 "reliability": reliability_label(alpha)})
    return pd.DataFrame(rows, columns=UNITIZING_COLUMNS)


def segment_agreement(segments: pd.DataFrame, *, threshold: float = OVERLAP_THRESHOLD,
                      level: int | None = None) -> pd.DataFrame:
    """MAXQDA-style segment agreement: a segment agrees when the other coder's overlaps enough.

    For each code and coder pair, on sources both coders coded with positions, a segment of one
    coder counts as agreeing when the other coder has a segment with the same code in the same
    source whose overlap ``|A and B| / |A or B|`` (characters in both over characters in
    either) is at least ``threshold``. As in MAXQDA's intercoder agreement at segment level
    (VERBI, MAXQDA manual, "Intercoder agreement", variant "segment agreement" with a minimum
    overlap, default 90%), every segment of both coders is checked.

    Parameters
    ----------
    threshold : float
        Minimum overlap, 0 < threshold <= 1.

    Returns
    -------
    DataFrame
        Columns :data:`SEGMENT_AGREEMENT_COLUMNS`; ``percent_agreement = 100 (n_matched_a +
        n_matched_b) / (n_segments_a + n_segments_b)``.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]; got {threshold!r}")
    data = segments.dropna(subset=["start", "end", "coder", "code_path"])
    data = data[data["coder"] != UNKNOWN_CODER]
    data = data.assign(code_path=codes_at_level(data["code_path"], level),
                       start=data["start"].astype(int), end=data["end"].astype(int))
    data = data.drop_duplicates(["session_id", "coder", "code_path", "start", "end"])
    rows = []
    for a, b in combinations(sorted(data["coder"].unique()), 2):
        shared = set(data.loc[data["coder"] == a, "session_id"]) & set(
            data.loc[data["coder"] == b, "session_id"])
        pair = data[data["session_id"].isin(shared)]
        for code, block in pair.groupby("code_path", sort=True):
            spans_a, spans_b = _spans(block, a), _spans(block, b)
            matched_a = sum(_matched(s, spans_b, threshold) for s in spans_a)
            matched_b = sum(_matched(s, spans_a, threshold) for s in spans_b)
            total = len(spans_a) + len(spans_b)
            rows.append({"code_path": code, "coder_a": a, "coder_b": b,
                         "n_segments_a": len(spans_a), "n_segments_b": len(spans_b),
                         "n_matched_a": matched_a, "n_matched_b": matched_b,
                         "percent_agreement": 100.0 * (matched_a + matched_b) / total,
                         "threshold": threshold})
    return pd.DataFrame(rows, columns=SEGMENT_AGREEMENT_COLUMNS)


def _spans(block: pd.DataFrame, coder: str) -> list[tuple[str, int, int]]:
    mine = block[block["coder"] == coder]
    return list(zip(mine["session_id"], mine["start"], mine["end"]))


def _matched(span, others, threshold: float) -> bool:
    session, a, b = span
    for other_session, c, d in others:
        if other_session != session:
            continue
        union = max(b, d) - min(a, c)
        inter = max(0, min(b, d) - max(a, c))
        if union > 0 and inter / union >= threshold:
            return True
        if union == 0 and a == c:
            return True
    return False


def agreement_by_code(segments: pd.DataFrame, *, level: int | None = None) -> pd.DataFrame:
    """One row per code for the agreement figure: alpha, its n and whether it can be judged.

    Returns
    -------
    DataFrame
        ``code_path``; ``n_double_coded`` (double-coded segments on which any coder used the
        code); ``n_both`` (of those, segments where both coders of a pair used it); ``alpha``
        (Krippendorff's alpha of the code, :func:`code_agreement`; NaN unless judged);
        ``status``: ``"judged"``, ``"one_coder"`` (on double-coded segments only one coder
        ever used the code: alpha would be 0 or below from that alone and says nothing about
        how the code is applied), ``"too_few"`` (fewer than
        :data:`MIN_DOUBLE_CODED_PER_CODE` double-coded segments) or ``"not_double_coded"``
        (never used on double-coded material).
    """
    per_pair = code_agreement(segments, level=level)
    used = codes_at_level(segments["code_path"].dropna(), level).unique()
    rows = []
    for code in sorted(used):
        block = per_pair[per_pair["code_path"] == code]
        if block.empty:
            rows.append({"code_path": code, "n_double_coded": 0, "n_both": 0,
                         "alpha": float("nan"), "status": "not_double_coded"})
            continue
        n = int((block["n_both"] + block["n_a_only"] + block["n_b_only"]).max())
        both = int(block["n_both"].max())
        one_sided = both == 0 and ((block["n_a_only"] == 0) | (block["n_b_only"] == 0)).all()
        status = "not_double_coded" if n == 0 else ("one_coder" if one_sided else "judged")
        if status == "judged" and n < MIN_DOUBLE_CODED_PER_CODE:
            status = "too_few"
        rows.append({"code_path": code, "n_double_coded": n, "n_both": both,
                     "alpha": float(block["alpha"].iloc[0]) if status == "judged"
                     else float("nan"), "status": status})
    return pd.DataFrame(rows, columns=["code_path", "n_double_coded", "n_both", "alpha",
                                       "status"])
