"""analysis.questionnaires.outcomes: the handreiking's chain, on hand-made change tables and on the bundled cohort."""

import pandas as pd
import pytest

from analysis import paths
from analysis.data.validate import load_cohort
from analysis.questionnaires import outcomes


def _change_rows(instrument, scale, rows):
    return pd.DataFrame(
        [{"family_id": f, "instrument": instrument, "scale": scale, "t0_elevated": e0,
          "t1_elevated": e1, "change_class": cls} for f, e0, e1, cls in rows])


@pytest.fixture
def hand_made():
    """Six families: A-C elevated and high (A improves and resolves, B improves, C resolves),
    D elevated and low, E and F not elevated (E low, F high)."""
    sdq = _change_rows("sdq", "total", [
        ("A", True, False, "improved"), ("B", True, True, "improved"),
        ("C", True, True, "unchanged"), ("D", True, True, "improved"),
        ("E", False, False, "unchanged"), ("F", False, False, "unchanged")])
    ari = _change_rows("ari_cp", "disorganized", [
        ("A", True, False, None), ("B", True, True, None), ("C", True, False, None),
        ("D", False, False, None), ("E", False, False, None), ("F", True, True, None)])
    return pd.concat([sdq, ari], ignore_index=True)


def test_chain_counts_follow_the_definitions(hand_made):
    chain = outcomes.published_chain(hand_made, list("ABCDEF")).set_index("key")
    expected = {
        "t0_elevated": (4, 6), "t0_elevated_high_disorganized": (3, 4),
        "t1_reliable_improvement": (2, 3), "t1_disorganized_resolved": (2, 3),
        "t0_not_elevated": (2, 6), "t0_not_elevated_low_disorganized": (1, 2),
        "t1_reliable_improvement_all_elevated": (3, 4),
    }
    got = {key: (int(row.k), int(row.n)) for key, row in chain.iterrows()}
    assert got == expected


def test_chain_intervals_are_exact_clopper_pearson(hand_made):
    from scipy.stats import beta

    row = outcomes.published_chain(hand_made, list("ABCDEF")).iloc[0]  # 4 of 6
    assert row["ci_low"] == pytest.approx(beta.ppf(0.025, 4, 3))
    assert row["ci_high"] == pytest.approx(beta.ppf(0.975, 5, 2))


def test_families_outside_the_analysis_set_are_ignored(hand_made):
    chain = outcomes.published_chain(hand_made, ["A", "E"]).set_index("key")
    assert (chain.loc["t0_elevated", "k"], chain.loc["t0_elevated", "n"]) == (1, 2)


def test_key_numbers_of_a_chain(hand_made):
    numbers = outcomes.chain_key_numbers(outcomes.published_chain(hand_made, list("ABCDEF")))
    assert numbers["analysis_set_n"] == 6 and numbers["t0_elevated_n"] == 4
    assert numbers["t1_reliable_improvement_n"] == 2


@pytest.fixture(scope="module")
def bundled():
    cohort = load_cohort(paths.raw_dir(paths.DEFAULT_COHORT))
    ages = cohort.tables["trajectories"][["family_id", "child_age"]]
    scores = outcomes.score_all(cohort.tables, ages=ages)
    return scores, outcomes.analysis_set(scores)


def test_bundled_cohort_reproduces_the_published_chain(bundled):
    scores, families = bundled
    numbers = outcomes.chain_key_numbers(
        outcomes.published_chain(outcomes.reliable_changes(scores), families))
    published = {"analysis_set_n": 14, "t0_elevated_n": 9, "t0_elevated_high_disorganized_n": 6,
                 "t1_reliable_improvement_n": 3, "t1_disorganized_resolved_n": 3,
                 "t0_not_elevated_n": 5, "t0_not_elevated_low_disorganized_n": 5}
    assert {k: numbers[k] for k in published} == published


def test_chain_under_every_usable_scheme(bundled):
    scores, families = bundled
    table = outcomes.chain_by_scheme(scores, families)
    assert set(table["scheme"]) == set(outcomes.usable_schemes("sdq"))
    assert "uk_3band" in set(table["scheme"])


def test_attrition_compares_baseline_only_with_the_analysis_set(bundled):
    scores, families = bundled
    table = outcomes.attrition(scores["sdq"], families, scales=["total"])
    assert table.loc[0, "n_1"] == 14 and table.loc[0, "n_2"] == 5


def test_stress_hypothesis_needs_a_stress_instrument(bundled):
    scores, _ = bundled
    assert outcomes.stress_and_attachment(outcomes.reliable_changes(scores)) is None


@pytest.mark.parametrize("n_families", [1, 2, 3, 4])
def test_a_cohort_of_a_few_families_is_analysed_without_a_test_it_cannot_carry(
        tmp_path, n_families):
    """Three families (two completed, one T0 only) stopped notebook 01 with "each group needs
    at least 2 values"; two with "need at least 2 complete rows". Tests that need two values per
    group or two complete pairs are left out, the rest is computed."""
    from analysis.data.synthetic.shapes import Shape, write_shape

    folder = write_shape(Shape(f"few-{n_families}", families=n_families, seed=3), tmp_path)
    cohort = load_cohort(folder)
    results = outcomes.analyse_questionnaires(cohort.tables)
    complete = results.changes[(results.changes["instrument"] == "sdq")
                               & (results.changes["scale"] == "total")].dropna(
                                   subset=["t0", "t1"])
    assert (results.tests is not None) == (len(complete) >= outcomes.MIN_GROUP)
    if results.attrition is not None and not results.attrition.empty:
        assert (results.attrition[["n_1", "n_2"]] >= outcomes.MIN_GROUP).all().all()
    numbers = results.key_numbers()
    assert numbers["analysis_set_n"] == len(results.families)
