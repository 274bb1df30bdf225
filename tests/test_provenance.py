"""analysis.report.provenance: input hashes, commit, colophon, and figures that carry their origin."""

import hashlib
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from analysis import paths
from analysis.errors import CompendiumError, ConfigError
from analysis.report import provenance
from analysis.report.figures.style import SYNTHETIC_BANNER

HASH = "a1b2c3d4e5" + "f" * 54
COMMIT = "1234abc"
DC = "{http://purl.org/dc/elements/1.1/}"


def _figure() -> Figure:
    fig = Figure(figsize=(3, 2))
    ax = fig.subplots()
    ax.plot([1, 2, 3], [2, 1, 3], label="groep")
    ax.set_title("Verandering in SDQ-totaal")
    return fig


def _save(fig, root, **overrides):
    options = dict(cohort="helmond-2023", notebook="01_questionnaires.ipynb", synthetic=False,
                   caption="Gemiddelde SDQ-totaalscore per meetmoment", inputs_hash=HASH,
                   cell="cel 7", commit=COMMIT, figures_root=root,
                   marks_root=Path(root) / "processed")
    options.update(overrides)
    return provenance.save_figure(fig, "sdq_change", **options)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- hashes


@pytest.fixture
def raw(tmp_path):
    folder = tmp_path / "raw" / "cohort-a"
    (folder / "coding").mkdir(parents=True)
    (folder / "sdq.csv").write_text("id,item1\n1,2\n", encoding="utf-8")
    (folder / "coding" / "segments.csv").write_text("code\nx\n", encoding="utf-8")
    return folder


def test_hash_files_is_sha256_of_names_and_contents(raw):
    digest = provenance.hash_files([raw])
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert provenance.hash_files([raw / "sdq.csv", raw / "coding"], root=raw) == digest
    assert provenance.short_hash(digest) == digest[:10]


@pytest.mark.parametrize("change", ["content", "name", "new_file"])
def test_hash_files_changes_with_any_input(raw, change):
    before = provenance.hash_files([raw])
    if change == "content":
        (raw / "sdq.csv").write_text("id,item1\n1,3\n", encoding="utf-8")
    elif change == "name":
        (raw / "sdq.csv").rename(raw / "sdq_t0.csv")
    else:
        (raw / "ari_cp.csv").write_text("id\n", encoding="utf-8")
    assert provenance.hash_files([raw]) != before


def test_hash_ignores_location_hidden_and_lock_files(raw, tmp_path):
    before = provenance.hash_files([raw])
    (raw / ".DS_Store").write_bytes(b"x")
    (raw / "~$sdq.xlsx").write_bytes(b"lock")
    moved = shutil.copytree(raw, tmp_path / "elsewhere" / "cohort-a")
    assert provenance.hash_files([raw]) == before
    assert provenance.hash_files([moved]) == before


def test_input_hash_reads_the_cohort_folder(raw):
    assert provenance.input_hash("cohort-a", raw_root=raw.parent) == provenance.hash_files([raw])


