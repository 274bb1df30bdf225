"""Exports under their own names: the ``files:`` section of ``cohort.yaml``.

Survey and questionnaire platforms (Castor, LimeSurvey, Microsoft Forms, SPSS) export their
own column names and answer labels. ``cohort.yaml`` maps them onto the data contract, per
contract table (the table's stem: ``trajectories``, ``sdq``, ``ari_cp``, ``parent_survey``,
``parent_survey_items``, ``sessions``; not ``segments``, see :func:`parse_files`)::

    files:
      sdq:
        file: SDQ_export_castor.csv            # optional: the export's own file name
        columns: {"Participant Id": family_id, "SDQ_1": sdq_01}
        labels: {timepoint: {"Voormeting": T0, "Nameting": T1}}
        value_labels: apply                     # optional, SPSS .sav only (see below)

- ``file``: the export's name, relative to the cohort folder (``coding/Export.xlsx``); default
  the contract's name (``sdq.csv``, ``.xlsx`` or ``.sav``).
- ``columns``: export column -> contract column. Unmapped columns keep their names.
- ``labels``: per contract column, export value -> contract value (matched without regard to
  case, accents and surrounding spaces); other values pass unchanged and are checked as usual.
- ``value_labels``: for a ``.sav`` export whose answer codes are on another scale than the
  contract's (SPSS stores 1-3 labelled "niet waar" ... where the SDQ codes are 0-2): ``apply``
  recodes answers by their labels. Without it, such a disagreement is refused and the label
  table is shown. Category and yes/no columns always take their SPSS labels.

:func:`parse_files` checks the section; :func:`suggest_columns` proposes a ``columns:`` map
for an export (``new-cohort --from-export``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from analysis.data.io import fold_label
from analysis.data.safe_input import check_relative_path

TABLE_SUFFIXES: tuple[str, ...] = (".csv", ".xlsx", ".sav")
_COLUMN_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
_KEYS = ("file", "columns", "labels", "value_labels")


@dataclass(frozen=True)
class FileMapping:
    """How one export maps onto a contract table (see the module docstring).

    Attributes
    ----------
    stem : str
        The contract table (``sdq``, ``sessions``).
    file : str or None
        The export's file name relative to the cohort folder; None: the contract's name.
    columns : dict of str to str
        Export column -> contract column.
    labels : dict of str to dict
        Contract column -> {export value as matched (:func:`~analysis.data.io.fold_label`: case,
        accents and spaces ignored) -> contract value}.
    apply_value_labels : bool
        Recode SPSS answer codes by their value labels.
    """

    stem: str
    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    apply_value_labels: bool = False

    def export_name(self, column: str) -> str:
        """The column as the export names it (``"SDQ_1"`` for ``sdq_01``), else ``column``."""
        for source, target in self.columns.items():
            if target == column:
                return source
        return column

    def shown(self, column: str) -> str:
        """Column for messages: ``"SDQ_1 (sdq_01)"`` when mapped, else the contract name."""
        source = self.export_name(column)
        return column if source == column else f"{source} ({column})"


def parse_files(spec: Any, *, tables: dict[str, str],
                columns_of: Callable[[str], list[str]],
                open_columns: Iterable[str] = ("parent_survey",),
                unmapped: Iterable[str] = ("segments",),
                problems: list[str]) -> dict[str, FileMapping]:
    """The ``files:`` section of ``cohort.yaml`` as :class:`FileMapping` per table stem.

    Parameters
    ----------
    spec : object
        The parsed ``files:`` value (a mapping, or None).
    tables : dict
        Contract tables: stem -> contract file name (``"sessions": "coding/sessions.csv"``).
    columns_of : callable
        Contract columns of a contract file name.
    open_columns : iterable of str
        Stems whose columns are not all fixed by the contract (parent-survey items): any
        snake_case target is allowed there.
    unmapped : iterable of str
        Stems that cannot be mapped (yet): ``segments`` is read by the qualitative notebook
        straight from ``coding/`` (:func:`analysis.qualitative.qda.read_cohort_coding`), so
        a mapping would not reach it; it is refused rather than half applied.
    problems : list of str
        Problems found are appended (the caller reports them together).
    """
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        problems.append("files is not a mapping; expected one entry per table (sdq: ...)")
        return {}
    mappings = {}
    for stem, entry in spec.items():
        if stem not in tables:
            problems.append(f"files has unknown table {str(stem)[:40]!r}; expected one of "
                            + ", ".join(tables))
            continue
        if stem in unmapped:
            problems.append(f"files.{stem} cannot be mapped: the pipeline reads "
                            f"{tables[stem]} directly; expected that file under the contract's "
                            "column names (python -m analysis coding converts QDA exports)")
            continue
        if not isinstance(entry, dict) or set(entry) - set(_KEYS):
            extra = sorted(map(str, set(entry) - set(_KEYS))) if isinstance(entry, dict) else []
            problems.append(f"files.{stem} has {'key ' + repr(extra[0]) if extra else 'no mapping'}"
                            f"; expected keys {', '.join(_KEYS)}")
            continue
        allowed = None if stem in open_columns else set(columns_of(tables[stem]))
        mappings[stem] = FileMapping(
            stem, _file(entry.get("file"), stem, problems),
            _columns(entry.get("columns"), stem, allowed, problems),
            _labels(entry.get("labels"), stem, problems),
            _value_labels(entry.get("value_labels"), stem, problems))
    return mappings


def _file(value: Any, stem: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    try:
        name = check_relative_path(value, file="cohort.yaml", field=f"files.{stem}.file")
    except Exception as error:  # ConfigError: collected with the other problems
        problems.append(str(error).removeprefix("cohort.yaml: ").rstrip("."))
        return None
    if not name.lower().endswith(TABLE_SUFFIXES):
        problems.append(f"files.{stem}.file {name[:40]!r} has another extension; expected "
                        ".csv, .xlsx or .sav")
        return None
    return name


def _columns(value: Any, stem: str, allowed: set[str] | None,
             problems: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"files.{stem}.columns is not a mapping; expected "
                        "'\"Export name\": contract_column' pairs")
        return {}
    out: dict[str, str] = {}
    for source, target in value.items():
        if not isinstance(source, (str, int)) or not str(source).strip():
            problems.append(f"files.{stem}.columns has an empty export column name")
            continue
        ok = isinstance(target, str) and (target in allowed if allowed is not None
                                          else bool(_COLUMN_PATTERN.fullmatch(target)))
        if not ok:
            problems.append(f"files.{stem}.columns maps {str(source)[:40]!r} to "
                            f"{str(target)[:40]!r}; expected a column of the contract's "
                            f"{stem} table (data/raw/README.md)")
            continue
        if target in out.values():
            problems.append(f"files.{stem}.columns maps two export columns to {target!r}; "
                            "expected one")
            continue
        out[str(source).strip()] = target
    return out


def _labels(value: Any, stem: str, problems: list[str]) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        problems.append(f"files.{stem}.labels is not a mapping of mappings; expected "
                        "'column: {\"Export label\": contract value}'")
        return {}
    out = {}
    for column, table in value.items():
        bad = [k for k, v in table.items() if isinstance(v, (dict, list)) or v is None]
        if bad:
            problems.append(f"files.{stem}.labels.{column} maps {str(bad[0])[:40]!r} to no "
                            "single value; expected a contract value")
            continue
        out[str(column)] = {fold_label(str(k)): v for k, v in table.items()}
    return out


def _value_labels(value: Any, stem: str, problems: list[str]) -> bool:
    if value is None:
        return False
    if value != "apply":
        problems.append(f"files.{stem}.value_labels is {str(value)[:20]!r}; expected 'apply' "
                        "or no entry")
    return value == "apply"


# --------------------------------------------------------------------------------------------
# Suggesting a mapping from an export's header
# --------------------------------------------------------------------------------------------

def normalise(name: str) -> str:
    """A column name reduced for matching: lower case, runs of non-alphanumerics as ``_``,
    numbers without leading zeros (``"SDQ 01"``, ``"sdq-1"`` and ``"Sdq_1"`` all give
    ``"sdq_1"``; ``"Participant Id"`` gives ``"participant_id"``).

    >>> normalise(" SDQ 01 "), normalise("ParticipantId"), normalise("Q1")
    ('sdq_1', 'participant_id', 'q_1')
    """
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", fold_label(str(name)).strip() if not str(
        name).isascii() else str(name).strip())
    text = re.sub(r"(?<=[A-Za-z])(?=\d)", "_", text).lower()
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return re.sub(r"\d+", lambda m: str(int(m.group())), text)


_SYNONYMS: dict[str, tuple[str, ...]] = {
    "family_id": ("participant_id", "participant", "record_id", "respondent_id", "family",
                  "gezin", "gezin_id", "client_id", "castor_participant_id", "token",
                  "gezinscode", "gezinsnummer", "family_code", "deelnemer",
                  "deelnemersnummer", "clientnummer", "pseudoniem"),
    "timepoint": ("meetmoment", "moment", "time_point", "wave", "visit", "survey_name",
                  "meting"),
    "date": ("datum", "date_filled", "submitted", "completed", "survey_completed_on",
             "submitdate", "tijd_van_voltooien", "completion_time", "tijdstempel", "timestamp",
             "datum_ingevuld", "invuldatum"),
    "informant": ("invuller", "respondent", "relatie", "relation", "ingevuld_door",
                  "relatie_tot_het_kind"),
    "start_date": ("startdatum", "begindatum", "start_traject", "datum_start"),
    "end_date": ("einddatum", "datum_einde", "eind_traject", "afsluitdatum"),
    "therapy": ("vaktherapie", "therapie", "soort_therapie", "therapievorm"),
    "therapist_id": ("vaktherapeut", "therapeut"),
    "social_worker_id": ("sociaal_werker", "sociale_werker", "wijkteammedewerker"),
}
"""Known spellings of a few contract columns in platform exports: Castor (``Participant Id``),
LimeSurvey (``token``, ``submitdate``), Microsoft Forms (``Tijd van voltooien``,
``Completion time``), Google Forms (``Tijdstempel``, ``Timestamp``). A response number
(``ID``, ``id``) is never taken for ``family_id``."""


def suggest_columns(header: Iterable[str], contract_columns: Iterable[str],
                    item_prefixes: Iterable[str] = ()) -> tuple[dict[str, str], list[str]]:
    """A ``columns:`` map for an export's ``header`` and the columns it does not recognise.

    A column is recognised when, after :func:`normalise`, it equals a contract column (case,
    spaces, underscores, leading zeros: ``"SDQ_1"`` -> ``sdq_01``), is a known synonym of one
    (``"Participant Id"`` -> ``family_id``), or is ``Q<n>``/``item<n>``/``vraag<n>`` and a
    single ``item_prefixes`` entry makes it an item (``"Q1"`` -> ``sdq_01`` for the SDQ).
    Nothing else is guessed; each contract column is taken once.

    >>> suggest_columns(["Participant Id", "SDQ_1", "Q2", "Opmerking"],
    ...                 ["family_id", "sdq_01", "sdq_02"], ["sdq"])
    ({'Participant Id': 'family_id', 'SDQ_1': 'sdq_01', 'Q2': 'sdq_02'}, ['Opmerking'])
    """
    contract = list(contract_columns)
    by_norm = {normalise(c): c for c in contract}
    for target, names in _SYNONYMS.items():
        if target in contract:
            by_norm.update({n: target for n in names if n not in by_norm})
    prefixes = list(item_prefixes)
    found: dict[str, str] = {}
    unknown: list[str] = []
    for column in header:
        key = normalise(column)
        target = by_norm.get(key)
        generic = re.fullmatch(r"(?:q|item|vraag|v)_(\d+)", key)
        if target is None and generic and len(prefixes) == 1:
            target = by_norm.get(f"{normalise(prefixes[0])}_{generic.group(1)}")
        if target is None or target in found.values():
            unknown.append(str(column))
        elif str(column).strip() != target:
            found[str(column).strip()] = target
        else:
            found[target] = target
    return {k: v for k, v in found.items() if k != v}, unknown


# --------------------------------------------------------------------------------------------
# Recognising an export by its content (new-cohort --from-export)
# --------------------------------------------------------------------------------------------

DIRECT_IDENTIFIER_WORDS: frozenset[str] = frozenset({
    "email", "mail", "emailadres", "mailadres", "naam", "name", "voornaam", "achternaam",
    "surname", "firstname", "lastname", "fullname", "telefoon", "telefoonnummer", "phone",
    "mobiel", "gsm", "adres", "address", "postcode", "zipcode", "ipaddr", "ip", "bsn",
    "burgerservicenummer", "geboortedatum", "birthdate", "dob"})
"""Words of a column name that mark a direct identifier (MS Forms' ``E-mail`` and ``Naam``,
LimeSurvey's ``ipaddr``, a question ``Naam van het kind``): such a column is dropped from the
copy ``new-cohort`` makes, and reported. Matched per word after :func:`normalise` (``E-mail``
gives ``e mail``, joined as ``email`` too)."""


def identifier_column(name: str) -> bool:
    """Whether export column ``name`` holds a direct identifier (:data:`DIRECT_IDENTIFIER_WORDS`).

    >>> [identifier_column(c) for c in ["E-mail", "Naam", "Naam van het kind", "ipaddr",
    ...                                 "Participant Id", "Tijd van voltooien", "Survey Name"]]
    [True, True, True, True, False, False, False]
    """
    if normalise(name) in {n for names in _SYNONYMS.values() for n in names}:
        return False  # a known platform column (Castor's "Survey Name" is the timepoint)
    words = normalise(re.sub(r"\d+", " ", str(name))).split("_")
    joined = {a + b for a, b in zip(words, words[1:])}
    return bool((set(words) | joined) & DIRECT_IDENTIFIER_WORDS)


_ARRAY = re.compile(r"\s*(?P<code>[A-Za-z][A-Za-z0-9]*?)\s*(?:\[\s*(?:SQ)?0*(?P<n1>\d+)\s*\]"
                    r"|_?SQ0*(?P<n2>\d+))\s*", re.IGNORECASE)
_NUMBERED = re.compile(r"\s*(?:vraag|question|item|q|v)?\s*0*(?P<n>\d{1,3})\s*[.):-]\s+\S",
                       re.IGNORECASE)


@dataclass(frozen=True)
class ItemSet:
    """What recognises the item columns of one instrument (see :func:`recognise_items`)."""

    stem: str
    prefix: str
    item_columns: tuple[str, ...]
    labels: dict[str, float]
    low: float
    high: float
    keywords: dict[int, tuple[str, ...]] = field(default_factory=dict)


def array_item(column: str) -> tuple[str, int] | None:
    """LimeSurvey array syntax: question code and subquestion number, else None.

    >>> array_item("SDQ[SQ001]"), array_item("SDQ_SQ012"), array_item("G01Q02[3]"), array_item("SDQ_1")
    (('SDQ', 1), ('SDQ', 12), ('G01Q02', 3), None)
    """
    match = _ARRAY.fullmatch(str(column))
    if not match:
        return None
    return match.group("code"), int(match.group("n1") or match.group("n2"))


def recognise_items(header: list[str], items: ItemSet, values: dict[str, Any] | None = None
                    ) -> tuple[dict[str, str], str | None]:
    """Item columns of ``items``' instrument in an export ``header``, and how they were found.

    Tried in order, each on the columns the previous step left:

    1. LimeSurvey array syntax (``SDQ[SQ001]``, ``SDQ_SQ001`` in SPSS exports): the question
       code names the instrument (``SDQ`` for ``sdq_``), or, for a code such as ``G01Q02``, the
       array has exactly as many subquestions as the instrument has items.
    2. Question texts (MS Forms, Google Forms): the keywords of ``item_keywords.yaml``; the
       item with most matching keywords wins, ties are not guessed; a question numbered
       ``1. ...`` or ``Vraag 1: ...`` is item 1 when its keywords say nothing.
    3. By content and order: when the columns left whose every answer is one of the
       instrument's answer labels (``Niet waar``, ``Een beetje waar`` ...) are exactly as many
       as the instrument's items, they are its items in order (``values``: column -> its
       distinct values, folded).

    Returns
    -------
    (dict, str or None)
        Export column -> item column (each item once), and ``"array"``, ``"question texts"``
        or ``"answers in order"`` for the step that found most (None: nothing found).
    """
    found: dict[str, str] = {}
    how: dict[str, int] = {}
    n = len(items.item_columns)
    own = normalise(items.prefix).strip("_")
    groups: dict[str, list[tuple[str, int]]] = {}
    for column in header:
        parsed = array_item(column)
        if parsed:
            groups.setdefault(parsed[0], []).append((column, parsed[1]))
    for code, members in groups.items():
        key = normalise(code).replace("_", "")
        named = len(key) >= 3 and (key.startswith(own) or own.startswith(key))
        if named or (len(members) == n and not re.fullmatch(r"[a-z]+", key)):
            for column, number in members:
                if 1 <= number <= n and items.item_columns[number - 1] not in found.values():
                    found[column] = items.item_columns[number - 1]
                    how["array"] = how.get("array", 0) + 1
    left = [c for c in header if c not in found]
    for column, item in _by_keywords(left, items).items():
        found[column] = item
        how["question texts"] = how.get("question texts", 0) + 1
    left = [c for c in header if c not in found]
    if values is not None and not found:
        answers = [c for c in left if _all_answers(values.get(c), items)]
        if len(answers) == n:
            found.update(dict(zip(answers, items.item_columns)))
            how["answers in order"] = n
    return found, (max(how, key=how.get) if how else None)


def _by_keywords(columns: list[str], items: ItemSet) -> dict[str, str]:
    from analysis.data.io import fold_label

    chosen: dict[str, str] = {}
    for column in columns:
        text = fold_label(str(column))
        scores = {number: sum(fold_label(k) in text for k in words)
                  for number, words in items.keywords.items()}
        best = max(scores.values(), default=0)
        winners = [k for k, v in scores.items() if v == best]
        number = winners[0] if best > 0 and len(winners) == 1 else None
        numbered = _NUMBERED.match(str(column))
        if number is None and numbered and (items.keywords or len(columns) >= len(
                items.item_columns)):
            number = int(numbered.group("n")) if best == 0 else None
        if number is not None and 1 <= number <= len(items.item_columns):
            item = items.item_columns[number - 1]
            if item in chosen.values():  # two questions claim one item: neither is guessed
                chosen = {k: v for k, v in chosen.items() if v != item}
                continue
            chosen[column] = item
    return chosen


def _all_answers(present: Any, items: ItemSet) -> bool:
    if not present:
        return False
    for value in present:
        if value in items.labels:
            continue
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            return False
        if not (items.low <= number <= items.high and number == int(number)):
            return False
    return any(v in items.labels for v in present)
