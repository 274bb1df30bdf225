"""Key-number history of a cohort's runs, and what changed between two of them.

After every successful pipeline run, :func:`record_run` keeps the run's key numbers (per
notebook) with the commit, a dirty flag, the parameters, the hash of the raw data and the hash
of the lock file in ``reports/<cohort>/history/NNNN.json`` (``0001``, ``0002``, ...). A run
whose record would equal the latest one (same commit, tree state, parameters, data, lock and
numbers) is not recorded again, so a no-op ``run`` leaves the history alone. No record holds a
wall-clock time: the run number orders them.

:func:`diff` compares two records (``python -m analysis diff [RUN_A] [RUN_B]``, by default the
last two runs of a cohort, or the latest runs of two cohorts) and :func:`format_diff` lists every
key number that changed, old and new, grouped by notebook. :func:`changes_since_previous` says
in Dutch, for the findings document, what changed since the previous recorded run.

The history lives in ``reports/`` (not committed): it is the run's own record.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from analysis import paths as _paths
from analysis.errors import CompendiumError
from analysis.report import keynumbers

HISTORY_FOLDER: str = "history"
"""Folder below ``reports/<cohort>/`` holding one JSON record per run."""

ABSENT: str = "(absent)"
"""Shown for a key number (or parameter) that one of the two runs does not have."""

_RECORD_NAME = re.compile(r"^(\d{4,})\.json$")


@dataclass(frozen=True)
class Change:
    """One key number (or parameter) that differs: notebook, name, old and new value."""

    notebook: str
    name: str
    old: Any
    new: Any


@dataclass
class Diff:
    """What differs between two run records (``a`` older, ``b`` newer)."""

    a: dict
    b: dict
    numbers: list[Change] = field(default_factory=list)
    parameters: list[Change] = field(default_factory=list)

    def by_notebook(self) -> dict[str, list[Change]]:
        """Changed key numbers grouped by notebook, notebooks and names sorted."""
        grouped: dict[str, list[Change]] = {}
        for change in self.numbers:
            grouped.setdefault(change.notebook, []).append(change)
        return grouped


def history_dir(cohort: str, *, root: str | os.PathLike | None = None) -> Path:
    """``reports/<cohort>/history/`` below ``root`` (default the project root)."""
    base = Path(root) if root is not None else _paths.ROOT
    return base / "reports" / cohort / HISTORY_FOLDER


def current_record(cohort: str, parameters: Mapping[str, Mapping[str, Any]], *,
                   root: str | os.PathLike | None = None,
                   raw_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """The record of the state on disk now: key-number fragments, git, parameters, hashes."""
    from analysis.report.provenance import hash_files
    from analysis.report.runstate import git_state, lock_hash

    base = Path(root) if root is not None else _paths.ROOT
    raw = Path(raw_dir) if raw_dir is not None else base / "data" / "raw" / cohort
    git = git_state(base)
    return {
        "cohort": cohort,
        "commit": git.commit,
        "dirty": git.dirty,
        "parameters": {nb: {str(k): v for k, v in sorted(p.items(), key=lambda kv: str(kv[0]))}
                       for nb, p in sorted(parameters.items())},
        "inputs_hash": hash_files([raw], root=raw) if raw.is_dir() else None,
        "lock_hash": lock_hash(base),
        "key_numbers": keynumbers.read_fragments(cohort, root=root),
    }


def record_run(cohort: str, parameters: Mapping[str, Mapping[str, Any]], *,
               root: str | os.PathLike | None = None,
               raw_dir: str | os.PathLike | None = None) -> Path | None:
    """Keep the key numbers of a successful run in ``reports/<cohort>/history/NNNN.json``.

    Parameters
    ----------
    cohort : str
        The cohort that was run.
    parameters : mapping
        Notebook name -> the analysis parameters the run used.
    root : path-like, optional
        Project root (default :data:`analysis.paths.ROOT`).
    raw_dir : path-like, optional
        The cohort's raw folder (default ``<root>/data/raw/<cohort>``).

    Returns
    -------
    Path or None
        The new record, or None when it would repeat the latest record.
    """
    from analysis.atomic import write_text_atomic

    record = current_record(cohort, parameters, root=root, raw_dir=raw_dir)
    previous = runs(cohort, root=root)
    if previous and _comparable(previous[-1]) == _comparable(record):
        return None
    number = previous[-1]["run"] + 1 if previous else 1
    path = history_dir(cohort, root=root) / f"{number:04d}.json"
    text = json.dumps({"run": number, **record}, ensure_ascii=False, indent=1, sort_keys=True)
    return write_text_atomic(path, text + "\n")


def _comparable(record: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in record.items() if k != "run"}, sort_keys=True)


def runs(cohort: str, *, root: str | os.PathLike | None = None) -> list[dict]:
    """Every recorded run of ``cohort``, oldest first (empty without history)."""
    folder = history_dir(cohort, root=root)
    found = []
    for path in folder.iterdir() if folder.is_dir() else []:
        if _RECORD_NAME.match(path.name):
            try:
                found.append(json.loads(path.read_text(encoding="utf-8")))
            except json.JSONDecodeError as error:
                raise CompendiumError(f"history record {_paths.display(path)} is not valid "
                                      f"JSON ({error.msg}, line {error.lineno}); delete it or "
                                      "restore it") from None
    return sorted(found, key=lambda r: r["run"])


def select(cohort: str, ref: str | int | None = None, *,
           root: str | os.PathLike | None = None, offset: int = 0) -> dict:
    """One recorded run: by number (``3``), by commit prefix (``1a2b3c``), or the latest.

    ``offset`` counts back from the latest when ``ref`` is None (1: the one before).

    Raises
    ------
    CompendiumError
        When the cohort has too few runs or ``ref`` matches none.
    """
    recorded = runs(cohort, root=root)
    if ref is None:
        if len(recorded) <= offset:
            raise CompendiumError(
                f"cohort {cohort!r} has {len(recorded)} recorded "
                f"{'run' if len(recorded) == 1 else 'runs'} in "
                f"{_paths.display(history_dir(cohort, root=root))}; expected at least "
                f"{offset + 1}: run 'python -m analysis run --cohort {cohort}' (a run is "
                "recorded when it succeeds and differs from the latest record)")
        return recorded[-1 - offset]
    text = str(ref).strip()
    if text.isdigit() and len(text) < 7:
        for record in recorded:
            if record["run"] == int(text):
                return record
    else:
        matching = [r for r in recorded if r.get("commit") and r["commit"].startswith(text)]
        if matching:
            return matching[-1]
    known = ", ".join(f"{r['run']} ({(r.get('commit') or 'no commit')[:7]})" for r in recorded)
    raise CompendiumError(f"no recorded run {text!r} for cohort {cohort!r}; expected a run "
                          f"number or a commit prefix; recorded: {known or 'none'}")


def diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> Diff:
    """Every key number and parameter that differs between records ``a`` and ``b``.

    Values compare as JSON (``1`` and ``1.0`` differ, as in :mod:`analysis.report.keynumbers`);
    a name present in one record only shows :data:`ABSENT` for the other.
    """
    result = Diff(dict(a), dict(b))
    result.numbers = _changes(a.get("key_numbers", {}), b.get("key_numbers", {}))
    result.parameters = _changes(a.get("parameters", {}), b.get("parameters", {}))
    return result


def _changes(old: Mapping[str, Mapping], new: Mapping[str, Mapping]) -> list[Change]:
    changes = []
    for notebook in sorted(set(old) | set(new)):
        before, after = old.get(notebook, {}), new.get(notebook, {})
        for name in sorted(set(before) | set(after)):
            x, y = before.get(name, ABSENT), after.get(name, ABSENT)
            if json.dumps(x, sort_keys=True) != json.dumps(y, sort_keys=True):
                changes.append(Change(notebook, name, x, y))
    return changes


def describe(record: Mapping[str, Any]) -> str:
    """``helmond-2023 run 3 (commit 1a2b3c4, uncommitted changes)``."""
    commit = (record.get("commit") or "unknown")[:7]
    dirty = ", uncommitted changes" if record.get("dirty") else ""
    return f"{record.get('cohort')} run {record.get('run')} (commit {commit}{dirty})"


def format_diff(result: Diff) -> str:
    """The diff as text: parameters, then key numbers grouped by notebook, then a count."""
    lines = [f"{describe(result.a)} -> {describe(result.b)}"]
    if result.parameters:
        lines.append("parameters:")
        lines += [f"  {c.notebook}.{c.name}: {_show(c.old)} -> {_show(c.new)}"
                  for c in result.parameters]
    for name, label in (("inputs_hash", "raw data"), ("lock_hash", "lock file")):
        if result.a.get(name) != result.b.get(name):
            lines.append(f"{label}: {str(result.a.get(name))[:10]} -> "
                         f"{str(result.b.get(name))[:10]}")
    grouped = result.by_notebook()
    for notebook, changes in grouped.items():
        lines.append(notebook)
        lines += [f"  {c.name}: {_show(c.old)} -> {_show(c.new)}" for c in changes]
    n = len(result.numbers)
    lines.append(f"{n} key {'number' if n == 1 else 'numbers'} changed in {len(grouped)} "
                 f"{'notebook' if len(grouped) == 1 else 'notebooks'}" if n
                 else "no key number changed")
    return "\n".join(lines)


def _show(value: Any) -> str:
    return value if value == ABSENT else json.dumps(value, ensure_ascii=False)


def changes_since_previous(cohort: str, *, root: str | os.PathLike | None = None,
                           shown: int = 10, commit: str | None = None,
                           dirty: bool | None = None) -> str:
    """Dutch sentence: which key numbers changed since the latest recorded run.

    Compares the key-number fragments on disk now (the running pipeline's) with the latest
    record in the history. With ``commit`` and ``dirty`` (the state of this run), a latest
    record with that state and these key numbers is this run's own record (the pipeline keeps
    it before the site is built) and the one before it is compared. At most ``shown`` changes
    are named; the rest are counted.
    """
    recorded = runs(cohort, root=root)
    now = keynumbers.read_fragments(cohort, root=root)
    if recorded and commit is not None and recorded[-1].get("commit") == commit and \
            recorded[-1].get("dirty") == dirty and recorded[-1].get("key_numbers") == now:
        recorded = recorded[:-1]  # the latest record is this run itself: compare with the one before
    if not recorded:
        return "Dit is de eerste vastgelegde run van dit cohort; er is nog niets om mee te vergelijken."
    last = recorded[-1]
    changes = _changes(last.get("key_numbers", {}), now)
    where = f"de vorige run (run {last['run']}, commit `{(last.get('commit') or 'onbekend')[:7]}`)"
    if not changes:
        return f"Geen kerngetal veranderd sinds {where}."

    from analysis.report.labels import format_key_number

    def value(v: Any) -> str:  # None: "niet te berekenen"; a float in full, so a change shows
        if v == ABSENT:
            return "(ontbreekt)"
        if isinstance(v, float):
            return str(v).replace(".", ",")
        return format_key_number(v)

    named = "; ".join(f"{c.notebook} `{c.name}` {value(c.old)} → {value(c.new)}"
                      for c in changes[:shown])
    rest = len(changes) - shown
    more = f"; en nog {rest}" if rest > 0 else ""
    n = len(changes)
    counted = f"is {n} kerngetal" if n == 1 else f"zijn {n} kerngetallen"
    return f"Sinds {where} {counted} veranderd: {named}{more}."
