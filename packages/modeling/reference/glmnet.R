# Reference values for packages/modeling/src/glmnet.ts (LASSO / elastic-net logistic regression).
#
# Run from the repository root:   Rscript packages/modeling/reference/glmnet.R
# Written with R 4.2.2 (Debian) and glmnet 4.1-6 (survival 3.x for glmnet's AUC, which calls
# survival::concordance). jsonlite is not used: it cannot print 17 significant digits, so the JSON
# is written below with sprintf("%.17g") (every double round-trips exactly).
#
# Writes, next to this script:
#   glmnet_A.csv   n = 200, p = 30: y (0/1) and x01..x30, AR(1)-correlated columns (rho 0.6) with
#                  unequal means and scales, 4 true signals; set.seed(20251209)
#   glmnet_B.csv   n = 60, p = 200 (p > n): y and x001..x200, 5 true signals; same seed stream
#   glmnet_C.csv   n = 100, p = 8: y and x1..x8, column x5 constant (glmnet gives it 0)
#   glmnet_D.csv   n = 80, p = 6: y and x1..x6, strong signal (held-out probabilities saturate);
#                  set.seed(99), drawn after everything else
#   glmnet.json    every reference value the tests compare with (see the `out` list at the end)
#
# All values are R's own: glmnet(), cv.glmnet(), coef(fit, s = ...) (exact = FALSE: linear
# interpolation between path lambdas). Each fit is stored with lambda, a0, df, dev.ratio, nulldev,
# npasses and beta as sparse triplets (0-based row = variable, 0-based column = lambda index).
# "_tight" fits use thresh = 1e-14 (glmnet's default is 1e-7) so the tests can compare near 1e-9.
# The fold ids are drawn here with set.seed + sample and saved, and given to cv.glmnet(foldid=).

suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
outdir <- if (length(script)) dirname(normalizePath(script)) else "packages/modeling/reference"

## ---- a tiny JSON writer with full precision ----
num <- function(x) ifelse(is.na(x), "null", sprintf("%.17g", x))
sc <- function(x) structure(x, class = "jscalar")          # write as a scalar, not an array
json <- function(v) {
  if (inherits(v, "jscalar")) {
    v <- unclass(v)
    if (is.character(v)) return(paste0('"', v, '"'))
    if (is.logical(v)) return(if (isTRUE(v)) "true" else "false")
    return(num(v))
  }
  if (is.null(v)) return("null")
  if (is.list(v)) {
    inner <- vapply(v, json, "")
    if (!is.null(names(v))) return(paste0("{", paste0('"', names(v), '":', inner, collapse = ","), "}"))
    return(paste0("[", paste(inner, collapse = ","), "]"))
  }
  if (length(v) == 0) return("[]")
  if (is.character(v)) return(paste0("[", paste0('"', v, '"', collapse = ","), "]"))
  if (is.logical(v)) return(paste0("[", paste(ifelse(v, "true", "false"), collapse = ","), "]"))
  paste0("[", paste(num(as.vector(v)), collapse = ","), "]")
}
write_csv17 <- function(df, path) {
  lines <- apply(df, 1, function(r) paste(num(r), collapse = ","))
  writeLines(c(paste(names(df), collapse = ","), lines), path)
}

## ---- data ----
set.seed(20251209)
ar1 <- function(n, p, rho) {
  Z <- matrix(rnorm(n * p), n, p)
  X <- Z
  for (j in 2:p) X[, j] <- rho * X[, j - 1] + sqrt(1 - rho^2) * Z[, j]
  X
}
make <- function(n, p, signals, b0) {
  X <- ar1(n, p, 0.6)
  scales <- exp(runif(p, log(0.2), log(5)))
  means <- rnorm(p, 0, 3)
  X <- sweep(sweep(X, 2, scales, "*"), 2, means, "+")
  beta <- numeric(p); beta[as.integer(names(signals))] <- signals
  eta <- b0 + drop(scale(X) %*% beta)
  y <- rbinom(n, 1, plogis(eta))
  list(X = X, y = y)
}
A <- make(200, 30, c(`1` = 1.0, `2` = -0.8, `7` = 0.6, `15` = 0.5), -0.3)
B <- make(60, 200, c(`3` = 1.2, `10` = -1.0, `50` = 0.8, `120` = 0.7, `199` = -0.6), 0.2)
C <- make(100, 8, c(`1` = 0.9, `3` = -0.7, `8` = 0.5), 0.4)
C$X[, 5] <- 2.5                                           # a constant column

