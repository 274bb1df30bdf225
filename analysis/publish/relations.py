"""The public relations between key numbers: what a reader can compute from what is shown.

The relations are data (``analysis/definitions/disclosure.yaml``: ``relations``,
``scheme_copies``, ``ratios``, ``intervals``, ``statistics``); :func:`public_relations`
instantiates them for one run's key numbers. A relation is kept only when every key it names
is in the run with a value and it holds on those values: a relation that does not hold is none
a reader could use, and one that cannot be checked protects nothing. The result names keys
only, never values, so it can be handed to an attacker (:mod:`analysis.publish.attack`) next to
the published numbers.

Kinds (all people counts are whole numbers >= 0):

* :class:`Equation` ``total = sum(parts) [+ rest]``: ``rest`` names a group of people that is
  never published (e.g. the families elevated at T0 who were not high on disorganized
  attachment); a difference of two shown counts gives it back, so it is checked like a hidden
  count.
* :class:`Ratio` ``value = scale * numerator / denominator`` as published (rounded).
* :class:`Interval` an exact (Clopper-Pearson) interval of ``numerator / denominator``.
* :class:`Statistic` an exact test whose p-value is a function of counts of pairs.

This module imports only the ground floor (no :mod:`analysis.report`).
"""

from __future__ import annotations

import fnmatch
import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

DEFINITIONS: Path = Path(__file__).resolve().parents[1] / "definitions" / "disclosure.yaml"
"""The rules file (units, relations, ratios, intervals, statistics, derived values)."""

SIGNIFICANT_DIGITS: int = 10
"""Significant digits of a float in ``key_numbers.json``
(:data:`analysis.report.keynumbers.SIGNIFICANT_DIGITS`; repeated here, as publish stands apart)."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@functools.lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """``analysis/definitions/disclosure.yaml`` (read once)."""
    import yaml

    return yaml.safe_load(DEFINITIONS.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Equation:
    """``total = sum(parts) (+ rest)``; ``rest`` is the name of an unpublished group or None."""

    total: str
    parts: tuple[str, ...]
    rest: str | None = None

    @property
    def cells(self) -> tuple[str, ...]:
        """Every cell: total, parts, and the rest when there is one."""
        return (self.total, *self.parts) + ((self.rest,) if self.rest else ())

    def __str__(self) -> str:
        right = " + ".join(self.parts + ((self.rest,) if self.rest else ()))
        return f"{self.total} = {right}"


@dataclass(frozen=True)
class Ratio:
    """``value = scale * numerator / sum(sign * denominator)``, published rounded."""

    value: str
    numerator: str
    denominator: tuple[tuple[int, str], ...]
    scale: float = 1.0
    decimals: int | None = None
    """Decimals the value was rounded to before it was recorded (None: stored unrounded, to
    :data:`SIGNIFICANT_DIGITS` significant digits)."""

    def __str__(self) -> str:
        den = " ".join(("+ " if s > 0 else "- ") + k for s, k in self.denominator).lstrip("+ ")
        return f"{self.value} = {self.scale:g} * {self.numerator} / ({den})"


@dataclass(frozen=True)
class Interval:
    """Exact 95% interval ``(low, high)`` of ``numerator / denominator``, times ``scale``."""

    low: str
    high: str
    numerator: str
    denominator: str
    scale: float = 1.0
    decimals: int | None = None
    confidence: float = 0.95


@dataclass(frozen=True)
class Statistic:
    """An exact test's p-value ``value`` on the pairs counted by ``pairs``.

    ``test``: ``mcnemar_exact`` (also the sign test; p = min(1, 2 P(Bin(b + c, 1/2) <=
    min(b, c)))) or ``signed_rank_exact`` (p = 2 * 0.5 ** m when all m non-zero changes go one
    way). ``companions``: keys hidden with the p-value (they give it back).
    """

    value: str
    test: str
    pairs: str
    companions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublicRelations:
    """Every relation that holds between the key numbers of one run (names only)."""

    equations: tuple[Equation, ...] = ()
    ratios: tuple[Ratio, ...] = ()
    intervals: tuple[Interval, ...] = ()
    statistics: tuple[Statistic, ...] = ()
    dropped: tuple[str, ...] = field(default=(), compare=False)
    """Declared relations that did not hold on this run's values (for the decision record)."""

    @property
    def rests(self) -> dict[str, Equation]:
        """Unpublished groups (rest name -> its equation)."""
        return {e.rest: e for e in self.equations if e.rest}


