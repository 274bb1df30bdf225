"""The notebook pipeline: one command from a cohort's raw data to its rendered findings.

:func:`run` executes the notebooks declared in ``notebooks/pipeline.yaml`` with papermill, in the
order their reads and writes imply, independent notebooks in parallel, and re-runs only what
changed. Per cohort it writes to ``reports/<cohort>/``:

=================================  ==========================================================
``<name>.ipynb``, ``<name>.html``  executed notebook (sanitised) and its HTML, last success
``<name>.failed.ipynb``            partially executed notebook of a failed run
``findings.html``                  the findings notebook rendered with hidden input
``key_numbers.json``               merged key-number fragments (:mod:`analysis.report.keynumbers`)
``.pipeline-state.json``           what each notebook last ran with and wrote
                                   (:mod:`analysis.pipeline.state`)
``.run.lock``                      held while a run works on the cohort
                                   (:mod:`analysis.pipeline.lock`)
``.aside/<name>/``                 earlier outputs of a running notebook
                                   (:mod:`analysis.pipeline.outputs`)
=================================  ==========================================================

Before any kernel starts, the parameters are checked against their rules
(:mod:`analysis.pipeline.params`) and the cohort is validated (``validate:`` of
``pipeline.yaml``); what each notebook uses of the package is found by
:mod:`analysis.pipeline.deps`; kernels of the next notebooks start ahead
(:mod:`analysis.pipeline.warm`).

The definition schema and the dependency rule are in :mod:`analysis.pipeline.spec`, the
caching rule in :mod:`analysis.pipeline.state`, what is stripped from stored notebooks in
:mod:`analysis.pipeline.sanitize`. Parameters passed to every notebook's ``parameters`` cell:
``cohort``, ``raw_root`` (``None`` for the default ``data/raw``, else relative to the project
root when inside it) and the analysis parameters of ``pipeline.yaml`` with ``--params`` on top
(:func:`analysis.pipeline.spec.merge_parameters`). Kernels start in the project root with
:data:`KERNEL_ENVIRONMENT` set.

A run with nothing to do reads only small files and file metadata: papermill, nbformat,
nbconvert, pandas and matplotlib are imported only when a notebook runs.

The published set is not made by the notebooks: it is rendered by the publish stage
(:mod:`analysis.publish.render`) into ``reports/<cohort>/publicatie/``, at the end of a run
whose parameters say ``publication: true`` (``publish:`` section of ``pipeline.yaml``) or with
``python -m analysis publish``. A run that executed a notebook and does not publish removes the
published folder of an earlier run (and its zip), so no published set of other numbers is left
beside the new run. :func:`last_run_problems` says why a run cannot be published (a notebook
never ran, failed, or is stale against the raw data, the code or the parameters it ran with);
:func:`execute_findings` executes the findings notebook into another folder (the publish stage
runs it with the published set); :func:`run_fingerprint` identifies the run a published set was
made from.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from analysis import paths
from analysis.errors import CompendiumError, ConfigError
from analysis.pipeline.outputs import OutputFolderError, describe_os_error, recover, set_aside
from analysis.pipeline.spec import (
    PUBLISH_SECTION,
    Pipeline,
    load_pipeline,
    merge_parameters,
    patterns_overlap,
    resolve_only,
)
from analysis.pipeline.state import (
    STATE_FILE,
    FileHashes,
    Fingerprint,
    State,
    code_hash,
    input_hashes,
    missing_outputs,
    parameters_hash,
)
from analysis.report import history, keynumbers

__all__ = ["run", "plan", "status", "load_pipeline", "patterns_overlap", "KERNEL_ENVIRONMENT",
           "last_run_problems", "run_fingerprint", "execute_findings"]

KERNEL_ENVIRONMENT: dict[str, str] = {
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
"""Environment of the notebook kernels: headless, deterministic matplotlib and hashing; no
debugger warning. Kernels start in the project root, so they import that project's ``analysis``
package. With ``Agg`` a notebook shows figures inline only after ``%matplotlib inline``
(or by displaying the saved image)."""

NOTEBOOK_VARIABLE = "COMPENDIUM_NOTEBOOK"
"""Set in each kernel's environment to the notebook's name, so that a process monitor (the
benchmark, :mod:`benchmarks.bench`) can tell which kernel runs which notebook."""
NOTEBOOK_FILE_VARIABLE = "COMPENDIUM_NOTEBOOK_FILE"
"""Set in each kernel's environment to the source notebook's path, so that figure captions and
key numbers name the cell by its position in that file
(:func:`analysis.report.provenance.current_cell`)."""

EXIT_OK, EXIT_FAILED = 0, 1


@dataclass
class _Run:
    """Resolved settings of one run (all paths absolute)."""

    cohort: str
    root: Path
    notebooks_dir: Path
    pipeline: Pipeline
    places: dict[str, Path]
    raw_root: str | None
    parameters: dict[str, dict]
    say: Callable[[str], None]
    executed: list[str] = field(default_factory=list)
    warm: bool = True
    pool: Any = None

    @property
    def reports(self) -> Path:
        return self.places["{reports}"]

    def shown(self, path: Path) -> str:
        """``path`` relative to the project root, or ``.../parent/name`` outside it."""
        for candidate in (Path(path), Path(path).resolve()):
            try:
                return candidate.relative_to(self.root).as_posix()
            except ValueError:
                continue
        return ".../" + "/".join(Path(path).parts[-2:])

    def notebook_parameters(self, name: str) -> dict[str, Any]:
        return {"cohort": self.cohort, "raw_root": self.raw_root, **self.parameters[name]}


def run(
    cohort: str = paths.DEFAULT_COHORT,
    *,
    raw_root: str | os.PathLike | None = None,
    params_file: str | os.PathLike | None = None,
    force: bool = False,
    only: str | Iterable[str] | None = None,
    jobs: int | None = None,
    update_notebooks: bool = False,
    wait: bool = False,
    dry_run: bool = False,
    warm_kernels: bool = True,
    kernel_pool: Any = None,
    notebooks_dir: str | os.PathLike = paths.NOTEBOOKS,
    root: str | os.PathLike = paths.ROOT,
    out: Callable[[str], Any] = print,
) -> int:
    """Execute the notebooks of ``cohort`` that are out of date; render and merge the results.

    Parameters
    ----------
    cohort : str
        A folder in ``raw_root`` (default ``data/raw``).
    raw_root : path-like, optional
        Folder holding ``<cohort>/``; relative paths are relative to the working directory.
    params_file : path-like, optional
        YAML with analysis parameters overriding the defaults of ``pipeline.yaml``.
    force : bool
        Re-run every (selected) notebook, up to date or not.
    only : str or list of str, optional
        Run only these notebooks (name, file name or number) and the stale ones they need.
        The named notebooks always run.
    jobs : int, optional
        Notebooks executed at once when independent (default: cores, at most 2).
    update_notebooks : bool
        After success, copy executed notebooks back into ``notebooks_dir`` (bundled cohort only).
    wait : bool
        When another run of ``cohort`` holds its lock, wait for it instead of refusing.
    dry_run : bool
        Print the plan (as :func:`status`) and stop: nothing is validated, run or written.
    warm_kernels : bool
        Start the next notebooks' kernels ahead and import what they use
        (:mod:`analysis.pipeline.warm`); false: each kernel starts when its notebook does.
    kernel_pool : analysis.pipeline.pool.KernelPool, optional
        Run each notebook in a kernel of this pool that ran the same notebook before (for
        another cohort), cleared, instead of a new kernel (:mod:`analysis.pipeline.pool`): for
        processes that run many cohorts (test matrices, benchmarks). Default: a new kernel per
        notebook, as ``python -m analysis run``.
    notebooks_dir, root : path-like
        Folder with ``pipeline.yaml`` and the notebooks; project root (injectable for tests).
    out : callable
        Receives each progress line.

    Returns
    -------
    int
        0 when every notebook succeeded or was up to date, 1 when one failed.

    Raises
    ------
    CompendiumError
        Unknown cohort, missing parameters file or notebook, bad ``pipeline.yaml``, bad
        ``--only``/``--jobs``, ``--update-notebooks`` for another cohort, conflicting key numbers,
        a parameter breaking its rule, raw data failing validation (all before any kernel
        starts and before anything is written), another run of the cohort in progress
        (:class:`~analysis.pipeline.lock.CohortBusy`), an output folder that cannot be written.
    """
    started = time.perf_counter()
    say = _sayer(out)
    ctx = _prepare(cohort, raw_root, params_file, Path(notebooks_dir), Path(root), say)
    ctx.warm = warm_kernels
    ctx.pool = kernel_pool
    targets = resolve_only(ctx.pipeline, only) if only else []
    selected = ctx.pipeline.with_upstream(targets) if targets else set(ctx.pipeline.names)
    _check_notebooks(ctx, selected)
    if update_notebooks:
        _check_bundled(ctx, raw_root)
    workers = _workers(jobs)
    planned = _signature(ctx.reports / STATE_FILE)
    state = State.load(ctx.reports / STATE_FILE)
    hashes = FileHashes(state.files)
    reasons = _plan(ctx, selected, set(targets), state, hashes, force)
    if dry_run:
        from analysis.pipeline.status import describe_plan

        for line in describe_plan(ctx.cohort, ctx.reports, reasons):
            say(line)
        return EXIT_OK
    validated = any(reasons.values()) and _validate_cohort(ctx)
    with _locked(ctx, wait):
        recovered = recover(ctx.reports, {s.name: s.writes for s in ctx.pipeline.notebooks},
                            ctx.places)
        if recovered:
            say(f"recovered from an interrupted run: earlier outputs of "
                f"{', '.join(recovered)} put back")
        if recovered or _signature(ctx.reports / STATE_FILE) != planned:
            state = State.load(ctx.reports / STATE_FILE)  # another run finished meanwhile
            hashes = FileHashes(state.files)
            reasons = _plan(ctx, selected, set(targets), state, hashes, force)
        to_run = [n for n in ctx.pipeline.names if reasons.get(n)]
        if to_run and not validated:
            _validate_cohort(ctx)
        say(f"pipeline {cohort}: {len(reasons)} notebooks, {len(to_run)} to run, "
            f"{len(reasons) - len(to_run)} up to date" + (f" (jobs {workers})" if to_run else ""))
        for name in (n for n in ctx.pipeline.names if n in reasons and not reasons[n]):
            say(f"[{name}] cached")
        ok = _execute_all(ctx, to_run, reasons, state, hashes, workers)
        if not ok:
            return EXIT_FAILED
        if not targets:  # forget notebooks no longer in pipeline.yaml
            state.notebooks = {n: v for n, v in state.notebooks.items() if n in reasons}
        state.save(hashes, keep_unseen=bool(targets))
        return _finish(ctx, selected, to_run, reasons, update_notebooks, started)


def _finish(ctx: _Run, selected: set[str], to_run: list[str], reasons: dict,
            update_notebooks: bool, started: float) -> int:
    """Merge the key numbers, copy notebooks back on request, print the closing lines."""
    say, cohort = ctx.say, ctx.cohort
    merged = keynumbers.merge(cohort, root=ctx.root)
    say(f"key numbers: {ctx.shown(merged)}")
    if update_notebooks:
        _update_notebooks(ctx, selected)
    if ctx.executed:  # key numbers, commit, dirty flag and parameters in reports/<cohort>/history/
        analysed = {n: p for n, p in ctx.parameters.items() if n in ctx.pipeline.names}
        history.record_run(cohort, analysed, root=ctx.root, raw_dir=ctx.places["{raw}"])
    findings = ctx.reports / "findings.html"
    say(f"finished in {time.perf_counter() - started:.1f} s: {len(ctx.executed)} run, "
        f"{len(reasons) - len(ctx.executed)} cached")
    try:
        published = _publication(ctx)
    finally:
        if findings.is_file():
            say(f"findings: {ctx.shown(findings)}")
            index = ctx.reports / "index.html"
            if ctx.executed or published or not index.is_file():  # a no-op run stays light
                index = _build_site(ctx)
            say(f"site: {ctx.shown(index)}")
    return EXIT_OK


def _publication(ctx: _Run) -> bool:
    """Render the published set when the parameters ask for it (``publication: true``), else
    remove a published set that an earlier run left (it would show other numbers). True when
    the published folder changed."""
    settings = ctx.parameters.get(PUBLISH_SECTION, {})
    if not settings.get("publication") and not ctx.executed:
        return False  # nothing ran, nothing to remove: a no-op run does not import pandas
    from analysis.publish import render

    if not settings.get("publication"):
        if ctx.executed and render.remove_published(ctx.cohort, root=ctx.root):
            ctx.say(f"removed the published set of an earlier run "
                    f"({ctx.shown(render.published_dir(ctx.cohort, root=ctx.root))}): make it "
                    f"again with 'python -m analysis publish --cohort {ctx.cohort}'")
            return True
        return False
    threshold = int(settings.get("small_count_threshold") or render.DEFAULT_THRESHOLD)
    raw_base = ctx.places["{raw}"].parent
    if not ctx.executed and render.is_current(ctx.cohort, threshold, raw_root=raw_base,
                                              root=ctx.root):
        ctx.say(f"published set: {ctx.shown(render.published_dir(ctx.cohort, root=ctx.root))} "
                f"(up to date, threshold {threshold})")
        return False
    result = render.publish(ctx.cohort, threshold=threshold, raw_root=raw_base,
                            root=ctx.root, notebooks_dir=ctx.notebooks_dir, say=ctx.say,
                            locked=False)
    ctx.say(f"published set: {ctx.shown(result.folder)} (threshold {threshold})")
    return True


def last_run_problems(
    cohort: str = paths.DEFAULT_COHORT, *, raw_root: str | os.PathLike | None = None,
    notebooks_dir: str | os.PathLike = paths.NOTEBOOKS, root: str | os.PathLike = paths.ROOT,
) -> list[str]:
    """Why the last run of ``cohort`` cannot be published: one line per notebook of
    ``pipeline.yaml`` that never ran, failed in its last run, or would run again now (its raw
    data, inputs, code, package or environment changed since). Each notebook is compared with
    the parameters it last ran with, so a run made with ``--params`` is current. Empty: every
    notebook is up to date. Reads only."""
    ctx = _prepare(cohort, raw_root, None, Path(notebooks_dir), Path(root), lambda _: None)
    state = State.load(ctx.reports / STATE_FILE)
    for name in ctx.pipeline.names:
        used = (state.notebooks.get(name) or {}).get("values") or {}
        declared = ctx.parameters[name]
        ctx.parameters[name] = {k: used.get(k, v) for k, v in declared.items()}
    reasons = _plan(ctx, set(ctx.pipeline.names), set(), state, FileHashes(state.files), False)
    problems = []
    for name, why in reasons.items():
        if not why:
            continue
        if (ctx.reports / f"{name}.failed.ipynb").is_file() and name not in state.notebooks:
            why = ["failed in its last run"]
        problems.append(f"{name}: {'; '.join(why)}")
    return problems


def run_fingerprint(cohort: str = paths.DEFAULT_COHORT, *,
                    root: str | os.PathLike | None = None) -> str:
    """SHA-256 identifying the cohort's current run: what every notebook last ran with and
    wrote (``.pipeline-state.json``, without its hash cache) and the merged key numbers. A
    published set records it; another run gives another fingerprint."""
    import hashlib
    import json

    reports = (paths.reports_dir(cohort) if root is None or Path(root) == paths.ROOT
               else Path(root) / "reports" / cohort)
    state = State.load(reports / STATE_FILE)
    numbers = reports / "key_numbers.json"
    text = json.dumps({"notebooks": state.notebooks,
                       "key_numbers": numbers.read_text(encoding="utf-8")
                       if numbers.is_file() else None}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def execute_findings(
    cohort: str, *, out_dir: Path, extra: dict[str, Any], raw_root: str | os.PathLike | None = None,
    notebooks_dir: str | os.PathLike = paths.NOTEBOOKS, root: str | os.PathLike = paths.ROOT,
    say: Callable[[str], Any] = lambda _: None,
) -> Path:
    """Execute the findings notebook (``findings: true`` in ``pipeline.yaml``) of ``cohort``
    with ``extra`` parameters on top of its own, into ``out_dir`` (not ``reports/<cohort>/``);
    returns the rendered ``out_dir/findings.html``. Nothing of the run's state or outputs is
    touched.

    Raises
    ------
    CompendiumError
        When the notebook fails (the message names the cell and the error).
    """
    from dataclasses import replace

    from analysis.pipeline import execute

    ctx = _prepare(cohort, raw_root, None, Path(notebooks_dir), Path(root), _sayer(say))
    names = [n for n in ctx.pipeline.names if ctx.pipeline.get(n).findings]
    if not names:
        raise ConfigError(f"{ctx.pipeline.source} marks no notebook 'findings: true'; the "
                          "published document is rendered from that notebook")
    job = _job(ctx, names[0])
    job = replace(job, reports=Path(out_dir), parameters={**job.parameters, **extra},
                  code_page=False)
    execute.import_executor()
    outcome = execute.execute(job)
    if not outcome.ok:
        raise CompendiumError(f"the findings notebook failed while rendering the published "
                              f"document: {'; '.join(outcome.problem)}")
    return Path(out_dir) / "findings.html"


def _validate_cohort(ctx: _Run) -> bool:
    """Run the pipeline's cohort check (``validate:`` of ``pipeline.yaml``) on the raw folder.

    Raises
    ------
    DataError
        When the check reports errors (the message is its report); nothing has been written.
    """
    if not ctx.pipeline.validate:
        return True
    import importlib

    from analysis.errors import DataError

    module, _, function = ctx.pipeline.validate.partition(":")
    check = getattr(importlib.import_module(module), function)
    report = check(ctx.places["{raw}"])
    if getattr(report, "errors", None):
        raise DataError(f"cohort {ctx.cohort} does not pass validation; nothing was run or "
                        f"written:\n{report.format()}", list(report.errors))
    return True


def _locked(ctx: _Run, wait: bool) -> Any:
    """The cohort's lock (:mod:`analysis.pipeline.lock`); an unwritable folder is named."""
    from contextlib import contextmanager

    from analysis.pipeline.lock import LOCK_FILE, CohortLock

    @contextmanager
    def held():
        lock = CohortLock(ctx.reports, ctx.cohort, shown=ctx.shown(ctx.reports / LOCK_FILE),
                          wait=wait, say=ctx.say)
        try:
            lock.acquire()
        except OSError as error:
            raise OutputFolderError(describe_os_error(error, ctx.shown)) from None
        try:
            yield lock
        finally:
            lock.release()

    return held()


