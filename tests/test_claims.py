"""analysis.report.claims: every rule kind of claim_rules.yaml, and the bundled Helmond claims.

Golden intervals (percent) computed independently with statsmodels 0.14
`proportion_confint(k, n, method="beta")` (Clopper-Pearson): 9/14 -> 35.13801, 87.24016;
3/6 -> 11.81172, 88.18828.
"""

import math

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.errors import ConfigError
from analysis.report import claims as cl

HELMOND = paths.DEFINITIONS / "published_claims_helmond_2023.csv"

RULES = {
    "count": {"value": "slots"},
    "pct": {"numerator": "t0_elevated_n", "denominator": "analysis_set_n"},
    "most": {"value": "therapy_sessions_max", "comparison": "max"},
    "fewest": {"value": "observation_sessions_min", "comparison": "min"},
    "at_least": {"value": "placement_threats_averted"},  # comparison from unit "min"
    "pct_min": {"numerator": "substituted_n", "denominator": "indicated_n", "comparison": "min"},
    "external": {"external": "externe referentiewaarde (NJi)"},
    "ambiguous": {"numerator": "t1_reliable_improvement_n",
                  "denominator": "t0_elevated_high_disorganized_n", "note": "lezing 3 van 6"},
}


def _claims(**published) -> pd.DataFrame:
    base = {"count": (30, "count"), "pct": (64, "percent"), "most": (25, "max"),
            "fewest": (3, "min"), "at_least": (2, "min"), "pct_min": (50, "min"),
            "external": (15, "percent"), "ambiguous": (50, "percent")}
    rows = [{"claim_id": cid, "section": "S", "statement": f"stelling {cid}",
             "published": published.get(cid, value), "unit": unit,
             "note": "noot" if cid == "ambiguous" else np.nan}
            for cid, (value, unit) in base.items()]
    return pd.DataFrame(rows)


KEYS = {"slots": 30, "t0_elevated_n": 9, "analysis_set_n": 14, "therapy_sessions_max": 25,
        "observation_sessions_min": 3, "placement_threats_averted": 3, "substituted_n": 5,
        "indicated_n": 9, "t1_reliable_improvement_n": 3, "t0_elevated_high_disorganized_n": 6}


def _by_id(frame):
    return frame.set_index("claim_id")


def test_columns_and_order():
    out = cl.reproduce_claims(_claims(), KEYS, rules=RULES)
    assert list(out.columns) == cl.COLUMNS
    assert list(out.columns[:9]) == ["claim_id", "published", "reproduced", "numerator",
                                     "denominator", "ci_low", "ci_high", "status", "note"]
    assert list(out["claim_id"]) == list(_claims()["claim_id"])
    assert set(out["status"]) <= set(cl.STATUSES)


def test_every_rule_kind_reproduced():
    out = _by_id(cl.reproduce_claims(_claims(), KEYS, rules=RULES))
    assert out.loc["count", "status"] == "reproduced" and out.loc["count", "reproduced"] == 30
    pct = out.loc["pct"]
    assert pct["status"] == "reproduced" and pct["reproduced"] == pytest.approx(100 * 9 / 14)
    assert (pct["numerator"], pct["denominator"]) == (9, 14)
    assert pct["ci_low"] == pytest.approx(35.13801, abs=1e-4)
    assert pct["ci_high"] == pytest.approx(87.24016, abs=1e-4)
    assert out.loc["most", "status"] == "reproduced"  # 25 <= 25
    assert out.loc["fewest", "status"] == "reproduced"  # 3 >= 3
    assert out.loc["at_least", "status"] == "reproduced"  # 3 >= 2 ("at least two")
    assert out.loc["pct_min", "status"] == "reproduced"  # 56% >= 50%
    amb = out.loc["ambiguous"]
    assert amb["status"] == "reproduced" and amb["note"] == "noot; lezing 3 van 6"
    assert amb["ci_low"] == pytest.approx(11.81172, abs=1e-4)
    for cid in ("count", "most"):
        assert math.isnan(out.loc[cid, "ci_low"]) and math.isnan(out.loc[cid, "numerator"])
    assert out.loc["count", "statement"] == "stelling count" and out.loc["count", "section"] == "S"


@pytest.mark.parametrize("cid, key, value", [
    ("count", "slots", 29),
    ("pct", "t0_elevated_n", 10),  # 71%
    ("most", "therapy_sessions_max", 26),
    ("fewest", "observation_sessions_min", 2),
    ("at_least", "placement_threats_averted", 1),
    ("pct_min", "substituted_n", 4),  # 44% < 50%
])
def test_every_rule_kind_differs(cid, key, value):
    out = _by_id(cl.reproduce_claims(_claims(), {**KEYS, key: value}, rules=RULES))
    assert out.loc[cid, "status"] == "differs"


def test_percentages_round_half_up_before_comparing():
    # 1 of 8 = 12.5%: printed as 13%; Python's round() would give 12
    rules = {"p": {"numerator": "a", "denominator": "b"}}
    claims = pd.DataFrame({"claim_id": ["p"], "published": [13], "unit": ["percent"]})
    out = cl.reproduce_claims(claims, {"a": 1, "b": 8}, rules=rules)
    assert out.loc[0, "status"] == "reproduced"
    claims["published"] = "12,5"  # decimal comma parsed; 13 != 12.5
    assert cl.reproduce_claims(claims, {"a": 1, "b": 8}, rules=rules).loc[0, "status"] == "differs"


