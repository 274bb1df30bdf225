"""Analysis parameters: a strict YAML reader for ``--params`` and the rules values must obey.

Each notebook in ``pipeline.yaml`` may give ``rules`` for the parameters it declares::

    parameters: {quotes_per_theme: 2, tariffs: null}
    rules:
      quotes_per_theme: {type: integer, min: 0, max: 50}
      tariffs: {type: mapping, nullable: true,
                keys_from: "{package}/definitions/tariffs.yaml#tariffs",
                values: {type: number, min: 0}}

Fields of a rule (all optional except ``type``):

==============  =============================================================================
``type``        ``boolean`` (only ``true``/``false``), ``integer``, ``number`` (integer or
                finite decimal), ``string``, ``list`` or ``mapping``
``nullable``    ``true``: ``null`` is allowed too (default false)
``min, max``    inclusive bounds of a number
``above``,      exclusive bounds of a number
``below``
``choices``     the allowed values (a list)
``choices_from``the allowed values are the keys of a mapping in a package data file:
                ``"{package}/<file>.yaml#<key>"`` (``{package}`` is the ``analysis`` folder)
``items``       rule for every element of a list
``keys_from``   allowed keys of a mapping, as ``choices_from``
``values``      rule for every value of a mapping
==============  =============================================================================

The defaults in ``pipeline.yaml`` must obey their rules (checked when it is loaded); the values
after ``--params`` is applied are checked before any kernel starts.

:func:`load_yaml` reads a YAML file strictly: duplicate keys are refused, at most
:data:`ALIAS_BUDGET` aliases (a "billion laughs" file is refused at once instead of exhausting
memory), and only ``true``/``false`` are booleans (YAML 1.1's ``yes``, ``no``, ``on``, ``off``
stay strings, so ``publication: yes`` is refused by a ``boolean`` rule instead of being read as
true).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from analysis.errors import ConfigError

ALIAS_BUDGET = 20
"""Most YAML aliases (``*name``) a parameters file may use."""
TYPES = ("boolean", "integer", "number", "string", "list", "mapping")
_RULE_KEYS = {"type", "nullable", "min", "max", "above", "below", "choices", "choices_from",
              "items", "keys_from", "values"}
_EXPECTED = {"boolean": "true or false", "integer": "a whole number", "number": "a number",
             "string": "text", "list": "a list", "mapping": "a mapping name: value"}


def load_yaml(path: Path, shown: str) -> Any:
    """Read YAML file ``path`` strictly (see the module docstring); ``shown`` names it."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{shown} is not UTF-8 text; save it as UTF-8") from None
    loader = _strict_loader()(text)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        raise ConfigError(f"{shown} is not valid YAML: {_short(str(error), 300)}") from None
    finally:
        loader.dispose()


def check_rules(rules: Any, parameters: dict, where: str) -> dict[str, dict]:
    """Check the ``rules`` of one notebook's definition; returns them as a dict.

    Raises
    ------
    ConfigError
        A rule for an undeclared parameter, an unknown field or type, or a default that breaks
        its rule.
    """
    if rules is None:
        return {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: rules must be a mapping parameter -> rule")
    for name, rule in rules.items():
        if name not in parameters:
            raise ConfigError(f"{where}: rule for {name!r}, which is not a declared parameter")
        _check_rule(rule, f"{where}, rule {name}")
    for name, rule in rules.items():
        problem = violation(parameters[name], rule)
        if problem:
            raise ConfigError(f"{where}: the default of {name} breaks its rule: {problem}")
    return dict(rules)


def check_values(values: dict[str, Any], rules: dict[str, dict], where: str) -> None:
    """Refuse the first value in ``values`` that breaks its rule (message names ``where``)."""
    for name, rule in rules.items():
        if name in values:
            problem = violation(values[name], rule)
            if problem:
                raise ConfigError(f"{where}: parameter {name}: {problem}")


def violation(value: Any, rule: dict, _path: str = "") -> str | None:
    """Why ``value`` breaks ``rule`` (one phrase naming the value and what was expected), or
    None when it obeys.

    >>> violation(-1, {"type": "integer", "min": 0})
    'value -1; expected a whole number, at least 0'
    >>> violation("ja", {"type": "boolean"}) is not None
    True
    """
    at = f"{_path}: " if _path else ""
    if value is None:
        return None if rule.get("nullable") else f"{at}value null; expected {_describe(rule)}"
    kind = rule["type"]
    if not _has_type(value, kind):
        return f"{at}value {_excerpt(value)}; expected {_describe(rule)}"
    if kind in ("integer", "number"):
        if _out_of_range(value, rule):
            return f"{at}value {_excerpt(value)}; expected {_describe(rule)}"
    allowed = _allowed(rule, "choices")
    if allowed is not None and value not in allowed:
        return (f"{at}value {_excerpt(value)}; expected one of "
                f"{', '.join(map(str, allowed)) or '(none defined)'}")
    if kind == "list" and "items" in rule:
        for index, item in enumerate(value, start=1):
            problem = violation(item, rule["items"], f"{_path}[{index}]".lstrip())
            if problem:
                return problem
    if kind == "mapping":
        keys = _allowed(rule, "keys")
        for key, item in value.items():
            if keys is not None and key not in keys:
                return (f"{at}key {_excerpt(key)}; expected one of "
                        f"{', '.join(map(str, keys))}")
            if "values" in rule:
                problem = violation(item, rule["values"], f"{_path}.{key}".lstrip("."))
                if problem:
                    return problem
    return None


def _has_type(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool)
                and math.isfinite(value))
    return isinstance(value, {"string": str, "list": list, "mapping": dict}[kind])


