"""Forms of an instrument (the SDQ's parent 2-4, parent 4-17, self-report 11-17 and teacher 4-17
forms): which form each row is, whether it fits the child's age and the informant, and which
cut-off scheme each form can use.

A row's form is its ``version`` column (data contract, optional, SDQ only) when given;
otherwise it follows from the informant and the child's age by the definition's ``forms: derive``
rules, first match wins (:class:`analysis.questionnaires.instruments.FormRule`): ``self`` ->
self-report, ``teacher`` -> teacher form, a parent of a 2-3-year-old -> parent 2-4 form, any
other parent row (or an unknown age) -> parent 4-17 form. The choice is kept per row
(``form``, ``form_source``) and reported in notebook 01.

A form that does not fit (a 2-4 form at 9, a self-report at 8, a self-report filled in by the
mother) is an error of the validation (:func:`form_problems`), naming file, spreadsheet row and
column. The age at a measurement is known only within a year from ``trajectories.child_age``
(whole years at intake) and the dates: a row is refused only when no age the child can have had
fits the form.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd
import yaml

from analysis import paths
from analysis.errors import ConfigError, DataError, Problem
from analysis.questionnaires.instruments import CutoffScheme, Instrument

VERSION_COLUMN = "version"
"""Column of a questionnaire export stating the form (data contract, ``questionnaire``)."""

FORM_COLUMN = "form"
"""Column of the scores holding each row's form (a form name such as ``parent_4_17``)."""

FORM_SOURCE_COLUMN = "form_source"
"""Column of the scores saying where the form came from: :data:`FORM_SOURCES`."""

FORM_SOURCES = ("version", "derived")
"""``version``: stated in the export; ``derived``: from informant and age (``forms: derive``)."""

VERSION_LIKE = ("versie", "version", "formulier", "vorm", "form", "sdq_versie", "sdq versie")
"""Header names (lower case) that look like a form column the contract does not read."""


def has_forms(instrument: Instrument) -> bool:
    """Whether ``instrument`` has more than one form (the SDQ)."""
    return len(instrument.form_definitions()) > 1


def assign_forms(data: pd.DataFrame, instrument: Instrument, *, ages: Any = None
                 ) -> pd.DataFrame:
    """The form of every row of ``data`` and where it came from.

    Parameters
    ----------
    data : DataFrame
        Questionnaire rows; ``version`` (form name, the form's Dutch label or its name; case and
        spaces ignored) and ``informant`` (contract code) are used when present.
    instrument : Instrument
        The instrument with its forms (``forms:`` in its definition).
    ages : array-like, optional
        The child's age in whole years per row (NaN unknown), for the age rules.

    Returns
    -------
    DataFrame
        Same index as ``data``; columns ``form`` (str) and ``form_source`` (``version`` or
        ``derived``).

    Raises
    ------
    DataError
        A ``version`` value that names no form of the instrument (spreadsheet row, column and the
        accepted values in the message).
    """
    n = len(data)
    lookup = _form_lookup(instrument)
    stated = np.full(n, None, dtype=object)
    if VERSION_COLUMN in data.columns:
        stated = _stated_forms(data[VERSION_COLUMN], lookup, data)
    informants = _informants(data)
    age = np.full(n, np.nan) if ages is None else np.asarray(ages, dtype=np.float64)
    derived = derive_forms(informants, age, instrument)
    use_stated = pd.notna(pd.Series(stated)).to_numpy()
    form = np.where(use_stated, stated, derived)
    source = np.where(use_stated, "version", "derived")
    return pd.DataFrame({FORM_COLUMN: pd.array(form, dtype="str"),
                         FORM_SOURCE_COLUMN: pd.array(source, dtype="str")}, index=data.index)


