/* match.c — running every signature kind over one object (see engine.h).
 *
 * Order of work for an object:
 *   1. identify it (PE/ELF/text) for target types and EP/section offsets;
 *   2. one Vectorscan pass over the bytes with all body atoms; each atom hit
 *      is confirmed by the verifier under the signature's offset constraint;
 *      the fallback regex database and the anchored atom-less list follow;
 *   3. logical signatures whose subsignatures were hit are evaluated;
 *   4. hash signatures: the object is hashed only if a signature of its size
 *      (or of any size) exists, and only with the digest kinds needed;
 *   5. filename IOCs run over the path;
 *   6. an allowlist (.fp/.sfp) hash match drops every hit. */
#include <string.h>

#include "../format/textnorm.h"
#include "../sig/clam_lexpr.h"
#include "../util/error.h"
#include "engine.h"
#include "hs_runtime.h"
#include "sizefilter.h"
#include "verify.h"
#include "../yara/yscan.h"

/* Verification work is bounded per signature per object: a signature whose
 * atom is everywhere (00 00 00 in a zero-filled file) and whose rest never
 * matches gets VERIFY_STEPS_PER_BODY steps in all, then gives up on that
 * object, and the give-up is reported (never silent). */
#define VERIFY_STEPS_PER_BODY 20000000
/* Logical signatures need counts; beyond this they add nothing. */
#define MAX_COUNT 65535
/* Floating start ranges wider than this are searched by atom, never by brute force. */
#define DIRECT_MAX_STARTS 65536
/* Vectorscan takes at most 4 GiB - 1 per call; bigger objects go in chunks
 * overlapping by the longest atom so no hit is lost at a boundary. File
 * mappings go in 4 MiB chunks so the pages of the chunk before last can be
 * released as the scan moves on (verification that reaches back re-faults). */
#define CHUNK_MAX ((size_t)1 << 31)
#define CHUNK_FILE_BACKED ((size_t)4 << 20)

struct object {
    const struct engine *e;
    struct engine_scratch *s;
    struct engine_result *r;
    const uint8_t *data;          /* what body signatures see: the bytes, or the normalized text */
    size_t len;
    uint8_t view;                 /* enum engine_view of data */
    unsigned flags;               /* enum engine_object_flags */
    struct fmt_info fmt;
    uint64_t chunk_base;
    uint64_t accept_end_after;    /* drop hits already seen in the previous chunk */
    int error;
};

/* Type-7 signatures see only the normalized text of a text object; type 0
 * sees the raw bytes and, for text objects, the normalized text too (as in
 * ClamAV, which scans both). */
static bool target_matches(const struct object *o, unsigned target)
{
    if (o->view == VIEW_TEXT)
        return target == SIG_TARGET_ANY || target == SIG_TARGET_ASCII;
    switch (target) {
    case SIG_TARGET_ANY: return true;
    case SIG_TARGET_PE: return o->fmt.kind == FMT_PE;
    case SIG_TARGET_ELF: return o->fmt.kind == FMT_ELF;
    case SIG_TARGET_MACHO: return o->fmt.kind == FMT_MACHO;
    default: return false;
    }
}

static bool add_offset(uint64_t base, int64_t delta, uint64_t *out)
{
    if (delta < 0 && (uint64_t)(-delta) > base)
        return false;
    *out = base + (uint64_t)delta;
    return true;
}

/* Where may body b start in this object? False when nowhere. */
static bool start_span(const struct object *o, const struct sig_body *b, struct verify_span *span)
{
    uint64_t base;
    const struct fmt_info *f = &o->fmt;
    switch (b->offset_kind) {
    case SIG_OFF_ANY:
        span->start_lo = 0;
        span->start_hi = o->len;
        return true;
    case SIG_OFF_ABS:
        base = (uint64_t)b->offset;
        break;
    case SIG_OFF_EOF:
        if ((uint64_t)b->offset > o->len)
            return false;
        base = o->len - (uint64_t)b->offset;
        break;
    case SIG_OFF_EP:
        if (!f->has_ep || !add_offset(f->ep_offset, b->offset, &base))
            return false;
        break;
    case SIG_OFF_SECTION:
        if (b->section >= f->nsections ||
            !add_offset(f->sections[b->section].raw_offset, b->offset, &base))
            return false;
        break;
    case SIG_OFF_LAST_SECTION:
        if (f->nsections == 0 ||
            !add_offset(f->sections[f->nsections - 1].raw_offset, b->offset, &base))
            return false;
        break;
    case SIG_OFF_SECTION_ALL:
        if (b->section >= f->nsections || f->sections[b->section].raw_size == 0)
            return false;
        span->start_lo = f->sections[b->section].raw_offset;
        span->start_hi = span->start_lo + f->sections[b->section].raw_size - 1;
        return true;
    default:
        return false;
    }
    if (base >= o->len && !(base == o->len && b->min_len == 0))
        return false;
    span->start_lo = base;
    span->start_hi = base + b->offset_range < base ? UINT64_MAX : base + b->offset_range;
    return true;
}

