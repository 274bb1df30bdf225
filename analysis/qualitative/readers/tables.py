"""Table exports: the contract's ``segments.csv``, QualCoder, Taguette and ATLAS.ti.

Tables are recognised by their header (case, spaces and underscores ignored). Cells are read as
text exactly as stored: identifiers are trimmed, coded texts only normalised
(:func:`~analysis.qualitative.readers.base.normalise_text`), never trimmed.

Formats (column names as the programs write them):

- QualCoder coding report, Reports > Coding reports > export CSV/XLSX (ccbogel/QualCoder):
  ``File/case, Coder, Coded, Id, Codename, Coded_Memo, Category, Category, ...`` (nearest
  category first); organised by case, the first column holds the case and ``Filename`` the file.
- Taguette (remram44/taguette) highlights, Export > highlights CSV/XLSX:
  ``id, document, tag, content``; codebook, Export codebook > CSV: ``tag, description, number``.
- ATLAS.ti Quotation Manager > Export > Excel/CSV: ``ID, Quotation Name, Document,
  Document Groups, Quotation Content, Comment, Codes, Reference, Density, Created by,
  Modified by, Created, Modified``; ``Codes`` holds one code per line.
- Dedoose, Excerpts > Export (XLSX/CSV): ``Media Title, Excerpt Range, Excerpt Creator,
  Excerpt Date, Excerpt Copy, Codes Applied Combined`` and per code ``Code: <name> Applied``
  (``True``/``False``), ``Code: <name> Range``, ``Code: <name> Weight``: one row per excerpt,
  the codes as wide yes/no columns.

Identifier cells (documents, coders, cases) are refused when they hold invisible or
bidirectional control characters (:func:`~analysis.qualitative.readers.base.check_identifiers`),
and a code cell that is only the separator `` > `` is refused
(:func:`~analysis.qualitative.readers.base.check_code_paths`), naming row and column.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.errors import DataError
from analysis.qualitative.readers.base import (
    UNKNOWN_CODER,
    CodingFileError,
    check_code_paths,
    check_identifiers,
    normalise_code_path,
    normalise_text,
    session_from_name,
    text_key,
    typed,
)

TABLE_KINDS: dict[str, str] = {
    "contract": "segments.csv of the data contract (session_id, segment_id, code, ...)",
    "qualcoder": "QualCoder coding report (File/case, Coder, Coded, Codename, ...)",
    "taguette": "Taguette highlights (id, document, tag, content)",
    "atlas": "ATLAS.ti quotation manager (Document, Quotation Content, Codes, ...)",
    "dedoose": "Dedoose excerpts (Media Title, Excerpt Copy, Excerpt Creator, Code: X Applied)",
    "taguette_codebook": "Taguette codebook (tag, description, number)",
}
"""Recognised table exports and how they are recognised."""


def read_raw_table(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8 with or without BOM, else Windows-1252; ``,`` or ``;``) or XLSX, all text.

    Empty cells are missing; nothing is trimmed except the header. Repeated header names get
    ``.1``, ``.2`` ... (QualCoder repeats ``Category``).
    """
    from analysis.data.safe_input import check_table_size, check_zip

    shown = paths.display(path)
    if _is_xlsx(path):
        try:
            check_zip(path, shown, what="workbook")
        except DataError as error:
            raise CodingFileError(shown, str(error).split(": ", 1)[-1]) from None
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[""])
    elif _is_sav(path):
        from analysis.data.io import read_table

        try:
            frame = read_table(path, name=shown)
        except DataError as error:
            raise CodingFileError(shown, str(error)) from None
    else:
        text = _decode(path.read_bytes())
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") > first.count(",") else ","
        try:
            check_table_size(shown, text.count("\n"), first.count(sep) + 1)
        except DataError as error:
            raise CodingFileError(shown, str(error).split(": ", 1)[-1]) from None
        try:
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_values=[""], quoting=csv.QUOTE_MINIMAL)
        except (pd.errors.ParserError, ValueError) as error:
            raise CodingFileError(shown, f"not a readable CSV table ({error}); expected a "
                                         "coding export with a header row") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame.astype("string")


def is_workbook(path: Path) -> bool:
    """True for a zip archive holding an Excel workbook (``xl/``), whatever its extension."""
    return _is_xlsx(path)


def _is_xlsx(path: Path) -> bool:
    import zipfile

    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(n.startswith("xl/") for n in archive.namelist())


