/* slow_strings.h — which strings YARA warns "may slow down scanning" about:
 * those whose best atom is poor (slow_strings.c has the measure). Warnings
 * only; the atoms assay searches are chosen elsewhere (window_score.h). */
#ifndef ASSAY_YARA_SLOW_STRINGS_H
#define ASSAY_YARA_SLOW_STRINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yara/ast.h"
#include "yara/regex.h"

/* A text string's literal (one variant: ascii, wide, an xor key, ...). */
bool yslow_literal(const uint8_t *p, size_t n);
/* A hex string, from its tokens. */
bool yslow_hex(const struct yara_hex_seq *seq);
/* A regular expression, from its AST. */
bool yslow_regex(const struct yara_regex *re);

#endif
