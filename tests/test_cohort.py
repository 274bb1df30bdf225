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
                                                             "F01,completed,2023-08-18"),
                    encoding="utf-8")
    loaded = validate.load_cohort(valid_cohort)
    assert [w.check for w in loaded.warnings] == ["date_outside_period"]


def test_load_cohort_raises_with_the_problems(valid_cohort):
    path = valid_cohort / "trajectories.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",4,25,5,", ",4,30,5,"),
                    encoding="utf-8")
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
    (tmp_path / "taken" / "keep.txt").write_text("mine", encoding="utf-8")
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


# ------------------------------------------------------------------------------ exports, git, --out

def _castor_export(path, families=("F01", "F02")):
    header = ["Participant Id", "Meetmoment", "Datum", "Invuller"] + [
        f"SDQ_{i}" for i in range(1, 26)] + ["Opmerking"]
    rows = [[f, "Voormeting", "2025-02-01", "Moeder"] + ["1"] * 25 + [""] for f in families]
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def test_new_cohort_from_export_maps_what_it_recognises(tmp_path, capsys):
    export = _castor_export(tmp_path / "SDQ_export_castor.csv")
    raw = tmp_path / "raw"
    code = cli.main(["new-cohort", "eindhoven-2025", "--raw-dir", str(raw), "--from-export",
                     str(export), "--synthetic"])
    out = capsys.readouterr().out
    assert code == 0 and "as table 'sdq'" in out and "'Opmerking'" in out
    folder = raw / "eindhoven-2025"
    assert (folder / "SDQ_export_castor.csv").read_bytes() == export.read_bytes()
    assert not (folder / "sdq.csv").exists()
    config = cohort.read_config(folder)
    mapping = config.mapping("sdq")
    assert mapping.file == "SDQ_export_castor.csv"
    assert mapping.columns["Participant Id"] == "family_id"
    assert mapping.columns["SDQ_25"] == "sdq_25" and "Opmerking" not in mapping.columns
    assert not (folder / "trajectories.csv").exists()  # no template for a table not given
    report = validate.validate_cohort(folder)
    assert not report.errors, report.format()
    sdq = report.tables["sdq"]
    assert sdq["family_id"].tolist() == ["F01", "F02"]
    assert sdq["timepoint"].tolist() == ["T0", "T0"] and sdq["sdq_25"].tolist() == [1.0, 1.0]


def test_mapped_columns_are_named_as_exported_in_messages(tmp_path):
    export = _castor_export(tmp_path / "SDQ_export_castor.csv")
    export.write_text(export.read_text(encoding="utf-8").replace("Voormeting", "Halverwege", 1),
                      encoding="utf-8")
    cohort.new_cohort("x", raw_root=tmp_path / "raw", from_export=export, synthetic=True)
    report = validate.validate_cohort(tmp_path / "raw" / "x")
    assert [p.column for p in report.errors] == ["Meetmoment (timepoint)"]
    assert report.errors[0].file == "SDQ_export_castor.csv" and report.errors[0].row == 2


def test_labels_map_export_answers_onto_the_contract(tmp_path):
    export = _castor_export(tmp_path / "SDQ_export_castor.csv")
    export.write_text(export.read_text(encoding="utf-8").replace("Voormeting", "Halverwege"),
                      encoding="utf-8")
    made = cohort.new_cohort("x", raw_root=tmp_path / "raw", from_export=export, synthetic=True)
    with (made.folder / "cohort.yaml").open("a", encoding="utf-8") as handle:
        handle.write('    labels:\n      timepoint: {"halverwege": T1}\n')
    report = validate.validate_cohort(made.folder)
    assert not report.errors and report.tables["sdq"]["timepoint"].tolist() == ["T1", "T1"]


def test_suggest_columns_is_honest_about_what_it_does_not_know():
    from analysis.data.mapping import suggest_columns

    mapped, unknown = suggest_columns(
        ["Record Id", "sdq 01", "Q2", "SDQ-3", "Vraag 4", "Leeftijd", "sdq_01"],
        cohort.template_columns("sdq.csv"), ["sdq_"])
    assert mapped == {"Record Id": "family_id", "sdq 01": "sdq_01", "Q2": "sdq_02",
                      "SDQ-3": "sdq_03", "Vraag 4": "sdq_04"}
    assert unknown == ["Leeftijd", "sdq_01"]  # taken once: the second sdq_01 is not guessed


def test_new_cohort_excludes_real_data_from_git(tmp_path, capsys):
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    raw = tmp_path / "data" / "raw"
    assert cli.main(["new-cohort", "real-2025", "--raw-dir", str(raw)]) == 0
    assert "added /data/raw/real-2025/ to .git/info/exclude" in capsys.readouterr().out
    exclude = (tmp_path / ".git" / "info" / "exclude").read_text(encoding="utf-8")
    assert "/data/raw/real-2025/" in exclude.splitlines()
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain",
                             "--untracked-files=all"], capture_output=True, text=True,
                            encoding="utf-8", errors="replace").stdout
    assert "real-2025" not in status
    assert cli.main(["new-cohort", "synth-2025", "--raw-dir", str(raw), "--synthetic"]) == 0
    assert "synth-2025" not in (tmp_path / ".git" / "info" / "exclude").read_text(encoding="utf-8")