def _is_sav(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) in (b"$FL2", b"$FL3")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _key(column: str) -> str:
    return re.sub(r"[\s_]+", "", str(column).lower())


def table_kind(table: pd.DataFrame) -> str | None:
    """Which export a table is (a key of :data:`TABLE_KINDS`), from its header; else None."""
    keys = {_key(c) for c in table.columns}
    if {"sessionid", "segmentid", "code"} <= keys:
        return "contract"
    if keys & {"file/case", "file", "case"} and "codename" in keys and keys & {"coded",
                                                                             "codedtext"}:
        return "qualcoder"
    if {"id", "document", "tag", "content"} <= keys:
        return "taguette"
    if {"document", "codes"} <= keys and keys & {"quotationcontent", "quotationname"}:
        return "atlas"
    if {"tag", "description"} <= keys and "document" not in keys:
        return "taguette_codebook"
    if "excerptcopy" in keys and any(_DEDOOSE_CODE.fullmatch(k) for k in keys):
        return "dedoose"
    return None


_DEDOOSE_CODE = re.compile(r"code:(.+)applied")


def _column(table: pd.DataFrame, *aliases: str) -> pd.Series | None:
    lookup = {}
    for column in table.columns:
        lookup.setdefault(_key(column), column)
    for alias in aliases:
        if alias in lookup:
            return table[lookup[alias]]
    return None


def _ids(values: pd.Series | None) -> pd.Series | None:
    return None if values is None else values.str.strip().replace("", pd.NA)


def _required(table: pd.DataFrame, shown: str, columns: dict[str, tuple[str, ...]]) -> None:
    problems = []
    for name, aliases in columns.items():
        values = _column(table, *aliases)
        empty = values.isna() | (values.str.strip() == "")
        for row in values[empty].index[:5]:
            problems.append(f"row {row + 2}, column {name}: empty; expected a value")
    if problems:
        raise CodingFileError(shown, "; ".join(problems[:5]))


