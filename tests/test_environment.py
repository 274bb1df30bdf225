"""The project's dependency declarations stay consistent, the lock covers pyproject.toml for
every supported Python and system, and an installed environment is checked against the lock.

pyproject.toml declares the dependencies (lower bounds); ``requirements.lock`` pins every
package, direct and transitive, with hashes, for Python 3.11, 3.12 and 3.13 on Linux, Windows
and macOS (``make lock``: uv's universal resolution; from 3.12 on it holds newer numpy, scipy
and contourpy); environment.yml, ``make install`` and Binder install from the lock. These tests
install nothing and use no network: they read the files, and the metadata of the packages
installed here where their version is the locked one.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from analysis import lockfile, paths

LOCK = paths.ROOT / "requirements.lock"

PLATFORMS = lockfile.PLATFORMS
"""The platforms the lock must cover, as PEP 508 marker variables."""

PYTHONS = ("3.11.4", "3.11.9", "3.12.9", "3.13.0")
"""Interpreters the lock must cover: every supported minor version (pyproject.toml's
requires-python and the CI jobs), and two 3.11 releases because the lock splits soupsieve at
3.11.5."""

SUPPORTED = ("3.11", "3.12", "3.13")
CASES = [(python, platform) for python in PYTHONS for platform in sorted(PLATFORMS)]


def _pyproject():
    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _declared() -> list[Requirement]:
    project = _pyproject()["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


@pytest.fixture(scope="module")
def lock_text() -> str:
    assert LOCK.is_file(), "requirements.lock is missing: run `make lock`"
    return LOCK.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def lock(lock_text) -> list[lockfile.LockEntry]:
    return lockfile.read_lock(lock_text)


def _for(python: str, platform: str, entries) -> dict[str, str]:
    return lockfile.pins(entries, lockfile.marker_environment(python, platform))


def test_every_locked_package_has_an_exact_version_and_hashes(lock):
    assert len(lock) > len(_declared()), "the lock should hold transitive packages too"
    for entry in lock:
        assert entry.hashes, f"{entry.name} has no --hash in requirements.lock"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry.hashes), entry


def test_every_supported_python_is_tested_and_declared():
    assert sorted({p.rsplit(".", 1)[0] for p in PYTHONS}) == list(SUPPORTED)
    assert _pyproject()["project"]["requires-python"] == f">={SUPPORTED[0]}"
    this = ".".join(map(str, sys.version_info[:2]))
    assert this in SUPPORTED, f"Python {this} is not one the lock is checked for"


@pytest.mark.parametrize("python, platform", CASES)
def test_lock_satisfies_every_declared_dependency(lock, python, platform):
    pinned = _for(python, platform, lock)
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, (f"{requirement.name} is declared in pyproject.toml but not "
                                f"locked for Python {python} on {platform}: run `make lock`")
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {name}=={pinned[name]} for Python {python}, which does not "
            f"satisfy pyproject.toml's {requirement}: run `make lock`")


def test_the_lock_gives_each_python_its_own_numpy_where_the_markers_split_it(lock):
    """From 3.12 on the universal lock resolves a newer numpy (and scipy, contourpy) than on
    3.11; each interpreter gets exactly the entry whose marker holds for it."""
    entries = [e for e in lock if e.name == "numpy"]
    for python in PYTHONS:
        chosen = _for(python, "linux", lock)["numpy"]
        holds = [e.version for e in entries if e.marker is None or Marker(e.marker)
                 .evaluate(lockfile.marker_environment(python, "linux"))]
        assert holds == [chosen], (python, holds, chosen)


def test_lock_reader_catches_a_missing_or_outdated_package():
    text = "numpy==1.26.4 \\\n    --hash=sha256:" + "0" * 64 + "\n"
    pinned = _for("3.11.9", "linux", lockfile.read_lock(text))
    assert not Requirement("numpy>=2.0").specifier.contains(pinned["numpy"])
    assert "pandas" not in pinned


def test_lock_reader_names_the_line_it_cannot_read():
    with pytest.raises(ValueError, match=r"requirements.lock, line 2: cannot read 'numpy>=2'"):
        lockfile.read_lock("six==1.17.0\nnumpy>=2\n")


def test_a_package_pinned_twice_for_one_interpreter_is_refused():
    text = ("numpy==2.4.6 ; python_full_version < '3.13'\n"
            "numpy==2.5.5 ; python_full_version >= '3.12'\n")
    assert _for("3.11.9", "linux", lockfile.read_lock(text)) == {"numpy": "2.4.6"}
    with pytest.raises(ValueError, match="pins numpy twice for Python 3.12.9"):
        _for("3.12.9", "linux", lockfile.read_lock(text))


@pytest.mark.parametrize("python, platform", CASES)
def test_lock_is_closed_under_the_requirements_of_its_packages(lock, python, platform):
    """Every requirement of a locked package (as installed here at the locked version) is locked.

    Metadata comes from the installed distributions, so only packages installed here at their
    locked version are followed (all of them after ``make install``; for another Python the
    packages whose version does not depend on it).
    """
    pinned = _for(python, platform, lock)
    env = lockfile.marker_environment(python, platform)
    todo = [(canonicalize_name(r.name), frozenset(r.extras)) for r in _declared()
            if r.marker is None or r.marker.evaluate(env)]
    seen, checked, missing = set(), 0, []
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if canonicalize_name(dist.version) != canonicalize_name(pinned.get(name, "")):
            continue
        checked += 1
        for text in dist.requires or []:
            requirement = Requirement(text)
            if requirement.marker is not None and not any(
                    requirement.marker.evaluate({**env, "extra": e}) for e in {"", *extras}):
                continue
            dep = canonicalize_name(requirement.name)
            if dep not in pinned:
                missing.append(f"{dep} (needed by {name})")
            else:
                todo.append((dep, frozenset(requirement.extras)))
    assert not missing, (f"requirements.lock lacks for Python {python} on {platform}: "
                         f"{sorted(set(missing))}")
    assert checked, "no locked package is installed here at its locked version: run make install"


# ------------------------------------------------------------------------ installed environment

def test_this_environment_is_the_lock():
    """What ``make install`` checks every time: each locked package at its version, no other."""
    problems = lockfile.check_installed(lockfile.pins(lockfile.read_lock(
        LOCK.read_text(encoding="utf-8"))), lockfile.installed())
    assert problems == [], "\n".join(problems) + "\nrun make install"


def test_the_check_finds_an_upgraded_a_missing_and_an_extra_package():
    locked = {"numpy": "2.4.6", "six": "1.17.0", "pandas": "3.0.1"}
    present = {"numpy": "2.5.5", "pandas": "3.0.1", "pyarrow": "21.0.0", "pip": "25.2",
               "uv": "0.13.9", "vaktherapie-compendium": "0.1.0"}
    assert lockfile.check_installed(locked, present) == [
        "numpy 2.5.5 is installed, the lock pins 2.4.6",
        "six is not installed, the lock pins 1.17.0",
        "pyarrow 21.0.0 is installed but not in the lock"]
    assert lockfile.check_installed({"a": "1.0"}, {"a": "1.0.0"}) == []  # same version


def test_the_check_command_exits_1_on_a_difference_and_2_on_an_unreadable_lock(tmp_path):
    wrong = tmp_path / "requirements.lock"
    wrong.write_text("six==0.0.1 \\\n    --hash=sha256:" + "0" * 64 + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "analysis.lockfile", str(wrong)],
                          capture_output=True, text=True, encoding="utf-8", errors="replace",
                          cwd=paths.ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "six 1.17.0 is installed, the lock pins 0.0.1" in done.stderr or \
        "six is not installed, the lock pins 0.0.1" in done.stderr
    assert "is installed but not in the lock" in done.stderr  # everything else
    wrong.write_text("numpy>=2\n", encoding="utf-8")
    assert lockfile.main([str(wrong)]) == 2
    assert lockfile.main([str(LOCK)]) == 0


def test_make_lock_and_install_use_the_lock_with_hashes():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    lock_rule = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    for flag in ("pip compile pyproject.toml", "--extra test", "--universal",
                 "--python-version 3.11", "--generate-hashes", "-o $(LOCK)",
                 "-m analysis.lockfile --binder $(LOCK)"):
        assert flag in lock_rule, f"make lock lacks {flag}"
    assert "LOCK   := requirements.lock" in makefile
    stamp_rule = makefile.split("\n$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert stamp_rule.count("--require-hashes -r $(LOCK)") == 4, (
        "uv and pip both install the lock with hashes and check every hash again")
    assert "--reinstall --target $(VERIFY)" in stamp_rule and "download" in stamp_rule
    assert "--compile-bytecode --require-hashes -r $(LOCK)" in stamp_rule, (
        "uv writes no .pyc unless asked (pip does): kernels would compile pandas from source "
        "wherever PYTHONDONTWRITEBYTECODE is set")
    assert stamp_rule.index("--compile-bytecode") < stamp_rule.index("-m analysis prepare"), (
        "deduce's lookup cache must be built after the .pyc are written into its folders")
    assert stamp_rule.count("--no-deps -e .") == 2
    install_rule = makefile.split("\ninstall:", 1)[1].split("\n\n", 1)[0]
    assert "-m analysis.lockfile $(LOCK)" in install_rule, "make install checks .venv every time"
    for target in ("run", "test", "test-fast", "test-kernels", "validate", "notebooks", "bench"):
        assert f"\n{target}: install\n" in makefile, f"make {target} does not check .venv first"
    assert LOCK.read_text(encoding="utf-8").startswith(
        "# This file was autogenerated by uv via the following command:\n#    make lock\n")


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert python, "environment.yml must pin python"
    assert python[0].split("=")[-1] in SUPPORTED, (python, SUPPORTED)
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["--require-hashes", "-r requirements.lock"]], (
        "environment.yml must install requirements.lock (hashes required) and nothing else "
        "with pip, so that pyproject.toml and its lock stay the single list of dependencies"
    )
    conda_pkgs = {d.split("=")[0] for d in deps if isinstance(d, str)}
    assert conda_pkgs == {"python", "pip"}, f"extra conda packages drift from pyproject: {conda_pkgs}"


# ------------------------------------------------------------------------ Binder

def test_binder_installs_the_lock_without_replacing_the_images_jupyterlab(lock_text, lock):
    binder = paths.ROOT / "binder"
    text = (binder / "requirements.txt").read_text(encoding="utf-8")
    assert text == lockfile.binder_requirements(lock_text), (
        "binder/requirements.txt is out of date with requirements.lock: run make lock "
        "(or python -m analysis.lockfile --binder)")
    kept = {e.name: e for e in lockfile.read_lock(text)}
    assert "jupyterlab" not in kept and "jupyter-server" not in kept
    for name in ("numpy", "pandas", "deduce", "papermill", "ipykernel", "nbclient"):
        assert name in kept, f"Binder would lack {name}"
    by_name = {(e.name, e.version, e.marker): e.hashes for e in lock}
    for entry in kept.values():
        assert by_name[(entry.name, entry.version, entry.marker)] == entry.hashes
    parents = lockfile.required_by(lock_text)
    left_out = {e.name for e in lock} - set(kept)
    assert left_out == lockfile.server_only(lock_text) and "jupyter-lsp" in left_out
    for name in kept:  # nothing Binder installs needs what it leaves out
        assert not parents[name] or parents[name] - left_out, name


def test_binder_installs_no_local_file_before_copying_the_repository():
    """repo2docker installs binder/requirements.txt before it copies the repository (so the
    image's environment is cached across commits) only when the file names no local path."""
    text = (paths.ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        assert not stripped.startswith(("-r", "-c", "-e", ".", "--requirement", "--constraint",
                                        "--editable")), line
        assert "file://" not in stripped and "/" not in stripped.split("--hash=")[0], line
    assert (paths.ROOT / "binder" / "runtime.txt").read_text(encoding="utf-8").strip() == \
        f"python-{SUPPORTED[0]}"
    assert not (paths.ROOT / "binder" / "environment.yml").exists()


def test_binder_post_build_installs_the_tree_and_builds_the_lookups():
    script = (paths.ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    commands = [ln for ln in script.splitlines() if ln.strip() and not ln.startswith("#")]
    assert commands[0].startswith("#!") or commands[0] == "set -euo pipefail"
    assert any("pip install --no-deps" in c and c.rstrip().endswith("-e .") for c in commands)
    assert any(c.strip() == "python -m analysis prepare" for c in commands)
    assert not any("requirements" in c for c in commands), "postBuild installs no dependency"


def test_gpl_packages_are_not_dependencies(lock):
    project = _pyproject()["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    names = {d.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower() for d in declared}
    assert not names & {"pingouin", "krippendorff"}, "GPL packages are incompatible with the MIT licence"
    assert not {e.name for e in lock} & {"pingouin", "krippendorff"}


def test_ci_runs_exactly_the_readme_test_command():
    ci = (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [ln.strip() for ln in ci.splitlines() if ln.strip() and not ln.startswith("#")]
    assert commands[-1] == "make test", ".ci/run must end by running exactly `make test`"
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
