"""Questionnaire definitions: declarative YAML files in ``analysis/instruments/``, read here.

A definition states the items, the answer coding, reversed items, scales with their minimum
number of answered items, composites, cut-off schemes and reliable-change parameters, each with
its source. Scoring (:mod:`analysis.scoring`) interprets a definition; adding an instrument is a
new YAML file, not new code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.errors import ConfigError


@dataclass(frozen=True)
class Scale:
    """One scale: its items (1-based item numbers), label and the prorating threshold."""

    name: str
    label: str
    items: tuple[int, ...]
    min_answered: int


@dataclass(frozen=True)
class Instrument:
    """A questionnaire definition, as read from ``analysis/instruments/<file>.yaml``."""

    id: str
    name: str
    file: str
    item_prefix: str
    n_items: int
    item_width: int
    response_min: float
    response_max: float
    labels: dict[str, float]
    reversed: tuple[int, ...]
    scale_score: str
    scales: dict[str, Scale]
    composites: dict[str, dict[str, Any]]
    cutoffs: dict[str, dict[str, Any]]
    default_cutoff_scheme: str | None
    placeholder: bool = False
    higher_is_worse: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def item_column(self, number: int) -> str:
        """Column name of item ``number`` (1-based), e.g. ``sdq_07``."""
        return f"{self.item_prefix}{number:0{self.item_width}d}"

    @property
    def item_columns(self) -> list[str]:
        """All item columns in the official order."""
        return [self.item_column(i) for i in range(1, self.n_items + 1)]


def available() -> list[str]:
    """Ids of every defined instrument, sorted."""
    return sorted(_definitions())


def load_instrument(instrument_id: str) -> Instrument:
    """The definition of ``instrument_id`` (e.g. ``"sdq"``, ``"ari_cp"``).

    Raises
    ------
    ConfigError
        When no definition has that id; the message lists the defined ids.
    """
    defs = _definitions()
    if instrument_id not in defs:
        raise ConfigError(
            f"unknown instrument {instrument_id!r}; defined instruments: {', '.join(sorted(defs))}"
        )
    return _build(defs[instrument_id])


@lru_cache(maxsize=None)
def _definitions(folder: Path = paths.INSTRUMENTS) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for file in sorted(folder.glob("*.yaml")):
        spec = yaml.safe_load(file.read_text(encoding="utf-8"))
        out[spec["id"]] = spec
    return out


def _build(spec: dict[str, Any]) -> Instrument:
    scales = {
        name: Scale(name, s.get("label", name), tuple(s["items"]), int(s["min_answered"]))
        for name, s in spec["scales"].items()
    }
    return Instrument(
        id=spec["id"],
        name=spec["name"],
        file=spec["file"],
        item_prefix=spec["item_prefix"],
        n_items=int(spec["n_items"]),
        item_width=int(spec.get("item_width", 2)),
        response_min=spec["response"]["min"],
        response_max=spec["response"]["max"],
        labels={str(k).lower(): v for k, v in spec["response"].get("labels", {}).items()},
        reversed=tuple(spec.get("reversed", [])),
        scale_score=spec.get("scale_score", "prorated_sum"),
        scales=scales,
        composites=dict(spec.get("composites") or {}),
        cutoffs=dict(spec.get("cutoffs") or {}),
        default_cutoff_scheme=spec.get("default_cutoff_scheme"),
        placeholder=bool(spec.get("placeholder", False)),
        higher_is_worse=tuple(spec.get("higher_is_worse", [])),
        raw=spec,
    )
