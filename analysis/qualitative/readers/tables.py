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
    "taguette_codebook": "Taguette codebook (tag, description, number)",
}
"""Recognised table exports and how they are recognised."""


def read_raw_table(path: Path) -> pd.DataFrame:
    """A CSV (UTF-8 with or without BOM, else Windows-1252; ``,`` or ``;``) or XLSX, all text.

    Empty cells are missing; nothing is trimmed except the header. Repeated header names get
    ``.1``, ``.2`` ... (QualCoder repeats ``Category``).
    """
    shown = paths.display(path)
    if _is_xlsx(path):
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[""])
    elif path.suffix.lower() == ".sav":
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
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                na_values=[""], quoting=csv.QUOTE_MINIMAL)
        except (pd.errors.ParserError, ValueError) as error:
            raise CodingFileError(shown, f"not a readable CSV table ({error}); expected a "
                                         "coding export with a header row") from None
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame.astype("string")


def _is_xlsx(path: Path) -> bool:
    import zipfile

    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(n.startswith("xl/") for n in archive.namelist())


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
    return None


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
    session = (filename if filename is not None else first).map(session_from_name)
    participant = _ids(first) if filename is not None else pd.Series(pd.NA, index=table.index)
    text = _column(table, "coded", "codedtext").map(normalise_text)
    parents = table[categories].apply(
        lambda row: [v.strip() for v in row if pd.notna(v) and v.strip()][::-1], axis=1) \
        if categories else pd.Series([[]] * len(table), index=table.index)
    names = _column(table, "codename")
    coder = _ids(_column(table, "coder"))
    out = pd.DataFrame({
        "session_id": session, "segment_id": session + "#" + text.fillna("").map(text_key),
        "participant": participant,
        "coder": coder.fillna(UNKNOWN_CODER) if coder is not None else UNKNOWN_CODER,
        "code_path": [normalise_code_path(" > ".join(p + [str(n)]))
                      for p, n in zip(parents, names)],
        "text": text, "start": pd.NA, "end": pd.NA, "source_tool": "qualcoder"})
    return typed(out)


def from_taguette(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """Taguette highlights: untagged highlights skipped; Taguette names no coder.

    ``segment_id`` is ``"<session_id>#"`` + a digest of the highlighted text, not Taguette's
    ``id``: every project numbers its highlights from 1, so two coders' ids collide.
    """
    tags = _column(table, "tag")
    table = table[tags.notna() & (tags.str.strip() != "")]
    documents = _column(table, "document").map(session_from_name)
    text = _column(table, "content").map(normalise_text)
    out = pd.DataFrame({
        "session_id": documents, "segment_id": documents + "#" + text.fillna("").map(text_key),
        "participant": pd.NA, "coder": UNKNOWN_CODER,
        "code_path": _column(table, "tag").map(normalise_code_path), "text": text,
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
    coder = _ids(_column(table, "createdby"))
    frame = pd.DataFrame({"session_id": _column(table, "document").map(session_from_name),
                          "coder": coder.fillna(UNKNOWN_CODER) if coder is not None
                          else UNKNOWN_CODER, "text": text,
                          "codes": _column(table, "codes").fillna("")})
    frame["code_path"] = frame["codes"].map(
        lambda cell: [normalise_code_path(c) for c in re.split(r"[\r\n]+", cell) if c.strip()])
    frame = frame.explode("code_path").dropna(subset=["code_path"])
    frame["segment_id"] = frame["session_id"] + "#" + frame["text"].fillna("").map(text_key)
    return typed(frame.assign(participant=pd.NA, start=pd.NA, end=pd.NA, source_tool="atlas.ti"))


def taguette_codebook(table: pd.DataFrame, shown: str) -> pd.DataFrame:
    """Taguette codebook CSV: ``code, description`` (tag paths normalised)."""
    description = _column(table, "description")
    return pd.DataFrame({"code": _column(table, "tag").map(normalise_code_path),
                         "description": description.map(normalise_text)}, dtype="string")


READERS = {"contract": from_contract, "qualcoder": from_qualcoder, "taguette": from_taguette,
           "atlas": from_atlas}
"""Segment readers by table kind."""
