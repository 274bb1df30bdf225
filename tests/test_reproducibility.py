"""analysis.report.reproducibility: the findings' "Checks", and committed notebooks that do not churn.

The block is tested on a clean and on a dirty work tree of a temporary git repository. The churn
test runs the dummy pipeline of :mod:`pipeline_fixtures` with ``--update-notebooks`` (a notebook
that saves a figure and shows a volatile block naming the commit), commits, makes an empty
commit and runs again: ``git status`` must stay clean.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import nbformat
import pipeline_fixtures as fx
import pytest

from analysis.report import history, keynumbers, provenance, reproducibility

COHORT = "demo"
PIPELINE = """\
version: 1
notebooks:
  - file: 01_a.ipynb
    reads: ["{raw}/*"]
    writes: []
    parameters: {factor: 2, seed: 11}
  - file: 02_b.ipynb
    reads: ["{raw}/*"]
    writes: []
    parameters: {n_sim: 100, simulation_seed: 5, label: x}
    findings: true
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          encoding="utf-8", check=True)
    return done.stdout.strip()


def init_repo(root: Path) -> None:
    git(root, "init", "-q")
    git(root, "config", "user.email", "test@example.org")
    git(root, "config", "user.name", "Test")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "start")


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "pipeline.yaml").write_text(PIPELINE, encoding="utf-8")
    (root / "data" / "raw" / COHORT).mkdir(parents=True)
    (root / "data" / "raw" / COHORT / "scores.csv").write_text("score\n1\n", encoding="utf-8")
    (root / "requirements.lock").write_bytes(b"numpy==2.0 \\\n    --hash=sha256:00\n")
    (root / ".gitignore").write_text("reports/\ndata/processed/\n", encoding="utf-8")
    init_repo(root)
    return root


USED = {"01_a": {"factor": 2, "seed": 11},
        "02_b": {"n_sim": 100, "simulation_seed": 7, "label": "x"}}


def test_block_on_a_clean_tree(project):
    info = reproducibility.checks(COHORT, USED, root=project)
    head = git(project, "rev-parse", "HEAD")
    assert info["commit"] == head and info["dirty"] is False and info["changed"] == []
    assert info["seeds"] == {"01_a": {"seed": 11}, "02_b": {"simulation_seed": 7}}
    assert info["non_default"] == {"02_b": {"simulation_seed": [5, 7]}}
    assert info["inputs_hash"] == provenance.input_hash(COHORT, project / "data" / "raw")
    assert info["lock_hash"] == reproducibility.lock_hash(project) and len(info["lock_hash"]) == 64
    assert set(info["packages"]) == set(reproducibility.ANALYSIS_STACK)
    text = repr(reproducibility.block(COHORT, USED, root=project))
    assert f"✔ Commit `{head[:7]}`, zonder niet-vastgelegde wijzigingen." in text
    assert "⚠" not in text and "Let op" not in text
    assert "01_a: `seed` = 11; 02_b: `simulation_seed` = 7." in text
    assert "Parameters anders dan de standaard: 02_b: `simulation_seed` = 5 → 7." in text
    assert f"sha256 `{info['lock_hash'][:10]}`" in text
    assert "eerste vastgelegde run" in text


def test_block_on_a_dirty_tree_warns_and_names_only_changed_tracked_code(project):
    (project / "notebooks" / "pipeline.yaml").write_text(PIPELINE + "\n", encoding="utf-8")
    (project / "new_module.py").write_text("x = 1\n", encoding="utf-8")
    info = reproducibility.checks(COHORT, USED, root=project)
    assert info["dirty"] is True and info["uncommitted"] == 2
    assert info["changed"] == ["notebooks/pipeline.yaml"]
    text = repr(reproducibility.block(COHORT, USED, root=project))
    assert "⚠ **Let op: niet-vastgelegde wijzigingen.**" in text
    assert ("2 niet-vastgelegde bestanden, waarvan 1 gewijzigd codebestand "
            "(`notebooks/pipeline.yaml`)") in text
    assert "new_module" not in text and "✔ Commit" not in text


