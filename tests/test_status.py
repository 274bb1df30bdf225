"""``python -m analysis status`` and ``run --dry-run``: per notebook, cached or stale and why.

One test per reason: an input file, a parameter (old and new value), a package module, the
environment, an upstream notebook, a missing output. The dummy project of
:mod:`pipeline_fixtures` runs once per module (with a small fake ``analysis`` folder, so that
a module can be edited); each test changes one thing in a copy and reads the status.
"""

from __future__ import annotations

import json

import pipeline_fixtures as fx
import pytest

from analysis.pipeline import runner as pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = fx.build_project(tmp_path_factory.mktemp("status") / "project")
    (root / "analysis" / "report").mkdir(parents=True)
    for init in ("", "report/"):
        (root / "analysis" / f"{init}__init__.py").write_text("", encoding="utf-8")
    (root / "analysis" / "report" / "keynumbers.py").write_text("def load():\n    return 1\n",
                                                                encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:  # kernels import the installed package, not
        patch.setitem(pipeline.KERNEL_ENVIRONMENT, "PYTHONSAFEPATH", "1")  # the fake one here
        code, lines = fx.run_quiet(root)
    assert code == 0, lines
    return root


@pytest.fixture
def project(template, tmp_path):
    return fx.copy_project(template, tmp_path / "project")


def _status(root, **kwargs):
    lines = pipeline.status(fx.COHORT, notebooks_dir=root / "notebooks", root=root, **kwargs)
    rows = {ln.split()[0]: ln.split(None, 1)[1] for ln in lines[1:] if ln.startswith("  ")}
    return lines, rows


def test_everything_cached(project):
    lines, rows = _status(project)
    assert lines[0] == "status of helmond-2023: 0 of 5 notebooks stale"
    assert set(rows.values()) == {"cached"}


def test_an_input_file_is_named(project):
    (project / "data" / "raw" / fx.COHORT / "scores.csv").write_text("score\n1\n2\n4\n",
                                                                     encoding="utf-8")
    lines, rows = _status(project)
    assert rows["00_load"] == "stale: input changed: {raw}/scores.csv"
    assert lines[0] == "status of helmond-2023: 1 of 5 notebooks stale, 4 downstream may re-run"
    assert rows["01_a"].startswith("stale: upstream notebook 00_load will run first")


def test_a_parameter_is_named_with_old_and_new_value(project, tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("01_a: {factor: 3}\n", encoding="utf-8")
    lines, rows = _status(project, params_file=params)
    assert lines[0] == ("status of helmond-2023: 1 of 5 notebooks stale, 2 downstream may "
                        "re-run, 2 cached")
    assert rows["01_a"] == "stale: parameter changed: factor 2 -> 3"
    assert rows["03_c"] == ("stale: upstream notebook 01_a will run first (this one re-runs "
                            "only if what it reads changes)")


def test_a_package_module_is_named(project):
    (project / "analysis" / "report" / "keynumbers.py").write_text("def load():\n    return 2\n",
                                                                   encoding="utf-8")
    _, rows = _status(project)
    assert rows["00_load"] == "stale: package module changed: analysis/report/keynumbers.py"


def test_the_environment_is_named(project):
    path = project / "reports" / fx.COHORT / ".pipeline-state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    state["notebooks"]["02_b"]["environment"]["pillow"] = "1.0"
    path.write_text(json.dumps(state), encoding="utf-8")
    _, rows = _status(project)
    assert rows["02_b"].startswith("stale: environment changed: pillow 1.0 -> ")


def test_a_missing_output_is_named(project):
    (project / "data" / "processed" / fx.COHORT / "c" / "summary.txt").unlink()
    _, rows = _status(project)
    assert rows["03_c"] == "stale: output missing: {processed}/c/*"


def test_dry_run_prints_the_same_plan_and_runs_nothing(project):
    (project / "data" / "raw" / fx.COHORT / "extra" / "note2.txt").write_text("new\n",
                                                                              encoding="utf-8")
    before = fx.snapshot(project, "data/processed", "reports", "figures")
    code, lines = fx.run_quiet(project, dry_run=True)
    assert code == 0 and fx.executed(lines) == []
    assert lines == _status(project)[0]
    assert fx.snapshot(project, "data/processed", "reports", "figures") == before
