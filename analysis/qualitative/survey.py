"""The parent survey: Likert items, yes/no items and open answers.

Input is ``parent_survey.csv`` (``family_id, date``, one column per item) and
``parent_survey_items.csv`` (``item, text, type, domain``; type ``likert5``, ``yesno`` or
``text``), both read by :func:`analysis.data.io.read_table`. The handreiking reports the survey of
11 parents (Bijlage C, "Enquete ouders"); with so few answers the tables give counts, shares and
exact intervals, no tests.

Missing-data rule: an empty cell is no answer; it is left out of ``n`` and counted in
``n_missing``. An answer that is not a valid value stops with a :class:`analysis.errors.DataError`
listing every bad cell (row as in a spreadsheet, header = row 1).
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np
import pandas as pd

from analysis.origin import returns_key_numbers
from analysis.errors import DataError, Problem
from analysis.stats.intervals import proportion

ITEM_TYPES: tuple[str, ...] = ("likert5", "yesno", "text")
LIKERT_LABELS: dict[int, str] = {1: "helemaal mee oneens", 2: "mee oneens", 3: "neutraal",
                                 4: "mee eens", 5: "helemaal mee eens"}
"""Answer value -> Dutch label (1 totally disagree ... 5 totally agree)."""
_LIKERT_ALIASES: dict[str, int] = {
    **{label: value for value, label in LIKERT_LABELS.items()},
    "helemaal oneens": 1, "zeer oneens": 1, "oneens": 2, "niet eens, niet oneens": 3,
    "neutraal/geen mening": 3, "eens": 4, "helemaal eens": 5, "zeer eens": 5,
    "totally disagree": 1, "strongly disagree": 1, "disagree": 2, "neutral": 3, "agree": 4,
    "totally agree": 5, "strongly agree": 5,
}
_YES = {"ja", "yes", "1", "true", "waar", "j", "y"}
_NO = {"nee", "no", "0", "false", "onwaar", "n"}
SURVEY_FILE, ITEMS_FILE = "parent_survey.csv", "parent_survey_items.csv"
OPEN_ANSWERS_LIMIT: int = 200
"""Open answers per item checked and shown by default (:func:`open_answers`): the pilot had a
handful; checking tens of thousands with deduce (about 1-5 ms each after a 1.5 s start) would
dominate a large cohort's run, and a report shows a few dozen at most."""

LIKERT_SUMMARY_COLUMNS: list[str] = ["item", "text", "domain", "n", "n_missing", "median", "mean",
                                     "share_disagree", "share_neutral", "share_agree", "order"]
YESNO_COLUMNS: list[str] = ["item", "text", "domain", "n", "n_missing", "n_yes", "proportion",
                            "ci_low", "ci_high", "method"]
OPEN_COLUMNS: list[str] = ["family_id", "item", "answer", "safe", "n_replacements",
                           "code_paths", "n_codes"]


