"""Scoring questionnaires from their definitions (:mod:`analysis.questionnaires.instruments`).

One row in, one row out: :func:`score_instrument` keeps the identifier columns and adds, for
every scale, composite and supplement, the score ``<id>_<scale>``, the number of items answered
``<id>_<scale>_answered`` and, for the scales the cut-off scheme covers, the band
``<id>_<scale>_band`` and ``<id>_<scale>_elevated``. Everything is vectorised with numpy:
loops run over scales and columns, never over respondents.

Scoring rules (the SDQ's from youthinmind's scoring instructions and syntax, cited in
``instruments/sdq_parent_4_17.yaml``):

* answers are coded first (:func:`code_answers`): labels such as ``"zeker waar"`` become their
  code, numbers are checked against the allowed whole numbers;
* reversed items are scored ``(min + max) - answer`` (SDQ: ``2 - x`` for items 7, 11, 14, 21, 25);
* ``prorated_sum``: ``round_half_up(n_items * sum / answered)`` when at least ``min_answered``
  items are answered, else missing (SDQ: 3 of 5; 4 answered summing to 2 gives 2.5 -> 3);
* ``mean``: the mean of the answered items when at least ``min_answered`` are answered;
* composites: the sum of their scales, missing when any scale is missing;
* ``gated_recoded_sum`` supplements (SDQ impact): recoded answers summed (unanswered items count
  0) when at least one is answered; 0 when the gate column says "no difficulties"; missing
  when the supplement is absent.

Forms: an instrument with forms (the SDQ) scores every row by its own form's definition
(:mod:`analysis.questionnaires.forms`: the ``version`` column, else informant and age) and bands
it with that form's cut-offs; a form without verified cut-offs under the chosen scheme gets no
band, never another form's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ConfigError, DataError, Problem
from analysis.questionnaires import forms as _forms
from analysis.questionnaires.instruments import (
    CutoffScheme,
    Instrument,
    Supplement,
    resolve,
)

IDENTIFIER_COLUMNS = ("family_id", "timepoint", "date", "informant")
"""Columns copied unchanged from the input to the scores, when present (data contract)."""

_MAX_LISTED = 10
"""Problems spelled out in a :class:`DataError` message; all are kept in ``error.problems``."""


def round_half_up(x: Any, denominator: Any = None) -> Any:
    """Round to the nearest whole number, halves upward (2.5 -> 3, 0.5 -> 1).

    Parameters
    ----------
    x : float or array-like
        The value, or the numerator when ``denominator`` is given. NaN stays NaN.
    denominator : int or array-like, optional
        When given, ``x / denominator`` is rounded exactly with integer arithmetic,
        ``floor((2 x + d) / (2 d))``; both must be whole numbers and ``d > 0``. This is how
        prorated scale scores are computed, so 5 * 2 / 4 = 2.5 goes to 3 and 5 * 5 / 3 = 8.33 to
        8 without any floating-point error.

    Returns
    -------
    float or ndarray of float
        Rounded values (a scalar for scalar input).

    Notes
    -----
    Python's :func:`round` and :func:`numpy.round` round halves to even (2.5 -> 2), which is
    wrong for SDQ scores: youthinmind's syntax uses ``floor(0.5 + x)`` (R) and ``RND`` (SPSS),
    i.e. halves go up. Without a denominator the rounding is exact for the float given: it
    compares ``x - floor(x)`` with 0.5 instead of adding 0.5, which would turn
    0.49999999999999994 into 1. Halves go towards +infinity (-2.5 -> -2), as ``floor(0.5 + x)``.

    Examples
    --------
    >>> round_half_up(2.5), round_half_up(3.5), round_half_up(0.49999999999999994)
    (3.0, 4.0, 0.0)
    >>> round_half_up(5 * 2, 4), round_half_up(5 * 5, 3), round_half_up(5 * 3, 4)
    (3.0, 8.0, 4.0)
    """
    scalar = np.ndim(x) == 0 and np.ndim(denominator) == 0
    if denominator is None:
        values = np.asarray(x, dtype=np.float64)
        base = np.floor(values)
        out = base + (values - base >= 0.5)
    else:
        out = _round_ratio(np.asarray(x, dtype=np.float64), np.asarray(denominator, dtype=np.float64))
    return float(out) if scalar else out


def _round_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.broadcast_arrays(num, den)
    ok = np.isfinite(num) & np.isfinite(den)
    if np.any(ok & ((num != np.floor(num)) | (den != np.floor(den)) | (den <= 0))):
        raise ValueError("round_half_up: numerator and denominator must be whole numbers "
                         "and the denominator positive")
    out = np.full(num.shape, np.nan)
    n, d = num[ok].astype(np.int64), den[ok].astype(np.int64)
    out[ok] = np.floor_divide(2 * n + d, 2 * d)
    return out


def code_answers(data: pd.DataFrame, instrument: Instrument | str) -> pd.DataFrame:
    """The answers of ``data`` as numeric codes, checked against the instrument's definition.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the item columns (e.g. ``sdq_01`` ... ``sdq_25``) and, when
        present, the supplement columns (e.g. ``sdq_difficulties``). Other columns pass through.
    instrument : Instrument or str
        Definition or instrument id.

    Returns
    -------
    DataFrame
        A copy of ``data`` whose item and supplement columns are float codes (NaN = missing).

    Notes
    -----
    Labels are matched case-insensitively after trimming spaces (``"Zeker waar"`` -> 2); numbers
    may be given as text, with a decimal comma; empty cells are missing. Every answer must be
    a whole number within the instrument's range.

    Raises
    ------
    DataError
        When item columns are absent, or answers are out of range or unknown labels. The
        message names the spreadsheet row (index + 2: the header is row 1), the column, the
        value and the allowed values; ``error.problems`` lists every one.
    """
    instrument = resolve(instrument)
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    file = str(data.attrs.get("source_file", instrument.file))
    absent = [c for c in instrument.item_columns if c not in data.columns]
    if absent:
        raise DataError(f"{file}: missing item columns {', '.join(absent)}; expected "
                        f"{instrument.item_columns[0]} ... {instrument.item_columns[-1]}",
                        [Problem(file, None, c, None, "this column (data contract)") for c in absent])
    rows, problems, coded = _spreadsheet_rows(data.index), [], {}
    for column, low, high, labels in _coded_columns(instrument, data.columns):
        coded[column] = _code_column(data[column], low, high, labels, rows, file, problems)
    if problems:
        raise DataError(_problems_message(file, problems), problems)
    return data.assign(**coded)


def _coded_columns(instrument: Instrument, columns: pd.Index):
    """(column, min, max, labels) of every item and supplement column present in the data."""
    for column in instrument.item_columns:
        yield column, instrument.response_min, instrument.response_max, instrument.labels
    for sup in instrument.supplements.values():
        if sup.gate_column and sup.gate_column in columns:
            yield sup.gate_column, sup.gate_min, sup.gate_max, sup.gate_labels
        for column in sup.items:
            if column in columns:
                yield column, sup.response_min, sup.response_max, sup.labels


def _code_column(series: pd.Series, low: float, high: float, labels: dict[str, float],
                 rows: np.ndarray, file: str, problems: list[Problem]) -> np.ndarray:
    """Float codes of one column; appends a :class:`Problem` for every invalid answer."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        unknown = np.zeros(len(values), dtype=bool)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        mapped, bad = _map_labels(uniques, labels)
        # code -1 (missing) picks the appended sentinel: NaN, not unknown
        values = np.append(mapped, np.nan)[codes]
        unknown = np.append(bad, False)[codes]
    finite = np.isfinite(values)
    invalid = unknown | (finite & ((values < low) | (values > high) | (values != np.floor(values))))
    if invalid.any():
        expected = f"a whole number {low:g}-{high:g}"
        if labels:
            expected += " or one of the labels " + ", ".join(repr(k) for k in labels)
        raw = series.to_numpy(dtype=object)
        problems.extend(Problem(file, int(rows[i]), str(series.name), str(raw[i]), expected,
                                check="answer_range") for i in np.flatnonzero(invalid))
    return np.where(invalid, np.nan, values)


