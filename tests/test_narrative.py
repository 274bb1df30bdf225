"""analysis.report.narrative: Dutch number formatting and key-number templates."""

import re

import pytest

from analysis.report import narrative


@pytest.mark.parametrize("value, spec, expected", [
    (22, "", "22"),
    (22.0, "", "22"),
    (0.6429, "", "0,6"),
    (14, "count", "14"),
    (64.2857, "pct", "64%"),
    (64.5, "pct", "65%"),          # half up, not half even
    (35.714, "pct1", "35,7%"),
    (0.5, "share", "50%"),
    (0.052734, ".3", "0,053"),
    (-0.594, ".2", "-0,59"),
    (25350.0, "eur", "€ 25 350"),
    (1234.0, "eur", "€ 1234"),
    (True, "yesno", "ja"),
    (False, "", "nee"),
    (None, "", "n.b."),
    (float("nan"), ".1", "n.b."),
    (100000, "count", "100 000"),
    (0.4567, "g3", "0,457"),
    (-3.456, "g3", "-3,46"),
    (0.000123, "g3", "0,000123"),
    (2500.5, "g3", "2501"),
    (1234567, "g3", "1 234 567"),
])
def test_format_value(value, spec, expected):
    assert narrative.format_value(value, spec) == expected


class _Mark(str):
    suppressed = True


def test_marks_of_disclosure_control_are_shown_as_given_and_never_computed_with():
    assert narrative.format_value(_Mark("<5"), "count") == "<5"
    assert narrative.format_value(_Mark("x"), "share") == "x"
    assert narrative.format_value(3, "count") == "3"  # no threshold here: values as given
    assert narrative.count_noun(_Mark("<5"), "gezin", "gezinnen") == "<5 gezinnen"
    assert narrative.count_noun(_Mark("x"), "ouder", "ouders", zero="geen") == "x ouders"
    assert narrative.step_text(_Mark("<5"), 22) == "<5 van de 22 gezinnen (aandeel niet getoond)"
    assert narrative.step_text(0, _Mark("<5")) == "0 van de <5 gezinnen (aandeel niet getoond)"
    assert narrative.step_text(9, 14, low=_Mark("x"), high=_Mark("x")) == "9 van de 14 gezinnen (64%)"


def test_render_fills_every_placeholder_from_the_numbers():
    text = narrative.render("{k:count} van de {n:count} ({p:pct})", {"k": 9, "n": 14, "p": 64.29})
    assert text == "9 van de 14 (64%)"


def test_render_refuses_a_key_the_run_did_not_produce():
    with pytest.raises(narrative.MissingKeyNumber, match="t0_elevated_n"):
        narrative.render("{t0_elevated_n:count} gezinnen", {"analysis_set_n": 14})


def test_unknown_format_is_an_error_naming_it():
    with pytest.raises(ValueError, match="percent"):
        narrative.format_value(1.0, "percent")


def test_available_and_missing():
    numbers = {"a": 1, "b": None}
    assert narrative.available(numbers, "a")
    assert not narrative.available(numbers, "a", "b")
    assert narrative.missing("{a} en {b:count} en {c}", numbers) == ["b", "c"]


@pytest.mark.parametrize("n, expected", [(0, "0 therapeuten"), (1, "1 therapeut"),
                                         (7, "7 therapeuten")])
def test_count_noun_zero_one_many(n, expected):
    assert narrative.count_noun(n, "therapeut", "therapeuten") == expected


@pytest.mark.parametrize("n, expected", [(0, "geen waarschuwingen"), (1, "1 waarschuwing"),
                                         (12, "12 waarschuwingen")])
def test_count_noun_with_a_zero_word(n, expected):
    assert narrative.count_noun(n, "waarschuwing", "waarschuwingen", zero="geen") == expected


@pytest.mark.parametrize("items, expected", [([], ""), (["a"], "a"), (["a", "b"], "a en b"),
                                             (["a", "b", "c"], "a, b en c")])
def test_join_nl_zero_one_many(items, expected):
    assert narrative.join_nl(items) == expected


@pytest.mark.parametrize("k, n, expected", [
    (0, 0, "niet te berekenen (0 gezinnen)"),
    (1, 1, "1 van 1 gezin (100%)"),
    (0, 3, "0 van de 3 gezinnen (0%)"),
    (6, 9, "6 van de 9 gezinnen (67%)"),
])
def test_step_text_zero_one_many_and_empty_denominator(k, n, expected):
    assert narrative.step_text(k, n) == expected


@pytest.mark.parametrize("value, expected", [(0, "0 sessies"), (1, "1 sessie"),
                                             (25, "25 sessies"), (4.5, "4,5 sessies")])
def test_render_count_with_noun(value, expected):
    assert narrative.render("{x:count:sessie/sessies}", {"x": value}) == expected


def test_absent_sentence_gives_the_recorded_reason():
    numbers = {"a": None, "a_reason": "geen ARI-CP afgenomen"}
    assert narrative.absence_reason(numbers, "a") == "geen ARI-CP afgenomen"
    assert narrative.absent_sentence("de keten", numbers, ["a"]) == \
        "Voor dit cohort ontbreekt de keten (geen ARI-CP afgenomen)."
    assert narrative.absent_sentence("de keten") == "Voor dit cohort ontbreekt de keten."


# --------------------------------------------------------------------------- links to sources


def test_render_links_every_placeholder_to_its_cell_and_only_those():
    links = {"n": "01_q.html#cel-3", "p": "01_q.html#cel-4"}
    out = narrative.render("{n:count:gezin/gezinnen}, p = {p:.3}, {m:count}",
                           {"n": 14, "p": 0.0527, "m": 2}, links=links)
    assert out == ('<a class="bron" href="01_q.html#cel-3" title="kerngetal n">14</a> gezinnen, '
                   'p = <a class="bron" href="01_q.html#cel-4" title="kerngetal p">0,053</a>, 2')


@pytest.mark.parametrize("n, shown, noun", [
    (0, "0", "gezinnen"), (1, "1", "gezin"), (22, "22", "gezinnen"),
    (_Mark("<5"), "&lt;5", "gezinnen"), (_Mark("x"), "x", "gezinnen"),
])
def test_counts_link_zero_one_many_and_marks(n, shown, noun):
    out = narrative.render("{n:count:gezin/gezinnen}", {"n": n}, links={"n": "a.html#cel-1"})
    assert out == f'<a class="bron" href="a.html#cel-1" title="kerngetal n">{shown}</a> {noun}'


def test_step_text_links_every_number():
    out = narrative.step_text(6, 9, low=0.3, high=0.93, href="01.html#cel-2")
    assert re.sub(r'<a class="bron" href="01.html#cel-2">([^<]*)</a>', r"[\1]", out) == (
        "[6] van de [9] gezinnen ([67%]; 95%-interval [30%] tot [93%])")
    assert narrative.step_text(0, 0, href="x.html#cel-1").startswith("niet te berekenen (<a")


def test_figure_reference_field_is_not_a_key_number():
    template = "Stroom{figuur:flow}."
    assert narrative.keys_of(template) == [] and narrative.missing(template, {}) == []
    assert narrative.render(template, {}) == "Stroom."
    assert narrative.render(template, {}, figure_ref=lambda name: f" (zie {name})") == \
        "Stroom (zie flow)."


@pytest.mark.parametrize("value, expected", [(0.2307, "23"), (0.0, "0"), (1.0, "100"),
                                             (0.105, "11")])
def test_percentage_points_have_no_percent_sign(value, expected):
    assert narrative.format_value(value, "pp") == expected
