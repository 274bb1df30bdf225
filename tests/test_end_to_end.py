"""The whole pipeline on a fresh synthetic cohort: the acceptance tests of the compendium.

One module-scoped run of ``python -m analysis run`` on a small synthetic cohort (written to a
temporary raw folder with ``synth``, planted with personal data the privacy guard must stop),
then checks on what a user, a reviewer and CI rely on:

- the run ends with a findings document, key numbers and a figure manifest;
- a second run executes no notebook;
- raw files are byte-identical after the run (never modified);
- no machine path and no planted personal data reaches any report, notebook or figure: 45
  forms of Dutch personal data (:mod:`planted_pii`) in coded segments and open survey answers,
  searched with the scanner ``share`` uses, in the default and in publication mode; a second
  cohort with personal data in ids, code names, labels and wrong columns is refused by the
  validation without any value reaching an output;
- publication mode: ``run`` with ``publication: true`` renders ``reports/<cohort>/publicatie/``,
  ``share`` zips it and no people count below the threshold is in it; cohort.yaml's title with
  a ``<script>`` is shown as text;
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
from analysis.errors import CompendiumError
from analysis.pipeline import runner as pipeline
from analysis.privacy import scanner
from analysis.publish import disclosure

try:
    import browser
    import planted_pii
except ImportError:  # pragma: no cover
    from tests import browser, planted_pii

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


TITLE = "Pilot <script>alert('xss')</script> Helmond"


def _plant_personal_data(raw):
    """Put a child's name, a phone number, an e-mail address and a valid BSN into every
    coded segment, as a parent might say them in an interview; add one of the 45 forms of
    :mod:`planted_pii` to each segment and each open survey answer (cycling), a formula to
    the start of some, and a script to cohort.yaml's title."""
    forms = [text for _, text, _ in planted_pii.FORMS]
    file = raw / "coding" / "segments.csv"
    segments = pd.read_csv(file, dtype=str, keep_default_na=False)
    segments["text"] = (segments["text"] + f" Mijn zoon {PLANTED['name']} is bereikbaar op "
                        f"{PLANTED['phone']} of {PLANTED['email']}, BSN {PLANTED['bsn']}.")
    segments["text"] = [("=HYPERLINK(1) " if i % 7 == 0 else "") + text + " " +
                        forms[i % len(forms)] for i, text in enumerate(segments["text"])]
    segments.to_csv(file, index=False, lineterminator="\n")
    items = pd.read_csv(raw / "parent_survey_items.csv", dtype=str, keep_default_na=False)
    survey = pd.read_csv(raw / "parent_survey.csv", dtype=str, keep_default_na=False)
    for column in items.loc[items["type"] == "text", "item"]:
        if column in survey.columns:
            survey[column] = [("-" if i % 5 == 0 else "") + forms[(i + 11) % len(forms)]
                              for i in range(len(survey))]
    survey.to_csv(raw / "parent_survey.csv", index=False, lineterminator="\n")
    config = raw / "cohort.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text("\n".join(f'title: "{TITLE}"' if line.startswith("title:") else line
                                for line in text.splitlines()) + "\n", encoding="utf-8")


def _publishable(cohort):
    """Every file under reports/<cohort> and figures/<cohort> (publishable by construction)."""
    return [f for folder in (paths.reports_dir(cohort), paths.figures_dir(cohort))
            if folder.is_dir() for f in sorted(folder.rglob("*"))
            if f.is_file() and not f.name.startswith(".")]  # not the pipeline's own state


def _leaks(cohort, needles):
    """Scanner failures (planted values) in every publishable file of ``cohort``."""
    found = []
    for file in _publishable(cohort):
        found += [f"{paths.display(file)}: {f.reason}" for f in
                  scanner.scan_file(file, planted=needles, identifiers=False)
                  if f.rule == "planted"]
    return found


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


