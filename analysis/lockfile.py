"""The lock ``requirements.lock``: what it pins for an interpreter, and whether it is installed.

``requirements.lock`` (made by ``make lock``: uv's universal resolution) pins every package,
direct and transitive, to one version with its SHA-256 hashes, for Python 3.11 and later on
Linux, Windows and macOS. Some entries carry a PEP 508 marker: from Python 3.12 on the lock
holds newer numpy, scipy and contourpy than on 3.11, and a few packages exist only on one
system (``pywinpty`` on Windows, ``appnope`` on macOS). :func:`pins` evaluates the markers for
an interpreter and system; :func:`check_installed` compares an environment with them.

``make install`` runs ``python -m analysis.lockfile`` every time: it lists each locked package
that is missing or installed at another version, and each installed package the lock does not
hold (apart from the installers and the compendium itself), and exits with 1 when there is
any, so a hand-upgraded package in an existing ``.venv`` is found and put back. Hashes are
checked by the installer when the lock changes (``make install`` re-installs into a scratch
folder with ``--require-hashes``), because installed packages do not record the hash of the
file they came from.

This module imports only the standard library and ``packaging``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping

LOCK_NAME = "requirements.lock"

TOOLING = frozenset({"pip", "setuptools", "wheel", "uv", "vaktherapie-compendium"})
"""Installed distributions that need not be in the lock: the installers (``python -m venv``
adds pip, and setuptools up to Python 3.11; ``make install`` adds uv) and the compendium itself
(installed from the work tree with ``--no-deps``)."""

_ENTRY = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)"
                    r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$")


def canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it.

    >>> canonical("Jupyter_Client"), canonical("ruamel.yaml")
    ('jupyter-client', 'ruamel-yaml')
    """
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class LockEntry:
    """One package of the lock: canonical name, exact version, marker (text or None), hashes."""

    name: str
    version: str
    marker: str | None = None
    hashes: list[str] = field(default_factory=list)
    line: int = 0


def read_lock(text: str, *, source: str = LOCK_NAME) -> list[LockEntry]:
    """Entries of a uv/pip-tools requirements file with hashes.

    Parameters
    ----------
    text : str
        The file's text.
    source : str
        File name used in error messages.

    Returns
    -------
    list of LockEntry
        In file order.

    Raises
    ------
    ValueError
        A line that is neither a comment, ``name==version [; marker]`` nor ``--hash=...``,
        named with its line number.

    >>> entries = read_lock("numpy==2.4.6 ; python_full_version < '3.12' \\\\\\n"
    ...                     "    --hash=sha256:" + "a" * 64 + "\\n")
    >>> entries[0].name, entries[0].version, entries[0].marker, len(entries[0].hashes)
    ('numpy', '2.4.6', "python_full_version < '3.12'", 1)
    """
    entries: list[LockEntry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "--require-hashes":
            continue
        if stripped.startswith("--hash="):
            if not entries:
                raise ValueError(f"{source}, line {number}: a --hash before any package")
            entries[-1].hashes.append(stripped.split("=", 1)[1].rstrip(" \\"))
            continue
        match = _ENTRY.match(stripped)
        if match is None:
            raise ValueError(f"{source}, line {number}: cannot read {stripped[:60]!r}; "
                             f"expected name==version, optionally '; marker', or --hash=...")
        entries.append(LockEntry(canonical(match["name"]), match["version"], match["marker"],
                                 line=number))
    return entries


def marker_environment(python: str | None = None, platform: str | None = None) -> dict[str, str]:
    """PEP 508 marker variables of this interpreter, or of another Python and system.

    Parameters
    ----------
    python : str, optional
        Full version such as ``"3.12.9"``; default: this interpreter's.
    platform : {"linux", "windows", "macos"}, optional
        Default: this system.

    >>> env = marker_environment("3.13.0", "windows")
    >>> env["python_version"], env["python_full_version"], env["sys_platform"]
    ('3.13', '3.13.0', 'win32')
    """
    from packaging.markers import default_environment

    env = dict(default_environment())
    if python is not None:
        env.update(python_version=".".join(python.split(".")[:2]), python_full_version=python,
                   implementation_version=python)
    if platform is not None:
        env.update(PLATFORMS[platform])
    return env


PLATFORMS: dict[str, dict[str, str]] = {
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
              "platform_machine": "x86_64"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                "platform_machine": "AMD64"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix",
              "platform_machine": "arm64"},
}
"""The systems the lock covers, as PEP 508 marker variables."""


