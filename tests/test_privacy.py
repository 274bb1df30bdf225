"""analysis.privacy: planted identifiers are replaced; unsafe quotes are held back."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import privacy

# Quotes printed in the handreiking (Sociale Teams Helmond, 2024): nothing in them may change.
PUBLISHED_QUOTES = [
    "Ik zie mooie kansen in de samenwerking, waarbij de sociaal werker vooraf met een brede "
    "uitvraag de omgevingsfactoren al goed in beeld brengt.",
    "We zijn gelijkwaardig maar niet gelijk. Duidelijke rolverdeling is belangrijk.",
    "Sommige dingen moet je voelen. Ik ervaarde echt wat er gebeurt tussen ouder en kind. Heel "
    "positief om vervolgens samen de verdieping en vertaalslag te vinden naar thuis.",
    "Voor mij was de therapie dat ik ergens mijn gevoel kwijt kon. Dat heeft mij geholpen. Nu kan "
    "ik dat ook bij papa en mama. Ik vind het fijn dat ik de sociaal werker nog kan zien op "
    "school als ik dat nodig heb.",
]


def _bsn(prefix: str) -> str:
    """The valid BSN starting with the 8 digits ``prefix`` (check digit from the 11-proef)."""
    total = sum(int(d) * w for d, w in zip(prefix, (9, 8, 7, 6, 5, 4, 3, 2)))
    return prefix + str(total % 11)


# ------------------------------------------------------------------------------ patterns

PHONES = ["06-12345678", "06 12345678", "0612345678", "06-1234 5678", "+31 6 12345678",
          "+31612345678", "0031 6 1234 5678", "+31 (0)6-12345678", "040-1234567",
          "(040) 123 45 67", "0492-123456", "040 123 4567"]


@pytest.mark.parametrize("number", PHONES)
def test_dutch_phone_numbers_are_replaced(number):
    clean, findings = privacy.deidentify(f"Bel me gerust op {number}, dat is makkelijker.",
                                         use_deduce=False)
    assert clean == "Bel me gerust op [telefoonnummer], dat is makkelijker."
    assert [f.kind for f in findings] == ["phone"]


@pytest.mark.parametrize("text", ["In 2024 zagen we 12 gezinnen.", "Het traject duurde 25 sessies.",
                                  "Score 0 tot 40, gemiddeld 12"])
def test_ordinary_numbers_are_not_phone_numbers(text):
    assert privacy.deidentify(text, use_deduce=False) == (text, [])


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "1234.56.782", "123 456 782"])
def test_valid_bsn_is_replaced_as_bsn(bsn):
    clean, findings = privacy.deidentify(f"Het BSN is {bsn}.", use_deduce=False)
    assert clean == "Het BSN is [BSN]." and findings[0].kind == "bsn"


@pytest.mark.parametrize("number", ["123456789", "111222334", "000000000"])
def test_invalid_bsn_is_not_called_a_bsn(number):
    clean, findings = privacy.deidentify(f"Dossiernummer {number}.", use_deduce=False)
    assert "[BSN]" not in clean and number not in clean
    assert [f.kind for f in findings] == ["number"]


@given(st.text(alphabet="0123456789", min_size=8, max_size=8).filter(lambda s: s != "0" * 8),
       st.integers(0, 8), st.integers(1, 9))
@settings(max_examples=200, deadline=None)
def test_eleven_test_accepts_valid_and_catches_any_single_digit_error(prefix, position, shift):
    bsn = _bsn(prefix)
    if len(bsn) != 9:  # remainder 10: no check digit makes this prefix a BSN
        return
    assert privacy.is_valid_bsn(bsn)
    changed = bsn[:position] + str((int(bsn[position]) + shift) % 10) + bsn[position + 1:]
    assert not privacy.is_valid_bsn(changed)


EMAILS = ["k.vermeulen@sthelmond.nl", "ouder_07+pilot@example.com", "Jan.De-Vries@mail.co.uk"]


@pytest.mark.parametrize("email", EMAILS)
def test_email_addresses_are_replaced(email):
    clean, _ = privacy.deidentify(f"Mail naar {email} voor een afspraak.", use_deduce=False)
    assert clean == "Mail naar [e-mail] voor een afspraak."


ADDRESSES = ["Kerkstraat 12", "Mierloseweg 12a", "Jan van Goyenstraat 4", "Markt 3",
             "Hoofdstraat 120-2", "5701 AB", "5701AB"]


@pytest.mark.parametrize("address", ADDRESSES)
def test_addresses_and_postcodes_are_replaced(address):
    clean, findings = privacy.deidentify(f"We woonden toen op {address} in Helmond.",
                                         use_deduce=False)
    assert clean == "We woonden toen op [adres] in Helmond."
    assert findings[0].kind == "address"


def test_lower_case_words_ending_like_streets_are_not_addresses():
    text = "We waren onderweg 2 uur en het speelpad 3 keer rond."
    assert privacy.deidentify(text, use_deduce=False)[0] == text


DATES = ["12-03-2024", "1/9/23", "2024-03-12", "3 juni", "12 maart 2024", "maart 2024",
         "14 okt."]


@pytest.mark.parametrize("date", DATES)
def test_dates_are_replaced(date):
    clean, findings = privacy.deidentify(f"Het gesprek was op {date} bij ons thuis.",
                                         use_deduce=False)
    assert clean.startswith("Het gesprek was op [datum]") and findings[0].kind == "date"


def test_urls_are_replaced():
    clean, _ = privacy.deidentify("Zie www.socialeteamshelmond.nl/pilot.", use_deduce=False)
    assert clean == "Zie [url]."


# ------------------------------------------------------------------------------ with deduce

def test_person_names_are_replaced_by_deduce():
    clean, findings = privacy.deidentify("Mijn collega Marieke de Vries belde gisteren.")
    assert "Marieke" not in clean and "Vries" not in clean and "[naam]" in clean
    assert any(f.source == "deduce" and f.kind == "name" for f in findings)


@pytest.mark.parametrize("text,name", [
    ("Mijn dochter Sanne wilde niet naar huis.", "Sanne"),
    ("Onze zoon, Daan, speelde met de ballen.", "Daan"),
    ("Met Daan (9 jaar) ging het beter.", "Daan"),
    ("Lotte is 8 jaar en kwam graag.", "Lotte"),
])
def test_names_of_children_get_their_own_pseudonym(text, name):
    clean, _ = privacy.deidentify(text)
    assert name not in clean and "[naam kind]" in clean


def test_name_span_keeps_the_words_around_it():
    clean, _ = privacy.deidentify("Het was fijn bij Marieke op de Mierloseweg 12a in Helmond.")
    assert clean == "Het was fijn bij [naam] op de [adres] in Helmond."


@pytest.mark.parametrize("quote", PUBLISHED_QUOTES)
def test_published_quotes_pass_unchanged(quote):
    result = privacy.check_quote(quote)
    assert result.safe and result.clean_text == quote and result.reasons == ()


def test_everything_planted_at_once():
    text = ("Ik ben Petra Jansen, moeder van Daan (7 jaar). Bel 06-12345678 of mail "
            "petra@example.nl; BSN 111222333; Kerkstraat 12, 5701 AB; gesprek op 12-03-2024.")
    clean, findings = privacy.deidentify(text)
    for planted in ("Petra", "Jansen", "Daan", "12345678", "petra@", "111222333", "Kerkstraat",
                    "5701", "12-03-2024"):
        assert planted not in clean
    assert {f.kind for f in findings} >= {"name", "child_name", "phone", "email", "bsn",
                                          "address", "date"}


# ------------------------------------------------------------------------------ guard

def test_findings_hold_no_identifying_text():
    _, findings = privacy.deidentify("Bel 06-12345678.", use_deduce=False)
    assert all("12345678" not in str(value) for f in findings for value in vars(f).values())


def test_residual_risk_makes_a_quote_unsafe():
    result = privacy.check_quote("Juf Annemiek van basisschool De Regenboog hielp ons.")
    assert not result.safe and "school name left" in result.reasons
    assert "Annemiek" not in result.clean_text


def test_too_many_identifiers_make_a_quote_unsafe():
    text = "Bel 06-12345678, 040-1234567, 0492-123456 of 06-87654321."
    result = privacy.check_quote(text, use_deduce=False)
    assert not result.safe and result.reasons[0].startswith("too many identifiers")
    assert privacy.check_quote(text, use_deduce=False, max_replacements=4).safe


def test_review_table_lists_only_unsafe_texts():
    table = privacy.review_table(["Alles goed.", "Kijk op basisschool De Regenboog."],
                                 ids=["a", "b"], use_deduce=False)
    assert table["id"].tolist() == ["b"]
    assert list(table.columns) == ["id", "clean_text", "reasons"]


def test_deidentify_needs_text():
    with pytest.raises(TypeError, match="text must be a str"):
        privacy.deidentify(None)


@pytest.mark.slow
def test_deduce_works_offline(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    privacy._deduce.cache_clear()
    try:
        clean, _ = privacy.deidentify("Gesprek met Marieke de Vries.")
    finally:
        privacy._deduce.cache_clear()
    assert "Marieke" not in clean


def test_public_organisations_are_kept():
    text = "Sociale Teams Helmond en Lentl werkten samen met de vaktherapeuten."
    assert privacy.deidentify(text)[0] == text
