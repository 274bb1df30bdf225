"""Measuring for :mod:`benchmarks.bench`: wall time and peak memory of commands and of stages.

Two ways of measuring peak memory:

* :func:`run_measured` starts a command and polls its whole process tree with psutil
  (:class:`TreeSampler`): the peak of the summed resident set size (RSS) of all its processes,
  and per process label the peak RSS of that process. Kernels started by the pipeline carry
  their notebook's name in :data:`analysis.pipeline.runner.NOTEBOOK_VARIABLE`, which is their label.
  Polling can miss a peak shorter than the interval (50 ms); kernels grow and shrink slowly.
* :func:`stage_in_subprocess` runs one stage (``python -m benchmarks.measure STAGE ...``)
  in a fresh interpreter that reports its own time and its peak RSS (:func:`peak_rss_mb`:
  exact, by the operating system's accounting, on Linux, macOS and Windows).

The stages call the package's functions directly, as the notebooks do: ``validation``
(:func:`analysis.data.validate.validate_cohort` on the raw files), ``scoring``
(:func:`analysis.questionnaires.outcomes.score_all`), ``statistics`` (:func:`analysis.questionnaires.outcomes.
analyse_questionnaires` less its scoring), ``figures`` (the questionnaire and trajectory
figures, drawn and saved as PNG and SVG) and ``rendering`` (every executed notebook of the
cohort to HTML). Each prints one JSON line ``{"seconds": ..., "peak_rss_mb": ...}``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

STAGES: tuple[str, ...] = ("validation", "scoring", "statistics", "figures", "rendering")
"""Stages timed by calling the package directly (see the module docstring)."""

POLL_SECONDS = 0.05
MB = 1024 * 1024


@dataclass
class Measured:
    """Result of :func:`run_measured`.

    ``peak_rss_mb`` is the peak of the summed RSS of the command's process tree;
    ``peaks_mb`` the peak RSS per process label (``runner`` for the command itself, a
    notebook's name for its kernel, ``other`` for anything else).
    """

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    peaks_mb: dict[str, float] = field(default_factory=dict)


class TreeSampler(threading.Thread):
    """Polls a process and its descendants until :meth:`stop`; keeps peak RSS values."""

    def __init__(self, pid: int, *, label_variable: str | None = None,
                 interval: float = POLL_SECONDS):
        super().__init__(daemon=True)
        self.pid, self.label_variable, self.interval = pid, label_variable, interval
        self.peak_total = 0
        self.peaks: dict[str, int] = {}
        self._labels: dict[int, str] = {}
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            self.sample()
            self._stopped.wait(self.interval)

    def stop(self) -> None:
        self._stopped.set()
        self.join()

    def sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
            processes = [root] + root.children(recursive=True)
        except psutil.Error:
            return
        total = 0
        for process in processes:
            try:
                rss = process.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            label = self._label(process)
            self.peaks[label] = max(self.peaks.get(label, 0), rss)
        self.peak_total = max(self.peak_total, total)

    def _label(self, process) -> str:
        import psutil

        if process.pid == self.pid:
            return "runner"
        if process.pid not in self._labels:
            label = None
            if self.label_variable:
                try:
                    label = process.environ().get(self.label_variable)
                except psutil.Error:
                    pass
            if label is None:  # asked again next time: before exec a child shows our environment
                return "other"
            self._labels[process.pid] = label
        return self._labels[process.pid]


def run_measured(command: Sequence[str], *, cwd: str | os.PathLike | None = None,
                 env: dict[str, str] | None = None, label_variable: str | None = None,
                 timeout: float | None = None) -> Measured:
    """Run ``command``; wall seconds, exit code, output and peak memory of its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               encoding="utf-8", errors="replace")
    sampler = TreeSampler(process.pid, label_variable=label_variable)
    sampler.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    finally:
        sampler.stop()
    seconds = time.perf_counter() - start
    return Measured(seconds, process.returncode, stdout, stderr, sampler.peak_total / MB,
                    {k: v / MB for k, v in sampler.peaks.items()})


