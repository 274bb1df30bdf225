"""analysis.publish.render, fast parts: published tables and claims from the published key
numbers, links kept inside the folder, the scan of a folder, refusals of the publish stage,
``diff --publicatie`` records, and the issue's false statements rendered from a published set.
The whole stage on real runs is in ``tests/test_publish_end_to_end.py``."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import cli, paths
from analysis.data import processed
from analysis.publish import disclosure, render
from analysis.report import findings
from analysis.report.published import Mark, PublishedSet, read_set, write_set

K = 5


@pytest.fixture
def processed_tables(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    folder = processed.stage_dir("c", "questionnaires")
    folder.mkdir(parents=True)
    pd.DataFrame({"step": [1, 2], "key": ["t0_elevated", "t1_better"],
                  "label_nl": ["Verhoogd", "... verbeterd"], "k": [11, 3], "n": [12, 11],
                  "proportion": [11 / 12, 3 / 11], "ci_low": [0.6, 0.05],
                  "ci_high": [0.99, 0.6]}).to_csv(folder / "chain.csv", index=False)
    pd.DataFrame({"scheme": ["uk", "uk"], "step": [1, 2], "key": ["t0_elevated", "t1_better"],
                  "label_nl": ["Verhoogd", "... verbeterd"], "k": [11, 3], "n": [12, 11],
                  }).to_csv(folder / "chain_by_scheme.csv", index=False)
    monkeypatch.setattr(processed, "read_config", lambda cohort: {})
    return folder


def test_table_counts_are_the_published_key_numbers_so_prose_and_table_agree(processed_tables):
    numbers = {"t0_elevated_n": 11, "t0_elevated_denominator_n": 12, "t1_better_n": 3,
               "t1_better_denominator_n": 11, "t0_elevated_n_uk": 11}
    published = {**numbers, "t0_elevated_n": disclosure.Suppressed("x"),
                 "t1_better_n": disclosure.Suppressed("<5"),
                 "t0_elevated_n_uk": disclosure.Suppressed("x")}
    tables = render.published_tables("c", numbers, published, threshold=K)
    chain = tables["chain"].frame
    assert list(chain["k"]) == ["x", "<5"] and list(chain["n"]) == [12, 11]
    assert list(chain["ci_low"]) == ["x", "x"]  # the share of a withheld count is withheld
    assert tables["chain"].smallest_cell == 11
    # a count that no key number holds (t1_better_n_uk) is suppressed with the table
    assert list(tables["scheme"].frame["k"]) == ["x", "<5"]
    assert "staff" not in tables and "participation" not in tables and "claims" not in tables


def _claims_cohort(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    (tmp_path / "raw" / "c").mkdir(parents=True)
    pd.DataFrame({"claim_id": ["therapists_pmt", "t0_elevated_total_pct", "pilot_slots"],
                  "published": [2, 64, 30], "unit": ["count", "percent", "count"],
                  "statement": ["pmt", "verhoogd", "plekken"]}).to_csv(
        tmp_path / "raw" / "c" / "claims.csv", index=False)
    monkeypatch.setattr(processed, "read_config", lambda cohort: {
        "published_claims": "claims.csv", "publication": "Rapport"})


def test_claims_take_their_counts_from_the_published_set_and_hide_what_they_give_back(
        tmp_path, monkeypatch):
    _claims_cohort(tmp_path, monkeypatch)
    numbers = {"therapists_pmt": 2, "t0_elevated_n": 9, "analysis_set_n": 14, "slots": 30}
    published, _ = disclosure.publish_numbers(numbers, threshold=K)
    claims = render.published_tables("c", numbers, published, threshold=K)["claims"].frame
    pmt, share, slots = (claims.iloc[i] for i in range(3))
    assert pmt["reproduced"] == published["therapists_pmt"] != 2
    assert pmt["status"] == "x"  # "reproduced" next to the published 2 would give the 2 back
    assert share["numerator"] == 9 and share["denominator"] == 14
    assert share["status"] == "reproduced" and slots["reproduced"] == 30


def test_links_that_would_leave_the_folder_become_plain_text(tmp_path):
    (tmp_path / "kerngetallen.html").write_text('<tr id="n"></tr>', encoding="utf-8")
    page = tmp_path / "findings.html"
    page.write_text('<h2 id="a">A</h2><a href="#a">in</a> <a href="kerngetallen.html#n">3</a> '
                    '<a href="01_questionnaires.html#cel-25">14</a> <a href="#b">weg</a> '
                    '<a href="https://example.org">web</a> <a href="kerngetallen.html#m">7</a>',
                    encoding="utf-8")
    assert len(render.outside_links(tmp_path)) == 4
    assert render.keep_links_inside(tmp_path) == 4
    text = page.read_text(encoding="utf-8")
    assert text.count("<a ") == 2 and " 14 " in text and "weg" in text and " 7" in text
    assert render.outside_links(tmp_path) == []


def test_the_scan_never_echoes_an_unsafe_file_name_or_a_found_value(tmp_path):
    from analysis.privacy.gate import NOT_FOR_PUBLICATION

    (tmp_path / "figuren").mkdir()
    (tmp_path / "figuren" / "casus daan verhoeven.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "findings.html").write_text(f"<p>{NOT_FOR_PUBLICATION}</p>", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("note\nbel 06-12345678\n", encoding="utf-8")
    rows, failures = render.check_folder(tmp_path, threshold=K, planted=["Verhoeven"])
    text = json.dumps([list(r) for r in rows]) + json.dumps([vars(f) for f in failures])
    assert {f.rule for f in failures} >= {"name", "publication_mode", "identifier"}
    assert "verhoeven" not in text.lower() and "12345678" not in text


def test_the_published_set_round_trips_its_marks(tmp_path):
    tables = {"chain": pd.DataFrame({"k": [Mark("<5"), 9], "label": ["a", "b"]})}
    write_set(tmp_path, threshold=10, numbers={"a": Mark("x"), "b": 3, "c": "tekst"},
              tables=tables, figures={})
    back = read_set(tmp_path)
    assert back.threshold == 10 and back.numbers["a"] == "x" and back.numbers["a"].suppressed
    assert not getattr(back.numbers["c"], "suppressed", False)
    assert back.table("chain")["k"].tolist() == ["<5", 9]
    assert back.table("chain")["k"][0].suppressed


def test_publish_refuses_a_cohort_whose_run_is_incomplete_and_removes_the_old_set(tmp_path,
                                                                                 monkeypatch):
    import pipeline_fixtures as dummy

    root = dummy.build_project(tmp_path / "project")
    old = root / "reports" / dummy.COHORT / "publicatie"
    old.mkdir(parents=True)
    (old / "findings.html").write_text("an older published set", encoding="utf-8")
    with pytest.raises(render.PublicationRefused, match="00_load: never run"):
        render.publish(dummy.COHORT, root=root, notebooks_dir=root / "notebooks",
                       say=lambda _: None)
    assert not old.exists() and not any(p.name.startswith(".publicatie")
                                        for p in old.parent.iterdir())


def test_publish_and_share_refuse_a_bad_threshold_with_exit_2(capsys):
    assert cli.main(["publish", "--cohort", "no-such-cohort", "--threshold", "1"]) == 2
    assert "threshold must be a whole number from 2 to 100" in capsys.readouterr().err


def test_diff_records_as_published_show_marks_never_raw_small_values():
    record = {"run": 1, "key_numbers": {"03_trajectories": {"trajectories_started": 18,
                                                            "trajectories_completed": 15,
                                                            "trajectories_dropped_out": 2,
                                                            "trajectories_ongoing": 1}}}
    shown = render.published_record(record, threshold=K)["key_numbers"]["03_trajectories"]
    assert shown["trajectories_started"] == 18
    assert shown["trajectories_dropped_out"] in ("<5", "x")
    assert shown["trajectories_ongoing"] in ("<5", "x")


# --------------------------------------------------------------------------- issue 21's list


def _published_doc(numbers, threshold=K):
    published, _ = disclosure.publish_numbers(numbers, threshold=threshold)
    return findings.Findings(cohort="x", numbers=published,
                             published=PublishedSet(threshold, published))


FLOW = ("Gestarte trajecten: {trajectories_started:count}, waarvan "
        "{trajectories_completed:count} afgerond, {trajectories_dropped_out:count} voortijdig "
        "gestopt en {trajectories_ongoing:count} nog lopend.")


@pytest.mark.parametrize("completed, dropped, ongoing", [(18, 3, 1), (12, 6, 4)])
def test_no_count_of_five_or_more_is_shown_as_below_five(completed, dropped, ongoing):
    """Issue 21: "22 gestart, waarvan <5 afgerond" for 18 (and 12) completed."""
    doc = _published_doc({"trajectories_started": completed + dropped + ongoing,
                          "trajectories_n": completed + dropped + ongoing,
                          "trajectories_completed": completed,
                          "trajectories_dropped_out": dropped, "trajectories_ongoing": ongoing})
    text = repr(doc.say(FLOW))
    assert f"waarvan {completed} afgerond" in text or "waarvan x afgerond" in text
    for value, words in ((dropped, "voortijdig"), (ongoing, "nog lopend")):
        shown = text.split(words)[0].rsplit(" ", 2)[-2]  # the count just before the words
        assert shown in (str(value), "x") or (shown == "<5" and 0 < value < 5), (words, shown)


def test_seven_therapists_are_never_below_five():
    """Issue 21: 7 play therapists shown as "<5"."""
    doc = _published_doc({"therapists_total": 9, "therapists_play": 7, "therapists_pmt": 2})
    text = repr(doc.say("{therapists_play:count:speltherapeut/speltherapeuten}"))
    assert text in ("7 speltherapeuten", "x speltherapeuten")


def test_zero_warnings_and_two_focus_group_sessions_are_shown_as_they_are():
    """Issue 21: "<5 waarschuwingen" for 0 and "<5 focusgroepen" for 2 sessions."""
    doc = _published_doc({"validation_warnings_n": 0, "focus_group_sessions_n": 2,
                          "focus_group_social_workers_n": 5})
    assert doc.count("validation_warnings_n", "waarschuwing", "waarschuwingen",
                     zero="geen") == '<a class="bron" href="kerngetallen.html#validation_warnings_n">geen</a> waarschuwingen'
    assert repr(doc.say("{focus_group_sessions_n:count:focusgroep/focusgroepen}")) == \
        "2 focusgroepen"


def test_a_suppressed_zero_is_never_shown_as_below_the_threshold():
    """Issue 21: a suppressed 0 shown as "<5"."""
    published, _ = disclosure.publish_numbers(
        {"trajectories_completed": 9, "questionnaire_both": 6, "questionnaire_baseline_only": 3,
         "questionnaire_end_only": 0, "questionnaire_none": 0}, threshold=K)
    assert published["questionnaire_end_only"] in (0, "x")
    assert published["questionnaire_none"] in (0, "x")


def test_a_figure_hiding_a_key_number_the_text_shows_is_withheld():
    from analysis.publish.disclosure import Suppressed
    from analysis.publish.figures import FigureDecision
    from analysis.publish.render import _withhold_if_shown_elsewhere

    redrawn = FigureDecision("f", "redrawn", "", 6, (), "secondary", 2,
                             hidden_keys=("a_n", "b_n"))
    both_hidden = {"a_n": Suppressed("<5"), "b_n": Suppressed("x")}
    assert _withhold_if_shown_elsewhere(redrawn, both_hidden) == redrawn
    one_shown = {"a_n": Suppressed("<5"), "b_n": 7}
    out = _withhold_if_shown_elsewhere(redrawn, one_shown)
    assert out.status == "withheld" and out.files == () and "elders" in out.reason_nl


@pytest.mark.parametrize("leak", [False, True])
def test_publish_runs_the_attacker_and_refuses_a_set_that_gives_a_hidden_count_back(
        tmp_path, monkeypatch, leak):
    """The publish stage itself (not only ``share``) runs the attacker on the folder it built:
    a set whose hidden count follows from what it shows is never renamed into place."""
    from analysis.pipeline import runner

    run = {"trajectories_started": 20, "trajectories_completed": 8,
           "trajectories_dropped_out": 3, "trajectories_ongoing": 9}
    shown = {"trajectories_started": 20, "trajectories_completed": 8,
             "trajectories_dropped_out": "<5", "trajectories_ongoing": 9 if leak else "x"}

    def build(cohort, threshold, raw_base, root, notebooks_dir, stage, pdf, say):
        (stage / "key_numbers.json").write_text(json.dumps(shown), encoding="utf-8")
        (stage / "findings.html").write_text("<p>Van de 20 gezinnen ...</p>", encoding="utf-8")
        return render._Built([], [], [("findings.html", "rendered", "published", "", None)], 0,
                             run)

    monkeypatch.setattr(runner, "last_run_problems", lambda *a, **k: [])
    monkeypatch.setattr(render, "_build", build)
    (tmp_path / "reports" / "c").mkdir(parents=True)
    folder = render.published_dir("c", root=tmp_path)
    if not leak:
        render.publish("c", threshold=5, root=tmp_path, say=lambda _: None)
        assert (folder / "key_numbers.json").is_file()
        return
    with pytest.raises(render.PublicationRefused, match="1 problem"):
        render.publish("c", threshold=5, root=tmp_path, say=lambda _: None)
    assert not folder.exists()
    refused = pd.read_csv(folder.parent / render.REFUSED, keep_default_na=False)
    reasons = " ".join(refused.loc[refused["status"] == "fail", "reason"])
    assert "recovered: the hidden count trajectories_dropped_out can be worked out" in reasons
