"""Write ``samples.csv``: the paired samples that ``stats_golden.R`` computes golden values for.

Run from the repository root after ``python -m analysis run --cohort helmond-2023`` (the
bundled cohort's SDQ changes are read from ``data/processed``)::

    python tests/golden/make_samples.py && Rscript tests/golden/stats_golden.R

Cases (one row per pair, columns ``case, kind, before, after``):

* ``helmond_<scale>``: the bundled cohort's SDQ scales, families with T0 and T1;
* ``ties_<n>_<seed>``: integer scores with ties and zeros, n = 5 to 30 (seeded);
* ``noties_<n>_<seed>``: continuous changes without ties or zeros (R's exact branch);
* edge cases: n = 2, all changes of one sign, all zero, all tied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCALES = ("total", "emotional", "conduct", "hyperactivity", "peer", "prosocial")


def main() -> None:
    rows = []

    def add(case, kind, before, after):
        rows.extend({"case": case, "kind": kind, "before": float(b), "after": float(a)}
                    for b, a in zip(before, after))

    changes = pd.read_csv(ROOT / "data/processed/helmond-2023/questionnaires/changes.csv",
                          dtype={"family_id": str})
    sdq = changes[(changes["instrument"] == "sdq") & changes["t0"].notna()
                  & changes["t1"].notna()].sort_values("family_id", kind="stable")
    for scale in SCALES:
        part = sdq[sdq["scale"] == scale]
        add(f"helmond_{scale}", "cohort", part["t0"], part["t1"])
    rng = np.random.default_rng(20232024)
    for n in range(5, 31):
        before = rng.integers(5, 30, size=n)
        after = before + rng.choice([-6, -4, -3, -2, -1, 0, 0, 1, 2], size=n)
        add(f"ties_{n}", "ties", before, after)
    for n in (5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30):
        before = np.round(rng.normal(20, 5, size=n), 3)
        change = np.round(rng.normal(-1.5, 3, size=n), 3)
        change[change == 0] = 0.001
        add(f"noties_{n}", "noties", before, before + change)
    add("edge_n2", "edge", [10, 12], [8, 9])
    add("edge_n3_large_t", "edge", [10, 10, 10], [1, 1, 3])
    add("edge_one_sign", "edge", [10, 11, 12, 13, 14, 15, 16], [9, 9, 9, 9, 9, 9, 9])
    add("edge_all_zero", "edge", [10, 11, 12, 13, 14], [10, 11, 12, 13, 14])
    add("edge_all_tied", "edge", [10, 11, 12, 13, 14, 15], [8, 9, 10, 11, 12, 13])
    pd.DataFrame(rows).to_csv(HERE / "samples.csv", index=False)


if __name__ == "__main__":
    main()
