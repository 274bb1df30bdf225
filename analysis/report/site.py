"""The findings site of a cohort: ``reports/<cohort>/index.html`` and the pages around it.

A reviewer opens ``index.html`` from disk (``file://``) or from any static server and finds, with
one navigation bar on every page:

==========================  =========================================================
``index.html``              overview: what the site holds, the synthetic-data warning
``findings.html``           the findings document (rendered by the pipeline), with a table of
                            contents, numbered figures and tables, and every figure's source
                            linked to its cell
``<notebook>.html``         each executed notebook; every cell has the anchor ``#cel-N`` (N is
                            its position in the notebook file, Markdown counted) and each code
                            cell lists the package functions it calls, with signature and the
                            first line of the docstring
``figuren.html``            every figure with its caption and full provenance
``kerngetallen.html``       every key number with its Dutch label, grouped by notebook, linked
                            to the cell that recorded it
``beweringen.html``         the published claims beside the reproduced values, in Dutch
==========================  =========================================================

Pages are self-contained (images embedded, no script, no external request). Building the site
changes only these pages: the navigation bar and the site's style are inserted between marker
comments, so building twice gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from analysis import paths
from analysis.atomic import write_text_atomic

NAV_START, NAV_END = "<!-- site-nav -->", "<!-- /site-nav -->"
STYLE_START, STYLE_END = "<!-- site-style -->", "<!-- /site-style -->"
TOC_START, TOC_END = "<!-- site-toc -->", "<!-- /site-toc -->"

SITE_PAGES: tuple[tuple[str, str], ...] = (
    ("index.html", "Overzicht"), ("findings.html", "Bevindingen"), ("figuren.html", "Figuren"),
    ("kerngetallen.html", "Kerngetallen"), ("beweringen.html", "Beweringen"),
)
"""Pages of every site, with their Dutch titles (notebook pages follow from the run)."""

SITE_CSS = """
nav.site-nav { font-family: sans-serif; background: #f3f3f3; border-bottom: 1px solid #ccc;
  padding: 0.4em 1em; display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; font-size: 0.95em; }
