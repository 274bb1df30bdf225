"""Survey exports as the platforms write them, from export to ``validate`` passing.

Hand-made equivalents of real exports (no real export is committed): LimeSurvey's CSV
(``submitdate`` with a time of day, array columns ``SDQ[SQ001]``), Microsoft Forms' workbook
(``ID``, ``Begintijd``, ``Tijd van voltooien`` as date-time cells, ``E-mail``, ``Naam``, then the
questions as column names), Google Forms' CSV (``Tijdstempel``), Castor and SPSS. Each goes
through ``python -m analysis new-cohort --from-export`` and then ``validate``.
"""

from __future__ import annotations

import csv
import datetime

import pandas as pd
import pytest

from analysis import cli
from analysis.data import cohort, validate
from analysis.data.io import has_time_of_day, parse_dates
from analysis.data.mapping import array_item, identifier_column

# Question texts as a researcher types them into a form: the keywords of item_keywords.yaml
# in sentences of our own (not the SDQ's wording).
QUESTIONS = [
    "Mijn kind houdt rekening met gevoelens van anderen", "Is rusteloos en overactief",
    "Klaagt over hoofdpijn of buikpijn", "Deelt met andere kinderen", "Heeft driftbuien",
    "Speelt liever op zichzelf", "Is gehoorzaam", "Heeft veel zorgen", "Is behulpzaam",
    "Zit te wiebelen", "Heeft een goede vriend", "Vecht met anderen", "Is vaak ongelukkig",
    "Wordt aardig gevonden", "Is snel afgeleid", "Is zenuwachtig in nieuwe situaties",
    "Is lief voor jongere kinderen", "Liegt soms", "Wordt getreiterd", "Helpt vrijwillig",
    "Denkt na voordat het iets doet", "Pikt dingen", "Kan opschieten met volwassenen",
    "Is bang", "Maakt opdrachten af"]
LABELS = ["Niet waar", "Een beetje waar", "Zeker waar"]


def _answers(family: int) -> list[str]:
    return [LABELS[(family + i) % 3] for i in range(25)]


def _limesurvey(path, families=(1, 2, 3)):
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "token", "ipaddr",
              "meetmoment", "invuller"] + [f"SDQ[SQ{i:03d}]" for i in range(1, 26)]
    rows = [[str(f), f"2025-01-{18 + f} 09:18:55", "3", "nl", "123", f"F{f:02d}",
             "192.0.2.7", "Voormeting", "Moeder"] + [str((f + i) % 3) for i in range(25)]
            for f in families]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _ms_forms(path, families=(1, 2, 3)):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam",
                  "Gezinscode", "Meetmoment", "Ingevuld door"] + QUESTIONS)
    for f in families:
        done = datetime.datetime(2025, 2, f, 10 + f, 5, 33)
        sheet.append([f, done - datetime.timedelta(minutes=9), done, f"ouder{f}@example.org",
                      f"Ouder {f}", f"F{f:02d}", "Nameting", "Vader"] + _answers(f))
    book.save(path)
    return path


def _google_forms(path, families=(1, 2)):
    header = ["Tijdstempel", "Gezinscode", "Meetmoment", "Invuller"] + [
        f"{i}. {q}" for i, q in enumerate(QUESTIONS, start=1)]
    rows = [[f"{f}-3-2025 9:18:55", f"F{f:02d}", "Beginmeting", "Moeder"] + _answers(f)
            for f in families]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def _new(tmp_path, capsys, *exports):
    raw = tmp_path / "raw"
    args = ["new-cohort", "nieuw-2025", "--raw-dir", str(raw), "--synthetic", "--from-export"]
    code = cli.main(args + [str(e) for e in exports])
    out = capsys.readouterr()
    assert code == 0, out.err
    return raw / "nieuw-2025", out.out


# ------------------------------------------------------------------------------ dates

@pytest.mark.parametrize("text, day", [
    ("2025-01-19 09:18:55", "2025-01-19"), ("2025-01-19T09:18:55Z", "2025-01-19"),
    ("2025-01-19T09:18:55+01:00", "2025-01-19"), ("19-1-2025 9:18:55", "2025-01-19"),
    ("2025/01/19 9:18:55 AM GMT+1", "2025-01-19"), ("19.01.2025 09:18", "2025-01-19"),
    ("2025-01-19 09:18:55.123", "2025-01-19"), ("19-01-2025", "2025-01-19")])
def test_dates_with_a_time_of_day_keep_the_date(text, day):
    assert parse_dates([text]).dt.strftime("%Y-%m-%d").tolist() == [day]


@pytest.mark.parametrize("text", ["2025-01-19 25:99", "gisteren 09:00", "2025-01-19 9",
                                  "2025-02-30 10:00"])
def test_broken_date_times_stay_refused(text):
    assert parse_dates([text]).isna().all()


