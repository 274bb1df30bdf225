"""analysis.report.findings: prose from key numbers, publication mode, claims table, figures."""

import pandas as pd
import pytest

from analysis import paths
from analysis.report import findings


@pytest.fixture
def doc():
    return findings.Findings(cohort="x", numbers={"n": 3, "m": 14, "share": 0.5},
                             config={"synthetic": True})


def test_say_uses_key_numbers_and_publication_hides_small_counts(doc):
    assert repr(doc.say("{n:count} van {m:count}")) == "3 van 14"
    doc.publication = True
    assert repr(doc.say("{n:count} van {m:count}")) == "<5 van 14"


def test_say_if_leaves_out_a_section_whose_numbers_are_absent(doc):
    assert repr(doc.say_if(["absent"], "{absent}", otherwise="ontbreekt")) == "ontbreekt"
    assert repr(doc.say_if(["share"], "{share:share}")) == "50%"


def test_banner_only_for_synthetic_cohorts(doc):
    assert "SYNTHETISCHE DATA" in doc.banner()._repr_markdown_()
    doc.config["synthetic"] = False
    assert doc.banner()._repr_markdown_() == ""


def test_publication_table_drops_family_rows_and_suppresses_counts(doc):
    frame = pd.DataFrame({"family_id": ["F01", "F02", "F03"], "n": [2, 12, 30]})
    doc.publication = True
    out = doc.table(frame, counts=["n"], family_column="family_id")
    # the 2 is hidden, and the 12 with it ("x": it is not below 5): else the total (44) gives
    # the 2 back
    assert list(out.columns) == ["n"] and list(out["n"]) == ["<5", "x", 30]


def test_missing_figure_says_so_instead_of_failing(doc):
    assert "niet gemaakt" in doc.figure("no_such_figure")._repr_markdown_()


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


def test_per_family_figures_are_withheld_in_publication_mode(doc):
    doc.publication = True
    assert "weggelaten" in doc.figure("questionnaires_sdq_jacobson_truax", per_family=True).text


def test_numbers_link_to_their_cells_in_both_modes(doc):
    doc.sources = {"n": ("01_q", 25), "m": ("03_t", 7)}
    text = doc.say("{n:count} van {m:count:gezin/gezinnen}").text
    assert text == ('<a class="bron" href="01_q.html#cel-25">3</a> van '
                    '<a class="bron" href="03_t.html#cel-7">14</a> gezinnen')
    doc.publication = True
    assert '<a class="bron" href="01_q.html#cel-25">&lt;5</a>' in doc.say("{n:count}").text
    assert repr(doc.say("{n:count}")) == "<5"  # the plain view shows the text only


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