nav.site-nav a { color: #0b4f8a; text-decoration: none; }
nav.site-nav a[aria-current="page"] { font-weight: bold; color: #000; }
.site-body { font-family: sans-serif; max-width: 60em; margin: 1em auto; padding: 0 1em;
  line-height: 1.45; }
.site-body table { border-collapse: collapse; margin: 1em 0; }
.site-body th, .site-body td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em;
  text-align: left; vertical-align: top; }
.site-body td.getal { text-align: right; white-space: nowrap; }
.cel-kop { font-family: monospace; font-size: 0.8em; color: #555; margin: 0.6em 0 0.1em 0; }
.cel-kop a { color: #555; }
details.functies { font-size: 0.85em; margin: 0.2em 0 0.4em 0; }
details.functies code { white-space: pre-wrap; }
nav.toc { border: 1px solid #ccc; padding: 0.4em 1em; margin: 1em 0; font-family: sans-serif; }
.badge { display: inline-block; padding: 0.1em 0.5em; border-radius: 0.6em; color: #fff;
  font-size: 0.85em; }
.badge.reproduced { background: #2e7d32; } .badge.differs { background: #b3261e; }
.badge.not_computable { background: #6d6d6d; }
figure { break-inside: avoid; }
a.bron { color: inherit; text-decoration: underline dotted #0b4f8a; text-underline-offset: 2px; }
a.bron:hover { color: #0b4f8a; }
aside.kernbevindingen, aside.kanttekening { break-inside: avoid; }
@media print {
  nav.site-nav, details.functies { display: none; }
  .compendium-banner { position: fixed; top: 0; left: 0; right: 0; }
  body { margin-top: 2.5em; }
  figure, table { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
@page { margin: 2cm 1.5cm; @bottom-center { content: "pagina " counter(page) " van " counter(pages); font-family: sans-serif; font-size: 9pt; } }
"""


@dataclass(frozen=True)
class NotebookPage:
    """One executed notebook of the run: file stem and Dutch title."""

    name: str
    title: str


# --------------------------------------------------------------------------- cells and functions


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

    aliases: dict[str, Any] = {}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse("".join(cell.get("source", "")))
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
    items = "".join(f"<li><code>{html.escape(name)}{html.escape(signature)}</code>"
                    f"{': ' + html.escape(doc) if doc else ''}</li>"
                    for name, signature, doc in entries)
    return (f'<details class="functies"><summary>Functies uit het pakket in deze cel '
            f'({len(entries)})</summary><ul>{items}</ul></details>')


# --------------------------------------------------------------------------- the site


def build_site(cohort: str, *, notebooks: Sequence[NotebookPage] | None = None,
               root: str | Path | None = None) -> Path:
    """Write the site pages of ``cohort`` (the internal site of the run, beside its notebook
    pages) and put the navigation on every page; returns ``reports/<cohort>/index.html``.

    ``notebooks`` are the notebook pages in order (default: from ``notebooks/pipeline.yaml``,
    those whose HTML page exists). ``root`` is the project root (default :data:`paths.ROOT`).
    The published site is :func:`build_published_site`, in ``reports/<cohort>/publicatie/``.
    """
    base = Path(root) if root is not None else paths.ROOT
    reports = base / paths.reports_dir(cohort).relative_to(paths.ROOT)
    figures = base / paths.figures_dir(cohort).relative_to(paths.ROOT)
    pages = [p for p in (notebooks if notebooks is not None else _pipeline_notebooks())
             if (reports / f"{p.name}.html").is_file()]
    numbers = _load_json(reports / "key_numbers.json")
    synthetic = bool(numbers.get("synthetic", False))
    title = str(numbers.get("cohort_title") or cohort)
    from analysis.report import keynumbers

    sources = keynumbers.read_sources(cohort, root=root)
    stages = keynumbers.read_fragments(cohort, root=root)
    pngs = sorted(figures.glob("*.png"))
    bodies = {
        "index.html": _index_body(title, pages, reports),
        "figuren.html": _figures_body(pngs, pages),
        "kerngetallen.html": _numbers_body(stages, sources, pages),
        "beweringen.html": _claims_body(reports / "claims.csv"),
    }
    for name, body in bodies.items():
        page_title = dict(SITE_PAGES)[name]
        write_text_atomic(reports / name, _page(f"{page_title}: {title}", body,
                                                synthetic=synthetic))
    nav_pages = [(n, t) for n, t in SITE_PAGES if (reports / n).is_file()]
    nav_pages[2:2] = [(f"{p.name}.html", p.title) for p in pages]
    for name in [n for n, _ in nav_pages]:
        page = (reports / name).read_text(encoding="utf-8")
        updated = _with_navigation(page, name, nav_pages)
        if name == "findings.html":
            updated = annotate_findings(updated, pages)
        if updated != page:
            write_text_atomic(reports / name, updated)
    return reports / "index.html"


PUBLISHED_FOLDER: str = "publicatie"
"""The published set's folder in ``reports/<cohort>/`` (made by ``python -m analysis publish``)."""

PUBLISHED_PAGES: tuple[tuple[str, str], ...] = (
    ("index.html", "Overzicht"), ("findings.html", "Bevindingen"), ("figuren.html", "Figuren"),
    ("kerngetallen.html", "Kerngetallen"), ("beweringen.html", "Beweringen"),
)
"""Pages of the published site, with their Dutch titles (no notebook pages)."""


def build_published_site(folder: str | Path, *, title: str, synthetic: bool, threshold: int,
                         numbers: Mapping[str, Any], stages: Mapping[str, str],
                         figures: Sequence[Any]) -> Path:
    """Write the published site into ``folder`` (the publish stage's folder); returns its
    ``index.html``.

    Every value is shown as given: ``numbers`` are the published key numbers (marks such as
    "<5" and "x" included), ``figures`` the figure checker's decisions
    (:class:`analysis.report.published.PublishedFigure`: shown figures from their published
    PNG, withheld ones named with their Dutch reason), the claims are the folder's published
    ``claims.csv``. ``stages`` (key -> notebook that recorded it) groups the key numbers.
    The pages link only to each other and to files in ``folder``: ``kerngetallen.html`` has the
    anchor ``#<key>`` of every key number (the targets of the numbers in ``findings.html``),
    ``findings.html`` gets the navigation, a table of contents and numbered figures and tables.
    """
    folder = Path(folder)
    bodies = {
        "index.html": _published_index_body(title, threshold, folder),
        "figuren.html": _published_figures_body(folder, figures),
        "kerngetallen.html": _published_numbers_body(numbers, stages),
        "beweringen.html": _claims_body(folder / "claims.csv"),
    }
    for name, body in bodies.items():
        page_title = dict(PUBLISHED_PAGES)[name]
        write_text_atomic(folder / name, _page(f"{page_title}: {title} (publicatieversie)", body,
                                               synthetic=synthetic))
    nav_pages = [(n, t) for n, t in PUBLISHED_PAGES if (folder / n).is_file()]
    for name in [n for n, _ in nav_pages]:
        page = (folder / name).read_text(encoding="utf-8")
        updated = _with_navigation(page, name, nav_pages)
        if name == "findings.html":
            updated = annotate_findings(updated, [])
        if updated != page:
            write_text_atomic(folder / name, updated)
    return folder / "index.html"


def _published_index_body(title: str, threshold: int, folder: Path) -> str:
    files = [(name, text) for name, text in (
        ("key_numbers.json", "de gepubliceerde kerngetallen (JSON)"),
        ("claims.csv", "de gepubliceerde beweringen naast de gereproduceerde waarden (CSV)"),
        ("disclosure_check.csv", "de openbaarmakingscontrole: elk bestand met de toegepaste "
                                 "regel, de beslissing en de kleinste cel (CSV)"),
        ("publicatie.json", "drempel, hash van de ruwe data, commit en datum (JSON)"),
        ("findings.pdf", "het document als PDF"),
    ) if (folder / name).is_file()]
    items = ['<li><a href="findings.html">Bevindingen</a>: het document met de uitkomsten; elk '
             'getal is een link naar de kerngetallenpagina.</li>',
             '<li><a href="figuren.html">Figuren</a>: de gepubliceerde figuren, en welke figuren '
             'zijn weggelaten en waarom.</li>',
             '<li><a href="kerngetallen.html">Kerngetallen</a>: elk gepubliceerd getal met een '
             'Nederlandse omschrijving.</li>',
             '<li><a href="beweringen.html">Beweringen</a>: de getallen van de publicatie naast '
             'wat deze analyse berekent.</li>']
    items += [f'<li><a href="{html.escape(name)}">{html.escape(name)}</a>: {html.escape(text)}'
              "</li>" for name, text in files]
    return (f"<h1>{html.escape(title)}: publicatieversie</h1>\n<p>Deze map is de "
            "publicatieversie van de analyse, gemaakt met <code>python -m analysis publish</code>"
            f" met grens {int(threshold)} voor kleine aantallen. Alles hierin komt uit één "
            "gepubliceerde set getallen en gecontroleerde figuren; de pagina's werken zonder "
            "internet.</p>\n<ul>\n" + "\n".join(items) + "\n</ul>")


def _published_figures_body(folder: Path, figures: Sequence[Any]) -> str:
    from analysis.report import provenance

    parts = ["<h1>Figuren</h1>"]
    shown = [f for f in figures if f.shown]
    withheld = [f for f in figures if not f.shown]
    for number, figure in enumerate(shown, start=1):
        png = folder / figure.file
        meta = provenance.read_png_metadata(png)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        redrawn = (f"<p>{html.escape(figure.reason_nl)}</p>" if figure.status == "redrawn"
                   and figure.reason_nl else "")
        parts.append(
            f'<figure id="{html.escape(figure.name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(meta.get("Title", figure.name))}" style="max-width:100%"/>'
            f"<figcaption><strong>Figuur {number}.</strong> "
            f"{html.escape(meta.get('Description', ''))}</figcaption></figure>\n{redrawn}"
            "<table><tr><th>bestand</th><td>" + html.escape(figure.file) + "</td></tr>"
            + "".join(f"<tr><th>{html.escape(k.lower())}</th><td>{html.escape(str(meta[k]))}"
                      "</td></tr>" for k in ("Cohort", "Inputs hash", "Synthetic") if k in meta)
            + "</table>")
    if not shown:
        parts.append("<p>Geen figuur van deze run staat in de publicatie.</p>")
    if withheld:
        from analysis.report.findings_sections import figure_name_nl

        parts.append("<h2>Weggelaten figuren</h2>\n<ul>" + "".join(  # Dutch words, no ids
            f"<li>{html.escape(figure_name_nl(f.name)[:1].upper() + figure_name_nl(f.name)[1:])}: "
            f"{html.escape(f.reason_nl)}</li>" for f in withheld) + "</ul>")
    return "\n".join(parts)


def _published_numbers_body(numbers: Mapping[str, Any], stages: Mapping[str, str]) -> str:
    from analysis.report.labels import format_key_number, label_nl

    from analysis.report.findings_sections import ABSENT_PARTS_NL, absent_part_keys

    titles = notebook_titles()
    left_out = set(absent_part_keys(numbers))  # parts the cohort does not have (issue 22)
    numbers = {k: v for k, v in numbers.items() if k not in left_out}
    order = list(titles) + sorted({s for s in stages.values() if s not in titles})
    groups = [(titles.get(stage, stage), [k for k in sorted(numbers) if stages.get(k) == stage])
              for stage in order]
    groups.append(("Overige kerngetallen", [k for k in sorted(numbers) if k not in stages]))
    parts = ["<h1>Kerngetallen</h1>",
             "<p>Elk gepubliceerd getal, met zijn naam in <code>key_numbers.json</code>. "
             "\"&lt;k\" is een klein aantal personen, \"x\" een getal dat een verborgen aantal "
             "zou verraden; een leeg getal betekent dat de gegevens het niet toelaten.</p>"]
    if left_out:
        parts.append(f"<p>{html.escape(ABSENT_PARTS_NL)}</p>")
    for title, keys in groups:
        if not keys:
            continue
        parts.append(f"<h2>{html.escape(title)}</h2>\n<table><tr><th>kerngetal</th>"
                     "<th>waarde</th><th>naam</th></tr>")
        for key in keys:
            parts.append(f'<tr id="{html.escape(key)}"><td>{html.escape(label_nl(key))}</td>'
                         f'<td class="getal">{html.escape(format_key_number(numbers[key]))}</td>'
                         f"<td><code>{html.escape(key)}</code></td></tr>")
        parts.append("</table>")
    return "\n".join(parts)


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


def _load_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _page(title: str, body: str, *, synthetic: bool) -> str:
    from analysis.report.pages import BANNER_TEXT

    banner = (f'<div class="compendium-banner" role="note" style="background:#b3261e;color:#fff;'
              f'font-family:sans-serif;font-weight:bold;text-align:center;padding:0.6em">'
              f'{html.escape(BANNER_TEXT)}</div>' if synthetic else "")
    return ("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n{banner}\n"
            f"<main class=\"site-body\">\n{body}\n</main>\n</body>\n</html>\n")


def _with_navigation(page: str, current: str, nav_pages: Sequence[tuple[str, str]]) -> str:
    page = _strip_between(page, NAV_START, NAV_END)
    page = _strip_between(page, STYLE_START, STYLE_END)
    links = " ".join(
        f'<a href="{html.escape(name)}"' + (' aria-current="page"' if name == current else "")
        + f">{html.escape(text)}</a>" for name, text in nav_pages)
    nav = f'{NAV_START}<nav class="site-nav" aria-label="Site">{links}</nav>{NAV_END}'
    style = f"{STYLE_START}<style>{SITE_CSS}</style>{STYLE_END}"
    page = page.replace("</head>", style + "\n</head>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav + "\n", page, count=1)


def _strip_between(page: str, start: str, end: str) -> str:
    return re.sub(re.escape(start) + r".*?" + re.escape(end) + r"\n?", "", page, flags=re.S)


# --------------------------------------------------------------------------- page bodies


def _index_body(title: str, pages: Sequence[NotebookPage], reports: Path) -> str:
    items = ['<li><a href="findings.html">Bevindingen</a>: het document met de uitkomsten, '
             'elk getal en elke figuur gekoppeld aan de cel die het berekende.</li>']
    items += [f'<li><a href="{p.name}.html">{html.escape(p.title)}</a></li>' for p in pages]
    items += ['<li><a href="figuren.html">Figuren</a>: alle figuren met bijschrift en herkomst.'
              '</li>',
              '<li><a href="kerngetallen.html">Kerngetallen</a>: elk getal van de run, per '
              'notebook, met een Nederlandse omschrijving.</li>',
              '<li><a href="beweringen.html">Beweringen</a>: de gepubliceerde getallen naast wat '
              'deze analyse berekent.</li>']
    if (reports / PUBLISHED_FOLDER / "index.html").is_file():
        items.append(f'<li><a href="{PUBLISHED_FOLDER}/index.html">Publicatieversie</a>: wat '
                     "gedeeld mag worden, na de openbaarmakingscontrole (gemaakt met "
                     "<code>python -m analysis publish</code>).</li>")
    return (f"<h1>{html.escape(title)}</h1>\n<p>Deze pagina's zijn gemaakt door de pipeline van "
            "het compendium en werken zonder internet. Elke pagina heeft bovenaan dezelfde "
            "navigatie.</p>\n<ul>\n" + "\n".join(items) + "\n</ul>")


def _figures_body(pngs: Iterable[Path], pages: Sequence[NotebookPage]) -> str:
    from analysis.report import provenance

    known = {p.name for p in pages}
    parts = ["<h1>Figuren</h1>"]
    for number, png in enumerate(pngs, start=1):
        meta = provenance.read_png_metadata(png)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        source = meta.get("Source", "")
        parts.append(
            f'<figure id="figuur-{number}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(meta.get("Title", png.stem))}" style="max-width:100%"/>'
            f"<figcaption><strong>Figuur {number}.</strong> "
            f"{html.escape(meta.get('Description', ''))}</figcaption></figure>\n"
            "<table><tr><th>bestand</th><td>" + html.escape(png.name) + "</td></tr>"
            "<tr><th>bron</th><td>" + _source_link(source, known) + "</td></tr>"
            + "".join(f"<tr><th>{html.escape(k.lower())}</th><td>{html.escape(str(meta[k]))}"
                      "</td></tr>" for k in ("Cohort", "Inputs hash", "Commit", "Synthetic")
                      if k in meta)
            + "</table>")
    if len(parts) == 1:
        parts.append("<p>Deze run heeft geen figuren gemaakt.</p>")
    return "\n".join(parts)


def _source_link(source: str, known: set[str]) -> str:
    """``"03_trajectories, cel 6"`` as a link to that cell on the notebook's page."""
    match = re.match(r"\s*([\w.-]+)(?:, cel (\d+))?", source)
    if not match or match.group(1) not in known:
        return html.escape(source)
    target = f"{match.group(1)}.html" + (f"#cel-{match.group(2)}" if match.group(2) else "")
    return f'<a href="{target}">{html.escape(source)}</a>'


def _numbers_body(stages: Mapping[str, Mapping[str, Any]],
                  sources: Mapping[str, tuple[str, int]], pages: Sequence[NotebookPage]) -> str:
    from analysis.report.labels import format_key_number, label_nl

    from analysis.report.findings_sections import ABSENT_PARTS_NL, absent_part_keys

    titles = {p.name: p.title for p in pages}
    left_out = set(absent_part_keys({k: v for n in stages.values() for k, v in n.items()}))
    parts = ["<h1>Kerngetallen</h1>",
             "<p>Elk getal dat de notebooks van deze run vastlegden, met de cel die het "
             "vastlegde. Een leeg getal betekent dat de gegevens het niet toelaten.</p>"]
    if left_out:  # parts the cohort does not have (issue 22)
        parts.append(f"<p>{html.escape(ABSENT_PARTS_NL)}</p>")
    for stage, numbers in stages.items():
        numbers = {k: v for k, v in numbers.items() if k not in left_out}
        parts.append(f'<h2 id="{html.escape(stage)}">{html.escape(titles.get(stage, stage))}'
                     "</h2>\n<table><tr><th>kerngetal</th><th>waarde</th><th>naam</th>"
                     "<th>cel</th></tr>")
        for key in sorted(numbers):
            where = sources.get(key)
            cell = (f'<a href="{where[0]}.html#cel-{where[1]}">cel {where[1]}</a>'
                    if where and where[0] in titles else "")
            shown = format_key_number(numbers[key])
            parts.append(f"<tr><td>{html.escape(label_nl(key))}</td><td class=\"getal\">"
                         f"{html.escape(shown)}</td><td><code>{html.escape(key)}</code></td>"
                         f"<td>{cell}</td></tr>")
        parts.append("</table>")
    return "\n".join(parts)


def _claims_body(claims_csv: Path) -> str:
    import pandas as pd

    from analysis.report.claims import statements_nl
    from analysis.report.narrative import format_value

    parts = ["<h1>Beweringen</h1>"]
    try:
        table = pd.read_csv(claims_csv, dtype={"claim_id": str}, keep_default_na=False)
    except (OSError, ValueError):
        table = pd.DataFrame()
    if table.empty:
        parts.append("<p>Voor dit cohort zijn geen gepubliceerde getallen opgegeven.</p>")
        return "\n".join(parts)
    dutch, status_nl = statements_nl(), {"reproduced": "gereproduceerd", "differs": "wijkt af",
                                         "not_computable": "niet te berekenen"}
    parts.append("<table><tr><th>bewering</th><th>gepubliceerd</th><th>gereproduceerd</th>"
                 "<th>95%-interval</th><th>status</th><th>toelichting</th></tr>")
    for row in table.itertuples():
        interval = (f"{format_value(_num(row.ci_low))} tot {format_value(_num(row.ci_high))}"
                    if str(row.ci_low) != "" else "")
        status = str(row.status)
        parts.append(
            f"<tr><td>{html.escape(dutch.get(row.claim_id, row.claim_id))}</td>"
            f"<td class=\"getal\">{html.escape(format_value(_num(row.published)))}</td>"
            f"<td class=\"getal\">{html.escape(format_value(_num(row.reproduced)))}</td>"
            f"<td class=\"getal\">{html.escape(interval)}</td>"
            f'<td><span class="badge {html.escape(status)}">'
            f"{html.escape(status_nl.get(status, status))}</span></td>"
            f"<td>{html.escape(str(row.note))}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _num(value: Any) -> Any:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else number


# --------------------------------------------------------------------------- findings


def annotate_findings(page: str, pages: Sequence[NotebookPage]) -> str:
    """The findings page with a table of contents, numbered figures ("Figuur N") and tables
    ("Tabel N"), each figure's source ("notebook X, cel N") linked to that cell, and each
    cross-reference in the text (``<a class="figuurverwijzing" href="#fig-NAME">``, written by
    :meth:`analysis.report.findings.Findings.figure_ref`) reading "figuur N" for the figure with
    that id. Figures are numbered in order of appearance; a reference to a figure that is not
    on the page is removed with its "(zie ...)". Annotating twice gives the same page."""
    page = _strip_between(page, TOC_START, TOC_END)
    known = {p.name for p in pages}
    page, numbers = _number_figures(page)
    page = _fill_figure_references(page, numbers)
    page = re.sub(r"Bron: notebook ([\w.-]+), cel (\d+)",
                  lambda m: (f'Bron: <a href="{m.group(1)}.html#cel-{m.group(2)}">notebook '
                             f"{m.group(1)}, cel {m.group(2)}</a>") if m.group(1) in known
                  else m.group(0), page)
    page = re.sub(r'<p class="tabelnummer"[^>]*><strong>Tabel \d+</strong></p>', "", page)
    tables = iter(range(1, 10_000))
    page = re.sub(r"(<table[^>]*>)", lambda m: _table_label(next(tables)) + m.group(1), page)
    return _with_contents(page)


def _number_figures(page: str) -> tuple[str, dict[str, int]]:
    """Every ``<figure>`` with a caption numbered "Figuur N." in order; returns the page and
    figure id -> number."""
    numbers: dict[str, int] = {}
    counter = iter(range(1, 10_000))

    def replace(match: re.Match) -> str:
        number = next(counter)
        figure_id = re.search(r'\bid="([^"]+)"', match.group(1))
        if figure_id:
            numbers[figure_id.group(1)] = number
        return f"{match.group(1)}{match.group(2)}{match.group(3)}<strong>Figuur {number}.</strong> "

    pattern = (r"(<figure\b[^>]*>)((?:(?!<figure\b|<figcaption).)*)(<figcaption[^>]*>)"
               r"(?:<strong>Figuur \d+\.</strong> )?")
    return re.sub(pattern, replace, page, flags=re.S), numbers


def _fill_figure_references(page: str, numbers: Mapping[str, int]) -> str:
    def replace(match: re.Match) -> str:
        number = numbers.get(match.group(1))
        if number is None:
            return ""
        return (f' <span class="zie">(zie <a class="figuurverwijzing" href="#{match.group(1)}">'
                f"figuur {number}</a>)</span>")

    return re.sub(r' ?<span class="zie">\(zie <a class="figuurverwijzing" href="#([^"]+)">'
                  r"figuur(?: \d+)?</a>\)</span>", replace, page)


def _with_contents(page: str) -> str:
    headings = re.findall(r'<h([23]) id="([^"]+)"[^>]*>(.*?)</h\1>', page, flags=re.S)
    if not headings:
        return page
    items = "".join(
        f'<li style="margin-left:{(int(level) - 2) * 1.5}em"><a href="#{anchor}">'
        f"{re.sub(r'<[^>]+>', '', text).replace('¶', '').strip()}</a></li>"
        for level, anchor, text in headings)
    toc = (f'{TOC_START}<nav class="toc" aria-label="Inhoud"><strong>Inhoud</strong>'
           f'<ul style="list-style:none;padding-left:0">{items}</ul></nav>{TOC_END}')
    first = next((m.start() for m in re.finditer(r'<h2 id="([^"]+)"', page)
                  if m.group(1) != "Kernbevindingen"), -1)
    if first >= 0:
        start = page.rfind('<div class="jp-Cell', 0, first)
        at = start if start >= 0 else first
        page = page[:at] + toc + page[at:]
    return page


def _table_label(number: int) -> str:
    return f'<p class="tabelnummer" id="tabel-{number}"><strong>Tabel {number}</strong></p>'


# --------------------------------------------------------------------------- PDF

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-pdf-header-footer",
)
"""Flags for printing offline: no network, no header or footer (they would show the file's
path on this machine); page numbers come from the site's ``@page`` rule."""


def print_pdf(cohort: str, *, browser: str | None = None, root: str | Path | None = None,
              timeout: float = 120, folder: str | Path | None = None) -> Path:
    """Print ``reports/<cohort>/findings.html`` to ``findings.pdf`` beside it, with headless
    Chromium; with ``folder``, the ``findings.html`` in that folder (the publish stage prints
    the published document into the published folder, never the internal one).

    Figures are never split from their captions (``break-inside: avoid``), every page carries
    the synthetic-data banner of a synthetic cohort and its page number. Raises
    :class:`~analysis.errors.CompendiumError` when no Chromium is found or printing fails.
    """
    import shutil
    import subprocess
    import tempfile

    from analysis.errors import CompendiumError

    base = Path(root) if root is not None else paths.ROOT
    reports = (Path(folder) if folder is not None
               else base / paths.reports_dir(cohort).relative_to(paths.ROOT))
    findings = reports / "findings.html"
    if not findings.is_file():
        raise CompendiumError(f"no findings document for cohort {cohort!r}; run the pipeline "
                              f"first (python -m analysis run --cohort {cohort})")
    program = browser or next((p for p in (shutil.which(n) for n in
                                           ("chromium", "chromium-browser", "google-chrome"))
                               if p), None)
    if program is None:
        raise CompendiumError("printing the PDF needs Chromium (Debian: apt-get install "
                              "chromium); none was found on PATH")
    target = reports / "findings.pdf"
    with tempfile.TemporaryDirectory() as profile:
        partial = Path(profile) / "findings.pdf"
        command = [program, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                   f"--print-to-pdf={partial}", findings.resolve().as_uri()]
        result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8",
                                errors="replace", timeout=timeout)
        if result.returncode != 0 or not partial.is_file():
            raise CompendiumError(f"Chromium could not print {paths.display(findings)} "
                                  f"(exit {result.returncode}); expected a PDF")
        from analysis.atomic import write_bytes_atomic

        write_bytes_atomic(target, partial.read_bytes())
    return target
