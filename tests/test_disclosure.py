"""analysis.publish.disclosure: what each number counts, honest signs, primary, secondary,
statistic and ratio suppression, published tables, the decision record.

The key numbers of real runs are the fixtures of ``tests/disclosure_fixtures/`` (the bundled
cohort and small shapes, made by ``make_key_numbers.py``); the reconstruction tests (the
attacker) are in ``tests/test_reconstruction.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.publish import disclosure
from analysis.publish.disclosure import Suppressed
from analysis.report import narrative

FIXTURES = Path(__file__).parent / "disclosure_fixtures"
RUNS = {f.stem: json.loads(f.read_text(encoding="utf-8")) for f in sorted(FIXTURES.glob("*.json"))}
NOT_PEOPLE = {"sessions", "hours", "warnings", "segments", "quotes", "places", "items", "scales"}


def _shown(published: dict) -> dict:
    """What the bundle's key_numbers.json holds: marks as plain strings."""
    return json.loads(json.dumps({k: str(v) if isinstance(v, Suppressed) else v
                                  for k, v in published.items()}))


# ------------------------------------------------------------------ what each number counts

def test_every_count_the_pipeline_records_is_declared():
    """A whole-number key number no rule declares would fall to the fail-safe guess; every one
    of the runs' key numbers is declared, so a new one makes this test ask for its unit."""
    undeclared = sorted({k for run in RUNS.values() for k, v in run.items()
                         if isinstance(v, int) and not isinstance(v, bool)
                         and disclosure.unit_of(k, v) == "people (undeclared)"})
    assert undeclared == []


@pytest.mark.parametrize("name,unit", [
    ("trajectories_started", "families"), ("parents_interviewed", "parents"),
    ("focus_group_therapists_n", "professionals"), ("therapists_play", "professionals"),
    ("interview_sessions_n", "sessions"), ("focus_group_sessions_n", "sessions"),
    ("validation_warnings_n", "warnings"), ("follow_up_n_enrol_precision_05", "planned_sample"),
    ("segments_n", "segments"), ("collaboration_hours_max", "hours"), ("slots", "places"),
    ("sdq_scales_tested_n", "scales"), ("parent_survey_likert5_items_n", "items"),
    ("sdq_total_mixed_n_families", "families"), ("sdq_total_mcnemar_p", "none")])
def test_units(name, unit):
    assert disclosure.unit_of(name) == unit


def test_undeclared_counts_are_taken_for_people():
    assert disclosure.is_person_count("some_new_group_n")
    assert disclosure.is_person_count("new_group_size", 3)  # looks like a count: an int
    assert not disclosure.is_person_count("new_score", 2.5)
    published, _ = disclosure.publish_numbers({"some_new_group_n": 2, "new_group_size": 3})
    assert published == {"some_new_group_n": "<5", "new_group_size": "<5"}


@pytest.mark.parametrize("threshold", [1, 2, "5", True, 5.0])
def test_a_threshold_that_is_not_a_whole_number_of_at_least_3_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold must be a whole number of at least 3"):
        disclosure.publish_numbers({"trajectories_started": 4}, threshold=threshold)


# ------------------------------------------------------------------ honest signs (the list)

FLOW_22 = {"trajectories_started": 22, "trajectories_completed": 18,
           "trajectories_dropped_out": 2, "trajectories_ongoing": 2}
FLOW_TEMPLATE = ("{trajectories_started:count} gestart, waarvan {trajectories_completed:count} "
                 "afgerond, {trajectories_dropped_out:count} voortijdig gestopt en "
                 "{trajectories_ongoing:count} nog lopend")


def test_22_started_of_which_18_completed_is_not_shown_as_fewer_than_5():
    """Issue 21: "22 gestart, waarvan <5 afgerond" for 18 completed. Cause: secondary
    suppression printed the primary sign "<k" for every hidden count of people."""
    published, decisions = disclosure.publish_numbers(FLOW_22)
    assert narrative.render(FLOW_TEMPLATE, published) == (
        "22 gestart, waarvan x afgerond, <5 voortijdig gestopt en <5 nog lopend")
    rule = {d.output.split(":")[1]: d.rule for d in decisions if d.status == "suppressed"}
    assert rule == {"trajectories_completed": "secondary", "trajectories_dropped_out":
                    "threshold", "trajectories_ongoing": "threshold"}


