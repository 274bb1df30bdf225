"""The findings site: cell anchors, function lists, labels, navigation, numbering, crawling."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
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
                     "analysis.report.figures.style.format_nl"]
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
    assert "analysis.report.figures.style.format_nl" in out


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
                      .read_text()) == {"a_n": 7}
    assert set(keynumbers.read_fragments("c", root=tmp_path)) == {"01_x"}  # not a fragment


def test_print_pdf_needs_a_findings_document(tmp_path):
    from analysis.errors import CompendiumError

    with pytest.raises(CompendiumError, match="run the pipeline first"):
        site.print_pdf("nothing-here", root=tmp_path)


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
    numbers = json.loads((reports / "key_numbers.json").read_text(encoding="utf-8"))
    problems += [f"key number without a Dutch label: {k} ({labels.unknown_words(k)})"
                 for k in numbers if labels.unknown_words(k)]
    return problems
