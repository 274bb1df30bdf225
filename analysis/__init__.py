"""Research compendium for the Helmond pilot "De verbinding tussen sociaal werk en vaktherapie".

The package does all the real work of the compendium: loading and validating a cohort's raw
exports, scoring questionnaires, statistics, qualitative coding, figures, provenance and the
notebook pipeline. Notebooks in ``notebooks/`` only call into it.

Nothing happens on import: no logging set-up, no file access, no heavy imports.
"""

__version__ = "0.1.0"
