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
from analysis.publish import share

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
def outputs(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "REPORTS", tmp_path / "reports")
    monkeypatch.setattr(paths, "FIGURES", tmp_path / "figures")
    reports, figures = paths.reports_dir(COHORT), paths.figures_dir(COHORT)
    reports.mkdir(parents=True)
    figures.mkdir(parents=True)
    (reports / "findings.html").write_text("<html><body><p>Van de 22 gezinnen ...</p>"
                                           "</body></html>", encoding="utf-8")
    (reports / "claims.csv").write_text("claim_id,numerator,denominator\na,14,22\n",
                                        encoding="utf-8")
    (reports / "key_numbers.json").write_text(json.dumps(
        {"trajectories_started": 12, "trajectories_completed": 9, "trajectories_dropped_out": 2,
         "trajectories_ongoing": 1, "interview_sessions_n": 2}), encoding="utf-8")
    (reports / "02_qualitative.html").write_text("<p>internal page, Daan Jansen</p>",
                                                 encoding="utf-8")
    (figures / "trajectories_flow.svg").write_text("<svg><text>n = 2</text></svg>",
                                                   encoding="utf-8")
    (figures / "trajectories_flow.png").write_bytes(_png("flow"))
    (figures / "questionnaires_sdq_jacobson_truax.png").write_bytes(_png("per family"))
    (figures / "qualitative_theme_matrix.png").write_bytes(_png("thema's"))
    return reports, figures


def test_share_writes_a_bundle_of_checked_publishable_files(outputs):
    reports, _ = outputs
    assert cli.main(["share", "--cohort", COHORT]) == 0
    with zipfile.ZipFile(reports / f"{COHORT}_publicatie.zip") as archive:
        names = sorted(archive.namelist())
        numbers = json.loads(archive.read("key_numbers.json"))
    assert names == ["claims.csv", "disclosure_check.csv", "figures/qualitative_theme_matrix.png",
                     "findings.html", "key_numbers.json"]
    assert numbers["trajectories_dropped_out"] == "<5" and numbers["interview_sessions_n"] == 2
    check = pd.read_csv(reports / "disclosure_check.csv")
    assert list(check.columns) == ["output", "rule", "status", "reason", "smallest_cell"]
    withheld = set(check.loc[check["status"] == "withheld", "output"])
    assert withheld == {"figures/trajectories_flow.svg", "figures/trajectories_flow.png",
                        "figures/questionnaires_sdq_jacobson_truax.png"}


def test_share_is_deterministic(outputs):
    reports, _ = outputs
    assert cli.main(["share", "--cohort", COHORT]) == 0
    first = (reports / f"{COHORT}_publicatie.zip").read_bytes()
    assert cli.main(["share", "--cohort", COHORT]) == 0
    assert (reports / f"{COHORT}_publicatie.zip").read_bytes() == first


@pytest.mark.parametrize("plant", ["identifier", "planted", "formula", "small claim",
                                   "default mode"])
def test_share_refuses_with_a_list_and_writes_no_zip(outputs, tmp_path, capsys, plant):
    reports, _ = outputs
    findings = reports / "findings.html"
    planted_file = tmp_path / "planted.txt"
    planted_file.write_text("Verhoeven\n", encoding="utf-8")
    if plant == "identifier":
        findings.write_text("<p>mail j.v@example.nl</p>", encoding="utf-8")
    elif plant == "planted":
        findings.write_text("<p>Daan Verhoeven</p>", encoding="utf-8")
    elif plant == "formula":
        (reports / "claims.csv").write_text("claim_id,note\na,=1+1\n", encoding="utf-8")
    elif plant == "small claim":
        (reports / "claims.csv").write_text("claim_id,numerator,denominator\na,3,6\n",
                                            encoding="utf-8")
    else:
        findings.write_text("<p><em>Niet voor publicatie: deze citaten passeerden de "
                            "automatische privacycontrole, maar ...</em></p>", encoding="utf-8")
    code = cli.main(["share", "--cohort", COHORT, "--planted", str(planted_file)])
    assert code == 1
    assert not (reports / f"{COHORT}_publicatie.zip").exists()
    err = capsys.readouterr().err
    assert "refused" in err and "Verhoeven" not in err and "example.nl" not in err
    check = pd.read_csv(reports / "disclosure_check.csv")
    assert (check["status"] == "fail").any()


def test_internal_pages_are_never_in_the_bundle(outputs):
    names = [name for name, _ in share.candidates(COHORT)]
    assert "02_qualitative.html" not in names and not any("processed" in n for n in names)
