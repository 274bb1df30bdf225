"""analysis.report.figures.trajectories: flow diagram, sessions/hours panels, characteristics."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from test_trajectories import _questionnaires, _trajectories

from analysis.report.figures import trajectories as ft
from analysis.report.figures.style import LEFT_OUT_NL
from analysis.trajectories import flow as tr


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(20231)


def _large(rng, n: int) -> pd.DataFrame:
    """n synthetic trajectories (seeded), enough for the aggregated mode."""
    obs = rng.integers(3, 6, n)
    return pd.DataFrame({
        "family_id": [f"F{i:05d}" for i in range(n)],
        "observation_sessions": obs,
        "therapy_sessions": obs + rng.integers(0, 23, n),
        "collaboration_hours": rng.uniform(0, 6, n).round(1),
        "therapy": rng.choice(["speltherapie", "pmt", "drama"], n),
        "referral": rng.choice(["parents", "school", "gp", "other"], n),
        "child_age": rng.integers(2, 13, n),
        "child_sex": rng.choice(["m", "f", "x"], n),
    })


def _bars(ax) -> list:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_flow_figure_draws_a_box_per_stage_and_an_arrow_per_link():
    flow = tr.participant_flow(_trajectories(), _questionnaires(), slots=30)
    fig = ft.flow_figure(flow).figure
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    boxes = [t for t in ax.texts if t.get_bbox_patch() is not None]
    assert len(boxes) == len(flow)
    assert len([c for c in ax.get_children() if type(c).__name__ == "Annotation"]) == len(flow) - 1
    texts = " ".join(t.get_text() for t in boxes)
    assert "Gestarte trajecten" in texts and "n = 30" in texts


def test_flow_figure_leaves_out_an_empty_end_only_stage():
    q = _questionnaires()
    flow = tr.participant_flow(_trajectories(), q[q["family_id"] != "F05"], slots=30)
    fig = ft.flow_figure(flow).figure
    boxes = [t for t in fig.axes[0].texts if t.get_bbox_patch() is not None]
    assert len(boxes) == len(flow) - 1
    assert not any("Alleen eindmeting" in t.get_text() for t in boxes)


def test_flow_layout_centres_parents_over_children():
    flow = tr.participant_flow(_trajectories(), _questionnaires(), slots=30)
    pos = ft._flow_layout(flow).set_index("stage")
    kids = ["questionnaire_both", "questionnaire_baseline_only", "questionnaire_end_only",
            "questionnaire_none"]
    assert pos.loc["completed", "x"] == pytest.approx(pos.loc[kids, "x"].mean())
    assert pos.loc["slots", "depth"] == 0 and pos.loc["questionnaire_none", "depth"] == 3


def test_sessions_figure_one_bar_per_family_with_limit_lines():
    data = _trajectories()
    fig = ft.sessions_figure(data).figure
    ax_s, ax_h = fig.axes
    assert len(_bars(ax_s)) == 2 * len(data)  # observation + treatment stacked
    assert len(_bars(ax_h)) == len(data)
    assert ax_s.lines[0].get_ydata()[0] == 25 and ax_h.lines[0].get_ydata()[0] == 5
    assert "1 boven het maximum" in ax_s.get_xlabel()
    assert ax_s.get_ylabel() == "Aantal sessies"


def test_sessions_figure_aggregates_above_threshold(rng):
    data = _large(rng, ft.AGGREGATE_ABOVE + 1)
    fig = ft.sessions_figure(data).figure
    ax_s, ax_h = fig.axes
    assert len(_bars(ax_s)) < 50  # histogram bins, not one bar per family
    assert ax_s.lines[0].get_xdata()[0] == 25 and ax_h.lines[0].get_xdata()[0] == 5
    assert ax_s.get_ylabel() == "Aantal trajecten"


def test_sessions_figure_threshold_is_a_parameter():
    fig = ft.sessions_figure(_trajectories(), aggregate_above=3).figure
    assert fig.axes[0].get_ylabel() == "Aantal trajecten"


def test_characteristics_figure_has_three_dutch_panels():
    fig = ft.characteristics_figure(_trajectories()).figure
    assert [ax.get_title() for ax in fig.axes] == ["Soort vaktherapie", "Aanmeldroute",
                                                   "Leeftijd en geslacht"]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert set(labels) == {"Speltherapie", "PMT"}
    assert len(_bars(fig.axes[1])) == 4
    legend = [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    assert set(legend) == {"Jongen", "Meisje", "Anders/onbekend"}


def test_characteristics_figure_at_scale(rng):
    fig = ft.characteristics_figure(_large(rng, 2000)).figure
    assert len(_bars(fig.axes[0])) == 3


def test_figures_say_which_columns_are_missing():
    with pytest.raises(ValueError, match="collaboration_hours"):
        ft.sessions_figure(_trajectories().drop(columns="collaboration_hours"))
    with pytest.raises(ValueError, match="parent_stage"):
        ft.flow_figure(pd.DataFrame({"stage": ["a"], "label_nl": ["A"], "n": [1]}))


# ------------------------------------------------------------------ the marks behind the figures
def test_flow_marks_are_the_boxes_with_their_sums():
    flow = tr.participant_flow(_trajectories(), _questionnaires(), slots=30)
    drawn = ft.flow_figure(flow)
    boxes = [t.get_text() for t in drawn.figure.axes[0].texts if t.get_bbox_patch() is not None]
    marks = drawn.marks
    assert len(boxes) == len(marks[marks["element"] == "box"]) == len(flow)
    for box, (label, n) in zip(boxes, zip(marks["label"], marks["n"])):
        assert box.endswith(f"n = {n}") and box.split("\n")[0] in label
    started = marks.set_index("stage").loc["started"]
    parts = marks[marks["part_of"] == "started"]
    assert started["total_of"] == "started" and parts["n"].sum() == started["n"]
    assert marks.set_index("stage").at["slots", "unit"] == "places"
    assert marks.set_index("stage").at["dropped_out", "key"] == "trajectories_dropped_out"
    assert drawn.redraw == "analysis.report.figures.trajectories:redraw_flow"


def test_sessions_marks_are_one_bar_per_family_and_individual():
    data = _trajectories()
    drawn = ft.sessions_figure(data)
    ax_s, ax_h = drawn.figure.axes
    bars = drawn.marks[drawn.marks["element"] == "bar"]
    assert len(_bars(ax_s)) == 2 * len(bars[bars["panel"] == ax_s.get_title()])
    assert len(_bars(ax_h)) == len(bars[bars["panel"] == ax_h.get_title()])
    assert bars["individual"].all() and (bars["n"] == 1).all()
    above = drawn.marks.set_index("mark").loc[f"{ax_s.get_title()}: boven het maximum", "n"]
    assert f"{above} boven het maximum" in ax_s.get_xlabel()
    assert drawn.redraw is None


def test_sessions_marks_aggregated_are_bins_of_families(rng):
    data = _large(rng, ft.AGGREGATE_ABOVE + 1)
    drawn = ft.sessions_figure(data)
    ax_s = drawn.figure.axes[0]
    bins = drawn.marks[(drawn.marks["element"] == "bar")
                       & (drawn.marks["panel"] == ax_s.get_title())]
    assert not drawn.marks["individual"].any()
    assert len(bins) == len(_bars(ax_s))
    assert [p.get_height() for p in _bars(ax_s)] == bins["n"].tolist()
    assert bins["n"].sum() == len(data)


def test_characteristics_marks_match_bars_segments_and_title():
    drawn = ft.characteristics_figure(_trajectories())
    ax_t, ax_r, ax_a = drawn.figure.axes
    marks = drawn.marks
    therapy = marks[(marks["panel"] == "Soort vaktherapie") & (marks["element"] == "bar")]
    assert sorted(p.get_width() for p in _bars(ax_t)) == sorted(therapy["n"].tolist())
    segments = marks[marks["element"] == "segment"]
    assert len(_bars(ax_a)) == len(segments)
    assert sorted(p.get_height() for p in _bars(ax_a)) == sorted(segments["n"].tolist())
    stacks = marks[marks["element"] == "stack"]
    assert stacks["n"].sum() == len(_trajectories()) and (stacks["n"] == 1).any()
    title = marks[marks["element"] == "title"].iloc[0]
    assert f"n = {title['n']}" in drawn.figure.get_suptitle()
    assert set(title["total_of"].split(";")) == {"Soort vaktherapie", "Aanmeldroute",
                                                 "Leeftijd en geslacht"}


def test_redraw_characteristics_hides_cells_and_orders_by_label():
    from analysis.publish.figures import hide_cells, suppressed

    drawn = ft.characteristics_figure(_trajectories())
    hiding = hide_cells(drawn.marks, threshold=3)
    redrawn = ft.redraw_characteristics(suppressed(drawn.marks, hiding))
    texts = [t.get_text() for ax in redrawn.figure.axes for t in ax.texts]
    assert "<3" in {t.strip() for t in texts} and not any(t.strip() in {"1", "2"} for t in texts)
    labels = [t.get_text() for t in redrawn.figure.axes[1].get_yticklabels()]
    assert labels == sorted(labels, key=str.lower)
    hidden = set(hiding.reasons)
    assert redrawn.marks.loc[redrawn.marks["mark"].isin(hidden), "n"].isna().all()


def test_ages_of_one_child_each_are_left_out_not_shown_as_small():
    """Eight children of eight different ages: every age reads "<5", and the eight trajectories
    are known (the title, the flow figure), so eight stacks of at least 1 are eight ones, and a
    "0" beside a "<5" tells the child's sex. The checker leaves the age panel out; the other
    panels and the title's n stay."""
    from analysis.publish.figures import hide_cells, suppressed

    drawn = ft.characteristics_figure(_trajectories())
    hiding = hide_cells(drawn.marks, threshold=5)
    marks = drawn.marks.set_index("mark")
    age_marks = set(marks.index[marks["panel"] == "Leeftijd en geslacht"])
    assert age_marks <= hiding.dropped
    assert {m for m in age_marks if 0 < marks.at[m, "n"] < 5} <= hiding.primary
    assert hiding.shown["Trajecten"] == "8"
    redrawn = ft.redraw_characteristics(suppressed(drawn.marks, hiding))
    assert not set(redrawn.marks["mark"]) & age_marks
    texts = [t.get_text() for t in redrawn.figure.axes[2].texts]
    assert texts == [LEFT_OUT_NL]
    assert "(n = 8)" in redrawn.figure.get_suptitle()


