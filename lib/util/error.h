/* error.h — the one error convention of libassay: a function returns an
 * assay_status (0 on success, a negative ASSAY_E* code otherwise) and leaves a
 * human-readable message in a thread-local slot that assay_last_error() reads. */
#ifndef ASSAY_UTIL_ERROR_H
#define ASSAY_UTIL_ERROR_H

#include "assay.h"

/* Record `code` with a formatted message and return `code`, so callers can
 * write `return util_error(ASSAY_ESYNTAX, "%s:%u: ...", ...)`. */
int util_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void util_error_clear(void);

#endif
