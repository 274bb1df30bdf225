"""``cohort.yaml`` of a synthetic cohort and the per-component random streams.

Every component (trajectories, SDQ, ARI-CP, survey, qualitative, ...) draws from its own
stream ``numpy.random.default_rng([seed, stream])``, so changing one component never shifts
the random numbers of another and regeneration is byte-identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from analysis.data.synthetic.families import Period
from analysis.errors import ConfigError

HELMOND: str = "helmond-2023"
"""Name of the calibrated cohort."""

HELMOND_FAMILIES: int = 22
"""Completed trajectories in the handreiking ("Over de innovatiepilot")."""

STREAMS: dict[str, int] = {"trajectories": 1, "moments": 2, "sdq": 3, "ari_cp": 4, "obvl": 5,
                           "survey": 6, "qualitative": 7, "persistent": 8}
"""Fixed stream number of every component."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class CohortMeta:
    """What ``cohort.yaml`` says about a synthetic cohort."""

    name: str
    title: str
    municipality: str
    period: Period
    slots: int
    published_claims: str | None
    organisation: str | None = None
    publication: str | None = None
    substitution_target: float | None = None
    hypotheses: tuple[str, ...] = ()
    positive_parent_code: str | None = None


def rng_for(seed: int, component: str) -> np.random.Generator:
    """The random stream of ``component`` (a key of :data:`STREAMS`) for ``seed``."""
    return np.random.default_rng([int(seed), STREAMS[component]])


def cohort_meta(name: str, families: int) -> CohortMeta:
    """Metadata of cohort ``name`` with ``families`` trajectories.

    Helmond (calibrated): period 2023-09-01 .. 2024-10-31, 30 slots, published claims.
    Any other name ``place-YYYY`` (free): municipality ``Place`` (the parts of the name made of
    letters only), period YYYY-01-01 .. (YYYY+1)-06-30 (2025 when the name has no year), slots
    ``round(1.3 * families)``.

    >>> cohort_meta("bench-100000-2b7ada", 5).municipality
    'Bench'

    Raises
    ------
    ConfigError
        When ``name`` is not a valid folder name or ``families`` is not positive, or when
        ``helmond-2023`` is asked with another number of families than 22.
    """
    if not _NAME.match(name):
        raise ConfigError(f"cohort name {name!r}: use letters, digits, '-' and '_' only")
    if families < 1:
        raise ConfigError(f"--families must be at least 1, got {families}")
    if name == HELMOND:
        if families != HELMOND_FAMILIES:
            raise ConfigError(f"{HELMOND} is the calibrated cohort of {HELMOND_FAMILIES} families; "
                              f"got --families {families}; choose another cohort name")
        return CohortMeta(name, "Pilot vaktherapie en sociaal werk, Helmond (synthetisch)", "Helmond",
                          Period(np.datetime64("2023-09-01"), np.datetime64("2024-10-31")), 30,
                          "published_claims.csv", "Sociale Teams Helmond",
                          "De verbinding tussen sociaal werk en vaktherapie (Sociale Teams "
                          "Helmond, 2024)", substitution_target=0.5,
                          hypotheses=("De ervaren hechting verbetert wanneer de stress van "
                                      "ouders afneemt.",),
                          positive_parent_code="Ervaring ouders > Positief over samenwerking")
    parts = name.replace("_", "-").split("-")
    year = int(parts[-1]) if re.fullmatch(r"\d{4}", parts[-1]) else 2025
    # only the parts made of letters: "bench-100000" or "test-2b7ada" would give the label
    # "Bench 100000" or "Test 2B7Ada", which the label gate refuses (a number that may identify,
    # a first name inside a word), and validation would refuse the cohort synth wrote
    place = " ".join(p for p in parts if p.isalpha()).title() or "Onbekend"
    period = Period(np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-06-30"))
    return CohortMeta(name, f"Vaktherapie en sociaal werk, {place} (synthetisch)", place, period,
                      max(1, round(1.3 * families)), None)


def cohort_yaml(meta: CohortMeta) -> str:
    """The text of ``cohort.yaml`` (fixed key order, no timestamp)."""
    lines = [
        "# Synthetic cohort written by analysis.data.synthetic: no real family, child or professional.",
        f"name: {meta.name}",
        f"title: {_quote(meta.title)}",
        f"municipality: {_quote(meta.municipality)}",
        f"period_start: {meta.period.start}",
        f"period_end: {meta.period.end}",
        f"slots: {meta.slots}",
        "synthetic: true",
    ]
    lines += [f"{key}: {_quote(value)}" for key, value in
              (("organisation", meta.organisation), ("publication", meta.publication)) if value]
    if meta.substitution_target is not None:
        lines.append(f"substitution_target: {meta.substitution_target:g}")
    if meta.hypotheses:
        lines += ["hypotheses:"] + [f"  - {_quote(h)}" for h in meta.hypotheses]
    if meta.positive_parent_code:
        lines.append(f"positive_parent_code: {_quote(meta.positive_parent_code)}")
    if meta.published_claims:
        lines.append(f"published_claims: {meta.published_claims}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
