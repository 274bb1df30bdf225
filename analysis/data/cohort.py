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
    substitution_target : float
        Municipal target share (0-1) of indicated trajectories to substitute (default 0.5).
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
    substitution_target: float = 0.5
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
            return ([c["name"] for c in contract["questionnaire"]["columns"]]
                    + instrument.item_columns + extras)
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
    files = parse_files(values.pop("files", None), tables=table_files(),
                        columns_of=template_columns, problems=problems)
    if problems:
        raise ConfigError(f"{CONFIG_FILE} of {shown}: " + "; ".join(problems)
                          + ". See data/raw/README.md for the expected fields.")
    own = set(CohortConfig.__dataclass_fields__)
    return CohortConfig(**{k: v for k, v in values.items() if k in own},
                        published_claims=claims, limits=limits, folder=folder, files=files,
                        extra={k: v for k, v in values.items() if k not in own})


def _claims_file(folder: Path, name: str | None, problems: list[str]) -> Path | None:
    """The published-claims file, confined to the cohort folder and a regular file."""
    if name is None:
        return None
    try:
        name = check_relative_path(name, file=CONFIG_FILE, field="published_claims")
        if not check_entry(folder / name, folder, name):
            problems.append(f"published_claims file {name!r} not found in the cohort folder")
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
              "mapping": "a mapping of 'key: value' lines"}


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
class NewCohort:
    """What :func:`new_cohort` did: the folder, the export mapped, and the git exclusion.

    Attributes
    ----------
    folder : pathlib.Path
        The new cohort folder.
    table : str or None
        The contract table the export was taken for (``--from-export``), else None.
    mapped : dict of str to str
        Export column -> contract column, as written under ``files:`` in ``cohort.yaml``.
    unknown : list of str
        Export columns not recognised (kept as extra columns unless mapped by hand).
    missing : list of str
        Required contract columns of the table that no export column maps onto.
    excluded : str or None
        The line added to ``.git/info/exclude`` (None: synthetic, or not in a git clone).
    """

    folder: Path
    table: str | None = None
    mapped: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    excluded: str | None = None


def new_cohort(name: str, raw_root: str | os.PathLike | None = None, *,
               from_export: str | os.PathLike | None = None,
               synthetic: bool = False) -> NewCohort:
    """Scaffold ``<raw_root>/NAME/``: a commented ``cohort.yaml`` and empty template exports.

    Each template is a CSV holding only the header of the data contract (the columns of
    ``contract.yaml`` and, for questionnaires, of the instrument definitions). The scaffold
    validates without errors. With ``from_export`` the export is copied in under its own name
    (byte for byte), the contract table it fits best is chosen by its header, and
    ``cohort.yaml`` gets a ``files:`` mapping for the columns recognised
    (:func:`analysis.data.mapping.suggest_columns`); that table gets no template. Unless
    ``synthetic``, ``data/raw/NAME/`` is added to the clone's ``.git/info/exclude`` so that real
    data are never committed by accident.

    Raises
    ------
    ConfigError
        When ``name`` breaks the name rule (:func:`analysis.data.safe_input.check_name`), the
        folder exists already (nothing is overwritten), or no contract column is recognised
        in the export.
    """
    check_name(name)
    folder = paths.raw_dir(name, raw_root)
    if os.path.lexists(folder):
        raise ConfigError(f"cohort folder {paths.display(folder)} exists already; expected a new "
                          "name (an existing cohort is never overwritten).")
    result = NewCohort(folder)
    export = _match_export(Path(from_export), result) if from_export is not None else None
    from analysis.atomic import write_bytes_atomic, write_text_atomic

    folder.mkdir(parents=True)
    text = _CONFIG_TEMPLATE.format(name=name, synthetic=str(synthetic).lower(),
                                   **default_limits())
    if export is not None:
        write_bytes_atomic(folder / export.name, export.read_bytes())
        text += _mapping_yaml(result.table, export.name, result.mapped, result.unknown)
    write_text_atomic(folder / CONFIG_FILE, text)
    for stem, file in table_files().items():
        if stem != result.table:
            write_text_atomic(folder / file, ",".join(template_columns(file)) + "\n")
    if not synthetic:
        result.excluded = _exclude_from_git(folder)
    return result


