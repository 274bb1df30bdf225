"""The statistics against golden values computed in R (tests/golden/stats_golden.R).

``tests/golden/samples.csv`` holds the bundled cohort's SDQ scales, seeded random samples
with ties and zeros (n = 5 to 30), samples without ties, and edge cases; the R script's
output is committed, so these tests never need R. Tolerance 1e-8 where R is exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.stats import association, location, paired

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = pd.read_csv(GOLDEN / "samples.csv")
R = pd.read_csv(GOLDEN / "stats_golden.csv").set_index("case")
DZ = pd.read_csv(GOLDEN / "dz_golden.csv")
CASES = list(R.index)
EXACT = 1e-8


def _pair(case):
    return SAMPLES.loc[SAMPLES["case"] == case, ["before", "after"]].reset_index(drop=True)


def _close(ours, theirs, tol=EXACT):
    if pd.isna(theirs):
        return bool(pd.isna(ours))
    return abs(float(ours) - float(theirs)) <= tol * max(1.0, abs(float(theirs)))


@pytest.mark.parametrize("case", CASES)
def test_wilcoxon_both_zero_rules_and_rank_biserial_match_r(case):
    row = paired.paired_wilcoxon(_pair(case), before="before", after="after").iloc[0]
    gold = R.loc[case]
    assert _close(row.p_value, gold.p_pratt), (row.p_value, gold.p_pratt)
    assert _close(row.p_value_other_zero_rule, gold.p_wilcox)
    assert row.n_nonzero == gold.n_nonzero
    assert _close(row.effect_size, gold.rb)
    # default interval: the exact test inverted, carried to the rank-biserial scale
    assert _close(row.ci_low, gold.rb_inv_low) and _close(row.ci_high, gold.rb_inv_high)
    assert (row.ci_missing_reason == "") == (not pd.isna(gold.rb_inv_low))
    fisher = paired.paired_wilcoxon(_pair(case), before="before", after="after",
                                    ci_method="fisher").iloc[0]
    assert _close(fisher.ci_low, gold.rb_low) and _close(fisher.ci_high, gold.rb_high)
    assert (fisher.ci_missing_reason == "") == (not pd.isna(gold.rb_low))


@pytest.mark.parametrize("case", CASES)
def test_hodges_lehmann_and_exact_interval_match_r(case):
    d = _pair(case).eval("after - before")
    ours = location.hodges_lehmann(d)
    gold = R.loc[case]
    assert _close(ours["estimate"], gold.hl_estimate)
    assert _close(ours["ci_low"], gold.hl_low) and _close(ours["ci_high"], gold.hl_high)
    assert _close(ours["confidence_achieved"], gold.hl_confidence_achieved)
    if not pd.isna(gold.hl_low_r):  # no ties or zeros: R's own wilcox.test(conf.int = TRUE)
        assert _close(ours["ci_low"], gold.hl_low_r) and _close(ours["ci_high"], gold.hl_high_r)


def test_hodges_lehmann_r_comparison_covers_untied_samples():
    assert R["hl_low_r"].notna().sum() >= 10


@pytest.mark.parametrize("case", CASES)
def test_paired_t_and_d_z_interval_match_r(case):
    row = paired.paired_t(_pair(case), before="before", after="after").iloc[0]
    gold = R.loc[case]
    assert _close(row.statistic, gold.t) and _close(row.p_value, gold.t_p)
    assert _close(row.effect_size, gold.dz)
    assert _close(row.ci_low, gold.dz_low, 1e-7) and _close(row.ci_high, gold.dz_high, 1e-7)


@pytest.mark.parametrize("t,n,low,high,r_exact", list(DZ.itertuples(index=False, name=None)))
def test_d_z_interval_is_finite_for_every_n_and_t_up_to_1000(t, n, low, high, r_exact):
    ours = paired._d_z_interval(t, int(n), 0.05)
    assert np.all(np.isfinite(ours)) and ours[0] < ours[1]
    if r_exact:
        assert ours == pytest.approx((low, high), rel=1e-8, abs=1e-9)
    else:
        # beyond |ncp| = 37.62 R's pt() switches to a normal approximation (pnt.c) and its
        # bounds are off (at t = 1000, n = 2 even of the wrong sign); check the defining
        # equation P(T <= t | ncp) = 0.975 / 0.025 with an independent quadrature instead
        for bound, target in zip(ours, (0.975, 0.025)):
            assert _nct_cdf_by_quadrature(t, n - 1, bound * np.sqrt(n)) == pytest.approx(
                target, abs=1e-8)


def _nct_cdf_by_quadrature(t, df, ncp):
    from scipy import integrate
    from scipy import stats as st

    def integrand(v):
        return st.norm.cdf(t * np.sqrt(v / df) - ncp) * st.chi2.pdf(v, df)

    mode = max(df - 2, 0.0)
    return sum(integrate.quad(integrand, a, b, limit=400, epsabs=1e-15)[0]
               for a, b in ((0, mode + 1), (mode + 1, np.inf)))


@pytest.mark.parametrize("case", [c for c in CASES if not pd.isna(R.loc[c, "rho_p"])
                                  and R.loc[c, "n"] >= 4])
def test_spearman_exact_p_matches_r(case):
    row = association.spearman(_pair(case), x="before", y="after").iloc[0]
    assert _close(row.statistic, R.loc[case, "rho"])
    assert _close(row.p_value, R.loc[case, "rho_p"])


def test_spearman_exact_cases_exist():
    assert R["rho_p"].notna().sum() >= 3


def test_holm_over_the_cohort_scales_matches_r():
    cohort = [c for c in CASES if c.startswith("helmond_")]
    wide = pd.concat([_pair(c).add_prefix(c.removeprefix("helmond_") + "_") for c in cohort],
                     axis=1)
    scales = [c.removeprefix("helmond_") for c in cohort]
    table = paired.group_change(wide, scales=scales, pattern="{scale}_{time}", before="before",
                               after="after")
    for analysis, column in (("primary", "p_pratt_holm"), ("sensitivity", "t_p_holm")):
        part = table[table["analysis"] == analysis].set_index("scale")
        for scale in scales:
            assert _close(part.loc[scale, "p_holm"], R.loc[f"helmond_{scale}", column])


# ---------------------------------------------------------------- mixed model (lmerTest)
MIXED = pd.read_csv(GOLDEN / "mixed_samples.csv")
MIXED_R = pd.read_csv(GOLDEN / "mixed_golden.csv")
MIXED_CASES = list(dict.fromkeys(MIXED["case"]))
MIXED_TOLERANCE = 1e-6
"""Relative; observed at most 3.3e-7 (the Satterthwaite df), from lmer's optimiser stopping
at rhoend 1e-12 and lmerTest's numerical derivatives."""


