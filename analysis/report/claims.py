"""Published claims against reproduced key numbers: the "Gepubliceerd vs. gereproduceerd" table.

A cohort may list the numbers its original report published (``cohort.yaml``:
``published_claims``, a CSV with ``claim_id, section, statement, published, unit, numerator,
denominator, note``). :func:`reproduce_claims` puts each next to the value this run reproduced,
taken from the run's key numbers (the flat mapping of ``reports/<cohort>/key_numbers.json``,
read by the caller with :func:`analysis.report.keynumbers.load`). Which key numbers a claim needs is
data, not code: ``analysis/definitions/claim_rules.yaml`` (rule kinds and the naming scheme of
the key numbers are documented there; :func:`expected_key_numbers` lists the names).

A cohort without published claims simply has no table: the caller does not call
:func:`reproduce_claims` (there is nothing to compare, which is not an error).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analysis import paths
from analysis.errors import ConfigError
from analysis.questionnaires.scoring import round_half_up
from analysis.stats.intervals import exact_interval

RULES_FILE: Path = paths.DEFINITIONS / "claim_rules.yaml"
"""Default mapping claim_id -> key-number names."""

COLUMNS: list[str] = ["claim_id", "published", "reproduced", "numerator", "denominator",
                      "ci_low", "ci_high", "status", "note", "unit", "section", "statement"]
"""Columns of :func:`reproduce_claims`: the comparison, the claim's ``unit`` (as published:
count, percent, max, min; empty when not given), then ``section`` and ``statement``."""

STATUSES: tuple[str, ...] = ("reproduced", "differs", "not_computable")
STATUS_LABELS_NL: dict[str, str] = {"reproduced": "gereproduceerd", "differs": "wijkt af",
                                    "not_computable": "niet te berekenen"}
"""Dutch display text of each status, for the findings document."""

COMPARISONS: tuple[str, ...] = ("equal", "max", "min")
_KINDS = ("value", "numerator", "external")


def load_claim_rules(path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The rules of ``claim_rules.yaml`` (or ``path``), checked.

    Returns
    -------
    dict
        claim_id -> rule with exactly one of ``value`` (a key name), ``numerator`` and
        ``denominator`` (key names) or ``external`` (a reason); optional ``comparison``
        (one of :data:`COMPARISONS`) and ``note``.

    Raises
    ------
    ConfigError
        Missing file, no ``rules`` mapping, or a rule of no or several kinds, a missing
        denominator or an unknown comparison; the message names the claim and the file.
    """
    path = Path(path) if path is not None else RULES_FILE
    where = paths.display(path)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"claim rules not found: {where}") from None
    rules = spec.get("rules") if isinstance(spec, dict) else None
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: expected a 'rules' mapping claim_id -> rule")
    for claim_id, rule in rules.items():
        _check_rule(claim_id, rule, where)
    return rules


def is_percent(unit: Any, numerator: Any = None) -> bool:
    """Whether a claim is a percentage: its published ``unit`` says ``percent``, or (no unit
    given, or ``min``/``max``, which say how to compare and not what is counted: "target of 50%
    met" is a ``min``) its reproduction has a numerator (a share rule).

    >>> is_percent("percent"), is_percent("count", 3), is_percent("", 3), is_percent(None)
    (True, False, True, False)
    >>> is_percent("min", 8), is_percent("max")
    (True, False)
    """
    text = "" if unit is None or (isinstance(unit, float) and math.isnan(unit)) else str(unit)
    if text.strip() and text.strip() not in ("min", "max"):
        return text.strip() == "percent"
    return _mark(numerator) or (numerator is not None and str(numerator) != ""
                                and not pd.isna(numerator))


def value_text(value: Any, percent: bool, digits: int = 0) -> str:
    """A claim's published or reproduced value as both claim tables show it: Dutch notation,
    ``digits`` decimals for a percentage, with "%"; a count as a whole number; a withheld value
    ("<5", "x") as is; nothing for a missing value.

    >>> value_text(50, True), value_text(53.333, True, 1), value_text(22, False)
    ('50%', '53,3%', '22')
    """
    from analysis.report.narrative import format_value

    if _mark(value):
        return str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return ""
    if percent:
        return f"{format_value(number, f'.{digits}')}%"
    return format_value(int(number) if number.is_integer() else number)


