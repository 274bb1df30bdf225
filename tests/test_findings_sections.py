"""analysis.report.findings_sections and the shape-independent parts of Findings: absent, null
and zero key numbers, cohort words from cohort.yaml, the municipal target, figures of this run."""

import re

import pandas as pd
import pytest

from analysis import paths
from analysis.report import findings, findings_sections as sections, narrative
from analysis.report.figures import style

UNACCENTED = re.compile(r"\b(geindiceerd\w*|enquete\w*|financiele|financieel\w*|reele|"
                        r"cooperatie|creeer\w*|ideeen|categorieen|efficient\b)", re.I)
"""Common Dutch words written without their accents (geïndiceerde, enquête, financiële...)."""


def _sessions(rows):
    return pd.DataFrame(rows, columns=["session_id", "session_type", "group", "n_participants"])


def test_participation_lists_only_the_sessions_that_exist():
    text = sections.participation(_sessions([("S1", "focus_group", "social_workers", 4),
                                             ("S2", "focus_group", "mixed", 1),
                                             ("S3", "survey_open", "parents", 0)]))
    assert "2 focusgroepen (4 sociaal werkers en 1 deelnemer, gemengd)" in text
    assert "1 vragenlijst met open vragen (0 ouders)" in text
    assert "reflectie" not in text and "vaktherapeut" not in text and "casestudy" not in text


def test_participation_absent_is_one_sentence():
    assert sections.participation(None) == sections.participation(_sessions([]))
    assert sections.participation(None).startswith("Voor dit cohort ontbreekt")


def test_staff_zero_one_many_without_bundled_therapy_types():
    frame = pd.DataFrame({"therapy": ["drama", "drama", "muziek"],
                          "therapist_id": ["T1", "T2", "T3"], "social_worker_id": ["W1"] * 3})
    assert sections.staff(frame) == ("In de trajecten werkten 2 dramatherapeuten en 1 "
                                     "muziektherapeut samen met 1 sociaal werker jeugd en gezin.")


def test_chain_step_with_empty_denominator_is_not_computable():
    table = pd.DataFrame({"step": [1, 2], "label_nl": ["Verhoogd", "... van hen hoog"],
                          "k": [0, 0], "n": [4, 0], "ci_low": [0.0, None],
                          "ci_high": [0.6, None]})
    text = sections.chain(table)
    assert "Verhoogd: 0 van de 4 gezinnen (0%" in text
    assert "... van hen hoog: niet te berekenen (0 gezinnen)." in text


@pytest.mark.parametrize("low, high, target, verdict", [
    (0.25, 0.75, 0.5, "niet aantoonbaar"), (0.5, 0.8, 0.5, "behaald"),
    (0.40, 0.90, 0.75, "niet aantoonbaar"), (0.10, 0.70, 0.75, "niet behaald"),
])
def test_target_verdict_needs_the_whole_interval(low, high, target, verdict):
    assert sections.target_verdict((low + high) / 2, low, high, target) == verdict


def _doc(numbers, **config):
    return findings.Findings(cohort="x", numbers=numbers, config={"synthetic": False, **config})


def test_substitution_uses_the_target_of_cohort_yaml():
    numbers = {"indicated_n": 12, "substituted_n": 8, "substitution_share": 0.667,
               "substitution_ci_low": 0.35, "substitution_ci_high": 0.9}
    text = repr(_doc(numbers, substitution_target=0.75).substitution())
    assert "opdracht van 75% is niet aantoonbaar" in text and "50%" not in text
    numbers["substitution_target"] = 0.3     # what the run used wins over the config
    assert "opdracht van 30% is behaald" in repr(_doc(numbers).substitution())


def test_substitution_absent_with_reason():
    numbers = {"indicated_n": 0, "substituted_n": 0, "substitution_share": None,
               "substitution_ci_low": None, "substitution_ci_high": None,
               "substitution_share_reason": "geen geïndiceerde trajecten"}
    text = repr(_doc(numbers).substitution())
    assert text.startswith("Voor dit cohort ontbreekt") and "geen geïndiceerde" in text


