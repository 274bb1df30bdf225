"""Sections of the findings document that iterate over what a cohort holds.

:class:`analysis.report.findings.Findings` calls these pure functions; each takes key numbers,
processed tables and cohort settings and returns Dutch Markdown. Nothing here names a session
type, group, instrument or item of one cohort: they come from the data, with their Dutch names
from the data contract (``analysis/definitions/contract.yaml``). A section whose data are
absent returns one Dutch sentence saying so (:func:`analysis.report.narrative.absent_sentence`).

Every number links to the cell that recorded it: the sections take ``source``, a callable
``(key, value) -> href or None`` (:meth:`analysis.report.findings.Findings.source`), and link a
number computed from a table to the key number that holds the same count (e.g. the sessions of
a type to ``<session_type>_sessions_n``) only when the two agree.

Tables that the document shows are made by the ``*_table`` functions here (from the run's
validated data) and rendered by the section functions. In the published document the section
functions receive the published versions of the same tables, decided by
:mod:`analysis.publish.render`; they render what they are given ("<5" and "x" included) and
know no threshold.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping

import pandas as pd

from analysis.report import narrative

Source = Callable[[str, Any], "str | None"]
"""``(key, value) -> href``: where a key number holding ``value`` was recorded, or None."""

SMALL_N_THRESHOLD: int = 30
"""Below this many families with both measurements the findings show a "small n" call-out.

