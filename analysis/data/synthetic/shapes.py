"""Synthetic cohorts of many shapes: every optional part of the data contract present or absent.

A :class:`Shape` says which optional parts a cohort has: which files, which instruments (and
for which ages), which session types and groups (or no coding at all), double coding or one
coder, a survey with or without open items, which trajectory statuses and measurement moments,
whether every family starts elevated or none does, published claims, and an export under its own
column names. :func:`shape_files` generates a free (non-calibrated) cohort with
:func:`analysis.data.synthetic.generate_cohort` and transforms its tables into that shape;
:func:`write_shape` writes it to ``raw_root/<shape.name>/``. :data:`CATALOGUE` lists the shapes
of issue 11's test matrix (``tests/test_shapes.py``).

Shapes are made independently of the calibrated roles of ``helmond-2023``: the generator of a
free cohort is the starting point, and session types, groups and statuses can be relabelled to
values the bundled cohort never uses. The calibrated cohort itself is never written here (its
bytes are checked by ``tests/test_synthetic.py``).

The transformations only remove rows, columns or files, relabel category values, or overwrite
item answers; every result is meant to pass validation (warnings allowed), so that the
pipeline's promise "any cohort that passes validation runs end to end" can be tested on it.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import paths
from analysis.data.synthetic import CLAIMS_FILE, generate_cohort, qualitative, write_files
from analysis.data.synthetic.cohort import cohort_meta, rng_for
from analysis.data.synthetic.questionnaires import SDQ_REVERSED, SDQ_SCALES
from analysis.errors import ConfigError

__all__ = ["CATALOGUE", "Shape", "shape_files", "write_shape"]

INSTRUMENT_FILES: dict[str, str] = {"sdq": "sdq.csv", "ari_cp": "ari_cp.csv", "obvl": "obvl.csv"}
"""Instrument id -> file of the free synthetic generator."""
SUPPLEMENT_COLUMNS: tuple[str, ...] = ("sdq_difficulties", "sdq_distress", "sdq_imp_home",
                                       "sdq_imp_friends", "sdq_imp_learning", "sdq_imp_leisure")
"""The SDQ impact supplement (``supplements.impact`` of ``sdq_parent_4_17.yaml``), answers 0-3."""
EXPORT_COLUMNS: dict[str, dict[str, str]] = {
    "trajectories.csv": {"family_id": "Participant Id", "status": "Status traject",
                         "start_date": "Startdatum", "end_date": "Einddatum"},
    "sdq.csv": {"family_id": "Participant Id", "timepoint": "Meetmoment", "date": "Datum invullen",
                "informant": "Ingevuld door", **{f"sdq_{i:02d}": f"SDQ_{i}" for i in range(1, 26)}},
}
"""Export names (Castor-like) of the contract columns that an ``export_names`` shape renames."""
EXPORT_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "sdq.csv": {"timepoint": {"Voormeting (start)": "T0", "Nameting (einde)": "T1",
                              "Follow-up": "T2"}},
}
"""Answer labels of the export mapped onto contract values (``labels:`` in ``cohort.yaml``)."""
SPSS_VALUE_LABELS: dict[int, str] = {1: "Niet waar", 2: "Een beetje waar", 3: "Zeker waar"}
"""Value labels of the SDQ items in the SPSS file of an ``spss`` shape: codes 1-3 for the form's
answers, which the contract codes 0-2 (``value_labels: apply`` recodes them by label)."""
EXPORT_SDQ_FILE: str = "SDQ_export_castor.csv"
"""File name of the SDQ export of an ``export_names`` shape."""
SPSS_SDQ_FILE: str = "sdq_spss.sav"
"""File name of the SDQ export of an ``spss`` shape."""


@dataclass(frozen=True)
class Shape:
    """Which optional parts of the data contract a synthetic cohort has.

    Attributes
    ----------
    name : str
        Cohort (folder) name; also the seed of its municipality and period
        (:func:`analysis.data.synthetic.cohort.cohort_meta`).
    families : int
        Trajectories generated (before any status change).
    seed : int
        Seed of the free generator.
    instruments : tuple of str, optional
        Instrument ids kept (``sdq``, ``ari_cp``, ``obvl``); None keeps all generated.
    ari_cp_ages : (int, int), optional
        Keep ARI-CP rows only for children aged ``low`` to ``high`` years (inclusive).
    sdq_impact : bool
        Add the SDQ impact supplement columns.
    elevated : {None, "all", "none"}
        Overwrite the T0 SDQ difficulty items so that every family's total is 40 (all
        elevated) or 0 (none elevated).
    status : str, optional
        Give every trajectory this status: ``dropped_out`` (T1 and T2 rows dropped),
        ``ongoing`` (end date emptied, T1 and T2 rows dropped) or ``completed``.
    timepoints : tuple of str
        Measurement moments kept; a ``T2`` adds a follow-up row 90 days after every T1 row.
    survey : {"full", "closed", None}
        Parent survey with open items, without them (``text`` items removed) or absent.
    coding : bool
        False: no ``coding/`` folder at all.
    keep_sessions : tuple of (type, group), optional
        Keep only sessions matching one pair (``None`` in a pair matches anything), and
        their segments.
    relabel_types, relabel_groups : tuple of (old, new)
        Relabel ``session_type`` and ``group`` values of ``coding/sessions.csv``.
    double_coding : bool
        False: the second coder's rows are dropped (every segment coded once).
    coders : int
        1: every segment coded by one coder (implies no double coding). 2: two coders;
        without double coding each codes different sessions.
    qdpx : bool
        Keep the focus group of the free generator as a REFI-QDA export (when it is kept).
    published_claims : bool
        Copy the package's published claims of the handreiking into the cohort.
    drop_files : tuple of str
        Glob patterns (relative paths) of files left out.
    drop_columns : tuple of (file, column)
        Optional columns left out.
    export_names : bool
        Write ``trajectories.csv`` and ``sdq.csv`` under export column names and answer labels
        (:data:`EXPORT_COLUMNS`, :data:`EXPORT_LABELS`) with the mapping in ``cohort.yaml``.
    spss : bool
        Write the SDQ as an SPSS file with value labels (:data:`SPSS_SDQ_FILE`) instead of
        ``sdq.csv``, mapped in ``cohort.yaml`` (needs ``pyreadstat``).
    own_codes : bool
        Replace the generator's code tree (the bundled pilot's themes) by the cohort's own
        (:data:`OWN_CODE_TREE`): every code path is renamed, top level and below (use with
        ``qdpx=False``: the REFI-QDA writer knows only the generator's codebook).
    hypotheses : tuple of str
        Hypotheses written to ``cohort.yaml`` (``hypotheses:``).
    substitution_target : float, optional
        Target written to ``cohort.yaml``; None writes none.
    """

    name: str
    families: int = 12
    seed: int = 11
    instruments: tuple[str, ...] | None = None
    ari_cp_ages: tuple[int, int] | None = None
    sdq_impact: bool = False
    elevated: str | None = None
    status: str | None = None
    timepoints: tuple[str, ...] = ("T0", "T1")
    survey: str | None = "full"
    coding: bool = True
    keep_sessions: tuple[tuple[str | None, str | None], ...] | None = None
    relabel_types: tuple[tuple[str, str], ...] = ()
    relabel_groups: tuple[tuple[str, str], ...] = ()
    double_coding: bool = True
    coders: int = 2
    qdpx: bool = True
    published_claims: bool = False
    drop_files: tuple[str, ...] = ()
    drop_columns: tuple[tuple[str, str], ...] = ()
    export_names: bool = False
    spss: bool = False
    own_codes: bool = False
    hypotheses: tuple[str, ...] = ()
    substitution_target: float | None = None
    description: str = field(default="", compare=False)

    def __post_init__(self):
        if self.elevated not in (None, "all", "none"):
            raise ConfigError(f"Shape {self.name!r}: elevated must be None, 'all' or 'none'; "
                              f"got {self.elevated!r}")
        if self.survey not in (None, "full", "closed"):
            raise ConfigError(f"Shape {self.name!r}: survey must be None, 'full' or 'closed'; "
                              f"got {self.survey!r}")
        if self.status not in (None, "completed", "dropped_out", "ongoing"):
            raise ConfigError(f"Shape {self.name!r}: status must be None, 'completed', "
                              f"'dropped_out' or 'ongoing'; got {self.status!r}")
        if self.coders not in (1, 2):
            raise ConfigError(f"Shape {self.name!r}: coders must be 1 or 2; got {self.coders!r}")


def shape_files(shape: Shape) -> dict[str, object]:
    """All files of a cohort of ``shape``, in memory (relative path -> DataFrame, str or bytes).

    Tables are DataFrames except an SPSS file (bytes); ``cohort.yaml`` is text.
    """
    files = generate_cohort(shape.name, families=shape.families, seed=shape.seed)
    traj = files["trajectories.csv"].copy()
    if shape.status is not None:
        traj = _force_status(traj, shape.status)
    files["trajectories.csv"] = traj
    _questionnaires(files, shape, traj)
    _survey(files, shape)
    _coding(files, shape, traj)
    if shape.published_claims:
        files["published_claims.csv"] = CLAIMS_FILE.read_bytes()
    files = {rel: content for rel, content in files.items()
             if not any(fnmatch.fnmatch(rel, pattern) for pattern in shape.drop_files)}
    for rel, column in shape.drop_columns:
        if isinstance(files.get(rel), pd.DataFrame):
            files[rel] = files[rel].drop(columns=[column], errors="ignore")
    files["cohort.yaml"] = _cohort_yaml(files, shape)
    if shape.export_names:
        _export_names(files)
    if shape.spss and "sdq.csv" in files:
        _spss(files)
    return files


def write_shape(shape: Shape, raw_root: str | os.PathLike) -> Path:
    """Write a cohort of ``shape`` to ``raw_root/<shape.name>/`` (a fresh folder) and return it.

    Raises
    ------
    ConfigError
        When the folder already holds files (a shape is never written over another cohort).
    """
    folder = paths.raw_dir(shape.name, raw_root)
    if folder.exists() and any(folder.iterdir()):
        raise ConfigError(f"{paths.display(folder)} is not empty; write a shape into a new folder")
    write_files(folder, shape_files(shape))
    return folder


# --- questionnaires -------------------------------------------------------------------------

def _force_status(traj: pd.DataFrame, status: str) -> pd.DataFrame:
    traj["status"] = status
    start = pd.to_datetime(traj["start_date"])
    if status == "ongoing":
        traj["end_date"] = ""
        traj["placement_averted"] = ""
    else:
        end = pd.to_datetime(traj["end_date"].replace("", None))
        filled = end.fillna(start + pd.Timedelta(days=60))
        traj["end_date"] = filled.dt.strftime("%Y-%m-%d")
    return traj


def _questionnaires(files: dict, shape: Shape, traj: pd.DataFrame) -> None:
    kept = set(INSTRUMENT_FILES) if shape.instruments is None else set(shape.instruments)
    unknown = kept - set(INSTRUMENT_FILES)
    if unknown:
        raise ConfigError(f"Shape {shape.name!r}: unknown instrument(s) {sorted(unknown)}; "
                          f"expected some of {sorted(INSTRUMENT_FILES)}")
    moments = [t for t in shape.timepoints if t != "T2"]
    for instrument, rel in INSTRUMENT_FILES.items():
        if rel not in files:
            continue
        if instrument not in kept:
            del files[rel]
            continue
        table = files[rel]
        table = table[table["timepoint"].isin(moments)]
        if shape.status in ("dropped_out", "ongoing"):
            table = table[table["timepoint"] == "T0"]
        if instrument == "ari_cp" and shape.ari_cp_ages is not None:
            low, high = shape.ari_cp_ages
            ages = pd.to_numeric(traj.set_index("family_id")["child_age"], errors="coerce")
            young = set(ages[(ages >= low) & (ages <= high)].index)
            table = table[table["family_id"].isin(young)]
        if "T2" in shape.timepoints:
            table = _add_follow_up(table)
        if instrument == "sdq" and shape.elevated is not None:
            table = _set_elevation(table, shape.elevated)
        if instrument == "sdq" and shape.sdq_impact:
            table = _add_impact(table, rng_for(shape.seed, "persistent"))
        files[rel] = table.reset_index(drop=True)


def _add_follow_up(table: pd.DataFrame) -> pd.DataFrame:
    later = table[table["timepoint"] == "T1"].copy()
    later["timepoint"] = "T2"
    later["date"] = (pd.to_datetime(later["date"]) + pd.Timedelta(days=90)).dt.strftime("%Y-%m-%d")
    order = {"T0": 0, "T1": 1, "T2": 2}
    out = pd.concat([table, later], ignore_index=True)
    return out.sort_values(["family_id", "timepoint"], key=lambda s: s.map(order) if
                           s.name == "timepoint" else s, kind="stable")


def _set_elevation(table: pd.DataFrame, elevated: str) -> pd.DataFrame:
    """T0 SDQ difficulty items at their most (``all``: total 40) or least problematic (0)."""
    table = table.copy()
    t0 = table["timepoint"] == "T0"
    problem = 2 if elevated == "all" else 0
    for scale, items in SDQ_SCALES.items():
        if scale == "prosocial":
            continue
        for item in items:
            raw = 2 - problem if item in SDQ_REVERSED else problem
            table[f"sdq_{item:02d}"] = table[f"sdq_{item:02d}"].astype(object)
            table.loc[t0, f"sdq_{item:02d}"] = raw
    return table


def _add_impact(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    table = table.copy()
    n = len(table)
    table["sdq_difficulties"] = rng.integers(0, 4, n)
    for column in SUPPLEMENT_COLUMNS[1:]:
        values = rng.integers(0, 4, n)
        table[column] = np.where(table["sdq_difficulties"].to_numpy() == 0, 0, values)
    return table


# --- survey and coding ------------------------------------------------------------------------

def _survey(files: dict, shape: Shape) -> None:
    if shape.survey is None:
        files.pop("parent_survey.csv", None)
        files.pop("parent_survey_items.csv", None)
        return
    if shape.survey == "closed":
        items = files["parent_survey_items.csv"]
        open_items = items.loc[items["type"] == "text", "item"].tolist()
        files["parent_survey_items.csv"] = items[items["type"] != "text"].reset_index(drop=True)
        files["parent_survey.csv"] = files["parent_survey.csv"].drop(columns=open_items)


def _coding(files: dict, shape: Shape, traj: pd.DataFrame) -> None:
    for rel in [r for r in files if r.startswith("coding/")]:
        del files[rel]
    if not shape.coding:
        return
    meta = cohort_meta(shape.name, shape.families)
    answers = files.get("parent_survey.csv")
    if answers is None or shape.survey == "closed":
        answers = pd.DataFrame({"family_id": [], "date": [], "ps_10": [], "ps_11": []})
    coding = qualitative.coding_files(traj, rng_for(shape.seed, "qualitative"), seed=shape.seed,
                                      parent_answers=answers, period=meta.period, qdpx=False)
    sessions, segments = coding["coding/sessions.csv"], coding["coding/segments.csv"]
    if shape.keep_sessions is not None:
        keep = np.zeros(len(sessions), dtype=bool)
        for session_type, group in shape.keep_sessions:
            keep |= ((session_type is None) | (sessions["session_type"] == session_type)) & (
                (group is None) | (sessions["group"] == group))
        sessions = sessions[keep]
        segments = segments[segments["session_id"].isin(set(sessions["session_id"]))]
    sessions = sessions.assign(session_type=sessions["session_type"].replace(dict(shape.relabel_types)),
                               group=sessions["group"].replace(dict(shape.relabel_groups)))
    segments = _coders(segments, shape)
    if shape.own_codes:
        segments = segments.assign(code=segments["code"].map(_own_code))
    files["coding/sessions.csv"] = sessions.reset_index(drop=True)
    in_qdpx = segments["session_id"] == qualitative.QDPX_SESSION
    if shape.qdpx and in_qdpx.any():
        files[qualitative.QDPX_FILE] = qualitative.focus_group_qdpx(
            segments[in_qdpx].to_dict("records"), shape.seed)
        segments = segments[~in_qdpx]
    files["coding/segments.csv"] = segments.reset_index(drop=True)


OWN_CODE_TREE: dict[str, str] = {
    "Werkzame elementen": "Wat hielp", "Kansen": "Groeipunten",
    "Risico's en uitdagingen": "Zorgen", "Voorwaarden": "Nodig vooraf",
    "Belemmeringen": "Drempels", "Transfer naar huis": "Thuis merkbaar",
    "Ervaring ouders": "Stem van ouders",
}
"""Top-level codes of the generator -> the own top-level codes of an ``own_codes`` shape; the
codes below them become ``Aspect A``, ``Aspect B`` ... in the order of their names (not
"Punt 1": the privacy scanner rightly reads a word and a number as an address)."""


def _own_code(path: str) -> str:
    """A generator code path in the own code tree (:data:`OWN_CODE_TREE`)."""
    parts = [p.strip() for p in str(path).split(">")]
    top = OWN_CODE_TREE.get(parts[0], f"Eigen thema {len(parts[0])}")
    if len(parts) == 1:
        return top
    children = sorted(c for c in _children(parts[0]))
    index = children.index(parts[1]) if parts[1] in children else len(children)
    return f"{top} > Aspect {chr(ord('A') + index)}"


def _children(top: str) -> list[str]:
    """Second-level codes under ``top`` in the generator's code tree."""
    return sorted({p.split(" > ")[1] for p in qualitative.codebook_paths() if p.startswith(top + " > ")})


def _coders(segments: pd.DataFrame, shape: Shape) -> pd.DataFrame:
    first, second = qualitative.CODERS
    if shape.coders == 1:
        return segments[segments["coder"] == first]
    if shape.double_coding:
        return segments
    single = segments[segments["coder"] == first].copy()
    sessions = sorted(single["session_id"].unique())
    by_second = set(sessions[1::2])
    single.loc[single["session_id"].isin(by_second), "coder"] = second
    return single


# --- cohort.yaml, exports ---------------------------------------------------------------------

SHAPE_TITLE: str = "Vaktherapie en sociaal werk, vormtest (synthetisch)"
SHAPE_MUNICIPALITY: str = "Gemeente Vormtest"
"""Title and municipality of every shape: a neutral label, not derived from the shape's name
(the privacy guard of ``validate`` reads words such as "Shape No Ari Cp" as a person's name)."""


def _cohort_yaml(files: dict, shape: Shape) -> str:
    lines = str(files["cohort.yaml"]).splitlines(keepends=True)
    text = "".join(f'title: "{SHAPE_TITLE}"\n' if line.startswith("title:") else
                   f'municipality: "{SHAPE_MUNICIPALITY}"\n' if line.startswith("municipality:")
                   else line for line in lines)
    if "published_claims.csv" in files and "published_claims:" not in text:
        text += "published_claims: published_claims.csv\n"
    if shape.substitution_target is not None:
        text += f"substitution_target: {shape.substitution_target:g}\n"
    if shape.hypotheses:
        text += "hypotheses:\n" + "".join(
            '  - "' + h.replace('"', '\\"') + '"\n' for h in shape.hypotheses)
    return text


def _export_names(files: dict) -> None:
    """Rename columns and answers to export names; write the ``files:`` mapping of ``cohort.yaml``.

    The SDQ export also gets its own file name (:data:`EXPORT_SDQ_FILE`). Mapping format:
    ``files: {<table stem>: {file:, columns: {export: contract}, labels: {column: {export:
    contract}}}}`` (:mod:`analysis.data.mapping`).
    """
    lines = ["# How the exports' own column names and answer labels map onto the contract.",
             "files:"]
    for rel, names in EXPORT_COLUMNS.items():
        table = files.get(rel)
        if not isinstance(table, pd.DataFrame):
            continue
        stem = rel.removesuffix(".csv")
        table = table.copy()
        labels = EXPORT_LABELS.get(rel, {})
        for column, mapping in labels.items():
            inverse = {contract: export for export, contract in mapping.items()}
            table[column] = table[column].map(lambda v, inv=inverse: inv.get(v, v))
        present = {c: e for c, e in names.items() if c in table.columns}
        lines.append(f"  {stem}:")
        if rel == "sdq.csv":
            del files[rel]
            rel = EXPORT_SDQ_FILE
            lines.append(f"    file: {rel}")
        files[rel] = table.rename(columns=present)
        lines.append("    columns:")
        lines += [f'      "{export}": {contract}' for contract, export in present.items()]
        if labels:
            lines.append("    labels:")
            for column, mapping in labels.items():
                lines.append(f"      {column}:")
                lines += [f'        "{export}": {contract}' for export, contract in mapping.items()]
    files["cohort.yaml"] = str(files["cohort.yaml"]) + "\n".join(lines) + "\n"


def _spss(files: dict) -> None:
    """The SDQ as an SPSS file (:data:`SPSS_SDQ_FILE`) whose answers are codes with labels.

    SPSS exports count from 1: items hold 1-3 labelled as the form's answers
    (:data:`SPSS_VALUE_LABELS`), the moment holds 1-3 labelled "beginmeting", "eindmeting",
    "follow-up"; ``cohort.yaml`` says ``value_labels: apply``.
    """
    import tempfile

    import pyreadstat

    table = files.pop("sdq.csv").copy()
    items = [c for c in table.columns if c.startswith("sdq_")]
    for column in items:
        table[column] = pd.to_numeric(table[column], errors="coerce") + 1
    moments = {"T0": 1, "T1": 2, "T2": 3}
    table["timepoint"] = table["timepoint"].map(moments).astype(float)
    labels = {column: SPSS_VALUE_LABELS for column in items}
    labels["timepoint"] = {1: "beginmeting", 2: "eindmeting", 3: "follow-up"}
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "sdq.sav"
        pyreadstat.write_sav(table, str(target), variable_value_labels=labels)
        files[SPSS_SDQ_FILE] = target.read_bytes()
    files["cohort.yaml"] = (str(files["cohort.yaml"]) + "files:\n  sdq:\n"
                            f"    file: {SPSS_SDQ_FILE}\n    value_labels: apply\n")


# --- the matrix of issue 11 ------------------------------------------------------------------

def _shapes(*shapes: Shape) -> tuple[Shape, ...]:
    names = [s.name for s in shapes]
    if len(set(names)) != len(names):
        raise ConfigError(f"shape names repeat: {sorted(n for n in names if names.count(n) > 1)}")
    return shapes


CATALOGUE: tuple[Shape, ...] = _shapes(
    Shape("shape-no-coding", coding=False, description="no coding at all"),
    Shape("shape-one-session-type", keep_sessions=(("interview", None),),
          description="coding with a single session type (parent interviews)"),
    Shape("shape-sw-focus-groups", keep_sessions=(("focus_group", "social_workers"),),
          description="only social-worker focus groups"),
    Shape("shape-gp-referral", keep_sessions=(("focus_group", None), ("interview", None)),
          relabel_groups=(("therapists", "mixed"),), ari_cp_ages=(2, 5),
          description="focus groups with social workers and a mixed group, interviews, no "
                      "reflection sessions; ARI-CP for the 2-5 year olds only"),
    Shape("shape-nvivo-open", relabel_types=(("reflection", "survey_open"),
                                             ("focus_group", "survey_open"),
                                             ("case_study", "survey_open"),
                                             ("interview", "survey_open")),
          relabel_groups=(("social_workers", "mixed"), ("therapists", "mixed"),
                          ("parents", "mixed")), qdpx=False,
          description="session types survey_open only, group mixed only (an NVivo project)"),
    Shape("shape-children-groups", relabel_groups=(("social_workers", "children"),
                                                   ("therapists", "children")),
          description="groups other than the bundled ones (children)"),
    Shape("shape-no-double-coding", double_coding=False, description="no double coding"),
    Shape("shape-one-coder", coders=1, description="one coder"),
    Shape("shape-no-survey", survey=None, description="no parent survey"),
    Shape("shape-survey-closed", survey="closed", description="survey without open answers"),
    Shape("shape-no-ari-cp", instruments=("sdq", "obvl"), description="no ARI-CP"),
    Shape("shape-ari-cp-young", instruments=("sdq", "ari_cp"), ari_cp_ages=(2, 5),
          description="ARI-CP for the 2-5 year olds only"),
    Shape("shape-all-elevated", elevated="all", published_claims=True,
          description="every chain family elevated at T0 (with published claims)"),
    Shape("shape-none-elevated", elevated="none", description="no family elevated at T0"),
    Shape("shape-all-dropped-out", status="dropped_out", description="all dropped out"),
    Shape("shape-all-ongoing", status="ongoing", coding=False, survey=None,
          description="every trajectory ongoing (statuses only 'ongoing')"),
    Shape("shape-no-t1", timepoints=("T0",), description="nobody with T1"),
    Shape("shape-one-family", families=1, description="a single family"),
    Shape("shape-200-families", families=200, seed=5, description="200 families"),
    Shape("shape-t2", timepoints=("T0", "T1", "T2"), sdq_impact=True,
          description="T2 present, SDQ impact supplement"),
    Shape("shape-with-claims", published_claims=True, keep_sessions=(("focus_group", None),
                                                                     ("interview", None)),
          instruments=("sdq", "ari_cp"), ari_cp_ages=(2, 5),
          description="published claims of the handreiking on a cohort of another shape"),
    Shape("shape-trajectories-only", instruments=(), survey=None, coding=False,
          description="trajectories only"),
    Shape("shape-sdq-only-minimal", instruments=("sdq",), survey=None, coding=False,
          drop_columns=tuple(("trajectories.csv", c) for c in (
              "referral", "child_age", "child_sex", "indicated", "substituted",
              "placement_threat", "placement_averted")),
          description="SDQ only, trajectories without any optional column"),
    Shape("shape-export-names", export_names=True,
          description="an export with its own column names mapped in cohort.yaml"),
    Shape("shape-spss-labels", spss=True, description="an SPSS file with value labels"),
    Shape("shape-own-words", instruments=("sdq",), own_codes=True, qdpx=False,
          relabel_types=(("reflection", "focus_group"),),
          hypotheses=("Kinderen slapen beter wanneer de thuissituatie rustiger wordt.",),
          description="its own code tree and session types, another pilot's hypotheses, no "
                      "target, no ARI-CP"),
)
"""The shapes of the test matrix of issue 11 (``tests/test_shapes.py``)."""


def mapping_supported() -> bool:
    """Whether ``cohort.yaml`` may map exports onto the contract (a ``files`` setting).

    The ``export_names`` and ``spss`` shapes need it; without it they cannot validate.
    """
    from analysis.data.cohort import load_contract

    return any(spec.get("name") == "files" for spec in load_contract()["config"]["fields"])


def needs_mapping(shape: Shape) -> bool:
    """Whether ``shape`` writes exports under their own names (see :func:`mapping_supported`)."""
    return shape.export_names or shape.spss


def shape_named(name: str) -> Shape:
    """The catalogue's shape ``name``."""
    for shape in CATALOGUE:
        if shape.name == name:
            return shape
    raise ConfigError(f"no shape {name!r}; expected one of {[s.name for s in CATALOGUE]}")


def with_name(shape: Shape, name: str) -> Shape:
    """``shape`` under another cohort name (e.g. a test-only prefix)."""
    return replace(shape, name=name)
