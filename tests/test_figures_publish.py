"""analysis.publish.figures: which figures may be published, decided from their marks tables.

Figures are drawn from small hand-made tables (:mod:`test_trajectories`), saved with
:func:`analysis.report.provenance.save_figure` into a temporary project (raw folder, figures,
processed data) and checked; the secondary suppression is attacked with integer programming
(every hidden cell's smallest and largest value given what is shown). The slow test at the end
runs the whole pipeline on a copy of the bundled cohort and reports every figure's decision at
thresholds 5 and 10.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from test_trajectories import _questionnaires, _trajectories

from analysis import paths
from analysis.publish import figures as checker
from analysis.publish.disclosure import Suppressed, suppress_column
from analysis.report import provenance
from analysis.report.figures import trajectories as ft
from analysis.report.figures.drawn import Drawn, mark, marks_frame
from analysis.trajectories import flow as tr

COHORT = "figure-check"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


class Project:
    """A temporary project: a raw folder, figures/ and data/processed/, and an output folder."""

    def __init__(self, root: Path):
        self.root = root
        self.raw = root / "raw"
        (self.raw / COHORT).mkdir(parents=True)
        (self.raw / COHORT / "trajectories.csv").write_text("family_id\nF01\n", encoding="utf-8")
        self.figures = root / "figures"
        self.processed = root / "processed"
        self.out = root / "published"

    def save(self, drawn, name: str, caption: str = "Een figuur.") -> provenance.FigureRecord:
        return provenance.save_figure(
            drawn, name, cohort=COHORT, notebook="03_trajectories", synthetic=True,
            caption=caption, cell="cel 7",
            inputs_hash=provenance.input_hash(COHORT, self.raw),
            figures_root=self.figures, marks_root=self.processed)

    def publish(self, threshold: int = 5, published=None, last_run=None
                ) -> dict[str, checker.FigureDecision]:
        made = {p.stem for p in (self.figures / COHORT).glob("*.png")}
        decisions = checker.publish_figures(
            COHORT, threshold=threshold, out_dir=self.out, raw_root=self.raw,
            published={} if published is None else published,
            last_run=made if last_run is None else last_run, figures_root=self.figures,
            marks_root=self.processed)
        return {d.name: d for d in decisions}


@pytest.fixture
def project(tmp_path):
    return Project(tmp_path)


def _bars(name: str, counts: list[int], *, redraw: bool = False) -> Drawn:
    """A bar chart of families per category with the total in its title."""
    fig = Figure(figsize=(3, 2))
    fig.subplots().bar(range(len(counts)), counts)
    rows = [mark(f"{name} {i}", n, "families", part_of="alle", element="bar",
                 label=f"{name} {i}") for i, n in enumerate(counts)]
    rows.append(mark("alle", sum(counts), "families", total_of="alle", element="title"))
    return Drawn(fig, marks_frame(rows))


# ----------------------------------------------------------------------------- the rules
def test_secondary_suppression_in_a_bar_chart():
    hiding = checker.hide_cells(_bars("b", [12, 3, 9]).marks, threshold=5)
    assert hiding.shown == {"b 0": "12", "b 1": "<5", "b 2": "x", "alle": "24"}
    assert hiding.primary == {"b 1"} and hiding.secondary == {"b 2"}


def test_secondary_suppression_agrees_with_suppress_column_on_one_column():
    rng = np.random.default_rng(21)
    for _ in range(200):
        counts = rng.integers(0, 14, size=rng.integers(2, 6)).tolist()
        mine = checker.hide_cells(_bars("b", counts).marks, threshold=5)
        theirs = suppress_column(counts, threshold=5)
        hidden_mine = {int(m.split()[1]) for m in mine.reasons if m != "alle"}
        hidden_theirs = {i for i, v in enumerate(theirs) if isinstance(v, Suppressed)}
        # the same primary cells; both protect them (the choice of partner may differ on ties
        # and zeros: suppress_column may take a zero, hide_cells takes the smallest count)
        assert {i for i in hidden_mine if 0 < counts[i] < 5} == \
            {i for i in hidden_theirs if 0 < counts[i] < 5}
        for hidden in (hidden_mine, hidden_theirs):
            if hidden:
                assert len(hidden) >= 2 and sum(counts[i] for i in hidden) >= 5 or \
                    sum(counts[i] for i in hidden) == sum(counts)


def test_zeros_and_counts_of_other_things_are_shown():
    rows = [mark("a", 0, "families", part_of="t"), mark("b", 7, "families", part_of="t"),
            mark("t", 7, "families", total_of="t"), mark("s", 2, "sessions"),
            mark("p", 1, "places"), mark("line", None, "none")]
    hiding = checker.hide_cells(marks_frame(rows), threshold=5)
    assert hiding.reasons == {}
    assert hiding.shown == {"a": "0", "b": "7", "t": "7", "s": "2", "p": "1", "line": ""}


def test_a_people_count_nobody_knows_is_hidden():
    hiding = checker.hide_cells(marks_frame([mark("a", None, "parents")]), threshold=5)
    assert hiding.reasons == {"a": "unknown count"} and hiding.shown == {"a": "x"}


def test_a_mark_repeating_a_hidden_key_number_is_hidden_and_protected():
    flow = tr.participant_flow(_trajectories(), _questionnaires(), slots=30)
    marks = ft.flow_figure(flow).marks
    hiding = checker.hide_cells(marks, threshold=1, hidden_keys={"questionnaire_both"})
    assert hiding.reasons["Begin- en eindmeting (T0 + T1)"] == "key hidden"
    assert any(r.startswith("secondary") for r in hiding.reasons.values())
    unknown = checker.hide_cells(marks, threshold=1, hidden_keys=None)
    assert set(unknown.reasons) == set(marks.loc[marks["key"] != "", "mark"])


def _attack(marks: pd.DataFrame, hiding: checker.Hiding, threshold: int, *,
            totals_known: bool = False) -> dict[str, tuple]:
    """Smallest and largest value of every hidden people count that the shown counts and the
    declared sums allow (integer programming). "<k" means 1..k-1; "x" 0..the largest total, or
    1.. when the cell holds people (a category drawn only because someone is in it); a mark left
    out of the figure 0..the largest total. ``totals_known``: the attacker also knows every
    total's true value, as the cohort's other outputs may show it (a hidden total's range is
    then not reported)."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    people = marks[marks["unit"].isin(["families", "children", "parents"])]
    names = list(people["mark"])
    index = {m: i for i, m in enumerate(names)}
    truth = dict(zip(people["mark"], people["n"]))
    totals = {m for m, t in zip(people["mark"], people["total_of"]) if t}
    upper = float(people["n"].max())
    low, high = np.zeros(len(names)), np.zeros(len(names))
    for name in names:
        shown = hiding.shown[name]
        if totals_known and name in totals:
            low[index[name]] = high[index[name]] = float(truth[name])
        elif shown.startswith("<"):
            low[index[name]], high[index[name]] = 1, threshold - 1
        elif shown == "x":
            low[index[name]], high[index[name]] = (1 if truth[name] else 0), upper
        elif name in hiding.dropped:
            low[index[name]], high[index[name]] = 0, upper
        else:
            low[index[name]] = high[index[name]] = float(shown)
    rows = []
    sums = {r for cell in people["total_of"] for r in cell.split(";") if r}
    for relation in sums:
        row = np.zeros(len(names))
        for name, part_of, total_of in zip(people["mark"], people["part_of"],
                                           people["total_of"]):
            if relation in part_of.split(";"):
                row[index[name]] += 1
            if relation in total_of.split(";"):
                row[index[name]] -= 1
        rows.append(row)
    constraints = [LinearConstraint(np.array(rows), 0, 0)] if rows else []
    ranges = {}
    for name in hiding.reasons:
        if name not in index or (totals_known and name in totals):
            continue
        found = []
        for sign in (1, -1):
            c = np.zeros(len(names))
            c[index[name]] = sign
            result = milp(c, constraints=constraints, integrality=np.ones(len(names)),
                          bounds=Bounds(low, high))
            assert result.success, name
            found.append(round(sign * result.fun))
        ranges[name] = tuple(found)
    return ranges


