"""Benchmarks of the compendium (``make bench``); outside the importable ``analysis`` package."""
