"""REFI-QDA projects (``.qdpx`` archive, unzipped folder or loose ``.qde``) and codebooks (``.qdc``).

Source: REFI-QDA Project Exchange standard 1.5 and its schema ``Project.xsd`` (QDA-XML 1.0,
18 March 2019, MIT licence), https://www.qdasoftware.org; the schema ships in
``analysis/definitions/refi_qda/``.
"""

from __future__ import annotations

import contextvars
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from analysis import paths
from analysis.errors import DataError
from analysis.qualitative.readers.base import (
    CODE_SEPARATOR,
    POSITION_MODES,
    SEGMENT_COLUMNS,
    UNKNOWN_CODER,
    CodingFileError,
    check_identifiers,
    normalise_code_path,
    normalise_text,
    normalise_with_offsets,
    session_from_name,
    typed,
    warn,
)

REFI_NAMESPACE: str = "urn:QDA-XML:project:1.0"
CODEBOOK_NAMESPACE: str = "urn:QDA-XML:codebook:1.0"
SCHEMA_PATH: Path = Path(__file__).resolve().parents[2] / "definitions" / "refi_qda" / \
    "Project-mrt2019.xsd"
"""The public REFI-QDA project schema (QDA-XML 1.0, 2019), shipped with the package."""

SOFTWARE_NAMES: tuple[str, ...] = ("atlas.ti", "atlasti", "nvivo", "maxqda", "qualcoder",
                                   "taguette", "quirkos", "dedoose", "transana", "f4analyse",
                                   "qda miner", "refi-qda", "system")
"""User names that denote a program rather than a coder (compared case-insensitively)."""

BOUNDARY_MARGIN: float = 0.10
"""Share of selection ends on word or line boundaries by which one position unit must beat the
other to be chosen without a warning. On real NVivo projects the right unit put 99% of ends on
boundaries and the wrong one 16-52% (issue 16), so a 10-point margin separates them widely."""


# --------------------------------------------------------------------------------------------
# Where the XML and the source texts are: archive, folder or loose .qde
# --------------------------------------------------------------------------------------------

class _Container:
    """Files of a REFI-QDA project by their relative path (``/`` separated)."""

    def __init__(self, path: Path, shown: str):
        self.path, self.shown, self._zip = path, shown, None
        if path.is_dir():
            self.root = path
        elif zipfile.is_zipfile(path):
            from analysis.data.safe_input import check_zip

            try:
                check_zip(path, shown, what="project archive")
            except DataError as error:
                raise CodingFileError(shown, str(error).split(": ", 1)[-1]) from None
            self._zip = zipfile.ZipFile(path)
            self.root = None
        elif path.is_file() and xml_root_name(path) is not None:
            self.root = path.parent  # a loose project.qde: its sources sit beside it
        else:
            raise CodingFileError(shown, "not a zip archive nor XML; expected a REFI-QDA "
                                         ".qdpx export (a zip holding project.qde and "
                                         "Sources/), a project folder or its .qde file")

    def names(self) -> list[str]:
        if self._zip is not None:
            return self._zip.namelist()
        return [p.relative_to(self.root).as_posix() for p in sorted(self.root.rglob("*"))
                if p.is_file() and len(p.relative_to(self.root).parts) <= 3]

    def read(self, name: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(name)  # sizes checked by check_zip when opened
        path = self.root / name
        limit = _member_limit()
        if path.stat().st_size > limit:
            raise CodingFileError(self.shown, f"a file of the project folder has "
                                              f"{path.stat().st_size:,} bytes, more than "
                                              f"{limit:,} (input_limits, zip_member_bytes); "
                                              "expected a REFI-QDA project of text sources")
        return path.read_bytes()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _read_loose(path: Path, shown: str) -> bytes:
    """A loose ``.qde``/``.qdc`` file, refused above ``zip_member_bytes`` before reading."""
    size, limit = path.stat().st_size, _member_limit()
    if size > limit:
        raise CodingFileError(shown, f"the XML file has {size:,} bytes, more than {limit:,} "
                                     "(input_limits, zip_member_bytes); expected a REFI-QDA "
                                     "project or codebook")
    return path.read_bytes()


def _member_limit() -> int:
    from analysis.data.safe_input import input_limits

    return input_limits()["zip_member_bytes"]


_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)|<\x00!\x00(?:D\x00O\x00C|E\x00N\x00T)")


