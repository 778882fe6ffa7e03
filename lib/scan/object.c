/* object.c — one object through the engine, its findings out to the caller,
 * and its archive members back in, to --max-recursion levels. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../source/archive.h"
#include "../util/error.h"
#include "scan.h"

/* Matched bytes shown per evidence item; the offset and length are exact. */
#define EVIDENCE_BYTES_CAP 256

static const char *hash_kind_name(unsigned k)
{
    return k == SIG_MD5 ? "md5" : k == SIG_SHA1 ? "sha1" : "sha256";
}

static void to_hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

static bool below_min_score(const struct scan_run *run, const struct engine_hit *h, const struct engine_evidence *ev)
{
    /* Filename IOCs always carry a score; hash IOCs only sometimes. */
    if (h->ev_count && ev[0].kind == EV_FILENAME)
        return h->score < run->opt->ioc_min_score;
    return h->score > 0 && h->score < run->opt->ioc_min_score;
}

static void report_findings(struct scan_worker *w, const char *path, const uint8_t *data, size_t len)
{
    struct scan_run *run = w->run;
    const struct engine *e = run->engine;
    const struct sigdb *db = &e->sig;
    struct engine_result *r = &w->result;
    char sha256[65] = "";
    if (r->have_digest & (1u << SIG_SHA256))
        to_hex(r->digest[SIG_SHA256], 32, sha256);
    bool any = false;
    for (size_t i = 0; i < r->hits.n; i++) {
        const struct engine_hit *h = &r->hits.v[i];
        const struct engine_evidence *ev = h->ev_count ? &r->evidence.v[h->ev_first] : NULL;
        if (h->yara_rule != ENGINE_NO_RULE) {
            if (scan_yara_finding(w, h, path, data, len, sha256) != ASSAY_OK)
                scan_problem(run, path, ASSAY_ENOMEM, "out of memory reporting a YARA match");
            if (!h->matched)
                continue;
            any = true;
            atomic_fetch_add(&run->findings, 1);
            if (!run->opt->all_matches)
                break;
            continue;
        }
        if (below_min_score(run, h, ev))
            continue;
        struct assay_evidence out[SIG_MAX_SUBSIGS * 2];
        char hexes[SIG_MAX_SUBSIGS * 2][65];
        size_t n = h->ev_count < sizeof out / sizeof out[0] ? h->ev_count : sizeof out / sizeof out[0];
        for (size_t k = 0; k < n; k++) {
            const struct engine_evidence *x = &ev[k];
            struct assay_evidence *o = &out[k];
            memset(o, 0, sizeof *o);
            o->kind = (enum assay_evidence_kind)x->kind;
            o->subsignature = x->subsig;
            if (x->kind == EV_BYTES) {
                o->offset = x->offset;
                o->length = x->length;
                o->normalized_text = x->view == VIEW_TEXT;
                o->bytes = (o->normalized_text ? r->text.data : data) + x->offset;
                o->bytes_len = x->length > EVIDENCE_BYTES_CAP ? EVIDENCE_BYTES_CAP : (size_t)x->length;
                o->bytes_truncated = x->length > EVIDENCE_BYTES_CAP;
            } else if (x->kind == EV_HASH) {
                to_hex(x->digest, sig_digest_len(x->hash_kind), hexes[k]);
                o->hash_kind = hash_kind_name(x->hash_kind);
                o->hash_hex = hexes[k];
                o->hash_scope = x->scope == SIG_SCOPE_PE_SECTION ? "pe-section" : "file";
                o->hashed_offset = x->offset;
                o->hashed_size = x->length;
            } else {
                o->pattern = sigdb_str(db, db->filename_iocs.v[x->ioc].regex);
                o->score = h->score;
            }
        }
        struct assay_finding f = {
            .path = path,
            .rule = sigdb_str_checked(db, h->name),
            .source = sigdb_source_path(db, h->source),
            .line = h->line,
            .verdict = "malicious",
            .size = len,
            .sha256 = sha256,
            .evidence = out,
            .evidence_count = n,
            .engine = h->ev_count && ev[0].kind == EV_FILENAME ? "ioc" : h->score ? "ioc" : "clamav",
            .matched = true,
        };
        any = true;
        atomic_fetch_add(&run->findings, 1);
        if (run->cb && run->cb->finding) {
            pthread_mutex_lock(&run->report_lock);
            run->cb->finding(run->cb->user, &f);
            pthread_mutex_unlock(&run->report_lock);
        }
        if (!run->opt->all_matches)
            break;
    }
    if (any)
        atomic_fetch_add(&run->infected, 1);
}

