"""analysis.qualitative.qda: REFI-QDA, segments.csv, QualCoder and Taguette exports into one long table."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest
from qda_fixtures import (
    Selection,
    Source,
    make_qdpx,
    make_qualcoder_csv,
    make_segments_csv,
    make_taguette_csv,
    write_csv,
)

from analysis.errors import CompendiumError
from analysis.qualitative import qda

TEXT = ("Moderator: Wat werkte goed?\n"
        "SW1: De screening vooraf was grondig, dat hielp echt.\n"
        "VT2: Ouders in de behandelruimte, dat maakt het verschil 😊 voor het gezin.\n"
        "SW3: Wel zorgen over de wachtlijsten.\n")
SCREENING = "De screening vooraf was grondig, dat hielp echt."
EMOJI = "Ouders in de behandelruimte, dat maakt het verschil 😊 voor het gezin."
AFTER_EMOJI = "Wel zorgen over de wachtlijsten."
PATH_SCREENING = "Werkzame elementen > Screening"
PATH_SYSTEM = "Werkzame elementen > Systeemaanpak"
PATH_WAIT = "Risico's/uitdagingen > Wachtlijsten"


def _sources() -> list[Source]:
    return [Source("FG_SW_01", TEXT, [
        Selection(SCREENING, [(PATH_SCREENING, "Anna"), (PATH_SCREENING, "Bram")]),
        Selection(EMOJI, [(PATH_SYSTEM, "Anna")]),
        Selection(AFTER_EMOJI, [(PATH_WAIT, "Anna"), (PATH_WAIT, "Bram")]),
    ])]


def _expected_slices(frame: pd.DataFrame) -> None:
    """Every row's text equals the canonical source text at its start/end."""
    canonical = TEXT
    for row in frame.itertuples():
        assert canonical[row.start:row.end] == row.text


# ------------------------------------------------------------------------------ REFI-QDA

def test_qdpx_reads_codes_hierarchy_coders_and_positions(tmp_path):
    frame = qda.read_qdpx(make_qdpx(tmp_path / "p.qdpx", _sources()))
    assert list(frame.columns) == qda.SEGMENT_COLUMNS
    assert len(frame) == 5
    assert set(frame["code_path"]) == {PATH_SCREENING, PATH_SYSTEM, PATH_WAIT}
    assert set(frame["coder"]) == {"Anna", "Bram"}
    assert (frame["session_id"] == "FG_SW_01").all()
    assert (frame["source_tool"] == "refi-qda").all()
    _expected_slices(frame)
    screening = frame[frame["code_path"] == PATH_SCREENING]
    assert screening["segment_id"].nunique() == 1  # two coders, one segment: double coding


QUIRKS = {
    "atlas_named_qde": dict(qde_name="Helmond focusgroepen.qde"),
    "lower_case_sources": dict(sources_dir="sources"),
    "bom": dict(bom=True),
    "crlf": dict(crlf=True),
    "bom_and_crlf": dict(bom=True, crlf=True),
    "braced_upper_guids": dict(braces_upper=True),
    "inline_text": dict(inline=True),
    "nvivo_utf16": dict(unit="utf16", origin="NVivo 14"),
    "utf16_other_origin": dict(unit="utf16", origin="MAXQDA 24"),
    "utf16_crlf_bom": dict(unit="utf16", crlf=True, bom=True, origin="NVivo 14"),
}


@pytest.mark.parametrize("options", QUIRKS.values(), ids=QUIRKS.keys())
def test_qdpx_quirks_slice_the_same_text(tmp_path, options):
    frame = qda.read_qdpx(make_qdpx(tmp_path / "p.qdpx", _sources(), **options))
    assert len(frame) == 5
    _expected_slices(frame)
    assert frame.loc[frame["code_path"] == PATH_WAIT, "text"].iloc[0] == AFTER_EMOJI
    assert not frame["text"].str.contains("\r").any()
    assert not frame["text"].str.startswith("\ufeff").any()


def test_utf16_without_declared_text_follows_nvivo_origin(tmp_path):
    sources = _sources()
    for sel in sources[0].selections:
        sel.declare = False
    path = make_qdpx(tmp_path / "p.qdpx", sources, unit="utf16", origin="NVivo 14")
    frame = qda.read_qdpx(path)
    assert frame.loc[frame["code_path"] == PATH_WAIT, "text"].iloc[0] == AFTER_EMOJI


