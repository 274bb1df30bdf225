"""The guard: find identifiers in Dutch text, replace them, and decide what may be published.

Every text first goes through :func:`normalise` (Unicode NFKC, invisible format characters
removed, dashes and spaces unified), so ``06\u200b-\u200b1234\u20605678`` or full-width digits are
seen as the phone number they are. Identifiers are then found by

- this module's patterns (:data:`REPLACEMENTS` lists the kinds): e-mail, web address, IBAN in
  any spacing (masked whole), Dutch and international phone numbers with any separators, BSN
  (11-proef), other long numbers, postcodes, street + house number, dates (and "geboren in
  2012"), licence plates (the Dutch side codes), social-media handles;
- a word scan against deduce's own lookup lists, case-insensitive (:mod:`.lexicon`): first
  names and surnames (``jan jansen``, ``onze zoon daan``), street names without a number
  (``Kastanjelaan``), named schools (``de Theresiaschool``, ``basisschool De Regenboog``);
- ``deduce`` itself (Menger et al., 2018; LGPL-3.0, imported unmodified) for names found by
  context, institutions and locations.

Recall over precision: :func:`check_quote` calls a text unsafe (held back for review, never
published) when anything identifying is left after replacement (:data:`RESIDUAL_CHECKS`), when
more than :data:`MAX_REPLACEMENTS` identifiers had to be replaced, or when it combines
quasi-identifiers (an age with a school, street or place).

Linear time. Every pattern has bounded repetition (no nested or unbounded quantifier that can
backtrack over the whole text) and the word scan visits each word once; deduce reads the text
in chunks of at most :data:`DEDUCE_CHUNK` characters. ``benchmarks/privacy_speed.py`` reports
seconds for 40 KB, 1 MB and 10 MB.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

import pandas as pd

from analysis.privacy.lexicon import (NOT_NAMES, NOT_NAMES_LOWER, NOT_STREETS, PUBLIC_NAMES,
                                      STREET_SUFFIXES, lexicon)

REPLACEMENTS: dict[str, str] = {
    "name": "[naam]", "child_name": "[naam kind]", "email": "[e-mail]",
    "phone": "[telefoonnummer]", "bsn": "[BSN]", "number": "[nummer]", "address": "[adres]",
    "date": "[datum]", "institution": "[instelling]", "url": "[url]", "iban": "[IBAN]",
    "handle": "[account]", "plate": "[kenteken]", "school": "[school]",
}
"""Kind of identifier -> bracketed pseudonym put in its place."""

PUBLIC_TERMS: tuple[str, ...] = ("Sociale Teams Helmond", "Sociaal Team Helmond", "Lentl",
                                 "Christelijke Hogeschool Ede", "Register Vaktherapie")
"""Organisations named in the published handreiking: not personal data, never replaced."""

MAX_REPLACEMENTS: int = 3
"""More identifiers than this in one quote make it too identifying to publish as is."""

DEDUCE_CHUNK: int = 20_000
"""Characters handed to deduce at once (cut at whitespace), so its memory stays bounded."""

_ZERO_WIDTH = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
                         "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]")
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def normalise(text: str) -> str:
    """``text`` in NFKC with invisible characters removed and dashes and spaces made plain.

    >>> normalise("06\u200b-\u20601234\u00a05678"), normalise("\uff10\uff16")
    ('06-1234 5678', '06')
    """
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", _DASHES.sub("-", _ZERO_WIDTH.sub("", text)))


_MONTHS = (r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
           r"december|jan|feb|mrt|apr|jun|jul|aug|sept|sep|okt|nov|dec")
_STREET_WORDS = "|".join(STREET_SUFFIXES)
_CHILD_WORDS = frozenset("""zoon zoontje dochter dochtertje kind kindje jongen jongetje meisje
meid broer broertje zus zusje jeugdige kleine baby peuter kleuter tiener puber kleinzoon
kleindochter pleegkind pleegzoon pleegdochter""".split())
_FAMILY_WORDS = _CHILD_WORDS | frozenset("moeder vader mama papa mam pap ouder stiefvader "
                                         "stiefmoeder man vrouw vriend vriendin partner".split())
_TITLES = frozenset("juf meester mevrouw meneer mevr mw dhr dokter dr tante oom opa oma "
                    "collega therapeut".split())
_INTERFIX = frozenset({"van", "de", "der", "den", "het", "ter", "ten", "te", "op", "in", "'t",
                       "v.d.", "vd", "la", "le", "du", "da", "di", "el", "al", "bin"})
_SCHOOL_WORDS = ("school", "college", "lyceum", "kindcentrum", "gymnasium", "atheneum",
                 "academie", "peuterspeelzaal", "kinderopvang", "bso", "kdv", "ikc")
_GENERIC_SCHOOLS = frozenset("""school basisschool hogeschool middelbareschool kleuterschool
dagschool zwemschool muziekschool dansschool rijschool brugklasschool vakschool
praktijkschool vmboschool mbo-school speciaalonderwijsschool sbo-school zmlk-school
nieuwe-school scholen college lyceum gymnasium atheneum academie kindcentrum
peuterspeelzaal kinderopvang bso kdv ikc schoolmaatschappelijk""".split())

_DIMINUTIVES = ("tje", "tjes", "pje", "pjes", "kje", "kjes")
_B = r"(?<![\w])"  # word start without \b's cost on long runs
_PATTERNS: list[tuple[str, re.Pattern, int]] = [
    ("email", re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[A-Za-z0-9-]{1,63}"
                         r"(?:\.[A-Za-z0-9-]{1,63}){0,6}\.[A-Za-z]{2,24}(?![\w])"), 9),
    ("url", re.compile(r"(?<![\w])(?:https?://|www\.)[^\s<>\"]{1,300}", re.IGNORECASE), 8),
    ("date", re.compile(_B + r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2}))"
                        r"(?![\w])"), 7),
    ("date", re.compile(_B + rf"(?:\d{{1,2}} {{1,3}}(?:{_MONTHS})\.?(?: {{1,3}}\d{{4}})?"
                        rf"|(?:{_MONTHS}) {{1,3}}\d{{4}})(?![\w])", re.IGNORECASE), 7),
    ("date", re.compile(r"(?<![\w])(?:geboren|geb\.|geboortedatum|geboortejaar)[ :]{0,3}"
                        r"(?:op |in )?(?:\d{1,2}[ -/.]{1,3}){0,2}\d{2,4}(?![\w])",
                        re.IGNORECASE), 7),
    ("address", re.compile(r"(?<![\w])(?:[A-Z][\w'-]{0,30} (?:(?:van|de|der|den|het|ter|ten) )"
                           rf"{{0,3}}){{0,3}}(?=[A-Z])[\w'-]{{0,40}}(?i:{_STREET_WORDS}) {{1,3}}\d{{1,4}}"
                           r"(?: ?[a-zA-Z](?![\w])|-\d{1,4}(?![\w]))?"), 6),
    ("street_lower", re.compile(rf"(?<![\w])[a-z][\w'-]{{0,40}}(?:{_STREET_WORDS}) {{1,3}}"
                                r"\d{1,4}(?: ?[a-zA-Z](?![\w])|-\d{1,4}(?![\w]))?"), 6),
    ("address", re.compile(r"(?<![\w])[1-9]\d{3} ?(?!SA|SD|SS)[A-Z]{2}(?![\w])|"
                           r"(?<![\w])[1-9]\d{3}(?!sa|sd|ss)[a-z]{2}(?![\w])"), 6),
    ("plate", re.compile(r"(?<![\w-])[A-Za-z0-9]{1,3}-[A-Za-z0-9]{1,3}-[A-Za-z0-9]{1,3}"
                         r"(?![\w-])"), 7),
    ("plate", re.compile(r"(?<![\w-])(?=[A-Z0-9]{6}(?![\w-]))(?=[A-Z]{0,5}\d)(?=\d{0,5}[A-Z])"
                         r"(?:[A-Z]{1,3}\d{1,3}[A-Z]{0,3}|\d{1,3}[A-Z]{1,3}\d{0,3})(?![\w-])"),
     7),
    ("handle", re.compile(r"(?<![\w.@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,40}"), 6),
]
IBAN_LENGTHS: dict[str, int] = {
    "NL": 18, "BE": 16, "DE": 22, "FR": 27, "GB": 22, "LU": 20, "ES": 24, "IT": 27, "PT": 25,
    "AT": 20, "CH": 21, "DK": 18, "FI": 18, "IE": 22, "NO": 15, "PL": 28, "SE": 24, "TR": 26,
    "MA": 28, }
"""IBAN length per country (ISO 13616 registry); other countries: any length 15-34 that
passes the check."""
_IBAN_START = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?=[ .-]?[A-Za-z0-9])")
_PHONE_START = re.compile(r"(?<![\w+(])\(?(?:\+|00)?(?:31|0)(?=[ \-()./]{0,3}\d)|"
                          r"(?<![\w+(])(?:\+|00)(?!31)[1-9]\d{0,2}(?=[ \-()./]{0,3}\d)")
_DIGIT_RUN = re.compile(r"(?<![\d-])\d(?:[ .]?\d){7,40}(?![\d-])")
_AGE = re.compile(r"(?<![\w])\d{1,2} ?(?:jaar|jr|jarige)(?![\w])|(?<![\w])(?:groep|klas) "
                  r"?[1-8](?![\w])", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_])){0,60}")

MAIL_PROVIDERS: frozenset[str] = frozenset("""hotmail gmail googlemail outlook ziggo kpnmail
kpnplanet xs4all icloud yahoo msn hetnet casema upcmail chello telfort quicknet zeelandnet
caiway protonmail""".split())
"""Mail providers that make ``naam at gmail`` an e-mail address without a top-level domain."""
TOP_LEVEL_DOMAINS: frozenset[str] = frozenset("""nl com be org net eu info nu de fr uk io co
email online""".split())
"""Top-level domains that end an e-mail address written in words (``... punt nl``)."""
_AT_WORDS = r"(?:at|apenstaartje|apestaartje|apenstaart|apestaart)"
_DOT_WORDS = r"(?:punt|puntje|dot)"
_AT_SIGN = (rf"(?: {{1,2}}{_AT_WORDS} {{1,2}}| {{0,2}}[\[(] {{0,2}}{_AT_WORDS} {{0,2}}[\])] {{0,2}}"
            rf"| {{0,2}}@ {{0,2}})")
_DOT_SIGN = (rf"(?: {{1,2}}{_DOT_WORDS} {{1,2}}| {{0,2}}[\[(] {{0,2}}{_DOT_WORDS} {{0,2}}[\])] {{0,2}}"
             rf"| {{0,2}}\.)")
_EMAIL_WORDS = re.compile(rf"(?<![\w@])[\w+-]{{1,64}}(?:\.[\w+-]{{1,64}}){{0,4}}{_AT_SIGN}"
                          rf"[\w-]{{1,63}}(?:{_DOT_SIGN}[\w-]{{1,63}}){{0,3}}", re.IGNORECASE)
_EMAIL_LABEL = re.compile(r"[\w-]{1,63}")
_EMAIL_BEFORE = re.compile(rf"(?:([\w+-]{{1,40}}) {{1,2}}(?:{_DOT_WORDS}|underscore|streepje)"
                           rf" {{1,2}}|([^\W\d_][\w'-]{{0,40}}) {{1,2}})$", re.IGNORECASE)
_DECIMAL = re.compile(r"(?<![\w.,])[-+]?(?:0|[1-9]\d{0,5})[.,]\d{1,40}(?![\d]|[.,]\d)")
"""A number with a decimal separator (``0,0211726811``, ``-2,9``, ``0.25``): its fractional
digits are no phone number, BSN or long number. A phone number never reads like this: its
integer part would start with 0 and have more digits (``06.12345678``)."""

RESIDUAL_CHECKS: dict[str, re.Pattern] = {
    "e-mail address left": re.compile(r"@[\w-]{1,63}\.\w{2,}|(?<![\w])[\w.-]{1,64} {0,2}[\[(]? {0,2}"
                                      r"(?:at|apenstaartje)[\])]? {0,2}[\w-]{1,63} {0,2}[\[(]? {0,2}"
                                      r"(?:dot|punt)[\])]? {0,2}(?:nl|com|be|org|net)(?![\w])",
                                      re.IGNORECASE),
    "handle left": re.compile(r"(?<![\w])@\w"),
    "web address left": re.compile(r"https?://|www\.", re.IGNORECASE),
    "long number left": re.compile(r"\d(?:[ .-]?\d){5}"),
    "school name left": re.compile(r"(?<![\w])(?:basisschool|school|obs|cbs|rkbs|kindcentrum|ikc)"
                                   r" {1,3}(?:de |het |'t )?(?-i:[A-Z])\w", re.IGNORECASE),
}
"""Patterns checked on the replaced text: each hit makes the quote unsafe, with this reason."""


@dataclass(frozen=True)
class Finding:
    """One identifier found: its kind, position in the normalised text, replacement, detector."""

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


def is_valid_iban(value: str) -> bool:
    """Whether ``value`` (separators allowed) passes the IBAN mod-97 check (ISO 13616).

    >>> is_valid_iban("NL91 ABNA 0417 1643 00"), is_valid_iban("NL91ABNA0417164301")
    (True, False)
    """
    code = re.sub(r"[\s.-]", "", str(value)).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", code):
        return False
    moved = code[4:] + code[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def quote_id(source: str, text: str) -> str:
    """Stable id of a quote candidate: first 12 hex digits of SHA-256 of ``source`` and
    ``text`` (the original text), so the same quote keeps its id across runs.

    >>> quote_id("S1/S1-01", "Het ging goed.")
    '12564e8a746b'
    """
    return hashlib.sha256(f"{source}\x1f{text}".encode("utf-8")).hexdigest()[:12]


def deidentify(text: str, *, use_deduce: bool = True, lower_case_names: bool = True,
               public: Iterable[str] = ()) -> tuple[str, list[Finding]]:
    """Replace identifiers in Dutch ``text`` by bracketed pseudonyms.

    Parameters
    ----------
    text : str
    use_deduce : bool
        Also run deduce (default). False: the patterns and the word lists only (names from the
        lists are still found; names found only by context are not).
    lower_case_names : bool
        Take a lower-case word from the first-name list for a name anywhere (default, for
        quotes: recall first). False (for labels and ids): only after a family word or title,
        or followed by a surname (``jan jansen``), since many first names are Dutch words.
    public : iterable of str
        Further public names to leave alone (besides :data:`PUBLIC_TERMS` and
        :data:`~analysis.privacy.lexicon.PUBLIC_NAMES`), e.g. the eponyms and cited authors
        the compendium's own outputs print (:data:`~analysis.privacy.lexicon.CITED_NAMES`).

    Returns
    -------
    clean_text : str
        The normalised text (:func:`normalise`) with every finding replaced.
    findings : list of Finding
        Positions in the normalised text, sorted. Overlaps are resolved by priority (e-mail,
        IBAN, URL, phone, date, plate, address, handle, numbers, schools, names), then length.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}")
    text = normalise(text)
    candidates = _pattern_findings(text) + _word_findings(text, lower_case_names)
    if use_deduce:
        candidates += _deduce_findings(text)
    findings = _resolve(_outside_public(text, _without_decimals(text, candidates),
                                        tuple(public)))
    pieces, last = [], 0
    for f in findings:
        pieces += [text[last:f.start], f.replacement]
        last = f.end
    pieces.append(text[last:])
    return "".join(pieces), findings


