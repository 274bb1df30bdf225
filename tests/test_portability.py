"""The compendium behaves the same on Linux, macOS and Windows.

- No text file is opened, and no subprocess is piped as text, with the locale's encoding
  (cp1252 on a Dutch Windows): checked statically over the package, the tests, the benchmarks
  and the notebooks (tests/portability.py), and at run time by pyproject.toml's warning filters
  under ``python -X warn_default_encoding`` (the conda CI jobs).
- A checkout with ``core.autocrlf=true`` (Git for Windows' default) holds the committed bytes, so
  the raw-data hash and the lock hash that every output reports do not change with the system
  (.gitattributes).
- The helpers that hide platform differences do what they say on this system.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import portability
from analysis import paths
from analysis.report import provenance

SOURCES = ("analysis", "tests", "benchmarks")


def _git(*args: str, cwd: Path = paths.ROOT, data: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)} failed: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


def _in_git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    try:
        return _git("rev-parse", "--is-inside-work-tree").strip() == b"true"
    except RuntimeError:
        return False


needs_git = pytest.mark.skipif(not _in_git_checkout(), reason="needs a git checkout and git")


# ------------------------------------------------------------------------ explicit encodings

def test_no_source_reads_writes_or_pipes_text_in_the_locale_encoding():
    files = sorted(p for folder in SOURCES for p in (paths.ROOT / folder).rglob("*.py")
                   if ".venv" not in p.parts)
    assert len(files) > 100
    found = []
    for file in files:
        found += portability.implicit_encodings(file.read_text(encoding="utf-8"),
                                                file.relative_to(paths.ROOT).as_posix())
    for notebook in sorted(paths.NOTEBOOKS.glob("*.ipynb")):
        for cell, source in portability.notebook_sources(notebook):
            found += portability.implicit_encodings(
                source, f"{notebook.relative_to(paths.ROOT).as_posix()} cell {cell}")
    assert not found, ("give these calls encoding= (\"utf-8\" for our own files; subprocess "
                       "output: encoding=\"utf-8\", errors=\"replace\"):\n"
                       + "\n".join(map(str, found)))


@pytest.mark.parametrize("source, call", [
    ("open(name)", "open()"),
    ("open(name, 'w')", "open()"),
    ("open(name, mode)", "open()"),
    ("path.open()", "path.open()"),
    ("path.open('a')", "path.open('a')"),
    ("Path(x).read_text()", "Path(...).read_text()"),
    ("(folder / 'x').write_text(text)", "Path(...).write_text()"),
    ("subprocess.run(cmd, capture_output=True, text=True)", "subprocess.run(text=True)"),
    ("subprocess.Popen(cmd, stdout=PIPE, universal_newlines=True)", "subprocess.Popen(text=True)"),
    ("run(cmd, text=True)", "subprocess.run(text=True)"),
    ("tempfile.NamedTemporaryFile('w')", "tempfile.NamedTemporaryFile()"),
    ("io.TextIOWrapper(raw)", "io.TextIOWrapper()"),
    ("logging.FileHandler(name)", "logging.FileHandler()"),
    ("cell = 'import x\\nopen(\"a\")'", "open()"),
    # a `python -c` script (split here so that this file does not hold one itself)
    ("script = \"import sys; print(" + "open('f').read())\"", "open()"),
    ('def f():\n    """Doc.\n\n    >>> _ = p.write_' + 'text("a")\n    """\n', "p.write_text()"),
])
def test_the_check_finds_each_implicit_encoding(source, call):
    found = portability.implicit_encodings(source)
    assert [f.call for f in found] == [call]


@pytest.mark.parametrize("source", [
    "open(name, 'rb')", "open(name, encoding='utf-8')", "open(name, 'w', encoding=enc)",
    "path.open('rb')", "Path(x).read_text(encoding='utf-8')", "Path(x).read_text('utf-8')",
    "Path(x).write_text(text, encoding='utf-8')", "Path(x).read_bytes()",
    "subprocess.run(cmd, capture_output=True)",
    "subprocess.run(cmd, text=True, encoding='utf-8', errors='replace')",
    "zipfile.ZipFile(f).open('content.xml')", "Image.open(path)", "os.open(path, flags)",
    "tempfile.NamedTemporaryFile()", "tempfile.NamedTemporaryFile('w', encoding='utf-8')",
    "io.TextIOWrapper(raw, 'utf-8')", "open(name, **options)", "'open the file(s)'",
    "pipeline.run(cohort, text=True)",
])
def test_the_check_accepts_explicit_encodings_and_bytes(source):
    assert portability.implicit_encodings(source) == []


# ------------------------------------------------------------------------ line ends

def _tracked(cwd: Path = paths.ROOT) -> list[str]:
    """Files of the last commit (what a clone checks out)."""
    return [p for p in _git("ls-tree", "-r", "-z", "--name-only", "HEAD", cwd=cwd)
            .decode("utf-8").split("\0") if p]


def _as_checked_out(files: list[str], *, autocrlf: str = "true", cwd: Path = paths.ROOT
                    ) -> dict[str, bytes]:
    """Bytes of the committed ``files`` as a checkout with ``core.autocrlf`` writes them: ``git
    archive`` converts line ends as a checkout does, with the work tree's .gitattributes."""
    import io
    import tarfile

    tar = _git("-c", f"core.autocrlf={autocrlf}", "archive", "--worktree-attributes",
               "--format=tar", "HEAD", "--", *files, cwd=cwd)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def _committed(files: list[str], cwd: Path = paths.ROOT) -> dict[str, bytes]:
    return _batch(files, ["cat-file", "--batch"], cwd)


