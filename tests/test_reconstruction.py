"""The reconstruction test of issue 21: from the published key numbers and the public relations
alone, the attacker (:mod:`analysis.publish.attack`, integer programming) recovers no hidden
count, on the bundled cohort, on small shapes and on a cohort made by hand, at thresholds 5
and 10; and it does recover counts from what the rules before issue 21 published, so this test
can fail.

Fixtures: ``tests/disclosure_fixtures/*.json`` are the unpublished key numbers of real runs
(``make_key_numbers.py``); :data:`HAND_MADE` is written out below.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.publish import attack, disclosure, relations
from analysis.publish.disclosure import Suppressed

try:  # tests/ on sys.path (pytest's rootdir insertion), else the project root
    from disclosure_fixtures import make_key_numbers, old_rules
except ImportError:
    from tests.disclosure_fixtures import make_key_numbers, old_rules

FIXTURES = Path(__file__).parent / "disclosure_fixtures"
RUNS = {f.stem: json.loads(f.read_text(encoding="utf-8")) for f in sorted(FIXTURES.glob("*.json"))}

HAND_MADE: dict = {
    # 18 families started: 14 completed, 3 dropped out, 1 ongoing; groups of 1-4 everywhere
    "slots": 20, "trajectories_started": 18, "trajectories_n": 18, "trajectories_completed": 14,
    "trajectories_dropped_out": 3, "trajectories_ongoing": 1,
    "questionnaire_both": 11, "questionnaire_baseline_only": 2, "questionnaire_end_only": 0,
    "questionnaire_none": 1,
    "sdq_n": 11, "sdq_primary_n": 11, "sdq_informant_switch_n": 0, "sdq_t0_only_n": 4,
    "sdq_total_mixed_n_families": 15, "ari_cp_n": 10,
    "ari_cp_t0_only_n": 3, "obvl_n": 0, "obvl_t0_only_n": 0,
    "sdq_total_improved_n": 4, "sdq_total_deteriorated_n": 1,
    "sdq_total_clinically_significant_n": 2, "sdq_total_rci_fallback_n": 11,
    "sdq_total_mcnemar_p": 0.25, "sdq_total_wilcoxon_p": 0.0390625,
    "sdq_total_wilcoxon_p_zero_dropped": 0.0390625, "sdq_total_wilcoxon_effect": -0.72,
    "sdq_total_wilcoxon_p_holm": 0.234375, "sdq_total_verdict_nl": "niet aangetoond",
    "sdq_emotional_wilcoxon_p": 0.125, "sdq_emotional_wilcoxon_effect": -1.0,
    "sdq_emotional_wilcoxon_p_holm": 0.5, "sdq_conduct_wilcoxon_p": 0.5,
    "sdq_conduct_wilcoxon_p_holm": 1.0, "sdq_total_t_p": 0.031, "sdq_total_hl": -2.0,
    "sdq_total_wilcoxon_ci_missing_reason": "", "sdq_scales_tested_n": 6,
    "sdq_total_mixed_change": -2.4, "sdq_total_tipping_delta": 6.5,
    "attrition_total_p": 0.48, "attrition_total_median_t0_only": 17.5,
    "attrition_total_median_set": 15.0,
    # the chain, under the scheme in use (uk_3band) and under the Dutch norms
    "analysis_set_n": 10, "t0_elevated_n": 7, "t0_not_elevated_n": 3,
    "t0_elevated_high_disorganized_n": 4, "t1_reliable_improvement_n": 2,
    "t1_disorganized_resolved_n": 1, "t0_not_elevated_low_disorganized_n": 2,
    "t1_reliable_improvement_all_elevated_n": 3,
    "t0_elevated_denominator_n": 10, "t0_not_elevated_denominator_n": 10,
    "t0_elevated_high_disorganized_denominator_n": 7,
    "t1_reliable_improvement_denominator_n": 4, "t1_disorganized_resolved_denominator_n": 4,
    "t0_not_elevated_low_disorganized_denominator_n": 3,
    "t1_reliable_improvement_all_elevated_denominator_n": 7,
    "t0_elevated_pct": 70.0, "t0_elevated_ci_low_pct": 34.8, "t0_elevated_ci_high_pct": 93.3,
    "t0_elevated_high_disorganized_pct": 57.1, "t0_elevated_high_disorganized_ci_low_pct": 18.4,
    "t0_elevated_high_disorganized_ci_high_pct": 90.1,
    "t1_reliable_improvement_pct": 50.0, "t1_reliable_improvement_ci_low_pct": 6.8,
    "t1_reliable_improvement_ci_high_pct": 93.2,
    "t1_disorganized_resolved_pct": 25.0, "t1_disorganized_resolved_ci_low_pct": 0.6,
    "t1_disorganized_resolved_ci_high_pct": 80.6,
    "t0_not_elevated_pct": 30.0, "t0_not_elevated_ci_low_pct": 6.7,
    "t0_not_elevated_ci_high_pct": 65.2,
    "t0_not_elevated_low_disorganized_pct": 66.7,
    "t0_not_elevated_low_disorganized_ci_low_pct": 9.4,
    "t0_not_elevated_low_disorganized_ci_high_pct": 99.2,
    "t1_reliable_improvement_all_elevated_pct": 42.9,
    "t1_reliable_improvement_all_elevated_ci_low_pct": 9.9,
    "t1_reliable_improvement_all_elevated_ci_high_pct": 81.6,
    "analysis_set_n_uk_3band": 10, "t0_elevated_n_uk_3band": 7, "t0_not_elevated_n_uk_3band": 3,
    "t0_elevated_high_disorganized_n_uk_3band": 4, "t1_reliable_improvement_n_uk_3band": 2,
    "t1_disorganized_resolved_n_uk_3band": 1, "t0_not_elevated_low_disorganized_n_uk_3band": 2,
    "t1_reliable_improvement_all_elevated_n_uk_3band": 3,
    "analysis_set_n_nl_theunissen_2022": 10, "t0_elevated_n_nl_theunissen_2022": 8,
    "t0_not_elevated_n_nl_theunissen_2022": 2,
    "t0_elevated_high_disorganized_n_nl_theunissen_2022": 4,
    "t1_reliable_improvement_n_nl_theunissen_2022": 2,
    "t1_disorganized_resolved_n_nl_theunissen_2022": 1,
    "t0_not_elevated_low_disorganized_n_nl_theunissen_2022": 1,
    "t1_reliable_improvement_all_elevated_n_nl_theunissen_2022": 3,
    # follow-up planning (analysis/follow_up/planning.py)
    "follow_up_started_n": 18, "follow_up_completed_n": 11,
    "follow_up_completion_rate": 0.6111111111, "follow_up_completion_rate_pilot": 0.6111111111,
    "follow_up_completion_rate_excluding_ongoing": 0.6470588235,
    "follow_up_completion_from_pilot": True, "follow_up_sdq_total_n": 11,
    "follow_up_sdq_total_d_z": -0.61, "follow_up_reliable_improvement_k": 4,
    "follow_up_reliable_improvement_n": 11, "follow_up_reliable_improvement_share": 0.3636363636,
    "follow_up_reliable_improvement_ci_low": 0.1092634438,
    "follow_up_reliable_improvement_ci_high": 0.692095285,
    "follow_up_pilot_half_width": 0.2914159206, "follow_up_n_analysed_paired_t_80_observed": 24,
    "follow_up_n_enrol_paired_t_80_observed": 40, "follow_up_n_enrol_precision_10": 143,
    "follow_up_needed_paired_t_80_observed_nl": "40 gezinnen",
    # staff, qualitative sessions, survey
    "therapists_total": 4, "therapists_play": 1, "therapists_pmt": 3, "therapists_art": 0,
    "therapists_drama": 0, "therapists_music": 0, "therapists_dance": 0, "social_workers": 6,
    "focus_group_sessions_n": 2, "focus_group_social_workers_n": 6,
    "focus_group_therapists_n": 4, "reflection_sessions_n": 1, "reflection_therapists_n": 1,
    "interview_sessions_n": 3, "interview_parents_n": 3, "parents_interviewed": 3,
    "parents_positive": 2, "case_study_n": 1, "case_study_sessions_n": 1, "case_study_mixed_n": 2,
    "survey_open_sessions_n": 1, "survey_open_parents_n": 2, "parent_survey_n": 3,
    "parent_survey_likert5_items_n": 7, "qualitative_sessions_n": 8, "segments_n": 40,
    "quotes_n": 5, "quotes_withheld_n": 0, "agreement_double_coded_n": 10,
    "agreement_share_double_coded": 0.25, "agreement_alpha": 0.71,
    # trajectories: sessions, substitution, placement threats
    "observation_sessions_min": 2, "observation_sessions_max": 4, "therapy_sessions_max": 20,
    "collaboration_hours_max": 6, "validation_warnings_n": 0,
    "indicated_n": 6, "substituted_n": 4, "substitution_share": 0.6666666667,
    "substitution_ci_low": 0.2227780955, "substitution_ci_high": 0.9567281317,
    "substitution_target": 0.5, "substitution_target_met": False,
    "placement_threats_n": 2, "placement_threats_averted": 1, "net_cost_total_eur": 18200.0,
    "stress_n": 4, "stress_rho": 0.4, "stress_rho_ci_low": -0.8, "stress_rho_ci_high": 0.98,
    "cohort_title": "Handgemaakt cohort", "period_start": "2024-01-01",
    "period_end": "2024-12-31", "synthetic": True,
}
"""A cohort written by hand (not by the generator), 18 families, with groups of 1 to 4:
1 ongoing, 3 dropped out, a therapist discipline of 1, 3 parents in the survey, 2 of 4 high
on disorganized attachment improved, a McNemar p of 0.25 (3 pairs), a signed-rank p of 0.125
(4 changes, all down). Its numbers satisfy every declared relation."""

CASES = {**RUNS, "hand-made": HAND_MADE}


def _published(numbers: dict, threshold: int) -> dict:
    """The key numbers as the bundle's key_numbers.json holds them (marks as strings)."""
    published, _ = disclosure.publish_numbers(numbers, threshold=threshold)
    return json.loads(json.dumps({k: str(v) if isinstance(v, Suppressed) else v
                                  for k, v in published.items()}))


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_declared_relation_holds(case):
    """A declared relation that does not hold would be silently left out: none is."""
    assert relations.public_relations(CASES[case]).dropped == ()


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("threshold", [5, 10])
def test_the_attacker_recovers_no_hidden_count(case, threshold):
    numbers = CASES[case]
    found = attack.recovered(_published(numbers, threshold), relations.public_relations(numbers),
                             threshold=threshold)
    assert [str(f) for f in found] == []


