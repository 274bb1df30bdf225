"""Cohorts for the tests of the published rendering (``tests/test_publish_*.py``).

:func:`write_hand_cohort` writes a cohort made by hand: literal rows, not the generator. 18
families in groups of 1 to 4: 15 completed, 2 dropped out, 1 ongoing; therapists of three
disciplines (speltherapie 3, pmt 2, beeldend 1: a discipline of one), 4 social workers, one
child of sex "x"; SDQ and ARI-CP at the start for 17 families and at the end for 12 (2 completed
families with only a start, 1 with none); 2 placement threats, 1 averted; 4 of 9 indicated
trajectories substituted; 3 parents in the survey; 5 coded sessions (focus groups of 4 social
workers and 3 therapists, two parent interviews, a case study of 2), one of them coded twice.
``drop`` leaves families out (the second of two runs differing by one family).

:data:`MATRIX` lists the generated shapes of the publication matrix
(:mod:`analysis.data.synthetic.shapes`), which :func:`write_matrix_cohort` writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from analysis import paths

TRAJECTORIES = """\
family_id,status,start_date,end_date,therapy,therapist_id,social_worker_id,referral,child_age,child_sex,observation_sessions,therapy_sessions,collaboration_hours,indicated,substituted,placement_threat,placement_averted
F01,completed,2023-09-04,2024-02-26,speltherapie,T01,SW1,parents,6,f,3,18,4,ja,ja,nee,
F02,completed,2023-09-11,2024-03-04,speltherapie,T01,SW1,school,7,m,4,20,5,ja,nee,nee,
F03,completed,2023-09-18,2024-03-11,speltherapie,T02,SW2,gp,5,f,3,15,3,nee,nee,ja,ja
F04,completed,2023-09-25,2024-03-18,speltherapie,T02,SW2,parents,8,m,5,22,4,ja,ja,nee,
F05,completed,2023-10-02,2024-03-25,speltherapie,T03,SW3,other,4,m,3,12,2.5,nee,nee,nee,
F06,completed,2023-10-09,2024-04-01,speltherapie,T03,SW3,school,9,f,4,19,5,ja,ja,nee,
F07,completed,2023-10-16,2024-04-08,speltherapie,T01,SW4,parents,6,x,3,16,3.5,nee,nee,nee,
F08,completed,2023-10-23,2024-04-15,pmt,T04,SW1,school,10,m,4,21,4,ja,nee,ja,nee
F09,completed,2023-10-30,2024-04-22,pmt,T04,SW2,gp,11,f,3,17,3,nee,nee,nee,
F10,completed,2023-11-06,2024-04-29,pmt,T05,SW3,parents,12,m,5,24,5,ja,ja,nee,
F11,completed,2023-11-13,2024-05-06,pmt,T05,SW4,other,9,f,3,14,2,nee,nee,nee,
F12,completed,2023-11-20,2024-05-13,beeldend,T06,SW4,school,7,m,4,20,4,ja,nee,nee,
F13,completed,2023-11-27,2024-05-20,speltherapie,T02,SW1,parents,5,f,3,13,3,nee,nee,nee,
F14,completed,2023-12-04,2024-05-27,pmt,T04,SW2,school,8,m,4,18,4,ja,nee,nee,
F15,completed,2023-12-11,2024-06-03,speltherapie,T03,SW3,gp,6,f,3,16,3,nee,nee,nee,
F16,dropped_out,2024-01-08,2024-02-19,speltherapie,T01,SW4,parents,7,m,3,6,1,nee,nee,nee,
F17,dropped_out,2024-01-15,2024-03-04,pmt,T05,SW1,school,10,f,3,8,1.5,ja,nee,nee,
F18,ongoing,2024-05-06,,speltherapie,T02,SW2,parents,5,m,3,9,1,nee,nee,nee,
"""

# (family, timepoint, date, SDQ answers 1-25 (0-2), ARI-CP answers 1-48 (1-5)), typed by hand
MEASUREMENTS = [
    ("F01", "T0", "2023-09-01", "2121120212211012221210122",
     "453412345213454324153424315241342513245134524132"),
    ("F01", "T1", "2024-02-22", "1010110111100101110100111",
     "232312123112232213132213213122131211223121321213"),
    ("F02", "T0", "2023-09-06", "2212221222121122212211221",
     "544321453425134521435124352413524135243152434521"),
    ("F02", "T1", "2024-02-29", "1111111112110111111211111",
     "332221332214223221324213232213322132213221323231"),
    ("F03", "T0", "2023-09-13", "1101011101010110101001010",
     "212121212121212121212121212121212121212121212121"),
    ("F03", "T1", "2024-03-07", "1001001100010010100001010",
     "211121112111211121112111211121112111211121112111"),
    ("F04", "T0", "2023-09-20", "2222122212221222122212221",
     "555444333555444333555444333555444333555444333555"),
    ("F04", "T1", "2024-03-14", "2121112211211121112111211",
     "444333222444333222444333222444333222444333222444"),
    ("F05", "T0", "2023-09-27", "1212121212121212121212121",
     "343434343434343434343434343434343434343434343434"),
    ("F05", "T1", "2024-03-21", "1212121212121212121212121",
     "343434343434343434343434343434343434343434343434"),
    ("F06", "T0", "2023-10-04", "2202202202202202202202202",
     "515151515151515151515151515151515151515151515151"),
    ("F06", "T1", "2024-03-28", "0101010101010101010101010",
     "212121212121212121212121212121212121212121212121"),
    ("F07", "T0", "2023-10-11", "1121112111211121112111211",
     "432143214321432143214321432143214321432143214321"),
    ("F07", "T1", "2024-04-04", "1111011110111101111011110",
     "322132213221322132213221322132213221322132213221"),
    ("F08", "T0", "2023-10-18", "2212212212212212212212212",
     "455445544554455445544554455445544554455445544554"),
    ("F08", "T1", "2024-04-11", "2212212212212212212212212",
     "455445544554455445544554455445544554455445544554"),
    ("F09", "T0", "2023-10-25", "0100100100100100100100100",
     "111211121112111211121112111211121112111211121112"),
    ("F09", "T1", "2024-04-18", "0000100001000010000100001",
     "111111121111112111111211111121111112111111211111"),
    ("F10", "T0", "2023-11-01", "2221222122212221222122212",
     "545454545454545454545454545454545454545454545454"),
    ("F10", "T1", "2024-04-25", "1110111011101110111011101",
     "323232323232323232323232323232323232323232323232"),
    ("F11", "T0", "2023-11-08", "1211121112111211121112111",
     "334433443344334433443344334433443344334433443344"),
    ("F11", "T1", "2024-05-02", "1111111111111111111111111",
     "333333333333333333333333333333333333333333333333"),
    ("F12", "T0", "2023-11-15", "2121212121212121212121212",
     "452345234523452345234523452345234523452345234523"),
    ("F12", "T1", "2024-05-09", "1120112011201120112011201",
     "341234123412341234123412341234123412341234123412"),
    ("F13", "T0", "2023-11-22", "2112211221122112211221122",
     "443344334433443344334433443344334433443344334433"),
    ("F14", "T0", "2023-11-29", "1021102110211021102110211",
     "232323232323232323232323232323232323232323232323"),
    ("F16", "T0", "2024-01-03", "2222222122222221222222212",
     "554455445544554455445544554455445544554455445544"),
    ("F17", "T0", "2024-01-10", "1211211211211211211211211",
     "343343343343343343343343343343343343343343343343"),
    ("F18", "T0", "2024-05-01", "2112112112112112112112112",
     "435435435435435435435435435435435435435435435435"),
]

SURVEY_ITEMS = """\
item,text,type,domain
q01,Ik voelde me gehoord door de sociaal werker,likert5,samenwerking
q02,Zou u het traject aanraden?,yesno,tevredenheid
q03,Wat wilt u nog kwijt?,text,open
"""

SURVEY = """\
family_id,date,q01,q02,q03
F01,2024-03-01,5,ja,Fijn dat we samen naar ons kind keken.
F02,2024-03-08,4,ja,
F03,2024-03-15,3,nee,De wachttijd was lang.
"""

SESSIONS = """\
session_id,session_type,group,date,n_participants
FG1,focus_group,social_workers,2024-06-10,4
FG2,focus_group,therapists,2024-06-17,3
IV1,interview,parents,2024-06-03,1
IV2,interview,parents,2024-06-04,1
CS1,case_study,mixed,2024-05-20,2
"""

SEGMENTS = """\
session_id,segment_id,participant,coder,code,text
FG1,FG1-001,P01,C1,Werkzame elementen > Afstemming,De korte lijnen met de therapeut hielpen ons.
FG1,FG1-001,P01,C2,Werkzame elementen > Afstemming,De korte lijnen met de therapeut hielpen ons.
FG1,FG1-002,P02,C1,Werkzame elementen > Samen optrekken,We trokken samen op richting het gezin.
FG1,FG1-002,P02,C2,Werkzame elementen > Samen optrekken,We trokken samen op richting het gezin.
FG1,FG1-003,P03,C1,Risico's > Wachttijd,De wachttijd voor vaktherapie was soms lang.
FG1,FG1-003,P03,C2,Risico's > Wachttijd,De wachttijd voor vaktherapie was soms lang.
FG2,FG2-001,P05,C1,Werkzame elementen > Observeren,Observeren in het spel geeft een ander beeld.
FG2,FG2-002,P06,C1,Opbrengsten > Professionals,Ik leerde veel van de blik van de sociaal werker.
IV1,IV1-001,P08,C1,Opbrengsten > Ouders,Ik snap mijn kind nu beter sinds het trampolinespel.
IV2,IV2-001,P09,C1,Opbrengsten > Ouders,Het contact met school ging beter.
CS1,CS1-001,P10,C1,Werkzame elementen > Samen optrekken,Samen in de sessie zagen we meer.
"""

COHORT_YAML = """\
name: {name}
title: Handgemaakt testcohort
organisation: Testorganisatie
municipality: Teststad
period_start: 2023-09-01
period_end: 2024-06-30
slots: 20
synthetic: true
"""


def write_hand_cohort(raw_root: Path, name: str, *, drop: tuple[str, ...] = ()) -> Path:
    """Write the hand-made cohort (see the module docstring) to ``raw_root/name``; families in
    ``drop`` are left out of every file."""
    folder = Path(raw_root) / name
    (folder / "coding").mkdir(parents=True, exist_ok=True)

    def keep(text: str) -> str:
        lines = text.splitlines()
        return "\n".join([lines[0]] + [ln for ln in lines[1:]
                                       if ln.split(",")[0] not in drop]) + "\n"

    sdq = ["family_id,timepoint,date,informant," + ",".join(f"sdq_{i:02d}" for i in range(1, 26))]
    ari = ["family_id,timepoint,date,informant," + ",".join(f"ari_{i:02d}" for i in range(1, 49))]
    for family, timepoint, date, sdq_answers, ari_answers in MEASUREMENTS:
        if family in drop:
            continue
        sdq.append(",".join([family, timepoint, date, "mother", *sdq_answers]))
        ari.append(",".join([family, timepoint, date, "mother", *ari_answers]))
    files = {
        "cohort.yaml": COHORT_YAML.format(name=name),
        "trajectories.csv": keep(TRAJECTORIES),
        "sdq.csv": "\n".join(sdq) + "\n",
        "ari_cp.csv": "\n".join(ari) + "\n",
        "parent_survey_items.csv": SURVEY_ITEMS,
        "parent_survey.csv": keep(SURVEY),
        "coding/sessions.csv": SESSIONS,
        "coding/segments.csv": SEGMENTS,
    }
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8", newline="")
    from analysis.privacy import quote_id

    (folder / "quotes_approved.csv").write_text(
        f"quote_id\n{quote_id(APPROVED[0], APPROVED[1])}\n", encoding="utf-8")
    return folder


APPROVED = ("FG2/FG2-002", "Ik leerde veel van de blik van de sociaal werker.")
"""The one quote the researcher approved (source, text): it may appear in the published
document; the interview quote of the same theme (:data:`UNAPPROVED_WORD`) may not. Both are
among the two quotes per theme that notebook 02 picks (``quotes_per_theme``); a quote that is
approved but not picked is never shown."""
UNAPPROVED_WORD = "trampolinespel"
"""A word only in a quote that passed the guard but was not approved."""


def families(name: str = "") -> list[str]:
    """The family ids of the hand-made cohort."""
    return [line.split(",")[0] for line in TRAJECTORIES.splitlines()[1:]]


# --------------------------------------------------------------------------- generated shapes


def matrix_shapes():
    """The generated shapes of the publication matrix, by test cohort name."""
    from analysis.data.synthetic.shapes import Shape

    return [
        Shape("pub-one-family", families=1, description="a single family"),
        Shape("pub-three-families", families=3, seed=7, description="three families"),
        Shape("pub-all-dropped-out", status="dropped_out", description="all dropped out"),
        Shape("pub-no-coding", coding=False, description="no coding"),
        Shape("pub-one-coder", coders=1, description="one coder"),
    ]


def write_matrix_cohort(raw_root: Path, name: str) -> Path:
    """Write one cohort of the matrix: a generated shape, the bundled cohort copied under a
    test name (``pub-bundled``), or the hand-made cohort (``pub-hand``, and ``pub-hand-17``
    without the dropped-out family F17)."""
    from analysis.data.synthetic import shapes

    if name == "pub-bundled":
        target = Path(raw_root) / name
        shutil.copytree(paths.raw_dir(paths.DEFAULT_COHORT), target)
        config = target / "cohort.yaml"
        config.write_text("\n".join(f"name: {name}" if line.startswith("name:") else line
                                    for line in config.read_text(encoding="utf-8").splitlines())
                          + "\n", encoding="utf-8")
        return target
    if name == "pub-hand":
        return write_hand_cohort(raw_root, name)
    if name == "pub-hand-17":
        return write_hand_cohort(raw_root, name, drop=("F17",))
    shape = next(s for s in matrix_shapes() if s.name == name)
    shapes.write_shape(shape, raw_root)
    return Path(raw_root) / name


MATRIX: tuple[str, ...] = ("pub-one-family", "pub-three-families", "pub-all-dropped-out",
                           "pub-no-coding", "pub-one-coder", "pub-bundled", "pub-hand",
                           "pub-hand-17")
"""The cohorts of the publication matrix: 5 generated shapes, the bundled cohort, and the
hand-made cohort (which has the therapist discipline of one and the survey of three parents)
with its copy that lacks one family."""
