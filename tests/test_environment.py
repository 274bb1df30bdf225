"""The project's dependency declarations stay consistent, and the lock covers pyproject.toml.

pyproject.toml declares the dependencies (lower bounds); ``requirements.lock`` pins every
package, direct and transitive, with hashes, for Python 3.11 on Linux, Windows and macOS
(``make lock``: uv's universal resolution); environment.yml and ``make install`` install from
the lock. These tests install nothing and use no network: they read the three files, and the
metadata of the packages installed here where their version is the locked one.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from analysis import paths

LOCK = paths.ROOT / "requirements.lock"

PLATFORMS: dict[str, dict[str, str]] = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
              "platform_machine": "x86_64"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                "platform_machine": "AMD64"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
              "platform_machine": "arm64"},
}
"""The platforms the lock must cover, as PEP 508 marker variables (Python 3.11)."""

PYTHON_311 = {"python_version": "3.11", "python_full_version": "3.11.9",
              "implementation_name": "cpython", "platform_python_implementation": "CPython",
              "implementation_version": "3.11.9", "platform_release": "",
              "platform_version": "", "extra": ""}

_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
                    r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")


def _pyproject():
    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _declared() -> list[Requirement]:
    project = _pyproject()["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def read_lock(text: str) -> list[dict]:
    """Entries of a uv/pip-tools requirements file: name, version, marker, hashes."""
    entries: list[dict] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--hash="):
            entries[-1]["hashes"].append(stripped.split("=", 1)[1].rstrip(" \\"))
            continue
        match = _ENTRY.match(stripped)
        assert match, f"requirements.lock: cannot read line {line!r}; expected name==version"
        marker = match["marker"]
        entries.append({"name": canonicalize_name(match["name"]), "version": match["version"],
                        "marker": Marker(marker) if marker else None, "hashes": []})
    return entries


@pytest.fixture(scope="module")
def lock() -> list[dict]:
    assert LOCK.is_file(), "requirements.lock is missing: run `make lock`"
    return read_lock(LOCK.read_text(encoding="utf-8"))


def _for(platform: str, entries: list[dict]) -> dict[str, str]:
    env = {**PYTHON_311, **PLATFORMS[platform]}
    chosen: dict[str, str] = {}
    for entry in entries:
        if entry["marker"] is None or entry["marker"].evaluate(env):
            assert entry["name"] not in chosen, (
                f"requirements.lock pins {entry['name']} twice for {platform}: "
                f"{chosen[entry['name']]} and {entry['version']}")
            chosen[entry["name"]] = entry["version"]
    return chosen


def test_every_locked_package_has_an_exact_version_and_hashes(lock):
    assert len(lock) > len(_declared()), "the lock should hold transitive packages too"
    for entry in lock:
        assert entry["hashes"], f"{entry['name']} has no --hash in requirements.lock"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry["hashes"]), entry


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_lock_satisfies_every_declared_dependency(lock, platform):
    pinned = _for(platform, lock)
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, (f"{requirement.name} is declared in pyproject.toml but not "
                                f"locked for {platform}: run `make lock`")
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"requirements.lock pins {name}=={pinned[name]}, which does not satisfy "
            f"pyproject.toml's {requirement}: run `make lock`")


def test_lock_reader_catches_a_missing_or_outdated_package():
    text = "numpy==1.26.4 \\\n    --hash=sha256:" + "0" * 64 + "\n"
    pinned = _for("linux", read_lock(text))
    assert not Requirement("numpy>=2.0").specifier.contains(pinned["numpy"])
    assert "pandas" not in pinned


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_lock_is_closed_under_the_requirements_of_its_packages(lock, platform):
    """Every requirement of a locked package (as installed here at the locked version) is locked.

    Metadata comes from the installed distributions, so only packages installed here at their
    locked version are followed (all of them after ``make install``).
    """
    pinned = _for(platform, lock)
    env = {**PYTHON_311, **PLATFORMS[platform]}
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
    assert not missing, f"requirements.lock lacks for {platform}: {sorted(set(missing))}"
    assert checked, "no locked package is installed here at its locked version: run make install"


def test_make_lock_and_install_use_the_lock_with_hashes():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    lock_rule = makefile.split("\nlock:", 1)[1].split("\n\n", 1)[0]
    for flag in ("pip compile pyproject.toml", "--extra test", "--universal",
                 "--python-version 3.11", "--generate-hashes", "-o $(LOCK)"):
        assert flag in lock_rule, f"make lock lacks {flag}"
    assert "LOCK   := requirements.lock" in makefile
    install_rule = makefile.split("\n$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert install_rule.count("--require-hashes -r $(LOCK)") == 2, "uv and pip both need hashes"
    assert install_rule.count("--no-deps -e .") == 2
    assert LOCK.read_text(encoding="utf-8").startswith(
        "# This file was autogenerated by uv via the following command:\n#    make lock\n")


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert python, "environment.yml must pin python"
    required = _pyproject()["project"]["requires-python"].lstrip(">=")
    assert python[0].split("=")[-1].startswith(required), (python, required)
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["--require-hashes", "-r requirements.lock"]], (
        "environment.yml must install requirements.lock (hashes required) and nothing else "
        "with pip, so that pyproject.toml and its lock stay the single list of dependencies"
    )
    conda_pkgs = {d.split("=")[0] for d in deps if isinstance(d, str)}
    assert conda_pkgs == {"python", "pip"}, f"extra conda packages drift from pyproject: {conda_pkgs}"


def test_gpl_packages_are_not_dependencies(lock):
    project = _pyproject()["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    names = {d.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower() for d in declared}
    assert not names & {"pingouin", "krippendorff"}, "GPL packages are incompatible with the MIT licence"
    assert not {e["name"] for e in lock} & {"pingouin", "krippendorff"}


def test_ci_runs_exactly_the_readme_test_command():
    ci = (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
