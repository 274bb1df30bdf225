"""Planning the follow-up: the key numbers and the answer in Dutch.

The planning is split by what it holds: :mod:`analysis.follow_up.inputs` (what the pilot
showed), :mod:`analysis.follow_up.precision` (precision of a share),
:mod:`analysis.follow_up.power` (power of the within-family change, effect scenarios) and
:mod:`analysis.follow_up.two_group` (a comparison-group design). The statistics underneath
live in :mod:`analysis.stats.power`. This module turns their tables into the
``follow_up_*`` key numbers (:func:`planning_key_numbers`) and a few Dutch sentences
(:func:`summary_nl`) for notebook ``04_follow_up``.
"""

from __future__ import annotations

import pandas as pd

from analysis.follow_up.inputs import SAFEGUARD_CONFIDENCE, PlanningInputs
from analysis.follow_up.power import nearest_zero
from analysis.follow_up.two_group import ANCOVA_REFERENCE_R, USUAL_CARE_REFERENCE_D
from analysis.text import format_nl


def _pct(value: float) -> str:
    return f"{int(round(100 * value)):02d}"


def _d_key(value: float) -> str:
    return f"d{int(round(100 * value)):02d}"


def _int_or_none(value):
    return None if value is None or pd.isna(value) else int(value)


def _float_or_none(value):
    return None if value is None or pd.isna(value) else float(value)


def planning_key_numbers(inputs: PlanningInputs, precision: pd.DataFrame, power: pd.DataFrame,
                         two_group: pd.DataFrame, *, scale: str = "total",
                         precision_method: str = "clopper-pearson") -> dict:
    """The notebook's key numbers, all named ``follow_up_*`` and JSON-able.

    Names (``TT`` a half-width and ``PP`` a power in percent, ``SC`` a scenario, ``DD`` an
    effect in hundredths; numbers of families are None when not reached):

    * ``follow_up_started_n, _completed_n, _completion_rate, _completion_rate_pilot,
      _completion_rate_excluding_ongoing, _completion_from_pilot``;
    * ``follow_up_sdq_total_n, _d_z, _d_z_ci_low, _d_z_ci_high, _d_z_ci_bound, _d_z_safeguard,
      _d_z_safeguard_share`` (the safeguard effect as a share of the observed one: what the
      scenario's wording says, computed rather than typed), ``_r_t0_t1, _d_av`` (of ``scale``)
      and ``follow_up_safeguard_confidence`` (the level of the safeguard interval);
    * ``follow_up_reliable_improvement_k, _n, _share, _ci_low, _ci_high,
      follow_up_pilot_half_width``;
    * ``follow_up_n_analysed_precision_TT, follow_up_n_enrol_precision_TT`` (pilot share,
      ``precision_method``) and ``follow_up_n_enrol_precision_TT_worst_case``;
    * ``follow_up_n_analysed_{paired_t,wilcoxon}_PP_SC`` and ``follow_up_n_enrol_...``
      (None unless ``follow_up_status_...`` is ``ok``), ``follow_up_power_wilcoxon_PP_SC``
      with ``_mc_low``/``_mc_high`` (simulated power at that n and its 95% Monte Carlo
      band), ``follow_up_status_...`` (:data:`analysis.follow_up.power.STATUSES`) and
      ``follow_up_needed_..._nl`` (the answer in Dutch words, "ongeveer" for simulations);
    * ``follow_up_n_enrol_per_arm_PP_dDD``, ``follow_up_n_enrol_per_arm_ancova_PP_dDD`` (at the
      pilot's ``r_t0_t1``) and ``follow_up_n_enrol_per_arm_ancova_reference_PP_dDD`` (at
      ``follow_up_ancova_reference_r``, :data:`analysis.follow_up.two_group.ANCOVA_REFERENCE_R`);
    * ``follow_up_usual_care_reference_d``.
    """
    completion, effect = inputs.completion.iloc[0], inputs.effect(scale)
    reliable = inputs.reliable.iloc[0]
    stem = f"follow_up_{effect['instrument']}_{scale}"
    numbers = {
        "follow_up_started_n": _int_or_none(completion["started_n"]),
        "follow_up_completed_n": _int_or_none(completion["completed_n"]),
        "follow_up_completion_rate": float(completion["completion_rate"]),
        "follow_up_completion_rate_pilot": _float_or_none(completion["pilot_rate"]),
        "follow_up_completion_rate_excluding_ongoing": _float_or_none(
            completion["rate_excluding_ongoing"]),
        "follow_up_completion_from_pilot": bool(completion["source"] == "pilot"),
        f"{stem}_n": int(effect["n"]), f"{stem}_d_z": _float_or_none(effect["d_z"]),
        f"{stem}_d_z_ci_low": _float_or_none(effect["ci_low"]),
        f"{stem}_d_z_ci_high": _float_or_none(effect["ci_high"]),
        f"{stem}_d_z_safeguard": _float_or_none(
            nearest_zero(effect["safeguard_low"], effect["safeguard_high"])),
        f"{stem}_d_z_ci_bound": _float_or_none(nearest_zero(effect["ci_low"], effect["ci_high"])),
        f"{stem}_d_z_safeguard_share": _safeguard_share(effect),
        "follow_up_safeguard_confidence": SAFEGUARD_CONFIDENCE,
        "follow_up_ancova_reference_r": ANCOVA_REFERENCE_R,
        f"{stem}_r_t0_t1": _float_or_none(effect["r_t0_t1"]),
        f"{stem}_d_av": _float_or_none(effect["d_av"]),
        "follow_up_reliable_improvement_k": int(reliable["k"]),
        "follow_up_reliable_improvement_n": int(reliable["n"]),
        "follow_up_reliable_improvement_share": float(reliable["share"]),
        "follow_up_reliable_improvement_ci_low": float(reliable["ci_low"]),
        "follow_up_reliable_improvement_ci_high": float(reliable["ci_high"]),
        "follow_up_pilot_half_width": float(reliable["half_width"]),
        "follow_up_usual_care_reference_d": USUAL_CARE_REFERENCE_D,
    }
    numbers.update(_precision_numbers(precision, precision_method))
    numbers.update(_power_numbers(power[power["scale"] == scale]))
    numbers.update(_two_group_numbers(two_group))
    return numbers


