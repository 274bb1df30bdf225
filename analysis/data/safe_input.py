"""Rules that stand between a user's input and the file system or a parser.

- :func:`load_yaml_strict`: YAML for settings (``cohort.yaml``, ``--params``) with a safe
  loader that refuses duplicate keys and aliases beyond a small budget, reads only
  ``true``/``false`` as booleans (``yes``, ``no``, ``on``, ``off`` stay text) and refuses files
  larger than :data:`MAX_YAML_BYTES`.
- :func:`check_name` and :func:`check_relative_path`: length and character rules for cohort
  names and for file names a user writes into ``cohort.yaml``, checked before any path is built.
- :func:`check_entry`: a directory entry named like an input file must be a regular file
  inside the cohort folder: dangling symlinks, symlinks leaving the folder, directories, FIFOs,
  sockets and devices are refused by name (and never opened: opening a FIFO blocks).

Every refusal is a :class:`~analysis.errors.ConfigError` or :class:`~analysis.errors.DataError`
whose message names the file, where, and what was expected.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import ConfigError, DataError, Problem

MAX_YAML_BYTES: int = 1_000_000
"""Largest settings file read (bytes); a cohort.yaml is a few hundred bytes."""

MAX_ALIASES: int = 20
"""YAML aliases (``*name``) allowed per file; a 'billion laughs' file needs hundreds."""

MAX_NAME_LENGTH: int = 64
"""Longest cohort name (characters)."""

MAX_PATH_PART: int = 120
"""Longest file or folder name inside a cohort (characters); file systems allow 255 bytes."""

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
"""A cohort name: letters, digits, ``-`` and ``_``, starting with a letter or digit."""

_PART_PATTERN = re.compile(r"[^\W][\w .()&+,'-]*")
_BOOL_TAG = "tag:yaml.org,2002:bool"


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------

class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with duplicate-key refusal, an alias budget and YAML 1.2 booleans."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._aliases = 0

    def compose_node(self, parent, index):  # noqa: D102  (PyYAML hook)
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _Refused(f"more than {MAX_ALIASES} aliases (*name)", mark.line + 1,
                               f"at most {MAX_ALIASES} aliases; write the values out")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: D102  (PyYAML hook)
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = seen.setdefault(key, line)
            except TypeError:
                raise _Refused("a key that is not text", line, "text keys") from None
            if first != line:
                raise _Refused(f"key {str(key)[:40]!r} twice (first at line {first})", line,
                               "each key once in a mapping")
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _Refused(yaml.YAMLError):
    def __init__(self, what: str, line: int, expected: str):
        super().__init__(what)
        self.what, self.line, self.expected = what, line, expected


def load_yaml_strict(source: str | os.PathLike, *, name: str | None = None,
                     folder: str | os.PathLike | None = None) -> Any:
    """Parse a settings file (``cohort.yaml``, a ``--params`` file) strictly.

    Parameters
    ----------
    source : path-like
        The YAML file. It must be a regular file of at most :data:`MAX_YAML_BYTES` bytes,
        UTF-8 (a BOM is allowed).
    name : str, optional
        The file as named in messages (default: its file name).
    folder : path-like, optional
        When given, a symbolic link must stay inside this folder (a cohort's ``cohort.yaml``).

    Returns
    -------
    object
        The parsed document (usually a dict); an empty file gives None.

    Raises
    ------
    ConfigError
        Naming the file and the line: not a regular file, too large, not UTF-8, not YAML, a key
        twice in one mapping, more than :data:`MAX_ALIASES` aliases, or tags other than the
        standard ones (``!!python/object`` and the like).

    Notes
    -----
    Booleans follow YAML 1.2: only ``true``/``false`` (any case as written in YAML 1.2's core
    schema) are booleans; ``yes``, ``no``, ``on``, ``off``, ``ja`` stay text, so a setting that
    must be a boolean refuses them instead of silently reading ``ja`` or ``no`` as one.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "x.yaml"
    ...     _ = p.write_text("a: yes\\nb: true\\n", encoding="utf-8")
    ...     load_yaml_strict(p)
    {'a': 'yes', 'b': True}
    """
    path = Path(source)
    shown = name or path.name
    check_entry(path, None if folder is None else Path(folder), shown, must_exist=True)
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise ConfigError(f"{shown} is {size:,} bytes; expected a settings file of at most "
                          f"{MAX_YAML_BYTES:,} bytes.")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"{shown} cannot be read: byte {error.start} is not UTF-8; expected "
                          "a UTF-8 text file.") from None
    except OSError as error:
        raise ConfigError(f"{shown} cannot be read ({error.strerror}); expected a readable "
                          "file.") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506  (strict safe loader)
    except _Refused as error:
        raise ConfigError(f"{shown}, line {error.line}: {error.what}; expected "
                          f"{error.expected}.") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "a syntax error"
        raise ConfigError(f"{shown} cannot be read{line}: it is not valid YAML "
                          f"({str(problem)[:80]}); expected 'key: value' lines "
                          "(see data/raw/README.md).") from None
    except RecursionError:
        raise ConfigError(f"{shown}: nested too deeply; expected a flat settings file.") from None


# --------------------------------------------------------------------------------------------
# Names and paths
# --------------------------------------------------------------------------------------------

def check_name(name: Any, *, what: str = "cohort name") -> str:
    """``name`` if it is a valid cohort name, else a :class:`ConfigError` saying why.

    A name has 1 to :data:`MAX_NAME_LENGTH` characters: letters, digits, ``-`` and ``_``,
    starting with a letter or digit. Checked before any path is built from it.

    >>> check_name("eindhoven-2025")
    'eindhoven-2025'
    """
    text = name if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME_LENGTH or not NAME_PATTERN.fullmatch(text):
        shown = repr(text[:30] + ("..." if len(text) > 30 else "")) if text else repr(name)
        raise ConfigError(
            f"{what} {shown} ({len(text)} characters) is not allowed; expected 1 to "
            f"{MAX_NAME_LENGTH} letters, digits, '-' and '_', starting with a letter or digit, "
            "e.g. eindhoven-2025.")
    return text


def check_relative_path(value: Any, *, file: str, field: str) -> str:
    """``value`` if it is a safe path relative to a cohort folder, else a ConfigError.

    Rules: text; relative (no leading ``/``, no drive); ``/`` between parts; no part ``.`` or
    ``..``; each part at most :data:`MAX_PATH_PART` characters of letters, digits, spaces and
    ``. _ - ( ) & + , '``, not starting with a space, dot or dash.

    >>> check_relative_path("coding/Export 2024.xlsx", file="cohort.yaml", field="file")
    'coding/Export 2024.xlsx'
    """
    text = value.strip() if isinstance(value, str) else None
    parts = text.replace("\\", "/").split("/") if text else []
    reason = None
    if not parts:
        reason = "it is empty or not text"
    elif text.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", text) or "\\" in text:
        reason = "it is not a relative path with '/' between folders"
    elif len(parts) > 3:
        reason = "it is nested more than 3 folders deep"
    else:
        for part in parts:
            if part in ("", ".", ".."):
                reason = "it leaves the cohort folder or has an empty part"
            elif len(part) > MAX_PATH_PART:
                reason = f"a part is {len(part)} characters long"
            elif not _PART_PATTERN.fullmatch(part):
                reason = f"part {part[:30]!r} has a character outside the rule"
            if reason:
                break
    if reason:
        shown = repr(str(value)[:40]) + ("..." if len(str(value)) > 40 else "")
        raise ConfigError(
            f"{file}: {field} is {shown}: {reason}; expected a file name inside the cohort "
            f"folder (relative, at most {MAX_PATH_PART} characters per part of letters, digits, "
            "spaces and . _ - ( ) & + , ').")
    return text


def entry_problem(path: Path, folder: Path | None) -> str | None:
    """Why the directory entry ``path`` cannot be read as an input file, or None if it can.

    ``path`` must exist (:func:`os.lstat` succeeds). Symlinks are followed once: the target must
    exist, be inside ``folder`` (unless ``folder`` is None) and be a regular file. Nothing is
    opened.
    """
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "a symbolic link whose target does not exist (a dangling link)"
        if folder is not None and not target.is_relative_to(Path(folder).resolve()):
            return "a symbolic link to a file outside the cohort folder"
        info = os.stat(target)
    if stat.S_ISDIR(info.st_mode):
        return "a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "a device or special file")
        return f"{kind}, not a regular file"
    return None


def check_entry(path: Path, folder: Path | None, shown: str, *, must_exist: bool = False) -> bool:
    """Refuse ``path`` unless it is a regular file in ``folder`` (see :func:`entry_problem`).

    Returns False when nothing is there (and ``must_exist`` is false), True for a regular file.

    Raises
    ------
    DataError
        Naming ``shown`` and what it is instead of a regular file.
    """
    try:
        os.lstat(path)
    except FileNotFoundError:
        if must_exist:
            raise DataError(f"{shown} not found; expected an existing file.",
                            [Problem(shown, None, None, None, "an existing file",
                                     check="missing")]) from None
        return False
    except OSError as error:
        raise DataError(f"{shown} cannot be examined ({error.strerror}); expected a readable "
                        "regular file.", [Problem(shown, None, None, None, "a regular file",
                                                  check="unreadable")]) from None
    problem = entry_problem(path, folder)
    if problem:
        raise DataError(f"{shown} is {problem}; expected a regular file inside the cohort "
                        "folder (replace it by a copy of the export).",
                        [Problem(shown, None, None, None, "a regular file", check="not_a_file")])
    return True
