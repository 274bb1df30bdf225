"""Figures of the questionnaire strand: SDQ T0 -> T1 per family, Jacobson-Truax plot, band
transitions and ARI-CP profiles with the national reference for disorganized attachment.

Inputs are the tidy tables other modules produce:

``scores``
    One row per family x timepoint: ``family_id``, ``timepoint`` (``T0``, ``T1``, ``T2``) and
    score columns ``<instrument>_<scale>`` (``sdq_emotional``, ``sdq_total``,
    ``ari_cp_disorganized``); optionally ``<instrument>_<scale>_elevated`` from scoring.
``change``
    One row per family x scale: ``family_id, instrument, scale, t0, t1, change, rci,
    change_class`` (``improved`` / ``unchanged`` / ``deteriorated``),
    ``reliable_change_threshold`` (the change in score points needed for reliable change),
    ``t0_band, t1_band, t0_elevated, t1_elevated, clinically_significant``.

Labels, band order and cut-offs come from the instrument definitions
(``analysis/definitions/instruments/*.yaml``), so a new norm or key changes the figures without code.
Every function returns a :class:`~analysis.report.figures.drawn.Drawn`: the Figure (Dutch text,
colour-blind safe Okabe-Ito colours) and the table behind its marks (a line or point per family
is ``individual``; bars, cells and means count the children behind them). Nothing is saved and
no synthetic-data banner is stamped here. The band transitions and the ARI-CP profile are
redrawn for publication with small groups hidden (:func:`redraw_band_transitions`,
:func:`redraw_ari_cp_profile`); the figures of one line or point per family never are.

Size rules: :func:`scale_lines_figure` draws one line per family up to :data:`LINES_MAX`
families and medians with quantile bands above; :func:`jacobson_truax_figure` draws one marker
per family up to the same number and above it one marker per distinct (T0, T1) score pair
whose area grows with the number of families there (scores take few values, so the figure
and its SVG stay the same size however large the cohort); :func:`stress_attachment_figure`
switches from points to hexagonal bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from analysis.errors import ConfigError
from analysis.questionnaires import forms as _forms
from analysis.questionnaires.instruments import load_instrument
from analysis.report.figures import _questionnaire_marks as qm
from analysis.report.figures.drawn import Drawn, mark, marks_frame
from analysis.report.figures.style import (
    CHANGE_COLOURS,
    OKABE_ITO,
    PALETTE,
    TIMEPOINT_COLOURS,
    draw_count_grid,
    dutch_figure,
    figure_style,
    format_nl,
    suppression_note,
)
from analysis.stats.intervals import exact_interval

LINES_MAX: int = 200
"""Up to this many families: one line (or marker) per family; above: aggregated forms."""

NJI_DISORGANIZED_SHARE: float = 0.15
"""National reference: about 15% of all children aged 1-12 in the Netherlands have a
disorganized attachment relationship (Nederlands Jeugdinstituut, as cited in the handreiking,
Sociale Teams Helmond 2024, "Effecten integrale samenwerking"). A share of CHILDREN from another
measurement, not an ARI-CP norm: shown only as an external reference line."""

CHANGE_LABELS_NL: dict[str, str] = {"improved": "Betrouwbaar verbeterd",
                                    "unchanged": "Geen betrouwbare verandering",
                                    "deteriorated": "Betrouwbaar verslechterd"}
TIMEPOINT_LABELS_NL: dict[str, str] = {"T0": "Begin (T0)", "T1": "Eind (T1)",
                                       "T2": "Follow-up (T2)"}
_BAND_COLOURS = [OKABE_ITO["bluish_green"], OKABE_ITO["orange"], OKABE_ITO["vermillion"],
                 OKABE_ITO["reddish_purple"]]  # least to most concerning
_UNKNOWN_BAND = "onbekend"


def scale_lines_figure(scores: pd.DataFrame, *, instrument: str = "sdq",
                       scales: Sequence[str] | None = None,
                       timepoints: Sequence[str] = ("T0", "T1"), scheme: str | None = None,
                       lines_max: int = LINES_MAX) -> Drawn:
    """Small multiples of each family's scores from T0 to T1, one panel per scale.

    Parameters
    ----------
    scores : DataFrame
        Scores per family x timepoint (see module docstring).
    instrument : str
        Instrument id (``"sdq"``); columns are ``<instrument>_<scale>``.
    scales : sequence of str, optional
        Scales to draw; default every scale of the definition plus ``total``, where present.
    timepoints : sequence of str
        Timepoints on the x axis, in order.
    scheme : str, optional
        Cut-off scheme for the dashed "verhoogd" line; default the instrument's default.
    lines_max : int
        Above this many families per panel, the panel shows the median with 25-75 and 10-90
        percentile bands instead of one line per family.

    Returns
    -------
    Drawn
        One axes per scale (unused grid cells removed). Only families with a score at every
        timepoint are drawn (paired data); n per panel in its title. Per-family mode: one grey
        line per family plus the median in blue. A dashed line marks where "verhoogd" starts
        (not drawn for age-specific schemes). Marks per panel: every family's line
        (``individual``), the median (and percentile bands) over the panel's n children, and
        the n in the title.
    """
    definition, name, one_form = _definition_for(instrument, scores)
    scales = list(scales) if scales is not None else [
        s for s in [*definition.scales, "total"] if f"{instrument}_{s}" in scores.columns]
    if not scales:
        raise ValueError(f"scale_lines_figure: no {instrument}_<scale> columns in scores; "
                         f"present: {list(scores.columns)}")
    ncols = min(3, len(scales))
    nrows = int(np.ceil(len(scales) / ncols))
    with figure_style():
        fig = Figure(figsize=(3.4 * ncols, 2.9 * nrows + 0.4), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
        aggregated = False
        rows: list[dict] = []
        for ax, scale in zip(axes, scales):
            wide = _paired(scores, f"{instrument}_{scale}", timepoints)
            aggregated |= len(wide) > lines_max
            _draw_scale_lines(ax, wide, lines_max)
            _draw_boundary(ax, _elevation_boundary(definition, scale, scheme) if one_form
                           else None, scale in definition.higher_is_worse)
            ax.set_title(f"{_scale_label(definition, scale)} (n = {len(wide)})", fontsize=9.5)
            rows += qm.line_marks(wide, _scale_label(definition, scale), lines_max)
            ax.set_xticks(range(len(timepoints)),
                          [TIMEPOINT_LABELS_NL.get(t, t) for t in timepoints])
            ax.set_ylabel("Score")
        for ax in axes[len(scales):]:
            fig.delaxes(ax)
        axes[0].legend(loc="upper right", fontsize=7, framealpha=0.85, edgecolor="none")
        what = "mediaan en spreiding" if aggregated else "scores per gezin"
        fig.suptitle(f"{name}: {what} van begin tot eind")
        _placeholder_note(fig, definition, scheme)
    return Drawn(dutch_figure(fig), marks_frame(rows))


def jacobson_truax_figure(change: pd.DataFrame, *, instrument: str = "sdq",
                          scales: Sequence[str] = ("total",), scheme: str | None = None,
                          markers_max: int = LINES_MAX) -> Drawn:
    """Jacobson-Truax plot: T0 against T1 per family, coloured by reliable-change class.

    Drawn per scale: the no-change diagonal ``T1 = T0``; the band ``T0 - threshold <= T1 <=
    T0 + threshold`` in which change is not reliable (``reliable_change_threshold`` of the
    change table, in score points: criterion x S_diff, Jacobson & Truax 1991, J Consult Clin
    Psychol 59:12-19, doi:10.1037/0022-006X.59.1.12); the cut-off where "verhoogd" starts as a
    vertical (T0) and horizontal (T1) line; points coloured by ``change_class`` with
    :data:`analysis.report.figures.style.CHANGE_COLOURS`.

    Returns
    -------
    Drawn
        One axes per scale. No band when the threshold is missing (no reliable-change
        parameters, e.g. the ARI-CP placeholder key); the median is used, and said, when the
        threshold differs between families. Above ``markers_max`` families, families with the
        same T0 and T1 (and class) share one translucent marker whose area grows with their
        number. Families without a ``change_class`` (no RCI) are drawn as hollow black
        markers. Marks: every family's point (``individual``) or, aggregated, every shared
        marker with its number of children; the count per class in the legend and the n in
        the title.
    """
    definition, name, one_form = _definition_for(instrument, change)
    with figure_style():
        fig = Figure(figsize=(max(7.0, 5.8 * len(scales)), 4.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(scales)))
        marks: list[dict] = []
        for ax, scale in zip(axes, scales):
            rows = _change_rows(change, instrument, scale).dropna(subset=["t0", "t1"])
            _draw_jacobson_truax(ax, rows, _elevation_boundary(definition, scale, scheme)
                                 if one_form else None, scale in definition.higher_is_worse,
                                 markers_max)
            ax.set_title(f"{_scale_label(definition, scale)} (n = {len(rows)})", fontsize=10)
            marks += qm.jacobson_truax_marks(rows, _scale_label(definition, scale), markers_max,
                                             CHANGE_LABELS_NL)
        fig.suptitle(f"{name}: betrouwbare verandering per gezin")
        _placeholder_note(fig, definition, scheme)
    return Drawn(dutch_figure(fig), marks_frame(marks))


def band_transitions_figure(change: pd.DataFrame, *, instrument: str = "sdq",
                            scales: Sequence[str] = ("total",),
                            scheme: str | None = None) -> Drawn:
    """Band at T0 against band at T1: stacked bars of families per band pair.

    Returns
    -------
    Drawn
        One axes per scale: one bar per T0 band (least to most concerning, Dutch band labels
        of the cut-off scheme), stacked by T1 band, each segment labelled with its count.
        Families without a band at T0 or T1 are grouped as "onbekend". Marks: every segment,
        the height of every bar (the sum of its segments), the n in the title (the sum of the
        bars) and the "verhoogd" counts of the note with what they add up to. Redrawn for
        publication by :func:`redraw_band_transitions`.
    """
    definition, name, _ = _definition_for(instrument, change)
    with figure_style():
        fig = Figure(figsize=(max(6.5, 4.4 * len(scales)), 3.9), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(scales)))
        marks: list[dict] = []
        for ax, scale in zip(axes, scales):
            rows = _change_rows(change, instrument, scale)
            bands, labels = _band_order(definition, scheme, rows)
            counts = _transition_counts(rows, bands)
            _draw_transitions(ax, counts, labels)
            _note_elevated(ax, rows)
            ax.set_title(f"{_scale_label(definition, scale)} (n = {len(rows)})", fontsize=10)
            marks += qm.transition_marks(rows, counts, labels, _scale_label(definition, scale),
                                         _elevated_bands(definition, scheme))
        fig.suptitle(f"{name}: van band bij begin naar band bij eind")
        _placeholder_note(fig, definition, scheme)
    return Drawn(dutch_figure(fig), marks_frame(marks),
                 "analysis.report.figures.questionnaires:redraw_band_transitions")


def ari_cp_profile_figure(scores: pd.DataFrame, *, instrument: str = "ari_cp",
                          timepoints: Sequence[str] = ("T0", "T1"), paired: bool = True,
                          reference: float | None = NJI_DISORGANIZED_SHARE,
                          reference_scale: str = "disorganized", scheme: str | None = None,
                          placeholder: bool | None = None, confidence: float = 0.95) -> Drawn:
    """ARI-CP scale means at T0 and T1, and the share high on disorganized vs the NJi 15%.

    Parameters
    ----------
    scores : DataFrame
        Scores per family x timepoint with ``ari_cp_<scale>`` columns (item means, 1-5).
    paired : bool
        Only families with a score at every timepoint (the analysis set), as in the report.
    reference : float or None
        External reference share for ``reference_scale`` (default :data:`NJI_DISORGANIZED_SHARE`);
        None draws no line.
    placeholder : bool, optional
        Whether to print the placeholder warning; default from the instrument definition
        (``placeholder: true``) or its cut-off scheme.
    confidence : float
        Level of the mean intervals (t) and the share intervals (Clopper-Pearson).

    Returns
    -------
    Drawn
        Two axes. Left: mean per scale with t-interval, one marker per timepoint. Right: share
        of families "high" on ``reference_scale`` per timepoint with exact interval, and the
        reference as a dashed line labelled "externe referentie". "High" is the scoring
        module's ``<column>_elevated`` when present, else score >= the scheme's "high" bound.
        A note at the bottom when the key or the threshold is a placeholder. Marks: every
        mean (over its n children), the n per timepoint in the legend, and per timepoint the
        children high and not high (``k/n`` on the bar) with their n. Redrawn for publication
        by :func:`redraw_ari_cp_profile`.
    """
    definition = load_instrument(instrument)
    profile = _profile_table(scores, definition, timepoints, paired, confidence)
    share = _high_share_table(scores, definition, reference_scale, timepoints, paired, scheme,
                              confidence)
    with figure_style():
        fig = Figure(figsize=(10, 4.2), layout="constrained")
        ax_p, ax_s = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        _draw_profile(ax_p, profile, definition, timepoints)
        _draw_high_share(ax_s, share, reference, _scale_label(definition, reference_scale))
        fig.suptitle(f"{definition.name}: hechtingsprofiel bij begin en eind")
        _placeholder_note(fig, definition, scheme, placeholder)
    marks = qm.profile_marks(profile, share, definition, reference,
                             _scale_label(definition, reference_scale),
                             _is_placeholder(definition, scheme) if placeholder is None
                             else placeholder)
    return Drawn(dutch_figure(fig), marks,
                 "analysis.report.figures.questionnaires:redraw_ari_cp_profile")


# ------------------------------------------------------------------ computing (no drawing)
def _paired(scores: pd.DataFrame, column: str, timepoints: Sequence[str]) -> pd.DataFrame:
    """Wide table family_id x timepoint of ``column``, families with every timepoint only."""
    if column not in scores.columns:
        raise ValueError(f"scores: missing column {column!r}; present: {list(scores.columns)}")
    _check_one_per_family(scores)
    data = scores[scores["timepoint"].astype(str).isin(timepoints)]
    wide = data.pivot(index="family_id", columns="timepoint", values=column)
    wide = wide.reindex(columns=list(timepoints)).apply(pd.to_numeric, errors="coerce")
    return wide.dropna()


def _check_one_per_family(scores: pd.DataFrame) -> None:
    missing = [c for c in ("family_id", "timepoint") if c not in scores.columns]
    if missing:
        raise ValueError(f"scores: missing column(s) {missing}")
    dup = scores.duplicated(subset=["family_id", "timepoint"])
    if dup.any():
        first = scores.loc[dup, ["family_id", "timepoint"]].iloc[0]
        raise ValueError(f"scores: family {first['family_id']} has more than one row at "
                         f"{first['timepoint']}; expected one row per family and timepoint")


def _change_rows(change: pd.DataFrame, instrument: str, scale: str) -> pd.DataFrame:
    needed = ["family_id", "instrument", "scale", "t0", "t1", "change_class",
              "reliable_change_threshold", "t0_band", "t1_band"]
    missing = [c for c in needed if c not in change.columns]
    if missing:
        raise ValueError(f"change: missing column(s) {missing}; expected one row per family x "
                         f"scale with {needed}")
    rows = change[(change["instrument"] == instrument) & (change["scale"] == scale)]
    if rows.empty:
        raise ValueError(f"change: no rows for instrument {instrument!r}, scale {scale!r}; "
                         f"present: {sorted(set(zip(change['instrument'], change['scale'])))}")
    return rows


def _transition_counts(rows: pd.DataFrame, bands: Sequence[str]) -> pd.DataFrame:
    """Counts of families per (T0 band, T1 band); rows = T0 bands, columns = T1 bands."""
    order = list(bands) + [_UNKNOWN_BAND]
    t0 = rows["t0_band"].astype("string").fillna(_UNKNOWN_BAND)
    t1 = rows["t1_band"].astype("string").fillna(_UNKNOWN_BAND)
    table = pd.crosstab(pd.Categorical(t0, order), pd.Categorical(t1, order), dropna=False)
    table = table.reindex(index=order, columns=order, fill_value=0)
    keep_unknown = table.loc[_UNKNOWN_BAND].sum() + table[_UNKNOWN_BAND].sum() > 0
    return table if keep_unknown else table.drop(index=_UNKNOWN_BAND, columns=_UNKNOWN_BAND)


def _profile_table(scores: pd.DataFrame, definition, timepoints: Sequence[str], paired: bool,
                   confidence: float) -> pd.DataFrame:
    """Mean and t-interval per scale x timepoint: scale, timepoint, n, mean, ci_low, ci_high."""
    rows = []
    for scale in definition.scales:
        column = f"{definition.id}_{scale}"
        wide = _wide(scores, column, timepoints, paired)
        for tp in timepoints:
            x = wide[tp].dropna().to_numpy(float)
            rows.append({"scale": scale, "timepoint": tp, "n": len(x),
                         **dict(zip(("mean", "ci_low", "ci_high"), _mean_ci(x, confidence)))})
    return pd.DataFrame(rows)


def _high_share_table(scores: pd.DataFrame, definition, scale: str, timepoints: Sequence[str],
                      paired: bool, scheme: str | None, confidence: float) -> pd.DataFrame:
    """Share high on ``scale`` per timepoint: timepoint, k, n, share, ci_low, ci_high."""
    column = f"{definition.id}_{scale}"
    flag_column = f"{column}_elevated"
    if flag_column in scores.columns:
        flags = scores.assign(_high=scores[flag_column].astype("boolean").astype("Float64"))
    else:
        bound = _elevation_boundary(definition, scale, scheme)
        if bound is None:
            raise ValueError(f"no '{scale}' cut-off in the {definition.id} scheme and no "
                             f"{flag_column} column in scores; cannot tell who scores high")
        value = pd.to_numeric(scores[column], errors="coerce")
        flags = scores.assign(_high=(value >= bound).astype("Float64").where(value.notna()))
    wide = _wide(flags, "_high", timepoints, paired)
    rows = []
    for tp in timepoints:
        x = wide[tp].dropna()
        k, n = int(x.sum()), len(x)
        low, high = exact_interval(k, n, confidence=confidence)
        rows.append({"timepoint": tp, "k": k, "n": n, "share": k / n if n else np.nan,
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def _wide(scores: pd.DataFrame, column: str, timepoints: Sequence[str], paired: bool):
    if paired:
        return _paired(scores, column, timepoints)
    if column not in scores.columns:
        raise ValueError(f"scores: missing column {column!r}; present: {list(scores.columns)}")
    _check_one_per_family(scores)
    data = scores[scores["timepoint"].astype(str).isin(timepoints)]
    wide = data.pivot(index="family_id", columns="timepoint", values=column)
    return wide.reindex(columns=list(timepoints)).apply(pd.to_numeric, errors="coerce")


def _mean_ci(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Mean with Student-t interval ``mean +- t(1-a/2, n-1) * sd / sqrt(n)``; NaN for n < 2."""
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    mean = float(np.mean(x))
    if len(x) < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + confidence / 2, len(x) - 1) * np.std(x, ddof=1) / np.sqrt(len(x))
    return mean, mean - half, mean + half