@pytest.mark.parametrize("threshold", [5, 10])
@pytest.mark.parametrize("seed", range(30))
def test_a_shown_total_cannot_give_back_a_hidden_cell(seed, threshold):
    """Cross tables with row totals and a grand total (as the band transitions and the
    characteristics draw them): no hidden cell has one possible value, and no cell hidden as
    "x" or left out is known to be small, also for a reader who knows every total."""
    rng = np.random.default_rng(seed)
    values = [0, 1, 2, 3, 4, 6, 9] if threshold == 5 else [0, 1, 3, 6, 9, 12, 20]
    counts = rng.choice(values, size=(3, 3), p=[.2, .2, .15, .15, .1, .1, .1])
    rows = []
    for i in range(3):
        rows += [mark(f"r{i} c{j}", counts[i, j], "families", part_of=f"r{i}")
                 for j in range(3)]
        rows.append(mark(f"r{i}", counts[i].sum(), "families", total_of=f"r{i}",
                         part_of="all"))
    rows.append(mark("all", counts.sum(), "families", total_of="all"))
    marks = marks_frame(rows)
    hiding = checker.hide_cells(marks, threshold=threshold)
    for known in (False, True):
        for name, (low, high) in _attack(marks, hiding, threshold, totals_known=known).items():
            assert low < high, f"{name} is {low} for certain: {counts.tolist()}"
            if hiding.shown[name] != f"<{threshold}":
                assert not (1 <= low and high < threshold), \
                    f"{name} known small: {counts.tolist()}"


