"""Issue 22: the cohort's own words and true counts.

People are counted once (the same five people in two focus groups are five; one therapist in two
disciplines is one), and a cohort's documents use its own code tree, hypotheses, target and
tariffs. ``tests/fixtures/zwolle-2025/`` is a small cohort of another pilot written by hand (not
by the generator): another municipality, exports under their own names, its own code tree,
session labels in Dutch, two hypotheses, its own tariffs and no target.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.data import validate
from analysis.data.cohort import read_config
from analysis.qualitative import qda, themes
from analysis.report import findings_sections as sections

HAND_MADE = Path(__file__).parent / "fixtures" / "zwolle-2025"
"""The hand-made cohort (literal files)."""

HELMOND_WORDS = (
    # the bundled pilot's top-level codes and the package's former list of themes
    "Werkzame elementen", "Kansen", "Risico's", "Voorwaarden", "Belemmeringen",
    "Transfer naar huis", "Ervaring ouders", "Overig",
    # its hypothesis, target, publication and place
    "vermoedt", "stress van ouders afneemt", "gemeentelijke opdracht", "Gemeentelijke opdracht",
    "handreiking", "Handreiking", "Helmond", "herhaalt de evaluatie",
    # instruments the hand-made cohort lacks
    "ARI-CP", "ari_cp", "OBVL",
)
"""Words of the bundled cohort that no page of another cohort's site may hold."""


# ------------------------------------------------------------------ counting people once

def _focus_groups(segments: bool = True):
    sessions = pd.DataFrame({"session_id": ["FG1", "FG2"], "session_type": "focus_group",
                             "group": "social_workers", "n_participants": [5, 5]})
    people = [f"W{i}" for i in range(1, 6)]
    coded = pd.DataFrame({"session_id": ["FG1"] * 5 + ["FG2"] * 5,
                          "segment_id": [str(i) for i in range(10)],
                          "participant": people + people, "coder": "A",
                          "code_path": "Samen > Overleg", "text": "tekst"})
    return sessions, (coded if segments else None)


def test_the_same_five_people_in_two_focus_groups_are_five_people():
    sessions, segments = _focus_groups()
    counts = themes.participant_counts(sessions, segments).iloc[0]
    assert (counts["sessions"], counts["participations"], counts["people"]) == (2, 10, 5)
    numbers = themes.session_key_numbers(sessions, segments)
    assert numbers["focus_group_social_workers_n"] == 5
    assert numbers["focus_group_social_workers_participations_n"] == 10
    text = sections.participation(sections.participation_table(
        sessions, themes.participant_counts(sessions, segments)))
    assert "2 focusgroepen (5 sociaal werkers)" in text and "11" not in text
    assert "deelnames" not in text


def test_five_new_people_in_the_second_group_are_ten():
    sessions, segments = _focus_groups()
    segments.loc[segments["session_id"] == "FG2", "participant"] = [f"V{i}" for i in range(5)]
    assert themes.participant_counts(sessions, segments)["people"].iloc[0] == 10


def test_without_pseudonyms_the_text_counts_participations_not_people():
    sessions, _ = _focus_groups()
    for segments in (None, _focus_groups()[1].head(7)):  # none, or not everyone named
        counts = themes.participant_counts(sessions, segments).iloc[0]
        assert counts["people"] is None and counts["participations"] == 10
        assert themes.session_key_numbers(sessions, segments)[
            "focus_group_social_workers_n"] is None
        text = sections.participation(sections.participation_table(
            sessions, themes.participant_counts(sessions, segments)))
        assert "10 deelnames van sociaal werkers" in text
        assert "sociaal werkers)" not in text.split("deelnames")[0]  # no count of people
    one = sessions.head(1)  # one session: its participants are people
    assert themes.participant_counts(one)["people"].iloc[0] == 5


