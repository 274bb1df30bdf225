"""Change between two measurements: reliable change and clinically significant change.

Reliable change index (Jacobson N.S. & Truax P. (1991). Clinical significance: a statistical
approach to defining meaningful change in psychotherapy research. J Consult Clin Psychol
59(1), 12-19, doi:10.1037/0022-006X.59.1.12)::

    SE     = SD * sqrt(1 - r)          standard error of measurement (score points)
    S_diff = sqrt(2) * SE              standard error of a difference
    RCI    = (x1 - x0) / S_diff        reliable when |RCI| >= criterion (1.96, p < .05)

``r`` (reliability) and ``SD`` (norm standard deviation) per scale come from the definition of
the row's form (``reliable_change:`` in the YAML, each with its source). The child's age at the
first moment chooses the age group: each number comes from that group when it has one, else
from the documented pair (:meth:`analysis.questionnaires.instruments.Instrument.rci_parameters`);
a row whose numbers are not both its own group's is marked ``rci_fallback``, and
:func:`rci_caveat_nl` says in Dutch which ages are present, which number each got from which
source, and which way the use of alpha biases the index. For "higher is worse"
scales an improvement is a *negative* change, for "higher is better" scales (SDQ prosocial) a
positive one. Clinically significant change (Jacobson & Truax criterion via a cut-off scheme):
reliable improvement AND elevated at T0 AND not elevated at T1.

Pairs (:data:`PAIR_STATUSES`): a change is computed only between two rows of the same form
(``form_switch`` pairs keep their scores and bands, not a change); a pair whose informant differs
between the moments (``informant_switch``, e.g. the mother at T0 and the father at T1) keeps its
change, and :func:`primary_pairs` leaves it out of the primary analysis: the SDQ guidance prefers
one informant over time, and a different rater changes the score for reasons other than the child.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from analysis.errors import ConfigError, DataError, Problem
from analysis.questionnaires import forms as _forms
from analysis.questionnaires.instruments import CutoffScheme, Instrument, resolve
from analysis.questionnaires.scoring import _classify

CHANGE_CLASSES = ("improved", "unchanged", "deteriorated")
"""Values of ``change_class`` (missing when no RCI can be computed)."""

PAIR_STATUSES = ("same", "informant_switch", "form_switch")
"""Values of ``pair_status``: the same form and informant (or an informant not recorded at a
moment); the same form, another informant; another form (no change computed)."""

RESULT_COLUMNS = ("family_id", "instrument", "scale", "t0", "t1", "change", "rci", "change_class",
                  "reliable_change_threshold", "t0_band", "t1_band", "t0_elevated",
                  "t1_elevated", "clinically_significant", "rci_fallback", "form_t0", "form_t1",
                  "informant_t0", "informant_t1", "pair_status", "age", "rci_reliability",
                  "rci_sd")
"""Columns of :func:`reliable_change`, in order."""


def pair_timepoints(scores: pd.DataFrame, *, id_column: str = "family_id", before: str = "T0",
                    after: str = "T1", timepoint_column: str = "timepoint") -> pd.DataFrame:
    """The ``before`` and ``after`` rows of the families measured at both moments.

    Parameters
    ----------
    scores : DataFrame
        One row per family per moment (e.g. from :func:`analysis.questionnaires.scoring.score_instrument`).
    id_column, timepoint_column : str
        Columns identifying the family and the moment.
    before, after : str
        The two moments to pair (default ``"T0"`` and ``"T1"``).

    Returns
    -------
    DataFrame
        The rows of ``scores`` at ``before`` and ``after`` for families with both, sorted by
        family and then moment (``before`` first), with a fresh index. Families with only one of
        the two moments (the handreiking's "alleen de beginmeting") are left out.

    Raises
    ------
    ValueError
        When a named column is absent or ``before == after``.
    DataError
        When a family has more than one row at a moment (the data contract allows one; choose
        an informant first).
    """
    for parameter, column in (("id_column", id_column), ("timepoint_column", timepoint_column)):
        if column not in scores.columns:
            raise ValueError(f"{parameter}: column {column!r} is not in scores; columns: "
                             f"{', '.join(map(str, scores.columns))}")
    if before == after:
        raise ValueError(f"before and after must differ, both are {before!r}")
    rows = scores[scores[timepoint_column].isin([before, after])]
    _check_unique(rows, id_column, timepoint_column)
    moments = rows.groupby(id_column, sort=False)[timepoint_column].transform("nunique")
    paired = rows[moments.to_numpy() == 2]
    order = (paired[timepoint_column] == after).astype(int)
    return (paired.assign(_order=order.to_numpy())
            .sort_values([id_column, "_order"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def _check_unique(rows: pd.DataFrame, id_column: str, timepoint_column: str) -> None:
    dup = rows.duplicated([id_column, timepoint_column], keep=False)
    if dup.any():
        pairs = rows.loc[dup, [id_column, timepoint_column]].drop_duplicates()
        problems = [Problem("scores", None, id_column, f"{f} {t}", "one row per family per moment")
                    for f, t in pairs.itertuples(index=False)]
        shown = "; ".join(p.value for p in problems[:5])
        raise DataError(f"{len(problems)} family/moment pair(s) occur more than once ({shown}); "
                        f"expected one row per family per moment: select one informant first",
                        problems)


def reliable_change(scores: pd.DataFrame, instrument: Instrument | str, *,
                    scales: Sequence[str] | None = None, scheme: str | None = None,
                    before: str = "T0", after: str = "T1", id_column: str = "family_id",
                    age_column: str | None = None) -> pd.DataFrame:
    """Reliable and clinically significant change per family and scale.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`analysis.questionnaires.scoring.score_instrument` (columns ``<id>_<scale>``) with
        ``timepoint`` and the family identifier; ``form`` and ``informant`` when present.
    instrument : Instrument or str
        Definition or instrument id.
    scales : sequence of str, optional
        Scales to report (default: every scale, composite and supplement of the instrument
        whose score column is in ``scores``).
    scheme : str, optional
        Cut-off scheme for bands and the clinical-significance criterion (default: the
        instrument's; each form uses its own thresholds under that name, a form without them
        gets no band).
    before, after : str
        Moments compared (default ``"T0"`` -> ``"T1"``).
    id_column : str
        Family identifier column (reported as ``family_id``).
    age_column : str, optional
        Age in whole years at each moment, for age-specific schemes and the age group of the
        reliable-change parameters (the age at ``before``).

    Returns
    -------
    DataFrame
        One row per family x scale, sorted by family then scale, with exactly the columns
        :data:`RESULT_COLUMNS`: ``family_id``, ``instrument``, ``scale``, ``t0``, ``t1``,
        ``change`` (``t1 - t0``, points), ``rci`` (``change / S_diff``), ``change_class``
        (``"improved"``, ``"unchanged"``, ``"deteriorated"``; missing when a score or the
        scale's reliability/SD is missing), ``reliable_change_threshold`` (points of change
        needed: ``criterion * S_diff``), ``t0_band``, ``t1_band``, ``t0_elevated``,
        ``t1_elevated`` (nullable boolean) and ``clinically_significant`` (nullable boolean:
        improved and elevated at T0 and not elevated at T1; missing when unknown, e.g. the
        scheme does not cover the scale), ``rci_fallback`` (nullable boolean: not both
        parameters come from the child's own age group; missing when there is no RCI),
        ``form_t0``, ``form_t1`` (the form at each moment; missing for an instrument without
        forms), ``informant_t0``, ``informant_t1``, ``pair_status`` (:data:`PAIR_STATUSES`),
        ``age`` (whole years at ``before``, NaN unknown), ``rci_reliability`` and ``rci_sd``
        (the parameters used).

    Notes
    -----
    Missing data: a family missing a score at either moment gets missing ``change``, ``rci``
    and ``change_class`` on that scale. Scales without ``reliable_change`` parameters in the
    definition (e.g. SDQ impact, the placeholder ARI-CP key) get bands but no RCI. A
    ``form_switch`` pair gets no change at all: scores of two forms are not on one scale.

    Examples
    --------
    >>> s = pd.DataFrame({"family_id": ["F1", "F1"], "timepoint": ["T0", "T1"],
    ...                   "sdq_total": [20.0, 12.0]})
    >>> r = reliable_change(s, "sdq", scales=["total"])
    >>> row = r.iloc[0]
    >>> float(row["change"]), row["change_class"], row["t0_band"], row["t1_band"]
    (-8.0, 'improved', 'abnormal', 'normal')
    >>> bool(row["clinically_significant"]), round(float(row["reliable_change_threshold"]), 2)
    (True, 5.81)
    """
    instrument = resolve(instrument)
    wanted = _scales(scores, instrument, scales)
    paired = pair_timepoints(scores, id_column=id_column, before=before, after=after)
    first = paired.iloc[0::2].reset_index(drop=True)
    second = paired.iloc[1::2].reset_index(drop=True)
    if not wanted or not len(first):
        return _empty()
    pairs = _pair_frame(first, second, instrument, id_column, age_column)
    definitions = _definitions(instrument, pairs)
    chosen, _ = _forms.choose_schemes(definitions, scheme)
    aged = next((s for s in chosen.values() if s is not None and s.age_specific), None)
    if aged is not None and age_column is None:
        raise ConfigError(f"cut-off scheme {aged.name!r} is age-specific: pass age_column "
                          f"(the child's age in whole years, e.g. trajectories.child_age)")
    frames = [_one_scale(first, second, pairs, instrument, definitions, chosen, name)
              for name in wanted]
    out = pd.concat(frames, ignore_index=True)
    rank = {name: i for i, name in enumerate(wanted)}
    out = out.assign(_rank=out["scale"].map(rank)).sort_values(["family_id", "_rank"], kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)[list(RESULT_COLUMNS)]


def primary_pairs(changes: pd.DataFrame, *, rule: str = "same_informant") -> pd.DataFrame:
    """The rows of a change table that the primary analysis uses.

    ``rule="same_informant"`` (primary, the SDQ guidance's preference): pairs of the same form
    and the same informant (``pair_status == "same"``). ``rule="any_informant"`` (sensitivity):
    also the informant switches. Form switches are never used: two forms are not one scale.
    """
    allowed = {"same_informant": ("same",), "any_informant": ("same", "informant_switch")}
    if rule not in allowed:
        raise ValueError(f"rule: expected one of {list(allowed)}, got {rule!r}")
    if "pair_status" not in changes.columns:
        return changes
    return changes[changes["pair_status"].isin(allowed[rule])].reset_index(drop=True)


def _pair_frame(first: pd.DataFrame, second: pd.DataFrame, instrument: Instrument,
                id_column: str, age_column: str | None) -> pd.DataFrame:
    """Per pair: family, forms and informants at both moments, status, age at the first."""
    n = len(first)

    def column(part: pd.DataFrame, name: str) -> np.ndarray:
        if name not in part.columns:
            return np.full(n, None, dtype=object)
        values = part[name].astype("object").to_numpy()
        out = np.full(n, None, dtype=object)
        present = ~np.asarray(pd.isna(values), dtype=bool)  # as _missing, element by element
        if present.any():  # str() of each value, in pandas' compiled loop (100,000s of rows)
            out[present] = pd.Series(values[present], dtype=object).astype(str).to_numpy(
                dtype=object)
        return out

    form_t0, form_t1 = column(first, _forms.FORM_COLUMN), column(second, _forms.FORM_COLUMN)
    if instrument.form is not None:  # rows without a form column are the base form's
        form_t0 = np.where(pd.isna(form_t0), instrument.form, form_t0).astype(object)
        form_t1 = np.where(pd.isna(form_t1), instrument.form, form_t1).astype(object)
    inf_t0, inf_t1 = column(first, "informant"), column(second, "informant")
    switched = (pd.notna(inf_t0) & pd.notna(inf_t1)
                & np.asarray(inf_t0 != inf_t1, dtype=bool))  # None only: column() made them
    crossed = np.asarray(form_t0 != form_t1, dtype=bool)
    status = np.where(crossed, "form_switch", np.where(switched, "informant_switch", "same"))
    return pd.DataFrame({"family_id": first[id_column].to_numpy(), "form_t0": form_t0,
                         "form_t1": form_t1, "informant_t0": inf_t0, "informant_t1": inf_t1,
                         "pair_status": status, "age": _age(first, age_column),
                         "age_t1": _age(second, age_column)})


def _missing(value: Any) -> bool:
    return value is None or (np.ndim(value) == 0 and bool(pd.isna(value)))


def _definitions(instrument: Instrument, pairs: pd.DataFrame) -> dict[str | None, Instrument]:
    """The definition of every form occurring in ``pairs`` (None: an instrument without forms)."""
    if instrument.form is None:
        return {None: instrument}
    present = set(pairs["form_t0"]) | set(pairs["form_t1"])
    return {name: form for name, form in instrument.form_definitions().items() if name in present}


def _scales(scores: pd.DataFrame, instrument: Instrument, scales: Sequence[str] | None) -> list[str]:
    if scales is None:
        return [s for s in instrument.all_scales if instrument.column(s) in scores.columns]
    wanted = [scales] if isinstance(scales, str) else list(scales)
    unknown = [s for s in wanted if s not in instrument.all_scales]
    if unknown:
        raise ValueError(f"scales: unknown {unknown}; {instrument.id} has "
                         f"{', '.join(instrument.all_scales)}")
    absent = [instrument.column(s) for s in wanted if instrument.column(s) not in scores.columns]
    if absent:
        raise ValueError(f"scales: score columns {absent} are not in scores")
    return wanted


def _age(part: pd.DataFrame, age_column: str | None) -> np.ndarray:
    if age_column is None:
        return np.full(len(part), np.nan)
    if age_column not in part.columns:
        raise ValueError(f"age_column: column {age_column!r} is not in scores")
    return np.floor(pd.to_numeric(part[age_column], errors="coerce").to_numpy(dtype=np.float64))


def _one_scale(first: pd.DataFrame, second: pd.DataFrame, pairs: pd.DataFrame,
               instrument: Instrument, definitions: dict, chosen: dict, name: str) -> pd.DataFrame:
    column = instrument.column(name)
    x0 = first[column].to_numpy(dtype=np.float64)
    x1 = second[column].to_numpy(dtype=np.float64)
    same_form = (pairs["pair_status"] != "form_switch").to_numpy()
    change = np.where(same_form, x1 - x0, np.nan)
    n = len(x0)
    rci, threshold = np.full(n, np.nan), np.full(n, np.nan)
    reliability, sd = np.full(n, np.nan), np.full(n, np.nan)
    fallback = np.full(n, None, dtype=object)
    klass = np.full(n, None, dtype=object)
    bands = _no_bands(n)
    for form, definition in definitions.items():
        at0 = _rows_of(pairs["form_t0"], form)
        at1 = _rows_of(pairs["form_t1"], form)
        both = at0 & same_form
        if both.any():
            part = _rci(change[both], definition, name, pairs["age"].to_numpy()[both])
            rci[both], threshold[both], fallback[both] = part[0], part[1], part[2]
            reliability[both], sd[both] = part[3], part[4]
            klass[both] = _change_class(part[0], definition.rci_criterion,
                                        definition.is_higher_worse(name))
        _fill_bands(bands, "t0", at0, x0, chosen.get(form), name, pairs["age"].to_numpy())
        _fill_bands(bands, "t1", at1, x1, chosen.get(form), name, pairs["age_t1"].to_numpy())
    klass_array = pd.array(klass, dtype="str")
    improved = pd.array(np.where(pd.isna(klass), None, klass == "improved"), dtype="boolean")
    t0_elevated = pd.arrays.BooleanArray(bands["t0_elevated"], ~bands["t0_known"])
    t1_elevated = pd.arrays.BooleanArray(bands["t1_elevated"], ~bands["t1_known"])
    significant = improved & t0_elevated & ~t1_elevated
    return pd.DataFrame({
        "family_id": pairs["family_id"].to_numpy(), "instrument": instrument.id, "scale": name,
        "t0": x0, "t1": x1, "change": change, "rci": rci, "change_class": klass_array,
        "reliable_change_threshold": threshold,
        "t0_band": pd.array(bands["t0_band"], dtype="str"),
        "t1_band": pd.array(bands["t1_band"], dtype="str"),
        "t0_elevated": t0_elevated, "t1_elevated": t1_elevated,
        "clinically_significant": significant, "rci_fallback": pd.array(fallback, dtype="boolean"),
        "form_t0": pd.array(pairs["form_t0"].to_numpy(), dtype="str"),
        "form_t1": pd.array(pairs["form_t1"].to_numpy(), dtype="str"),
        "informant_t0": pd.array(pairs["informant_t0"].to_numpy(), dtype="str"),
        "informant_t1": pd.array(pairs["informant_t1"].to_numpy(), dtype="str"),
        "pair_status": pd.array(pairs["pair_status"].to_numpy(), dtype="str"),
        "age": pairs["age"].to_numpy(dtype=np.float64), "rci_reliability": reliability,
        "rci_sd": sd,
    })


def _rows_of(forms: pd.Series, form: str | None) -> np.ndarray:
    if form is None:
        return np.ones(len(forms), dtype=bool)
    return (forms == form).to_numpy(dtype=bool)


def _no_bands(n: int) -> dict[str, np.ndarray]:
    return {"t0_band": np.full(n, None, dtype=object), "t1_band": np.full(n, None, dtype=object),
            "t0_elevated": np.zeros(n, dtype=bool), "t1_elevated": np.zeros(n, dtype=bool),
            "t0_known": np.zeros(n, dtype=bool), "t1_known": np.zeros(n, dtype=bool)}


def _fill_bands(bands: dict, moment: str, rows: np.ndarray, values: np.ndarray,
                scheme: CutoffScheme | None, name: str, ages: np.ndarray) -> None:
    """Band and elevated flag of ``values[rows]`` under ``scheme`` (none when it does not cover
    the scale), written into ``bands`` at ``moment``."""
    if scheme is None or name not in scheme.scales or not rows.any():
        return
    where = np.flatnonzero(rows)
    band, flag = _classify(values[where], scheme, name, ages[where])
    known = ~np.asarray(flag.isna())
    labels = np.asarray(band, dtype=object).copy()
    labels[np.asarray(pd.isna(labels), dtype=bool)] = None
    bands[f"{moment}_band"][where] = labels
    bands[f"{moment}_elevated"][where[known]] = np.asarray(flag[known], dtype=bool)
    bands[f"{moment}_known"][where[known]] = True


def _rci(change: np.ndarray, instrument: Instrument, name: str, ages: np.ndarray) -> tuple:
    """RCI, points of change needed, fallback flag, reliability and SD per family; NaN/missing
    when the scale has no parameters for the child's age (looked up once per distinct age)."""
    n = len(change)
    ages = np.asarray(ages, dtype=np.float64)
    s_diff, fallback = np.full(n, np.nan), np.full(n, None, dtype=object)
    reliability, sd = np.full(n, np.nan), np.full(n, np.nan)
    for age in np.unique(ages):  # NaN (unknown age) comes once, last
        rows = np.isnan(ages) if np.isnan(age) else ages == age
        params, used_fallback = instrument.rci_parameters(name, None if np.isnan(age) else age)
        if params is not None:
            s_diff[rows] = math.sqrt(2.0) * params.sd * math.sqrt(1.0 - params.reliability)
            fallback[rows] = used_fallback
            reliability[rows], sd[rows] = params.reliability, params.sd
    return change / s_diff, instrument.rci_criterion * s_diff, fallback, reliability, sd


def _change_class(rci: np.ndarray, criterion: float, higher_is_worse: bool) -> np.ndarray:
    """``improved`` / ``unchanged`` / ``deteriorated`` from the RCI and the scale's direction."""
    tolerance = 1e-9  # |RCI| exactly at the criterion counts as reliable despite float error
    up = rci >= criterion - tolerance
    down = rci <= -criterion + tolerance
    better, worse = (down, up) if higher_is_worse else (up, down)
    klass = np.where(better, "improved", np.where(worse, "deteriorated", "unchanged")).astype(object)
    klass[np.isnan(rci)] = None
    return klass


_EMPTY_DTYPES: dict[str, str] = {"t0": "float64", "t1": "float64", "change": "float64",
                                 "rci": "float64", "reliable_change_threshold": "float64",
                                 "change_class": "str", "t0_band": "str", "t1_band": "str",
                                 "t0_elevated": "boolean", "t1_elevated": "boolean",
                                 "clinically_significant": "boolean", "rci_fallback": "boolean",
                                 "form_t0": "str", "form_t1": "str", "informant_t0": "str",
                                 "informant_t1": "str", "pair_status": "str", "age": "float64",
                                 "rci_reliability": "float64", "rci_sd": "float64"}
"""Column types of an empty result, as :func:`_one_scale` makes them (so that concatenating an
empty result with a full one keeps numeric columns numeric)."""


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES.get(c, object)) for c in RESULT_COLUMNS})


