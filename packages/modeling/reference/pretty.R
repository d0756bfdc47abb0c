# Reference values for R's pretty() (base::pretty.default, C R_pretty in src/appl/pretty.c),
# used by packages/modeling/src/pretty.ts and its test.
#
# Run from the repository root:   Rscript packages/modeling/reference/pretty.R
# Writes packages/modeling/reference/pretty.json.
# Made with R 4.2.2 Patched (2022-11-10 r83330), base package only.
#
# Every number is written with sprintf("%.17g") so that it parses back to the identical double
# (jsonlite's toJSON keeps at most 15 significant digits).

set.seed(20240611)

num <- function(v) ifelse(is.finite(v), sprintf("%.17g", v), "null")
arr <- function(v) paste0("[", paste(num(v), collapse = ","), "]")

cases <- list()
add <- function(lo, hi, n, min.n = n %/% 3) {
  r <- pretty(c(lo, hi), n = n, min.n = min.n)
  cases[[length(cases) + 1]] <<- sprintf('{"lo":%s,"hi":%s,"n":%d,"minN":%d,"pretty":%s,"isInteger":%s}',
                                         num(lo), num(hi), as.integer(n), as.integer(min.n), arr(r),
                                         if (is.integer(r)) "true" else "false")
}

# Hand-picked: nomogram-like ranges, zero and equal ends, negative ranges, tiny relative spans.
fixed <- list(
  c(0, 100), c(0, 1), c(0, 123.4), c(0, 157.3), c(18, 91), c(1.2, 5000), c(-3.7, 2.9),
  c(-5.01, -0.02), c(0.05, 0.95), c(0.001, 0.999), c(0, 0), c(1, 1), c(-1, -1), c(1e6, 1e6),
  c(0.1, 0.37), c(1, 1 + 1e-15), c(1e-300, 1e-300), c(0, 1e-300), c(-1e10, 1e10),
  c(2.5, 7.5), c(-0.3, 0.3), c(99.5, 100.5), c(1234.5, 1234.6), c(1e-8, 3e-8), c(17, 17.0001)
)
for (r in fixed) for (n in c(1, 2, 3, 5, 7, 10, 12)) add(r[1], r[2], n)
add(0, 1, 3, 3)
add(-1, 0, 3, 3)
add(0, 1, 10, 10)
add(-2, 3, 8, 0)

# Random ranges over many scales.
for (i in 1:600) {
  scale <- 10^runif(1, -6, 7)
  lo <- (runif(1) - 0.3) * scale
  span <- switch(sample(4, 1),
    scale * runif(1),                     # ordinary span
    scale * 10^runif(1, -4, 0),           # short span
    abs(lo) * 10^runif(1, -16, -12),      # nearly equal ends (the i_small branch)
    0)                                    # equal ends
  hi <- lo + span
  n <- sample(c(1:15, 20, 25), 1)
  add(lo, hi, n)
}

json <- paste0('{"R":"', R.version.string, '","cases":[\n', paste(unlist(cases), collapse = ",\n"), "\n]}\n")
writeLines(json, "packages/modeling/reference/pretty.json", sep = "")
cat("wrote", length(cases), "cases\n")
