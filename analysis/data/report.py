"""The report of a validation: problems by file and check, counts, the tables found.

:class:`ValidationReport` is what :func:`analysis.data.validate.validate_cohort` returns; it is
re-exported there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.data.cohort import CohortConfig
from analysis.errors import Problem

MAX_LISTED: int = 20
"""Problems listed per file and check; the rest are counted (:attr:`ValidationReport.counts`)."""


@dataclass
class FileSummary:
    """What was found for one contract file: the export read (``source``) and its row count."""

    name: str
    source: str | None = None
    rows: int | None = None


@dataclass
class ValidationReport:
    """Result of :func:`validate_cohort`.

    Attributes
    ----------
    cohort : str
        The cohort folder as displayed (relative path).
    errors, warnings : list of Problem
        Problems listed, at most :data:`MAX_LISTED` per file and check.
    counts : dict
        ``(file, check, severity) -> number of problems`` including those not listed.
    tables : dict of str to DataFrame
        Cleaned, typed tables by file stem (``trajectories``, ``sdq``, ``sessions``, ...);
        values that failed a check are missing. Index: data-row position, spreadsheet row =
        index + 2.
    files : dict of str to FileSummary
        Every contract file by name, read or absent.
    raw : dict of str to DataFrame
        The tables as read by :func:`analysis.data.io.read_table` (same keys as ``tables``).
    config : CohortConfig
        The cohort settings.
    """

    cohort: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, FileSummary] = field(default_factory=dict)
    config: CohortConfig | None = None
    raw: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def n_errors(self) -> int:
        """Number of errors, listed or not."""
        return sum(n for (_f, _c, sev), n in self.counts.items() if sev == "error")

    @property
    def n_warnings(self) -> int:
        """Number of warnings, listed or not."""
        return sum(n for (_f, _c, sev), n in self.counts.items() if sev == "warning")

    def add(self, problem: Problem) -> None:
        """Record ``problem`` (listed while its file and check have fewer than MAX_LISTED)."""
        key = (problem.file, problem.check, problem.severity)
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] <= MAX_LISTED:
            (self.errors if problem.severity == "error" else self.warnings).append(problem)

    def format(self, *, errors_only: bool = False) -> str:
        """A readable report: a summary per file, then the problems, then omitted counts."""
        lines = [f"Validation of cohort {self.cohort}: {_plural(self.n_errors, 'error')}, "
                 f"{_plural(self.n_warnings, 'warning')}"]
        if not errors_only:
            width = max([28, *(len(s.source or n) + 2 for n, s in self.files.items())])
            lines += ["", f"{'file':<{width}}{'rows':>9}{'errors':>9}{'warnings':>10}"]
            for name, summary in self.files.items():
                shown = summary.source or name
                if summary.source is None and name != "cohort.yaml":
                    lines.append(f"{shown:<{width}}{'absent':>9}")
                    continue
                rows = "-" if summary.rows is None else f"{summary.rows:,}"
                lines.append(f"{shown:<{width}}{rows:>9}{self._count(shown, 'error'):>9}"
                             f"{self._count(shown, 'warning'):>10}")
        sections = [("error", "Errors (the pipeline stops until they are fixed)", self.errors)]
        if not errors_only:
            sections.append(("warning", "Warnings (listed in the reports)", self.warnings))
        for severity, title, problems in sections:
            if problems:
                lines += ["", title + ":"] + [f"  {p.format()}" for p in _by_row(problems)]
                lines += self._omitted(severity)
        if not errors_only and not self.n_errors:
            lines += ["", "No errors: the cohort follows the data contract."]
        return "\n".join(lines)

    def format_nl(self) -> str:
        """The report in Dutch, as the notebooks show it to a reader (:meth:`format` is the
        command line's English): a summary per file given (optional files not given are
        counted, not named: they would name instruments the cohort did not use), then the
        problems (their messages as the checks word them, in English, with file, row and
        column), then omitted counts.

        >>> print(ValidationReport(cohort="data/raw/demo").format_nl())
        Validatie van cohort demo: 0 fouten, 0 waarschuwingen
        <BLANKLINE>
        bestand                         rijen   fouten  waarschuwingen
        <BLANKLINE>
        Geen fouten: het cohort volgt het datacontract.
        """
        def count(n: int, one: str, many: str) -> str:
            return f"{_grouped(n)} {one if n == 1 else many}"

        lines = [f"Validatie van cohort {Path(str(self.cohort)).name}: "  # a name, no path
                 f"{count(self.n_errors, 'fout', 'fouten')}, "
                 f"{count(self.n_warnings, 'waarschuwing', 'waarschuwingen')}"]
        width = max([28, *(len(s.source or n) + 2 for n, s in self.files.items())])
        lines += ["", f"{'bestand':<{width}}{'rijen':>9}{'fouten':>9}{'waarschuwingen':>16}"]
        absent = 0  # not named: an optional file per instrument the cohort did not use
        for name, summary in self.files.items():
            shown = summary.source or name
            if summary.source is None and name != "cohort.yaml":
                absent += 1
                continue
            rows = "-" if summary.rows is None else _grouped(summary.rows)
            label = shown.replace(" (all exports)", " (alle exports)")
            lines.append(f"{label:<{width}}{rows:>9}{self._count(shown, 'error'):>9}"
                         f"{self._count(shown, 'warning'):>16}")
        if absent:
            lines.append(f"(niet aangeleverd: {absent} optionele "
                         f"{'bestand' if absent == 1 else 'bestanden'} uit het datacontract)")
        sections = [("error", "Fouten (de analyse stopt tot ze zijn opgelost)", self.errors),
                    ("warning", "Waarschuwingen (ook in de rapporten vermeld)", self.warnings)]
        for severity, title, problems in sections:
            if problems:
                lines += ["", title + ":"] + [f"  {p.format()}" for p in _by_row(problems)]
                lines += [f"  ... en nog {count(n - MAX_LISTED, 'melding', 'meldingen')} van de "
                          f"controle '{check}' in {file}" for (file, check, sev), n
                          in self.counts.items() if sev == severity and n > MAX_LISTED]
        if not self.n_errors:
            lines += ["", "Geen fouten: het cohort volgt het datacontract."]
        return "\n".join(lines)

    def _count(self, file: str, severity: str) -> int:
        return sum(n for (f, _c, s), n in self.counts.items() if f == file and s == severity)

    def _omitted(self, severity: str) -> list[str]:
        return [f"  ... and {n - MAX_LISTED:,} more {check} {severity}s in {file}"
                for (file, check, sev), n in self.counts.items()
                if sev == severity and n > MAX_LISTED]


def _by_row(problems: list[Problem]) -> list[Problem]:
    """``problems`` grouped by file (in order of appearance), then by row; stable otherwise."""
    order = {file: i for i, file in enumerate(dict.fromkeys(p.file for p in problems))}
    return sorted(problems, key=lambda p: (order[p.file], p.row or 0))


def _grouped(n: int) -> str:
    """``n`` with Dutch digit grouping (a space from 10 000, as the Taalunie writes it)."""
    return f"{n:,}".replace(",", " ") if n >= 10_000 else str(n)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"
