"""Import of qualitative coding: REFI-QDA projects, ``segments.csv``, QualCoder and Taguette.

Every reader returns the same long table, one row per coding (a code applied to a stretch of
text by one coder), with the columns of :data:`SEGMENT_COLUMNS`:

==============  ================================================================================
session_id      the session the text comes from (a REFI-QDA text source's name; the QualCoder
                ``File/case``; the Taguette ``document``), with a document extension such as
                ``.txt`` or ``.docx`` removed
segment_id      identifier of the coded stretch; the same value with two coders is double coding
participant     speaker or respondent pseudonym when known, else missing
coder           the person who applied the code; ``"unknown"`` when the export does not say
code_path       the code with its parents, `` > `` between levels
text            the coded text (line ends ``\\n``)
start, end      character offsets (Unicode code points) into the source text, ``end`` exclusive;
                missing for exports that carry no offsets
source_tool     ``refi-qda``, ``segments.csv``, ``qualcoder`` or ``taguette``
==============  ================================================================================

Rules for each format are documented on the reader. Sources of the formats: the REFI-QDA
Project Exchange standard 1.5 (https://www.qdasoftware.org), QualCoder's coding report export
(``File/case, Coder, Coded, Id, Codename, Coded_Memo, Category...``, ccbogel/QualCoder), and
Taguette's highlights export (``id, document, tag, content``, remram44/taguette).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
from lxml import etree

from analysis import paths
from analysis.errors import DataError

SEGMENT_COLUMNS: list[str] = ["session_id", "segment_id", "participant", "coder", "code_path",
                              "text", "start", "end", "source_tool"]
"""Columns of every segments table, in this order."""

CODE_SEPARATOR: str = " > "
"""Between the levels of a code path (data contract, ``coding/segments.csv``)."""

UNKNOWN_CODER: str = "unknown"
"""Coder of codings whose export names no person (Taguette, program pseudo-users)."""

POSITION_MODES: tuple[str, ...] = ("auto", "codepoints", "utf16")
"""Allowed values of ``positions`` in :func:`read_qdpx`."""

REFI_NAMESPACE: str = "urn:QDA-XML:project:1.0"
SOFTWARE_NAMES: tuple[str, ...] = ("atlas.ti", "atlasti", "nvivo", "maxqda", "qualcoder",
                                   "taguette", "quirkos", "dedoose", "transana", "f4analyse",
                                   "qda miner", "refi-qda", "system")
"""User names that denote a program rather than a coder (compared case-insensitively)."""

_DOC_EXTENSIONS = re.compile(r"\.(txt|docx?|odt|rtf|pdf|md|html?)$", re.IGNORECASE)
_CONTRACT_COLUMNS = ("session_id", "segment_id", "code")


class CodingFileError(DataError):
    """A coding export that cannot be read; the message names the file and what is wrong."""

    def __init__(self, file: str, message: str):
        super().__init__(f"{file}: {message}")
        self.file = file


# --------------------------------------------------------------------------------------------
# Public readers
# --------------------------------------------------------------------------------------------

def read_coding_files(files: Iterable[str | os.PathLike], *, keep_going: bool = False,
                      positions: str = "auto") -> tuple[pd.DataFrame, list[str]]:
    """Read any mix of coding exports into one segments table.

    Parameters
    ----------
    files : iterable of path
        ``.qdpx`` (REFI-QDA), and ``.csv``/``.xlsx``/``.sav`` files recognised by their header:
        the contract's ``segments.csv``, a QualCoder coding report or Taguette highlights.
    keep_going : bool
        False (default): the first unreadable file raises :class:`CodingFileError`. True: the
        good files are read and each bad file is reported in the returned problem list.
    positions : {"auto", "codepoints", "utf16"}
        Passed to :func:`read_qdpx`.

    Returns
    -------
    segments : DataFrame
        Columns :data:`SEGMENT_COLUMNS`; files in the given order, rows in file order.
    problems : list of str
        One message per file that was skipped (empty unless ``keep_going``).
    """
    frames, problems = [], []
    for file in files:
        try:
            frames.append(read_coding_file(file, positions=positions))
        except CodingFileError as error:
            if not keep_going:
                raise
            problems.append(str(error))
    return _concat(frames), problems


def read_coding_file(path: str | os.PathLike, *, positions: str = "auto") -> pd.DataFrame:
    """Read one coding export, choosing the reader by extension and header.

    Notes
    -----
    Tables are recognised by their header (case, spaces and underscores ignored):

    - ``segments.csv`` of the contract (``session_id, segment_id, code`` and optionally
      ``participant, coder, text``): ``code`` becomes ``code_path``; no coder -> ``"unknown"``.
    - QualCoder coding report (``File/case, Coder, Coded, Id, Codename, Coded_Memo, Category``
      repeated, nearest category first): path = categories from the top, then ``Codename``;
      image and audio/video codings (``Id`` ``imid:``/``avid:``) are skipped. QualCoder gives no
      positions, so ``segment_id`` is ``"<session_id>#"`` + a hash of the coded text: two
      coders who coded the same text share a segment.
    - Taguette highlights (``id, document, tag, content``): ``segment_id`` is
      ``"<session_id>#<id>"`` (one highlight, several tags); untagged highlights are skipped;
      Taguette names no coder (``"unknown"``).

    Raises
    ------
    CodingFileError
        Missing file, unknown extension, or a table whose header matches no known export.
    """
    path = Path(path)
    shown = paths.display(path)
    if not path.is_file():
        raise CodingFileError(shown, "file not found; expected an existing coding export")
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        return read_qdpx(path, positions=positions)
    if suffix not in (".csv", ".xlsx", ".sav"):
        raise CodingFileError(shown, f"unknown file type {suffix or '(none)'!r}; expected .qdpx, "
                                     ".csv, .xlsx or .sav")
    table = _read_table(path)
    kind = _table_kind(table)
    if kind is None:
        raise CodingFileError(shown, f"columns {list(table.columns)[:8]} match no known export; "
                                     "expected segments.csv (session_id, segment_id, code, ...), "
                                     "a QualCoder coding report (File/case, Coder, Coded, Codename)"
                                     " or Taguette highlights (id, document, tag, content)")
    reader = {"contract": _from_contract, "qualcoder": _from_qualcoder,
              "taguette": _from_taguette}[kind]
    return reader(table, shown)


def read_cohort_coding(folder: str | os.PathLike, *, positions: str = "auto") -> pd.DataFrame:
    """Read ``coding/*.qdpx`` and ``coding/segments.csv`` (or ``.xlsx``/``.sav``) of a cohort.

    Files are read in name order. A session may appear in only one file; a session found in
    two files would be counted twice and raises :class:`CodingFileError`. A cohort without a
    ``coding/`` folder or without exports gives an empty table.
    """
    from analysis.data.io import find_table

    coding = Path(folder) / "coding"
    files = sorted(coding.glob("*.qdpx"))
    try:
        table = find_table(folder, "coding/segments")
    except DataError as error:
        raise CodingFileError("coding/segments", str(error)) from None
    if table is not None:
        files.append(table)
    frames = [read_coding_file(f, positions=positions) for f in files]
    _check_sessions_unique(frames, [paths.display(f) for f in files])
    return _concat(frames)


def empty_segments() -> pd.DataFrame:
    """An empty segments table with the right columns and dtypes."""
    return _typed(pd.DataFrame({c: [] for c in SEGMENT_COLUMNS}))


def normalise_code_path(code: str) -> str:
    """Code path with single `` > `` between non-empty levels.

    >>> normalise_code_path("Werkzame elementen>  Screening ")
    'Werkzame elementen > Screening'
    """
    return CODE_SEPARATOR.join(p.strip() for p in str(code).split(">") if p.strip())


def session_from_name(name: str) -> str:
    """Session id from a document name: whitespace trimmed, a document extension removed.

    >>> session_from_name(" FG_SW_01.txt ")
    'FG_SW_01'
    """
    return _DOC_EXTENSIONS.sub("", str(name).strip())


# --------------------------------------------------------------------------------------------
# REFI-QDA
# --------------------------------------------------------------------------------------------

@dataclass
class _Project:
    """What is read from a project XML before slicing texts."""

    origin: str = ""
    users: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    case_of_selection: dict[str, str] = field(default_factory=dict)
    case_of_source: dict[str, str] = field(default_factory=dict)


def read_qdpx(path: str | os.PathLike, *, positions: str = "auto",
              schema: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read a REFI-QDA project export (``.qdpx``) into the segments table.

    Parameters
    ----------
    path : path
        The ``.qdpx`` zip archive.
    positions : {"auto", "codepoints", "utf16"}
        Unit of ``startPosition``/``endPosition``. NVivo counts UTF-16 code units, most other
        programs Unicode code points; the two differ only after characters outside the Basic
        Multilingual Plane (emoji). ``"auto"``: per archive, the unit (and whether CRLF counts
        as two characters) under which most selections' declared text (their ``name``) equals
        the sliced text; on a tie (e.g. no selection declares its text) UTF-16 when the
        project's ``origin`` names NVivo, else code points, and CRLF as stored.
    schema : path, optional
        A REFI-QDA ``Project.xsd`` to validate against (not bundled: bring your own copy).
        Without it the structure is checked and errors name what is missing.

    Returns
    -------
    DataFrame
        Columns :data:`SEGMENT_COLUMNS`, ``source_tool`` ``"refi-qda"``. One row per Coding of a
        PlainTextSelection of a TextSource; other source types (PDF, pictures, audio) are skipped.

    Notes
    -----
    - The project XML is ``project.qde``, or else the single ``*.qde`` in the archive (ATLAS.ti
      names it after the project). Source files are looked up in ``Sources/`` case-insensitively;
      ``PlainTextContent`` inside the XML is used when present. The ``basePath`` attribute and
      any absolute path are never copied into the output or messages.
    - Texts are decoded as UTF-8 (BOM removed). ``start``/``end`` are returned as code-point
      offsets into the text with line ends normalised to ``\\n``, whatever the unit read.
    - GUIDs are compared without braces, case-insensitively.
    - ``coder`` is the ``name`` of the Coding's ``creatingUser`` (else the selection's). It is
      ``"unknown"`` when no user is given, the GUID is not among ``Users``, or the user is a
      program pseudo-user: a name containing one of :data:`SOFTWARE_NAMES` or the first word of
      the project's ``origin``. Such codings are kept.
    - ``segment_id`` is ``"<session_id>@<start>-<end>"``: two coders who selected the same
      stretch share a segment (double coding); several codes on one selection share it too.
    - ``participant`` is the name of a Case that references the selection, or else of the single
      Case that references the whole source; otherwise missing.
    """
    shown = paths.display(path)
    if positions not in POSITION_MODES:
        raise ValueError(f"positions must be one of {POSITION_MODES}; got {positions!r}")
    try:
        with zipfile.ZipFile(path) as archive:
            root = _parse_project(archive, shown, schema)
            project = _read_project(root)
            sources = [_read_source(el, archive, shown) for el in _children(root, "Sources")
                       if _local(el) == "TextSource"]
    except zipfile.BadZipFile:
        raise CodingFileError(shown, "not a zip archive; expected a REFI-QDA .qdpx export "
                                     "(a zip holding project.qde and Sources/)") from None
    unit, newline = _choose_position_mode(sources, positions, project.origin)
    rows = []
    for source in sources:
        rows += _source_rows(source, project, unit, newline, shown)
    return _typed(pd.DataFrame(rows, columns=SEGMENT_COLUMNS))


def _parse_project(archive: zipfile.ZipFile, shown: str, schema) -> etree._Element:
    names = [n for n in archive.namelist() if n.lower().endswith(".qde")]
    chosen = [n for n in names if n.lower().rsplit("/", 1)[-1] == "project.qde"] or names
    if len(chosen) != 1:
        found = "none" if not chosen else ", ".join(sorted(chosen))
        raise CodingFileError(shown, f"project XML: found {found}; expected project.qde or "
                                     "exactly one *.qde file in the archive")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(archive.read(chosen[0]), parser)
    except etree.XMLSyntaxError as error:
        raise CodingFileError(shown, f"{chosen[0]} is not well-formed XML ({error}); expected "
                                     "a REFI-QDA project") from None
    if _local(root) != "Project":
        raise CodingFileError(shown, f"{chosen[0]} has root element <{_local(root)}>; expected "
                                     f"<Project xmlns='{REFI_NAMESPACE}'>")
    if schema is not None:
        _validate_schema(root, schema, shown)
    return root


def _validate_schema(root, schema, shown: str) -> None:
    xsd = etree.XMLSchema(etree.parse(str(schema)))
    if not xsd.validate(root):
        first = xsd.error_log.filter_from_errors()[0]
        raise CodingFileError(shown, f"not valid against {Path(schema).name}: line {first.line}: "
                                     f"{first.message}")


def _read_project(root) -> _Project:
    project = _Project(origin=root.get("origin", ""))
    for user in _children(root, "Users"):
        project.users[_guid(user.get("guid"))] = user.get("name", "")
    for code in _children(root, "CodeBook", "Codes"):
        _walk_codes(code, [], project.codes)
    for case in _children(root, "Cases"):
        name = case.get("name", "")
        for ref in case:
            target = _guid(ref.get("targetGUID"))
            if _local(ref) == "SelectionRef":
                project.case_of_selection[target] = name
            elif _local(ref) == "SourceRef":
                previous = project.case_of_source.get(target)
                project.case_of_source[target] = name if previous in (None, name) else ""
    return project


def _walk_codes(element, parents: list[str], out: dict[str, str]) -> None:
    if _local(element) != "Code":
        return
    path = parents + [element.get("name", "").strip()]
    out[_guid(element.get("guid"))] = CODE_SEPARATOR.join(p for p in path if p)
    for child in element:
        _walk_codes(child, path, out)


@dataclass
class _Source:
    guid: str
    session_id: str
    raw: str
    selections: list[dict]


def _read_source(element, archive: zipfile.ZipFile, shown: str) -> _Source:
    name = element.get("name") or ""
    if not name.strip():
        raise CodingFileError(shown, f"TextSource {element.get('guid')} has no name; expected "
                                     "the session_id as its name")
    content = [c for c in element if _local(c) == "PlainTextContent"]
    if content:
        raw = (content[0].text or "").lstrip("\ufeff")
    else:
        raw = _source_text(archive, element.get("plainTextPath", ""), name, shown)
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
    return _Source(_guid(element.get("guid")), session_from_name(name), raw, selections)


def _source_text(archive: zipfile.ZipFile, text_path: str, name: str, shown: str) -> str:
    target = re.sub(r"^(internal|relative|absolute)://", "", text_path).replace("\\", "/")
    target = target.rsplit("/", 1)[-1].lower()
    members = {m.rsplit("/", 1)[-1].lower(): m for m in archive.namelist()
               if "/" in m and m.split("/", 1)[0].lower() == "sources"}
    if not target or target not in members:
        raise CodingFileError(shown, f"text of source {name!r} not found; expected "
                                     f"Sources/{target or '<guid>.txt'} in the archive or "
                                     "PlainTextContent in the XML")
    data = archive.read(members[target])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CodingFileError(shown, f"text of source {name!r} is not UTF-8; expected UTF-8 "
                                     "as REFI-QDA prescribes") from None


def _position(selection, attribute: str, shown: str) -> int:
    value = selection.get(attribute)
    if value is None or not value.strip().isdigit():
        raise CodingFileError(shown, f"PlainTextSelection {selection.get('guid')}: {attribute} "
                                     f"{value!r}; expected a whole number >= 0")
    return int(value)


def _code_ref(coding) -> str | None:
    refs = [c for c in coding if _local(c) == "CodeRef"]
    return refs[0].get("targetGUID") if refs else None


def _choose_position_mode(sources: list[_Source], positions: str,
                          origin: str) -> tuple[str, str]:
    units = ["codepoints", "utf16"] if positions == "auto" else [positions]
    newlines = ["raw", "lf"] if any("\r\n" in s.raw for s in sources) else ["raw"]
    default_unit = "utf16" if "nvivo" in origin.lower() and positions == "auto" else units[0]
    candidates = [(u, n) for n in newlines for u in units]
    scores = {c: 0 for c in candidates}
    for source in sources:
        if not any(s["declared"] for s in source.selections):
            continue
        for unit, newline in candidates:
            mapping = _offset_map(source.raw, unit, newline)
            canonical = _canonical(source.raw)
            for sel in source.selections:
                text = _slice(canonical, mapping, sel["start"], sel["end"])
                scores[(unit, newline)] += _declared_matches(text, sel["declared"])
    order = sorted(candidates, key=lambda c: (-scores[c], c[0] != default_unit, c[1] != "raw"))
    return order[0]


def _declared_matches(text: str | None, declared: str | None) -> int:
    if text is None or not declared or not declared.strip():
        return 0
    got, want = " ".join(text.split()), " ".join(declared.split())
    if got == want:
        return 1
    stem = want.rstrip(".… ")
    return int(len(stem) >= 10 and got.startswith(stem) and stem != want)


def _canonical(raw: str) -> str:
    return raw.replace("\r\n", "\n")


def _offset_map(raw: str, unit: str, newline: str) -> list[int] | None:
    """Map offsets in the declared unit to code-point offsets of the canonical text.

    ``None`` means the identity. Offsets inside a surrogate pair map to -1 (invalid).
    """
    declared = raw if newline == "raw" else _canonical(raw)
    if unit == "codepoints" and (newline == "lf" or "\r\n" not in raw):
        return None
    to_cp: list[int] = []
    for index, char in enumerate(declared):
        to_cp.append(index)
        if unit == "utf16" and ord(char) > 0xFFFF:
            to_cp.append(-1)
    to_cp.append(len(declared))
    if newline == "raw" and "\r\n" in raw:
        shift, to_canonical = 0, []
        for index in range(len(raw) + 1):
            to_canonical.append(index - shift)
            if index < len(raw) and raw[index] == "\r" and raw[index + 1:index + 2] == "\n":
                shift += 1
        to_cp = [to_canonical[i] if i >= 0 else -1 for i in to_cp]
    return to_cp


def _convert(mapping: list[int] | None, offset: int, length: int) -> int | None:
    if mapping is None:
        return offset if offset <= length else None
    if offset >= len(mapping) or mapping[offset] < 0:
        return None
    return mapping[offset]


def _slice(canonical: str, mapping, start: int, end: int) -> str | None:
    a, b = _convert(mapping, start, len(canonical)), _convert(mapping, end, len(canonical))
    if a is None or b is None or a > b:
        return None
    return canonical[a:b]


def _source_rows(source: _Source, project: _Project, unit: str, newline: str,
                 shown: str) -> list[dict]:
    canonical = _canonical(source.raw)
    mapping = _offset_map(source.raw, unit, newline)
    rows = []
    for sel in source.selections:
        start = _convert(mapping, sel["start"], len(canonical))
        end = _convert(mapping, sel["end"], len(canonical))
        if start is None or end is None or start > end:
            raise CodingFileError(shown, f"selection {sel['guid']} in source "
                                         f"{source.session_id!r}: positions {sel['start']}-"
                                         f"{sel['end']} ({unit}); expected 0 <= start <= end <= "
                                         f"text length (an export counting UTF-16 code units, "
                                         f"as NVivo does, needs positions='utf16')")
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
                         "code_path": project.codes[code_guid], "text": canonical[start:end],
                         "start": start, "end": end, "source_tool": "refi-qda"})
    return rows


def _coder(project: _Project, user_guid: str | None) -> str:
    name = project.users.get(_guid(user_guid), "").strip() if user_guid else ""
    lowered = name.lower()
    program = project.origin.split()[0].lower() if project.origin.split() else None
    if not name or any(s in lowered for s in SOFTWARE_NAMES) or (program and program in lowered):
        return UNKNOWN_CODER
    return name


def _children(root, *names: str) -> list:
    """Children of the element reached by following ``names`` (local names) from ``root``."""
    level = [root]
    for name in names:
        level = [c for el in level for c in el if _local(c) == name]
    return [c for el in level for c in el if isinstance(c.tag, str)]


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _guid(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


# --------------------------------------------------------------------------------------------
# Tables: segments.csv, QualCoder, Taguette
# --------------------------------------------------------------------------------------------

_TEXT_ID_COLUMNS = ("session_id", "segment_id", "participant", "coder", "id", "Id", "document",
                    "File/case")


def _read_table(path: Path) -> pd.DataFrame:
    """Read a CSV/XLSX with every cell as text.

    Uses :func:`analysis.data.io.read_table` (encodings, delimiters, identifiers as text). A QualCoder
    report repeats the ``Category`` column, which that reader refuses; such a CSV is read here,
    the repeats named ``Category.1``, ``Category.2``, ... in their order.
    """
    from analysis.data.io import read_table

    shown = paths.display(path)
    try:
        table = read_table(path, name=shown, id_columns=_TEXT_ID_COLUMNS)
    except DataError as error:
        if not _repeats_only_category(path):
            raise CodingFileError(shown, str(error)) from None
        table = _read_csv_with_repeats(path)
    table.columns = [str(c).strip() for c in table.columns]
    return table.astype("string")


def _csv_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _repeats_only_category(path: Path) -> bool:
    if path.suffix.lower() != ".csv":
        return False
    text = _csv_text(path)
    first = text.split("\n", 1)[0]
    header = next(csv.reader([first], delimiter=";" if first.count(";") > first.count(",")
                             else ","), [])
    repeated = {h for h in header if header.count(h) > 1}
    return repeated == {"Category"}


def _read_csv_with_repeats(path: Path) -> pd.DataFrame:
    text = _csv_text(path)
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") > first.count(",") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                       na_values=[""])


def _key(column: str) -> str:
    return re.sub(r"[\s_]+", "", column.lower())


def _table_kind(table: pd.DataFrame) -> str | None:
    keys = {_key(c) for c in table.columns}
    if {_key(c) for c in _CONTRACT_COLUMNS} <= keys:
        return "contract"
    if keys & {"file/case", "file", "case"} and keys & {"codename"} and keys & {"coded",
                                                                               "codedtext"}:
        return "qualcoder"
    if {"id", "document", "tag", "content"} <= keys:
        return "taguette"
    return None


def _column(table: pd.DataFrame, *aliases: str) -> pd.Series | None:
    lookup = {_key(c): c for c in table.columns}
    for alias in aliases:
        if alias in lookup:
            return table[lookup[alias]]
    return None


def _from_contract(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    problems = []
    for column in ("session_id", "segment_id", "code"):
        values = _column(table, _key(column))
        for row in values[values.isna() | (values.str.strip() == "")].index:
            problems.append(f"row {row + 2}, column {column}: empty; expected a value")
    if problems:
        raise CodingFileError(shown, "; ".join(problems[:5]) + (" ..." if len(problems) > 5
                                                                  else ""))
    coder = _column(table, "coder")
    out = pd.DataFrame({
        "session_id": _column(table, "sessionid").str.strip(),
        "segment_id": _column(table, "segmentid").str.strip(),
        "participant": _column(table, "participant"),
        "coder": coder.fillna(UNKNOWN_CODER) if coder is not None else UNKNOWN_CODER,
        "code_path": _column(table, "code").map(normalise_code_path),
        "text": _column(table, "text"), "start": pd.NA, "end": pd.NA,
        "source_tool": "segments.csv"})
    return _typed(out)


def _from_qualcoder(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    ids = _column(table, "id")
    text = _column(table, "coded", "codedtext")
    is_text = ids.fillna("").str.startswith("ctid") if ids is not None else ~text.isin(
        ["image", "a/v"])
    table = table[is_text.to_numpy()]
    categories = [c for c in table.columns if re.fullmatch(r"category(\.\d+)?", c.lower())]
    rows = []
    for _, row in table.iterrows():
        parents = [row[c] for c in categories if pd.notna(row[c]) and str(row[c]).strip()]
        path = CODE_SEPARATOR.join(list(reversed(parents)) + [str(row[_name(table, "codename")])])
        session = session_from_name(row[_name(table, "file/case", "file", "case")])
        coded = _lf(row[_name(table, "coded", "codedtext")])
        digest = hashlib.sha1(" ".join(str(coded).split()).encode("utf-8")).hexdigest()[:10]
        coder = row[_name(table, "coder")] if _name(table, "coder") else None
        rows.append({"session_id": session, "segment_id": f"{session}#{digest}",
                     "participant": None, "coder": coder if pd.notna(coder) else UNKNOWN_CODER,
                     "code_path": normalise_code_path(path), "text": coded,
                     "start": None, "end": None, "source_tool": "qualcoder"})
    return _typed(pd.DataFrame(rows, columns=SEGMENT_COLUMNS))


def _from_taguette(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    tags = _column(table, "tag")
    table = table[tags.notna() & (tags.str.strip() != "")]
    documents = _column(table, "document").map(session_from_name)
    out = pd.DataFrame({
        "session_id": documents,
        "segment_id": documents + "#" + _column(table, "id").str.strip(),
        "participant": pd.NA, "coder": UNKNOWN_CODER,
        "code_path": _column(table, "tag").map(normalise_code_path),
        "text": _column(table, "content").map(_lf), "start": pd.NA, "end": pd.NA,
        "source_tool": "taguette"})
    return _typed(out)


def _name(table: pd.DataFrame, *aliases: str) -> str | None:
    lookup = {_key(c): c for c in table.columns}
    return next((lookup[a] for a in aliases if a in lookup), None)


def _lf(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------

def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=SEGMENT_COLUMNS)
    for column in SEGMENT_COLUMNS:
        if column in ("start", "end"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame.reset_index(drop=True)


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return _typed(pd.concat(frames, ignore_index=True)) if frames else empty_segments()


def _check_sessions_unique(frames: Sequence[pd.DataFrame], names: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for frame, name in zip(frames, names):
        for session in frame["session_id"].dropna().unique():
            if session in seen and seen[session] != name:
                raise CodingFileError(name, f"session {session!r} is also coded in "
                                            f"{seen[session]}; expected each session in one "
                                            "coding file only")
            seen[session] = name
