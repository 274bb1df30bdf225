"""Readers of qualitative-coding exports, one module per family of formats.

:mod:`~analysis.qualitative.readers.text` normalises text and maps offsets;
:mod:`~analysis.qualitative.readers.refi` reads REFI-QDA projects and codebooks;
:mod:`~analysis.qualitative.readers.tables` reads the table exports (the contract's
``segments.csv``, QualCoder, Taguette, ATLAS.ti). The public entry points are in
:mod:`analysis.qualitative.qda`.
"""
