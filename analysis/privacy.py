"""Privacy guard for quotes and open answers: find identifiers in Dutch text and replace them.

Every quote that reaches a report passes :func:`check_quote`. Identifiers are found by
``deduce`` (Menger et al., 2018, Dutch de-identification, LGPL-3.0, imported unmodified) and by
this module's own patterns, then replaced by bracketed pseudonyms (:data:`REPLACEMENTS`):

=========================  ===================================================================
``[naam]``                 person names (deduce)
``[naam kind]``            a name right after a word for a child (``zoon``, ``dochter``, ``kind``
                           ...) or followed by an age (``Daan (9 jaar)``, ``Daan is 9 jaar``)
``[e-mail]``               e-mail addresses
``[telefoonnummer]``       Dutch numbers: ``06-12345678``, ``+31 6 12345678``, ``040-1234567``,
                           ``(0492) 123456``: 10 national digits after ``+31``/``0031``/``0``
``[BSN]``                  9 digits passing the 11-proef (invalid ones are not called BSN)
``[nummer]``               other runs of 8 or more digits (client or file numbers)
``[adres]``                ``Straatnaam 12(a)``, postcodes ``1234 AB``, deduce locations holding
                           a digit or a street word; a bare town name is kept
``[datum]``                ``12-03-2024``, ``2024-03-12``, ``12 maart (2024)``, ``maart 2024``
``[instelling]``           institutions (deduce)
``[url]``                  web addresses
=========================  ===================================================================

Ages alone are kept (the handreiking itself quotes "jeugdige (10 jaar)"), and so are the
organisations of :data:`PUBLIC_TERMS`. After replacement the
text is checked for what the replacement may have missed (:data:`RESIDUAL_CHECKS`) and for too
many identifiers in one quote; a quote failing that is not safe and must be left out. Findings
hold positions, never the identifying text itself.

``deduce`` builds its lookup structures once per installation (about a minute), after which
constructing ``Deduce()`` takes a second or two; the instance is made once per process, only
when a text is checked with ``use_deduce=True``, and cached. It works offline.
"""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

REPLACEMENTS: dict[str, str] = {
    "name": "[naam]", "child_name": "[naam kind]", "email": "[e-mail]",
    "phone": "[telefoonnummer]", "bsn": "[BSN]", "number": "[nummer]", "address": "[adres]",
    "date": "[datum]", "institution": "[instelling]", "url": "[url]",
}
"""Kind of identifier -> bracketed pseudonym put in its place."""

PUBLIC_TERMS: tuple[str, ...] = ("Sociale Teams Helmond", "Sociaal Team Helmond", "Lentl",
                                 "Christelijke Hogeschool Ede", "Register Vaktherapie")
"""Organisations named in the published handreiking: not personal data, never replaced."""

MAX_REPLACEMENTS: int = 3
"""More identifiers than this in one quote make it too identifying to publish as is."""

_MONTHS = (r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
           r"december|jan|feb|mrt|apr|jun|jul|aug|sept|sep|okt|nov|dec")
_STREET_WORDS = (r"straat|laan|weg|plein|singel|gracht|kade|dijk|dreef|hof|park|pad|steeg|baan|"
                 r"allee|markt|erf|wal|dam|ring|boulevard|veld|akker|hoek|vaart|dreef|kamp|wijk")
_CHILD_WORDS = (r"zoon|zoontje|dochter|dochtertje|kind|kindje|jongen|jongetje|meisje|meid|broer|"
                r"broertje|zus|zusje|jeugdige|kleine|baby|peuter|kleuter|tiener|puber|kleinzoon|"
                r"kleindochter|pleegkind|pleegzoon|pleegdochter")
_INTERFIX = {"van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "'t", "en"}
_TITLES = r"(?:juf|meester|mevrouw|meneer|mevr\.?|mw\.?|dhr\.?|dokter|dr\.?|tante|oom|opa|oma)"

_PATTERNS: list[tuple[str, re.Pattern, int]] = [
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), 9),
    ("url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)]"), 8),
    ("date", re.compile(r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b"),
     7),
    ("date", re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\b\.?(?:\s+\d{{4}}\b)?|"
                        rf"\b(?:{_MONTHS})\s+\d{{4}}\b", re.IGNORECASE), 7),
    ("address", re.compile(rf"\b(?:[A-Z][\w'-]*\s+(?:(?:van|de|der|den|het|ter|ten)\s+)*){{0,3}}"
                           rf"(?=[A-Z])[\w'-]*?(?i:{_STREET_WORDS})\s+\d{{1,4}}"
                           rf"(?:\s?[a-zA-Z]\b|-\d{{1,4}}\b)?"), 6),
    ("address", re.compile(r"\b[1-9]\d{3}\s?(?!SA|SD|SS)[A-Z]{2}\b"), 6),
]
_PHONE_START = re.compile(r"(?<![\w+(])\(?(?:\+31|0031|0)(?=[\s\-()]*\d)")
_DIGIT_RUN = re.compile(r"(?<![\d-])\d(?:[ .]?\d){7,}(?![\d-])")