def _mark(value: Any) -> bool:
    """A mark of disclosure control: :func:`analysis.report.narrative.withheld`, or as read back
    from ``claims.csv`` a text that is not a number ("<5", "x")."""
    from analysis.report.narrative import withheld

    if withheld(value):
        return True
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def reproduced_text(value: Any, numerator: Any = None, denominator: Any = None) -> str:
    """A claim's reproduced value as both claim tables show it: a share as "53,3% (8 van 15)"
    (one decimal unless whole; "x" for a withheld share, the counts as published), any other
    value in Dutch notation; "niet te berekenen" when missing.

    >>> reproduced_text(50.0, 8, 16), reproduced_text(22), reproduced_text("x", "x", 16)
    ('50% (8 van 16)', '22', 'x (x van 16)')
    >>> reproduced_text(float("nan"))
    'niet te berekenen'
    """
    from analysis.report.narrative import format_value

    def present(v: Any) -> bool:
        return _mark(v) or (v is not None and str(v) != "" and not pd.isna(v))

    def count(v: Any) -> str:
        return str(v) if _mark(v) else format_value(float(v), "count")

    if not present(value):
        return "niet te berekenen"
    if present(numerator) and present(denominator):
        share = (str(value) if _mark(value) else
                 value_text(value, True, 0 if float(value).is_integer() else 1))
        return f"{share} ({count(numerator)} van {count(denominator)})"
    if _mark(value):
        return str(value)
    number = float(value)
    return value_text(number, False) if number.is_integer() else format_value(number, ".1")


def interval_text(low: Any, high: Any) -> str:
    """A claim's 95%-interval (percentages) as both claim tables and the findings write an
    interval: "25% tot 75%"; "x" when withheld; nothing without an interval.

    >>> interval_text(25.0, 75.2), interval_text("x", "x"), interval_text(float("nan"), 1)
    ('25% tot 75%', 'x', '')
    """
    if _mark(low) or _mark(high):
        return "x"
    shown = [value_text(v, True) for v in (low, high)]
    return "" if "" in shown else f"{shown[0]} tot {shown[1]}"


def statements_nl(path: str | Path | None = None) -> dict[str, str]:
    """claim_id -> Dutch wording of the claim (``statements_nl`` in ``claim_rules.yaml``)."""
    path = Path(path) if path is not None else RULES_FILE
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in (spec.get("statements_nl") or {}).items()}


def notes_nl(path: str | Path | None = None) -> dict[str, str]:
    """claim_id -> Dutch note shown instead of the claims file's note (``notes_nl`` in
    ``claim_rules.yaml``); ``claims.csv`` keeps the file's own note."""
    path = Path(path) if path is not None else RULES_FILE
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): " ".join(str(v).split()) for k, v in (spec.get("notes_nl") or {}).items()}


def expected_key_numbers(rules: Mapping[str, Mapping] | None = None) -> list[str]:
    """Sorted names of every key number the rules read (what the notebooks must write)."""
    rules = load_claim_rules() if rules is None else rules
    names = {rule[k] for rule in rules.values() for k in ("value", "numerator", "denominator")
             if k in rule}
    return sorted(names)


