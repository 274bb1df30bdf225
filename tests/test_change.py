"""analysis.questionnaires.change: pairing moments, reliable change index (Jacobson & Truax 1991), clinical significance.

Golden values are computed by hand from the SDQ parameters in the instrument definition:
total SD 5.6, reliability 0.86 -> SE = 5.6 * sqrt(0.14) = 2.0953281; S_diff = sqrt(2) * SE =
2.9632415; threshold = 1.96 * S_diff = 5.8079533 points. Prosocial SD 1.8, r 0.74 -> S_diff =
sqrt(2) * 1.8 * sqrt(0.26) = 1.2979985, threshold 2.5440770.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ConfigError, DataError
from analysis.questionnaires import change, instruments

S_DIFF_TOTAL = 2.9632415
THRESHOLD_TOTAL = 5.8079533


def scores(rows: list[tuple]) -> pd.DataFrame:
    """(family_id, timepoint, total, prosocial) rows as scoring output."""
    return pd.DataFrame(rows, columns=["family_id", "timepoint", "sdq_total", "sdq_prosocial"])


def test_result_has_exactly_the_agreed_columns_one_row_per_family_and_scale():
    data = scores([("F1", "T0", 20, 5), ("F1", "T1", 10, 8), ("F2", "T0", 15, 7), ("F2", "T1", 15, 7)])
    result = change.reliable_change(data, "sdq")
    assert list(result.columns) == ["family_id", "instrument", "scale", "t0", "t1", "change", "rci",
                                    "change_class", "reliable_change_threshold", "t0_band",
                                    "t1_band", "t0_elevated", "t1_elevated",
                                    "clinically_significant", "rci_fallback", "form_t0",
                                    "form_t1", "informant_t0", "informant_t1", "pair_status",
                                    "age", "rci_reliability", "rci_sd"]
    assert list(zip(result["family_id"], result["scale"])) == [
        ("F1", "prosocial"), ("F1", "total"), ("F2", "prosocial"), ("F2", "total")]
    assert set(result["instrument"]) == {"sdq"}


def test_rci_matches_the_hand_computation():
    data = scores([("F1", "T0", 20, 5), ("F1", "T1", 12, 5)])
    row = change.reliable_change(data, "sdq", scales=["total"]).iloc[0]
    assert row["change"] == -8
    assert row["rci"] == pytest.approx(-8 / S_DIFF_TOTAL, rel=1e-7)
    assert row["rci"] == pytest.approx(-2.6997462, rel=1e-7)
    assert row["reliable_change_threshold"] == pytest.approx(THRESHOLD_TOTAL, rel=1e-7)


@pytest.mark.parametrize("t0, t1, klass", [
    (20, 12, "improved"),       # -8 points: RCI -2.70
    (20, 14, "improved"),       # -6 points: RCI -2.02, just beyond the 5.81-point threshold
    (20, 15, "unchanged"),      # -5 points: RCI -1.69
    (12, 12, "unchanged"),
    (12, 18, "deteriorated"),   # +6 points: problems went up
])
def test_total_is_higher_worse(t0, t1, klass):
    data = scores([("F1", "T0", t0, 5), ("F1", "T1", t1, 5)])
    assert change.reliable_change(data, "sdq", scales=["total"])["change_class"].iloc[0] == klass


@pytest.mark.parametrize("t0, t1, klass", [
    (4, 7, "improved"),         # prosocial +3 (threshold 2.54): more prosocial is better
    (7, 4, "deteriorated"),
    (5, 7, "unchanged"),        # +2 < 2.54
])
def test_prosocial_is_higher_better(t0, t1, klass):
    data = scores([("F1", "T0", 10, t0), ("F1", "T1", 10, t1)])
    row = change.reliable_change(data, "sdq", scales=["prosocial"]).iloc[0]
    assert row["change_class"] == klass
    assert row["reliable_change_threshold"] == pytest.approx(2.5440770, rel=1e-7)


@pytest.mark.parametrize("t0, t1, significant, bands", [
    (20, 12, True, ("abnormal", "normal")),        # reliable improvement, out of the elevated range
    (24, 16, False, ("abnormal", "borderline")),   # reliable, but still elevated (borderline)
    (12, 4, False, ("normal", "normal")),          # reliable, but never elevated
    (18, 13, False, ("abnormal", "normal")),       # crosses the cut-off but not reliable (-5)
    (10, 20, False, ("normal", "abnormal")),       # deteriorated
])
def test_clinically_significant_change(t0, t1, significant, bands):
    data = scores([("F1", "T0", t0, 5), ("F1", "T1", t1, 5)])
    row = change.reliable_change(data, "sdq", scales=["total"]).iloc[0]
    assert (row["t0_band"], row["t1_band"]) == bands
    assert bool(row["clinically_significant"]) is significant
    assert bool(row["t0_elevated"]) == (bands[0] != "normal")


def test_prosocial_clinical_significance_uses_the_reversed_bands():
    data = scores([("F1", "T0", 10, 3), ("F1", "T1", 10, 8)])  # abnormal (low) -> normal
    row = change.reliable_change(data, "sdq", scales=["prosocial"]).iloc[0]
    assert (row["t0_band"], row["t1_band"], row["change_class"]) == ("abnormal", "normal", "improved")
    assert bool(row["clinically_significant"])


def test_missing_scores_give_missing_change():
    data = scores([("F1", "T0", 20, 5), ("F1", "T1", np.nan, 5)])
    row = change.reliable_change(data, "sdq", scales=["total"]).iloc[0]
    assert np.isnan(row["change"]) and np.isnan(row["rci"]) and pd.isna(row["change_class"])
    assert pd.isna(row["t1_band"]) and pd.isna(row["clinically_significant"])
    assert row["t0_band"] == "abnormal"


def test_scales_without_parameters_get_bands_but_no_rci():
    data = pd.DataFrame({"family_id": ["F1", "F1"], "timepoint": ["T0", "T1"],
                         "ari_cp_disorganized": [3.5, 2.0]})
    row = change.reliable_change(data, "ari_cp").iloc[0]
    assert row["scale"] == "disorganized" and row["change"] == -1.5
    assert np.isnan(row["rci"]) and np.isnan(row["reliable_change_threshold"])
    assert pd.isna(row["change_class"]) and pd.isna(row["clinically_significant"])
    assert (row["t0_band"], row["t1_band"]) == ("high", "low")
    assert bool(row["t0_elevated"]) and not bool(row["t1_elevated"])


def test_scale_not_covered_by_the_scheme_has_no_bands():
    data = pd.DataFrame({"family_id": ["F1", "F1"], "timepoint": ["T0", "T1"],
                         "sdq_externalising": [14.0, 6.0]})
    row = change.reliable_change(data, "sdq").iloc[0]
    # the composite has traced RCI parameters (alpha 0.80, SD 3.3: threshold
    # 1.96 * sqrt(2) * 3.3 * sqrt(0.2) = 4.09 points) but the default scheme gives it no bands,
    # so clinical significance stays unknown
    assert row["change_class"] == "improved"
    assert row["reliable_change_threshold"] == pytest.approx(1.96 * np.sqrt(2) * 3.3 * np.sqrt(0.2))
    assert pd.isna(row["t0_band"]) and pd.isna(row["clinically_significant"])


def test_age_specific_scheme_through_age_column():
    data = scores([("F1", "T0", 16, 5), ("F1", "T1", 8, 5), ("F2", "T0", 16, 5), ("F2", "T1", 9, 5)])
    data["child_age"] = [5, 5, 13, 13]
    result = change.reliable_change(data, "sdq", scales=["total"], scheme="nl_theunissen_2022",
                                    age_column="child_age")
    # age 5: 16 abnormal (>14) -> 8 normal (<=10), -8 beyond the 4-5-year-olds' threshold 7.11;
    # age 13: 16 abnormal (>11) -> 9 borderline (>8)
    assert result["t1_band"].tolist() == ["normal", "borderline"]
    assert result["clinically_significant"].tolist() == [True, False]
    with pytest.raises(ConfigError, match="age-specific"):
        change.reliable_change(data, "sdq", scales=["total"], scheme="nl_theunissen_2022")


def test_threshold_exactly_met_counts_as_reliable(tmp_path):
    # sd 1, r 0.5 -> S_diff = sqrt(2) * sqrt(0.5) = 1 (1.0000000000000002 in floating point);
    # criterion 2: a change of exactly 2 points must be reliable despite the rounding.
    (tmp_path / "one.yaml").write_text(
        "id: one\nname: One\nfile: one.csv\nitem_prefix: one_\nn_items: 1\nitem_width: 1\n"
        "response: {min: 0, max: 9}\nscales:\n  x: {items: [1], min_answered: 1}\n"
        "higher_is_worse: [x]\nreliable_change:\n  criterion: 2\n"
        "  scales: {x: {reliability: 0.5, sd: 1.0, source: test}}\n", encoding="utf-8")
    one = instruments.load_instrument("one", folder=tmp_path)
    data = pd.DataFrame({"family_id": ["A", "A", "B", "B"], "timepoint": ["T0", "T1"] * 2,
                         "one_x": [5.0, 3.0, 5.0, 4.0]})
    result = change.reliable_change(data, one)
    assert result["change_class"].tolist() == ["improved", "unchanged"]
    assert result["reliable_change_threshold"].iloc[0] == pytest.approx(2.0)


AGE_GROUPS = """id: one\nname: One\nfile: one.csv\nitem_prefix: one_\nn_items: 1\nitem_width: 1
response: {min: 0, max: 40}\nscales:\n  x: {items: [1], min_answered: 1}\nhigher_is_worse: [x]
reliable_change:
  criterion: 2
  fallback_caveat: terugval
  scales: {x: {reliability: 0.5, sd: 1.0, source: fallback pair}}
  age_groups:
    - {label: jong, min_age: 4, max_age: 11, reliability_kind: alpha,
       scales: {x: {reliability: 0.75, reliability_source: a, sd: 4.0, sd_source: b}}}
    - {label: oud, min_age: 12, max_age: 17, reliability_kind: test-retest,
       scales: {x: {reliability: null, sd: 3.0, sd_source: c}}}
