"""Tables the notebooks hand on to each other, under ``data/processed/<cohort>/``.

The first notebook validates the raw exports once and writes the cleaned, typed tables here
(``validated/<table>.csv``) with a manifest (``validated/manifest.json``) holding the cohort's
settings and every column's dtype, so later notebooks read exactly the validated data without
touching ``data/raw`` again. CSV keeps the tables readable by people and other tools; the
manifest restores the types (dates, nullable booleans and integers, strings) on reading.

Writes are atomic and deterministic: the same cohort gives byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import paths
from analysis.atomic import write_csv_atomic, write_json_atomic
from analysis.errors import CompendiumError

VALIDATED = "validated"
MANIFEST = "manifest.json"


def validated_dir(cohort: str) -> Path:
    """Folder of the validated tables of ``cohort``."""
    return paths.processed_dir(cohort) / VALIDATED


def stage_dir(cohort: str, stage: str) -> Path:
    """Folder for the tables of one analysis strand (``questionnaires``, ``qualitative``, ...)."""
    return paths.processed_dir(cohort) / stage


def write_validated(loaded, cohort: str) -> Path:
    """Write the validated tables and settings of a loaded cohort (:class:`analysis.data.cohort.Cohort`).

    Writes ``validated/<table>.csv`` for every table present, ``validated/warnings.csv`` (the
    validation warnings) and ``validated/manifest.json`` (settings, dtypes). Returns the folder.
    """
    folder = validated_dir(cohort)
    dtypes: dict[str, dict[str, str]] = {}
    for name in sorted(loaded.tables):
        frame = loaded.tables[name]
        dtypes[name] = {col: str(dtype) for col, dtype in frame.dtypes.items()}
        write_csv_atomic(folder / f"{name}.csv", _for_csv(frame))
    warnings = pd.DataFrame(
        [{"file": w.file, "row": w.row, "column": w.column, "value": w.value,
          "expected": w.expected, "check": w.check} for w in loaded.warnings],
        columns=["file", "row", "column", "value", "expected", "check"],
    )
    write_csv_atomic(folder / "warnings.csv", warnings)
    manifest = {"config": config_record(loaded.config), "tables": dtypes}
    write_json_atomic(folder / MANIFEST, manifest)
    return folder


def config_record(config) -> dict[str, Any]:
    """The cohort settings as plain JSON values (no absolute paths)."""
    return {
        "name": config.name,
        "title": config.title,
        "municipality": config.municipality,
        "period_start": config.period_start.isoformat(),
        "period_end": config.period_end.isoformat(),
        "slots": int(config.slots),
        "synthetic": bool(config.synthetic),
        "organisation": getattr(config, "organisation", None),
        "publication": getattr(config, "publication", None),
        "substitution_target": (None if getattr(config, "substitution_target", None) is None
                                else float(config.substitution_target)),
        "hypotheses": list(getattr(config, "hypotheses", ())),
        "theme_level": int(getattr(config, "theme_level", 1) or 1),
        "positive_parent_code": getattr(config, "positive_parent_code", None),
        "tariffs": (Path(config.tariffs).relative_to(config.folder).as_posix()
                    if getattr(config, "tariffs", None) else None),  # relative to the folder
        "published_claims": config.published_claims.name if config.published_claims else None,
        "limits": dict(config.limits),
    }


def read_manifest(cohort: str) -> dict[str, Any]:
    """The manifest written by :func:`write_validated`.

    Raises
    ------
    CompendiumError
        When the validated tables have not been written yet (run notebook ``00_data`` first).
    """
    file = validated_dir(cohort) / MANIFEST
    if not file.is_file():
        raise CompendiumError(
            f"no validated data for cohort {cohort!r} in {paths.display(file.parent)}; "
            f"run first: python -m analysis run --cohort {cohort} --only 00_data"
        )
    return json.loads(file.read_text(encoding="utf-8"))


def read_config(cohort: str) -> dict[str, Any]:
    """The cohort settings as stored by the first notebook (see :func:`config_record`)."""
    return read_manifest(cohort)["config"]


def available_tables(cohort: str) -> list[str]:
    """Names of the validated tables present for ``cohort``."""
    return sorted(read_manifest(cohort)["tables"])


def read_validated(cohort: str, name: str) -> pd.DataFrame | None:
    """Validated table ``name`` of ``cohort`` with its dtypes restored; None when absent.

    ``float64`` columns are parsed as numbers by the CSV reader itself (four times faster
    than text then :func:`pandas.to_numeric`, same values: written as shortest round-trip
    text); every other column is read as text and converted by :func:`_restore`.
    """
    dtypes = read_manifest(cohort)["tables"].get(name)
    if dtypes is None:
        return None
    file = validated_dir(cohort) / f"{name}.csv"
    parse = {col: "float64" if kind == "float64" else str for col, kind in dtypes.items()}
    frame = pd.read_csv(file, dtype=parse, keep_default_na=False, na_values=[""])
    return _restore(frame, dtypes)


def read_warnings(cohort: str) -> pd.DataFrame:
    """The validation warnings written by :func:`write_validated`."""
    file = validated_dir(cohort) / "warnings.csv"
    return pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])


def write_table(frame: pd.DataFrame, cohort: str, stage: str, name: str) -> Path:
    """Write a result table to ``data/processed/<cohort>/<stage>/<name>.csv`` (atomic)."""
    return write_csv_atomic(stage_dir(cohort, stage) / f"{name}.csv", _for_csv(frame))


def read_table(cohort: str, stage: str, name: str) -> pd.DataFrame:
    """Read a result table written by :func:`write_table` (identifiers stay strings)."""
    file = stage_dir(cohort, stage) / f"{name}.csv"
    if not file.is_file():
        raise CompendiumError(f"{paths.display(file)} does not exist; run the notebook that "
                              f"writes it first (python -m analysis run --cohort {cohort})")
    return pd.read_csv(file, dtype={"family_id": str, "segment_id": str, "session_id": str})


def _for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text (no time part when there is none), so CSV bytes are stable.

    ``float64`` columns become the text pandas would write (:func:`_float_text`), faster.
    """
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").astype("string")
        elif out[col].dtype == np.float64:
            out[col] = pd.Series(_float_text(out[col].to_numpy()), index=out.index,
                                 dtype=object)
    return out


