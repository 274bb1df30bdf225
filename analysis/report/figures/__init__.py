"""Figures of the compendium, one module per strand; each function takes prepared tidy tables
and returns a :class:`~analysis.report.figures.drawn.Drawn`: the matplotlib Figure and the table
behind its marks, from which :mod:`analysis.publish.figures` decides what may be published.
Nothing here reads or writes files: the pipeline saves figures with their provenance and marks
(:mod:`analysis.report.provenance`).

Shared look and the synthetic-data banner live in :mod:`analysis.report.figures.style`.
"""