@pytest.mark.parametrize("case", MIXED_CASES)
def test_random_intercept_model_matches_lmertest(case):
    from analysis.stats import mixed

    part = MIXED[MIXED["case"] == case]
    ours = mixed.random_intercept_change(part, subject="unit", time="time", value="y")
    gold = MIXED_R[MIXED_R["case"] == case].reset_index(drop=True)
    assert len(ours) == len(gold) - 1  # every later moment; the intercept is not a change
    for row, (_, g) in zip(ours.itertuples(), gold.iloc[1:].iterrows()):
        for ours_value, theirs in ((row.estimate, g.estimate), (row.se, g.se), (row.df, g.df),
                                   (row.t, g.t), (row.p_value, g.p), (row.sigma2, g.sigma2),
                                   (row.tau2, g.tau2)):
            assert _close(ours_value, theirs, MIXED_TOLERANCE), (case, ours_value, theirs)
        assert row.n_units == g.n_units and row.n_obs == g.n_obs
    fit = mixed.fit_random_intercept(part.pivot(index="unit", columns="time", values="y")
                                     .to_numpy(dtype=float))
    assert _close(fit.reml_criterion, gold["reml"].iloc[0], 1e-9)
    assert _close(fit.beta[0], gold["estimate"].iloc[0], MIXED_TOLERANCE)


def test_mixed_golden_covers_five_data_sets_three_moments_and_the_boundary():
    assert len(MIXED_CASES) >= 5
    assert (MIXED_R.groupby("case")["term"].size() == 3).sum() >= 3  # T0, T1, T2
    assert MIXED_R.loc[MIXED_R["boundary"], "case"].nunique() >= 1  # tau^2 = 0
    assert (MIXED_R["df"] < 20).any()  # small samples, where Satterthwaite matters


# ---------------------------------------------------------------- delta-adjusted MI (mice)
MI_DATA = pd.read_csv(GOLDEN / "mi_data.csv")
MI_DRAWS = pd.read_csv(GOLDEN / "mi_draws.csv")
MI_R = pd.read_csv(GOLDEN / "mi_golden.csv")
MI_TIPPING_R = pd.read_csv(GOLDEN / "mi_tipping_golden.csv").set_index(["source", "criterion"])


