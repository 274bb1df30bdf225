"""The state of the work tree a run is made from: git commit, uncommitted changes, lock hash.

Read by :mod:`analysis.report.history` (every run's record) and
:mod:`analysis.report.reproducibility` (the block of the findings); imports neither, so the two
do not import each other.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from analysis import paths as _paths

LOCK_FILE: str = "requirements.lock"
"""The lock at the project root (made by ``make lock`` with ``uv pip compile``)."""

UNNAMED_FOLDERS: tuple[str, ...] = ("data/",)
"""Folders whose changed files are counted but never named (cohort data, also when tracked)."""


@dataclass(frozen=True)
class GitState:
    """The commit of a work tree and whether it had uncommitted changes.

    Attributes
    ----------
    commit : str or None
        Full commit hash (40 hex digits), None outside git or without git.
    dirty : bool
        Tracked files changed, or untracked files not ignored by git present.
    changed : tuple of str
        The changed *tracked* files outside :data:`UNNAMED_FOLDERS` (relative POSIX paths as
        git shows them, sorted): the only paths the block names.
    uncommitted : int
        Every uncommitted file: changed tracked files, untracked files and files under
        :data:`UNNAMED_FOLDERS` (counted, never named).
    """

    commit: str | None
    dirty: bool
    changed: tuple[str, ...] = ()
    uncommitted: int = 0

    @property
    def short(self) -> str:
        """Seven hex digits of the commit, or ``"onbekend"``."""
        return self.commit[:7] if self.commit else "onbekend"


def git_state(root: str | os.PathLike = _paths.ROOT) -> GitState:
    """Commit and uncommitted changes of the work tree at ``root``; never raises."""
    commit = _git(root, "rev-parse", "HEAD")
    if commit is None:
        return GitState(None, False)
    status = _git(root, "status", "--porcelain", "--untracked-files=all", strip=False) or ""
    entries = [(line[:2], line[3:].split(" -> ")[-1].strip().strip('"'))
               for line in status.splitlines() if len(line) > 3]
    named = tuple(sorted(path for code, path in entries if code not in ("??", "!!")
                         and not path.startswith(UNNAMED_FOLDERS)))
    return GitState(commit, bool(entries), named, len(entries))


def _git(root: str | os.PathLike, *args: str, strip: bool = True) -> str | None:
    try:
        done = subprocess.run(["git", "-C", os.fspath(root), *args], capture_output=True,
                              text=True, encoding="utf-8", timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.strip() if strip else done.stdout


def lock_hash(root: str | os.PathLike = _paths.ROOT) -> str | None:
    """SHA-256 (64 hex digits) of the lock file at ``root``, None when there is none.

    Line endings are normalised to ``\\n`` first, so a Windows checkout (``core.autocrlf``)
    hashes the same as a Linux one.
    """
    path = Path(root) / LOCK_FILE
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
