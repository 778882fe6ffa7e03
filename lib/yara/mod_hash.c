/* mod_hash.c — digests, CRC-32, checksum and string conversion for YARA's
 * hash and string modules (see mod_hash.h). */
#include "mod_hash.h"

#include <ctype.h>
#include <openssl/evp.h>

bool yara_hash_hex(enum yara_digest kind, const uint8_t *p, size_t n, char out[65])
{
    const EVP_MD *md = kind == YARA_MD5 ? EVP_md5() : kind == YARA_SHA1 ? EVP_sha1() : EVP_sha256();
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (EVP_Digest(p, n, d, &dlen, md, NULL) != 1 || dlen > 32)
        return false;
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < dlen; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * dlen] = 0;
    return true;
}

/* Bitwise CRC-32 with the reflected polynomial 0xEDB88320: the values YARA's
 * rules are written against are zlib's. A table would be faster; rules hash
 * small ranges, and this keeps the code obvious. */
uint32_t yara_hash_crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

uint32_t yara_hash_checksum32(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i];
    return sum;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'z') return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
    return 99;
}

bool yara_string_to_int(const char *s, size_t len, int base, int64_t *out)
{
    if (base != 0 && (base < 2 || base > 36))
        return false;
    size_t i = 0;
    while (i < len && isspace((unsigned char)s[i]))
        i++;
    bool negative = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        negative = s[i++] == '-';
    if (base == 0 || base == 16) {
        bool hex_prefix = i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
        if (hex_prefix) {
            i += 2;
            base = 16;
        } else if (base == 0) {
            base = (i < len && s[i] == '0') ? 8 : 10;
        }
    }
    size_t first = i;
    /* Accumulate as a negative number: it reaches INT64_MIN without overflow. */
    int64_t v = 0;
    for (; i < len; i++) {
        int d = digit_value(s[i]);
        if (d >= base)
            return false;
        if (v < (INT64_MIN + d) / base)
            return false;
        v = v * base - d;
    }
    if (i == first)
        return false;
    if (!negative) {
        if (v == INT64_MIN)
            return false;
        v = -v;
    }
    *out = v;
    return true;
}
