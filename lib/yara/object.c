/* object.c — module schemas and per-object value trees (see object.h). */
#include "object.h"

#include <stdlib.h>
#include <string.h>

/* ---- arena ---------------------------------------------------------------- */

struct yobj_arena_block {
    struct yobj_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK (64 * 1024)

void *yobj_arena_alloc(struct yobj_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    struct yobj_arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t want = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        struct yobj_arena_block *nb = malloc(sizeof *nb + want);
        if (!nb)
            return NULL;
        nb->size = want;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

void yobj_arena_reset(struct yobj_arena *a)
{
    struct yobj_arena_block *b = a->head;
    if (!b)
        return;
    /* Keep the newest block (usually the only one) for the next object. */
    struct yobj_arena_block *rest = b->next;
    while (rest) {
        struct yobj_arena_block *next = rest->next;
        free(rest);
        rest = next;
    }
    b->next = NULL;
    b->used = 0;
}

void yobj_arena_free(struct yobj_arena *a)
{
    struct yobj_arena_block *b = a->head;
    while (b) {
        struct yobj_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

/* ---- schema ------------------------------------------------------------- */

static size_t member_count(const struct yobj_decl *d)
{
    size_t n = 0;
    while (d->members && d->members[n].name)
        n++;
    return n;
}

const struct yobj_decl *yobj_decl_member(const struct yobj_decl *d, const char *name)
{
    if (!d || d->type != YOBJ_STRUCT)
        return NULL;
    for (size_t i = 0; d->members[i].name; i++)
        if (strcmp(d->members[i].name, name) == 0)
            return &d->members[i];
    return NULL;
}

const struct yobj_overload *yobj_decl_overload(const struct yobj_decl *d, const char *signature)
{
    if (!d || d->type != YOBJ_FUNC)
        return NULL;
    for (size_t i = 0; d->overloads[i].args; i++)
        if (strcmp(d->overloads[i].args, signature) == 0)
            return &d->overloads[i];
    return NULL;
}

/* ---- values ------------------------------------------------------------- */

static int init_value(struct yobj_arena *a, struct yobj *o, const struct yobj_decl *d)
{
    memset(o, 0, sizeof *o);
    o->decl = d;
    if (d->type == YOBJ_STRUCT) {
        size_t n = member_count(d);
        o->members = yobj_arena_alloc(a, n * sizeof *o->members);
        if (n && !o->members)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (init_value(a, &o->members[i], &d->members[i]) != 0)
                return -1;
        o->defined = true; /* a struct exists; its members may not */
    }
    return 0;
}

struct yobj *yobj_new(struct yobj_arena *a, const struct yobj_decl *d)
{
    struct yobj *o = yobj_arena_alloc(a, sizeof *o);
    if (!o || init_value(a, o, d) != 0)
        return NULL;
    return o;
}

void yobj_set_int(struct yobj *o, int64_t v)
{
    o->i = v;
    o->defined = true;
}

void yobj_set_float(struct yobj *o, double v)
{
    o->f = v;
    o->defined = true;
}

int yobj_set_string(struct yobj_arena *a, struct yobj *o, const void *s, size_t n)
{
    uint8_t *copy = yobj_arena_alloc(a, n + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, n);
    o->s = copy;
    o->n = n;
    o->defined = true;
    return 0;
}

struct yobj *yobj_member(struct yobj *o, const char *name)
{
    if (!o || o->decl->type != YOBJ_STRUCT)
        return NULL;
    for (size_t i = 0; o->decl->members[i].name; i++)
        if (strcmp(o->decl->members[i].name, name) == 0)
            return &o->members[i];
    return NULL;
}

struct yobj *yobj_array_resize(struct yobj_arena *a, struct yobj *o, size_t n)
{
    if (o->decl->type != YOBJ_ARRAY || (n && n > SIZE_MAX / sizeof *o->items))
        return NULL;
    struct yobj *items = yobj_arena_alloc(a, n * sizeof *items);
    if (n && !items)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (init_value(a, &items[i], o->decl->element) != 0)
            return NULL;
    o->items = items;
    o->n = n;
    o->defined = true;
    return items;
}

struct yobj *yobj_dict_add(struct yobj_arena *a, struct yobj *o, const char *key)
{
    if (o->decl->type != YOBJ_DICT)
        return NULL;
    /* Grow by copying into the arena: dictionaries are small (version info). */
    struct yobj *items = yobj_arena_alloc(a, (o->n + 1) * sizeof *items);
    const char **keys = yobj_arena_alloc(a, (o->n + 1) * sizeof *keys);
    size_t klen = strlen(key);
    char *kcopy = yobj_arena_alloc(a, klen + 1);
    if (!items || !keys || !kcopy)
        return NULL;
    if (o->n) {
        memcpy(items, o->items, o->n * sizeof *items);
        memcpy(keys, o->keys, o->n * sizeof *keys);
    }
    memcpy(kcopy, key, klen);
    keys[o->n] = kcopy;
    if (init_value(a, &items[o->n], o->decl->element) != 0)
        return NULL;
    o->items = items;
    o->keys = keys;
    o->n++;
    o->defined = true;
    return &items[o->n - 1];
}

struct yobj *yobj_index(struct yobj *o, int64_t i)
{
    if (!o || o->decl->type != YOBJ_ARRAY || i < 0 || (uint64_t)i >= o->n)
        return NULL;
    return &o->items[i];
}

struct yobj *yobj_lookup(struct yobj *o, const uint8_t *key, size_t n)
{
    if (!o || o->decl->type != YOBJ_DICT)
        return NULL;
    for (size_t i = 0; i < o->n; i++)
        if (strlen(o->keys[i]) == n && memcmp(o->keys[i], key, n) == 0)
            return &o->items[i];
    return NULL;
}

/* ---- function results ------------------------------------------------------- */

void yobj_ret_int(struct yobj_result *out, int64_t v)
{
    out->type = YOBJ_INT;
    out->defined = true;
    out->i = v;
}

void yobj_ret_float(struct yobj_result *out, double v)
{
    out->type = YOBJ_FLOAT;
    out->defined = true;
    out->f = v;
}

void yobj_ret_string(const struct yobj_call *call, struct yobj_result *out, const char *s)
{
    size_t n = strlen(s);
    uint8_t *copy = yobj_arena_alloc(call->arena, n + 1);
    out->type = YOBJ_STRING;
    if (!copy)
        return; /* undefined */
    memcpy(copy, s, n);
    out->s = copy;
    out->n = n;
    out->defined = true;
}
