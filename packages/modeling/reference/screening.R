# Reference values for packages/modeling/src/screening.ts (feature screening before LASSO).
#
# Run from the repository root:   Rscript packages/modeling/reference/screening.R
# Written with R 4.2.2 (Debian), base R + stats only (jsonlite is not used: it cannot print 17
# significant digits, so JSON is written below with sprintf("%.17g")).
#
# Writes, next to this script:
#   screening_data.csv    n = 120 rows: y (0/1) and 25 features f01..f25 (correlated blocks, skewed
#                         columns, tied columns f23..f25), generated with set.seed(20251207)
#   screening_raters.csv  30 subjects x 3 raters (long format: subject, rater, f01..f25), same seed
#   screening.json        every reference value the tests compare with
#
# What is base R's own function and what is a re-implementation:
# - wilcox.test, t.test, cor, rank, aov: R's own functions (stats 4.2.2).
# - irr::icc (irr 0.84.1, CRAN) and mRMRe (mRMR.classic, 2.1.x) are NOT installed here. Their
#   definitions were read from the CRAN sources (cran/irr R/icc.R; cran/mRMRe src/Filter.cpp,
#   src/Math.cpp, R/mRMRe.Filter.R) and are re-expressed below in base R:
#     * icc_irr(): the mean squares, coefficients, F tests (r0), p-values (pf upper tail) and the
#       confidence intervals (McGraw & Wong 1996 for 'agreement') of irr 0.84.1, for the models
#       oneway / twoway x consistency / agreement x unit single / average. irr ignores `type`
#       when model = "oneway". The mean squares are cross-checked against base R's aov() ANOVA
#       tables (stopifnot below): subject MS = MSr, rater MS = MSc, residual MS of the two-way
#       model = MSe, residual MS of the one-way model = MSw.
#     * mrmr_classic(): mRMRe's mutual information for continuous variables, MI = -1/2 log(1 - r^2)
#       with r = cor(method = "pearson" | "spearman"), and its greedy selection: the first feature
#       maximises MI(f, y); each next feature maximises MI(f, y) - mean over the already selected s
#       of MI(f, s) (the MID criterion; mRMRe's C++ divides by the level count including the
#       target, which multiplies all candidates' scores at one step by the same positive factor
#       and so selects the same feature; the scores reported are those of mRMRe's scores()
#       method: MI(f, y) - mean MI(f, s)). Ties: the lowest column index wins (which.max).
#       Deviation from mRMRe, documented in screening.ts: mRMRe's Spearman ranks tied values in
#       std::sort order (unspecified), here ties get average ranks as cor(method = "spearman").
# - prune_greedy(): OUR correlation-pruning rule (not caret::findCorrelation), written
#   independently here in base R: pairs with |r| > threshold, processed by descending |r|
#   (ties: lower first column index, then lower second index); a pair is skipped if either
#   feature is already dropped; otherwise the feature with the worse univariate priority is
#   dropped. Priority: lower p-value first, then larger |AUC - 0.5|, then lower column index.
# - screen_pipeline(): OUR screen() order ICC -> univariate p -> correlation pruning -> mRMR top k.

options(warn = 1)
here <- local({
  a <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", a[grep("^--file=", a)])
  if (length(f)) dirname(normalizePath(f)) else "packages/modeling/reference"
})