def public_relations(numbers: Mapping[str, Any], *, definitions: Mapping[str, Any] | None = None
                     ) -> PublicRelations:
    """The relations of ``definitions`` (default :func:`rules`) that hold on ``numbers``.

    >>> r = public_relations({"therapists_total": 9, "therapists_play": 7, "therapists_pmt": 2})
    >>> [str(e) for e in r.equations]
    ['therapists_total = therapists_play + therapists_pmt']
    >>> r = public_relations({"indicated_n": 9, "substituted_n": 6})
    >>> [str(e) for e in r.equations]
    ['indicated_n = substituted_n + indicated_n - substituted_n']
    """
    spec = rules() if definitions is None else definitions
    keys = [k for k, v in numbers.items() if _count(v) is not None]
    numeric = [k for k, v in numbers.items() if _number(v) is not None]
    equations, dropped = [], []
    for rule in spec.get("relations", []):
        for total, parts in _equations(rule, keys):
            values = [_count(numbers[k]) for k in (total, *parts)]
            rest_value = values[0] - sum(values[1:])
            text = f"{total} = {' + '.join(parts)}" + (" + rest" if rule.get("rest") else "")
            if rest_value < 0 or (rest_value and not rule.get("rest")):
                dropped.append(text)
                continue
            rest = f"{total} - {' - '.join(parts)}" if rule.get("rest") else None
            equations.append(Equation(total, tuple(parts), rest))
    equations += _scheme_copies(spec.get("scheme_copies", []), numbers, keys)
    ratios, more = _ratios(spec.get("ratios", []), numbers, keys, numeric)
    intervals = _intervals(spec.get("intervals", []), numbers, keys, numeric)
    statistics = _statistics(spec.get("statistics", []), keys, numeric)
    unique = list(dict.fromkeys(equations))
    return PublicRelations(tuple(unique), tuple(ratios), tuple(intervals), tuple(statistics),
                           tuple(dropped + more))


# --------------------------------------------------------------------------- patterns

def bindings(pattern: str, keys: Iterable[str]) -> list[dict[str, str]]:
    """Values of the ``{name}`` placeholders of ``pattern`` for every key it matches.

    >>> bindings("{step}_pct", ["t0_elevated_pct", "slots"])
    [{'step': 't0_elevated'}]
    >>> bindings("slots", ["slots"])
    [{}]
    """
    names = _PLACEHOLDER.findall(pattern)
    if not names:
        return [{}] if pattern in keys else []
    regex = re.compile("".join(
        f"(?P<{part[1:-1]}>[a-z0-9_]+?)" if _PLACEHOLDER.fullmatch(part) else re.escape(part)
        for part in re.split(r"(\{[a-z_]+\})", pattern) if part) + "$")
    out = []
    for key in keys:
        match = regex.match(key)
        if match and match.groupdict() not in out:
            out.append(match.groupdict())
    return out


def expand(patterns: Iterable[str], keys: Iterable[str], binding: Mapping[str, str],
           *, exclude: Iterable[str] = ()) -> list[str]:
    """``patterns`` with ``binding`` filled in; a ``*`` becomes every key it matches (sorted,
    ``exclude`` left out); a name without ``*`` is kept as is (present or not)."""
    keys, exclude = list(keys), set(exclude)
    out: list[str] = []
    for pattern in patterns:
        name = _fill(pattern, binding)
        if "*" in name:
            out += sorted(k for k in keys if fnmatch.fnmatchcase(k, name) and k not in exclude)
        else:
            out.append(name)
    return list(dict.fromkeys(out))


def _fill(pattern: str, binding: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: binding.get(m.group(1), m.group(0)), pattern)


def _equations(rule: Mapping[str, Any], keys: list[str]) -> list[tuple[str, list[str]]]:
    out = []
    for binding in bindings(rule["total"], keys):
        total = _fill(rule["total"], binding)
        parts = expand(rule["parts"], keys, binding, exclude=[total])
        if parts and all(p in keys for p in parts) and not _PLACEHOLDER.search(" ".join(parts)):
            out.append((total, parts))
    return out


def _scheme_copies(names: list[str], numbers: Mapping[str, Any], keys: list[str]
                   ) -> list[Equation]:
    if not names or names[0] not in keys:
        return []
    present = [n for n in names if n in keys]
    schemes = [b["scheme"] for b in bindings(names[0] + "_{scheme}", keys)]
    out = []
    for scheme in schemes:
        copies = [(n, f"{n}_{scheme}") for n in present]
        if all(c in keys and _count(numbers[c]) == _count(numbers[n]) for n, c in copies):
            out += [Equation(c, (n,)) for n, c in copies]
    return out


