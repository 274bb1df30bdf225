"""Synthetic family trajectories (``trajectories.csv``) for a cohort of any size.

The generic generator is vectorised (100,000 families in well under a second). Its rates are
free choices, loosely following the Helmond pilot (Sociale Teams Helmond, 2024) and documented
in :data:`GENERIC_RATES`; pilot limits (at most 25 sessions, observation included, at most five
collaboration hours, 3-5 observation sessions) hold for every row. The calibrated Helmond
trajectories live in :mod:`analysis.data.synthetic.calibration`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TRAJECTORY_COLUMNS: list[str] = [
    "family_id", "status", "start_date", "end_date", "therapy", "therapist_id",
    "social_worker_id", "referral", "child_age", "child_sex", "observation_sessions",
    "therapy_sessions", "collaboration_hours", "indicated", "substituted",
    "placement_threat", "placement_averted",
]
"""Columns of ``trajectories.csv`` in the data contract's order."""

GENERIC_RATES: dict[str, dict[str, float]] = {
    "therapy": {"speltherapie": 0.70, "pmt": 0.22, "beeldend": 0.05, "drama": 0.03},
    "referral": {"parents": 0.65, "school": 0.25, "gp": 0.07, "other": 0.03},
    "child_sex": {"m": 0.55, "f": 0.43, "x": 0.02},
    "status": {"dropped_out": 0.14},
    "flags": {"indicated": 0.70, "substituted_if_indicated": 0.50, "placement_threat": 0.08,
              "averted_if_threat": 0.80},
}
"""Free choices for non-Helmond cohorts. Ongoing trajectories are those whose planned end falls
after the period end; of the others 14 % drop out. Therapy is a property of the therapist."""


@dataclass(frozen=True)
class Period:
    """Data-collection period of a cohort (``period_start`` .. ``period_end``, inclusive)."""

    start: np.datetime64
    end: np.datetime64


def family_ids(n: int) -> np.ndarray:
    """Pseudonyms ``F01`` .. for ``n`` families; zero-padded to at least two digits."""
    width = max(2, len(str(n)))
    return np.char.add("F", np.char.zfill(np.arange(1, n + 1).astype(str), width))


def staff_ids(prefix: str, n: int) -> np.ndarray:
    """Pseudonyms like ``VT01`` or ``SW01`` for ``n`` staff members."""
    width = max(2, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def iso(dates: np.ndarray) -> np.ndarray:
    """ISO ``YYYY-MM-DD`` strings of ``datetime64[D]`` values; ``NaT`` becomes ``""``."""
    text = np.datetime_as_string(dates.astype("datetime64[D]"), unit="D")
    return np.where(np.isnat(dates), "", text)


def bool_text(values: np.ndarray) -> np.ndarray:
    """``true``/``false`` strings (the contract's spelling) of a boolean array."""
    return np.where(values, "true", "false")


def generic_trajectories(n: int, rng: np.random.Generator, period: Period) -> pd.DataFrame:
    """Trajectories of ``n`` families with a realistic mix of statuses.

    Start dates are uniform over the first 75 % of the period; completed trajectories take
    16-36 weeks, dropped-out ones stop after 3-14 weeks; a trajectory whose planned end lies
    after ``period.end`` is ``ongoing`` with an empty ``end_date``.
    """
    span = int((period.end - period.start).astype(int))
    start = period.start + rng.integers(0, int(span * 0.75) + 1, n).astype("timedelta64[D]")
    planned = start + (7 * rng.integers(16, 37, n)).astype("timedelta64[D]")
    ongoing = planned > period.end
    dropped = ~ongoing & (rng.random(n) < GENERIC_RATES["status"]["dropped_out"])
    status = np.where(ongoing, "ongoing", np.where(dropped, "dropped_out", "completed"))
    end = np.where(dropped, start + (7 * rng.integers(3, 15, n)).astype("timedelta64[D]"), planned)
    end = np.where(ongoing, np.datetime64("NaT", "D"), end).astype("datetime64[D]")
    frame = pd.DataFrame({"family_id": family_ids(n), "status": status,
                          "start_date": iso(start), "end_date": iso(end)})
    frame = pd.concat([frame, _generic_staff(n, rng), _generic_child(n, rng)], axis=1)
    frame = pd.concat([frame, _generic_dosage(status, rng), _generic_flags(status, rng)], axis=1)
    return frame[TRAJECTORY_COLUMNS]


def _choice(rng: np.random.Generator, rates: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(rates))
    p = np.array(list(rates.values()))
    return keys[rng.choice(keys.size, size=n, p=p / p.sum())]


def _generic_staff(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Therapists (about 9 per 22 families, each with one therapy) and social workers (8 per 22)."""
    n_vt = max(3, round(n * 9 / 22))
    n_sw = max(2, round(n * 8 / 22))
    pool_therapy = _choice(rng, GENERIC_RATES["therapy"], n_vt)
    pool_therapy[:2] = ["speltherapie", "pmt"]  # both main therapies present in any cohort
    vt = rng.integers(0, n_vt, n)
    return pd.DataFrame({"therapy": pool_therapy[vt], "therapist_id": staff_ids("VT", n_vt)[vt],
                         "social_worker_id": staff_ids("SW", n_sw)[rng.integers(0, n_sw, n)],
                         "referral": _choice(rng, GENERIC_RATES["referral"], n)})


def _generic_child(n: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"child_age": rng.integers(4, 13, n),
                         "child_sex": _choice(rng, GENERIC_RATES["child_sex"], n)})


def _generic_dosage(status: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Observation sessions 3-5; total sessions (observation included) and collaboration hours."""
    n = status.size
    obs = rng.integers(3, 6, n)
    sessions = np.select([status == "completed", status == "dropped_out"],
                         [rng.integers(12, 26, n), obs + rng.integers(0, 7, n)],
                         obs + rng.integers(0, 16, n))
    half_hours = np.select([status == "completed", status == "dropped_out"],
                           [rng.integers(4, 11, n), rng.integers(1, 6, n)], rng.integers(2, 9, n))
    hours = np.char.mod("%.1f", half_hours / 2.0)
    return pd.DataFrame({"observation_sessions": obs, "therapy_sessions": np.minimum(sessions, 25),
                         "collaboration_hours": hours})


def _generic_flags(status: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    n = status.size
    rates = GENERIC_RATES["flags"]
    indicated = rng.random(n) < rates["indicated"]
    substituted = indicated & (rng.random(n) < rates["substituted_if_indicated"])
    threat = rng.random(n) < rates["placement_threat"]
    averted = np.where(rng.random(n) < rates["averted_if_threat"], "true", "false")
    averted = np.where(threat & (status != "ongoing"), averted, "")
    return pd.DataFrame({"indicated": bool_text(indicated), "substituted": bool_text(substituted),
                         "placement_threat": bool_text(threat), "placement_averted": averted})