struct member_ctx {
    struct scan_worker *w;
    const char *parent;
    unsigned depth;
};

static int on_member(void *arg, const char *name, const uint8_t *data, size_t len)
{
    struct member_ctx *m = arg;
    size_t n = strlen(m->parent) + strlen(name) + 2;
    char *full = malloc(n);
    if (!full) {
        scan_problem(m->w->run, m->parent, ASSAY_ENOMEM, "out of memory");
        return 1;
    }
    snprintf(full, n, "%s!%s", m->parent, name);
    m->w->top_extracted += len;
    scan_object(m->w, full, data, len, m->depth + 1);
    free(full);
    return 0;
}

static void scan_members(struct scan_worker *w, const char *path, const uint8_t *data, size_t len, unsigned depth)
{
    struct scan_run *run = w->run;
    const struct assay_scan_options *opt = run->opt;
    if (depth >= opt->max_recursion) {
        scan_problem(run, path, ASSAY_ELIMIT, "archive nested deeper than --max-recursion %u; members not scanned",
                     opt->max_recursion);
        return;
    }
    uint64_t left = opt->max_scansize > w->top_extracted ? opt->max_scansize - w->top_extracted : 0;
    if (left == 0) {
        scan_problem(run, path, ASSAY_ELIMIT, "--max-scansize reached; members not scanned");
        return;
    }
    struct arc_limits lim = {
        .max_files = opt->max_files,
        .max_member_size = opt->max_filesize && opt->max_filesize < left ? opt->max_filesize : left,
        .max_total = left,
        .max_ratio = opt->max_ratio,
        .input_is_file_mapping = depth == 0 && w->file_backed,
    };
    struct member_ctx m = {w, path, depth};
    struct arc_report rep = {0};
    arc_walk(data, len, path, &lim, on_member, &m, &rep);
    if (rep.limit_hit)
        scan_problem(run, path, ASSAY_ELIMIT, "%s", rep.message);
    if (rep.error)
        scan_problem(run, path, ASSAY_EFORMAT, "%s", rep.message);
}

int scan_object(struct scan_worker *w, const char *path, const uint8_t *data, size_t len, unsigned depth)
{
    struct scan_run *run = w->run;
    atomic_fetch_add(&run->files, 1);
    atomic_fetch_add(&run->bytes, len);
    unsigned flags = (run->opt->always_sha256 ? ENGINE_WANT_SHA256 : 0) | (depth == 0 && w->file_backed ? ENGINE_FILE_BACKED : 0);
    w->current_path = path;
    int rc = engine_scan_object(run->engine, &w->scratch, path, data, len, flags, &w->result);
    if (rc != ASSAY_OK) {
        scan_problem(run, path, rc, "%s", assay_last_error());
        return rc;
    }
    if (w->result.hits.n)
        report_findings(w, path, data, len);
    if (w->result.budget_exhausted) {
        const struct sigdb *db = &run->engine->sig;
        scan_problem(run, path, ASSAY_ELIMIT,
                     "signature %s: verification work limit reached on this object; it may have missed a match",
                     sigdb_str(db, db->bodies.v[w->result.budget_body].name));
    }
    if (w->result.yara_capped != ENGINE_NO_RULE) {
        const struct yrules *y = &run->engine->yara;
        const struct ystring *st = &y->strings.v[w->result.yara_capped];
        scan_problem_warning(run, path, "rule %s: string %s has more than %llu matches; the rest were not recorded",
                             y->rules.v[st->rule].ast->name, st->ast->name,
                             (unsigned long long)(run->opt->max_string_matches ? run->opt->max_string_matches
                                                                                : YRULES_DEFAULT_MAX_MATCHES));
    }
    if (run->opt->scan_archives && arc_detect(data, len))
        scan_members(w, path, data, len, depth);
    if (run->cb && run->cb->object_done) {
        pthread_mutex_lock(&run->report_lock);
        run->cb->object_done(run->cb->user, path);
        pthread_mutex_unlock(&run->report_lock);
    }
    return ASSAY_OK;
}
