"""The notebook sequence as data: loading ``notebooks/pipeline.yaml`` and deriving its DAG.

Schema of ``pipeline.yaml`` (see the file itself for the planned sequence)::

    version: 1
    notebooks:
      - file: 01_questionnaires.ipynb      # in notebooks/; its stem is the notebook's name
        title: {nl: Vragenlijsten, en: Questionnaires}
        reads: ["{processed}/validated/*"]  # glob patterns under a placeholder
        writes: ["{processed}/questionnaires/*", "{figures}/questionnaires_*"]
        parameters: {cutoff_scheme: null}  # analysis parameters and their defaults (optional)
        findings: false                    # true: the findings document (optional)

Placeholders: ``{raw}`` is ``data/raw/<cohort>`` (or ``--raw-dir``/<cohort>), ``{processed}``
``data/processed/<cohort>``, ``{figures}`` ``figures/<cohort>``, ``{reports}``
``reports/<cohort>``. Patterns use :mod:`glob` syntax: ``*`` within one folder, ``**`` any depth.

Dependency rule: notebook B depends on A (A != B) when a pattern B reads *overlaps* a pattern A
writes. Two patterns overlap when

* one of them is literal (no ``*?[``) and the other matches it (:func:`fnmatch.fnmatchcase`), or
* otherwise, the literal prefix of one (text before its first ``*?[``) starts with that of the
  other.

The prefix rule is conservative: any path both patterns match starts with both prefixes, so a
real dependency is never missed; at worst an extra edge is added (``x/*.csv`` and ``x/*.json``
overlap). Matching works on the placeholder text, so the DAG does not depend on the cohort.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from analysis.errors import ConfigError

PLACEHOLDERS: tuple[str, ...] = ("{raw}", "{processed}", "{figures}", "{reports}")
"""Allowed starts of a ``reads``/``writes`` pattern."""

RESERVED_PARAMETERS: frozenset[str] = frozenset({"cohort", "raw_root"})
"""Parameters the runner always passes; they cannot be declared or overridden."""

_WILDCARDS = re.compile(r"[*?\[]")
_KEYS = {"file", "title", "reads", "writes", "parameters", "rules", "findings"}
_TOP_KEYS = {"version", "notebooks", "validate", "publish"}
PUBLISH_SECTION = "publish"
"""Top-level section of ``pipeline.yaml`` declaring the publish stage's parameters and rules
(``publication``, ``small_count_threshold``); in a ``--params`` file they are given at the top
level like any notebook parameter, or in a section of this name."""


@dataclass(frozen=True)
class NotebookSpec:
    """One notebook of the sequence, as declared in ``pipeline.yaml``.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"01_questionnaires"``; used in messages, outputs and ``--only``.
    file : str
        File name inside the notebooks folder.
    title : dict
        ``{"nl": ..., "en": ...}`` short titles.
    reads, writes : tuple of str
        Glob patterns under a placeholder (see the module docstring).
    parameters : dict
        Analysis parameters and their defaults.
    rules : dict
        Parameter name -> rule its values must obey (:mod:`analysis.pipeline.params`).
    findings : bool
        Whether this is the findings document (also rendered with hidden input).
    """

    name: str
    file: str
    title: dict
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    parameters: dict = field(default_factory=dict)
    findings: bool = False
    rules: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Pipeline:
    """The notebook sequence and its DAG.

    Attributes
    ----------
    notebooks : tuple of NotebookSpec
        In a topological order; ties keep the order of ``pipeline.yaml``.
    upstream : dict
        Name -> names of the notebooks it depends on directly.
    source : str
        Where the definition came from, for messages.
    validate : str or None
        ``"module:function"`` checking a cohort's raw folder before any notebook runs: called
        with the folder, it returns a report with ``errors`` and ``format()`` or raises a
        :class:`~analysis.errors.CompendiumError`. None: no check.
    """

    notebooks: tuple[NotebookSpec, ...]
    upstream: dict[str, frozenset[str]]
    source: str = "notebooks/pipeline.yaml"
    validate: str | None = None
    publish: dict = field(default_factory=dict)
    """Parameters of the publish stage and their defaults (``publish:`` of pipeline.yaml)."""
    publish_rules: dict = field(default_factory=dict)

    def get(self, name: str) -> NotebookSpec:
        """The notebook called ``name``."""
        return next(spec for spec in self.notebooks if spec.name == name)

    @property
    def names(self) -> list[str]:
        """Notebook names in run order."""
        return [spec.name for spec in self.notebooks]

    def downstream(self, names: Iterable[str]) -> set[str]:
        """Every notebook depending, directly or not, on one of ``names`` (excluding them)."""
        found: set[str] = set()
        frontier = set(names)
        while frontier:
            frontier = {n for n, ups in self.upstream.items() if ups & frontier} - found
            found |= frontier
        return found - set(names)

    def with_upstream(self, names: Iterable[str]) -> set[str]:
        """``names`` and every notebook they need, directly or not."""
        found: set[str] = set()
        frontier = set(names)
        while frontier:
            found |= frontier
            frontier = set().union(*(self.upstream[n] for n in frontier)) - found
        return found


def load_pipeline(path: str | os.PathLike, *, shown: str | None = None) -> Pipeline:
    """Read and check ``pipeline.yaml``; derive the DAG.

    Notebook files are not required to exist here (the runner checks the ones it runs).

    Raises
    ------
    ConfigError
        When the file is missing, malformed, a pattern lacks a placeholder, names repeat or the
        dependencies form a cycle; the message names the notebook and field.
    """
    import yaml

    path = Path(path)
    shown = shown or path.name
    if not path.is_file():
        raise ConfigError(f"pipeline definition {shown} does not exist")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{shown} is not valid YAML: {error}") from None
    if isinstance(data, dict) and data.get("version", 1) != 1:
        raise ConfigError(f"{shown}: version {data.get('version')!r} is not supported; expected 1")
    if isinstance(data, dict) and set(data) - _TOP_KEYS:
        raise ConfigError(f"{shown}: unknown field(s) {sorted(set(data) - _TOP_KEYS)}; expected "
                          f"{sorted(_TOP_KEYS)}")
    validate = data.get("validate") if isinstance(data, dict) else None
    if validate is not None and not (isinstance(validate, str)
                                     and re.fullmatch(r"[\w.]+:\w+", validate)):
        raise ConfigError(f"{shown}: validate must look like 'package.module:function', "
                          f"got {validate!r}")
    entries = data.get("notebooks") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{shown} must hold a mapping with a non-empty list 'notebooks'")
    specs = [_parse_entry(entry, index, shown) for index, entry in enumerate(entries, start=1)]
    _check_unique([s.name for s in specs], shown)
    upstream = {
        b.name: frozenset(a.name for a in specs if a is not b and _depends(b, a)) for b in specs
    }
    order = _topological(specs, upstream, shown)
    publish, publish_rules = _publish_section(data.get(PUBLISH_SECTION), shown)
    return Pipeline(tuple(order), upstream, shown, validate, publish, publish_rules)


def _publish_section(section: Any, shown: str) -> tuple[dict, dict]:
    """``publish: {parameters: {...}, rules: {...}}`` checked like a notebook's."""
    if section is None:
        return {}, {}
    where = f"{shown}, {PUBLISH_SECTION}"
    if not isinstance(section, dict) or set(section) - {"parameters", "rules"}:
        raise ConfigError(f"{where}: expected a mapping with 'parameters' and 'rules'")
    parameters = section.get("parameters") or {}
    if not isinstance(parameters, dict) or RESERVED_PARAMETERS & set(parameters):
        raise ConfigError(f"{where}: parameters must be a mapping name -> default")
    from analysis.pipeline.params import check_rules

    return dict(parameters), check_rules(section.get("rules"), parameters, where)