@pytest.mark.parametrize("case", ["bundled", "hand-made"])
@pytest.mark.parametrize("threshold", [5, 10])
def test_the_attacker_recovers_counts_from_the_old_rules(case, threshold):
    """The rules before issue 21, on the same numbers: the attacker finds false signs and
    recovered counts (the McNemar p of 0.25 gives back 3 pairs in both)."""
    numbers = CASES[case]
    found = attack.recovered(old_rules.publish_numbers(numbers, threshold=threshold),
                             relations.public_relations(numbers), threshold=threshold)
    assert found[0].how.startswith("inconsistent")  # a secondary count printed as "<k"
    recovered = {f.name for f in found[1:]}
    assert "discordant pairs of sdq_total_mcnemar_p" in recovered


def test_the_hand_made_cohort_under_the_old_rules_gives_back_these_counts():
    found = attack.recovered(old_rules.publish_numbers(HAND_MADE, threshold=5),
                             relations.public_relations(HAND_MADE), threshold=5)
    values = {f.name: f.low for f in found if f.low == f.high}
    assert values["trajectories_ongoing"] == 1  # 18 - 14 - 3, with 14 printed as "<5"
    assert values["sdq_t0_only_n"] == 4  # 15 - 11
    assert values["sdq_n - analysis_set_n"] == 1  # 11 - 10
    assert values["non-zero changes of sdq_emotional_wilcoxon_p"] == 4  # 0.125 = 2 x 0.5^4


