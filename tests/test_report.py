"""analysis.report.pages: self-contained offline HTML pages, the synthetic banner, cohort comparison."""

import base64
import io
import json
import re

import nbformat
import pytest
from matplotlib.figure import Figure
from nbformat import v4

from analysis import paths
from analysis.errors import CompendiumError, ConfigError
from analysis.report import pages as report
from analysis.report import provenance


def _png() -> bytes:
    fig = Figure(figsize=(2, 1.5))
    fig.subplots().bar(["T0", "T1"], [3, 5])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _notebook(folder, *, synthetic=False, markdown="# Bevindingen\n\nDe scores daalden.",
              outputs=None, name="findings.ipynb"):
    """A small executed-looking notebook: Markdown, a code cell with a PNG output and text."""
    folder.mkdir(parents=True, exist_ok=True)
    png = base64.b64encode(_png()).decode("ascii")
    if outputs is None:
        outputs = [v4.new_output("stream", name="stderr", text=f"gelezen: {folder}/sdq.csv\n"),
                   v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    cells = [v4.new_markdown_cell(markdown),
             v4.new_code_cell("draw_the_figure()", execution_count=1, outputs=outputs)]
    metadata = {"compendium": {"synthetic": synthetic, "cohort": "x"},
                "papermill": {"input_path": str(folder / "in.ipynb"),
                              "output_path": str(folder / name)}}
    path = folder / name
    nbformat.write(v4.new_notebook(cells=cells, metadata=metadata), path)
    return path


def _embedded_images(page):
    """``src`` of every ``<img>`` (the page's CSS holds data URIs too, so count tags)."""
    return re.findall(r"<img\b[^>]*\bsrc=\"(data:image/png;base64,[^\"]*)\"", page)


def _render(tmp_path, **options):
    notebook = options.pop("notebook", None) or _notebook(tmp_path / "nb")
    options.setdefault("hide_input", True)
    return report.render_html(notebook, tmp_path / "out" / "page.html", **options).read_text(
        encoding="utf-8")


# --------------------------------------------------------------------------- render_html


def test_hide_input_leaves_only_outputs_and_prose(tmp_path):
    page = _render(tmp_path)
    assert "De scores daalden" in page and len(_embedded_images(page)) == 1
    assert "draw_the_figure" not in page
    assert not re.search(r'class="[^"]*\b(jp-InputPrompt|jp-OutputPrompt|jp-Editor|cm-editor)\b', page)
    assert not re.search(r"(In|Out)(&nbsp;|\s)?\[\d*\]:", page)
    assert f'alt="{report.ALT_TEXT}"' in page and "No description" not in page


def test_without_hide_input_the_code_is_shown(tmp_path):
    page = _render(tmp_path, hide_input=False)
    assert "draw_the_figure" in page and 'class="jp-InputPrompt' in page


def test_page_loads_nothing_from_the_network(tmp_path):
    page = _render(tmp_path)
    assert report.external_resources(page) == []
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=[\"']?(https?:)?//", page)
    assert "mathjax" not in page.lower() and "require.js" not in page.lower()


def test_page_has_no_absolute_machine_path(tmp_path):
    page = _render(tmp_path)
    assert str(tmp_path) not in page and "/tmp/" not in page
    assert str(paths.ROOT) not in page
    assert "gelezen: .../" in page and "sdq.csv" in page


def test_page_is_deterministic_wherever_it_is_written(tmp_path):
    notebook = _notebook(tmp_path / "nb")
    first = report.render_html(notebook, tmp_path / "a.html", hide_input=True).read_bytes()
    second = report.render_html(notebook, tmp_path / "b" / "a.html", hide_input=True).read_bytes()
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b", "nb"]  # no temp files


def test_title_and_language(tmp_path):
    page = _render(tmp_path, title="Bevindingen helmond-2023")
    assert "<title>Bevindingen helmond-2023</title>" in page and '<html lang="nl">' in page
    assert "<title>findings</title>" in _render(tmp_path / "default")


@pytest.mark.parametrize(("in_metadata", "argument", "shown"), [
    (True, None, True), (False, None, False), (False, True, True), (True, False, False),
])
def test_synthetic_banner(tmp_path, in_metadata, argument, shown):
    page = _render(tmp_path, notebook=_notebook(tmp_path / "nb", synthetic=in_metadata),
                   synthetic=argument)
    banner = f'role="note">{report.BANNER_TEXT}</div>'
    assert (banner in page) is shown
    if shown:
        assert page.index(banner) < page.index("De scores daalden")


def test_markdown_images_are_embedded(tmp_path):
    folder = tmp_path / "nb"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "local.png").write_bytes(_png())
    figures = tmp_path / "figures" / "x"
    figures.mkdir(parents=True)
    (figures / "main.png").write_bytes(_png())
    markdown = ("![lokaal](img/local.png)\n\n<img src=\"../figures/x/main.png\" alt=\"hoofd\">\n\n"
                "Zie [de handreiking](https://example.org/handreiking).")
    page = _render(tmp_path, notebook=_notebook(folder, markdown=markdown, outputs=[]))
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]*)\"", page)
    assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert 'href="https://example.org/handreiking"' in page  # a link, not a load


