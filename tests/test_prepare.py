"""analysis.privacy.prepare: deduce's lookup structures restored from a per-user cache.

No real build here (25 s quick, 70-85 s deduce's own): deduce's cache and the per-user cache are small stand-ins in
``tmp_path``, and ``Deduce`` is replaced where a build would happen. The real structures are
exercised by every test that makes ``Deduce()`` (tests/test_privacy.py).
"""

from __future__ import annotations

import os
import pickle
import time

import pytest

from analysis.privacy import prepare


@pytest.fixture
def lookup(tmp_path, monkeypatch):
    """A stand-in of deduce's ``data/lookup`` folder (lists just unpacked, as by a new
    installation) and of the per-user cache, both in tmp_path."""
    base = tmp_path / "deduce" / "data" / "lookup"
    (base / "src" / "names").mkdir(parents=True)
    (base / "src" / "names" / "first.txt").write_text("Jan\nPiet\n", encoding="utf-8")
    target = base / "cache" / prepare.CACHE_FILE
    kept = tmp_path / "user-cache" / "deduce-x" / prepare.CACHE_FILE
    monkeypatch.setattr(prepare, "deduce_cache_file", lambda: target)
    monkeypatch.setattr(prepare, "user_cache_file", lambda environ=None: kept)
    return {"base": base, "target": target, "kept": kept}


def _no_build(monkeypatch):
    import deduce

    def refuse(*args, **kwargs):
        raise AssertionError("built although the per-user cache holds the structures")

    monkeypatch.setattr(deduce, "Deduce", refuse)


def _write_copy(path, version, saved="2000-01-01 00:00:00"):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        pickle.dump({"deduce_version": version, "saved_datetime": saved,
                     "lookup_structs": {"first_names": ["jan", "piet"]}}, out)


def _accepted(lookup):
    from deduce import lookup_structs

    with open(lookup["target"], "rb") as file:
        cache = pickle.load(file)
    return lookup_structs.validate_lookup_struct_cache(
        cache=cache, base_path=lookup["base"], deduce_version=prepare.deduce_version()), cache


def test_a_kept_copy_is_restored_without_a_build_and_deduce_accepts_it(lookup, monkeypatch):
    _write_copy(lookup["kept"], prepare.deduce_version())
    _no_build(monkeypatch)
    said = []
    assert prepare.prepare(say=said.append) == "restored"
    accepted, cache = _accepted(lookup)
    assert accepted  # newer than the freshly unpacked lists: deduce loads it
    assert cache["lookup_structs"] == {"first_names": ["jan", "piet"]}
    assert any("per-user cache" in line for line in said) and said[-1].startswith(
        "prepare: done in")


def test_the_copy_as_kept_would_be_refused_by_deduce(lookup):
    """Why the restore stamps a new time: deduce refuses a cache older than its lists."""
    from deduce import lookup_structs

    _write_copy(lookup["kept"], prepare.deduce_version())
    with open(lookup["kept"], "rb") as file:
        cache = pickle.load(file)
    assert not lookup_structs.validate_lookup_struct_cache(
        cache=cache, base_path=lookup["base"], deduce_version=prepare.deduce_version())


@pytest.mark.parametrize("damage", ["other-version", "not-a-pickle"])
def test_a_damaged_or_foreign_copy_ends_in_a_build_that_is_kept(lookup, monkeypatch, damage):
    import deduce

    if damage == "other-version":
        _write_copy(lookup["kept"], "0.0.1")
    else:
        lookup["kept"].parent.mkdir(parents=True)
        lookup["kept"].write_bytes(b"not a pickle")
    built = []

    def build():
        built.append(True)
        _write_copy(lookup["target"], prepare.deduce_version(), saved=str(
            __import__("datetime").datetime.now()))

    monkeypatch.setattr(deduce, "Deduce", build)
    said = []
    assert prepare.prepare(say=said.append) == "built"
    assert built == [True]
    assert any("could not be used" in line for line in said)
    with open(lookup["kept"], "rb") as file:  # the fresh build replaced the bad copy
        assert pickle.load(file)["deduce_version"] == prepare.deduce_version()


def test_an_accepted_deduce_cache_is_left_alone_and_copied_once(lookup, monkeypatch):
    time.sleep(0.01)
    _write_copy(lookup["target"], prepare.deduce_version(),
                saved=str(__import__("datetime").datetime.now()))
    before = lookup["target"].stat().st_mtime_ns
    _no_build(monkeypatch)
    assert prepare.prepare(say=lambda line: None) == "ready"
    assert lookup["target"].stat().st_mtime_ns == before
    assert lookup["kept"].read_bytes() == lookup["target"].read_bytes()