colnames(A$X) <- sprintf("x%02d", 1:30)
colnames(B$X) <- sprintf("x%03d", 1:200)
colnames(C$X) <- sprintf("x%d", 1:8)
write_csv17(data.frame(y = A$y, A$X), file.path(outdir, "glmnet_A.csv"))
write_csv17(data.frame(y = B$y, B$X), file.path(outdir, "glmnet_B.csv"))
write_csv17(data.frame(y = C$y, C$X), file.path(outdir, "glmnet_C.csv"))

foldA <- sample(rep(1:10, length.out = 200))
foldB <- sample(rep(1:5, length.out = 60))
foldC <- sample(rep(1:4, length.out = 100))
foldC40 <- sample(rep(1:40, length.out = 100))            # 2.5 rows per fold: cv.glmnet ungroups

## ---- helpers ----
fitinfo <- function(fit, args) {
  s <- summary(fit$beta)                                  # dgCMatrix triplets, 1-based
  list(
    args = args,
    lambda = fit$lambda, a0 = unname(fit$a0), df = unname(fit$df),
    dev_ratio = fit$dev.ratio, nulldev = sc(fit$nulldev), npasses = sc(fit$npasses),
    jerr = sc(fit$jerr),
    beta_i = s$i - 1, beta_j = s$j - 1, beta_x = s$x
  )
}
cvinfo <- function(cv, args) {
  w <- NULL
  list(
    args = args, name = sc(unname(cv$name)), type_measure = sc(names(cv$name)),
    lambda = cv$lambda, cvm = cv$cvm, cvsd = cv$cvsd, nzero = unname(cv$nzero),
    lambda_min = sc(cv$lambda.min), lambda_1se = sc(cv$lambda.1se),
    index_min = sc(cv$index[1]), index_1se = sc(cv$index[2]),
    coef_min = as.vector(coef(cv, s = "lambda.min")),
    coef_1se = as.vector(coef(cv, s = "lambda.1se"))
  )
}
withWarnings <- function(expr) {
  ws <- character(0)
  val <- withCallingHandlers(expr, warning = function(w) {
    ws <<- c(ws, conditionMessage(w)); invokeRestart("muffleWarning")
  })
  list(value = val, warnings = ws)
}

fits <- list()
cvs <- list()

## ---- A: n = 200, p = 30 ----
fits$A_a1 <- fitinfo(glmnet(A$X, A$y, family = "binomial"), list(data = sc("A"), alpha = sc(1)))
fits$A_a1_tight <- fitinfo(glmnet(A$X, A$y, family = "binomial", thresh = 1e-14),
                           list(data = sc("A"), alpha = sc(1), thresh = sc(1e-14)))
fits$A_a05 <- fitinfo(glmnet(A$X, A$y, family = "binomial", alpha = 0.5), list(data = sc("A"), alpha = sc(0.5)))
fits$A_a05_tight <- fitinfo(glmnet(A$X, A$y, family = "binomial", alpha = 0.5, thresh = 1e-14),
                            list(data = sc("A"), alpha = sc(0.5), thresh = sc(1e-14)))
fits$A_a0 <- fitinfo(glmnet(A$X, A$y, family = "binomial", alpha = 0), list(data = sc("A"), alpha = sc(0)))
fits$A_a0_tight <- fitinfo(glmnet(A$X, A$y, family = "binomial", alpha = 0, thresh = 1e-14),
                           list(data = sc("A"), alpha = sc(0), thresh = sc(1e-14)))

