"""Kernels ready before they are needed: start a notebook's kernel and import what it uses early.

While earlier notebooks run, the runner starts the kernels of the next ones (at most as many
as it runs at once) and imports in each the modules its notebook's cells import (found
statically by :mod:`analysis.pipeline.deps`; these import what they need at their top). Modules
imported only inside functions are not imported ahead: importing one may change global state
(one of the libraries sets up logging when imported), so they load when the notebook needs
them, as in a fresh kernel. When the
notebook's turn comes, papermill executes it in that kernel; kernel start-up and imports
(several seconds per notebook here) are then already done.

Invisible in the notebook: the imports run with ``silent=True`` (no execution count, no history,
no output published) inside a function that is deleted afterwards, so the notebook's namespace,
its cell numbers and its outputs are exactly as in a fresh kernel; ``sys.modules`` holds the
modules earlier, which is what the notebook's first cell would do anyway. A kernel whose warm-up
fails is used as it is (the notebook then imports what is missing itself).

Each warm kernel lives in its own thread, which starts it, waits for its turn, runs the notebook
(:func:`analysis.pipeline.execute.execute`) and shuts it down: the kernel's asyncio objects stay
in the event loop of the thread that made them.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Iterable

WARMUP_TIMEOUT = 300
"""Seconds the warm-up imports may take before the kernel is used as it is."""


def warmup_code(modules: Iterable[str]) -> str:
    """Python run silently in a new kernel: import ``modules``, leave no name behind.

    >>> "importlib.import_module" in warmup_code(["pandas"])
    True
    """
    names = sorted(set(modules))
    return ("def _compendium_warm_up(names):\n"
            "    import importlib\n"
            "    for name in names:\n"
            "        try:\n"
            "            importlib.import_module(name)\n"
            "        except Exception:\n"
            "            pass\n"
            f"_compendium_warm_up({names!r})\n"
            "del _compendium_warm_up\n")


class WarmKernel:
    """The kernel of one notebook, started ahead in its own thread.

    Parameters
    ----------
    name : str
        Notebook name (for the thread's name).
    kernel_name : str
        Jupyter kernel name from the notebook's metadata (``python3``).
    root : Path
        Working directory of the kernel (the project root).
    env : dict
        Environment variables on top of the runner's.
    log : Path
        The kernel's stderr goes here (as for a kernel papermill starts).
    modules : list of str
        Imported in the kernel before the notebook's first cell.
    start : bool
        False: start nothing ahead; papermill starts the kernel when the notebook runs.
    """

    def __init__(self, name: str, kernel_name: str, root: Path, env: dict, log: Path,
                 modules: list[str], *, start: bool = True):
        self.name, self.kernel_name, self.root, self.env = name, kernel_name, root, env
        self.log, self.modules = log, modules
        self.result: Future = Future()
        self._job: Any = None
        self._go = threading.Event()
        self._cancelled = False
        self._start_ahead = start
        self._thread = threading.Thread(target=self._main, name=f"kernel-{name}", daemon=True)
        self._thread.start()

    def run(self, job: Any) -> Future:
        """Execute ``job`` in this kernel as soon as it is ready; the outcome arrives in
        :attr:`result`."""
        self._job = job
        self._go.set()
        return self.result

    def cancel(self) -> None:
        """The notebook will not run: shut the kernel down."""
        self._cancelled = True
        self._go.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _main(self) -> None:
        from analysis.pipeline import execute

        km = stderr = None
        try:
            if self._start_ahead:
                km, stderr = self._start()
        except Exception:  # noqa: BLE001 - papermill starts a kernel itself then
            km = None
            if stderr is not None:
                stderr.close()
            stderr = None
        self._go.wait()
        try:
            if self._cancelled:
                return
            self.result.set_result(execute.execute(self._job, kernel=(km, stderr)
                                                   if km is not None else None))
        except BaseException as error:  # noqa: BLE001 - handed to the scheduler
            if not self.result.done():
                self.result.set_exception(error)
        finally:
            _shutdown(km)
            if stderr is not None:
                stderr.close()
            outcome = self.result.result() if self.result.done() and not \
                self.result.exception() else None
            if self._cancelled or (outcome is not None and outcome.ok):
                self.log.unlink(missing_ok=True)

    def _start(self) -> tuple[Any, Any]:
        return start_kernel(self.kernel_name, self.root, self.env, self.log, self.modules)


def start_kernel(kernel_name: str, root: Path, env: dict, log: Path,
                 modules: list[str]) -> tuple[Any, Any]:
    """Start a kernel in ``root`` with ``env`` on top of this process's environment, its
    stderr into ``log``, and import ``modules`` in it silently (:func:`warmup_code`).

    Returns ``(kernel manager, open log)``. Raises when the kernel died while warming up (a
    kernel whose imports failed is returned as it is).
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    from analysis.pipeline.execute import kernel_config

    log.parent.mkdir(parents=True, exist_ok=True)
    stderr = open(log, "wb")
    km = AsyncKernelManager(kernel_name=kernel_name, config=kernel_config())
    try:
        run_sync(km.start_kernel)(cwd=str(root), env={**os.environ, **env}, stderr=stderr)
    except BaseException:
        stderr.close()
        raise
    try:
        run_sync(_warm_up)(km, warmup_code(modules))
    except Exception:  # noqa: BLE001 - a cold kernel still works, a dead one does not
        if not run_sync(km.is_alive)():
            _shutdown(km)
            stderr.close()
            raise  # papermill starts a kernel of its own when the notebook runs
    return km, stderr


async def _warm_up(km: Any, code: str) -> dict:
    import asyncio

    from analysis.pipeline.execute import KERNEL_START_TIMEOUT

    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=KERNEL_START_TIMEOUT)
        msg_id = kc.execute(code, silent=True, store_history=False)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WARMUP_TIMEOUT
        while loop.time() < deadline:
            reply = await kc.get_shell_msg(timeout=deadline - loop.time())
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply
        raise TimeoutError(f"no reply within {WARMUP_TIMEOUT} s")
    finally:
        kc.stop_channels()


def _shutdown(km: Any) -> None:
    if km is None:
        return
    from jupyter_core.utils import run_sync

    try:
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=False)
        else:
            run_sync(km.cleanup_resources)()
    except Exception:  # noqa: BLE001 - best effort at the end of a notebook
        pass