def _scheme(definition, scheme: str | None):
    """The validated cut-off scheme (:class:`~analysis.questionnaires.instruments.CutoffScheme`)
    that scoring and the chain use, or None when the instrument (or this SDQ form) has none with
    verified thresholds: one definition of "verhoogd" for text, tables and figures."""
    if not (scheme or definition.default_cutoff_scheme):
        return None
    try:
        return definition.scheme(scheme)
    except ConfigError:  # a form without verified thresholds: no band, no line
        return None


def _definition_for(instrument: str, frame: pd.DataFrame):
    """The definition to draw against, the title's name of the forms present in ``frame``, and
    whether one form is present: the one form's own definition (its labels and cut-offs), else
    the instrument's base definition and no single "verhoogd" line."""
    definition = load_instrument(instrument)
    present = _forms.forms_present(frame, definition)
    name = _forms.forms_name_nl(frame, definition)
    if len(present) == 1 and definition.form is not None:
        return definition.form_definition(present[0]), name, True
    return definition, name, len(present) <= 1


def _band_order(definition, scheme: str | None, rows: pd.DataFrame) -> tuple[list, dict]:
    """Bands least to most concerning (scheme's ``bands``, else as found) and Dutch labels.

    The bands that count as "verhoogd" (``CutoffScheme.is_elevated``: from ``elevated_from``
    on, the one definition of elevated that scoring, the chain and the text use) carry
    "(verhoogd)" in their label when there are several, so no bar suggests that one band alone
    is "verhoogd".
    """
    chosen = _scheme(definition, scheme)
    bands = list(chosen.bands) if chosen else []
    found = pd.concat([rows["t0_band"], rows["t1_band"]]).dropna().astype(str).unique()
    bands += sorted(b for b in found if b not in bands)
    labels = {b: str((chosen.band_labels if chosen else {}).get(b, b)) for b in bands}
    elevated = [b for b in bands if chosen and b in chosen.bands and chosen.is_elevated(b)]
    if len(elevated) > 1:  # one elevated band ("hoog") needs no mark
        for band in elevated:
            labels[band] = f"{labels[band]} (verhoogd)"
    return bands, labels | {_UNKNOWN_BAND: _UNKNOWN_BAND}


