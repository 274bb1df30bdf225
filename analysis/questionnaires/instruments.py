"""Questionnaire definitions: declarative YAML files in ``analysis/definitions/instruments/``, read here.

A definition states the items, the answer coding, reversed items, scales with their minimum
number of answered items, composites, supplements (such as the SDQ impact score), cut-off
schemes and reliable-change parameters, each with its source. Scoring
(:mod:`analysis.questionnaires.scoring`) interprets a definition; adding an instrument is a new YAML file, not
new code.

Top-level keys of a definition (``*`` = required)::

    id*, name*, file*, item_prefix*, n_items*, item_width, placeholder, long_name, sources
    response*: {min, max, labels: {label: code}}
    reversed: [item numbers]                 scored as (min + max) - answer
    scale_score: prorated_sum | mean         how a scale is computed from its items
    scales*: {name: {label, items: [...], min_answered}}
    composites: {name: {label, sum_of: [scale names]}}
    supplements: {name: {kind: gated_recoded_sum, ...}}
    higher_is_worse: [scale names]           direction of every problem scale
    default_cutoff_scheme, cutoffs: {scheme: {...}}
    reliable_change: {criterion, scales: {name: {reliability, sd, source}},
                      age_groups: [{label, min_age, max_age, reliability_kind,
                                    reliability_ref, sd_ref,
                                    scales: {name: {reliability, reliability_source,
                                                    sd, sd_source}}}],
                      references: {key: Dutch citation}, bias_nl,
                      fallback: {reliability: {ref, group, kind}, sd: {ref, group}}}
                                             ``scales`` is the documented pair; a child takes
                                             each number from its own age group when that
                                             group has it (null = not verified) and from the
                                             pair otherwise (:meth:`Instrument.rci_parameters`)
    form, form_label, form_ages: {min, max}, form_informants: [codes]
    forms: {files: [overlay files], derive: [{form, informants, min_age, max_age}]}

Forms. An instrument with several forms (the SDQ: parent 2-4, parent 4-17, self-report 11-17,
teacher 4-17) is one file, the base form, whose ``forms:`` names one overlay file per other
form (``instruments/forms/``). An overlay inherits only the item layout
(:data:`FORM_INHERITED_KEYS`) and states its own key, supplements, cut-off schemes and
reliable-change parameters, so no norm of one form can reach another. A row's form is its
``version`` column or follows from the ``derive`` rules (:mod:`analysis.questionnaires.forms`).

Every cut-off, reliability and standard deviation carries its source in the YAML file; values
that could not be verified are marked ``placeholder: true``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.errors import ConfigError

SCALE_SCORES = ("prorated_sum", "mean")
"""Allowed values of ``scale_score``: half-up rounded prorated sum (SDQ rule) or item mean."""

SUPPLEMENT_KINDS = ("gated_recoded_sum",)
"""Allowed values of a supplement's ``kind`` (each has one scoring hook in :mod:`scoring`)."""

DEFAULT_RCI_CRITERION = 1.96
"""|RCI| at or above which change is reliable (Jacobson & Truax 1991, two-sided p < .05)."""


@dataclass(frozen=True)
class Scale:
    """One scale: its items (1-based item numbers), label and the prorating threshold."""

    name: str
    label: str
    items: tuple[int, ...]
    min_answered: int


@dataclass(frozen=True)
class Supplement:
    """A score from extra columns, e.g. the SDQ impact score (``kind: gated_recoded_sum``).

    The score is the sum of the answered ``items`` after ``recode``; unanswered items count
    0 when at least ``min_answered`` are answered, otherwise the score is missing. When the
    ``gate_column`` holds one of ``zero_when`` the score is 0 whatever the items say.
    """

    name: str
    label: str
    kind: str
    items: tuple[str, ...]
    response_min: float
    response_max: float
    labels: dict[str, float]
    recode: dict[int, float]
    gate_column: str | None
    gate_min: float
    gate_max: float
    gate_labels: dict[str, float]
    zero_when: tuple[float, ...]
    min_answered: int


