"""Sections of the findings document that iterate over what a cohort holds.

:class:`analysis.report.findings.Findings` calls these pure functions; each takes key numbers,
processed tables and cohort settings and returns Dutch Markdown. Nothing here names a session
type, group, instrument or item of one cohort: they come from the data, with their Dutch names
from the data contract (``analysis/definitions/contract.yaml``). A section whose data are
absent returns one Dutch sentence saying so (:func:`analysis.report.narrative.absent_sentence`).
"""

from __future__ import annotations

import html
from typing import Any, Mapping

import pandas as pd

from analysis.report import narrative

SESSION_NOUNS_NL: dict[str, tuple[str, str]] = {
    "focusgroep": ("focusgroep", "focusgroepen"),
    "reflectiesessie": ("reflectiesessie", "reflectiesessies"),
    "interview": ("interview", "interviews"),
    "casestudy": ("casestudy", "casestudy's"),
    "open vragen vragenlijst": ("vragenlijst met open vragen", "vragenlijsten met open vragen"),
}
"""Singular and plural per Dutch name of a session type (the contract gives the name); a name
not listed is counted as "sessie(s) <name>"."""

GROUP_NOUNS_NL: dict[str, tuple[str, str]] = {
    "social_workers": ("sociaal werker", "sociaal werkers"),
    "therapists": ("vaktherapeut", "vaktherapeuten"),
    "parents": ("ouder", "ouders"),
    "children": ("kind", "kinderen"),
}
"""Singular and plural of a participant group; other groups count "deelnemers (<group>)"."""

THERAPIST_NOUNS_NL: dict[str, tuple[str, str]] = {
    "speltherapie": ("speltherapeut", "speltherapeuten"),
    "pmt": ("psychomotorisch therapeut", "psychomotorisch therapeuten"),
    "beeldend": ("beeldend therapeut", "beeldend therapeuten"),
    "drama": ("dramatherapeut", "dramatherapeuten"),
    "muziek": ("muziektherapeut", "muziektherapeuten"),
    "dans": ("danstherapeut", "danstherapeuten"),
}
"""Therapist noun per therapy type of the contract; another type reads "vaktherapeut (<type>)"."""


def contract_labels(file: str, column: str) -> dict[str, str]:
    """Dutch label per category value of ``column`` in contract file ``file``."""
    from analysis.data.cohort import load_contract

    for spec in load_contract()["files"].get(file, {}).get("columns", []):
        if spec["name"] == column:
            return {str(k): str(v.get("nl", k)) for k, v in (spec.get("values") or {}).items()}
    return {}


def participation(sessions: pd.DataFrame | None, *, publication: bool = False,
                  threshold: int = narrative.SMALL_COUNT_THRESHOLD) -> str:
    """Which qualitative sessions took place and with whom, in one sentence.

    Parameters
    ----------
    sessions : DataFrame or None
        The validated ``coding/sessions.csv`` (``session_type``, ``group``,
        ``n_participants``); None or empty when the cohort has no qualitative sessions.

    Returns
    -------
    str
        E.g. "Het kwalitatieve materiaal komt uit 2 focusgroepen (5 sociaal werkers en 3
        vaktherapeuten) en 1 casestudy (3 deelnemers, gemengd)." Session types and groups in
        the order of the contract, then any others by name.
    """
    if sessions is None or sessions.empty:
        return narrative.absent_sentence("kwalitatief materiaal (focusgroepen, interviews of "
                                         "andere sessies)")
    opts = {"publication": publication, "threshold": threshold}
    types = contract_labels("coding/sessions.csv", "session_type")
    groups = contract_labels("coding/sessions.csv", "group")
    people = pd.to_numeric(sessions["n_participants"], errors="coerce").fillna(0)
    frame = sessions.assign(_people=people, session_type=sessions["session_type"].astype(str),
                            group=sessions["group"].astype(str))
    parts = []
    for session_type in _ordered(frame["session_type"], types):
        rows = frame[frame["session_type"] == session_type]
        name = types.get(session_type, session_type.replace("_", " "))
        noun = SESSION_NOUNS_NL.get(name, (f"sessie {name}", f"sessies {name}"))
        who = [_group_count(g, rows.loc[rows["group"] == g, "_people"].sum(), groups, opts)
               for g in _ordered(rows["group"], groups)]
        parts.append(f"{narrative.count_noun(len(rows), *noun, **opts)} "
                     f"({narrative.join_nl(who)})")
    return f"Het kwalitatieve materiaal komt uit {narrative.join_nl(parts)}."


