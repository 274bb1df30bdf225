"""Exceptions of the compendium.

Every error a user can cause (bad input, a missing file, a wrong parameter) is a
:class:`CompendiumError`; the command line prints its message as one paragraph and exits with
code 2, without a traceback. Messages say what is wrong, where (file, row as seen in a
spreadsheet with the header as row 1, column) and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass


class CompendiumError(Exception):
    """Base class for errors a user can cause and fix."""


class ConfigError(CompendiumError):
    """A parameter, definition or ``cohort.yaml`` value is wrong."""


@dataclass
class Problem:
    """One problem found in the input.

    Attributes
    ----------
    file : str
        File name as the user knows it (relative, never an absolute machine path).
    row : int or None
        Row as the user sees it in a spreadsheet: the header is row 1, the first data row 2.
    column : str or None
        Column name.
    value : str or None
        The offending value, shortened for display.
    expected : str
        What was expected instead.
    severity : str
        ``"error"`` (stops the pipeline) or ``"warning"`` (listed in the reports).
    check : str
        Short machine-readable name of the check that found it.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"
    check: str = ""

    def format(self) -> str:
        """One line: ``file, row R, column C: value 'V'; expected ...``."""
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        text = ", ".join(where) + ": "
        if self.value is not None:
            shown = str(self.value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            text += f"value {shown!r}; "
        return text + f"expected {self.expected}"


class DataError(CompendiumError):
    """Raw input that breaks the data contract; carries the list of :class:`Problem`."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])