@dataclass(frozen=True)
class ReliableChange:
    """Reliable-change parameters of one scale: internal consistency and norm SD (points).

    ``reliability_ref`` / ``sd_ref`` name the source of each number (a key of the definition's
    ``references``), ``reliability_group`` / ``sd_group`` the age group it was published for.
    """

    scale: str
    reliability: float
    sd: float
    source: str
    reliability_ref: str = ""
    reliability_group: str = ""
    sd_ref: str = ""
    sd_group: str = ""
    reliability_kind: str = ""


@dataclass(frozen=True)
class RciAgeGroup:
    """Reliable-change parameters published for children aged ``min_age`` to ``max_age``.

    ``scales`` maps a scale to ``(reliability, sd, source)``; either number is None when no
    value for this age group could be traced to a published table. ``reliability_kind`` says
    what the reliability is (``"test-retest"`` or ``"alpha"``).
    """

    min_age: float
    max_age: float
    label: str
    reliability_kind: str
    scales: dict[str, tuple[float | None, float | None, str]]
    reliability_ref: str = ""
    sd_ref: str = ""

    def covers(self, age: float) -> bool:
        """Whether a child of ``age`` whole years belongs to this group."""
        return self.min_age <= age <= self.max_age


@dataclass(frozen=True)
class AgeGroup:
    """Cut-offs valid for children aged ``min_age`` to ``max_age`` whole years (inclusive)."""

    min_age: float
    max_age: float
    label: str
    scales: dict[str, tuple[tuple[float, str], ...]]


@dataclass(frozen=True)
class CutoffScheme:
    """A cut-off scheme: bands in order of severity and per-scale lower bounds.

    Each scale maps to ``(from, band)`` pairs sorted by ``from``: a score belongs to the band
    with the largest ``from`` not above it. ``bands`` lists the band names from least to most
    concerning, so "higher is better" scales (prosocial) simply list their bands in reverse
    score order. A band is *elevated* when it is at or beyond ``elevated_from`` in that order.
    A scheme that is not age-specific has one age group covering every age.
    """

    name: str
    label: str
    source: str
    placeholder: bool
    elevated_from: str
    bands: tuple[str, ...]
    band_labels: dict[str, str]
    age_specific: bool
    groups: tuple[AgeGroup, ...]

    @property
    def scales(self) -> tuple[str, ...]:
        """Names of the scales any age group of the scheme covers, in definition order."""
        seen: dict[str, None] = {}
        for group in self.groups:
            seen.update(dict.fromkeys(group.scales))
        return tuple(seen)

    def is_elevated(self, band: str) -> bool:
        """Whether ``band`` is at or beyond ``elevated_from`` in the severity order."""
        return self.bands.index(band) >= self.bands.index(self.elevated_from)


@dataclass(frozen=True)
class FormRule:
    """One rule of ``forms: derive``: rows whose informant is in ``informants`` (None = not
    given) and whose child's age lies in ``min_age``-``max_age`` get ``form``. A rule with an
    age bound never matches an unknown age."""

    form: str
    informants: tuple[str | None, ...]
    min_age: float = -math.inf
    max_age: float = math.inf

    @property
    def needs_age(self) -> bool:
        """Whether the rule has an age bound."""
        return math.isfinite(self.min_age) or math.isfinite(self.max_age)


FORM_INHERITED_KEYS = ("id", "file", "item_prefix", "n_items", "item_width", "response",
                       "scale_score", "composites", "higher_is_worse", "placeholder")
"""Keys a form overlay takes from its base file: the item layout, nothing about norms."""

FORM_REQUIRED_KEYS = ("form", "name", "form_label", "form_ages", "form_informants", "scales")
"""Keys every form (base file with ``forms:`` and every overlay) must state."""