def test_the_attack_finds_a_cell_without_secondary_suppression():
    """The attacker can fail: with primary suppression only, a hidden cell is given back."""
    marks = _bars("b", [12, 3, 9]).marks
    primary = checker.Hiding({"b 1": "small"}, {"b 0": "12", "b 1": "<5", "b 2": "9",
                                                "alle": "24"})
    assert _attack(marks, primary, 5)["b 1"] == (3, 3)


def test_suppressed_blanks_values_of_hidden_marks_and_keeps_labels():
    marks = marks_frame([mark("a", 12, "parents", part_of="t", share=0.8, label="ja"),
                         mark("b", 3, "parents", part_of="t", share=0.2, label="nee"),
                         mark("t", 15, "parents", total_of="t")])
    table = checker.suppressed(marks, checker.hide_cells(marks, threshold=5))
    b = table.set_index("mark").loc["b"]
    assert b["hidden"] and pd.isna(b["n"]) and pd.isna(b["share"]) and b["label"] == "nee"
    assert table.set_index("mark").loc["a", "shown"] == "x"


# ----------------------------------------------------------------------------- whole figures
def test_an_undeclared_figure_is_withheld(project):
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([1, 2], [3, 4])
    record = project.save(fig, "trajectories_own")
    assert not record.declared and record.marks == ""
    (project.figures / COHORT / "trajectories_copied.png").write_bytes(record.png_file.read_bytes())
    decisions = project.publish()
    for name in ("trajectories_own", "trajectories_copied"):
        assert decisions[name].status == "withheld" and decisions[name].rule == "undeclared"
        assert "geen verklaarde gegevens" in decisions[name].reason_nl
        assert decisions[name].files == ()
    assert not list(project.out.iterdir())