def _mi():
    from analysis.stats import imputation

    return imputation.delta_adjusted_mi(MI_DATA["before"], MI_DATA["after"],
                                        deltas=sorted(MI_R["delta"].unique()))


def test_imputation_draws_are_the_ones_r_was_given():
    from analysis.stats import imputation
    from analysis.stats._tidy import DEFAULT_SEED

    complete = MI_DATA["after"].notna()
    draws = imputation.draw_imputations(int(complete.sum()), int((~complete).sum()),
                                        n_imputations=imputation.imputations_for(len(MI_DATA)),
                                        seed=DEFAULT_SEED)
    np.testing.assert_array_equal(draws.chi2, MI_DRAWS["chi2"])
    np.testing.assert_array_equal(draws.beta, MI_DRAWS[["z1", "z2"]])
    np.testing.assert_array_equal(draws.noise, MI_DRAWS.filter(regex="^e"))


def test_delta_adjusted_mi_equals_mice_formula_and_pool_on_the_same_draws():
    table = _mi().table.set_index("delta")
    gold = MI_R[MI_R["source"] == "same_draws"].set_index("delta")
    for delta, g in gold.iterrows():
        row = table.loc[delta]
        for ours_value, theirs in ((row.estimate, g.estimate), (row.se, g.se), (row.df, g.df),
                                   (row.ci_low, g.ci_low), (row.ci_high, g.ci_high),
                                   (row.p_value, g.p), (row.rank_z, g.rank_z),
                                   (row.rank_df, g.rank_df), (row.rank_p, g.rank_p)):
            assert _close(ours_value, theirs), (delta, ours_value, theirs)


def test_tipping_points_equal_r_on_the_same_draws():
    from analysis.stats import imputation

    result = _mi()
    point = MI_TIPPING_R.loc[("same_draws", "estimate"), "delta"]
    assert _close(result.delta("estimate"), point)
    assert _close(result.delta("interval"), MI_TIPPING_R.loc[("same_draws", "interval"), "delta"])
    # R scans a 0.001 grid (its value is the first grid point with p >= 0.05); ours brackets
    # the crossing to RANK_TEST_TOLERANCE of the point tipping point from above
    r_test = MI_TIPPING_R.loc[("same_draws", "test"), "delta"]
    assert r_test - 0.001 <= result.delta("test") <= r_test + imputation.RANK_TEST_TOLERANCE * point


def test_tipping_points_agree_with_mice_itself_within_monte_carlo_error():
    # mice draws its own random numbers: the results differ by Monte Carlo error only. Over 8
    # seeds of the package (1000 imputations each) the SD of the tipping points was 0.11
    # (estimate), 0 (interval: 0 every time) and 0.08 (test); of the pooled p at delta 0 0.003.
    result = _mi()
    for criterion, tolerance in (("estimate", 0.5), ("interval", 0.35), ("test", 0.35)):
        theirs = MI_TIPPING_R.loc[("mice", criterion), "delta"]
        assert abs(result.delta(criterion) - theirs) <= tolerance, (criterion, theirs)
    ours = result.table.set_index("delta").loc[0.0]
    theirs = MI_R[(MI_R["source"] == "mice") & (MI_R["delta"] == 0)].iloc[0]
    assert abs(ours.p_value - theirs.p) < 0.015 and abs(ours.rank_p - theirs.rank_p) < 0.015
    assert abs(ours.estimate - theirs.estimate) < 0.15


# ---------------------------------------------------------------- Krippendorff's alpha interval
ALPHA_DATA = pd.read_csv(GOLDEN / "alpha_data.csv")
ALPHA_R = pd.read_csv(GOLDEN / "alpha_golden.csv")


def test_alpha_bootstrap_equals_an_independent_r_implementation_on_the_same_draws():
    from analysis.qualitative import agreement

    coders = [c for c in ALPHA_DATA.columns if c != "cluster"]
    gold = ALPHA_R.set_index("what")
    ours = agreement.alpha_interval(ALPHA_DATA[coders], clusters=ALPHA_DATA["cluster"],
                                    n_resamples=int(ALPHA_R["kind"].eq("resample").sum()),
                                    seed=20232024)
    assert _close(ours["estimate"], gold.loc["alpha"].iloc[0]["value"])
    for key in ("ci_low", "ci_high", "p_below_tentative", "p_below_reliable"):
        assert _close(ours[key], gold.loc[key, "value"]), key


# ---------------------------------------------------------------- README: conventions table
CONVENTIONS = pd.read_csv(GOLDEN / "conventions_data.csv")
CONVENTIONS_R = pd.read_csv(GOLDEN / "conventions_golden.csv").set_index("quantity")["value"]


