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
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from analysis import paths
from analysis.atomic import write_text_atomic
from analysis.report.display import dutch_tables, dutch_text_outputs

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
[id] { scroll-margin-top: 4.5em; }
:target { outline: 2px solid #0b4f8a; outline-offset: 2px; }
.kg-herkomst { font-family: sans-serif; font-size: 0.85em; border-left: 3px solid #0b4f8a;
  background: #f5f8fb; padding: 0.2em 0.7em; margin: 0.2em 0 0.5em 0; }
.kg-herkomst ul { margin: 0.2em 0; padding-left: 1.2em; }
.kg-herkomst .module, .kg-herkomst .sleutels { color: #444; }
a.functie { color: #0b4f8a; }
aside.kernbevindingen, aside.kanttekening { break-inside: avoid; }
nav.toc ul { list-style: none; padding-left: 0; columns: 2; column-gap: 2em; }
nav.toc li { break-inside: avoid; }
section.titelblok { font-family: sans-serif; border-top: 2px solid #0b4f8a;
  border-bottom: 1px solid #ccc; margin: 0.5em 0 1.5em 0; padding: 0.5em 0; }
section.titelblok p.titel { font-size: 1.2em; font-weight: bold; margin: 0.2em 0; }
section.titelblok dl { display: grid; grid-template-columns: 9em 1fr; gap: 0.2em 1em;
  margin: 0; }
section.titelblok dt { font-weight: bold; color: #444; }
section.titelblok dd { margin: 0; }
ul.literatuur li { margin-bottom: 0.4em; padding-left: 1.5em; text-indent: -1.5em;
  list-style: none; }
caption { caption-side: top; text-align: left; font-family: sans-serif; font-size: 0.9em;
  padding: 0.3em 0; }
@media print {
  nav.site-nav, details.functies, .kg-herkomst { display: none; }
  .compendium-banner, nav.site-nav { position: static !important; }
  body { margin: 0; font-size: 10.5pt; }
  figure, table, tr, img, aside { break-inside: avoid; }
  h1, h2, h3, h4, p.tabelnummer, caption, figcaption { break-after: avoid; }
  figcaption, caption { break-before: avoid; }
  table.claims { font-size: 8.5pt; table-layout: fixed; }
  table.claims span { white-space: normal !important; display: inline-block; }
  img { max-width: 100% !important; }
  a.bron { text-decoration: none; }
}
@page { size: A4; margin: 2cm 1.8cm 2cm 1.8cm;
  @bottom-center { content: "pagina " counter(page) " van " counter(pages);
    font-family: sans-serif; font-size: 9pt; } }
"""

PRINT_BANNER_CSS = """
@page { @top-center { content: "SYNTHETISCHE DATA - geen echte gezinnen"; color: #b3261e;
  font-family: sans-serif; font-size: 9pt; font-weight: bold; } }
"""
"""Added to the pages of a synthetic cohort: every printed page names the synthetic data in
its top margin, where it covers no text (the banner itself prints once, at the top)."""


from analysis.report.cells import (  # noqa: E402,F401  (re-exported: the site's cell API)
    NotebookPage,
    _pipeline_notebooks,
    annotate_cells,
    called_functions,
    cell_positions,
    notebook_titles,
)

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

    origins = keynumbers.read_origins(cohort, root=root)
    stages = keynumbers.read_fragments(cohort, root=root)
    findings_page = reports / "findings.html"
    order = figure_order(findings_page.read_text(encoding="utf-8")
                         if findings_page.is_file() else "", figures.glob("*.png"))
    pngs = [figures / f"{name}.png" for name in order]
    bodies = {
        "index.html": _index_body(title, pages, reports),
        "figuren.html": _figures_body(pngs, pages),
        "kerngetallen.html": _numbers_body(stages, origins, pages),
        "beweringen.html": _claims_body(reports / "claims.csv"),
    }
    for name, body in bodies.items():
        page_title = dict(SITE_PAGES)[name]
        write_text_atomic(reports / name, _page(f"{page_title}: {title}", body,
                                                synthetic=synthetic))
    nav_pages = [(n, t) for n, t in SITE_PAGES if (reports / n).is_file()]
    nav_pages[2:2] = [(f"{p.name}.html", p.title) for p in pages]
    from analysis.report.findings_sections import absent_part_keys

    left_out = set(absent_part_keys({k: v for n in stages.values() for k, v in n.items()}))
    for name in [n for n, _ in nav_pages]:
        page = (reports / name).read_text(encoding="utf-8")
        updated = _with_navigation(page, name, nav_pages)
        if name == "findings.html":
            updated = dutch_tables(annotate_findings(updated, pages))
            updated = with_alt_texts(updated, figures)
            updated = _with_furniture(updated, cohort, reports, numbers, pages, published=False)
            updated = annotate_findings(updated, pages)  # the contents list the back matter too
            if root is None or Path(root).resolve() == paths.ROOT:
                updated = fresh_colophon(updated, cohort)
        stage = name.removesuffix(".html")
        if stage in {p.name for p in pages}:
            updated = _with_cell_origins(updated, stage, origins, left_out)
            updated = dutch_text_outputs(dutch_tables(updated))
        if updated != page:
            write_text_atomic(reports / name, updated)
    _source_pages(reports, pages, origins, nav_pages, synthetic=synthetic)
    return reports / "index.html"


def fresh_colophon(page: str, cohort: str) -> str:
    """The internal findings page with its colophon rebuilt from the state of this run.

    The findings notebook may be cached (a run that re-executed only notebook 03); its
    colophon would then show the commit, the dirty flag and the date of an older run. The
    block between :data:`~analysis.report.reproducibility.COLOPHON_START` and ``_END`` is
    replaced by the colophon made now (:meth:`analysis.report.findings.Findings.colophon`,
    after the run was kept in the history), so every date and fact in it is this run's.
    A page without the markers is returned as it is.
    """
    from nbconvert.filters.markdown import markdown2html

    from analysis.report import reproducibility
    from analysis.report.findings import open_findings

    start, end = reproducibility.COLOPHON_START, reproducibility.COLOPHON_END
    if start not in page or end not in page:
        return page
    name = reproducibility.findings_notebook() or "05_findings"
    executed = paths.reports_dir(cohort) / f"{name}.ipynb"
    try:
        meta = json.loads(executed.read_text(encoding="utf-8"))["metadata"]["papermill"]
        parameters = dict(meta.get("parameters") or {})
    except (OSError, ValueError, KeyError, TypeError):
        parameters = {"cohort": cohort}
    raw_root = parameters.get("raw_root")
    doc = open_findings(cohort, raw_root=raw_root)
    text = doc.colophon({"cohort": cohort}, after_record=True).text
    inner = text.replace(start, "").replace(end, "").strip()
    fresh = f"{start}\n{markdown2html(inner)}\n{end}"
    return re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: fresh, page, count=1,
                  flags=re.S)


def _with_furniture(page: str, cohort: str, folder: Path, numbers: Mapping[str, Any],
                    pages: Sequence[NotebookPage], *, published: bool) -> str:
    """Title block, lists of figures and tables, references and files
    (:mod:`analysis.report.furniture`); files only from ``folder`` (the published bundle
    links only to its own files)."""
    from analysis.report import furniture
    from analysis.report.runstate import git_state

    try:
        from analysis.data import processed

        config = dict(processed.read_config(cohort))
    except Exception:  # noqa: BLE001 - no validated settings (a test folder): the title alone
        config = {"title": numbers.get("cohort_title") or cohort}
    candidates = [("findings.pdf", "dit document als PDF (A4)"),
                  ("claims.csv", "de gepubliceerde beweringen naast de gereproduceerde waarden"),
                  ("key_numbers.json", "alle kerngetallen van de run, met hun naam"),
                  ("disclosure_check.csv", "de openbaarmakingscontrole per bestand"),
                  ("publicatie.json", "drempel, hash van de ruwe data, run en commit")]
    candidates += [(f"{p.name}.ipynb", f"notebook {p.title}, uitgevoerd") for p in pages]
    files = furniture.files_beside(folder, candidates)
    return furniture.with_furniture(page, config, files=files, commit=git_state().commit,
                                    published=published)


def _with_cell_origins(page: str, stage: str, origins: Mapping[str, Mapping[str, Any]],
                       left_out: set[str] = frozenset()) -> str:
    """The cells' boxes of key numbers; ``left_out``: keys of parts the cohort does not have
    (:func:`analysis.report.findings_sections.absent_part_keys`), not listed, as on
    ``kerngetallen.html``."""
    from analysis.report.cells import with_origins
    from analysis.report.labels import label_nl

    mine = {key: where for key, where in origins.items()
            if where["stage"] == stage and key not in left_out}
    return with_origins(page, mine, {key: label_nl(key) for key in mine})


def _source_pages(reports: Path, pages: Sequence[NotebookPage],
                  origins: Mapping[str, Mapping[str, Any]],
                  nav_pages: Sequence[tuple[str, str]], *, synthetic: bool) -> None:
    """The source page of every package function a notebook page names (called by a cell or
    computing a key number), in ``bron/``, with the navigation; stale pages are removed."""
    import nbformat

    from analysis.report import cells

    names = cells.origin_names(origins)
    for page in pages:
        notebook = reports / f"{page.name}.ipynb"
        if notebook.is_file():
            nb = nbformat.read(notebook, as_version=4)
            names |= {name for entries in cells.called_functions(nb).values()
                      for name, _, _ in entries}
    written = set(cells.write_source_pages(reports, names))
    folder = reports / cells.SOURCE_FOLDER
    up = [(f"../{name}", title) for name, title in nav_pages]
    for file in sorted(folder.glob("*.html")) if folder.is_dir() else []:
        if file not in written:
            file.unlink()
            continue
        text = file.read_text(encoding="utf-8")
        updated = text
        if synthetic and "compendium-banner" not in updated:  # before the navigation, which
            # adds the banner's print rule to the page's style when it finds the banner
            updated = re.sub(r"(<main )", lambda m: _banner_html() + "\n" + m.group(1), updated,
                             count=1)
        updated = _with_navigation(updated, "", up)
        if updated != text:
            write_text_atomic(file, updated)


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
            updated = dutch_tables(annotate_findings(updated, []))
            for place in sorted({(folder / f.file).parent for f in figures if f.shown}):
                updated = with_alt_texts(updated, place)
            updated = _with_furniture(updated, folder.parent.name, folder, {"cohort_title": title},
                                      [], published=True)
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
        ("publicatie.json", "drempel, hash van de ruwe data, run en commit (JSON)"),
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
    findings = folder / "findings.html"
    shown = {Path(f.file).stem: f for f in figures if f.shown}
    order = figure_order(findings.read_text(encoding="utf-8") if findings.is_file() else "",
                         [Path(f.file) for f in shown.values()])
    shown = [shown[name] for name in order]  # figure N here is figure N in the findings
    withheld = [f for f in figures if not f.shown]
    for number, figure in enumerate(shown, start=1):
        png = folder / figure.file
        meta = provenance.read_png_metadata(png)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        redrawn = (f"<p>{html.escape(figure.reason_nl)}</p>" if figure.status == "redrawn"
                   and figure.reason_nl else "")
        parts.append(
            f'<figure id="fig-{html.escape(figure.name)}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt_text(meta, figure.name))}" style="max-width:100%"/>'
            f"<figcaption><strong>Figuur {number}.</strong> "
            f"{html.escape(meta.get('Description', ''))}</figcaption></figure>\n{redrawn}"
            "<table><tr><th>bestand</th><td>" + html.escape(figure.file) + "</td></tr>"
            + "".join(f"<tr><th>{html.escape(PROVENANCE_NL[k])}</th><td>"
                      f"{html.escape(_provenance_value(meta[k]))}</td></tr>"
                      for k in ("Cohort", "Inputs hash", "Synthetic") if k in meta)
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


def _load_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _banner_html() -> str:
    from analysis.report.pages import BANNER_TEXT

    return (f'<div class="compendium-banner" role="note" style="background:#b3261e;color:#fff;'
            f'font-family:sans-serif;font-weight:bold;text-align:center;padding:0.6em">'
            f'{html.escape(BANNER_TEXT)}</div>')


def _page(title: str, body: str, *, synthetic: bool) -> str:
    banner = _banner_html() if synthetic else ""
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
    css = SITE_CSS + (PRINT_BANNER_CSS if "compendium-banner" in page else "")
    style = f"{STYLE_START}<style>{css}</style>{STYLE_END}"
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


def figure_order(findings_page: str, pngs: Iterable[Path]) -> list[str]:
    """One numbering of the figures on every page: the figures of the findings document in
    the order they appear there (``<figure id="fig-NAME">``), then the run's other figures by
    name. Figure N on ``figuren.html`` is figure N in the findings."""
    names = {png.stem for png in pngs}
    shown = [n for n in dict.fromkeys(re.findall(r'<figure id="fig-([^"]+)"', findings_page))
             if n in names]
    return shown + sorted(names - set(shown))


def alt_text(meta: Mapping[str, str], name: str) -> str:
    """What a figure shows in one Dutch sentence: its caption (the PNG's ``Description``, the
    Dutch caption given to ``save_figure``) without the provenance that follows it; the name
    only when a figure has no caption."""
    caption = " ".join(str(meta.get("Description", "")).split())
    sentence = re.split(r"(?<=[.!?])\s", caption, maxsplit=1)[0].strip() if caption else ""
    if not sentence:
        return f"Figuur {name}"
    return sentence if sentence.endswith((".", "!", "?")) else sentence + "."


def with_alt_texts(page: str, figures: Path) -> str:
    """``page`` with every figure ``<figure id="fig-NAME">`` whose image has no sentence as
    alt text (the bare name) given :func:`alt_text` from ``figures/NAME.png``."""
    from analysis.report import provenance

    def replace(match: re.Match) -> str:
        name = match.group(2)
        png = figures / f"{name}.png"
        if not png.is_file():
            return match.group(0)
        alt = alt_text(provenance.read_png_metadata(png), name)
        return re.sub(r'alt="[^"]*"', f'alt="{html.escape(alt)}"', match.group(0), count=1)

    return re.sub(r'(<figure id="fig-([^"]+)"[^>]*>\s*<img\b[^>]*>)', replace, page)


def _figures_body(pngs: Iterable[Path], pages: Sequence[NotebookPage]) -> str:
    from analysis.report import provenance

    known = {p.name for p in pages}
    parts = ["<h1>Figuren</h1>",
             "<p>De figuren van deze run, genummerd zoals in de bevindingen (daarna de figuren "
             "die alleen in de notebooks staan), elk met bijschrift en herkomst.</p>"]
    for number, png in enumerate(pngs, start=1):
        meta = provenance.read_png_metadata(png)
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        source = meta.get("Source", "")
        parts.append(
            f'<figure id="fig-{html.escape(png.stem)}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(alt_text(meta, png.stem))}" style="max-width:100%"/>'
            f"<figcaption><strong>Figuur {number}.</strong> "
            f"{html.escape(meta.get('Description', ''))}</figcaption></figure>\n"
            "<table><tr><th>bestand</th><td>" + html.escape(png.name) + "</td></tr>"
            "<tr><th>bron</th><td>" + _source_link(source, known) + "</td></tr>"
            + "".join(f"<tr><th>{html.escape(PROVENANCE_NL[k])}</th><td>"
                      f"{html.escape(_provenance_value(meta[k]))}</td></tr>"
                      for k in ("Cohort", "Inputs hash", "Commit", "Synthetic") if k in meta)
            + "</table>")
    if len(parts) == 1:
        parts.append("<p>Deze run heeft geen figuren gemaakt.</p>")
    return "\n".join(parts)


PROVENANCE_NL: dict[str, str] = {"Cohort": "cohort", "Inputs hash": "hash van de ruwe data",
                                 "Commit": "commit van de code", "Synthetic": "synthetische data"}
"""Dutch names of the provenance fields a figure's PNG carries (its metadata stays English)."""


def _provenance_value(value: Any) -> str:
    from analysis.report.display import cell_nl

    return cell_nl(str(value))


def _source_link(source: str, known: set[str]) -> str:
    """``"03_trajectories, cel 6"`` as a link to that cell on the notebook's page."""
    match = re.match(r"\s*([\w.-]+)(?:, cel (\d+))?", source)
    if not match or match.group(1) not in known:
        return html.escape(source)
    target = f"{match.group(1)}.html" + (f"#cel-{match.group(2)}" if match.group(2) else "")
    return f'<a href="{target}">{html.escape(source)}</a>'


def _numbers_body(stages: Mapping[str, Mapping[str, Any]],
                  origins: Mapping[str, Mapping[str, Any]], pages: Sequence[NotebookPage]) -> str:
    from analysis.report.cells import function_link, short_name
    from analysis.report.labels import format_key_number, label_nl

    from analysis.report.findings_sections import ABSENT_PARTS_NL, absent_part_keys

    titles = {p.name: p.title for p in pages}
    left_out = set(absent_part_keys({k: v for n in stages.values() for k, v in n.items()}))
    parts = ["<h1>Kerngetallen</h1>",
             "<p>Elk getal dat de notebooks van deze run vastlegden, met de cel die het "
             "berekende en de functie uit het pakket die dat deed (een link naar de broncode). "
             "Een leeg getal betekent dat de gegevens het niet toelaten.</p>"]
    if left_out:  # parts the cohort does not have (issue 22)
        parts.append(f"<p>{html.escape(ABSENT_PARTS_NL)}</p>")
    for stage, numbers in stages.items():
        numbers = {k: v for k, v in numbers.items() if k not in left_out}
        parts.append(f'<h2 id="{html.escape(stage)}">{html.escape(titles.get(stage, stage))}'
                     "</h2>\n<table><tr><th>kerngetal</th><th>waarde</th><th>naam</th>"
                     "<th>berekend in</th><th>door</th></tr>")
        for key in sorted(numbers):
            where = origins.get(key)
            cell = (f'<a href="{where["stage"]}.html#cel-{where["cell"]}">cel {where["cell"]}'
                    "</a>" if where and where["stage"] in titles else "")
            function = (function_link(where["function"],
                                      text=short_name(where["function"])[0])
                        if where and where.get("function") and where["stage"] in titles else "")
            shown = format_key_number(numbers[key])
            parts.append(f'<tr id="{html.escape(key)}"><td>{html.escape(label_nl(key))}</td>'
                         f'<td class="getal">{html.escape(shown)}</td><td><code>'
                         f"{html.escape(key)}</code></td><td>{cell}</td><td>{function}</td></tr>")
        parts.append("</table>")
    return "\n".join(parts)


def _claims_body(claims_csv: Path) -> str:
    import pandas as pd

    from analysis.report.claims import interval_text, is_percent, notes_nl, reproduced_text
    from analysis.report.claims import statements_nl, value_text

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
    notes = notes_nl()
    parts.append("<table><tr><th>bewering</th><th>gepubliceerd</th><th>gereproduceerd</th>"
                 "<th>95%-interval</th><th>status</th><th>toelichting</th></tr>")
    for row in table.itertuples():
        interval = interval_text(_num(row.ci_low), _num(row.ci_high))
        unit = getattr(row, "unit", "")
        published = value_text(_num(row.published), is_percent(unit, _num(row.numerator)))
        reproduced = reproduced_text(*(_num(v) for v in (row.reproduced, row.numerator,
                                                          row.denominator)))
        status = str(row.status)
        parts.append(
            f"<tr><td>{html.escape(dutch.get(row.claim_id, row.claim_id))}</td>"
            f"<td class=\"getal\">{html.escape(published)}</td>"
            f"<td class=\"getal\">{html.escape(reproduced)}</td>"
            f"<td class=\"getal\">{html.escape(interval)}</td>"
            f'<td><span class="badge {html.escape(status)}">'
            f"{html.escape(status_nl.get(status, status))}</span></td>"
            f"<td>{html.escape(notes.get(row.claim_id, str(row.note)))}</td></tr>")
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
    page = _number_tables(page)
    return _with_contents(page)


def _number_tables(page: str) -> str:
    """Every table numbered "Tabel N" in order: a table with a caption (``<table
    id="tabel-NAME"><caption>``, :class:`analysis.report.display.CaptionedTable`) gets the
    number in its caption and each reference ``<a class="tabelverwijzing"
    href="#tabel-NAME">`` reads "tabel N"; a table without one gets a numbered label."""
    page = re.sub(r'<p class="tabelnummer"[^>]*><strong>Tabel \d+</strong></p>', "", page)
    page = re.sub(r"(<caption>)<strong>Tabel \d+\.</strong> ", r"\1", page)
    counter = iter(range(1, 10_000))
    numbers: dict[str, int] = {}

    def number(match: re.Match) -> str:
        n = next(counter)
        name = re.search(r'\bid="(tabel-[^"]+)"', match.group(1))
        if name and match.group(2):
            numbers[name.group(1)] = n
            return f"{match.group(1)}{match.group(2)}<strong>Tabel {n}.</strong> "
        return _table_label(n) + match.group(0)

    page = re.sub(r"(<table\b[^>]*>)(\s*<caption>)?", number, page)
    return re.sub(r'<a class="tabelverwijzing" href="#([^"]+)">tabel(?: \d+)?</a>',
                  lambda m: (f'<a class="tabelverwijzing" href="#{m.group(1)}">tabel '
                             f"{numbers[m.group(1)]}</a>") if m.group(1) in numbers
                  else "", page)


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
