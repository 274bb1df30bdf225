"""A cohort: one folder of raw exports, its ``cohort.yaml`` and the data contract it follows.

The contract is data (``analysis/definitions/contract.yaml``, codebook ``data/raw/README.md``);
this module reads it, reads ``cohort.yaml`` into a :class:`CohortConfig` and scaffolds a new
cohort (:func:`new_cohort`). Checking the tables, and loading a validated cohort
(:func:`analysis.data.validate.load_cohort`), is :mod:`analysis.data.validate`'s job.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.data.mapping import FileMapping, parse_files
from analysis.data.safe_input import (  # noqa: F401  (load_yaml_strict: the one settings loader)
    check_entry,
    check_name,
    check_relative_path,
    load_yaml_strict,
)
from analysis.errors import CompendiumError, ConfigError, DataError, Problem
from analysis.questionnaires import instruments

CONTRACT_FILE: Path = paths.DEFINITIONS / "contract.yaml"
"""The declarative data contract: file schemas, answer types, pilot limits."""

CONFIG_FILE: str = "cohort.yaml"
"""The one required file of a cohort folder."""



@dataclass(frozen=True)
class CohortConfig:
    """The settings of one cohort, read from ``cohort.yaml`` by :func:`read_config`.

    Attributes
    ----------
    name, title, municipality : str
        Cohort name (the folder name), title shown on every output, municipality.
    period_start, period_end : datetime.date
        The cohort period; dates outside it give a warning.
    slots : int
        Planned capacity in family trajectories (30 in Helmond, handreiking p. 1).
    synthetic : bool
        True for generated data: every output then carries a banner saying so.
    organisation, publication : str or None
        Organisation that ran the pilot; the publication the cohort re-analyses (None: the
        cohort is an evaluation of its own).
    substitution_target : float or None
        Municipal target share (0-1) of indicated trajectories to substitute; None (the
        default) when the cohort set no target: the findings then judge none.
    hypotheses : tuple of str
        The pilot's own hypotheses (``hypotheses:``, Dutch sentences); empty by default.
    theme_level : int
        Level of the cohort's code tree whose codes are the qualitative themes (1: top level).
    positive_parent_code : str or None
        Code of its code tree marking a parent positive about the collaboration; None: the
        share of positive parents is not counted.
    tariffs : pathlib.Path or None
        Absolute path of the cohort's own tariffs file (``tariffs:``, relative to the folder);
        None: the package's assumed tariffs.
    published_claims : pathlib.Path or None
        Absolute path of the optional CSV of published claims (given relative to the folder).
    limits : dict of str to float
        Pilot limits: the contract's defaults (:func:`default_limits`) with the overrides of
        ``cohort.yaml``'s ``limits:`` mapping.
    folder : pathlib.Path
        The cohort folder.
    files : dict of str to FileMapping
        How exports under their own names map onto the contract tables (``files:``,
        :mod:`analysis.data.mapping`), by table stem.
    extra : dict
        Further fields the contract declares for ``cohort.yaml`` (by name), converted to their
        types; absent optional fields are None.
    """

    name: str
    title: str
    municipality: str
    period_start: datetime.date
    period_end: datetime.date
    slots: int
    synthetic: bool
    organisation: str | None = None
    publication: str | None = None
    substitution_target: float | None = None
    hypotheses: tuple[str, ...] = ()
    theme_level: int = 1
    positive_parent_code: str | None = None
    tariffs: Path | None = None
    published_claims: Path | None = None
    limits: dict[str, float] = field(default_factory=dict)
    folder: Path = Path(".")
    files: dict[str, FileMapping] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def mapping(self, stem: str) -> FileMapping:
        """The mapping of table ``stem`` (an empty one when ``cohort.yaml`` gives none)."""
        return self.files.get(stem) or FileMapping(stem)


@dataclass
class Cohort:
    """A loaded cohort: its config, the validated tables and the warnings found.

    ``tables`` maps file stems (``trajectories``, ``sdq``, ``ari_cp``, ``parent_survey``,
    ``parent_survey_items``, ``sessions``, ``segments``) to cleaned, typed DataFrames; a table
    whose file is absent is not in the mapping.
    """

    config: CohortConfig
    tables: dict[str, Any]
    warnings: list[Problem]

    def has(self, stem: str) -> bool:
        """Whether the cohort holds table ``stem`` (an absent file is a part of the report
        that says so, not an error)."""
        return stem in self.tables


@lru_cache(maxsize=None)
def load_contract(path: Path = CONTRACT_FILE) -> dict[str, Any]:
    """The data contract as a mapping (cached; do not modify the result)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def default_limits() -> dict[str, float]:
    """Pilot limits with their documented defaults (source in ``contract.yaml``).

    >>> default_limits()["max_therapy_sessions"]
    25
    """
    return {key: spec["default"] for key, spec in load_contract()["limits"].items()}


