"""Fresh clone to findings: ``git clone`` of the current commit, then ``make run`` there.

What a newcomer does: clone, ``make run``. The clone goes to a temporary folder and is removed
afterwards. ``make run`` creates ``.venv``, installs from the lock (uv when it can be had, pip
otherwise), builds the de-identifier's lookup structures once (``python -m analysis prepare``)
and runs the pipeline. Its output is read line by line as it arrives, so the wall time splits
into phases at the lines the Makefile prints:

===========  =========================================================================
clone        ``git clone`` and checkout of the commit
install      from ``make run`` starting to the first ``prepare:`` line (venv, uv, lock)
prepare      from the first ``prepare:`` line to ``prepare: done`` (deduce's lookup build,
             or its restore from the per-user cache)
pipeline     from there to the end of ``make run`` (all notebooks, HTML, findings)
===========  =========================================================================

``cache="user"`` uses the user's uv and pip caches as they are (warm when the project was
installed before on this machine) and the per-user copy of deduce's lookup structures
(:mod:`analysis.privacy.prepare`: restored in seconds when this deduce was prepared here before);
``cache="empty"`` points ``UV_CACHE_DIR``, ``PIP_CACHE_DIR`` and ``ANALYSIS_CACHE_DIR`` at empty
temporary folders, so every wheel is downloaded and deduce builds its structures: a first
install on a new machine. Uncommitted changes of the working tree are not in the clone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

PHASES: tuple[str, ...] = ("clone", "install", "prepare", "pipeline")
PREPARE_START = "prepare:"
PREPARE_DONE = "prepare: done"
CACHES: tuple[str, ...] = ("user", "empty")
TARGET_SECONDS = 90.0
"""Goal for fresh clone to ``findings.html`` on the reference 2-core machine (issue 12)."""


def git(root: Path, *args: str) -> str:
    """Output of ``git -C root ARGS`` (RuntimeError naming the command when it fails)."""
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          encoding="utf-8", errors="replace")
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed in {root.name}: {done.stderr.strip()}")
    return done.stdout.strip()


def clean_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a newcomer's shell: no active venv, no PYTHONPATH into this tree."""
    env = dict(os.environ if base is None else base)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "MAKEFLAGS",
                 "MFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    venv_bin = str(Path(sys.prefix) / "bin")
    if sys.prefix != sys.base_prefix:
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if p.rstrip("/") != venv_bin)
    return env


def timed_lines(command: Sequence[str], *, cwd: Path, env: dict[str, str],
                say: Callable[[str], None] = print) -> tuple[int, list[tuple[float, str]]]:
    """Run ``command``; exit code and each output line with the seconds it arrived at."""
    start = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               encoding="utf-8", errors="replace", bufsize=1)
    lines = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append((time.perf_counter() - start, line.rstrip("\n")))
        if line.startswith(("prepare:", "installing", "uv not available", "finished in")):
            say(f"fresh clone: {line.rstrip()}")
    code = process.wait()
    lines.append((time.perf_counter() - start, ""))
    return code, lines


def phases(lines: Sequence[tuple[float, str]]) -> dict[str, float | None]:
    """Seconds of install, prepare and pipeline from the timed ``make run`` lines."""
    end = lines[-1][0] if lines else 0.0
    first = next((t for t, text in lines if text.startswith(PREPARE_START)), None)
    done = next((t for t, text in lines if text.startswith(PREPARE_DONE)), None)
    if first is None or done is None:
        return {"install": None, "prepare": None, "pipeline": None}
    return {"install": first, "prepare": done - first, "pipeline": end - done}


def installer(lines: Sequence[tuple[float, str]]) -> str:
    """Which installer the Makefile used, from its own line."""
    for _, text in lines:
        if text.startswith("installing") and " with uv " in text:
            return "uv"
        if text.startswith("uv not available"):
            return "pip"
    return "unknown"


def fresh_clone(root: Path, *, cohort: str, cache: str = "user", target: str = "run",
                make: str = "make", say: Callable[[str], None] = print) -> list[dict]:
    """Clone ``root``'s commit into a temporary folder and time ``make TARGET`` there.

    Returns rows (section ``clone``): the total, then each of :data:`PHASES`; the note holds
    the commit, the cache, the installer and whether the findings document was written.
    """
    if cache not in CACHES:
        raise ValueError(f"cache must be one of {', '.join(CACHES)}; got {cache!r}")
    commit = git(root, "rev-parse", "HEAD")
    dirty = bool(git(root, "status", "--porcelain", "--untracked-files=no"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-clone-") as scratch:
        dest = Path(scratch) / "clone"
        start = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(root), str(dest)],
                       check=True, capture_output=True, text=True,
                       encoding="utf-8", errors="replace")
        git(dest, "checkout", "--quiet", "--detach", commit)
        clone_seconds = time.perf_counter() - start
        env = clean_environment()
        if cache == "empty":
            env["UV_CACHE_DIR"] = str(Path(scratch) / "uv-cache")
            env["PIP_CACHE_DIR"] = str(Path(scratch) / "pip-cache")
            env["ANALYSIS_CACHE_DIR"] = str(Path(scratch) / "analysis-cache")  # deduce builds
        say(f"fresh clone: {commit[:7]} cloned in {clone_seconds:.1f} s; make {target} "
            f"({cache} caches) ...")
        code, lines = timed_lines([make, target, f"COHORT={cohort}"], cwd=dest, env=env, say=say)
        findings = dest / "reports" / cohort / "findings.html"
        if code:
            tail = "\n".join(text for _, text in lines[-40:])
            raise RuntimeError(f"make {target} failed in the fresh clone (exit {code}):\n{tail}")
        split = {"clone": clone_seconds, **phases(lines)}
        note = (f"commit={commit[:12]}; cache={cache}; installer={installer(lines)}; "
                f"findings={'yes' if findings.is_file() else 'no'}"
                + ("; working tree had uncommitted changes (not measured)" if dirty else ""))
        total = clone_seconds + lines[-1][0]
        rows.append(_row(f"total ({cache} caches)", total, note))
        for phase in PHASES:
            if split.get(phase) is not None:
                rows.append(_row(f"{phase} ({cache} caches)", split[phase], note))
    say(f"fresh clone to findings ({cache} caches): {total:.1f} s")
    return rows


def _row(case: str, seconds: float, note: str) -> dict:
    return {"section": "clone", "case": case, "families": None, "repeat": 0,
            "seconds": round(float(seconds), 4), "peak_rss_mb": None, "note": note}


def markdown_lines(rows: Sequence[dict]) -> list[str]:
    """Table of the fresh-clone rows: seconds per phase, with the note of the total."""
    rows = [r for r in rows if r["section"] == "clone"]
    if not rows:
        return []
    lines = ["Fresh clone to findings (`git clone`, then `make run`: venv, install from the "
             "lock, deduce's lookup build, pipeline):", "", "| step | seconds |", "| --- | ---: |"]
    for r in rows:
        met = ""
        if r["case"].startswith("total"):
            met = " (target < {:g} s {})".format(
                TARGET_SECONDS, "met" if r["seconds"] < TARGET_SECONDS else "NOT met")
        lines.append(f"| {r['case']} | {r['seconds']:.1f}{met} |")
    notes = list(dict.fromkeys(r["note"] for r in rows if r["case"].startswith("total")))
    return lines + [""] + [f"- {n}" for n in notes] + [""]
