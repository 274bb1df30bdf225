"""analysis.report.figures.qualitative: figures that say something, with nothing clipped."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from analysis.qualitative import agreement, themes
from analysis.report.figures import qualitative as figures


def _segments(overlapping: bool) -> pd.DataFrame:
    rows = [("FG1", "S1", "Anna", "Werkzame elementen > Screening", 0, 10),
            ("FG1", "S1", "Bram", "Werkzame elementen > Screening", 0, 10),
            ("FG1", "S2", "Anna", "Kansen > Ouderbegeleiding", 20, 30),
            ("FG1", "S2", "Bram", "Kansen > Ouderbegeleiding", 20, 30),
            ("FG1", "S3", "Anna", "Voorwaarden > Rolverdeling", 40, 50),
            ("FG1", "S4", "Bram", "Kansen > Ouderbegeleiding", 60, 70),
            ("FG1", "S1", "Bram", "Voorwaarden > Passend doel", 0, 10),
            ("FG2", "S5", "Bram", "Risico's en uitdagingen > Draagvlak sociaal werkers", 0, 10),
            ("FG2", "S5", "Anna", "Risico's en uitdagingen > Draagvlak sociaal werkers", 0, 10)]
    if overlapping:
        rows.append(("FG1", "S1", "Anna", "Kansen > Ouderbegeleiding", 5, 10))
    return pd.DataFrame([{"session_id": a, "segment_id": b, "participant": None, "coder": c,
                          "code_path": d, "text": "tekst", "start": e, "end": f,
                          "source_tool": "refi-qda"} for a, b, c, d, e, f in rows])


def _inside(fig) -> None:
    """Every visible text of the figure lies within the canvas (nothing clipped)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = canvas.get_width_height()
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_visible()):
        if not text.get_text():
            continue
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.y0 >= -1, text.get_text()
        assert box.x1 <= width + 1 and box.y1 <= height + 1, text.get_text()


def test_agreement_figure_marks_codes_instead_of_drawing_zero():
    table = agreement.agreement_by_code(_segments(False))
    fig = figures.agreement_figure(table).figure
    ax = fig.axes[0]
    points = ax.lines[0].get_xdata()
    assert len(points) == int((table["status"] == "judged").sum()) and np.all(points > 0)
    notes = [t.get_text() for t in ax.texts]
    assert any("door één codeur gebruikt" in n for n in notes)
    assert any("niet dubbel gecodeerd" in n for n in notes)
    # segments, not people: never "n = k", which reads (and is scanned) as a group of people
    assert all(re.match(r"\d+ fragment(en)?\b", n) and "n = " not in n for n in notes)
    assert "0,800" in ax.get_xlabel()
    _inside(fig)


def test_cooccurrence_counts_or_a_sentence():
    plain = themes.cooccurrence(_segments(False), level=1)
    assert not figures.has_cooccurrence(plain) and "geen" in figures.NO_COOCCURRENCE_NL.lower()
    pairs = themes.cooccurrence(_segments(True), level=1)
    assert figures.has_cooccurrence(pairs)
    fig = figures.cooccurrence_figure(themes.cooccurrence_matrix(pairs, value="n_ab")).figure
    cells = [t.get_text() for t in fig.axes[0].texts]
    assert cells == [str(int(n)) for n in pairs.loc[pairs["n_ab"] > 0, "n_ab"]]
    _inside(fig)


def test_agreement_figure_needs_alpha():
    with pytest.raises(ValueError, match="lacks column"):
        figures.agreement_figure(pd.DataFrame({"code_path": ["x"]}))


# ------------------------------------------------------------------ the marks behind the figures
def test_theme_tree_marks_one_bar_per_node_counting_segments():
    tree = themes.theme_hierarchy(_segments(True))
    drawn = figures.theme_tree_figure(tree)
    ax = drawn.figure.axes[0]
    assert len(ax.patches) == len(drawn.marks) == len(tree)
    assert [t.get_text() for t in ax.texts] == [str(n) for n in drawn.marks["n"]]
    assert set(drawn.marks["unit"]) == {"segments"} and not drawn.marks["individual"].any()


def test_cooccurrence_marks_the_labelled_cells():
    pairs = themes.cooccurrence(_segments(True), level=1)
    drawn = figures.cooccurrence_figure(themes.cooccurrence_matrix(pairs, value="n_ab"))
    labelled = drawn.marks[drawn.marks["labelled"]]
    assert [t.get_text() for t in drawn.figure.axes[0].texts] == [str(n) for n in labelled["n"]]
    assert set(drawn.marks["unit"]) == {"segments"}


def test_theme_matrix_marks_a_column_of_one_person_as_individual():
    segments = _segments(False).assign(session_id=lambda s: s["session_id"].map(
        {"FG1": "FG1", "FG2": "INT1"}))
    sessions = pd.DataFrame({"session_id": ["FG1", "INT1"],
                             "session_type": ["focus_group", "interview"],
                             "group": ["therapists", "parents"], "n_participants": [5, 1]})
    matrix = themes.theme_matrix(segments, sessions, by="session_type")
    drawn = figures.theme_matrix_figure(matrix, by="session_type", sessions=sessions)
    ax = drawn.figure.axes[0]
    assert len(drawn.marks) == ax.images[0].get_array().size
    assert [t.get_text() for t in ax.texts] == [str(n) for n in drawn.marks["n"]]
    one = drawn.marks.groupby("column")["individual"].all()
    assert one.to_dict() == {"focus_group": False, "interview": True}
    unknown = figures.theme_matrix_figure(matrix, by="session_type")
    assert unknown.marks["individual"].all()  # nobody can tell: taken for individual


def test_agreement_marks_points_and_their_n():
    table = agreement.agreement_by_code(_segments(False))
    drawn = figures.agreement_figure(table)
    ax = drawn.figure.axes[0]
    points = drawn.marks[drawn.marks["element"] == "point"]
    assert len(ax.lines[0].get_xdata()) == len(points)
    assert [t.get_text().split(",")[0] for t in ax.texts] == [
        f"{n} fragment" if n == 1 else f"{n} fragmenten" for n in drawn.marks["n"]]
