/* json.c — findings, problems and the summary as JSON Lines (jansson).
 * The schema is documented in docs/json-output.md; change both together. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "report/inventory_report.h"

const char *assay_status_name(int code)
{
    switch (code) {
    case ASSAY_OK: return "OK";
    case ASSAY_ENOMEM: return "ENOMEM";
    case ASSAY_EIO: return "EIO";
    case ASSAY_ESYNTAX: return "ESYNTAX";
    case ASSAY_EFORMAT: return "EFORMAT";
    case ASSAY_ELIMIT: return "ELIMIT";
    case ASSAY_EINVAL: return "EINVAL";
    case ASSAY_EENGINE: return "EENGINE";
    case ASSAY_EEMPTY: return "EEMPTY";
    case ASSAY_ENOTFOUND: return "ENOTFOUND";
    default: return "EUNKNOWN";
    }
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
        return 0;
    return len;
}

static json_t *hex_of(const uint8_t *p, size_t n);

/* Paths and names are bytes on Unix, and JSON strings must be UTF-8. A value
 * that is not valid UTF-8 is written with U+FFFD in place of each bad byte,
 * and the exact bytes go alongside as "<key>_hex", so the report still names
 * the file unambiguously. */
void report_set_text(json_t *o, const char *key, const char *value)
{
    if (!value)
        value = "";
    const unsigned char *s = (const unsigned char *)value;
    size_t n = strlen(value);
    bool valid = true;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_sequence(s + i, n - i);
        if (k == 0) {
            valid = false;
            break;
        }
        i += k;
    }
    if (valid) {
        json_object_set_new(o, key, json_string(value));
        return;
    }
    char *clean = malloc(3 * n + 1);
    if (!clean)
        return;
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_sequence(s + i, n - i);
        if (k) {
            memcpy(clean + w, s + i, k);
            w += k;
            i += k;
        } else {
            memcpy(clean + w, "\xef\xbf\xbd", 3); /* U+FFFD */
            w += 3;
            i++;
        }
    }
    clean[w] = 0;
    json_object_set_new(o, key, json_string(clean));
    free(clean);
    char hex_key[64];
    snprintf(hex_key, sizeof hex_key, "%s_hex", key);
    json_object_set_new(o, hex_key, hex_of(s, n));
}

