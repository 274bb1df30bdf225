"""The edit loop: what one edit costs, in a temporary copy of the project.

:func:`edit_loop` copies the project (never the real tree; see :func:`copy_project`), runs
``python -m analysis run --force`` there, then for each :class:`Edit` in turn: applies it, runs
``python -m analysis run`` and records the seconds and which notebooks re-ran (the runner's
``[name] done in`` lines), restores the file and runs once more, unmeasured, so that the next
edit starts from a fully cached state.

The default edits (:data:`EDITS`) are

=================  =================================================  =======================
leaf module        ``analysis/report/figures/survey.py``: a constant   used by one notebook
                   added (a real code change)
mid-level module   ``analysis/stats/inference.py``: a constant added   used by most notebooks
instrument YAML    ``sdq_parent_4_17.yaml``: the last reversed item    a value that changes
                   is no longer reversed                                scoring
docstring only     ``analysis/stats/inference.py``: a sentence added   must re-run nothing
                   to the module docstring
=================  =================================================  =======================

Each edit is checked to be what it claims before it is measured: a code edit must change the
module's hash as the runner computes it (:func:`analysis.pipeline.deps.module_facts`, the AST
without docstrings), a docstring edit must leave it unchanged, a YAML edit must change the
parsed data. Which notebooks *use* the edited file (statically, as the runner sees it) is
reported next to which re-ran; notebooks downstream re-run too when their inputs changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

CODE_LINE = "\n_BENCHMARK_EDIT = 1  # added by benchmarks.edit_loop\n"
DOC_SENTENCE = "Edited by the benchmark (docstring only). "
SKIPPED_DIRS = frozenset({".git", ".venv", "venv", "__pycache__", ".pytest_cache",
                          ".ipynb_checkpoints", ".hypothesis", ".benchmarks", "build", "dist"})
"""Folder names never copied (version control, environments, caches)."""
OUTPUT_DIRS = ("data/processed", "figures", "reports")
"""Folders whose sub-folders are generated outputs (one per cohort): not copied."""

_DONE = re.compile(r"^\[(?P<name>[^\]]+)\] done in (?P<seconds>[0-9.]+) s", re.MULTILINE)
_FAILED = re.compile(r"^\[(?P<name>[^\]]+)\] FAILED", re.MULTILINE)
_RUNNING = re.compile(r"^\[(?P<name>[^\]]+)\] running\.\.\. \((?P<why>.*)\)$", re.MULTILINE)


# ------------------------------------------------------------------------------ edits
def add_constant(text: str) -> str:
    """A real code change: a module-level constant appended (:data:`CODE_LINE`)."""
    return text.rstrip("\n") + "\n" + CODE_LINE


def edit_docstring(text: str) -> str:
    """Add :data:`DOC_SENTENCE` at the start of the module docstring (which must exist)."""
    match = re.match(r'(\s*(?:#[^\n]*\n\s*)*)([rRuU]?)("""|\'\'\')', text)
    if not match:
        raise ValueError("the module has no docstring at its top to edit; expected it to "
                         'start with """')
    return text[:match.end()] + DOC_SENTENCE + text[match.end():]


def drop_last_reversed(text: str) -> str:
    """An instrument YAML value change: the last item of ``reversed: [...]`` is not reversed."""
    match = re.search(r"^(reversed:\s*\[)([^\]]*?)(,\s*[^,\]]+)(\])", text, flags=re.MULTILINE)
    if not match:
        raise ValueError("the instrument has no 'reversed: [a, b, ...]' line with at least two "
                         "items to change")
    return text[:match.start(3)] + text[match.end(3):]


@dataclass(frozen=True)
class Edit:
    """One edit of the loop.

    Parameters
    ----------
    name : str
        Label in the results (``leaf module``).
    path : str
        File to edit, relative to the project root, with ``/``.
    kind : str
        ``code`` (must change the module hash), ``docstring`` (must not) or ``data``
        (must change the parsed YAML).
    change : callable
        Old text -> new text.
    """

    name: str
    path: str
    kind: str
    change: Callable[[str], str] = field(compare=False)

    def apply(self, text: str) -> str:
        """The edited text, checked to be an edit of :attr:`kind` (ValueError otherwise)."""
        new = self.change(text)
        if new == text:
            raise ValueError(f"edit {self.name!r} of {self.path} changed nothing")
        if self.path.endswith(".py"):
            from analysis.pipeline.deps import module_facts

            same = (module_facts(text, "benchmark_edit").digest
                    == module_facts(new, "benchmark_edit").digest)
            if same != (self.kind == "docstring"):
                raise ValueError(f"edit {self.name!r} of {self.path} is not a {self.kind} edit: "
                                 f"the module hash {'did not change' if same else 'changed'}")
        elif self.kind == "data":
            import yaml

            if yaml.safe_load(text) == yaml.safe_load(new):
                raise ValueError(f"edit {self.name!r} of {self.path} changes no YAML value")
        return new