/* Per-body state for this object, reset lazily by generation stamp. */
static void touch(struct engine_scratch *s, uint32_t id)
{
    if (s->stamp[id] != s->generation) {
        s->stamp[id] = s->generation;
        s->count[id] = 0;
        s->steps[id] = 0;
    }
}

static void record_match(struct object *o, uint32_t id, uint64_t start, uint64_t end)
{
    struct engine_scratch *s = o->s;
    if (s->count[id] == 0) {
        s->first_start[id] = start;
        s->first_end[id] = end;
        if (util_vec_push(&s->touched, id) != 0)
            o->error = ASSAY_ENOMEM;
    }
    if (s->count[id] < MAX_COUNT)
        s->count[id]++;
}

/* Do we still need to look at hits of this body in this object? */
static bool body_wants_more(const struct engine_scratch *s, const struct sig_body *b, uint32_t id)
{
    if (b->logical == SIG_NONE)
        return s->count[id] == 0;
    return s->count[id] < MAX_COUNT;
}

/* Give the attempt what is left of this body's budget for this object. */
static bool begin_attempt(struct object *o, uint32_t id, struct verify_input *in)
{
    uint64_t used = o->s->steps[id];
    if (used >= VERIFY_STEPS_PER_BODY)
        return false;
    in->budget = VERIFY_STEPS_PER_BODY - used;
    return true;
}

static void end_attempt(struct object *o, uint32_t id, const struct verify_input *in, uint64_t granted,
                        enum verify_result vr)
{
    o->s->steps[id] += granted - in->budget;
    if (vr == VERIFY_BUDGET && !o->r->budget_exhausted) {
        o->r->budget_exhausted = true;
        o->r->budget_body = id;
    }
}

static struct verify_input verify_input_for(const struct object *o, const struct sig_body *b)
{
    return (struct verify_input){.db = &o->e->sig, .body = b, .data = o->data, .len = o->len};
}

/* A hit of the run of exact bytes of a masked window (yara_literal.h),
 * ending at *end: does the whole window hold there? *end becomes where the
 * window ends, as if Vectorscan had matched the window itself. */
static bool window_holds(const struct object *o, uint32_t p, uint8_t run, uint64_t *end)
{
    const struct yrules *y = &o->e->yara;
    const struct ypattern *pt = &y->patterns.v[p];
    uint32_t off = run >> 4, len = run & 15, n = pt->atom_len;
    if (*end < (uint64_t)off + len || *end - off - len > o->len || n > o->len - (*end - off - len))
        return false;
    const uint8_t *at = o->data + (*end - off - len), *value = yrules_bytes(y, pt->atom), *mask = value + n;
    for (uint32_t i = 0; i < n; i++)
        if ((at[i] & mask[i]) != (value[i] & mask[i]))
            return false;
    *end = *end - off - len + n;
    return true;
}

/* A Vectorscan hit on body `id` ending at `to` in the current chunk: the
 * atom database reports where the atom ends, the fallback regex database
 * where a whole match ends; both are confirmed by the verifier. */
/* A confirmed match of YARA pattern p opens the gate group it is a gate of
 * (gating.h): that group's database will be scanned over this object. */
static inline void open_gate(struct object *o, uint32_t p)
{
    uint8_t g = p < o->e->yara_gate_open.n ? o->e->yara_gate_open.v[p] : 0;
    if (g && !(o->s->gates_open & (UINT64_C(1) << (g - 1))) && yscan_pattern_found(o->s->yara, p))
        o->s->gates_open |= UINT64_C(1) << (g - 1);
}