def test_a_figure_whose_file_changed_after_saving_is_withheld(project):
    project.save(_bars("b", [12, 9]), "trajectories_bars")
    project.save(_bars("c", [12, 9, 7]), "trajectories_other")
    png = project.figures / COHORT / "trajectories_bars.png"
    png.write_bytes((project.figures / COHORT / "trajectories_other.png").read_bytes())
    decisions = project.publish()
    assert decisions["trajectories_bars"].rule == "undeclared"
    assert decisions["trajectories_other"].status == "published"


def test_a_figure_not_made_by_the_last_run_is_withheld(project):
    project.save(_bars("b", [12, 9]), "trajectories_bars")
    decision = project.publish(last_run={"trajectories_other"})["trajectories_bars"]
    assert (decision.status, decision.rule) == ("withheld", "not in run")
    assert "laatste run" in decision.reason_nl


def test_individual_marks_are_withheld(project):
    project.save(ft.sessions_figure(_trajectories()), "trajectories_sessions")
    decision = project.publish(threshold=1)["trajectories_sessions"]
    assert (decision.status, decision.rule) == ("withheld", "individual")
    assert "afzonderlijke personen" in decision.reason_nl


def test_stale_marks_are_withheld(project):
    project.save(_bars("b", [12, 9]), "trajectories_bars")
    assert project.publish()["trajectories_bars"].status == "published"
    (project.raw / COHORT / "trajectories.csv").write_text("family_id\nF02\n", encoding="utf-8")
    decision = project.publish()["trajectories_bars"]
    assert (decision.status, decision.rule) == ("withheld", "stale")
    assert not (project.out / "trajectories_bars.png").exists()  # the earlier one is gone
    shutil.rmtree(project.raw / COHORT)
    assert project.publish()["trajectories_bars"].rule == "stale"  # raw data unreadable


def test_a_small_cell_without_redraw_withholds_the_figure(project):
    project.save(_bars("b", [12, 3, 9]), "trajectories_bars")
    decision = project.publish()["trajectories_bars"]
    assert (decision.status, decision.rule) == ("withheld", "secondary")
    assert "minder dan 5 personen" in decision.reason_nl and decision.hidden == 2


def test_a_published_figure_is_copied_with_its_marks(project):
    record = project.save(_bars("b", [12, 9]), "trajectories_bars")
    decision = project.publish()["trajectories_bars"]
    assert decision.status == "published" and decision.smallest_cell == 9
    assert [f.name for f in decision.files] == ["trajectories_bars.png", "trajectories_bars.svg",
                                                "trajectories_bars.marks.csv"]
    assert (project.out / "trajectories_bars.png").read_bytes() == record.png_file.read_bytes()
    table = pd.read_csv(project.out / "trajectories_bars.marks.csv")
    assert table["n"].tolist() == [12, 9, 21]


def test_small_cells_are_redrawn_hidden(project):
    trajectories = pd.concat([_trajectories()] * 3, ignore_index=True)  # 24 families
    project.save(ft.characteristics_figure(trajectories), "trajectories_characteristics",
                 caption="Kenmerken.")
    decision = project.publish()["trajectories_characteristics"]
    assert decision.status == "redrawn", decision.reason_nl
    assert decision.smallest_cell >= 5 and decision.hidden > 0
    table = pd.read_csv(project.out / "trajectories_characteristics.marks.csv", dtype=str,
                        keep_default_na=False)
    people = table[table["unit"].isin(["families", "children"])]
    shown = [int(n) for n in people["n"] if n.isdigit()]
    assert all(n == 0 or n >= 5 for n in shown) and "<5" in set(people["n"])
    assert list(table["mark"]) == sorted(table["mark"]) or \
        table.sort_values(["panel", "mark"])["mark"].tolist() == table["mark"].tolist()
    svg = (project.out / "trajectories_characteristics.svg").read_text(encoding="utf-8")
    assert "Groepen van minder dan 5 personen zijn verborgen" in svg
    assert "SYNTHETISCHE DATA" in svg
    for file in decision.files:
        data = file.read_bytes()
        assert str(project.root).encode() not in data and str(paths.ROOT).encode() not in data