def pins(entries: Iterable[LockEntry], env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Name -> version the lock installs in ``env`` (default: this interpreter).

    Raises
    ------
    ValueError
        When the lock pins one package twice for the same environment.
    """
    from packaging.markers import Marker

    env = dict(env or marker_environment())
    chosen: dict[str, str] = {}
    for entry in entries:
        if entry.marker is not None and not Marker(entry.marker).evaluate({**env, "extra": ""}):
            continue
        if entry.name in chosen:
            raise ValueError(f"the lock pins {entry.name} twice for Python "
                             f"{env.get('python_full_version')} on {env.get('sys_platform')}: "
                             f"{chosen[entry.name]} and {entry.version} (line {entry.line})")
        chosen[entry.name] = entry.version
    return chosen


def installed() -> dict[str, str]:
    """Canonical name -> version of every distribution importable by this interpreter."""
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found.setdefault(canonical(name), dist.version)
    return found


def check_installed(locked: Mapping[str, str], present: Mapping[str, str], *,
                    tooling: Iterable[str] = TOOLING) -> list[str]:
    """How an environment differs from the lock, one sentence per package (empty: it agrees).

    >>> check_installed({"numpy": "2.4.6", "six": "1.17.0"},
    ...                 {"numpy": "2.5.0", "pyarrow": "20.0", "pip": "25.0"})
    ['numpy 2.5.0 is installed, the lock pins 2.4.6', 'six is not installed, the lock pins 1.17.0', 'pyarrow 20.0 is installed but not in the lock']
    """
    from packaging.version import InvalidVersion, Version

    def same(a: str, b: str) -> bool:
        try:
            return Version(a) == Version(b)
        except InvalidVersion:
            return a == b

    problems = []
    for name, version in sorted(locked.items()):
        if name not in present:
            problems.append(f"{name} is not installed, the lock pins {version}")
        elif not same(present[name], version):
            problems.append(f"{name} {present[name]} is installed, the lock pins {version}")
    allowed = {canonical(t) for t in tooling}
    problems += [f"{name} {present[name]} is installed but not in the lock"
                 for name in sorted(set(present) - set(locked) - allowed)]
    return problems


# --------------------------------------------------------------------------- Binder

BINDER_SERVER = ("jupyterlab",)
"""What a Binder image (repo2docker) already runs and the lock must not replace: JupyterLab and
every package that only it needs (found from the lock's ``# via`` notes)."""

_DIRECT = "vaktherapie-compendium (pyproject.toml)"


def required_by(text: str) -> dict[str, set[str]]:
    """Package -> the packages that need it, from the ``# via`` notes uv writes into the lock
    (``vaktherapie-compendium (pyproject.toml)`` for what pyproject.toml declares)."""
    parents: dict[str, set[str]] = {}
    current: str | None = None
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        match = _ENTRY.match(stripped)
        if match:
            current, in_via = canonical(match["name"]), False
            parents.setdefault(current, set())
        elif current and stripped.startswith("# via"):
            rest = stripped[len("# via"):].strip()
            in_via = True
            if rest:
                parents[current].add(rest)
        elif current and in_via and stripped.startswith("#   "):
            parents[current].add(stripped[1:].strip())
        elif not stripped.startswith("--hash="):
            in_via = False
    return {name: {p if p == _DIRECT else canonical(p) for p in via}
            for name, via in parents.items()}


def server_only(text: str, server: Iterable[str] = BINDER_SERVER) -> set[str]:
    """Packages of the lock that only ``server`` (and packages only it needs) require."""
    parents = required_by(text)
    leave_out = {canonical(s) for s in server}
    changed = True
    while changed:
        changed = False
        for name, via in parents.items():
            if name not in leave_out and via and _DIRECT not in via and via <= leave_out:
                leave_out.add(name)
                changed = True
    return leave_out


def binder_requirements(text: str, *, lock_name: str = LOCK_NAME) -> str:
    """``binder/requirements.txt``: the lock's entries (versions, markers, hashes) without the
    JupyterLab server of the Binder image (:func:`server_only`)."""
    leave_out = server_only(text)
    kept = [e for e in read_lock(text, source=lock_name) if e.name not in leave_out]
    import textwrap

    note = (f"Binder (repo2docker) installs this into the image: {lock_name} without the "
            f"JupyterLab server that the image already runs ({', '.join(sorted(leave_out))}). "
            f"Written by `make lock` (python -m analysis.lockfile --binder); do not edit.")
    lines = ["# " + line for line in textwrap.wrap(note, 94, break_on_hyphens=False)]
    lines.append("--require-hashes")
    for entry in kept:
        marker = f" ; {entry.marker}" if entry.marker else ""
        lines.append(f"{entry.name}=={entry.version}{marker} \\")
        lines += [f"    --hash={h} \\" for h in entry.hashes[:-1]]
        lines.append(f"    --hash={entry.hashes[-1]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.lockfile [LOCK]``: exit 0 when this environment matches the lock,
    1 (with the differences) when it does not, 2 when the lock cannot be read.
    ``python -m analysis.lockfile --binder [LOCK]`` writes ``binder/requirements.txt``."""
    args = list(sys.argv[1:] if argv is None else argv)
    binder = "--binder" in args
    args = [a for a in args if a != "--binder"]
    lock = Path(args[0]) if args else Path(__file__).resolve().parents[1] / LOCK_NAME
    if binder:
        return _write_binder(lock)
    try:
        entries = read_lock(lock.read_text(encoding="utf-8"), source=lock.name)
        locked = pins(entries)
    except (OSError, ValueError) as error:
        print(f"cannot check the environment against {lock.name}: {error}", file=sys.stderr)
        return 2
    problems = check_installed(locked, installed())
    python = ".".join(map(str, sys.version_info[:3]))
    if problems:
        print(f"this environment (Python {python}, {sys.platform}) differs from {lock.name} "
              f"in {len(problems)} package(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"environment matches {lock.name}: {len(locked)} packages for Python {python} "
          f"on {sys.platform}")
    return 0


def _write_binder(lock: Path) -> int:
    target = lock.parent / "binder" / "requirements.txt"
    try:
        text = binder_requirements(lock.read_text(encoding="utf-8"), lock_name=lock.name)
    except (OSError, ValueError) as error:
        print(f"cannot write binder/requirements.txt from {lock.name}: {error}", file=sys.stderr)
        return 2
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(text.encode("utf-8"))
    print(f"wrote binder/requirements.txt ({len(read_lock(text))} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
