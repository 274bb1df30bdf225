"""Rendered pages work offline in a real browser: every image loads, no console errors.

The pages are opened in headless Chromium with networking off (see ``tests/browser.py``). When
Chromium is missing, the ``chromium`` fixture installs it with apt-get when running as root
(about half a minute on Debian 12) and skips otherwise. The static checks on the HTML (no remote
loads, no machine paths, the banner) need no browser.
"""

import base64
import re

import nbformat
import pytest
from matplotlib.figure import Figure
from nbformat import v4

from analysis.report import pages as report
from analysis.report import provenance

try:  # tests/ on sys.path (pytest's default) or tests as a package
    import browser
except ImportError:  # pragma: no cover
    from tests import browser


@pytest.fixture
def page(tmp_path):
    """A findings-like page: prose, a figure saved with provenance and shown, a Markdown image."""
    fig = Figure(figsize=(3, 2))
    fig.subplots().plot([0, 1, 2], [3, 1, 2])
    record = provenance.save_figure(
        fig, "sdq_change", cohort="x", notebook="02_sdq", synthetic=True,
        caption="SDQ-totaal per meetmoment", inputs_hash="ef" * 32, cell="cel 3",
        commit="abc1234", figures_root=tmp_path / "figures")
    folder = tmp_path / "notebooks"
    folder.mkdir()
    png = record.png_file.read_bytes()
    (folder / "logo.png").write_bytes(png)
    outputs = [v4.new_output("display_data", data={
                   "image/png": base64.b64encode(png).decode("ascii"),
                   "text/plain": "<IPython.core.display.Image object>"}),
               v4.new_output("display_data", data={"text/markdown": record.markdown(),
                                                   "text/plain": record.caption})]
    cells = [v4.new_markdown_cell("# Bevindingen\n\nDe gemiddelde score daalde. ![logo](logo.png)"),
             v4.new_code_cell("show_figure(record)", execution_count=3, outputs=outputs)]
    nb = v4.new_notebook(cells=cells, metadata={"compendium": {"synthetic": True, "cohort": "x"}})
    nbformat.write(nb, folder / "findings.ipynb")
    return report.render_html(folder / "findings.ipynb", tmp_path / "out" / "findings.html",
                              hide_input=True, title="Bevindingen x")


def test_page_html_loads_nothing_remote_and_shows_no_machine_path(page, tmp_path):
    text = page.read_text(encoding="utf-8")
    assert report.external_resources(text) == []
    for tag in re.findall(r"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*>", text):
        assert not re.search(r"\b(?:src|href|srcset)=[\"']?(?:https?:)?//", tag), tag
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", text)
    assert str(tmp_path) not in text and "/tmp/" not in text
    assert report.BANNER_TEXT in text


@pytest.mark.browser
def test_page_works_offline_in_chromium(page, chromium):
    seen = browser.check_page(page, chromium=chromium)
    assert len(seen.images) == 2, seen.images
    assert seen.broken_images == [], seen.stderr[-2000:]
    assert seen.errors == [] and seen.resources == []
    assert seen.title == "Bevindingen x"


@pytest.mark.browser
def test_comparison_page_works_offline_in_chromium(tmp_path, chromium):
    for cohort, n in (("a", 12), ("b", 30)):
        (tmp_path / "reports" / cohort).mkdir(parents=True)
        (tmp_path / "reports" / cohort / "key_numbers.json").write_text(
            f'{{"n_families": {n}}}', encoding="utf-8")
        fig = Figure(figsize=(2, 2))
        fig.subplots().bar(["T0", "T1"], [n, n / 2])
        provenance.save_figure(fig, "sdq_change", cohort=cohort, notebook="02_sdq",
                               synthetic=False, caption="SDQ", inputs_hash="0" * 64,
                               cell="cel 1", commit="abc1234", figures_root=tmp_path / "figures")
    out = report.compare_cohorts(["a", "b"], reports_root=tmp_path / "reports",
                                 figures_root=tmp_path / "figures", raw_root=tmp_path / "raw")
    seen = browser.check_page(out, chromium=chromium)
    assert len(seen.images) == 2 and seen.broken_images == []
    assert seen.errors == [] and seen.resources == []


@pytest.mark.browser
def test_the_check_sees_broken_images_remote_loads_and_errors(tmp_path, chromium):
    """Negative control: the probe reports what an offline reader would see go wrong."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body>'
        '<img src="https://example.org/figure.png"><img src="next-to-the-page.png">'
        '<script>console.error("kapot"); notDefined();</script></body></html>',
        encoding="utf-8")
    seen = browser.check_page(bad, chromium=chromium)
    assert len(seen.broken_images) == 2
    assert "kapot" in seen.errors
    assert any("notDefined" in e for e in seen.errors)
    assert any("example.org" in e for e in seen.errors)
    assert seen.resources == ["https://example.org/figure.png"]


@pytest.mark.browser
def test_many_pages_in_one_chromium_see_what_one_page_at_a_time_sees(page, tmp_path, chromium):
    """check_pages (one Chromium, a tab per page) reports each page as check_page does, and one
    page's errors, failed loads and images do not show in the next page's report."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>b</title></head><body>'
        '<img src="https://example.org/figure.png"><img src="missing.png">'
        '<script>console.error("kapot"); notDefined();</script></body></html>',
        encoding="utf-8")
    many = browser.check_pages([page, bad, page, bad], chromium=chromium)
    alone = [browser.check_page(p, chromium=chromium) for p in (page, bad)]
    assert len(many) == 4
    for seen, expected in zip(many, alone * 2, strict=True):
        assert seen.title == expected.title
        assert seen.resources == expected.resources
        assert [i["naturalWidth"] > 0 for i in seen.images] == \
            [i["naturalWidth"] > 0 for i in expected.images]
        # the copies sit in different temporary folders: compare without them; two images
        # failing at once may be reported in either order
        assert sorted(re.sub(r"file://\S*/", "", e) for e in seen.errors) == \
            sorted(re.sub(r"file://\S*/", "", e) for e in expected.errors)
    assert many[0].errors == [] and many[2].errors == [] and many[2].broken_images == []
    assert "kapot" in many[3].errors and len(many[3].broken_images) == 2
