# Reference values for packages/modeling/src/nomogram.ts (buildNomogram with restricted cubic
# spline terms) and nomogram-svg.ts (how plot.nomogram labels a non-monotonic axis):
# rms::nomogram on lrm fits with rcs() terms.
#
# Run from the repository root:   Rscript packages/modeling/reference/nomogram_rcs.R
# Writes packages/modeling/reference/nomogram_rcs_data.csv (the generated data, set.seed below)
# and packages/modeling/reference/nomogram_rcs.json.
# Made with R 4.2.2 Patched (2022-11-10 r83330), rms 6.5-0, Hmisc 4.8-0.
#
# The outcome is drawn with an inverted-U effect of size and of log10(afp), so that the fitted
# splines rise and fall over their axes: rms then draws a non-monotonic axis, labelling each
# monotone run of ticks on alternate sides (below, above, below, ...). Those labels are recorded
# by wrapping rms's internal axisf() while plot.nomogram draws on a null device.
#
# Every number is written with sprintf("%.17g") so that it parses back to the identical double.

suppressMessages(library(rms))
out_dir <- "packages/modeling/reference"

source(file.path(out_dir, "json_scalar.R"))  # scalar() and js(): the JSON writer

# ---- data ----------------------------------------------------------------------------------
set.seed(20240613)
n <- 300
d <- data.frame(
  age = round(rnorm(n, 62, 10)),                 # years
  size = round(rgamma(n, 3, 0.6), 1),            # cm: the spline of case A
  nodules = sample(1:4, n, TRUE),                # <= 10 distinct values: a discrete axis
  albumin = round(rnorm(n, 38, 5), 1),           # g/L, negative coefficient
  afp = round(exp(rnorm(n, 3, 2)), 1) + 0.1      # ng/mL: rcs(log10(afp), 3) in case B
)
eta <- -1 + 0.03 * (d$age - 62) - 0.06 * (d$albumin - 38) + 0.9 * d$size - 0.09 * d$size^2 +
  0.3 * d$nodules + 0.8 * log10(d$afp) - 0.25 * log10(d$afp)^2
d$y <- rbinom(n, 1, plogis(eta))
write.csv(d, file.path(out_dir, "nomogram_rcs_data.csv"), row.names = FALSE)

dd <- datadist(d)
options(datadist = "dd")

# ---- what plot.nomogram draws: every axisf() call (side, tick positions, labels) -------------
record_plot <- function(nom) {
  calls <- list()
  orig <- get("axisf", envir = asNamespace("rms"))
  wrapper <- function(side, at, labels = TRUE, ...) {
    calls[[length(calls) + 1]] <<- list(side = scalar(side), at = as.numeric(at),
      labels = if (is.logical(labels)) character(0) else as.character(labels))
    orig(side, at, labels = labels, ...)
  }
  assignInNamespace("axisf", wrapper, "rms")
  on.exit(assignInNamespace("axisf", orig, "rms"))
  pdf(NULL)
  plot(nom)
  dev.off()
  calls
}

nomogram_json <- function(f, nom, settings) {
  info <- attr(nom, "info")
  preds <- setdiff(names(nom), c("total.points", "lp", info$funlabel))
  axes <- lapply(preds, function(p) {
    s <- nom[[p]]
    list(name = scalar(p), values = as.numeric(s[[1]]), isInteger = scalar(is.integer(s[[1]])),
         labels = vapply(s[[1]], format, ""),
         xbeta = as.numeric(s$Xbeta), points = as.numeric(s$points))
  })
  funs <- lapply(info$funlabel, function(lbl) {
    s <- nom[[lbl]]
    list(label = scalar(lbl), x = as.numeric(s$x), xReal = as.numeric(s$x.real), fat = s$fat)
  })
  parms <- f$Design$parms
  splines <- lapply(names(parms), function(p) list(name = scalar(p), knots = as.numeric(parms[[p]])))
  list(
    settings = settings,
    coefficients = lapply(as.list(coef(f)), scalar),
    splines = splines,
    lpRange = range(f$linear.predictors),
    axes = axes,
    totalPoints = nom$total.points$x,
    lp = list(x = nom$lp$x, xReal = nom$lp$x.real),
    fun = funs,
    R = list(low = as.numeric(info$R[1, ]), high = as.numeric(info$R[2, ]), names = colnames(info$R)),
    sc = scalar(info$sc), intercept = scalar(as.numeric(info$Intercept)), lpAt = info$lp.at,
    print = capture.output(print(nom)),
    plotAxes = record_plot(nom)
  )
}

# A: rcs(size, 4) (default knots, Harrell's quantiles) + two linear terms; the size axis rises
# then falls. fun.at given.
fun_at <- c(.05, .1, .2, .3, .5, .7, .9)
label <- "Risk of distant metastasis"
fA <- lrm(y ~ rcs(size, 4) + age + albumin, data = d)
nomA <- nomogram(fA, fun = plogis, fun.at = fun_at, funlabel = label)

# B: rcs(log10(afp), 3) with the axis in ng/mL (values given), + age + nodules (discrete);
# maxscale = 10, nint = 5, default fun.at.
afp_at <- c(1, 10, 100, 1000, 10000, 1e5)
fB <- lrm(y ~ rcs(log10(afp), 3) + age + nodules, data = d)
nomB <- nomogram(fB, afp = afp_at, fun = plogis, maxscale = 10, nint = 5)

ref <- list(
  R = scalar(R.version.string), rms = scalar(as.character(packageVersion("rms"))),
  nomograms = list(
    list(id = scalar("A"), terms = list(
           list(name = scalar("size"), transform = scalar("identity"), knots = scalar(4)),
           list(name = scalar("age"), transform = scalar("identity")),
           list(name = scalar("albumin"), transform = scalar("identity"))),
         result = nomogram_json(fA, nomA, list(funAt = fun_at, funLabel = scalar(label),
                                                maxscale = scalar(100), nint = scalar(10)))),
    list(id = scalar("B"), terms = list(
           list(name = scalar("afp"), transform = scalar("log10"), knots = scalar(3), at = afp_at),
           list(name = scalar("age"), transform = scalar("identity")),
           list(name = scalar("nodules"), transform = scalar("identity"))),
         result = nomogram_json(fB, nomB, list(funLabel = scalar("Predicted Value"),
                                                maxscale = scalar(10), nint = scalar(5))))
  )
)
writeLines(js(ref), file.path(out_dir, "nomogram_rcs.json"))
cat("wrote nomogram_rcs.json and nomogram_rcs_data.csv\n")
