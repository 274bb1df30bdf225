"""Figures of the trajectories strand: participant flow, sessions and hours, characteristics.

Each function takes a prepared table (:func:`analysis.trajectories.flow.participant_flow` output or
the validated trajectories) and returns a :class:`~analysis.report.figures.drawn.Drawn`: the
Figure with Dutch labels and the table behind its marks (families per box, bar and bin; one
mark per family where a bar is one family's own values). Nothing is saved here and no
synthetic-data banner is stamped (the caller applies
:func:`analysis.report.figures.style.add_banner` for synthetic cohorts).

Redrawn for publication with small groups hidden: the flow diagram (:func:`redraw_flow`) and the
characteristics (:func:`redraw_characteristics`). The sessions figure shows one bar per family
(or, aggregated, histogram bins) and has no redraw: it is published whole or not at all.

Size rule: up to :data:`AGGREGATE_ABOVE` trajectories the session and hour panels draw one bar
per family; above it they draw histograms, because hundreds of thin bars are unreadable and slow.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis.report.figures.drawn import Drawn, mark, marks_frame
from analysis.report.figures.style import (
    OKABE_ITO,
    PALETTE,
    draw_count_grid,
    dutch_figure,
    figure_style,
    format_nl,
    left_out_note,
    suppression_note,
    tick_nl,
)
from analysis.trajectories.flow import DEFAULT_LIMITS, LABELS_NL, normalise_limits

AGGREGATE_ABOVE: int = 500
"""More trajectories than this: histograms instead of one mark per family."""

_OPTIONAL_STAGES = {"questionnaire_end_only"}  # drawn only when n > 0
_PLACES = {"slots"}  # stages that count places, not families
_STAGE_KEYS = {"slots": "slots", "started": "trajectories_started",
               "completed": "trajectories_completed", "dropped_out": "trajectories_dropped_out",
               "ongoing": "trajectories_ongoing"}
"""Key number each flow box repeats (questionnaire_* stages are their own key numbers)."""


def flow_figure(flow: pd.DataFrame) -> Drawn:
    """Participant flow as boxes and arrows (CONSORT style), top to bottom.

    Parameters
    ----------
    flow : DataFrame
        Output of :func:`analysis.trajectories.flow.participant_flow` (``stage, label_nl, n,
        parent_stage``); any tree of stages works.

    Returns
    -------
    Drawn
        One axes without frame; one text box per stage (``"label\\nn = N"``) and one arrow per
        parent-child link. ``questionnaire_end_only`` is left out when it is zero. Marks: one
        per box (families; ``slots`` counts places), the repeated key number, and for a box
        whose children add up to it the sum (``Gestart = afgerond + gestopt + loopt nog``).
    """
    missing = [c for c in ("stage", "label_nl", "n", "parent_stage") if c not in flow.columns]
    if missing:
        raise ValueError(f"flow_figure: flow lacks column(s) {missing}; expected the output of "
                         "analysis.trajectories.flow.participant_flow")
    shown = flow[~(flow["stage"].isin(_OPTIONAL_STAGES) & (flow["n"] == 0))]
    marks = _flow_marks(shown)
    fig = _draw_flow(shown.assign(text=[f"n = {int(n)}" for n in shown["n"]]))
    return Drawn(dutch_figure(fig), marks, "analysis.report.figures.trajectories:redraw_flow")


def redraw_flow(marks: pd.DataFrame) -> Drawn:
    """:func:`flow_figure` from a suppressed marks table: hidden boxes read "n = <5" or "n = x"."""
    rows = marks.rename(columns={"label": "label_nl"})
    rows = rows.assign(text=["n = " + str(s) for s in rows["shown"]],
                       parent_stage=rows["parent_stage"].astype("string").fillna("").astype(str))
    fig = _draw_flow(rows)
    suppression_note(fig, rows["shown"])
    out = marks.drop(columns=["hidden", "shown"])
    return Drawn(dutch_figure(fig), out)


def _flow_marks(flow: pd.DataFrame) -> pd.DataFrame:
    """One mark per box; a box whose children add up to it is the total of that sum."""
    n = dict(zip(flow["stage"], flow["n"].astype(int)))
    parents = {s: (p if isinstance(p, str) else "") for s, p in zip(flow["stage"],
                                                                    flow["parent_stage"])}
    sums = {s for s in n if any(p == s for p in parents.values())
            and sum(n[c] for c, p in parents.items() if p == s) == n[s]}
    rows = []
    for stage, label in zip(flow["stage"], flow["label_nl"]):
        key = _STAGE_KEYS.get(stage, stage if stage.startswith("questionnaire_") else "")
        rows.append(mark(str(label), n[stage], "places" if stage in _PLACES else "families",
                         part_of=parents[stage] if parents[stage] in sums else "",
                         total_of=stage if stage in sums else "", key=key, element="box",
                         stage=stage,
                         label=str(label), parent_stage=parents[stage]))
    return marks_frame(rows)


def _draw_flow(rows: pd.DataFrame):
    """The flow diagram for ``rows`` (``stage, label_nl, parent_stage, text``)."""
    layout = _flow_layout(rows)
    width = max(6.0, 1.9 * (layout["x"].max() + 1))
    with figure_style():
        fig = Figure(figsize=(width, 1.3 * (layout["depth"].max() + 1) + 0.6))
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_xlim(-0.6, layout["x"].max() + 0.6)
        ax.set_ylim(-layout["depth"].max() - 0.5, 0.5)
        boxes = {}
        for row in layout.itertuples():
            text = textwrap.fill(str(row.label_nl), 18) + f"\n{row.text}"
            boxes[row.stage] = ax.text(row.x, -row.depth, text, ha="center", va="center",
                                       fontsize=8.5, bbox={"boxstyle": "round,pad=0.4",
                                                           "fc": "white", "lw": 1.2,
                                                           "ec": OKABE_ITO["blue"]})
        for row in layout.itertuples():
            if row.parent_stage in boxes:  # arrow from the parent's bottom to the child's top
                ax.annotate("", xy=(0.5, 1.0), xycoords=boxes[row.stage], xytext=(0.5, 0.0),
                            textcoords=boxes[row.parent_stage],
                            arrowprops={"arrowstyle": "->", "color": OKABE_ITO["grey"],
                                        "shrinkA": 4, "shrinkB": 4})
        ax.set_title("Deelnemersstroom: van plekken in de pilot tot vragenlijsten")
    return fig


def sessions_figure(trajectories: pd.DataFrame, *, limits: Mapping[str, float] | None = None,
                    aggregate_above: int = AGGREGATE_ABOVE) -> Drawn:
    """Sessions and collaboration hours per trajectory against the pilot maxima.

    Parameters
    ----------
    trajectories : DataFrame
        Validated trajectories (``observation_sessions``, ``therapy_sessions`` = all sessions
        incl. observation, ``collaboration_hours``).
    limits : mapping, optional
        ``therapy_sessions`` and ``collaboration_hours`` maxima (or the contract names
        ``max_therapy_sessions``, ``max_collaboration_hours``); default
        :data:`analysis.trajectories.flow.DEFAULT_LIMITS` (25 and 5).
    aggregate_above : int
        Above this many trajectories, histograms replace the per-family bars.

    Returns
    -------
    Drawn
        Two axes. Per-family mode: left, one stacked bar per trajectory (observation +
        treatment sessions, sorted by total) with a dashed line at the session maximum; right,
        one bar per trajectory with a dashed line at the hours maximum. Aggregated mode:
        histograms of total sessions and of hours with the maxima as vertical lines. Marks: a
        bar per family (``individual``) or a bin of families, the number above each maximum
        and the number of trajectories in the title. No redraw: a figure of one bar per family
        is never published, and hiding bins of a histogram leaves little to see.
    """
    limits = {**DEFAULT_LIMITS, **normalise_limits(limits or {})}
    data = _session_table(trajectories)
    aggregated = len(data) > aggregate_above
    with figure_style():
        fig = Figure(figsize=(10, 3.8), layout="constrained")
        ax_s, ax_h = fig.subplots(1, 2)
        if aggregated:
            rows = _hist_with_limit(ax_s, data["total"], limits["therapy_sessions"],
                                    "Sessies per traject")
            rows += _hist_with_limit(ax_h, data["hours"], limits["collaboration_hours"],
                                     "Samenwerkingsuren per traject")
        else:
            rows = _session_bars(ax_s, data, limits["therapy_sessions"])
            rows += _hour_bars(ax_h, data, limits["collaboration_hours"])
        fig.suptitle(f"Inzet per traject (n = {len(data)})")
    sums = [ax_s.get_title(), ax_h.get_title()]
    sums += [f"{t}: histogram" for t in sums] if aggregated else []
    rows.append(mark("Trajecten", len(data), "families", total_of=sums, key="trajectories_n",
                     element="title"))
    return Drawn(dutch_figure(fig), marks_frame(rows))


def characteristics_figure(trajectories: pd.DataFrame) -> Drawn:
    """Therapy type, referral route and child age (by sex) of the trajectories.

    Returns
    -------
    Drawn
        Three axes: horizontal bars of trajectories per therapy type and per referral route
        (Dutch labels of :data:`analysis.trajectories.flow.LABELS_NL`), and a bar chart of children
        per whole year of age, stacked by sex. Counts are aggregated already, so the figure
        looks the same at any size. Marks: every bar and segment (families, children), the
        height of each stack, families without a value (readable as the rest of the title's
        n) and the title's n, with the sums between them. Redrawn for publication by
        :func:`redraw_characteristics`.
    """
    missing = [c for c in ("therapy", "referral", "child_age", "child_sex")
               if c not in trajectories.columns]
    if missing:
        raise ValueError(f"characteristics_figure: trajectories lack column(s) {missing}")
    total = len(trajectories)
    with figure_style():
        fig = Figure(figsize=(11, 3.6), layout="constrained")
        ax_t, ax_r, ax_a = fig.subplots(1, 3)
        rows = _category_bars(ax_t, trajectories["therapy"], "therapy", "Soort vaktherapie")
        rows += _category_bars(ax_r, trajectories["referral"], "referral", "Aanmeldroute")
        rows += _age_bars(ax_a, trajectories)
        fig.suptitle(f"Kenmerken van de trajecten (n = {total})")
    rows.append(mark("Trajecten", total, "families", element="title", key="trajectories_n",
                     total_of=["Soort vaktherapie", "Aanmeldroute", "Leeftijd en geslacht"]))
    marks = _derived_rest(marks_frame(rows), total)
    return Drawn(dutch_figure(fig), marks,
                 "analysis.report.figures.trajectories:redraw_characteristics")


def redraw_characteristics(marks: pd.DataFrame) -> Drawn:
    """:func:`characteristics_figure` from a suppressed marks table.

    Therapy and referral: one bar per shown category, in the order of their labels (never by
    size, which would rank hidden bars among shown ones); a hidden category gets no bar but its
    sign ("<5", "x") at zero. Age and sex: a grid of ages x sex with the age totals, hidden
    cells hatched. Marks the checker left out are not in ``marks``: a panel without any says
    in one line that its groups are too small to show.
    """
    with figure_style():
        fig = Figure(figsize=(11, 4.2), layout="constrained")
        ax_t, ax_r, ax_a = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 1.2]})
        for ax, panel in ((ax_t, "Soort vaktherapie"), (ax_r, "Aanmeldroute")):
            _redraw_category_bars(ax, marks[(marks["panel"] == panel)
                                            & (marks["element"] == "bar")], panel)
        _redraw_age_grid(ax_a, marks[marks["panel"] == "Leeftijd en geslacht"])
        title = marks.loc[marks["element"] == "title", "shown"]
        fig.suptitle("Kenmerken van de trajecten" + (f" (n = {title.iloc[0]})" if len(title)
                                                      else ""))
        suppression_note(fig, marks["shown"])
    out = marks.drop(columns=["hidden", "shown"]).sort_values(["panel", "mark"])
    return Drawn(dutch_figure(fig), out)


def _flow_layout(flow: pd.DataFrame) -> pd.DataFrame:
    """Tidy-tree positions: leaves on consecutive x, a parent centred over its children.

    Returns ``flow`` with ``depth`` (0 = root) and ``x`` added, in the order of ``flow``.
    """
    stages = list(flow["stage"])
    parent = dict(zip(flow["stage"], flow["parent_stage"]))
    children = {s: [c for c in stages if parent[c] == s] for s in stages}
    roots = [s for s in stages if parent[s] not in children]
    x: dict[str, float] = {}
    depth: dict[str, int] = {}
    next_leaf = [0.0]

    def place(stage: str, level: int) -> float:
        depth[stage] = level
        kids = children[stage]
        if kids:
            x[stage] = float(np.mean([place(k, level + 1) for k in kids]))
        else:
            x[stage], next_leaf[0] = next_leaf[0], next_leaf[0] + 1
        return x[stage]

    for root in roots:
        place(root, 0)
    out = flow.copy()
    out["depth"] = out["stage"].map(depth)
    out["x"] = out["stage"].map(x)
    return out


def _session_table(trajectories: pd.DataFrame) -> pd.DataFrame:
    """observation, treatment, total sessions and hours per trajectory, sorted by total."""
    missing = [c for c in ("family_id", "observation_sessions", "therapy_sessions",
                           "collaboration_hours") if c not in trajectories.columns]
    if missing:
        raise ValueError(f"sessions_figure: trajectories lack column(s) {missing}")
    total = pd.to_numeric(trajectories["therapy_sessions"], errors="coerce")
    obs = pd.to_numeric(trajectories["observation_sessions"], errors="coerce")
    data = pd.DataFrame({"family_id": trajectories["family_id"].astype(str).to_numpy(),
                         "observation": obs.to_numpy(dtype=float),
                         "treatment": (total - obs).clip(lower=0).to_numpy(dtype=float),
                         "total": total.to_numpy(dtype=float),
                         "hours": pd.to_numeric(trajectories["collaboration_hours"],
                                                errors="coerce").to_numpy(dtype=float)})
    return data.sort_values(["total", "family_id"], kind="stable").reset_index(drop=True)


def _session_bars(ax, data: pd.DataFrame, limit: float) -> list[dict]:
    pos = np.arange(len(data))
    ax.bar(pos, data["observation"].fillna(0), color=OKABE_ITO["sky_blue"], label="Observatie")
    ax.bar(pos, data["treatment"].fillna(0), bottom=data["observation"].fillna(0),
           color=OKABE_ITO["blue"], label="Behandeling")
    _limit_line(ax.axhline, limit, "sessies")
    above = int((data["total"] > limit).sum())
    title = "Sessies per traject"
    ax.set(xticks=[], xlabel=f"Trajecten (gesorteerd); {above} boven het maximum",
           ylabel="Aantal sessies", title=title)
    _headroom(ax, max(limit, float(data["total"].max())))
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    rows = [mark(f"{title}: traject {i + 1}", 1, "families", individual=True, panel=title,
                 element="bar", observation=r.observation, treatment=r.treatment, total=r.total)
            for i, r in enumerate(data.itertuples())]
    return rows + _above_marks(title, above, len(data), limit, "sessies")


def _hour_bars(ax, data: pd.DataFrame, limit: float) -> list[dict]:
    ordered = data.sort_values(["hours", "family_id"], kind="stable")
    ax.bar(np.arange(len(ordered)), ordered["hours"].fillna(0), color=OKABE_ITO["bluish_green"])
    _limit_line(ax.axhline, limit, "uur")
    above = int((ordered["hours"] > limit).sum())
    title = "Samenwerkingsuren per traject"
    ax.set(xticks=[], xlabel=f"Trajecten (gesorteerd); {above} boven het maximum",
           ylabel="Samenwerkingsuren", title=title)
    _headroom(ax, max(limit, float(ordered["hours"].max())))
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    rows = [mark(f"{title}: traject {i + 1}", 1, "families", individual=True, panel=title,
                 element="bar", hours=h) for i, h in enumerate(ordered["hours"])]
    return rows + _above_marks(title, above, len(data), limit, "uur")


def _hist_with_limit(ax, values: pd.Series, limit: float, title: str) -> list[dict]:
    x = values.dropna()
    counts, edges, _ = ax.hist(x, bins=min(40, max(5, int(np.sqrt(len(x))))),
                               color=OKABE_ITO["blue"])
    _limit_line(ax.axvline, limit, "")
    above = int((x > limit).sum())
    ax.set(xlabel=f"{title.split(' per ')[0]} ({above} boven het maximum)",
           ylabel="Aantal trajecten", title=title)
    ax.legend(frameon=False, fontsize=8)
    rows = [mark(f"{title}: {format_nl(lo, 1)} tot {format_nl(hi, 1)}", count, "families",
                 panel=title, part_of=f"{title}: histogram", element="bar", x_low=lo, x_high=hi)
            for count, lo, hi in zip(counts, edges[:-1], edges[1:])]
    rows.append(mark(f"{title}: onbekend", len(values) - len(x), "families", panel=title,
                     part_of=f"{title}: histogram", element="derived"))
    return rows + _above_marks(title, above, len(values), limit, "")


def _above_marks(panel: str, above: int, total: int, limit: float, unit: str) -> list[dict]:
    """The count written under a panel ("3 boven het maximum"), the rest it leaves (readable
    by subtraction) and the pilot's maximum line."""
    return [mark(f"{panel}: boven het maximum", above, "families", panel=panel, part_of=panel,
                 element="text"),
            mark(f"{panel}: niet boven het maximum", total - above, "families", panel=panel,
                 part_of=panel, element="derived"),
            mark(f"{panel}: maximum pilot", None, "sessions" if unit == "sessies" else "hours"
                 if unit == "uur" else "none", panel=panel, element="line", value=limit)]