def table_files() -> dict[str, str]:
    """Every table of the contract: stem (``sdq``, ``sessions``) -> name (``coding/sessions.csv``).

    Questionnaire files come from the instrument definitions (one per defined instrument).
    """
    names = list(load_contract()["files"])
    names[1:1] = [instruments.load_instrument(i).file for i in instruments.available()]
    return {Path(n).stem: n for n in names}


def template_columns(file: str) -> list[str]:
    """Header of the template of ``file`` (e.g. ``"sdq.csv"``): every contract column in order.

    >>> template_columns("sdq.csv")[:5]
    ['family_id', 'timepoint', 'date', 'informant', 'sdq_01']
    """
    contract = load_contract()
    if file in contract["files"]:
        return [c["name"] for c in contract["files"][file]["columns"]]
    for instrument_id in instruments.available():
        instrument = instruments.load_instrument(instrument_id)
        if instrument.file == file:
            extras = list(getattr(instrument, "supplement_columns", []))
            own = (contract["questionnaire"].get("instrument_columns") or {}).get(instrument.id)
            return ([c["name"] for c in contract["questionnaire"]["columns"]]
                    + instrument.item_columns + extras + [c["name"] for c in own or []])
    raise ConfigError(f"unknown contract file {file!r}; expected one of "
                      + ", ".join(table_files().values()))


def read_config(folder: str | os.PathLike) -> CohortConfig:
    """Read and check ``cohort.yaml`` of the cohort ``folder``.

    The fields and their types are declared in ``contract.yaml`` (``config.fields``); fields
    that are not attributes of :class:`CohortConfig` land in :attr:`CohortConfig.extra`. The
    file is read with :func:`load_yaml_strict` (duplicate keys, alias bombs and ``yes``/``ja``
    as booleans are refused); paths it names must stay inside the folder.

    Raises
    ------
    DataError
        When the folder or its ``cohort.yaml`` does not exist, or ``cohort.yaml`` is not a
        regular file.
    ConfigError
        When the folder name breaks the name rule, ``cohort.yaml`` is not strict YAML, or a field
        is unknown, missing or of the wrong type; the message lists every such problem.
    """
    folder = Path(folder)
    check_name(folder.name)
    shown = paths.display(folder)
    if not folder.is_dir():
        raise DataError(
            f"cohort folder {shown} not found; expected a folder holding {CONFIG_FILE} and the "
            f"exports (create one with: python -m analysis new-cohort {folder.name}).",
            [Problem(shown, None, None, None, "an existing cohort folder", check="missing")],
        )
    spec = _load_yaml(folder / CONFIG_FILE)
    problems: list[str] = []
    fields = load_contract()["config"]["fields"]
    known = {f["name"] for f in fields}
    problems += [f"field {str(k)[:40]!r} is not known; expected one of {', '.join(sorted(known))}"
                 for k in spec if k not in known]
    values = {f["name"]: _config_field(spec, f, problems) for f in fields}
    limits = _limits(values.pop("limits") or {}, problems)
    start, end = values["period_start"], values["period_end"]
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        problems.append(f"period_end {end} is before period_start {start}")
    claims = _claims_file(folder, values.pop("published_claims"), problems)
    values["tariffs"] = _claims_file(folder, values.pop("tariffs"), problems, field="tariffs")
    values["hypotheses"] = tuple(values.get("hypotheses") or ())
    values["theme_level"] = values.get("theme_level") or 1
    files = parse_files(values.pop("files", None), tables=table_files(),
                        columns_of=template_columns, problems=problems)
    if problems:
        raise ConfigError(f"{CONFIG_FILE} of {shown}: " + "; ".join(problems)
                          + ". See data/raw/README.md for the expected fields.")
    own = set(CohortConfig.__dataclass_fields__)
    return CohortConfig(**{k: v for k, v in values.items() if k in own},
                        published_claims=claims, limits=limits, folder=folder, files=files,
                        extra={k: v for k, v in values.items() if k not in own})


