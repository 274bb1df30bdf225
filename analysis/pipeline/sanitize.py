"""Removing machine paths and timestamps from executed notebooks.

What is sanitised in every executed notebook the pipeline stores (``reports/<cohort>/*.ipynb``,
and so the HTML rendered from it):

* ``metadata.papermill``: ``input_path``/``output_path`` become paths relative to the project
  root; ``start_time``, ``end_time`` and ``duration`` are removed; string ``parameters`` are
  scrubbed (below).
* the injected-parameters cell gets the fixed id ``injected-parameters`` (papermill's is random).
* every cell: ``metadata.papermill`` loses ``start_time``, ``end_time`` and ``duration`` (the
  ``status`` and ``exception`` flags stay); nbclient's ``metadata.execution`` timings are removed.
* cell sources (papermill's injected-parameters cell holds ``raw_root``) and outputs: stream
  text, every text-like ``data`` entry (``text/plain``, ``text/html``, ``text/markdown``, ...)
  and error ``evalue``/``traceback`` are scrubbed: the project root prefix is dropped (paths
  become relative), a raw folder outside the project is shown as ``.../parent/name``, the
  Python installation (``sys.prefix`` and ``sys.base_prefix``) as ``<python>`` and the home
  folder as ``~``. Images and JSON outputs are left alone.

Notebooks copied back into ``notebooks/`` (``--update-notebooks``) are the *source* notebook
with the executed outputs and execution counts: no injected-parameters cell, no papermill
metadata at all, the source's own notebook metadata.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

INJECTED_TAG = "injected-parameters"
_TIMING_KEYS = ("start_time", "end_time", "duration")


class Scrubber:
    """Replace machine-specific path prefixes in text.

    Parameters
    ----------
    root : Path
        Project root; ``root/`` is removed, a bare ``root`` becomes ``.``.
    extra : dict, optional
        Further ``absolute prefix -> replacement`` pairs (e.g. a raw folder outside ``root``).
    """

    def __init__(self, root: Path, extra: dict[str, str] | None = None):
        pairs = dict(extra or {})
        for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
            pairs.setdefault(prefix.rstrip("/") + "/", "<python>/")
        home = str(Path.home())
        if home not in ("/", ""):
            pairs.setdefault(home.rstrip("/") + "/", "~/")
        for base in {str(root), str(Path(root).resolve())}:
            pairs[base.rstrip("/") + "/"] = ""
            pairs[base.rstrip("/")] = "."
        # longest prefix first, so the project root wins over the home folder holding it;
        # a prefix without a trailing '/' must end at a name boundary (root2 is not root)
        ordered = sorted(pairs, key=len, reverse=True)
        self._replacements = pairs
        self._pattern = re.compile("|".join(
            re.escape(p) + ("" if p.endswith("/") else r"(?![\w.\-])") for p in ordered
        ))

    def text(self, text: str) -> str:
        """``text`` with every known prefix replaced."""
        return self._pattern.sub(lambda m: self._replacements[m.group(0)], text)

    def value(self, value: Any) -> Any:
        """Scrub strings inside lists and dicts too."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value


def sanitize_executed(nb: Any, scrub: Scrubber, *, input_path: str, output_path: str) -> Any:
    """Sanitise an executed notebook in place (see the module docstring) and return it."""
    meta = nb.get("metadata", {}).get("papermill")
    if isinstance(meta, dict):
        for key in _TIMING_KEYS:
            meta.pop(key, None)
        meta["input_path"], meta["output_path"] = input_path, output_path
        if isinstance(meta.get("parameters"), dict):
            meta["parameters"] = scrub.value(meta["parameters"])
    for cell in nb.get("cells", []):
        cell_meta = cell.get("metadata", {})
        if INJECTED_TAG in (cell_meta.get("tags") or []) and "id" in cell:
            cell["id"] = INJECTED_TAG  # papermill gives it a random id
        cell_meta.pop("execution", None)
        if isinstance(cell_meta.get("papermill"), dict):
            for key in _TIMING_KEYS:
                cell_meta["papermill"].pop(key, None)
        cell["source"] = scrub.value(cell.get("source", ""))
        for output in cell.get("outputs", []) or []:
            _scrub_output(output, scrub)
    return nb


def _scrub_output(output: Any, scrub: Scrubber) -> None:
    if "text" in output:
        output["text"] = scrub.value(output["text"])
    for key in ("evalue", "traceback"):
        if key in output:
            output[key] = scrub.value(output[key])
    data = output.get("data") or {}
    for mime in list(data):
        if mime.startswith("text/") or mime in ("application/javascript", "image/svg+xml"):
            data[mime] = scrub.value(data[mime])


def injected_index(nb: Any) -> int | None:
    """Index of papermill's injected-parameters cell, or ``None``."""
    for index, cell in enumerate(nb.get("cells", [])):
        if INJECTED_TAG in (cell.get("metadata", {}).get("tags") or []):
            return index
    return None


def source_position(nb: Any, index: int) -> int | None:
    """1-based position in the source notebook of executed cell ``index`` (None: injected)."""
    injected = injected_index(nb)
    if injected is None or index < injected:
        return index + 1
    return None if index == injected else index


def with_outputs(source: Any, executed: Any) -> Any | None:
    """The source notebook carrying ``executed``'s outputs, or ``None`` if cells differ.

    The injected-parameters cell is dropped; cells are matched by position and must have the
    same type and source, so a notebook edited during the run is not overwritten.
    """
    cells = [c for i, c in enumerate(executed.get("cells", [])) if i != injected_index(executed)]
    if len(cells) != len(source.get("cells", [])):
        return None
    for mine, theirs in zip(source["cells"], cells):
        if mine.get("cell_type") != theirs.get("cell_type") or _joined(mine) != _joined(theirs):
            return None
        if mine.get("cell_type") == "code":
            mine["outputs"] = theirs.get("outputs", [])
            mine["execution_count"] = theirs.get("execution_count")
        for key in ("papermill", "execution"):
            mine.get("metadata", {}).pop(key, None)
    source.get("metadata", {}).pop("papermill", None)
    return source


def _joined(cell: Any) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)
