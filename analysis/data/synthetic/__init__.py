"""Synthetic cohorts in the raw data contract, calibrated for ``helmond-2023``.

The real data of the Helmond pilot concern minors in youth care and are confidential, so the
compendium ships a synthetic cohort generated here. For ``helmond-2023`` (22 families, default
seed 2023) the full analysis reproduces every published number of the handreiking (Sociale
Teams Helmond, 2024); every other name gives a cohort of any size in the same contract.

Public API
----------
:func:`generate_cohort`
    Every file of a cohort as in-memory objects (``DataFrame``, text or bytes), keyed by the
    path relative to the cohort folder.
:func:`write_cohort`
    Write them to ``data/raw/<cohort>/`` (or ``raw_root/<cohort>/``) and return the folder.

What is calibrated and what is free
-----------------------------------
* Calibrated (``helmond-2023`` only, by construction, for any seed): the roles in
  :mod:`analysis.data.synthetic.calibration` (who has which questionnaires, who is elevated, high on
  disorganized, improves), staff and dosage counts, substitution, placement threats, the
  case-story girl :data:`CASE_STORY_FAMILY` (``F07``), the qualitative sessions and their sizes,
  11 survey respondents.
* Free (seeded): exact scores within a role's range, item answers, dates, ages, survey answers,
  which segments are double-coded. The latent model of other cohorts is in
  :mod:`analysis.data.synthetic.latent`; ``obvl.csv`` (parenting stress) is written for those only.
* Planted personal data (fake, for the privacy guard): see :mod:`analysis.data.synthetic.survey`.

Determinism: each component draws from its own stream of the seed
(:func:`analysis.data.synthetic.cohort.rng_for`); tables are sorted by family and moment, floats are
written with fixed formats, text with ``\\n`` line ends, and the REFI-QDA zip has fixed GUIDs
and timestamps. Regenerating gives byte-identical files.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from analysis import paths
from analysis.data import io
from analysis.data.synthetic import (
    calibration,
    latent,
    qualitative,
    questionnaires,
    survey,
)
from analysis.data.synthetic import families as family_tables
from analysis.data.synthetic.calibration import CASE_STORY_FAMILY
from analysis.data.synthetic.cohort import HELMOND, cohort_meta, cohort_yaml, rng_for
from analysis.data.synthetic.serialise import csv_bytes
from analysis.errors import ConfigError

__all__ = ["CASE_STORY_FAMILY", "HELMOND", "generate_cohort", "write_cohort"]

CLAIMS_FILE: Path = paths.DEFINITIONS / "published_claims_helmond_2023.csv"
"""The package's copy of the published claims, copied into the calibrated cohort folder."""


def generate_cohort(cohort: str, *, families: int, seed: int) -> dict[str, object]:
    """All files of a synthetic cohort, in memory.

    Parameters
    ----------
    cohort : str
        Cohort name; ``"helmond-2023"`` gives the calibrated cohort (``families`` must be 22).
    families : int
        Number of family trajectories (vectorised: 100,000 is fine).
    seed : int
        Random seed; the committed ``helmond-2023`` uses 2023.

    Returns
    -------
    dict
        Relative path -> ``pandas.DataFrame`` (CSV), ``str`` (UTF-8 text) or ``bytes``.
    """
    meta = cohort_meta(cohort, families)
    helmond = cohort == HELMOND
    if helmond:
        traj = calibration.helmond_trajectories(rng_for(seed, "trajectories"))
        moments = calibration.helmond_moments(traj, rng_for(seed, "moments"))
    else:
        traj = family_tables.generic_trajectories(families, rng_for(seed, "trajectories"), meta.period)
        moments = latent.generic_moments(traj, rng_for(seed, "moments"))
    files: dict[str, object] = {"cohort.yaml": cohort_yaml(meta)}
    if helmond:
        files["published_claims.csv"] = CLAIMS_FILE.read_bytes()
    files["trajectories.csv"] = traj
    files.update(_questionnaires(moments, traj, seed, calibrated=helmond))
    files.update(survey.survey_files(traj, rng_for(seed, "survey"), calibrated=helmond,
                                     period_end=meta.period.end))
    files.update(qualitative.coding_files(traj, rng_for(seed, "qualitative"), seed=seed,
                                          parent_answers=files["parent_survey.csv"],
                                          period=meta.period))
    return files


def _questionnaires(moments: pd.DataFrame, traj: pd.DataFrame, seed: int, *, calibrated: bool):
    """SDQ, ARI-CP and (other cohorts only) OBVL tables, sorted by family and moment.

    The calibrated cohort gets exactly 3 SDQ rows with one and 1 with two missing items and 2
    ARI-CP rows with missing items; other cohorts get them at the rates of
    :mod:`analysis.data.synthetic.questionnaires`.
    """
    moments = moments.sort_values(["family_index", "timepoint"], kind="stable").reset_index(drop=True)
    n = len(traj)
    pers = rng_for(seed, "persistent")
    out = {
        "sdq.csv": questionnaires.sdq_table(moments, rng_for(seed, "sdq"), pers.normal(0, 0.4, (n, 25)),
                                            missing_rows=(3, 1) if calibrated else None),
        "ari_cp.csv": questionnaires.ari_table(moments, rng_for(seed, "ari_cp"),
                                               pers.normal(0, 0.5, (n, 48)),
                                               missing_rows=2 if calibrated else None),
    }
    if not calibrated:
        out["obvl.csv"] = questionnaires.obvl_table(moments, rng_for(seed, "obvl"),
                                                    pers.normal(0, 0.5, (n, questionnaires.OBVL_ITEMS)))
    return out


def write_cohort(cohort: str, *, families: int, seed: int,
                 raw_root: str | os.PathLike | None = None) -> Path:
    """Generate cohort ``cohort`` and write it to ``raw_root/<cohort>/`` (default ``data/raw``).

    Files are written atomically (:mod:`analysis.data.io`), tables as CSV by
    :func:`analysis.data.synthetic.serialise.csv_bytes` (the bytes of ``DataFrame.to_csv``, faster); files of the folder that the generator
    does not write are left alone. Refuses to write into a folder whose ``cohort.yaml`` says
    ``synthetic: false`` (real data are never overwritten).

    Returns
    -------
    pathlib.Path
        The cohort folder.
    """
    folder = paths.raw_dir(cohort, raw_root)
    _refuse_real_data(folder)
    write_files(folder, generate_cohort(cohort, families=families, seed=seed))
    return folder


def write_files(folder: Path, files: dict[str, object]) -> None:
    """Write a cohort's files (relative path -> table, bytes or text) into ``folder``,
    each atomically; tables as the contract's CSV (:func:`serialise.csv_bytes`)."""
    for rel, content in files.items():
        target = folder / rel
        if isinstance(content, pd.DataFrame):
            io.write_bytes_atomic(target, csv_bytes(content))
        elif isinstance(content, bytes):
            io.write_bytes_atomic(target, content)
        else:
            io.write_text_atomic(target, str(content))


def _refuse_real_data(folder: Path) -> None:
    meta_file = folder / "cohort.yaml"
    if not meta_file.is_file():
        return
    try:
        meta = yaml.safe_load(meta_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        meta = {}
    if not (isinstance(meta, dict) and meta.get("synthetic") is True):
        raise ConfigError(f"{paths.display(meta_file)} does not say 'synthetic: true': refusing to "
                          "overwrite what may be real data; choose another cohort name or --raw-dir")