def patterns_overlap(a: str, b: str) -> bool:
    """Whether glob patterns ``a`` and ``b`` may match a common path (conservative).

    >>> patterns_overlap("{processed}/key_numbers/*.json", "{processed}/key_numbers/00_data.json")
    True
    >>> patterns_overlap("{processed}/questionnaires/*", "{processed}/qualitative/*")
    False
    >>> patterns_overlap("{figures}/**", "{figures}/trajectories_*")
    True
    """
    a_literal, b_literal = not _WILDCARDS.search(a), not _WILDCARDS.search(b)
    if a_literal and b_literal:
        return a.rstrip("/") == b.rstrip("/")
    if a_literal or b_literal:
        literal, pattern = (a, b) if a_literal else (b, a)
        return fnmatch.fnmatchcase(literal, pattern)
    pa, pb = literal_prefix(a), literal_prefix(b)
    return pa.startswith(pb) or pb.startswith(pa)


def literal_prefix(pattern: str) -> str:
    """Text of ``pattern`` before its first wildcard (``*``, ``?`` or ``[``)."""
    match = _WILDCARDS.search(pattern)
    return pattern[: match.start()] if match else pattern


def _depends(b: NotebookSpec, a: NotebookSpec) -> bool:
    return any(patterns_overlap(r, w) for r in b.reads for w in a.writes)


