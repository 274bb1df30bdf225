"""The publish stage: ``reports/<cohort>/publicatie/``, rendered from one published set.

The internal run (notebooks 00-05, ``reports/<cohort>/``) is the analyst's working output. What
may leave the machine is rendered here, separately, by :func:`publish` (``python -m analysis
publish --cohort C [--threshold T]``, or at the end of ``run`` when the parameters say
``publication: true``), from:

- the published key numbers: :func:`analysis.publish.disclosure.publish_numbers` on the run's
  key numbers, at one threshold;
- the published tables the document shows (the chain of shares, the chain under every cut-off
  scheme, staff, participation, claims), each count taken from the published key number that
  holds it (:func:`published_tables`), so a table never shows what the prose hides;
- the checked figures: :func:`analysis.publish.figures.publish_figures` decides every figure of
  the run from its declared marks table (published, redrawn or withheld with a Dutch reason).

These go to the findings notebook as one hand-over file (:mod:`analysis.report.published`); the
notebook is executed again with it (:func:`analysis.pipeline.runner.execute_findings`), so the
document code renders values as given and knows no threshold. The folder then gets a small site
whose pages link only to each other (:func:`analysis.report.site.build_published_site`; every
number of ``findings.html`` links to its anchor on ``kerngetallen.html``), optionally
``findings.pdf``, the manifest ``publicatie.json`` (threshold, raw data hash, run, commit,
created) and ``disclosure_check.csv``: every file with the rule by which it was made, the
decision and, for figures and tables, the smallest cell shown, then the scan of every file by
:mod:`analysis.privacy.scanner` (identifiers, names, formula cells, small cells), as an output
checker (SACRO/ACRO) expects to sign.

Fail safe, by construction:

- the stage refuses (exit 2) when the cohort's last run is incomplete, failed, or stale against
  its raw data, code or parameters (:func:`analysis.pipeline.runner.last_run_problems`): no
  cached number of another state is ever published;
- it holds the cohort's run lock (:mod:`analysis.pipeline.lock`) from start to end;
- the old published folder and zip are removed first; the new folder is built in a hidden
  folder next to it and renamed into place only when every file passed the scan and the
  attacker (:func:`audit_folder`) worked out no hidden count from it, so a failed
  publish leaves no folder at all (and ``publicatie_geweigerd.csv`` saying why, never a value);
- nothing made in the internal run is copied in: figures come from the checker, numbers from
  the published set, the document from its own execution; a link that would leave the folder
  is turned into plain text; a figure without a decision is not shown.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from analysis import paths
from analysis.atomic import write_csv_atomic, write_json_atomic, write_text_atomic
from analysis.errors import CompendiumError, ConfigError
from analysis.publish import disclosure
from analysis.report import findings_sections as sections
from analysis.report.published import SET_FILE, PublishedFigure, write_set

DEFAULT_THRESHOLD: int = disclosure.DEFAULT_THRESHOLD
"""Threshold when none is given and no published folder states one."""
FOLDER: str = "publicatie"
"""The published folder in ``reports/<cohort>/``."""
MANIFEST: str = "publicatie.json"
CHECK: str = "disclosure_check.csv"
REFUSED: str = "publicatie_geweigerd.csv"
"""Written in ``reports/<cohort>/`` (outside the published folder) when a publish is refused."""
ZIP_NAME: str = "{cohort}_publicatie.zip"
CHECK_COLUMNS: list[str] = ["output", "rule", "status", "reason", "smallest_cell"]
SCAN_RULE: str = "scan"
"""Rule of the rows of ``disclosure_check.csv`` that hold the scan of a file (``share`` scans
again and replaces them)."""
SAFE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,80}(?:/[a-z0-9][a-z0-9_.-]{0,80})?")
"""A file name of the published folder: lower case letters, digits, ``_ . -``, one folder deep
(``figuren/``); anything else is refused, so no member name of the zip can carry a name."""


class PublicationRefused(CompendiumError):
    """The published set cannot be made (stale run, a file failing the scan, a bad threshold)."""


@dataclass
class Published:
    """What :func:`publish` made."""

    folder: Path
    threshold: int
    files: list[str]
    figures: list[PublishedFigure]
    decisions: list[disclosure.Decision] = field(default_factory=list)
    unlinked: int = 0
    """Links that would have left the folder, turned into plain text."""
    seconds: float = 0.0


# --------------------------------------------------------------------------- where things are


def published_dir(cohort: str, *, root: str | os.PathLike | None = None) -> Path:
    """``reports/<cohort>/publicatie/`` below ``root`` (default the project root)."""
    return _reports(cohort, root) / FOLDER


def zip_path(cohort: str, *, root: str | os.PathLike | None = None) -> Path:
    """The zip ``share`` writes: ``reports/<cohort>/<cohort>_publicatie.zip``."""
    return _reports(cohort, root) / ZIP_NAME.format(cohort=cohort)


def _reports(cohort: str, root: str | os.PathLike | None) -> Path:
    if root is None or Path(root) == paths.ROOT:
        return paths.reports_dir(cohort)
    return Path(root) / "reports" / cohort


def read_manifest(cohort: str, *, root: str | os.PathLike | None = None) -> dict | None:
    """The manifest of the published folder, or None when there is none."""
    try:
        data = json.loads((published_dir(cohort, root=root) / MANIFEST).read_text(
            encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(cohort: str, threshold: int, *, raw_root: str | os.PathLike | None = None,
               root: str | os.PathLike | None = None) -> bool:
    """Whether the published folder was made at ``threshold`` from the cohort's current run
    and its raw data as they are now."""
    from analysis.pipeline.runner import run_fingerprint
    from analysis.report.provenance import input_hash

    manifest = read_manifest(cohort, root=root)
    if manifest is None or manifest.get("threshold") != threshold:
        return False
    if not (published_dir(cohort, root=root) / "findings.html").is_file():
        return False
    try:
        inputs = input_hash(cohort, raw_root)
    except CompendiumError:
        return False
    return (manifest.get("run") == run_fingerprint(cohort, root=root)
            and manifest.get("inputs_hash") == inputs)


def remove_published(cohort: str, *, root: str | os.PathLike | None = None) -> bool:
    """Remove the published folder and the zip of ``cohort``; True when there was one."""
    folder, bundle = published_dir(cohort, root=root), zip_path(cohort, root=root)
    found = folder.exists() or bundle.exists()
    if folder.exists():
        grave = folder.with_name(f".{FOLDER}-removed-{os.getpid()}")
        os.replace(folder, grave)  # gone from its place at once, however long rmtree takes
        shutil.rmtree(grave, ignore_errors=True)
    bundle.unlink(missing_ok=True)
    return found


def check_threshold(threshold: Any) -> int:
    """``threshold`` as an int from 2 to 100, else :class:`~analysis.errors.ConfigError`."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 2 <= threshold <= 100:
        raise ConfigError(f"threshold must be a whole number from 2 to 100 (CBS uses 10); got "
                          f"{threshold!r}")
    return threshold