## truncated paths: too many passes (glmnet jerr -k) and too many active variables (jerr -10000-k);
## R warns and returns the solutions for the larger lambdas
r <- withWarnings(glmnet(A$X, A$y, family = "binomial", maxit = 100))
fits$A_maxit <- c(fitinfo(r$value, list(data = sc("A"), alpha = sc(1), maxit = sc(100))), list(warnings = r$warnings))
r <- withWarnings(glmnet(A$X, A$y, family = "binomial", pmax = 3))
fits$A_pmax <- c(fitinfo(r$value, list(data = sc("A"), alpha = sc(1), pmax = sc(3))), list(warnings = r$warnings))

## coef(fit, s = ...) with exact = FALSE: glmnet's linear interpolation between path lambdas
fitA <- glmnet(A$X, A$y, family = "binomial")
s_interp <- c(0.2, 0.05, 0.0123, 0.003, 1e-6)            # 0.2 > lambda_max, 1e-6 < min(lambda)
coef_interp <- as.matrix(coef(fitA, s = s_interp))
pred_interp <- predict(fitA, newx = A$X[1:5, ], s = s_interp, type = "response")

for (tm in c("deviance", "auc", "class")) {
  r <- withWarnings(cv.glmnet(A$X, A$y, family = "binomial", foldid = foldA, type.measure = tm))
  cvs[[paste0("A_a1_", tm)]] <- c(cvinfo(r$value, list(data = sc("A"), alpha = sc(1), foldid = sc("A"),
                                                         type_measure = sc(tm))),
                                  list(warnings = r$warnings))
}
r <- withWarnings(cv.glmnet(A$X, A$y, family = "binomial", alpha = 0.5, foldid = foldA, type.measure = "deviance"))
cvs$A_a05_deviance <- c(cvinfo(r$value, list(data = sc("A"), alpha = sc(0.5), foldid = sc("A"),
                                             type_measure = sc("deviance"))), list(warnings = r$warnings))

## ---- B: n = 60, p = 200 (default lambda.min.ratio = 0.01; with 1e-4 the path stops at dev.ratio > 0.999) ----
fits$B_a1 <- fitinfo(glmnet(B$X, B$y, family = "binomial"), list(data = sc("B"), alpha = sc(1)))
fits$B_a1_tight <- fitinfo(glmnet(B$X, B$y, family = "binomial", thresh = 1e-14),
                           list(data = sc("B"), alpha = sc(1), thresh = sc(1e-14)))
fits$B_a05 <- fitinfo(glmnet(B$X, B$y, family = "binomial", alpha = 0.5), list(data = sc("B"), alpha = sc(0.5)))
fits$B_a05_tight <- fitinfo(glmnet(B$X, B$y, family = "binomial", alpha = 0.5, thresh = 1e-14),
                            list(data = sc("B"), alpha = sc(0.5), thresh = sc(1e-14)))
fits$B_a1_lmr <- fitinfo(glmnet(B$X, B$y, family = "binomial", lambda.min.ratio = 1e-4),
                         list(data = sc("B"), alpha = sc(1), lambda_min_ratio = sc(1e-4)))
for (tm in c("deviance", "auc", "class")) {
  r <- withWarnings(cv.glmnet(B$X, B$y, family = "binomial", foldid = foldB, type.measure = tm))
  cvs[[paste0("B_a1_", tm)]] <- c(cvinfo(r$value, list(data = sc("B"), alpha = sc(1), foldid = sc("B"),
                                                         type_measure = sc(tm))),
                                  list(warnings = r$warnings))
}

## ---- C: n = 100, p = 8, constant column x5; options ----
pfC <- c(0, 1, 1, 2, 1, 1, 1, 0.5)
fits$C_pf <- fitinfo(glmnet(C$X, C$y, family = "binomial", penalty.factor = pfC),
                     list(data = sc("C"), alpha = sc(1), penalty_factor = pfC))
lamC <- c(0.05, 0.3, 0.001, 0.1, 0.02, 0.01)              # unsorted on purpose: glmnet sorts
fits$C_lambda <- fitinfo(glmnet(C$X, C$y, family = "binomial", alpha = 0.7, lambda = lamC),
                         list(data = sc("C"), alpha = sc(0.7), lambda = lamC))
