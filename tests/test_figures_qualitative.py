"""analysis.report.figures.qualitative: figures that say something, with nothing clipped."""

from __future__ import annotations

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
    assert all(n.startswith("n = ") for n in notes)
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