@dataclass(frozen=True)
class Instrument:
    """A questionnaire definition, as read from ``analysis/definitions/instruments/<file>.yaml``."""

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
    supplements: dict[str, Supplement] = field(default_factory=dict)
    reliable_change: dict[str, ReliableChange] = field(default_factory=dict)
    rci_criterion: float = DEFAULT_RCI_CRITERION
    rci_age_groups: tuple[RciAgeGroup, ...] = ()
    rci_fallback_caveat: str = ""
    rci_references: dict[str, str] = field(default_factory=dict)
    rci_fallback_from: dict[str, dict[str, str]] = field(default_factory=dict)
    rci_bias_nl: str = ""
    form: str | None = None
    form_label: str = ""
    form_ages: tuple[float, float] = (-math.inf, math.inf)
    form_informants: tuple[str, ...] = ()
    forms: dict[str, "Instrument"] = field(default_factory=dict, repr=False, compare=False)
    form_rules: tuple[FormRule, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False, hash=False)

    def rci_parameters(self, scale: str, age: float | None = None
                       ) -> tuple[ReliableChange | None, bool]:
        """Reliable-change parameters of ``scale`` for a child of ``age`` whole years.

        Each number is chosen on its own: the reliability of the age group covering ``age``
        when that group has one, else the documented pair's (``reliable_change: scales``); the
        same for the SD. So a group with its own alpha but no verified SD uses its alpha with
        the pair's SD (issue 24: a 4-5-year-old's SDQ-total threshold is 7.1 points with alpha
        .79, not 5.8 with the 6-11-year-olds' .86).

        Returns ``(parameters, fallback)``: ``fallback`` is True when the instrument defines age
        groups and not both numbers come from the child's own group (a caveat is due);
        ``(None, False)`` when a number is missing altogether (no reliable-change index).
        """
        pair = self.reliable_change.get(scale)
        group = None
        if age is not None and math.isfinite(age):
            group = next((g for g in self.rci_age_groups if g.covers(age)), None)
        own_r, own_sd, own_source = (group.scales.get(scale, (None, None, ""))
                                     if group is not None else (None, None, ""))
        reliability = own_r if own_r is not None else (pair.reliability if pair else None)
        sd = own_sd if own_sd is not None else (pair.sd if pair else None)
        if reliability is None or sd is None:
            return None, False
        from_r, from_sd = self.rci_fallback_from.get("reliability", {}), self.rci_fallback_from.get("sd", {})
        params = ReliableChange(
            scale, reliability, sd,
            "; ".join(s for s in (own_source, pair.source if pair and (own_r is None or own_sd is None)
                                  else "") if s),
            reliability_ref=(group.reliability_ref if own_r is not None else from_r.get("ref", "")),
            reliability_group=(group.label if own_r is not None else from_r.get("group", "")),
            sd_ref=(group.sd_ref if own_sd is not None else from_sd.get("ref", "")),
            sd_group=(group.label if own_sd is not None else from_sd.get("group", "")),
            reliability_kind=(group.reliability_kind if own_r is not None
                              else from_r.get("kind", "")))
        own = own_r is not None and own_sd is not None
        return params, bool(self.rci_age_groups) and not own

    def form_definitions(self) -> dict[str, "Instrument"]:
        """Every form of the instrument by name, this one first (``{}`` without forms)."""
        if self.form is None:
            return {}
        return {self.form: self, **self.forms}

    def form_definition(self, name: str) -> "Instrument":
        """The definition of form ``name`` (e.g. ``"self_11_17"``).

        Raises
        ------
        ConfigError
            When the instrument has no such form (the message lists its forms).
        """
        known = self.form_definitions()
        if name not in known:
            raise ConfigError(f"instrument {self.id!r} has no form {name!r}; forms: "
                              f"{', '.join(known) or 'none'}")
        return known[name]

    def item_column(self, number: int) -> str:
        """Column name of item ``number`` (1-based), e.g. ``sdq_07``."""
        return f"{self.item_prefix}{number:0{self.item_width}d}"

    @property
    def item_columns(self) -> list[str]:
        """All item columns in the official order."""
        return [self.item_column(i) for i in range(1, self.n_items + 1)]

    @property
    def supplement_columns(self) -> list[str]:
        """Columns read by the supplements (gate column first), in definition order."""
        out: list[str] = []
        for sup in self.supplements.values():
            out += ([sup.gate_column] if sup.gate_column else []) + list(sup.items)
        return list(dict.fromkeys(out))

    @property
    def all_scales(self) -> list[str]:
        """Every score the instrument yields: scales, composites, supplements (output order)."""
        return [*self.scales, *self.composites, *self.supplements]

    def column(self, scale: str) -> str:
        """Output column of ``scale``, e.g. ``sdq_total``."""
        return f"{self.id}_{scale}"

    def is_higher_worse(self, scale: str) -> bool:
        """True when a higher score on ``scale`` means more problems."""
        return scale in self.higher_is_worse

    def scheme(self, name: str | None = None) -> CutoffScheme:
        """The cut-off scheme ``name`` (default: ``default_cutoff_scheme``), validated.

        Raises
        ------
        ConfigError
            When the instrument has no such scheme (the message lists the defined ones), or the
            scheme's definition is malformed.
        """
        name = name or self.default_cutoff_scheme
        if name is None or name not in self.cutoffs:
            known = ", ".join(sorted(self.cutoffs)) or "none"
            raise ConfigError(f"instrument {self.id!r} has no cut-off scheme {name!r}; "
                              f"defined schemes: {known}")
        return _build_scheme(self, name, self.cutoffs[name])


