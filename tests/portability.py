"""Platform differences behind small helpers, and a static check for implicit text encodings.

The compendium runs on Linux, macOS and Windows (CI runs the conda route on all three). What
differs between them is kept here, so a test says *what* it needs rather than testing for an
operating system:

* :func:`folder_permissions_apply`: whether ``chmod`` on a folder stops this process from
  writing into it (not for root on POSIX; never on Windows, where a folder's read-only
  attribute does not stop writes).
* :func:`make_with_a_posix_shell`: whether a test may run ``make`` (the Makefile's recipes
  are POSIX shell).
* :data:`HARD_KILL` and :data:`KILL_THIS_PROCESS`: the signal that ends a process without
  letting it clean up (``SIGKILL`` on POSIX; on Windows ``os.kill`` with any signal other
  than the console events calls ``TerminateProcess``, which is as hard), and a line of code
  that kills the process running it (for a notebook cell whose kernel must die).

:func:`implicit_encodings` finds, without running anything, every call in Python source that
reads or writes text, or runs a subprocess in text mode, with the locale's encoding (UTF-8 on
Linux and macOS, cp1252 on a Dutch Windows): ``open()``/``Path.open()`` in text mode,
``read_text``/``write_text``, ``subprocess`` with ``text=True`` or ``universal_newlines=True``,
``tempfile`` files in text mode, ``io.TextIOWrapper`` and ``logging.FileHandler``, each
without ``encoding=``. Python source held in string constants (doctest examples, cells of test
notebooks, scripts given to ``python -c``) is checked the same way.
"""

from __future__ import annotations

import ast
import os
import re
import signal
import textwrap
from dataclasses import dataclass
from pathlib import Path

HARD_KILL: int = getattr(signal, "SIGKILL", signal.SIGTERM)
"""Signal that ends a process outright: SIGKILL on POSIX, TerminateProcess on Windows."""

KILL_THIS_PROCESS = ("import os, signal\n"
                     "os.kill(os.getpid(), getattr(signal, 'SIGKILL', signal.SIGTERM))")
"""Python code that kills the process running it at once, on every platform."""


def folder_permissions_apply(*, os_name: str = os.name, euid: int | None = None) -> bool:
    """Whether a folder made read-only with ``chmod`` refuses writes by this process.

    Parameters
    ----------
    os_name : str
        ``os.name`` of the platform (``"posix"`` or ``"nt"``); given in tests.
    euid : int, optional
        Effective user id; default: this process's (``os.geteuid()``, POSIX only).

    Returns
    -------
    bool
        False on Windows (a folder's read-only attribute does not stop writes) and for root on
        POSIX (root ignores permission bits); True otherwise.

    >>> folder_permissions_apply(os_name="nt")
    False
    >>> folder_permissions_apply(os_name="posix", euid=0), folder_permissions_apply(os_name="posix", euid=1000)
    (False, True)
    """
    if os_name == "nt":
        return False
    if euid is None:
        euid = os.geteuid() if hasattr(os, "geteuid") else 0
    return euid != 0


def make_with_a_posix_shell(*, os_name: str = os.name) -> bool:
    """Whether ``make`` is installed and runs its recipes with a POSIX shell (not on Windows,
    where the README's route is conda without make).

    >>> make_with_a_posix_shell(os_name="nt")
    False
    """
    import shutil

    return os_name != "nt" and shutil.which("make") is not None


@dataclass(frozen=True)
class Finding:
    """One call that uses the locale's encoding: file, line (1-based) and what was called."""

    file: str
    line: int
    call: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.call} without encoding="


_SUBPROCESS = {"run", "Popen", "check_output", "check_call", "call"}
_TEMPFILE = {"NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"}
_MODE = re.compile(r"^[rwxabt+U]+$")
_TRIGGERS = ("open(", "read_text(", "write_text(", "text=True", "universal_newlines",
             "TextIOWrapper(", "FileHandler(", "TemporaryFile(")


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def _has_kwargs(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords)


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _text_mode(mode: ast.expr | None, default: str) -> bool:
    """Whether a mode argument opens text: unknown modes (variables) count as text."""
    if mode is None:
        return "b" not in default
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return "b" not in mode.value
    return True


def _name(func: ast.expr) -> tuple[str, str]:
    """(object, attribute) of a called expression: ``subprocess.run`` -> ("subprocess", "run")."""
    if isinstance(func, ast.Name):
        return "", func.id
    if isinstance(func, ast.Attribute):
        base = func.value
        owner = base.id if isinstance(base, ast.Name) else (
            base.attr if isinstance(base, ast.Attribute) else "?")
        return owner, func.attr
    return "?", ""