def _claims_file(folder: Path, name: str | None, problems: list[str], *,
                 field: str = "published_claims") -> Path | None:
    """The file named by ``field`` (published claims, tariffs), confined to the cohort folder
    and a regular file."""
    if name is None:
        return None
    try:
        name = check_relative_path(name, file=CONFIG_FILE, field=field)
        if not check_entry(folder / name, folder, name):
            problems.append(f"{field} file {name!r} not found in the cohort folder")
            return None
    except CompendiumError as error:
        problems.append(str(error).removeprefix(f"{CONFIG_FILE}: ").rstrip("."))
        return None
    return folder / name


def _load_yaml(file: Path) -> dict[str, Any]:
    if not check_entry(file, file.parent, CONFIG_FILE):
        raise DataError(
            f"{CONFIG_FILE} not found in cohort folder {paths.display(file.parent)}; expected a "
            f"{CONFIG_FILE} with name, title, municipality, period_start, period_end, slots and "
            "synthetic (see data/raw/README.md, or scaffold a cohort with new-cohort).",
            [Problem(CONFIG_FILE, None, None, None, "the cohort settings", check="missing")],
        )
    spec = load_yaml_strict(file, name=CONFIG_FILE, folder=file.parent)
    if not isinstance(spec, dict):
        raise ConfigError(f"{CONFIG_FILE} holds {type(spec).__name__}, not a mapping; expected "
                          "'key: value' lines (name, title, municipality, period_start, ...).")
    return spec


def _config_field(spec: dict[str, Any], field_spec: dict[str, Any], problems: list[str]) -> Any:
    """Value of one ``cohort.yaml`` field, converted to its type; problems are appended."""
    name, kind = field_spec["name"], field_spec["type"]
    value = spec.get(name)
    if value is None or value == "":
        if field_spec.get("required"):
            problems.append(f"field {name!r} is missing ({field_spec['description']})")
        return field_spec.get("default")
    converted = _convert(value, kind)
    if converted is None:
        problems.append(f"field {name!r} is {value!r}; expected {_KIND_TEXT[kind]}")
    elif kind in ("integer", "number") and not (field_spec.get("min", converted) <= converted
                                                <= field_spec.get("max", converted)):
        bounds = [f"at least {field_spec['min']}" if "min" in field_spec else "",
                  f"at most {field_spec['max']}" if "max" in field_spec else ""]
        problems.append(f"field {name!r} is {value!r}; expected {' and '.join(b for b in bounds if b)}")
    return converted


_KIND_TEXT = {"string": "text", "date": "a date YYYY-MM-DD or DD-MM-YYYY",
              "integer": "a whole number", "number": "a number", "bool": "true or false",
              "mapping": "a mapping of 'key: value' lines",
              "text_list": "a list of texts ('- ...' lines), each non-empty"}


