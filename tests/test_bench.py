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
    assert "| b/a | 0.500 | <= 0.333 NOT met |" in text and "2.00x as fast" in text and "| c/a | 0.003 |" in text
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


@pytest.mark.parametrize("stage", ["validation", "scoring", "statistics"])
def test_stages_report_time_and_peak_memory(tiny_cohort, stage):
    cohort, raw_root = tiny_cohort
    result = measure.stage_in_subprocess(stage, cohort, raw_root)
    assert result["seconds"] >= 0 and 20 < result["peak_rss_mb"] < 2000


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="stage must be one of"):
        measure.stage_in_subprocess("nothing", "x", None)


@pytest.mark.slow
def test_bench_end_to_end_on_a_tiny_cohort(tmp_path, capsys):
    before = {p.name for base in (paths.PROCESSED, paths.FIGURES, paths.REPORTS)
              if base.is_dir() for p in base.iterdir()}
    assert bench.main(["--skip-compare", "--sizes", "22", "--out", str(tmp_path)]) == 0
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
