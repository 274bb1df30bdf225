"""Coding exports as programs write them: round trip, text rules, coders, position units, readers.

Every fixture is written by the tests (tests/qda_fixtures.py); nothing is copied from real exports.
"""

from __future__ import annotations

import shutil
import warnings
import zipfile

import pandas as pd
import pytest
from qda_fixtures import (
    Selection,
    make_dedoose,
    rewrite_qde,
    Source,
    make_atlas_table,
    make_qdc,
    make_qdpx,
    make_qualcoder_by_case_csv,
    make_qualcoder_csv,
    make_segments_csv,
    make_taguette_codebook_csv,
    make_taguette_csv,
    unzip_project,
    utf16_offset,
)

from analysis import cli
from analysis.data.validate import validate_cohort
from analysis.qualitative import qda
from analysis.qualitative.readers import refi

EMOJI_TEXT = ("Moderator: Hoe ging het? 😊\n"
              "VT1: Heel goed 👍 echt waar, de ouders 🙂 deden mee.\n"
              "SW2: Veel overleg 📞 met school en wijkteam 🏫 vooraf.\n")


def _emoji_source() -> Source:
    return Source("FG_VT_02", EMOJI_TEXT, [
        Selection("Heel goed 👍 echt waar", [("Ervaring > Positief", "Anna")], declare=False),
        Selection("de ouders 🙂 deden mee", [("Ervaring > Betrokken ouders", "Anna")],
                  declare=False),
        Selection("Veel overleg 📞 met school", [("Samenwerking > Overleg", "Bram")],
                  declare=False),
        Selection("wijkteam 🏫 vooraf", [("Samenwerking > Overleg", "Bram")], declare=False)])


# ------------------------------------------------------------------------------ builders

def _qdpx(folder):
    return make_qdpx(folder / "project.qdpx", [_emoji_source()], origin="NVivo 14", unit="utf16")


def _qualcoder(folder):
    return make_qualcoder_csv(folder / "qualcoder.csv", [
        ["FG_SW_01.docx", "Anna", "Grondige screening\u2029", "ctid:1", "Screening", "",
         "Werkzame elementen", ""],
        ["FG_SW_01.docx", "Anna", "  Samen in de ruimte.", "ctid:2", "Samen", "memo",
         "Werkzame elementen", ""]])


def _qualcoder_case(folder):
    return make_qualcoder_by_case_csv(folder / "qualcoder_case.csv", [
        ["SW1", "Anna", "Grondige screening", "ctid:1", "Screening", "", "Werkzame elementen",
         "FG_SW_01.docx"]])


def _taguette(folder):
    return make_taguette_csv(folder / "taguette.csv", [
        ["1", "FG_ouders_01.txt", "Ervaring > Positief", "Fijn dat de therapeut\r\nmeedacht."],
        ["1", "FG_ouders_01.txt", "Kansen", "Fijn dat de therapeut\r\nmeedacht."]])


def _atlas(folder):
    return make_atlas_table(folder / "quotations.csv", [
        {"ID": "1:1", "Document": "RS_VT", "Quotation Content": "Snel schakelen werkt.",
         "Codes": "Werkzame elementen > Snel schakelen\nKansen", "Created by": "Anna"}])


def _atlas_xlsx(folder):
    return make_atlas_table(folder / "quotations.xlsx", [
        {"ID": "1:1", "Document": "RS_VT", "Quotation Content": "Snel schakelen werkt.",
         "Codes": "Kansen", "Created by": "Bram", "Comment": "memo gaat verloren"}])


def _contract(folder):
    return make_segments_csv(folder / "segments_in.csv", [
        ["CS01", "1", "P1", "Anna", "Kansen", "  met spaties  "]])


def _dedoose(folder):
    return make_dedoose(folder / "excerpts.xlsx", [
        {"media": "FG_SW_01.docx", "range": "12-56", "creator": "Anna",
         "text": "Korte lijnen met school.", "codes": ["Samenwerking", "Kansen"]},
        {"media": "FG_SW_01.docx", "range": "12-56", "creator": "Bram",
         "text": "Korte lijnen met school.", "codes": ["Samenwerking"]}],
        ["Samenwerking", "Kansen", "Ouders > Betrokken"])


