"""Speed of the privacy guard: seconds per text length, to show it grows linearly.

``python -m benchmarks.privacy_speed`` checks texts of 40 KB, 1 MB and 10 MB with
:func:`analysis.privacy.check_quote` and prints one line per case and size: seconds, and
seconds per MB. Cases: ordinary Dutch prose planted with identifiers, and adversarial inputs
that make a backtracking regular expression quadratic (one long word, spaced digits,
capitalised words, ``a@`` runs, ``1-a-`` runs, e-mail addresses in words, decimals, public
names). deduce (the slowest part, about 5 s per MB) runs
on the prose case only, unless ``--deduce-all``; ``--sizes`` takes other sizes in bytes.

Not a unit test: the figures depend on the machine (the README gives them with their machine).
"""

from __future__ import annotations

import argparse
import time

from analysis import privacy

CASES: dict[str, str] = {
    "prose": ("Onze zoon daan ging naar de Kastanjelaan 12, bel 06-12345678 of mail "
              "a.b@example.nl. Het ging goed met de therapie en de sociaal werker. "),
    "one long word": "a",
    "spaced digits": "1 ",
    "capitalised words": "Aaaa ",
    "at signs": "a@",
    "dashes": "1-a-",
    "e-mail in words": "jan at gmail punt ",
    "decimals": "0,1234567 ",
    "public names": "Albert Heijn ",
}
SIZES: tuple[int, ...] = (40_000, 1_000_000, 10_000_000)


def measure(text: str, *, use_deduce: bool) -> float:
    """Seconds for one :func:`analysis.privacy.check_quote` of ``text``."""
    start = time.perf_counter()
    privacy.check_quote(text, use_deduce=use_deduce)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--deduce-all", action="store_true")
    args = parser.parse_args(argv)
    privacy.check_quote("warm-up: Jan Jansen", use_deduce=True)  # word lists and deduce loaded
    print(f"{'case':<20}{'bytes':>12}{'deduce':>8}{'seconds':>10}{'s per MB':>10}")
    for name, base in CASES.items():
        use_deduce = name == "prose" or args.deduce_all
        for size in args.sizes:
            text = (base * (size // len(base) + 1))[:size]
            seconds = measure(text, use_deduce=use_deduce)
            print(f"{name:<20}{size:>12,}{'yes' if use_deduce else 'no':>8}{seconds:>10.2f}"
                  f"{seconds / (size / 1e6):>10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
