"""The calibrated Helmond cohort: family roles, trajectories and target scale scores.

Calibration is by construction, never by rejection sampling. Every family ``F01`` .. ``F22``
gets a fixed *role* (:data:`ROSTER`) that states what its questionnaires must show; the seed
only moves the free parts (exact scores inside a role's range, item answers, dates, ages).
So every published number holds for any seed; the committed data use seed 2023.

=====================  =====  ==============================================================
role                   count  questionnaires (SDQ total, ARI-CP disorganized mean)
=====================  =====  ==============================================================
improve_resolve          2    T0 total 16-24, high (>= 3.5); T1 drop 10-13 points, low (<= 2.3)
improve_persist          1    the case-story girl (``F07``): drop 12 to 9, stays high; T2 low
stable_resolve           1    T0 total 16-24, high; T1 change -3..+2, low (<= 2.3)
stable_persist           2    T0 total 16-24, high; T1 change -3..+2, stays high (>= 3.5)
elevated_low             3    T0 total 15-20, low; T1 change -3..+2, low
normal_low               5    T0 total 4-11, low; T1 change -3..+2, low
baseline_only            5    T0 only (3 elevated, 2 not; disorganized mixed)
no_questionnaire         3    no SDQ, no ARI-CP
=====================  =====  ==============================================================

Published numbers this gives (Sociale Teams Helmond, 2024, "Bevindingen 2"): 14 families with
T0 and T1, 5 with T0 only, 3 without; 9 of 14 elevated at T0 (64 %), 6 of those 9 high on
disorganized (67 %), all 5 not elevated low (100 %); of the 6, 3 improve reliably (drop >= 10,
well above any RCI threshold between 5 and 8) and 3 are no longer high (two families do both).

Margins: "elevated" totals are >= 15 and "not elevated" <= 13 at T0 (cut-off 14); "high"
disorganized means are >= 3.5 and "low" <= 2.33 (placeholder cut-off 3.0; brief: >= 3.4 and
<= 2.4); non-improvers change by at most 3 points.

The case-story girl (handreiking, "Een verhaal uit de praktijk") is :data:`CASE_STORY_FAMILY`:
7 years old, referred by school, speltherapie; mother reports at T0, father at T1 (the one
informant switch); elevated emotional (5), conduct (5) and hyperactivity (9) at T0, total 21;
total 9 at T1; disorganized stays high at T1 and drops to 2.0 at a T2 follow-up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.synthetic.families import (
    TRAJECTORY_COLUMNS,
    bool_text,
    family_ids,
    iso,
    staff_ids,
)

CASE_STORY_FAMILY: str = "F07"
"""``family_id`` of the 7-year-old girl of the handreiking's case story."""

ROSTER: tuple[str, ...] = (
    "normal_low", "stable_persist", "baseline_only", "improve_resolve", "elevated_low",
    "no_questionnaire", "improve_persist", "normal_low", "stable_resolve", "baseline_only",
    "elevated_low", "normal_low", "improve_resolve", "no_questionnaire", "stable_persist",
    "baseline_only", "normal_low", "elevated_low", "baseline_only", "normal_low",
    "no_questionnaire", "baseline_only",
)
"""Role of ``F01`` .. ``F22`` (fixed, independent of the seed)."""

PLACEMENT: dict[str, str] = {"F04": "true", "F09": "true", "F15": "false"}
"""Placement threat at intake: averted in two families (published: "at least two"), not in one."""

INFORMANTS: dict[str, str] = {"F08": "father", "F12": "father", "F17": "father", "F19": "carer"}
"""Informant other than the mother (same at every moment); the girl's family switches."""

_ELEVATED = ("improve_resolve", "improve_persist", "stable_resolve", "stable_persist", "elevated_low")
_HIGH_T0 = ("improve_resolve", "improve_persist", "stable_resolve", "stable_persist")
_RESOLVED = ("improve_resolve", "stable_resolve")
_IMPROVE = ("improve_resolve", "improve_persist")
GIRL_SDQ: dict[str, tuple[int, ...]] = {
    "T0": (5, 5, 9, 2), "T1": (2, 2, 4, 1), "T2": (3, 3, 5, 1)}
"""The girl's emotional, conduct, hyperactivity, peer sums per moment (totals 21, 9, 12)."""
GIRL_DISORGANIZED: dict[str, int] = {"T0": 46, "T1": 44, "T2": 24}
"""The girl's disorganized sums (means 3.83, 3.67, 2.00)."""


def roles() -> pd.DataFrame:
    """Family id and role of every Helmond family."""
    return pd.DataFrame({"family_id": family_ids(len(ROSTER)), "role": ROSTER})


