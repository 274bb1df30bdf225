"""One run per cohort: a lock file in ``reports/<cohort>/`` while a run works there.

The lock is ``reports/<cohort>/.run.lock``, created with ``O_CREAT | O_EXCL`` (atomic on every
operating system and on local file systems), holding JSON ``{"pid", "host", "started"}``: the
holder's process id, host name and start time (ISO 8601, UTC). It is removed when the run ends,
however it ends, except when the process is killed outright (SIGKILL, power cut). Then the next
run finds a *stale* lock: same host and the pid no longer alive, and takes it over (it moves the
stale file aside first, so two runs breaking the same stale lock cannot both win). A lock of
another host is never taken over (its pid cannot be checked from here); remove it by hand.

Process liveness: ``os.kill(pid, 0)`` on POSIX; on Windows, where ``os.kill`` would *stop* the
process, ``OpenProcess`` and ``GetExitCodeProcess`` through :mod:`ctypes`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from analysis.errors import CompendiumError

LOCK_FILE = ".run.lock"
POLL_SECONDS = 0.5
"""How often a waiting run (``--wait``) checks the lock again."""
_UNREADABLE_GRACE_SECONDS = 10.0
"""A lock file that cannot be parsed is treated as stale only when older than this (a holder
may be between creating and writing it)."""


class CohortBusy(CompendiumError):
    """Another run holds the cohort's lock."""


@dataclass
class Holder:
    """Who holds a lock: process id, host name and start time (ISO 8601, UTC)."""

    pid: int
    host: str
    started: str

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"process {self.pid}{where}, started {self.started}"


class CohortLock:
    """The lock of one cohort's run; use as a context manager.

    Parameters
    ----------
    folder : Path
        ``reports/<cohort>/`` (created when missing).
    cohort : str
        For messages.
    shown : str
        The lock file as shown to users (relative path).
    wait : bool
        Wait for a running holder instead of refusing.
    say : callable
        Receives one line when waiting starts and when a stale lock is taken over.
    """

    def __init__(self, folder: Path, cohort: str, *, shown: str, wait: bool = False,
                 say: Callable[[str], None] = lambda _: None):
        self.path = Path(folder) / LOCK_FILE
        self.cohort, self.shown, self.wait, self.say = cohort, shown, wait, say
        self._held = False

    def __enter__(self) -> "CohortLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, take over a stale one, or wait/refuse while another run holds it.

        Raises
        ------
        CohortBusy
            Another live run holds the lock and ``wait`` is false.
        OSError
            The folder cannot be written.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        announced = False
        while True:
            if self._try_create():
                return
            holder = read_holder(self.path)
            if holder is None and not self.path.exists():
                continue  # released between our attempt and the read
            if self._stale(holder):
                self._break(holder)
                continue
            what = holder.describe() if holder else "a run whose lock file is being written"
            if not self.wait:
                raise CohortBusy(
                    f"cohort {self.cohort!r} is being run by {what} (lock file {self.shown}); "
                    "wait for it to finish, or run again with --wait. If no such run exists, "
                    "delete the lock file.")
            if not announced:
                self.say(f"waiting for the run of {self.cohort} by {what} to finish...")
                announced = True
            time.sleep(POLL_SECONDS)

    def release(self) -> None:
        """Remove the lock if this process holds it."""
        if not self._held:
            return
        holder = read_holder(self.path)
        if holder is not None and holder.pid == os.getpid():
            self.path.unlink(missing_ok=True)
        self._held = False

    def _try_create(self) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        started = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        record = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        self._held = True
        return True

    def _stale(self, holder: Holder | None) -> bool:
        if holder is None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except OSError:
                return False
            return age > _UNREADABLE_GRACE_SECONDS
        return holder.host == socket.gethostname() and not pid_alive(holder.pid)

    def _break(self, holder: Holder | None) -> None:
        """Move the stale lock aside (only one breaker wins the rename), then delete it."""
        grave = self.path.with_name(f"{LOCK_FILE}.stale-{os.getpid()}")
        try:
            os.replace(self.path, grave)
        except FileNotFoundError:
            return
        taken = read_holder(grave)
        if holder is not None and taken != holder:  # a fresh lock was taken meanwhile: put back
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                os.close(fd)
                os.replace(grave, self.path)
            except FileExistsError:
                pass
            grave.unlink(missing_ok=True)
            return
        grave.unlink(missing_ok=True)
        self.say(f"took over the lock of an interrupted run of {self.cohort}"
                 + (f" ({holder.describe()}, no longer running)" if holder else ""))


def read_holder(path: Path) -> Holder | None:
    """The holder recorded in lock file ``path`` (None when missing or unreadable)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return Holder(int(data["pid"]), str(data["host"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (POSIX and Windows)."""
    if pid <= 0:
        return False
    if os.name == "nt":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A finished child not yet reaped still answers ``kill(pid, 0)``: check ``/proc``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - exercised on Windows CI
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    query_limited, still_active, access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(query_limited, False, pid)
    if not handle:
        return ctypes.get_last_error() == access_denied
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
