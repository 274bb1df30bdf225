"""Table-driven mutations of the bundled cohort through ``python -m analysis validate``.

Each mutation changes a copy of ``data/raw/helmond-2023`` in one way (encodings, delimiters,
Excel oddities, SPSS labels, dates, identifiers, duplicates, YAML, paths, sizes, names, export
mappings) and states its outcome: accepted (exit 0), or refused (exit 2) with a message naming
the file and, where there is one, the column. Every case asserts: the exit code, no traceback,
the raw bytes unchanged and nothing written into the cohort folder or next to it.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from analysis import cli, paths

BUNDLED = paths.RAW / paths.DEFAULT_COHORT
NAME = paths.DEFAULT_COHORT


# ------------------------------------------------------------------------------ helpers

def _text(folder: Path, file: str) -> str:
    return (folder / file).read_text(encoding="utf-8")


def _write(folder: Path, file: str, text: str, encoding: str = "utf-8") -> None:
    (folder / file).write_bytes(text.encode(encoding))


def _edit(file: str, old: str, new: str, count: int = 1) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        text = _text(folder, file)
        assert old in text, (file, old)
        _write(folder, file, text.replace(old, new, count))
    return edit


def _yaml(extra: str = "", *, drop: str | None = None) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        lines = _text(folder, "cohort.yaml").splitlines()
        if drop:
            lines = [ln for ln in lines if not ln.startswith(drop)]
        _write(folder, "cohort.yaml", "\n".join(lines) + "\n" + extra)
    return edit


def _cell(file: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell of a comma CSV (row as in a spreadsheet: header = 1)."""
    def edit(folder: Path) -> None:
        lines = _text(folder, file).split("\n")
        header = lines[0].split(",")
        import csv
        import io

        cells = next(csv.reader([lines[row - 1]]))
        cells[header.index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        lines[row - 1] = out.getvalue()
        _write(folder, file, "\n".join(lines))
    return edit


def _rows(folder: Path, file: str) -> list[list[str]]:
    import csv

    return list(csv.reader(_text(folder, file).splitlines()))


def _to_xlsx(file: str, tweak: Callable | None = None, dates: str | None = None):
    def edit(folder: Path) -> None:
        import datetime

        import openpyxl

        rows = _rows(folder, file)
        book = openpyxl.Workbook()
        sheet = book.active
        for r, row in enumerate(rows):
            values = []
            for c, value in enumerate(row):
                if r and rows[0][c] == dates and value:
                    values.append(datetime.datetime.fromisoformat(value))
                elif r and value.isdigit() and not rows[0][c].endswith("_id"):
                    values.append(int(value))
                else:
                    values.append(value or None)
            sheet.append(values)
        if tweak:
            tweak(sheet)
        (folder / file).unlink()
        book.save(folder / file.replace(".csv", ".xlsx"))
    return edit


def _na_cell(sheet) -> None:
    sheet["F5"].value = "#N/A"
    sheet["F5"].data_type = "e"


def _formula_cell(sheet) -> None:
    sheet["F5"].value = "=E5+1"


def _to_sav(codes_shift: int = 0, value_labels: dict | None = None, timepoint_codes=False):
    def edit(folder: Path) -> None:
        import pandas as pd
        import pyreadstat

        frame = pd.read_csv(folder / "sdq.csv", dtype={"family_id": str})
        labels = {}
        items = [c for c in frame.columns if c.startswith("sdq_")]
        for column in items:
            frame[column] = frame[column] + codes_shift
            if value_labels is not None:
                labels[column] = value_labels
        if timepoint_codes:
            frame["timepoint"] = frame["timepoint"].map({"T0": 1, "T1": 2, "T2": 3})
            labels["timepoint"] = {1: "voormeting", 2: "nameting", 3: "follow-up"}
        (folder / "sdq.csv").unlink()
        pyreadstat.write_sav(frame, str(folder / "sdq.sav"), variable_value_labels=labels)
    return edit


SDQ_LABELS = {0.0: "niet waar", 1.0: "een beetje waar", 2.0: "zeker waar"}
SHIFTED = {1.0: "niet waar", 2.0: "een beetje waar", 3.0: "zeker waar"}


def _reencode(file: str, encoding: str, bom: bytes = b"") -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / file).write_bytes(bom + _text(folder, file).encode(encoding))
    return edit


def _redelimit(file: str, sep: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        import csv
        import io

        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator="\n").writerows(_rows(folder, file))
        _write(folder, file, out.getvalue())
    return edit


