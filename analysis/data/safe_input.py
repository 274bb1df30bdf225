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
from functools import lru_cache
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
        standard ones (``!!python/object`` and the like), or text holding an unpaired
        surrogate (a ``"\\ud800"`` escape: the field is named).

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
        document = yaml.load(text, Loader=_StrictLoader)  # noqa: S506  (strict safe loader)
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
    broken = surrogate_paths(document)
    if broken:
        raise ConfigError(f"{shown}: {', '.join(broken[:5])} holds an unpaired surrogate "
                          "character (an escape such as \\ud800 that is no character); "
                          "expected text that UTF-8 can write.")
    return document


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


# --------------------------------------------------------------------------------------------
# Characters: look-alike identifiers and text that cannot be written
# --------------------------------------------------------------------------------------------

INVISIBLE_OR_BIDI = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\U000e0000-\U000e0fff]")
"""Characters that show nothing or reorder text: soft hyphen, zero-width space and joiners,
left-to-right and right-to-left marks, embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069), word joiner, variation selectors, byte-order mark, tag characters. Unicode
calls them default-ignorable or bidirectional controls (Unicode Standard, chapter 23; UAX #9);
in an identifier they make two ids that look alike compare different (``F01`` and ``F01``
followed by a zero-width space)."""

SURROGATE = re.compile("[\ud800-\udfff]")
"""An unpaired surrogate (U+D800-U+DFFF alone): text that no UTF encoding can write; a YAML
escape ``"\\ud800"`` or a broken workbook produces it, and every later write would fail."""


def identifier_problem(value: str) -> str | None:
    """Why ``value`` cannot be an identifier (pseudonym), or None.

    Identifiers are compared after Unicode NFKC (:func:`identifier_key`); invisible and
    bidirectional control characters (:data:`INVISIBLE_OR_BIDI`) and unpaired surrogates are
    refused, because they make look-alike ids or ids that cannot be written.

    >>> identifier_problem("F01") is None, identifier_problem("F01\\u200b")
    (True, 'an identifier without invisible or bidirectional control characters (found U+200B)')
    """
    found = INVISIBLE_OR_BIDI.search(value) or SURROGATE.search(value)
    if found is None:
        return None
    what = ("invisible or bidirectional control characters" if INVISIBLE_OR_BIDI.match(
        found.group()) else "unpaired surrogate characters")
    return f"an identifier without {what} (found U+{ord(found.group()):04X})"


def identifier_key(value: str) -> str:
    """An identifier as compared: Unicode NFKC, so full-width ``Ｆ０１`` is ``F01``.

    >>> identifier_key("\\uff26\\uff10\\uff11")
    'F01'
    """
    import unicodedata

    return unicodedata.normalize("NFKC", value)


def surrogate_paths(value: Any, where: str = "") -> list[str]:
    """Places (``title``, ``files.sdq.columns``) in a parsed YAML value holding an unpaired
    surrogate, in keys or values."""
    found: list[str] = []
    if isinstance(value, str):
        if SURROGATE.search(value):
            found.append(where or "(the document)")
    elif isinstance(value, dict):
        for key, item in value.items():
            name = SURROGATE.sub("?", str(key))
            place = f"{where}.{name}" if where else name
            if isinstance(key, str) and SURROGATE.search(key):
                found.append(place)
            found += surrogate_paths(item, place)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += surrogate_paths(item, f"{where}[{index}]")
    return found


# --------------------------------------------------------------------------------------------
# Limits before reading: zip archives (.xlsx, .qdpx), SPSS files, tables
# --------------------------------------------------------------------------------------------

def input_limits() -> dict[str, int]:
    """The limits checked before a file is read (``input_limits`` of ``contract.yaml``).

    >>> input_limits()["zip_members"] > 0
    True
    """
    return dict(_input_limits())


@lru_cache(maxsize=1)
def _input_limits() -> dict[str, int]:
    from analysis import paths

    text = (paths.DEFINITIONS / "contract.yaml").read_text(encoding="utf-8")
    return {k: int(v["value"]) for k, v in yaml.safe_load(text)["input_limits"].items()}


_ZIP_EXPECTED = ("an archive written by the exporting program, unencrypted, every member "
                 "stored or deflated, within the limits of input_limits in "
                 "analysis/definitions/contract.yaml")
_CHUNK = 1 << 20