def default_threshold(cohort: str, *, root: str | os.PathLike | None = None) -> int:
    """The threshold of the existing published folder, else :data:`DEFAULT_THRESHOLD`."""
    manifest = read_manifest(cohort, root=root) or {}
    value = manifest.get("threshold")
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_THRESHOLD


# --------------------------------------------------------------------------- the stage


def publish(cohort: str, *, threshold: int | None = None,
            raw_root: str | os.PathLike | None = None, root: str | os.PathLike = paths.ROOT,
            notebooks_dir: str | os.PathLike = paths.NOTEBOOKS, pdf: bool = False,
            say: Callable[[str], Any] = print, locked: bool = True) -> Published:
    """Render the published set of ``cohort`` into ``reports/<cohort>/publicatie/``.

    Parameters
    ----------
    threshold : int, optional
        Smallest count of people shown (2-100). Default: the threshold of the existing
        published folder, else 5. CBS and ACRO use 10.
    raw_root : path-like, optional
        Folder holding ``<cohort>/`` when not ``data/raw`` (as given to ``run``).
    pdf : bool
        Also print ``findings.pdf`` into the folder (headless Chromium).
    locked : bool
        Take the cohort's run lock (False: the caller holds it, as ``run`` and ``share`` do).

    Raises
    ------
    PublicationRefused
        The last run is incomplete or stale, or a file fails the scan (nothing is left in
        ``publicatie/``; ``reports/<cohort>/publicatie_geweigerd.csv`` lists why).
    CohortBusy
        A run of the cohort is in progress.
    """
    threshold = check_threshold(default_threshold(cohort, root=root) if threshold is None
                                else threshold)
    raw_base = _raw_base(raw_root, root)
    if not locked:
        return _publish(cohort, threshold, raw_base, Path(root), Path(notebooks_dir), pdf, say)
    from analysis.pipeline.lock import CohortLock

    reports = _reports(cohort, root)
    with CohortLock(reports, cohort, shown=paths.display(reports / ".run.lock"), say=say):
        return _publish(cohort, threshold, raw_base, Path(root), Path(notebooks_dir), pdf, say)


