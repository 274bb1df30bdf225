"""What a reviewer expects around a findings document: title block, references, lists, files.

:func:`with_furniture` adds to a findings page (internal or published), between marker
comments so that building twice gives the same page:

- a title block under the document's title: the cohort's title and organisation (from the
  cohort's ``cohort.yaml``), the date of this build in Dutch, a one-paragraph summary, the
  licences and how to cite the document with its version;
- before the colophon: the list of figures and the list of tables (each linked to its place),
  the references cited in the text (:data:`REFERENCES_FILE`, with their DOIs), and the files
  behind the document (``files``: only files that exist beside the page, so the published
  bundle links only to its own files).
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from analysis import paths

REFERENCES_FILE = paths.DEFINITIONS / "references.yaml"
"""The bibliography (definitions as data)."""

TITLE_START, TITLE_END = "<!-- titelblok -->", "<!-- /titelblok -->"
BACK_START, BACK_END = "<!-- achterwerk -->", "<!-- /achterwerk -->"

MONTHS_NL: tuple[str, ...] = ("januari", "februari", "maart", "april", "mei", "juni", "juli",
                              "augustus", "september", "oktober", "november", "december")

LICENCE_NL: str = ("Code: MIT-licentie. Tekst, tabellen en figuren: Creative Commons "
                   "Naamsvermelding 4.0 (CC BY 4.0).")
"""The licences of the compendium (``LICENSE`` and ``LICENSE-CC-BY.md`` at the project root)."""


def date_nl(day: _dt.date | None = None) -> str:
    """A date written the Dutch way.

    >>> date_nl(_dt.date(2026, 12, 7))
    '7 december 2026'
    """
    day = day or run_date()
    return f"{day.day} {MONTHS_NL[day.month - 1]} {day.year}"


def run_date() -> _dt.date:
    """The date of this run, as the colophon has it (``SOURCE_DATE_EPOCH`` when set:
    :func:`analysis.report.provenance.colophon`); the only clock this module reads."""
    from analysis.report.provenance import _today

    return _dt.date.fromisoformat(_today())


@lru_cache(maxsize=1)
def references() -> tuple[dict[str, Any], ...]:
    """Every entry of :data:`REFERENCES_FILE`."""
    data = yaml.safe_load(REFERENCES_FILE.read_text(encoding="utf-8")) or {}
    return tuple(dict(entry) for entry in data.get("references") or ())


def cited(text: str) -> list[dict[str, Any]]:
    """The references cited in ``text`` (one of their ``cited_as`` forms occurs), sorted by
    first author and year."""
    return sorted((entry for entry in references()
                   if any(form in text for form in entry.get("cited_as") or ())),
                  key=lambda e: (str(e["authors"]).lower(), str(e.get("year") or "")))


def reference_html(entry: Mapping[str, Any]) -> str:
    """One reference in APA style with its DOI written out (``https://doi.org/...``; as text,
    not a link: the pages make no request and link to nothing outside the site)."""
    year = entry.get("year") or "z.d."
    parts = [f"{html.escape(str(entry['authors']))} ({year}). {html.escape(str(entry['title']))}."
             f" <em>{html.escape(str(entry['source']))}</em>."]
    if entry.get("doi"):  # as text: the site links to nothing outside itself
        parts.append(f' <span class="doi">https://doi.org/{html.escape(str(entry["doi"]))}</span>')
    return "".join(parts)


def version() -> str:
    """The compendium's version (the installed package's), or "onbekend"."""
    from importlib import metadata

    try:
        return metadata.version("vaktherapie-compendium")
    except metadata.PackageNotFoundError:
        return "onbekend"


def title_block(config: Mapping[str, Any], *, commit: str | None = None,
                day: _dt.date | None = None, published: bool = False) -> str:
    """The title block of the findings (see the module docstring) from the cohort settings."""
    title = str(config.get("title") or config.get("name") or "")
    who = str(config.get("organisation") or "")
    period = ""
    if config.get("period_start") and config.get("period_end"):
        start, end = (_as_date(config["period_start"]), _as_date(config["period_end"]))
        period = f" over de periode {date_nl(start)} tot en met {date_nl(end)}" if start and end \
            else ""
    kind = "publicatieversie" if published else "interne versie"
    summary = (f"Dit document zet de uitkomsten van de evaluatie van "
               f"{html.escape(title)}{period} op een rij: de deelnemers en trajecten, de "
               "werkzame elementen van de samenwerking, de verandering in ervaren problemen en "
               "hechting, vervanging en kosten, en wat nodig is voor een vervolgonderzoek. Elk "
               "getal is gekoppeld aan zijn bron.")
    made = date_nl(day)
    ref = f"versie {version()}" + (f", commit {commit[:7]}" if commit else "")
    cite = (f"{html.escape(who or title)} ({(day or run_date()).year}). "
            f"<em>Bevindingen: {html.escape(title)}</em> ({kind}; compendium {ref}).")
    rows = [("Auteurs", html.escape(who) if who else "niet opgegeven in cohort.yaml"),
            ("Datum", made), ("Samenvatting", summary), ("Licentie", html.escape(LICENCE_NL)),
            ("Citeren als", cite)]
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'{TITLE_START}<section class="titelblok" aria-label="Titelblok">'
            f'<p class="titel">{html.escape(title)}</p><dl>{items}</dl></section>{TITLE_END}')


def back_matter(page: str, *, files: Sequence[tuple[str, str]]) -> str:
    """Lists of figures and tables, references and files, as HTML (see the module doc)."""
    figures = re.findall(r'<figure id="([^"]+)"[^>]*>.*?<figcaption[^>]*><strong>(Figuur \d+)\.'
                         r"</strong>\s*([^<]*)", page, flags=re.S)
    tables = re.findall(r'<table\b[^>]*\bid="(tabel-[^"]+)"[^>]*>\s*<caption><strong>'
                        r"(Tabel \d+)\.</strong>\s*([^<]*)</caption>", page, flags=re.S)
    parts = ['<section class="achterwerk">']
    if figures:
        parts.append('<h2 id="Lijst-van-figuren">Lijst van figuren</h2><ol class="lijst">'
                     + "".join(f'<li><a href="#{a}">{n}</a>. {html.escape(_first(c))}</li>'
                               for a, n, c in figures) + "</ol>")
    if tables:
        parts.append('<h2 id="Lijst-van-tabellen">Lijst van tabellen</h2><ol class="lijst">'
                     + "".join(f'<li><a href="#{a}">{n}</a>. {html.escape(_first(c))}</li>'
                               for a, n, c in tables) + "</ol>")
    text = re.sub(r"<[^>]+>", " ", page)
    works = cited(text)
    if works:
        parts.append('<h2 id="Literatuur">Literatuur</h2><ul class="literatuur">'
                     + "".join(f"<li>{reference_html(w)}</li>" for w in works) + "</ul>")
    if files:
        parts.append('<h2 id="Bestanden">Bestanden bij dit document</h2><ul>'
                     + "".join(f'<li><a href="{html.escape(href)}">{html.escape(href)}</a>: '
                               f"{html.escape(what)}</li>" for href, what in files) + "</ul>")
    parts.append("</section>")
    return BACK_START + "".join(parts) + BACK_END


def with_furniture(page: str, config: Mapping[str, Any], *, files: Sequence[tuple[str, str]],
                   commit: str | None = None, published: bool = False) -> str:
    """``page`` (a numbered findings page) with the title block and the back matter."""
    page = re.sub(re.escape(TITLE_START) + r".*?" + re.escape(TITLE_END), "", page, flags=re.S)
    page = re.sub(re.escape(BACK_START) + r".*?" + re.escape(BACK_END), "", page, flags=re.S)
    block = title_block(config, commit=commit, published=published)
    page = re.sub(r"(<h1\b[^>]*>.*?</h1>)", lambda m: m.group(1) + block, page, count=1,
                  flags=re.S)
    back = back_matter(page, files=files)
    colophon = re.search(r'<h2 id="Colofon"', page)
    if colophon is None:
        return page.replace("</main>", back + "</main>", 1) if "</main>" in page else \
            page.replace("</body>", back + "</body>", 1)
    start = page.rfind('<div class="jp-Cell', 0, colophon.start())
    at = start if start >= 0 else colophon.start()
    return page[:at] + back + page[at:]


def files_beside(folder: Path, candidates: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The ``(relative path, description)`` of ``candidates`` that exist in ``folder``."""
    return [(name, what) for name, what in candidates if (Path(folder) / name).exists()]


def _first(caption: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", " ".join(caption.split()), maxsplit=1)[0]
    return sentence.rstrip(".")


def _as_date(value: Any) -> _dt.date | None:
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value))
    except ValueError:
        return None