def _elevation_boundary(definition, scale: str, scheme: str | None) -> float | None:
    """Score where the scheme switches between not elevated and elevated (None: no cut-off).

    Bands are inclusive lower bounds; for a problem scale the line lies at the lower bound of
    ``elevated_from``; for a strength scale (prosocial) at the lower bound of the first band
    that is no longer elevated. Age-specific schemes have no single line.
    """
    chosen = _scheme(definition, scheme)
    if chosen is None or chosen.age_specific or scale not in chosen.groups[0].scales:
        return None
    pairs = chosen.groups[0].scales[scale]
    flags = [band in chosen.bands and chosen.is_elevated(band) for _, band in pairs]
    for i in range(1, len(pairs)):
        if flags[i] != flags[i - 1]:
            return pairs[i][0]
    return None


def _scale_label(definition, scale: str) -> str:
    if scale in definition.scales:
        return definition.scales[scale].label
    composite = (definition.composites or {}).get(scale) or {}
    return str(composite.get("label", scale))


def _is_placeholder(definition, scheme: str | None) -> bool:
    name = scheme or definition.default_cutoff_scheme
    spec = (definition.cutoffs or {}).get(name) if name else None
    return bool(definition.placeholder or (spec if isinstance(spec, dict) else {}).get("placeholder"))