fits$C_nostd <- fitinfo(glmnet(C$X, C$y, family = "binomial", standardize = FALSE),
                        list(data = sc("C"), alpha = sc(1), standardize = sc(FALSE)))
fits$C_nostd_tight <- fitinfo(glmnet(C$X, C$y, family = "binomial", standardize = FALSE, thresh = 1e-14),
                              list(data = sc("C"), alpha = sc(1), standardize = sc(FALSE), thresh = sc(1e-14)))
fits$C_dfmax <- fitinfo(glmnet(C$X, C$y, family = "binomial", dfmax = 2),
                        list(data = sc("C"), alpha = sc(1), dfmax = sc(2)))
r <- withWarnings(cv.glmnet(C$X, C$y, family = "binomial", alpha = 0.7, lambda = lamC, foldid = foldC,
                            type.measure = "deviance"))
cvs$C_lambda_deviance <- c(cvinfo(r$value, list(data = sc("C"), alpha = sc(0.7), lambda = lamC, foldid = sc("C"),
                                                type_measure = sc("deviance"))), list(warnings = r$warnings))
r <- withWarnings(cv.glmnet(C$X, C$y, family = "binomial", foldid = foldC40, type.measure = "deviance"))
cvs$C40_deviance <- c(cvinfo(r$value, list(data = sc("C"), alpha = sc(1), foldid = sc("C40"),
                                           type_measure = sc("deviance"))), list(warnings = r$warnings))
r <- withWarnings(cv.glmnet(C$X, C$y, family = "binomial", foldid = foldC40, type.measure = "class"))
cvs$C40_class <- c(cvinfo(r$value, list(data = sc("C"), alpha = sc(1), foldid = sc("C40"),
                                        type_measure = sc("class"))), list(warnings = r$warnings))

## ---- D: n = 80, p = 6, a strong signal; with lambda.min.ratio = 1e-4 the held-out probabilities
## saturate, so cv.lognet's clamping of p to [1e-5, 1 - 1e-5] matters ----
set.seed(99)
D <- list(X = matrix(rnorm(80 * 6), 80, 6))
D$y <- rbinom(80, 1, plogis(5 * D$X[, 1] - 4 * D$X[, 2]))
colnames(D$X) <- sprintf("x%d", 1:6)
write_csv17(data.frame(y = D$y, D$X), file.path(outdir, "glmnet_D.csv"))
foldD <- sample(rep(1:4, length.out = 80))
r <- withWarnings(cv.glmnet(D$X, D$y, family = "binomial", foldid = foldD, type.measure = "deviance",
                            lambda.min.ratio = 1e-4, keep = TRUE))
stopifnot(sum(plogis(r$value$fit.preval) < 1e-5) > 0)
cvs$D_deviance <- c(cvinfo(r$value, list(data = sc("D"), alpha = sc(1), foldid = sc("D"), lambda_min_ratio = sc(1e-4),
                                         type_measure = sc("deviance"))), list(warnings = r$warnings))
r <- withWarnings(cv.glmnet(D$X, D$y, family = "binomial", foldid = foldD, type.measure = "class",
                            lambda.min.ratio = 1e-4))
cvs$D_class <- c(cvinfo(r$value, list(data = sc("D"), alpha = sc(1), foldid = sc("D"), lambda_min_ratio = sc(1e-4),
                                      type_measure = sc("class"))), list(warnings = r$warnings))

out <- list(
  versions = list(R = sc(R.version.string), glmnet = sc(as.character(packageVersion("glmnet"))),
                  survival = sc(as.character(packageVersion("survival")))),
  foldid = list(A = foldA, B = foldB, C = foldC, C40 = foldC40, D = foldD),
  fits = fits,
  cv = cvs,
  interp = list(data = sc("A"), fit = sc("A_a1"), s = s_interp,
                coef = lapply(seq_along(s_interp), function(k) unname(coef_interp[, k])),
                response_rows_1_5 = lapply(seq_along(s_interp), function(k) unname(pred_interp[, k])))
)
writeLines(json(out), file.path(outdir, "glmnet.json"))
cat("wrote", file.path(outdir, "glmnet.json"), "\n")
