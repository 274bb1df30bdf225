"""Kernels kept for the next cohort: many runs in one process through a few kernels.

``python -m analysis run`` gives every notebook a kernel of its own, started for it and shut
down after it (:mod:`analysis.pipeline.warm`): a notebook's outputs never depend on what ran
before it. Starting a kernel and importing pandas, matplotlib, scipy, statsmodels and the
package costs 2-4 s, and ``02_qualitative`` loads deduce's lookup structures (1-2 s, 1 GB)
besides: for one cohort that is most of a run of the six notebooks.

A process that runs many cohorts (the test matrices of cohort shapes and publication states,
the benchmarks) can hand :func:`analysis.pipeline.runner.run` a :class:`KernelPool`. Each
notebook then runs in a kernel that ran the same notebook before, for another cohort, after
that kernel was cleared:

- the notebook's namespace is emptied (IPython's ``reset`` with a new history session: every
  name, the output history, the execution count back at 1), open matplotlib figures are closed, the calls noted by
  :mod:`analysis.origin` are forgotten, the working directory is the project root again and the
  kernel's environment variables are those of the new notebook;
- what stays is what a module keeps: imported modules, and the caches of what is read from
  the project's own files (definitions, deduce's structures: the same for every cohort).

A kernel that failed a notebook, or died, is shut down instead of kept. Kernels of another
kernel name or project root are never shared. :meth:`KernelPool.close` shuts every kernel
down; the pool is a context manager.

Each pooled kernel lives in one thread, which starts it, runs its notebooks one after another
and shuts it down: a kernel's asyncio objects stay in the event loop of the thread that made
them (as in :mod:`analysis.pipeline.warm`).
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any

RESET_CODE = """\
def _compendium_next_notebook(root, environment):
    import os
    import sys
    shell = get_ipython()
    shell.reset(new_session=True)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    origin = sys.modules.get("analysis.origin")
    if origin is not None:
        origin.forget()
    os.chdir(root)
    os.environ.update(environment)
_compendium_next_notebook({root!r}, {environment!r})
"""
"""Run silently in a kept kernel before its next notebook (formatted with ``root`` and
``environment``); the reset removes the function's own name too."""


