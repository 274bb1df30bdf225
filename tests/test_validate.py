"""analysis.data.validate: every check finds its problem, names file/row/column/value, and bad input
never crashes (tested through the command line, exit code 2)."""

from __future__ import annotations

import csv
import hashlib
import io as stdio
import time

import numpy as np
import pandas as pd
import pytest

from analysis import cli
from analysis.data import validate
from analysis.errors import CompendiumError, Problem


def _read_rows(path):
    data = path.read_bytes()
    encoding = "utf-8" if not data.startswith(b"family_id;") else "cp1252"
    text = data.decode(encoding)
    delimiter = ";" if text.split("\n", 1)[0].count(";") else ","
    return list(csv.reader(stdio.StringIO(text), delimiter=delimiter)), delimiter, encoding


def edit(folder, file, row, column, value):
    """Set the cell at spreadsheet ``row`` (header = 1) and ``column`` of ``file``."""
    path = folder / file
    rows, delimiter, encoding = _read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    out = stdio.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def drop_row(folder, file, row):
    path = folder / file
    rows, delimiter, encoding = _read_rows(path)
    del rows[row - 1]
    out = stdio.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))


def _found(report, check):
    return [p for p in report.errors + report.warnings if p.check == check]


# ------------------------------------------------------------------------------ the valid cohort

def test_valid_cohort_has_no_errors_and_no_warnings(valid_cohort):
    report = validate.validate_cohort(valid_cohort)
    assert report.errors == [] and report.warnings == [], report.format()
    assert report.files["ari_cp.csv"].rows == 6
    assert report.files["obvl.csv"].source is None, "an absent file is not an error"
    assert "No errors" in report.format()


def test_cleaned_tables_are_typed_and_labels_mapped(valid_cohort):
    tables = validate.validate_cohort(valid_cohort).tables
    traj = tables["trajectories"]
    assert traj["therapist_id"].tolist()[0] == "T007"
    assert traj["collaboration_hours"].tolist() == [4.5, 5.0, 2.0, 1.5]
    assert traj["indicated"].tolist() == [True, True, True, False]
    assert traj["placement_averted"].isna().tolist() == [True, False, True, True]
    assert str(traj["therapy_sessions"].dtype) == "Int64"
    assert pd.isna(traj.loc[3, "end_date"]) and traj.loc[0, "end_date"] == pd.Timestamp("2024-03-04")
    sdq = tables["sdq"]
    labels = pd.read_csv(valid_cohort / "sdq.csv", dtype=str).iloc[0, 4:]
    codes = {"niet waar": 0, "een beetje waar": 1, "zeker waar": 2}
    assert sdq.iloc[0, 4:29].tolist() == [codes[v] for v in labels]
    assert sdq["sdq_distress"].isna().all(), "optional supplement columns are added empty"
    ari = tables["ari_cp"]
    assert ari["date"].iloc[0] == pd.Timestamp("2023-09-11") and ari["informant"].iloc[0] == "mother"
    survey = tables["parent_survey"]
    assert survey["q01"].tolist() == [5, 4, 3]
    assert survey["q02"].tolist() == [True, False, True]
    assert tables["sessions"]["n_participants"].tolist() == [6, 1]


@pytest.mark.parametrize("stem", ["trajectories", "sdq", "ari_cp", "parent_survey_items",
                                  "parent_survey", "sessions", "segments"])
def test_cleaned_tables_satisfy_the_pandera_schema(valid_cohort, stem):
    table = validate.validate_cohort(valid_cohort).tables[stem]
    validate.table_schema(stem).validate(table, lazy=True)


def test_pandera_schema_rejects_what_the_contract_forbids():
    import pandera.errors

    bad = pd.DataFrame({"session_id": pd.Series(["S1", "S1"], dtype="str"),
                        "session_type": pd.Series(["workshop", "interview"], dtype="str")})
    with pytest.raises(pandera.errors.SchemaErrors):
        validate.table_schema("sessions").validate(bad, lazy=True)


