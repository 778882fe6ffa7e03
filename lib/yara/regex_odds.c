/* regex_odds.c — how rarely a regex or hex string matches (regex_odds.h).
 *
 * The odds that a match of a node starts at a given byte, by the byte model
 * of byte_odds.h: a class the sum of its bytes' odds, a sequence the product,
 * alternatives the sum, a repetition its minimum count of the node. */
#include <string.h>

#include "yara/byte_odds.h"
#include "yara/regex_odds.h"

#define ODDS_DEPTH_MAX 64 /* deeper nodes count as matching anywhere */

/* A class of more bytes than this matches about anywhere (odds 1): saves
 * summing the odds of `.` and `~XX` byte by byte. */
#define ODDS_CLASS_MAX 32

static double class_odds(const uint8_t set[32])
{
    uint64_t words[4];
    memcpy(words, set, sizeof words);
    unsigned count = 0;
    double odds = 0;
    for (int w = 0; w < 4; w++)
        for (uint64_t bits = words[w]; bits; bits &= bits - 1) {
            if (++count > ODDS_CLASS_MAX)
                return 1;
            odds += yara_byte_odds((uint8_t)(w * 64 + __builtin_ctzll(bits)));
        }
    return odds;
}

static double node_odds(const struct yara_regex_node *nodes, uint32_t idx, unsigned depth)
{
    const struct yara_regex_node *n = &nodes[idx];
    double odds = 1;
    if (depth > ODDS_DEPTH_MAX)
        return 1;
    switch (n->kind) {
    case YARA_REGEX_CLASS:
        odds = class_odds(n->set);
        break;
    case YARA_REGEX_CONCAT:
        for (uint32_t k = n->first_child; k != YARA_REGEX_NONE; k = nodes[k].next_sibling)
            odds *= node_odds(nodes, k, depth + 1);
        break;
    case YARA_REGEX_ALT:
        odds = 0;
        for (uint32_t k = n->first_child; k != YARA_REGEX_NONE; k = nodes[k].next_sibling)
            odds += node_odds(nodes, k, depth + 1);
        break;
    case YARA_REGEX_REPEAT: {
        double one = n->min ? node_odds(nodes, n->first_child, depth + 1) : 1;
        for (uint32_t i = 0; i < n->min && one < 1 && odds > 1e-80; i++)
            odds *= one;
        break;
    }
    default: /* EMPTY, ASSERT */
        break;
    }
    return odds < 1 ? odds : 1;
}

uint8_t yara_regex_match_bits(const struct yara_regex_node *nodes, const uint32_t *items, size_t nitems)
{
    double odds = 1;
    for (size_t i = 0; i < nitems && odds > 1e-80; i++)
        odds *= node_odds(nodes, items[i], 0);
    unsigned bits = 1;
    for (; odds < 0.5 && bits < 255; bits++)
        odds *= 2;
    return (uint8_t)bits;
}