def _match_export(export: Path, result: NewCohort) -> Path:
    """Choose the contract table of ``export`` by its header; fill in ``result``."""
    from analysis.data.io import TABLE_SUFFIXES, read_table
    from analysis.data.mapping import suggest_columns

    if export.suffix.lower() not in TABLE_SUFFIXES:
        raise ConfigError(f"--from-export {export.name[:60]!r}: expected a .csv, .xlsx or .sav "
                          "export.")
    check_entry(export, None, export.name[:60], must_exist=True)
    header = [str(c) for c in read_table(export, name=export.name[:60]).columns]
    best = None
    for stem, file in table_files().items():
        columns = template_columns(file)
        prefixes = [i.item_prefix for i in map(instruments.load_instrument, instruments.available())
                    if i.file == file]
        mapped, unknown = suggest_columns(header, columns, prefixes)
        hits = len(header) - len(unknown)
        if best is None or hits > best[0]:
            best = (hits, stem, file, mapped, unknown)
    hits, stem, file, mapped, unknown = best
    if hits == 0:
        raise ConfigError(f"--from-export {export.name[:60]!r}: none of its {len(header)} columns "
                          "is recognised as a column of the data contract; expected an export "
                          "of one table (see data/raw/README.md) or a hand-written files: "
                          "mapping in cohort.yaml.")
    present = {mapped.get(h.strip(), h.strip()) for h in header}
    specs = _required_columns(file)
    result.table, result.mapped, result.unknown = stem, mapped, unknown
    result.missing = [c for c in specs if c not in present]
    return export


def _required_columns(file: str) -> list[str]:
    contract = load_contract()
    if file in contract["files"]:
        return [c["name"] for c in contract["files"][file]["columns"] if c.get("required")]
    instrument = next(i for i in map(instruments.load_instrument, instruments.available())
                      if i.file == file)
    shared = [c["name"] for c in contract["questionnaire"]["columns"] if c.get("required")]
    return shared + list(instrument.item_columns)


def _mapping_yaml(stem: str, file: str, mapped: dict[str, str], unknown: list[str]) -> str:
    """The ``files:`` stub for one export (YAML text, keys quoted)."""
    import json

    lines = ["", "# Exports under their own names (data/raw/README.md, 'Exports under their own",
             "# names'). Written by new-cohort --from-export: check every line.", "files:",
             f"  {stem}:", f"    file: {json.dumps(file, ensure_ascii=False)}", "    columns:"]
    lines += [f"      {json.dumps(k, ensure_ascii=False)}: {v}" for k, v in mapped.items()]
    if not mapped:
        lines[-1] += " {}"
    if unknown:
        lines.append("    # not recognised (map by hand as \"Export name\": contract_column):")
        lines += [f"    #   {json.dumps(c, ensure_ascii=False)}" for c in unknown]
    lines += ["    # labels:                  # export answer -> contract value, per column",
              "    #   timepoint: {\"Voormeting\": T0, \"Nameting\": T1}"]
    return "\n".join(lines) + "\n"


def _exclude_from_git(folder: Path) -> str | None:
    """Add ``folder`` to the clone's ``info/exclude``; the line added, or None outside git."""
    import subprocess

    try:
        top = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel",
                              "--git-path", "info/exclude"], capture_output=True, text=True,
                             encoding="utf-8",
                             timeout=20, check=True).stdout.splitlines()
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
#                                     # trajectories to substitute (default 0.5)
# published_claims: published_claims.csv   # optional: claims to reproduce (relative path)

# Pilot limits; defaults from the handreiking ("Over de innovatiepilot", p. 6). Uncomment to
# override for this cohort.
# limits:
#   max_therapy_sessions: {max_therapy_sessions}         # per trajectory; error above
#   max_collaboration_hours: {max_collaboration_hours}       # per trajectory; error above
#   min_observation_sessions: {min_observation_sessions}      # usual range; warning outside
#   max_observation_sessions: {max_observation_sessions}
"""
