"""Forms of Dutch personal data planted in test cohorts, and what must never be found again.

Each form is ``(label, sentence as a parent or professional might say it, needles)``: the
needles are what the scanner (:func:`analysis.privacy.scanner.scan_file`, the one ``share``
uses) looks for in every publishable file. Needles are specific to the planted value (a
surname, the digits of a number, a handle), so that finding one means the value leaked.
"""

from __future__ import annotations

FORMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("full name", "Ik heb het besproken met Jan Jansen.", ("Jansen",)),
    ("lower-case name", "ik heb het besproken met piet klaassen van hiernaast", ("klaassen",)),
    ("child after zoon, lower case", "onze zoon daan wilde eerst niet", ("zoon daan",)),
    ("child after dochter", "Mijn dochter Sanne lacht weer.", ("Sanne",)),
    ("name with age", "Met Lotte (9 jaar) ging het beter.", ("Lotte",)),
    ("name with interfix", "Marieke van der Berg belde ons terug.", ("van der Berg",)),
    ("teacher", "juf Annemiek zag het ook op school", ("Annemiek",)),
    ("husband", "mijn man Pieter was er ook bij", ("Pieter",)),
    ("grandmother", "oma Truus past op de kinderen", ("Truus",)),
    ("name with soft hyphen", "Daan Ver\u00adhoeven vond het fijn.", ("Verhoeven",)),
    ("two names", "Femke Bakker en Joris Smit kwamen samen.", ("Bakker", "Joris Smit")),
    ("street and number", "We wonen op de Kerkstraat 12 in Helmond.", ("Kerkstraat 12",)),
    ("street without number", "We wonen aan de Kastanjelaan sinds vorig jaar.", ("Kastanjelaan",)),
    ("lower-case street", "vlak bij de mierloseweg is het druk", ("mierloseweg",)),
    ("street with interfix", "Ons adres is Jan van Goyenstraat 4.", ("Goyenstraat",)),
    ("postcode", "Postcode 5701 AB klopt niet meer.", ("5701 AB",)),
    ("postcode without space", "Het was in 5702CD, dichtbij.", ("5702CD",)),
    ("one-word school", "Hij zit op de Theresiaschool.", ("Theresiaschool",)),
    ("named school", "Op basisschool De Regenboog ging het beter.", ("Regenboog",)),
    ("handle", "Volg ons op @sanne_helmond2012 voor updates.", ("sanne_helmond2012",)),
    ("handle with dot", "Haar insta is @daantje.jansen", ("daantje.jansen",)),
    ("e-mail", "Mail naar j.verhoeven@example.nl voor een afspraak.", ("j.verhoeven@",)),
    ("e-mail in capitals", "Stuur het naar PETRA.JANSEN@GMAIL.COM graag.", ("petra.jansen@",)),
    ("obfuscated e-mail", "Mail petra [at] voorbeeld [punt] nl maar.", ("petra [at]",)),
    ("mobile", "Bel me op 06-98765432 als er iets is.", ("0698765432",)),
    ("mobile spaced", "Mijn nummer is 06 1234 5678.", ("0612345678",)),
    ("mobile +31", "Bereikbaar op +31 6 23456789.", ("623456789",)),
    ("mobile with invisible characters", "Bel 06\u200b-\u200b3456\u20607890 gerust.",
     ("0634567890",)),
    ("landline", "Het nummer is (0492) 123456.", ("0492123456",)),
    ("mobile with dots", "Telefoon 06.45.67.89.01.", ("0645678901",)),
    ("full-width digits", "Bel \uff10\uff16-\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12.",
     ("0656789012",)),
    ("foreign phone", "Zijn vader woont in Belgie, +32 470 12 34 56.", ("32470123456",)),
    ("BSN", "Het BSN is 111222333.", ("111222333",)),
    ("BSN with dots", "BSN 1234.56.782 staat op de brief.", ("123456782",)),
    ("IBAN spaced", "Maak het over naar NL91 ABNA 0417 1643 00.", ("417164300",)),
    ("IBAN compact", "Rekening NL20INGB0001234567 graag.", ("0001234567",)),
    ("IBAN lower case", "rekening nl69rabo0317526840 van ons", ("0317526840",)),
    ("licence plate", "Onze auto, 12-ABC-3, stond voor de deur.", ("12-ABC-3",)),
    ("licence plate letters", "Kenteken GH-12-KL was van de buurman.", ("GH-12-KL",)),
    ("date of birth", "Ze is geboren op 3 mei 2012.", ("3 mei 2012",)),
    ("date of birth numeric", "Geb. 14-02-2013, dus nog jong.", ("14-02-2013",)),
    ("date of a meeting", "Het gesprek was op 12 maart 2024.", ("12 maart 2024",)),
    ("web profile", "Zie www.facebook.com/daan.jansen.77 voor foto's.", ("daan.jansen.77",)),
    ("file number", "Dossiernummer 87654321 bij de gemeente.", ("87654321",)),
    ("age + school + place", "Hij is 9 jaar, zit in groep 5 van de Klimopschool in Mierlo.",
     ("Klimopschool",)),
]
"""Planted forms (45) of Dutch personal data."""


def needles() -> list[str]:
    """Every needle of :data:`FORMS`."""
    return [needle for _, _, found in FORMS for needle in found]


IDS_AND_COLUMNS: dict[str, str] = {
    "session id with name and address": "Fam Jansen Kerkstraat 12",
    "participant with a name": "Daan Verhoeven",
    "code named after a family": "Casus Daan Jansen > Thuissituatie",
    "survey item with a name": "Hielp juf Annemiek u goed?",
    "phone in a number column": "06-12345678",
    "therapist id with a name": "Marieke de Vries",
    "cohort title with a name": "Pilot bij familie Verhoeven",
}
"""Values planted in identifier columns, labels and wrong columns (validation refuses them)."""


# --------------------------------------------------------------------------- new channels

MORE_FORMS: list[tuple[str, str, tuple[str, ...]]] = [
    ("e-mail in words", "Mail gerust naar jan.devries at hotmail punt nl, dan reageer ik.",
     ("jan.devries at",)),
    ("e-mail in words, name split", "mijn adres is jan punt de vries apenstaartje gmail punt com",
     ("vries apenstaartje", "jan punt de vries")),
    ("e-mail in words, capitalised name", "Stuur het naar Sanne Bakker at ziggo punt nl.",
     ("bakker at",)),
    ("e-mail in words with brackets", "petra.smit (at) kpnmail (dot) nl werkt ook",
     ("petra.smit",)),
    ("e-mail with spaced at", "mail: daan.verhoeven @ live.nl", ("daan.verhoeven",)),
    ("e-mail in words, upper case", "JAN.DEVRIES AT HOTMAIL DOT COM", ("jan.devries at",)),
    ("e-mail in words, provider only", "mijn mail is femke.dekker at gmail", ("femke.dekker",)),
    ("name in a code name", "Casus Daan Jansen > Thuissituatie", ("Jansen",)),
    ("name in a source name", "Interview moeder van Lotte Hendriks", ("Hendriks",)),
    ("name in a file name", "ARI export Sanne Visser.csv", ("Visser",)),
]
"""Further forms (issue 21): e-mail addresses written in words, names in code names, source
names and file names."""


def all_needles() -> list[str]:
    """Every needle of :data:`FORMS` and :data:`MORE_FORMS`."""
    return [needle for _, _, found in FORMS + MORE_FORMS for needle in found]
