# Timing anchor for packages/modeling/src/glmnet.ts: R's glmnet on the size of the issue's cohort.
#
# Run from the repository root:
#   Rscript scripts/bench-modeling-glmnet.R [out.csv] [reps]
# R 4.2.2 (Debian), glmnet 4.1-6. Simulates n = 475 patients x p = 1500 features (AR(1)-correlated
# columns, rho 0.6, unequal scales; 10 true signals; binomial y) with set.seed(475), and times with
# system.time():
#   - one glmnet(x, y, family = "binomial") path (alpha = 1, default lambda sequence);
#   - cv.glmnet(x, y, family = "binomial", nfolds = 10, foldid fixed, type.measure = "deviance").
# Each is run `reps` times (default 5); the elapsed seconds of every run and their median are printed.
# With out.csv, the simulated data (y, x0001..x1500) and the fold ids (column foldid, first) are
# written there at full precision, so that the TypeScript timing reads the very same data.

suppressPackageStartupMessages(library(glmnet))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1 && nzchar(args[1])) args[1] else NA
reps <- if (length(args) >= 2) as.integer(args[2]) else 5L

set.seed(475)
n <- 475; p <- 1500
Z <- matrix(rnorm(n * p), n, p)
X <- Z
for (j in 2:p) X[, j] <- 0.6 * X[, j - 1] + 0.8 * Z[, j]
X <- sweep(X, 2, exp(runif(p, log(0.2), log(5))), "*")
beta <- numeric(p); beta[c(1, 50, 100, 300, 301, 600, 900, 1200, 1400, 1499)] <- c(0.8, -0.7, 0.6, 0.5, -0.5, 0.4, 0.4, -0.4, 0.3, 0.3)
y <- rbinom(n, 1, plogis(-0.4 + drop(scale(X) %*% beta)))
foldid <- sample(rep(1:10, length.out = n))

if (!is.na(out)) {
  df <- data.frame(foldid = foldid, y = y, X)
  names(df) <- c("foldid", "y", sprintf("x%04d", 1:p))
  lines <- apply(df, 1, function(r) paste(sprintf("%.17g", r), collapse = ","))
  writeLines(c(paste(names(df), collapse = ","), lines), out)
  cat("wrote", out, "\n")
}

invisible(glmnet(X, y, family = "binomial"))   # warm-up (loads the shared library)
path_s <- replicate(reps, system.time(fit <<- glmnet(X, y, family = "binomial"))[["elapsed"]])
cv_s <- replicate(reps, system.time(cv <<- cv.glmnet(X, y, family = "binomial", foldid = foldid,
                                                    type.measure = "deviance"))[["elapsed"]])
cat(sprintf("glmnet path (n=%d, p=%d): %s s; median %.3f s; %d lambdas, npasses %d\n",
            n, p, paste(sprintf("%.3f", path_s), collapse = " "), median(path_s), length(fit$lambda), fit$npasses))
cat(sprintf("cv.glmnet 10 folds:        %s s; median %.3f s; lambda.min %.6g, lambda.1se %.6g\n",
            paste(sprintf("%.3f", cv_s), collapse = " "), median(cv_s), cv$lambda.min, cv$lambda.1se))
