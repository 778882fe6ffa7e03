/* hexdigit.h — the value of a hexadecimal digit, shared by every parser
 * (ClamAV hex signatures, hashes, YARA strings, hex strings and regexes). */
#ifndef ASSAY_UTIL_HEXDIGIT_H
#define ASSAY_UTIL_HEXDIGIT_H

/* 0-15 for 0-9, a-f, A-F; -1 for anything else. */
static inline int util_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
