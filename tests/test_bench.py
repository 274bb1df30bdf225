"""The benchmark's machinery (benchmarks.bench, benchmarks.measure) on tiny inputs.

The fast tests use stand-in cases and a 22-family synthetic cohort for the package stages;
the slow one runs ``python -m benchmarks.bench`` end to end on a 22-family cohort (notebooks
executed, about half a minute) and checks what it writes and that it cleans up.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.data.synthetic import write_cohort
from benchmarks import bench, measure


def test_machine_info_names_the_machine_and_versions():
    info = bench.machine_info()
    assert info["cores"] >= 1 and info["ram_gb"] > 0 and info["python"].count(".") == 2
    assert set(bench.PACKAGES) <= set(info["packages"]) and info["packages"]["pandas"] != "absent"


def test_compare_takes_medians_and_ratios_of_interleaved_cases(tmp_path):
    order = []
    seconds = {"papermill_loop": [10.0, 12.0, 30.0], "run_cold": [6.0, 5.0, 7.0],
               "run_warm": [0.2, 0.1, 0.3], "floor": [4.0, 4.0, 4.0]}

    def case(name):
        def call():
            order.append(name)
            return seconds[name][sum(n == name for n in order) - 1]
        return call

    settings = bench.Settings(repeats=3, out=tmp_path)
    rows = bench.compare(settings, cases={n: case(n) for n in seconds}, say=lambda _: None)
    assert order[:4] == list(seconds) and len(rows) == 12
    summary = bench.ratios(rows)
    assert summary["median_papermill_loop"] == 12.0 and summary["median_run_cold"] == 6.0
    assert summary["b/a"] == pytest.approx(0.5) and summary["c/a"] == pytest.approx(0.2 / 12)
    assert summary["b/d"] == pytest.approx(1.5)


def test_results_are_written_as_csv_markdown_and_plot(tmp_path):
    rows = [bench._row("compare", c, None, 1, s) for c, s in
            (("papermill_loop", 30), ("run_cold", 15), ("run_warm", 0.1), ("floor", 12))]
    for families, factor in ((22, 1), (1000, 1.5)):
        rows += [bench._row("scale", "pipeline", families, 0, 20 * factor, 1500 * factor),
                 bench._row("scale", "notebook:00_data", families, 0, 2 * factor, 150),
                 bench._row("scale", "synth", families, 0, 0.4)]
    machine = {"cores": 2, "ram_gb": 24, "python": "3.11.7", "packages": {"pandas": "3"}}
    text = bench.write_results(rows, machine, {"00_data.html": 0.3}, tmp_path)
    table = pd.read_csv(tmp_path / "results.csv")
    assert list(table.columns) == bench.COLUMNS and len(table) == len(rows)
    assert (tmp_path / "scale.png").stat().st_size > 10_000
    assert (tmp_path / "results.md").read_text(encoding="utf-8") == text
    assert "| b/a | 0.500 | <= 0.333 NOT met |" in text and "2.00x as fast" in text
    assert "| c/a | 0.003 |" in text
    assert "| pipeline | 20.0 / 1,500 | 30.0 / 2,250 |" in text
    assert "families^0.11" in text and "| 00_data.html | 0.30 |" in text


def test_import_lines_are_collected_once_in_order(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("cohort = 'x'"),
        nbformat.v4.new_code_cell("import pandas as pd\nfrom analysis import paths\nx = 1"),
        nbformat.v4.new_code_cell("import pandas as pd\n    import os  # not top level")])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert bench.import_lines([path, path]) == ["import pandas as pd", "from analysis import paths"]
    assert [p.name for p in bench.notebook_files()][:2] == ["00_data.ipynb", "01_questionnaires.ipynb"]


def test_run_measured_sees_the_peak_of_child_processes():
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; b = bytearray(120 * 2**20); time.sleep(0.6)'])")
    done = measure.run_measured([sys.executable, "-c", code])
    assert done.returncode == 0 and done.seconds > 0.5
    assert done.peak_rss_mb > 120 and done.peaks_mb["other"] > 120 > done.peaks_mb["runner"]


def test_sizes_option_is_checked():
    assert bench._sizes("22, 1_000") == (22, 1000)
    for bad in ("", "a", "0"):
        with pytest.raises(Exception, match="--sizes"):
            bench._sizes(bad)


@pytest.fixture
def tiny_cohort(tmp_path):
    """A 22-family synthetic cohort with its validated tables written (as notebook 00 does)."""
    from analysis.data import processed
    from analysis.data.validate import load_cohort

    cohort = f"bench-test-{tmp_path.name[-12:]}"
    folder = write_cohort(cohort, families=22, seed=3, raw_root=tmp_path)
    processed.write_validated(load_cohort(folder), cohort)
    yield cohort, tmp_path
    for base in (paths.processed_dir(cohort), paths.figures_dir(cohort), paths.reports_dir(cohort)):
        if base.exists():
            import shutil

            shutil.rmtree(base)


@pytest.mark.kernel  # each stage runs in a fresh interpreter (python -m benchmarks.measure)
@pytest.mark.parametrize("stage", ["validation", "scoring", "statistics"])
def test_stages_report_time_and_peak_memory(tiny_cohort, stage):
    cohort, raw_root = tiny_cohort
    result = measure.stage_in_subprocess(stage, cohort, raw_root)
    assert result["seconds"] >= 0 and 20 < result["peak_rss_mb"] < 2000


def test_peak_memory_is_in_mib_on_every_system():
    """ru_maxrss is KiB on Linux and bytes on macOS; Windows has no resource module. A wrong unit
    is off by 1024: more than the machine's memory, or less than what the process holds now."""
    import psutil

    now = psutil.Process().memory_info().rss / measure.MB
    peak = measure.peak_rss_mb()
    assert now * 0.95 <= peak <= psutil.virtual_memory().total / measure.MB
    assert measure.maxrss_mb(512 * 1024, "linux") == measure.maxrss_mb(512 * 2**20, "darwin") == 512
    assert measure.maxrss_mb(512 * 1024, "freebsd14") == 512


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="stage must be one of"):
        measure.stage_in_subprocess("nothing", "x", None)


