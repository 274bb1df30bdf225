"""What package code and data a notebook uses, found statically, for precise invalidation.

A notebook's cache key holds, instead of one hash of the whole ``analysis`` package:

``modules``  a hash per ``analysis`` module the notebook imports, directly or not: the imports
             of its code cells, then the imports of those modules, transitively (an import
             inside a function counts; so do relative imports and the ``__init__.py`` of every
             package on the way, which Python runs on import);
``data``     a content hash per package data file those modules read (see below);
``environment``  the installed version of every third-party distribution those modules and
             cells import, and the Python version.

**Module hash.** The SHA-256 of the module's abstract syntax tree with docstrings removed
(module, class and function docstrings), so an edit of comments, docstrings or formatting
re-runs nothing (as ploomber does for task source). Exception: a module that reads docstrings
at run time (its source mentions ``__doc__`` or ``getdoc``) is hashed with them. Doctests are
run by the test suite, never by a notebook, so editing one re-runs no notebook.

**Data files read by a module** (a simple rule, conservative in practice): every file of the
package that is not Python is a data file. A module depends on a data file when one of its
string constants equals the file's name (``"tariffs.yaml"``), or the name of a data-only folder
holding it (``"templates"``) when no file of that folder is named itself; and on every file
under ``definitions/instruments`` when it
uses ``paths.INSTRUMENTS`` (or every file under ``definitions`` when it uses
``paths.DEFINITIONS`` and names none of its files). ``paths.py`` itself, which only names the
folders, reads nothing (:data:`NAMES_ONLY`).

Results per module are cached by the file's content hash (in the pipeline state), so a run
with nothing to do parses no module.
"""

from __future__ import annotations

import ast
import hashlib
import json
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

PACKAGE = "analysis"
NAMES_ONLY: frozenset[str] = frozenset({"paths.py"})
"""Modules that only name package folders (``paths.DEFINITIONS = PACKAGE / "definitions"``)
and read none of them: their strings do not count as data they read."""
ANALYSIS_VERSION = 1
"""Bumped when the rule above changes, so cached module facts are recomputed."""


@dataclass
class ModuleFacts:
    """What one module contributes: its hash, the modules it imports, the data it names."""

    digest: str
    imports: list[str]
    strings: list[str]
    attributes: list[str]
    third_party: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"v": ANALYSIS_VERSION, "digest": self.digest, "imports": self.imports,
                "strings": self.strings, "attributes": self.attributes,
                "third_party": self.third_party}

    @classmethod
    def from_json(cls, data: Any) -> "ModuleFacts | None":
        if not isinstance(data, dict) or data.get("v") != ANALYSIS_VERSION:
            return None
        return cls(data["digest"], data["imports"], data["strings"], data["attributes"],
                   data["third_party"])


_PARSED: dict[tuple[str, str], "ModuleFacts"] = {}
"""Facts of every module file this process has read, by (content hash, file): a process that
plans many cohorts (the test matrices, a kernel pool) parses each module once, where each new
cohort's state starts with an empty cache. Facts depend on nothing else (the module's name
follows from the file)."""


