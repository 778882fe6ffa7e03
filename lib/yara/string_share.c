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
 * the compact copy keeps no string contents (ast.h). The definitions of
 * strings a failed rule leaves behind are marked dead (their indices will
 * name other strings). */
#include <stdlib.h>
#include <string.h>

#include "yara/rules.h"

/* The string of a definition a rolled-back rule left: never a twin. */
#define DEAD UINT32_MAX

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

uint32_t yrules_string_twin(struct yrules *r, uint32_t string)
{
    struct util_buf *def = &r->string_defs.scratch, *kept = &r->string_defs.bytes;
    if (write_definition(def, r->strings.v[string].ast) != 0)
        return YRULES_NONE; /* out of memory: compiled, which only costs time */
    uint64_t hash = hash_bytes(def->data, def->len);
    const struct util_hashslots *t = &r->string_defs.index;
    for (size_t k = util_hashslots_first(t, hash); k != SIZE_MAX; k = util_hashslots_next(t, hash, k)) {
        const struct ystring_def *d = &r->string_defs.defs.v[t->slots[k].value - 1];
        if (d->string != DEAD && d->string < string && d->len == def->len &&
            memcmp(kept->data + d->offset, def->data, def->len) == 0)
            return d->string;
    }
    struct ystring_def d = {.offset = kept->len, .len = (uint32_t)def->len, .string = string};
    if (def->len > UINT32_MAX || util_vec_push(&r->string_defs.defs, d) != 0)
        return YRULES_NONE;
    if (put_bytes(kept, def->data, def->len) != 0 ||
        util_hashslots_add(&r->string_defs.index, hash, (uint32_t)(r->string_defs.defs.n - 1)) != 0)
        r->string_defs.defs.n--;
    return YRULES_NONE;
}

void yrules_string_defs_roll_back(struct yrules *r, size_t strings)
{
    for (size_t i = 0; i < r->string_defs.defs.n; i++)
        if (r->string_defs.defs.v[i].string != DEAD && r->string_defs.defs.v[i].string >= strings)
            r->string_defs.defs.v[i].string = DEAD;
}

void yrules_forget_string_defs(struct yrules *r)
{
    util_hashslots_free(&r->string_defs.index);
    util_vec_free(&r->string_defs.defs);
    util_buf_free(&r->string_defs.bytes);
    util_buf_free(&r->string_defs.scratch);
}