static int on_hit(struct object *o, unsigned id, unsigned long long to, bool whole_match)
{
    uint64_t end = o->chunk_base + to;
    if (end <= o->accept_end_after)
        return 0;
    if (o->s->yara && id >= o->e->yara_base) { /* a YARA pattern: raw bytes only */
        if (o->view != VIEW_RAW)
            return 0;
        if (whole_match)
            return yscan_possible(o->s->yara, id - o->e->yara_base);
        uint32_t head = id - o->e->yara_base;
        if (head < o->e->yara_window_run.n && o->e->yara_window_run.v[head] &&
            !window_holds(o, head, o->e->yara_window_run.v[head], &end))
            return 0;
        for (uint32_t p = head; p < o->e->yara_atom_next.n; p = o->e->yara_atom_next.v[p]) {
            if (yscan_hit(o->s->yara, p, end))
                return 1;
            open_gate(o, p);
        }
        return 0;
    }
    const struct sig_body *b = &o->e->sig.bodies.v[id];
    touch(o->s, id);
    if (!body_wants_more(o->s, b, id) || !target_matches(o, b->target))
        return 0;
    struct verify_input in = verify_input_for(o, b);
    if (!start_span(o, b, &in.span) || !begin_attempt(o, id, &in))
        return 0;
    uint64_t start, mend = end, granted = in.budget;
    enum verify_result vr = whole_match ? verify_ending_at(&in, end, &start)
                                        : verify_at_atom(&in, end - b->atom_len, &start, &mend);
    if (vr == VERIFY_YES)
        record_match(o, id, start, mend);
    end_attempt(o, id, &in, granted, vr);
    return o->error ? 1 : 0;
}

static int on_atom(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from;
    (void)flags;
    return on_hit(ctx, id, to, false);
}

static int on_fallback(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from;
    (void)flags;
    return on_hit(ctx, id, to, true);
}

static int scan_chunks(struct object *o, const hs_database_t *db, hs_scratch_t *scratch, match_event_handler fn)
{
    size_t pos = 0, chunk = (o->flags & ENGINE_FILE_BACKED) ? CHUNK_FILE_BACKED : CHUNK_MAX;
    size_t released = 0;
    o->accept_end_after = 0;
    do {
        size_t n = o->len - pos > chunk ? chunk : o->len - pos;
        if (pos >= released + 2 * chunk) { /* keep one chunk behind the cursor */
            engine_release(o->data + released, pos - chunk - released, o->flags);
            released = pos - chunk;
        }
        o->chunk_base = pos;
        engine_populate(o->data + pos, n, o->flags);
        hs_error_t err = engine_hs_scan(db, (const char *)o->data + pos, (unsigned)n, scratch, fn, o);
        if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED)
            return util_error(ASSAY_EENGINE, "Vectorscan scan failed (error %d)", (int)err);
        if (o->error)
            return o->error;
        if (pos + n >= o->len)
            break;
        o->accept_end_after = pos + n;
        pos += n - (SIG_MAX_ATOM - 1);
    } while (1);
    /* The next pass starts over from the beginning: give back the tail too,
     * or every pass would leave its last chunks resident under the next one's. */
    if (released < o->len && o->len > 2 * chunk)
        engine_release(o->data + released, o->len - released, o->flags);
    return ASSAY_OK;
}

static void scan_direct(struct object *o)
{
    const struct engine *e = o->e;
    for (size_t i = 0; i < e->direct.n; i++) {
        uint32_t id = e->direct.v[i];
        const struct sig_body *b = &e->sig.bodies.v[id];
        touch(o->s, id);
        if (!target_matches(o, b->target))
            continue;
        struct verify_input in = verify_input_for(o, b);
        if (!start_span(o, b, &in.span))
            continue;
        uint64_t hi = in.span.start_hi;
        if (hi > o->len)
            hi = o->len;
        if (hi - in.span.start_lo > DIRECT_MAX_STARTS)
            hi = in.span.start_lo + DIRECT_MAX_STARTS;
        for (uint64_t st = in.span.start_lo; st <= hi && body_wants_more(o->s, b, id); st++) {
            if (!begin_attempt(o, id, &in))
                break;
            uint64_t end, granted = in.budget;
            enum verify_result vr = verify_starting_at(&in, st, &end);
            if (vr == VERIFY_YES)
                record_match(o, id, st, end);
            end_attempt(o, id, &in, granted, vr);
            if (vr == VERIFY_BUDGET)
                break;
        }
    }
}

/* ---- building hits --------------------------------------------------------- */

