"""analysis.report.figures.trajectories: flow diagram, sessions/hours panels, characteristics."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from test_trajectories import _questionnaires, _trajectories

from analysis.report.figures import trajectories as ft
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
