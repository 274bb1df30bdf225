"""Rendering executed notebooks and cohort comparisons as self-contained, offline HTML pages.

Reviewers open the pages in a browser without network access, so a page must hold everything
it shows:

* nbconvert's ``lab`` template through ``analysis/report/templates/compendium.html.j2``, which drops
  every script the lab template loads from a CDN (require.js, MathJax, Mermaid, widgets);
* image outputs are embedded as ``data:`` URIs by nbconvert; images that Markdown or HTML refers
  to by file name are read and embedded here (a missing one is an error, not a broken page);
* absolute machine paths are removed from the notebook before export, and notebook metadata is
  reduced to what the page needs;
* :func:`external_resources` lists any remaining remote script, style, font or image, and
  rendering refuses to write a page that has one.

Pages of synthetic cohorts carry a red banner, :data:`BANNER_TEXT`. A notebook says it is synthetic
with the metadata ``{"compendium": {"synthetic": true, "cohort": "..."}}``.

Identical notebooks give byte-identical pages. Nothing happens on import: nbformat and nbconvert
are imported by the functions that need them.
"""

from __future__ import annotations

import base64
import html
import json
import math
import mimetypes
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import unquote

from analysis import paths as _paths
from analysis.atomic import write_text_atomic
from analysis.errors import CompendiumError, ConfigError

BANNER_TEXT: str = "SYNTHETISCHE DATA - deze pagina toont geen echte gezinnen"
"""Banner at the top of every page made from synthetic data."""

TEMPLATE_DIR: Path = Path(__file__).resolve().parent / "templates"
TEMPLATE_FILE: str = "compendium.html.j2"
"""nbconvert template (extends the ``lab`` template) in :data:`TEMPLATE_DIR`."""

LANGUAGE: str = "nl"

REMOVE_CELL_TAGS: tuple[str, ...] = ("remove-cell", "remove_cell")
"""Cells with one of these tags are left out of every page."""
REMOVE_INPUT_TAGS: tuple[str, ...] = ("remove-input", "remove_input", "hide-input")
"""Cells with one of these tags show their output only, also when ``hide_input`` is False."""

MAIN_FIGURES: tuple[str, ...] = (
    "trajectories_flow", "trajectories_characteristics", "trajectories_sessions",
    "questionnaires_sdq_lines", "questionnaires_sdq_jacobson_truax", "questionnaires_sdq_bands",
    "questionnaires_ari_cp_profile", "follow_up_change", "qualitative_codes",
)
"""Figure stems (``figures/<cohort>/<stem>.png``, named ``<strand>_<figure>`` after the notebook
that saves them) shown side by side by :func:`compare_cohorts`. Stems no cohort has are skipped;
when none of them exists, every figure found is shown."""

ALT_TEXT: str = "Figuur (zie het bijschrift)"
"""Alternative text of output images that have none (nbconvert's default is English)."""

