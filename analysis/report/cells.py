"""Cells of a notebook page: anchors, the package functions each cell calls, the key numbers
it computed, and a page of every such function's source.

On a notebook's HTML page every cell gets the anchor ``#cel-N`` (N its position in the notebook
file, Markdown counted) and a code cell a heading "cel N" with a box naming the package
functions it calls (:func:`annotate_cells`). The site adds, at the cell that computed them, the
key numbers with the package function that computed them (:func:`with_origins`, from
:func:`analysis.report.keynumbers.read_origins`), and writes a highlighted page of each named
function's source into ``bron/`` (:func:`write_source_pages`), so a reader goes from a number in
the findings to the cell that computed it and from there to the code, offline.

Used by :mod:`analysis.report.pages` (while rendering a notebook) and by
:mod:`analysis.report.site`; imports neither.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from analysis import paths

SOURCE_FOLDER: str = "bron"
"""Folder of the function source pages, beside the notebook pages."""

ORIGIN_START, ORIGIN_END = "<!-- kg-origin -->", "<!-- /kg-origin -->"
"""Markers around a cell's key-number box (rebuilt on every site build)."""



def cell_positions(nb) -> dict[str, int]:
    """Cell id -> position in the notebook file (from 1, Markdown counted), for every cell of
    the executed notebook ``nb`` except papermill's injected parameters cell."""
    out, position = {}, 0
    for cell in nb.cells:
        if "injected-parameters" in (cell.get("metadata", {}).get("tags") or []):
            continue
        position += 1
        if cell.get("id"):
            out[str(cell["id"])] = position
    return out


def called_functions(nb) -> dict[str, list[tuple[str, str, str]]]:
    """Per code cell id: the ``analysis`` functions it calls, as (qualified name, signature,
    first docstring line), in order of first call.

    Names are resolved statically from the notebook's imports (``from analysis.x import y as z``)
    and from simple assignments whose value is returned by a resolved function with a return
    annotation (``ctx = start(...)`` makes ``ctx.save_figure`` a method of the annotated class).
    """
    import ast

    from analysis.pipeline.deps import parse_python

    aliases: dict[str, Any] = {}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = parse_python("".join(cell.get("source", "")))
        except SyntaxError:
            continue
        _collect_imports(tree, aliases)
        found: list[tuple[str, str, str]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                returned = _returned_class(_resolve(node.value.func, aliases))
                for target in node.targets:
                    if returned is not None and isinstance(target, ast.Name):
                        aliases[target.id] = returned
            if isinstance(node, ast.Call):
                entry = _describe(_resolve(node.func, aliases))
                if entry is not None and entry not in found:
                    found.append(entry)
        if found and cell.get("id"):
            out[str(cell["id"])] = found
    return out


def _collect_imports(tree, aliases: dict[str, Any]) -> None:
    import ast
    import importlib

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
            for name in node.names:
                try:
                    module = importlib.import_module(node.module)
                    aliases[name.asname or name.name] = getattr(module, name.name)
                except (ImportError, AttributeError):
                    try:
                        aliases[name.asname or name.name] = importlib.import_module(
                            f"{node.module}.{name.name}")
                    except ImportError:
                        continue
        elif isinstance(node, ast.Import):
            for name in node.names:
                if name.name.startswith("analysis") and name.asname:
                    try:
                        aliases[name.asname] = importlib.import_module(name.name)
                    except ImportError:
                        continue


def _resolve(expr, aliases: Mapping[str, Any]) -> Any:
    import ast

    if isinstance(expr, ast.Name):
        return aliases.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, aliases)
        return getattr(owner, expr.attr, None) if owner is not None else None
    return None


def _returned_class(function: Any) -> Any:
    import typing

    if not callable(function) or isinstance(function, type):
        return function if isinstance(function, type) else None
    try:
        hint = typing.get_type_hints(function).get("return")
    except Exception:  # unresolvable annotations: no type to follow
        return None
    return hint if isinstance(hint, type) and hint.__module__.startswith("analysis") else None


def _describe(obj: Any) -> tuple[str, str, str] | None:
    import inspect

    if obj is None or not callable(obj):
        return None
    module = getattr(obj, "__module__", "") or ""
    if not module.startswith("analysis"):
        return None
    name = f"{module}.{getattr(obj, '__qualname__', getattr(obj, '__name__', '?'))}"
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        signature = "(...)"
    doc = (inspect.getdoc(obj) or "").strip().splitlines()
    return name, signature, doc[0] if doc else ""