# ------------------------------------------------------------------------------------------
# The caveat: which parameters each child got, from where, and which way alpha biases
# ------------------------------------------------------------------------------------------

def rci_parameter_table(changes: pd.DataFrame, instrument: Instrument | str, *,
                        scale: str = "total") -> pd.DataFrame:
    """The reliable-change parameters the families of ``changes`` got on ``scale``, per form and
    age group.

    Returns
    -------
    DataFrame
        One row per form x age (whole years at the first moment; NaN unknown) present, with
        ``form``, ``age``, ``n`` (families), ``reliability``, ``reliability_source`` (Dutch
        citation and the age group it was published for), ``reliability_kind``, ``sd``,
        ``sd_source``, ``threshold`` (points), ``own_group`` (both numbers from the child's own
        age group). Forms or ages without parameters have NaN numbers and empty sources.
    """
    instrument = resolve(instrument)
    rows = changes[(changes["instrument"] == instrument.id) & (changes["scale"] == scale)]
    if rows.empty:
        return pd.DataFrame(columns=["form", "age", "n", "reliability", "reliability_source",
                                     "reliability_kind", "sd", "sd_source", "threshold",
                                     "own_group"])
    forms = rows["form_t0"].astype("object").where(rows["form_t0"].notna(), None)
    out = []
    keys = pd.DataFrame({"form": forms.to_numpy(), "age": rows["age"].to_numpy()})
    for (form, age), part in keys.groupby(["form", "age"], dropna=False, sort=True):
        definition = (instrument.form_definition(form) if isinstance(form, str)
                      and instrument.form is not None else instrument)
        params, fallback = definition.rci_parameters(scale, None if pd.isna(age) else age)
        refs = definition.rci_references
        if params is None:
            out.append({"form": form, "age": age, "n": len(part), "reliability": np.nan,
                        "reliability_source": "", "reliability_kind": "", "sd": np.nan,
                        "sd_source": "", "threshold": np.nan, "own_group": False})
            continue
        s_diff = math.sqrt(2.0) * params.sd * math.sqrt(1.0 - params.reliability)
        out.append({
            "form": form, "age": age, "n": len(part), "reliability": params.reliability,
            "reliability_source": _cite(refs, params.reliability_ref, params.reliability_group),
            "reliability_kind": params.reliability_kind, "sd": params.sd,
            "sd_source": _cite(refs, params.sd_ref, params.sd_group),
            "threshold": definition.rci_criterion * s_diff, "own_group": not fallback})
    return pd.DataFrame(out)


