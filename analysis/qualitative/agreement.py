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
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from analysis.qualitative.qda import UNKNOWN_CODER
from analysis.qualitative.themes import codes_at_level

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
                              "share_double_coded"]


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


def agreement_summary(segments: pd.DataFrame, *, level: int | None = None) -> pd.DataFrame:
    """Overall Krippendorff's alpha (nominal) and how much material was double coded.

    Returns
    -------
    DataFrame
        One row, columns :data:`SUMMARY_COLUMNS`: ``statistic`` (alpha over all
        segment x code units: presence/absence per coder, coders who did not code a segment
        missing), ``method``, ``reliability`` label (:func:`reliability_label`), ``level``
        (code level compared, ``"full"`` for whole paths), ``n_units`` (segment x code units),
        ``n_pairable_values``, ``n_coders`` (coders of double-coded material), ``n_segments``
        (distinct segments in the material), ``n_double_coded`` and ``share_double_coded``
        (0-1; NaN without segments).
    """
    presence = presence_table(segments, level=level)
    coders = [c for c in presence.columns if c not in ("session_id", "segment_id", "code_path")]
    alpha = krippendorff_alpha(presence[coders]) if coders else float("nan")
    n_segments = segments[["session_id", "segment_id"]].drop_duplicates().shape[0]
    n_double = presence[["session_id", "segment_id"]].drop_duplicates().shape[0]
    pairable = presence[coders].notna().sum(axis=1) if coders else pd.Series(dtype=int)
    return pd.DataFrame([{
        "statistic": alpha, "method": "Krippendorff's alpha (nominal, presence of codes)",
        "reliability": reliability_label(alpha), "level": "full" if level is None else level,
        "n_units": len(presence), "n_pairable_values": int(pairable[pairable >= 2].sum()),
        "n_coders": len(coders), "n_segments": n_segments, "n_double_coded": n_double,
        "share_double_coded": n_double / n_segments if n_segments else float("nan")}],
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
