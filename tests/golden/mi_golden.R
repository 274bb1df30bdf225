# Golden values of the delta-adjusted multiple imputation for tests/test_golden.py.
#
#   python tests/golden/make_mi_samples.py && Rscript tests/golden/mi_golden.R
#
# Needs R >= 4.1 with mice and coin (Debian: r-cran-mice r-cran-coin). Reads mi_data.csv (the
# bundled cohort's SDQ totals: unit, before, after; after empty for drop-outs) and
# mi_draws.csv (the package's random numbers, one row per imputation: chi2, z1, z2, e1..).
# Writes
#   mi_golden.csv          per source and delta: estimate, se, df, ci_low, ci_high, p (pooled
#                          mean change over all families, Rubin's rules with Barnard-Rubin df,
#                          mice::pool.scalar), rank_z, rank_df, rank_p (pooled standardised
#                          Pratt signed-rank statistic from coin, within variance 1, df Inf)
#   mi_tipping_golden.csv  per source and criterion: the delta at which the pooled estimate is
#                          0 (uniroot), its 95% interval reaches 0 (uniroot; 0 when it holds 0
#                          without a shift), the pooled rank test's p reaches 0.05 (the first
#                          point of a 0.01 grid at which p >= 0.05, refined on a 0.001 grid;
#                          the statistic by its formula, checked against coin's)
# Sources:
#   same_draws  mice's imputation formula (.norm.draw: sigma* = sqrt(RSS / chi2),
#               beta* = b + t(chol((X'X)^-1)) z sigma*, y* = x'beta* + e sigma*) applied to the
#               package's draws, then delta added: must equal the Python results exactly;
#   mice        mice(method = "norm", m = M, post = "+ delta") with mice's own random numbers
#               (seed 20232024): the same procedure, equal within Monte Carlo error. Because
#               mice's post statement adds delta after the draw and the draws do not depend on
#               delta, the imputations of one run at delta 0 shifted by delta are those of a run
#               with that delta; this is checked at delta = 2 below.
suppressPackageStartupMessages({library(mice); library(coin)})
options(digits = 17)
dir <- "tests/golden"
data <- read.csv(file.path(dir, "mi_data.csv"), stringsAsFactors = FALSE)
draws <- as.matrix(read.csv(file.path(dir, "mi_draws.csv")))
miss <- is.na(data$after)
n <- nrow(data); M <- nrow(draws)

coin_z <- function(before, after) {
  if (all(round(after - before, 10) == 0)) return(0)
  statistic(wilcoxsign_test(after ~ before, zero.method = "Pratt",
                            distribution = "asymptotic"))
}

own_z <- function(before, after) {  # the same statistic by its formula (fast, for searching)
  d <- round(after - before, 10)
  r <- rank(abs(d)); r[d == 0] <- 0
  if (all(r == 0)) return(0)
  (sum(r[d > 0]) - sum(r) / 2) / sqrt(sum(r^2) / 4)
}

pooled <- function(imputed, delta, z_of = coin_z) {  # imputed: M x n_missing, at delta 0
  q <- u <- z <- numeric(M)
  for (j in seq_len(M)) {
    after <- data$after; after[miss] <- imputed[j, ] + delta
    d <- after - data$before
    q[j] <- mean(d); u[j] <- var(d) / n
    z[j] <- z_of(data$before, after)
  }
  mean_pool <- pool.scalar(q, u, n = n, k = 1)
  rank_pool <- pool.scalar(z, rep(1, M), n = Inf)
  se <- sqrt(mean_pool$t); half <- qt(0.975, mean_pool$df) * se
  rz <- rank_pool$qbar / sqrt(rank_pool$t)
  c(estimate = mean_pool$qbar, se = se, df = mean_pool$df, ci_low = mean_pool$qbar - half,
    ci_high = mean_pool$qbar + half, p = 2 * pt(-abs(mean_pool$qbar / se), mean_pool$df),
    rank_z = rz, rank_df = rank_pool$df, rank_p = 2 * pt(-abs(rz), rank_pool$df))
}

tipping <- function(imputed) {
  at <- function(delta) pooled(imputed, delta, z_of = own_z)
  zero <- at(0)
  slope <- sum(miss) / n
  point <- -zero[["estimate"]] / slope
  bound <- if (zero[["estimate"]] < 0) "ci_high" else "ci_low"
  sgn <- sign(point)
  interval <- if (sgn * zero[[bound]] >= 0) 0 else
    uniroot(function(delta) at(delta)[[bound]], sort(c(0, point)), tol = 1e-12)$root
  first <- function(grid) { for (delta in grid) if (at(delta)[["rank_p"]] >= 0.05)
    return(delta); NA }
  coarse <- first(seq(0, 2 * point, by = sgn * 0.01))
  test <- if (is.na(coarse) || coarse == 0) coarse else
    first(seq(coarse - sgn * 0.01, coarse, by = sgn * 0.001))
  c(estimate = point, interval = interval, test = test)
}

# the package's draws through mice's formula
fit <- lm(after ~ before, data = data[!miss, ])
x <- cbind(1, data$before[!miss])
chol_v <- t(chol(solve(crossprod(qr.R(qr(x))))))
rss <- sum(residuals(fit)^2)
same <- t(sapply(seq_len(M), function(j) {
  sigma <- sqrt(rss / draws[j, "chi2"])
  beta <- coef(fit) + chol_v %*% draws[j, c("z1", "z2")] * sigma
  drop(cbind(1, data$before[miss]) %*% beta) + draws[j, paste0("e", seq_len(sum(miss)))] * sigma
}))

# mice itself
meth <- make.method(data[, c("before", "after")]); meth["after"] <- "norm"
run_mice <- function(delta) {
  post <- make.post(data[, c("before", "after")])
  post["after"] <- sprintf("imp[[j]][, i] <- imp[[j]][, i] + %.17g", delta)
  imp <- mice(data[, c("before", "after")], method = meth, post = post, m = M, maxit = 1,
              seed = 20232024, printFlag = FALSE)
  t(as.matrix(imp$imp$after))
}
from_mice <- run_mice(0)
stopifnot(isTRUE(all.equal(run_mice(2), from_mice + 2, tolerance = 1e-12)))
for (j in 1:20) {  # the fast formula is coin's statistic
  after <- data$after; after[miss] <- same[j, ] + j / 4
  stopifnot(abs(own_z(data$before, after) - coin_z(data$before, after)) < 1e-12)
}

deltas <- c(0, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 10, 12)
rows <- list()
for (source in c("same_draws", "mice")) {
  imputed <- if (source == "same_draws") same else from_mice
  for (delta in deltas) rows[[length(rows) + 1]] <- data.frame(
    source = source, delta = delta, t(pooled(imputed, delta)))
}
full <- function(frame) { frame[] <- lapply(frame, function(col)
  if (is.double(col)) ifelse(is.na(col), NA, sprintf("%.17g", col)) else col); frame }
write.csv(full(do.call(rbind, rows)), file.path(dir, "mi_golden.csv"), row.names = FALSE,
          na = "")
tips <- rbind(data.frame(source = "same_draws", criterion = c("estimate", "interval", "test"),
                         delta = tipping(same)),
              data.frame(source = "mice", criterion = c("estimate", "interval", "test"),
                         delta = tipping(from_mice)))
write.csv(full(tips), file.path(dir, "mi_tipping_golden.csv"), row.names = FALSE, na = "")
cat(R.version.string, "mice", format(packageVersion("mice")), "coin",
    format(packageVersion("coin")), "imputations", M, "\n")
