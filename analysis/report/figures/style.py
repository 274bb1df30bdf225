"""Shared look of every figure: colour-blind safe palette, Dutch number formatting, banner.

Palette: Okabe, M. & Ito, K. (2008). *Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people*. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator

import matplotlib

matplotlib.use("Agg")  # no display; identical output everywhere

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from analysis.text import THIN_SPACE, format_nl, tick_nl  # noqa: E402,F401  (re-exported)

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

def ordered_colours(n: int) -> list[str]:
    """``n`` colours for ordered values (effect sizes, doses), light to dark blue.

    A single-hue ramp, not the categorical :data:`PALETTE`: the order of the values reads from
    the lightness, also in grey print and with colour blindness. Taken from matplotlib's
    ``Blues`` colour map (ColorBrewer; Harrower, M. & Brewer, C. A. (2003). ColorBrewer.org: an
    online tool for selecting colour schemes for maps. *The Cartographic Journal*, 40(1),
    27-37) between 0.35 and 0.95, so that the lightest line stays visible on white.

    >>> ordered_colours(3)
    ['#a6cee4', '#3b8bc2', '#083c7d']
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    ramp = colormaps["Blues"]
    if n <= 1:
        return [to_hex(ramp(0.75))] * max(n, 0)
    return [to_hex(ramp(0.35 + 0.6 * i / (n - 1))) for i in range(n)]


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


def banner_html(detail: str = "") -> str:
    """The synthetic-data banner as an HTML block for notebooks and documents (``detail`` is
    appended after a colon)."""
    import html

    text = html.escape(SYNTHETIC_BANNER + (f": {detail}" if detail else ""))
    return (f"<div style='background:{OKABE_ITO['vermillion']};color:white;padding:8px;"
            f"font-weight:bold'>{text}</div>")


BANNER_HEIGHT_IN: float = 0.32
"""Height of the strip added above a figure for the banner, in inches."""


def add_banner(fig: Figure, text: str = SYNTHETIC_BANNER) -> Figure:
    """Stamp ``text`` in a red box on a strip added below ``fig``'s content.

    The figure grows by :data:`BANNER_HEIGHT_IN` and its content keeps its original area above
    the strip (constrained layout: the layout rectangle starts above the strip; other layouts:
    axes and figure texts move up), so the banner never covers a title, note or data. It sits
    at the bottom because constrained layout pins an automatic suptitle to the top edge.
    """
    width, height = fig.get_size_inches()
    new_height = height + BANNER_HEIGHT_IN
    fig.set_size_inches(width, new_height)
    strip = BANNER_HEIGHT_IN / new_height
    engine = fig.get_layout_engine()
    params = _engine_params(engine) if engine is not None else {}
    if "rect" in params and hasattr(engine, "set"):
        x0, y0, w, h = params["rect"] or (0, 0, 1, 1)
        engine.set(rect=(x0, strip + y0 * (1 - strip), w, h * (1 - strip)))
    else:
        for ax in fig.axes:
            box = ax.get_position()
            ax.set_position([box.x0, strip + box.y0 * (1 - strip), box.width,
                             box.height * (1 - strip)])
        for legend in fig.legends:  # (constrained layout places its own legends in the rect)
            legend.set_bbox_to_anchor((0, strip, 1, 1 - strip), transform=fig.transFigure)
    for artist in fig.texts:  # notes keep their place relative to the content
        x, y = artist.get_position()
        artist.set_position((x, strip + y * (1 - strip)))
    fig.text(0.5, 0.5 * strip, text, ha="center", va="center",
             fontsize=9, color="white", fontweight="bold",
             bbox={"boxstyle": "square,pad=0.3", "fc": OKABE_ITO["vermillion"], "ec": "none"})
    return fig


def _engine_params(engine) -> dict:
    try:
        return engine.get()
    except Exception:  # layout engines without parameters
        return {}


def dutch_formatter(decimals: int | None = None, *, scale: float = 1.0, suffix: str = ""):
    """The one matplotlib tick formatter of the compendium (see :func:`tick_nl`).

    ``scale`` multiplies the value first (100 for shares shown as percentages), ``suffix`` is
    appended ("%"). Use: ``ax.yaxis.set_major_formatter(dutch_formatter())``.

    >>> dutch_formatter(0, scale=100, suffix="%")(0.5, 0)
    '50%'
    """
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: tick_nl(value * scale, decimals, suffix=suffix))


