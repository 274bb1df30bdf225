"""Synthetic questionnaire exports: SDQ parent 4-17, ARI-CP 2-5 and OBVL (parenting stress).

Input is a *moments* table, one row per family per time point, with the target scale score of
every scale (see :func:`moments_frame`); it comes from :mod:`analysis.data.synthetic.calibration`
for the bundled cohort and from :mod:`analysis.data.synthetic.latent` for any other cohort. This
module turns targets into item answers (:func:`analysis.data.synthetic.items.allocate`), applies
reversed items, plants a few missing items and returns the contract's tables.

Item keys are fixed here, not read from ``analysis/definitions/instruments/*.yaml``, so that the
committed cohort stays byte-identical when someone edits a definition (for example enters the
licensed ARI-CP key). They mirror the definitions at the time of writing; the tests check that
the SDQ key still agrees.

Missing items (free, documented; exact counts for the calibrated cohort, see
:func:`analysis.data.synthetic.generate_cohort`): about 4 % of SDQ rows lose one item and 1 % two items,
but only where proration gives back exactly the target score (one item of value ``v`` may go
from a scale with sum ``5 v``; two items only from a scale with sum 0 or 10), so no calibrated
score moves, whatever rounding the scoring uses. About 5 % of ARI-CP rows lose one or two items
of the secure, avoidant or ambivalent scales; the disorganized scale, which is calibrated,
stays complete. No scale ever falls below its minimum of answered items.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.synthetic.items import allocate, propensities

SDQ_SCALES: dict[str, tuple[int, ...]] = {
    "emotional": (3, 8, 13, 16, 24),
    "conduct": (5, 7, 12, 18, 22),
    "hyperactivity": (2, 10, 15, 21, 25),
    "peer": (6, 11, 14, 19, 23),
    "prosocial": (1, 4, 9, 17, 20),
}
"""SDQ item-to-scale key (Goodman, 1997), as in ``analysis/definitions/instruments/sdq_parent_4_17.yaml``."""

SDQ_REVERSED: tuple[int, ...] = (7, 11, 14, 21, 25)
"""SDQ items scored ``2 - x`` (Goodman, 1997); the raw export stores the unreversed answer."""

SDQ_DIFFICULTY: dict[str, tuple[float, ...]] = {
    "emotional": (-0.2, 0.5, -0.4, 0.4, -0.3),
    "conduct": (0.8, -0.1, 0.3, -0.6, -0.4),
    "hyperactivity": (0.5, 0.3, 0.4, -0.5, -0.2),
    "peer": (-0.3, -0.2, -0.4, 0.6, 0.3),
    "prosocial": (0.4, 0.1, 0.5, -0.2, -0.3),
}
"""Free choice: item difficulty in the scored direction (temper tantrums and worries are
endorsed more often than stealing or fears), which shapes item profiles, not scale scores."""

ARI_SCALES: dict[str, tuple[int, ...]] = {
    name: tuple(range(start, 49, 4))
    for start, name in enumerate(("secure", "avoidant", "ambivalent", "disorganized"), start=1)
}
"""ARI-CP placeholder key (items in rotation), as in ``analysis/definitions/instruments/ari_cp_2_5.yaml``."""

OBVL_ITEMS: int = 34
"""OBVL (Opvoedingsbelastingvragenlijst): 34 items answered 1-4; one stress dimension here,
so any key another engineer defines (sum or mean of any item subset) tracks the same stress."""

SDQ_COLUMNS = [f"sdq_{i:02d}" for i in range(1, 26)]
ARI_COLUMNS = [f"ari_{i:02d}" for i in range(1, 49)]
OBVL_COLUMNS = [f"obvl_{i:02d}" for i in range(1, OBVL_ITEMS + 1)]
ID_COLUMNS = ["family_id", "timepoint", "date", "informant"]
"""Leading columns of every questionnaire export (data contract)."""


def moments_frame(family_index: np.ndarray, family_id: np.ndarray, timepoint: np.ndarray,
                  date: np.ndarray, informant: np.ndarray, targets: dict[str, np.ndarray]):
    """Assemble the moments table that :func:`sdq_table` and friends read.

    ``targets`` holds integer scale sums: ``emotional, conduct, hyperactivity, peer,
    prosocial`` (0-10), ``secure, avoidant, ambivalent, disorganized`` (12-60, the ARI-CP
    mean times 12) and optionally ``stress`` (34-136, the OBVL mean times 34).
    """
    frame = pd.DataFrame({"family_index": family_index, "family_id": family_id,
                          "timepoint": timepoint, "date": date, "informant": informant})
    for name, values in targets.items():
        frame[name] = np.asarray(values, dtype=np.int64)
    return frame


def sdq_table(moments: pd.DataFrame, rng: np.random.Generator, persistent: np.ndarray, *,
              missing_rows: tuple[int, int] | None = None) -> pd.DataFrame:
    """SDQ export with raw answers (0-2, reversed items unreversed) and a few missing items.

    ``persistent`` is a families-by-25 array of respondent-item effects (same family, same
    item profile at every time point). ``missing_rows`` = (rows with one, rows with two
    missing items) fixes the counts (calibrated cohort); default: 4 % and 1 % of the rows.
    """
    n = len(moments)
    scored = np.zeros((n, 25), dtype=np.int8)
    pers = persistent[moments["family_index"].to_numpy()]
    for name, items in SDQ_SCALES.items():
        cols = np.array(items) - 1
        prop = propensities(rng, np.array(SDQ_DIFFICULTY[name]), respondents=n,
                            persistent=pers[:, cols], noise=0.5)
        scored[:, cols] = allocate(moments[name].to_numpy(), prop, low=0, high=2)
    raw = scored.copy()
    rev = np.array(SDQ_REVERSED) - 1
    raw[:, rev] = 2 - raw[:, rev]
    return _items_frame(moments, raw, _sdq_missing_mask(scored, moments, rng, missing_rows), SDQ_COLUMNS)


def _sdq_candidates(scored: np.ndarray, moments: pd.DataFrame, k: int) -> np.ndarray:
    """Items that may go missing (``k`` per row) without changing the prorated scale sum."""
    n = len(moments)
    cand = np.zeros(scored.shape, dtype=bool)
    for name, items in SDQ_SCALES.items():
        cols = np.array(items) - 1
        total = moments[name].to_numpy()[:, None]
        if k == 1:
            cand[:, cols] = 5 * scored[:, cols] == total
        else:
            cand[:, cols] = np.broadcast_to((total == 0) | (total == 10), (n, 5))
    return cand


def _missing_rows(rng, n: int, eligible: tuple[np.ndarray, np.ndarray], counts) -> tuple:
    """Rows with one and with two missing items: by rate (4 %, 1 %) or exact ``counts``."""
    if counts is None:
        pick = rng.random(n)
        return eligible[0] & (pick < 0.04), eligible[1] & (pick >= 0.04) & (pick < 0.05)
    order = rng.permutation(n)
    double = np.zeros(n, dtype=bool)
    double[[i for i in order if eligible[1][i]][: counts[1]]] = True
    single = np.zeros(n, dtype=bool)
    single[[i for i in order if eligible[0][i] and not double[i]][: counts[0]]] = True
    return single, double


def _sdq_missing_mask(scored: np.ndarray, moments: pd.DataFrame, rng, counts=None) -> np.ndarray:
    """Cells to blank: one item per chosen row where proration restores the exact sum, or two
    items of a scale whose sum is 0 or 10."""
    cands = [_sdq_candidates(scored, moments, k) for k in (1, 2)]
    rows = _missing_rows(rng, len(moments), tuple(c.any(axis=1) for c in cands), counts)
    mask = np.zeros_like(scored, dtype=bool)
    for k, cand, chosen_rows in zip((1, 2), cands, rows):
        key = np.where(cand & chosen_rows[:, None], rng.random(mask.shape), -1.0)
        if k == 2:  # both items from one scale: keep the scale holding the best-ranked item
            key = _restrict_to_one_scale(key)
        order = np.argsort(-key, axis=1, kind="stable")[:, :k]
        chosen = np.zeros_like(mask)
        np.put_along_axis(chosen, order, np.take_along_axis(key, order, axis=1) >= 0, axis=1)
        mask |= chosen
    return mask


def _restrict_to_one_scale(key: np.ndarray) -> np.ndarray:
    """Keep, per row, only the candidates in the scale of the row's highest key."""
    out = np.full_like(key, -1.0)
    best = np.argmax(key, axis=1)
    for items in SDQ_SCALES.values():
        cols = np.array(items) - 1
        rows = np.isin(best, cols)
        out[np.ix_(rows, cols)] = key[np.ix_(rows, cols)]
    return out


