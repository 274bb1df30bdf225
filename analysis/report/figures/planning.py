"""Figures of the follow-up plan: power and precision against the number of families enrolled.

Each function takes a tidy table of :mod:`analysis.follow_up` (precision, power, two_group) and returns a
:class:`~analysis.report.figures.drawn.Drawn` (the Figure with Dutch labels and the table behind
its marks); nothing is saved and no synthetic-data banner is stamped here
(:func:`analysis.report.provenance.save_figure` does that).

The curves are planned numbers, not people: their marks count nothing (unit ``none``). What the
figures repeat from the pilot is marked with its key number, so that a figure is not published
with a value the published key numbers hide: the completion rate in the note under every
figure (:data:`COMPLETION_KEY`) and the pilot's own point in the precision figure (families
analysed and enrolled, the half-width of its interval; :data:`PILOT_KEYS`). There is no redraw:
without the completion rate the curves cannot be read.

``power_curve_figure``
    :func:`analysis.follow_up.power.power_curves`: one panel per test, one line per effect scenario.
``two_group_curve_figure``
    :func:`analysis.follow_up.two_group.two_group_curves`: one line per between-group effect.
``precision_curve_figure``
    :func:`analysis.follow_up.precision.precision_curves`: half-width of the interval around a share, one
    line per assumed share, with the pilot's own interval as a point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.errors import ConfigError
from analysis.questionnaires.instruments import load_instrument
from analysis.report.figures.drawn import Drawn, mark, marks_frame
from analysis.report.figures.style import (
    OKABE_ITO,
    PALETTE,
    dutch_figure,
    figure_style,
    format_nl,
    ordered_colours,
)

COMPLETION_KEY: str = "follow_up_completion_rate"
"""Key number of the completion rate that every figure's note repeats (notebook 04)."""

PILOT_KEYS: dict[str, str] = {"n_analysed": "follow_up_reliable_improvement_n",
                              "n_enrolled": "trajectories_started",
                              "half_width": "follow_up_pilot_half_width"}
"""Key numbers the pilot's point in the precision figure repeats."""

SCENARIO_COLOURS: dict[str, str] = {"observed": OKABE_ITO["blue"],
                                    "safeguard": OKABE_ITO["orange"],
                                    "ci_bound": OKABE_ITO["vermillion"]}
ASSUMPTION_COLOURS: dict[str, str] = {"pilot": OKABE_ITO["blue"],
                                      "worst_case": OKABE_ITO["grey"]}
_METHOD_ORDER = ("paired_t", "wilcoxon_simulation")
_TARGET_STYLE = {"color": OKABE_ITO["black"], "lw": 0.8, "ls": "--", "alpha": 0.6}
_PERCENT = FuncFormatter(lambda value, _: f"{format_nl(100 * value, 0)}%")


def _require(table: pd.DataFrame, columns: Iterable[str], what: str, source: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{what}: table lacks column(s) {missing}; expected the output of "
                         f"{source}")
    if table.empty:
        raise ValueError(f"{what}: table is empty; nothing to draw")


def _scale_label(instrument: str, scale: str) -> str:
    try:
        definition = load_instrument(instrument)
    except ConfigError:  # an unknown instrument: show the names as they are
        return f"{instrument} {scale}"
    if scale in definition.scales:
        return f"{instrument.upper()}: {definition.scales[scale].label.lower()}"
    composite = (definition.composites or {}).get(scale) or {}
    return f"{instrument.upper()}: {str(composite.get('label', scale)).lower()}"


def _completion_mark(rate: float) -> dict:
    return mark("Afronding (noot)", None, "none", element="text", key=COMPLETION_KEY,
                value=float(rate))


def _target_marks(targets: Iterable[float], panel: str = "") -> list[dict]:
    return [mark(f"{panel + ': ' if panel else ''}doel {format_nl(100 * t, 0)}%", None, "none",
                 panel=panel, element="line", value=float(t)) for t in targets]


def _completion_note(fig: Figure, rate: float) -> None:
    """A grey note on a strip kept free below the content (constrained layout)."""
    strip = 0.22 / fig.get_size_inches()[1]
    fig.get_layout_engine().set(rect=(0, strip, 1, 1 - strip))
    fig.text(0.01, 0.3 * strip, f"Aangemeld = geanalyseerd / {format_nl(rate, 2)} (afronding "
             f"{format_nl(100 * rate, 0)}%: gezinnen met begin- en eindmeting).",
             fontsize=8, color=OKABE_ITO["grey"], ha="left", va="bottom")


def _draw_targets(ax, targets: Iterable[float]) -> None:
    for target in targets:
        ax.axhline(target, **_TARGET_STYLE)
        ax.annotate(f"{format_nl(100 * target, 0)}%", xy=(1.0, target),
                    xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=8)


