"""Write the inputs of ``alpha_golden.R``: the bundled cohort's double-coded material and draws.

Run from the repository root (reads the bundled cohort's coding export)::

    python tests/golden/make_alpha_samples.py && Rscript tests/golden/alpha_golden.R

Files:

* ``alpha_data.csv``: the presence table of the bundled cohort's double-coded segments
  (:func:`analysis.qualitative.agreement.presence_table`): ``cluster`` (the segment, resampled
  as a whole), then one 0/1 column per coder (empty: the coder did not code the segment);
* ``alpha_draws.csv``: the clusters :func:`analysis.qualitative.agreement.alpha_interval` draws
  with seed :data:`SEED` for :data:`RESAMPLES` resamples, one row per resample and draw
  (``resample, cluster``, clusters numbered from 0 in order of first appearance).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.qualitative import agreement, qda

HERE = Path(__file__).resolve().parent
SEED = 20232024
RESAMPLES = 500


def main() -> None:
    segments = qda.read_cohort_coding(paths.raw_dir("helmond-2023"))
    presence = agreement.presence_table(segments)
    coders = [c for c in presence.columns if c not in ("session_id", "segment_id", "code_path")]
    clusters = pd.factorize(pd.Series(list(zip(presence["session_id"],
                                               presence["segment_id"]))))[0]
    data = presence[coders].copy()
    data.insert(0, "cluster", clusters)
    data.to_csv(HERE / "alpha_data.csv", index=False)
    count = int(clusters.max()) + 1
    rng = np.random.default_rng(SEED)  # the order alpha_interval draws in
    draws = [(b, int(c)) for b in range(RESAMPLES) for c in rng.integers(0, count, count)]
    pd.DataFrame(draws, columns=["resample", "cluster"]).to_csv(HERE / "alpha_draws.csv",
                                                                index=False)


if __name__ == "__main__":
    main()
