/* yara_finding.c — a YARA rule hit of the engine as an assay_finding: rule,
 * namespace, tags, metadata, and each match of its strings as evidence
 * (identifier, offset, length, bytes). */
#include <string.h>

#include "../util/error.h"
#include "scan.h"

/* Matched bytes shown per evidence item; the offset and length are exact. */
#define EVIDENCE_BYTES_CAP 512

int scan_yara_finding(struct scan_worker *w, const struct engine_hit *h, const char *path, const uint8_t *data,
                      size_t len, const char *sha256)
{
    struct scan_run *run = w->run;
    const struct yrules *r = &run->engine->yara;
    const struct yrule *rule = &r->rules.v[h->yara_rule];
    const struct yara_rule *ast = rule->ast;
    const struct engine_evidence *ev = h->ev_count ? &w->result.evidence.v[h->ev_first] : NULL;
    struct assay_evidence *out = h->ev_count ? calloc(h->ev_count, sizeof *out) : NULL;
    struct assay_meta *metas = ast->meta_count ? calloc(ast->meta_count, sizeof *metas) : NULL;
    if ((h->ev_count && !out) || (ast->meta_count && !metas)) {
        free(out);
        free(metas);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < h->ev_count; k++) {
        const struct engine_evidence *x = &ev[k];
        struct assay_evidence *o = &out[k];
        o->kind = ASSAY_EVIDENCE_BYTES;
        o->subsignature = x->subsig;
        o->offset = x->offset;
        o->length = x->length;
        o->bytes = data + x->offset;
        o->bytes_len = x->length > EVIDENCE_BYTES_CAP ? EVIDENCE_BYTES_CAP : (size_t)x->length;
        o->bytes_truncated = x->length > EVIDENCE_BYTES_CAP;
        o->string_id = r->strings.v[x->ystring].ast->name;
        o->hex_string = r->strings.v[x->ystring].is_hex;
    }
    for (size_t k = 0; k < ast->meta_count; k++) {
        const struct yara_meta *m = &ast->metas[k];
        metas[k].name = m->name;
        metas[k].kind = m->kind == YARA_META_STRING ? ASSAY_META_STRING
                        : m->kind == YARA_META_INT  ? ASSAY_META_INTEGER
                                                    : ASSAY_META_BOOLEAN;
        metas[k].string = (const char *)m->str;
        metas[k].string_len = m->str_len;
        metas[k].integer = m->integer;
    }
    struct assay_finding f = {
        .path = path,
        .rule = ast->name,
        .source = ast->pos.file ? ast->pos.file : "",
        .line = ast->pos.line,
        .verdict = h->matched ? "malicious" : "none",
        .size = len,
        .sha256 = sha256,
        .evidence = out,
        .evidence_count = h->ev_count,
        .engine = "yara",
        .ns = rule->ns,
        .tags = ast->tags,
        .tag_count = ast->tag_count,
        .metas = metas,
        .meta_count = ast->meta_count,
        .matched = h->matched,
    };
    if (run->cb && run->cb->finding) {
        pthread_mutex_lock(&run->report_lock);
        run->cb->finding(run->cb->user, &f);
        pthread_mutex_unlock(&run->report_lock);
    }
    free(out);
    free(metas);
    return ASSAY_OK;
}
