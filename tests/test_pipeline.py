"""analysis.pipeline.runner: the notebook sequence as data, its DAG, incremental and parallel runs.

Fast tests check the definition, the DAG and the caching decisions without starting a kernel.
The slow tests (acceptance tests, in the default run) execute the tiny dummy project of
:mod:`pipeline_fixtures` once per module, then copy it per test and change one thing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pipeline_fixtures as fx
import pytest

from analysis import cli, paths
from analysis.errors import CompendiumError, ConfigError
from analysis.pipeline import runner as pipeline
from analysis.pipeline.spec import merge_parameters, resolve_only
from analysis.report.keynumbers import KeyNumberError

PLANNED = ["00_data", "01_questionnaires", "02_qualitative", "03_trajectories", "04_follow_up",
           "05_findings"]


# --------------------------------------------------------------------------- definition, DAG


def test_planned_sequence_and_its_dag():
    spec = pipeline.load_pipeline(paths.PIPELINE_FILE)
    assert spec.names == PLANNED
    up = {name: sorted(spec.upstream[name]) for name in spec.names}
    assert up["00_data"] == []
    assert up["01_questionnaires"] == up["02_qualitative"] == up["03_trajectories"] == ["00_data"]
    assert up["04_follow_up"] == ["01_questionnaires", "03_trajectories"]
    assert up["05_findings"] == PLANNED[:-1]
    assert [s.name for s in spec.notebooks if s.findings] == ["05_findings"]
    assert all(s.title["nl"] and s.title["en"] for s in spec.notebooks)


@pytest.mark.parametrize("a, b, expected", [
    ("{processed}/validated/*", "{processed}/validated/*", True),
    ("{processed}/key_numbers/*.json", "{processed}/key_numbers/00_data.json", True),
    ("{processed}/key_numbers/01_x.json", "{processed}/key_numbers/00_data.json", False),
    ("{processed}/questionnaires/*", "{processed}/qualitative/*", False),
    ("{raw}/**", "{raw}/coding/**", True),
    ("{figures}/**", "{figures}/trajectories_*", True),
    ("{figures}/questionnaires_*", "{figures}/qualitative_*", False),
    ("{raw}/**", "{processed}/validated/*", False),
])
def test_pattern_overlap_rule(a, b, expected):
    assert pipeline.patterns_overlap(a, b) is expected
    assert pipeline.patterns_overlap(b, a) is expected


def _write_yaml(tmp_path, text):
    path = tmp_path / "pipeline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_cycle_is_refused(tmp_path):
    path = _write_yaml(tmp_path, """notebooks:
  - {file: a.ipynb, reads: ["{processed}/b/*"], writes: ["{processed}/a/*"]}
  - {file: b.ipynb, reads: ["{processed}/a/*"], writes: ["{processed}/b/*"]}
