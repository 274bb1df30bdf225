"""Where a key number was computed: the package function and the notebook cell that called it.

A key number is recorded in one cell (``ctx.record(...)``) but computed earlier, often in
another cell and deep inside the package (``hodges_lehmann`` inside
``analyse_questionnaires``). Functions say which key numbers they compute with two light
decorators, so the record is kept where the code is and cannot go stale:

- :func:`computes` ``("*_hl", "*_hl_ci_low")``: the function computes the key numbers whose
  names match these :mod:`fnmatch` patterns (a statistic: Hodges-Lehmann, Krippendorff's alpha);
- :func:`returns_key_numbers`: the function returns a mapping key -> value; every key in it
  is computed by this function (unless a :func:`computes` function that was called claims it).

Inside a notebook kernel (IPython) every call of a declared function is noted with the source
of the running cell and the function the cell itself called (``via``): the first package
function on the call stack below the cell's own frame. Outside IPython nothing is noted and the
cost is one attribute lookup per call. :meth:`analysis.pipeline.notebook.NotebookContext.record`
asks :func:`origin_of` for every key it records and stores the cell (resolved to its position
in the notebook file) and the functions beside the key number
(:func:`analysis.report.keynumbers.write_sources`).

A ground-floor module: it imports nothing from the package.
"""

from __future__ import annotations

import fnmatch
import functools
import itertools
import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Call:
    """One noted call of a declared function in a notebook kernel.

    ``function`` and ``via`` are qualified names (``analysis.stats.location.hodges_lehmann``);
    ``via`` is the package function the cell called that led to ``function`` (the same name
    when the cell called it directly; None when the cell called no package function, e.g. a
    lambda). ``source`` is the running cell's source; ``order`` counts calls in the kernel.
    """

    function: str
    via: str | None
    source: str | None
    order: int


_PATTERNS: dict[str, tuple[str, ...]] = {}
"""Qualified function name -> the key-name patterns it declares (see :func:`computes`)."""

_FIRST_CALL: dict[str, Call] = {}
"""Qualified function name -> its first noted call in this kernel (the computation; a later
call is a recomputation for bookkeeping, e.g. inside a key-number function)."""

_RETURNED: dict[str, Call] = {}
"""Key name -> the latest call of a :func:`returns_key_numbers` function that returned it."""

_ORDER = itertools.count(1)


def qualified_name(function: Callable[..., Any]) -> str:
    """``module.qualname`` of ``function`` (the name the site shows and links)."""
    return f"{function.__module__}.{function.__qualname__}"


def computes(*patterns: str) -> Callable[[F], F]:
    """Declare that the decorated function computes the key numbers matching ``patterns``.

    Patterns are :mod:`fnmatch` patterns on key names (``"*_hl"``, ``"agreement_alpha"``).
    When several called functions match a key, the one with the most literal characters in its
    pattern wins, then the earliest call. Only the first call in a kernel is noted.
    """
    if not patterns:
        raise ValueError("computes() needs at least one key-name pattern")

    def decorate(function: F) -> F:
        name = qualified_name(function)
        _PATTERNS[name] = tuple(patterns)

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            if name not in _FIRST_CALL:  # a bootstrap calls a statistic thousands of times
                shell = _shell()
                if shell is not None:
                    _FIRST_CALL[name] = _note(shell, name)
            return result

        wrapper.computes_key_numbers = tuple(patterns)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def returns_key_numbers(function: F) -> F:
    """Declare that the decorated function returns key numbers (a mapping name -> value) that
    it computes itself; every key of each returned mapping is noted with the call."""
    name = qualified_name(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        shell = _shell()
        if shell is not None and isinstance(result, Mapping):
            call = _note(shell, name)
            _RETURNED.update(dict.fromkeys(map(str, result), call))
        return result

    wrapper.returns_key_numbers = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def origin_of(key: str) -> Call | None:
    """The call that computed key number ``key`` in this kernel, or None when no declared
    function that was called claims it (see the module docstring for the rule)."""
    best: tuple[int, int] | None = None
    found: Call | None = None
    for name, call in _FIRST_CALL.items():
        for pattern in _PATTERNS.get(name, ()):
            if fnmatch.fnmatchcase(key, pattern):
                rank = (len(pattern.replace("*", "").replace("?", "")), -call.order)
                if best is None or rank > best:
                    best, found = rank, call
    return found if found is not None else _RETURNED.get(key)


def declared() -> dict[str, tuple[str, ...]]:
    """Every function declared with :func:`computes`: qualified name -> its patterns."""
    return dict(_PATTERNS)


def forget() -> None:
    """Drop every noted call (a new notebook in the same kernel, and tests)."""
    _FIRST_CALL.clear()
    _RETURNED.clear()


def _shell() -> Any:
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except Exception:  # noqa: BLE001 - a half-imported IPython: no notebook to note
        return None


def _note(shell: Any, name: str) -> Call:
    return Call(function=name, via=_via(shell, name), source=running_source(shell),
                order=next(_ORDER))


def _via(shell: Any, name: str) -> str | None:
    """The package function the running cell called directly on the way to ``name``."""
    user_ns = getattr(shell, "user_ns", None)
    frame = sys._getframe(2)
    inner = None
    while frame is not None and frame.f_globals is not user_ns:
        if frame.f_code.co_filename != __file__:
            inner = frame
        frame = frame.f_back
    if frame is None:
        return None
    if inner is None:  # the cell called the declared function itself
        return name
    module = str(inner.f_globals.get("__name__", ""))
    if not module.startswith("analysis"):
        return None
    qualname = getattr(inner.f_code, "co_qualname", inner.f_code.co_name)
    return f"{module}.{qualname}"


def running_source(shell: Any) -> str | None:
    """Source of the cell being executed: from the kernel's execute request (also when the
    client does not store history, as nbval), else from IPython's input history."""
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        try:
            parent = kernel.get_parent("shell")
        except TypeError:  # older ipykernel: no channel argument
            parent = kernel.get_parent()
        except Exception:  # noqa: BLE001 - no request known: fall back to the history
            parent = None
        code = ((parent or {}).get("content") or {}).get("code")
        if isinstance(code, str):
            return code
    history = getattr(shell, "history_manager", None)
    if history is None or not getattr(history, "input_hist_raw", None):
        return None
    return history.input_hist_raw[-1]
