"""Dutch prose with numbers taken from a run's key numbers, never typed by hand.

A template names key numbers in braces, with an optional format after a colon::

    "{t0_elevated_n:count} van de {analysis_set_n:count} gezinnen ({t0_elevated_pct:pct})"

Formats (Dutch notation: decimal comma, no thousands separator below 10 000):

=========  ===============================================  ==============
format     meaning                                          22 / 0.6429
=========  ===============================================  ==============
(none)     whole numbers as is, others with one decimal      ``22`` / ``0,6``
``count``  a count                                         ``22``
``pct``    a value already in percent, whole                 ``64%``
``pct1``   a value already in percent, one decimal           ``64,3%``
``share``  a share 0-1 shown as a whole percent              ``64%``
``pp``     a share 0-1 in whole percentage points, no sign   ``64``
``.N``     N decimals                                        ``0,643``
``g3``     three significant digits (whole from 1 000)       ``0,643``
``eur``    an amount in euro, whole                          ``€ 25 350``
``yesno``  a boolean as ja/nee                                ``ja``
=========  ===============================================  ==============

A count with its noun: ``{n:count:gezin/gezinnen}`` gives "1 gezin", "22 gezinnen" (zero takes
the plural; a value that is not whole, such as 4.5 hours, is shown with a decimal comma).

Values are rendered as given. In the published document (:mod:`analysis.publish.render`)
the numbers come from the published set, in which disclosure control replaced some values by
a mark: a ``str`` with a true attribute ``suppressed`` (``"<5"``, ``"x"``; :func:`withheld`).
A mark is shown as is, never computed with: a share of a withheld count is not shown, and a
count with its noun takes the plural ("<5 gezinnen"). This module knows no threshold.

Every number links to its source. Given ``links`` (key -> ``<notebook>.html#cel-N``, from
:func:`analysis.report.keynumbers.read_sources`), :func:`render` makes the formatted value of each
placeholder a link to the notebook cell that recorded it (:func:`link`); a count with its noun
links the number only. A mark ("<5") links all the same.

A template may also name a figure, ``{figuur:NAME}``: :func:`render` then asks ``figure_ref``
(a callable NAME -> text) for the reference, e.g. " (zie figuur 3)", or "" when the figure is
not shown. The number itself is filled in by :func:`analysis.report.site.annotate_findings` in
order of appearance.

Absent is not an error. A key number recorded as ``None`` means the data did not allow it;
its reason, when the notebook gave one, is the text key ``<key>_reason``
(:func:`absence_reason`). A section whose numbers are absent says so in one Dutch sentence
(:func:`absent_sentence`); a count of zero is a number like any other. Only a key that the run
did not record at all raises :class:`MissingKeyNumber` in :func:`render`: that is a programming
error (a typo, or a notebook that forgot to record it), never a property of the data.

Plurals and zero cases (:func:`count_noun`, :func:`join_nl`, :func:`step_text`) are handled here
once, so no generated sentence says "waarschuwing(en)", "1 therapeuten" or "0 casestudy".
"""

from __future__ import annotations

import math
import string
from typing import Any, Callable, Mapping

from analysis.errors import CompendiumError

class MissingKeyNumber(CompendiumError):
    """A template names a key number the run did not produce."""


def available(numbers: Mapping[str, Any], *keys: str) -> bool:
    """Whether every one of ``keys`` is present and not None."""
    return all(numbers.get(key) is not None for key in keys)


def absence_reason(numbers: Mapping[str, Any], key: str) -> str | None:
    """The Dutch reason recorded for an absent key number (``<key>_reason``), or None.

    >>> absence_reason({"x": None, "x_reason": "geen ARI-CP in dit cohort"}, "x")
    'geen ARI-CP in dit cohort'
    """
    reason = numbers.get(f"{key}_reason")
    return str(reason).strip() or None if isinstance(reason, str) else None


def absent_sentence(what: str, numbers: Mapping[str, Any] | None = None,
                    keys: tuple[str, ...] | list[str] = ()) -> str:
    """One Dutch sentence saying that ``what`` is absent, with the first recorded reason.

    >>> absent_sentence("de ARI-CP")
    'Voor dit cohort ontbreekt de ARI-CP.'
    >>> absent_sentence("de ARI-CP", {"k": None, "k_reason": "niet afgenomen"}, ["k"])
    'Voor dit cohort ontbreekt de ARI-CP (niet afgenomen).'
    """
    reasons = [absence_reason(numbers or {}, key) for key in keys]
    reason = next((r for r in reasons if r), None)
    return f"Voor dit cohort ontbreekt {what}" + (f" ({reason})." if reason else ".")


def withheld(value: Any) -> bool:
    """Whether ``value`` is a mark of disclosure control ("<5", "x") rather than a value.

    >>> class Mark(str):
    ...     suppressed = True
    >>> withheld(Mark("<5")), withheld("<5"), withheld(3)
    (True, False, False)
    """
    return bool(getattr(value, "suppressed", False))