def test_a_split_of_a_small_bar_is_left_out_but_a_large_one_is_kept():
    """Two ages: 2 children (both girls) and 9 (5 boys, 4 girls). The 2 cannot be split (a "0"
    beside a "<5" says all are girls); the 9 keep their split with the 4 hidden and the 5
    hidden with it."""
    from analysis.publish.figures import hide_cells

    frame = pd.DataFrame({"therapy": ["pmt"] * 11, "referral": ["parents"] * 11,
                          "child_age": [6, 6] + [9] * 9,
                          "child_sex": ["f", "f"] + ["m"] * 5 + ["f"] * 4})
    hiding = hide_cells(ft.characteristics_figure(frame).marks, threshold=5)
    assert {"Leeftijd 6, Meisje", "Leeftijd 6, Jongen"} <= hiding.dropped
    assert hiding.shown["Leeftijd 9, Meisje"] == "<5"
    assert hiding.shown["Leeftijd 9, Jongen"] == "x"
    assert "Leeftijd 9, Jongen" not in hiding.dropped


def test_a_mark_may_not_write_its_count_into_its_name():
    from analysis.report.figures.drawn import mark, marks_frame

    with pytest.raises(ValueError, match=r"column 'mark'.*holds a count"):
        marks_frame([mark("Trajecten (n = 10)", 10, "families")])
    with pytest.raises(ValueError, match=r"column 'label'"):
        marks_frame([mark("t", 10, "families", label="alle (n=10)")])
