"""Synthetic qualitative coding: ``coding/sessions.csv``, ``coding/segments.csv`` and the
therapists' focus group as a REFI-QDA export ``coding/focusgroep_vaktherapeuten.qdpx``.

Texts are in ``qualitative.yaml`` beside this module: Dutch segments of 1-3 sentences, written
for the compendium (no sentence of the handreiking is reused), coded under the handreiking's
themes (Werkzame elementen, Kansen, Risico's en uitdagingen, Voorwaarden, Belemmeringen,
Transfer naar huis, Ervaring ouders). The sessions do not grow with the cohort.

Calibrated (published, Bijlage C and "Bevindingen 1"): focus groups of 5 social workers and 3
therapists, reflection sessions of 5 social workers and 6 therapists, one case study, one
interview per family for 22 families (all of them in ``helmond-2023``; in other cohorts the
first 22 completed families), each with a segment coded
``Ervaring ouders > Positief over samenwerking``. Open survey answers are coded as session
``SURVEY_OPEN`` (the planted personal data are left out, see :mod:`analysis.data.synthetic.survey`).

Free (seeded): which positive and other statements each parent gets (one positive, one or two
others), and double coding: 25 % of all segments are coded again by ``codeur_B``, who chooses
another sub-code of the same theme for 20 % of them, giving Krippendorff's alpha (nominal)
of about .75-.80. The first coder is ``codeur_A``. Participants are session pseudonyms
(``SW1``, ``VT1``; not the trajectory ids) and the family id for parents.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.data.synthetic.families import Period
from analysis.data.synthetic.qdpx_writer import Selection, qdpx_bytes

_TEXTS: Path = Path(__file__).with_name("qualitative.yaml")
QDPX_SESSION: str = "FG_VT"
QDPX_FILE: str = "coding/focusgroep_vaktherapeuten.qdpx"
POSITIVE_CODE: str = "Ervaring ouders > Positief over samenwerking"
CODERS: tuple[str, str] = ("codeur_A", "codeur_B")
DOUBLE_SHARE, DISAGREE_SHARE = 0.25, 0.20
SESSION_COLUMNS = ["session_id", "session_type", "group", "date", "n_participants"]
SEGMENT_COLUMNS = ["session_id", "segment_id", "participant", "coder", "code", "text"]


@lru_cache(maxsize=1)
def texts() -> dict:
    """The parsed ``qualitative.yaml`` (codebook, sessions, segments, interview statements)."""
    return yaml.safe_load(_TEXTS.read_text(encoding="utf-8"))


def codebook_paths() -> list[str]:
    """Every code path ``Theme > Sub`` of the codebook, in codebook order."""
    return [f"{theme} > {sub}" for theme, subs in texts()["codebook"].items() for sub in subs]


def coding_files(traj: pd.DataFrame, rng: np.random.Generator, *, seed: int,
                 parent_answers: pd.DataFrame, period: Period,
                 qdpx: bool = True) -> dict[str, object]:
    """``coding/sessions.csv``, ``coding/segments.csv`` and the ``.qdpx`` of the focus group.

    With ``qdpx=False`` every segment, the focus group of :data:`QDPX_SESSION` included, is in
    ``coding/segments.csv`` and no ``.qdpx`` is written (the cohort-shape generator,
    :mod:`analysis.data.synthetic.shapes`, transforms the rows and packs them itself with
    :func:`focus_group_qdpx`).
    """
    interviewed = _interview_families(traj)
    sessions = _sessions(traj, interviewed, period)
    rows = _fixed_segments(traj["family_id"].to_numpy()[interviewed])
    rows += _interview_segments(traj["family_id"].to_numpy()[interviewed], rng)
    rows += _survey_segments(parent_answers)
    if any(r["session_id"] == "SURVEY_OPEN" for r in rows):
        n = len({r["participant"] for r in rows if r["session_id"] == "SURVEY_OPEN"})
        sessions.append({"session_id": "SURVEY_OPEN", "session_type": "survey_open", "group": "parents",
                         "date": str(parent_answers["date"].max()), "n_participants": n})
    rows = _double_code(rows, rng)
    if not qdpx:
        return {"coding/sessions.csv": pd.DataFrame(sessions, columns=SESSION_COLUMNS),
                "coding/segments.csv": pd.DataFrame(rows, columns=SEGMENT_COLUMNS)}
    qdpx_rows = [r for r in rows if r["session_id"] == QDPX_SESSION]
    csv_rows = [r for r in rows if r["session_id"] != QDPX_SESSION]
    return {"coding/sessions.csv": pd.DataFrame(sessions, columns=SESSION_COLUMNS),
            "coding/segments.csv": pd.DataFrame(csv_rows, columns=SEGMENT_COLUMNS),
            QDPX_FILE: focus_group_qdpx(qdpx_rows, seed)}


def _interview_families(traj: pd.DataFrame) -> np.ndarray:
    """Row numbers of the (at most 22) interviewed families: completed ones first, in order."""
    status = traj["status"].to_numpy()
    order = np.concatenate([np.flatnonzero(status == "completed"), np.flatnonzero(status != "completed")])
    return np.sort(order[:22])


def _sessions(traj: pd.DataFrame, interviewed: np.ndarray, period: Period) -> list[dict]:
    """Group sessions placed in the period, then one interview per interviewed family (14-35
    days after the end of the trajectory, never after the period end)."""
    span = int((period.end - period.start).astype(int))
    out = []
    for s in texts()["sessions"]:
        date = period.start + np.timedelta64(int(span * s["at"]) + s["days"], "D")
        out.append({k: s[k] for k in ("session_id", "session_type", "group", "n_participants")}
                   | {"date": str(date)})
    ends = traj["end_date"].to_numpy()[interviewed].astype("datetime64[D]")
    for i, (fid, end) in enumerate(zip(traj["family_id"].to_numpy()[interviewed], ends)):
        date = period.end if np.isnat(end) else min(end + np.timedelta64(14 + (7 * i) % 22, "D"), period.end)
        out.append({"session_id": f"INT_{fid}", "session_type": "interview", "group": "parents",
                    "date": str(date), "n_participants": 1})
    return out


def _fixed_segments(interviewed_ids: np.ndarray) -> list[dict]:
    """Segments of the reflection sessions, the case study and both focus groups."""
    parent = interviewed_ids[12 % interviewed_ids.size] if interviewed_ids.size else "F01"
    rows = []
    for session, segments in texts()["segments"].items():
        for k, (participant, code, text) in enumerate(segments, start=1):
            rows.append({"session_id": session, "segment_id": f"{session}-{k:02d}",
                         "participant": participant.replace("{parent}", str(parent)),
                         "coder": CODERS[0], "code": code, "text": text})
    return rows


def _interview_segments(family_ids: np.ndarray, rng) -> list[dict]:
    """One positive statement and one or two other statements per interviewed parent."""
    spec = texts()["interviews"]
    positive = rng.permutation(len(spec["positive"]))
    other = rng.permutation(len(spec["other"]))
    extra = rng.permutation(np.array([2] * 11 + [1] * 11))
    rows, used = [], 0
    for i, fid in enumerate(family_ids):
        items = [(POSITIVE_CODE, spec["positive"][positive[i % positive.size]])]
        for _ in range(extra[i % extra.size]):
            items.append(tuple(spec["other"][other[used % other.size]]))
            used += 1
        order = rng.permutation(len(items))
        for k, j in enumerate(order, start=1):
            code, text = items[j]
            rows.append({"session_id": f"INT_{fid}", "segment_id": f"INT_{fid}-{k:02d}",
                         "participant": str(fid), "coder": CODERS[0], "code": code, "text": text})
    return rows


def _survey_segments(answers: pd.DataFrame) -> list[dict]:
    """Coded open survey answers (only answers from the pool: planted personal data stay out)."""
    lookup = {a["text"]: a["code"] for pool in _survey_pool().values() for a in pool}
    rows = []
    for column in ("ps_10", "ps_11"):
        for fid, text in zip(answers["family_id"], answers[column]):
            if text in lookup:
                rows.append((str(fid), column, text, lookup[text]))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [{"session_id": "SURVEY_OPEN", "segment_id": f"SURVEY_OPEN-{k:03d}", "participant": fid,
             "coder": CODERS[0], "code": code, "text": text}
            for k, (fid, _, text, code) in enumerate(rows[:200], start=1)]


def _survey_pool() -> dict:
    from analysis.data.synthetic.survey import texts as survey_texts

    return survey_texts()["open_answers"]


def _double_code(rows: list[dict], rng) -> list[dict]:
    """Add ``codeur_B`` rows for a random 25 %; a sibling sub-code for 20 % of those."""
    n = len(rows)
    chosen = np.sort(rng.choice(n, size=round(DOUBLE_SHARE * n), replace=False))
    differ = set(rng.choice(chosen, size=round(DISAGREE_SHARE * chosen.size), replace=False).tolist())
    codebook = texts()["codebook"]
    double = set(chosen.tolist())
    out = []
    for i, row in enumerate(rows):
        out.append(row)
        if i in double:
            code = row["code"]
            if i in differ:
                theme, sub = code.split(" > ", 1)
                siblings = [s for s in codebook[theme] if s != sub]
                code = f"{theme} > {siblings[int(rng.integers(len(siblings)))]}"
            out.append(row | {"coder": CODERS[1], "code": code})
    return out


def focus_group_qdpx(rows: list[dict], seed: int) -> bytes:
    """The therapists' focus group as one text source, a line ``VT1: ...`` per segment.

    ``rows`` are segment rows (:data:`SEGMENT_COLUMNS`) of session :data:`QDPX_SESSION`; the
    users are :data:`CODERS` and any other ``coder`` of ``rows``.
    """
    text, selections, offsets = "", [], {}
    for row in rows:
        if row["segment_id"] not in offsets:
            prefix = f"{row['participant']}: "
            start = len(text) + len(prefix)
            text += prefix + row["text"] + "\n"
            offsets[row["segment_id"]] = (start, start + len(row["text"]))
        start, end = offsets[row["segment_id"]]
        selections.append(Selection(start, end, row["code"], row["coder"], row["segment_id"],
                                    row["participant"]))
    return qdpx_bytes(project="Focusgroep vaktherapeuten (synthetisch)", source_name=QDPX_SESSION,
                      text=text, selections=selections, codebook=texts()["codebook"],
                      users=list(dict.fromkeys([*CODERS, *(r["coder"] for r in rows)])),
                      seed=seed)
