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
    text = sections.participation(sections.participation_table(_sessions([
        ("S1", "focus_group", "social_workers", 4), ("S2", "focus_group", "mixed", 1),
        ("S3", "survey_open", "parents", 0)])))
    assert "2 focusgroepen (4 sociaal werkers en 1 deelnemer, gemengd)" in text
    assert "1 vragenlijst met open vragen (0 ouders)" in text
    assert "reflectie" not in text and "vaktherapeut" not in text and "casestudy" not in text


def test_participation_absent_is_one_sentence():
    assert sections.participation(None) == sections.participation(
        sections.participation_table(_sessions([])))
    assert sections.participation(None).startswith("Voor dit cohort ontbreekt")


def test_staff_zero_one_many_without_bundled_therapy_types():
    frame = pd.DataFrame({"therapy": ["drama", "drama", "muziek"],
                          "therapist_id": ["T1", "T2", "T3"], "social_worker_id": ["W1"] * 3})
    assert sections.staff(sections.staff_table(frame)) == (
        "In de trajecten werkten 3 vaktherapeuten (2 dramatherapeuten en 1 muziektherapeut) "
        "samen met 1 sociaal werker jeugd en gezin.")


def test_sections_render_a_published_table_as_given():
    class Mark(str):
        suppressed = True

    staff = pd.DataFrame({"role": ["therapists", "therapists", "social_workers"],
                          "kind": ["speltherapie", "pmt", ""],
                          "key": ["therapists_play", "therapists_pmt", "social_workers"],
                          "n": [Mark("x"), Mark("<5"), 8]}, dtype=object)
    assert sections.staff(staff) == ("In de trajecten werkten x speltherapeuten en <5 "
                                     "psychomotorisch therapeuten samen met 8 sociaal werkers "
                                     "jeugd en gezin.")
    participation = pd.DataFrame({"session_type": ["focus_group", "focus_group"],
                                  "group": ["social_workers", "therapists"], "sessions": [2, 2],
                                  "people": [5, Mark("<5")]}, dtype=object)
    assert "2 focusgroepen (5 sociaal werkers en <5 vaktherapeuten)" in \
        sections.participation(participation)
    chain = pd.DataFrame({"step": [1], "key": ["t1"], "label_nl": ["Verbeterd"],
                          "k": [Mark("<5")], "n": [9], "ci_low": [Mark("x")],
                          "ci_high": [Mark("x")]}, dtype=object)
    assert sections.chain(chain) == "- Verbeterd: <5 van de 9 gezinnen (aandeel niet getoond)."


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


# --------------------------------------------------------------------------- top of the document

HEADLINE = {"t0_elevated_n": 9, "t0_elevated_denominator_n": 14, "t0_elevated_ci_low_pct": 35.1,
            "t0_elevated_ci_high_pct": 87.2, "substituted_n": 1, "indicated_n": 1,
            "substitution_ci_low": 0.025, "substitution_ci_high": 1.0,
            "sdq_total_hl": -1.5, "sdq_total_hl_ci_low": -6.0, "sdq_total_hl_ci_high": 0.0,
            "sdq_total_wilcoxon_p": 0.0527, "sdq_total_wilcoxon_p_zero_dropped": 0.0469,
            "sdq_scales_tested_n": 5, "sdq_total_wilcoxon_p_holm": 0.21,
            "sdq_total_verdict_nl": "grensgeval"}


def _say(numbers, links=None):
    return lambda template: narrative.render(template, numbers, links=links)


def test_key_findings_show_headlines_with_intervals_and_leave_out_absent_lines():
    box = sections.key_findings(HEADLINE, say=_say(HEADLINE))
    assert "Kernbevindingen" in box
    assert "9 van de 14 gezinnen (64%; 95%-interval 35% tot 87%)" in box
    assert "1 van 1 traject (100%; 95%-interval 3% tot 100%)" in box  # one, in trajecten
    assert "-1,5 punten" in box and "p = 0,053" in box
    assert "5 schalen 0,210" in box and "oordeel: grensgeval" in box and "0,047" in box
    assert "Betrouwbaar verbeterd" not in box and "Krippendorff" not in box  # absent data
    assert box.count("<li>") == 3


def test_key_findings_prefer_the_unrounded_chain_interval_and_link_every_number():
    chain = pd.DataFrame({"key": ["t0_elevated"], "ci_low": [0.3514], "ci_high": [0.8724]})
    links = {k: "01.html#cel-25" for k in HEADLINE}
    box = sections.key_findings(HEADLINE, say=_say(HEADLINE, links), chain_table=chain,
                                source=lambda key, value: links.get(key))
    plain = re.sub(r"<a class=\"bron\"[^>]*>[^<]*</a>", "#", box)
    items = re.findall(r"<li>(.*?)</li>", plain)
    assert items and not any(re.search(r"\d", re.sub(r"95%-interval", "", i)) for i in items)


def test_key_findings_are_empty_without_any_headline():
    assert sections.key_findings({"slots": 30}, say=_say({})) == ""


def test_caveats_synthetic_placeholder_and_small_n():
    numbers = {"ari_cp_n": 4, "obvl_n": 0, "analysis_set_n": 14}
    out = sections.caveats(numbers, synthetic=True, say=_say(numbers),
                           placeholder_instruments={"ari_cp": "ARI-CP 2-5", "obvl": "OBVL"})
    assert out.count('class="kanttekening"') == 3
    assert "Synthetische data" in out and "ARI-CP 2-5" in out and "OBVL" not in out
    assert "14 gezinnen" in out and f"Onder de {sections.SMALL_N_THRESHOLD}" in out


@pytest.mark.parametrize("n", [sections.SMALL_N_THRESHOLD, 200, None])
def test_no_caveats_for_real_data_without_placeholders_and_enough_families(n):
    numbers = {"ari_cp_n": None, "analysis_set_n": n}
    assert sections.caveats(numbers, synthetic=False, say=_say(numbers),
                            placeholder_instruments={"ari_cp": "ARI-CP 2-5"}) == ""


def test_section_numbers_link_only_to_a_key_number_with_the_same_value():
    recorded = {"focus_group_sessions_n": 2, "focus_group_social_workers_n": 4}
    source = (lambda key, value: f"02.html#cel-28"
              if key in recorded and recorded[key] == value else None)
    table = sections.participation_table(_sessions([("S1", "focus_group", "social_workers", 4),
                                                    ("S2", "focus_group", "mixed", 1)]))
    text = sections.participation(table, source=source)
    assert '<a class="bron" href="02.html#cel-28">2</a> focusgroepen' in text
    assert '<a class="bron" href="02.html#cel-28">4</a> sociaal werkers' in text
    assert "1 deelnemer, gemengd" in text  # no key number recorded for it: plain


def test_a_figure_has_a_stable_id_and_is_referenced_only_when_shown(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "FIGURES", tmp_path / "figures")
    (tmp_path / "figures" / "x").mkdir(parents=True)
    (tmp_path / "figures" / "x" / "f.png").write_bytes(b"png")
    monkeypatch.setattr(findings.provenance, "read_png_metadata",
                        lambda path: {"Inputs hash": "old", "Title": "F"})
    doc = _doc({})
    doc._inputs_hash = "old"
    assert '<figure id="fig-f"' in doc.figure("f")._repr_html_()
    assert 'href="#fig-f">figuur</a>)' in doc.say("Stroom{figuur:f}.").text
    doc._inputs_hash = "new"  # the file is another run's: neither embedded nor referenced
    assert doc.say("Stroom{figuur:f}.").text == "Stroom."