def dutch_axes(ax, *, x: bool = True, y: bool = True, decimals: int | None = None) -> None:
    """Give ``ax``'s numeric axes the Dutch tick formatter (categorical axes are left alone)."""
    from matplotlib.ticker import FixedFormatter, ScalarFormatter

    for on, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        if on and isinstance(axis.get_major_formatter(), ScalarFormatter) and not isinstance(
                axis.get_major_formatter(), FixedFormatter):
            axis.set_major_formatter(dutch_formatter(decimals))


def dutch_figure(fig: Figure) -> Figure:
    """Every numeric axis of ``fig`` with Dutch ticks (:func:`dutch_axes`); returns ``fig``."""
    for ax in fig.axes:
        dutch_axes(ax)
    return fig


# ------------------------------------------------------------------ hidden marks (publication)
HIDDEN_COLOUR: str = "#E8E8E8"
"""Fill of a mark drawn as hidden in a redrawn (published) figure."""

HIDDEN_HATCH: str = "///"
"""Hatch of a mark drawn as hidden."""


def suppression_note(fig: Figure, shown: Iterable[str], *, y: float = 0.005) -> None:
    """A grey note at the bottom of ``fig`` (at figure fraction ``y``) saying what ``<k`` and
    ``x`` mean, for the signs that occur in ``shown`` (the ``shown`` column of a suppressed
    marks table)."""
    signs = {str(s) for s in shown}
    parts = []
    small = sorted(s for s in signs if s.startswith("<"))
    if small:
        parts.append(f"{small[0]}: minder dan {small[0][1:]} personen")
    if "x" in signs:
        parts.append("x: verborgen, zodat een kleine groep niet terug te rekenen is")
    if not parts:
        return
    fig.text(0.01, y, "; ".join(parts) + ".", fontsize=7.5, color="0.35", ha="left",
             va="bottom")
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set") and "rect" in (_engine_params(engine) or {}):
        bottom = y + 0.055
        engine.set(rect=(0, bottom, 1, 1 - bottom))


def draw_count_grid(ax, texts, hidden, *, row_title: str = "", column_title: str = "",
                    title: str = "") -> None:
    """A table of counts drawn as a grid: one cell per row x column, the text in it, hidden
    cells hatched grey (used by redraw functions where bars would give hidden sizes away).

    ``texts`` and ``hidden`` are DataFrames of the same shape (str and bool); their index and
    columns are the row and column labels. A grid without rows (every row left out by the
    publication checker) says in one line that its groups are too small to show.
    """
    import numpy as np

    rows, cols = texts.shape
    if rows == 0:
        left_out_note(ax, title)
        return
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    for (i, j), text in np.ndenumerate(texts.to_numpy(dtype=object)):
        secret = bool(hidden.to_numpy()[i, j])
        ax.add_patch(_cell_patch(j, i, secret))
        ax.text(j, i, str(text), ha="center", va="center", fontsize=9,
                color="0.3" if secret else OKABE_ITO["black"])
    ax.set_xticks(range(cols), [str(c) for c in texts.columns])
    ax.set_yticks(range(rows), [str(r) for r in texts.index])
    ax.tick_params(length=0)
    ax.spines[:].set_visible(False)
    ax.set(xlabel=column_title, ylabel=row_title, title=title)


LEFT_OUT_NL: str = "Niet getoond: de groepen\nzijn te klein om te tonen."
"""What a panel says when the publication checker left all its marks out."""


def left_out_note(ax, title: str = "") -> None:
    """An empty panel titled ``title`` with :data:`LEFT_OUT_NL` in its middle."""
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, LEFT_OUT_NL, ha="center", va="center", fontsize=9, color="0.35",
            transform=ax.transAxes)


def _cell_patch(x: float, y: float, secret: bool):
    from matplotlib.patches import Rectangle

    return Rectangle((x - 0.48, y - 0.46), 0.96, 0.92, facecolor=HIDDEN_COLOUR if secret
                     else "#F4F8FB", edgecolor="white", hatch=HIDDEN_HATCH if secret else None,
                     linewidth=0.5)
