"""Faults and refusals of ``run``: bad parameters and raw data refused before any kernel starts,
one run per cohort, and a read-only folder, a SIGKILL or a dead kernel survived.

Fast: the dummy project of :mod:`pipeline_fixtures` (small notebooks), executed once per module
and copied per test; the bad-parameter cases use the real ``notebooks/pipeline.yaml``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pipeline_fixtures as fx
from portability import KILL_THIS_PROCESS
import pytest

from analysis import cli, paths
from analysis.errors import CompendiumError, ConfigError
from analysis.pipeline import runner as pipeline
from analysis.pipeline.lock import LOCK_FILE, CohortBusy, CohortLock, pid_alive

# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("text, message", [
    ("02_qualitative: {quotes_per_theme: -1}",
     "notebook 02_qualitative: parameter quotes_per_theme: value -1; expected a whole number, "
     "from 0 to 100"),
    ("quotes_per_theme: 2.5", "quotes_per_theme: value 2.5; expected a whole number"),
    ("01_questionnaires: {cutoff_scheme: dsm_5}",
     "cutoff_scheme: value 'dsm_5'; expected one of nl_theunissen_2022, uk_3band, uk_4band"),
    ("03_trajectories: {tariffs: {therapy_session: -95}}",
     "tariffs: therapy_session: value -95; expected a number, at least 0"),
    ("03_trajectories: {tariffs: {therapy_sesion: 95}}",
     "tariffs: key 'therapy_sesion'; expected one of collaboration_hour"),
    ("publication: ja", "publication: value 'ja'; expected true or false"),
    ("publication: yes", "publication: value 'yes'; expected true or false"),
    ("publication: 1", "publication: value 1; expected true or false"),
    ("04_follow_up: {completion_rate: 50}", "value 50; expected a number, above 0 and at most 1"),
    ("04_follow_up: {target_power: [0.8, 1.2]}", "target_power: [2]: value 1.2"),
    ("04_follow_up: {alpha: .nan}", "alpha: value nan; expected a number, above 0 and below 1"),
    ("publication: true\npublication: false", "key 'publication' appears twice"),
    ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
     "more than 20 aliases"),
    ("01_questionnaires: {cutoff_scheme: [uk_3band]}", "cutoff_scheme: value ['uk_3band']"),
])
def test_bad_parameters_are_refused_before_anything_runs(tmp_path, text, message):
    (tmp_path / "data" / "raw" / "c").mkdir(parents=True)
    params = tmp_path / "params.yaml"
    params.write_text(text + "\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        pipeline.run("c", params_file=params, notebooks_dir=paths.NOTEBOOKS, root=tmp_path)
    assert message in str(caught.value)
    assert "parameters file params.yaml" in str(caught.value)
    assert time.perf_counter() - started < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "params.yaml"]


def test_good_parameters_pass_the_rules(tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text("publication: true\n01_questionnaires: {cutoff_scheme: nl_theunissen_2022}"
                      "\n03_trajectories: {tariffs: {therapy_session: 95}}"
                      "\n04_follow_up: {target_power: [0.8], completion_rate: null}\n",
                      encoding="utf-8")
    (tmp_path / "data" / "raw" / "c").mkdir(parents=True)
    found = pipeline.plan("c", params_file=params, notebooks_dir=paths.NOTEBOOKS, root=tmp_path)
    assert found  # planned, nothing refused


def test_a_default_breaking_its_rule_is_a_pipeline_error(tmp_path):
    path = tmp_path / "pipeline.yaml"
    path.write_text("notebooks:\n  - {file: a.ipynb, parameters: {n: -1}, "
                    "rules: {n: {type: integer, min: 0}}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="notebook a: the default of n breaks its rule"):
        pipeline.load_pipeline(path)
    path.write_text("notebooks:\n  - {file: a.ipynb, parameters: {n: 1}, rules: {m: {type: integer}}}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="rule for 'm', which is not a declared parameter"):
        pipeline.load_pipeline(path)


# --------------------------------------------------------------------------- raw data


@pytest.fixture
def broken_cohort(tmp_path):
    """A copy of the bundled cohort whose sdq.csv has a letter where a score belongs."""
    raw_root = tmp_path / "raw"
    cohort = "faults-invalid-test"
    shutil.copytree(paths.raw_dir(), raw_root / cohort)
    sdq = raw_root / cohort / "sdq.csv"
    lines = sdq.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("sdq_05")] = "x"
    lines[1] = ",".join(cells)
    sdq.write_text("\n".join(lines) + "\n", encoding="utf-8")
    yield raw_root, cohort
    for folder in (paths.processed_dir(cohort), paths.figures_dir(cohort),
                   paths.reports_dir(cohort)):
        shutil.rmtree(folder, ignore_errors=True)


def test_invalid_raw_data_stop_the_run_before_any_kernel(broken_cohort, capsys):
    raw_root, cohort = broken_cohort
    before = fx.snapshot(raw_root, cohort)
    code = cli.main(["run", "--cohort", cohort, "--raw-dir", str(raw_root)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "does not pass validation; nothing was run or written" in err
    assert "sdq.csv, row 2, column sdq_05" in err and "Traceback" not in err
    for folder in (paths.processed_dir(cohort), paths.figures_dir(cohort),
                   paths.reports_dir(cohort)):
        assert not folder.exists(), folder
    assert fx.snapshot(raw_root, cohort) == before


# --------------------------------------------------------------------------- the executed dummy


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = fx.build_project(tmp_path_factory.mktemp("faults") / "project")
    code, lines = fx.run_quiet(root, jobs=2)
    assert code == 0, lines
    return root


@pytest.fixture
def project(template, tmp_path):
    return fx.copy_project(template, tmp_path / "project")


def _outputs(root):
    """Every output but the timing logs of the dummy notebooks and the run's own state."""
    found = fx.snapshot(root, "data/processed", "figures", "reports")
    return {k: v for k, v in found.items()
            if "/_log/" not in k
            and not k.endswith((".pipeline-state.json", ".failed.ipynb", ".kernel.log"))}


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _write_lock(root: Path, pid: int, cohort: str = fx.COHORT) -> Path:
    lock = root / "reports" / cohort / LOCK_FILE
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text(json.dumps({"pid": pid, "host": __import__("socket").gethostname(),
                                "started": "2026-01-01T00:00:00+00:00"}), encoding="utf-8")
    return lock


