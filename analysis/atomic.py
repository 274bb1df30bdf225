"""Atomic, deterministic file writers (standard library only, so importing them is cheap).

Content goes to a temporary file in the target folder, which is then renamed over the target:
a crash or an error never leaves a half-written output, and readers never see one. Files get
the usual permissions (``0666`` minus the process umask), not the ``0600`` of a bare
:func:`tempfile.mkstemp`. JSON and CSV are written with sorted keys and ``\\n`` line ends, so
identical content gives identical bytes.

Every CSV is safe to open in a spreadsheet: a text cell (or column name) that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a formula by Excel or
LibreOffice (CSV or formula injection, OWASP), so it gets a leading apostrophe
(:func:`neutralise_cell`). Numbers stay numbers: numeric columns are not touched, and a text
cell that is a plain number (``-3``, ``+0,5``, ``-1e+20``) is kept as it is. Carriage returns
inside text become ``\\n`` so that the field is quoted.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

from analysis import paths
from analysis.errors import ConfigError


def _process_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_process_umask()


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 with ``\\n`` line ends to ``path`` atomically."""
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as pretty, key-sorted JSON (deterministic bytes) atomically."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default)
    return write_text_atomic(path, text + "\n")


FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula (OWASP, CSV injection)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|nan)",
                           re.IGNORECASE)
_FORMULA_START = re.compile(r"[=+\-@\t\r]")


def neutralise_cell(value: Any) -> Any:
    """``value`` safe for a spreadsheet: text starting with a formula character gets a leading
    apostrophe; numbers and plain-number text are returned unchanged.

    >>> neutralise_cell("=SUM(A1)"), neutralise_cell("-3,5"), neutralise_cell(-3)
    ("'=SUM(A1)", '-3,5', -3)
    >>> neutralise_cell("@sanne"), neutralise_cell("- ja")
    ("'@sanne", "'- ja")
    """
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(
            value):
        return "'" + value
    return value


def _line_ends(value: Any) -> Any:
    """Carriage returns as ``\\n`` (the CSV module quotes a field holding ``\\n`` but not one
    holding a lone ``\\r``, which a spreadsheet would take for a new row)."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def neutralise_frame(frame):
    """A copy of ``frame`` with every text cell, column name and index label passed through
    :func:`neutralise_cell` (only cells that need it are touched; numeric columns never)."""
    out = frame.copy()
    for position, column in enumerate(out.columns):
        values = out.iloc[:, position]
        if values.dtype.kind in "biufcmM":
            continue
        text = values.astype("string")
        suspect = (text.str.match(_FORMULA_START.pattern) | text.str.contains("\r", regex=False)
                   ).fillna(False).to_numpy(dtype=bool)
        if suspect.any():
            fixed = values.astype(object).copy()
            rows = suspect.nonzero()[0]
            fixed.iloc[rows] = [_line_ends(neutralise_cell(v)) for v in fixed.iloc[rows]]
            out[column] = fixed
    out.columns = [neutralise_cell(c) for c in out.columns]
    if out.index.dtype == object:
        out.index = out.index.map(neutralise_cell)
    return out


def write_csv_atomic(path: str | os.PathLike, frame, *, index: bool = False) -> Path:
    """Write a DataFrame as UTF-8 CSV with ``\\n`` line ends atomically (deterministic bytes);
    text cells that a spreadsheet would run as a formula are neutralised
    (:func:`neutralise_frame`)."""
    return write_text_atomic(path, neutralise_frame(frame).to_csv(index=index,
                                                                   lineterminator="\n"))


def _json_default(value: Any) -> Any:
    """Convert numpy scalars and other simple objects for :func:`json.dumps`."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def check_output(path: str | os.PathLike, *, force: bool = False,
                 inputs: Iterable[str | os.PathLike] = (),
                 protected: Iterable[str | os.PathLike] | None = None) -> Path:
    """Refuse an output path that could overwrite input; return it when it may be written.

    Rules (the ``--out`` of ``score`` and ``coding``):

    - not inside a raw-data folder (``data/raw/``, the ``protected`` folders, and any folder
      holding a ``cohort.yaml``, such as a cohort kept outside the clone for ``--raw-dir``);
    - not one of the ``inputs`` of the command (compared as files, symlinks followed);
    - not an existing folder, and its parent not an existing file;
    - an existing file only with ``force`` (it is then replaced atomically).

    Raises
    ------
    ConfigError
        Naming the path (as :func:`analysis.paths.display` shows it) and the rule.
    """
    target = Path(path)
    shown = paths.display(target)
    resolved = target.resolve()
    guarded = [paths.RAW, *(protected or ())]
    guarded += [p for p in resolved.parents if (p / "cohort.yaml").is_file()]
    for folder in guarded:
        if resolved.is_relative_to(Path(folder).resolve()):
            raise ConfigError(f"--out {shown} is inside the raw-data folder "
                              f"{paths.display(folder)}; expected a path outside it (raw data "
                              "are never written).")
    for source in inputs:
        if Path(source).exists() and resolved == Path(source).resolve():
            raise ConfigError(f"--out {shown} is an input of this command; expected another "
                              "file (inputs are never overwritten).")
    if target.is_dir() or str(path).endswith(("/", os.sep)):
        raise ConfigError(f"--out {shown} is a folder; expected a file name, e.g. "
                          f"{shown.rstrip('/')}/scores.csv.")
    if target.parent.exists() and not target.parent.is_dir():
        raise ConfigError(f"--out {shown}: {paths.display(target.parent)} is a file, not a "
                          "folder; expected a path in an existing or new folder.")
    if os.path.lexists(target) and not force:
        raise ConfigError(f"--out {shown} exists already; expected a new file name, or --force "
                          "to replace it.")
    return target


def write_output(path: str | os.PathLike, write) -> Path:
    """Call ``write(path)`` and turn file-system failures into a :class:`ConfigError`.

    A read-only or full folder then ends with one message naming the path (nothing is left
    behind: the writers are atomic), not a traceback.
    """
    try:
        return write(path)
    except OSError as error:
        raise ConfigError(f"cannot write {paths.display(path)} ({error.strerror or error}); "
                          "expected a writable folder with free space.") from None