def _convert(value: Any, kind: str) -> Any:
    if kind == "string":
        return str(value).strip() if isinstance(value, (str, int, float)) else None
    if kind == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return value if ok else None
    if kind == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else None
    if kind == "bool":
        return value if isinstance(value, bool) else None
    if kind == "mapping":
        return value if isinstance(value, dict) else None
    if kind == "text_list":
        items = [value] if isinstance(value, str) else value
        ok = isinstance(items, list) and all(isinstance(v, str) and v.strip() for v in items)
        return [" ".join(v.split()) for v in items] if ok else None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    from analysis.data.io import parse_dates

    parsed = parse_dates([str(value)]).iloc[0]
    return None if parsed is None or parsed != parsed else parsed.date()


def _limits(overrides: dict[str, Any], problems: list[str]) -> dict[str, float]:
    limits = default_limits()
    for key, value in overrides.items():
        if key not in limits:
            problems.append(f"limits has unknown key {key!r}; expected one of {', '.join(limits)}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(f"limits.{key} is {value!r}; expected a number >= 0")
        else:
            limits[key] = value
    low, high = limits["min_observation_sessions"], limits["max_observation_sessions"]
    if low > high:
        problems.append(f"limits.min_observation_sessions ({low}) exceeds "
                        f"limits.max_observation_sessions ({high})")
    return limits


@dataclass
class ExportMatch:
    """How one export given to :func:`new_cohort` was recognised.

    Attributes
    ----------
    source : pathlib.Path
        The export as given (never changed).
    file : str
        Its name in the cohort folder.
    table : str
        The contract table it was taken for (``sdq``, ``trajectories`` ...).
    mapped : dict of str to str
        Export column -> contract column, as written under ``files:`` in ``cohort.yaml``.
    unknown : list of str
        Export columns not recognised (kept as extra columns unless mapped by hand).
    missing : list of str
        Required contract columns of the table that no export column maps onto.
    dropped : list of str
        Columns holding direct identifiers (``E-mail``, ``Naam``), left out of the copy.
    how : str or None
        How the item columns were found: ``"array"`` (LimeSurvey ``SDQ[SQ001]``),
        ``"question texts"`` (MS Forms, Google Forms), ``"answers in order"``, or None (by
        column names only).
    """

    source: Path
    file: str
    table: str
    mapped: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    how: str | None = None
    survey_items: list[dict[str, str]] = field(default_factory=list)


SURVEY_METADATA: frozenset[str] = frozenset({
    "id", "begintijd", "start_time", "tijd_van_laatste_wijziging", "last_modified_time",
    "lastpage", "startlanguage", "seed", "startdate", "datestamp", "refurl", "response_id"})
"""Platform columns of a survey export that are no question (MS Forms' ``ID``, ``Begintijd``;
LimeSurvey's ``lastpage``, ``seed`` ...), after :func:`analysis.data.mapping.normalise`."""


@dataclass
class NewCohort:
    """What :func:`new_cohort` did: the folder, the exports mapped, and the git exclusion.

    Attributes
    ----------
    folder : pathlib.Path
        The new cohort folder.
    exports : list of ExportMatch
        One per ``--from-export`` file, in the order given (empty: templates were written).
    table, mapped, unknown, missing
        Those of the first export (None and empty without exports).
    excluded : str or None
        The line added to ``.git/info/exclude`` (None: synthetic, or not in a git clone).
    """

    folder: Path
    table: str | None = None
    mapped: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    excluded: str | None = None
    exports: list[ExportMatch] = field(default_factory=list)


def new_cohort(name: str, raw_root: str | os.PathLike | None = None, *,
               from_export: str | os.PathLike | list | tuple | None = None,
               synthetic: bool = False) -> NewCohort:
    """Scaffold ``<raw_root>/NAME/``: a commented ``cohort.yaml`` and the exports or templates.

    Without ``from_export`` each contract table gets a template: a CSV holding only the header
    of the data contract (the columns of ``contract.yaml`` and, for questionnaires, of the
    instrument definitions); the scaffold validates without errors. With ``from_export`` (one
    export or several, each of another table) only the exports are written, no templates:
    each is recognised by its content (:func:`analysis.data.mapping.recognise_items`: item
    columns, LimeSurvey array codes, MS Forms and Google Forms question texts, answers),
    copied in under its own name without the columns that hold direct identifiers
    (:func:`analysis.data.mapping.identifier_column`, such as MS Forms' ``E-mail`` and
    ``Naam``; every other byte as exported for CSV, every other cell for ``.xlsx``/``.sav``),
    and ``cohort.yaml`` gets a ``files:`` mapping for the columns recognised. Unless
    ``synthetic``, ``data/raw/NAME/`` is added to the clone's ``.git/info/exclude`` so that
    real data are never committed by accident.

    Raises
    ------
    ConfigError
        When ``name`` breaks the name rule (:func:`analysis.data.safe_input.check_name`), the
        folder exists already (nothing is overwritten), no contract column is recognised in an
        export, or two exports hold the same table or have the same name. Nothing is written
        then.
    """
    check_name(name)
    folder = paths.raw_dir(name, raw_root)
    if os.path.lexists(folder):
        raise ConfigError(f"cohort folder {paths.display(folder)} exists already; expected a new "
                          "name (an existing cohort is never overwritten).")
    result = NewCohort(folder)
    given = [] if from_export is None else (
        list(from_export) if isinstance(from_export, (list, tuple)) else [from_export])
    result.exports = [_match_export(Path(p)) for p in given]
    _check_exports(result.exports)
    copies = {m.file: _copy_without(m.source, m.dropped) for m in result.exports}
    if result.exports:
        first = result.exports[0]
        result.table, result.mapped = first.table, first.mapped
        result.unknown, result.missing = first.unknown, first.missing
    from analysis.atomic import write_bytes_atomic, write_text_atomic

    folder.mkdir(parents=True)
    text = _CONFIG_TEMPLATE.format(name=name, synthetic=str(synthetic).lower(),
                                   **default_limits())
    for file, data in copies.items():
        write_bytes_atomic(folder / file, data)
    for match in result.exports:
        if match.survey_items and not any(m.table == "parent_survey_items"
                                          for m in result.exports):
            write_text_atomic(folder / "parent_survey_items.csv", _survey_items_csv(
                match.survey_items))
    if result.exports:
        text += _mapping_yaml(result.exports)
    write_text_atomic(folder / CONFIG_FILE, text)
    if not result.exports:
        for stem, file in table_files().items():
            write_text_atomic(folder / file, ",".join(template_columns(file)) + "\n")
    if not synthetic:
        result.excluded = _exclude_from_git(folder)
    return result


def _survey_items_csv(items: list[dict[str, str]]) -> str:
    import csv
    import io as stdio

    out = stdio.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["item", "text", "type", "domain"])
    writer.writerows([[i["item"], i["text"], i["type"], ""] for i in items])
    return out.getvalue()


