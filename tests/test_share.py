"""``python -m analysis share`` and the scanner it runs on every file of the bundle."""

from __future__ import annotations

import base64
import json
import struct
import zipfile
import zlib

import pandas as pd
import pytest

from analysis import cli, paths
from analysis.privacy import scanner

COHORT = "share-test"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(
        ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png(text: str = "", kind: bytes = b"tEXt") -> bytes:
    chunks = b""
    if text:
        body = b"Description\0" + (text.encode("latin-1") if kind == b"tEXt" else
                                   b"\0" + zlib.compress(text.encode("latin-1")))
        if kind == b"iTXt":
            body = b"Description\0\0\0en\0\0" + text.encode("utf-8")
        chunks = _chunk(kind, body)
    return b"\x89PNG\r\n\x1a\n" + chunks + _chunk(b"IEND", b"")


@pytest.mark.parametrize("kind", [b"tEXt", b"zTXt", b"iTXt"])
def test_png_text_chunks_are_read(tmp_path, kind):
    file = tmp_path / "f.png"
    file.write_bytes(_png("Gesprek met Daan Jansen", kind))
    assert [f.rule for f in scanner.scan_file(file, planted=["Jansen"])] == ["planted"]


@pytest.mark.parametrize("make", ["html base64 png", "html base64 svg", "svg text",
                                  "notebook json", "html entity", "invisible characters",
                                  "phone digits in other spacing"])
def test_planted_values_are_found_in_every_encoding(tmp_path, make):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>Daan Jansen</text></svg>'
    content = {
        "html base64 png": ("f.html", '<img src="data:image/png;base64,'
                            + base64.b64encode(_png("Daan Jansen")).decode() + '"/>'),
        "html base64 svg": ("f.html", '<img src="data:image/svg+xml;base64,'
                            + base64.b64encode(svg.encode()).decode() + '"/>'),
        "svg text": ("f.svg", '<svg><text>Daan</text><text> Jan&#115;en</text></svg>'),
        "notebook json": ("f.ipynb", json.dumps({"cells": [{"outputs": [
            {"data": {"text/plain": "Daan \u004aansen"}}]}]}, ensure_ascii=True)),
        "html entity": ("f.html", "<p>Daan &#74;ansen</p>"),
        "invisible characters": ("f.html", "<p>Daan Jan\u200bsen</p>"),
        "phone digits in other spacing": ("f.html", "<p>bel 06 98 76 54 32</p>"),
    }[make]
    file = tmp_path / content[0]
    file.write_text(content[1], encoding="utf-8")
    planted = ["0698765432"] if "phone" in make else ["Jansen"]
    assert any(f.rule == "planted" for f in scanner.scan_file(file, planted=planted)), make


def test_clean_files_pass_and_numbers_are_not_phone_numbers(tmp_path):
    file = tmp_path / "key_numbers.json"
    file.write_text(json.dumps({"rate": 0.6363636364, "n": 22, "p": 0.0444118575}),
                    encoding="utf-8")
    assert scanner.scan_file(file, planted=["Jansen"], threshold=5,
                             is_person_count=lambda k: k == "n") == []


def test_formula_cells_and_small_cells_are_found(tmp_path):
    file = tmp_path / "claims.csv"
    file.write_text("claim_id,numerator,denominator,note\na,3,6,=HYPERLINK(1)\nb,12,20,-4\n",
                    encoding="utf-8")
    assert scanner.formula_cells(file) == ["formula-like cell in row 2, column 4"]
    assert scanner.csv_small_cells(file, 5) == ["count below 5 in row 2, column numerator"]
    svg = tmp_path / "f.svg"
    svg.write_text("<svg><text>afgerond (n = 2)</text></svg>", encoding="utf-8")
    assert {f.rule for f in scanner.scan_file(svg, threshold=5)} == {"small_cell"}


@pytest.fixture
def published(tmp_path, monkeypatch):
    """A published folder as the publish stage leaves it, current for its (empty) run: share
    only checks and zips it."""
    from analysis.pipeline.runner import run_fingerprint
    from analysis.report.provenance import input_hash

    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    raw = tmp_path / "raw" / COHORT
    raw.mkdir(parents=True)
    (raw / "cohort.yaml").write_text("name: x\n", encoding="utf-8")
    reports = paths.reports_dir(COHORT)
    folder = reports / "publicatie"
    (folder / "figuren").mkdir(parents=True)
    (reports / "key_numbers.json").write_text(json.dumps(  # the internal run's
        {"trajectories_started": 12, "trajectories_completed": 6, "trajectories_dropped_out": 3,
         "trajectories_ongoing": 3, "interview_sessions_n": 2}), encoding="utf-8")
    (folder / "findings.html").write_text("<html><body><p>Van de 22 gezinnen ...</p>"
                                          "</body></html>", encoding="utf-8")
    (folder / "claims.csv").write_text("claim_id,numerator,denominator\na,14,22\nb,<5,22\n",
                                       encoding="utf-8")
    (folder / "key_numbers.json").write_text(json.dumps(
        {"trajectories_started": 12, "trajectories_completed": 6, "trajectories_dropped_out": "<5",
         "trajectories_ongoing": "<5", "interview_sessions_n": 2}), encoding="utf-8")
    (folder / "figuren" / "trajectories_flow.png").write_bytes(_png("stroom van gezinnen"))
    (reports / "02_qualitative.html").write_text("<p>internal page, Daan Jansen</p>",
                                                 encoding="utf-8")
    (folder / "publicatie.json").write_text(json.dumps(
        {"cohort": COHORT, "threshold": 5, "run": run_fingerprint(COHORT),
         "inputs_hash": input_hash(COHORT)}), encoding="utf-8")
    return reports, folder


def test_share_zips_exactly_the_published_folder_after_scanning_every_file(published):
    reports, folder = published
    assert cli.main(["share", "--cohort", COHORT]) == 0
    with zipfile.ZipFile(reports / f"{COHORT}_publicatie.zip") as archive:
        names = sorted(archive.namelist())
    assert names == ["claims.csv", "disclosure_check.csv", "figuren/trajectories_flow.png",
                     "findings.html", "key_numbers.json", "publicatie.json"]
    check = pd.read_csv(folder / "disclosure_check.csv")
    assert list(check.columns) == ["output", "rule", "status", "reason", "smallest_cell"]
    scanned = check[check["rule"] == "scan"]
    assert set(scanned["output"]) == set(names) and set(scanned["status"]) == {"pass"}


def test_share_refuses_a_bundle_whose_hidden_count_can_be_worked_out(published, capsys):
    reports, folder = published
    numbers = json.loads((folder / "key_numbers.json").read_text(encoding="utf-8"))
    numbers["trajectories_ongoing"] = 3  # now 12 - 6 - 3 gives the "<5" back
    (folder / "key_numbers.json").write_text(json.dumps(numbers), encoding="utf-8")
    assert cli.main(["share", "--cohort", COHORT]) == 1
    err = capsys.readouterr().err
    assert "recovered: the hidden count trajectories_dropped_out can be worked out" in err
    assert not (reports / f"{COHORT}_publicatie.zip").exists()


def test_share_is_deterministic(published):
    reports, _ = published
    assert cli.main(["share", "--cohort", COHORT]) == 0
    first = (reports / f"{COHORT}_publicatie.zip").read_bytes()
    assert cli.main(["share", "--cohort", COHORT]) == 0
    assert (reports / f"{COHORT}_publicatie.zip").read_bytes() == first


@pytest.mark.parametrize("plant", ["identifier", "planted", "formula", "small claim",
                                   "internal page", "file name"])
def test_share_refuses_with_a_list_and_writes_no_zip(published, tmp_path, capsys, plant):
    reports, folder = published
    findings = folder / "findings.html"
    planted_file = tmp_path / "planted.txt"
    planted_file.write_text("Verhoeven\n", encoding="utf-8")
    if plant == "identifier":
        findings.write_text("<p>mail j.v@example.nl</p>", encoding="utf-8")
    elif plant == "planted":
        findings.write_text("<p>Daan Verhoeven</p>", encoding="utf-8")
    elif plant == "formula":
        (folder / "claims.csv").write_text("claim_id,note\na,=1+1\n", encoding="utf-8")
    elif plant == "small claim":
        (folder / "claims.csv").write_text("claim_id,numerator,denominator\na,3,6\n",
                                           encoding="utf-8")
    elif plant == "internal page":
        findings.write_text("<p><em>Niet voor publicatie: deze citaten passeerden de "
                            "automatische privacycontrole, maar ...</em></p>", encoding="utf-8")
    else:
        (folder / "figuren" / "Casus Verhoeven.png").write_bytes(_png("x"))
    (reports / f"{COHORT}_publicatie.zip").write_bytes(b"an old zip")
    code = cli.main(["share", "--cohort", COHORT, "--planted", str(planted_file)])
    assert code == 1
    assert not (reports / f"{COHORT}_publicatie.zip").exists()
    err = capsys.readouterr().err
    assert "refused" in err and "Verhoeven" not in err and "example.nl" not in err
    check = pd.read_csv(folder / "disclosure_check.csv")
    assert (check["status"] == "fail").any()
    assert not check.astype(str).apply(lambda c: c.str.contains("example.nl")).any().any()


def test_share_at_another_threshold_renders_the_set_again_at_that_threshold(published,
                                                                            monkeypatch):
    from analysis.publish import render

    reports, folder = published
    calls = []

    def publish(cohort, *, threshold, **options):
        from analysis.publish import disclosure

        calls.append((cohort, threshold, options.get("locked")))
        internal = json.loads((reports / "key_numbers.json").read_text(encoding="utf-8"))
        shown, _ = disclosure.publish_numbers(internal, threshold=threshold)
        (folder / "key_numbers.json").write_text(json.dumps(shown), encoding="utf-8")
        manifest = json.loads((folder / "publicatie.json").read_text(encoding="utf-8"))
        (folder / "publicatie.json").write_text(json.dumps({**manifest, "threshold": threshold}),
                                                encoding="utf-8")

    monkeypatch.setattr(render, "publish", publish)
    assert cli.main(["share", "--cohort", COHORT, "--threshold", "10"]) == 0
    assert calls == [(COHORT, 10, False)]  # under share's own lock
    calls.clear()
    assert cli.main(["share", "--cohort", COHORT]) == 0  # default: the folder's threshold
    assert calls == []
    (reports.parent.parent / "raw" / COHORT / "cohort.yaml").write_text("name: y\n",
                                                                       encoding="utf-8")
    assert cli.main(["share", "--cohort", COHORT, "--threshold", "10"]) == 0
    assert calls == [(COHORT, 10, False)]  # raw data changed since: made again


def test_share_refuses_while_a_run_holds_the_lock(published, capsys):
    import os
    import socket

    reports, _ = published
    (reports / ".run.lock").write_text(json.dumps(
        {"pid": os.getpid(), "host": socket.gethostname(), "started": "2024-01-01T00:00:00"}),
        encoding="utf-8")
    assert cli.main(["share", "--cohort", COHORT]) == 2
    assert "is being run by" in capsys.readouterr().err
    assert not (reports / f"{COHORT}_publicatie.zip").exists()


def test_internal_pages_and_processed_data_are_never_in_the_bundle(published):
    reports, _ = published
    assert cli.main(["share", "--cohort", COHORT]) == 0
    with zipfile.ZipFile(reports / f"{COHORT}_publicatie.zip") as archive:
        names = archive.namelist()
    assert "02_qualitative.html" not in names and not any("processed" in n for n in names)


def test_a_marks_table_counts_only_its_people_rows_as_small_cells(tmp_path):
    file = tmp_path / "f.marks.csv"
    file.write_text("mark,n,unit\nthema a,1,segments\nsessie,2,sessions\ngezinnen,3,families\n"
                    "raar,4,beads\nalle,9,families\n", encoding="utf-8")
    assert scanner.csv_small_cells(file, 5) == ["count below 5 in row 4, column n",
                                                "count below 5 in row 5, column n"]


def _printed_labels() -> list[tuple[str, str]]:
    """Every Dutch text the published site prints from the compendium's own definitions: the
    key-number labels and the words they are composed of (``kerngetallen.html``), the claims'
    statements and notes (``beweringen.html``)."""
    import yaml

    from analysis.report import claims

    spec = yaml.safe_load((paths.ROOT / "analysis/definitions/key_number_labels.yaml")
                          .read_text(encoding="utf-8"))
    texts = [(f"{section}.{key}", str(text)) for section in ("labels", "words")
             for key, text in (spec.get(section) or {}).items()]
    texts += [(f"statements_nl.{k}", v) for k, v in claims.statements_nl().items()]
    texts += [(f"notes_nl.{k}", v) for k, v in claims.notes_nl().items()]
    return texts


def test_every_label_the_published_site_prints_passes_the_full_scanner():
    """A label that the scanner takes for a name ("(Rubin)" for Rubin's rules of multiple
    imputation) refuses every published set; found here, not by a refused publish."""
    texts = _printed_labels()
    assert len(texts) > 200
    # one guard run over all texts (deduce starts once); the reason names the label, not a value
    failures = scanner.scan_table(pd.DataFrame({"label": [k for k, _ in texts],
                                                "text": [t for _, t in texts]}))
    rows = [int(r.split("row ")[1].split(",")[0]) for r in failures if "row " in r]
    assert [texts[r - 2][0] for r in rows] == [] and failures == []