def _headroom(ax, top: float) -> None:
    """Room above the highest bar or limit line, so the legend never covers them."""
    ax.set_ylim(0, top * 1.3)


def _limit_line(draw, limit: float, unit: str) -> None:
    label = f"Maximum pilot: {format_nl(limit, 0)} {unit}".rstrip()
    draw(limit, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2, label=label)


def _category_bars(ax, values: pd.Series, variable: str, title: str) -> list[dict]:
    counts = values.dropna().astype(str).value_counts().sort_index()
    counts = counts.sort_values(kind="stable")
    labels = [LABELS_NL[variable].get(v, v) for v in counts.index]
    ax.barh(labels, counts.to_numpy(), color=OKABE_ITO["blue"])
    for y, n in enumerate(counts.to_numpy()):
        ax.text(n, y, f" {n}", va="center", fontsize=8)
    ax.set(xlabel="Aantal trajecten", title=title)
    return [mark(f"{title}: {label}", n, "families", panel=title, part_of=title,
                 element="bar", category=value, label=label)
            for value, label, n in zip(counts.index, labels, counts.to_numpy())]


def _age_bars(ax, trajectories: pd.DataFrame) -> list[dict]:
    ages = pd.to_numeric(trajectories["child_age"], errors="coerce")
    sex = trajectories["child_sex"].astype("string").fillna("x")  # missing shown as x
    table = pd.crosstab(ages, sex).sort_index()
    bottom = np.zeros(len(table))
    title = "Leeftijd en geslacht"
    rows = []
    for i, sex in enumerate(table.columns):
        label = LABELS_NL["child_sex"].get(sex, sex)
        ax.bar(table.index.to_numpy(dtype=float), table[sex].to_numpy(), bottom=bottom,
               color=PALETTE[i % len(PALETTE)], label=label)
        bottom += table[sex].to_numpy()
        rows += [mark(f"Leeftijd {tick_nl(age)}, {label}", n, "children", panel=title,
                      part_of=f"Leeftijd {tick_nl(age)}", element="segment", age=tick_nl(age),
                      sex=sex, label=label) for age, n in zip(table.index, table[sex])]
    rows += [mark(f"Leeftijd {tick_nl(age)}", n, "children", panel=title,
                  total_of=f"Leeftijd {tick_nl(age)}", part_of=title, element="stack",
                  age=tick_nl(age)) for age, n in zip(table.index, table.sum(axis=1))]
    ax.set(xlabel="Leeftijd kind (jaren)", ylabel="Aantal kinderen", title=title)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8)
    return rows