def check_zip(path: Path, shown: str, *, what: str = "archive") -> None:
    """Refuse a zip archive (``.xlsx``, ``.qdpx``) that is broken or too large, before reading.

    Checked, in this order and without extracting anything: the number of members, each
    member's declared uncompressed size and the total (``input_limits``), encryption, the
    compression method (stored or deflate: Deflate64, bzip2, LZMA and the rest are refused);
    then every member is decompressed as a stream in 1 MiB pieces and its actual size counted
    against the same caps, so a member that declares 1 KB and inflates to 3 GiB stops at the
    cap; a bad CRC or a damaged deflate stream is found here too. Memory stays at one piece.

    Raises
    ------
    DataError
        Naming ``shown`` and the rule broken, never a member's name (member names of a QDA
        project are source names, which may be a participant's name).
    """
    import zipfile
    import zlib

    limits = input_limits()

    def refuse(reason: str) -> DataError:
        return DataError(f"cannot read {shown}: {reason}; expected {_ZIP_EXPECTED}.",
                         [Problem(shown, None, None, None, _ZIP_EXPECTED, check="unreadable")])

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise refuse(f"the {what} cannot be opened: it is not a readable zip archive "
                     f"({type(error).__name__})") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits["zip_members"]:
            raise refuse(f"the {what} holds {len(members):,} members, more than "
                         f"{limits['zip_members']:,}")
        declared = 0
        for number, info in enumerate(members, start=1):
            if info.flag_bits & 0x1:
                raise refuse(f"member {number} of the {what} is encrypted (password-protected)")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                method = {9: "Deflate64", 12: "bzip2", 14: "LZMA", 93: "Zstandard"}.get(
                    info.compress_type, f"method {info.compress_type}")
                raise refuse(f"member {number} of the {what} is compressed with {method}, "
                             "which is not read (save or export the file again)")
            if info.file_size > limits["zip_member_bytes"]:
                raise refuse(f"member {number} of the {what} declares {info.file_size:,} bytes "
                             f"uncompressed, more than {limits['zip_member_bytes']:,}")
            declared += info.file_size
        if declared > limits["zip_total_bytes"]:
            raise refuse(f"the {what}'s members declare {declared:,} bytes uncompressed, more "
                         f"than {limits['zip_total_bytes']:,}")
        total = 0
        for number, info in enumerate(members, start=1):
            if info.is_dir():
                continue
            size = 0
            try:
                with archive.open(info) as stream:
                    while piece := stream.read(_CHUNK):
                        size += len(piece)
                        total += len(piece)
                        if size > limits["zip_member_bytes"]:
                            raise refuse(f"member {number} of the {what} inflates to more than "
                                         f"{limits['zip_member_bytes']:,} bytes")
                        if total > limits["zip_total_bytes"]:
                            raise refuse(f"the {what}'s members inflate to more than "
                                         f"{limits['zip_total_bytes']:,} bytes")
            except DataError:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
                    NotImplementedError, RuntimeError) as error:
                reason = ("its checksum (CRC) does not match" if "CRC" in str(error)
                          else "its compressed data are damaged")
                raise refuse(f"member {number} of the {what} cannot be read: {reason} "
                             f"({type(error).__name__})") from None


def check_table_size(shown: str, rows: int | None, columns: int | None, *,
                     what: str = "the table") -> None:
    """Refuse a table with more rows, columns or cells than ``input_limits`` allow.

    Called before the body of a table is parsed (rows may be an upper bound, such as the count
    of line ends of a CSV).

    Raises
    ------
    DataError
        Naming ``shown``, the count found and the limit.
    """
    limits = input_limits()
    reason = None
    if columns is not None and columns > limits["table_columns"]:
        reason = f"{what} has {columns:,} columns, more than {limits['table_columns']:,}"
    elif rows is not None and rows > limits["table_rows"]:
        reason = f"{what} has {rows:,} rows, more than {limits['table_rows']:,}"
    elif rows is not None and columns is not None and rows * columns > limits["table_cells"]:
        reason = (f"{what} has {rows:,} rows of {columns:,} columns, more than "
                  f"{limits['table_cells']:,} cells")
    if reason:
        expected = ("a table within input_limits of analysis/definitions/contract.yaml "
                    "(export only the variables of one contract table)")
        raise DataError(f"cannot read {shown}: {reason}; expected {expected}.",
                        [Problem(shown, None, None, None, expected, check="too_large")])