""")
    with pytest.raises(ConfigError, match="a, b form a cycle"):
        pipeline.load_pipeline(path)


@pytest.mark.parametrize("entry, message", [
    ('{file: a.ipynb, reads: ["data/raw/*"]}', "must start with one of"),
    ('{file: a.ipynb, reads: ["{raw}/../x"]}', "must not use '..'"),
    ('{file: a.ipynb, reads: "{raw}/**"}', "expected a list of glob patterns"),
    ('{file: a.ipynb, colour: red}', "unknown field"),
    ('{file: a.py}', "must be a notebook name"),
    ('{file: a.ipynb, parameters: {cohort: x}}', "must not declare"),
    ('{file: a.ipynb, findings: yes-please}', "findings must be true or false"),
])
def test_malformed_definitions_are_named(tmp_path, entry, message):
    path = _write_yaml(tmp_path, f"notebooks:\n  - {entry}\n")
    with pytest.raises(ConfigError, match=message):
        pipeline.load_pipeline(path)


def test_missing_notebooks_are_refused_clearly_but_do_not_break_loading(tmp_path):
    (tmp_path / "notebooks").mkdir()
    shutil.copy(paths.PIPELINE_FILE, tmp_path / "notebooks" / "pipeline.yaml")
    (tmp_path / "data" / "raw" / "c").mkdir(parents=True)
    for name in PLANNED:
        if name != "02_qualitative":
            nbformat.write(fx.notebook("03_c"), tmp_path / "notebooks" / f"{name}.ipynb")
    with pytest.raises(ConfigError, match=r"^notebook 02_qualitative\.ipynb listed in "
                                          r"notebooks/pipeline\.yaml does not exist"):
        pipeline.run("c", notebooks_dir=tmp_path / "notebooks", root=tmp_path, out=print)
    plan = pipeline.plan("c", only="04", notebooks_dir=tmp_path / "notebooks", root=tmp_path)
    assert list(plan) == ["00_data", "01_questionnaires", "03_trajectories", "04_follow_up"]


def test_a_broken_notebook_file_is_named(tmp_path):
    root = fx.build_project(tmp_path / "p")
    (root / "notebooks" / "02_b.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="notebook 02_b.ipynb is not a valid .ipynb file"):
        pipeline.plan(fx.COHORT, notebooks_dir=root / "notebooks", root=root)


@pytest.fixture
def dummy_spec(tmp_path):
    """The dummy project's definition, loaded."""
    return pipeline.load_pipeline(_write_yaml(tmp_path, fx.PIPELINE_YAML))


@pytest.mark.parametrize("value, name", [
    ("3", "03_c"), ("03", "03_c"), ("03_c", "03_c"), ("03_c.ipynb", "03_c"),
    ("04_fin", "04_findings"),
])
def test_only_accepts_names_and_numbers(dummy_spec, value, name):
    assert resolve_only(dummy_spec, [value]) == [name]


@pytest.mark.parametrize("value, message", [("9", "matches no notebook"),
                                            ("1", "is ambiguous \\(01_a, 01_b\\)")])
def test_only_refuses_unknown_and_ambiguous(tmp_path, value, message):
    spec = pipeline.load_pipeline(_write_yaml(tmp_path, "notebooks:\n  - {file: 01_a.ipynb}\n"
                                                         "  - {file: 01_b.ipynb}\n"))
    with pytest.raises(ConfigError, match=message):
        resolve_only(spec, [value])


def test_parameters_merge_global_then_per_notebook(dummy_spec):
    merged = merge_parameters(dummy_spec, {"delay": 0.5, "01_a": {"delay": 0.1, "factor": 3}},
                              "p.yaml")
    assert merged["01_a"] == {"factor": 3, "delay": 0.1}
    assert merged["02_b"] == {"delay": 0.5}
    assert merged["03_c"] == {"offset": 0}
    assert merged["00_load"] == {}


@pytest.mark.parametrize("overrides, message", [
    ({"alhpa": 1}, "'alhpa' is not a declared analysis parameter; known parameters: delay, "
                   "factor, offset"),
    ({"cohort": "x"}, "'cohort' is not a declared"),
    ({"03_c": {"factor": 2}}, "'03_c.factor' is not a declared"),
    ({"03_c": 5}, "section 03_c must be a mapping"),
    ([1, 2], "must hold a mapping"),
])
def test_unknown_parameters_are_refused(dummy_spec, overrides, message):
    with pytest.raises(ConfigError, match=message):
        merge_parameters(dummy_spec, overrides, "p.yaml")


def test_unknown_cohort_and_missing_params_file_are_user_errors(tmp_path, capsys):
    root = fx.build_project(tmp_path / "p")
    with pytest.raises(CompendiumError, match="cohort 'nope' not found: data/raw/nope does not "
                                              "exist \\(cohorts there: helmond-2023\\)"):
        pipeline.run("nope", notebooks_dir=root / "notebooks", root=root)
    with pytest.raises(CompendiumError, match="parameters file .*missing.yaml does not exist"):
        pipeline.run(fx.COHORT, params_file=tmp_path / "missing.yaml",
                     notebooks_dir=root / "notebooks", root=root)
    assert cli.main(["run", "--cohort", "no-such-cohort-xyz"]) == cli.EXIT_USAGE
    assert "no-such-cohort-xyz" in capsys.readouterr().err