def _safeguard_share(effect: pd.Series) -> float | None:
    """The safeguard effect as a share of the observed d_z (0 when the 60% interval holds 0)."""
    safeguard = nearest_zero(effect["safeguard_low"], effect["safeguard_high"])
    observed = effect["d_z"]
    if pd.isna(safeguard) or pd.isna(observed) or observed == 0:
        return None
    return float(safeguard / observed)


def _precision_numbers(precision: pd.DataFrame, method: str) -> dict:
    out = {}
    for row in precision[precision["method"] == method].itertuples():
        key = _pct(row.target_half_width)
        if row.assumption == "pilot":
            out[f"follow_up_n_analysed_precision_{key}"] = int(row.n_analysed)
            out[f"follow_up_n_enrol_precision_{key}"] = int(row.n_enrolled)
        else:
            out[f"follow_up_n_enrol_precision_{key}_{row.assumption}"] = int(row.n_enrolled)
    return out


def _power_numbers(power: pd.DataFrame) -> dict:
    out = {}
    for row in power.itertuples():
        method = "wilcoxon" if row.method == "wilcoxon_simulation" else row.method
        key = f"{method}_{_pct(row.target_power)}_{row.scenario}"
        out[f"follow_up_n_analysed_{key}"] = _int_or_none(row.n_analysed)
        out[f"follow_up_n_enrol_{key}"] = _int_or_none(row.n_enrolled)
        out[f"follow_up_status_{key}"] = str(row.status)
        out[f"follow_up_needed_{key}_nl"] = _needed_nl(
            row.status, row.n_enrolled, approximate=method == "wilcoxon")
        if method == "wilcoxon" and row.status == "ok":
            out[f"follow_up_power_{key}"] = float(row.achieved_power)
            out[f"follow_up_power_{key}_mc_low"] = float(row.power_ci_low)
            out[f"follow_up_power_{key}_mc_high"] = float(row.power_ci_high)
    return out


def _two_group_numbers(two_group: pd.DataFrame) -> dict:
    out = {}
    for row in two_group.itertuples():
        key = f"{_pct(row.target_power)}_{_d_key(row.effect_size)}"
        out[f"follow_up_n_enrol_per_arm_{key}"] = int(row.n_enrolled_per_arm)
        out[f"follow_up_n_enrol_per_arm_ancova_{key}"] = _int_or_none(
            row.n_enrolled_per_arm_ancova)
        out[f"follow_up_n_enrol_per_arm_ancova_reference_{key}"] = _int_or_none(
            getattr(row, "n_enrolled_per_arm_ancova_reference", None))
    return out


