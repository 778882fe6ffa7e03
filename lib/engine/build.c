/* build.c — turning a loaded sigdb into the matching engine (see engine.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../sig/clam_lexpr.h"
#include "../util/error.h"
#include "engine.h"
#include "gating.h"
#include "guard_classes.h"
#include "hs_runtime.h"
#include "sizefilter.h"
#include "yara_literal.h"
#include "../yara/yscan.h"

/* ---- ignore list (.ign2) ---------------------------------------------- */

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool name_ignored(const char **sorted, size_t n, const char *name)
{
    return n && bsearch(&name, sorted, n, sizeof *sorted, cmp_cstr) != NULL;
}

static int apply_ignores(struct engine *e)
{
    struct sigdb *db = &e->sig;
    size_t n = db->ignored_names.n;
    if (n == 0)
        return ASSAY_OK;
    const char **sorted = malloc(n * sizeof *sorted);
    if (!sorted)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        sorted[i] = sigdb_str(db, db->ignored_names.v[i]);
    qsort(sorted, n, sizeof *sorted, cmp_cstr);
    size_t w = 0;
    for (size_t i = 0; i < db->hashes.n; i++)
        if (db->hashes.v[i].role == SIG_ROLE_ALLOW || !name_ignored(sorted, n, sigdb_str(db, db->hashes.v[i].name)))
            db->hashes.v[w++] = db->hashes.v[i];
    db->hashes.n = w;
    for (size_t i = 0; i < db->bodies.n; i++)
        if (name_ignored(sorted, n, sigdb_str(db, db->bodies.v[i].name)))
            db->bodies.v[i].flags |= ENGINE_BODY_DISABLED;
    free(sorted);
    return ASSAY_OK;
}

/* ---- hash index ----------------------------------------------------------- */

static int cmp_hash(const void *pa, const void *pb)
{
    const struct sig_hash *a = pa, *b = pb;
    if (a->scope != b->scope)
        return a->scope < b->scope ? -1 : 1;
    if (a->size != b->size)
        return a->size < b->size ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return memcmp(a->digest, b->digest, sizeof a->digest);
}

/* About 16 bits per sized signature, a power of two of 64-bit words, at
 * most 16 MB; below 4096 signatures the sorted array is small enough alone. */