def _raw_base(raw_root: str | os.PathLike | None, root: str | os.PathLike) -> Path:
    if raw_root is None:
        return Path(root) / "data" / "raw"
    return Path(raw_root).expanduser().resolve()


def _publish(cohort: str, threshold: int, raw_base: Path, root: Path, notebooks_dir: Path,
             pdf: bool, say: Callable[[str], Any]) -> Published:
    from analysis.pipeline.runner import last_run_problems

    started = time.perf_counter()
    reports = _reports(cohort, root)
    if remove_published(cohort, root=root):  # whatever happens next, it is not current
        say(f"removed the earlier published set ({paths.display(published_dir(cohort, root=root))})")
    problems = last_run_problems(cohort, raw_root=raw_base, notebooks_dir=notebooks_dir,
                                 root=root)
    if problems:
        raise PublicationRefused(
            f"cohort {cohort!r} cannot be published: its last run is not complete and current, "
            f"so it could publish numbers of another state; run 'python -m analysis run "
            f"--cohort {cohort}' first.\n" + "\n".join(problems))
    stage = Path(tempfile.mkdtemp(prefix=f".{FOLDER}-", dir=reports))
    try:
        result = _build(cohort, threshold, raw_base, root, notebooks_dir, stage, pdf, say)
        # the attacker on the folder's own key_numbers.json: what share would refuse is never
        # renamed into place either
        recovered = audit_folder(stage, result.numbers, threshold=threshold)
        rows, failures = seal(stage, threshold=threshold, made=result.made, found=recovered)
        if failures:
            write_csv_atomic(reports / REFUSED, _check_frame(rows))
            raise PublicationRefused(
                f"the published set of {cohort!r} was not made: {len(failures)} problem(s) "
                f"found by the scan (see {paths.display(reports / REFUSED)}):\n"
                + "\n".join(f"  {f.file}: {f.rule}: {f.reason}" for f in failures[:20]))
        (reports / REFUSED).unlink(missing_ok=True)
        folder = published_dir(cohort, root=root)
        os.chmod(stage, 0o777 & ~_umask())  # a temporary folder is private; this one is not
        os.replace(stage, folder)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    say(f"published set: {len(files)} files at threshold {threshold} "
        f"({sum(f.shown for f in result.figures)} of {len(result.figures)} figures shown)")
    return Published(folder, threshold, files, result.figures, result.decisions,
                     result.unlinked, time.perf_counter() - started)


@dataclass
class _Built:
    figures: list[PublishedFigure]
    decisions: list[disclosure.Decision]
    made: list[tuple[str, str, str, str, Any]]
    unlinked: int
    numbers: dict[str, Any] = field(default_factory=dict)
    """The run's own key numbers (which relations hold, for the attacker)."""