static char *dump(json_t *o)
{
    if (!o)
        return NULL;
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

static json_t *hex_of(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = malloc(2 * n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    s[2 * n] = 0;
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* Printable rendering of matched bytes: ASCII graphic characters and space
 * as themselves, everything else as '.', so a reader sees strings at a glance. */
static json_t *text_of(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        s[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
    s[n] = 0;
    json_t *j = json_string(s);
    free(s);
    return j;
}

static json_t *evidence_json(const struct assay_evidence *e)
{
    json_t *o = json_object();
    switch (e->kind) {
    case ASSAY_EVIDENCE_BYTES:
        json_object_set_new(o, "kind", json_string("signature"));
        json_object_set_new(o, "strength", json_string("strong"));
        if (e->string_id)
            report_set_text(o, "string", e->string_id);
        else if (e->subsignature >= 0)
            json_object_set_new(o, "subsignature", json_integer(e->subsignature));
        if (e->normalized_text)
            json_object_set_new(o, "view", json_string("normalized-text"));
        json_object_set_new(o, "offset", json_integer((json_int_t)e->offset));
        json_object_set_new(o, "length", json_integer((json_int_t)e->length));
        json_object_set_new(o, "bytes_hex", hex_of(e->bytes, e->bytes_len));
        json_object_set_new(o, "bytes_text", text_of(e->bytes, e->bytes_len));
        json_object_set_new(o, "truncated", json_boolean(e->bytes_truncated));
        break;
    case ASSAY_EVIDENCE_HASH:
        json_object_set_new(o, "kind", json_string("hash"));
        json_object_set_new(o, "strength", json_string("strong"));
        json_object_set_new(o, "algorithm", json_string(e->hash_kind));
        json_object_set_new(o, "value", json_string(e->hash_hex));
        json_object_set_new(o, "scope", json_string(e->hash_scope));
        json_object_set_new(o, "offset", json_integer((json_int_t)e->hashed_offset));
        json_object_set_new(o, "size", json_integer((json_int_t)e->hashed_size));
        break;
    case ASSAY_EVIDENCE_FILENAME:
        json_object_set_new(o, "kind", json_string("filename"));
        json_object_set_new(o, "strength", json_string("weak"));
        report_set_text(o, "pattern", e->pattern);
        json_object_set_new(o, "score", json_integer(e->score));
        break;
    }
    return o;
}

char *assay_finding_json(const struct assay_finding *f)
{
    json_t *o = json_object();
    json_t *src = json_object();
    json_t *ev = json_array();
    if (!o || !src || !ev) {
        json_decref(o);
        json_decref(src);
        json_decref(ev);
        return NULL;
    }
    json_object_set_new(o, "type", json_string("finding"));
    report_set_text(o, "path", f->path);
    json_object_set_new(o, "verdict", json_string(f->verdict));
    report_set_text(o, "rule", f->rule);
    report_set_text(src, "file", f->source);
    json_object_set_new(src, "line", json_integer(f->line));
    json_object_set_new(o, "source", src);
    json_object_set_new(o, "sha256", json_string(f->sha256 ? f->sha256 : ""));
    json_object_set_new(o, "size", json_integer((json_int_t)f->size));
    if (f->engine)
        json_object_set_new(o, "engine", json_string(f->engine));
    if (f->ns)
        report_set_text(o, "namespace", f->ns);
    if (f->tag_count) {
        json_t *tags = json_array();
        for (size_t i = 0; tags && i < f->tag_count; i++)
            json_array_append_new(tags, json_string(f->tags[i]));
        json_object_set_new(o, "tags", tags);
    }
    if (f->meta_count) {
        json_t *meta = json_object();
        for (size_t i = 0; meta && i < f->meta_count; i++) {
            const struct assay_meta *m = &f->metas[i];
            json_t *text = m->kind == ASSAY_META_STRING ? json_stringn(m->string, m->string_len) : NULL;
            if (m->kind == ASSAY_META_STRING && text)
                json_object_set_new(meta, m->name, text);
            else if (m->kind == ASSAY_META_STRING)
                report_set_text(meta, m->name, m->string); /* not UTF-8: U+FFFD and <name>_hex */
            else if (m->kind == ASSAY_META_INTEGER)
                json_object_set_new(meta, m->name, json_integer((json_int_t)m->integer));
            else
                json_object_set_new(meta, m->name, json_boolean(m->integer));
        }
        json_object_set_new(o, "meta", meta);
    }
    for (size_t i = 0; i < f->evidence_count; i++)
        json_array_append_new(ev, evidence_json(&f->evidence[i]));
    json_object_set_new(o, "evidence", ev);
    return dump(o);
}

char *assay_problem_json(const struct assay_problem *p)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_string(p->warning ? "warning" : "error"));
    report_set_text(o, "path", p->path);
    json_object_set_new(o, "code", json_string(assay_status_name(p->code)));
    report_set_text(o, "reason", p->reason);
    return dump(o);
}

char *assay_summary_json(const struct assay_scan_summary *s)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_string("summary"));
    json_object_set_new(o, "files", json_integer((json_int_t)s->files));
    json_object_set_new(o, "bytes", json_integer((json_int_t)s->bytes));
    json_object_set_new(o, "findings", json_integer((json_int_t)s->findings));
    json_object_set_new(o, "infected_files", json_integer((json_int_t)s->infected_files));
    json_object_set_new(o, "errors", json_integer((json_int_t)s->errors));
    json_object_set_new(o, "skipped", json_integer((json_int_t)s->skipped));
    json_object_set_new(o, "seconds", json_real(s->seconds));
    return dump(o);
}
