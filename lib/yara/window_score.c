/* window_score.c — how rarely a window of bytes is likely to occur in files,
 * the guess by which the first pass's literal is chosen (window_score.h). */
#include "yara/window_score.h"

#include <stdbool.h>

/* How much a byte narrows the search: filler bytes are poor (00 1, FF 20
 * CC 90 2), the bytes of the commonest x86 instructions (REX prefixes and
 * push/pop 40-5F, 01 0F 24 83 85 89 8B 8D C3 C7 E8) and the commonest
 * letters of English text (e t a o i n s r h l d c u) fair (3), the others
 * good (4). A table: atoms and windows are scored byte by byte, for every
 * position of every string. */
static const uint8_t byte_scores[256] = {
    1, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3, /* 00 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 10 */
    2, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 20 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 30 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 40 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 50 */
    4, 3, 4, 3, 3, 3, 4, 4, 3, 3, 4, 4, 3, 4, 3, 3, /* 60 */
    4, 4, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 70 */
    4, 4, 4, 3, 4, 3, 4, 4, 4, 3, 4, 3, 4, 3, 4, 4, /* 80 */
    2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* 90 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* a0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* b0 */
    4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4, 4, 2, 4, 4, 4, /* c0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* d0 */
    4, 4, 4, 4, 4, 4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4, /* e0 */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2, /* f0 */
};

static int byte_score(uint8_t c)
{
    return byte_scores[c];
}

static bool word_byte(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does the window hold the end of one word and the start of the next (two
 * word bytes, other bytes, two word bytes)? A single word, keyword or
 * name is far commoner in text than a given pair of them. */
static bool spans_words(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && !word_byte(p[i]))
        i++;
    size_t left = 0;
    for (; i < n; i++) {
        if (word_byte(p[i])) {
            left++;
            continue;
        }
        if (left >= 2) {
            size_t j = i;
            while (j < n && !word_byte(p[j]))
                j++;
            if (j + 2 <= n && word_byte(p[j]) && word_byte(p[j + 1]))
                return true;
        }
        left = 0;
    }
    return false;
}

/* What byte i of p adds to a window holding byte i - 1 too: a byte
 * repeating the one before it counts 1 (runs such as "--------" or "AAAA"
 * are common in files). */
static int next_byte_score(const uint8_t *p, size_t i)
{
    return p[i] == p[i - 1] ? 1 : byte_score(p[i]);
}

int ywindow_score(const uint8_t *p, size_t n)
{
    int s = spans_words(p, n) ? 2 : 0;
    for (size_t i = 0; i < n; i++)
        s += i > 0 ? next_byte_score(p, i) : byte_score(p[i]);
    return s;
}

/* The bytes' part of the score slides along; the words' bonus is looked
 * at only where it could make the window the best. */
size_t ywindow_best(const uint8_t *p, size_t n, size_t *len)
{
    size_t w = n < YARA_LITERAL_MAX ? n : YARA_LITERAL_MAX, best = 0;
    if (w == 0) {
        *len = 0;
        return 0;
    }
    int best_score = -1, tail = 0; /* tail: bytes 1..w-1 of the window at i */
    for (size_t k = 1; k < w; k++)
        tail += next_byte_score(p, k);
    for (size_t i = 0; i + w <= n; i++) {
        if (i > 0)
            tail += next_byte_score(p, i + w - 1) - next_byte_score(p, i);
        int s = byte_score(p[i]) + tail;
        if (p[i] == 0) /* a leading 00 needs the slower regex database */
            s -= 2;
        if (s + 2 > best_score && spans_words(p + i, w))
            s += 2;
        if (s > best_score) {
            best_score = s;
            best = i;
        }
    }
    *len = w;
    return best;
}
