"""analysis.follow_up.planning: the follow-up plan from the pilot's own results.

Known values come from hand computation (d_z, d_av, correlations, Clopper-Pearson bounds as beta
quantiles, the exact d_z interval by inverting the noncentral t with a root finder), textbook
tables (Cohen 1992: 64 and 26 families per group for d = 0.5 and 0.8 at 80% power), the
asymptotic relative efficiency of the Wilcoxon test (3 / pi for normal data) and the
ANCOVA approximation of Borm et al. (2007). The statistics underneath are tested in
tests/test_power.py.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as st
from statsmodels.stats.power import TTestIndPower

from analysis.errors import CompendiumError
from analysis.follow_up import inputs as fu_inputs
from analysis.follow_up import planning
from analysis.follow_up import power as fu_power
from analysis.follow_up import precision as fu_precision
from analysis.follow_up import two_group as fu_two_group
from analysis.report import keynumbers
from analysis.stats import power

# The SDQ total of a 14-family pilot (T0, T1) with three reliable improvements (RCI <= -1.96
# with a reliable-change threshold of 5.8 points): F04, F07 and F13.
TOTAL_T0 = [9, 19, 22, 15, 21, 4, 18, 19, 6, 16, 21, 9, 17, 4]
TOTAL_T1 = [9, 19, 12, 15, 9, 1, 17, 19, 4, 6, 23, 11, 15, 2]
IMPROVED = {"F04", "F07", "F13"}
FAMILIES = ["F01", "F02", "F04", "F05", "F07", "F08", "F09", "F11", "F12", "F13", "F15", "F17",
            "F18", "F20"]
# a subscale whose interval of d_z contains 0, and one with a clear change
PROSOCIAL_T0 = [7, 8, 6, 9, 5, 7, 8, 6, 7, 9, 8, 6, 7, 8]
PROSOCIAL_T1 = [8, 7, 6, 9, 6, 6, 8, 7, 7, 8, 9, 6, 6, 8]
EMOTIONAL_T0 = [5, 6, 7, 4, 8, 3, 6, 5, 7, 6, 4, 5, 6, 7]
EMOTIONAL_T1 = [3, 5, 4, 4, 5, 3, 4, 4, 5, 3, 4, 3, 5, 4]


def _changes(with_extras: bool = True) -> pd.DataFrame:
    rows = []
    for scale, t0s, t1s in (("total", TOTAL_T0, TOTAL_T1),
                            ("prosocial", PROSOCIAL_T0, PROSOCIAL_T1),
                            ("emotional", EMOTIONAL_T0, EMOTIONAL_T1)):
        for family, t0, t1 in zip(FAMILIES, t0s, t1s):
            improved = scale == "total" and family in IMPROVED
            rows.append({"family_id": family, "instrument": "sdq", "scale": scale,
                         "t0": float(t0), "t1": float(t1), "change": float(t1 - t0),
                         "change_class": "improved" if improved else "unchanged"})
    if with_extras:  # a family with T0 only, and another instrument: both left out
        rows.append({"family_id": "F21", "instrument": "sdq", "scale": "total", "t0": 20.0,
                     "t1": np.nan, "change": np.nan, "change_class": None})
        rows.append({"family_id": "F01", "instrument": "ari_cp", "scale": "total",
                     "t0": 2.0, "t1": 1.0, "change": -1.0, "change_class": None})
    return pd.DataFrame(rows)


def _fragments(**questionnaires) -> dict:
    return {"03_trajectories": {"trajectories_started": 22, "questionnaire_both": 14,
                                "trajectories_ongoing": 0},
            "01_questionnaires": {"sdq_total_improved_n": 3, "sdq_n": 14, **questionnaires}}


@pytest.fixture(scope="module")
def inputs() -> fu_inputs.PlanningInputs:
    return fu_inputs.planning_inputs(_changes(), _fragments())


@pytest.fixture(scope="module")
def power_table(inputs) -> pd.DataFrame:
    return fu_power.power_table(inputs, n_sim=400, seed=7)


def _d_z_interval_by_hand(d: np.ndarray, confidence: float) -> tuple[float, float]:
    """Invert the noncentral t with a root finder: P(T <= t | lambda) = 1 - a/2 and a/2."""
    n = d.size
    t = d.mean() / (d.std(ddof=1) / math.sqrt(n))
    alpha = 1 - confidence

    def solve(level):
        return optimize.brentq(lambda lam: st.nct.cdf(t, n - 1, lam) - level, t - 10, t + 10)

    return solve(1 - alpha / 2) / math.sqrt(n), solve(alpha / 2) / math.sqrt(n)


# ---------------------------------------------------------------- the pilot's numbers
def test_within_family_effects_by_hand(inputs):
    row = inputs.effect("total")
    t0, t1 = np.array(TOTAL_T0, float), np.array(TOTAL_T1, float)
    d = t1 - t0
    assert row["n"] == 14
    assert row["d_z"] == pytest.approx(d.mean() / d.std(ddof=1), rel=1e-12)
    # the value notebook 01 reports for the bundled cohort (sdq_total_t_effect)
    assert row["d_z"] == pytest.approx(-0.5946440677, abs=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(_d_z_interval_by_hand(d, 0.95),
                                                            abs=1e-7)
    assert (row["safeguard_low"], row["safeguard_high"]) == pytest.approx(
        _d_z_interval_by_hand(d, 0.60), abs=1e-7)
    assert row["ci_low"] < row["safeguard_low"] < row["d_z"] < row["safeguard_high"] \
        < row["ci_high"]
    assert row["r_t0_t1"] == pytest.approx(np.corrcoef(t0, t1)[0, 1], rel=1e-12)
    assert row["d_av"] == pytest.approx(d.mean() / ((t0.std(ddof=1) + t1.std(ddof=1)) / 2))


def test_within_family_effects_keep_the_scale_order_and_leave_out_other_rows(inputs):
    assert inputs.effects["scale"].tolist() == ["total", "emotional", "prosocial"]
    assert set(inputs.effects["instrument"]) == {"sdq"}
    assert inputs.effects["n"].tolist() == [14, 14, 14]  # F21 (T0 only) dropped
    assert sorted(inputs.changes) == ["emotional", "prosocial", "total"]
    assert inputs.changes["total"].tolist() == [b - a for a, b in zip(TOTAL_T0, TOTAL_T1)]


def test_within_family_effects_are_undefined_without_variation():
    df = pd.DataFrame({"instrument": "sdq", "scale": "total", "t0": [5.0, 6, 7],
                       "t1": [4.0, 5, 6]})
    row = fu_inputs.within_family_effects(df).iloc[0]
    assert row["mean_change"] == -1 and row["sd_change"] == 0
    assert np.isnan(row["d_z"]) and np.isnan(row["ci_low"]) and np.isnan(row["safeguard_high"])


def test_reliable_improvement_with_clopper_pearson_bounds_by_hand(inputs):
    row = inputs.reliable.iloc[0]
    assert (row["k"], row["n"]) == (3, 14)
    low, high = st.beta.ppf(0.025, 3, 12), st.beta.ppf(0.975, 4, 11)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    assert row["half_width"] == pytest.approx((high - low) / 2)
    assert row["share"] == pytest.approx(3 / 14)


def test_completion_table_from_the_pilot_and_from_a_parameter():
    pilot = fu_inputs.completion_table(_fragments()).iloc[0]
    assert (pilot["started_n"], pilot["completed_n"]) == (22, 14)
    assert pilot["completion_rate"] == pytest.approx(14 / 22) and pilot["source"] == "pilot"
    given = fu_inputs.completion_table(_fragments(), 0.8).iloc[0]
    assert given["completion_rate"] == 0.8 and given["source"] == "parameter"
    assert given["pilot_rate"] == pytest.approx(14 / 22)


def test_completion_table_shows_the_rate_without_running_trajectories():
    fragments = {"03_trajectories": {"trajectories_started": 60, "questionnaire_both": 27,
                                     "trajectories_ongoing": 8}}
    row = fu_inputs.completion_table(fragments).iloc[0]
    assert row["completion_rate"] == pytest.approx(27 / 60)  # running ones count as lost
    assert row["rate_excluding_ongoing"] == pytest.approx(27 / 52)


@pytest.mark.parametrize("fragments", [{}, {"03_trajectories": {"trajectories_started": 0,
                                                                "questionnaire_both": 0}},
                                       {"03_trajectories": {"trajectories_started": 10,
                                                            "questionnaire_both": 0}}])
def test_completion_table_needs_a_known_nonzero_rate(fragments):
    with pytest.raises(CompendiumError, match="completion rate is unknown or zero"):
        fu_inputs.completion_table(fragments)
    assert fu_inputs.completion_table(fragments, 0.5)["completion_rate"].iloc[0] == 0.5


@pytest.mark.parametrize("rate", [0, 1.2, -0.1, True])
def test_completion_table_rejects_a_bad_parameter(rate):
    with pytest.raises(ValueError, match="completion_rate must be a number in"):
        fu_inputs.completion_table(_fragments(), rate)


def test_planning_inputs_refuse_stale_key_numbers():
    with pytest.raises(CompendiumError, match="re-run notebook 01"):
        fu_inputs.planning_inputs(_changes(), _fragments(sdq_total_improved_n=4))
    with pytest.raises(CompendiumError, match="sdq_total_t_effect"):
        fu_inputs.planning_inputs(_changes(), _fragments(sdq_total_t_effect=-0.7))
    # the matching value passes
    fu_inputs.planning_inputs(_changes(), _fragments(sdq_total_t_effect=-0.5946440677))


def test_planning_inputs_need_the_total_and_the_columns():
    changes = _changes()
    with pytest.raises(CompendiumError, match="no family has the sdq total at T0 and T1"):
        fu_inputs.planning_inputs(changes[changes["scale"] != "total"], _fragments())
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['change_class'\]"):
        fu_inputs.planning_inputs(changes.drop(columns="change_class"), _fragments())


# ---------------------------------------------------------------- scenarios
@pytest.mark.parametrize("low, high, expected", [(-1.16, -0.01, -0.01), (0.2, 0.9, 0.2),
                                                 (-0.5, 0.1, 0.0), (0.0, 0.4, 0.0),
                                                 (np.nan, 1.0, np.nan)])
def test_nearest_zero(low, high, expected):
    assert fu_power.nearest_zero(low, high) == pytest.approx(expected, nan_ok=True)


def test_scenario_effects(inputs):
    table = fu_power.scenario_effects(inputs.effects).set_index(["scale", "scenario"])["d_z"]
    total = inputs.effect("total")
    assert table["total", "observed"] == total["d_z"]
    assert table["total", "safeguard"] == total["safeguard_high"]  # nearer zero: negative d_z
    assert table["total", "ci_bound"] == total["ci_high"]
    assert table["prosocial", "ci_bound"] == 0.0  # the interval contains 0
    with pytest.raises(ValueError, match="scenario must be one of"):
        fu_power.scenario_effects(inputs.effects, ["optimistic"])


# ---------------------------------------------------------------- precision
def test_precision_table_uses_the_tested_search(inputs):
    table = fu_precision.precision_table(inputs, targets=[0.05, 0.10, 0.15])
    assert len(table) == 2 * 2 * 3  # assumptions x methods x targets
    for row in table.itertuples():
        assert row.n_analysed == power.n_for_proportion_precision(
            row.p, row.target_half_width, method=row.method)
        assert row.n_enrolled == power.inflate_for_completion(row.n_analysed, 14 / 22)
        assert row.achieved_half_width <= row.target_half_width + 1e-9
    worst = table.set_index(["assumption", "method", "target_half_width"])
    assert worst.loc[("worst_case", "wilson", 0.10), "n_analysed"] == 93  # see power.py
    pilot = worst.loc[("pilot", "clopper-pearson", 0.10)]
    assert pilot["p"] == pytest.approx(3 / 14)
    assert pilot["pilot_half_width"] == pytest.approx(
        (st.beta.ppf(0.975, 4, 11) - st.beta.ppf(0.025, 3, 12)) / 2)


def test_precision_table_without_the_worst_case(inputs):
    table = fu_precision.precision_table(inputs, targets=0.1, methods=["wilson"], worst_case=False)
    assert table["assumption"].tolist() == ["pilot"] and table["target_half_width"][0] == 0.1


def test_precision_curves(inputs):
    curves = fu_precision.precision_curves(inputs, [10, 22, 50])
    assert curves.columns[:2].tolist() == ["assumption", "assumption_nl"]
    assert curves.groupby("assumption")["n_analysed"].apply(list).to_dict() == {
        "pilot": [6, 14, 31], "worst_case": [6, 14, 31]}
    single = power.proportion_ci_width(3 / 14, 14).half_width[0]
    assert curves.query("assumption == 'pilot' and n_enrolled == 22").half_width.iloc[0] \
        == pytest.approx(single)


def test_pilot_precision(inputs):
    point = fu_precision.pilot_precision(inputs)
    assert point["n_enrolled"] == 22 and point["n_analysed"] == 14
    assert point["half_width"] == pytest.approx(inputs.reliable["half_width"].iloc[0])


# ---------------------------------------------------------------- smallest_n
@pytest.mark.parametrize("d, target", [(0.5, 0.8), (0.3, 0.9), (1.2, 0.8), (0.8, 0.95)])
@pytest.mark.parametrize("guess", [2, 10, 60])
def test_smallest_n_reproduces_the_paired_t_solution(d, target, guess):
    found = fu_power.smallest_n(lambda n: power.paired_t_power(d, n), target, guess=guess)
    assert found == power.n_for_paired_t(d, power=target)


def test_smallest_n_textbook_case():
    assert fu_power.smallest_n(lambda n: power.paired_t_power(0.5, n), 0.8) == 34


def test_smallest_n_refuses_an_undefined_power():
    with pytest.raises(ValueError, match=r"power_at\(40\) is NaN"):
        fu_power.smallest_n(lambda n: np.nan if n >= 40 else 0.1, 0.8, guess=40)


def test_smallest_n_gives_up_beyond_max_n():
    assert fu_power.smallest_n(lambda n: power.paired_t_power(0.1, n), 0.8, max_n=100) is None


def test_smallest_n_finds_a_local_first_crossing_of_a_noisy_curve():
    # not monotone: reaches the target at 30 and again from 40 on
    def noisy(n):
        return 0.9 if n == 30 or n >= 40 else 0.5

    for guess in (5, 30, 35, 64):
        n = fu_power.smallest_n(noisy, 0.8, guess=guess)
        assert noisy(n) >= 0.8 and noisy(n - 1) < 0.8


# ---------------------------------------------------------------- shrunk changes
def test_shrunk_changes_keep_the_observed_distribution():
    d = np.array([-12.0, -3, -2, 0, 0, 2])
    observed = d.mean() / d.std(ddof=1)
    assert fu_power.shrunk_changes(d, observed).tolist() == d.tolist()


@pytest.mark.parametrize("ratio", [0.0, 0.25, 0.6, 0.9])
def test_shrunk_changes_reach_the_planned_effect(ratio):
    d = np.array([-12.0, -10, -3, -2, -2, -1, 0, 0, 2, 2])
    observed = d.mean() / d.std(ddof=1)
    pool = fu_power.shrunk_changes(d, ratio * observed, resolution=1000)
    # resampled (ddof=0) effect shrinks by the same ratio, up to the rounding of the weight
    assert pool.mean() / pool.std() == pytest.approx(ratio * d.mean() / d.std(), abs=5e-3)
    assert sorted(set(np.abs(pool))) == sorted(set(np.abs(d)))  # sizes, ties, zeros kept
    if ratio == 0:
        assert pool.mean() == pytest.approx(0, abs=1e-12)  # the symmetric null


def test_shrunk_changes_at_no_effect_give_the_test_its_level():
    d = np.array([-12.0, -10, -3, -2, -2, -1, 0, 0, 2, 2, -1, -4])
    pool = fu_power.shrunk_changes(d, 0.0)
    simulated = power.wilcoxon_power_simulation(pool, 40, n_sim=4000, seed=3)
    assert simulated <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 4000)


@pytest.mark.parametrize("d_plan", [0.2, -2.0])
def test_shrunk_changes_reject_a_larger_or_reversed_effect(d_plan):
    with pytest.raises(ValueError, match="d_plan must lie between 0 and the observed d_z"):
        fu_power.shrunk_changes([-3.0, -1, 0, -2], d_plan)


# ---------------------------------------------------------------- power
def test_power_table_paired_t_rows_match_the_tested_solution(inputs, power_table):
    rows = power_table[(power_table["method"] == "paired_t") & (power_table["status"] == "ok")]
    assert len(rows) > 0
    for row in rows.itertuples():
        assert row.n_analysed == power.n_for_paired_t(row.d_z, power=row.target_power)
        assert row.n_enrolled == power.inflate_for_completion(int(row.n_analysed), 14 / 22)
        assert row.achieved_power == pytest.approx(
            power.paired_t_power(row.d_z, int(row.n_analysed)))
        assert row.mc_se == 0 and pd.isna(row.n_sim)


def test_power_table_the_smaller_the_effect_the_more_families(power_table):
    total = power_table[(power_table["scale"] == "total")
                        & (power_table["method"] == "paired_t")].set_index(
        ["scenario", "target_power"])["n_analysed"]
    for target in (0.8, 0.9):
        assert total["observed", target] < total["safeguard", target]
    assert total["observed", 0.8] < total["observed", 0.9]


def test_power_table_calls_a_bound_next_to_zero_not_plannable(power_table):
    # the pilot's 95% interval of d_z only just excludes 0 (bound -0.014): no number of
    # families is reported for it (it used to be 37,355 analysed), status "negligible"
    rows = power_table[(power_table["scale"] == "total")
                       & (power_table["scenario"] == "ci_bound")]
    assert (rows["d_z"].abs() < fu_power.NEGLIGIBLE_D_Z).all()
    assert set(rows["status"]) == {"negligible"} and rows["n_enrolled"].isna().all()
    assert "niet te plannen" in planning._needed_nl("negligible", None)


def test_power_table_marks_an_interval_containing_zero(power_table):
    rows = power_table[(power_table["scale"] == "prosocial")
                       & (power_table["scenario"] == "ci_bound")]
    assert set(rows["status"]) == {"no_effect"} and rows["n_enrolled"].isna().all()


def test_power_table_simulates_only_the_chosen_scales(power_table):
    simulated = power_table[power_table["method"] == "wilcoxon_simulation"]
    assert set(simulated["scale"]) == {"total"}
    assert len(simulated) == 3 * 2  # scenarios x power levels
    assert simulated["n_enrolled"].dtype == "Int64"


def test_power_table_simulated_n_is_a_first_crossing(inputs, power_table):
    rows = power_table[(power_table["method"] == "wilcoxon_simulation")
                       & (power_table["status"] == "ok")]
    assert len(rows) >= 2
    for row in rows.itertuples():
        pool = fu_power.shrunk_changes(inputs.changes["total"], row.d_z)
        n = int(row.n_analysed)

        def simulated(m):
            return power.wilcoxon_power_simulation(pool, m, n_sim=400, seed=7)

        def lower(m):
            return power.mc_band(simulated(m), 400)[1]

        assert simulated(n) == pytest.approx(row.achieved_power)
        assert lower(n) == pytest.approx(row.power_ci_low)
        assert row.power_ci_low <= row.achieved_power <= row.power_ci_high
        assert lower(n) >= row.target_power > lower(n - 1)
        assert row.mc_se == pytest.approx(math.sqrt(row.achieved_power
                                                    * (1 - row.achieved_power) / 400))


def test_power_table_is_reproducible_for_a_seed(inputs, power_table):
    again = fu_power.power_table(inputs, n_sim=400, seed=7, scales=["total"])
    mine = power_table[power_table["scale"] == "total"].reset_index(drop=True)
    pd.testing.assert_frame_equal(again, mine)


def test_power_table_reports_a_search_limit(inputs):
    table = fu_power.power_table(inputs, scales=["total"], scenarios=["safeguard"],
                                 target_power=[0.8], n_sim=200, simulation_max_n=20,
                                 max_n=30)
    assert table["status"].tolist() == ["beyond_max_n", "beyond_max_n"]


def test_wilcoxon_simulation_agrees_with_the_asymptotic_efficiency():
    # Normal changes with d_z = 0.5 exactly: the Wilcoxon test needs about 3 / pi as many
    # families again as the t test (Pitman ARE 0.955): 34 / 0.955 = 35.6.
    z = np.random.default_rng(11).standard_normal(2000)
    z = (z - z.mean()) / z.std(ddof=1) + 0.5
    effects = pd.DataFrame([{"instrument": "sdq", "scale": "total", "n": z.size,
                             "mean_change": z.mean(), "sd_change": z.std(ddof=1), "d_z": 0.5,
                             "ci_low": 0.45, "ci_high": 0.55, "safeguard_low": 0.48,
                             "safeguard_high": 0.52, "r_t0_t1": 0.5, "d_av": 0.4}])
    fake = fu_inputs.PlanningInputs(effects=effects, changes={"total": z},
                                   reliable=pd.DataFrame([{"k": 1, "n": 2, "share": 0.5}]),
                                   completion=pd.DataFrame([{"completion_rate": 1.0}]))
    table = fu_power.power_table(fake, target_power=[0.8], scenarios=["observed"], n_sim=4000,
                                 seed=5)
    n_t = table.set_index("method").loc["paired_t", "n_analysed"]
    n_w = table.set_index("method").loc["wilcoxon_simulation", "n_analysed"]
    assert n_t == 34 and 33 <= n_w <= 39


def test_power_curves(inputs):
    curves = fu_power.power_curves(inputs, [10, 30, 60], n_sim=200, seed=1)
    assert curves.columns[:5].tolist() == ["scale", "scenario", "scenario_nl", "method",
                                           "method_nl"]
    t = curves[(curves["method"] == "paired_t") & (curves["scenario"] == "observed")]
    d = inputs.effect("total")["d_z"]
    assert t["n_analysed"].tolist() == [6, 19, 38]
    assert t["power"].tolist() == pytest.approx([power.paired_t_power(d, n) for n in (6, 19, 38)])
    # the 95% bound (-0.014) is indistinguishable from zero: no curve
    assert set(curves["scenario"]) == {"observed", "safeguard"}
    # no gaps where scipy's noncentral t fails in the far tail (n = 206, d_z = 0.59)
    large = fu_power.power_curves(inputs, [200, 325, 600], methods=["paired_t"])
    assert large["power"].notna().all() and (large["power"] <= 1).all()
    assert large.query("scenario == 'observed'")["power"].min() > 0.999
    # a scale whose interval contains zero has no ci_bound curve
    prosocial = fu_power.power_curves(inputs, [10, 30], scale="prosocial", n_sim=200)
    assert "ci_bound" not in set(prosocial["scenario"])


def test_enrolment_grid():
    grid = fu_power.enrolment_grid(pd.array([40, None, 80, 5000], dtype="Int64"), points=5)
    assert grid == [10, 18, 32, 56, 100]
    assert fu_power.enrolment_grid([None], points=4, cap=200)[-1] == 200
    assert fu_power.enrolment_grid([12], points=10) == sorted(set(fu_power.enrolment_grid(
        [12], points=10)))


# ---------------------------------------------------------------- comparison group
def test_two_group_table_textbook_values(inputs):
    table = fu_two_group.two_group_table(inputs, effect_sizes=[0.5, 0.8], target_power=[0.8])
    per_arm = dict(zip(table["effect_size"], table["n_analysed_per_arm"]))
    assert per_arm == {0.5: 64, 0.8: 26}  # Cohen (1992), table 2
    for row in table.itertuples():
        assert row.n_enrolled_per_arm == power.inflate_for_completion(row.n_analysed_per_arm,
                                                                      14 / 22)
        assert row.n_enrolled_total == 2 * row.n_enrolled_per_arm
        r = inputs.effect("total")["r_t0_t1"]
        assert row.r_t0_t1 == pytest.approx(r)
        borm = math.ceil((1 - r**2) * row.n_analysed_per_arm)
        assert borm <= row.n_analysed_per_arm_ancova <= borm + 2


def test_two_group_table_without_a_correlation(inputs):
    effects = inputs.effects.assign(r_t0_t1=np.nan)
    table = fu_two_group.two_group_table(fu_inputs.PlanningInputs(
        effects=effects, changes=inputs.changes, reliable=inputs.reliable,
        completion=inputs.completion), effect_sizes=[0.5], target_power=[0.8])
    assert table["n_analysed_per_arm_ancova"].isna().all()
    assert table["n_analysed_per_arm"].tolist() == [64]


def _ancova_power_by_hand(d, r, n, alpha=0.05):
    df, ncp = 2 * n - 3, d / math.sqrt(1 - r**2) * math.sqrt(n / 2)
    crit = st.t.ppf(1 - alpha / 2, df)
    return st.nct.sf(crit, df, ncp) + st.nct.cdf(-crit, df, ncp)


@pytest.mark.parametrize("d, r, target", [(0.5, 0.0, 0.8), (0.3, 0.5, 0.8), (0.5, 0.8, 0.9),
                                          (0.8, -0.6, 0.8)])
def test_ancova_n_is_the_smallest_n_and_close_to_borm(d, r, target):
    n = fu_two_group.ancova_n(d, r, power=target)
    assert _ancova_power_by_hand(d, r, n) >= target > _ancova_power_by_hand(d, r, n - 1)
    t_n = power.two_group_n(d, power=target)[0]
    assert abs(n - (1 - r**2) * t_n) <= 2  # Borm, Fransen & Lemmens (2007)


@pytest.mark.parametrize("r", [1.0, -1.0, 1.5, "0.5"])
def test_ancova_n_rejects_a_bad_correlation(r):
    with pytest.raises(ValueError, match="correlation must be a number in"):
        fu_two_group.ancova_n(0.5, r)


def test_two_group_curves():
    curves = fu_two_group.two_group_curves([10, 50, 100], completion_rate=0.5,
                                       effect_sizes=[0.3, 0.5])
    assert curves["n_analysed_per_arm"].tolist() == [5, 25, 50] * 2
    engine = TTestIndPower()
    for row in curves.itertuples():
        assert row.power == pytest.approx(engine.power(effect_size=row.effect_size,
                                                       nobs1=row.n_analysed_per_arm,
                                                       alpha=0.05, ratio=1.0))


def test_effect_references(inputs):
    refs = fu_two_group.effect_references(inputs).set_index("reference")["effect_size"]
    assert refs["pilot_d_z"] == pytest.approx(abs(inputs.effect("total")["d_z"]))
    assert refs["pilot_d_av"] == pytest.approx(abs(inputs.effect("total")["d_av"]))
    assert refs["usual_care"] == 0.29


# ---------------------------------------------------------------- key numbers, summary
@pytest.fixture(scope="module")
def numbers(inputs, power_table) -> dict:
    precision = fu_precision.precision_table(inputs)
    two_group = fu_two_group.two_group_table(inputs)
    return planning.planning_key_numbers(inputs, precision, power_table, two_group)


def test_key_numbers_are_named_and_json_able(numbers, tmp_path):
    assert all(key.startswith("follow_up_") for key in numbers)
    assert all(value is None or type(value) in (int, float, str, bool)
               for value in numbers.values())
    json.dumps(numbers)
    keynumbers.write_fragment(numbers, cohort="test", stage="04_follow_up", root=tmp_path)


def test_key_numbers_match_the_tables(inputs, numbers, power_table):
    assert numbers["follow_up_completion_rate"] == pytest.approx(14 / 22)
    assert numbers["follow_up_completion_from_pilot"] is True
    assert (numbers["follow_up_started_n"], numbers["follow_up_completed_n"]) == (22, 14)
    assert numbers["follow_up_sdq_total_d_z"] == pytest.approx(-0.5946440677)
    assert numbers["follow_up_reliable_improvement_k"] == 3
    assert numbers["follow_up_n_enrol_precision_10"] == power.inflate_for_completion(
        numbers["follow_up_n_analysed_precision_10"], 14 / 22)
    assert {"follow_up_n_enrol_precision_05", "follow_up_n_enrol_precision_15",
            "follow_up_n_enrol_precision_10_worst_case"} <= set(numbers)
    observed = power_table.query("scale == 'total' and method == 'paired_t' "
                                 "and scenario == 'observed' and target_power == 0.8")
    assert numbers["follow_up_n_enrol_paired_t_80_observed"] == observed["n_enrolled"].iloc[0]
    assert "follow_up_n_enrol_wilcoxon_90_safeguard" in numbers
    assert numbers["follow_up_n_enrol_per_arm_80_d50"] == power.inflate_for_completion(64,
                                                                                       14 / 22)
    assert "follow_up_n_enrol_per_arm_ancova_90_d20" in numbers


def test_key_numbers_are_none_when_not_reached(inputs):
    table = fu_power.power_table(inputs, scales=["prosocial"], scenarios=["ci_bound"],
                                 methods=["paired_t"])
    numbers = planning.planning_key_numbers(inputs, fu_precision.precision_table(inputs), table,
                                            fu_two_group.two_group_table(inputs),
                                            scale="prosocial")
    assert numbers["follow_up_n_enrol_paired_t_80_ci_bound"] is None
    assert "follow_up_sdq_prosocial_d_z" in numbers


def test_summary_nl(inputs, power_table, numbers):
    text = planning.summary_nl(inputs, fu_precision.precision_table(inputs), power_table,
                               fu_two_group.two_group_table(inputs))
    assert "aan te melden gezinnen" in text and "afronding van 64%" in text
    assert f"{numbers['follow_up_n_enrol_precision_10']} gezinnen" in text
    assert f"{numbers['follow_up_n_enrol_paired_t_80_observed']} gezinnen" in text
    assert f"{numbers['follow_up_n_enrol_per_arm_80_d30']} gezinnen per groep" in text
    assert "d_z = 0,59" in text
