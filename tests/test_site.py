"""The findings site: cell anchors, function lists, labels, navigation, numbering, crawling."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

import nbformat
import pytest

from analysis import paths
from analysis.report import keynumbers, labels, site


# --------------------------------------------------------------------------- a static crawler


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def crawl(start: Path) -> tuple[list[Path], list[str]]:
    """Every page reachable from ``start`` by relative links, and every broken link or anchor
    (as ``"page -> href"``). External links count as broken: the site must work offline."""
    seen, broken, queue = [], [], [start.resolve()]
    parsed: dict[Path, _Links] = {}
    while queue:
        page = queue.pop()
        if page in seen:
            continue
        seen.append(page)
        parsed[page] = parsed.get(page) or _parse(page)
        for href in parsed[page].hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                broken.append(f"{page.name} -> {href} (external)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.name} -> {href} (no such file)")
                continue
            if parts.fragment:
                if target.suffix == ".html":
                    parsed[target] = parsed.get(target) or _parse(target)
                    ids = parsed[target].ids  # browsers try the fragment as is, then decoded
                    if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                        broken.append(f"{page.name} -> {href} (no such anchor)")
            if target.suffix == ".html" and target not in seen:
                queue.append(target)
    return seen, broken


# --------------------------------------------------------------------------- numbers in prose


class _Prose(HTMLParser):
    """Text of the findings' prose (Markdown outputs and call-out boxes) outside links,
    headings, quotes, code and captions, up to the colophon; one string per block."""

    SKIP = {"a", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "code", "figcaption",
            "script", "style", "table", "dl"}  # dl: the title block (dates, licence, version)

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.depth = 0          # open elements inside the current block (0: outside)
        self.skipping = 0
        self.done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done or tag in ("br", "img", "hr", "meta", "link", "input"):
            return
        if attrs.get("id") == "Colofon":
            self.done = True
            return
        if self.depth:
            self.depth += 1
            self.skipping += tag in self.SKIP or bool(self.skipping)
            return
        if attrs.get("data-mime-type") == "text/markdown" or tag == "aside":
            self.depth, self.skipping = 1, 0
            self.blocks.append("")

    def handle_endtag(self, tag):
        if self.done or not self.depth or tag in ("br", "img", "hr"):
            return
        self.depth -= 1
        self.skipping = max(0, self.skipping - 1) if self.skipping else 0

    def handle_data(self, data):
        if self.depth and not self.skipping and not self.done:
            self.blocks[-1] += data


TYPED_IN_TEMPLATES = (
    "95%-interval", "0,800 betrouwbaar", "0,667 voorlopig", "p onder 0,05", "80% power",
    "d = 0,3", "25% hoger", "±10 procentpunt", "±18 procentpunt", "Onder de 30 gezinnen",
    "80% haalt", "80% power)", "95%-interval tot 0 vanaf", "Wilcoxon-toets boven 0,05 vanaf",
)
"""Constants typed in the findings' templates (definitions of the method, not results)."""

TYPED_PATTERNS = (r"\([A-Z][^()]*?,? \d{4}\)", r"\d+-\d+-jarig\w*",
                  r"[A-Z][\w-]+ e\.a\., \d{4}")
"""Typed text that holds digits: literature citations "(Vugteveen e.a., 2022)", also inside a
longer parenthesis ("Maurice-Stam e.a., 2018, en ..."), and the age groups of a cited norm
("6-11-jarigen")."""


def unlinked_numbers(page: str, allowed: Sequence[str] = ()) -> list[str]:
    """Numbers in the prose of a findings page that carry no link, with some context.

    ``allowed`` phrases (constants typed in the templates, cohort.yaml words such as a cited
    publication's year) are removed first."""
    parser = _Prose()
    parser.feed(page)
    found = []
    for block in parser.blocks:
        text = " ".join(block.split())
        for phrase in sorted(allowed, key=len, reverse=True):
            text = text.replace(phrase, " ")
        for pattern in TYPED_PATTERNS:
            text = re.sub(pattern, " ", text)
        found += [text[max(0, m.start() - 30):m.end() + 10] for m in re.finditer(r"\d+", text)]
    return found