def test_the_redrawn_figure_never_shows_a_hidden_count(project):
    flow = tr.participant_flow(_trajectories(), _questionnaires(), slots=30)
    project.save(ft.flow_figure(flow), "trajectories_flow")
    decision = project.publish(threshold=3)["trajectories_flow"]
    assert decision.status == "redrawn"
    small = flow[(flow["n"] > 0) & (flow["n"] < 3)]["stage"]
    assert {f"trajectories_{s}" if not s.startswith("questionnaire") else s for s in small} \
        <= set(decision.hidden_keys)
    svg = (project.out / "trajectories_flow.svg").read_text(encoding="utf-8")
    hidden = flow[(flow["n"] > 0) & (flow["n"] < 3)]
    assert "n = &lt;3" in svg or "n = <3" in svg
    for n in hidden["n"]:
        assert f"n = {n}<" not in svg and f"n = {n}\n" not in svg


def test_a_redraw_that_fails_withholds_the_figure(project, monkeypatch):
    project.save(ft.characteristics_figure(pd.concat([_trajectories()] * 3, ignore_index=True)),
                 "trajectories_characteristics")

    def broken(marks):
        raise RuntimeError("bug")

    monkeypatch.setattr(ft, "redraw_characteristics", broken)
    decision = project.publish()["trajectories_characteristics"]
    assert decision.status == "withheld" and decision.rule.startswith("redraw failed")


def test_a_redraw_outside_the_figures_package_is_refused(project):
    import json

    project.save(ft.characteristics_figure(pd.concat([_trajectories()] * 3, ignore_index=True)),
                 "trajectories_characteristics")
    meta = project.processed / COHORT / "figures" / "trajectories_characteristics.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["redraw"] = "os:system"
    meta.write_text(json.dumps(data), encoding="utf-8")
    decision = project.publish()["trajectories_characteristics"]
    assert decision.status == "withheld" and decision.rule.startswith("redraw failed")


def test_withheld_figures_leave_no_files_and_the_threshold_is_checked(project):
    project.save(ft.sessions_figure(_trajectories()), "trajectories_sessions")
    project.out.mkdir()
    for suffix in (".png", ".svg", ".marks.csv"):
        (project.out / f"trajectories_sessions{suffix}").write_text("old", encoding="utf-8")
    project.publish()
    assert not list(project.out.iterdir())
    with pytest.raises(ValueError, match="threshold"):
        project.publish(threshold=0)


def test_decisions_frame_for_the_output_checker(project):
    project.save(_bars("b", [12, 9]), "trajectories_bars")
    project.save(ft.sessions_figure(_trajectories()), "trajectories_sessions")
    frame = checker.decisions_frame(list(project.publish().values()))
    assert list(frame.columns) == ["figure", "status", "rule", "smallest_cell", "hidden",
                                   "reason_nl", "files"]
    assert frame.set_index("figure").at["trajectories_bars", "files"] == \
        "trajectories_bars.png trajectories_bars.svg trajectories_bars.marks.csv"


def _figure_names() -> set[str]:
    """The names figures are saved under: string literals in the notebook cells that call
    ``ctx.save_figure`` and in the questionnaire figure plan (f-strings with the scale filled in)."""
    import inspect
    import json

    from analysis.questionnaires import outcomes
    from analysis.report.figures import questionnaires as fq

    pattern = re.compile(r"""f?["']((?:questionnaires|trajectories|qualitative|follow_up)_"""
                         r"""(?:\{\w+\}|[a-z_])+)["']""")
    texts = ["".join(cell["source"]) for nb in sorted((paths.ROOT / "notebooks").glob("*.ipynb"))
             for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]
             if cell["cell_type"] == "code" and "save_figure(" in "".join(cell["source"])]
    texts.append(inspect.getsource(fq.figure_plan))
    fill = {"{PRIMARY}": outcomes.PRIMARY, "{ATTACHMENT}": outcomes.ATTACHMENT}
    names = set()
    for text in texts:
        for name in pattern.findall(text):
            for key, value in fill.items():
                name = name.replace(key, value)
            if "{" not in name:
                names.add(name)
    return names


