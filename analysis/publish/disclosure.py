"""The published numbers: statistical disclosure control of key numbers and tables.

Everything a reader sees is decided here, once: :func:`publish_numbers` turns a run's key
numbers into the published set (values, or :class:`Suppressed` marks shown as they are),
:func:`publish_table` does the same for a table the document shows, and every decision is
recorded (:class:`Decision`, the rows of ``disclosure_check.csv``). Which key number counts what,
and how key numbers relate, is data: ``analysis/definitions/disclosure.yaml``
(:mod:`analysis.publish.relations`). This module imports no :mod:`analysis.report` code, so the
document receives numbers that are already decided.

Rules, in the order they are applied:

1. **Primary suppression** (rule ``threshold``). A count of people (families, children,
   parents, professionals, participants) from 1 to ``threshold - 1`` is shown as ``"<k"``
   (k the threshold). Zeros are shown. Counts that are not about people (sessions,
   focus-group sessions, warnings, segments, hours, places, items, scales, planned sample
   sizes) are never suppressed for being small. A name no rule declares counts people when it
   has a count word (``_n``, ``_k``, ``_count``) or a whole-number value: fail safe. Source:
   CBS, *Outputrichtlijnen CBS Microdata* (minimum cell size; 10 there, a parameter here);
   ACRO (AI-SDC/ACRO, SACRO project), ``threshold`` check.
2. **Secondary suppression** (rule ``secondary``). Over every relation between people counts
   that the outputs allow (sums, differences of shown counts with the unpublished rest,
   equal counts under two names; :class:`analysis.publish.relations.Equation`), more counts
   are hidden until no hidden count can be worked out, no hidden count is known to be below
   the threshold, and no set of hidden counts in one relation sums to 1..k-1
   (:mod:`analysis.publish.suppression`; smallest shown count first). These are shown as
   ``"x"``, CBS's sign for a confidential figure: "<k" would be false for them. Source: CBS
   (no cell recoverable from totals or other cells); Hundepool et al. (2012), *Statistical
   Disclosure Control*, Wiley, section 4.3.
3. **Statistics that give counts back** (rule ``statistic``). An exact McNemar or sign-test
   p-value is a function of the discordant pairs (p = 0.25 = 2 x 0.5^3 gives back 3 pairs, all
   one way), an exact signed-rank p of 2 x 0.5^m says that all m non-zero changes went one
   way: such a p is hidden with its companions when the counts it gives back are small; and
   any statistic of a sample whose count is hidden is hidden. Source: ACRO's rule that
   statistics of groups below the threshold are disclosive; Hundepool et al. (2012), 4.2.
4. **Ratios** (rule ``ratio``). A percentage, share, interval or planned number computed from
   a hidden count is ``"x"`` (a shown percentage next to its shown denominator gives the
   numerator back, "<5 ... (40%)" next to "Van de 10").
5. **Texts** (rule ``text``). A text key number (a reason, a verdict) holding a whole number
   from 1 to k-1 is ``"x"`` ("te weinig veranderingen (2)"), except the cohort's own words
   listed in ``texts_shown``.

:mod:`analysis.publish.attack` checks the result independently: from the published numbers
and the public relations alone, it bounds every hidden count by integer programming.
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from analysis.publish import relations as _relations
from analysis.publish.relations import Equation, public_relations
from analysis.publish.suppression import protect

DEFAULT_THRESHOLD: int = 5
"""Default threshold (a parameter everywhere). CBS and ACRO use 10 (see disclosure.yaml)."""

CBS_THRESHOLD: int = 10
"""Minimum cell size of CBS's output guidelines for microdata (and ACRO's default)."""

HIDDEN: str = "x"
"""How a value hidden for any reason but its own smallness is shown: CBS's sign "geheim"."""

NOT_A_COUNT: str = "none"
"""The unit of a key number that is not a count (p-values, percentages, scores)."""


class Suppressed(str):
    """A suppressed value as shown: ``"<5"`` (a small count of people) or ``"x"`` (hidden).

    Formatting code passes it through unchanged.

    >>> Suppressed("<5").small, Suppressed("x").small
    (True, False)
    """

    suppressed = True

    @property
    def small(self) -> bool:
        """Whether this says "a count from 1 to k-1" (primary), not just "hidden"."""
        return self.startswith("<")


