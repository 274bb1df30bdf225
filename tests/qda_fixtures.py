"""Builders of small coding exports for the tests (written to ``tmp_path``; nothing copied).

The shapes follow the public formats: a REFI-QDA project archive (``project.qde`` + ``Sources/``),
the contract's ``coding/segments.csv``, QualCoder's coding report (``File/case, Coder, Coded, Id,
Codename, Coded_Memo, Category...``) and Taguette's highlights (``id, document, tag, content``).
"""

from __future__ import annotations

import csv
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = uuid.UUID("6f1c2b7e-0000-4000-8000-00000000c0de")


def guid(name: str, *, braces_upper: bool = False) -> str:
    """Deterministic GUID for ``name``; ``{UPPER-CASE}`` as some programs write them."""
    value = str(uuid.uuid5(NAMESPACE, name))
    return "{" + value.upper() + "}" if braces_upper else value


def utf16_offset(text: str, index: int) -> int:
    """UTF-16 code units before code point ``index`` of ``text``."""
    return len(text[:index].encode("utf-16-le")) // 2


@dataclass
class Selection:
    """A coded stretch: the first occurrence (after ``after``) of ``quote`` in the source text."""

    quote: str
    codes: list[tuple[str, str]]  # (code path, user name)
    after: int = 0
    declare: bool = True
    case: str | None = None


@dataclass
class Source:
    name: str
    text: str
    selections: list[Selection] = field(default_factory=list)
    case: str | None = None


def make_qdpx(path: Path, sources: list[Source], *, users: tuple[str, ...] = ("Anna", "Bram"),
              origin: str = "ATLAS.ti 23.2", qde_name: str = "project.qde",
              sources_dir: str = "Sources", bom: bool = False, crlf: bool = False,
              unit: str = "codepoints", braces_upper: bool = False, inline: bool = False,
              base_path: str = "C:\\Users\\onderzoeker\\Documents\\Helmond",
              extra_users: tuple[str, ...] = ()) -> Path:
    """Write a REFI-QDA archive holding ``sources``; returns ``path``.

    Positions are written in ``unit`` (``codepoints`` or ``utf16``) and, with ``crlf``, count
    the stored CRLF line ends as two characters.
    """
    g = lambda name: guid(name, braces_upper=braces_upper)  # noqa: E731
    all_users = tuple(users) + tuple(extra_users)
    codes = sorted({c for s in sources for sel in s.selections for c, _ in sel.codes})
    xml = ['<?xml version="1.0" encoding="utf-8"?>',
           f'<Project xmlns="urn:QDA-XML:project:1.0" name="Helmond" origin={quoteattr(origin)} '
           f'basePath={quoteattr(base_path)}>', "<Users>"]
    xml += [f'<User guid="{g("user:" + u)}" name={quoteattr(u)}/>' for u in all_users]
    xml += ["</Users>", "<CodeBook><Codes>", _code_tree(codes, g), "</Codes></CodeBook>"]
    xml += _cases(sources, g)
    xml.append("<Sources>")
    files = {}
    for source in sources:
        stored = source.text.replace("\n", "\r\n") if crlf else source.text
        sguid = g("source:" + source.name)
        if inline:
            xml.append(f'<TextSource guid="{sguid}" name={quoteattr(source.name)}>'
                       f"<PlainTextContent>{escape(stored)}</PlainTextContent>")
        else:
            xml.append(f'<TextSource guid="{sguid}" name={quoteattr(source.name)} '
                       f'plainTextPath="internal://{sguid.strip("{}")}.txt">')
            files[f"{sources_dir}/{sguid.strip('{}')}.txt"] = (("\ufeff" if bom else "") + stored)
        xml += [_selection(source, sel, stored, unit, g) for sel in source.selections]
        xml.append("</TextSource>")
    xml += ["</Sources>", "</Project>"]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, "\n".join(xml).encode("utf-8"))
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8"))
    return path


def _code_tree(paths: list[str], g) -> str:
    tree: dict = {}
    for p in paths:
        node = tree
        for part in p.split(" > "):
            node = node.setdefault(part, {})

    def emit(node: dict, prefix: str) -> str:
        out = []
        for name, children in node.items():
            full = f"{prefix} > {name}" if prefix else name
            out.append(f'<Code guid="{g("code:" + full)}" name={quoteattr(name)} '
                       f'isCodable="true">{emit(children, full)}</Code>')
        return "".join(out)

    return emit(tree, "")


def _cases(sources: list[Source], g) -> list[str]:
    cases: dict[str, list[str]] = {}
    for s in sources:
        if s.case:
            ref = g("source:" + s.name)
            cases.setdefault(s.case, []).append(f'<SourceRef targetGUID="{ref}"/>')
        for i, sel in enumerate(s.selections):
            if sel.case:
                ref = g(f"sel:{s.name}:{i}:{sel.quote}")
                cases.setdefault(sel.case, []).append(f'<SelectionRef targetGUID="{ref}"/>')
    if not cases:
        return []
    return ["<Cases>"] + [f'<Case guid="{g("case:" + n)}" name={quoteattr(n)}>{"".join(r)}</Case>'
                          for n, r in cases.items()] + ["</Cases>"]