At n = 30 the 95% interval of a share around 50% is about ±18 percentage points
(Wald: 1.96 * sqrt(0.5 * 0.5 / 30) = 0.179); with fewer families every share in the document is
a rough estimate. A convention of this compendium, not a norm from the literature."""


def _no_source(key: str, value: Any) -> None:
    return None

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


FIGURE_NAMES_NL: dict[str, str] = {
    "trajectories_flow": "de stroom van deelnemers",
    "trajectories_sessions": "de sessies per traject",
    "trajectories_characteristics": "de kenmerken van de trajecten",
    "questionnaires_sdq_bands": "de SDQ-banden bij begin en einde",
    "questionnaires_sdq_lines": "de SDQ-score per gezin bij begin en einde",
    "follow_up_two_group": "een vergelijkingsgroep in een vervolgonderzoek",
    "qualitative_theme_matrix": "de thema's per soort sessie",
    "qualitative_codes": "de codeboom",
    "qualitative_cooccurrence": "het samen voorkomen van thema's",
    "qualitative_agreement": "de overeenstemming per code",
    "qualitative_survey_likert": "de antwoorden op de oudervragenlijst",
    "questionnaires_sdq_jacobson_truax": "de verandering per gezin op de SDQ",
    "questionnaires_ari_cp_profile": "het profiel van de ervaren hechting",
    "follow_up_power": "de power voor een vervolgonderzoek",
    "follow_up_precision": "de precisie voor een vervolgonderzoek",
}
"""What a figure shows, in Dutch words for a sentence about it (a reader never sees a figure's
internal name); a figure not listed is "deze figuur"."""


def figure_name_nl(name: str) -> str:
    """Dutch words for figure ``name`` (:data:`FIGURE_NAMES_NL`).

    >>> figure_name_nl("trajectories_flow"), figure_name_nl("x_y")
    ('de figuur over de stroom van deelnemers', 'deze figuur')
    """
    return f"de figuur over {FIGURE_NAMES_NL[name]}" if name in FIGURE_NAMES_NL else "deze figuur"


def absent_part_keys(numbers: Mapping[str, Any]) -> list[str]:
    """Key numbers of what this cohort does not have, to be left out of the key-number pages.

    A questionnaire not administered (``<id>_n`` recorded as 0, ``<id>_t0_only_n`` 0 or absent;
    a count recorded as None is "the data did not allow it", not absence): its
    ``<id>_*`` keys, and for the attachment measure the chain steps that need it
    (:data:`analysis.questionnaires.outcomes.ATTACHMENT_STEPS`, any suffix) and the stress
    association (``stress_*``); no target set (``substitution_target`` None): the target and
    its verdict; a session type and group the cohort never held
    (``<type>_<group>_participations_n`` None): that key and ``<type>_<group>_n``. Only keys
    whose value is absent (None) or a count of 0 for the absent part.

    >>> sorted(absent_part_keys({"ari_cp_n": 0, "ari_cp_t0_only_n": 0, "sdq_n": 9,
    ...                          "t0_elevated_high_disorganized_n": None, "t0_elevated_n": 4,
    ...                          "substitution_target": None, "substitution_share": 0.5}))
    ['ari_cp_n', 'ari_cp_t0_only_n', 'substitution_target', 't0_elevated_high_disorganized_n']
    >>> absent_part_keys({"interview_children_n": None, "interview_children_participations_n": None,
    ...                   "interview_parents_n": None, "interview_parents_participations_n": 3})
    ['interview_children_participations_n', 'interview_children_n']
    """
    from analysis.questionnaires import instruments
    from analysis.questionnaires.outcomes import ATTACHMENT, ATTACHMENT_STEPS

    def zero(key: str) -> bool:
        value = numbers.get(key)
        return isinstance(value, int) and not isinstance(value, bool) and value == 0

    absent = [i for i in instruments.available()
              if zero(f"{i}_n") and (zero(f"{i}_t0_only_n") or f"{i}_t0_only_n" not in numbers)]
    out = [k for k in numbers if any(k.startswith(f"{i}_") for i in absent)]
    if ATTACHMENT in absent:
        out += [k for k in numbers if numbers[k] is None and (
            k.startswith("stress_") or any(k.startswith(step) for step in ATTACHMENT_STEPS))]
    if numbers.get("substitution_target") is None:
        out += [k for k in ("substitution_target", "substitution_target_verdict_nl",
                            "substitution_target_met") if k in numbers]
    suffix = "_participations_n"
    for key in [k for k in numbers if k.endswith(suffix) and numbers[k] is None]:
        out += [key, f"{key[:-len(suffix)]}_n"]  # a session type and group the cohort never held
    return [k for k in dict.fromkeys(out) if k in numbers]


ABSENT_PARTS_NL: str = ("Kerngetallen van wat dit cohort niet heeft (een vragenlijst die niet is "
                        "afgenomen, een doel dat niet is gesteld, een soort sessie met een groep "
                        "die niet is gehouden) staan hier niet.")
"""The one line a key-number page shows when it leaves out :func:`absent_part_keys`."""


def contract_labels(file: str, column: str) -> dict[str, str]:
    """Dutch label per category value of ``column`` in contract file ``file``."""
    from analysis.data.cohort import load_contract

    for spec in load_contract()["files"].get(file, {}).get("columns", []):
        if spec["name"] == column:
            return {str(k): str(v.get("nl", k)) for k, v in (spec.get("values") or {}).items()}
    return {}


def participation_table(sessions: pd.DataFrame | None,
                        counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sessions, participations and people per session type and group.

    Parameters
    ----------
    sessions : DataFrame or None
        The validated ``coding/sessions.csv`` (``session_type``, ``group``,
        ``n_participants``); None or empty when the cohort has no qualitative sessions.
    counts : DataFrame, optional
        :func:`analysis.qualitative.themes.participant_counts` of the run
        (``qualitative/participation.csv``), which knows the speakers' pseudonyms and so
        counts each person once. Without it people are known only for a type and group of one
        session.

    Returns
    -------
    DataFrame
        One row per session type and group, types and groups in the order of the contract,
        then any others by name: ``session_type``, ``group``, ``sessions`` (sessions of that
        type; not people), ``people`` (distinct people of that group over those sessions;
        missing when the data cannot tell them apart), ``participations`` (sum of
        ``n_participants``: one person in two sessions counts twice). The key numbers holding
        the same counts are ``<session_type>_sessions_n``, ``<session_type>_<group>_n`` and
        ``<session_type>_<group>_participations_n``. Empty (same columns) without sessions.
    """
    from analysis.qualitative.themes import participant_counts

    columns = ["session_type", "group", "sessions", "people", "participations"]
    if sessions is None or sessions.empty:
        return pd.DataFrame(columns=columns)
    types = contract_labels("coding/sessions.csv", "session_type")
    groups = contract_labels("coding/sessions.csv", "group")
    own = participant_counts(sessions)
    if counts is not None and not counts.empty:
        known = counts.astype({"session_type": str, "group": str}).set_index(
            ["session_type", "group"])["people"]
        own["people"] = [_count(known.get((t, g), p)) for t, g, p in
                         zip(own["session_type"], own["group"], own["people"])]
    held = own.groupby("session_type")["sessions"].sum()
    rows = []
    for session_type in _ordered(own["session_type"], types):
        of_type = own[own["session_type"] == session_type].set_index("group")
        for group in _ordered(pd.Series(of_type.index), groups):
            row = of_type.loc[group]
            people = row["people"] if row["people"] is not None and pd.notna(row["people"]) \
                else None
            rows.append((session_type, group, int(held[session_type]),
                         None if people is None else int(people), int(row["participations"])))
    return pd.DataFrame(rows, columns=columns).astype({"people": object})


