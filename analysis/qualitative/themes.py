"""Qualitative findings from coded segments: themes, frequencies, co-occurrence, quotes.

Input is the segments table of :mod:`analysis.qualitative.qda` (one row per coding) and, where groups
matter, ``coding/sessions.csv`` (``session_id, session_type, group, date, n_participants``).
Everything here counts; nothing tests. Double-coded material is counted once: the counting
functions use :func:`primary_coding`, agreement is in :mod:`analysis.qualitative.agreement`.

The themes are the cohort's own: the codes of its code tree at one level (1, the top-level
codes, unless ``cohort.yaml`` sets ``theme_level``), never a list held by the package
(:func:`theme_of`, :func:`cohort_themes`).
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd

from analysis.origin import returns_key_numbers
from analysis.qualitative.qda import CODE_SEPARATOR, codes_at_level  # noqa: F401  (re-exported)

UNKNOWN_GROUP: str = "unknown"
"""``session_type``/``group`` of a session missing from ``sessions.csv``."""
QUOTE_COLUMNS: list[str] = ["theme", "rank", "session_id", "segment_id", "quote", "n_chars",
                            "n_replacements"]
REVIEW_COLUMNS: list[str] = ["theme", "session_id", "segment_id", "clean_text", "reasons"]


def theme_of(code_path: str, level: int = 1) -> str:
    """The theme of a code: its path cut to ``level`` levels of the cohort's own code tree.

    >>> theme_of("Risico's / uitdagingen > Wachtlijsten"), theme_of("Opbrengsten > Rust", 2)
    ("Risico's / uitdagingen", 'Opbrengsten > Rust')
    """
    if level < 1:
        raise ValueError(f"level must be a whole number >= 1; got {level!r}")
    return CODE_SEPARATOR.join(str(code_path).split(CODE_SEPARATOR)[:level]).strip()


def cohort_themes(segments: pd.DataFrame, *, level: int = 1) -> list[str]:
    """The cohort's themes: its codes at ``level``, most segments first (ties by name).

    Counts use :func:`primary_coding`; a code that no segment uses is not a theme of the data.

    >>> seg = pd.DataFrame({"session_id": ["S", "S", "S"], "segment_id": ["1", "2", "3"],
    ...                     "coder": "A", "code_path": ["B > x", "A", "B > y"]})
    >>> cohort_themes(seg)
    ['B', 'A']
    """
    data = primary_coding(segments)
    if data.empty:
        return []
    theme = data["code_path"].map(lambda p: theme_of(p, level))
    n = data.assign(theme=theme).drop_duplicates(["theme", "session_id", "segment_id"]) \
        .groupby("theme").size()
    return sorted(n.index, key=lambda t: (-int(n[t]), t))


def primary_coding(segments: pd.DataFrame) -> pd.DataFrame:
    """Segments with one coder per segment: for double-coded segments the primary coder's rows.

    The primary coder of a segment is, among its coders, the one who coded most segments in
    the whole table (ties: alphabetical). Single-coded segments are kept as they are.
    """
    keys = ["session_id", "segment_id"]
    coded = segments.dropna(subset=keys + ["code_path"])
    per_coder = coded.drop_duplicates(keys + ["coder"]).groupby("coder", dropna=False).size()
    rank = {c: i for i, c in enumerate(sorted(per_coder.index, key=lambda c: (-per_coder[c],
                                                                             str(c))))}
    order = coded["coder"].map(rank)
    best = order.groupby([coded["session_id"], coded["segment_id"]]).transform("min")
    return coded[order == best].reset_index(drop=True)


def theme_hierarchy(segments: pd.DataFrame) -> pd.DataFrame:
    """The code tree with counts, one row per node (parents included), depth first.

    Top levels in the order of :func:`cohort_themes` (most segments first), children
    alphabetically under their parent: the cohort's own tree, whatever its codes.

    Returns
    -------
    DataFrame
        ``code_path, parent_path, depth, level_1 ... level_k`` (k = deepest level),
        ``n_codings`` (codings with exactly this code), ``n_segments`` (segments coded with
        this code or a descendant), ``n_sessions`` (sessions with such a segment). Counts use
        :func:`primary_coding`.
    """
    data = primary_coding(segments)
    parts = data["code_path"].str.split(CODE_SEPARATOR)
    depth = int(parts.map(len).max()) if len(data) else 0
    rows = []
    rank = {t: i for i, t in enumerate(cohort_themes(segments))}
    nodes = sorted({tuple(p[:i]) for p in parts for i in range(1, len(p) + 1)},
                   key=lambda n: (rank.get(n[0], len(rank)), n))
    for node in nodes:
        path = CODE_SEPARATOR.join(node)
        below = data[(data["code_path"] == path) | data["code_path"].str.startswith(
            path + CODE_SEPARATOR)]
        row = {"code_path": path, "parent_path": CODE_SEPARATOR.join(node[:-1]) or None,
               "depth": len(node)}
        row.update({f"level_{i + 1}": node[i] if i < len(node) else None for i in range(depth)})
        row.update({"n_codings": int((data["code_path"] == path).sum()),
                    "n_segments": below[["session_id", "segment_id"]].drop_duplicates().shape[0],
                    "n_sessions": below["session_id"].nunique()})
        rows.append(row)
    columns = (["code_path", "parent_path", "depth"] + [f"level_{i + 1}" for i in range(depth)]
               + ["n_codings", "n_segments", "n_sessions"])
    return pd.DataFrame(rows, columns=columns)


def attach_sessions(segments: pd.DataFrame, sessions: pd.DataFrame | None) -> pd.DataFrame:
    """Segments with ``session_type``, ``group`` and ``n_participants`` of their session.

    Sessions missing from ``sessions`` get :data:`UNKNOWN_GROUP` as type and group; so do all
    segments when ``sessions`` is None (a cohort without ``coding/sessions.csv``).
    """
    if sessions is None:
        sessions = pd.DataFrame({c: pd.Series(dtype=object) for c in ("session_id", "session_type",
                                                                     "group")})
    missing = [c for c in ("session_id", "session_type", "group") if c not in sessions.columns]
    if missing:
        raise ValueError(f"sessions lacks column(s) {missing}; expected session_id, session_type,"
                         " group (coding/sessions.csv)")
    info = sessions.drop_duplicates("session_id").copy()
    info["session_id"] = info["session_id"].astype(str)
    keep = [c for c in ("session_id", "session_type", "group", "n_participants") if c in info]
    out = segments.assign(session_id=segments["session_id"].astype(str)).merge(
        info[keep], on="session_id", how="left")
    out[["session_type", "group"]] = out[["session_type", "group"]].astype(object).fillna(
        UNKNOWN_GROUP)
    return out


def code_frequencies(segments: pd.DataFrame, sessions: pd.DataFrame, *, by: str = "group",
                     level: int | None = None) -> pd.DataFrame:
    """How often each code occurs per group (or session type): segments, sessions, participants.

    Parameters
    ----------
    by : {"group", "session_type"}
    level : int, optional
        Count codes cut to this many levels (1 = themes).

    Returns
    -------
    DataFrame
        ``code_path, <by>, n_segments`` (distinct segments), ``n_sessions`` (sessions with the
        code), ``n_participants`` (distinct session x participant pairs mentioning the code;
        segments without a participant are not counted), ``sessions_in_group`` (sessions of
        that group with any coding). Counts use :func:`primary_coding`; no zero rows.
    """
    if by not in ("group", "session_type"):
        raise ValueError(f"by must be 'group' or 'session_type'; got {by!r}")
    data = attach_sessions(primary_coding(segments), sessions)
    data["code_path"] = codes_at_level(data["code_path"], level)
    keys = ["code_path", by]
    out = pd.concat({
        "n_segments": data.drop_duplicates(keys + ["session_id", "segment_id"])
        .groupby(keys).size(),
        "n_sessions": data.groupby(keys)["session_id"].nunique(),
        "n_participants": data.dropna(subset=["participant"])
        .drop_duplicates(keys + ["session_id", "participant"]).groupby(keys).size(),
    }, axis=1).fillna(0).astype(int).reset_index()
    totals = data.groupby(by)["session_id"].nunique().rename("sessions_in_group")
    return out.merge(totals, on=by, how="left")


def theme_matrix(segments: pd.DataFrame, sessions: pd.DataFrame, *,
                 by: str = "session_type", level: int = 1) -> pd.DataFrame:
    """The cohort's themes x session type (or group): counts, zeros included.

    Parameters
    ----------
    by : {"session_type", "group"}
    level : int
        Level of the cohort's code tree that holds the themes (1: its top-level codes;
        ``cohort.yaml``: ``theme_level``).

    Returns
    -------
    DataFrame
        ``theme_id`` (the code path at ``level``), ``theme`` (its last level, as a reader sees
        it), ``<by>``, ``n_segments``, ``n_sessions``: every theme of :func:`cohort_themes`
        crossed with every value of ``by`` in the data. Counts, not tests: the sessions are
        few and chosen.
    """
    if by not in ("group", "session_type"):
        raise ValueError(f"by must be 'group' or 'session_type'; got {by!r}")
    data = attach_sessions(primary_coding(segments), sessions)
    data["theme_id"] = data["code_path"].map(lambda p: theme_of(p, level))
    counts = (data.drop_duplicates(["theme_id", by, "session_id", "segment_id"])
              .groupby(["theme_id", by])
              .agg(n_segments=("segment_id", "size"), n_sessions=("session_id", "nunique"))
              .reset_index())
    themes = cohort_themes(segments, level=level)
    grid = pd.MultiIndex.from_product([themes, sorted(data[by].unique())],
                                      names=["theme_id", by]).to_frame(index=False)
    out = grid.merge(counts, on=["theme_id", by], how="left").fillna({"n_segments": 0,
                                                                     "n_sessions": 0})
    out.insert(1, "theme", out["theme_id"].map(lambda t: t.split(CODE_SEPARATOR)[-1]))
    return out.astype({"n_segments": int, "n_sessions": int})


def cooccurrence(segments: pd.DataFrame, *, level: int | None = None,
                 overlap: bool = True) -> pd.DataFrame:
    """Co-occurrence of codes within a segment or overlapping selections.

    A unit is one segment of one coder (after :func:`primary_coding`). With ``overlap``, units
    of the same session and coder whose ``[start, end)`` spans overlap are merged into one unit
    (chains merge transitively); units without positions are never merged.

    Returns
    -------
    DataFrame
        ``code_a, code_b`` (``code_a < code_b``), ``n_a``, ``n_b`` (units with the code),
        ``n_ab`` (units with both) and ``c_coefficient = n_ab / (n_a + n_b - n_ab)``
        (0 = never together, 1 = always; the c-index of ATLAS.ti). Pairs that never co-occur
        are listed with ``n_ab = 0``.
    """
    units = _units(primary_coding(segments), level, overlap)
    codes = sorted({c for unit in units for c in unit})
    n = {c: sum(c in u for u in units) for c in codes}
    rows = []
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            both = sum(a in u and b in u for u in units)
            rows.append({"code_a": a, "code_b": b, "n_a": n[a], "n_b": n[b], "n_ab": both,
                         "c_coefficient": both / (n[a] + n[b] - both)})
    return pd.DataFrame(rows, columns=["code_a", "code_b", "n_a", "n_b", "n_ab",
                                       "c_coefficient"])


def cooccurrence_matrix(table: pd.DataFrame, *, value: str = "c_coefficient") -> pd.DataFrame:
    """Square, symmetric matrix from :func:`cooccurrence`; diagonal 1 (c) or ``n_a`` (n_ab)."""
    codes = sorted(set(table["code_a"]) | set(table["code_b"]))
    matrix = pd.DataFrame(0.0, index=codes, columns=codes)
    for row in table.itertuples():
        matrix.loc[row.code_a, row.code_b] = matrix.loc[row.code_b, row.code_a] = getattr(row,
                                                                                          value)
    diagonal = {}
    for row in table.itertuples():
        diagonal[row.code_a], diagonal[row.code_b] = row.n_a, row.n_b
    for code in codes:
        matrix.loc[code, code] = 1.0 if value == "c_coefficient" else diagonal.get(code, 0)
    return matrix


def pick_quotes(segments: pd.DataFrame, *, per_theme: int = 3, seed: int = 2023,
                level: int = 1, length: tuple[int, int] = (60, 320),
                check: Callable | None = None) -> pd.DataFrame:
    """Illustrative quotes per theme, de-identified; deterministic for a given ``seed``.

    Candidates are the segment texts of each theme (code cut to ``level``; one per segment,
    :func:`primary_coding`). They are ordered by closeness of their length to the middle of
    ``length`` (characters; texts outside the range come last), ties broken by a seeded random
    order; quotes from sessions not yet used come first. Each pick passes
    :func:`analysis.privacy.check_quote` (or ``check``); a quote still unsafe after replacement
    is left out (see :func:`quote_review`) and the next candidate taken.

    Returns
    -------
    DataFrame
        Columns :data:`QUOTE_COLUMNS`: ``theme`` (code at ``level``), ``rank`` (1..per_theme),
        ``session_id``, ``segment_id``, ``quote`` (the de-identified text), ``n_chars``,
        ``n_replacements`` (identifiers replaced by a bracketed pseudonym).
    """
    published, _ = _select_quotes(segments, per_theme, seed, level, length, check)
    return published


def quote_review(segments: pd.DataFrame, *, per_theme: int = 3, seed: int = 2023,
                 level: int = 1, length: tuple[int, int] = (60, 320),
                 check: Callable | None = None) -> pd.DataFrame:
    """Internal review table of the candidates :func:`pick_quotes` left out as unsafe.

    Never publish it: ``clean_text`` is de-identified as far as the guard could, but the guard
    found it still identifying. Columns :data:`REVIEW_COLUMNS`.
    """
    _, rejected = _select_quotes(segments, per_theme, seed, level, length, check)
    return rejected


def _select_quotes(segments, per_theme, seed, level, length, check):
    if check is None:
        from analysis.privacy import check_quote as check
    if per_theme < 1:
        raise ValueError(f"per_theme must be >= 1; got {per_theme!r}")
    candidates = _quote_candidates(segments, level, length, seed)
    published, rejected = [], []
    for theme, block in candidates.groupby("theme", sort=True):
        seen_segments, seen_sessions = set(), set()
        for fresh_only in (True, False):  # first one quote per session, then any
            for row in block.itertuples():
                picked = sum(p["theme"] == theme for p in published)
                key = (row.session_id, row.segment_id)
                if picked >= per_theme or key in seen_segments or (
                        fresh_only and row.session_id in seen_sessions):
                    continue
                seen_segments.add(key)
                result = check(row.text)
                if result.safe:
                    seen_sessions.add(row.session_id)
                    published.append({"theme": theme, "rank": picked + 1,
                                      "session_id": row.session_id, "segment_id": row.segment_id,
                                      "quote": result.clean_text,
                                      "n_chars": len(result.clean_text),
                                      "n_replacements": len(getattr(result, "findings", ()))})
                else:
                    rejected.append({"theme": theme, "session_id": row.session_id,
                                     "segment_id": row.segment_id,
                                     "clean_text": result.clean_text,
                                     "reasons": "; ".join(result.reasons)})
    return (pd.DataFrame(published, columns=QUOTE_COLUMNS),
            pd.DataFrame(rejected, columns=REVIEW_COLUMNS))


def _quote_candidates(segments: pd.DataFrame, level: int, length: tuple[int, int],
                      seed: int) -> pd.DataFrame:
    low, high = length
    if not 0 <= low < high:
        raise ValueError(f"length must be (low, high) with 0 <= low < high; got {length!r}")
    data = primary_coding(segments).dropna(subset=["text"])
    data = data.assign(theme=codes_at_level(data["code_path"], level),
                       text=data["text"].str.strip())
    data = data[data["text"] != ""].drop_duplicates(["theme", "session_id", "segment_id"])
    data = data.sort_values(["theme", "session_id", "segment_id"]).reset_index(drop=True)
    middle, n_chars = (low + high) / 2, data["text"].str.len()
    outside = (n_chars < low) | (n_chars > high)
    data["penalty"] = outside.astype(int) * 10 + ((n_chars - middle).abs() / middle).round(1)
    data["tiebreak"] = np.random.default_rng(seed).random(len(data))
    return data.sort_values(["theme", "penalty", "tiebreak"])[
        ["theme", "session_id", "segment_id", "text"]]


def _units(data: pd.DataFrame, level: int | None, overlap: bool) -> list[set[str]]:
    data = data.assign(code_path=codes_at_level(data["code_path"], level))
    units = []
    for _, block in data.groupby(["session_id", "coder"], dropna=False, sort=True):
        spans = block.groupby("segment_id").agg(codes=("code_path", set), start=("start", "min"),
                                                end=("end", "max"))
        positioned = spans.dropna(subset=["start", "end"]).sort_values(["start", "end"])
        units += list(spans.loc[spans["start"].isna() | spans["end"].isna(), "codes"])
        if not overlap:
            units += list(positioned["codes"])
            continue
        current, reach = None, None
        for row in positioned.itertuples():
            if current is not None and row.start < reach:
                current |= row.codes
                reach = max(reach, row.end)
            else:
                if current is not None:
                    units.append(current)
                current, reach = set(row.codes), row.end
        if current is not None:
            units.append(current)
    return units


SESSION_FILE: str = "coding/sessions.csv"
"""The contract's file of qualitative sessions, whose categories the key numbers iterate."""


