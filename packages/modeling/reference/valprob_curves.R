# Reference values for lowess(), calibrationCurveLowess() and calibrationCurveBinned() in
# packages/modeling/src/lowess.ts and validation.ts.
#
# Run from the repository root:   Rscript packages/modeling/reference/valprob_curves.R
# Written with R 4.2.2 (Debian), Hmisc 4.8-0. jsonlite is not used (it cannot print 17 significant
# digits); JSON is written below with sprintf("%.17g").
#
# - lowess: stats::lowess itself (R's C clowess) on several inputs: unsorted x with ties, each
#   `f`, `iter` and `delta` branch (delta > 0 skips points and interpolates them), robustness
#   weights that become 0, a y with MAD 0 (early stop), n = 2 and n = 3.
# - binned curve: groups exactly as ResourceSelection::hoslem.test bins (quantile type 7 at
#   seq(0, 1, 1/g), unique, cut(include.lowest = TRUE); see hoslem.R), per group mean p, observed
#   proportion and Hmisc::binconf(x, n, alpha, method = "wilson") -- Hmisc's Wilson interval,
#   including its two special cases (x = 1: lower = -log(1 - alpha)/n; x = n - 1: upper =
#   1 + log(1 - alpha)/n).
#
# Writes next to this script: valprob_curves.json.

options(warn = 1)
suppressMessages(library(Hmisc))
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "packages/modeling/reference"
})

## ---------- JSON writer with full precision ----------
source(file.path(here, "json_compact.R"))

lw <- function(name, x, y, f = 2/3, iter = 3L, delta = 0.01 * diff(range(x))) {
  r <- lowess(x, y, f = f, iter = iter, delta = delta)
  list(name = name, x = I(x), y = I(y), f = f, iter = iter, delta = delta,
       out_x = I(r$x), out_y = I(r$y))
}

set.seed(20251211)
lowess_cases <- list()
x1 <- runif(60, 0, 10); y1 <- sin(x1) + rnorm(60, 0, 0.3)
lowess_cases[[1]] <- lw("default", x1, y1)
x2 <- round(runif(80, 0, 5), 1); y2 <- x2^2 / 5 + rnorm(80) + c(rep(0, 75), 8, -7, 9, 10, -9)
lowess_cases[[2]] <- lw("ties_outliers", x2, y2)
lowess_cases[[3]] <- lw("f03_iter0_delta0", x1, y1, f = 0.3, iter = 0L, delta = 0)
lowess_cases[[4]] <- lw("big_delta", x1, y1, f = 0.5, iter = 2L, delta = 1.5)
x5 <- plogis(rnorm(150, -0.5, 1.2)); y5 <- rbinom(150, 1, x5)
lowess_cases[[5]] <- lw("binary_iter0", x5, y5, iter = 0L)
lowess_cases[[6]] <- lw("binary_iter3", x5, y5)
lowess_cases[[7]] <- lw("constant_y", x1[1:20], rep(2.5, 20))
lowess_cases[[8]] <- lw("n2", c(3, 1), c(1, 5))
lowess_cases[[9]] <- lw("n3", c(0.2, 0.9, 0.5), c(1, 0, 1), f = 0.1)
x10 <- c(rep(1, 5), rep(2, 5), 3:12); y10 <- c(rnorm(10), rnorm(10, 3))
lowess_cases[[10]] <- lw("heavy_ties_f02", x10, y10, f = 0.2, iter = 4L)
lowess_cases[[11]] <- lw("large_f", x1[1:30], y1[1:30], f = 3)

## ---------- binned calibration curve ----------
binned <- function(name, p, y, g, alpha = 0.05) {
  qq <- unique(quantile(p, probs = seq(0, 1, 1/g)))
  grp <- cut(p, breaks = qq, include.lowest = TRUE)
  n <- as.vector(table(grp)); x <- as.vector(tapply(y, grp, sum)); x[is.na(x)] <- 0
  mp <- as.vector(tapply(p, grp, mean))
  keep <- n > 0
  bc <- binconf(x[keep], n[keep], alpha = alpha, method = "wilson")
  list(name = name, g = g, alpha = alpha, p = I(p), y = I(y),
       n = I(n[keep]), events = I(x[keep]), mean_p = I(mp[keep]),
       observed = I(unname(bc[, "PointEst"])), lower = I(unname(bc[, "Lower"])),
       upper = I(unname(bc[, "Upper"])))
}
binned_cases <- list()
pb <- plogis(rnorm(200, -0.8, 1.2)); yb <- rbinom(200, 1, pb)
binned_cases[[1]] <- binned("deciles", pb, yb, 10)
binned_cases[[2]] <- binned("quintiles_alpha10", pb, yb, 5, alpha = 0.1)
# small groups so that x = 0, x = 1, x = n - 1 and x = n occur
ps <- c(rep(0.02, 6), rep(0.1, 6), rep(0.5, 6), rep(0.9, 6))
ys <- c(0, 0, 0, 0, 0, 0,  1, 0, 0, 0, 0, 0,  1, 1, 1, 1, 1, 0,  1, 1, 1, 1, 1, 1)
binned_cases[[3]] <- binned("edge_counts", ps, ys, 4)

out <- list(R = R.version.string, Hmisc = as.character(packageVersion("Hmisc")),
            lowess = lowess_cases, binned = binned_cases)
writeLines(to_json(out), file.path(here, "valprob_curves.json"))
cat("wrote", file.path(here, "valprob_curves.json"), "\n")
