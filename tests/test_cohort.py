"""analysis.data.cohort: cohort.yaml, loading a validated cohort, scaffolding a new one."""

from __future__ import annotations

import datetime

import pytest
import yaml

from analysis import cli
from analysis.data import cohort, validate
from analysis.errors import ConfigError, DataError
from analysis.questionnaires import instruments


def _set_yaml(folder, **changes):
    spec = yaml.safe_load((folder / "cohort.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    (folder / "cohort.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")


# ------------------------------------------------------------------------------ read_config

def test_read_config_types_every_field(valid_cohort):
    config = cohort.read_config(valid_cohort)
    assert config.name == "test-cohort" and config.municipality == "Helmond"
    assert config.period_start == datetime.date(2023, 9, 1)
    assert config.period_end == datetime.date(2024, 10, 31)
    assert config.slots == 30 and config.synthetic is True
    assert config.published_claims is None and config.folder == valid_cohort
    assert config.limits == {"max_therapy_sessions": 25, "max_collaboration_hours": 5,
                             "min_observation_sessions": 3, "max_observation_sessions": 5}


def test_pilot_limit_defaults_cite_the_handreiking():
    limits = cohort.load_contract()["limits"]
    assert cohort.default_limits() == {k: v["default"] for k, v in limits.items()}
    assert all("Over de innovatiepilot" in spec["source"] for spec in limits.values())


def test_limits_overrides_and_dutch_dates(valid_cohort):
    _set_yaml(valid_cohort, limits={"max_therapy_sessions": 30}, period_start="01-09-2023")
    config = cohort.read_config(valid_cohort)
    assert config.limits["max_therapy_sessions"] == 30
    assert config.limits["max_collaboration_hours"] == 5
    assert config.period_start == datetime.date(2023, 9, 1)


def test_published_claims_is_resolved_in_the_folder(valid_cohort):
    (valid_cohort / "claims.csv").write_text("claim_id,published\nx,1\n", encoding="utf-8")
    _set_yaml(valid_cohort, published_claims="claims.csv")
    assert cohort.read_config(valid_cohort).published_claims == valid_cohort / "claims.csv"


@pytest.mark.parametrize("changes, message", [
    ({"title": None}, "field 'title' is missing"),
    ({"slots": "dertig"}, "field 'slots' is 'dertig'; expected a whole number"),
    ({"slots": -1}, "field 'slots' is -1; expected at least 0"),
    ({"synthetic": "misschien"}, "field 'synthetic' is 'misschien'; expected true or false"),
    ({"period_start": "gisteren"}, "field 'period_start' is 'gisteren'; expected a date"),
    ({"period_end": "2023-01-01"}, "period_end 2023-01-01 is before period_start 2023-09-01"),
    ({"limits": {"max_sessions": 3}}, "limits has unknown key 'max_sessions'"),
    ({"limits": {"max_therapy_sessions": "veel"}}, "limits.max_therapy_sessions is 'veel'"),
    ({"limits": {"min_observation_sessions": 6}}, "limits.min_observation_sessions (6) exceeds"),
    ({"published_claims": "nope.csv"}, "published_claims file 'nope.csv' not found"),
])
def test_wrong_cohort_yaml_is_a_config_error(valid_cohort, changes, message):
    _set_yaml(valid_cohort, **changes)
    with pytest.raises(ConfigError) as caught:
        cohort.read_config(valid_cohort)
    assert message in str(caught.value)
    assert str(caught.value).startswith("cohort.yaml of ")
    assert str(valid_cohort) not in str(caught.value)


def test_cohort_yaml_must_be_a_mapping(valid_cohort):
    (valid_cohort / "cohort.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cohort.yaml holds list, not a mapping"):
        cohort.read_config(valid_cohort)


def test_missing_folder_and_missing_yaml_are_data_errors(tmp_path):
    with pytest.raises(DataError, match=r"cohort folder .* not found; expected a folder"):
        cohort.read_config(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"cohort.yaml not found in cohort folder"):
        cohort.read_config(tmp_path / "empty")


# ------------------------------------------------------------------------------ load_cohort

def test_load_cohort_gives_config_and_tables(valid_cohort):
    loaded = validate.load_cohort(valid_cohort)
    assert loaded.config.name == "test-cohort"
    assert loaded.has("sdq") and not loaded.has("obvl")
    assert len(loaded.tables["trajectories"]) == 4
    assert loaded.warnings == []


def test_load_cohort_keeps_warnings(valid_cohort):
    path = valid_cohort / "trajectories.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("F01,completed,2023-09-18",
                                                             "F01,completed,2023-08-18"))
    loaded = validate.load_cohort(valid_cohort)
    assert [w.check for w in loaded.warnings] == ["date_outside_period"]


def test_load_cohort_raises_with_the_problems(valid_cohort):
    path = valid_cohort / "trajectories.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",4,25,5,", ",4,30,5,"))
    with pytest.raises(DataError) as caught:
        validate.load_cohort(valid_cohort)
    message = str(caught.value)
    assert "breaks the data contract (1 error)" in message
    assert "trajectories.csv, row 3, column therapy_sessions: value '30'; expected at most 25" in message
    assert [p.check for p in caught.value.problems] == ["pilot_limit"]


# ------------------------------------------------------------------------------ new_cohort

def test_new_cohort_scaffolds_templates_that_validate(tmp_path, capsys):
    folder = cohort.new_cohort("eindhoven-2025", raw_root=tmp_path).folder
    assert folder == tmp_path / "eindhoven-2025"
    config = cohort.read_config(folder)
    assert config.name == "eindhoven-2025" and config.synthetic is False
    header = (folder / "sdq.csv").read_text(encoding="utf-8").splitlines()
    assert header == [",".join(cohort.template_columns("sdq.csv"))]
    assert header[0].startswith("family_id,timepoint,date,informant,sdq_01,")
    for instrument_id in instruments.available():
        assert (folder / instruments.load_instrument(instrument_id).file).is_file()
    assert (folder / "coding" / "segments.csv").read_text(encoding="utf-8") == \
        "session_id,segment_id,participant,coder,code,text\n"
    assert "# limits:" in (folder / "cohort.yaml").read_text(encoding="utf-8")
    code = cli.main(["validate", "--cohort", "eindhoven-2025", "--raw-dir", str(tmp_path)])
    assert code == 0, capsys.readouterr().out


def test_new_cohort_through_the_cli(tmp_path, capsys):
    assert cli.main(["new-cohort", "x_1", "--raw-dir", str(tmp_path)]) == 0
    assert "created " in capsys.readouterr().out
    assert cli.main(["new-cohort", "x_1", "--raw-dir", str(tmp_path)]) == 2
    assert "exists already" in capsys.readouterr().err


def test_new_cohort_never_overwrites(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(ConfigError, match="exists already"):
        cohort.new_cohort("taken", raw_root=tmp_path)
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("name", ["", "../up", "a b", "a/b", "café", ".hidden", "x;rm"])
def test_new_cohort_refuses_bad_names(tmp_path, name):
    with pytest.raises(ConfigError, match="letters, digits, '-' and '_', starting with"):
        cohort.new_cohort(name, raw_root=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_template_columns_of_every_contract_file():
    files = cohort.table_files()
    assert files["sessions"] == "coding/sessions.csv" and files["sdq"] == "sdq.csv"
    assert cohort.template_columns("trajectories.csv")[:3] == ["family_id", "status", "start_date"]
    with pytest.raises(ConfigError, match="unknown contract file 'x.csv'"):
        cohort.template_columns("x.csv")