@pytest.mark.slow
def test_bench_end_to_end_on_a_tiny_cohort(tmp_path, capsys):
    before = {p.name for base in (paths.PROCESSED, paths.FIGURES, paths.REPORTS)
              if base.is_dir() for p in base.iterdir()}
    assert bench.main(["--only", "scale", "--sizes", "22", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "| pipeline |" in printed and "notebook:02_qualitative" in printed
    table = pd.read_csv(tmp_path / "results.csv")
    cases = set(table["case"])
    assert {"synth", "pipeline", "notebook:00_data", "notebook:05_findings",
            "stage:rendering"} <= cases
    pipeline = table[table["case"] == "pipeline"].iloc[0]
    assert pipeline["families"] == 22 and pipeline["peak_rss_mb"] > 100
    notebooks = table[table["case"].str.startswith("notebook:")]
    assert len(notebooks) == 6 and notebooks["peak_rss_mb"].notna().all()
    assert (tmp_path / "scale.png").is_file() and (tmp_path / "results.md").is_file()
    after = {p.name for base in (paths.PROCESSED, paths.FIGURES, paths.REPORTS)
             if base.is_dir() for p in base.iterdir()}
    assert after == before, "temporary cohort outputs left behind"


def test_default_output_folder_is_reports_bench():
    assert bench.Settings().out == Path(paths.REPORTS) / "bench"


# ------------------------------------------------------------------ the edit loop
from benchmarks import edit_loop, fresh_clone  # noqa: E402


def test_the_default_edits_apply_to_the_package_files_and_are_what_they_claim():
    for edit in edit_loop.EDITS:
        text = (paths.ROOT / edit.path).read_text(encoding="utf-8")
        assert edit.apply(text) != text  # the checks of Edit.apply passed


def test_an_edit_that_is_not_what_it_claims_is_refused():
    source = '"""Doc."""\n\nX = 1\n'
    code = edit_loop.Edit("e", "m.py", "code", edit_loop.edit_docstring)
    with pytest.raises(ValueError, match="not a code edit: the module hash did not change"):
        code.apply(source)
    doc = edit_loop.Edit("e", "m.py", "docstring", edit_loop.add_constant)
    with pytest.raises(ValueError, match="not a docstring edit"):
        doc.apply(source)
    data = edit_loop.Edit("e", "x.yaml", "data", lambda t: t + "# comment\n")
    with pytest.raises(ValueError, match="changes no YAML value"):
        data.apply("reversed: [1, 2]\n")
    assert edit_loop.drop_last_reversed("a: 1\nreversed: [7, 11, 25]  # x\n") == \
        "a: 1\nreversed: [7, 11]  # x\n"
    with pytest.raises(ValueError, match="reversed"):
        edit_loop.drop_last_reversed("reversed: [7]\n")


def test_runner_output_is_parsed_into_notebooks_run_and_reasons():
    output = ("pipeline c: 3 notebooks, 2 to run, 1 up to date (jobs 2)\n[a] cached\n"
              "[b] running... (module analysis/x.py changed)\n[b]   cell 1/2: x\n"
              "[b] done in 1.5 s\n[c] cached (what it reads did not change)\n")
    result = edit_loop.parse_run(output, 2.0)
    assert result.ran == ["b"] and result.reasons == {"b": "module analysis/x.py changed"}
    assert result.notebook_seconds == {"b": 1.5}
    row = edit_loop.edit_row("e", 1, result, ["b", "c"])
    assert edit_loop.parse_note(row["note"]) == {"re-ran": ["b"], "uses": ["b", "c"],
                                                 "longest": ["1.5"]}
    with pytest.raises(RuntimeError, match="notebook"):
        edit_loop.parse_run(output + "[c] FAILED after 0.1 s\n", 2.0)


def _dummy_project(root: Path) -> Path:
    """A project of three modules and a YAML, used by three dummy notebooks."""
    (root / "mods").mkdir(parents=True)
    (root / "mods" / "leaf.py").write_text('"""Leaf."""\n\nA = 1\n', encoding="utf-8")
    (root / "mods" / "mid.py").write_text('"""Mid."""\n\nB = 2\n', encoding="utf-8")
    (root / "defs.yaml").write_text("reversed: [1, 2, 3]\n", encoding="utf-8")
    for folder in (".git", ".venv/lib", "reports/c1", "figures/c1", "data/processed/c1"):
        (root / folder).mkdir(parents=True)
        (root / folder / "x.txt").write_text("not copied", encoding="utf-8")
    (root / "reports" / ".gitkeep").write_text("", encoding="utf-8")
    return root


DUMMY_NOTEBOOKS = {"n1": ["mods/mid.py"], "n2": ["mods/leaf.py", "mods/mid.py"],
                   "n3": ["defs.yaml"]}


def _dummy_runner(seen: list):
    """A pipeline that re-runs a notebook when the AST hash (or text) of what it uses changed."""
    from analysis.pipeline.deps import module_facts

    def factory(copy: Path):
        seen.append(copy)
        state: dict[str, str] = {}

        def key(files):
            texts = {f: (copy / f).read_text(encoding="utf-8") for f in files}
            return "|".join(module_facts(texts[f], "m").digest if f.endswith(".py")
                            else texts[f] for f in files)

        def run(force: bool):
            ran = [n for n, files in DUMMY_NOTEBOOKS.items() if force or state.get(n) != key(files)]
            state.update({n: key(DUMMY_NOTEBOOKS[n]) for n in ran})
            out = "".join(f"[{n}] running... (changed)\n[{n}] done in 0.1 s\n" for n in ran)
            return edit_loop.parse_run(out, 0.1 * len(ran))

        return run

    return factory


def test_edit_loop_measures_each_edit_in_a_copy_and_restores_it(tmp_path):
    root = _dummy_project(tmp_path / "project")
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    edits = (edit_loop.Edit("leaf", "mods/leaf.py", "code", edit_loop.add_constant),
             edit_loop.Edit("mid", "mods/mid.py", "code", edit_loop.add_constant),
             edit_loop.Edit("yaml", "defs.yaml", "data", edit_loop.drop_last_reversed),
             edit_loop.Edit("doc", "mods/mid.py", "docstring", edit_loop.edit_docstring))
    seen: list[Path] = []
    rows = edit_loop.edit_loop(root, cohort="c1", edits=edits, repeats=2,
                               runner=_dummy_runner(seen), say=lambda _: None)
    copy = seen[0]
    assert copy != root and not copy.exists()  # a temporary copy, removed afterwards
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    ran = {(r["case"], r["repeat"]): edit_loop.parse_note(r["note"])["re-ran"] for r in rows}
    for repeat in (1, 2):  # each edit starts from a fully cached state
        assert ran[("run --force", repeat)] == ["n1", "n2", "n3"]
        assert ran[("leaf", repeat)] == ["n2"] and ran[("mid", repeat)] == ["n1", "n2"]
        assert ran[("yaml", repeat)] == ["n3"] and ran[("doc", repeat)] == []
    assert [r["seconds"] for r in rows if r["case"] == "mid"] == [pytest.approx(0.2)] * 2
    text = "\n".join(edit_loop.markdown_lines(rows))
    assert "| leaf | 0.1 | 0.33 | 1: n2 | 0.1 |" in text
    assert "| doc | 0.0 | 0.00 | 0: none |  |" in text


def test_the_copy_leaves_out_version_control_environments_and_outputs(tmp_path):
    root = _dummy_project(tmp_path / "project")
    copy = edit_loop.copy_project(root, tmp_path / "copy")
    files = {p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()}
    assert files == {"mods/leaf.py", "mods/mid.py", "defs.yaml", "reports/.gitkeep"}


def test_users_are_the_notebooks_importing_the_file_as_the_runner_sees_it():
    assert edit_loop.users(paths.ROOT, "analysis/report/figures/survey.py") == ["02_qualitative"]
    assert edit_loop.users(Path("/nonexistent-project"), "analysis/x.py") is None


# ------------------------------------------------------------------ the fresh clone
MAKEFILE = """run:
\t@echo "installing requirements.lock with uv 0.0 (hashes required)"
\t@sleep 0.3
\t@echo "prepare: building the lookup structures ..."
\t@sleep 0.3
\t@echo "prepare: done in 0 s"
\t@sleep 0.2
\t@test -z "$$PYTHONPATH"
\t@mkdir -p reports/$(COHORT) && echo "$$UV_CACHE_DIR" > reports/$(COHORT)/findings.html
fail:
\t@echo "something broke"; exit 3
"""


@pytest.fixture
def dummy_repo(tmp_path):
    from portability import make_with_a_posix_shell

    if not make_with_a_posix_shell():
        pytest.skip("the fresh-clone benchmark runs make with a POSIX shell (not on Windows)")
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    for command in (["init", "-q"], ["add", "Makefile"],
                    ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x"]):
        subprocess.run(["git", "-C", str(repo), *command], check=True, capture_output=True)
    return repo


def test_fresh_clone_times_clone_install_prepare_and_pipeline(dummy_repo, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", "/somewhere/else")
    rows = fresh_clone.fresh_clone(dummy_repo, cohort="c1", cache="empty", say=lambda _: None)
    seconds = {r["case"].split(" (")[0]: r["seconds"] for r in rows}
    assert list(seconds) == ["total", "clone", "install", "prepare", "pipeline"]
    assert 0.25 < seconds["install"] < 5 and 0.25 < seconds["prepare"] < 5
    assert 0.15 < seconds["pipeline"] < 5
    assert seconds["total"] == pytest.approx(sum(seconds[p] for p in fresh_clone.PHASES), abs=0.05)
    note = rows[0]["note"]
    assert "cache=empty" in note and "installer=uv" in note and "findings=yes" in note
    text = "\n".join(fresh_clone.markdown_lines(rows))
    assert "| total (empty caches) |" in text and "target < 90 s met" in text


def test_a_failing_make_in_the_clone_is_reported(dummy_repo):
    with pytest.raises(RuntimeError, match="(?s)make fail failed.*something broke"):
        fresh_clone.fresh_clone(dummy_repo, cohort="c1", target="fail", say=lambda _: None)
    with pytest.raises(ValueError, match="cache must be one of"):
        fresh_clone.fresh_clone(dummy_repo, cohort="c1", cache="warm")


def test_phases_need_both_prepare_lines():
    assert fresh_clone.phases([(1.0, "x"), (2.0, "")])["install"] is None
    split = fresh_clone.phases([(3.0, "prepare: building"), (5.0, "prepare: done in 2 s"),
                                (9.0, "")])
    assert split == {"install": 3.0, "prepare": 2.0, "pipeline": 4.0}


# ------------------------------------------------------------------ options
@pytest.mark.parametrize("argv, sections", [
    ([], {"compare", "edit", "clone", "scale"}),
    (["--quick"], {"compare", "edit", "scale"}),
    (["--only", "edit-loop"], {"edit"}),
    (["--quick", "--only", "fresh-clone,compare"], {"clone", "compare"}),
    (["--only", "compare", "--only", "scale", "--skip-scale"], {"compare"}),
])
def test_only_and_quick_choose_the_sections(argv, sections):
    settings = bench.settings_from(bench._parser().parse_args(argv))
    chosen = {name for name in ("compare", "edit", "clone", "scale") if getattr(settings, name)}
    assert chosen == sections
    if "--quick" in argv:
        assert settings.repeats == 1 and settings.sizes == (22,)
        assert settings.edits == edit_loop.QUICK_EDITS


def test_an_unknown_section_is_refused():
    with pytest.raises(SystemExit):
        bench._parser().parse_args(["--only", "everything"])


@pytest.mark.kernel
def test_the_kernel_package_check_names_where_kernels_import_from(tmp_path):
    folder = tmp_path / "pkg_probe_x"
    folder.mkdir()
    (folder / "__init__.py").write_text("", encoding="utf-8")
    found = measure.kernel_package_folder("pkg_probe_x", env={"PYTHONPATH": str(tmp_path)},
                                          cwd=tmp_path)
    assert found == folder.resolve()
    with pytest.raises(RuntimeError, match="could not import"):
        measure.kernel_package_folder("no_such_package_xyz", cwd=tmp_path)