def _batch(files: list[str], args: list[str], cwd: Path) -> dict[str, bytes]:
    """Contents of ``HEAD:file`` for each file, from one ``git cat-file``."""
    output = _git(*args, cwd=cwd, data="".join(f"HEAD:{f}\n" for f in files).encode("utf-8"))
    out, at = {}, 0
    for file in files:
        header_end = output.index(b"\n", at)
        size = int(output[at:header_end].split()[2])
        out[file] = output[header_end + 1:header_end + 1 + size]
        at = header_end + 1 + size + 1
    return out


@needs_git
def test_a_windows_checkout_holds_the_committed_bytes_of_every_file():
    files = _tracked()
    assert "requirements.lock" in files and any(f.startswith("data/raw/") for f in files)
    converted = _as_checked_out(files)
    committed = _committed(files)
    changed = sorted(f for f in files if converted[f] != committed[f])
    assert changed == [], ("with core.autocrlf=true these files would be checked out with other "
                           f"bytes (see .gitattributes): {changed[:20]}")


@needs_git
def test_a_windows_checkout_gives_the_same_raw_data_and_lock_hashes(tmp_path):
    cohort = paths.raw_dir(paths.DEFAULT_COHORT).relative_to(paths.ROOT).as_posix()
    files = [f for f in _tracked() if f.startswith(cohort + "/")] + ["requirements.lock"]
    for checkout, contents in (("linux", _committed(files)), ("windows", _as_checked_out(files))):
        for name, data in contents.items():
            target = tmp_path / checkout / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    linux, windows = tmp_path / "linux", tmp_path / "windows"
    assert provenance.hash_files([windows / cohort]) == provenance.hash_files([linux / cohort]), (
        "the raw-data hash differs in a checkout with core.autocrlf=true")
    assert hashlib.sha256((windows / "requirements.lock").read_bytes()).hexdigest() == \
        hashlib.sha256((linux / "requirements.lock").read_bytes()).hexdigest()