class Package:
    """The ``analysis`` package on disk, its modules' facts and data files.

    Parameters
    ----------
    folder : Path
        The package folder (``<root>/analysis``); may be missing (then nothing is used).
    hashes : FileHashes
        Content-hash cache (:class:`analysis.pipeline.state.FileHashes`).
    cache : dict
        Module facts by content hash, from the previous state; updated in place.
    """

    def __init__(self, folder: Path, hashes: Any, cache: dict | None = None):
        self.folder = folder
        self.hashes = hashes
        self.cache = cache if cache is not None else {}
        self._files = self._listing()
        self._facts: dict[str, ModuleFacts] = {}

    def _listing(self) -> dict[str, Path]:
        if not self.folder.is_dir():
            return {}
        found = {}
        for path in sorted(self.folder.rglob("*")):
            rel = path.relative_to(self.folder)
            if (path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc"
                    and not any(p.startswith(".") for p in rel.parts)):
                found[rel.as_posix()] = path
        return found

    @property
    def data_files(self) -> list[str]:
        """Package files that are not Python, relative to the package folder."""
        return [rel for rel in self._files if not rel.endswith(".py")]

    def key(self, rel: str) -> str:
        """How a package file is named in keys and messages: ``analysis/<rel>``."""
        return f"{PACKAGE}/{rel}"

    def facts(self, rel: str) -> ModuleFacts:
        """Facts of module file ``rel`` (cached by content hash)."""
        if rel not in self._facts:
            sha = self.hashes.digest(self._files[rel], "{analysis}/" + rel)
            facts = ModuleFacts.from_json(self.cache.get(sha))
            if facts is None:
                facts = _PARSED.get((sha, rel)) or module_facts(
                    self._files[rel].read_text(encoding="utf-8"), module_name(rel),
                    is_package=rel.endswith("__init__.py"))
                self.cache[sha] = facts.to_json()
            _PARSED[(sha, rel)] = facts
            self._facts[rel] = facts
        return self._facts[rel]

    def module_file(self, name: str) -> str | None:
        """File (relative) of module ``analysis.x.y``: ``x/y.py`` or ``x/y/__init__.py``."""
        parts = name.split(".")[1:]
        for rel in ("/".join(parts) + ".py", "/".join(parts + ["__init__.py"])):
            rel = rel.lstrip("/")
            if rel in self._files:
                return rel
        return None

    def closure(self, names: Iterable[str]) -> set[str]:
        """Module files (relative) imported by ``names``, transitively, with their packages."""
        seen: set[str] = set()
        frontier = [n for n in names]
        while frontier:
            name = frontier.pop()
            for candidate in _with_parents(name):
                rel = self.module_file(candidate)
                if rel is None or rel in seen:
                    continue
                seen.add(rel)
                frontier.extend(self.facts(rel).imports)
        return seen

    def data_used(self, modules: Iterable[str]) -> set[str]:
        """Data files (relative) the ``modules`` (relative files) read, by the rule above."""
        data = self.data_files
        code_folders = {str(Path(rel).parent) for rel in self._files if rel.endswith(".py")}
        names = {f: Path(f).name for f in data}
        folders_of = {f: [(str(p), p.name) for p in Path(f).parents if str(p) not in (".", "")]
                      for f in data}  # made once: this was most of a no-op run's time
        used: set[str] = set()
        for rel in modules:
            if rel in NAMES_ONLY:
                continue
            facts = self.facts(rel)
            strings = set(facts.strings)
            named = {f for f in data if names[f] in strings}
            for f in data:  # a data-only folder named, none of whose files is named
                for folder, folder_name in folders_of[f]:
                    if (folder_name in strings and folder not in code_folders
                            and not any(n.startswith(folder + "/") for n in named)):
                        used.add(f)
            used |= named
            if "INSTRUMENTS" in facts.attributes:
                used |= {f for f in data if f.startswith("definitions/instruments/")}
            if "DEFINITIONS" in facts.attributes and not any(
                    f.startswith("definitions/") for f in named):
                used |= {f for f in data if f.startswith("definitions/")}
        return used

    def usage(self, cells_source: str) -> "Usage":
        """Everything notebook code ``cells_source`` uses of the package and environment."""
        facts = module_facts(cells_source, "__notebook__", strip=False)
        modules = self.closure(facts.imports)
        data = self.data_used(modules)
        third = set(facts.third_party)
        for rel in modules:
            third |= set(self.facts(rel).third_party)
        return Usage(
            modules={self.key(rel): self.facts(rel).digest for rel in sorted(modules)},
            data={self.key(rel): self.hashes.digest(self._files[rel], "{analysis}/" + rel)
                  for rel in sorted(data)},
            imports=sorted(third),
        )


@dataclass
class Usage:
    """What one notebook uses: module hashes, data-file hashes, third-party import names."""

    modules: dict[str, str]
    data: dict[str, str]
    imports: list[str]


def module_name(rel: str) -> str:
    """``report/figures/survey.py`` -> ``analysis.report.figures.survey``."""
    parts = rel.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


_PARSE_LOCK = threading.Lock()


def parse_python(source: str) -> ast.Module:
    """``ast.parse(source)``, one thread at a time.

    CPython 3.11 keeps the AST constructor's recursion depth in state shared by the threads of
    the interpreter (python/cpython#106905): two threads parsing at once can fail with
    "SystemError: AST constructor recursion depth mismatch", as seen on 3.11.7 when two runs of
    the pipeline shared one process (the publication test matrix). Parsing is a small part of
    planning a run.

    >>> type(parse_python("x = 1")).__name__
    'Module'
    """
    with _PARSE_LOCK:
        return ast.parse(source)