def annotate_cells(page: str, nb, *, show_functions: bool = True) -> str:
    """``page`` (nbconvert HTML of ``nb``) with an anchor ``cel-N`` and a "cel N" heading at every
    cell, and under each code cell the package functions it calls (see :func:`called_functions`)."""
    positions = cell_positions(nb)
    functions = called_functions(nb) if show_functions else {}
    kinds = {str(c.get("id")): c.get("cell_type") for c in nb.cells}

    def insert(match: re.Match) -> str:
        cell_id = match.group(2)
        position = positions.get(cell_id)
        if position is None:
            return match.group(0)
        extra = f'<a id="cel-{position}"></a>'
        if kinds.get(cell_id) == "code":
            extra += (f'<div class="cel-kop"><a href="#cel-{position}">cel {position}</a></div>'
                      + _functions_box(functions.get(cell_id, [])))
        return match.group(0) + extra

    return re.sub(r'(<div class="jp-Cell [^"]*" id="cell-id=([^"]+)">)', insert, page)


def _functions_box(entries: Sequence[tuple[str, str, str]]) -> str:
    if not entries:
        return ""
    items = "".join(f"<li><code>{function_link(name)}{html.escape(signature)}</code>"
                    f"{': ' + html.escape(doc) if doc else ''}</li>"
                    for name, signature, doc in entries)
    return (f'<details class="functies"><summary>Functies uit het pakket in deze cel '
            f'({len(entries)})</summary><ul>{items}</ul></details>')


def source_page(name: str) -> str:
    """Relative address of the source page of function ``name`` (qualified), e.g.
    ``bron/analysis.stats.location.hodges_lehmann.html``."""
    return f"{SOURCE_FOLDER}/{name}.html"


def function_link(name: str, *, text: str | None = None) -> str:
    """``name`` (a qualified package function) as a link to its source page, showing ``text``
    (default: the name)."""
    return (f'<a class="functie" href="{html.escape(source_page(name))}">'
            f"{html.escape(text if text is not None else name)}</a>")


def short_name(name: str) -> tuple[str, str]:
    """(function, module) of a qualified name: ``("hodges_lehmann", "analysis.stats.location")``;
    a method keeps its class (``"QuestionnaireResults.key_numbers"``)."""
    import importlib

    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        return ".".join(parts[cut:]), module
    return parts[-1], ".".join(parts[:-1])


def resolve(name: str) -> Any:
    """The package object named ``name`` (qualified), or None when it no longer exists."""
    function, module = short_name(name)
    import importlib

    try:
        obj: Any = importlib.import_module(module)
    except ImportError:
        return None
    for part in function.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def with_origins(page: str, origins: Mapping[str, Mapping[str, Any]],
                 labels: Mapping[str, str] | None = None) -> str:
    """A notebook page with, under the heading of each cell that computed key numbers, a box
    naming them and the package function that computed each (linked to its source page).

    ``origins`` are this notebook's entries of :func:`analysis.report.keynumbers.read_origins`
    (key -> ``{"cell", "function", "via", ...}``); ``labels`` key -> Dutch label. Each key gets
    the anchor ``kg-<key>``. Keys without a function (recorded where no declared function was
    called) are listed as "vastgelegd in deze cel". Applying it twice gives the same page.
    """
    page = re.sub(re.escape(ORIGIN_START) + r".*?" + re.escape(ORIGIN_END), "", page, flags=re.S)
    by_cell: dict[int, dict[tuple[str | None, str | None], list[str]]] = {}
    for key in sorted(origins):
        where = origins[key]
        group = by_cell.setdefault(int(where["cell"]), {})
        group.setdefault((where.get("function"), where.get("via")), []).append(key)
    labels = labels or {}

    def box(cell: int) -> str:
        items = []
        for (function, via), keys in sorted(by_cell[cell].items(),
                                            key=lambda kv: (kv[0][0] is None, str(kv[0][0]))):
            names = ", ".join(
                f'<span id="kg-{html.escape(k)}" title="{html.escape(labels.get(k, k))}">'
                f"<code>{html.escape(k)}</code></span>" for k in keys)
            if function is None:
                head = "vastgelegd in deze cel"
            else:
                short, module = short_name(function)
                head = (f"berekend door {function_link(function, text=short)} "
                        f'(<code class="module">{html.escape(module)}</code>)')
                if via and via != function:
                    via_short, via_module = short_name(via)
                    head += (f", aangeroepen via {function_link(via, text=via_short)} "
                             f'(<code class="module">{html.escape(via_module)}</code>)')
            count = len(keys)
            items.append(f"<li>{head}: {count} {'kerngetal' if count == 1 else 'kerngetallen'}"
                         f' <span class="sleutels">{names}</span></li>')
        return (f'{ORIGIN_START}<div class="kg-herkomst"><strong>Kerngetallen uit cel {cell}'
                f"</strong><ul>{''.join(items)}</ul></div>{ORIGIN_END}")

    def insert(match: re.Match) -> str:
        cell = int(match.group(1))
        return match.group(0) + (box(cell) if cell in by_cell else "")

    return re.sub(r'<div class="cel-kop"><a href="#cel-(\d+)">cel \d+</a></div>', insert, page)