static int build_size_filter(struct engine *e)
{
    const struct sigdb *db = &e->sig;
    size_t sized = 0;
    for (size_t i = 0; i < db->hashes.n; i++)
        sized += db->hashes.v[i].size != SIG_ANY_SIZE;
    if (sized < 4096)
        return ASSAY_OK;
    size_t words = 64;
    while (words * 64 < sized * 16 && words < ((size_t)1 << 21))
        words *= 2;
    if (util_vec_reserve(&e->size_filter, words) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    memset(e->size_filter.v, 0, words * sizeof(uint64_t));
    e->size_filter.n = words;
    for (size_t i = 0; i < db->hashes.n; i++)
        if (db->hashes.v[i].size != SIG_ANY_SIZE)
            size_filter_add(e->size_filter.v, words, db->hashes.v[i].scope, db->hashes.v[i].size);
    return ASSAY_OK;
}

static int index_hashes(struct engine *e)
{
    struct sigdb *db = &e->sig;
    if (db->hashes.n > 1)
        qsort(db->hashes.v, db->hashes.n, sizeof db->hashes.v[0], cmp_hash);
    for (size_t i = 0; i < db->hashes.n; i += ENGINE_FENCE_STEP) {
        struct engine_fence f = {db->hashes.v[i].size, db->hashes.v[i].scope};
        if (util_vec_push(&e->hash_fence, f) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < db->hashes.n; i++) {
        const struct sig_hash *h = &db->hashes.v[i];
        if (h->scope == SIG_SCOPE_PE_SECTION)
            e->section_hashes++;
        if (h->role == SIG_ROLE_ALLOW)
            e->allow_hashes++;
        else if (h->scope == SIG_SCOPE_FILE && h->size == SIG_ANY_SIZE)
            e->any_size_kinds |= (uint8_t)(1u << h->kind);
    }
    return ASSAY_OK;
}

/* ---- Vectorscan databases ------------------------------------------------ */

static int hs_failure(const char *what, hs_compile_error_t *err, const struct sigdb *db, const uint32_t *ids)
{
    int rc;
    if (err && err->expression >= 0 && ids) {
        uint32_t id = ids[err->expression];
        rc = util_error(ASSAY_EENGINE, "%s: Vectorscan rejected pattern %u (%s): %s", what, id,
                        db && id < db->bodies.n ? sigdb_str(db, db->bodies.v[id].name) : "?", err->message);
    } else {
        rc = util_error(ASSAY_EENGINE, "%s: Vectorscan: %s", what, err ? err->message : "compile failed");
    }
    hs_free_compile_error(err);
    return rc;
}

/* Regex text for a node list, for the rare floating signature with no atom.
 * Bytes are written as \xHH; the verifier confirms every hit anyway. */
static int node_regex(const struct sigdb *db, const struct sig_body *b, struct util_buf *out)
{
    const struct pat_node *n = db->nodes.v + b->node_first;
    int rc = 0;
    for (uint32_t i = 0; i < b->node_count && rc == 0; i++) {
        switch (n[i].kind) {
        case PN_BYTE:
            if (n[i].mask == 0xff) {
                rc = util_buf_printf(out, "\\x%02x", n[i].value);
            } else if (n[i].mask == 0) {
                rc = util_buf_printf(out, ".");
            } else {
                rc = util_buf_printf(out, "[");
                for (unsigned c = 0; c < 256 && rc == 0; c++)
                    if ((c & n[i].mask) == n[i].value)
                        rc = util_buf_printf(out, "\\x%02x", c);
                if (rc == 0)
                    rc = util_buf_printf(out, "]");
            }
            break;
        case PN_CLASS: {
            const struct pat_class *cl = &db->classes.v[n[i].a];
            rc = util_buf_printf(out, "[");
            for (unsigned c = 0; c < 256 && rc == 0; c++)
                if ((cl->bits[c >> 3] >> (c & 7)) & 1)
                    rc = util_buf_printf(out, "\\x%02x", c);
            if (rc == 0)
                rc = util_buf_printf(out, "]");
            break;
        }
        case PN_ALT: {
            const struct pat_altopt *o = &db->altopts.v[n[i].a];
            if (n[i].negated) {
                rc = util_buf_printf(out, ".{%u}", o[0].len);
                break;
            }
            rc = util_buf_printf(out, "(?:");
            for (uint32_t k = 0; k < n[i].b && rc == 0; k++) {
                if (k)
                    rc = util_buf_printf(out, "|");
                for (uint32_t j = 0; j < o[k].len && rc == 0; j++)
                    rc = util_buf_printf(out, "\\x%02x", db->altbytes.data[o[k].offset + j]);
            }
            if (rc == 0)
                rc = util_buf_printf(out, ")");
            break;
        }
        case PN_GAP:
            if (n[i].b == SIG_GAP_INF)
                rc = n[i].a ? util_buf_printf(out, ".{%u,}", n[i].a) : util_buf_printf(out, ".*");
            else
                rc = util_buf_printf(out, ".{%u,%u}", n[i].a, n[i].b);
            break;
        }
    }
    if (rc == 0)
        rc = util_buf_append_byte(out, 0);
    return rc;
}

static bool body_is_anchored(const struct sig_body *b)
{
    return b->offset_kind != SIG_OFF_ANY;
}

struct pattern_list {
    UTIL_VEC(const char *) exprs;
    UTIL_VEC(size_t) lens;
    UTIL_VEC(unsigned) flags;
    UTIL_VEC(unsigned) ids;
    struct util_buf text;           /* regex texts, NUL-separated */
    UTIL_VEC(size_t) text_offsets;
};

static void pattern_list_free(struct pattern_list *p)
{
    util_vec_free(&p->exprs);
    util_vec_free(&p->lens);
    util_vec_free(&p->flags);
    util_vec_free(&p->ids);
    util_buf_free(&p->text);
    util_vec_free(&p->text_offsets);
}

static int add_atom(struct pattern_list *p, const struct sigdb *db, uint32_t id, const struct sig_body *b)
{
    /* Atom bytes live in the nodes; copy them into the text buffer. */
    size_t off = p->text.len;
    for (uint32_t k = 0; k < b->atom_len; k++)
        if (util_buf_append_byte(&p->text, db->nodes.v[b->node_first + b->atom_first + k].value) != 0)
            return -1;
    if (util_vec_push(&p->text_offsets, off) != 0 || util_vec_push(&p->lens, (size_t)b->atom_len) != 0 ||
        util_vec_push(&p->flags, (unsigned)((b->flags & SIG_F_NOCASE) ? HS_FLAG_CASELESS : 0)) != 0 ||
        util_vec_push(&p->ids, id) != 0)
        return -1;
    return 0;
}

static int add_regex(struct pattern_list *p, uint32_t id, const char *regex, unsigned flags);

/* An atom starting with 00 as an escaped regex (see atom_score in clam_hex.c). */
static int add_atom_regex(struct pattern_list *p, const struct sigdb *db, uint32_t id, const struct sig_body *b,
                          struct util_buf *rx)
{
    rx->len = 0;
    for (uint32_t k = 0; k < b->atom_len; k++)
        if (util_buf_printf(rx, "\\x%02x", db->nodes.v[b->node_first + b->atom_first + k].value) != 0)
            return -1;
    if (util_buf_append_byte(rx, 0) != 0)
        return -1;
    return add_regex(p, id, (const char *)rx->data, (b->flags & SIG_F_NOCASE) ? HS_FLAG_CASELESS : 0);
}

static int add_regex(struct pattern_list *p, uint32_t id, const char *regex, unsigned flags)
{
    size_t off = p->text.len;
    if (util_buf_append(&p->text, regex, strlen(regex) + 1) != 0 || util_vec_push(&p->text_offsets, off) != 0 ||
        util_vec_push(&p->flags, flags) != 0 || util_vec_push(&p->ids, id) != 0)
        return -1;
    return 0;
}

/* The text buffer may move while growing; resolve pointers only at the end. */
static int resolve(struct pattern_list *p)
{
    if (util_vec_reserve(&p->exprs, p->text_offsets.n) != 0)
        return -1;
    for (size_t i = 0; i < p->text_offsets.n; i++)
        p->exprs.v[p->exprs.n++] = (const char *)p->text.data + p->text_offsets.v[i];
    return 0;
}

static int cmp_yara_atoms(const void *pa, const void *pb, void *ctx)
{
    const struct yrules *y = ctx;
    const struct ypattern *a = &y->patterns.v[*(const uint32_t *)pa], *b = &y->patterns.v[*(const uint32_t *)pb];
    uint32_t na, nb;
    const uint8_t *la = engine_yara_literal(y, a, &na), *lb = engine_yara_literal(y, b, &nb);
    if (na != nb)
        return na < nb ? -1 : 1;
    if ((a->flags & YPF_MASKED) != (b->flags & YPF_MASKED))
        return (a->flags & YPF_MASKED) ? 1 : -1;
    if (a->atom_nocase != b->atom_nocase)
        return a->atom_nocase < b->atom_nocase ? -1 : 1;
    int c = memcmp(la, lb, na);
    if (c)
        return c;
    return *(const uint32_t *)pa < *(const uint32_t *)pb ? -1 : 1;
}

/* A masked window (values, then masks) as a fixed-width regex. */
static int masked_regex(const uint8_t *a, uint32_t n, struct util_buf *rx)
{
    const uint8_t *value = a, *mask = a + n;
    int rc = 0;
    rx->len = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        if (mask[i] == 0xFF) {
            rc = util_buf_printf(rx, "\\x%02x", value[i]);
        } else if (mask[i] == 0) {
            rc = util_buf_printf(rx, ".");
        } else if (mask[i] == 0xF0) {
            rc = util_buf_printf(rx, "[\\x%02x-\\x%02x]", value[i] & 0xF0, (value[i] & 0xF0) | 0x0F);
        } else {
            rc = util_buf_printf(rx, "[");
            for (unsigned h = 0; h < 16 && rc == 0; h++)
                rc = util_buf_printf(rx, "\\x%02x", (h << 4) | (value[i] & 0x0F));
            if (rc == 0)
                rc = util_buf_printf(rx, "]");
        }
    }
    return rc == 0 ? util_buf_append_byte(rx, 0) : rc;
}

static int add_literal(struct pattern_list *l, const uint8_t *a, uint32_t alen, unsigned flags, unsigned id)
{
    size_t off = l->text.len;
    if (util_buf_append(&l->text, a, alen) != 0 || util_vec_push(&l->text_offsets, off) != 0 ||
        util_vec_push(&l->lens, (size_t)alen) != 0 || util_vec_push(&l->flags, flags) != 0 ||
        util_vec_push(&l->ids, id) != 0)
        return -1;
    return 0;
}

/* A gate group's database is scanned over the few objects where one of its
 * gates matched, and Vectorscan compiles sets of 6-8-byte literals up to ten
 * times slower than the same literals cut to 5 bytes (a set of 424: 150 ms
 * against 15). So a gated literal keeps only its last GATE_LITERAL_MAX bytes
 * (not starting with 00): it ends where the whole one does, which is where
 * the hit is confirmed from, and the confirmation compares every byte. */
#define GATE_LITERAL_MAX 5

static int add_gate_literal(struct pattern_list *l, const uint8_t *a, uint32_t alen, unsigned flags, unsigned id)
{
    uint32_t from = alen > GATE_LITERAL_MAX ? alen - GATE_LITERAL_MAX : 0;
    while (from > 0 && a[from] == 0)
        from--;
    return add_literal(l, a + from, alen - from, flags, id);
}

struct u32_list {                     /* a UTIL_VEC(uint32_t) with a name */
    uint32_t *v;
    size_t n, cap;
};

/* Chain the patterns sharing a prefilter literal (yara_atom_next) and list
 * the head of each chain. */
static int chain_yara_atoms(struct engine *e, struct u32_list *heads)
{
    const struct yrules *y = &e->yara;
    /* Patterns with the same prefilter literal share one Vectorscan pattern;
     * a hit is handed to each of them through yara_atom_next. */
    UTIL_VEC(uint32_t) order = {0};
    if (util_vec_reserve(&e->yara_atom_next, y->patterns.n) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    e->yara_atom_next.n = y->patterns.n;
    e->yara_fixed.n = 0;
    for (uint32_t i = 0; i < y->patterns.n; i++) {
        e->yara_atom_next.v[i] = YRULES_NONE;
        struct engine_fixed f = {.pattern = i};
        int pushed = 0;
        if (yscan_fixed_ends(y, i, f.end)) /* checked in place, in no database */
            pushed = util_vec_push(&e->yara_fixed, f);
        else if (y->patterns.v[i].atom_len)
            pushed = util_vec_push(&order, i);
        if (pushed != 0) {
            util_vec_free(&order);
            return util_error(ASSAY_ENOMEM, "out of memory");
        }
    }
    if (order.n > 1)
        qsort_r(order.v, order.n, sizeof order.v[0], cmp_yara_atoms, (void *)y);
    int rc = ASSAY_OK;
    for (size_t k = 0; k < order.n && rc == ASSAY_OK; k++) {
        uint32_t i = order.v[k];
        const struct ypattern *p = &y->patterns.v[i];
        if (k > 0) {
            const struct ypattern *q = &y->patterns.v[order.v[k - 1]];
            uint32_t nq, np;
            const uint8_t *lq = engine_yara_literal(y, q, &nq), *lp = engine_yara_literal(y, p, &np);
            if (nq == np && q->atom_nocase == p->atom_nocase &&
                (q->flags & YPF_MASKED) == (p->flags & YPF_MASKED) && memcmp(lq, lp, np) == 0) {
                /* same literal: chain after the group's head */
                uint32_t head = order.v[k - 1];
                while (e->yara_atom_next.v[head] != YRULES_NONE)
                    head = e->yara_atom_next.v[head];
                e->yara_atom_next.v[head] = i;
                continue;
            }
        }
        if (util_vec_push(heads, i) != 0)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
    }
    util_vec_free(&order);
    return rc;
}

/* The gate group whose database gets the literal shared by the patterns
 * chained from `head`: one all of them wait for, else none (0). */
static uint8_t literal_gate(const struct engine *e, uint32_t head, const uint8_t *deferred)
{
    uint8_t g = deferred[head];
    for (uint32_t p = head; p != YRULES_NONE && g; p = e->yara_atom_next.v[p])
        if (deferred[p] != g)
            return 0;
    return g;
}

static int add_escaped_regex(struct pattern_list *l, const uint8_t *a, uint32_t alen, unsigned flags, unsigned id,
                             struct util_buf *rx)
{
    rx->len = 0;
    int rc = 0;
    for (uint32_t q = 0; q < alen && rc == 0; q++)
        rc = util_buf_printf(rx, "\\x%02x", a[q]);
    if (rc == 0)
        rc = util_buf_append_byte(rx, 0);
    return rc == 0 ? add_regex(l, id, (const char *)rx->data, flags) : rc;
}

/* Which masked windows are searched by a run of exact bytes (match.c checks
 * the rest of the window at each hit). */
static int index_yara_windows(struct engine *e)
{
    const struct yrules *y = &e->yara;
    util_vec_free(&e->yara_window_run);
    if (util_vec_reserve(&e->yara_window_run, y->patterns.n) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    e->yara_window_run.n = y->patterns.n;
    for (uint32_t i = 0; i < y->patterns.n; i++) {
        const struct ypattern *p = &y->patterns.v[i];
        uint32_t off, len;
        bool run = (p->flags & YPF_MASKED) && p->atom_len <= 15 &&
                   engine_window_run(yrules_bytes(y, p->atom), p->atom_len, &off, &len);
        e->yara_window_run.v[i] = run ? (uint8_t)(off << 4 | len) : 0;
    }
    return ASSAY_OK;
}

struct body_lists;
static int add_yara_pattern(struct engine *e, struct body_lists *l, uint32_t i, const uint8_t *deferred,
                            struct util_buf *rx);

/* Every YARA pattern with an atom joins the databases, with pattern ids
 * after the ClamAV bodies (chains of patterns sharing a literal by their
 * head): the main ones, those of a header class, or the one of a gate group. */
static int add_yara_atoms(struct engine *e, struct body_lists *l, struct util_buf *rx)
{
    const struct yrules *y = &e->yara;
    struct u32_list heads = {0};
    uint8_t *deferred = malloc(y->patterns.n ? y->patterns.n : 1);
    int rc = deferred ? engine_choose_guard_classes(e) : util_error(ASSAY_ENOMEM, "out of memory");
    if (rc == ASSAY_OK)
        rc = chain_yara_atoms(e, &heads);
    if (rc == ASSAY_OK)
        rc = index_yara_windows(e); /* before the gates: a window's run can wait for one */
    if (rc == ASSAY_OK)
        rc = engine_plan_gates(e, deferred);
    for (size_t k = 0; k < heads.n && rc == ASSAY_OK; k++)
        rc = add_yara_pattern(e, l, heads.v[k], deferred, rx);
    free(deferred);
    util_vec_free(&heads);
    return rc;
}

/* A YARA regex without any literal would be tried at every offset of every
 * object; a Vectorscan prefilter of the whole expression (a superset of its
 * matches) first says whether the object can hold a match at all. */
static int add_yara_prefilters(struct engine *e, struct pattern_list *regexes, struct util_buf *rx)
{
    struct yrules *y = &e->yara;
    unsigned flags = HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY | HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER;
    for (size_t k = 0; k < y->scan_all.n; k++) {
        struct ypattern *p = &y->patterns.v[y->scan_all.v[k]];
        rx->len = 0;
        if (yara_regex_pcre(p->re, rx) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
        hs_expr_info_t *info = NULL;
        hs_compile_error_t *err = NULL;
        if (hs_expression_info((const char *)rx->data, flags, &info, &err) != HS_SUCCESS) {
            hs_free_compile_error(err);
            continue; /* not prefiltered: searched everywhere */
        }
        bool can_be_empty = info->min_width == 0;
        free(info);
        if (can_be_empty)
            continue; /* matches (empty) anywhere: nothing to filter */
        if (add_regex(regexes, e->yara_base + y->scan_all.v[k], (const char *)rx->data, flags) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
        p->prefiltered = true;
    }
    return ASSAY_OK;
}

/* ---- compiling the Vectorscan databases ------------------------------------------ */

/* One database to compile. Vectorscan's compiler is reentrant and the
 * databases are independent, so they are compiled side by side (YARA sets
 * with header classes have two or more big ones). */
#define HS_JOBS_MAX (3 + 2 * ENGINE_GUARD_CLASSES + ENGINE_GATE_GROUPS)
struct hs_job {
    const struct pattern_list *list;
    bool literal;
    hs_database_t **out;
    const char *what;
    hs_compile_error_t *err;
    hs_error_t status;
};

static void add_hs_job(struct hs_job *jobs, size_t *n, const struct pattern_list *list, bool literal,
                       hs_database_t **out, const char *what)
{
    if (list->exprs.n > 0)
        jobs[(*n)++] = (struct hs_job){.list = list, .literal = literal, .out = out, .what = what};
}

static void run_hs_job(struct hs_job *j)
{
    const struct pattern_list *l = j->list;
    j->status = j->literal ? hs_compile_lit_multi(l->exprs.v, l->flags.v, l->ids.v, l->lens.v, (unsigned)l->exprs.n,
                                                  HS_MODE_BLOCK, engine_hs_platform(), j->out, &j->err)
                           : hs_compile_multi(l->exprs.v, l->flags.v, l->ids.v, (unsigned)l->exprs.n, HS_MODE_BLOCK,
                                              engine_hs_platform(), j->out, &j->err);
}

/* Vectorscan's compiler takes ~3 KB per literal while it works (the main
 * database of signature-base: ~30-40 MB). The databases are compiled on
 * one thread per core, each taking the biggest left: the biggest ones
 * side by side, as many as there are cores. Keeping all big ones on the
 * calling thread once saved memory; measured again (signature-base from
 * source, peak RSS ~101 MB either way) it only made the first-pass
 * database wait for the PE class's: loading 0.44 -> 0.41 s when the
 * helper compiles that one. */
struct hs_queue {
    struct hs_job *jobs; /* biggest first */
    size_t n;
    size_t next;         /* guarded by lock */
    pthread_mutex_t lock;
};

/* The next job, or n when none is left. */
static size_t take_job(struct hs_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t job = q->next < q->n ? q->next++ : q->n;
    pthread_mutex_unlock(&q->lock);
    return job;
}

static void run_jobs(struct hs_queue *q)
{
    for (size_t i; (i = take_job(q)) < q->n;)
        run_hs_job(&q->jobs[i]);
}

static void *hs_helper(void *arg)
{
    run_jobs(arg);
    return NULL;
}

static int cmp_jobs_by_size(const void *a, const void *b)
{
    size_t na = ((const struct hs_job *)a)->list->exprs.n, nb = ((const struct hs_job *)b)->list->exprs.n;
    return na < nb ? 1 : na > nb ? -1 : 0;
}

/* On one thread per core, the caller's included (hs_queue). */
static int compile_hs_jobs(struct hs_job *jobs, size_t n, const struct sigdb *db)
{
    qsort(jobs, n, sizeof *jobs, cmp_jobs_by_size);
    struct hs_queue q = {.jobs = jobs, .n = n};
    pthread_mutex_init(&q.lock, NULL);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t helpers = cores > 1 ? (size_t)cores - 1 : 0;
    if (helpers + 1 > n)
        helpers = n > 0 ? n - 1 : 0;
    pthread_t th[HS_JOBS_MAX];
    size_t started = 0;
    while (started < helpers && pthread_create(&th[started], NULL, hs_helper, &q) == 0)
        started++;
    run_jobs(&q);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&q.lock);
    int rc = ASSAY_OK;
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].status == HS_SUCCESS)
            continue;
        if (rc == ASSAY_OK)
            rc = hs_failure(jobs[i].what, jobs[i].err, db, jobs[i].list->ids.v);
        else
            hs_free_compile_error(jobs[i].err);
    }
    return rc;
}

/* The pattern lists build_body_databases fills: one per Vectorscan database. */
struct body_lists {
    struct pattern_list atoms, nul_atoms, regexes;
    struct pattern_list class_atoms[ENGINE_GUARD_CLASSES], class_regexes[ENGINE_GUARD_CLASSES];
    struct pattern_list gate_atoms[ENGINE_GATE_GROUPS], gate_regexes[ENGINE_GATE_GROUPS];
};

#define BODY_LISTS (3 + 2 * ENGINE_GUARD_CLASSES + 2 * ENGINE_GATE_GROUPS)

static void every_list(struct body_lists *l, struct pattern_list *out[BODY_LISTS])
{
    size_t n = 0;
    out[n++] = &l->atoms;
    out[n++] = &l->nul_atoms;
    out[n++] = &l->regexes;
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES; c++) {
        out[n++] = &l->class_atoms[c];
        out[n++] = &l->class_regexes[c];
    }
    for (uint32_t g = 0; g < ENGINE_GATE_GROUPS; g++) {
        out[n++] = &l->gate_atoms[g];
        out[n++] = &l->gate_regexes[g];
    }
}