def ari_table(moments: pd.DataFrame, rng: np.random.Generator, persistent: np.ndarray, *,
              missing_rows: int | None = None) -> pd.DataFrame:
    """ARI-CP export (answers 1-5) with a few missing items outside the disorganized scale.

    ``missing_rows`` fixes the number of rows with one or two missing items (calibrated
    cohort); default: 5 % of the rows.
    """
    n = len(moments)
    answers = np.zeros((n, 48), dtype=np.int8)
    pers = persistent[moments["family_index"].to_numpy()]
    difficulty = np.linspace(-0.5, 0.5, 12)
    for name, items in ARI_SCALES.items():
        cols = np.array(items) - 1
        prop = propensities(rng, rng.permutation(difficulty), respondents=n,
                            persistent=pers[:, cols], noise=0.6)
        answers[:, cols] = allocate(moments[name].to_numpy(), prop, low=1, high=5)
    free = np.array(ARI_SCALES["secure"] + ARI_SCALES["avoidant"] + ARI_SCALES["ambivalent"]) - 1
    if missing_rows is None:
        rows = rng.random(n) < 0.05
    else:
        rows = np.isin(np.arange(n), rng.permutation(n)[:missing_rows])
    count = np.where(rng.random(n) < 0.7, 1, 2)
    key = rng.random((n, free.size))
    rank = np.argsort(np.argsort(key, axis=1), axis=1)
    blank = rows[:, None] & (rank < count[:, None])
    missing = np.zeros(answers.shape, dtype=bool)
    missing[:, free] = blank
    return _items_frame(moments, answers, missing, ARI_COLUMNS)