def _derived_rest(marks: pd.DataFrame, total: int) -> pd.DataFrame:
    """Add, per panel of parts of the title's n, the families without a value (total minus the
    parts: a reader can work it out, so it is a mark too)."""
    rest = []
    for panel in ("Soort vaktherapie", "Aanmeldroute", "Leeftijd en geslacht"):
        parts = marks[marks["part_of"] == panel]
        missing = total - int(parts["n"].sum())
        rest.append(mark(f"{panel}: onbekend", missing, "families", panel=panel,
                         part_of=panel, element="derived"))
    return marks_frame([*marks.to_dict("records"), *rest])


def _redraw_category_bars(ax, bars: pd.DataFrame, title: str) -> None:
    if bars.empty:
        left_out_note(ax, title)
        return
    bars = bars.sort_values("label", key=lambda s: s.astype(str).str.lower())
    y = np.arange(len(bars))
    width = np.where(bars["hidden"], 0.0, bars["n"].astype("Float64").fillna(0).to_numpy(float))
    ax.barh(y, width, color=OKABE_ITO["blue"])
    for yy, w, text, secret in zip(y, width, bars["shown"], bars["hidden"]):
        ax.text(w, yy, f" {text}", va="center", fontsize=8,
                color="0.35" if secret else OKABE_ITO["black"])
    ax.set_yticks(y, [str(label) for label in bars["label"]])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(xlabel="Aantal trajecten", title=title)
    if len(bars):
        ax.set_xlim(0, max(1.0, float(width.max())) * 1.25)


def _redraw_age_grid(ax, marks: pd.DataFrame) -> None:
    """Ages x sex as a grid; a cell the checker left out (the split of an age too small to
    show) is hatched and empty, and an age panel left out altogether says so in one line."""
    cells = marks[marks["element"] == "segment"]
    ages = sorted(set(marks.loc[marks["element"].isin(["segment", "stack"]), "age"].astype(str)),
                  key=lambda a: float(a.replace(",", ".").replace("\u2212", "-")))
    sexes = list(dict.fromkeys(cells["label"].astype(str)))
    texts = pd.DataFrame("", index=ages, columns=[*sexes, "Totaal"])
    hidden = pd.DataFrame(True, index=ages, columns=texts.columns)
    lookup = marks.set_index("mark")
    for age in ages:
        for column in texts.columns:
            key = f"Leeftijd {age}" + ("" if column == "Totaal" else f", {column}")
            if key in lookup.index:
                texts.loc[age, column] = lookup.at[key, "shown"]
                hidden.loc[age, column] = bool(lookup.at[key, "hidden"])
    draw_count_grid(ax, texts, hidden, row_title="Leeftijd kind (jaren)",
                    column_title="Aantal kinderen", title="Leeftijd en geslacht")
