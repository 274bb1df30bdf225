"""The tests, intervals and effect sizes of :mod:`analysis.stats`, collected in one namespace.

The code lives in modules named for what they hold: :mod:`~analysis.stats.intervals`
(proportions, bootstrap intervals), :mod:`~analysis.stats.paired` (Wilcoxon, paired t,
McNemar, several scales at once) and :mod:`~analysis.stats.association` (Spearman, two
independent groups). This module only re-exports them, so ``from analysis.stats.inference
import ...`` keeps working; new code imports from the modules themselves.
"""

from __future__ import annotations

from analysis.stats._tidy import COLUMNS, DEFAULT_PERMUTATIONS, DEFAULT_RESAMPLES, DEFAULT_SEED
from analysis.stats.association import CORRELATION_CI_METHODS, compare_groups, spearman
from analysis.stats.intervals import (
    BOOTSTRAP_METHODS,
    PROPORTION_METHODS,
    bootstrap_ci,
    exact_interval,
    proportion,
)
from analysis.stats.paired import (
    EXACT_MAX_N,
    PAIRED_EFFECT_SIZES,
    RANK_METHODS,
    ZERO_METHODS,
    group_change,
    mcnemar_exact,
    nct_cdf,
    paired_t,
    paired_wilcoxon,
    signed_rank_pvalues,
)

__all__ = ["COLUMNS", "PROPORTION_METHODS", "BOOTSTRAP_METHODS", "ZERO_METHODS", "RANK_METHODS",
           "PAIRED_EFFECT_SIZES", "CORRELATION_CI_METHODS", "DEFAULT_SEED", "DEFAULT_RESAMPLES",
           "DEFAULT_PERMUTATIONS", "EXACT_MAX_N", "proportion", "exact_interval", "bootstrap_ci",
           "signed_rank_pvalues", "paired_wilcoxon", "paired_t", "nct_cdf", "mcnemar_exact",
           "spearman", "compare_groups", "group_change"]