EDITS: tuple[Edit, ...] = (
    Edit("leaf module", "analysis/report/figures/survey.py", "code", add_constant),
    Edit("mid-level module", "analysis/stats/inference.py", "code", add_constant),
    Edit("instrument YAML", "analysis/definitions/instruments/sdq_parent_4_17.yaml", "data",
         drop_last_reversed),
    Edit("docstring only", "analysis/stats/inference.py", "docstring", edit_docstring),
)
QUICK_EDITS: tuple[Edit, ...] = (EDITS[0], EDITS[3])


# ------------------------------------------------------------------------------ running
@dataclass
class RunResult:
    """One pipeline run: wall seconds, notebooks that ran (in order), why, and their own
    seconds (the runner's ``done in``; the rest of the wall time is start-up, planning,
    rendering and waiting)."""

    seconds: float
    ran: list[str]
    reasons: dict[str, str]
    output: str = ""
    notebook_seconds: dict[str, float] = field(default_factory=dict)


def parse_run(output: str, seconds: float) -> RunResult:
    """Notebooks run and their reasons, from the runner's output; RuntimeError on a failure."""
    failed = [m["name"] for m in _FAILED.finditer(output)]
    if failed:
        raise RuntimeError(f"notebook(s) {', '.join(failed)} failed in the edit loop:\n"
                           f"{output[-3000:]}")
    done = {m["name"]: float(m["seconds"]) for m in _DONE.finditer(output)}
    return RunResult(seconds, list(done), {m["name"]: m["why"] for m in _RUNNING.finditer(output)},
                     output, done)


Runner = Callable[[bool], RunResult]
"""``runner(force) -> RunResult``: one pipeline run in the copy."""


