"""analysis.paths: per-cohort folders and display of paths without machine prefixes."""

from pathlib import Path

from analysis import paths


def test_root_holds_the_project_files():
    assert (paths.ROOT / "pyproject.toml").is_file()
    assert paths.PACKAGE == paths.ROOT / "analysis"


def test_outputs_are_per_cohort_and_never_shared():
    a, b = "cohort-a", "cohort-b"
    for fn in (paths.processed_dir, paths.figures_dir, paths.reports_dir, paths.raw_dir):
        assert fn(a) != fn(b)
        assert fn(a).name == a
    assert paths.key_numbers_path(a).parent == paths.reports_dir(a)


def test_raw_root_override():
    assert paths.raw_dir("x", "/elsewhere") == Path("/elsewhere/x")


def test_display_never_shows_an_absolute_path(tmp_path):
    inside = paths.ROOT / "reports" / "x" / "findings.html"
    assert paths.display(inside) == "reports/x/findings.html"
    shown = paths.display(tmp_path / "deep" / "file.csv")
    assert not shown.startswith("/") and shown.endswith("deep/file.csv")


def test_importing_paths_creates_nothing(tmp_path, monkeypatch):
    import importlib

    monkeypatch.chdir(tmp_path)
    importlib.reload(paths)
    assert list(tmp_path.iterdir()) == []
