"""Dutch number notation: the one formatter of numbers a Dutch reader sees.

A ground-floor module (it imports nothing from the package), so :mod:`analysis.follow_up`,
:mod:`analysis.report` and the figures import it without climbing into each other. Dutch
typography: a decimal comma, a (thin) space between thousands from 10 000 on, never a point;
the minus sign is the typographic one (U+2212) on axes.

Source of the conventions: Taalunie, *Taaladvies: Getallen: punt of komma*
(https://taaladvies.net/getallen-punt-of-komma/) and *Getallen van meer dan vier cijfers*
(https://taaladvies.net/getallen-van-meer-dan-vier-cijfers/).
"""

from __future__ import annotations

THIN_SPACE: str = "\u2009"
"""Thousands separator (Dutch typography: a (thin) space, never a point)."""

MINUS: str = "\u2212"
"""The typographic minus sign used on axes."""


def format_nl(value: float, decimals: int = 1) -> str:
    """A number in Dutch notation, with a decimal comma (Python's float formatting).

    >>> format_nl(0.5, 2)
    '0,50'
    >>> format_nl(1234.5, 0)
    '1234'
    """
    return f"{value:.{decimals}f}".replace(".", ",")


def tick_nl(value: float, decimals: int | None = None, *, suffix: str = "") -> str:
    """An axis tick in Dutch notation: decimal comma, thin-space thousands from 10 000 on.

    ``decimals`` None shows as few decimals as the value needs (at most 6; 4.5 -> "4,5", 3.0
    -> "3"). ``-0`` shows as "0"; the minus sign is the typographic one (U+2212).

    >>> tick_nl(4.5), tick_nl(3.0), tick_nl(0.25, 2), tick_nl(12500), tick_nl(50, 0, suffix="%")
    ('4,5', '3', '0,25', '12\u2009500', '50%')
    """
    text = (f"{value:.{decimals}f}" if decimals is not None
            else f"{value:.6f}".rstrip("0").rstrip("."))
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    sign, text = (MINUS, text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    if len(whole) > 4:
        groups = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = THIN_SPACE.join(groups)
    return sign + whole + ("," + fraction if fraction else "") + suffix
