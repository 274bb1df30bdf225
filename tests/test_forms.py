"""SDQ forms (issue 22): each form scored by its own syntax, banded by its own norms, refused where
it does not fit the child; informant switches left out of the primary analysis and shown in a
sensitivity analysis.

The scores in :data:`HAND_ROWS` are worked out by hand from youthinmind's scoring syntax
(sdqinfo.org/c9.html; the rules are quoted in the form definitions in
``analysis/definitions/instruments/``), which scores all four forms on the same item positions:

* S1 reversed items (7 obeys, 11 friend, 14 popular, 21 reflect, 25 attends) count ``2 - x``;
* S2 a scale is ``floor(0.5 + 5 * mean of its answered items)`` when at most 2 of its 5 items are
  missing (halves round up: 2.5 -> 3), else missing;
* S3 total = emotional + conduct + hyperactivity + peer (prosocial is not in it), externalising
  = conduct + hyperactivity, internalising = emotional + peer; missing when a part is missing;
* S4 impact: the impact items recoded 0:1 -> 0, 2 -> 1, 3 -> 2 and summed when at least one is
  answered (unanswered count 0), 0 when the difficulties question is answered "no" (0); the
  parent and self-report forms have five impact items (distress, home, friends, learning,
  leisure), the teacher form three (distress, peer relationships = ``sdq_imp_friends``,
  classroom learning = ``sdq_imp_learning``).

The hand values were cross-checked once against an independent re-implementation of the R syntax
(not committed); that check caught one slip in row 2 (hyperactivity "00022" is 0, not 2).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from analysis import paths
from analysis.data import validate
from analysis.errors import ConfigError, DataError
from analysis.questionnaires import change, forms, instruments, outcomes, scoring

SDQ = instruments.load_instrument("sdq")
FORMS = ("parent_2_4", "parent_4_17", "self_11_17", "teacher_4_17")
SCALE_ORDER = ("emotional", "conduct", "hyperactivity", "peer", "prosocial")
IMPACT_COLUMNS = ("sdq_difficulties", "sdq_distress", "sdq_imp_home", "sdq_imp_friends",
                  "sdq_imp_learning", "sdq_imp_leisure")
N = None

# Per row: raw answers of each scale in its item order (emotional 3 8 13 16 24; conduct 5 7r 12
# 18 22; hyperactivity 2 10 15 21r 25r; peer 6 11r 14r 19 23; prosocial 1 4 9 17 20; "." =
# missing), the impact answers (difficulties, distress, home, friends, learning, leisure), and the
# expected emotional, conduct, hyperactivity, peer, prosocial, total, externalising,
# internalising, impact (parent and self-report forms), impact (teacher form).
HAND_ROWS = [
    # 1 all answered. conduct 2+(2-0)+1+1+0 = 6 (S1); hyperactivity 1+2+2+(2-1)+(2-1) = 7;
    #   peer 0+(2-2)+(2-2)+0+1 = 1; impact 3,2,1,0,3 -> 2+1+0+0+2 = 5, teacher 2+0+0 = 2 (S4)
    ("21012", "20110", "12211", "02201", "22212", "232103", (6, 6, 7, 1, 9, 20, 13, 7, 5, 2)),
    # 2 emotional 4 answered, sum 2: 5 * 2 / 4 = 2.5 -> 3 (S2, half up); hyperactivity
    #   0+0+0+(2-2)+(2-2) = 0; difficulties "no": impact 0 without items (S4)
    ("1.100", "01000", "00022", "12100", "21111", "0.....", (3, 1, 0, 2, 6, 6, 1, 5, 0, 0)),
    # 3 conduct 3 answered (2, 1, 1): 5 * 4 / 3 = 6.67 -> 7 (S2); impact items 1,1,0 -> 0
    ("00000", "2..11", "11111", "01100", "12021", "1110..", (0, 7, 5, 2, 6, 14, 12, 2, 0, 0)),
    # 4 hyperactivity 2 answered: missing (S2), so total and externalising are missing (S3);
    #   no impact item and no difficulties answer: impact missing (S4)
    ("22222", "00200", "2..1.", "00000", "00000", "......", (10, 4, N, 4, 0, N, N, 14, N, N)),
    # 5 peer 4 answered 1+(2-2)+0+2 = 3: 3.75 -> 4; prosocial 3 answered sum 4: 6.67 -> 7;
    #   impact all "a great deal": 5 x 2 = 10, teacher 3 x 2 = 6
    ("11111", "12122", "00000", "1.202", "1.1.2", "333333", (5, 6, 4, 4, 7, 19, 10, 9, 10, 6)),
    # 6 emotional 3 answered sum 1: 1.67 -> 2; impact distress 2, learning 2 -> 1 + 1 = 2 for
    #   both (teacher's friends item unanswered counts 0)
    ("01..0", "02000", "21222", "12211", "22222", "22..2.", (2, 0, 5, 3, 10, 10, 5, 5, 2, 2)),
    # 7 conduct 4 answered sum 2: 2.5 -> 3 (not 2: no banker's rounding); difficulties not
    #   answered: impact from the items, 0+1+2+0+0 = 3, teacher 0+2+0 = 2
    ("10101", "1.001", "11100", "02200", "11111", ".12301", (3, 3, 7, 0, 5, 13, 10, 3, 3, 2)),
    # 8 hyperactivity 4 answered 2+1+(2-0)+(2-1) = 6: 7.5 -> 8; prosocial 3 answered sum 0 -> 0
    ("12221", "22022", "21.01", "10212", "0.0.0", "100000", (8, 6, 8, 6, 0, 28, 14, 14, 0, 0)),
    # 9 emotional 3 answered sum 6 -> 10; peer 3 answered 2+(2-2)+2 = 4: 6.67 -> 7;
    #   impact 0+1+2 = 3, teacher distress 0 + friends 1 = 1
    ("2.2.2", "00000", "10111", "2.2.2", "21000", "21.2.3", (10, 2, 4, 7, 3, 23, 6, 17, 3, 1)),
    # 10 prosocial 4 answered sum 7: 8.75 -> 9; difficulties "no": impact 0
    ("00100", "10110", "00011", "02210", "22.21", "0.....", (1, 5, 2, 1, 9, 9, 7, 2, 0, 0)),
    # 11 prosocial not answered: missing, the total does not need it (S3); impact 0+2 = 2,
    #   teacher learning 2
    ("11000", "01100", "12100", "00001", ".....", "3.1.3.", (2, 2, 8, 5, N, 17, 10, 7, 2, 2)),
    # 12 emotional 4 answered sum 1: 1.25 -> 1; impact 5 x 1 = 5, teacher 3 x 1 = 3
    ("0.100", "22222", "22200", "12212", "01010", "222222", (1, 8, 10, 4, 2, 23, 18, 5, 5, 3)),
    # 13 conduct 3 answered sum 5: 8.33 -> 8; only distress answered (3 -> 2)
    ("12000", "2.2.1", "11122", "11100", "12222", "13....", (3, 8, 3, 3, 9, 17, 11, 6, 2, 2)),
    # 14 peer 4 answered 2+(2-0)+1+0 = 5: 6.25 -> 6; difficulties "no": impact 0 although
    #   every impact item says "a great deal" (S4)
    ("21221", "10000", "22210", "20.10", "11011", "033333", (8, 3, 9, 6, 4, 26, 12, 14, 0, 0)),
    # 15 hyperactivity 3 answered 1+1+(2-2) = 2: 3.33 -> 3; impact 0+0+1+2 = 3, teacher 0+1+2
    ("01210", "00001", "1.1.2", "01200", "21212", "20123.", (4, 3, 3, 1, 8, 11, 6, 5, 3, 3)),
    # 16 emotional 2 answered: missing, so total and internalising too; only leisure answered:
    #   parent impact 0, teacher impact missing (leisure is not a teacher item)
    ("2...1", "11111", "01210", "22000", "10201", "1....1", (N, 5, 6, 4, 4, N, 11, N, 0, N)),
    # 17 conduct 4 answered 2+(2-0)+1+2 = 7: 8.75 -> 9; nothing of the impact page: missing
    ("10000", "2012.", "00000", "02211", "22221", "......", (1, 9, 4, 2, 9, 16, 13, 3, N, N)),
    # 18 peer 3 answered (2-2)+(2-1)+0 = 1: 1.67 -> 2; impact items all 1 -> 0
    ("22211", "12000", "21020", ".21.0", "11121", "311111", (8, 1, 5, 2, 6, 16, 6, 10, 0, 0)),
    # 19 every problem at its worst: 10 per scale, total 40
    ("22222", "20222", "22200", "20022", "00000", "333333", (10, 10, 10, 10, 0, 40, 20, 20, 10, 6)),
    # 20 no problem at all: reversed items at 2 count 0
    ("00000", "02000", "00022", "02200", "22222", "0.....", (0, 0, 0, 0, 10, 0, 0, 0, 0, 0)),
]

INFORMANT_OF = {"parent_2_4": "mother", "parent_4_17": "father", "self_11_17": "self",
                "teacher_4_17": "teacher"}
AGE_OF = {"parent_2_4": 3, "parent_4_17": 9, "self_11_17": 14, "teacher_4_17": 7}


def hand_frame(form: str, *, state_version: bool = True) -> pd.DataFrame:
    """The 20 hand rows as one export of ``form`` (version stated or derived)."""
    records = []
    for number, (*scales, impact, _) in enumerate(HAND_ROWS, start=1):
        record = {"family_id": f"H{number:02d}", "timepoint": "T0",
                  "informant": INFORMANT_OF[form], "child_age": AGE_OF[form]}
        if state_version:
            record["version"] = SDQ.form_definition(form).form_label
        for name, answers in zip(SCALE_ORDER, scales):
            for item, answer in zip(SDQ.scales[name].items, answers):
                record[SDQ.item_column(item)] = np.nan if answer == "." else int(answer)
        for column, answer in zip(IMPACT_COLUMNS, impact):
            record[column] = np.nan if answer == "." else int(answer)
        records.append(record)
    return pd.DataFrame(records)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("state_version", [True, False])
def test_every_form_scores_the_hand_rows_as_its_syntax_says(form, state_version):
    scores = scoring.score_instrument(hand_frame(form, state_version=state_version), "sdq",
                                      age="child_age")
    assert scores["form"].tolist() == [form] * len(HAND_ROWS)
    assert set(scores["form_source"]) == {"version" if state_version else "derived"}
    columns = [f"sdq_{s}" for s in (*SCALE_ORDER, "total", "externalising", "internalising",
                                    "impact")]
    for number, row in enumerate(HAND_ROWS, start=1):
        expected = list(row[-1][:8]) + [row[-1][9] if form == "teacher_4_17" else row[-1][8]]
        got = [None if np.isnan(v) else int(v) for v in scores.loc[number - 1, columns]]
        assert got == expected, f"{form} hand row {number}"


def test_teacher_impact_reads_three_items_and_ignores_home_and_leisure():
    teacher = SDQ.form_definition("teacher_4_17").supplements["impact"]
    assert teacher.items == ("sdq_distress", "sdq_imp_friends", "sdq_imp_learning")
    parent = SDQ.supplements["impact"]
    assert len(parent.items) == 5 and SDQ.form_definition("self_11_17").supplements[
        "impact"].items == parent.items


# ------------------------------------------------------------------ which form a row is
@pytest.mark.parametrize("informant, age, version, form, source", [
    ("mother", 9, None, "parent_4_17", "derived"),
    ("father", 3, None, "parent_2_4", "derived"),       # a parent of a 2-3-year-old
    ("mother", 2, None, "parent_2_4", "derived"),
    ("carer", 4, None, "parent_4_17", "derived"),       # at 4 both fit: 4-17 assumed
    ("mother", np.nan, None, "parent_4_17", "derived"),  # age unknown: the base form
    (None, 3, None, "parent_2_4", "derived"),            # informant not recorded
    ("self", 14, None, "self_11_17", "derived"),
    ("teacher", 8, None, "teacher_4_17", "derived"),
    ("mother", 4, "Ouderversie 2-4", "parent_2_4", "version"),   # Dutch label, any case
    ("other", 9, "leerkrachtversie", "teacher_4_17", "version"),  # contract alias
    ("self", 12, "zelfrapportage", "self_11_17", "version"),
    ("mother", 9, "parent_4_17", "parent_4_17", "version"),
    ("mother", 9, "", "parent_4_17", "derived"),         # empty cell: derived
])
def test_the_form_of_a_row(informant, age, version, form, source):
    data = pd.DataFrame({"informant": [informant], "version": [version]})
    got = forms.assign_forms(data, SDQ, ages=[age]).iloc[0]
    assert (got["form"], got["form_source"]) == (form, source)


def test_an_unknown_version_names_row_column_and_the_forms():
    data = pd.DataFrame({"informant": ["mother", "mother"], "version": ["ouders 4-17", "CBCL"]})
    with pytest.raises(DataError, match="version") as caught:
        forms.assign_forms(data, SDQ)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, "version", "CBCL")
    assert "parent_2_4" in problem.expected and "self_11_17" in problem.expected


# ------------------------------------------------------------------ bands per form and age
@pytest.mark.parametrize("form, scheme, age, total, band", [
    # UK three bands, parent 4-17 (Goodman 1997; youthinmind): borderline 14, abnormal 17
    ("parent_4_17", "uk_3band", 9, 13, "normal"), ("parent_4_17", "uk_3band", 9, 14, "borderline"),
    ("parent_4_17", "uk_3band", 9, 17, "abnormal"),
    # UK three bands, parent 2-4 (Mølland et al. 2023, Table 2): borderline 13, abnormal 16
    ("parent_2_4", "uk_3band", 3, 12, "normal"), ("parent_2_4", "uk_3band", 3, 13, "borderline"),
    ("parent_2_4", "uk_3band", 2, 15, "borderline"), ("parent_2_4", "uk_3band", 4, 16, "abnormal"),
    # Dutch norms (Theunissen et al. 2022, Table 2): the 2-4 form at 3 (> 7, > 10), none at 2
    ("parent_2_4", "nl_theunissen_2022", 3, 8, "borderline"),
    ("parent_2_4", "nl_theunissen_2022", 3, 11, "abnormal"),
    ("parent_2_4", "nl_theunissen_2022", 2, 30, None),
    ("parent_4_17", "nl_theunissen_2022", 5, 11, "borderline"),  # 4-6: > 10, > 14
    ("parent_4_17", "nl_theunissen_2022", 13, 12, "abnormal"),   # 12-14: > 8, > 11
    ("parent_4_17", "nl_theunissen_2022", 16, 30, None),         # no Dutch norm at 15-17
    # teacher: UK four bands (Qual Life Res 2016, Table 1): 12 slightly raised, 16 high, 19
    ("teacher_4_17", "uk_4band", 8, 11, "close_to_average"),
    ("teacher_4_17", "uk_4band", 8, 12, "slightly_raised"),
    ("teacher_4_17", "uk_4band", 8, 18, "high"), ("teacher_4_17", "uk_4band", 8, 19, "very_high"),
    # forms without verified thresholds under the scheme: no band, never another form's
    ("self_11_17", "uk_3band", 14, 15, None), ("self_11_17", "nl_theunissen_2022", 14, 15, None),
    ("teacher_4_17", "uk_3band", 8, 20, None), ("parent_4_17", "uk_4band", 8, 20, None),
    ("parent_2_4", "uk_4band", 3, 20, None),
])
def test_bands_follow_the_form_and_the_age(form, scheme, age, total, band):
    # a second row of a form that has the scheme: a scheme no form present can use is refused
    other = "teacher_4_17" if scheme == "uk_4band" else "parent_4_17"
    data = pd.DataFrame({"version": [form, other], "informant": [INFORMANT_OF[form],
                                                                 INFORMANT_OF[other]],
                         "child_age": [age, 9]})
    for item in range(1, 26):
        data[SDQ.item_column(item)] = np.nan
    # the total as emotional + conduct + hyperactivity + peer, each scale's items all answered
    remaining = total
    for name in ("emotional", "conduct", "hyperactivity", "peer"):
        points = min(remaining, 10)
        remaining -= points
        for k, item in enumerate(SDQ.scales[name].items):
            score = min(max(points - 2 * k, 0), 2)
            data.loc[0, SDQ.item_column(item)] = 2 - score if item in SDQ.reversed else score
            data.loc[1, SDQ.item_column(item)] = 2 - score if item in SDQ.reversed else score
    scores = scoring.score_instrument(data, "sdq", scheme=scheme, age="child_age")
    assert scores.loc[0, "sdq_total"] == total
    got = scores.loc[0, "sdq_total_band"]
    assert (None if pd.isna(got) else got) == band
    if band is None:
        assert pd.isna(scores.loc[0, "sdq_total_elevated"])


def test_a_form_without_norms_is_said_once_in_dutch():
    data = pd.concat([hand_frame("self_11_17"), hand_frame("parent_4_17")], ignore_index=True)
    scores = scoring.score_instrument(data, "sdq", age="child_age")
    assert scores.attrs["unbanded"] == {"self_11_17": "thresholds not verified (placeholder)"}
    notes = forms.band_notes_nl(scores, SDQ)
    assert len(notes) == 1 and notes[0].startswith("De zelfrapportage 11-17 heeft onder dit")
    assert "20 metingen krijgen geen band" in notes[0]


def test_a_scheme_no_form_present_can_use_is_refused():
    with pytest.raises(ConfigError, match="no verified thresholds"):
        scoring.score_instrument(hand_frame("self_11_17"), "sdq", scheme="uk_3band",
                                 age="child_age")


def test_every_form_has_its_sources_and_the_contract_names_every_form():
    for name, form in SDQ.form_definitions().items():
        assert form.id == "sdq" and form.form == name and form.n_items == 25
        assert form.all_scales == SDQ.all_scales
        for scheme, raw in form.cutoffs.items():
            assert raw.get("source"), f"{name} {scheme} needs a source"
            if raw.get("placeholder"):
                with pytest.raises(ConfigError):
                    form.scheme(scheme)
        values = forms.version_values("sdq")
        assert values[name]["nl"] == form.form_label
    assert set(forms.version_values("sdq")) == set(FORMS)


def test_the_bundled_parent_4_17_scores_do_not_change():
    # every sdq_* column (scores, items answered, bands, elevated) of the bundled cohort under
    # both usable schemes, as the code on main at 9eabb72 (before forms existed) produced them
    raw = paths.raw_dir(paths.DEFAULT_COHORT)
    sdq = pd.read_csv(raw / "sdq.csv", dtype={"family_id": str})
    ages = pd.read_csv(raw / "trajectories.csv", dtype={"family_id": str})
    data = sdq.merge(ages[["family_id", "child_age"]], on="family_id", how="left")
    parts = []
    for scheme in ("uk_3band", "nl_theunissen_2022"):
        scores = scoring.score_instrument(data, "sdq", scheme=scheme, age="child_age")
        assert set(scores["form"]) == {"parent_4_17"}
        columns = [c for c in scores.columns if c.startswith("sdq_")]
        parts.append(scores[["family_id", "timepoint", *columns]].to_csv(index=False))
    digest = hashlib.sha256("".join(parts).encode()).hexdigest()
    assert digest == "94d5fcade74048f5da60a033d4124bc0d0d195b9712e9d22fee015e635162951"


# ------------------------------------------------------------------ refusals in validation
FORMS_TRAJECTORIES = """\
family_id,status,start_date,end_date,therapy,therapist_id,social_worker_id,referral,child_age,child_sex,observation_sessions,therapy_sessions,collaboration_hours,indicated,substituted,placement_threat,placement_averted
F01,completed,2023-09-04,2024-03-01,speltherapie,T01,SW01,parents,2,f,3,12,2,ja,nee,nee,
F02,completed,2023-09-04,2024-03-01,speltherapie,T01,SW01,parents,3,m,3,12,2,ja,nee,nee,
F03,completed,2023-09-04,2024-03-01,pmt,T02,SW02,school,9,f,3,12,2,ja,nee,nee,
F04,completed,2023-09-04,2024-03-01,pmt,T02,SW02,school,8,m,3,12,2,ja,nee,nee,
F05,completed,2023-09-04,2024-03-01,pmt,T02,SW02,school,15,f,3,12,2,ja,nee,nee,
F06,completed,2023-09-04,2024-03-01,beeldend,T03,SW03,school,12,m,3,12,2,ja,nee,nee,
F07,completed,2023-09-04,2024-03-01,beeldend,T03,SW03,school,17,f,3,12,2,ja,nee,nee,
F08,completed,2023-09-04,2024-03-01,drama,T04,SW04,gp,6,x,3,12,2,ja,nee,nee,
"""


def _forms_cohort(tmp_path, rows):
    """A valid cohort folder (tests/conftest.py) whose trajectories and sdq.csv are replaced."""
    from tests.conftest import write_valid_cohort

    folder = write_valid_cohort(tmp_path, "forms-cohort")
    (folder / "trajectories.csv").write_text(FORMS_TRAJECTORIES, encoding="utf-8")
    for name in ("ari_cp.csv", "parent_survey.csv"):
        (folder / name).unlink()
    header = ["family_id", "timepoint", "date", "informant", "Versie",
              *[SDQ.item_column(i) for i in range(1, 26)]]
    lines = [",".join(header)]
    for family, timepoint, informant, version in rows:
        date = "2023-09-10" if timepoint == "T0" else "2024-02-20"
        lines.append(",".join([family, timepoint, date, informant, version, *["1"] * 25]))
    (folder / "sdq.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _map_version(folder):
    with open(folder / "cohort.yaml", "a", encoding="utf-8") as handle:
        handle.write("files:\n  sdq:\n    columns: {Versie: version}\n")


def test_forms_that_do_not_fit_the_child_are_errors_naming_row_and_column(tmp_path):
    folder = _forms_cohort(tmp_path, [
        ("F01", "T0", "moeder", "ouderversie 2-4"),          # row 2: 2-4 form at 2: fine
        ("F02", "T0", "vader", ""),                          # row 3: derived 2-4 at 3: fine
        ("F03", "T0", "moeder", "ouderversie 2-4"),          # row 4: 2-4 form at 9: error
        ("F04", "T0", "Jongere zelf", ""),                   # row 5: self-report at 8: error
        ("F05", "T0", "jongere", "zelfrapportage 11-17"),    # row 6: fine
        ("F06", "T0", "moeder", "zelfrapportage 11-17"),     # row 7: mother on self-report
        ("F07", "T0", "leerkracht", ""),                     # row 8: teacher form at 17: fine
        ("F08", "T0", "zelf", "zelfrapportage"),             # row 9: self-report at 6: error
    ])
    _map_version(folder)
    report = validate.validate_cohort(folder)
    found = sorted((p.check, p.row, p.column) for p in report.errors)
    assert found == [("form_age", 4, "Versie (version)"), ("form_age", 5, "informant"),
                     ("form_age", 9, "Versie (version)"), ("form_informant", 7, "informant")]
    age_error = next(p for p in report.errors if p.row == 4)
    assert "for ages 2-4" in age_error.expected and "9 or 10" in age_error.expected
    assert "ouderversie 4-17" in age_error.expected  # what would fit
    assert not [p for p in report.warnings if p.check == "form_column"]


def test_an_unmapped_version_column_and_assumed_forms_are_warned(tmp_path):
    folder = _forms_cohort(tmp_path, [
        ("F02", "T0", "moeder", "ouderversie 2-4"), ("F05", "T0", "jongere", ""),
        ("F03", "T0", "moeder", "")])
    report = validate.validate_cohort(folder)
    assert report.errors == [], report.format()
    checks = {p.check: p for p in report.warnings}
    assert checks["form_column"].column == "Versie"
    assert "1 x ouderversie 2-4, 1 x zelfrapportage 11-17" in checks["form_derived"].expected


def test_the_age_at_a_measurement_is_known_within_a_year():
    # 9 at intake (2023-01-05): at T0 five days later 9 or 10, no self-report (error, row 2);
    # at T1 a year and a month later 10 or 11: the self-report may fit (no error)
    data = pd.DataFrame({"family_id": ["A", "A"], "timepoint": ["T0", "T1"],
                         "date": pd.to_datetime(["2023-01-10", "2024-02-01"]),
                         "informant": ["self", "self"], "version": [None, None]})
    trajectories = pd.DataFrame({"family_id": ["A"], "child_age": [9],
                                 "start_date": pd.to_datetime(["2023-01-05"])})
    problems = forms.form_problems(data, SDQ, trajectories=trajectories, file="sdq.csv")
    assert [(p.check, p.row) for p in problems if p.severity == "error"] == [("form_age", 2)]


# ------------------------------------------------------------------ pairs and switches
def _pairs(rows):
    """Scores of a pair per family: (family, form T0, form T1, informant T0, informant T1,
    total T0, total T1, age)."""
    records = []
    for family, f0, f1, i0, i1, t0, t1, age in rows:
        records += [{"family_id": family, "timepoint": "T0", "form": f0, "informant": i0,
                     "sdq_total": t0, "child_age": age},
                    {"family_id": family, "timepoint": "T1", "form": f1, "informant": i1,
                     "sdq_total": t1, "child_age": age}]
    return pd.DataFrame(records)


def test_pairs_of_another_form_get_no_change_and_switches_are_marked():
    data = _pairs([
        ("A", "parent_4_17", "parent_4_17", "mother", "mother", 20, 12, 8),
        ("B", "parent_4_17", "parent_4_17", "mother", "father", 21, 9, 8),
        ("C", "parent_4_17", "self_11_17", "mother", "self", 20, 10, 11),
        ("D", "parent_4_17", "parent_4_17", None, "father", 18, 16, 8),  # unknown: not a switch
    ])
    result = change.reliable_change(data, "sdq", age_column="child_age").set_index("family_id")
    assert result["pair_status"].to_dict() == {"A": "same", "B": "informant_switch",
                                               "C": "form_switch", "D": "same"}
    assert result.loc["B", "change"] == -12 and result.loc["B", "change_class"] == "improved"
    assert np.isnan(result.loc["C", "change"]) and pd.isna(result.loc["C", "change_class"])
    assert result.loc["C", "t0_band"] == "abnormal" and pd.isna(result.loc["C", "t1_band"])
    primary = change.primary_pairs(result.reset_index())
    assert primary["family_id"].tolist() == ["A", "D"]
    sensitivity = change.primary_pairs(result.reset_index(), rule="any_informant")
    assert sensitivity["family_id"].tolist() == ["A", "B", "D"]


def _switch_tables(n_same: int):
    """``n_same`` families rated by the mother twice, each improving by a different amount
    (-2, -3, ...), and one rated by the mother at T0 and the father at T1 (-12)."""
    ids = [f"F{i:02d}" for i in range(1, n_same + 2)]
    rows, ari = [], []
    for k, family in enumerate(ids):
        last = k == n_same
        for timepoint, total in (("T0", 20), ("T1", 20 - (12 if last else k + 2))):
            row = {"family_id": family, "timepoint": timepoint, "date": "2024-01-01",
                   "informant": "father" if (last and timepoint == "T1") else "mother"}
            # the total as emotional + conduct + hyperactivity + peer, items all answered
            remaining = total
            for name in ("emotional", "conduct", "hyperactivity", "peer", "prosocial"):
                points = min(remaining, 10) if name != "prosocial" else 5
                if name != "prosocial":
                    remaining -= points
                for j, item in enumerate(SDQ.scales[name].items):
                    score = min(max(points - 2 * j, 0), 2)
                    row[SDQ.item_column(item)] = 2 - score if item in SDQ.reversed else score
            rows.append(row)
    trajectories = pd.DataFrame({"family_id": ids, "child_age": [8] * len(ids)})
    return {"sdq": pd.DataFrame(rows), "trajectories": trajectories}


def test_the_informant_switch_is_left_out_of_the_primary_analysis_and_shown_beside_it():
    results = outcomes.analyse_questionnaires(_switch_tables(5))
    numbers = results.key_numbers()
    # primary: 5 families, all improving, no zeros or ties in |change|: the exact two-sided
    # Wilcoxon p is 2 / 2^5 = 0.0625; with the switched family (6 improving): 2 / 2^6
    assert numbers["sdq_primary_n"] == 5 and numbers["sdq_informant_switch_n"] == 1
    assert numbers["sdq_total_wilcoxon_p"] == pytest.approx(2 / 2 ** 5)
    assert numbers["sdq_all_informants_n"] == 6
    assert numbers["sdq_total_wilcoxon_p_all_informants"] == pytest.approx(2 / 2 ** 6)
    # reliable improvement needs 5.81 points: -6 (F05) and -12 (the switch)
    assert numbers["sdq_total_improved_n"] == 1
    assert numbers["sdq_total_improved_n_all_informants"] == 2
    assert numbers["sdq_n"] == 6 and numbers["sdq_form_switch_n"] == 0
    assert set(results.changes["family_id"]) == {f"F{i:02d}" for i in range(1, 6)}
    assert (results.changes_all["pair_status"] == "informant_switch").sum() == len(
        results.changes_all[results.changes_all["family_id"] == "F06"])
    assert numbers["sdq_forms_nl"] == "ouderversie 4-17"


def test_without_a_switch_there_is_no_sensitivity_analysis():
    tables = _switch_tables(5)
    tables["sdq"].loc[tables["sdq"]["informant"] == "father", "informant"] = "mother"
    numbers = outcomes.analyse_questionnaires(tables).key_numbers()
    assert numbers["sdq_primary_n"] == 6 and numbers["sdq_informant_switch_n"] == 0
    assert numbers["sdq_total_wilcoxon_p_all_informants"] is None


def test_the_bundled_cohorts_informant_switch():
    from analysis.data.validate import load_cohort

    cohort = load_cohort(paths.raw_dir(paths.DEFAULT_COHORT))
    results = outcomes.analyse_questionnaires(cohort.tables)
    switches = results.changes_all[(results.changes_all["pair_status"] == "informant_switch")
                                   & (results.changes_all["scale"] == "total")]
    assert switches[["family_id", "informant_t0", "informant_t1", "change"]].values.tolist() == [
        ["F07", "mother", "father", -12.0]]
    numbers = results.key_numbers()
    assert (numbers["sdq_primary_n"], numbers["sdq_all_informants_n"]) == (13, 14)
    assert numbers["sdq_total_wilcoxon_p"] == pytest.approx(0.1015625)
    assert numbers["sdq_total_wilcoxon_p_all_informants"] == pytest.approx(0.052734375)
    # the chain reproduces the publication's counting: every pair, the switch included
    assert (numbers["analysis_set_n"], numbers["t0_elevated_n"],
            numbers["t1_reliable_improvement_n"]) == (14, 9, 3)


# ------------------------------------------------------------------ the reliable-change caveat
def test_the_caveat_names_ages_sources_thresholds_and_the_bias():
    data = _pairs([("A", "parent_4_17", "parent_4_17", "mother", "mother", 20, 10, 4),
                   ("B", "parent_4_17", "parent_4_17", "mother", "mother", 20, 10, 5),
                   ("C", "parent_4_17", "parent_4_17", "mother", "mother", 20, 10, 9),
                   ("D", "self_11_17", "self_11_17", "self", "self", 20, 10, 14)])
    result = change.reliable_change(data, "sdq", age_column="child_age")
    text = change.rci_caveat_nl(result, "sdq")
    assert "leeftijden in de data: 4-5, 9 en 14 jaar" in text
    assert ("Kinderen van 4-5 jaar (2 gezinnen): Cronbachs alfa 0,79 (Nederlandse normstudie "
            "ouderversie 2018, tabel 2, 4-5 jaar) met standaarddeviatie 5,6 (Nederlandse "
            "normstudie 12-17 jaar 2022, tabel 2, 12-17 jaar), grens 7,1 punten.") in text
    assert "Kinderen van 9 jaar (1 gezin): Cronbachs alfa 0,86" in text
    assert "grens 5,8 punten" in text
    assert "Voor 1 gezin zijn geen betrouwbaarheid en standaarddeviatie voor formulier" in text
    assert "eerder te mild dan te streng" in text
    # the findings show it as a text value, through the privacy gate: nothing may be replaced
    from analysis import privacy

    assert privacy.gate_value(text) == text
    self_row = result[(result["family_id"] == "D") & (result["scale"] == "total")].iloc[0]
    assert pd.isna(self_row["change_class"]) and np.isnan(self_row["reliable_change_threshold"])


# ------------------------------------------------------------------ a hand-made cohort of three forms
# 16 families, written by hand (not the generator): (family, age at intake, informant T0,
# informant T1, version T0, version T1, SDQ total T0, total T1). Nine parent 4-17 families (two
# switch informant, one moves to the self-report at T1), four young people on the self-report
# (totals 14-15: elevated on the parent 4-17 cut-off 14, which is not theirs) and three toddlers
# whose parents filled in the 2-4 form (13 and 16 are elevated on its cut-offs 13/16, only 16 on
# the 4-17 form's 14/17).
HAND_COHORT = [
    ("D01", 6, "moeder", "moeder", "", "", 18, 12), ("D02", 7, "moeder", "vader", "", "", 15, 6),
    ("D03", 8, "vader", "vader", "", "", 12, 11), ("D04", 9, "moeder", "moeder", "", "", 20, 13),
    ("D05", 5, "moeder", "verzorger", "", "", 9, 8), ("D06", 10, "moeder", "moeder", "", "", 16, 9),
    ("D07", 6, "vader", "vader", "", "", 14, 15), ("D08", 7, "moeder", "moeder", "", "", 11, 10),
    ("D09", 11, "moeder", "jongere zelf", "ouderversie 4-17", "zelfrapportage 11-17", 17, 10),
    ("D10", 13, "Jongere zelf", "Jongere zelf", "", "", 14, 10),
    ("D11", 15, "jongere", "jongere", "zelfrapportage 11-17", "zelfrapportage 11-17", 15, 12),
    ("D12", 14, "zelf", "zelf", "", "", 15, 15), ("D13", 16, "jongere", "jongere", "", "", 14, 9),
    ("D14", 2, "moeder", "moeder", "ouderversie 2-4", "ouderversie 2-4", 13, 9),
    ("D15", 3, "vader", "vader", "", "", 11, 10),
    ("D16", 3, "moeder", "moeder", "ouders 2-4", "ouders 2-4", 16, 12),
]


def _answers_for(total: int) -> dict[str, int]:
    """Item answers whose four problem scales sum to ``total`` (prosocial 5), all answered."""
    cells, remaining = {}, total
    for name in ("emotional", "conduct", "hyperactivity", "peer", "prosocial"):
        points = 5 if name == "prosocial" else min(remaining, 10)
        if name != "prosocial":
            remaining -= points
        for j, item in enumerate(SDQ.scales[name].items):
            score = min(max(points - 2 * j, 0), 2)
            cells[SDQ.item_column(item)] = 2 - score if item in SDQ.reversed else score
    return cells


def _hand_cohort(tmp_path):
    from tests.conftest import write_valid_cohort

    folder = write_valid_cohort(tmp_path, "hand-cohort")
    (folder / "parent_survey.csv").unlink()
    ari = [",".join(["family_id", "timepoint", "date", "informant",
                     *[f"ari_{i:02d}" for i in range(1, 49)]])]
    ari += [",".join([f, tp, "2023-09-10" if tp == "T0" else "2024-02-20", "moeder", *["3"] * 48])
            for f, *_ in HAND_COHORT for tp in ("T0", "T1")]
    (folder / "ari_cp.csv").write_text("\n".join(ari) + "\n", encoding="utf-8")
    head = FORMS_TRAJECTORIES.splitlines()[0]
    lines = [head] + [f"{f},completed,2023-09-04,2024-03-01,pmt,T01,SW01,school,{age},x,3,12,2,"
                      "ja,nee,nee," for f, age, *_ in HAND_COHORT]
    (folder / "trajectories.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = [SDQ.item_column(i) for i in range(1, 26)]
    rows = [",".join(["family_id", "timepoint", "date", "informant", "version", *items])]
    for family, _, i0, i1, v0, v1, t0, t1 in HAND_COHORT:
        for timepoint, date, informant, version, total in (("T0", "2023-09-10", i0, v0, t0),
                                                            ("T1", "2024-02-20", i1, v1, t1)):
            answers = _answers_for(total)
            rows.append(",".join([family, timepoint, date, informant, version,
                                  *[str(answers[c]) for c in items]]))
    (folder / "sdq.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_a_hand_made_cohort_of_three_forms(tmp_path):
    folder = _hand_cohort(tmp_path)
    report = validate.validate_cohort(folder)
    assert report.errors == [], report.format()
    results = outcomes.analyse_questionnaires(report.tables)
    t0 = results.scores["sdq"][results.scores["sdq"]["timepoint"] == "T0"]
    by_form = t0.groupby("form")["sdq_total_elevated"]
    elevated = {form: (int(part.fillna(False).sum()), int(part.notna().sum()), len(part))
                for form, part in by_form}
    # (elevated, with a band, families) at T0 under each form's own UK norms
    assert elevated == {"parent_2_4": (2, 3, 3), "parent_4_17": (6, 9, 9),
                        "self_11_17": (0, 0, 4)}
    # the same totals on the parent 4-17 cut-offs, as every row was banded before the forms
    old = scoring.classify(t0["sdq_total"], "sdq", "total")["elevated"]
    assert int(old.sum()) == 11  # 6 parent 4-17 + 4 self-report (14-15) + 1 toddler (16)
    numbers = results.key_numbers()
    assert (numbers["t0_elevated_n"], numbers["t0_elevated_denominator_n"],
            numbers["t0_band_unknown_n"]) == (8, 12, 4)
    assert numbers["sdq_forms_nl"] == "ouderversie 4-17, ouderversie 2-4 en zelfrapportage 11-17"
    switches = outcomes.switches_table(results)
    assert switches[["family_id", "informant_t0", "informant_t1"]].values.tolist() == [
        ["D02", "moeder", "vader"], ["D05", "moeder", "verzorger"], ["D09", "moeder", "jongere"]]
    assert (numbers["sdq_informant_switch_n"], numbers["sdq_form_switch_n"],
            numbers["sdq_primary_n"]) == (2, 1, 13)


@pytest.mark.parametrize("form", ["self_11_17", "teacher_4_17"])
def test_a_cohort_of_one_form_without_norms_runs_and_says_so(form):
    one = hand_frame(form)
    later = one.assign(timepoint="T1")
    sdq = pd.concat([one, later], ignore_index=True).drop(columns=["child_age"])
    ari = sdq[["family_id", "timepoint"]].assign(**{f"ari_{i:02d}": 3 for i in range(1, 49)})
    trajectories = one[["family_id", "child_age"]]
    results = outcomes.analyse_questionnaires({"sdq": sdq, "ari_cp": ari,
                                               "trajectories": trajectories})
    numbers = results.key_numbers()
    assert numbers["t0_band_unknown_n"] == 20 and numbers["t0_elevated_denominator_n"] == 0
    assert numbers["t0_elevated_pct"] is None and numbers["sdq_total_mcnemar_p"] is None
    assert results.chain_schemes.empty  # no scheme has verified thresholds for this form
    assert outcomes.band_notes_nl(results)[0].startswith(
        f"De {SDQ.form_definition(form).form_label} heeft onder dit afkapschema geen")
    assert numbers["sdq_total_rci_caveat_nl"] is None  # no parameters: no index, no caveat
    assert results.changes["change_class"].isna().all()