@pytest.mark.parametrize("positions", ["codepoints", "utf16"])
def test_positions_parameter_forces_the_unit(tmp_path, positions):
    sources = _sources()
    for sel in sources[0].selections:
        sel.declare = False
    path = make_qdpx(tmp_path / "p.qdpx", sources, unit=positions, origin="Some tool")
    frame = qda.read_qdpx(path, positions=positions)
    assert frame.loc[frame["code_path"] == PATH_WAIT, "text"].iloc[0] == AFTER_EMOJI


def test_positions_parameter_is_checked(tmp_path):
    with pytest.raises(ValueError, match="positions must be one of"):
        qda.read_qdpx(make_qdpx(tmp_path / "p.qdpx", _sources()), positions="bytes")


def test_program_pseudo_user_becomes_unknown_coder(tmp_path):
    sources = [Source("INT_01", "Het gezin voelde zich gehoord door iedereen.", [
        Selection("voelde zich gehoord", [("Werkzame elementen > Gehoord voelen", "ATLAS.ti")]),
    ])]
    path = make_qdpx(tmp_path / "p.qdpx", sources, extra_users=("ATLAS.ti",))
    assert qda.read_qdpx(path)["coder"].tolist() == ["unknown"]


def test_base_path_never_reaches_the_output(tmp_path):
    path = make_qdpx(tmp_path / "p.qdpx", _sources(), base_path="/home/onderzoeker/geheim")
    frame = qda.read_qdpx(path)
    assert not frame.astype(str).apply(lambda c: c.str.contains("onderzoeker")).any().any()


def test_cases_give_participants(tmp_path):
    sources = [Source("OPEN_F07", "Fijn dat de sociaal werker meekeek.", [
        Selection("sociaal werker meekeek", [("Transfer naar huis > Meekijken", "Anna")])],
        case="F07"),
        Source("FG_VT_01", "VT1: Samen optrekken werkt.", [
            Selection("Samen optrekken werkt.", [("Kansen > Samen optrekken", "Anna")],
                      case="VT1")])]
    frame = qda.read_qdpx(make_qdpx(tmp_path / "p.qdpx", sources))
    assert dict(zip(frame["session_id"], frame["participant"])) == {"OPEN_F07": "F07",
                                                                    "FG_VT_01": "VT1"}


def _rewrite(path, member, transform):
    with zipfile.ZipFile(path) as archive:
        content = {n: archive.read(n) for n in archive.namelist()}
    content = transform(content)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return path


BROKEN = {
    "not_a_zip": (lambda p: p.write_text("no zip", encoding="utf-8"), "not a zip archive"),
    "no_qde": (lambda p: _rewrite(p, None, lambda c: {k: v for k, v in c.items()
                                                      if not k.endswith(".qde")}),
               "expected project.qde"),
    "two_qde": (lambda p: _rewrite(p, None, lambda c: {
        **{k: v for k, v in c.items() if k != "project.qde"}, "a.qde": b"<x/>", "b.qde": b"<x/>"}),
        "found a.qde, b.qde"),
    "bad_xml": (lambda p: _rewrite(p, None, lambda c: {**c, "project.qde": b"<Project"}),
                "not well-formed"),
    "wrong_root": (lambda p: _rewrite(p, None, lambda c: {**c, "project.qde": b"<CodeBook/>"}),
                   "root element <CodeBook>"),
    "missing_source": (lambda p: _rewrite(p, None, lambda c: {k: v for k, v in c.items()
                                                              if not k.startswith("Sources")}),
                       "not found"),
    "bad_position": (lambda p: _rewrite(p, None, lambda c: {**c, "project.qde": c[
        "project.qde"].replace(b'endPosition="', b'endPosition="9999', 1)}), "positions"),
}


@pytest.mark.parametrize("breaker,message", BROKEN.values(), ids=BROKEN.keys())
def test_broken_qdpx_gives_a_clear_error_naming_the_file(tmp_path, breaker, message):
    path = make_qdpx(tmp_path / "kapot.qdpx", _sources())
    breaker(path)
    with pytest.raises(qda.CodingFileError, match=message) as info:
        qda.read_qdpx(path)
    assert "kapot.qdpx" in str(info.value)
    assert isinstance(info.value, CompendiumError)