## ---------- JSON writer with full precision ----------
num <- function(x) {
  if (is.na(x)) return("null")
  if (is.infinite(x)) stop("infinite value in JSON output")
  sprintf("%.17g", x)
}
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (!is.null(names(x))) {
      return(paste0("{", paste(sprintf("\"%s\":%s", names(x), vapply(x, to_json, "")), collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
  }
  scalar <- length(x) == 1 && !inherits(x, "AsIs")
  vals <- if (is.character(x)) sprintf("\"%s\"", x)
          else if (is.logical(x)) ifelse(is.na(x), "null", ifelse(x, "true", "false"))
          else vapply(as.numeric(x), num, "")
  if (scalar) vals else paste0("[", paste(vals, collapse = ","), "]")
}
arr <- function(x) I(x)
rows_of <- function(m) lapply(seq_len(nrow(m)), function(i) arr(unname(m[i, ])))

## ---------- data ----------
set.seed(20251207)
n <- 120
y <- sample(rep(0:1, c(70, 50)))
zA <- rnorm(n); zB <- rnorm(n); zC <- rnorm(n)
X <- cbind(
  f01 = 0.6 * y + zA + rnorm(n, sd = 0.2),
  f02 = 0.6 * y + zA + rnorm(n, sd = 0.3),
  f03 = 100 + 10 * (0.6 * y + zA + rnorm(n, sd = 0.4)),
  f04 = 0.6 * y + zA + rnorm(n, sd = 0.5),
  f05 = 0.5 * y + zA + rnorm(n, sd = 0.6),
  f06 = 0.4 * y - zA + rnorm(n, sd = 0.3),
  f07 = 0.3 * y + zB + rnorm(n, sd = 0.3),
  f08 = 0.3 * y + zB + rnorm(n, sd = 0.4),
  f09 = 1e-3 * (0.3 * y + zB + rnorm(n, sd = 0.5)),
  f10 = 0.3 * y + zB + rnorm(n, sd = 0.6),
  f11 = 0.2 * y + zB + rnorm(n, sd = 0.8),
  f12 = zB + rnorm(n, sd = 1.2),
  f13 = 1000 * exp(0.4 * y + zC + rnorm(n, sd = 0.3)),
  f14 = exp(0.4 * y + zC + rnorm(n, sd = 0.5)),
  f15 = exp(2 * zC + rnorm(n, sd = 0.5)),
  f16 = (zC + rnorm(n, sd = 0.4))^3,
  f17 = 0.5 * y + rnorm(n),
  f18 = 0.7 * y + rnorm(n),
  f19 = rnorm(n),
  f20 = rnorm(n, 5, 2),
  f21 = rexp(n),
  f22 = 0.2 * y + rnorm(n),
  f23 = round(0.5 * y + rnorm(n)),
  f24 = pmin(5, rpois(n, 2 + y)),
  f25 = round(zA + rnorm(n, sd = 0.5), 1)
)
p <- ncol(X)
fn <- colnames(X)
# Write with full precision and read back so R computes on exactly the doubles the tests read.
con <- file(file.path(here, "screening_data.csv"), "w")
writeLines(paste(c("y", fn), collapse = ","), con)
for (i in seq_len(n)) writeLines(paste(c(y[i], vapply(X[i, ], num, "")), collapse = ","), con)
close(con)
d <- read.csv(file.path(here, "screening_data.csv"))
stopifnot(identical(unname(as.matrix(d[, -1])), unname(X)), identical(d$y, as.integer(y)) || all(d$y == y))
y <- d$y; X <- as.matrix(d[, -1])

# Raters: 30 subjects x 3 raters per feature, reliability from poor to excellent, with and
# without systematic rater offsets (which separate 'agreement' from 'consistency').
ns <- 30; nr <- 3
noise_sd <- seq(0.08, 1.6, length.out = p)
bias_sd <- rep(c(0, 0.4, 1.0), length.out = p)
truth <- matrix(rnorm(ns * p), ns, p)
raters <- lapply(seq_len(nr), function(r) {
  m <- matrix(NA_real_, ns, p)
  for (j in seq_len(p)) m[, j] <- 10 + 2 * truth[, j] + rnorm(1, sd = bias_sd[j]) + rnorm(ns, sd = noise_sd[j])
  colnames(m) <- fn
  m
})
con <- file(file.path(here, "screening_raters.csv"), "w")
writeLines(paste(c("subject", "rater", fn), collapse = ","), con)
for (r in seq_len(nr)) for (i in seq_len(ns)) writeLines(paste(c(i, r, vapply(raters[[r]][i, ], num, "")), collapse = ","), con)
close(con)
rd <- read.csv(file.path(here, "screening_raters.csv"))
raters <- lapply(seq_len(nr), function(r) as.matrix(rd[rd$rater == r, fn]))

## ---------- ICC as irr 0.84.1 defines it (re-expressed in base R) ----------
icc_irr <- function(ratings, model, type, unit, r0 = 0, conf.level = 0.95) {
  a2 <- (1 - conf.level) / 2
  ns <- nrow(ratings); nr <- ncol(ratings)
  SStotal <- var(as.numeric(ratings)) * (ns * nr - 1)
  MSr <- var(rowMeans(ratings)) * nr
  MSw <- sum(apply(ratings, 1, var) / ns)
  MSc <- var(colMeans(ratings)) * ns
  MSe <- (SStotal - MSr * (ns - 1) - MSc * (nr - 1)) / ((ns - 1) * (nr - 1))
  single <- unit == "single"
  if (model == "oneway" || type == "consistency") {
    MSden <- if (model == "oneway") MSw else MSe
    df2 <- if (model == "oneway") ns * (nr - 1) else (ns - 1) * (nr - 1)
    value <- if (single) (MSr - MSden) / (MSr + (nr - 1) * MSden) else (MSr - MSden) / MSr
    Fvalue <- MSr / MSden * (if (single) (1 - r0) / (1 + (nr - 1) * r0) else (1 - r0))
    FL <- (MSr / MSden) / qf(1 - a2, ns - 1, df2)
    FU <- (MSr / MSden) * qf(1 - a2, df2, ns - 1)
    if (single) { lb <- (FL - 1) / (FL + nr - 1); ub <- (FU - 1) / (FU + nr - 1) }
    else { lb <- 1 - 1 / FL; ub <- 1 - 1 / FU }
  } else {
    # twoway agreement
    value <- if (single) (MSr - MSe) / (MSr + (nr - 1) * MSe + (nr / ns) * (MSc - MSe))
             else (MSr - MSe) / (MSr + (MSc - MSe) / ns)
    k <- if (single) nr else 1            # irr: a = k*r0/(ns(1-r0)) with k = nr (single) or 1 (average)
    aa <- (k * r0) / (ns * (1 - r0)); bb <- 1 + (k * r0 * (ns - 1)) / (ns * (1 - r0))
    Fvalue <- MSr / (aa * MSc + bb * MSe)
    aa <- (nr * value) / (ns * (1 - value)); bb <- 1 + (nr * value * (ns - 1)) / (ns * (1 - value))
    df2 <- (aa * MSc + bb * MSe)^2 / ((aa * MSc)^2 / (nr - 1) + (bb * MSe)^2 / ((ns - 1) * (nr - 1)))
    FL <- qf(1 - a2, ns - 1, df2)
    FU <- qf(1 - a2, df2, ns - 1)
    if (single) {
      lb <- (ns * (MSr - FL * MSe)) / (FL * (nr * MSc + (nr * ns - nr - ns) * MSe) + ns * MSr)
      ub <- (ns * (FU * MSr - MSe)) / (nr * MSc + (nr * ns - nr - ns) * MSe + ns * FU * MSr)
    } else {
      lb <- (ns * (MSr - FL * MSe)) / (FL * (MSc - MSe) + ns * MSr)
      ub <- (ns * (FU * MSr - MSe)) / (MSc - MSe + ns * FU * MSr)
    }
  }
  list(value = value, Fvalue = Fvalue, df1 = ns - 1, df2 = df2,
       p_value = pf(Fvalue, ns - 1, df2, lower.tail = FALSE), lbound = lb, ubound = ub,
       MSr = MSr, MSw = MSw, MSc = MSc, MSe = MSe)
}

# Independent check of the mean squares with base R's ANOVA.
anova_ms <- function(ratings) {
  ns <- nrow(ratings); nr <- ncol(ratings)
  long <- data.frame(v = as.numeric(ratings), s = factor(rep(seq_len(ns), nr)), r = factor(rep(seq_len(nr), each = ns)))
  t2 <- summary(aov(v ~ s + r, data = long))[[1]]
  t1 <- summary(aov(v ~ s, data = long))[[1]]
  c(MSr = t2[1, "Mean Sq"], MSc = t2[2, "Mean Sq"], MSe = t2[3, "Mean Sq"], MSw = t1[2, "Mean Sq"])
}

combos <- list(
  list(model = "oneway", type = "consistency"), list(model = "oneway", type = "agreement"),
  list(model = "twoway", type = "consistency"), list(model = "twoway", type = "agreement"))
icc_out <- list()
for (j in seq_len(p)) {
  m <- sapply(raters, function(r) r[, j])
  a <- anova_ms(m)
  for (cb in combos) for (unit in c("single", "average")) for (r0 in c(0, 0.3)) {
    res <- icc_irr(m, cb$model, cb$type, unit, r0 = r0)
    stopifnot(isTRUE(all.equal(unname(c(res$MSr, res$MSc, res$MSe, res$MSw)), unname(a), tolerance = 1e-12)))
    icc_out[[length(icc_out) + 1]] <- c(list(feature = fn[j], model = cb$model, type = cb$type, unit = unit, r0 = r0),
                                        res, list(aov_MSr = a[["MSr"]], aov_MSc = a[["MSc"]], aov_MSe = a[["MSe"]], aov_MSw = a[["MSw"]]))
  }
}
# 90% interval for one case (conf.level is an option)
icc_conf90 <- c(list(feature = "f05", model = "twoway", type = "agreement", unit = "single", conf_level = 0.9),
                icc_irr(sapply(raters, function(r) r[, 5]), "twoway", "agreement", "single", conf.level = 0.9))

## ---------- univariate tests ----------
cases <- y == 1; ctrl <- y == 0
uni <- function(rows) {
  out <- list(W = numeric(p), auc = numeric(p), wilcox_p_default = numeric(p), wilcox_exact_used = logical(p),
              wilcox_p_noexact = numeric(p), wilcox_p_nocorrect = numeric(p),
              welch_t = numeric(p), welch_df = numeric(p), welch_p = numeric(p),
              student_t = numeric(p), student_df = numeric(p), student_p = numeric(p))
  yy <- y[rows]
  for (j in seq_len(p)) {
    x1 <- X[rows, j][yy == 1]; x0 <- X[rows, j][yy == 0]
    wd <- suppressWarnings(wilcox.test(x1, x0))
    wn <- wilcox.test(x1, x0, exact = FALSE)
    wc <- wilcox.test(x1, x0, exact = FALSE, correct = FALSE)
    out$W[j] <- wd$statistic
    out$auc[j] <- wd$statistic / (length(x1) * length(x0))
    out$wilcox_p_default[j] <- wd$p.value
    out$wilcox_exact_used[j] <- grepl("exact", wd$method)
    out$wilcox_p_noexact[j] <- wn$p.value
    out$wilcox_p_nocorrect[j] <- wc$p.value
    tw <- t.test(x1, x0)
    ts <- t.test(x1, x0, var.equal = TRUE)
    out$welch_t[j] <- tw$statistic; out$welch_df[j] <- tw$parameter; out$welch_p[j] <- tw$p.value
    out$student_t[j] <- ts$statistic; out$student_df[j] <- ts$parameter; out$student_p[j] <- ts$p.value
  }
  lapply(out, arr)
}
uni_all <- uni(seq_len(n))
uni_40 <- uni(1:40)
stopifnot(!any(uni_all$wilcox_exact_used), any(uni_40$wilcox_exact_used), !all(uni_40$wilcox_exact_used))

# A few small samples for the exact distribution (no ties): tail probabilities incl. tiny ones.
exact_cases <- list(
  list(x = c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30), y = c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06 + 1e-3, 3.14, 1.29 + 2e-3)),
  list(x = as.numeric(1:12), y = as.numeric(13:30)),
  list(x = c(5.5, 2.25, 9.75), y = c(1.5, 3.5, 4.5, 6.5, 7.5, 8.5, 10.5)),
  list(x = as.numeric(c(1, 3, 5, 7, 9, 11, 13, 15, 17, 19)) / 7, y = as.numeric(c(2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 21, 22)) / 7))