def test_one_therapist_in_two_disciplines_is_one_therapist():
    trajectories = pd.DataFrame({
        "therapy": ["drama", "muziek", "pmt", "beeldend", "speltherapie"],
        "therapist_id": ["T1", "T1", "T2", "T3", "T4"], "social_worker_id": ["W1"] * 5})
    table = sections.staff_table(trajectories).set_index("key")
    assert table.loc["therapists_total", "n"] == 4
    assert table.loc["therapists_drama", "n"] == table.loc["therapists_music", "n"] == 1
    text = sections.staff(table.reset_index())
    assert text.startswith("In de trajecten werkten 4 vaktherapeuten (")
    assert "telt bij elk" in text  # says how the per-discipline counts count
    from analysis.trajectories.flow import staff_counts

    assert staff_counts(trajectories)["therapists_total"] == 4


def test_people_counts_say_what_they_count_for_publication():
    from analysis.publish import disclosure

    for key in ("focus_group_social_workers_n", "focus_group_social_workers_participations_n",
                "therapists_total", "therapists_drama"):
        assert disclosure.is_person_count(key), key
    assert not disclosure.is_person_count("focus_group_sessions_n")


def test_the_sdq_elevated_share_is_reported_without_the_attachment_measure():
    from analysis.questionnaires import outcomes
    from tests.test_forms import hand_frame

    one = hand_frame("parent_4_17")
    sdq = pd.concat([one, one.assign(timepoint="T1")], ignore_index=True).drop(
        columns=["child_age"])
    results = outcomes.analyse_questionnaires({"sdq": sdq,
                                               "trajectories": one[["family_id", "child_age"]]})
    numbers = results.key_numbers()
    assert numbers["t0_elevated_n"] is not None and numbers["t0_elevated_denominator_n"] > 0
    assert numbers["t0_elevated_pct"] is not None
    # the steps that need the attachment measure are absent, never a false 0
    for step in outcomes.ATTACHMENT_STEPS:
        assert numbers[f"{step}_n"] is None, step
    assert list(results.chain["key"]) == ["t0_elevated", "t0_not_elevated",
                                          "t1_reliable_improvement_all_elevated"]


# ------------------------------------------------------------------ the cohort's own settings

def test_the_hand_made_cohort_states_its_own_settings():
    config = read_config(HAND_MADE)
    assert config.municipality == "Zwolle" and config.publication is None
    assert config.substitution_target is None  # no target unless the cohort sets one
    assert config.hypotheses == ("Ouders voelen zich na het traject zekerder in de opvoeding.",
                                 "Kinderen slapen beter wanneer de thuissituatie rustiger wordt.")
    assert config.tariffs == HAND_MADE / "tarieven_zwolle.yaml" and config.theme_level == 1
    assert config.positive_parent_code is None


def test_hypotheses_come_from_the_cohort_only():
    say = lambda template: template  # noqa: E731 - no numbers needed
    assert sections.hypotheses([], {"ari_cp_n": 10}, say=say) == ""
    text = sections.hypotheses(["Ouders slapen beter."], {}, say=say)
    assert "Ouders slapen beter." in text and "vermoedt" not in text


def test_the_hand_made_cohort_has_its_own_themes_and_people(tmp_path):
    folder = shutil.copytree(HAND_MADE, tmp_path / "zwolle-2025")
    report = validate.validate_cohort(folder)
    assert report.errors == [], report.format()
    sessions = report.tables["sessions"]
    assert set(sessions["session_type"]) == {"focus_group", "interview"}  # Dutch labels mapped
    segments = qda.read_cohort_coding(folder)
    # most segments first: 5, 4 and 3 segments
    assert themes.cohort_themes(segments) == ["Samen optrekken", "Rust in het gezin",
                                              "Knelpunten"]
    matrix = themes.theme_matrix(segments, sessions)
    assert set(matrix["theme"]) == {"Samen optrekken", "Knelpunten", "Rust in het gezin"}
    counts = themes.participant_counts(sessions, segments).set_index("group")
    assert counts.loc["social_workers", "people"] == 5  # the same five in both focus groups
    assert counts.loc["social_workers", "participations"] == 10


# ------------------------------------------------------------------ the hand-made cohort, run

def _visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'data:[^"\')]+', " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


