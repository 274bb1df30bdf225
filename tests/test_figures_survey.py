"""analysis.report.figures.survey: the marks behind the Likert and yes/no figures, and their
redrawn (published) forms. The figures themselves are tested in test_survey.py."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from test_survey import ITEMS, _responses

from analysis.publish.figures import hide_cells, suppressed
from analysis.qualitative import survey
from analysis.report.figures import survey as figures


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _likert():
    return figures.likert_figure(survey.likert_distribution(_responses(), ITEMS))


def test_likert_marks_one_segment_per_answer_with_its_parents():
    drawn = _likert()
    ax = drawn.figure.axes[0]
    segments = drawn.marks[drawn.marks["element"] == "segment"]
    assert len(ax.patches) == len(segments)
    widths = sorted(round(p.get_width(), 9) for p in ax.patches)
    assert widths == sorted(round(100 * s, 9) for s in segments["share"])
    totals = drawn.marks[drawn.marks["element"] == "text"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"n = {n}" for n in totals["n"])
    for total in totals.itertuples():  # a segment of 1 parent is a count of 1
        parts = segments[segments["part_of"] == total.total_of]
        assert parts["n"].sum() == total.n
        assert (parts["share"] * total.n).round(9).tolist() == parts["n"].astype(float).tolist()


def test_redraw_likert_hides_small_answers_in_one_block():
    drawn = _likert()
    hiding = hide_cells(drawn.marks, threshold=2)
    table = suppressed(drawn.marks, hiding)
    redrawn = figures.redraw_likert(table)
    ax = redrawn.figure.axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == len({i for i in table.loc[table["hidden"], "item"]})
    shown = table[~table["hidden"] & (table["element"] == "segment")]
    widths = sorted(round(p.get_width(), 9) for p in ax.patches if not p.get_hatch())
    assert widths == sorted(round(100 * s, 9) for s in shown["share"])
    assert "order" not in redrawn.marks.columns  # the order by agreement ranks hidden cells


def test_yesno_marks_yes_no_and_n():
    drawn = figures.yesno_figure(survey.yesno_summary(_responses(), ITEMS))
    marks = drawn.marks.set_index("mark")
    texts = [t.get_text() for t in drawn.figure.axes[0].texts]
    assert f"{marks.at['q03: ja', 'n']}/{marks.at['q03: n', 'n']}" in texts
    assert marks.at["q03: ja", "n"] + marks.at["q03: nee", "n"] == marks.at["q03: n", "n"]


def test_redraw_yesno_drops_the_point_of_a_hidden_yes():
    drawn = figures.yesno_figure(survey.yesno_summary(_responses(), ITEMS))
    redrawn = figures.redraw_yesno(suppressed(drawn.marks, hide_cells(drawn.marks,
                                                                      threshold=3)))
    ax = redrawn.figure.axes[0]
    assert not ax.lines  # 3 of 4 'ja', 1 'nee' (<3): both hidden, no point
    assert "x/4" in [t.get_text() for t in ax.texts]
    # at threshold 2 "<2" means 1, and the total (4) is known: no hiding protects the split,
    # so 'ja' and 'nee' are left out and the item keeps its row and its n
    strict = figures.redraw_yesno(suppressed(drawn.marks, hide_cells(drawn.marks, threshold=2)))
    assert "verborgen/4" in [t.get_text() for t in strict.figure.axes[0].texts]
    rows = (ITEMS["type"] == "yesno").sum()
    assert len(strict.figure.axes[0].get_yticklabels()) == rows
    assert strict.figure.axes[0].get_ylim() == (-0.6, rows - 0.4)  # every row inside the axes
