"""Statistical disclosure control of what is published (publication mode, ``share``).

Modelled on ACRO (AI-SDC/ACRO, the SACRO project's automatic checker of research outputs:
threshold, p-ratio and dominance checks, and a summary per output for the human output checker)
and on CBS's output guidelines for its microdata services (at least 10 units per cell; no cell
recoverable from totals). ACRO is read as the model, not imported (it pins pandas <= 2.3.3).

What each key number counts is data, in ``analysis/definitions/disclosure.yaml`` (patterns on
the name, first match wins; an undeclared name ending in ``_n``, ``_k`` or ``_count`` is taken
for a count of people, so a new key number fails safe). Rules:

1. **Primary suppression.** A count of people (families, children, parents, professionals,
   participants) with ``0 < value < threshold`` is shown as ``"<k"`` (:class:`Suppressed`).
   Zeros are kept. Counts that are not about people (sessions, hours, warnings, segments, places,
   planned sample sizes) are never suppressed.
2. **Secondary suppression.** For each declared ``total = sum(parts)`` whose cells are all
   published: when the hidden cells of
   a relation could be recovered (one hidden cell, or hidden cells whose known sum is below the
   threshold), the smallest shown part is hidden as well, or the total when no part is left;
   repeated until nothing changes.
3. **Ratios.** A percentage, share or interval of a hidden numerator or denominator is hidden
   (``NAME_n`` takes ``NAME_pct``, ``NAME_share``, ``NAME_ci_*`` with it; declared ratios list
   the rest), so "<5 van de 6 (50%)" cannot happen.
4. **Magnitude tables** (:func:`magnitude_check`): ACRO's threshold, N-k dominance and p% rules.

:func:`publish_numbers` returns the numbers as published plus one :class:`Decision` per key
(output, rule, status, reason) for ``disclosure_check.csv``.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import pandas as pd


DEFAULT_THRESHOLD: int = 5
"""Default threshold (a parameter everywhere). CBS and ACRO use 10 (see disclosure.yaml)."""

CBS_THRESHOLD: int = 10
"""Minimum cell size of CBS's output guidelines for microdata (and ACRO's default)."""



HIDDEN: str = "x"
"""How a suppressed value that is not a count is shown: CBS's sign for a confidential figure."""


class Suppressed(str):
    """A suppressed value as shown: ``"<5"``. Formatting code passes it through unchanged."""

    suppressed = True


@dataclass(frozen=True)
class Decision:
    """One line of ``disclosure_check.csv``: what was checked, by which rule, and the outcome."""

    output: str
    rule: str
    status: str  # "pass", "suppressed", "withheld", "fail"
    reason: str


@functools.lru_cache(maxsize=1)
def rules() -> dict[str, Any]:
    """``analysis/definitions/disclosure.yaml`` (read once)."""
    import yaml

    file = _definitions_file()
    return yaml.safe_load(file.read_text(encoding="utf-8"))


def _definitions_file():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "definitions" / "disclosure.yaml"


def unit_of(name: str) -> str | None:
    """What key number ``name`` counts (``families``, ``sessions`` ...; None: not a count).

    >>> unit_of("trajectories_dropped_out"), unit_of("interview_sessions_n")
    ('families', 'sessions')
    >>> unit_of("validation_warnings_n"), unit_of("something_new_n"), unit_of("sdq_total_t_p")
    ('warnings', 'people (undeclared)', 'none')
    """
    for rule in rules()["counts"]:
        if fnmatch.fnmatchcase(name, rule["pattern"]):
            return rule["counts"]
    if re.search(r"(?:^|_)(?:n|k|count)$", name):
        return "people (undeclared)"
    return None


def is_person_count(name: str) -> bool:
    """Whether key number ``name`` counts people (families, children, parents, professionals)."""
    unit = unit_of(name)
    return unit is not None and (unit in rules()["person_units"] or unit.startswith("people"))


def publish_numbers(numbers: Mapping[str, Any], *, threshold: int = DEFAULT_THRESHOLD
                    ) -> tuple[dict[str, Any], list[Decision]]:
    """Key numbers as published, and the decisions taken (see the module docstring).

    >>> out, _ = publish_numbers({"trajectories_started": 12, "trajectories_completed": 9,
    ...                           "trajectories_dropped_out": 2, "trajectories_ongoing": 1,
    ...                           "interview_sessions_n": 2})
    >>> [out[k] for k in ("trajectories_started", "trajectories_completed",
    ...                   "trajectories_dropped_out", "trajectories_ongoing", "interview_sessions_n")]
    [12, '<5', '<5', '<5', 2]
    """
    hidden: dict[str, str] = {}
    for name, value in numbers.items():
        if _small(value, threshold) and is_person_count(name):
            hidden[name] = f"count of {unit_of(name)} below {threshold}"
    _secondary(numbers, hidden, threshold)
    _ratios(numbers, hidden)
    out, decisions = {}, []
    for name, value in numbers.items():
        if name in hidden:
            out[name] = Suppressed(f"<{threshold}" if is_person_count(name) else HIDDEN)
            decisions.append(Decision(f"key_numbers.json:{name}", _rule_of(hidden[name]),
                                      "suppressed", hidden[name]))
        else:
            out[name] = value
            if is_person_count(name) and _is_count_value(value):
                decisions.append(Decision(f"key_numbers.json:{name}", "threshold", "pass",
                                          f"count of {unit_of(name)}: 0 or at least {threshold}"))
    return out, decisions


def _rule_of(reason: str) -> str:
    if reason.startswith("count of"):
        return "threshold"
    return "secondary" if reason.startswith("recoverable") else "ratio"


