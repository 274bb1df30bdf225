"""Benchmark: the pipeline against a plain papermill loop, the edit loop, a fresh clone, scale.

``python -m benchmarks.bench`` (``make bench``) measures four sections (``--only`` picks some):

``compare``      the cases (a)-(d) below, each ``--repeats`` times (medians, ratios);
``edit-loop``    in a temporary copy of the project, ``run --force`` and the cost of editing a
                 leaf module, a mid-level module, an instrument YAML and a docstring: seconds
                 and notebooks re-run per edit (:mod:`benchmarks.edit_loop`);
``fresh-clone``  ``git clone`` of the current commit and ``make run`` there, install and
                 deduce's lookup build included, each phase timed (:mod:`benchmarks.fresh_clone`);
``scale``        synthetic cohorts of ``--sizes`` families end to end (below).

It writes to ``reports/bench/`` ``results.csv`` (every measurement), ``results.md`` (medians,
ratios, tables, machine), ``machine.json`` (cores, memory, load average before and after,
versions) and ``scale.png`` (log-log time and peak memory against families), then prints the
Markdown. ``--quick`` measures once, scale at 22 families only, the edit loop with the leaf and
docstring edits only, and no fresh clone unless ``--only`` names it.

Comparison, on the bundled cohort (``--cohort``), each case ``--repeats`` times, interleaved:

===  =================  ======================================================================
a    papermill loop     ``papermill notebooks/NN.ipynb out.ipynb -p cohort NAME`` per notebook
                        in order, as subprocesses: what a user would write (no cache, no
                        parallelism, no HTML)
b    run, cold          ``python -m analysis run --force``: every notebook, HTML pages included
c    run, warm          ``python -m analysis run`` with nothing changed (all cached)
d    floor              starting one kernel and importing the notebooks' libraries, times the
                        number of notebooks: the least any kernel-per-notebook design pays
===  =================  ======================================================================

Ratios of medians (``b/a``, ``c/a``, ``b/d``) are reported rather than seconds alone, because
the machine may be shared and noisy. Targets: ``b/a <= 1/3`` (``run --force`` at least 3x
faster than the loop), ``c/a <= 1/20``.

Scale (``--sizes``): for each size a synthetic cohort is written with ``analysis synth`` into a
temporary raw folder and run end to end with ``--force``; measured are the wall time and peak
memory of the whole run (summed RSS of the runner and its kernels, polled with psutil), each
notebook (its ``done in`` time and its kernel's peak RSS), and the package stages of
:mod:`benchmarks.measure` each in a fresh process. The temporary cohort's outputs
(``data/processed/<name>``, ``figures/<name>``, ``reports/<name>``) and raw folder are removed
afterwards; the HTML page sizes of the largest size are kept in the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from analysis import paths
from analysis.report import provenance
from benchmarks import edit_loop, fresh_clone, measure

DEFAULT_SIZES: tuple[int, ...] = (22, 1_000, 10_000, 100_000)
DEFAULT_REPEATS = 3
DEFAULT_SEED = 1
SECTIONS: tuple[str, ...] = ("compare", "edit-loop", "fresh-clone", "scale")
QUICK_SIZES: tuple[int, ...] = (22,)
CASES: dict[str, str] = {"papermill_loop": "a", "run_cold": "b", "run_warm": "c", "floor": "d"}
TARGETS: dict[str, float] = {"b/a": 1 / 3, "c/a": 1 / 20}
"""Largest acceptable ratio of medians (cold at least 3x, warm at least 20x faster)."""
HTML_LIMIT_MB = 10.0
PACKAGES: tuple[str, ...] = ("numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn",
                             "papermill", "nbclient", "nbconvert", "ipykernel", "deduce",
                             "psutil")
COLUMNS: list[str] = ["section", "case", "families", "repeat", "seconds", "peak_rss_mb", "note"]
"""Columns of ``results.csv``: one row per measurement (``repeat`` 0 for single ones)."""

_DONE = re.compile(r"^\[(?P<name>[^\]]+)\] done in (?P<seconds>[0-9.]+) s", re.MULTILINE)


@dataclass
class Settings:
    """Options of one benchmark run (see :func:`main`)."""

    cohort: str = paths.DEFAULT_COHORT
    raw_dir: str | None = None
    repeats: int = DEFAULT_REPEATS
    sizes: tuple[int, ...] = DEFAULT_SIZES
    seed: int = DEFAULT_SEED
    out: Path = paths.REPORTS / "bench"
    compare: bool = True
    scale: bool = True
    root: Path = paths.ROOT
    edit: bool = True
    clone: bool = True
    edit_repeats: int = 1
    edits: tuple = edit_loop.EDITS
    clone_caches: tuple[str, ...] = ("user",)


# ------------------------------------------------------------------------------ machine
def machine_info() -> dict[str, object]:
    """Cores, memory, Python, platform, package versions and the commit measured."""
    import psutil

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = provenance.package_versions(PACKAGES, absent="absent")
    return {
        "cores": cores, "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
        "cpu": _cpu_model(), "python": platform.python_version(),
        "platform": platform.platform(), "commit": provenance.git_commit(paths.ROOT),
        "packages": versions,
        "load_average_start": _load(),
    }


def _load() -> list[float] | None:
    """Load average over 1, 5 and 15 minutes (a busy machine makes every figure slower)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