def _build_site(ctx: _Run) -> Path:
    """The findings site (:mod:`analysis.report.site`) around this run's pages."""
    from analysis.report import site

    pages = [site.NotebookPage(name, f"{name[:2]} {ctx.pipeline.get(name).title['nl']}")
             for name in ctx.pipeline.names]
    return site.build_site(ctx.cohort, notebooks=pages, root=ctx.root)


def plan(
    cohort: str = paths.DEFAULT_COHORT,
    *,
    raw_root: str | os.PathLike | None = None,
    params_file: str | os.PathLike | None = None,
    force: bool = False,
    only: str | Iterable[str] | None = None,
    notebooks_dir: str | os.PathLike = paths.NOTEBOOKS,
    root: str | os.PathLike = paths.ROOT,
) -> dict[str, list[str]]:
    """What :func:`run` would do, without running: notebook name -> reasons to run.

    An empty list means up to date ("cached"). Only selected notebooks appear, in run order.
    """
    ctx = _prepare(cohort, raw_root, params_file, Path(notebooks_dir), Path(root), lambda _: None)
    targets = resolve_only(ctx.pipeline, only) if only else []
    selected = ctx.pipeline.with_upstream(targets) if targets else set(ctx.pipeline.names)
    _check_notebooks(ctx, selected)
    state = State.load(ctx.reports / STATE_FILE)
    return _plan(ctx, selected, set(targets), state, FileHashes(state.files), force)


