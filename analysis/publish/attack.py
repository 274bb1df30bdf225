"""The attacker: which hidden counts a reader can work out from the published numbers alone.

Independent of the suppressor (:mod:`analysis.publish.disclosure`): it reads only a published
key-number mapping (what ``key_numbers.json`` in a bundle holds: numbers, ``"<k"`` and
``"x"``) and the public relations between key numbers (:class:`analysis.publish.relations.
PublicRelations`, names only), and bounds every hidden count by integer programming
(:func:`scipy.optimize.milp`, HiGHS):

* variables: every hidden count in a relation (``"<k"``: 1..k-1; ``"x"``: 0 or more) and every
  unpublished group (the rest of a relation: 0 or more), integers;
* equations ``total = sum(parts) (+ rest)`` with the shown counts filled in;
* shown ratios as two-sided inequalities from their rounding: ``(v - e) den <= scale num <=
  (v + e) den`` (``e`` half a unit of the last digit recorded);
* shown exact (Clopper-Pearson) intervals by exhaustive search over the remaining (numerator,
  denominator) pairs, tightening their bounds; exact-test p-values (McNemar, sign test,
  signed-rank with all changes one way) by exhaustive search over the discordant pairs.

A count is **recovered** when its range is one value (for an unpublished group, a sum of
hidden cells of one relation or the pairs of an exact test: one value from 1 to k-1; 0 or at
least k could have been shown), or when it was shown as "x" and its range lies within 1..k-1
(like "<k", an unpublished group may be known to be small). The published numbers are
**inconsistent** when no assignment fits them: a sign that is false (e.g. 7 therapists shown
as "<5"); the attack then goes on with every "<k" read as "x".

The published figures add their own counts and sums (:func:`figure_relations`): each
``figuren/<name>.marks.csv`` of a bundle names every people count a figure shows (a number,
``"<k"`` or ``"x"``) and the sums between them (``total = parts + rest``, the rest being what
the figure leaves out, 0 or more); a mark that repeats a key number is that key number's
variable, so a figure and the text are attacked together.

Used by the tests (``tests/test_reconstruction.py``) and by the seal of every published folder
and ``share`` (:func:`analysis.publish.render.audit_folder`): a bundle from which a hidden
count can be worked out is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from analysis.publish.relations import Equation, PublicRelations, declared_sums, rounding

SEARCH_LIMIT: int = 1000
"""Largest denominator or number of pairs tried in an exhaustive search when nothing bounds it
(cohorts here have tens of families; the key numbers at most a few hundred)."""

_SMALL = re.compile(r"^<(\d+)$")


@dataclass(frozen=True)
class Finding:
    """What the attacker can say about one hidden count (or group, or test's pairs)."""

    name: str
    shown: str
    low: float
    high: float
    recovered: bool
    how: str

    def __str__(self) -> str:
        span = f"{self.low:g}" if self.low == self.high else f"{self.low:g}..{self.high:g}"
        return f"{self.name} (shown {self.shown}): {span}{' RECOVERED' if self.recovered else ''}" \
               f" [{self.how}]"


def audit(published: Mapping[str, Any], numbers: Mapping[str, Any], *, threshold: int
          ) -> list[Finding]:
    """What ``share`` can refuse on: the counts recovered from a bundle's ``published``
    key numbers (as its ``key_numbers.json`` holds them). ``numbers`` (the run's own key
    numbers) only decide which declared relations hold (:func:`analysis.publish.relations.
    public_relations` returns names, never values).

    >>> audit({"therapists_total": 9, "therapists_play": "x", "therapists_pmt": "<5"},
    ...       {"therapists_total": 9, "therapists_play": 7, "therapists_pmt": 2}, threshold=5)
    []
    """
    from analysis.publish.relations import public_relations

    return recovered(published, public_relations(numbers), threshold=threshold)


PEOPLE_UNITS: tuple[str, ...] = ("families", "children", "parents", "professionals",
                                 "participants")
"""Units of a marks table that count people (as :data:`analysis.report.figures.drawn.
PEOPLE_UNITS`; repeated here so that the attacker reads a bundle without the drawing code)."""


def figure_relations(folder: str | Path) -> tuple[dict[str, Any], tuple[Equation, ...]]:
    """The people counts and sums a bundle's published figures show, from their marks tables.

    Parameters
    ----------
    folder : path
        A published folder's ``figuren/`` (every ``*.marks.csv`` in it is read, nothing else).

    Returns
    -------
    (dict, tuple of Equation)
        ``published``: variable -> shown value (int, ``"<k"``, ``"x"``), the variable being
        the mark's key number when it repeats one, else ``"<figure>: <mark>"``; ``equations``:
        one per sum a figure declares with a total (``total_of``), ``total = parts + rest``
        with the rest (0 or more) standing for whatever the figure left out.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "f.marks.csv").write_text(
    ...         "mark,n,unit,part_of,total_of,key\\na,<5,families,t,,\\nb,x,families,t,,\\n"
    ...         "t,9,families,,t,trajectories_started\\n", encoding="utf-8")
    ...     shown, eqs = figure_relations(d)
    >>> shown["f: a"], shown["trajectories_started"], str(eqs[0])
    ('<5', 9, 'trajectories_started = f: a + f: b + f: t: rest')
    """
    import csv

    shown: dict[str, Any] = {}
    equations: list[Equation] = []
    for file in sorted(Path(folder).glob("*.marks.csv")):
        figure = file.name[: -len(".marks.csv")]
        with file.open(encoding="utf-8", newline="") as handle:
            rows = [r for r in csv.DictReader(handle)
                    if (r.get("unit") or "").strip() in PEOPLE_UNITS]
        names = [(row.get("key") or "").strip() or f"{figure}: {row.get('mark', '')}"
                 for row in rows]
        for name, row in zip(names, rows):
            text = (row.get("n") or "").strip()
            value: Any = int(text) if text.isdigit() else (text or "x")
            if not isinstance(shown.get(name), int):  # a number shown anywhere is known
                shown[name] = value
        sums = declared_sums((name, row.get("part_of"), row.get("total_of"))
                             for name, row in zip(names, rows))
        for relation, cells in sums.items():
            for total in cells["totals"]:
                if cells["parts"]:
                    equations.append(Equation(total, tuple(cells["parts"]),
                                              f"{figure}: {relation}: rest"))
    return shown, tuple(equations)


def recovered(published: Mapping[str, Any], relations: PublicRelations, *, threshold: int
              ) -> list[Finding]:
    """The findings of :func:`attack` that recover a count (see the module docstring)."""
    return [f for f in attack(published, relations, threshold=threshold) if f.recovered]


def attack(published: Mapping[str, Any], relations: PublicRelations, *, threshold: int,
           exact: bool = False) -> list[Finding]:
    """Bounds of every hidden count, unpublished group and test's pairs that the relations
    touch, from ``published`` and ``relations`` alone.

    With ``exact=False`` (the default) a range is computed only as far as needed to decide
    whether the count is recovered: solutions already found that show it is not end the
    search (the range is then "at least" that wide). ``exact=True`` gives every range in full
    (two integer programs per count).

    >>> from analysis.publish.relations import Equation, PublicRelations
    >>> rel = PublicRelations(equations=(Equation("t", ("a", "b")),))
    >>> [str(f) for f in attack({"t": 12, "a": 9, "b": "<5"}, rel, threshold=5)]
    ['b (shown <5): 3 RECOVERED [worked out]']
    """
    findings = _attack(published, relations, threshold, exact)
    if findings and findings[0].name == "(all)":
        # a sign is false: "<k" may not hold, but every relation and shown number does, so
        # what follows with "<k" read as "x" is still recovered
        relaxed = {k: "x" if isinstance(v, str) and _SMALL.match(v.strip()) else v
                   for k, v in published.items()}
        findings += [replace(f, how=f"{f.how}; signs read as x")
                     for f in _attack(relaxed, relations, threshold, exact)]
    return findings


def _attack(published, relations, threshold, exact) -> list[Finding]:
    model = _Model(published, threshold, exact)
    for eq in relations.equations:
        model.equation(eq.total, eq.parts, eq.rest)
    for ratio in relations.ratios:
        model.ratio(ratio)
    inconsistent = [Finding("(all)", "", math.nan, math.nan, True, "inconsistent: no values "
                            "fit the published numbers and the relations (a sign is false)")]
    if not model.presolve():
        return inconsistent
    try:
        for _ in range(3):  # exhaustive search over shown intervals, tightening bounds
            tighter = _intervals(model, relations)
            if not tighter:
                break
            for name, (low, high) in tighter.items():
                model.restrict(name, low, high)
            if not model.presolve():
                return inconsistent
    except _Infeasible:
        return inconsistent
    bounds = model.bounds(exact=exact)
    if bounds is None:
        return inconsistent
    findings = [model.finding(name, *span) for name, span in bounds.items()]
    findings += model.groups(relations)
    return findings + _statistics(model, relations)


class _Infeasible(Exception):
    """No values fit the published numbers and the relations."""


class _Model:
    """The integer program: variables, equality rows, inequality rows."""

    def __init__(self, published: Mapping[str, Any], threshold: int, exact: bool = True):
        self.published, self.k, self.exact = published, threshold, exact
        self.variables: dict[str, tuple[float, float, str]] = {}  # name -> (low, high, shown)
        self.equalities: list[tuple[dict[str, float], float]] = []
        self.inequalities: list[tuple[dict[str, float], float]] = []  # row . x <= rhs
        self.pool: list[dict[str, float]] = []  # solutions found (witnesses of a wide range)

    # what a published value says
    def value(self, name: str) -> float | None:
        """The shown number of ``name``, or None when hidden (a variable is made for it)."""
        shown = self.published.get(name)
        if isinstance(shown, bool):
            return float(shown)
        if isinstance(shown, (int, float)):
            return float(shown)
        if isinstance(shown, str):
            small = _SMALL.match(shown.strip())
            if small:
                self._variable(name, 1, int(small.group(1)) - 1, shown)
            else:
                self._variable(name, 0, math.inf, shown)
            return None
        self._variable(name, 0, math.inf, "(absent)")
        return None

    def _variable(self, name, low, high, shown) -> None:
        self.variables.setdefault(name, (low, high, shown))

    def restrict(self, name: str, low: float, high: float) -> None:
        old_low, old_high, shown = self.variables[name]
        self.variables[name] = (max(old_low, low), min(old_high, high), shown)
        self.pool = []  # earlier solutions may lie outside the new bounds

    def affine(self, terms: list[tuple[float, str]]) -> tuple[dict[str, float], float]:
        row: dict[str, float] = {}
        constant = 0.0
        for coef, name in terms:
            value = self.value(name)
            if value is None:
                row[name] = row.get(name, 0.0) + coef
            else:
                constant += coef * value
        return row, constant

    def equation(self, total: str, parts, rest: str | None) -> None:
        if rest:
            self._variable(rest, 0, math.inf, "(not published)")
        terms = [(1.0, total)] + [(-1.0, p) for p in parts]
        row, constant = self.affine(terms)
        if rest:
            row[rest] = row.get(rest, 0.0) - 1.0
        if row:
            self.equalities.append((row, -constant))

    def ratio(self, ratio) -> None:
        shown = self.published.get(ratio.value)
        if isinstance(shown, bool) or not isinstance(shown, (int, float)):
            return
        num, num_c = self.affine([(ratio.scale, ratio.numerator)])
        den, den_c = self.affine([(float(s), k) for s, k in ratio.denominator])
        if not num and not den:
            return
        error = rounding(shown, ratio.decimals) * 1.000001
        for bound, sign in ((shown + error, 1.0), (shown - error, -1.0)):
            # sign * (scale num - bound den) <= 0
            row = {n: sign * c for n, c in num.items()}
            for n, c in den.items():
                row[n] = row.get(n, 0.0) - sign * bound * c
            self.inequalities.append((row, -sign * (num_c - bound * den_c)))

    # solving, one connected component of variables at a time
    def presolve(self) -> bool:
        """Fix every variable that an equation with no other unknown gives (False:
        contradiction)."""
        changed = True
        while changed:
            changed = False
            for row, rhs in self.equalities:
                live = {n: c for n, c in row.items() if self.variables[n][0] !=
                        self.variables[n][1]}
                if len(live) != 1:
                    continue
                (name, coef), = live.items()
                fixed = sum(c * self.variables[n][0] for n, c in row.items() if n != name)
                value = (rhs - fixed) / coef
                low, high, shown = self.variables[name]
                if abs(value - round(value)) > 1e-6 or not low <= round(value) <= high:
                    return False
                self.variables[name] = (round(value), round(value), shown)
                changed = True
        return True

    def components(self) -> list[list[str]]:
        """Variables linked by a constraint, in groups."""
        parent = {n: n for n in self.variables}

        def find(n):
            while parent[n] != n:
                parent[n] = parent[parent[n]]
                n = parent[n]
            return n

        for row, _ in self.equalities + self.inequalities:
            names = list(row)
            for other in names[1:]:
                parent[find(other)] = find(names[0])
        groups: dict[str, list[str]] = {}
        for n in self.variables:
            groups.setdefault(find(n), []).append(n)
        return list(groups.values())

    def solve(self, objective: Mapping[str, float]) -> float | None:
        """min of ``objective`` over the integer program of its component (-inf: unbounded;
        None: infeasible)."""
        from scipy.optimize import Bounds, LinearConstraint, milp

        names = self._component_of(objective)
        index = {n: i for i, n in enumerate(names)}
        rows, lows, highs = [], [], []
        for kind, table in (("eq", self.equalities), ("le", self.inequalities)):
            for row, rhs in table:
                if next(iter(row)) in index:
                    rows.append(self._dense(row, index))
                    lows.append(rhs if kind == "eq" else -np.inf)
                    highs.append(rhs)
        c = self._dense(objective, index)
        bounds = Bounds([self.variables[n][0] for n in names],
                        [self.variables[n][1] for n in names])
        constraints = [LinearConstraint(np.array(rows), lows, highs)] if rows else []
        result = milp(c, integrality=np.ones(len(names)), bounds=bounds, constraints=constraints)
        if result.status == 0:
            self.pool.append({n: float(round(v)) for n, v in zip(names, result.x)})
            return float(round(result.fun))
        if result.status == 3:  # unbounded
            return -math.inf
        if result.status == 2:  # infeasible
            return None
        if result.status == 4 and any(objective.values()):  # infeasible or unbounded
            return None if self.solve({n: 0.0 for n in objective}) is None else -math.inf
        raise RuntimeError(f"the integer program could not be solved: {result.message}")

    def _component_of(self, objective: Mapping[str, float]) -> list[str]:
        if not hasattr(self, "_components"):
            self._components = {n: group for group in self.components() for n in group}
        names: list[str] = []
        for name in objective:
            for n in self._components[name]:
                if n not in names:
                    names.append(n)
        return names

    @staticmethod
    def _dense(row, index):
        out = np.zeros(len(index))
        for name, coef in row.items():
            out[index[name]] += coef
        return out

    def range_of(self, objective: Mapping[str, float], *, exact: bool = True
                 ) -> tuple[float, float, bool] | None:
        """(low, high, exact) of ``objective``; with ``exact=False`` the solutions found so far
        may settle it first (then the range is only known to be at least that wide)."""
        if len(objective) == 1:
            (name, _), = objective.items()
            low, high, _ = self.variables[name]
            if low == high:
                return low, high, True
        if not exact and self._settled(objective):
            values = self._values(objective)
            return min(values), max(values), False
        low = self.solve(objective)
        if low is None:
            return None
        if not exact and self._settled(objective):
            values = self._values(objective)
            return min(values), max(values), False
        high = self.solve({n: -c for n, c in objective.items()})
        if high is None:
            return None
        return low, -high, True

    def _values(self, objective: Mapping[str, float]) -> list[float]:
        return [sum(c * solution[n] for n, c in objective.items()) for solution in self.pool
                if all(n in solution for n in objective)]

    def _settled(self, objective: Mapping[str, float]) -> bool:
        """Whether the solutions found so far show that ``objective`` is not recovered."""
        values = set(self._values(objective))
        spread = len(values) >= 2
        outside = any(v == 0 or v >= self.k for v in values)
        if len(objective) == 1:
            shown = self.variables[next(iter(objective))][2]
            if shown not in ("(not published)",) and not shown.startswith("<"):
                return spread and outside  # "x": neither one value nor within 1..k-1
        return spread or outside  # "<k", a rest, a sum: not one value below k

    def bounds(self, *, exact: bool = True) -> dict[str, tuple[float, float, bool]] | None:
        if not self.presolve():
            return None
        self.__dict__.pop("_components", None)
        self.pool = []
        out = {}
        for name in self.variables:
            span = self.range_of({name: 1.0}, exact=exact)
            if span is None:
                return None
            out[name] = span
        return out

    def finding(self, name: str, low: float, high: float, exact: bool = True) -> Finding:
        shown = self.variables[name][2]
        small = 1 <= low and high <= self.k - 1
        if shown.startswith("<"):
            hit, how = low == high, "worked out"
        elif shown == "(not published)":
            hit, how = small and low == high, "an unpublished group below the threshold"
        else:
            hit, how = low == high or small, "worked out" if low == high else "known to be small"
        return Finding(name, shown, low, high, hit,
                       how if hit else "relations" if exact else "relations (at least)")

    def groups(self, relations: PublicRelations) -> list[Finding]:
        """Sums of the hidden cells of one relation whose total is shown."""
        out = []
        for eq in relations.equations:
            if eq.total in self.variables:
                continue
            hidden = [c for c in (*eq.parts, *((eq.rest,) if eq.rest else ()))
                      if c in self.variables]
            if len(hidden) < 2:
                continue
            span = self.range_of({c: 1.0 for c in hidden}, exact=self.exact)
            if span is None:
                continue
            low, high, _ = span
            hit = 1 <= low == high <= self.k - 1
            out.append(Finding(" + ".join(hidden), "(sum)", low, high, hit,
                               "a group below the threshold" if hit else "relations"))
        return out


def _intervals(model: _Model, relations: PublicRelations) -> dict[str, tuple[int, int]]:
    """Tighter bounds of numerators and denominators from shown exact intervals."""
    from scipy.special import betaincinv

    tighter: dict[str, tuple[int, int]] = {}
    for interval in relations.intervals:
        low, high = (model.published.get(n) for n in (interval.low, interval.high))
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
            continue
        num_range = _range(model, interval.numerator)
        den_range = _range(model, interval.denominator)
        if num_range[0] == num_range[1] and den_range[0] == den_range[1]:
            continue
        alpha = 1 - interval.confidence
        low_error = rounding(low, interval.decimals) * 1.01 + 1e-9
        high_error = rounding(high, interval.decimals) * 1.01 + 1e-9
        nums, dens = set(), set()
        for n in range(max(1, int(den_range[0])), int(min(den_range[1], SEARCH_LIMIT)) + 1):
            a = np.arange(int(num_range[0]), int(min(num_range[1], n)) + 1)
            if not a.size:
                continue
            with np.errstate(all="ignore"):
                lo = np.where(a == 0, 0.0, betaincinv(np.maximum(a, 1), n - a + 1, alpha / 2))
                hi = np.where(a == n, 1.0, betaincinv(a + 1, np.maximum(n - a, 1),
                                                      1 - alpha / 2))
            fit = a[(np.abs(lo * interval.scale - low) <= low_error)
                    & (np.abs(hi * interval.scale - high) <= high_error)]
            if fit.size:
                nums.update(int(v) for v in fit)
                dens.add(n)
        capped = den_range[1] > SEARCH_LIMIT
        for name, found in ((interval.numerator, nums), (interval.denominator, dens)):
            if name in model.variables and found:
                top = math.inf if capped and name == interval.denominator else max(found)
                current = _range(model, name)
                if min(found) > current[0] or top < current[1]:
                    tighter[name] = (min(found), top)
            elif name in model.variables and not found:
                raise _Infeasible(name)
    return tighter


def _range(model: _Model, name: str) -> tuple[float, float]:
    """The full range of ``name``: its shown value, or both bounds by integer programming."""
    if name not in model.variables:
        value = model.value(name)
        if value is not None:
            return value, value
    span = model.range_of({name: 1.0}, exact=True)
    if span is None:
        raise _Infeasible(name)
    return span[0], span[1]


def _statistics(model: _Model, relations: PublicRelations) -> list[Finding]:
    """Pairs given back by shown exact-test p-values."""
    out = []
    for stat in relations.statistics:
        p = model.published.get(stat.value)
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            continue
        top = model.published.get(stat.pairs)
        if not isinstance(top, (int, float)) or isinstance(top, bool):
            top = _range(model, stat.pairs)[1] if stat.pairs in model.variables or \
                isinstance(top, str) else SEARCH_LIMIT
        top = int(min(top, SEARCH_LIMIT))
        tolerance = rounding(p) * 1.000001
        if stat.test == "mcnemar_exact":
            found = [(m, c) for m in range(top + 1) for c in range(m // 2 + 1)
                     if abs(min(1.0, 2 * sum(math.comb(m, i) for i in range(c + 1)) / 2 ** m)
                            - p) <= tolerance]
            sets = {"discordant pairs": {m for m, _ in found},
                    "pairs one way": {m - c for m, c in found},
                    "pairs the other way": {c for _, c in found}}
        else:
            sets = {"non-zero changes": {m for m in range(1, top + 1)
                                         if abs(2 * 0.5 ** m - p) <= tolerance}}
        for what, values in sets.items():
            if not values:
                continue
            low, high = min(values), max(values)
            hit = 1 <= low == high <= model.k - 1
            out.append(Finding(f"{what} of {stat.value}", "(p-value)", low, high, hit,
                               "an exact test's pairs below the threshold" if hit else
                               "exhaustive search"))
    return out
