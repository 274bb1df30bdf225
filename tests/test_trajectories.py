"""analysis.trajectories.flow: participant flow, descriptive summary, staff counts, key numbers.

Fixtures are hand-made: eight trajectories whose counts can be checked by eye.
"""

import numpy as np
import pandas as pd
import pytest

from analysis.errors import ConfigError
from analysis.trajectories import flow as tr


def _trajectories() -> pd.DataFrame:
    rows = [
        # family, status, start, end, therapy, therapist, sw, referral, age, sex, obs, sess, hours
        ("F01", "completed", "2023-09-04", "2024-03-04", "speltherapie", "T1", "S1", "parents", 6, "f", 3, 20, 4.0),
        ("F02", "completed", "2023-09-11", "2024-02-12", "speltherapie", "T2", "S1", "school", 8, "m", 4, 25, 5.0),
        ("F03", "completed", "2023-10-02", "2024-04-01", "pmt", "P1", "S2", "parents", 10, "m", 5, 26, 5.5),
        ("F04", "completed", "2023-10-09", "2024-01-08", "speltherapie", "T1", "S3", "gp", 5, "f", 3, 12, 3.0),
        ("F05", "completed", "2023-11-06", "2024-05-06", "pmt", "P2", "S2", "school", 11, "x", 4, 18, 5.0),
        ("F06", "dropped_out", "2023-11-13", "2023-12-11", "speltherapie", "T3", "S4", "parents", 7, "m", 2, 2, 1.0),
        ("F07", "ongoing", "2024-06-03", None, "pmt", "P1", "S1", "other", 9, "f", 3, 8, 2.0),
        ("F08", "completed", "2023-12-04", "2024-06-03", "speltherapie", "T2", "S3", "parents", 4, "f", 3, 22, 4.5),
    ]
    cols = ["family_id", "status", "start_date", "end_date", "therapy", "therapist_id",
            "social_worker_id", "referral", "child_age", "child_sex", "observation_sessions",
            "therapy_sessions", "collaboration_hours"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    frame["indicated"] = [True, True, False, True, True, False, True, False]
    frame["substituted"] = [True, False, False, True, False, False, False, False]
    frame["placement_threat"] = [True, False, True, False, False, False, False, False]
    frame["placement_averted"] = pd.array([True, pd.NA, False, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA],
                                          dtype="boolean")
    return frame


def _questionnaires() -> pd.DataFrame:
    # completed: F01 both, F02 both (two instruments), F03 T0 only, F04 none, F05 T1 only,
    # F08 both; F06 (dropped out) T0 only is not counted; X99 is not a trajectory.
    rows = [("F01", "T0"), ("F01", "T1"), ("F02", "T0"), ("F02", "T1"), ("F02", "T0"),
            ("F02", "T1"), ("F03", "T0"), ("F05", "t1"), ("F08", "T0"), ("F08", "T1"),
            ("F08", "T2"), ("F06", "T0"), ("X99", "T0")]
    return pd.DataFrame(rows, columns=["family_id", "timepoint"])


def test_flow_counts_and_tree():
    flow = tr.participant_flow(_trajectories(), _questionnaires(), slots=30)
    assert list(flow.columns) == ["stage", "label_nl", "n", "parent_stage"]
    n = flow.set_index("stage")["n"].to_dict()
    assert n == {"slots": 30, "started": 8, "completed": 6, "dropped_out": 1, "ongoing": 1,
                 "questionnaire_both": 3, "questionnaire_baseline_only": 1,
                 "questionnaire_end_only": 1, "questionnaire_none": 1}
    parents = flow.set_index("stage")["parent_stage"]
    assert pd.isna(parents["slots"]) and parents["completed"] == "started"
    q = [s for s in n if s.startswith("questionnaire_")]
    assert sum(n[s] for s in q) == n["completed"]
    assert n["completed"] + n["dropped_out"] + n["ongoing"] == n["started"]


def test_flow_without_questionnaires_counts_every_completed_as_none():
    empty = pd.DataFrame({"family_id": pd.Series(dtype=str), "timepoint": pd.Series(dtype=str)})
    n = tr.participant_flow(_trajectories(), empty, slots=8).set_index("stage")["n"]
    assert n["questionnaire_none"] == 6 and n["questionnaire_both"] == 0


@pytest.mark.parametrize("slots", [-1, 2.5, "30", True])
def test_flow_rejects_bad_slots(slots):
    with pytest.raises(ConfigError, match="slots"):
        tr.participant_flow(_trajectories(), _questionnaires(), slots=slots)


def test_flow_rejects_unknown_status_and_missing_columns():
    bad = _trajectories()
    bad.loc[0, "status"] = "finished"
    with pytest.raises(ValueError, match="status.*finished"):
        tr.participant_flow(bad, _questionnaires(), slots=30)
    with pytest.raises(ValueError, match="questionnaires: missing column.*timepoint"):
        tr.participant_flow(_trajectories(), _questionnaires()[["family_id"]], slots=30)


def test_describe_counts_and_limits():
    d = tr.describe_trajectories(_trajectories(), limits=tr.DEFAULT_LIMITS)
    assert list(d.columns) == tr.DESCRIBE_COLUMNS
    therapy = d[d["variable"] == "therapy"].set_index("category")
    assert therapy["n"].to_dict() == {"speltherapie": 5, "pmt": 3}
    assert therapy.loc["pmt", "share"] == pytest.approx(3 / 8)
    sessions = d[d["variable"] == "therapy_sessions"].iloc[0]
    assert sessions["n"] == 8 and sessions["limit"] == 25 and sessions["n_above_limit"] == 1
    assert sessions["min"] == 2 and sessions["max"] == 26
    assert sessions["median"] == pytest.approx(np.median([20, 25, 26, 12, 18, 2, 8, 22]))
    assert sessions["q1"] == pytest.approx(np.percentile([20, 25, 26, 12, 18, 2, 8, 22], 25))
    hours = d[d["variable"] == "collaboration_hours"].iloc[0]
    assert hours["limit"] == 5 and hours["n_above_limit"] == 1  # 5.0 is not above 5
    age = d[d["variable"] == "child_age"].iloc[0]
    assert np.isnan(age["limit"]) and np.isnan(age["n_above_limit"])


def test_describe_derived_variables():
    d = tr.describe_trajectories(_trajectories()).set_index("variable")
    treatment = d.loc["treatment_sessions"]
    assert treatment["min"] == 0 and treatment["max"] == 21  # F06: 2 - 2; F03: 26 - 5
    weeks = d.loc["duration_weeks"]
    assert weeks["n"] == 7  # ongoing F07 has no end date
    assert weeks["min"] == pytest.approx(4.0)  # F06: 2023-11-13 -> 2023-12-11 = 28 days
    assert set(d.loc[["therapy"], "label_nl"]) == {"Soort vaktherapie"}


def test_describe_rejects_a_limit_on_an_unknown_variable():
    with pytest.raises(ConfigError, match="sessions_total"):
        tr.describe_trajectories(_trajectories(), limits={"sessions_total": 25})
    with pytest.raises(ConfigError, match="must be a number"):
        tr.describe_trajectories(_trajectories(), limits={"therapy_sessions": "25"})


def test_describe_accepts_the_contract_limit_names():
    limits = {"max_therapy_sessions": 20, "max_collaboration_hours": 4,
              "min_observation_sessions": 3, "max_observation_sessions": 4}
    d = tr.describe_trajectories(_trajectories(), limits=limits).set_index("variable")
    assert d.loc["therapy_sessions", "limit"] == 20
    assert d.loc["therapy_sessions", "n_above_limit"] == 3  # 25, 26, 22
    assert d.loc["collaboration_hours", "n_above_limit"] == 4  # 5, 5.5, 5, 4.5
    assert d.loc["observation_sessions", "n_above_limit"] == 1  # F03: 5


def test_staff_counts_distinct_per_therapy():
    counts = tr.staff_counts(_trajectories())
    assert counts == {"therapists_pmt": 2, "therapists_play": 3, "therapists_total": 5,
                      "social_workers": 4, "therapists_art": 0, "therapists_drama": 0,
                      "therapists_music": 0, "therapists_dance": 0}  # every contract type: 0 is a count


def test_key_numbers_use_claim_names_and_completed_trajectories():
    keys = tr.trajectory_key_numbers(_trajectories(), _questionnaires(), slots=30)
    assert keys["slots"] == 30 and keys["trajectories_completed"] == 6
    assert keys["questionnaire_both"] == 3 and keys["questionnaire_none"] == 1
    assert keys["therapists_play"] == 3 and keys["social_workers"] == 4
    # over completed trajectories only: F06 (2 observation sessions) dropped out
    assert keys["observation_sessions_min"] == 3 and keys["observation_sessions_max"] == 5
    assert keys["therapy_sessions_max"] == 26 and keys["collaboration_hours_max"] == 5.5
    assert isinstance(keys["therapy_sessions_max"], int)


def test_key_numbers_are_none_not_nan_without_completed_trajectories():
    data = _trajectories().assign(status="ongoing")
    keys = tr.trajectory_key_numbers(data, _questionnaires(), slots=30)
    assert keys["therapy_sessions_max"] is None and keys["observation_sessions_min"] is None
    assert keys["trajectories_completed"] == 0
