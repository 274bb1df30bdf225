"""Regenerate the key-number fixtures of the disclosure tests (``tests/test_disclosure*.py``).

Each fixture is the unpublished ``reports/<cohort>/key_numbers.json`` of one small synthetic
cohort (:mod:`analysis.data.synthetic.shapes`) or of the bundled cohort (``bundled.json``), run
through the whole pipeline. They are the
*inputs* of the suppression and reconstruction tests (what the notebooks record), not results;
``tests/test_reconstruction.py`` re-runs a few shapes end to end (``-m slow``) so a fixture that
went stale against the notebooks is noticed.

Usage (from the project root, 2-10 minutes)::

    .venv/bin/python -m tests.disclosure_fixtures.make_key_numbers [SHAPE ...]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
PREFIX = "disclosure-fixture-"


def shapes():
    """The small shapes of issue 21's matrix (name in the fixture folder -> Shape).

    ``five-families`` has a therapist group of 1 and a survey of 3 parents.
    """
    from analysis.data.synthetic import shapes as catalogue

    named = catalogue.shape_named
    return {
        "one-family": named("shape-one-family"),
        "three-families": replace(named("shape-one-family"), families=3, seed=3),
        "five-families": replace(named("shape-one-family"), families=5, seed=7),
        "all-dropped-out": named("shape-all-dropped-out"),
        "no-coding": named("shape-no-coding"),
        "one-coder": named("shape-one-coder"),
        "all-elevated": named("shape-all-elevated"),
        "none-elevated": named("shape-none-elevated"),
        "mixed-groups": named("shape-gp-referral"),
        "t2": named("shape-t2"),
    }


PARTIAL: dict[str, tuple[str, ...]] = {}
"""Shapes whose whole run fails, and the notebooks run for them instead (none since
``analysis.questionnaires.outcomes.MIN_GROUP`` skips tests with too few values: three families
used to stop notebook 01 on the attrition test)."""


def run(name: str, shape, raw_root: Path) -> tuple[str, int, str]:
    from analysis import paths
    from analysis.data.synthetic import shapes as catalogue

    cohort = PREFIX + name
    if shape is None:  # the bundled cohort, under a name of its own
        shutil.copytree(paths.raw_dir(paths.DEFAULT_COHORT), paths.raw_dir(cohort, raw_root))
    else:
        catalogue.write_shape(replace(shape, name=cohort), raw_root)
    params = raw_root / "params.yaml"
    env = dict(os.environ, PYTHONPATH=str(paths.ROOT))
    only = [arg for notebook in PARTIAL.get(name, ()) for arg in ("--only", notebook)]
    done = subprocess.run([sys.executable, "-m", "analysis", "run", "--cohort", cohort,
                           "--raw-dir", str(raw_root), "--params", str(params), "--jobs", "1",
                           *only], capture_output=True, text=True, encoding="utf-8", env=env,
                          cwd=paths.ROOT)
    try:
        if done.returncode == 0:
            from analysis.report import keynumbers

            keynumbers.merge(cohort)
            numbers = json.loads((paths.reports_dir(cohort) / "key_numbers.json").read_text(
                encoding="utf-8"))
            (HERE / f"{name}.json").write_text(json.dumps(numbers, indent=1, ensure_ascii=False)
                                               + "\n", encoding="utf-8")
    finally:
        for folder in (paths.processed_dir(cohort), paths.figures_dir(cohort),
                       paths.reports_dir(cohort)):
            shutil.rmtree(folder, ignore_errors=True)
    return name, done.returncode, (done.stdout + done.stderr)[-2000:]


def main(argv: list[str]) -> int:
    chosen = {k: v for k, v in {"bundled": None, **shapes()}.items() if not argv or k in argv}
    with tempfile.TemporaryDirectory(prefix="disclosure-fixtures-") as tmp:
        raw_root = Path(tmp)
        (raw_root / "params.yaml").write_text("04_follow_up:\n  n_sim: 100\n", encoding="utf-8")
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda item: run(*item, raw_root), chosen.items()))
    failed = 0
    for name, code, log in results:
        print(f"{name}: exit {code}")
        if code:
            failed += 1
            print(log)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