def test_no_planted_form_reaches_any_publishable_file(run):
    needles = planted_pii.needles() + [PLANTED["name"].split()[1], PLANTED["email"],
                                       PLANTED["bsn"], "0698765432"]
    assert len(planted_pii.FORMS) >= 40
    assert len(_publishable(COHORT)) > 10
    leaks = _leaks(COHORT, needles)
    assert leaks == [], "\n".join(leaks)


def test_no_formula_cell_in_any_csv_output(run):
    csvs = [f for folder in _outputs() for f in folder.rglob("*.csv")]
    assert csvs
    found = {paths.display(f): scanner.formula_cells(f) for f in csvs}
    assert {k: v for k, v in found.items() if v} == {}


def test_cohort_title_with_a_script_is_shown_as_text(run):
    page = paths.findings_path(COHORT).read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_a_forced_rerun_gives_identical_tables_numbers_and_figures(run, monkeypatch):
    def snapshot():
        out = {}
        for folder in (paths.processed_dir(COHORT), paths.figures_dir(COHORT)):
            out.update({f"{folder.name}/{k}": v for k, v in _digest(folder).items()})
        out["key_numbers.json"] = hashlib.sha256(
            paths.key_numbers_path(COHORT).read_bytes()).hexdigest()
        return out

    first = snapshot()
    document = paths.findings_path(COHORT).read_text(encoding="utf-8").splitlines()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "4102444800")  # the re-run is on 2100-01-01
    assert pipeline.run(COHORT, raw_root=run["raw_root"], force=True, out=lambda _: None) == 0
    second = snapshot()
    changed = sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    assert changed == []
    # another day changes the findings document in its colophon only (and the reproducibility
    # block's line on the previous run, which is now the first run)
    again = paths.findings_path(COHORT).read_text(encoding="utf-8").splitlines()
    assert len(again) == len(document)
    lines = [(a, b) for a, b in zip(document, again) if a != b]
    dated = [b for a, b in lines if "Colofon" in b and "2100-01-01" in b]
    assert len(dated) == 1, lines
    assert all("Colofon" in b or "vorige run" in b for _, b in lines), lines


@pytest.mark.browser
def test_findings_page_works_offline_in_a_browser(run, chromium):
    seen = browser.check_page(paths.findings_path(COHORT), chromium=chromium)
    assert seen.images and seen.broken_images == []
    assert seen.errors == [] and seen.resources == []


# ------------------------------------------------------------------------ publication mode

@pytest.fixture(scope="module")
def publication_run(run, tmp_path_factory):
    params = tmp_path_factory.mktemp("params") / "params.yaml"
    params.write_text("publication: true\n", encoding="utf-8")
    lines: list[str] = []
    code = pipeline.run(COHORT, raw_root=run["raw_root"], params_file=params, out=lines.append)
    planted = tmp_path_factory.mktemp("planted") / "planted.txt"
    planted.write_text("\n".join(planted_pii.needles()) + "\n", encoding="utf-8")
    return {"code": code, "lines": lines, "planted": planted}


def test_publication_mode_leaks_no_planted_form(publication_run):
    assert publication_run["code"] == 0, "\n".join(publication_run["lines"][-30:])
    leaks = _leaks(COHORT, planted_pii.needles())
    assert leaks == [], "\n".join(leaks)


def test_share_bundles_only_checked_files_without_small_cells(run, publication_run):
    import zipfile

    code = cli.main(["share", "--cohort", COHORT, "--raw-dir", str(run["raw_root"]),
                     "--planted", str(publication_run["planted"])])
    check = pd.read_csv(paths.reports_dir(COHORT) / "publicatie" / "disclosure_check.csv")
    assert code == 0, check[check["status"] == "fail"].to_string()
    bundle = paths.reports_dir(COHORT) / f"{COHORT}_publicatie.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        numbers = __import__("json").loads(archive.read("key_numbers.json"))
    folder = paths.reports_dir(COHORT) / "publicatie"
    assert sorted(names) == sorted(p.relative_to(folder).as_posix()
                                   for p in folder.rglob("*") if p.is_file())
    assert "findings.html" in names and "disclosure_check.csv" in names
    assert not any("jacobson_truax" in n or "trajectories_sessions" in n for n in names)
    small = [k for k, v in numbers.items() if disclosure.is_person_count(k)
             and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 5]
    assert small == []
    assert set(check["status"]) <= {"pass", "published", "redrawn", "suppressed", "withheld"}