def _build(cohort: str, threshold: int, raw_base: Path, root: Path, notebooks_dir: Path,
           stage: Path, pdf: bool, say: Callable[[str], Any]) -> _Built:
    from analysis.data import processed
    from analysis.pipeline.runner import execute_findings, run_fingerprint
    from analysis.report import keynumbers, site
    from analysis.report.provenance import git_commit, input_hash

    keynumbers.merge(cohort, root=root)
    numbers = keynumbers.load(cohort, root=root)
    published, decisions = disclosure.publish_numbers(numbers, threshold=threshold)
    tables = published_tables(cohort, numbers, published, threshold=threshold,
                              raw_root=raw_base)
    figures = check_figures(cohort, threshold=threshold, out_dir=stage / "figuren", stage=stage,
                            raw_root=raw_base, published=published)
    write_json_atomic(stage / "key_numbers.json", {k: str(v) if _withheld(v) else v
                                                   for k, v in published.items()})
    from analysis.report.findings import CLAIMS_COLUMNS

    claims = tables["claims"].frame if "claims" in tables else None
    write_csv_atomic(stage / "claims.csv", pd.DataFrame(columns=CLAIMS_COLUMNS) if claims is None
                     else claims[CLAIMS_COLUMNS].astype(object))
    write_set(stage, threshold=threshold, numbers=published,
              tables={name: table.frame for name, table in tables.items()},
              figures={f.name: f for f in figures})
    say(f"rendering the published document of {cohort} (threshold {threshold}) ...")
    scratch = stage / ".render"
    document = execute_findings(cohort, out_dir=scratch, raw_root=raw_base,
                                notebooks_dir=notebooks_dir, root=root, say=say,
                                extra={"published": _relative(stage / SET_FILE, root)})
    os.replace(document, stage / "findings.html")
    shutil.rmtree(scratch, ignore_errors=True)
    (stage / SET_FILE).unlink()
    config = processed.read_config(cohort)
    title = str(config.get("title") or numbers.get("cohort_title") or cohort)
    stages = {key: where[0] for key, where in keynumbers.read_sources(cohort, root=root).items()}
    # files written after the site (the manifest, the PDF, seal()'s check) are listed on its
    # pages; empty placeholders now so those links resolve, each replaced before the folder is
    # sealed (a failure on the way removes the whole stage)
    for late in (MANIFEST, CHECK, *(("findings.pdf",) if pdf else ())):
        (stage / late).touch()
    site.build_published_site(stage, title=title, synthetic=bool(config.get("synthetic")),
                              threshold=threshold, numbers=published, stages=stages,
                              figures=figures)
    unlinked = keep_links_inside(stage)
    if pdf:
        site.print_pdf(cohort, folder=stage)
    manifest = {"cohort": cohort, "threshold": threshold, "run": run_fingerprint(cohort, root=root),
                "inputs_hash": input_hash(cohort, raw_base), "commit": git_commit(root)}
    write_json_atomic(stage / MANIFEST, manifest)
    decisions = decisions + [d for table in tables.values() for d in table.decisions]
    made = _made_rows(stage, published, tables, figures, decisions, threshold)
    return _Built(figures, decisions, made, unlinked, dict(numbers))


def _umask() -> int:
    from analysis.atomic import _process_umask

    return _process_umask()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _withheld(value: Any) -> bool:
    return bool(getattr(value, "suppressed", False))


# --------------------------------------------------------------------------- published tables


def published_tables(cohort: str, numbers: Mapping[str, Any], published: Mapping[str, Any], *,
                     threshold: int, raw_root: str | os.PathLike | None = None
                     ) -> dict[str, disclosure.PublishedTable]:
    """The tables the published document shows, as published, with their decisions.

    Each is laid out as the document shows it (:mod:`analysis.report.findings_sections`) and
    decided by :func:`analysis.publish.disclosure.publish_document_table`: every count of people
    is the published value of the key number that holds the same count (``<key>_n``,
    ``<key>_denominator_n``, ``<key>_n_<scheme>``, ``therapists_<type>``,
    ``<session type>_<group>_n``), so a table and the prose never disagree and never show more;
    counts that no key number holds are suppressed with the table's own relations, and a share
    or interval of a hidden count is "x". Claims: :func:`analysis.publish.disclosure.claims_table`
    with the published key numbers, and a claim whose reproduced value is withheld has its
    status withheld too (a status "reproduced" next to the published percentage would give the
    value back).

    Returns
    -------
    dict
        ``chain``, ``scheme``, ``staff``, ``participation`` and ``claims`` (those the run has).
    """
    from analysis.data import processed

    def table(folder: str, name: str) -> pd.DataFrame | None:
        file = processed.stage_dir(cohort, folder) / f"{name}.csv"
        return pd.read_csv(file) if file.is_file() else None

    def validated(name: str) -> pd.DataFrame | None:
        try:
            return processed.read_validated(cohort, name)
        except Exception:  # noqa: BLE001 - no validated table: the section says it is absent
            return None

    def decide(kind: str, frame: pd.DataFrame) -> disclosure.PublishedTable:
        return disclosure.publish_document_table(kind, frame, published=published,
                                                 threshold=threshold,
                                                 name=f"findings.html:{kind}")

    out: dict[str, disclosure.PublishedTable] = {}
    chain = table("questionnaires", "chain")
    if chain is not None:
        out["chain"] = decide("chain", chain[["step", "key", "label_nl", "k", "n", "ci_low",
                                              "ci_high"]])
    scheme = table("questionnaires", "chain_by_scheme")
    if scheme is not None:
        out["scheme"] = decide("scheme", scheme[["scheme", "step", "key", "label_nl", "k", "n"]])
    staff = sections.staff_table(validated("trajectories"))
    if not staff.empty:
        out["staff"] = _published_staff(staff, numbers, published, decide)
    participation = sections.participation_table(validated("sessions"),
                                                 table("qualitative", "participation"))
    if not participation.empty:
        decided = decide("participation", participation.rename(columns={"people": "n"}))
        out["participation"] = disclosure.PublishedTable(
            decided.frame.rename(columns={"n": "people"}), decided.decisions,
            decided.smallest_cell)
    claims = _published_claims(cohort, numbers, published, threshold, raw_root)
    if claims is not None:
        counts = [v for c in ("numerator", "denominator") for v in claims[c]]
        out["claims"] = disclosure.PublishedTable(claims, [], _smallest(counts))
    return out