def status(
    cohort: str = paths.DEFAULT_COHORT,
    *,
    raw_root: str | os.PathLike | None = None,
    params_file: str | os.PathLike | None = None,
    notebooks_dir: str | os.PathLike = paths.NOTEBOOKS,
    root: str | os.PathLike = paths.ROOT,
) -> list[str]:
    """Lines saying, per notebook, whether it is cached or stale and why, in words.

    Reads only; never starts a kernel, takes the lock or writes. The reasons name the input
    file that changed, the parameter (old and new value), the package module or data file, the
    library whose installed version changed, the upstream notebook that will run first, or the
    missing output. ``run --dry-run`` prints the same.
    """
    ctx = _prepare(cohort, raw_root, params_file, Path(notebooks_dir), Path(root), lambda _: None)
    _check_notebooks(ctx, set(ctx.pipeline.names))
    state = State.load(ctx.reports / STATE_FILE)
    reasons = _plan(ctx, set(ctx.pipeline.names), set(), state, FileHashes(state.files), False)
    from analysis.pipeline.status import describe_plan

    return describe_plan(ctx.cohort, ctx.reports, reasons)


def _prepare(cohort: str, raw_root: Any, params_file: Any, notebooks_dir: Path, root: Path,
             say: Callable[[str], None]) -> _Run:
    """Check the arguments and resolve every path of the run."""
    root = root.resolve()
    notebooks_dir = notebooks_dir.resolve()
    if not cohort or "/" in cohort or "\\" in cohort or cohort.startswith("."):
        raise ConfigError(f"cohort {cohort!r} is not a folder name; expected e.g. "
                          f"{paths.DEFAULT_COHORT}")
    raw_base = Path(raw_root).expanduser().resolve() if raw_root is not None else root / "data/raw"
    raw_dir = raw_base / cohort
    if not raw_dir.is_dir():
        raise CompendiumError(_unknown_cohort(cohort, raw_base, root))
    pipeline_file = notebooks_dir / "pipeline.yaml"
    pipeline = load_pipeline(pipeline_file, shown=_relative(pipeline_file, root))
    overrides = _read_params(params_file, root)
    shown_params = _relative(Path(params_file), root) if params_file is not None else ""
    parameters = merge_parameters(pipeline, overrides, shown_params)
    _check_parameters(pipeline, parameters, shown_params)
    places = {"{raw}": raw_dir}
    for key, path in (("{processed}", paths.processed_dir(cohort)),
                      ("{figures}", paths.figures_dir(cohort)),
                      ("{reports}", paths.reports_dir(cohort))):
        places[key] = root / path.relative_to(paths.ROOT)
    return _Run(cohort, root, notebooks_dir, pipeline, places,
                _raw_root_parameter(raw_base, root), parameters, say)