def _check_exports(matches: list[ExportMatch]) -> None:
    seen: dict[str, ExportMatch] = {}
    names: set[str] = set()
    for match in matches:
        if match.file.lower() in names:
            raise ConfigError(f"--from-export: two exports are named {match.file[:60]!r}; "
                              "expected each export once (rename one).")
        names.add(match.file.lower())
        stem = Path(match.file).stem.lower()
        if (stem in table_files() and stem != match.table) or match.file.lower() == CONFIG_FILE:
            raise ConfigError(f"--from-export {match.file[:60]!r} is named like another file of "
                              f"the cohort but holds table {match.table!r}; expected another "
                              "name (rename the export).")
        other = seen.get(match.table)
        if other is not None:
            raise ConfigError(f"--from-export: {other.file[:60]!r} and {match.file[:60]!r} both "
                              f"hold table {match.table!r}; expected one export per table "
                              "(merge the exports, e.g. both measurements in one file with a "
                              "timepoint column).")
        seen[match.table] = match


def _item_sets() -> dict[str, Any]:
    from analysis.data.mapping import ItemSet
    from analysis.data.io import fold_label

    keywords = yaml.safe_load((paths.DEFINITIONS / "item_keywords.yaml").read_text(
        encoding="utf-8")) or {}
    out = {}
    for instrument_id in instruments.available():
        i = instruments.load_instrument(instrument_id)
        out[Path(i.file).stem] = ItemSet(
            Path(i.file).stem, i.item_prefix, tuple(i.item_columns),
            {fold_label(str(k)): v for k, v in i.labels.items()}, i.response_min,
            i.response_max, {int(k): tuple(map(str, v))
                             for k, v in (keywords.get(instrument_id) or {}).items()})
    return out


