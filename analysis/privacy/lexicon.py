"""Word lists of the guard: deduce's own lookup lists, read case-insensitively.

``deduce`` (Menger et al., 2018) ships plain-text lookup lists in its package data: Dutch first
names (about 15,000), surnames (about 10,500), street names (about 150,000, from the BAG),
residences (about 6,700) and a list of common Dutch words. The guard reads them as lower-case
sets, so ``jan jansen`` and ``kastanjelaan`` are found as well as ``Jan Jansen`` and
``Kastanjelaan``. The files are located without importing deduce (whose import is slow) and
read once per process (about 0.3 s).

Names that are also ordinary Dutch words (``wil``, ``roos``, ``mag``, ``bas`` ...) would flag
almost every sentence when written in lower case; :data:`NOT_NAMES_LOWER` lists the ones this
compendium ignores in lower case (they are still names when capitalised inside a sentence).
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

NOT_NAMES_LOWER: frozenset[str] = frozenset("""
aan af al alle als anders april art bas ben bent best beter bij blij bloem boer bos bram
dag dan dat de den der dit doe dom door dra echt eens eerst elk en er even ever fijn geen goed
graag groot haar had hal hand hart heb heel heer hem her hier hoe hoop hun ik in is ja jong
juist kan kans kind klein koen kort kracht laat lang leef les lief liefde maar mag man mee meer
mei mens met mijn min moed mooi na naar nee net niet nog nu of ook op over paul pas per raad
recht rest rijk ring roos rust samen sterk stil taal tijd toen trots tot uit vaak van veel ver
vol voor vrij waar wat weer wel wil win wolf wouter zeer zelf zij zin zo zon zorg zus zeg
zegt zo'n dus iets soms ons onze mama papa vader moeder opa oma oom tante juf meester lot
jaar week dank hulp werk thuis ouder ouders speel spel adem mat arm beer fleur hart heer wilt kon zal
want dacht gaat kom komt loop veel vind
witte lijn lijntje lijntjes to the of
""".split())
"""Lower-case words that are also first names or surnames in deduce's lists but far more often
ordinary Dutch words; in lower case they are not taken for names. Lower-case words ending in a
diminutive (``-tje``, ``-pje``, ``-kje``, plural ``-s``) are not taken for first names either
(``lijntje``, ``huisje``)."""

NOT_NAMES: frozenset[str] = frozenset("""
bron kerst kerstmis pasen pinksteren sinterklaas carnaval ramadan suikerfeest offerfeest
koningsdag hemelvaart nan castor qualtrics limesurvey survalyzer nvivo maxqda taguette qualcoder
""".split())
"""Words never taken for a name, in any case: holidays, labels the outputs use (``Bron:`` in
every figure caption) and the programs whose names exports carry (``Castor_export.csv``), which
deduce's name lists or its context rules take for names."""

PUBLIC_NAMES: tuple[str, ...] = (
    # organisations and places in youth care that look like a person's name
    "Wit-Gele Kruis", "Groene Kruis", "Rode Kruis", "Oranje Kruis", "Leger des Heils",
    "Veilig Thuis", "Raad voor de Kinderbescherming", "Centrum voor Jeugd en Gezin",
    "William Schrikker", "Ronald McDonald", "Prinses Máxima Centrum", "Máxima Medisch Centrum",
    "Albert Heijn", "Bos en Lommer",
)
"""Public names that are no personal data: never replaced, in any text (organisations and
places that look like a person's name). The guard's :data:`analysis.privacy.guard.PUBLIC_TERMS`
are kept too."""

CITED_NAMES: tuple[str, ...] = (
    # statistical methods named after people, and the sources the outputs cite
    "Hodges-Lehmann", "Monte-Carlo", "Monte Carlo", "Wilcoxon", "McNemar", "Cohen",
    "Krippendorff", "Jacobson-Truax", "Jacobson", "Truax", "Clopper-Pearson", "Pearson",
    "Spearman", "Wilson", "Holm", "Bonferroni", "Fisher", "Likert", "Kendall", "Mann-Whitney",
    "Shapiro-Wilk", "Student", "Cronbach", "Theunissen", "Goodman", "Vermeulen", "Nouwen",
    "Menger", "Rubin", "Pratt", "Satterthwaite",
)
"""Names the compendium's own outputs print: eponyms of statistical methods and authors of
the sources they cite. The output scanner (:mod:`analysis.privacy.scanner`) does not take them
for personal data; the guard of quotes does (``Vermeulen`` is a common surname). The scanner
also takes any name written as a citation (``Maurice-Stam e.a., 2018``, ``Vermeulen, K.``)
for a cited author."""

STREET_SUFFIXES: tuple[str, ...] = (
    "straat", "laan", "weg", "plein", "singel", "gracht", "kade", "dijk", "dreef", "hof", "pad",
    "steeg", "allee", "markt", "boulevard", "erf", "wal", "vaart", "kamp", "akker", "dam",
    "ring", "veld", "park", "baan", "hoek", "dries", "hoeve", "wijk", "eind",
)
"""Endings of Dutch street names (a word ending like this and listed as a street, or
capitalised, is taken for a street, with or without a house number)."""

NOT_STREETS: frozenset[str] = frozenset("""
onderweg halverwege snelweg uitweg omweg zijweg achterweg wegweg weg laan plein straat pad
hof markt park ring veld baan hoek kamp dam eind wal erf dijk kade gracht singel steeg dreef
allee vaart akker wijk boulevard begin einde eind weekend speelpad levenspad zoekpad
werkveld speelveld vakgebied spelveld vangnet gesprek bespreking afscheid standpunt
woonwijk wijkteam buurt huis thuis uiteind achterstand voorstand toestand tussenweg
middenweg werkwijze leefwereld sportveld voetbalveld speelplein schoolplein kerkplein
dorpsplein marktplein arbeidsmarkt woningmarkt zorgmarkt jeugdzorgmarkt hof binnenhof
""".split())
"""Lower-case words that end like a street but are ordinary words (never taken for a street)."""


@dataclass(frozen=True)
class Lexicon:
    """Lower-case word sets from deduce's lookup lists (see the module docstring)."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    streets: frozenset[str]
    residences: frozenset[str]
    common: frozenset[str]


def _deduce_lookup_dir() -> Path | None:
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "data" / "lookup" / "src"
    return folder if folder.is_dir() else None


def _read(folder: Path | None, *parts: str) -> set[str]:
    if folder is None:
        return set()
    file = folder.joinpath(*parts)
    if not file.is_file():
        return set()
    return {line.strip().lower() for line in file.read_text(encoding="utf-8").splitlines()
            if line.strip()}


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The process's :class:`Lexicon` (read on first use; empty sets when deduce is missing,
    in which case the guard still runs its own patterns)."""
    folder = _deduce_lookup_dir()
    common = (_read(folder, "whitelist", "lst_common_word", "items.txt")
              | _read(folder, "whitelist", "lst_stop_word", "items.txt"))
    first = _read(folder, "names", "lst_first_name", "items.txt")
    surnames = _read(folder, "names", "lst_surname", "items.txt")
    streets = (_read(folder, "locations", "lst_street", "items.txt")
               | _read(folder, "locations", "lst_street", "streets_bag.txt"))
    residences = _read(folder, "locations", "lst_placename", "lst_residence", "items.txt")
    return Lexicon(frozenset(first), frozenset(surnames), frozenset(streets),
                   frozenset(residences), frozenset(common))