def _symlink(file: str, target: Callable[[Path], str]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        destination = target(folder)
        (folder / file).unlink(missing_ok=True)
        os.symlink(destination, folder / file)
    return edit


def _outside_copy(folder: Path) -> str:
    outside = folder.parent.parent / "elsewhere.csv"
    shutil.copy(folder / "sdq.csv", outside)
    return str(outside)


def _inside_copy(folder: Path) -> str:
    (folder / "exports").mkdir()
    shutil.copy(folder / "sdq.csv", folder / "exports" / "sdq_2024.csv")
    return "exports/sdq_2024.csv"


def _replace_by_dir(file: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / file).unlink()
        (folder / file).mkdir()
    return edit


def _fifo(folder: Path) -> None:
    (folder / "sdq.csv").unlink()
    os.mkfifo(folder / "sdq.csv")


def _rename(old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        (folder / old).rename(folder / new)
    return edit


def _castor(labels: bool = False, bad_target: bool = False) -> Callable[[Path], None]:
    """sdq.csv as a Castor export: its own file name, column names and timepoint labels."""
    def edit(folder: Path) -> None:
        rows = _rows(folder, "sdq.csv")
        header = ["Participant Id", "Meetmoment", "Datum", "Invuller"] + [
            f"SDQ_{int(c[4:])}" for c in rows[0][4:]]
        body = rows[1:]
        if labels:
            for row in body:
                row[1] = {"T0": "Voormeting", "T1": "Nameting"}.get(row[1], row[1])
        import csv
        import io

        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *body])
        (folder / "sdq.csv").unlink()
        _write(folder, "SDQ_export_castor.csv", out.getvalue())
        columns = {"Participant Id": "family_id", "Meetmoment": "timepoint", "Datum": "date",
                   "Invuller": "informant"}
        columns |= {f"SDQ_{i}": f"sdq_{i:02d}" for i in range(1, 26)}
        if bad_target:
            columns["Invuller"] = "respondent"
        spec = "\n".join(f'      "{k}": {v}' for k, v in columns.items())
        extra = ("files:\n  sdq:\n    file: SDQ_export_castor.csv\n    columns:\n" + spec + "\n")
        if labels:
            extra += '    labels:\n      timepoint: {"voormeting": T0, "NAMETING": T1}\n'
        _yaml(extra)(folder)
    return edit


def _qdpx_not_zip(folder: Path) -> None:
    (folder / "coding" / "focusgroep_vaktherapeuten.qdpx").write_bytes(b"not a zip at all")


