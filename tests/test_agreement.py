"""analysis.qualitative.agreement: Krippendorff's alpha against published values, kappa, per-code tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.qualitative import agreement

nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C: four observers,
# twelve units, missing values. Units in rows, observers A-D in columns. The same data are the
# "C" example of R's irr::kripp.alpha.
KRIPPENDORFF_C = pd.DataFrame({
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    "C": [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
})
PUBLISHED_C = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Krippendorff (2011), example A: binary data, two observers, ten units; alpha = 0.095.
KRIPPENDORFF_A = pd.DataFrame({"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
                               "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]})


@pytest.mark.parametrize("level,published", PUBLISHED_C.items())
def test_alpha_reproduces_krippendorff_2011_example_c(level, published):
    assert round(agreement.krippendorff_alpha(KRIPPENDORFF_C, level=level), 3) == published


def test_alpha_reproduces_krippendorff_2011_binary_example():
    assert round(agreement.krippendorff_alpha(KRIPPENDORFF_A), 3) == 0.095


def test_coincidence_matrix_counts_pairable_values():
    o = agreement.coincidence_matrix(KRIPPENDORFF_C)
    assert o.to_numpy().sum() == pytest.approx(40)  # unit 12 has one value and drops out
    assert np.allclose(o.to_numpy(), o.to_numpy().T)


def test_alpha_does_not_depend_on_labels_or_order():
    as_text = KRIPPENDORFF_C.map(lambda v: None if pd.isna(v) else f"code{int(v)}")
    shuffled = KRIPPENDORFF_C.sample(frac=1, random_state=7)[["D", "B", "A", "C"]]
    expected = agreement.krippendorff_alpha(KRIPPENDORFF_C)
    assert agreement.krippendorff_alpha(as_text) == pytest.approx(expected)
    assert agreement.krippendorff_alpha(shuffled) == pytest.approx(expected)


def test_units_with_one_value_do_not_count():
    extra = pd.concat([KRIPPENDORFF_A, pd.DataFrame({"A": [1.0], "B": [nan]})], ignore_index=True)
    assert agreement.krippendorff_alpha(extra) == pytest.approx(
        agreement.krippendorff_alpha(KRIPPENDORFF_A))


@pytest.mark.parametrize("data,expected", [
    ({"A": [0, 1, 1, 0], "B": [0, 1, 1, 0]}, 1.0),              # perfect agreement
    ({"A": ["x", "y", "z"], "B": ["x", "y", "z"], "C": ["x", "y", None]}, 1.0),
    ({"A": [0, 1, 0, 1], "B": [1, 0, 1, 0]}, -0.75),            # systematic disagreement
])
def test_alpha_trivial_cases(data, expected):
    assert agreement.krippendorff_alpha(pd.DataFrame(data)) == pytest.approx(expected)


@pytest.mark.parametrize("data", [
    {"A": [1, 1, 1], "B": [1, 1, 1]},      # one value only: no expected disagreement
    {"A": [1, nan], "B": [nan, 2]},        # nothing pairable
    {"A": [], "B": []},
])
def test_alpha_is_undefined_without_variation_or_pairs(data):
    assert np.isnan(agreement.krippendorff_alpha(pd.DataFrame(data, dtype=float)))


def test_alpha_level_is_checked():
    with pytest.raises(ValueError, match="level must be one of"):
        agreement.krippendorff_alpha(KRIPPENDORFF_A, level="circular")


@pytest.mark.parametrize("alpha,label", [(0.95, "reliable"), (0.800, "reliable"),
                                         (0.7, "tentative"), (0.667, "tentative"),
                                         (0.5, "insufficient"), (nan, "undefined")])
def test_reliability_label_thresholds(alpha, label):
    assert agreement.reliability_label(alpha) == label


def test_cohen_kappa_cases():
    assert agreement.cohen_kappa([1, 0, 1, 0], [1, 0, 1, 0]) == pytest.approx(1.0)
    assert np.isnan(agreement.cohen_kappa([1, 1, 1], [1, 1, 1]))
    with pytest.raises(ValueError, match="same units"):
        agreement.cohen_kappa([1, 0], [1])


# ------------------------------------------------------------------------------ on segments

def _segments() -> pd.DataFrame:
    """Four segments coded by Anna and Bram (S1-S4), one by Anna only (S5)."""
    screening, parents = "Werkzame elementen > Screening", "Kansen > Ouderbegeleiding"
    rows = [
        ("S1", "Anna", screening), ("S1", "Bram", screening),
        ("S2", "Anna", parents), ("S2", "Bram", parents), ("S2", "Bram", screening),
        ("S3", "Anna", "Werkzame elementen > Regie"), ("S3", "Bram", screening),
        ("S4", "Anna", parents), ("S4", "Bram", parents),
        ("S5", "Anna", "Voorwaarden > Rolverdeling"),
    ]
    return pd.DataFrame([{"session_id": "FG1", "segment_id": s, "participant": None, "coder": c,
                          "code_path": p, "text": "tekst", "start": None, "end": None,
                          "source_tool": "segments.csv"} for s, c, p in rows])


def test_presence_table_marks_codes_per_coder():
    table = agreement.presence_table(_segments())
    assert set(table["segment_id"]) == {"S1", "S2", "S3", "S4"}  # S5 is single coded
    s3 = table[(table["segment_id"] == "S3")].set_index("code_path")
    assert s3.loc["Werkzame elementen > Regie", "Anna"] == 1
    assert s3.loc["Werkzame elementen > Regie", "Bram"] == 0


def test_code_agreement_counts_and_kappa():
    table = agreement.code_agreement(_segments()).set_index("code_path")
    assert list(agreement.code_agreement(_segments()).columns) == agreement.CODE_AGREEMENT_COLUMNS
    screening = table.loc["Werkzame elementen > Screening"]
    # Anna: S1 only; Bram: S1, S2, S3 -> both 1, Bram only 2, neither 1 (S4)
    assert (screening.n_units, screening.n_both, screening.n_a_only, screening.n_b_only,
            screening.n_neither) == (4, 1, 0, 2, 1)
    assert screening.percent_agreement == pytest.approx(50.0)
    # p_o = .5; p_e = .25 * .75 + .75 * .25 = .375; kappa = .125 / .625 = .2
    assert screening.kappa == pytest.approx(0.2)
    parent = table.loc["Kansen > Ouderbegeleiding"]
    assert parent.kappa == pytest.approx(1.0) and parent.reliability == "reliable"


def test_agreement_at_theme_level_merges_subcodes():
    table = agreement.code_agreement(_segments(), level=1).set_index("code_path")
    assert table.loc["Werkzame elementen", "n_both"] == 2  # S1 and S3 now agree


def test_agreement_summary():
    summary = agreement.agreement_summary(_segments())
    assert list(summary.columns) == agreement.SUMMARY_COLUMNS and len(summary) == 1
    row = summary.iloc[0]
    assert (row.n_segments, row.n_double_coded, row.n_coders) == (5, 4, 2)
    assert row.share_double_coded == pytest.approx(0.8)
    assert row.n_units == 12  # 4 segments x 3 codes used on double-coded material
    presence = agreement.presence_table(_segments())
    assert row.statistic == pytest.approx(agreement.krippendorff_alpha(presence[["Anna", "Bram"]]))
    assert row.reliability == agreement.reliability_label(row.statistic)


def test_agreement_without_double_coding():
    single = _segments().query("coder == 'Anna'")
    assert agreement.code_agreement(single).empty
    row = agreement.agreement_summary(single).iloc[0]
    assert np.isnan(row.statistic) and row.n_double_coded == 0 and row.share_double_coded == 0


def test_unknown_coder_is_not_a_second_coder():
    segments = _segments()
    segments.loc[segments["coder"] == "Bram", "coder"] = "unknown"
    assert agreement.agreement_summary(segments).iloc[0]["n_double_coded"] == 0


# ------------------------------------------------------------------------------ overlapping segments

def _spans(rows):
    return pd.DataFrame([{"session_id": s, "segment_id": f"{s}@{a}-{b}", "participant": None,
                          "coder": c, "code_path": code, "text": "", "start": a, "end": b,
                          "source_tool": "refi-qda"} for s, c, code, a, b in rows])


def test_unitizing_alpha_hand_worked_example():
    # Source of 10 characters; A codes 0-4, B codes 2-6 (code X). Per character k (coders who
    # coded it) is 1,1,2,2,1,1,0,0,0,0 with m = 2: o11 = 4, o00 = 8, o01 = o10 = 4,
    # n1 = 8, n0 = 12, n = 20, alpha = 1 - 19 * 8 / (2 * 12 * 8) = 5/24.
    segments = _spans([("S", "A", "X", 0, 4), ("S", "B", "X", 2, 6)])
    table = agreement.unitizing_agreement(segments, lengths={"S": 10})
    row = table.set_index("code_path").loc["X"]
    assert row["alpha"] == pytest.approx(5 / 24, abs=1e-12)
    assert (row["n_units"], row["n_coded_units"], row["n_sources"]) == (10, 6, 1)
    units = pd.DataFrame({"A": [1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
                          "B": [0, 0, 1, 1, 1, 1, 0, 0, 0, 0]})
    assert row["alpha"] == pytest.approx(agreement.krippendorff_alpha(units), abs=1e-12)


def test_unitizing_alpha_equals_general_alpha_with_three_coders_and_missing_judges():
    segments = _spans([("S", "A", "X", 0, 3), ("S", "B", "X", 1, 3), ("S", "C", "X", 2, 5),
                       ("T", "A", "X", 0, 2), ("T", "B", "Y", 2, 4)])
    table = agreement.unitizing_agreement(segments).set_index("code_path")
    s = pd.DataFrame({"A": [1, 1, 1, 0, 0], "B": [0, 1, 1, 0, 0], "C": [0, 0, 1, 1, 1]})
    t = pd.DataFrame({"A": [1, 1, 0, 0], "B": [0, 0, 0, 0], "C": [None] * 4})
    expected = agreement.krippendorff_alpha(pd.concat([s, t], ignore_index=True))
    assert table.loc["X", "alpha"] == pytest.approx(expected, abs=1e-12)
    assert table.loc["(alle codes)", "n_sources"] == 2


def test_unitizing_identical_boundaries_give_one_and_unknown_coders_drop_out():
    segments = _spans([("S", "A", "X", 2, 6), ("S", "B", "X", 2, 6), ("S", "B", "Y", 7, 9),
                       ("S", "unknown", "X", 0, 9)])
    table = agreement.unitizing_agreement(segments).set_index("code_path")
    assert table.loc["X", "alpha"] == pytest.approx(1.0)
    assert table.loc["X", "n_coders"] == 2


def test_segment_agreement_threshold():
    segments = _spans([("S", "A", "X", 0, 10), ("S", "B", "X", 0, 9), ("S", "B", "X", 20, 30),
                       ("S", "A", "Y", 40, 50), ("S", "B", "Y", 42, 50)])
    table = agreement.segment_agreement(segments).set_index("code_path")
    # X: A's 0-10 and B's 0-9 overlap 9/10 = 90%; B's 20-30 has no partner: 2 of 3 agree.
    assert table.loc["X", "percent_agreement"] == pytest.approx(200 / 3)
    # Y: 8/10 = 80% overlap < 90%.
    assert table.loc["Y", "percent_agreement"] == 0.0
    looser = agreement.segment_agreement(segments, threshold=0.8).set_index("code_path")
    assert looser.loc["Y", "percent_agreement"] == 100.0
    with pytest.raises(ValueError, match="threshold"):
        agreement.segment_agreement(segments, threshold=1.5)


def test_agreement_by_code_marks_codes_one_coder_used(monkeypatch):
    monkeypatch.setattr(agreement, "MIN_DOUBLE_CODED_PER_CODE", 1)  # the statuses themselves
    table = agreement.agreement_by_code(_segments()).set_index("code_path")
    assert table["status"].to_dict() == {
        "Kansen > Ouderbegeleiding": "judged", "Voorwaarden > Rolverdeling": "not_double_coded",
        "Werkzame elementen > Regie": "one_coder", "Werkzame elementen > Screening": "judged"}
    assert table.loc["Werkzame elementen > Regie", "n_double_coded"] == 1
    assert table.loc[table["status"] != "judged", "alpha"].isna().all()
    assert table.loc[table["status"] == "judged", "n_both"].gt(0).all()


def test_a_code_on_too_few_double_coded_segments_gets_no_alpha_of_its_own():
    table = agreement.agreement_by_code(_segments()).set_index("code_path")
    few = table["n_double_coded"].between(1, agreement.MIN_DOUBLE_CODED_PER_CODE - 1)
    assert few.any() and (table.loc[few & (table["status"] != "one_coder"), "status"]
                          == "too_few").all()
    assert table.loc[table["status"] == "too_few", "alpha"].isna().all()