def test_a_second_run_of_a_cohort_is_refused_while_one_runs(project):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = _write_lock(project, holder.pid)
        with pytest.raises(CohortBusy, match=rf"cohort 'helmond-2023' is being run by process "
                                             rf"{holder.pid}, started 2026-01-01T00:00:00\+00:00 "
                                             r"\(lock file reports/helmond-2023/\.run\.lock\); "
                                             r"wait for it to finish, or run again with --wait"):
            fx.run_quiet(project)
        assert lock.is_file()
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_is_taken_over(project):
    lock = _write_lock(project, _dead_pid())
    code, lines = fx.run_quiet(project)
    assert code == 0 and any("took over the lock of an interrupted run" in ln for ln in lines)
    assert not lock.exists()


def test_wait_waits_for_the_holder(project):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    _write_lock(project, holder.pid)
    started = time.perf_counter()
    code, lines = fx.run_quiet(project, wait=True)
    holder.wait()
    assert code == 0 and lines[0].startswith("waiting for the run of helmond-2023 by process")
    assert time.perf_counter() - started >= 1.0


def test_another_cohort_runs_while_one_is_locked(project):
    shutil.copytree(project / "data" / "raw" / fx.COHORT, project / "data" / "raw" / "other")
    lock = _write_lock(project, os.getpid())
    code, lines = fx.run_quiet(project, cohort="other", only="00")
    assert code == 0 and fx.executed(lines) == ["00_load"]
    assert lock.is_file()


def test_two_runs_started_together_one_refused(project):
    fx.add_cell(project, "00_load", "time.sleep(2)")
    script = ("import sys; sys.path.insert(0, {tests!r})\n"
              "import pipeline_fixtures as fx\nfrom analysis import cli\n"
              "from pathlib import Path\nfrom analysis.pipeline import runner\n"
              "from analysis.errors import CompendiumError\n"
              "try:\n    code, _ = fx.run_quiet(Path({root!r}))\n"
              "except CompendiumError as e:\n    print(e); code = 2\nsys.exit(code)\n"
              ).format(tests=str(Path(__file__).parent), root=str(project))
    runs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             encoding="utf-8", errors="replace",
                             env={**os.environ, "PYTHONPATH": str(paths.ROOT)})
            for _ in range(2)]
    results = sorted((p.wait(timeout=120), p.stdout.read()) for p in runs)
    assert [code for code, _ in results] == [0, 2], results
    assert "is being run by process" in results[1][1]


def test_lock_is_released_and_liveness_is_checked(tmp_path):
    with CohortLock(tmp_path, "c", shown="x") as lock:
        assert json.loads(lock.path.read_text(encoding="utf-8"))["pid"] == os.getpid()
        with pytest.raises(CohortBusy):
            CohortLock(tmp_path, "c", shown="x").acquire()
    assert not (tmp_path / LOCK_FILE).exists()
    assert pid_alive(os.getpid()) and not pid_alive(_dead_pid())


