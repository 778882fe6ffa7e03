/* hashslots.h — an index from 64-bit hashes to 32-bit values, as an
 * open-addressing table that doubles when half full. A hash only finds
 * candidates: the caller compares each whole, since different keys may
 * share a hash. Nothing is ever removed (a caller that must forget a value
 * marks it dead in its own records). */
#ifndef ASSAY_UTIL_HASHSLOTS_H
#define ASSAY_UTIL_HASHSLOTS_H

#include <stddef.h>
#include <stdint.h>

struct util_hashslot {
    uint64_t hash;
    uint32_t value; /* stored plus one; 0: an empty slot */
};

struct util_hashslots {
    struct util_hashslot *slots; /* cap of them, a power of two */
    size_t cap, used;
};

/* Add (hash, value); 0, or -1 on ENOMEM (the table unchanged). */
int util_hashslots_add(struct util_hashslots *t, uint64_t hash, uint32_t value);

/* The candidates for `hash`:
 *     for (size_t k = util_hashslots_first(t, hash); k != SIZE_MAX; k = util_hashslots_next(t, hash, k))
 *         ... t->slots[k].value - 1 ... */
size_t util_hashslots_first(const struct util_hashslots *t, uint64_t hash);
size_t util_hashslots_next(const struct util_hashslots *t, uint64_t hash, size_t k);

void util_hashslots_free(struct util_hashslots *t);

#endif