def derive_forms(informants: np.ndarray, ages: np.ndarray, instrument: Instrument) -> np.ndarray:
    """The form each row gets from the ``forms: derive`` rules (first matching rule wins).

    ``informants`` holds contract codes or None. A row no rule matches (an informant none of
    the rules names) gets the base form. Vectorised over rows; loops over the rules.
    """
    codes, uniques = pd.factorize(pd.Series(informants, dtype="object"), use_na_sentinel=True)
    out = np.full(len(codes), instrument.form, dtype=object)
    todo = np.ones(len(codes), dtype=bool)
    known_age = np.isfinite(ages)
    for rule in instrument.form_rules:
        allowed = [i for i, u in enumerate(uniques) if str(u) in rule.informants]
        fits = np.isin(codes, allowed) | ((codes == -1) & (None in rule.informants))
        if rule.needs_age:
            with np.errstate(invalid="ignore"):
                fits &= known_age & (ages >= rule.min_age) & (ages <= rule.max_age)
        hit = todo & fits
        out[hit] = rule.form
        todo &= ~hit
    return out


def _missing(value: Any) -> bool:
    if value is None:
        return True
    return bool(pd.isna(value)) if np.ndim(value) == 0 else False


def _informants(data: pd.DataFrame) -> np.ndarray:
    """The ``informant`` codes as objects, None where not given."""
    if "informant" not in data.columns:
        return np.full(len(data), None, dtype=object)
    codes, uniques = pd.factorize(data["informant"], use_na_sentinel=True)
    table = np.array([str(u) for u in uniques] + [None], dtype=object)
    return table[codes]


def _form_lookup(instrument: Instrument) -> dict[str, str]:
    """Accepted spellings of each form: its name, its Dutch label and name, and the labels
    and aliases of the contract's ``version`` column (one list of labels, in contract.yaml)."""
    lookup: dict[str, str] = {}
    for name, form in instrument.form_definitions().items():
        for label in (name, form.form_label, form.name):
            lookup[_key(label)] = name
    for name, labels in version_values(instrument.id).items():
        if name in instrument.form_definitions():
            for label in (labels.get("nl"), labels.get("en"), *labels.get("aliases", [])):
                if label is not None:
                    lookup.setdefault(_key(label), name)
    return lookup


@lru_cache(maxsize=None)
def _contract_columns() -> dict[str, Any]:
    spec = yaml.safe_load((paths.DEFINITIONS / "contract.yaml").read_text(encoding="utf-8"))
    return (spec.get("questionnaire") or {}).get("instrument_columns") or {}


def version_values(instrument_id: str) -> dict[str, dict[str, Any]]:
    """The contract's ``version`` values of ``instrument_id`` (form name -> labels), ``{}``
    when the instrument has no such column."""
    for spec in _contract_columns().get(instrument_id) or []:
        if spec.get("name") == VERSION_COLUMN:
            return dict(spec.get("values") or {})
    return {}


def _key(value: Any) -> str:
    return " ".join(str(value).strip().lower().replace("_", " ").split())


def _stated_forms(values: pd.Series, lookup: dict[str, str], data: pd.DataFrame) -> np.ndarray:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = [None if str(u).strip() == "" else lookup.get(_key(u), False) for u in uniques]
    table = np.array(names + [None], dtype=object)
    out = table[codes]
    bad = np.flatnonzero(np.array([v is False for v in out], dtype=bool))
    if len(bad):
        raw = values.astype("object").to_numpy()
        file = str(data.attrs.get("source_file", "data"))
        rows = _spreadsheet_rows(data.index)
        expected = "one of the forms " + ", ".join(sorted(set(lookup.values())))
        problems = [Problem(file, int(rows[i]), VERSION_COLUMN, str(raw[i]), expected,
                            check="allowed") for i in bad]
        raise DataError(f"{file}: {len(bad)} unknown form(s) in column {VERSION_COLUMN}; "
                        f"expected {expected}", problems)
    return out


def _spreadsheet_rows(index: pd.Index) -> np.ndarray:
    if pd.api.types.is_integer_dtype(index):
        return index.to_numpy(dtype=np.int64) + 2
    return np.arange(len(index), dtype=np.int64) + 2


