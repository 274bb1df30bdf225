"""The figure checker: which figures of a run may be published, decided from their marks tables.

Every figure the pipeline saves comes with the table behind its marks (one row per bar, cell,
segment, point, line or count printed on it; :mod:`analysis.report.figures.drawn`) and a meta
file (:func:`analysis.report.provenance.save_figure`, ``data/processed/<cohort>/figures/``).
:func:`publish_figures` reads those, never the figure's name or the text in its SVG, and decides
per figure, fail safe:

1. **Undeclared** (no meta, no marks table, or a PNG/SVG that is not the one the marks were
   saved with), or **not made by the last run** of the pipeline: withheld.
2. **Stale** (the marks were made from other raw data than the cohort's folder holds now, or
   the raw folder cannot be read): withheld.
3. **Individual** (any mark shows one person's own values: a line or point per family):
   withheld.
4. **Small cells.** A mark counting people (families, children, parents, professionals,
   participants) with ``0 < n < threshold`` is hidden and shown as ``"<k"``; a people mark whose
   count is unknown, and a mark repeating a key number that the published key numbers hide, is
   hidden as ``"x"``. Secondary suppression then runs over every sum the marks declare
   (``total = sum of parts``, :func:`hide_cells`), with every total taken as known to the
   reader (totals are the cohort's counts that other outputs show; only a total repeating a
   hidden key number is not): while one hidden cell of a sum, hidden cells adding up to
   between 1 and k-1, or a hidden cell pinned down by the ranges the signs give ("<5" is 1 to
   4: two of them adding up to 8 are both 4; an "x" on a drawn category is at least 1) could
   be worked out, the smallest shown part is hidden too (``"x"``, CBS's sign). A sum with no
   shown part left that is still unsafe (ten ages of "<5" adding up to a known 10) is **left
   out** of the figure, with the sums its parts are the total of. This is the rule of
   :func:`analysis.publish.disclosure.suppress_column`, applied to sums that share cells (a
   segment belongs to its bar and to the panel's total) and with the ranges checked. Shares,
   means and positions of a hidden mark are blanked with it: a share of 1 of 10 parents is
   the count 1. A mark's text never holds a count (:func:`analysis.report.figures.drawn.
   check_marks` refuses ``"n = 10"`` in a name or label), so hiding ``n`` hides the count.
5. **Published**: nothing hidden, so the PNG and SVG are copied as saved (banner and
   provenance metadata included). **Redrawn**: something hidden, the figure declares a redraw
   function and the redrawn figure still says something; the redrawn figure's own marks are
   checked again (no individual marks, no shown count below the threshold). **Withheld** otherwise, with one Dutch
   sentence saying why. "Says something" (:func:`says_something`): a bar, segment, cell, box
   or point that counts people above zero is still shown, not only a title's n.

What a published figure writes into ``out_dir``: ``<name>.png``, ``<name>.svg`` and
``<name>.marks.csv`` (the marks as published: hidden counts as ``"<k"``/``"x"``, their values
empty; rows of a redrawn figure in name order, so that no order by size ranks hidden marks), so
an output checker and ``share``'s scanner can read the table behind each PNG. Nothing written
names a machine path or holds a value the marks hide. Withheld figures leave no file (earlier
ones of the same name are removed).

The threshold is a parameter (default :data:`analysis.publish.disclosure.DEFAULT_THRESHOLD`;
CBS and ACRO use 10).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping

import pandas as pd

from analysis import paths
from analysis.atomic import write_bytes_atomic, write_csv_atomic
from analysis.errors import CompendiumError
from analysis.publish.disclosure import DEFAULT_THRESHOLD, HIDDEN, Suppressed, publish_numbers
from analysis.publish.relations import declared_sums
from analysis.report import provenance
from analysis.report.figures.drawn import (
    ANNOTATIONS,
    HIDDEN_COLUMNS,
    MARK_COLUMNS,
    PEOPLE_UNITS,
    RELATION_COLUMNS,
    REDRAW_PREFIX,
    Drawn,
    as_drawn,
    check_marks,
)

STATUSES: tuple[str, ...] = ("published", "redrawn", "withheld")
"""What can happen to a figure."""


@dataclass(frozen=True)
class FigureDecision:
    """What the checker decided for one figure.

    Attributes
    ----------
    name : str
        Figure name, e.g. ``"questionnaires_sdq_bands"``.
    status : str
        ``"published"`` (as saved), ``"redrawn"`` (small cells hidden) or ``"withheld"``.
    reason_nl : str
        One Dutch sentence; shown in the published document when the figure is withheld.
    smallest_cell : int or None
        Smallest count of people above zero among the published marks (None: no count of
        people is shown).
    files : tuple of Path
        Files written into ``out_dir`` (PNG, SVG, marks CSV); empty when withheld.
    rule : str
        The rule that decided (``undeclared``, ``stale``, ``individual``, ``threshold``,
        ``secondary``, ``none``): a column for ``disclosure_check.csv``.
    hidden : int
        Number of marks hidden (primary and secondary).
    hidden_keys : tuple of str
        Key numbers that a published (redrawn) figure hides: the published numbers must hide
        them too, or a reader could put the figure's shown counts and the text's together.
    """

    name: str
    status: str
    reason_nl: str
    smallest_cell: int | None
    files: tuple[Path, ...] = ()
    rule: str = "none"
    hidden: int = field(default=0, compare=False)
    hidden_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hiding:
    """Result of :func:`hide_cells`: the hidden marks and why, and the text to show per mark."""

    reasons: dict[str, str]
    shown: dict[str, str]

    @property
    def primary(self) -> set[str]:
        return {m for m, r in self.reasons.items() if r.startswith("small")}

    @property
    def secondary(self) -> set[str]:
        return set(self.reasons) - self.primary

    @property
    def dropped(self) -> set[str]:
        """Marks left out of the figure: parts of a sum that no hiding makes safe."""
        return {m for m, r in self.reasons.items() if "dropped:" in r}


def publish_figures(cohort: str, *, threshold: int = DEFAULT_THRESHOLD, out_dir: Path,
                    raw_root: str | os.PathLike | None = None,
                    published: Mapping[str, Any] | None = None,
                    last_run: Collection[str] | None = None,
                    figures_root: str | os.PathLike = paths.FIGURES,
                    marks_root: str | os.PathLike = paths.PROCESSED) -> list[FigureDecision]:
    """Every figure of the cohort's last run, checked from its declared marks table; fail safe.

    Parameters
    ----------
    cohort : str
        Cohort whose figures (``figures/<cohort>/*.png``) and marks
        (``data/processed/<cohort>/figures/``) are checked.
    threshold : int
        Smallest count of people that may be shown (CBS and ACRO: 10).
    out_dir : Path
        Folder the published figures are written into (created when missing).
    raw_root : path-like, optional
        Where the cohort's raw folder lives (as ``run --raw-dir``); default ``data/raw``. Its
        content hash must equal the one the figures were made from.
    published : mapping, optional
        The key numbers as published (values hidden by disclosure control are
        :class:`~analysis.publish.disclosure.Suppressed`). A mark repeating a hidden key number
        is hidden too. Default: the run's ``reports/<cohort>/key_numbers.json`` through
        :func:`~analysis.publish.disclosure.publish_numbers` at ``threshold``; when there is no
        such file, every mark that repeats a key number is hidden.
    last_run : collection of str, optional
        Names of the figures the cohort's last pipeline run made; a figure on disk that is not
        among them (saved from a notebook run by hand) is withheld. Default: the run's record,
        :func:`analysis.pipeline.state.figures_of_run`.
    figures_root, marks_root : path-like
        ``figures/`` and ``data/processed/`` (for tests).

    Returns
    -------
    list of FigureDecision
        One per figure, sorted by name.
    """
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise ValueError(f"publish_figures: threshold must be a whole number >= 1; got "
                         f"{threshold!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(figures_root) / cohort
    meta_folder = provenance.marks_folder(cohort, marks_root=marks_root)
    names = sorted({p.stem for p in folder.glob("*.png")}
                   | {p.stem for p in meta_folder.glob("*.json")})
    current = _current_hash(cohort, raw_root)
    keys = _published_keys(cohort, threshold, published)
    if last_run is None:
        from analysis.pipeline.state import figures_of_run  # the run's record, read only

        last_run = figures_of_run(cohort)
    decisions = []
    for name in names:
        if name in last_run:
            decision = _decide(name, folder, meta_folder, threshold=threshold, current=current,
                               keys=keys, out_dir=out_dir)
        else:
            decision = _withheld(name, "Deze figuur is niet gemaakt in de laatste run van de "
                                       "pijplijn en wordt daarom niet gepubliceerd.", "not in run")
        if decision.status == "withheld":
            for suffix in (".png", ".svg", ".marks.csv"):
                (out_dir / f"{name}{suffix}").unlink(missing_ok=True)
        decisions.append(decision)
    return decisions


def decisions_frame(decisions: list[FigureDecision]) -> pd.DataFrame:
    """Decisions as a table (``figure, status, rule, smallest_cell, hidden, reason_nl,
    files``), file names only: rows for ``disclosure_check.csv``."""
    return pd.DataFrame(
        [{"figure": d.name, "status": d.status, "rule": d.rule,
          "smallest_cell": d.smallest_cell, "hidden": d.hidden, "reason_nl": d.reason_nl,
          "files": " ".join(f.name for f in d.files)} for d in decisions],
        columns=["figure", "status", "rule", "smallest_cell", "hidden", "reason_nl", "files"],
    ).astype({"smallest_cell": "Int64"})


# ----------------------------------------------------------------------------- the rules
def hide_cells(marks: pd.DataFrame, *, threshold: int,
               hidden_keys: set[str] | None = frozenset()) -> Hiding:
    """Which marks to hide, and the text shown for each people count.

    Parameters
    ----------
    marks : DataFrame
        A marks table (:func:`analysis.report.figures.drawn.check_marks`).
    threshold : int
        Counts of people ``0 < n < threshold`` are hidden (``"<threshold"``).
    hidden_keys : set of str or None
        Key numbers hidden in the published numbers; a mark repeating one is hidden (``"x"``).
        None: the published numbers are unknown, so every mark that repeats a key is hidden.

    Returns
    -------
    Hiding
        ``reasons``: hidden mark -> reason (``small``, ``unknown count``, ``key hidden``,
        ``secondary: <sum>``, ``dropped: <sum>``, ``small; dropped: <sum>``); ``shown``: mark -> text for its ``n``
        (``"12"``, ``"0"``, ``"<5"``, ``"x"``; a count that is not of people as it is; ``""``
        when the mark is no count or is left out of the figure).

    Examples
    --------
    >>> from analysis.report.figures.drawn import mark, marks_frame
    >>> marks = marks_frame([mark("a", 12, "families", part_of="t"),
    ...                      mark("b", 3, "families", part_of="t"),
    ...                      mark("c", 9, "families", part_of="t"),
    ...                      mark("t", 24, "families", total_of="t")])
    >>> hide_cells(marks, threshold=5).shown
    {'a': '12', 'b': '<5', 'c': 'x', 't': '24'}
    """
    marks = check_marks(marks)
    people = {m for m, u in zip(marks["mark"], marks["unit"]) if u in PEOPLE_UNITS}
    n = {m: (None if pd.isna(v) else int(v)) for m, v in zip(marks["mark"], marks["n"])}
    reasons: dict[str, str] = {}
    for name in people:
        if n[name] is None:
            reasons[name] = "unknown count"
        elif 0 < n[name] < threshold:
            reasons[name] = "small"
    for name, key in zip(marks["mark"], marks["key"]):
        if key and name not in reasons and (hidden_keys is None or key in hidden_keys):
            reasons[name] = "key hidden"
    _secondary(marks, n, people, reasons, threshold)
    shown = {}
    for name in marks["mark"]:
        if _dropped(name, reasons):
            shown[name] = ""
        elif name in reasons:
            shown[name] = (f"<{threshold}" if reasons[name] == "small" else HIDDEN)
        else:
            shown[name] = "" if n[name] is None else str(n[name])
    return Hiding(reasons, shown)


def _secondary(marks: pd.DataFrame, n: Mapping[str, int | None], people: set[str],
               reasons: dict[str, str], threshold: int) -> None:
    """Hide or leave out more cells until no hidden people count of a declared sum can be
    worked out, treating every total as known.

    A total counts a group the cohort's other outputs usually show (the trajectories started,
    a panel's n), so hiding it protects nothing: the reader is assumed to know every total,
    also one shown as "x" or "<k", and the total of a group declared without a total mark (the
    sum of its parts). The one exception is a total hidden because it repeats a key number
    the published numbers hide: that number is nowhere to be read. For each sum with hidden
    parts (:func:`_safe`: at least two, their sum 0 or at least ``threshold``, none pinned down
    by the ranges the signs give) the smallest shown part above zero is hidden (``"x"``; a
    zero part when there is none). A sum whose parts are all hidden and still unsafe (ten ages
    of "<5" adding up to a known 10 are ten ones) is **left out**: its parts are dropped from
    the figure (reason ``dropped: <sum>``), and with them every sum they are the total of (the
    segments of a bar that is not drawn). A dropped part of another sum is an unpublished rest
    there, 0 or more. Sums are checked again until nothing changes.
    """
    sums = declared_sums((name, part_of, total_of) for name, part_of, total_of
                         in zip(marks["mark"], marks["part_of"], marks["total_of"])
                         if name in people)
    changed = True
    while changed:
        changed = False
        for relation, cells in sums.items():
            parts = [p for p in cells["parts"] if not _dropped(p, reasons)]
            if not parts:
                continue
            totals = cells["totals"]
            if totals and all(_dropped(t, reasons) for t in totals):
                victims, why = parts, "dropped"  # a bar not drawn has no segments either
            else:
                victims, why = _victims(parts, cells["parts"], totals, n, reasons, threshold)
            for victim in victims:  # a small cell left out stays a small cell (primary)
                reasons[victim] = ("small; " if reasons.get(victim) == "small" else "") + \
                    f"{why}: {relation}"
            changed = changed or bool(victims)


def _dropped(name: str, reasons: Mapping[str, str]) -> bool:
    return "dropped:" in reasons.get(name, "")


def _victims(parts: list[str], every_part: list[str], totals: list[str],
             n: Mapping[str, int | None], reasons: Mapping[str, str], threshold: int
             ) -> tuple[list[str], str]:
    """What to hide next in one sum and why: nothing (safe), the smallest shown part
    (``secondary``), or every part still drawn (``dropped``: hiding cannot make it safe)."""
    hidden = [p for p in every_part if p in reasons]
    if not hidden and not any(t in reasons for t in totals):
        return [], ""
    total_secret = bool(totals) and all(reasons.get(t) == "key hidden" for t in totals)
    if hidden and (total_secret or _safe(hidden, n, reasons, threshold)):
        return [], ""
    # a hidden part that can be worked out, or a hidden total that is the sum of shown parts
    shown = [p for p in parts if p not in reasons]
    above_zero = sorted((p for p in shown if (n[p] or 0) > 0), key=lambda p: (n[p], p))
    zeros = sorted(p for p in shown if not (n[p] or 0))
    if above_zero or zeros:
        return [(above_zero or zeros)[0]], "secondary"
    return parts, "dropped"


def _safe(hidden: list[str], n: Mapping[str, int | None], reasons: Mapping[str, str],
          threshold: int) -> bool:
    """Whether the hidden parts of a sum whose total is known stay unknown.

    A reader knows their sum ``S`` (total minus shown parts) and each one's range: 1 to k-1
    for ``"<k"``; for ``"x"`` 1 to S when the mark holds people (a category drawn may be drawn
    only because someone is in it: fail safe), else 0 to S; a part left out of the figure, 0 to
    S. Safe when at least two are hidden, ``S`` is 0 or at least ``threshold``, and every hidden
    part can still take two values, none but a "<k" being certainly between 1 and k-1 (two
    cells "<5" adding up to 8 are 4 and 4).
    """
    known = sum(n[p] or 0 for p in hidden)
    if len(hidden) < 2 or 0 < known < threshold:
        return False
    bounds = {p: (1, threshold - 1) if reasons[p] == "small"
              else (0 if _dropped(p, reasons) or not n[p] else 1, known) for p in hidden}
    for p in hidden:
        others_low = sum(bounds[q][0] for q in hidden if q != p)
        others_high = sum(bounds[q][1] for q in hidden if q != p)
        low, high = max(bounds[p][0], known - others_high), min(bounds[p][1], known - others_low)
        if low >= high or (reasons[p] != "small" and 1 <= low and high <= threshold - 1):
            return False
    return True


def suppressed(marks: pd.DataFrame, hiding: Hiding) -> pd.DataFrame:
    """``marks`` as a redraw function receives them: the marks left out (``hiding.dropped``)
    removed, ``hidden`` and ``shown`` added, ``n`` and every numeric value column blank in
    hidden rows (text columns, the labels, are kept)."""
    out = check_marks(marks)
    out = out[~out["mark"].isin(list(hiding.dropped))].reset_index(drop=True)
    out["hidden"] = out["mark"].isin(list(hiding.reasons))
    out["shown"] = out["mark"].map(hiding.shown).astype(str)
    keep = set(MARK_COLUMNS) | set(RELATION_COLUMNS) | set(HIDDEN_COLUMNS)
    for column in out.columns:
        if column in keep:
            continue
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(
                out[column]):
            out[column] = out[column].astype(float).mask(out["hidden"])
    out["n"] = out["n"].mask(out["hidden"])
    return out


def says_something(marks: pd.DataFrame, hiding: Hiding) -> bool:
    """Whether a figure with ``hiding`` applied still shows at least one data mark (a bar,
    segment, cell, box ...: not a count in a title, legend or note, nor a derived one) that
    counts people above zero."""
    people = marks["unit"].isin(list(PEOPLE_UNITS))
    informative = people & (marks["n"].fillna(0) > 0)
    if "element" in marks.columns:
        informative &= ~marks["element"].astype("string").fillna("").isin(list(ANNOTATIONS))
    return bool((informative & ~marks["mark"].isin(list(hiding.reasons))).any())


def smallest_cell(marks: pd.DataFrame, hidden: set[str] = frozenset()) -> int | None:
    """Smallest count of people above zero among the shown marks (None when none)."""
    shown = marks[marks["unit"].isin(list(PEOPLE_UNITS)) & ~marks["mark"].isin(list(hidden))]
    values = shown["n"].dropna()
    values = values[values > 0]
    return int(values.min()) if len(values) else None


# ----------------------------------------------------------------------------- one figure
def _decide(name: str, folder: Path, meta_folder: Path, *, threshold: int,
            current: str | None, keys: set[str] | None, out_dir: Path) -> FigureDecision:
    meta, marks, why = _load(name, folder, meta_folder)
    if marks is None:
        return _withheld(name, f"Deze figuur heeft geen verklaarde gegevens ({why}) en wordt "
                               "daarom niet gepubliceerd.", "undeclared")
    if current is None:
        return _withheld(name, "De ruwe gegevens van deze figuur zijn niet te lezen, dus is niet "
                               "na te gaan of ze actueel is; daarom wordt ze niet gepubliceerd.",
                         "stale")
    if meta.get("inputs_hash") != current:
        return _withheld(name, "Deze figuur is gemaakt met andere ruwe gegevens dan er nu zijn "
                               "en wordt daarom niet gepubliceerd.", "stale")
    if marks["individual"].any():
        return _withheld(name, "Deze figuur toont de waarden van afzonderlijke personen "
                               "(bijvoorbeeld één lijn of punt per gezin) en wordt daarom niet "
                               "gepubliceerd.", "individual")
    hiding = hide_cells(marks, threshold=threshold, hidden_keys=keys)
    if not hiding.reasons:
        files = _publish_as_saved(name, folder, marks, out_dir)
        return FigureDecision(name, "published", "", smallest_cell(marks), files, "none")
    rule = "secondary" if hiding.secondary else "threshold"
    small = (f"groepen van minder dan {threshold} personen" if hiding.primary
             else "aantallen die de gepubliceerde cijfers verbergen")
    if not meta.get("redraw"):
        return _withheld(name, f"Deze figuur bevat {small} en kan niet zonder die groepen "
                               "worden getekend; daarom wordt ze niet gepubliceerd.", rule,
                         len(hiding.reasons))
    if not says_something(marks, hiding):
        return _withheld(name, f"Deze figuur bevat {small}; zonder die groepen blijft er "
                               "niets te tonen, daarom wordt ze niet gepubliceerd.", rule,
                         len(hiding.reasons))
    table = suppressed(marks, hiding)
    try:
        drawn = _redraw(meta["redraw"], table)
        _check_redrawn(drawn, table, threshold)
    except Exception as error:  # noqa: BLE001 - a redraw that fails or leaks is not published
        return _withheld(name, f"Deze figuur bevat {small} en kon niet zonder die groepen "
                               "opnieuw worden getekend; daarom wordt ze niet gepubliceerd.",
                         f"redraw failed ({type(error).__name__})", len(hiding.reasons))
    published = _published_marks(drawn.marks, table)
    note = (f"Groepen van minder dan {threshold} personen zijn verborgen." if hiding.primary
            else "Aantallen die de gepubliceerde cijfers verbergen, zijn ook hier verborgen.")
    if hiding.dropped:
        note += " Onderverdelingen die alleen uit zulke groepen bestaan, zijn weggelaten."
    files = _write_redrawn(name, meta, drawn, published, note, out_dir)
    keys = tuple(sorted({k for m, k in zip(marks["mark"], marks["key"])
                         if k and m in hiding.reasons}))
    return FigureDecision(name, "redrawn", f"In deze figuur zijn {small} verborgen.",
                          smallest_cell(drawn.marks), files, rule, len(hiding.reasons), keys)


def _withheld(name: str, reason: str, rule: str, hidden: int = 0) -> FigureDecision:
    return FigureDecision(name, "withheld", reason, None, (), rule, hidden)


def _load(name: str, folder: Path, meta_folder: Path
          ) -> tuple[dict, pd.DataFrame | None, str]:
    """Meta and marks of ``name``, or (meta, None, why) when the figure is not declared."""
    meta_file = meta_folder / f"{name}.json"
    if not meta_file.is_file():
        return {}, None, "geen beschrijving bij de figuur"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, None, "de beschrijving is onleesbaar"
    if not meta.get("declared") or meta.get("marks") != f"{name}.marks.csv":
        return meta, None, "opgeslagen zonder tabel van wat ze toont"
    for suffix, key in ((".png", "png_sha256"), (".svg", "svg_sha256")):
        file = folder / f"{name}{suffix}"
        if not file.is_file() or hashlib.sha256(file.read_bytes()).hexdigest() != meta.get(key):
            return meta, None, "het bestand hoort niet bij zijn tabel"
    try:
        marks = read_marks(meta_folder / meta["marks"], columns=meta.get("columns"))
    except (OSError, ValueError, TypeError, KeyError) as error:
        return meta, None, f"de tabel is onleesbaar: {type(error).__name__}"
    return meta, marks, ""


def read_marks(path: str | os.PathLike, *, columns: Mapping[str, str] | None = None
               ) -> pd.DataFrame:
    """A marks CSV as written by :func:`analysis.report.provenance.save_figure`, typed by
    ``columns`` (column -> ``text``, ``integer``, ``number``, ``bool``; the meta's
    ``columns``); columns it does not name are read as text."""
    kinds = dict(columns or {})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                        encoding="utf-8")
    for column in frame.columns:
        kind = "bool" if column == "individual" else kinds.get(column, "text")
        if kind == "bool":
            frame[column] = frame[column].fillna("False").str.strip().str.lower() == "true"
        elif kind in ("integer", "number") or column == "n":
            frame[column] = pd.to_numeric(frame[column], errors="raise")
        else:  # text, with the apostrophe that kept a formula-like cell inert taken off
            frame[column] = frame[column].astype("string").str.replace(
                r"^'(?=[=+\-@\t\r])", "", regex=True)
    return check_marks(frame)


def _current_hash(cohort: str, raw_root: str | os.PathLike | None) -> str | None:
    try:
        return provenance.input_hash(cohort, raw_root)
    except CompendiumError:
        return None


def _published_keys(cohort: str, threshold: int,
                    published: Mapping[str, Any] | None) -> set[str] | None:
    """Names of the key numbers the publication hides; None when they cannot be known."""
    if published is None:
        file = paths.key_numbers_path(cohort)
        if not file.is_file():
            return None
        numbers = json.loads(file.read_text(encoding="utf-8"))
        published, _ = publish_numbers(numbers, threshold=threshold)
    return {k for k, v in published.items() if isinstance(v, Suppressed)}


def _publish_as_saved(name: str, folder: Path, marks: pd.DataFrame,
                      out_dir: Path) -> tuple[Path, ...]:
    png = write_bytes_atomic(out_dir / f"{name}.png", (folder / f"{name}.png").read_bytes())
    svg = write_bytes_atomic(out_dir / f"{name}.svg", (folder / f"{name}.svg").read_bytes())
    shown = marks.astype({"n": "object"})
    csv = write_csv_atomic(out_dir / f"{name}.marks.csv", shown)
    return png, svg, csv


def _redraw(target: str, table: pd.DataFrame) -> Drawn:
    """Call the redraw function named in a meta file (only inside analysis.report.figures)."""
    module_name, _, function = str(target).partition(":")
    if not module_name.startswith(REDRAW_PREFIX) or not function.isidentifier():
        raise CompendiumError(f"redraw function {target!r} is not one of the package's figure "
                              f"functions ({REDRAW_PREFIX}<module>:<function>)")
    drawn = getattr(importlib.import_module(module_name), function)(table.copy())
    figure, declared = as_drawn(drawn)
    if declared is None:
        raise CompendiumError(f"redraw function {target} returned a figure without marks")
    return declared


def _published_marks(marks: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The redrawn marks with ``n`` as published (numbers, ``"<k"``, ``"x"``), in name order."""
    shown = dict(zip(table["mark"], table["shown"]))
    out = marks.astype({"n": "object"}).copy()
    for i, name in zip(out.index, out["mark"]):
        text = shown.get(name)
        if text in ("", None):
            continue
        out.at[i, "n"] = text if not text.isdigit() else int(text)
    return out.sort_values(["panel", "mark"], kind="stable").reset_index(drop=True)


def _check_redrawn(drawn: Drawn, table: pd.DataFrame, threshold: int) -> None:
    """The redrawn figure shows no individual mark, no small count, no hidden mark and no mark
    that was left out (``table`` holds only the marks it may draw)."""
    marks = drawn.marks
    hidden = set(table.loc[table["hidden"], "mark"])
    problems = []
    extra = marks[~marks["mark"].isin(list(table["mark"]))]
    if len(extra):
        problems.append(f"a mark it was not given ({extra['mark'].iloc[0]})")
    if marks["individual"].any():
        problems.append("an individual mark")
    people = marks[marks["unit"].isin(list(PEOPLE_UNITS))]
    small = people[(people["n"].fillna(0) > 0) & (people["n"].fillna(0) < threshold)]
    if len(small):
        problems.append(f"a count below {threshold} ({small['mark'].iloc[0]})")
    leaked = marks[marks["mark"].isin(list(hidden)) & marks["n"].notna()]
    if len(leaked):
        problems.append(f"the hidden mark {leaked['mark'].iloc[0]}")
    if problems:
        raise CompendiumError("redrawn figure shows " + " and ".join(problems) + "; the redraw "
                              "function must draw only what the suppressed marks show")


def _write_redrawn(name: str, meta: Mapping[str, Any], drawn: Drawn, published: pd.DataFrame,
                   note: str, out_dir: Path) -> tuple[Path, ...]:
    caption = " ".join(str(meta.get("caption", "")).split()) or name
    caption = caption.rstrip(".") + ". " + note
    synthetic = bool(meta.get("synthetic"))
    if synthetic:
        caption += " Synthetische data, geen echte gezinnen."
    full = f"{caption} {meta.get('provenance', '')}".strip()
    notebook, cell = str(meta.get("notebook", "")), str(meta.get("cell", "")) or None
    fields = provenance.figure_fields(title=str(meta.get("title") or name), caption=full,
                                      notebook=notebook, cell=cell,
                                      cohort=str(meta.get("cohort", "")),
                                      inputs_hash=str(meta.get("inputs_hash", "")),
                                      commit=str(meta.get("commit", "")), synthetic=synthetic)
    png_bytes, svg_bytes = provenance.render_figure(drawn.figure, fields, synthetic=synthetic)
    png = write_bytes_atomic(out_dir / f"{name}.png", png_bytes)
    svg = write_bytes_atomic(out_dir / f"{name}.svg", svg_bytes)
    csv = write_csv_atomic(out_dir / f"{name}.marks.csv", published)
    return png, svg, csv
