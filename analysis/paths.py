"""Every path of the compendium, rooted at this file so code runs from any directory.

Pure :mod:`pathlib` constants and small functions of a cohort name; nothing is created or read
on import. Outputs are per cohort, so a new cohort never overwrites another:

=====================================  ==============================================
``data/raw/<cohort>/``                 read-only input (contract: ``data/raw/README.md``)
``data/processed/<cohort>/``           tables written by the notebooks
``figures/<cohort>/``                  PNG and SVG figures with provenance metadata
``reports/<cohort>/``                  executed notebooks, HTML, ``key_numbers.json``
=====================================  ==============================================
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT: Path = Path(__file__).resolve().parents[1]
"""Root of the compendium (the folder holding ``pyproject.toml``)."""

PACKAGE: Path = ROOT / "analysis"
DEFINITIONS: Path = PACKAGE / "definitions"
"""Declarative definitions: file schemas, cut-off schemes, tariffs, claim rules."""
INSTRUMENTS: Path = DEFINITIONS / "instruments"
"""Declarative questionnaire definitions (``*.yaml``)."""

DATA: Path = ROOT / "data"
RAW: Path = DATA / "raw"
PROCESSED: Path = DATA / "processed"
FIGURES: Path = ROOT / "figures"
REPORTS: Path = ROOT / "reports"
NOTEBOOKS: Path = ROOT / "notebooks"
PIPELINE_FILE: Path = NOTEBOOKS / "pipeline.yaml"
"""The notebook sequence: what each notebook reads and writes."""

DEFAULT_COHORT: str = "helmond-2023"
"""The bundled synthetic cohort, calibrated to the published handreiking."""


def raw_dir(cohort: str = DEFAULT_COHORT, raw_root: str | os.PathLike | None = None) -> Path:
    """Folder with the raw exports of ``cohort`` (``raw_root`` overrides ``data/raw``)."""
    return Path(raw_root) / cohort if raw_root is not None else RAW / cohort


def processed_dir(cohort: str = DEFAULT_COHORT) -> Path:
    """Folder for the tables the notebooks derive from ``cohort``."""
    return PROCESSED / cohort


def figures_dir(cohort: str = DEFAULT_COHORT) -> Path:
    """Folder for the figures of ``cohort``."""
    return FIGURES / cohort


def reports_dir(cohort: str = DEFAULT_COHORT) -> Path:
    """Folder for executed notebooks, HTML and key numbers of ``cohort``."""
    return REPORTS / cohort


def key_numbers_fragment(cohort: str, stage: str) -> Path:
    """JSON file with the key numbers one notebook (``stage``) computed for ``cohort``."""
    return processed_dir(cohort) / "key_numbers" / f"{stage}.json"


def key_numbers_path(cohort: str = DEFAULT_COHORT) -> Path:
    """The merged flat mapping name -> value that the findings document and tests read."""
    return reports_dir(cohort) / "key_numbers.json"


def findings_path(cohort: str = DEFAULT_COHORT) -> Path:
    """The rendered findings document of ``cohort``."""
    return reports_dir(cohort) / "findings.html"


def display(path: str | os.PathLike) -> str:
    """``path`` as shown to users and written to files: relative to :data:`ROOT` when inside it.

    Absolute machine paths never reach a committed file or a report; paths outside the
    compendium are reduced to their last two parts.

    >>> display(ROOT / "data" / "raw" / "x" / "sdq.csv")
    'data/raw/x/sdq.csv'
    >>> display("/somewhere/else/export/sdq.csv")
    '.../export/sdq.csv'
    """
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return ".../" + "/".join(p.parts[-2:])
