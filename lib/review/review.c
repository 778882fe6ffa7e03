/* review.c — inventory + signature scan + policy (see review.h).
 *
 * Steps: load the policy (refused when it has errors after lint), the
 * catalog; inventory the root and attribute every item; scan the root with
 * the signatures, each finding becoming a `malicious` subject tied to the
 * item owning its file (package file lists, executable and bundle paths);
 * then the policy's verdict, deadline and replacement per item. */
#include "review/review.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/inventory_report.h"
#include "util/error.h"

/* ---- path -> owning item ---------------------------------------------------------- */

/* Open addressing over FNV-1a hashes of root-relative paths. */
struct owner_map {
    const char **keys;
    uint32_t *items;
    size_t cap, n;
};

static uint64_t path_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static int owner_put(struct owner_map *m, const char *path, uint32_t item)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        struct owner_map bigger = {calloc(cap, sizeof(char *)), calloc(cap, sizeof(uint32_t)), cap, 0};
        if (bigger.keys == NULL || bigger.items == NULL) {
            free(bigger.keys);
            free(bigger.items);
            return ASSAY_ENOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i] != NULL)
                owner_put(&bigger, m->keys[i], m->items[i]);
        free(m->keys);
        free(m->items);
        *m = bigger;
    }
    size_t len = strlen(path);
    size_t i = path_hash(path, len) & (m->cap - 1);
    while (m->keys[i] != NULL) {
        if (strcmp(m->keys[i], path) == 0)
            return 0; /* the first owner stays */
        i = (i + 1) & (m->cap - 1);
    }
    m->keys[i] = path;
    m->items[i] = item;
    m->n++;
    return 0;
}

static bool owner_get(const struct owner_map *m, const char *path, size_t len, uint32_t *item)
{
    if (m->cap == 0)
        return false;
    size_t i = path_hash(path, len) & (m->cap - 1);
    while (m->keys[i] != NULL) {
        if (strncmp(m->keys[i], path, len) == 0 && m->keys[i][len] == '\0') {
            *item = m->items[i];
            return true;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return false;
}

/* The item owning a file: the file itself, else its nearest folder that is
 * an item's path (a bundle, an install location). Archive members belong to
 * their outermost file. */
static bool owner_of(const struct owner_map *m, const char *path, uint32_t *item)
{
    size_t len = strcspn(path, "!");
    while (len > 1) {
        if (owner_get(m, path, len, item))
            return true;
        while (len > 0 && path[len - 1] != '/')
            len--;
        if (len > 0)
            len--; /* drop the slash */
    }
    return false;
}

/* Executables first: a file is better described by its own item than by a
 * service or program that points at it. Package file lists hold files only
 * (no folders), so a shared folder like /usr/bin owns nothing. */
static int build_owner_map(const struct review *rv, struct owner_map *m)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < rv->inv.items.n; i++) {
            const struct inv_item *it = rv->inv.items.v[i];
            if ((it->kind == INV_EXECUTABLE) != (pass == 0))
                continue;
            int rc = 0;
            for (size_t f = 0; f < it->files.n && rc == 0; f++)
                rc = owner_put(m, it->files.v[f], (uint32_t)i);
            if (rc == 0 && it->path != NULL && it->path[0] == '/' && strcmp(it->path, "/") != 0)
                rc = owner_put(m, it->path, (uint32_t)i);
            if (rc != 0)
                return rc;
        }
    return 0;
}

/* ---- the scan --------------------------------------------------------------------- */

struct scan_sink {
    struct review *rv;
    size_t root_len;  /* strip this prefix from scanned paths ("/" root: 0) */
    int rc;
};

static const char *root_relative(struct scan_sink *s, const char *path)
{
    if (s->root_len > 0 && strncmp(path, s->rv->inv.root, s->root_len) == 0 &&
        (path[s->root_len] == '/' || path[s->root_len] == '\0'))
        path += s->root_len;
    return util_arena_strdup(&s->rv->arena, path[0] ? path : "/");
}

static char *hex_copy(struct util_arena *a, const uint8_t *p, size_t n)
{
    char *h = util_arena_alloc(a, 2 * n + 1);
    for (size_t i = 0; h != NULL && i < n; i++)
        snprintf(h + 2 * i, 3, "%02x", p[i]);
    return h;
}

