"""analysis.data.io: readers of the raw-data contract (CSV dialects, .xlsx, .sav) and atomic writers."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.data import io
from analysis.errors import CompendiumError, DataError


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------ find_table

@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".sav", ".CSV"])
def test_find_table_accepts_each_format(tmp_path, suffix):
    (tmp_path / f"sdq{suffix}").write_bytes(b"x")
    assert io.find_table(tmp_path, "sdq") == tmp_path / f"sdq{suffix}"


def test_find_table_is_none_when_absent(tmp_path):
    (tmp_path / "sdq.txt").write_text("x", encoding="utf-8")
    assert io.find_table(tmp_path, "sdq") is None
    assert io.find_table(tmp_path, "coding/sessions") is None


def test_find_table_looks_in_subfolders(tmp_path):
    (tmp_path / "coding").mkdir()
    (tmp_path / "coding" / "sessions.xlsx").write_bytes(b"x")
    assert io.find_table(tmp_path, "coding/sessions") == tmp_path / "coding" / "sessions.xlsx"


def test_find_table_refuses_two_formats_of_one_table(tmp_path):
    (tmp_path / "sdq.csv").write_text("x", encoding="utf-8")
    (tmp_path / "sdq.xlsx").write_bytes(b"x")
    with pytest.raises(DataError, match=r"'sdq.csv' and 'sdq.xlsx' both hold table 'sdq'"):
        io.find_table(tmp_path, "sdq")


# ------------------------------------------------------------------------------ CSV dialects

@pytest.mark.parametrize("text, encoding", [
    ("family_id,x,name\n007,2.5,café\n", "utf-8"),
    ("\ufefffamily_id,x,name\n007,2.5,café\n", "utf-8"),
    ("family_id;x;name\r\n007;2,5;café\r\n", "utf-8"),
    ("family_id;x;name\r\n007;2,5;café\r\n", "cp1252"),
    ('family_id,x,name\n"007","2,5",café\n', "cp1252"),
    ("family_id\tx\tname\n007\t2.5\tcafé\n", "utf-16"),
    ("family_id;x;name\r007;2,5;café\r", "cp1252"),
])
def test_read_table_csv_dialects_give_the_same_table(tmp_path, text, encoding):
    table = io.read_table(_write(tmp_path / "t.csv", text, encoding))
    assert list(table.columns) == ["family_id", "x", "name"]
    assert table.loc[0, "family_id"] == "007"
    assert table.loc[0, "x"] == 2.5
    assert table.loc[0, "name"] == "café"


def test_identifiers_stay_strings_and_numbers_become_numbers(tmp_path):
    text = "family_id,coder_id,participant,n,score,label\n007,01,1,3,1.5,zeker waar\n010,02,2,4,,x\n"
    table = io.read_table(_write(tmp_path / "t.csv", text))
    assert table["family_id"].tolist() == ["007", "010"]
    assert table["coder_id"].tolist() == ["01", "02"]
    assert table["participant"].tolist() == ["1", "2"]
    assert pd.api.types.is_numeric_dtype(table["n"]) and table["n"].tolist() == [3, 4]
    assert table["score"].isna().tolist() == [False, True]
    assert table["label"].tolist() == ["zeker waar", "x"], "labels are not mapped when reading"


def test_empty_and_blank_cells_are_missing_and_text_is_stripped(tmp_path):
    text = "family_id,a,b\nF01, x ,\nF02,  ,NA\n"
    table = io.read_table(_write(tmp_path / "t.csv", text))
    assert table["a"].tolist()[0] == "x" and pd.isna(table["a"].tolist()[1])
    assert pd.isna(table.loc[0, "b"])
    assert table.loc[1, "b"] == "NA", "only an empty cell is missing, not the text NA"


def test_index_gives_the_spreadsheet_row_across_empty_rows(tmp_path):
    text = "family_id,a\nF01,1\n,\n\nF04,4\n"
    table = io.read_table(_write(tmp_path / "t.csv", text))
    assert table["family_id"].tolist() == ["F01", "F04"]
    assert io.spreadsheet_rows(table.index) == [2, 5]


def test_extra_cells_without_header_name_are_dropped_when_empty(tmp_path):
    text = "family_id;a;;\nF01;1;;\nF02;2;;x\n"
    table = io.read_table(_write(tmp_path / "t.csv", text))
    assert list(table.columns) == ["family_id", "a", "unnamed_4"]


def test_date_columns_accept_iso_and_dutch_dates(tmp_path):
    text = "family_id;date\nF01;2023-09-01\nF02;01-09-2023\nF03;1-9-2023\nF04;31-02-2023\n"
    table = io.read_table(_write(tmp_path / "t.csv", text), date_columns=["date"])
    assert table["date"].iloc[:3].eq(pd.Timestamp("2023-09-01")).all()
    assert pd.isna(table["date"].iloc[3]), "an impossible date is missing, reported by validation"


@pytest.mark.parametrize("given, expected", [
    ("2024-03-04", "2024-03-04"), ("04-03-2024", "2024-03-04"), ("4/3/2024", "2024-03-04"),
    ("04.03.2024", "2024-03-04"), ("2024-03-04 00:00:00", "2024-03-04"),
    ("2024-13-01", None), ("maart", None), (None, None),
])
def test_parse_dates(given, expected):
    parsed = io.parse_dates(pd.Series([given], dtype=object)).iloc[0]
    assert (None if pd.isna(parsed) else parsed.strftime("%Y-%m-%d")) == expected


def test_apply_to_unique_maps_each_distinct_value_once():
    calls = []

    def upper(values):
        calls.append(len(values))
        return values.str.upper()

    out = io.apply_to_unique(pd.Series(["a", "b", None, "a"] * 1000, dtype="str"), upper)
    assert calls == [2]
    assert out.iloc[:4].tolist()[:2] == ["A", "B"] and pd.isna(out.iloc[2])


_ids = st.text(alphabet="0123456789ABF-_", min_size=1, max_size=6)
_cells = st.one_of(st.none(), st.integers(-999, 999), st.text(alphabet="abcé ;,'", min_size=1,
                                                               max_size=8).filter(str.strip))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_ids, _cells), min_size=1, max_size=8),
       sep=st.sampled_from([",", ";"]), encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
def test_any_export_dialect_reads_back_what_was_written(tmp_path_factory, rows, sep, encoding):
    frame = pd.DataFrame(rows, columns=["family_id", "value"], dtype=object)
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    path.write_bytes(frame.to_csv(index=False, sep=sep).encode(encoding))
    table = io.read_table(path)
    assert table["family_id"].tolist() == frame["family_id"].tolist(), "identifiers verbatim"
    expected = [None if v is None else (v if isinstance(v, int) else v.strip()) for v in frame["value"]]
    got = [None if pd.isna(v) else v for v in table["value"]]
    if all(isinstance(v, int) or v is None for v in expected):
        assert got == expected
    else:
        assert [str(v) if v is not None else None for v in got] == \
            [str(v) if v is not None else None for v in expected]


# ------------------------------------------------------------------------------ xlsx and sav

def test_xlsx_reads_like_csv(tmp_path):
    frame = pd.DataFrame({
        "family_id": ["007", "008"], "therapist_id": [12, 13], "n": [3, 4],
        "date": [pd.Timestamp("2023-09-01"), pd.Timestamp("2023-10-02")],
        "answer": ["zeker waar", "1"],
    })
    frame.to_excel(tmp_path / "t.xlsx", index=False)
    table = io.read_table(tmp_path / "t.xlsx", date_columns=["date"])
    assert table["family_id"].tolist() == ["007", "008"]
    assert table["therapist_id"].tolist() == ["12", "13"], "numeric ids become strings, no .0"
    assert table["n"].tolist() == [3, 4]
    assert table["date"].tolist() == [pd.Timestamp("2023-09-01"), pd.Timestamp("2023-10-02")]
    assert table["answer"].tolist() == ["zeker waar", "1"]


def test_sav_reads_like_csv(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = pd.DataFrame({"family_id": ["F01", "F02"], "sdq_01": [0.0, 2.0],
                          "social_worker_id": [7.0, 8.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "t.sav"))
    table = io.read_table(tmp_path / "t.sav")
    assert table["family_id"].tolist() == ["F01", "F02"]
    assert table["sdq_01"].tolist() == [0, 2]
    assert table["social_worker_id"].tolist() == ["7", "8"]


# ------------------------------------------------------------------------------ bad input

BAD_FILES = {
    "empty": (b"", "the file is empty (0 bytes)"),
    "only newlines": (b"\r\n\r\n", "the file is empty"),
    "binary": (b"family_id\x00\x01\x02\x00" * 20, "the file is binary"),
    "renamed workbook": (b"PK\x03\x04rest of a zip", "a zip archive"),
    "renamed spss": (b"$FL2@(#) IBM SPSS", "an SPSS .sav file"),
    "undecodable": ("family_id,name\nF01,caf".encode() + b"\x81\x9d\n", "neither UTF-8"),
    "ragged": (b"family_id,a\nF01,1\nF02,2,3,4\n", "the rows do not match the header"),
    "open quote": (b'family_id,a\nF01,"abc\n', 'a quote (") opened in row 2 is never closed'),
    "repeated header": (b"family_id,a,a\nF01,1,2\n", "the header repeats column 'a'"),
    "wrong header": (b"familie,tijdstip\nF01,T0\n", "the header lacks column 'family_id'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_give_one_paragraph_naming_file_and_expectation(tmp_path, case):
    data, what = BAD_FILES[case]
    (tmp_path / "sdq.csv").write_bytes(data)
    with pytest.raises(CompendiumError) as caught:
        io.read_table(tmp_path / "sdq.csv", required_columns=["family_id"], name="sdq.csv")
    message = str(caught.value)
    assert message.startswith("cannot read sdq.csv: ")
    assert what in message and "; expected " in message and message.endswith(".")
    assert "\n" not in message and str(tmp_path) not in message
    assert caught.value.problems[0].file == "sdq.csv"


def test_wrong_header_suggests_the_close_name(tmp_path):
    _write(tmp_path / "t.csv", "familyid,timepoint\nF01,T0\n")
    with pytest.raises(DataError, match=r"did you mean 'familyid' for 'family_id'\?"):
        io.read_table(tmp_path / "t.csv", required_columns=["family_id", "timepoint"])


def test_missing_file_and_broken_workbook(tmp_path):
    with pytest.raises(DataError, match="cannot read nope.csv: the file does not exist"):
        io.read_table(tmp_path / "nope.csv")
    (tmp_path / "t.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(DataError, match=r"cannot read t.xlsx: the workbook cannot be opened"):
        io.read_table(tmp_path / "t.xlsx")
    (tmp_path / "t.sav").write_bytes(b"not spss")
    with pytest.raises(DataError, match=r"cannot read t.sav: the SPSS file cannot be opened"):
        io.read_table(tmp_path / "t.sav")


def test_large_garbage_fails_fast_on_the_header(tmp_path):
    import time

    (tmp_path / "g.csv").write_bytes(b"lorem ipsum dolor sit amet\n" * 2_000_000)  # 54 MB
    start = time.perf_counter()
    with pytest.raises(DataError, match="the header lacks column 'family_id'"):
        io.read_table(tmp_path / "g.csv", required_columns=["family_id"])
    assert time.perf_counter() - start < 5


# ------------------------------------------------------------------------------ writers

def test_atomic_csv_writer_is_deterministic_and_leaves_no_temporary_file(tmp_path):
    frame = pd.DataFrame({"a": ["x", "é"], "b": [1.5, None]})
    first = io.write_csv_atomic(tmp_path / "out" / "t.csv", frame).read_bytes()
    second = io.write_csv_atomic(tmp_path / "out" / "t.csv", frame).read_bytes()
    assert first == second == "a,b\nx,1.5\né,\n".encode()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["t.csv"]


# ------------------------------------------------------------------------------ limits (issue 23)

def _small_limits(monkeypatch, **caps):
    from analysis.data import safe_input

    limits = safe_input.input_limits() | caps
    monkeypatch.setattr(safe_input, "input_limits", lambda: limits)


def _archive(path, members, method=None):
    import zipfile

    with zipfile.ZipFile(path, "w", method or zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_check_zip_counts_members_and_sizes_without_naming_them(tmp_path, monkeypatch):
    from analysis.data.safe_input import check_zip

    _small_limits(monkeypatch, zip_members=3, zip_member_bytes=1000, zip_total_bytes=1500)
    check_zip(_archive(tmp_path / "ok.zip", {"a": b"x" * 900, "b": b"y" * 500}), "ok.zip")
    cases = {"members": ({f"Jan Jansen {i}.txt": b"" for i in range(4)}, "holds 4 members"),
             "member": ({"Jan Jansen.txt": b" " * 1001}, "declares 1,001 bytes"),
             "total": ({"Jan Jansen.txt": b" " * 900, "b": b" " * 900}, "members declare 1,800")}
    for name, (members, phrase) in cases.items():
        path = _archive(tmp_path / f"{name}.zip", members)
        with pytest.raises(DataError, match=phrase) as caught:
            check_zip(path, f"{name}.zip")
        assert "Jan" not in str(caught.value)


def test_check_zip_streams_a_member_that_lies_about_its_size(tmp_path, monkeypatch):
    import struct
    import zipfile

    from analysis.data.safe_input import check_zip

    path = _archive(tmp_path / "lie.zip", {"big.txt": b" " * 100_000})
    info = zipfile.ZipFile(path).infolist()[0]
    data = bytearray(path.read_bytes())
    data[info.header_offset + 22:info.header_offset + 26] = struct.pack("<I", 10)
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 10)
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="member 1 of the archive cannot be read: its checksum"):
        check_zip(path, "lie.zip")


def test_a_broken_workbook_member_is_refused_as_data(tmp_path):
    import zipfile

    path = tmp_path / "sdq.xlsx"
    _archive(path, {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>" * 100})
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).infolist()[1]
    data[info.header_offset + 14] ^= 0xFF  # the local CRC
    central = data.rfind(b"PK\x01\x02")
    data[central + 16] ^= 0xFF  # the central CRC
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="member 2 of the workbook cannot be read"):
        io.read_table(path)


def test_tables_beyond_the_limits_are_refused_before_parsing(tmp_path, monkeypatch):
    _small_limits(monkeypatch, table_rows=3, table_columns=4, table_cells=10)
    (tmp_path / "rows.csv").write_text("a,b\n" + "1,2\n" * 4, encoding="utf-8")
    with pytest.raises(DataError, match="4 rows, more than 3"):
        io.read_table(tmp_path / "rows.csv")
    (tmp_path / "wide.csv").write_text("a,b,c,d,e\n1,2,3,4,5\n", encoding="utf-8")
    with pytest.raises(DataError, match="5 columns, more than 4"):
        io.read_table(tmp_path / "wide.csv")
    (tmp_path / "cells.csv").write_text("a,b,c,d\n" + "1,2,3,4\n" * 3, encoding="utf-8")
    with pytest.raises(DataError, match="more than 10 cells"):
        io.read_table(tmp_path / "cells.csv")


def test_sav_variables_are_counted_from_the_header(tmp_path, monkeypatch):
    import pyreadstat

    frame = pd.DataFrame({f"v{i}": [1.0, 2.0] for i in range(6)})
    pyreadstat.write_sav(frame, str(tmp_path / "wide.sav"))
    _small_limits(monkeypatch, table_columns=5)
    with pytest.raises(DataError, match="the SPSS file has 6 columns, more than 5"):
        io.read_table(tmp_path / "wide.sav")


def test_fold_label_matches_dutch_spellings():
    assert io.fold_label("Voortijdig beëindigd") == io.fold_label("voortijdig  beeindigd")
    assert io.fold_label("Één") == "een" and io.fold_label(None) is None