def available(*, folder: str | Path | None = None) -> list[str]:
    """Ids of every defined instrument, sorted (``folder`` overrides the package folder)."""
    return sorted(_definitions(_folder(folder)))


def load_instrument(instrument_id: str, *, folder: str | Path | None = None) -> Instrument:
    """The definition of ``instrument_id`` (e.g. ``"sdq"``, ``"ari_cp"``).

    Parameters
    ----------
    instrument_id : str
        The ``id`` key of a definition.
    folder : path, optional
        Folder of ``*.yaml`` definitions; default ``analysis/instruments``.

    Raises
    ------
    ConfigError
        When no definition has that id (the message lists the defined ids), or the definition
        is malformed (the message names the file and key).
    """
    return _load(_folder(folder), instrument_id)


@lru_cache(maxsize=None)
def _load(folder: Path, instrument_id: str) -> Instrument:
    defs = _definitions(folder)
    if instrument_id not in defs:
        raise ConfigError(
            f"unknown instrument {instrument_id!r}; defined instruments: {', '.join(sorted(defs))}"
        )
    spec, source = defs[instrument_id]
    return _build_family(spec, source, folder)


def load_instrument_file(path: str | Path) -> Instrument:
    """Read and validate one definition file (for checking a new YAML before installing it);
    its form overlays, if any, are read relative to its folder."""
    path = Path(path)
    return _build_family(_read_yaml(path), path.name, path.parent)


def resolve(instrument: Instrument | str) -> Instrument:
    """``instrument`` itself, or the definition with that id."""
    return instrument if isinstance(instrument, Instrument) else load_instrument(instrument)


def _folder(folder: str | Path | None) -> Path:
    return paths.INSTRUMENTS if folder is None else Path(folder)


@lru_cache(maxsize=None)
def _definitions(folder: Path = paths.INSTRUMENTS) -> dict[str, tuple[dict[str, Any], str]]:
    out: dict[str, tuple[dict[str, Any], str]] = {}
    for file in sorted(folder.glob("*.yaml")):
        spec = _read_yaml(file)
        key = spec.get("id")
        if not isinstance(key, str) or not key:
            raise ConfigError(f"{file.name}: missing 'id' (a short name such as 'sdq')")
        if key in out:
            raise ConfigError(f"{file.name}: id {key!r} is already used by {out[key][1]}")
        out[key] = (spec, file.name)
    return out


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        spec = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{file.name}: cannot read the instrument definition ({error})") from None
    if not isinstance(spec, dict):
        raise ConfigError(f"{file.name}: expected a mapping of keys, got {type(spec).__name__}")
    return spec