exact_out <- lapply(exact_cases, function(cs) {
  w <- wilcox.test(cs$x, cs$y)
  list(x = arr(cs$x), y = arr(cs$y), W = unname(w$statistic), p_value = w$p.value, method = w$method)
})

## ---------- correlation ----------
cor_p <- cor(X, method = "pearson")
cor_s <- cor(X, method = "spearman")
ranks_f23 <- rank(X[, "f23"])

## ---------- priority, pruning ----------
priority_rank <- function(pv, auc) {
  o <- order(pv, -abs(auc - 0.5), seq_along(pv))
  r <- integer(length(pv)); r[o] <- seq_along(pv); r
}
prune_greedy <- function(Xs, priority, threshold, method) {
  R <- cor(Xs, method = method)
  q <- ncol(Xs)
  idx <- which(upper.tri(R) & abs(R) > threshold, arr.ind = TRUE)
  idx <- idx[order(-abs(R[idx]), idx[, 1], idx[, 2]), , drop = FALSE]
  kept <- rep(TRUE, q); dropped <- list()   # dropped: in the order the pairs are processed
  for (k in seq_len(nrow(idx))) {
    i <- idx[k, 1]; j <- idx[k, 2]
    if (!kept[i] || !kept[j]) next
    if (priority[i] < priority[j] || (priority[i] == priority[j] && i < j)) { drop <- j; keep <- i } else { drop <- i; keep <- j }
    kept[drop] <- FALSE
    dropped[[length(dropped) + 1]] <- list(name = colnames(Xs)[drop], partner = colnames(Xs)[keep], r = R[i, j])
  }
  list(kept = arr(colnames(Xs)[kept]), dropped = dropped)
}
prio <- priority_rank(as.numeric(uni_all$wilcox_p_default), as.numeric(uni_all$auc))
prune_out <- list()
for (method in c("pearson", "spearman")) for (thr in c(0.7, 0.9)) {
  prune_out[[length(prune_out) + 1]] <- c(list(method = method, threshold = thr), prune_greedy(X, prio, thr, method))
}