def test_unlinked_numbers_finds_plain_numbers_and_accepts_linked_ones():
    page = ('<div data-mime-type="text/markdown"><h2 id="x">1. Data</h2><p>Alfa van '
            '6-11-jarigen (Maurice-Stam e.a., 2018). Van de '
            '<a class="bron" href="a.html#cel-1">14</a> gezinnen: 9 verhoogd '
            '(95%-interval <a href="a.html#cel-1">35%</a>).</p><blockquote>3 keer</blockquote>'
            '</div><aside><strong>Let op.</strong> 12 gezinnen</aside>'
            '<h2 id="Colofon">Colofon</h2><div data-mime-type="text/markdown">Python 3.12</div>')
    found = unlinked_numbers(page, TYPED_IN_TEMPLATES)
    assert len(found) == 2 and "9 verhoogd" in found[0] and "12 gezinnen" in found[1]


# --------------------------------------------------------------------------- cells


def _notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Titel"),
        nbformat.v4.new_code_cell("cohort = 'x'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("cohort = 'y'", metadata={"tags": ["injected-parameters"]}),
        nbformat.v4.new_code_cell("from analysis.pipeline.notebook import start\n"
                                  "from analysis.report.figures import style as s\n"
                                  "ctx = start(cohort, 'nb')\nctx.banner()\ns.format_nl(1.5)"),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = "injected-parameters" if i == 2 else f"c{i:02d}"
    return nb


def test_cell_positions_count_every_cell_but_the_injected_one():
    assert site.cell_positions(_notebook()) == {"c00": 1, "c01": 2, "c03": 3}


def test_called_functions_follow_imports_and_annotated_return_types():
    found = site.called_functions(_notebook())["c03"]
    names = [name for name, _, _ in found]
    assert names == ["analysis.pipeline.notebook.start",
                     "analysis.pipeline.notebook.NotebookContext.banner",
                     "analysis.text.format_nl"]
    signature, first_line = found[0][1], found[0][2]
    assert signature.startswith("(cohort: 'str', notebook: 'str'") or "cohort" in signature
    assert first_line  # the docstring's first line is shown


def test_annotate_cells_adds_anchors_and_function_lists():
    page = "".join(f'<div class="jp-Cell jp-CodeCell" id="cell-id={cid}">x</div>'
                   for cid in ("c00", "c01", "injected-parameters", "c03"))
    out = site.annotate_cells(page, _notebook())
    assert 'id="cel-1"' in out and 'id="cel-2"' in out and 'id="cel-3"' in out
    assert "cel-4" not in out  # the injected cell has no position
    assert out.count('<details class="functies">') == 1
    assert "analysis.text.format_nl" in out


# --------------------------------------------------------------------------- labels


def test_every_label_word_is_dutch_for_a_typical_key():
    assert labels.label_nl("t0_elevated_n") == "Beginmeting, verhoogd, aantal"
    assert labels.unknown_words("t0_elevated_n") == []
    assert labels.unknown_words("zz_made_up") == ["zz", "made", "up"]


def test_exact_labels_win_over_words():
    assert labels.label_nl("slots") == "Beschikbare plekken voor gezinstrajecten"


# --------------------------------------------------------------------------- site on a small run


@pytest.fixture
def tiny_run(tmp_path):
    """A project folder holding what a run leaves: key-number fragments with their cells, two
    notebook pages, a findings page with a figure, and a claims table."""
    cohort = "tiny"
    keynumbers.write_fragment({"slots": 30, "trajectories_n": 12, "sdq_n": None},
                              cohort=cohort, stage="00_data", root=tmp_path)
    keynumbers.write_sources({"slots": 3, "trajectories_n": 3}, cohort=cohort, stage="00_data",
                             root=tmp_path)
    keynumbers.merge(cohort, root=tmp_path)
    reports = tmp_path / "reports" / cohort
    cells = "".join(f'<div class="jp-Cell jp-CodeCell" id="cell-id=c{i:02d}">cel</div>'
                    for i in range(4))
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1") for _ in range(4)]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i:02d}"
    page = ("<html><head><title>00</title></head><body>"
            + site.annotate_cells(cells, nb) + "</body></html>")
    (reports / "00_data.html").write_text(page, encoding="utf-8")
    (reports / "findings.html").write_text(
        '<html><head></head><body><h1 id="t">Bevindingen</h1>'
        '<div class="jp-Cell x" id="cell-id=c01"><h2 id="1.-Data">1. Data</h2></div>'
        '<figure><img src="data:image/png;base64,AA=="/><figcaption>Stroom. Bron: notebook '
        "00_data, cel 3; cohort tiny</figcaption></figure><table><tr><td>1</td></tr></table>"
        '<h2 id="Colofon">Colofon</h2></body></html>', encoding="utf-8")
    (reports / "claims.csv").write_text(
        "claim_id,published,reproduced,numerator,denominator,ci_low,ci_high,status,note\n"
        "pilot_slots,30,30,,,,,reproduced,\n", encoding="utf-8")
    pages = [site.NotebookPage("00_data", "00 Data inlezen")]
    index = site.build_site(cohort, notebooks=pages, root=tmp_path)
    return index, reports, pages


def test_site_pages_are_written_and_every_link_resolves(tiny_run):
    index, reports, _ = tiny_run
    seen, broken = crawl(index)
    assert broken == []
    names = {p.name for p in seen}
    assert {"index.html", "findings.html", "00_data.html", "figuren.html", "kerngetallen.html",
            "beweringen.html"} <= names


def test_navigation_is_on_every_page_once_and_building_twice_changes_nothing(tiny_run, tmp_path):
    index, reports, pages = tiny_run
    before = {p.name: p.read_bytes() for p in reports.glob("*.html")}
    for page in before.values():
        assert page.count(b'<nav class="site-nav"') == 1
    site.build_site("tiny", notebooks=pages, root=tmp_path)
    assert {p.name: p.read_bytes() for p in reports.glob("*.html")} == before


def test_findings_get_contents_numbers_and_cell_links(tiny_run):
    _, reports, _ = tiny_run
    page = (reports / "findings.html").read_text(encoding="utf-8")
    assert '<nav class="toc"' in page and 'href="#1.-Data"' in page and 'href="#Colofon"' in page
    assert "<strong>Figuur 1.</strong>" in page and "<strong>Tabel 1</strong>" in page
    assert 'href="00_data.html#cel-3"' in page


def test_figure_references_get_the_number_of_the_figure_they_name():
    ref = ' <span class="zie">(zie <a class="figuurverwijzing" href="#fig-{}">figuur</a>)</span>'
    page = ("<html><head></head><body><p>Zie" + ref.format("b") + " en" + ref.format("gone")
            + ".</p>" + "".join(f'<figure id="fig-{n}"><img src="x"/><figcaption>{n}.</figcaption>'
                                "</figure>" for n in ("a", "b")) + "</body></html>")
    once = site.annotate_findings(page, [])
    assert 'href="#fig-b">figuur 2</a>)' in once and "fig-gone" not in once
    assert "<strong>Figuur 1.</strong> a." in once and "<strong>Figuur 2.</strong> b." in once
    assert site.annotate_findings(once, []) == once


def test_explain_names_label_value_cell_and_functions(tiny_run, tmp_path):
    from analysis.report.explain import explain

    _, reports, _ = tiny_run
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 00"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("from analysis.report.labels import label_nl\n"
                                          "label_nl('slots')")]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    nbformat.write(nb, reports / "00_data.ipynb")
    text = explain("slots", "tiny", root=tmp_path).text()
    assert "Beschikbare plekken voor gezinstrajecten" in text and ": 30" in text
    assert "notebook 00_data, cel 3" in text and "00_data.html#cel-3" in text
    assert "analysis.report.labels.label_nl(key: 'str') -> 'str'" in text
    assert "niet te berekenen" in explain("sdq_n", "tiny", root=tmp_path).text()


