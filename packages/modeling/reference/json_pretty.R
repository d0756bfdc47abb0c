# Shared by the reference scripts firth_sex2.R, glm_aSAH.R, rcs.R: source(file.path(here, "json_pretty.R")).
# Minimal JSON writer with full double precision (sprintf("%.17g")); jsonlite prints 15 digits.
# Scalars: length-1 vectors without I(); I(x) forces an array; matrices become arrays of rows;
# named lists become objects, unnamed lists arrays. NA -> null.
json_num <- function(x) ifelse(is.na(x), "null", ifelse(is.infinite(x), ifelse(x > 0, "1e999", "-1e999"), sprintf("%.17g", x)))
json_str <- function(x) ifelse(is.na(x), "null", paste0('"', gsub('"', '\\\\"', gsub("\\\\", "\\\\\\\\", x)), '"'))
to_json <- function(x, ind = "") {
  ind2 <- paste0(ind, "  ")
  if (is.null(x)) return("null")
  if (is.matrix(x)) return(to_json(lapply(seq_len(nrow(x)), function(i) I(unname(x[i, ]))), ind))
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    parts <- vapply(seq_along(x), function(i) to_json(x[[i]], ind2), "")
    if (!is.null(names(x))) {
      parts <- paste0(json_str(names(x)), ": ", parts)
      return(paste0("{\n", ind2, paste(parts, collapse = paste0(",\n", ind2)), "\n", ind, "}"))
    }
    return(paste0("[\n", ind2, paste(parts, collapse = paste0(",\n", ind2)), "\n", ind, "]"))
  }
  asis <- inherits(x, "AsIs")
  v <- if (is.character(x) || is.factor(x)) json_str(as.character(x)) else if (is.logical(x)) ifelse(is.na(x), "null", ifelse(x, "true", "false")) else json_num(as.numeric(x))
  if (length(x) == 1 && !asis) return(v)
  paste0("[", paste(v, collapse = ", "), "]")
}
