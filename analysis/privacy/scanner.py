"""Search output files, in every encoding they carry text in, for what must not be published.

:func:`file_texts` extracts every text of a file: the file as UTF-8; for HTML and notebook JSON
also the unescaped text and every ``data:`` URI or base64 payload decoded (an embedded PNG's
text chunks, an embedded SVG's text); for PNG the ``tEXt``/``iTXt``/``zTXt`` chunks; for SVG
the text with tags removed and entities unescaped. :func:`scan_file` looks in those texts for

- ``planted``: given values (names, numbers ...), compared after :func:`normalise_for_search`
  (lower case, Unicode NFKC, invisible characters removed; numbers of 9 or more digits also
  compared without any separator, so ``06 1234 5678`` is found as ``0612345678``);
- ``identifier``: anything the guard's patterns find that is never published in a report
  (e-mail, phone, BSN, IBAN, handle, licence plate);
- ``formula``: a CSV cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR that is not a
  plain number;
- ``small_cell``: "n = 3" in a text or figure, or a people count below the threshold in a
  ``key_numbers.json`` (through :func:`analysis.publish.disclosure` rules, passed in as
  ``is_person_count``).

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
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from analysis.privacy.guard import normalise

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
    if suffix in (".zip", ".gz", ".pdf", ".jpg", ".jpeg", ".gif", ".woff", ".woff2"):
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
    out, position = [], 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        try:
            if kind == b"tEXt":
                key, _, value = body.partition(b"\0")
                out.append(f"{key.decode('latin-1')}: {value.decode('latin-1')}")
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                out.append(f"{key.decode('latin-1')}: "
                           f"{zlib.decompress(rest[1:]).decode('latin-1')}")
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, rest = rest[0], rest[2:]
                _, _, rest = rest.partition(b"\0")
                _, _, value = rest.partition(b"\0")
                value = zlib.decompress(value) if compressed else value
                out.append(f"{key.decode('utf-8', 'replace')}: {value.decode('utf-8', 'replace')}")
        except (zlib.error, IndexError, UnicodeDecodeError):
            out.append("unreadable text chunk")
        if kind == b"IEND":
            break
    return out


def scan_file(path: Path, *, planted: Iterable[str] = (), threshold: int | None = None,
              is_person_count: Callable[[str], bool] | None = None,
              label: str | None = None, identifiers: bool = True) -> list[ScanFailure]:
    """Everything :func:`file_texts` of ``path`` holds that must not be published.

    Parameters
    ----------
    planted : iterable of str
        Values that must not occur (compared case-insensitively after normalisation; values
        with 9 or more digits also by their digits alone).
    threshold : int, optional
        Small-cell threshold: "n = k" with 0 < k < threshold in any text fails, and so does a
        people count below it in a ``key_numbers.json`` (``is_person_count(name)``).
    identifiers : bool
        Also run the guard's patterns for e-mail, phone, BSN, IBAN and handles.
    """
    from analysis.privacy.guard import _pattern_findings  # the guard's own patterns

    name = label or path.name
    failures: list[ScanFailure] = []
    planted = [p for p in planted if p and p.strip()]
    wanted = [(p, normalise_for_search(p), digits_only(p)) for p in planted]
    seen: set[tuple[str, str]] = set()

    def fail(rule: str, reason: str) -> None:
        if (rule, reason) not in seen:
            seen.add((rule, reason))
            failures.append(ScanFailure(name, rule, reason))

    for where, text in file_texts(path):
        text = _LONG_BASE64.sub(" ", text)  # base64 payloads are searched decoded, not as letters
        lowered = normalise_for_search(text)
        runs = ([digits_only(m.group()) for m in _DIGIT_GROUP.finditer(normalise(text))]
                if any(len(d) >= 9 for _, _, d in wanted) else [])
        for index, (_, norm, only_digits) in enumerate(wanted):
            if norm and norm in lowered:
                fail("planted", f"planted value #{index + 1} in the {where}")
            elif len(only_digits) >= 9 and any(only_digits in run for run in runs):
                fail("planted", f"planted number #{index + 1} (its digits) in the {where}")
        json_file = path.suffix.lower() in (".json", ".ipynb")
        if identifiers and ((where not in ("text", "base64 SVG") and not json_file)
                            or where == "json strings"
                            or path.suffix.lower() in (".csv", ".txt", ".md")):
            plain = normalise(_LONG_BASE64.sub(" ", text))
            for finding, _ in _pattern_findings(plain):
                if finding.kind in _IDENTIFIER_KINDS and not (
                        finding.kind == "phone" and plain[finding.start:finding.start + 2]
                        in ("0.", "0,")):
                    fail("identifier", f"{finding.kind} found in the {where}")
        if threshold:
            for match in _SMALL_N.finditer(text):
                if 0 < int(match.group(1)) < threshold:
                    fail("small_cell", f"a group of n < {threshold} shown in the {where}")
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
    ``count``, ``numerator``, ``denominator`` or a name ending in ``_n``): row and column."""
    reasons = []
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        counted = [i for i, name in enumerate(header) if _COUNT_COLUMN.search(name.strip())]
        for row_number, row in enumerate(rows, start=2):
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
