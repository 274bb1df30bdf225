"""Shared look of every figure: colour-blind safe palette, Dutch number formatting, banner.

Palette: Okabe, M. & Ito, K. (2008). *Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people*. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import matplotlib

matplotlib.use("Agg")  # no display; identical output everywhere

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
"""The eight Okabe-Ito colours plus a neutral grey."""

PALETTE: list[str] = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion",
                                             "reddish_purple", "sky_blue", "yellow", "black")]
"""Default colour cycle, in the order categories are drawn."""

TIMEPOINT_COLOURS: dict[str, str] = {"T0": OKABE_ITO["grey"], "T1": OKABE_ITO["blue"],
                                     "T2": OKABE_ITO["bluish_green"]}
CHANGE_COLOURS: dict[str, str] = {"improved": OKABE_ITO["bluish_green"],
                                  "unchanged": OKABE_ITO["grey"],
                                  "deteriorated": OKABE_ITO["vermillion"]}

SYNTHETIC_BANNER: str = "SYNTHETISCHE DATA - geen echte gezinnen"
"""Text on every figure and page of a cohort whose ``cohort.yaml`` says ``synthetic: true``."""

RC_PARAMS: dict[str, object] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "svg.hashsalt": "vaktherapie-compendium",  # deterministic SVG ids
    "svg.fonttype": "none",
    "axes.formatter.use_locale": False,
}


@contextmanager
def figure_style() -> Iterator[None]:
    """Context in which figures get the compendium's look (used by every figure function)."""
    with plt.rc_context(RC_PARAMS):
        yield


def add_banner(fig: Figure, text: str = SYNTHETIC_BANNER) -> Figure:
    """Stamp ``text`` across the top of ``fig`` in a red box (the synthetic-data banner)."""
    fig.text(0.5, 0.995, text, ha="center", va="top", fontsize=9, color="white",
             fontweight="bold", bbox={"boxstyle": "square,pad=0.3", "fc": OKABE_ITO["vermillion"],
                                      "ec": "none"})
    return fig


def format_nl(value: float, decimals: int = 1) -> str:
    """A number in Dutch notation, with a decimal comma (Python's float formatting).

    >>> format_nl(0.5, 2)
    '0,50'
    >>> format_nl(1234.5, 0)
    '1234'
    """
    return f"{value:.{decimals}f}".replace(".", ",")
