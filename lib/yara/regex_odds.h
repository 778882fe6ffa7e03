/* regex_odds.h — how rarely a regex or hex string matches.
 *
 * The literal Vectorscan searches for a long hex string is a few of its
 * bytes; the string as a whole is far rarer, and so a better gate
 * (lib/engine/gating.c, ypattern.match_bits). */
#ifndef ASSAY_YARA_REGEX_ODDS_H
#define ASSAY_YARA_REGEX_ODDS_H

#include <stddef.h>
#include <stdint.h>

#include "yara/regex.h"

/* -log2 of the odds, by the byte model of byte_odds.h, that a match of the
 * sequence items[0..nitems) (indices into nodes) starts at a given byte:
 * 1..255. */
uint8_t yara_regex_match_bits(const struct yara_regex_node *nodes, const uint32_t *items, size_t nitems);

#endif
