"""Latent model for synthetic cohorts of any size (every cohort except the calibrated one).

Per family three correlated latent traits at T0 (standard normal): child problems ``c``,
disorganized attachment experience ``d`` and parenting stress ``s`` with
corr(c, d) = .5, corr(d, s) = .6, corr(c, s) = .4. Change from T0 to T1 for families that
complete the trajectory: ``delta_d ~ N(-0.35, 0.45)`` (ARI-CP mean units), stress change
``delta_s = 0.55 * delta_d + N(-0.05, 0.2)`` (OBVL mean units; correlation about .75, the
pilot's hypothesis that lower stress goes with less experienced disorganization), and child
problems fall by about 3 SDQ points on average, more when disorganization falls.
Dropped-out families change by a third as much.

Scale scores (all free choices, close to a clinical youth-care sample):

* SDQ subscales: mean + SD x (0.6 c + 0.8 e) with means 3.5, 3.0, 5.5, 2.5 and SDs
  2.2, 2.0, 2.4, 2.0 (emotional, conduct, hyperactivity, peer), so about 60 % have a total
  of 14 or more at T0; prosocial about 7 (SD 2), lower with more problems.
* ARI-CP means: disorganized 2.7 + 0.7 d (about 40 % at or above 3.0); secure falls and
  avoidant/ambivalent rise with ``d``.
* OBVL mean 2.3 + 0.45 s on the 1-4 scale.

Completeness follows the pilot: T0 from 19 of 22 families (86 %); T1 from 14 of 19 (74 %) of
those who completed, 20 % of those who dropped out, none while ongoing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.data.synthetic.questionnaires import moments_frame

_CORR = np.array([[1.0, 0.5, 0.4], [0.5, 1.0, 0.6], [0.4, 0.6, 1.0]])
_SDQ_MEAN = np.array([3.5, 3.0, 5.5, 2.5])
_SDQ_SD = np.array([2.2, 2.0, 2.4, 2.0])
_SDQ_NAMES = ("emotional", "conduct", "hyperactivity", "peer")
P_T0, P_T1_COMPLETED, P_T1_DROPPED = 19 / 22, 14 / 19, 0.20


def generic_moments(trajectories: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Moments table (targets, dates, informants) for the generic cohort ``trajectories``."""
    n = len(trajectories)
    status = trajectories["status"].to_numpy()
    c, d, s = (rng.multivariate_normal(np.zeros(3), _CORR, size=n, method="cholesky")).T
    dd = rng.normal(-0.35, 0.45, n)
    ds = 0.55 * dd + rng.normal(-0.05, 0.2, n)
    dc = -0.8 + 1.2 * dd + rng.normal(0.0, 0.6, n)  # SD units of the common problem factor
    damp = np.select([status == "completed", status == "dropped_out"], [1.0, 1 / 3], 0.0)
    has_t0 = rng.random(n) < P_T0
    p1 = np.select([status == "completed", status == "dropped_out"], [P_T1_COMPLETED, P_T1_DROPPED], 0)
    has_t1 = has_t0 & (rng.random(n) < p1)
    specific = rng.normal(size=(n, 4))
    fam = np.concatenate([np.flatnonzero(has_t0), np.flatnonzero(has_t1)])
    t1 = np.r_[np.zeros(has_t0.sum(), bool), np.ones(has_t1.sum(), bool)]
    order = np.lexsort((t1, fam))
    fam, t1 = fam[order], t1[order]
    shift = np.where(t1, damp[fam], 0.0)
    targets = _sdq_targets(c[fam] + shift * dc[fam], specific[fam], rng)
    targets.update(_ari_targets(d[fam] + shift * dd[fam] / 0.7, rng))
    stress = 2.3 + 0.45 * s[fam] + shift * ds[fam]
    targets["stress"] = np.round(np.clip(stress, 1.0, 4.0) * 34).astype(np.int64)
    dates, informant = _dates_informants(trajectories, fam, t1, rng)
    ids = trajectories["family_id"].to_numpy()[fam]
    return moments_frame(fam, ids, np.where(t1, "T1", "T0"), dates, informant, targets)


def _sdq_targets(common: np.ndarray, specific: np.ndarray, rng) -> dict[str, np.ndarray]:
    z = 0.6 * common[:, None] + 0.8 * specific + rng.normal(0.0, 0.3, specific.shape)
    sums = np.clip(np.round(_SDQ_MEAN + _SDQ_SD * z), 0, 10).astype(np.int64)
    out = {name: sums[:, i] for i, name in enumerate(_SDQ_NAMES)}
    prosocial = 7.0 - 0.1 * (sums.sum(axis=1) - 14) + rng.normal(0.0, 2.0, common.size)
    out["prosocial"] = np.clip(np.round(prosocial), 0, 10).astype(np.int64)
    return out


def _ari_targets(d: np.ndarray, rng) -> dict[str, np.ndarray]:
    noise = rng.normal(0.0, 0.3, (d.size, 4))
    means = np.column_stack([4.1 - 0.35 * d, 2.0 + 0.25 * d, 2.2 + 0.3 * d, 2.7 + 0.7 * d]) + noise
    sums = np.clip(np.round(means * 12), 12, 60).astype(np.int64)
    return {name: sums[:, i] for i, name in enumerate(("secure", "avoidant", "ambivalent", "disorganized"))}


def _dates_informants(trajectories: pd.DataFrame, fam: np.ndarray, t1: np.ndarray, rng):
    """T0 0-10 days after the start; T1 0-14 days before the end (so inside the period), never
    before the family's T0.

    Informant (free): mother 78 %, father 18 %, carer 4 %, kept over time, except that about
    5 % of T1 rows come from the other parent.
    """
    start = trajectories["start_date"].to_numpy().astype("datetime64[D]")[fam]
    end = trajectories["end_date"].to_numpy().astype("datetime64[D]")[fam]  # "" -> NaT (no T1)
    days = rng.integers(0, 15, fam.size)
    date = np.where(t1, end - days.astype("timedelta64[D]"), start + (days % 11).astype("timedelta64[D]"))
    # rows are sorted by family then T0 before T1, and every T1 has a T0: a T1 drawn before its
    # T0 (a short dropped-out trajectory, about 1 in 30,000) is moved onto the T0 date
    date = np.where(t1, np.maximum(date, np.roll(date, 1)), date)
    n = len(trajectories)
    base = np.array(["mother", "father", "carer"])[rng.choice(3, size=n, p=[0.78, 0.18, 0.04])]
    informant = base[fam]
    switch = t1 & (rng.random(fam.size) < 0.05) & (informant != "carer")
    informant = np.where(switch, np.where(informant == "mother", "father", "mother"), informant)
    return np.datetime_as_string(date.astype("datetime64[D]"), unit="D"), informant