# ------------------------------------------------------------------ drawing
def _placeholder_note(fig: Figure, definition, scheme: str | None,
                      force: bool | None = None) -> None:
    """Warn at the bottom of ``fig`` when the key or cut-off scheme is a placeholder."""
    show = force if force is not None else _is_placeholder(definition, scheme)
    if not show:
        return
    fig.text(0.01, 0.005, f"Let op: de {definition.name}-itemsleutel en/of de grens 'hoog' zijn "
             "voorlopig (placeholder, geen norm); uitkomsten zijn illustratief.",
             fontsize=8, color=OKABE_ITO["vermillion"], ha="left", va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.05, 1, 0.95))


def _draw_scale_lines(ax, wide: pd.DataFrame, lines_max: int) -> None:
    x = np.arange(wide.shape[1])
    if len(wide) <= lines_max:
        for values in wide.to_numpy(float):
            ax.plot(x, values, color=OKABE_ITO["grey"], alpha=0.6, lw=0.9, marker="o", ms=2.5)
    else:
        for (lo, hi), alpha in (((0.10, 0.90), 0.18), ((0.25, 0.75), 0.35)):
            ax.fill_between(x, wide.quantile(lo), wide.quantile(hi), color=OKABE_ITO["blue"],
                            alpha=alpha, lw=0, label=f"P{int(lo * 100)}-P{int(hi * 100)}")
    if len(wide):
        ax.plot(x, wide.median(), color=OKABE_ITO["blue"], lw=2.2, marker="o", label="mediaan")
    ax.set_xlim(-0.25, len(x) - 0.75)