def _require(spec: dict[str, Any], key: str, where: str) -> Any:
    if key not in spec or spec[key] is None:
        raise ConfigError(f"{where}: missing required key {key!r}")
    return spec[key]


def _build_family(spec: dict[str, Any], source: str, folder: Path) -> Instrument:
    """The definition in ``spec`` with its form overlays (``forms: files``) built beside it."""
    base = _build(spec, source)
    if spec.get("forms") is None:
        return base
    if base.form is None:
        raise ConfigError(f"{source}: 'forms' needs the base file's own 'form' (e.g. parent_4_17)")
    raw = spec["forms"]
    others: dict[str, Instrument] = {}
    for name in raw.get("files") or []:
        where = f"{source}: forms file {name}"
        overlay = _read_yaml(folder / name) if (folder / name).is_file() else None
        if overlay is None:
            raise ConfigError(f"{where} not found next to {source}")
        stray = sorted(set(overlay) & set(FORM_INHERITED_KEYS) - {"placeholder"})
        if stray:
            raise ConfigError(f"{where}: {stray} come from the base file; remove them")
        merged = {k: spec[k] for k in FORM_INHERITED_KEYS if k in spec} | overlay
        form = _build(merged, where)
        if form.form is None or form.form in others or form.form == base.form:
            raise ConfigError(f"{where}: needs a 'form' name not used by another form")
        if form.all_scales != base.all_scales:
            raise ConfigError(f"{where}: scales {form.all_scales} differ from the base form's "
                              f"{base.all_scales}; every form must yield the same scores")
        others[form.form] = form
    names = {base.form, *others}
    rules = tuple(_form_rule(r, names, source) for r in raw.get("derive") or [])
    return replace(base, forms=others, form_rules=rules)


def _form_rule(raw: dict[str, Any], names: set[str], source: str) -> FormRule:
    form = str(_require(raw, "form", f"{source}: forms derive"))
    if form not in names:
        raise ConfigError(f"{source}: forms derive names form {form!r}; forms: {sorted(names)}")
    informants = tuple(None if i is None else str(i) for i in raw.get("informants") or [None])
    low = raw.get("min_age")
    high = raw.get("max_age")
    return FormRule(form, informants, -math.inf if low is None else float(low),
                    math.inf if high is None else float(high))


def _form_fields(spec: dict[str, Any], source: str) -> dict[str, Any]:
    """The ``form*`` fields of a definition (empty when it is not a form)."""
    if "form" not in spec:
        return {}
    for key in FORM_REQUIRED_KEYS:
        _require(spec, key, source)
    ages = spec["form_ages"]
    low, high = float(_require(ages, "min", source)), float(_require(ages, "max", source))
    if low > high:
        raise ConfigError(f"{source}: form_ages min {low:g} is above max {high:g}")
    return {"form": str(spec["form"]), "form_label": str(spec["form_label"]),
            "form_ages": (low, high),
            "form_informants": tuple(str(i) for i in spec["form_informants"])}


