"""The published rendering end to end: ``run``, ``publish`` and ``share`` on a matrix of cohorts.

Eight cohort states (:data:`publish_fixtures.MATRIX`): a single family, three families, all
dropped out, no coding, one coder (generated shapes), the bundled cohort, and the cohort made by
hand (literal rows, groups of 1 to 4, a therapist discipline of one, a survey of three parents)
before and after one family (F17, dropped out) is removed from its raw data. Each state is run
once (internal: :func:`analysis.pipeline.runner.run`, what ``python -m analysis run`` calls, in
this process, its notebooks in kept kernels of one :class:`~analysis.pipeline.pool.KernelPool`),
published at threshold 5 (``publish``) and shared at threshold 10 (``share --threshold 10``,
which renders the published folder again at 10), two cohorts at a time. Every published
folder is kept for the checks:

- the bundle is built, every figure in it has its checked marks table and a decision row, no
  default-mode artefact (notebook page, internal PDF or zip, history, "niet voor publicatie"
  mark) is in it, every link resolves inside it;
- nothing below the threshold in any published file (the scanner's rules, the published key
  numbers, and every number the document links to the key-number page);
- ``share --threshold 10`` is consistent: manifest, document and zip all at 10;
- two publication runs differing by one family: the second bundle holds no change sentence, no
  history and no value of the first run;
- red team: a quote that passed the guard but was not approved, an internal PDF and a stale
  zip left in ``reports/<cohort>/``, the raw values behind the marks, ``compare`` and ``diff``.

Outputs go to ``data/processed/pub-*``, ``figures/pub-*`` and ``reports/pub-*`` and are removed
afterwards.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from analysis import paths
from analysis.privacy import scanner
from analysis.publish import disclosure, render

try:
    import pipeline_fixtures
    import publish_fixtures as fixtures
except ImportError:  # pragma: no cover
    from tests import pipeline_fixtures
    from tests import publish_fixtures as fixtures

pytestmark = pytest.mark.slow

PARAMS = "04_follow_up:\n  n_sim: 100\n"
"""A short power simulation: these tests are about what is published, not about power."""
STATES = fixtures.MATRIX
COHORTS = [s for s in STATES if s != "pub-hand-17"]  # pub-hand-17: the second state of pub-hand
BUNDLES = [(state, k) for state in STATES for k in (5, 10)]
INTERNAL_TOKEN = "INTERNE-VERSIE-7731"


def _outputs(cohort):
    return [paths.processed_dir(cohort), paths.figures_dir(cohort), paths.reports_dir(cohort)]


def _command(args, env):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "analysis", *args], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", env=env, cwd=paths.ROOT)
    return {"code": done.returncode, "log": done.stdout + done.stderr,
            "seconds": time.monotonic() - started}


def _keep(cohort, store, state, threshold):
    from analysis.pipeline.state import figures_of_run

    folder = render.published_dir(cohort)
    target = store / state / str(threshold)
    (store / state).mkdir(parents=True, exist_ok=True)
    if folder.is_dir():
        shutil.copytree(folder, target)
    if threshold == 5 and paths.key_numbers_path(cohort).is_file():  # the internal run's
        shutil.copyfile(paths.key_numbers_path(cohort), store / state / "internal.json")
        (store / state / "figures.json").write_text(json.dumps(sorted(figures_of_run(cohort))),
                                                    encoding="utf-8")
    bundle = render.zip_path(cohort)
    if threshold == 10 and bundle.is_file():
        shutil.copyfile(bundle, store / state / "bundle.zip")
    return target


def _state(cohort, state, raw_root, params, store, env, kernels):
    steps = {"run": pipeline_fixtures.run_cohort(cohort, raw_root=raw_root, params=params,
                                                 kernel_pool=kernels)}
    if cohort == "pub-hand" and state == "pub-hand":  # red team: internal artefacts beside it
        reports = paths.reports_dir(cohort)
        (reports / "findings.pdf").write_text(f"%PDF {INTERNAL_TOKEN}", encoding="utf-8")
        (reports / f"{cohort}_publicatie.zip").write_bytes(INTERNAL_TOKEN.encode())
    steps["publish"] = _command(["publish", "--cohort", cohort, "--raw-dir", str(raw_root),
                                 "--threshold", "5"], env)
    _keep(cohort, store, state, 5)
    steps["share"] = _command(["share", "--cohort", cohort, "--raw-dir", str(raw_root),
                               "--threshold", "10"], env)
    _keep(cohort, store, state, 10)
    return steps


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("publish-raw")
    store = tmp_path_factory.mktemp("published")
    params = raw_root / "params.yaml"
    params.write_text(PARAMS, encoding="utf-8")
    for cohort in COHORTS:
        for folder in _outputs(cohort):
            shutil.rmtree(folder, ignore_errors=True)
        fixtures.write_matrix_cohort(raw_root, cohort)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(paths.ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))

    from analysis.pipeline import execute
    from analysis.pipeline.pool import KernelPool

    execute.import_executor()  # in this thread: the runs' threads then find it imported
    kernels = KernelPool()

    def work(cohort):
        states = {cohort: _state(cohort, cohort, raw_root, params, store, env, kernels)}
        if cohort == "pub-hand":  # the same cohort again, one family (F17) less
            internal = paths.findings_path(cohort).read_text(encoding="utf-8")
            shutil.rmtree(raw_root / cohort)
            fixtures.write_hand_cohort(raw_root, cohort, drop=("F17",))
            states["pub-hand-17"] = _state(cohort, "pub-hand-17", raw_root, params, store, env,
                                           kernels)
            states["pub-hand-17"]["internal_before"] = internal
            states["pub-hand-17"]["internal_after"] = paths.findings_path(cohort).read_text(
                encoding="utf-8")
        return states

    started = time.monotonic()
    with kernels, ThreadPoolExecutor(2) as pool:  # the hand-made cohort (two states) first
        results = {}
        for states in pool.map(work, sorted(COHORTS, key=lambda c: c != "pub-hand")):
            results.update(states)
    seconds = time.monotonic() - started
    print(f"\npublication matrix: {len(STATES)} states in {seconds:.0f} s (2 at a time; "
          f"{kernels.started} kernels started, {kernels.cleared} notebooks in a kept kernel)")
    for state, steps in results.items():
        print(f"  {state}: " + ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in steps.items()
                                         if isinstance(v, dict)))
    yield {"raw_root": raw_root, "store": store, "results": results, "env": env}
    for cohort in COHORTS:
        for folder in _outputs(cohort):
            shutil.rmtree(folder, ignore_errors=True)


def _bundle(matrix, state, threshold):
    steps = matrix["results"][state]
    for step in ("run", "publish", "share"):
        assert steps[step]["code"] == 0, f"{step} of {state}:\n" + steps[step]["log"][-3000:]
    return matrix["store"] / state / str(threshold)


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _plain(page):
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", " ", page,
                                                        flags=re.S)))


# --------------------------------------------------------------------------- every bundle


@pytest.mark.parametrize("state, threshold", BUNDLES)
def test_the_bundle_is_built_with_its_site_check_and_manifest(matrix, state, threshold):
    folder = _bundle(matrix, state, threshold)
    files = _files(folder)
    for name in ("findings.html", "index.html", "kerngetallen.html", "figuren.html",
                 "beweringen.html", "key_numbers.json", "claims.csv", "disclosure_check.csv",
                 "publicatie.json"):
        assert name in files, (name, files)
    manifest = json.loads((folder / "publicatie.json").read_text(encoding="utf-8"))
    assert manifest["threshold"] == threshold and len(manifest["inputs_hash"]) == 64
    import pandas as pd

    check = pd.read_csv(folder / "disclosure_check.csv", keep_default_na=False)
    assert set(files) <= set(check.loc[check["rule"] == "scan", "output"])
    assert set(check.loc[check["rule"] == "scan", "status"]) == {"pass"}


@pytest.mark.parametrize("state, threshold", BUNDLES)
def test_every_figure_in_the_bundle_comes_with_its_checked_marks_table(matrix, state, threshold):
    import pandas as pd

    folder = _bundle(matrix, state, threshold)
    check = pd.read_csv(folder / "disclosure_check.csv", keep_default_na=False)
    decided = check[check["rule"] == "figure checked from its marks table"]
    for png in sorted((folder / "figuren").glob("*.png")):
        marks = png.with_suffix(".marks.csv")
        assert marks.is_file(), f"{png.name} has no published marks table"
        table = pd.read_csv(marks, keep_default_na=False, dtype=str)
        if "individual" in table:
            assert not table["individual"].str.lower().isin(["true", "1"]).any(), png.name
        row = decided[decided["output"] == f"figuren/{png.name}"]
        assert len(row) == 1 and row["status"].iloc[0] in ("published", "redrawn"), png.name
        assert scanner.csv_small_cells(marks, threshold) == []
    shown = {p.stem for p in (folder / "figuren").glob("*.png")}
    withheld = {o.removeprefix("figuren/") for o in
                decided.loc[decided["status"] == "withheld", "output"]}
    made = set(json.loads((folder.parent / "figures.json").read_text(encoding="utf-8")))
    assert not shown & withheld and shown <= made
    assert made <= shown | withheld  # every figure of the run has a decision


@pytest.mark.parametrize("state, threshold", BUNDLES)
def test_no_default_mode_artefact_is_in_the_bundle(matrix, state, threshold):
    from analysis.privacy.gate import NOT_FOR_PUBLICATION

    folder = _bundle(matrix, state, threshold)
    files = _files(folder)
    assert not [f for f in files if f.endswith((".ipynb", ".zip", ".pdf"))
                or re.match(r"\d\d_", f) or "history" in f or f.startswith(".")], files
    mark = NOT_FOR_PUBLICATION.strip("*")[:40]
    for page in (f for f in files if f.endswith(".html")):
        text = (folder / page).read_text(encoding="utf-8")
        assert mark not in text and INTERNAL_TOKEN not in text, page
        # no change sentence (old -> new counts); an arrow only in the colophon's list of
        # parameters changed from their defaults (the test's own bootstrap count)
        assert "Sinds de vorige run" not in text, page
        arrows = [line for line in text.splitlines() if "→" in line]
        assert all("Parameters anders dan de standaard" in line for line in arrows), arrows


@pytest.mark.parametrize("state, threshold", BUNDLES)
def test_every_link_of_the_bundle_resolves_inside_it(matrix, state, threshold):
    folder = _bundle(matrix, state, threshold)
    assert render.outside_links(folder) == []
    page = (folder / "findings.html").read_text(encoding="utf-8")
    assert re.search(r'href="\d\d_[\w-]+\.html', page) is None  # no notebook page


@pytest.mark.parametrize("state, threshold", BUNDLES)
def test_nothing_below_the_threshold_in_any_published_file(matrix, state, threshold):
    folder = _bundle(matrix, state, threshold)
    _, failures = render.check_folder(folder, threshold=threshold)
    assert failures == [], failures
    numbers = json.loads((folder / "key_numbers.json").read_text(encoding="utf-8"))
    small = [k for k, v in numbers.items() if disclosure.is_person_count(k)
             and isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < threshold]
    assert small == []
    # every number the document links to the key-number page is a published value: the sign of
    # its key, or (the denominator of "x van de 12 gezinnen" links to the step's key) a count
    # the published set shows
    page = (folder / "findings.html").read_text(encoding="utf-8")
    shown = {str(v) for k, v in numbers.items() if disclosure.is_person_count(k)
             and isinstance(v, int) and not isinstance(v, bool)}
    for key, text in re.findall(r'<a class="bron" href="kerngetallen.html#([\w.-]+)">([^<]*)</a>',
                                page):
        text = html.unescape(text)
        if disclosure.is_person_count(key) and re.fullmatch(r"\d+", text):
            assert not 0 < int(text) < threshold, (key, text)
        if isinstance(numbers.get(key), str) and numbers[key] in ("x", f"<{threshold}"):
            assert text in (numbers[key], "x") or text in shown, (key, text, numbers[key])


def site_numbers_problems(folder, threshold):
    """What the site pages of a published folder show that is not the published set: each row
    of ``kerngetallen.html`` against ``key_numbers.json`` (same keys but the parts the cohort
    does not have, the value as
    :func:`analysis.report.labels.format_key_number` writes it), each claim of
    ``beweringen.html`` against ``claims.csv``, the only number of ``index.html`` (the
    threshold), and no people count below the threshold in any figure caption or note of
    ``figuren.html``."""
    import pandas as pd

    from analysis.report.labels import format_key_number

    problems = []
    numbers = json.loads((folder / "key_numbers.json").read_text(encoding="utf-8"))
    page = (folder / "kerngetallen.html").read_text(encoding="utf-8")
    rows = {key: html.unescape(value) for key, value in re.findall(
        r'<tr id="([^"]+)"><td>[^<]*</td><td class="getal">([^<]*)</td>', page)}
    from analysis.report.findings_sections import absent_part_keys

    listed = set(numbers) - set(absent_part_keys(numbers))  # what the cohort has (issue 22)
    if set(rows) != listed:
        problems.append(f"kerngetallen.html keys differ: {sorted(set(rows) ^ listed)[:5]}")
    problems += [f"kerngetallen.html#{k}: {rows[k]!r} is not the published {numbers[k]!r}"
                 for k in sorted(set(rows) & set(numbers))
                 if rows[k] != format_key_number(numbers[k])]
    claims = pd.read_csv(folder / "claims.csv", dtype=str, keep_default_na=False)
    page = (folder / "beweringen.html").read_text(encoding="utf-8")
    shown = [[html.unescape(c) for c in cells] for cells in re.findall(
        r'<tr><td>[^<]*</td><td class="getal">([^<]*)</td><td class="getal">([^<]*)</td>', page)]

    def num(text):
        try:
            value = float(text)
        except ValueError:
            return text
        return int(value) if value.is_integer() else value

    from analysis.report.claims import is_percent, reproduced_text, value_text

    expected = [[value_text(num(r.published), is_percent(r.unit, num(r.numerator))),
                 reproduced_text(num(r.reproduced), num(r.numerator), num(r.denominator))]
                for r in claims.itertuples()]
    if shown != expected:
        problems.append(f"beweringen.html shows {shown[:3]}..., claims.csv {expected[:3]}...")
    index = _plain((folder / "index.html").read_text(encoding="utf-8"))
    if set(re.findall(r"(?<![\w.,-])\d+(?![\w.,-])", index)) - {str(threshold)}:
        problems.append("index.html shows a number other than the threshold")
    figures = _plain(re.sub(r'src="data:[^"]+"', "", (folder / "figuren.html")
                            .read_text(encoding="utf-8")))
    for count, unit in re.findall(r"\b(\d+) (gezinnen|gezin|kinderen|kind|ouders|ouder|"
                                  r"personen|deelnemers|professionals)\b", figures):
        if 0 < int(count) < threshold:
            problems.append(f"figuren.html: {count} {unit}")
    return problems


@pytest.mark.parametrize("state, threshold", BUNDLES)
def test_every_number_of_the_site_pages_is_the_published_one(matrix, state, threshold):
    """kerngetallen.html, beweringen.html, index.html and figuren.html show the published set
    and nothing else (the numbers of findings.html: the test above)."""
    assert site_numbers_problems(_bundle(matrix, state, threshold), threshold) == []


@pytest.mark.parametrize("state", STATES)
def test_share_at_threshold_10_renders_the_set_again_and_zips_it_whole(matrix, state):
    folder = _bundle(matrix, state, 10)
    assert "made at threshold 5, not at the threshold 10" in matrix["results"][state]["share"]["log"]
    text = _plain((folder / "findings.html").read_text(encoding="utf-8"))
    assert '"<10"' in text and "grens 10" in text and '"<5"' not in text
    with zipfile.ZipFile(matrix["store"] / state / "bundle.zip") as archive:
        names = sorted(archive.namelist())
    assert names == _files(folder)
    assert all(render.SAFE_NAME.fullmatch(n) for n in names)


# --------------------------------------------------------------------------- the hand-made cohort


def test_hand_made_cohort_quotes_only_what_was_approved(matrix):
    folder = _bundle(matrix, "pub-hand", 5)
    internal = matrix["results"]["pub-hand-17"]["internal_before"]
    assert fixtures.UNAPPROVED_WORD in internal  # the channel exists in the internal document
    found = [f for f in _files(folder) for failure in scanner.scan_file(
        folder / f, planted=[fixtures.UNAPPROVED_WORD], identifiers=False)]
    assert found == []
    assert fixtures.APPROVED[1] in _plain((folder / "findings.html").read_text(encoding="utf-8"))


def test_hand_made_cohort_states_what_is_true(matrix):
    """The false statements of issue 21, on literal data: 15 of 18 completed, 3 play therapists,
    2 focus-group sessions, 0 warnings; the document never shows a count of people below the
    threshold, never "<5" for a count that is 5 or more, and no "<5" for a zero."""
    folder = _bundle(matrix, "pub-hand", 5)
    numbers = json.loads((folder / "key_numbers.json").read_text(encoding="utf-8"))
    raw = json.loads((folder.parent / "internal.json").read_text(encoding="utf-8"))
    text = " ".join(_plain((folder / "findings.html").read_text(encoding="utf-8")).split())
    assert "Gestarte trajecten: 18" in text
    assert "2 focusgroepen" in text and "geen waarschuwingen" in text
    assert "<5 afgerond" not in text and "x afgerond" in text  # 15 completed: hidden, not small
    assert "<5 speltherapeuten" in text  # 3 play therapists: "<5" is the honest sign
    for key, value in numbers.items():  # honest signs: "<5" only for a count from 1 to 4
        if value == "<5":
            assert isinstance(raw[key], (int, float)) and 0 < raw[key] < 5, (key, raw[key])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            assert value == raw[key], key


def test_published_figures_of_the_hand_made_cohort(matrix):
    """Each figure's decision and smallest cell (printed for the report)."""
    import pandas as pd

    for threshold in (5, 10):
        folder = _bundle(matrix, "pub-hand", threshold)
        check = pd.read_csv(folder / "disclosure_check.csv", keep_default_na=False)
        figures = check[(check["rule"] == "figure checked from its marks table")
                        & ~check["output"].str.endswith((".svg", ".csv"))]
        print(f"\nhand-made cohort, threshold {threshold}: {len(_files(folder))} files")
        for row in figures.itertuples():
            print(f"  {row.output}: {row.status}, smallest cell {row.smallest_cell or '-'}")
            if row.smallest_cell:
                assert int(row.smallest_cell) >= threshold


