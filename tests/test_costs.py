"""analysis.trajectories.costs: substitution share with exact CI, placement threats, cost arithmetic.

Fixture: the eight hand-made trajectories of test_trajectories (sessions 20, 25, 26, 12, 18, 2,
8, 22 = 133; hours 4, 5, 5.5, 3, 5, 1, 2, 4.5 = 30; indicated F01 F02 F04 F05 F07, of which
F01 and F04 substituted; threats F01 (averted) and F03 (not averted)).
Golden interval for 2 of 5: 0.05274495, 0.85336720, computed independently with
statsmodels 0.14 `proportion_confint(2, 5, method="beta")` (same values as R's
`binom.test(2, 5)$conf.int`, the textbook Clopper-Pearson interval).
"""

import numpy as np
import pandas as pd
import pytest
from test_trajectories import _trajectories

from analysis.errors import ConfigError
from analysis.trajectories import costs

TARIFFS = {"therapy_session": 100.0, "collaboration_hour": 80.0,
           "indicated_trajectory_avoided": 2000.0}


def test_default_tariffs_are_documented_assumptions():
    t = costs.load_tariffs()
    assert set(t) == {"therapy_session", "collaboration_hour", "indicated_trajectory_avoided"}
    table = costs.tariff_table()
    assert table["assumption"].all() and not table["overridden"].any()
    assert (table["rationale"].str.len() > 20).all()
    text = costs.TARIFFS_FILE.read_text(encoding="utf-8")
    assert "ASSUMPTIONS, NOT FACTS" in text and "PLACEHOLDERS" in text


def test_overrides_replace_defaults_and_are_no_longer_assumptions():
    t = costs.load_tariffs({"therapy_session": 95})
    assert t["therapy_session"] == 95.0
    table = costs.tariff_table({"therapy_session": 95}).set_index("tariff")
    assert not table.loc["therapy_session", "assumption"]
    assert table.loc["collaboration_hour", "assumption"]


@pytest.mark.parametrize("overrides, match", [
    ({"session": 100}, "unknown tariff 'session'"),
    ({"therapy_session": -1}, "therapy_session"),
    ({"therapy_session": "100"}, "number of euros"),
    ({"therapy_session": float("nan")}, "number of euros"),
])
def test_bad_tariffs_are_refused(overrides, match):
    with pytest.raises(ConfigError, match=match):
        costs.load_tariffs(overrides)