def test_say_if_null_means_absent_zero_is_a_number_and_reason_is_given():
    doc = _doc({"a": 0, "b": None, "b_reason": "niet gemeten"})
    assert repr(doc.say_if(None, "{a:count:gezin/gezinnen}")) == "0 gezinnen"
    assert repr(doc.say_if(None, "{b}", otherwise="Ontbreekt.")) == "Ontbreekt (niet gemeten)."
    with pytest.raises(narrative.MissingKeyNumber):
        doc.say("{never_recorded}")
    assert doc.count("a", "gezin", "gezinnen", zero="geen") == "geen gezinnen"


def test_no_publication_no_helmond_words_and_no_claims_section(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    (tmp_path / "raw" / "x").mkdir(parents=True)
    pd.DataFrame({"claim_id": ["pilot_slots"], "published": [30]}).to_csv(
        tmp_path / "raw" / "x" / "claims.csv", index=False)
    doc = _doc({"slots": 30}, title="Pilot Eindhoven", municipality="Eindhoven",
               published_claims="claims.csv")
    intro = repr(doc.intro())
    assert "herhaalt" not in intro and "Helmond" not in intro and "Eindhoven" in intro
    assert doc.claims() is None
    doc.config["publication"] = "Rapport X (Gemeente Eindhoven, 2025)"
    assert "herhaalt de evaluatie uit Rapport X" in repr(doc.intro())
    assert doc.claims() is not None


def test_claims_table_is_dutch_without_ids(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    (tmp_path / "raw" / "x").mkdir(parents=True)
    pd.DataFrame({"claim_id": ["t0_elevated_total_pct", "indicated_substitution_pct"],
                  "statement": ["en", "en"], "published": [64, 50],
                  "note": ["'elevated' is not defined in the report; cut-off is a parameter",
                           ""]}).to_csv(tmp_path / "raw" / "x" / "claims.csv", index=False)
    doc = _doc({"t0_elevated_n": 9, "analysis_set_n": 14, "substituted_n": 8, "indicated_n": 16},
               publication="P", published_claims="claims.csv")
    table = doc.claims()
    shown = repr(table) + table._repr_html_()
    assert "t0_elevated_total_pct" not in shown and "not defined" not in shown
    assert "'verhoogd' is niet gedefinieerd" in shown and "gereproduceerd" in shown
    assert "geïndiceerde" in shown and not UNACCENTED.search(shown)
    written = pd.read_csv(tmp_path / "reports" / "x" / "claims.csv")
    assert list(written["claim_id"]) == ["t0_elevated_total_pct", "indicated_substitution_pct"]


def test_generated_dutch_has_its_accents():
    from analysis.report import claims

    text = " ".join(list(claims.statements_nl().values()) + list(claims.notes_nl().values())
                    + [str(r.get("note", "")) for r in claims.load_claim_rules().values()])
    assert not UNACCENTED.search(text), UNACCENTED.findall(text)


def test_figure_of_another_run_is_not_embedded(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "FIGURES", tmp_path / "figures")
    (tmp_path / "figures" / "x").mkdir(parents=True)
    (tmp_path / "figures" / "x" / "f.png").write_bytes(b"png")
    monkeypatch.setattr(findings.provenance, "read_png_metadata",
                        lambda path: {"Inputs hash": "old", "Title": "F"})
    doc = _doc({})
    doc._inputs_hash = "new"
    assert "niet in deze run gemaakt" in doc.figure("f").text
    doc._inputs_hash = "old"
    assert repr(doc.figure("f")) == "Figuur: F"


@pytest.mark.parametrize("value, decimals, expected", [
    (4.5, None, "4,5"), (3.0, None, "3"), (0.0, None, "0"), (-0.0, 1, "0,0"),
    (-1.25, 2, "\u22121,25"), (12500, 0, "12\u2009500"), (1234, 0, "1234")])
def test_dutch_tick_formatter(value, decimals, expected):
    assert style.dutch_formatter(decimals)(value, 0) == expected


def test_figures_use_the_dutch_formatter():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([1, 4.5], [1000, 25000])
    style.dutch_figure(fig)
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    labels = [ax.xaxis.get_major_formatter()(v, 0) for v in (1.5, 4.5)]
    assert labels == ["1,5", "4,5"] and "." not in "".join(labels)
