"""The one gate for every text that can reach a publishable output (``reports/``, ``figures/``).

Quotes and open answers go through :func:`analysis.privacy.check_quote` (and, in publication
mode, the researcher's approval: :func:`quote_approved`). Every other text that can end up in a
report or a figure (code names, session and participant ids, validation messages, cohort.yaml
fields) goes through :func:`gate_text`: identifiers are replaced by bracketed labels, and a text
that stays doubtful is replaced whole by :data:`WITHHELD`.

The data validation refuses, naming file, row and column but never the value, every input text
that would carry an identifier into an output; one check per kind of text, the same on every
channel it comes in by:

- identifiers (family, session, participant, coder, REFI-QDA cases, users and text sources):
  :func:`pseudonym_problem`;
- labels (code names and code descriptions of every coding export, survey item texts, every
  text of ``cohort.yaml``): :func:`code_name_problem`;
- file names (every file in the cohort folder, the exports ``cohort.yaml`` names):
  :func:`file_name_problem`.

:func:`label_problems` applies them to a long table of labels (as
:func:`analysis.qualitative.qda.coding_labels` lists a cohort's coding exports),
:func:`config_problems` to every text of ``cohort.yaml`` and :func:`file_name_problems` to the
files of a folder.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pandas as pd

from analysis.privacy.guard import (_FAMILY_WORDS, _TITLES, REPLACEMENTS, check_quote, deidentify,
                                    normalise)
from analysis.privacy.lexicon import NOT_NAMES, NOT_NAMES_LOWER, lexicon

WITHHELD: str = "[weggelaten]"
"""What a gated text becomes when it stays identifying after replacement."""

APPROVAL_FILE: str = "quotes_approved.csv"
"""File in the cohort's raw folder listing approved quote ids (column ``quote_id``)."""

PSEUDONYM_MAX_CHARS: int = 40
"""Longest value accepted in an identifier column (a pseudonym is short)."""

PSEUDONYM_SHAPES: frozenset[str] = frozenset({"plate"})
"""Kinds of finding a pseudonym may look like (``AB-12-CD`` is a plausible code, not a plate)."""

LABEL_WORDS: frozenset[str] = frozenset("fase wijk rol voogd middag".split())
"""Ordinary Dutch words that deduce's name lists hold (``Fase``, ``Wijk``, ``Rol`` are
surnames) and that exports use as column labels or code names ("Fase", "Wijk", "Rol van de
voogd"): never a name in a label (:func:`code_name_problem`). Quotes are guarded as before."""

_KIND_EN: dict[str, str] = {
    "name": "a name", "child_name": "a name", "email": "an e-mail address",
    "phone": "a phone number", "bsn": "a BSN", "number": "a long number",
    "address": "an address", "date": "a date", "institution": "an institution",
    "url": "a web address", "iban": "a bank account", "handle": "a social-media handle",
    "plate": "a licence plate", "school": "a school",
}


def gate_text(value, *, use_deduce: bool = False) -> str:
    """``value`` as it may appear in a publishable output.

    Identifiers are replaced (:func:`analysis.privacy.deidentify`, by default with the patterns
    and deduce's word lists only, which is fast for short labels); when the replaced text would
    still not pass :func:`analysis.privacy.check_quote`, :data:`WITHHELD` is returned.

    >>> gate_text("Thuissituatie"), gate_text("Casus Daan Jansen > Thuissituatie")
    ('Thuissituatie', 'Casus [naam] > Thuissituatie')
    >>> gate_text("bel 06-12345678")
    'bel [telefoonnummer]'
    """
    if value is None:
        return ""
    text = str(value)
    result = check_quote(text, use_deduce=use_deduce)
    if not result.safe:
        return WITHHELD
    return result.clean_text