def _build(spec: dict[str, Any], source: str) -> Instrument:
    for key in ("id", "name", "file", "item_prefix", "n_items", "response", "scales"):
        _require(spec, key, source)
    n_items = int(spec["n_items"])
    response = spec["response"]
    low, high = float(_require(response, "min", source)), float(_require(response, "max", source))
    if not low < high:
        raise ConfigError(f"{source}: response min {low} must be below max {high}")
    scales = _build_scales(spec["scales"], n_items, source)
    reversed_items = tuple(int(i) for i in spec.get("reversed") or [])
    _check_items(reversed_items, n_items, f"{source}: reversed")
    scale_score = spec.get("scale_score", "prorated_sum")
    if scale_score not in SCALE_SCORES:
        raise ConfigError(f"{source}: scale_score {scale_score!r}; expected one of {SCALE_SCORES}")
    composites = dict(spec.get("composites") or {})
    _check_composites(composites, scales, source)
    supplements = _build_supplements(spec.get("supplements") or {}, source)
    rc, criterion = _build_reliable_change(spec.get("reliable_change") or {}, source)
    rci_groups = _build_rci_groups(spec.get("reliable_change") or {}, source)
    instrument = Instrument(
        id=spec["id"], name=spec["name"], file=spec["file"], item_prefix=spec["item_prefix"],
        n_items=n_items, item_width=int(spec.get("item_width", 2)),
        response_min=low, response_max=high, labels=_labels(response.get("labels"), low, high, source),
        reversed=reversed_items, scale_score=scale_score, scales=scales, composites=composites,
        cutoffs=dict(spec.get("cutoffs") or {}),
        default_cutoff_scheme=spec.get("default_cutoff_scheme"),
        placeholder=bool(spec.get("placeholder", False)),
        higher_is_worse=tuple(spec.get("higher_is_worse") or []),
        supplements=supplements, reliable_change=rc, rci_criterion=criterion,
        rci_age_groups=rci_groups,
        rci_fallback_caveat=str((spec.get("reliable_change") or {}).get("fallback_caveat", "")),
        rci_references={str(k): str(v) for k, v in
                        ((spec.get("reliable_change") or {}).get("references") or {}).items()},
        rci_fallback_from={str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in
                           ((spec.get("reliable_change") or {}).get("fallback") or {}).items()},
        rci_bias_nl=" ".join(str((spec.get("reliable_change") or {}).get("bias_nl", "")).split()),
        **_form_fields(spec, source),
        raw=spec,
    )
    _check_names(instrument, source)
    return instrument


def _build_scales(raw: dict[str, Any], n_items: int, source: str) -> dict[str, Scale]:
    scales: dict[str, Scale] = {}
    for name, s in raw.items():
        where = f"{source}: scale {name!r}"
        items = tuple(int(i) for i in _require(s, "items", where))
        _check_items(items, n_items, where)
        need = int(s.get("min_answered", len(items)))
        if not 1 <= need <= len(items):
            raise ConfigError(f"{where}: min_answered {need}; expected 1 to {len(items)}")
        scales[name] = Scale(name, s.get("label", name), items, need)
    return scales


def _check_items(items: tuple[int, ...], n_items: int, where: str) -> None:
    bad = [i for i in items if not 1 <= i <= n_items]
    if bad or len(set(items)) != len(items):
        raise ConfigError(f"{where}: items {list(items)}; expected distinct numbers 1-{n_items}")


def _check_composites(composites: dict[str, Any], scales: dict[str, Scale], source: str) -> None:
    for name, c in composites.items():
        parts = _require(c, "sum_of", f"{source}: composite {name!r}")
        unknown = [p for p in parts if p not in scales]
        if unknown:
            raise ConfigError(f"{source}: composite {name!r} sums unknown scales {unknown}; "
                              f"defined scales: {', '.join(scales)}")


def _labels(raw: dict[str, Any] | None, low: float, high: float, where: str) -> dict[str, float]:
    out = {str(k).strip().lower(): float(v) for k, v in (raw or {}).items()}
    bad = {k: v for k, v in out.items() if not low <= v <= high}
    if bad:
        raise ConfigError(f"{where}: answer labels {bad} lie outside {low:g}-{high:g}")
    return out