def pipeline_runner(copy: Path, *, cohort: str, raw_dir: str | None = None,
                    python: str = sys.executable) -> Runner:
    """Runs ``python -m analysis run`` in ``copy``, with ``copy`` first on ``PYTHONPATH``."""
    from analysis.pipeline.runner import KERNEL_ENVIRONMENT

    path = os.pathsep.join(p for p in (str(copy), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, **KERNEL_ENVIRONMENT, "PYTHONPATH": path}
    raw = ["--raw-dir", str(Path(raw_dir).resolve())] if raw_dir else []
    command = [python, "-m", "analysis", "run", "--cohort", cohort, *raw]

    from benchmarks.measure import kernel_package_folder

    used = kernel_package_folder("analysis", env=env, cwd=copy)
    if used != (Path(copy) / "analysis").resolve():
        raise RuntimeError(
            "the notebook kernels import the analysis package installed elsewhere, not the "
            "temporary copy's: the edit loop would run (and write outputs of) another tree. "
            "Install the project without an editable link, or let kernels see PYTHONPATH.")

    def run(force: bool) -> RunResult:
        start = time.perf_counter()
        done = subprocess.run(command + (["--force"] if force else []), cwd=copy, env=env,
                              capture_output=True, text=True, encoding="utf-8", errors="replace")
        seconds = time.perf_counter() - start
        if done.returncode:
            raise RuntimeError(f"the pipeline failed in the edit loop (exit {done.returncode}):"
                               f"\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        return parse_run(done.stdout, seconds)

    return run


def copy_project(root: Path, dest: Path) -> Path:
    """Copy ``root`` to ``dest`` without version control, environments, caches or outputs."""
    root = Path(root).resolve()

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).resolve().relative_to(root).as_posix()
        skipped = {n for n in names if n in SKIPPED_DIRS or n.endswith(".pyc")}
        if rel in OUTPUT_DIRS:
            skipped |= {n for n in names if (Path(folder) / n).is_dir()}
        return skipped

    shutil.copytree(root, dest, ignore=ignore, symlinks=True)
    return dest


def users(root: Path, path: str) -> list[str] | None:
    """Notebooks that use ``path`` (a package module or data file) as the runner sees it."""
    try:
        from analysis.pipeline import deps
        from analysis.pipeline.spec import load_pipeline
        from analysis.pipeline.state import FileHashes

        package = deps.Package(root / "analysis", FileHashes())
        pipeline = load_pipeline(root / "notebooks" / "pipeline.yaml")
        found = []
        for spec in pipeline.notebooks:
            usage = package.usage(deps.notebook_source(root / "notebooks" / spec.file))
            if path in usage.modules or path in usage.data:
                found.append(spec.name)
        return found
    except Exception:  # a project without the runner's layout: not reported
        return None


# ------------------------------------------------------------------------------ the loop
def edit_loop(root: Path, *, cohort: str, raw_dir: str | None = None,
              edits: Sequence[Edit] = EDITS, repeats: int = 1,
              runner: Callable[[Path], Runner] | None = None,
              say: Callable[[str], None] = print) -> list[dict]:
    """Measure ``run --force`` and each edit in a temporary copy of ``root``; result rows.

    Rows (section ``edit``): case ``run --force`` or the edit's name, ``repeat``, ``seconds``
    and a note ``re-ran=a,b; uses=a; longest=12.3`` (``uses`` left out when it cannot be
    determined; ``longest``: the longest ``done in`` seconds of a notebook that ran).
    """
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-edit-") as scratch:
        copy = copy_project(root, Path(scratch) / "project")
        run = (runner or (lambda c: pipeline_runner(c, cohort=cohort, raw_dir=raw_dir)))(copy)
        used = {edit.path: users(copy, edit.path) for edit in edits}
        for repeat in range(1, repeats + 1):
            result = run(True)
            say(f"edit loop run {repeat}: run --force {result.seconds:.1f} s "
                f"({len(result.ran)} notebooks)")
            rows.append(edit_row("run --force", repeat, result, None))
            for edit in edits:
                result = measure_edit(copy, edit, run)
                say(f"edit loop run {repeat}: {edit.name} ({edit.path}) {result.seconds:.1f} s, "
                    f"re-ran {', '.join(result.ran) or 'none'}")
                rows.append(edit_row(edit.name, repeat, result, used[edit.path]))
    return rows


def measure_edit(copy: Path, edit: Edit, run: Runner) -> RunResult:
    """Apply ``edit`` in ``copy``, run (measured), restore the file, run again (not measured)."""
    file = copy / edit.path
    old = file.read_bytes()
    file.write_text(edit.apply(old.decode("utf-8")), encoding="utf-8")
    try:
        result = run(False)
    finally:
        file.write_bytes(old)
    run(False)
    return result


def edit_row(case: str, repeat: int, result: RunResult, used: list[str] | None) -> dict:
    """One ``results.csv`` row of the edit loop (columns of ``benchmarks.bench.COLUMNS``)."""
    note = f"re-ran={','.join(result.ran)}"
    if used is not None:
        note += f"; uses={','.join(used)}"
    if result.notebook_seconds:
        note += f"; longest={max(result.notebook_seconds.values()):.1f}"
    return {"section": "edit", "case": case, "families": None, "repeat": repeat,
            "seconds": round(result.seconds, 4), "peak_rss_mb": None, "note": note}


def parse_note(note: str) -> dict[str, list[str]]:
    """``re-ran=a,b; uses=a`` -> ``{"re-ran": ["a", "b"], "uses": ["a"]}``."""
    out: dict[str, list[str]] = {}
    for part in str(note).split(";"):
        if "=" in part:
            key, value = part.strip().split("=", 1)
            out[key] = [v for v in value.split(",") if v]
    return out


def markdown_lines(rows: Sequence[dict]) -> list[str]:
    """Table: per edit the median seconds, its ratio to ``run --force``, what re-ran."""
    import statistics

    rows = [r for r in rows if r["section"] == "edit"]
    if not rows:
        return []
    cases = list(dict.fromkeys(r["case"] for r in rows))
    median = {c: statistics.median(r["seconds"] for r in rows if r["case"] == c) for c in cases}
    force = median.get("run --force")
    runs = max(int(r["repeat"]) for r in rows)
    lines = [f"Edit loop in a temporary copy, median of {runs} run(s) (each edit measured from a "
             "fully cached state, then restored):", "",
             "| edit | median s | share of `run --force` | notebooks re-run | longest notebook s "
             "| notebooks using the file |", "| --- | ---: | ---: | --- | ---: | --- |"]
    for case in cases:
        last = parse_note([r for r in rows if r["case"] == case][-1]["note"])
        share = f"{median[case] / force:.2f}" if force else ""
        ran = last.get("re-ran", [])
        uses = ", ".join(last["uses"]) if "uses" in last else ""
        longest = (last.get("longest") or [""])[0]
        lines.append(f"| {case} | {median[case]:.1f} | {share} | {len(ran)}: "
                     f"{', '.join(ran) or 'none'} | {longest} | {uses} |")
    return lines + [""]
