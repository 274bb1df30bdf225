"""analysis.questionnaires.scoring: official SDQ rules by hand-worked examples, label coding, bands, properties.

Expected values are worked out by hand in the comments from the rules in
``analysis/definitions/instruments/sdq_parent_4_17.yaml`` (youthinmind scoring instructions and syntax).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis import cli
from analysis.errors import ConfigError, DataError
from analysis.questionnaires import scoring
from analysis.questionnaires.instruments import load_instrument

SDQ = load_instrument("sdq")
REVERSED = (7, 11, 14, 21, 25)
SCALE_ITEMS = {name: scale.items for name, scale in SDQ.scales.items()}
IMPACT_ITEMS = ["sdq_distress", "sdq_imp_home", "sdq_imp_friends", "sdq_imp_learning",
                "sdq_imp_leisure"]

# A complete parent SDQ, item number -> raw answer. Scored (reversed items 2 - x):
#   emotional     3,8,13,16,24   = 0 + 1 + 0 + 1 + 2         = 4   (borderline: 4)
#   conduct       5,7r,12,18,22  = 2 + (2-0) + 1 + 0 + 0     = 5   (abnormal: >= 4)
#   hyperactivity 2,10,15,21r,25r = 1 + 2 + 2 + (2-0) + (2-1) = 8  (abnormal: >= 7)
#   peer          6,11r,14r,19,23 = 0 + (2-2) + (2-1) + 0 + 1 = 2  (normal: <= 2)
#   prosocial     1,4,9,17,20    = 2 + 2 + 2 + 1 + 1         = 8   (normal: >= 6)
#   total = 4 + 5 + 8 + 2 = 19 (abnormal: >= 17); externalising 5 + 8 = 13; internalising 6
WORKED = {1: 2, 2: 1, 3: 0, 4: 2, 5: 2, 6: 0, 7: 0, 8: 1, 9: 2, 10: 2, 11: 2, 12: 1, 13: 0,
          14: 1, 15: 2, 16: 1, 17: 1, 18: 0, 19: 0, 20: 1, 21: 0, 22: 0, 23: 1, 24: 2, 25: 1}


def sdq_frame(rows: list[dict[int, object]], **extra) -> pd.DataFrame:
    """Answer rows (item number -> answer; absent = missing) in the data contract."""
    data = {"family_id": [f"F{i:02d}" for i in range(1, len(rows) + 1)],
            "timepoint": ["T0"] * len(rows)}
    for item in range(1, 26):
        data[SDQ.item_column(item)] = [row.get(item, np.nan) for row in rows]
    data.update(extra)
    return pd.DataFrame(data)


def with_scale(scale: str, answers: list[object], base: dict[int, object] | None = None) -> dict:
    """``base`` (default all 1) with the items of ``scale`` set to ``answers`` (None = missing)."""
    row = dict(base or {i: 1 for i in range(1, 26)})
    for item, answer in zip(SCALE_ITEMS[scale], answers):
        if answer is None:
            row.pop(item, None)
        else:
            row[item] = answer
    return row


# ------------------------------------------------------------------ round_half_up
@pytest.mark.parametrize("x, expected", [
    (2.5, 3), (3.5, 4), (0.5, 1), (1.5, 2), (4.5, 5), (2.4999999, 2), (2.0, 2),
    (0.49999999999999994, 0), (-2.5, -2), (7.5, 8),
])
def test_round_half_up(x, expected):
    assert scoring.round_half_up(x) == expected


def test_python_round_is_bankers_rounding_and_would_be_wrong():
    assert round(2.5) == 2 and scoring.round_half_up(2.5) == 3


@pytest.mark.parametrize("numerator, denominator, expected", [
    (5 * 5, 3, 8),    # 3 answered summing to 5: 8.33 -> 8
    (5 * 4, 3, 7),    # 3 answered summing to 4: 6.67 -> 7 (youthinmind's own example)
    (5 * 3, 4, 4),    # 4 answered summing to 3: 3.75 -> 4
    (5 * 2, 4, 3),    # 4 answered summing to 2: 2.5 -> 3
    (5 * 6, 4, 8),    # 4 answered summing to 6: 7.5 -> 8
    (5 * 1, 4, 1),    # 1.25 -> 1
    (5 * 7, 5, 7),    # complete: unchanged
])
def test_round_half_up_of_a_ratio_is_exact(numerator, denominator, expected):
    assert scoring.round_half_up(numerator, denominator) == expected


def test_round_half_up_vectorised_keeps_nan_and_rejects_fractions():
    out = scoring.round_half_up(np.array([10.0, np.nan, 25.0]), np.array([4, 4, 3]))
    assert out[0] == 3 and math.isnan(out[1]) and out[2] == 8
    with pytest.raises(ValueError, match="whole numbers"):
        scoring.round_half_up(2.5, 2)


# ------------------------------------------------------------------ SDQ scoring rules
def test_worked_example_every_scale_and_composite():
    scores = scoring.score_instrument(sdq_frame([WORKED]), "sdq").iloc[0]
    expected = {"emotional": 4, "conduct": 5, "hyperactivity": 8, "peer": 2, "prosocial": 8,
                "total": 19, "externalising": 13, "internalising": 6}
    for scale, value in expected.items():
        assert scores[f"sdq_{scale}"] == value, scale
    assert scores["sdq_total_answered"] == 20 and scores["sdq_emotional_answered"] == 5
    bands = {"emotional": "borderline", "conduct": "abnormal", "hyperactivity": "abnormal",
             "peer": "normal", "prosocial": "normal", "total": "abnormal"}
    for scale, band in bands.items():
        assert scores[f"sdq_{scale}_band"] == band, scale


@pytest.mark.parametrize("item", REVERSED)
def test_reversed_items_score_two_minus_the_answer(item):
    scale = next(name for name, items in SCALE_ITEMS.items() if item in items)
    base = {i: 0 for i in range(1, 26)}
    low = scoring.score_instrument(sdq_frame([base]), "sdq").iloc[0][f"sdq_{scale}"]
    high = scoring.score_instrument(sdq_frame([{**base, item: 2}]), "sdq").iloc[0][f"sdq_{scale}"]
    # All other items of the scale are 0 (reversed siblings score 2 each): answering 2 instead
    # of 0 on the reversed item lowers the scale by exactly 2.
    assert low - high == 2


@pytest.mark.parametrize("answers, expected, answered", [
    ([0, 1, 0, 1, 2], 4, 5),                 # 5 answered: plain sum
    ([1, 1, 1, 0, None], 4, 4),              # 4 answered, sum 3: 3 * 5 / 4 = 3.75 -> 4
    ([1, 1, 0, 0, None], 3, 4),              # 4 answered, sum 2: 2.5 -> 3 (half up)
    ([2, 2, 2, 0, None], 8, 4),              # 4 answered, sum 6: 7.5 -> 8
    ([2, 2, 1, None, None], 8, 3),           # 3 answered, sum 5: 8.33 -> 8
    ([2, 1, 1, None, None], 7, 3),           # 3 answered, sum 4: 6.67 -> 7
    ([1, 1, 1, None, None], 5, 3),           # 3 answered, sum 3: 5
    ([2, 2, None, None, None], None, 2),     # 2 answered: missing
    ([None] * 5, None, 0),                   # nothing answered: missing
])
def test_prorating_emotional(answers, expected, answered):
    scores = scoring.score_instrument(sdq_frame([with_scale("emotional", answers)]), "sdq").iloc[0]
    if expected is None:
        assert pd.isna(scores["sdq_emotional"]) and pd.isna(scores["sdq_emotional_band"])
    else:
        assert scores["sdq_emotional"] == expected
    assert scores["sdq_emotional_answered"] == answered


def test_prorating_uses_reversed_codes():
    # conduct items 5, 7r, 12, 18, 22 -> 7 answered 0 (scored 2), 5 = 1, 12 = 0, rest missing:
    # 3 answered, sum 1 + 2 + 0 = 3 -> 3 * 5 / 3 = 5
    row = with_scale("conduct", [1, 0, 0, None, None])
    assert scoring.score_instrument(sdq_frame([row]), "sdq").iloc[0]["sdq_conduct"] == 5


def test_composites_are_missing_when_a_component_is_missing():
    row = with_scale("peer", [1, None, None, None, 1])
    scores = scoring.score_instrument(sdq_frame([row]), "sdq").iloc[0]
    assert pd.isna(scores["sdq_peer"])
    assert pd.isna(scores["sdq_total"]) and pd.isna(scores["sdq_internalising"])
    assert pd.isna(scores["sdq_total_band"]) and pd.isna(scores["sdq_total_elevated"])
    assert scores["sdq_externalising"] == 10  # conduct 5 + hyperactivity 5 (all answers 1)


# ------------------------------------------------------------------ impact supplement
@pytest.mark.parametrize("difficulties, items, expected, answered", [
    (2, [0, 1, 2, 3, 3], 0 + 0 + 1 + 2 + 2, 5),      # recode 0/0/1/2: 5
    (1, [3, 3, 3, 3, 3], 10, 5),                     # maximum 10
    (3, [2, None, None, None, 3], 3, 2),             # unanswered impact items count 0
    (0, [3, 3, 3, 3, 3], 0, 5),                      # "no difficulties": 0 whatever the items
    (0, [None] * 5, 0, 0),                           # "no difficulties", back page left empty
    (2, [None] * 5, None, 0),                        # difficulties, no impact items: missing
    (None, [2, 2, 2, 2, 2], 5, 5),                   # gate unanswered: scored from the items
    (None, [None] * 5, None, 0),                     # supplement blank: missing
])
def test_impact_score(difficulties, items, expected, answered):
    extra = {"sdq_difficulties": [difficulties], **{c: [v] for c, v in zip(IMPACT_ITEMS, items)}}
    scores = scoring.score_instrument(sdq_frame([WORKED], **extra), "sdq").iloc[0]
    if expected is None:
        assert pd.isna(scores["sdq_impact"])
    else:
        assert scores["sdq_impact"] == expected
    assert scores["sdq_impact_answered"] == answered


def test_impact_is_missing_when_the_supplement_is_absent():
    scores = scoring.score_instrument(sdq_frame([WORKED]), "sdq")
    assert scores["sdq_impact"].isna().all() and (scores["sdq_impact_answered"] == 0).all()


def test_impact_labels():
    extra = {"sdq_difficulties": ["Ja, duidelijke moeilijkheden"], "sdq_distress": ["A great deal"],
             "sdq_imp_home": ["nogal"], "sdq_imp_friends": ["only a little"]}
    scores = scoring.score_instrument(sdq_frame([WORKED], **extra), "sdq").iloc[0]
    assert scores["sdq_impact"] == 2 + 1 + 0


# ------------------------------------------------------------------ coding answers
def test_labels_are_mapped_case_insensitively_and_numbers_coerced():
    row = {**{i: 1 for i in range(1, 26)}, 1: "Zeker waar", 2: "  NIET WAAR ", 3: "een beetje waar",
           4: "certainly true", 5: "2", 6: "1,0", 8: "", 9: " "}
    coded = scoring.code_answers(sdq_frame([row]), "sdq").iloc[0]
    assert [coded[f"sdq_{i:02d}"] for i in (1, 2, 3, 4, 5, 6, 7)] == [2, 0, 1, 2, 2, 1, 1]
    assert pd.isna(coded["sdq_08"]) and pd.isna(coded["sdq_09"])


def test_code_answers_keeps_other_columns_and_the_index():
    data = sdq_frame([WORKED, WORKED]).set_index(pd.Index([10, 11]))
    data["note"] = ["a", "b"]
    coded = scoring.code_answers(data, "sdq")
    assert list(coded.index) == [10, 11] and coded["note"].tolist() == ["a", "b"]


@pytest.mark.parametrize("value, shown", [(3, "3"), (-1, "-1"), (1.5, "1.5"), ("misschien", "misschien")])
def test_invalid_answers_name_row_column_value_and_allowed_range(value, shown):
    rows = [WORKED] * 5
    data = sdq_frame(rows)
    data["sdq_07"] = data["sdq_07"].astype(object)
    data.loc[4, "sdq_07"] = value
    with pytest.raises(DataError) as caught:
        scoring.code_answers(data, "sdq")
    message = str(caught.value)
    assert "sdq.csv" in message and "row 6" in message and "column sdq_07" in message
    assert f"'{shown}'" in message and "0-2" in message and "'zeker waar'" in message
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (6, "sdq_07", shown)


def test_every_invalid_answer_is_listed():
    data = sdq_frame([WORKED] * 3)
    data["sdq_01"] = [5, 5, 5]
    data["sdq_02"] = [1, 9, 1]
    with pytest.raises(DataError) as caught:
        scoring.code_answers(data, "sdq")
    assert len(caught.value.problems) == 4 and "4 invalid answers" in str(caught.value)


def test_missing_item_columns_are_a_data_error():
    with pytest.raises(DataError, match="missing item columns sdq_25"):
        scoring.code_answers(sdq_frame([WORKED]).drop(columns="sdq_25"), "sdq")


def test_invalid_impact_answer():
    with pytest.raises(DataError, match="column sdq_imp_home.*0-3"):
        scoring.code_answers(sdq_frame([WORKED], sdq_imp_home=[4]), "sdq")


# ------------------------------------------------------------------ output shape
SDQ_SCALES = ["emotional", "conduct", "hyperactivity", "peer", "prosocial", "total",
              "externalising", "internalising", "impact"]


def test_output_columns_identifiers_and_one_row_per_input_row():
    data = sdq_frame([WORKED, WORKED, {}], date=["2023-10-01"] * 3, informant=["mother"] * 3,
                     extra=[1, 2, 3])
    data.index = [7, 8, 9]
    scores = scoring.score_instrument(data, "sdq")
    assert list(scores.index) == [7, 8, 9]
    assert list(scores.columns[:4]) == ["family_id", "timepoint", "date", "informant"]
    for scale in SDQ_SCALES:
        assert {f"sdq_{scale}", f"sdq_{scale}_answered"} <= set(scores.columns)
    banded = {"emotional", "conduct", "hyperactivity", "peer", "prosocial", "total"}
    for scale in SDQ_SCALES:
        assert (f"sdq_{scale}_band" in scores.columns) == (scale in banded)
        assert (f"sdq_{scale}_elevated" in scores.columns) == (scale in banded)
    assert "extra" not in scores.columns and "sdq_01" not in scores.columns
    assert scores["sdq_total"].isna().tolist() == [False, False, True]
    assert scores.attrs == {"instrument": "sdq", "scheme": "uk_3band", "placeholder": False,
                            "forms": {"parent_4_17": 3}, "unbanded": {}}
    assert list(scores.columns[4:6]) == ["form", "form_source"]
    assert scores["form"].tolist() == ["parent_4_17"] * 3  # mother, no version, age unknown


def test_ari_cp_means_and_placeholder_flag():
    ari = load_instrument("ari_cp")
    data = pd.DataFrame({"family_id": ["F01", "F02"], "timepoint": ["T0", "T1"]})
    for item in range(1, 49):
        data[ari.item_column(item)] = [item % 5 + 1, 3]
    data.loc[1, "ari_04"] = np.nan  # disorganized: 11 answered, still >= 9
    scores = scoring.score_instrument(data, "ari_cp")
    # secure items 1, 5, 9, ...: item % 5 + 1 cycles 2, 1, 5, 4, 3 over 12 items -> mean 3.0
    assert scores.loc[0, "ari_cp_secure"] == pytest.approx(np.mean([i % 5 + 1 for i in range(1, 49, 4)]))
    assert scores.loc[1].filter(regex="^ari_cp_[a-z]+$").tolist() == [3.0] * 4
    assert scores.loc[1, "ari_cp_disorganized_answered"] == 11
    assert scores.loc[1, "ari_cp_disorganized_band"] == "high"  # placeholder: high from 3.0
    assert scores.attrs["placeholder"] is True


def test_obvl_placeholder_total_and_wai_sr_subscales():
    obvl = pd.DataFrame({f"obvl_{i:02d}": [2] for i in range(1, 35)})
    obvl.loc[0, ["obvl_01", "obvl_02"]] = np.nan  # 32 answered, sum 64 -> 64 * 34 / 32 = 68
    assert scoring.score_instrument(obvl, "obvl").loc[0, "obvl_total"] == 68
    wai = pd.DataFrame({f"wai_{i:02d}": [i % 5 + 1] for i in range(1, 13)})
    scores = scoring.score_instrument(wai, "wai_sr").iloc[0]
    # task 1,2,10,12 -> 2+3+1+3 = 9; bond 3,5,7,9 -> 4+1+3+5 = 13; goal 4,6,8,11 -> 5+2+4+2 = 13
    assert (scores["wai_sr_task"], scores["wai_sr_bond"], scores["wai_sr_goal"]) == (9, 13, 13)
    assert scores["wai_sr_total"] == 35 and "wai_sr_total_band" not in scores.index


# ------------------------------------------------------------------ bands
@pytest.mark.parametrize("scale, score, band, elevated", [
    ("total", 13, "normal", False), ("total", 14, "borderline", True),
    ("total", 16, "borderline", True), ("total", 17, "abnormal", True),
    ("total", 40, "abnormal", True), ("total", 0, "normal", False),
    ("emotional", 3, "normal", False), ("emotional", 4, "borderline", True),
    ("emotional", 5, "abnormal", True),
    ("conduct", 2, "normal", False), ("conduct", 3, "borderline", True), ("conduct", 4, "abnormal", True),
    ("hyperactivity", 5, "normal", False), ("hyperactivity", 6, "borderline", True),
    ("hyperactivity", 7, "abnormal", True),
    ("peer", 2, "normal", False), ("peer", 3, "borderline", True), ("peer", 4, "abnormal", True),
    # prosocial is higher-is-better: low scores are the concerning bands
    ("prosocial", 10, "normal", False), ("prosocial", 6, "normal", False),
    ("prosocial", 5, "borderline", True), ("prosocial", 4, "abnormal", True),
    ("prosocial", 0, "abnormal", True),
])
def test_uk_3band(scale, score, band, elevated):
    result = scoring.classify([score], "sdq", scale, scheme="uk_3band").iloc[0]
    assert (result["band"], bool(result["elevated"])) == (band, elevated)


@pytest.mark.parametrize("age, score, band", [
    (4, 10, "normal"), (6, 11, "borderline"), (6, 14, "borderline"), (5, 15, "abnormal"),
    (7, 10, "normal"), (11, 11, "borderline"), (9, 13, "borderline"), (8, 14, "abnormal"),
    (12, 8, "normal"), (14, 9, "borderline"), (13, 12, "abnormal"),
    (8.9, 14, "abnormal"),    # completed years: 8.9 -> 8
    (2, 30, None), (3, 30, None), (15, 30, None), (np.nan, 30, None),  # no norm on this form
])
def test_dutch_age_specific_total_norms(age, score, band):
    result = scoring.classify([score], "sdq", "total", scheme="nl_theunissen_2022", age=[age]).iloc[0]
    if band is None:
        assert pd.isna(result["band"]) and pd.isna(result["elevated"])
    else:
        assert result["band"] == band and bool(result["elevated"]) == (band != "normal")


@pytest.mark.parametrize("age, score, band", [
    (3, 7, "normal"), (3, 8, "borderline"), (3, 10, "borderline"), (3, 11, "abnormal"),
    (2, 30, None), (4, 30, None),  # Theunissen's "3-4" group read as age 3 only
])
def test_dutch_norm_of_three_year_olds_belongs_to_the_2_4_form(age, score, band):
    form = SDQ.form_definition("parent_2_4")
    result = scoring.classify([score], form, "total", scheme="nl_theunissen_2022", age=[age]).iloc[0]
    if band is None:
        assert pd.isna(result["band"]) and pd.isna(result["elevated"])
    else:
        assert result["band"] == band and bool(result["elevated"]) == (band != "normal")


def test_age_specific_scheme_via_age_column_in_score_instrument():
    data = sdq_frame([WORKED, WORKED, WORKED], child_age=[5, 9, 16])  # total 19 each
    scores = scoring.score_instrument(data, "sdq", scheme="nl_theunissen_2022", age="child_age")
    assert scores["child_age"].tolist() == [5, 9, 16]
    assert scores["sdq_total_band"].tolist()[:2] == ["abnormal", "abnormal"]
    assert pd.isna(scores["sdq_total_band"].iloc[2])
    assert "sdq_emotional_band" not in scores.columns  # the Dutch norms cover the total only


def test_age_specific_scheme_without_age_is_a_config_error():
    with pytest.raises(ConfigError, match="age-specific.*child_age"):
        scoring.score_instrument(sdq_frame([WORKED]), "sdq", scheme="nl_theunissen_2022")
    with pytest.raises(ConfigError, match="not in the data"):
        scoring.score_instrument(sdq_frame([WORKED]), "sdq", scheme="nl_theunissen_2022", age="leeftijd")


def test_invalid_ages_are_data_errors():
    data = sdq_frame([WORKED, WORKED], child_age=["7", "zeven"])
    with pytest.raises(DataError, match="row 3, column child_age"):
        scoring.score_instrument(data, "sdq", scheme="nl_theunissen_2022", age="child_age")


def test_placeholder_4band_scheme_cannot_be_used_until_filled_in():
    with pytest.raises(ConfigError, match="uk_4band.*no verified thresholds"):
        scoring.score_instrument(sdq_frame([WORKED]), "sdq", scheme="uk_4band")


def test_missing_scores_get_no_band():
    result = scoring.classify([np.nan, 20], "sdq", "total")
    assert pd.isna(result.loc[0, "band"]) and result.loc[1, "band"] == "abnormal"
    assert result["elevated"].dtype == "boolean" and pd.isna(result.loc[0, "elevated"])


# ------------------------------------------------------------------ properties
answer = st.sampled_from([0, 1, 2, None])
answer_rows = st.lists(st.lists(answer, min_size=25, max_size=25), min_size=1, max_size=25)


def _frame(rows: list[list[object]]) -> pd.DataFrame:
    return sdq_frame([{i + 1: a for i, a in enumerate(row) if a is not None} for row in rows])


@settings(max_examples=60, deadline=None)
@given(answer_rows)
def test_scores_stay_in_range(rows):
    scores = scoring.score_instrument(_frame(rows), "sdq")
    for scale in SCALE_ITEMS:
        values = scores[f"sdq_{scale}"].dropna()
        assert values.between(0, 10).all() and (values == values.round()).all()
    assert scores["sdq_total"].dropna().between(0, 40).all()
    for composite in ("externalising", "internalising"):
        assert scores[f"sdq_{composite}"].dropna().between(0, 20).all()


@settings(max_examples=80, deadline=None)
@given(st.lists(answer, min_size=25, max_size=25), st.integers(1, 25))
def test_raising_an_item_moves_its_scale_in_the_scored_direction(row, item):
    assume(row[item - 1] in (0, 1))
    raised = list(row)
    raised[item - 1] += 1
    scale = next(name for name, items in SCALE_ITEMS.items() if item in items)
    before, after = (scoring.score_instrument(_frame([r]), "sdq").iloc[0][f"sdq_{scale}"]
                     for r in (row, raised))
    assume(not pd.isna(before))
    if item in REVERSED:
        assert after <= before
    else:
        assert after >= before


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([0, 1, 2]), min_size=25, max_size=25))
def test_reflecting_every_answer_mirrors_every_complete_scale(row):
    mirrored = [2 - a for a in row]
    a, b = (scoring.score_instrument(_frame([r]), "sdq").iloc[0] for r in (row, mirrored))
    for scale in SCALE_ITEMS:
        assert a[f"sdq_{scale}"] + b[f"sdq_{scale}"] == 10
    assert a["sdq_total"] + b["sdq_total"] == 40


# ------------------------------------------------------------------ files and command line
def test_score_file_and_cli(tmp_path, capsys):
    path = tmp_path / "sdq.csv"
    data = sdq_frame([WORKED, WORKED])
    data["family_id"] = ["007", "F02"]
    data.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    assert cli.main(["score", "sdq", str(path), "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype={"family_id": str})
    assert written["sdq_total"].tolist() == [19, 19]
    assert written["family_id"].tolist() == ["007", "F02"]  # identifiers stay strings
    assert "wrote 2 rows" in capsys.readouterr().out


def test_cli_reports_invalid_answers_without_traceback(tmp_path, capsys):
    path = tmp_path / "export.csv"
    data = sdq_frame([WORKED, WORKED])
    data.loc[1, "sdq_03"] = 7
    data.to_csv(path, index=False, sep=";")
    assert cli.main(["score", "sdq", str(path)]) == 2
    err = capsys.readouterr().err
    assert "export.csv" in err and "row 3" in err and "sdq_03" in err and "Traceback" not in err


def test_cli_scheme_option(tmp_path, capsys):
    path = tmp_path / "sdq.csv"
    sdq_frame([WORKED]).to_csv(path, index=False)
    assert cli.main(["score", "sdq", str(path), "--scheme", "uk_3band"]) == 0
    assert "sdq_total_band" in capsys.readouterr().out
    assert cli.main(["score", "sdq", str(path), "--scheme", "nope"]) == 2
