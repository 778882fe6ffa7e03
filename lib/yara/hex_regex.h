/* hex_regex.h — a hex string as the regular expression AST YARA reads it as
 * (hex_regex.c). */
#ifndef ASSAY_YARA_HEX_REGEX_H
#define ASSAY_YARA_HEX_REGEX_H

#include <stddef.h>

#include "yara/ast.h"
#include "yara/regex.h"

/* Tokens seq[from, to) (not empty) as a regex with its AST only, as
 * yara_regex_compile with YARA_REGEX_DOTALL | YARA_REGEX_PARSE_ONLY gives for
 * the same string written as a regex; yara_regex_build_program adds the
 * program. 0, or ASSAY_ESYNTAX / ASSAY_ELIMIT (a jump over
 * YARA_REGEX_MAX_REPEAT, more than YARA_REGEX_MAX_NODES nodes) or
 * ASSAY_ENOMEM, with the message in *err. */
int yara_hex_regex(const struct yara_hex_seq *seq, size_t from, size_t to, struct yara_regex **out,
                   struct yara_regex_error *err);

#endif