def _match_export(export: Path) -> ExportMatch:
    """Recognise the contract table of ``export`` by its content."""
    from analysis.data.io import TABLE_SUFFIXES, fold_label, read_table
    from analysis.data.mapping import identifier_column, recognise_items, suggest_columns

    shown = export.name[:60]
    if export.suffix.lower() not in TABLE_SUFFIXES:
        raise ConfigError(f"--from-export {shown!r}: expected a .csv, .xlsx or .sav export.")
    check_entry(export, None, shown, must_exist=True)
    frame = read_table(export, name=shown, id_columns=())
    header = [str(c) for c in frame.columns]
    dropped = [c for c in header if identifier_column(c)]
    usable = [c for c in header if c not in dropped]
    values = {c: {fold_label(str(v)) for v in frame[c].dropna().unique()[:50]} for c in usable}
    item_sets = _item_sets()
    best = None
    for stem, file in table_files().items():
        columns = template_columns(file)
        items = item_sets.get(stem)
        prefixes = [items.prefix] if items else []
        mapped, unknown = suggest_columns(usable, columns, prefixes)
        how = None
        if items is not None:
            taken = set(mapped.values()) | (set(usable) & set(columns))
            rest = [c for c in unknown if c not in taken]
            found, how = recognise_items(rest, items, values)
            found = {k: v for k, v in found.items() if v not in taken}
            mapped.update(found)
            unknown = [c for c in unknown if c not in found]
        hits = len(usable) - len(unknown)
        items_hit = sum(1 for v in mapped.values() if items and v in items.item_columns)
        if items is not None and items_hit == 0:
            continue  # a questionnaire export holds at least one recognised item
        score = (hits, items_hit)
        if best is None or score > best[0]:
            best = (score, stem, file, mapped, unknown, how)
    if best is None or best[0][0] == 0:
        raise ConfigError(f"--from-export {shown!r}: none of its {len(usable)} columns "
                          + (f"(after leaving out {len(dropped)} with direct identifiers) "
                             if dropped else "")
                          + "is recognised as a column of the data contract; expected an "
                          "export of one table (see data/raw/README.md) or a hand-written "
                          "files: mapping in cohort.yaml.")
    (hits, _), stem, file, mapped, unknown, how = best
    survey_items: list[dict[str, str]] = []
    if stem == "parent_survey":
        survey_items = _survey_items(unknown, values)
        mapped.update({item["question"]: item["item"] for item in survey_items})
        unknown = [c for c in unknown if c not in mapped]
    present = {mapped.get(h.strip(), h.strip()) for h in usable}
    missing = [c for c in _required_columns(file) if c not in present]
    return ExportMatch(export, export.name, stem, mapped, unknown, missing, dropped, how,
                       survey_items)


