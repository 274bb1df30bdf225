"""Provenance of every output: input hashes, the code version, and figures that carry their origin.

A figure of the compendium is never saved by hand: :func:`save_figure` writes the PNG and SVG
of a cohort atomically, stamps the synthetic-data banner when the cohort is synthetic and writes
where the figure came from into the file itself (PNG text chunks, SVG ``<metadata>``):

=================  ==================================================================
``Title``          figure name (or the title given)
``Description``    the full Dutch caption, ending with the provenance line
``Source``         notebook and cell, e.g. ``01_questionnaires, cel 7``
``Cohort``         cohort name
``Inputs hash``    SHA-256 of the cohort's raw folder (see :func:`input_hash`)
``Commit``         only when given explicitly (see below)
``Software``       ``vaktherapie-compendium`` (no library version or date)
=================  ==================================================================

The provenance line of a caption reads, for example::

    Bron: notebook 01_questionnaires, cel 7; cohort helmond-2023; invoer a1b2c3d4e5

Beside the figure, in ``data/processed/<cohort>/figures/`` (internal, never published as is),
:func:`save_figure` writes the table behind its marks, ``<name>.marks.csv``, and
``<name>.json``: caption, notebook and cell, inputs hash, the redraw function and the SHA-256 of
the PNG and SVG it belongs to (see :mod:`analysis.report.figures.drawn`). The publication checker
(:mod:`analysis.publish.figures`) decides from those two files; a figure saved bare (a Figure
without marks, e.g. from a user's own notebook) is recorded as undeclared and never published.

Identical figures and provenance give byte-identical files, so an unchanged rerun changes no
file. By default a figure does not name the git commit: the figures are embedded in the
committed notebooks, and a commit inside them would change every notebook with every commit
although no number changed. The commit of a run is kept in the run's reports instead (its
history, :mod:`analysis.report.history`, and the reproducibility block of the findings,
:mod:`analysis.report.reproducibility`). The one deliberately varying value of a run, its date,
lives only in :func:`colophon`.

Nothing happens on import: matplotlib, Pillow, pandas and IPython are imported by the functions
that need them.
"""

from __future__ import annotations

import base64
import functools
import datetime as _dt
import hashlib
import html
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import metadata as _metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

from analysis import paths as _paths
from analysis.atomic import write_bytes_atomic, write_csv_atomic, write_json_atomic
from analysis.errors import CompendiumError, ConfigError

SOFTWARE: str = "vaktherapie-compendium"
"""Value of the ``Software``/``Creator`` field of every figure (no version, no date)."""

UNKNOWN: str = "unknown"
"""What :func:`git_commit` returns outside a git work tree (or without git)."""

UNKNOWN_HASH: str = "onbekend"
"""Inputs hash shown when a cohort's raw folder is not available."""

SHORT_HASH_LENGTH: int = 10
"""Hex digits of a hash as shown to readers (``a1b2c3d4e5``)."""

DEFAULT_PACKAGES: tuple[str, ...] = (
    "numpy", "pandas", "scipy", "statsmodels", "matplotlib", "seaborn", "pyyaml",
    "papermill", "nbconvert", "nbformat", "ipykernel",
)
"""Distributions listed in the colophon of a findings document."""

MANIFEST_COLUMNS: tuple[str, ...] = (
    "figure", "png", "svg", "title", "caption", "notebook", "cell", "cohort",
    "inputs_hash", "commit", "synthetic",
)
"""Columns of :func:`figure_manifest`, in order."""

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_IGNORED_PREFIXES = (".", "~$")  # hidden files, Office lock files


# --------------------------------------------------------------------------- hashes


def hash_files(paths: Iterable[str | os.PathLike], *, root: str | os.PathLike | None = None) -> str:
    """SHA-256 over the sorted relative names and contents of files (folders are walked).

    Parameters
    ----------
    paths : iterable of path-like
        Files or folders. Folders contribute every file below them, except hidden files
        (``.name``) and Office lock files (``~$name``).
    root : path-like, optional
        Names are taken relative to this folder. Default: the folder holding all ``paths``
        (a folder given alone is its own root), so moving the data elsewhere keeps the hash.

    Returns
    -------
    str
        64 hex digits. For each file in name order: the name (POSIX, UTF-8), a NUL byte, the
        size in bytes as decimal, a NUL byte and the bytes of the file. Use :func:`short_hash`
        for display.

    Raises
    ------
    CompendiumError
        When a path does not exist.
    """
    given = [Path(p).resolve() for p in paths]
    for path in given:
        if not path.exists():
            raise CompendiumError(f"cannot hash {_paths.display(path)}: no such file or folder")
    base = Path(root).resolve() if root is not None else _common_root(given)
    files = sorted({f for p in given for f in _walk(p)}, key=lambda f: _relative(f, base))
    digest = hashlib.sha256()
    for file in files:
        data = file.read_bytes()
        digest.update(_relative(file, base).encode("utf-8") + b"\0")
        digest.update(str(len(data)).encode("ascii") + b"\0" + data)
    return digest.hexdigest()


