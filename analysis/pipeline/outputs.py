"""Outputs belong to the run: earlier outputs of a notebook are set aside while it runs.

Before a notebook executes, every file its ``writes`` patterns match is moved into
``reports/<cohort>/.aside/<name>/`` (same relative layout, placeholder braces dropped:
``{figures}/x.png`` -> ``figures/x.png``). So nothing that this run did not make can be read by a
notebook downstream or embedded in the findings document: a figure whose data vanished from the
cohort is gone, not stale.

* The notebook succeeds: the set-aside files are deleted.
* It fails (error, dead kernel, a store that could not be written): whatever it wrote that
  matches its ``writes`` is removed and the set-aside files are moved back, so the earlier
  outputs are intact.
* The run is killed (SIGKILL, power cut): the folder stays; the next run calls :func:`recover`
  before anything else and does the same as for a failure. A marker file (:data:`COMPLETE`)
  says whether every file had been moved; without it the notebook never started, so files still
  in place are earlier outputs and are kept.

Moves are renames inside the project (``os.replace``), with a copy-and-delete fallback across
file systems. Nothing here imports papermill or pandas.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from analysis.errors import CompendiumError
from analysis.pipeline.state import matched_files

ASIDE = ".aside"
"""Folder under ``reports/<cohort>/`` holding set-aside outputs, one sub-folder per notebook."""
COMPLETE = ".complete"
"""Marker written into a notebook's aside folder once every earlier output has been moved."""


class OutputFolderError(CompendiumError):
    """An output folder cannot be written (read-only, full, not a folder)."""


@dataclass
class Aside:
    """The earlier outputs of one notebook, set aside for the duration of its run.

    Attributes
    ----------
    name : str
        Notebook name.
    folder : Path
        ``reports/<cohort>/.aside/<name>/``.
    writes : tuple of str
        The notebook's ``writes`` patterns.
    places : dict
        Placeholder -> folder (as in :func:`analysis.pipeline.state.matched_files`).
    """

    name: str
    folder: Path
    writes: tuple[str, ...]
    places: dict[str, Path]

    def discard(self) -> None:
        """The notebook succeeded: forget the earlier outputs."""
        shutil.rmtree(self.folder, ignore_errors=True)
        _remove_empty(self.folder.parent)

    def restore(self) -> list[str]:
        """The notebook failed: remove what it wrote, put the earlier outputs back.

        Returns the keys (``{placeholder}/relative``) of the files put back.
        """
        complete = (self.folder / COMPLETE).is_file()
        if complete:
            for path in _written(self.writes, self.places).values():
                path.unlink(missing_ok=True)
        restored = []
        for stored, key in _stored_files(self.folder):
            target = _target(key, self.places)
            if target is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            _move(stored, target)
            restored.append(key)
        self.discard()
        return sorted(restored)


def set_aside(name: str, writes: Iterable[str], places: dict[str, Path], reports: Path, *,
              shown: Callable[[Path], str] = Path.as_posix) -> Aside:
    """Move every file matching ``writes`` into ``reports/.aside/<name>/``.

    Raises
    ------
    OutputFolderError
        When a file cannot be moved (a read-only or full folder); what was moved is put back
        and the message names the folder.
    """
    writes = tuple(writes)
    aside = Aside(name, reports / ASIDE / name, writes, places)
    if aside.folder.exists():  # leftovers of this notebook: earlier outputs first
        aside.restore()
    files = _written(writes, places)
    try:
        aside.folder.mkdir(parents=True, exist_ok=True)
        for key, path in sorted(files.items()):
            stored = aside.folder / _relative_key(key)
            stored.parent.mkdir(parents=True, exist_ok=True)
            _move(path, stored)
        (aside.folder / COMPLETE).write_bytes(b"")
    except OSError as error:
        if aside.folder.exists():
            try:
                aside.restore()
            except OSError:
                pass
        raise OutputFolderError(describe_os_error(error, shown)) from None
    return aside


def recover(reports: Path, writes_of: dict[str, tuple[str, ...]],
            places: dict[str, Path]) -> list[str]:
    """Undo what a killed run left: set-aside outputs go back, half-written files go.

    ``writes_of`` maps the notebook names of ``pipeline.yaml`` to their ``writes``; an aside
    folder of a notebook no longer declared is put back without removing anything. Also removes
    the hidden working files of :mod:`analysis.pipeline.execute` (``.<name>.running.ipynb``,
    ``.<name>.staging/``). Returns the names of the notebooks whose outputs were put back.
    """
    recovered = []
    base = reports / ASIDE
    if base.is_dir():
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            writes = writes_of.get(folder.name, ())
            if folder.name not in writes_of:
                (folder / COMPLETE).unlink(missing_ok=True)
            Aside(folder.name, folder, writes, places).restore()
            recovered.append(folder.name)
        _remove_empty(base)
    if reports.is_dir():
        for leftover in reports.glob(".*.running.ipynb"):
            leftover.unlink(missing_ok=True)
        for leftover in reports.glob(".*.staging"):
            shutil.rmtree(leftover, ignore_errors=True)
    return recovered


def describe_os_error(error: OSError, shown: Callable[[Path], str] = Path.as_posix) -> str:
    """One sentence for a failed write: which file or folder (``shown`` makes it relative to
    the project), what is wrong and what to do."""
    import errno

    where = error.filename or ""
    shown = shown(Path(where)) if where else "an output folder"
    if error.errno == errno.ENOSPC:
        what = "the disk is full"
        todo = "free some space and run again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "it is read-only"
        todo = "make it writable (or move the project to a writable place) and run again"
    else:
        what = error.strerror or type(error).__name__
        todo = "check the folder and run again"
    return f"cannot write {shown}: {what}; {todo}. Earlier outputs were left as they were."


def _written(writes: Iterable[str], places: dict[str, Path]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for pattern in writes:
        files.update(matched_files(pattern, places))
    return files


def _relative_key(key: str) -> str:
    head, _, rest = key.partition("/")
    return f"{head.strip('{}')}/{rest}"


def _stored_files(folder: Path) -> list[tuple[Path, str]]:
    found = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and len(rel.parts) > 1:
            found.append((path, "{" + rel.parts[0] + "}/" + "/".join(rel.parts[1:])))
    return found


def _target(key: str, places: dict[str, Path]) -> Path | None:
    head, _, rest = key.partition("/")
    base = places.get(head)
    return None if base is None or head == "{raw}" else base / rest


def _move(source: Path, target: Path) -> None:
    try:
        os.replace(source, target)
    except OSError as error:
        import errno

        if error.errno != errno.EXDEV:
            raise
        shutil.copy2(source, target)
        source.unlink()


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