def origin_names(origins: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """Every function named by ``origins`` (computing functions and the calls that led there)."""
    return {name for where in origins.values() for name in (where.get("function"),
                                                            where.get("via")) if name}


def write_source_pages(folder: str | Path, names: Iterable[str]) -> list[Path]:
    """Write ``folder/bron/<name>.html``: the source of each package function in ``names``,
    highlighted (Pygments, styles inline: the page works offline) with its module, file and
    first line. A name that no longer resolves gets no page. Returns the pages written."""
    import inspect

    from analysis.atomic import write_text_atomic

    out = []
    for name in sorted(set(names)):
        obj = resolve(name)
        obj = inspect.unwrap(obj) if callable(obj) else obj
        try:
            lines, first = inspect.getsourcelines(obj)
            file = Path(inspect.getsourcefile(obj) or "")
        except (TypeError, OSError):
            continue
        try:
            shown_file = file.resolve().relative_to(paths.ROOT).as_posix()
        except ValueError:
            shown_file = file.name
        short, module = short_name(name)
        body = (f"<h1><code>{html.escape(short)}</code></h1>\n<p>Module "
                f"<code>{html.escape(module)}</code>, bestand <code>{html.escape(shown_file)}"
                f"</code>, vanaf regel {first}. Dit is de broncode van het pakket zoals die bij "
                f"deze run hoorde.</p>\n{_highlight(''.join(lines), first)}")
        target = Path(folder) / SOURCE_FOLDER / f"{name}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        page = ("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>Broncode: {html.escape(short)}</title>\n</head>\n<body>\n"
                f'<main class="site-body">\n{body}\n</main>\n</body>\n</html>\n')
        out.append(write_text_atomic(target, page))
    return out


@functools.lru_cache(maxsize=1024)
def _highlight(code: str, first: int) -> str:
    """``code`` as highlighted HTML with line numbers from ``first`` (kept per process: every
    cohort's site shows the same functions, and Pygments took half its source pages' time)."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:  # Pygments comes with nbconvert; without it the source stays plain
        return f"<pre>{html.escape(code)}</pre>"
    formatter = HtmlFormatter(noclasses=True, linenos="inline", linenostart=first,
                              style="default", wrapcode=True)
    return highlight(code, PythonLexer(), formatter)


# --------------------------------------------------------------------------- notebook pages


@dataclass(frozen=True)
class NotebookPage:
    """One executed notebook of the run: file stem and Dutch title."""

    name: str
    title: str


def notebook_titles() -> dict[str, str]:
    """Notebook name -> Dutch title ("01 Vragenlijsten"), from ``notebooks/pipeline.yaml``;
    key numbers are grouped under these titles on the site and in ``compare``."""
    return {page.name: page.title for page in _pipeline_notebooks()}


def _pipeline_notebooks() -> list[NotebookPage]:
    import yaml

    spec = yaml.safe_load(paths.PIPELINE_FILE.read_text(encoding="utf-8")) or {}
    out = []
    for entry in spec.get("notebooks", []):
        name = Path(entry["file"]).stem
        out.append(NotebookPage(name, f"{name[:2]} {entry.get('title', {}).get('nl', name)}"))
    return out