@dataclass(frozen=True)
class Decision:
    """One line of ``disclosure_check.csv``: what was checked, by which rule, and the outcome.

    ``rule``: ``threshold`` (primary), ``secondary`` (a relation), ``ratio``, ``statistic``,
    ``relation`` (a relation that was checked), ``table``; ``status``: ``pass``,
    ``suppressed``, ``withheld`` or ``fail``; ``smallest_cell``: for a table or figure, the
    smallest count of people shown (None: none shown, or not a table).
    """

    output: str
    rule: str
    status: str
    reason: str
    smallest_cell: int | None = None


def rules() -> dict[str, Any]:
    """``analysis/definitions/disclosure.yaml`` (read once)."""
    return _relations.rules()


# --------------------------------------------------------------------------- what is counted

def unit_of(name: str, value: Any = None) -> str | None:
    """What key number ``name`` counts (``families``, ``sessions`` ...; ``none``: not a count).

    A name no rule declares is a count of people when it has a count word or ``value`` is a
    whole number (an int); otherwise None.

    >>> unit_of("trajectories_dropped_out"), unit_of("interview_sessions_n")
    ('families', 'sessions')
    >>> unit_of("validation_warnings_n"), unit_of("something_new_n"), unit_of("sdq_total_t_p")
    ('warnings', 'people (undeclared)', 'none')
    >>> unit_of("new_group_size", 3), unit_of("new_score", 2.5)
    ('people (undeclared)', None)
    """
    declared = _declared_unit(name)
    if declared is not None:
        return declared
    if re.search(r"(?:^|_)(?:n|k|count)(?:_|$)", name):
        return "people (undeclared)"
    if isinstance(value, int) and not isinstance(value, bool):
        return "people (undeclared)"
    return None


@functools.lru_cache(maxsize=4096)
def _declared_unit(name: str) -> str | None:
    for rule in rules()["counts"]:
        if fnmatch.fnmatchcase(name, rule["pattern"]):
            return rule["counts"]
    return None


def is_person_count(name: str, value: Any = None) -> bool:
    """Whether key number ``name`` counts people (families, children, parents, professionals,
    participants, or undeclared: see :func:`unit_of`).

    >>> is_person_count("therapists_play"), is_person_count("focus_group_sessions_n")
    (True, False)
    """
    unit = unit_of(name, value)
    return unit is not None and (unit in rules()["person_units"] or unit.startswith("people"))


def _not_a_count(name: str, value: Any) -> bool:
    return unit_of(name, value) in (None, NOT_A_COUNT)


# --------------------------------------------------------------------------- key numbers

def publish_numbers(numbers: Mapping[str, Any], *, threshold: int = DEFAULT_THRESHOLD
                    ) -> tuple[dict[str, Any], list[Decision]]:
    """Key numbers as published, and the decisions taken (see the module docstring).

    Returns the mapping with every key of ``numbers`` in its order (hidden values as
    :class:`Suppressed`) and the decisions: one per hidden value, one per people count shown,
    one per relation checked.

    >>> out, _ = publish_numbers({"trajectories_started": 22, "trajectories_completed": 18,
    ...                           "trajectories_dropped_out": 2, "trajectories_ongoing": 2,
    ...                           "focus_group_sessions_n": 2, "validation_warnings_n": 0})
    >>> [out[k] for k in out]
    [22, 'x', '<5', '<5', 2, 0]
    """
    threshold = check_threshold(threshold)
    try:  # the same numbers are often published again (one document asks per sentence)
        key = (threshold, tuple((k, type(v).__name__, v) for k, v in numbers.items()))
        hash(key)
    except TypeError:
        return _publish_numbers(numbers, threshold)
    published, decisions = _cached(key)
    return dict(published), list(decisions)


@functools.lru_cache(maxsize=16)
def _cached(key: tuple) -> tuple[dict[str, Any], list[Decision]]:
    threshold, items = key
    return _publish_numbers({k: v for k, _, v in items}, threshold)