def check_quote(text: str, *, use_deduce: bool = True,
                max_replacements: int = MAX_REPLACEMENTS) -> QuoteCheck:
    """De-identify ``text`` and decide whether it may be published.

    Unsafe when, after replacement, a :data:`RESIDUAL_CHECKS` pattern still matches, when more
    than ``max_replacements`` identifiers had to be replaced, or when the text combines an age
    (``9 jaar``, ``groep 7``) with a school, street, address or place name. ``reasons`` says why.
    """
    clean, findings = deidentify(text, use_deduce=use_deduce)
    plain = _DECIMAL.sub("0", clean)  # a decimal's digits are no number left
    reasons = [reason for reason, pattern in RESIDUAL_CHECKS.items() if pattern.search(plain)]
    if len(findings) > max_replacements:
        reasons.append(f"too many identifiers ({len(findings)} > {max_replacements})")
    combination = _combination(normalise(text), findings)
    if combination:
        reasons.append(combination)
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
    garbage collector paused while they are read, and frozen afterwards (:func:`gc.freeze`),
    construction takes about 1.5 s instead of 6.5 s and later collections do not walk them.
    """
    import gc

    from analysis.privacy.prepare import collector_paused, import_deduce

    Deduce = import_deduce().Deduce
    with collector_paused():
        instance = Deduce()
    gc.freeze()
    return instance


# --------------------------------------------------------------------------- detectors

def _finding(kind: str, start: int, end: int, source: str) -> Finding:
    return Finding(kind, start, end, REPLACEMENTS[kind], source)


def _pattern_findings(text: str) -> list[tuple[Finding, int]]:
    found = []
    for kind, pattern, priority in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if kind == "url":
                end = start + len(m.group().rstrip(".,;:!?)'\""))
            if kind == "plate" and not _plate_shape(m.group()):
                continue
            if kind == "street_lower":
                word = m.group().split(" ")[0].lower()
                if word in NOT_STREETS or word not in lexicon().streets:
                    continue
                kind = "address"
            found.append((_finding(kind, start, end, "pattern"), priority))
    found += [(f, 9) for f in _iban_findings(text)]
    found += [(f, 8) for f in _phone_findings(text)]
    for m in _DIGIT_RUN.finditer(text):
        kind = "bsn" if is_valid_bsn(m.group()) else "number"
        found.append((_finding(kind, m.start(), m.end(), "pattern"), 5))
    found += [(f, 9) for f in _email_word_findings(text)]
    return _without_decimals(text, found)


_NUMBER_KINDS = frozenset({"phone", "bsn", "number"})


def _without_decimals(text: str, found: list) -> list:
    """``found`` without phone, BSN and number findings inside a decimal's fraction."""
    if not any(f.kind in _NUMBER_KINDS for f, _ in found):
        return found
    fractions = [(m.start() + re.search(r"[.,]", m.group()).start() + 1, m.end())
                 for m in _DECIMAL.finditer(text)]
    if not fractions:
        return found
    return [(f, p) for f, p in found
            if f.kind not in _NUMBER_KINDS or not _overlapping(fractions, f.start, f.end)]