def test_raw_files_are_never_modified(valid_cohort):
    edit(valid_cohort, "sdq.csv", 3, "sdq_05", "7")

    def hashes():
        return {p: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(valid_cohort.rglob("*")) if p.is_file()}

    before = hashes()
    validate.validate_cohort(valid_cohort)
    assert cli.main(["validate", "--cohort", valid_cohort.name,
                     "--raw-dir", str(valid_cohort.parent)]) == 2
    assert hashes() == before


def test_xlsx_export_replaces_the_csv(valid_cohort):
    frame = pd.read_csv(valid_cohort / "sdq.csv", dtype=str)
    frame.loc[2, "sdq_03"] = "5"
    frame.to_excel(valid_cohort / "sdq.xlsx", index=False)
    (valid_cohort / "sdq.csv").unlink()
    report = validate.validate_cohort(valid_cohort)
    assert [(p.file, p.row, p.column, p.value) for p in report.errors] == [
        ("sdq.xlsx", 4, "sdq_03", "5")]


# ------------------------------------------------------------------------------ each check

T, S, A = "trajectories.csv", "sdq.csv", "ari_cp.csv"
CASES = {
    # id: (edits [(file, row, column, value)], (severity, file, row, column, check, value))
    "status not allowed": ([(T, 3, "status", "klaar")], ("error", T, 3, "status", "allowed", "klaar")),
    "dutch status label": ([(T, 3, "status", "Afgerond")], None),
    "age not a number": ([(T, 2, "child_age", "zeven")], ("error", T, 2, "child_age", "type", "zeven")),
    "age not whole": ([(T, 2, "child_age", "7,5")], ("error", T, 2, "child_age", "type", "7.5")),
    "age out of range": ([(T, 2, "child_age", "40")], ("error", T, 2, "child_age", "range", "40")),
    "bad bool": ([(T, 4, "indicated", "misschien")], ("error", T, 4, "indicated", "type", "misschien")),
    "bad date": ([(T, 2, "start_date", "2023-02-30")], ("error", T, 2, "start_date", "type", "2023-02-30")),
    "duplicate family": ([(T, 3, "family_id", "F01")], ("error", T, 3, "family_id", "unique", "F01")),
    "empty family": ([(T, 3, "family_id", "")], ("error", T, 3, "family_id", "required_value", None)),
    "too many sessions": ([(T, 2, "therapy_sessions", "26")], ("error", T, 2, "therapy_sessions", "pilot_limit", "26")),
    "too many hours": ([(T, 5, "collaboration_hours", "5,5")], ("error", T, 5, "collaboration_hours", "pilot_limit", "5.5")),
    "few observations": ([(T, 2, "observation_sessions", "2")], ("warning", T, 2, "observation_sessions", "observation_sessions", "2")),
    "observations above sessions": ([(T, 4, "observation_sessions", "5"), (T, 4, "therapy_sessions", "4")],
                                    ("error", T, 4, "observation_sessions", "observation_count", "5")),
    "start after end": ([(T, 2, "start_date", "2024-03-05")], ("error", T, 2, "end_date", "date_order", "2024-03-04")),
    "before period": ([(T, 2, "start_date", "2023-08-31")], ("warning", T, 2, "start_date", "date_outside_period", "2023-08-31")),
    "completed without end": ([(T, 2, "end_date", "")], ("warning", T, 2, "end_date", "status_end_date", None)),
    "unknown family": ([(S, 7, "family_id", "F99")], ("error", S, 7, "family_id", "unknown_family", "F99")),
    "duplicate timepoint": ([(S, 3, "timepoint", "T0")], ("error", S, 3, "timepoint", "duplicate", "T0")),
    "T1 without T0": ([(S, 4, "timepoint", "T2")], ("warning", S, 5, "timepoint", "without_t0", "T1")),
    "T1 before T0": ([(S, 3, "date", "2023-09-10")], ("error", S, 3, "date", "date_order", "2023-09-10")),
    "answer out of range": ([(S, 3, "sdq_05", "3")], ("error", S, 3, "sdq_05", "answer_range", "3")),
    "answer not whole": ([(S, 3, "sdq_05", "1.5")], ("error", S, 3, "sdq_05", "answer_range", "1.5")),
    "answer not a label": ([(S, 3, "sdq_05", "soms")], ("error", S, 3, "sdq_05", "answer", "soms")),
    "english label": ([(S, 3, "sdq_05", "Certainly True")], None),
    "timepoint lowercase": ([(S, 3, "timepoint", "t1")], None),
    "one answer missing": ([(S, 2, "sdq_03", "")], None),
    "scale missing": ([(S, 2, c, "") for c in ("sdq_03", "sdq_08", "sdq_13")],
                      ("warning", S, 2, "emotional (sdq_03 ...)", "scale_missing", "2 of 5 items answered")),
    "ari out of range": ([(A, 6, "ari_48", "0")], ("error", A, 6, "ari_48", "answer_range", "0")),
    "informant unknown": ([(A, 2, "informant", "oma")], ("error", A, 2, "informant", "allowed", "oma")),
    "likert out of range": ([("parent_survey.csv", 2, "q01", "7")], ("error", "parent_survey.csv", 2, "q01", "answer_range", "7")),
    "yesno not yes or no": ([("parent_survey.csv", 3, "q02", "soms")], ("error", "parent_survey.csv", 3, "q02", "type", "soms")),
    "item type unknown": ([("parent_survey_items.csv", 3, "type", "schaal")],
                          ("error", "parent_survey_items.csv", 3, "type", "allowed", "schaal")),
    "survey item without column": ([("parent_survey_items.csv", 4, "item", "q09")],
                                   ("warning", "parent_survey_items.csv", 4, "item", "missing_item_column", "q09")),
    "session type unknown": ([("coding/sessions.csv", 2, "session_type", "workshop")],
                             ("error", "coding/sessions.csv", 2, "session_type", "allowed", "workshop")),
    "segment of unknown session": ([("coding/segments.csv", 4, "session_id", "S09")],
                                   ("warning", "coding/segments.csv", 4, "session_id", "unknown_session", "S09")),
    "same code twice": ([("coding/segments.csv", 3, "coder", "C1")],
                        ("warning", "coding/segments.csv", 3, "code", "duplicate_segment", "Werkzame elementen > Screening")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_check_names_file_row_column_value(valid_cohort, case):
    edits, expected = CASES[case]
    for file, row, column, value in edits:
        edit(valid_cohort, file, row, column, value)
    report = validate.validate_cohort(valid_cohort)
    found = [(p.severity, p.file, p.row, p.column, p.check, p.value)
             for p in report.errors + report.warnings]
    if expected is None:
        assert found == [], report.format()
        return
    assert expected in found, report.format()
    also = {"duplicate family": {"unknown_family"}, "empty family": {"unknown_family"}}
    assert {f[4] for f in found} <= {expected[4]} | also.get(case, set()), report.format()
    severity, file, row, column, check, value = expected
    problem = next(p for p in report.errors + report.warnings
                   if (p.check, p.row, p.column) == (check, row, column))
    assert problem.expected and not problem.file.startswith("/")
    line = problem.format()
    assert line.startswith(f"{file}, row {row}, column {column}: ") and "expected " in line
    assert line in report.format()


def test_invalid_values_are_missing_in_the_cleaned_table(valid_cohort):
    edit(valid_cohort, S, 3, "sdq_05", "3")
    edit(valid_cohort, T, 2, "therapy_sessions", "40")
    tables = validate.validate_cohort(valid_cohort).tables
    assert pd.isna(tables["sdq"].loc[1, "sdq_05"])
    assert pd.isna(tables["trajectories"].loc[0, "therapy_sessions"])


def test_limits_in_cohort_yaml_override_the_pilot_defaults(valid_cohort):
    edit(valid_cohort, T, 2, "therapy_sessions", "30")
    assert _found(validate.validate_cohort(valid_cohort), "pilot_limit")
    with open(valid_cohort / "cohort.yaml", "a", encoding="utf-8") as handle:
        handle.write("limits:\n  max_therapy_sessions: 30\n")
    report = validate.validate_cohort(valid_cohort)
    assert not _found(report, "pilot_limit"), report.format()


def test_trajectories_absent_skips_the_family_check(valid_cohort):
    (valid_cohort / T).unlink()
    report = validate.validate_cohort(valid_cohort)
    assert report.errors == [] and "absent" in report.format()
    assert "trajectories" not in report.tables


def test_questionnaire_missing_an_item_column_is_a_wrong_header(valid_cohort):
    frame = pd.read_csv(valid_cohort / S, dtype=str).drop(columns=["sdq_25"])
    frame.to_csv(valid_cohort / S, index=False)
    with pytest.raises(CompendiumError, match=r"cannot read sdq.csv: the header lacks column 'sdq_25'"):
        validate.validate_cohort(valid_cohort)


def test_unknown_extra_columns_are_kept_and_ignored(valid_cohort):
    frame = pd.read_csv(valid_cohort / T, dtype=str, keep_default_na=False)
    frame["remarks"] = "vrije tekst"
    frame.to_csv(valid_cohort / T, index=False)
    report = validate.validate_cohort(valid_cohort)
    assert report.errors == [] and report.warnings == []
    assert report.tables["trajectories"]["remarks"].tolist() == ["vrije tekst"] * 4


# ------------------------------------------------------------------------------ the report

def test_many_failures_list_twenty_and_count_the_rest(valid_cohort):
    header = "family_id,status,start_date,end_date,therapy,therapist_id,social_worker_id," \
             "observation_sessions,therapy_sessions,collaboration_hours\n"
    rows = [f"F{i:03d},completed,2023-10-01,2024-03-01,pmt,T1,SW1,4,99,2\n" for i in range(50)]
    (valid_cohort / T).write_text(header + "".join(rows), encoding="utf-8")
    for file in ("sdq.csv", "ari_cp.csv", "parent_survey.csv"):
        (valid_cohort / file).unlink()
    report = validate.validate_cohort(valid_cohort)
    listed = _found(report, "pilot_limit")
    assert len(listed) == validate.MAX_LISTED
    assert [p.row for p in listed] == list(range(2, 22))
    assert report.counts[(T, "pilot_limit", "error")] == 50 and report.n_errors == 50
    text = report.format()
    assert "... and 30 more pilot_limit errors in trajectories.csv" in text
    assert text.startswith("Validation of cohort ") and "50 errors" in text


def test_report_format_summarises_each_file(valid_cohort):
    edit(valid_cohort, S, 3, "sdq_05", "3")
    edit(valid_cohort, T, 2, "observation_sessions", "2")
    text = validate.validate_cohort(valid_cohort).format()
    lines = text.splitlines()
    assert lines[0].endswith("1 error, 1 warning")
    assert any(line.split() == ["sdq.csv", "6", "1", "0"] for line in lines)
    assert any(line.split() == ["obvl.csv", "absent"] for line in lines)
    assert "Errors (the pipeline stops until they are fixed):" in text
    assert "  sdq.csv, row 3, column sdq_05: value '3'; expected a whole answer from 0 to 2" in text
    assert str(valid_cohort) not in text, "no absolute path in the report"


def test_report_add_counts_beyond_the_listed():
    report = validate.ValidationReport(cohort="x")
    for row in range(25):
        report.add(Problem("a.csv", row + 2, "c", "v", "w", "warning", "k"))
    assert len(report.warnings) == 20 and report.n_warnings == 25 and report.n_errors == 0


# ------------------------------------------------------------------------------ bad input, CLI

def _empty(folder):
    (folder / "sdq.csv").write_bytes(b"")


def _no_yaml(folder):
    (folder / "cohort.yaml").unlink()


def _wrong_header(folder):
    (folder / "trajectories.csv").write_text("gezin,status\nF01,afgerond\n", encoding="utf-8")


def _binary(folder):
    (folder / "ari_cp.csv").write_bytes(np.random.default_rng(1).bytes(4096))


def _garbage(folder):
    (folder / "sdq.csv").write_bytes(np.random.default_rng(2).bytes(50_000_000))


def _undecodable(folder):
    (folder / "sdq.csv").write_bytes((folder / "sdq.csv").read_bytes() + b"F05,T0,\x81\x8d\x90\n")


def _bad_yaml(folder):
    (folder / "cohort.yaml").write_text("name: [unclosed\n", encoding="utf-8")


def _two_formats(folder):
    (folder / "sdq.xlsx").write_bytes(b"PK\x03\x04")


BAD_INPUT = {
    "empty file": (_empty, "error: cannot read sdq.csv: the file is empty (0 bytes); expected a header row"),
    "missing cohort.yaml": (_no_yaml, "error: cohort.yaml not found in cohort folder"),
    "wrong header": (_wrong_header, "error: cannot read trajectories.csv: the header lacks columns 'family_id',"),
    "binary named csv": (_binary, "error: cannot read ari_cp.csv: the file is binary (it holds NUL bytes), not"),
    "50 MB of garbage": (_garbage, "error: cannot read sdq.csv: the file is binary"),
    "undecodable": (_undecodable, "error: cannot read sdq.csv: the text is neither UTF-8"),
    "cohort.yaml not yaml": (_bad_yaml, "error: cohort.yaml cannot be read at line 2: it is not valid"),
    "two formats": (_two_formats, "error: 'sdq.csv' and 'sdq.xlsx' both hold table 'sdq'"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_exits_2_with_one_paragraph(valid_cohort, capsys, case):
    damage, start = BAD_INPUT[case]
    damage(valid_cohort)
    began = time.perf_counter()
    code = cli.main(["validate", "--cohort", valid_cohort.name, "--raw-dir", str(valid_cohort.parent)])
    assert time.perf_counter() - began < 10
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(start), err
    assert "Traceback" not in err and str(valid_cohort.parent) not in err
    assert "expected" in err
    paragraph = " ".join(line.strip() for line in err.splitlines())
    assert paragraph.endswith("."), "one paragraph that ends the sentence"


def test_missing_cohort_folder_exits_2(tmp_path, capsys):
    code = cli.main(["validate", "--cohort", "nope", "--raw-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: cohort folder ") and "nope not found; expected a folder" in err
    assert str(tmp_path) not in err


def test_validate_exit_codes_follow_errors(valid_cohort, capsys):
    args = ["validate", "--cohort", valid_cohort.name, "--raw-dir", str(valid_cohort.parent)]
    assert cli.main(args) == 0
    edit(valid_cohort, T, 2, "observation_sessions", "2")
    assert cli.main(args) == 0, "warnings do not fail validation"
    edit(valid_cohort, S, 3, "sdq_05", "3")
    assert cli.main(args) == 2
    out = capsys.readouterr().out
    assert "sdq.csv, row 3, column sdq_05: value '3'" in out


# ------------------------------------------------------------------------------ scale

def _write_large_cohort(folder, families, rng):
    folder.mkdir()
    (folder / "cohort.yaml").write_text(
        f"name: {folder.name}\ntitle: Groot\nmunicipality: Helmond\nperiod_start: 2023-09-01\n"
        "period_end: 2024-10-31\nslots: 30\nsynthetic: true\n", encoding="utf-8")
    ids = np.array([f"F{i:06d}" for i in range(families)])
    start = pd.Timestamp("2023-09-01") + pd.to_timedelta(rng.integers(0, 200, families), unit="D")
    pd.DataFrame({
        "family_id": ids, "status": "completed", "start_date": start.strftime("%Y-%m-%d"),
        "end_date": (start + pd.Timedelta(days=150)).strftime("%Y-%m-%d"), "therapy": "pmt",
        "therapist_id": "T01", "social_worker_id": "SW01", "observation_sessions": 4,
        "therapy_sessions": rng.integers(5, 26, families), "collaboration_hours": 3.5,
    }).to_csv(folder / "trajectories.csv", index=False)
    dates = np.column_stack([start.strftime("%d-%m-%Y"),
                             (start + pd.Timedelta(days=140)).strftime("%d-%m-%Y")]).ravel()
    for file, prefix, items, low, high, sep in [("sdq.csv", "sdq_", 25, 0, 2, ","),
                                                ("ari_cp.csv", "ari_", 48, 1, 5, ";")]:
        head = pd.DataFrame({"family_id": np.repeat(ids, 2), "timepoint": np.tile(["T0", "T1"], families),
                             "date": dates, "informant": "mother"})
        answers = pd.DataFrame(rng.integers(low, high + 1, (2 * families, items)),
                               columns=[f"{prefix}{i:02d}" for i in range(1, items + 1)])
        pd.concat([head, answers], axis=1).to_csv(folder / file, index=False, sep=sep)


@pytest.mark.perf
def test_validating_100000_families_is_fast(tmp_path, rng):
    folder = tmp_path / "large"
    _write_large_cohort(folder, 100_000, rng)
    start = time.perf_counter()
    report = validate.validate_cohort(folder)
    elapsed = time.perf_counter() - start
    assert report.errors == [], report.format()
    assert len(report.tables["sdq"]) == 200_000 and len(report.tables["ari_cp"]) == 200_000
    assert elapsed < 15, f"validation took {elapsed:.1f} s"


# ------------------------------------------------------------------------------ the codebook

def test_codebook_documents_every_column_value_limit_and_check():
    import re

    from analysis import paths
    from analysis.data import cohort
    from analysis.questionnaires import instruments

    codebook = (paths.RAW / "README.md").read_text(encoding="utf-8")
    contract = cohort.load_contract()
    specs = [c for f in contract["files"].values() for c in f["columns"]]
    specs += contract["questionnaire"]["columns"]
    for spec in specs:
        assert f"`{spec['name']}`" in codebook, spec["name"]
        for code, labels in spec.get("values", {}).items():
            assert f"`{code}`" in codebook and labels["nl"] in codebook, (spec["name"], code)
    for key, limit in contract["limits"].items():
        assert f"`{key}` | {limit['default']} |" in codebook
    for instrument_id in instruments.available():
        instrument = instruments.load_instrument(instrument_id)
        assert f"`{instrument.file}`" in codebook and f"`{instrument.item_columns[-1]}`" in codebook
    checks = re.findall(r"^``(\w+)``\s+(error|warning)", validate.__doc__, flags=re.M)
    assert len(checks) >= 20
    for check, severity in checks:
        assert f"| `{check}` | {severity} |" in codebook, check


# ------------------------------------------------------------------------------ issue 23

def test_ids_are_compared_after_nfkc_across_files(valid_cohort):
    path = valid_cohort / "sdq.csv"
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[1].split(",")[0]
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in first)
    path.write_text(text.replace("\n" + first + ",", "\n" + wide + ",", 1), encoding="utf-8")
    report = validate.validate_cohort(valid_cohort)
    assert report.errors == [], report.format()
    assert report.tables["sdq"]["family_id"].iloc[0] == first


def test_unpaired_surrogates_are_errors_named_by_row_and_column():
    table = validate._Table("x.csv", pd.DataFrame({"a": ["ok", "b\ud800d"], "b": [1, 2]}))
    report = validate.ValidationReport(cohort="c")
    validate._check_characters(report, table)
    assert [(p.row, p.column, p.value, p.check) for p in report.errors] == [
        (3, "a", None, "encoding")]
    assert table.raw["a"].tolist() == ["ok", "b\ufffdd"]
    report.format().encode("utf-8")  # printable: nothing left that UTF-8 cannot write


def test_invisible_characters_in_ids_are_refused(valid_cohort):
    path = valid_cohort / "trajectories.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",", "\u2066,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate.validate_cohort(valid_cohort)
    assert [(p.row, p.column, p.check) for p in report.errors if p.check == "identifier"] == [
        (2, "family_id", "identifier")]


def test_the_dutch_report_names_the_cohort_not_its_folder_and_counts_in_dutch():
    from analysis.data.report import MAX_LISTED, ValidationReport
    from analysis.errors import Problem

    report = ValidationReport(cohort="data/raw/ede-2026")
    for row in range(MAX_LISTED + 3):
        report.add(Problem("sdq.csv", row + 2, "item_1", "", "a score 0-2", "warning",
                           "missing_value"))
    text = report.format_nl()
    assert text.startswith("Validatie van cohort ede-2026:") and "data/raw" not in text
    assert "... en nog 3 meldingen van de controle 'missing_value' in sdq.csv" in text
