"""Figures of the trajectories strand: participant flow, sessions and hours, characteristics.

Each function takes a prepared table (:func:`analysis.trajectories.flow.participant_flow` output or
the validated trajectories) and returns a :class:`matplotlib.figure.Figure` with Dutch labels;
nothing is saved here and no synthetic-data banner is stamped (the caller applies
:func:`analysis.report.figures.style.add_banner` for synthetic cohorts).

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

from analysis.report.figures.style import OKABE_ITO, PALETTE, dutch_figure, figure_style, format_nl
from analysis.trajectories.flow import DEFAULT_LIMITS, LABELS_NL, normalise_limits

AGGREGATE_ABOVE: int = 500
"""More trajectories than this: histograms instead of one mark per family."""

_OPTIONAL_STAGES = {"questionnaire_end_only"}  # drawn only when n > 0


def flow_figure(flow: pd.DataFrame) -> Figure:
    """Participant flow as boxes and arrows (CONSORT style), top to bottom.

    Parameters
    ----------
    flow : DataFrame
        Output of :func:`analysis.trajectories.flow.participant_flow` (``stage, label_nl, n,
        parent_stage``); any tree of stages works.

    Returns
    -------
    Figure
        One axes without frame; one text box per stage (``"label\\nn = N"``) and one arrow per
        parent-child link. ``questionnaire_end_only`` is left out when it is zero.
    """
    missing = [c for c in ("stage", "label_nl", "n", "parent_stage") if c not in flow.columns]
    if missing:
        raise ValueError(f"flow_figure: flow lacks column(s) {missing}; expected the output of "
                         "analysis.trajectories.flow.participant_flow")
    shown = flow[~(flow["stage"].isin(_OPTIONAL_STAGES) & (flow["n"] == 0))]
    layout = _flow_layout(shown)
    width = max(6.0, 1.9 * (layout["x"].max() + 1))
    with figure_style():
        fig = Figure(figsize=(width, 1.3 * (layout["depth"].max() + 1) + 0.6))
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_xlim(-0.6, layout["x"].max() + 0.6)
        ax.set_ylim(-layout["depth"].max() - 0.5, 0.5)
        boxes = {}
        for row in layout.itertuples():
            text = textwrap.fill(str(row.label_nl), 18) + f"\nn = {int(row.n)}"
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
    return dutch_figure(fig)


def sessions_figure(trajectories: pd.DataFrame, *, limits: Mapping[str, float] | None = None,
                    aggregate_above: int = AGGREGATE_ABOVE) -> Figure:
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
    Figure
        Two axes. Per-family mode: left, one stacked bar per trajectory (observation +
        treatment sessions, sorted by total) with a dashed line at the session maximum; right,
        one bar per trajectory with a dashed line at the hours maximum. Aggregated mode:
        histograms of total sessions and of hours with the maxima as vertical lines.
    """
    limits = {**DEFAULT_LIMITS, **normalise_limits(limits or {})}
    data = _session_table(trajectories)
    aggregated = len(data) > aggregate_above
    with figure_style():
        fig = Figure(figsize=(10, 3.8), layout="constrained")
        ax_s, ax_h = fig.subplots(1, 2)
        if aggregated:
            _hist_with_limit(ax_s, data["total"], limits["therapy_sessions"], "Sessies per traject")
            _hist_with_limit(ax_h, data["hours"], limits["collaboration_hours"],
                             "Samenwerkingsuren per traject")
        else:
            _session_bars(ax_s, data, limits["therapy_sessions"])
            _hour_bars(ax_h, data, limits["collaboration_hours"])
        fig.suptitle(f"Inzet per traject (n = {len(data)})")
    return dutch_figure(fig)


def characteristics_figure(trajectories: pd.DataFrame) -> Figure:
    """Therapy type, referral route and child age (by sex) of the trajectories.

    Returns
    -------
    Figure
        Three axes: horizontal bars of trajectories per therapy type and per referral route
        (Dutch labels of :data:`analysis.trajectories.flow.LABELS_NL`), and a bar chart of children
        per whole year of age, stacked by sex. Counts are aggregated already, so the figure
        looks the same at any size.
    """
    missing = [c for c in ("therapy", "referral", "child_age", "child_sex")
               if c not in trajectories.columns]
    if missing:
        raise ValueError(f"characteristics_figure: trajectories lack column(s) {missing}")
    with figure_style():
        fig = Figure(figsize=(11, 3.6), layout="constrained")
        ax_t, ax_r, ax_a = fig.subplots(1, 3)
        _category_bars(ax_t, trajectories["therapy"], "therapy", "Soort vaktherapie")
        _category_bars(ax_r, trajectories["referral"], "referral", "Aanmeldroute")
        _age_bars(ax_a, trajectories)
        fig.suptitle(f"Kenmerken van de trajecten (n = {len(trajectories)})")
    return dutch_figure(fig)


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


