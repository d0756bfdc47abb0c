# Reference values for hosmerLemeshow() in packages/modeling/src/validation.ts.
#
# Run from the repository root:   Rscript packages/modeling/reference/hoslem.R
# Written with R 4.2.2 (Debian), base R + stats only. jsonlite is not used (it cannot print 17
# significant digits); JSON is written below with sprintf("%.17g").
#
# ResourceSelection is NOT installed here. hoslem_test() below is ResourceSelection::hoslem.test
# as in ResourceSelection 0.3-6 (CRAN; source read from psolymos/ResourceSelection R/hoslem.test.R):
#   qq <- unique(quantile(yhat, probs = seq(0, 1, 1/g)))          # type 7
#   cutyhat <- cut(yhat, breaks = qq, include.lowest = TRUE)
#   observed <- xtabs(cbind(y0 = 1 - y, y1 = y) ~ cutyhat)
#   expected <- xtabs(cbind(yhat0 = 1 - yhat, yhat1 = yhat) ~ cutyhat)
#   chisq <- sum((observed - expected)^2 / expected)
#   G <- length(unique(cutyhat)); df = G - 2; p = 1 - pchisq(chisq, G - 2)
# copied verbatim (only the DNAME/htest decoration is left out). Besides R's own 1 - pchisq the
# script also writes pchisq(chisq, df, lower.tail = FALSE), which is what the TypeScript code
# computes (the same number, without 1 - x's rounding for very small p).
#
# Writes next to this script: hoslem.json (inputs and results of each case).

options(warn = 1)
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "packages/modeling/reference"
})

## ---------- JSON writer with full precision ----------
source(file.path(here, "json_compact.R"))

## ---------- ResourceSelection 0.3-6 hoslem.test, verbatim ----------
hoslem_test <- function(x, y, g = 10) {
  if (g < 2L) stop("Argument g must be at least 2.")
  yhat <- y
  y <- x
  qq <- unique(quantile(yhat, probs = seq(0, 1, 1/g)))
  cutyhat <- cut(yhat, breaks = qq, include.lowest = TRUE)
  observed <- xtabs(cbind(y0 = 1 - y, y1 = y) ~ cutyhat)
  expected <- xtabs(cbind(yhat0 = 1 - yhat, yhat1 = yhat) ~ cutyhat)
  chisq <- sum((observed - expected)^2/expected)
  G <- length(unique(cutyhat))
  if (G < 2L) stop("The number of bins led to negative df.")
  PVAL = 1 - pchisq(chisq, G - 2)
  PARAMETER <- G - 2
  if (G < g) warning("The data did not allow for the requested number of bins.")
  list(statistic = chisq, parameter = PARAMETER, p.value = PVAL, observed = observed,
       expected = expected, breaks = qq, bins = levels(cutyhat))
}

run_case <- function(name, y, p, g) {
  h <- hoslem_test(y, p, g)
  list(name = name, g = g, y = I(y), p = I(p),
       statistic = unname(h$statistic), df = unname(h$parameter), p_value = h$p.value,
       p_value_upper = pchisq(unname(h$statistic), unname(h$parameter), lower.tail = FALSE),
       breaks = I(unname(h$breaks)), bins = I(h$bins),
       observed0 = I(unname(h$observed[, "y0"])), observed1 = I(unname(h$observed[, "y1"])),
       expected0 = I(unname(h$expected[, "yhat0"])), expected1 = I(unname(h$expected[, "yhat1"])),
       n = I(as.integer(table(cut(p, breaks = h$breaks, include.lowest = TRUE)))))
}

set.seed(20251209)
cases <- list()
# 1. continuous predictions, mildly miscalibrated outcomes, deciles
n <- 150
lp <- rnorm(n, -0.4, 1.3)
p1 <- plogis(lp)
y1 <- rbinom(n, 1, plogis(0.2 + 0.7 * lp))
cases[[1]] <- run_case("continuous_g10", y1, p1, 10)
# 2. same data, g = 5 and g = 8 (seq(0, 1, 1/8) is exact in binary; 1/10 and 1/5 are not)
cases[[2]] <- run_case("continuous_g5", y1, p1, 5)
cases[[3]] <- run_case("continuous_g8", y1, p1, 8)
# 3. heavily tied predictions (rounded to 1 decimal): duplicated quantiles are dropped, G < g, and
#    here one of the remaining bins, (0.5, 0.52], holds no prediction at all: R's statistic is then
#    0/0 = NaN (written as null); the TypeScript code refuses such data (MODEL_HL_EMPTY_BIN)
p4 <- round(plogis(rnorm(120, -0.5, 1)), 1)
p4[p4 == 0] <- 0.05
y4 <- rbinom(120, 1, p4)
cases[[4]] <- run_case("tied_g10", y4, p4, 10)
# 3b. tied predictions (rounded to 2 decimals), duplicated quantiles dropped, no empty bin
p4b <- round(plogis(rnorm(90, -0.3, 0.6)), 2)
y4b <- rbinom(90, 1, p4b)
cases[[7]] <- run_case("tied2_g10", y4b, p4b, 10)
# 3c. five distinct predictions only: G = 5 < g = 10 bins, none empty
p4c <- sample(c(0.1, 0.2, 0.3, 0.5, 0.7), 100, replace = TRUE, prob = c(0.3, 0.25, 0.2, 0.15, 0.1))
y4c <- rbinom(100, 1, p4c)
cases[[8]] <- run_case("fivevalues_g10", y4c, p4c, 10)
# 4. badly miscalibrated: tiny p-value (R's 1 - pchisq loses it, the upper tail keeps it)
p5 <- plogis(rnorm(300, 0, 1.5))
y5 <- rbinom(300, 1, plogis(2.5 * qlogis(p5) + 1))
cases[[5]] <- run_case("miscalibrated_g10", y5, p5, 10)
# 5. small n with n not a multiple of g; quantile indices fall between order statistics
p6 <- plogis(rnorm(23, 0, 1))
y6 <- rbinom(23, 1, p6)
cases[[6]] <- run_case("small_g4", y6, p6, 4)

for (cs in cases) cat(sprintf("%-20s X2 = %.6f df = %d p = %.6g (upper %.6g)\n", cs$name,
                              cs$statistic, cs$df, cs$p_value, cs$p_value_upper))

out <- list(R = R.version.string, note = "ResourceSelection 0.3-6 hoslem.test re-expressed in base R", cases = cases)
writeLines(to_json(out), file.path(here, "hoslem.json"))
cat("wrote", file.path(here, "hoslem.json"), "\n")
