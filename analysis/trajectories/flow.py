"""Family trajectories: participant flow, descriptive summary, staff counts and key numbers.

Input is the validated ``trajectories`` table of the data contract (one row per family
trajectory: ``family_id, status, start_date, end_date, therapy, therapist_id,
social_worker_id, referral, child_age, child_sex, observation_sessions, therapy_sessions,
collaboration_hours, indicated, substituted, placement_threat, placement_averted``) and, for the
flow, the questionnaire moments per family (``family_id, timepoint`` stacked from the SDQ and
ARI-CP exports). Everything here computes; drawing lives in :mod:`analysis.report.figures.trajectories`.

Pilot limits (source: Sociale Teams Helmond (2024), *De verbinding tussen sociaal werk en
vaktherapie*, "Over de innovatiepilot"): at most 25 vaktherapie sessions per trajectory, with the
3-5 observation sessions at the start counted among them, and at most five collaboration hours
for therapist and social worker together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.origin import returns_key_numbers
from analysis.errors import ConfigError

STATUSES: tuple[str, ...] = ("completed", "dropped_out", "ongoing")
"""Allowed values of ``status`` (data contract)."""

DEFAULT_LIMITS: dict[str, float] = {"therapy_sessions": 25, "collaboration_hours": 5}
"""Pilot maxima per trajectory (handreiking, "Over de innovatiepilot"): 25 sessions in all
(observation included, as in the data contract's ``therapy_sessions``) and 5 collaboration
hours."""

THERAPY_KEYS: dict[str, str] = {"speltherapie": "play", "pmt": "pmt", "beeldend": "art",
                                "drama": "drama", "muziek": "music", "dans": "dance"}
"""English key-number suffix per therapy type: ``therapists_<suffix>`` (e.g. ``therapists_play``)."""

LABELS_NL: dict[str, dict[str, str]] = {
    "status": {"completed": "Afgerond", "dropped_out": "Voortijdig gestopt", "ongoing": "Loopt nog"},
    "therapy": {"speltherapie": "Speltherapie", "pmt": "PMT", "beeldend": "Beeldende therapie",
                "drama": "Dramatherapie", "muziek": "Muziektherapie", "dans": "Danstherapie"},
    "referral": {"parents": "Ouders", "school": "School", "gp": "Huisarts", "other": "Anders"},
    "child_sex": {"m": "Jongen", "f": "Meisje", "x": "Anders/onbekend"},
}
"""Dutch display labels of the categorical columns; unknown values are shown as given."""

VARIABLE_LABELS_NL: dict[str, str] = {
    "therapy": "Soort vaktherapie",
    "referral": "Aanmeldroute",
    "child_sex": "Geslacht kind",
    "observation_sessions": "Observatiesessies",
    "treatment_sessions": "Behandelsessies (na observatie)",
    "therapy_sessions": "Sessies totaal (observatie + behandeling)",
    "collaboration_hours": "Samenwerkingsuren",
    "duration_weeks": "Duur traject (weken)",
    "child_age": "Leeftijd kind (jaren)",
}

FLOW_STAGES: tuple[tuple[str, str, str | None], ...] = (
    ("slots", "Beschikbare plekken", None),
    ("started", "Gestarte trajecten", "slots"),
    ("completed", "Afgerond", "started"),
    ("dropped_out", "Voortijdig gestopt", "started"),
    ("ongoing", "Loopt nog", "started"),
    ("questionnaire_both", "Begin- en eindmeting (T0 + T1)", "completed"),
    ("questionnaire_baseline_only", "Alleen beginmeting (T0)", "completed"),
    ("questionnaire_end_only", "Alleen eindmeting (T1)", "completed"),
    ("questionnaire_none", "Geen vragenlijst", "completed"),
)
"""Stages of :func:`participant_flow`: (stage, Dutch label, parent stage)."""

_NUMERIC = ("observation_sessions", "treatment_sessions", "therapy_sessions",
            "collaboration_hours", "duration_weeks", "child_age")
_CATEGORICAL = ("therapy", "referral", "child_sex")
DESCRIBE_COLUMNS: list[str] = ["variable", "label_nl", "category", "n", "share", "median", "q1",
                               "q3", "min", "max", "limit", "n_above_limit"]
"""Columns of :func:`describe_trajectories`, in order."""


def participant_flow(trajectories: pd.DataFrame, questionnaires: pd.DataFrame, *,
                     slots: int) -> pd.DataFrame:
    """CONSORT-style participant flow, from pilot places to questionnaire completeness.

    Parameters
    ----------
    trajectories : DataFrame
        Validated trajectories (needs ``family_id`` and ``status``).
    questionnaires : DataFrame
        Questionnaire moments, one row per family x timepoint (x instrument): ``family_id`` and
        ``timepoint`` (``T0``, ``T1``, ``T2``), e.g. the SDQ and ARI-CP exports stacked. May be
        empty.
    slots : int
        Planned capacity in family trajectories (``cohort.yaml``: ``slots``; 30 in Helmond).

    Returns
    -------
    DataFrame
        One row per stage of :data:`FLOW_STAGES`, in that order, with columns ``stage``,
        ``label_nl`` (Dutch box text), ``n`` (families) and ``parent_stage`` (missing for the
        root ``slots``). Stages: ``slots -> started -> completed / dropped_out / ongoing``, and
        for the completed trajectories ``questionnaire_both / questionnaire_baseline_only /
        questionnaire_end_only / questionnaire_none``.

    Notes
    -----
    A family "has" a timepoint when it has at least one questionnaire (any instrument) at that
    timepoint; ``T2`` is ignored here. Questionnaire stages count completed trajectories only,
    as the handreiking does ("Van de 22 respondenten ... 14 ... zowel de begin- als de
    eindmeting"); the four questionnaire counts add up to ``completed``. Questionnaires of
    families not in ``trajectories`` are ignored. ``started`` may exceed ``slots``; the flow
    shows it as it is.
    """
    _require(trajectories, ["family_id", "status"], "trajectories")
    _require(questionnaires, ["family_id", "timepoint"], "questionnaires")
    if not isinstance(slots, (int, np.integer)) or isinstance(slots, bool) or slots < 0:
        raise ConfigError(f"participant_flow: slots must be a whole number >= 0, got {slots!r}")
    _check_status(trajectories)
    status = trajectories["status"].astype(str)
    completed_ids = set(trajectories.loc[status == "completed", "family_id"].astype(str))
    moments = _moments_per_family(questionnaires)
    t0 = {f for f in completed_ids if "T0" in moments.get(f, ())}
    t1 = {f for f in completed_ids if "T1" in moments.get(f, ())}
    counts = {
        "slots": int(slots),
        "started": len(trajectories),
        **{s: int((status == s).sum()) for s in STATUSES},
        "questionnaire_both": len(t0 & t1),
        "questionnaire_baseline_only": len(t0 - t1),
        "questionnaire_end_only": len(t1 - t0),
        "questionnaire_none": len(completed_ids - t0 - t1),
    }
    return pd.DataFrame(
        [{"stage": s, "label_nl": label, "n": counts[s], "parent_stage": parent}
         for s, label, parent in FLOW_STAGES]
    )


def describe_trajectories(trajectories: pd.DataFrame, *,
                          limits: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Tidy descriptive summary of the trajectories, with counts above the pilot limits.

    Parameters
    ----------
    trajectories : DataFrame
        Validated trajectories (all contract columns).
    limits : mapping, optional
        Maximum per trajectory by variable name; default :data:`DEFAULT_LIMITS`
        (``therapy_sessions``: 25, ``collaboration_hours``: 5). Any numeric variable below may
        be given a limit. The cohort's contract names (``max_therapy_sessions``, ... as in
        ``cohort.yaml`` ``limits:``) are accepted too, see :func:`normalise_limits`.

    Returns
    -------
    DataFrame
        Columns :data:`DESCRIBE_COLUMNS`. Categorical variables (``therapy``, ``referral``,
        ``child_sex``) give one row per category with ``n`` and ``share`` (fraction of the
        trajectories with a value); numeric variables give one row (``category`` empty) with
        ``n`` (non-missing values), ``median``, ``q1``, ``q3`` (25th/75th percentile, linear
        interpolation), ``min``, ``max``, ``limit`` and ``n_above_limit`` (values strictly
        above the limit; NaN when no limit applies).

    Notes
    -----
    Derived variables: ``treatment_sessions = therapy_sessions - observation_sessions``
    (sessions after observation; the contract's ``therapy_sessions`` includes observation) and
    ``duration_weeks = (end_date - start_date) in days / 7``, for trajectories with an end date
    only (ongoing trajectories have none). Missing values are left out per variable.
    """
    _require(trajectories, ["therapy", "referral", "child_sex", "observation_sessions",
                            "therapy_sessions", "collaboration_hours", "start_date", "end_date",
                            "child_age"], "trajectories")
    limits = normalise_limits(limits)
    derived = _with_derived(trajectories)
    rows = [row for var in _CATEGORICAL for row in _categorical_rows(derived[var], var)]
    rows += [_numeric_row(derived[var], var, limits.get(var)) for var in _NUMERIC]
    return pd.DataFrame(rows, columns=DESCRIBE_COLUMNS)


def normalise_limits(limits: Mapping[str, float] | None) -> dict[str, float]:
    """Maxima by variable name, from variable names or the contract's limit names.

    ``None`` gives :data:`DEFAULT_LIMITS`. ``max_<variable>`` (the names of
    ``analysis/definitions/contract.yaml`` and ``cohort.yaml`` ``limits:``) becomes
    ``<variable>``; ``min_<variable>`` entries are lower bounds and are left out (only maxima
    are counted here).

    >>> normalise_limits({"max_therapy_sessions": 20, "min_observation_sessions": 3})
    {'therapy_sessions': 20.0}

    Raises
    ------
    ConfigError
        A name that is no numeric variable of :func:`describe_trajectories`, or a value that
        is not a number.
    """
    if limits is None:
        return {k: float(v) for k, v in DEFAULT_LIMITS.items()}
    out: dict[str, float] = {}
    for name, value in limits.items():
        if name.startswith("min_"):
            continue
        variable = name.removeprefix("max_")
        if variable not in _NUMERIC:
            raise ConfigError(f"limits: no numeric variable {name!r} to limit; expected some of "
                              f"{list(_NUMERIC)} (or max_<variable>)")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ConfigError(f"limits: {name!r} must be a number, got {value!r}")
        out[variable] = float(value)
    return out


def staff_counts(trajectories: pd.DataFrame) -> dict[str, int]:
    """Distinct therapists per therapy type, all therapists, and social workers.

    Returns
    -------
    dict
        ``therapists_<suffix>`` for every therapy type of :data:`THERAPY_KEYS` (the data
        contract's; 0 when the cohort has none of that type) and any other type present (it
        keeps its own name), e.g. ``therapists_play`` for speltherapie, ``therapists_pmt``;
        ``therapists_total`` (distinct ``therapist_id``) and ``social_workers``
        (distinct ``social_worker_id``). Missing ids are not counted; a therapist working in two
        therapy types counts once in each type and once in the total.
    """
    _require(trajectories, ["therapy", "therapist_id", "social_worker_id"], "trajectories")
    out: dict[str, int] = {f"therapists_{suffix}": 0 for suffix in THERAPY_KEYS.values()}
    known = trajectories.dropna(subset=["therapy", "therapist_id"])
    for therapy, group in known.groupby(known["therapy"].astype(str), sort=True):
        out[f"therapists_{THERAPY_KEYS.get(therapy, therapy)}"] = int(group["therapist_id"].nunique())
    out["therapists_total"] = int(trajectories["therapist_id"].dropna().nunique())
    out["social_workers"] = int(trajectories["social_worker_id"].dropna().nunique())
    return out


def questionnaire_moments(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Questionnaire moments of every instrument, stacked: ``family_id, timepoint``.

    ``tables`` maps validated table names to tables (None for an absent file); every table
    with both a ``family_id`` and a ``timepoint`` column is a questionnaire export (data
    contract), whatever the instrument. No such table gives an empty frame.

    >>> t = {"x": pd.DataFrame({"family_id": ["F1"], "timepoint": ["T0"]}), "y": None}
    >>> questionnaire_moments(t).to_dict("records")
    [{'family_id': 'F1', 'timepoint': 'T0'}]
    """
    parts = [table[["family_id", "timepoint"]] for _, table in sorted(tables.items())
             if table is not None and {"family_id", "timepoint"} <= set(table.columns)]
    if not parts:
        return pd.DataFrame({"family_id": pd.Series(dtype=object),
                             "timepoint": pd.Series(dtype=object)})
    return pd.concat(parts, ignore_index=True)


@returns_key_numbers
def trajectory_key_numbers(trajectories: pd.DataFrame, questionnaires: pd.DataFrame, *,
                           slots: int) -> dict[str, int | float | None]:
    """Key numbers of this strand, named as :mod:`analysis.report.claims` expects them.

    Returns
    -------
    dict
        ``slots``, ``trajectories_started``, ``trajectories_completed``,
        ``trajectories_dropped_out``, ``trajectories_ongoing``, ``questionnaire_both``,
        ``questionnaire_baseline_only``, ``questionnaire_end_only``, ``questionnaire_none``,
        every key of :func:`staff_counts`, and over the **completed** trajectories (the
        handreiking's base, "22 afgeronde trajecten"): ``therapy_sessions_max``,
        ``collaboration_hours_max``, ``observation_sessions_min``, ``observation_sessions_max``
        (``None`` when there is no completed trajectory: key numbers are JSON, which has no
        NaN).
    """
    flow = participant_flow(trajectories, questionnaires, slots=slots).set_index("stage")["n"]
    out: dict[str, int | float | None] = {"slots": int(flow["slots"]),
                                   "trajectories_started": int(flow["started"])}
    out.update({f"trajectories_{s}": int(flow[s]) for s in STATUSES})
    out.update({s: int(flow[s]) for s in flow.index if s.startswith("questionnaire_")})
    out.update(staff_counts(trajectories))
    done = trajectories[trajectories["status"].astype(str) == "completed"]
    for column, how in (("therapy_sessions", "max"), ("collaboration_hours", "max"),
                        ("observation_sessions", "min"), ("observation_sessions", "max")):
        values = pd.to_numeric(done[column], errors="coerce").dropna()
        out[f"{column}_{how}"] = _plain(getattr(values, how)()) if len(values) else None
    return out


def _with_derived(trajectories: pd.DataFrame) -> pd.DataFrame:
    """Copy with ``treatment_sessions`` and ``duration_weeks`` added (see describe_trajectories)."""
    out = trajectories.copy()
    sessions = pd.to_numeric(out["therapy_sessions"], errors="coerce")
    out["treatment_sessions"] = sessions - pd.to_numeric(out["observation_sessions"], errors="coerce")
    days = (pd.to_datetime(out["end_date"]) - pd.to_datetime(out["start_date"])).dt.days
    out["duration_weeks"] = days / 7.0
    return out


def _categorical_rows(values: pd.Series, variable: str) -> list[dict]:
    """One describe row per category of ``values`` (most frequent first, then by name)."""
    known = values.dropna().astype(str)
    counts = known.value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    total = int(counts.sum())
    return [_row(variable, category=cat, n=int(n), share=n / total if total else np.nan)
            for cat, n in counts.items()]


def _numeric_row(values: pd.Series, variable: str, limit: float | None) -> dict:
    """One describe row for a numeric variable."""
    x = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    stats = {"n": len(x)}
    if len(x):
        stats.update(median=x.median(), q1=x.quantile(0.25), q3=x.quantile(0.75),
                     min=x.min(), max=x.max())
    if limit is not None:
        stats.update(limit=float(limit), n_above_limit=int((x > limit).sum()))
    return _row(variable, **stats)


def _row(variable: str, **values) -> dict:
    row = dict.fromkeys(DESCRIBE_COLUMNS, np.nan)
    row.update(variable=variable, label_nl=VARIABLE_LABELS_NL.get(variable, variable),
               category=None)
    row.update(values)
    return row


def _moments_per_family(questionnaires: pd.DataFrame) -> dict[str, set[str]]:
    """Mapping family_id -> set of timepoints with at least one questionnaire."""
    q = questionnaires.dropna(subset=["family_id", "timepoint"])
    out: dict[str, set[str]] = {}
    for family, timepoint in zip(q["family_id"].astype(str), q["timepoint"].astype(str).str.upper()):
        out.setdefault(family, set()).add(timepoint)
    return out


def _check_status(trajectories: pd.DataFrame) -> None:
    bad = sorted(set(trajectories["status"].dropna().astype(str)) - set(STATUSES))
    missing = int(trajectories["status"].isna().sum())
    if bad or missing:
        raise ValueError(f"trajectories, column status: unexpected values {bad} "
                         f"({missing} missing); expected one of {list(STATUSES)}")


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise ValueError naming the frame and the missing columns."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; present: {list(frame.columns)}")


def _plain(value) -> int | float:
    """A numpy scalar as a plain int (whole numbers) or float, for JSON key numbers."""
    value = float(value)
    return int(value) if value.is_integer() else value
