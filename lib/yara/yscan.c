/* yscan.c — string matches from atom hits, and rule evaluation (see yscan.h).
 *
 * Literal patterns are confirmed by comparing the whole literal around the
 * atom. Regex patterns (hex strings, regular expressions) are verified as
 * YARA verifies them at each hit of one of their atoms (compile_strings.c):
 * forwards from the split point (ascii form first, wide when that fails),
 * then backwards, every start found being a match; patterns without an atom
 * are tried so at every offset. Fragments of a chained string wait in lists
 * until the next fragment follows within its gap, as YARA chains them; their
 * hits are replayed at the end in YARA's order (by where the atom ends,
 * longer atoms first, atom-less fragments last). Matches of a string are
 * kept sorted by offset, one per offset (the first found, or the last for a
 * greedy regex), up to max_matches; more are dropped and the string is named
 * in a warning. */
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
    size_t ns = r->strings.n ? r->strings.n : 1, nc = r->chain_gaps.n ? r->chain_gaps.n : 1;
    size_t nr = r->rules.n ? r->rules.n : 1, nv = r->max_vars ? r->max_vars : 1;
    y->lists = calloc(ns, sizeof *y->lists);
    y->chain = calloc(nc, sizeof *y->chain);
    y->rule_state = calloc(nr, 1);
    y->rule_matched = calloc(nr, sizeof *y->rule_matched);
    y->vars = calloc(nv, sizeof *y->vars);
    y->rx = yara_regex_scratch_new();
    y->back = malloc((YARA_REGEX_SCAN_LIMIT + 1) * sizeof *y->back);
    y->capped_string = YRULES_NONE;
    y->guarded = calloc(nr, sizeof *y->guarded);
    y->guard_held = calloc(nr, sizeof *y->guard_held);
    y->needs_match = calloc(nr, 1);
    for (size_t i = 0; y->guarded && y->needs_match && i < r->rules.n; i++) {
        const struct yguard *g = &r->rules.v[i].guard;
        y->guarded[i] = g->nheader || g->size_min > 0 || g->size_max != UINT64_MAX;
        y->needs_match[i] = r->rules.v[i].needs_match;
    }
    if (!y->guarded || !y->needs_match || !y->guard_held || !y->back || !y->rule_matched || !y->lists || !y->chain || !y->rule_state || !y->vars ||
        !y->rx) {
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
    if (y->chain)
        for (size_t i = 0; i < y->r->chain_gaps.n; i++)
            free(y->chain[i].v);
    free(y->chain);
    util_vec_free(&y->chain_events);
    free(y->rule_state);
    free(y->rule_matched);
    free(y->vars);
    yara_regex_scratch_free(y->rx);
    free(y->back);
    free(y->cost_ns);
    free(y->guarded);
    free(y->needs_match);
    free(y->guard_held);
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
        for (size_t i = 0; i < y->r->chain_gaps.n; i++)
            y->chain[i].stamp = 0;
        memset(y->rule_matched, 0, (y->r->rules.n ? y->r->rules.n : 1) * sizeof *y->rule_matched);
        memset(y->guard_held, 0, (y->r->rules.n ? y->r->rules.n : 1) * sizeof *y->guard_held);
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
    y->chain_events.n = 0;
}

