"""deduce's lookup build, its own way and the quick way: seconds, and the same structures.

``python -m benchmarks.deduce_build`` builds deduce's lookup structures twice in this process
(nothing is written: ``save_cache=False``), first inside
:func:`analysis.privacy.prepare.quick_build`, then with deduce's own helpers, and prints the
seconds of each and, for each of the 16 structures, whether the two pickles are the same bytes.
Exit code 1 when one differs. ``--quick-only`` builds the quick way only.

Not a unit test: it takes about 1.5 minutes on a quiet 2-core machine (the unit tests compare
the replaced helpers on samples of deduce's lists, ``tests/test_prepare.py``).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time

from analysis.privacy import prepare


def build(*, quick: bool):
    """deduce's lookup structures (a ``DsCollection``), built from its lists, and the seconds
    the build took."""
    deduce = prepare.import_deduce()
    from deduce.tokenizer import DeduceTokenizer

    base = prepare.deduce_folder() / "data" / "lookup"
    began = time.perf_counter()
    if quick:
        with prepare.quick_build():
            built = deduce.lookup_structs.get_lookup_structs(
                lookup_path=base, cache_path=base, tokenizer=DeduceTokenizer(),
                deduce_version=prepare.deduce_version(), build=True, save_cache=False)
    else:
        built = deduce.lookup_structs.get_lookup_structs(
            lookup_path=base, cache_path=base, tokenizer=DeduceTokenizer(),
            deduce_version=prepare.deduce_version(), build=True, save_cache=False)
    return built, time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.deduce_build",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick-only", action="store_true", help="build the quick way only")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"deduce {prepare.deduce_version()}, load {load:.1f} at the start")
    quick, seconds = build(quick=True)
    print(f"quick build: {seconds:.1f} s")
    if args.quick_only:
        return 0
    own, own_seconds = build(quick=False)
    print(f"deduce's own build: {own_seconds:.1f} s ({own_seconds / seconds:.1f}x)")
    differ = [name for name in sorted(own.keys())
              if pickle.dumps(quick[name]) != pickle.dumps(own[name])]
    print(f"{len(own.keys())} structures; the same bytes: "
          f"{'all' if not differ else 'not ' + ', '.join(differ)}")
    return 1 if differ or sorted(quick.keys()) != sorted(own.keys()) else 0


if __name__ == "__main__":
    sys.exit(main())
