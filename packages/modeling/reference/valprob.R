# Reference values for valProb() and lrmFit() in packages/modeling/src/validation.ts.
#
# Run from the repository root:   Rscript packages/modeling/reference/valprob.R
# Written with R 4.2.2 (Debian), rms 6.5-0, Hmisc 4.8-0 (r-cran-rms, r-cran-hmisc). jsonlite is not
# used (it cannot print 17 significant digits); JSON is written below with sprintf("%.17g").
#
# Every statistic comes from rms::val.prob(p, y, pl = FALSE) itself. Read with it (rms 6.5 source,
# printed with `print(rms::val.prob)`):
# - Dxy, C (ROC), R2, D:Chi-sq come from lrm.fit(logit, y, initial = c(0, 1), maxit = 1), i.e. the
#   statistics of the fixed model logit P = 0 + 1 * logit(p). Its C / Dxy are computed by rms's
#   Fortran (lrmfit.f, gcorr) from predicted probabilities binned into 5001 cells (trunc(5000 p) + 1),
#   so they are not the exact Mann-Whitney AUC; both are written below (C_exact from somers2).
# - D:p is NA in rms 6.5 (lrm.fit reports P = NA whenever `initial` is given); written as null,
#   and the upper tail pchisq(D:Chi-sq, 1, lower.tail = FALSE) is written separately as D_p_upper.
# - Intercept, Slope: lrm.fit(logit, y) with its defaults (Newton-Raphson from logit(mean y), 0;
#   stops once -2 log L changes by <= eps = 0.025 and keeps the step taken after that check).
# - Emax, E90, Eavg: |p - approx(lowess(p, y, iter = 0), xout = p, ties = mean)$y|.
# - calibration in the large (not in val.prob): glm(y ~ offset(qlogis(p)), binomial) run to
#   epsilon = 1e-15 (so it is converged to machine precision, unlike glm's default 1e-8).
#
# Writes next to this script: valprob.json (inputs and results of each case).

options(warn = 1)
suppressMessages(library(rms))
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "packages/modeling/reference"
})

## ---------- JSON writer with full precision ----------
source(file.path(here, "json_compact.R"))

stat_names <- c("Dxy", "C (ROC)", "R2", "D", "D:Chi-sq", "D:p", "U", "U:Chi-sq", "U:p", "Q", "Brier",
                "Intercept", "Slope", "Emax", "E90", "Eavg", "S:z", "S:p")
json_names <- c("Dxy", "C", "R2", "D", "D_chisq", "D_p", "U", "U_chisq", "U_p", "Q", "Brier",
                "Intercept", "Slope", "Emax", "E90", "Eavg", "S_z", "S_p")

run_case <- function(name, p, y) {
  v <- val.prob(p, y, pl = FALSE)
  if (length(unique(p)) == 1) {
    # rms 6.5's branch for a single predicted value returns 19 numbers under 18 names:
    # c(0, .5, 0, D, 0, 1, U, U.chisq, U.p, Q, Brier, Intc, 0, 0, 0, |p - P|, |p - P|, S:z, S:p)
    # (one "0" too many), so everything from "Slope" on is shifted. The raw vector is written.
    stopifnot(length(v) == 19)
    return(list(name = name, p = I(p), y = I(y), raw = I(unname(v))))
  }
  stopifnot(identical(names(v), stat_names))
  stats <- setNames(as.list(unname(v)), json_names)
  out <- list(name = name, p = I(p), y = I(y), stats = stats)
  if (length(unique(p)) > 1) {
    lg <- qlogis(p)
    recal <- lrm.fit(lg, y)
    fixed <- lrm.fit(lg, y, initial = c(0, 1), maxit = 1L)
    cil <- glm(y ~ 1, offset = lg, family = binomial, control = glm.control(epsilon = 1e-15, maxit = 100))
    full <- glm(y ~ lg, family = binomial, control = glm.control(epsilon = 1e-15, maxit = 100))
    Sm <- lowess(p, y, iter = 0)
    out$extra <- list(
      D_p_upper = pchisq(v[["D:Chi-sq"]], 1, lower.tail = FALSE),
      U_p_upper = pchisq(v[["U:Chi-sq"]], 2, lower.tail = FALSE),
      C_exact = unname(somers2(p, y)["C"]),
      recal_coef = I(unname(recal$coefficients)), recal_deviance = I(unname(recal$deviance)),
      fixed_deviance = I(unname(fixed$deviance)),
      calibration_in_the_large = unname(coef(cil)[1]),
      glm_intercept = unname(coef(full)[1]), glm_slope = unname(coef(full)[2]),
      smooth_x = I(Sm$x), smooth_y = I(Sm$y),
      cal_smooth = I(approx(Sm, xout = p, ties = mean)$y))
  }
  out
}

set.seed(20251210)
cases <- list()
# A: over-confident predictions (true slope 0.6), n = 200
lp <- rnorm(200, -0.3, 1.4)
pA <- plogis(lp)
yA <- rbinom(200, 1, plogis(-0.2 + 0.6 * lp))
cases[[1]] <- run_case("overfit_n200", pA, yA)
# B: well calibrated, n = 500
lpB <- rnorm(500, -1, 1)
pB <- plogis(lpB)
yB <- rbinom(500, 1, pB)
cases[[2]] <- run_case("calibrated_n500", pB, yB)
# C: predictions rounded to 2 decimals (many ties: lowess and approx(ties = mean) on tied x)
pC <- round(plogis(rnorm(80, 0, 1)), 2)
pC <- pmin(pmax(pC, 0.01), 0.99)
yC <- rbinom(80, 1, plogis(qlogis(pC) * 0.8 + 0.3))
cases[[3]] <- run_case("tied_n80", pC, yC)
# D: small sample, n = 25
pD <- plogis(rnorm(25, 0.2, 1.2))
yD <- rbinom(25, 1, pD)
cases[[4]] <- run_case("small_n25", pD, yD)
# E: one predicted value for everyone (val.prob's special branch)
yE <- rbinom(30, 1, 0.4)
cases[[5]] <- run_case("constant_n30", rep(0.25, 30), yE)

for (cs in cases) {
  cat(cs$name, "\n")
  print(if (is.null(cs$stats)) cs$raw else unlist(cs$stats), digits = 10)
}
out <- list(R = R.version.string, rms = as.character(packageVersion("rms")),
            Hmisc = as.character(packageVersion("Hmisc")), cases = cases)
writeLines(to_json(out), file.path(here, "valprob.json"))
cat("wrote", file.path(here, "valprob.json"), "\n")