def participation(table: pd.DataFrame | None, *, source: Source = _no_source) -> str:
    """Which qualitative sessions took place and with whom, in one sentence.

    Parameters
    ----------
    table : DataFrame or None
        :func:`participation_table` of the run, or its published version (counts of people
        may be marks such as "<5", rendered as given).

    Returns
    -------
    str
        E.g. "Het kwalitatieve materiaal komt uit 2 focusgroepen (5 sociaal werkers en 3
        vaktherapeuten) en 1 casestudy (3 deelnemers, gemengd)." A count of people counts each
        person once; where the data cannot tell people apart the sentence counts
        "deelnames" (2 focusgroepen met 11 deelnames van sociaal werkers), never people.
    """
    if table is None or table.empty:
        return narrative.absent_sentence("kwalitatief materiaal (focusgroepen, interviews of "
                                         "andere sessies)")
    types = contract_labels("coding/sessions.csv", "session_type")
    groups = contract_labels("coding/sessions.csv", "group")
    parts = []
    for session_type in dict.fromkeys(table["session_type"].astype(str)):
        rows = table[table["session_type"].astype(str) == session_type]
        name = types.get(session_type, session_type.replace("_", " "))
        noun = SESSION_NOUNS_NL.get(name, (f"sessie {name}", f"sessies {name}"))
        who = []
        for row in rows.itertuples(index=False):
            people = _count(row.people)
            if people is not None:
                href = source(f"{session_type}_{row.group}_n", people)
                who.append(narrative.link_count(_group_count(str(row.group), people, groups),
                                                href))
                continue
            times = _count(getattr(row, "participations", None))
            href = source(f"{session_type}_{row.group}_participations_n", times)
            who.append(narrative.link_count(narrative.count_noun(times, "deelname", "deelnames"),
                                            href) + f" van {_group_plural(str(row.group), groups)}")
        held = _count(rows["sessions"].iloc[0])
        held_text = narrative.link_count(narrative.count_noun(held, *noun),
                                         source(f"{session_type}_sessions_n", held))
        parts.append(f"{held_text} ({narrative.join_nl(who)})")
    text = f"Het kwalitatieve materiaal komt uit {narrative.join_nl(parts)}."
    if "participations" in table and table["people"].map(_count).isna().any():
        text += (" Waar de gegevens geen deelnemers onderscheiden (geen schuilnaam per "
                 "deelnemer), telt de tekst deelnames: wie aan twee sessies meedeed, telt twee "
                 "keer.")
    return text