def test_no_per_user_cache_when_the_variable_is_empty(lookup, monkeypatch):
    import deduce

    monkeypatch.setattr(prepare, "user_cache_file", lambda environ=None: None)
    monkeypatch.setattr(deduce, "Deduce", lambda: _write_copy(
        lookup["target"], prepare.deduce_version(),
        saved=str(__import__("datetime").datetime.now())))
    assert prepare.prepare(say=lambda line: None) == "built"
    assert not lookup["kept"].exists()


def test_the_key_follows_the_version_and_the_lists(tmp_path, monkeypatch):
    monkeypatch.setenv(prepare.CACHE_ENV, str(tmp_path))
    first = prepare.user_cache_file()
    assert first.parent.parent == tmp_path
    assert first.parent.name.startswith(f"deduce-{prepare.deduce_version()}-")
    monkeypatch.setattr(prepare, "deduce_version", lambda: "9.9.9")
    assert prepare.user_cache_file().parent.name.startswith("deduce-9.9.9-")


def test_restore_writes_atomically_and_readably(lookup):
    _write_copy(lookup["kept"], prepare.deduce_version())
    prepare.restore(lookup["kept"], lookup["target"])
    assert [p.name for p in lookup["target"].parent.iterdir()] == [prepare.CACHE_FILE]
    if os.name == "posix":
        assert lookup["target"].stat().st_mode & 0o044  # not mkstemp's private mode


def test_importing_deduce_leaves_logging_as_it_was():
    """deduce calls logging.basicConfig(level=DEBUG) on import, which sent PIL's and
    matplotlib's debug lines to the output of run and share; import_deduce puts the root logger
    back. In a fresh interpreter, where deduce is not imported yet."""
    import subprocess
    import sys

    code = ("import logging; from analysis.privacy.prepare import import_deduce; "
            "import_deduce(); root = logging.getLogger(); "
            "print(root.level, len(root.handlers)); "
            "import deduce.deduce as d; print(d.__name__)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", check=True)
    assert done.stdout.split() == [str(30), "0", "deduce.deduce"]


# ----------------------------------------------------------------------- the quick build

def _lists_with_transforms():
    """deduce's own lookup lists that have a transform.json: (folder, items, transform)."""
    import json

    src = prepare.deduce_folder() / "data" / "lookup" / "src"
    found = []
    for config in sorted(src.rglob("transform.json")):
        items = prepare.import_deduce().utils.optional_load_items(config.parent / "items.txt")
        found.append((config.parent.relative_to(src).as_posix(), sorted(items or []),
                      json.loads(config.read_text(encoding="utf-8"))))
    return found


def _sample(items, size=1500):
    """About ``size`` items spread evenly over the sorted list, and every item with a
    bracket, ``&`` or a full stop (the rarest patterns): the deterministic part of a list the
    replacements are tested on."""
    every = max(1, len(items) // size)
    return [item for i, item in enumerate(items)
            if i % every == 0 or any(c in item for c in "().&")]


def test_the_quick_variations_are_deduces_own_in_the_same_order():
    """Every transform of every list of deduce's, on a sample of its items: the same
    variations, in the same order (replacements made, and none where nothing matches)."""
    from deduce import utils

    lists = _lists_with_transforms()
    assert {name for name, _, _ in lists} >= {"locations/lst_street", "locations/lst_placename",
                                              "institutions/lst_hospital"}
    compared = changed = 0
    for name, items, config in lists:
        for transform in config.get("transforms", {}).values():
            for item in _sample(items):
                own = utils.str_variations(item, transform)
                assert prepare._str_variations(item, transform) == own, (name, item)
                compared += 1
                changed += own != [item]
    assert compared > 5_000 and changed > 1_000, (compared, changed)


def test_the_quick_trie_holds_the_token_texts_deduce_would_store():
    import docdeid
    from deduce import utils
    from deduce.tokenizer import DeduceTokenizer

    tokenizer = DeduceTokenizer()
    items = [item for name, items, _ in _lists_with_transforms()
             if name.startswith("institutions") for item in _sample(items)]
    lookup = docdeid.ds.LookupSet()
    lookup.add_items_from_iterable(items)
    own, quick = (utils.lookup_set_to_trie(lookup, tokenizer),
                  prepare._lookup_set_to_trie(lookup, tokenizer))
    assert pickle.dumps(quick) == pickle.dumps(own)
    assert len(items) > 1_000


def test_the_quick_build_puts_deduce_back_as_it_was():
    import gc

    from deduce import lookup_struct_loader, utils

    before = (utils.str_variations, lookup_struct_loader.lookup_set_to_trie, gc.isenabled())
    with pytest.raises(RuntimeError, match="inside"):
        with prepare.quick_build():
            assert utils.str_variations is prepare._str_variations
            assert not gc.isenabled()
            raise RuntimeError("a failure inside the build")
    assert (utils.str_variations, lookup_struct_loader.lookup_set_to_trie,
            gc.isenabled()) == before