def _raw_root_parameter(raw_base: Path, root: Path) -> str | None:
    """``None`` for ``<root>/data/raw``; relative to ``root`` inside it; absolute otherwise."""
    if raw_base == root / "data/raw":
        return None
    try:
        return raw_base.relative_to(root).as_posix()
    except ValueError:
        return raw_base.as_posix()


def _unknown_cohort(cohort: str, raw_base: Path, root: Path) -> str:
    known = sorted(p.name for p in raw_base.iterdir() if p.is_dir() and not
                   p.name.startswith(".")) if raw_base.is_dir() else []
    return (f"cohort {cohort!r} not found: {_relative(raw_base / cohort, root)} does not exist "
            f"(cohorts there: {', '.join(known) or 'none'}); create it with "
            f"'python -m analysis new-cohort {cohort}' or pass --raw-dir")


def _read_params(params_file: Any, root: Path) -> dict:
    if params_file is None:
        return {}
    from analysis.pipeline.params import load_yaml

    path = Path(params_file)
    shown = _relative(path, root)
    if not path.is_file():
        raise CompendiumError(f"parameters file {shown} does not exist; expected a YAML file "
                              "with analysis parameters (see notebooks/pipeline.yaml)")
    data = load_yaml(path, f"parameters file {shown}")
    return {} if data is None else data


