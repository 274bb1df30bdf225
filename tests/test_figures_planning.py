"""analysis.report.figures.planning: power curves, comparison-group curves and precision curves."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from test_planning import _changes, _fragments

from analysis.follow_up import inputs as fu_inputs
from analysis.follow_up import power as fu_power
from analysis.follow_up import precision as fu_precision
from analysis.follow_up import two_group as fu_two_group
from analysis.report.figures import planning as fp
from analysis.report.figures.style import SYNTHETIC_BANNER, add_banner


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def inputs():
    return fu_inputs.planning_inputs(_changes(), _fragments())


@pytest.fixture(scope="module")
def power_curves(inputs):
    return fu_power.power_curves(inputs, [10, 20, 40, 80], n_sim=200, seed=1)


def _data_lines(ax):
    """Lines drawn from data (target lines are horizontal lines spanning the axes)."""
    return [line for line in ax.get_lines() if len(line.get_xdata()) > 2]


def _renders(fig: Figure) -> None:
    fig.savefig(io.BytesIO(), format="png")


def test_power_curve_figure_draws_one_panel_per_test_and_a_line_per_scenario(power_curves):
    fig = fp.power_curve_figure(power_curves, targets=(0.8, 0.9)).figure
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["Gepaarde t-toets",
                                                   "Wilcoxon-toets (simulatie)"]
    for ax in fig.axes:  # the 95% bound is next to zero: no curve for it (two scenarios)
        assert len(_data_lines(ax)) == 2
        assert ax.get_xlabel() == "Aangemelde gezinnen"
        horizontal = {tuple(line.get_ydata()) for line in ax.get_lines()
                      if len(line.get_xdata()) == 2}
        assert horizontal == {(0.8, 0.8), (0.9, 0.9)}
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["waargenomen effect", "voorzichtig effect: grens 60%-interval"]
    assert "totale problemenscore" in fig._suptitle.get_text()
    assert any("afronding 64%" in t.get_text() for t in fig.texts)
    _renders(fig)


def test_power_curve_figure_draws_the_data(power_curves):
    fig = fp.power_curve_figure(power_curves).figure
    observed = power_curves.query("method == 'paired_t' and scenario == 'observed'")
    line = _data_lines(fig.axes[0])[0]
    assert list(line.get_xdata()) == observed["n_enrolled"].tolist()
    assert list(line.get_ydata()) == pytest.approx(observed["power"].tolist())
    assert len(fig.axes[1].collections) == 2  # Monte Carlo bands of the simulation


def test_power_curve_figure_with_one_test(power_curves):
    fig = fp.power_curve_figure(power_curves[power_curves["method"] == "paired_t"]).figure
    assert len(fig.axes) == 1 and not fig.axes[0].collections


def test_power_curve_figure_takes_a_synthetic_banner(power_curves):
    fig = add_banner(fp.power_curve_figure(power_curves).figure)
    assert any(t.get_text() == SYNTHETIC_BANNER for t in fig.texts)
    _renders(fig)


@pytest.mark.parametrize("draw, table", [
    (fp.power_curve_figure, "power"), (fp.two_group_curve_figure, "two_group"),
    (fp.precision_curve_figure, "precision")])
def test_figures_reject_a_wrong_or_empty_table(draw, table, power_curves):
    with pytest.raises(ValueError, match="lacks column"):
        draw(power_curves.drop(columns=["n_enrolled", "power"], errors="ignore")
             .rename(columns={"scale": "schaal"}))
    empty = {"power": power_curves.iloc[:0],
             "two_group": fu_two_group.two_group_curves([10], completion_rate=0.5).iloc[:0],
             "precision": fu_precision.precision_curves(fu_inputs.planning_inputs(
                 _changes(), _fragments()), [10]).iloc[:0]}[table]
    with pytest.raises(ValueError, match="table is empty"):
        draw(empty)


def test_two_group_curve_figure_draws_a_line_per_effect():
    curves = fu_two_group.two_group_curves([10, 50, 100, 200], completion_rate=14 / 22,
                                       effect_sizes=[0.2, 0.5, 0.8])
    fig = fp.two_group_curve_figure(curves, targets=[0.8]).figure
    ax = fig.axes[0]
    assert len(_data_lines(ax)) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["d = 0,2", "d = 0,5",
                                                                   "d = 0,8"]
    assert "per groep" in ax.get_xlabel()
    _renders(fig)


def test_precision_curve_figure_in_percentage_points_with_the_pilot(inputs):
    curves = fu_precision.precision_curves(inputs, [10, 20, 40, 80, 160])
    fig = fp.precision_curve_figure(curves, targets=(0.05, 0.10),
                                    pilot=fu_precision.pilot_precision(inputs)).figure
    ax = fig.axes[0]
    lines = _data_lines(ax)
    assert len(lines) == 2  # pilot share and worst case
    pilot_line = curves[curves["assumption"] == "pilot"]
    assert list(lines[0].get_ydata()) == pytest.approx((100 * pilot_line["half_width"]).tolist())
    marker = [line for line in ax.get_lines() if line.get_label() == "pilot"]
    assert len(marker) == 1
    half = 100 * inputs.reliable["half_width"].iloc[0]
    assert list(marker[0].get_xdata()) == [22] and marker[0].get_ydata()[0] == pytest.approx(half)
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("pilot: ±23 (14 van 22 gezinnen)") for t in texts)
    assert {"±5", "±10"} <= set(texts)
    assert ax.get_ylabel() == "Halve breedte 95%-interval (procentpunt)"
    assert "exact interval" in ax.get_title()
    _renders(fig)


def test_precision_curve_figure_without_enrolment_or_pilot(inputs):
    curves = fu_precision.precision_curves(inputs, [10, 20, 40], method="wilson",
                                       worst_case=False)
    fig = fp.precision_curve_figure(curves, pilot={"n_enrolled": None, "n_analysed": 14,
                                                   "half_width": 0.2}).figure
    marker = [line for line in fig.axes[0].get_lines() if line.get_label() == "pilot"][0]
    assert list(marker.get_xdata()) == [14]
    assert "Wilson interval" in fig.axes[0].get_title()
    bare = fp.precision_curve_figure(curves).figure
    assert not [line for line in bare.axes[0].get_lines() if line.get_label() == "pilot"]
    assert np.isfinite(bare.axes[0].get_ylim()).all()


# ------------------------------------------------------------------ the marks behind the figures
def test_planning_marks_are_planned_points_and_the_pilot(inputs, power_curves):
    drawn = fp.power_curve_figure(power_curves)
    points = drawn.marks[drawn.marks["element"] == "point"]
    assert len(points) == sum(len(line.get_xdata()) for ax in drawn.figure.axes
                              for line in _data_lines(ax))
    assert points["n"].isna().all() and set(points["unit"]) == {"none"}
    note = drawn.marks.set_index("mark").loc["Afronding (noot)"]
    assert note["key"] == fp.COMPLETION_KEY and note["value"] == pytest.approx(
        power_curves["completion_rate"].iloc[0])
    pilot = fu_precision.pilot_precision(inputs)
    curves = fu_precision.precision_curves(inputs, [10, 20, 40])
    marks = fp.precision_curve_figure(curves, pilot=pilot).marks.set_index("mark")
    assert marks.at["pilot: geanalyseerd", "n"] == pilot["n_analysed"]
    assert marks.at["pilot: geanalyseerd", "unit"] == "families"
    assert marks.at["pilot: aangemeld", "key"] == "trajectories_started"


def test_ordered_values_get_an_ordered_palette_light_to_dark():
    from analysis.report.display import contrast_ratio
    from analysis.report.figures.style import ordered_colours

    colours = ordered_colours(7)
    darkness = [contrast_ratio(c, "#ffffff") for c in colours]
    assert darkness == sorted(darkness) and len(set(colours)) == 7  # lightness follows the order
    assert "#F0E442" not in colours  # no categorical yellow among ordered values
