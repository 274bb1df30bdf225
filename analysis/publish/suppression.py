"""Secondary suppression over linear relations of people counts, and its audit.

After primary suppression (counts of people from 1 to ``threshold - 1`` shown as "<k"),
:func:`protect` hides more cells, one at a time, until the audit (:func:`violations`) finds
nothing a reader could work out from the shown cells and the relations
(:class:`analysis.publish.relations.Equation`, ``total = sum(parts) (+ rest)``):

1. **No hidden cell is determined.** Bounds are propagated through every relation (a hidden
   "<k" cell lies in 1..k-1, a hidden "x" cell and an unpublished rest in 0..inf; integer
   bounds tightened until nothing changes), and a cell is also determined when it is a linear
   combination of the relations' known sides (its unit vector lies in the row space of the
   relations restricted to hidden cells: a zero row of their null space).
2. **No "x" cell is known to be small**: its range may not lie within 1..k-1. An unpublished
   rest is treated like a "<k" cell: it may be known to be small, but not known exactly unless
   it is 0 or at least k (then it is a difference of two shown counts that could be shown).
3. **No set of hidden cells in one relation sums to 1..k-1** when the relation's total is known
   (CBS: a group of fewer than k units may not be recoverable as a sum of suppressed cells).

Each step hides the shown count that resolves the most violations among the few smallest
shown counts of the relations involved (smallest first; zeros last, as hiding a zero adds
nothing to a sum). Sources: Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley,
sections 4.2-4.3 (primary and secondary suppression, the audit of a pattern); CBS,
*Outputrichtlijnen CBS Microdata* (no cell recoverable from totals and other cells).

The audit here is deliberately cheap (interval propagation and linear algebra, milliseconds);
the independent check is the integer-programming attacker of :mod:`analysis.publish.attack`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from analysis.publish.relations import Equation

INF = math.inf
CANDIDATES_TRIED: int = 4
"""How many of the smallest shown counts are tried for each violation (each costs one audit)."""


@dataclass(frozen=True)
class Violation:
    """What the audit found: ``kind`` (determined, small, group), the cells and the relation."""

    kind: str
    cells: tuple[str, ...]
    equations: tuple[int, ...]

    def describe(self, equations: Sequence[Equation]) -> str:
        """One line for the decision record."""
        names = ", ".join(self.cells)
        where = "; ".join(str(equations[i]) for i in self.equations[:2])
        what = {"determined": "could be worked out", "small": "known to be below the threshold",
                "group": "sum to a group below the threshold"}[self.kind]
        return f"{names} {what} from {where}" if where else f"{names} {what}"


def protect(values: Mapping[str, int], hidden: Iterable[str], equations: Sequence[Equation], *,
            threshold: int, rests: Iterable[str] = (), never: Iterable[str] = ()
            ) -> dict[str, str]:
    """Cells to hide on top of ``hidden`` (primary), each with the reason it was hidden.

    Parameters
    ----------
    values : mapping
        Every cell of ``equations`` (published counts and unpublished rests), whole numbers.
    hidden : iterable of str
        Primary-suppressed cells ("<k": 1..threshold-1).
    equations : sequence of Equation
        The relations (``total = sum(parts) (+ rest)``).
    threshold : int
        Smallest publishable count of people.
    rests : iterable of str
        Cells that are never published (the rests of the equations).
    never : iterable of str
        Shown cells that may not be hidden (none by default).

    >>> eq = [Equation("t", ("a", "b", "c"))]
    >>> protect({"t": 22, "a": 18, "b": 2, "c": 2}, ["b", "c"], eq, threshold=5)
    {'a': 'b, c sum to a group below the threshold from t = a + b + c'}
    """
    state = {c: "shown" for e in equations for c in e.cells}
    state.update({c: "rest" for c in rests if c in state})
    state.update({c: "primary" for c in hidden if c in state})
    keep = set(never)
    added: dict[str, str] = {}
    found = violations(values, state, equations, threshold=threshold)
    while found:
        first = found[0]
        options = _candidates(first, values, state, equations, keep)
        if not options:  # nothing shown left around it: hide every shown cell it touches
            options = [c for i in first.equations for c in equations[i].cells
                       if state.get(c) == "shown" and c not in keep][:1]
            if not options:
                raise RuntimeError(f"secondary suppression cannot resolve "
                                   f"{first.describe(equations)}")
        best, best_found = None, None
        for cell in options[:CANDIDATES_TRIED]:
            trial = dict(state, **{cell: "secondary"})
            after = violations(values, trial, equations, threshold=threshold)
            if best_found is None or len(after) < len(best_found):
                best, best_found = cell, after
            if not after:
                break
        state[best] = "secondary"
        added[best] = first.describe(equations)
        found = best_found
    return added


def violations(values: Mapping[str, int], state: Mapping[str, str],
               equations: Sequence[Equation], *, threshold: int) -> list[Violation]:
    """The audit of a suppression pattern (see the module docstring), worst first.

    ``state``: cell -> ``shown``, ``primary`` ("<k"), ``secondary`` ("x") or ``rest``
    (never published).
    """
    k = threshold
    low, high = _bounds(values, state, equations, k)
    exact = _determined(state, equations)
    members = _membership(equations)
    found: list[Violation] = []
    for cell, kind in state.items():
        if kind == "shown":
            continue
        value = values[cell]
        known = low[cell] == high[cell] or cell in exact
        small_range = low[cell] >= 1 and high[cell] <= k - 1
        if kind in ("primary", "secondary") and known:
            found.append(Violation("determined", (cell,), members[cell]))
        elif kind == "secondary" and small_range:
            found.append(Violation("small", (cell,), members[cell]))
        elif kind == "rest" and known and 1 <= value <= k - 1:
            found.append(Violation("determined", (cell,), members[cell]))
    for i, eq in enumerate(equations):
        if low[eq.total] != high[eq.total]:
            continue
        unknown = [c for c in eq.cells[1:] if state[c] != "shown"]
        if len(unknown) >= 2 and 1 <= sum(values[c] for c in unknown) <= k - 1:
            found.append(Violation("group", tuple(unknown), (i,)))
    return found


def _membership(equations: Sequence[Equation]) -> dict[str, tuple[int, ...]]:
    out: dict[str, list[int]] = {}
    for i, eq in enumerate(equations):
        for cell in eq.cells:
            out.setdefault(cell, []).append(i)
    return {c: tuple(v) for c, v in out.items()}


def _bounds(values, state, equations, k) -> tuple[dict[str, float], dict[str, float]]:
    """Integer bounds of every cell, propagated through the equations to a fixed point."""
    low: dict[str, float] = {}
    high: dict[str, float] = {}
    for cell, kind in state.items():
        if kind == "shown":
            low[cell] = high[cell] = values[cell]
        elif kind == "primary":
            low[cell], high[cell] = 1, k - 1
        else:
            low[cell], high[cell] = 0, INF
    active = [e.cells for e in equations if any(state[c] != "shown" for c in e.cells)]
    members: dict[str, list[int]] = {}
    for i, cells in enumerate(active):
        for c in cells:
            members.setdefault(c, []).append(i)
    queue, queued = list(range(len(active))), set(range(len(active)))
    steps = 0
    while queue and steps < 200 * max(1, len(active)):
        steps += 1
        i = queue.pop()
        queued.discard(i)
        total, parts = active[i][0], active[i][1:]
        changed = []
        if _tighten(low, high, total, sum(low[p] for p in parts), sum(high[p] for p in parts)):
            changed.append(total)
        for p in parts:
            others_low = sum(low[q] for q in parts if q != p)
            others_high = sum(high[q] for q in parts if q != p)
            if _tighten(low, high, p, low[total] - others_high, high[total] - others_low):
                changed.append(p)
        for c in changed:
            for j in members[c]:
                if j not in queued:
                    queue.append(j)
                    queued.add(j)
    return low, high


def _tighten(low, high, cell, new_low, new_high) -> bool:
    new_low = max(low[cell], math.ceil(new_low) if not math.isinf(new_low) else new_low, 0)
    new_high = min(high[cell], math.floor(new_high) if not math.isinf(new_high) else new_high)
    if new_low > new_high:  # the shown values contradict the relations: leave bounds as they are
        return False
    changed = new_low != low[cell] or new_high != high[cell]
    low[cell], high[cell] = new_low, new_high
    return changed


def _determined(state, equations) -> set[str]:
    """Hidden cells fixed by the equations alone: those whose unit vector is a row of the
    reduced row echelon form of the equations restricted to hidden cells (exact arithmetic)."""
    unknown = sorted({c for e in equations for c in e.cells if state[c] != "shown"})
    index = {c: i for i, c in enumerate(unknown)}
    rows = []
    for eq in equations:
        row: dict[int, Fraction] = {}
        for sign, cells in ((1, (eq.total,)), (-1, eq.cells[1:])):
            for c in cells:
                if c in index:
                    row[index[c]] = row.get(index[c], Fraction(0)) + sign
        row = {j: v for j, v in row.items() if v}
        if row:
            rows.append(row)
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for row in rows:
        for col, prow in pivots:  # eliminate the existing pivots from the new row
            if col in row:
                factor = row[col]
                for j, v in prow.items():
                    row[j] = row.get(j, Fraction(0)) - factor * v
                row = {j: v for j, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        scale = row[col]
        row = {j: v / scale for j, v in row.items()}
        for i, (other, orow) in enumerate(pivots):  # keep the form reduced
            if col in orow:
                factor = orow[col]
                for j, v in row.items():
                    orow[j] = orow.get(j, Fraction(0)) - factor * v
                pivots[i] = (other, {j: v for j, v in orow.items() if v})
        pivots.append((col, row))
    return {unknown[col] for col, row in pivots if len(row) == 1}


def _candidates(violation: Violation, values, state, equations, keep) -> list[str]:
    """Shown counts of the violation's relations, smallest first, zeros last."""
    cells = []
    for i in violation.equations:
        cells += [c for c in equations[i].cells if state.get(c) == "shown" and c not in keep]
    cells = list(dict.fromkeys(cells))
    if not cells:  # determined through other relations: look one relation further
        near = {c for i in violation.equations for c in equations[i].cells}
        for eq in equations:
            if near & set(eq.cells):
                cells += [c for c in eq.cells if state.get(c) == "shown" and c not in keep]
        cells = list(dict.fromkeys(cells))
    return sorted(cells, key=lambda c: (values[c] == 0, values[c], c))