def _check_parameters(pipeline: Pipeline, parameters: dict[str, dict], shown: str) -> None:
    """Every notebook's parameters against its rules (before any kernel starts)."""
    from analysis.pipeline.params import check_values

    for spec in pipeline.notebooks:
        if spec.rules:
            where = (f"parameters file {shown}, notebook {spec.name}" if shown
                     else f"{pipeline.source}, notebook {spec.name}")
            check_values(parameters[spec.name], spec.rules, where)
    if pipeline.publish_rules:
        where = (f"parameters file {shown}, {PUBLISH_SECTION}" if shown
                 else f"{pipeline.source}, {PUBLISH_SECTION}")
        check_values(parameters[PUBLISH_SECTION], pipeline.publish_rules, where)


def _check_notebooks(ctx: _Run, selected: set[str]) -> None:
    """Refuse missing or unreadable notebook files among ``selected``."""
    missing = [s.file for s in ctx.pipeline.notebooks
               if s.name in selected and not (ctx.notebooks_dir / s.file).is_file()]
    if missing:
        what = (f"notebook {missing[0]} listed in {ctx.pipeline.source} does not exist"
                if len(missing) == 1 else
                f"notebooks {', '.join(missing)} listed in {ctx.pipeline.source} do not exist")
        raise ConfigError(f"{what} (looked in {_relative(ctx.notebooks_dir, ctx.root)}/); "
                          "write it or leave it out of the run with --only")
    for spec in (s for s in ctx.pipeline.notebooks if s.name in selected):
        code_hash(ctx.notebooks_dir / spec.file)  # a broken file is refused before anything runs


