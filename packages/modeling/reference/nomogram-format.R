# Reference values for R's format() (digits = 7, scipen = 0) and round() as rms::nomogram and
# print.nomogram use them for tick labels and points; tested by packages/modeling/src/nomogram.test.ts
# (formatValue, formatNumbers, formatPoints, roundR).
#
# Run from the repository root:   Rscript packages/modeling/reference/nomogram-format.R
# Writes packages/modeling/reference/nomogram-format.json.
# Made with R 4.2.2 Patched (2022-11-10 r83330), base package only.
#
# Numbers are written with sprintf("%.17g") (exact round trip); strings are escaped by jsonlite.

set.seed(20240613)
num <- function(v) sprintf("%.17g", v)
str1 <- function(s) as.character(jsonlite::toJSON(s, auto_unbox = TRUE))
arrn <- function(v) paste0("[", paste(num(v), collapse = ","), "]")
arrs <- function(v) paste0("[", paste(vapply(v, str1, ""), collapse = ","), "]")

# Single values: format(x) of each (rms's Format() for axis labels).
single <- c(
  0, 1, -1, 0.5, 0.05, 0.1, 0.2, 0.3, 0.7, 0.9, 0.999, 0.001, 1e-4, 1.5e-5, 123456, 1234567,
  1e5, 1e6, 2e5, 100, 5000, 10000, 99999, 100001, 0.1 + 0.2, 1 / 3, 2 / 3, 22 / 7, pi * 1e8,
  -0.25, -12.5, 1e-300, 1.7e308, 123456.25, 1234567.5, 8388608.5, 0.30000000000000004,
  0.7000000000000001, 99999.996, 999999.5, 9999999.6, 0.00012345675, 5e-324, 1e22, 1e21,
  seq(-2, 3, by = 0.25)
)
for (k in 1:400) {
  single <- c(single, switch(sample(5, 1),
    signif(rnorm(1) * 10^sample(-8:9, 1), sample(1:9, 1)),     # few significant digits
    rnorm(1) * 10^runif(1, -8, 9),                           # full precision
    round(runif(1, -1000, 1000), sample(0:4, 1)),            # decimals
    sample(-5:5, 1) * 10^sample(-6:8, 1),                    # round powers
    pretty(runif(2, -100, 1000) * 10^sample(-3:3, 1))[2]))   # pretty ticks
}
single_fmt <- vapply(single, function(v) format(v), "")

# Vectors: format(x) with a common format, padded (rms print.nomogram, axis labels of Points axes).
vectors <- list(c(0.5, 1, 5, 10, 50, 100, 500, 1000, 5000), c(0, 20, 40, 60, 80, 100),
                c(0, 1e5, 2e5), c(0.05, 0.1, 0.2), c(-1.5, 0, 2.25), c(1e-10, 1), c(123.456, 0.001),
                c(1, 10, 100, 1000, 10000), c(-0.5, 0.5), c(0, 0.30000000000000004, 0.6))
for (k in 1:60) {
  m <- sample(2:8, 1)
  vectors[[length(vectors) + 1]] <- signif(rnorm(m) * 10^sample(-5:6, m, TRUE), sample(1:8, 1))
}
vec_json <- vapply(vectors, function(v) sprintf('{"x":%s,"format":%s,"trim":%s}', arrn(v),
                   arrs(format(v)), arrs(format(v, trim = TRUE))), "")

# Integer vectors (pretty() ticks without a 0 are integers in R): format() never goes scientific.
ints <- list(pretty(c(100000, 500000)), pretty(c(35, 90), 10), pretty(c(1e6, 3e6)))
int_json <- vapply(ints, function(v) sprintf('{"x":%s,"isInteger":%s,"format":%s}', arrn(v),
                   if (is.integer(v)) "true" else "false", arrs(format(v))), "")

# round(x, d) (R >= 4.0.0 algorithm) and format(round(x, d)) as print.nomogram shows points.
rx <- c(0.5, 1.5, 2.5, -0.5, -2.5, 0.15, 0.25, 0.35, 2.675, 1.005, 12.345, 99.5, 100.5,
        runif(300, -150, 150), round(runif(60, 0, 100), 1) + 0.05, round(runif(60, 0, 100)) + 0.5)
round_json <- character(0)
for (d in 0:3) {
  r <- round(rx, d)
  round_json <- c(round_json, sprintf('{"digits":%d,"x":%s,"round":%s,"format":%s}', d, arrn(rx),
                                      arrn(r), arrs(format(r))))
}

json <- paste0('{"R":', str1(R.version.string),
               ',\n"single":{"x":', arrn(single), ',\n"format":', arrs(single_fmt), '},',
               '\n"vectors":[', paste(vec_json, collapse = ",\n"), '],',
               '\n"integerVectors":[', paste(int_json, collapse = ",\n"), '],',
               '\n"round":[', paste(round_json, collapse = ",\n"), ']}\n')
writeLines(json, "packages/modeling/reference/nomogram-format.json", sep = "")
cat("wrote", length(single), "single values,", length(vectors), "vectors\n")
