/* verify.c — confirming a body signature around a candidate position (see verify.h).
 *
 * Matching is a depth-first walk over the node list. Only gaps and
 * alternatives branch; exact bytes, nibbles and classes advance by one. The
 * walk tries the shortest gap first, so the match it reports is the one
 * closest to the anchor. Forward and backward halves are independent once the
 * atom position is fixed, so each is searched on its own: the start
 * constraints (offset, fullword) only concern the backward half and the end
 * constraint (fullword) only the forward half. */
#include "verify.h"

#include <ctype.h>

struct walk {
    struct verify_input *in;
    const struct pat_node *nodes;
    bool exhausted;
    uint64_t found;              /* start (backward) or end (forward) of the match */
};

static bool is_word_byte(uint8_t c)
{
    return isalnum(c) != 0;
}

/* Node indexes are checked here rather than when a compiled database is
 * loaded: validating every node up front would make all of them resident,
 * and only the nodes of signatures whose atom hit are ever followed. */
static bool alt_ok(const struct sigdb *db, const struct pat_node *n)
{
    if (n->b == 0 || n->a > db->altopts.n || n->b > db->altopts.n - n->a)
        return false;
    for (uint32_t k = 0; k < n->b; k++) {
        const struct pat_altopt *o = &db->altopts.v[n->a + k];
        if (o->offset > db->altbytes.len || o->len > db->altbytes.len - o->offset)
            return false;
    }
    return true;
}

static bool byte_matches(const struct walk *w, const struct pat_node *n, uint8_t c)
{
    if (n->kind == PN_CLASS) {
        if (n->a >= w->in->db->classes.n)
            return false;
        const struct pat_class *cl = &w->in->db->classes.v[n->a];
        return (cl->bits[c >> 3] >> (c & 7)) & 1;
    }
    if ((c & n->mask) == n->value)
        return true;
    if ((w->in->body->flags & SIG_F_NOCASE) && n->mask == 0xff)
        return tolower(c) == tolower(n->value);
    return false;
}

static bool bytes_equal(const struct walk *w, const uint8_t *a, const uint8_t *b, size_t n)
{
    bool nocase = w->in->body->flags & SIG_F_NOCASE;
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i] && !(nocase && tolower(a[i]) == tolower(b[i])))
            return false;
    return true;
}

static bool spend(struct walk *w)
{
    if (w->in->budget == 0) {
        w->exhausted = true;
        return false;
    }
    w->in->budget--;
    return true;
}

static bool start_allowed(const struct walk *w, uint64_t start)
{
    const struct verify_input *in = w->in;
    if (start < in->span.start_lo || start > in->span.start_hi)
        return false;
    if ((in->body->flags & SIG_F_FULLWORD) && start > 0 && is_word_byte(in->data[start - 1]))
        return false;
    return true;
}

static bool end_allowed(const struct walk *w, uint64_t end)
{
    const struct verify_input *in = w->in;
    if ((in->body->flags & SIG_F_FULLWORD) && end < in->len && is_word_byte(in->data[end]))
        return false;
    return true;
}

/* Match nodes [i, count) starting at pos. */
static bool forward(struct walk *w, uint32_t i, uint32_t count, uint64_t pos)
{
    const struct sigdb *db = w->in->db;
    const uint8_t *d = w->in->data;
    uint64_t len = w->in->len;
    for (; i < count; i++) {
        if (!spend(w))
            return false;
        const struct pat_node *n = &w->nodes[i];
        switch (n->kind) {
        case PN_BYTE:
        case PN_CLASS:
            if (pos >= len || !byte_matches(w, n, d[pos]))
                return false;
            pos++;
            break;
        case PN_ALT: {
            if (!alt_ok(db, n))
                return false;
            const struct pat_altopt *opt = &db->altopts.v[n->a];
            if (n->negated) {
                uint32_t l = opt[0].len;
                if (pos + l > len)
                    return false;
                for (uint32_t k = 0; k < n->b; k++)
                    if (bytes_equal(w, d + pos, db->altbytes.data + opt[k].offset, l))
                        return false;
                pos += l;
                break;
            }
            for (uint32_t k = 0; k < n->b; k++)
                if (pos + opt[k].len <= len && bytes_equal(w, d + pos, db->altbytes.data + opt[k].offset, opt[k].len) &&
                    forward(w, i + 1, count, pos + opt[k].len))
                    return true;
            return false;
        }
        default: /* unknown kind (a forged compiled file): never matches */
            return false;
        case PN_GAP: {
            uint64_t hi = n->b == SIG_GAP_INF ? len - (pos < len ? pos : len) : n->b;
            if (pos + n->a > len)
                return false;
            if (i + 1 == count) { /* trailing gap: shortest satisfying end */
                pos += n->a;
                break;
            }
            for (uint64_t k = n->a; k <= hi && pos + k <= len; k++) {
                if (forward(w, i + 1, count, pos + k))
                    return true;
                if (w->exhausted)
                    return false;
            }
            return false;
        }
        }
    }
    if (!end_allowed(w, pos))
        return false;
    w->found = pos;
    return true;
}