static void on_finding(void *user, const struct assay_finding *f)
{
    struct scan_sink *s = user;
    struct util_arena *a = &s->rv->arena;
    if (!f->matched || s->rc != 0)
        return;
    struct review_malicious m = {
        .path = root_relative(s, f->path),
        .rule = util_arena_strdup(a, f->rule),
        .engine = util_arena_strdup(a, f->engine),
        .ns = util_arena_strdup(a, f->ns),
        .source_file = util_arena_strdup(a, f->source),
        .source_line = f->line,
        .sha256 = util_arena_strdup(a, f->sha256),
        .size = f->size,
    };
    for (size_t i = 0; i < f->evidence_count; i++) {
        const struct assay_evidence *e = &f->evidence[i];
        struct review_evidence r = {
            .string_id = util_arena_strdup(a, e->string_id),
            .offset = e->offset,
            .length = e->length,
            .truncated = e->bytes_truncated,
            .strength = e->kind == ASSAY_EVIDENCE_FILENAME ? INV_WEAK : INV_STRONG,
        };
        if (e->kind == ASSAY_EVIDENCE_BYTES) {
            r.kind = "signature";
            r.bytes_hex = hex_copy(a, e->bytes, e->bytes_len);
        } else if (e->kind == ASSAY_EVIDENCE_HASH) {
            r.kind = "hash";
            r.hash_algorithm = util_arena_strdup(a, e->hash_kind);
            r.hash_value = util_arena_strdup(a, e->hash_hex);
        } else {
            r.kind = "filename";
            r.bytes_hex = NULL;
        }
        if (util_vec_push(&m.evidence, r) != 0)
            s->rc = ASSAY_ENOMEM;
    }
    if (m.path == NULL || m.rule == NULL || util_vec_push(&s->rv->malicious, m) != 0)
        s->rc = ASSAY_ENOMEM;
}

static void on_problem(void *user, const struct assay_problem *p)
{
    struct scan_sink *s = user;
    if (p->warning)
        return;
    struct review_problem rp = {
        .path = root_relative(s, p->path),
        .code = assay_status_name(p->code),
        .message = util_arena_strdup(&s->rv->arena, p->reason),
    };
    if (rp.path == NULL || rp.message == NULL || util_vec_push(&s->rv->problems, rp) != 0)
        s->rc = ASSAY_ENOMEM;
}

static int run_scan(struct review *rv, const struct review_options *opt)
{
    struct scan_sink sink = {.rv = rv, .root_len = rv->inv.live ? 0 : strlen(rv->inv.root)};
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = &sink};
    struct assay_scan_summary sum = {0};
    const char *root = rv->inv.root;
    const char *const *paths = opt->scan_path_count > 0 ? opt->scan_paths : &root;
    size_t npaths = opt->scan_path_count > 0 ? opt->scan_path_count : 1;
    int rc = assay_scan_paths(opt->db, paths, npaths, &opt->scan, &cb, &sum);
    rv->files_scanned = sum.files;
    rv->bytes_scanned = sum.bytes;
    return rc != 0 ? rc : sink.rc;
}

/* ---- policy and catalog ----------------------------------------------------------- */

