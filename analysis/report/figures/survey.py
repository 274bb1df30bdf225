"""Figures of the parent survey: diverging stacked bars for Likert items, yes/no shares.

Functions take the tables of :mod:`analysis.qualitative.survey` and return a
:class:`matplotlib.figure.Figure` with Dutch labels; nothing is saved and no banner is stamped
(the caller applies :func:`analysis.report.figures.style.add_banner` for synthetic cohorts).

Colours: the colour-blind safe Okabe-Ito palette, disagreement warm (vermillion, orange),
neutral grey, agreement blue (sky blue, blue).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis.qualitative.survey import LIKERT_LABELS
from analysis.report.figures.style import OKABE_ITO, dutch_figure, figure_style, format_nl

LIKERT_COLOURS: dict[int, str] = {1: OKABE_ITO["vermillion"], 2: OKABE_ITO["orange"],
                                  3: OKABE_ITO["grey"], 4: OKABE_ITO["sky_blue"],
                                  5: OKABE_ITO["blue"]}
"""Answer value -> colour of its bar segment."""


def likert_figure(distribution: pd.DataFrame, *, title: str | None = None,
                  wrap: int = 45) -> Figure:
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
    Figure
        One horizontal bar per item, in percent of the parents who answered it; ``n`` on the
        right; legend with the Dutch answer labels.
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
    return dutch_figure(fig)


def yesno_figure(summary: pd.DataFrame, *, title: str | None = None, wrap: int = 45) -> Figure:
    """Share answering 'ja' per item with its exact 95% interval.

    Parameters
    ----------
    summary : DataFrame
        :func:`analysis.qualitative.survey.yesno_summary` (``text, n, n_yes, proportion, ci_low,
        ci_high``). Items nobody answered are shown without a point.

    Returns
    -------
    Figure
        A dot per item at the share 'ja' (percent) with a horizontal interval line and
        ``k/n`` written next to it.
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
    return dutch_figure(fig)


def _require(table: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: table lacks column(s) {missing}; expected the output of "
                         "analysis.qualitative.survey")