def refuse_declarations(data: bytes, shown: str, member: str) -> None:
    """Refuse XML holding a DOCTYPE or an entity declaration (``<!DOCTYPE``, ``<!ENTITY``).

    REFI-QDA projects and codebooks never declare them (the standard's schema is an XSD);
    a declaration is how external entities (XXE, reading local files) and entity expansion
    ('billion laughs') get in, so the file is refused before it is parsed, naming no value.
    """
    if _DECLARATION.search(data):
        raise CodingFileError(shown, f"{member} holds a DOCTYPE or ENTITY declaration; expected "
                                     "REFI-QDA XML without declarations (export the project "
                                     "again from the QDA program)")


def is_refi_archive(path: Path) -> bool:
    """True for a zip archive holding a ``.qde`` file (a ``.qdpx`` under any extension)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(n.lower().endswith(".qde") for n in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def xml_root_name(path: Path) -> str | None:
    """Local name of the root element of an XML file (``Project``, ``CodeBook``), else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return None
    if not head.startswith(b"<"):
        return None
    try:
        for _, element in etree.iterparse(str(path), events=("start",), no_network=True,
                                          resolve_entities=False):
            return etree.QName(element).localname
    except etree.XMLSyntaxError:
        return None
    return None


# --------------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------------

@dataclass
class _Project:
    origin: str = ""
    users: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    case_of_selection: dict[str, str] = field(default_factory=dict)
    case_of_source: dict[str, str] = field(default_factory=dict)


@dataclass
class _Source:
    guid: str
    session_id: str
    raw: str
    selections: list[dict]
    named_from: str | None = None  # "plainTextPath" or "guid" for a source without a name


_SHOWN: contextvars.ContextVar[str] = contextvars.ContextVar("shown", default="project")
"""The file being read, for messages raised deep in the code tree."""


def read_project(path: str | os.PathLike, *, positions: str = "auto",
                 schema: bool | str | os.PathLike = False) -> pd.DataFrame:
    """Read a REFI-QDA project into the segments table.

    Parameters
    ----------
    path : path
        A ``.qdpx`` archive (any extension: recognised by content), an unzipped project folder
        (``project.qde`` or one ``*.qde`` beside ``Sources/``) or the ``.qde`` file itself.
    positions : {"auto", "codepoints", "utf16"}
        Unit of ``startPosition``/``endPosition``. ``"auto"`` decides per source: see
        :func:`choose_unit`.
    schema : bool or path
        True: validate the XML against the shipped REFI-QDA ``Project.xsd``
        (:data:`SCHEMA_PATH`); a path: against that schema. Failures name element and line.

    Returns
    -------
    DataFrame
        Columns :data:`~analysis.qualitative.readers.base.SEGMENT_COLUMNS`, ``source_tool``
        ``"refi-qda"``; one row per Coding of a PlainTextSelection of a TextSource. ``text`` is
        the normalised source text between ``start`` and ``end`` (code points of the
        normalised text), ``segment_id`` ``"<session_id>@<start>-<end>"``.

    Notes
    -----
    - ``coder`` is the ``name`` of the Coding's ``creatingUser`` (else the selection's);
      ``"unknown"`` for no user, an unlisted GUID, or a program pseudo-user (a name holding one
      of :data:`SOFTWARE_NAMES` or the first word of the project's ``origin``).
    - ``participant`` is the Case referencing the selection, else the single Case referencing
      the whole source.
    - Texts are UTF-8 (BOM removed); ``basePath`` and absolute paths are never copied out.
    """
    path = Path(path)
    shown = paths.display(path)
    if positions not in POSITION_MODES:
        raise ValueError(f"positions must be one of {POSITION_MODES}; got {positions!r}")
    container = _Container(path, shown)
    token = _SHOWN.set(shown)
    try:
        root = _parse_project(container, path, schema)
        project = _read_project(root, shown)
        sources = [_read_source(el, container) for el in _children(root, "Sources")
                   if _local(el) == "TextSource"]
        _warn_unnamed(sources, shown)
    finally:
        _SHOWN.reset(token)
        container.close()
    rows = []
    for source in sources:
        rows += _source_rows(source, project, positions, shown)
    return typed(pd.DataFrame(rows, columns=SEGMENT_COLUMNS))


