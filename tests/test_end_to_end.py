"""The whole pipeline on a fresh synthetic cohort: the acceptance tests of the compendium.

One module-scoped run of ``python -m analysis run`` on a small synthetic cohort (written to a
temporary raw folder with ``synth``, planted with personal data the privacy guard must stop),
then checks on what a user, a reviewer and CI rely on:

- the run ends with a findings document, key numbers and a figure manifest;
- a second run executes no notebook;
- raw files are byte-identical after the run (never modified);
- no machine path and no planted personal data reaches any report, notebook or figure;
- a forced re-run gives byte-identical tables, key numbers and figures (determinism);
- the findings page works offline in headless Chromium.

Outputs go to ``data/processed/<cohort>``, ``figures/<cohort>`` and ``reports/<cohort>`` of the
compendium under a test-only cohort name and are removed afterwards.
"""

from __future__ import annotations

import hashlib
import shutil
import time

import pandas as pd
import pytest

from analysis import cli, paths
from analysis.pipeline import runner as pipeline

try:
    import browser
except ImportError:  # pragma: no cover
    from tests import browser

pytestmark = pytest.mark.slow

COHORT = "e2e-synthetic-test"
PLANTED = {
    "name": "Daan Verhoeven",
    "phone": "06-98765432",
    "email": "j.verhoeven@example.nl",
    "bsn": "111222333",  # passes the 11-proef: 9+8+7+12+10+8+9+6-3 = 66 = 6 x 11
}


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _outputs():
    return [paths.processed_dir(COHORT), paths.figures_dir(COHORT), paths.reports_dir(COHORT)]


def _plant_personal_data(raw):
    """Put a child's name, a phone number, an e-mail address and a valid BSN into every
    coded segment, as a parent might say them in an interview."""
    file = raw / "coding" / "segments.csv"
    segments = pd.read_csv(file, dtype=str, keep_default_na=False)
    segments["text"] = (segments["text"] + f" Mijn zoon {PLANTED['name']} is bereikbaar op "
                        f"{PLANTED['phone']} of {PLANTED['email']}, BSN {PLANTED['bsn']}.")
    segments.to_csv(file, index=False, lineterminator="\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("raw")
    for folder in _outputs():
        shutil.rmtree(folder, ignore_errors=True)
    assert cli.main(["synth", "--cohort", COHORT, "--families", "40", "--seed", "11",
                     "--raw-dir", str(raw_root)]) == 0
    _plant_personal_data(raw_root / COHORT)
    before = _digest(raw_root / COHORT)
    lines: list[str] = []
    code = pipeline.run(COHORT, raw_root=raw_root, out=lines.append)
    yield {"code": code, "lines": lines, "raw_root": raw_root, "raw_before": before}
    for folder in _outputs():
        shutil.rmtree(folder, ignore_errors=True)


def test_run_ends_with_the_findings_document(run):
    assert run["code"] == 0, "\n".join(run["lines"][-30:])
    assert paths.findings_path(COHORT).is_file()
    assert paths.key_numbers_path(COHORT).is_file()
    assert any("findings" in line and "findings.html" in line for line in run["lines"])


def test_second_run_executes_no_notebook(run):
    lines: list[str] = []
    started = time.perf_counter()
    assert pipeline.run(COHORT, raw_root=run["raw_root"], out=lines.append) == 0
    seconds = time.perf_counter() - started
    assert not any("running" in line for line in lines), lines
    cached = [line for line in lines if line.startswith("[") and line.endswith("cached")]
    assert len(cached) == len(pipeline.load_pipeline(paths.PIPELINE_FILE).notebooks), lines
    print(f"no-op re-run: {seconds:.2f} s")  # the benchmark reports this figure


def test_raw_data_are_never_modified(run):
    assert _digest(run["raw_root"] / COHORT) == run["raw_before"]


def _texts():
    for folder in _outputs():
        for file in folder.rglob("*"):
            if file.is_file() and file.suffix in {".html", ".ipynb", ".json", ".csv", ".svg", ".md"}:
                yield file, file.read_text(encoding="utf-8", errors="replace")


def test_no_machine_path_reaches_any_output(run):
    tmp = str(run["raw_root"])
    for file, text in _texts():
        for marker in (tmp, str(paths.ROOT), "/root/", "/home/"):
            assert marker not in text, f"{paths.display(file)} holds {marker!r}"


@pytest.mark.parametrize("kind", sorted(PLANTED))
def test_planted_personal_data_never_reaches_a_report(run, kind):
    value = PLANTED[kind] if kind != "name" else PLANTED["name"].split()[1]
    reports = [f for f in paths.reports_dir(COHORT).rglob("*") if f.suffix in {".html", ".ipynb"}]
    assert reports
    for file in reports:
        assert value not in file.read_text(encoding="utf-8"), f"{kind} in {paths.display(file)}"


def test_a_forced_rerun_gives_identical_tables_numbers_and_figures(run):
    def snapshot():
        out = {}
        for folder in (paths.processed_dir(COHORT), paths.figures_dir(COHORT)):
            out.update({f"{folder.name}/{k}": v for k, v in _digest(folder).items()})
        out["key_numbers.json"] = hashlib.sha256(
            paths.key_numbers_path(COHORT).read_bytes()).hexdigest()
        return out

    first = snapshot()
    assert pipeline.run(COHORT, raw_root=run["raw_root"], force=True, out=lambda _: None) == 0
    second = snapshot()
    changed = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    assert changed == []


@pytest.mark.browser
def test_findings_page_works_offline_in_a_browser(run, chromium):
    seen = browser.check_page(paths.findings_path(COHORT), chromium=chromium)
    assert seen.images and seen.broken_images == []
    assert seen.errors == [] and seen.resources == []