def test_time_of_day_is_noticed_but_midnight_is_not():
    assert has_time_of_day(pd.Series(["2025-01-19", "2025-01-20 00:00:00"])) is None
    assert has_time_of_day(pd.Series(["2025-01-19", "2025-01-20 08:00"])) == "2025-01-20 08:00"


# ------------------------------------------------------------------------------ recognition

def test_array_syntax_and_identifier_columns():
    assert array_item("SDQ[SQ025]") == ("SDQ", 25) and array_item("Meetmoment") is None
    assert [identifier_column(c) for c in ["E-mail", "Naam", "ipaddr", "Gezinscode", "token",
                                           "Tijd van voltooien", "Telefoonnummer ouder"]] == [
        True, True, True, False, False, False, True]


def test_limesurvey_sdq_export_is_taken_for_the_sdq_and_validates(tmp_path, capsys):
    export = _limesurvey(tmp_path / "results-survey123.csv")
    folder, out = _new(tmp_path, capsys, export)
    assert "as table 'sdq', items recognised by array" in out and "ipaddr" in out
    config = cohort.read_config(folder)
    columns = config.mapping("sdq").columns
    assert columns["SDQ[SQ001]"] == "sdq_01" and columns["SDQ[SQ025]"] == "sdq_25"
    assert columns["token"] == "family_id" and columns["submitdate"] == "date"
    assert sorted(p.name for p in folder.iterdir()) == ["cohort.yaml", "results-survey123.csv"]
    copied = (folder / "results-survey123.csv").read_text(encoding="utf-8")
    assert "192.0.2.7" not in copied and "ipaddr" not in copied  # dropped from the copy
    assert export.read_text(encoding="utf-8").count("192.0.2.7") == 3  # the export untouched
    report = validate.validate_cohort(folder)
    assert not report.errors, report.format()
    sdq = report.tables["sdq"]
    assert sdq["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-01-19", "2025-01-20",
                                                            "2025-01-21"]
    assert sdq["sdq_01"].tolist() == [1.0, 2.0, 0.0]
    timed = [w for w in report.warnings if w.check == "date_time"]
    assert len(timed) == 1 and "submitdate (date)" in timed[0].column  # once per file


def test_ms_forms_workbook_by_question_texts_without_email_and_name(tmp_path, capsys):
    export = _ms_forms(tmp_path / "SDQ ouders(1-3).xlsx")
    folder, out = _new(tmp_path, capsys, export)
    assert "items recognised by question texts" in out
    assert "'E-mail', 'Naam'" in out
    columns = cohort.read_config(folder).mapping("sdq").columns
    assert columns[QUESTIONS[0]] == "sdq_01" and columns[QUESTIONS[24]] == "sdq_25"
    assert columns["Tijd van voltooien"] == "date" and columns["Gezinscode"] == "family_id"
    assert columns["Ingevuld door"] == "informant"
    copy = pd.read_excel(folder / export.name)
    assert "E-mail" not in copy.columns and "Naam" not in copy.columns
    assert "ouder1@example.org" not in copy.to_csv()
    report = validate.validate_cohort(folder)
    assert not report.errors, report.format()
    sdq = report.tables["sdq"]
    assert sdq["date"].dt.day.tolist() == [1, 2, 3]
    assert sdq["sdq_01"].tolist() == [1.0, 2.0, 0.0] and sdq["timepoint"].eq("T1").all()
    assert [w.check for w in report.warnings].count("date_time") == 1


def test_google_forms_numbered_questions_and_several_exports_at_once(tmp_path, capsys):
    google = _google_forms(tmp_path / "SDQ (Antwoorden).csv")
    trajectories = tmp_path / "trajecten.csv"
    trajectories.write_text(
        "Gezinscode,Status,Startdatum,Einddatum,Vaktherapie,therapist_id,social_worker_id,"
        "observation_sessions,therapy_sessions,collaboration_hours\n"
        "F01,Voortijdig beëindigd,2025-01-10,2025-05-01,PMT,T1,S1,3,10,2\n"
        "F02,AFGEROND,2025-01-12,2025-06-01,speltherapie,T1,S2,4,12,3\n", encoding="utf-8")
    folder, out = _new(tmp_path, capsys, google, trajectories)
    assert "as table 'sdq'" in out and "as table 'trajectories'" in out
    assert sorted(p.name for p in folder.iterdir()) == ["SDQ (Antwoorden).csv", "cohort.yaml",
                                                        "trajecten.csv"]
    columns = cohort.read_config(folder).mapping("trajectories").columns
    assert columns == {"Gezinscode": "family_id", "Status": "status", "Startdatum": "start_date",
                       "Einddatum": "end_date", "Vaktherapie": "therapy"}
    report = validate.validate_cohort(folder)
    assert not report.errors, report.format()
    assert report.tables["trajectories"]["status"].tolist() == ["dropped_out", "completed"]
    assert report.tables["sdq"]["sdq_25"].notna().all()


