"""deduce's lookup structures: built once per installation, kept once per user.

The de-identifier deduce (:mod:`analysis.privacy.guard`) turns its lookup lists (names, places,
streets, institutions: ``deduce/data/lookup/src``) into lookup structures the first time
``Deduce()`` is made, and pickles them into its own package folder
(``deduce/data/lookup/cache/lookup_structs.pickle``, about 75 MB). deduce's own build takes
70-85 s on a quiet 2-core machine (minutes under load), in every new virtual environment: each
clone, each ``rm -rf .venv``, each CI job.

:func:`prepare` (``python -m analysis prepare``, run by ``make install``) keeps a copy of the
built structures in a per-user cache, :func:`user_cache_file`, keyed on deduce's version and a
digest of its lookup lists (:func:`lists_digest`: every file's path and bytes), so a new
environment with the same deduce and the same lists restores them in a few seconds instead of
building them again. The structures are deduce's own, built by deduce from the same lists: the
guard's findings (and so every quote, number and test of ``tests/test_privacy.py``) are the
same whichever way they arrived. Another deduce version or any change in a list gives another
key, and so a fresh build.

deduce accepts its cache only when it is newer than every folder of its lookup lists (it
compares the saved time with their modification times, which a new installation sets to the
time it unpacked them); a restored copy is therefore stamped with the modification time of the
newest of these lists (never the clock: outputs do not depend on the day).

A build here (:func:`quick_build`) runs deduce's own builder with two of its helpers replaced
by faster ones that return the same values, and the garbage collector paused: 22-25 s instead
of 69-70 s on this 2-core machine at load 2-5, the 16 pickled structures the same bytes
(``python -m benchmarks.deduce_build`` builds both ways in one process and compares them).

The cache folder is ``$ANALYSIS_CACHE_DIR`` when set (an empty value turns the cache off), else
the system's per-user cache folder (``%LOCALAPPDATA%`` on Windows, ``~/Library/Caches`` on
macOS, ``$XDG_CACHE_HOME`` or ``~/.cache`` elsewhere) under ``helmond-compendium``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

CACHE_ENV = "ANALYSIS_CACHE_DIR"
"""Environment variable: folder of the per-user cache (empty: no per-user cache)."""
CACHE_NAME = "helmond-compendium"
"""Folder of this compendium inside the system's per-user cache folder."""
CACHE_FILE = "lookup_structs.pickle"
"""File name of the structures, in deduce's cache and in the per-user cache."""


def import_deduce():
    """The ``deduce`` package, imported without its side effect on logging.

    ``deduce/deduce.py`` calls ``logging.basicConfig(stream=sys.stdout, level=logging.DEBUG)``
    when it is imported (deduce 3.x), which sends every library's debug lines (PIL reading
    each PNG, matplotlib's font search) to the standard output of ``run`` and ``share``. The
    root logger's level and handlers are put back as they were before the import.
    """
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        import deduce
        import deduce.lookup_structs  # noqa: F401 - imported here, under the same guard
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
        root.setLevel(level)
    return deduce


def deduce_folder() -> Path | None:
    """deduce's package folder, None when deduce is not installed."""
    spec = importlib.util.find_spec("deduce")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def deduce_cache_file() -> Path | None:
    """deduce's own cache of lookup structures (None when deduce is not installed)."""
    folder = deduce_folder()
    return None if folder is None else folder / "data" / "lookup" / "cache" / CACHE_FILE


def deduce_version() -> str:
    """The installed deduce's version, as deduce records it in its cache."""
    from importlib.metadata import version

    return version("deduce")