def test_external_reference_is_not_computable_with_reason():
    row = _by_id(cl.reproduce_claims(_claims(), KEYS, rules=RULES)).loc["external"]
    assert row["status"] == "not_computable" and "NJi" in row["note"]
    assert math.isnan(row["reproduced"]) and row["published"] == 15


@pytest.mark.parametrize("key", ["slots", "analysis_set_n"])
@pytest.mark.parametrize("how", ["absent", "none", "nan"])
def test_missing_key_number(key, how):
    keys = dict(KEYS)
    if how == "absent":
        del keys[key]
    else:
        keys[key] = None if how == "none" else float("nan")
    out = _by_id(cl.reproduce_claims(_claims(), keys, rules=RULES))
    cid = "count" if key == "slots" else "pct"
    assert out.loc[cid, "status"] == "not_computable"
    assert f"kerngetal ontbreekt: {key}" in out.loc[cid, "note"]
    assert (out.drop(index=[cid, "external"])["status"] == "reproduced").all()


@pytest.mark.parametrize("keys, reason", [
    ({"t0_elevated_n": 15}, "groter dan noemer"),
    ({"analysis_set_n": 0, "t0_elevated_n": 0}, "is 0"),
    ({"t0_elevated_n": 2.5}, "gehele aantallen"),
    ({"t0_elevated_n": "negen"}, "geen getal"),
])
def test_unusable_percentage_inputs(keys, reason):
    out = _by_id(cl.reproduce_claims(_claims(), {**KEYS, **keys}, rules=RULES))
    assert out.loc["pct", "status"] == "not_computable" and reason in out.loc["pct", "note"]


def test_claim_without_rule_and_unparseable_published():
    claims = pd.concat([_claims(count="dertig"),
                        pd.DataFrame({"claim_id": ["new"], "published": [1]})])
    out = _by_id(cl.reproduce_claims(claims, KEYS, rules=RULES))
    assert out.loc["new", "status"] == "not_computable"
    assert "geen regel" in out.loc["new", "note"]
    assert out.loc["count", "status"] == "not_computable"
    assert "geen getal" in out.loc["count", "note"]


def test_bad_claims_frame():
    with pytest.raises(ValueError, match="published"):
        cl.reproduce_claims(pd.DataFrame({"claim_id": ["a"]}), KEYS, rules=RULES)
    dup = pd.DataFrame({"claim_id": ["a", "a"], "published": [1, 2]})
    with pytest.raises(ValueError, match="not unique.*'a'"):
        cl.reproduce_claims(dup, KEYS, rules=RULES)


@pytest.mark.parametrize("text, match", [
    ("rules: {a: {value: x, external: y}}", "exactly one"),
    ("rules: {a: {numerator: x}}", "go together"),
    ("rules: {a: {value: x, comparison: atleast}}", "comparison"),
    ("rules: {a: {}}", "exactly one"),
    ("other: 1", "'rules' mapping"),
])
def test_bad_rule_files(tmp_path, text, match):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        cl.load_claim_rules(path)


def test_every_bundled_claim_has_a_rule_and_names_follow_the_scheme():
    claims = pd.read_csv(HELMOND)
    rules = cl.load_claim_rules()
    assert set(claims["claim_id"]) <= set(rules)
    names = cl.expected_key_numbers(rules)
    expected = {"slots", "trajectories_completed", "therapists_pmt", "therapists_play",
                "social_workers", "therapy_sessions_max", "collaboration_hours_max",
                "observation_sessions_min", "observation_sessions_max", "parents_interviewed",
                "parents_positive", "case_study_n", "questionnaire_both",
                "questionnaire_baseline_only", "questionnaire_none", "t0_elevated_n",
                "analysis_set_n", "t0_elevated_high_disorganized_n", "t1_reliable_improvement_n",
                "t1_disorganized_resolved_n", "t0_not_elevated_n",
                "t0_not_elevated_low_disorganized_n", "placement_threats_averted", "indicated_n",
                "substituted_n", "reflection_social_workers_n", "reflection_therapists_n",
                "focus_group_social_workers_n", "focus_group_therapists_n", "parent_survey_n",
                "sdq_n", "ari_cp_n"}
    assert set(names) == expected


def _published_as_keys(claims: pd.DataFrame, rules) -> dict:
    """Key numbers equal to what the report published (its numerators and denominators)."""
    keys = {}
    for claim in claims.to_dict("records"):
        rule = rules[claim["claim_id"]]
        if "value" in rule:
            keys[rule["value"]] = claim["published"]
        elif "numerator" in rule and not pd.isna(claim["numerator"]):
            keys[rule["numerator"]] = int(claim["numerator"])
            keys[rule["denominator"]] = int(claim["denominator"])
    keys.update(substituted_n=3, indicated_n=6)  # "50% behaald": not in the claims file
    return keys


def test_the_published_report_reproduces_itself():
    claims = pd.read_csv(HELMOND)
    rules = cl.load_claim_rules()
    out = _by_id(cl.reproduce_claims(claims, _published_as_keys(claims, rules)))
    assert out.loc["national_disorganized_pct", "status"] == "not_computable"
    others = out.drop(index="national_disorganized_pct")
    assert (others["status"] == "reproduced").all(), others[others["status"] != "reproduced"]
    note = out.loc["t1_significant_improvement_pct", "note"]
    assert "denominator ambiguous" in note and "3 van 6" in note


def test_every_rule_has_a_dutch_statement():
    from analysis.report.claims import load_claim_rules, statements_nl

    assert set(statements_nl()) == set(load_claim_rules())