def _out_of_range(value: float, rule: dict) -> bool:
    return (("min" in rule and value < rule["min"]) or ("max" in rule and value > rule["max"])
            or ("above" in rule and value <= rule["above"])
            or ("below" in rule and value >= rule["below"]))


def _describe(rule: dict) -> str:
    text = _EXPECTED[rule["type"]]
    both = "min" in rule and "max" in rule
    bounds = [f"from {rule['min']} to {rule['max']}"] if both else []
    bounds += [f"{word} {rule[key]}" for key, word in (
        ("min", "at least"), ("above", "above"), ("max", "at most"), ("below", "below"))
        if key in rule and not (both and key in ("min", "max"))]
    if bounds:
        text += ", " + " and ".join(bounds)
    if rule["type"] == "list" and "items" in rule:
        text += f" of {_describe(rule['items'])}"
    if rule["type"] == "mapping" and "values" in rule:
        text += f" with values {_describe(rule['values'])}"
    return text + (" or null" if rule.get("nullable") else "")


def _allowed(rule: dict, what: str) -> list | None:
    if what == "choices" and "choices" in rule:
        return list(rule["choices"])
    source = rule.get(f"{what}_from")
    return None if source is None else sorted(keys_of(source))


def keys_of(source: str) -> list[str]:
    """Keys of the mapping ``source`` names: ``"{package}/<file>.yaml#<key>"``.

    >>> "uk_3band" in keys_of("{package}/definitions/instruments/sdq_parent_4_17.yaml#cutoffs")
    True
    """
    import yaml

    from analysis import paths

    file, _, key = source.partition("#")
    path = paths.PACKAGE / file.removeprefix("{package}/")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"allowed values {source!r}: cannot read {path.name} ({error})") from None
    for part in filter(None, key.split(".")):
        data = data.get(part) if isinstance(data, dict) else None
    if not isinstance(data, dict):
        raise ConfigError(f"allowed values {source!r}: {path.name} has no mapping {key!r}")
    return [str(k) for k in data]


def _check_rule(rule: Any, where: str) -> None:
    if not isinstance(rule, dict) or rule.get("type") not in TYPES:
        raise ConfigError(f"{where}: expected a mapping with type: one of {', '.join(TYPES)}")
    unknown = set(rule) - _RULE_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}; expected "
                          f"{sorted(_RULE_KEYS)}")
    for key in ("min", "max", "above", "below"):
        if key in rule and not _has_type(rule[key], "number"):
            raise ConfigError(f"{where}: {key} must be a number")
    for key in ("choices_from", "keys_from"):
        if key in rule:
            if not (isinstance(rule[key], str) and rule[key].startswith("{package}/")
                    and "#" in rule[key]):
                raise ConfigError(f"{where}: {key} must look like "
                                  "'{package}/<file>.yaml#<key>'")
            keys_of(rule[key])
    for key in ("items", "values"):
        if key in rule:
            _check_rule(rule[key], f"{where}, {key}")


def _excerpt(value: Any, limit: int = 40) -> str:
    return _short(repr(value), limit)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_LOADER = None


def _strict_loader():
    """A :class:`yaml.SafeLoader` subclass: booleans only true/false, no duplicate keys, at most
    :data:`ALIAS_BUDGET` aliases (built once)."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import re

    import yaml

    bool_tag = "tag:yaml.org,2002:bool"

    class StrictLoader(yaml.SafeLoader):
        yaml_implicit_resolvers = {
            first: [(tag, regexp) for tag, regexp in resolvers if tag != bool_tag]
            for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

        def __init__(self, stream):
            super().__init__(stream)
            self._aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.events.AliasEvent):
                self._aliases += 1
                if self._aliases > ALIAS_BUDGET:
                    event = self.peek_event()
                    raise yaml.constructor.ConstructorError(
                        None, None, f"more than {ALIAS_BUDGET} aliases (*name); write the "
                        "values out", event.start_mark)
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {key!r} appears twice in one mapping",
                        key_node.start_mark)
                seen.add(key) if isinstance(key, (str, int, float, bool)) else None
            return super().construct_mapping(node, deep=deep)

    StrictLoader.add_implicit_resolver(
        bool_tag, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    _LOADER = StrictLoader
    return _LOADER