def _draw_boundary(ax, boundary: float | None, higher_is_worse: bool) -> None:
    """Dashed line where "verhoogd" starts, with the rule written at its right end."""
    if boundary is None:
        return
    ax.axhline(boundary, color=OKABE_ITO["vermillion"], ls="--", lw=1,
               label="grens verhoogd (normering)")
    rule = f"verhoogd \u2265 {format_nl(boundary, 0)}" if higher_is_worse \
        else f"zorgelijk < {format_nl(boundary, 0)}"
    ax.annotate(rule, (1.0, boundary), xycoords=("axes fraction", "data"), xytext=(-2, 2),
                textcoords="offset points", ha="right", va="bottom", fontsize=7,
                color=OKABE_ITO["vermillion"])


def _draw_jacobson_truax(ax, rows: pd.DataFrame, boundary: float | None, higher_is_worse: bool,
                         markers_max: int) -> None:
    values = pd.concat([rows["t0"], rows["t1"]]).astype(float)
    lo, hi = (values.min(), values.max()) if len(values) else (0.0, 1.0)
    pad = 0.06 * (hi - lo) if hi > lo else 0.5
    lo, hi = lo - pad, hi + pad
    grid = np.array([lo, hi])
    ax.plot(grid, grid, color=OKABE_ITO["black"], lw=1, label="geen verandering")
    threshold = pd.to_numeric(rows["reliable_change_threshold"], errors="coerce").dropna()
    if len(threshold):
        thr = float(threshold.median())
        varies = " (mediaan)" if threshold.nunique() > 1 else ""
        ax.fill_between(grid, grid - thr, grid + thr, color=OKABE_ITO["grey"], alpha=0.2, lw=0,
                        label=f"geen betrouwbare verandering (± {format_nl(thr, 1)}){varies}")
    else:
        ax.text(0.02, 0.98, "geen grens voor betrouwbare verandering beschikbaar",
                transform=ax.transAxes, fontsize=7, va="top")
    if boundary is not None:
        ax.axvline(boundary, color=OKABE_ITO["vermillion"], ls="--", lw=1,
                   label=f"grens verhoogd ({format_nl(boundary, 0)})")
        ax.axhline(boundary, color=OKABE_ITO["vermillion"], ls="--", lw=1)
    aggregated = len(rows) > markers_max
    for cls, colour in CHANGE_COLOURS.items():
        pts = rows[rows["change_class"] == cls]
        if len(pts):
            _scatter_points(ax, pts, aggregated, color=colour, edgecolor="none",
                            label=f"{CHANGE_LABELS_NL[cls]} ({len(pts)})")
    rest = rows[~rows["change_class"].isin(list(CHANGE_COLOURS))]
    if len(rest):  # no RCI (e.g. no reliability parameters): hollow markers, not a class
        _scatter_points(ax, rest, aggregated, facecolor="none", edgecolor=OKABE_ITO["black"],
                        label=f"geen RCI beschikbaar ({len(rest)})")
    if aggregated:
        ax.text(0.02, 0.02, "oppervlak ~ aantal gezinnen", transform=ax.transAxes, fontsize=7,
                va="bottom", color=OKABE_ITO["black"])
    better = "onder" if higher_is_worse else "boven"
    ax.text(0.98, 0.02, f"verbetering ligt {better} de diagonaal", transform=ax.transAxes,
            ha="right", va="bottom", fontsize=7, color=OKABE_ITO["black"])
    ax.set(xlim=(lo, hi), ylim=(lo, hi), aspect="equal", xlabel="Score begin (T0)",
           ylabel="Score eind (T1)")
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))