def _parse_entry(entry: Any, index: int, shown: str) -> NotebookSpec:
    where = f"{shown}, notebook {index}"
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
        raise ConfigError(f"{where}: expected a mapping with at least 'file: NAME.ipynb'")
    file = entry["file"]
    if not file.endswith(".ipynb") or "/" in file or "\\" in file:
        raise ConfigError(f"{where}: file {file!r} must be a notebook name like '01_x.ipynb' "
                          "inside the notebooks folder")
    name = file[: -len(".ipynb")]
    where = f"{shown}, notebook {name}"
    unknown = set(entry) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {sorted(unknown)}; expected {sorted(_KEYS)}")
    title = entry.get("title") or {"nl": name, "en": name}
    if not isinstance(title, dict) or not all(isinstance(title.get(k), str) for k in ("nl", "en")):
        raise ConfigError(f"{where}: title must be a mapping with 'nl' and 'en' strings")
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict) or RESERVED_PARAMETERS & set(parameters):
        raise ConfigError(f"{where}: parameters must be a mapping name -> default and must not "
                          f"declare {sorted(RESERVED_PARAMETERS)} (the runner passes those)")
    findings = entry.get("findings", False)
    if not isinstance(findings, bool):
        raise ConfigError(f"{where}: findings must be true or false, got {findings!r}")
    from analysis.pipeline.params import check_rules

    rules = check_rules(entry.get("rules"), parameters, where)
    return NotebookSpec(
        name=name, file=file, title=dict(title), rules=rules,
        reads=_patterns(entry.get("reads"), f"{where}, reads"),
        writes=_outputs(_patterns(entry.get("writes"), f"{where}, writes"), f"{where}, writes"),
        parameters=dict(parameters), findings=findings,
    )


