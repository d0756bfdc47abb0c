# Reference values for packages/modeling/src/nomogram.ts (buildNomogram, datadistLimits,
# printNomogram) and nomogram-svg.ts: rms::datadist and rms::nomogram on lrm fits.
#
# Run from the repository root:   Rscript packages/modeling/reference/nomogram.R
# Writes packages/modeling/reference/nomogram_data.csv (the generated data, set.seed below)
# and packages/modeling/reference/nomogram.json.
# Made with R 4.2.2 Patched (2022-11-10 r83330), rms 6.5-0, Hmisc 4.8-0.
#
# Every number is written with sprintf("%.17g") so that it parses back to the identical double
# (jsonlite's toJSON keeps at most 15 significant digits); strings are escaped by jsonlite.

suppressMessages(library(rms))
out_dir <- "packages/modeling/reference"

source(file.path(out_dir, "json_scalar.R"))  # scalar() and js(): the JSON writer

# ---- data ----------------------------------------------------------------------------------
set.seed(20240612)
n <- 300
d <- data.frame(
  age = round(rnorm(n, 62, 10)),                 # years, integer
  size = round(rgamma(n, 3, 0.6), 1),            # cm
  nodules = sample(1:5, n, TRUE),                # <= 10 distinct values: a discrete axis
  albumin = round(rnorm(n, 38, 5), 1),           # g/L, negative coefficient
  afp = round(exp(rnorm(n, 3, 2)), 1) + 0.1      # ng/mL, enters as log(afp)
)
eta <- -3 + 0.03 * (d$age - 62) + 0.25 * d$size + 0.3 * d$nodules - 0.06 * (d$albumin - 38) +
  0.25 * log(d$afp)
d$y <- rbinom(n, 1, plogis(eta))
write.csv(d, file.path(out_dir, "nomogram_data.csv"), row.names = FALSE)

dd <- datadist(d)
options(datadist = "dd")

limits_of <- function(lim, values) {
  l <- as.numeric(lim)
  r <- list(lowEffect = scalar(l[1]), adjustTo = scalar(l[2]), highEffect = scalar(l[3]),
            lowPrediction = scalar(l[4]), highPrediction = scalar(l[5]),
            low = scalar(l[6]), high = scalar(l[7]))
  if (length(values)) r$values <- as.numeric(values)
  r
}

datadist_cases <- list()
for (v in c("age", "size", "nodules", "albumin", "afp")) {
  datadist_cases[[length(datadist_cases) + 1]] <- list(
    name = scalar(v), x = d[[v]], limits = limits_of(dd$limits[[v]], dd$values[[v]]))
}
# More datadist cases: n below / at / above 200 (q.display = 10/max(n, 200)), ties, few values.
extra <- list(
  n50 = round(rnorm(50, 10, 3), 2),
  n199 = rexp(199),
  n200 = rnorm(200),
  n201 = round(runif(201, 0, 100)),
  n1000 = rlnorm(1000),
  twoValues = sample(c(0, 1), 40, TRUE),
  threeValues = sample(c(2, 5, 9), 40, TRUE),
  fourValues = sample(c(-1, 0, 1, 3), 30, TRUE),
  elevenValues = sample(0:10, 60, TRUE),
  heavyTies = c(rep(5, 95), 1, 2, 3, 4, 6, 7, 8, 9, 10),
  constant = rep(3.5, 12)
)
for (nm in names(extra)) {
  x <- extra[[nm]]
  ddx <- suppressWarnings(datadist(x = x))
  datadist_cases[[length(datadist_cases) + 1]] <- list(
    name = scalar(nm), x = x, limits = limits_of(ddx$limits[["x"]], ddx$values[["x"]]))
}

