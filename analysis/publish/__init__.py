"""What leaves the machine: the published numbers, disclosure rules, the output checker, the
published rendering and ``share``. The only part of the package that knows thresholds."""