def test_the_attacker_bounds_what_it_cannot_pin_down():
    """The hand-made cohort at 5: the 3 dropped-out and 1 ongoing trajectories are "<5",
    completed is "x", and their ranges stay wide."""
    numbers = HAND_MADE
    published = _published(numbers, 5)
    assert [published[k] for k in ("trajectories_completed", "trajectories_dropped_out",
                                   "trajectories_ongoing")] == ["x", "<5", "<5"]
    spans = {f.name: (f.low, f.high) for f in attack.attack(
        published, relations.public_relations(numbers), threshold=5, exact=True)}
    assert spans["trajectories_dropped_out"] == (1, 4) and spans["trajectories_ongoing"] == (1, 4)
    assert spans["trajectories_completed"][0] < spans["trajectories_completed"][1]


@given(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 12),
       st.integers(0, 12), st.sampled_from([5, 10]))
@settings(max_examples=60, deadline=None)
def test_the_attacker_finds_nothing_in_any_small_flow(completed, dropped, ongoing, both,
                                                      baseline, threshold):
    both, baseline = min(both, completed), min(baseline, completed - min(both, completed))
    numbers = {"trajectories_started": completed + dropped + ongoing,
               "trajectories_completed": completed, "trajectories_dropped_out": dropped,
               "trajectories_ongoing": ongoing, "questionnaire_both": both,
               "questionnaire_baseline_only": baseline, "questionnaire_end_only": 0,
               "questionnaire_none": completed - both - baseline,
               "follow_up_started_n": completed + dropped + ongoing,
               "follow_up_completed_n": both}
    found = attack.recovered(_published(numbers, threshold), relations.public_relations(numbers),
                             threshold=threshold)
    assert [str(f) for f in found] == []


