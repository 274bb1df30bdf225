"""Outputs belong to the run: on a real (synthetic) cohort, an input removed between two runs
takes its figures and tables with it, from disk and from the findings document.

One synthetic cohort (``synth``, in a temporary raw folder) runs through the whole pipeline;
then the parent survey is removed and the pipeline runs again. Nothing here names a figure or table
of the survey: what vanished is found by comparing the two runs.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from analysis import cli, paths
from analysis.pipeline import runner as pipeline
from analysis.pipeline.state import figures_of_run, outputs_of_run

pytestmark = pytest.mark.slow

COHORT = "outputs-of-run-test"
REMOVED = ("parent_survey.csv", "parent_survey_items.csv")
"""The input removed between the two runs (an optional part of the data contract)."""


def _outputs():
    return [paths.processed_dir(COHORT), paths.figures_dir(COHORT), paths.reports_dir(COHORT)]


def _files(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("raw")
    for folder in _outputs():
        shutil.rmtree(folder, ignore_errors=True)
    assert cli.main(["synth", "--cohort", COHORT, "--families", "22", "--seed", "5",
                     "--raw-dir", str(raw_root)]) == 0
    lines: list[str] = []
    first = pipeline.run(COHORT, raw_root=raw_root, out=lines.append)
    before = {
        "figures": figures_of_run(COHORT),
        "png": {p.stem: p.read_bytes() for p in paths.figures_dir(COHORT).glob("*.png")},
        "processed": _files(paths.processed_dir(COHORT)),
    }
    for name in REMOVED:
        (raw_root / COHORT / name).unlink()
    second = pipeline.run(COHORT, raw_root=raw_root, out=lines.append)
    yield {"codes": (first, second), "lines": lines, "before": before}
    for folder in _outputs():
        shutil.rmtree(folder, ignore_errors=True)


def test_both_runs_succeed(two_runs):
    assert two_runs["codes"] == (0, 0), "\n".join(two_runs["lines"][-30:])


def test_figures_of_the_removed_input_are_gone_from_disk_and_document(two_runs):
    before = two_runs["before"]
    now = figures_of_run(COHORT)
    gone = sorted(set(before["figures"]) - set(now))
    assert gone, "removing the survey should remove at least one figure"
    on_disk = {p.stem for p in paths.figures_dir(COHORT).glob("*.png")}
    assert on_disk == set(now), "every figure on disk was made by this run, and only those"
    findings = paths.findings_path(COHORT).read_text(encoding="utf-8")
    for name in gone:
        assert not (paths.figures_dir(COHORT) / f"{name}.svg").exists()
        assert base64.b64encode(before["png"][name]).decode("ascii")[:200] not in findings, name


def test_tables_of_the_removed_input_are_gone(two_runs):
    processed = paths.processed_dir(COHORT)
    recorded = {k.removeprefix("{processed}/") for k in outputs_of_run(COHORT)
                if k.startswith("{processed}/")}
    now = _files(processed)
    assert now == recorded, sorted(now ^ recorded)
    assert two_runs["before"]["processed"] - now, "some table should have gone with the survey"


def test_nothing_is_left_aside(two_runs):
    assert not (paths.reports_dir(COHORT) / ".aside").exists()
    state = json.loads((paths.reports_dir(COHORT) / ".pipeline-state.json")
                       .read_text(encoding="utf-8"))
    assert all("outputs" in record for record in state["notebooks"].values())
