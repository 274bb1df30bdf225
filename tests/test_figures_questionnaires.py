"""analysis.report.figures.questionnaires: SDQ lines, Jacobson-Truax, band transitions, ARI-CP profile.

Hand-made frames: five families with SDQ and ARI-CP at T0 and T1 and one (F06) with T0 only.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from analysis.report.figures import questionnaires as fq
from analysis.report.figures.style import CHANGE_COLOURS, OKABE_ITO

SDQ_SCALES = ["emotional", "conduct", "hyperactivity", "peer", "prosocial"]
ARI_SCALES = ["secure", "avoidant", "ambivalent", "disorganized"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _scores() -> pd.DataFrame:
    rows = []
    # family: (emotional, conduct, hyper, peer, prosocial) at T0 and T1; disorganized T0, T1
    data = {"F01": ((6, 4, 8, 3, 6), (3, 2, 6, 2, 8), 3.5, 2.0),
            "F02": ((5, 5, 9, 4, 5), (5, 5, 9, 4, 5), 3.8, 3.6),
            "F03": ((2, 1, 3, 0, 9), (1, 1, 2, 0, 9), 1.5, 1.4),
            "F04": ((7, 3, 7, 5, 4), (2, 1, 4, 2, 7), 3.2, 2.5),
            "F05": ((1, 2, 4, 1, 8), (3, 4, 6, 2, 7), 2.0, 3.1)}
    for family, (t0, t1, d0, d1) in data.items():
        for tp, sdq, dis in (("T0", t0, d0), ("T1", t1, d1)):
            row = {"family_id": family, "timepoint": tp,
                   **{f"sdq_{s}": v for s, v in zip(SDQ_SCALES, sdq)},
                   "ari_cp_secure": 3.0, "ari_cp_avoidant": 2.0 + 0.1 * len(rows),
                   "ari_cp_ambivalent": 2.5, "ari_cp_disorganized": dis}
            row["sdq_total"] = sum(sdq[:4])
            rows.append(row)
    rows.append({"family_id": "F06", "timepoint": "T0", **{f"sdq_{s}": 5 for s in SDQ_SCALES},
                 "sdq_total": 20, "ari_cp_secure": 2.0, "ari_cp_avoidant": 2.0,
                 "ari_cp_ambivalent": 2.0, "ari_cp_disorganized": 4.0})
    return pd.DataFrame(rows)


def _change() -> pd.DataFrame:
    s = _scores()
    wide = s.pivot(index="family_id", columns="timepoint", values="sdq_total").dropna()
    bands = lambda v: "abnormal" if v >= 17 else "borderline" if v >= 14 else "normal"  # noqa: E731
    out = pd.DataFrame({"family_id": wide.index, "instrument": "sdq", "scale": "total",
                        "t0": wide["T0"].to_numpy(), "t1": wide["T1"].to_numpy()})
    out["change"] = out["t1"] - out["t0"]
    out["reliable_change_threshold"] = 5.8
    out["rci"] = out["change"] / (5.8 / 1.96)
    out["change_class"] = np.select([out["change"] <= -5.8, out["change"] >= 5.8],
                                    ["improved", "deteriorated"], "unchanged")
    out["t0_band"], out["t1_band"] = out["t0"].map(bands), out["t1"].map(bands)
    out["t0_elevated"] = out["t0_band"] != "normal"
    out["t1_elevated"] = out["t1_band"] != "normal"
    out["clinically_significant"] = (out["change_class"] == "improved") & ~out["t1_elevated"]
    return out


def _large_scores(rng, n: int) -> pd.DataFrame:
    t0 = rng.integers(0, 11, size=(n, 5))
    t1 = np.clip(t0 + rng.integers(-3, 3, size=(n, 5)), 0, 10)
    frames = []
    for tp, values in (("T0", t0), ("T1", t1)):
        f = pd.DataFrame(values, columns=[f"sdq_{s}" for s in SDQ_SCALES])
        f.insert(0, "timepoint", tp)
        f.insert(0, "family_id", [f"F{i:04d}" for i in range(n)])
        f["sdq_total"] = values[:, :4].sum(axis=1)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def _grey_lines(ax):
    return [ln for ln in ax.lines if to_hex(ln.get_color()) == OKABE_ITO["grey"].lower()]


def test_scale_lines_one_panel_per_scale_and_one_line_per_paired_family():
    fig = fq.scale_lines_figure(_scores()).figure
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6  # five scales and the total
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "Emotionele problemen (n = 5)"  # F06 has T0 only
    assert titles[-1] == "Totale problemenscore (n = 5)"
    for ax in fig.axes:
        assert len(_grey_lines(ax)) == 5
        assert [t.get_text() for t in ax.get_xticklabels()] == ["Begin (T0)", "Eind (T1)"]
    cut = [ln for ln in fig.axes[-1].lines if to_hex(ln.get_color()) == OKABE_ITO["vermillion"].lower()]
    assert len(cut) == 1 and cut[0].get_ydata()[0] == 14  # UK borderline from 14
    assert any(t.get_text() == "verhoogd \u2265 14" for t in fig.axes[-1].texts)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:1] == ["mediaan"]


def test_scale_lines_selected_scales():
    fig = fq.scale_lines_figure(_scores(), scales=["total", "emotional"]).figure
    assert len(fig.axes) == 2


def test_scale_lines_aggregate_above_threshold(rng):
    data = _large_scores(rng, fq.LINES_MAX + 1)
    fig = fq.scale_lines_figure(data, scales=["total"]).figure
    ax = fig.axes[0]
    assert _grey_lines(ax) == []  # no line per family
    assert len(ax.collections) == 2  # P10-P90 and P25-P75 bands
    assert f"n = {fq.LINES_MAX + 1}" in ax.get_title()
    assert "mediaan en spreiding" in fig.get_suptitle()


def test_scale_lines_missing_columns_and_duplicates():
    with pytest.raises(ValueError, match="sdq_total"):
        fq.scale_lines_figure(_scores().drop(columns="sdq_total"), scales=["total"])
    dup = pd.concat([_scores(), _scores().iloc[[0]]])
    with pytest.raises(ValueError, match="F01 has more than one row at T0"):
        fq.scale_lines_figure(dup, scales=["total"])


def test_jacobson_truax_points_band_diagonal_and_cutoffs():
    change = _change()
    fig = fq.jacobson_truax_figure(change).figure
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == len(change)
    colours = {to_hex(c.get_facecolor()[0]) for c in points}
    assert colours == {CHANGE_COLOURS[k].lower() for k in set(change["change_class"])}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "geen verandering" in legend
    assert any(t.startswith("geen betrouwbare verandering (± 5,8)") for t in legend)
    assert any(t.startswith("Betrouwbaar verbeterd (") for t in legend)
    cut = [ln for ln in ax.lines if to_hex(ln.get_color()) == OKABE_ITO["vermillion"].lower()]
    assert len(cut) == 2  # vertical (T0) and horizontal (T1) cut-off
    assert ax.get_xlabel() == "Score begin (T0)" and ax.get_ylabel() == "Score eind (T1)"
    assert any("onder de diagonaal" in t.get_text() for t in ax.texts)


def test_jacobson_truax_without_threshold_says_so():
    change = _change().assign(reliable_change_threshold=np.nan)
    ax = fq.jacobson_truax_figure(change).figure.axes[0]
    assert any("geen grens voor betrouwbare verandering" in t.get_text() for t in ax.texts)


def test_jacobson_truax_unknown_scale():
    with pytest.raises(ValueError, match="no rows for instrument 'sdq', scale 'peer'"):
        fq.jacobson_truax_figure(_change(), scales=["peer"])


def test_transition_counts_and_bars():
    change = _change()
    counts = fq._transition_counts(change, ["normal", "borderline", "abnormal"])
    assert counts.to_numpy().sum() == len(change)
    # F01 21 -> 13 abnormal -> normal; F02 23 -> 23 abnormal -> abnormal; F04 22 -> 9
    assert counts.loc["abnormal", "normal"] == 2 and counts.loc["abnormal", "abnormal"] == 1
    fig = fq.band_transitions_figure(change).figure
    ax = fig.axes[0]
    # one definition of "verhoogd" (borderline or abnormal, the scheme's elevated_from)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "normaal", "grensgebied (verhoogd)", "afwijkend (verhoogd)"]
    assert len(ax.patches) == 3 * 3  # three T0 bars x three T1 segments
    assert ax.get_legend().get_title().get_text() == "Band bij eind (T1)"
    # the figure states the elevated counts, the same flags the chain and the text count
    note = [x.get_text() for x in ax.texts if x.get_text().startswith("verhoogd:")]
    k0, k1, n = int(change["t0_elevated"].sum()), int(change["t1_elevated"].sum()), len(change)
    assert note == [f"verhoogd: begin {k0} van {n}, eind {k1} van {n}"]


def test_elevation_line_and_band_marks_follow_the_schemes_elevated_from():
    sdq = fq.load_instrument("sdq")
    scheme = sdq.scheme()
    pairs = scheme.groups[0].scales["total"]
    first = min(f for f, band in pairs if scheme.is_elevated(band))
    assert fq._elevation_boundary(sdq, "total", None) == first
    prosocial = scheme.groups[0].scales["prosocial"]
    assert fq._elevation_boundary(sdq, "prosocial", None) == min(
        f for f, band in prosocial if not scheme.is_elevated(band))


def test_transition_counts_keep_unknown_bands():
    change = _change()
    change.loc[0, "t1_band"] = None
    counts = fq._transition_counts(change, ["normal", "borderline", "abnormal"])
    assert "onbekend" in counts.columns and counts["onbekend"].sum() == 1


def test_ari_cp_profile_panels_reference_and_placeholder_note():
    fig = fq.ari_cp_profile_figure(_scores()).figure
    ax_p, ax_s = fig.axes
    assert [t.get_text() for t in ax_p.get_xticklabels()] == [
        "Veilig", "Vermijdend", "Ambivalent", "Gedesorganiseerd"]
    ref = [ln for ln in ax_s.lines if ln.get_linestyle() == "--"]
    assert len(ref) == 1 and ref[0].get_ydata()[0] == pytest.approx(15.0)
    assert "Externe referentie NJi" in ax_s.get_legend().get_texts()[0].get_text()
    bars = ax_s.patches
    # paired families: high (>= 3.0) at T0: F01 F02 F04 -> 3/5; at T1: F02 F05 -> 2/5
    assert [b.get_height() for b in bars] == pytest.approx([60.0, 40.0])
    assert any("placeholder" in t.get_text() for t in fig.texts)


def test_ari_cp_profile_uses_elevated_flags_and_optional_reference():
    scores = _scores().assign(ari_cp_disorganized_elevated=False)
    fig = fq.ari_cp_profile_figure(scores, reference=None, placeholder=False).figure
    ax_s = fig.axes[1]
    assert [b.get_height() for b in ax_s.patches] == [0.0, 0.0]
    assert not [ln for ln in ax_s.lines if ln.get_linestyle() == "--"]
    assert not any("placeholder" in t.get_text() for t in fig.texts)


def test_ari_cp_share_table_exact_interval():
    from analysis.questionnaires.instruments import load_instrument
    table = fq._high_share_table(_scores(), load_instrument("ari_cp"), "disorganized",
                                 ("T0", "T1"), True, None, 0.95)
    t0 = table.iloc[0]
    assert (t0["k"], t0["n"]) == (3, 5)
    # statsmodels proportion_confint(3, 5, method="beta") = (0.146633, 0.947255)
    assert t0["ci_low"] == pytest.approx(0.146632, abs=1e-6)
    assert t0["ci_high"] == pytest.approx(0.947255, abs=1e-6)
    unpaired = fq._high_share_table(_scores(), load_instrument("ari_cp"), "disorganized",
                                    ("T0", "T1"), False, None, 0.95)
    assert (unpaired.iloc[0]["k"], unpaired.iloc[0]["n"]) == (4, 6)  # F06 counted at T0


def test_mean_interval():
    mean, low, high = fq._mean_ci(np.array([1.0, 2.0, 3.0]), 0.95)
    # t(0.975, 2) = 4.302653; sd = 1; half = 4.302653 / sqrt(3) = 2.484138
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - 2.484138, 2.0 + 2.484138), abs=1e-6)
    assert np.isnan(fq._mean_ci(np.array([1.0]), 0.95)[1])


def _ari_change() -> pd.DataFrame:
    """ARI-CP disorganized rows as the change module gives them: bands but no RCI."""
    s = _scores()
    wide = s.pivot(index="family_id", columns="timepoint", values="ari_cp_disorganized").dropna()
    band = lambda v: "high" if v >= 3.0 else "low"  # noqa: E731
    return pd.DataFrame({
        "family_id": wide.index, "instrument": "ari_cp", "scale": "disorganized",
        "t0": wide["T0"].to_numpy(), "t1": wide["T1"].to_numpy(),
        "change": (wide["T1"] - wide["T0"]).to_numpy(), "rci": np.nan,
        "change_class": pd.array([None] * len(wide), dtype="str"),
        "reliable_change_threshold": np.nan,
        "t0_band": wide["T0"].map(band).to_numpy(), "t1_band": wide["T1"].map(band).to_numpy()})


def test_placeholder_key_is_noted_on_every_ari_cp_figure_and_not_on_sdq():
    change = _ari_change()
    figures = [fq.jacobson_truax_figure(change, instrument="ari_cp", scales=["disorganized"]).figure,
               fq.band_transitions_figure(change, instrument="ari_cp", scales=["disorganized"]).figure,
               fq.scale_lines_figure(_scores(), instrument="ari_cp").figure,
               fq.ari_cp_profile_figure(_scores()).figure]
    for fig in figures:
        assert any("placeholder" in t.get_text() for t in fig.texts)
    for fig in (fq.jacobson_truax_figure(_change()).figure, fq.scale_lines_figure(_scores()).figure):
        assert not any("placeholder" in t.get_text() for t in fig.texts)


def test_jacobson_truax_draws_families_without_rci_as_hollow_markers():
    ax = fq.jacobson_truax_figure(_ari_change(), instrument="ari_cp",
                                  scales=["disorganized"]).figure.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == 5
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "geen RCI beschikbaar (5)" in legend
    bands = fq.band_transitions_figure(_ari_change(), instrument="ari_cp",
                                       scales=["disorganized"]).figure.axes[0]
    assert [t.get_text() for t in bands.get_xticklabels()] == ["laag", "hoog"]


# ------------------------------------------------------------------ the marks behind the figures
def test_scale_lines_marks_one_individual_line_per_family_and_the_median():
    drawn = fq.scale_lines_figure(_scores())
    for ax in drawn.figure.axes:
        panel = ax.get_title().split(" (n = ")[0]
        lines = drawn.marks[(drawn.marks["panel"] == panel) & drawn.marks["individual"]]
        assert len(lines) == len(_grey_lines(ax)) == 5
        title = drawn.marks.set_index("mark").loc[f"{panel}: n"]
        assert f"(n = {title['n']})" in ax.get_title()
    assert drawn.redraw is None


def test_scale_lines_marks_aggregated_are_not_individual(rng):
    drawn = fq.scale_lines_figure(_large_scores(rng, fq.LINES_MAX + 1), scales=["total"])
    assert not drawn.marks["individual"].any()
    assert (drawn.marks["n"] == fq.LINES_MAX + 1).all()


def test_jacobson_truax_marks_points_and_legend_counts():
    drawn = fq.jacobson_truax_figure(_change())
    ax = drawn.figure.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    marks = drawn.marks
    assert sum(len(c.get_offsets()) for c in points) == int((marks["element"] == "point").sum())
    assert marks.loc[marks["element"] == "point", "individual"].all()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for row in marks[marks["element"] == "legend"].itertuples():
        assert f"{row.mark.split(': ', 1)[1]} ({row.n})" in legend
    counts = marks[marks["element"] == "legend"]["n"].sum()
    assert counts == marks.loc[marks["element"] == "title", "n"].iloc[0] == len(_change())


def test_band_transition_marks_match_the_segments_and_the_note():
    change = _change()
    drawn = fq.band_transitions_figure(change)
    ax = drawn.figure.axes[0]
    marks = drawn.marks
    segments = marks[marks["element"] == "segment"]
    assert len(ax.patches) == len(segments)
    assert sorted(p.get_height() for p in ax.patches) == sorted(segments["n"].tolist())
    labels = sorted(t.get_text() for t in ax.texts if t.get_text().isdigit())
    assert labels == sorted(str(n) for n in segments["n"] if n)
    stacks = marks[marks["element"] == "stack"]
    for stack in stacks.itertuples():
        assert segments.loc[segments["part_of"].str.split(";").str[0] == stack.mark,
                            "n"].sum() == stack.n
    shown = marks.set_index("mark")["n"]
    note = [t.get_text() for t in ax.texts if t.get_text().startswith("verhoogd:")][0]
    assert note == (f"verhoogd: begin {shown['Totale problemenscore: begin verhoogd']} van "
                    f"{shown['Totale problemenscore: begin bekend']}, eind "
                    f"{shown['Totale problemenscore: eind verhoogd']} van "
                    f"{shown['Totale problemenscore: eind bekend']}")
    begin = marks[marks["part_of"].str.contains("begin verhoogd")]
    assert begin["n"].sum() == shown["Totale problemenscore: begin verhoogd"]


def test_redraw_band_transitions_shows_signs_not_small_cells():
    from analysis.publish.figures import hide_cells, suppressed

    drawn = fq.band_transitions_figure(_change())
    hiding = hide_cells(drawn.marks, threshold=3)
    redrawn = fq.redraw_band_transitions(suppressed(drawn.marks, hiding))
    texts = [t.get_text() for t in redrawn.figure.axes[0].texts]
    assert "<3" in texts and not {"1", "2"} & set(texts)
    small = drawn.marks[drawn.marks["n"].isin([1, 2]) & ~drawn.marks["mark"].isin(
        list(hiding.dropped))]["mark"]
    assert redrawn.marks.set_index("mark").loc[small, "n"].isna().all()
    assert not set(redrawn.marks["mark"]) & hiding.dropped


def test_at_threshold_two_a_sign_is_the_count_so_splits_are_left_out():
    """"<2" can only be 1: every split holding a 1 is left out, the row totals stay."""
    from analysis.publish.figures import hide_cells, suppressed

    drawn = fq.band_transitions_figure(_change())
    hiding = hide_cells(drawn.marks, threshold=2)
    assert "<2" not in hiding.shown.values()
    assert set(drawn.marks.loc[drawn.marks["element"] == "segment", "mark"]) <= hiding.dropped
    redrawn = fq.redraw_band_transitions(suppressed(drawn.marks, hiding))
    assert "verhoogd: begin 3 van 5, eind 2 van 5" in [
        t.get_text() for t in redrawn.figure.axes[0].texts]


def test_ari_cp_profile_marks_match_points_and_bars():
    drawn = fq.ari_cp_profile_figure(_scores())
    ax_p, ax_s = drawn.figure.axes
    marks = drawn.marks
    points = marks[marks["element"] == "point"]
    drawn_points = sum(len(line.get_xdata()) for line in ax_p.lines if line.get_marker() == "o")
    assert drawn_points == len(points) == 8
    bars = marks[marks["element"] == "bar"]
    assert [b.get_height() for b in ax_s.patches] == pytest.approx((100 * bars["share"]).tolist())
    texts = [t.get_text() for t in ax_s.texts]
    totals = marks[(marks["element"] == "text")].set_index("timepoint")["n"]
    assert texts == [f"{r.n}/{totals[r.timepoint]}" for r in bars.itertuples()]
    assert drawn.redraw.endswith(":redraw_ari_cp_profile")


def test_redraw_ari_cp_profile_hides_a_small_share():
    from analysis.publish.figures import hide_cells, suppressed

    drawn = fq.ari_cp_profile_figure(_scores())
    hiding = hide_cells(drawn.marks, threshold=3)
    redrawn = fq.redraw_ari_cp_profile(suppressed(drawn.marks, hiding))
    ax_s = redrawn.figure.axes[1]
    # T0: 3 of 5 high, the 2 not high are small, so the 3 go too (x); T1: 2 of 5 high
    assert len(ax_s.patches) == 0
    assert [t.get_text() for t in ax_s.texts] == ["x/5", "<3/5"]
    assert len(redrawn.figure.axes[0].lines) > 0  # the means (n = 5) are still shown


def test_stress_attachment_marks_are_individual_points():
    stress = pd.DataFrame({"change_stress": [1.0, -2.0, 0.5], "change_attachment": [0.2, -0.1, 0]})
    drawn = fq.stress_attachment_figure(stress)
    points = drawn.figure.axes[0].collections[0].get_offsets()
    assert len(points) == len(drawn.marks) == 3 and drawn.marks["individual"].all()
