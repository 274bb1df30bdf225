"""analysis.report.narrative: Dutch number formatting and key-number templates."""

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


def test_publication_mode_hides_small_counts_only():
    assert narrative.format_value(3, "count", publication=True) == "<5"
    assert narrative.format_value(5, "count", publication=True) == "5"
    assert narrative.format_value(3, "count", publication=True, threshold=10) == "<10"
    assert narrative.format_value(3, "count") == "3"


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