def test_tariff_file_problems_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        costs.load_tariffs(path=tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("tariffs:\n  therapy_session: {unit: EUR}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="lack a 'value'"):
        costs.load_tariffs(path=bad)


def test_substitution_share_and_exact_interval():
    row = costs.substitution(_trajectories(), target=0.5).iloc[0]
    assert row["indicated_n"] == 5 and row["substituted_n"] == 2
    assert row["share"] == pytest.approx(0.4)
    assert row["ci_low"] == pytest.approx(0.05274495, abs=1e-7)
    assert row["ci_high"] == pytest.approx(0.85336720, abs=1e-7)
    assert row["target"] == 0.5 and not row["target_met"]
    assert row["method"] == "clopper-pearson"


def test_substitution_edge_cases():
    data = _trajectories()
    data["substituted"] = pd.array([True, True, True, True, pd.NA, True, True, False],
                                   dtype="boolean")
    row = costs.substitution(data, target=0.5).iloc[0]
    # indicated with known substitution: F01 F02 F04 F07 (F05 unknown); all four substituted
    assert (row["indicated_n"], row["substituted_n"], row["unknown_n"]) == (4, 4, 1)
    assert row["ci_high"] == 1.0 and row["target_met"]
    assert row["substituted_not_indicated_n"] == 2  # F03, F06
    none = costs.substitution(data.assign(indicated=False)).iloc[0]
    assert none["indicated_n"] == 0 and np.isnan(none["share"]) and pd.isna(none["target_met"])
    with pytest.raises(ConfigError, match="target"):
        costs.substitution(data, target=50)


def test_placement_threats_counts():
    row = costs.placement_threats(_trajectories()).iloc[0]
    assert row.to_dict() == {"threats_n": 2, "averted_n": 1, "not_averted_n": 1, "unknown_n": 0,
                             "averted_without_threat_n": 0}


def test_cost_key_numbers_use_claim_names():
    assert costs.cost_key_numbers(_trajectories()) == {
        "indicated_n": 5, "substituted_n": 2, "placement_threats_n": 2,
        "placement_threats_averted": 1}


def test_family_cost_arithmetic():
    fc = costs.family_costs(_trajectories(), tariffs=TARIFFS).set_index("family_id")
    assert fc.loc["F01", "therapy_cost"] == 2000.0 and fc.loc["F01", "collaboration_cost"] == 320.0
    assert fc.loc["F01", "avoided_cost"] == 2000.0 and fc.loc["F01", "net_cost"] == 320.0
    assert fc.loc["F03", "avoided_cost"] == 0.0 and fc.loc["F03", "pilot_cost"] == 2600.0 + 440.0


def test_cost_summary_totals_and_per_family():
    s = costs.cost_summary(_trajectories(), tariffs=TARIFFS).set_index("item")
    assert list(s.index) == list(costs.COST_ITEMS)
    assert s.loc["therapy_cost", "total_eur"] == 133 * 100.0
    assert s.loc["collaboration_cost", "total_eur"] == 30 * 80.0
    assert s.loc["avoided_cost", "total_eur"] == 2 * 2000.0
    assert s.loc["net_cost", "total_eur"] == 13300.0 + 2400.0 - 4000.0
    assert s.loc["net_cost", "per_family_eur"] == pytest.approx(11700.0 / 8)
    assert not s["tariffs_assumed"].any()  # every tariff given by the caller
    assert costs.cost_summary(_trajectories())["tariffs_assumed"].all()


def test_tariff_sensitivity_varies_one_tariff_at_a_time():
    sens = costs.tariff_sensitivity(_trajectories(), tariffs=TARIFFS)
    assert len(sens) == 3 * 3
    row = sens[(sens["tariff"] == "therapy_session") & (sens["factor"] == 0.75)].iloc[0]
    assert row["tariff_eur"] == 75.0
    assert row["pilot_cost_eur"] == 133 * 75.0 + 30 * 80.0
    assert row["net_cost_eur"] == 133 * 75.0 + 30 * 80.0 - 4000.0
    avoided = sens[(sens["tariff"] == "indicated_trajectory_avoided") & (sens["factor"] == 1.25)]
    assert avoided["avoided_cost_eur"].iloc[0] == 2 * 2500.0
    base = sens[sens["factor"] == 1.0]["net_cost_eur"]
    assert (base == 11700.0).all()
    with pytest.raises(ConfigError, match="factors"):
        costs.tariff_sensitivity(_trajectories(), factors=(-1,))


@pytest.mark.parametrize("low, high, target", [(0.25, 0.75, 0.5), (0.5, 0.9, 0.5), (0.1, 0.49, 0.5),
                                               (0.6, 0.9, 0.75), (0.0, 1.0, 0.0)])
def test_substitution_verdict_is_the_findings_verdict(low, high, target):
    # one verdict on the target everywhere: key numbers (costs) and findings text (sections)
    from analysis.report.findings_sections import target_verdict as findings_verdict

    verdict = costs.TARGET_VERDICTS_NL[costs.target_verdict(low, high, target)]
    assert verdict == findings_verdict((low + high) / 2, low, high, target)


def test_substitution_key_numbers_report_the_interval_verdict():
    row = costs.substitution(_trajectories(), target=0.5).iloc[0]  # 2 of 5, 0.05-0.85, target 0.5
    assert row["target_verdict"] == "undetermined"
    numbers = costs.substitution_key_numbers(costs.substitution(_trajectories(), target=0.5),
                                             pd.DataFrame({"item": [], "total_eur": [],
                                                           "tariffs_assumed": []}))
    assert numbers["substitution_target_verdict_nl"] == "niet aantoonbaar"
    assert "substitution_target_met" not in numbers


def test_no_target_unless_the_cohort_sets_one():
    row = costs.substitution(_trajectories()).iloc[0]
    assert np.isnan(row["target"]) and pd.isna(row["target_met"]) and pd.isna(row["target_verdict"])
    numbers = costs.substitution_key_numbers(costs.substitution(_trajectories()),
                                             costs.cost_summary(_trajectories()))
    assert numbers["substitution_target"] is None
    assert numbers["substitution_target_verdict_nl"] is None
    assert numbers["substitution_share"] == pytest.approx(0.4)  # the share is still reported


def test_tariffs_from_the_cohorts_own_file_say_whose_they_are(tmp_path):
    own = tmp_path / "tarieven.yaml"
    own.write_text("source: Tarieven gemeente Deventer, contract 2025\ntariffs:\n"
                   "  therapy_session: {value: 90}\n  collaboration_hour: {value: 70}\n"
                   "  indicated_trajectory_avoided: {value: 2000}\n", encoding="utf-8")
    summary = costs.cost_summary(_trajectories(), path=own).set_index("item")
    direct = costs.family_costs(_trajectories(), tariffs={"therapy_session": 90,
                                                          "collaboration_hour": 70,
                                                          "indicated_trajectory_avoided": 2000})
    assert summary.loc["net_cost", "total_eur"] == pytest.approx(direct["net_cost"].sum())
    assert not summary["tariffs_assumed"].any()  # the cohort's own tariffs are not assumptions
    assert costs.tariff_source(own) == "tarieven uit Tarieven gemeente Deventer, contract 2025"
    assert "aangenomen" in costs.tariff_source() and costs.cost_summary(
        _trajectories())["tariffs_assumed"].all()
    nameless = tmp_path / "zonder_bron.yaml"
    nameless.write_text("tariffs:\n  therapy_session: {value: 90}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="source"):
        costs.tariff_source(nameless)