def short_hash(digest: str, length: int = SHORT_HASH_LENGTH) -> str:
    """The first ``length`` hex digits of ``digest``, as shown in captions.

    >>> short_hash("a1b2c3d4e5f60718293a4b5c6d7e8f90")
    'a1b2c3d4e5'
    """
    return digest[:length]


def input_hash(cohort: str, raw_root: str | os.PathLike | None = None) -> str:
    """SHA-256 (64 hex digits) of everything in the raw folder of ``cohort``.

    Names are relative to the cohort folder, so the hash does not depend on where the data
    live (``raw_root`` overrides ``data/raw`` as in :func:`analysis.paths.raw_dir`).

    Raises
    ------
    CompendiumError
        When the folder does not exist or holds no files.
    """
    folder = _paths.raw_dir(cohort, raw_root)
    if not folder.is_dir():
        raise CompendiumError(
            f"cannot hash the inputs of cohort {cohort!r}: folder {_paths.display(folder)} does "
            "not exist; expected the cohort's raw exports there (see data/raw/README.md)"
        )
    if not any(_walk(folder.resolve())):
        raise CompendiumError(
            f"cannot hash the inputs of cohort {cohort!r}: {_paths.display(folder)} holds no files"
        )
    return hash_files([folder], root=folder)


def _walk(path: Path) -> Iterable[Path]:
    """``path`` itself when a file, else every non-ignored file below it."""
    if path.is_file():
        yield path
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(_IGNORED_PREFIXES))
        for name in sorted(filenames):
            if not name.startswith(_IGNORED_PREFIXES):
                yield Path(dirpath) / name


def _common_root(given: list[Path]) -> Path:
    if not given:
        return Path.cwd()
    if len(given) == 1 and given[0].is_dir():
        return given[0]
    return Path(os.path.commonpath([p if p.is_dir() else p.parent for p in given]))


def _relative(file: Path, base: Path) -> str:
    try:
        return file.relative_to(base).as_posix()
    except ValueError:
        return file.as_posix()


# --------------------------------------------------------------------------- environment


def git_commit(root: str | os.PathLike = _paths.ROOT) -> str:
    """Short commit of the work tree at ``root``; ``-dirty`` when tracked files changed.

    Returns :data:`UNKNOWN` (``"unknown"``) outside a git work tree, when git is not installed
    or when git refuses the folder; never raises. Untracked files (outputs) do not count.
    """
    commit = _git(root, "rev-parse", "--short", "HEAD")
    if commit is None:
        return UNKNOWN
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return f"{commit}-dirty" if status else commit


