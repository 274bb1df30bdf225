"""What a reader of an output file sees: its texts, each with the place where it stands.

:func:`readable_texts` takes a file's name and bytes and yields :class:`Piece` objects, one per
text a person can read in it, in file order:

==========  ====================================================================================
file        pieces
==========  ====================================================================================
HTML        text of each block (paragraph, cell, heading, caption ...) outside ``<script>`` and
            ``<style>``, with its line; ``alt``, ``title`` and ``aria-label`` attributes; every
            embedded ``data:`` image (PNG text chunks, SVG texts)
SVG         each ``<text>``, ``<title>`` and ``<desc>``, every text of ``<metadata>``
PNG         the value of each ``tEXt``, ``zTXt`` and ``iTXt`` chunk, with its key
JSON        every string (keys too) with its path; embedded images and markup decoded
notebook    cell sources and outputs (plain text, Markdown, HTML, SVG, PNG, JSON, streams)
CSV         every cell, with its row (header = row 1) and column
PDF         the text of each page (with ``pdftotext`` of poppler when it is installed)
zip         the name of each member, then the pieces of each member
Markdown,   each line
text
==========  ====================================================================================

The places never hold the text itself, so a scanner can say where it found something without
repeating it. Nothing here imports more than the standard library and lxml.
"""

from __future__ import annotations

import base64
import binascii
import csv
import html
import io
import json
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Iterator


@dataclass(frozen=True)
class Piece:
    """One readable text of a file and where it stands (never the text itself)."""

    where: str
    text: str


MAX_DEPTH: int = 2
"""Files inside files (a zip in a zip, an SVG in an HTML page) are read this deep."""

MAX_MEMBER_BYTES: int = 200_000_000
"""Zip members larger than this (uncompressed) are not read (a zip bomb stops here)."""

_DATA_URI = re.compile(r"data:([\w/+.-]{1,60})(?:;[\w=.-]{1,40}){0,3};base64,([A-Za-z0-9+/=\s]{8,})")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]{100,}")
_BLOCKS = frozenset("""p div li td th tr h1 h2 h3 h4 h5 h6 br figcaption section article
table ul ol pre blockquote dt dd title caption summary details header footer main nav aside
figure hr tbody thead option label button""".split())
_SKIP = frozenset({"script", "style", "template", "noscript"})
_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


def readable_texts(name: str, data: bytes, *, depth: int = 0) -> Iterator[Piece]:
    """Every readable text of the file ``name`` holding ``data`` (see the module docstring)."""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix == ".png":
        yield from (Piece(f"PNG text chunk {key!r}", value)
                    for key, value in png_chunks(data))
    elif suffix == ".zip":
        yield from _zip_pieces(data, depth)
    elif suffix == ".pdf":
        yield from pdf_pieces(data)
    elif suffix in (".gz", ".jpg", ".jpeg", ".gif", ".woff", ".woff2", ".ico", ".webp"):
        return
    else:
        text = data.decode("utf-8", errors="replace")
        if suffix in (".html", ".htm", ".xhtml"):
            yield from html_pieces(text, depth)
        elif suffix == ".svg":
            yield from svg_pieces(text)
        elif suffix == ".ipynb":
            yield from notebook_pieces(text, depth)
        elif suffix == ".json":
            yield from json_pieces(text, depth)
        elif suffix in (".csv", ".tsv"):
            yield from csv_pieces(text, delimiter="\t" if suffix == ".tsv" else None)
        else:
            yield from (Piece(f"line {i}", line) for i, line in
                        enumerate(text.splitlines(), start=1) if line.strip())


# ------------------------------------------------------------------------------ HTML

class _Blocks(HTMLParser):
    """Collects the text of each block with the line it starts on."""

    def __init__(self, depth: int):
        super().__init__(convert_charrefs=True)
        self.depth, self.skip = depth, 0
        self.pieces: list[Piece] = []
        self.buffer: list[str] = []
        self.line = 1

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        if text:
            self.pieces.append(Piece(f"HTML text, line {self.line}", text))
        self.buffer = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        if tag in _BLOCKS:
            self.flush()
        line = self.getpos()[0]
        for key, value in attrs:
            if not value:
                continue
            if key in _ATTRIBUTES:
                self.pieces.append(Piece(f"HTML attribute {key}, line {line}",
                                         html.unescape(value)))
            elif key in ("src", "href", "data") and value.startswith("data:"):
                for piece in _data_uri_pieces(value, self.depth):
                    self.pieces.append(Piece(f"HTML line {line}, {piece.where}", piece.text))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _SKIP:
            self.skip -= 1

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        if tag in _BLOCKS:
            self.flush()

    def handle_data(self, data):
        if self.skip:
            return
        if not self.buffer:
            self.line = self.getpos()[0]
        self.buffer.append(data)