# --------------------------------------------------------------------------- faults


def _read_only(folder: Path) -> None:
    """Make ``folder`` unwritable, also for root: replace it by a link to a sysfs folder."""
    shutil.rmtree(folder, ignore_errors=True)
    if os.geteuid() == 0:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.symlink_to("/sys/kernel/software_nodes", target_is_directory=True)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o555)


def _writable(folder: Path) -> None:
    if folder.is_symlink():
        folder.unlink()
    elif folder.exists():
        folder.chmod(0o755)


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_read_only_reports_folder_is_refused_cleanly(project, capsys):
    reports = project / "reports" / fx.COHORT
    saved = project / "saved-reports"
    shutil.copytree(reports, saved)
    _read_only(reports)
    try:
        with pytest.raises(CompendiumError, match=r"cannot write reports/helmond-2023/\.run\.lock:"
                                                  r" it is read-only; make it writable"):
            fx.run_quiet(project)
    finally:
        _writable(reports)
    shutil.rmtree(reports, ignore_errors=True)
    shutil.copytree(saved, reports)
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_read_only_output_folder_fails_the_notebook_and_keeps_earlier_outputs(project):
    raw = project / "data" / "raw" / fx.COHORT
    (raw / "extra" / "note2.txt").write_text("second\n", encoding="utf-8")
    before = _outputs(project)
    b_folder = project / "data" / "processed" / fx.COHORT / "b"
    saved = {p.name: p.read_bytes() for p in b_folder.iterdir()}
    _read_only(b_folder)
    try:
        code, lines = fx.run_quiet(project)
    finally:
        _writable(b_folder)
    text = "\n".join(lines)
    assert code == 1 and "[02_b] FAILED" in text
    assert ("Permission denied" in text or "read-only" in text), text
    b_folder.mkdir(exist_ok=True)
    for name, data in saved.items():
        (b_folder / name).write_bytes(data)
    assert _outputs(project) == before
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == ["02_b", "04_findings"]


def test_a_dead_kernel_ends_with_a_clear_message_and_the_next_run_recovers(project):
    before = _outputs(project)
    fx.add_cell(project, "03_c", KILL_THIS_PROCESS)
    code, lines = fx.run_quiet(project)
    text = "\n".join(lines)
    assert code == 1 and "[03_c] FAILED" in text
    assert "the kernel died" in text, text
    # the cells before the death are kept (papermill writes the notebook once, at its end)
    assert "partially executed notebook" in text, text
    assert _outputs(project) == before
    fx.add_cell(project, "03_c", "print('fine again')")
    code, lines = fx.run_quiet(project)
    assert code == 0 and fx.executed(lines) == ["03_c"]


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL and process groups are POSIX")
def test_a_run_killed_during_a_notebook_is_recovered_by_the_next(project, tmp_path):
    params = tmp_path / "slow.yaml"
    params.write_text("01_a: {delay: 30}\n", encoding="utf-8")
    before = _outputs(project)
    script = ("import sys; sys.path.insert(0, {tests!r})\nimport pipeline_fixtures as fx\n"
              "from pathlib import Path\n"
              "fx.run_quiet(Path({root!r}), params_file={params!r})\n").format(
        tests=str(Path(__file__).parent), root=str(project), params=str(params))
    run = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                           env={**os.environ, "PYTHONPATH": str(paths.ROOT)})
    aside = project / "reports" / fx.COHORT / ".aside" / "01_a"
    deadline = time.time() + 60
    while not (aside / ".complete").exists() and time.time() < deadline:
        time.sleep(0.1)
    assert (aside / ".complete").exists(), "01_a never started"
    time.sleep(1.0)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert (project / "reports" / fx.COHORT / LOCK_FILE).exists()
    code, lines = fx.run_quiet(project)  # without --force; earlier parameters again
    text = "\n".join(lines)
    assert code == 0, text
    assert "took over the lock of an interrupted run" in text
    assert "recovered from an interrupted run: earlier outputs of 01_a put back" in text
    assert "01_a" not in fx.executed(lines)  # its earlier outputs are valid for the old delay
    assert _outputs(project) == before


def test_an_internal_error_is_one_line_and_a_log(monkeypatch, tmp_path, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the runner")

    monkeypatch.setattr(pipeline, "run", broken)
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error (a bug, not a problem with your input): RuntimeError" in err
    log = (tmp_path / "reports" / "error.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "a bug in the runner" in log and "python -m analysis run" in log
