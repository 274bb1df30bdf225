"""Write ``mixed_samples.csv``: the long data sets ``mixed_golden.R`` fits with lme4/lmerTest.

Run from the repository root (reads the bundled cohort's raw files, nothing else)::

    python tests/golden/make_mixed_samples.py && Rscript tests/golden/mixed_golden.R

Cases (one row per unit and moment, columns ``case, unit, time, y``):

* ``helmond_<scale>``: the bundled cohort's SDQ scales, every family with a score, moments T0,
  T1 and T2 as they occur (one family has T2);
* ``helmond_total_t0t1``: the SDQ total at T0 and T1 only (the drop-out sensitivity's model);
* ``sim_<n>_<k>``: seeded random-intercept data, ``n`` units, ``k`` moments, drop-out after
  the first moment (and, with 3 moments, units that skip a moment or miss the first);
* ``sim_boundary``: no between-unit variance, the first such sample whose REML ``tau^2`` is 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import validate
from analysis.questionnaires import outcomes

HERE = Path(__file__).resolve().parent
SCALES = ("total", "emotional", "conduct", "hyperactivity", "peer", "prosocial")
SEED = 20240905


def _cohort_scores() -> pd.DataFrame:
    report = validate.validate_cohort(paths.raw_dir("helmond-2023"))
    tables = dict(report.tables)
    ages = tables["trajectories"][["family_id", "child_age"]]
    return outcomes.score_all(tables, ages=ages)["sdq"]


def _simulated(rng, n: int, k: int, *, tau: float = 4.0, sigma: float = 3.0,
               keep: float = 0.7) -> list[tuple[str, str, float]]:
    rows = []
    effects = np.r_[0.0, -2.5, -3.5][:k]
    for unit in range(n):
        u = rng.normal(0, tau)
        seen = np.ones(k, dtype=bool)
        seen[1:] = rng.random(k - 1) < keep
        if k == 3 and rng.random() < 0.1:  # a unit without a baseline
            seen[0] = False
            seen[1] = True
        for t in range(k):
            if seen[t]:
                rows.append((f"U{unit:03d}", f"T{t}", round(float(15 + effects[t] + u
                                                                  + rng.normal(0, sigma)), 3)))
    return rows


def _boundary_sample(rng) -> list[tuple[str, str, float]]:
    """The first simulated sample without between-unit variance whose REML ``tau^2`` is 0."""
    from analysis.stats.mixed import fit_random_intercept

    while True:
        rows = _simulated(rng, 30, 2, tau=0.0, sigma=4.0)
        wide = pd.DataFrame(rows, columns=["unit", "time", "y"]).pivot(
            index="unit", columns="time", values="y")
        if fit_random_intercept(wide.to_numpy(dtype=float)).tau2 == 0:
            return rows


def main() -> None:
    rows = []
    scores = _cohort_scores()
    for scale in SCALES:
        part = scores.dropna(subset=[f"sdq_{scale}"])
        rows += [(f"helmond_{scale}", f, t, float(y)) for f, t, y in
                 zip(part["family_id"], part["timepoint"], part[f"sdq_{scale}"])]
    part = scores[scores["timepoint"].isin(["T0", "T1"])].dropna(subset=["sdq_total"])
    rows += [("helmond_total_t0t1", f, t, float(y)) for f, t, y in
             zip(part["family_id"], part["timepoint"], part["sdq_total"])]
    rng = np.random.default_rng(SEED)
    for n, k in ((12, 2), (25, 2), (40, 2), (80, 2), (30, 3), (60, 3)):
        rows += [(f"sim_{n}_{k}", *r) for r in _simulated(rng, n, k)]
    rows += [("sim_boundary", *r) for r in _boundary_sample(rng)]
    pd.DataFrame(rows, columns=["case", "unit", "time", "y"]).to_csv(
        HERE / "mixed_samples.csv", index=False)


if __name__ == "__main__":
    main()