def _check_bundled(ctx: _Run, raw_root: Any) -> None:
    if ctx.cohort != paths.DEFAULT_COHORT or ctx.raw_root is not None:
        raise ConfigError(
            f"--update-notebooks copies results into the committed notebooks, so it works only "
            f"for the bundled cohort {paths.DEFAULT_COHORT} in data/raw; got cohort "
            f"{ctx.cohort!r}" + (" with --raw-dir" if raw_root is not None else "")
        )


def _workers(jobs: int | None) -> int:
    if jobs is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return max(1, min(2, cores or os.cpu_count() or 1))
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ConfigError(f"--jobs must be a whole number of at least 1, got {jobs!r}")
    return jobs


def _signature(file: Path) -> tuple[int, int] | None:
    """Size and modification time of the state file (None when absent): the plan made before
    the lock is taken holds inside it when these are unchanged (no other run finished)."""
    try:
        found = file.stat()
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns


def _package(ctx: _Run, state: State, hashes: FileHashes) -> Any:
    """The ``analysis`` package under the project root, for :func:`_fingerprint`."""
    from analysis.pipeline.deps import Package

    return Package(ctx.root / "analysis", hashes, state.modules)


def _fingerprint(ctx: _Run, name: str, hashes: FileHashes, package: Any,
                 state: State) -> Fingerprint:
    from analysis.pipeline.deps import environment, notebook_source

    spec = ctx.pipeline.get(name)
    source = ctx.notebooks_dir / spec.file
    usage = package.usage(notebook_source(source))
    values = ctx.notebook_parameters(name)
    return Fingerprint(
        code=code_hash(source),
        parameters=parameters_hash(values),
        inputs=input_hashes(spec.reads, ctx.places, hashes),
        modules=usage.modules, data=usage.data,
        environment=environment(usage.imports, state.environment),
        values=_shown_values(ctx, values),
    )


def _shown_values(ctx: _Run, values: dict[str, Any]) -> dict[str, Any]:
    """Parameters as stored in the state (for messages): a raw folder outside the project is
    shown as ``.../parent/name``, never as a machine path (the hash holds the full value)."""
    raw_root = values.get("raw_root")
    if isinstance(raw_root, str) and Path(raw_root).is_absolute():
        values = {**values, "raw_root": ctx.shown(Path(raw_root))}
    return values


def _expected_reports(ctx: _Run, name: str) -> list[Path]:
    files = [ctx.reports / f"{name}.ipynb", ctx.reports / f"{name}.html"]
    return files + ([ctx.reports / "findings.html"] if ctx.pipeline.get(name).findings else [])


def _missing(ctx: _Run, name: str, state: State) -> list:
    """Outputs of ``name`` that are missing now: its reports, and each ``writes`` pattern that
    matched a file when it last succeeded (a pattern that matched nothing then, such as the
    tables of a follow-up a one-family cohort cannot plan, is not missing now)."""
    import fnmatch

    spec = ctx.pipeline.get(name)
    missing = missing_outputs(spec.writes, ctx.places, _expected_reports(ctx, name))
    recorded = (state.notebooks.get(name) or {}).get("outputs")
    if recorded is None:
        return missing
    return [m for m in missing if m not in spec.writes
            or any(fnmatch.fnmatchcase(key, m) for key in recorded)]


def _plan(ctx: _Run, selected: set[str], targets: set[str], state: State, hashes: FileHashes,
          force: bool) -> dict[str, list[str]]:
    """Name -> reasons to run (empty: up to date), for the selected notebooks in run order."""
    package = _package(ctx, state, hashes)
    reasons: dict[str, list[str]] = {}
    for name in (n for n in ctx.pipeline.names if n in selected):
        spec = ctx.pipeline.get(name)
        upstream = sorted(u for u in ctx.pipeline.upstream[name] if reasons.get(u))
        if force:
            reasons[name] = ["forced"]
        elif upstream:
            reasons[name] = [f"after {', '.join(upstream)}"]
        else:
            found = _fingerprint(ctx, name, hashes, package, state).changes(
                state.notebooks.get(name))
            missing = _missing(ctx, name, state)
            if missing:
                found.append(f"outputs missing: {missing[0]}")
            reasons[name] = found
        if name in targets and (not reasons[name] or _only_after(reasons[name])):
            reasons[name] = reasons[name] + ["requested with --only"]
    return reasons