def test_no_figure_is_decided_by_its_name():
    """The checker decides from the marks table alone: no figure name (a deny-list such as the
    old ``per_family_figures``, or an allow-list) in the publish code or the disclosure rules."""
    names = _figure_names()
    assert {"questionnaires_sdq_lines", "trajectories_sessions", "trajectories_characteristics",
            "qualitative_survey_likert", "questionnaires_sdq_bands"} <= names
    sources = sorted((paths.ROOT / "analysis/publish").glob("*.py")) + [
        paths.ROOT / "analysis/definitions/disclosure.yaml"]
    found = []
    for source in sources:
        code = "\n".join(line for line in source.read_text(encoding="utf-8").splitlines()
                         if not line.lstrip().startswith("#"))
        code = re.sub(r'"""(?s:.*?)"""', "", code)  # docstrings may name an example
        found += [f"{source.name}: {name}" for name in sorted(names)
                  if re.search(rf"\b{name}\b", code)]
    assert found == []


# ----------------------------------------------------------------------------- the bundled cohort
BUNDLED = "figure-check-bundled"
NEVER = {"questionnaires_sdq_lines", "questionnaires_sdq_jacobson_truax",
         "trajectories_sessions"}


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled cohort under a test-only name, run once (outputs removed afterwards)."""
    from analysis.pipeline import runner

    raw = tmp_path_factory.mktemp("raw")
    shutil.copytree(paths.raw_dir(paths.DEFAULT_COHORT), raw / BUNDLED)
    outputs = [paths.processed_dir(BUNDLED), paths.figures_dir(BUNDLED),
               paths.reports_dir(BUNDLED)]
    lines: list[str] = []
    code = runner.run(BUNDLED, raw_root=raw, out=lines.append)
    assert code == 0, "\n".join(lines[-30:])
    yield raw
    for folder in outputs:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [5, 10])
def test_the_bundled_cohort_every_figure_decided(bundled, tmp_path, threshold):
    decisions = checker.publish_figures(BUNDLED, threshold=threshold, out_dir=tmp_path,
                                        raw_root=bundled)
    names = {p.stem for p in paths.figures_dir(BUNDLED).glob("*.png")}
    assert {d.name for d in decisions} == names and len(names) >= 12
    frame = checker.decisions_frame(decisions)
    print(f"\nthreshold {threshold}\n"
          + frame[["figure", "status", "rule", "smallest_cell"]].to_string(index=False))
    status = dict(zip(frame["figure"], frame["status"]))
    assert all(status[n] == "withheld" for n in NEVER)
    assert all(d.rule != "undeclared" and d.rule != "stale" for d in decisions)
    for d in decisions:  # nothing published shows a count of people below the threshold
        if d.status == "withheld":
            assert d.files == () and not (tmp_path / f"{d.name}.png").exists()
            continue
        assert d.smallest_cell is None or d.smallest_cell >= threshold
        table = pd.read_csv(tmp_path / f"{d.name}.marks.csv", dtype=str,
                            keep_default_na=False)
        people = table[table["unit"].isin(["families", "children", "parents",
                                           "professionals", "participants"])]
        counts = [int(n) for n in people["n"] if n.isdigit()]
        assert all(n == 0 or n >= threshold for n in counts), d.name
        assert (table["individual"] == "False").all(), d.name


# ----------------------------------------------------------------------------- from the bundle
_OLD_CHARACTERISTICS = """mark,panel,n,unit,individual,part_of,total_of,key,element,age,sex
Trajecten,,x,families,False,,Leeftijd en geslacht,trajectories_n,title,,
Leeftijd 6,Leeftijd en geslacht,<5,children,False,Leeftijd en geslacht,Leeftijd 6,,stack,6,
"Leeftijd 6, Jongen",Leeftijd en geslacht,0,children,False,Leeftijd 6,,,segment,6,m
"Leeftijd 6, Meisje",Leeftijd en geslacht,<5,children,False,Leeftijd 6,,,segment,6,f
Leeftijd 8,Leeftijd en geslacht,<5,children,False,Leeftijd en geslacht,Leeftijd 8,,stack,8,
"Leeftijd 8, Jongen",Leeftijd en geslacht,<5,children,False,Leeftijd 8,,,segment,8,m
"Leeftijd 8, Meisje",Leeftijd en geslacht,0,children,False,Leeftijd 8,,,segment,8,f
Leeftijd en geslacht: onbekend,Leeftijd en geslacht,x,families,False,Leeftijd en geslacht,,,derived,,
"""


def test_the_attacker_reads_a_childs_age_and_sex_from_what_the_old_checker_published(tmp_path):
    """The shape the hand-made cohort ede-2026 published before: every age "<5" (at least 1),
    a 0 beside each, the title's n hidden but the number of trajectories shown elsewhere. From
    the marks table and that one number, each child's age and sex is worked out."""
    from analysis.publish import attack
    from analysis.publish.relations import PublicRelations

    (tmp_path / "trajectories_characteristics.marks.csv").write_text(_OLD_CHARACTERISTICS,
                                                                      encoding="utf-8")
    shown, equations = attack.figure_relations(tmp_path)
    published = {**shown, "trajectories_n": 2}
    found = {f.name for f in attack.recovered(published, PublicRelations(equations=equations),
                                              threshold=5)}
    assert {"trajectories_characteristics: Leeftijd 6",
            "trajectories_characteristics: Leeftijd 8, Jongen"} <= found