def _build_supplements(raw: dict[str, Any], source: str) -> dict[str, Supplement]:
    out: dict[str, Supplement] = {}
    for name, s in raw.items():
        where = f"{source}: supplement {name!r}"
        kind = _require(s, "kind", where)
        if kind not in SUPPLEMENT_KINDS:
            raise ConfigError(f"{where}: kind {kind!r}; expected one of {SUPPLEMENT_KINDS}")
        resp, gate = _require(s, "response", where), s.get("gate") or {}
        gresp = gate.get("response") or {"min": 0, "max": 0}
        low, high = float(resp["min"]), float(resp["max"])
        items = tuple(_require(s, "items", where))
        out[name] = Supplement(
            name=name, label=s.get("label", name), kind=kind, items=items,
            response_min=low, response_max=high, labels=_labels(resp.get("labels"), low, high, where),
            recode={int(k): float(v) for k, v in (s.get("recode") or {}).items()},
            gate_column=gate.get("column"), gate_min=float(gresp["min"]), gate_max=float(gresp["max"]),
            gate_labels=_labels(gresp.get("labels"), float(gresp["min"]), float(gresp["max"]), where),
            zero_when=tuple(float(v) for v in gate.get("zero_when") or []),
            min_answered=int(s.get("min_answered", 1)),
        )
    return out


def _build_reliable_change(raw: dict[str, Any], source: str) -> tuple[dict[str, ReliableChange], float]:
    criterion = float(raw.get("criterion", DEFAULT_RCI_CRITERION))
    out: dict[str, ReliableChange] = {}
    for name, p in (raw.get("scales") or {}).items():
        where = f"{source}: reliable_change of {name!r}"
        r, sd = float(_require(p, "reliability", where)), float(_require(p, "sd", where))
        if not (0.0 <= r < 1.0 and sd > 0 and math.isfinite(sd)):
            raise ConfigError(f"{where}: reliability {r} must lie in [0, 1) and sd {sd} be > 0")
        out[name] = ReliableChange(name, r, sd, str(_require(p, "source", where)))
    return out, criterion


RELIABILITY_KINDS = ("test-retest", "alpha")
"""Allowed ``reliability_kind`` of a reliable-change age group (Jacobson & Truax intended
test-retest reliability; Cronbach's alpha is the stand-in where no retest value is published)."""


def _build_rci_groups(raw: dict[str, Any], source: str) -> tuple[RciAgeGroup, ...]:
    groups = []
    for spec in raw.get("age_groups") or []:
        where = f"{source}: reliable_change age group {spec.get('label', '?')!r}"
        low, high = float(_require(spec, "min_age", where)), float(_require(spec, "max_age", where))
        kind = str(_require(spec, "reliability_kind", where))
        if low > high or kind not in RELIABILITY_KINDS:
            raise ConfigError(f"{where}: need min_age <= max_age and reliability_kind one of "
                              f"{RELIABILITY_KINDS}; got {low:g}-{high:g}, {kind!r}")
        scales = {}
        for name, p in (spec.get("scales") or {}).items():
            r, sd = p.get("reliability"), p.get("sd")
            if (r is not None and not 0.0 <= float(r) < 1.0) or (sd is not None and not float(sd) > 0):
                raise ConfigError(f"{where}: scale {name!r} needs reliability in [0, 1) and sd > 0 "
                                  f"(or null when not verified); got {r!r}, {sd!r}")
            sources = "; ".join(str(p[k]) for k in ("reliability_source", "sd_source") if p.get(k))
            scales[name] = (None if r is None else float(r), None if sd is None else float(sd),
                            sources)
        groups.append(RciAgeGroup(low, high, str(spec.get("label", f"{low:g}-{high:g}")), kind,
                                  scales, reliability_ref=str(spec.get("reliability_ref", "")),
                                  sd_ref=str(spec.get("sd_ref", ""))))
    return tuple(groups)


