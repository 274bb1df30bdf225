"""Item-level answers that add up to given scale scores.

Every synthetic questionnaire is generated in two steps: first a *target* scale sum per
respondent (calibrated for the bundled cohort, drawn from a latent model for any other
cohort), then the item answers that add up to exactly that sum. The second step is here.

The items of one scale share the respondent's level (the target sum) and differ by an item
*propensity*: a fixed item difficulty plus respondent-item noise, part of it persistent over
time points. Items with a higher propensity get the higher answers. This gives realistic
positive correlations within a scale (the sum drives every item) and realistic item profiles
(some items are endorsed more often than others), while the scale score is exact, so the
calibration never depends on luck.
"""

from __future__ import annotations

import numpy as np


def allocate(target: np.ndarray, propensity: np.ndarray, *, low: int, high: int) -> np.ndarray:
    """Integer item answers in ``[low, high]`` whose row sums equal ``target``.

    Parameters
    ----------
    target : ndarray of int, shape (n,)
        Wanted sum of the items of each row; clipped to ``[k * low, k * high]``.
    propensity : ndarray of float, shape (n, k)
        Relative tendency of each item to get a high answer (any real scale, about unit spread).
    low, high : int
        Answer range of the items (for example 0-2 for the SDQ, 1-5 for the ARI-CP).

    Returns
    -------
    ndarray of int8, shape (n, k)
        Answers with ``answers.sum(axis=1) == clip(target)`` for every row.

    Notes
    -----
    Every item starts at ``low`` and can take ``L = high - low`` further *units*; unit ``j``
    (1..L) of item ``i`` has the score ``p_i - j``. Each row takes its ``m = target - k low``
    best-scoring units. Because an item's unit scores fall with ``j``, the chosen units of an
    item always form a prefix, so item ``i`` gets ``low + #{j : p_i - j >= s_m}`` with ``s_m``
    the ``m``-th largest unit score of the row. This is the discrete form of "shift all
    propensities by a constant and round" and is exact: ties have probability zero for
    continuous propensities, and the rare float tie is resolved by a final exact correction.
    Cost: one sort of an ``n x (k L)`` array.
    """
    n, k = propensity.shape
    levels = high - low
    units = int(k * levels)
    m = np.clip(np.asarray(target, dtype=np.int64) - k * low, 0, units)
    scores = (propensity[:, :, None] - np.arange(1, levels + 1)).reshape(n, units)
    ordered = -np.sort(-scores, axis=1)
    threshold = np.where(m > 0, ordered[np.arange(n), np.maximum(m - 1, 0)], np.inf)
    answers = low + (scores.reshape(n, k, levels) >= threshold[:, None, None]).sum(axis=2)
    return _fix_ties(answers, m + k * low, low=low, high=high)


def _fix_ties(answers: np.ndarray, target: np.ndarray, *, low: int, high: int) -> np.ndarray:
    """Exact sums even after a float tie: add to or take from the first items that allow it."""
    rest = target - answers.sum(axis=1)
    while np.any(rest != 0):
        step = np.sign(rest)
        room = np.where(step[:, None] > 0, answers < high, answers > low) & (step[:, None] != 0)
        first = np.argmax(room, axis=1)
        rows = np.flatnonzero(room.any(axis=1))
        answers[rows, first[rows]] += step[rows]
        rest = target - answers.sum(axis=1)
    return answers.astype(np.int8)


def propensities(rng: np.random.Generator, difficulty: np.ndarray, *, respondents: int,
                 persistent: np.ndarray | None = None, noise: float = 0.7) -> np.ndarray:
    """Respondent-by-item propensities: item difficulty + persistent + fresh noise.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the fresh noise.
    difficulty : ndarray, shape (k,)
        Fixed item effect (higher: the item is endorsed more often). Free choice, documented
        with each instrument in :mod:`analysis.data.synthetic.questionnaires`.
    respondents : int
        Number of rows.
    persistent : ndarray, shape (respondents, k), optional
        Respondent-item effect shared by all time points of one family (test-retest
        stability of the item profile).
    noise : float
        Standard deviation of the fresh, time-point-specific noise.
    """
    out = np.broadcast_to(difficulty, (respondents, difficulty.size)).astype(np.float64)
    out = out + rng.normal(0.0, noise, size=out.shape)
    if persistent is not None:
        out = out + persistent
    return out