/* Each non-empty list with the database it becomes. */
static size_t body_jobs(struct engine *e, struct body_lists *l, struct hs_job *jobs)
{
    size_t n = 0;
    add_hs_job(jobs, &n, &l->atoms, true, &e->atoms, "body signatures");
    add_hs_job(jobs, &n, &l->nul_atoms, false, &e->atoms_nul, "body signatures");
    add_hs_job(jobs, &n, &l->regexes, false, &e->fallback, "body signatures without a literal");
    for (uint32_t c = 0; c < e->nclasses; c++) {
        add_hs_job(jobs, &n, &l->class_atoms[c], true, &e->class_atoms[c], "YARA strings");
        add_hs_job(jobs, &n, &l->class_regexes[c], false, &e->class_regexes[c], "YARA strings");
    }
    for (uint32_t g = 0; g < e->ngates; g++) /* one of the two lists is empty (join_gate_lists) */
        if (l->gate_regexes[g].text_offsets.n)
            add_hs_job(jobs, &n, &l->gate_regexes[g], false, &e->gate_atoms[g], "YARA strings");
        else
            add_hs_job(jobs, &n, &l->gate_atoms[g], true, &e->gate_atoms[g], "YARA strings");
    return n;
}

/* The literal (or regex) of the chain of patterns headed by pattern i: the
 * database of a class its rules all require, else of the gate group they
 * all wait for, else the main one; masked windows with no run of exact
 * bytes and literals starting with 00 (which Vectorscan's literal API
 * refuses) as regexes. */
