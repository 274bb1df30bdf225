"""Atomic, deterministic file writers (standard library only, so importing them is cheap).

Content goes to a temporary file in the target folder, which is then renamed over the target:
a crash or an error never leaves a half-written output, and readers never see one. Files get
the usual permissions (``0666`` minus the process umask), not the ``0600`` of a bare
:func:`tempfile.mkstemp`. JSON and CSV are written with sorted keys and ``\\n`` line ends, so
identical content gives identical bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


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


def write_csv_atomic(path: str | os.PathLike, frame, *, index: bool = False) -> Path:
    """Write a DataFrame as UTF-8 CSV with ``\\n`` line ends atomically (deterministic bytes)."""
    return write_text_atomic(path, frame.to_csv(index=index, lineterminator="\n"))


def _json_default(value: Any) -> Any:
    """Convert numpy scalars and other simple objects for :func:`json.dumps`."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")
