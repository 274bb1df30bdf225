"""A tiny dummy project for the pipeline tests: five small notebooks in a temporary folder.

The notebooks run with the project root as working directory, so they use relative paths::

    00_load      reads {raw}/scores.csv            writes {processed}/clean/*, key numbers
    01_a         reads {processed}/clean/*         writes {processed}/a/*, key numbers  (sleeps)
    02_b         reads clean/* and {raw}/extra/**  writes {processed}/b/*, a "figure"
                                                   {figures}/b_<note>.png per note, key numbers
                                                   (sleeps)
    03_c         reads {processed}/a/*             writes {processed}/c/*
    04_findings  reads key numbers and figures     findings document (lists the figures)

``01_a`` and ``02_b`` are independent and record when they ran (``{processed}/_log/``), so a
test can check that they overlapped.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis import paths

COHORT = paths.DEFAULT_COHORT
NAMES = ("00_load", "01_a", "02_b", "03_c", "04_findings")

PIPELINE_YAML = """\
version: 1
notebooks:
  - file: 00_load.ipynb
    title: {nl: Inlezen, en: Loading}
    reads: ["{raw}/scores.csv"]
    writes: ["{processed}/clean/*", "{processed}/key_numbers/00_load.json"]
  - file: 01_a.ipynb
    title: {nl: Analyse A, en: Analysis A}
    reads: ["{processed}/clean/*"]
    writes: ["{processed}/a/*", "{processed}/key_numbers/01_a.json"]
    parameters: {factor: 2, delay: 1.0}
  - file: 02_b.ipynb
    title: {nl: Analyse B, en: Analysis B}
    reads: ["{processed}/clean/*", "{raw}/extra/**"]
    writes: ["{processed}/b/*", "{figures}/b_*", "{processed}/key_numbers/02_b.json"]
    parameters: {delay: 1.0}
  - file: 03_c.ipynb
    title: {nl: Analyse C, en: Analysis C}
    reads: ["{processed}/a/*"]
    writes: ["{processed}/c/*"]
    parameters: {offset: 0}
  - file: 04_findings.ipynb
    title: {nl: Bevindingen, en: Findings}
    reads: ["{processed}/key_numbers/*.json", "{figures}/**"]
    writes: []
    findings: true
"""

_PARAMETERS = {
    "00_load": 'cohort = "demo"\nraw_root = None',
    "01_a": 'cohort = "demo"\nraw_root = None\nfactor = 1\ndelay = 0.0',
    "02_b": 'cohort = "demo"\nraw_root = None\ndelay = 0.0',
    "03_c": 'cohort = "demo"\nraw_root = None\noffset = 0',
    "04_findings": 'cohort = "demo"\nraw_root = None',
}

_SETUP = """\
import json, time
from pathlib import Path
from analysis.report import keynumbers
processed = Path("data/processed") / cohort
raw = Path(raw_root or "data/raw") / cohort
started = time.time()"""

_LOG = """\
time.sleep(delay)
(processed / "_log").mkdir(parents=True, exist_ok=True)
(processed / "_log" / "{name}.json").write_text(json.dumps([started, time.time()]),
                                             encoding="utf-8")"""

_BODY = {
    "00_load": """\
print("reading", raw.resolve() / "scores.csv")
rows = (raw / "scores.csv").read_text(encoding="utf-8").split()[1:]
(processed / "clean").mkdir(parents=True, exist_ok=True)
(processed / "clean" / "scores.csv").write_text("\\n".join(rows) + "\\n", encoding="utf-8")
keynumbers.write_fragment({"n_rows": len(rows)}, cohort=cohort, stage="00_load", root=".")""",
    "01_a": """\
values = [int(v) * factor
          for v in (processed / "clean" / "scores.csv").read_text(encoding="utf-8").split()]
(processed / "a").mkdir(parents=True, exist_ok=True)
(processed / "a" / "scaled.txt").write_text(" ".join(map(str, values)), encoding="utf-8")
keynumbers.write_fragment({"a_total": sum(values)}, cohort=cohort, stage="01_a", root=".")""",
    "02_b": """\
notes = sorted(p.name for p in (raw / "extra").rglob("*") if p.is_file())
(processed / "b").mkdir(parents=True, exist_ok=True)
(processed / "b" / "notes.txt").write_text("\\n".join(notes), encoding="utf-8")
(Path("figures") / cohort).mkdir(parents=True, exist_ok=True)
from PIL import Image
for note in notes:
    Image.new("L", (len(note), 1)).save(Path("figures") / cohort / f"b_{Path(note).stem}.png")
keynumbers.write_fragment({"b_notes": len(notes), "b_mean": 2 / 3}, cohort=cohort,
                          stage="02_b", root=".")""",
    "03_c": """\
