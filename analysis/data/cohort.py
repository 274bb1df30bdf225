"""A cohort: one folder of raw exports, its ``cohort.yaml`` and the data contract it follows.

The contract is data (``analysis/definitions/contract.yaml``, codebook ``data/raw/README.md``);
this module reads it, reads ``cohort.yaml`` into a :class:`CohortConfig` and scaffolds a new
cohort (:func:`new_cohort`). Checking the tables, and loading a validated cohort
(:func:`analysis.data.validate.load_cohort`), is :mod:`analysis.data.validate`'s job.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.errors import ConfigError, DataError, Problem
from analysis.questionnaires import instruments

CONTRACT_FILE: Path = paths.DEFINITIONS / "contract.yaml"
"""The declarative data contract: file schemas, answer types, pilot limits."""

CONFIG_FILE: str = "cohort.yaml"
"""The one required file of a cohort folder."""

_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")


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

    Raises
    ------
    DataError
        When the folder or its ``cohort.yaml`` does not exist.
    ConfigError
        When ``cohort.yaml`` is not YAML, or a field is missing or has the wrong type; the
        message lists every such problem.
    """
    folder = Path(folder)
    shown = paths.display(folder)
    if not folder.is_dir():
        raise DataError(
            f"cohort folder {shown} not found; expected a folder holding {CONFIG_FILE} and the "
            f"exports (create one with: python -m analysis new-cohort {folder.name}).",
            [Problem(shown, None, None, None, "an existing cohort folder", check="missing")],
        )
    spec = _load_yaml(folder / CONFIG_FILE)
    problems: list[str] = []
    values = {f["name"]: _config_field(spec, f, problems)
              for f in load_contract()["config"]["fields"]}
    limits = _limits(values.pop("limits") or {}, problems)
    start, end = values["period_start"], values["period_end"]
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        problems.append(f"period_end {end} is before period_start {start}")
    claims = values.pop("published_claims")
    if claims is not None and not (folder / claims).is_file():
        problems.append(f"published_claims file {claims!r} not found in the cohort folder")
    if problems:
        raise ConfigError(f"{CONFIG_FILE} of {shown}: " + "; ".join(problems)
                          + ". See data/raw/README.md for the expected fields.")
    return CohortConfig(**values, published_claims=folder / claims if claims else None,
                        limits=limits, folder=folder)


def _load_yaml(file: Path) -> dict[str, Any]:
    if not file.is_file():
        raise DataError(
            f"{CONFIG_FILE} not found in cohort folder {paths.display(file.parent)}; expected a "
            f"{CONFIG_FILE} with name, title, municipality, period_start, period_end, slots and "
            "synthetic (see data/raw/README.md, or scaffold a cohort with new-cohort).",
            [Problem(CONFIG_FILE, None, None, None, "the cohort settings", check="missing")],
        )
    try:
        spec = yaml.safe_load(file.read_bytes().decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ConfigError(f"{CONFIG_FILE} cannot be read{line}: it is not valid UTF-8 YAML; "
                          "expected 'key: value' lines as in data/raw/README.md.") from None
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


def new_cohort(name: str, raw_root: str | os.PathLike | None = None) -> Path:
    """Scaffold ``<raw_root>/NAME/``: a commented ``cohort.yaml`` and empty template exports.

    Each template is a CSV holding only the header of the data contract (the columns of
    ``contract.yaml`` and, for questionnaires, of the instrument definitions). The scaffold
    validates without errors.

    Raises
    ------
    ConfigError
        When ``name`` has characters other than letters, digits, ``-`` and ``_``, or the folder
        exists already (nothing is overwritten).
    """
    if not isinstance(name, str) or not _NAME_PATTERN.fullmatch(name):
        raise ConfigError(f"cohort name {name!r} is not allowed; expected letters, digits, "
                          "'-' and '_' only, e.g. eindhoven-2025.")
    folder = paths.raw_dir(name, raw_root)
    if folder.exists():
        raise ConfigError(f"cohort folder {paths.display(folder)} exists already; expected a new "
                          "name (an existing cohort is never overwritten).")
    from analysis.atomic import write_text_atomic

    folder.mkdir(parents=True)
    write_text_atomic(folder / CONFIG_FILE, _CONFIG_TEMPLATE.format(name=name, **default_limits()))
    for file in table_files().values():
        write_text_atomic(folder / file, ",".join(template_columns(file)) + "\n")
    return folder


_CONFIG_TEMPLATE = """\
# Settings of cohort {name}. Fill in every field; see data/raw/README.md (the codebook).
name: {name}                        # equals the folder name
title: Pilot vaktherapie en sociaal werk   # title shown on every output
municipality: Onbekend              # municipality of the pilot
period_start: 2025-01-01            # first day of the cohort period (YYYY-MM-DD)
period_end: 2025-12-31              # last day; dates outside the period give a warning
slots: 30                           # planned capacity in family trajectories
synthetic: false                    # true: generated data; every output then says so
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
