"""A figure together with the table behind its marks: what the publication checker decides from.

Every figure function of :mod:`analysis.report.figures` returns a :class:`Drawn`: the matplotlib
Figure and its *marks table*, one row per thing a reader can read off the figure (a bar, cell,
segment, point, line, box or a count written on it), so that whoever publishes the figure
decides from data, never from the figure's name or the text in its SVG
(:mod:`analysis.publish.figures`). A figure saved without a marks table is *undeclared* and is
never published.

Columns of a marks table (:data:`MARK_COLUMNS` are required, the rest optional):

=============  =================================================================================
``mark``       what the mark is, readable and unique within the figure ("Begin laag -> eind hoog")
``panel``      the part of the figure it is in (an axes title); "" for a figure with one panel
``n``          nullable integer: what the mark counts, in ``unit``: the people it counts or
               summarises (a bar of 4 families, a mean over 12 children), or segments,
               sessions ... (a bar of 7 coded segments); NA when the mark is no count
``unit``       what ``n`` counts: one of :data:`PEOPLE_UNITS` (families, children, parents,
               professionals, participants) or :data:`OTHER_UNITS` (segments, sessions, hours,
               places, none); a people unit with ``n`` NA is a count nobody could check, which
               the checker treats as small (fail safe)
``individual`` True when the mark shows one person's own values (a line or point per family)
``part_of``    ";"-separated names of the sums the mark is a part of (a segment of a stacked bar is
               part of that bar; a bar of the panel's total); empty when none
``total_of``   ";"-separated names of the sums the mark is the total of (the bar's height,
               "n = 14" in a title); empty when none. ``total = sum of its parts`` lets the checker apply
               secondary suppression, so that a hidden cell cannot be recovered from a shown total
``key``        the key number the mark repeats (``trajectories_started``), when it does: the mark
               is hidden whenever the published key numbers hide that key
=============  =================================================================================

plus the values drawn (``share``, ``score``, ``x``, ``y``, ``mean`` ...), whatever the figure
needs to be drawn again (a count of people goes in ``n`` of a mark of its own, never in a value
column: the checker reads ``n`` only), and by convention ``element``: what kind of mark it is (``bar``,
``segment``, ``stack``, ``cell``, ``point``, ``line``, ``band``, ``box`` are data;
:data:`ANNOTATIONS` are counts written around them or worked out from them). Shares and means count as cells of the people behind them: a share of
1 of 10 parents has ``n = 1``.

``redraw`` names, as ``"analysis.report.figures.<module>:<function>"``, a function that draws
the same figure from a *suppressed* marks table and returns a :class:`Drawn`; None when the
figure cannot be shown with cells hidden. The suppressed table is the marks table with two
columns added, ``hidden`` (bool) and ``shown`` (the text to print for ``n``: ``"12"``, ``"0"``,
``"<5"`` for a count below the threshold, ``"x"`` for one hidden to protect another, ``""``
for a mark that is no count of people), and with ``n`` and every value column blanked in hidden
rows. A redraw function lays the figure out again from what is shown: it must not place a shown
mark by the size of a hidden one (a stacked segment's bottom would give the hidden sum away).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

PEOPLE_UNITS: tuple[str, ...] = ("families", "children", "parents", "professionals",
                                 "participants")
"""Units that count people: small counts of these are suppressed."""

OTHER_UNITS: tuple[str, ...] = ("segments", "sessions", "hours", "places", "none")
"""Units that are not people (never suppressed as small cells); ``none``: not a count."""

ANNOTATIONS: tuple[str, ...] = ("text", "title", "legend", "derived")
"""``element`` values of marks that are no data mark of their own: a count written in a title,
legend or note, or one a reader can work out (``derived``: a total minus its shown parts)."""

HIDDEN_COLUMNS: tuple[str, ...] = ("hidden", "shown")
"""Columns the checker adds for a redraw function (see the module docstring)."""

MARK_COLUMNS: tuple[str, ...] = ("mark", "n", "unit", "individual")
"""Columns every marks table has."""

RELATION_COLUMNS: tuple[str, ...] = ("panel", "part_of", "total_of", "key")
"""Optional structural columns; :func:`marks_frame` adds them (empty) when absent."""

REDRAW_PREFIX: str = "analysis.report.figures."
"""A redraw function must live in this package (the checker imports nothing else)."""

_REDRAW = re.compile(r"^analysis\.report\.figures\.[a-z_]+:[a-z_]+$")


@dataclass(frozen=True)
class Drawn:
    """A figure and the tidy table behind its marks.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure as drawn.
    marks : pandas.DataFrame
        One row per mark (see the module docstring); checked by :func:`check_marks`.
    redraw : str or None
        ``"analysis.report.figures.<module>:<function>"`` drawing the figure from a suppressed
        marks table, or None.
    """

    figure: Figure
    marks: pd.DataFrame
    redraw: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.figure, Figure):
            raise TypeError(f"Drawn.figure must be a matplotlib Figure; got "
                            f"{type(self.figure).__name__}")
        object.__setattr__(self, "marks", check_marks(self.marks))
        if self.redraw is not None and not _REDRAW.match(self.redraw):
            raise ValueError(f"Drawn.redraw {self.redraw!r}: expected "
                             f"'{REDRAW_PREFIX}<module>:<function>' or None")


def marks_frame(rows: Iterable[Mapping[str, Any]], *, columns: Iterable[str] = ()) -> pd.DataFrame:
    """A marks table from dicts: required and structural columns in front, ``n`` as Int64.

    ``columns`` names value columns to keep even when ``rows`` is empty.

    >>> marks_frame([{"mark": "a", "n": 3, "unit": "families", "individual": False}]).dtypes["n"]
    Int64Dtype()
    """
    frame = pd.DataFrame(list(rows))
    for column in (*MARK_COLUMNS, *RELATION_COLUMNS, *columns):
        if column not in frame.columns:
            frame[column] = pd.Series(dtype="object")
    frame = frame.fillna({c: "" for c in RELATION_COLUMNS})
    front = [*MARK_COLUMNS[:1], "panel", *MARK_COLUMNS[1:], *RELATION_COLUMNS[1:]]
    frame = frame[front + [c for c in frame.columns if c not in front]]
    return check_marks(frame)


def check_marks(marks: pd.DataFrame) -> pd.DataFrame:
    """``marks`` checked and typed (``n`` Int64, ``individual`` bool, relation columns str).

    Raises
    ------
    ValueError
        Naming the column and what was expected: a required column missing, a unit outside
        :data:`PEOPLE_UNITS` + :data:`OTHER_UNITS`, a negative or fractional ``n``, a mark
        name used twice, ``individual`` missing, a text that holds a count (``"n = 10"``).
    """
    if not isinstance(marks, pd.DataFrame):
        raise TypeError(f"marks must be a pandas DataFrame; got {type(marks).__name__}")
    missing = [c for c in MARK_COLUMNS if c not in marks.columns]
    if missing:
        raise ValueError(f"marks table lacks column(s) {missing}; expected {list(MARK_COLUMNS)}")
    out = marks.reset_index(drop=True).copy()
    for column in RELATION_COLUMNS:
        out[column] = (out[column].astype("string").fillna("").astype(str)
                       if column in out.columns else "")
    out["mark"] = out["mark"].astype(str)
    duplicated = out["mark"][out["mark"].duplicated()]
    if len(duplicated):
        raise ValueError(f"marks table: mark {duplicated.iloc[0]!r} appears more than once; "
                         "expected one row per mark with a unique name")
    unknown = sorted(set(out["unit"].astype(str)) - set(PEOPLE_UNITS) - set(OTHER_UNITS))
    if unknown:
        raise ValueError(f"marks table, column 'unit': {unknown} not known; expected one of "
                         f"{list(PEOPLE_UNITS + OTHER_UNITS)}")
    n = pd.to_numeric(out["n"].astype("object").where(out["n"].notna(), None), errors="raise")
    n = pd.Series(n, index=out.index, dtype="Float64")
    if ((n < 0) | (n != n.round())).fillna(False).any():
        raise ValueError("marks table, column 'n': expected whole numbers >= 0 or NA")
    out["n"] = n.astype("Int64")
    flags = out["individual"].map(_flag)
    if flags.isna().any():
        raise ValueError("marks table, column 'individual': missing or unreadable values; "
                         "expected True or False for every mark")
    out["individual"] = flags.astype(bool)
    _no_count_in_text(out)
    return out


_COUNT_IN_TEXT = re.compile(r"\bn\s*=\s*\d")


def _no_count_in_text(marks: pd.DataFrame) -> None:
    """Refuse a mark whose text carries a count (``"Trajecten (n = 10)"``): the checker hides
    ``n``, not words, so a count written into a name, label or relation would be published
    when ``n`` is hidden. The count goes in ``n``; the redraw writes the shown sign."""
    for column in marks.columns:
        if column == "n" or not (pd.api.types.is_string_dtype(marks[column])
                                 or marks[column].dtype == object):
            continue
        text = marks[column].astype("string").fillna("")
        found = text[text.str.contains(_COUNT_IN_TEXT)]
        if len(found):
            raise ValueError(f"marks table, column {column!r}, mark "
                             f"{marks.at[found.index[0], 'mark']!r}: the text {found.iloc[0]!r} "
                             "holds a count ('n = ...'); expected the count in column 'n' only")


def mark(name: str, n: Any = None, unit: str = "none", *, individual: bool = False,
         panel: str = "", part_of: Iterable[str] | str = (), total_of: Iterable[str] | str = (),
         key: str = "", **values: Any) -> dict[str, Any]:
    """One row of a marks table (relation names joined with ";").

    >>> mark("Afgerond", 18, "families", part_of=["Gestart"], key="trajectories_completed")["part_of"]
    'Gestart'
    """
    def joined(names: Iterable[str] | str) -> str:
        return names if isinstance(names, str) else ";".join(names)

    count = None if n is None or pd.isna(n) else int(n)
    return {"mark": name, "panel": panel, "n": count, "unit": unit,
            "individual": bool(individual), "part_of": joined(part_of),
            "total_of": joined(total_of), "key": key, **values}


def _flag(value: Any) -> bool | None:
    """True/False from a bool or its text ("True", "false"); None otherwise."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text)


def is_people(unit: str) -> bool:
    """Whether ``unit`` counts people.

    >>> is_people("parents"), is_people("segments")
    (True, False)
    """
    return unit in PEOPLE_UNITS


def as_drawn(obj: Any) -> tuple[Figure, Drawn | None]:
    """``(figure, drawn)`` for a :class:`Drawn`, ``(figure, None)`` for a bare Figure."""
    if isinstance(obj, Drawn):
        return obj.figure, obj
    if isinstance(obj, Figure):
        return obj, None
    raise TypeError(f"expected a Drawn (figure with its marks) or a matplotlib Figure; got "
                    f"{type(obj).__name__}")