def _float_text(values: np.ndarray) -> np.ndarray:
    """Floats as the text ``to_csv`` writes (numpy's shortest repr, ``None`` for NaN).

    Whole numbers (most scores: ``2.0``) are formatted once per distinct value, the others
    by numpy: three times faster than formatting every value, same bytes.

    >>> _float_text(np.array([2.0, -0.0, 0.5, np.nan, 1e20])).tolist()
    ['2.0', '-0.0', '0.5', None, '1e+20']
    """
    out = np.full(values.size, None, dtype=object)
    finite = np.isfinite(values)
    whole = finite & (values == np.round(values)) & (np.abs(values) < 1e15)
    whole &= ~((values == 0) & np.signbit(values))
    distinct, position = np.unique(values[whole].astype(np.int64), return_inverse=True)
    out[whole] = np.array([f"{v}.0" for v in distinct.tolist()], dtype=object)[position]
    rest = ~whole & ~np.isnan(values)
    out[rest] = values[rest].astype(str).astype(object)
    return out


def _restore(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        kind = dtypes.get(col, "str")
        out[col] = _convert(frame[col], kind)
    return pd.DataFrame(out, index=frame.index)


def _convert(values: pd.Series, kind: str) -> pd.Series:
    if kind.startswith("datetime64"):
        return pd.to_datetime(values, format="%Y-%m-%d").astype(kind)
    if kind == "boolean":
        return values.map({"True": True, "False": False}).astype("boolean")
    if kind == "bool":
        return values.map({"True": True, "False": False}).astype(bool)
    if kind in ("Int64", "Float64", "float64", "int64"):
        return pd.to_numeric(values).astype(kind)
    return values.astype("str") if kind == "object" else values

