"""The project's dependency declarations stay consistent (one source of truth: pyproject.toml)."""

import tomllib

import yaml

from analysis import paths


def _pyproject():
    return tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_installs_the_package_from_pyproject():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and d.startswith("python")]
    assert python, "environment.yml must pin python"
    required = _pyproject()["project"]["requires-python"].lstrip(">=")
    assert python[0].split("=")[-1].startswith(required), (python, required)
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-e .[test]"]], (
        "environment.yml must install the package itself (-e .[test]) and nothing else with pip, "
        "so that pyproject.toml stays the single list of dependencies"
    )
    conda_pkgs = {d.split("=")[0] for d in deps if isinstance(d, str)}
    assert conda_pkgs == {"python", "pip"}, f"extra conda packages drift from pyproject: {conda_pkgs}"


def test_gpl_packages_are_not_dependencies():
    project = _pyproject()["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    names = {d.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower() for d in declared}
    assert not names & {"pingouin", "krippendorff"}, "GPL packages are incompatible with the MIT licence"


def test_ci_runs_exactly_the_readme_test_command():
    ci = (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