def _group_plural(group: str, labels: Mapping[str, str]) -> str:
    if group in GROUP_NOUNS_NL:
        return GROUP_NOUNS_NL[group][1]
    return f"deelnemers ({labels.get(group, group.replace('_', ' '))})"


def staff_table(trajectories: pd.DataFrame | None) -> pd.DataFrame:
    """Professionals who worked in the trajectories, from the validated trajectories.

    Returns
    -------
    DataFrame
        ``role`` (``therapists``, ``therapists_total`` or ``social_workers``), ``kind`` (the
        therapy type of the contract; empty for the totals), ``key`` (the key number holding
        the same count: ``therapists_<type>``, ``therapists_total`` or ``social_workers``) and
        ``n`` (distinct people). ``therapists_total`` counts each therapist once by
        ``therapist_id``, across therapy types: one therapist who gave drama and music therapy
        is one therapist, and counts once under each type. Therapy types in the order of the
        contract; no rows without trajectories or therapists.
    """
    from analysis.trajectories.flow import THERAPY_KEYS

    columns = ["role", "kind", "key", "n"]
    if trajectories is None or trajectories.empty:
        return pd.DataFrame(columns=columns)
    therapy = trajectories.dropna(subset=["therapy", "therapist_id"])
    labels = contract_labels("trajectories.csv", "therapy")
    rows = []
    for kind in _ordered(therapy["therapy"].astype(str), labels):
        n = therapy.loc[therapy["therapy"].astype(str) == kind, "therapist_id"].nunique()
        rows.append(("therapists", kind, f"therapists_{THERAPY_KEYS.get(kind, kind)}", int(n)))
    if not rows:
        return pd.DataFrame(columns=columns)
    rows.append(("therapists_total", "", "therapists_total",
                 int(therapy["therapist_id"].astype(str).nunique())))
    rows.append(("social_workers", "", "social_workers",
                 int(trajectories["social_worker_id"].dropna().nunique())))
    return pd.DataFrame(rows, columns=columns)


def staff(table: pd.DataFrame | None, *, source: Source = _no_source) -> str:
    """Who worked in the trajectories: therapists per therapy type and social workers.

    ``table`` is :func:`staff_table` of the run or its published version (marks as given);
    "" when it has no therapists.
    """
    if table is None or table.empty:
        return ""
    labels = contract_labels("trajectories.csv", "therapy")
    who, workers_text, total_text = [], "", ""
    for row in table.itertuples(index=False):
        n = _count(row.n)
        if row.role == "therapists_total":
            total_text = narrative.link_count(
                narrative.count_noun(n, "vaktherapeut", "vaktherapeuten"), source(row.key, n))
            continue
        if row.role == "social_workers":
            workers_text = narrative.link_count(
                narrative.count_noun(n, "sociaal werker", "sociaal werkers"), source(row.key, n))
            continue
        kind = str(row.kind)
        noun = THERAPIST_NOUNS_NL.get(kind, (f"vaktherapeut ({labels.get(kind, kind)})",
                                             f"vaktherapeuten ({labels.get(kind, kind)})"))
        who.append(narrative.link_count(narrative.count_noun(n, *noun), source(row.key, n)))
    if not who:
        return ""
    per_type = table[table["role"] == "therapists"]["n"].map(_count)
    total = table.loc[table["role"] == "therapists_total", "n"].map(_count)
    overlap = (len(total) and not any(narrative.withheld(v) for v in [*per_type, *total])
               and sum(per_type) > int(total.iloc[0]))
    if total_text and (len(who) > 1 or overlap):
        note = "; wie in meer dan één vaktherapie werkte, telt bij elk" if overlap else ""
        return (f"In de trajecten werkten {total_text} ({narrative.join_nl(who)}{note}) samen "
                f"met {workers_text} jeugd en gezin.")
    return (f"In de trajecten werkten {narrative.join_nl(who)} samen met {workers_text} "
            "jeugd en gezin.")