def test_schema_validation_when_a_schema_is_given(tmp_path):
    xsd = tmp_path / "tiny.xsd"
    xsd.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
                   'targetNamespace="urn:QDA-XML:project:1.0">'
                   '<xs:element name="Other"/></xs:schema>', encoding="utf-8")
    with pytest.raises(qda.CodingFileError, match="not valid against tiny.xsd"):
        qda.read_qdpx(make_qdpx(tmp_path / "p.qdpx", _sources()), schema=xsd)


# ------------------------------------------------------------------------------ tables

def test_segments_csv_maps_code_to_code_path(tmp_path):
    path = make_segments_csv(tmp_path / "segments.csv", [
        ["FG_SW_01", "007", "SW1", "Anna", "Werkzame elementen>Screening", "Grondige screening."],
        ["FG_SW_01", "007", "SW1", "Bram", "Werkzame elementen > Screening", "Grondige screening."],
    ], delimiter=";")
    frame = qda.read_coding_file(path)
    assert frame["segment_id"].tolist() == ["007", "007"]
    assert set(frame["code_path"]) == {PATH_SCREENING}
    assert frame["start"].isna().all() and (frame["source_tool"] == "segments.csv").all()


def test_segments_csv_empty_code_is_an_error_with_row(tmp_path):
    path = make_segments_csv(tmp_path / "segments.csv", [["S1", "1", "", "Anna", "", "tekst"]])
    with pytest.raises(qda.CodingFileError, match="row 2, column code"):
        qda.read_coding_file(path)


def test_qualcoder_report_categories_become_the_path(tmp_path):
    path = make_qualcoder_csv(tmp_path / "qualcoder.csv", [
        ["FG_VT_01.txt", "Anna", "Eén aanspreekpunt voor regie.", "ctid:3", "Regie",
         "", "Samenwerking", "Werkzame elementen"],
        ["FG_VT_01.txt", "Bram", "Eén aanspreekpunt voor regie.", "ctid:9", "Regie",
         "", "Samenwerking", "Werkzame elementen"],
        ["FG_VT_01.txt", "Anna", "image", "imid:1", "Regie", "", "", ""],
    ])
    frame = qda.read_coding_file(path)
    assert len(frame) == 2
    assert frame["code_path"].iloc[0] == "Werkzame elementen > Samenwerking > Regie"
    assert frame["session_id"].iloc[0] == "FG_VT_01"
    assert frame["segment_id"].nunique() == 1  # same text, two coders
    assert (frame["source_tool"] == "qualcoder").all()


def test_qualcoder_xlsx(tmp_path):
    table = pd.DataFrame({"File/case": ["INT_02"], "Coder": ["Anna"], "Coded": ["Tekst"],
                          "Id": ["ctid:1"], "Codename": ["Kansen"], "Coded_Memo": [""]})
    table.to_excel(tmp_path / "report.xlsx", index=False)
    frame = qda.read_coding_file(tmp_path / "report.xlsx")
    assert frame["code_path"].tolist() == ["Kansen"]


def test_taguette_highlights(tmp_path):
    path = make_taguette_csv(tmp_path / "all_tags.csv", [
        [12, "REFL_SW_01.docx", "Voorwaarden > Rolverdeling", "Duidelijke rolverdeling."],
        [12, "REFL_SW_01.docx", "Kansen", "Duidelijke rolverdeling."],
        [13, "REFL_SW_01.docx", "", "Niet getagd."],
    ])
    frame = qda.read_coding_file(path)
    assert frame["session_id"].tolist() == ["REFL_SW_01", "REFL_SW_01"]
    assert frame["segment_id"].nunique() == 1
    assert (frame["coder"] == "unknown").all()


def test_foreign_table_is_rejected(tmp_path):
    path = write_csv(tmp_path / "sdq.csv", ["family_id", "sdq_01"], [["F01", "1"]])
    with pytest.raises(qda.CodingFileError, match="match no known export"):
        qda.read_coding_file(path)


