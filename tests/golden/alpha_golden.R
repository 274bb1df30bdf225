# Golden values of Krippendorff's alpha and its bootstrap interval for tests/test_golden.py.
#
#   python tests/golden/make_alpha_samples.py && Rscript tests/golden/alpha_golden.R
#
# Base R only (an implementation independent of the package: per unit the values' pairings,
# Krippendorff 2011, section "nominal data"). Reads alpha_data.csv (the bundled cohort's
# presence table: cluster, one 0/1 column per coder) and alpha_draws.csv (the clusters the
# package draws, per resample) and writes alpha_golden.csv:
#   kind "estimate"  alpha of the data
#   kind "resample"  alpha of each resample: the drawn clusters' units, repeated as drawn
#   kind "interval"  2.5% and 97.5% quantiles (type 7, numpy's default) of the resampled alphas
#                    and the shares below .667 and .800
options(digits = 17)
dir <- "tests/golden"
data <- read.csv(file.path(dir, "alpha_data.csv"))
draws <- read.csv(file.path(dir, "alpha_draws.csv"))
coders <- setdiff(names(data), "cluster")

alpha_nominal <- function(frame) {
  values <- sort(unique(na.omit(unlist(frame))))
  o <- matrix(0, length(values), length(values))
  for (u in seq_len(nrow(frame))) {
    x <- na.omit(unlist(frame[u, ]))
    m <- length(x)
    if (m < 2) next
    for (i in seq_len(m)) for (j in seq_len(m)) if (i != j) {
      a <- match(x[i], values); b <- match(x[j], values)
      o[a, b] <- o[a, b] + 1 / (m - 1)
    }
  }
  n <- sum(o); margins <- rowSums(o)
  observed <- sum(o) - sum(diag(o))
  expected <- sum(outer(margins, margins)) - sum(margins^2)
  1 - (n - 1) * observed / expected
}

rows <- list(data.frame(kind = "estimate", resample = NA,
                        value = alpha_nominal(data[, coders])))
by_cluster <- split(seq_len(nrow(data)), data$cluster)
alphas <- sapply(sort(unique(draws$resample)), function(b) {
  picked <- draws$cluster[draws$resample == b]
  alpha_nominal(data[unlist(by_cluster[as.character(picked)]), coders])
})
rows[[2]] <- data.frame(kind = "resample", resample = seq_along(alphas) - 1, value = alphas)
rows[[3]] <- data.frame(kind = "interval", resample = NA,
                        value = c(quantile(alphas, c(0.025, 0.975), type = 7),
                                  mean(alphas < 0.667), mean(alphas < 0.800)))
out <- do.call(rbind, rows)
out$what <- c("alpha", rep("alpha", length(alphas)), "ci_low", "ci_high",
              "p_below_tentative", "p_below_reliable")
out$value <- sprintf("%.17g", out$value)
write.csv(out, file.path(dir, "alpha_golden.csv"), row.names = FALSE, na = "")
cat(R.version.string, "\n")