def _scatter_points(ax, pts: pd.DataFrame, aggregated: bool, **style) -> None:
    """One marker per family, or (aggregated) one per distinct (T0, T1) with area ~ count."""
    if not aggregated:
        ax.scatter(pts["t0"], pts["t1"], s=28, alpha=0.9, zorder=3, **style)
        return
    counts = pts.groupby(["t0", "t1"]).size().reset_index(name="n")
    area = 4 + 120 * counts["n"] / counts["n"].max()
    ax.scatter(counts["t0"], counts["t1"], s=area, alpha=0.6, zorder=3, **style)


def _draw_transitions(ax, counts: pd.DataFrame, labels: dict[str, str]) -> None:
    x = np.arange(len(counts.index))
    bottom = np.zeros(len(x))
    colours = _band_colours([b for b in counts.columns if b != _UNKNOWN_BAND])
    for band in counts.columns:
        heights = counts[band].to_numpy(float)
        colour = colours.get(band, OKABE_ITO["grey"])
        bars = ax.bar(x, heights, bottom=bottom, color=colour, label=labels.get(band, band),
                      edgecolor="white")
        ax.bar_label(bars, labels=[str(int(h)) if h else "" for h in heights],
                     label_type="center", fontsize=8)
        bottom += heights
    ax.set_xticks(x, [labels.get(b, b) for b in counts.index])
    ax.set(xlabel="Band bij begin (T0)", ylabel="Aantal gezinnen")
    ax.legend(title="Band bij eind (T1)", frameon=False, fontsize=8, title_fontsize=8)


def _note_elevated(ax, rows: pd.DataFrame) -> None:
    """How many families are "verhoogd" at T0 and T1 (the flags scoring set from the scheme's
    ``elevated_from``: the same count as the text and the chain)."""
    parts = []
    for moment, column in (("begin", "t0_elevated"), ("eind", "t1_elevated")):
        if column not in rows.columns:
            return
        known = rows[column].dropna()
        parts.append(f"{moment} {int(known.astype(bool).sum())} van {len(known)}")
    ax.text(0.01, 0.99, "verhoogd: " + ", ".join(parts), transform=ax.transAxes, fontsize=7,
            va="top")


def _band_colours(bands: Sequence[str]) -> dict[str, str]:
    """Green (least concerning) to vermillion (most); purple for a fourth band and beyond."""
    picks = {1: [0], 2: [0, 2], 3: [0, 1, 2]}.get(len(bands), list(range(len(bands))))
    return {b: _BAND_COLOURS[min(i, len(_BAND_COLOURS) - 1)] for b, i in zip(bands, picks)}


def _draw_profile(ax, profile: pd.DataFrame, definition, timepoints: Sequence[str]) -> None:
    scales = list(definition.scales)
    width = 0.6 / max(1, len(timepoints))
    for j, tp in enumerate(timepoints):
        part = profile[profile["timepoint"] == tp].set_index("scale").reindex(scales)
        x = np.arange(len(scales)) + (j - (len(timepoints) - 1) / 2) * width
        err = np.vstack([part["mean"] - part["ci_low"], part["ci_high"] - part["mean"]])
        ax.errorbar(x, part["mean"], yerr=np.nan_to_num(err), fmt="o", capsize=3,
                    color=TIMEPOINT_COLOURS.get(tp, OKABE_ITO["black"]),
                    label=f"{TIMEPOINT_LABELS_NL.get(tp, tp)} (n = {int(part['n'].max())})")
    ax.set_xticks(np.arange(len(scales)), [definition.scales[s].label for s in scales])
    ax.set(ylabel="Gemiddelde itemscore (1-5)", title="Schaalgemiddelden met 95%-interval",
           ylim=(definition.response_min, definition.response_max))
    ax.legend(frameon=False, fontsize=8)


def _draw_high_share(ax, share: pd.DataFrame, reference: float | None, label: str) -> None:
    x = np.arange(len(share))
    pct = 100 * share["share"].to_numpy(float)
    err = 100 * np.vstack([share["share"] - share["ci_low"], share["ci_high"] - share["share"]])
    colours = [TIMEPOINT_COLOURS.get(t, OKABE_ITO["blue"]) for t in share["timepoint"]]
    ax.bar(x, np.nan_to_num(pct), color=colours, yerr=np.nan_to_num(err), capsize=4)
    for xi, row in zip(x, share.itertuples()):
        ax.text(xi, 2, f"{row.k}/{row.n}", ha="center", fontsize=8, color="white")
    if reference is not None:
        ax.axhline(100 * reference, color=OKABE_ITO["black"], ls="--", lw=1.2,
                   label=f"Externe referentie NJi: ca. {format_nl(100 * reference, 0)}% van "
                         "kinderen 1-12 jaar\n(gedesorganiseerde gehechtheid; andere meting)")
        ax.legend(frameon=False, fontsize=7, loc="upper right")
    ax.set_xticks(x, [TIMEPOINT_LABELS_NL.get(t, t) for t in share["timepoint"]])
    ax.set(ylim=(0, 100), ylabel="Gezinnen met hoge score (%)",
           title=f"Hoog op {label.lower()}")