def check_items(items: pd.DataFrame, responses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The item definitions, checked: columns present, types known, items unique (and answered).

    Returns the items with ``item`` and ``type`` stripped text. Raises :class:`DataError`.
    """
    missing = [c for c in ("item", "text", "type") if c not in items.columns]
    if missing:
        raise DataError(f"{ITEMS_FILE} lacks column(s) {missing}; expected item, text, type, "
                        "domain", [Problem(ITEMS_FILE, 1, c, None, "this column") for c in missing])
    items = items.assign(item=items["item"].astype(str).str.strip(),
                         type=items["type"].astype(str).str.strip().str.lower())
    if "domain" not in items.columns:
        items["domain"] = pd.NA
    problems = [Problem(ITEMS_FILE, i + 2, "type", t, f"one of {', '.join(ITEM_TYPES)}")
                for i, t in enumerate(items["type"]) if t not in ITEM_TYPES]
    problems += [Problem(ITEMS_FILE, i + 2, "item", v, "each item once")
                 for i, v in enumerate(items["item"]) if (items["item"] == v).sum() > 1]
    if responses is not None:
        problems += [Problem(SURVEY_FILE, 1, v, None, f"a column for item {v!r} defined in "
                                                       f"{ITEMS_FILE}")
                     for v in items["item"] if v not in responses.columns]
    if problems:
        raise DataError("the parent survey items are inconsistent:\n" +
                        "\n".join(p.format() for p in problems), problems)
    return items.reset_index(drop=True)


def likert_values(values: pd.Series, *, item: str = "") -> pd.Series:
    """Answers 1-5 from numbers or Dutch (or English) labels; ``Int64`` with missing values.

    >>> likert_values(pd.Series(["Mee eens", "5", 3.0, None, " helemaal mee oneens"])).tolist()
    [4, 5, 3, <NA>, 1]
    """
    parsed = values.map(_likert_value)
    bad = values.notna() & parsed.isna() & (values.astype(str).str.strip() != "")
    _raise_bad(values, bad, item, "an answer 1-5 or a label such as 'mee eens'")
    return parsed.astype("Int64")


def yesno_values(values: pd.Series, *, item: str = "") -> pd.Series:
    """Answers ``ja/nee``, ``yes/no``, ``1/0``, ``true/false`` as a nullable boolean.

    >>> yesno_values(pd.Series(["Ja", "nee", 1, None])).tolist()
    [True, False, True, <NA>]
    """
    text = values.map(lambda v: None if _missing(v) else _number_text(v).strip().lower())
    parsed = text.map(lambda t: True if t in _YES else False if t in _NO else None)
    bad = text.notna() & (text != "") & parsed.isna()
    _raise_bad(values, bad, item, "ja/nee, yes/no, 1/0 or true/false")
    return parsed.astype("boolean")


def likert_distribution(responses: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Counts per answer of every Likert item, in the order of :func:`likert_summary`.

    Returns
    -------
    DataFrame
        ``item, text, response`` (1-5), ``label`` (Dutch), ``n`` (parents giving this answer),
        ``share`` (of the parents who answered the item; NaN when nobody did), ``order``.
    """
    summary = likert_summary(responses, items)
    rows = []
    for item in summary.itertuples():
        answers = likert_values(responses[item.item], item=item.item).dropna()
        counts = answers.value_counts()
        for value, label in LIKERT_LABELS.items():
            n = int(counts.get(value, 0))
            rows.append({"item": item.item, "text": item.text, "response": value, "label": label,
                         "n": n, "share": n / len(answers) if len(answers) else np.nan,
                         "order": item.order})
    return pd.DataFrame(rows, columns=["item", "text", "response", "label", "n", "share", "order"])


def likert_summary(responses: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """One row per Likert item, ordered by agreement (most agreement first).

    Returns
    -------
    DataFrame
        Columns :data:`LIKERT_SUMMARY_COLUMNS`: ``n`` answers, ``n_missing``, ``median`` and
        ``mean`` of 1-5, shares (0-1) answering 1-2 (disagree), 3 and 4-5 (agree), ``order``
        (1 = highest share agreeing; ties by mean, then item).
    """
    items = check_items(items, responses)
    rows = []
    for item in items[items["type"] == "likert5"].itertuples():
        answers = likert_values(responses[item.item], item=item.item)
        valid = answers.dropna().astype(int)
        n = len(valid)
        share = (lambda mask: float(mask.sum()) / n if n else np.nan)
        rows.append({"item": item.item, "text": item.text, "domain": item.domain, "n": n,
                     "n_missing": int(answers.isna().sum()),
                     "median": float(valid.median()) if n else np.nan,
                     "mean": float(valid.mean()) if n else np.nan,
                     "share_disagree": share(valid <= 2), "share_neutral": share(valid == 3),
                     "share_agree": share(valid >= 4)})
    table = pd.DataFrame(rows, columns=LIKERT_SUMMARY_COLUMNS[:-1])
    table = table.sort_values(["share_agree", "mean", "item"], ascending=[False, False, True],
                              na_position="last").reset_index(drop=True)
    table["order"] = range(1, len(table) + 1)
    return table


def yesno_summary(responses: pd.DataFrame, items: pd.DataFrame, *,
                  confidence: float = 0.95) -> pd.DataFrame:
    """Share answering yes per yes/no item, with an exact Clopper-Pearson interval.

    The interval comes from :func:`analysis.stats.intervals.proportion` (beta quantiles; Clopper &
    Pearson, 1934). An item nobody answered has ``n = 0`` and missing share and interval.

    Returns
    -------
    DataFrame
        Columns :data:`YESNO_COLUMNS`; ``proportion``, ``ci_low``, ``ci_high`` between 0 and 1.
    """
    items = check_items(items, responses)
    rows = []
    for item in items[items["type"] == "yesno"].itertuples():
        answers = yesno_values(responses[item.item], item=item.item)
        valid = answers.dropna()
        row = {"item": item.item, "text": item.text, "domain": item.domain, "n": len(valid),
               "n_missing": int(answers.isna().sum()), "n_yes": int(valid.sum()),
               "proportion": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "method": "clopper-pearson"}
        if len(valid):
            ci = proportion(int(valid.sum()), len(valid), method="clopper-pearson",
                            confidence=confidence).iloc[0]
            row.update(proportion=ci["proportion"], ci_low=ci["ci_low"], ci_high=ci["ci_high"])
        rows.append(row)
    return pd.DataFrame(rows, columns=YESNO_COLUMNS)


def open_answers(responses: pd.DataFrame, items: pd.DataFrame, *,
                 segments: pd.DataFrame | None = None, sessions: pd.DataFrame | None = None,
                 check: Callable | None = None,
                 limit: int | None = OPEN_ANSWERS_LIMIT) -> pd.DataFrame:
    """Open answers through the privacy guard, linked to their coding.

    Parameters
    ----------
    segments, sessions : DataFrame, optional
        The segments table and ``coding/sessions.csv``. A segment belongs to a family's answer
        when its session has ``session_type == "survey_open"``, its ``participant`` is the
        ``family_id``, and its text occurs in the answer (whitespace and case ignored); when
        the family answered only one open item, all its segments belong to that answer.
    check : callable, optional
        Guard returning an object with ``safe``, ``clean_text``, ``findings``; default
        :func:`analysis.privacy.check_quote`.
    limit : int or None
        At most this many answers per open item, the first in file order, pass the guard and
        are returned (default :data:`OPEN_ANSWERS_LIMIT`); None: all. Only answers that passed
        the guard are ever returned, so the cap keeps a large cohort's run short without
        letting an unchecked text through.

    Returns
    -------
    DataFrame
        Columns :data:`OPEN_COLUMNS`, one row per non-empty answer checked: ``answer`` is the
        de-identified text, or missing when the guard found it still unsafe (it is then in
        :func:`open_answers_review`, never here); ``code_paths`` the linked codes joined by
        ``"; "``, ``n_codes`` their number. The raw answer is never returned.
        ``attrs["n_answers"]`` counts all non-empty answers, ``attrs["n_unchecked"]`` those
        left out by ``limit``.
    """
    if check is None:
        from analysis.privacy import check_quote as check
    answers, total = _open_long(responses, items, limit)
    links = _code_links(answers, _family_segments(segments, sessions))
    rows = []
    for row, codes in zip(answers.itertuples(), links):
        result = check(row.raw)
        rows.append({"family_id": row.family_id, "item": row.item,
                     "answer": result.clean_text if result.safe else pd.NA,
                     "safe": bool(result.safe),
                     "n_replacements": len(getattr(result, "findings", ())),
                     "code_paths": "; ".join(codes) if codes else pd.NA, "n_codes": len(codes)})
    table = pd.DataFrame(rows, columns=OPEN_COLUMNS)
    table.attrs.update(n_answers=total, n_unchecked=total - len(answers))
    return table


def open_answers_review(responses: pd.DataFrame, items: pd.DataFrame, *,
                        check: Callable | None = None,
                        limit: int | None = OPEN_ANSWERS_LIMIT) -> pd.DataFrame:
    """Internal review table of open answers still unsafe after replacement (never publish).

    Columns ``family_id, item, clean_text, reasons``; ``limit`` as in :func:`open_answers`.
    """
    if check is None:
        from analysis.privacy import check_quote as check
    rows = []
    for row in _open_long(responses, items, limit)[0].itertuples():
        result = check(row.raw)
        if not result.safe:
            rows.append({"family_id": row.family_id, "item": row.item,
                         "clean_text": result.clean_text, "reasons": "; ".join(result.reasons)})
    return pd.DataFrame(rows, columns=["family_id", "item", "clean_text", "reasons"])


def _open_long(responses: pd.DataFrame, items: pd.DataFrame,
               limit: int | None = None) -> tuple[pd.DataFrame, int]:
    """Non-empty open answers (``family_id, item, raw``), item by item in file order, at most
    ``limit`` per item; and the number of non-empty answers in all."""
    items = check_items(items, responses)
    if "family_id" not in responses.columns:
        raise DataError(f"{SURVEY_FILE} lacks column 'family_id'; expected family_id, date and "
                        "one column per item", [Problem(SURVEY_FILE, 1, "family_id", None,
                                                        "this column")])
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a whole number of at least 1 or None; got {limit!r}")
    parts, total = [], 0
    family = responses["family_id"].astype(str)
    for item in items.loc[items["type"] == "text", "item"]:
        values = responses[item]
        text = values.map(lambda v: "" if _missing(v) else str(v).strip())
        present = text.ne("").to_numpy()
        total += int(present.sum())
        part = pd.DataFrame({"family_id": family[present].to_numpy(), "item": item,
                             "raw": text[present].to_numpy()})
        parts.append(part if limit is None else part.head(limit))
    long = pd.concat(parts, ignore_index=True) if parts else None
    if long is None or long.empty:
        long = pd.DataFrame(columns=["family_id", "item", "raw"])
    return long, total


def _family_segments(segments, sessions) -> pd.DataFrame:
    if segments is None or sessions is None or segments.empty:
        return pd.DataFrame(columns=["participant", "code_path", "text"])
    open_sessions = sessions.loc[sessions["session_type"] == "survey_open", "session_id"]
    chosen = segments[segments["session_id"].astype(str).isin(open_sessions.astype(str))]
    return chosen.dropna(subset=["participant"])[["participant", "code_path", "text"]]


def _code_links(answers: pd.DataFrame, coded: pd.DataFrame) -> list[list[str]]:
    """Sorted code paths linked to each answer (see :func:`open_answers` for the rule)."""
    by_family = {str(k): g for k, g in coded.groupby(coded["participant"].astype(str), sort=False)}
    answered = answers["family_id"].value_counts()
    links = []
    for row in answers.itertuples():
        own = by_family.get(row.family_id)
        if own is None:
            links.append([])
            continue
        if answered[row.family_id] > 1:
            answer = _plain(row.raw)
            own = own[own["text"].map(lambda t: isinstance(t, str) and _plain(t) in answer)]
        links.append(sorted(set(own["code_path"].astype(str))))
    return links


def _plain(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _number_text(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.number)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _likert_value(value) -> int | None:
    if _missing(value):
        return None
    text = re.sub(r"\s+", " ", _number_text(value).strip().lower())
    if re.fullmatch(r"[1-5](?:[.,]0+)?", text):
        return int(text[0])
    return _LIKERT_ALIASES.get(text)


def _raise_bad(values: pd.Series, bad: pd.Series, item: str, expected: str) -> None:
    if not bad.any():
        return
    problems = [Problem(SURVEY_FILE, int(i) + 2 if isinstance(i, (int, np.integer)) else None,
                        item or str(values.name), str(values[i]), expected)
                for i in values.index[bad.to_numpy()]]
    raise DataError(f"{len(problems)} answer(s) to item {item or values.name!r} cannot be read:\n"
                    + "\n".join(p.format() for p in problems), problems)


@returns_key_numbers
def survey_key_numbers(responses: pd.DataFrame | None,
                       items: pd.DataFrame | None) -> dict[str, int | None]:
    """Key numbers of the parent survey: respondents and items per answer type.

    Returns
    -------
    dict
        ``parent_survey_n`` (distinct families that answered) and
        ``parent_survey_<type>_items_n`` for every answer type of :data:`ITEM_TYPES`
        (``likert5``, ``yesno``, ``text``); all None when the cohort has no survey.
    """
    numbers: dict[str, int | None] = {"parent_survey_n": None}
    numbers.update({f"parent_survey_{kind}_items_n": None for kind in ITEM_TYPES})
    if responses is None or items is None:
        return numbers
    numbers["parent_survey_n"] = int(responses["family_id"].nunique())
    kinds = items["type"].astype(str).value_counts()
    numbers.update({f"parent_survey_{kind}_items_n": int(kinds.get(kind, 0)) for kind in ITEM_TYPES})
    return numbers
