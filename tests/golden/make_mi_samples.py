"""Write the inputs of ``mi_golden.R``: the bundled cohort's SDQ totals and the package's draws.

Run from the repository root (reads the bundled cohort's raw files)::

    python tests/golden/make_mi_samples.py && Rscript tests/golden/mi_golden.R

Files:

* ``mi_data.csv``: one row per family with a T0 SDQ total: ``unit, before, after`` (``after``
  empty for the families without T1), in the order the drop-out analysis uses (family id).
* ``mi_draws.csv``: the random numbers :func:`analysis.stats.imputation.draw_imputations`
  makes with the package's default seed and number of imputations for this cohort, one row per
  imputation: ``chi2, z1, z2, e1 ... e<missing>``. R imputes from these numbers with mice's
  formula, so Python and R can be compared exactly; ``mi_golden.R`` also runs ``mice`` itself
  with its own random numbers (compared within Monte Carlo error).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data import validate
from analysis.questionnaires import outcomes
from analysis.stats import imputation
from analysis.stats._tidy import DEFAULT_SEED

HERE = Path(__file__).resolve().parent


def cohort_pairs() -> pd.DataFrame:
    """``unit, before, after`` of the bundled cohort's SDQ total (families with T0)."""
    report = validate.validate_cohort(paths.raw_dir("helmond-2023"))
    tables = dict(report.tables)
    scores = outcomes.score_all(tables, ages=tables["trajectories"][["family_id", "child_age"]])
    wide = outcomes.dropout_pairs(scores["sdq"], column="sdq_total")
    return pd.DataFrame({"unit": wide.index, "before": wide["T0"].to_numpy(),
                         "after": wide["T1"].to_numpy()})


def main() -> None:
    data = cohort_pairs()
    data.to_csv(HERE / "mi_data.csv", index=False)
    complete = data["after"].notna()
    draws = imputation.draw_imputations(
        int(complete.sum()), int((~complete).sum()),
        n_imputations=imputation.imputations_for(len(data)), seed=DEFAULT_SEED)
    table = pd.DataFrame(np.column_stack([draws.chi2, draws.beta, draws.noise]),
                         columns=["chi2", "z1", "z2",
                                  *[f"e{i + 1}" for i in range(draws.noise.shape[1])]])
    table.to_csv(HERE / "mi_draws.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
