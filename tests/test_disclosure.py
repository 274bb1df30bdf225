"""analysis.publish.disclosure: what each number counts, primary, secondary and ratio suppression."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.publish import disclosure
from analysis.report import findings

K = 5


def _recoverable(published: dict, original: dict, threshold: int) -> list[str]:
    """Independent check: which hidden people counts can be pinned down from what is shown.

    For every declared relation (total = sum of parts) every assignment of the hidden cells
    (0..total, hidden people counts 1..threshold-1 or 0) consistent with the shown cells is
    enumerated; a hidden cell with one possible value is recoverable. A shown ratio of a hidden
    count gives it back too.
    """
    problems = []
    hidden = {k for k, v in published.items() if getattr(v, "suppressed", False)}
    for relation in disclosure.rules()["relations"]:
        cells = [relation["total"], *relation["parts"]]
        if not all(isinstance(original.get(c), (int, float)) for c in cells) or \
                not (set(cells) & hidden):
            continue
        total_max = max(int(original[c]) for c in cells) + threshold
        ranges = [range(total_max + 1) if c in hidden else [int(original[c])] for c in cells]
        possible = {c: set() for c in cells if c in hidden}
        for values in itertools.product(*ranges):
            if values[0] != sum(values[1:]):
                continue
            assignment = dict(zip(cells, values))
            if any(c in hidden and disclosure.is_person_count(c) and original[c] != 0
                   and not 0 < assignment[c] < threshold and original[c] < threshold
                   for c in cells):
                continue
            for c in possible:
                possible[c].add(assignment[c])
        problems += [f"{c} pinned to {sorted(v)}" for c, v in possible.items() if len(v) == 1]
    for ratio in disclosure.rules()["ratios"]:
        if ratio["numerator"] in hidden or ratio["denominator"] in hidden:
            problems += [f"{d} shown" for d in ratio["derived"]
                         if d in published and not getattr(published[d], "suppressed", False)]
    return problems


SHAPES = {
    "flow 12 = 9 + 2 + 1": {"trajectories_started": 12, "trajectories_completed": 9,
                            "trajectories_dropped_out": 2, "trajectories_ongoing": 1},
    "one small part": {"trajectories_started": 30, "trajectories_completed": 26,
                       "trajectories_dropped_out": 4, "trajectories_ongoing": 0},
    "3 of 6 (50%)": {"analysis_set_n": 6, "t0_elevated_n": 3, "t0_not_elevated_n": 3,
                     "t0_elevated_pct": 50.0, "t0_elevated_ci_low_pct": 11.8,
                     "t0_elevated_ci_high_pct": 88.2},
    "small professionals": {"therapists_total": 9, "therapists_play": 7, "therapists_pmt": 2},
    "questionnaires 22 = 14 + 5 + 0 + 3": {"trajectories_completed": 22, "questionnaire_both": 14,
                                           "questionnaire_baseline_only": 5,
                                           "questionnaire_end_only": 0, "questionnaire_none": 3},
    "tiny cohort": {"trajectories_started": 4, "trajectories_completed": 3,
                    "trajectories_dropped_out": 1, "trajectories_ongoing": 0,
                    "analysis_set_n": 3, "t0_elevated_n": 2, "t0_not_elevated_n": 1,
                    "t0_elevated_pct": 66.7},
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("threshold", [5, 10])
def test_small_group_shapes_leave_no_small_or_recoverable_count(shape, threshold):
    numbers = SHAPES[shape]
    published, decisions = disclosure.publish_numbers(numbers, threshold=threshold)
    shown_small = [k for k, v in published.items() if disclosure.is_person_count(k)
                   and isinstance(v, (int, float)) and 0 < v < threshold]
    assert shown_small == []
    assert _recoverable(published, numbers, threshold) == []
    assert {d.status for d in decisions} <= {"pass", "suppressed"}


def test_the_issue_flow_example_hides_the_parts_but_keeps_the_total():
    published, _ = disclosure.publish_numbers(SHAPES["flow 12 = 9 + 2 + 1"])
    assert published["trajectories_started"] == 12
    assert [published[k] for k in ("trajectories_completed", "trajectories_dropped_out",
                                   "trajectories_ongoing")] == ["<5", "<5", "<5"]


def test_counts_that_are_not_about_people_are_never_suppressed():
    numbers = {"observation_sessions_min": 3, "observation_sessions_max": 5,
               "validation_warnings_n": 1, "case_study_n": 1, "collaboration_hours_max": 4,
               "interview_sessions_n": 2, "segments_n": 3, "slots": 4}
    published, _ = disclosure.publish_numbers(numbers)
    assert published == numbers


def test_undeclared_counts_are_taken_for_people():
    assert disclosure.is_person_count("some_new_group_n")
    published, _ = disclosure.publish_numbers({"some_new_group_n": 2})
    assert published["some_new_group_n"] == "<5"


def test_ratio_of_a_hidden_count_is_hidden_as_x():
    published, _ = disclosure.publish_numbers(SHAPES["3 of 6 (50%)"])
    assert published["t0_elevated_pct"] == "x" and published["t0_elevated_ci_low_pct"] == "x"


@given(st.lists(st.integers(0, 40), min_size=3, max_size=3), st.sampled_from([5, 10]))
@settings(max_examples=150, deadline=None)
def test_secondary_suppression_holds_for_any_flow(parts, threshold):
    numbers = {"trajectories_started": sum(parts), "trajectories_completed": parts[0],
               "trajectories_dropped_out": parts[1], "trajectories_ongoing": parts[2]}
    published, _ = disclosure.publish_numbers(numbers, threshold=threshold)
    hidden = [k for k, v in published.items() if getattr(v, "suppressed", False)]
    assert not any(isinstance(v, int) and 0 < v < threshold and disclosure.is_person_count(k)
                   for k, v in published.items())
    if hidden and "trajectories_started" not in hidden:
        assert len(hidden) >= 2
        assert sum(numbers[k] for k in hidden) == 0 or sum(numbers[k] for k in hidden) >= threshold


def test_prose_in_publication_mode_suppresses_people_not_sessions_or_warnings():
    doc = findings.Findings(cohort="x", publication=True, numbers={
        "trajectories_started": 12, "trajectories_completed": 9, "trajectories_dropped_out": 2,
        "trajectories_ongoing": 1, "observation_sessions_min": 3, "observation_sessions_max": 5,
        "validation_warnings_n": 1, "t0_elevated_n": 3, "analysis_set_n": 6,
        "t0_elevated_pct": 50.0})
    text = repr(doc.say("{trajectories_started:count} gestart: {trajectories_completed:count} "
                        "afgerond, {trajectories_dropped_out:count} gestopt, "
                        "{trajectories_ongoing:count} lopend; {observation_sessions_min:count} "
                        "tot {observation_sessions_max:count} observatiesessies; "
                        "{validation_warnings_n:count} waarschuwing; {t0_elevated_n:count} van "
                        "de {analysis_set_n:count} ({t0_elevated_pct:pct})"))
    assert text == ("12 gestart: <5 afgerond, <5 gestopt, <5 lopend; 3 tot 5 observatiesessies; "
                    "1 waarschuwing; <5 van de 6 (x)")


def test_claims_table_hides_small_numerators_and_the_percentage_that_gives_them_back():
    table = pd.DataFrame({"claim_id": ["a", "b", "c"], "reproduced": [50.0, 66.7, 80.0],
                          "numerator": [3, 2, 16], "denominator": [6, 3, 20],
                          "ci_low": [11.8, 9.4, 56.3], "ci_high": [88.2, 99.2, 94.3]})
    out = disclosure.claims_table(table)
    assert out["numerator"].tolist()[:2] == ["<5", "<5"]
    assert out["reproduced"].tolist()[:2] == ["x", "x"] and out["ci_low"].tolist()[:2] == ["x", "x"]
    assert out.loc[2, "numerator"] == 16 and out.loc[2, "reproduced"] == 80.0
    assert out.loc[1, "denominator"] == "<5"


def test_table_columns_get_secondary_suppression():
    assert disclosure.suppress_column([20, 3, 9, 12]) == [20, "<5", "<5", 12]
    assert disclosure.suppress_column([20, 3, 4, 12]) == [20, "<5", "<5", 12]
    assert disclosure.suppress_column([0, 7, 9]) == [0, 7, 9]


@pytest.mark.parametrize("values,failed", [
    ([100] * 10, []), ([1000, 5, 5, 5, 5, 5], ["dominance", "p-ratio"]),
    ([10, 10, 10], ["threshold"]), ([50, 50, 1, 1, 1, 1, 1], ["dominance"])])
def test_acro_magnitude_checks(values, failed):
    assert disclosure.magnitude_check(values) == failed


def test_every_key_number_of_the_bundled_cohort_is_declared():
    names = ["trajectories_started", "parents_interviewed", "focus_group_therapists_n",
             "interview_sessions_n", "validation_warnings_n", "follow_up_n_enrol_precision_05"]
    assert [disclosure.unit_of(n) for n in names] == [
        "families", "parents", "professionals", "sessions", "warnings", "planned_sample"]
    assert disclosure.CBS_THRESHOLD == 10 and disclosure.rules()["threshold_cbs"] == 10


# ------------------------------------------------------- publication mode on cohort shapes

SMALL_SHAPES = ("shape-one-family", "shape-all-elevated", "shape-none-elevated",
                "shape-children-groups", "shape-gp-referral", "shape-with-claims")
"""Shapes of the cohort matrix (issue 11) with small groups of people."""


@pytest.fixture(scope="module")
def published_shapes(tmp_path_factory):
    import os
    import shutil
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from analysis import paths
    from analysis.data.synthetic import shapes

    chosen = [s for s in shapes.CATALOGUE if s.name in SMALL_SHAPES]
    raw_root = tmp_path_factory.mktemp("published-shapes")
    params = raw_root / "params.yaml"
    params.write_text("publication: true\n04_follow_up:\n  n_sim: 100\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(paths.ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))

    def run(shape):
        shapes.write_shape(shape, raw_root)
        done = subprocess.run(
            [sys.executable, "-m", "analysis", "run", "--cohort", shape.name, "--raw-dir",
             str(raw_root), "--params", str(params), "--jobs", "1"],
            capture_output=True, text=True,
                              encoding="utf-8", errors="replace", env=env, cwd=paths.ROOT)
        shared = subprocess.run([sys.executable, "-m", "analysis", "share", "--cohort",
                                 shape.name], capture_output=True, text=True,
                                encoding="utf-8", errors="replace", env=env,
                                cwd=paths.ROOT)
        return shape.name, {"code": done.returncode, "log": done.stdout + done.stderr,
                            "share": shared.returncode, "share_log": shared.stderr}

    with ThreadPoolExecutor(2) as pool:
        runs = dict(pool.map(run, chosen))
    yield runs
    for shape in chosen:
        for folder in (paths.processed_dir(shape.name), paths.figures_dir(shape.name),
                       paths.reports_dir(shape.name)):
            shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("shape", SMALL_SHAPES)
def test_publication_mode_on_small_shapes_shows_no_small_or_recoverable_count(
        published_shapes, shape):
    import json
    import zipfile

    from analysis import paths
    from analysis.privacy import scanner

    run = published_shapes[shape]
    assert run["code"] == 0, run["log"][-3000:]
    assert run["share"] == 0, run["share_log"][-3000:]
    reports = paths.reports_dir(shape)
    with zipfile.ZipFile(reports / f"{shape}_publicatie.zip") as archive:
        published = json.loads(archive.read("key_numbers.json"))
        claims = archive.read("claims.csv").decode("utf-8")
    original = json.loads((reports / "key_numbers.json").read_text(encoding="utf-8"))
    shown_small = [k for k, v in published.items() if disclosure.is_person_count(k)
                   and isinstance(v, (int, float)) and not isinstance(v, bool)
                   and 0 < v < K]
    assert shown_small == []
    marked = {k: disclosure.Suppressed(v) if isinstance(v, str) and (v.startswith("<") or v == "x")
              else v for k, v in published.items()}
    assert _recoverable(marked, original, K) == []
    claims_file = reports / "claims.csv"
    assert claims_file.read_text(encoding="utf-8") == claims
    assert scanner.csv_small_cells(claims_file, K) == []
    page = (reports / "findings.html").read_text(encoding="utf-8")
    assert "Niet voor publicatie" not in page