def lists_digest(source: Path) -> str:
    """SHA-256 over every file of deduce's lookup lists below ``source``: relative path and bytes
    (``__pycache__`` left out), in sorted order.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "names.txt").write_text("Jan\\n", encoding="utf-8")
    ...     first = lists_digest(Path(d))
    ...     _ = (Path(d) / "names.txt").write_text("Jan\\nPiet\\n", encoding="utf-8")
    ...     first != lists_digest(Path(d))
    True
    """
    digest = hashlib.sha256()
    for file in sorted(p for p in source.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts):
        digest.update(file.relative_to(source).as_posix().encode("utf-8") + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def user_cache_root(environ: dict | None = None) -> Path | None:
    """The per-user cache folder of this compendium; None when ``$ANALYSIS_CACHE_DIR`` is set
    empty (no per-user cache).

    >>> user_cache_root({"ANALYSIS_CACHE_DIR": "/tmp/c"}).as_posix()
    '/tmp/c'
    >>> user_cache_root({"ANALYSIS_CACHE_DIR": ""}) is None
    True
    """
    environ = os.environ if environ is None else environ
    if CACHE_ENV in environ:
        return Path(environ[CACHE_ENV]) if environ[CACHE_ENV] else None
    if sys.platform == "win32" and environ.get("LOCALAPPDATA"):
        base = Path(environ["LOCALAPPDATA"])
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / CACHE_NAME


def user_cache_file(environ: dict | None = None) -> Path | None:
    """Where the per-user copy of the installed deduce's structures is kept, or None (no
    deduce, or no per-user cache): ``<root>/deduce-<version>-<lists digest, 16 hex>/``."""
    root, folder = user_cache_root(environ), deduce_folder()
    if root is None or folder is None:
        return None
    key = lists_digest(folder / "data" / "lookup" / "src")[:16]
    return root / f"deduce-{deduce_version()}-{key}" / CACHE_FILE


def is_prepared() -> bool:
    """True when deduce's own cache file exists (or deduce is not installed)."""
    cache = deduce_cache_file()
    return cache is None or cache.is_file()


def restore(source: Path, target: Path) -> None:
    """Write the structures of the per-user copy ``source`` into deduce's cache ``target``,
    stamped with the newest lookup list's modification time (deduce's test of freshness),
    atomically."""
    with collector_paused():  # millions of small objects: 4x faster without collections
        with open(source, "rb") as file:
            cache = pickle.load(file)
        _restore(cache, target)


def _restore(cache: object, target: Path) -> None:
    if not isinstance(cache, dict) or cache.get("deduce_version") != deduce_version():
        raise ValueError(f"the per-user copy does not hold deduce {deduce_version()}'s "
                         "structures")
    src = target.parent.parent / "src"
    newest = max((f.stat().st_mtime for f in [src, *src.rglob("*")] if f.exists()), default=0.0)
    cache["saved_datetime"] = str(datetime.fromtimestamp(newest))  # not older than any list
    lookup_structs = import_deduce().lookup_structs

    if not lookup_structs.validate_lookup_struct_cache(
            cache=cache, base_path=target.parent.parent, deduce_version=deduce_version()):
        raise ValueError("deduce would not accept the restored structures")
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(target, lambda out: pickle.dump(cache, out, protocol=pickle.HIGHEST_PROTOCOL))


def keep(source: Path, target: Path) -> None:
    """Copy deduce's freshly built cache ``source`` to the per-user cache ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as fin:
        _write_atomic(target, lambda out: shutil.copyfileobj(fin, out, 1 << 20))


def _write_atomic(target: Path, write: Callable) -> None:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)  # as an ordinary file (mkstemp makes it private)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def prepare(say: Callable[[str], object] = print) -> str:
    """Make deduce's lookup structures ready: from the per-user cache when it holds them for
    this deduce and these lists, else built by deduce (and then kept in the per-user cache).

    Returns what was done: ``"absent"`` (deduce not installed), ``"ready"`` (deduce's own cache
    was fine), ``"restored"`` or ``"built"``.
    Problems with the per-user cache (unwritable, damaged) are said and end in a build.
    """
    target = deduce_cache_file()
    if target is None:
        say("prepare: the de-identifier deduce is not installed; nothing to prepare")
        return "absent"
    began = time.perf_counter()
    try:
        kept = user_cache_file()
    except OSError as error:
        say(f"prepare: the per-user cache cannot be used ({error}); building instead")
        kept = None
    if target.is_file() and _accepted(target):
        if kept is not None and not kept.is_file():
            _keep_quietly(target, kept, say)
        say("prepare: the lookup structures of the de-identifier deduce are ready")
        return "ready"
    if kept is not None and kept.is_file():
        say(f"prepare: restoring the lookup structures of the de-identifier deduce from the "
            f"per-user cache ({kept.parent.name}) ...")
        try:
            restore(kept, target)
            say(f"prepare: done in {time.perf_counter() - began:.0f} s")
            return "restored"
        except Exception as error:  # noqa: BLE001 - a damaged copy: build instead
            say(f"prepare: the per-user copy could not be used ({type(error).__name__}: "
                f"{error}); building instead")
            target.unlink(missing_ok=True)
    say("prepare: building the lookup structures of the de-identifier deduce (once per "
        "installation and deduce version; about half a minute on a quiet machine, longer under "
        "load) ...")
    began = time.perf_counter()
    with quick_build():
        import_deduce().Deduce()
    say(f"prepare: done in {time.perf_counter() - began:.0f} s")
    if kept is not None and target.is_file():
        _keep_quietly(target, kept, say)
    return "built"


def _keep_quietly(target: Path, kept: Path, say: Callable[[str], object]) -> None:
    try:
        keep(target, kept)
        say(f"prepare: kept a copy in the per-user cache ({kept.parent.name}; "
            f"{CACHE_ENV}= turns this off)")
    except OSError as error:
        say(f"prepare: no copy kept in the per-user cache ({error})")


def _accepted(cache_file: Path) -> bool:
    """Whether deduce would load ``cache_file`` rather than build (its version and freshness
    test, :func:`deduce.lookup_structs.validate_lookup_struct_cache`)."""
    lookup_structs = import_deduce().lookup_structs
    # millions of small objects: reading is 4x faster without collections
    with collector_paused():
        try:
            with open(cache_file, "rb") as file:
                cache = pickle.load(file)
            return bool(lookup_structs.validate_lookup_struct_cache(
                cache=cache, base_path=cache_file.parent.parent,
                deduce_version=deduce_version()))
        except Exception:  # noqa: BLE001 - unreadable: not accepted
            return False


# ------------------------------------------------------------------------------ the build
#
# deduce 3.0 builds its structures in two steps that take nearly all of the 70 s
# (cProfile of ``deduce.lookup_structs.get_lookup_structs(build=True)``):
# - ``deduce.utils.str_variations(s, repl)``, called for every list item and every transform
#   of ``transform.json`` (2.7 million calls), runs ``re.finditer(pattern, s)`` for each of
#   up to 49 patterns (37 million calls, each looking its pattern up in ``re``'s cache), though
#   most items match none of them;
# - ``deduce.utils.lookup_set_to_trie`` tokenises 1.3 million items with
#   ``tokenizer.tokenize(item)``, which wraps the tokens of ``tokenizer._split_text(item)`` in
#   a linked ``TokenList``, of which it then reads only each token's text.


@contextmanager
def quick_build() -> Iterator[None]:
    """Inside this block deduce builds its lookup structures about three times faster, with
    the same result.

    Replaces, only for the block, ``deduce.utils.str_variations`` by
    :func:`_str_variations` and ``deduce.lookup_struct_loader.lookup_set_to_trie`` by
    :func:`_lookup_set_to_trie`, and pauses the garbage collector (the build makes millions of
    small objects, none of them cyclic garbage). Both replacements return what deduce's own
    functions return, in the same order (``tests/test_prepare.py`` compares them on deduce's
    lists), so the pickled structures are the same bytes.
    """
    import_deduce()
    from deduce import lookup_struct_loader, utils

    variations, to_trie = utils.str_variations, lookup_struct_loader.lookup_set_to_trie
    utils.str_variations = _str_variations
    lookup_struct_loader.lookup_set_to_trie = _lookup_set_to_trie
    try:
        with collector_paused():
            yield
    finally:
        utils.str_variations = variations
        lookup_struct_loader.lookup_set_to_trie = to_trie


@contextmanager
def collector_paused() -> Iterator[None]:
    """Inside this block the garbage collector does not run (as before it when it was off).

    Reading or building deduce's structures makes millions of small objects, none of them
    cyclic garbage: every collection would walk them all (reading is about 4x faster without).
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_PATTERNS: dict[tuple[str, ...], tuple[re.Pattern, list[tuple[re.Pattern, str]]]] = {}
"""Per transform (its patterns, in order): one pattern matching where any of them matches,
and each pattern compiled."""


def _str_variations(s: str, repl: dict[str, list[str]]) -> list[str]:
    """``deduce.utils.str_variations``: every variation of ``s`` by the replacements ``repl``.

    The same steps as deduce's (deduce 3.0.6, ``deduce/utils.py``), with each transform's
    patterns compiled once, and first one search for all of them at once: the alternation
    ``(?:p1)|(?:p2)|...`` matches somewhere in ``s`` exactly when one of the patterns does
    (at each position it tries every alternative), so a string it does not match has no
    replacement, and its only variation is itself.

    >>> _str_variations("Prof. Mr. Lievenslaan", {"Prof.": ["Prof.", "Professor"]})
    ['Prof. Mr. Lievenslaan', 'Professor Mr. Lievenslaan']
    >>> _str_variations("Dorpsstraat", {"laan$": ["laan"]})
    ['Dorpsstraat']
    """
    from deduce import utils

    compiled = _PATTERNS.get(tuple(repl))
    if compiled is None:
        compiled = (re.compile("|".join(f"(?:{pattern})" for pattern in repl)),
                    [(re.compile(pattern), pattern) for pattern in repl])
        _PATTERNS[tuple(repl)] = compiled
    anywhere, patterns = compiled
    if anywhere.search(s) is None:
        return [s]
    matches = [(m.start(), m.end(), repl[pattern])
               for regex, pattern in patterns for m in regex.finditer(s)]
    if not matches:
        return [s]
    if utils.has_overlap(matches):
        raise RuntimeError("Cannot explode input string, because there is overlap in the "
                           "replacement mapping.")
    variations = [""]
    for segment in utils.repl_segments(s, matches):
        variations = [prefix + choice for choice in segment for prefix in variations]
    return variations


def _lookup_set_to_trie(lookup_set, tokenizer):
    """``deduce.utils.lookup_set_to_trie``: the trie of ``lookup_set``'s items, each split
    into the texts of its tokens by ``tokenizer._split_text`` (what ``tokenizer.tokenize``
    returns, before it links the tokens into a list)."""
    import docdeid

    trie = docdeid.ds.LookupTrie(matching_pipeline=lookup_set.matching_pipeline)
    split = tokenizer._split_text
    for item in lookup_set.items():
        trie.add_item([token.text for token in split(item)])
    return trie