def test_seven_play_therapists_are_not_shown_as_fewer_than_5():
    published, _ = disclosure.publish_numbers({"therapists_total": 9, "therapists_play": 7,
                                               "therapists_pmt": 2, "therapists_art": 0})
    assert published == {"therapists_total": 9, "therapists_play": "x", "therapists_pmt": "<5",
                         "therapists_art": 0}


@pytest.mark.parametrize("warnings", [0, 1, 4])
def test_warnings_are_shown_as_they_are(warnings):
    published, _ = disclosure.publish_numbers({"validation_warnings_n": warnings})
    assert published["validation_warnings_n"] == warnings
    assert narrative.render("{validation_warnings_n:count:waarschuwing/waarschuwingen}",
                            published) == (f"{warnings} waarschuwing" if warnings == 1
                                           else f"{warnings} waarschuwingen")


def test_two_focus_groups_are_shown_as_two():
    published, _ = disclosure.publish_numbers({"focus_group_sessions_n": 2,
                                               "focus_group_social_workers_n": 6,
                                               "focus_group_therapists_n": 3})
    assert narrative.render("{focus_group_sessions_n:count:focusgroep/focusgroepen} "
                            "({focus_group_social_workers_n:count} sociaal werkers en "
                            "{focus_group_therapists_n:count} vaktherapeuten)", published) == (
        "2 focusgroepen (6 sociaal werkers en <5 vaktherapeuten)")


def test_a_zero_is_shown_and_never_hidden_in_its_place():
    """The old rules hid the smallest shown part, a 0, and showed it as "<5"."""
    published, _ = disclosure.publish_numbers({"trajectories_started": 12,
                                               "trajectories_completed": 9,
                                               "trajectories_dropped_out": 3,
                                               "trajectories_ongoing": 0})
    assert [published[k] for k in published] == [12, "x", "<5", 0]


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("threshold", [5, 10])
def test_signs_are_honest_on_every_run(run, threshold):
    numbers = RUNS[run]
    published, decisions = disclosure.publish_numbers(numbers, threshold=threshold)
    assert list(published) == list(numbers)
    for key, shown in published.items():
        value = numbers[key]
        if isinstance(shown, Suppressed) and shown.small:  # "<k": a people count of 1..k-1
            assert shown == f"<{threshold}" and disclosure.is_person_count(key, value)
            assert 1 <= value <= threshold - 1, key
        elif isinstance(shown, Suppressed):
            assert shown == "x", key
        if disclosure.unit_of(key, value) in NOT_PEOPLE:
            assert shown == value, key  # sessions, warnings, hours ... are never hidden
        if disclosure.is_person_count(key, value) and value == 0:
            assert shown == 0, key
        if disclosure.is_person_count(key, value) and isinstance(value, int) and \
                not isinstance(shown, Suppressed):
            assert value == 0 or value >= threshold, key
    hidden = {d.output.split(":", 1)[1] for d in decisions if d.status == "suppressed"}
    assert hidden == {k for k, v in published.items() if isinstance(v, Suppressed)}
    assert {d.rule for d in decisions} <= {"threshold", "secondary", "statistic", "ratio",
                                           "text", "relation"}


# ------------------------------------------------------------------ ratios, statistics, texts

def test_a_share_next_to_its_shown_denominator_is_hidden():
    """"<5 ... (40%)" next to "Van de 10 trajecten" gives the 4 back."""
    published, decisions = disclosure.publish_numbers({
        "indicated_n": 10, "substituted_n": 4, "substitution_share": 0.4,
        "substitution_ci_low": 0.1215528, "substitution_ci_high": 0.7376219,
        "net_cost_total_eur": 12000.0})
    assert [published[k] for k in published] == [10, "<5", "x", "x", "x", "x"]
    assert {d.rule for d in decisions if d.status == "suppressed"} == {"threshold", "ratio"}