"""


def test_the_childs_age_chooses_the_rci_parameters_and_falls_back_visibly(tmp_path):
    # young (age 8): own pair, S_diff = sqrt(2) * 4 * sqrt(0.25) = 2 sqrt(2), threshold 4 sqrt(2);
    # old (age 14): own SD 3.0 with the fallback reliability 0.5 (its own is null):
    # S_diff = sqrt(2) * 3 * sqrt(0.5) = 3, threshold 6, RCI -6 / 3 = -2, flagged;
    # unknown age: the fallback pair, flagged; age 2 (no group): the fallback pair, flagged.
    (tmp_path / "one.yaml").write_text(AGE_GROUPS, encoding="utf-8")
    one = instruments.load_instrument("one", folder=tmp_path)
    assert one.rci_fallback_caveat == "terugval" and len(one.rci_age_groups) == 2
    data = pd.DataFrame({"family_id": list("AABBCCDD"), "timepoint": ["T0", "T1"] * 4,
                         "one_x": [20.0, 14.0] * 4, "age": [8, 8, 14, 15, np.nan, np.nan, 2, 2]})
    result = change.reliable_change(data, one, age_column="age").set_index("family_id")
    assert result["reliable_change_threshold"].tolist() == pytest.approx(
        [4 * np.sqrt(2), 6.0, 2.0, 2.0])
    assert result["rci"].tolist() == pytest.approx([-6 / (2 * np.sqrt(2)), -2.0, -6.0, -6.0])
    assert result["rci_reliability"].tolist() == [0.75, 0.5, 0.5, 0.5]
    assert result["rci_sd"].tolist() == [4.0, 3.0, 1.0, 1.0]
    assert result["rci_fallback"].tolist() == [False, True, True, True]
    without_age = change.reliable_change(data, one)
    assert without_age["rci_fallback"].all()


def test_an_rci_age_group_with_an_impossible_value_is_refused(tmp_path):
    (tmp_path / "one.yaml").write_text(AGE_GROUPS.replace("reliability: 0.75", "reliability: 1.5"),
                                       encoding="utf-8")
    with pytest.raises(ConfigError, match="reliability in"):
        instruments.load_instrument("one", folder=tmp_path)


@pytest.mark.parametrize("age, reliability, group", [
    (4, 0.79, "4-5 jaar"), (5, 0.79, "4-5 jaar"),     # MS2018 Table 2, 4-5 y: their own alpha
    (8, 0.86, "6-11 jaar"), (14, 0.86, "6-11 jaar"),  # 12-17 has no alpha: the fallback's
    (None, 0.86, "6-11 jaar")])
def test_sdq_each_number_from_the_childs_own_age_group_when_it_has_one(age, reliability, group):
    # issue 24: a 4-5-year-old uses alpha .79 with the fallback SD 5.6 (no SD for 4-5):
    # threshold 1.96 * sqrt(2) * 5.6 * sqrt(0.21) = 7.1133 points instead of 5.8080
    sdq = instruments.load_instrument("sdq")
    params, fallback = sdq.rci_parameters("total", age)
    assert (params.reliability, params.sd, fallback) == (reliability, 5.6, True)
    assert (params.reliability_group, params.reliability_ref) == (group, "MS2018")
    assert (params.sd_group, params.sd_ref) == ("12-17 jaar", "VU2022")
    assert sdq.rci_parameters("impact", 8) == (None, False)


def test_a_four_year_olds_threshold_uses_the_alpha_of_four_to_five_year_olds():
    data = scores([("A", "T0", 20, 5), ("A", "T1", 13, 5), ("B", "T0", 20, 5), ("B", "T1", 13, 5)])
    data["child_age"] = [4, 4, 8, 8]
    result = change.reliable_change(data, "sdq", scales=["total"], age_column="child_age")
    assert result["reliable_change_threshold"].tolist() == pytest.approx([7.1132610, THRESHOLD_TOTAL])
    # -7 points: not reliable at 4 (7.11 needed), reliable at 8 (5.81)
    assert result["change_class"].tolist() == ["unchanged", "improved"]


# ------------------------------------------------------------------ pair_timepoints
def test_pair_timepoints_keeps_families_with_both_moments_in_order():
    data = pd.DataFrame({"family_id": ["F2", "F1", "F1", "F3", "F2", "F4"],
                         "timepoint": ["T1", "T1", "T0", "T0", "T0", "T2"],
                         "x": [1, 2, 3, 4, 5, 6]})
    paired = change.pair_timepoints(data)
    assert list(zip(paired["family_id"], paired["timepoint"])) == [
        ("F1", "T0"), ("F1", "T1"), ("F2", "T0"), ("F2", "T1")]
    assert paired["x"].tolist() == [3, 2, 5, 1]
    later = change.pair_timepoints(data.assign(timepoint=["T2", "T1", "T0", "T0", "T0", "T2"]),
                                   before="T1", after="T2")
    assert later.empty


def test_pair_timepoints_other_id_column_and_errors():
    data = pd.DataFrame({"gezin": ["A", "A"], "timepoint": ["T0", "T1"]})
    assert len(change.pair_timepoints(data, id_column="gezin")) == 2
    with pytest.raises(ValueError, match="id_column"):
        change.pair_timepoints(data)
    with pytest.raises(ValueError, match="must differ"):
        change.pair_timepoints(data, id_column="gezin", before="T0", after="T0")


def test_two_rows_for_one_family_and_moment_is_a_data_error():
    data = scores([("F1", "T0", 20, 5), ("F1", "T0", 18, 5), ("F1", "T1", 10, 5)])
    with pytest.raises(DataError, match="F1 T0.*one informant"):
        change.pair_timepoints(data)


def test_unknown_scales_are_value_errors():
    data = scores([("F1", "T0", 20, 5), ("F1", "T1", 10, 5)])
    with pytest.raises(ValueError, match="unknown"):
        change.reliable_change(data, "sdq", scales=["anxiety"])
    with pytest.raises(ValueError, match="sdq_peer"):
        change.reliable_change(data, "sdq", scales=["peer"])


def test_no_paired_families_gives_an_empty_table_with_the_columns():
    result = change.reliable_change(scores([("F1", "T0", 20, 5)]), "sdq")
    assert result.empty and list(result.columns) == list(change.RESULT_COLUMNS)


def test_end_to_end_from_answers():
    from analysis.questionnaires import scoring

    sdq = instruments.load_instrument("sdq")
    answers = pd.DataFrame({"family_id": ["F1", "F1"], "timepoint": ["T0", "T1"]})
    for item in range(1, 26):
        reversed_item = item in sdq.reversed
        # T0: every problem item at its worst, T1: at its best; prosocial items 1 then 2
        answers[sdq.item_column(item)] = [0, 2] if reversed_item else [2, 0]
    for item in sdq.scales["prosocial"].items:
        answers[sdq.item_column(item)] = [1, 2]
    result = change.reliable_change(scoring.score_instrument(answers, sdq), sdq)
    total = result.set_index("scale").loc["total"]
    assert (total["t0"], total["t1"], total["change_class"]) == (40, 0, "improved")
    assert bool(total["clinically_significant"])
    assert result.set_index("scale").loc["prosocial", "change_class"] == "improved"