def _execute_all(ctx: _Run, to_run: list[str], reasons: dict, state: State,
                 hashes: FileHashes, workers: int) -> bool:
    """Run ``to_run`` respecting the DAG, ``workers`` at once; False when one failed.

    The kernels of the next ``workers`` notebooks in line are started ahead, with what their
    notebooks import imported (:mod:`analysis.pipeline.warm`), while earlier ones run.
    """
    if not to_run:
        return True
    from concurrent.futures import FIRST_COMPLETED, wait

    from analysis.pipeline import execute

    execute.import_executor()  # here, before any thread imports: imports are not thread-safe
    threading.Thread(target=execute.warm_renderer, daemon=True).start()
    package = _package(ctx, state, hashes)
    order = _by_critical_path(ctx.pipeline, to_run) if workers > 1 else list(to_run)
    pending, done, running, failed = order, set(), {}, []
    kernels: dict[str, Any] = {}
    try:
        while pending or running:
            _start_ready(ctx, pending, done, running, failed, workers, set(to_run),
                         lambda name: _start(ctx, name, reasons, state, hashes, package,
                                             kernels, execute))
            _prestart(ctx, pending, kernels, workers, package, failed)
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name, fingerprint, aside = running.pop(future)
                outcome = future.result()
                if outcome.ok:
                    aside.discard()
                else:
                    aside.restore()
                if _record(ctx, outcome, fingerprint, state, hashes):
                    done.add(name)
                    ctx.executed.append(name)
                else:
                    failed.append(name)
    finally:
        for kernel in kernels.values():
            kernel.cancel()
        for kernel in kernels.values():
            kernel.join(timeout=30)
    if failed:
        skipped = [n for n in to_run if n not in done and n not in failed]
        ctx.say(f"pipeline stopped: {', '.join(failed)} failed"
                + (f"; not run: {', '.join(skipped)}" if skipped else ""))
    return not failed


def _start_ready(ctx: _Run, pending: list[str], done: set[str], running: dict,
                 failed: list[str], workers: int, to_run: set[str], start: Callable) -> None:
    """Start (or settle as cached) every pending notebook whose upstream is done, while
    workers are free; repeat until nothing more can start."""
    progressed = True
    while progressed and not failed:
        progressed = False
        for name in list(pending):
            blocked = ctx.pipeline.upstream[name] & (to_run - done)
            if failed or len(running) >= workers or blocked:
                continue
            pending.remove(name)
            progressed = True
            outcome = start(name)
            if outcome == "cached":
                done.add(name)
            elif outcome == "failed":
                failed.append(name)
            else:
                running[outcome[0]] = outcome[1:]


def _start(ctx: _Run, name: str, reasons: dict, state: State, hashes: FileHashes,
           package: Any, kernels: dict, execute: Any) -> Any:
    """Settle ``name`` as cached, or set its earlier outputs aside and start it (in its warm
    kernel when one was started ahead).

    Returns ``"cached"``, ``"failed"`` (outputs could not be set aside) or
    ``(future, name, fingerprint, aside)``.
    """
    fingerprint = _fingerprint(ctx, name, hashes, package, state)
    if _only_after(reasons[name]) and not _stale(ctx, name, fingerprint, state):
        ctx.say(f"[{name}] cached (what it reads did not change)")
        kernel = kernels.pop(name, None)
        if kernel is not None:
            kernel.cancel()
        return "cached"
    ctx.say(f"[{name}] running... ({'; '.join(reasons[name])})")
    try:
        aside = set_aside(name, ctx.pipeline.get(name).writes, ctx.places, ctx.reports,
                          shown=ctx.shown)
    except OutputFolderError as error:
        _record(ctx, execute.Outcome(name, False, 0.0, [str(error)]), fingerprint, state, hashes)
        return "failed"
    kernel = kernels.pop(name, None) or _warm_kernel(ctx, name, package, warm=ctx.warm)
    return kernel.run(_job(ctx, name)), name, fingerprint, aside


def _prestart(ctx: _Run, pending: list[str], kernels: dict, workers: int, package: Any,
              failed: list[str]) -> None:
    """Start the kernels of the next ``workers`` pending notebooks (in start order) ahead."""
    if failed or not ctx.warm:
        return
    for name in pending[:workers]:
        if name not in kernels:
            kernels[name] = _warm_kernel(ctx, name, package)