class KernelPool:
    """Kernels kept between runs, one notebook name per kernel (see the module's text).

    Attributes
    ----------
    started : int
        Kernels this pool started.
    reused : int
        Kernels handed out again after they ran a notebook (or were taken and not used).
    cleared : int
        Notebooks that ran in a kept kernel after it was cleared (a kernel that could not be
        cleared is shut down, and its notebook runs in a fresh kernel of papermill's).
    """

    def __init__(self, log_dir: Path | None = None):
        self._own_logs = log_dir is None
        self.log_dir = Path(log_dir) if log_dir is not None else \
            Path(tempfile.mkdtemp(prefix="compendium-kernels-"))
        self._idle: dict[tuple, list[PooledKernel]] = {}
        self._kernels: list[PooledKernel] = []
        self._lock = threading.Lock()
        self._closed = False
        self.started = 0
        self.reused = 0
        self.cleared = 0

    def take(self, name: str, kernel_name: str, root: Path, env: dict,
             modules: list[str]) -> "PooledKernel":
        """A kernel for notebook ``name``: one kept from an earlier run of ``name`` when there
        is one, else a new one (started now, ``modules`` imported ahead)."""
        key = (name, kernel_name, str(root))
        with self._lock:
            if self._closed:
                raise RuntimeError("the kernel pool is closed")
            idle = self._idle.get(key, [])
            while idle:
                kernel = idle.pop()
                if kernel.usable():
                    self.reused += 1
                    return kernel
            kernel = PooledKernel(self, name, kernel_name, root, env,
                                  self.log_dir / f"{name}-{len(self._kernels)}.kernel.log",
                                  modules)
            self._kernels.append(kernel)
            self.started += 1
            return kernel

    def _keep(self, kernel: "PooledKernel") -> None:
        with self._lock:
            if self._closed:
                kernel.stop()
            else:
                self._idle.setdefault(kernel.key, []).append(kernel)

    def close(self) -> None:
        """Shut every kernel down (waits for running notebooks to end)."""
        with self._lock:
            self._closed = True
            kernels = list(self._kernels)
        for kernel in kernels:
            kernel.stop()
        for kernel in kernels:
            kernel.wait(60)
        if self._own_logs:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self) -> "KernelPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PooledKernel:
    """One kept kernel and its thread. Offers what the runner uses of
    :class:`analysis.pipeline.warm.WarmKernel`: :meth:`run`, :meth:`cancel`, :meth:`join`."""

    def __init__(self, pool: KernelPool, name: str, kernel_name: str, root: Path, env: dict,
                 log: Path, modules: list[str]):
        self.pool, self.name, self.kernel_name, self.root = pool, name, kernel_name, Path(root)
        self.key = (name, kernel_name, str(root))
        self.env, self.log, self.modules = env, log, modules
        self._jobs: queue.Queue = queue.Queue()
        self._alive = True
        self._thread = threading.Thread(target=self._main, name=f"pooled-kernel-{name}",
                                        daemon=True)
        self._thread.start()

    def usable(self) -> bool:
        """False once the kernel failed a notebook, died or was stopped."""
        return self._alive

    def run(self, job: Any) -> Future:
        """Execute ``job`` in this kernel once it is ready; the outcome arrives in the
        returned future. The kernel goes back to its pool afterwards (when it succeeded)."""
        result: Future = Future()
        self._jobs.put((job, result))
        return result

    def cancel(self) -> None:
        """The notebook taken for will not run: the kernel goes back to its pool unused."""
        self._jobs.put(("back", None))

    def join(self, timeout: float | None = None) -> None:
        """The runner waits for a warm kernel's shutdown here; a pooled kernel stays."""
        if not self._alive:
            self._thread.join(timeout)

    def stop(self) -> None:
        """Shut the kernel down once its current notebook (if any) has ended."""
        self._jobs.put((None, None))

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the kernel's thread to end (after :meth:`stop`)."""
        self._thread.join(timeout)

    def _main(self) -> None:
        from analysis.pipeline import execute
        from analysis.pipeline.warm import _shutdown, start_kernel

        km = stderr = None
        try:
            km, stderr = start_kernel(self.kernel_name, self.root, self.env, self.log,
                                      self.modules)
        except Exception:  # noqa: BLE001 - papermill starts a kernel itself then (not kept)
            km = None
        used = False
        try:
            while True:
                job, result = self._jobs.get()
                if job is None:
                    return
                if job == "back":
                    self.pool._keep(self)
                    continue
                try:
                    if km is not None and used:
                        km = self._clear(km, job)
                    outcome = execute.execute(job, kernel=(km, stderr) if km is not None
                                              else None)
                    result.set_result(outcome)
                except BaseException as error:  # noqa: BLE001 - handed to the scheduler
                    result.set_exception(error)
                    return
                used = True
                if km is None or not outcome.ok or not _alive(km):
                    return
                self.pool._keep(self)
        finally:
            self._alive = False
            _shutdown(km)
            if stderr is not None:
                stderr.close()

    def _clear(self, km: Any, job: Any) -> Any:
        """Empty the kernel for ``job``'s notebook (:data:`RESET_CODE`); None (papermill then
        starts a fresh kernel for it) when that fails."""
        from jupyter_core.utils import run_sync

        from analysis.pipeline.warm import _shutdown, _warm_up

        code = RESET_CODE.format(root=str(self.root), environment=dict(job.env))
        try:
            reply = run_sync(_warm_up)(km, code)
            if reply.get("content", {}).get("status") == "ok":
                with self.pool._lock:
                    self.pool.cleared += 1
                return km
        except Exception:  # noqa: BLE001 - a kernel that cannot be cleared is not used
            pass
        _shutdown(km)
        return None


def _alive(km: Any) -> bool:
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


__all__ = ["KernelPool", "PooledKernel", "RESET_CODE"]