def test_two_exports_of_one_table_write_nothing(tmp_path, capsys):
    a = _limesurvey(tmp_path / "a.csv")
    b = _google_forms(tmp_path / "b.csv")
    code = cli.main(["new-cohort", "x", "--raw-dir", str(tmp_path / "raw"), "--from-export",
                     str(a), str(b)])
    err = capsys.readouterr().err
    assert code == 2 and "both hold table 'sdq'" in err
    assert not (tmp_path / "raw").exists()


def test_an_export_of_only_identifiers_is_refused(tmp_path, capsys):
    export = tmp_path / "namen.csv"
    export.write_text("Naam,E-mail\nJan,jan@example.org\n", encoding="utf-8")
    code = cli.main(["new-cohort", "x", "--raw-dir", str(tmp_path / "raw"), "--from-export",
                     str(export)])
    err = capsys.readouterr().err
    assert code == 2 and "direct identifiers" in err and "jan@" not in err


def test_sav_export_loses_its_identifier_variables_but_keeps_labels(tmp_path, capsys):
    import pyreadstat

    frame = pd.DataFrame({"Gezin": ["F01", "F02"], "Naam": ["a", "b"],
                          "Meetmoment": [1.0, 2.0], "Datum": ["2025-03-01", "2025-09-01"],
                          "Invuller": ["moeder", "moeder"],
                          **{f"SDQ_{i}": [0.0, 2.0] for i in range(1, 26)}})
    path = tmp_path / "sdq_spss.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels={
        "Meetmoment": {1.0: "voormeting", 2.0: "nameting"}})
    folder, out = _new(tmp_path, capsys, path)
    copy, meta = pyreadstat.read_sav(str(folder / path.name))
    assert "Naam" not in copy.columns and meta.variable_value_labels["Meetmoment"][1.0] == \
        "voormeting"
    report = validate.validate_cohort(folder)
    assert not report.errors, report.format()
    assert report.tables["sdq"]["timepoint"].tolist() == ["T0", "T1"]


# ------------------------------------------------------------------------------ labels

@pytest.mark.parametrize("label", ["Voortijdig beëindigd", "voortijdig beeindigd",
                                   "VOORTIJDIG  BEËINDIGD", "gestaakt"])
def test_dutch_labels_with_and_without_diacritics(label):
    spec = next(c for c in cohort.load_contract()["files"]["trajectories.csv"]["columns"]
                if c["name"] == "status")
    clean, bad, _ = validate._coerce(pd.Series([label]), spec, cohort.load_contract())
    assert not bad.any() and clean.tolist() == ["dropped_out"]


def test_codebook_documents_the_accepted_spellings():
    from analysis import paths

    codebook = (paths.RAW / "README.md").read_text(encoding="utf-8")
    for spelling in ("voortijdig beëindigd", "diacritics", "2025-01-19 09:18:55",
                     "Tijd van voltooien", "SDQ[SQ001]", "E-mail", "item_keywords.yaml"):
        assert spelling in codebook, spelling


def test_ms_forms_parent_survey_gets_numbered_items_and_their_list(tmp_path, capsys):
    import openpyxl

    path = tmp_path / "Oudervragenlijst.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Begintijd", "Tijd van voltooien", "E-mail", "Naam", "Gezinscode",
                  "De samenwerking verliep goed", "Zou u het aanraden?", "Wat kan beter?"])
    for f, (agree, yes, text) in enumerate([("Mee eens", "Ja", "Niets"),
                                            ("Helemaal mee eens", "Nee", "Meer tijd")], 1):
        when = datetime.datetime(2025, 6, f, 14, 2, 1)
        sheet.append([f, when, when, "anoniem", "anoniem", f"F{f:02d}", agree, yes, text])
    book.save(path)
    folder, out = _new(tmp_path, capsys, path)
    assert "as table 'parent_survey'" in out
    items = pd.read_csv(folder / "parent_survey_items.csv")
    assert items[["item", "type"]].values.tolist() == [["ps_01", "likert5"], ["ps_02", "yesno"],
                                                       ["ps_03", "text"]]
    columns = cohort.read_config(folder).mapping("parent_survey").columns
    assert columns["Zou u het aanraden?"] == "ps_02" and "ID" not in columns
    report = validate.validate_cohort(folder)
    assert not report.errors, report.format()
    survey = report.tables["parent_survey"]
    assert survey["ps_01"].tolist() == [4.0, 5.0] and survey["ps_02"].tolist() == [True, False]


def test_an_export_named_like_another_table_is_refused(tmp_path, capsys):
    export = _limesurvey(tmp_path / "ari_cp.csv")
    code = cli.main(["new-cohort", "x", "--raw-dir", str(tmp_path / "raw"), "--from-export",
                     str(export)])
    assert code == 2 and "holds table 'sdq'" in capsys.readouterr().err
    assert not (tmp_path / "raw").exists()
