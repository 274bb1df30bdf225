"""analysis.report.findings: prose from key numbers, the published rendering (values as given),
claims table, figures."""

import pandas as pd
import pytest

from analysis import paths
from analysis.report import findings
from analysis.report.published import Mark, PublishedFigure, PublishedSet


@pytest.fixture
def doc():
    return findings.Findings(cohort="x", numbers={"n": 3, "m": 14, "share": 0.5},
                             config={"synthetic": True})


def _published(doc, numbers, **kw):
    """``doc`` as the published rendering of ``numbers`` (a published set, decided elsewhere)."""
    doc.published = PublishedSet(kw.pop("threshold", 5), numbers, **kw)
    doc.numbers = dict(numbers)
    return doc


def test_say_uses_key_numbers_and_the_published_rendering_shows_them_as_given(doc):
    assert repr(doc.say("{n:count} van {m:count}")) == "3 van 14"
    _published(doc, {"n": Mark("<5"), "m": 14, "share": Mark("x")})
    assert repr(doc.say("{n:count} van {m:count} ({share:share})")) == "<5 van 14 (x)"
    _published(doc, {"n": 3, "m": 14})  # the document decides nothing: a 3 given is a 3 shown
    assert repr(doc.say("{n:count}")) == "3"


def test_say_if_leaves_out_a_section_whose_numbers_are_absent(doc):
    assert repr(doc.say_if(["absent"], "{absent}", otherwise="ontbreekt")) == "ontbreekt"
    assert repr(doc.say_if(["share"], "{share:share}")) == "50%"


def test_banner_only_for_synthetic_cohorts(doc):
    assert "SYNTHETISCHE DATA" in doc.banner()._repr_markdown_()
    doc.config["synthetic"] = False
    assert doc.banner()._repr_markdown_() == ""


def test_missing_figure_is_silent_and_never_names_its_id(doc):
    # a figure the cohort has no data for is not mentioned: the document names what it has
    assert doc.figure("questionnaires_ari_cp_profile")._repr_markdown_() == ""


def test_claims_table_is_written_with_the_fixed_columns(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    (tmp_path / "raw" / "c").mkdir(parents=True)
    pd.DataFrame({
        "claim_id": ["pilot_slots", "t0_elevated_total_pct"], "section": ["Intro", "B2"],
        "statement": ["plekken", "verhoogd"], "published": [30, 64], "unit": ["count", "percent"],
        "numerator": [None, 9], "denominator": [None, 14], "note": ["", ""],
    }).to_csv(tmp_path / "raw" / "c" / "claims.csv", index=False)
    doc = findings.Findings(cohort="c", numbers={"slots": 30, "t0_elevated_n": 9,
                                                 "analysis_set_n": 14},
                            config={"published_claims": "claims.csv", "publication": "Rapport"})
    view = doc.claims().frame
    written = pd.read_csv(tmp_path / "reports" / "c" / "claims.csv")
    assert list(written.columns) == findings.CLAIMS_COLUMNS
    assert list(written["status"]) == ["reproduced", "reproduced"]
    assert view.iloc[1]["gereproduceerd"].startswith("64,3% (9 van 14)")


def test_no_claims_file_means_no_section_and_an_empty_table(doc, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    assert doc.claims() is None
    written = pd.read_csv(tmp_path / "reports" / "x" / "claims.csv")
    assert written.empty and list(written.columns) == findings.CLAIMS_COLUMNS


def test_published_figures_come_from_the_checker_and_withheld_ones_say_why(doc, tmp_path):
    _published(doc, {"n": 3}, folder=tmp_path, figures={
        "questionnaires_sdq_lines": PublishedFigure(
            "questionnaires_sdq_lines", "withheld", "Eén lijn per gezin.")})
    text = doc.figure("questionnaires_sdq_lines").text
    assert "weggelaten" in text and "Eén lijn per gezin." in text
    # no decision and not made by the run (the cohort lacks its data): not shown, not mentioned
    assert doc.figure("trajectories_flow").text == ""
    assert not doc.figure_shown("questionnaires_sdq_lines")
    assert doc.figure_ref("questionnaires_sdq_lines") == ""


def test_numbers_link_to_their_cells_or_to_the_published_key_number_page(doc):
    doc.sources = {"n": ("01_q", 25), "m": ("03_t", 7)}
    text = doc.say("{n:count} van {m:count:gezin/gezinnen}").text
    assert text == ('<a class="bron" href="01_q.html#cel-25">3</a> van '
                    '<a class="bron" href="03_t.html#cel-7">14</a> gezinnen')
    _published(doc, {"n": Mark("<5"), "m": 14})
    assert doc.say("{n:count}").text == '<a class="bron" href="kerngetallen.html#n">&lt;5</a>'
    assert "01_q.html" not in doc.say("{n:count} {m:count}").text  # no notebook page linked
    assert repr(doc.say("{n:count}")) == "<5"  # the plain view shows the text only


def test_notebook_references_are_links_inside_and_plain_words_in_the_publication(doc):
    assert doc.say("Zie {notebook:01_questionnaires}.").text == \
        "Zie [notebook 01](01_questionnaires.html)."
    _published(doc, {"n": 3})
    assert doc.say("{Notebook:04_follow_up} toont").text == \
        "Notebook 04 van de analyse (niet in deze publicatie) toont"


def test_the_published_document_states_its_threshold_and_its_signs(doc):
    _published(doc, {"n": 3}, threshold=10)
    intro = doc.intro().text
    assert "publicatieversie" in intro and '"<10"' in intro and "1 tot en met 9" in intro
    assert "interne versie" in findings.Findings(cohort="x").intro().text


def test_source_links_a_table_count_only_when_the_key_number_agrees(doc):
    doc.sources = {"n": ("01_q", 25)}
    assert doc.source("n") == doc.source("n", 3) == "01_q.html#cel-25"
    assert doc.source("n", 4) is None and doc.source("m") is None


def test_figure_references_only_for_figures_that_are_shown(doc):
    assert doc.figure_ref("no_such_figure") == ""
    assert repr(doc.say("Stroom{figuur:no_such_figure}.")) == "Stroom."


def test_top_of_the_document_without_questionnaire_tables(doc, tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "PROCESSED", tmp_path / "processed")
    doc.numbers = {"substituted_n": 2, "indicated_n": 4, "substitution_ci_low": 0.07,
                   "substitution_ci_high": 0.93}
    box = repr(doc.key_findings())
    assert "2 van de 4 trajecten (50%; 95%-interval 7% tot 93%)" in box
    assert "ontbreekt" in repr(doc.chain())