def test_explain_an_unknown_key_suggests_close_names(tiny_run, tmp_path):
    from analysis.errors import CompendiumError
    from analysis.report.explain import explain

    with pytest.raises(CompendiumError, match="no key number 'slot'.*did you mean slots"):
        explain("slot", "tiny", root=tmp_path)


def test_compare_uses_the_sites_labels_groups_and_notation(tiny_run, tmp_path):
    from analysis.report import pages

    reports = tmp_path / "reports"
    (reports / "other").mkdir()
    (reports / "other" / "key_numbers.json").write_text(json.dumps(
        {"slots": 12500, "sdq_total_wilcoxon_p": 0.05273}), encoding="utf-8")
    page = pages.compare_cohorts(["tiny", "other"], reports_root=reports,
                                 figures_root=tmp_path / "figures").read_text(encoding="utf-8")
    assert "Beschikbare plekken voor gezinstrajecten" in page  # label, not only the name
    assert "00 Data" in page and "Overige kerngetallen" in page  # grouped by notebook
    assert "12 500" in page and "0,0527" in page and "niet te berekenen" in page


def test_key_numbers_page_labels_values_and_cells(tiny_run):
    _, reports, _ = tiny_run
    page = (reports / "kerngetallen.html").read_text(encoding="utf-8")
    assert "Beschikbare plekken voor gezinstrajecten" in page
    assert 'href="00_data.html#cel-3"' in page
    assert "niet te berekenen" in page  # sdq_n is null: the data did not allow it


