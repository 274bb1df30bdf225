"""Validation of a cohort's raw exports against the data contract.

:func:`validate_cohort` reads every file of a cohort folder (see ``data/raw/README.md``), checks
it against ``analysis/definitions/contract.yaml`` and the instrument definitions, and returns a
:class:`ValidationReport` with the problems found and the cleaned, typed tables. All checks are
vectorised column operations; Python loops run only over the failures that are listed.

Checks, with the severity of what they find:

==========================  ========  ======================================================
check                       severity  finds
==========================  ========  ======================================================
``type``                    error     a value that is not of the column's type
``allowed``                 error     a category value outside the allowed codes and labels
``range``                   error     a number outside the column's range
``required_value``          error     an empty cell in a column that needs a value
``unique``                  error     a repeated key (family_id, session_id, item)
``pilot_limit``             error     therapy sessions or collaboration hours above the limit
``answer``                  error     an answer that is neither a number nor a label
``answer_range``            error     an answer outside the instrument's answer scale
``duplicate``               error     two rows for one (family_id, timepoint)
``unknown_family``          error     a family_id absent from trajectories.csv
``form_age``                error     an SDQ form that fits no age the child can have had
``form_informant``          error     a stated SDQ form its informant does not fill in
``form_column``             warning   a header like ``Versie`` not mapped to ``version``
``form_derived``            warning   SDQ forms other than parent 4-17 assumed without ``version``
``date_order``              error     start after end; a later questionnaire dated before T0
``observation_count``       error     more observation sessions than therapy sessions
``observation_sessions``    warning   observation sessions outside the usual 3-5
``without_t0``              warning   a T1 or T2 questionnaire of a family without T0
``date_outside_period``     warning   a date outside the cohort period of cohort.yaml
``status_end_date``         warning   an end date that does not fit the status
``scale_missing``           warning   fewer answered items than a scale's min_answered
``missing_item_column``     warning   a parent-survey item without a column
``unknown_session``         warning   a coded segment of a session absent from sessions.csv
``duplicate_segment``       warning   the same code twice on one segment by one coder
``pseudonym``               error     an id, code name or survey item label the privacy guard
                                      flags (file, row and column are named, never the value)
``name``                    warning   cohort.yaml's name differs from the folder name
``file_name``               warning   an export whose name differs in case (``SDQ.csv``)
``value_labels``            error     SPSS answer codes whose labels mean other contract codes
``value_labels``            warning   SPSS value labels applied (the recoding is listed)
``coding``                  error     a coding export (``.qdpx``, file list) notebook 02 cannot read
``identifier``              error     an id holding invisible or bidirectional control characters
``encoding``                error     text holding an unpaired surrogate (no character)
``item_name``               error     a parent-survey item named like a fixed column (family_id)
``code_path``               error     a segment code that is only the separator `` > ``
``date_time``               warning   dates with a time of day (the date kept, once per file)
==========================  ========  ======================================================

A file that cannot be read at all (empty, binary, undecodable, a header without the required
columns, a workbook cell holding an Excel error or an uncalculated formula, an entry named
like a contract file that is not a regular file inside the folder, a table or archive beyond
``input_limits`` of the contract, a broken zip) or a missing or wrong ``cohort.yaml`` (an
unpaired surrogate in a field included) raises :class:`~analysis.errors.CompendiumError`. Exports under their own names
are mapped onto the contract by ``cohort.yaml``'s ``files:`` (:mod:`analysis.data.mapping`);
messages then name a column as the export has it and the contract column it maps to.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import paths, privacy
from analysis.data.cohort import (
    Cohort,
    CohortConfig,
    load_contract,
    read_config,
    table_files,
)
from analysis.data.io import (
    DEFAULT_ID_COLUMNS,
    FIRST_DATA_ROW,
    apply_to_unique,
    fold_label,
    fold_labels,
    has_time_of_day,
    locate_table,
    parse_dates,
    read_table,
)
from analysis.data.mapping import FileMapping
from analysis.data.report import (  # noqa: F401  (re-exported: the report belongs to validation)
    MAX_LISTED,
    FileSummary,
    ValidationReport,
)
from analysis.data.safe_input import INVISIBLE_OR_BIDI, SURROGATE, check_entry, identifier_key
from analysis.errors import DataError, Problem
from analysis.questionnaires import forms, instruments

@dataclass
class _Table:
    """One file being validated: its displayed name, the raw frame and the cleaned columns."""

    file: str
    raw: pd.DataFrame
    clean: dict[str, pd.Series] = field(default_factory=dict)
    mapping: FileMapping = field(default_factory=lambda: FileMapping(""))
    timed: dict[str, str] = field(default_factory=dict)  # date column -> a value with a time

    def frame(self, order: list[str]) -> pd.DataFrame:
        """Cleaned table: contract columns in ``order``, then extra columns as read."""
        extras = [c for c in self.raw.columns if c not in order]
        data = {c: self.clean[c] for c in order} | {c: self.raw[c] for c in extras}
        return pd.DataFrame(data, index=self.raw.index)


def validate_cohort(folder: str | os.PathLike) -> ValidationReport:
    """Check every export of the cohort in ``folder`` against the data contract.

    Parameters
    ----------
    folder : path-like
        The cohort folder (``data/raw/<cohort>/``). Nothing in it is written.

    Returns
    -------
    ValidationReport
        Errors, warnings, counts per check, the cleaned tables and a summary per file.

    Raises
    ------
    CompendiumError
        (:class:`~analysis.errors.DataError` or :class:`~analysis.errors.ConfigError`) when the
        folder or ``cohort.yaml`` is missing or wrong, or a file cannot be read at all.
    """
    folder = Path(folder)
    report = _check_cohort(folder)
    _LAST.clear()
    _LAST[_folder_key(folder)] = report
    return report


_LAST: dict[tuple, ValidationReport] = {}
"""The last report of :func:`validate_cohort`, by folder and file contents, for
:func:`reuse_report` (one entry)."""


def reuse_report(folder: str | os.PathLike) -> ValidationReport:
    """:func:`validate_cohort` of ``folder``, reusing the last report when every file in the
    folder is byte for byte the same (content hashes), which it then forgets.

    A notebook that shows the validation report and then loads the cohort
    (:func:`analysis.data.cohort.load_cohort`) so validates once; a 100,000-family cohort takes
    about 3 s to validate and well under a second to hash. The tables are copies.
    """
    folder = Path(folder)
    report = _LAST.pop(_folder_key(folder), None)
    if report is None:
        return validate_cohort(folder)
    _LAST.clear()
    from dataclasses import replace

    return replace(report, tables={name: frame.copy() for name, frame in report.tables.items()})


def _folder_key(folder: Path) -> tuple:
    """Folder and, per file below it, path, size and BLAKE2 digest of the content."""
    import hashlib

    entries = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        entries.append((path.relative_to(folder).as_posix(), path.stat().st_size, digest))
    return (str(folder.resolve()), tuple(entries))


def _check_cohort(folder: Path) -> ValidationReport:
    config = read_config(folder)
    report = ValidationReport(cohort=paths.display(folder), config=config)
    report.files["cohort.yaml"] = FileSummary("cohort.yaml", "cohort.yaml")
    if config.name != folder.name:
        report.add(Problem("cohort.yaml", None, "name", config.name,
                           f"the folder name {folder.name!r}", "warning", "name"))
    _check_identifiers(report, folder)  # file names, cohort.yaml: never echoed
    contract = load_contract()
    for stem, name in table_files().items():
        specs = _column_specs(name, contract)
        table = _read(report, folder, name, specs, config.mapping(stem))
        if table is None:
            continue
        _apply_labels(report, table, specs, contract)
        _check_file(report, table, name, contract)
        report.tables[stem] = table.frame(_column_order(table, name, contract))
        report.raw[stem] = table.raw
    _check_across(report, contract)
    _check_claims(report, contract)
    _check_coding(report, folder)
    _check_coding_labels(report, folder)
    return report


def _shown(name: str) -> str:
    """A file as messages show it: identifiers in its name replaced (``ARI export [naam].csv``)."""
    return privacy.shown_file_name(name) if privacy.file_name_problem(name) else name


def _check_identifiers(report: ValidationReport, folder: Path) -> None:
    """Every file name in the cohort folder and every text of cohort.yaml through the privacy
    gate (:mod:`analysis.privacy.gate`); problems name file, row (line) and field, never the
    value (a file is shown with the identifier replaced: ``ARI export [naam].csv``)."""
    names = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*"))]
    known = [*table_files().values(), "cohort.yaml", privacy.APPROVAL_FILE]
    for shown, reason in privacy.file_name_problems(names, known=known):
        report.add(Problem(shown, None, None, None, reason, "error", "pseudonym"))
    text = (folder / "cohort.yaml").read_text(encoding="utf-8-sig")
    for line, key, reason in privacy.config_problems(text):
        report.add(Problem("cohort.yaml", line, key, None, reason, "error", "pseudonym"))


def _check_coding_labels(report: ValidationReport, folder: Path) -> None:
    """Code names, descriptions, sources, cases and coders of every coding export through the
    privacy gate (the contract's segments.csv is checked column by column)."""
    from analysis.qualitative import qda  # lazy: the readers live with the qualitative analysis

    for row in privacy.label_problems(qda.coding_labels(folder)).itertuples():
        report.add(Problem(_shown(row.file), None if pd.isna(row.row) else int(row.row), row.column,
                           None, row.reason, "error", "pseudonym"))


def _read(report: ValidationReport, folder: Path, name: str, specs: list[dict[str, Any]],
          mapping: FileMapping) -> _Table | None:
    """Read contract file ``name`` (any accepted format, or the mapped export); None when absent."""
    if mapping.file is not None:
        path = folder / mapping.file
        if not check_entry(path, folder, mapping.file):
            raise DataError(
                f"{mapping.file} not found in cohort folder {report.cohort}; expected the export "
                f"named by files: {mapping.stem}: file: in cohort.yaml (or remove that line).",
                [Problem(mapping.file, None, None, None, "an existing export", check="missing")])
        warnings = []
    else:
        path, warnings = locate_table(folder, name[: -len(".csv")])
    for warning in warnings:
        report.add(warning)
    if path is None:
        report.files[name] = FileSummary(name)
        return None
    shown = _shown(path.relative_to(folder).as_posix())
    ids = [*DEFAULT_ID_COLUMNS, *(s["name"] for s in specs if s["type"] == "id")]
    required = [s["name"] for s in specs if s.get("required")]
    raw = read_table(path, id_columns=ids, required_columns=required, name=shown,
                     rename=mapping.columns)
    report.files[name] = FileSummary(name, shown, len(raw))
    table = _Table(shown, raw, mapping=mapping)
    if path.suffix.lower() != ".csv":  # CSV text is decoded strictly: it holds no surrogate
        _check_characters(report, table)
    return table


def _check_characters(report: ValidationReport, table: _Table) -> None:
    """Unpaired surrogates in any text cell or column name: an error naming row and column
    (never the value); in memory they become U+FFFD so that nothing later fails to print."""
    raw = table.raw
    for position, column in enumerate(list(raw.columns)):
        if SURROGATE.search(str(column)):
            report.add(Problem(table.file, 1, f"column {position + 1}", None, "a column name "
                               "without unpaired surrogate characters", "error", "encoding"))
            raw.columns = [SURROGATE.sub("\ufffd", str(c)) for c in raw.columns]
            column = raw.columns[position]
        values = raw[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        if not SURROGATE.search("\x00".join(map(str, pd.unique(values.dropna())))):
            continue  # one regex pass over the distinct values: the common case ends here
        text = pd.Series(values, dtype="str")
        broken = text.str.contains(SURROGATE.pattern, regex=True).fillna(False).astype(bool)
        if broken.any():
            _flag(report, table, broken, column, "text without unpaired surrogate characters "
                  "(U+D800-U+DFFF alone: no character, and no file can hold it)", "encoding",
                  values=pd.Series(None, index=raw.index, dtype=object))
            raw[column] = values.where(~broken, text.str.replace(SURROGATE.pattern, "\ufffd",
                                                                 regex=True))


def _apply_labels(report: ValidationReport, table: _Table, specs: list[dict[str, Any]],
                  contract: dict[str, Any]) -> None:
    """Apply ``labels:`` of cohort.yaml and SPSS value labels to the raw columns (in place)."""
    by_name = {s["name"]: s for s in specs}
    raw = table.raw
    disagree: dict[tuple, list[str]] = {}
    for column, codes in raw.attrs.get("value_labels", {}).items():
        spec = by_name.get(column)
        if spec is None or column not in raw.columns or spec["type"] in ("id", "string", "text"):
            continue
        if spec["type"] == "answer":
            if _answer_value_labels(table, spec, codes):
                disagree.setdefault(tuple(sorted(codes.items())), []).append(column)
        else:
            raw[column] = _recode(raw[column], {_code_key(k): v for k, v in codes.items()})
    for codes, columns in disagree.items():
        _report_value_labels(report, table, by_name[columns[0]], dict(codes), columns)
    for column, mapped in table.mapping.labels.items():
        if column in raw.columns:
            raw[column] = _recode(raw[column], mapped, lower=True)


def _code_key(value: Any) -> str:
    return _show(float(value)) if isinstance(value, (int, float)) else fold_label(str(value))


def _recode(values: pd.Series, table: dict[str, Any], *, lower: bool = False) -> pd.Series:
    """``values`` with each value found in ``table`` (by its text) replaced; others kept."""
    keys = values.map(lambda v: None if _missing(v) else
                      (_code_key(v) if not lower else fold_label(str(_show(v)))))
    hit = keys.map(lambda k: k in table)
    if not hit.any():
        return values
    out = values.astype(object).copy()
    out[hit] = keys[hit].map(table)
    return out


def _answer_value_labels(table: _Table, spec: dict[str, Any], codes: dict[Any, str]) -> bool:
    """Whether SPSS codes of an answer column mean other contract codes (recoded when the
    mapping says ``value_labels: apply``)."""
    labels = _answer_labels(spec)
    present = set(pd.to_numeric(table.raw[spec["name"]], errors="coerce").dropna().tolist())
    meant = {code: labels.get(fold_label(str(label))) for code, label in codes.items()}
    wrong = {c: m for c, m in meant.items() if m is not None and c in present and float(c) != m}
    if wrong and table.mapping.apply_value_labels:
        table.raw[spec["name"]] = pd.to_numeric(_recode(
            table.raw[spec["name"]], {_code_key(c): m for c, m in meant.items() if m is not None}))
    return bool(wrong)


def _report_value_labels(report: ValidationReport, table: _Table, spec: dict[str, Any],
                         codes: dict[Any, str], columns: list[str]) -> None:
    """One problem per SPSS label table whose codes disagree with the contract's labels."""
    shown = [table.mapping.shown(c) for c in columns]
    where = shown[0] if len(shown) == 1 else f"{shown[0]} ... {shown[-1]} ({len(shown)} columns)"
    pairs = ", ".join(f"{_show(float(c))} = {str(codes[c])[:25]!r}" for c in sorted(codes))
    contract = ", ".join(f"{k!r} = {_show(float(v))}"
                         for k, v in list(_answer_labels(spec).items())[:6])
    if table.mapping.apply_value_labels:
        report.add(Problem(table.file, None, where, pairs, "the contract's codes (" + contract
                           + "): answers recoded by their SPSS labels (value_labels: apply)",
                           "warning", "value_labels"))
    else:
        report.add(Problem(table.file, None, where, pairs, "the contract's codes " + contract
                           + "; recode the export in SPSS, or set value_labels: apply for this "
                           "table under files: in cohort.yaml", "error", "value_labels"))


def _check_claims(report: ValidationReport, contract: dict[str, Any]) -> None:
    """The published-claims CSV named by cohort.yaml: header, unique ids, numeric values."""
    path = report.config.published_claims
    if path is None:
        return
    specs = contract["published_claims"]["columns"]
    shown = _shown(path.relative_to(report.config.folder).as_posix())
    raw = read_table(path, id_columns=[s["name"] for s in specs if s["type"] == "id"],
                     required_columns=[s["name"] for s in specs if s.get("required")],
                     name=shown)
    report.files[shown] = FileSummary(shown, shown, len(raw))
    table = _Table(shown, raw)
    for spec in specs:
        _check_column(report, table, spec, contract)


def _check_coding(report: ValidationReport, folder: Path) -> None:
    """Read the coding exports exactly as notebook 02 will (``.qdpx``, ``segments``, the file
    list), so that a broken export stops ``validate``, not ``run`` minutes later."""
    coding = folder / "coding"
    if not coding.is_dir():
        return
    exports = sorted(p for p in coding.iterdir()
                     if p.suffix.lower() in (".qdpx", ".qde") or p.name == "files.csv")
    for path in exports:  # refused by name before anything opens them (a FIFO would block)
        check_entry(path, folder, path.relative_to(folder).as_posix())
    if not any(p.suffix.lower() in (".qdpx", ".qde") or p.name == "files.csv" for p in exports):
        return
    from analysis.qualitative import qda  # lazy: the readers live with the qualitative analysis

    try:
        segments = qda.read_cohort_coding(folder)
    except DataError as error:
        file = getattr(error, "file", None) or "coding/"
        shown = file if "coding/" in file else f"coding/{Path(file).name}"
        detail = str(error).split(": ", 1)[-1] if ": " in str(error) else str(error)
        report.add(Problem(shown, None, None, None, "a coding export the pipeline can read ("
                           + detail[:200] + ")", "error", "coding"))
        return
    for path in exports:
        shown = _shown(path.relative_to(folder).as_posix())
        report.files[shown] = FileSummary(shown, shown, None)
    report.files["coding/*"] = FileSummary("coding/*", "coding/* (all exports)", len(segments))


def _column_specs(name: str, contract: dict[str, Any]) -> list[dict[str, Any]]:
    """Column specifications of contract file ``name`` (questionnaire items included)."""
    if name in contract["files"]:
        return list(contract["files"][name]["columns"])
    instrument = _instrument_of(name)
    items = [{"name": c, "type": "answer", "required": True, "instrument": instrument}
             for c in instrument.item_columns]
    own = (contract["questionnaire"].get("instrument_columns") or {}).get(instrument.id) or []
    return (list(contract["questionnaire"]["columns"]) + items + _supplement_specs(instrument)
            + list(own))


def _supplement_specs(instrument: instruments.Instrument) -> list[dict[str, Any]]:
    """Optional answer columns of the instrument's supplements (e.g. the SDQ impact items)."""
    specs: dict[str, dict[str, Any]] = {}
    for sup in getattr(instrument, "supplements", {}).values():
        if sup.gate_column:
            specs[sup.gate_column] = {"name": sup.gate_column, "type": "answer",
                                      "min": sup.gate_min, "max": sup.gate_max,
                                      "labels": sup.gate_labels}
        for item in sup.items:
            specs.setdefault(item, {"name": item, "type": "answer", "min": sup.response_min,
                                    "max": sup.response_max, "labels": sup.labels})
    return list(specs.values())


def _instrument_of(name: str) -> instruments.Instrument:
    for instrument_id in instruments.available():
        instrument = instruments.load_instrument(instrument_id)
        if instrument.file == name:
            return instrument
    raise KeyError(name)


def _column_order(table: _Table, name: str, contract: dict[str, Any]) -> list[str]:
    order = [s["name"] for s in _column_specs(name, contract)]
    return order + [c for c in table.clean if c not in order]


def _check_file(report: ValidationReport, table: _Table, name: str,
                contract: dict[str, Any]) -> None:
    specs = _column_specs(name, contract)
    if name == "parent_survey.csv":
        specs += _survey_item_specs(report, table, contract)
    numeric = [s for s in specs if s["type"] == "answer" and "instrument" in s
               and s["name"] in table.raw.columns and _is_number(table.raw[s["name"]])]
    if numeric:
        _check_numeric_answers(report, table, numeric)
    for spec in specs:
        if spec["name"] not in table.clean:
            _check_column(report, table, spec, contract)
    if table.timed:
        columns = ", ".join(table.mapping.shown(c) for c in table.timed)
        report.add(Problem(table.file, None, columns, next(iter(table.timed.values())),
                           "dates without a time of day: the date is kept and the time "
                           "dropped, in the export's time zone (survey tools export "
                           "date-times)", "warning", "date_time"))


def _is_number(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _check_numeric_answers(report: ValidationReport, table: _Table,
                           specs: list[dict[str, Any]]) -> None:
    """Range check of numeric item columns of one instrument as one numpy block (fast path)."""
    columns = [s["name"] for s in specs]
    low, high = _answer_bounds(specs[0])
    block = table.raw[columns]
    if all(pd.api.types.is_integer_dtype(t) for t in block.dtypes):
        integers = block.to_numpy()
        bad = (integers < low) | (integers > high)
        values = integers.astype("float64")
    else:
        values = block.to_numpy(dtype="float64", na_value=np.nan, copy=True)
        bad = ~np.isnan(values) & ((values < low) | (values > high) | (values != np.floor(values)))
    expected = f"a whole answer from {low:g} to {high:g} ({specs[0]['instrument'].name})"
    for j in np.flatnonzero(bad.any(axis=0)):
        mask = pd.Series(bad[:, j], index=table.raw.index)
        _flag(report, table, mask, columns[j], expected, "answer_range")
    values[bad] = np.nan
    for j, column in enumerate(columns):
        table.clean[column] = pd.Series(values[:, j], index=table.raw.index, name=column)


# --------------------------------------------------------------------------------------------
# One column: coerce to its type, then range, required values and uniqueness
# --------------------------------------------------------------------------------------------

_LABEL_COLUMNS = {("segments", "code"), ("parent_survey_items", "text"),
                  ("parent_survey_items", "domain")}
"""Text columns that reach reports and figures as labels: they must hold no identifier."""

_CLEAN_DTYPE: dict[str, str] = {
    "id": "str", "string": "str", "text": "str", "category": "str", "integer": "Int64",
    "number": "float64", "bool": "boolean", "date": "datetime64[us]", "answer": "float64",
}
"""dtype of each contract type in the cleaned tables."""


def _check_column(report: ValidationReport, table: _Table, spec: dict[str, Any],
                  contract: dict[str, Any]) -> None:
    """Check column ``spec['name']`` of ``table`` and store its cleaned values."""
    column, kind = spec["name"], spec["type"]
    if column not in table.raw.columns:
        table.clean[column] = pd.Series(pd.NA if _CLEAN_DTYPE[kind] in ("Int64", "boolean")
                                        else None, index=table.raw.index,
                                        dtype=_CLEAN_DTYPE[kind])
        return
    raw = table.raw[column]
    clean, bad, expected = _coerce(raw, spec, contract)
    check = {"answer": "answer", "category": "allowed", "id": "identifier"}.get(kind, "type")
    shown = None
    if kind == "id" and bad.any():  # the invisible characters shown as escapes (U+200B)
        shown = raw.where(~bad, raw[bad].map(lambda v: INVISIBLE_OR_BIDI.sub(
            lambda m: f"<U+{ord(m.group()):04X}>", str(v))))
    _flag(report, table, bad, column, expected, check, values=shown)
    clean = clean.where(~bad)
    for check, severity, out, expected in _range_checks(clean, spec, report.config, contract):
        _flag(report, table, out, column, expected, check, severity)
        if severity == "error":
            clean = clean.where(~out)
    if spec.get("nullable", True) is False:
        _flag(report, table, raw.isna(), column, "a value (this column may not be empty)",
              "required_value")
    if spec.get("unique"):
        _check_unique(report, table, clean.where(raw.notna()) if kind == "id" else raw, column)
    if kind == "date" and (example := has_time_of_day(raw)):
        table.timed[column] = example
    if kind == "id" or (Path(table.file).stem, column) in _LABEL_COLUMNS:  # never echoed
        reasons = privacy.identifier_flags(raw, code_names=kind != "id")
        _flag(report, table, reasons.notna(), column, reasons.fillna(""), "pseudonym",
              values=pd.Series(None, index=reasons.index, dtype=object))
    table.clean[column] = clean.astype(_CLEAN_DTYPE[kind]) if kind != "answer" else clean


def _coerce(raw: pd.Series, spec: dict[str, Any],
            contract: dict[str, Any]) -> tuple[pd.Series, pd.Series, str]:
    """Typed values of ``raw``, the mask of values that are not of the type, and the expectation."""
    kind = spec["type"]
    present = raw.notna()
    if kind == "id":
        text = pd.Series(raw, dtype="str")
        joined = "\x00".join(map(str, pd.unique(text.dropna())))
        bad = pd.Series(False, index=raw.index)
        if INVISIBLE_OR_BIDI.search(joined):
            bad = present & text.str.contains(INVISIBLE_OR_BIDI.pattern, regex=True).fillna(False)
        clean = text
        if not unicodedata.is_normalized("NFKC", joined):  # else every id is already NFKC
            clean = apply_to_unique(text, lambda u: pd.Series(
                [identifier_key(v) for v in u], index=u.index, dtype="str"))
        return clean, bad, ("an identifier without invisible or bidirectional control "
                            "characters (zero-width space, right-to-left override ...): they "
                            "make look-alike ids")
    if kind in ("string", "text"):
        return pd.Series(raw, dtype="str"), pd.Series(False, index=raw.index), ""
    if kind == "date":
        clean = parse_dates(raw)
        return clean, present & clean.isna(), "a date YYYY-MM-DD or DD-MM-YYYY"
    if kind in ("integer", "number"):
        clean = _number(raw)
        bad = present & clean.isna()
        if kind == "integer":
            bad |= present & clean.notna() & (clean != np.floor(clean))
            return clean, bad, "a whole number"
        return clean, bad, "a number (decimal point or comma)"
    if kind == "bool":
        return _bool(raw, contract)
    if kind == "answer":
        return _answers(raw, spec)
    clean = pd.Series(_text(raw).map(_category_lookup(spec)), index=raw.index, dtype="str")
    return clean, present & clean.isna(), _category_text(spec)


def _text(values: pd.Series) -> pd.Series:
    """Text of any column as labels are matched (:func:`~analysis.data.io.fold_label`: case,
    accents and repeated spaces do not matter); missing stays missing."""
    return fold_labels(values)


def _number(values: pd.Series) -> pd.Series:
    """Numbers of a column (decimal comma accepted); text that is no number gives NaN."""
    if pd.api.types.is_bool_dtype(values):
        return pd.Series(np.nan, index=values.index)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    return apply_to_unique(_text(values), lambda u: pd.to_numeric(
        u.str.replace(",", ".", regex=False), errors="coerce").astype("float64"))


def _bool(raw: pd.Series, contract: dict[str, Any]) -> tuple[pd.Series, pd.Series, str]:
    labels = contract["bool_labels"]
    pairs = [f"{t}/{f}" for t, f in zip(labels["true"][:4], labels["false"][:4])]
    expected = "yes or no: " + ", ".join(pairs[:-1]) + " or " + pairs[-1]
    if pd.api.types.is_bool_dtype(raw):
        return raw.astype("boolean"), pd.Series(False, index=raw.index), expected
    lookup = ({fold_label(str(k)): True for k in labels["true"]}
              | {fold_label(str(k)): False for k in labels["false"]})
    if pd.api.types.is_numeric_dtype(raw):
        text = raw.map({1: "1", 0: "0"})
    else:
        text = _text(raw)
    clean = pd.Series(text.map(lookup), index=raw.index, dtype="boolean")
    return clean, raw.notna() & clean.isna(), expected


def _answers(raw: pd.Series, spec: dict[str, Any]) -> tuple[pd.Series, pd.Series, str]:
    """Answer codes of an item: numbers, or answer labels mapped to their codes."""
    labels = _answer_labels(spec)
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        clean = raw.astype("float64")
    else:
        text = _text(raw)
        clean = pd.to_numeric(text.map(labels), errors="coerce").astype("float64")
        clean = clean.fillna(_number(raw))
    shown = ", ".join(repr(k) for k in list(labels)[:6])
    low, high = _answer_bounds(spec)
    expected = f"an answer {low:g}-{high:g}" + (f" or a label ({shown})" if labels else "")
    return clean, raw.notna() & clean.isna(), expected


def _answer_labels(spec: dict[str, Any]) -> dict[str, float]:
    if "instrument" in spec:
        return {fold_label(str(k)): v for k, v in spec["instrument"].labels.items()}
    return {fold_label(str(k)): v for k, v in spec.get("labels", {}).items()}


def _answer_bounds(spec: dict[str, Any]) -> tuple[float, float]:
    if "instrument" in spec:
        return spec["instrument"].response_min, spec["instrument"].response_max
    return spec["min"], spec["max"]


def _category_lookup(spec: dict[str, Any]) -> dict[str, Any]:
    """Accepted spellings (lower-case) of each allowed value -> its code."""
    lookup: dict[str, Any] = {}
    for code, labels in spec["values"].items():
        names = [code, labels.get("nl"), labels.get("en"), *labels.get("aliases", [])]
        for label in names:
            if label is not None:
                lookup.setdefault(fold_label(str(label)), code)
    return lookup


def _category_text(spec: dict[str, Any]) -> str:
    values = spec["values"]
    codes = ", ".join(str(c) for c in values)
    dutch = ", ".join(str(v["nl"]) for v in values.values() if v.get("nl"))
    return f"one of {codes} (Dutch labels: {dutch})"


def _range_checks(clean: pd.Series, spec: dict[str, Any], config: CohortConfig | None,
                  contract: dict[str, Any]):
    """Yield ``(check, severity, mask, expected)`` for the range rules of ``spec``."""
    if spec["type"] == "answer":
        low, high = _answer_bounds(spec)
        out = (clean < low) | (clean > high) | (clean != np.floor(clean))
        out &= clean.notna()
        name = f" ({spec['instrument'].name})" if "instrument" in spec else ""
        yield "answer_range", "error", out, f"a whole answer from {low:g} to {high:g}{name}"
        return
    if "min" in spec:
        yield "range", "error", (clean < spec["min"]).fillna(False), f"at least {spec['min']}"
    if "max" in spec:
        yield "range", "error", (clean > spec["max"]).fillna(False), f"at most {spec['max']}"
    if "max_limit" in spec and config is not None:
        key = spec["max_limit"]
        limit, meta = config.limits[key], contract["limits"][key]
        yield ("pilot_limit", meta["severity"], (clean > limit).fillna(False),
               f"at most {limit:g} {meta['unit']} (pilot limit {key}, handreiking 'Over de "
               "innovatiepilot'; a cohort with other limits sets them under limits: in "
               "cohort.yaml)")


def _check_unique(report: ValidationReport, table: _Table, raw: pd.Series, column: str) -> None:
    present = raw.dropna()
    repeated = present.duplicated(keep="first")
    if not repeated.any():
        return
    first = pd.Series(present.index, index=present.index).groupby(present.values).transform("min")
    expected = ("a unique " + column + " (first used in row " + (first + FIRST_DATA_ROW)
                .astype("str") + ")")
    _flag(report, table, repeated.reindex(raw.index, fill_value=False), column,
          expected.reindex(raw.index), "unique")


def _flag(report: ValidationReport, table: _Table, mask: pd.Series, column: str | None,
          expected: str | pd.Series, check: str, severity: str = "error",
          values: pd.Series | None = None) -> None:
    """Record a problem for each row where ``mask`` is true; loops only over the failures."""
    rows = np.flatnonzero(np.asarray(mask.to_numpy(dtype=bool, na_value=False)))
    if not len(rows):
        return
    key = (table.file, check, severity)
    listed = report.counts.get(key, 0)
    report.counts[key] = listed + len(rows)
    shown = values if values is not None else (
        table.raw[column] if column in table.raw.columns else None)
    for position in rows[: max(MAX_LISTED - listed, 0)]:
        value = None if shown is None else shown.iloc[position]
        text = expected if isinstance(expected, str) else str(expected.iloc[position])
        problem = Problem(table.file, int(mask.index[position]) + FIRST_DATA_ROW,
                          column and table.mapping.shown(column),
                          None if _missing(value) else _show(value), text, severity, check)
        (report.errors if severity == "error" else report.warnings).append(problem)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return privacy.gate_value(str(value))  # a message reaches the reports: no identifier in it


# --------------------------------------------------------------------------------------------
# The parent survey: item columns declared in parent_survey_items.csv
# --------------------------------------------------------------------------------------------

_SURVEY_FIXED = ("family_id", "date")
"""Columns of parent_survey.csv that are no item: an item may not take their names."""


def _survey_item_specs(report: ValidationReport, table: _Table,
                       contract: dict[str, Any]) -> list[dict[str, Any]]:
    """Column specs of the parent-survey items, from the cleaned ``parent_survey_items``."""
    items = report.tables.get("parent_survey_items")
    if items is None:
        return []
    types = contract["parent_survey_types"]
    specs = []
    known = items.dropna(subset=["item", "type"]).drop_duplicates("item")
    for row, item, kind in zip(known.index, known["item"], known["type"]):
        if item in _SURVEY_FIXED:
            report.add(Problem(report.files["parent_survey_items.csv"].source,
                               int(row) + FIRST_DATA_ROW, "item", item,
                               "an item name other than " + " and ".join(_SURVEY_FIXED)
                               + f" (a column every row of {table.file} has: rename the item)",
                               "error", "item_name"))
            continue
        if item not in table.raw.columns:
            report.add(Problem(report.files["parent_survey_items.csv"].source,
                               int(row) + FIRST_DATA_ROW, "item", item,
                               f"a column {item!r} in {table.file}", "warning",
                               "missing_item_column"))
            continue
        declared = types[kind]
        if "labels" in declared:
            specs.append({"name": item, "type": "answer", "min": declared["min"],
                          "max": declared["max"], "labels": declared["labels"]})
        else:
            specs.append({"name": item, "type": declared["type"]})
    return specs


# --------------------------------------------------------------------------------------------
# Checks across rows and files
# --------------------------------------------------------------------------------------------

def _check_across(report: ValidationReport, contract: dict[str, Any]) -> None:
    tables = report.tables
    if "trajectories" in tables:
        _check_trajectories(report, tables["trajectories"])
    families = tables["trajectories"]["family_id"] if "trajectories" in tables else None
    for stem, frame in tables.items():
        if stem in instruments.available():
            _check_questionnaire(report, stem, frame, families)
    if "parent_survey" in tables:
        survey = tables["parent_survey"]
        _check_families(report, "parent_survey", survey, families)
        _check_period(report, "parent_survey", survey, ["date"])
    if "sessions" in tables:
        _check_period(report, "sessions", tables["sessions"], ["date"])
    if "segments" in tables:
        _check_segments(report, tables["segments"], tables.get("sessions"))


def _view(report: ValidationReport, stem: str, frame: pd.DataFrame) -> _Table:
    """A :class:`_Table` over a cleaned table whose problems show the values as read."""
    name = table_files()[stem]
    return _Table(report.files[name].source or name, report.raw.get(stem, frame),
                  mapping=report.config.mapping(stem))


def _check_trajectories(report: ValidationReport, frame: pd.DataFrame) -> None:
    table = _view(report, "trajectories", frame)
    start, end = frame["start_date"], frame["end_date"]
    _flag(report, table, (start > end).fillna(False), "end_date",
          "an end_date on or after start_date", "date_order")
    _check_period(report, "trajectories", frame, ["start_date", "end_date"])
    limits = report.config.limits
    low, high = limits["min_observation_sessions"], limits["max_observation_sessions"]
    observed, sessions = frame["observation_sessions"], frame["therapy_sessions"]
    unusual = (observed > high) | ((observed < low) & (frame["status"] != "ongoing"))
    _flag(report, table, unusual.fillna(False), "observation_sessions",
          f"{low:g}-{high:g} observation sessions (usual range, handreiking "
          "'Over de innovatiepilot'; cohort.yaml limits: overrides)",
          "observation_sessions", "warning")
    _flag(report, table, (observed > sessions).fillna(False), "observation_sessions",
          "at most therapy_sessions (observation sessions are counted in therapy_sessions)",
          "observation_count")
    closed = frame["status"].isin(["completed", "dropped_out"])
    _flag(report, table, (closed & end.isna()).fillna(False), "end_date",
          "an end_date for a completed or dropped-out trajectory", "status_end_date", "warning")
    _flag(report, table, ((frame["status"] == "ongoing") & end.notna()).fillna(False),
          "end_date", "no end_date while the status is ongoing", "status_end_date", "warning")


def _check_questionnaire(report: ValidationReport, stem: str, frame: pd.DataFrame,
                         families: pd.Series | None) -> None:
    table = _view(report, stem, frame)
    _check_families(report, stem, frame, families)
    key = frame[["family_id", "timepoint"]]
    complete = key.notna().all(axis=1)
    _flag(report, table, complete & key.duplicated(keep="first"), "timepoint",
          "one row per family_id and timepoint", "duplicate")
    baseline = frame.loc[(frame["timepoint"] == "T0") & frame["family_id"].notna()]
    baseline = baseline.drop_duplicates("family_id").set_index("family_id")["date"]
    t0_date = pd.Series(baseline.reindex(frame["family_id"]).to_numpy(), index=frame.index)
    later = frame["timepoint"].isin(["T1", "T2"]).fillna(False)
    has_t0 = frame["family_id"].isin(baseline.index)
    _flag(report, table, later & ~has_t0, "timepoint",
          "a T0 (baseline) row of the same family: pre-post change needs it",
          "without_t0", "warning")
    early = later & (frame["date"] < t0_date).fillna(False)
    if early.any():
        _flag(report, table, early, "date", "a date on or after the family's T0 date ("
              + t0_date.dt.strftime("%Y-%m-%d").fillna("") + ")", "date_order")
    _check_period(report, stem, frame, ["date"], skip_end=frame["timepoint"] == "T2")
    instrument = instruments.load_instrument(stem)
    _check_scales(report, table, frame, instrument)
    if forms.has_forms(instrument):  # the SDQ: each row's form fits the child and informant
        for problem in forms.form_problems(frame, instrument,
                                           trajectories=report.tables.get("trajectories"),
                                           file=table.file, shown=table.mapping.shown):
            report.add(problem)


def _check_families(report: ValidationReport, stem: str, frame: pd.DataFrame,
                    families: pd.Series | None) -> None:
    if families is None:
        return
    unknown = frame["family_id"].notna() & ~frame["family_id"].isin(families.dropna())
    _flag(report, _view(report, stem, frame), unknown, "family_id",
          "a family_id listed in trajectories.csv", "unknown_family")


def _check_period(report: ValidationReport, stem: str, frame: pd.DataFrame,
                  columns: list[str], skip_end: pd.Series | None = None) -> None:
    """Warn about dates outside the cohort period (follow-up rows may end after it)."""
    config = report.config
    start, end = pd.Timestamp(config.period_start), pd.Timestamp(config.period_end)
    expected = f"a date within the cohort period {config.period_start} to {config.period_end}"
    for column in columns:
        dates = frame[column]
        after = dates > end
        if skip_end is not None:
            after &= ~skip_end.fillna(False).astype(bool)
        _flag(report, _view(report, stem, frame), ((dates < start) | after).fillna(False),
              column, expected + " (cohort.yaml)", "date_outside_period", "warning")


def _check_scales(report: ValidationReport, table: _Table, frame: pd.DataFrame,
                  instrument: instruments.Instrument) -> None:
    """Warn where fewer items than a scale's ``min_answered`` are answered (score missing)."""
    for scale in instrument.scales.values():
        columns = [instrument.item_column(i) for i in scale.items]
        answered = frame[columns].notna().sum(axis=1)
        short = answered < scale.min_answered
        if not short.any():
            continue
        shown = answered.astype("str") + f" of {len(columns)} items answered"
        _flag(report, table, short, f"{scale.name} ({columns[0]} ...)",
              f"at least {scale.min_answered} answered items, else the {scale.name} score of "
              f"{instrument.name} is missing", "scale_missing", "warning", values=shown)


def _check_segments(report: ValidationReport, segments: pd.DataFrame,
                    sessions: pd.DataFrame | None) -> None:
    table = _view(report, "segments", segments)
    if sessions is not None:
        unknown = segments["session_id"].notna() & ~segments["session_id"].isin(
            sessions["session_id"].dropna())
        _flag(report, table, unknown, "session_id", "a session_id listed in coding/sessions.csv",
              "unknown_session", "warning")
    code = segments["code"].astype("str")
    empty = code.notna() & (code.str.replace(r"[\s>]+", "", regex=True) == "")
    _flag(report, table, empty.fillna(False).astype(bool), "code",
          "a code name; the value holds only the level separator ' > '", "code_path")
    key = ["session_id", "segment_id", "coder", "code"]
    _flag(report, table, segments.duplicated(subset=key, keep="first"), "code",
          "each code once per segment and coder", "duplicate_segment", "warning")


# --------------------------------------------------------------------------------------------
# The cleaned tables as a pandera schema (the typed output contract)
# --------------------------------------------------------------------------------------------

def table_schema(stem: str, *, limits: dict[str, float] | None = None):
    """A :class:`pandera.pandas.DataFrameSchema` of cleaned table ``stem`` (``report.tables``).

    It states what downstream code may rely on after :func:`validate_cohort` found no errors:
    every contract column present with its dtype (identifiers and categories ``str``, whole
    numbers ``Int64``, yes/no ``boolean``, dates ``datetime64[us]``, answers ``float64``), the
    allowed category codes, the ranges (pilot limits from ``limits``, default the contract's)
    and unique keys. Extra columns are allowed (``strict=False``); the parent-survey item
    columns depend on ``parent_survey_items`` and are not part of the schema.

    Parameters
    ----------
    stem : str
        Table name: ``trajectories``, an instrument id (``sdq``), ``parent_survey``,
        ``parent_survey_items``, ``sessions`` or ``segments``.
    limits : dict, optional
        Pilot limits (``CohortConfig.limits``).
    """
    import pandera.pandas as pa

    contract = load_contract()
    limits = {**{k: v["default"] for k, v in contract["limits"].items()}, **(limits or {})}
    columns = {}
    for spec in _column_specs(table_files()[stem], contract):
        checks = []
        if spec["type"] == "category":
            checks.append(pa.Check.isin([str(c) for c in spec["values"]]))
        low, high = _schema_bounds(spec, limits)
        if low is not None or high is not None:
            checks.append(pa.Check.in_range(-np.inf if low is None else low,
                                            np.inf if high is None else high))
        columns[spec["name"]] = pa.Column(
            _CLEAN_DTYPE[spec["type"]], checks, nullable=spec.get("nullable", True),
            unique=bool(spec.get("unique")), description=spec.get("description"))
    return pa.DataFrameSchema(columns, strict=False, name=stem)


def _schema_bounds(spec: dict[str, Any], limits: dict[str, float]) -> tuple[Any, Any]:
    if spec["type"] == "answer":
        return _answer_bounds(spec)
    high = limits[spec["max_limit"]] if "max_limit" in spec else spec.get("max")
    return spec.get("min"), high


def load_cohort(folder: str | os.PathLike) -> Cohort:
    """Read and validate the cohort in ``folder``; the tables are cleaned and typed.

    Raises
    ------
    DataError
        When the cohort breaks the data contract; the message lists the errors (as
        :meth:`analysis.data.validate.ValidationReport.format` does) and ``.problems`` holds them.
        Warnings do not stop loading: they are kept on :attr:`Cohort.warnings`.
    ConfigError
        When ``cohort.yaml`` is wrong.
    """
    report = reuse_report(folder)  # validates, unless the files were just validated
    if report.errors:
        raise DataError(
            f"cohort {paths.display(folder)} breaks the data contract "
            f"({report.n_errors} error{'s' if report.n_errors != 1 else ''}); expected none: fix "
            f"the exports, then check with: python -m analysis validate --cohort "
            f"{Path(folder).name}\n" + report.format(errors_only=True),
            report.errors,
        )
    return Cohort(config=report.config, tables=report.tables, warnings=list(report.warnings))
