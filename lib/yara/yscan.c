/* yscan.c — string matches from atom hits, and rule evaluation (see yscan.h).
 *
 * Literal patterns are confirmed by comparing the whole literal around the
 * atom. Regex patterns (hex strings, regular expressions) have candidate
 * starts [atom - pre_max, atom - pre_min]; each start is tried once per
 * object (group_next remembers how far a pattern got, and hits arrive in
 * ascending order) with an anchored Pike-VM match, which gives YARA's match
 * length for that start. Matches of a string are kept sorted by offset, one
 * per offset, up to max_matches; more are dropped and the string is named in
 * a warning. */
#include "yara/yscan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay.h"
#include "util/error.h"
#include "yara/regex.h"

int yscan_init(struct yscan *y, const struct yrules *r)
{
    memset(y, 0, sizeof *y);
    y->r = r;
    size_t ns = r->strings.n ? r->strings.n : 1, ng = r->groups ? r->groups : 1;
    size_t nr = r->rules.n ? r->rules.n : 1, nv = r->max_vars ? r->max_vars : 1;
    y->lists = calloc(ns, sizeof *y->lists);
    y->group_next = calloc(ng, sizeof *y->group_next);
    y->group_stamp = calloc(ng, sizeof *y->group_stamp);
    y->rule_state = calloc(nr, 1);
    y->rule_matched = calloc(nr, sizeof *y->rule_matched);
    y->vars = calloc(nv, sizeof *y->vars);
    y->rx = yara_regex_scratch_new();
    y->back = malloc((YARA_REGEX_SCAN_LIMIT + 1) * sizeof *y->back);
    y->capped_string = YRULES_NONE;
    y->guarded = calloc(nr, sizeof *y->guarded);
    for (size_t i = 0; y->guarded && i < r->rules.n; i++) {
        const struct yguard *g = &r->rules.v[i].guard;
        if (g->nheader || g->size_min > 0 || g->size_max != UINT64_MAX)
            y->guarded[y->nguarded++] = (uint32_t)i;
    }
    if (!y->guarded || !y->back || !y->rule_matched || !y->lists || !y->group_next || !y->group_stamp || !y->rule_state || !y->vars || !y->rx) {
        yscan_free(y);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return ASSAY_OK;
}

int yscan_profile(struct yscan *y)
{
    if (!y->cost_ns)
        y->cost_ns = calloc(y->r->rules.n ? y->r->rules.n : 1, sizeof *y->cost_ns);
    return y->cost_ns ? ASSAY_OK : util_error(ASSAY_ENOMEM, "out of memory");
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void yscan_free(struct yscan *y)
{
    if (y->lists)
        for (size_t i = 0; i < y->r->strings.n; i++)
            free(y->lists[i].v);
    free(y->lists);
    free(y->group_next);
    free(y->group_stamp);
    free(y->rule_state);
    free(y->rule_matched);
    free(y->vars);
    yara_regex_scratch_free(y->rx);
    free(y->back);
    free(y->cost_ns);
    free(y->guarded);
    util_vec_free(&y->possible);
    yobj_arena_free(&y->arena);
    memset(y, 0, sizeof *y);
}

void yscan_begin(struct yscan *y, const uint8_t *data, size_t len, uint64_t max_matches, bool fast, bool has_ep,
                 uint64_t entrypoint)
{
    if (++y->generation == 0) {
        for (size_t i = 0; i < y->r->strings.n; i++)
            y->lists[i].stamp = 0;
        memset(y->group_stamp, 0, (y->r->groups ? y->r->groups : 1) * sizeof *y->group_stamp);
        memset(y->rule_matched, 0, (y->r->rules.n ? y->r->rules.n : 1) * sizeof *y->rule_matched);
        y->generation = 1;
    }
    memset(y->rule_state, 0, y->r->rules.n);
    y->data = data;
    y->len = len;
    y->max_matches = max_matches ? max_matches : YRULES_DEFAULT_MAX_MATCHES;
    y->fast = fast;
    y->has_ep = has_ep;
    y->entrypoint = entrypoint;
    y->capped_string = YRULES_NONE;
    y->error = 0;
    y->modules_loaded = 0;
    y->possible.n = 0;
    /* Rules whose guard fails are false before any hit is looked at. */
    for (size_t k = 0; k < y->nguarded; k++) {
        uint32_t i = y->guarded[k];
        const struct yguard *g = &y->r->rules.v[i].guard;
        bool ok = len >= g->size_min && len <= g->size_max;
        for (uint8_t h = 0; ok && h < g->nheader; h++) {
            struct yval v = yeval_read(y, g->header[h].reader, g->header[h].offset);
            ok = v.type == YV_INT && ((v.i == g->header[h].value) == (g->header[h].op == YN_EQ));
        }
        if (!ok)
            y->rule_state[i] = YRS_FALSE;
    }
}

void yscan_end(struct yscan *y)
{
    for (uint32_t i = 0; i < y->r->module_count; i++)
        if ((y->modules_loaded & (1u << i)) && y->r->modules[i]->unload && y->module_state[i])
            y->r->modules[i]->unload(y->module_state[i]);
    memset(y->module_state, 0, sizeof y->module_state);
    memset(y->module_root, 0, sizeof y->module_root);
    y->modules_loaded = 0;
    yobj_arena_reset(&y->arena);
}

/* ---- recording ---------------------------------------------------------------- */

static struct ymatch_list *list_of(struct yscan *y, uint32_t s)
{
    struct ymatch_list *l = &y->lists[s];
    if (l->stamp != y->generation) {
        l->stamp = y->generation;
        l->n = 0;
        l->capped = false;
    }
    return l;
}

/* Insert keeping offsets sorted and unique; hits come nearly in order. */
/* `replace`: a greedy regex's later match at the same start wins; `wide`:
 * found by the wide form — at one offset YARA keeps the ascii form's match. */
static void record(struct yscan *y, uint32_t s, uint64_t offset, uint64_t length, uint8_t key, bool replace,
                   bool wide)
{
    int64_t fixed = y->r->strings.v[s].fixed_offset;
    if (fixed >= 0 && offset != (uint64_t)fixed)
        return;
    struct ymatch_list *l = list_of(y, s);
    size_t at = l->n;
    while (at > 0 && l->v[at - 1].offset > offset)
        at--;
    if (at > 0 && l->v[at - 1].offset == offset) {
        struct ymatch *m = &l->v[at - 1];
        if (replace || (m->wide && !wide)) {
            m->length = length > UINT32_MAX ? UINT32_MAX : (uint32_t)length;
            m->xor_key = key;
            m->wide = wide;
        }
        return;
    }
    if (l->n >= y->max_matches) {
        if (!l->capped && y->capped_string == YRULES_NONE)
            y->capped_string = s;
        l->capped = true;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct ymatch *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            y->error = ASSAY_ENOMEM;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    y->rule_matched[y->r->strings.v[s].rule] = y->generation;
    memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof *l->v);
    l->v[at] = (struct ymatch){offset, length > UINT32_MAX ? UINT32_MAX : (uint32_t)length, key, wide};
    l->n++;
}

static bool string_done(struct yscan *y, uint32_t s)
{
    const struct ymatch_list *l = &y->lists[s];
    return l->stamp == y->generation && (l->capped || (y->fast && l->n > 0 && !y->r->strings.v[s].all_matches));
}

/* ---- confirming ---------------------------------------------------------------- */

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* fullword: no letter or digit (wide: no letter or digit followed by 00) next to the match. */
static bool fullword_ok(const struct yscan *y, uint64_t start, uint64_t len, bool wide)
{
    const uint8_t *d = y->data;
    uint64_t end = start + len;
    if (wide) {
        if (start >= 2 && d[start - 1] == 0 && is_alnum(d[start - 2]))
            return false;
        if (end + 1 < y->len && d[end + 1] == 0 && is_alnum(d[end]))
            return false;
        return true;
    }
    if (start >= 1 && is_alnum(d[start - 1]))
        return false;
    if (end < y->len && is_alnum(d[end]))
        return false;
    return true;
}

static bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n, bool nocase)
{
    if (!nocase)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (tolower(a[i]) != tolower(b[i]))
            return false;
    return true;
}

static void confirm_literal(struct yscan *y, const struct ypattern *p, uint64_t atom_start)
{
    if (atom_start < p->pre_min)
        return;
    uint64_t start = atom_start - p->pre_min;
    if (p->lit_len > y->len || start > y->len - p->lit_len)
        return;
    if (!same_bytes(y->data + start, yrules_bytes(y->r, p->lit), p->lit_len, p->flags & YPF_NOCASE))
        return;
    if ((p->flags & YPF_FULLWORD) && !fullword_ok(y, start, p->lit_len, p->flags & YPF_WIDE))
        return;
    record(y, p->string, start, p->lit_len, p->xor_key, false, p->flags & YPF_WIDE);
}

/* Can a match of p start at s? (its start-byte set, when it has one) */
static inline bool may_start(const struct yscan *y, const struct ypattern *p, uint64_t s)
{
    if (p->first == YRULES_NONE)
        return true;
    if (s >= y->len)
        return false;
    const uint8_t *set = y->r->first_sets.v[p->first].bits;
    uint8_t c = y->data[s];
    return (set[c >> 3] >> (c & 7)) & 1;
}

static void try_start(struct yscan *y, const struct ypattern *p, uint64_t s, bool allow_empty)
{
    if (!may_start(y, p, s))
        return;
    size_t mlen;
    bool oom = false;
    if (!yara_regex_match_at_with(y->rx, p->re, y->data, y->len, s, &mlen, &oom)) {
        if (oom)
            y->error = ASSAY_ENOMEM;
        return;
    }
    if (mlen == 0 && !allow_empty)
        return;
    if ((p->flags & YPF_FULLWORD) && !fullword_ok(y, s, mlen, p->flags & YPF_WIDE))
        return;
    record(y, p->string, s, mlen, 0, p->flags & YPF_GREEDY, p->flags & YPF_WIDE);
}

/* YARA's way for an atom at a known place in the expression: match forward
 * from the atom, backward from it for the part before, one match per hit. */
static void confirm_split(struct yscan *y, const struct ypattern *p, uint64_t atom_start)
{
    size_t flen, nback = 1;
    bool oom = false;
    if (!yara_regex_match_at_with(y->rx, p->fwd_re, y->data, y->len, atom_start, &flen, &oom)) {
        if (oom)
            y->error = ASSAY_ENOMEM;
        return;
    }
    /* Every start the part before the atom allows is a match (YARA). */
    y->back[0] = 0;
    if (p->pre_re)
        nback = yara_regex_match_back_all(y->rx, p->pre_re, y->data, y->len, atom_start, y->back,
                                          YARA_REGEX_SCAN_LIMIT + 1, &oom);
    if (oom)
        y->error = ASSAY_ENOMEM;
    /* All of them, even in fast mode (-f): YARA checks for an earlier match
     * once per atom hit, not between the matches one verification finds. */
    for (size_t i = 0; i < nback && !y->error; i++) {
        uint64_t start = atom_start - y->back[i], len = y->back[i] + flen;
        if (len == 0 || ((p->flags & YPF_FULLWORD) && !fullword_ok(y, start, len, p->flags & YPF_WIDE)))
            continue;
        record(y, p->string, start, len, 0, p->flags & YPF_GREEDY, p->flags & YPF_WIDE);
    }
}

static void confirm_regex(struct yscan *y, const struct ypattern *p, uint64_t atom_start)
{
    if (p->fwd_re) {
        confirm_split(y, p, atom_start);
        return;
    }
    uint64_t lo = atom_start > p->pre_max ? atom_start - p->pre_max : 0;
    if (atom_start < p->pre_min)
        return;
    uint64_t hi = atom_start - p->pre_min;
    if (y->group_stamp[p->group] != y->generation) {
        y->group_stamp[p->group] = y->generation;
        y->group_next[p->group] = 0;
    }
    if (lo < y->group_next[p->group])
        lo = y->group_next[p->group];
    for (uint64_t s = lo; s <= hi && !y->error && !string_done(y, p->string); s++)
        try_start(y, p, s, false);
    if (hi + 1 > y->group_next[p->group])
        y->group_next[p->group] = hi + 1;
}

int yscan_hit(struct yscan *y, uint32_t pi, uint64_t end)
{
    const struct ypattern *p = &y->r->patterns.v[pi];
    if (string_done(y, p->string) || end < p->atom_len ||
        y->rule_state[y->r->strings.v[p->string].rule] == YRS_FALSE) /* its guard failed */
        return 0;
    uint64_t atom_start = end - p->atom_len, t0 = y->cost_ns ? now_ns() : 0;
    if (p->kind == YP_LITERAL)
        confirm_literal(y, p, atom_start);
    else
        confirm_regex(y, p, atom_start);
    if (y->cost_ns)
        y->cost_ns[y->r->strings.v[p->string].rule] += now_ns() - t0;
    return y->error ? 1 : 0;
}

int yscan_possible(struct yscan *y, uint32_t p)
{
    if (util_vec_push(&y->possible, p) != 0) {
        y->error = ASSAY_ENOMEM;
        return 1;
    }
    return 0;
}

static bool possible(const struct yscan *y, uint32_t p)
{
    for (size_t i = 0; i < y->possible.n; i++)
        if (y->possible.v[i] == p)
            return true;
    return false;
}

int yscan_finish_strings(struct yscan *y)
{
    for (size_t i = 0; i < y->r->scan_all.n && !y->error; i++) {
        const struct ypattern *p = &y->r->patterns.v[y->r->scan_all.v[i]];
        if ((p->prefiltered && !possible(y, y->r->scan_all.v[i])) ||
            y->rule_state[y->r->strings.v[p->string].rule] == YRS_FALSE)
            continue;
        uint64_t t0 = y->cost_ns ? now_ns() : 0;
        for (uint64_t s = 0; s < y->len && !y->error && !string_done(y, p->string); s++)
            try_start(y, p, s, true);
        if (y->cost_ns)
            y->cost_ns[y->r->strings.v[p->string].rule] += now_ns() - t0;
    }
    return y->error;
}

/* ---- rules ----------------------------------------------------------------------- */

int yscan_evaluate(struct yscan *y)
{
    const struct yrules *r = y->r;
    for (size_t i = 0; i < r->rules.n; i++) {
        if (y->rule_state[i] == YRS_FALSE) /* its guard failed */
            continue;
        if (r->rules.v[i].needs_match && y->rule_matched[i] != y->generation) {
            y->rule_state[i] = YRS_FALSE;
            continue;
        }
        uint64_t t0 = y->cost_ns ? now_ns() : 0;
        struct yval v = yeval(y, r->rules.v[i].cond);
        if (y->cost_ns)
            y->cost_ns[i] += now_ns() - t0;
        if (y->error)
            return y->error;
        y->rule_state[i] = yval_true(v) ? YRS_TRUE : YRS_FALSE;
    }
    for (size_t n = 0; n < r->namespaces.n; n++) {
        const struct ynamespace *ns = &r->namespaces.v[n];
        bool failed = false;
        for (size_t g = 0; g < ns->globals.n; g++)
            failed |= y->rule_state[ns->globals.v[g]] != YRS_TRUE;
        if (!failed)
            continue;
        for (size_t i = 0; i < r->rules.n; i++)
            if (r->rules.v[i].ns_index == n)
                y->rule_state[i] = YRS_FALSE;
    }
    return ASSAY_OK;
}