def test_claims_page_is_dutch_without_ids(tiny_run):
    _, reports, _ = tiny_run
    page = (reports / "beweringen.html").read_text(encoding="utf-8")
    assert "gereproduceerd" in page and 'class="badge reproduced"' in page
    assert "pilot_slots" not in page


def test_written_sources_point_at_cells(tmp_path):
    keynumbers.write_fragment({"a_n": 1}, cohort="c", stage="01_x", root=tmp_path)
    keynumbers.write_sources({"a_n": 7}, cohort="c", stage="01_x", root=tmp_path)
    assert keynumbers.read_sources("c", root=tmp_path) == {"a_n": ("01_x", 7)}
    assert json.loads((tmp_path / "data/processed/c/key_numbers/sources/01_x.json")
                      .read_text(encoding="utf-8")) == {"a_n": {"cell": 7, "function": None,
                                                                "via": None, "recorded": 7}}
    assert set(keynumbers.read_fragments("c", root=tmp_path)) == {"01_x"}  # not a fragment


def test_print_pdf_needs_a_findings_document(tmp_path):
    from analysis.errors import CompendiumError

    with pytest.raises(CompendiumError, match="run the pipeline first"):
        site.print_pdf("nothing-here", root=tmp_path)


# --------------------------------------------------------------------------- Dutch everywhere

ENGLISH_WORDS: tuple[str, ...] = (
    "the", "and", "with", "without", "planned", "capacity", "every", "stays", "under", "this",
    "denominator", "ambiguous", "at least", "target", "reached", "within", "safeguard",
    "placeholder", "negligible", "inputs hash", "synthetic", "true", "false", "nan", "none",
    "scale", "estimate", "effect size", "p value", "count", "mean", "median", "share", "step",
    "missing", "reason", "note", "source", "small", "medium", "large", "improved", "unchanged",
    "deteriorated", "total", "group", "session", "theme", "proportion", "assumption", "method",
    "observed", "enrolled", "family", "families", "analysis", "yes", "ok",
)
"""English words a Dutch reader must not meet on the site (none of them is also Dutch; words
that are, such as "of", "status", "code", "cohort", "power" or "scenario", are not listed)."""