/* Match nodes [0, i) so that they end exactly at pos (exclusive), walking backwards. */
static bool backward(struct walk *w, uint32_t i, uint64_t pos)
{
    const struct sigdb *db = w->in->db;
    const uint8_t *d = w->in->data;
    for (; i > 0; i--) {
        if (!spend(w))
            return false;
        const struct pat_node *n = &w->nodes[i - 1];
        switch (n->kind) {
        case PN_BYTE:
        case PN_CLASS:
            if (pos == 0 || !byte_matches(w, n, d[pos - 1]))
                return false;
            pos--;
            break;
        case PN_ALT: {
            if (!alt_ok(db, n))
                return false;
            const struct pat_altopt *opt = &db->altopts.v[n->a];
            if (n->negated) {
                uint32_t l = opt[0].len;
                if (pos < l)
                    return false;
                for (uint32_t k = 0; k < n->b; k++)
                    if (bytes_equal(w, d + pos - l, db->altbytes.data + opt[k].offset, l))
                        return false;
                pos -= l;
                break;
            }
            for (uint32_t k = 0; k < n->b; k++)
                if (pos >= opt[k].len && bytes_equal(w, d + pos - opt[k].len, db->altbytes.data + opt[k].offset, opt[k].len) &&
                    backward(w, i - 1, pos - opt[k].len))
                    return true;
            return false;
        }
        default:
            return false;
        case PN_GAP: {
            if (pos < n->a)
                return false;
            uint64_t hi = n->b == SIG_GAP_INF ? pos : n->b;
            for (uint64_t k = n->a; k <= hi && k <= pos; k++) {
                if (backward(w, i - 1, pos - k))
                    return true;
                if (w->exhausted)
                    return false;
            }
            return false;
        }
        }
    }
    if (!start_allowed(w, pos))
        return false;
    w->found = pos;
    return true;
}

static enum verify_result outcome(const struct walk *w, bool ok)
{
    if (ok)
        return VERIFY_YES;
    return w->exhausted ? VERIFY_BUDGET : VERIFY_NO;
}

enum verify_result verify_at_atom(struct verify_input *in, uint64_t atom_pos, uint64_t *start, uint64_t *end)
{
    const struct sig_body *b = in->body;
    struct walk w = {.in = in, .nodes = in->db->nodes.v + b->node_first};
    /* Vectorscan already matched the atom, case-insensitively where asked. */
    if (!forward(&w, b->atom_first + b->atom_len, b->node_count, atom_pos + b->atom_len))
        return outcome(&w, false);
    *end = w.found;
    if (!backward(&w, b->atom_first, atom_pos))
        return outcome(&w, false);
    *start = w.found;
    return VERIFY_YES;
}

enum verify_result verify_ending_at(struct verify_input *in, uint64_t end_pos, uint64_t *start)
{
    struct walk w = {.in = in, .nodes = in->db->nodes.v + in->body->node_first};
    if (!end_allowed(&w, end_pos))
        return VERIFY_NO;
    bool ok = backward(&w, in->body->node_count, end_pos);
    if (ok)
        *start = w.found;
    return outcome(&w, ok);
}

enum verify_result verify_starting_at(struct verify_input *in, uint64_t start_pos, uint64_t *end)
{
    struct walk w = {.in = in, .nodes = in->db->nodes.v + in->body->node_first};
    if (!start_allowed(&w, start_pos))
        return VERIFY_NO;
    bool ok = forward(&w, 0, in->body->node_count, start_pos);
    if (ok)
        *end = w.found;
    return outcome(&w, ok);
}
