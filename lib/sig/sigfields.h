/* sigfields.h — splitting a signature line into separator-delimited fields,
 * shared by the ClamAV and IOC parsers. Fields point into the line; nothing
 * is copied. */
#ifndef ASSAY_SIG_SIGFIELDS_H
#define ASSAY_SIG_SIGFIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sig_field {
    const char *s;
    size_t len;
};

/* Split line on `sep` into at most `max` fields; the last field takes the
 * rest of the line. Returns the number of fields. */
static inline size_t sig_split(const char *line, size_t len, char sep, struct sig_field *f, size_t max)
{
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i == len || (line[i] == sep && n + 1 < max)) {
            f[n].s = line + start;
            f[n].len = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

/* An unsigned decimal of at most `max_digits` digits filling the whole field. */
static inline bool sig_field_uint(const struct sig_field *f, size_t max_digits, uint64_t *out)
{
    if (f->len == 0 || f->len > max_digits)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->s[i] < '0' || f->s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(f->s[i] - '0');
    }
    *out = v;
    return true;
}

#endif
