/* idset.c — set of (uint64, uint64) pairs (see idset.h). */
#include "idset.h"

#include <stdlib.h>

static size_t slot_of(uint64_t a, uint64_t b, size_t cap)
{
    uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 29;
    return (size_t)h & (cap - 1);
}

static size_t find(const struct util_idset *s, uint64_t a, uint64_t b)
{
    size_t i = slot_of(a, b, s->cap);
    /* Stored as value+1 so that the all-zero pair means "empty". */
    while (s->slots[2 * i] || s->slots[2 * i + 1]) {
        if (s->slots[2 * i] == a + 1 && s->slots[2 * i + 1] == b + 1)
            return i;
        i = (i + 1) & (s->cap - 1);
    }
    return i;
}

static int grow(struct util_idset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 64;
    struct util_idset n = {calloc(ncap * 2, sizeof(uint64_t)), ncap, 0};
    if (!n.slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[2 * i] || s->slots[2 * i + 1]) {
            size_t j = find(&n, s->slots[2 * i] - 1, s->slots[2 * i + 1] - 1);
            n.slots[2 * j] = s->slots[2 * i];
            n.slots[2 * j + 1] = s->slots[2 * i + 1];
            n.count++;
        }
    free(s->slots);
    *s = n;
    return 0;
}

int util_idset_add(struct util_idset *s, uint64_t a, uint64_t b)
{
    if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
        return -1;
    size_t i = find(s, a, b);
    if (s->slots[2 * i] || s->slots[2 * i + 1])
        return 0;
    s->slots[2 * i] = a + 1;
    s->slots[2 * i + 1] = b + 1;
    s->count++;
    return 1;
}

bool util_idset_has(const struct util_idset *s, uint64_t a, uint64_t b)
{
    if (!s->cap)
        return false;
    size_t i = find(s, a, b);
    return s->slots[2 * i] || s->slots[2 * i + 1];
}

void util_idset_free(struct util_idset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->count = 0;
}