# --------------------------------------------------------------------------- two runs


def test_two_publication_runs_differing_by_one_family(matrix):
    """Nothing in the second bundle tells which family left or what its scores were: no change
    sentence, no history, no value of the first run; its numbers are those of the second run
    as published."""
    second = _bundle(matrix, "pub-hand-17", 5)
    internal = matrix["results"]["pub-hand-17"]["internal_after"]
    assert "Sinds de vorige run" in internal  # the internal document names what changed
    for name in _files(second):
        text = (second / name).read_text(encoding="utf-8", errors="replace")
        assert "vorige run" not in text and "history" not in name, name
        # an arrow only in the colophon's parameters changed from their defaults (n_sim)
        arrows = [line for line in text.splitlines() if "→" in line]
        assert all("Parameters anders dan de standaard" in line for line in arrows), name
    run_numbers = json.loads(paths.key_numbers_path("pub-hand").read_text(encoding="utf-8"))
    expected, _ = disclosure.publish_numbers(run_numbers, threshold=5)
    shown = json.loads((second / "key_numbers.json").read_text(encoding="utf-8"))
    assert shown == {k: str(v) if getattr(v, "suppressed", False) else v
                     for k, v in expected.items()}
    assert shown["trajectories_started"] == 17


def test_compare_and_diff_show_published_values_only(matrix):
    from analysis import cli

    out = paths.REPORTS / "compare" / "pub-hand_vs_pub-bundled.publicatie.html"
    try:
        assert cli.main(["compare", "pub-hand", "pub-bundled", "--publicatie"]) == 0
        page = out.read_text(encoding="utf-8")
        raw = json.loads(paths.key_numbers_path("pub-hand").read_text(encoding="utf-8"))
        published = json.loads((render.published_dir("pub-hand") / "key_numbers.json")
                               .read_text(encoding="utf-8"))
        shown = {}
        for row in re.findall(r"<tr>(.*?)</tr>", page, flags=re.S):
            cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            if len(cells) >= 3:
                shown[cells[-1]] = cells[1]  # key -> the value shown for pub-hand
        assert shown, "no key-number rows found on the comparison page"
        for key, value in published.items():
            if value in ("<10", "x") and key in shown:
                assert shown[key] == value, (key, shown[key])
    finally:
        out.unlink(missing_ok=True)
    internal = _command(["diff", "--cohort", "pub-hand"], matrix["env"])
    assert "trajectories_dropped_out: 2 -> 1" in internal["log"]  # the channel: raw old -> new
    done = _command(["diff", "--cohort", "pub-hand", "--publicatie"], matrix["env"])
    assert done["code"] == 0, done["log"]
    assert "published values only" in done["log"]
    assert "trajectories_dropped_out" not in done["log"]  # "<10" both times: nothing to show


def test_internal_artefacts_left_in_reports_never_reach_the_bundle(matrix):
    reports = paths.reports_dir("pub-hand")
    assert (reports / "findings.pdf").is_file()  # the planted internal PDF is still there
    with zipfile.ZipFile(matrix["store"] / "pub-hand" / "bundle.zip") as archive:
        for name in archive.namelist():
            assert INTERNAL_TOKEN.encode() not in archive.read(name), name
            assert not name.endswith(".pdf")
    assert INTERNAL_TOKEN.encode() not in render.zip_path("pub-hand").read_bytes()


def test_the_published_pages_list_every_file_written_after_them(matrix):
    """Issue 25: the manifest and the disclosure check are written after the site; the
    published index and findings still list them, and every listed file is in the folder."""
    folder = _bundle(matrix, "pub-bundled", 5)
    for page in ("index.html", "findings.html"):
        text = (folder / page).read_text(encoding="utf-8")
        for name in (render.MANIFEST, render.CHECK, "key_numbers.json", "claims.csv"):
            assert f'href="{name}"' in text, (page, name)
        for href in re.findall(r'href="([\w.-]+\.(?:csv|json|pdf))"', text):
            assert (folder / href).is_file() and (folder / href).stat().st_size > 0, href
