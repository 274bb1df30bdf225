"""Run the whole test suite as two pytest processes at once: the fast tier beside the rest.

``make test`` calls this. The fast tier (``-m FAST``: unit tests and doctests, no kernel, no
pipeline, no browser; see the markers in ``pyproject.toml``) uses one core for about a minute
and a half, while the rest (``-m "not (FAST)"``: kernels, pipelines, matrices, browser,
notebooks) leaves part of a two-core machine idle as it waits on kernels, Chromium and
subprocesses. The two selections are complementary, so every test runs exactly once.

The rest prints as it runs; the fast tier's output is kept in a file and printed after it,
under a heading. The exit status is the first non-zero of (rest, fast), else 0, so a failure in
either fails ``make test``. The fast tier writes no project output (it starts no pipeline), so
the two cannot step on each other's files; each has its own temporary folders, and the fast one
writes no pytest cache.

Usage::

    python tests/tiers.py --fast "EXPR" [--python-flags "FLAGS"] -- PYTEST-ARGS...
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
import time


def commands(fast: str, pytest_args: list[str], python_flags: str = "") -> dict[str, list[str]]:
    """The two pytest command lines, ``{"rest": [...], "fast": [...]}``.

    >>> c = commands("not kernel", ["tests"], "-W error::DeprecationWarning")
    >>> c["fast"][1:]
    ['-W', 'error::DeprecationWarning', '-m', 'pytest', 'tests', '-m', 'not kernel', '-p', 'no:cacheprovider']
    >>> c["rest"][-2:]
    ['-m', 'not (not kernel)']
    """
    python = [sys.executable, *shlex.split(python_flags), "-m", "pytest", *pytest_args]
    return {"rest": [*python, "-m", f"not ({fast})"],
            "fast": [*python, "-m", fast, "-p", "no:cacheprovider"]}


def status(rest: int, fast: int) -> int:
    """Exit status of the whole: the first non-zero of (rest, fast), else 0.

    >>> status(0, 0), status(1, 0), status(0, 1), status(2, 1)
    (0, 1, 1, 2)
    """
    return rest or fast


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fast", required=True, help="marker expression of the fast tier")
    parser.add_argument("--python-flags", default="",
                        help="interpreter options for both pytest processes")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="after --: the arguments both pytest processes get")
    args = parser.parse_args(argv)
    pytest_args = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    lines = commands(args.fast, pytest_args, args.python_flags)
    start = time.monotonic()
    with tempfile.TemporaryFile() as log:
        fast = subprocess.Popen(lines["fast"], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        try:
            rest = subprocess.run(lines["rest"], check=False).returncode
            rest_seconds = time.monotonic() - start
            fast_code = fast.wait()
        except BaseException:
            fast.kill()
            fast.wait()
            raise
        log.seek(0)
        output = log.read().decode("utf-8", "replace")
    print(f"\n{'=' * 30} the fast tier, run beside the rest {'=' * 30}", flush=True)
    sys.stdout.write(output)
    print(f"make test: the rest exited with {rest} after {rest_seconds:.0f} s, the fast tier "
          f"with {fast_code}; {time.monotonic() - start:.0f} s in all", flush=True)
    return status(rest, fast_code)


if __name__ == "__main__":
    sys.exit(main())
