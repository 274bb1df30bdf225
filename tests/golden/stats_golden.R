# Golden values for tests/test_golden.py, computed in R from tests/golden/samples.csv.
#
#   Rscript tests/golden/stats_golden.R     (from the repository root)
#
# Needs R >= 4.1 with exactRankTests and coin (Debian: r-base-core r-cran-exactranktests
# r-cran-coin). Writes tests/golden/stats_golden.csv (one row per case) and
# tests/golden/dz_golden.csv (d_z intervals for n = 2..30 and |t| up to 1000). The Python
# tests read these files and never run R.
#
# Per case, with d = after - before:
#   p_pratt        coin::wilcoxsign_test(zero.method = "Pratt", distribution = "exact")
#   p_wilcox       exactRankTests::wilcox.exact(d) (zeros dropped, exact with ties)
#   hl_estimate    median of the Walsh averages (R's estimate in its exact branch)
#   hl_low/high    every shift mu not rejected by wilcox.exact(d - mu) at 5%, evaluated at
#                  one mu inside every gap between Walsh averages (the exact test inversion)
#   hl_low_r/high_r  wilcox.test(d, conf.int = TRUE)$conf.int, only without ties or zeros
#                  (R's exact branch; with ties R uses a normal approximation)
#   t, t_p         t.test(after, before, paired = TRUE)
#   dz, dz_low/high  mean(d) / sd(d); uniroot on pt(t, n - 1, ncp) at 0.975 and 0.025, / sqrt(n)
#   rb, rb_low/high  Pratt rank-biserial; Fisher z with the null SE when >= 10 non-zero
#                  changes and |r| < 1 (effectsize's parametric interval)
#   rb_inv_low/high  the exact test inverted, carried to the rank-biserial scale under the
#                  symmetric shift model: with e = d - hl_estimate and s = c(e, -e), the Pratt
#                  rank-biserial of s + hl_low and of s + hl_high, widened to contain rb; when
#                  the inversion reaches 95%, not all d are 0 and the bounds differ
#   rho, rho_p     cor.test(before, after, method = "spearman", exact = TRUE), exact p only
#                  for n <= 9 without ties (else NA)
#   p_pratt_holm, t_p_holm  p.adjust(..., "holm") over the helmond_* cases
suppressPackageStartupMessages({library(exactRankTests); library(coin)})
options(digits = 17)
dir <- "tests/golden"
samples <- read.csv(file.path(dir, "samples.csv"), stringsAsFactors = FALSE)

walsh <- function(d) { s <- outer(d, d, "+") / 2; sort(s[!lower.tri(s)]) }

p_exact <- function(d) {
  if (all(d == 0)) return(1)
  suppressWarnings(wilcox.exact(d, exact = TRUE)$p.value)
}

hl_inversion <- function(d, alpha = 0.05) {
  w <- walsh(d); pts <- unique(w)
  mids <- c(pts[1] - 1, (pts[-1] + pts[-length(pts)]) / 2, pts[length(pts)] + 1)
  p <- sapply(mids, function(mu) p_exact(round(d - mu, 10)))
  ok <- which(p > alpha * (1 + 1e-12))
  if (length(ok) && ok[1] > 1 && ok[length(ok)] < length(mids)) {
    c(pts[ok[1] - 1], pts[ok[length(ok)]], 1 - alpha)
  } else c(pts[1], pts[length(pts)], 1 - max(p[c(1, length(p))]))
}

dz_bounds <- function(t, n, conf = 0.95) {
  df <- n - 1; a <- 1 - conf
  f <- function(target) uniroot(function(ncp) pt(t, df, ncp) - target,
                                c(t - 10, t + 10), extendInt = "yes", tol = 1e-13,
                                maxiter = 10000)$root
  c(f(1 - a / 2), f(a / 2)) / sqrt(n)
}

rb_pratt <- function(x) {
  x <- round(x, 10); rk <- rank(abs(x)); rk[x == 0] <- 0
  if (sum(rk) > 0) (sum(rk[x > 0]) - sum(rk[x < 0])) / sum(rk) else NA
}

