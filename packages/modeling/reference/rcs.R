# Reference values for packages/modeling/src/rcs.ts (restricted cubic splines as rms::rcs).
#
# Run from the repository root:   Rscript packages/modeling/reference/rcs.R
# Written with R 4.2.2 (Debian), rms 6.5-0, Hmisc 4.8-0. Reads the aSAH data in place from
# ../shared/reference/statistics/aSAH.csv (pROC's data(aSAH), n = 113) and writes rcs.json next
# to this script. Every number below is computed by Hmisc::rcspline.eval / rms::rcs themselves.
#
# Vectors (knots for nk = 3..7 each, basis matrix for some):
#   age            aSAH age, n = 113 (>= 100: knots are the plain quantiles, type 7)
#   age60          the first 60 ages (n < 100: the outer knots move to the 5th smallest/largest)
#   s100b          aSAH s100b (many interior ties)
#   tiesLow        set.seed(20240601): 12 zeros + 88 rexp(rate 1/10) rounded to 0.1 (n = 100):
#                  the lowest value holds >= 5 % of the data -> rcspline.eval's `fractied` rule
#                  (first knot = second smallest unique value, quantiles of the rest)
#   tiesBoth       tiesLow censored at 20 (ties at both ends; both fractied overrides)
#   fewUnique      rep(1:6, 5) (6 unique values: nk >= 4 -> knots = the interior unique values)
# rms::rcs(x, k) is checked (stopifnot) to equal cbind(x, rcspline.eval(x, nk = k)) with the
# column names x, x', x'', ... and the knots it stores in attr(, "parms").
suppressMessages(library(rms))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "json_pretty.R"))

d <- read.csv(file.path(here, "../../../../shared/reference/statistics/aSAH.csv"))
set.seed(20240601)
tiesLow <- c(rep(0, 12), round(rexp(88, 1 / 10), 1))
vectors <- list(
  age = as.numeric(d$age),
  age60 = as.numeric(d$age[1:60]),
  s100b = d$s100b,
  tiesLow = tiesLow,
  tiesBoth = pmin(tiesLow, 20),
  fewUnique = as.numeric(rep(1:6, 5))
)
out <- list(versions = list(R = R.version.string, rms = as.character(packageVersion("rms")),
                            Hmisc = as.character(packageVersion("Hmisc"))),
            vectors = list(), knots = list(), basis = list(), newdata = list())
for (nm in names(vectors)) {
  x <- vectors[[nm]]
  out$vectors[[nm]] <- I(x)
  kn <- list()
  for (k in 3:7) {
    r <- tryCatch(withCallingHandlers(list(knots = I(rcspline.eval(x, nk = k, knots.only = TRUE)), warning = FALSE),
                                      warning = function(w) invokeRestart("muffleWarning")),
                  error = function(e) list(error = conditionMessage(e)))
    # record whether rcspline.eval warned (alternate knot algorithm / few unique values)
    warned <- FALSE
    invisible(tryCatch(rcspline.eval(x, nk = k, knots.only = TRUE), warning = function(w) warned <<- TRUE, error = function(e) NULL))
    r$warning <- warned
    kn[[as.character(k)]] <- r
  }
  out$knots[[nm]] <- kn
}
# Basis matrices: rms::rcs(x, k) for age (k = 3, 4, 5), age60 (k = 4), tiesLow (k = 5)
basis_of <- function(x, k) {
  r <- suppressWarnings(rcs(x, k))
  m <- unclass(r); attributes(m) <- list(dim = dim(r))
  kn <- attr(r, "parms")
  ref <- cbind(x, rcspline.eval(x, knots = kn))
  stopifnot(isTRUE(all.equal(m, unname(ref), tolerance = 0)))
  list(k = k, knots = I(kn), colnames = I(sub("^x", "", attr(r, "colnames"))), matrix = m)
}
out$basis$age <- lapply(3:5, function(k) basis_of(vectors$age, k))
out$basis$age60 <- list(basis_of(vectors$age60, 4))
out$basis$tiesLow <- list(basis_of(vectors$tiesLow, 5))
# New data evaluated with age's 4 knots (inside, at and beyond the knots)
kn4 <- rcspline.eval(vectors$age, nk = 4, knots.only = TRUE)
newx <- c(0, 10, 18, kn4[1], 40.5, kn4[2], 50, kn4[3], 60, kn4[4], 81, 100, -5.25)
out$newdata <- list(knots = I(kn4), x = I(newx), matrix = cbind(newx, rcspline.eval(newx, knots = kn4)))
writeLines(to_json(out), file.path(here, "rcs.json"))
cat("wrote", file.path(here, "rcs.json"), "\n")
