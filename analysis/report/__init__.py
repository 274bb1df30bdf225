"""From results to what a reader sees: key numbers, claims, Dutch narrative, figure provenance,
figures, the findings document and self-contained HTML pages."""