def test_images_are_found_in_image_dirs(tmp_path):
    elsewhere = tmp_path / "figures"
    elsewhere.mkdir()
    (elsewhere / "flow.png").write_bytes(_png())
    notebook = _notebook(tmp_path / "nb", markdown="![stroom](flow.png)", outputs=[])
    page = _render(tmp_path, notebook=notebook, image_dirs=[elsewhere])
    assert "data:image/png;base64," in page


@pytest.mark.parametrize(("markdown", "message"), [
    ("![weg](missing.png)", "'missing.png', which was not found"),
    ("![extern](https://example.org/x.png)", "from the network"),
])
def test_images_that_cannot_be_embedded_are_errors(tmp_path, markdown, message):
    notebook = _notebook(tmp_path / "nb", markdown=markdown, outputs=[])
    with pytest.raises(CompendiumError, match=re.escape(message)):
        _render(tmp_path, notebook=notebook)
    assert not (tmp_path / "out" / "page.html").exists()


def test_output_that_loads_a_remote_script_is_refused(tmp_path):
    html = '<script src="https://cdn.example.org/plotly.js"></script><div>plot</div>'
    outputs = [v4.new_output("display_data", data={"text/html": html, "text/plain": "plot"})]
    with pytest.raises(CompendiumError, match="cdn.example.org"):
        _render(tmp_path, notebook=_notebook(tmp_path / "nb", outputs=outputs))


def test_cells_tagged_remove_cell_are_left_out(tmp_path):
    path = _notebook(tmp_path / "nb")
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(v4.new_markdown_cell("Interne notitie", metadata={"tags": ["remove-cell"]}))
    nbformat.write(nb, path)
    assert "Interne notitie" not in _render(tmp_path, notebook=path)


def test_unreadable_notebook_is_named(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CompendiumError, match="cannot render .*broken.ipynb"):
        report.render_html(broken, tmp_path / "x.html", hide_input=True)


def test_external_resources_finds_styles_fonts_and_imports():
    page = ('<link rel="stylesheet" href="https://cdn.x/a.css">'
            '<style>@font-face{src:url("https://fonts.x/f.woff2")} @import "//cdn.x/b.css";</style>'
            '<script type="module">import("https://cdn.x/m.mjs")</script>'
            '<a href="https://doi.org/10.1/x">doi</a>')
    assert report.external_resources(page) == [
        "https://cdn.x/a.css", "https://fonts.x/f.woff2", "//cdn.x/b.css", "https://cdn.x/m.mjs"]


# --------------------------------------------------------------------------- compare_cohorts


def _run_cohort(root, cohort, numbers, *, figure=True, synthetic=False):
    (root / "reports" / cohort).mkdir(parents=True)
    (root / "reports" / cohort / "key_numbers.json").write_text(json.dumps(numbers),
                                                                encoding="utf-8")
    if figure:
        fig = Figure(figsize=(2, 1.5))
        fig.subplots().plot([1, 2], [2, 1])
        provenance.save_figure(fig, "sdq_change", cohort=cohort, notebook="02_sdq",
                               synthetic=synthetic, caption=f"SDQ in {cohort}", inputs_hash="ab" * 32,
                               cell="cel 4", commit="abc1234", figures_root=root / "figures")


def _compare(root, cohorts, **options):
    return report.compare_cohorts(cohorts, reports_root=root / "reports",
                                  figures_root=root / "figures", raw_root=root / "raw", **options)


def test_compare_cohorts_puts_key_numbers_and_figures_side_by_side(tmp_path):
    _run_cohort(tmp_path, "helmond-2023", {"n_families": 22, "mean_sdq_change": -3.456})
    _run_cohort(tmp_path, "eindhoven-2025", {"n_families": 1234, "extra": "ja"}, figure=False)
    out = _compare(tmp_path, ["helmond-2023", "eindhoven-2025"])
    assert out == tmp_path / "reports" / "compare" / "helmond-2023_vs_eindhoven-2025.html"
    page = out.read_text(encoding="utf-8")
    assert "Kerngetallen" in page and "-3,46" in page and "1234" in page
    assert len(_embedded_images(page)) == 1  # only helmond has the figure
    assert "SDQ in helmond-2023" in page and "niet gemaakt" in page
    assert report.BANNER_TEXT not in page
    assert report.external_resources(page) == [] and str(tmp_path) not in page


@pytest.mark.parametrize("source", ["figure", "key_numbers", "cohort_yaml"])
def test_compare_cohorts_shows_the_banner_if_any_cohort_is_synthetic(tmp_path, source):
    _run_cohort(tmp_path, "a", {"n": 1}, synthetic=source == "figure")
    _run_cohort(tmp_path, "b", {"n": 2, "synthetic": source == "key_numbers"}, figure=False)
    if source == "cohort_yaml":
        (tmp_path / "raw" / "b").mkdir(parents=True)
        (tmp_path / "raw" / "b" / "cohort.yaml").write_text("synthetic: true\n", encoding="utf-8")
    assert report.BANNER_TEXT in _compare(tmp_path, ["a", "b"]).read_text(encoding="utf-8")


