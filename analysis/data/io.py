"""Reading and writing files.

Readers of the raw data contract (see :func:`read_table`). The atomic writers live in
:mod:`analysis.atomic` (standard library only, cheap to import) and are re-exported here.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import io
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from analysis.atomic import (  # noqa: F401  (re-exported: the writers belong to io too)
    write_bytes_atomic,
    write_csv_atomic,
    write_json_atomic,
    write_text_atomic,
)
from analysis.data.safe_input import check_table_size, check_zip, entry_problem
from analysis.errors import DataError, Problem

# --------------------------------------------------------------------------------------------
# Readers of the raw data contract
# --------------------------------------------------------------------------------------------

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".sav")
"""File formats accepted for every table of the contract, in order of preference."""

DEFAULT_ID_COLUMNS: tuple[str, ...] = (
    "family_id", "therapist_id", "social_worker_id", "session_id", "segment_id", "participant",
)
"""Identifier columns; any other column whose name ends in ``_id`` is one too."""

FIRST_DATA_ROW: int = 2
"""Spreadsheet row of the first data row (the header is row 1): ``row = index + 2``."""

_EXPECTED_TABLE = (
    "a table with a header row: a CSV file (UTF-8 or Windows-1252, delimiter ',' or ';'), "
    "an .xlsx workbook (first sheet) or an SPSS .sav file"
)
_NUMBER_PATTERN = r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?"
_MAGIC = {b"PK\x03\x04": "a zip archive (an Excel .xlsx workbook?)", b"$FL2": "an SPSS .sav file",
          b"$FL3": "an SPSS .sav file", b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
          b"%PDF": "a PDF document"}


def is_id_column(column: str, id_columns: Iterable[str] = DEFAULT_ID_COLUMNS) -> bool:
    """Whether ``column`` holds identifiers (listed in ``id_columns`` or ending in ``_id``).

    >>> is_id_column("family_id"), is_id_column("coder_id"), is_id_column("child_age")
    (True, True, False)
    """
    return column in set(id_columns) or column.endswith("_id")


def spreadsheet_rows(index: Iterable[int]) -> list[int]:
    """Rows as seen in a spreadsheet (header = row 1) for index labels of :func:`read_table`.

    >>> spreadsheet_rows([0, 5])
    [2, 7]
    """
    return [int(i) + FIRST_DATA_ROW for i in index]


def find_table(folder: str | os.PathLike, stem: str) -> Path | None:
    """The export of table ``stem`` in ``folder`` (``.csv``, ``.xlsx`` or ``.sav``), or None.

    :func:`locate_table` without its warnings (a name matched without regard to case).
    """
    return locate_table(folder, stem)[0]


def locate_table(folder: str | os.PathLike, stem: str) -> tuple[Path | None, list[Problem]]:
    """The export of table ``stem`` in ``folder`` and warnings about its name.

    ``stem`` may name a subfolder (``"coding/sessions"``). Names are matched without regard to
    case (``SDQ.CSV`` is taken for ``sdq`` with a ``file_name`` warning naming the expected
    name). Entries are examined without opening them.

    Returns
    -------
    (pathlib.Path or None, list of Problem)
        The export (None when there is none) and the warnings.

    Raises
    ------
    DataError
        When an entry named like the table is not a regular file inside the folder (a dangling
        symlink, a symlink leaving the folder, a folder, a FIFO, a socket, a device), or two
        exports hold the same table (``sdq.csv`` and ``sdq.xlsx``): which one holds the data
        cannot be guessed.
    """
    folder = Path(folder)
    base = folder / stem
    parent = _table_folder(folder, base.parent)
    if parent is None:
        return None, []
    found = []
    for entry in sorted(os.scandir(parent), key=lambda e: e.name):
        path = Path(entry.path)
        if path.suffix.lower() in TABLE_SUFFIXES and path.stem.lower() == base.name.lower():
            problem = entry_problem(path, folder)
            if problem:
                raise _entry_error(_rel(path, folder), problem)
            found.append(path)
    if len(found) > 1:
        names = " and ".join(repr(_rel(p, folder)) for p in found)
        raise DataError(
            f"{names} both hold table {stem!r}; expected one export per table: "
            "keep one file (.csv, .xlsx or .sav) and move the other out of the cohort folder.",
            [Problem(_rel(found[0], folder), None, None, None, "one export per table",
                     check="duplicate_file")],
        )
    if not found:
        return None, []
    warnings = []
    if found[0].stem != base.name:
        expected = base.name + found[0].suffix.lower()
        warnings.append(Problem(_rel(found[0], folder), None, None, None,
                                f"the name {expected} (read anyway: names are matched without "
                                "regard to case)", "warning", "file_name"))
    return found[0], warnings


def _table_folder(folder: Path, parent: Path) -> Path | None:
    """``parent`` when it is a folder inside ``folder``; None when absent; else refused."""
    if parent == folder:
        return folder if folder.is_dir() else None
    if not os.path.lexists(parent):
        return None
    shown = _rel(parent, folder)
    if not parent.is_dir():
        raise _entry_error(shown, "not a folder")
    if not parent.resolve().is_relative_to(folder.resolve()):
        raise _entry_error(shown, "a symbolic link to a folder outside the cohort folder")
    return parent


def _entry_error(shown: str, problem: str) -> DataError:
    return DataError(f"{shown} is {problem}; expected a regular file (or folder) inside the "
                     "cohort folder: replace it by a copy of the export.",
                     [Problem(shown, None, None, None, "a regular file", check="not_a_file")])


def read_table(
    path: str | os.PathLike,
    *,
    id_columns: Iterable[str] = DEFAULT_ID_COLUMNS,
    date_columns: Iterable[str] = (),
    required_columns: Iterable[str] = (),
    name: str | None = None,
    rename: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Read one export of the raw data contract: ``.csv``, ``.xlsx`` (first sheet) or ``.sav``.

    Parameters
    ----------
    path : path-like
        The file. It is only read, never changed.
    id_columns : iterable of str
        Identifier columns, always returned as strings (``"007"`` stays ``"007"``); any column
        ending in ``_id`` is one too.
    date_columns : iterable of str
        Columns parsed as dates with :func:`parse_dates` (unparseable values become ``NaT``;
        :func:`analysis.data.validate.validate_cohort` reports them).
    required_columns : iterable of str
        Columns the header must hold; checked before the body is parsed, so a large file of
        garbage fails fast.
    name : str, optional
        Name of the file in messages (e.g. ``"coding/sessions.csv"``); default its file name.
    rename : dict of str to str, optional
        Export column -> contract column (``cohort.yaml``'s ``files:`` mapping), applied to
        the header (names stripped) before anything is checked; ``id_columns``,
        ``date_columns`` and ``required_columns`` name contract columns.

    Returns
    -------
    pandas.DataFrame
        One row per non-empty data row; column names stripped of spaces. The index holds the
        0-based position of the row among the data rows, so the spreadsheet row (header = row 1)
        is ``index + 2`` (:func:`spreadsheet_rows`); fully empty rows are dropped and leave a
        gap. Empty cells are missing; text is stripped of surrounding spaces; a non-identifier
        column whose every value is a number (decimal point or comma) is numeric; everything
        else is kept as read (no answer labels are mapped here).

    Notes
    -----
    CSV: UTF-8 with or without BOM, else Windows-1252 (UTF-16 with a BOM is accepted too); the
    delimiter (``,``, ``;`` or tab) is the most frequent one in the header line; with ``;`` the
    decimal separator is ``,``. Cells of ``.xlsx``/``.sav`` files that hold dates become
    ``YYYY-MM-DD`` text before ``date_columns`` are parsed.

    Raises
    ------
    DataError
        For an unreadable, empty, binary or undecodable file, a header without
        ``required_columns`` or with repeated names, a row with more cells than the header, an
        unclosed quote (named at the row where it opens), or workbook cells holding an Excel
        error (``#N/A``, ``#VALUE!``) or a formula without a saved result (named by cell).
        Also, before the body is parsed, for a table beyond ``input_limits`` of the contract
        (rows, columns, cells; an SPSS file's variables from its header) and for a workbook
        that is a broken or oversized zip archive
        (:func:`analysis.data.safe_input.check_zip`).
    """
    path = Path(path)
    name = name or path.name
    suffix = path.suffix.lower()
    if not path.is_file():
        raise _read_error(name, "the file does not exist", _EXPECTED_TABLE)
    ids = [*id_columns]
    rename = {str(k).strip(): v for k, v in (rename or {}).items()}
    labels: dict[str, dict] = {}
    if suffix == ".xlsx":
        frame = _read_xlsx(path, name)
    elif suffix == ".sav":
        frame, labels = _read_sav(path, name)
    else:
        frame = _read_csv(path, name, ids, [*required_columns], rename)
        return _finish(frame, ids, date_columns)
    frame = frame.set_axis([rename.get(str(c).strip(), str(c).strip()) for c in frame.columns],
                           axis=1)
    _check_header(list(frame.columns), name, [*required_columns], rename)
    frame = _finish(_cells_to_text(frame, ids), ids, date_columns)
    frame.attrs["value_labels"] = {rename.get(str(k).strip(), str(k).strip()): v
                                   for k, v in labels.items()}
    return frame