def test_jobs_and_update_notebooks_are_checked(tmp_path):
    root = fx.build_project(tmp_path / "p")
    (root / "data" / "raw" / "other").mkdir()
    with pytest.raises(ConfigError, match="--jobs must be a whole number"):
        pipeline.run(fx.COHORT, jobs=0, notebooks_dir=root / "notebooks", root=root)
    with pytest.raises(ConfigError, match="only for the bundled cohort"):
        pipeline.run("other", update_notebooks=True, notebooks_dir=root / "notebooks", root=root)
    assert not (root / "reports").exists()


# --------------------------------------------------------------------------- executed project


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The dummy project after one full run (jobs=2): (root, exit code, printed lines)."""
    root = fx.build_project(tmp_path_factory.mktemp("template") / "project")
    code, lines = fx.run_quiet(root, jobs=2)
    return root, code, lines


@pytest.fixture
def project(template, tmp_path):
    """A copy of the executed template, up to date, in its own folder."""
    return fx.copy_project(template[0], tmp_path / "project")


@pytest.mark.slow
def test_full_run_in_dag_order_with_outputs(template):
    root, code, lines = template
    assert code == 0, "\n".join(lines)
    ran = fx.executed(lines)
    assert sorted(ran) == sorted(fx.NAMES)
    assert ran.index("00_load") < min(ran.index("01_a"), ran.index("02_b"))
    assert ran.index("01_a") < ran.index("03_c")
    assert any(ln.startswith("[00_load] done in ") and ln.endswith(" s") for ln in lines)
    assert any("cell 4/4: print(\"reading\"" in ln for ln in lines)
    reports = root / "reports" / fx.COHORT
    for name in fx.NAMES:
        assert (reports / f"{name}.ipynb").is_file() and (reports / f"{name}.html").is_file()
    assert f"findings: reports/{fx.COHORT}/findings.html" in lines
    assert lines[-1] == f"site: reports/{fx.COHORT}/index.html"
    numbers = json.loads((reports / "key_numbers.json").read_text(encoding="utf-8"))
    assert numbers == {"a_total": 12, "b_mean": 0.6666666667, "b_notes": 1, "n_rows": 3}


@pytest.mark.slow
def test_findings_document_hides_input(template):
    reports = template[0] / "reports" / fx.COHORT
    findings = (reports / "findings.html").read_text(encoding="utf-8")
    with_code = (reports / "04_findings.html").read_text(encoding="utf-8")
    assert "keynumbers" in with_code and "keynumbers" not in findings
    assert "a_total" in findings


@pytest.mark.slow
def test_independent_notebooks_run_in_parallel(template):
    windows = fx.windows(template[0])
    (a_start, a_end), (b_start, b_end) = windows["01_a"], windows["02_b"]
    assert a_start < b_end and b_start < a_end, windows


@pytest.mark.slow
def test_no_absolute_path_in_any_output(template):
    root = template[0]
    machine = {str(root), str(root.resolve()), str(Path.home()) + "/", sys.prefix + "/"}
    for path in (root / "reports").rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert not [m for m in machine if m in text], path.name
    executed = nbformat.read(root / "reports" / fx.COHORT / "00_load.ipynb", as_version=4)
    assert executed.metadata.papermill.input_path == "notebooks/00_load.ipynb"
    assert "start_time" not in executed.metadata.papermill
    assert all("start_time" not in c.metadata.get("papermill", {}) for c in executed.cells)
    assert "reading data/raw/helmond-2023/scores.csv" in executed.cells[-1].outputs[0].text


@pytest.mark.slow
def test_second_run_executes_nothing_and_stays_light(project):
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == []
    assert [ln for ln in lines if ln.endswith("] cached")] == [f"[{n}] cached" for n in fx.NAMES]
    script = (
        "import sys, time; t = time.perf_counter()\n"
        "from analysis.pipeline import runner as pipeline\n"
        f"code = pipeline.run({fx.COHORT!r}, notebooks_dir={str(project / 'notebooks')!r}, "
        f"root={str(project)!r}, out=lambda line: None)\n"
        "heavy = [m for m in ('papermill', 'nbformat', 'nbconvert', 'pandas', 'matplotlib')"
        " if m in sys.modules]\n"
        "print(code, round(time.perf_counter() - t, 3), heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            encoding="utf-8", errors="replace",
                            check=True)
    code, seconds, heavy = result.stdout.split(" ", 2)
    assert code == "0" and heavy.strip() == "[]", result.stdout
    print(f"no-op run: {seconds} s")


@pytest.mark.slow
def test_touch_without_change_reruns_nothing(project):
    fx.touch_later(project / "data" / "raw" / fx.COHORT / "scores.csv")
    fx.touch_later(project / "notebooks" / "01_a.ipynb")
    assert not any(pipeline.plan(fx.COHORT, notebooks_dir=project / "notebooks",
                                 root=project).values())


@pytest.mark.slow
def test_changed_input_reruns_its_readers_and_downstream_only(project):
    (project / "data" / "raw" / fx.COHORT / "extra" / "note2.txt").write_text("second note\n",
                                                                              encoding="utf-8")
    plan = pipeline.plan(fx.COHORT, notebooks_dir=project / "notebooks", root=project)
    assert plan["02_b"] == ["inputs new: {raw}/extra/note2.txt"]
    assert plan["04_findings"] == ["after 02_b"]
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == ["02_b", "04_findings"]
    numbers = json.loads((project / "reports" / fx.COHORT / "key_numbers.json")
                         .read_text(encoding="utf-8"))
    assert numbers["b_notes"] == 2


@pytest.mark.slow
def test_changed_parameter_reruns_that_notebook(project, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("03_c:\n  offset: 5\n", encoding="utf-8")
    code, lines = fx.run_quiet(project, params_file=params)
    assert code == 0 and fx.executed(lines) == ["03_c"]
    assert "[03_c] running... (parameter changed: offset 0 -> 5)" in lines
    summary = project / "data" / "processed" / fx.COHORT / "c" / "summary.txt"
    assert summary.read_text(encoding="utf-8") == "17"
    executed = nbformat.read(project / "reports" / fx.COHORT / "03_c.ipynb", as_version=4)
    assert "offset = 5" in executed.cells[2].source


def _fake_package(root):
    """A small ``analysis`` package in the dummy project: what its notebooks import, as far as
    the runner sees (the kernels import the real one)."""
    package = root / "analysis"
    (package / "report").mkdir(parents=True)
    (package / "pipeline").mkdir()
    (package / "definitions").mkdir()
    for init in ("", "report/", "pipeline/"):
        (package / f"{init}__init__.py").write_text('"""Package."""\n', encoding="utf-8")
    (package / "paths.py").write_text('DEFINITIONS = "definitions"\n', encoding="utf-8")
    (package / "report" / "keynumbers.py").write_text(
        '"""Key numbers."""\nfrom analysis import paths\n\n\ndef load():\n'
        '    """Load."""\n    return 1  # one\n', encoding="utf-8")
    (package / "pipeline" / "state.py").write_text(
        'import json\n\n\ndef figures_of_run():\n    from ..report import keynumbers\n'
        '    return open("limits.yaml", encoding="utf-8")\n', encoding="utf-8")
    (package / "definitions" / "limits.yaml").write_text("limit: 1\n", encoding="utf-8")
    (package / "definitions" / "unused.yaml").write_text("x: 1\n", encoding="utf-8")


@pytest.fixture
def with_package(template, tmp_path, monkeypatch):
    """The executed dummy project with a fake package recorded in its state.

    Its kernels leave their working folder off ``sys.path`` (``PYTHONSAFEPATH``), so they
    import the installed, real package and not the fake one beside the notebooks."""
    monkeypatch.setitem(pipeline.KERNEL_ENVIRONMENT, "PYTHONSAFEPATH", "1")
    root = fx.copy_project(template[0], tmp_path / "project")
    _fake_package(root)
    code, lines = fx.run_quiet(root)
    assert code == 0
    return root


def _stale(root):
    return {n: r for n, r in pipeline.plan(fx.COHORT, notebooks_dir=root / "notebooks",
                                           root=root).items() if r}


@pytest.mark.slow
def test_a_module_edit_reruns_only_the_notebooks_that_import_it(with_package):
    state = with_package / "analysis" / "pipeline" / "state.py"
    state.write_text(state.read_text(encoding="utf-8").replace("open(", "print("), encoding="utf-8")
    assert _stale(with_package) == {
        "04_findings": ["package module changed: analysis/pipeline/state.py"]}
    keynumbers = with_package / "analysis" / "report" / "keynumbers.py"
    keynumbers.write_text(keynumbers.read_text(encoding="utf-8").replace("return 1", "return 2"),
                          encoding="utf-8")
    assert set(_stale(with_package)) == set(fx.NAMES)  # every notebook imports keynumbers


@pytest.mark.slow
def test_docstring_comment_and_layout_edits_rerun_nothing(with_package):
    keynumbers = with_package / "analysis" / "report" / "keynumbers.py"
    text = keynumbers.read_text(encoding="utf-8")
    keynumbers.write_text(text.replace('"""Key numbers."""', '"""Key numbers, reworded."""')
                          .replace('"""Load."""', '"""Load them.\n\n    >>> 1\n    1\n    """')
                          .replace("# one", "# the first").replace("\n\n\ndef", "\n\ndef"),
                          encoding="utf-8")
    assert keynumbers.read_text(encoding="utf-8") != text
    assert _stale(with_package) == {}


@pytest.mark.slow
def test_package_data_counts_only_where_a_used_module_names_it(with_package):
    (with_package / "analysis" / "definitions" / "unused.yaml").write_text("x: 2\n",
                                                                           encoding="utf-8")
    assert _stale(with_package) == {}
    (with_package / "analysis" / "definitions" / "limits.yaml").write_text("limit: 2\n",
                                                                           encoding="utf-8")
    assert _stale(with_package) == {
        "04_findings": ["package data changed: analysis/definitions/limits.yaml"]}


@pytest.mark.slow
def test_an_upgraded_library_reruns_the_notebooks_importing_it(with_package):
    import socket

    path = with_package / "reports" / fx.COHORT / ".pipeline-state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    for name in ("03_c", "04_findings"):
        state["notebooks"][name]["environment"]["python"] = "3.0.0"
    path.write_text(json.dumps(state), encoding="utf-8")
    plan = _stale(with_package)
    assert sorted(plan) == ["03_c", "04_findings"]
    assert plan["03_c"][0].startswith("environment changed: python 3.0.0 -> 3.")
    assert socket  # the environment holds versions of what the code imports, not of socket


@pytest.mark.slow
def test_a_failing_notebook_stops_the_run_and_keeps_earlier_outputs(project):
    before = fx.snapshot(project, "data", "reports")
    fx.add_cell(project, "03_c", "x = 1\nraise ValueError('deliberate failure in 03_c')")
    code, lines = fx.run_quiet(project)
    assert code == 1
    text = "\n".join(lines)
    assert "[03_c] FAILED after" in text
    assert "[03_c]   cell 5 of notebooks/03_c.ipynb: x = 1" in text
    assert "[03_c]   ValueError: deliberate failure in 03_c" in text
    failed = project / "reports" / fx.COHORT / "03_c.failed.ipynb"
    assert f"partially executed notebook: reports/{fx.COHORT}/03_c.failed.ipynb" in text
    assert "deliberate failure" in failed.read_text(encoding="utf-8")
    after = fx.snapshot(project, "data", "reports")
    state = f"reports/{fx.COHORT}/.pipeline-state.json"
    assert {k: v for k, v in after.items()
            if k != state and "failed" not in k and not k.endswith(".kernel.log")} == {
        k: v for k, v in before.items() if k != state}
    recorded = json.loads(after[state])["notebooks"]
    assert "03_c" not in recorded and "01_a" in recorded
    assert pipeline.plan(fx.COHORT, notebooks_dir=project / "notebooks",
                         root=project)["03_c"] == ["never run"]


@pytest.mark.slow
def test_only_runs_the_target_and_its_stale_upstream(project):
    fx.add_cell(project, "01_a", "print('changed')")
    (project / "data" / "raw" / fx.COHORT / "extra" / "note2.txt").write_text("02_b is stale\n",
                                                                              encoding="utf-8")
    code, lines = fx.run_quiet(project, only=["3"])
    assert code == 0 and fx.executed(lines) == ["01_a", "03_c"]
    assert lines[0].startswith("pipeline helmond-2023: 3 notebooks, 2 to run")


@pytest.mark.slow
def test_raw_folder_outside_the_project_never_shows_its_path(project, tmp_path):
    outside = tmp_path / "elsewhere" / "exports"
    shutil.copytree(project / "data" / "raw", outside)
    code, lines = fx.run_quiet(project, raw_root=outside, only="00")
    assert code == 0 and fx.executed(lines) == ["00_load"]
    text = (project / "reports" / fx.COHORT / "00_load.ipynb").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and str(outside) not in text
    assert "raw_root = \\\".../elsewhere/exports\\\"" in text


@pytest.mark.slow
def test_update_notebooks_copies_outputs_back_without_papermill_traces(project):
    code, lines = fx.run_quiet(project, update_notebooks=True)
    assert code == 0 and fx.executed(lines) == []
    assert f"[00_load] updated notebooks/00_load.ipynb" in lines
    text = (project / "notebooks" / "00_load.ipynb").read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    assert "papermill" not in text and "injected-parameters" not in text
    assert str(project) not in text
    assert [c.source for c in nb.cells] == [c.source for c in fx.notebook("00_load").cells]
    assert "reading data/raw/helmond-2023/scores.csv" in nb.cells[-1].outputs[0].text
    assert not any(pipeline.plan(fx.COHORT, notebooks_dir=project / "notebooks",
                                 root=project).values())


@pytest.mark.slow
def test_conflicting_key_numbers_stop_the_merge(project):
    fragments = project / "data" / "processed" / fx.COHORT / "key_numbers"
    (fragments / "zz_other.json").write_text('{"n_rows": 4}\n', encoding="utf-8")
    with pytest.raises(KeyNumberError, match="'n_rows'.*'00_load'.*'zz_other'"):
        fx.run_quiet(project)


# --------------------------------------------------------------------------- outputs of the run


def _figures_on_disk(root):
    return sorted(p.stem for p in (root / "figures" / fx.COHORT).glob("*.png"))


@pytest.mark.slow
def test_outputs_of_an_earlier_run_are_gone_when_the_input_is(project):
    from analysis.pipeline.state import figures_of_run

    raw = project / "data" / "raw" / fx.COHORT
    assert _figures_on_disk(project) == ["b_note1"]
    (raw / "extra" / "note1.txt").unlink()
    (raw / "extra" / "note2.txt").write_text("second note\n", encoding="utf-8")
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == ["02_b", "04_findings"], lines
    assert _figures_on_disk(project) == ["b_note2"]
    assert figures_of_run(fx.COHORT, root=project) == {"b_note2": "02_b"}
    findings = (project / "reports" / fx.COHORT / "findings.html").read_text(encoding="utf-8")
    assert "figures of this run: [&#x27;b_note2&#x27;]" in findings or \
        "figures of this run: ['b_note2']" in findings
    assert "b_note1" not in findings
    assert not (project / "reports" / fx.COHORT / ".aside").exists()
    state = json.loads((project / "reports" / fx.COHORT / ".pipeline-state.json")
                       .read_text(encoding="utf-8"))
    assert sorted(state["notebooks"]["02_b"]["outputs"]) == [
        "{figures}/b_note2.png", "{processed}/b/notes.txt", "{processed}/key_numbers/02_b.json"]


@pytest.mark.slow
def test_a_failed_notebook_gets_its_earlier_outputs_back(project):
    def outputs():  # the timing log of 02_b is not an output of it
        return {k: v for k, v in fx.snapshot(project, "data", "figures").items() if "_log" not in k}

    before = outputs()
    fx.add_cell(project, "02_b", "(Path('figures') / cohort / 'b_partial.png').write_bytes(b'x')\n"
                                 "raise RuntimeError('deliberate')")
    code, lines = fx.run_quiet(project)
    assert code == 1 and "[02_b]   RuntimeError: deliberate" in lines
    assert outputs() == before
    assert not (project / "reports" / fx.COHORT / ".aside").exists()


def test_leftovers_of_a_killed_run_are_recovered(tmp_path):
    from analysis.pipeline.outputs import ASIDE, COMPLETE, recover, set_aside

    places = {"{raw}": tmp_path / "raw", "{processed}": tmp_path / "p", "{figures}": tmp_path / "f"}
    reports = tmp_path / "r"
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "b_old.png").write_bytes(b"old")
    (tmp_path / "f" / "a_other.png").write_bytes(b"not ours")
    aside = set_aside("02_b", ["{figures}/b_*"], places, reports)
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["a_other.png"]
    assert (aside.folder / COMPLETE).is_file()
    (tmp_path / "f" / "b_half.png").write_bytes(b"half-written")  # then the run is killed
    (reports / ".02_b.running.ipynb").write_text("{}", encoding="utf-8")
    assert recover(reports, {"02_b": ("{figures}/b_*",)}, places) == ["02_b"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "f").iterdir()} == {
        "b_old.png": b"old", "a_other.png": b"not ours"}
    assert not (reports / ASIDE).exists() and not (reports / ".02_b.running.ipynb").exists()


def test_a_kill_while_setting_aside_keeps_what_was_not_moved_yet(tmp_path):
    from analysis.pipeline.outputs import COMPLETE, recover, set_aside

    places = {"{figures}": tmp_path / "f"}
    (tmp_path / "f").mkdir()
    for name in ("b_1.png", "b_2.png"):
        (tmp_path / "f" / name).write_bytes(name.encode())
    aside = set_aside("02_b", ["{figures}/b_*"], places, tmp_path / "r")
    (aside.folder / COMPLETE).unlink()  # as if killed after moving b_1 only:
    os.replace(aside.folder / "figures" / "b_2.png", tmp_path / "f" / "b_2.png")
    recover(tmp_path / "r", {"02_b": ("{figures}/b_*",)}, places)
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["b_1.png", "b_2.png"]


def test_writes_into_the_raw_data_are_refused(tmp_path):
    path = _write_yaml(tmp_path, 'notebooks:\n  - {file: a.ipynb, writes: ["{raw}/x.csv"]}\n')
    with pytest.raises(ConfigError, match="writes into the raw data"):
        pipeline.load_pipeline(path)


@pytest.mark.slow
def test_a_kernel_started_ahead_leaves_no_trace_in_the_notebook(project):
    fx.add_cell(project, "03_c", "import sys\n"
                                 "print(sorted(k for k in globals() if 'warm' in k), "
                                 "get_ipython().execution_count, 'PIL' in sys.modules)")
    fx.add_cell(project, "02_b", "print('02_b changed')")  # 03_c's kernel starts while 02_b runs
    code, lines = fx.run_quiet(project, jobs=1)
    assert code == 0 and fx.executed(lines)[:2] == ["02_b", "03_c"], lines
    nb = nbformat.read(project / "reports" / fx.COHORT / "03_c.ipynb", as_version=4)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    # warmed with what 03_c imports (nothing of PIL): no name, no count, no extra module;
    # the same as in a kernel papermill starts itself
    import papermill

    cold = papermill.execute_notebook(
        str(project / "notebooks" / "03_c.ipynb"), None, cwd=str(project), progress_bar=False,
        parameters={"cohort": fx.COHORT, "raw_root": None})
    assert nb.cells[-1].outputs[0].text == cold.cells[-1].outputs[0].text
    assert nb.cells[-1].outputs[0].text.startswith("[] ")
    assert nb.cells[-1].outputs[0].text.endswith(" False\n")


@pytest.mark.slow
def test_state_names_an_outside_raw_folder_without_its_path(project, tmp_path):
    outside = tmp_path / "elsewhere" / "exports"
    shutil.copytree(project / "data" / "raw", outside)
    code, _ = fx.run_quiet(project, raw_root=outside, only="00")
    assert code == 0
    text = (project / "reports" / fx.COHORT / ".pipeline-state.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and '".../elsewhere/exports"' in text


def test_a_kernel_that_dies_at_start_is_started_once_more(tmp_path, monkeypatch):
    """A kernel that ends before replying to kernel_info ran nothing: the notebook is started
    once more (a second death fails the notebook as before); other errors are not retried."""
    import papermill

    from analysis.pipeline import execute as ex
    from analysis.pipeline.sanitize import Scrubber

    calls, said = [], []

    def dies(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", dies)
    job = ex.Job(name="nb", source=tmp_path / "nb.ipynb", parameters={}, reports=tmp_path,
                 root=tmp_path, scrub=Scrubber(tmp_path), findings=False, title="t",
                 say=said.append, env={}, metadata={})
    outcome = ex.execute(job)
    assert not outcome.ok and len(calls) == 2 and len(said) == 1
    assert "died while starting" in said[0]

    def fails(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("division by zero")

    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", fails)
    assert not ex.execute(job).ok and len(calls) == 1

    # a warm kernel (started ahead) that died while it waited: the second attempt gets a
    # kernel of its own (no km), seen at load 5-8 in the publication matrix of make test
    managers = []

    def warm_dies(*args, **kwargs):
        managers.append(kwargs.get("km"))
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", warm_dies)
    warm = object()
    with open(tmp_path / "warm.log", "wb") as given:
        assert not ex.execute(job, kernel=(warm, given)).ok
    assert managers == [warm, None]


@pytest.mark.slow
def test_the_running_notebook_is_written_once_at_its_start_and_once_at_its_end(project,
                                                                             monkeypatch):
    """papermill writes the whole notebook, figures included, when each cell starts and ends;
    the runner's engine writes it when the notebook starts and when it ends (also after a
    failure, see test_faults), whatever the number of cells."""
    import papermill.engines
    import papermill.execute

    writes = []
    for module in (papermill.engines, papermill.execute):
        original = module.write_ipynb

        def counting(nb, path, *args, _original=original, **kwargs):
            writes.append(str(path))
            return _original(nb, path, *args, **kwargs)

        monkeypatch.setattr(module, "write_ipynb", counting)
    fx.add_cell(project, "03_c", "\n".join(f"x{i} = {i}" for i in range(3)))
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == ["03_c"], "\n".join(lines)
    running = [w for w in writes if w.endswith(".03_c.running.ipynb")]
    assert len(running) == 3, writes  # start, end (papermill's engine), and papermill's last
