"""Synthetic parent survey: ``parent_survey.csv`` and ``parent_survey_items.csv``.

Items and open answers are in ``survey.yaml`` beside this module (Dutch, written for the
compendium). Likert answers (1-5) share a respondent satisfaction trait:
``round(4.1 + item offset + 0.6 z + N(0, 0.6))`` clipped to 1-5 (free), so items correlate and
most parents agree, as in the pilot's positive evaluation.

Respondents: ``helmond-2023`` has exactly 11 (published, Bijlage C), drawn from the 22
families by the seed, with 6 answers to ``ps_10`` and 4 to ``ps_11``; other cohorts: half of
the completed and 15 % of the dropped-out families, open answers at the item's ``p_answer``.
Survey dates are 7-28 days after the end of the trajectory, never after the period end.

Planted personal data (fake, obviously so; the privacy guard must catch every one). In every
cohort the first respondents with an open answer get, in family order:

1. ``ps_10`` of the first: a child's first name, "Sanne";
2. ``ps_11`` of the first with a ``ps_11`` answer: the phone number ``06-12345678``;
3. ``ps_11`` of the second with a ``ps_11`` answer: the e-mail address ``m.jansen@example.nl``.

These answers are not copied into ``coding/segments.csv`` (the coder leaves them out).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

_TEXTS: Path = Path(__file__).with_name("survey.yaml")


@lru_cache(maxsize=1)
def texts() -> dict:
    """The parsed ``survey.yaml`` (items, open answers, planted personal data)."""
    return yaml.safe_load(_TEXTS.read_text(encoding="utf-8"))


def survey_files(traj: pd.DataFrame, rng: np.random.Generator, *, calibrated: bool,
                 period_end: np.datetime64) -> dict[str, pd.DataFrame]:
    """``parent_survey.csv`` and ``parent_survey_items.csv`` for the trajectories ``traj``."""
    spec = texts()["items"]
    items = pd.DataFrame([{k: s[k] for k in ("item", "text", "type", "domain")} for s in spec])
    who = _respondents(traj, rng, calibrated)
    n = who.size
    end = traj["end_date"].to_numpy()[who].astype("datetime64[D]")
    date = np.minimum(end + rng.integers(7, 29, n).astype("timedelta64[D]"), period_end)
    frame = pd.DataFrame({"family_id": traj["family_id"].to_numpy()[who],
                          "date": np.datetime_as_string(date, unit="D")})
    z = rng.normal(0.0, 1.0, n)
    for s in spec:
        if s["type"] == "likert5":
            raw = 4.1 + s["offset"] + 0.6 * z + rng.normal(0.0, 0.6, n)
            frame[s["item"]] = np.clip(np.round(raw), 1, 5).astype(np.int64)
        elif s["type"] == "yesno":
            frame[s["item"]] = np.where(rng.random(n) < s["p_yes"], "ja", "nee")
        else:
            frame[s["item"]] = _open_answers(s, n, rng, calibrated)
    _plant_personal_data(frame)
    return {"parent_survey.csv": frame, "parent_survey_items.csv": items}


def _respondents(traj: pd.DataFrame, rng, calibrated: bool) -> np.ndarray:
    """Row numbers of the responding families, ascending."""
    n = len(traj)
    if calibrated:
        return np.sort(rng.permutation(n)[:11])
    status = traj["status"].to_numpy()
    p = np.select([status == "completed", status == "dropped_out"], [0.5, 0.15], 0.0)
    return np.flatnonzero(rng.random(n) < p)


def _open_answers(spec: dict, n: int, rng, calibrated: bool) -> np.ndarray:
    """Open answers from the item's pool (without replacement for the calibrated cohort)."""
    pool = np.array([a["text"] for a in texts()["open_answers"][spec["item"]]], dtype=object)
    out = np.full(n, "", dtype=object)
    if calibrated:
        k = {"ps_10": 6, "ps_11": 4}[spec["item"]]
        rows = np.sort(rng.permutation(n)[:k])
        out[rows] = rng.permutation(pool)[: rows.size] if rows.size <= pool.size else pool[0]
        return out
    rows = rng.random(n) < spec["p_answer"]
    out[rows] = pool[rng.integers(0, pool.size, rows.sum())]
    return out


def _plant_personal_data(frame: pd.DataFrame) -> None:
    """Replace the first open answers by the fake personal data of ``survey.yaml`` (in place)."""
    used: dict[str, int] = {}
    for entry in texts()["personal_data"]:
        column = entry["item"]
        answered = np.flatnonzero(frame[column].to_numpy() != "")
        k = used.get(column, 0)
        if k < answered.size:
            frame.loc[answered[k], column] = entry["text"]
        used[column] = k + 1


def personal_data_texts() -> list[str]:
    """The planted fake personal-data answers (for tests of the privacy guard)."""
    return [entry["text"] for entry in texts()["personal_data"]]