def apply_to_unique(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``func`` applied to the distinct non-missing values of ``values`` only, then spread back.

    Text columns of an export (dates, timepoints, labels) hold few distinct values, so string
    work on them costs little even for 200,000 rows. ``func`` takes and returns a Series of the
    same length; missing values stay missing.

    >>> apply_to_unique(pd.Series(["a ", None, "a "]), lambda s: s.str.strip()).tolist()
    ['a', nan, 'a']
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = func(pd.Series(uniques, dtype=values.dtype if len(uniques) else object))
    taken = pd.api.extensions.take(mapped.array, codes, allow_fill=True)
    return pd.Series(taken, index=values.index, name=values.name)


def parse_dates(values: Any) -> pd.Series:
    """Dates from ``YYYY-MM-DD`` or Dutch ``DD-MM-YYYY`` text (``/`` and ``.`` work as ``-``).

    A time of day after the date is allowed and dropped, as survey tools write it:
    LimeSurvey's ``2025-01-19 09:18:55``, ISO ``2025-01-19T09:18:55Z`` or ``+01:00``, Google
    Forms' ``19-1-2025 9:18:55`` or ``2025/01/19 9:18:55 AM GMT+1``, workbook date-time cells
    (MS Forms' "Tijd van voltooien"). The date is kept as written, in the time zone of the
    export (no conversion). Datetime values pass through (time of day dropped); unparseable or
    missing values give ``NaT``. :func:`has_time_of_day` tells whether any value had a time.

    >>> parse_dates(["2023-09-01", "1-9-2023", "31-02-2023", None]).dt.strftime("%Y-%m-%d").tolist()
    ['2023-09-01', '2023-09-01', nan, nan]
    >>> parse_dates(["2025-01-19 09:18:55", "2025/01/19 9:18:55 AM GMT+1"]).dt.day.tolist()
    [19, 19]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.normalize()
    return apply_to_unique(series, _parse_date_values)


_DATE_TIME = re.compile(
    r"(?P<date>\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})"
    r"(?:(?:[ T]+|\s*,\s*)(?P<time>(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d(?:[.,]\d{1,9})?)?)"
    r"\s*(?:[AaPp]\.?[Mm]\.?)?\s*(?:Z|(?:GMT|UTC)?\s*[+-]\d{1,2}(?::?\d{2})?|GMT|UTC)?)?")
"""A date, then optionally a time of day with seconds, fractions, AM/PM and a zone."""

_MIDNIGHT = re.compile(r"0?0[:.]00(?:[:.]00(?:[.,]0+)?)?")


def _parse_date_values(series: pd.Series) -> pd.Series:
    text = series.astype(object).where(series.notna())
    text = pd.Series(text, dtype="str").str.strip()
    parts = text.str.extract(f"^(?:{_DATE_TIME.pattern})$")
    text = parts["date"].str.replace(r"[/.]", "-", regex=True)
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dutch = pd.to_datetime(text, format="%d-%m-%Y", errors="coerce")
    return iso.fillna(dutch)


def has_time_of_day(values: pd.Series) -> str | None:
    """The first value of ``values`` that is a date with a time of day other than midnight
    (``"2025-01-19 09:18:55"``), or None: :func:`parse_dates` keeps only the date.

    >>> has_time_of_day(pd.Series(["2025-01-19 09:18:55", "2025-01-20"]))
    '2025-01-19 09:18:55'
    >>> has_time_of_day(pd.Series(["2025-01-20", "2025-01-21 00:00:00"])) is None
    True
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        timed = values[values.notna() & (values != values.dt.normalize())]
        return None if timed.empty else str(timed.iloc[0])
    present = pd.Series(values.dropna().unique(), dtype="str").str.strip()
    parts = present.str.extract(f"^(?:{_DATE_TIME.pattern})$")
    timed = parts["time"].notna() & ~parts["time"].fillna("").str.fullmatch(_MIDNIGHT.pattern)
    return None if not timed.any() else str(present[timed].iloc[0])


def fold_label(text: Any) -> Any:
    """A label as matched: case folded, accents removed, spaces collapsed, stripped.

    Dutch labels are matched with and without diacritics (``Voortijdig beëindigd``,
    ``voortijdig beeindigd``) and case; missing values pass through.

    >>> fold_label("  Voortijdig  BEËINDIGD "), fold_label("Één")
    ('voortijdig beeindigd', 'een')
    """
    if not isinstance(text, str):
        return text
    import unicodedata

    text = " ".join(text.split()).casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_labels(values: pd.Series) -> pd.Series:
    """:func:`fold_label` of a column, computed once per distinct value; missing stays missing."""
    return apply_to_unique(values, lambda u: pd.Series(
        [fold_label(str(v)) for v in u.astype(object)], index=u.index, dtype="str"))


def _rel(path: Path, folder: str | os.PathLike) -> str:
    try:
        return Path(path).relative_to(folder).as_posix()
    except ValueError:
        return Path(path).name


def _read_error(name: str, what: str, expected: str) -> DataError:
    problem = Problem(name, None, None, None, expected, check="unreadable")
    return DataError(f"cannot read {name}: {what}; expected {expected}.", [problem])


def _decode(data: bytes, name: str) -> str:
    """Text of a CSV export: UTF-8 (BOM or not), UTF-16 with BOM, else Windows-1252."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _read_error(name, f"the UTF-16 text is broken at byte {error.start}",
                              _EXPECTED_TABLE) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise _read_error(
                name,
                f"the text is neither UTF-8 (invalid byte 0x{data[utf8_error.start]:02x} at byte "
                f"{utf8_error.start}) nor Windows-1252 (byte 0x{data[error.start]:02x})",
                "a CSV saved as UTF-8 ('CSV UTF-8' in Excel) or Windows-1252",
            ) from None


def _sniff(name: str, data: bytes) -> None:
    """Refuse empty and binary files before decoding them."""
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise _read_error(name, f"the file is empty ({len(data)} bytes)",
                          "a header row with the column names, then one row per record")
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise _read_error(name, f"the file is {kind}, not CSV text",
                              "CSV text; save a workbook with its own extension (.xlsx), "
                              "or export it as CSV")
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff") and b"\x00" in data[:65536]:
        raise _read_error(name, "the file is binary (it holds NUL bytes), not CSV text",
                          _EXPECTED_TABLE)


def _header_line(text: str) -> tuple[list[str], str]:
    """Header names and the detected delimiter of CSV ``text``."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in (";", ",", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ","))
    try:
        header = next(csv.reader([first], delimiter=sep), [])
    except csv.Error:
        header = first.split(sep)
    return [h.strip().strip('"') for h in header], sep


def _check_header(header: list[str], name: str, required: list[str],
                  rename: dict[str, str] | None = None) -> None:
    named = [h for h in header if h and not h.startswith("Unnamed: ")]
    back = {v: k for k, v in (rename or {}).items()}
    repeated = sorted({h for h in named if named.count(h) > 1})
    if repeated:
        raise _read_error(name, "the header repeats column " + ", ".join(
            _as_exported(c, back) for c in repeated) + " (after the columns: mapping of "
            "cohort.yaml, if any)", "each column name once")
    missing = [c for c in required if c not in named]
    if missing:
        exported = [back.get(h, h) for h in named]
        shown = ", ".join(map(repr, exported[:12])) + (", ..." if len(named) > 12 else "")
        hints = [f"{c!r} for {m!r}" for m in missing
                 for c in difflib.get_close_matches(m, exported, n=1, cutoff=0.75)]
        mapped = [f"{back[m]!r} (mapped to {m!r} in cohort.yaml)" for m in missing if m in back]
        hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
        raise _read_error(
            name,
            f"the header lacks column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))}{hint}"
            + (f", nor {', '.join(mapped)}" if mapped else "")
            + f"; the header found was {shown or 'empty'}",
            "a first row naming the columns of the data contract: "
            + ", ".join(required) + " (see data/raw/README.md), or a files: mapping of the "
            "export's own names in cohort.yaml",
        )


def _as_exported(column: str, back: dict[str, str]) -> str:
    return f"{back[column]!r} ({column})" if column in back else repr(column)


def _read_csv(path: Path, name: str, ids: list[str], required: list[str],
              rename: dict[str, str]) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise _read_error(name, f"the file cannot be opened ({error.strerror})",
                          _EXPECTED_TABLE) from None
    _sniff(name, data)
    text = _decode(data, name)
    header, sep = _header_line(text)
    line_ends = max(text.count("\n"), text.count("\r"))  # data rows at most (quoted breaks)
    check_table_size(name, line_ends - text.endswith(("\n", "\r")), len(header))
    header = [rename.get(h, h) for h in header]
    _check_header(header, name, required, rename)
    dtype = {i: "str" for i, h in enumerate(header) if is_id_column(h, ids)}
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, decimal="," if sep == ";" else ".", dtype=dtype,
            keep_default_na=False, na_values=[""], skip_blank_lines=False, engine="c",
            converters=None, low_memory=False,
        )
    except pd.errors.ParserError as error:
        detail = re.sub(r"^Error tokenizing data\. C error: ", "", str(error)).strip()
        if "EOF inside string" in detail:
            row = _unclosed_quote_row(text, sep)
            raise DataError(
                f"cannot read {name}: a quote (\") opened in row {row} is never closed; expected "
                "every quoted cell to end with a quote (the rest of the file would be one cell).",
                [Problem(name, row, None, None, "a closing quote", check="unreadable")]) from None
        if "fields in line" in detail:
            raise _read_error(name, f"the rows do not match the header ({detail})",
                              "every row to have at most as many cells as the header") from None
        raise _read_error(name, f"the CSV cannot be parsed ({detail[:120]})",
                          "cells separated by one delimiter, every opening quote closed") from None
    except (ValueError, pd.errors.EmptyDataError) as error:
        raise _read_error(name, f"the CSV cannot be parsed ({str(error)[:120]})",
                          _EXPECTED_TABLE) from None
    return frame.set_axis([rename.get(str(c).strip(), str(c).strip()) for c in frame.columns],
                          axis=1)