static int load_policy_and_catalog(struct review *rv, const struct review_options *opt)
{
    int rc = opt->policy ? policy_load_file(&rv->policy, opt->policy) : policy_load_default(&rv->policy);
    if (rc != 0 && rc != ASSAY_ESYNTAX)
        return rc;
    int crc;
    char path[4096];
    if (opt->catalog != NULL) {
        crc = catalog_load_file(&rv->catalog, opt->catalog);
    } else if (policy_catalog_path(&rv->policy, path, sizeof path)) {
        crc = catalog_load_file(&rv->catalog, path);
    } else {
        crc = catalog_load_default(&rv->catalog);
    }
    if (crc != 0)
        return crc;
    if (policy_lint(&rv->policy, &rv->catalog) < 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    if (rv->policy.errors > 0) {
        policy_sort_diags(&rv->policy);
        for (size_t i = 0; i < rv->policy.diags.n; i++) {
            const struct policy_diag *d = &rv->policy.diags.v[i];
            if (d->severity == POLICY_ERROR)
                return util_error(ASSAY_ESYNTAX, "%s:%u:%u: %s (%zu error%s in the policy; see assay policy lint)",
                                  rv->policy.name, d->line, d->column, d->message, rv->policy.errors,
                                  rv->policy.errors == 1 ? "" : "s");
        }
        return util_error(ASSAY_ESYNTAX, "%s: the policy has errors", rv->policy.name);
    }
    return 0;
}

/* ---- verdicts --------------------------------------------------------------------- */

static uint8_t verdict_of(enum policy_verdict v)
{
    switch (v) {
    case POLICY_EXCLUDE: return RV_EXCLUDED;
    case POLICY_REVIEW: return RV_REVIEW;
    default: return RV_ALLOWED;
    }
}

static int decide(struct review *rv)
{
    size_t n = rv->inv.items.n;
    struct catalog_match *matches = calloc(n + 1, sizeof *matches);
    if (matches == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (rv->items.v[i].attributed)
            matches[i] = rv->items.v[i].match;
    for (size_t i = 0; i < n; i++) {
        struct review_item *ri = &rv->items.v[i];
        ri->replacement_index = SIZE_MAX;
        ri->covered = policy_evaluate(&rv->policy, ri->item, ri->attributed ? &ri->match : NULL,
                                      &rv->ctx, &ri->policy);
        ri->verdict = ri->covered ? verdict_of(ri->policy.hit.entry->verdict) : RV_ALLOWED;
        if (ri->covered && ri->policy.replacement != NULL && ri->verdict != RV_ALLOWED) {
            ri->replacement_required = true;
            ri->replacement_present = policy_replacement_present(
                &rv->policy, ri->policy.replacement, (const struct inv_item *const *)rv->inv.items.v,
                matches, n, &rv->ctx, &ri->replacement_index);
        }
    }
    free(matches);
    return 0;
}

static int attribute_all(struct review *rv)
{
    if (util_vec_reserve(&rv->items, rv->inv.items.n + 1) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < rv->inv.items.n; i++) {
        struct review_item ri = {.item = rv->inv.items.v[i]};
        ri.attributed = catalog_attribute(&rv->catalog, ri.item, &ri.match);
        rv->items.v[rv->items.n++] = ri;
    }
    return 0;
}

static void tie_malicious_to_owners(struct review *rv, const struct owner_map *owners)
{
    for (size_t i = 0; i < rv->malicious.n; i++) {
        struct review_malicious *m = &rv->malicious.v[i];
        uint32_t item;
        if (owner_of(owners, m->path, &item)) {
            m->owner = rv->inv.items.v[item];
            rv->items.v[item].malicious_files++;
        }
    }
}

int review_run(struct review *rv, const struct review_options *opt)
{
    memset(rv, 0, sizeof *rv);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    report_time_iso(rv->started, time(NULL));
    rv->ctx.host_tags = opt->host_tags;
    rv->ctx.ntags = opt->host_tag_count;
    rv->ctx.today = opt->today != POLICY_NO_DAY ? opt->today : policy_today();
    int rc = load_policy_and_catalog(rv, opt);
    if (rc == 0)
        rc = inventory_init(&rv->inv, opt->root);
    if (rc == 0) {
        rv->host = rv->inv.host;
        rc = inventory_collect(&rv->inv, &opt->inventory);
    }
    for (size_t i = 0; rc == 0 && i < rv->inv.problems.n; i++) {
        struct review_problem p = {rv->inv.problems.v[i].path, "EIO", rv->inv.problems.v[i].message};
        if (util_vec_push(&rv->problems, p) != 0)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
    }
    if (rc == 0)
        rc = attribute_all(rv);
    if (rc == 0 && opt->db != NULL)
        rc = run_scan(rv, opt);
    struct owner_map owners = {0};
    if (rc == 0 && rv->malicious.n > 0 && (rc = build_owner_map(rv, &owners)) == 0)
        tie_malicious_to_owners(rv, &owners);
    free(owners.keys);
    free(owners.items);
    if (rc == 0)
        rc = decide(rv);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rv->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

void review_free(struct review *rv)
{
    for (size_t i = 0; i < rv->malicious.n; i++)
        util_vec_free(&rv->malicious.v[i].evidence);
    util_vec_free(&rv->malicious);
    util_vec_free(&rv->items);
    util_vec_free(&rv->problems);
    inventory_free(&rv->inv);
    catalog_free(&rv->catalog);
    policy_free(&rv->policy);
    util_arena_free(&rv->arena);
    memset(rv, 0, sizeof *rv);
}

void review_count(const struct review *rv, struct review_counts *out)
{
    memset(out, 0, sizeof *out);
    out->items = rv->items.n;
    out->malicious = rv->malicious.n;
    for (size_t i = 0; i < rv->items.n; i++) {
        const struct review_item *ri = &rv->items.v[i];
        out->attributed += ri->attributed;
        switch (ri->verdict) {
        case RV_EXCLUDED: out->excluded++; break;
        case RV_REVIEW: out->review++; break;
        default: out->allowed++; break;
        }
        if (ri->covered && ri->verdict != RV_ALLOWED && ri->policy.hit.deadline.state == POLICY_OVERDUE)
            out->overdue++;
        if (ri->replacement_required && !ri->replacement_present)
            out->replacement_missing++;
    }
}

const char *review_verdict_name(enum review_verdict v)
{
    switch (v) {
    case RV_ALLOWED: return "allowed";
    case RV_REVIEW: return "review";
    case RV_EXCLUDED: return "excluded";
    case RV_MALICIOUS: return "malicious";
    default: return "none";
    }
}
