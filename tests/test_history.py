"""analysis.report.history: every successful run keeps its key numbers; diff lists what changed.

The fast tests write key-number fragments into a temporary project (a git repository) and
record runs directly; the slow test runs the dummy pipeline of :mod:`pipeline_fixtures` twice,
the second time with one parameter changed, and reads the diff on the command line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pipeline_fixtures as fx
import pytest

from analysis import cli, paths
from analysis.errors import CompendiumError
from analysis.report import history, keynumbers

COHORT = "demo"


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          encoding="utf-8", check=True)
    return done.stdout.strip()


def init_repo(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "config", "user.email", "test@example.org")
    git(root, "config", "user.name", "Test")
    (root / ".gitignore").write_text("data/processed/\nfigures/\nreports/\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "data" / "raw" / COHORT).mkdir(parents=True)
    (root / "data" / "raw" / COHORT / "scores.csv").write_text("score\n1\n", encoding="utf-8")
    init_repo(root)
    return root


def write(root: Path, stage: str, numbers: dict) -> None:
    keynumbers.write_fragment(numbers, cohort=COHORT, stage=stage, root=root)


def test_a_run_is_recorded_with_commit_dirty_flag_and_parameters(project):
    write(project, "01_a", {"total": 12, "mean": 0.5})
    path = history.record_run(COHORT, {"01_a": {"factor": 2}}, root=project)
    assert path == project / "reports" / COHORT / "history" / "0001.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["run"] == 1 and record["cohort"] == COHORT
    assert record["commit"] == git(project, "rev-parse", "HEAD")
    assert record["dirty"] is False
    assert record["parameters"] == {"01_a": {"factor": 2}}
    assert record["key_numbers"] == {"01_a": {"mean": 0.5, "total": 12}}
    assert len(record["inputs_hash"]) == 64 and record["lock_hash"] is None
    assert "time" not in json.dumps(record) and "date" not in json.dumps(record)


def test_an_identical_run_is_not_recorded_again_but_a_changed_one_is(project):
    write(project, "01_a", {"total": 12})
    assert history.record_run(COHORT, {}, root=project).name == "0001.json"
    assert history.record_run(COHORT, {}, root=project) is None
    (project / "notes.txt").write_text("uncommitted\n", encoding="utf-8")
    second = history.record_run(COHORT, {}, root=project)
    assert second.name == "0002.json"
    assert json.loads(second.read_text(encoding="utf-8"))["dirty"] is True
    assert [r["run"] for r in history.runs(COHORT, root=project)] == [1, 2]


def test_diff_lists_every_changed_number_grouped_by_notebook(project):
    write(project, "01_a", {"total": 12, "same": 1, "gone": 3})
    write(project, "02_b", {"share": 0.25})
    history.record_run(COHORT, {"01_a": {"factor": 2}}, root=project)
    write(project, "01_a", {"total": 18, "same": 1, "new": True})
    write(project, "02_b", {"share": 0.5})
    history.record_run(COHORT, {"01_a": {"factor": 3}}, root=project)
    result = history.diff(history.select(COHORT, root=project, offset=1),
                          history.select(COHORT, root=project))
    assert [(c.notebook, c.name, c.old, c.new) for c in result.numbers] == [
        ("01_a", "gone", 3, history.ABSENT), ("01_a", "new", history.ABSENT, True),
        ("01_a", "total", 12, 18), ("02_b", "share", 0.25, 0.5)]
    assert [(c.name, c.old, c.new) for c in result.parameters] == [("factor", 2, 3)]
    text = history.format_diff(result)
    assert "01_a.factor: 2 -> 3" in text
    assert "01_a\n  gone: 3 -> (absent)\n  new: (absent) -> true\n  total: 12 -> 18\n02_b\n" \
           "  share: 0.25 -> 0.5" in text
    assert text.endswith("4 key numbers changed in 2 notebooks")


def test_int_and_float_of_the_same_value_differ_as_in_key_numbers():
    a = {"run": 1, "key_numbers": {"x": {"n": 1}}}
    b = {"run": 2, "key_numbers": {"x": {"n": 1.0}}}
    assert len(history.diff(a, b).numbers) == 1
    assert history.format_diff(history.diff(a, a)).endswith("no key number changed")


def test_select_by_number_or_commit_and_clear_errors(project):
    write(project, "01_a", {"total": 1})
    history.record_run(COHORT, {}, root=project)
    head = git(project, "rev-parse", "HEAD")
    assert history.select(COHORT, "1", root=project)["run"] == 1
    assert history.select(COHORT, head[:8], root=project)["run"] == 1
    with pytest.raises(CompendiumError, match="no recorded run '7'.*recorded: 1 "):
        history.select(COHORT, "7", root=project)
    with pytest.raises(CompendiumError, match="has 1 recorded run in .*expected at least 2"):
        history.select(COHORT, root=project, offset=1)


def test_changes_since_previous_in_dutch(project):
    assert "eerste vastgelegde run" in history.changes_since_previous(COHORT, root=project)
    write(project, "01_a", {"total": 12, "share": 0.25})
    history.record_run(COHORT, {}, root=project)
    assert history.changes_since_previous(COHORT, root=project).startswith(
        "Geen kerngetal veranderd sinds de vorige run (run 1, commit `")
    write(project, "01_a", {"total": 12, "share": 0.5})
    text = history.changes_since_previous(COHORT, root=project)
    assert text.startswith("Sinds de vorige run (run 1, commit `")
    assert text.endswith("is 1 kerngetal veranderd: 01_a `share` 0,25 → 0,5.")
    write(project, "01_a", {"total": 12, "share": None, "new_n": 3, "met": True})
    text = history.changes_since_previous(COHORT, root=project)
    assert "`share` 0,25 → niet te berekenen" in text and "None" not in text
    assert "`new_n` (ontbreekt) → 3" in text and "`met` (ontbreekt) → ja" in text


def cli_in(root: Path, monkeypatch, argv: list[str]) -> int:
    """``python -m analysis ARGV`` with the project root at ``root``."""
    with monkeypatch.context() as patched:
        patched.setattr(paths, "ROOT", root)
        return cli.main(argv)


def test_cli_diff_default_runs_and_across_cohorts(project, monkeypatch, capsys):
    (project / "data" / "raw" / "other").mkdir()
    (project / "data" / "raw" / "other" / "scores.csv").write_text("x\n", encoding="utf-8")
    write(project, "01_a", {"total": 12})
    history.record_run(COHORT, {}, root=project)
    assert cli_in(project, monkeypatch, ["diff", "--cohort", COHORT]) == 2  # one run only: a clear user error
    assert "expected at least 2" in capsys.readouterr().err
    write(project, "01_a", {"total": 13})
    history.record_run(COHORT, {}, root=project)
    assert cli_in(project, monkeypatch, ["diff", "--cohort", COHORT]) == 0
    out = capsys.readouterr().out
    assert f"{COHORT} run 1 (commit" in out and f"{COHORT} run 2 (commit" in out
    assert "01_a\n  total: 12 -> 13\n1 key number changed in 1 notebook" in out
    keynumbers.write_fragment({"total": 20}, cohort="other", stage="01_a", root=project)
    history.record_run("other", {}, root=project, raw_dir=project / "data" / "raw" / "other")
    assert cli_in(project, monkeypatch, ["diff", "--cohort", COHORT, "--cohort", "other"]) == 0
    out = capsys.readouterr().out
    assert "total: 13 -> 20" in out and "raw data:" in out


@pytest.mark.slow
def test_pipeline_records_runs_and_diff_shows_one_changed_parameter(tmp_path, monkeypatch,
                                                                     capsys):
    root = fx.build_project(tmp_path / "project")
    init_repo(root)
    assert fx.run_quiet(root, jobs=1)[0] == 0
    params = tmp_path / "params.yaml"
    params.write_text("01_a: {factor: 3}\n", encoding="utf-8")
    assert fx.run_quiet(root, jobs=1, params_file=params)[0] == 0
    assert fx.run_quiet(root, jobs=1, params_file=params)[0] == 0  # nothing ran: no record
    recorded = history.runs(fx.COHORT, root=root)
    assert [r["run"] for r in recorded] == [1, 2]
    assert recorded[0]["commit"] == git(root, "rev-parse", "HEAD") and not recorded[0]["dirty"]
    assert recorded[1]["parameters"]["01_a"] == {"delay": 1.0, "factor": 3}
    assert cli_in(root, monkeypatch, ["diff"]) == 0
    out = capsys.readouterr().out
    assert "parameters:\n  01_a.factor: 2 -> 3\n01_a\n  a_total: 12 -> 18\n" in out
    assert out.strip().endswith("1 key number changed in 1 notebook")