def html_pieces(text: str, depth: int = 0) -> list[Piece]:
    """The readable texts of an HTML document or fragment (see the module docstring)."""
    parser = _Blocks(depth)
    parser.feed(text)
    parser.close()
    parser.flush()
    return parser.pieces


def _data_uri_pieces(uri: str, depth: int) -> list[Piece]:
    match = _DATA_URI.match(uri)
    if match is None or depth >= MAX_DEPTH:
        return []
    return list(decoded_pieces(match.group(2), match.group(1), depth + 1))


def decoded_pieces(payload: str, mime: str = "", depth: int = 1) -> Iterator[Piece]:
    """Readable texts of a base64 ``payload``: an embedded PNG's chunks, an SVG's texts."""
    try:
        raw = base64.b64decode(re.sub(r"\s", "", payload) + "==", validate=False)
    except (binascii.Error, ValueError):
        return
    if raw.startswith(b"\x89PNG"):
        yield from (Piece(f"embedded PNG, text chunk {key!r}", value)
                    for key, value in png_chunks(raw))
    elif "svg" in mime or b"<svg" in raw[:400]:
        yield from (Piece(f"embedded SVG, {p.where}", p.text)
                    for p in svg_pieces(raw.decode("utf-8", errors="replace")))


# ------------------------------------------------------------------------------ SVG