## ---------- mRMR (mRMRe classic, re-expressed) ----------
mrmr_classic <- function(Xs, yv, method) {
  C <- cor(cbind(yv, Xs), method = method)
  MI <- -0.5 * log(1 - C^2)
  rel <- MI[1, -1]; red <- MI[-1, -1, drop = FALSE]
  sel <- integer(0); sc <- numeric(0); cand <- seq_len(ncol(Xs))
  while (length(cand)) {
    s <- if (!length(sel)) rel[cand] else rel[cand] - rowMeans(red[cand, sel, drop = FALSE])
    k <- which.max(s)
    sel <- c(sel, cand[k]); sc <- c(sc, s[k]); cand <- cand[-k]
  }
  mi <- unname(MI[-1, -1]); diag(mi) <- NA   # MI(f, f) = Inf is never used
  list(order = arr(colnames(Xs)[sel]), scores = arr(unname(sc)), relevance = arr(unname(rel)), mi = rows_of(mi))
}
mrmr_out <- list(pearson = mrmr_classic(X, y, "pearson"), spearman = mrmr_classic(X, y, "spearman"))

## ---------- the screen() pipeline ----------
cfg <- list(icc = list(model = "twoway", type = "agreement", unit = "single", threshold = 0.75),
            univariate = list(test = "wilcoxon", p_threshold = 0.2),
            correlation = list(method = "spearman", threshold = 0.8),
            mrmr = list(method = "pearson", k = 5))
