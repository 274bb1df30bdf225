"""analysis.report.keynumbers: byte-stable fragments, strict values, merging with conflict detection."""

import json
import math

import pytest

from analysis.report import keynumbers
from analysis.report.keynumbers import KeyNumberError

COHORT = "demo"


def _fragment(tmp_path, stage):
    return tmp_path / "data" / "processed" / COHORT / "key_numbers" / f"{stage}.json"


def test_fragment_is_sorted_rounded_and_byte_stable(tmp_path):
    path = keynumbers.write_fragment(
        {"b_mean": 0.1 + 0.2, "a_count": 3, "c_flag": True, "d_label": "SDQ", "e_none": None,
         "f_negzero": -0.0},
        cohort=COHORT, stage="01_questionnaires", root=tmp_path,
    )
    assert path == _fragment(tmp_path, "01_questionnaires")
    text = path.read_text(encoding="utf-8")
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert json.loads(text) == {"a_count": 3, "b_mean": 0.3, "c_flag": True, "d_label": "SDQ",
                                "e_none": None, "f_negzero": 0.0}
    again = keynumbers.write_fragment({"b_mean": 0.3, "a_count": 3, "c_flag": True,
                                       "d_label": "SDQ", "e_none": None, "f_negzero": 0.0},
                                      cohort=COHORT, stage="01_questionnaires", root=tmp_path)
    assert again.read_text(encoding="utf-8") == text


def test_floats_keep_ten_significant_digits(tmp_path):
    path = keynumbers.write_fragment({"p": 1.23456789012345e-7, "big": 123456.7890123456},
                                     cohort=COHORT, stage="s", root=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"p": 1.23456789e-7, "big": 123456.789}


def test_numpy_scalars_become_plain_json(tmp_path):
    np = pytest.importorskip("numpy")
    path = keynumbers.write_fragment({"n": np.int64(4), "m": np.float64(2.5), "ok": np.bool_(1)},
                                     cohort=COHORT, stage="s", root=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"m": 2.5, "n": 4, "ok": True}


@pytest.mark.parametrize("value, expected", [
    (math.nan, "finite number"), (math.inf, "finite number"), (-math.inf, "finite number"),
    ([1, 2], "has type list"), ({"a": 1}, "has type dict"), (object(), "has type object"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path, value, expected):
    with pytest.raises(KeyNumberError, match=rf"'bad_key' of stage 's'.*{expected}"):
        keynumbers.write_fragment({"good": 1, "bad_key": value}, cohort=COHORT, stage="s",
                                  root=tmp_path)
    assert not _fragment(tmp_path, "s").exists()


@pytest.mark.parametrize("key", ["", "1st", "with space", "a/b", 3])
def test_bad_names_are_refused(tmp_path, key):
    with pytest.raises(KeyNumberError, match="not allowed"):
        keynumbers.write_fragment({key: 1}, cohort=COHORT, stage="s", root=tmp_path)


def test_merge_gives_one_flat_mapping(tmp_path):
    keynumbers.write_fragment({"n_families": 22, "shared": 1}, cohort=COHORT, stage="00_data",
                              root=tmp_path)
    keynumbers.write_fragment({"sdq_mean": 14.5, "shared": 1}, cohort=COHORT,
                              stage="01_questionnaires", root=tmp_path)
    assert set(keynumbers.read_fragments(COHORT, root=tmp_path)) == {"00_data",
                                                                     "01_questionnaires"}
    path = keynumbers.merge(COHORT, root=tmp_path)
    assert path == tmp_path / "reports" / COHORT / "key_numbers.json"
    assert keynumbers.load(COHORT, root=tmp_path) == {"n_families": 22, "sdq_mean": 14.5,
                                                      "shared": 1}


def test_merge_leaves_an_unchanged_file_alone(tmp_path):
    keynumbers.write_fragment({"n": 1}, cohort=COHORT, stage="a", root=tmp_path)
    path = keynumbers.merge(COHORT, root=tmp_path)
    before = path.stat().st_mtime_ns, path.stat().st_ino
    keynumbers.merge(COHORT, root=tmp_path)
    assert (path.stat().st_mtime_ns, path.stat().st_ino) == before


@pytest.mark.parametrize("first, second", [(22, 23), (1, 1.0), ("a", "b")])
def test_conflicting_key_numbers_name_both_stages(tmp_path, first, second):
    keynumbers.write_fragment({"n_families": first}, cohort=COHORT, stage="00_data",
                              root=tmp_path)
    keynumbers.write_fragment({"n_families": second}, cohort=COHORT, stage="03_trajectories",
                              root=tmp_path)
    with pytest.raises(KeyNumberError, match="'n_families'.*'00_data'.*'03_trajectories'"):
        keynumbers.merge(COHORT, root=tmp_path)
    assert not (tmp_path / "reports" / COHORT / "key_numbers.json").exists()


def test_a_broken_fragment_is_named(tmp_path):
    path = _fragment(tmp_path, "00_data")
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(KeyNumberError, match="00_data.json must hold a JSON object"):
        keynumbers.read_fragments(COHORT, root=tmp_path)
    path.write_text("{oops", encoding="utf-8")
    with pytest.raises(KeyNumberError, match="00_data.json is not valid JSON"):
        keynumbers.merge(COHORT, root=tmp_path)


def test_no_fragments_merge_to_an_empty_mapping(tmp_path):
    keynumbers.merge(COHORT, root=tmp_path)
    assert keynumbers.load(COHORT, root=tmp_path) == {}


def test_load_before_a_run_says_what_to_do(tmp_path):
    with pytest.raises(KeyNumberError, match="run the pipeline first"):
        keynumbers.load(COHORT, root=tmp_path)