def count_noun(n: Any, singular: str, plural: str, *, zero: str | None = None) -> str:
    """A count with its noun in the right number: "1 therapeut", "3 therapeuten".

    Zero takes the plural ("0 casestudy's"), or ``zero`` instead of the digit when given
    ("geen casestudy's"). A mark of disclosure control is shown as is, with the plural.

    >>> count_noun(1, "casestudy", "casestudy's"), count_noun(0, "casestudy", "casestudy's")
    ('1 casestudy', "0 casestudy's")
    >>> count_noun(0, "waarschuwing", "waarschuwingen", zero="geen")
    'geen waarschuwingen'
    """
    if withheld(n):
        return f"{n} {plural}"
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return f"n.b. {plural}"
    number = format_value(n, "count")
    if int(round(n)) == 0 and zero is not None:
        return f"{zero} {plural}"
    return f"{number} {singular if int(round(n)) == 1 else plural}"


def join_nl(items: list[str] | tuple[str, ...], *, last: str = "en") -> str:
    """Items joined the Dutch way: "a", "a en b", "a, b en c" ("" for none).

    >>> join_nl(["a"]), join_nl(["a", "b"]), join_nl(["a", "b", "c"]), join_nl([])
    ('a', 'a en b', 'a, b en c', '')
    """
    items = [str(i) for i in items if str(i)]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def link(text: str, href: str | None, key: str | None = None) -> str:
    """``text`` as a link to the cell that computed it (``href``), or as is without one.

    The text is a formatted number; ``<`` and ``>`` (a suppressed "<5") are written as
    entities, so the link reads the same in Markdown and HTML. With ``key`` the link names the
    key number on hover (``title="kerngetal KEY"``).

    >>> link("0,053", "01_questionnaires.html#cel-25")
    '<a class="bron" href="01_questionnaires.html#cel-25">0,053</a>'
    >>> link("<5", "x.html#cel-1"), link("14", None)
    ('<a class="bron" href="x.html#cel-1">&lt;5</a>', '14')
    >>> link("14", "x.html#cel-1", "sdq_n")
    '<a class="bron" href="x.html#cel-1" title="kerngetal sdq_n">14</a>'
    """
    if not href:
        return text
    shown = text.replace("<", "&lt;").replace(">", "&gt;")
    title = f' title="kerngetal {key}"' if key else ""
    return f'<a class="bron" href="{href}"{title}>{shown}</a>'


def link_count(text: str, href: str | None, key: str | None = None) -> str:
    """A count with its noun ("22 gezinnen", "geen waarschuwingen", "<5 ouders") with only the
    number (its first word) linked.

    >>> link_count("22 gezinnen", "a.html#cel-2")
    '<a class="bron" href="a.html#cel-2">22</a> gezinnen'
    """
    number, space, rest = text.partition(" ")
    return link(number, href, key) + space + rest


def step_text(k: Any, n: Any, *, low: Any = None, high: Any = None, unit: tuple[str, str] =
              ("gezin", "gezinnen"), href: str | None = None) -> str:
    """One step of a chain of shares: "6 van de 9 gezinnen (67%; 95%-interval 30% tot 93%)".

    ``low`` and ``high`` are the interval bounds as fractions 0-1. An empty denominator gives
    "niet te berekenen (0 gezinnen)": a share of nobody is not a number, and not an error.
    When ``k`` or ``n`` is a mark of disclosure control, no share is computed from them:
    "<5 van de 22 gezinnen (aandeel niet getoond)".

    >>> step_text(0, 0)
    'niet te berekenen (0 gezinnen)'
    >>> step_text(1, 1, low=0.025, high=1.0)
    '1 van 1 gezin (100%; 95%-interval 3% tot 100%)'
    >>> step_text(0, 4)
    '0 van de 4 gezinnen (0%)'

    With ``href`` every number (count, denominator, share, bounds) links to that cell.
    """
    if n is None or k is None:
        return "niet te berekenen (ontbreekt)"
    if not withheld(n) and int(round(n)) == 0:
        return f"niet te berekenen ({link_count(count_noun(0, *unit), href)})"
    whole = link_count(count_noun(n, *unit), href)
    of = f"van {whole}" if not withheld(n) and int(round(n)) == 1 else f"van de {whole}"
    count = link(format_value(k, "count"), href)
    if withheld(k) or withheld(n):
        return f"{count} {of} (aandeel niet getoond)"
    share = link(format_value(k / n, "share"), href)
    interval = ""
    if low is not None and high is not None and not (withheld(low) or withheld(high)):
        interval = (f"; 95%-interval {link(format_value(low, 'share'), href)} tot "
                    f"{link(format_value(high, 'share'), href)}")
    return f"{count} {of} ({share}{interval})"


