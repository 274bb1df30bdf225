"""Key numbers: the figures quoted in the findings, written by the notebooks as small JSON files.

Each notebook (a *stage*) writes one fragment, ``data/processed/<cohort>/key_numbers/<stage>.json``,
with :func:`write_fragment`. After a run the pipeline merges all fragments into one flat mapping
name -> value, ``reports/<cohort>/key_numbers.json`` (:func:`merge`), which the findings document
and the tests read with :func:`load`. Numbers in text are thus pulled from files, never typed.

Values are JSON scalars only: ``int``, ``float``, ``str``, ``bool`` or ``None`` (numpy scalars are
converted). Floats are rounded to :data:`SIGNIFICANT_DIGITS` significant digits, so the last-bit
noise of floating-point arithmetic (``0.30000000000000004``) never changes the bytes of a file and
fragments stay byte-stable between machines. NaN and infinity are refused: a key number that is
not a number is a bug upstream, and JSON has no spelling for it.

Every function takes ``root`` (default :data:`analysis.paths.ROOT`) so tests and the pipeline's
dummy notebooks can work in a temporary project folder.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

from analysis import paths
from analysis.errors import CompendiumError

SIGNIFICANT_DIGITS: int = 10
"""Floats are stored with this many significant digits (``format(x, ".10g")``)."""

KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
"""Allowed key names: a letter, then letters, digits, ``_``, ``.`` or ``-``."""
STAGE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
"""Allowed stage names (notebook names such as ``01_questionnaires``)."""


class KeyNumberError(CompendiumError):
    """A key number cannot be written, or fragments contradict each other."""


def write_fragment(
    numbers: Mapping[str, Any], *, cohort: str, stage: str, root: str | os.PathLike | None = None
) -> Path:
    """Write the key numbers one notebook computed, atomically and with sorted keys.

    Parameters
    ----------
    numbers : Mapping[str, Any]
        Name -> value. Names match :data:`KEY_PATTERN`; values are ``int``, ``float``, ``str``,
        ``bool``, ``None`` or numpy scalars of those kinds.
    cohort : str
        Cohort the numbers belong to.
    stage : str
        Name of the writing notebook, e.g. ``"01_questionnaires"``; becomes the file name.
    root : path-like, optional
        Project root (default :data:`analysis.paths.ROOT`).

    Returns
    -------
    Path
        The fragment written, ``data/processed/<cohort>/key_numbers/<stage>.json`` under ``root``.

    Raises
    ------
    KeyNumberError
        When a name is malformed or a value is NaN, infinite or of another type; the message
        names the key.

    Notes
    -----
    Floats are rounded to :data:`SIGNIFICANT_DIGITS` significant digits; ``-0.0`` becomes ``0.0``.
    """
    _check_name(stage, what="stage", pattern=STAGE_PATTERN)
    if not isinstance(numbers, Mapping):
        raise KeyNumberError(f"key numbers of stage {stage!r} must be a mapping name -> value, "
                             f"got {type(numbers).__name__}")
    clean = {}
    for key, value in numbers.items():
        _check_name(key, what=f"key number name (stage {stage!r})")
        clean[key] = _clean_value(value, key=key, stage=stage)
    from analysis.atomic import write_text_atomic

    path = _fragment_path(cohort, stage, root)
    return write_text_atomic(path, _dumps(clean))


def write_sources(sources: Mapping[str, Any], *, cohort: str, stage: str,
                  root: str | os.PathLike | None = None) -> Path:
    """Write where each key number of ``stage`` was computed: name -> origin.

    An origin is ``{"cell": N, "function": F, "via": V, "recorded": M}``
    (:meth:`analysis.pipeline.notebook.NotebookContext.record`) or just the cell position N.
    Positions count every cell of the notebook file from 1 (as the run log and the anchors
    ``#cel-N`` of the notebook's HTML page do; :func:`analysis.report.provenance.current_cell`).
    N is the cell that called the package function F which computed the number (V: the
    function the cell called on the way to F), M the cell that recorded it. The file is
    ``data/processed/<cohort>/key_numbers/sources/<stage>.json``, beside the fragments but not
    matched by their ``*.json`` pattern. Keys recorded outside a known cell are left out.
    """
    _check_name(stage, what="stage", pattern=STAGE_PATTERN)
    clean: dict[str, Any] = {}
    for key, value in sources.items():
        if isinstance(value, Mapping):
            if value.get("cell") is None:
                continue
            clean[str(key)] = {"cell": int(value["cell"]),
                               "function": _str_or_none(value.get("function")),
                               "via": _str_or_none(value.get("via")),
                               "recorded": (None if value.get("recorded") is None
                                            else int(value["recorded"]))}
        elif value is not None:
            clean[str(key)] = {"cell": int(value), "function": None, "via": None,
                               "recorded": int(value)}
    from analysis.atomic import write_text_atomic

    return write_text_atomic(_sources_path(cohort, stage, root), _dumps(clean))


def read_sources(cohort: str, *, root: str | os.PathLike | None = None
                 ) -> dict[str, tuple[str, int]]:
    """Where each key number of ``cohort`` was computed: name -> (stage, cell position).

    Only stages whose fragment exists count, so a removed notebook's old sources are ignored;
    a missing or unreadable sources file gives no entries for its stage.
    """
    return {key: (where["stage"], where["cell"])
            for key, where in read_origins(cohort, root=root).items()}


def read_origins(cohort: str, *, root: str | os.PathLike | None = None
                 ) -> dict[str, dict[str, Any]]:
    """Where each key number of ``cohort`` was computed: name -> ``{"stage", "cell",
    "function", "via", "recorded"}`` (see :func:`write_sources`; ``function`` None when no
    declared package function computed it: then ``cell`` is the cell that recorded it)."""
    out: dict[str, dict[str, Any]] = {}
    for stage in read_fragments(cohort, root=root):
        path = _sources_path(cohort, stage, root)
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for key, where in content.items() if isinstance(content, dict) else ():
            if isinstance(where, int) and not isinstance(where, bool):
                where = {"cell": where, "recorded": where}
            if not isinstance(where, dict) or not isinstance(where.get("cell"), int):
                continue
            out.setdefault(key, {"stage": stage, "cell": where["cell"],
                                 "function": _str_or_none(where.get("function")),
                                 "via": _str_or_none(where.get("via")),
                                 "recorded": where.get("recorded")})
    return out


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def read_fragments(cohort: str, *, root: str | os.PathLike | None = None) -> dict[str, dict]:
    """All fragments of ``cohort`` as ``{stage: {name: value}}``, stages in sorted order.

    A missing fragment folder gives an empty mapping. A fragment that is not a JSON object of
    scalars raises :class:`KeyNumberError` naming the file.
    """
    folder = _fragment_path(cohort, "x", root).parent
    fragments: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise KeyNumberError(f"key-number fragment {_shown(path, root)} is not valid JSON: "
                                 f"{error.msg} at line {error.lineno}") from None
        if not isinstance(content, dict):
            raise KeyNumberError(f"key-number fragment {_shown(path, root)} must hold a JSON "
                                 f"object name -> value, got {type(content).__name__}")
        fragments[path.stem] = content
    return fragments


def merge(cohort: str, *, root: str | os.PathLike | None = None) -> Path:
    """Merge the fragments of ``cohort`` into ``reports/<cohort>/key_numbers.json``.

    The result is one flat mapping name -> value with sorted keys. A name may appear in several
    fragments only with the same value and type (``1`` and ``1.0`` differ). The file is
    rewritten only when its content changes, so a run with nothing to do leaves it untouched.

    Returns
    -------
    Path
        The merged file.

    Raises
    ------
    KeyNumberError
        When two stages give one name different values; the message names the key, both stages
        and both values.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for stage, numbers in read_fragments(cohort, root=root).items():
        for key, value in numbers.items():
            if key in merged and json.dumps(merged[key]) != json.dumps(value):
                raise KeyNumberError(
                    f"key number {key!r} of cohort {cohort!r} differs between stages: "
                    f"{origin[key]!r} wrote {merged[key]!r}, {stage!r} wrote {value!r}; "
                    "each name should be written by one notebook"
                )
            merged.setdefault(key, value)
            origin.setdefault(key, stage)
    path = _rebase(paths.key_numbers_path(cohort), root)
    text = _dumps(merged)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        from analysis.atomic import (
            write_text_atomic,  # imported late: keeps a no-op run light
        )

        write_text_atomic(path, text)
    return path


def load(cohort: str, *, root: str | os.PathLike | None = None) -> dict[str, Any]:
    """The merged key numbers of ``cohort`` (written by :func:`merge` after a pipeline run).

    Raises
    ------
    KeyNumberError
        When the merged file does not exist yet.
    """
    path = _rebase(paths.key_numbers_path(cohort), root)
    if not path.is_file():
        raise KeyNumberError(f"no key numbers for cohort {cohort!r}: {_shown(path, root)} does "
                             f"not exist; run the pipeline first (python -m analysis run "
                             f"--cohort {cohort})")
    return json.loads(path.read_text(encoding="utf-8"))


def _clean_value(value: Any, *, key: str, stage: str) -> int | float | str | bool | None:
    """``value`` as a JSON scalar, floats rounded; error naming ``key`` otherwise."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise KeyNumberError(f"key number {key!r} of stage {stage!r} is {value!r}; "
                                 "expected a finite number (compute it or leave it out)")
        rounded = float(format(value, f".{SIGNIFICANT_DIGITS}g"))
        return rounded + 0.0  # turns -0.0 into 0.0
    raise KeyNumberError(f"key number {key!r} of stage {stage!r} has type "
                         f"{type(value).__name__}; expected int, float, str, bool or None")


def _check_name(name: Any, *, what: str, pattern: re.Pattern = KEY_PATTERN) -> None:
    if not isinstance(name, str) or not pattern.match(name):
        first = "a letter" if pattern is KEY_PATTERN else "a letter or digit"
        raise KeyNumberError(f"{what} {name!r} is not allowed; expected {first} followed by "
                             "letters, digits, '_', '.' or '-'")


def _dumps(obj: Mapping[str, Any]) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _fragment_path(cohort: str, stage: str, root: str | os.PathLike | None) -> Path:
    return _rebase(paths.key_numbers_fragment(cohort, stage), root)


def _sources_path(cohort: str, stage: str, root: str | os.PathLike | None) -> Path:
    fragment = _fragment_path(cohort, stage, root)
    return fragment.parent / "sources" / fragment.name


def _rebase(path: Path, root: str | os.PathLike | None) -> Path:
    """``path`` (under :data:`paths.ROOT`) moved under ``root``."""
    if root is None:
        return path
    return Path(root) / path.relative_to(paths.ROOT)


def _shown(path: Path, root: str | os.PathLike | None) -> str:
    """``path`` relative to ``root`` for messages."""
    base = Path(root).resolve() if root is not None else paths.ROOT
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return paths.display(path)
