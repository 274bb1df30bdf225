"""Statistics without domain words: intervals (proportions, bootstrap), paired tests
(``paired``), rank correlation and two independent groups (``association``), effect sizes in
scale points and multiplicity (``location``), drop-out sensitivity (``sensitivity``),
resampling engines (``_resampling``) and power (``power``); ``inference`` re-exports the tests
in one namespace."""