def _published_staff(staff: pd.DataFrame, numbers: Mapping[str, Any],
                     published: Mapping[str, Any], decide) -> disclosure.PublishedTable:
    """Therapists per type through the document table ``staff``; the rows of all therapists
    and of the social workers from the published key numbers ``therapists_total`` and
    ``social_workers`` (withheld as "x" when none holds it)."""
    therapists = staff[staff["role"] == "therapists"].copy()
    therapists["therapy_key"] = therapists["key"].str.removeprefix("therapists_")
    decided = decide("staff", therapists)
    frame = decided.frame.drop(columns=["therapy_key"]).astype(object)
    workers = staff[staff["role"].isin(["therapists_total", "social_workers"])].astype(object)
    for i in workers.index:
        raw, key = workers.at[i, "n"], str(workers.at[i, "key"])
        workers.at[i, "n"] = (published[key] if key in published
                              and _same(numbers.get(key), raw)
                              else disclosure.Suppressed(disclosure.HIDDEN))
    shown = [v for v in workers["n"] if not _withheld(v)]
    smallest = _smallest([decided.smallest_cell, *shown])
    return disclosure.PublishedTable(pd.concat([frame, workers], ignore_index=True),
                                     decided.decisions, smallest)


def _same(a: Any, b: Any) -> bool:
    try:
        return a is not None and b is not None and float(a) == float(b)
    except (TypeError, ValueError):
        return False


def _published_claims(cohort: str, numbers: Mapping[str, Any], published: Mapping[str, Any],
                      threshold: int, raw_root: str | os.PathLike | None) -> pd.DataFrame | None:
    """Claims as published: :func:`analysis.publish.disclosure.claims_table` with the published
    key numbers (each count a claim reproduces is the published key number its rule names);
    where one is withheld, the claim's interval and status are withheld too."""
    from analysis.data import processed
    from analysis.report import claims as claim_rules

    try:
        config = processed.read_config(cohort)
    except CompendiumError:  # no validated settings: no claims to publish
        return None
    file_name = config.get("published_claims")
    raw = paths.raw_dir(cohort, raw_root)
    if not config.get("publication") or not file_name or not (raw / file_name).is_file():
        return None
    claims = pd.read_csv(raw / file_name, dtype={"claim_id": str})
    table = disclosure.claims_table(claim_rules.reproduce_claims(claims, numbers),
                                    threshold=threshold, published=published).astype(object)
    hidden = disclosure.Suppressed(disclosure.HIDDEN)
    for i in table.index:
        if any(_withheld(table.at[i, c]) for c in ("reproduced", "numerator", "denominator")):
            for column in ("status", "ci_low", "ci_high"):
                table.at[i, column] = hidden
    return table


# --------------------------------------------------------------------------- figures


def check_figures(cohort: str, *, threshold: int, out_dir: Path, stage: Path,
                  raw_root: str | os.PathLike | None = None,
                  published: Mapping[str, Any] | None = None) -> list[PublishedFigure]:
    """Every figure of the cohort's last run as the figure checker decides it
    (:func:`analysis.publish.figures.publish_figures`), its files written to ``out_dir``.

    ``raw_root`` and ``published`` (the published key numbers: a mark repeating a withheld
    key number is withheld too) are passed on. Fail safe: a figure that hides a key number the
    published numbers show (its own secondary suppression) is withheld, since the text and the
    figure together would give the hidden cell back; a file in ``out_dir`` that no decision
    names is removed; a figure without a PNG among its files is withheld.
    """
    from analysis.publish.figures import publish_figures

    out_dir.mkdir(parents=True, exist_ok=True)
    extra = {k: v for k, v in (("raw_root", raw_root), ("published", published))
             if v is not None}
    decided = publish_figures(cohort, threshold=threshold, out_dir=out_dir, **extra)
    if published is not None:  # a figure that hides a key number the text shows: withheld
        decided = [_withhold_if_shown_elsewhere(d, published) for d in decided]
    kept: set[Path] = set()
    out = []
    for decision in decided:
        files = [Path(f) for f in decision.files] if decision.status != "withheld" else []
        png = next((f for f in files if f.suffix == ".png" and f.is_file()), None)
        if decision.status != "withheld" and png is not None:
            kept.update(f.resolve() for f in files)
            out.append(PublishedFigure(decision.name, decision.status, decision.reason_nl,
                                       png.resolve().relative_to(stage.resolve()).as_posix(),
                                       decision.smallest_cell))
        else:
            reason = decision.reason_nl or "De figuurcontrole heeft deze figuur niet vrijgegeven."
            out.append(PublishedFigure(decision.name, "withheld", reason, None,
                                       decision.smallest_cell))
    for file in [f for f in out_dir.rglob("*") if f.is_file()]:
        if file.resolve() not in kept:
            file.unlink()
    return sorted(out, key=lambda f: f.name)