def _warm_kernel(ctx: _Run, name: str, package: Any, *, warm: bool = True) -> Any:
    """A kernel for ``name``, started now, importing what the notebook imports (``warm``
    false: papermill starts the kernel when the notebook's turn comes, nothing imported)."""
    import json as _json

    from analysis.pipeline.deps import module_facts, notebook_source
    from analysis.pipeline.warm import WarmKernel

    spec = ctx.pipeline.get(name)
    source = ctx.notebooks_dir / spec.file
    cells = module_facts(notebook_source(source), "__notebook__", strip=False)
    # only what the notebook's own cells import (each imports what it needs at its top):
    # a module imported lazily inside a function may change global state (logging) when
    # imported, so it is imported when the notebook needs it, as in a fresh kernel
    modules = [m for m in cells.third_party if m not in sys.stdlib_module_names]
    modules += [m for m in cells.imports if package.module_file(m) is not None]
    try:
        kernelspec = _json.loads(source.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        kernel_name = kernelspec.get("name") or "python3"
    except (OSError, ValueError, KeyError, TypeError):
        kernel_name = "python3"
    if ctx.pool is not None:
        return ctx.pool.take(name, kernel_name, ctx.root, _kernel_env(ctx, name), modules)
    return WarmKernel(name, kernel_name, ctx.root, _kernel_env(ctx, name),
                      ctx.reports / f".{name}.kernel.log", modules, start=warm)


def _kernel_env(ctx: _Run, name: str) -> dict[str, str]:
    spec = ctx.pipeline.get(name)
    return {**KERNEL_ENVIRONMENT, NOTEBOOK_VARIABLE: name,
            NOTEBOOK_FILE_VARIABLE: str(ctx.notebooks_dir / spec.file)}


def _only_after(reasons: list[str]) -> bool:
    from analysis.pipeline.status import only_after

    return only_after(reasons)


def _stale(ctx: _Run, name: str, fingerprint: Fingerprint, state: State) -> bool:
    """Whether ``name`` must run now that its upstream notebooks ran: its fingerprint (inputs
    are content hashes of what they wrote) differs from the recorded one, or outputs are
    missing. Upstream notebooks whose outputs came out byte-identical re-run nothing below."""
    spec = ctx.pipeline.get(name)
    return bool(fingerprint.changes(state.notebooks.get(name))
                or _missing(ctx, name, state))


def _by_critical_path(pipeline: Pipeline, to_run: list[str]) -> list[str]:
    """``to_run`` ordered for starting: longest chain of notebooks still to follow it first.

    With fewer workers than ready notebooks, starting the one that most others wait for
    shortens the run (here 01 and 03, which 04 needs, before 02); ties keep the declared order.
    One worker runs the declared order.
    """
    chain: dict[str, int] = {}
    for name in reversed(pipeline.names):
        after = [chain[n] for n in pipeline.names if name in pipeline.upstream[n] and n in chain]
        chain[name] = 1 + max(after, default=0)
    return sorted(to_run, key=lambda n: (-chain[n], pipeline.names.index(n)))


def _job(ctx: _Run, name: str) -> Any:
    from analysis.pipeline.execute import Job
    from analysis.pipeline.sanitize import Scrubber

    spec = ctx.pipeline.get(name)
    raw_base = ctx.places["{raw}"].parent
    extra = {} if _inside(raw_base, ctx.root) else {raw_base.as_posix(): ctx.shown(raw_base)}
    if spec.findings:
        keynumbers.merge(ctx.cohort, root=ctx.root)
    return Job(
        name=name, source=ctx.notebooks_dir / spec.file,
        parameters=ctx.notebook_parameters(name), reports=ctx.reports, root=ctx.root,
        scrub=Scrubber(ctx.root, extra), findings=spec.findings,
        title=f"{spec.title['nl']} ({ctx.cohort})", say=ctx.say,
        env=_kernel_env(ctx, name),
        metadata={"cohort": ctx.cohort, "synthetic": _synthetic(ctx.places["{raw}"])},
    )


def _synthetic(raw_dir: Path) -> bool | None:
    """``synthetic`` of the cohort's ``cohort.yaml`` (None when absent or unreadable)."""
    import yaml

    try:
        config = yaml.safe_load((raw_dir / "cohort.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = config.get("synthetic") if isinstance(config, dict) else None
    return value if isinstance(value, bool) else None


def _record(ctx: _Run, outcome: Any, fingerprint: Fingerprint, state: State,
            hashes: FileHashes) -> bool:
    """Print the outcome; store the fingerprint on success, forget it on failure."""
    if outcome.ok:
        written = input_hashes(ctx.pipeline.get(outcome.name).writes, ctx.places, hashes)
        state.notebooks[outcome.name] = {**fingerprint.record(), "outputs": written}
        ctx.say(f"[{outcome.name}] done in {outcome.seconds:.1f} s")
    else:
        state.notebooks.pop(outcome.name, None)
        ctx.say(f"[{outcome.name}] FAILED after {outcome.seconds:.1f} s")
        for line in outcome.problem:
            ctx.say(f"[{outcome.name}]   {line}")
    state.save(hashes, keep_unseen=True)
    return outcome.ok


def _update_notebooks(ctx: _Run, selected: set[str]) -> None:
    """Copy executed outputs into the source notebooks (see :mod:`._pipeline_sanitize`)."""
    import nbformat

    from analysis.atomic import write_text_atomic
    from analysis.pipeline.sanitize import with_outputs
    from analysis.report.reproducibility import strip_volatile

    for spec in ctx.pipeline.notebooks:
        executed = ctx.reports / f"{spec.name}.ipynb"
        if spec.name not in selected or not executed.is_file():
            continue
        source_path = ctx.notebooks_dir / spec.file
        old = source_path.read_text(encoding="utf-8")
        updated = with_outputs(nbformat.reads(old, as_version=4),
                               nbformat.read(executed, as_version=4))
        if updated is None:
            ctx.say(f"[{spec.name}] not updated: {ctx.shown(source_path)} changed during the run")
            continue
        strip_volatile(updated)  # no commit or run-specific text in committed notebooks
        text = nbformat.writes(updated) + "\n"
        if text != old:
            write_text_atomic(source_path, text)
            ctx.say(f"[{spec.name}] updated {ctx.shown(source_path)}")


def _sayer(out: Callable[[str], Any]) -> Callable[[str], None]:
    """Thread-safe, line-at-a-time wrapper of ``out`` (``print`` is flushed)."""
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            if out is print:
                print(line, flush=True)
            else:
                out(line)

    return say


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return paths.display(path)