def _survey_items(columns: list[str], values: dict[str, set]) -> list[dict[str, str]]:
    """Item ids ``ps_01`` ... for the questions of a parent-survey export, with their text and
    a type guessed from the answers (likert5 when every answer is a five-point label or 1-5,
    yesno for yes/no spellings, else text)."""
    from analysis.data.io import fold_label
    from analysis.data.mapping import normalise

    contract = load_contract()
    likert = {fold_label(str(k)) for k in contract["parent_survey_types"]["likert5"]["labels"]}
    likert |= {str(n) for n in range(1, 6)}
    yes_no = {fold_label(str(k)) for k in contract["bool_labels"]["true"]
              + contract["bool_labels"]["false"]}
    questions = [c for c in columns if normalise(c) not in SURVEY_METADATA]
    out = []
    for number, question in enumerate(questions, start=1):
        present = {str(v).removesuffix(".0") for v in values.get(question, set())}
        kind = ("likert5" if present and present <= likert else
                "yesno" if present and present <= yes_no else "text")
        out.append({"question": question, "item": f"ps_{number:02d}", "type": kind,
                    "text": " ".join(str(question).split())})
    return out


def _copy_without(export: Path, dropped: list[str]) -> bytes:
    """The export's bytes; without the ``dropped`` columns when there are any."""
    data = export.read_bytes()
    if not dropped:
        return data
    suffix = export.suffix.lower()
    if suffix == ".xlsx":
        return _xlsx_without(export, dropped)
    if suffix == ".sav":
        return _sav_without(export, dropped)
    return _csv_without(data, export.name, dropped)


def _csv_without(data: bytes, name: str, dropped: list[str]) -> bytes:
    import csv
    import io as stdio

    from analysis.data.io import _decode, _header_line

    text = _decode(data, name)
    header, sep = _header_line(text)
    keep = [i for i, h in enumerate(header) if h not in set(dropped)]
    out = stdio.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n" if "\r\n" in text[:65536]
                        else "\n")
    for row in csv.reader(stdio.StringIO(text, newline=""), delimiter=sep):
        writer.writerow([row[i] for i in keep if i < len(row)])
    return out.getvalue().encode("utf-8")


def _xlsx_without(export: Path, dropped: list[str]) -> bytes:
    import io as stdio

    import openpyxl

    book = openpyxl.load_workbook(export)
    sheet = book.worksheets[0]
    header = [str(c.value).strip() if c.value is not None else "" for c in sheet[1]]
    for index in sorted((i for i, h in enumerate(header) if h in set(dropped)), reverse=True):
        sheet.delete_cols(index + 1)
    buffer = stdio.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sav_without(export: Path, dropped: list[str]) -> bytes:
    import tempfile

    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(export))
    frame = frame.drop(columns=[c for c in frame.columns if str(c).strip() in set(dropped)])
    labels = dict(zip(meta.column_names, meta.column_labels or []))
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "copy.sav"
        pyreadstat.write_sav(
            frame, str(target),
            column_labels={c: labels.get(c) for c in frame.columns if labels.get(c)} or None,
            variable_value_labels={c: v for c, v in (meta.variable_value_labels or {}).items()
                                   if c in frame.columns})
        return target.read_bytes()


def _required_columns(file: str) -> list[str]:
    contract = load_contract()
    if file in contract["files"]:
        return [c["name"] for c in contract["files"][file]["columns"] if c.get("required")]
    instrument = next(i for i in map(instruments.load_instrument, instruments.available())
                      if i.file == file)
    shared = [c["name"] for c in contract["questionnaire"]["columns"] if c.get("required")]
    return shared + list(instrument.item_columns)