def _qdpx_bad_xml(folder: Path) -> None:
    path = folder / "coding" / "focusgroep_vaktherapeuten.qdpx"
    with zipfile.ZipFile(path) as archive:
        names = {n: archive.read(n) for n in archive.namelist()}
    qde = next(n for n in names if n.lower().endswith(".qde"))
    names[qde] = names[qde][: len(names[qde]) // 2]
    with zipfile.ZipFile(path, "w") as archive:
        for n, data in names.items():
            archive.writestr(n, data)


def _date_times(sheet) -> None:
    """Give every date cell of column C a time of day, as MS Forms' "Tijd van voltooien"."""
    import datetime

    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        if isinstance(row[0].value, datetime.datetime):
            row[0].value += datetime.timedelta(hours=9, minutes=18, seconds=55)


def _survey_item_named(name: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        text = _text(folder, "parent_survey_items.csv")
        _write(folder, "parent_survey_items.csv", text.rstrip("\n") + f"\n{name},Gezin,likert5,"
               "ervaring\n")
    return edit


ALIAS_BOMB = ('lol1: &a ["x","x","x","x","x","x","x","x","x"]\n'
              + "".join(f"lol{i}: &{chr(96 + i)} [{','.join(['*' + chr(95 + i)] * 9)}]\n"
                        for i in range(2, 8)))

# ------------------------------------------------------------------------------ the table
# (id, mutation, expected): expected is None for accepted, else (file, column or None, text).

MUTATIONS: list[tuple[str, Callable[[Path], None], tuple | None]] = [
    # encodings
    ("utf16-bom", _reencode("sdq.csv", "utf-16-le", b"\xff\xfe"), None),
    ("utf8-bom", _reencode("sdq.csv", "utf-8", b"\xef\xbb\xbf"), None),
    ("windows-1252", _reencode("coding/segments.csv", "cp1252"), None),
    ("undecodable", lambda f: (f / "sdq.csv").write_bytes(
        (f / "sdq.csv").read_bytes() + b"F99,T0,2024-01-01,mother,\x81\x9d\n"),
     ("sdq.csv", None, "neither UTF-8")),
    ("utf16-no-bom", _reencode("sdq.csv", "utf-16-le"), ("sdq.csv", None, "binary")),
    # delimiters and decimals
    ("tab-separated", _redelimit("sdq.csv", "\t"), None),
    ("semicolon", _redelimit("trajectories.csv", ";"), None),
    ("semicolon-decimal-comma", lambda f: (_redelimit("trajectories.csv", ";")(f), _write(
        f, "trajectories.csv", _text(f, "trajectories.csv").replace(";2.5;", ";2,5;"))), None),
    ("quoted-2,0", _cell("trajectories.csv", 2, "collaboration_hours", "2,0"), None),
    ("ragged-row", _edit("sdq.csv", "\nF02,", "\nF02,x,y,", 1), ("sdq.csv", None, "rows do not")),
    ("unclosed-quote-row-11", lambda f: _write(f, "trajectories.csv", "\n".join(
        line.replace(",speltherapie,", ',"speltherapie,') if i == 10 else line
        for i, line in enumerate(_text(f, "trajectories.csv").split("\n")))),
     ("trajectories.csv", None, "opened in row 11")),
    ("trailing-spaces-header", _edit("sdq.csv", "family_id,timepoint", "family_id  , timepoint "),
     None),
    ("header-lacks-column", _edit("sdq.csv", ",sdq_13,", ",sdq_x,"), ("sdq.csv", None, "sdq_13")),
    ("repeated-header", _edit("sdq.csv", ",sdq_13,", ",sdq_12,"), ("sdq.csv", None, "sdq_12")),
    # Excel
    ("xlsx", _to_xlsx("sdq.csv"), None),
    ("xlsx-date-cells", _to_xlsx("trajectories.csv", dates="start_date"), None),
    ("xlsx-error-cell", _to_xlsx("sdq.csv", _na_cell), ("sdq.xlsx", "cell F5", "#N/A")),
    ("xlsx-formula-no-result", _to_xlsx("sdq.csv", _formula_cell),
     ("sdq.xlsx", "cell F5", "saved result")),
    ("xlsx-and-csv", lambda f: (shutil.copy(f / "sdq.csv", f / "keep.csv"),
                                _to_xlsx("sdq.csv")(f), shutil.move(f / "keep.csv", f / "sdq.csv")),
     ("sdq.csv", None, "both hold table")),
    ("xlsx-renamed-csv", lambda f: (_to_xlsx("ari_cp.csv")(f),
                                    (f / "ari_cp.xlsx").rename(f / "ari_cp.csv")),
     ("ari_cp.csv", None, "zip archive")),
    ("xlsx-broken", lambda f: ((f / "sdq.csv").unlink(), (f / "sdq.xlsx").write_bytes(b"PK\x03\x04x")),
     ("sdq.xlsx", None, "cannot be opened")),
    # SPSS
    ("sav-labels-agree", _to_sav(0, SDQ_LABELS), None),
    ("sav-codes-shifted", _to_sav(1, SHIFTED), ("sdq.sav", "sdq_01", "niet waar")),
    ("sav-codes-shifted-applied", lambda f: (_to_sav(1, SHIFTED)(f),
                                             _yaml("files:\n  sdq:\n    value_labels: apply\n")(f)),
     None),
    ("sav-timepoint-labels", _to_sav(0, SDQ_LABELS, timepoint_codes=True), None),
    ("sav-no-labels-out-of-range", _to_sav(1), ("sdq.sav", "sdq_", "answer from 0 to 2")),
    ("sav-broken", lambda f: ((f / "sdq.csv").unlink(), (f / "sdq.sav").write_bytes(b"$FL2junk")),
     ("sdq.sav", None, "SPSS")),
    # dates
    ("dutch-dates", _cell("trajectories.csv", 2, "start_date", "15-10-2023"), None),
    ("slash-dates", _cell("trajectories.csv", 2, "start_date", "15/10/2023"), None),
    ("impossible-date", _cell("trajectories.csv", 2, "start_date", "31-02-2024"),
     ("trajectories.csv", "start_date", "a date")),
    ("end-before-start", _cell("trajectories.csv", 2, "end_date", "2023-01-01"),
     ("trajectories.csv", "end_date", "on or after start_date")),
    ("text-date", _cell("sdq.csv", 3, "date", "gisteren"), ("sdq.csv", "date", "a date")),
    # identifiers
    ("unknown-family", _cell("sdq.csv", 2, "family_id", "F99"),
     ("sdq.csv", "family_id", "trajectories.csv")),
    ("empty-family-id", _cell("trajectories.csv", 3, "family_id", ""),
     ("trajectories.csv", "family_id", "may not be empty")),
    ("duplicate-family-id", _cell("trajectories.csv", 3, "family_id", "F01"),
     ("trajectories.csv", "family_id", "unique")),
    ("duplicate-session-id", _cell("coding/sessions.csv", 3, "session_id", "RS_SW"),
     ("coding/sessions.csv", "session_id", "unique")),
    # duplicates and values
    ("duplicate-questionnaire-row", lambda f: _write(
        f, "sdq.csv", _text(f, "sdq.csv") + _text(f, "sdq.csv").splitlines()[1] + "\n"),
     ("sdq.csv", "timepoint", "one row per family_id")),
    ("NA-in-number", _cell("trajectories.csv", 2, "therapy_sessions", "NA"),
     ("trajectories.csv", "therapy_sessions", "whole number")),
    ("answer-out-of-range", _cell("sdq.csv", 2, "sdq_05", "7"), ("sdq.csv", "sdq_05", "0 to 2")),
    ("unknown-status", _cell("trajectories.csv", 2, "status", "x" * 5000),
     ("trajectories.csv", "status", "one of completed")),
    ("answer-label", _cell("sdq.csv", 2, "sdq_05", "Zeker waar"), None),
    ("pilot-limit", _cell("trajectories.csv", 2, "therapy_sessions", "40"),
     ("trajectories.csv", "therapy_sessions", "pilot limit")),
    # YAML
    ("yaml-duplicate-key", _yaml("slots: 40\n"), ("cohort.yaml", None, "twice")),
    ("yaml-alias-bomb", _yaml(ALIAS_BOMB), ("cohort.yaml", None, "aliases")),
    ("yaml-bool-ja", _yaml('synthetic: "ja"\n', drop="synthetic"),
     ("cohort.yaml", None, "'synthetic' is 'ja'")),
    ("yaml-bool-yes", _yaml("synthetic: yes\n", drop="synthetic"),
     ("cohort.yaml", None, "'synthetic' is 'yes'")),
    ("yaml-unknown-field", _yaml("titel: x\n"), ("cohort.yaml", None, "'titel' is not known")),
    ("yaml-syntax", _yaml("slots: [30\n", drop="slots"), ("cohort.yaml", None, "not valid YAML")),
    ("yaml-python-tag", _yaml("x: !!python/object/apply:os.system ['true']\n"),
     ("cohort.yaml", None, "line")),
    ("yaml-empty", lambda f: _write(f, "cohort.yaml", ""), ("cohort.yaml", None, "not a mapping")),
    ("yaml-huge", lambda f: _write(f, "cohort.yaml", _text(f, "cohort.yaml")
                                    + "#" * 1_100_000 + "\n"), ("cohort.yaml", None, "bytes")),
    ("yaml-period-order", _yaml("period_end: 2020-01-01\n", drop="period_end"),
     ("cohort.yaml", None, "before period_start")),
    ("yaml-is-dir", _replace_by_dir("cohort.yaml"), ("cohort.yaml", None, "a folder")),
    ("yaml-not-utf8", lambda f: (f / "cohort.yaml").write_bytes(
        (f / "cohort.yaml").read_bytes() + b"# caf\xe9\n"), ("cohort.yaml", None, "UTF-8")),
    # paths
    ("claims-parent-dir", _yaml("published_claims: ../../etc/passwd\n", drop="published_claims"),
     ("cohort.yaml", None, "published_claims")),
    ("claims-absolute", _yaml("published_claims: /etc/passwd\n", drop="published_claims"),
     ("cohort.yaml", None, "published_claims")),
    ("claims-symlink-out", _symlink("published_claims.csv", _outside_copy),
     ("published_claims.csv", None, "outside the")),
    ("claims-header", _edit("published_claims.csv", "claim_id,section", "id,section"),
     ("published_claims.csv", None, "claim_id")),
    ("claims-not-number", _cell("published_claims.csv", 2, "published", "dertig"),
     ("published_claims.csv", "published", "a number")),
    ("dangling-symlink", _symlink("sdq.csv", lambda f: str(f / "gone.csv")),
     ("sdq.csv", None, "dangling")),
    ("symlink-outside", _symlink("sdq.csv", _outside_copy), ("sdq.csv", None, "outside")),
    ("symlink-inside", _symlink("sdq.csv", _inside_copy), None),
    ("dir-named-sdq.csv", _replace_by_dir("sdq.csv"), ("sdq.csv", None, "a folder")),
    ("fifo-named-sdq.csv", _fifo, ("sdq.csv", None, "FIFO")),
    ("coding-is-file", lambda f: (shutil.rmtree(f / "coding"), _write(f, "coding", "x")),
     ("coding", None, "not a folder")),
    ("mapped-file-escapes", _yaml("files:\n  sdq:\n    file: ../sdq.csv\n"),
     ("cohort.yaml", None, "files.sdq.file")),
    ("mapped-file-missing", _yaml("files:\n  sdq:\n    file: SDQ_castor.csv\n"),
     ("SDQ_castor.csv", None, "not found")),
    # names
    ("upper-case-name", _rename("sdq.csv", "SDQ.csv"), None),
    ("mixed-case-suffix", _rename("ari_cp.csv", "Ari_CP.CSV"), None),
    ("upper-and-lower", lambda f: shutil.copy(f / "sdq.csv", f / "SDQ.csv"),
     ("SDQ.csv", None, "both hold table")),
    # sizes
    ("empty-file", lambda f: _write(f, "sdq.csv", ""), ("sdq.csv", None, "empty")),
    ("header-only", lambda f: _write(f, "ari_cp.csv", _text(f, "ari_cp.csv").splitlines()[0]),
     None),
    ("huge-cell", _cell("coding/segments.csv", 2, "text", "bla " * 50_000), None),
    # exports under their own names
    ("castor-mapped", _castor(), None),
    ("castor-mapped-labels", _castor(labels=True), None),
    ("castor-bad-target", _castor(bad_target=True), ("cohort.yaml", None, "'respondent'")),
    ("castor-value-named", lambda f: (_castor()(f), _cell("SDQ_export_castor.csv", 2, "SDQ_3",
                                                          "veel")(f)),
     ("SDQ_export_castor.csv", "SDQ_3 (sdq_03)", "an answer")),
    ("castor-unmapped", lambda f: (_castor()(f), _write(
        f, "cohort.yaml", _text(f, "cohort.yaml").split("files:")[0])), None),
    # QDA exports
    ("qdpx-not-zip", _qdpx_not_zip, ("coding/focusgroep_vaktherapeuten.qdpx", None, "zip")),
    ("qdpx-bad-xml", _qdpx_bad_xml, ("coding/focusgroep_vaktherapeuten.qdpx", None, "XML")),
    ("qdpx-fifo", lambda f: os.mkfifo(f / "coding" / "extra.qdpx"),
     ("coding/extra.qdpx", None, "FIFO")),
    ("qdpx-same-session-twice", lambda f: shutil.copy(
        f / "coding" / "focusgroep_vaktherapeuten.qdpx", f / "coding" / "kopie.qdpx"),
     ("coding/", None, "coding export")),
    # issue 23: exports as survey tools write them
    ("date-time-text", _cell("sdq.csv", 2, "date", "2023-10-17 09:18:55"), None),
    ("date-time-iso-zone", _cell("sdq.csv", 2, "date", "2023-10-17T09:18:55+02:00"), None),
    ("xlsx-date-time-cells", _to_xlsx("sdq.csv", _date_times, dates="date"), None),
    ("impossible-time", _cell("sdq.csv", 2, "date", "2023-10-17 25:61"),
     ("sdq.csv", "date", "a date")),
    ("status-with-diaeresis", _cell("trajectories.csv", 2, "status", "Voortijdig beëindigd"),
     None),
    ("timepoint-upper-accented", _cell("sdq.csv", 2, "timepoint", "BEGÍNMETING"), None),
    ("timepoint-other-letters", _cell("sdq.csv", 2, "timepoint", "BEGINMETIMG"),
     ("sdq.csv", "timepoint", "one of T0")),
    # issue 23: look-alike ids, surrogates, names that collide
    ("zero-width-id", _cell("trajectories.csv", 3, "family_id", "F01\u200b"),
     ("trajectories.csv", "family_id", "invisible or bidirectional")),
    ("rtl-override-session", _cell("coding/sessions.csv", 2, "session_id", "RS\u202eWS"),
     ("coding/sessions.csv", "session_id", "invisible or bidirectional")),
    ("full-width-duplicate-id", _cell("trajectories.csv", 3, "family_id", "\uff26\uff10\uff11"),
     ("trajectories.csv", "family_id", "unique")),
    ("surrogate-in-title", _yaml('title: "Pilot \\ud800 Helmond"\n', drop="title"),
     ("cohort.yaml", None, "surrogate")),
    ("surrogate-in-params-like-key", _yaml('"\\udc80": 1\n'), ("cohort.yaml", None, "surrogate")),
    ("survey-item-family_id", _survey_item_named("family_id"),
     ("parent_survey_items.csv", "item", "an item name other than family_id")),
    ("segment-code-separator", _cell("coding/segments.csv", 2, "code", " > "),
     ("coding/segments.csv", None, "separator")),
]


def _snapshot(root: Path) -> dict[str, object]:
    """Every entry below ``root``: bytes of regular files, else the kind of entry."""
    out: dict[str, object] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = os.lstat(path)
            key = path.relative_to(root).as_posix()
            if stat.S_ISREG(info.st_mode):
                out[key] = path.read_bytes()
            elif stat.S_ISLNK(info.st_mode):
                out[key] = ("link", os.readlink(path))
            else:
                out[key] = stat.S_IFMT(info.st_mode)
    return out


@pytest.mark.parametrize("case, mutate, expected", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_mutation(tmp_path, capsys, case, mutate, expected):
    root = tmp_path / "raw"
    folder = root / NAME
    shutil.copytree(BUNDLED, folder)
    mutate(folder)
    before = _snapshot(tmp_path)
    code = cli.main(["validate", "--cohort", NAME, "--raw-dir", str(root)])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Traceback" not in text
    assert _snapshot(tmp_path) == before, "validate changed or wrote files"
    if expected is None:
        assert code == 0, text
        return
    file, column, phrase = expected
    assert code == 2, text
    errors = text.split("Warnings (listed")[0]
    assert file in errors, text
    if column:
        assert column in errors, text
    assert phrase in errors, text
    assert max(len(line) for line in text.splitlines()) < 400, "a value was echoed in full"


def test_at_least_sixty_mutations_and_both_outcomes():
    refused = [m for m in MUTATIONS if m[2] is not None]
    assert len(MUTATIONS) >= 60 and len(refused) >= 40
    accepted = {m[0] for m in MUTATIONS if m[2] is None}
    assert {"utf16-bom", "tab-separated", "quoted-2,0", "windows-1252", "xlsx-date-cells",
            "trailing-spaces-header"} <= accepted


@pytest.mark.parametrize("name", ["x" * 300, "../helmond-2023", "a b", ""])
def test_bad_cohort_names_are_refused_before_any_path(tmp_path, capsys, name):
    code = cli.main(["validate", "--cohort", name, "--raw-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "cohort name" in err and "Traceback" not in err
    assert len(err) < 400


@pytest.mark.parametrize("case", ["sav-labels-agree", "sav-codes-shifted-applied",
                                  "sav-timepoint-labels", "castor-mapped-labels", "xlsx",
                                  "utf16-bom", "tab-separated", "upper-case-name"])
def test_accepted_variants_give_the_bundled_tables(tmp_path, case):
    """What an accepted variant holds is what the bundled CSV holds: answers, ids, timepoints."""
    from analysis.data import validate

    mutate = dict((m[0], m[1]) for m in MUTATIONS)[case]
    folder = tmp_path / "raw" / NAME
    shutil.copytree(BUNDLED, folder)
    mutate(folder)
    got = validate.load_cohort(folder).tables["sdq"]
    want = validate.load_cohort(BUNDLED).tables["sdq"]
    columns = list(want.columns)
    assert got[columns].astype(str).equals(want[columns].astype(str))


# ------------------------------------------------------------------------------ hostile files
# Each hostile case runs `python -m analysis validate` in a child process whose address space is
# capped (resource.RLIMIT_AS), so a file that would make the reader allocate gigabytes fails the
# test instead of the machine. The child prints its peak resident memory; the zip bomb is built
# here, in the test's temporary folder, and never committed.

MEMORY_CAP_MB = 1536
"""Address-space cap of the child (MiB). Validating the bundled cohort peaks at about 130 MB
resident; the 3 GiB zip bomb of issue 23 needed 3.2 GB before."""

QDPX = "coding/focusgroep_vaktherapeuten.qdpx"
PEAKS: dict[str, float] = {}
"""Peak resident memory (MB) per hostile case, filled as the cases run (printed at the end)."""


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _source_member(path: Path) -> zipfile.ZipInfo:
    with zipfile.ZipFile(path) as archive:
        return next(i for i in archive.infolist() if not i.filename.endswith(".qde"))


def _patch(field: str) -> Callable[[Path], None]:
    """Patch the source member of the .qdpx in its local and central headers: ``encrypted``
    (flag bit 0), ``deflate64`` (method 9), ``crc`` (a wrong CRC-32) or ``stream`` (damaged
    compressed bytes)."""
    import struct

    def edit(folder: Path) -> None:
        path = folder / QDPX
        info = _source_member(path)
        data = bytearray(path.read_bytes())
        local = info.header_offset
        central = data.rfind(b"PK\x01\x02" + data[local + 4:local + 6])
        while data[central + 46:central + 46 + len(info.filename)] != info.filename.encode():
            central = data.rfind(b"PK\x01\x02", 0, central)
        if field == "encrypted":
            for at in (local + 6, central + 8):
                data[at] |= 0x01
        elif field == "deflate64":
            for at in (local + 8, central + 10):
                data[at:at + 2] = struct.pack("<H", 9)
        elif field == "crc":
            for at in (local + 14, central + 16):
                data[at:at + 4] = struct.pack("<I", info.CRC ^ 0xFFFFFFFF)
        else:
            start = local + 30 + struct.unpack("<H", data[local + 26:local + 28])[0] + \
                struct.unpack("<H", data[local + 28:local + 30])[0]
            for k in range(start + 2, start + min(info.compress_size, 40)):
                data[k] ^= 0x5A
        path.write_bytes(bytes(data))
    return edit


def _bomb(where: str, gib: float = 3.0) -> Callable[[Path], None]:
    """Replace the project XML (``qde``) or the source text (``source``) by a member of
    ``gib`` GiB of spaces (a few MB compressed), declared honestly (zip64)."""
    def edit(folder: Path) -> None:
        path = folder / QDPX
        members = _members(path)
        target = next(n for n in members if n.endswith(".qde") == (where == "qde"))
        piece = b" " * (1 << 20)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                if name != target:
                    archive.writestr(name, data)
            with archive.open(target, "w", force_zip64=True) as member:
                for _ in range(int(gib * 1024)):
                    member.write(piece)
    return edit


def _lying_member(folder: Path) -> None:
    """A source member that declares 1,000 bytes and inflates to 300 MiB."""
    import struct

    path = folder / QDPX
    members = _members(path)
    target = next(n for n in members if not n.endswith(".qde"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name != target:
                archive.writestr(name, data)
        archive.writestr(target, b" " * (300 << 20))
    info = _source_member(path)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    while data[central + 46:central + 46 + len(info.filename)] != info.filename.encode():
        central = data.rfind(b"PK\x01\x02", 0, central)
    data[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", 1000)
    data[central + 24:central + 28] = struct.pack("<I", 1000)
    path.write_bytes(bytes(data))


def _many_members(folder: Path) -> None:
    path = folder / QDPX
    with zipfile.ZipFile(path, "a") as archive:
        for k in range(10_001):
            archive.writestr(f"Sources/extra_{k}.txt", b"")


def _wide_sav(folder: Path) -> None:
    import numpy as np
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame(np.zeros((3, 20_000)), columns=[f"v{i}" for i in range(20_000)])
    frame.insert(0, "family_id", ["F01", "F02", "F03"])
    (folder / "sdq.csv").unlink()
    pyreadstat.write_sav(frame, str(folder / "sdq.sav"))


def _wide_csv(folder: Path) -> None:
    header = ["family_id", "timepoint", "date", "informant"] + [f"x{i}" for i in range(5000)]
    _write(folder, "ari_cp.csv", ",".join(header) + "\n" + ",".join(["F01"] * len(header)) + "\n")


def _xlsx_bomb(folder: Path) -> None:
    """sdq.xlsx whose first sheet declares 300 MiB over the per-member cap of 256 MiB."""
    _to_xlsx("sdq.csv")(folder)
    members = _members(folder / "sdq.xlsx")
    sheet = next(n for n in members if n.startswith("xl/worksheets/"))
    with zipfile.ZipFile(folder / "sdq.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name != sheet:
                archive.writestr(name, data)
        archive.writestr(sheet, members[sheet] + b" " * (300 << 20))


def _qde_edit(edit: Callable[[str], str]) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / QDPX
        members = _members(path)
        qde = next(n for n in members if n.endswith(".qde"))
        members[qde] = edit(members[qde].decode("utf-8")).encode("utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    return apply


XXE = '<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'

HOSTILE: list[tuple[str, Callable[[Path], None], tuple[str, str]]] = [
    ("zip-bomb-project-xml", _bomb("qde"), (QDPX, "more than 268,435,456")),
    ("zip-bomb-source", _bomb("source", gib=1.0), (QDPX, "more than 268,435,456")),
    ("zip-member-lies-about-size", _lying_member, (QDPX, "checksum")),
    ("zip-10001-members", _many_members, (QDPX, "10,003 members")),
    ("zip-encrypted-member", _patch("encrypted"), (QDPX, "encrypted")),
    ("zip-deflate64", _patch("deflate64"), (QDPX, "Deflate64")),
    ("zip-bad-crc", _patch("crc"), (QDPX, "checksum")),
    ("zip-damaged-stream", _patch("stream"), (QDPX, "cannot be read")),
    ("xlsx-sheet-bomb", _xlsx_bomb, ("sdq.xlsx", "more than 268,435,456")),
    ("sav-20000-variables", _wide_sav, ("sdq.sav", "20,001 columns")),
    ("csv-5004-columns", _wide_csv, ("ari_cp.csv", "5,004 columns")),
    ("qde-doctype-xxe", _qde_edit(lambda t: t.replace("?>", "?>\n" + XXE, 1)),
     (QDPX, "DOCTYPE or ENTITY")),
    ("qde-rtl-source-name", _qde_edit(lambda t: re.sub(r'(<TextSource [^>]*?name=")',
                                                       "\\g<1>\u202e", t, count=1)),
     (QDPX, "invisible or bidirectional")),
]

_CHILD = """\
import resource, sys
cap = {cap} << 20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from analysis import cli
code = 99
try:
    code = cli.main(["validate", "--cohort", {name!r}, "--raw-dir", {root!r}])
finally:  # VmHWM: this process's own high-water mark (ru_maxrss keeps the parent's)
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):  # no /proc (macOS): ru_maxrss in bytes there, KiB on Linux
        from benchmarks.measure import maxrss_mb
        peak = maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(f"PEAK_MB={{peak:.0f}}", file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.kernel  # validation (stage 00) in a child interpreter under a memory cap: 1-8 s each
@pytest.mark.parametrize("case, mutate, expected", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_refused_under_a_memory_cap(tmp_path, case, mutate, expected):
    resource = pytest.importorskip("resource")  # absent on Windows
    import subprocess
    import sys

    root = tmp_path / "raw"
    folder = root / NAME
    shutil.copytree(BUNDLED, folder)
    mutate(folder)
    before = _snapshot(tmp_path)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYTHONWARNINGS": "error::DeprecationWarning"}
    child = subprocess.run(
        [sys.executable, "-X", "warn_default_encoding", "-c",
         _CHILD.format(cap=MEMORY_CAP_MB, name=NAME, root=str(root))],
        capture_output=True, text=True, encoding="utf-8", errors="replace", env=env,
        cwd=paths.ROOT, timeout=600)
    text = child.stdout + child.stderr
    PEAKS[case] = float(text.rsplit("PEAK_MB=", 1)[-1].split()[0])
    assert child.returncode == 2, text  # 1 would be an internal error, logged to error.log
    assert "Traceback" not in text and "MemoryError" not in text
    assert "internal error" not in text
    assert _snapshot(tmp_path) == before, "validate changed or wrote files"
    file, phrase = expected
    flat = " ".join(text.split())
    assert file in flat and phrase in flat, text
    if file == QDPX:  # members are counted, never named (a source may be named after a person)
        with zipfile.ZipFile(BUNDLED / QDPX) as archive:
            names = [n for n in archive.namelist() if not n.endswith(".qde")]
        assert not any(n in text or n.split("/")[-1] in text for n in names)
    assert PEAKS[case] < MEMORY_CAP_MB


def test_hostile_cases_cover_issue_23(capsys):
    ids = {h[0] for h in HOSTILE}
    assert {"zip-bomb-project-xml", "zip-bomb-source", "zip-encrypted-member", "zip-deflate64",
            "zip-bad-crc", "zip-damaged-stream", "sav-20000-variables",
            "qde-doctype-xxe"} <= ids
    if PEAKS:  # after the cases in the same session: the figures for the closing note
        with capsys.disabled():
            print("\npeak resident memory (MB) per hostile case:", ", ".join(
                f"{k} {v:.0f}" for k, v in sorted(PEAKS.items(), key=lambda kv: -kv[1])))
