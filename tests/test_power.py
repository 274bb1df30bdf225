"""analysis.stats.power: sample sizes for a next cohort, checked against textbook values, the
noncentral t computed directly with scipy, hand computation and independent simulation."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from statsmodels.stats.power import TTestPower

from analysis.stats import power

Z975 = st.norm.ppf(0.975)


def _paired_t_power_by_hand(d, n, alpha=0.05):
    """Analytic cross-check: P(|T| > t_crit) for T ~ noncentral t(n - 1, d sqrt(n))."""
    crit = st.t.ppf(1 - alpha / 2, n - 1)
    ncp = d * math.sqrt(n)
    return st.nct.sf(crit, n - 1, ncp) + st.nct.cdf(-crit, n - 1, ncp)


def _two_group_power_by_hand(d, n1, n2, alpha=0.05):
    df = n1 + n2 - 2
    crit = st.t.ppf(1 - alpha / 2, df)
    ncp = d * math.sqrt(n1 * n2 / (n1 + n2))
    return st.nct.sf(crit, df, ncp) + st.nct.cdf(-crit, df, ncp)


# ---------------------------------------------------------------- precision of a proportion
@pytest.mark.parametrize("p, n, k", [(9 / 14, 14, 9), (0.5, 6, 3), (0.0, 5, 0), (1.0, 5, 5)])
def test_clopper_pearson_width_by_hand(p, n, k):
    # Provenance: Clopper-Pearson bounds as beta quantiles, e.g. 9/14:
    # scipy.stats.beta.ppf(0.025, 9, 6) and beta.ppf(0.975, 10, 5); 0 and 1 at the edges.
    low = 0.0 if k == 0 else st.beta.ppf(0.025, k, n - k + 1)
    high = 1.0 if k == n else st.beta.ppf(0.975, k + 1, n - k)
    row = power.proportion_ci_width(p, n).iloc[0]
    assert row.k == k
    assert (row.ci_low, row.ci_high) == pytest.approx((low, high), abs=1e-12)
    assert row.half_width == pytest.approx((high - low) / 2, abs=1e-12)


def test_expected_count_rounds_halves_up():
    # 0.5 * 5 = 2.5 -> 3 (Python's round would give 2); 0.25 * 6 = 1.5 -> 2.
    assert power.proportion_ci_width(0.5, 5).k[0] == 3
    assert power.proportion_ci_width(0.25, 6).k[0] == 2


@pytest.mark.parametrize("n", [4, 10, 50, 200])
def test_wilson_half_width_at_one_half_has_a_closed_form(n):
    # Hand algebra: with k = n/2 the Wilson half-width is z / (2 sqrt(n + z^2)).
    row = power.proportion_ci_width(0.5, n, method="wilson").iloc[0]
    assert row.half_width == pytest.approx(Z975 / (2 * math.sqrt(n + Z975**2)), rel=1e-12)


@pytest.mark.parametrize("p, target, method", [
    (9 / 14, 0.15, "clopper-pearson"), (9 / 14, 0.1, "wilson"), (0.5, 0.1, "clopper-pearson"),
    (0.15, 0.05, "wilson"), (0.0, 0.05, "clopper-pearson"),
])
def test_n_for_proportion_precision_is_the_smallest_n_meeting_the_target(p, target, method):
    n = power.n_for_proportion_precision(p, target, method=method)
    widths = [power.proportion_ci_width(p, m, method=method).half_width[0]
              for m in range(1, n + 1)]
    assert widths[-1] <= target and all(w > target for w in widths[:-1])


def test_n_for_proportion_precision_at_one_half_with_wilson_by_hand():
    # Hand algebra: z / (2 sqrt(n + z^2)) <= 0.1  <=>  n >= 25 z^2 - z^2 = 88.2 for even n;
    # n = 89 is odd (k = 45 shifts the centre), so the answer lies in 89..93 and solves it.
    n = power.n_for_proportion_precision(0.5, 0.1, method="wilson")
    assert 89 <= n <= 93
    assert power.proportion_ci_width(0.5, n, method="wilson").half_width[0] <= 0.1


def test_n_for_proportion_precision_reports_an_unreachable_target():
    with pytest.raises(ValueError, match="not reached with n <= max_n=10"):
        power.n_for_proportion_precision(0.5, 0.01, max_n=10)


@pytest.mark.parametrize("call, message", [
    (lambda: power.proportion_ci_width(1.2, 10), "p must be a number in \\[0, 1\\]; got 1.2"),
    (lambda: power.proportion_ci_width(0.5, 0), "n must be a whole number >= 1; got 0"),
    (lambda: power.proportion_ci_width(0.5, 10, method="exact"), "method must be one of"),
    (lambda: power.n_for_proportion_precision(0.5, 0.5), "half_width must be below 0.5"),
    (lambda: power.n_for_proportion_precision(0.5, 0), "half_width must be a number in"),
    (lambda: power.n_for_proportion_precision(0.5, 0.1, confidence=0), "confidence must be"),
])
def test_precision_functions_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_precision_curve_matches_the_scalar_function():
    curve = power.precision_curve([10, 22, 40], p=9 / 14, completion_rate=14 / 22)
    assert list(curve.columns) == ["n_enrolled", "n_analysed", "k", "ci_low", "ci_high",
                                   "half_width", "p", "completion_rate", "method", "confidence"]
    assert curve.n_analysed.tolist() == [6, 14, 25]  # floor(10 * 14/22) = 6, 22 -> 14
    for row in curve.itertuples():
        single = power.proportion_ci_width(9 / 14, row.n_analysed).iloc[0]
        assert (row.k, row.half_width) == (single.k, pytest.approx(single.half_width))


def test_precision_curve_leaves_empty_analyses_undefined():
    curve = power.precision_curve([1, 4], p=0.5, completion_rate=0.5)
    assert curve.n_analysed.tolist() == [0, 2] and np.isnan(curve.half_width[0])


# ---------------------------------------------------------------- inflation for drop-out
@pytest.mark.parametrize("n, rate, expected", [
    (14, 14 / 22, 22),  # the pilot: 14 of 22 analysed (14 / (14/22) is 22.000000000000004)
    (34, 14 / 22, 54),  # ceil(53.43)
    (64, 0.8, 80),
    (10, 1.0, 10),
    (0, 0.5, 0),
    (7, 0.3, 24),  # ceil(23.33)
])
def test_inflate_for_completion(n, rate, expected):
    assert power.inflate_for_completion(n, rate) == expected


@pytest.mark.parametrize("n, rate, message", [
    (10, 0.0, "completion_rate must be a number in \\(0, 1\\]; got 0.0"),
    (10, 1.5, "completion_rate must be a number in"),
    (-1, 0.5, "n_analysed must be a whole number >= 0; got -1"),
    (10.5, 0.5, "n_analysed must be a whole number"),
])
def test_inflate_for_completion_rejects_bad_input(n, rate, message):
    with pytest.raises(ValueError, match=message):
        power.inflate_for_completion(n, rate)


# ---------------------------------------------------------------- paired t
@pytest.mark.parametrize("d, n", [(0.5, 34), (0.5, 14), (0.8, 10), (-0.3, 60), (1.2, 5)])
def test_paired_t_power_equals_the_noncentral_t_by_hand(d, n):
    assert power.paired_t_power(d, n) == pytest.approx(_paired_t_power_by_hand(abs(d), n),
                                                       abs=1e-10)


def test_paired_t_textbook_case():
    # d_z = 0.5, two-sided alpha 0.05, power 0.80 -> 34 pairs, achieved power 0.8078 (the
    # noncentral t by hand above; G*Power's "matched pairs" module gives the same 34).
    assert power.n_for_paired_t(0.5) == 34
    assert round(_paired_t_power_by_hand(0.5, 34), 4) == 0.8078
    assert _paired_t_power_by_hand(0.5, 33) < 0.8


@pytest.mark.parametrize("d, target, alpha", [(0.3, 0.8, 0.05), (0.8, 0.9, 0.05),
                                              (1.5, 0.8, 0.01), (-0.5, 0.8, 0.05)])
def test_n_for_paired_t_is_the_smallest_n(d, target, alpha):
    n = power.n_for_paired_t(d, power=target, alpha=alpha)
    assert _paired_t_power_by_hand(abs(d), n, alpha) >= target
    assert n == 2 or _paired_t_power_by_hand(abs(d), n - 1, alpha) < target


@pytest.mark.parametrize("d, expected", [(0.5, 64), (0.8, 26)])
def test_two_group_n_reproduces_cohen_1992(d, expected):
    # Cohen, J. (1992). A power primer. Psychol Bull 112:155-159, Table 2 ("mean dif",
    # alpha = .05, power .80): medium d = .5 -> 64 per group, large d = .8 -> 26 per group.
    # (Small d = .2 is 393 there; the exact noncentral t gives 394, Cohen's table rounds an
    # approximation.)
    assert power.two_group_n(d) == (expected, expected)
    assert _two_group_power_by_hand(d, expected, expected) >= 0.8
    assert _two_group_power_by_hand(d, expected - 1, expected - 1) < 0.8


@pytest.mark.parametrize("ratio", [0.1, 0.5, 1.5, 2.0, 3.0])
def test_two_group_n_with_unequal_arms(ratio):
    n1, n2 = power.two_group_n(0.5, power=0.8, ratio=ratio)
    assert n2 == math.ceil(ratio * n1)
    assert _two_group_power_by_hand(0.5, n1, n2) >= 0.8
    smaller = n1 - 1
    assert _two_group_power_by_hand(0.5, smaller, math.ceil(ratio * smaller)) < 0.8


@pytest.mark.parametrize("call, message", [
    (lambda: power.paired_t_power(0, 10), "effect_size must be a finite nonzero number"),
    (lambda: power.paired_t_power(0.5, 1), "n must be a whole number >= 2; got 1"),
    (lambda: power.n_for_paired_t(0.5, power=1.0), "power must be a number in \\(0, 1\\)"),
    (lambda: power.n_for_paired_t(0.5, alpha=5), "alpha must be a number in"),
    (lambda: power.two_group_n(0.5, ratio=0), "ratio must be a positive number"),
])
def test_power_functions_reject_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------- Wilcoxon simulation
@pytest.fixture(scope="module")
def normal_pool():
    """A large pool of N(0, 1) draws: resampling it approximates sampling the normal."""
    return np.random.default_rng(11).normal(size=200_000)


@pytest.mark.parametrize("d, n", [(0.6, 20), (0.5, 30), (0.4, 40)])
def test_simulation_for_normal_changes_reproduces_the_analytic_power(normal_pool, d, n):
    # Under normality the Wilcoxon test has asymptotic relative efficiency 3/pi against the
    # t test (Hodges & Lehmann 1956, Ann Math Stat 27:324-335): its power at n equals the
    # analytic paired-t power at n * 3/pi. Checked within 3 Monte Carlo SEs; the simulated
    # power also stays below the t test's at n. n = 20 uses exact p-values, 30 and 40 the
    # normal approximation.
    n_sim = 4000
    simulated = power.wilcoxon_power_simulation(normal_pool, n, shift=d, n_sim=n_sim, seed=5)
    analytic = TTestPower().power(effect_size=d, nobs=n * 3 / np.pi, alpha=0.05)
    se = math.sqrt(analytic * (1 - analytic) / n_sim)
    assert abs(simulated - analytic) < 3 * se
    assert simulated < power.paired_t_power(d, n) + 3 * se


def _brute_pratt_p(d):
    ranks = st.rankdata(np.abs(d))
    keep = d != 0
    ranks, positive = ranks[keep], d[keep] > 0
    flips = np.array(list(itertools.product([0, 1], repeat=ranks.size)))
    centre = ranks.sum() / 2
    return np.mean(np.abs(flips @ ranks - centre) >= abs(ranks[positive].sum() - centre) - 1e-9)


def test_simulation_draws_cohorts_as_documented_and_tests_them_exactly():
    # Independent re-implementation of the documented protocol: one (n_sim, n) index array
    # from default_rng(seed).integers, then brute-force sign-flip enumeration per cohort.
    changes = np.array([-4, -3, -3, -2, -2, -1, 0, 0, 1, 2, -5, -1, 3, -2], dtype=float)
    n, n_sim, seed = 8, 300, 42
    cohorts = changes[np.random.default_rng(seed).integers(0, changes.size, size=(n_sim, n))]
    expected = np.mean([_brute_pratt_p(c) <= 0.05 for c in cohorts])
    assert power.wilcoxon_power_simulation(changes, n, n_sim=n_sim, seed=seed) == expected


def test_simulation_normal_branch_matches_scipy_per_cohort():
    changes = np.array([-4, -3, -3, -2, -2, -1, 0, 0, 1, 2, -5, -1, 3, -2], dtype=float)
    n, n_sim, seed = 30, 300, 7
    cohorts = changes[np.random.default_rng(seed).integers(0, changes.size, size=(n_sim, n))]
    p = [st.wilcoxon(c, zero_method="pratt", method="approx").pvalue for c in cohorts]
    expected = np.mean(np.array(p) <= 0.05)
    assert power.wilcoxon_power_simulation(changes, n, n_sim=n_sim, seed=seed) == expected


def test_simulation_under_the_null_keeps_the_level(normal_pool):
    symmetric = np.r_[normal_pool[:5000], -normal_pool[:5000]]
    n_sim = 4000
    for n in (10, 30):
        rate = power.wilcoxon_power_simulation(symmetric, n, n_sim=n_sim, seed=3)
        assert rate < 0.05 + 3 * math.sqrt(0.05 * 0.95 / n_sim)


def test_simulation_shift_scale_and_seed():
    changes = [-4.0, -3, -3, -2, -2, -1, 0, 0, 1, 2, -5, -1, 3, -2]
    first = power.wilcoxon_power_simulation(changes, 12, seed=1)
    assert first == power.wilcoxon_power_simulation(changes, 12, seed=1)
    assert power.wilcoxon_power_simulation(changes, 12, scale=0.0) == 0.0  # all changes zero
    shrunk = power.wilcoxon_power_simulation(changes, 12, scale=0.5, seed=1)
    assert shrunk == first  # scaling alone keeps every rank and sign
    centred = power.wilcoxon_power_simulation(changes, 12, shift=-np.mean(changes), seed=1)
    assert centred < first


def test_n_for_wilcoxon_simulation_is_the_first_n_reaching_the_target(normal_pool):
    n = power.n_for_wilcoxon_simulation(normal_pool, shift=0.8, power=0.8, n_sim=1000, seed=2,
                                        rule="point")
    at = [power.wilcoxon_power_simulation(normal_pool, m, shift=0.8, n_sim=1000, seed=2)
          for m in (n - 1, n)]
    assert at[0] < 0.8 <= at[1]
    # Same order as the paired t test (n = 15 for d_z 0.8), a few families more.
    assert power.n_for_paired_t(0.8) <= n <= power.n_for_paired_t(0.8) + 4


def test_n_for_wilcoxon_simulation_lower_band_rule_is_the_first_n_whose_band_clears(normal_pool):
    n = power.n_for_wilcoxon_simulation(normal_pool, shift=0.8, power=0.8, n_sim=1000, seed=2)
    lows = [power.mc_band(power.wilcoxon_power_simulation(normal_pool, m, shift=0.8,
                                                          n_sim=1000, seed=2), 1000)[1]
            for m in (n - 1, n)]
    assert lows[0] < 0.8 <= lows[1]
    assert n >= power.n_for_wilcoxon_simulation(normal_pool, shift=0.8, power=0.8, n_sim=1000,
                                                seed=2, rule="point")


def _pilot_total() -> np.ndarray:
    """The bundled cohort's SDQ total changes (tests/golden/samples.csv, helmond_total)."""
    samples = pd.read_csv(Path(__file__).parent / "golden" / "samples.csv")
    pair = samples[samples["case"] == "helmond_total"]
    return (pair["after"] - pair["before"]).to_numpy()


