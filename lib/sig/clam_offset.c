/* clam_offset.c — the offset field of ClamAV body signatures (see clam_offset.h). */
#include "clam_offset.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CLAM_MAX_OFFSET ((uint64_t)1 << 62)

/* Parse an unsigned decimal at s[*i]; false when there is none or it is huge. */
static bool take_number(const char *s, size_t len, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && isdigit((unsigned char)s[*i])) {
        v = v * 10 + (uint64_t)(s[*i] - '0');
        if (v > CLAM_MAX_OFFSET)
            return false;
        (*i)++;
    }
    *out = v;
    return *i > start;
}

static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

/* "+n" or "-n" at s[*i] (sign required); *out gets the signed value. */
static bool take_signed(const char *s, size_t len, size_t *i, int64_t *out)
{
    if (*i >= len || (s[*i] != '+' && s[*i] != '-'))
        return false;
    bool neg = s[*i] == '-';
    (*i)++;
    uint64_t v;
    if (!take_number(s, len, i, &v))
        return false;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

int clam_offset_parse(const char *s, size_t len, struct sig_body *body, char *err, size_t errlen)
{
    size_t i = 0;
    uint64_t n = 0;
    int64_t sn = 0;
    body->offset = 0;
    body->offset_range = 0;
    body->section = 0;
    if (len == 1 && s[0] == '*') {
        body->offset_kind = SIG_OFF_ANY;
        return 0;
    }
    if (starts_with(s, len, "EOF-")) {
        i = 4;
        if (!take_number(s, len, &i, &n))
            goto bad;
        body->offset_kind = SIG_OFF_EOF;
        body->offset = (int64_t)n;
    } else if (starts_with(s, len, "EP")) {
        i = 2;
        if (!take_signed(s, len, &i, &sn))
            goto bad;
        body->offset_kind = SIG_OFF_EP;
        body->offset = sn;
    } else if (starts_with(s, len, "SL")) {
        i = 2;
        if (!take_signed(s, len, &i, &sn))
            goto bad;
        body->offset_kind = SIG_OFF_LAST_SECTION;
        body->offset = sn;
    } else if (starts_with(s, len, "SE")) {
        i = 2;
        if (!take_number(s, len, &i, &n) || n > UINT16_MAX)
            goto bad;
        body->offset_kind = SIG_OFF_SECTION_ALL;
        body->section = (uint16_t)n;
    } else if (len > 0 && s[0] == 'S') {
        i = 1;
        if (!take_number(s, len, &i, &n) || n > UINT16_MAX || !take_signed(s, len, &i, &sn))
            goto bad;
        body->offset_kind = SIG_OFF_SECTION;
        body->section = (uint16_t)n;
        body->offset = sn;
    } else {
        if (!take_number(s, len, &i, &n))
            goto bad;
        body->offset_kind = SIG_OFF_ABS;
        body->offset = (int64_t)n;
    }
    if (i < len && s[i] == ',') {
        i++;
        if (!take_number(s, len, &i, &n))
            goto bad;
        if (body->offset_kind == SIG_OFF_SECTION_ALL)
            goto bad;
        body->offset_range = n;
    }
    if (i != len)
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, "invalid offset '%.*s' (expected *, n, EOF-n, EP+n, EP-n, Sx+n, SEx, SL+n, optionally ',m')",
             (int)(len > 64 ? 64 : len), s);
    return -1;
}
