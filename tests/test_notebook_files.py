"""The committed notebooks as files: valid nbformat 4.5 with a unique id on every cell.

A cell without an id (easy to produce when notebooks are merged or edited as JSON) makes
nbformat warn on every execution and will be an error in a future nbformat."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_a_unique_id_and_the_notebook_validates(path):
    import nbformat

    data = json.loads(path.read_text(encoding="utf-8"))
    ids = [cell.get("id") for cell in data["cells"]]
    assert None not in ids, [i for i, v in enumerate(ids) if v is None]
    assert len(set(ids)) == len(ids)
    nbformat.validate(nbformat.from_dict(data))


def test_the_notebooks_are_found():
    assert len(NOTEBOOKS) >= 6