def _withhold_if_shown_elsewhere(decision: Any, published: Mapping[str, Any]) -> Any:
    """``decision`` withheld when a key number it hides is shown in ``published``."""
    from dataclasses import replace

    shown = [k for k in getattr(decision, "hidden_keys", ()) or ()
             if k in published and not _withheld(published[k])]
    if decision.status == "withheld" or not shown:
        return decision
    return replace(decision, status="withheld", files=(), rule="secondary",
                   reason_nl="Deze figuur zou een aantal verbergen dat elders in het document "
                             "staat; samen zouden ze een verborgen groep prijsgeven, daarom "
                             "wordt ze niet gepubliceerd.")


# --------------------------------------------------------------------------- links


_LINK = re.compile(r"<a\b([^>]*?)\bhref=\"([^\"]*)\"([^>]*)>(.*?)</a>", re.S | re.I)
_ID = re.compile(r"\bid=\"([^\"]+)\"")


def keep_links_inside(folder: Path) -> int:
    """Turn every link of the HTML pages in ``folder`` that does not resolve to a file (and
    anchor) inside ``folder`` into its plain text; returns how many were turned."""
    pages = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*.html")}
    anchors = {name: set(_ID.findall(p.read_text(encoding="utf-8"))) for name, p in pages.items()}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    turned = 0
    for name, page in pages.items():
        text = page.read_text(encoding="utf-8")

        def fix(match: re.Match) -> str:
            nonlocal turned
            href = html.unescape(match.group(2))
            target, _, anchor = href.partition("#")
            target = target or name
            if target in files and (not anchor or anchor in anchors.get(target, set())):
                return match.group(0)
            turned += 1
            return match.group(4)

        fixed = _LINK.sub(fix, text)
        if fixed != text:
            write_text_atomic(page, fixed)
    return turned


def outside_links(folder: Path) -> list[str]:
    """Links of the HTML pages in ``folder`` that do not resolve inside it (for tests)."""
    pages = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*.html")}
    anchors = {name: set(_ID.findall(p.read_text(encoding="utf-8"))) for name, p in pages.items()}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    found = []
    for name, page in pages.items():
        for match in _LINK.finditer(page.read_text(encoding="utf-8")):
            target, _, anchor = html.unescape(match.group(2)).partition("#")
            target = target or name
            if target not in files or (anchor and anchor not in anchors.get(target, set())):
                found.append(f"{name}: {match.group(2)}")
    return found


# --------------------------------------------------------------------------- the check