def _check_names(instrument: Instrument, source: str) -> None:
    names = instrument.all_scales
    if len(set(names)) != len(names):
        raise ConfigError(f"{source}: scale, composite and supplement names must be distinct")
    for key, values in (("higher_is_worse", instrument.higher_is_worse),
                        ("reliable_change", tuple(instrument.reliable_change)),
                        ("reliable_change age_groups", tuple(
                            s for g in instrument.rci_age_groups for s in g.scales))):
        unknown = [v for v in values if v not in names]
        if unknown:
            raise ConfigError(f"{source}: {key} names unknown scales {unknown}")
    if instrument.default_cutoff_scheme and instrument.default_cutoff_scheme not in instrument.cutoffs:
        raise ConfigError(f"{source}: default_cutoff_scheme {instrument.default_cutoff_scheme!r} "
                          f"is not among the cutoffs {sorted(instrument.cutoffs)}")


def _build_scheme(instrument: Instrument, name: str, spec: dict[str, Any]) -> CutoffScheme:
    where = f"{instrument.id} cut-off scheme {name!r}"
    placeholder = bool(spec.get("placeholder", False))
    age_specific = bool(spec.get("age_specific", False))
    if age_specific:
        groups = tuple(_age_group(g, where) for g in _require(spec, "age_groups", where))
    else:
        groups = (AgeGroup(-math.inf, math.inf, "", _thresholds(_require(spec, "scales", where), where)),)
    bands = tuple(spec.get("bands") or _band_order(groups))
    elevated_from = str(_require(spec, "elevated_from", where))
    scheme = CutoffScheme(
        name=name, label=str(spec.get("label", name)), source=str(spec.get("source", "")),
        placeholder=placeholder, elevated_from=elevated_from, bands=bands,
        band_labels={str(k): str(v) for k, v in (spec.get("band_labels") or {}).items()},
        age_specific=age_specific, groups=groups,
    )
    _check_scheme(instrument, scheme, where)
    return scheme


def _age_group(raw: dict[str, Any], where: str) -> AgeGroup:
    low, high = float(_require(raw, "min_age", where)), float(_require(raw, "max_age", where))
    if low > high:
        raise ConfigError(f"{where}: age group min_age {low:g} is above max_age {high:g}")
    label = str(raw.get("label", f"{low:g}-{high:g}"))
    return AgeGroup(low, high, label, _thresholds(_require(raw, "scales", where), where))


def _thresholds(raw: dict[str, Any], where: str) -> dict[str, tuple[tuple[float, str], ...]]:
    out: dict[str, tuple[tuple[float, str], ...]] = {}
    for scale, bounds in raw.items():
        if bounds is None:
            raise ConfigError(f"{where}: scale {scale!r} has no verified thresholds "
                              f"(the scheme is a placeholder); enter them before using it")
        pairs = tuple((float(b["from"]), str(b["band"])) for b in bounds)
        froms = [p[0] for p in pairs]
        if not pairs or froms != sorted(set(froms)):
            raise ConfigError(f"{where}: scale {scale!r} needs bands with strictly increasing 'from'")
        out[scale] = pairs
    return out


def _band_order(groups: tuple[AgeGroup, ...]) -> list[str]:
    first = next(iter(groups[0].scales.values()), ())
    return [band for _, band in first]


def _check_scheme(instrument: Instrument, scheme: CutoffScheme, where: str) -> None:
    if scheme.elevated_from not in scheme.bands:
        raise ConfigError(f"{where}: elevated_from {scheme.elevated_from!r} is not one of the "
                          f"bands {list(scheme.bands)}")
    for group in scheme.groups:
        for scale, pairs in group.scales.items():
            if scale not in instrument.all_scales:
                raise ConfigError(f"{where}: unknown scale {scale!r}; "
                                  f"scales: {', '.join(instrument.all_scales)}")
            unknown = [band for _, band in pairs if band not in scheme.bands]
            if unknown:
                raise ConfigError(f"{where}: scale {scale!r} uses bands {unknown} not listed "
                                  f"in bands {list(scheme.bands)}")