def test_compare_cohorts_chooses_main_figures_or_all(tmp_path):
    _run_cohort(tmp_path, "a", {"n": 1})  # has sdq_change, which is not a main figure
    _run_cohort(tmp_path, "b", {"n": 2}, figure=False)
    page = _compare(tmp_path, ["a", "b"]).read_text(encoding="utf-8")
    assert len(_embedded_images(page)) == 1  # no main figure exists: every figure is shown
    page = _compare(tmp_path, ["a", "b"], figures=["trajectories_flow"]).read_text(encoding="utf-8")
    assert _embedded_images(page) == [] and "Figuren" not in page
    main = report.MAIN_FIGURES[0]
    (tmp_path / "figures" / "b" / f"{main}.png").parent.mkdir(parents=True)
    (tmp_path / "figures" / "b" / f"{main}.png").write_bytes(_png())
    page = _compare(tmp_path, ["a", "b"]).read_text(encoding="utf-8")
    assert len(_embedded_images(page)) == 1 and f">{main}<a" in page  # unescaped heading


def test_compare_of_published_sets_shows_only_published_values_and_figures(tmp_path):
    _run_cohort(tmp_path, "a", {"n_families": 3})  # internal run: a raw 3 and a figure
    _run_cohort(tmp_path, "b", {"n_families": 30}, figure=False)
    with pytest.raises(CompendiumError, match="cohort 'a' has no published set"):
        _compare(tmp_path, ["a", "b"], published=True)
    for cohort, value in (("a", "<5"), ("b", 30)):
        folder = tmp_path / "reports" / cohort / "publicatie"
        (folder / "figuren").mkdir(parents=True)
        (folder / "key_numbers.json").write_text(json.dumps({"n_families": value}),
                                                 encoding="utf-8")
    out = _compare(tmp_path, ["a", "b"], published=True)
    assert out.name == "a_vs_b.publicatie.html"
    page = out.read_text(encoding="utf-8")
    assert "&lt;5" in page and "| 3 |" not in page and ">3<" not in page
    assert _embedded_images(page) == []  # the internal figure is not in a published folder
    assert "publicatieversies" in page


def test_compare_cohorts_names_a_cohort_that_has_not_been_run(tmp_path):
    _run_cohort(tmp_path, "a", {"n": 1}, figure=False)
    with pytest.raises(CompendiumError, match="cohort 'b' has not been run"):
        _compare(tmp_path, ["a", "b"])


def test_compare_cohorts_rejects_nested_key_numbers(tmp_path):
    _run_cohort(tmp_path, "a", {"n": 1}, figure=False)
    _run_cohort(tmp_path, "b", {"n": {"nested": 1}}, figure=False)
    with pytest.raises(CompendiumError, match="not a flat mapping"):
        _compare(tmp_path, ["a", "b"])


@pytest.mark.parametrize("cohorts", [["a"], ["a", "a"], ["a", "../b"], "ab"])
def test_compare_cohorts_needs_two_different_valid_cohorts(tmp_path, cohorts):
    with pytest.raises(ConfigError):
        _compare(tmp_path, cohorts)


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_executed_notebook_shows_its_figure_with_cell_provenance(tmp_path, monkeypatch):
    """A thin notebook saves and shows a figure in a real kernel; the page embeds it."""
    from nbclient import NotebookClient

    code = (
        "from matplotlib.figure import Figure\n"
        "from analysis.report.provenance import save_figure, show_figure\n"
        "fig = Figure(figsize=(3, 2)); fig.subplots().plot([1, 2, 3])\n"
        f"record = save_figure(fig, 'demo', cohort='x', notebook='01_demo', synthetic=True,\n"
        f"    caption='Een voorbeeld', inputs_hash='cd' * 32, commit='abc1234',\n"
        f"    figures_root={str(tmp_path / 'figures')!r})\n"
        "show_figure(record)"
    )
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Voorbeeld"), v4.new_code_cell(code)],
                         metadata={"compendium": {"synthetic": True, "cohort": "x"}})
    nbformat.write(nb, tmp_path / "source.ipynb")  # the file the cell's position is read from
    monkeypatch.setenv("COMPENDIUM_NOTEBOOK_FILE", str(tmp_path / "source.ipynb"))
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cell = nb.cells[1]
    outputs = {mime for o in cell.outputs for mime in o.get("data", {})}
    assert {"image/png", "text/markdown"} <= outputs, cell.outputs
    caption = next(o["data"]["text/markdown"] for o in cell.outputs if "text/markdown" in o.get("data", {}))
    assert "cel 2; cohort x; invoer cdcdcdcdcd; commit abc1234" in caption  # 2nd cell of the file
    nbformat.write(nb, tmp_path / "demo.ipynb")
    page = report.render_html(tmp_path / "demo.ipynb", tmp_path / "demo.html",
                              hide_input=True).read_text(encoding="utf-8")
    assert len(_embedded_images(page)) == 1 and report.BANNER_TEXT in page
    assert "save_figure" not in page and str(tmp_path) not in page
