/* string_share.c — a string defined word for word as an earlier one is not
 * compiled again (rules.h yrules_string_twin): its patterns are copies of
 * the earlier one's. Rule sets repeat strings across rules and files: 59%
 * of signature-base's hex strings and regular expressions repeat another
 * one, and their atoms and programs are most of compiling it.
 *
 * A definition is what compiling a string reads: its kind, modifiers
 * (`private` aside, which only hides its matches), regex flags, xor range,
 * base64 alphabet, and its text or hex tokens. It is kept written out as
 * bytes, because a file's syntax tree is compacted once it is compiled and
 * the compact copy keeps no string contents (ast.h). The slots of strings
 * a failed rule leaves behind are killed (their indices will name other
 * strings), not removed: later slots may have been probed past them. */
#include <stdlib.h>
#include <string.h>

#include "yara/rules.h"

/* A killed slot: never a twin (no string index reaches it), still probed past. */
#define DEAD_SLOT UINT32_MAX

static int put_bytes(struct util_buf *b, const void *p, size_t n)
{
    return util_buf_append(b, p, n);
}

static int put_u32(struct util_buf *b, uint32_t v)
{
    return put_bytes(b, &v, sizeof v);
}

static int put_hex(struct util_buf *b, const struct yara_hex_seq *seq)
{
    int rc = put_u32(b, (uint32_t)seq->count);
    for (size_t i = 0; i < seq->count && rc == 0; i++) {
        const struct yara_hex_token *t = &seq->tokens[i];
        uint8_t head[4] = {t->kind, t->value, t->mask, t->negated};
        rc = put_bytes(b, head, sizeof head);
        if (rc == 0 && t->alt_count) {
            rc = put_u32(b, t->alt_count);
            for (uint32_t a = 0; a < t->alt_count && rc == 0; a++)
                rc = put_hex(b, &t->alts[a]);
        } else if (rc == 0) {
            rc = put_u32(b, 0);
            if (rc == 0)
                rc = put_u32(b, (uint32_t)t->jump_min);
            if (rc == 0)
                rc = put_u32(b, (uint32_t)t->jump_max);
        }
    }
    return rc;
}

/* The definition of s written out into b (emptied first). */
static int write_definition(struct util_buf *b, const struct yara_string *s)
{
    b->len = 0;
    size_t alphabet = s->base64_alphabet ? strlen(s->base64_alphabet) : 0;
    uint32_t head[5] = {s->kind, s->modifiers & ~(unsigned)YARA_MOD_PRIVATE, s->regex_flags,
                        (uint32_t)s->xor_min << 8 | s->xor_max, s->base64_alphabet ? (uint32_t)alphabet + 1 : 0};
    int rc = put_bytes(b, head, sizeof head);
    if (rc == 0 && alphabet)
        rc = put_bytes(b, s->base64_alphabet, alphabet);
    if (rc == 0)
        rc = s->kind == YARA_STR_HEX ? put_hex(b, &s->hex) : put_bytes(b, s->text, s->text_len);
    return rc;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

static void put(struct ystring_slot *slots, size_t cap, struct ystring_slot s)
{
    size_t k = s.hash & (cap - 1);
    while (slots[k].string)
        k = (k + 1) & (cap - 1);
    slots[k] = s;
}

static bool grow(struct yrules *r)
{
    size_t cap = r->string_defs.cap ? 2 * r->string_defs.cap : 1024;
    struct ystring_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t k = 0; k < r->string_defs.cap; k++)
        if (r->string_defs.slots[k].string)
            put(slots, cap, r->string_defs.slots[k]);
    free(r->string_defs.slots);
    r->string_defs.slots = slots;
    r->string_defs.cap = cap;
    return true;
}

uint32_t yrules_string_twin(struct yrules *r, uint32_t string)
{
    struct util_buf *def = &r->string_defs.scratch, *kept = &r->string_defs.bytes;
    if (write_definition(def, r->strings.v[string].ast) != 0)
        return YRULES_NONE; /* out of memory: compiled, which only costs time */
    uint64_t hash = hash_bytes(def->data, def->len);
    if (r->string_defs.cap) {
        size_t mask = r->string_defs.cap - 1;
        for (size_t k = hash & mask; r->string_defs.slots[k].string; k = (k + 1) & mask) {
            const struct ystring_slot *s = &r->string_defs.slots[k];
            if (s->hash == hash && s->string != DEAD_SLOT && s->string - 1 < string && s->len == def->len &&
                memcmp(kept->data + s->offset, def->data, def->len) == 0)
                return s->string - 1;
        }
    }
    if (2 * (r->string_defs.used + 1) > r->string_defs.cap && !grow(r))
        return YRULES_NONE;
    struct ystring_slot slot = {.hash = hash, .string = string + 1, .offset = kept->len, .len = def->len};
    if (put_bytes(kept, def->data, def->len) != 0)
        return YRULES_NONE;
    put(r->string_defs.slots, r->string_defs.cap, slot);
    r->string_defs.used++;
    return YRULES_NONE;
}

void yrules_string_defs_roll_back(struct yrules *r, size_t strings)
{
    for (size_t k = 0; k < r->string_defs.cap; k++) {
        struct ystring_slot *s = &r->string_defs.slots[k];
        if (s->string && s->string != DEAD_SLOT && s->string - 1 >= strings)
            s->string = DEAD_SLOT;
    }
}

void yrules_forget_string_defs(struct yrules *r)
{
    free(r->string_defs.slots);
    util_buf_free(&r->string_defs.bytes);
    util_buf_free(&r->string_defs.scratch);
    memset(&r->string_defs, 0, sizeof r->string_defs);
}
