# JSON writer with full precision (sprintf("%.17g"); jsonlite's toJSON keeps 15 digits), shared by nomogram.R
# and nomogram_rcs.R (run from the repository root): source(file.path(out_dir, "json_scalar.R")).
scalar <- function(x) structure(x, class = c("json_scalar", class(x)))
js <- function(x) {
  if (inherits(x, "json_scalar")) {
    v <- unclass(x)
    if (is.character(v)) return(as.character(jsonlite::toJSON(v, auto_unbox = TRUE)))
    if (is.logical(v)) return(if (v) "true" else "false")
    return(if (is.finite(v)) sprintf("%.17g", v) else "null")
  }
  if (is.list(x)) {
    if (length(names(x))) {
      keys <- vapply(names(x), function(k) as.character(jsonlite::toJSON(k, auto_unbox = TRUE)), "")
      return(paste0("{", paste0(keys, ":", vapply(x, js, ""), collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(x, js, ""), collapse = ","), "]"))
  }
  if (is.character(x)) return(paste0("[", paste(vapply(x, function(s)
    as.character(jsonlite::toJSON(s, auto_unbox = TRUE)), ""), collapse = ","), "]"))
  if (is.logical(x)) return(paste0("[", paste(ifelse(x, "true", "false"), collapse = ","), "]"))
  x <- as.numeric(x)
  paste0("[", paste(ifelse(is.finite(x), sprintf("%.17g", x), "null"), collapse = ","), "]")
}