def reproduce_claims(claims: pd.DataFrame, key_numbers: Mapping[str, Any], *,
                     rules: Mapping[str, Mapping] | None = None,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Each published claim next to its reproduced value, with a status.

    Parameters
    ----------
    claims : DataFrame
        The cohort's published claims; needs ``claim_id`` and ``published`` (a number, decimal
        comma accepted); ``section``, ``statement``, ``unit`` and ``note`` are used when present.
    key_numbers : mapping
        The run's key numbers, name -> value (``reports/<cohort>/key_numbers.json``).
    rules : mapping, optional
        claim_id -> rule; default :func:`load_claim_rules`.
    confidence : float
        Level of the Clopper-Pearson interval of percentage claims.

    Returns
    -------
    DataFrame
        One row per claim, in the order of ``claims``, columns :data:`COLUMNS`:
        ``published``; ``reproduced`` (the key number, or ``100 * numerator / denominator`` for
        a percentage, unrounded); ``numerator``, ``denominator`` (reproduced counts of a
        percentage, else NaN); ``ci_low``, ``ci_high`` (exact interval in percent, else NaN);
        ``status`` (one of :data:`STATUSES`); ``note`` (the claim's note, the rule's note and,
        when not computable, the reason, joined by ``"; "``); ``section``, ``statement``.

    Notes
    -----
    Status rules. Count: ``reproduced == published``. ``max``: ``reproduced <= published``.
    ``min``: ``reproduced >= published``. Percentage: the share rounded half up to a whole
    percent (``floor(100*num/den + 0.5)``, as a report would print it) equals the published
    percentage, or, with a comparison, is compared with it. ``not_computable``: an external
    reference, no rule for the claim, a key number missing or ``None``
    (``"kerngetal ontbreekt: <name>"``), not a number, a denominator of 0, a numerator above
    the denominator, or a published value that is not a number.

    Interval: Clopper, C. J. & Pearson, E. S. (1934). Biometrika 26(4), 404-413.
    doi:10.1093/biomet/26.4.404.
    """
    missing = [c for c in ("claim_id", "published") if c not in claims.columns]
    if missing:
        raise ValueError(f"published claims: missing column(s) {missing}; expected claim_id, "
                         f"section, statement, published, unit, numerator, denominator, note")
    duplicated = sorted(claims["claim_id"][claims["claim_id"].duplicated()].astype(str).unique())
    if duplicated:
        raise ValueError(f"published claims: claim_id not unique: {duplicated}")
    rules = load_claim_rules() if rules is None else rules
    rows = [_reproduce_one(claim, rules.get(str(claim["claim_id"])), key_numbers, confidence)
            for claim in claims.to_dict("records")]
    return pd.DataFrame(rows, columns=COLUMNS)


def _reproduce_one(claim: dict, rule: Mapping | None, key_numbers: Mapping[str, Any],
                   confidence: float) -> dict:
    """One output row for one claim (see reproduce_claims)."""
    published = _number(claim.get("published"))
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(claim_id=str(claim["claim_id"]), published=published,
               unit=_text(claim.get("unit")),
               section=_text(claim.get("section")), statement=_text(claim.get("statement")))
    notes = [_text(claim.get("note")), _text((rule or {}).get("note"))]
    if rule is None:
        result = {"reason": "geen regel voor deze claim in claim_rules.yaml"}
    elif "external" in rule:
        result = {"reason": _text(rule["external"])}
    elif "value" in rule:
        result = _value_rule(rule, key_numbers)
    else:
        result = _percentage_rule(rule, key_numbers, confidence)
    reason = result.pop("reason", None)
    if reason is None and published is None:
        reason = f"gepubliceerde waarde is geen getal: {claim.get('published')!r}"
    row.update(result)
    if reason is not None:
        row["status"] = "not_computable"
        notes.append(reason)
    else:
        comparison = _comparison(rule, claim)
        compared = round_half_up(row["reproduced"]) if "numerator" in rule else row["reproduced"]
        row["status"] = "reproduced" if _passes(compared, published, comparison) else "differs"
    row["published"] = np.nan if published is None else published
    row["note"] = "; ".join(n for n in notes if n)
    return row


def _value_rule(rule: Mapping, key_numbers: Mapping[str, Any]) -> dict:
    value, reason = _key(key_numbers, rule["value"])
    return {"reason": reason} if reason else {"reproduced": value}


def _percentage_rule(rule: Mapping, key_numbers: Mapping[str, Any], confidence: float) -> dict:
    k, reason_k = _key(key_numbers, rule["numerator"])
    n, reason_n = _key(key_numbers, rule["denominator"])
    reasons = [r for r in (reason_k, reason_n) if r]
    if reasons:
        return {"reason": "; ".join(reasons)}
    out = {"numerator": k, "denominator": n}
    if not (float(k).is_integer() and float(n).is_integer() and k >= 0 and n >= 0):
        return out | {"reason": f"teller en noemer moeten gehele aantallen >= 0 zijn: {k}/{n}"}
    if n == 0:
        return out | {"reason": f"noemer {rule['denominator']} is 0"}
    if k > n:
        return out | {"reason": f"teller {rule['numerator']} ({k:g}) groter dan noemer "
                                f"{rule['denominator']} ({n:g})"}
    low, high = exact_interval(int(k), int(n), confidence=confidence)
    return out | {"reproduced": 100.0 * k / n, "ci_low": 100.0 * low, "ci_high": 100.0 * high}


def _key(key_numbers: Mapping[str, Any], name: str) -> tuple[float | None, str | None]:
    """(value, None) for a usable key number, else (None, Dutch reason)."""
    value = key_numbers.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, f"kerngetal ontbreekt: {name}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None, f"kerngetal {name} is geen getal: {value!r}"
    return float(value), None


def _comparison(rule: Mapping, claim: dict) -> str:
    unit = _text(claim.get("unit")).lower()
    return rule.get("comparison") or (unit if unit in ("max", "min") else "equal")


def _passes(reproduced: float, published: float, comparison: str) -> bool:
    if comparison == "max":
        return reproduced <= published + 1e-9
    if comparison == "min":
        return reproduced >= published - 1e-9
    return math.isclose(reproduced, published, rel_tol=0.0, abs_tol=1e-9)


def _number(value: Any) -> float | None:
    """A published value as float (decimal comma accepted), None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Real):
        return None if math.isnan(value) else float(value)
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return " ".join(str(value).split())


def _check_rule(claim_id: str, rule: Any, where: str) -> None:
    if not isinstance(rule, dict):
        raise ConfigError(f"{where}, claim {claim_id!r}: a rule is a mapping, got {rule!r}")
    kinds = [k for k in _KINDS if k in rule]
    if len(kinds) != 1:
        raise ConfigError(f"{where}, claim {claim_id!r}: expected exactly one of value, "
                          f"numerator/denominator or external; got {sorted(rule)}")
    if ("numerator" in rule) != ("denominator" in rule):
        raise ConfigError(f"{where}, claim {claim_id!r}: numerator and denominator go together")
    if rule.get("comparison", "equal") not in COMPARISONS:
        raise ConfigError(f"{where}, claim {claim_id!r}: comparison must be one of "
                          f"{list(COMPARISONS)}, got {rule['comparison']!r}")
    names = [rule[k] for k in ("value", "numerator", "denominator") if k in rule]
    if any(not isinstance(n, str) or not n for n in names):
        raise ConfigError(f"{where}, claim {claim_id!r}: key-number names must be text, got {names}")