def _unnamed_qualcoder_qdpx(folder):
    """A REFI-QDA project as QualCoder 1.3.2 writes it: TextSources without a name."""
    import re

    path = make_qdpx(folder / "qc.qdpx", [_emoji_source()], origin="QualCoder 1.3.2")
    return rewrite_qde(path, lambda t: re.sub(r'(<TextSource guid="[^"]+") name="[^"]*"',
                                              r"\1", t))


FORMATS = {"refi": _qdpx, "qualcoder": _qualcoder, "qualcoder_case": _qualcoder_case,
           "taguette": _taguette, "atlas_csv": _atlas, "atlas_xlsx": _atlas_xlsx,
           "contract": _contract, "dedoose": _dedoose, "refi_unnamed": _unnamed_qualcoder_qdpx}


# ------------------------------------------------------------------------------ round trip

def _cohort_with(tmp_path, valid_cohort, segments_csv):
    coding = valid_cohort / "coding"
    for old in coding.glob("*"):
        if old.name != "sessions.csv":
            old.unlink()
    segments = pd.read_csv(segments_csv, dtype=str, keep_default_na=False)  # a cohort holds
    segments["coder"] = segments["coder"].replace({"Anna": "C1", "Bram": "C2"})  # pseudonyms
    segments.to_csv(coding / "segments.csv", index=False, lineterminator="\n")
    sessions = pd.read_csv(coding / "sessions.csv", dtype=str)
    wanted = pd.read_csv(segments_csv, dtype=str)["session_id"].unique()
    template = sessions.iloc[0]
    rows = [template.to_dict() | {"session_id": s} for s in wanted]
    pd.DataFrame(rows).to_csv(coding / "sessions.csv", index=False)
    return valid_cohort


@pytest.mark.parametrize("build", FORMATS.values(), ids=FORMATS.keys())
def test_round_trip_every_format(tmp_path, valid_cohort, build):
    export = build(tmp_path)
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert cli.main(["coding", str(export), "--out", str(first), "--coder", "Anna"]) == 0
    header = first.read_text(encoding="utf-8").split("\n", 1)[0]
    assert header == ",".join(qda.CONTRACT_COLUMNS)
    cohort = _cohort_with(tmp_path, valid_cohort, first)
    report = validate_cohort(cohort)
    assert not report.errors, report.format()
    assert len(qda.read_cohort_coding(cohort)) == len(pd.read_csv(first))
    assert cli.main(["coding", str(first), "--out", str(second)]) == 0
    assert second.read_bytes() == first.read_bytes()


# ------------------------------------------------------------------------------ text rules

def test_line_ends_normalised_spaces_kept_and_trailing_separator_is_a_different_span(tmp_path):
    frame = qda.read_coding_file(_qualcoder(tmp_path))
    assert frame["text"].tolist() == ["Grondige screening\n", "  Samen in de ruimte."]
    assert frame["segment_id"].nunique() == 2
    assert frame["code_path"].tolist() == ["Werkzame elementen > Screening",
                                           "Werkzame elementen > Samen"]


def test_nfc_and_offsets_consistent_with_normalised_text(tmp_path):
    decomposed = "Cafe\u0301 overleg\r\nwas fijn.\u2029Daarna 😊 rust."
    stored_quote = "fijn.\u2029Daarna 😊 rust"
    source = Source("INT_01", decomposed, [Selection(stored_quote, [("Rust", "Anna")],
                                                     declare=False)])
    frame = qda.read_qdpx(make_qdpx(tmp_path / "p.qdpx", [source]))
    text = qda.normalise_text(decomposed)
    row = frame.iloc[0]
    assert text[row.start:row.end] == row.text == "fijn.\nDaarna 😊 rust"
    assert "Café" in text


