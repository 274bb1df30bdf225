"""What each notebook last ran with, and whether it must run again.

A notebook is *up to date* when all of these equal what ``reports/<cohort>/.pipeline-state.json``
recorded at its last successful run:

``code``        hash of its cells' types and sources (outputs and metadata ignored)
``parameters``  hash of every parameter passed (cohort, raw_root, analysis parameters)
``inputs``      content hash of every file its ``reads`` patterns match, by name
``modules``     hash per ``analysis`` module the notebook imports, transitively, without
                docstrings and comments (:mod:`analysis.pipeline.deps`)
``data``        content hash per package data file those modules read (definitions, templates)
``environment`` installed versions of the third-party distributions they import, and Python

and its outputs exist: at least one file per ``writes`` pattern, plus the executed notebook and
its HTML in ``reports/<cohort>/``. Notebooks downstream of one that runs also run.

Hashing is fast on a second run: a file's SHA-256 is cached in the state with its size,
``mtime_ns`` and inode and reused while those are unchanged; any change means the content is
hashed again, and the content hash decides (``touch`` alone re-runs nothing). Files modified in
the last :data:`_RACY_SECONDS` seconds are never cached, so a write within one timestamp tick
after hashing is not missed. Nothing here imports papermill or pandas.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.atomic import write_text_atomic
from analysis.errors import ConfigError

STATE_VERSION = 1
STATE_FILE = ".pipeline-state.json"
"""Name of the state file in ``reports/<cohort>/``."""
_RACY_SECONDS = 2.0


class FileHashes:
    """SHA-256 of files, cached by (size, mtime_ns, inode).

    Parameters
    ----------
    cache : dict
        ``key -> [size, mtime_ns, inode, sha256]`` from the previous state.
    """

    def __init__(self, cache: dict[str, list] | None = None):
        self._old = dict(cache or {})
        self._now: dict[str, list] = {}
        self.seen: dict[str, list] = {}

    def digest(self, path: Path, key: str) -> str:
        """Content hash of ``path``; ``key`` names it in the cache (no machine path)."""
        stat = path.stat()
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        cached = self._now.get(key) or self._old.get(key)
        if cached and cached[:3] == signature:
            digest = cached[3]
        else:
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        self._now[key] = signature + [digest]
        if time.time_ns() - stat.st_mtime_ns > _RACY_SECONDS * 1e9:
            self.seen[key] = signature + [digest]
        else:
            self.seen.pop(key, None)
        return digest

    def cache(self, *, keep_unseen: bool) -> dict[str, list]:
        """Cache to store: what was hashed now, plus (``keep_unseen``) older entries."""
        return {**self._old, **self.seen} if keep_unseen else dict(self.seen)


@dataclass
class Fingerprint:
    """What one notebook runs with: the hashes compared between runs.

    ``modules``, ``data`` and ``environment`` are what :mod:`analysis.pipeline.deps` finds the
    notebook uses: module file -> hash of its code, package data file -> content hash,
    distribution -> installed version (and ``python``). ``values`` are the parameters
    themselves (for messages naming old and new values).
    """

    code: str
    parameters: str
    inputs: dict[str, str]
    modules: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def changes(self, old: dict | None) -> list[str]:
        """Human reasons why this differs from the recorded ``old`` (empty: unchanged)."""
        if not old:
            return ["never run"]
        reasons = []
        if old.get("code") != self.code:
            reasons.append("code changed")
        if old.get("parameters") != self.parameters:
            reasons.append(_parameter_change(old.get("values"), self.values))
        if old.get("inputs") != self.inputs:
            reasons.append(_input_change(old.get("inputs") or {}, self.inputs))
        if "modules" not in old:
            reasons.append("analysis package changed (recorded by an older runner)")
            return reasons
        for field_name, label in (("modules", "package module"), ("data", "package data")):
            if old.get(field_name) != getattr(self, field_name):
                reasons.append(_keyed_change(label, old.get(field_name) or {},
                                             getattr(self, field_name)))
        if old.get("environment") != self.environment:
            reasons.append(_environment_change(old.get("environment") or {}, self.environment))
        return reasons

    def record(self) -> dict[str, Any]:
        """The JSON-able form stored in the state file."""
        return {"code": self.code, "parameters": self.parameters,
                "inputs": dict(sorted(self.inputs.items())),
                "modules": dict(sorted(self.modules.items())),
                "data": dict(sorted(self.data.items())),
                "environment": dict(sorted(self.environment.items())),
                "values": {k: _no_machine_path(v) for k, v in self.values.items()}}


@dataclass
class State:
    """Content of ``.pipeline-state.json``: fingerprints per notebook and the hash cache."""

    path: Path
    notebooks: dict[str, dict] = field(default_factory=dict)
    files: dict[str, list] = field(default_factory=dict)
    modules: dict[str, dict] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "State":
        """Read the state; a missing, corrupt or old-version file counts as empty."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return cls(path)
        return cls(path, dict(data.get("notebooks") or {}), dict(data.get("files") or {}),
                   dict(data.get("modules") or {}), dict(data.get("environment") or {}))

    def save(self, hashes: FileHashes, *, keep_unseen: bool) -> None:
        """Write the state atomically with the current hash cache, if it changed."""
        self.files = hashes.cache(keep_unseen=keep_unseen)
        used = {sha for sha in self.modules if any(entry[3] == sha for entry in self.files.values())}
        self.modules = {sha: facts for sha, facts in self.modules.items() if sha in used}
        text = json.dumps({"version": STATE_VERSION, "notebooks": self.notebooks,
                           "files": self.files, "modules": self.modules,
                           "environment": self.environment},
                          indent=1, sort_keys=True) + "\n"
        try:
            if self.path.read_text(encoding="utf-8") == text:
                return
        except OSError:
            pass
        write_text_atomic(self.path, text)