def _ratios(specs, numbers, keys, numeric) -> tuple[list[Ratio], list[str]]:
    out, dropped = [], []
    for rule in specs:
        for binding in bindings(rule["value"], numeric):
            value, numerator = _fill(rule["value"], binding), _fill(rule["numerator"], binding)
            den = [(-1, n[1:]) if n.startswith("-") else (1, n)
                   for n in (_fill(d, binding) for d in rule["denominator"])]
            if numerator not in keys or not all(k in keys for _, k in den):
                continue
            ratio = Ratio(value, numerator, tuple(den), float(rule.get("scale", 1)),
                          rule.get("decimals"))
            if _ratio_holds(ratio, numbers):
                out.append(ratio)
            else:
                dropped.append(str(ratio))
    return out, dropped


def _ratio_holds(ratio: Ratio, numbers: Mapping[str, Any]) -> bool:
    shown = numbers[ratio.value]
    den = sum(s * _count(numbers[k]) for s, k in ratio.denominator)
    if den <= 0:
        return False
    exact = ratio.scale * _count(numbers[ratio.numerator]) / den
    return abs(exact - shown) <= rounding(shown, ratio.decimals) * 1.000001


def _intervals(specs, numbers, keys, numeric) -> list[Interval]:
    out = []
    for rule in specs:
        for binding in bindings(rule["low"], numeric):
            names = {f: _fill(rule[f], binding) for f in ("low", "high", "numerator",
                                                          "denominator")}
            if names["high"] in numeric and names["numerator"] in keys and \
                    names["denominator"] in keys:
                out.append(Interval(**names, scale=float(rule.get("scale", 1)),
                                    decimals=rule.get("decimals")))
    return out


def _statistics(specs, keys, numeric) -> list[Statistic]:
    out = []
    for rule in specs:
        for binding in bindings(rule["value"], numeric):
            value = _fill(rule["value"], binding)
            pairs = _fill(rule["pairs"], binding)
            if pairs not in keys:
                continue
            companions = expand(rule.get("with", []), numeric + [k for k in keys], binding,
                                exclude=[value])
            out.append(Statistic(value, rule["test"], pairs, tuple(companions)))
    return out


def declared_sums(marks: Iterable[tuple[str, str, str]]) -> dict[str, dict[str, list[str]]]:
    """The sums a figure's marks declare: relation -> ``{"parts": [...], "totals": [...]}``
    from ``(name, part_of, total_of)`` triples (relation names ";"-separated, as in a marks
    table). Used by the figure checker and by the attacker reading a published marks table.

    >>> declared_sums([("a", "t", ""), ("b", "t; u", ""), ("t", "", "t")])
    {'t': {'parts': ['a', 'b'], 'totals': ['t']}, 'u': {'parts': ['b'], 'totals': []}}
    """
    sums: dict[str, dict[str, list[str]]] = {}
    for name, part_of, total_of in marks:
        for cell, side in ((part_of, "parts"), (total_of, "totals")):
            for relation in relation_names(cell):
                sums.setdefault(relation, {"parts": [], "totals": []})[side].append(name)
    return sums


def relation_names(cell: str | None) -> list[str]:
    """The names in a ``part_of`` or ``total_of`` cell (";"-separated), without empties.

    >>> relation_names("bar 1; totaal"), relation_names(""), relation_names(None)
    (['bar 1', 'totaal'], [], [])
    """
    return [part.strip() for part in str(cell or "").split(";") if part.strip()]


def rounding(value: float, decimals: int | None = None) -> float:
    """The largest rounding error of a recorded ``value``: half a unit of its ``decimals``th
    decimal, or (None) of its :data:`SIGNIFICANT_DIGITS`-th significant digit.

    >>> rounding(64.3, 1), rounding(0.6363636364), rounding(0.5)
    (0.05, 5e-11, 5e-11)
    """
    if decimals is not None:
        return 0.5 * 10.0 ** (-decimals)
    if value == 0:
        return 1e-300
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - SIGNIFICANT_DIGITS + 1)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return None if isinstance(value, float) and math.isnan(value) else float(value)


def _count(value: Any) -> int | None:
    """``value`` as a whole number of people, or None (not a count, missing, NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
        return None
    return int(value)