def _overlapping(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The spans of ``spans`` (sorted, not overlapping each other) that overlap
    ``[start, end)``; a binary search, so checking every finding stays O(n log n)."""
    import bisect

    index = bisect.bisect_right(_Ends(spans), start)
    out = []
    while index < len(spans) and spans[index][0] < end:
        out.append(spans[index])
        index += 1
    return out


class _Ends:
    """The ends of sorted spans as a sequence for :mod:`bisect`, without copying them."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, index: int) -> int:
        return self.spans[index][1]


def _email_word_findings(text: str) -> list[Finding]:
    """E-mail addresses written in words: ``jan.devries at hotmail punt nl``, ``jan punt de
    vries apenstaartje gmail punt com``, ``petra (at) kpnmail (dot) nl``, ``daan @ live.nl``.

    The address ends at the last label that is a top-level domain (:data:`TOP_LEVEL_DOMAINS`),
    or at the provider when that is a mail provider (:data:`MAIL_PROVIDERS`); names, interfixes
    and ``punt``/``dot`` chains just before the local part are taken in (at most four words).
    """
    found = []
    for m in _EMAIL_WORDS.finditer(text):
        at = re.search(rf"(?i)(?<![\w]){_AT_WORDS}(?![\w])|@", m.group())
        labels = list(_EMAIL_LABEL.finditer(m.group(), at.end()))
        labels = [lab for lab in labels if lab.group().lower() not in ("punt", "puntje", "dot")]
        if not labels:
            continue
        ends = [lab.end() for lab in labels[1:] if lab.group().lower() in TOP_LEVEL_DOMAINS]
        if ends:
            end = m.start() + ends[-1]
        elif labels[0].group().lower() in MAIL_PROVIDERS:
            end = m.start() + labels[0].end()
        else:
            continue
        found.append(_finding("email", _email_start(text, m.start()), end, "pattern"))
    return found


def _email_start(text: str, start: int) -> int:
    """Start of an e-mail address in words, taking in the name words just before it."""
    lex = lexicon()
    for _ in range(4):
        before = _EMAIL_BEFORE.search(text[max(0, start - 60):start])
        if before is None:
            break
        word = (before.group(1) or before.group(2)).lower()
        if before.group(2) is not None and not (
                word in _INTERFIX or ((word in lex.first_names or word in lex.surnames)
                                      and word not in lex.common and word not in NOT_NAMES_LOWER)):
            break
        start -= len(before.group())
    return start


def _plate_shape(value: str) -> bool:
    """Dutch licence plate: 6 letters and digits, both present, letters in one group at least."""
    groups = value.split("-")
    alnum = "".join(groups)
    if len(alnum) != 6 or alnum.isdigit() or alnum.isalpha():
        return False
    return all(g.isdigit() or g.isalpha() for g in groups)


def _iban_findings(text: str) -> list[Finding]:
    """IBANs in any spacing: 2 letters, 2 digits, then 11-30 letters or digits with single
    separators; a Dutch shape (``NL`` + 2 digits + 4 letters + 10 digits) or a valid check."""
    found = []
    for m in _IBAN_START.finditer(text):
        chars, end, last_end = [], m.end(), m.end()
        while end < len(text) and len(chars) < 30:
            c = text[end]
            if c.isalnum() and c.isascii():
                chars.append(c)
                last_end = end + 1
            elif not (c in " .-" and end + 1 < len(text) and text[end + 1].isalnum()):
                break
            end += 1
        body = "".join(chars).upper()
        head = m.group().upper()
        if head.startswith("NL") and re.match(r"[A-Z]{4}\d{10}", body):
            stop = _position_after(text, m.end(), 14)
            found.append(_finding("iban", m.start(), stop, "pattern"))
        elif len(body) >= 11:
            lengths = ([IBAN_LENGTHS[head[:2]] - 4] if head[:2] in IBAN_LENGTHS
                       else range(len(body), 10, -1))
            for n in lengths:
                if n <= len(body) and is_valid_iban(head + body[:n]):
                    found.append(_finding("iban", m.start(), _position_after(text, m.end(), n),
                                          "pattern"))
                    break
        del last_end
    return found


def _position_after(text: str, start: int, n_alnum: int) -> int:
    """Position just after the ``n_alnum``-th letter or digit from ``start``."""
    seen, end = 0, start
    while end < len(text) and seen < n_alnum:
        if text[end].isalnum():
            seen += 1
        end += 1
    return end


def _phone_findings(text: str) -> list[Finding]:
    """Phone numbers: a Dutch prefix (``0``, ``+31``, ``0031``) and 9 more national digits, or
    an international prefix and 8-12 digits; separators `` -()./`` anywhere."""
    found = []
    for m in _PHONE_START.finditer(text):
        prefix = m.group()
        dutch = "31" in prefix or prefix.lstrip("(") == "0"
        digits, end = ("0" if dutch else ""), m.end()
        needed = (10, 10) if dutch else (8, 12)
        while end < len(text) and len(digits) < needed[1] and text[end] in "0123456789 -()./":
            if text[end] in " -()./" and end + 1 < len(text) and text[end + 1] in " -()./" \
                    and text[end:end + 2] not in (") ", " (", "(0", ")-"):
                if text[end:end + 3] != " - ":
                    break
            digits += text[end] if text[end].isdigit() else ""
            if dutch and digits == "00":  # "+31 (0)6 ...": the (0) repeats the trunk prefix
                digits = "0"
            end += 1
        while end > m.end() and not text[end - 1].isdigit():
            end -= 1
        if needed[0] <= len(digits) <= needed[1] and not (end < len(text) and text[end].isdigit()):
            found.append(_finding("phone", m.start(), end, "pattern"))
    return found


def _word_findings(text: str, lower_case_names: bool = True) -> list[tuple[Finding, int]]:
    """Names, streets and schools from the word lists, one pass over the words."""
    lex = lexicon()
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    found: list[tuple[Finding, int]] = []
    name_run: list[int] = []  # indices of words in the current name
    previous_name_end = -1
    after_interfix = False

    def close_run():
        if name_run:
            start, end = words[name_run[0]][0], words[name_run[-1]][1]
            before = words[name_run[0] - 1][2].lower() if name_run[0] > 0 else ""
            kind = "child_name" if before in _CHILD_WORDS or _age_after(text, end) else "name"
            found.append((_finding(kind, start, end, "lexicon"), 3))
            name_run.clear()

    for i, (start, end, word) in enumerate(words):
        low = word.lower().rstrip(".")
        if low.endswith("'s") or low.endswith("’s"):
            low = low[:-2]
        capital = word[0].isupper()
        if 1 < len(word) <= 5 and word.isupper() and not (
                i > 0 and words[i - 1][2].lower() in (_FAMILY_WORDS | _TITLES)):
            close_run()  # an acronym (ARI, SDQ, GGZ), not a name
            continue
        gap = text[previous_name_end:start] if name_run else ""
        adjacent = bool(name_run) and len(gap) <= 2 and gap.strip() in ("", "-")
        common = (low in lex.common or low in _FAMILY_WORDS or low in _TITLES
                  or low in lex.residences or low in NOT_NAMES)
        first = low in lex.first_names and not common and (capital or (
            low not in NOT_NAMES_LOWER and not low.endswith(_DIMINUTIVES)))
        surname = low in lex.surnames and not common and (capital or low not in NOT_NAMES_LOWER)
        if name_run and adjacent and low in _INTERFIX:
            previous_name_end, after_interfix = end, True
            continue
        if name_run and adjacent and (first or surname or (capital and (
                not common or after_interfix))):
            name_run.append(i)
            previous_name_end, after_interfix = end, False
            continue
        after_interfix = False
        close_run()
        after_family = i > 0 and words[i - 1][2].lower() in (_FAMILY_WORDS | _TITLES) and \
            len(text[words[i - 1][1]:start]) <= 3 and \
            text[words[i - 1][1]:start].strip() in ("", ",", ":")
        sentence_start = _sentence_start(text, start)
        if first and not capital and not lower_case_names and not after_family:
            following = words[i + 1][2].lower() if i + 1 < len(words) and \
                text[end:words[i + 1][0]] == " " else ""
            first = following in lex.surnames and following not in lex.common
        if first or (surname and capital and (not sentence_start or after_family)) or (
                after_family and capital and not common and len(low) > 1):
            name_run.append(i)
            previous_name_end = end
            continue
        kind = _place_kind(low, capital, sentence_start, lex)
        if kind == "school":
            begin = _school_start(words, i)
            found.append((_finding("school", begin, end, "lexicon"), 4))
        elif kind == "address":
            found.append((_finding("address", start, end, "lexicon"), 4))
    close_run()
    return found


def _place_kind(low: str, capital: bool, sentence_start: bool, lex) -> str | None:
    if any(low.endswith(s) for s in _SCHOOL_WORDS) and low not in _GENERIC_SCHOOLS:
        return "school"
    if low in NOT_STREETS or low in lex.common:
        return None
    if low.endswith(STREET_SUFFIXES) and len(low) > 4 and (low in lex.streets or (
            capital and not sentence_start and not _NOUN_ENDING.search(low))):
        return "address"
    return None


_NOUN_ENDING = re.compile(r"[aeiouy]ring$")
"""Nouns like ``Ervaring``, ``Vergadering``, ``Verandering`` end like a street (``Westring``)
but are none: a capitalised word ending so is a street only when the street list has it."""


def _school_start(words, i: int) -> int:
    """Start of a school name: include a preceding capitalised word or 'basisschool'."""
    start = words[i][0]
    if i > 0 and words[i - 1][2][0].isupper() and words[i - 1][2].lower() not in ("de", "het"):
        start = words[i - 1][0]
    return start


def _sentence_start(text: str, start: int) -> bool:
    """Whether ``start`` begins a sentence, a line, a list item or a level of a code path
    (``Kind > Boosheid``, or ``└ Korte lijnen`` as the code-tree figure of
    :mod:`analysis.report.figures.qualitative` draws a level): a capital there says nothing
    about a name."""
    before = text[max(0, start - 3):start].rstrip(" \"'(\t*_#")
    return not before or before[-1] in ".!?:;\n>|•·└├│"


def _age_after(text: str, end: int) -> bool:
    return bool(re.match(r" ?[(,] ?\d{1,2} ?(?:jaar|jr)(?![\w])| is \d{1,2} jaar(?![\w])",
                         text[end:end + 20], re.IGNORECASE))


def _deduce_findings(text: str) -> list[tuple[Finding, int]]:
    found = []
    for offset, chunk in _chunks(text, DEDUCE_CHUNK):
        for a in _deduce().deidentify(chunk).annotations:
            start, end, tag = int(a.start_char), int(a.end_char), str(a.tag).lower()
            kind = _deduce_kind(tag, chunk[start:end])
            if kind is None:
                continue
            if kind == "bsn" and not is_valid_bsn(chunk[start:end]):
                kind = "number"
            if kind == "name":
                start, end = _trim_name(chunk, start, end)
                if start >= end or _common_word_alone(chunk, start, end):
                    continue
                before = chunk[max(0, start - 30):start].lower().split()
                if (before and before[-1].strip(",:") in _CHILD_WORDS) or _age_after(chunk, end):
                    kind = "child_name"
            found.append((_finding(kind, offset + start, offset + end, "deduce"),
                          3 if kind in ("name", "child_name") else 1))
    return found


def _common_word_alone(text: str, start: int, end: int) -> bool:
    """Whether deduce's name ``text[start:end]`` is one ordinary word (``Spel``, ``Bron``)
    without a title, family word, interfix or first name before it (``mevrouw Bos``, ``de
    Wit`` and ``Jan Bos`` stay names)."""
    word = text[start:end]
    low = word.lower()
    if not _WORD.fullmatch(word) or low not in lexicon().common and low not in NOT_NAMES:
        return False
    before = text[max(0, start - 40):start].split()
    previous = before[-1].lower().strip(",:;") if before else ""
    return not (previous in _TITLES or previous in _FAMILY_WORDS or previous in _INTERFIX
                or (previous in lexicon().first_names and before[-1][:1].isupper()))


@functools.lru_cache(maxsize=8)
def _public_pattern(extra: tuple[str, ...]) -> re.Pattern:
    terms = sorted(set(PUBLIC_TERMS) | set(PUBLIC_NAMES) | set(extra), key=len, reverse=True)
    return re.compile("|".join(rf"(?<![\w.@]){re.escape(t)}(?![\w@])" for t in terms),
                      re.IGNORECASE)


_WORD_KINDS = frozenset({"name", "child_name", "institution", "address", "school"})
"""Kinds of finding a public name can stand in for (never e-mail, phone, IBAN ...)."""


def _outside_public(text: str, candidates: list[tuple[Finding, int]],
                    extra: tuple[str, ...] = ()) -> list[tuple[Finding, int]]:
    """Candidates with public names (:data:`PUBLIC_TERMS`, :data:`PUBLIC_NAMES` and ``extra``)
    left out: a name-like finding inside one is dropped, one that overlaps it keeps only its
    part outside."""
    spans = [m.span() for m in _public_pattern(extra).finditer(text)]
    if not spans:
        return candidates
    out = []
    for finding, priority in candidates:
        if finding.kind not in _WORD_KINDS:
            out.append((finding, priority))
            continue
        start, end = finding.start, finding.end
        for lo, hi in _overlapping(spans, finding.start, finding.end):
            if lo < end and start < hi:
                if start >= lo and end <= hi:
                    start = end
                    break
                start, end = (start, lo) if start < lo else (hi, end)
        if end <= start:
            continue
        if (start, end) != (finding.start, finding.end):  # cut by a public name: what is left
            strip = " -,.;:()[]'’\"&"
            piece = text[start:end].strip(strip)
            if finding.kind in ("name", "child_name") and not _has_name_word(piece):
                continue  # deduce's context around a public name, no name of its own
            if len(piece) < 2:
                continue
            start += len(text[start:end]) - len(text[start:end].lstrip(strip))
            end = start + len(piece)
        out.append((Finding(finding.kind, start, end, finding.replacement, finding.source),
                    priority))
    return out


def _has_name_word(text: str) -> bool:
    """Whether ``text`` holds a capitalised word from the first-name or surname list that is
    no common word."""
    lex = lexicon()
    for m in _WORD.finditer(text):
        low = m.group().lower()
        if m.group()[0].isupper() and (low in lex.first_names or low in lex.surnames) and \
                low not in lex.common and low not in NOT_NAMES and low not in lex.residences:
            return True
    return False


def _chunks(text: str, size: int):
    """``(offset, piece)`` of ``text`` in pieces of at most ``size`` characters, cut at the last
    newline or space of each piece."""
    start = 0
    while start < len(text):
        stop = min(len(text), start + size)
        if stop < len(text):
            cut = max(text.rfind("\n", start, stop), text.rfind(" ", start, stop))
            stop = cut + 1 if cut > start else stop
        yield start, text[start:stop]
        start = stop


def _deduce_kind(tag: str, span: str) -> str | None:
    if "persoon" in tag or "patient" in tag or "naam" in tag:
        return "name"
    if "locatie" in tag:
        street = re.search(rf"(?i:{_STREET_WORDS})(?![\w])", span)
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
    first = text[start:end].split(" ", 1)
    if len(first) == 2 and first[0].lower().rstrip(".") in _TITLES:
        start += len(first[0]) + 1
    return start, max(start, end)


def _combination(text: str, findings: list[Finding]) -> str | None:
    """A reason when the text combines an age with a school, street/address or place."""
    if not _AGE.search(text):
        return None
    kinds = {f.kind for f in findings}
    lex = lexicon()
    places = any(m.group().lower() in lex.residences and m.group()[0].isupper()
                 for m in _WORD.finditer(text))
    school = "school" in kinds or bool(re.search(r"(?<![\w])(?:basisschool|school) {1,3}[A-Z]",
                                                 text))
    parts = [label for label, present in (("school", school),
                                         ("street or address", "address" in kinds),
                                         ("place", places)) if present]
    return f"combination of age and {', '.join(parts)}" if parts else None


def _resolve(candidates: list[tuple[Finding, int]]) -> list[Finding]:
    """Keep non-overlapping findings: higher priority first, then longer, then earlier.

    Sorted once; kept spans are checked with a sorted list of starts, so this is
    O(n log n) in the number of candidates.
    """
    import bisect

    starts: list[int] = []
    kept: list[Finding] = []
    for finding, _ in sorted(candidates, key=lambda c: (-c[1], -(c[0].end - c[0].start),
                                                        c[0].source != "deduce", c[0].start)):
        i = bisect.bisect_left(starts, finding.start)
        if i > 0 and kept[i - 1].end > finding.start:
            continue
        if i < len(kept) and kept[i].start < finding.end:
            continue
        starts.insert(i, finding.start)
        kept.insert(i, finding)
    return kept
