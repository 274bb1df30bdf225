"""The Dutch display layer: computed tables stay English, a reader sees them in Dutch.

The notebooks keep their tables tidy and English (``scale``, ``p_value``, ``0.643``, ``True``):
the processed files, the tests and other code read those names. What a reader sees on a
notebook page is translated here, at the last step, from data:
``analysis/definitions/display_labels.yaml`` (``columns``: header -> Dutch header; ``values``:
cell or row label -> Dutch text). Numbers get a decimal comma (Dutch notation,
:mod:`analysis.text`), true/false become ja/nee, a missing value a dash.

:func:`dutch_tables` rewrites every pandas table (``<table class="dataframe">``) of an HTML page;
a table it has rewritten carries ``data-nl="ja"`` and is left alone the next time, so building
the site twice gives the same page.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import yaml

from analysis import paths

LABELS_FILE = paths.DEFINITIONS / "display_labels.yaml"
"""Dutch headers and values (definitions as data)."""

_NUMBER = re.compile(r"^[-+−]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?%?$")


@lru_cache(maxsize=1)
def labels() -> tuple[dict[str, str], dict[str, str]]:
    """(columns, values) of :data:`LABELS_FILE`."""
    data: dict[str, Any] = yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8")) or {}
    values = _scheme_labels()
    values.update({str(k): str(v) for k, v in (data.get("values") or {}).items()})
    return ({str(k): str(v) for k, v in (data.get("columns") or {}).items()}, values)


def _scheme_labels() -> dict[str, str]:
    """Cut-off scheme id -> its label in the instrument definitions (``cutoffs.<id>.label``),
    "et al." written the Dutch way ("e.a.")."""
    out: dict[str, str] = {}
    for file in sorted((paths.DEFINITIONS / "instruments").glob("*.yaml")):
        spec = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for scheme, entry in (spec.get("cutoffs") or {}).items():
            if isinstance(entry, dict) and entry.get("label"):
                out.setdefault(str(scheme), str(entry["label"]).replace(" et al.", " e.a."))
    return out


def header_nl(text: str) -> str:
    """A table header in Dutch: its entry under ``columns``, else under ``values`` (a row
    label), else a number in Dutch notation, else as it is.

    >>> header_nl("p_value"), header_nl("total"), header_nl("0.8"), header_nl("gezinnen")
    ('p-waarde', 'totaal', '0,8', 'gezinnen')
    """
    columns, values = labels()
    if text in columns:
        return columns[text]
    return cell_nl(text)


def cell_nl(text: str) -> str:
    """A table cell in Dutch: its entry under ``values``, else a number with a decimal comma,
    else as it is.

    >>> cell_nl("0.643"), cell_nl("True"), cell_nl("NaN"), cell_nl("-1.5e-05"), cell_nl("ok")
    ('0,643', 'ja', '–', '-1,5e-05', 'haalbaar')
    """
    _, values = labels()
    stripped = text.strip()
    if stripped in values:
        return values[stripped]
    if _NUMBER.match(stripped):
        return stripped.replace(".", ",")
    return text


def dutch_tables(page: str) -> str:
    """``page`` with every pandas table's headers and cells in Dutch (see the module doc)."""

    def table(match: re.Match) -> str:
        opening, body = match.group(1), match.group(2)
        if "data-nl=" in opening:
            return match.group(0)
        body = re.sub(r"(<th\b[^>]*>)([^<]*)(</th>)",
                      lambda m: m.group(1) + _escaped(header_nl, m.group(2)) + m.group(3), body)
        body = re.sub(r"(<td\b[^>]*>)([^<]*)(</td>)",
                      lambda m: m.group(1) + _escaped(cell_nl, m.group(2)) + m.group(3), body)
        return opening.replace("<table", '<table data-nl="ja"', 1) + body + "</table>"

    return re.sub(r'(<table\b[^>]*class="dataframe[^"]*"[^>]*>)(.*?)</table>', table, page,
                  flags=re.S)


_TOKEN = re.compile(r"(?<![\w.'-])([-+]?\d+\.\d+(?:[eE][-+]?\d+)?|True|False|NaN|None|[A-Za-z][A-Za-z0-9_]*)"
                    r"(?![\w'-]|\.\w)")


