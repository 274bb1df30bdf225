"""Executing one notebook with papermill and storing its results (imported only when needed).

One call of :func:`execute` runs in a worker thread: papermill starts a kernel (a separate
process) whose working directory is the project root, so many notebooks can run at once
without changing the runner's own working directory. The notebook is first written to a hidden
``reports/<cohort>/.<name>.running.ipynb``; only when it ran and its HTML pages rendered are
the sanitised notebook and the pages renamed to ``<name>.ipynb`` and ``<name>.html``, so a
failure never overwrites the last good output. A failed notebook is kept, sanitised, as
``<name>.failed.ipynb``.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from analysis.atomic import write_text_atomic
from analysis.pipeline.sanitize import (
    Scrubber,
    injected_index,
    sanitize_executed,
    source_position,
)

ENGINE_NAME = "compendium"
_RENDER_LOCK = threading.Lock()
_REGISTER_LOCK = threading.Lock()
_REGISTERED = False


@dataclass
class Job:
    """Everything a worker needs to execute one notebook.

    Attributes
    ----------
    name : str
        Notebook name (file stem).
    source : Path
        The notebook in ``notebooks/``.
    parameters : dict
        Passed to papermill (injected after the ``parameters`` cell).
    reports : Path
        ``reports/<cohort>/``.
    root : Path
        Project root: the kernels' working directory; paths are shown relative to it.
    scrub : Scrubber
        Removes machine paths from the stored notebook.
    findings : bool
        Also render ``findings.html`` with hidden input.
    title : str
        HTML title.
    env : dict
        Environment variables set for the kernel on top of the runner's.
    metadata : dict
        Stored as ``metadata.compendium`` of the executed notebook (``cohort``, ``synthetic``),
        which the HTML renderer reads for its synthetic-data banner.
    say : callable
        Receives progress lines (thread-safe).
    """

    name: str
    source: Path
    parameters: dict
    reports: Path
    root: Path
    scrub: Scrubber
    findings: bool
    title: str
    say: Callable[[str], None]
    env: dict
    metadata: dict
    progress: dict = field(default_factory=dict)
    """``{"cell": i, "line": first code line}`` of the cell that started last (for messages)."""
    code_page: bool = True
    """Also render ``<name>.html`` (the page with code); False: only ``findings.html`` (the
    publish stage, whose folder holds no notebook page)."""

    @property
    def output(self) -> Path:
        """The executed notebook of the last successful run."""
        return self.reports / f"{self.name}.ipynb"

    @property
    def failed(self) -> Path:
        """The partially executed notebook of a failed run."""
        return self.reports / f"{self.name}.failed.ipynb"


#: Seconds a kernel may take to answer its first message. A kernel that imports the package
#: starts in 2-5 s on a quiet machine; on a loaded 2-core CI runner 60 s (papermill's default)
#: was seen to run out, failing a run that would have succeeded. Override with
#: ``ANALYSIS_KERNEL_START_TIMEOUT`` (seconds).
KERNEL_START_TIMEOUT: float = float(os.environ.get("ANALYSIS_KERNEL_START_TIMEOUT", "300"))


@dataclass(frozen=True)
class Outcome:
    """Result of :func:`execute`: ``ok``, seconds taken and, on failure, the message lines."""

    name: str
    ok: bool
    seconds: float
    problem: list[str]


def execute(job: Job, kernel: tuple[Any, Any] | None = None) -> Outcome:
    """Run ``job`` with papermill; store outputs (success) or the failed notebook (failure).

    The kernel's own log (its process stderr: start-up and shutdown chatter, crash messages)
    goes to ``reports/<cohort>/.<name>.kernel.log``, kept only when the notebook fails.
    ``kernel`` is ``(kernel manager, open log)`` of a kernel started ahead
    (:mod:`analysis.pipeline.warm`); the caller shuts it down. Without it papermill starts one.
    """
    import contextlib

    import papermill

    _register_engine()
    job.reports.mkdir(parents=True, exist_ok=True)
    running = job.reports / f".{job.name}.running.ipynb"
    log = job.reports / f".{job.name}.kernel.log"
    start = time.perf_counter()
    km, given_log = kernel if kernel is not None else (None, None)

    def attempt(manager: Any) -> Any:
        with (contextlib.nullcontext(given_log) if manager is not None
              else open(log, "wb")) as stderr:
            extra = {"km": manager} if manager is not None else {}
            return papermill.execute_notebook(
                str(job.source), str(running), parameters=job.parameters,
                engine_name=ENGINE_NAME, progress_bar=False,
                resources={"metadata": {"path": str(job.root)}}, config=kernel_config(),
                cell_callback=_cell_reporter(job),
                kernel_kwargs={"env": {**os.environ, **job.env}, "stderr": stderr},
                start_timeout=KERNEL_START_TIMEOUT, **extra,
            )

    try:
        try:
            nb = attempt(km)
        except RuntimeError as error:
            if not kernel_died_at_start(error):
                raise
            job.say(f"[{job.name}] the kernel died while starting; starting another")
            # once, and with a kernel papermill starts: no cell had run (a port taken by
            # another process, a warm kernel that died while it waited); the caller still
            # shuts the dead warm kernel down
            nb = attempt(None)
    except Exception as error:  # noqa: BLE001 - every failure is reported, then the run stops
        problem = _failure(job, running, error)
        if log.is_file() and not log.stat().st_size:
            log.unlink()
        elif log.is_file():
            problem.append(f"kernel log: {_shown(log, job.root)}")
        return Outcome(job.name, False, time.perf_counter() - start, problem)
    finally:
        running.unlink(missing_ok=True)
    if km is None:
        log.unlink(missing_ok=True)  # a warm kernel's log is removed once it is closed
    try:
        _store_success(job, nb)
    except Exception as error:  # noqa: BLE001
        text = job.scrub.text(f"{type(error).__name__}: {error}").strip().splitlines()
        return Outcome(job.name, False, time.perf_counter() - start,
                       ["the notebook ran, but storing or rendering it failed:",
                        text[-1] if text else type(error).__name__])
    return Outcome(job.name, True, time.perf_counter() - start, [])


def _store_success(job: Job, nb: Any) -> None:
    """Sanitise and render into a hidden staging folder, then rename everything into place.

    The previous ``<name>.ipynb`` and HTML are replaced only once every page has rendered.
    """
    import nbformat

    _sanitize(job, nb, job.output)
    stage = job.reports / f".{job.name}.staging"
    stage.mkdir(parents=True, exist_ok=True)
    try:
        staged = stage / job.output.name
        write_text_atomic(staged, nbformat.writes(nb) + "\n")
        pages = ([(f"{job.name}.html", False)] if job.code_page or not job.findings else []) \
            + ([("findings.html", True)] if job.findings else [])
        for page, hide_input in pages:
            render(staged, stage / page, hide_input=hide_input, title=job.title,
                   image_dirs=(job.reports, job.root, job.source.parent))
        for page in [job.output.name] + [page for page, _ in pages]:
            os.replace(stage / page, job.reports / page)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    job.failed.unlink(missing_ok=True)


def kernel_died_at_start(error: BaseException) -> bool:
    """Whether ``error`` is jupyter_client's "Kernel died before replying to kernel_info": the
    kernel process ended before it ran anything (seen on a loaded machine, when two processes
    start kernels at once), so starting the notebook again repeats no work.

    >>> kernel_died_at_start(RuntimeError("Kernel died before replying to kernel_info"))
    True
    >>> kernel_died_at_start(RuntimeError("division by zero"))
    False
    """
    return isinstance(error, RuntimeError) and "Kernel died before replying to kernel_info" \
        in str(error)


def _failure(job: Job, running: Path, error: Exception) -> list[str]:
    """Keep the partial notebook as ``<name>.failed.ipynb``; message lines naming the cell."""
    import nbformat
    from papermill.exceptions import PapermillExecutionError

    lines = []
    nb = None
    if running.is_file():
        nb = nbformat.read(running, as_version=4)
        _sanitize(job, nb, job.failed)
        write_text_atomic(job.failed, nbformat.writes(nb) + "\n")
    if type(error).__name__ == "DeadKernelError":
        cell = job.progress.get("cell")
        where = f"cell {cell} of {_shown(job.source, job.root)}" if cell else "start-up"
        lines.append(f"the kernel died during {where}: it was killed (by the system when "
                     "memory ran out, or by a user) or crashed; earlier outputs were kept")
    else:
        if isinstance(error, PapermillExecutionError):
            position = source_position(nb, error.cell_index) if nb is not None else None
            where = f"cell {position}" if position else "the injected parameters cell"
            first = first_code_line(str(error.source))
            lines.append(f"{where} of {_shown(job.source, job.root)}: {first.strip()[:100]}")
            message = job.scrub.text(f"{error.ename}: {error.evalue}".strip())
        else:
            message = job.scrub.text(f"{type(error).__name__}: {error}".strip())
        lines.append(message.splitlines()[-1] if message else type(error).__name__)
    if job.failed.is_file():
        lines.append(f"partially executed notebook: {_shown(job.failed, job.root)}")
    return lines


def _sanitize(job: Job, nb: Any, output: Path) -> None:
    """Strip machine paths and timings; record the cohort in ``metadata.compendium``."""
    sanitize_executed(nb, job.scrub, input_path=_shown(job.source, job.root),
                      output_path=_shown(output, job.root))
    nb.metadata["compendium"] = dict(job.metadata)


def render(notebook: Path, html: Path, *, hide_input: bool, title: str,
           image_dirs: tuple[Path, ...] = ()) -> None:
    """Render ``notebook`` to ``html``.

    Uses ``analysis.report.pages.render_html`` when that module exists (passing ``title`` and
    ``image_dirs`` where it accepts them), else a minimal nbconvert HTML export.
    """
    with _RENDER_LOCK:
        if importlib.util.find_spec("analysis.report.pages") is None:
            _render_html(notebook, html, hide_input=hide_input, title=title)
            return
        from analysis.report.pages import render_html

        accepted = inspect.signature(render_html).parameters
        extra = {k: v for k, v in (("title", title), ("image_dirs", image_dirs)) if k in accepted}
        render_html(notebook, html, hide_input=hide_input, **extra)


UNUSED_FORMAT_CHECKERS = ("rfc3987_syntax",)
"""Optional modules of jsonschema's format checkers that the runner never uses. nbformat imports
jsonschema, whose ``_format`` module imports ``rfc3987_syntax`` when installed (it comes with
``jsonschema[format-nongpl]``, pulled in by the Jupyter server packages of the lock); that module
builds 38 lark grammars at import: 1-2 s of every run. Notebook validation passes no format
checker, so the ``iri`` formats it would check are never asked for."""


def skip_unused_format_checkers() -> None:
    """Make :data:`UNUSED_FORMAT_CHECKERS` unimportable in this process if nothing imported them
    yet (jsonschema then skips those checkers, as when the package is not installed).

    Only the runner's process calls this (kernels are left as they are).

    >>> import sys
    >>> skip_unused_format_checkers()
    >>> "rfc3987_syntax" in sys.modules
    True
    """
    import sys

    for name in UNUSED_FORMAT_CHECKERS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def import_executor() -> None:
    """Import papermill and the kernel machinery in the calling (main) thread.

    Worker threads and :func:`warm_renderer` then find them imported: two threads importing
    ``jupyter_client`` at once can meet its circular imports half-initialised.
    """
    skip_unused_format_checkers()
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import papermill  # noqa: F401
    from papermill import clientwrap, engines  # noqa: F401

    _register_engine()


def warm_renderer() -> None:
    """Import the HTML renderer and render one tiny page, so the first real page is fast.

    Meant for a background thread while the first kernel starts (about 1.5 s of imports and
    template compiling off the first notebook's time); failures are left to the real render.
    """
    try:
        with _RENDER_LOCK:
            import nbformat

            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
            if importlib.util.find_spec("analysis.report.pages") is None:
                from nbconvert import HTMLExporter

                HTMLExporter().from_notebook_node(nb)
            else:
                from analysis.report.pages import notebook_to_html

                notebook_to_html(nb, hide_input=False)
    except Exception:  # noqa: BLE001 - only a warm-up
        pass


def _render_html(notebook: Path, html: Path, *, hide_input: bool, title: str) -> None:
    """Fallback renderer: nbconvert's HTML exporter, input hidden on request."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter()
    exporter.exclude_input = hide_input
    exporter.exclude_input_prompt = hide_input
    exporter.exclude_output_prompt = hide_input
    body, _ = exporter.from_notebook_node(
        nbformat.read(notebook, as_version=4), resources={"metadata": {"name": title}}
    )
    write_text_atomic(html, body)


def first_code_line(source: str) -> str:
    """The first line of a cell that is code (not blank, not a comment such as nbval's
    ``# NBVAL_CHECK_OUTPUT`` marker); the first non-blank line when all are comments."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    code = [ln for ln in lines if not ln.startswith("#")]
    return (code or lines or [""])[0]


def _cell_reporter(job: Job) -> Callable[[Any, int, Any], None]:
    """Callback printing ``[name]   cell i/N: first line`` when a code cell starts.

    ``i`` counts every cell of the source notebook from 1 (papermill's injected cell is not
    counted); the parameters cell and empty cells are not announced.
    """

    def report(cell: Any, index: int, nb: Any) -> None:
        position = source_position(nb, index)
        source = "".join(cell.get("source", ""))
        tags = cell.get("metadata", {}).get("tags") or []
        if (position is None or cell.get("cell_type") != "code" or not source.strip()
                or "parameters" in tags):
            return
        total = len(nb.cells) - (0 if injected_index(nb) is None else 1)
        first = first_code_line(source)
        first = first if len(first) <= 70 else first[:67] + "..."
        job.progress.update(cell=position, line=first)
        job.say(f"[{job.name}]   cell {position}/{total}: {first}")

    return report


def _kernel_config() -> Any:
    """Alias of :func:`kernel_config` (the benchmark's kernel floor uses it)."""
    return kernel_config()


def kernel_config() -> Any:
    """Kernel-manager config: CurveZMQ transport encryption when available (no TCP warning)."""
    import zmq
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    if hasattr(KernelManager, "transport_encryption") and zmq.has("curve"):
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


def _register_engine() -> None:
    """Register papermill engine :data:`ENGINE_NAME`: nbclient, plus two additions.

    ``cell_callback(cell, index, nb)`` is called when a cell starts (progress lines), and
    ``kernel_kwargs`` are passed to the kernel launch (``env``, ``stderr``); the notebook is
    saved once when it ends, not at every cell. Otherwise the same as papermill's
    ``NBClientEngine.execute_managed_notebook``.
    """
    global _REGISTERED
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, logger, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class _ReportingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=KERNEL_START_TIMEOUT,
                                     execution_timeout=None, **kwargs):
            callback = kwargs.pop("cell_callback", None)
            kernel_kwargs = kwargs.pop("kernel_kwargs", None) or {}
            if callback is not None:
                started = nb_man.cell_start

                def cell_start(cell, cell_index=None, **kw):
                    callback(cell, cell_index, nb_man.nb)
                    return started(cell, cell_index, **kw)

                nb_man.cell_start = cell_start
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(
                kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
            )
            # papermill writes the whole notebook (figures included) to the running file when
            # each cell starts and ends: most of the runner's own time for a notebook with
            # figures, for a file nobody reads while it runs. It is written once at the end
            # instead (papermill's notebook_complete, also after a failure or a dead kernel).
            nb_man.save = lambda **_: None
            try:
                return PapermillNotebookClient(nb_man, **final).execute(**kernel_kwargs)
            finally:
                del nb_man.save  # papermill's own save again, for notebook_complete

    with _REGISTER_LOCK:
        if not _REGISTERED:
            papermill_engines.register(ENGINE_NAME, _ReportingEngine)
            _REGISTERED = True


def _shown(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (posix), or ``.../parent/name`` outside it."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return ".../" + "/".join(Path(path).parts[-2:])