def test_exact_duplicates_reported_once_with_a_warning(tmp_path):
    path = make_segments_csv(tmp_path / "segments.csv", [
        ["S1", "1", "", "Anna", "Kansen", "x"], ["S1", "1", "", "Anna", "Kansen", "x"],
        ["S1", "1", "", "Anna", "Kansen", "x"], ["S1", "1", "", "Bram", "Kansen", "x"]])
    with pytest.warns(qda.CodingWarning, match="2 exact duplicate") as caught:
        frame = qda.read_coding_file(path)
    assert len(caught) == 1 and len(frame) == 2


# ------------------------------------------------------------------------------ coders

def test_two_taguette_projects_are_refused_without_coders_and_kept_apart_with(tmp_path):
    a = make_taguette_csv(tmp_path / "a.csv", [["1", "FG_ouders_01", "Kansen", "Tekst van A."]])
    b = make_taguette_csv(tmp_path / "b.csv", [["1", "FG_ouders_01", "Kansen", "Tekst van B."]])
    with pytest.raises(qda.CodingFileError, match="--coder"):
        qda.read_coding_files([a, b])
    frame, _ = qda.read_coding_files([a, b], coders=["Anna", "Bram"])
    assert set(frame["coder"]) == {"Anna", "Bram"}
    assert frame["segment_id"].nunique() == 2  # different highlights, not one double-coded


def test_cli_coder_per_file_and_refusal(tmp_path, capsys):
    a = make_taguette_csv(tmp_path / "a.csv", [["1", "FG", "Kansen", "Zelfde tekst."]])
    b = make_taguette_csv(tmp_path / "b.csv", [["1", "FG", "Kansen", "Zelfde tekst."]])
    out = tmp_path / "out.csv"
    assert cli.main(["coding", str(a), str(b), "--out", str(out)]) == 2
    assert "coder" in capsys.readouterr().err and not out.exists()
    assert cli.main(["coding", str(a), str(b), "--out", str(out), "--coder", "Anna",
                     "--coder", "Bram"]) == 0
    written = pd.read_csv(out)
    assert written["coder"].tolist() == ["Anna", "Bram"]
    assert written["segment_id"].nunique() == 1  # same text: double coding
    assert cli.main(["coding", str(a), str(b), "--out", str(out), "--coder", "A", "--coder",
                     "B", "--coder", "C"]) == 2


def test_cohort_file_list_gives_coders(tmp_path):
    coding = tmp_path / "coding"
    coding.mkdir()
    make_taguette_csv(coding / "anna.csv", [["1", "FG", "Kansen", "Tekst."]])
    make_taguette_csv(coding / "bram.csv", [["1", "FG", "Kansen", "Tekst."]])
    (coding / "files.csv").write_text("file,coder\nanna.csv,\nbram.csv,\n", encoding="utf-8")
    with pytest.raises(qda.CodingFileError, match="files.csv"):
        qda.read_cohort_coding(tmp_path)
    (coding / "files.csv").write_text("file,coder\nanna.csv,Anna\nbram.csv,Bram\n",
                                      encoding="utf-8")
    frame = qda.read_cohort_coding(tmp_path)
    assert sorted(frame["coder"]) == ["Anna", "Bram"]
    (coding / "files.csv").write_text("file,coder\nweg.csv,Anna\n", encoding="utf-8")
    with pytest.raises(qda.CodingFileError, match="row 2, column file"):
        qda.read_cohort_coding(tmp_path)


# ------------------------------------------------------------------------------ position units