def test_share_refuses_the_default_mode_document(run, publication_run, tmp_path):
    from analysis.publish import render

    (tmp_path / "findings.html").write_text(
        "<p>Niet voor publicatie: deze citaten passeerden de automatische privacycontrole</p>",
        encoding="utf-8")
    failures = scanner.scan_file(tmp_path / "findings.html", planted=["Jansen"])
    assert failures == []  # the scanner alone does not know the mode; the check does
    _, failures = render.check_folder(tmp_path, threshold=5)
    assert [f.rule for f in failures] == ["publication_mode"]


# ------------------------------------------------------------- ids, labels and wrong columns

REFUSED = "e2e-refused-test"


@pytest.fixture(scope="module")
def refused_run(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("raw-refused")
    assert cli.main(["synth", "--cohort", REFUSED, "--families", "22", "--seed", "5",
                     "--raw-dir", str(raw_root)]) == 0
    raw = raw_root / REFUSED
    values = planted_pii.IDS_AND_COLUMNS
    sessions = pd.read_csv(raw / "coding" / "sessions.csv", dtype=str, keep_default_na=False)
    segments = pd.read_csv(raw / "coding" / "segments.csv", dtype=str, keep_default_na=False)
    old = sessions.loc[0, "session_id"]
    sessions.loc[0, "session_id"] = values["session id with name and address"]
    segments.loc[segments["session_id"] == old, "session_id"] = \
        values["session id with name and address"]
    segments.loc[1, "participant"] = values["participant with a name"]
    segments.loc[2, "code"] = values["code named after a family"]
    sessions.loc[1, "n_participants"] = values["phone in a number column"]
    sessions.to_csv(raw / "coding" / "sessions.csv", index=False, lineterminator="\n")
    segments.to_csv(raw / "coding" / "segments.csv", index=False, lineterminator="\n")
    items = pd.read_csv(raw / "parent_survey_items.csv", dtype=str, keep_default_na=False)
    items.loc[0, "text"] = values["survey item with a name"]
    items.to_csv(raw / "parent_survey_items.csv", index=False, lineterminator="\n")
    trajectories = pd.read_csv(raw / "trajectories.csv", dtype=str, keep_default_na=False)
    trajectories.loc[0, "therapist_id"] = values["therapist id with a name"]
    trajectories.to_csv(raw / "trajectories.csv", index=False, lineterminator="\n")
    config = raw / "cohort.yaml"
    config.write_text("\n".join(
        f'title: "{values["cohort title with a name"]}"' if line.startswith("title:") else line
        for line in config.read_text(encoding="utf-8").splitlines()) + "\n", encoding="utf-8")
    lines: list[str] = []
    try:
        code = pipeline.run(REFUSED, raw_root=raw_root, out=lines.append)
    except CompendiumError as error:  # the validation refuses before anything runs
        code, lines = 2, [*lines, *str(error).splitlines()]
    yield {"code": code, "lines": lines}
    for folder in (paths.processed_dir(REFUSED), paths.figures_dir(REFUSED),
                   paths.reports_dir(REFUSED)):
        shutil.rmtree(folder, ignore_errors=True)


def test_identifiers_in_ids_labels_and_wrong_columns_are_refused_unechoed(refused_run):
    assert refused_run["code"] != 0
    assert any("column participant: expected a pseudonym" in line for line in refused_run["lines"])
    needles = ["Jansen", "Kerkstraat", "Verhoeven", "Annemiek", "0612345678", "Vries"]
    assert not any(n in line for n in needles for line in refused_run["lines"])
    leaks = _leaks(REFUSED, needles)
    assert leaks == [], "\n".join(leaks)