def _publish_numbers(numbers: Mapping[str, Any], threshold: int
                     ) -> tuple[dict[str, Any], list[Decision]]:
    relations = public_relations(numbers)
    hidden: dict[str, tuple[str, str, str]] = {}
    for name, value in numbers.items():
        if is_person_count(name, value) and _small(value, threshold):
            hidden[name] = (f"<{threshold}", "threshold",
                            f"count of {unit_of(name, value)} from 1 to {threshold - 1}")
    _secondary(numbers, relations, hidden, threshold)
    _statistics(numbers, relations, hidden, threshold)
    _derived(numbers, relations, hidden)
    _texts(numbers, hidden, threshold)
    out, decisions = {}, []
    for name, value in numbers.items():
        if name in hidden:
            sign, rule, reason = hidden[name]
            out[name] = Suppressed(sign)
            decisions.append(Decision(f"key_numbers.json:{name}", rule, "suppressed", reason))
            continue
        out[name] = value
        if is_person_count(name, value) and _is_count_value(value):
            decisions.append(Decision(f"key_numbers.json:{name}", "threshold", "pass",
                                      f"count of {unit_of(name, value)}: 0 or at least "
                                      f"{threshold}"))
    decisions += [Decision("key_numbers.json", "relation", "pass", f"checked: {eq}")
                  for eq in relations.equations]
    return out, decisions


