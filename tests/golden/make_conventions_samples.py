"""Write ``conventions_data.csv``: the bundled cohort's numbers behind the conventions table.

Run from the repository root (reads the bundled cohort's raw files)::

    python tests/golden/make_conventions_samples.py && Rscript tests/golden/conventions_golden.R

One row per family with a T0 SDQ total: ``unit, before, after`` (``after`` empty without T1),
``elevated_before``, ``elevated_after`` (UK three-band scheme, the default; empty without the
moment). ``conventions_golden.R`` computes what R's defaults give on them; the README's table
"Statistical conventions" shows both, and ``tests/test_golden.py`` checks it against both.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.data import validate
from analysis.questionnaires import outcomes

HERE = Path(__file__).resolve().parent


def main() -> None:
    report = validate.validate_cohort(paths.raw_dir("helmond-2023"))
    tables = dict(report.tables)
    results = outcomes.analyse_questionnaires(tables)
    wide = outcomes.dropout_pairs(results.scores["sdq"], column="sdq_total")
    total = results.changes[(results.changes["instrument"] == "sdq")
                            & (results.changes["scale"] == "total")].set_index("family_id")
    data = pd.DataFrame({"unit": wide.index, "before": wide["T0"].to_numpy(),
                         "after": wide["T1"].to_numpy()})
    for moment in ("t0", "t1"):
        flags = total[f"{moment}_elevated"].reindex(wide.index)
        data[f"elevated_{'before' if moment == 't0' else 'after'}"] = [
            None if pd.isna(v) else int(bool(v)) for v in flags]
    data.loc[data["after"].isna(), "elevated_after"] = None
    data.to_csv(HERE / "conventions_data.csv", index=False)


if __name__ == "__main__":
    main()