static int add_yara_pattern(struct engine *e, struct body_lists *l, uint32_t i, const uint8_t *deferred,
                            struct util_buf *rx)
{
    const struct yrules *y = &e->yara;
    const struct ypattern *p = &y->patterns.v[i];
    uint32_t alen;
    const uint8_t *a = engine_yara_literal(y, p, &alen);
    unsigned flags = p->atom_nocase ? HS_FLAG_CASELESS : 0;
    unsigned id = e->yara_base + i;
    uint32_t c = engine_literal_class(e, i);
    struct pattern_list *literals = c < e->nclasses ? &l->class_atoms[c] : &l->atoms;
    uint8_t run = e->yara_window_run.v[i];
    uint8_t g = literal_gate(e, i, deferred); /* before any class: a gate is rarer than a header */
    struct pattern_list *regexes = g                 ? &l->gate_regexes[g - 1]
                                   : c < e->nclasses ? &l->class_regexes[c]
                                                     : &l->nul_atoms;
    int rc;
    if (run) { /* a masked window searched by its run of exact bytes */
        rc = add_literal(g ? &l->gate_atoms[g - 1] : literals, a + (run >> 4), run & 15, 0, id);
    } else if (p->flags & YPF_MASKED) {
        rc = masked_regex(a, p->atom_len, rx);
        if (rc == 0)
            rc = add_regex(regexes, id, (const char *)rx->data, HS_FLAG_DOTALL);
    } else if (a[0] == 0) {
        rc = add_escaped_regex(regexes, a, alen, flags, id, rx);
    } else if (g) {
        rc = add_gate_literal(&l->gate_atoms[g - 1], a, alen, flags, id);
    } else {
        rc = add_literal(literals, a, alen, flags, id);
    }
    return rc == 0 ? ASSAY_OK : util_error(ASSAY_ENOMEM, "out of memory");
}