def svg_pieces(text: str) -> list[Piece]:
    """Each ``<text>`` (with its ``<tspan>``), ``<title>``, ``<desc>`` and every text inside
    ``<metadata>`` of an SVG; an SVG lxml cannot parse is read as text without tags."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        plain = html.unescape(re.sub(r"<[^<>]*>", " ", text))
        return [Piece("SVG text", " ".join(plain.split()))] if plain.strip() else []
    pieces, count = [], 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        local = etree.QName(element).localname
        if local in ("text", "title", "desc"):
            value = " ".join("".join(element.itertext()).split())
            if local == "text":
                count += 1
            where = f"SVG <text> element {count}" if local == "text" else f"SVG <{local}>"
            if value:
                pieces.append(Piece(where, value))
        elif any(etree.QName(a).localname == "metadata" for a in element.iterancestors()
                 if isinstance(a.tag, str)) and element.text and element.text.strip():
            pieces.append(Piece(f"SVG metadata <{local}>", element.text.strip()))
        label = element.get("aria-label")
        if label:
            pieces.append(Piece(f"SVG aria-label of <{local}>", label))
    return pieces


# ------------------------------------------------------------------------------ PNG

def png_chunks(data: bytes) -> list[tuple[str, str]]:
    """``(key, value)`` of the ``tEXt``, ``zTXt`` and ``iTXt`` chunks of a PNG."""
    out, position = [], 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        try:
            if kind == b"tEXt":
                key, _, value = body.partition(b"\0")
                out.append((key.decode("latin-1"), value.decode("latin-1")))
            elif kind == b"zTXt":
                key, _, rest = body.partition(b"\0")
                out.append((key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")))
            elif kind == b"iTXt":
                key, _, rest = body.partition(b"\0")
                compressed, rest = rest[0], rest[2:]
                _, _, rest = rest.partition(b"\0")
                _, _, value = rest.partition(b"\0")
                value = zlib.decompress(value) if compressed else value
                out.append((key.decode("utf-8", "replace"), value.decode("utf-8", "replace")))
        except (zlib.error, IndexError, UnicodeDecodeError):
            out.append(("?", "unreadable text chunk"))
        if kind == b"IEND":
            break
    return out


# ------------------------------------------------------------------------------ JSON, notebooks

def json_pieces(text: str, depth: int = 0) -> Iterator[Piece]:
    """Every string of a JSON document (keys too) with its path (``$.a[2].b``)."""
    try:
        value = json.loads(text)
    except ValueError:
        yield from (Piece(f"line {i}", line) for i, line in
                    enumerate(text.splitlines(), start=1) if line.strip())
        return
    yield from _json_walk(value, "$", depth)


def _json_walk(value, path: str, depth: int) -> Iterator[Piece]:
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield from _string_pieces(item, f"JSON {where}", depth)
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                yield Piece(f"JSON key at {where}", str(key))
                stack.append((child, f"{where}.{key}"[:120]))
        elif isinstance(item, list):
            stack += [(child, f"{where}[{i}]") for i, child in reversed(list(enumerate(item)))]


def _string_pieces(text: str, where: str, depth: int) -> Iterator[Piece]:
    stripped = text.strip()
    if stripped.startswith("data:"):
        yield from (Piece(f"{where}, {p.where}", p.text) for p in _data_uri_pieces(stripped, depth))
    elif _BASE64.fullmatch(stripped):
        if depth < MAX_DEPTH:
            yield from (Piece(f"{where}, {p.where}", p.text)
                        for p in decoded_pieces(stripped, "", depth + 1))
    elif stripped.startswith("<svg") or stripped.startswith("<?xml"):
        yield from (Piece(f"{where}, {p.where}", p.text) for p in svg_pieces(stripped))
    elif stripped.startswith("<") and stripped.endswith(">"):
        yield from (Piece(f"{where}, {p.where}", p.text) for p in html_pieces(stripped, depth))
    elif stripped:
        yield Piece(where, text)


def notebook_pieces(text: str, depth: int = 0) -> Iterator[Piece]:
    """Cell sources and outputs of a notebook, by cell number (1-based)."""
    try:
        notebook = json.loads(text)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError):
        yield from json_pieces(text, depth)
        return
    for number, cell in enumerate(cells, start=1):
        source = _joined(cell.get("source", ""))
        if source.strip():
            yield Piece(f"notebook cell {number} ({cell.get('cell_type', 'cell')})", source)
        for output in cell.get("outputs") or []:
            where = f"notebook cell {number} output"
            if "text" in output:
                yield Piece(f"{where} (stream)", _joined(output["text"]))
            if "traceback" in output:
                yield Piece(f"{where} (error)", re.sub(r"\x1b\[[0-9;]*m", "",
                                                       "\n".join(output["traceback"])))
            for mime, value in (output.get("data") or {}).items():
                value = value if isinstance(value, str) else (
                    _joined(value) if isinstance(value, list) else json.dumps(value))
                label = f"{where} ({mime})"
                if mime == "text/html":
                    yield from (Piece(f"{label}, {p.where}", p.text)
                                for p in html_pieces(value, depth))
                elif mime == "image/svg+xml":
                    yield from (Piece(f"{label}, {p.where}", p.text) for p in svg_pieces(value))
                elif mime.startswith("image/"):
                    yield from (Piece(f"{label}, {p.where}", p.text)
                                for p in decoded_pieces(value, mime, depth + 1))
                elif mime.endswith("json"):
                    yield from (Piece(f"{label}, {p.where}", p.text)
                                for p in json_pieces(value, depth))
                else:
                    yield Piece(label, value)


def _joined(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


# ------------------------------------------------------------------------------ CSV

def csv_pieces(text: str, *, delimiter: str | None = None) -> Iterator[Piece]:
    """Every non-empty cell with its row (the header is row 1) and column (1-based)."""
    first = text.split("\n", 1)[0]
    sep = delimiter or (";" if first.count(";") > first.count(",") else ",")
    for row_number, row in enumerate(csv.reader(io.StringIO(text), delimiter=sep), start=1):
        for column, cell in enumerate(row, start=1):
            if cell.strip():
                yield Piece(f"row {row_number}, column {column}", cell)


# ------------------------------------------------------------------------------ PDF, zip

def pdf_text(data: bytes) -> str | None:
    """The text of a PDF by ``pdftotext`` (poppler), or None when it is not installed or
    cannot read the file."""
    program = shutil.which("pdftotext")
    if program is None:
        return None
    try:
        done = subprocess.run([program, "-enc", "UTF-8", "-", "-"], input=data,
                              capture_output=True, timeout=300, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", errors="replace") if done.returncode == 0 else None


def pdf_pieces(data: bytes) -> Iterator[Piece]:
    """Each page's text of a PDF (:func:`pdf_text`); nothing when it cannot be read."""
    text = pdf_text(data)
    if text is None:
        return
    for number, page in enumerate(text.split("\f"), start=1):
        if page.strip():
            yield Piece(f"PDF page {number}", page)


def _zip_pieces(data: bytes, depth: int) -> Iterator[Piece]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        for number, member in enumerate(members, start=1):
            yield Piece(f"zip member name {number}", member.filename)
        if depth >= MAX_DEPTH:
            return
        for number, member in enumerate(members, start=1):
            if member.file_size > MAX_MEMBER_BYTES:
                continue
            try:
                content = archive.read(member)
            except (zipfile.BadZipFile, OSError, RuntimeError, zlib.error):
                continue
            for piece in readable_texts(member.filename, content, depth=depth + 1):
                yield Piece(f"zip member {number}, {piece.where}", piece.text)