@pytest.mark.parametrize("unit", ["utf16", "codepoints"])
@pytest.mark.parametrize("origin", ["NVivo 14", "ATLAS.ti 23", "MAXQDA 24"])
def test_unit_detected_from_boundaries_whatever_the_origin(tmp_path, unit, origin):
    path = make_qdpx(tmp_path / "p.qdpx", [_emoji_source()], origin=origin, unit=unit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", qda.CodingWarning)
        frame = qda.read_coding_file(path)
    assert frame["text"].tolist() == [s.quote for s in _emoji_source().selections]


def test_ambiguous_unit_warns_and_positions_option_forces(tmp_path):
    text = "ab 😊 cd ef gh"
    source = Source("S", text, [Selection("ef", [("C", "Anna")], declare=False)])
    # In UTF-16 "ef" is 10-12; read as code points 10-12 is "f ": mid-word at 10.
    path = make_qdpx(tmp_path / "p.qdpx", [source], unit="utf16")
    assert utf16_offset(text, text.index("ef")) == text.index("ef") + 1
    forced = qda.read_coding_file(path, positions="utf16")
    assert forced["text"].tolist() == ["ef"]
    wrong = qda.read_coding_file(path, positions="codepoints")
    assert wrong["text"].tolist() == ["f "]
    # single letters between spaces: both readings end on word boundaries
    one_word = Source("S", "a 😊 b c d", [Selection("c", [("C", "Anna")], declare=False)])
    short = make_qdpx(tmp_path / "q.qdpx", [one_word], unit="utf16")
    with pytest.warns(qda.CodingWarning, match="--positions"):
        qda.read_coding_file(short)


def test_choose_unit_prefers_declared_text():
    raw = "x 😊 abc def"
    sels = [{"start": 5, "end": 8, "declared": "abc"}]
    assert refi.choose_unit(raw, sels)[0] == ("utf16", False)
    sels = [{"start": 4, "end": 7, "declared": "abc"}]
    assert refi.choose_unit(raw, sels)[0] == ("codepoints", False)


# ------------------------------------------------------------------------------ readers

def test_unzipped_folder_loose_qde_and_renamed_archive_read_the_same(tmp_path):
    archive = _qdpx(tmp_path)
    expected = qda.read_coding_file(archive)
    folder = unzip_project(archive, tmp_path / "unzipped")
    renamed = tmp_path / "project.zip"
    shutil.copy(archive, renamed)
    for path in (folder, folder / "project.qde", renamed):
        assert qda.export_kind(path) == "project"
        pd.testing.assert_frame_equal(qda.read_coding_file(path), expected)


def test_schema_shipped_and_violations_named(tmp_path):
    assert refi.SCHEMA_PATH.is_file()
    good = make_qdpx(tmp_path / "p.qdpx", [_emoji_source()], inline=True)
    assert len(qda.read_coding_file(good, schema=True)) == 4
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        xml = src.read("project.qde").replace(b' isCodable="true"', b"", 1)
        dst.writestr("project.qde", xml)
    with pytest.raises(qda.CodingFileError, match=r"line \d+, element <Code>.*isCodable"):
        qda.read_coding_file(bad, schema=True)
    assert len(qda.read_coding_file(bad)) == 4  # without --schema the structure suffices


def test_qdc_and_taguette_codebooks(tmp_path, capsys):
    qdc = make_qdc(tmp_path / "codes.qdc", {"Werkzame elementen": "Wat werkt",
                                            "Werkzame elementen > Screening": None})
    book = qda.read_codebook(qdc)
    assert book["code"].tolist() == ["Werkzame elementen", "Werkzame elementen > Screening"]
    assert book["description"].iloc[0] == "Wat werkt" and pd.isna(book["description"].iloc[1])
    tag = make_taguette_codebook_csv(tmp_path / "codebook.csv",
                                     [["Kansen>Taal", "Gezamenlijke taal", "3"]])
    assert qda.read_codebook(tag)["code"].tolist() == ["Kansen > Taal"]
    out = tmp_path / "codes.csv"
    assert cli.main(["coding", str(qdc), str(tag), "--out", str(out)]) == 0
    assert pd.read_csv(out)["code"].tolist()[-1] == "Kansen > Taal"
    with pytest.raises(qda.CodingFileError, match="codebook"):
        qda.read_coding_file(qdc)
    assert cli.main(["coding", str(qdc), str(_qdpx(tmp_path)), "--out", str(out)]) == 2


def test_qualcoder_by_case_takes_the_session_from_filename(tmp_path):
    frame = qda.read_coding_file(_qualcoder_case(tmp_path))
    assert frame[["session_id", "participant", "coder"]].iloc[0].tolist() == [
        "FG_SW_01", "SW1", "Anna"]


def test_atlas_quotations_one_row_per_code(tmp_path):
    frame = qda.read_coding_file(_atlas(tmp_path))
    assert frame["code_path"].tolist() == ["Werkzame elementen > Snel schakelen", "Kansen"]
    assert set(frame["coder"]) == {"Anna"} and set(frame["session_id"]) == {"RS_VT"}
    assert frame["segment_id"].nunique() == 1
    xlsx = qda.read_coding_file(_atlas_xlsx(tmp_path))
    assert xlsx["coder"].tolist() == ["Bram"] and (xlsx["source_tool"] == "atlas.ti").all()


# ------------------------------------------------------------------------------ issue 23

def test_sources_without_a_name_are_named_in_every_form(tmp_path):
    import re

    archive = _unnamed_qualcoder_qdpx(tmp_path)
    folder = unzip_project(archive, tmp_path / "unzipped")
    for form in (archive, folder, folder / "project.qde"):
        with pytest.warns(qda.CodingWarning, match="1 text source.*no name.*guid"):
            frame = qda.read_coding_file(form)
        assert len(frame) == 4 and frame["session_id"].str.fullmatch(r"bron_[0-9a-f]{8}").all()
    named = rewrite_qde(_unnamed_qualcoder_qdpx(tmp_path), lambda t: re.sub(
        r'plainTextPath="internal://[^"]+"', 'plainTextPath="internal://FG_VT_02.txt"', t))
    with zipfile.ZipFile(named) as zipped:
        members = {n: zipped.read(n) for n in zipped.namelist()}
    with zipfile.ZipFile(named, "w") as zipped:
        for name, data in members.items():
            zipped.writestr("Sources/FG_VT_02.txt" if name.startswith("Sources/") else name, data)
    with pytest.warns(qda.CodingWarning, match="plainTextPath"):
        assert set(qda.read_coding_file(named)["session_id"]) == {"FG_VT_02"}


def test_taguette_distinct_highlights_of_the_same_text_are_kept(tmp_path):
    path = make_taguette_csv(tmp_path / "h.csv", [
        ["619", "FG_01.txt", "Kansen", "Ja."], ["621", "FG_01.txt", "Kansen", "Ja."],
        ["631", "FG_01.txt", "Kansen", "Ja."], ["631", "FG_01.txt", "Ouders", "Ja."],
        ["637", "FG_02.txt", "Kansen", "Ja."]])
    frame = qda.read_coding_file(path, coder="Anna")
    assert len(frame) == 5
    ids = frame["segment_id"].tolist()
    assert ids[0].endswith(ids[0].split("#")[1]) and ids[1] == ids[0] + ".2"
    assert ids[2] == ids[3] == ids[0] + ".3"  # one highlight, two tags: one segment
    assert ids[4].startswith("FG_02#") and "." not in ids[4].split("#")[1]


def test_an_export_without_coders_warns_once_how_to_name_them(tmp_path):
    path = make_taguette_csv(tmp_path / "h.csv", [["1", "A", "Kansen", "x"],
                                                  ["2", "A", "Ouders", "y"]])
    with pytest.warns(qda.CodingWarning, match="2 of 2 coding.*--coder NAME") as caught:
        qda.read_coding_file(path)
    assert len([w for w in caught if "name no coder" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", qda.CodingWarning)
        assert set(qda.read_coding_file(path, coder="Anna")["coder"]) == {"Anna"}


def test_dedoose_excerpts_codes_from_wide_columns_and_creator_as_coder(tmp_path):
    frame = qda.read_coding_file(_dedoose(tmp_path))
    assert frame[["coder", "code_path"]].values.tolist() == [
        ["Anna", "Samenwerking"], ["Anna", "Kansen"], ["Bram", "Samenwerking"]]
    assert set(frame["segment_id"]) == {"FG_SW_01@12-56"} and set(frame["session_id"]) == {
        "FG_SW_01"}
    assert (frame["source_tool"] == "dedoose").all()
    assert frame.groupby("segment_id")["coder"].nunique().iloc[0] == 2


def test_dedoose_refuses_a_value_that_is_no_yes_or_no(tmp_path):
    path = _dedoose(tmp_path)
    table = pd.read_excel(path, dtype=str)
    table.loc[1, "Code: Kansen Applied"] = "misschien"
    table.to_excel(path, index=False)
    with pytest.raises(qda.CodingFileError, match="row 3, column Code: Kansen Applied"):
        qda.read_coding_file(path)


@pytest.mark.parametrize("name, head", [
    ("project.mx24", b"\x00\x01random"), ("project.MX20", b"SQLite format 3\x00"),
    ("project.mex", b"whatever"), ("renamed.zip", b"SQLite format 3\x00"),
    ("coded segments.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ("coded segments.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")])
def test_maxqda_native_files_are_refused_with_the_export_menu(tmp_path, capsys, name, head):
    path = tmp_path / name
    path.write_bytes(head + b"\x00" * 200)
    code = cli.main(["coding", str(path), "--out", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code == 2 and qda.MAXQDA_REFI_EXPORT in err.replace("\n  ", " ")
    assert not (tmp_path / "out.csv").exists()


def test_content_not_extension_decides_for_every_reader(tmp_path):
    for build in FORMATS.values():
        export = build(tmp_path)
        if export.is_dir():
            continue
        disguised = tmp_path / f"disguised_{export.stem}.dat"
        shutil.copy(export, disguised)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", qda.CodingWarning)
            pd.testing.assert_frame_equal(qda.read_coding_file(disguised),
                                          qda.read_coding_file(export))


def test_doctype_and_entities_in_qda_xml_are_refused(tmp_path):
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n')
    archive = rewrite_qde(_qdpx(tmp_path), lambda t: xxe + t.split("\n", 1)[1])
    with pytest.raises(qda.CodingFileError, match="DOCTYPE or ENTITY"):
        qda.read_coding_file(archive)
    qdc = make_qdc(tmp_path / "c.qdc", {"Kansen": None})
    qdc.write_text(xxe + qdc.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    with pytest.raises(qda.CodingFileError, match="DOCTYPE or ENTITY"):
        qda.read_codebook(qdc)


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066", "\ufeff"])
def test_look_alike_names_are_refused(tmp_path, char):
    archive = rewrite_qde(_qdpx(tmp_path), lambda t: t.replace('name="FG_VT_02"',
                                                               f'name="FG_VT{char}_02"'))
    with pytest.raises(qda.CodingFileError, match="invisible or bidirectional"):
        qda.read_coding_file(archive)
    table = make_taguette_csv(tmp_path / "t.csv", [["1", f"FG{char}01", "Kansen", "x"]])
    with pytest.raises(qda.CodingFileError, match="row 2, column document"):
        qda.read_coding_file(table, coder="Anna")


def test_full_width_session_names_are_the_ascii_ones():
    assert qda.session_from_name("\uff26\uff27_01.txt") == "FG_01"


@pytest.mark.parametrize("code", [" > ", ">", ">>", " >  > "])
def test_a_code_that_is_only_a_separator_is_refused(tmp_path, code):
    segments = make_segments_csv(tmp_path / "s.csv", [["S1", "1", "", "Anna", code, "x"]])
    with pytest.raises(qda.CodingFileError, match="row 2, column code"):
        qda.read_coding_file(segments)
    tags = make_taguette_csv(tmp_path / "t.csv", [["1", "A", code, "x"]])
    with pytest.raises(qda.CodingFileError, match="row 2, column tag"):
        qda.read_coding_file(tags, coder="Anna")


def test_a_loose_qde_beyond_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from analysis.data import safe_input

    folder = unzip_project(_qdpx(tmp_path), tmp_path / "p")
    limits = safe_input.input_limits() | {"zip_member_bytes": 1000}
    monkeypatch.setattr(safe_input, "input_limits", lambda: limits)
    with pytest.raises(qda.CodingFileError, match="more than 1,000"):
        qda.read_coding_file(folder / "project.qde")
