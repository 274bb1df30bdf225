"""What every coding reader shares: the segments table, its errors and warnings, text rules.

Text rules (issue 16, "text as the program meant it"): line ends CRLF, CR, LINE SEPARATOR
(U+2028), PARAGRAPH SEPARATOR (U+2029, Qt's line break in QualCoder) and VERTICAL TAB (U+000B,
Word's manual line break) become ``\\n``; Unicode is composed (NFC). Nothing else changes:
leading and trailing spaces are kept, so a span's text is exactly what the coder selected.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings

import pandas as pd

from analysis.data.safe_input import identifier_key, identifier_problem
from analysis.errors import DataError

SEGMENT_COLUMNS: list[str] = ["session_id", "segment_id", "participant", "coder", "code_path",
                              "text", "start", "end", "source_tool"]
"""Columns of every segments table, in this order."""

CONTRACT_COLUMNS: list[str] = ["session_id", "segment_id", "participant", "coder", "code",
                               "text", "start", "end"]
"""Columns of ``coding/segments.csv`` as ``coding`` writes it: the data contract's six columns
and the optional ``start, end`` (code-point offsets into the normalised source text)."""

CODE_SEPARATOR: str = " > "
"""Between the levels of a code path (data contract, ``coding/segments.csv``)."""

UNKNOWN_CODER: str = "unknown"
"""Coder of codings whose export names no person (Taguette, program pseudo-users)."""

POSITION_MODES: tuple[str, ...] = ("auto", "codepoints", "utf16")
"""Allowed values of ``positions``: the unit of REFI-QDA ``startPosition``/``endPosition``."""

_LINE_END = re.compile("\r\n|[\r\u2028\u2029\u000b]")
_LINE_END_CHARS = "\r\u2028\u2029\u000b"
_DOC_EXTENSIONS = re.compile(r"\.(txt|docx?|odt|rtf|pdf|md|html?)$", re.IGNORECASE)


class CodingFileError(DataError):
    """A coding export that cannot be read; the message names the file and what is wrong."""

    def __init__(self, file: str, message: str):
        super().__init__(f"{file}: {message}")
        self.file = file


class CodingWarning(UserWarning):
    """Something in a coding export the reader resolved but the user should know about."""


def warn(file: str, message: str) -> None:
    """Issue a :class:`CodingWarning` naming ``file``."""
    warnings.warn(f"{file}: {message}", CodingWarning, stacklevel=3)


def normalise_text(text):
    """Line ends to ``\\n`` and Unicode to NFC; spaces kept; missing values passed through.

    >>> normalise_text("a\\r\\nb\\u2029c\\u000bd\\re ")
    'a\\nb\\nc\\nd\\ne '
    >>> normalise_text("e\\u0301") == "\\u00e9"
    True
    """
    if not isinstance(text, str):
        return text
    return unicodedata.normalize("NFC", _LINE_END.sub("\n", text))


def normalise_with_offsets(raw: str) -> tuple[str, list[int]]:
    """:func:`normalise_text` of ``raw`` and where each code-point offset of ``raw`` lands.

    Returns
    -------
    text : str
        The normalised text.
    offsets : list of int
        ``len(raw) + 1`` entries: ``offsets[i]`` is the offset in ``text`` of the boundary
        before ``raw[i]`` (``offsets[len(raw)] == len(text)``). A boundary inside a CRLF pair
        or inside a sequence that NFC composes maps to the start of the resulting character.

    Notes
    -----
    NFC is applied per run of a starter (canonical combining class 0) and the combining marks
    after it, which gives the NFC of the whole text except for compositions across starters
    (Hangul jamo); those runs are composed on their own.
    """
    chars, lines = [], []
    index = 0
    while index < len(raw):
        lines.append(len(chars))
        char = raw[index]
        if char == "\r" and raw[index + 1:index + 2] == "\n":
            lines.append(len(chars))
            index += 1
        chars.append("\n" if char in _LINE_END_CHARS else char)
        index += 1
    lines.append(len(chars))
    text = "".join(chars)
    if unicodedata.is_normalized("NFC", text):
        return text, lines
    pieces, composed, start = [], [0] * (len(text) + 1), 0
    for end in range(1, len(text) + 1):
        if end == len(text) or unicodedata.combining(text[end]) == 0:
            done = composed[start]
            piece = unicodedata.normalize("NFC", text[start:end])
            pieces.append(piece)
            for k in range(start, end):
                composed[k] = done
            composed[end] = done + len(piece)
            start = end
    return "".join(pieces), [composed[i] for i in lines]


def text_key(text) -> str:
    """Short stable digest of a coded text (for segment ids of exports without positions).

    >>> text_key("Grondige screening.")
    '55799d9a72'
    """
    return hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:10]


def normalise_code_path(code: str) -> str:
    """Code path with single `` > `` between non-empty levels.

    >>> normalise_code_path("Werkzame elementen>  Screening ")
    'Werkzame elementen > Screening'
    """
    return CODE_SEPARATOR.join(p.strip() for p in str(code).split(">") if p.strip())


def session_from_name(name: str) -> str:
    """Session id from a document name: whitespace trimmed, a document extension removed,
    Unicode NFKC (full-width ``ＦＧ`` is ``FG``: ids are compared as they look).

    >>> session_from_name(" FG_SW_01.txt ")
    'FG_SW_01'
    """
    return identifier_key(_DOC_EXTENSIONS.sub("", str(name).strip()))


def check_identifiers(values: pd.Series, shown: str, column: str, *,
                      row_offset: int | None = 2) -> None:
    """Refuse identifiers (document names, coders, cases) holding invisible or bidirectional
    control characters or unpaired surrogates: a right-to-left override in a source name would
    become a session id that looks like another.

    Raises
    ------
    CodingFileError
        Naming the row (``index + row_offset``; None: the position in the export) and column,
        never the value.
    """
    for index, value in values.dropna().items():
        problem = identifier_problem(str(value))
        if problem:
            where = (f"row {int(index) + row_offset}, " if row_offset is not None
                     else f"entry {int(index) + 1}, ")
            raise CodingFileError(shown, f"{where}column {column}: expected {problem}")


def check_code_paths(raw: pd.Series, paths: pd.Series, shown: str, column: str) -> None:
    """Refuse codes that are only level separators (``" > "``): they would become an empty
    code.

    Raises
    ------
    CodingFileError
        Naming the row and column.
    """
    empty = raw.notna() & (raw.astype("string").str.strip() != "") & (
        paths.fillna("").astype("string") == "")
    if empty.any():
        row = int(empty[empty].index[0]) + 2
        raise CodingFileError(shown, f"row {row}, column {column}: expected a code name; the "
                                     f"cell holds only the level separator {CODE_SEPARATOR!r}")


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns of :data:`SEGMENT_COLUMNS` in order and their dtypes."""
    frame = frame.reindex(columns=SEGMENT_COLUMNS)
    for column in SEGMENT_COLUMNS:
        if column in ("start", "end"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame.reset_index(drop=True)


def empty_segments() -> pd.DataFrame:
    """An empty segments table with the right columns and dtypes."""
    return typed(pd.DataFrame({c: [] for c in SEGMENT_COLUMNS}))