def session_categories(column: str) -> list[str]:
    """The contract's values of ``column`` (``session_type`` or ``group``) of ``coding/sessions.csv``.

    >>> "focus_group" in session_categories("session_type"), "mixed" in session_categories("group")
    (True, True)
    """
    from analysis.data.cohort import load_contract

    for spec in load_contract()["files"][SESSION_FILE]["columns"]:
        if spec["name"] == column:
            return [str(value) for value in spec["values"]]
    raise ValueError(f"the data contract has no column {column!r} in {SESSION_FILE}; expected "
                     "session_type or group")


PARTICIPATION_COLUMNS: list[str] = ["session_type", "group", "sessions", "participations",
                                     "people", "counted_by"]
"""Columns of :func:`participant_counts`."""


def participant_counts(sessions: pd.DataFrame | None,
                       segments: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sessions, participations and people per session type and group: each person once.

    ``participations`` is the sum of ``n_participants`` over the sessions: the same person in
    two sessions counts twice. ``people`` counts each person once, when the data allow it:

    * one session of that type and group: its ``n_participants`` (``counted_by = "session"``);
    * several sessions, each of whose participants all speak in the coded segments (distinct
      ``participant`` pseudonyms of the session equal its ``n_participants``): the distinct
      pseudonyms over those sessions (``counted_by = "pseudonym"``). Pseudonyms are taken to
      name the same person across sessions, as the data contract asks;
    * otherwise unknown (``people`` missing, ``counted_by = ""``): the text then reports
      ``participations`` ("deelnames"), never a number of people.

    Parameters
    ----------
    sessions : DataFrame or None
        ``coding/sessions.csv`` (``session_id, session_type, group, n_participants``).
    segments : DataFrame, optional
        Coded segments with ``session_id`` and ``participant`` (the speaker pseudonym).

    Returns
    -------
    DataFrame
        Columns :data:`PARTICIPATION_COLUMNS`, one row per session type and group present;
        ``sessions`` counts the sessions of that type and group. Empty without sessions.

    Examples
    --------
    >>> sessions = pd.DataFrame({"session_id": ["A", "B"], "session_type": "focus_group",
    ...                          "group": "social_workers", "n_participants": [5, 5]})
    >>> segments = pd.DataFrame({"session_id": list("AAAAABBBBB"),
    ...                          "participant": [f"P{i}" for i in range(5)] * 2})
    >>> row = participant_counts(sessions, segments).iloc[0]
    >>> int(row["participations"]), row["people"], row["counted_by"]
    (10, 5, 'pseudonym')
    >>> participant_counts(sessions)["people"].iloc[0] is None
    True
    """
    if sessions is None or sessions.empty:
        return pd.DataFrame(columns=PARTICIPATION_COLUMNS)
    frame = sessions.assign(session_id=sessions["session_id"].astype(str),
                            session_type=sessions["session_type"].astype(str),
                            group=sessions["group"].astype(str),
                            n_=pd.to_numeric(sessions["n_participants"], errors="coerce"))
    speakers: dict[str, set[str]] = {}
    if segments is not None and not segments.empty and "participant" in segments:
        named = segments.dropna(subset=["participant"])
        for session, who in named.groupby(named["session_id"].astype(str))["participant"]:
            speakers[session] = {str(p).strip() for p in who if str(p).strip()}
    rows = []
    for (session_type, group), block in frame.groupby(["session_type", "group"], sort=False):
        participations = int(block["n_"].fillna(0).sum())
        people, how = None, ""
        if len(block) == 1 and block["n_"].notna().all():
            people, how = int(block["n_"].iloc[0]), "session"
        elif block["n_"].notna().all() and all(
                len(speakers.get(r.session_id, ())) == int(r.n_) for r in block.itertuples()):
            people = len(set().union(*(speakers[s] for s in block["session_id"])))
            how = "pseudonym"
        rows.append({"session_type": session_type, "group": group, "sessions": len(block),
                     "participations": participations, "people": people, "counted_by": how})
    return pd.DataFrame(rows, columns=PARTICIPATION_COLUMNS).astype({"people": object})


@returns_key_numbers
def session_key_numbers(sessions: pd.DataFrame | None, segments: pd.DataFrame | None, *,
                        positive_code: str | None = None,
                        session_types: Iterable[str] | None = None,
                        groups: Iterable[str] | None = None) -> dict[str, int | None]:
    """Sessions and people per session type and group, each person counted once.

    Every key is recorded for every session type and group of the data contract (and any other
    value in ``sessions``), whatever the cohort holds: absent is not an error.

    Parameters
    ----------
    sessions : DataFrame or None
        ``coding/sessions.csv`` (``session_id, session_type, group, n_participants``); None
        when the cohort has no coding.
    segments : DataFrame or None
        Coded segments (:mod:`analysis.qualitative.qda`); only ``session_id`` and ``code_path``
        are used.
    session_types, groups : iterable of str, optional
        Values to record keys for; default the contract's (:func:`session_categories`).

    Returns
    -------
    dict
        ``<session_type>_<group>_n``: people of that group in the sessions of that type, each
        counted once (:func:`participant_counts`), e.g. ``focus_group_social_workers_n``; None
        when the cohort held no such session, has no coding, or the data cannot tell people
        apart. ``<session_type>_<group>_participations_n``: participations (sum of
        ``n_participants``; one person in two sessions counts twice), None for the
        combinations the cohort did not hold (the same names for every cohort). ``<session_type>_sessions_n``: sessions of that
        type (0 when none; None without coding). ``case_study_n``: case-study sessions.
        ``parents_interviewed``: parents interviewed, each once (None when there was none or
        they cannot be told apart); ``parents_positive``: of those interviews, the ones with at
        least one segment coded ``positive_code`` by any coder (None when there was no parent
        interview, when the cohort names no ``positive_code`` (``cohort.yaml``:
        ``positive_parent_code``), or when no segment carries it: its code tree then has no
        such code, and 0 would be a false count).
        ``qualitative_sessions_n``: all sessions (None without coding).
    """
    types = _union(session_types if session_types is not None else session_categories(
        "session_type"), sessions, "session_type")
    kinds = _union(groups if groups is not None else session_categories("group"), sessions,
                   "group")
    counts: dict[str, int | None] = {f"{t}_{g}_n": None for t in types for g in kinds}
    counts.update({f"{t}_{g}_participations_n": None for t in types for g in kinds})
    counts.update({f"{t}_sessions_n": None for t in types})
    counts.update(case_study_n=None, parents_interviewed=None, parents_positive=None,
                  qualitative_sessions_n=None)
    if sessions is None:
        return counts
    for row in participant_counts(sessions, segments).itertuples(index=False):
        counts[f"{row.session_type}_{row.group}_n"] = (None if row.people is None
                                                       else int(row.people))
        counts[f"{row.session_type}_{row.group}_participations_n"] = int(row.participations)
    held = sessions["session_type"].astype(str).value_counts()
    for session_type in types:
        counts[f"{session_type}_sessions_n"] = int(held.get(session_type, 0))
    counts["case_study_n"] = counts.get("case_study_sessions_n", 0)
    counts["qualitative_sessions_n"] = len(sessions)
    interviews = sessions[(sessions["session_type"].astype(str) == "interview")
                          & (sessions["group"].astype(str) == "parents")]
    if interviews.empty:
        return counts
    counts["parents_interviewed"] = counts["interview_parents_n"]
    coded = segments if segments is not None else pd.DataFrame(columns=["session_id", "code_path"])
    if positive_code is None or not (coded["code_path"] == positive_code).any():
        return counts  # the cohort's code tree has no such code: nothing to count, not zero
    positive = coded[(coded["code_path"] == positive_code)
                     & coded["session_id"].astype(str).isin(set(interviews["session_id"].astype(str)))]
    counts["parents_positive"] = int(positive["session_id"].nunique())
    return counts


def _union(values: Iterable[str], sessions: pd.DataFrame | None, column: str) -> list[str]:
    """``values`` followed by any other value of ``sessions[column]``, each once."""
    found = [] if sessions is None else sorted(sessions[column].dropna().astype(str).unique())
    return list(dict.fromkeys([*map(str, values), *found]))


@returns_key_numbers
def coding_key_numbers(segments: pd.DataFrame, sessions: pd.DataFrame | None, *,
                       agreement: pd.DataFrame | None, quotes: pd.DataFrame,
                       withheld: pd.DataFrame) -> dict[str, int | float | str | None]:
    """Key numbers of the coded material: segments, agreement between coders, quotes.

    Parameters
    ----------
    segments, sessions : DataFrame
        Coded segments and ``coding/sessions.csv`` (None when absent).
    agreement : DataFrame or None
        :func:`analysis.qualitative.agreement.agreement_summary` (None without coding).
    quotes, withheld : DataFrame
        :func:`pick_quotes` and :func:`quote_review`.

    Returns
    -------
    dict
        ``segments_n`` (distinct segments), ``quotes_n``, ``quotes_withheld_n``,
        ``agreement_double_coded_n`` (counts; None when the cohort has no coding at all),
        ``agreement_share_double_coded`` (0-1), ``agreement_alpha`` (Krippendorff's alpha;
        None when nothing is double coded), ``agreement_reliability`` and its Dutch wording
        ``agreement_reliability_nl`` (the label of the point estimate; None without coding),
        ``agreement_alpha_ci_low``, ``agreement_alpha_ci_high`` (95% bootstrap interval) and
        ``agreement_verdict``, ``agreement_verdict_nl`` (what that interval allows one to say,
        :func:`analysis.qualitative.agreement.alpha_verdict`).
    """
    from analysis.qualitative.agreement import RELIABILITY_LABELS_NL, VERDICTS_NL

    numbers: dict[str, int | float | str | None] = dict.fromkeys((
        "segments_n", "quotes_n", "quotes_withheld_n", "agreement_double_coded_n",
        "agreement_share_double_coded", "agreement_alpha", "agreement_reliability",
        "agreement_reliability_nl", "agreement_alpha_ci_low", "agreement_alpha_ci_high",
        "agreement_verdict", "agreement_verdict_nl"))
    if segments.empty and sessions is None:
        return numbers
    numbers.update(segments_n=int(segments[["session_id", "segment_id"]].drop_duplicates().shape[0]),
                   quotes_n=len(quotes), quotes_withheld_n=len(withheld))
    if agreement is None or agreement.empty:
        return numbers
    row = agreement.iloc[0]
    label = str(row["reliability"])
    numbers.update(agreement_alpha=_finite(row["statistic"]),
                   agreement_reliability=label,
                   agreement_reliability_nl=RELIABILITY_LABELS_NL.get(label, label),
                   agreement_share_double_coded=_finite(row["share_double_coded"]),
                   agreement_double_coded_n=int(row["n_double_coded"]))
    if "verdict" in row.index and _finite(row["statistic"]) is not None:
        numbers.update(agreement_alpha_ci_low=_finite(row["ci_low"]),
                       agreement_alpha_ci_high=_finite(row["ci_high"]),
                       agreement_verdict=str(row["verdict"]),
                       agreement_verdict_nl=VERDICTS_NL.get(str(row["verdict"]),
                                                            str(row["verdict"])))
    return numbers


def _finite(value) -> float | None:
    """``value`` as a float; None when missing or not finite (key numbers have no NaN)."""
    value = float(value) if value is not None and pd.notna(value) else None
    return value if value is not None and np.isfinite(value) else None
