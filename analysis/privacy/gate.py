"""The one gate for every text that can reach a publishable output (``reports/``, ``figures/``).

Quotes and open answers go through :func:`analysis.privacy.check_quote` (and, in publication
mode, the researcher's approval: :func:`quote_approved`). Every other text that can end up in a
report or a figure (code names, session and participant ids, validation messages, cohort.yaml
fields) goes through :func:`gate_text`: identifiers are replaced by bracketed labels, and a text
that stays doubtful is replaced whole by :data:`WITHHELD`.

Identifier columns must hold pseudonyms: :func:`pseudonym_problem` says why a value does not
look like one (the data validation refuses it, naming file, row and column but never the value).
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pandas as pd

from analysis.privacy.guard import check_quote, deidentify, normalise

WITHHELD: str = "[weggelaten]"
"""What a gated text becomes when it stays identifying after replacement."""

APPROVAL_FILE: str = "quotes_approved.csv"
"""File in the cohort's raw folder listing approved quote ids (column ``quote_id``)."""

PSEUDONYM_MAX_CHARS: int = 40
"""Longest value accepted in an identifier column (a pseudonym is short)."""

PSEUDONYM_SHAPES: frozenset[str] = frozenset({"plate"})
"""Kinds of finding a pseudonym may look like (``AB-12-CD`` is a plausible code, not a plate)."""

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
_CODE_LIKE = re.compile(r"(?:[A-Za-z]{1,3}|\d{1,6}|[_.-])+")


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
    _, findings = deidentify(text, use_deduce=False, lower_case_names=False)
    findings = [f for f in findings if f.kind not in PSEUDONYM_SHAPES]
    if findings:
        kinds = sorted({_KIND_EN[f.kind] for f in findings})
        return (f"a pseudonym (the privacy guard found {', '.join(kinds)} in it; the value is "
                "not shown)")
    return None


def code_name_problem(value) -> str | None:
    """Why a code name (``A > B > C``) holds an identifier (None when it does not).

    >>> code_name_problem("Werkzame elementen > Eén aanspreekpunt") is None
    True
    >>> code_name_problem("Casus Daan Jansen > Thuissituatie")
    'a label without identifiers (the privacy guard found a name in it; the value is not shown)'
    """
    if value is None:
        return None
    _, findings = deidentify(normalise(str(value)), use_deduce=False, lower_case_names=False)
    if findings:
        kinds = sorted({_KIND_EN[f.kind] for f in findings})
        return (f"a label without identifiers (the privacy guard found {', '.join(kinds)} in "
                "it; the value is not shown)")
    return None


def identifier_flags(values: pd.Series, *, code_names: bool = False) -> pd.Series:
    """Per value of an identifier column, why it is not a pseudonym (None where it is).

    With ``code_names``, the values are code paths (:func:`code_name_problem`), else ids
    (:func:`pseudonym_problem`). Each distinct value is checked once; the reasons never repeat
    the value, so a validation message can name file, row and column without echoing it.
    """
    check = code_name_problem if code_names else pseudonym_problem
    present = pd.Series(values.dropna().unique(), dtype=object)
    if not code_names:  # codes like F01, SW1, RS_SW-01 need no word scan (fast at 100,000 ids)
        present = present[~present.astype(str).str.fullmatch(_CODE_LIKE.pattern)]
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