# ------------------------------------------------------------------------------ comparison
def notebook_files(root: Path = paths.ROOT) -> list[Path]:
    """The notebooks of ``pipeline.yaml`` in their declared order."""
    from analysis.pipeline.spec import load_pipeline

    pipeline = load_pipeline(root / "notebooks" / "pipeline.yaml")
    return [root / "notebooks" / spec.file for spec in pipeline.notebooks]


def import_lines(notebooks: Sequence[Path]) -> list[str]:
    """Top-level ``import``/``from ... import`` lines of the notebooks, each once, in order."""
    lines: list[str] = []
    for notebook in notebooks:
        for cell in json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for line in "".join(cell["source"]).splitlines():
                if re.match(r"(import|from)\s+\S+", line) and line not in lines:
                    lines.append(line)
    return lines


def compare_commands(settings: Settings, scratch: Path) -> dict[str, Callable[[], float]]:
    """Case -> a callable that runs the case once and returns its wall seconds."""
    python = sys.executable
    raw = ["--raw-dir", settings.raw_dir] if settings.raw_dir else []
    run = [python, "-m", "analysis", "run", "--cohort", settings.cohort, *raw]
    notebooks = notebook_files(settings.root)
    loop_params = ["-p", "cohort", settings.cohort]
    if settings.raw_dir:
        loop_params += ["-p", "raw_root", str(Path(settings.raw_dir).resolve())]
    env = _environment()

    def loop() -> float:
        start = time.perf_counter()
        for notebook in notebooks:
            _check([python, "-m", "papermill", str(notebook), str(scratch / notebook.name),
                    *loop_params], settings.root, env)
        return time.perf_counter() - start

    def cold() -> float:
        return _timed_check([*run, "--force"], settings.root, env)

    def warm() -> float:
        start = time.perf_counter()
        output = _check(run, settings.root, env)
        if " 0 to run" not in output:
            raise RuntimeError(f"the warm run was not fully cached:\n{output}")
        return time.perf_counter() - start

    def floor() -> float:
        seconds = measure.kernel_floor_seconds(import_lines(notebooks), env=env,
                                               cwd=settings.root)
        return seconds * len(notebooks)

    return {"papermill_loop": loop, "run_cold": cold, "run_warm": warm, "floor": floor}