def _implicit(call: ast.Call) -> str | None:
    """What ``call`` is when it reads or writes text with the locale's encoding, else None."""
    if _has_kwargs(call):
        return None  # **options: cannot tell
    owner, attr = _name(call.func)
    kw = _keywords(call)
    if "encoding" in kw:
        return None
    args = call.args
    if attr == "open" and owner in ("", "io", "builtins"):
        mode = kw.get("mode", args[1] if len(args) > 1 else None)
        return "open()" if _text_mode(mode, "r") else None
    if attr == "open" and owner not in ("", "io", "builtins", "os", "Image", "zipfile", "tarfile",
                                        "gzip", "bz2", "lzma", "webbrowser", "codecs"):
        # Path.open(mode): its first argument is the mode; zf.open(name) is not text
        first = kw.get("mode", args[0] if args else None)
        if first is None:
            return f"{owner}.open()" if not args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                and _MODE.match(first.value):
            return f"{owner}.open({first.value!r})" if "b" not in first.value else None
        return None
    if attr == "read_text":
        return None if args else f"{owner}.read_text()"
    if attr == "write_text":
        return None if len(args) > 1 else f"{owner}.write_text()"
    if attr in _SUBPROCESS and owner in ("subprocess", ""):
        if _true(kw.get("text")) or _true(kw.get("universal_newlines")):
            return f"subprocess.{attr}(text=True)"
        return None
    if attr in _TEMPFILE:
        mode = kw.get("mode", args[0] if args else None)
        return f"tempfile.{attr}()" if _text_mode(mode, "w+b") else None
    if attr == "TextIOWrapper" and len(args) < 2:
        return "io.TextIOWrapper()"
    if attr == "FileHandler" and len(args) < 3:
        return "logging.FileHandler()"
    if attr == "popen" and owner == "os":
        return "os.popen()"
    return None


def _embedded(node: ast.Constant) -> list[tuple[ast.AST, int]]:
    """Python source held in a string constant, parsed, with the line offset of each part:
    the examples of a doctest, or a string that is code (a notebook cell, a ``-c`` script)."""
    text = node.value
    if not isinstance(text, str) or not any(t in text for t in _TRIGGERS):
        return []
    if ">>>" in text:
        import doctest

        parts = []
        for example in doctest.DocTestParser().get_examples(text):
            try:
                parts.append((ast.parse(example.source), example.lineno))
            except (SyntaxError, ValueError):
                continue
        return parts
    if not any(sep in text for sep in ("\n", ";")):
        return []  # code given to a kernel or ``python -c`` has several statements
    try:
        return [(ast.parse(textwrap.dedent(text)), 0)]
    except (SyntaxError, ValueError):
        return []


def implicit_encodings(source: str, file: str = "<string>") -> list[Finding]:
    """Calls in ``source`` that read, write or pipe text with the locale's encoding.

    Parameters
    ----------
    source : str
        Python source text.
    file : str
        Name used in the findings.

    Returns
    -------
    list of Finding
        One per call, in line order; lines of source held in a string constant are counted
        from the line of the constant.

    >>> code = "from pathlib import Path\\nPath('x').read_" + "text()\\n"  # split: not code here
    >>> [str(f) for f in implicit_encodings(code)]
    ['<string>:2: Path(...).read_text() without encoding=']
    >>> implicit_encodings("open('x', 'rb'); open('x', encoding='utf-8')")
    []
    """
    found: list[Finding] = []

    def visit(tree: ast.AST, offset: int) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                what = _implicit(node)
                if what is not None:
                    what = what.replace("?.", "Path(...).") if what.startswith("?.") else what
                    found.append(Finding(file, node.lineno + offset, what))
            elif isinstance(node, ast.Constant):
                for inner, line in _embedded(node):
                    visit(inner, offset + node.lineno - 1 + line)

    visit(ast.parse(source, filename=file), 0)
    return sorted(found, key=lambda f: f.line)


def notebook_sources(path: Path) -> list[tuple[int, str]]:
    """(cell number, source) of every code cell of a notebook file (cells counted from 1)."""
    import json

    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    out = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") == "code":
            text = cell.get("source", "")
            out.append((number, "".join(text) if isinstance(text, list) else text))
    return out