def helmond_trajectories(rng: np.random.Generator) -> pd.DataFrame:
    """The 22 completed trajectories with the published staff, dosage and substitution counts.

    Exact counts are laid down as vectors and permuted by ``rng`` (calibrated): 2 PMT
    therapists with 5 trajectories, 7 play therapists with 17, 8 social workers, 6 school
    referrals, 16 indicated of which 8 substituted; observation 3-5 (both ends present),
    12-25 sessions in all, 2.0-5.0 collaboration hours. The girl's row is fixed.
    """
    n = len(ROSTER)
    girl = family_ids(n) == CASE_STORY_FAMILY
    therapy = _permute_except(rng, np.array(["pmt"] * 5 + ["speltherapie"] * 17), girl, "speltherapie")
    vt = staff_ids("VT", 9)
    spel_ids = np.repeat(vt[2:], [3, 3, 3, 2, 2, 2, 2])
    therapist = np.empty(n, dtype=object)
    therapist[therapy == "pmt"] = rng.permutation(np.repeat(vt[:2], [3, 2]))
    therapist[therapy == "speltherapie"] = rng.permutation(spel_ids)
    social = rng.permutation(np.repeat(staff_ids("SW", 8), [3, 3, 3, 3, 3, 3, 2, 2]))
    referral = _permute_except(rng, np.array(["school"] * 6 + ["parents"] * 16), girl, "school")
    start, end = _helmond_dates(rng, girl)
    frame = pd.DataFrame({"family_id": family_ids(n), "status": "completed",
                          "start_date": iso(start), "end_date": iso(end), "therapy": therapy,
                          "therapist_id": therapist, "social_worker_id": social,
                          "referral": referral})
    frame = pd.concat([frame, _helmond_child(rng, therapy, girl), _helmond_dosage(rng, n)], axis=1)
    indicated = rng.permutation(np.arange(n) < 16)
    substituted = np.zeros(n, dtype=bool)
    substituted[rng.permutation(np.flatnonzero(indicated))[:8]] = True
    frame["indicated"], frame["substituted"] = bool_text(indicated), bool_text(substituted)
    frame["placement_threat"] = bool_text(frame["family_id"].isin(list(PLACEMENT)).to_numpy())
    frame["placement_averted"] = frame["family_id"].map(PLACEMENT).fillna("")
    return frame[TRAJECTORY_COLUMNS]


def _permute_except(rng, values: np.ndarray, fixed: np.ndarray, fixed_value: str) -> np.ndarray:
    """Permute ``values`` so that the ``fixed`` position gets ``fixed_value``; counts unchanged."""
    rest = list(values)
    rest.remove(fixed_value)
    out = np.empty(values.size, dtype=object)
    out[fixed] = fixed_value
    out[~fixed] = rng.permutation(np.array(rest, dtype=object))
    return out.astype(str)


def _helmond_dates(rng, girl: np.ndarray):
    """Starts 2023-09-11 .. 2024-02-16, 18-34 weeks, ends by 2024-09-27; the girl 2023-10-02 ..
    2024-04-26 so that her follow-up fits in the period."""
    n = girl.size
    start = np.datetime64("2023-09-11") + rng.integers(0, 159, n).astype("timedelta64[D]")
    end = start + (7 * rng.integers(18, 35, n)).astype("timedelta64[D]")
    end = np.minimum(end, np.datetime64("2024-09-27"))
    start[girl], end[girl] = np.datetime64("2023-10-02"), np.datetime64("2024-04-26")
    return start, end


def _helmond_child(rng, therapy: np.ndarray, girl: np.ndarray) -> pd.DataFrame:
    """Ages 4-10 for play therapy, 8-12 for PMT; sex free except the girl (7, f)."""
    age = np.where(therapy == "pmt", rng.integers(8, 13, therapy.size), rng.integers(4, 11, therapy.size))
    sex = np.where(rng.random(therapy.size) < 0.55, "m", "f")
    age[girl], sex[girl] = 7, "f"
    return pd.DataFrame({"child_age": age, "child_sex": sex})


def _helmond_dosage(rng, n: int) -> pd.DataFrame:
    """3-5 observation sessions (one row each at 3 and 5), 12-25 sessions, 2.0-5.0 hours."""
    obs = rng.integers(3, 6, n)
    obs[rng.permutation(n)[:2]] = (3, 5)
    sessions = rng.integers(12, 26, n)
    hours = np.char.mod("%.1f", rng.integers(4, 11, n) / 2.0)
    return pd.DataFrame({"observation_sessions": obs, "therapy_sessions": sessions,
                         "collaboration_hours": hours})