rows <- list()
for (case in unique(samples$case)) {
  s <- samples[samples$case == case, ]
  d <- round(s$after - s$before, 10); n <- length(d); nz <- d[d != 0]
  ties <- length(unique(abs(d))) < n || any(d == 0)
  p_pratt <- if (length(nz)) pvalue(wilcoxsign_test(s$after ~ s$before,
      zero.method = "Pratt", distribution = exact())) else 1
  hl <- hl_inversion(d)
  hl_r <- if (!ties && n >= 2) wilcox.test(d, conf.int = TRUE, exact = TRUE)$conf.int
          else c(NA, NA)
  sd_d <- sd(d)
  tt <- if (sd_d > 0) t.test(s$after, s$before, paired = TRUE) else NULL
  tval <- if (is.null(tt)) NA else unname(tt$statistic)
  dz_ci <- if (is.null(tt)) c(NA, NA) else dz_bounds(tval, n)
  rb <- rb_pratt(d)
  hl_est <- median(walsh(d))
  rb_inv <- if (any(d != 0) && hl[3] >= 0.95 - 1e-12)
    c(min(rb_pratt(c(d - hl_est, hl_est - d) + hl[1]), rb),
      max(rb_pratt(c(d - hl_est, hl_est - d) + hl[2]), rb)) else c(NA, NA)
  if (!is.na(rb_inv[1]) && rb_inv[2] - rb_inv[1] < 1e-12) rb_inv <- c(NA, NA)
  m <- length(nz)
  rb_ci <- if (m >= 10 && abs(rb) < 1) {
    se <- sqrt(m * (m + 1) * (2 * m + 1) / 6) / (m * (m + 1) / 2)
    tanh(atanh(rb) + c(-1, 1) * qnorm(0.975) * se)
  } else c(NA, NA)
  no_ties_xy <- length(unique(s$before)) == n && length(unique(s$after)) == n
  sp <- if (sd(s$before) > 0 && sd(s$after) > 0)
    suppressWarnings(cor.test(s$before, s$after, method = "spearman",
                              exact = n <= 9 && no_ties_xy)) else NULL
  rows[[case]] <- data.frame(
    case = case, kind = s$kind[1], n = n, n_nonzero = m, ties = ties,
    p_pratt = p_pratt, p_wilcox = p_exact(d),
    hl_estimate = hl_est, hl_low = hl[1], hl_high = hl[2],
    hl_confidence_achieved = hl[3], hl_low_r = hl_r[1], hl_high_r = hl_r[2],
    t = tval, t_p = if (is.null(tt)) NA else tt$p.value,
    dz = if (sd_d > 0) mean(d) / sd_d else NA, dz_low = dz_ci[1], dz_high = dz_ci[2],
    rb = rb, rb_low = rb_ci[1], rb_high = rb_ci[2], rb_inv_low = rb_inv[1],
    rb_inv_high = rb_inv[2],
    rho = if (is.null(sp)) NA else unname(sp$estimate),
    rho_p = if (!is.null(sp) && n <= 9 && no_ties_xy) sp$p.value else NA)
}
out <- do.call(rbind, rows)
cohort <- grepl("^helmond_", out$case)
out$p_pratt_holm <- NA; out$t_p_holm <- NA
out$p_pratt_holm[cohort] <- p.adjust(out$p_pratt[cohort], "holm")
out$t_p_holm[cohort] <- p.adjust(out$t_p[cohort], "holm")
full <- function(frame) { frame[] <- lapply(frame, function(col)
  if (is.double(col)) ifelse(is.na(col), NA, sprintf("%.17g", col)) else col); frame }
write.csv(full(out), file.path(dir, "stats_golden.csv"), row.names = FALSE, na = "")

grid <- expand.grid(t = c(-1000, -300, -50, -14.5, -7.5, -5, -4, -1, 0.5, 2, 4, 7.5, 14.5,
                          50, 300, 1000), n = c(2, 3, 5, 10, 14, 30))
bounds <- t(mapply(dz_bounds, grid$t, grid$n))
grid$dz_low <- bounds[, 1]; grid$dz_high <- bounds[, 2]
# R's pt() uses a normal approximation when |ncp| > 37.62 (pnt.c): exact only below
grid$r_exact <- pmax(abs(grid$dz_low), abs(grid$dz_high)) * sqrt(grid$n) <= 37.62
write.csv(full(grid), file.path(dir, "dz_golden.csv"), row.names = FALSE, na = "")
cat(R.version.string, "\n")