def from_contract(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """The contract's ``segments.csv`` (also what ``coding`` writes): ``code`` -> ``code_path``.

    Optional ``start, end`` are kept; a missing ``coder`` column or cell -> ``"unknown"``.
    """
    _required(table, shown, {"session_id": ("sessionid",), "segment_id": ("segmentid",),
                             "code": ("code",)})
    _check_ids(table, shown, {name: _column(table, name.replace("_", "")) for name in
                              ("session_id", "segment_id", "participant", "coder")})
    check_code_paths(_column(table, "code"), _column(table, "code").map(normalise_code_path),
                     shown, "code")
    coder = _ids(_column(table, "coder"))
    out = pd.DataFrame({
        "session_id": _ids(_column(table, "sessionid")),
        "segment_id": _ids(_column(table, "segmentid")),
        "participant": _ids(_column(table, "participant")),
        "coder": coder.fillna(UNKNOWN_CODER) if coder is not None else UNKNOWN_CODER,
        "code_path": _column(table, "code").map(normalise_code_path),
        "text": _column(table, "text").map(normalise_text) if _column(table, "text")
        is not None else pd.NA,
        "start": _column(table, "start") if _column(table, "start") is not None else pd.NA,
        "end": _column(table, "end") if _column(table, "end") is not None else pd.NA,
        "source_tool": "segments.csv"})
    for column in ("start", "end"):
        values = pd.to_numeric(out[column], errors="coerce")
        bad = out[column].notna() & (values.isna() | (values < 0) | (values % 1 != 0))
        if bad.any():
            row = int(bad.idxmax())
            raise CodingFileError(shown, f"row {row + 2}, column {column}: {out[column][row]!r}; "
                                         "expected a whole number >= 0 or an empty cell")
    return typed(out)


def from_qualcoder(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """QualCoder coding report; text codings only (``Id`` ``ctid:``; images and A/V skipped).

    Path = categories from the top, then ``Codename``. Session: ``Filename`` when the report is
    organised by case (the case becomes ``participant``), else ``File/case``. QualCoder gives no
    positions: ``segment_id`` is ``"<session_id>#"`` + a digest of the normalised coded text.
    """
    ids = _column(table, "id")
    coded = _column(table, "coded", "codedtext")
    is_text = ids.fillna("").str.startswith("ctid") if ids is not None else ~coded.isin(
        ["image", "a/v"])
    table = table[is_text.to_numpy()]
    categories = [c for c in table.columns if re.fullmatch(r"category(\.\d+)?", c.lower())]
    first = _column(table, "file/case", "file", "case")
    filename = _column(table, "filename")
    _check_ids(table, shown, {"File/case": first, "Filename": filename,
                              "Coder": _column(table, "coder")})
    session = (filename if filename is not None else first).map(session_from_name)
    participant = _ids(first) if filename is not None else pd.Series(pd.NA, index=table.index)
    text = _column(table, "coded", "codedtext").map(normalise_text)
    parents = table[categories].apply(
        lambda row: [v.strip() for v in row if pd.notna(v) and v.strip()][::-1], axis=1) \
        if categories else pd.Series([[]] * len(table), index=table.index)
    names = _column(table, "codename")
    coder = _ids(_column(table, "coder"))
    code_path = pd.Series([normalise_code_path(" > ".join(p + [str(n)]))
                           for p, n in zip(parents, names)], index=table.index, dtype="string")
    check_code_paths(names, code_path, shown, "Codename")
    out = pd.DataFrame({
        "session_id": session, "segment_id": session + "#" + text.fillna("").map(text_key),
        "participant": participant,
        "coder": coder.fillna(UNKNOWN_CODER) if coder is not None else UNKNOWN_CODER,
        "code_path": code_path,
        "text": text, "start": pd.NA, "end": pd.NA, "source_tool": "qualcoder"})
    return typed(out)


def from_taguette(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """Taguette highlights: untagged highlights skipped; Taguette names no coder.

    Each highlight keeps its own identity: a row is one tag of one highlight (Taguette's
    ``id``), so two distinct highlights of the same text in a document are two segments, never
    duplicates. ``segment_id`` is ``"<session_id>#"`` + a digest of the highlighted text, and
    for the second and later highlight of the same text in that document ``.2``, ``.3`` ...
    (in order of ``id``). Taguette's ``id`` itself is not the segment id: every project numbers
    its highlights from 1, so two coders' ids would collide, while the text digest lets two
    coders' highlights of the same passage meet as double coding.
    """
    tags = _column(table, "tag")
    table = table[tags.notna() & (tags.str.strip() != "")]
    _check_ids(table, shown, {"document": _column(table, "document")})
    documents = _column(table, "document").map(session_from_name)
    text = _column(table, "content").map(normalise_text)
    digest = documents + "#" + text.fillna("").map(text_key)
    ids = _column(table, "id")
    number = pd.to_numeric(ids, errors="coerce")
    order = pd.DataFrame({"digest": digest, "number": number, "id": ids.fillna("")})
    firsts = order.sort_values(["number", "id"]).drop_duplicates(["digest", "id"])
    firsts["occurrence"] = firsts.groupby("digest").cumcount() + 1
    occurrence = order.merge(firsts[["digest", "id", "occurrence"]], how="left",
                             on=["digest", "id"])["occurrence"].to_numpy()
    segment = digest.where(occurrence == 1, digest + "." + pd.Series(
        occurrence, index=digest.index).astype("string"))
    code_path = _column(table, "tag").map(normalise_code_path)
    check_code_paths(_column(table, "tag"), code_path, shown, "tag")
    out = pd.DataFrame({
        "session_id": documents, "segment_id": segment,
        "participant": pd.NA, "coder": UNKNOWN_CODER,
        "code_path": code_path, "text": text,
        "start": pd.NA, "end": pd.NA, "source_tool": "taguette"})
    return typed(out)


def from_atlas(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """ATLAS.ti quotation manager: one row per quotation and code (``Codes`` split by line).

    ``coder`` is ``Created by`` (``"unknown"`` when absent); quotations without codes are
    skipped; ``Comment`` (the quotation memo) is not carried over. ``segment_id`` is
    ``"<session_id>#"`` + a digest of ``Quotation Content`` (else ``Quotation Name``).
    """
    text = _column(table, "quotationcontent")
    if text is None:
        text = _column(table, "quotationname")
    text = text.map(normalise_text)
    _check_ids(table, shown, {"Document": _column(table, "document"),
                              "Created by": _column(table, "createdby")})
    coder = _ids(_column(table, "createdby"))
    frame = pd.DataFrame({"session_id": _column(table, "document").map(session_from_name),
                          "coder": coder.fillna(UNKNOWN_CODER) if coder is not None
                          else UNKNOWN_CODER, "text": text,
                          "codes": _column(table, "codes").fillna("")})
    frame["code_path"] = frame["codes"].map(
        lambda cell: [normalise_code_path(c) for c in re.split(r"[\r\n]+", cell) if c.strip()])
    frame = frame.explode("code_path").dropna(subset=["code_path"])
    check_code_paths(frame["codes"], frame["code_path"], shown, "Codes")
    frame["segment_id"] = frame["session_id"] + "#" + frame["text"].fillna("").map(text_key)
    return typed(frame.assign(participant=pd.NA, start=pd.NA, end=pd.NA, source_tool="atlas.ti"))


def from_dedoose(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """Dedoose excerpts: one row per excerpt and applied code (``Code: X Applied`` true).

    ``session_id`` is ``Media Title`` (a document extension removed), ``coder`` ``Excerpt
    Creator`` (``"unknown"`` when absent), ``text`` ``Excerpt Copy``, ``code_path`` the code's
    name as the column header gives it (``Code: Ouders > Betrokken Applied`` ->
    ``Ouders > Betrokken``). ``segment_id`` is ``"<session_id>@<range>"`` from ``Excerpt
    Range`` (``"Excerpt 12-56"`` or ``"12-56"``: two coders' excerpts of the same range meet as
    double coding), else ``"<session_id>#"`` + a digest of the text. Applied cells are
    ``True``/``False`` (also ``1``/``0``, ``yes``/``no``, ``ja``/``nee``); any other value is
    refused with its row and column.
    """
    media = _column(table, "mediatitle", "title", "media")
    if media is None:
        raise CodingFileError(shown, "no column Media Title; expected the Dedoose excerpt "
                                     "export's document column")
    _check_ids(table, shown, {"Media Title": media,
                              "Excerpt Creator": _column(table, "excerptcreator")})
    session = media.map(session_from_name)
    text = _column(table, "excerptcopy").map(normalise_text)
    ranges = _column(table, "excerptrange")
    span = (ranges.str.extract(r"(\d+\s*-\s*\d+)")[0].str.replace(r"\s", "", regex=True)
            if ranges is not None else pd.Series(pd.NA, index=table.index, dtype="string"))
    segment = (session + "@" + span).fillna(session + "#" + text.fillna("").map(text_key))
    coder = _ids(_column(table, "excerptcreator"))
    rows = []
    for column in table.columns:
        match = _DEDOOSE_CODE.fullmatch(_key(column))
        if not match:
            continue
        name = re.sub(r"(?i)^\s*code\s*:\s*|\s*applied\s*$", "", column)
        path = normalise_code_path(name)
        if not path:
            raise CodingFileError(shown, f"row 1, column {column[:60]}: expected a code name; "
                                         "the header holds only the level separator ' > '")
        applied = _applied(table[column], shown, column)
        rows.append(pd.DataFrame({
            "session_id": session[applied], "segment_id": segment[applied],
            "participant": pd.NA,
            "coder": (coder[applied].fillna(UNKNOWN_CODER) if coder is not None
                      else UNKNOWN_CODER),
            "code_path": path, "text": text[applied], "start": pd.NA, "end": pd.NA,
            "source_tool": "dedoose"}))
    if not rows:
        return typed(pd.DataFrame())
    out = pd.concat(rows).sort_index(kind="stable")
    return typed(out)


_TRUE = {"true", "1", "yes", "ja", "waar", "x"}
_FALSE = {"false", "0", "no", "nee", "onwaar", ""}


def _applied(values: pd.Series, shown: str, column: str) -> pd.Series:
    text = values.fillna("").str.strip().str.lower()
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        row = int(bad[bad].index[0]) + 2
        raise CodingFileError(shown, f"row {row}, column {column[:60]}: expected True or False "
                                     "(whether the code is applied to the excerpt)")
    return text.isin(_TRUE).to_numpy()


def _check_ids(table: pd.DataFrame, shown: str, columns: dict[str, pd.Series | None]) -> None:
    for name, values in columns.items():
        if values is not None:
            check_identifiers(values, shown, name)


def taguette_codebook(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """Taguette codebook CSV: ``code, description`` (tag paths normalised)."""
    description = _column(table, "description")
    return pd.DataFrame({"code": _column(table, "tag").map(normalise_code_path),
                         "description": description.map(normalise_text)}, dtype="string")


READERS = {"contract": from_contract, "qualcoder": from_qualcoder, "taguette": from_taguette,
           "atlas": from_atlas, "dedoose": from_dedoose}
"""Segment readers by table kind."""