def _parse_project(container: _Container, path: Path, schema) -> etree._Element:
    shown = container.shown
    if container.root is not None and not path.is_dir():
        chosen, data = [path.name], _read_loose(path, shown)
    else:
        names = [n for n in container.names() if n.lower().endswith(".qde")]
        chosen = [n for n in names if n.lower().rsplit("/", 1)[-1] == "project.qde"] or names
        if len(chosen) != 1:
            found = "none" if not chosen else ", ".join(sorted(chosen))
            raise CodingFileError(shown, f"project XML: found {found}; expected project.qde or "
                                         "exactly one *.qde file in the project")
        data = container.read(chosen[0])
    refuse_declarations(data, shown, "the project XML")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise CodingFileError(shown, f"{chosen[0]} is not well-formed XML ({error}); expected "
                                     "a REFI-QDA project") from None
    if _local(root) != "Project":
        raise CodingFileError(shown, f"{chosen[0]} has root element <{_local(root)}>; expected "
                                     f"<Project xmlns='{REFI_NAMESPACE}'>")
    if schema:
        validate_schema(root, SCHEMA_PATH if schema is True else Path(schema), shown)
    return root


def validate_schema(root, schema: Path, shown: str) -> None:
    """Raise :class:`CodingFileError` naming element and line of the first schema violation."""
    xsd = etree.XMLSchema(etree.parse(str(schema)))
    document = etree.ElementTree(root)
    if not xsd.validate(document):
        first = xsd.error_log.filter_from_errors()[0]
        element = re.search(r"Element '([^']+)'", first.message)
        where = f"element <{_plain(element.group(1))}>" if element else "the project"
        raise CodingFileError(shown, f"not valid against {schema.name}: line {first.line}, "
                                     f"{where}: {_plain(first.message)}")


def _plain(message: str) -> str:
    return re.sub(r"\{[^}]*\}", "", message)


def _read_project(root, shown: str) -> _Project:
    project = _Project(origin=root.get("origin", ""))
    users = _children(root, "Users")
    check_identifiers(pd.Series([u.get("name") for u in users], dtype="object"), shown, "User "
                      "name", row_offset=None)
    for user in users:
        project.users[_guid(user.get("guid"))] = user.get("name", "")
    for code in _children(root, "CodeBook", "Codes"):
        _walk_codes(code, [], project.codes)
    cases = _children(root, "Cases")
    check_identifiers(pd.Series([c.get("name") for c in cases], dtype="object"), shown,
                      "Case name", row_offset=None)
    for case in cases:
        name = case.get("name", "")
        for ref in case:
            target = _guid(ref.get("targetGUID"))
            if _local(ref) == "SelectionRef":
                project.case_of_selection[target] = name
            elif _local(ref) == "SourceRef":
                previous = project.case_of_source.get(target)
                project.case_of_source[target] = name if previous in (None, name) else ""
    return project


def _walk_codes(element, parents: list[str], out: dict, descriptions: dict | None = None) -> None:
    if _local(element) != "Code":
        return
    name = element.get("name", "")
    if name.strip() and not normalise_code_path(name):
        raise CodingFileError(_SHOWN.get(), f"Code {element.get('guid')}: expected a code name; "
                                            "the name holds only the level separator ' > '")
    path = parents + [name.strip()]
    full = CODE_SEPARATOR.join(p for p in path if p)
    out[_guid(element.get("guid"))] = full
    for child in element:
        if descriptions is not None and _local(child) == "Description":
            descriptions[full] = normalise_text((child.text or "").strip())
        _walk_codes(child, path, out, descriptions)