class _Visible(HTMLParser):
    """The text a reader sees: everything outside code (notebook inputs, ``<code>``, the
    function boxes), scripts, styles and the reference list (titles of cited works keep their
    language), plus image alt texts and hover titles."""

    SKIP_TAGS = {"code", "script", "style", "title"}
    SKIP_CLASSES = ("jp-InputArea", "functies", "highlight", "literatuur")
    VOID = {"br", "img", "hr", "meta", "link", "input", "source", "wbr", "col"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("alt", "title"):
            if attrs.get(key):
                self.parts.append(attrs[key])
        if tag in self.VOID:
            return
        skip = (tag in self.SKIP_TAGS
                or any(c in (attrs.get("class") or "") for c in self.SKIP_CLASSES))
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(page: str) -> str:
    """What a reader of ``page`` sees (see :class:`_Visible`), one string."""
    parser = _Visible()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def english_and_points(page: str) -> list[str]:
    """English words (:data:`ENGLISH_WORDS`) and numbers with a decimal point in the visible
    text of ``page``, each with some context."""
    text = visible_text(page)
    found = []
    for word in ENGLISH_WORDS:
        for m in re.finditer(rf"(?<![\w.-]){re.escape(word)}(?![\w-])", text, flags=re.I):
            found.append(f"English {word!r}: ...{text[max(0, m.start() - 40):m.end() + 30]}...")
    for m in re.finditer(r"(?<![\w.])[-+]?\d+\.\d+(?![\w.]|\.\w)", text):
        found.append(f"decimal point: ...{text[max(0, m.start() - 40):m.end() + 30]}...")
    return found


KNOWN_ENGLISH: tuple[str, ...] = ()
"""English phrases the scan skips (none: every phrase a reader sees is Dutch; list one here only
with the file that still owes its translation, so that it stays visible)."""


def site_language_problems(folder: Path) -> list[str]:
    """English words and decimal points on every page of a site folder (its ``*.html``;
    the source pages in ``bron/`` are code and not scanned). The names of a printed mapping
    (``'synthetic':``) are code; :data:`KNOWN_ENGLISH` phrases are skipped."""
    found = []
    for page in sorted(Path(folder).glob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"'[a-z_]+':", "'':", text)
        for phrase in KNOWN_ENGLISH:
            text = text.replace(phrase, "")
        found += [f"{page.name}: {problem}" for problem in english_and_points(text)]
    return found


def test_the_language_scan_finds_english_and_decimal_points_but_not_code():
    page = ('<p>Het aandeel is 0,5 (p = 0.053) en the share is ok.</p><img alt="Figuur: 4.5"/>'
            '<code>p_value 0.1 the</code><div class="jp-InputArea"><pre>x = 0.5 # the</pre>'
            '</div><p title="kerngetal sdq_n">Versie 3.11.7 van Python.</p>')
    found = english_and_points(page)
    assert sum(f.startswith("English") for f in found) == 3  # the, share, ok
    points = [f for f in found if f.startswith("decimal point")]
    assert len(points) == 2 and "0.053" in points[0] and "4.5" in points[1]  # not 3.11.7


# --------------------------------------------------------------------------- number trace


def number_trace(cohort: str) -> tuple[list[dict], list[str]]:
    """Every linked number of the findings page of ``cohort``, traced: the key it shows (its
    hover title), the cell it lands on, and the function recorded as computing it.

    Returns the traces and the problems: a link whose target cell does not exist, or whose
    cell neither calls the recorded function nor lists it as the computing function of that key
    (the box the site puts under the cell)."""
    from analysis.report import cells

    reports = paths.reports_dir(cohort)
    origins = keynumbers.read_origins(cohort)
    findings = (reports / "findings.html").read_text(encoding="utf-8")
    called: dict[str, dict[int, set[str]]] = {}
    pages: dict[str, str] = {}
    traces, problems = [], []
    for m in re.finditer(r'<a class="bron" href="([\w.-]+)\.html#cel-(\d+)"'
                         r'(?: title="kerngetal ([^"]+)")?>([^<]*)</a>', findings):
        stage, cell, key, shown = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        if stage not in called:
            nb = nbformat.read(reports / f"{stage}.ipynb", as_version=4)
            positions = cells.cell_positions(nb)
            calls = cells.called_functions(nb)
            called[stage] = {positions[cid]: {name for name, _, _ in entries}
                             for cid, entries in calls.items() if cid in positions}
            pages[stage] = (reports / f"{stage}.html").read_text(encoding="utf-8")
        if f'id="cel-{cell}"' not in pages[stage]:
            problems.append(f"{shown} -> {stage}#cel-{cell}: no such cell on the page")
            continue
        where = origins.get(key) if key else None
        trace = {"shown": shown, "key": key, "stage": stage, "cell": cell,
                 "function": where and where["function"], "via": where and where["via"]}
        traces.append(trace)
        if where is None:  # a link without its key's name (a chain step, a table count)
            computed_here = {k for k, w in origins.items() if (w["stage"], w["cell"]) == (stage, cell)}
            if not computed_here:
                problems.append(f"{shown} -> {stage}#cel-{cell}: no key number computed there")
            continue
        if (where["stage"], where["cell"]) != (stage, cell):
            problems.append(f"{shown} ({key}) lands on {stage}#cel-{cell}, computed in "
                            f"{where['stage']}#cel-{where['cell']}")
        function = where["function"]
        direct = called[stage].get(cell, set())
        if function and function not in direct and where["via"] not in direct:
            problems.append(f"{shown} ({key}): cell {cell} of {stage} calls neither "
                            f"{function} nor {where['via']}")
        if function and f'id="kg-{key}"' not in pages[stage]:
            problems.append(f"{shown} ({key}): the page of {stage} does not list it")
    return traces, problems


# --------------------------------------------------------------------------- helpers for e2e


def site_problems(cohort: str) -> list[str]:
    """What the site of a cohort that has been run gets wrong (used by the end-to-end tests)."""
    reports = paths.reports_dir(cohort)
    seen, broken = crawl(reports / "index.html")
    problems = list(broken)
    expected = {"index.html", "findings.html", "figuren.html", "kerngetallen.html",
                "beweringen.html"}
    missing = expected - {p.name for p in seen}
    problems += [f"page not reachable from index.html: {m}" for m in sorted(missing)]
    findings = (reports / "findings.html").read_text(encoding="utf-8")
    for caption in re.findall(r"<figcaption.*?</figcaption>", findings, flags=re.S):
        if "Bron:" in caption and not re.search(r'href="\d\d_[\w-]+\.html#cel-\d+"', caption):
            problems.append(f"figure without a link to its cell: {caption[:80]}")
    problems += [f"number in the prose without a link to its source: ...{n}..."
                 for n in unlinked_numbers(findings, _allowed_phrases(cohort))]
    problems += [f"cross-reference without a number: {r}"
                 for r in re.findall(r'<a class="figuurverwijzing"[^>]*>figuur</a>', findings)]
    numbers = json.loads((reports / "key_numbers.json").read_text(encoding="utf-8"))
    problems += [f"key number without a Dutch label: {k} ({labels.unknown_words(k)})"
                 for k in numbers if labels.unknown_words(k)]
    problems += number_trace(cohort)[1]
    problems += site_language_problems(reports)
    if (reports / site.PUBLISHED_FOLDER / "index.html").is_file():
        problems += [f"publicatie/{p}" for p in
                     site_language_problems(reports / site.PUBLISHED_FOLDER)]
    return problems


def _allowed_phrases(cohort: str) -> tuple[str, ...]:
    """Typed constants, instrument names and the cohort's own words (cohort.yaml)."""
    from analysis.data import processed
    from analysis.questionnaires import instruments

    names = [instruments.load_instrument(i).name for i in instruments.available()]
    config = processed.read_config(cohort)
    words = [str(config[k]) for k in ("title", "organisation", "municipality", "publication")
             if config.get(k)]
    return TYPED_IN_TEMPLATES + tuple(names) + tuple(words)


def _published_site(folder, body: str, *, numbers=None, stages=None, figures=()) -> None:
    """A published folder holding a findings page with ``body`` and an empty claims table,
    with the published site built into it at threshold 5."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "findings.html").write_text(f"<html><head></head><body>{body}</body></html>",
                                          encoding="utf-8")
    (folder / "claims.csv").write_text("claim_id,published,reproduced,numerator,denominator,"
                                       "ci_low,ci_high,status,note\n", encoding="utf-8")
    site.build_published_site(folder, title="T", synthetic=True, threshold=5,
                              numbers=numbers or {}, stages=stages or {}, figures=list(figures))


def test_published_site_shows_values_as_given_and_links_only_inside(tmp_path):
    from analysis.publish.render import outside_links
    from analysis.report.pages import BANNER_TEXT
    from analysis.report.published import Mark, PublishedFigure

    folder = tmp_path / "publicatie"
    _published_site(
        folder, "<h2 id='t'>B</h2><p><a class='bron' "
        "href=\"kerngetallen.html#analysis_set_n\">&lt;5</a></p>",
        numbers={"slots": 30, "analysis_set_n": Mark("<5"), "sdq_n": 14},
        stages={"slots": "03_trajectories", "analysis_set_n": "01_questionnaires"},
        figures=[PublishedFigure("questionnaires_sdq_lines", "withheld", "Eén lijn per gezin.")])
    numbers_page = (folder / "kerngetallen.html").read_text(encoding="utf-8")
    cells = re.findall(r'<tr id="analysis_set_n"><td>[^<]*</td><td class="getal">([^<]*)</td>',
                       numbers_page)
    assert cells == ["&lt;5"]
    assert "Eén lijn per gezin." in (folder / "figuren.html").read_text(encoding="utf-8")
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "01_questionnaires.html" not in index and "grens 5" in index
    assert outside_links(folder) == []  # navigation, numbers and index stay in the folder
    assert BANNER_TEXT in numbers_page


def test_published_figures_are_numbered_as_in_the_published_findings(tmp_path):
    """Figure 1 on the published figuren.html is figure 1 of the published findings.html (not
    the first by name), with the same anchor (``fig-NAME``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis.report.published import PublishedFigure

    folder = tmp_path / "publicatie"
    (folder / "figuren").mkdir(parents=True)
    for name in ("a_power", "b_flow"):
        fig = plt.figure(figsize=(1, 1))
        fig.savefig(folder / "figuren" / f"{name}.png")
        plt.close(fig)
    _published_site(folder, '<figure id="fig-b_flow"></figure><figure id="fig-a_power"></figure>',
                    figures=[PublishedFigure(n, "published", "", f"figuren/{n}.png")
                             for n in ("a_power", "b_flow")])
    page = (folder / "figuren.html").read_text(encoding="utf-8")
    assert re.findall(r'<figure id="fig-([^"]+)"', page) == ["b_flow", "a_power"]
    assert page.index("Figuur 1.") < page.index('id="fig-a_power"')


def test_source_pages_of_a_synthetic_cohort_carry_the_banner_and_its_print_rule(tmp_path):
    """bron/ pages: the banner and the print rule that repeats it in the page margin (the
    navigation adds the rule only when it finds the banner, so the banner goes in first)."""
    from analysis.report import cells

    reports = tmp_path / "reports"
    reports.mkdir()
    site._source_pages(reports, [], {"slots": {"stage": "03_trajectories",
                                               "function": "analysis.report.claims.is_percent"}},
                       [("index.html", "Overzicht")], synthetic=True)
    pages = list((reports / cells.SOURCE_FOLDER).glob("*.html"))
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "compendium-banner" in text and site.PRINT_BANNER_CSS.strip()[:40] in text


# --------------------------------------------------------------------------- journal furniture


LIGHT_BACKGROUNDS = ("#ffffff", "#f3f3f3", "#f5f8fb", "#f4f8fc", "#fff6e5")
"""Backgrounds text sits on (page, navigation, key-number box, key findings, caveats)."""


def _css_pairs(css: str) -> list[tuple[str, str, str]]:
    """(text colour, background, rule) of every CSS rule with a text colour: its own
    background, else every light background of the site; a rule with only a background (a
    badge variant) pairs it with the white text of its base rule (white text without a
    background of its own is checked through those variants)."""
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", body)
        background = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})", body)
        if colour and background:
            pairs.append((colour.group(1), background.group(1), selector.strip()))
        elif colour and colour.group(1).lower() not in ("#fff", "#ffffff"):
            pairs += [(colour.group(1), bg, selector.strip()) for bg in LIGHT_BACKGROUNDS]
        elif background and ".badge." in selector:
            pairs.append(("#ffffff", background.group(1), selector.strip()))
    return pairs


