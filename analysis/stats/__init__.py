"""Statistics without domain words: tests, intervals and effect sizes (``inference``),
resampling (``_resampling``) and power (``power``)."""