def test_input_hash_names_a_missing_or_empty_cohort(tmp_path):
    with pytest.raises(CompendiumError, match="cohort 'nope'.*does not exist"):
        provenance.input_hash("nope", raw_root=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(CompendiumError, match="holds no files"):
        provenance.input_hash("empty", raw_root=tmp_path)


def test_hash_files_names_a_missing_path(tmp_path):
    with pytest.raises(CompendiumError, match="no such file"):
        provenance.hash_files([tmp_path / "missing.csv"])


# --------------------------------------------------------------------------- environment


def test_git_commit_outside_a_repository_is_unknown(tmp_path):
    assert provenance.git_commit(tmp_path) == "unknown"


def test_git_commit_without_git_is_unknown(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert provenance.git_commit() == "unknown"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_is_short_and_marks_a_dirty_tree(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t",
                        *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1", encoding="utf-8")
    git("add", "a.txt")
    git("commit", "-q", "-m", "first")
    clean = provenance.git_commit(tmp_path)
    assert 7 <= len(clean) <= 12 and int(clean, 16) >= 0
    (tmp_path / "untracked.png").write_bytes(b"output")
    assert provenance.git_commit(tmp_path) == clean
    (tmp_path / "a.txt").write_text("2", encoding="utf-8")
    assert provenance.git_commit(tmp_path) == clean + "-dirty"


def test_package_versions():
    import matplotlib

    versions = provenance.package_versions(["matplotlib", "no-such-distribution-xyz"])
    assert versions == {"matplotlib": matplotlib.__version__,
                        "no-such-distribution-xyz": "niet geïnstalleerd"}


def test_colophon_lists_packages_parameters_and_the_run_date(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = provenance.colophon({"seed": 2023, "alpha": 0.05}, packages=["pyyaml"],
                                 run_date="2024-05-01")
    assert set(result) == {"run_date", "commit", "python", "packages", "parameters"}
    assert result["run_date"] == "2024-05-01"
    assert list(result["parameters"]) == ["alpha", "seed"]
    assert set(result["packages"]) == {"pyyaml"}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert provenance.colophon({})["run_date"] == "2023-11-14"


def test_current_cell_is_none_outside_ipython():
    assert provenance.current_cell() is None


def test_current_cell_names_the_running_cell_by_its_position(tmp_path, monkeypatch):
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    notebook = tmp_path / "nb.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Titel"),
                nbformat.v4.new_code_cell("from analysis.report.provenance import current_cell"),
                nbformat.v4.new_markdown_cell("tekst"),
                nbformat.v4.new_code_cell("cell = current_cell()\n")]
    nbformat.write(nb, notebook)
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    monkeypatch.setenv("COMPENDIUM_NOTEBOOK_FILE", str(notebook))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    try:
        shell.run_cell("from analysis.report.provenance import current_cell", store_history=True)
        shell.run_cell("cell = current_cell()", store_history=True)
        assert shell.user_ns["cell"] == "cel 4"  # the 4th cell of the file, Markdown counted
        shell.run_cell("other = current_cell()", store_history=True)  # not a cell of the file
        assert shell.user_ns["other"] is None
    finally:
        InteractiveShell.clear_instance()
    assert provenance.current_cell() is None


def test_cell_position_needs_exactly_one_matching_cell(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("x = 1"),
                nbformat.v4.new_code_cell("y = 2")]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    assert provenance.cell_position(tmp_path / "nb.ipynb", "y = 2\n") == 3
    assert provenance.cell_position(tmp_path / "nb.ipynb", "x = 1") is None  # ambiguous
    assert provenance.cell_position(tmp_path / "missing.ipynb", "y = 2") is None


# --------------------------------------------------------------------------- figures


def test_save_figure_writes_png_and_svg_with_provenance(tmp_path):
    record = _save(_figure(), tmp_path)
    png, svg = tmp_path / "helmond-2023" / "sdq_change.png", tmp_path / "helmond-2023" / "sdq_change.svg"
    assert png.is_file() and svg.is_file()
    meta = provenance.read_png_metadata(png)
    assert meta == {
        "Software": "vaktherapie-compendium", "Title": "sdq_change",
        "Description": record.caption, "Source": "01_questionnaires, cel 7",
        "Cohort": "helmond-2023", "Inputs hash": HASH, "Commit": COMMIT, "Synthetic": "false",
    }
    assert b"Matplotlib" not in png.read_bytes() and b"matplotlib" not in png.read_bytes()
    assert list(tmp_path.rglob("*.tmp")) == []


def test_svg_metadata_is_readable_and_has_no_date(tmp_path):
    record = _save(_figure(), tmp_path)
    tree = ET.parse(tmp_path / "helmond-2023" / "sdq_change.svg")
    work = tree.getroot().find(".//{http://creativecommons.org/ns#}Work")
    assert work.find(f"{DC}description").text == record.caption
    assert work.find(f"{DC}source").text == "01_questionnaires, cel 7"
    assert work.find(f"{DC}date") is None
    keywords = [li.text for li in work.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li")]
    assert f"Inputs hash: {HASH}" in keywords and f"Commit: {COMMIT}" in keywords
    creator = work.find(f"{DC}creator").find(".//" + f"{DC}title").text
    assert creator == "vaktherapie-compendium"


def test_caption_ends_with_the_provenance_line(tmp_path):
    record = _save(_figure(), tmp_path)
    line = ("Bron: notebook 01_questionnaires, cel 7; cohort helmond-2023; "
            "invoer a1b2c3d4e5; commit 1234abc")
    assert record.provenance == line
    assert record.caption == "Gemiddelde SDQ-totaalscore per meetmoment. " + line
    assert record.png == paths.display(tmp_path / "helmond-2023" / "sdq_change.png")
    assert not record.png.startswith("/") and not record.svg.startswith("/")


def test_resaving_gives_byte_identical_files(tmp_path):
    fig = _figure()
    _save(fig, tmp_path)
    files = sorted((tmp_path / "helmond-2023").iterdir())
    first = [_sha(f) for f in files]
    _save(fig, tmp_path)
    assert [_sha(f) for f in files] == first
    _save(_figure(), tmp_path)  # a new, identical figure
    assert [_sha(f) for f in files] == first


def test_synthetic_banner_is_stamped_once_and_named_in_the_caption(tmp_path):
    fig = _figure()
    record = _save(fig, tmp_path, synthetic=True)
    _save(fig, tmp_path, synthetic=True)
    assert [t.get_text() for t in fig.texts].count(SYNTHETIC_BANNER) == 1
    assert "Synthetische data" in record.caption and record.synthetic
    plain = _figure()
    _save(plain, tmp_path / "plain")
    assert all(t.get_text() != SYNTHETIC_BANNER for t in plain.texts)


def test_unknown_inputs_and_cell_are_shown_as_such(tmp_path):
    record = _save(_figure(), tmp_path, cohort="cohort-without-raw-data-xyz", inputs_hash=None,
                   cell=None)
    assert record.cell is None and record.inputs_hash == "onbekend"
    assert "Bron: notebook 01_questionnaires; cohort cohort-without-raw-data-xyz; invoer onbekend" \
        in record.caption


@pytest.mark.parametrize("name", ["../escape", "a/b", "", " space"])
def test_save_figure_rejects_unsafe_names(tmp_path, name):
    with pytest.raises(ConfigError, match="file name"):
        provenance.save_figure(_figure(), name, cohort="c", notebook="n", synthetic=False,
                               caption="x", figures_root=tmp_path)


def test_save_figure_needs_a_caption(tmp_path):
    with pytest.raises(ValueError, match="caption is empty"):
        _save(_figure(), tmp_path, caption="  ")


def test_record_markdown_escapes_and_html_embeds(tmp_path):
    record = _save(_figure(), tmp_path, caption="Score *voor* a_b")
    text = record._repr_markdown_()
    assert text.startswith("Score \\*voor\\* a\\_b.")
    assert "<small>Bron: notebook 01_questionnaires, cel 7;" in text
    assert 'src="data:image/png;base64,' in record._repr_html_()


def test_figure_manifest_lists_every_figure_with_its_provenance(tmp_path):
    _save(_figure(), tmp_path)
    provenance.save_figure(_figure(), "flow", cohort="helmond-2023", notebook="00_flow",
                           synthetic=True, caption="Stroomdiagram", inputs_hash=HASH,
                           cell="cel 3", commit=COMMIT, figures_root=tmp_path,
                           marks_root=tmp_path / "processed")
    manifest = provenance.figure_manifest("helmond-2023", figures_root=tmp_path)
    assert list(manifest.columns) == list(provenance.MANIFEST_COLUMNS)
    assert manifest["figure"].tolist() == ["flow", "sdq_change"]
    flow = manifest.iloc[0]
    assert (flow["notebook"], flow["cell"], flow["synthetic"]) == ("00_flow", "cel 3", True)
    assert flow["caption"].endswith("commit 1234abc")
    assert provenance.figure_manifest("no-figures", figures_root=tmp_path).empty


# --------------------------------------------------------------------------- marks beside a figure
def _drawn():
    from analysis.report.figures.drawn import Drawn, mark, marks_frame

    marks = marks_frame([mark("Leeftijd 7", 3, "children", element="bar", age="7"),
                         mark("=SOM(A1)", 0, "children", element="bar", age="8")])
    return Drawn(_figure(), marks, "analysis.report.figures.trajectories:redraw_characteristics")


def test_save_figure_writes_the_marks_and_a_meta_file(tmp_path):
    import json

    from analysis.publish.figures import read_marks

    record = _save(_drawn(), tmp_path)
    folder = tmp_path / "processed" / "helmond-2023" / "figures"
    meta = json.loads((folder / "sdq_change.json").read_text(encoding="utf-8"))
    assert record.declared and record.marks.endswith("sdq_change.marks.csv")
    assert meta["declared"] and meta["marks"] == "sdq_change.marks.csv"
    assert meta["redraw"] == "analysis.report.figures.trajectories:redraw_characteristics"
    assert meta["png_sha256"] == _sha(tmp_path / "helmond-2023" / "sdq_change.png")
    assert meta["inputs_hash"] == HASH and meta["cell"] == "cel 7"
    assert meta["caption"] == "Gemiddelde SDQ-totaalscore per meetmoment"
    assert str(tmp_path) not in json.dumps(meta)
    marks = read_marks(folder / "sdq_change.marks.csv", columns=meta["columns"])
    assert marks["age"].tolist() == ["7", "8"]  # labels stay text
    assert marks["mark"].tolist() == ["Leeftijd 7", "=SOM(A1)"]  # read back as written
    assert "'=SOM(A1)" in (folder / "sdq_change.marks.csv").read_text(encoding="utf-8")


def test_a_bare_figure_is_recorded_as_undeclared(tmp_path):
    import json

    _save(_drawn(), tmp_path)
    record = _save(_figure(), tmp_path)
    folder = tmp_path / "processed" / "helmond-2023" / "figures"
    meta = json.loads((folder / "sdq_change.json").read_text(encoding="utf-8"))
    assert not record.declared and not meta["declared"] and meta["marks"] is None
    assert not (folder / "sdq_change.marks.csv").exists()  # the old marks do not stay


def test_marks_go_beside_the_figures_root_by_default(tmp_path):
    provenance.save_figure(_drawn(), "x_plot", cohort="c", notebook="01_x", synthetic=False,
                           caption="Een figuur", inputs_hash=HASH,
                           figures_root=tmp_path / "figures")
    assert (tmp_path / "data" / "processed" / "c" / "figures" / "x_plot.marks.csv").is_file()


def test_a_drawn_figure_checks_its_marks():
    from analysis.report.figures.drawn import Drawn, marks_frame

    with pytest.raises(ValueError, match="unit"):
        marks_frame([{"mark": "a", "n": 1, "unit": "kinderen", "individual": False}])
    with pytest.raises(ValueError, match="more than once"):
        marks_frame([{"mark": "a", "n": 1, "unit": "children", "individual": False}] * 2)
    with pytest.raises(ValueError, match="whole numbers"):
        marks_frame([{"mark": "a", "n": 1.5, "unit": "children", "individual": False}])
    text = marks_frame([{"mark": "a", "n": 1, "unit": "children", "individual": "False"}])
    assert text["individual"].tolist() == [False]  # as read from a CSV, not bool("False")
    with pytest.raises(ValueError, match="individual"):
        marks_frame([{"mark": "a", "n": 1, "unit": "children", "individual": None}])
    with pytest.raises(ValueError, match="redraw"):
        Drawn(_figure(), marks_frame([]), "os:system")
    with pytest.raises(TypeError, match="Drawn"):
        provenance.save_figure("not a figure", "x", cohort="c", notebook="n", synthetic=False,
                               caption="c")