def test_every_text_colour_of_the_site_has_contrast_at_least_4_5():
    from analysis.report import findings
    from analysis.report.display import MIN_CONTRAST, contrast_ratio

    template = (paths.ROOT / "analysis/report/templates/compendium.html.j2").read_text(
        encoding="utf-8")
    pairs = _css_pairs(site.SITE_CSS) + _css_pairs(template)
    pairs += [("#ffffff", c, f"status {s}") for s, c in findings.ClaimsTable.STATUS_COLOURS.items()]
    pairs.append(("#ffffff", "#b3261e", "banner of the site pages"))
    assert len(pairs) > 20
    low = [(f, b, r, round(contrast_ratio(f, b), 2)) for f, b, r in pairs
           if contrast_ratio(f, b) < MIN_CONTRAST]
    assert low == []
    assert contrast_ratio("#999999", "#ffffff") < MIN_CONTRAST  # the check can fail


def test_figures_are_numbered_once_for_all_pages_and_have_a_sentence_as_alt_text(tmp_path):
    pngs = [tmp_path / f"{n}.png" for n in ("a_flow", "b_power", "c_extra")]
    page = '<figure id="fig-b_power"></figure><figure id="fig-a_flow"></figure>'
    assert site.figure_order(page, pngs) == ["b_power", "a_flow", "c_extra"]
    assert site.alt_text({"Description": "Power per aantal gezinnen. Bron: notebook 04, cel 3"},
                         "b_power") == "Power per aantal gezinnen."
    assert site.alt_text({}, "b_power") == "Figuur b_power"