def test_block_never_names_untracked_files_or_data(project):
    """Issue 21: a raw export named after a child reached the findings through this block."""
    raw = project / "data" / "raw"
    (raw / COHORT / "ARI export Sanne Visser.csv").write_text("x\n", encoding="utf-8")
    (raw / "nieuw-cohort").mkdir()
    (raw / "nieuw-cohort" / "sdq Daan Jansen.csv").write_text("x\n", encoding="utf-8")
    (raw / COHORT / "scores.csv").write_text("score\n2\n", encoding="utf-8")  # tracked data
    info = reproducibility.checks(COHORT, USED, root=project)
    assert info["uncommitted"] == 3 and info["changed"] == []
    text = repr(reproducibility.block(COHORT, USED, root=project))
    assert "3 niet-vastgelegde bestanden (nieuwe bestanden en data worden niet bij naam" in text
    for needle in ("Visser", "Jansen", "scores.csv", "data/", str(project)):
        assert needle not in text


def test_block_outside_git_and_without_lock_says_so(tmp_path):
    (tmp_path / "data" / "raw" / COHORT).mkdir(parents=True)
    text = reproducibility.format_block(reproducibility.checks(COHORT, {}, root=tmp_path))
    assert "⚠ **Geen git-commit bekend**" in text
    assert "⚠ Geen lockbestand (`requirements.lock`)" in text
    assert "Seeds: geen" in text and "Ruwe data: sha256 `onbekend`" in text


def test_block_is_byte_identical_for_the_same_state_and_names_changes(project):
    keynumbers.write_fragment({"total": 1}, cohort=COHORT, stage="01_a", root=project)
    history.record_run(COHORT, USED, root=project)
    first = reproducibility.block(COHORT, USED, root=project)._repr_markdown_()
    second = reproducibility.block(COHORT, USED, root=project)._repr_markdown_()
    assert first == second
    assert "Geen kerngetal veranderd sinds de vorige run (run 1" in first[0]
    keynumbers.write_fragment({"total": 2}, cohort=COHORT, stage="01_a", root=project)
    assert "01_a `total` 1 → 2" in reproducibility.block(COHORT, USED, root=project).text


def test_block_rebuilt_after_the_run_was_recorded_compares_with_the_run_before(project):
    keynumbers.write_fragment({"total": 1}, cohort=COHORT, stage="01_a", root=project)
    history.record_run(COHORT, USED, root=project)
    keynumbers.write_fragment({"total": 2}, cohort=COHORT, stage="01_a", root=project)
    history.record_run(COHORT, USED, root=project)  # this run, kept before the site is built
    text = reproducibility.block(COHORT, USED, root=project, after_record=True).text
    assert "de vorige run (run 1" in text and "01_a `total` 1 → 2" in text


def test_lock_hash_ignores_windows_line_endings(tmp_path):
    (tmp_path / "requirements.lock").write_bytes(b"a==1\n  --hash=sha256:00\n")
    unix = reproducibility.lock_hash(tmp_path)
    (tmp_path / "requirements.lock").write_bytes(b"a==1\r\n  --hash=sha256:00\r\n")
    assert reproducibility.lock_hash(tmp_path) == unix


def test_used_parameters_come_from_the_executed_notebooks(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"cohort": COHORT, "raw_root": None, "seed": 3}}
    (tmp_path / "reports" / COHORT).mkdir(parents=True)
    nbformat.write(nb, tmp_path / "reports" / COHORT / "04_x.ipynb")
    nbformat.write(nb, tmp_path / "reports" / COHORT / "05_y.failed.ipynb")
    nbformat.write(nb, tmp_path / "reports" / COHORT / ".05_y.running.ipynb")
    assert reproducibility.used_parameters(COHORT, root=tmp_path) == {"04_x": {"seed": 3}}


