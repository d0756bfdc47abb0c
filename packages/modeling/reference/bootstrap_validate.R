# Reference values for bootstrapValidate() and bootstrapCalibrate() in packages/modeling/src/bootstrap.ts.
#
# Run from the repository root:   Rscript packages/modeling/reference/bootstrap_validate.R
# Written with R 4.2.2 (Debian), rms 6.5-0, Hmisc 4.8-0. jsonlite is not used (it cannot print 17
# significant digits); JSON is written below with sprintf("%.17g").
#
# - fit  <- lrm(y ~ x1 + x2 + x3, x = TRUE, y = TRUE) on n = 150 simulated rows (set.seed below)
# - set.seed(7); v   <- validate(fit, B = 40)            (rms::validate.lrm, method "boot")
# - set.seed(8); cal <- calibrate(fit, B = 40)           (rms::calibrate.default, method "boot")
# rms::predab.resample draws, for each resample i = 1..B, train <- sample(n, replace = TRUE) and
# nothing else from the RNG (read with print(rms:::predab.resample)). This script re-draws those
# indices after the same set.seed, and RE-DERIVES both tables in plain R from them (lrm.fit on the
# resample, the `discrim` measure of validate.lrm and the `cal.error` measure of calibrate.default,
# copied below) and checks with stopifnot that they equal rms's tables: so the indices written to
# the JSON are the ones rms used. The TypeScript test feeds the same indices.
#
# Writes next to this script: bootstrap_validate.json (data, fit, indices, both tables).

options(warn = 1)
suppressMessages(library(rms))
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "packages/modeling/reference"
})

## ---------- JSON writer with full precision ----------
source(file.path(here, "json_compact.R"))
mat_rows <- function(m) lapply(seq_len(nrow(m)), function(i) I(unname(m[i, ])))

## ---------- data and the original fit ----------
set.seed(20251213)
n <- 150
d <- data.frame(x1 = rnorm(n), x2 = rnorm(n), x3 = runif(n, -1, 1))
d$y <- rbinom(n, 1, plogis(-0.4 + 0.9 * d$x1 - 0.6 * d$x2 + 0.1 * d$x3))
fit <- lrm(y ~ x1 + x2 + x3, data = d, x = TRUE, y = TRUE)
X <- fit$x
Y <- fit$y
B <- 40

set.seed(7)
v <- validate(fit, B = B)
set.seed(7)
idx_v <- lapply(seq_len(B), function(i) sample(n, replace = TRUE))

set.seed(8)
cal <- calibrate(fit, B = B)
set.seed(8)
idx_c <- lapply(seq_len(B), function(i) sample(n, replace = TRUE))