def test_simulated_sample_size_is_stable_across_seeds():
    """Seed-to-seed spread of the simulated sample size (80% power, pilot-like changes).

    With the point rule the answer moves with the seed as the power curve crosses 0.8 inside
    its Monte Carlo noise; the lower-band rule moves less, and always lies at or above it.
    """
    seeds, changes = range(1, 7), _pilot_total()
    point = [power.n_for_wilcoxon_simulation(changes, n_sim=2000, seed=s, rule="point",
                                             n_min=15, n_max=60) for s in seeds]
    band = [power.n_for_wilcoxon_simulation(changes, n_sim=2000, seed=s, n_min=15,
                                            n_max=60) for s in seeds]
    assert all(b >= p for b, p in zip(band, point))
    assert max(band) - min(band) <= 3, band
    assert max(point) - min(point) >= max(band) - min(band) - 1, (point, band)


def test_n_for_wilcoxon_simulation_reports_an_unreachable_target():
    with pytest.raises(ValueError, match="not reached with n <= n_max=8"):
        power.n_for_wilcoxon_simulation([-1.0, 1.0, 0.5, -0.2], n_min=5, n_max=8, n_sim=200)


@pytest.mark.parametrize("kwargs, message", [
    ({"differences": [1.0]}, "differences must hold at least 2 observed changes"),
    ({"n_sim": 10}, "n_sim must be a whole number >= 100"),
    ({"zero_method": "zsplit"}, "zero_method must be one of 'pratt', 'wilcox'"),
    ({"shift": float("nan")}, "shift must be a finite number"),
    ({"seed": "x"}, "seed must be an integer or None"),
])
def test_simulation_rejects_bad_input(kwargs, message):
    arguments = {"differences": [-1.0, 2.0, -3.0], "n": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        power.wilcoxon_power_simulation(**arguments)


# ---------------------------------------------------------------- power curves
def test_power_curve_paired_t():
    curve = power.power_curve([10, 22, 40], effect_size=0.5, completion_rate=14 / 22)
    assert list(curve.columns) == ["n_enrolled", "n_analysed", "power", "mc_se",
                                   "power_ci_low", "power_ci_high", "method",
                                   "effect_size", "alpha", "completion_rate", "n_sim", "shift",
                                   "scale"]
    assert curve.n_analysed.tolist() == [6, 14, 25]
    assert curve.power.tolist() == pytest.approx(
        [_paired_t_power_by_hand(0.5, n) for n in (6, 14, 25)], abs=1e-10)
    assert (curve.mc_se == 0).all() and curve.n_sim.isna().all()


def test_power_curve_simulation_with_drop_out():
    changes = [-4.0, -3, -3, -2, -2, -1, 0, 0, 1, 2, -5, -1, 3, -2]
    curve = power.power_curve([3, 10, 20], method="wilcoxon_simulation", differences=changes,
                              completion_rate=0.5, n_sim=500, seed=4, scale=0.5)
    assert curve.n_analysed.tolist() == [1, 5, 10] and np.isnan(curve.power[0])
    assert curve.power[2] == power.wilcoxon_power_simulation(changes, 10, n_sim=500, seed=4,
                                                             scale=0.5)
    assert curve.mc_se[2] == pytest.approx(math.sqrt(curve.power[2] * (1 - curve.power[2]) / 500))
    assert curve.effect_size[0] == pytest.approx(np.mean(changes) / np.std(changes, ddof=1))


@pytest.mark.parametrize("kwargs, message", [
    ({"method": "anova", "effect_size": 0.5}, "method must be one of"),
    ({}, "method 'paired_t' needs effect_size"),
    ({"effect_size": 0.5, "n_sim": 100}, "takes no differences or simulation options"),
    ({"method": "wilcoxon_simulation", "effect_size": 0.5}, "needs differences"),
    ({"method": "wilcoxon_simulation", "differences": [1.0, -2.0], "nsim": 100},
     "unknown simulation options \\['nsim'\\]"),
    ({"effect_size": 0.5, "completion_rate": 0}, "completion_rate must be a number"),
])
def test_power_curve_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        power.power_curve([10, 20], **kwargs)


def test_curves_need_enrolment_sizes():
    with pytest.raises(ValueError, match="n_enrolled must hold at least one"):
        power.power_curve([], effect_size=0.5)
    with pytest.raises(ValueError, match="n_enrolled must be a whole number >= 1; got 2.5"):
        power.precision_curve([2.5], p=0.5)