def _patterns(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of glob patterns, got {value!r}")
    for pattern in value:
        ok = isinstance(pattern, str) and any(
            pattern == p or pattern.startswith(p + "/") for p in PLACEHOLDERS
        )
        if not ok or ".." in str(pattern).split("/"):
            raise ConfigError(f"{where}: pattern {pattern!r} must start with one of "
                              f"{', '.join(PLACEHOLDERS)} followed by '/' and must not use '..'")
    return tuple(value)


def _outputs(patterns: tuple[str, ...], where: str) -> tuple[str, ...]:
    """``writes`` patterns: never into the raw data."""
    for pattern in patterns:
        if pattern == "{raw}" or pattern.startswith("{raw}/"):
            raise ConfigError(f"{where}: pattern {pattern!r} writes into the raw data, which are "
                              "read-only; write to {processed}, {figures} or {reports}")
    return patterns


def _check_unique(names: list[str], shown: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{shown}: notebook {name} is listed twice")
        seen.add(name)


def _topological(specs: list[NotebookSpec], upstream: dict, shown: str) -> list[NotebookSpec]:
    """Kahn's algorithm; among ready notebooks the one listed first goes first."""
    done: set[str] = set()
    order: list[NotebookSpec] = []
    remaining = list(specs)
    while remaining:
        ready = next((s for s in remaining if upstream[s.name] <= done), None)
        if ready is None:
            cycle = ", ".join(s.name for s in remaining)
            raise ConfigError(f"{shown}: the reads/writes of {cycle} form a cycle; a notebook "
                              "may only read what notebooks before it write")
        order.append(ready)
        done.add(ready.name)
        remaining.remove(ready)
    return order


def resolve_only(pipeline: Pipeline, only: str | Iterable[str]) -> list[str]:
    """Notebook names for ``--only`` values: a name, a file name or a number prefix (``3``, ``03``).

    Raises
    ------
    ConfigError
        When a value matches no notebook or several.
    """
    values = [only] if isinstance(only, str) else list(only)
    names = []
    for value in values:
        text = str(value).strip().removesuffix(".ipynb")
        hits = [n for n in pipeline.names if n == text]
        if not hits and text.isdigit():
            hits = [n for n in pipeline.names if re.match(rf"0*{int(text)}(?!\d)", n)]
        if not hits:
            hits = [n for n in pipeline.names if n.startswith(text)] if text else []
        if len(hits) != 1:
            problem = "matches no notebook" if not hits else f"is ambiguous ({', '.join(hits)})"
            raise ConfigError(f"--only {value!r} {problem}; expected one of: "
                              f"{', '.join(pipeline.names)} (or their number)")
        names.append(hits[0])
    return names


def merge_parameters(pipeline: Pipeline, overrides: dict, shown: str) -> dict[str, dict]:
    """Analysis parameters per notebook: ``pipeline.yaml`` defaults with ``--params`` on top.

    The parameters file is a YAML mapping. A top-level ``name: value`` applies to every notebook
    that declares ``name``; a top-level key equal to a notebook name holds a mapping applying to
    that notebook only and wins over the top-level value. Values replace defaults whole (no deep
    merge of nested mappings). Unknown names, and ``cohort``/``raw_root``, are errors.
    """
    if not isinstance(overrides, dict):
        raise ConfigError(f"parameters file {shown} must hold a mapping name -> value")
    declared = {n: pipeline.get(n).parameters for n in pipeline.names}
    if pipeline.publish:
        declared[PUBLISH_SECTION] = pipeline.publish
    known = set().union(*(p.keys() for p in declared.values()))
    merged = {name: dict(defaults) for name, defaults in declared.items()}
    sections = {k: v for k, v in overrides.items() if k in declared}
    for key, value in overrides.items():
        if key in declared:
            continue
        if key in RESERVED_PARAMETERS or key not in known:
            raise ConfigError(_unknown_parameter(key, shown, known, declared))
        for name, defaults in declared.items():
            if key in defaults:
                merged[name][key] = value
    for name, section in sections.items():
        if not isinstance(section, dict):
            raise ConfigError(f"parameters file {shown}: section {name} must be a mapping")
        for key, value in section.items():
            if key not in declared[name]:
                raise ConfigError(_unknown_parameter(f"{name}.{key}", shown,
                                                     set(declared[name]), {}))
            merged[name][key] = value
    return merged


def _unknown_parameter(key: str, shown: str, known: set, declared: dict) -> str:
    listed = ", ".join(sorted(known)) or "none"
    text = (f"parameters file {shown}: {key!r} is not a declared analysis parameter; "
            f"known parameters: {listed}")
    if declared:
        text += f"; or a notebook section: {', '.join(declared)}"
    return text
