/* buf.h — growable byte buffer and typed vector, the one container of libassay.
 *
 * A util_buf owns a heap block that doubles when it fills. util_vec_* macros
 * give a typed view over the same growth rule so every array of records in the
 * signature database (hashes, body signatures, pattern nodes) grows the same way
 * and can be written to a compiled database as one contiguous block. */
#ifndef ASSAY_UTIL_BUF_H
#define ASSAY_UTIL_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

struct util_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

/* Make room for `extra` more bytes; returns 0 or -1 when memory is exhausted. */
int util_buf_reserve(struct util_buf *b, size_t extra);
int util_buf_append(struct util_buf *b, const void *p, size_t n);
int util_buf_append_byte(struct util_buf *b, uint8_t c);
/* Append a NUL-terminated copy of s; returns the offset of the copy or -1. */
int64_t util_buf_append_cstr(struct util_buf *b, const char *s);
int util_buf_printf(struct util_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void util_buf_free(struct util_buf *b);

/* Typed vector: struct { T *v; size_t n, cap; }. */
#define UTIL_VEC(T) struct { T *v; size_t n, cap; }
int util_vec_grow_(void **v, size_t *cap, size_t need, size_t elem);
#define util_vec_push(vec, item)                                                        \
    (((vec)->n < (vec)->cap ||                                                          \
      util_vec_grow_((void **)&(vec)->v, &(vec)->cap, (vec)->n + 1, sizeof(*(vec)->v)) == 0) \
         ? ((vec)->v[(vec)->n++] = (item), 0)                                           \
         : -1)
#define util_vec_reserve(vec, count)                                                    \
    (((vec)->n + (count) <= (vec)->cap) ? 0                                             \
         : util_vec_grow_((void **)&(vec)->v, &(vec)->cap, (vec)->n + (count), sizeof(*(vec)->v)))
/* Give back the unused capacity of a vector that will not grow again. */
void util_vec_shrink_(void **v, size_t *cap, size_t n, size_t elem);
#define util_vec_shrink(vec) util_vec_shrink_((void **)&(vec)->v, &(vec)->cap, (vec)->n, sizeof(*(vec)->v))
#define util_vec_free(vec) (free((vec)->v), (vec)->v = NULL, (vec)->n = (vec)->cap = 0)

#endif
