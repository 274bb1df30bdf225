"""The tables behind the marks of the questionnaire figures (:mod:`.questionnaires`): computed
from what the figure functions draw, kept apart so that module stays about drawing.

Units: the figures say "gezinnen", so their marks count ``families`` (one child per family).
"""

from __future__ import annotations

import pandas as pd

from analysis.report.figures.drawn import mark, marks_frame
from analysis.text import format_nl


def line_marks(wide: pd.DataFrame, label: str, lines_max: int) -> list[dict]:
    """Per panel of the scale-lines figure: the lines per family or the percentile bands,
    the median over the panel's families and the n of the title."""
    n, rows = len(wide), []
    if n <= lines_max:
        rows += [mark(f"{label}: gezin {i + 1}", 1, "families", individual=True, panel=label,
                      element="line", **{str(t): float(v) for t, v in values.items()})
                 for i, (_, values) in enumerate(wide.iterrows())]
    else:
        for lo, hi in ((0.10, 0.90), (0.25, 0.75)):
            rows.append(mark(f"{label}: P{int(lo * 100)}-P{int(hi * 100)}", n, "families",
                             panel=label, element="band",
                             **{f"{t}_low": float(wide[t].quantile(lo)) for t in wide.columns},
                             **{f"{t}_high": float(wide[t].quantile(hi)) for t in wide.columns}))
    if n:
        rows.append(mark(f"{label}: mediaan", n, "families", panel=label, element="line",
                         **{str(t): float(wide[t].median()) for t in wide.columns}))
    rows.append(mark(f"{label}: n", n, "families", panel=label, element="title"))
    return rows


def jacobson_truax_marks(rows: pd.DataFrame, label: str, markers_max: int,
                         classes: dict[str, str]) -> list[dict]:
    """Per panel of the Jacobson-Truax figure: points (per family or shared), the count per
    class in the legend (``classes``: class -> Dutch label; a part of the title's n) and the
    title's n."""
    aggregated = len(rows) > markers_max
    groups = [(classes[c], rows[rows["change_class"] == c]) for c in classes]
    groups.append(("geen RCI beschikbaar", rows[~rows["change_class"].isin(list(classes))]))
    out = []
    for name, pts in groups:
        if not len(pts):
            continue
        legend = f"{label}: {name}"
        out.append(mark(legend, len(pts), "families", panel=label, part_of=label,
                        total_of=legend if aggregated else "", element="legend"))
        if aggregated:
            shared = pts.groupby(["t0", "t1"]).size().reset_index(name="n")
            out += [mark(f"{legend}: {format_nl(r.t0, 1)} -> {format_nl(r.t1, 1)}", r.n,
                         "families", panel=label, part_of=legend, element="point",
                         t0=float(r.t0), t1=float(r.t1)) for r in shared.itertuples()]
        else:
            out += [mark(f"{legend}: gezin {i + 1}", 1, "families", individual=True,
                         panel=label, element="point", t0=float(t0), t1=float(t1))
                    for i, (t0, t1) in enumerate(zip(pts["t0"], pts["t1"]))]
    out.append(mark(f"{label}: n", len(rows), "families", panel=label, total_of=label,
                    element="title"))
    return out


