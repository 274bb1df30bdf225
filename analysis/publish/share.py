"""``python -m analysis share``: a zip of a cohort's publishable outputs, checked file by file.

The bundle holds only what is meant for publication: the findings document
(``reports/<cohort>/findings.html``), ``claims.csv``, ``key_numbers.json`` as published (through
:func:`analysis.publish.disclosure.publish_numbers`) and the figures of ``figures/<cohort>/``
except the per-family ones. The analysis notebooks' pages, the site and everything under
``data/processed/`` (internal, may hold raw text) are never in it.

Every file is searched by :func:`analysis.privacy.scanner.scan_file` in all the encodings it
carries text in (HTML, notebook JSON, base64 images, PNG text chunks, SVG text) for identifiers
(e-mail, phone, BSN, IBAN, handles), values the caller planted, formula cells and small cells.
A figure showing a group below the threshold is withheld from the bundle; anything else found
refuses the whole bundle. A findings document rendered in the default mode (its quotes carry the
"niet voor publicatie" mark) is refused too. ``disclosure_check.csv`` (output, rule, status,
reason; modelled on ACRO's summary for output checkers) is written in every case, next to the
zip in ``reports/<cohort>/``.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from analysis import paths
from analysis.atomic import write_bytes_atomic, write_csv_atomic, write_json_atomic
from analysis.privacy import scanner
from analysis.privacy.gate import NOT_FOR_PUBLICATION
from analysis.publish import disclosure

ZIP_NAME = "{cohort}_publicatie.zip"
CHECK_NAME = "disclosure_check.csv"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries get one timestamp: same content, same bytes


@dataclass
class ShareResult:
    """What :func:`share` did: the zip (None when refused), the check table and the failures."""

    zip_path: Path | None
    check_path: Path
    failures: list[scanner.ScanFailure] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.zip_path is None


def candidates(cohort: str) -> list[tuple[str, Path]]:
    """``(name in the bundle, file)`` of the publishable outputs of ``cohort``."""
    reports, figures = paths.reports_dir(cohort), paths.figures_dir(cohort)
    out = [(name, reports / name) for name in ("findings.html", "claims.csv", "key_numbers.json")
           if (reports / name).is_file()]
    if figures.is_dir():
        out += [(f"figures/{f.name}", f) for f in sorted(figures.iterdir())
                if f.suffix in (".png", ".svg")]
    return out


def share(cohort: str, *, threshold: int = disclosure.DEFAULT_THRESHOLD,
          planted: Iterable[str] = ()) -> ShareResult:
    """Check every publishable output of ``cohort`` and zip them, or refuse (see module doc)."""
    planted = list(planted)
    reports = paths.reports_dir(cohort)
    decisions: list[disclosure.Decision] = []
    failures: list[scanner.ScanFailure] = []
    withheld: list[str] = []
    files = candidates(cohort)
    if not any(name == "findings.html" for name, _ in files):
        failures.append(scanner.ScanFailure("findings.html", "missing",
                                            "no findings document: run the pipeline first"))
    per_family = set(disclosure.rules()["per_family_figures"])
    small_figures = {Path(name).stem for name, file in files if name.startswith("figures/")
                     and disclosure.figure_has_small_cells(file, threshold)}
    with tempfile.TemporaryDirectory(prefix="share-") as tmp:
        stage = Path(tmp)
        bundle: list[tuple[str, Path]] = []
        for name, source in files:
            target = stage / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if name == "key_numbers.json":
                numbers = json.loads(source.read_text(encoding="utf-8"))
                published, taken = disclosure.publish_numbers(numbers, threshold=threshold)
                decisions += taken
                write_json_atomic(target, {k: (str(v) if getattr(v, "suppressed", False) else v)
                                           for k, v in published.items()})
            else:
                shutil.copyfile(source, target)
            if Path(name).stem in per_family:
                withheld.append(name)
                decisions.append(disclosure.Decision(name, "per_family", "withheld",
                                                     "one mark per family"))
                continue
            if Path(name).stem in small_figures:
                withheld.append(name)
                decisions.append(disclosure.Decision(
                    name, "small_cell", "withheld",
                    f"the figure (or its SVG twin) shows a group of n < {threshold}"))
                continue
            found = scanner.scan_file(target, planted=planted, threshold=threshold,
                                      is_person_count=disclosure.is_person_count, label=name)
            if name.endswith(".csv"):
                found += [scanner.ScanFailure(name, "small_cell", r) for r in
                          scanner.csv_small_cells(target, threshold)]
            if name == "findings.html" and _default_mode(target):
                found.append(scanner.ScanFailure(
                    name, "publication_mode", "rendered in the default mode (quotes not "
                    "approved, counts not controlled): run with publication: true"))
            small_figure = name.startswith("figures/") and found and all(
                f.rule == "small_cell" for f in found)
            if small_figure:
                withheld.append(name)
                decisions.append(disclosure.Decision(name, "small_cell", "withheld",
                                                     found[0].reason))
                continue
            for failure in found:
                decisions.append(disclosure.Decision(name, failure.rule, "fail", failure.reason))
            failures += found
            if not found:
                decisions.append(disclosure.Decision(name, "scan", "pass",
                                                     "no identifier, formula cell or small cell"))
            bundle.append((name, target))
        decisions += [disclosure.Decision(f.file, f.rule, "fail", f.reason)
                      for f in failures if f.rule == "missing"]
        check = write_csv_atomic(reports / CHECK_NAME, disclosure.decisions_frame(decisions))
        zip_path = reports / ZIP_NAME.format(cohort=cohort)
        if failures:
            zip_path.unlink(missing_ok=True)
            return ShareResult(None, check, failures, withheld)
        bundle.append((CHECK_NAME, check))
        write_bytes_atomic(zip_path, _zip(bundle))
    return ShareResult(zip_path, check, [], withheld)


def _default_mode(findings_html: Path) -> bool:
    text = findings_html.read_text(encoding="utf-8", errors="replace")
    return NOT_FOR_PUBLICATION.strip("*")[:40] in text


def _zip(entries: list[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, file in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, file.read_bytes())
    return buffer.getvalue()
