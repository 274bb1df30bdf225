"""Search output files, in every encoding they carry text in, for what must not be published.

Two kinds of text are searched. :func:`file_texts` gives everything a file carries, for the
search of planted values: the file as UTF-8; for HTML and notebook JSON also the unescaped text
and every ``data:`` URI or base64 payload decoded (an embedded PNG's text chunks, an embedded
SVG's text); for PNG the ``tEXt``/``iTXt``/``zTXt`` chunks; for SVG the text with tags removed
and entities unescaped; the pages of a PDF; the member names and members of a zip.
:func:`analysis.privacy.readable.readable_texts` gives what a reader sees, each text with its
place (HTML blocks and attributes, SVG ``<text>`` and metadata, PNG chunks, JSON strings, CSV
cells, PDF pages, zip member names), for the privacy guard. :func:`scan_file` looks for

- ``planted``: given values (names, numbers ...), compared after :func:`normalise_for_search`
  (lower case, Unicode NFKC, invisible characters removed; numbers of 9 or more digits also
  compared without any separator, so ``06 1234 5678`` is found as ``0612345678``);
- ``identifier``: what the full privacy guard (:func:`analysis.privacy.deidentify`: patterns,
  deduce's name lists and deduce itself; names only capitalised or in context, as the
  compendium writes them) finds in a readable text: names, e-mail addresses (also written in
  words), phone numbers, BSNs, IBANs, handles, street addresses and schools. Dates, long
  numbers and web addresses are published on purpose and not searched; the eponyms and cited
  authors the outputs print (:data:`~analysis.privacy.lexicon.CITED_NAMES`) are no finding.
  For a figure (PNG or SVG), the table behind it (``<name>.marks.csv`` or ``<name>.csv``
  beside it) is searched too;
- ``formula``: a CSV cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR that is not a
  plain number;
- ``small_cell``: "n = 3" in a text or figure, or a people count below the threshold in a
  ``key_numbers.json`` (through :func:`analysis.publish.disclosure` rules, passed in as
  ``is_person_count``).

A failure says the rule and the place (``name found in SVG <text> element 12``), never the
value. :func:`scan_text` and :func:`scan_table` run the guard on one text or one table.

It is the scanner that ``python -m analysis share`` runs on every file of the bundle, and the
one the end-to-end tests use.
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from analysis.privacy.guard import deidentify, normalise
from analysis.privacy.lexicon import CITED_NAMES
from analysis.privacy.readable import Piece, png_chunks, readable_texts

_DATA_URI = re.compile(r"data:([\w/+.-]{1,60})(?:;[\w=.-]{1,40}){0,3};base64,([A-Za-z0-9+/=\s]{8,})")
_LONG_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{60,}(?:\s+[A-Za-z0-9+/]{60,}){0,100000}"
                          r"={0,2}")  # base64, also wrapped in lines (one way to split a run)
_BASE64_STRING = re.compile(r"[A-Za-z0-9+/=\s]{100,}")
_STYLE = re.compile(r"<(style|script)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")  # linear: the spans between two "<" are disjoint
_SMALL_N = re.compile(r"(?<![\w])n ?= ?(\d{1,3})(?![\d,.])", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
_DIGIT_GROUP = re.compile(r"(?<![A-Za-z0-9])\d(?:[ .\-/()]{0,3}\d){5,60}(?![A-Za-z0-9])")
"""One number with its separators (not digits inside a word or a hash)."""
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
_IDENTIFIER_KINDS = frozenset({"email", "phone", "bsn", "iban", "handle"})
SCAN_KINDS: frozenset[str] = _IDENTIFIER_KINDS | {"name", "child_name", "address", "school"}
"""Kinds of finding that fail a published file (see the module docstring)."""
_HEX = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]{0,63}[0-9])(?=[0-9a-f]{0,63}[a-f])[0-9a-f]{7,64}"
                  r"(?![0-9A-Za-z])")
"""Hashes (commit, inputs): their digits are no number of anyone."""
_SEPARATOR = "\n|\n"  # between pieces: no name runs on from one piece into the next
_AUTHOR = r"[A-Z][\w'’]{1,40}(?:-[A-Z][\w'’]{1,40})?"
_CITATION = re.compile(
    rf"(?<![\w-])({_AUTHOR})(?:(?:,| en| &| and) ({_AUTHOR}))?(?: (?:e\.a\.|et al\.))?,? \(?"
    rf"(?:19|20)\d{{2}}[a-z]?(?![\w])|(?<![\w-])({_AUTHOR}), (?:[A-Z]\.(?: ?[A-Z]\.){{0,3}})"
    rf"(?: ?(?:&|en) ({_AUTHOR}), [A-Z]\.)?")
"""A citation (``Maurice-Stam e.a., 2018``, ``Jacobson & Truax, 1991``, ``Vermeulen, K. &
Nouwen, C.``): its names are cited authors, not personal data."""
_FORMULA = re.compile(r"[=+\-@\t\r]")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|nan)",
                     re.IGNORECASE)


@dataclass(frozen=True)
class ScanFailure:
    """One thing found in one file: the rule and a reason (never the value found)."""

    file: str
    rule: str
    reason: str


def normalise_for_search(text: str) -> str:
    """Lower case, NFKC, invisible characters removed, whitespace runs made one space."""
    return re.sub(r"\s+", " ", _INVISIBLE.sub("", normalise(text))).lower()


def digits_only(text: str) -> str:
    """Only the digits of ``text`` (a planted number is found in any spacing)."""
    return "".join(_DIGITS.findall(text))


def file_texts(path: Path) -> Iterator[tuple[str, str]]:
    """``(where, text)`` for every text carried by the file at ``path`` (see module docstring)."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".png":
        yield from (("png text chunk", t) for t in png_text_chunks(data))
        return
    if suffix in (".zip", ".pdf"):
        yield from ((p.where, p.text) for p in readable_texts(path.name, data))
        return
    if suffix in (".gz", ".jpg", ".jpeg", ".gif", ".woff", ".woff2"):
        return
    text = data.decode("utf-8", errors="replace")
    yield "text", text
    if suffix in (".html", ".htm", ".svg", ".ipynb", ".json", ".md", ".xml"):
        yield from _markup_texts(text, depth=0)