bool yscan_guard_holds(struct yscan *y, uint32_t rule)
{
    if (y->rule_state[rule] == YRS_FALSE)
        return false;
    if (!y->guarded[rule] || y->guard_held[rule] == y->generation)
        return true;
    const struct yguard *g = &y->r->rules.v[rule].guard;
    bool ok = y->len >= g->size_min && y->len <= g->size_max;
    for (uint8_t h = 0; ok && h < g->nheader; h++) {
        struct yval v = yeval_read(y, g->header[h].reader, g->header[h].offset);
        ok = v.type == YV_INT && ((v.i == g->header[h].value) == (g->header[h].op == YN_EQ));
    }
    if (ok)
        y->guard_held[rule] = y->generation;
    else
        y->rule_state[rule] = YRS_FALSE;
    return ok;
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

/* Fast mode (-f) keeps one hit's matches of a string used only as $s. */
static bool fast_single(const struct yscan *y, uint32_t s)
{
    return y->fast && !y->r->strings.v[s].all_matches;
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
    if (fast_single(y, s)) {
        /* Fast mode: the matches of the earliest hit in YARA's scan order, even
         * when hits arrive out of order (atoms from two databases). */
        if (l->n > 0 && y->cur_end < l->first_end)
            l->n = 0;
        if (l->n == 0)
            l->first_end = y->cur_end;
    }
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

/* Is string s done with for a hit whose atom ends at `end`? Capped, or in
 * fast mode found by a hit YARA scans first. */
static bool string_done(struct yscan *y, uint32_t s, uint64_t end)
{
    const struct ymatch_list *l = &y->lists[s];
    return l->stamp == y->generation && (l->capped || (fast_single(y, s) && l->n > 0 && end >= l->first_end));
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

/* ---- chained strings ------------------------------------------------------------ */

static struct ychain_list *chain_list(struct yscan *y, uint32_t i)
{
    struct ychain_list *l = &y->chain[i];
    if (l->stamp != y->generation) {
        l->stamp = y->generation;
        l->n = 0;
    }
    return l;
}

static bool in_gap(const struct ygap *g, const struct ychain_match *m, uint64_t offset)
{
    uint64_t end = m->offset + m->length;
    return end + (uint64_t)g->min <= offset && offset <= end + (uint64_t)g->max;
}

/* Keep a fragment's match (sorted by offset, the first one per offset). */
static void chain_keep(struct yscan *y, struct ychain_list *l, uint64_t offset, uint64_t length)
{
    size_t at = l->n;
    while (at > 0 && l->v[at - 1].offset > offset)
        at--;
    if ((at > 0 && l->v[at - 1].offset == offset) || l->n >= y->max_matches)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct ychain_match *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            y->error = ASSAY_ENOMEM;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof *l->v);
    l->v[at] = (struct ychain_match){offset, length > UINT32_MAX ? UINT32_MAX : (uint32_t)length, 0};
    l->n++;
}

/* Mark match m of fragment frag as followed by n more fragments, and the
 * matches of the fragments before it that it follows (YARA's rule). */
static void chain_mark(struct yscan *y, const struct ystring *st, uint32_t frag, struct ychain_match *m, uint32_t n)
{
    if (m->chain_length == n)
        return;
    m->chain_length = n;
    if (frag == 0)
        return;
    const struct ygap *g = &y->r->chain_gaps.v[st->chain_first + frag - 1];
    struct ychain_list *prev = chain_list(y, st->chain_first + frag - 1);
    for (size_t i = 0; i < prev->n; i++)
        if (in_gap(g, &prev->v[i], m->offset))
            chain_mark(y, st, frag - 1, &prev->v[i], n + 1);
}

/* A match of fragment frag of a chained string: kept when it follows a
 * match of the fragment before within the gap; the last fragment completes
 * every first-fragment match so linked into a match of the string. */
static void chain_found(struct yscan *y, const struct ypattern *p, uint64_t offset, uint64_t length)
{
    const struct ystring *st = &y->r->strings.v[p->string];
    uint32_t frag = p->frag;
    if (frag > 0) {
        const struct ygap *g = &y->r->chain_gaps.v[st->chain_first + frag - 1];
        struct ychain_list *prev = chain_list(y, st->chain_first + frag - 1);
        bool follows = false;
        for (size_t i = 0; i < prev->n && !follows; i++)
            follows = in_gap(g, &prev->v[i], offset);
        if (!follows)
            return;
        if (frag + 1 == st->nfrag) {
            for (size_t i = 0; i < prev->n; i++)
                if (in_gap(g, &prev->v[i], offset))
                    chain_mark(y, st, frag - 1, &prev->v[i], 1);
        }
    }
    if (frag + 1 < st->nfrag) {
        chain_keep(y, chain_list(y, st->chain_first + frag), offset, length);
        return;
    }
    struct ychain_list *head = chain_list(y, st->chain_first);
    size_t kept = 0;
    for (size_t i = 0; i < head->n; i++) {
        struct ychain_match h = head->v[i];
        if (h.chain_length == st->nfrag - 1)
            record(y, p->string, h.offset, offset + length - h.offset, 0, false, false);
        else
            head->v[kept++] = h;
    }
    head->n = kept;
}

/* ---- regular expressions and hex strings ------------------------------------------ */

/* Can a match of SCAN_ALL pattern p start at s? (its start-byte set, when it has one) */
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

static void found(struct yscan *y, const struct ypattern *p, uint64_t offset, uint64_t length)
{
    if (y->r->strings.v[p->string].nfrag > 1)
        chain_found(y, p, offset, length);
    else
        record(y, p->string, offset, length, 0, p->flags & YPF_GREEDY, false);
}

/* The matches of one form at split point `at`: its forward program, then its
 * backward program, every start that allows being a match (fullword judged
 * in that form). */
static void verify_form(struct yscan *y, const struct ypattern *p, int form, uint64_t at, bool allow_empty)
{
    size_t flen = 0, nback = 1;
    bool oom = false;
    if (!yara_regex_match_at_with(y->rx, p->fwd[form], y->data, y->len, at, &flen, &oom)) {
        if (oom)
            y->error = ASSAY_ENOMEM;
        return;
    }
    y->back[0] = 0;
    if (p->pre[form])
        nback = yara_regex_match_back_all(y->rx, p->pre[form], y->data, y->len, at, y->back,
                                          YARA_REGEX_SCAN_LIMIT + 1, &oom);
    if (oom)
        y->error = ASSAY_ENOMEM;
    /* All of them, even in fast mode (-f): YARA checks for an earlier match
     * once per atom hit, not between the matches one verification finds. */
    for (size_t i = 0; i < nback && !y->error; i++) {
        uint64_t start = at - y->back[i], len = y->back[i] + flen;
        if ((len == 0 && !allow_empty) ||
            ((p->flags & YPF_FULLWORD) && !fullword_ok(y, start, len, form == 1)))
            continue;
        found(y, p, start, len);
    }
}

/* YARA's verification at split point `at`: the ascii form, then the wide
 * one. (YARA 4.2 tried the wide form only when the ascii forward part did
 * not match, missing wide matches behind a short atom; 4.5 checks both.) */
static void verify_at(struct yscan *y, const struct ypattern *p, uint64_t at, bool allow_empty)
{
    for (int form = 0; form < 2 && !y->error; form++)
        if (p->fwd[form])
            verify_form(y, p, form, at, allow_empty);
}

/* `lit_start`: where the pattern's Vectorscan literal starts in the data. */
static void confirm_regex(struct yscan *y, const struct ypattern *p, uint64_t lit_start)
{
    int64_t at = (int64_t)lit_start - p->back;
    if (at >= 0 && (uint64_t)at <= y->len)
        verify_at(y, p, (uint64_t)at, false);
}

static bool chained(const struct yscan *y, const struct ypattern *p)
{
    return y->r->strings.v[p->string].nfrag > 1;
}

/* Fast mode (-f) skips a string found already; of a chained one, only its
 * first fragment (the others wait on lists of their own in YARA). */
static bool skip_pattern(struct yscan *y, const struct ypattern *p, uint64_t end)
{
    return (p->frag == 0 && string_done(y, p->string, end)) ||
           (!y->all_strings && !yscan_guard_holds(y, y->r->strings.v[p->string].rule));
}

/* `end`: where YARA's atom ends (the literal's end + end_adj). */
static void confirm_hit(struct yscan *y, const struct ypattern *p, uint64_t end)
{
    uint64_t lit_end = end - (uint64_t)(int64_t)p->end_adj;
    if (skip_pattern(y, p, end) || lit_end < p->atom_len)
        return;
    uint64_t lit_start = lit_end - p->atom_len, t0 = y->cost_ns ? now_ns() : 0;
    y->cur_end = end;
    if (p->kind == YP_LITERAL)
        confirm_literal(y, p, lit_start);
    else
        confirm_regex(y, p, lit_start);
    if (y->cost_ns)
        y->cost_ns[y->r->strings.v[p->string].rule] += now_ns() - t0;
}

int yscan_hit(struct yscan *y, uint32_t pi, uint64_t lit_end)
{
    const struct ypattern *p = &y->r->patterns.v[pi];
    /* Hits are ordered (chains, fast mode) by where YARA's atom ends. One
     * that would end outside the data cannot be part of a match. */
    int64_t e = (int64_t)lit_end + p->end_adj;
    if (e < 0 || (uint64_t)e > y->len)
        return 0;
    uint64_t end = (uint64_t)e;
    if (chained(y, p)) {
        struct ychain_event e = {end, pi, p->atom_len};
        if (util_vec_push(&y->chain_events, e) != 0)
            y->error = ASSAY_ENOMEM;
        return y->error ? 1 : 0;
    }
    confirm_hit(y, p, end);
    return y->error ? 1 : 0;
}

bool yscan_fixed_ends(const struct yrules *r, uint32_t pi, int64_t ends[2])
{
    const struct ypattern *p = &r->patterns.v[pi];
    const struct ystring *st = &r->strings.v[p->string];
    ends[0] = ends[1] = -1;
    if (st->fixed_offset < 0 || st->nfrag > 1 || p->atom_len == 0)
        return false;
    if (p->kind == YP_LITERAL) { /* confirm_literal: the literal's atom is pre_min into it */
        ends[0] = (int64_t)p->pre_min + p->atom_len;
        return true;
    }
    if (p->kind != YP_REGEX)
        return false;
    /* confirm_regex splits at lit_start - back; a match at N splits where
     * its part before the split point, of a fixed length, ends. */
    int n = 0;
    for (int form = 0; form < 2; form++) {
        if (!p->fwd[form])
            continue;
        size_t before = 0;
        if (p->pre[form] && !yara_regex_fixed_length(p->pre[form], &before))
            return false;
        int64_t end = (int64_t)before + p->back + p->atom_len;
        if (end < 0)
            return false;
        if (n == 0 || ends[0] != end)
            ends[n++] = end;
    }
    return n > 0;
}

bool yscan_pattern_found(struct yscan *y, uint32_t pi)
{
    const struct ypattern *p = &y->r->patterns.v[pi];
    if (chained(y, p)) /* settled at the end: only a failed guard rules it out */
        return y->all_strings || yscan_guard_holds(y, y->r->strings.v[p->string].rule);
    return yscan_matches(y, p->string) != NULL;
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

/* An atom-less pattern worth trying in this object. */
static bool scan_all_wanted(struct yscan *y, uint32_t pi)
{
    const struct ypattern *p = &y->r->patterns.v[pi];
    return !(p->prefiltered && !possible(y, pi)) && !skip_pattern(y, p, 0);
}

static void scan_all_at(struct yscan *y, const struct ypattern *p, uint64_t s)
{
    if (!may_start(y, p, s) || skip_pattern(y, p, s))
        return;
    y->cur_end = s;
    verify_at(y, p, s, true);
}

static int cmp_events(const void *pa, const void *pb)
{
    const struct ychain_event *a = pa, *b = pb;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->atom_len != b->atom_len)
        return a->atom_len > b->atom_len ? -1 : 1;
    return a->pattern < b->pattern ? -1 : a->pattern > b->pattern;
}

/* The atom hits of chained strings in YARA's order: by where the atom ends,
 * longer atoms first, then the atom-less fragments at that offset. */
static void replay_chains(struct yscan *y)
{
    UTIL_VEC(uint32_t) zero = {0};
    for (size_t i = 0; i < y->r->scan_all.n && !y->error; i++)
        if (chained(y, &y->r->patterns.v[y->r->scan_all.v[i]]) && scan_all_wanted(y, y->r->scan_all.v[i]) &&
            util_vec_push(&zero, y->r->scan_all.v[i]) != 0)
            y->error = ASSAY_ENOMEM;
    if (y->chain_events.n > 1)
        qsort(y->chain_events.v, y->chain_events.n, sizeof *y->chain_events.v, cmp_events);
    size_t k = 0;
    for (uint64_t pos = 0; (zero.n ? pos <= y->len : k < y->chain_events.n) && !y->error; pos++) {
        for (; k < y->chain_events.n && (y->chain_events.v[k].end == pos || !zero.n) && !y->error; k++) {
            const struct ychain_event *e = &y->chain_events.v[k];
            confirm_hit(y, &y->r->patterns.v[e->pattern], e->end);
        }
        for (size_t z = 0; z < zero.n && !y->error; z++)
            scan_all_at(y, &y->r->patterns.v[zero.v[z]], pos);
    }
    util_vec_free(&zero);
}

int yscan_finish_strings(struct yscan *y)
{
    for (size_t i = 0; i < y->r->scan_all.n && !y->error; i++) {
        uint32_t pi = y->r->scan_all.v[i];
        const struct ypattern *p = &y->r->patterns.v[pi];
        if (chained(y, p) || !scan_all_wanted(y, pi))
            continue;
        uint64_t t0 = y->cost_ns ? now_ns() : 0;
        for (uint64_t s = 0; s < y->len && !y->error && !string_done(y, p->string, s); s++)
            scan_all_at(y, p, s);
        if (y->cost_ns)
            y->cost_ns[y->r->strings.v[p->string].rule] += now_ns() - t0;
    }
    if (!y->error && (y->chain_events.n || y->r->chain_gaps.n))
        replay_chains(y);
    return y->error;
}

/* ---- rules ----------------------------------------------------------------------- */

int yscan_evaluate(struct yscan *y)
{
    const struct yrules *r = y->r;
    for (size_t i = 0; i < r->rules.n; i++) {
        if (y->needs_match[i] && y->rule_matched[i] != y->generation) {
            y->rule_state[i] = YRS_FALSE;
            continue;
        }
        if (!yscan_guard_holds(y, (uint32_t)i))
            continue;
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
