# Golden values of the random-intercept model for tests/test_golden.py (lme4 + lmerTest).
#
#   python tests/golden/make_mixed_samples.py && Rscript tests/golden/mixed_golden.R
#
# Needs R >= 4.1 with lme4 and lmerTest (Debian: r-cran-lme4 r-cran-lmertest). Reads
# tests/golden/mixed_samples.csv and writes tests/golden/mixed_golden.csv: per case and fixed
# effect (the intercept and each later moment's change from the first, treatment coding)
#   estimate, se        fixef() and sqrt(diag(vcov())) of lmer(y ~ time + (1 | unit), REML)
#   df, t, p            summary() of lmerTest's lmer (Satterthwaite, its default)
#   sigma2, tau2        residual and random-intercept variances (VarCorr)
#   reml                REMLcrit(): -2 REML log-likelihood
#   boundary            isSingular(): tau^2 estimated at 0
# The optimiser runs to a tight tolerance (bobyqa, rhoend 1e-12), so differences from the
# Python fit are those of two optimisers at the same optimum, not of a loose stopping rule.
suppressPackageStartupMessages({library(lme4); library(lmerTest)})
options(digits = 17)
dir <- "tests/golden"
samples <- read.csv(file.path(dir, "mixed_samples.csv"), stringsAsFactors = FALSE)
control <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-12,
                                                            maxfun = 1e5),
                       check.conv.singular = "ignore")
rows <- list()
for (case in unique(samples$case)) {
  s <- samples[samples$case == case, ]
  s$time <- factor(s$time, levels = sort(unique(s$time)))
  fit <- lmerTest::lmer(y ~ time + (1 | unit), data = s, REML = TRUE, control = control)
  co <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  rows[[case]] <- data.frame(
    case = case, term = rownames(co), estimate = co[, "Estimate"],
    se = sqrt(diag(as.matrix(vcov(fit)))), df = co[, "df"], t = co[, "t value"],
    p = co[, "Pr(>|t|)"], sigma2 = vc$vcov[vc$grp == "Residual"],
    tau2 = vc$vcov[vc$grp == "unit"], reml = REMLcrit(fit), boundary = isSingular(fit),
    n_units = length(unique(s$unit)), n_obs = nrow(s), row.names = NULL)
}
out <- do.call(rbind, rows)
full <- function(frame) { frame[] <- lapply(frame, function(col)
  if (is.double(col)) ifelse(is.na(col), NA, sprintf("%.17g", col)) else col); frame }
write.csv(full(out), file.path(dir, "mixed_golden.csv"), row.names = FALSE, na = "")
cat(R.version.string, "lme4", format(packageVersion("lme4")), "lmerTest",
    format(packageVersion("lmerTest")), "\n")