def _markup_texts(text: str, depth: int) -> Iterator[tuple[str, str]]:
    plain = html.unescape(_TAG.sub(" ", _STYLE.sub(" ", text)))
    yield "text without markup", plain
    if text.lstrip()[:1] in ("{", "["):
        try:
            strings = list(_json_strings(json.loads(text)))
        except ValueError:
            strings = []
        yield "json strings", "\n".join(s for s in strings if not _BASE64_STRING.fullmatch(s))
        if depth <= 1:
            for payload in (s for s in strings if _BASE64_STRING.fullmatch(s)):
                yield from _decoded(payload, "", depth)
    if depth > 1:
        return
    for match in _DATA_URI.finditer(text):
        yield from _decoded(match.group(2), match.group(1), depth)
    for match in _LONG_BASE64.finditer(text):
        if len(match.group()) >= 200:
            yield from _decoded(match.group(), "", depth)


def _json_strings(value) -> Iterator[str]:
    """Every string (keys too) of a decoded JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


def _decoded(payload: str, mime: str, depth: int) -> Iterator[tuple[str, str]]:
    try:
        raw = base64.b64decode(re.sub(r"\s", "", payload) + "==", validate=False)
    except (binascii.Error, ValueError):
        return
    if raw.startswith(b"\x89PNG"):
        yield from (("base64 PNG text chunk", t) for t in png_text_chunks(raw))
    elif "svg" in mime or raw.lstrip()[:5] in (b"<?xml", b"<svg ") or b"<svg" in raw[:400]:
        svg = raw.decode("utf-8", errors="replace")
        yield "base64 SVG", svg
        yield from _markup_texts(svg, depth + 1)
    elif mime.startswith("text") or (raw and sum(32 <= b < 127 for b in raw[:200]) > 180):
        decoded = raw.decode("utf-8", errors="replace")
        yield "base64 text", decoded
        yield from _markup_texts(decoded, depth + 1)


def png_text_chunks(data: bytes) -> list[str]:
    """Texts of the ``tEXt``, ``zTXt`` and ``iTXt`` chunks of a PNG (``key: value``)."""
    return [f"{key}: {value}" for key, value in png_chunks(data)]


def scan_file(path: Path, *, planted: Iterable[str] = (), threshold: int | None = None,
              is_person_count: Callable[[str], bool] | None = None,
              label: str | None = None, identifiers: bool = True, names: bool = True,
              use_deduce: bool = True, tables: bool = True,
              notes: list[str] | None = None) -> list[ScanFailure]:
    """Everything the texts of ``path`` hold that must not be published.

    Parameters
    ----------
    planted : iterable of str
        Values that must not occur (compared case-insensitively after normalisation; values
        with 9 or more digits also by their digits alone). Each is reported once per file.
    threshold : int, optional
        Small-cell threshold: "n = k" with 0 < k < threshold in any text fails, and so does a
        people count below it in a ``key_numbers.json`` (``is_person_count(name)``).
    identifiers : bool
        Run the privacy guard on every readable text (default).
    names : bool
        With ``identifiers``: the full guard, names, addresses and schools included (default);
        False: only its patterns for e-mail, phone, BSN, IBAN and handles.
    use_deduce : bool
        With ``names``: also deduce (default; about 5 s per MB of text, and its start-up).
    tables : bool
        For a PNG or SVG figure, also scan the table behind it (``<name>.marks.csv`` or
        ``<name>.csv`` in the same folder) when there is one.
    notes : list, optional
        Receives what could not be scanned and why (a PDF without ``pdftotext``).
    """
    name = label or path.name
    failures: list[ScanFailure] = []
    planted = [p for p in planted if p and p.strip()]
    wanted = [(p, normalise_for_search(p), digits_only(p)) for p in planted]
    seen: set[tuple[str, str]] = set()
    found_planted: set[int] = set()

    def fail(rule: str, reason: str) -> None:
        if (rule, reason) not in seen:
            seen.add((rule, reason))
            failures.append(ScanFailure(name, rule, reason))

    texts = list(file_texts(path))
    if path.suffix.lower() == ".pdf" and not texts and notes is not None:
        notes.append(f"{name}: PDF text not scanned (pdftotext of poppler is not installed "
                     "or could not read the file)")
    for where, text in texts:
        text = _LONG_BASE64.sub(" ", text)  # base64 payloads are searched decoded, not as letters
        lowered = normalise_for_search(text)
        runs = ([digits_only(m.group()) for m in _DIGIT_GROUP.finditer(normalise(text))]
                if any(len(d) >= 9 for _, _, d in wanted) else [])
        for index, (_, norm, only_digits) in enumerate(wanted):
            if index in found_planted:
                continue
            if norm and norm in lowered:
                found_planted.add(index)
                fail("planted", f"planted value #{index + 1} in the {where}")
            elif len(only_digits) >= 9 and any(only_digits in run for run in runs):
                found_planted.add(index)
                fail("planted", f"planted number #{index + 1} (its digits) in the {where}")
        if threshold:
            for match in _SMALL_N.finditer(text):
                if 0 < int(match.group(1)) < threshold:
                    fail("small_cell", f"a group of n < {threshold} shown in the {where}")
    if identifiers:
        pieces = list(readable_texts(path.name, path.read_bytes()))
        for table in _tables_behind(path) if tables else []:
            pieces += [Piece(f"table behind the figure ({table.name}), {p.where}", p.text)
                       for p in readable_texts(table.name, table.read_bytes())]
        for reason in _guard_reasons(pieces, names=names, use_deduce=use_deduce,
                                     ignore=[norm for _, norm, _ in wanted]):
            fail("identifier", reason)
    if path.suffix.lower() == ".csv":
        failures += [ScanFailure(name, "formula", r) for r in formula_cells(path)]
    if threshold and is_person_count and path.name.startswith("key_numbers") and \
            path.suffix == ".json":
        numbers = json.loads(path.read_text(encoding="utf-8"))
        for key, value in sorted(numbers.items()):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and \
                    0 < value < threshold and is_person_count(key):
                fail("small_cell", f"people count {key} below {threshold}")
    return failures


def scan_text(text: str, *, where: str = "the text", names: bool = True,
              use_deduce: bool = True) -> list[str]:
    """What the privacy guard finds in one published ``text``: one reason per kind of finding
    (``name found in the text``), never the value. See :func:`scan_file` for the options.

    >>> scan_text("Van de 22 gezinnen rondden 18 het traject af.", use_deduce=False)
    []
    >>> scan_text("Gesprek met Daan Jansen, 06-12345678.", use_deduce=False)
    ['name found in the text', 'phone found in the text']
    """
    return _guard_reasons([Piece(where, text)], names=names, use_deduce=use_deduce)


def scan_table(table, *, where: str = "the table", names: bool = True,
               use_deduce: bool = True) -> list[str]:
    """What the privacy guard finds in the cells of ``table`` (a DataFrame, its column names
    too, or a CSV file): reasons naming row (header = row 1) and column, never the value."""
    if isinstance(table, (str, Path)):
        file = Path(table)
        pieces = [Piece(f"{where}, {p.where}", p.text)
                  for p in readable_texts(file.name, file.read_bytes())]
    else:
        pieces = [Piece(f"{where}, row 1, column {j}", str(c))
                  for j, c in enumerate(table.columns, start=1)]
        for i, row in enumerate(table.itertuples(index=False), start=2):
            pieces += [Piece(f"{where}, row {i}, column {j}", str(v))
                       for j, v in enumerate(row, start=1) if isinstance(v, str) and v.strip()]
    return _guard_reasons(pieces, names=names, use_deduce=use_deduce)


def _tables_behind(path: Path) -> list[Path]:
    """The table a figure declares beside it (``<name>.marks.csv``, ``<name>.csv``)."""
    if path.suffix.lower() not in (".png", ".svg"):
        return []
    return [t for t in (path.with_name(f"{path.stem}.marks.csv"), path.with_name(f"{path.stem}.csv"))
            if t.is_file()]


def _guard_reasons(pieces: list[Piece], *, names: bool, use_deduce: bool,
                   ignore: Iterable[str] = ()) -> list[str]:
    """Run the guard once over all ``pieces`` (joined, so deduce starts once) and say, per
    kind and place, what it found; findings inside an ``ignore`` value (a planted value,
    reported by its own rule) are left out."""
    import bisect

    if not pieces:
        return []
    texts = [_HEX.sub(lambda m: " " * len(m.group()), normalise(_LONG_BASE64.sub(" ", p.text)))
             for p in pieces]
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(_SEPARATOR)
    joined = _SEPARATOR.join(texts)
    if names:
        cited = {name for m in _CITATION.finditer(joined) for name in m.groups() if name}
        _, findings = deidentify(joined, use_deduce=use_deduce, lower_case_names=False,
                                 public=tuple(CITED_NAMES) + tuple(sorted(cited)))
        kinds = SCAN_KINDS
    else:
        from analysis.privacy.guard import _pattern_findings

        findings, kinds = [f for f, _ in _pattern_findings(joined)], _IDENTIFIER_KINDS
    ignore = [i for i in ignore if i]
    reasons: list[str] = []
    for finding in findings:
        if finding.kind not in kinds:
            continue
        if finding.kind == "phone" and joined[finding.start:finding.start + 2] in ("0.", "0,"):
            continue
        value = normalise_for_search(joined[finding.start:finding.end])
        if any(i in value or value in i for i in ignore):
            continue
        where = pieces[bisect.bisect_right(starts, finding.start) - 1].where
        reason = f"{finding.kind} found in {where}"
        if reason not in reasons:
            reasons.append(reason)
    return reasons


def formula_cells(path: Path) -> list[str]:
    """Where a CSV holds a cell a spreadsheet would run as a formula (row and column, 1-based
    with the header as row 1; never the cell's text)."""
    reasons = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        for row_number, row in enumerate(csv.reader(handle), start=1):
            for column, cell in enumerate(row, start=1):
                if cell and _FORMULA.match(cell) and not _NUMBER.fullmatch(cell):
                    reasons.append(f"formula-like cell in row {row_number}, column {column}")
    return reasons


_COUNT_COLUMN = re.compile(r"(?:^|_)(?:n|k|count|numerator|denominator)$", re.IGNORECASE)


def csv_small_cells(path: Path, threshold: int) -> list[str]:
    """Where a CSV shows a count below ``threshold`` in a count column (``n``, ``k``,
    ``count``, ``numerator``, ``denominator`` or a name ending in ``_n``): row and column.

    A figure's marks table says what each row counts (``unit``, see
    :mod:`analysis.report.figures.drawn`): a row whose unit is not people (segments, sessions,
    hours, places, none) is no small cell; a row with a people unit, or any other unit, is.
    """
    reasons = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        counted = [i for i, name in enumerate(header) if _COUNT_COLUMN.search(name.strip())]
        unit = next((i for i, name in enumerate(header) if name.strip() == "unit"), None)
        not_people: tuple[str, ...] = ()
        if unit is not None:
            from analysis.report.figures.drawn import OTHER_UNITS as not_people
        for row_number, row in enumerate(rows, start=2):
            if unit is not None and unit < len(row) and row[unit].strip() in not_people:
                continue
            for i in counted:
                cell = row[i].strip() if i < len(row) else ""
                try:
                    value = float(cell)
                except ValueError:
                    continue
                if 0 < value < threshold:
                    reasons.append(f"count below {threshold} in row {row_number}, "
                                   f"column {header[i]}")
    return reasons


def read_text_lenient(data: bytes) -> str:
    """UTF-8 text of ``data`` with undecodable bytes replaced."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace").read()