@pytest.mark.slow
def test_the_hand_made_cohort_runs_and_its_sites_hold_only_its_own_words(tmp_path):
    """The whole pipeline and the publish stage on the hand-made cohort: every page of the
    internal site and of the published one holds none of the bundled cohort's words."""
    raw = tmp_path / "raw"
    shutil.copytree(HAND_MADE, raw / "zwolle-2025")
    params = tmp_path / "params.yaml"
    params.write_text("04_follow_up:\n  n_sim: 100\n", encoding="utf-8")
    name = "zwolle-2025"
    for folder in (paths.processed_dir(name), paths.figures_dir(name), paths.reports_dir(name)):
        shutil.rmtree(folder, ignore_errors=True)
    try:
        for command in (["run", "--cohort", name, "--raw-dir", str(raw), "--params", str(params),
                         "--jobs", "1"], ["publish", "--cohort", name, "--raw-dir", str(raw)],
                        ["share", "--cohort", name, "--raw-dir", str(raw)]):
            done = subprocess.run([sys.executable, "-m", "analysis", *command], cwd=paths.ROOT,
                                  capture_output=True, text=True, encoding="utf-8",
                                  errors="replace")
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        reports = paths.reports_dir(name)
        # the pages a reader reads (the notebook pages show code and the validation table)
        pages = [reports / p for p in ("findings.html", "index.html", "kerngetallen.html",
                                       "figuren.html", "beweringen.html")]
        pages += sorted((reports / "publicatie").glob("*.html"))
        assert any(p.parent.name == "publicatie" for p in pages)
        for page in pages:
            text = _visible_text(page.read_text(encoding="utf-8"))
            for word in HELMOND_WORDS:
                assert word not in text, f"{page.relative_to(reports)} says {word!r}"
        findings = _visible_text((reports / "findings.html").read_text(encoding="utf-8"))
        assert "Ouders voelen zich na het traject zekerder in de opvoeding." in findings
        assert "tarievenlijst van de gemeente Zwolle" in findings
        assert "5 sociaal werkers" in findings and "4 vaktherapeuten" in findings
        numbers = json.loads(paths.key_numbers_path(name).read_text(encoding="utf-8"))
        assert numbers["substitution_target"] is None
        assert numbers["substitution_target_verdict_nl"] is None
        assert numbers["therapists_total"] == 4
        # elevated at T0 under each form's norms, without ARI-CP in the cohort
        assert numbers["t0_elevated_n"] is not None and numbers["sdq_informant_switch_n"] == 1
        _nothing_worked_out_from_the_bundle(reports / f"{name}_publicatie.zip", numbers, tmp_path)
    finally:
        for folder in (paths.processed_dir(name), paths.figures_dir(name),
                       paths.reports_dir(name)):
            shutil.rmtree(folder, ignore_errors=True)


def _nothing_worked_out_from_the_bundle(bundle: Path, numbers: dict, tmp_path: Path) -> None:
    """What an attacker has: the zip alone. Ten children of ten ages, each "<5", used to give
    each child's age and sex away beside the number of trajectories (issue 21); from the
    key numbers and the figures' marks tables nothing hidden may be worked out, the figure
    that showed them must still be published (the split is left out, not the figure), and no
    mark's text may carry a count. ``numbers`` (the run's) only say which of the declared
    relations between key numbers hold: names, as public as the code."""
    import zipfile

    from dataclasses import replace

    from analysis.publish import attack
    from analysis.publish.relations import public_relations

    folder = tmp_path / "bundle"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    published = json.loads((folder / "key_numbers.json").read_text(encoding="utf-8"))
    shown, equations = attack.figure_relations(folder / "figuren")
    assert "trajectories_characteristics: Soort vaktherapie: PMT" in shown
    for variable, value in shown.items():
        if variable not in published or isinstance(value, int):
            published[variable] = value
    relations = public_relations(numbers)
    relations = replace(relations, equations=relations.equations + equations)
    found = attack.recovered(published, relations, threshold=5)
    assert [str(f) for f in found] == []
    for table in (folder / "figuren").glob("*.marks.csv"):
        assert not re.search(r"\bn\s*=\s*\d", table.read_text(encoding="utf-8")), table.name