def _selection(source: Source, sel: Selection, stored: str, unit: str, g) -> str:
    quote = sel.quote.replace("\n", "\r\n") if "\r\n" in stored else sel.quote
    start = stored.index(quote, sel.after)
    end = start + len(quote)
    if unit == "utf16":
        start, end = utf16_offset(stored, start), utf16_offset(stored, end)
    index = source.selections.index(sel)
    name = f" name={quoteattr(sel.quote)}" if sel.declare else ""
    codings = "".join(
        f'<Coding guid="{g(f"coding:{source.name}:{index}:{code}:{user}")}" '
        f'creatingUser="{g("user:" + user)}"><CodeRef targetGUID="{g("code:" + code)}"/></Coding>'
        for code, user in sel.codes)
    return (f'<PlainTextSelection guid="{g(f"sel:{source.name}:{index}:{sel.quote}")}"{name} '
            f'startPosition="{start}" endPosition="{end}">{codings}</PlainTextSelection>')


def write_csv(path: Path, header: list[str], rows: list[list], *, delimiter: str = ",",
              encoding: str = "utf-8", quote_all: bool = False) -> Path:
    """Write a small CSV as the exporting programs do."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter,
                            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def make_segments_csv(path: Path, rows: list[list], **kwargs) -> Path:
    """The contract's ``coding/segments.csv``."""
    header = ["session_id", "segment_id", "participant", "coder", "code", "text"]
    return write_csv(path, header, rows, **kwargs)


def make_qualcoder_csv(path: Path, rows: list[list], *, categories: int = 2) -> Path:
    """QualCoder coding report CSV: UTF-8 with BOM, every cell quoted, repeated Category."""
    header = ["File/case", "Coder", "Coded", "Id", "Codename", "Coded_Memo"]
    header += ["Category"] * categories
    return write_csv(path, header, rows, encoding="utf-8-sig", quote_all=True)


def make_taguette_csv(path: Path, rows: list[list]) -> Path:
    """Taguette highlights export."""
    return write_csv(path, ["id", "document", "tag", "content"], rows)


# ------------------------------------------------------------------------------ more formats

QUALCODER_HEADER = ["File/case", "Coder", "Coded", "Id", "Codename", "Coded_Memo"]
ATLAS_HEADER = ["ID", "Quotation Name", "Document", "Document Groups", "Quotation Content",
                "Comment", "Codes", "Reference", "Density", "Created by", "Modified by",
                "Created", "Modified"]


def make_qualcoder_by_case_csv(path: Path, rows: list[list]) -> Path:
    """QualCoder coding report organised by case: rows ``case, coder, coded, id, codename,
    memo, category, filename`` (the case first, the file in ``Filename``)."""
    return write_csv(path, QUALCODER_HEADER + ["Category", "Filename"], rows)


def make_taguette_codebook_csv(path: Path, rows: list[list]) -> Path:
    """Taguette codebook export: ``tag, description, number``."""
    return write_csv(path, ["tag", "description", "number"], rows)


def make_atlas_table(path: Path, rows: list[dict]) -> Path:
    """ATLAS.ti quotation-manager export (CSV or XLSX by suffix); missing columns empty."""
    import pandas as pd

    frame = pd.DataFrame([{c: r.get(c, "") for c in ATLAS_HEADER} for r in rows])
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def make_qdc(path: Path, codes: dict[str, str | None]) -> Path:
    """REFI-QDA codebook (``.qdc``): code paths -> description (None: no Description)."""
    tree: dict = {}
    for p in codes:
        node = tree
        for part in p.split(" > "):
            node = node.setdefault(part, {})

    def emit(node: dict, prefix: str) -> str:
        out = []
        for name, children in node.items():
            full = f"{prefix} > {name}" if prefix else name
            description = codes.get(full)
            inner = (f"<Description>{escape(description)}</Description>" if description else "")
            out.append(f'<Code guid="{guid("code:" + full)}" name={quoteattr(name)} '
                       f'isCodable="true">{inner}{emit(children, full)}</Code>')
        return "".join(out)

    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook '
                    'xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14"><Codes>'
                    + emit(tree, "") + "</Codes></CodeBook>", encoding="utf-8")
    return path


def unzip_project(archive: Path, folder: Path) -> Path:
    """Unzip a ``.qdpx`` into ``folder`` (``project.qde`` beside ``Sources/``)."""
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    return folder


DEDOOSE_META = ["Media Title", "Excerpt Range", "Excerpt Creator", "Excerpt Date",
                "Excerpt Copy", "Resource Creator", "Resource Date", "Codes Applied Combined"]


def make_dedoose(path: Path, excerpts: list[dict], codes: list[str]) -> Path:
    """Dedoose excerpt export (CSV or XLSX by suffix): the meta columns, then per code
    ``Code: X Applied`` (True/False), ``Code: X Range`` and ``Code: X Weight``.

    Each excerpt: ``media``, ``range`` (``"12-56"``), ``creator``, ``text``, ``codes``.
    """
    import pandas as pd

    rows = []
    for e in excerpts:
        row = {"Media Title": e["media"], "Excerpt Range": f"Excerpt {e['range']}",
               "Excerpt Creator": e.get("creator", ""), "Excerpt Date": "2024-05-01",
               "Excerpt Copy": e["text"], "Resource Creator": "beheer",
               "Resource Date": "2024-04-01", "Codes Applied Combined": "; ".join(e["codes"])}
        for code in codes:
            applied = code in e["codes"]
            row[f"Code: {code} Applied"] = "True" if applied else "False"
            row[f"Code: {code} Range"] = e["range"] if applied else ""
            row[f"Code: {code} Weight"] = "1" if applied else ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    if path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def rewrite_qde(archive: Path, edit) -> Path:
    """Apply ``edit`` (text -> text) to the ``.qde`` of a ``.qdpx`` archive, in place."""
    with zipfile.ZipFile(archive) as zipped:
        members = {n: zipped.read(n) for n in zipped.namelist()}
    qde = next(n for n in members if n.lower().endswith(".qde"))
    members[qde] = edit(members[qde].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return archive