scaled = (processed / "a" / "scaled.txt").read_text(encoding="utf-8")
total = sum(int(v) for v in scaled.split()) + offset
(processed / "c").mkdir(parents=True, exist_ok=True)
(processed / "c" / "summary.txt").write_text(str(total), encoding="utf-8")""",
    "04_findings": """\
from analysis.pipeline.state import figures_of_run
numbers = keynumbers.load(cohort, root=".")
print("SECRET_SOURCE_MARKER" if False else sorted(numbers))
print("figures of this run:", sorted(figures_of_run(cohort, root=".")))
print("figures on disk:", sorted(p.stem for p in (Path("figures") / cohort).glob("*.png")))""",
}


def notebook(name: str, *, extra: str | None = None) -> nbformat.NotebookNode:
    """The dummy notebook ``name`` (``extra``: one more code cell at the end)."""
    cells = [new_markdown_cell(f"# {name}\n\nDummy notebook for the pipeline tests."),
             new_code_cell(_PARAMETERS[name], metadata={"tags": ["parameters"]}),
             new_code_cell(_SETUP), new_code_cell(_BODY[name])]
    if name in ("01_a", "02_b"):
        cells.append(new_code_cell(_LOG.format(name=name)))
    if extra is not None:
        cells.append(new_code_cell(extra))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{index}"
    return nb


def build_project(root: Path) -> Path:
    """Write the dummy project into ``root``; returns ``root``."""
    notebooks = root / "notebooks"
    notebooks.mkdir(parents=True)
    (notebooks / "pipeline.yaml").write_text(PIPELINE_YAML, encoding="utf-8")
    for name in NAMES:
        nbformat.write(notebook(name), notebooks / f"{name}.ipynb")
    raw = root / "data" / "raw" / COHORT
    (raw / "extra").mkdir(parents=True)
    (raw / "scores.csv").write_text("score\n1\n2\n3\n", encoding="utf-8")
    (raw / "extra" / "note1.txt").write_text("first note\n", encoding="utf-8")
    return root


def add_cell(root: Path, name: str, code: str) -> None:
    """Append a code cell to notebook ``name`` of the project in ``root``."""
    nbformat.write(notebook(name, extra=code), root / "notebooks" / f"{name}.ipynb")


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project keeping modification times (so its pipeline state stays valid).

    A kernel's log (``reports/<cohort>/.<name>.kernel.log``) is left out: a kernel that is
    still shutting down after its run returned removes it, possibly during the copy."""
    shutil.copytree(source, target, symlinks=True,
                    ignore=shutil.ignore_patterns(".*.kernel.log"))
    return target


def snapshot(root: Path, *folders: str) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``folders`` of ``root``."""
    found = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def windows(root: Path) -> dict[str, tuple[float, float]]:
    """When ``01_a`` and ``02_b`` ran: name -> (start, end) in seconds since the epoch."""
    folder = root / "data" / "processed" / COHORT / "_log"
    return {p.stem: tuple(json.loads(p.read_text(encoding="utf-8"))) for p in folder.glob("*.json")}


def run_quiet(root: Path, **kwargs) -> tuple[int, list[str]]:
    """Run the pipeline of the project in ``root``; returns (exit code, printed lines)."""
    from analysis.pipeline import runner as pipeline

    lines: list[str] = []
    kwargs.setdefault("jobs", 2)
    code = pipeline.run(kwargs.pop("cohort", COHORT), notebooks_dir=root / "notebooks",
                        root=root, out=lines.append, **kwargs)
    return code, lines


def run_cohort(cohort: str, *, raw_root: Path, params: Path, kernel_pool) -> dict:
    """Run a cohort of the real project in this process, as ``python -m analysis run --jobs 1``
    does, its notebooks in kernels of ``kernel_pool`` (the test matrices): the exit code (2 for
    a refusal, as the command line), the printed lines as one text, and the seconds."""
    import time

    from analysis.errors import CompendiumError

    started = time.monotonic()
    try:
        code, lines = run_quiet(paths.ROOT, cohort=cohort, raw_root=raw_root, params_file=params,
                                jobs=1, kernel_pool=kernel_pool)
    except CompendiumError as error:
        code, lines = 2, [f"error: {error}"]
    return {"code": code, "log": "\n".join(lines), "seconds": time.monotonic() - started}


def executed(lines: list[str]) -> list[str]:
    """Names of the notebooks that ran, from the printed lines."""
    return [ln[1:].split("]")[0] for ln in lines if "] running... " in ln]


def touch_later(path: Path, seconds: float = 5.0) -> None:
    """Move the modification time of ``path`` forward without changing its content."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + int(seconds * 1e9)))
