"""analysis.qualitative.themes: theme tree, frequencies by group, co-occurrence, theme matrix, quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import privacy
from analysis.qualitative import themes as qualitative
from analysis.qualitative.qda import SEGMENT_COLUMNS

SESSIONS = pd.DataFrame({
    "session_id": ["FG_SW", "FG_VT", "INT_P1", "OPEN_F01"],
    "session_type": ["focus_group", "focus_group", "interview", "survey_open"],
    "group": ["social_workers", "therapists", "parents", "parents"],
    "n_participants": [5, 3, 1, 1],
})


def _row(session, segment, coder, code, text="tekst", participant=None, start=None, end=None):
    return {"session_id": session, "segment_id": segment, "participant": participant,
            "coder": coder, "code_path": code, "text": text, "start": start, "end": end,
            "source_tool": "segments.csv"}


def _segments() -> pd.DataFrame:
    rows = [
        _row("FG_SW", "1", "Anna", "Werkzame elementen > Screening", participant="SW1"),
        _row("FG_SW", "1", "Bram", "Werkzame elementen > Screening", participant="SW1"),
        _row("FG_SW", "1", "Anna", "Voorwaarden > Rolverdeling", participant="SW1"),
        _row("FG_SW", "2", "Anna", "Werkzame elementen > Screening", participant="SW2"),
        _row("FG_SW", "3", "Anna", "Risico's/uitdagingen > Wachtlijsten", participant="SW2"),
        _row("FG_VT", "1", "Anna", "Werkzame elementen > Systeemaanpak", participant="VT1"),
        _row("FG_VT", "2", "Anna", "Transfer naar huis", participant="VT1"),
        _row("INT_P1", "1", "Anna", "Werkzame elementen > Screening"),
        _row("OPEN_F01", "1", "Anna", "Kansen > Ouderbegeleiding", participant="F01"),
        _row("UNLISTED", "1", "Anna", "Opbrengsten"),
    ]
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


@pytest.mark.parametrize("code,level,theme", [
    ("Werkzame elementen > Iets", 1, "Werkzame elementen"), ("Opbrengsten", 1, "Opbrengsten"),
    ("Rust in het gezin > Slaap > Ritme", 2, "Rust in het gezin > Slaap"),
    ("Kort", 3, "Kort"),
])
def test_theme_of_is_the_cohorts_own_code(code, level, theme):
    assert qualitative.theme_of(code, level) == theme


def test_no_theme_list_in_the_package():
    assert not hasattr(qualitative, "HANDREIKING_THEMES")
    assert qualitative.cohort_themes(_segments())[0] == "Werkzame elementen"  # most segments
    assert "Opbrengsten" in qualitative.cohort_themes(_segments())


def test_primary_coding_keeps_one_coder_per_segment():
    primary = qualitative.primary_coding(_segments())
    assert set(primary["coder"]) == {"Anna"}  # Anna coded most segments
    assert len(primary) == len(_segments()) - 1


def test_theme_hierarchy_counts_nodes_and_children():
    tree = qualitative.theme_hierarchy(_segments()).set_index("code_path")
    assert {"level_1", "level_2", "depth", "parent_path"} <= set(tree.columns)
    assert tree.loc["Werkzame elementen", "n_segments"] == 4
    assert tree.loc["Werkzame elementen", "n_codings"] == 0
    assert tree.loc["Werkzame elementen > Screening", "n_segments"] == 3
    assert tree.loc["Werkzame elementen > Screening", "n_sessions"] == 2
    assert tree.loc["Werkzame elementen > Screening", "parent_path"] == "Werkzame elementen"
    assert pd.isna(tree.loc["Transfer naar huis", "level_2"])
    order = list(tree.index)
    assert order.index("Werkzame elementen") < order.index("Werkzame elementen > Screening")


def test_code_frequencies_by_group():
    freq = qualitative.code_frequencies(_segments(), SESSIONS, by="group")
    row = freq.set_index(["code_path", "group"]).loc[("Werkzame elementen > Screening",
                                                      "social_workers")]
    assert (row.n_segments, row.n_sessions, row.n_participants, row.sessions_in_group) == (
        2, 1, 2, 1)
    parents = freq.set_index(["code_path", "group"]).loc[("Werkzame elementen > Screening",
                                                          "parents")]
    assert parents.n_participants == 0  # interview segment without participant
    assert "unknown" in set(freq["group"])


def test_code_frequencies_at_theme_level_and_checks():
    freq = qualitative.code_frequencies(_segments(), SESSIONS, by="session_type", level=1)
    row = freq.set_index(["code_path", "session_type"]).loc[("Werkzame elementen", "focus_group")]
    assert row.n_segments == 3 and row.n_sessions == 2
    with pytest.raises(ValueError, match="by must be"):
        qualitative.code_frequencies(_segments(), SESSIONS, by="coder")
    with pytest.raises(ValueError, match="sessions lacks"):
        qualitative.code_frequencies(_segments(), SESSIONS.drop(columns="group"))


def test_theme_matrix_has_the_cohorts_themes_with_zeros():
    matrix = qualitative.theme_matrix(_segments(), SESSIONS, by="session_type")
    assert list(dict.fromkeys(matrix["theme_id"])) == qualitative.cohort_themes(_segments())
    assert "Belemmeringen" not in set(matrix["theme"])  # no theme the data do not have
    assert set(matrix["session_type"]) == {"focus_group", "interview", "survey_open", "unknown"}
    cell = matrix.set_index(["theme_id", "session_type"])
    assert cell.loc[("Werkzame elementen", "focus_group"), "n_segments"] == 3
    assert cell.loc[("Kansen", "focus_group"), "n_segments"] == 0
    assert cell.loc[("Opbrengsten", "unknown"), "n_segments"] == 1
    deeper = qualitative.theme_matrix(_segments(), SESSIONS, level=2).set_index("theme_id")
    assert deeper.loc["Werkzame elementen > Screening", "theme"].iloc[0] == "Screening"


def test_cooccurrence_within_segments():
    table = qualitative.cooccurrence(_segments()).set_index(["code_a", "code_b"])
    pair = table.loc[("Voorwaarden > Rolverdeling", "Werkzame elementen > Screening")]
    # Screening in 3 units (FG_SW/1, FG_SW/2, INT_P1/1), Rolverdeling in 1, together in 1
    assert (pair.n_a, pair.n_b, pair.n_ab) == (1, 3, 1)
    assert pair.c_coefficient == pytest.approx(1 / 3)


def test_cooccurrence_of_overlapping_selections():
    rows = [_row("FG", "a", "Anna", "A", start=0, end=10), _row("FG", "b", "Anna", "B", start=5,
                                                                 end=20),
            _row("FG", "c", "Anna", "C", start=20, end=30),  # touches b: no overlap
            _row("FG", "d", "Anna", "A", start=40, end=50)]
    segments = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    merged = qualitative.cooccurrence(segments).set_index(["code_a", "code_b"])
    assert merged.loc[("A", "B"), "n_ab"] == 1 and merged.loc[("B", "C"), "n_ab"] == 0
    assert merged.loc[("A", "B"), "c_coefficient"] == pytest.approx(1 / 2)
    separate = qualitative.cooccurrence(segments, overlap=False).set_index(["code_a", "code_b"])
    assert separate.loc[("A", "B"), "n_ab"] == 0


def test_cooccurrence_matrix_is_symmetric():
    table = qualitative.cooccurrence(_segments(), level=1)
    matrix = qualitative.cooccurrence_matrix(table)
    assert (matrix.to_numpy() == matrix.to_numpy().T).all()
    assert (matrix.to_numpy().diagonal() == 1).all()
    counts = qualitative.cooccurrence_matrix(table, value="n_ab")
    assert counts.loc["Werkzame elementen", "Werkzame elementen"] == 4


# ------------------------------------------------------------------------------ quotes

def _quote_segments() -> pd.DataFrame:
    medium = "De screening vooraf was grondig en daardoor zaten de juiste gezinnen in de pilot."
    rows = [_row("FG_SW", "1", "Anna", "Werkzame elementen > Screening", medium),
            _row("FG_SW", "2", "Anna", "Werkzame elementen > Regie", medium + " Ook de regie."),
            _row("FG_VT", "1", "Anna", "Werkzame elementen > Systeemaanpak",
                 "Ouders in de behandelruimte maakte voor ons het grootste verschil, zeker bij "
                 "de jongste kinderen."),
            _row("INT_P1", "1", "Anna", "Werkzame elementen > Screening",
                 "Bel mij gerust op 06-12345678 of kom langs op basisschool De Regenboog, daar "
                 "werk ik als juf."),
            _row("INT_P1", "2", "Anna", "Kansen > Ouderbegeleiding", "Kort."),
            _row("FG_VT", "3", "Anna", "Kansen > Samen optrekken",
                 "Samen optrekken met de sociaal werker gaf ouders vertrouwen en rust thuis.")]
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS)


def _fast_check(text):
    return privacy.check_quote(text, use_deduce=False)


def test_pick_quotes_prefers_different_sessions_and_is_deterministic():
    quotes = qualitative.pick_quotes(_quote_segments(), per_theme=2, seed=1, check=_fast_check)
    assert list(quotes.columns) == qualitative.QUOTE_COLUMNS
    working = quotes[quotes["theme"] == "Werkzame elementen"]
    assert len(working) == 2 and working["session_id"].nunique() == 2
    assert working["rank"].tolist() == [1, 2]
    again = qualitative.pick_quotes(_quote_segments(), per_theme=2, seed=1, check=_fast_check)
    pd.testing.assert_frame_equal(quotes, again)
    shuffled = _quote_segments().sample(frac=1, random_state=3)
    pd.testing.assert_frame_equal(
        quotes, qualitative.pick_quotes(shuffled, per_theme=2, seed=1, check=_fast_check))


def test_unsafe_quotes_are_left_out_and_listed_for_review():
    quotes = qualitative.pick_quotes(_quote_segments(), per_theme=5, check=_fast_check)
    assert not quotes["quote"].str.contains("12345678|Regenboog").any()
    assert not (quotes["segment_id"].eq("1") & quotes["session_id"].eq("INT_P1")).any()
    review = qualitative.quote_review(_quote_segments(), per_theme=5, check=_fast_check)
    assert list(review.columns) == qualitative.REVIEW_COLUMNS
    assert review["session_id"].tolist() == ["INT_P1"]
    assert "school name left" in review["reasons"].iloc[0]
    assert "12345678" not in review["clean_text"].iloc[0]


def test_pick_quotes_uses_the_privacy_guard_by_default():
    segments = pd.DataFrame([_row("FG_SW", "1", "Anna", "Kansen > Samen",
                                  "Marieke de Vries zei dat samen optrekken ouders veel rust "
                                  "gaf, ook thuis.")], columns=SEGMENT_COLUMNS)
    quotes = qualitative.pick_quotes(segments)
    assert "Marieke" not in quotes["quote"].iloc[0] and "[naam]" in quotes["quote"].iloc[0]
    assert quotes["n_replacements"].iloc[0] == 1


@pytest.mark.parametrize("kwargs,message", [({"per_theme": 0}, "per_theme"),
                                            ({"length": (300, 100)}, "length")])
def test_pick_quotes_checks_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        qualitative.pick_quotes(_quote_segments(), check=_fast_check, **kwargs)


# ------------------------------------------------------------------------------ figures

def test_theme_tree_figure_draws_a_bar_per_node():
    from analysis.report.figures import qualitative as figures

    tree = qualitative.theme_hierarchy(_segments())
    fig = figures.theme_tree_figure(tree).figure
    ax = fig.axes[0]
    assert len(ax.patches) == len(tree)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Werkzame elementen" and "└ Screening" in [l.strip() for l in labels]
    assert len(figures.theme_tree_figure(tree, max_depth=1).figure.axes[0].patches) == 6


def test_cooccurrence_figure_shows_the_lower_triangle():
    from analysis.report.figures import qualitative as figures

    matrix = qualitative.cooccurrence_matrix(qualitative.cooccurrence(_segments(), level=1))
    fig = figures.cooccurrence_figure(matrix).figure
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (len(matrix) - 1, len(matrix) - 1)
    lower = matrix.to_numpy()[np.tril_indices(len(matrix), -1)]
    assert len(fig.axes[0].texts) == int((lower != 0).sum())  # zero cells stay empty
    with pytest.raises(ValueError, match="square"):
        figures.cooccurrence_figure(matrix.iloc[:, :2])


def test_theme_matrix_figure_uses_dutch_labels():
    from analysis.report.figures import qualitative as figures

    table = qualitative.theme_matrix(_segments(), SESSIONS, by="group")
    fig = figures.theme_matrix_figure(table, by="group").figure
    assert "Sociaal werkers" in [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0] == "Werkzame elementen"


def test_agreement_figure_one_point_per_code():
    from analysis.qualitative import agreement
    from analysis.report.figures import qualitative as figures

    table = agreement.code_agreement(_segments())
    fig = figures.agreement_figure(table).figure
    assert len(fig.axes[0].get_yticklabels()) == table["code_path"].nunique()
    with pytest.raises(ValueError, match="lacks column"):
        figures.agreement_figure(table.drop(columns="alpha"))