def chain(table: pd.DataFrame | None, *, source: Source = _no_source) -> str:
    """The chain of shares (``questionnaires/chain.csv``, or its published version) as a
    Markdown list, step by step.

    A step whose denominator is empty reads "niet te berekenen (0 gezinnen)"; a step whose
    count is a mark of disclosure control shows no share.
    """
    if table is None or table.empty:
        return ""
    lines = []
    for row in table.sort_values("step").itertuples():
        k = _count(row.k)
        href = source(f"{row.key}_n", k) if "key" in table else None
        text = narrative.step_text(k, _count(row.n), low=_value(row.ci_low),
                                   high=_value(row.ci_high), href=href)
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
    if target is None or any(v is None or narrative.withheld(v) for v in (share, low, high)):
        return None
    if low >= target:
        return "behaald"
    if high < target:
        return "niet behaald"
    return "niet aantoonbaar"


def _group_count(group: str, n: Any, labels: Mapping[str, str]) -> str:
    if group in GROUP_NOUNS_NL:
        return narrative.count_noun(n, *GROUP_NOUNS_NL[group])
    return f"{narrative.count_noun(n, 'deelnemer', 'deelnemers')}, " \
           f"{labels.get(group, group.replace('_', ' '))}"


def _ordered(values: pd.Series, contract_order: Mapping[str, str]) -> list[str]:
    present = list(dict.fromkeys(values.dropna().astype(str)))
    return [v for v in contract_order if v in present] + sorted(v for v in present
                                                                if v not in contract_order)


def _value(value: Any) -> Any:
    """A table cell as a number, a mark of disclosure control as is, absent as None."""
    if narrative.withheld(value):
        return value
    return None if value is None or pd.isna(value) else float(value)


def _count(value: Any) -> Any:
    """A count cell: a whole number (int), a mark as is, absent as None."""
    value = _value(value)
    return int(round(value)) if isinstance(value, float) and value.is_integer() else value


def hypotheses(stated: list[str] | tuple[str, ...], numbers: Mapping[str, Any], *,
               say: Callable[[str], str]) -> str:
    """The pilot's own hypotheses (``cohort.yaml``: ``hypotheses``) and the stress analysis.

    Hypotheses are the cohort's words, listed as given; without any the document states none
    (no package holds a hypothesis of one pilot). The association between change in parental
    stress and change in experienced disorganized attachment is reported when the run computed
    it (``stress_rho``); when the cohort has the attachment measure but no stress measure, one
    sentence says the association could not be computed.

    Returns
    -------
    str
        Markdown; "" when there is neither a hypothesis nor anything about stress to say.
    """
    parts = []
    if stated:
        items = "\n".join(f"- {html.escape(h)}" for h in stated)
        head = ("**Hypothese van de pilot** (uit de instellingen van het cohort):" if
                len(stated) == 1 else
                "**Hypothesen van de pilot** (uit de instellingen van het cohort):")
        parts.append(f"{head}\n\n{items}")
    if numbers.get("stress_rho") is not None:
        parts.append(say(
            "**Ouderlijke stress en hechting.** Bij {stress_n:count} gezinnen hing de verandering "
            "in ouderlijke stress samen met de verandering in ervaren gedesorganiseerde hechting: "
            "Spearman rho = {stress_rho:.2} (95%-interval {stress_rho_ci_low:.2} tot "
            "{stress_rho_ci_high:.2})."))
    elif _positive(numbers.get("ari_cp_n")) and stated:
        parts.append("Dit cohort heeft geen meting van ouderlijke stress (zoals de OBVL) bij "
                     "begin en einde; de samenhang tussen de verandering in stress en die in "
                     "ervaren hechting is daarom niet berekend.")
    return "\n\n".join(parts)


def _positive(value: Any) -> bool:
    return narrative.withheld(value) or (isinstance(value, (int, float))
                                         and not isinstance(value, bool) and value > 0)


# --------------------------------------------------------------------------- top of the document

