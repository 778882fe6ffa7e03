/* verify.h — confirming a body signature at a candidate position.
 *
 * Vectorscan finds where a signature's atom (a literal) occurs; the verifier
 * then checks the nodes before the atom backwards and the nodes after it
 * forwards, under the signature's start constraint (offset expression) and
 * fullword boundaries. Work per call is bounded by a step budget so a
 * pathological signature cannot stall a scan: when the budget runs out the
 * call reports VERIFY_BUDGET and the caller records a warning. */
#ifndef ASSAY_ENGINE_VERIFY_H
#define ASSAY_ENGINE_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../sig/sigdb.h"

enum verify_result { VERIFY_NO = 0, VERIFY_YES = 1, VERIFY_BUDGET = 2 };

struct verify_span {
    uint64_t start_lo, start_hi; /* allowed start positions (inclusive) */
};

struct verify_input {
    const struct sigdb *db;
    const struct sig_body *body;
    const uint8_t *data;
    size_t len;
    struct verify_span span;
    uint64_t budget;             /* steps left; decremented */
};

/* The atom of input->body occurs at `atom_pos`: does the whole signature match?
 * On VERIFY_YES, *start and *end delimit one match. */
enum verify_result verify_at_atom(struct verify_input *in, uint64_t atom_pos, uint64_t *start, uint64_t *end);

/* Some match ends exactly at `end_pos` (Vectorscan fallback regex): find its start. */
enum verify_result verify_ending_at(struct verify_input *in, uint64_t end_pos, uint64_t *start);

/* Does the signature match starting at `start_pos`? (anchored, atom-less signatures) */
enum verify_result verify_starting_at(struct verify_input *in, uint64_t start_pos, uint64_t *end);

#endif