def check_threshold(threshold: Any) -> int:
    """``threshold`` as an int of at least 3, or a ValueError saying what came in (below 3,
    "<k" would give the count back: "<2" is 1)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 3:
        raise ValueError(f"threshold must be a whole number of at least 3 (5 by default, 10 "
                         f"under CBS's rules); got {threshold!r}")
    return threshold


def _secondary(numbers, relations, hidden, threshold) -> None:
    equations = relations.equations
    if not equations:
        return
    values = {c: int(numbers[c]) for e in equations for c in (e.total, *e.parts)}
    for eq in equations:
        if eq.rest:
            values[eq.rest] = values[eq.total] - sum(values[p] for p in eq.parts)
    added = protect(values, [h for h in hidden if h in values], equations,
                    threshold=threshold, rests=relations.rests)
    for cell, why in added.items():
        hidden[cell] = (HIDDEN, "secondary", f"hidden so that no count can be worked out: "
                                             f"{why}")


def _statistics(numbers, relations, hidden, threshold) -> None:
    for stat in relations.statistics:
        if stat.value in hidden:
            continue
        why = None
        if stat.pairs in hidden:
            why = f"statistic on {stat.pairs}, which is hidden"
        else:
            counts = revealed_counts(stat.test, numbers[stat.value], int(numbers[stat.pairs]))
            small = [what for what, values in counts.items()
                     if values and all(1 <= v <= threshold - 1 for v in values)]
            if small:
                why = (f"the exact p-value gives back {' and '.join(small)} below {threshold} "
                       f"({stat.test})")
        if why:
            for key in (stat.value, *stat.companions):
                if key in numbers and key not in hidden and numbers[key] is not None \
                        and not is_person_count(key, numbers[key]):
                    hidden[key] = (HIDDEN, "statistic", why if key == stat.value else
                                   f"goes with {stat.value}: {why}")


def revealed_counts(test: str, p: float, pairs: int) -> dict[str, set[int]]:
    """The counts an exact test's ``p`` is consistent with, over at most ``pairs`` pairs.

    ``mcnemar_exact`` (and the sign test): p = min(1, 2 P(Bin(m, 1/2) <= c)) with m discordant
    pairs, c of them the less frequent way; returns the possible ``discordant pairs`` (m), the
    ``pairs one way`` (m - c) and ``pairs the other way`` (c). ``signed_rank_exact``: p = 2 x
    0.5^m only when all m non-zero changes go one way; returns the possible ``non-zero changes``
    (empty when p is not of that form).

    >>> revealed_counts("mcnemar_exact", 0.25, 14)["discordant pairs"]
    {3}
    >>> revealed_counts("signed_rank_exact", 0.125, 14)
    {'non-zero changes': {4}}
    """
    tolerance = _relations.rounding(p) * 1.000001
    if test == "mcnemar_exact":
        found = [(m, c) for m in range(pairs + 1) for c in range(m // 2 + 1)
                 if abs(min(1.0, 2 * _binomial_cdf(c, m)) - p) <= tolerance]
        return {"discordant pairs": {m for m, _ in found},
                "pairs one way": {m - c for m, c in found},
                "pairs the other way": {c for _, c in found}}
    if test == "signed_rank_exact":
        return {"non-zero changes": {m for m in range(1, pairs + 1)
                                     if abs(2 * 0.5 ** m - p) <= tolerance}}
    raise ValueError(f"unknown exact test {test!r}; expected mcnemar_exact or signed_rank_exact")


def _binomial_cdf(c: int, m: int) -> float:
    """P(Bin(m, 1/2) <= c), exactly (sums of binomial coefficients)."""
    return sum(math.comb(m, i) for i in range(c + 1)) / 2 ** m


def _derived(numbers, relations, hidden) -> None:
    def hide(key, rule, why):
        if key in numbers and key not in hidden and numbers[key] is not None \
                and not is_person_count(key, numbers[key]):
            hidden[key] = (HIDDEN, rule, why)

    for ratio in relations.ratios:
        cause = next((c for c in (ratio.numerator, *(k for _, k in ratio.denominator))
                      if c in hidden), None)
        if cause:
            hide(ratio.value, "ratio", f"ratio of the hidden count {cause}")
    for interval in relations.intervals:
        cause = next((c for c in (interval.numerator, interval.denominator) if c in hidden), None)
        if cause:
            for key in (interval.low, interval.high):
                hide(key, "ratio", f"interval of a share of the hidden count {cause}")
    counts_hidden = [k for k in hidden if is_person_count(k, numbers[k])]
    for rule in rules().get("derived", []):
        cause = next((c for c in rule["from"] if c in counts_hidden), None)
        if cause:
            for key in _relations.expand(rule["keys"], list(numbers), {}):
                hide(key, "ratio", f"computed from the hidden count {cause}")
    for cause in counts_hidden:
        stem = _stem(cause)
        if stem:
            for key in numbers:
                if key.startswith(stem + "_") and _not_a_count(key, numbers[key]):
                    hide(key, "statistic", f"computed from the hidden count {cause}")


_WHOLE_NUMBER = re.compile(r"(?<![\d.,])\d+(?![\d]|[.,]\d)")


def _texts(numbers, hidden, threshold) -> None:
    """Texts holding a whole number from 1 to k-1 (not the cohort's own words) are hidden."""
    shown = set(rules().get("texts_shown", []))
    for key, value in numbers.items():
        if isinstance(value, str) and key not in hidden and key not in shown and any(
                1 <= int(n) <= threshold - 1 for n in _WHOLE_NUMBER.findall(value)):
            hidden[key] = (HIDDEN, "text", f"a text with a number from 1 to {threshold - 1} "
                                           "(it may count people)")


_COUNT_SUFFIX = re.compile(r"_(?:denominator_n|n_families|n|k|count)$")


def _stem(name: str) -> str | None:
    """The name of a count without its count word: ``sdq_n`` -> ``sdq``."""
    stem = _COUNT_SUFFIX.sub("", name)
    return stem if stem != name and stem else None


def _is_count_value(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _small(value: Any, threshold: int) -> bool:
    return _is_count_value(value) and 0 < value < threshold


def _number(value: Any) -> float:
    return float(value) if _is_count_value(value) else 0.0


# --------------------------------------------------------------------------- tables

@dataclass
class PublishedTable:
    """A table as published (:func:`publish_table`), its decisions and smallest shown cell."""

    frame: pd.DataFrame
    decisions: list[Decision]
    smallest_cell: int | None


def publish_table(frame: pd.DataFrame, *, counts: Sequence[str],
                  threshold: int = DEFAULT_THRESHOLD, name: str = "table",
                  keys: Mapping[str, str | Callable[[Any], str | None]] | None = None,
                  published: Mapping[str, Any] | None = None, column_totals: bool = True,
                  row_total: str | None = None, derived: Mapping[str, Sequence[str]] | None = None
                  ) -> PublishedTable:
    """A table of people counts as published, with its decisions.

    Parameters
    ----------
    frame : DataFrame
        The table; ``counts`` columns hold counts of people (whole numbers, NaN for none).
    counts : sequence of str
        The people-count columns.
    threshold : int
        Smallest publishable count.
    name : str
        The table's name in the decisions (e.g. ``findings.html:keten``).
    keys : mapping, optional
        Count column -> the key number holding each row's cell: a format string over the row's
        fields (``"{key}_n"``) or a function of the row. With ``published`` (the output of
        :func:`publish_numbers`), such a cell shows the published key number, so the table and
        the key numbers never disagree, and counts as hidden when that key is.
    column_totals : bool
        Whether each count column's total is known to the reader (shown, or the sum of a
        complete table). Then the column is one relation (total = sum of its cells).
    row_total : str, optional
        A count column holding the sum of the other ``counts`` columns of its row (a relation
        per row).
    derived : mapping, optional
        Column -> the count columns it is computed from (a share, an interval): ``"x"`` in a row
        where one of them is hidden.

    Returns
    -------
    PublishedTable
        ``frame`` (count and derived columns as object: numbers or :class:`Suppressed`),
        ``decisions`` (one for the table with its smallest cell, one per hidden cell) and
        ``smallest_cell`` (the smallest count of people shown above 0, or None).

    >>> t = publish_table(pd.DataFrame({"groep": list("abcd"), "n": [20, 3, 9, 12],
    ...                                 "aandeel": [.45, .07, .2, .27]}), counts=["n"],
    ...                   derived={"aandeel": ["n"]})
    >>> t.frame["n"].tolist(), t.frame["aandeel"].tolist(), t.smallest_cell
    ([20, '<5', 'x', 12], [0.45, 'x', 'x', 0.27], 12)
    """
    threshold = check_threshold(threshold)
    out = frame.copy()
    counts = [c for c in counts if c in out.columns]
    out = out.astype({c: object for c in [*counts, *(derived or {})] if c in out.columns})
    cells, values, fixed = _table_cells(out, counts, keys or {}, published)
    equations = _table_equations(out, counts, cells, column_totals, row_total)
    hidden = {c: (Suppressed(f"<{threshold}"), "threshold",
                  f"count of people from 1 to {threshold - 1}")
              for c, v in values.items() if c not in fixed and _small(v, threshold)}
    hidden.update(fixed)
    for eq in equations:
        values.setdefault(eq.total, sum(values[p] for p in eq.parts))
    # a known column total from 1 to k-1 gives every cell away together: all are hidden, and
    # nothing else can protect them (the total is known), so protect leaves that relation out
    small_total = [e for e in equations
                   if e.total.startswith("total/") and _small(values[e.total], threshold)]
    for eq in small_total:
        hidden.update({p: (Suppressed(HIDDEN), "secondary",
                           f"the column's total is from 1 to {threshold - 1}: every cell hidden")
                       for p in eq.parts if p not in hidden})
    secondary = protect(values, [c for c in hidden if c in values],
                        [e for e in equations if e not in small_total],
                        threshold=threshold, never=[e.total for e in equations
                                                     if e.total.startswith("total/")])
    hidden.update({c: (Suppressed(HIDDEN), "secondary",
                       f"hidden so that no cell can be worked out: {why}")
                   for c, why in secondary.items()})
    decisions = []
    for (row, column), cell in cells.items():
        if cell in hidden:
            mark, rule, reason = hidden[cell]
            out.at[row, column] = mark
            decisions.append(Decision(f"{name}:{row}/{column}", rule, "suppressed", reason))
    for column, sources in (derived or {}).items():
        for row in out.index:
            if column in out.columns and any(cells.get((row, s)) in hidden for s in sources) \
                    and not _missing(out.at[row, column]):
                out.at[row, column] = Suppressed(HIDDEN)
    shown = [values[c] for c in cells.values() if c not in hidden and values[c] > 0]
    smallest = min(shown) if shown else None
    n_hidden = sum(c in hidden for c in cells.values())
    decisions.insert(0, Decision(name, "table", "suppressed" if n_hidden else "pass",
                                 f"{len(cells)} cells of people counts, {n_hidden} hidden "
                                 f"(threshold {threshold})", smallest))
    return PublishedTable(out, decisions, smallest)


def publish_document_table(kind: str, frame: pd.DataFrame, *, published: Mapping[str, Any],
                           threshold: int = DEFAULT_THRESHOLD, name: str | None = None
                           ) -> PublishedTable:
    """One of the document's tables as published, laid out as ``tables`` in disclosure.yaml
    declares (``chain``, ``scheme``, ``participation``, ``staff``), its cells taken from the
    ``published`` key numbers where a key number holds them.

    >>> numbers = {"t0_elevated_n": 3, "t0_elevated_denominator_n": 14}
    >>> published, _ = publish_numbers(numbers)
    >>> chain = pd.DataFrame({"key": ["t0_elevated"], "k": [3], "n": [14], "proportion": [0.21],
    ...                       "ci_low": [0.05], "ci_high": [0.51]})
    >>> publish_document_table("chain", chain, published=published).frame.iloc[0].tolist()
    ['t0_elevated', '<5', 14, 'x', 'x', 'x']
    """
    layouts = rules().get("tables", {})
    if kind not in layouts:
        raise ValueError(f"unknown document table {kind!r}; expected one of {sorted(layouts)} "
                         "(tables in analysis/definitions/disclosure.yaml)")
    layout = layouts[kind]
    return publish_table(frame, counts=layout["counts"], threshold=threshold,
                         name=name or f"table:{kind}", keys=layout.get("keys"),
                         published=published, column_totals=layout.get("column_totals", True),
                         derived=layout.get("derived"))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _table_cells(frame, counts, keys, published):
    """Cell ids per (row, column), their values, and the cells hidden as published key
    numbers (cell -> (mark, rule, reason))."""
    cells, values, fixed = {}, {}, {}
    for row in frame.index:
        record = frame.loc[row].to_dict()
        for column in counts:
            value = frame.at[row, column]
            if _missing(value):
                continue
            if not _is_count_value(value):
                raise ValueError(f"publish_table: column {column!r}, row {row!r} holds "
                                 f"{value!r}; expected a count of people (a whole number "
                                 "before suppression)")
            cell = f"{row}/{column}"
            cells[(row, column)] = cell
            values[cell] = int(value)
            key = _key_of(keys.get(column), record)
            shown = published.get(key) if published is not None and key else None
            if getattr(shown, "suppressed", False):
                fixed[cell] = (shown, "threshold" if shown.small else "secondary",
                               f"as the key number {key}")
    return cells, values, fixed


def _key_of(spec, record) -> str | None:
    if spec is None:
        return None
    if callable(spec):
        return spec(record)
    try:
        return spec.format(**record)
    except (KeyError, IndexError, ValueError):
        return None


def _table_equations(frame, counts, cells, column_totals, row_total) -> list[Equation]:
    equations = []
    parts_of = [c for c in counts if c != row_total]
    if column_totals:
        for column in counts:
            column_cells = [cells[(r, column)] for r in frame.index if (r, column) in cells]
            if len(column_cells) >= 2:
                equations.append(Equation(f"total/{column}", tuple(column_cells)))
    if row_total:
        for row in frame.index:
            parts = [cells[(row, c)] for c in parts_of if (row, c) in cells]
            if (row, row_total) in cells and parts:
                equations.append(Equation(cells[(row, row_total)], tuple(parts)))
    return equations


def suppress_column(values: Iterable[Any], *, threshold: int = DEFAULT_THRESHOLD,
                    total_known: bool = True) -> list[Any]:
    """One column of people counts as published: "<k" for counts from 1 to k-1 and, when the
    column's total is known, "x" for the cells hidden so that none of them can be worked out.

    >>> suppress_column([12, 3, 9])
    [12, '<5', 'x']
    >>> suppress_column([12, 0, 9]), suppress_column([20, 4, 4, 12])
    ([12, 0, 9], [20, '<5', '<5', 'x'])
    """
    values = list(values)
    table = publish_table(pd.DataFrame({"n": values}), counts=["n"], threshold=threshold,
                          column_totals=total_known)
    return [v if isinstance(v, Suppressed) or not _is_count_value(values[i]) else values[i]
            for i, v in enumerate(table.frame["n"].tolist())]


def suppress_table(frame: pd.DataFrame, counts: Iterable[str], *,
                   threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """``frame`` with each of the ``counts`` columns through :func:`suppress_column`
    (column totals known), as :func:`publish_table` does it."""
    return publish_table(frame, counts=list(counts), threshold=threshold).frame


def claims_table(table: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD,
                 published: Mapping[str, Any] | None = None,
                 claim_rules: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """``claims.csv`` as published; the row's status stays.

    Each row is a share ``numerator / denominator`` (counts of families) with the reproduced
    percentage and its interval. A count from 1 to k-1 is "<k"; when the rest (denominator
    minus numerator) is from 1 to k-1, the numerator is "x"; the percentage and interval of a
    row with a hidden count are "x". With ``published`` (from :func:`publish_numbers`) and the
    claim rules (claim_id -> ``value`` or ``numerator``/``denominator`` key names; default
    ``analysis/definitions/claim_rules.yaml``), the counts are those of the published key
    numbers, so the table agrees with them, and a count claim whose key number is hidden shows
    its published sign.
    """
    threshold = check_threshold(threshold)
    out = table.copy().astype({c: object for c in ("numerator", "denominator", "reproduced",
                                                  "ci_low", "ci_high") if c in table.columns})
    if published is not None and claim_rules is None:
        claim_rules = _claim_rules()
    for i in out.index:
        rule = (claim_rules or {}).get(str(out.at[i, "claim_id"])) if "claim_id" in out else None
        if published is not None and rule and "value" in rule:
            shown = published.get(rule["value"])
            if getattr(shown, "suppressed", False) and "reproduced" in out.columns:
                out.at[i, "reproduced"] = shown
            continue
        hidden = _claim_row(out, i, threshold, published, rule)
        if hidden:
            for column in ("reproduced", "ci_low", "ci_high"):
                if column in out.columns:
                    out.at[i, column] = Suppressed(HIDDEN)
    return out


def _claim_row(out, i, threshold, published, rule) -> bool:
    """Suppress one share row in place; whether any of its counts is hidden."""
    if not {"numerator", "denominator"} <= set(out.columns) or \
            pd.isna(out.at[i, "numerator"]) or pd.isna(out.at[i, "denominator"]):
        return False
    num, den = int(_number(out.at[i, "numerator"])), int(_number(out.at[i, "denominator"]))
    if published is not None and rule and "numerator" in rule:
        marks = {c: published.get(rule[c]) for c in ("numerator", "denominator")}
        marks = {c: m for c, m in marks.items() if getattr(m, "suppressed", False)}
        if marks:
            for column, mark in marks.items():
                out.at[i, column] = mark
            return True
    equation = Equation("den", ("num",), "rest")
    values = {"den": den, "num": num, "rest": den - num}
    primary = [c for c in ("den", "num") if _small(values[c], threshold)]
    extra = protect(values, primary, [equation], threshold=threshold, rests=["rest"]) \
        if den >= num else {}
    for cell, column in (("num", "numerator"), ("den", "denominator")):
        if cell in primary:
            out.at[i, column] = Suppressed(f"<{threshold}")
        elif cell in extra:
            out.at[i, column] = Suppressed(HIDDEN)
    return bool(primary or extra)


def _claim_rules() -> dict[str, Mapping[str, Any]]:
    import yaml

    file = _relations.DEFINITIONS.parent / "claim_rules.yaml"
    return dict(yaml.safe_load(file.read_text(encoding="utf-8")).get("rules", {}))


# --------------------------------------------------------------------------- other checks

def magnitude_check(contributions: Iterable[float], *, threshold: int = DEFAULT_THRESHOLD
                    ) -> list[str]:
    """ACRO's checks of one magnitude cell (a sum over people): the rules it fails.

    ``threshold``: fewer contributors than this; ``dominance``: the ``dominance_n`` largest
    hold more than ``dominance_k`` of the total (N-k rule); ``p-ratio``: the total less the two
    largest is below ``p_ratio`` times the largest (p% rule, so the second largest contributor
    could estimate the largest within p%).

    >>> magnitude_check([100, 100, 100, 100, 100])
    []
    >>> magnitude_check([1000, 10, 10, 10, 10])
    ['dominance', 'p-ratio']
    """
    values = sorted((abs(float(v)) for v in contributions), reverse=True)
    settings = rules()["magnitude"]
    failed = []
    if 0 < len(values) < threshold:
        failed.append("threshold")
    total = sum(values)
    if total > 0 and sum(values[:settings["dominance_n"]]) > settings["dominance_k"] * total:
        failed.append("dominance")
    if len(values) >= 1 and values[0] > 0 and total - sum(values[:2]) < settings["p_ratio"] * \
            values[0]:
        failed.append("p-ratio")
    return failed


def decisions_frame(decisions: Iterable[Decision]) -> pd.DataFrame:
    """Decisions as the ``disclosure_check.csv`` table (output, rule, status, reason,
    smallest_cell)."""
    frame = pd.DataFrame([vars(d) for d in decisions],
                         columns=["output", "rule", "status", "reason", "smallest_cell"])
    return frame.astype({"smallest_cell": "Int64"})
