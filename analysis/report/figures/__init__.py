"""Figures of the compendium, one module per strand; each function takes prepared tidy tables
and returns a :class:`matplotlib.figure.Figure`. Nothing here reads or writes files: the
pipeline saves figures with their provenance (:mod:`analysis.report.provenance`).

Shared look and the synthetic-data banner live in :mod:`analysis.report.figures.style`.
"""