def render(template: str, numbers: Mapping[str, Any], *, links: Mapping[str, str] | None = None,
           figure_ref: Callable[[str], str] | None = None) -> str:
    """``template`` with every ``{key[:format]}`` replaced by the formatted key number.

    ``links`` (key -> href) makes each value a link to its source (:func:`link`);
    ``{figuur:NAME}`` is replaced by ``figure_ref(NAME)`` ("" without ``figure_ref``).

    >>> render("{n:count} gezinnen, {p:pct}", {"n": 14, "p": 64.3})
    '14 gezinnen, 64%'
    >>> render("{n:count:gezin/gezinnen}", {"n": 14}, links={"n": "01.html#cel-3"})
    '<a class="bron" href="01.html#cel-3" title="kerngetal n">14</a> gezinnen'
    """
    return _Formatter(numbers, links or {}, figure_ref).format(template)


def format_value(value: Any, spec: str = "") -> str:
    """One value in Dutch notation (see the module docstring for ``spec``).

    >>> format_value(0.6429, "share")
    '64%'
    >>> format_value(25350.0, "eur")
    '€ 25 350'
    """
    if withheld(value):  # disclosure control decided ("<5", "x"): shown as is
        return str(value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n.b."
    if spec == "yesno":
        return "ja" if value else "nee"
    if spec == "count":
        return _grouped(f"{int(round(value))}")
    if spec in ("pct", "share"):
        return f"{_decimal(value * (100 if spec == 'share' else 1), 0)}%"
    if spec == "pp":
        return _decimal(value * 100, 0)
    if spec == "pct1":
        return f"{_decimal(value, 1)}%"
    if spec == "eur":
        return "€ " + _grouped(f"{value:.0f}")
    if spec.startswith(".") and spec[1:].isdigit():
        return _decimal(value, int(spec[1:]))
    if spec == "g3":
        return _significant(value, 3)
    if spec:
        raise ValueError(f"unknown number format {spec!r}; expected one of count, pct, pct1, "
                         "share, pp, eur, yesno, g3, .N")
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return _grouped(f"{int(value)}")
    if isinstance(value, float):
        return _decimal(value, 1)
    return str(value)


FIGURE_FIELD = "figuur"
"""Field name of a figure reference in a template: ``{figuur:NAME}`` (not a key number)."""


def keys_of(template: str) -> list[str]:
    """The key numbers a template names, in order (figure references left out)."""
    return [field.split(".")[0] for _, field, _, _ in string.Formatter().parse(template)
            if field and field != FIGURE_FIELD]


def missing(template: str, numbers: Mapping[str, Any]) -> list[str]:
    """Key numbers a template names that are absent from ``numbers``."""
    return [key for key in keys_of(template) if numbers.get(key) is None]


def _significant(value: Any, digits: int) -> str:
    """``digits`` significant digits, whole numbers as is (no exponent notation)."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if not isinstance(value, (int, float)):
        return str(value)
    if float(value).is_integer() or abs(value) >= 10 ** (digits - 1):
        return _grouped(f"{_round_half_up(float(value), 0):.0f}")
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value)))) if value else 0
    return _decimal(float(value), decimals)


def _decimal(value: float, decimals: int) -> str:
    text = f"{_round_half_up(value, decimals):.{decimals}f}"
    return text.replace(".", ",")


def _round_half_up(value: float, decimals: int) -> float:
    """Half-up rounding (64.5 -> 65), as readers expect; Python's round() is half-even."""
    factor = 10 ** decimals
    return math.floor(value * factor + 0.5 + 1e-9) / factor


def _grouped(digits: str) -> str:
    """Thousands separated by a space from 10 000 on (Dutch typography)."""
    sign, digits = ("-", digits[1:]) if digits.startswith("-") else ("", digits)
    if len(digits) <= 4:
        return sign + digits
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return sign + " ".join(groups)


class _Formatter(string.Formatter):
    def __init__(self, numbers: Mapping[str, Any], links: Mapping[str, str],
                 figure_ref: Callable[[str], str] | None):
        super().__init__()
        self.numbers = numbers
        self.links, self.figure_ref, self.key = links, figure_ref, None

    def get_value(self, key, args, kwargs):  # noqa: D102 (string.Formatter API)
        self.key = key  # format_field follows for the same field (no nested fields here)
        if key == FIGURE_FIELD:
            return _FIGURE
        if key not in self.numbers:
            raise MissingKeyNumber(f"the text names key number {key!r}, which this run did not "
                                   "produce; check the notebook that should record it")
        return self.numbers[key]

    def format_field(self, value, format_spec):  # noqa: D102
        if value is _FIGURE:
            return self.figure_ref(format_spec) if self.figure_ref else ""
        href = self.links.get(self.key)
        if format_spec.startswith("count:") and "/" in format_spec:
            singular, plural = format_spec[len("count:"):].split("/", 1)
            if isinstance(value, (int, float)) and not float(value).is_integer():
                return link_count(f"{format_value(value)} {plural}", href, self.key)
            return link_count(count_noun(value, singular, plural), href, self.key)
        return link(format_value(value, format_spec), href, self.key)


_FIGURE = object()
"""Marker value of a ``{figuur:NAME}`` field."""
