/* mod_hash.h — the computations behind YARA's "hash" and "string" modules.
 *   hash.md5/sha1/sha256(offset, size | string)  -> lowercase hex digest
 *   hash.crc32(...)      -> CRC-32 (IEEE 802.3, as zlib)
 *   hash.checksum32(...) -> the sum of the bytes, modulo 2^32
 *   string.to_int(s[, base]), string.length(s)
 * Ranges resolve as in mod_math.h (yara_math_range). */
#ifndef ASSAY_YARA_MOD_HASH_H
#define ASSAY_YARA_MOD_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yara_digest { YARA_MD5, YARA_SHA1, YARA_SHA256 };

/* Hex digest of p[0..n) into out (65 bytes is always enough); false on failure. */
bool yara_hash_hex(enum yara_digest kind, const uint8_t *p, size_t n, char out[65]);
uint32_t yara_hash_crc32(const uint8_t *p, size_t n);
uint32_t yara_hash_checksum32(const uint8_t *p, size_t n);

/* string.to_int: optional blanks, sign, then digits in `base` (0: 0x.. hex,
 * 0.. octal, else decimal; 2-36 otherwise), nothing after them. False (YARA:
 * undefined) for a bad base, no digits, trailing characters or overflow. */
bool yara_string_to_int(const char *s, size_t len, int base, int64_t *out);

#endif
