"""Import of qualitative coding from the programs researchers use, into one long table.

Every reader returns the same table, one row per coding (a code applied to a stretch of text by
one coder), with the columns of :data:`SEGMENT_COLUMNS`:

==============  ================================================================================
session_id      the session the text comes from (a REFI-QDA text source's name; QualCoder's
                ``File/case`` or ``Filename``; Taguette's ``document``; ATLAS.ti's ``Document``),
                with a document extension such as ``.txt`` or ``.docx`` removed
segment_id      identifier of the coded stretch; the same value with two coders is double coding
participant     speaker, respondent or case pseudonym when known, else missing
coder           the person who applied the code; ``"unknown"`` when the export does not say
                and no coder was given for the file
code_path       the code with its parents, `` > `` between levels
text            the coded text, normalised (line ends ``\\n``, NFC), never trimmed
start, end      code-point offsets into the normalised source text, ``end`` exclusive; missing
                for exports that carry no positions
source_tool     ``refi-qda``, ``segments.csv``, ``qualcoder``, ``taguette``, ``atlas.ti`` or
                ``dedoose``
==============  ================================================================================

A row is unique per (session, segment, coder, code): exact duplicates are dropped with one
:class:`CodingWarning` per file. :func:`to_contract` turns the table into ``coding/segments.csv``
of the data contract, which every reader here reads back unchanged (the round trip).
The readers are in :mod:`analysis.qualitative.readers`.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from analysis import paths
from analysis.errors import DataError
from analysis.qualitative.readers import refi, tables
from analysis.qualitative.readers.base import (  # noqa: F401  (re-exported)
    CODE_SEPARATOR,
    CONTRACT_COLUMNS,
    POSITION_MODES,
    SEGMENT_COLUMNS,
    UNKNOWN_CODER,
    CodingFileError,
    CodingWarning,
    empty_segments,
    normalise_code_path,
    normalise_text,
    session_from_name,
    typed,
    warn,
)
from analysis.qualitative.readers.refi import SCHEMA_PATH, SOFTWARE_NAMES  # noqa: F401


def codes_at_level(codes: pd.Series, level: int | None) -> pd.Series:
    """Code paths cut to their first ``level`` levels (``None``: unchanged).

    Here, beside :data:`CODE_SEPARATOR`, so that themes and agreement both read it without
    importing each other.

    >>> codes_at_level(pd.Series(["Kansen > Samen > Leren", "Voorwaarden"]), 1).tolist()
    ['Kansen', 'Voorwaarden']
    """
    if level is None:
        return codes
    if level < 1:
        raise ValueError(f"level must be a whole number >= 1 or None; got {level!r}")
    return codes.map(lambda p: CODE_SEPARATOR.join(str(p).split(CODE_SEPARATOR)[:level]))

FILE_LIST: str = "coding/files.csv"
"""Optional list of a cohort's coding exports: ``file`` (name in ``coding/``) and ``coder``
(who coded it, for exports that do not name the coder)."""

CODEBOOK_COLUMNS: list[str] = ["code", "description"]
"""Columns of a codebook table (:func:`read_codebook`)."""

_KEY = ["session_id", "segment_id", "coder", "code_path"]


# --------------------------------------------------------------------------------------------
# One file
# --------------------------------------------------------------------------------------------

MAXQDA_REFI_EXPORT: str = "Import/Export > Export > Exchange Project (REFI-QDA)"
"""Where MAXQDA (2020 and later; REFI-QDA project support since MAXQDA 2020) exports a project
in the REFI-QDA standard, as the README's table of exports names it; the resulting ``.qdpx``
is read here."""

_NATIVE = re.compile(r"\.(mx\d{2}|mex\d{0,2}|mqda|mqic|mxd|mtr|nvp|nvpx|hpr\d*|atlproj\d*)$",
                     re.IGNORECASE)


def export_kind(path: str | os.PathLike) -> str:
    """What a coding export is, from its content: ``"project"``, ``"codebook"`` or ``"table"``.

    Recognised by content, never by extension: a folder or a zip archive holding a ``.qde``
    file (a ``.qdpx`` under any name) is a REFI-QDA project, an XML file a project (root
    ``<Project>``) or codebook (``<CodeBook>``), a workbook, SPSS file or text a table (and a
    table whose header is a Taguette codebook's a codebook). A program's own project file
    (MAXQDA ``.mx20``/``.mx22``/``.mx24``/``.mex``, NVivo ``.nvp``, ATLAS.ti bundles, any SQLite
    database) and an old ``.xls`` workbook (MAXQDA's coded-segments export) are refused with the
    menu path to a REFI-QDA export (:data:`MAXQDA_REFI_EXPORT` for MAXQDA).

    Raises
    ------
    CodingFileError
        The path does not exist, or holds a program's native file or an unknown binary.
    """
    path = Path(path)
    shown = paths.display(path)
    if path.is_dir():
        return "project"
    if not path.is_file():
        raise CodingFileError(shown, "file not found; expected an existing coding export")
    with open(path, "rb") as handle:
        head = handle.read(8192)
    native = _native_program(path, head)
    if native:
        raise CodingFileError(shown, native)
    if refi.is_refi_archive(path):
        return "project"
    root = refi.xml_root_name(path)
    if root is not None:
        return "codebook" if root == "CodeBook" else "project"
    if path.suffix.lower() in (".qdc", ".qdpx", ".qde"):  # broken: the reader says why
        return "codebook" if path.suffix.lower() == ".qdc" else "project"
    if head.startswith(b"PK\x03\x04") and not tables.is_workbook(path):
        raise CodingFileError(shown, "a zip archive holding neither a REFI-QDA project "
                                     "(project.qde) nor a workbook; expected a REFI-QDA "
                                     "project (.qdpx), a codebook (.qdc) or a .csv/.xlsx export")
    binary = b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff", b"$FL2",
                                                        b"$FL3", b"PK\x03\x04"))
    if binary:
        raise CodingFileError(shown, "a binary file of no known export format; expected a "
                                     "REFI-QDA project (.qdpx, .qde or its folder), a codebook "
                                     "(.qdc) or a .csv/.xlsx/.sav export")
    table = tables.read_raw_table(path)
    return "codebook" if tables.table_kind(table) == "taguette_codebook" else "table"


def _native_program(path: Path, head: bytes) -> str | None:
    """Why a program's own file is refused, with where to export REFI-QDA; None otherwise."""
    sqlite = head.startswith(b"SQLite format 3\x00")
    if re.search(r"\.(mx\d{2}|mex\d{0,2})$", path.name, re.IGNORECASE) or (
            sqlite and not path.suffix.lower().startswith((".nvp", ".qda"))):
        return ("is a MAXQDA project file (the program's own database), not an export; "
                "expected a REFI-QDA project: in MAXQDA choose " + MAXQDA_REFI_EXPORT
                + " and give the .qdpx file")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return ("is an old Excel .xls workbook (MAXQDA's coded segments export writes one), "
                "which is not read; expected a REFI-QDA project (in MAXQDA: "
                + MAXQDA_REFI_EXPORT + "), or the table saved as .xlsx or .csv")
    if _NATIVE.search(path.name) or sqlite:
        return ("is a QDA program's own project file, not an export; expected a REFI-QDA "
                "project: NVivo Share > Export Project > REFI-QDA Project, ATLAS.ti File > "
                "Export > Project Bundle (REFI-QDA), MAXQDA " + MAXQDA_REFI_EXPORT)
    return None


def read_coding_file(path: str | os.PathLike, *, positions: str = "auto",
                     coder: str | None = None, schema: bool | str | os.PathLike = False
                     ) -> pd.DataFrame:
    """Read one coding export (kind detected from its content, not its extension).

    Parameters
    ----------
    path : path
        A REFI-QDA project (``.qdpx`` under any extension, unzipped folder, ``.qde``), or a
        ``.csv``/``.xlsx``/``.sav`` table: the contract's ``segments.csv`` (also ``coding``'s
        own output), a QualCoder coding report (also organised by case), Taguette highlights or
        an ATLAS.ti quotation-manager export.
    positions : {"auto", "codepoints", "utf16"}
        Unit of REFI-QDA positions (:func:`analysis.qualitative.readers.refi.choose_unit`).
    coder : str, optional
        Who coded this file: replaces ``"unknown"`` coders (exports that name no coder, such as
        Taguette's). Coders named by the export are kept.
    schema : bool or path
        Validate a REFI-QDA project against the shipped schema (True) or the given one.

    Returns
    -------
    DataFrame
        Columns :data:`SEGMENT_COLUMNS`, unique per (session, segment, coder, code): exact
        duplicates are dropped with one :class:`CodingWarning`.

    Raises
    ------
    CodingFileError
        Missing file, a codebook (codes but no codings), unknown format or bad content; the
        message names the file, row and column where it can.
    """
    path = Path(path)
    shown = paths.display(path)
    kind = export_kind(path)
    if kind == "codebook":
        raise CodingFileError(shown, "is a codebook (codes without codings); expected a coding "
                                     "export (read it with read_codebook)")
    if kind == "project":
        frame = refi.read_project(path, positions=positions, schema=schema)
    else:
        table = tables.read_raw_table(path)
        which = tables.table_kind(table)
        if which is None:
            expected = "; ".join(v for k, v in tables.TABLE_KINDS.items()
                                 if k != "taguette_codebook")
            raise CodingFileError(shown, f"columns {list(table.columns)[:8]} match no known "
                                         f"export; expected one of: {expected}")
        frame = tables.READERS[which](table, shown)
    return _drop_duplicates(_with_coder(frame, coder, shown), shown)


def read_qdpx(path: str | os.PathLike, *, positions: str = "auto",
              schema: bool | str | os.PathLike = False) -> pd.DataFrame:
    """Read a REFI-QDA project (:func:`analysis.qualitative.readers.refi.read_project`)."""
    return refi.read_project(path, positions=positions, schema=schema)


def read_codebook(path: str | os.PathLike) -> pd.DataFrame:
    """Code tree of a REFI-QDA codebook (``.qdc``) or project, or a Taguette codebook CSV.

    Returns
    -------
    DataFrame
        Columns :data:`CODEBOOK_COLUMNS`: ``code`` (path, `` > `` between levels) and
        ``description`` (missing when the program stores none).
    """
    path = Path(path)
    if export_kind(path) == "table":
        raise CodingFileError(paths.display(path), "holds codings, not a codebook; expected a "
                                                   ".qdc, a REFI-QDA project or a Taguette "
                                                   "codebook CSV (tag, description)")
    if refi.is_refi_archive(path) or path.is_dir() or refi.xml_root_name(path):
        return refi.read_codebook_xml(path)
    return tables.taguette_codebook(tables.read_raw_table(path), paths.display(path))


def _with_coder(frame: pd.DataFrame, coder: str | None, shown: str) -> pd.DataFrame:
    if coder is None or not str(coder).strip():
        unknown = int((frame["coder"] == UNKNOWN_CODER).sum())
        if unknown:
            warn(shown, f"{unknown} of {len(frame)} coding(s) name no coder and get coder "
                        f"{UNKNOWN_CODER!r}; to name who coded the file, pass --coder NAME to "
                        f"python -m analysis coding, or add the file with a coder to {FILE_LIST} "
                        "(file,coder)")
        return frame
    named = set(frame["coder"].dropna()) - {UNKNOWN_CODER}
    if named and named != {coder}:
        warn(shown, f"the export names coder(s) {sorted(named)}; the given coder {coder!r} is "
                    "used only for codings without a coder")
    frame = frame.copy()
    frame.loc[frame["coder"].isna() | (frame["coder"] == UNKNOWN_CODER), "coder"] = coder
    return frame


def _drop_duplicates(frame: pd.DataFrame, shown: str) -> pd.DataFrame:
    duplicated = frame.duplicated(subset=_KEY + ["text"], keep="first")
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        warn(shown, f"{int(duplicated.sum())} exact duplicate coding(s) dropped (same source, "
                    f"coder, span and code), e.g. segment {first['segment_id']!r} coded "
                    f"{first['code_path']!r} by {first['coder']!r}")
    return typed(frame[~duplicated])


# --------------------------------------------------------------------------------------------
# Several files, a cohort
# --------------------------------------------------------------------------------------------

def read_coding_files(files: Iterable[str | os.PathLike], *, keep_going: bool = False,
                      positions: str = "auto", coders: Sequence[str | None] | None = None,
                      schema: bool | str | os.PathLike = False
                      ) -> tuple[pd.DataFrame, list[str]]:
    """Read any mix of coding exports into one segments table.

    Parameters
    ----------
    files : iterable of path
        Exports (see :func:`read_coding_file`).
    keep_going : bool
        False (default): the first unreadable file raises :class:`CodingFileError`. True: the
        good files are read and each bad file is reported in the returned problem list.
    positions, schema
        Passed to :func:`read_coding_file`.
    coders : sequence of str or None, optional
        One coder per file (None: as the export says).

    Returns
    -------
    segments : DataFrame
        Columns :data:`SEGMENT_COLUMNS`; files in the given order, rows in file order.
    problems : list of str
        One message per file that was skipped (empty unless ``keep_going``).

    Raises
    ------
    CodingFileError
        Also when two files code the same session under the same coder (two unnamed coders'
        Taguette projects, say): their segments would be merged; give each file its coder.
    """
    files = list(files)
    coders = list(coders) if coders is not None else [None] * len(files)
    if len(coders) != len(files):
        raise ValueError(f"coders must give one coder per file; got {len(coders)} for "
                         f"{len(files)} files")
    frames, names, problems = [], [], []
    for file, coder in zip(files, coders):
        try:
            frames.append(read_coding_file(file, positions=positions, coder=coder,
                                           schema=schema))
            names.append(paths.display(file))
        except CodingFileError as error:
            if not keep_going:
                raise
            problems.append(str(error))
    check_no_collisions(frames, names)
    return _concat(frames), problems


def read_cohort_coding(folder: str | os.PathLike, *, positions: str = "auto") -> pd.DataFrame:
    """Read the coding exports of a cohort folder into one segments table.

    Reads ``coding/*.qdpx``, ``coding/segments.csv`` (or ``.xlsx``/``.sav``) and every export
    listed in the optional :data:`FILE_LIST` (``coding/files.csv``: ``file, coder``), in name
    order. The ``coder`` of the file list names who coded an export that does not say. Two
    files coding the same session under the same coder are refused
    (:func:`check_no_collisions`). Without a ``coding/`` folder or exports: an empty table.
    """
    files, listed, _ = _cohort_files(folder)
    frames = [read_coding_file(f, positions=positions, coder=listed.get(f.name)) for f in files]
    check_no_collisions(frames, [paths.display(f) for f in files])
    return _concat(frames)


def _cohort_files(folder: str | os.PathLike) -> tuple[list[Path], dict[str, str | None],
                                                       Path | None]:
    """The coding exports :func:`read_cohort_coding` reads, the file list's coders, and the
    ``coding/segments`` table (None when absent)."""
    from analysis.data.io import find_table

    coding = Path(folder) / "coding"
    listed = _file_list(coding)
    files = sorted(set(coding.glob("*.qdpx")) | {coding / name for name in listed})
    try:
        table = find_table(folder, "coding/segments")
    except DataError as error:
        raise CodingFileError("coding/segments", str(error)) from None
    if table is not None and table not in files:
        files.append(table)
    return files, listed, table


# --------------------------------------------------------------------------------------------
# Labels: what of an export can reach an output besides the coded text
# --------------------------------------------------------------------------------------------

LABEL_COLUMNS: dict[str, dict[str, str]] = {
    "contract": {"sessionid": "id", "participant": "id", "coder": "id", "code": "label"},
    "qualcoder": {"file/case": "id", "file": "id", "case": "id", "filename": "id",
                  "coder": "id", "codename": "label", "category": "label"},
    "taguette": {"document": "id", "tag": "label"},
    "atlas": {"document": "id", "codes": "label", "createdby": "id"},
    "taguette_codebook": {"tag": "label", "description": "label"},
}
"""Per table export (:data:`~analysis.qualitative.readers.tables.TABLE_KINDS`), the columns
(header without case, spaces and underscores; ``category`` also ``category.1`` ...) that become
sessions, participants, coders or codes, and whether each is an ``id`` or a ``label``."""

REFI_LABELS: dict[str, tuple[str, str, str]] = {
    "Code": ("name", "Code name", "label"), "Description": ("", "Code description", "label"),
    "TextSource": ("name", "Source name", "id"), "Case": ("name", "Case name", "id"),
    "User": ("name", "User name", "id"),
}
"""REFI-QDA elements whose text reaches the segments table: element -> (attribute, or "" for
the element's text; what a message calls it; ``id`` or ``label``). Other sources (PDF, picture,
audio, video) are checked as labels by their ``name``."""

LABEL_TABLE_COLUMNS: list[str] = ["file", "row", "column", "value", "kind"]


def coding_labels(folder: str | os.PathLike) -> pd.DataFrame:
    """Every code name, code description, source (document) name, case and coder of a cohort's
    coding exports, where it is, for :func:`analysis.privacy.label_problems`.

    Reads the exports :func:`read_cohort_coding` reads, and every codebook (``.qdc``) in
    ``coding/``; the contract's ``coding/segments.csv`` is left out (the data validation checks
    its columns). An export that cannot be read is left out too (the validation reports it).

    Returns
    -------
    DataFrame
        Columns ``file`` (``coding/<name>``), ``row`` (spreadsheet row with the header as row
        1, or the line in the project's XML), ``column`` (the export's column, or what the XML
        element is and the XML file: ``Code name in project.qde``), ``value`` and ``kind``
        (``id`` or ``label``).
    """
    coding = Path(folder) / "coding"
    if not coding.is_dir():
        return pd.DataFrame(columns=LABEL_TABLE_COLUMNS)
    try:
        files, _, table = _cohort_files(folder)
    except CodingFileError:
        files, table = sorted(coding.glob("*.qdpx")), None
    files += sorted(p for p in coding.glob("*.qdc") if p not in files)
    rows: list[dict] = []
    for path in files:
        shown = f"coding/{path.name}"
        try:
            kind = export_kind(path)
            if kind == "project" or (kind == "codebook" and refi.xml_root_name(path)):
                rows += _xml_labels(path, shown)
            else:
                raw = tables.read_raw_table(path)
                which = tables.table_kind(raw)
                if not (path == table and which == "contract"):
                    rows += _table_labels(raw, which, shown)
        except (CodingFileError, OSError, ValueError, KeyError, SyntaxError,
                zipfile.BadZipFile):  # lxml's XMLSyntaxError is a SyntaxError
            continue
    return pd.DataFrame(rows, columns=LABEL_TABLE_COLUMNS)


def _table_labels(raw: pd.DataFrame, which: str | None, shown: str) -> list[dict]:
    wanted = LABEL_COLUMNS.get(which or "", {})
    rows = []
    for column in raw.columns:
        key = tables._key(column).split(".")[0]
        if key not in wanted:
            continue
        values = raw[column].dropna()
        rows += [{"file": shown, "row": int(i) + 2, "column": column, "value": str(v),
                  "kind": wanted[key]} for i, v in values.items() if str(v).strip()]
    return rows


def _xml_labels(path: Path, shown: str) -> list[dict]:
    """Labels of a REFI-QDA project or codebook, with the line of their element."""
    from lxml import etree

    if path.is_file() and refi.xml_root_name(path) is not None:
        member, data = path.name, refi._read_loose(path, shown)
    else:
        container = refi._Container(path, shown)
        try:
            names = [n for n in container.names() if n.lower().endswith((".qde", ".qdc"))]
            chosen = [n for n in names if n.lower().rsplit("/", 1)[-1] == "project.qde"] or names
            if len(chosen) != 1:
                return []
            member, data = chosen[0], container.read(chosen[0])
        finally:
            container.close()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(data, parser)
    rows = []
    for element in root.iter():
        local = refi._local(element)
        attribute, what, kind = REFI_LABELS.get(local, ("name", "Source name", "label")
                                                if local.endswith("Source") else (None, "", ""))
        if attribute is None or (local == "Description" and
                                 refi._local(element.getparent()) != "Code"):
            continue
        value = element.get(attribute) if attribute else element.text
        if value and value.strip():
            if local == "TextSource":
                value = session_from_name(value)
            rows.append({"file": shown, "row": element.sourceline, "column": f"{what} in {member}",
                         "value": normalise_text(value.strip()), "kind": kind})
    return rows


def _file_list(coding: Path) -> dict[str, str | None]:
    path = coding / Path(FILE_LIST).name
    if not path.is_file():
        return {}
    shown = paths.display(path)
    table = tables.read_raw_table(path)
    columns = {c.strip().lower(): c for c in table.columns}
    if "file" not in columns:
        raise CodingFileError(shown, f"columns {list(table.columns)}; expected file and coder")
    out = {}
    for row, name in table[columns["file"]].items():
        name = "" if pd.isna(name) else str(name).strip()
        if not name or "/" in name or "\\" in name or not (coding / name).exists():
            raise CodingFileError(shown, f"row {row + 2}, column file: {name!r}; expected the "
                                         "name of an export in coding/")
        coder = table[columns["coder"]][row] if "coder" in columns else pd.NA
        out[name] = None if pd.isna(coder) or not str(coder).strip() else str(coder).strip()
    return out


def check_no_collisions(frames: Sequence[pd.DataFrame], names: Sequence[str]) -> None:
    """Refuse two files that code the same session under the same coder.

    Each coder's codings of a session must come from one file; otherwise (two coders' exports
    without coder names, the same file twice) segments would be merged or counted twice.

    Raises
    ------
    CodingFileError
        Naming both files, the session and the coder, and how to give each file its coder.
    """
    seen: dict[tuple[str, str], str] = {}
    for frame, name in zip(frames, names):
        pairs = frame[["session_id", "coder"]].dropna().drop_duplicates()
        for session, coder in pairs.itertuples(index=False):
            other = seen.get((session, coder))
            if other is not None and other != name:
                hint = ("give each file its coder (coding FILE --coder NAME, or a coder column "
                        f"in {FILE_LIST})" if coder == UNKNOWN_CODER else
                        "expected each coder's codings of a session in one coding file only")
                raise CodingFileError(name, f"session {session!r} is also coded in {other} "
                                            f"by coder {coder!r}; {hint}")
            seen[(session, coder)] = name


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return typed(pd.concat(frames, ignore_index=True)) if frames else empty_segments()


# --------------------------------------------------------------------------------------------
# Writing segments.csv
# --------------------------------------------------------------------------------------------

def to_contract(segments: pd.DataFrame) -> pd.DataFrame:
    """The segments table as the data contract's ``coding/segments.csv``.

    Columns :data:`CONTRACT_COLUMNS`: the contract's ``session_id, segment_id, participant,
    coder, code, text`` (``code`` = ``code_path``) and the optional ``start, end``.
    """
    out = segments.rename(columns={"code_path": "code"})
    return out.reindex(columns=CONTRACT_COLUMNS)


def contract_csv(segments: pd.DataFrame) -> str:
    """``coding/segments.csv`` text: UTF-8, ``,``, ``\\n`` line ends, minimal quoting.

    Deterministic: the same table gives the same bytes, and reading the text back with
    :func:`read_coding_file` gives the same table (offsets as whole numbers, empty = missing).
    """
    return to_contract(segments).to_csv(index=False, lineterminator="\n")