def _session_bars(ax, data: pd.DataFrame, limit: float) -> None:
    pos = np.arange(len(data))
    ax.bar(pos, data["observation"].fillna(0), color=OKABE_ITO["sky_blue"], label="Observatie")
    ax.bar(pos, data["treatment"].fillna(0), bottom=data["observation"].fillna(0),
           color=OKABE_ITO["blue"], label="Behandeling")
    _limit_line(ax.axhline, limit, "sessies")
    above = int((data["total"] > limit).sum())
    ax.set(xticks=[], xlabel=f"Trajecten (gesorteerd); {above} boven het maximum",
           ylabel="Aantal sessies", title="Sessies per traject")
    _headroom(ax, max(limit, float(data["total"].max())))
    ax.legend(frameon=False, fontsize=8, loc="upper left")


def _hour_bars(ax, data: pd.DataFrame, limit: float) -> None:
    ordered = data.sort_values(["hours", "family_id"], kind="stable")
    ax.bar(np.arange(len(ordered)), ordered["hours"].fillna(0), color=OKABE_ITO["bluish_green"])
    _limit_line(ax.axhline, limit, "uur")
    above = int((ordered["hours"] > limit).sum())
    ax.set(xticks=[], xlabel=f"Trajecten (gesorteerd); {above} boven het maximum",
           ylabel="Samenwerkingsuren", title="Samenwerkingsuren per traject")
    _headroom(ax, max(limit, float(ordered["hours"].max())))
    ax.legend(frameon=False, fontsize=8, loc="upper left")


def _hist_with_limit(ax, values: pd.Series, limit: float, title: str) -> None:
    x = values.dropna()
    ax.hist(x, bins=min(40, max(5, int(np.sqrt(len(x))))), color=OKABE_ITO["blue"])
    _limit_line(ax.axvline, limit, "")
    above = int((x > limit).sum())
    ax.set(xlabel=f"{title.split(' per ')[0]} ({above} boven het maximum)",
           ylabel="Aantal trajecten", title=title)
    ax.legend(frameon=False, fontsize=8)


def _headroom(ax, top: float) -> None:
    """Room above the highest bar or limit line, so the legend never covers them."""
    ax.set_ylim(0, top * 1.3)


def _limit_line(draw, limit: float, unit: str) -> None:
    label = f"Maximum pilot: {format_nl(limit, 0)} {unit}".rstrip()
    draw(limit, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.2, label=label)


def _category_bars(ax, values: pd.Series, variable: str, title: str) -> None:
    counts = values.dropna().astype(str).value_counts().sort_index()
    counts = counts.sort_values(kind="stable")
    labels = [LABELS_NL[variable].get(v, v) for v in counts.index]
    ax.barh(labels, counts.to_numpy(), color=OKABE_ITO["blue"])
    for y, n in enumerate(counts.to_numpy()):
        ax.text(n, y, f" {n}", va="center", fontsize=8)
    ax.set(xlabel="Aantal trajecten", title=title)


def _age_bars(ax, trajectories: pd.DataFrame) -> None:
    ages = pd.to_numeric(trajectories["child_age"], errors="coerce")
    sex = trajectories["child_sex"].astype("string").fillna("x")  # missing shown as x
    table = pd.crosstab(ages, sex).sort_index()
    bottom = np.zeros(len(table))
    for i, sex in enumerate(table.columns):
        ax.bar(table.index.to_numpy(dtype=float), table[sex].to_numpy(), bottom=bottom,
               color=PALETTE[i % len(PALETTE)], label=LABELS_NL["child_sex"].get(sex, sex))
        bottom += table[sex].to_numpy()
    ax.set(xlabel="Leeftijd kind (jaren)", ylabel="Aantal kinderen", title="Leeftijd en geslacht")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8)