def power_curve_figure(curves: pd.DataFrame, *, targets: Iterable[float] = (0.8, 0.9),
                       instrument: str = "sdq") -> Drawn:
    """Power of the within-family change against families enrolled.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`analysis.follow_up.power.power_curves` (``scale, scenario, scenario_nl, method,
        method_nl, n_enrolled, power, mc_se, completion_rate``).
    targets : iterable of float
        Power levels drawn as dashed lines.
    instrument : str
        Instrument of the scale, for the title.

    Returns
    -------
    Drawn
        One panel per test (paired t, Wilcoxon simulation), one line per scenario; the
        simulation has a band of +/- 2 Monte Carlo SE. Marks: every point of every line
        (``n_enrolled``, ``power``, ``mc_se``), the target lines and the completion note.
    """
    _require(curves, ["scale", "scenario", "scenario_nl", "method", "method_nl", "n_enrolled",
                      "power", "mc_se", "completion_rate"], "power_curve_figure",
             "analysis.follow_up.power.power_curves")
    methods = [m for m in _METHOD_ORDER if m in set(curves["method"])]
    methods += sorted(set(curves["method"]) - set(methods))
    targets = list(targets)
    rows: list[dict] = []
    with figure_style():
        fig = Figure(figsize=(4.2 * len(methods) + 1.0, 4.2), layout="constrained")
        axes = fig.subplots(1, len(methods), sharey=True, squeeze=False)[0]
        for ax, method in zip(axes, methods):
            part = curves[curves["method"] == method]
            for scenario, line in part.groupby("scenario", sort=False):
                line = line.sort_values("n_enrolled")
                colour = SCENARIO_COLOURS.get(scenario, PALETTE[len(ax.lines) % len(PALETTE)])
                ax.plot(line["n_enrolled"], line["power"], marker="o", ms=3, color=colour,
                        label=line["scenario_nl"].iloc[0])
                panel = str(part["method_nl"].iloc[0])
                rows += [mark(f"{panel}: {r.scenario_nl}, {int(r.n_enrolled)}",
                              None, "none", panel=panel,
                              element="point", scenario=r.scenario, n_enrolled=int(r.n_enrolled),
                              power=float(r.power), mc_se=float(r.mc_se))
                         for r in line.itertuples()]
                if (line["mc_se"] > 0).any():
                    ax.fill_between(line["n_enrolled"], line["power"] - 2 * line["mc_se"],
                                    line["power"] + 2 * line["mc_se"], color=colour,
                                    alpha=0.2, lw=0)
            _draw_targets(ax, targets)
            ax.set_title(part["method_nl"].iloc[0])
            rows += _target_marks(targets, str(part["method_nl"].iloc[0]))
            ax.set_xlabel("Aangemelde gezinnen")
            ax.set_ylim(0, 1.02)
            ax.yaxis.set_major_formatter(_PERCENT)
        axes[0].set_ylabel("Power (kans op een significante verandering)")
        axes[0].legend(loc="lower right", fontsize=8, title="Aangenomen effect",
                       title_fontsize=8)
        fig.suptitle(f"Power voor de verandering binnen gezinnen "
                     f"({_scale_label(instrument, curves['scale'].iloc[0])})")
        _completion_note(fig, float(curves["completion_rate"].iloc[0]))
    rows.append(_completion_mark(float(curves["completion_rate"].iloc[0])))
    return Drawn(dutch_figure(fig), marks_frame(rows))


def two_group_curve_figure(curves: pd.DataFrame, *,
                           targets: Iterable[float] = (0.8, 0.9)) -> Drawn:
    """Power of a comparison-group design against families enrolled per group.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`analysis.follow_up.two_group.two_group_curves` (``effect_size, n_enrolled_per_arm,
        power, completion_rate``).
    targets : iterable of float
        Power levels drawn as dashed lines.

    Returns
    -------
    Drawn
        One line per between-group effect (Cohen's d). Marks: every point, the target lines
        and the completion note.
    """
    _require(curves, ["effect_size", "n_enrolled_per_arm", "power", "completion_rate"],
             "two_group_curve_figure", "analysis.follow_up.two_group.two_group_curves")
    targets, rows = list(targets), []
    with figure_style():
        fig = Figure(figsize=(7.0, 4.4), layout="constrained")
        ax = fig.subplots()
        ramp = ordered_colours(curves["effect_size"].nunique())  # ordered values: one hue
        for i, (effect, line) in enumerate(curves.groupby("effect_size", sort=True)):
            line = line.sort_values("n_enrolled_per_arm")
            ax.plot(line["n_enrolled_per_arm"], line["power"], color=ramp[i],
                    marker="o", ms=3, label=f"d = {format_nl(effect, 1)}")
            rows += [mark(f"d = {format_nl(effect, 2)}, {int(n)} per groep", None, "none",
                          element="point", effect_size=float(effect), n_enrolled_per_arm=int(n),
                          power=float(pw))
                     for n, pw in zip(line["n_enrolled_per_arm"], line["power"])]
        _draw_targets(ax, targets)
        rows += _target_marks(targets)
        ax.set_xlabel("Aangemelde gezinnen per groep (gebruikelijke zorg en geïntegreerde aanpak)")
        ax.set_ylabel("Power")
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(_PERCENT)
        ax.legend(loc="lower right", fontsize=8, title="Verschil tussen groepen",
                  title_fontsize=8, ncols=2)
        ax.set_title("Power van een vergelijking met gebruikelijke zorg (t-toets, twee groepen)")
        _completion_note(fig, float(curves["completion_rate"].iloc[0]))
    rows.append(_completion_mark(float(curves["completion_rate"].iloc[0])))
    return Drawn(dutch_figure(fig), marks_frame(rows))