def test_cp1252_segments_csv(tmp_path):
    path = make_segments_csv(tmp_path / "segments.csv",
                             [["S1", "1", "P1", "Anna", "Kansen", "Één café"]], encoding="cp1252")
    assert qda.read_coding_file(path)["text"].iloc[0] == "Één café"


# ------------------------------------------------------------------------------ mixing

def test_read_coding_files_mix_and_keep_going(tmp_path):
    good = make_qdpx(tmp_path / "a.qdpx", _sources())
    seg = make_segments_csv(tmp_path / "segments.csv", [["S2", "1", "P1", "Anna", "Kansen", "x"]])
    bad = tmp_path / "b.qdpx"
    bad.write_bytes(b"garbage")
    with pytest.raises(qda.CodingFileError, match="b.qdpx"):
        qda.read_coding_files([good, bad, seg])
    frame, problems = qda.read_coding_files([good, bad, seg], keep_going=True)
    assert len(frame) == 6 and len(problems) == 1 and "b.qdpx" in problems[0]
    assert list(frame.columns) == qda.SEGMENT_COLUMNS


def test_unknown_content_and_missing_file(tmp_path):
    """Recognised by content: a text file named .docx is read as a table (and matches no
    export); a real .docx (a zip without a workbook or project) is refused as such."""
    (tmp_path / "x.docx").write_text("x", encoding="utf-8")
    import zipfile

    with zipfile.ZipFile(tmp_path / "real.docx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    frame, problems = qda.read_coding_files(
        [tmp_path / "x.docx", tmp_path / "nope.csv", tmp_path / "real.docx"], keep_going=True)
    assert frame.empty and list(frame.columns) == qda.SEGMENT_COLUMNS
    assert "match no known export" in problems[0] and "not found" in problems[1]
    assert "neither a REFI-QDA project" in problems[2]


def test_read_cohort_coding(tmp_path):
    coding = tmp_path / "coding"
    coding.mkdir()
    make_qdpx(coding / "focusgroepen.qdpx", _sources())
    make_segments_csv(coding / "segments.csv", [["OPEN_F01", "1", "F01", "Anna", "Kansen", "x"]])
    frame = qda.read_cohort_coding(tmp_path)
    assert set(frame["session_id"]) == {"FG_SW_01", "OPEN_F01"}
    assert qda.read_cohort_coding(tmp_path / "elsewhere").empty


def test_read_cohort_coding_rejects_a_session_in_two_files(tmp_path):
    coding = tmp_path / "coding"
    coding.mkdir()
    make_qdpx(coding / "focusgroepen.qdpx", _sources())
    make_segments_csv(coding / "segments.csv", [["FG_SW_01", "1", "", "Anna", "Kansen", "x"]])
    with pytest.raises(qda.CodingFileError, match="also coded in"):
        qda.read_cohort_coding(tmp_path)


def test_shared_valid_cohort_reads(valid_cohort):
    frame = qda.read_cohort_coding(valid_cohort)
    assert len(frame) == 3 and frame["segment_id"].tolist()[:2] == ["S01-001", "S01-001"]
    assert frame["code_path"].iloc[0] == PATH_SCREENING


def test_cli_coding_converts_exports(tmp_path, capsys):
    from analysis import cli

    qdpx = make_qdpx(tmp_path / "a.qdpx", _sources())
    bad = tmp_path / "b.qdpx"
    bad.write_bytes(b"garbage")
    out = tmp_path / "segments.csv"
    assert cli.main(["coding", str(qdpx), str(bad), "--out", str(out), "--keep-going"]) == 1
    assert "b.qdpx" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 5
    assert cli.main(["coding", str(bad), "--out", str(out)]) == 2


def test_read_cohort_coding_accepts_xlsx_segments_but_not_two_formats(tmp_path):
    coding = tmp_path / "coding"
    coding.mkdir()
    table = pd.DataFrame({"session_id": ["S1"], "segment_id": ["001"], "participant": ["P1"],
                          "coder": ["Anna"], "code": ["Kansen"], "text": ["x"]})
    table.to_excel(coding / "segments.xlsx", index=False)
    assert qda.read_cohort_coding(tmp_path)["segment_id"].tolist() == ["001"]
    table.to_csv(coding / "segments.csv", index=False)
    with pytest.raises(qda.CodingFileError, match="one export per table"):
        qda.read_cohort_coding(tmp_path)
