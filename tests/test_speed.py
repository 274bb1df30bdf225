"""Speed at scale, and that what makes the package fast gives the results it gave before.

The timed guards report figures through pytest-benchmark (``pytest tests/test_speed.py
--benchmark-only``) and assert only a generous ceiling on the fastest round, robust to a busy
machine, that still catches a return of a per-row Python loop (which takes minutes). The
requirement each guards is in its docstring; measured figures are in ``reports/bench/``
(``make bench``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.data import processed, validate
from analysis.data.synthetic import write_cohort
from analysis.follow_up import power as follow_up_power
from analysis.qualitative import survey
from analysis.stats import _resampling as rs
from analysis.stats import paired
from analysis.stats import power


def _fastest(benchmark) -> float | None:
    stats_ = getattr(benchmark, "stats", None)
    return None if stats_ is None else stats_.stats.min


# ------------------------------------------------------------------------------ timed guards
@pytest.fixture(scope="module")
def large_cohort(tmp_path_factory):
    """A synthetic cohort of 100,000 families (about 55 MB of CSV, written in about 5 s)."""
    root = tmp_path_factory.mktemp("raw")
    return write_cohort("speed-100k", families=100_000, seed=1, raw_root=root)


def test_validating_100000_synthetic_families(benchmark, large_cohort):
    """Requirement: validating a 100,000-family cohort takes under 15 s (about 3 s here)."""
    report = benchmark.pedantic(validate.validate_cohort, args=(large_cohort,), rounds=2,
                                iterations=1)
    assert report.errors == [], report.format(errors_only=True)
    assert len(report.tables["trajectories"]) == 100_000
    fastest = _fastest(benchmark)
    if fastest is not None:
        benchmark.extra_info.update(families=100_000, requirement_s=15)
        assert fastest < 3 * 15, f"validation took {fastest:.1f} s at best"


def test_wilcoxon_interval_of_40000_families(benchmark):
    """The BCa interval of 40,000 paired changes: seconds, not the 12 GB jackknife it was."""
    rng = np.random.default_rng(5)
    data = pd.DataFrame({"t0": rng.integers(0, 40, 40_000), "t1": rng.integers(0, 40, 40_000)})
    result = benchmark.pedantic(paired.paired_wilcoxon, kwargs={"data": data, "before": "t0",
                                                               "after": "t1"},
                                rounds=2, iterations=1)
    row = result.iloc[0]
    assert row["ci_low"] <= row["effect_size"] <= row["ci_high"]
    fastest = _fastest(benchmark)
    if fastest is not None:
        assert fastest < 30, f"paired_wilcoxon on 40,000 pairs took {fastest:.1f} s at best"


# ------------------------------------------------------------------------------ same results
@pytest.mark.parametrize("zero_method", ["pratt", "wilcox"])
def test_paired_rank_biserial_from_counts_equals_the_unit_form(rng, zero_method):
    d = rng.integers(-6, 7, 400).astype(float)
    resamples = d[rng.integers(0, d.size, (30, d.size))]
    values = np.unique(d)
    counts = (resamples[:, :, None] == values).sum(axis=1)
    np.testing.assert_allclose(rs.rank_biserial_paired_counts((values, counts), zero_method),
                               rs.rank_biserial_paired(resamples, zero_method), rtol=0, atol=1e-12)


def test_group_rank_biserial_from_counts_equals_the_unit_form(rng):
    x, y = rng.integers(0, 20, 300).astype(float), rng.integers(3, 25, 200).astype(float)
    (vx, cx), (vy, cy) = np.unique(x, return_counts=True), np.unique(y, return_counts=True)
    np.testing.assert_allclose(rs.rank_biserial_groups_counts((vx, cx[None]), (vy, cy[None])),
                               rs.rank_biserial_groups(x[None], y[None]), atol=1e-12)


def test_counts_bootstrap_agrees_with_unit_bootstrap_on_a_large_sample(rng):
    """Same bootstrap distribution, other random draws: intervals agree to Monte Carlo error."""
    d = rng.integers(-8, 6, 3000).astype(float)
    unit = rs.bootstrap(d, lambda b: rs.rank_biserial_paired(b, "pratt"), n_resamples=2000,
                        seed=3, confidence=0.95, method="bca")
    counts = rs.bootstrap(d, lambda b: rs.rank_biserial_paired(b, "pratt"), n_resamples=2000,
                          seed=3, confidence=0.95, method="bca",
                          counts_statistic=lambda s: rs.rank_biserial_paired_counts(s, "pratt"))
    assert counts["estimate"] == pytest.approx(unit["estimate"], abs=1e-12)
    assert counts["se"] == pytest.approx(unit["se"], rel=0.1)
    for end in ("ci_low", "ci_high"):
        assert counts[end] == pytest.approx(unit[end], abs=0.5 * unit["se"])


def test_small_samples_keep_unit_resampling(rng):
    """Up to COUNTS_ABOVE units the counts form is not used: published intervals stay put."""
    d = rng.integers(-3, 4, 30).astype(float)

    def never(*_):
        raise AssertionError("counts form used for a small sample")

    rs.bootstrap(d, lambda b: rs.rank_biserial_paired(b, "pratt"), n_resamples=200, seed=1,
                 confidence=0.95, method="bca", counts_statistic=never)


def test_blocked_jackknife_equals_one_block(rng, monkeypatch):
    data = (rng.normal(size=50), rng.normal(size=40))
    whole = rs.bootstrap(data, rs.rank_biserial_groups, n_resamples=300, seed=2,
                         confidence=0.9, method="bca")
    monkeypatch.setattr(rs, "_ELEMENTS", 120)  # blocks of 2-3 resamples and leave-one-outs
    blocked = rs.bootstrap(data, rs.rank_biserial_groups, n_resamples=300, seed=2,
                           confidence=0.9, method="bca")
    assert blocked["estimate"] == whole["estimate"]
    assert blocked["se"] > 0 and np.isfinite(blocked["ci_low"])


def test_mirrored_pool_draws_the_same_values_as_the_built_pool(rng):
    d = rng.integers(-9, 5, 700).astype(float)
    pool = power.MirroredChanges(d, k=620, copies=1000)
    built = np.asarray(pool)
    index = rng.integers(0, pool.size, (50, 80))
    np.testing.assert_array_equal(pool.take(index), built.take(index))
    assert pool.mean() == pytest.approx(built.mean(), rel=1e-9)
    assert pool.std(ddof=1) == pytest.approx(built.std(ddof=1), rel=1e-9)
    assert power.wilcoxon_power_simulation(pool, 40, n_sim=200, seed=4) == \
        power.wilcoxon_power_simulation(built, 40, n_sim=200, seed=4)


def test_large_cohorts_get_a_lazy_pool(rng):
    d = rng.integers(-9, 5, 3000).astype(float)
    pool = follow_up_power._shrunk_pool(d, 0.5 * d.mean() / d.std(ddof=1))
    assert isinstance(pool, power.MirroredChanges)
    small = d[:50]
    assert isinstance(follow_up_power._shrunk_pool(small, 0.5 * small.mean() / small.std(ddof=1)),
                      np.ndarray)


def test_float_text_matches_pandas_csv(rng):
    values = np.r_[rng.integers(-50, 50, 200).astype(float), rng.normal(size=50) * 1e3,
                   [np.nan, -0.0, 0.0, 1e15, 1e16, 2.5e-7, np.inf, -np.inf]]
    frame = pd.DataFrame({"x": values, "y": values[::-1]})
    expected = frame.to_csv(index=False, lineterminator="\n")
    assert processed._for_csv(frame).to_csv(index=False, lineterminator="\n") == expected


def test_open_answers_are_capped_per_item():
    items = pd.DataFrame({"item": ["q1", "q2"], "text": ["Wat?", "Nog iets?"],
                          "type": ["text", "text"], "domain": ["open", "open"]})
    responses = pd.DataFrame({"family_id": [f"F{i}" for i in range(9)], "date": "2024-01-01",
                              "q1": [f"antwoord {i}" for i in range(9)],
                              "q2": ["ja"] * 3 + [None] * 6})
    checked = []

    def check(text):
        checked.append(text)
        return type("Result", (), {"safe": True, "clean_text": text, "findings": ()})()

    table = survey.open_answers(responses, items, check=check, limit=4)
    assert len(checked) == len(table) == 4 + 3
    assert table.attrs == {"n_answers": 12, "n_unchecked": 5}
    assert table.loc[table["item"] == "q1", "family_id"].tolist() == ["F0", "F1", "F2", "F3"]
    with pytest.raises(ValueError, match="limit"):
        survey.open_answers(responses, items, check=check, limit=0)


def test_loading_right_after_validating_validates_once(valid_cohort, monkeypatch):
    from analysis.data.validate import load_cohort

    report = validate.validate_cohort(valid_cohort)
    monkeypatch.setattr(validate, "_check_cohort",
                        lambda folder: pytest.fail("validated the same files twice"))
    loaded = load_cohort(valid_cohort)
    assert loaded.tables.keys() == report.tables.keys()
    assert loaded.tables["sdq"] is not report.tables["sdq"]
    pd.testing.assert_frame_equal(loaded.tables["sdq"], report.tables["sdq"])


def test_a_changed_file_is_validated_again(valid_cohort):
    from analysis.data.validate import load_cohort

    validate.validate_cohort(valid_cohort)
    sdq = valid_cohort / "sdq.csv"
    sdq.write_text(sdq.read_text(encoding="utf-8").replace("T1", "T9", 1), encoding="utf-8")
    with pytest.raises(Exception, match="timepoint|T9"):
        load_cohort(valid_cohort)