_PLAIN_VALUE = re.compile(r"-?\d{1,6}(?:[.,]\d{1,6})?|\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|"
                          r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|[A-Za-z]{0,3}")
_SHORT_CODE = re.compile(r"[\d_.-]*(?:[A-Za-z]{1,3}[\d_.-]+)*(?:[A-Za-z]{1,3})?")
"""Codes like ``F01``, ``SW1``, ``RS_SW-01``, ``FG_VT``: no run of more than three letters, so
no name can hide in them (checked without the word scan, fast at 100,000 ids)."""
_LETTERS = re.compile(r"[^\W\d_]+")
_CAMEL = re.compile(r"(?<=[a-zà-ÿ])(?=[A-ZÀ-Þ])")


def gate_value(value) -> str:
    """A value as a validation message may show it: plain numbers and dates as they are (a
    wrong date is no identifier on its own), any other text through :func:`gate_text`.

    >>> gate_value("2023-08-31"), gate_value("12"), gate_value("Daan Jansen")
    ('2023-08-31', '12', '[naam]')
    """
    text = "" if value is None else str(value)
    return text if _PLAIN_VALUE.fullmatch(text.strip()) else gate_text(text)


def pseudonym_problem(value) -> str | None:
    """Why ``value`` does not look like a pseudonym (None when it does).

    A pseudonym is short (at most :data:`PSEUDONYM_MAX_CHARS` characters), on one line, and the
    guard finds no identifier in it (name, phone, e-mail, BSN, address, date, handle, ...).
    The reason never repeats the value.

    >>> pseudonym_problem("F07"), pseudonym_problem("FG_SW"), pseudonym_problem("codeur_A")
    (None, None, None)
    >>> pseudonym_problem("Daan Jansen")
    'a pseudonym (the privacy guard found a name in it; the value is not shown)'
    """
    if value is None:
        return None
    text = normalise(str(value)).strip()
    if not text:
        return None
    if len(text) > PSEUDONYM_MAX_CHARS or "\n" in text:
        return (f"a pseudonym of at most {PSEUDONYM_MAX_CHARS} characters on one line (the value "
                "is not shown)")
    _, findings = deidentify(text.replace("_", " "), use_deduce=False, lower_case_names=False)
    kinds = {_KIND_EN[f.kind] for f in findings if f.kind not in PSEUDONYM_SHAPES}
    if _name_token(text):
        kinds.add("a name")
    if kinds:
        return (f"a pseudonym (the privacy guard found {', '.join(sorted(kinds))} in it; the "
                "value is not shown)")
    return None


def _name_token(text: str) -> bool:
    """Whether a capitalised word of ``text`` (split at anything but letters and at
    ``camelCase``) of three or more letters is a first name or surname of deduce's lists and no
    common word, family word, title or place: ``Anna``, ``Fam_Jansen``, ``DaanJansen``
    (``codeur_A``, ``max_sessions`` and ``ARI`` are none)."""
    lex = lexicon()
    for run in _LETTERS.findall(text):
        for word in _CAMEL.split(run):
            low = word.lower()
            if not word[:1].isupper() or word.isupper() or len(low) < 3:
                continue
            if low in lex.common or low in NOT_NAMES or low in NOT_NAMES_LOWER \
                    or low in LABEL_WORDS or low in _FAMILY_WORDS or low in _TITLES \
                    or low in lex.residences:
                continue
            if low in lex.first_names or low in lex.surnames:
                return True
    return False


def code_name_problem(value) -> str | None:
    """Why a code name (``A > B > C``) holds an identifier (None when it does not).

    >>> code_name_problem("Werkzame elementen > Eén aanspreekpunt") is None
    True
    >>> code_name_problem("Casus Daan Jansen > Thuissituatie")
    'a label without identifiers (the privacy guard found a name in it; the value is not shown)'
    """
    if value is None:
        return None
    text = normalise(str(value))
    _, findings = deidentify(text, use_deduce=False, lower_case_names=False)
    kinds = {_KIND_EN[f.kind] for f in findings}
    if any(" " not in level.strip() and _name_token(level) for level in text.split(">")):
        kinds.add("a name")  # a level that is one name: "Casussen > Jansen"
    if kinds:
        return (f"a label without identifiers (the privacy guard found {', '.join(sorted(kinds))}"
                " in it; the value is not shown)")
    return None


_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_TIMESTAMP = re.compile(r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{0,6}")


def file_name_problem(name) -> str | None:
    """Why a file name (or a path relative to the cohort folder) holds an identifier.

    Each part of the path without its extension, with ``_`` read as a space, goes through the
    guard's patterns and word lists (names only with capitals, a following surname or a family
    word, as for labels); a capitalised word (``SanneVisser`` split at its capitals) that is a
    first name or surname is a name too, an acronym (``ARI``) is not. Dates and timestamps
    (``export_2024-03-01``, ``SDQ_20240301``) are not identifiers in a file name.

    >>> file_name_problem("sdq.csv") is None, file_name_problem("SDQ_export_20240301.csv")
    (True, None)
    >>> file_name_problem("ARI export Sanne Visser.csv")
    'a file name without identifiers (the privacy guard found a name in it; the name is not shown)'
    """
    kinds = {kind for part in _path_parts(name) for _, _, kind in _file_name_spans(part)[1]}
    if kinds:
        return (f"a file name without identifiers (the privacy guard found "
                f"{', '.join(sorted(kinds))} in it; the name is not shown)")
    return None


def shown_file_name(name) -> str:
    """``name`` as a message may show it: each identifier replaced by its bracketed label
    (``ARI export [naam].csv``), so the user finds the file without the name being echoed.

    >>> shown_file_name("coding/ARI_export_Sanne_Visser.csv")
    'coding/ARI_export_[naam].csv'
    """
    shown = []
    for part in _path_parts(name):
        stem, spans = _file_name_spans(part)
        extension = part[len(part) - len(_EXTENSION.search(part).group()):] \
            if _EXTENSION.search(part) else ""
        pieces, last = [], 0
        for start, end, kind in sorted(spans, key=lambda x: (x[0], -x[1])):
            if start >= last:
                pieces += [stem[last:start], "[naam]" if kind == "a name" else
                           _LABEL_OF.get(kind, "[weggelaten]")]
                last = end
        shown.append("".join(pieces) + stem[last:] + extension)
    return "/".join(shown)


def _path_parts(name) -> list[str]:
    return [p for p in str(name).replace("\\", "/").split("/") if p]


_LABEL_OF = {text: REPLACEMENTS[kind] for kind, text in _KIND_EN.items()}


def _file_name_spans(part: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The normalised stem of one path part and its identifiers: ``(start, end, kind)``."""
    stem = _EXTENSION.sub("", normalise(part))
    spaced = stem.replace("_", " ")  # same length: spans apply to ``stem``
    _, findings = deidentify(spaced, use_deduce=False, lower_case_names=False)
    spans = [(f.start, f.end, _KIND_EN[f.kind]) for f in findings if f.kind != "date" and not (
        f.kind == "number" and _TIMESTAMP.fullmatch(re.sub(r"\D", "", spaced[f.start:f.end])))]
    for word in re.finditer(r"[^\W\d_]+", stem):
        pieces = _CAMEL.split(word.group())
        if any(p[:1].isupper() and not p.isupper() and _name_token(p) for p in pieces):
            spans.append((word.start(), word.end(), "a name"))
    return stem, spans


def file_name_problems(names, *, known=()) -> list[tuple[str, str]]:
    """``(shown name, reason)`` for every name in ``names`` that :func:`file_name_problem`
    flags; the shown name is :func:`shown_file_name`. Names in ``known`` (the data contract's
    file names, compared by their last part without extension and case: ``Ari_CP.CSV`` is
    ``ari_cp.csv``) are not checked."""
    known_stems = {_EXTENSION.sub("", _path_parts(k)[-1]).lower() for k in known if str(k)}
    return [(shown_file_name(n), reason) for n in names
            if _EXTENSION.sub("", (_path_parts(n) or [""])[-1]).lower() not in known_stems
            and (reason := file_name_problem(n)) is not None]


_FILE_FIELDS = frozenset({"file", "published_claims"})
"""Keys of ``cohort.yaml`` whose value is a file name (checked as one)."""


def config_problems(text: str) -> list[tuple[int, str, str]]:
    """Every text of a ``cohort.yaml`` (keys and values, at any depth) that holds an identifier.

    Values of ``file:`` and ``published_claims:`` are checked as file names
    (:func:`file_name_problem`), the cohort's ``name`` as an id (:func:`pseudonym_problem`),
    every other text as a label (:func:`code_name_problem`); dates and plain numbers are left
    alone.

    Returns
    -------
    list of (int, str, str)
        ``(line, field, reason)``: the line in the file (1-based), the field as a dotted path
        (``files.sdq.columns``) and the reason, never the value.
    """
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # read_config has refused the file already
    out: list[tuple[int, str, str]] = []
    seen: set[int] = set()
    stack = [(root, "", "")] if root is not None else []
    while stack:
        node, path, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                name = str(k.value) if isinstance(k, yaml.ScalarNode) else "?"
                if path and isinstance(k, yaml.ScalarNode):
                    stack.append((k, path, ""))  # keys below the top level: columns, labels
                stack.append((v, f"{path}.{name}" if path else name, name))
        elif isinstance(node, yaml.SequenceNode):
            stack += [(v, path, key) for v in node.value]
        elif isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
            value = str(node.value)
            if not value.strip() or _PLAIN_VALUE.fullmatch(value.strip()):
                continue
            check = (file_name_problem if key in _FILE_FIELDS else
                     pseudonym_problem if path == "name" else code_name_problem)
            reason = check(value)
            if reason:
                out.append((node.start_mark.line + 1, path or "?", reason))
    return sorted(out)


LABEL_KINDS: tuple[str, ...] = ("id", "label", "file")
"""Kinds of text in :func:`label_problems`: ``id`` (a pseudonym), ``label`` (a code name,
description or other label) and ``file`` (a file name)."""


def label_problems(labels: pd.DataFrame) -> pd.DataFrame:
    """The labels that hold an identifier, with why (never the value).

    Parameters
    ----------
    labels : DataFrame
        Columns ``file``, ``row`` (as the user finds it: spreadsheet row, XML line; may be
        missing), ``column`` (where in the row), ``value`` and ``kind`` (one of
        :data:`LABEL_KINDS`).

    Returns
    -------
    DataFrame
        ``file, row, column, reason``, one row per flagged label, in the input's order.
    """
    columns = ["file", "row", "column", "reason"]
    if labels.empty:
        return pd.DataFrame(columns=columns)
    unknown = set(labels["kind"]) - set(LABEL_KINDS)
    if unknown:
        raise ValueError(f"kind must be one of {LABEL_KINDS}; got {sorted(unknown)}")
    reasons = pd.Series(None, index=labels.index, dtype=object)
    for kind, block in labels.groupby("kind", sort=False):
        if kind == "file":
            reasons[block.index] = block["value"].map(
                lambda v: None if v is None or v != v else file_name_problem(v))
        else:
            reasons[block.index] = identifier_flags(block["value"], code_names=kind == "label")
    flagged = labels[reasons.notna()]
    return flagged.assign(reason=reasons[flagged.index])[columns].reset_index(drop=True)


def identifier_flags(values: pd.Series, *, code_names: bool = False) -> pd.Series:
    """Per value of an identifier column, why it is not a pseudonym (None where it is).

    With ``code_names``, the values are code paths (:func:`code_name_problem`), else ids
    (:func:`pseudonym_problem`). Each distinct value is checked once; the reasons never repeat
    the value, so a validation message can name file, row and column without echoing it.
    """
    check = code_name_problem if code_names else pseudonym_problem
    present = pd.Series(values.dropna().unique(), dtype=object)
    if not code_names:  # codes like F01, SW1, RS_SW-01 need no word scan (fast at 100,000 ids)
        present = present[~present.astype(str).str.fullmatch(_SHORT_CODE.pattern)]
    reasons = {v: r for v in present if (r := check(v)) is not None}
    out = pd.Series(None, index=values.index, dtype=object)
    if reasons:
        hit = values.isin(list(reasons))
        out[hit] = values[hit].map(reasons)
    return out


def read_approved(folder: str | os.PathLike) -> frozenset[str]:
    """Quote ids approved by the researcher: column ``quote_id`` of :data:`APPROVAL_FILE` in
    the cohort ``folder`` (empty when the file is missing)."""
    file = Path(folder) / APPROVAL_FILE
    if not file.is_file():
        return frozenset()
    with file.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return frozenset(str(r.get("quote_id") or "").strip() for r in rows) - {""}


def quote_approved(quote_id: str, approved: frozenset[str]) -> bool:
    """Whether the quote with this id may appear in publication mode."""
    return quote_id in approved


NOT_FOR_PUBLICATION: str = ("*Niet voor publicatie: deze citaten passeerden de automatische "
                            "privacycontrole, maar zijn nog niet door de onderzoeker "
                            "goedgekeurd (quotes_approved.csv).*")
"""Mark above quotes shown in the default mode."""


def with_quote_ids(table: pd.DataFrame, text_column: str = "quote") -> pd.DataFrame:
    """``table`` with a ``quote_id`` column: :func:`analysis.privacy.quote_id` of
    ``session_id/segment_id`` and the text (kept when already present)."""
    from analysis.privacy.guard import quote_id

    out = table.copy()
    if "quote_id" in out.columns or out.empty:
        if out.empty and "quote_id" not in out.columns:
            out["quote_id"] = pd.Series(dtype=object)
        return out
    sources = (out["session_id"].astype(str) + "/" + out["segment_id"].astype(str)
               if {"session_id", "segment_id"} <= set(out.columns)
               else pd.Series([""] * len(out), index=out.index))
    out["quote_id"] = [quote_id(src, str(text)) for src, text in zip(sources, out[text_column])]
    return out


def approved_quotes(table: pd.DataFrame, cohort_folder, *, publication: bool,
                    text_column: str = "quote") -> pd.DataFrame:
    """Quotes that may be shown: in publication mode only those whose id is listed in the
    cohort's :data:`APPROVAL_FILE`; otherwise all (they passed the guard)."""
    out = with_quote_ids(table, text_column)
    if not publication:
        return out
    approved = read_approved(cohort_folder)
    return out[out["quote_id"].isin(approved)]


def review_candidates(quotes: pd.DataFrame, held_back: pd.DataFrame, cohort_folder=None
                      ) -> pd.DataFrame:
    """Every quote candidate for the researcher's review (internal; never publish it).

    Columns ``quote_id``, ``theme``, ``session_id``, ``segment_id``, ``text``, ``status``
    (``approved``, ``passed guard`` or ``held back``) and ``reasons``. Copy the ids to approve
    into ``quotes_approved.csv`` (column ``quote_id``) in the cohort folder.
    """
    approved = read_approved(cohort_folder) if cohort_folder is not None else frozenset()
    passed = with_quote_ids(quotes).assign(text=lambda f: f.get("quote"), reasons="")
    passed["status"] = ["approved" if q in approved else "passed guard"
                        for q in passed["quote_id"]]
    held = with_quote_ids(held_back, "clean_text").assign(
        text=lambda f: f.get("clean_text"), status="held back")
    columns = ["quote_id", "theme", "session_id", "segment_id", "text", "status", "reasons"]
    frames = [f.reindex(columns=columns) for f in (passed, held) if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
