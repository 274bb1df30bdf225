# What R's defaults give on the bundled cohort, for the README's "Statistical conventions".
#
#   python tests/golden/make_conventions_samples.py && Rscript tests/golden/conventions_golden.R
#
# Needs R >= 4.1 with exactRankTests (Debian: r-cran-exactranktests). Reads
# conventions_data.csv (the bundled cohort's SDQ totals: unit, before, after, elevated_before,
# elevated_after) and writes conventions_golden.csv (quantity, value): every call below with
# R's defaults, as a user comparing would type it.
suppressPackageStartupMessages(library(exactRankTests))
options(digits = 17, warn = -1)
dir <- "tests/golden"
data <- read.csv(file.path(dir, "conventions_data.csv"))
pairs <- data[!is.na(data$after), ]
d <- pairs$after - pairs$before
out <- list()
put <- function(name, value) out[[name]] <<- unname(value)

# Wilcoxon signed-rank, paired: R drops zero differences; with ties or zeros it uses the normal
# approximation with a continuity correction, and the Hodges-Lehmann estimate and interval of
# that approximation (the estimate is found on the zero-dropped differences)
w <- wilcox.test(pairs$after, pairs$before, paired = TRUE, conf.int = TRUE)
put("wilcoxon_p", w$p.value)
put("hl_estimate", w$estimate)
put("hl_ci_low", w$conf.int[1]); put("hl_ci_high", w$conf.int[2])
# the same without the continuity correction
put("wilcoxon_p_nocorrect", wilcox.test(pairs$after, pairs$before, paired = TRUE,
                                        correct = FALSE)$p.value)
# exactRankTests: exact with ties, zeros dropped
put("wilcoxon_exact_p", wilcox.exact(d)$p.value)

# paired t
put("t_p", t.test(pairs$after, pairs$before, paired = TRUE)$p.value)

# McNemar: chi-square with continuity correction by default
tab <- table(factor(pairs$elevated_before, 0:1), factor(pairs$elevated_after, 0:1))
put("mcnemar_p", mcnemar.test(tab)$p.value)
put("mcnemar_exact_p", binom.test(tab[2, 1], tab[2, 1] + tab[1, 2])$p.value)

# Mann-Whitney, T0 of the analysis set against the families with T0 only: with ties R uses the
# normal approximation with a continuity correction
set <- data$before[!is.na(data$after)]; only <- data$before[is.na(data$after)]
put("mannwhitney_p", wilcox.test(set, only)$p.value)
put("mannwhitney_exact_p", wilcox.exact(set, only)$p.value)

frame <- data.frame(quantity = names(out), value = sprintf("%.17g", unlist(out)))
write.csv(frame, file.path(dir, "conventions_golden.csv"), row.names = FALSE)
cat(R.version.string, "\n")