def compare(settings: Settings, *, cases: dict[str, Callable[[], float]] | None = None,
            say: Callable[[str], None] = print) -> list[dict]:
    """Run every case ``settings.repeats`` times, interleaved (a, b, c, d, a, b, ...)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as scratch:
        cases = cases or compare_commands(settings, Path(scratch))
        for repeat in range(1, settings.repeats + 1):
            for case, call in cases.items():
                seconds = call()
                say(f"compare {CASES.get(case, '?')} {case} run {repeat}: {seconds:.2f} s")
                rows.append(_row("compare", case, None, repeat, seconds))
    return rows


def ratios(rows: Sequence[dict]) -> dict[str, float]:
    """Medians per comparison case and the ratios ``b/a``, ``c/a``, ``b/d``."""
    median = {case: statistics.median(r["seconds"] for r in rows
                                      if r["section"] == "compare" and r["case"] == case)
              for case in CASES if any(r["case"] == case for r in rows)}
    out = {f"median_{case}": value for case, value in median.items()}
    for name, (top, bottom) in {"b/a": ("run_cold", "papermill_loop"),
                                "c/a": ("run_warm", "papermill_loop"),
                                "b/d": ("run_cold", "floor")}.items():
        if top in median and bottom in median and median[bottom] > 0:
            out[name] = median[top] / median[bottom]
    return out


# ------------------------------------------------------------------------------ scale
def scale(settings: Settings, *, say: Callable[[str], None] = print) -> tuple[list[dict], dict]:
    """Measure every size of ``settings.sizes``; rows and the HTML sizes of the largest."""
    rows: list[dict] = []
    html: dict[str, float] = {}
    for families in settings.sizes:
        size_rows, pages = scale_one(families, settings, say=say)
        rows += size_rows
        html = pages
    return rows, html


def scale_one(families: int, settings: Settings, *,
              say: Callable[[str], None] = print) -> tuple[list[dict], dict[str, float]]:
    """Synthesise, run and measure one cohort of ``families``; clean up its outputs."""
    cohort = f"bench-{families}-{os.getpid()}"  # digits only: not in the cohort's labels
    outputs = [paths.processed_dir(cohort), paths.figures_dir(cohort), paths.reports_dir(cohort)]
    env = _environment()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-raw-") as raw_root:
        try:
            start = time.perf_counter()
            _check([sys.executable, "-m", "analysis", "synth", "--cohort", cohort, "--families",
                    str(families), "--seed", str(settings.seed), "--raw-dir", raw_root],
                   settings.root, env)
            rows.append(_row("scale", "synth", families, 0, time.perf_counter() - start))
            rows += _pipeline_rows(cohort, families, raw_root, settings, env)
            for stage in measure.STAGES:
                result = measure.stage_in_subprocess(stage, cohort, raw_root,
                                                     cwd=settings.root, env=env)
                rows.append(_row("scale", f"stage:{stage}", families, 0, result["seconds"],
                                 result["peak_rss_mb"]))
            pages = {p.name: p.stat().st_size / 1024**2
                     for p in sorted(paths.reports_dir(cohort).glob("*.html"))}
        finally:
            for folder in outputs:
                shutil.rmtree(folder, ignore_errors=True)
    for row in rows:
        say(f"scale {families:>7,} {row['case']:<24} {row['seconds']:8.2f} s"
            + (f" {row['peak_rss_mb']:8.0f} MB" if row["peak_rss_mb"] is not None else ""))
    return rows, pages


def _pipeline_rows(cohort: str, families: int, raw_root: str, settings: Settings,
                   env: dict[str, str]) -> list[dict]:
    from analysis.pipeline.runner import NOTEBOOK_VARIABLE

    command = [sys.executable, "-m", "analysis", "run", "--cohort", cohort, "--raw-dir",
               raw_root, "--force"]
    done = measure.run_measured(command, cwd=settings.root, env=env,
                                label_variable=NOTEBOOK_VARIABLE)
    if done.returncode:
        raise RuntimeError(f"the pipeline failed on {cohort}:\n{done.stdout[-3000:]}"
                           f"{done.stderr[-2000:]}")
    rows = [_row("scale", "pipeline", families, 0, done.seconds, done.peak_rss_mb,
                 f"runner {done.peaks_mb.get('runner', 0):.0f} MB")]
    for match in _DONE.finditer(done.stdout):
        name = match["name"]
        rows.append(_row("scale", f"notebook:{name}", families, 0, float(match["seconds"]),
                         done.peaks_mb.get(name)))
    return rows


# ------------------------------------------------------------------------------ reporting
def _row(section, case, families, repeat, seconds, peak=None, note="") -> dict:
    return {"section": section, "case": case, "families": families, "repeat": repeat,
            "seconds": round(float(seconds), 4),
            "peak_rss_mb": None if peak is None else round(float(peak), 1), "note": note}


def write_results(rows: Sequence[dict], machine: dict, html: dict[str, float],
                  out: Path) -> str:
    """Write ``results.csv``, ``results.md``, ``machine.json`` and ``scale.png``; the Markdown."""
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(list(rows), columns=COLUMNS)
    table.to_csv(out / "results.csv", index=False, lineterminator="\n")
    (out / "machine.json").write_text(json.dumps(machine, indent=2) + "\n", encoding="utf-8")
    text = markdown(table, machine, html)
    (out / "results.md").write_text(text, encoding="utf-8")
    scale_rows = table[table["section"] == "scale"]
    if not scale_rows.empty and scale_rows["families"].nunique() > 0:
        plot_scale(scale_rows, out / "scale.png")
    return text


def markdown(table, machine: dict, html: dict[str, float]) -> str:
    """The Markdown report: machine, comparison with ratios, scale table, HTML sizes."""
    lines = ["# Benchmark", "", _machine_line(machine), ""]
    compare_rows = table[table["section"] == "compare"]
    if not compare_rows.empty:
        lines += _compare_lines(compare_rows.to_dict("records"))
    records = table.to_dict("records")
    lines += edit_loop.markdown_lines(records) + fresh_clone.markdown_lines(records)
    scale_rows = table[table["section"] == "scale"]
    if not scale_rows.empty:
        lines += _scale_lines(scale_rows)
    if html:
        largest = int(scale_rows["families"].max())
        lines += [f"HTML pages at {largest:,} families (limit {HTML_LIMIT_MB:g} MB each):", "",
                  "| page | MB |", "| --- | ---: |"]
        lines += [f"| {name} | {size:.2f} |" for name, size in html.items()]
        lines.append("")
    return "\n".join(lines)


def _machine_line(machine: dict) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in machine.get("packages", {}).items())
    return (f"Machine: {machine.get('cores')} cores ({machine.get('cpu')}), "
            f"{machine.get('ram_gb')} GB RAM, Python {machine.get('python')}, "
            f"{machine.get('platform')}; commit {machine.get('commit')}; load average "
            f"(1, 5, 15 min) {machine.get('load_average_start')} at the start, "
            f"{machine.get('load_average_end')} at the end. Packages: {packages}.")


def _compare_lines(rows: list[dict]) -> list[str]:
    summary = ratios(rows)
    runs = max(r["repeat"] for r in rows)
    labels = {"papermill_loop": "plain papermill loop", "run_cold": "`analysis run --force`",
              "run_warm": "`analysis run`, nothing changed",
              "floor": "floor: kernel start + imports x notebooks"}
    lines = [f"Bundled cohort, median of {runs} run(s):", "", "| | case | median s |",
             "| --- | --- | ---: |"]
    for case, letter in CASES.items():
        if f"median_{case}" in summary:
            lines.append(f"| {letter} | {labels[case]} | {summary[f'median_{case}']:.2f} |")
    lines += ["", "| ratio | value | target |", "| --- | ---: | --- |"]
    for name in ("b/a", "c/a", "b/d"):
        if name in summary:
            target = f"<= {TARGETS[name]:.3f}" if name in TARGETS else "(report)"
            met = "" if name not in TARGETS else (" met" if summary[name] <= TARGETS[name]
                                                  else " NOT met")
            lines.append(f"| {name} | {summary[name]:.3f} | {target}{met} |")
    if summary.get("b/a"):
        lines += ["", f"`analysis run --force` is {1 / summary['b/a']:.2f}x as fast as the "
                      "papermill loop (medians)."]
    return lines + [""]


def _scale_lines(rows) -> list[str]:
    sizes = sorted(int(s) for s in rows["families"].dropna().unique())
    order = list(dict.fromkeys(rows["case"]))
    header = "| stage | " + " | ".join(f"{s:,} families" for s in sizes) + " |"
    lines = ["Scale: seconds / peak MB (pipeline: summed RSS of runner and kernels; "
             "notebook: its kernel; stage: its own process):", "", header,
             "| --- |" + " ---: |" * len(sizes)]
    for case in order:
        cells = []
        for size in sizes:
            hit = rows[(rows["case"] == case) & (rows["families"] == size)]
            if hit.empty:
                cells.append("")
                continue
            seconds, peak = hit["seconds"].iloc[0], hit["peak_rss_mb"].iloc[0]
            cells.append(f"{seconds:.1f}" + ("" if peak is None or peak != peak
                                             else f" / {peak:,.0f}"))
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return lines + [""] + _growth_lines(rows, sizes)


def _growth_lines(rows, sizes: list[int]) -> list[str]:
    """Exponent of time against families between the two largest sizes (1: linear)."""
    import math

    pipeline = rows[rows["case"] == "pipeline"].set_index("families")["seconds"]
    if len(sizes) < 2 or not set(sizes[-2:]) <= set(pipeline.index):
        return []
    (n1, n2), (t1, t2) = sizes[-2:], (pipeline[sizes[-2]], pipeline[sizes[-1]])
    exponent = math.log(t2 / t1) / math.log(n2 / n1)
    return [f"End-to-end time grows as families^{exponent:.2f} from {n1:,} to {n2:,} "
            "(1 is linear; fixed start-up costs make it smaller).", ""]


def plot_scale(rows, path: Path) -> Path:
    """Log-log plot of seconds and of peak memory against families, one line per case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    colours = plt.get_cmap("tab20").colors
    for i, (case, part) in enumerate(rows.groupby("case", sort=False)):
        part = part.sort_values("families")
        style = ({"linewidth": 3, "color": "black"} if case == "pipeline" else
                 {"linewidth": 1, "color": colours[i % len(colours)]})
        left.plot(part["families"], part["seconds"], marker="o", label=case, **style)
        peaks = part.dropna(subset=["peak_rss_mb"])
        if not peaks.empty:
            right.plot(peaks["families"], peaks["peak_rss_mb"], marker="o", label=case, **style)
    pipeline = rows[rows["case"] == "pipeline"].sort_values("families")
    if len(pipeline) > 1:  # linear growth through the largest size, for comparison
        n, t = pipeline["families"].to_numpy(float), pipeline["seconds"].to_numpy(float)
        left.plot(n, t[-1] * n / n[-1], ls=":", color="grey", label="linear (slope 1)")
    for ax, label in ((left, "seconds"), (right, "peak memory (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("families")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    left.set_title("Wall time against cohort size")
    right.set_title("Peak resident memory against cohort size")
    left.legend(fontsize=7, ncol=2)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------ helpers
def _environment() -> dict[str, str]:
    """The environment of every measured command: the pipeline's kernel settings for all."""
    from analysis.pipeline.runner import KERNEL_ENVIRONMENT

    return {**os.environ, **KERNEL_ENVIRONMENT}


def _check(command: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(list(command), cwd=cwd, env=env, capture_output=True, text=True,
                          encoding="utf-8", errors="replace")
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command[:6]))} ... failed "
                           f"(exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def _timed_check(command: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    _check(command, cwd, env)
    return time.perf_counter() - start


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s.replace("_", "")) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes must be whole numbers separated by commas, "
                                         f"e.g. 22,1000; got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes must be at least 1 family each; got {text!r}")
    return sizes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--cohort", default=paths.DEFAULT_COHORT,
                        help="cohort of the comparison (default: the bundled helmond-2023)")
    parser.add_argument("--raw-dir", help="folder holding the comparison cohort (default data/raw)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS,
                        help="runs of each comparison case; medians are reported (default 3)")
    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES,
                        help="families of the synthetic scale cohorts, comma-separated "
                             "(default 22,1000,10000,100000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of synth")
    parser.add_argument("--out", type=Path, default=paths.REPORTS / "bench",
                        help="folder of the results (default reports/bench)")
    parser.add_argument("--skip-compare", action="store_true", help="no comparison")
    parser.add_argument("--skip-scale", action="store_true", help="no scale measurements")
    parser.add_argument("--only", type=_sections, action="append", metavar="SECTION",
                        help=f"measure only these sections ({', '.join(SECTIONS)}); "
                             "comma-separated or repeated")
    parser.add_argument("--quick", action="store_true",
                        help="one run of each case, scale at 22 families, edit loop with the "
                             "leaf and docstring edits, no fresh clone unless --only names it")
    parser.add_argument("--edit-repeats", type=int, default=1,
                        help="runs of the edit loop; medians are reported (default 1)")
    parser.add_argument("--clone-cache", choices=[*fresh_clone.CACHES, "both"], default="user",
                        help="fresh clone with the user's uv/pip caches, empty ones (every "
                             "wheel downloaded) or both (default user)")
    return parser