def summary_nl(inputs: PlanningInputs, precision: pd.DataFrame, power: pd.DataFrame,
               two_group: pd.DataFrame, *, scale: str = "total",
               precision_method: str = "clopper-pearson") -> str:
    """The answer in a few Dutch sentences (Markdown), for the lowest power level planned.

    Picks the precision target nearest 10 percentage points (pilot share,
    ``precision_method``), every scenario of both tests on ``scale``, and the between-group
    effect nearest :data:`USUAL_CARE_REFERENCE_D`. All numbers are families to enrol.
    """
    rate = format_nl(100 * inputs.completion_rate, 0)
    lines = [f"Alle aantallen zijn **aan te melden gezinnen**, bij een afronding van {rate}% "
             f"(gezinnen met begin- en eindmeting)."]
    pilot = precision[(precision["assumption"] == "pilot")
                      & (precision["method"] == precision_method)]
    if not pilot.empty:
        row = pilot.loc[(pilot["target_half_width"] - 0.10).abs().idxmin()]
        lines.append(f"- Aandeel met betrouwbare verbetering binnen ±"
                     f"{format_nl(100 * row['target_half_width'], 0)} procentpunt: "
                     f"{int(row['n_enrolled'])} gezinnen (de pilot: ±"
                     f"{format_nl(100 * row['pilot_half_width'], 0)} procentpunt).")
    lowest = float(power["target_power"].min()) if not power.empty else None
    for row in power[(power["scale"] == scale) & (power["target_power"] == lowest)].itertuples():
        simulated = row.method == "wilcoxon_simulation"
        band = (f" (gesimuleerde power {format_nl(100 * row.achieved_power, 1)}%, "
                f"Monte-Carlo-band {format_nl(100 * row.power_ci_low, 1)} tot "
                f"{format_nl(100 * row.power_ci_high, 1)}%)"
                if simulated and row.status == "ok" else "")
        lines.append(f"- {row.method_nl} bij d_z = {format_nl(abs(row.d_z), 2)} "
                     f"({row.scenario_nl}), power {format_nl(100 * lowest, 0)}%: "
                     f"{_needed_nl(row.status, row.n_enrolled, approximate=simulated)}{band}.")
    groups = two_group[two_group["target_power"] == two_group["target_power"].min()]
    if not groups.empty:
        row = groups.loc[(groups["effect_size"] - USUAL_CARE_REFERENCE_D).abs().idxmin()]
        n_pilot = int(inputs.effect(scale)["n"])
        reference = (f"; bij r = {format_nl(row['r_reference'], 1)}: "
                     f"{int(row['n_enrolled_per_arm_ancova_reference'])}"
                     if "n_enrolled_per_arm_ancova_reference" in row.index else "")
        ancova = ("" if pd.isna(row["n_enrolled_per_arm_ancova"]) else
                  f"; met de beginmeting als covariaat {int(row['n_enrolled_per_arm_ancova'])} "
                  f"(bij de correlatie van begin- en eindscore in deze pilot, r = "
                  f"{format_nl(row['r_t0_t1'], 2)}, uit {n_pilot} gezinnen{reference})")
        lines.append(f"- Vergelijking met gebruikelijke zorg, verschil d = "
                     f"{format_nl(row['effect_size'], 1)}, power "
                     f"{format_nl(100 * row['target_power'], 0)}%: "
                     f"{int(row['n_enrolled_per_arm'])} gezinnen per groep{ancova}.")
    return "\n".join(lines)


def _needed_nl(status: str, n_enrolled, *, approximate: bool = False) -> str:
    about = "ongeveer " if approximate else ""
    return {"ok": f"{about}{_int_or_none(n_enrolled)} gezinnen",
            "no_effect": "niet te plannen, want het interval bevat 0",
            "negligible": "niet te plannen, want die grens is niet van 0 te onderscheiden",
            "beyond_max_n": "niet gehaald binnen de zoekgrens",
            "undefined": "niet te berekenen"}[status]