static int add_hit(struct engine_result *r, uint32_t name, uint16_t source, uint32_t line, int16_t score,
                   struct engine_hit **out)
{
    struct engine_hit h = {.name = name, .source = source, .line = line, .score = score,
                           .ev_first = (uint32_t)r->evidence.n, .yara_rule = ENGINE_NO_RULE, .matched = true};
    if (util_vec_push(&r->hits, h) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    *out = &r->hits.v[r->hits.n - 1];
    return ASSAY_OK;
}

static int add_evidence(struct engine_result *r, struct engine_hit *h, struct engine_evidence ev)
{
    if (util_vec_push(&r->evidence, ev) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    h->ev_count++;
    return ASSAY_OK;
}

/* In the text pass, a signature already found in the raw bytes is not
 * reported again. */
static bool already_hit(const struct engine_result *r, uint32_t name, uint16_t source, uint32_t line)
{
    for (size_t i = 0; i < r->hits.n; i++)
        if (r->hits.v[i].yara_rule == ENGINE_NO_RULE && r->hits.v[i].name == name &&
            r->hits.v[i].source == source && r->hits.v[i].line == line)
            return true;
    return false;
}

static int emit_body_hits(struct object *o)
{
    const struct sigdb *db = &o->e->sig;
    struct engine_scratch *s = o->s;
    for (size_t i = 0; i < s->touched.n; i++) {
        uint32_t id = s->touched.v[i];
        const struct sig_body *b = &db->bodies.v[id];
        if (b->logical != SIG_NONE || (o->view == VIEW_TEXT && already_hit(o->r, b->name, b->source, b->line)))
            continue;
        struct engine_hit *h;
        int rc = add_hit(o->r, b->name, b->source, b->line, 0, &h);
        if (rc == ASSAY_OK)
            rc = add_evidence(o->r, h, (struct engine_evidence){.kind = EV_BYTES, .subsig = -1, .view = o->view,
                                                                 .offset = s->first_start[id],
                                                                 .length = s->first_end[id] - s->first_start[id]});
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

static bool range_ok(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v >= lo && v <= hi;
}

static bool tdb_matches(const struct object *o, const struct sig_logical *l)
{
    if ((l->tdb_fields & SIG_TDB_TARGET) && !target_matches(o, l->target))
        return false;
    if ((l->tdb_fields & SIG_TDB_FILESIZE) && !range_ok(o->len, l->filesize_min, l->filesize_max))
        return false;
    if (l->tdb_fields & SIG_TDB_EP) {
        if (!o->fmt.has_ep || !range_ok(o->fmt.ep_offset, l->ep_min, l->ep_max))
            return false;
    }
    if (l->tdb_fields & SIG_TDB_NSECTIONS) {
        if (o->fmt.kind != FMT_PE || !range_ok(o->fmt.nsections, l->nsections_min, l->nsections_max))
            return false;
    }
    return true;
}

/* Logical signatures: bodies of one logical signature are contiguous in
 * `bodies` (the ldb parser appends them together), so the counts of a
 * logical signature are gathered by scanning its touched bodies. */
static int emit_logical_hits(struct object *o, bool (*eval)(const uint8_t *, size_t, const uint32_t *))
{
    const struct sigdb *db = &o->e->sig;
    struct engine_scratch *s = o->s;
    for (size_t i = 0; i < s->touched.n; i++) {
        const struct sig_body *b = &db->bodies.v[s->touched.v[i]];
        if (b->logical == SIG_NONE)
            continue;
        uint32_t lid = b->logical;
        /* Evaluate each logical signature once: at its first touched body. */
        if (s->logical_stamp[lid] == s->generation)
            continue;
        s->logical_stamp[lid] = s->generation;
        const struct sig_logical *l = &db->logicals.v[lid];
        uint32_t counts[SIG_MAX_SUBSIGS] = {0};
        for (size_t j = i; j < s->touched.n; j++) {
            const struct sig_body *tb = &db->bodies.v[s->touched.v[j]];
            if (tb->logical == lid && tb->subsig < SIG_MAX_SUBSIGS)
                counts[tb->subsig] += s->count[s->touched.v[j]];
        }
        if (!tdb_matches(o, l) || !eval(db->lexpr_code.data + l->expr_offset, l->expr_len, counts) ||
            (o->view == VIEW_TEXT && already_hit(o->r, l->name, l->source, l->line)))
            continue;
        struct engine_hit *h;
        int rc = add_hit(o->r, l->name, l->source, l->line, 0, &h);
        for (size_t j = i; j < s->touched.n && rc == ASSAY_OK; j++) {
            uint32_t id = s->touched.v[j];
            const struct sig_body *tb = &db->bodies.v[id];
            if (tb->logical == lid)
                rc = add_evidence(o->r, h, (struct engine_evidence){.kind = EV_BYTES, .subsig = tb->subsig,
                                                                     .view = o->view,
                                                                     .offset = s->first_start[id],
                                                                     .length = s->first_end[id] - s->first_start[id]});
        }
        if (rc != ASSAY_OK)
            return rc;
    }
    /* Expressions that hold with no match at all ("0=0" with a FileSize
     * range): the object's attributes are the only evidence. */
    static const uint32_t zeros[SIG_MAX_SUBSIGS];
    for (size_t i = 0; i < o->e->zero_true.n; i++) {
        uint32_t lid = o->e->zero_true.v[i];
        if (s->logical_stamp[lid] == s->generation)
            continue;
        const struct sig_logical *l = &db->logicals.v[lid];
        if (!tdb_matches(o, l) || !eval(db->lexpr_code.data + l->expr_offset, l->expr_len, zeros) ||
            already_hit(o->r, l->name, l->source, l->line))
            continue;
        struct engine_hit *h;
        int rc = add_hit(o->r, l->name, l->source, l->line, 0, &h);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

/* ---- hashes ------------------------------------------------------------- */

static bool fence_below(const struct engine_fence *f, uint8_t scope, uint64_t size)
{
    return f->scope < scope || (f->scope == scope && f->size < size);
}

/* First index in the sorted hash array with (scope, size) >= the key: the
 * fence narrows the search to one block of ENGINE_FENCE_STEP records. */
static size_t hash_lower_bound(const struct engine *e, uint8_t scope, uint64_t size)
{
    const struct sigdb *db = &e->sig;
    size_t lo = 0, hi = db->hashes.n;
    if (e->hash_fence.n) {
        size_t flo = 0, fhi = e->hash_fence.n; /* first fence entry not below the key */
        while (flo < fhi) {
            size_t mid = flo + (fhi - flo) / 2;
            if (fence_below(&e->hash_fence.v[mid], scope, size))
                flo = mid + 1;
            else
                fhi = mid;
        }
        /* The answer lies after the last fence below the key, up to this fence. */
        lo = flo ? (flo - 1) * ENGINE_FENCE_STEP : 0;
        hi = flo * ENGINE_FENCE_STEP < db->hashes.n ? flo * ENGINE_FENCE_STEP : db->hashes.n;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct sig_hash *h = &db->hashes.v[mid];
        if (h->scope < scope || (h->scope == scope && h->size < size))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct hash_range {
    size_t first, end;
};

static struct hash_range hash_range(const struct engine *e, uint8_t scope, uint64_t size)
{
    const struct sigdb *db = &e->sig;
    if (size != SIG_ANY_SIZE && !size_filter_maybe(e->size_filter.v, e->size_filter.n, scope, size))
        return (struct hash_range){0, 0};
    struct hash_range r = {hash_lower_bound(e, scope, size), 0};
    r.end = r.first;
    while (r.end < db->hashes.n && db->hashes.v[r.end].scope == scope && db->hashes.v[r.end].size == size)
        r.end++;
    return r;
}

static unsigned kinds_in(const struct sigdb *db, struct hash_range r, uint8_t role)
{
    unsigned k = 0;
    for (size_t i = r.first; i < r.end; i++)
        if (db->hashes.v[i].role == role && db->hashes.v[i].kind < SIG_HASH_KINDS)
            k |= 1u << db->hashes.v[i].kind;
    return k;
}

static int check_hash_range(struct object *o, struct hash_range range, const uint8_t digest[SIG_HASH_KINDS][32],
                            unsigned have, uint8_t role, uint64_t hashed_offset, uint64_t hashed_size, bool *matched)
{
    const struct sigdb *db = &o->e->sig;
    for (size_t i = range.first; i < range.end; i++) {
        const struct sig_hash *h = &db->hashes.v[i];
        /* Hash records of a mapped file are not validated one by one on load
         * (a million of them would all become resident): check here. */
        if (h->role != role || h->kind >= SIG_HASH_KINDS || !(have & (1u << h->kind)) ||
            memcmp(h->digest, digest[h->kind], sig_digest_len(h->kind)) != 0)
            continue;
        *matched = true;
        if (role == SIG_ROLE_ALLOW)
            return ASSAY_OK;
        struct engine_hit *hit;
        int rc = add_hit(o->r, h->name, h->source, h->line, h->score, &hit);
        struct engine_evidence ev = {.kind = EV_HASH, .hash_kind = h->kind, .scope = h->scope, .subsig = -1,
                                     .offset = hashed_offset, .length = hashed_size};
        memcpy(ev.digest, digest[h->kind], sizeof ev.digest);
        if (rc == ASSAY_OK)
            rc = add_evidence(o->r, hit, ev);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

static int check_file_hashes(struct object *o, uint8_t role, bool *matched)
{
    const struct sigdb *db = &o->e->sig;
    struct hash_range by_size = hash_range(o->e, SIG_SCOPE_FILE, o->len);
    struct hash_range any = hash_range(o->e, SIG_SCOPE_FILE, SIG_ANY_SIZE);
    unsigned need = kinds_in(db, by_size, role) | kinds_in(db, any, role);
    if (!need)
        return ASSAY_OK;
    int rc = engine_hash_object(o->data, o->len, need, o->flags, o->r);
    if (rc == ASSAY_OK)
        rc = check_hash_range(o, by_size, (const uint8_t(*)[32])o->r->digest, o->r->have_digest, role, 0, o->len, matched);
    if (rc == ASSAY_OK)
        rc = check_hash_range(o, any, (const uint8_t(*)[32])o->r->digest, o->r->have_digest, role, 0, o->len, matched);
    return rc;
}

static int check_section_hashes(struct object *o)
{
    const struct sigdb *db = &o->e->sig;
    if (o->e->section_hashes == 0 || o->fmt.kind != FMT_PE)
        return ASSAY_OK;
    for (uint32_t i = 0; i < o->fmt.nsections; i++) {
        const struct fmt_section *sec = &o->fmt.sections[i];
        if (sec->raw_size == 0 || sec->raw_offset > o->len || sec->raw_size > o->len - sec->raw_offset)
            continue;
        struct hash_range r = hash_range(o->e, SIG_SCOPE_PE_SECTION, sec->raw_size);
        struct hash_range any = hash_range(o->e, SIG_SCOPE_PE_SECTION, SIG_ANY_SIZE);
        unsigned need = kinds_in(db, r, SIG_ROLE_DETECT) | kinds_in(db, any, SIG_ROLE_DETECT);
        if (!need)
            continue;
        struct engine_result tmp = {0};
        int rc = engine_hash_object(o->data + sec->raw_offset, sec->raw_size, need, 0, &tmp);
        bool matched = false;
        if (rc == ASSAY_OK)
            rc = check_hash_range(o, r, (const uint8_t(*)[32])tmp.digest, tmp.have_digest, SIG_ROLE_DETECT,
                                  sec->raw_offset, sec->raw_size, &matched);
        if (rc == ASSAY_OK)
            rc = check_hash_range(o, any, (const uint8_t(*)[32])tmp.digest, tmp.have_digest, SIG_ROLE_DETECT,
                                  sec->raw_offset, sec->raw_size, &matched);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

/* ---- filename IOCs ------------------------------------------------------ */

static int on_filename(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    struct engine_scratch *s = ctx;
    return util_vec_push(&s->fname_hits, id) == 0 ? 0 : 1;
}

static int on_filename_fp(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    struct engine_scratch *s = ctx;
    return util_vec_push(&s->fname_fp_hits, id) == 0 ? 0 : 1;
}

/* IOC regexes are written for Windows paths; match them against the path
 * with '/' as '\' so they also fire on mounted images and Unix paths. */
static int check_filenames(struct object *o, const char *path)
{
    const struct engine *e = o->e;
    struct engine_scratch *s = o->s;
    if (!e->filenames || !path)
        return ASSAY_OK;
    size_t n = strlen(path);
    char *win = malloc(n + 1);
    if (!win)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i <= n; i++)
        win[i] = path[i] == '/' ? '\\' : path[i];
    s->fname_hits.n = s->fname_fp_hits.n = 0;
    engine_hs_scan(e->filenames, win, (unsigned)n, s->filenames, on_filename, s);
    if (s->fname_hits.n && e->filename_fps)
        engine_hs_scan(e->filename_fps, win, (unsigned)n, s->filename_fps, on_filename_fp, s);
    free(win);
    const struct sigdb *db = &e->sig;
    for (size_t i = 0; i < s->fname_hits.n; i++) {
        uint32_t id = s->fname_hits.v[i];
        bool excluded = false;
        for (size_t j = 0; j < s->fname_fp_hits.n; j++)
            excluded |= s->fname_fp_hits.v[j] == id;
        if (excluded)
            continue;
        const struct sig_filename_ioc *f = &db->filename_iocs.v[id];
        struct engine_hit *h;
        int rc = add_hit(o->r, f->regex, f->source, f->line, f->score, &h);
        if (rc == ASSAY_OK)
            rc = add_evidence(o->r, h, (struct engine_evidence){.kind = EV_FILENAME, .subsig = -1, .ioc = id});
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

/* ---- YARA rules ---------------------------------------------------------- */

/* After the raw pass: settle atom-less patterns, evaluate every rule, and
 * report the matching ones (and the others when asked) with each match of
 * their non-private strings as evidence. */
static int emit_yara_hits(struct object *o)
{
    struct yscan *y = o->s->yara;
    const struct yrules *r = &o->e->yara;
    int rc = yscan_finish_strings(y);
    if (rc == ASSAY_OK)
        rc = yscan_evaluate(y);
    if (rc != ASSAY_OK)
        return util_error(rc, "out of memory evaluating YARA rules");
    for (uint32_t i = 0; i < r->rules.n; i++) {
        bool matched = y->rule_state[i] == YRS_TRUE;
        if (!matched && !o->s->yara_nonmatching)
            continue; /* before reading the rule: most of them, on most objects */
        const struct yrule *rule = &r->rules.v[i];
        if (rule->is_private)
            continue;
        struct engine_hit *h;
        if ((rc = add_hit(o->r, 0, 0, rule->ast->pos.line, 0, &h)) != ASSAY_OK)
            return rc;
        h->yara_rule = i;
        h->matched = matched;
        for (uint32_t k = 0; k < rule->string_count; k++) {
            uint32_t si = rule->string_first + k;
            const struct ymatch_list *l = yscan_matches(y, si);
            if (!l || r->strings.v[si].is_private)
                continue;
            for (size_t m = 0; m < l->n; m++) {
                struct engine_evidence ev = {.kind = EV_BYTES, .subsig = (int16_t)(k > INT16_MAX ? INT16_MAX : k),
                                             .view = VIEW_RAW, .offset = l->v[m].offset,
                                             .length = l->v[m].length, .ystring = si, .xor_key = l->v[m].xor_key};
                if ((rc = add_evidence(o->r, h, ev)) != ASSAY_OK)
                    return rc;
                h = &o->r->hits.v[o->r->hits.n - 1];
            }
        }
    }
    if (y->capped_string != YRULES_NONE)
        o->r->yara_capped = y->capped_string;
    return ASSAY_OK;
}

/* ---- entry point -------------------------------------------------------- */

/* Start a fresh per-object state (stamps are compared with the generation,
 * so nothing is cleared per object). */
static void new_generation(const struct engine *e, struct engine_scratch *s)
{
    if (++s->generation == 0) { /* wrapped: stamps from 2^32 passes ago could collide */
        memset(s->stamp, 0, e->sig.bodies.n * sizeof *s->stamp);
        memset(s->logical_stamp, 0, e->sig.logicals.n * sizeof *s->logical_stamp);
        s->generation = 1;
    }
    s->touched.n = 0;
}

/* The literals of YARA rules that need a header check (engine.h): searched
 * only where it holds, or everywhere when the strings of rules that do not
 * match are wanted too (yara -n -s). */
static int guard_class_pass(struct object *o)
{
    const struct engine *e = o->e;
    struct engine_scratch *s = o->s;
    int rc = ASSAY_OK;
    for (uint32_t c = 0; c < e->nclasses && rc == ASSAY_OK; c++) {
        const struct engine_guard_class *g = &e->classes[c];
        struct yval v = yeval_read(s->yara, g->reader, g->offset);
        if (!s->yara->all_strings && !(v.type == YV_INT && v.i == g->value))
            continue;
        if (e->class_atoms[c])
            rc = scan_chunks(o, e->class_atoms[c], s->class_atoms[c], on_atom);
        if (rc == ASSAY_OK && e->class_regexes[c])
            rc = scan_chunks(o, e->class_regexes[c], s->class_regexes[c], on_atom);
    }
    return rc;
}

/* The literals waiting for gates (gating.h): a group's database is scanned
 * once a gate string of its rules was hit, or always when the strings of
 * rules that do not match are wanted too. */
static int gate_pass(struct object *o)
{
    const struct engine *e = o->e;
    struct engine_scratch *s = o->s;
    int rc = ASSAY_OK;
    for (uint32_t g = 0; g < e->ngates && rc == ASSAY_OK; g++)
        if (e->gate_atoms[g] && (s->yara->all_strings || (s->gates_open & (UINT64_C(1) << g))))
            rc = scan_chunks(o, e->gate_atoms[g], s->gate_atoms, on_atom);
    return rc;
}

/* The YARA strings used only as `$s at N`: each of their patterns checked
 * at N, as if its literal had been hit there (a gate opens as on a hit). */
static int fixed_offset_pass(struct object *o)
{
    const struct engine *e = o->e;
    struct yscan *y = o->s->yara;
    for (size_t k = 0; k < e->yara_fixed.n; k++) {
        const struct engine_fixed *f = &e->yara_fixed.v[k];
        uint32_t p = f->pattern;
        int64_t at = e->yara.strings.v[e->yara.patterns.v[p].string].fixed_offset;
        for (int i = 0; i < 2 && f->end[i] >= 0; i++) {
            uint64_t end = (uint64_t)at + (uint64_t)f->end[i];
            if (end > o->len)
                continue;
            if (yscan_hit(y, p, end))
                return ASSAY_OK; /* the YARA scan failed: it says so when evaluated */
        }
        open_gate(o, p);
    }
    return ASSAY_OK;
}

/* Every body and logical signature over o->data (one view of the object). */
static int body_pass(struct object *o)
{
    const struct engine *e = o->e;
    struct engine_scratch *s = o->s;
    new_generation(e, s);
    s->gates_open = 0;
    int rc = ASSAY_OK;
    if (e->atoms && o->len > 0)
        rc = scan_chunks(o, e->atoms, s->atoms, on_atom);
    if (rc == ASSAY_OK && e->atoms_nul && o->len > 0)
        rc = scan_chunks(o, e->atoms_nul, s->atoms_nul, on_atom);
    if (rc == ASSAY_OK && e->yara_fixed.n && s->yara && o->view == VIEW_RAW && o->len > 0)
        rc = fixed_offset_pass(o);
    if (rc == ASSAY_OK && e->nclasses && s->yara && o->view == VIEW_RAW && o->len > 0)
        rc = guard_class_pass(o);
    if (rc == ASSAY_OK && e->ngates && s->yara && o->view == VIEW_RAW && o->len > 0)
        rc = gate_pass(o);
    if (rc == ASSAY_OK && e->fallback)
        rc = scan_chunks(o, e->fallback, s->fallback, on_fallback);
    if (rc == ASSAY_OK && e->direct.n)
        scan_direct(o);
    if (rc == ASSAY_OK)
        rc = emit_body_hits(o);
    if (rc == ASSAY_OK && (s->touched.n || e->zero_true.n) && e->sig.logicals.n)
        rc = emit_logical_hits(o, clam_lexpr_eval);
    return rc;
}

/* The same signatures over the normalized text of a text object. */
static int text_pass(struct object *o)
{
    struct engine_result *r = o->r;
    r->text.len = 0;
    if (util_buf_reserve(&r->text, o->len) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory normalizing text");
    r->text.len = fmt_text_normalize(o->data, o->len, r->text.data);
    const uint8_t *raw = o->data;
    size_t raw_len = o->len;
    unsigned flags = o->flags;
    o->data = r->text.data;
    o->len = r->text.len;
    o->view = VIEW_TEXT;
    o->flags &= ~(unsigned)ENGINE_FILE_BACKED; /* heap memory: never release its pages */
    int rc = body_pass(o);
    o->data = raw;
    o->len = raw_len;
    o->view = VIEW_RAW;
    o->flags = flags;
    return rc;
}

int engine_scan_object(const struct engine *e, struct engine_scratch *s, const char *path, const uint8_t *data,
                       size_t len, unsigned flags, struct engine_result *r)
{
    struct object o = {.e = e, .s = s, .r = r, .data = data, .len = len, .flags = flags, .view = VIEW_RAW};
    engine_result_reset(r);
    fmt_identify(data, len, &o.fmt);
    if (s->yara) {
        /* Non-matching rules are reported with their string matches (yara
         * -n -s), so confirm the strings of rules whose guard failed too. */
        s->yara->all_strings = s->yara_nonmatching;
        yscan_begin(s->yara, data, len, s->yara_max_matches, s->yara_fast, o.fmt.has_ep, o.fmt.ep_offset);
    }
    int rc = body_pass(&o);
    if (rc == ASSAY_OK && s->yara)
        rc = emit_yara_hits(&o);
    if (s->yara)
        yscan_end(s->yara);
    if (rc == ASSAY_OK && o.fmt.kind == FMT_TEXT && e->sig.bodies.n)
        rc = text_pass(&o);
    bool matched = false;
    if (rc == ASSAY_OK)
        rc = check_file_hashes(&o, SIG_ROLE_DETECT, &matched);
    if (rc == ASSAY_OK)
        rc = check_section_hashes(&o);
    if (rc == ASSAY_OK)
        rc = check_filenames(&o, path);
    if (rc == ASSAY_OK && r->hits.n && e->allow_hashes) {
        bool allowed = false;
        rc = check_file_hashes(&o, SIG_ROLE_ALLOW, &allowed);
        if (allowed) {
            r->hits.n = 0;
            r->evidence.n = 0;
            r->allowlisted = true;
        }
    }
    if (rc == ASSAY_OK && ((flags & ENGINE_WANT_SHA256) || r->hits.n))
        rc = engine_hash_object(data, len, 1u << SIG_SHA256, flags, r);
    return rc;
}
