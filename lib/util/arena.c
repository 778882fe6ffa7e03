/* arena.c — see arena.h. */
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

/* Blocks start small and double up to ARENA_BLOCK_MAX: a rule set is often
 * a thousand files of a few KiB each, one arena per file, and a first block of
 * 16 KiB for each left 17 of elastic's 30 MB of syntax trees unused. */
#define ARENA_BLOCK_MIN 2048
#define ARENA_BLOCK_MAX 65536

struct util_arena_block {
    struct util_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

void *util_arena_alloc(struct util_arena *a, size_t size)
{
    size_t need = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (need < size)
        return NULL;
    struct util_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t grow = b == NULL ? ARENA_BLOCK_MIN : b->size >= ARENA_BLOCK_MAX / 2 ? ARENA_BLOCK_MAX : b->size * 2;
        size_t bsize = need > grow ? need : grow;
        b = malloc(sizeof *b + bsize);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->size = bsize;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    memset(p, 0, need);
    return p;
}

char *util_arena_strndup(struct util_arena *a, const char *s, size_t n)
{
    char *p = util_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *util_arena_strdup(struct util_arena *a, const char *s)
{
    return s == NULL ? NULL : util_arena_strndup(a, s, strlen(s));
}

void util_arena_free(struct util_arena *a)
{
    struct util_arena_block *b = a->head;
    while (b != NULL) {
        struct util_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}