def obvl_table(moments: pd.DataFrame, rng: np.random.Generator, persistent: np.ndarray) -> pd.DataFrame:
    """OBVL export: 34 items 1-4 adding up to the ``stress`` target; no missing items."""
    n = len(moments)
    pers = persistent[moments["family_index"].to_numpy()]
    prop = propensities(rng, np.linspace(-0.6, 0.6, OBVL_ITEMS)[::-1], respondents=n,
                        persistent=pers, noise=0.6)
    answers = allocate(moments["stress"].to_numpy(), prop, low=1, high=4)
    return _items_frame(moments, answers, np.zeros(answers.shape, dtype=bool), OBVL_COLUMNS)


def _items_frame(moments: pd.DataFrame, answers: np.ndarray, missing: np.ndarray,
                 columns: list[str]) -> pd.DataFrame:
    """Identifier columns plus nullable-integer item columns (``missing`` written as empty)."""
    values = np.asfortranarray(np.where(missing, 0, answers).astype(np.int8))
    mask = np.asfortranarray(missing)
    items = {col: pd.arrays.IntegerArray(values[:, j], mask[:, j]) for j, col in enumerate(columns)}
    head = moments[ID_COLUMNS].reset_index(drop=True)
    return pd.concat([head, pd.DataFrame(items, index=head.index)], axis=1)
