"""The published set as the findings document receives it: values as given, never decided here.

The publish stage (:mod:`analysis.publish.render`, ``python -m analysis publish``) decides what
is published: the key numbers after disclosure control, the tables the document shows (the
chain of shares, the chain under every cut-off scheme, staff, participation, claims) and the
figures that passed the figure checker. It hands them to the findings notebook as one JSON file,
:data:`SET_FILE`, written by :func:`write_set` and read by :func:`read_set`. The document code
(:mod:`analysis.report.findings` and the sections) renders these values as they are: a number,
or a :class:`Mark`, a ``str`` such as ``"<5"`` or ``"x"`` with a true attribute ``suppressed``.
Nothing in :mod:`analysis.report` knows a threshold or suppresses a value.

The file format (JSON, UTF-8)::

    {"format": 1,
     "threshold": 5,                     # stated in the document, never used to decide
     "numbers": {"trajectories_started": 22, "trajectories_ongoing": {"$mark": "<5"}, ...},
     "tables": {"chain": {"columns": [...], "rows": [[...], ...]}, ...},
     "figures": {"trajectories_flow": {"status": "published", "reason_nl": "...",
                                        "file": "figuren/trajectories_flow.png",
                                        "smallest_cell": 6}, ...},
     "key_page": "kerngetallen.html"}

A mark is encoded as ``{"$mark": "<5"}`` so that it is never mistaken for a text value; file
paths are relative to the folder holding the set file (the published folder being built).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

SET_FILE: str = ".published_set.json"
"""Name of the hand-over file in the published folder being built (removed before the folder
is published)."""

FORMAT: int = 1
"""Version of the file format."""

KEY_PAGE: str = "kerngetallen.html"
"""The published key-number page: every number of the document links to its anchor there."""

FIGURE_STATUSES: tuple[str, ...] = ("published", "redrawn", "withheld")
"""What the figure checker decided for a figure (:mod:`analysis.publish.figures`)."""


class Mark(str):
    """A value withheld by disclosure control, shown as its sign (``"<5"``, ``"x"``).

    >>> m = Mark("<5")
    >>> m, m.suppressed, m + " gezinnen"
    ('<5', True, '<5 gezinnen')
    """

    suppressed = True


@dataclass(frozen=True)
class PublishedFigure:
    """One figure as the figure checker decided it.

    Attributes
    ----------
    name : str
        Figure name (file stem), e.g. ``"trajectories_flow"``.
    status : str
        ``"published"``, ``"redrawn"`` (small cells shown as suppressed) or ``"withheld"``.
    reason_nl : str
        One Dutch sentence: why the figure is withheld (or how it was redrawn).
    file : str or None
        The published PNG, relative to the published folder (None when withheld).
    smallest_cell : int or None
        Smallest count of people among the published marks (None: no count of people).
    """

    name: str
    status: str
    reason_nl: str = ""
    file: str | None = None
    smallest_cell: int | None = None

    @property
    def shown(self) -> bool:
        """Whether the figure is in the published set (published or redrawn)."""
        return self.status in ("published", "redrawn") and self.file is not None


@dataclass
class PublishedSet:
    """What the published document shows, decided by :mod:`analysis.publish.render`.

    Attributes
    ----------
    threshold : int
        The threshold the set was made at (the document states it).
    numbers : dict
        Key number -> published value (a value or a :class:`Mark`).
    tables : dict
        Name -> published table (DataFrame; marks in object columns).
    figures : dict
        Figure name -> :class:`PublishedFigure`.
    folder : Path
        The published folder (where :attr:`PublishedFigure.file` paths point).
    key_page : str
        The published key-number page, relative to the folder.
    """

    threshold: int
    numbers: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, PublishedFigure] = field(default_factory=dict)
    folder: Path = Path(".")
    key_page: str = KEY_PAGE

    def table(self, name: str) -> pd.DataFrame | None:
        """The published table ``name``, or None when the set has none (absent data)."""
        return self.tables.get(name)

    def link(self, key: str) -> str | None:
        """``kerngetallen.html#<key>`` for a key number of the set, else None."""
        return f"{self.key_page}#{key}" if key in self.numbers else None


def encode(value: Any) -> Any:
    """A value as stored in the set file (a mark as ``{"$mark": text}``; NaN as None)."""
    if getattr(value, "suppressed", False):
        return {"$mark": str(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return encode(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def decode(value: Any) -> Any:
    """A stored value back (``{"$mark": "<5"}`` -> ``Mark("<5")``)."""
    if isinstance(value, dict) and set(value) == {"$mark"}:
        return Mark(value["$mark"])
    return value


def write_set(folder: str | os.PathLike, *, threshold: int, numbers: Mapping[str, Any],
              tables: Mapping[str, pd.DataFrame], figures: Mapping[str, PublishedFigure]) -> Path:
    """Write the hand-over file :data:`SET_FILE` into ``folder``; returns its path."""
    from analysis.atomic import write_text_atomic

    data = {
        "format": FORMAT, "threshold": int(threshold), "key_page": KEY_PAGE,
        "numbers": {k: encode(v) for k, v in sorted(numbers.items())},
        "tables": {name: {"columns": [str(c) for c in frame.columns],
                          "rows": [[encode(v) for v in row]
                                   for row in frame.astype(object).itertuples(index=False)]}
                   for name, frame in sorted(tables.items())},
        "figures": {name: {"status": f.status, "reason_nl": f.reason_nl, "file": f.file,
                           "smallest_cell": f.smallest_cell}
                    for name, f in sorted(figures.items())},
    }
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)
    return write_text_atomic(Path(folder) / SET_FILE, text + "\n")


def read_set(path: str | os.PathLike) -> PublishedSet:
    """The published set in ``path`` (the file :data:`SET_FILE`, or the folder holding it).

    Raises
    ------
    analysis.errors.CompendiumError
        When the file is missing or not a published set of this format.
    """
    from analysis.errors import CompendiumError

    file = Path(path)
    if file.is_dir():
        file = file / SET_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CompendiumError(f"the published set {file.name} cannot be read ({error}); make "
                              "it with 'python -m analysis publish'") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CompendiumError(f"{file.name} is not a published set of format {FORMAT}; make it "
                              "again with 'python -m analysis publish'")
    tables = {}
    for name, table in (data.get("tables") or {}).items():
        rows = [[decode(v) for v in row] for row in table["rows"]]
        tables[name] = pd.DataFrame(rows, columns=table["columns"], dtype=object)
    figures = {name: PublishedFigure(name, f["status"], f.get("reason_nl") or "", f.get("file"),
                                     f.get("smallest_cell"))
               for name, f in (data.get("figures") or {}).items()}
    return PublishedSet(int(data["threshold"]),
                        {k: decode(v) for k, v in (data.get("numbers") or {}).items()},
                        tables, figures, file.parent, data.get("key_page") or KEY_PAGE)
