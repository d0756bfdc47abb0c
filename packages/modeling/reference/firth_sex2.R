# Reference values for packages/modeling/src/firth.ts (Firth's penalised-likelihood logistic
# regression, as logistf defines it) and for the separation check in glm.ts.
#
# Run from the repository root:   Rscript packages/modeling/reference/firth_sex2.R
# Written with R 4.2.2 (Debian), base R + stats only. logistf is NOT installed here: its definition
# was read from the CRAN sources (cran/logistf R/logistf.R: Firth's penalised log-likelihood
# l*(b) = l(b) + 1/2 log det I(b), I(b) = X'W(b)X; the modified score
# U*(b) = X'(y - p + h (1/2 - p)) with h the hat values diag(W^1/2 X I^-1 X' W^1/2), which is the
# gradient of l*; logistf's steps delta = I^-1 U* with step halving while l* does not increase;
# profile penalised-likelihood confidence limits: the b_j where
# 2 (l*(b_hat) - max over the other b of l*(b | b_j)) = qchisq(0.95, 1); penalised likelihood-ratio
# tests with the tested coefficients fixed at 0 and the other ones re-fitted with the same penalty
# on the FULL information matrix). It is re-expressed below in base R (an independent
# implementation, not a port of the TypeScript): Newton steps with the Hessian from optimHess()
# (finite differences of U*; logistf's step I^-1 U* when that is not negative definite), iterated
# to a proposed step < 1e-13 relative (logistf's own default stops at 1e-5); every restricted fit
# starts from b_hat and must converge (stopifnot); the profile limits are found by uniroot
# (tol = 1e-13). Cross-checks (stopifnot below): U* equals a central-difference gradient of l*;
# logistf's own iteration (steps I^-1 U* only, maxstep 5) reaches the same estimate; and l* is
# maximised a second time with optim(method = "BFGS", reltol = 1e-14) from b = 0.
#
# Data, written next to this script:
#   firth_sex2.csv      logistf's data set sex2 (urinary tract infection in young women,
#                       n = 239; case ~ age + oc + vic + vicl + vis + dia), expanded here from
#                       logistf's aggregated table data/sexagg.txt (36 covariate patterns with
#                       counts). dia = 1 occurs only among cases: quasi-complete separation.
#   firth_complete.csv  a constructed, completely separated set: y = 1 exactly when x > 6
#                       (x = 1..12), with a binary covariate z.
# and firth_sex2.json with, for each data set: glm()'s behaviour (warnings, huge coefficients and
# standard errors), the Firth estimates, Wald SEs / CIs / p, profile penalised-likelihood CIs,
# penalised likelihood-ratio p-values, the overall penalised LR test.
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(normalizePath(sub("^--file=", "", args[grep("^--file=", args)])))
source(file.path(here, "json_pretty.R"))

