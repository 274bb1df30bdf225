"""analysis.pipeline.deps: which package code and data each real notebook uses.

No kernel starts: the notebooks' cache keys are computed from a copy of the package, before and
after an edit.
"""

from __future__ import annotations

import shutil

import pytest

from analysis import paths
from analysis.pipeline.deps import Package, environment, module_facts, notebook_source
from analysis.pipeline.spec import load_pipeline
from analysis.pipeline.state import FileHashes

SURVEY = "report/figures/survey.py"


@pytest.fixture
def package(tmp_path):
    """A copy of the analysis package (caches left out)."""
    target = tmp_path / "analysis"
    shutil.copytree(paths.PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _keys(folder):
    """Notebook name -> (module hashes, data hashes) for every notebook of pipeline.yaml."""
    pkg = Package(folder, FileHashes())
    found = {}
    for spec in load_pipeline(paths.PIPELINE_FILE).notebooks:
        usage = pkg.usage(notebook_source(paths.NOTEBOOKS / spec.file))
        found[spec.name] = (usage.modules, usage.data)
    return found


def test_editing_survey_figures_changes_only_the_notebooks_importing_them(package):
    before = _keys(package)
    users = {n for n, (modules, _) in before.items() if f"analysis/{SURVEY}" in modules}
    assert "02_qualitative" in users and users != set(before)
    survey = package / SURVEY
    survey.write_text(survey.read_text(encoding="utf-8") + "\n\nEXTRA_LINE_WIDTH = 3\n",
                      encoding="utf-8")
    after = _keys(package)
    changed = {n for n in before if before[n] != after[n]}
    assert changed == users
    for name in changed:
        assert [m for m in after[name][0] if after[name][0][m] != before[name][0][m]] == [
            f"analysis/{SURVEY}"]


def test_a_second_cohort_in_the_same_process_parses_no_module_again(package, monkeypatch):
    """A new cohort's state has no module facts; the process's own memo has them (the test
    matrices plan dozens of cohorts in one process). An edited module is parsed again."""
    from analysis.pipeline import deps

    first = _keys(package)
    parsed = []
    original = deps.module_facts

    def counting(source, name, **kwargs):
        if name != "__notebook__":
            parsed.append(name)
        return original(source, name, **kwargs)

    monkeypatch.setattr(deps, "module_facts", counting)
    assert _keys(package) == first and parsed == []
    survey = package / SURVEY
    survey.write_text(survey.read_text(encoding="utf-8") + "\nEXTRA = 1\n", encoding="utf-8")
    _keys(package)
    assert parsed == ["analysis.report.figures.survey"]


def test_a_docstring_or_comment_edit_changes_no_key(package):
    before = _keys(package)
    survey = package / SURVEY
    text = survey.read_text(encoding="utf-8")
    first = text.index('"""')
    edited = text[:first + 3] + "Reworded. " + text[first + 3:]
    edited = edited.replace("\ndef ", "\n# a new comment\ndef ", 1)
    survey.write_text(edited, encoding="utf-8")
    assert _keys(package) == before


def test_a_definition_file_changes_only_the_notebooks_whose_modules_read_it(package):
    before = _keys(package)
    tariffs = package / "definitions" / "tariffs.yaml"
    tariffs.write_text(tariffs.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    after = _keys(package)
    changed = {n for n in before if before[n] != after[n]}
    assert "03_trajectories" in changed and "01_questionnaires" not in changed


def test_imports_inside_functions_and_relative_imports_count():
    source = ('"""Doc."""\nimport numpy as np\n\n\ndef f():\n    from .sibling import g\n'
              '    from analysis.stats import inference\n    return g\n')
    facts = module_facts(source, "analysis.report.figures.survey")
    assert "analysis.report.figures.sibling" in facts.imports
    assert "analysis.stats.inference" in facts.imports and "analysis.stats" in facts.imports
    assert facts.third_party == ["numpy"]
    package_facts = module_facts("from . import style\n", "analysis.report.figures",
                                 is_package=True)
    assert "analysis.report.figures.style" in package_facts.imports


def test_a_module_reading_docstrings_is_hashed_with_them():
    a = module_facts('def f():\n    """One."""\n    return f.__doc__\n', "analysis.m")
    b = module_facts('def f():\n    """Two."""\n    return f.__doc__\n', "analysis.m")
    assert a.digest != b.digest


def test_environment_names_the_installed_versions():
    import numpy

    found = environment(["numpy", "json", "analysis"])
    assert found["numpy"] == numpy.__version__
    assert "json" not in found and "analysis" not in found and "python" in found