def code_hash(notebook: Path) -> str:
    """Hash of the cell types and sources of ``notebook`` (outputs and metadata ignored)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (ValueError, AttributeError) as error:
        raise ConfigError(f"notebook {notebook.name} is not a valid .ipynb file ({error}); "
                          "open and save it in Jupyter, or restore it from git") from None
    sources = [(c.get("cell_type"), _joined(c.get("source", ""))) for c in cells]
    return _hash_json(sources)


def parameters_hash(parameters: dict) -> str:
    """Hash of the parameters passed to a notebook."""
    return _hash_json(parameters)


def expand(pattern: str, places: dict[str, Path]) -> tuple[Path, str]:
    """``pattern`` with its placeholder replaced: (folder of the placeholder, rest of pattern)."""
    head, _, rest = pattern.partition("/")
    return places[head], rest


def matched_files(pattern: str, places: dict[str, Path]) -> dict[str, Path]:
    """Files (not folders; no hidden files) matched by ``pattern``, keyed ``{placeholder}/rel``."""
    base, rest = expand(pattern, places)
    head = pattern.partition("/")[0]
    if not base.is_dir():
        return {}
    found = {}
    for rel in glob.glob(rest or "**", root_dir=base, recursive=True):
        path = base / rel
        if path.is_file():
            found[f"{head}/{Path(rel).as_posix()}"] = path
    return found


def input_hashes(reads: tuple[str, ...], places: dict[str, Path], hashes: FileHashes) -> dict:
    """``{key: sha256}`` of every file matched by the ``reads`` patterns."""
    files: dict[str, Path] = {}
    for pattern in reads:
        files.update(matched_files(pattern, places))
    return {key: hashes.digest(path, key) for key, path in sorted(files.items())}


def missing_outputs(writes: tuple[str, ...], places: dict[str, Path], extra: list[Path]) -> list:
    """``writes`` patterns matching no file and ``extra`` files that do not exist."""
    missing = [p for p in writes if not matched_files(p, places)]
    return missing + [p.name for p in extra if not p.is_file()]


def _input_change(old: dict, new: dict) -> str:
    changed = sorted(k for k in new if k in old and old[k] != new[k])
    added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
    parts = []
    for label, keys in (("changed", changed), ("new", added), ("removed", removed)):
        if keys:
            more = f" (+{len(keys) - 1} more)" if len(keys) > 1 else ""
            parts.append(f"{label}: {keys[0]}{more}")
    return "inputs " + "; ".join(parts) if parts else "inputs changed"


def _no_machine_path(value: Any) -> Any:
    """A parameter value as stored: an absolute path (``raw_root`` outside the project) is
    shortened as :func:`analysis.paths.display` does, so the state file names no machine path;
    the parameters hash still compares the real value."""
    if isinstance(value, str) and os.path.isabs(value):
        from analysis import paths

        return paths.display(value)
    return value


def _parameter_change(old: Any, new: dict) -> str:
    if not isinstance(old, dict):
        return "parameters changed"
    changed = [k for k in sorted(set(old) | set(new)) if old.get(k, _ABSENT) != new.get(k, _ABSENT)]
    if not changed:
        return "parameters changed"
    parts = [f"{k} {_value(old.get(k, _ABSENT))} -> {_value(new.get(k, _ABSENT))}"
             for k in changed[:3]]
    more = f" (+{len(changed) - 3} more)" if len(changed) > 3 else ""
    return f"parameter{'s' if len(changed) > 1 else ''} changed: " + "; ".join(parts) + more


_ABSENT = object()


def _value(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _keyed_change(label: str, old: dict, new: dict) -> str:
    changed = sorted(k for k in new if k in old and old[k] != new[k])
    added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
    parts = []
    for what, keys in (("changed", changed), ("now used", added), ("no longer used", removed)):
        if keys:
            more = f" (+{len(keys) - 1} more)" if len(keys) > 1 else ""
            parts.append(f"{label} {what}: {keys[0]}{more}")
    return "; ".join(parts) or f"{label} changed"


def _environment_change(old: dict, new: dict) -> str:
    changed = [f"{k} {old.get(k, '(absent)')} -> {new.get(k, '(absent)')}"
               for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    more = f" (+{len(changed) - 2} more)" if len(changed) > 2 else ""
    return "environment changed: " + "; ".join(changed[:2]) + more


def _joined(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _hash_json(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def outputs_of_run(cohort: str, *, root: str | Path | None = None) -> dict[str, str]:
    """Files the notebooks of ``cohort``'s current run wrote: ``{placeholder}/rel`` -> notebook.

    Read from ``reports/<cohort>/.pipeline-state.json``: each notebook's record holds the files
    its ``writes`` patterns matched right after it succeeded (its earlier outputs having been set
    aside before it ran, :mod:`analysis.pipeline.outputs`), so these are exactly the files this
    run's notebooks made (a cached notebook's come from the run that last executed it). While
    the findings notebook runs, every notebook upstream of it has been recorded.
    """
    from analysis import paths

    base = Path(root) if root is not None else paths.ROOT
    state = State.load(base / paths.reports_dir(cohort).relative_to(paths.ROOT) / STATE_FILE)
    found = {}
    for notebook, record in sorted(state.notebooks.items()):
        for key in (record.get("outputs") or {}):
            found[key] = notebook
    return dict(sorted(found.items()))


def figures_of_run(cohort: str, *, root: str | Path | None = None) -> dict[str, str]:
    """Figures of ``cohort`` made in its current run: file stem -> notebook that made it.

    Only figures directly under ``figures/<cohort>/`` count (``{figures}/<stem>.png`` or
    ``.svg``). The findings document embeds a figure only when its stem is here.

    >>> figures_of_run("no-such-cohort")
    {}
    """
    found = {}
    for key, notebook in outputs_of_run(cohort, root=root).items():
        head, _, rest = key.partition("/")
        if head == "{figures}" and "/" not in rest:
            found[Path(rest).stem] = notebook
    return dict(sorted(found.items()))