def _sections(text: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SECTIONS]
    if not chosen or unknown:
        raise argparse.ArgumentTypeError(f"--only takes {', '.join(SECTIONS)} (comma-separated); "
                                         f"got {text!r}")
    return chosen


def settings_from(args: argparse.Namespace) -> Settings:
    """The :class:`Settings` of parsed command-line options (``--only``, ``--quick``, ...)."""
    only = {s for group in (args.only or []) for s in group}
    wanted = only or set(SECTIONS) - ({"fresh-clone"} if args.quick else set())
    if args.skip_compare:
        wanted.discard("compare")
    if args.skip_scale:
        wanted.discard("scale")
    caches = fresh_clone.CACHES if args.clone_cache == "both" else (args.clone_cache,)
    return Settings(cohort=args.cohort, raw_dir=args.raw_dir,
                    repeats=1 if args.quick else args.repeats,
                    sizes=QUICK_SIZES if args.quick and args.sizes == DEFAULT_SIZES else args.sizes,
                    seed=args.seed, out=args.out, compare="compare" in wanted,
                    scale="scale" in wanted, edit="edit-loop" in wanted,
                    clone="fresh-clone" in wanted, edit_repeats=args.edit_repeats,
                    edits=edit_loop.QUICK_EDITS if args.quick else edit_loop.EDITS,
                    clone_caches=caches)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: measure, write ``reports/bench/`` and print the Markdown table."""
    args = _parser().parse_args(argv)
    import signal

    # a terminated benchmark still removes its temporary cohorts (finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    for name in ("repeats", "edit_repeats"):
        if getattr(args, name) < 1:
            _parser().error(f"--{name.replace('_', '-')} must be at least 1; "
                            f"got {getattr(args, name)}")
    settings = settings_from(args)
    machine = machine_info()
    rows: list[dict] = []
    html: dict[str, float] = {}
    if settings.edit:
        rows += edit_loop.edit_loop(settings.root, cohort=settings.cohort,
                                    raw_dir=settings.raw_dir, edits=settings.edits,
                                    repeats=settings.edit_repeats)
    if settings.compare:
        rows += compare(settings)
    if settings.clone:
        for cache in settings.clone_caches:
            rows += fresh_clone.fresh_clone(settings.root, cohort=settings.cohort, cache=cache)
    if settings.scale:
        scale_rows, html = scale(settings)
        rows += scale_rows
    machine["load_average_end"] = _load()
    text = write_results(rows, machine, html, settings.out)
    print()
    print(text)
    print(f"results: {paths.display(settings.out)}/results.csv, results.md"
          + (", scale.png" if settings.scale else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