def _made_rows(folder: Path, published: Mapping[str, Any],
               tables: Mapping[str, disclosure.PublishedTable], figures: list[PublishedFigure],
               decisions: list[disclosure.Decision], threshold: int
               ) -> list[tuple[str, str, str, str, Any]]:
    """Rows of ``disclosure_check.csv`` saying how each file was made (before the scan)."""
    by_file = {}
    for figure in figures:
        if figure.shown:
            stem = Path(figure.file).with_suffix("").as_posix()
            for file in folder.glob(f"{stem}.*"):
                by_file[file.relative_to(folder).as_posix()] = figure
    rows = []
    for file in sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                       if p.is_file()):
        if not SAFE_NAME.fullmatch(file):
            rows.append(("(a file with an unsafe name)", "file name", "fail",
                         "refused by the scan", None))
            continue
        figure = by_file.get(file)
        if figure is not None:
            rows.append((file, "figure checked from its marks table", figure.status,
                         figure.reason_nl or "every mark a group of people at or above the "
                         "threshold, or no people", figure.smallest_cell))
        elif file == "key_numbers.json":
            rows.append((file, f"key numbers: threshold {threshold}, secondary suppression, "
                         "ratios", "published", "disclosure control of every key number "
                         "(rows key_numbers.json:NAME)", _smallest(
                             v for k, v in published.items() if disclosure.is_person_count(k))))
        elif file == "claims.csv":
            rows.append((file, f"table: threshold {threshold} on numerator and denominator",
                         "published", "a claim with a withheld count shows no share, interval "
                         "or status", tables["claims"].smallest_cell if "claims" in tables
                         else None))
        elif file.endswith(".html") or file.endswith(".pdf"):
            rows.append((file, "rendered from the published set", "published",
                         "numbers, tables and figures of the published set only; links inside "
                         "the folder", None))
        elif file == MANIFEST:
            rows.append((file, "manifest", "published", "threshold, raw data hash, run, "
                         "commit (no date: the same run publishes the same bytes)", None))
        elif file.startswith("figuren/"):
            rows.append((file, "figure file without a decision", "fail",
                         "not named by the figure checker", None))
        else:
            rows.append((file, "other", "published", "", None))
    rows.append((CHECK, "summary for the output checker", "published",
                 "this file: every file, rule, decision and smallest cell", None))
    rows += [(f"figuren/{f.name}", "figure checked from its marks table", "withheld",
              f.reason_nl, f.smallest_cell) for f in figures if not f.shown]
    rows += [(f"findings.html:{name}", f"document table: threshold {threshold}, counts from the "
              "published key numbers, secondary suppression", "published",
              "the table as the published document shows it", table.smallest_cell)
             for name, table in sorted(tables.items()) if name != "claims"]
    rows += [(d.output, d.rule, d.status, d.reason, None) for d in decisions]
    return rows


def _smallest(values: Iterable[Any]) -> int | None:
    counts = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
              and not _withheld(v) and v == v and v > 0]
    return int(min(counts)) if counts else None


def audit_folder(folder: Path, numbers: Mapping[str, Any], *, threshold: int) -> list:
    """The attacker (:mod:`analysis.publish.attack`) on the folder's published
    ``key_numbers.json`` together with the counts and sums of its figures' marks tables
    (:func:`~analysis.publish.attack.figure_relations`): one failure per hidden count it can
    work out (rule ``recovered``), naming the key number or figure mark, never a value.
    ``numbers`` are the run's own key numbers (they only decide which declared relations
    hold)."""
    from dataclasses import replace

    from analysis.privacy.scanner import ScanFailure
    from analysis.publish.attack import figure_relations, recovered
    from analysis.publish.relations import public_relations

    file = folder / "key_numbers.json"
    published = json.loads(file.read_text(encoding="utf-8")) if file.is_file() else {}
    shown, equations = figure_relations(folder / "figuren")
    if not published and not shown:
        return []
    for name, value in shown.items():  # a figure's number is as public as the text's
        if name not in published or isinstance(value, int):
            published[name] = value
    relations = public_relations(numbers)
    relations = replace(relations, equations=relations.equations + equations)
    return [ScanFailure("key_numbers.json" if ": " not in f.name else "figuren", "recovered",
                        f"the hidden count {f.name} can be worked out from the published "
                        "numbers and figures")
            for f in recovered(published, relations, threshold=threshold)]


def seal(folder: Path, *, threshold: int, planted: Iterable[str] = (),
         made: list[tuple] | None = None, found: Iterable = ()) -> tuple[list[tuple], list]:
    """Scan every file of ``folder`` (:func:`check_folder`) and write its
    ``disclosure_check.csv``, which is then scanned too; returns the rows and the failures.

    ``made``: rows saying how each file was made; default those of the folder's existing
    ``disclosure_check.csv`` (``share`` scans a published folder again with its planted
    values and replaces the scan rows). ``found``: failures found before (the attacker's).
    """
    from analysis.privacy import scanner

    check = folder / CHECK
    if made is None:
        made = [r for r in _read_check(check) if r[1] != SCAN_RULE]
    check.unlink(missing_ok=True)
    planted = list(planted)
    rows, failures = check_folder(folder, threshold=threshold, planted=planted, made=made)
    found = list(found)
    rows += [(f.file, SCAN_RULE, "fail", f"{f.rule}: {f.reason}", None) for f in found]
    failures += found
    _write_check(check, rows)
    own = scanner.scan_file(check, planted=planted, threshold=threshold, label=CHECK)
    own += [scanner.ScanFailure(CHECK, "small_cell", r)
            for r in scanner.csv_small_cells(check, threshold)]
    rows += [(CHECK, SCAN_RULE, "fail", f"{f.rule}: {f.reason}", None) for f in own] or [
        (CHECK, SCAN_RULE, "pass", "no identifier, name, formula cell or small cell found",
         None)]
    _write_check(check, rows)
    return rows, failures + own