/* A gate group with regexes (masked windows without a run of exact bytes,
 * atoms starting with 00) is one regex database: its literals join them as
 * escaped regexes, so an opened group is still one pass. */
static int join_gate_lists(struct pattern_list *literals, struct pattern_list *regexes, struct util_buf *rx)
{
    if (regexes->text_offsets.n == 0 || literals->text_offsets.n == 0)
        return ASSAY_OK;
    for (size_t i = 0; i < literals->text_offsets.n; i++) {
        const uint8_t *a = literals->text.data + literals->text_offsets.v[i];
        if (add_escaped_regex(regexes, a, (uint32_t)literals->lens.v[i], literals->flags.v[i], literals->ids.v[i],
                              rx) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    pattern_list_free(literals);
    *literals = (struct pattern_list){0};
    return ASSAY_OK;
}

static int add_body_patterns(struct engine *e, struct body_lists *l, struct util_buf *rx)
{
    struct sigdb *db = &e->sig;
    int rc = ASSAY_OK;
    for (uint32_t i = 0; i < db->bodies.n && rc == ASSAY_OK; i++) {
        const struct sig_body *b = &db->bodies.v[i];
        if (b->flags & ENGINE_BODY_DISABLED)
            continue;
        if (b->atom_len > 0) {
            bool leading_nul = db->nodes.v[b->node_first + b->atom_first].value == 0;
            if ((leading_nul ? add_atom_regex(&l->nul_atoms, db, i, b, rx) : add_atom(&l->atoms, db, i, b)) != 0)
                rc = util_error(ASSAY_ENOMEM, "out of memory");
        } else if (body_is_anchored(b)) {
            if (util_vec_push(&e->direct, i) != 0)
                rc = util_error(ASSAY_ENOMEM, "out of memory");
        } else {
            rx->len = 0;
            if (node_regex(db, b, rx) != 0 ||
                add_regex(&l->regexes, i, (const char *)rx->data,
                          HS_FLAG_DOTALL | HS_FLAG_ALLOWEMPTY | ((b->flags & SIG_F_NOCASE) ? HS_FLAG_CASELESS : 0)) != 0)
                rc = util_error(ASSAY_ENOMEM, "out of memory");
        }
    }
    return rc;
}

static int build_body_databases(struct engine *e)
{
    struct body_lists lists = {0};
    struct pattern_list *all[BODY_LISTS];
    every_list(&lists, all);
    struct util_buf rx = {0};
    int rc = add_body_patterns(e, &lists, &rx);
    e->yara_base = (uint32_t)e->sig.bodies.n;
    if (rc == ASSAY_OK)
        rc = add_yara_atoms(e, &lists, &rx);
    for (uint32_t g = 0; g < e->ngates && rc == ASSAY_OK; g++)
        rc = join_gate_lists(&lists.gate_atoms[g], &lists.gate_regexes[g], &rx);
    if (rc == ASSAY_OK)
        rc = add_yara_prefilters(e, &lists.regexes, &rx);
    util_buf_free(&rx);
    for (size_t i = 0; i < BODY_LISTS && rc == ASSAY_OK; i++)
        if (resolve(all[i]) != 0)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
    struct hs_job jobs[BODY_LISTS];
    size_t njobs = rc == ASSAY_OK ? body_jobs(e, &lists, jobs) : 0;
    if (rc == ASSAY_OK)
        rc = compile_hs_jobs(jobs, njobs, &e->sig);
    for (size_t i = 0; i < BODY_LISTS; i++)
        pattern_list_free(all[i]);
    return rc;
}

/* LOKI compiles IOC regexes with Python's re; a few real ones use syntax
 * Vectorscan refuses (e.g. '$' in mid-pattern, which can never match there
 * anyway). Such an IOC is skipped and named, so one line cannot stop the load. */
static bool regex_usable(struct sigdb *db, const struct sig_filename_ioc *f, uint32_t regex, unsigned flags,
                         const char *what)
{
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *err = NULL;
    if (hs_expression_info(sigdb_str(db, regex), flags, &info, &err) == HS_SUCCESS) {
        free(info);
        return true;
    }
    char msg[512];
    snprintf(msg, sizeof msg, "%s:%u: filename IOC skipped: Vectorscan cannot run its %s: %s",
             sigdb_str(db, db->sources.v[f->source].path), f->line, what, err ? err->message : "?");
    hs_free_compile_error(err);
    sigdb_skipped(db, msg);
    return false;
}

static int build_filename_databases(struct engine *e)
{
    struct sigdb *db = &e->sig;
    if (db->filename_iocs.n == 0)
        return ASSAY_OK;
    struct pattern_list main = {0}, fps = {0};
    int rc = ASSAY_OK;
    /* LOKI treats each line as a case-sensitive regex searched anywhere in the
     * path ("(?i)" in the regex makes it case-insensitive). */
    unsigned flags = HS_FLAG_SINGLEMATCH | HS_FLAG_DOTALL;
    for (uint32_t i = 0; i < db->filename_iocs.n && rc == ASSAY_OK; i++) {
        const struct sig_filename_ioc *f = &db->filename_iocs.v[i];
        if (!regex_usable(db, f, f->regex, flags, "regex") ||
            (f->fp_regex != SIG_NONE && !regex_usable(db, f, f->fp_regex, flags, "false-positive regex")))
            continue;
        if (add_regex(&main, i, sigdb_str(db, f->regex), flags) != 0 ||
            (f->fp_regex != SIG_NONE && add_regex(&fps, i, sigdb_str(db, f->fp_regex), flags) != 0))
            rc = util_error(ASSAY_ENOMEM, "out of memory");
    }
    if (rc == ASSAY_OK && main.text_offsets.n == 0) {
        pattern_list_free(&main);
        pattern_list_free(&fps);
        return ASSAY_OK;
    }
    if (rc == ASSAY_OK && (resolve(&main) != 0 || resolve(&fps) != 0))
        rc = util_error(ASSAY_ENOMEM, "out of memory");
    hs_compile_error_t *err = NULL;
    if (rc == ASSAY_OK && hs_compile_multi(main.exprs.v, main.flags.v, main.ids.v, (unsigned)main.exprs.n,
                                           HS_MODE_BLOCK, engine_hs_platform(), &e->filenames, &err) != HS_SUCCESS) {
        const struct sig_filename_ioc *f = err && err->expression >= 0 ? &db->filename_iocs.v[main.ids.v[err->expression]] : NULL;
        rc = f ? util_error(ASSAY_EENGINE, "%s:%u: filename IOC regex not supported by Vectorscan: %s",
                            sigdb_str(db, db->sources.v[f->source].path), f->line, err->message)
               : util_error(ASSAY_EENGINE, "filename IOCs: %s", err ? err->message : "compile failed");
        hs_free_compile_error(err);
    }
    if (rc == ASSAY_OK && fps.exprs.n > 0 &&
        hs_compile_multi(fps.exprs.v, fps.flags.v, fps.ids.v, (unsigned)fps.exprs.n, HS_MODE_BLOCK, engine_hs_platform(),
                         &e->filename_fps, &err) != HS_SUCCESS)
        rc = hs_failure("filename IOC false-positive regexes", err, NULL, NULL);
    pattern_list_free(&main);
    pattern_list_free(&fps);
    return rc;
}

static bool logical_enabled(const struct sig_logical *l)
{
    return !(l->tdb_fields & SIG_TDB_ENGINE) || (SIG_CLAM_FLEVEL >= l->engine_min && SIG_CLAM_FLEVEL <= l->engine_max);
}

/* Logical signatures outside our functionality level are off, as in ClamAV;
 * those whose expression holds with every count at zero ("0=0", "(0|1)<1")
 * fire on objects where none of their subsignatures matched, so they are
 * listed for evaluation on every object. */
static int prepare_logicals(struct engine *e)
{
    struct sigdb *db = &e->sig;
    uint32_t zeros[SIG_MAX_SUBSIGS] = {0};
    for (uint32_t i = 0; i < db->bodies.n; i++) {
        struct sig_body *b = &db->bodies.v[i];
        if (b->logical != SIG_NONE && !logical_enabled(&db->logicals.v[b->logical]))
            b->flags |= SIG_F_DISABLED;
    }
    for (uint32_t i = 0; i < db->logicals.n; i++) {
        const struct sig_logical *l = &db->logicals.v[i];
        if (logical_enabled(l) && clam_lexpr_eval(db->lexpr_code.data + l->expr_offset, l->expr_len, zeros) &&
            util_vec_push(&e->zero_true, i) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return ASSAY_OK;
}

int engine_build(struct engine *e)
{
    int rc = apply_ignores(e);
    if (rc == ASSAY_OK)
        rc = prepare_logicals(e);
    if (rc != ASSAY_OK)
        return rc;
    rc = index_hashes(e);
    if (rc == ASSAY_OK)
        rc = build_size_filter(e);
    if (rc == ASSAY_OK)
        rc = build_body_databases(e);
    if (rc == ASSAY_OK)
        rc = build_filename_databases(e);
    if (rc == ASSAY_OK)
        e->built = true;
    return rc;
}

void engine_free(struct engine *e)
{
    hs_free_database(e->atoms);
    hs_free_database(e->atoms_nul);
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES; c++)
        hs_free_database(e->class_atoms[c]);
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES; c++)
        hs_free_database(e->class_regexes[c]);
    for (uint32_t g = 0; g < ENGINE_GATE_GROUPS; g++)
        hs_free_database(e->gate_atoms[g]);
    hs_free_database(e->fallback);
    hs_free_database(e->filenames);
    hs_free_database(e->filename_fps);
    if (e->direct.cap) /* a view into a compiled file otherwise */
        util_vec_free(&e->direct);
    if (e->zero_true.cap)
        util_vec_free(&e->zero_true);
    util_vec_free(&e->yara_atom_next);
    util_vec_free(&e->yara_gate_open);
    util_vec_free(&e->yara_window_run);
    util_vec_free(&e->yara_fixed);
    if (e->size_filter.cap)
        util_vec_free(&e->size_filter);
    if (e->hash_fence.cap)
        util_vec_free(&e->hash_fence);
    sigdb_free(&e->sig);
    yrules_free(&e->yara);
    memset(e, 0, sizeof *e);
}