# ------------------------------------------------------------------------------------------
# Ages at a measurement and the checks of the validation
# ------------------------------------------------------------------------------------------

def measurement_ages(data: pd.DataFrame, trajectories: pd.DataFrame | None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The child's age at intake and the youngest and oldest whole-year age at each row.

    ``trajectories.child_age`` is the age in whole years at the start of the trajectory
    (``start_date``); a questionnaire ``date`` ``e`` years later finds the child aged between
    ``child_age + floor(e)`` and ``child_age + floor(e) + 1`` whole years. Without dates the
    range is ``child_age`` to ``child_age + 1`` at T0 and unbounded above later.

    Returns
    -------
    intake, low, high : ndarray of float
        Per row of ``data``; NaN where the age is unknown.
    """
    n = len(data)
    if trajectories is None or "child_age" not in trajectories.columns or "family_id" not in data:
        nan = np.full(n, np.nan)
        return nan, nan.copy(), nan.copy()
    known = trajectories.dropna(subset=["family_id"]).drop_duplicates("family_id")
    by_family = known.set_index("family_id")
    families = data["family_id"].to_numpy(dtype=object)
    intake = pd.to_numeric(by_family["child_age"].reindex(families), errors="coerce"
                           ).to_numpy(dtype=np.float64)
    start = (pd.to_datetime(by_family["start_date"].reindex(families), errors="coerce")
             .to_numpy(dtype="datetime64[ns]") if "start_date" in by_family.columns
             else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    date = (pd.to_datetime(data["date"], errors="coerce").to_numpy(dtype="datetime64[ns]")
            if "date" in data.columns else np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    elapsed = (date - start) / np.timedelta64(1, "D") / 365.25
    elapsed = np.where(np.isfinite(elapsed), np.maximum(np.floor(elapsed), 0.0), np.nan)
    low = intake + np.where(np.isfinite(elapsed), elapsed, 0.0)
    later = (data["timepoint"].astype("object").fillna("") != "T0").to_numpy() if (
        "timepoint" in data.columns) else np.ones(n, dtype=bool)
    high = np.where(np.isfinite(elapsed), low + 1.0, np.where(later, np.inf, intake + 1.0))
    return intake, low, high


def form_problems(data: pd.DataFrame, instrument: Instrument, *,
                  trajectories: pd.DataFrame | None = None, file: str | None = None,
                  shown: Callable[[str], str] = str) -> list[Problem]:
    """Errors and warnings about the forms of a validated questionnaire table.

    Errors (check ``form_age``, ``form_informant``): a row whose form fits no age the child can
    have had at that measurement, or whose stated form is filled in by an informant who does not
    fill in that form (the mother on the self-report). Warnings: a header that looks like a form
    column but is not mapped to ``version`` (``form_column``); forms derived from informant and
    age other than the base form, counted per form (``form_derived``), so that a cohort without
    a ``version`` column sees which forms were assumed.

    Parameters
    ----------
    data : DataFrame
        The cleaned table (contract codes in ``informant`` and ``version``).
    instrument : Instrument
        Its definition, with forms.
    trajectories : DataFrame, optional
        The cleaned ``trajectories`` (``family_id``, ``child_age``, ``start_date``).
    file : str, optional
        File name as shown in messages (default ``data.attrs["source_file"]`` or the
        instrument's file).
    shown : callable
        Column name as the export has it (mapped exports), for messages.
    """
    file = file or str(data.attrs.get("source_file", instrument.file))
    problems: list[Problem] = []
    lookalike = [c for c in data.columns if str(c).strip().lower() in VERSION_LIKE
                 and c != VERSION_COLUMN]
    if lookalike and (VERSION_COLUMN not in data.columns or data[VERSION_COLUMN].isna().all()):
        problems.append(Problem(file, None, str(lookalike[0]), None,
                                f"the SDQ form in column {VERSION_COLUMN!r}: map this column to "
                                f"{VERSION_COLUMN} (cohort.yaml files: columns:) or it is ignored "
                                "and the form follows from informant and age", "warning",
                                "form_column"))
    intake, low, high = measurement_ages(data, trajectories)
    assigned = assign_forms(data, instrument, ages=intake)
    stated = (assigned[FORM_SOURCE_COLUMN] == "version").to_numpy()
    rows = _spreadsheet_rows(data.index)
    informants = _informants(data)
    for name, form in instrument.form_definitions().items():
        mine = (assigned[FORM_COLUMN] == name).to_numpy()
        if not mine.any():
            continue
        lo, hi = form.form_ages
        with np.errstate(invalid="ignore"):
            misfit = mine & np.isfinite(low) & ((high < lo) | (low > hi))
        for i in np.flatnonzero(misfit):
            column = VERSION_COLUMN if stated[i] else "informant"
            problems.append(Problem(
                file, int(rows[i]), shown(column), form.form_label,
                f"a form that fits the child's age ({_age_text(low[i], high[i])} at this "
                f"measurement, from trajectories.csv child_age): the {form.form_label} form is "
                f"for ages {lo:g}-{hi:g}" + _alternatives(instrument, low[i], high[i],
                                                         informants[i]),
                "error", "form_age"))
        wrong = mine & stated & pd.notna(pd.Series(informants, dtype="object")).to_numpy() & ~np.isin(
            informants.astype(str), list(form.form_informants))
        for i in np.flatnonzero(wrong):
            problems.append(Problem(
                file, int(rows[i]), shown("informant"), str(informants[i]),
                f"an informant who fills in the {form.form_label} form "
                f"({', '.join(form.form_informants)}), or another version", "error",
                "form_informant"))
    derived = assigned.loc[~stated, FORM_COLUMN]
    other = derived[derived != instrument.form]
    if len(other):
        counts = ", ".join(f"{n} x {instrument.form_definition(f).form_label}"
                           for f, n in other.value_counts().sort_index().items())
        problems.append(Problem(file, None, shown(VERSION_COLUMN), None,
                                f"a stated form: without {VERSION_COLUMN} the form follows from "
                                f"informant and age ({counts}); state it in a {VERSION_COLUMN} "
                                "column to be sure", "warning", "form_derived"))
    return problems


def _age_text(low: float, high: float) -> str:
    if not math.isfinite(high):
        return f"{low:g} or older"
    if high == low:
        return f"{low:g}"
    return f"{low:g} or {high:g}"


def _alternatives(instrument: Instrument, low: float, high: float, informant: Any) -> str:
    fits = [f.form_label for f in instrument.form_definitions().values()
            if f.form_ages[0] <= high and low <= f.form_ages[1]
            and (informant is None or informant in f.form_informants)]
    return f"; fitting: {', '.join(fits)}" if fits else "; no form of this instrument fits"


# ------------------------------------------------------------------------------------------
# Cut-off schemes per form
# ------------------------------------------------------------------------------------------

def choose_schemes(definitions: Mapping[str, Instrument], scheme: str | None
                   ) -> tuple[dict[str, CutoffScheme | None], dict[str, str]]:
    """The cut-off scheme each form uses, and why a form gets none.

    ``scheme`` None means each form's default. A form without that scheme, or whose scheme has
    no verified thresholds (``placeholder`` with null thresholds), gets None and a reason.

    Raises
    ------
    ConfigError
        When ``scheme`` was named and no form in ``definitions`` can use it (the error of the
        first form), as choosing an unusable scheme for a one-form instrument always did.
    """
    chosen: dict[str, CutoffScheme | None] = {}
    reasons: dict[str, str] = {}
    first_error: ConfigError | None = None
    for name, form in definitions.items():
        wanted = scheme or form.default_cutoff_scheme
        if wanted is None:
            chosen[name], reasons[name] = None, "no cut-off scheme"
            continue
        if wanted not in form.cutoffs:
            chosen[name], reasons[name] = None, f"no scheme {wanted!r} for this form"
            continue
        try:
            chosen[name] = form.scheme(wanted)
        except ConfigError as error:
            chosen[name], reasons[name] = None, "thresholds not verified (placeholder)"
            first_error = first_error or error
    if scheme is not None and definitions and all(v is None for v in chosen.values()):
        if first_error is not None:
            raise first_error
        definitions_list = next(iter(definitions.values()))
        raise ConfigError(f"instrument {definitions_list.id!r} has no cut-off scheme {scheme!r} "
                          f"for the forms {sorted(definitions)}; defined schemes: "
                          f"{', '.join(sorted(definitions_list.cutoffs))}")
    return chosen, reasons


# ------------------------------------------------------------------------------------------
# Words for the reader
# ------------------------------------------------------------------------------------------

def forms_present(frame: pd.DataFrame, instrument: Instrument) -> list[str]:
    """Forms present in ``frame`` (column ``form``, ``form_t0`` or ``form_t1``), in the order of
    the definition; the base form when the frame has no form column."""
    columns = [c for c in (FORM_COLUMN, "form_t0", "form_t1") if c in frame.columns]
    if not columns:
        return [instrument.form] if instrument.form else []
    seen = set(pd.unique(frame[columns].to_numpy().ravel()))
    return [name for name in instrument.form_definitions() if name in seen]


def forms_name_nl(frame: pd.DataFrame, instrument: Instrument) -> str:
    """The instrument as a Dutch reader should see it for the forms in ``frame``.

    One form: its name (``SDQ ouderversie 4-17``); several: ``SDQ (ouderversie 2-4,
    zelfrapportage 11-17 en ouderversie 4-17)``; an instrument without forms: its name.
    """
    present = forms_present(frame, instrument)
    definitions = instrument.form_definitions()
    if not definitions or not present:
        return instrument.name
    if len(present) == 1:
        return definitions[present[0]].name
    labels = [definitions[f].form_label for f in present]
    return f"{instrument.id.upper()} ({join_nl(labels)})"


def join_nl(words: Iterable[str]) -> str:
    """``a``, ``a en b``, ``a, b en c``."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " en " + words[-1]


def band_notes_nl(scores: pd.DataFrame, instrument: Instrument, *, scheme: str | None = None,
                  scale: str = "total") -> list[str]:
    """One Dutch sentence per form present that gets no band under ``scheme`` (its norms are not
    entered or not verified), and one for rows whose age falls outside the scheme's norm groups.
    """
    definitions = instrument.form_definitions()
    present = forms_present(scores, instrument)
    if not definitions or FORM_COLUMN not in scores.columns:
        return []
    chosen, reasons = choose_schemes({f: definitions[f] for f in present}, scheme)
    notes = []
    for form in present:
        if chosen[form] is None:
            n = int((scores[FORM_COLUMN] == form).sum())
            notes.append(f"De {definitions[form].form_label} heeft onder dit afkapschema geen "
                         f"ingevoerde, geverifieerde normen: {n} "
                         f"{'meting krijgt' if n == 1 else 'metingen krijgen'} geen band "
                         f"(ook niet die van een ander formulier).")
    band = f"{instrument.id}_{scale}_band"
    value = f"{instrument.id}_{scale}"
    if band in scores.columns and value in scores.columns:
        with_norm = scores[FORM_COLUMN].isin([f for f in present if chosen[f] is not None])
        unbanded = int((with_norm & scores[value].notna() & scores[band].isna()).sum())
        if unbanded:
            notes.append(f"Voor {unbanded} {'meting' if unbanded == 1 else 'metingen'} valt de "
                         "leeftijd buiten de normgroepen van het afkapschema: geen band.")
    return notes


__all__ = ["FORM_COLUMN", "FORM_SOURCES", "FORM_SOURCE_COLUMN", "VERSION_COLUMN", "assign_forms",
           "band_notes_nl", "choose_schemes", "derive_forms", "form_problems", "forms_name_nl",
           "forms_present", "has_forms", "join_nl", "measurement_ages"]