def test_tables_with_captions_are_numbered_and_referenced_by_number():
    from analysis.report.display import with_caption

    page = ('<p>Zie <a class="tabelverwijzing" href="#tabel-b">tabel</a>.</p>'
            "<table><tr><td>1</td></tr></table>"
            + with_caption("<table><tr><td>2</td></tr></table>", "b", "Twee.")
            + '<a class="tabelverwijzing" href="#tabel-weg">tabel</a>')
    once = site._number_tables(page)
    assert '<caption><strong>Tabel 2.</strong> Twee.</caption>' in once
    assert 'href="#tabel-b">tabel 2</a>' in once and "tabel-weg" not in once
    assert '<p class="tabelnummer" id="tabel-1"><strong>Tabel 1</strong></p>' in once
    assert site._number_tables(once) == once


def test_print_css_is_a4_and_keeps_the_banner_off_the_text():
    print_rules = site.SITE_CSS[site.SITE_CSS.index("@media print"):]
    assert "size: A4" in site.SITE_CSS and "position: fixed" not in print_rules
    assert "counter(pages)" in site.SITE_CSS and "break-after: avoid" in print_rules
    page = site._with_navigation('<html><head></head><body><div class="compendium-banner">'
                                 "x</div></body></html>", "a.html", [("a.html", "A")])
    assert "@top-center" in page  # a synthetic page names it in every printed page's margin
    plain = site._with_navigation("<html><head></head><body></body></html>", "a.html",
                                  [("a.html", "A")])
    assert "@top-center" not in plain
