"""Figures of the qualitative strand: theme tree, co-occurrence heatmap, theme matrix, agreement.

Functions take the tables of :mod:`analysis.qualitative.themes` and :mod:`analysis.qualitative.agreement` and
return a :class:`~analysis.report.figures.drawn.Drawn`: the Figure with Dutch labels and the table
behind its marks. Nothing is saved and no banner is stamped (the caller applies
:func:`analysis.report.figures.style.add_banner` for synthetic cohorts). Heatmaps use the
sequential, colour-blind safe ``Blues`` map; categories the Okabe-Ito palette.

What the marks count: coded segments (or sessions), never people. A count of segments is not
suppressed however small: it says how often something was said, not by how many. What a small
group said is still theirs, though: in the theme matrix a column whose sessions together had one
participant (an interview, a focus group of one) shows one person's own words, so its cells are
marked ``individual`` and the figure is not published (:func:`theme_matrix_figure`).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.qualitative.agreement import RELIABILITY_LABELS_NL, RELIABLE, TENTATIVE
from analysis.report.figures.drawn import Drawn, mark, marks_frame
from analysis.report.figures.style import OKABE_ITO, PALETTE, dutch_figure, figure_style, format_nl

SESSION_TYPES_NL: dict[str, str] = {"focus_group": "Focusgroep", "reflection": "Reflectiesessie",
                                    "interview": "Interview", "case_study": "Casestudy",
                                    "survey_open": "Enquête (open)", "unknown": "Onbekend"}
GROUPS_NL: dict[str, str] = {"social_workers": "Sociaal werkers", "therapists": "Vaktherapeuten",
                             "parents": "Ouders", "children": "Kinderen", "mixed": "Gemengd",
                             "unknown": "Onbekend"}
"""Dutch labels of ``session_type`` and ``group`` values of ``coding/sessions.csv``."""


def theme_tree_figure(hierarchy: pd.DataFrame, *, max_depth: int | None = None) -> Drawn:
    """The code tree as an indented list with a bar per node (segments coded there or below).

    Parameters
    ----------
    hierarchy : DataFrame
        :func:`analysis.qualitative.themes.theme_hierarchy` (``code_path, depth, n_segments``,
        ``level_*``), in its depth-first order.
    max_depth : int, optional
        Draw only nodes up to this depth.

    Returns
    -------
    Drawn
        One row per node, top to bottom; labels indented by depth; bars coloured by theme
        (top level) with the count written at their end. Marks: one bar per node (segments).
    """
    _require(hierarchy, ["code_path", "depth", "n_segments"], "theme_tree_figure")
    nodes = hierarchy if max_depth is None else hierarchy[hierarchy["depth"] <= max_depth]
    tops = list(dict.fromkeys(nodes["code_path"].str.split(" > ").str[0]))
    colour = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(tops)}
    with figure_style():
        fig = Figure(figsize=(8.0, 0.8 + 0.28 * max(len(nodes), 1)))
        ax = fig.subplots()
        y = np.arange(len(nodes))[::-1]
        names = nodes["code_path"].str.split(" > ").str[-1]
        labels = [("    " * (d - 1) + ("└ " if d > 1 else "") + n)
                  for d, n in zip(nodes["depth"], names)]
        bar_colours = [colour[p.split(" > ")[0]] for p in nodes["code_path"]]
        ax.barh(y, nodes["n_segments"], color=bar_colours, alpha=0.9)
        for yy, n in zip(y, nodes["n_segments"]):
            ax.annotate(str(int(n)), (n, yy), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8)
        ax.set_yticks(y, labels)
        for tick, depth in zip(ax.get_yticklabels(), nodes["depth"]):
            tick.set_horizontalalignment("left")
            tick.set_fontweight("bold" if depth == 1 else "normal")
        ax.tick_params(axis="y", length=0, pad=_label_pad(labels, fig))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Aantal gecodeerde segmenten (code en onderliggende codes)")
        ax.set_title("Thema's en codes")
        fig.tight_layout()
    marks = marks_frame([mark(str(path), n, "segments", element="bar", code_path=str(path),
                              depth=int(depth)) for path, n, depth in
                         zip(nodes["code_path"], nodes["n_segments"], nodes["depth"])])
    return Drawn(dutch_figure(fig), marks)


NO_COOCCURRENCE_NL: str = ("Geen enkel segment kreeg codes van twee verschillende thema's: "
                           "er is geen samen voorkomen om te tonen.")
"""What the findings say instead of an empty co-occurrence figure."""


def has_cooccurrence(pairs: pd.DataFrame) -> bool:
    """True when some pair of codes was applied together (``n_ab > 0``) in ``pairs``.

    ``pairs`` is :func:`analysis.qualitative.themes.cooccurrence`; without co-occurrence the
    figure would be all zeros: leave it out and say :data:`NO_COOCCURRENCE_NL`.
    """
    _require(pairs, ["n_ab"], "has_cooccurrence")
    return bool((pairs["n_ab"] > 0).any())


def cooccurrence_figure(matrix: pd.DataFrame, *,
                        value_label: str = "aantal overlappende coderingen",
                        decimals: int = 0, wrap: int = 28) -> Drawn:
    """Heatmap of a co-occurrence matrix (lower triangle; the diagonal is left empty).

    Codes are labelled by their last level, or by their full path when last levels repeat.
    Cells with 0 stay empty so that the pairs that do co-occur stand out.

    Parameters
    ----------
    matrix : DataFrame
        :func:`analysis.qualitative.themes.cooccurrence_matrix` (square, symmetric), by default
        of ``n_ab``: the number of units (overlapping codings of one coder) holding both codes.
    value_label : str
        Title of the colour bar.
    decimals : int
        Decimals of the cell values (0 for counts; 2 for the c-coefficient).

    Returns
    -------
    Drawn
        Marks: one per cell of the lower triangle (``value``; ``n`` the count of units when
        ``decimals`` is 0, else NA: a coefficient is no count).
    """
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"cooccurrence_figure: matrix must be square; got shape {matrix.shape}")
    if len(matrix) < 2:
        raise ValueError("cooccurrence_figure: need at least two codes to show pairs; got "
                         f"{len(matrix)}")
    values = matrix.to_numpy(dtype=float).copy()
    values[np.triu_indices_from(values)] = np.nan
    values = values[1:, :-1]  # the first row and last column of a lower triangle are empty
    shown = np.where(values == 0, np.nan, values)
    short = [str(c).split(" > ")[-1] for c in matrix.columns]
    names = short if len(set(short)) == len(short) else [str(c) for c in matrix.columns]
    labels = [textwrap.fill(n, wrap) for n in names]
    size = 2.5 + 0.55 * len(labels)
    with figure_style():
        fig = Figure(figsize=(size + 1.5, size), layout="constrained")
        ax = fig.subplots()
        top = np.nanmax(values) if np.isfinite(values).any() else 1.0
        image = ax.imshow(values, cmap="Blues", vmin=0, vmax=top or 1.0)
        _annotate_cells(ax, shown, decimals)
        ax.set_xticks(range(len(labels) - 1), labels[:-1], rotation=45, ha="right")
        ax.set_yticks(range(len(labels) - 1), labels[1:])
        ax.spines[:].set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.7, label=value_label)
        if decimals == 0:
            bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_nl(v, decimals)))
        ax.set_title("Samen voorkomen van codes")
    rows = []
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            a, b = names[i + 1], names[j]
            rows.append(mark(f"{a} x {b}", v if decimals == 0 else None,
                             "segments" if decimals == 0 else "none", element="cell",
                             code_a=a, code_b=b, value=float(v), labelled=bool(v != 0)))
    return Drawn(dutch_figure(fig), marks_frame(rows))


def theme_matrix_figure(table: pd.DataFrame, *, by: str = "session_type",
                        value: str = "n_segments",
                        sessions: pd.DataFrame | None = None) -> Drawn:
    """Heatmap of the cohort's own themes x session type (or group), counts in the cells.

    Parameters
    ----------
    table : DataFrame
        :func:`analysis.qualitative.themes.theme_matrix` (``theme``, ``<by>``, ``n_segments``,
        ``n_sessions``).
    by : {"session_type", "group"}
    value : {"n_segments", "n_sessions"}
    sessions : DataFrame, optional
        ``coding/sessions.csv`` (``<by>``, ``n_participants``): how many people each column's
        sessions had. A column of one participant shows one person's words, so its cells are
        ``individual``; without ``sessions`` (or without a participant count) nobody can tell,
        and every cell is taken for individual (fail safe: the figure is not published).

    Returns
    -------
    Drawn
        Marks: one per cell (segments or sessions, never people: not suppressed). The number
        of participants decides ``individual`` but is not a column of the marks: a published
        marks table would show it, and a small group's size is a count of people.
    """
    _require(table, ["theme", by, value], "theme_matrix_figure")
    wide = table.pivot_table(index="theme", columns=by, values=value, aggfunc="sum", sort=False)
    names = SESSION_TYPES_NL if by == "session_type" else GROUPS_NL
    with figure_style():
        fig = Figure(figsize=(2.5 + 1.2 * wide.shape[1], 1.2 + 0.5 * wide.shape[0]))
        ax = fig.subplots()
        values = wide.to_numpy(dtype=float)
        ax.imshow(values, cmap="Blues", vmin=0, aspect="auto")
        _annotate_cells(ax, values, 0)
        ax.set_xticks(range(wide.shape[1]), [names.get(c, c) for c in wide.columns],
                      rotation=30, ha="right")
        ax.set_yticks(range(wide.shape[0]), wide.index)
        ax.spines[:].set_visible(False)
        what = "segmenten" if value == "n_segments" else "sessies"
        ax.set_title(f"Thema's per {'soort sessie' if by == 'session_type' else 'groep'} "
                     f"(aantal {what})")
        fig.tight_layout()
    people = _participants(sessions, by)
    rows = []
    for (i, j), v in np.ndenumerate(values):
        column = wide.columns[j]
        count = people.get(column)
        rows.append(mark(f"{wide.index[i]} x {names.get(column, column)}", v,
                         "segments" if value == "n_segments" else "sessions",
                         individual=count is None or count <= 1, element="cell",
                         theme=str(wide.index[i]), column=str(column)))
    return Drawn(dutch_figure(fig), marks_frame(rows))


def _participants(sessions: pd.DataFrame | None, by: str) -> dict[str, int]:
    """People per value of ``by``: the sum of ``n_participants`` of its sessions (a value with
    a session of unknown size is left out, so it counts as unknown)."""
    if sessions is None or by not in sessions.columns or "n_participants" not in sessions:
        return {}
    count = pd.to_numeric(sessions["n_participants"], errors="coerce")
    known = count.groupby(sessions[by].astype(str)).agg(lambda c: c.sum() if c.notna().all()
                                                         else np.nan)
    return {k: int(v) for k, v in known.items() if pd.notna(v)}


STATUS_NL: dict[str, str] = {"one_coder": "door één codeur gebruikt",
                             "not_double_coded": "niet dubbel gecodeerd"}
"""Dutch notes for codes without a meaningful alpha (:func:`agreement.agreement_by_code`)."""


def agreement_figure(by_code: pd.DataFrame) -> Drawn:
    """Krippendorff's alpha per code with its n and the .667 and .800 thresholds.

    Parameters
    ----------
    by_code : DataFrame
        :func:`analysis.qualitative.agreement.agreement_by_code` (``code_path, alpha,
        n_double_coded, status``). Codes whose alpha cannot be judged (used by one coder only,
        or never on double-coded material) get no point but a note, so that no alpha of 0 is
        drawn for a code the coders never both applied. The output of
        :func:`~analysis.qualitative.agreement.code_agreement` (``n_units``) is accepted too.

    Returns
    -------
    Drawn
        One row per code: a point at alpha, the number of double-coded segments with the code
        at the right ("2 fragmenten": segments, not people, so never written as ``n = 2``); thresholds shaded; Dutch decimal commas; labels inside the figure. Marks:
        one per code (``n`` double-coded segments, ``alpha``; element ``point`` when judged,
        else ``text``).
    """
    _require(by_code, ["code_path", "alpha"], "agreement_figure")
    table = _agreement_rows(by_code)
    with figure_style():
        fig = Figure(figsize=(8.0, 1.6 + 0.32 * max(len(table), 1)), layout="constrained")
        ax = fig.subplots()
        y = np.arange(len(table))[::-1]
        ax.axvspan(TENTATIVE, RELIABLE, color=OKABE_ITO["yellow"], alpha=0.25, linewidth=0)
        ax.axvspan(RELIABLE, 1.0, color=OKABE_ITO["bluish_green"], alpha=0.2, linewidth=0)
        judged = table["status"] == "judged"
        ax.plot(table.loc[judged, "alpha"], y[judged.to_numpy()], "o", color=OKABE_ITO["blue"])
        low = min(0.0, float(np.nanmin(table["alpha"]))) if judged.any() else 0.0
        for yy, row in zip(y, table.itertuples()):
            note = (f"{row.n} fragment" + ("" if row.n == 1 else "en")
                    + ("" if row.status == "judged"
                       else f", {STATUS_NL.get(row.status, row.status)}"))
            ax.text(1.04, yy, note, va="center", fontsize=8,
                    color=OKABE_ITO["black"] if row.status == "judged" else "0.35")
        ax.set_yticks(y, [textwrap.fill(c, 45) for c in table["code_path"]])
        ax.set_ylim(-0.6, len(table) - 0.4)
        ax.set_xlim(low - 0.02, 1.9)
        ax.set_xticks([t for t in np.arange(-1.0, 1.01, 0.2) if t >= low - 1e-9])
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: format_nl(0.0 if abs(v) < 1e-9
                                                                          else v, 1)))
        ax.set_xlabel(f"Krippendorffs alfa per code\n(≥ {format_nl(RELIABLE, 3)} "
                      f"{RELIABILITY_LABELS_NL['reliable']}, ≥ {format_nl(TENTATIVE, 3)} "
                      f"{RELIABILITY_LABELS_NL['tentative']})\n"
                      "rechts: dubbel gecodeerde fragmenten met de code")
        ax.set_title("Overeenstemming tussen codeurs per code")
    marks = marks_frame([mark(str(row.code_path), row.n, "segments",
                              element="point" if row.status == "judged" else "text",
                              code_path=str(row.code_path), alpha=row.alpha, status=row.status)
                         for row in table.itertuples()])
    return Drawn(dutch_figure(fig), marks)


def _agreement_rows(by_code: pd.DataFrame) -> pd.DataFrame:
    if "status" in by_code.columns:
        table = by_code.rename(columns={"n_double_coded": "n"})
    else:  # code_agreement output: one row per code and pair
        table = by_code.groupby("code_path", sort=True).agg(alpha=("alpha", "first"),
                                                            n=("n_units", "max")).reset_index()
        table["status"] = np.where(np.isfinite(table["alpha"]), "judged", "not_double_coded")
    return table[["code_path", "alpha", "n", "status"]].reset_index(drop=True)


def _annotate_cells(ax, values: np.ndarray, decimals: int) -> None:
    top = np.nanmax(values) if np.isfinite(values).any() else 1.0
    top = top if np.isfinite(top) else 1.0
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, format_nl(v, decimals), ha="center", va="center", fontsize=8,
                    color="white" if top and v > 0.6 * top else OKABE_ITO["black"])


def _label_pad(labels: list[str], fig: Figure) -> float:
    """Points to shift left-aligned tick labels so that the longest ends near the axis.

    Estimate: a character is about 0.55 em wide at the tick font size.
    """
    longest = max((len(label) for label in labels), default=0)
    return 0.6 * float(fig.axes[0].yaxis.get_ticklabels()[0].get_fontsize()) * longest + 6


def _require(table: pd.DataFrame, columns: list[str], where: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{where}: table lacks column(s) {missing}; expected the output of "
                         "analysis.qualitative.themes or analysis.qualitative.agreement")
