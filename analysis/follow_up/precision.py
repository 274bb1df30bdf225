"""Precision of the share with a reliable improvement: families needed for a target width.

:func:`precision_table` (families needed for a target half-width of the interval around the
pilot's share, and around the worst-case share 0.5), :func:`precision_curves` (half-width
against families enrolled) and :func:`pilot_precision` (the pilot as a point).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.origin import computes
from analysis.follow_up.inputs import PlanningInputs, _as_floats
from analysis.stats import intervals as _intervals
from analysis.stats import power as _pw


ASSUMPTION_LABELS_NL: dict[str, str] = {"pilot": "aandeel uit de pilot",
                                        "worst_case": "ongunstigste aandeel"}


@computes("follow_up_n_*_precision_*")
def precision_table(inputs: PlanningInputs, *, targets: Iterable[float] = (0.05, 0.10, 0.15),
                    methods: Iterable[str] = ("clopper-pearson", "wilson"),
                    confidence: float = 0.95, worst_case: bool = True,
                    max_n: int = 20_000) -> pd.DataFrame:
    """Families needed to estimate the share with a reliable improvement within +/- a target.

    Parameters
    ----------
    inputs : PlanningInputs
        The pilot's share ``k / n`` (:func:`reliable_improvement`) and completion rate.
    targets : iterable of float
        Half-widths of the interval (0.10: +/- 10 percentage points).
    methods : iterable of {"clopper-pearson", "wilson"}
        Interval methods (exact and Wilson score).
    confidence : float
        Level of the interval.
    worst_case : bool
        Also plan for a share of 0.5, where an interval is widest (the pilot's own share is
        uncertain).
    max_n : int
        Largest number of analysed families searched.

    Returns
    -------
    pandas.DataFrame
        One row per assumption x method x target: ``assumption`` (``pilot``,
        ``worst_case``), ``assumption_nl``, ``p``, ``method``, ``confidence``,
        ``target_half_width``, ``n_analysed`` (:func:`analysis.stats.power.n_for_proportion_precision`),
        ``n_enrolled`` (inflated for completion), ``achieved_half_width`` (at ``n_analysed``),
        ``pilot_k``, ``pilot_n``, ``pilot_half_width`` (the pilot's own interval, same
        method), ``completion_rate``.
    """
    rate, pilot = inputs.completion_rate, inputs.reliable.iloc[0]
    rows = []
    for assumption, p in _assumed_shares(inputs, worst_case):
        for method in methods:
            own = _intervals.proportion(int(pilot["k"]), int(pilot["n"]), method=method,
                                    confidence=confidence).iloc[0]
            for target in _as_floats(targets, "targets"):
                n = _pw.n_for_proportion_precision(p, target, method=method,
                                                   confidence=confidence, max_n=max_n)
                width = _pw.proportion_ci_width(p, n, method=method, confidence=confidence)
                rows.append({"assumption": assumption,
                             "assumption_nl": ASSUMPTION_LABELS_NL[assumption], "p": p,
                             "method": method, "confidence": confidence,
                             "target_half_width": target, "n_analysed": n,
                             "n_enrolled": _pw.inflate_for_completion(n, rate),
                             "achieved_half_width": float(width["half_width"].iloc[0]),
                             "pilot_k": int(pilot["k"]), "pilot_n": int(pilot["n"]),
                             "pilot_half_width": float(own["ci_high"] - own["ci_low"]) / 2,
                             "completion_rate": rate})
    return pd.DataFrame(rows)


def _assumed_shares(inputs: PlanningInputs, worst_case: bool) -> list[tuple[str, float]]:
    shares = [("pilot", float(inputs.reliable["share"].iloc[0]))]
    return shares + [("worst_case", 0.5)] if worst_case else shares


def precision_curves(inputs: PlanningInputs, n_enrolled: Iterable[int], *,
                     method: str = "clopper-pearson", confidence: float = 0.95,
                     worst_case: bool = True) -> pd.DataFrame:
    """Expected half-width of the interval around the share, against families enrolled.

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.stats.power.precision_curve` for each assumed share, stacked, with
        ``assumption`` and ``assumption_nl`` in front.
    """
    n_enrolled = list(n_enrolled)
    parts = [_pw.precision_curve(n_enrolled, p=p, completion_rate=inputs.completion_rate,
                                 method=method, confidence=confidence)
             .assign(assumption=assumption, assumption_nl=ASSUMPTION_LABELS_NL[assumption])
             for assumption, p in _assumed_shares(inputs, worst_case)]
    curves = pd.concat(parts, ignore_index=True)
    return curves[["assumption", "assumption_nl"]
                  + [c for c in curves.columns if not c.startswith("assumption")]]


def pilot_precision(inputs: PlanningInputs) -> dict:
    """The pilot as a point for the precision figure: families enrolled and analysed, and the
    half-width of its own interval around the share with a reliable improvement."""
    reliable, completion = inputs.reliable.iloc[0], inputs.completion.iloc[0]
    started = completion["started_n"]
    return {"n_enrolled": int(started) if started is not None and not pd.isna(started)
            else None, "n_analysed": int(reliable["n"]),
            "half_width": float(reliable["half_width"])}
