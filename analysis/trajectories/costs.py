"""Substitution of indicated care, placement threats, and cost arithmetic under named tariffs.

A municipality may set a target share of indicated vaktherapie to replace or reduce; a cohort
states it in ``cohort.yaml`` (``substitution_target``) and without one no target is judged. The
Helmond pilot's was 50% (Sociale Teams Helmond, 2024, "Intro"), which its bundled cohort sets.
Here:

* :func:`substitution` and :func:`placement_threats` count from the trajectories (contract
  columns ``indicated``, ``substituted``, ``placement_threat``, ``placement_averted``);
* :func:`family_costs`, :func:`cost_summary` and :func:`tariff_sensitivity` price sessions,
  collaboration hours and avoided indicated trajectories with the cohort's own tariffs (a file
  named by ``cohort.yaml``: ``tariffs``, whose ``source:`` says whose they are) or else with
  ASSUMED placeholder tariffs (``analysis/definitions/tariffs.yaml``), never facts;
  :func:`tariff_source` says in Dutch which it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis.origin import computes
from analysis import paths
from analysis.errors import ConfigError
from analysis.stats.intervals import exact_interval

TARIFFS_FILE: Path = paths.DEFINITIONS / "tariffs.yaml"
"""Default tariffs: round placeholders, documented as assumptions in the file itself."""

COST_ITEMS: dict[str, str] = {
    "therapy_cost": "Kosten sessies vaktherapie",
    "collaboration_cost": "Kosten samenwerkingsuren",
    "pilot_cost": "Kosten pilot (sessies + samenwerking)",
    "avoided_cost": "Vermeden kosten geïndiceerde trajecten",
    "net_cost": "Nettokosten (pilot - vermeden)",
}
"""Cost columns of :func:`family_costs` with their Dutch labels, in display order."""


def load_tariffs(overrides: Mapping[str, float] | None = None, *,
                 path: str | Path | None = None) -> dict[str, float]:
    """Tariffs in EUR by name: the file's ASSUMED defaults, with ``overrides`` applied.

    Parameters
    ----------
    overrides : mapping, optional
        Tariff name -> value in EUR, replacing the default (e.g. the municipality's own
        contracted tariff). Names must exist in the file.
    path : path, optional
        Tariff file; default :data:`TARIFFS_FILE`.

    Returns
    -------
    dict
        ``therapy_session`` (EUR per session), ``collaboration_hour`` (EUR per hour) and
        ``indicated_trajectory_avoided`` (EUR per substituted indicated trajectory). Defaults
        are round placeholders (100, 100, 2500), not published Helmond tariffs.

    Raises
    ------
    ConfigError
        Unknown tariff name, or a value that is not a number >= 0.
    """
    tariffs = {name: spec["value"] for name, spec in _tariff_specs(path).items()}
    for name, value in (overrides or {}).items():
        if name not in tariffs:
            raise ConfigError(f"unknown tariff {name!r}; tariffs are {sorted(tariffs)} "
                              f"(defined in {paths.display(path or TARIFFS_FILE)})")
        tariffs[name] = value
    for name, value in tariffs.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
                or not np.isfinite(value) or value < 0:
            raise ConfigError(f"tariff {name!r}: expected a number of euros >= 0, got {value!r}")
    return {name: float(value) for name, value in tariffs.items()}


def tariff_table(overrides: Mapping[str, float] | None = None, *,
                 path: str | Path | None = None) -> pd.DataFrame:
    """The tariffs in use with their documentation, for a report table.

    Returns
    -------
    DataFrame
        Columns ``tariff, value_eur, unit, label_nl, assumption, overridden, rationale``
        (``unit`` and ``rationale`` in Dutch: the file's ``unit_nl`` and ``rationale_nl``, else
        its ``unit`` and ``rationale`` as written); ``assumption`` is True for a file default and False for a value given in ``overrides``
        (the caller vouches for it).
    """
    specs = _tariff_specs(path)
    values = load_tariffs(overrides, path=path)
    rows = [{"tariff": name, "value_eur": values[name],
             "unit": spec.get("unit_nl", spec.get("unit", "")),
             "label_nl": spec.get("label_nl", name),
             "assumption": name not in (overrides or {}) and bool(spec.get("assumption",
                                                                           path is None)),
             "overridden": name in (overrides or {}),
             "rationale": spec.get("rationale_nl", spec.get("rationale", ""))}
            for name, spec in specs.items()]
    return pd.DataFrame(rows)


TARGET_VERDICTS_NL: dict[str, str] = {"met": "behaald", "not_met": "niet behaald",
                                      "undetermined": "niet aantoonbaar"}
"""Dutch wording of :func:`target_verdict` (as the findings document words it)."""


def target_verdict(low: float, high: float, target: float) -> str | None:
    """Whether a target share is met, judged on the whole interval.

    ``"met"`` when the interval's lower bound is at or above ``target``, ``"not_met"`` when its
    upper bound is below it, ``"undetermined"`` when the interval holds it; None without an
    interval. This is the one rule the compendium uses (the findings document words it with
    :data:`TARGET_VERDICTS_NL`): a point estimate on the target with 8 of 16 trajectories is no
    evidence either way.

    >>> target_verdict(0.25, 0.75, 0.5), target_verdict(0.8, 0.97, 0.75), target_verdict(0.02, 0.3, 0.5)
    ('undetermined', 'met', 'not_met')
    """
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return None
    if low >= target:
        return "met"
    return "not_met" if high < target else "undetermined"


@computes("substitution_*", "indicated_n", "substituted_n")
def substitution(trajectories: pd.DataFrame, *, target: float | None = None,
                 confidence: float = 0.95) -> pd.DataFrame:
    """Share of indicated trajectories substituted, with an exact (Clopper-Pearson) interval.

    Formula: ``share = substituted_n / indicated_n`` where ``indicated_n`` counts trajectories
    with ``indicated`` true and a known ``substituted``, and ``substituted_n`` those of them
    with ``substituted`` true. Interval: Clopper & Pearson (1934), Biometrika 26:404-413,
    doi:10.1093/biomet/26.4.404.

    Returns
    -------
    DataFrame
        One row: ``indicated_n, substituted_n, share`` (fraction 0-1, NaN when
        ``indicated_n`` is 0), ``ci_low, ci_high`` (fractions), ``confidence``, ``target``,
        ``target_met`` (point estimate >= target, the municipality's own reading; NA when no
        share), ``target_verdict`` (:func:`target_verdict` of the interval: the verdict the
        compendium reports; NA when no share), ``unknown_n`` (indicated
        with ``substituted`` missing, left out), ``substituted_not_indicated_n`` (rows marked
        substituted but not indicated: inconsistent, left out), ``method``.

    Notes
    -----
    All trajectories count, whatever their status; filter ``trajectories`` first to restrict.
    ``target_met`` judges the point estimate, as the municipality does; with few families that
    says little, so the verdict reported (key numbers, findings, claims) is ``target_verdict``,
    judged on the whole interval.
    """
    _require(trajectories, ["indicated", "substituted"])
    if target is not None and not 0 <= target <= 1:
        raise ConfigError(f"substitution: target is a fraction 0-1, got {target!r}")
    indicated = _flag(trajectories["indicated"])
    substituted = _flag(trajectories["substituted"])
    known = indicated.fillna(False) & substituted.notna()
    k, n = int((known & substituted.fillna(False)).sum()), int(known.sum())
    low, high = exact_interval(k, n, confidence=confidence)
    share = k / n if n else np.nan
    return pd.DataFrame([{
        "indicated_n": n, "substituted_n": k, "share": share, "ci_low": low, "ci_high": high,
        "confidence": confidence, "target": np.nan if target is None else target,
        "target_met": bool(share >= target) if n and target is not None else pd.NA,
        "target_verdict": target_verdict(low, high, target) if n and target is not None
        else pd.NA,
        "unknown_n": int((indicated.fillna(False) & substituted.isna()).sum()),
        "substituted_not_indicated_n": int((substituted.fillna(False)
                                            & ~indicated.fillna(False)).sum()),
        "method": "clopper-pearson",
    }])


@computes("placement_threats_*")
def placement_threats(trajectories: pd.DataFrame) -> pd.DataFrame:
    """Threatened out-of-home placements at intake and how many were averted.

    Returns
    -------
    DataFrame
        One row: ``threats_n`` (``placement_threat`` true), ``averted_n`` (of these,
        ``placement_averted`` true), ``not_averted_n`` (false), ``unknown_n`` (missing), and
        ``averted_without_threat_n`` (``placement_averted`` true without a threat at intake:
        inconsistent input, not counted as averted).
    """
    _require(trajectories, ["placement_threat", "placement_averted"])
    threat = _flag(trajectories["placement_threat"]).fillna(False)
    averted = _flag(trajectories["placement_averted"])
    return pd.DataFrame([{
        "threats_n": int(threat.sum()),
        "averted_n": int((threat & averted.fillna(False)).sum()),
        "not_averted_n": int((threat & ~averted.fillna(True)).sum()),
        "unknown_n": int((threat & averted.isna()).sum()),
        "averted_without_threat_n": int((~threat & averted.fillna(False)).sum()),
    }])


def cost_key_numbers(trajectories: pd.DataFrame) -> dict[str, int]:
    """Key numbers of this strand, named as :mod:`analysis.report.claims` expects them.

    Returns
    -------
    dict
        ``indicated_n``, ``substituted_n`` (see :func:`substitution`),
        ``placement_threats_n`` and ``placement_threats_averted`` (see
        :func:`placement_threats`).
    """
    sub = substitution(trajectories).iloc[0]
    threats = placement_threats(trajectories).iloc[0]
    return {"indicated_n": int(sub["indicated_n"]), "substituted_n": int(sub["substituted_n"]),
            "placement_threats_n": int(threats["threats_n"]),
            "placement_threats_averted": int(threats["averted_n"])}


def substitution_key_numbers(substituted: pd.DataFrame,
                             summary: pd.DataFrame) -> dict[str, float | bool | None]:
    """Key numbers of :func:`substitution` and :func:`cost_summary` (one row each / per item).

    Returns
    -------
    dict
        ``substitution_share``, ``substitution_ci_low``, ``substitution_ci_high`` (fractions
        0-1), ``substitution_target`` (the target used) and ``substitution_target_verdict_nl``
        (the verdict on the whole interval, :func:`target_verdict` in Dutch: "behaald", "niet
        behaald" or "niet aantoonbaar"; None when no trajectory was indicated);
        ``net_cost_total_eur`` (None without a net-cost row) and ``tariffs_assumed``.
    """
    row = substituted.iloc[0]
    costs = summary.set_index("item")["total_eur"]
    return {
        "substitution_share": _number(row["share"]),
        "substitution_ci_low": _number(row["ci_low"]),
        "substitution_ci_high": _number(row["ci_high"]),
        "substitution_target": _number(row["target"]),
        "substitution_target_verdict_nl": (None if pd.isna(row["target_verdict"])
                                           else TARGET_VERDICTS_NL[row["target_verdict"]]),
        "net_cost_total_eur": _number(costs["net_cost"]) if "net_cost" in costs.index else None,
        "tariffs_assumed": bool(summary["tariffs_assumed"].iloc[0]) if len(summary) else None,
    }


def _number(value) -> float | None:
    """``value`` as a float, None when missing or not finite (JSON key numbers have no NaN)."""
    return float(value) if pd.notna(value) and np.isfinite(float(value)) else None


def family_costs(trajectories: pd.DataFrame, *,
                 tariffs: Mapping[str, float] | None = None,
                 path: str | Path | None = None) -> pd.DataFrame:
    """Costs per family trajectory under the given (or assumed default) tariffs, in EUR.

    Formulas, per trajectory::

        therapy_cost       = therapy_sessions    * therapy_session
        collaboration_cost = collaboration_hours * collaboration_hour
        pilot_cost         = therapy_cost + collaboration_cost
        avoided_cost       = indicated_trajectory_avoided if indicated and substituted else 0
        net_cost           = pilot_cost - avoided_cost     (negative: a saving)

    ``therapy_sessions`` includes observation sessions (data contract). Missing sessions or
    hours count as 0; a missing ``indicated``/``substituted`` as not substituted.

    Parameters
    ----------
    tariffs : mapping, optional
        Overrides of :func:`load_tariffs`; defaults are ASSUMPTIONS.
    path : path, optional
        The cohort's own tariff file (``cohort.yaml``: ``tariffs``); default the package's
        assumed tariffs (:data:`TARIFFS_FILE`).

    Returns
    -------
    DataFrame
        ``family_id, status, therapy_sessions, collaboration_hours, substituted_indicated`` and
        the cost columns of :data:`COST_ITEMS`, one row per trajectory.
    """
    _require(trajectories, ["family_id", "therapy_sessions", "collaboration_hours",
                            "indicated", "substituted"])
    t = load_tariffs(tariffs, path=path)
    sessions = pd.to_numeric(trajectories["therapy_sessions"], errors="coerce").fillna(0)
    hours = pd.to_numeric(trajectories["collaboration_hours"], errors="coerce").fillna(0)
    swapped = (_flag(trajectories["indicated"]).fillna(False)
               & _flag(trajectories["substituted"]).fillna(False)).astype(bool)
    out = pd.DataFrame({
        "family_id": trajectories["family_id"].astype(str).to_numpy(),
        "status": trajectories.get("status", pd.Series(pd.NA, index=trajectories.index)).to_numpy(),
        "therapy_sessions": sessions.to_numpy(float), "collaboration_hours": hours.to_numpy(float),
        "substituted_indicated": swapped.to_numpy(),
    })
    out["therapy_cost"] = out["therapy_sessions"] * t["therapy_session"]
    out["collaboration_cost"] = out["collaboration_hours"] * t["collaboration_hour"]
    out["pilot_cost"] = out["therapy_cost"] + out["collaboration_cost"]
    out["avoided_cost"] = np.where(out["substituted_indicated"], t["indicated_trajectory_avoided"], 0.0)
    out["net_cost"] = out["pilot_cost"] - out["avoided_cost"]
    return out


@computes("net_cost_total_eur", "tariffs_assumed")
def cost_summary(trajectories: pd.DataFrame, *,
                 tariffs: Mapping[str, float] | None = None,
                 path: str | Path | None = None) -> pd.DataFrame:
    """Totals and per-family means of :func:`family_costs`, in EUR.

    Returns
    -------
    DataFrame
        One row per item of :data:`COST_ITEMS`: ``item, label_nl, total_eur,
        per_family_eur`` (total / number of trajectories), ``n_families`` and
        ``tariffs_assumed`` (True while any tariff used is a file default, i.e. an assumption).
    """
    costs = family_costs(trajectories, tariffs=tariffs, path=path)
    n = len(costs)
    assumed = _assumed(tariffs, path)
    return pd.DataFrame([{"item": item, "label_nl": label, "total_eur": float(costs[item].sum()),
                          "per_family_eur": float(costs[item].sum() / n) if n else np.nan,
                          "n_families": n, "tariffs_assumed": assumed}
                         for item, label in COST_ITEMS.items()])


def tariff_sensitivity(trajectories: pd.DataFrame, *,
                       tariffs: Mapping[str, float] | None = None,
                       path: str | Path | None = None,
                       factors: Sequence[float] = (0.75, 1.0, 1.25)) -> pd.DataFrame:
    """One-way sensitivity: each tariff in turn multiplied by each factor, the others fixed.

    Returns
    -------
    DataFrame
        One row per tariff x factor: ``tariff, factor, tariff_eur`` (the varied value),
        ``pilot_cost_eur, avoided_cost_eur, net_cost_eur`` (totals) and
        ``net_cost_per_family_eur`` and ``tariffs_assumed`` (as in :func:`cost_summary`: the
        varied base still holds file defaults, i.e. assumptions).
    """
    base = load_tariffs(tariffs, path=path)
    bad = [f for f in factors if isinstance(f, bool) or not isinstance(f, (int, float))
           or not np.isfinite(f) or f < 0]
    if bad or not len(factors):
        raise ConfigError(f"tariff_sensitivity: factors must be numbers >= 0, got {list(factors)}")
    assumed, rows = _assumed(tariffs, path), []
    for name in base:
        for factor in factors:
            varied = {**base, name: base[name] * float(factor)}
            costs = family_costs(trajectories, tariffs=varied, path=path)
            net = float(costs["net_cost"].sum())
            rows.append({"tariff": name, "factor": float(factor), "tariff_eur": varied[name],
                         "pilot_cost_eur": float(costs["pilot_cost"].sum()),
                         "avoided_cost_eur": float(costs["avoided_cost"].sum()),
                         "net_cost_eur": net,
                         "net_cost_per_family_eur": net / len(costs) if len(costs) else np.nan,
                         "tariffs_assumed": assumed})
    return pd.DataFrame(rows)


def _assumed(tariffs: Mapping[str, float] | None, path: str | Path | None = None) -> bool:
    """True while at least one tariff of the file that is marked an assumption (the package's
    file marks all) is not overridden by the caller."""
    specs = _tariff_specs(path)
    marked = {name for name, spec in specs.items() if spec.get("assumption", path is None)}
    return not marked <= set(tariffs or {})


def cohort_tariff_file(config: Mapping, raw_folder: str | Path) -> Path | None:
    """The cohort's own tariff file: ``cohort.yaml``'s ``tariffs`` (a name, as the manifest of
    the validated data records it) inside ``raw_folder``; None when the cohort names none.

    >>> cohort_tariff_file({"tariffs": None}, "data/raw/x") is None
    True
    """
    name = config.get("tariffs")
    return Path(raw_folder) / str(name) if name else None


def tariff_source(path: str | Path | None = None,
                  overrides: Mapping[str, float] | None = None) -> str:
    """Whose tariffs the costs use, in one Dutch phrase for the document.

    The package's file: assumed placeholder tariffs of this compendium, no municipality's. A
    cohort's own file (``cohort.yaml``: ``tariffs``) says whose they are in its ``source:``
    field, which is then required. ``overrides`` (the notebook's ``tariffs`` parameter) are
    named as given by the analyst.

    >>> tariff_source()
    'aangenomen tarieven van deze analyse (rekenvoorbeeld; geen tarieven van een gemeente)'
    """
    if path is None:
        text = "aangenomen tarieven van deze analyse (rekenvoorbeeld; geen tarieven van een gemeente)"
    else:
        spec = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        source = spec.get("source") if isinstance(spec, dict) else None
        if not isinstance(source, str) or not source.strip():
            raise ConfigError(f"{paths.display(Path(path))}: expected a 'source:' line saying "
                              "whose tariffs these are (e.g. \"Tarieven gemeente Deventer, "
                              "contract 2025\")")
        text = f"tarieven uit {' '.join(source.split())}"
    if overrides:
        text += f", met {len(overrides)} door de onderzoeker opgegeven tarief" + (
            "" if len(overrides) == 1 else "en")
    return text


def _tariff_specs(path: str | Path | None) -> dict[str, dict]:
    """The ``tariffs`` section of the tariff file, checked for a ``value`` per tariff."""
    path = Path(path) if path is not None else TARIFFS_FILE
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"tariff file not found: {paths.display(path)}") from None
    tariffs = spec.get("tariffs")
    if not isinstance(tariffs, dict) or not tariffs:
        raise ConfigError(f"{paths.display(path)}: expected a 'tariffs' mapping of name -> "
                          "{value, unit, label_nl, assumption, rationale}")
    missing = [name for name, t in tariffs.items() if not isinstance(t, dict) or "value" not in t]
    if missing:
        raise ConfigError(f"{paths.display(path)}: tariff(s) {missing} lack a 'value'")
    return tariffs


def _flag(values: pd.Series) -> pd.Series:
    """A true/false column as pandas ``boolean`` with NA for missing."""
    try:
        return values.astype("boolean")
    except (TypeError, ValueError):
        raise ValueError(f"column {values.name!r}: expected true/false values (missing allowed), "
                         f"got {sorted(map(str, values.dropna().unique()))[:5]}") from None


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"trajectories: missing column(s) {missing}; present: {list(frame.columns)}")