screen_pipeline <- function() {
  alive <- seq_len(p)
  dropped <- list()
  drop <- function(j, step, reason, statistic) dropped[[length(dropped) + 1]] <<- list(name = fn[j], step = step, reason = reason, statistic = statistic)
  # ICC
  iv <- sapply(seq_len(p), function(j) icc_irr(sapply(raters, function(r) r[, j]), "twoway", "agreement", "single")$value)
  for (j in alive[iv[alive] < cfg$icc$threshold]) drop(j, "icc", "icc-below-threshold", iv[j])
  alive <- alive[iv[alive] >= cfg$icc$threshold]
  # univariate
  pv <- as.numeric(uni_all$wilcox_p_default)
  for (j in alive[!(pv[alive] < cfg$univariate$p_threshold)]) drop(j, "univariate", "p-above-threshold", pv[j])
  alive <- alive[pv[alive] < cfg$univariate$p_threshold]
  # correlation (priority among the survivors: same order as over all features)
  pr <- prune_greedy(X[, alive, drop = FALSE], prio[alive], cfg$correlation$threshold, "spearman")
  for (dd in pr$dropped) drop(match(dd$name, fn), "correlation", "correlated", dd$r)
  alive <- alive[fn[alive] %in% pr$kept]
  # mRMR
  mr <- mrmr_classic(X[, alive, drop = FALSE], y, "pearson")
  if (length(mr$order) > cfg$mrmr$k) for (q in (cfg$mrmr$k + 1):length(mr$order)) drop(match(mr$order[q], fn), "mrmr", "mrmr-rank-above-k", as.numeric(mr$scores)[q])
  list(kept = arr(as.character(head(mr$order, cfg$mrmr$k))), dropped = dropped, icc_values = arr(unname(iv)))
}
pipeline_out <- c(list(config = cfg), screen_pipeline())

out <- list(
  meta = list(R = R.version.string, seed = 20251207, n = n, features = arr(fn),
              note = "irr 0.84.1 and mRMRe re-expressed in base R (see header); everything else is base R"),
  univariate_all = uni_all, univariate_first40 = uni_40, wilcox_exact = exact_out,
  cor = list(pearson = rows_of(unname(cor_p)), spearman = rows_of(unname(cor_s)), ranks_f23 = arr(ranks_f23)),
  icc = icc_out, icc_conf90 = icc_conf90,
  priority = arr(prio), prune = prune_out, mrmr = mrmr_out, pipeline = pipeline_out)
writeLines(to_json(out), file.path(here, "screening.json"))
cat("wrote", file.path(here, "screening.json"), "\n")
