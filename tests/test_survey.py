"""analysis.qualitative.survey and analysis.report.figures.survey: Likert, yes/no with exact CIs, open answers."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from analysis import privacy
from analysis.errors import DataError
from analysis.qualitative import survey
from analysis.qualitative.qda import SEGMENT_COLUMNS
from analysis.report.figures import survey as survey_figures

ITEMS = pd.DataFrame({
    "item": ["q01", "q02", "q03", "q04", "q05"],
    "text": ["Ik voelde me gehoord", "De samenwerking was duidelijk", "Zou u het aanraden?",
             "Wat wilt u nog kwijt?", "Kreeg u nazorg?"],
    "type": ["likert5", "likert5", "yesno", "text", "yesno"],
    "domain": ["samenwerking", "samenwerking", "tevredenheid", "open", "nazorg"],
})


def _responses() -> pd.DataFrame:
    return pd.DataFrame({
        "family_id": ["F01", "F02", "F03", "F04", "007"],
        "date": ["2024-03-10"] * 5,
        "q01": [5, "mee eens", "Helemaal mee eens", 4, None],
        "q02": ["2", "neutraal", 3, "mee oneens", "helemaal mee oneens"],
        "q03": ["ja", "Ja", "nee", "yes", None],
        "q04": ["Fijn traject, bel me op 06-12345678 als er vragen zijn.",
                "De sociaal werker kwam ook thuis kijken en dat hielp.", None,
                "Graag via basisschool De Regenboog contact.", "  "],
        "q05": [None, None, None, None, None],
    })


def test_likert_values_accept_numbers_and_dutch_labels():
    values = pd.Series([1, "2", "3,0", " Mee Eens ", "helemaal mee eens", None, ""])
    assert survey.likert_values(values).tolist() == [1, 2, 3, 4, 5, pd.NA, pd.NA]


@pytest.mark.parametrize("bad", ["6", "0", "soms", 2.5])
def test_likert_values_reject_other_answers_with_row(bad):
    with pytest.raises(DataError, match=r"row 3, column q01") as info:
        survey.likert_values(pd.Series([4, bad]), item="q01")
    assert info.value.problems[0].row == 3


def test_yesno_values():
    assert survey.yesno_values(pd.Series(["ja", "NEE", "yes", "no", 1, 0, "true", None])
                               ).tolist() == [True, False, True, False, True, False, True, pd.NA]
    with pytest.raises(DataError, match="ja/nee"):
        survey.yesno_values(pd.Series(["misschien"]), item="q03")


def test_likert_summary_ordered_by_agreement():
    summary = survey.likert_summary(_responses(), ITEMS)
    assert list(summary.columns) == survey.LIKERT_SUMMARY_COLUMNS
    assert summary["item"].tolist() == ["q01", "q02"]
    q01 = summary.iloc[0]
    assert (q01["n"], q01["n_missing"], q01["median"], q01["share_agree"], q01["order"]) == (
        4, 1, 4.5, 1.0, 1)
    q02 = summary.iloc[1]
    assert q02.share_disagree == pytest.approx(3 / 5) and q02.share_neutral == pytest.approx(2 / 5)
    assert q02["median"] == 2.0


def test_likert_distribution_is_complete_and_sums_to_one():
    dist = survey.likert_distribution(_responses(), ITEMS)
    assert len(dist) == 10 and set(dist["response"]) == {1, 2, 3, 4, 5}
    assert dist.groupby("item")["share"].sum().tolist() == pytest.approx([1.0, 1.0])
    assert dist.loc[dist["response"] == 3, "label"].iloc[0] == "neutraal"


def test_yesno_summary_exact_intervals():
    table = survey.yesno_summary(_responses(), ITEMS).set_index("item")
    assert list(survey.yesno_summary(_responses(), ITEMS).columns) == survey.YESNO_COLUMNS
    q03 = table.loc["q03"]
    assert (q03.n, q03.n_yes, q03.n_missing) == (4, 3, 1)
    # Clopper-Pearson for 3/4: beta.ppf(.025, 3, 2) and beta.ppf(.975, 4, 1) = .975 ** (1/4)
    assert q03.ci_high == pytest.approx(0.975 ** 0.25)
    assert q03.ci_low == pytest.approx(0.19412, abs=1e-5)
    q05 = table.loc["q05"]
    assert q05.n == 0 and np.isnan(q05.proportion)


def test_yesno_all_no_has_analytic_upper_bound():
    responses = pd.DataFrame({"family_id": [f"F{i:02d}" for i in range(11)], "q": ["nee"] * 11})
    items = pd.DataFrame({"item": ["q"], "text": ["t"], "type": ["yesno"], "domain": ["d"]})
    row = survey.yesno_summary(responses, items).iloc[0]
    assert row.ci_low == 0 and row.ci_high == pytest.approx(1 - 0.025 ** (1 / 11))


@pytest.mark.parametrize("change,message", [
    (lambda i: i.assign(type=["likert5", "likert7", "yesno", "text", "yesno"]), "likert7"),
    (lambda i: i.assign(item=["q01", "q01", "q03", "q04", "q05"]), "each item once"),
    (lambda i: i.drop(columns="type"), "lacks column"),
    (lambda i: pd.concat([i, pd.DataFrame({"item": ["q99"], "text": ["x"], "type": ["text"],
                                           "domain": ["x"]})]), "q99"),
])
def test_items_are_checked(change, message):
    with pytest.raises(DataError, match=message):
        survey.likert_summary(_responses(), change(ITEMS.copy()))


def _fast_check(text):
    return privacy.check_quote(text, use_deduce=False)


def test_open_answers_are_guarded_and_linked_to_coding():
    sessions = pd.DataFrame({"session_id": ["OPEN", "FG"], "session_type": ["survey_open",
                                                                             "focus_group"],
                             "group": ["parents", "therapists"]})
    segments = pd.DataFrame([
        {"session_id": "OPEN", "segment_id": "1", "participant": "F02", "coder": "Anna",
         "code_path": "Transfer naar huis > Thuis meekijken", "text": "kwam ook thuis kijken"},
        {"session_id": "FG", "segment_id": "1", "participant": "F02", "coder": "Anna",
         "code_path": "Kansen", "text": "iets anders"},
    ], columns=SEGMENT_COLUMNS)
    table = survey.open_answers(_responses(), ITEMS, segments=segments, sessions=sessions,
                                check=_fast_check).set_index("family_id")
    assert list(table.reset_index().columns) == survey.OPEN_COLUMNS
    assert set(table.index) == {"F01", "F02", "F04"}  # empty and blank answers left out
    assert table.loc["F01", "answer"] == ("Fijn traject, bel me op [telefoonnummer] als er "
                                          "vragen zijn.")
    assert table.loc["F02", "code_paths"] == "Transfer naar huis > Thuis meekijken"
    assert table.loc["F02", "n_codes"] == 1
    assert not table.loc["F04", "safe"] and pd.isna(table.loc["F04", "answer"])
    assert not table.astype(str).apply(lambda c: c.str.contains("Regenboog|12345678")).any().any()
    review = survey.open_answers_review(_responses(), ITEMS, check=_fast_check)
    assert review["family_id"].tolist() == ["F04"] and "school name" in review["reasons"].iloc[0]


def test_open_answers_without_coding():
    table = survey.open_answers(_responses(), ITEMS, check=_fast_check)
    assert (table["n_codes"] == 0).all() and table["code_paths"].isna().all()


# ------------------------------------------------------------------------------ figures

@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")


def test_likert_figure_draws_one_bar_per_answer_and_item():
    fig = survey_figures.likert_figure(survey.likert_distribution(_responses(), ITEMS),
                                       title="Ervaringen van ouders").figure
    ax = fig.axes[0]
    assert len(ax.patches) == 5 * 2
    assert [t.get_text() for t in fig.legends[0].get_texts()] == list(survey.LIKERT_LABELS.values())
    top = max(ax.get_yticklabels(), key=lambda label: label.get_position()[1])
    assert top.get_text() == "Ik voelde me gehoord"  # most agreement on top
    widths = [p.get_width() for p in ax.patches]
    assert sum(widths) == pytest.approx(200)


def test_yesno_figure():
    fig = survey_figures.yesno_figure(survey.yesno_summary(_responses(), ITEMS)).figure
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "3/4" in texts and "geen antwoorden" in texts


def test_figures_check_their_input():
    with pytest.raises(ValueError, match="lacks column"):
        survey_figures.likert_figure(pd.DataFrame({"item": []}))


def test_shared_valid_cohort_survey(valid_cohort):
    from analysis.data.io import read_table

    responses = read_table(valid_cohort / "parent_survey.csv")
    items = read_table(valid_cohort / "parent_survey_items.csv")
    likert = survey.likert_summary(responses, items)
    assert likert.loc[0, "n"] == 3 and likert.loc[0, "median"] == 4.0
    yesno = survey.yesno_summary(responses, items).iloc[0]
    assert (yesno["n"], yesno["n_yes"]) == (3, 2)
    answers = survey.open_answers(responses, items, check=_fast_check)
    assert answers["answer"].tolist() == ["Fijn traject"]