def text_output_nl(text: str, *, prose: bool = False) -> str:
    r"""A plain-text output (a printed table or mapping) in Dutch where it can be done word by
    word: decimal commas, ja/nee, a dash for missing, and every token listed under ``columns``
    or ``values`` in its Dutch form (multi-word headers get underscores, so columns stay
    aligned as well as they can).

    ``prose``: the text is printed Dutch (a cell's ``print``), whose plain words are Dutch
    already ("met", "test", "totaal"); only identifiers (a ``snake_case`` token), True, False,
    NaN, None and decimal points are changed.

    >>> text_output_nl("   estimate  p_value\n0  -2.05  True")
    '   schatting  p-waarde\n0  -2,05  ja'
    >>> text_output_nl("met 2.5 punten, test p_value", prose=True)
    'met 2,5 punten, test p-waarde'
    """
    columns, values = labels()

    def token(match: re.Match) -> str:
        word = match.group(1)
        if word[0].isdigit() or word[0] in "+-":
            return word.replace(".", ",")
        if prose and "_" not in word and word not in ("True", "False", "NaN", "None"):
            return word
        if word in columns:
            return columns[word]
        if word in values:
            return values[word]
        return word

    return _TOKEN.sub(token, text)


def dutch_text_outputs(page: str) -> str:
    """``page`` with every plain-text output of a notebook cell through :func:`text_output_nl`
    (the ``<pre>`` of an output area; code cells' inputs are not touched): a cell's value (an
    ``executeResult``) word by word, printed text as prose. Marked with ``data-nl="ja"`` so a
    second build leaves it alone."""

    def pre(match: re.Match) -> str:
        prose = "jp-OutputArea-executeResult" not in match.group(1)
        return (match.group(1) + '<pre data-nl="ja">'
                + html.escape(text_output_nl(html.unescape(match.group(2)), prose=prose),
                              quote=False)
                + "</pre>")

    return re.sub(r'(<div class="jp-RenderedText jp-OutputArea-output[^"]*"[^>]*>\s*)<pre>'
                  r"([^<]*)</pre>", pre, page)


def _escaped(translate, raw: str) -> str:
    text = html.unescape(raw)
    shown = translate(text)
    return raw if shown == text else html.escape(shown, quote=False)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours ``#rgb`` or ``#rrggbb`` (1 to 21).

    Relative luminance L = 0.2126 R + 0.7152 G + 0.0722 B of the linearised channels
    (c / 12.92 when c <= 0.04045, else ((c + 0.055) / 1.055) ** 2.4), ratio
    (L1 + 0.05) / (L2 + 0.05) with L1 the lighter. Source: W3C, *Web Content Accessibility
    Guidelines (WCAG) 2.1*, definitions "contrast ratio" and "relative luminance"
    (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio); success criterion 1.4.3 asks at least
    4.5:1 for body text.

    >>> round(contrast_ratio("#000", "#fff"), 1), round(contrast_ratio("#999999", "#ffffff"), 2)
    (21.0, 2.85)
    """
    def luminance(colour: str) -> float:
        value = colour.lstrip("#")
        if len(value) == 3:
            value = "".join(c * 2 for c in value)
        channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


MIN_CONTRAST: float = 4.5
"""Smallest contrast ratio of text on the site (WCAG 2.1, success criterion 1.4.3, level AA)."""


class CaptionedTable:
    """A table shown with a caption and an anchor: ``<table id="tabel-NAME"><caption>``.

    Displays as the frame does in plain text (committed notebooks compare that), and in HTML
    as the frame's table with the anchor ``tabel-NAME`` and the caption, which the site
    numbers ("Tabel N. ...") and to which a reference in the text
    (``<a class="tabelverwijzing" href="#tabel-NAME">tabel</a>``) then points by number
    (:func:`analysis.report.site.annotate_findings`).
    """

    def __init__(self, frame, name: str, caption: str):
        self.frame, self.name, self.caption = frame, name, caption

    def __repr__(self) -> str:
        return repr(self.frame)

    def _repr_html_(self) -> str:
        table = self.frame.to_html()
        return with_caption(table, self.name, self.caption)


def with_caption(table_html: str, name: str, caption: str) -> str:
    """``table_html`` (one ``<table>``) with the anchor ``tabel-NAME`` and a ``<caption>``."""
    return re.sub(r"<table\b([^>]*)>", lambda m: f'<table id="tabel-{html.escape(name)}"'
                  f"{m.group(1)}><caption>{html.escape(caption)}</caption>", table_html,
                  count=1)