# ---- nomograms ------------------------------------------------------------------------------
nomogram_json <- function(f, nom, settings) {
  info <- attr(nom, "info")
  preds <- setdiff(names(nom), c("total.points", "lp", info$funlabel))
  axes <- lapply(preds, function(p) {
    s <- nom[[p]]
    list(name = scalar(p), values = as.numeric(s[[1]]), isInteger = scalar(is.integer(s[[1]])),
         labels = vapply(s[[1]], format, ""),   # rms's Format(): the tick labels plot.nomogram draws
         xbeta = as.numeric(s$Xbeta), points = as.numeric(s$points))
  })
  funs <- lapply(info$funlabel, function(lbl) {
    s <- nom[[lbl]]
    list(label = scalar(lbl), x = as.numeric(s$x), xReal = as.numeric(s$x.real), fat = s$fat)
  })
  list(
    settings = settings,
    coefficients = lapply(as.list(coef(f)), scalar),
    lpRange = range(f$linear.predictors),
    axes = axes,
    totalPoints = nom$total.points$x,
    lp = list(x = nom$lp$x, xReal = nom$lp$x.real),
    fun = funs,
    R = list(low = as.numeric(info$R[1, ]), high = as.numeric(info$R[2, ]), names = colnames(info$R)),
    sc = scalar(info$sc), intercept = scalar(as.numeric(info$Intercept)), lpAt = info$lp.at,
    print = capture.output(print(nom))
  )
}

fun_at <- c(.05, .1, .2, .3, .5, .7, .9)
label <- "Risk of distant metastasis"

# A: linear terms, one discrete (nodules), one negative coefficient (albumin).
fA <- lrm(y ~ age + size + nodules + albumin, data = d)
nomA <- nomogram(fA, fun = plogis, fun.at = fun_at, funlabel = label)

# B: a log-transformed term with its axis in the original unit (afp values given: pretty() over
# the afp range starts at 0 and rms stops on log(0)); default fun.at = pretty(plogis(range(lp.at))).
afp_at <- c(0.5, 1, 5, 10, 50, 100, 500, 1000, 5000)
fB <- lrm(y ~ age + size + log(afp), data = d)
nomB <- nomogram(fB, afp = afp_at, fun = plogis)

# C: log10 term, maxscale = 10, nint = 5, a fun.at value outside the lp range (dropped by rms).
afp_at_c <- c(1, 10, 100, 1000, 10000)
fC <- lrm(y ~ albumin + nodules + log10(afp), data = d)
nomC <- nomogram(fC, afp = afp_at_c, fun = plogis, fun.at = c(.01, .1, .25, .5, .75, .999),
                 funlabel = label, maxscale = 10, nint = 5)

ref <- list(
  R = scalar(R.version.string), rms = scalar(as.character(packageVersion("rms"))),
  datadist = datadist_cases,
  nomograms = list(
    list(id = scalar("A"), terms = list(
           list(name = scalar("age"), transform = scalar("identity")),
           list(name = scalar("size"), transform = scalar("identity")),
           list(name = scalar("nodules"), transform = scalar("identity")),
           list(name = scalar("albumin"), transform = scalar("identity"))),
         result = nomogram_json(fA, nomA, list(funAt = fun_at, funLabel = scalar(label),
                                                maxscale = scalar(100), nint = scalar(10)))),
    list(id = scalar("B"), terms = list(
           list(name = scalar("age"), transform = scalar("identity")),
           list(name = scalar("size"), transform = scalar("identity")),
           list(name = scalar("afp"), transform = scalar("log"), at = afp_at)),
         result = nomogram_json(fB, nomB, list(funLabel = scalar("Predicted Value"),
                                                maxscale = scalar(100), nint = scalar(10)))),
    list(id = scalar("C"), terms = list(
           list(name = scalar("albumin"), transform = scalar("identity")),
           list(name = scalar("nodules"), transform = scalar("identity")),
           list(name = scalar("afp"), transform = scalar("log10"), at = afp_at_c)),
         result = nomogram_json(fC, nomC, list(funAt = c(.01, .1, .25, .5, .75, .999),
                                                funLabel = scalar(label),
                                                maxscale = scalar(10), nint = scalar(5))))
  )
)
writeLines(js(ref), file.path(out_dir, "nomogram.json"))
cat("wrote nomogram.json and nomogram_data.csv\n")