# ---- data -----------------------------------------------------------------------------------
agg <- read.table(header = TRUE, text = "
case age oc vic vicl vis dia COUNT
0 0 0 0 0 1 0 1
0 0 0 1 0 0 0 2
0 0 0 1 0 1 0 1
0 0 0 1 1 0 0 8
0 0 0 1 1 1 0 18
0 0 1 0 0 0 0 42
0 0 1 0 0 1 0 1
0 0 1 1 0 0 0 1
0 0 1 1 1 0 0 5
0 0 1 1 1 1 0 6
0 1 0 1 1 0 0 2
0 1 0 1 1 1 0 4
0 1 1 0 0 0 0 14
0 1 1 0 0 1 0 1
0 1 1 1 0 0 0 1
0 1 1 1 1 1 0 2
1 0 0 0 0 1 0 1
1 0 0 1 0 0 0 14
1 0 0 1 0 1 0 3
1 0 0 1 1 0 0 10
1 0 0 1 1 1 0 12
1 0 0 1 1 1 1 1
1 0 1 0 0 0 0 44
1 0 1 0 0 0 1 3
1 0 1 1 0 0 0 15
1 0 1 1 0 0 1 1
1 0 1 1 0 1 0 2
1 0 1 1 1 0 0 7
1 0 1 1 1 1 0 3
1 1 0 1 0 0 0 2
1 1 0 1 0 1 0 1
1 1 0 1 0 1 1 1
1 1 0 1 1 0 0 1
1 1 0 1 1 1 1 1
1 1 1 0 0 0 0 5
1 1 1 1 0 0 0 3
")
sex2 <- agg[rep(seq_len(nrow(agg)), agg$COUNT), c("case", "age", "oc", "vic", "vicl", "vis", "dia")]
rownames(sex2) <- NULL
stopifnot(nrow(sex2) == 239, sum(sex2$case) == 130, all(sex2$case[sex2$dia == 1] == 1))
write.csv(sex2, file.path(here, "firth_sex2.csv"), row.names = FALSE)

complete <- data.frame(x = 1:12, z = c(1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1), y = as.integer(1:12 > 6))
write.csv(complete, file.path(here, "firth_complete.csv"), row.names = FALSE)

# ---- Firth's penalised likelihood (logistf's definition) --------------------------------------
pen_loglik <- function(X, y, b) {
  eta <- drop(X %*% b)
  w <- plogis(eta) * plogis(-eta)
  sum(y * plogis(eta, log.p = TRUE) + (1 - y) * plogis(-eta, log.p = TRUE)) +
    0.5 * as.numeric(determinant(crossprod(X * sqrt(w)), logarithm = TRUE)$modulus)
}
mod_score <- function(X, y, b) {
  eta <- drop(X %*% b); p <- plogis(eta); w <- p * (1 - p)
  XW2 <- X * sqrt(w)
  info <- crossprod(XW2)
  h <- rowSums((XW2 %*% solve(info)) * XW2)
  list(U = drop(crossprod(X, y - p + h * (0.5 - p))), info = info)
}
# fixed: NA = estimated, a number = held at that value (profile / restricted fits).
# Steps: Newton with the Hessian of l* obtained by optimHess() (finite differences of the analytic
# modified score U*) where it is negative definite, else logistf's step I^-1 U*; capped at
# logistf's maxstep = 5, halved while l* does not increase. logistf's step alone converges only
# linearly (and very slowly far out on a profile); the solution U* = 0 is the same.
firth <- function(X, y, fixed = rep(NA_real_, ncol(X)), start = rep(0, ncol(X)), tol = 1e-13, maxit = 500) {
  free <- is.na(fixed)
  b <- start; b[!free] <- fixed[!free]
  ll <- pen_loglik(X, y, b)
  converged <- FALSE
  for (it in 1:maxit) {
    s <- mod_score(X, y, b)
    H <- optimHess(b, function(bb) pen_loglik(X, y, bb), function(bb) mod_score(X, y, bb)$U,
                   control = list(ndeps = rep(1e-5, ncol(X))))
    negH <- -(H[free, free, drop = FALSE] + t(H[free, free, drop = FALSE])) / 2
    dirs <- list()
    if (!inherits(try(chol(negH), silent = TRUE), "try-error")) dirs[[1]] <- solve(negH, s$U[free])
    dirs[[length(dirs) + 1]] <- solve(s$info[free, free, drop = FALSE], s$U[free])
    moved <- FALSE
    for (d in dirs) {
      size <- max(abs(d) / pmax(1, abs(b[free])))
      delta <- numeric(ncol(X)); delta[free] <- d
      mx <- max(abs(delta)) / 5
      if (mx > 1) delta <- delta / mx
      step <- 1
      while (step > 1e-18) {
        nb <- b + step * delta
        nll <- pen_loglik(X, y, nb)
        if (is.finite(nll) && nll >= ll - 1e-12 * max(1, abs(ll))) { moved <- TRUE; break }
        step <- step / 2
      }
      if (moved) break
    }
    if (!moved) break
    b <- nb; ll <- nll
    if (size < tol) { converged <- TRUE; break }
  }
  stopifnot(converged)
  s <- mod_score(X, y, b)
  list(beta = b, pll = pen_loglik(X, y, b), iter = it, U = s$U, info = s$info)
}

analyse <- function(data, outcome, terms) {
  X <- cbind("(Intercept)" = 1, as.matrix(data[, terms, drop = FALSE]))
  y <- data[[outcome]]
  k <- ncol(X)
  # glm's behaviour on these data
  warns <- character(0)
  g <- withCallingHandlers(glm(reformulate(terms, outcome), family = binomial, data = data),
                           warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  gs <- summary(g)$coefficients
  fit <- firth(X, y)
  # cross-checks of the implementation
  num_grad <- sapply(1:k, function(j) { e <- numeric(k); e[j] <- 1e-5
    (pen_loglik(X, y, fit$beta + e) - pen_loglik(X, y, fit$beta - e)) / 2e-5 })
  stopifnot(max(abs(num_grad - fit$U)) < 1e-6, max(abs(fit$U)) < 1e-9)
  # logistf's own algorithm (steps I^-1 U* only, maxstep 5, half-steps) reaches the same point
  lf <- fit$beta * 0
  for (it in 1:1000) { s <- mod_score(X, y, lf); d <- solve(s$info, s$U); if (max(abs(d)) > 5) d <- d * 5 / max(abs(d))
    lf <- lf + d; if (max(abs(d)) < 1e-13) break }
  stopifnot(max(abs(lf - fit$beta)) < 1e-9)
  opt <- optim(rep(0, k), function(b) -pen_loglik(X, y, b), method = "BFGS",
               control = list(reltol = 1e-14, maxit = 10000))
  stopifnot(max(abs(opt$par - fit$beta)) < 1e-4, abs(-opt$value - fit$pll) < 1e-9)

  V <- solve(fit$info)
  se <- sqrt(diag(V))
  z <- fit$beta / se
  q <- qnorm(0.975)
  crit <- qchisq(0.95, 1)
  prof <- function(j, v, start) firth(X, y, fixed = replace(rep(NA_real_, k), j, v), start = start)
  limit <- function(j, dir) {
    f <- function(v) 2 * (fit$pll - prof(j, v, fit$beta)$pll) - crit
    a <- fit$beta[j]; width <- 2 * se[j]
    while (f(a + dir * width) < 0) width <- width * 2
    uniroot(f, sort(c(a, a + dir * width)), tol = 1e-13, maxiter = 1000)$root
  }
  lower <- sapply(1:k, limit, dir = -1)
  upper <- sapply(1:k, limit, dir = 1)
  plr <- sapply(1:k, function(j) 2 * (fit$pll - prof(j, 0, fit$beta)$pll))
  restricted <- firth(X, y, fixed = c(NA, rep(0, k - 1)))
  overall <- 2 * (fit$pll - restricted$pll)
  eta <- drop(X %*% fit$beta)
  list(
    n = nrow(X), events = sum(y), terms = I(colnames(X)),
    glm = list(coefficients = I(unname(coef(g))), se = I(unname(gs[, 2])), converged = g$converged,
               iter = g$iter, warnings = I(warns),
               max_fitted = max(fitted(g)), min_fitted = min(fitted(g))),
    firth = list(
      coefficients = I(unname(fit$beta)), iterations = fit$iter, max_abs_modified_score = max(abs(fit$U)),
      penalised_loglik = fit$pll,
      loglik = sum(y * plogis(eta, log.p = TRUE) + (1 - y) * plogis(-eta, log.p = TRUE)),
      optim_bfgs = I(opt$par),
      vcov = unname(V), se = I(unname(se)), z = I(unname(z)), p_wald = I(2 * pnorm(-abs(z))),
      wald_lower = I(unname(fit$beta - q * se)), wald_upper = I(unname(fit$beta + q * se)),
      profile_lower = I(lower), profile_upper = I(upper),
      plr_chisq = I(plr), plr_p = I(pchisq(plr, 1, lower.tail = FALSE)),
      overall = list(chisq = overall, df = k - 1, p = pchisq(overall, k - 1, lower.tail = FALSE),
                     restricted_coefficients = I(restricted$beta), restricted_penalised_loglik = restricted$pll)
    )
  )
}

out <- list(
  versions = list(R = R.version.string, note = "logistf not installed; base-R re-implementation of logistf 1.24 definitions"),
  sex2 = analyse(sex2, "case", c("age", "oc", "vic", "vicl", "vis", "dia")),
  complete = analyse(complete, "y", c("x", "z"))
)
writeLines(to_json(out), file.path(here, "firth_sex2.json"))
cat("wrote", file.path(here, "firth_sex2.json"), "\n")
print(out$sex2$firth[c("coefficients", "se", "profile_lower", "profile_upper", "plr_p", "iterations")])
print(out$sex2$glm)
print(out$complete$firth[c("coefficients", "se", "profile_lower", "profile_upper", "iterations")])
print(out$complete$glm)
