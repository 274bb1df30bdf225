"""Where a key number comes from: ``python -m analysis explain KEY [--cohort NAME]``.

Some key names are built from the data (``<session_type>_sessions_n``, ``sdq_<scale>_...``), so
a text search for the name finds nothing in the package. This module answers from the run
instead: the Dutch label, the value in the last run, the notebook and cell that recorded it
(with the link to that cell on the findings site) and the package functions that cell calls
(:func:`analysis.report.site.called_functions`), the place to read the code.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.errors import CompendiumError


@dataclass(frozen=True)
class Explanation:
    """What is known about one key number of one cohort's last run."""

    key: str
    cohort: str
    label: str
    value: Any
    notebook: str | None
    cell: int | None
    page: str | None
    functions: tuple[tuple[str, str, str], ...]

    def text(self) -> str:
        """The explanation as printed by the command (Dutch, one fact per line)."""
        from analysis.report.labels import format_key_number

        lines = [f"{self.key}: {self.label}",
                 f"  waarde in de laatste run van {self.cohort}: {format_key_number(self.value)}"
                 + (f" ({self.value!r})" if isinstance(self.value, float) else "")]
        if self.notebook is None:
            lines.append("  vastgelegd in: onbekend (de run legde geen cel vast voor dit getal)")
            return "\n".join(lines)
        lines.append(f"  vastgelegd in: notebook {self.notebook}, cel {self.cell}")
        if self.page:
            lines.append(f"  pagina: {self.page}")
        if self.functions:
            lines.append("  functies uit het pakket in die cel:")
            lines += [f"    {name}{signature}" + (f"\n      {doc}" if doc else "")
                      for name, signature, doc in self.functions]
        else:
            lines.append("  functies uit het pakket in die cel: geen gevonden")
        return "\n".join(lines)


def explain(key: str, cohort: str = paths.DEFAULT_COHORT, *,
            root: str | os.PathLike | None = None) -> Explanation:
    """Where key number ``key`` of ``cohort``'s last run was recorded, and by which code.

    Raises
    ------
    CompendiumError
        The cohort has not been run (no ``reports/<cohort>/key_numbers.json``), or the run has
        no key number ``key`` (the message suggests close names).
    """
    from analysis.report import keynumbers
    from analysis.report.labels import label_nl

    base = Path(root) if root is not None else paths.ROOT
    reports = base / paths.reports_dir(cohort).relative_to(paths.ROOT)
    numbers = _load(reports / "key_numbers.json", cohort)
    if key not in numbers:
        close = difflib.get_close_matches(key, list(numbers), n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CompendiumError(f"the last run of cohort {cohort!r} has no key number {key!r}"
                              f"{hint} (all names: {paths.display(reports / 'key_numbers.json')})")
    where = keynumbers.read_sources(cohort, root=root).get(key)
    notebook, cell = where if where else (None, None)
    page, functions = None, ()
    if where:
        html_page = reports / f"{notebook}.html"
        page = f"{paths.display(html_page)}#cel-{cell}" if html_page.is_file() else None
        functions = _functions_of(reports / f"{notebook}.ipynb", cell)
    return Explanation(key, cohort, label_nl(key), numbers[key], notebook, cell, page, functions)


def _load(file: Path, cohort: str) -> dict[str, Any]:
    try:
        numbers = json.loads(file.read_text(encoding="utf-8"))
    except OSError:
        raise CompendiumError(f"cohort {cohort!r} has not been run: {paths.display(file)} does "
                              f"not exist; run `python -m analysis run --cohort {cohort}` "
                              "first") from None
    except ValueError as error:
        raise CompendiumError(f"cannot read {paths.display(file)}: {error}") from error
    return numbers if isinstance(numbers, dict) else {}


def _functions_of(executed: Path, position: int) -> tuple[tuple[str, str, str], ...]:
    """The package functions called by the cell at ``position`` of an executed notebook."""
    import nbformat

    from analysis.report.site import called_functions, cell_positions

    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return ()
    cell_id = next((c for c, p in cell_positions(nb).items() if p == position), None)
    return tuple(called_functions(nb).get(cell_id, [])) if cell_id else ()