KEY_FINDINGS_SHARES: tuple[tuple[str, str, str, tuple[str, str]], ...] = (
    ("Verhoogde SDQ-totaalscore bij de beginmeting", "t0_elevated_n",
     "t0_elevated_denominator_n", ("gezin", "gezinnen")),
    ("Betrouwbaar verbeterd, van de gezinnen die verhoogd begonnen",
     "t1_reliable_improvement_all_elevated_n", "t1_reliable_improvement_all_elevated_denominator_n",
     ("gezin", "gezinnen")),
    ("Geïndiceerde zorg vervangen of verminderd", "substituted_n", "indicated_n",
     ("traject", "trajecten")),
)
"""Headline shares: label, numerator key, denominator key, unit. The interval is the chain
table's (``questionnaires/chain.csv``, unrounded, as in the chain section) when the step is
there, else the key numbers ``<stem>_ci_low_pct``/``_ci_high_pct`` (percent) or
``substitution_ci_low``/``_high`` (0-1)."""

KEY_FINDINGS_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Verandering van de SDQ-totaalscore",
     "{sdq_total_hl:.1} punten (pseudomediaan, Hodges-Lehmann; 95%-interval "
     "{sdq_total_hl_ci_low:.1} tot {sdq_total_hl_ci_high:.1}); Wilcoxon-toets p = "
     "{sdq_total_wilcoxon_p:.3} (zonder de gezinnen zonder verandering "
     "{sdq_total_wilcoxon_p_zero_dropped:.3}), na Holm-correctie voor "
     "{sdq_scales_tested_n:count} schalen {sdq_total_wilcoxon_p_holm:.3}; oordeel: "
     "{sdq_total_verdict_nl}"),
    ("Overeenstemming tussen codeurs",
     "Krippendorffs alfa {agreement_alpha:.2} (95%-interval {agreement_alpha_ci_low:.2} tot "
     "{agreement_alpha_ci_high:.2}): {agreement_verdict_nl}"),
    ("Nodig voor een vervolgonderzoek",
     "{follow_up_n_enrol_paired_t_80_observed:count:gezin/gezinnen} aan te melden voor 80% "
     "power als het effect van deze pilot klopt (gepaarde t-toets); bij een voorzichtiger "
     "effect {follow_up_needed_paired_t_80_safeguard_nl}; bij de grens van het 95%-interval "
     "{follow_up_needed_paired_t_80_ci_bound_nl}"),
)
"""Headline numbers as templates (:func:`analysis.report.narrative.render`), in order after
the shares; a line is left out when one of its key numbers is absent."""


def key_findings(numbers: Mapping[str, Any], *, say: Callable[[str], str],
                 chain_table: pd.DataFrame | None = None, source: Source = _no_source) -> str:
    """The "Kernbevindingen" box: the headline numbers with their intervals, as HTML.

    Lines come from :data:`KEY_FINDINGS_SHARES` and :data:`KEY_FINDINGS_TEMPLATES`; a line whose
    key numbers are absent is left out, and without any line the box is empty (""). ``say``
    renders a template with links (the findings' own renderer); ``chain_table`` is
    ``questionnaires/chain.csv`` or its published version (for unrounded intervals). Values are
    rendered as given: a mark of disclosure control ("<5", "x") is shown, never computed with.
    """
    steps = {} if chain_table is None or "key" not in chain_table else {
        str(r.key): (_value(r.ci_low), _value(r.ci_high)) for r in chain_table.itertuples()}
    lines = []
    for label, k_key, n_key, unit in KEY_FINDINGS_SHARES:
        k, n = numbers.get(k_key), numbers.get(n_key)
        if k is None or n is None:
            continue
        low, high = steps.get(k_key.removesuffix("_n")) or _interval(numbers, k_key)
        text = narrative.step_text(k, n, low=low, high=high, unit=unit, href=source(k_key, k))
        lines.append((label, text))
    for label, template in KEY_FINDINGS_TEMPLATES:
        if narrative.available(numbers, *narrative.keys_of(template)):
            lines.append((label, say(template)))
    if not lines:
        return ""
    items = "".join(f"<li><strong>{html.escape(label)}:</strong> {text}</li>"
                    for label, text in lines)
    return ('<aside class="kernbevindingen" id="kernbevindingen" style="border:2px solid '
            '#0b4f8a;border-radius:6px;padding:0.4em 1.2em;margin:1em 0;background:#f4f8fc">'
            '<h2 id="Kernbevindingen" style="margin:0.3em 0">Kernbevindingen</h2>'
            f'<ul style="margin:0.3em 0;padding-left:1.2em">{items}</ul>'
            '<p style="font-size:90%;margin:0.3em 0">Elk getal is een link naar de cel die het '
            "berekende; de toelichting staat verderop.</p></aside>")