RESIDUAL_CHECKS: dict[str, re.Pattern] = {
    "e-mail address left": re.compile(r"\S+@\S+\.\w+|\b\w+\s*\[?(?:at|apenstaartje)\]?\s*\w+"
                                      r"\s*(?:dot|punt)\s*(?:nl|com)\b", re.IGNORECASE),
    "web address left": re.compile(r"https?://|www\.", re.IGNORECASE),
    "long number left": re.compile(r"\d(?:[\s.-]?\d){5,}"),
    "name after a family word or title left": re.compile(
        rf"\b(?:{_CHILD_WORDS}|moeder|vader|mama|papa|{_TITLES})\s+[A-Z][a-z]{{2,}}\b"),
    "school name left": re.compile(r"\b(?i:basisschool|school|obs|cbs|rkbs|kindcentrum|ikc)\s+"
                                   r"(?i:de\s+|het\s+|'t\s+)?[A-Z]\w+"),
}
"""Patterns checked on the replaced text: each hit makes the quote unsafe, with this reason."""


@dataclass(frozen=True)
class Finding:
    """One identifier found: its kind, position in the original text, replacement and detector."""

    kind: str
    start: int
    end: int
    replacement: str
    source: str


@dataclass(frozen=True)
class QuoteCheck:
    """Result of :func:`check_quote`: publish ``clean_text`` only when ``safe``."""

    safe: bool
    clean_text: str
    reasons: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = field(default=())


def is_valid_bsn(value: str) -> bool:
    """Whether ``value`` (9 digits, separators allowed) passes the BSN 11-proef.

    ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9`` must be a multiple of 11 (and not all zeros).

    >>> is_valid_bsn("111222333"), is_valid_bsn("123456789"), is_valid_bsn("1234.56.782")
    (True, False, True)
    """
    digits = re.sub(r"[\s.]", "", str(value))
    if not re.fullmatch(r"\d{9}", digits) or set(digits) == {"0"}:
        return False
    total = sum(int(d) * w for d, w in zip(digits, (9, 8, 7, 6, 5, 4, 3, 2, -1)))
    return total % 11 == 0