def module_facts(source: str, name: str, *, is_package: bool = False,
                 strip: bool = True) -> ModuleFacts:
    """Hash, imports, string constants and ``paths`` attributes of Python ``source``.

    ``name`` is the module's dotted name and ``is_package`` whether it is a package's
    ``__init__`` (both for relative imports). Syntax errors give a hash of
    the text (the notebook will fail and report it), no imports.

    >>> a = module_facts('"Doc."\\nx = 1  # note\\n', "analysis.m").digest
    >>> b = module_facts('"Other doc."\\n\\nx = 1\\n', "analysis.m").digest
    >>> a == b
    True
    """
    try:
        tree = parse_python(source)
    except SyntaxError:
        return ModuleFacts(_sha(source), [], [], [], [])
    reads_docs = "__doc__" in source or "getdoc" in source
    imports, third = _imports(tree, name if is_package else name.rpartition(".")[0])
    strings = sorted({n.value for n in ast.walk(tree)
                      if isinstance(n, ast.Constant) and isinstance(n.value, str)
                      and 0 < len(n.value) < 200})
    attributes = sorted({n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                         and n.attr in ("DEFINITIONS", "INSTRUMENTS")})
    if strip and not reads_docs:
        _strip_docstrings(tree)
    digest = _sha(ast.dump(tree, annotate_fields=True, include_attributes=False))
    return ModuleFacts(digest, imports, strings, attributes, third)


def environment(imports: Iterable[str], cache: dict | None = None) -> dict[str, str]:
    """Installed versions of the distributions providing top-level ``imports``, and Python.

    Standard-library modules are left out; an import no installed distribution provides is
    listed as ``"?"`` (e.g. a module on ``PYTHONPATH``). Looking distributions up takes most of
    a second, so the answers are kept in ``cache`` (the pipeline state) together with the
    modification times of the ``sys.path`` folders: installing or removing a package changes
    its folder's time, and then everything is looked up again. The kernels are assumed to run
    in this same environment (the runner starts them with its own Python's kernel).
    """
    cache = cache if cache is not None else {}
    signature = _path_signature()
    if cache.get("signature") != signature:
        cache.clear()
        cache.update(signature=signature, versions={})
    versions = cache["versions"]
    found = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in sorted(set(imports)):
        if name in sys.stdlib_module_names or name == PACKAGE:
            continue
        if name not in versions:
            versions[name] = _versions_of(name)
        found.update(versions[name])
    return dict(sorted(found.items()))


def _versions_of(name: str) -> dict[str, str]:
    from importlib import metadata

    global _PROVIDERS
    if _PROVIDERS is None:
        _PROVIDERS = metadata.packages_distributions()
    dists = _PROVIDERS.get(name) or []
    if not dists:
        return {name: "?"}
    found = {}
    for dist in dists:
        try:
            found[dist.lower()] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist.lower()] = "?"
    return found


def _path_signature() -> str:
    """Hash of the ``sys.path`` folders and their modification times (no path is stored)."""
    import os

    signature = []
    for entry in sys.path:
        try:
            signature.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            continue
    return _sha(json.dumps(signature))


_PROVIDERS: dict | None = None


def notebook_source(notebook: Path) -> str:
    """The code cells of ``notebook`` as one Python text (IPython magics and shell lines blank)."""
    cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    lines = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if source.lstrip().startswith("%%"):
            continue
        for line in source.splitlines():
            stripped = line.lstrip()
            lines.append("" if stripped.startswith(("%", "!")) else line)
        lines.append("")
    text = "\n".join(lines)
    try:
        parse_python(text)
    except SyntaxError:  # one broken cell: take the cells one by one
        parts = []
        for cell in cells:
            src = cell.get("source", "")
            src = "".join(src) if isinstance(src, list) else str(src)
            try:
                parse_python(src)
                parts.append(src)
            except SyntaxError:
                continue
        text = "\n\n".join(parts)
    return text


def _imports(tree: ast.AST, package: str) -> tuple[list[str], list[str]]:
    """``analysis`` modules (dotted, candidates) and third-party top-level names imported;
    ``package`` is the package relative imports start from."""
    found: set[str] = set()
    third: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                _add(alias.name, found, third)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            _add(module, found, third)
            if module == PACKAGE or module.startswith(PACKAGE + "."):
                found |= {f"{module}.{alias.name}" for alias in node.names if alias.name != "*"}
    return sorted(found), sorted(third)


def _add(module: str, found: set, third: set) -> None:
    if module == PACKAGE or module.startswith(PACKAGE + "."):
        found.add(module)
    elif module:
        third.add(module.split(".")[0])


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _strip_docstrings(tree: ast.AST) -> None:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
