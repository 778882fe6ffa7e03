/* hashslots.c — see hashslots.h. */
#include "hashslots.h"

#include <stdlib.h>
#include <string.h>

/* From slot k on (k included), the first slot holding `hash`, or SIZE_MAX
 * at the first empty one. */
static size_t scan(const struct util_hashslots *t, uint64_t hash, size_t k)
{
    size_t mask = t->cap - 1;
    for (; t->slots[k].value; k = (k + 1) & mask)
        if (t->slots[k].hash == hash)
            return k;
    return SIZE_MAX;
}

size_t util_hashslots_first(const struct util_hashslots *t, uint64_t hash)
{
    return t->cap ? scan(t, hash, hash & (t->cap - 1)) : SIZE_MAX;
}

size_t util_hashslots_next(const struct util_hashslots *t, uint64_t hash, size_t k)
{
    return scan(t, hash, (k + 1) & (t->cap - 1));
}

static void put(struct util_hashslot *slots, size_t cap, struct util_hashslot s)
{
    size_t k = s.hash & (cap - 1);
    while (slots[k].value)
        k = (k + 1) & (cap - 1);
    slots[k] = s;
}

int util_hashslots_add(struct util_hashslots *t, uint64_t hash, uint32_t value)
{
    if (2 * (t->used + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        struct util_hashslot *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t k = 0; k < t->cap; k++)
            if (t->slots[k].value)
                put(slots, cap, t->slots[k]);
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    put(t->slots, t->cap, (struct util_hashslot){.hash = hash, .value = value + 1});
    t->used++;
    return 0;
}

void util_hashslots_free(struct util_hashslots *t)
{
    free(t->slots);
    memset(t, 0, sizeof *t);
}
