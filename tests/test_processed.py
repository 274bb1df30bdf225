"""analysis.data.processed: validated tables hand over between notebooks without losing types."""

import pandas as pd
import pytest

from analysis import paths
from analysis.data import processed
from analysis.data.validate import load_cohort
from analysis.errors import CompendiumError


@pytest.fixture
def processed_root(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    return tmp_path / "processed"


def test_validated_tables_round_trip_with_their_dtypes(valid_cohort, processed_root):
    loaded = load_cohort(valid_cohort)
    processed.write_validated(loaded, "c1")
    assert processed.available_tables("c1") == sorted(loaded.tables)
    for name, frame in loaded.tables.items():
        back = processed.read_validated("c1", name)
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), back.reset_index(drop=True))


def test_identifiers_with_leading_zeros_stay_strings(valid_cohort, processed_root):
    loaded = load_cohort(valid_cohort)
    processed.write_validated(loaded, "c1")
    trajectories = processed.read_validated("c1", "trajectories")
    assert trajectories["therapist_id"].str.startswith("T00").any()


def test_writing_twice_gives_identical_bytes(valid_cohort, processed_root):
    loaded = load_cohort(valid_cohort)
    folder = processed.write_validated(loaded, "c1")
    first = {p.name: p.read_bytes() for p in folder.iterdir()}
    processed.write_validated(loaded, "c1")
    assert first == {p.name: p.read_bytes() for p in folder.iterdir()}


def test_manifest_holds_settings_without_machine_paths(valid_cohort, processed_root):
    processed.write_validated(load_cohort(valid_cohort), "c1")
    config = processed.read_config("c1")
    assert config["slots"] == 30 and config["synthetic"] is True
    text = (processed.validated_dir("c1") / processed.MANIFEST).read_text(encoding="utf-8")
    assert str(valid_cohort) not in text


def test_absent_table_is_none_and_missing_stage_is_a_clear_error(valid_cohort, processed_root):
    processed.write_validated(load_cohort(valid_cohort), "c1")
    assert processed.read_validated("c1", "no_such_table") is None
    with pytest.raises(CompendiumError, match="00_data"):
        processed.read_manifest("never-run")
    with pytest.raises(CompendiumError, match="does not exist"):
        processed.read_table("c1", "questionnaires", "scores_sdq")