def staff(trajectories: pd.DataFrame | None, *, publication: bool = False,
          threshold: int = narrative.SMALL_COUNT_THRESHOLD) -> str:
    """Who worked in the trajectories: therapists per therapy type and social workers."""
    if trajectories is None or trajectories.empty:
        return ""
    opts = {"publication": publication, "threshold": threshold}
    therapy = trajectories.dropna(subset=["therapy", "therapist_id"])
    labels = contract_labels("trajectories.csv", "therapy")
    who = []
    for kind in _ordered(therapy["therapy"].astype(str), labels):
        noun = THERAPIST_NOUNS_NL.get(kind, (f"vaktherapeut ({labels.get(kind, kind)})",
                                             f"vaktherapeuten ({labels.get(kind, kind)})"))
        n = therapy.loc[therapy["therapy"].astype(str) == kind, "therapist_id"].nunique()
        who.append(narrative.count_noun(n, *noun, **opts))
    workers = trajectories["social_worker_id"].dropna().nunique()
    if not who:
        return ""
    return (f"In de trajecten werkten {narrative.join_nl(who)} samen met "
            f"{narrative.count_noun(workers, 'sociaal werker', 'sociaal werkers', **opts)} "
            "jeugd en gezin.")


def chain(table: pd.DataFrame | None, *, publication: bool = False,
          threshold: int = narrative.SMALL_COUNT_THRESHOLD) -> str:
    """The chain of shares (``questionnaires/chain.csv``) as a Markdown list, step by step.

    A step whose denominator is empty reads "niet te berekenen (0 gezinnen)".
    """
    if table is None or table.empty:
        return ""
    lines = []
    for row in table.sort_values("step").itertuples():
        text = narrative.step_text(_number(row.k), _number(row.n), low=_number(row.ci_low),
                                   high=_number(row.ci_high), publication=publication,
                                   threshold=threshold)
        lines.append(f"- {html.escape(str(row.label_nl))}: {text}.")
    return "\n".join(lines)


def target_verdict(share: Any, low: Any, high: Any, target: float | None) -> str | None:
    """Whether a target share is met, judged on the whole interval.

    "behaald" when the lower bound of the interval is at or above ``target``; "niet behaald"
    when the upper bound is below it; otherwise "niet aantoonbaar" (the interval holds the
    target). None when there is no share or no target.

    >>> target_verdict(0.5, 0.25, 0.75, 0.5), target_verdict(0.9, 0.8, 0.97, 0.75)
    ('niet aantoonbaar', 'behaald')
    >>> target_verdict(0.1, 0.02, 0.3, 0.5)
    'niet behaald'
    """
    if target is None or any(v is None for v in (share, low, high)):
        return None
    if low >= target:
        return "behaald"
    if high < target:
        return "niet behaald"
    return "niet aantoonbaar"


def _group_count(group: str, n: float, labels: Mapping[str, str], opts: dict) -> str:
    if group in GROUP_NOUNS_NL:
        return narrative.count_noun(n, *GROUP_NOUNS_NL[group], **opts)
    return f"{narrative.count_noun(n, 'deelnemer', 'deelnemers', **opts)}, " \
           f"{labels.get(group, group.replace('_', ' '))}"


def _ordered(values: pd.Series, contract_order: Mapping[str, str]) -> list[str]:
    present = list(dict.fromkeys(values.dropna().astype(str)))
    return [v for v in contract_order if v in present] + sorted(v for v in present
                                                                if v not in contract_order)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
