"""What every notebook needs, in one object, so notebook cells read like sentences.

>>> ctx = start("helmond-2023", "01_questionnaires")        # doctest: +SKIP
>>> ctx.banner()                                            # doctest: +SKIP
>>> sdq = ctx.table("sdq")                                  # doctest: +SKIP
>>> ctx.save_figure(drawn, "questionnaires_sdq_lines", "SDQ per gezin.") # doctest: +SKIP
>>> ctx.record(analysis_set_n=14)                           # doctest: +SKIP
>>> ctx.write_key_numbers()                                 # doctest: +SKIP

The context knows the cohort, the notebook's name and whether the data are synthetic; it saves
figures with their provenance and the table behind their marks
(:func:`analysis.report.provenance.save_figure`), collects the notebook's key numbers and writes
them as one fragment (:mod:`analysis.report.keynumbers`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from analysis import paths
from analysis.data import processed
from analysis.report import keynumbers, provenance
from analysis.report.figures.style import banner_html


@dataclass
class NotebookContext:
    """State of one notebook run: cohort, settings, figures saved and key numbers recorded."""

    cohort: str
    notebook: str
    config: dict[str, Any]
    raw_root: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    figures: list[provenance.FigureRecord] = field(default_factory=list)
    _inputs_hash: str | None = None
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def synthetic(self) -> bool:
        """Whether the cohort's ``cohort.yaml`` says its data are synthetic."""
        return bool(self.config.get("synthetic", False))

    @property
    def inputs_hash(self) -> str:
        """Short content hash of the cohort's raw folder (computed once per notebook)."""
        if self._inputs_hash is None:
            self._inputs_hash = provenance.input_hash(self.cohort, self.raw_root)
        return self._inputs_hash

    def table(self, name: str):
        """Validated table ``name`` (e.g. ``"sdq"``); None when the cohort has no such file.

        Read once per notebook; every call returns a fresh copy (a large table takes seconds
        to read, a copy a fraction of that).
        """
        if name not in self._tables:
            self._tables[name] = processed.read_validated(self.cohort, name)
        table = self._tables[name]
        return None if table is None else table.copy()

    @property
    def notebook_file(self) -> Path:
        """The notebook file this context runs in, whose cell positions captions and key
        numbers name: the pipeline's (``COMPENDIUM_NOTEBOOK_FILE``), else ``notebooks/<name>``
        (JupyterLab, nbval)."""
        return Path(os.environ.get("COMPENDIUM_NOTEBOOK_FILE")
                    or paths.NOTEBOOKS / f"{self.notebook}.ipynb")

    def banner(self):
        """The synthetic-data banner as Markdown (empty for real data)."""
        from IPython.display import Markdown

        if not self.synthetic:
            return Markdown("")
        return Markdown(banner_html())

    def save_figure(self, drawn, name: str, caption: str) -> provenance.FigureRecord:
        """Save a figure as PNG and SVG with provenance, and its marks table; close it and
        return its record.

        ``drawn`` is what the figure functions of :mod:`analysis.report.figures` return (a
        :class:`~analysis.report.figures.drawn.Drawn`: the Figure and the table behind its
        marks). A bare matplotlib Figure is saved too but recorded as undeclared: it is never
        published. The record displays as the figure with its Dutch caption and provenance
        line.
        """
        import matplotlib.pyplot as plt

        from analysis.report.figures.drawn import as_drawn

        figure, _ = as_drawn(drawn)
        record = provenance.save_figure(
            drawn, name, cohort=self.cohort, notebook=self.notebook, synthetic=self.synthetic,
            caption=caption, inputs_hash=self.inputs_hash, cell=provenance.current_cell(self.notebook_file),
        )
        plt.close(figure)
        self.figures.append(record)
        return record

    def record(self, numbers: Mapping[str, Any] | None = None, **more: Any) -> dict[str, Any]:
        """Add key numbers (name -> value); returns the ones just added, for display.

        Beside each key it keeps where the number was computed, for the site's links: the cell
        that called the package function declaring the key (:func:`analysis.origin.origin_of`:
        ``{"cell": N, "function": ..., "via": ..., "recorded": M}``); a key no called function
        declares is placed at this cell (``function`` None).
        """
        from analysis import origin

        added = dict(numbers or {}, **more)
        self.numbers.update(added)
        cell = provenance.current_cell(self.notebook_file)  # "cel N", or None outside a notebook
        recorded = int(cell.split()[-1]) if cell is not None else None
        for key in added:
            call = origin.origin_of(key)
            position = (provenance.cell_position(self.notebook_file, call.source)
                        if call is not None and call.source is not None else None)
            if position is not None:
                self.sources[key] = {"cell": position, "function": call.function,
                                     "via": call.via, "recorded": recorded}
            elif recorded is not None:
                self.sources[key] = {"cell": recorded, "function": None, "via": None,
                                     "recorded": recorded}
        return added

    def write_key_numbers(self) -> str:
        """Write the recorded key numbers as this notebook's fragment; returns its display path."""
        path = keynumbers.write_fragment(self.numbers, cohort=self.cohort, stage=self.notebook)
        keynumbers.write_sources(self.sources, cohort=self.cohort, stage=self.notebook)
        return paths.display(path)


def start(cohort: str, notebook: str, *, raw_root: str | os.PathLike | None = None,
          config: Mapping[str, Any] | None = None) -> NotebookContext:
    """Context for ``notebook`` on ``cohort``.

    ``config`` is the cohort's settings; when omitted it is read from the validated data that
    notebook ``00_data`` wrote (:func:`analysis.data.processed.read_config`).
    """
    settings = dict(config) if config is not None else processed.read_config(cohort)
    root = None if raw_root is None else str(raw_root)
    return NotebookContext(cohort=cohort, notebook=notebook, config=settings, raw_root=root)
