# Reference values for bootstrapAucCi() in packages/modeling/src/bootstrap.ts.
#
# Run from the repository root:   Rscript packages/modeling/reference/bootstrap_auc.R
# Written with R 4.2.2 (Debian), pROC 1.18.0. jsonlite is not used (it cannot print 17 significant
# digits); JSON is written below with sprintf("%.17g").
#
# pROC's ci.auc(method = "bootstrap") (read with print(pROC:::ci.auc.bootstrap),
# print(pROC:::stratified.ci.auc), print(pROC:::nonstratified.ci.auc)):
#   stratified:     controls <- sample(roc$controls, replace = TRUE); cases <- sample(roc$cases, replace = TRUE)
#   non-stratified: idx <- sample(1:length(roc$predictor), replace = TRUE), then split by response
#   the AUC of each resample; result = quantile(aucs, c((1 - conf)/2, .5, 1 - (1 - conf)/2)) (type 7):
#   [lower, MEDIAN of the bootstrap AUCs, upper].
# 1. Exact comparison: after set.seed(s) this script draws the same indices pROC draws (the same
#    sample.int calls in the same order), checks that the AUCs recomputed from them give pROC's CI
#    exactly (stopifnot), and writes the indices (1-based) so the TypeScript test can feed them.
# 2. Statistical comparison: pROC's CI with boot.n = 2000 and the Monte-Carlo standard error of its
#    ends (from the bootstrap distribution: sqrt(q(1-q)/B) / density at the quantile, the density
#    from density() of the AUCs), which the test uses for its tolerance.
#
# Writes next to this script: bootstrap_auc.json.

options(warn = 1)
suppressMessages(library(pROC))
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "packages/modeling/reference"
})

## ---------- JSON writer with full precision ----------
source(file.path(here, "json_compact.R"))

set.seed(20251212)
n0 <- 45; n1 <- 30
y <- c(rep(0, n0), rep(1, n1))[sample(n0 + n1)]
score <- round(rnorm(n0 + n1, ifelse(y == 1, 0.9, 0), 1), 1) # rounded: ties between cases and controls
r <- roc(y, score, levels = c(0, 1), direction = "<", quiet = TRUE)
stopifnot(identical(r$controls, score[y == 0]), identical(r$cases, score[y == 1]))

mw_auc <- function(cases, controls) mean(outer(cases, controls, function(a, b) (a > b) + 0.5 * (a == b)))
probs_for <- function(conf) c(0 + (1 - conf)/2, 0.5, 1 - (1 - conf)/2)

## 1. exact: stratified
B1 <- 200
set.seed(101)
ci_s <- ci.auc(r, method = "bootstrap", boot.n = B1, boot.stratified = TRUE, progress = "none")
set.seed(101)
strat <- lapply(seq_len(B1), function(b) {
  ic <- sample.int(length(r$controls), replace = TRUE)
  ia <- sample.int(length(r$cases), replace = TRUE)
  list(controls = I(ic), cases = I(ia))
})
aucs_s <- vapply(strat, function(s) mw_auc(r$cases[s$cases], r$controls[s$controls]), 0)
stopifnot(isTRUE(all.equal(unname(quantile(aucs_s, probs_for(0.95))), as.vector(ci_s), tolerance = 1e-14)))

## 1. exact: non-stratified, conf = 0.9
set.seed(102)
ci_u <- ci.auc(r, method = "bootstrap", boot.n = B1, boot.stratified = FALSE, conf.level = 0.9, progress = "none")
set.seed(102)
unstrat <- lapply(seq_len(B1), function(b) I(sample.int(length(r$predictor), replace = TRUE)))
aucs_u <- vapply(unstrat, function(i) {
  yy <- r$response[i]; ss <- r$predictor[i]
  if (all(yy == 0) || all(yy == 1)) NA else mw_auc(ss[yy == 1], ss[yy == 0])
}, 0)
stopifnot(!anyNA(aucs_u))
stopifnot(isTRUE(all.equal(unname(quantile(aucs_u, probs_for(0.9))), as.vector(ci_u), tolerance = 1e-14)))
# r$predictor / r$response are in the input order (pROC keeps it)
stopifnot(identical(r$predictor, score), identical(as.numeric(as.character(r$response)), y))

## 2. statistical: boot.n = 2000 (stratified)
set.seed(103)
ci_big <- ci.auc(r, method = "bootstrap", boot.n = 2000, boot.stratified = TRUE, progress = "none")
set.seed(103)
aucs_big <- vapply(seq_len(2000), function(b) {
  ic <- sample.int(length(r$controls), replace = TRUE); ia <- sample.int(length(r$cases), replace = TRUE)
  mw_auc(r$cases[ia], r$controls[ic])
}, 0)
stopifnot(isTRUE(all.equal(unname(quantile(aucs_big, probs_for(0.95))), as.vector(ci_big), tolerance = 1e-14)))
d <- density(aucs_big)
mc_se <- vapply(probs_for(0.95), function(q) {
  x <- quantile(aucs_big, q); sqrt(q * (1 - q) / 2000) / approx(d$x, d$y, xout = x)$y
}, 0)

cat("AUC", as.numeric(r$auc), "\nstratified B=200:", ci_s, "\nnon-stratified B=200 conf .9:", ci_u,
    "\nstratified B=2000:", ci_big, "\nMC s.e. of the ends:", mc_se, "\n")

out <- list(
  R = R.version.string, pROC = as.character(packageVersion("pROC")),
  y = I(y), score = I(score), auc = as.numeric(r$auc),
  stratified = list(conf = 0.95, boot_n = B1, ci = I(as.vector(ci_s)), resamples = strat),
  nonstratified = list(conf = 0.9, boot_n = B1, ci = I(as.vector(ci_u)), resamples = unstrat),
  big = list(conf = 0.95, boot_n = 2000, ci = I(as.vector(ci_big)), mc_se = I(unname(mc_se))))
writeLines(to_json(out), file.path(here, "bootstrap_auc.json"))
cat("wrote", file.path(here, "bootstrap_auc.json"), "\n")