def test_colophon_block_combines_executed_and_own_parameters(project):
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"cohort": COHORT, "raw_root": None,
                                               "factor": 4, "seed": 12}}
    (project / "reports" / COHORT).mkdir(parents=True)
    nbformat.write(nb, project / "reports" / COHORT / "01_a.ipynb")
    shown = reproducibility.with_block("**Colofon.** Tekst.", COHORT,
                                       {"cohort": COHORT, "n_sim": 100, "simulation_seed": 5,
                                        "label": "y"}, root=project)
    assert shown.text.startswith(reproducibility.COLOPHON_START
                                 + "\n\n**Colofon.** Tekst.\n\n**Reproduceerbaarheid.**")
    assert shown.text.endswith(reproducibility.COLOPHON_END)
    assert "Seeds: 01_a: `seed` = 12; 02_b: `simulation_seed` = 5." in shown.text
    assert ("Parameters anders dan de standaard: 01_a: `factor` = 2 → 4, `seed` = 11 → 12; "
            "02_b: `label` = 'x' → 'y'.") in shown.text
    assert shown._repr_markdown_()[1] == {"compendium": {"volatile": True}}


def test_volatile_outputs_are_marked_and_replaced_by_a_fixed_placeholder():
    from IPython.core.formatters import DisplayFormatter

    data, metadata = DisplayFormatter().format(reproducibility.mark_volatile("commit `abc1234`"))
    output = nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                    execution_count=3)
    plain = nbformat.v4.new_output("stream", text="kept\n")
    assert reproducibility.is_volatile(output) and not reproducibility.is_volatile(plain)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[plain, output])])
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        plain, nbformat.v4.new_output("execute_result", data={"text/markdown": "commit `def5678`"},
                                      metadata=metadata, execution_count=3)])])
    reproducibility.strip_volatile(nb)
    reproducibility.strip_volatile(other)
    assert nb.cells[0].outputs == other.cells[0].outputs
    outputs = nb.cells[0].outputs
    assert outputs[0] == plain and "abc1234" not in nbformat.writes(nb)
    assert outputs[1]["data"]["text/markdown"] == reproducibility.PLACEHOLDER_NL
    nbformat.validate(nb)


def test_default_figures_name_no_commit(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    record = provenance.save_figure(fig, "x_plot", cohort="c", notebook="01_x", synthetic=False,
                                    caption="Een lijn", inputs_hash="ab" * 32, cell="cel 2",
                                    figures_root=tmp_path)
    plt.close(fig)
    assert record.caption.endswith("Bron: notebook 01_x, cel 2; cohort c; invoer ababababab")
    assert "commit" not in record.caption.lower()
    meta = provenance.read_png_metadata(tmp_path / "c" / "x_plot.png")
    assert "Commit" not in meta
    assert b"ommit" not in (tmp_path / "c" / "x_plot.svg").read_bytes()


CHURN_CELL = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import display
from analysis.report import provenance, reproducibility
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([1, 2, 3], [3, 1, 2])
record = provenance.save_figure(fig, "demo_line", cohort=cohort, notebook="03_c",
                                synthetic=True, caption="Een lijn", cell="cel 5",
                                figures_root="figures")
provenance.show_figure(record)
display(reproducibility.mark_volatile("commit " + reproducibility.git_state(".").short))
"""


@pytest.mark.slow
def test_make_notebooks_twice_across_an_empty_commit_leaves_the_tree_clean(tmp_path):
    root = fx.build_project(tmp_path / "project")
    fx.add_cell(root, "03_c", CHURN_CELL)
    for name in ("01_a", "02_b"):  # their timing log cell shows a varying byte count: silence it
        path = root / "notebooks" / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if "_log" in cell.source:
                cell.source += "\nNone"
        nbformat.write(nb, path)
    (root / ".gitignore").write_text("data/processed/\nfigures/\nreports/\n", encoding="utf-8")
    init_repo(root)
    assert fx.run_quiet(root, force=True, update_notebooks=True, jobs=1)[0] == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "notebooks with outputs")
    committed = (root / "notebooks" / "03_c.ipynb").read_text(encoding="utf-8")
    assert "image/png" in committed and reproducibility.PLACEHOLDER_NL in committed
    assert git(root, "rev-parse", "--short=7", "HEAD") not in committed
    git(root, "commit", "-q", "--allow-empty", "-m", "nothing changed")
    code, lines = fx.run_quiet(root, force=True, update_notebooks=True, jobs=1)
    assert code == 0, "\n".join(lines)
    assert git(root, "status", "--porcelain") == ""