def _mapping_yaml(matches: list[ExportMatch]) -> str:
    """The ``files:`` section for the exports (YAML text, keys quoted)."""
    import json

    lines = ["", "# Exports under their own names (data/raw/README.md, 'Exports under their own",
             "# names'). Written by new-cohort --from-export: check every line.", "files:"]
    for match in matches:
        lines += [f"  {match.table}:", f"    file: {json.dumps(match.file, ensure_ascii=False)}"]
        if match.how:
            lines.append(f"    # items recognised by {match.how}: check them")
        if match.survey_items:
            lines.append("    # questions numbered ps_01 ... as items: parent_survey_items.csv "
                         "lists their texts and a guessed type (check it, add the domains)")
        if match.dropped:
            lines.append("    # left out of the copy (direct identifiers): "
                         + ", ".join(json.dumps(c, ensure_ascii=False) for c in match.dropped))
        lines.append("    columns:" + ("" if match.mapped else " {}"))
        lines += [f"      {json.dumps(k, ensure_ascii=False)}: {v}" for k, v in match.mapped.items()]
        if match.unknown:
            lines.append("    # not recognised (map by hand as \"Export name\": contract_column):")
            lines += [f"    #   {json.dumps(c, ensure_ascii=False)}" for c in match.unknown]
        if match.missing:
            lines.append("    # required contract columns not found: " + ", ".join(match.missing))
        lines += ["    # labels:                  # export answer -> contract value, per column",
                  "    #   timepoint: {\"Voormeting\": T0, \"Nameting\": T1}"]
    return "\n".join(lines) + "\n"


def _exclude_from_git(folder: Path) -> str | None:
    """Add ``folder`` to the clone's ``info/exclude``; the line added, or None outside git."""
    import subprocess

    try:
        top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel",
                              "--git-path", "info/exclude"], capture_output=True, text=True,
                             encoding="utf-8", timeout=20, check=True).stdout.splitlines()
        exclude = Path(top[1]) if Path(top[1]).is_absolute() else folder / top[1]
        line = "/" + folder.resolve().relative_to(Path(top[0]).resolve()).as_posix() + "/"
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
    existing = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
    if line not in existing.splitlines():
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with exclude.open("a", encoding="utf-8") as handle:
            handle.write(("" if existing.endswith("\n") or not existing else "\n") + line + "\n")
    return line


_CONFIG_TEMPLATE = """\
# Settings of cohort {name}. Fill in every field; see data/raw/README.md (the codebook).
name: {name}                        # equals the folder name
title: Pilot vaktherapie en sociaal werk   # title shown on every output
municipality: Onbekend              # municipality of the pilot
period_start: 2025-01-01            # first day of the cohort period (YYYY-MM-DD)
period_end: 2025-12-31              # last day; dates outside the period give a warning
slots: 30                           # planned capacity in family trajectories
synthetic: {synthetic}                    # true: generated data; every output then says so
# organisation: Sociale Teams Eindhoven      # optional: who ran the pilot, named in the findings
# publication: "Titel van het rapport (Organisatie, 2025)"   # optional: the report this cohort
#                                     # re-analyses; absent: no comparison with published numbers
# substitution_target: 0.5          # optional: municipal target share (0-1) of indicated
#                                     # trajectories to substitute (absent: no target judged)
# hypotheses:                        # optional: the pilot's own hypotheses, one sentence each
#   - "Ouders ervaren minder stress na het traject."
# theme_level: 1                     # optional: level of your code tree that holds the themes
# positive_parent_code: "Ervaring ouders > Positief"   # optional: code of a positive parent
# tariffs: tarieven.yaml             # optional: your own tariffs (see analysis/definitions/
#                                     # tariffs.yaml); absent: assumed placeholder tariffs
# published_claims: published_claims.csv   # optional: claims to reproduce (relative path)

# Pilot limits; defaults from the handreiking ("Over de innovatiepilot", p. 6). Uncomment to
# override for this cohort.
# limits:
#   max_therapy_sessions: {max_therapy_sessions}         # per trajectory; error above
#   max_collaboration_hours: {max_collaboration_hours}       # per trajectory; error above
#   min_observation_sessions: {min_observation_sessions}      # usual range; warning outside
#   max_observation_sessions: {max_observation_sessions}
"""
