# Reference values for packages/modeling/src/glm.ts (logistic regression with inference) on aSAH.
#
# Run from the repository root:   Rscript packages/modeling/reference/glm_aSAH.R
# Written with R 4.2.2 (Debian), stats 4.2.2, rms 6.5-0, Hmisc 4.8-0. Reads pROC's data(aSAH)
# in place from ../shared/reference/statistics/aSAH.csv (n = 113; outcome "Poor" = event) and
# writes glm_aSAH.json next to this script. Every value is R's own (glm, summary.glm,
# confint.default, logLik, AIC, rms::lrm, Hmisc::somers2); only the score norm
# ||X'(y - mu)||_2 at R's solution is a one-line formula evaluated here.
#
# Models:
#   A: y ~ gender + age + s100b + ndka            (gender "Female" = R's default reference)
#   B: y ~ genderM + wfnsF + age   (genderM = relevel(gender, "Male"); wfnsF = factor(wfns))
#   C: y ~ rcs(age, 4) + gender + s100b           (rms::rcs, default knots)
# For each model, three glm fits:
#   default:  glm(family = binomial)             epsilon = 1e-8: stops short of the optimum
#   tight:    control = glm.control(epsilon = 1e-14, maxit = 100)
#   polished: the tight fit restarted at its own coefficients (start = coef(tight),
#             epsilon = 1e-14): summary.glm takes its standard errors from the QR of the LAST
#             IRLS iteration, whose weights come from the previous iterate; after the restart that
#             iterate is the optimum itself, so these SEs are the inverse information AT the
#             optimum (checked below against solve(X'WX) to 1e-12).
# and two rms::lrm fits: default (eps = 0.025 on -2LL, maxit = 12) and tight (eps = 1e-12).
suppressMessages(library(rms))
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "json_pretty.R"))

d <- read.csv(file.path(here, "../../../../shared/reference/statistics/aSAH.csv"))
d$y <- as.integer(d$outcome == "Poor")
d$gender <- factor(d$gender)
d$genderM <- relevel(d$gender, "Male")   # reference level given: Male
d$wfnsF <- factor(d$wfns)                  # numeric column declared categorical

glm_summary <- function(f) {
  s <- summary(f)$coefficients
  X <- model.matrix(f)
  u <- drop(crossprod(X, f$y - fitted(f)))
  ci <- confint.default(f)
  list(
    names = I(rownames(s)),
    estimate = I(unname(s[, 1])), se = I(unname(s[, 2])), z = I(unname(s[, 3])), p = I(unname(s[, 4])),
    ci_lower = I(unname(ci[, 1])), ci_upper = I(unname(ci[, 2])),
    deviance = f$deviance, null_deviance = f$null.deviance, aic = AIC(f),
    loglik = as.numeric(logLik(f)), df_residual = f$df.residual,
    iter = f$iter, converged = f$converged,
    score_norm = sqrt(sum(u^2)), score_max = max(abs(u))
  )
}
lrm_stats <- function(l) {
  s <- l$stats
  keep <- c("Obs", "Max Deriv", "Model L.R.", "d.f.", "P", "C", "Dxy", "Gamma", "Tau-a", "R2", "Brier")
  v <- as.list(unname(s[keep])); names(v) <- keep
  v$coefficients <- I(unname(coef(l)))
  v
}

models <- list(
  A = list(formula = y ~ gender + age + s100b + ndka,
           spec = list(terms = I(c("gender", "age", "s100b", "ndka")))),
  B = list(formula = y ~ genderM + wfnsF + age,
           spec = list(terms = I(c("gender (reference Male)", "wfns (categorical)", "age")))),
  C = list(formula = y ~ rcs(age, 4) + gender + s100b,
           spec = list(terms = I(c("age (rcs, 4 knots)", "gender", "s100b"))))
)
out <- list(versions = list(R = R.version.string, rms = as.character(packageVersion("rms")),
                            Hmisc = as.character(packageVersion("Hmisc"))),
            n = nrow(d), events = sum(d$y), models = list())
for (nm in names(models)) {
  fm <- models[[nm]]$formula
  f0 <- glm(fm, family = binomial, data = d)
  f1 <- glm(fm, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))
  f2 <- glm(fm, family = binomial, data = d, start = coef(f1), control = glm.control(epsilon = 1e-14, maxit = 100))
  X <- model.matrix(f2); w <- fitted(f2) * (1 - fitted(f2))
  se_at_opt <- sqrt(diag(solve(crossprod(X * sqrt(w)))))
  stopifnot(max(abs(summary(f2)$coefficients[, 2] / se_at_opt - 1)) < 1e-12)
  stopifnot(max(abs(coef(f2) / coef(f1) - 1)) < 1e-12)
  l0 <- lrm(fm, data = d)
  l1 <- lrm(fm, data = d, eps = 1e-12, maxit = 50)
  lr <- f2$null.deviance - f2$deviance
  dfm <- length(coef(f2)) - 1
  s2 <- somers2(fitted(f2), d$y)
  out$models[[nm]] <- list(
    formula = paste(deparse(fm), collapse = ""), spec = models[[nm]]$spec,
    columns = I(colnames(X)),
    glm_default = glm_summary(f0), glm_tight = glm_summary(f1), glm_polished = glm_summary(f2),
    vcov = unname(vcov(f2)),
    lr = list(chisq = lr, df = dfm, p_upper = pchisq(lr, dfm, lower.tail = FALSE)),
    somers2 = list(C = unname(s2["C"]), Dxy = unname(s2["Dxy"])),
    brier_at_opt = mean((fitted(f2) - d$y)^2),
    lrm_default = lrm_stats(l0), lrm_tight = lrm_stats(l1)
  )
  if (nm == "C") out$models[[nm]]$knots <- I(attr(rcs(d$age, 4), "parms"))
}
writeLines(to_json(out), file.path(here, "glm_aSAH.json"))
cat("wrote", file.path(here, "glm_aSAH.json"), "\n")