@needs_git
def test_the_checkout_check_sees_a_conversion_where_no_attributes_prevent_it(tmp_path):
    """Control: without .gitattributes the same check reports the CRLF a Windows checkout gets."""
    _git("init", "--quiet", str(tmp_path), cwd=tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sdq.csv").write_bytes(b"family_id,sdq_01\nF1,2\n")
    _git("add", "data/sdq.csv", cwd=tmp_path)
    _git("-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "--quiet",
         "-m", "data", cwd=tmp_path)
    converted = _as_checked_out(["data/sdq.csv"], cwd=tmp_path)
    assert converted["data/sdq.csv"] == b"family_id,sdq_01\r\nF1,2\r\n"
    shutil.copy(paths.ROOT / ".gitattributes", tmp_path / ".gitattributes")
    assert _as_checked_out(["data/sdq.csv"], cwd=tmp_path) == _committed(["data/sdq.csv"], tmp_path)


@needs_git
def test_new_cohort_in_a_git_clone_passes_under_warn_default_encoding(tmp_path):
    """Run time, whatever flags started pytest: ``new-cohort`` in a clone asks git for its top
    folder (a subprocess read as text). In a child interpreter with ``-X warn_default_encoding``
    and the package's EncodingWarnings as errors, an implicit encoding was an internal error
    (exit 1) that also wrote ``reports/error.log`` into the compendium."""
    _git("init", "--quiet", str(tmp_path), cwd=tmp_path)
    raw = tmp_path / "data" / "raw"
    log = paths.ROOT / "reports" / "error.log"
    before = log.stat().st_mtime_ns if log.exists() else None
    script = ("import sys, warnings\n"  # as pyproject.toml's filters: our own code only
              "warnings.filterwarnings('error', category=EncodingWarning, module=r'analysis')\n"
              "from analysis import cli\n"
              f"sys.exit(cli.main(['new-cohort', 'real-2025', '--raw-dir', {str(raw)!r}]))\n")
    done = subprocess.run([sys.executable, "-X", "warn_default_encoding", "-c", script],
                          cwd=paths.ROOT, capture_output=True, timeout=300)
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, err
    assert "EncodingWarning" not in err
    assert "/data/raw/real-2025/" in (tmp_path / ".git" / "info" / "exclude").read_text(
        encoding="utf-8").splitlines()
    assert (log.stat().st_mtime_ns if log.exists() else None) == before, "an internal error log"


# ------------------------------------------------------------------------ platform helpers

def test_kill_this_process_ends_a_python_process_at_once():
    done = subprocess.run([sys.executable, "-c", portability.KILL_THIS_PROCESS + "\nprint('alive')"],
                          capture_output=True, timeout=60)
    assert done.returncode != 0 and b"alive" not in done.stdout
    if sys.platform != "win32":
        assert done.returncode == -portability.HARD_KILL


def test_folder_permissions_apply_matches_what_this_system_does(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "x.txt").write_text("x", encoding="utf-8")
        wrote = True
    except PermissionError:
        wrote = False
    finally:
        folder.chmod(0o700)
    assert portability.folder_permissions_apply() == (not wrote)


# ------------------------------------------------------------------------ the day of the run

CLOCK_DATES = {"today", "now", "utcnow", "localtime", "gmtime", "ctime", "asctime"}
"""Calls that read the calendar date or time of day (``time.time`` for durations is fine)."""

DATED_MODULES = {
    "analysis/report/provenance.py": "the run date of the findings' colophon (SOURCE_DATE_EPOCH "
                                     "when set), the one line that differs between days",
    "analysis/pipeline/lock.py": "the start time of a running pipeline in reports/<cohort>/"
                                 ".run.lock, removed when the run ends",
}
"""The only modules that may read the date, and what for."""


def test_only_the_colophon_and_the_run_lock_read_the_date():
    """Two runs of one commit on different days give the same outputs except the colophon's
    date (tests/test_end_to_end.py re-runs on 2100-01-01 and compares the document)."""
    import ast

    readers = {}
    for file in sorted((paths.ROOT / "analysis").rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Attribute) and n.func.attr in CLOCK_DATES
                 and not (isinstance(n.func.value, ast.Attribute) and n.func.value.attr == "dt")]
        if calls:
            readers[file.relative_to(paths.ROOT).as_posix()] = [c.lineno for c in calls]
    assert set(readers) == set(DATED_MODULES), readers
