/* byte_odds.h — a rough model of how often each byte value occurs in files
 * (zeros and spaces everywhere, ASCII letters and the commonest x86
 * instruction bytes often, other bytes rarely). Guesses, used only to
 * compare strings: which of a rule's strings opens its gate least often
 * (lib/engine/gating.c), and how often a whole regex or hex string may match
 * (compile_strings.c, ypattern.match_bits). */
#ifndef ASSAY_YARA_BYTE_ODDS_H
#define ASSAY_YARA_BYTE_ODDS_H

#include <stdint.h>

static inline double yara_byte_odds(uint8_t b)
{
    if (b == 0x00)
        return 1.0 / 4;
    if (b == 0xFF || b == ' ')
        return 1.0 / 8;
    if (b >= 'a' && b <= 'z') /* words are predictable: a few bits a letter */
        return 1.0 / 8;
    if (b >= 'A' && b <= 'Z')
        return 1.0 / 16;
    if (b >= '0' && b <= '9')
        return 1.0 / 12;
    if (b >= 0x21 && b < 0x7F)
        return 1.0 / 24;
    switch (b) {
    case 0x01: case 0x0f: case 0x83: case 0x85: case 0x89: case 0x8b: case 0x8d: case 0xc7: case 0xe8:
        return 1.0 / 32;
    default:
        return 1.0 / 128;
    }
}

#endif
