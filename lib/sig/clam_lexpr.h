/* clam_lexpr.h — logical expressions of .ldb signatures.
 *
 * Basis: decimal subsignature indexes 0..N-1. If A and B are expressions and
 * X, Y decimal numbers: (A&B) (A|B) A=X A=X,Y A>X A>X,Y A<X A<X,Y.
 * The compiled form is a small postfix byte code (documented in clam_lexpr.c)
 * that is position independent, so it can live in a mapped database. */
#ifndef ASSAY_SIG_CLAM_LEXPR_H
#define ASSAY_SIG_CLAM_LEXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"

/* Compile `text` (len chars) for a signature with `nsubsigs` subsignatures,
 * appending the code to `out`. Returns 0, or -1 with a message naming the
 * 1-based column in err. An index >= nsubsigs is an error. */
int clam_lexpr_compile(const char *text, size_t len, uint32_t nsubsigs, struct util_buf *out,
                       char *err, size_t errlen);

/* Evaluate compiled code with counts[i] = number of matches of subsig i. */
bool clam_lexpr_eval(const uint8_t *code, size_t len, const uint32_t *counts);

#endif