## ---------- re-derivation of validate's table ----------
# discrim() of rms 6.5 validate.lrm, binary y (kint = 1, Dxy.method = "somers2")
discrim <- function(x, y, fit, evalfit) {
  if (evalfit) {
    stats <- fit$stats
    lr <- stats["Model L.R."]; Dxy <- somers2(x, y)["Dxy"]
    intercept <- 0; shrink <- 1; n <- stats["Obs"]
    D <- (lr - 1)/n; U <- -2/n; Q <- D - U; R2 <- stats["R2"]; g <- stats["g"]; gp <- stats["gp"]
  } else {
    refit <- lrm.fit(x, y, tol = 1e-13)
    stats <- refit$stats
    lr <- stats["Model L.R."]; Dxy <- somers2(x, y)["Dxy"]
    intercept <- refit$coefficients[1]; shrink <- refit$coefficients[2]; n <- stats["Obs"]
    D <- (lr - 1)/n
    L01 <- -2 * sum((y >= 1) * x - logb(1 + exp(x)), na.rm = TRUE)
    U <- (L01 - refit$deviance[2] - 2)/n; Q <- D - U; R2 <- stats["R2"]
    g <- GiniMd(shrink * x); gp <- GiniMd(plogis(intercept + shrink * x))
  }
  P <- plogis(x)
  B <- sum(((y >= 1) - P)^2)/n
  unname(c(Dxy, R2, intercept, shrink, D, U, Q, B, g, gp))
}
lp_of <- function(b) drop(b[1] + X %*% b[-1])
orig <- discrim(lp_of(fit$coefficients), Y, fit, TRUE)
tr <- te <- numeric(10); nres <- 0
resample_v <- list()
for (i in seq_len(B)) {
  s <- idx_v[[i]]
  f <- lrm.fit(X[s, , drop = FALSE], Y[s], tol = 1e-12)
  stopifnot(!f$fail)
  xb <- lp_of(f$coefficients)
  a <- discrim(xb[s], Y[s], f, TRUE); b <- discrim(xb, Y, f, FALSE)
  resample_v[[i]] <- list(coefficients = I(unname(f$coefficients)), training = I(a), test = I(b))
  tr <- tr + a; te <- te + b; nres <- nres + 1
}
tr <- tr/nres; te <- te/nres; opt <- tr - te
mine <- cbind(orig, tr, te, opt, orig - opt, nres)
p <- seq(0, 1, 5e-04); L <- logb(p/(1 - p))
emax <- max(abs(p - plogis(mine[3, 5] + mine[4, 5] * L)), na.rm = TRUE)
mine <- rbind(mine[1:4, ], c(0, 0, emax, emax, emax, mine[1, 6]), mine[5:10, ])
stopifnot(isTRUE(all.equal(unname(unclass(v)[, ]), unname(mine), tolerance = 1e-13)))

## ---------- re-derivation of calibrate's table ----------
predy <- cal[, "predy"]
cal_error <- function(x, y) {
  x <- plogis(x)
  smo <- lowess(x, y, iter = 0)
  approx(smo, xout = predy, ties = function(x) x[1])$y - predy
}
orig_c <- cal_error(lp_of(fit$coefficients), Y)
trc <- tec <- numc <- numeric(length(predy))
resample_c <- list()
for (i in seq_len(B)) {
  s <- idx_c[[i]]
  f <- lrm.fit(X[s, , drop = FALSE], Y[s], tol = 1e-13)
  stopifnot(!f$fail)
  xb <- lp_of(f$coefficients)
  a <- cal_error(xb[s], Y[s]); b <- cal_error(xb, Y)
  na <- is.na(a + b)
  numc <- numc + !na; a[na] <- 0; b[na] <- 0
  trc <- trc + a; tec <- tec + b
}
trc <- trc/numc; tec <- tec/numc; optc <- trc - tec
stopifnot(isTRUE(all.equal(unname(cal[, "training"]), trc, tolerance = 1e-13)),
          isTRUE(all.equal(unname(cal[, "test"]), tec, tolerance = 1e-13)),
          isTRUE(all.equal(unname(cal[, "n"]), numc)),
          isTRUE(all.equal(unname(cal[, "index.orig"]), orig_c, tolerance = 1e-13)))

print(v, digits = 6)
print(unclass(cal)[c(1:3, 48:50), ], digits = 6)

cal_cols <- c("predy", "calibrated.orig", "calibrated.corrected", "index.orig", "training", "test",
              "optimism", "index.corrected", "n")
out <- list(
  R = R.version.string, rms = as.character(packageVersion("rms")), Hmisc = as.character(packageVersion("Hmisc")),
  x = mat_rows(X), y = I(Y),
  fit = list(coefficients = I(unname(fit$coefficients)), deviance = I(unname(fit$deviance)),
             linear_predictors = I(unname(fit$linear.predictors))),
  validate = list(B = B, seed = 7, indices = lapply(idx_v, I), resamples = resample_v,
                  rows = I(rownames(v)), columns = I(colnames(v)), table = mat_rows(unclass(v))),
  calibrate = list(B = B, seed = 8, indices = lapply(idx_c, I),
                   columns = I(cal_cols), table = mat_rows(unclass(cal)[, cal_cols])))
writeLines(to_json(out), file.path(here, "bootstrap_validate.json"))
cat("wrote", file.path(here, "bootstrap_validate.json"), "\n")