def _interval(numbers: Mapping[str, Any], k_key: str) -> tuple[float | None, float | None]:
    """The 95% interval (fractions 0-1) that goes with numerator key ``k_key``."""
    stem = k_key.removesuffix("_n")
    low, high = numbers.get(f"{stem}_ci_low_pct"), numbers.get(f"{stem}_ci_high_pct")
    if low is not None and high is not None:
        if narrative.withheld(low) or narrative.withheld(high):
            return low, high  # shown as withheld: no interval
        return low / 100, high / 100
    low, high = numbers.get(f"{stem}_ci_low"), numbers.get(f"{stem}_ci_high")
    if low is None and stem == "substituted":
        low, high = numbers.get("substitution_ci_low"), numbers.get("substitution_ci_high")
    return low, high


def caveats(numbers: Mapping[str, Any], *, synthetic: bool, say: Callable[[str], str],
            placeholder_instruments: Mapping[str, str],
            small_n: int = SMALL_N_THRESHOLD) -> str:
    """Visible call-outs (HTML) for what a reader must know before the numbers.

    * synthetic data, when the cohort is synthetic;
    * a placeholder scoring key, for every instrument in ``placeholder_instruments`` (id ->
      Dutch name) that this cohort used (key number ``<id>_n`` above zero);
    * small n, when fewer than ``small_n`` families have both measurements
      (:data:`SMALL_N_THRESHOLD`; ``analysis_set_n``).

    Returns "" when none applies.
    """
    notes = []
    if synthetic:
        notes.append(("Synthetische data.", "Alle gezinnen, scores en citaten zijn gegenereerd. "
                      "De getallen laten zien hoe de analyse werkt, niet wat een echte pilot "
                      "opleverde."))
    for instrument, name in placeholder_instruments.items():
        used = numbers.get(f"{instrument}_n")
        if narrative.withheld(used) or (isinstance(used, (int, float)) and used > 0):
            notes.append((f"Voorlopige scoringssleutel {name}.",
                          f"De officiële sleutel en normen van de {html.escape(name)} staan in de "
                          "gelicentieerde handleiding; deze analyse gebruikt een voorlopige "
                          "sleutel en grens. Scores en indelingen van deze vragenlijst zijn "
                          "daarom alleen een illustratie."))
    n = numbers.get("analysis_set_n")
    small = narrative.withheld(n) or (isinstance(n, (int, float)) and not isinstance(n, bool)
                                      and n < small_n)
    if small:  # a withheld count of families is small too
        notes.append(("Kleine aantallen.", say(
            f"De effecten rusten op {{analysis_set_n:count:gezin/gezinnen}} met begin- en "
            f"eindmeting. Onder de {small_n} gezinnen is het 95%-interval van een aandeel al snel "
            "breder dan ±18 procentpunt: lees de aandelen als ruwe schattingen, niet als bewijs.")))
    return "".join(
        '<aside class="kanttekening" role="note" style="border-left:5px solid #c77700;'
        'background:#fff6e5;padding:0.4em 1em;margin:0.6em 0">'
        f"<strong>{html.escape(title)}</strong> {text}</aside>" for title, text in notes)