def transition_marks(rows: pd.DataFrame, counts: pd.DataFrame, labels: dict[str, str],
                     panel: str, elevated: list[str]) -> list[dict]:
    """Per panel of the band-transitions figure (``counts``: T0 bands x T1 bands): segments, bars, the title's n and the
    "verhoogd" note, with the sums between them."""
    total, notes = f"{panel}: totaal", elevated_counts(rows)
    begin_sum = notes.get("begin", (None,))[0] == int(
        counts.loc[[b for b in counts.index if b in elevated]].to_numpy().sum())
    end_sum = notes.get("eind", (None,))[0] == int(
        counts[[b for b in counts.columns if b in elevated]].to_numpy().sum())
    out = []
    for b0 in counts.index:
        bar = f"{panel}: begin {labels.get(b0, b0)}"
        for b1 in counts.columns:
            out.append(mark(f"{panel}: {labels.get(b0, b0)} -> {labels.get(b1, b1)}",
                            counts.at[b0, b1], "families", panel=panel,
                            part_of=[bar] + ([f"{panel}: eind verhoogd"]
                                             if end_sum and b1 in elevated else []),
                            element="segment", t0_label=labels.get(b0, b0),
                            t1_label=labels.get(b1, b1)))
        out.append(mark(bar, counts.loc[b0].sum(), "families", panel=panel, total_of=bar,
                        part_of=[total] + ([f"{panel}: begin verhoogd"]
                                           if begin_sum and b0 in elevated else []),
                        element="stack", t0_label=labels.get(b0, b0)))
    same = {m for m, (_, known) in notes.items() if known == len(rows)}
    out.append(mark(f"{panel}: n", len(rows), "families", panel=panel, element="title",
                    total_of=[total, *(f"{panel}: {m} bekend = n" for m in same)]))
    for moment, (count, known) in notes.items():
        sums = (begin_sum if moment == "begin" else end_sum)
        out += [mark(f"{panel}: {moment} verhoogd", count, "families", panel=panel,
                     element="text", part_of=f"{panel}: {moment} bekend",
                     total_of=f"{panel}: {moment} verhoogd" if sums else ""),
                mark(f"{panel}: {moment} niet verhoogd", known - count, "families",
                     panel=panel, element="derived", part_of=f"{panel}: {moment} bekend"),
                mark(f"{panel}: {moment} bekend", known, "families", panel=panel,
                     element="text", total_of=f"{panel}: {moment} bekend",
                     part_of=f"{panel}: {moment} bekend = n" if moment in same else "")]
    return out


def elevated_counts(rows: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """The counts of the "verhoogd" note: moment -> (verhoogd, known)."""
    out = {}
    for moment, column in (("begin", "t0_elevated"), ("eind", "t1_elevated")):
        if column not in rows.columns:
            return {}
        known = rows[column].dropna()
        out[moment] = (int(known.astype(bool).sum()), len(known))
    return out


def profile_marks(profile: pd.DataFrame, share: pd.DataFrame, definition, reference,
                  reference_label: str, placeholder: bool) -> pd.DataFrame:
    """Marks of the ARI-CP profile figure (``profile`` and ``share`` as drawn)."""
    common = {"instrument": definition.id, "placeholder": bool(placeholder)}
    left, right = "Schaalgemiddelden met 95%-interval", f"Hoog op {reference_label.lower()}"
    rows = [mark(f"{definition.scales[r.scale].label}, {r.timepoint}", r.n, "families",
                 panel=left, element="point", scale=r.scale, timepoint=r.timepoint,
                 mean=r.mean, ci_low=r.ci_low, ci_high=r.ci_high, **common)
            for r in profile.itertuples()]
    legend = profile.groupby("timepoint", sort=False)["n"].max()
    for tp, n in legend.items():
        same = share.loc[share["timepoint"] == tp, "n"]
        equal = len(same) and int(same.iloc[0]) == int(n)
        rows.append(mark(f"{left}: n {tp}", n, "families", panel=left, element="legend",
                         part_of=f"n {tp}" if equal else "", timepoint=tp, **common))
    for r in share.itertuples():
        equal = r.timepoint in legend.index and int(legend[r.timepoint]) == int(r.n)
        rows += [mark(f"{right}, {r.timepoint}: hoog", r.k, "families", panel=right,
                      part_of=f"hoog {r.timepoint}", element="bar", timepoint=r.timepoint,
                      share=r.share, ci_low=r.ci_low, ci_high=r.ci_high, **common),
                 mark(f"{right}, {r.timepoint}: niet hoog", r.n - r.k, "families",
                      panel=right, part_of=f"hoog {r.timepoint}", element="derived",
                      timepoint=r.timepoint, **common),
                 mark(f"{right}, {r.timepoint}: n", r.n, "families", panel=right,
                      total_of=[f"hoog {r.timepoint}", *([f"n {r.timepoint}"] if equal else [])],
                      element="text", timepoint=r.timepoint, **common)]
    if reference is not None:
        rows.append(mark("Externe referentie NJi", None, "none", panel=right, element="line",
                         reference=float(reference), **common))
    return marks_frame(rows)