@pytest.mark.parametrize("part", ["indicated_n", "placement_threats_n"])
def test_a_part_of_the_started_trajectories_hides_a_small_rest(part):
    """A hand-made cohort: "Gestarte trajecten: 7" beside "Van de 6 trajecten die ...
    geïndiceerd" told an outsider that 1 family was not indicated."""
    published, _ = disclosure.publish_numbers({"trajectories_started": 7, part: 6})
    assert "x" in (published["trajectories_started"], published[part])
    published, _ = disclosure.publish_numbers({"trajectories_started": 12, part: 6})
    assert (published["trajectories_started"], published[part]) == (12, 6)


def test_chain_percentages_and_intervals_of_a_hidden_count_are_hidden():
    published, _ = disclosure.publish_numbers({
        "analysis_set_n": 6, "t0_elevated_n": 3, "t0_not_elevated_n": 3,
        "t0_elevated_denominator_n": 6, "t0_elevated_pct": 50.0,
        "t0_elevated_ci_low_pct": 11.8, "t0_elevated_ci_high_pct": 88.2})
    assert published["t0_elevated_n"] == "<5" and published["t0_elevated_pct"] == "x"
    assert published["t0_elevated_ci_low_pct"] == "x" and published["analysis_set_n"] == 6


@pytest.mark.parametrize("p,hidden", [(0.25, True), (0.5, True), (0.125, False), (1.0, False),
                                       (0.0009765625, False)])
def test_an_exact_mcnemar_p_that_gives_back_few_pairs_is_hidden(p, hidden):
    """p = 0.25 = 2 x 0.5^3: 3 discordant pairs, all one way; p = 0.5: 2 pairs one way;
    p = 0.125: 4 pairs one way, or 6 and 1 (not all below 5); p = 1: any even split;
    p = 2 x 0.5^11: 11 pairs one way, not a small group."""
    published, _ = disclosure.publish_numbers({"sdq_n": 14, "sdq_total_mcnemar_p": p})
    assert (published["sdq_total_mcnemar_p"] == "x") is hidden


def test_exact_signed_rank_p_of_all_changes_one_way_is_hidden_with_its_companions():
    numbers = {"sdq_n": 14, "sdq_conduct_wilcoxon_p": 0.125, "sdq_conduct_wilcoxon_effect": -1.0,
               "sdq_conduct_wilcoxon_p_holm": 0.375, "sdq_conduct_verdict_nl": "niet aangetoond",
               "sdq_total_wilcoxon_p": 0.052734375, "sdq_total_wilcoxon_p_holm": 0.31640625,
               "sdq_total_t_p": 0.044}
    published, _ = disclosure.publish_numbers(numbers)
    assert {k for k, v in published.items() if v == "x"} == {
        "sdq_conduct_wilcoxon_p", "sdq_conduct_wilcoxon_effect", "sdq_conduct_wilcoxon_p_holm",
        "sdq_conduct_verdict_nl", "sdq_total_wilcoxon_p_holm"}
    assert published["sdq_total_wilcoxon_p"] == 0.052734375  # 27/512: no count of that form


def test_revealed_counts():
    assert disclosure.revealed_counts("mcnemar_exact", 0.25, 14) == {
        "discordant pairs": {3}, "pairs one way": {3}, "pairs the other way": {0}}
    assert disclosure.revealed_counts("signed_rank_exact", 0.052734375, 14) == {
        "non-zero changes": set()}
    with pytest.raises(ValueError, match="unknown exact test"):
        disclosure.revealed_counts("t_test", 0.5, 10)


def test_statistics_of_a_hidden_sample_are_hidden():
    published, _ = disclosure.publish_numbers({"stress_n": 3, "stress_rho": 0.4,
                                               "stress_rho_ci_low": -0.2, "sdq_n": 4,
                                               "sdq_total_hl": -1.5, "sdq_total_t_p": 0.2})
    assert published == {"stress_n": "<5", "stress_rho": "x", "stress_rho_ci_low": "x",
                         "sdq_n": "<5", "sdq_total_hl": "x", "sdq_total_t_p": "x"}