def _read_source(element, container: _Container) -> _Source:
    shown = container.shown
    name = element.get("name") or ""
    named_from = None
    if not name.strip():  # name is optional in the schema; QualCoder 1.3.2 leaves it out
        name, named_from = _fallback_name(element)
    check_identifiers(pd.Series([name], dtype="object"), shown,
                      f"name of TextSource {element.get('guid')}", row_offset=None)
    content = [c for c in element if _local(c) == "PlainTextContent"]
    if content:
        raw = (content[0].text or "").lstrip("\ufeff")
    else:
        raw = _source_text(container, element.get("plainTextPath", ""), element.get("guid"))
    selections = []
    for sel in element:
        if _local(sel) != "PlainTextSelection":
            continue
        selections.append({"guid": _guid(sel.get("guid")), "declared": sel.get("name"),
                           "start": _position(sel, "startPosition", shown),
                           "end": _position(sel, "endPosition", shown),
                           "user": sel.get("creatingUser"),
                           "codings": [(_guid(_code_ref(c)), c.get("creatingUser"))
                                       for c in sel if _local(c) == "Coding"]})
    return _Source(_guid(element.get("guid")), session_from_name(name), raw, selections,
                   named_from)


_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}\}?")


def _fallback_name(element) -> tuple[str, str]:
    """Name of a TextSource without one: the file name of ``plainTextPath`` (without its
    extension) unless that is only the guid, else ``bron_`` and the guid's first 8 hex digits
    (short enough for segment ids of at most 40 characters)."""
    target = re.sub(r"^(internal|relative|absolute)://", "", element.get("plainTextPath") or "")
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", target.replace("\\", "/").rsplit("/", 1)[-1])
    if stem.strip() and not _GUID.fullmatch(stem.strip()):
        return stem.strip(), "plainTextPath"
    digits = re.sub(r"[^0-9a-f]", "", _guid(element.get("guid")))
    return f"bron_{digits[:8] or 'onbekend'}", "guid"


def _warn_unnamed(sources: list[_Source], shown: str) -> None:
    unnamed = [s for s in sources if s.named_from]
    if unnamed:
        how = sorted({s.named_from for s in unnamed})
        warn(shown, f"{len(unnamed)} text source(s) have no name (QualCoder 1.3.2 writes none); "
                    f"named from their {' or '.join(how)}: give them session names in the QDA "
                    "program, or list those names in coding/sessions.csv")


def _source_text(container: _Container, text_path: str, guid: str) -> str:
    """The text file of a TextSource; messages name its guid, never a file or source name
    (those are often a participant's name)."""
    shown = container.shown
    target = re.sub(r"^(internal|relative|absolute)://", "", text_path).replace("\\", "/")
    target = target.rsplit("/", 1)[-1].lower()
    members = {m.rsplit("/", 1)[-1].lower(): m for m in container.names()
               if "/" in m and m.split("/")[-2].lower() == "sources"}
    if not target or target not in members:
        raise CodingFileError(shown, f"the text of TextSource {guid} is not found; expected the "
                                     "file its plainTextPath names in Sources/ of the project, "
                                     "or PlainTextContent in the XML")
    try:
        return container.read(members[target]).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodingFileError(shown, f"the text of TextSource {guid} is not UTF-8; expected "
                                     "UTF-8 as REFI-QDA prescribes") from None


def _position(selection, attribute: str, shown: str) -> int:
    value = selection.get(attribute)
    if value is None or not value.strip().isdigit():
        raise CodingFileError(shown, f"PlainTextSelection {selection.get('guid')}: {attribute} "
                                     f"{value!r}; expected a whole number >= 0")
    return int(value)


def _code_ref(coding) -> str | None:
    refs = [c for c in coding if _local(c) == "CodeRef"]
    return refs[0].get("targetGUID") if refs else None


# --------------------------------------------------------------------------------------------
# Position units, decided per source from the data
# --------------------------------------------------------------------------------------------