def stress_attachment_figure(stress: pd.DataFrame) -> Drawn:
    """Change in parenting stress (x) against change in disorganized attachment (y), per family.

    ``stress`` is the output of :func:`analysis.questionnaires.outcomes.stress_and_attachment` (columns
    ``change_stress``, ``change_attachment``; the Spearman result in ``attrs["spearman"]``).
    Marks: every family's point (``individual``) or, above :data:`LINES_MAX` families, every
    hexagon with its number of families; the n of the Spearman title.
    """
    with figure_style():
        fig = Figure(figsize=(5.5, 4.5), layout="constrained")
        ax = fig.subplots()
        many = len(stress) > LINES_MAX
        if many:
            bins = ax.hexbin(stress["change_stress"], stress["change_attachment"], gridsize=30,
                             cmap="Blues", mincnt=1)
            marks = [mark(f"zeshoek {i + 1}", n, "families", element="cell", x=x, y=y)
                     for i, (n, (x, y)) in enumerate(zip(bins.get_array(), bins.get_offsets()))]
        else:
            ax.scatter(stress["change_stress"], stress["change_attachment"],
                       color=PALETTE[0], alpha=0.8)
            marks = [mark(f"gezin {i + 1}", 1, "families", individual=True, element="point",
                          x=x, y=y) for i, (x, y) in enumerate(zip(stress["change_stress"],
                                                                   stress["change_attachment"]))]
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_xlabel("Verandering ouderlijke stress (T1 - T0)")
        ax.set_ylabel("Verandering gedesorganiseerde hechting (T1 - T0)")
        rho = stress.attrs.get("spearman")
        if rho is not None:
            row = rho.iloc[0]
            ax.set_title(f"Spearman rho = {format_nl(row['statistic'], 2)} "
                         f"(95%-BI {format_nl(row['ci_low'], 2)} tot {format_nl(row['ci_high'], 2)}"
                         f"; n = {int(row['n'])})")
            marks.append(mark("Spearman: n", row["n"], "families", element="text",
                              rho=row["statistic"], ci_low=row["ci_low"], ci_high=row["ci_high"]))
    return Drawn(dutch_figure(fig), marks_frame(marks))


def figure_plan(results, *, scheme: str | None = None) -> list[tuple[str, str, Any]]:
    """The figures notebook 01 saves for ``results``, as far as the cohort's data allow.

    ``results`` is :class:`analysis.questionnaires.outcomes.QuestionnaireResults`. The primary
    instrument (:data:`analysis.questionnaires.outcomes.PRIMARY`) gets its scale lines, the
    Jacobson-Truax plot and the band transitions; the attachment instrument
    (:data:`~analysis.questionnaires.outcomes.ATTACHMENT`) its profile; the stress hypothesis its
    scatter. The primary instrument's figures need at least one family with T0 and T1.
    Figures are drawn only when called, so an absent instrument costs nothing.

    Returns
    -------
    list of (name, Dutch caption, callable returning a Drawn)
    """
    from analysis.questionnaires.outcomes import ATTACHMENT, PRIMARY

    plan: list[tuple[str, str, Any]] = []
    changes = results.changes  # the primary pairs: same SDQ form and informant
    if results.has(PRIMARY) and (changes["instrument"] == PRIMARY).any():  # T0 and T1 pairs
        scores = results.scores[PRIMARY]
        forms = _forms.forms_name_nl(scores, load_instrument(PRIMARY))
        plan += [
            (f"questionnaires_{PRIMARY}_lines",
             f"Schalen van de {forms} per gezin bij begin (T0) en einde (T1) van het traject.",
             lambda: scale_lines_figure(scores, scheme=scheme)),
            (f"questionnaires_{PRIMARY}_jacobson_truax",
             f"Totaalscore van de {forms} bij T0 en T1 per gezin (zelfde formulier en "
             "informant), met de band waarbinnen verandering niet betrouwbaar is en de "
             "afkapwaarde.",
             lambda: jacobson_truax_figure(changes, scheme=scheme)),
            (f"questionnaires_{PRIMARY}_bands",
             f"Verschuiving tussen de banden van de totaalscore van de {forms} van T0 naar T1.",
             lambda: band_transitions_figure(changes, scheme=scheme)),
        ]
    if results.has(ATTACHMENT):
        attachment = results.scores[ATTACHMENT]
        plan.append((f"questionnaires_{ATTACHMENT}_profile",
                     "ARI-CP-schalen bij T0 en T1 en het aandeel hoog op gedesorganiseerd, naast "
                     "de landelijke 15% (NJi) als externe referentie.",
                     lambda: ari_cp_profile_figure(attachment)))
    if results.stress is not None:
        stress = results.stress
        plan.append(("questionnaires_stress_attachment",
                     "Verandering in ouderlijke stress tegen verandering in ervaren "
                     "gedesorganiseerde hechting, per gezin.",
                     lambda: stress_attachment_figure(stress)))
    return plan


def _elevated_bands(definition, scheme: str | None) -> list[str]:
    chosen = _scheme(definition, scheme)
    return [b for b in chosen.bands if chosen.is_elevated(b)] if chosen else []


