"""The findings site of the bundled cohort and of a second synthetic cohort, crawled and opened.

Each cohort runs through the whole pipeline once (the bundled one is usually cached); then a
static crawler follows every link from ``index.html`` (every page, file and anchor must exist,
nothing external), every figure in the findings must link to the cell that made it, every key
number must have a Dutch label, and every page must load in offline headless Chromium with no
console error and no request (all pages of a site in one Chromium, a tab each).
"""

from __future__ import annotations

import shutil

import pytest

from analysis import cli, paths
from analysis.pipeline import runner as pipeline

try:
    import browser
    from test_site import crawl, number_trace, site_problems
except ImportError:  # pragma: no cover
    from tests import browser
    from tests.test_site import crawl, number_trace, site_problems

pytestmark = pytest.mark.slow

SECOND = "site-e2e-test"


def _outputs(cohort):
    return [paths.processed_dir(cohort), paths.figures_dir(cohort), paths.reports_dir(cohort)]


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    raw_root = tmp_path_factory.mktemp("raw")
    for folder in _outputs(SECOND):
        shutil.rmtree(folder, ignore_errors=True)
    assert cli.main(["synth", "--cohort", SECOND, "--families", "30", "--seed", "7",
                     "--raw-dir", str(raw_root)]) == 0
    lines: list[str] = []
    assert pipeline.run(SECOND, raw_root=raw_root, out=lines.append) == 0, "\n".join(lines)
    assert pipeline.run(paths.DEFAULT_COHORT, out=lines.append) == 0, "\n".join(lines)
    assert lines[-1].endswith(f"reports/{paths.DEFAULT_COHORT}/index.html")  # said last
    yield [paths.DEFAULT_COHORT, SECOND]
    for folder in _outputs(SECOND):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("which", [0, 1], ids=["bundled", "second"])
def test_site_crawls_clean(cohorts, which):
    assert site_problems(cohorts[which]) == []


def test_every_linked_number_lands_on_the_cell_that_calls_its_function(cohorts):
    traces, problems = number_trace(cohorts[0])
    assert problems == []
    keyed = [t for t in traces if t["key"]]  # chain steps and table counts carry no key name
    assert len(traces) >= 100 and sum(bool(t["function"]) for t in keyed) >= 0.9 * len(keyed)


@pytest.mark.browser
@pytest.mark.parametrize("which", [0, 1], ids=["bundled", "second"])
def test_every_site_page_loads_offline_without_errors(cohorts, which, chromium):
    pages, broken = crawl(paths.reports_dir(cohorts[which]) / "index.html")
    assert broken == [] and len(pages) >= 10
    for page, seen in zip(pages, browser.check_pages(pages, chromium=chromium), strict=True):
        assert seen.errors == [] and seen.resources == [], page.name
        assert seen.broken_images == [], page.name


@pytest.mark.browser
def test_findings_pdf_has_pages_and_every_section(cohorts, chromium):
    import re
    import subprocess

    from analysis.report import site

    pdf = site.print_pdf(paths.DEFAULT_COHORT, browser=chromium)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert 8 <= pages <= 60, pages
    boxes = {tuple(round(float(v)) for v in box.split())
             for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert boxes == {(0, 0, 595, 842)}, boxes  # A4 in points (210 x 297 mm), every page
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (Debian: poppler-utils) is needed to read the PDF's text")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, encoding="utf-8", errors="replace", check=True).stdout
    findings = (paths.reports_dir(paths.DEFAULT_COHORT) / "findings.html").read_text("utf-8")
    titles = [re.sub(r"<[^>]+>|¶", "", t).strip()
              for t in re.findall(r"<h2 id=\"[^\"]+\"[^>]*>(.*?)</h2>", findings, flags=re.S)]
    assert titles
    flat = " ".join(text.split())
    for title in titles:
        assert " ".join(title.split()) in flat, title
    assert "pagina 1 van" in flat
    for heading in ("Inhoud", "Lijst van figuren", "Lijst van tabellen", "Literatuur",
                    "Citeren als"):
        assert heading in flat, heading
    banner = "SYNTHETISCHE DATA - geen echte gezinnen"  # in the top margin of every page
    assert flat.count(banner) >= pages, (flat.count(banner), pages)