_NBCONVERT_ALT = "No description has been provided for this image"
_KEPT_METADATA = ("kernelspec", "language_info", "title", "compendium")
_RESOURCE_PATTERNS = (
    # src/srcset/data/poster of any tag, href of any tag but <a>
    re.compile(r"<(?!a\b)[a-z][\w-]*\b[^>]*?\b(?:src|srcset|data|poster|href)\s*=\s*[\"']?"
               r"((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.IGNORECASE),  # CSS url()
    re.compile(r"@import\s+[\"']((?:https?:)?//[^\"']+)", re.IGNORECASE),  # CSS @import
    re.compile(r"\bimport\s*\(\s*[\"']((?:https?:)?//[^\"']+)", re.IGNORECASE),  # JS import()
)
_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)([\"'])(.*?)\2", re.IGNORECASE | re.DOTALL)


# --------------------------------------------------------------------------- notebooks


def render_html(
    notebook_path: str | os.PathLike, html_path: str | os.PathLike, *, hide_input: bool,
    title: str | None = None, synthetic: bool | None = None,
    image_dirs: Sequence[str | os.PathLike] = (),
) -> Path:
    """Export an executed notebook as one self-contained, offline HTML page (written atomically).

    Parameters
    ----------
    notebook_path : path-like
        The ``.ipynb`` to export (normally executed by the pipeline).
    html_path : path-like
        Page to write; folders are created.
    hide_input : bool
        Leave out code, input prompts and output prompts (the findings document for readers);
        only outputs and Markdown remain.
    title : str, optional
        Page title; default the notebook's ``title`` metadata, else its file stem.
    synthetic : bool, optional
        Show :data:`BANNER_TEXT`; default from the notebook metadata
        ``compendium.synthetic``.
    image_dirs : sequence of path-like
        Extra folders in which relative image links are looked up, after the notebook's own
        folder and before ``notebooks/`` and the compendium root.

    Returns
    -------
    pathlib.Path
        ``html_path``.

    Raises
    ------
    CompendiumError
        When the notebook cannot be read, an image it refers to is missing, or the page would
        load anything from the network.
    """
    import nbformat

    source = Path(notebook_path)
    try:
        nb = nbformat.read(source, as_version=4)
    except (OSError, ValueError) as error:  # nbformat's errors derive from ValueError
        raise CompendiumError(
            f"cannot render {_paths.display(source)}: {error}; expected a readable .ipynb file"
        ) from error
    image_dirs = (source.parent, *map(Path, image_dirs), _paths.NOTEBOOKS, _paths.ROOT)
    page = notebook_to_html(nb, hide_input=hide_input, title=title, default_title=source.stem,
                            synthetic=synthetic, image_dirs=image_dirs,
                            where=_paths.display(source))
    return write_text_atomic(html_path, page)


def notebook_to_html(
    nb, *, hide_input: bool, title: str | None = None, default_title: str = "notebook",
    synthetic: bool | None = None, image_dirs: Sequence[str | os.PathLike] = (),
    where: str = "notebook",
) -> str:
    """The HTML page of notebook node ``nb`` (see :func:`render_html`); ``nb`` is not changed.

    The page title is ``title``, else the notebook's ``title`` metadata, else
    ``default_title``; ``where`` names the notebook in error messages.
    """
    if synthetic is None:
        synthetic = is_synthetic(nb)
    clean = _clean_notebook(nb, title=title, default_title=default_title,
                            prefixes=_machine_prefixes(image_dirs))
    resources = {"metadata": {"name": clean.metadata["title"]},
                 "compendium_banner": BANNER_TEXT if synthetic else ""}
    page, _ = _exporter(hide_input).from_notebook_node(clean, resources=resources)
    if not hide_input:  # readers of the code: anchors #cel-N and the functions each cell calls
        from analysis.report.cells import annotate_cells

        page = annotate_cells(page, clean)
    page = _embed_images(page, [Path(d) for d in image_dirs], where=where)
    page = page.replace(f'alt="{_NBCONVERT_ALT}"', f'alt="{ALT_TEXT}"')
    remote = external_resources(page)
    if remote:
        raise CompendiumError(
            f"the page of {where} would load {len(remote)} resource(s) from the network "
            f"({', '.join(remote[:3])}); expected a self-contained page: embed the resource or "
            "remove the output that needs it"
        )
    return page


def is_synthetic(nb) -> bool:
    """Whether the notebook metadata ``compendium.synthetic`` is true."""
    meta = nb.get("metadata", {}).get("compendium", {}) or {}
    return bool(meta.get("synthetic", False))


def external_resources(page: str) -> list[str]:
    """Remote URLs the page would load: scripts, styles, fonts, images, frames, CSS imports.

    Links a reader may follow (``<a href>``) and XML namespaces are not loads.

    >>> external_resources('<script src="https://cdn.example/x.js"></script><a href="https://doi.org/1">')
    ['https://cdn.example/x.js']
    >>> external_resources('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    []
    """
    found: list[str] = []
    for pattern in _RESOURCE_PATTERNS:
        for match in pattern.finditer(page):
            if match.group(1) not in found:
                found.append(match.group(1))
    return found


def _exporter(hide_input: bool):
    """A configured nbconvert HTMLExporter (a new one per page: exporters keep state)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        template_name="lab", template_file=TEMPLATE_FILE,
        extra_template_paths=[str(TEMPLATE_DIR)], exclude_input=hide_input,
        exclude_input_prompt=hide_input, exclude_output_prompt=hide_input,
        mathjax_url="", require_js_url="", language_code=LANGUAGE, embed_images=False,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS),
                              remove_input_tags=set(REMOVE_INPUT_TAGS)), enabled=True)
    return exporter


def _clean_notebook(nb, *, title: str | None, default_title: str, prefixes: Sequence[str]):
    """A copy of ``nb`` with minimal metadata and no absolute machine paths in its text."""
    import copy

    clean = copy.deepcopy(nb)
    meta = {k: v for k, v in clean.metadata.items() if k in _KEPT_METADATA}
    meta["title"] = title or meta.get("title") or default_title
    clean.metadata = type(clean.metadata)(meta)
    for cell in clean.cells:
        cell.metadata = type(cell.metadata)({"tags": list(cell.metadata.get("tags", []))})
        cell.source = _scrub(cell.source, prefixes)
        for output in cell.get("outputs", []):
            _scrub_output(output, prefixes)
    return clean


def _scrub_output(output, prefixes: Sequence[str]) -> None:
    """Scrub the text of one output; drop extracted-file names so images stay embedded."""
    output.get("metadata", {}).pop("filenames", None)
    if "text" in output:
        output["text"] = _scrub(output["text"], prefixes)
    if "traceback" in output:
        output["traceback"] = [_scrub(line, prefixes) for line in output["traceback"]]
    data = output.get("data", {})
    for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
        if mime in data:
            data[mime] = _scrub(data[mime], prefixes)


def _scrub(text: Any, prefixes: Sequence[str]) -> Any:
    """``text`` with machine prefixes removed: the compendium root becomes relative,
    other prefixes (home, temporary folder, Python installation) become ``.../``."""
    if isinstance(text, list):
        return [_scrub(t, prefixes) for t in text]
    if not isinstance(text, str):
        return text
    root = str(_paths.ROOT).rstrip("/") + "/"
    for prefix in prefixes:
        text = text.replace(prefix, "" if prefix == root else ".../")
    return text


def _machine_prefixes(extra: Iterable[str | os.PathLike] = ()) -> list[str]:
    """Absolute folder prefixes (ending in ``/``) to remove from a page, longest first."""
    folders = {Path(sys.prefix), Path(sys.base_prefix), Path(tempfile.gettempdir()),
               Path.home(), _paths.ROOT, *map(Path, extra)}
    prefixes = set()
    for folder in folders:
        for form in (folder.absolute(), folder.resolve()):
            text = str(form).rstrip("/")
            if len(text) > 1:
                prefixes.add(text + "/")
    return sorted(prefixes, key=len, reverse=True)


def _embed_images(page: str, image_dirs: Sequence[Path], *, where: str) -> str:
    """Replace ``<img src="file">`` by ``data:`` URIs, looking the file up in ``image_dirs``."""

    def embed(match: re.Match) -> str:
        src = html.unescape(match.group(3)).strip()
        if src.startswith("data:"):
            return match.group(0)
        if re.match(r"^(?:[a-z][\w+.-]*:|//)", src, re.IGNORECASE):
            raise CompendiumError(
                f"{where} shows the image {src!r} from the network; expected an image file "
                "next to the notebook or in figures/, which is embedded in the page"
            )
        file = _find_image(unquote(src.split("#")[0].split("?")[0]), image_dirs)
        if file is None:
            raise CompendiumError(
                f"{where} shows the image {src!r}, which was not found in "
                f"{', '.join(_paths.display(d) for d in image_dirs)}; expected the file to exist "
                "(was the notebook that makes it run?)"
            )
        return f"{match.group(1)}{match.group(2)}{_data_uri(file)}{match.group(2)}"

    return _IMG_SRC.sub(embed, page)


def _find_image(relative: str, image_dirs: Sequence[Path]) -> Path | None:
    if Path(relative).is_absolute():
        return Path(relative) if Path(relative).is_file() else None
    for folder in image_dirs:
        candidate = folder / relative
        if candidate.is_file():
            return candidate
    return None


def _data_uri(file: Path) -> str:
    mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


# --------------------------------------------------------------------------- comparison


def compare_cohorts(
    cohorts: Sequence[str], *, figures: Sequence[str] | None = None, published: bool = False,
    reports_root: str | os.PathLike = _paths.REPORTS,
    figures_root: str | os.PathLike = _paths.FIGURES, raw_root: str | os.PathLike | None = None,
) -> Path:
    """Render ``<reports_root>/compare/<a>_vs_<b>[_vs_<c>...].html``: cohorts side by side.

    With ``published``, the page compares the cohorts' published sets instead
    (``reports/<cohort>/publicatie/``: their published ``key_numbers.json``, marks such as
    "<5" and "x" as given, and only the figures in ``publicatie/figuren/``) and is written as
    ``<a>_vs_<b>.publicatie.html``; no value of an internal run appears on it.

    The page (Dutch, self-contained) holds a table of every key number of every cohort (from
    ``reports/<cohort>/key_numbers.json``, a flat mapping name -> value; ``-`` where a cohort
    lacks one) with the site's Dutch labels, groups (by notebook) and notation, and, for each stem in ``figures`` that at least one cohort has, the cohorts'
    figures next to each other with their captions. A cohort is synthetic when its key numbers
    say ``synthetic: true``, its ``cohort.yaml`` does, or one of its figures does; the page
    then carries the banner.

    Parameters
    ----------
    cohorts : sequence of str
        Two or more different cohorts that have been run.
    figures : sequence of str, optional
        Figure stems to show. Default: those of :data:`MAIN_FIGURES` that a cohort has, or
        every figure stem of the cohorts when none of them exists.
    published : bool
        Compare the published sets (see above); a cohort without one is an error.
    reports_root, figures_root, raw_root : path-like
        Where reports, figures and raw folders live (defaults: the compendium's).

    Returns
    -------
    pathlib.Path
        The page written.

    Raises
    ------
    ConfigError
        Fewer than two cohorts, a repeated cohort, or a name unusable in a file name.
    CompendiumError
        A cohort has not been run (no ``key_numbers.json``) or its key numbers are not a
        flat mapping.
    """
    _check_cohorts(cohorts)
    folder = "publicatie" if published else ""
    numbers = {c: _read_key_numbers(c, Path(reports_root), folder) for c in cohorts}
    if published:  # the published figures only, from each cohort's published folder
        def folder_of(cohort: str) -> Path:
            return Path(reports_root) / cohort / "publicatie" / "figuren"
    else:
        def folder_of(cohort: str) -> Path:
            return Path(figures_root) / cohort
    synthetic = any(_cohort_is_synthetic(c, numbers[c], folder_of(c), raw_root)
                    for c in cohorts)
    nb = _comparison_notebook(cohorts, numbers, figures, folder_of,
                              _key_stages(cohorts, Path(reports_root)), published=published)
    title = "Vergelijking van cohorten: " + ", ".join(cohorts)
    if published:
        title += " (publicatieversies)"
    page = notebook_to_html(nb, hide_input=True, title=title, synthetic=synthetic,
                            where="the comparison of " + ", ".join(cohorts))
    name = "_vs_".join(cohorts) + (".publicatie.html" if published else ".html")
    return write_text_atomic(Path(reports_root) / "compare" / name, page)



def _key_stages(cohorts: Sequence[str], reports_root: Path) -> dict[str, str]:
    """Key -> the notebook that recorded it, from the cohorts' sources (the first cohort that
    has the key wins); empty when the runs left no sources (reports outside a project)."""
    from analysis.report import keynumbers

    root = None if reports_root.resolve() == Path(_paths.REPORTS).resolve() \
        else reports_root.parent
    stages: dict[str, str] = {}
    for cohort in cohorts:
        for key, (stage, _) in keynumbers.read_sources(cohort, root=root).items():
            stages.setdefault(key, stage)
    return stages


def _check_cohorts(cohorts: Sequence[str]) -> None:
    if isinstance(cohorts, str) or len(cohorts) < 2:
        raise ConfigError(f"compare needs at least two cohorts; got {list(cohorts)!r}")
    if len(set(cohorts)) != len(cohorts):
        raise ConfigError(f"compare needs different cohorts; got {list(cohorts)!r}")
    for cohort in cohorts:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", cohort):
            raise ConfigError(
                f"cohort {cohort!r} is not a valid cohort name; expected letters, digits, "
                "'_', '-' or '.' (a folder in data/raw)"
            )


def _read_key_numbers(cohort: str, reports_root: Path, folder: str = "") -> dict[str, Any]:
    file = reports_root / cohort / folder / "key_numbers.json"
    if not file.is_file():
        how = (f"`python -m analysis publish --cohort {cohort}`" if folder
               else f"`python -m analysis run --cohort {cohort}`")
        what = "has no published set" if folder else "has not been run"
        raise CompendiumError(
            f"cohort {cohort!r} {what}: {_paths.display(file)} does not exist; run {how} first"
        )
    try:
        numbers = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CompendiumError(f"cannot read {_paths.display(file)}: {error}") from error
    if not isinstance(numbers, dict) or any(isinstance(v, (dict, list)) for v in numbers.values()):
        raise CompendiumError(
            f"{_paths.display(file)} of cohort {cohort!r} is not a flat mapping; expected "
            "name -> number or text"
        )
    return numbers


def _cohort_is_synthetic(cohort: str, numbers: Mapping[str, Any], figures: Path,
                         raw_root: str | os.PathLike | None) -> bool:
    if numbers.get("synthetic") in (True, "true", "ja"):
        return True
    config = _paths.raw_dir(cohort, raw_root) / "cohort.yaml"
    if config.is_file():
        import yaml

        try:
            if (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("synthetic"):
                return True
        except (yaml.YAMLError, AttributeError):
            pass  # the cohort's own validation reports a broken cohort.yaml
    from analysis.report.provenance import read_png_metadata

    return any(read_png_metadata(png).get("Synthetic", "") == "true"
               for png in sorted(figures.glob("*.png")))


def _comparison_notebook(cohorts: Sequence[str], numbers: Mapping[str, Mapping[str, Any]],
                         figures: Sequence[str], folder_of: Callable[[str], Path],
                         stages: Mapping[str, str] | None = None, published: bool = False):
    """The comparison as a notebook: key numbers with their Dutch labels, grouped by the
    notebook that recorded them (``stages``: key -> notebook; other keys under "Overige
    kerngetallen"), values in the site's notation
    (:func:`analysis.report.labels.format_key_number`), then the figures side by side."""
    from nbformat import v4

    intro = (f"# Vergelijking van cohorten\n\nDeze pagina zet de kerngetallen en de belangrijkste "
             f"figuren van {_dutch_list(cohorts)} naast elkaar, met dezelfde omschrijvingen, "
             "groepen en notatie als de kerngetallenpagina van elk cohort. Elk getal komt uit het "
             "bestand `key_numbers.json` van de run van dat cohort; een streepje betekent dat het "
             "getal voor dat cohort niet bestaat.")
    if published:
        intro += (" Het zijn de **publicatieversies**: elk getal komt uit de gepubliceerde "
                  "`key_numbers.json` van het cohort (`reports/<cohort>/publicatie/`), kleine "
                  "aantallen personen als \"<k\" en wat ze zou verraden als \"x\", en alleen de "
                  "gecontroleerde figuren.")
    cells = [v4.new_markdown_cell(intro), v4.new_markdown_cell("## Kerngetallen")]
    for title, names in _grouped_keys(numbers, stages or {}):
        cells.append(v4.new_markdown_cell(f"### {_escape_cell(title)}\n\n"
                                          + _numbers_table(cohorts, numbers, names)))
    shown = _figure_stems(cohorts, figures, folder_of)
    if shown:
        cells.append(v4.new_markdown_cell("## Figuren"))
    for stem in shown:
        cells.append(v4.new_markdown_cell(f"### {_escape_cell(stem)}"))
        cells.append(_figure_row(stem, cohorts, folder_of))
    return v4.new_notebook(cells=cells, metadata={"title": "Vergelijking van cohorten"})


def _grouped_keys(numbers: Mapping[str, Mapping[str, Any]],
                  stages: Mapping[str, str]) -> list[tuple[str, list[str]]]:
    """(Dutch notebook title, keys sorted by name) per notebook in pipeline order; keys that no
    cohort's sources place last, as "Overige kerngetallen"."""
    from analysis.report.cells import notebook_titles

    titles = notebook_titles()
    names = sorted({name for n in numbers.values() for name in n})
    order = list(titles) + sorted({s for s in stages.values() if s not in titles})
    groups = [(titles.get(stage, stage), [n for n in names if stages.get(n) == stage])
              for stage in order]
    groups.append(("Overige kerngetallen", [n for n in names if n not in stages]))
    return [(title, keys) for title, keys in groups if keys]


def _numbers_table(cohorts: Sequence[str], numbers: Mapping[str, Mapping[str, Any]],
                   names: Sequence[str]) -> str:
    from analysis.report.labels import format_key_number, label_nl

    table = ["| Kerngetal | " + " | ".join(map(_escape_cell, cohorts)) + " | naam |",
             "|---|" + "---:|" * len(cohorts) + "---|"]
    for name in names:
        values = [_escape_cell(format_key_number(numbers[c][name]) if name in numbers[c]
                               else "-") for c in cohorts]
        table.append("| " + " | ".join([_escape_cell(label_nl(name)), *values,
                                        f"`{name}`"]) + " |")
    return "\n".join(table)


def _figure_stems(cohorts: Sequence[str], figures: Sequence[str] | None,
                  folder_of: Callable[[str], Path]) -> list[str]:
    """Stems to show: the requested (or main) ones some cohort has; else all found."""
    found = sorted({png.stem for c in cohorts for png in folder_of(c).glob("*.png")})
    shown = [f for f in (MAIN_FIGURES if figures is None else figures) if f in found]
    return shown if shown or figures is not None else found


def _figure_row(stem: str, cohorts: Sequence[str], folder_of: Callable[[str], Path]):
    """A code cell whose output shows one figure of every cohort side by side."""
    from nbformat import v4

    from analysis.report.provenance import read_png_metadata

    parts = []
    for cohort in cohorts:
        png = folder_of(cohort) / f"{stem}.png"
        if png.is_file():
            caption = read_png_metadata(png).get("Description", "")
            parts.append(f'<figure style="flex:1;min-width:0;margin:0">'
                         f'<img src="{_data_uri(png)}" alt="{html.escape(stem)} ({html.escape(cohort)})"/>'
                         f"<figcaption><strong>{html.escape(cohort)}</strong>. "
                         f"{html.escape(caption)}</figcaption></figure>")
        else:
            parts.append(f'<figure style="flex:1;min-width:0;margin:0"><figcaption>'
                         f"<strong>{html.escape(cohort)}</strong>: deze figuur is niet gemaakt "
                         "voor dit cohort.</figcaption></figure>")
    row = '<div style="display:flex;gap:1.5em;align-items:flex-start">' + "".join(parts) + "</div>"
    output = v4.new_output("display_data", data={"text/html": row, "text/plain": stem})
    return v4.new_code_cell(source="", outputs=[output])


def format_value(value: Any) -> str:
    """A key number as shown in the comparison table: Dutch notation with three significant
    digits (:func:`analysis.report.narrative.format_value`, format ``g3``), ``-`` if absent.

    >>> [format_value(v) for v in (1234567, 0.4567, 12.0, 2500.5, None, True, "<5")]
    ['1 234 567', '0,457', '12', '2501', '-', 'ja', '<5']
    """
    from analysis.report.narrative import format_value as _format

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return _format(value, "g3")


def _escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", str(text))


def _dutch_list(items: Sequence[str]) -> str:
    """``a, b en c``.

    >>> _dutch_list(["a", "b", "c"])
    'a, b en c'
    """
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " en " + items[-1]