def _map_labels(uniques: Any, labels: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct raw values (label, number or blank) and which ones are unknown."""
    mapped = np.full(len(uniques), np.nan)
    bad = np.zeros(len(uniques), dtype=bool)
    for i, value in enumerate(uniques):  # distinct values only, a handful per column
        text = str(value).strip().lower()
        if text in ("", "nan", "none", "<na>"):
            continue
        if text in labels:
            mapped[i] = labels[text]
            continue
        try:
            mapped[i] = float(text.replace(",", "."))
        except ValueError:
            bad[i] = True
    return mapped, bad


def _spreadsheet_rows(index: pd.Index) -> np.ndarray:
    """Row numbers as seen in a spreadsheet: index + 2 (header is row 1), else position + 2."""
    if pd.api.types.is_integer_dtype(index):
        return index.to_numpy(dtype=np.int64) + 2
    return np.arange(len(index), dtype=np.int64) + 2


def _problems_message(file: str, problems: list[Problem]) -> str:
    head = f"{file}: {len(problems)} invalid answer{'s' if len(problems) != 1 else ''}"
    lines = [p.format() for p in problems[:_MAX_LISTED]]
    more = len(problems) - len(lines)
    return "\n".join([head, *lines] + ([f"... and {more} more"] if more > 0 else []))


def score_instrument(data: pd.DataFrame, instrument: Instrument | str, *,
                     scheme: str | None = None, age: Any = None) -> pd.DataFrame:
    """Scale scores, items answered and bands, one row per input row.

    Parameters
    ----------
    data : DataFrame
        Raw answers in the data contract (e.g. ``sdq.csv``): identifier columns and the item
        columns; labels or codes (see :func:`code_answers`).
    instrument : Instrument or str
        Definition or instrument id (``"sdq"``, ``"ari_cp"``, ...).
    scheme : str, optional
        Cut-off scheme for the bands (default: the instrument's ``default_cutoff_scheme``; an
        instrument without schemes gets no band columns).
    age : str or array-like, optional
        The child's age in completed years, needed by age-specific schemes (e.g.
        ``nl_theunissen_2022``): the name of a column of ``data`` (kept in the output), or
        one value per row. Ages come from ``trajectories.child_age``; merge it onto the
        answers by ``family_id`` first. Fractional ages are floored to completed years.

    Returns
    -------
    DataFrame
        Same index as ``data``. Columns: the identifier columns present (``family_id``,
        ``timepoint``, ``date``, ``informant``), the age column when named, then per scale
        ``<id>_<scale>`` (float; SDQ scales 0-10, total 0-40, externalising/internalising 0-20,
        impact 0-10; ARI-CP means 1-5), ``<id>_<scale>_answered`` (int, items answered; for a
        composite the sum over its scales), and for scales the scheme covers
        ``<id>_<scale>_band`` (band name, str; missing when the score is missing or no norm
        applies) and ``<id>_<scale>_elevated`` (nullable boolean: band at or beyond the
        scheme's ``elevated_from``). ``attrs`` holds ``instrument``, ``scheme`` and
        ``placeholder`` (True when the key or the scheme is a placeholder).

    Raises
    ------
    DataError
        Invalid answers or missing item columns (see :func:`code_answers`), invalid ages.
    ConfigError
        Unknown scheme; an age-specific scheme without ``age``.

    Examples
    --------
    >>> answers = pd.DataFrame({"family_id": ["F01"], **{f"sdq_{i:02d}": [1] for i in range(1, 26)}})
    >>> scores = score_instrument(answers, "sdq")
    >>> row = scores.iloc[0]
    >>> float(row["sdq_emotional"]), float(row["sdq_total"]), row["sdq_total_band"]
    (5.0, 20.0, 'abnormal')
    """
    instrument = resolve(instrument)
    coded = code_answers(data, instrument)
    if _forms.has_forms(instrument):
        return _score_forms(data, coded, instrument, scheme=scheme, age=age)
    values, answered = _scale_values(coded, instrument)
    chosen = _chosen_scheme(instrument, scheme)
    ages, age_name = _ages(data, age, chosen)
    out: dict[str, Any] = {c: data[c] for c in IDENTIFIER_COLUMNS if c in data.columns}
    if age_name is not None:
        out[age_name] = data[age_name]
    for name in instrument.all_scales:
        column = instrument.column(name)
        out[column] = values[name]
        out[f"{column}_answered"] = answered[name]
        if chosen is not None and name in chosen.scales:
            band, elevated = _classify(values[name], chosen, name, ages)
            out[f"{column}_band"], out[f"{column}_elevated"] = band, elevated
    scores = pd.DataFrame(out, index=data.index)
    scores.attrs = {"instrument": instrument.id, "scheme": chosen.name if chosen else None,
                    "placeholder": instrument.placeholder or bool(chosen and chosen.placeholder)}
    return scores


def _score_forms(data: pd.DataFrame, coded: pd.DataFrame, instrument: Instrument, *,
                 scheme: str | None, age: Any) -> pd.DataFrame:
    """:func:`score_instrument` for an instrument with forms: each row by its own form.

    Adds ``form`` and ``form_source`` after the identifier columns; ``attrs`` gains ``forms``
    (form -> rows) and ``unbanded`` (form -> why it has no band under the scheme).
    """
    ages, age_name = _ages(data, age, None)
    assigned = _forms.assign_forms(data, instrument, ages=ages)
    form_of = assigned[_forms.FORM_COLUMN].to_numpy(dtype=object)
    definitions = instrument.form_definitions()
    present = {f: definitions[f] for f in definitions if (form_of == f).any()}
    chosen, reasons = _forms.choose_schemes(present, scheme)
    if ages is None and any(s is not None and s.age_specific for s in chosen.values()):
        name = next(s.name for s in chosen.values() if s is not None and s.age_specific)
        raise ConfigError(
            f"cut-off scheme {name!r} is age-specific: pass age='child_age' (merge "
            f"trajectories.child_age onto the answers by family_id) or one age per row")
    n = len(data)
    values = {s: np.full(n, np.nan) for s in instrument.all_scales}
    answered = {s: np.zeros(n, dtype=np.int64) for s in instrument.all_scales}
    banded = [s for s in instrument.all_scales
              if any(c is not None and s in c.scales for c in chosen.values())]
    bands = {s: np.full(n, None, dtype=object) for s in banded}
    elevated = {s: np.zeros(n, dtype=bool) for s in banded}
    known = {s: np.zeros(n, dtype=bool) for s in banded}
    for name, form in present.items():
        rows = np.flatnonzero(form_of == name)
        part_values, part_answered = _scale_values(coded.iloc[rows], form)
        for scale in instrument.all_scales:
            values[scale][rows] = part_values[scale]
            answered[scale][rows] = part_answered[scale]
        if chosen[name] is None:
            continue
        part_ages = None if ages is None else ages[rows]
        for scale in banded:
            if scale not in chosen[name].scales:
                continue
            band, flag = _classify(part_values[scale], chosen[name], scale, part_ages)
            hit = ~np.asarray(flag.isna())
            bands[scale][rows] = np.asarray(band.astype(object))
            elevated[scale][rows[hit]] = np.asarray(flag[hit], dtype=bool)
            known[scale][rows[hit]] = True
    out: dict[str, Any] = {c: data[c] for c in IDENTIFIER_COLUMNS if c in data.columns}
    out[_forms.FORM_COLUMN] = assigned[_forms.FORM_COLUMN]
    out[_forms.FORM_SOURCE_COLUMN] = assigned[_forms.FORM_SOURCE_COLUMN]
    if age_name is not None:
        out[age_name] = data[age_name]
    for scale in instrument.all_scales:
        column = instrument.column(scale)
        out[column] = values[scale]
        out[f"{column}_answered"] = answered[scale]
        if scale in bands:
            clean = [None if (b is None or b is pd.NA or b != b) else b for b in bands[scale]]
            out[f"{column}_band"] = pd.array(clean, dtype="str")
            out[f"{column}_elevated"] = pd.arrays.BooleanArray(elevated[scale], ~known[scale])
    scores = pd.DataFrame(out, index=data.index)
    used = [c for c in chosen.values() if c is not None]
    scores.attrs = {
        "instrument": instrument.id,
        "scheme": scheme or (used[0].name if used else instrument.default_cutoff_scheme),
        "placeholder": instrument.placeholder or any(c.placeholder for c in used),
        "forms": {f: int((form_of == f).sum()) for f in present},
        "unbanded": {f: reasons[f] for f in present if chosen[f] is None},
    }
    return scores


def _scale_values(coded: pd.DataFrame, instrument: Instrument) -> tuple[dict, dict]:
    """Scores and items answered of every scale, composite and supplement."""
    items = coded[instrument.item_columns].to_numpy(dtype=np.float64, copy=True)
    if instrument.reversed:
        rev = np.asarray(instrument.reversed) - 1
        items[:, rev] = instrument.response_min + instrument.response_max - items[:, rev]
    values, answered = {}, {}
    for name, scale in instrument.scales.items():
        values[name], answered[name] = _scale_score(
            items[:, np.asarray(scale.items) - 1], scale.min_answered, instrument.scale_score)
    for name, spec in instrument.composites.items():
        parts = spec["sum_of"]
        values[name] = np.sum([values[p] for p in parts], axis=0)  # NaN when any part is NaN
        answered[name] = np.sum([answered[p] for p in parts], axis=0)
    for name, sup in instrument.supplements.items():
        values[name], answered[name] = _SUPPLEMENT_HOOKS[sup.kind](coded, sup)
    return values, answered


def _scale_score(sub: np.ndarray, min_answered: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Score of one scale from its (already reversed) item codes.

    ``prorated_sum``: ``round_half_up(k * sum / answered)`` with ``k`` items; ``mean``: the mean
    of the answered items. Missing when fewer than ``min_answered`` items are answered.
    """
    present = ~np.isnan(sub)
    answered = present.sum(axis=1)
    total = np.where(present, sub, 0.0).sum(axis=1)
    ok = answered >= min_answered
    value = np.full(len(sub), np.nan)
    if method == "prorated_sum":
        value[ok] = round_half_up(total[ok] * sub.shape[1], answered[ok])
    else:
        value[ok] = total[ok] / answered[ok]
    return value, answered.astype(np.int64)


def _gated_recoded_sum(coded: pd.DataFrame, sup: Supplement) -> tuple[np.ndarray, np.ndarray]:
    """SDQ-impact-style supplement (see :class:`analysis.questionnaires.instruments.Supplement`).

    ``sum(recode[answer])`` over the answered items (unanswered count 0) when at least
    ``min_answered`` items are answered; 0 when the gate column is in ``zero_when``; missing
    otherwise, including when the supplement's columns are absent.
    """
    n = len(coded)
    present_cols = [c for c in sup.items if c in coded.columns]
    raw = (coded[present_cols].to_numpy(dtype=np.float64) if present_cols
           else np.empty((n, 0)))
    table = np.full(int(sup.response_max) + 1, np.nan)
    for answer, code in sup.recode.items():
        table[answer] = code
    present = ~np.isnan(raw)
    recoded = np.where(present, table[np.where(present, raw, 0).astype(np.int64)], 0.0)
    answered = present.sum(axis=1)
    value = np.where(answered >= sup.min_answered, recoded.sum(axis=1), np.nan)
    if sup.gate_column and sup.gate_column in coded.columns:
        gate = coded[sup.gate_column].to_numpy(dtype=np.float64)
        value = np.where(np.isin(gate, sup.zero_when), 0.0, value)
    return value, answered.astype(np.int64)


_SUPPLEMENT_HOOKS = {"gated_recoded_sum": _gated_recoded_sum}
"""Scoring hook per supplement ``kind`` (the only code a new kind of supplement needs)."""


def _chosen_scheme(instrument: Instrument, scheme: str | None) -> CutoffScheme | None:
    if scheme is None and instrument.default_cutoff_scheme is None:
        return None
    return instrument.scheme(scheme)


def _ages(data: pd.DataFrame, age: Any, scheme: CutoffScheme | None) -> tuple[Any, str | None]:
    """Ages in completed years (float array, NaN unknown) and the age column's name, if any.

    Without ``age``: ``(None, None)``, or a ConfigError when ``scheme`` is age-specific.
    """
    if age is None:
        if scheme is not None and scheme.age_specific:
            raise ConfigError(
                f"cut-off scheme {scheme.name!r} is age-specific: pass age='child_age' (merge "
                f"trajectories.child_age onto the answers by family_id) or one age per row")
        return None, None
    name = age if isinstance(age, str) else None
    if name is not None:
        if name not in data.columns:
            raise ConfigError(f"age: column {name!r} is not in the data; columns: "
                              f"{', '.join(map(str, data.columns))}")
        raw = data[name]
    else:
        given = np.asarray(age)
        if given.shape != (len(data),):
            raise ValueError(f"age: expected {len(data)} values (one per row), got shape {given.shape}")
        raw = pd.Series(given, index=data.index)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.isnan(values) & raw.notna().to_numpy() & (raw.astype(str).str.strip() != "").to_numpy()
    bad |= values < 0
    if bad.any():
        rows = _spreadsheet_rows(data.index)
        col = name or "age"
        problems = [Problem(str(data.attrs.get("source_file", "data")), int(rows[i]), col,
                            str(raw.iloc[i]), "an age in whole years (0 or more)", check="age")
                    for i in np.flatnonzero(bad)]
        raise DataError(_problems_message(problems[0].file, problems), problems)
    return np.floor(values), name


def classify(values: Any, instrument: Instrument | str, scale: str, *,
             scheme: str | None = None, age: Any = None) -> pd.DataFrame:
    """Band and elevated flag of scores on one scale under a cut-off scheme.

    Parameters
    ----------
    values : array-like of float
        Scores on ``scale`` (NaN = missing).
    instrument : Instrument or str
        Definition or instrument id.
    scale : str
        Scale, composite or supplement name (e.g. ``"total"``).
    scheme : str, optional
        Cut-off scheme (default: the instrument's default).
    age : array-like, optional
        Ages in completed years, one per value; required by age-specific schemes.

    Returns
    -------
    DataFrame
        Columns ``band`` (str, missing when the score is missing, below every band or no norm
        applies at that age, or the scheme does not cover the scale) and ``elevated``
        (nullable boolean).

    Examples
    --------
    >>> classify([5, 6, 4], "sdq", "prosocial", scheme="uk_3band")["band"].tolist()
    ['borderline', 'normal', 'abnormal']
    """
    instrument = resolve(instrument)
    values = np.asarray(values, dtype=np.float64)
    chosen = instrument.scheme(scheme)
    if age is None and chosen.age_specific:
        raise ConfigError(f"cut-off scheme {chosen.name!r} is age-specific: pass age (whole years)")
    ages = None if age is None else np.floor(np.asarray(age, dtype=np.float64))
    band, elevated = _classify(values, chosen, scale, ages)
    return pd.DataFrame({"band": band, "elevated": elevated})


def _classify(values: np.ndarray, scheme: CutoffScheme, scale: str,
              ages: np.ndarray | None) -> tuple[Any, pd.arrays.BooleanArray]:
    """Vectorised band lookup: the band with the largest lower bound not above the score."""
    n = len(values)
    band = np.full(n, None, dtype=object)
    elevated = np.zeros(n, dtype=bool)
    known = np.zeros(n, dtype=bool)
    for group in scheme.groups:
        if scale not in group.scales:
            continue
        froms = np.array([f for f, _ in group.scales[scale]])
        names = np.array([b for _, b in group.scales[scale]], dtype=object)
        flags = np.array([scheme.is_elevated(b) for b in names], dtype=bool)
        rows = np.isfinite(values)
        if scheme.age_specific:
            rows &= (ages >= group.min_age) & (ages <= group.max_age)
        where = np.flatnonzero(rows)
        pos = np.searchsorted(froms, values[where], side="right") - 1
        hit, pos = where[pos >= 0], pos[pos >= 0]
        band[hit], elevated[hit], known[hit] = names[pos], flags[pos], True
    return pd.array(band, dtype="str"), pd.arrays.BooleanArray(elevated, ~known)


__all__ = ["IDENTIFIER_COLUMNS", "classify", "code_answers", "round_half_up", "score_instrument"]