@pytest.mark.parametrize("threshold", [5, 10])
def test_nothing_is_worked_out_from_a_published_characteristics_figure(project, threshold):
    """The same shape (mostly one child per age) drawn, saved and published through the
    checker: from the published marks table and the number of trajectories the attacker works
    out nothing."""
    from analysis.publish import attack
    from analysis.publish.relations import PublicRelations

    families = pd.DataFrame({
        "therapy": ["pmt"] * 12 + ["drama"] * 4 + ["muziek"] * 4,
        "referral": ["parents"] * 20, "child_age": list(range(2, 18)) + [6, 7, 8, 9],
        "child_sex": ["f", "m"] * 10})
    project.save(ft.characteristics_figure(families), "trajectories_characteristics")
    decision = project.publish(threshold=threshold)["trajectories_characteristics"]
    assert decision.status == "redrawn"
    shown, equations = attack.figure_relations(project.out)
    # the ages stay ("<5" each, not pinned down by the 20), their split by sex is left out
    assert any(name.endswith("Leeftijd 6") for name in shown)
    assert not any("Jongen" in name or "Meisje" in name for name in shown)
    published = {**shown, "trajectories_n": len(families)}
    found = attack.recovered(published, PublicRelations(equations=equations),
                             threshold=threshold)
    assert [str(f) for f in found] == []
    text = (project.out / "trajectories_characteristics.marks.csv").read_text(encoding="utf-8")
    assert not re.search(r"\bn\s*=\s*\d", text)


def test_the_attacker_knows_the_same_people_units_as_the_figures():
    """analysis.publish.attack reads a bundle without the drawing code (no matplotlib), so it
    keeps its own copy of the units that count people: the two must agree."""
    from analysis.publish import attack
    from analysis.report.figures import drawn

    assert attack.PEOPLE_UNITS == drawn.PEOPLE_UNITS
