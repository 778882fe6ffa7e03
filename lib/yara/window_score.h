/* window_score.h — a guess at how rarely a window of bytes occurs in files:
 * which 8 bytes of a string the first pass's Vectorscan literal is, and
 * which run around YARA's atom it moves to (compile_strings.c). Only used to
 * compare windows; the scale is the sum of a score of 1-4 per byte (00
 * lowest; filler, the commonest x86 instruction bytes and English letters
 * lower than the others; a byte repeating the one before it 1), plus 2 for
 * a window holding the end of one word and the start of the next. */
#ifndef ASSAY_YARA_WINDOW_SCORE_H
#define ASSAY_YARA_WINDOW_SCORE_H

#include <stddef.h>
#include <stdint.h>

/* Vectorscan's literal matcher filters on at most 8 bytes of a literal:
 * longer ones only add work (measured: elastic's literals cut to their best
 * 8 bytes are found 1.3x faster, its binary ones 2x). */
#define YARA_LITERAL_MAX 8

/* The score of p[0..n). */
int ywindow_score(const uint8_t *p, size_t n);

/* The best window of at most YARA_LITERAL_MAX bytes of p[0..n): its offset,
 * its length in *len (0 when n is 0). A leading 00 costs 2 (Vectorscan's
 * literal API refuses it: the slower regex database). */
size_t ywindow_best(const uint8_t *p, size_t n, size_t *len);

#endif