def test_a_text_holding_a_small_number_is_hidden_but_the_cohorts_words_are_not():
    published, _ = disclosure.publish_numbers({
        "sdq_total_wilcoxon_ci_missing_reason": "te weinig veranderingen (2) voor een interval",
        "sdq_total_verdict_nl": "grensgeval", "period_start": "2023-09-01",
        "follow_up_needed_paired_t_80_observed_nl": "40 gezinnen"})
    assert published == {"sdq_total_wilcoxon_ci_missing_reason": "x",
                         "sdq_total_verdict_nl": "grensgeval", "period_start": "2023-09-01",
                         "follow_up_needed_paired_t_80_observed_nl": "40 gezinnen"}


# ------------------------------------------------------------------ secondary suppression

@given(st.lists(st.integers(0, 40), min_size=3, max_size=3), st.sampled_from([5, 10]))
@settings(max_examples=150, deadline=None)
def test_secondary_suppression_holds_for_any_flow(parts, threshold):
    numbers = {"trajectories_started": sum(parts), "trajectories_completed": parts[0],
               "trajectories_dropped_out": parts[1], "trajectories_ongoing": parts[2]}
    published, _ = disclosure.publish_numbers(numbers, threshold=threshold)
    hidden = [k for k, v in published.items() if isinstance(v, Suppressed)]
    assert not any(isinstance(v, int) and 0 < v < threshold for v in published.values())
    if hidden and "trajectories_started" not in hidden:
        assert len(hidden) >= 2
        assert sum(numbers[k] for k in hidden) == 0 or sum(numbers[k] for k in hidden) >= \
            threshold
        small = [k for k in hidden if published[k].small]
        if len(small) == len(hidden):  # "<k" cells whose sum is shown may not pin each other
            total = sum(numbers[k] for k in hidden)
            assert any(max(1, total - sum(threshold - 1 for j in hidden if j != k)) <
                       min(threshold - 1, total - len(hidden) + 1) for k in small)


def test_two_small_cells_that_sum_to_8_are_not_left_alone():
    """4 + 4 = 8 under a shown total: each "<5" would be pinned to 4 (the old rules allowed it,
    as their hidden sum was at least 5)."""
    published, _ = disclosure.publish_numbers({"trajectories_started": 20,
                                               "trajectories_completed": 12,
                                               "trajectories_dropped_out": 4,
                                               "trajectories_ongoing": 4})
    assert [published[k] for k in published] == [20, "x", "<5", "<5"]


def test_a_difference_of_two_shown_counts_is_a_cell_too():
    """follow_up_started_n 16 minus follow_up_completed_n 12 reveals 4 families who did not
    complete; t0_elevated_n 9 minus t0_elevated_high_disorganized_n 6 reveals 3."""
    published, decisions = disclosure.publish_numbers({
        "trajectories_started": 16, "questionnaire_both": 12, "follow_up_started_n": 16,
        "follow_up_completed_n": 12, "follow_up_completion_rate": 0.75,
        "t0_elevated_n": 9, "t0_elevated_high_disorganized_n": 6})
    assert published["t0_elevated_high_disorganized_n"] == "x"
    assert "x" in (published["questionnaire_both"], published["trajectories_started"])
    assert published["follow_up_completion_rate"] == "x"
    assert any("follow_up" in d.output for d in decisions if d.rule == "secondary")


# ------------------------------------------------------------------ tables

def test_table_columns_get_secondary_suppression_with_honest_signs():
    assert disclosure.suppress_column([20, 3, 9, 12]) == [20, "<5", "x", 12]
    assert disclosure.suppress_column([20, 3, 4, 12]) == [20, "<5", "<5", 12]
    assert disclosure.suppress_column([20, 4, 4, 12]) == [20, "<5", "<5", "x"]
    assert disclosure.suppress_column([0, 7, 9]) == [0, 7, 9]
    assert disclosure.suppress_column([3, 9], total_known=False) == ["<5", 9]


