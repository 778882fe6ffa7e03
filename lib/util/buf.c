/* buf.c — growable byte buffer and vector growth (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int util_vec_grow_(void **v, size_t *cap, size_t need, size_t elem)
{
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return -1;
        ncap *= 2;
    }
    void *nv = realloc(*v, ncap * elem);
    if (!nv)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

void util_vec_shrink_(void **v, size_t *cap, size_t n, size_t elem)
{
    if (n == 0 || n >= *cap)
        return;
    void *nv = realloc(*v, n * elem);
    if (nv) {
        *v = nv;
        *cap = n;
    }
}

int util_buf_reserve(struct util_buf *b, size_t extra)
{
    if (b->len + extra < b->len)
        return -1;
    if (b->len + extra <= b->cap)
        return 0;
    void *p = b->data;
    size_t cap = b->cap;
    if (util_vec_grow_(&p, &cap, b->len + extra, 1) != 0)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int util_buf_append(struct util_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (util_buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int util_buf_append_byte(struct util_buf *b, uint8_t c)
{
    return util_buf_append(b, &c, 1);
}

int64_t util_buf_append_cstr(struct util_buf *b, const char *s)
{
    size_t off = b->len;
    if (util_buf_append(b, s, strlen(s) + 1) != 0)
        return -1;
    return (int64_t)off;
}

int util_buf_printf(struct util_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || util_buf_reserve(b, (size_t)n + 1) != 0) {
        va_end(ap2);
        return -1;
    }
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return 0;
}

void util_buf_free(struct util_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