def helmond_moments(trajectories: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Target scale scores per family and moment, following each family's role.

    Returns the moments table of :func:`analysis.data.synthetic.questionnaires.moments_frame`
    (T0 and T1 for the 14 analysis families, T0 for 5, a T2 row for the girl). Dates: T0
    0-10 days after the start, T1 7 days before to 14 days after the end (calibrated: inside
    the period); the girl's T2 is on 2024-09-13, twenty weeks after her last session.
    """
    from analysis.data.synthetic.questionnaires import moments_frame

    records, baseline_seen = [], 0
    for index, (fid, role) in enumerate(zip(trajectories["family_id"], ROSTER)):
        if role == "no_questionnaire":
            continue
        if role == "baseline_only":
            baseline_seen += 1
        sdq = _sdq_targets(role, rng, fid, baseline_seen)
        dis = _disorganized_targets(role, rng, fid, baseline_seen)
        dates = _moment_dates(trajectories.iloc[index], rng)
        for tp in sdq:
            informant = INFORMANTS.get(fid, "mother")
            if fid == CASE_STORY_FAMILY:
                informant = "father" if tp == "T1" else "mother"
            records.append((index, fid, tp, dates[tp], informant, *sdq[tp],
                            *_other_ari(rng, dis[tp]), dis[tp]))
    names = ["emotional", "conduct", "hyperactivity", "peer", "prosocial",
             "secure", "avoidant", "ambivalent", "disorganized"]
    cols = list(zip(*records))
    return moments_frame(np.array(cols[0]), np.array(cols[1]), np.array(cols[2]),
                         np.array(cols[3]), np.array(cols[4]),
                         {name: np.array(cols[5 + i]) for i, name in enumerate(names)})


def _totals(role: str, rng, baseline_seen: int) -> list[int]:
    """SDQ total difficulties per moment for one role (see the module table)."""
    if role in _IMPROVE:
        t0 = int(rng.integers(16, 25))
        return [t0, t0 - int(rng.integers(10, 14))]
    if role in ("stable_resolve", "stable_persist"):
        t0 = int(rng.integers(16, 25))
    elif role == "elevated_low":
        t0 = int(rng.integers(15, 21))
    elif role == "normal_low":
        t0 = int(rng.integers(4, 12))
    elif baseline_seen <= 3:  # baseline_only: three elevated, two not
        return [int(rng.integers(15, 23))]
    else:
        return [int(rng.integers(6, 12))]
    return [t0, max(0, min(13 if t0 <= 13 else 40, t0 + int(rng.integers(-3, 3))))]


def _sdq_targets(role: str, rng, fid: str, baseline_seen: int) -> dict[str, tuple[int, ...]]:
    """(emotional, conduct, hyperactivity, peer, prosocial) per moment.

    The total is split over the four problem scales by :func:`allocate` with a family profile
    (free: scale offsets 0, -0.5, +1.5, -1 plus family noise, kept over time). Prosocial is
    free: about 7, a little lower with more problems.
    """
    from analysis.data.synthetic.items import allocate

    if fid == CASE_STORY_FAMILY:
        return {tp: (*v, p) for (tp, v), p in zip(GIRL_SDQ.items(), (5, 7, 6))}
    profile = np.array([0.0, -0.5, 1.5, -1.0]) + rng.normal(0.0, 1.0, 4)
    totals = _totals(role, rng, baseline_seen)
    out = {}
    for tp, total in zip(("T0", "T1"), totals):
        split = allocate(np.array([total]), profile[None, :], low=0, high=10)[0]
        prosocial = int(np.clip(round(7.5 - 0.12 * (total - 12) + rng.normal(0, 1.3)), 2, 10))
        out[tp] = (*(int(v) for v in split), prosocial)
    return out


def _disorganized_targets(role: str, rng, fid: str, baseline_seen: int) -> dict[str, int]:
    """ARI-CP disorganized sum (12 x mean) per moment; see the module table for the ranges."""
    if fid == CASE_STORY_FAMILY:
        return dict(GIRL_DISORGANIZED)
    high = role in _HIGH_T0 or (role == "baseline_only" and baseline_seen <= 2)
    t0 = int(rng.integers(42, 52)) if high else int(rng.integers(17, 29))
    if role == "baseline_only":
        return {"T0": t0}
    if role in _RESOLVED:
        t1 = int(rng.integers(21, 29))
    elif high:
        t1 = max(42, t0 + int(rng.integers(-5, 3)))
    else:
        t1 = int(np.clip(t0 + int(rng.integers(-3, 4)), 14, 28))
    return {"T0": t0, "T1": t1}


def _other_ari(rng, disorganized: int) -> tuple[int, int, int]:
    """Secure, avoidant and ambivalent sums (free): secure falls, the others rise, with
    disorganized; means 4.3, 1.9 and 2.1 at a disorganized mean of 2.5, noise SD 0.3."""
    d = disorganized / 12.0 - 2.5
    means = np.array([4.3 - 0.45 * d, 1.9 + 0.3 * d, 2.1 + 0.4 * d]) + rng.normal(0, 0.3, 3)
    return tuple(int(v) for v in np.clip(np.round(means * 12), 12, 60))


def _moment_dates(row: pd.Series, rng) -> dict[str, str]:
    start, end = np.datetime64(row["start_date"]), np.datetime64(row["end_date"])
    t0 = start + np.timedelta64(int(rng.integers(0, 11)), "D")
    t1 = min(end + np.timedelta64(int(rng.integers(-7, 15)), "D"), np.datetime64("2024-10-31"))
    return {"T0": str(t0), "T1": str(t1), "T2": "2024-09-13"}