@pytest.mark.slow
def test_a_fresh_run_matches_its_fixture_and_gives_nothing_back(tmp_path):
    """The five-families shape run end to end now: the same key numbers as its fixture (so the
    fixtures are not stale), and nothing recovered from what is published at 5 and 10."""
    import os
    import shutil
    import subprocess
    import sys
    from dataclasses import replace

    from analysis import paths
    from analysis.data.synthetic import shapes

    cohort = "test-reconstruction-five-families"
    shapes.write_shape(replace(make_key_numbers.shapes()["five-families"], name=cohort), tmp_path)
    (tmp_path / "params.yaml").write_text("04_follow_up:\n  n_sim: 100\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(paths.ROOT))
    try:
        done = subprocess.run([sys.executable, "-m", "analysis", "run", "--cohort", cohort,
                               "--raw-dir", str(tmp_path), "--params",
                               str(tmp_path / "params.yaml"), "--jobs", "1"],
                              capture_output=True, text=True, encoding="utf-8", env=env,
                              cwd=paths.ROOT)
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
        numbers = json.loads((paths.reports_dir(cohort) / "key_numbers.json").read_text(
            encoding="utf-8"))
    finally:
        for folder in (paths.processed_dir(cohort), paths.figures_dir(cohort),
                       paths.reports_dir(cohort)):
            shutil.rmtree(folder, ignore_errors=True)
    fixture = RUNS["five-families"]
    assert sorted(numbers) == sorted(fixture)
    counts = [k for k, v in fixture.items() if disclosure.is_person_count(k, v)
              and isinstance(v, int)]
    assert {k: numbers[k] for k in counts} == {k: fixture[k] for k in counts}
    for threshold in (5, 10):
        found = attack.recovered(_published(numbers, threshold),
                                 relations.public_relations(numbers), threshold=threshold)
        assert [str(f) for f in found] == []