def _cite(references: dict[str, str], ref: str, group: str) -> str:
    citation = references.get(ref, ref)
    return f"{citation}, {group}" if group else citation


def rci_caveat_nl(changes: pd.DataFrame, instrument: Instrument | str, *,
                  scale: str = "total") -> str | None:
    """The Dutch caveat on the reliable-change threshold of ``scale`` for the families present.

    Names the ages present, for each group of children the reliability and SD used with their
    sources and the resulting threshold, and the direction of the bias of using Cronbach's alpha
    (the definition's ``bias_nl``). None when no family has parameters.
    """
    instrument = resolve(instrument)
    table = rci_parameter_table(changes, instrument, scale=scale)
    usable = table[table["reliability"].notna()]
    if usable.empty:
        return None
    parts = []
    group_keys = ["form", "reliability", "reliability_source", "sd", "sd_source", "threshold"]
    for key, part in usable.groupby(group_keys, sort=False, dropna=False):
        form, r, r_source, sd, sd_source, threshold = key
        ages = sorted(a for a in part["age"] if pd.notna(a))
        n = int(part["n"].sum())
        who = (f"{_ages_nl(ages)}" if ages else "kinderen van onbekende leeftijd")
        if pd.notna(part["age"]).sum() < len(part) and ages:
            who += " en van onbekende leeftijd"
        form_text = ""
        if instrument.form is not None and len(usable["form"].unique()) > 1:
            form_text = f" ({instrument.form_definition(form).form_label})"
        parts.append(f"{who[:1].upper()}{who[1:]}{form_text} ({n} "
                     f"{'gezin' if n == 1 else 'gezinnen'}): "
                     f"{_kind_nl(part['reliability_kind'].iloc[0])} {_nl(r, 2)} ({r_source}) met "
                     f"standaarddeviatie {_nl(sd, 1)} ({sd_source}), grens {_nl(threshold, 1)} punten.")
    missing = table[table["reliability"].isna()]
    present = sorted(a for a in table["age"] if pd.notna(a))
    text = ("De grens voor betrouwbare verandering hangt af van leeftijd en formulier; "
            f"leeftijden in de data: {_ages_nl(present).removeprefix('kinderen van ')}. "
            if present else "") + " ".join(parts)
    if not missing.empty:
        n = int(missing["n"].sum())
        text += (f" Voor {n} {'gezin' if n == 1 else 'gezinnen'} zijn geen betrouwbaarheid en standaarddeviatie "
                 "voor formulier en leeftijd ingevoerd: geen betrouwbare-veranderingsindex.")
    definitions = ([instrument.form_definition(f) for f in usable["form"].unique()]
                   if instrument.form is not None else [instrument])
    bias = next((d.rci_bias_nl for d in definitions if d.rci_bias_nl), "")
    return f"{text} {bias}".strip()


def _kind_nl(kind: str) -> str:
    return {"alpha": "Cronbachs alfa", "test-retest": "test-hertestbetrouwbaarheid"}.get(
        kind, "betrouwbaarheid")


def _ages_nl(ages: list[float]) -> str:
    whole = sorted({int(a) for a in ages})
    if len(whole) == 1:
        return f"kinderen van {whole[0]} jaar"
    runs, start = [], whole[0]
    for prev, cur in zip(whole, whole[1:] + [None]):
        if cur is None or cur != prev + 1:
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = cur
    return "kinderen van " + _forms.join_nl(runs) + " jaar"


def _nl(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}".replace(".", ",")
