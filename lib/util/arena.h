/* arena.h — bump allocator for many small objects freed together (a parsed
 * rule file, an inventory). Blocks of 2 KiB, doubling up to 64 KiB (bigger
 * for a bigger allocation); every allocation is zeroed and max_align_t
 * aligned; nothing is freed before util_arena_free. */
#ifndef ASSAY_UTIL_ARENA_H
#define ASSAY_UTIL_ARENA_H

#include <stddef.h>

struct util_arena_block;
struct util_arena {
    struct util_arena_block *head;
};

void *util_arena_alloc(struct util_arena *a, size_t size); /* zeroed; NULL on OOM */
char *util_arena_strndup(struct util_arena *a, const char *s, size_t n);
char *util_arena_strdup(struct util_arena *a, const char *s); /* NULL s gives NULL */
void util_arena_free(struct util_arena *a);

#endif