def test_cohort_yaml_refuses_yes_no_duplicates_and_escaping_paths(valid_cohort):
    text = (valid_cohort / "cohort.yaml").read_text(encoding="utf-8")
    for extra, message in [("synthetic: ja\n", "'synthetic' is 'ja'"),
                           ("synthetic: on\n", "'synthetic' is 'on'"),
                           ("slots: 31\n", "key 'slots' twice"),
                           ("published_claims: ../x.csv\n", "leaves the cohort folder")]:
        key = extra.split(":")[0]
        kept = "".join(ln for ln in text.splitlines(True)
                       if not ln.startswith(key) or key == "slots")
        (valid_cohort / "cohort.yaml").write_text(kept + extra, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            cohort.read_config(valid_cohort)


def test_load_yaml_strict_refuses_an_alias_bomb_quickly(tmp_path):
    import time

    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(97 + i)}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 9)}]\n"
        for i in range(1, 12))
    (tmp_path / "params.yaml").write_text(bomb, encoding="utf-8")
    began = time.perf_counter()
    with pytest.raises(ConfigError, match="aliases"):
        cohort.load_yaml_strict(tmp_path / "params.yaml")
    assert time.perf_counter() - began < 2


@pytest.mark.parametrize("target, message", [
    ("raw", "inside the raw-data folder"), ("input", "is an input of this command"),
    ("dir", "is a folder"), ("exists", "exists already"),
])
def test_score_out_never_overwrites_inputs(tmp_path, capsys, monkeypatch, target, message):
    from analysis import paths

    raw = tmp_path / "raw"
    (raw / "c").mkdir(parents=True)
    export = raw / "c" / "sdq.csv"
    export.write_text("family_id,timepoint,date,informant," + ",".join(
        f"sdq_{i:02d}" for i in range(1, 26)) + "\nF1,T0,2024-01-01,mother," + ",".join(
        ["1"] * 25) + "\n", encoding="utf-8")
    monkeypatch.setattr(paths, "RAW", raw if target != "input" else tmp_path / "other")
    before = export.read_bytes()
    out = {"raw": raw / "c" / "scores.csv", "input": export, "dir": tmp_path,
           "exists": tmp_path / "old.csv"}[target]
    if target == "exists":
        out.write_text("old", encoding="utf-8")
    code = cli.main(["score", "sdq", str(export), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert export.read_bytes() == before
    assert not (raw / "c" / "scores.csv").exists()
    if target == "exists":
        assert out.read_text(encoding="utf-8") == "old"
        assert cli.main(["score", "sdq", str(export), "--out", str(out), "--force"]) == 0
        assert out.read_text(encoding="utf-8").startswith("family_id")


def test_score_out_into_a_read_only_folder_is_a_clean_refusal(tmp_path, capsys):
    from portability import folder_permissions_apply

    if not folder_permissions_apply():
        pytest.skip("folder permissions do not stop writes here (root, or Windows)")
    export = tmp_path / "sdq.csv"
    export.write_text("family_id,timepoint,date,informant," + ",".join(
        f"sdq_{i:02d}" for i in range(1, 26)) + "\nF1,T0,2024-01-01,mother," + ",".join(
        ["1"] * 25) + "\n", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code = cli.main(["score", "sdq", str(export), "--out", str(locked / "s.csv")])
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2 and "cannot write" in err and "Traceback" not in err


def test_coding_out_onto_a_raw_segments_file_is_refused(tmp_path, capsys, monkeypatch):
    from analysis import paths

    raw = tmp_path / "raw"
    segments = raw / "c" / "coding" / "segments.csv"
    segments.parent.mkdir(parents=True)
    segments.write_text("session_id,segment_id,participant,coder,code,text\nS,S-1,P,A,x,y\n",
                        encoding="utf-8")
    monkeypatch.setattr(paths, "RAW", raw)
    before = segments.read_bytes()
    assert cli.main(["coding", str(segments), "--out", str(segments)]) == 2
    assert "raw-data folder" in capsys.readouterr().err and segments.read_bytes() == before


def test_write_output_turns_a_failing_folder_into_one_message(tmp_path):
    from analysis.atomic import write_output

    def fail(path):
        raise PermissionError(13, "Permission denied")

    with pytest.raises(ConfigError, match=r"cannot write .*\(Permission denied\); expected a "
                                          "writable folder"):
        write_output(tmp_path / "x.csv", fail)


def test_out_into_a_cohort_folder_outside_data_raw_is_refused(valid_cohort, capsys):
    sdq = valid_cohort / "sdq.csv"
    before = sdq.read_bytes()
    code = cli.main(["score", "sdq", str(sdq), "--out", str(valid_cohort / "scores.csv")])
    assert code == 2 and "inside the raw-data folder" in capsys.readouterr().err
    assert sdq.read_bytes() == before and not (valid_cohort / "scores.csv").exists()