def unit_offsets(raw: str, unit: str, crlf_as_one: bool) -> list[int]:
    """Code-point offset into ``raw`` for each offset counted in ``unit``; -1 where invalid.

    ``unit`` ``"utf16"`` counts two units for a character outside the Basic Multilingual Plane
    (the second one invalid: inside a surrogate pair); ``crlf_as_one`` counts CRLF as one.

    >>> unit_offsets("a😊b", "utf16", False)
    [0, 1, -1, 2, 3]
    """
    out: list[int] = []
    index = 0
    while index < len(raw):
        out.append(index)
        if unit == "utf16" and ord(raw[index]) > 0xFFFF:
            out.append(-1)
        step = 2 if crlf_as_one and raw[index:index + 2] == "\r\n" else 1
        index += step
    out.append(len(raw))
    return out


def choose_unit(raw: str, selections: list[dict], positions: str = "auto",
                default: str = "codepoints") -> tuple[tuple[str, bool], str | None]:
    """The position unit of one source's selections, and a warning when it is ambiguous.

    Candidates are ``codepoints`` and ``utf16``, each counting CRLF as two characters or as
    one. A candidate that puts a selection outside the text (or inside a surrogate pair) is
    out. Among the rest the one wins under which most selections' declared text (their
    ``name``) equals the sliced text, then the one with the larger share of selection ends on
    word or line boundaries (a boundary: text start or end, or not a letter/digit on both
    sides). Candidates that slice identically are one. When the best two differ by less than
    :data:`BOUNDARY_MARGIN` in that share and no declared text decides, the result is
    ambiguous: ``default`` (UTF-16 for NVivo, else code points) is kept and a warning text
    returned.
    """
    units = ["codepoints", "utf16"] if positions == "auto" else [positions]
    crlf = [False, True] if "\r\n" in raw else [False]
    text, to_text = normalise_with_offsets(raw)
    scored, seen = [], {}
    for unit in units:
        for as_one in crlf:
            spans = _spans(raw, selections, unit, as_one, to_text)
            if spans is None:
                continue
            key = tuple(spans)
            if key in seen:
                continue
            seen[key] = (unit, as_one)
            declared = sum(_declared_matches(text[a:b], s["declared"])
                           for (a, b), s in zip(spans, selections))
            scored.append((declared, _boundary_share(text, spans), unit == default,
                           not as_one, (unit, as_one)))
    if not scored:
        return (units[0], False), None
    scored.sort(reverse=True)
    best = scored[0]
    if len(scored) > 1 and positions == "auto":
        second = scored[1]
        if best[0] == second[0] and abs(best[1] - second[1]) < BOUNDARY_MARGIN:
            return best[4], (f"positions fit both {best[4][0]} and {second[4][0]} units "
                             f"({best[1]:.0%} and {second[1]:.0%} of selection ends on word "
                             f"boundaries); {best[4][0]} used: check, or force the unit "
                             "with --positions utf16|codepoints")
    return best[4], None


def _spans(raw, selections, unit, as_one, to_text) -> list[tuple[int, int]] | None:
    offsets = unit_offsets(raw, unit, as_one)
    spans = []
    for sel in selections:
        a, b = sel["start"], sel["end"]
        if a > b or b >= len(offsets) or offsets[a] < 0 or offsets[b] < 0:
            return None
        spans.append((to_text[offsets[a]], to_text[offsets[b]]))
    return spans


def _boundary_share(text: str, spans: list[tuple[int, int]]) -> float:
    if not spans:
        return 1.0
    ends = [p for span in spans for p in span]
    return sum(_on_boundary(text, p) for p in ends) / len(ends)


def _on_boundary(text: str, position: int) -> bool:
    if position <= 0 or position >= len(text):
        return True
    return not (text[position - 1].isalnum() and text[position].isalnum())


def _declared_matches(text: str, declared: str | None) -> int:
    if not declared or not declared.strip():
        return 0
    got, want = " ".join(text.split()), " ".join(normalise_text(declared).split())
    if got == want:
        return 1
    if not want.endswith(("...", "…")):
        return 0
    stem = want.rstrip(".… ")  # a name shortened by the program: its start must match
    return int(len(stem) >= 10 and got.startswith(stem))