def _conventions_section() -> str:
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    start = text.index("## Statistical conventions against R and SPSS")
    return text[start:text.index("\n## ", start + 1)]


def _conventions_values() -> list[tuple[str, float, str]]:
    """(what, value, format) of every number the README's conventions table states."""
    from analysis.stats import association, mixed

    pairs = CONVENTIONS[CONVENTIONS["after"].notna()]
    d = (pairs["after"] - pairs["before"]).to_numpy()
    w = paired.paired_wilcoxon(pairs, before="before", after="after").iloc[0]
    fisher = paired.paired_wilcoxon(pairs, before="before", after="after",
                                    ci_method="fisher").iloc[0]
    groups = CONVENTIONS.assign(g=np.where(CONVENTIONS["after"].notna(), "set", "only"))
    mw = {how: association.compare_groups(groups, value="before", group="g",
                                          order=["set", "only"], method=how).iloc[0].p_value
          for how in ("auto", "normal")}
    flags = pairs[["elevated_before", "elevated_after"]].astype(bool)
    mcnemar = paired.mcnemar_exact(flags, before="elevated_before", after="elevated_after")
    long = pd.concat([pd.DataFrame({"unit": CONVENTIONS["unit"], "time": "T0",
                                    "y": CONVENTIONS["before"]}),
                      pd.DataFrame({"unit": pairs["unit"], "time": "T1", "y": pairs["after"]})])
    model = mixed.random_intercept_change(long, subject="unit", time="time", value="y").iloc[0]
    coverage = pd.read_csv(Path(__file__).parents[1] / "analysis/definitions/"
                           "rank_biserial_coverage.csv").query("method == 'inverted'")["coverage"]
    r = CONVENTIONS_R.astype(float)
    return [
        ("Pratt p", w.p_value, ".4f"), ("zeros dropped p", w.p_value_other_zero_rule, ".4f"),
        ("R wilcox.test p", r["wilcoxon_p"], ".4f"),
        ("R wilcox.test correct = FALSE", r["wilcoxon_p_nocorrect"], ".4f"),
        ("R wilcox.exact", r["wilcoxon_exact_p"], ".4f"),
        ("SPSS Wilcoxon (package, zeros dropped, normal)",
         paired.signed_rank_pvalues(d, zero_method="wilcox", method="normal")[0], ".4f"),
        ("HL", w.hl_estimate, ".1f"), ("HL low", w.hl_ci_low, ".1f"),
        ("HL high", w.hl_ci_high, ".1f"), ("R HL", r["hl_estimate"], ".1f"),
        ("R HL low", r["hl_ci_low"], ".1f"), ("R HL high", abs(r["hl_ci_high"]), ".1f"),
        ("paired t p", paired.paired_t(pairs, before="before", after="after").iloc[0].p_value,
         ".4f"), ("R t p", r["t_p"], ".4f"),
        ("McNemar exact", mcnemar.iloc[0].p_value, ".3f"), ("R mcnemar.test", r["mcnemar_p"], ".3f"),
        ("McNemar discordant", mcnemar.iloc[0].n_before_only, ".0f"),
        ("Mann-Whitney exact", mw["auto"], ".3f"), ("R Mann-Whitney", r["mannwhitney_p"], ".3f"),
        ("R wilcox.exact two groups", r["mannwhitney_exact_p"], ".3f"),
        ("SPSS Mann-Whitney (package, normal)", mw["normal"], ".3f"),
        ("rank-biserial low", w.ci_low, ".2f"), ("rank-biserial high", w.ci_high, ".2f"),
        ("Fisher low", fisher.ci_low, ".2f"), ("Fisher high", fisher.ci_high, ".2f"),
        ("coverage low", coverage.min(), ".3f"), ("coverage high", coverage.max(), ".3f"),
        ("mixed change", model.estimate, ".2f"), ("mixed low", model.ci_low, ".2f"),
        ("mixed high", model.ci_high, ".2f"), ("mixed p", model.p_value, ".4f"),
        ("mixed df", model.df, ".1f"), ("Wald low", model.ci_low_wald, ".2f"),
        ("Wald high", model.ci_high_wald, ".2f"), ("Wald p", model.p_value_wald, ".4f"),
    ]


@pytest.mark.parametrize("what, value, spec", _conventions_values(),
                         ids=[v[0] for v in _conventions_values()])
def test_readme_conventions_table_states_the_computed_values(what, value, spec):
    section = _conventions_section()
    shown = format(float(value), spec)
    assert shown in section, f"{what}: {shown} is not in the README's conventions table"
