# JSON writer with full double precision (sprintf("%.17g")), shared by the reference scripts
# (bootstrap_auc.R, bootstrap_validate.R, hoslem.R, valprob.R, valprob_curves.R): source(file.path(here, "json_compact.R")).
num <- function(v) ifelse(is.na(v), "null", sprintf("%.17g", v))
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    items <- vapply(x, to_json, "")
    nm <- names(x)
    if (!is.null(nm)) return(paste0("{", paste0("\"", nm, "\":", items, collapse = ","), "}"))
    return(paste0("[", paste(items, collapse = ","), "]"))
  }
  if (is.factor(x)) x <- as.character(x)
  s <- if (is.character(x)) paste0("\"", x, "\"")
       else if (is.logical(x)) ifelse(is.na(x), "null", ifelse(x, "true", "false"))
       else { stopifnot(all(is.finite(x) | is.na(x))); num(as.numeric(x)) }
  if (length(x) == 1 && !inherits(x, "AsIs")) s else paste0("[", paste(s, collapse = ","), "]")
}
