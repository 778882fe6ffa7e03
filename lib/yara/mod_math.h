/* mod_math.h — the computations behind YARA's "math" module, as plain
 * functions over a byte range. The module glue (names, argument forms,
 * undefined results) maps YARA's calls onto these:
 *   math.entropy(offset, size) / math.entropy(string)     -> yara_math_entropy
 *   math.mean / deviation / serial_correlation / monte_carlo_pi  likewise
 *   math.count(byte[, offset, size]), percentage, mode     -> yara_math_histogram
 * A range is valid when offset >= 0, size >= 0 and offset < length; it is
 * clipped to the data (yara_math_range). Invalid ranges make the YARA value
 * undefined. */
#ifndef ASSAY_YARA_MOD_MATH_H
#define ASSAY_YARA_MOD_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Resolve (offset, size) against data of length len; false when undefined. */
bool yara_math_range(size_t len, int64_t offset, int64_t size, size_t *start, size_t *count);

/* Shannon entropy in bits per byte (0 for no bytes). */
double yara_math_entropy(const uint8_t *p, size_t n);
/* Arithmetic mean of the byte values (0 for no bytes). */
double yara_math_mean(const uint8_t *p, size_t n);
/* Mean absolute deviation of the byte values from `mean`. */
double yara_math_deviation(const uint8_t *p, size_t n, double mean);
/* Serial correlation coefficient of consecutive bytes, the last paired with
 * the first (as the `ent` program computes it); -100000 when undefined. */
double yara_math_serial_correlation(const uint8_t *p, size_t n);
/* Relative error of the Monte Carlo estimate of pi from 6-byte points;
 * false when there is no complete point. */
bool yara_math_monte_carlo_pi(const uint8_t *p, size_t n, double *error);
/* Occurrences of every byte value. */
void yara_math_histogram(const uint8_t *p, size_t n, uint64_t counts[256]);
/* The most frequent byte (the smallest value on a tie); -1 for no bytes. */
int yara_math_mode(const uint8_t *p, size_t n);

#endif