# ------------------------------------------------------------------ redrawn (publication)
def redraw_band_transitions(marks: pd.DataFrame) -> Drawn:
    """:func:`band_transitions_figure` from a suppressed marks table: per panel a grid of band
    at T0 (rows) x band at T1 (columns) with the bar totals, hidden cells hatched; the title's
    n and the "verhoogd" note as published."""
    panels = list(dict.fromkeys(marks["panel"]))
    with figure_style():
        fig = Figure(figsize=(max(6.5, 4.6 * len(panels)), 4.2), layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(panels)))
        for ax, panel in zip(axes, panels):
            part = marks[marks["panel"] == panel].set_index("mark")
            cells = part[part["element"] == "segment"]
            rows = list(dict.fromkeys(part.loc[part["element"] == "stack", "t0_label"]))
            columns = list(dict.fromkeys(cells["t1_label"]))
            texts = pd.DataFrame("", index=rows, columns=[*columns, "Totaal"])
            hidden = pd.DataFrame(True, index=rows, columns=texts.columns)  # left out: hatched
            for b0 in rows:
                for b1 in texts.columns:
                    name = (f"{panel}: begin {b0}" if b1 == "Totaal"
                            else f"{panel}: {b0} -> {b1}")
                    if name in part.index:
                        texts.loc[b0, b1] = part.at[name, "shown"]
                        hidden.loc[b0, b1] = bool(part.at[name, "hidden"])
            n = part["shown"].get(f"{panel}: n", "")
            draw_count_grid(ax, texts, hidden, row_title="Band bij begin (T0)",
                            column_title="Band bij eind (T1): aantal gezinnen",
                            title=f"{panel} (n = {n})")
            note = [f"{m} {part.at[f'{panel}: {m} verhoogd', 'shown']} van "
                    f"{part.at[f'{panel}: {m} bekend', 'shown']}" for m in ("begin", "eind")
                    if {f"{panel}: {m} verhoogd", f"{panel}: {m} bekend"} <= set(part.index)]
            if note:
                ax.text(0.0, -0.22, "verhoogd: " + ", ".join(note), transform=ax.transAxes,
                        fontsize=7, va="top")
        fig.suptitle("Van band bij begin naar band bij eind")
        suppression_note(fig, marks["shown"])
    return Drawn(dutch_figure(fig), marks.drop(columns=["hidden", "shown"]))


def redraw_ari_cp_profile(marks: pd.DataFrame) -> Drawn:
    """:func:`ari_cp_profile_figure` from a suppressed marks table: hidden means have no point
    but their sign at the scale; a hidden share has no bar, only ``k/n`` as published."""
    definition = load_instrument(str(marks["instrument"].dropna().iloc[0]))
    points = marks[marks["element"] == "point"]
    timepoints = list(dict.fromkeys(points["timepoint"]))
    scales = list(definition.scales)
    with figure_style():
        fig = Figure(figsize=(10, 4.4), layout="constrained")
        ax_p, ax_s = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        width = 0.6 / max(1, len(timepoints))
        for j, tp in enumerate(timepoints):
            part = points[points["timepoint"] == tp].set_index("scale").reindex(scales)
            x = np.arange(len(scales)) + (j - (len(timepoints) - 1) / 2) * width
            colour = TIMEPOINT_COLOURS.get(tp, OKABE_ITO["black"])
            shown = ~part["hidden"].fillna(True).astype(bool).to_numpy()
            mean = part["mean"].astype(float).to_numpy()
            err = np.vstack([mean - part["ci_low"].astype(float), part["ci_high"].astype(float)
                             - mean])
            legend = marks.loc[marks["mark"].str.endswith(f": n {tp}")
                               & (marks["element"] == "legend"), "shown"]
            ax_p.errorbar(x[shown], mean[shown], yerr=np.nan_to_num(err[:, shown]), fmt="o",
                          capsize=3, color=colour, label=f"{TIMEPOINT_LABELS_NL.get(tp, tp)} "
                          f"(n = {legend.iloc[0] if len(legend) else '?'})")
            for xi, sign in zip(x[~shown], part["shown"].to_numpy()[~shown]):
                ax_p.text(xi, definition.response_min + 0.1, str(sign), ha="center",
                          fontsize=7, color=colour)
        ax_p.set_xticks(np.arange(len(scales)), [definition.scales[s].label for s in scales])
        ax_p.set(ylabel="Gemiddelde itemscore (1-5)", title="Schaalgemiddelden met 95%-interval",
                 ylim=(definition.response_min, definition.response_max))
        ax_p.legend(frameon=False, fontsize=8)
        _redraw_high_share(ax_s, marks)
        fig.suptitle(f"{definition.name}: hechtingsprofiel bij begin en eind")
        if bool(marks["placeholder"].fillna(False).astype(bool).any()):
            _placeholder_note(fig, definition, None, True)
        suppression_note(fig, marks["shown"], y=0.045)
    return Drawn(dutch_figure(fig), marks.drop(columns=["hidden", "shown"]))


def _redraw_high_share(ax, marks: pd.DataFrame) -> None:
    bars = marks[marks["element"] == "bar"]
    totals = marks[(marks["element"] == "text")].set_index("timepoint")["shown"]
    x = np.arange(len(bars))
    for xi, row in zip(x, bars.itertuples()):
        colour = TIMEPOINT_COLOURS.get(row.timepoint, OKABE_ITO["blue"])
        if not row.hidden and pd.notna(row.share):
            pct = 100 * float(row.share)
            err = 100 * np.array([[row.share - row.ci_low], [row.ci_high - row.share]], float)
            ax.bar([xi], [pct], color=colour, yerr=np.nan_to_num(err), capsize=4)
        ax.text(xi, 2, f"{row.shown}/{totals.get(row.timepoint, '')}", ha="center", fontsize=8,
                color="white" if not row.hidden else OKABE_ITO["black"])
    reference = marks.loc[marks["element"] == "line", "reference"].dropna()
    if len(reference):
        ax.axhline(100 * float(reference.iloc[0]), color=OKABE_ITO["black"], ls="--", lw=1.2,
                   label=f"Externe referentie NJi: ca. {format_nl(100 * reference.iloc[0], 0)}"
                         "% van kinderen 1-12 jaar\n(gedesorganiseerde gehechtheid; andere meting)")
        ax.legend(frameon=False, fontsize=7, loc="upper right")
    ax.set_xticks(x, [TIMEPOINT_LABELS_NL.get(t, t) for t in bars["timepoint"]])
    ax.set(ylim=(0, 100), ylabel="Gezinnen met hoge score (%)", title=str(bars["panel"].iloc[0])
           if len(bars) else "")