def _source_rows(source: _Source, project: _Project, positions: str, shown: str) -> list[dict]:
    default = "utf16" if "nvivo" in project.origin.lower() else "codepoints"
    (unit, as_one), ambiguity = choose_unit(source.raw, source.selections, positions, default)
    if ambiguity:
        warn(shown, f"source {source.session_id!r}: {ambiguity}")
    text, to_text = normalise_with_offsets(source.raw)
    offsets = unit_offsets(source.raw, unit, as_one)
    rows = []
    for sel in source.selections:
        a, b = sel["start"], sel["end"]
        if a > b or b >= len(offsets) or offsets[a] < 0 or offsets[b] < 0:
            other = "codepoints" if unit == "utf16" else "utf16"
            raise CodingFileError(shown, f"selection {sel['guid']} in source "
                                         f"{source.session_id!r}: positions {a}-{b} ({unit}); "
                                         "expected 0 <= start <= end <= text length (try "
                                         f"--positions {other})")
        start, end = to_text[offsets[a]], to_text[offsets[b]]
        participant = (project.case_of_selection.get(sel["guid"])
                       or project.case_of_source.get(source.guid) or None)
        for code_guid, user in sel["codings"]:
            if code_guid not in project.codes:
                raise CodingFileError(shown, f"selection {sel['guid']}: Coding refers to code "
                                             f"{code_guid!r}; expected a Code of the CodeBook")
            rows.append({"session_id": source.session_id,
                         "segment_id": f"{source.session_id}@{start}-{end}",
                         "participant": participant,
                         "coder": _coder(project, user or sel["user"]),
                         "code_path": project.codes[code_guid], "text": text[start:end],
                         "start": start, "end": end, "source_tool": "refi-qda"})
    return rows


def _coder(project: _Project, user_guid: str | None) -> str:
    name = project.users.get(_guid(user_guid), "").strip() if user_guid else ""
    lowered = name.lower()
    program = project.origin.split()[0].lower() if project.origin.split() else None
    if not name or any(s in lowered for s in SOFTWARE_NAMES) or (program and program in lowered):
        return UNKNOWN_CODER
    return name


# --------------------------------------------------------------------------------------------
# Codebooks
# --------------------------------------------------------------------------------------------

def read_codebook_xml(path: str | os.PathLike) -> pd.DataFrame:
    """The code tree of a REFI-QDA codebook (``.qdc``) or project: ``code, description``.

    One row per code in depth-first order; ``code`` is the path (`` > `` between levels),
    ``description`` the code's ``Description`` (missing when absent).
    """
    path = Path(path)
    shown = paths.display(path)
    container = _Container(path, shown)
    try:
        if container.root is not None and not path.is_dir():
            data = _read_loose(path, shown)
        else:
            names = [n for n in container.names() if n.lower().endswith((".qde", ".qdc"))]
            if len(names) != 1:
                raise CodingFileError(shown, "expected one .qde or .qdc file in the project")
            data = container.read(names[0])
    finally:
        container.close()
    refuse_declarations(data, shown, "the codebook XML")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise CodingFileError(shown, f"not well-formed XML ({error}); expected a REFI-QDA "
                                     "codebook (.qdc)") from None
    codes_parent = ("Codes",) if _local(root) == "CodeBook" else ("CodeBook", "Codes")
    if _local(root) not in ("CodeBook", "Project"):
        raise CodingFileError(shown, f"root element <{_local(root)}>; expected <CodeBook "
                                     f"xmlns='{CODEBOOK_NAMESPACE}'>")
    codes, descriptions = {}, {}
    token = _SHOWN.set(shown)
    try:
        for code in _children(root, *codes_parent):
            _walk_codes(code, [], codes, descriptions)
    finally:
        _SHOWN.reset(token)
    paths_ = list(dict.fromkeys(codes.values()))
    return pd.DataFrame({"code": paths_, "description": [descriptions.get(p) for p in paths_]},
                        dtype="string")


def _children(root, *names: str) -> list:
    level = [root]
    for name in names:
        level = [c for el in level for c in el if _local(c) == name]
    return [c for el in level for c in el if isinstance(c.tag, str)]


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()