def _is_count_value(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _small(value: Any, threshold: int) -> bool:
    return _is_count_value(value) and 0 < value < threshold


def _secondary(numbers: Mapping[str, Any], hidden: dict[str, str], threshold: int) -> None:
    relations = [r for r in rules()["relations"] if r["total"] in numbers]
    changed = True
    while changed:
        changed = False
        for relation in relations:
            total, parts = relation["total"], relation["parts"]
            if not all(p in numbers for p in parts):  # a part not published keeps them apart
                continue
            cells = [total, *parts]
            hidden_cells = [c for c in cells if c in hidden]
            if not hidden_cells:
                continue
            if total not in hidden:
                unknown = _number(numbers[total]) - sum(_number(numbers[p]) for p in parts
                                                        if p not in hidden)
                safe = len(hidden_cells) >= 2 and (unknown == 0 or unknown >= threshold)
                if safe:
                    continue
            elif len(hidden_cells) >= 2:
                continue
            shown = sorted((p for p in parts if p not in hidden), key=lambda p: _number(numbers[p]))
            victim = shown[0] if shown else (total if total not in hidden else None)
            if victim is None:
                continue
            hidden[victim] = (f"recoverable: hides {', '.join(hidden_cells)} of "
                              f"{total} = {' + '.join(parts)}")
            changed = True


def _ratios(numbers: Mapping[str, Any], hidden: dict[str, str]) -> None:
    for name in list(hidden):
        stem = re.sub(r"_(?:n|k)$", "", name)
        for suffix in ("_pct", "_share", "_ci_low_pct", "_ci_high_pct", "_ci_low", "_ci_high",
                       "_rate"):
            if stem + suffix in numbers and stem + suffix not in hidden:
                hidden[stem + suffix] = f"ratio of the hidden count {name}"
    for ratio in rules()["ratios"]:
        if ratio["numerator"] in hidden or ratio["denominator"] in hidden:
            cause = ratio["numerator"] if ratio["numerator"] in hidden else ratio["denominator"]
            for key in ratio["derived"]:
                if key in numbers and key not in hidden:
                    hidden[key] = f"ratio of the hidden count {cause}"


def _number(value: Any) -> float:
    return float(value) if _is_count_value(value) else 0.0


def suppress_column(values: Iterable[Any], *, threshold: int = DEFAULT_THRESHOLD,
                    total_known: bool = True) -> list[Any]:
    """One column of people counts as published: primary suppression, then (when the column's
    total is shown or known) the smallest other cell too when one hidden cell, or hidden cells
    summing to less than ``threshold``, could be recovered.

    >>> suppress_column([12, 3, 9])
    [12, '<5', '<5']
    >>> suppress_column([12, 0, 9])
    [12, 0, 9]
    """
    values = list(values)
    hidden = {i for i, v in enumerate(values) if _small(v, threshold)}
    if total_known:
        while hidden:
            known = sum(_number(values[i]) for i in hidden)
            shown = sorted((i for i, v in enumerate(values) if i not in hidden
                            and _is_count_value(v)), key=lambda i: _number(values[i]))
            if (len(hidden) >= 2 and known >= threshold) or not shown:
                break
            hidden.add(shown[0])
    return [Suppressed(f"<{threshold}") if i in hidden else v for i, v in enumerate(values)]


def suppress_table(frame: pd.DataFrame, counts: Iterable[str], *,
                   threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """``frame`` with each of the ``counts`` columns through :func:`suppress_column`."""
    out = frame.copy()
    for column in counts:
        if column in out.columns:
            out[column] = pd.Series(suppress_column(out[column].tolist(), threshold=threshold),
                                    index=out.index, dtype=object)
    return out


def claims_table(table: pd.DataFrame, *, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """``claims.csv`` as published: a numerator or denominator below ``threshold`` (claims
    count families) is ``"<k"``, and then the reproduced percentage and its interval, which
    would give it back, are left empty; the row's status stays."""
    out = table.copy().astype({c: object for c in ("numerator", "denominator", "reproduced",
                                                  "ci_low", "ci_high") if c in table.columns})
    for i in out.index:
        small = [c for c in ("numerator", "denominator")
                 if c in out.columns and _small(out.at[i, c], threshold)]
        if not small:
            continue
        if "numerator" in out.columns and "denominator" in out.columns:
            num, den = _number(out.at[i, "numerator"]), _number(out.at[i, "denominator"])
            if den - num and 0 < den - num < threshold:  # the complement is small too
                small = ["numerator", "denominator"]
            if "denominator" in small and "numerator" not in small:
                small.append("numerator")
        for column in small:
            out.at[i, column] = Suppressed(f"<{threshold}")
        for column in ("reproduced", "ci_low", "ci_high"):
            if column in out.columns:
                out.at[i, column] = Suppressed(HIDDEN)
    return out


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


def figure_has_small_cells(png, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Whether the figure (its SVG twin's text, else the PNG's text chunks) shows a group
    "n = k" with ``0 < k < threshold``."""
    from pathlib import Path

    from analysis.privacy.scanner import ScanFailure, scan_file

    png = Path(png)
    files = [f for f in (png.with_suffix(".svg"), png) if f.is_file()]
    failures: list[ScanFailure] = []
    for file in files:
        failures += scan_file(file, threshold=threshold, identifiers=False)
    return any(f.rule == "small_cell" for f in failures)


def decisions_frame(decisions: Iterable[Decision]) -> pd.DataFrame:
    """Decisions as the ``disclosure_check.csv`` table (output, rule, status, reason)."""
    return pd.DataFrame([vars(d) for d in decisions],
                        columns=["output", "rule", "status", "reason"])
