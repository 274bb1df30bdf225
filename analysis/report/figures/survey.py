"""Figures of the parent survey: diverging stacked bars for Likert items, yes/no shares.

Functions take the tables of :mod:`analysis.qualitative.survey` and return a
:class:`~analysis.report.figures.drawn.Drawn`: the Figure with Dutch labels and the table behind
its marks (parents per answer of every item, with the share drawn, and the item's n). Nothing is
saved and no banner is stamped (the caller applies
:func:`analysis.report.figures.style.add_banner` for synthetic cohorts). Both figures are redrawn
for publication with small groups hidden (:func:`redraw_likert`, :func:`redraw_yesno`).

Colours: the colour-blind safe Okabe-Ito palette, disagreement warm (vermillion, orange),
neutral grey, agreement blue (sky blue, blue).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analysis.qualitative.survey import LIKERT_LABELS
from analysis.report.figures.drawn import Drawn, mark, marks_frame
from analysis.report.figures.style import (
    HIDDEN_COLOUR,
    HIDDEN_HATCH,
    OKABE_ITO,
    dutch_figure,
    figure_style,
    format_nl,
    suppression_note,
)

LIKERT_COLOURS: dict[int, str] = {1: OKABE_ITO["vermillion"], 2: OKABE_ITO["orange"],
                                  3: OKABE_ITO["grey"], 4: OKABE_ITO["sky_blue"],
                                  5: OKABE_ITO["blue"]}
"""Answer value -> colour of its bar segment."""


def likert_figure(distribution: pd.DataFrame, *, title: str | None = None,
                  wrap: int = 45) -> Drawn:
    """Diverging stacked bars: disagreement left of zero, agreement right, neutral split.

    Parameters
    ----------
    distribution : DataFrame
        :func:`analysis.qualitative.survey.likert_distribution` (``item, text, response, label, n, share,
        order``). Items are drawn top to bottom in ``order`` (most agreement on top).
    title : str, optional
    wrap : int
        Characters per line of the item texts.

    Returns
    -------
    Drawn
        One horizontal bar per item, in percent of the parents who answered it; ``n`` on the
        right; legend with the Dutch answer labels. Marks: one segment per item and answer
        (parents, ``share`` in percent; a segment of 10% of 10 parents is 1 parent) and the
        item's n, the total of its segments.
    """
    _require(distribution, ["item", "text", "response", "share", "n", "order"], "likert_figure")
    wide = distribution.pivot_table(index=["order", "item", "text"], columns="response",
                                    values="share", aggfunc="sum").reindex(
        columns=list(LIKERT_LABELS), fill_value=0.0).fillna(0.0).sort_index() * 100
    totals = distribution.groupby("item")["n"].sum()
    with figure_style():
        fig = Figure(figsize=(8.0, 1.0 + 0.55 * max(len(wide), 1)))
        ax = fig.subplots()
        y = np.arange(len(wide))[::-1]
        left = -(wide[1] + wide[2] + wide[3] / 2).to_numpy()
        for value in LIKERT_LABELS:
            width = wide[value].to_numpy()
            ax.barh(y, width, left=left, color=LIKERT_COLOURS[value], edgecolor="white",
                    linewidth=0.5, label=LIKERT_LABELS[value])
            left = left + width
        ax.axvline(0, color=OKABE_ITO["black"], linewidth=0.8)
        labels = [textwrap.fill(str(t), wrap) for t in wide.index.get_level_values("text")]
        ax.set_yticks(y, labels)
        for yy, item in zip(y, wide.index.get_level_values("item")):
            ax.annotate(f"n = {int(totals.get(item, 0))}", (1.01, yy),
                        xycoords=("axes fraction", "data"), va="center", fontsize=8)
        ax.set_xlim(-100, 100)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}%"))
        ax.set_xlabel("Percentage ouders (links oneens, rechts eens)")
        ax.set_ylim(-0.6, len(wide) - 0.4)
        handles, names = ax.get_legend_handles_labels()
        fig.legend(handles, names, ncols=5, loc="lower center", frameon=False, fontsize=8)
        if title:
            ax.set_title(title)
        fig.tight_layout(rect=(0, 0.45 / fig.get_figheight(), 1, 1))
    marks = _likert_marks(distribution, wide, totals, title)
    return Drawn(dutch_figure(fig), marks, "analysis.report.figures.survey:redraw_likert")


def redraw_likert(marks: pd.DataFrame) -> Drawn:
    """:func:`likert_figure` from a suppressed marks table.

    One bar of 100% per item (items in the order of their ids, not by agreement, which ranks
    items by counts that may be hidden; ``order`` is left out of the marks): the shown
    answers left to right in their own colours, then one hatched grey block for the hidden
    answers together, labelled with their signs; ``n`` on the right as published.
    """
    segments = marks[marks["element"] == "segment"]
    totals = marks[marks["element"] == "text"].set_index("item")
    items = sorted(segments["item"].astype(str).unique())
    title = next((str(t) for t in marks["title"].dropna() if str(t)), None) \
        if "title" in marks.columns else None
    with figure_style():
        fig = Figure(figsize=(8.0, 1.6 + 0.55 * max(len(items), 1)))
        ax = fig.subplots()
        y = np.arange(len(items))[::-1]
        for yy, item in zip(y, items):
            rows = segments[segments["item"].astype(str) == item].sort_values("response")
            _redraw_likert_bar(ax, yy, rows)
            ax.annotate(f"n = {totals.at[item, 'shown']}", (1.01, yy),
                        xycoords=("axes fraction", "data"), va="center", fontsize=8)
        texts = [str(segments.loc[segments["item"].astype(str) == i, "text"].iloc[0])
                 for i in items]
        ax.set_yticks(y, [textwrap.fill(t, 45) for t in texts])
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_xlabel("Percentage ouders per antwoord (grijs gearceerd: verborgen)")
        ax.set_ylim(-0.6, len(items) - 0.4)
        handles = [Patch(color=LIKERT_COLOURS[v], label=label) for v, label in
                   LIKERT_LABELS.items()]
        handles.append(Patch(facecolor=HIDDEN_COLOUR, hatch=HIDDEN_HATCH, label="verborgen"))
        fig.legend(handles=handles, ncols=6, loc="lower center", frameon=False, fontsize=8)
        if title:
            ax.set_title(title)
        fig.tight_layout(rect=(0, 0.8 / fig.get_figheight(), 1, 1))
        suppression_note(fig, marks["shown"], y=0.4 / fig.get_figheight())
    out = marks.drop(columns=["hidden", "shown", "order"])  # the rank by agreement of the
    return Drawn(dutch_figure(fig), out)                     # original used hidden counts


def _redraw_likert_bar(ax, y: float, rows: pd.DataFrame) -> None:
    left = 0.0
    for row in rows[~rows["hidden"]].itertuples():
        width = 100 * float(row.share) if pd.notna(row.share) else 0.0
        value = int(row.response)
        ax.barh(y, width, left=left, color=LIKERT_COLOURS[value], edgecolor="white",
                linewidth=0.5, label=LIKERT_LABELS[value])
        left += width
    secret = rows[rows["hidden"]]
    if len(secret):
        ax.barh(y, 100 - left, left=left, color=HIDDEN_COLOUR, hatch=HIDDEN_HATCH,
                edgecolor="white", linewidth=0.5, label="verborgen")
        signs = ", ".join(sorted(set(secret["shown"].astype(str))))
        ax.text(left + (100 - left) / 2, y, signs, ha="center", va="center", fontsize=7,
                color="0.3")


def _likert_marks(distribution: pd.DataFrame, wide: pd.DataFrame, totals: pd.Series,
                  title: str | None) -> pd.DataFrame:
    rows = []
    for (order, item, text), shares in wide.iterrows():
        counts = distribution[distribution["item"] == item].set_index("response")["n"]
        for value, label in LIKERT_LABELS.items():
            rows.append(mark(f"{item}: {label}", counts.get(value, 0), "parents",
                             part_of=str(item), element="segment", item=item, text=text,
                             response=value, label=label, share=shares[value] / 100,
                             order=order, title=title or ""))
        rows.append(mark(f"{item}: n", totals.get(item, 0), "parents", total_of=str(item),
                         element="text", item=item, text=text, order=order,
                         title=title or ""))
    return marks_frame(rows)


def yesno_figure(summary: pd.DataFrame, *, title: str | None = None, wrap: int = 45) -> Drawn:
    """Share answering 'ja' per item with its exact 95% interval.

    Parameters
    ----------
    summary : DataFrame
        :func:`analysis.qualitative.survey.yesno_summary` (``text, n, n_yes, proportion, ci_low,
        ci_high``). Items nobody answered are shown without a point.

    Returns
    -------
    Drawn
        A dot per item at the share 'ja' (percent) with a horizontal interval line and
        ``k/n`` written next to it. Marks per item: the parents answering 'ja' (with share and
        interval), those answering 'nee' (n - k, readable from ``k/n``) and n.
    """
    _require(summary, ["text", "n", "n_yes", "proportion", "ci_low", "ci_high"], "yesno_figure")
    with figure_style():
        fig = Figure(figsize=(7.0, 1.0 + 0.5 * max(len(summary), 1)))
        ax = fig.subplots()
        y = np.arange(len(summary))[::-1]
        share = summary["proportion"].to_numpy(dtype=float) * 100
        low = summary["ci_low"].to_numpy(dtype=float) * 100
        high = summary["ci_high"].to_numpy(dtype=float) * 100
        ax.hlines(y, low, high, color=OKABE_ITO["blue"], linewidth=2)
        ax.plot(share, y, "o", color=OKABE_ITO["blue"], markersize=7)
        for yy, row in zip(y, summary.itertuples()):
            note = f"{row.n_yes}/{row.n}" if row.n else "geen antwoorden"
            ax.annotate(note, (1.01, yy), xycoords=("axes fraction", "data"), va="center",
                        fontsize=8)
        ax.set_yticks(y, [textwrap.fill(str(t), wrap) for t in summary["text"]])
        ax.set_ylim(-0.6, len(summary) - 0.4)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_nl(v, 0)}%"))
        ax.set_xlabel("Aandeel 'ja' (95%-betrouwbaarheidsinterval, exact)")
        if title:
            ax.set_title(title)
        fig.tight_layout()
    return Drawn(dutch_figure(fig), _yesno_marks(summary, title),
                 "analysis.report.figures.survey:redraw_yesno")


def redraw_yesno(marks: pd.DataFrame) -> Drawn:
    """:func:`yesno_figure` from a suppressed marks table: an item whose 'ja' is hidden gets no
    point and interval, only its counts as published ("x/12", "<5/<5"); an item whose 'ja' and
    'nee' the checker left out (a split that no hiding protects) reads "verborgen/4"."""
    totals = marks[marks["element"] == "text"].sort_values("item", kind="stable")
    yes = marks[marks["element"] == "point"].set_index("item")
    title = next((str(t) for t in marks["title"].dropna() if str(t)), None)
    with figure_style():
        fig = Figure(figsize=(7.0, 1.3 + 0.5 * max(len(totals), 1)))
        ax = fig.subplots()
        y = np.arange(len(totals))[::-1]
        for yy, item, total in zip(y, totals["item"], totals["shown"]):
            row = yes.loc[item] if item in yes.index else None
            if row is not None and not row["hidden"] and pd.notna(row["share"]):
                ax.hlines(yy, 100 * row["ci_low"], 100 * row["ci_high"],
                          color=OKABE_ITO["blue"], linewidth=2)
                ax.plot([100 * row["share"]], [yy], "o", color=OKABE_ITO["blue"], markersize=7)
            if total == "0":
                note = "geen antwoorden"
            else:
                note = f"{'verborgen' if row is None else row['shown']}/{total}"
            ax.annotate(note, (1.01, yy), xycoords=("axes fraction", "data"), va="center",
                        fontsize=8)
        ax.set_yticks(y, [textwrap.fill(str(t), 45) for t in totals["text"]])
        ax.set_ylim(-0.6, len(totals) - 0.4)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{format_nl(v, 0)}%"))
        ax.set_xlabel("Aandeel 'ja' (95%-betrouwbaarheidsinterval, exact)")
        if title:
            ax.set_title(title)
        fig.tight_layout(rect=(0, 0.3 / fig.get_figheight(), 1, 1))
        suppression_note(fig, marks["shown"])
    return Drawn(dutch_figure(fig), marks.drop(columns=["hidden", "shown"]))


def _yesno_marks(summary: pd.DataFrame, title: str | None) -> pd.DataFrame:
    rows = []
    ids = summary["item"] if "item" in summary.columns else [f"item {i + 1}"
                                                             for i in range(len(summary))]
    for position, (item, row) in enumerate(zip(ids, summary.itertuples())):
        common = {"item": str(item), "text": row.text, "position": position,
                  "title": title or ""}
        rows.append(mark(f"{item}: ja", row.n_yes, "parents", part_of=str(item),
                         element="point", share=row.proportion, ci_low=row.ci_low,
                         ci_high=row.ci_high, **common))
        rows.append(mark(f"{item}: nee", int(row.n) - int(row.n_yes), "parents",
                         part_of=str(item), element="derived", **common))
        rows.append(mark(f"{item}: n", row.n, "parents", total_of=str(item), element="text",
                         **common))
    return marks_frame(rows)


def _require(table: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: table lacks column(s) {missing}; expected the output of "
                         "analysis.qualitative.survey")