def precision_curve_figure(curves: pd.DataFrame, *,
                           targets: Iterable[float] = (0.05, 0.10, 0.15),
                           pilot: Mapping | None = None) -> Drawn:
    """Expected precision of the share with a reliable improvement against families enrolled.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`analysis.follow_up.precision.precision_curves` (``assumption, assumption_nl, p,
        n_enrolled, half_width, method, confidence, completion_rate``).
    targets : iterable of float
        Target half-widths, drawn as dashed lines.
    pilot : Mapping, optional
        :func:`analysis.follow_up.precision.pilot_precision` (``n_enrolled``, ``n_analysed``,
        ``half_width``): the pilot's own interval as a point (at ``n_analysed`` when the
        number enrolled is unknown).

    Returns
    -------
    Drawn
        Half-width in percentage points, one line per assumed share. Marks: every point, the
        target lines, the completion note and the pilot's point with its families analysed
        and enrolled (counts of families, so the figure is withheld when one is small).
    """
    _require(curves, ["assumption", "assumption_nl", "p", "n_enrolled", "half_width", "method",
                      "confidence", "completion_rate"], "precision_curve_figure",
             "analysis.follow_up.precision.precision_curves")
    targets, rows = list(targets), []
    with figure_style():
        fig = Figure(figsize=(7.0, 4.4), layout="constrained")
        ax = fig.subplots()
        for assumption, line in curves.groupby("assumption", sort=False):
            line = line.sort_values("n_enrolled")
            label = f"{line['assumption_nl'].iloc[0]} ({format_nl(100 * line['p'].iloc[0], 0)}%)"
            ax.plot(line["n_enrolled"], 100 * line["half_width"], label=label,
                    color=ASSUMPTION_COLOURS.get(assumption, PALETTE[len(ax.lines)]))
            rows += [mark(f"{label}, {int(n)}", None, "none", element="point",
                          assumption=assumption, p=float(line["p"].iloc[0]), n_enrolled=int(n),
                          half_width=float(h)) for n, h in zip(line["n_enrolled"],
                                                               line["half_width"])]
        rows += [mark(f"doel ±{format_nl(100 * t, 0)}", None, "none", element="line",
                      value=float(t)) for t in targets]
        for target in targets:
            ax.axhline(100 * target, **_TARGET_STYLE)
            ax.annotate(f"±{format_nl(100 * target, 0)}", xy=(1.0, 100 * target),
                        xycoords=("axes fraction", "data"), xytext=(2, 0),
                        textcoords="offset points", va="center", fontsize=8)
        if pilot is not None:
            _draw_pilot(ax, pilot)
            rows += _pilot_marks(pilot)
        level = format_nl(100 * float(curves["confidence"].iloc[0]), 0)
        method = {"clopper-pearson": "exact", "wilson": "Wilson"}.get(
            curves["method"].iloc[0], curves["method"].iloc[0])
        ax.set_xlabel("Aangemelde gezinnen")
        ax.set_ylabel(f"Halve breedte {level}%-interval (procentpunt)")
        ax.set_ylim(0, None)
        ax.legend(loc="upper right", fontsize=8, title="Verwacht aandeel", title_fontsize=8)
        ax.set_title(f"Precisie van het aandeel met betrouwbare verbetering ({method} interval)")
        _completion_note(fig, float(curves["completion_rate"].iloc[0]))
    rows.append(_completion_mark(float(curves["completion_rate"].iloc[0])))
    return Drawn(dutch_figure(fig), marks_frame(rows))


def _pilot_marks(pilot: Mapping) -> list[dict]:
    """The pilot's point: its half-width and the families it counts (analysed, enrolled)."""
    rows = [mark("pilot: halve breedte", None, "none", element="point",
                 key=PILOT_KEYS["half_width"], half_width=float(pilot["half_width"])),
            mark("pilot: geanalyseerd", pilot["n_analysed"], "families", element="text",
                 key=PILOT_KEYS["n_analysed"])]
    if pilot.get("n_enrolled") is not None:
        rows.append(mark("pilot: aangemeld", pilot["n_enrolled"], "families", element="text",
                         key=PILOT_KEYS["n_enrolled"]))
    return rows


def _draw_pilot(ax, pilot: Mapping) -> None:
    enrolled = pilot.get("n_enrolled")
    x = enrolled if enrolled is not None else pilot["n_analysed"]
    y = 100 * float(pilot["half_width"])
    counted = (f"{pilot['n_analysed']} van {enrolled}" if enrolled is not None
               else f"{pilot['n_analysed']}")
    ax.plot([x], [y], marker="D", ms=7, color=OKABE_ITO["vermillion"], ls="none",
            label="pilot")
    ax.annotate(f"pilot: ±{format_nl(y, 0)} ({counted} gezinnen)", xy=(x, y),
                xytext=(8, 4), textcoords="offset points", fontsize=8,
                color=OKABE_ITO["vermillion"])