def deidentify(text: str, *, use_deduce: bool = True) -> tuple[str, list[Finding]]:
    """Replace identifiers in Dutch ``text`` by bracketed pseudonyms.

    Parameters
    ----------
    text : str
    use_deduce : bool
        Use deduce for names, locations and institutions (default). False: own patterns only
        (no names found; for fast checks of structured identifiers).

    Returns
    -------
    clean_text : str
    findings : list of Finding
        Sorted by position in ``text``. Overlaps are resolved in favour of the own patterns
        (e-mail, URL, date, address, phone, BSN), then the longer match.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    candidates = _pattern_findings(text)
    if use_deduce:
        candidates += _deduce_findings(text)
    findings = _resolve(candidates)
    findings = [_child_context(text, f) for f in findings]
    clean = text
    for f in sorted(findings, key=lambda f: f.start, reverse=True):
        clean = clean[:f.start] + f.replacement + clean[f.end:]
    return clean, findings


def check_quote(text: str, *, use_deduce: bool = True,
                max_replacements: int = MAX_REPLACEMENTS) -> QuoteCheck:
    """De-identify ``text`` and decide whether it may be published.

    Unsafe when, after replacement, a :data:`RESIDUAL_CHECKS` pattern still matches, or when
    more than ``max_replacements`` identifiers had to be replaced. ``reasons`` says why.
    """
    clean, findings = deidentify(text, use_deduce=use_deduce)
    reasons = [reason for reason, pattern in RESIDUAL_CHECKS.items() if pattern.search(clean)]
    if len(findings) > max_replacements:
        reasons.append(f"too many identifiers ({len(findings)} > {max_replacements})")
    return QuoteCheck(not reasons, clean, tuple(reasons), tuple(findings))


def review_table(texts: Iterable[str], *, ids: Iterable | None = None,
                 use_deduce: bool = True) -> pd.DataFrame:
    """Internal review list of texts that stay unsafe after replacement (never publish it).

    Returns
    -------
    DataFrame
        ``id`` (from ``ids``, else the position), ``clean_text`` (replaced as far as possible),
        ``reasons``; one row per unsafe text.
    """
    texts = list(texts)
    ids = list(ids) if ids is not None else list(range(len(texts)))
    if len(ids) != len(texts):
        raise ValueError(f"ids must match texts; got {len(ids)} ids for {len(texts)} texts")
    rows = []
    for key, text in zip(ids, texts):
        result = check_quote(text, use_deduce=use_deduce)
        if not result.safe:
            rows.append({"id": key, "clean_text": result.clean_text,
                         "reasons": "; ".join(result.reasons)})
    return pd.DataFrame(rows, columns=["id", "clean_text", "reasons"])


def deduce_startup_seconds() -> float:
    """Seconds taken to make the cached ``Deduce()`` instance (0 when already made)."""
    begin = time.perf_counter()
    _deduce()
    return time.perf_counter() - begin


@functools.lru_cache(maxsize=1)
def _deduce():
    """The process's ``Deduce()``, made on first use (only when there is text to check).

    Its lookup structures are millions of small objects read from deduce's cache: with the
    garbage collector paused while they are read, and frozen afterwards (moved out of the
    collector's reach, :func:`gc.freeze`), construction takes about 1.5 s instead of 6.5 s and
    later collections (and the end of the process) do not walk them again (about 3 s each).
    """
    import gc

    from deduce import Deduce

    enabled = gc.isenabled()
    gc.disable()
    try:
        instance = Deduce()
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return instance


def _pattern_findings(text: str) -> list[tuple[Finding, int]]:
    found = []
    for kind, pattern, priority in _PATTERNS:
        found += [(_finding(kind, m.start(), m.end(), "pattern"), priority)
                  for m in pattern.finditer(text)]
    found += [(f, 8) for f in _phone_findings(text)]
    for m in _DIGIT_RUN.finditer(text):
        kind = "bsn" if is_valid_bsn(m.group()) else "number"
        found.append((_finding(kind, m.start(), m.end(), "pattern"), 5))
    return found


def _phone_findings(text: str) -> list[Finding]:
    """Dutch phone numbers: a prefix (``0``, ``+31``, ``0031``) and 9 more national digits."""
    found = []
    for m in _PHONE_START.finditer(text):
        digits, end = "0", m.end()
        while end < len(text) and len(digits) < 10 and text[end] in "0123456789 -()":
            digits += text[end] if text[end].isdigit() else ""
            if digits == "00":  # "+31 (0)6 ...": the (0) repeats the trunk prefix
                digits = "0"
            end += 1
        if len(digits) == 10 and not (end < len(text) and text[end].isdigit()):
            found.append(_finding("phone", m.start(), end, "pattern"))
    return found


def _deduce_findings(text: str) -> list[tuple[Finding, int]]:
    public = [m.span() for term in PUBLIC_TERMS
              for m in re.finditer(re.escape(term), text, re.IGNORECASE)]
    found = []
    for a in _deduce().deidentify(text).annotations:
        start, end, tag = int(a.start_char), int(a.end_char), str(a.tag).lower()
        if any(lo <= start and end <= hi for lo, hi in public):
            continue
        kind = _deduce_kind(tag, text[start:end])
        if kind is None:
            continue
        if kind == "bsn" and not is_valid_bsn(text[start:end]):
            kind = "number"
        if kind == "name":
            start, end = _trim_name(text, start, end)
            if start >= end:
                continue
        found.append((_finding(kind, start, end, "deduce"), 1))
    return found


def _deduce_kind(tag: str, span: str) -> str | None:
    if "persoon" in tag or "patient" in tag or "naam" in tag:
        return "name"
    if "locatie" in tag:
        street = re.search(rf"(?i:{_STREET_WORDS})\b", span)
        return "address" if re.search(r"\d", span) or street else None
    if "instelling" in tag or "ziekenhuis" in tag:
        return "institution"
    return {"datum": "date", "telefoonnummer": "phone", "emailadres": "email", "url": "url",
            "bsn": "bsn", "id": "number"}.get(tag)


def _trim_name(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a name span: no trailing interfix words or spaces, no leading title."""
    words = text[start:end].split(" ")
    while words and (not words[-1].strip() or words[-1].lower() in _INTERFIX):
        end -= len(words.pop()) + (1 if words else 0)
    title = re.match(rf"{_TITLES}\s+", text[start:end], re.IGNORECASE)
    if title and title.end() < end - start:
        start += title.end()
    return start, max(start, end)


def _child_context(text: str, finding: Finding) -> Finding:
    if finding.kind != "name":
        return finding
    before = text[max(0, finding.start - 40):finding.start]
    after = text[finding.end:finding.end + 25]
    child = (re.search(rf"\b(?:{_CHILD_WORDS})\b\s*[,:]?\s*$", before, re.IGNORECASE)
             or re.match(r"\s*[(,]\s*\d{1,2}\s*(?:jaar|jr)\b|\s+is\s+\d{1,2}\s+jaar\b", after,
                         re.IGNORECASE))
    if not child:
        return finding
    return Finding("child_name", finding.start, finding.end, REPLACEMENTS["child_name"],
                   finding.source)


def _finding(kind: str, start: int, end: int, source: str) -> Finding:
    return Finding(kind, start, end, REPLACEMENTS[kind], source)


def _resolve(candidates: list[tuple[Finding, int]]) -> list[Finding]:
    """Keep non-overlapping findings: higher priority first, then longer, then earlier."""
    kept: list[Finding] = []
    for finding, _ in sorted(candidates, key=lambda c: (-c[1], -(c[0].end - c[0].start),
                                                        c[0].start)):
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)
