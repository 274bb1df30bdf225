"""``python -m analysis share``: the published folder as one zip, scanned file by file.

:func:`share` zips ``reports/<cohort>/publicatie/`` and nothing else: the folder the publish
stage renders from the published set (:mod:`analysis.publish.render`). It

1. holds the cohort's run lock (:mod:`analysis.pipeline.lock`) from start to end, so no run or
   publish changes the folder while it is read;
2. takes one threshold: ``--threshold T``, else the one the published folder was made at,
   else 5. When the folder is missing, was made at another threshold or from another run (or
   raw data that changed since), the publish stage renders it again at ``T`` first (and
   refuses, exit 2, when the run itself is incomplete or stale), so the zip, its document and
   its ``disclosure_check.csv`` always state the same threshold;
3. scans every file again with :func:`analysis.publish.render.check_folder` (identifiers and
   names through the scanner, the caller's planted values, formula cells, small cells, safe
   file names), runs the attacker on the published key numbers
   (:func:`analysis.publish.attack.audit`: a hidden count that can be worked out refuses the
   bundle), replaces the scan rows of ``disclosure_check.csv`` and refuses the bundle when
   anything is found, never echoing a found value;
4. writes ``reports/<cohort>/<cohort>_publicatie.zip`` (members: the folder's files under their
   own safe names, one fixed timestamp, so the same folder gives the same bytes).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from analysis import paths
from analysis.atomic import write_bytes_atomic
from analysis.privacy import scanner
from analysis.publish import render

CHECK_NAME = render.CHECK
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entries get one timestamp: same content, same bytes


@dataclass
class ShareResult:
    """What :func:`share` did: the zip (None when refused), the check table, the threshold,
    the failures (never a value), the withheld figures and whether it published again."""

    zip_path: Path | None
    check_path: Path
    threshold: int
    failures: list[scanner.ScanFailure] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    republished: str = ""

    @property
    def refused(self) -> bool:
        return self.zip_path is None


def share(cohort: str, *, threshold: int | None = None, planted: Iterable[str] = (),
          raw_root: str | Path | None = None, root: str | Path = paths.ROOT,
          notebooks_dir: str | Path = paths.NOTEBOOKS,
          say: Callable[[str], Any] = print) -> ShareResult:
    """Check the published folder of ``cohort`` and zip it, or refuse (see the module doc).

    Raises
    ------
    analysis.publish.render.PublicationRefused
        The folder had to be published again and the run is not complete and current.
    analysis.pipeline.lock.CohortBusy
        A run of the cohort is in progress.
    """
    from analysis.pipeline.lock import CohortLock

    reports = render.published_dir(cohort, root=root).parent
    with CohortLock(reports, cohort, shown=paths.display(reports / ".run.lock"), say=say):
        made_at = (render.read_manifest(cohort, root=root) or {}).get("threshold")
        threshold = render.check_threshold(render.default_threshold(cohort, root=root)
                                           if threshold is None else threshold)
        why = _republish_reason(cohort, threshold, made_at, raw_root, root)
        if why:
            say(f"{why}; rendering it at threshold {threshold} first")
            render.publish(cohort, threshold=threshold, raw_root=raw_root, root=root,
                           notebooks_dir=notebooks_dir, say=say, locked=False)
        folder = render.published_dir(cohort, root=root)
        recovered = render.audit_folder(folder, _run_numbers(cohort, root), threshold=threshold)
        rows, failures = render.seal(folder, threshold=threshold, planted=planted,
                                     found=recovered)
        bundle = render.zip_path(cohort, root=root)
        withheld = sorted(r[0] for r in rows if r[2] == "withheld"
                          and r[0].startswith("figuren/"))
        if failures:
            bundle.unlink(missing_ok=True)
            return ShareResult(None, folder / CHECK_NAME, threshold, failures, withheld, why)
        entries = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                         if p.is_file())
        write_bytes_atomic(bundle, _zip(folder, entries))
    return ShareResult(bundle, folder / CHECK_NAME, threshold, [], withheld, why)


def _republish_reason(cohort: str, threshold: int, made_at: Any, raw_root: Any,
                      root: Any) -> str:
    """Why the published folder must be rendered again before it is zipped ("" when not)."""
    folder = render.published_dir(cohort, root=root)
    if render.read_manifest(cohort, root=root) is None:
        return f"no published set in {paths.display(folder)}"
    if made_at != threshold:
        return (f"{paths.display(folder)} was made at threshold {made_at}, not at the "
                f"threshold {threshold} asked for")
    if not render.is_current(cohort, threshold, raw_root=raw_root, root=root):
        return f"{paths.display(folder)} was made from another run or other raw data"
    return ""


def _run_numbers(cohort: str, root: Any) -> dict:
    """The run's own key numbers (which relations hold); empty when there are none."""
    import json

    file = render.published_dir(cohort, root=root).parent / "key_numbers.json"
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _zip(folder: Path, names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (folder / name).read_bytes())
    return buffer.getvalue()