def _unclosed_quote_row(text: str, sep: str) -> int:
    """Spreadsheet row (header = row 1) of the record whose quote is never closed."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records = 0
    try:
        for _record in reader:
            records += 1
    except csv.Error:
        pass
    return records + 1


def _read_xlsx(path: Path, name: str) -> pd.DataFrame:
    """First sheet of a workbook; Excel errors and formulas without a saved result refused."""
    import openpyxl

    check_zip(path, name, what="workbook")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = _sheet_rows(book.worksheets[0], name)
        finally:
            book.close()
    except DataError:
        raise
    except Exception as error:  # openpyxl raises many types for broken workbooks
        raise _read_error(name, f"the workbook cannot be opened ({type(error).__name__}: "
                                f"{str(error)[:120]})", "an .xlsx workbook saved by Excel "
                                "or LibreOffice, data on the first sheet") from None
    if not rows:
        raise _read_error(name, "the first sheet is empty",
                          "a header row with the column names, then one row per record")
    header = [_header_text(c.value, i) for i, c in enumerate(rows[0])]
    problems = _error_cells(rows, header, name)
    if _has_formulas(path):
        problems += _formulas_without_result(path, rows, header, name)
    if problems:
        raise DataError(
            f"cannot read {name} faithfully: {len(problems)} cell"
            f"{'s' if len(problems) != 1 else ''} hold an Excel error or a formula without a "
            f"saved result; expected values (fix the formulas, open and save the workbook in "
            f"Excel or LibreOffice, or paste values):\n"
            + "\n".join(p.format() for p in problems[:20]), problems)
    width = len(header)
    data = [[_plain(c.value) for c in row[:width]] + [None] * (width - len(row))
            for row in rows[1:]]
    while data and all(v is None for v in data[-1]):
        data.pop()
    frame = pd.DataFrame(data, columns=range(width), dtype=object)
    return frame.set_axis(header, axis=1)


def _sheet_rows(sheet, name: str) -> list[list]:
    """The rows of a read-only sheet, refused as soon as they pass ``input_limits``."""
    rows: list[list] = []
    width = 0
    for row in sheet.iter_rows():
        row = list(row)
        while row and getattr(row[-1], "value", None) is None and len(row) > width:
            row.pop()  # trailing empty cells beyond the header (a sheet padded to XFD)
        if not rows:
            width = len(row)
            check_table_size(name, None, width)
        rows.append(row)
        if len(rows) % 10_000 == 0:
            check_table_size(name, len(rows), width)
    check_table_size(name, len(rows), width)
    return rows


def _header_text(value: Any, position: int) -> str:
    text = "" if value is None else str(value)
    return text if text.strip() else f"Unnamed: {position}"


def _plain(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _cell_name(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column + 1)}{row}"


def _error_cells(rows: list[list], header: list[str], name: str) -> list[Problem]:
    problems = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if getattr(cell, "data_type", None) == "e":
                column = header[c] if c < len(header) else None
                problems.append(Problem(
                    name, r + 1, f"{column} (cell {_cell_name(r + 1, c)})", str(cell.value)[:20],
                    "a value, not an Excel error cell", check="excel_error"))
    return problems


def _has_formulas(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return any(re.search(rb"<(?:\w+:)?f[ >/]", archive.read(n))
                   for n in archive.namelist() if n.startswith("xl/worksheets/"))


def _formulas_without_result(path: Path, rows: list[list], header: list[str],
                             name: str) -> list[Problem]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        formulas = book.worksheets[0].iter_rows()
        problems = []
        for r, (row, cached) in enumerate(zip(formulas, rows)):
            for c, cell in enumerate(row):
                text = cell.value
                if (isinstance(text, str) and text.startswith("=")
                        and (c >= len(cached) or cached[c].value is None)):
                    column = header[c] if c < len(header) else None
                    problems.append(Problem(
                        name, r + 1, f"{column} (cell {_cell_name(r + 1, c)})", text[:30],
                        "a saved result of the formula (the workbook was not calculated)",
                        check="formula"))
    finally:
        book.close()
    return problems


def _read_sav(path: Path, name: str) -> tuple[pd.DataFrame, dict[str, dict]]:
    import pyreadstat

    try:
        head = pyreadstat.read_sav(str(path), metadataonly=True)[1]
    except Exception as error:  # pyreadstat raises its own ReadstatError and others
        raise _read_error(name, f"the SPSS file cannot be opened ({type(error).__name__}: "
                                f"{str(error)[:120]})", "an SPSS .sav file") from None
    rows = head.number_rows if (head.number_rows or -1) >= 0 else None
    check_table_size(name, rows, head.number_columns, what="the SPSS file")
    try:
        frame, meta = pyreadstat.read_sav(str(path))
    except Exception as error:  # pyreadstat raises its own ReadstatError and others
        raise _read_error(name, f"the SPSS file cannot be opened ({type(error).__name__}: "
                                f"{str(error)[:120]})", "an SPSS .sav file") from None
    labels = {column: dict(table) for column, table in
              (getattr(meta, "variable_value_labels", None) or {}).items() if table}
    return frame, labels


def _cell_text(value: Any) -> Any:
    """Text of one workbook or SPSS cell: dates as ``YYYY-MM-DD``, whole floats without ``.0``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (datetime.datetime, pd.Timestamp)):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cells_to_text(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Workbook/SPSS cells as the text a CSV export would hold (numeric columns stay numbers)."""
    frame = frame.rename(columns=lambda c: str(c).strip())
    out = {}
    for column in frame.columns:
        values = frame[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric and not is_id_column(column, ids):
            out[column] = values
        else:
            out[column] = pd.Series(values.map(_cell_text).astype(object), index=frame.index,
                                    dtype="str")
    return pd.DataFrame(out, index=frame.index)


def _finish(frame: pd.DataFrame, ids: list[str], date_columns: Iterable[str]) -> pd.DataFrame:
    """Strip names and text, drop empty rows, type identifiers, numbers and dates."""
    names = [str(c).strip() for c in frame.columns]
    unnamed = [not c or c.startswith("Unnamed: ") for c in names]
    frame = frame.set_axis([f"unnamed_{i + 1}" if u else c for i, (c, u)
                            in enumerate(zip(names, unnamed))], axis=1)
    frame = frame.drop(columns=[c for c, u in zip(frame.columns, unnamed)
                                if u and frame[c].isna().all()])
    out = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            values = _clean_text(values, numeric=not is_id_column(column, ids))
        out[column] = values
    frame = pd.DataFrame(out, index=frame.index)
    frame = frame.loc[frame.notna().any(axis=1)] if len(frame.columns) else frame
    for column in date_columns:
        if column in frame.columns:
            frame[column] = parse_dates(frame[column])
    return frame


def _clean_text(values: pd.Series, *, numeric: bool) -> pd.Series:
    """Stripped text (empty = missing); numbers when every value is one and ``numeric``."""
    def strip(unique: pd.Series) -> pd.Series:
        text = pd.Series(unique.astype(object), dtype="str").str.strip()
        return text.where(text != "")

    text = apply_to_unique(values, strip)
    if numeric:
        present = pd.Series(text.dropna().unique(), dtype="str")
        if len(present) and present.str.fullmatch(_NUMBER_PATTERN).all():
            return apply_to_unique(text, lambda u: pd.to_numeric(
                u.str.replace(",", ".", regex=False)).astype("float64"))
    return text
