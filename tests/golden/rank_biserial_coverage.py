"""Coverage of two 95% intervals for the matched-pairs rank-biserial correlation at small n.

Documents the choice in :func:`analysis.stats.location.rank_biserial_interval`; run from the
repository root (about two minutes on one core)::

    python tests/golden/rank_biserial_coverage.py > analysis/definitions/rank_biserial_coverage.csv

The table is package data: :func:`analysis.stats.location.rank_biserial_coverage` reads it so
that a report can state the simulated coverage of the interval it shows (it under-covers for
large effects and at n = 30 with many zeros).

Design (seeded, ``numpy.random.default_rng(SEED)``): integer changes
``d = round(N(mu, sigma))`` (ties and zeros, as in SDQ scores), ``sigma`` 5 (few zeros) and 2
(many zeros), ``mu`` 0, -0.2 sigma, -0.5 sigma and -0.8 sigma; ``n`` 8, 10, 12, 14, 20, 30;
``REPS`` samples per cell. Pratt's zero rule. The true correlation of a cell is the
rank-biserial correlation of one sample of ``TRUTH_N`` changes (its Monte Carlo error is below
0.002). Methods:

* ``fisher``: Fisher z with the null SE (``rank_biserial_fisher``), given only when
  at least ``RANK_BISERIAL_MIN_NONZERO`` changes are non-zero and not all of one sign;
  coverage is among the samples that get one, ``given`` the share that do.
* ``inverted``: the exact signed-rank test inverted (the Hodges-Lehmann interval
  ``[mu_L, mu_U]``) and carried to the correlation's scale under the symmetric shift model
  (``rank_biserial_interval``); not given when it would be a single point.

Columns: sigma, mu, n, truth (the cell's true correlation), method, given, coverage, mc_se
(binomial SE of the coverage), below (share of intervals wholly below the truth), above.
"""

from __future__ import annotations

import sys

import numpy as np

from analysis.stats import _resampling as rs
from analysis.stats import location

SEED = 20240615
REPS = 1000
TRUTH_N = 400_000
SIGMAS = (5.0, 2.0)
SHIFTS = (0.0, -0.2, -0.5, -0.8)  # mu in units of sigma
SIZES = (8, 10, 12, 14, 20, 30)


def _r(d: np.ndarray) -> float:
    return float(rs.rank_biserial_paired(np.asarray(d, dtype=float)[None, :], "pratt")[0])


def main(out=sys.stdout) -> None:
    rng = np.random.default_rng(SEED)
    print("sigma,mu,n,truth,method,given,coverage,mc_se,below,above", file=out)
    for sigma in SIGMAS:
        for shift in SHIFTS:
            mu = shift * sigma
            truth = _r(np.round(rng.normal(mu, sigma, TRUTH_N)))
            for n in SIZES:
                samples = np.round(rng.normal(mu, sigma, (REPS, n)))
                rows = {"fisher": [], "inverted": []}
                for d in samples:
                    r, m = _r(d), int(np.sum(d != 0))
                    low, high, reason = location.rank_biserial_fisher(r, m)
                    rows["fisher"].append((low, high) if not reason else None)
                    low, high, reason = location.rank_biserial_interval(d)
                    rows["inverted"].append((low, high) if not reason else None)
                for method, found in rows.items():
                    given = [b for b in found if b is not None]
                    low, high = np.array(given).T if given else (np.array([]), np.array([]))
                    cover = np.mean((low <= truth) & (truth <= high)) if given else np.nan
                    se = np.sqrt(cover * (1 - cover) / len(given)) if given else np.nan
                    print(f"{sigma:g},{mu:g},{n},{truth:.4f},{method},{len(given) / REPS:.3f},"
                          f"{cover:.3f},"
                          f"{se:.3f},{np.mean(high < truth) if given else np.nan:.3f},"
                          f"{np.mean(low > truth) if given else np.nan:.3f}", file=out)


if __name__ == "__main__":
    main()