def check_folder(folder: Path, *, threshold: int, planted: Iterable[str] = (),
                 made: list[tuple] | None = None) -> tuple[list[tuple], list]:
    """Scan every file of ``folder`` and return the rows of ``disclosure_check.csv`` and the
    failures (:class:`analysis.privacy.scanner.ScanFailure`; never a found value).

    Each file is searched by :func:`analysis.privacy.scanner.scan_file` in every encoding it
    carries text in, for identifiers (names included, as far as the scanner finds them),
    ``planted`` values, formula cells and small cells; a CSV also for counts below the
    threshold in count columns; every file name must be a safe name (:data:`SAFE_NAME`); an
    HTML page must not carry the internal document's "niet voor publicatie" mark. ``made``
    (rows saying how each file was made) is kept in front; without it, the rows of the
    folder's existing ``disclosure_check.csv`` that are not scan rows are kept.
    """
    from analysis.privacy import scanner
    from analysis.privacy.gate import NOT_FOR_PUBLICATION

    planted = [p for p in planted if p and p.strip()]
    rows, failures = list(made or []), []
    unsafe = 0
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CHECK):
        name = file.relative_to(folder).as_posix()
        safe = SAFE_NAME.fullmatch(name) and not any(_normal(p) in _normal(name)
                                                     for p in planted)
        if not safe:  # the name itself may be what must not be shown: never echo it
            unsafe += 1
            name = f"(file {unsafe} with an unsafe name)"
        found = scanner.scan_file(file, planted=planted, threshold=threshold,
                                  is_person_count=disclosure.is_person_count, label=name)
        if file.suffix == ".csv":
            found += [scanner.ScanFailure(name, "small_cell", r)
                      for r in scanner.csv_small_cells(file, threshold)]
        if not safe:
            found.append(scanner.ScanFailure(name, "name", "a file name that is not a plain "
                                             "lower-case name (letters, digits, _ . -) or holds "
                                             "a planted value"))
        if file.suffix == ".html" and NOT_FOR_PUBLICATION.strip("*")[:40] in \
                file.read_text(encoding="utf-8", errors="replace"):
            found.append(scanner.ScanFailure(name, "publication_mode", "a page of the internal "
                                             "document (its 'niet voor publicatie' mark)"))
        failures += found
        rows += [(name, SCAN_RULE, "fail", f"{f.rule}: {f.reason}", None) for f in found]
        if not found:
            rows.append((name, SCAN_RULE, "pass", "no identifier, name, planted value, formula "
                         "cell or small cell found" if planted else "no identifier, name, "
                         "formula cell or small cell found", None))
    return rows, failures


def _normal(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _check_frame(rows: Iterable[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame([list(r) for r in rows], columns=CHECK_COLUMNS)
    frame["smallest_cell"] = frame["smallest_cell"].astype("Int64")
    return frame


def _write_check(path: Path, rows: Iterable[tuple]) -> Path:
    return write_csv_atomic(path, _check_frame(rows))


def write_check(folder: Path, rows: Iterable[tuple]) -> Path:
    """Write ``disclosure_check.csv`` into ``folder`` (columns :data:`CHECK_COLUMNS`)."""
    return _write_check(folder / CHECK, rows)


def _read_check(path: Path) -> list[tuple]:
    if not path.is_file():
        return []
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = []
    for record in frame.itertuples(index=False):
        values = list(record) + [""] * (len(CHECK_COLUMNS) - len(record))
        cell = values[4]
        rows.append((values[0], values[1], values[2], values[3], int(cell) if cell else None))
    return rows


# --------------------------------------------------------------------------- diff


def published_record(record: Mapping[str, Any], *, threshold: int) -> dict[str, Any]:
    """A run record of :mod:`analysis.report.history` with its key numbers as they would be
    published at ``threshold`` (``diff --publicatie`` compares two of these, so it shows only
    published values: marks such as "<5" and "x" where disclosure control withholds)."""
    fragments = record.get("key_numbers") or {}
    merged = {k: v for numbers in fragments.values() for k, v in numbers.items()}
    published, _ = disclosure.publish_numbers(merged, threshold=threshold)
    shown = {notebook: {k: (str(published[k]) if _withheld(published[k]) else published[k])
                        for k in numbers} for notebook, numbers in fragments.items()}
    return {**record, "key_numbers": shown}