def test_suppress_table_keeps_its_signature():
    frame = pd.DataFrame({"stap": ["a", "b", "c"], "uk": [9, 3, 12], "nl": [10, 0, 12]})
    out = disclosure.suppress_table(frame, ["uk", "nl"])
    assert out["uk"].tolist() == ["x", "<5", 12] and out["nl"].tolist() == [10, 0, 12]


def test_published_table_agrees_with_the_published_key_numbers():
    numbers = {"therapists_total": 9, "therapists_play": 7, "therapists_pmt": 2}
    published, _ = disclosure.publish_numbers(numbers)
    staff = pd.DataFrame({"therapy": ["play", "pmt"], "n": [7, 2], "aandeel": [0.78, 0.22]})
    table = disclosure.publish_table(staff, counts=["n"], keys={"n": "therapists_{therapy}"},
                                     published=published, derived={"aandeel": ["n"]},
                                     name="findings.html:staf")
    assert table.frame["n"].tolist() == ["x", "<5"]
    assert table.frame["aandeel"].tolist() == ["x", "x"]
    assert table.smallest_cell is None
    assert table.decisions[0].output == "findings.html:staf" and \
        table.decisions[0].status == "suppressed"


def test_published_table_with_row_totals_and_its_smallest_cell():
    frame = pd.DataFrame({"groep": ["sw", "vt", "ouders"], "sessie_1": [6, 2, 10],
                          "sessie_2": [7, 5, 12], "totaal": [13, 7, 22]})
    table = disclosure.publish_table(frame, counts=["sessie_1", "sessie_2", "totaal"],
                                     row_total="totaal", threshold=5)
    shown = table.frame.set_index("groep")
    assert shown.loc["vt", "sessie_1"] == "<5"
    assert sum(isinstance(v, Suppressed) for v in shown.loc["vt"]) >= 2  # its row: not one alone
    assert sum(isinstance(v, Suppressed) for v in shown["sessie_1"]) >= 2  # its column too
    assert table.smallest_cell == min(v for v in shown.to_numpy().ravel()
                                      if isinstance(v, int) and v > 0)


def test_published_table_refuses_cells_that_are_not_counts():
    with pytest.raises(ValueError, match="column 'n', row 1 holds 'veel'"):
        disclosure.publish_table(pd.DataFrame({"n": [3, "veel"]}), counts=["n"])


def test_claims_table_hides_small_counts_the_rest_and_the_percentage_that_gives_them_back():
    table = pd.DataFrame({"claim_id": ["a", "b", "c", "d"], "reproduced": [50.0, 66.7, 80.0, 75.0],
                          "numerator": [3, 2, 16, 15], "denominator": [6, 3, 20, 20],
                          "ci_low": [11.8, 9.4, 56.3, 50.9], "ci_high": [88.2, 99.2, 94.3, 91.3],
                          "status": ["reproduced"] * 4})
    out = disclosure.claims_table(table)
    assert out["numerator"].tolist() == ["<5", "<5", "x", 15]
    assert out["denominator"].tolist() == [6, "<5", 20, 20]
    assert out["reproduced"].tolist() == ["x", "x", "x", 75.0]
    assert out["ci_low"].tolist()[:3] == ["x", "x", "x"] and out["status"].tolist() == \
        ["reproduced"] * 4


def test_claims_table_takes_the_published_key_numbers():
    numbers = {"therapists_total": 9, "therapists_play": 7, "therapists_pmt": 2,
               "slots": 30, "trajectories_completed": 22}
    published, _ = disclosure.publish_numbers(numbers)
    rules = {"therapists_play": {"value": "therapists_play"}, "pilot_slots": {"value": "slots"},
             "share": {"numerator": "therapists_play", "denominator": "therapists_total"}}
    table = pd.DataFrame({"claim_id": ["therapists_play", "pilot_slots", "share"],
                          "reproduced": [7.0, 30.0, 77.8], "numerator": [None, None, 7],
                          "denominator": [None, None, 9], "ci_low": [None, None, 40.0],
                          "ci_high": [None, None, 97.2]})
    out = disclosure.claims_table(table, published=published, claim_rules=rules)
    assert out["reproduced"].tolist() == ["x", 30.0, "x"]
    assert out.loc[2, "numerator"] == "x" and out.loc[2, "denominator"] == 9


