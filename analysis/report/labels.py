"""Dutch labels of key numbers, from ``analysis/definitions/key_number_labels.yaml``.

A reviewer reads "Gezinnen in de analyseset" where the files say ``analysis_set_n``. The rule
(also in the YAML's header): an exact entry under ``labels`` wins; otherwise the key is split at
``_`` and read left to right, each time replacing the longest run of words that ``words`` lists by
its Dutch text; the pieces are joined with ", " and the first letter is capitalised.

>>> label_nl("analysis_set_n")
'Gezinnen in de analyseset (begin- en eindmeting)'
>>> label_nl("sdq_total_wilcoxon_p")
'SDQ, totaalscore, Wilcoxon-toets, p-waarde'
>>> unknown_words("sdq_total_frobnicate")
['frobnicate']

Values are shown the same way wherever key numbers are listed (the site's key-numbers page,
``compare``, ``explain``): :func:`format_key_number`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from analysis import paths

LABELS_FILE = paths.DEFINITIONS / "key_number_labels.yaml"
"""The labels and word list (definitions as data)."""


@lru_cache(maxsize=1)
def _definitions() -> tuple[dict[str, str], dict[str, str], int]:
    with LABELS_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle) or {}
    labels = {str(k): str(v) for k, v in (data.get("labels") or {}).items()}
    words = {str(k): str(v) for k, v in (data.get("words") or {}).items()}
    longest = max((len(w.split("_")) for w in words), default=1)
    return labels, words, longest


def _pieces(key: str) -> list[tuple[str, bool]]:
    """``(text, known)`` per piece of ``key`` by the longest-run rule."""
    _, words, longest = _definitions()
    parts = key.split("_")
    pieces, i = [], 0
    while i < len(parts):
        for size in range(min(longest, len(parts) - i), 0, -1):
            run = "_".join(parts[i:i + size])
            if run in words:
                pieces.append((words[run], True))
                i += size
                break
        else:
            pieces.append((parts[i], False))
            i += 1
    return pieces


def label_nl(key: str) -> str:
    """The Dutch label of key number ``key`` (see the module docstring for the rule)."""
    labels, _, _ = _definitions()
    if key in labels:
        return labels[key]
    text = ", ".join(piece for piece, _ in _pieces(key))
    return text[:1].upper() + text[1:]


def unknown_words(key: str) -> list[str]:
    """Words of ``key`` that neither ``labels`` nor ``words`` covers (empty when labelled)."""
    labels, _, _ = _definitions()
    if key in labels:
        return []
    return [piece for piece, known in _pieces(key) if not known]


def format_key_number(value: Any) -> str:
    """A key number's value in Dutch notation, as every list of key numbers shows it.

    Numbers with three significant digits (whole numbers in full, thousands grouped from
    10 000: :func:`analysis.report.narrative.format_value` with ``g3``; no trailing zeros
    after the comma), booleans as ja/nee, text through the display layer
    (:func:`analysis.report.display.cell_nl`: "ok" reads "haalbaar"), None (the data did not
    allow it) as "niet te berekenen".

    >>> [format_key_number(v) for v in (25350.0, 0.05312, -3.456, 14, True, None, "voorlopig")]
    ['25 350', '0,0531', '-3,46', '14', 'ja', 'niet te berekenen', 'voorlopig']
    >>> format_key_number(0.5), format_key_number("negligible")
    ('0,5', 'verwaarloosbaar')
    """
    from analysis.report.display import cell_nl
    from analysis.report.narrative import format_value

    if value is None:
        return "niet te berekenen"
    if isinstance(value, str):
        return cell_nl(value)
    text = format_value(value, "g3")
    if "," in text and text.replace(",", "").replace("-", "").replace("\u2212", "").isdigit():
        text = text.rstrip("0").rstrip(",")
    return text