def stage_in_subprocess(stage: str, cohort: str, raw_root: str | os.PathLike | None, *,
                        cwd: str | os.PathLike | None = None,
                        env: dict[str, str] | None = None) -> dict[str, float]:
    """Run :data:`STAGES` ``stage`` on ``cohort`` in a fresh interpreter; seconds and peak MB."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}; got {stage!r}")
    command = [sys.executable, "-m", "benchmarks.measure", stage, cohort,
               "" if raw_root is None else str(raw_root)]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace")
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"benchmark stage {stage} on {cohort} failed: {tail}")
    return json.loads(lines[-1])


def kernel_floor_seconds(import_lines: Sequence[str], *, env: dict[str, str] | None = None,
                         cwd: str | os.PathLike | None = None) -> float:
    """Seconds to start one kernel, wait until it answers, run ``import_lines`` and stop it."""
    from jupyter_client.manager import KernelManager

    from analysis.pipeline.execute import _kernel_config

    start = time.perf_counter()
    manager = KernelManager(kernel_name="python3", config=_kernel_config())
    manager.start_kernel(env={**os.environ, **(env or {})}, cwd=str(cwd) if cwd else None)
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        reply = client.execute_interactive("\n".join(import_lines), timeout=300,
                                           output_hook=lambda msg: None)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"importing the notebooks' libraries failed: "
                               f"{reply['content'].get('evalue', '')}")
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=False)
    return time.perf_counter() - start


def kernel_package_folder(package: str, *, env: dict[str, str] | None = None,
                          cwd: str | os.PathLike | None = None) -> Path:
    """Folder of ``package`` as a notebook kernel started like the pipeline's imports it."""
    from jupyter_client.manager import KernelManager

    from analysis.pipeline.execute import _kernel_config

    manager = KernelManager(kernel_name="python3", config=_kernel_config())
    manager.start_kernel(env={**os.environ, **(env or {})}, cwd=str(cwd) if cwd else None)
    client = manager.client()
    printed: list[str] = []
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        client.execute_interactive(
            f"import {package}, pathlib; print(pathlib.Path({package}.__file__).resolve().parent)",
            timeout=120, output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    text = "".join(printed).strip()
    if not text:
        raise RuntimeError(f"a notebook kernel could not import {package}")
    return Path(text.splitlines()[-1])


# ------------------------------------------------------------------ stages (child process side)
def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (2**20 bytes).

    POSIX: ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, whose unit differs by system (see
    :func:`maxrss_mb`). Windows, which has no ``resource`` module: the peak working set
    (``psutil.Process().memory_info().peak_wset``, bytes), the same measure.
    """
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return psutil.Process().memory_info().peak_wset / MB
    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def maxrss_mb(ru_maxrss: int, platform: str = sys.platform) -> float:
    """``ru_maxrss`` in MiB: the kernel reports bytes on macOS and KiB on Linux and the BSDs.

    Sources: getrusage(2) of Linux ("in kilobytes") and of macOS ("in bytes").

    >>> maxrss_mb(204800, "linux"), maxrss_mb(200 * 2**20, "darwin")
    (200.0, 200.0)
    """
    return ru_maxrss / MB if platform == "darwin" else ru_maxrss / 1024


def _tables(cohort: str):
    from analysis.data import processed

    return {name: processed.read_validated(cohort, name)
            for name in processed.available_tables(cohort)}


def _ages(tables):
    trajectories = tables.get("trajectories")
    return trajectories[["family_id", "child_age"]] if trajectories is not None else None


def _stage_validation(cohort: str, raw_root: str | None) -> float:
    from analysis import paths
    from analysis.data.validate import validate_cohort

    start = time.perf_counter()
    validate_cohort(paths.raw_dir(cohort, raw_root))
    return time.perf_counter() - start


def _stage_scoring(cohort: str, raw_root: str | None) -> float:
    from analysis.questionnaires import outcomes

    tables = _tables(cohort)
    start = time.perf_counter()
    outcomes.score_all(tables, ages=_ages(tables))
    return time.perf_counter() - start


def _stage_statistics(cohort: str, raw_root: str | None) -> float:
    from analysis.questionnaires import outcomes

    tables = _tables(cohort)
    start = time.perf_counter()
    outcomes.score_all(tables, ages=_ages(tables))
    scoring = time.perf_counter() - start
    start = time.perf_counter()
    outcomes.analyse_questionnaires(tables)
    return max(0.0, time.perf_counter() - start - scoring)


def _stage_figures(cohort: str, raw_root: str | None) -> float:
    import matplotlib

    matplotlib.use("Agg")
    from analysis.pipeline.notebook import start as start_notebook
    from analysis.questionnaires import outcomes
    from analysis.report.figures import questionnaires as qf
    from analysis.report.figures import trajectories as tf
    from analysis.trajectories import flow as trajectories

    tables = _tables(cohort)
    results = outcomes.analyse_questionnaires(tables)
    ctx = start_notebook(cohort, "bench", raw_root=raw_root)
    families = tables["trajectories"]
    moments = [tables[n][["family_id", "timepoint"]] for n in ("sdq", "ari_cp") if n in tables]
    import pandas as pd

    moments = pd.concat(moments, ignore_index=True)
    begin = time.perf_counter()
    drawings = []
    if results.has("sdq"):
        drawings += [(qf.scale_lines_figure, results.scores["sdq"]),
                     (qf.jacobson_truax_figure, results.changes),
                     (qf.band_transitions_figure, results.changes)]
    if results.has("ari_cp"):
        drawings.append((qf.ari_cp_profile_figure, results.scores["ari_cp"]))
    if results.stress is not None:
        drawings.append((qf.stress_attachment_figure, results.stress))
    flow = trajectories.participant_flow(families, moments, slots=ctx.config["slots"])
    drawings += [(tf.flow_figure, flow), (tf.characteristics_figure, families),
                 (lambda f: tf.sessions_figure(f, limits=ctx.config["limits"]), families)]
    for i, (draw, data) in enumerate(drawings):
        ctx.save_figure(draw(data), f"bench_{i}", "benchmark")
    return time.perf_counter() - begin


def _stage_rendering(cohort: str, raw_root: str | None) -> float:
    from analysis import paths
    from analysis.report.pages import render_html

    reports = paths.reports_dir(cohort)
    notebooks = sorted(p for p in reports.glob("*.ipynb") if not p.name.endswith(".failed.ipynb"))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        for notebook in notebooks:
            render_html(notebook, Path(out) / f"{notebook.stem}.html", hide_input=False,
                        image_dirs=(reports, paths.ROOT, paths.NOTEBOOKS))
    return time.perf_counter() - start


def _main(argv: Sequence[str]) -> int:
    stage, cohort, raw_root = argv[0], argv[1], (argv[2] or None) if len(argv) > 2 else None
    seconds = globals()[f"_stage_{stage}"](cohort, raw_root)
    print(json.dumps({"seconds": round(seconds, 4), "peak_rss_mb": round(peak_rss_mb(), 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