def _git(root: str | os.PathLike, *args: str) -> str | None:
    """Output of ``git -C root args`` without surrounding space, or None when git fails."""
    try:
        done = subprocess.run(
            ["git", "-C", os.fspath(root), *args], capture_output=True, text=True, encoding="utf-8",
            timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def package_versions(names: Iterable[str], *, absent: str = "niet geïnstalleerd") -> dict[str, str]:
    """Installed version of each distribution in ``names`` (``absent`` when not installed).

    >>> package_versions(["surely-not-installed-xyz"])
    {'surely-not-installed-xyz': 'niet geïnstalleerd'}
    """
    versions = {}
    for name in names:
        try:
            versions[name] = _metadata.version(name)
        except _metadata.PackageNotFoundError:
            versions[name] = absent
    return versions


def current_cell(notebook_file: str | os.PathLike | None = None) -> str | None:
    """``"cel N"`` for the IPython cell being executed, or None when N is unknown.

    N is the cell's position in the notebook file, counting every cell (Markdown too) from 1:
    the numbering of the run log, of failure messages and of the anchors ``#cel-N`` on the
    notebook's HTML page (papermill's injected parameters cell is not in the file, so it is not
    counted). The running cell's source is read from IPython's input history, which holds it
    before it executes, and looked up in ``notebook_file`` (default: the file named by the
    environment variable ``COMPENDIUM_NOTEBOOK_FILE``, which the pipeline sets in each kernel,
    else the notebook named by ``COMPENDIUM_NOTEBOOK`` in ``notebooks/``). None outside IPython, when
    the file is not found, or when the source is not exactly one cell of the file (an edited,
    unsaved cell in JupyterLab).
    """
    ipython = sys.modules.get("IPython")  # not imported means not running in IPython
    shell = ipython.get_ipython() if ipython is not None else None
    source = _running_source(shell)
    if source is None:
        return None
    if notebook_file is None:
        name = os.environ.get("COMPENDIUM_NOTEBOOK")
        notebook_file = os.environ.get("COMPENDIUM_NOTEBOOK_FILE") or (
            _paths.NOTEBOOKS / f"{name}.ipynb" if name else None)
        if notebook_file is None:
            return None
    position = cell_position(notebook_file, source)
    return f"cel {position}" if position is not None else None


def _running_source(shell: Any) -> str | None:
    """Source of the cell being executed (:func:`analysis.origin.running_source`)."""
    from analysis.origin import running_source

    return running_source(shell)


def cell_position(notebook_file: str | os.PathLike, source: str) -> int | None:
    """Position (from 1, every cell counted) of the one cell of ``notebook_file`` whose source
    is ``source`` (trailing white space ignored); None when there is not exactly one."""
    file = Path(notebook_file)
    try:
        stat = file.stat()
    except OSError:
        return None
    sources = _cell_sources(str(file), stat.st_mtime_ns, stat.st_size)
    wanted = source.rstrip()
    hits = [i for i, text in enumerate(sources, start=1) if text == wanted]
    return hits[0] if len(hits) == 1 else None


@functools.lru_cache(maxsize=16)
def _cell_sources(file: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    import json

    try:
        cells = json.loads(Path(file).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return ()
    out = []
    for cell in cells:
        text = cell.get("source", "")
        out.append(("".join(text) if isinstance(text, list) else str(text)).rstrip())
    return tuple(out)


def colophon(
    params: Mapping[str, Any], *, packages: Iterable[str] = DEFAULT_PACKAGES,
    root: str | os.PathLike = _paths.ROOT, run_date: str | None = None,
) -> dict[str, Any]:
    """What a findings document states about how it was made.

    Parameters
    ----------
    params : mapping
        Analysis parameters of the run (copied, keys sorted).
    packages : iterable of str
        Distributions whose versions are listed.
    root : path-like
        Work tree whose commit is reported.
    run_date : str, optional
        ISO date of the run. Default: ``SOURCE_DATE_EPOCH`` when set (reproducible builds),
        otherwise today. This is the one value that varies between identical runs: keep it out
        of every table that must be byte-identical.

    Returns
    -------
    dict
        ``run_date`` (str), ``commit`` (str), ``python`` (str), ``packages`` (dict name ->
        version), ``parameters`` (dict).
    """
    return {
        "run_date": run_date or _today(),
        "commit": git_commit(root),
        "python": ".".join(str(v) for v in sys.version_info[:3]),
        "packages": package_versions(packages),
        "parameters": {str(k): params[k] for k in sorted(params, key=str)},
    }


def _today() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class FigureRecord:
    """A saved figure and where it came from (returned by :func:`save_figure`).

    Attributes
    ----------
    name, cohort, notebook : str
        Figure name (file stem), cohort, notebook stem.
    cell : str or None
        ``"cel N"`` or None when unknown.
    png, svg : str
        Paths as shown to readers (relative to the compendium, never absolute).
    caption : str
        The full Dutch caption, ending with :attr:`provenance`.
    provenance : str
        ``Bron: notebook ..., cel N; cohort ...; invoer <10 hex>; commit ...``.
    inputs_hash, commit : str
        Full inputs hash (or ``"onbekend"``) and the commit given to :func:`save_figure`
        (empty by default).
    synthetic : bool
        Whether the banner was stamped.
    title : str
        ``Title`` metadata of the files.
    declared : bool
        Whether the figure was saved with its marks table (a :class:`Drawn`); an undeclared
        figure is never published.
    marks : str
        Path of the marks table as shown to readers ("" when undeclared).
    """

    name: str
    cohort: str
    notebook: str
    cell: str | None
    png: str
    svg: str
    caption: str
    provenance: str
    inputs_hash: str
    commit: str
    synthetic: bool
    title: str
    png_file: Path = field(repr=False, compare=False)
    declared: bool = False
    marks: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The record as one row of :func:`figure_manifest` (no absolute paths)."""
        return {"figure": self.name, "png": self.png, "svg": self.svg, "title": self.title,
                "caption": self.caption, "notebook": self.notebook, "cell": self.cell or "",
                "cohort": self.cohort, "inputs_hash": self.inputs_hash, "commit": self.commit,
                "synthetic": self.synthetic}

    def markdown(self) -> str:
        """The caption as Markdown (special characters escaped), provenance in small print."""
        body = _escape_markdown(self.caption[: -len(self.provenance)].rstrip())
        return f"{body}\n\n<small>{html.escape(self.provenance)}</small>"

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png_file.read_bytes()).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(self.name)}"/>'
                f"<figcaption>{html.escape(self.caption)}</figcaption></figure>")


def save_figure(
    fig, name: str, *, cohort: str, notebook: str, synthetic: bool, caption: str,
    inputs_hash: str | None = None, cell: str | None = None, title: str | None = None,
    commit: str | None = None, figures_root: str | os.PathLike = _paths.FIGURES,
    marks_root: str | os.PathLike | None = None,
) -> FigureRecord:
    """Save ``fig`` as ``<figures_root>/<cohort>/<name>.png`` and ``.svg`` with provenance, and
    the table behind its marks as ``<marks_root>/<cohort>/figures/<name>.marks.csv`` with a meta
    file ``<name>.json``.

    Parameters
    ----------
    fig : Drawn or matplotlib.figure.Figure
        The figure with its marks (:class:`analysis.report.figures.drawn.Drawn`, what every
        function of :mod:`analysis.report.figures` returns), or a bare Figure, which is saved
        and recorded as undeclared (never published).
    name : str
        File stem: letters, digits, ``_``, ``-``, ``.``; no folders.
    cohort, notebook : str
        Cohort name and the notebook that made the figure (``.ipynb`` is dropped).
    synthetic : bool
        Stamp :data:`analysis.report.figures.style.SYNTHETIC_BANNER` across the top (once).
    caption : str
        Dutch caption; the provenance line is appended.
    inputs_hash : str, optional
        Hash of the inputs; default :func:`input_hash` of ``cohort``, or ``"onbekend"`` when
        its raw folder is missing.
    cell : str, optional
        Cell that made the figure; default :func:`current_cell`.
    title : str, optional
        ``Title`` metadata; default ``name``.
    commit : str, optional
        Commit to record in the caption and metadata. Default: none (see the module
        docstring: a commit in a committed figure would churn with every commit).
    figures_root : path-like
        Folder holding one folder per cohort (default ``figures/``).
    marks_root : path-like, optional
        Folder holding one processed-data folder per cohort; default ``data/processed`` of the
        project that ``figures_root`` belongs to (``<figures_root>/../data/processed``).

    Returns
    -------
    FigureRecord
        Paths, caption and provenance; show it in a notebook with :func:`show_figure`.
    """
    from analysis.report.figures.drawn import as_drawn

    figure, drawn = as_drawn(fig)
    _check_name(name, "name")
    _check_name(cohort, "cohort")
    notebook = Path(notebook).name.removesuffix(".ipynb")
    cell = cell if cell is not None else current_cell()
    inputs_hash = inputs_hash or _inputs_hash_or_unknown(cohort)
    commit = commit or ""
    line = provenance_line(notebook=notebook, cell=cell, cohort=cohort,
                           inputs_hash=inputs_hash, commit=commit)
    full = _full_caption(caption, line, synthetic=synthetic)
    fields = figure_fields(title=title or name, caption=full, notebook=notebook, cell=cell,
                           cohort=cohort, inputs_hash=inputs_hash, commit=commit,
                           synthetic=synthetic)
    png_bytes, svg_bytes = render_figure(figure, fields, synthetic=synthetic)
    folder = Path(figures_root) / cohort
    meta_folder = _marks_folder(figures_root, marks_root, cohort)
    marks_file = meta_folder / f"{name}.marks.csv"
    if drawn is not None:
        write_csv_atomic(marks_file, drawn.marks)
    elif marks_file.exists():  # a bare figure replaces a declared one: its old marks go
        marks_file.unlink()
    png_file = write_bytes_atomic(folder / f"{name}.png", png_bytes)
    svg_file = write_bytes_atomic(folder / f"{name}.svg", svg_bytes)
    write_json_atomic(meta_folder / f"{name}.json", {
        "figure": name, "title": title or name, "caption": " ".join(caption.split()),
        "provenance": line, "notebook": notebook, "cell": cell or "", "cohort": cohort,
        "inputs_hash": inputs_hash, "commit": commit, "synthetic": bool(synthetic),
        "declared": drawn is not None, "redraw": drawn.redraw if drawn is not None else None,
        "marks": marks_file.name if drawn is not None else None,
        "columns": column_kinds(drawn.marks) if drawn is not None else None,
        "png_sha256": hashlib.sha256(png_bytes).hexdigest(),
        "svg_sha256": hashlib.sha256(svg_bytes).hexdigest()})
    return FigureRecord(
        name=name, cohort=cohort, notebook=notebook, cell=cell, png=_paths.display(png_file),
        svg=_paths.display(svg_file), caption=full, provenance=line, inputs_hash=inputs_hash,
        commit=commit, synthetic=synthetic, title=title or name, png_file=png_file,
        declared=drawn is not None,
        marks=_paths.display(marks_file) if drawn is not None else "",
    )


def column_kinds(frame) -> dict[str, str]:
    """Column -> ``"text"``, ``"integer"``, ``"number"`` or ``"bool"``: what a marks CSV's
    columns hold, kept in its meta so a label such as an age "7" is read back as text."""
    import pandas as pd

    kinds = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        kinds[str(column)] = ("bool" if pd.api.types.is_bool_dtype(dtype) else "integer"
                              if pd.api.types.is_integer_dtype(dtype) else "number"
                              if pd.api.types.is_numeric_dtype(dtype) else "text")
    return kinds


def marks_folder(cohort: str, *, marks_root: str | os.PathLike = _paths.PROCESSED) -> Path:
    """``<marks_root>/<cohort>/figures``: where :func:`save_figure` keeps marks and meta."""
    return Path(marks_root) / cohort / "figures"


def _marks_folder(figures_root: str | os.PathLike, marks_root: str | os.PathLike | None,
                  cohort: str) -> Path:
    if marks_root is None:
        figures = Path(figures_root)
        same = figures.resolve() == Path(_paths.FIGURES).resolve()
        marks_root = _paths.PROCESSED if same else figures.parent / "data" / "processed"
    return marks_folder(cohort, marks_root=marks_root)


def figure_fields(*, title: str, caption: str, notebook: str, cell: str | None, cohort: str,
                  inputs_hash: str, commit: str = "", synthetic: bool) -> dict[str, str]:
    """The provenance metadata written into a figure's PNG and SVG (``caption`` is the full
    caption, provenance line included)."""
    return {"Title": title, "Description": caption,
            "Source": notebook + (f", {cell}" if cell else ""), "Cohort": cohort,
            "Inputs hash": inputs_hash, **({"Commit": commit} if commit else {}),
            "Synthetic": str(synthetic).lower()}


def provenance_line(*, notebook: str, cell: str | None, cohort: str, inputs_hash: str,
                    commit: str | None = None) -> str:
    """The Dutch provenance line that ends every caption (the commit only when given).

    >>> provenance_line(notebook="01_questionnaires", cell="cel 7", cohort="helmond-2023",
    ...                 inputs_hash="a1b2c3d4e5f6a7b8")
    'Bron: notebook 01_questionnaires, cel 7; cohort helmond-2023; invoer a1b2c3d4e5'
    >>> provenance_line(notebook="x", cell=None, cohort="c", inputs_hash="ab", commit="1234abc")
    'Bron: notebook x; cohort c; invoer ab; commit 1234abc'
    """
    source = notebook + (f", {cell}" if cell else "")
    return (f"Bron: notebook {source}; cohort {cohort}; invoer {short_hash(inputs_hash)}"
            + (f"; commit {commit}" if commit else ""))


def show_figure(record: FigureRecord) -> None:
    """Display a saved figure in the running notebook: the PNG, then its caption as Markdown.

    The PNG becomes an ``image/png`` output, which the HTML report embeds; outside IPython
    nothing is shown.
    """
    from IPython.display import Image, Markdown, display

    display(Image(data=record.png_file.read_bytes(), format="png"))
    display(Markdown(record.markdown()))


def _full_caption(caption: str, line: str, *, synthetic: bool) -> str:
    text = " ".join(caption.split())
    if not text:
        raise ValueError("caption is empty; expected a Dutch sentence describing the figure")
    if text[-1] not in ".!?":
        text += "."
    if synthetic:
        text += " Synthetische data, geen echte gezinnen."
    return f"{text} {line}"


def _inputs_hash_or_unknown(cohort: str) -> str:
    try:
        return input_hash(cohort)
    except CompendiumError:
        return UNKNOWN_HASH


def _check_name(value: str, what: str) -> None:
    if not isinstance(value, str) or not _NAME_PATTERN.match(value):
        raise ConfigError(
            f"{what} {value!r} cannot be used in a file name; expected letters, digits, "
            "'_', '-' or '.', starting with a letter or digit"
        )


def render_figure(fig, fields: Mapping[str, str], *, synthetic: bool) -> tuple[bytes, bytes]:
    """PNG and SVG bytes of ``fig`` in the compendium style, with deterministic metadata
    (``fields`` from :func:`figure_fields`); stamps the synthetic-data banner once."""
    import io as _io

    import matplotlib.pyplot as plt

    from analysis.report.figures.style import SYNTHETIC_BANNER, add_banner, figure_style

    if synthetic and not any(t.get_text() == SYNTHETIC_BANNER for t in fig.texts):
        add_banner(fig)
    png_meta = {"Software": SOFTWARE, **fields}
    keywords = [f"{k}: {fields[k]}" for k in ("Cohort", "Inputs hash", "Commit", "Synthetic")
                if k in fields]
    svg_meta = {"Title": fields["Title"], "Description": fields["Description"],
                "Source": fields["Source"], "Creator": SOFTWARE, "Date": None,
                "Keywords": keywords}
    png, svg = _io.BytesIO(), _io.BytesIO()
    with figure_style(), plt.rc_context({"svg.hashsalt": SOFTWARE}):
        fig.savefig(png, format="png", metadata=png_meta)
        fig.savefig(svg, format="svg", metadata=svg_meta)
    return png.getvalue(), svg.getvalue()


def _escape_markdown(text: str) -> str:
    r"""Backslash-escape Markdown's special characters.

    >>> _escape_markdown("a_b *c*")
    'a\\_b \\*c\\*'
    """
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", text)


# --------------------------------------------------------------------------- manifest


def read_png_metadata(path: str | os.PathLike) -> dict[str, str]:
    """Text chunks (``tEXt``/``iTXt``/``zTXt``) of a PNG file as a dict."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return {str(k): str(v) for k, v in getattr(image, "text", {}).items()}


def figure_manifest(cohort: str, *, figures_root: str | os.PathLike = _paths.FIGURES):
    """One row per figure of ``cohort`` with its provenance, read from the PNG files.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MANIFEST_COLUMNS`: ``figure`` (stem), ``png``, ``svg`` (relative paths;
        ``svg`` empty when missing), ``title``, ``caption``, ``notebook``, ``cell``,
        ``cohort``, ``inputs_hash``, ``commit``, ``synthetic`` (bool); sorted by ``figure``.
        Empty (with these columns) when the cohort has no figures. Deterministic, so the
        pipeline can write it next to the figures for reviewers.
    """
    import pandas as pd

    folder = Path(figures_root) / cohort
    rows = [_manifest_row(png) for png in sorted(folder.glob("*.png"))] if folder.is_dir() else []
    return pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))


def _manifest_row(png: Path) -> dict[str, Any]:
    meta = read_png_metadata(png)
    source = meta.get("Source", "")
    notebook, _, cell = source.partition(", ")
    svg = png.with_suffix(".svg")
    return {"figure": png.stem, "png": _paths.display(png),
            "svg": _paths.display(svg) if svg.is_file() else "",
            "title": meta.get("Title", ""), "caption": meta.get("Description", ""),
            "notebook": notebook, "cell": cell, "cohort": meta.get("Cohort", ""),
            "inputs_hash": meta.get("Inputs hash", ""), "commit": meta.get("Commit", ""),
            "synthetic": meta.get("Synthetic", "") == "true"}