# ------------------------------------------------------------------ the decision record

def test_decisions_frame_is_what_an_output_checker_signs():
    published, decisions = disclosure.publish_numbers(FLOW_22)
    table = disclosure.publish_table(pd.DataFrame({"n": [18, 6, 2]}), counts=["n"],
                                     name="findings.html:flow")
    frame = disclosure.decisions_frame(decisions + table.decisions)
    assert list(frame.columns) == ["output", "rule", "status", "reason", "smallest_cell"]
    rows = frame.set_index("output")
    assert rows.loc["key_numbers.json:trajectories_completed", "rule"] == "secondary"
    assert "trajectories_started = " in rows.loc["key_numbers.json:trajectories_completed",
                                                 "reason"]
    assert rows.loc["findings.html:flow", "smallest_cell"] == 18
    assert (frame["rule"] == "relation").sum() == 1  # the flow relation, checked


@pytest.mark.parametrize("values,failed", [
    ([100] * 10, []), ([1000, 5, 5, 5, 5, 5], ["dominance", "p-ratio"]),
    ([10, 10, 10], ["threshold"]), ([50, 50, 1, 1, 1, 1, 1], ["dominance"])])
def test_acro_magnitude_checks(values, failed):
    assert disclosure.magnitude_check(values) == failed


def test_the_published_numbers_stand_apart_from_the_document_code():
    code = ("import sys, analysis.publish.disclosure, analysis.publish.attack; "
            "print(sorted(m for m in sys.modules if m.startswith('analysis.report')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", check=True, cwd=Path(__file__).parents[1])
    assert done.stdout.strip() == "[]"


def test_cbs_threshold():
    assert disclosure.CBS_THRESHOLD == 10 and disclosure.rules()["threshold_cbs"] == 10


CHAIN_KEYS = ("t0_elevated", "t0_elevated_high_disorganized", "t1_reliable_improvement",
              "t1_disorganized_resolved", "t0_not_elevated", "t0_not_elevated_low_disorganized",
              "t1_reliable_improvement_all_elevated")


@pytest.mark.parametrize("run", ["bundled", "all-elevated", "five-families"])
@pytest.mark.parametrize("threshold", [5, 10])
def test_the_document_tables_agree_with_the_published_key_numbers(run, threshold):
    """The chain (from the run's own counts) shows exactly the published key numbers, and the
    share and interval of every hidden step are "x"."""
    numbers = RUNS[run]
    published, _ = disclosure.publish_numbers(numbers, threshold=threshold)
    chain = pd.DataFrame([{"step": i + 1, "key": key, "k": numbers[f"{key}_n"],
                           "n": numbers[f"{key}_denominator_n"], "proportion": 0.5,
                           "ci_low": 0.1, "ci_high": 0.9} for i, key in enumerate(CHAIN_KEYS)])
    table = disclosure.publish_document_table("chain", chain, published=published,
                                              threshold=threshold)
    for row in table.frame.itertuples():
        assert row.k == published[f"{row.key}_n"]
        assert row.n == published[f"{row.key}_denominator_n"]
        hidden = isinstance(row.k, Suppressed) or isinstance(row.n, Suppressed)
        assert (row.proportion == "x") is hidden and (row.ci_high == "x") is hidden
    scheme = pd.DataFrame([{"scheme": s, "key": key, "k": numbers[f"{key}_n_{s}"], "n": 1}
                           for s in ("uk_3band", "nl_theunissen_2022") for key in CHAIN_KEYS])
    shown = disclosure.publish_document_table("scheme", scheme, published=published,
                                              threshold=threshold).frame
    assert [row.k == published[f"{row.key}_n_{row.scheme}"] for row in shown.itertuples()] == \
        [True] * len(shown)


def test_an_unknown_document_table_is_refused():
    with pytest.raises(ValueError, match="unknown document table 'kosten'"):
        disclosure.publish_document_table("kosten", pd.DataFrame(), published={})
