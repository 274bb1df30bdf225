"""The disclosure rules of commit 9eabb72 (before issue 21), frozen to show that the attacker
of :mod:`analysis.publish.attack` can fail: on the same key numbers it recovers counts from what
these rules published (``tests/test_reconstruction.py``). Test-only: never used to publish.

The functions are those of ``analysis/publish/disclosure.py`` at that commit (primary
suppression, secondary suppression over five declared sums printing "<k" for every hidden
people count, ratios by name), the rules those of ``analysis/definitions/disclosure.yaml``.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Mapping

RULES: dict[str, Any] = {
    "person_units": ["families", "children", "parents", "professionals", "participants"],
    "counts": [
        {"pattern": "*_sessions_n", "counts": "sessions"},
        {"pattern": "*_sessions_max", "counts": "sessions"},
        {"pattern": "*_sessions_min", "counts": "sessions"},
        {"pattern": "observation_sessions_*", "counts": "sessions"},
        {"pattern": "case_study_n", "counts": "sessions"},
        {"pattern": "collaboration_hours*", "counts": "hours"},
        {"pattern": "validation_warnings_n", "counts": "warnings"},
        {"pattern": "segments_n", "counts": "segments"},
        {"pattern": "quotes_n", "counts": "quotes"},
        {"pattern": "quotes_withheld_n", "counts": "quotes"},
        {"pattern": "agreement_double_coded_n", "counts": "segments"},
        {"pattern": "slots", "counts": "places"},
        {"pattern": "follow_up_n_*", "counts": "planned_sample"},
        {"pattern": "*_eur", "counts": "euros"},
        {"pattern": "*_p", "counts": "none"},
        {"pattern": "trajectories_*", "counts": "families"},
        {"pattern": "questionnaire_*", "counts": "families"},
        {"pattern": "analysis_set_n*", "counts": "families"},
        {"pattern": "t0_*_n", "counts": "children"},
        {"pattern": "t0_*_n_*", "counts": "children"},
        {"pattern": "t1_*_n", "counts": "children"},
        {"pattern": "t1_*_n_*", "counts": "children"},
        {"pattern": "sdq_*_n", "counts": "children"},
        {"pattern": "sdq_n", "counts": "children"},
        {"pattern": "ari_cp_*n", "counts": "children"},
        {"pattern": "stress_n", "counts": "families"},
        {"pattern": "indicated_n", "counts": "families"},
        {"pattern": "substituted_n", "counts": "families"},
        {"pattern": "placement_threats_*", "counts": "families"},
        {"pattern": "parents_*", "counts": "parents"},
        {"pattern": "parent_survey_n", "counts": "parents"},
        {"pattern": "survey_open_parents_n", "counts": "parents"},
        {"pattern": "interview_parents_n", "counts": "parents"},
        {"pattern": "*_social_workers_n", "counts": "professionals"},
        {"pattern": "*_therapists_n", "counts": "professionals"},
        {"pattern": "*_mixed_n", "counts": "participants"},
        {"pattern": "*_children_n", "counts": "children"},
        {"pattern": "social_workers", "counts": "professionals"},
        {"pattern": "therapists_*", "counts": "professionals"},
        {"pattern": "follow_up_completed_n", "counts": "families"},
        {"pattern": "follow_up_started_n", "counts": "families"},
        {"pattern": "follow_up_sdq_total_n", "counts": "children"},
        {"pattern": "follow_up_reliable_improvement_k", "counts": "children"},
        {"pattern": "follow_up_reliable_improvement_n", "counts": "children"},
    ],
    "relations": [
        {"total": "trajectories_started",
         "parts": ["trajectories_completed", "trajectories_dropped_out", "trajectories_ongoing"]},
        {"total": "trajectories_n",
         "parts": ["trajectories_completed", "trajectories_dropped_out", "trajectories_ongoing"]},
        {"total": "trajectories_completed",
         "parts": ["questionnaire_both", "questionnaire_baseline_only", "questionnaire_end_only",
           "questionnaire_none"]},
        {"total": "analysis_set_n", "parts": ["t0_elevated_n", "t0_not_elevated_n"]},
        {"total": "therapists_total", "parts": ["therapists_play", "therapists_pmt"]},
    ],
    "ratios": [
        {"numerator": "substituted_n",
         "denominator": "indicated_n",
         "derived": ["substitution_share", "substitution_ci_low", "substitution_ci_high"]},
        {"numerator": "follow_up_reliable_improvement_k",
         "denominator": "follow_up_reliable_improvement_n",
         "derived": ["follow_up_reliable_improvement_share",
           "follow_up_reliable_improvement_ci_low", "follow_up_reliable_improvement_ci_high"]},
        {"numerator": "t0_elevated_n",
         "denominator": "analysis_set_n",
         "derived": ["t0_elevated_pct", "t0_elevated_ci_low_pct", "t0_elevated_ci_high_pct",
           "t0_not_elevated_pct", "t0_not_elevated_ci_low_pct", "t0_not_elevated_ci_high_pct"]},
        {"numerator": "t0_not_elevated_n",
         "denominator": "analysis_set_n",
         "derived": ["t0_elevated_pct", "t0_elevated_ci_low_pct", "t0_elevated_ci_high_pct",
           "t0_not_elevated_pct", "t0_not_elevated_ci_low_pct", "t0_not_elevated_ci_high_pct"]},
        {"numerator": "t0_elevated_high_disorganized_n",
         "denominator": "t0_elevated_n",
         "derived": ["t0_elevated_high_disorganized_pct",
           "t0_elevated_high_disorganized_ci_low_pct",
           "t0_elevated_high_disorganized_ci_high_pct"]},
        {"numerator": "t0_not_elevated_low_disorganized_n",
         "denominator": "t0_not_elevated_n",
         "derived": ["t0_not_elevated_low_disorganized_pct",
           "t0_not_elevated_low_disorganized_ci_low_pct",
           "t0_not_elevated_low_disorganized_ci_high_pct"]},
        {"numerator": "t1_reliable_improvement_n",
         "denominator": "t0_elevated_high_disorganized_n",
         "derived": ["t1_reliable_improvement_pct", "t1_reliable_improvement_ci_low_pct",
           "t1_reliable_improvement_ci_high_pct"]},
        {"numerator": "t1_disorganized_resolved_n",
         "denominator": "t0_elevated_high_disorganized_n",
         "derived": ["t1_disorganized_resolved_pct", "t1_disorganized_resolved_ci_low_pct",
           "t1_disorganized_resolved_ci_high_pct"]},
        {"numerator": "t1_reliable_improvement_all_elevated_n",
         "denominator": "t0_elevated_n",
         "derived": ["t1_reliable_improvement_all_elevated_pct",
           "t1_reliable_improvement_all_elevated_ci_low_pct",
           "t1_reliable_improvement_all_elevated_ci_high_pct"]},
        {"numerator": "parents_positive", "denominator": "parents_interviewed", "derived": []},
    ],
}


def unit_of(name: str) -> str | None:
    for rule in RULES["counts"]:
        if fnmatch.fnmatchcase(name, rule["pattern"]):
            return rule["counts"]
    if re.search(r"(?:^|_)(?:n|k|count)$", name):
        return "people (undeclared)"
    return None


def is_person_count(name: str) -> bool:
    unit = unit_of(name)
    return unit is not None and (unit in RULES["person_units"] or unit.startswith("people"))


def publish_numbers(numbers: Mapping[str, Any], *, threshold: int = 5) -> dict[str, Any]:
    """The key numbers as the old rules published them ("<k" and "x" as plain strings)."""
    hidden: dict[str, str] = {}
    for name, value in numbers.items():
        if _small(value, threshold) and is_person_count(name):
            hidden[name] = "primary"
    _secondary(numbers, hidden, threshold)
    _ratios(numbers, hidden)
    return {name: (f"<{threshold}" if is_person_count(name) else "x") if name in hidden
            else value for name, value in numbers.items()}


def _is_count_value(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _small(value: Any, threshold: int) -> bool:
    return _is_count_value(value) and 0 < value < threshold


def _number(value: Any) -> float:
    return float(value) if _is_count_value(value) else 0.0


def _secondary(numbers, hidden, threshold) -> None:
    relations = [r for r in RULES["relations"] if r["total"] in numbers]
    changed = True
    while changed:
        changed = False
        for relation in relations:
            total, parts = relation["total"], relation["parts"]
            if not all(p in numbers for p in parts):
                continue
            cells = [total, *parts]
            hidden_cells = [c for c in cells if c in hidden]
            if not hidden_cells:
                continue
            if total not in hidden:
                unknown = _number(numbers[total]) - sum(_number(numbers[p]) for p in parts
                                                        if p not in hidden)
                if len(hidden_cells) >= 2 and (unknown == 0 or unknown >= threshold):
                    continue
            elif len(hidden_cells) >= 2:
                continue
            shown = sorted((p for p in parts if p not in hidden), key=lambda p: _number(numbers[p]))
            victim = shown[0] if shown else (total if total not in hidden else None)
            if victim is None:
                continue
            hidden[victim] = "secondary"
            changed = True


def _ratios(numbers, hidden) -> None:
    for name in list(hidden):
        stem = re.sub(r"_(?:n|k)$", "", name)
        for suffix in ("_pct", "_share", "_ci_low_pct", "_ci_high_pct", "_ci_low", "_ci_high",
                       "_rate"):
            if stem + suffix in numbers and stem + suffix not in hidden:
                hidden[stem + suffix] = "ratio"
    for ratio in RULES["ratios"]:
        if ratio["numerator"] in hidden or ratio["denominator"] in hidden:
            for key in ratio["derived"]:
                if key in numbers and key not in hidden:
                    hidden[key] = "ratio"
