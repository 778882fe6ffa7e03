/* sarif.c — a review as one SARIF 2.1.0 log (docs/reports.md).
 *
 * One run. tool.driver.rules holds one rule per policy entry (helpUri = the
 * instrument's link) and one per signature rule that matched. Results:
 *   - a file a signature matched: level error, ruleId = the signature rule,
 *     a physical location (root-relative path against the uriBaseId ROOT)
 *     with the byte region of the first match;
 *   - an item the policy excludes (level error) or puts under review (level
 *     warning): ruleId = the deciding entry, the message names the
 *     instrument and the attribution, the location is the item's path when
 *     it has one, and always a logical location (the item id);
 * each with the evidence chain, deadline and replacement status in
 * `properties` (the objects of the JSON Lines report, review_json.c).
 * Problems reading sources or files become tool execution notifications. */
#include "report/review_report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/inventory_report.h"
#include "report/review_json.h"
#include "report/sbom.h"
#include "util/buf.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

struct sarif {
    const struct review *rv;
    json_t *rules;      /* tool.driver.rules */
    json_t *rule_index; /* rule id -> index into rules */
    json_t *sig_ids;    /* "engine\x1frule" -> the id given to that signature rule */
    bool have_root;     /* originalUriBaseIds.ROOT was written */
};

/* ---- URIs ---------------------------------------------------------------------------- */

/* Percent-encode a path for a URI: unreserved characters, '/' and the
 * sub-delimiters stay, every other byte (spaces, '%', '#', '?', non-ASCII)
 * is encoded. A leading '/' is dropped (paths are relative to ROOT). */
static char *uri_path(const char *path, bool keep_leading_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    static const char keep[] = "-._~/!$&'()*+,;=:@";
    struct util_buf b = {0};
    const unsigned char *p = (const unsigned char *)(path ? path : "");
    if (!keep_leading_slash)
        while (*p == '/')
            p++;
    int rc = 0;
    for (; *p && rc == 0; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(keep, *p) != NULL) {
            rc = util_buf_append_byte(&b, *p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = util_buf_append(&b, e, 3);
        }
    }
    if (rc == 0)
        rc = util_buf_append_byte(&b, 0);
    if (rc != 0) {
        util_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

/* originalUriBaseIds.ROOT = file:// URI of the reviewed root (absolute). */
static json_t *root_base(const struct review *rv)
{
    const char *root = rv->inv.root ? rv->inv.root : "/";
    char *abs = realpath(root, NULL);
    if (abs == NULL)
        return NULL;
    char *enc = uri_path(abs, true);
    free(abs);
    if (enc == NULL)
        return NULL;
    size_t n = strlen(enc);
    json_t *uri = json_sprintf("file://%s%s", enc, n > 0 && enc[n - 1] == '/' ? "" : "/");
    free(enc);
    json_t *o = json_object();
    json_object_set_new(o, "uri", uri);
    json_t *bases = json_object();
    json_object_set_new(bases, "ROOT", o);
    return bases;
}

static json_t *artifact_location(const struct sarif *s, const char *path)
{
    char *enc = uri_path(path, !s->have_root);
    json_t *o = json_object();
    json_object_set_new(o, "uri", json_string(enc ? enc : ""));
    if (s->have_root)
        json_object_set_new(o, "uriBaseId", json_string("ROOT"));
    free(enc);
    return o;
}

static json_t *message(const char *text)
{
    json_t *m = json_object();
    json_object_set_new(m, "text", report_text_json(text));
    return m;
}

/* ---- rules ----------------------------------------------------------------------------- */

static size_t add_rule(struct sarif *s, const char *want_id, json_t *rule)
{
    json_t *id = report_text_json(want_id);
    const char *base = json_string_value(id);
    char *unique = strdup(base ? base : "");
    for (unsigned n = 2; unique != NULL && json_object_get(s->rule_index, unique) != NULL; n++) {
        free(unique);
        unique = NULL;
        json_t *alt = json_sprintf("%s#%u", base, n);
        if (alt != NULL)
            unique = strdup(json_string_value(alt));
        json_decref(alt);
    }
    json_decref(id);
    size_t index = json_array_size(s->rules);
    json_object_set_new(rule, "id", json_string(unique ? unique : ""));
    json_object_set_new(s->rule_index, unique ? unique : "", json_integer((json_int_t)index));
    free(unique);
    json_array_append_new(s->rules, rule);
    return index;
}

static const char *entry_level(enum policy_verdict v)
{
    return v == POLICY_EXCLUDE ? "error" : v == POLICY_REVIEW ? "warning" : "note";
}

/* "DHS Binding Operational Directive 17-01, §2 (2017-09-13)" */
static void instrument_text(const struct policy_instrument *in, char *buf, size_t size)
{
    if (!in->present) {
        snprintf(buf, size, "no instrument");
        return;
    }
    snprintf(buf, size, "%s%s%s%s%s%s", in->name ? in->name : "", in->article ? ", " : "",
             in->article ? in->article : "", in->date ? " (" : "", in->date ? in->date : "", in->date ? ")" : "");
}

static bool is_web_link(const char *s)
{
    return s != NULL && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

static json_t *entry_rule(const struct review *rv, const struct policy_entry *e)
{
    json_t *r = json_object();
    char instrument[512], dl[16], text[1024];
    instrument_text(&e->instrument, instrument, sizeof instrument);
    json_object_set_new(r, "shortDescription", message(e->title ? e->title : e->id));
    policy_format_date(e->deadline, dl, sizeof dl);
    snprintf(text, sizeof text, "Policy entry %s (%s): %s; instrument: %s%s; deadline: %s.", e->id,
             policy_verdict_name(e->verdict), e->title ? e->title : "", instrument,
             e->instrument.present && !e->instrument.binding ? " (advisory)" : "", dl);
    json_object_set_new(r, "fullDescription", message(text));
    if (e->instrument.present && is_web_link(e->instrument.link))
        json_object_set_new(r, "helpUri", report_text_json(e->instrument.link));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "level", json_string(entry_level(e->verdict)));
    json_object_set_new(r, "defaultConfiguration", cfg);
    json_t *props = json_object();
    json_object_set_new(props, "kind", json_string("policy"));
    json_object_set_new(props, "verdict", json_string(policy_verdict_name(e->verdict)));
    report_set_text(props, "policy", rv->policy.name);
    json_object_set_new(props, "line", json_integer(e->loc.line));
    if (e->instrument.present) {
        json_t *in = json_object();
        report_set_text(in, "name", e->instrument.name);
        if (e->instrument.article)
            report_set_text(in, "article", e->instrument.article);
        if (e->instrument.date)
            report_set_text(in, "date", e->instrument.date);
        if (e->instrument.link)
            report_set_text(in, "link", e->instrument.link);
        json_object_set_new(in, "binding", json_boolean(e->instrument.binding));
        json_object_set_new(props, "instrument", in);
    }
    json_t *tags = json_array();
    for (size_t i = 0; i < e->host_tags.n; i++)
        json_array_append_new(tags, report_text_json(e->host_tags.v[i].value));
    json_object_set_new(props, "scope", tags);
    json_object_set_new(r, "properties", props);
    return r;
}

static json_t *signature_rule(const struct review_malicious *m)
{
    json_t *r = json_object();
    char text[512];
    snprintf(text, sizeof text, "Signature %s (%s)", m->rule ? m->rule : "", m->engine ? m->engine : "signature");
    json_object_set_new(r, "shortDescription", message(text));
    snprintf(text, sizeof text, "Signature %s from %s:%u; a match on a file's bytes confirms it malicious.",
             m->rule ? m->rule : "", m->source_file ? m->source_file : "", m->source_line);
    json_object_set_new(r, "fullDescription", message(text));
    json_t *cfg = json_object();
    json_object_set_new(cfg, "level", json_string("error"));
    json_object_set_new(r, "defaultConfiguration", cfg);
    json_t *props = json_object();
    json_object_set_new(props, "kind", json_string("signature"));
    if (m->engine)
        json_object_set_new(props, "engine", json_string(m->engine));
    if (m->ns)
        report_set_text(props, "namespace", m->ns);
    report_set_text(props, "source", m->source_file);
    json_object_set_new(props, "line", json_integer(m->source_line));
    json_object_set_new(r, "properties", props);
    return r;
}

/* The rule of a signature finding; the first finding of a rule adds it. */
static size_t signature_rule_index(struct sarif *s, const struct review_malicious *m)
{
    json_t *key = json_sprintf("%s\x1f%s", m->engine ? m->engine : "", m->rule ? m->rule : "");
    const char *k = json_string_value(key);
    json_t *known = k ? json_object_get(s->sig_ids, k) : NULL;
    size_t index;
    if (known != NULL) {
        index = (size_t)json_integer_value(known);
    } else {
        index = add_rule(s, m->rule, signature_rule(m));
        if (k != NULL)
            json_object_set_new_nocheck(s->sig_ids, k, json_integer((json_int_t)index));
    }
    json_decref(key);
    return index;
}

static const char *rule_id(const struct sarif *s, size_t index)
{
    return json_string_value(json_object_get(json_array_get(s->rules, index), "id"));
}

/* ---- results ---------------------------------------------------------------------------- */

static const struct review_evidence *first_region(const struct review_malicious *m)
{
    for (size_t i = 0; i < m->evidence.n; i++)
        if (m->evidence.v[i].bytes_hex != NULL || m->evidence.v[i].length > 0)
            return &m->evidence.v[i];
    return NULL;
}

static json_t *malicious_result(struct sarif *s, const struct review_malicious *m)
{
    size_t index = signature_rule_index(s, m);
    const struct review_evidence *e = first_region(m);
    json_t *r = json_object();
    json_object_set_new(r, "ruleId", json_string(rule_id(s, index)));
    json_object_set_new(r, "ruleIndex", json_integer((json_int_t)index));
    json_object_set_new(r, "kind", json_string("fail"));
    json_object_set_new(r, "level", json_string("error"));
    char text[1024];
    if (e != NULL)
        snprintf(text, sizeof text,
                 "Confirmed malicious: signature %s (%s) matched %s at byte offset %llu (%llu bytes).",
                 m->rule ? m->rule : "", m->engine ? m->engine : "", m->path ? m->path : "",
                 (unsigned long long)e->offset, (unsigned long long)e->length);
    else
        snprintf(text, sizeof text, "Confirmed malicious: %s %s (%s) matched %s.",
                 m->evidence.n > 0 && m->evidence.v[0].kind ? m->evidence.v[0].kind : "signature",
                 m->rule ? m->rule : "", m->engine ? m->engine : "", m->path ? m->path : "");
    json_object_set_new(r, "message", message(text));
    json_t *phys = json_object();
    json_object_set_new(phys, "artifactLocation", artifact_location(s, m->path));
    if (e != NULL) {
        json_t *region = json_object();
        json_object_set_new(region, "byteOffset", json_integer((json_int_t)e->offset));
        json_object_set_new(region, "byteLength", json_integer((json_int_t)e->length));
        json_object_set_new(phys, "region", region);
    }
    json_t *loc = json_object();
    json_object_set_new(loc, "physicalLocation", phys);
    json_t *locs = json_array();
    json_array_append_new(locs, loc);
    json_object_set_new(r, "locations", locs);
    json_t *props = report_malicious_json(s->rv, m);
    json_object_del(props, "type");
    json_object_set_new(r, "properties", props);
    return r;
}

/* "kesl 11.1 (package, dpkg:kesl:amd64) is attributed to Kaspersky / KESL
 * (medium evidence: package.maintainer = ...) and is excluded by policy
 * entry X: instrument. Deadline: overdue by 3 days. Replacement: ..." */
static void item_message(const struct review *rv, const struct review_item *ri, char *buf, size_t size)
{
    const struct inv_item *it = ri->item;
    const struct policy_entry *e = ri->policy.hit.entry;
    const struct catalog_match *m = &ri->match;
    char instrument[512], deadline[96];
    instrument_text(&e->instrument, instrument, sizeof instrument);
    report_deadline_text(ri, deadline, sizeof deadline);
    int n = snprintf(buf, size, "%s%s%s (%s, %s)", it->name ? it->name : it->id, it->version ? " " : "",
                     it->version ? it->version : "", inv_kind_name(it->kind), it->id ? it->id : "");
    if (n < 0 || (size_t)n >= size)
        return;
    if (ri->attributed && m->vendor != NULL && m->nreasons > 0) {
        const struct inv_evidence *ev =
            m->reasons[0].evidence < it->evidence.n ? &it->evidence.v[m->reasons[0].evidence] : NULL;
        n += snprintf(buf + n, size - (size_t)n, " is attributed to %s%s%s (%s evidence%s%s%s%s)",
                      m->vendor->name ? m->vendor->name : m->vendor->id, m->product ? " / " : "",
                      m->product ? m->product->name : "", inv_strength_name(m->strength), ev ? ": " : "",
                      ev && ev->attribute ? ev->attribute : "", ev ? " = " : "", ev && ev->value ? ev->value : "");
    } else if (ri->policy.hit.basis == POLICY_BY_RULE && ri->policy.hit.rule != NULL) {
        n += snprintf(buf + n, size - (size_t)n, " matches the rule %s ~ \"%s\"",
                      ri->policy.hit.rule->attribute ? ri->policy.hit.rule->attribute : "",
                      ri->policy.hit.rule->value ? ri->policy.hit.rule->value : "");
    }
    if (n < 0 || (size_t)n >= size)
        return;
    n += snprintf(buf + n, size - (size_t)n, " and is %s by policy entry %s: %s. Deadline: %s.",
                  ri->verdict == RV_EXCLUDED ? "excluded" : "marked for review", e->id, instrument, deadline);
    if (n < 0 || (size_t)n >= size || !ri->replacement_required)
        return;
    const struct policy_entry *re = ri->policy.replacement;
    const char *by = ri->replacement_present && ri->replacement_index < rv->inv.items.n
                         ? rv->inv.items.v[ri->replacement_index]->id
                         : NULL;
    snprintf(buf + n, size - (size_t)n, " Replacement (%s) required: %s%s%s.",
             re ? policy_category_name(re->replacement.category) : "", ri->replacement_present ? "present" : "missing",
             by ? ", " : "", by ? by : "");
}

static const char *logical_kind(enum inv_kind k)
{
    switch (k) {
    case INV_USB_DEVICE:
    case INV_PCI_DEVICE:
    case INV_NET_INTERFACE:
    case INV_NET_NEIGHBOUR:
    case INV_CERTIFICATE: return "resource";
    default: return "module";
    }
}

static json_t *item_location(const struct sarif *s, const struct inv_item *it)
{
    json_t *loc = json_object();
    if (it->path != NULL) {
        json_t *phys = json_object();
        json_object_set_new(phys, "artifactLocation", artifact_location(s, it->path));
        json_object_set_new(loc, "physicalLocation", phys);
    }
    json_t *logical = json_object();
    json_object_set_new(logical, "name", report_text_json(it->name ? it->name : it->id));
    json_object_set_new(logical, "fullyQualifiedName", report_text_json(it->id));
    json_object_set_new(logical, "kind", json_string(logical_kind(it->kind)));
    json_t *ls = json_array();
    json_array_append_new(ls, logical);
    json_object_set_new(loc, "logicalLocations", ls);
    return loc;
}

static json_t *item_result(struct sarif *s, const struct review_item *ri)
{
    const struct policy_entry *e = ri->policy.hit.entry;
    json_t *idx = json_object_get(s->rule_index, e->id ? e->id : "");
    size_t index = idx ? (size_t)json_integer_value(idx) : add_rule(s, e->id, entry_rule(s->rv, e));
    json_t *r = json_object();
    json_object_set_new(r, "ruleId", json_string(rule_id(s, index)));
    json_object_set_new(r, "ruleIndex", json_integer((json_int_t)index));
    json_object_set_new(r, "kind", json_string("fail"));
    json_object_set_new(r, "level", json_string(ri->verdict == RV_EXCLUDED ? "error" : "warning"));
    char text[2048];
    item_message(s->rv, ri, text, sizeof text);
    json_object_set_new(r, "message", message(text));
    json_t *locs = json_array();
    json_array_append_new(locs, item_location(s, ri->item));
    json_object_set_new(r, "locations", locs);
    json_t *props = report_review_item_json(s->rv, ri);
    json_object_del(props, "type");
    json_object_set_new(r, "properties", props);
    return r;
}

/* ---- the log ------------------------------------------------------------------------------ */

static json_t *notifications(const struct sarif *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->rv->problems.n; i++) {
        const struct review_problem *p = &s->rv->problems.v[i];
        json_t *n = json_object();
        json_object_set_new(n, "level", json_string("warning"));
        json_t *m = json_object();
        json_t *t = json_sprintf("%s: %s", p->code ? p->code : "EIO", p->message ? p->message : "");
        json_object_set_new(m, "text", report_text_json(json_string_value(t)));
        json_decref(t);
        json_object_set_new(n, "message", m);
        if (p->path != NULL) {
            json_t *phys = json_object();
            json_object_set_new(phys, "artifactLocation", artifact_location(s, p->path));
            json_t *loc = json_object();
            json_object_set_new(loc, "physicalLocation", phys);
            json_t *locs = json_array();
            json_array_append_new(locs, loc);
            json_object_set_new(n, "locations", locs);
        }
        json_array_append_new(a, n);
    }
    return a;
}

static json_t *run_properties(const struct review *rv)
{
    struct review_counts c;
    review_count(rv, &c);
    json_t *p = json_object();
    report_set_text(p, "host", rv->host);
    report_set_text(p, "root", rv->inv.root);
    json_t *tags = json_array();
    for (size_t i = 0; i < rv->ctx.ntags; i++)
        json_array_append_new(tags, report_text_json(rv->ctx.host_tags[i]));
    json_object_set_new(p, "hostTags", tags);
    report_set_text(p, "policy", rv->policy.name);
    char day[16];
    policy_format_date(rv->ctx.today, day, sizeof day);
    json_object_set_new(p, "reviewDate", json_string(day));
    json_t *counts = json_object();
    json_object_set_new(counts, "items", json_integer((json_int_t)c.items));
    json_object_set_new(counts, "attributed", json_integer((json_int_t)c.attributed));
    json_object_set_new(counts, "malicious", json_integer((json_int_t)c.malicious));
    json_object_set_new(counts, "excluded", json_integer((json_int_t)c.excluded));
    json_object_set_new(counts, "review", json_integer((json_int_t)c.review));
    json_object_set_new(counts, "allowed", json_integer((json_int_t)c.allowed));
    json_object_set_new(counts, "overdue", json_integer((json_int_t)c.overdue));
    json_object_set_new(counts, "replacementMissing", json_integer((json_int_t)c.replacement_missing));
    json_object_set_new(counts, "filesScanned", json_integer((json_int_t)rv->files_scanned));
    json_object_set_new(counts, "bytesScanned", json_integer((json_int_t)rv->bytes_scanned));
    json_object_set_new(p, "counts", counts);
    return p;
}

static json_t *invocation(const struct sarif *s)
{
    json_t *inv = json_object();
    json_object_set_new(inv, "executionSuccessful", json_true());
    if (s->rv->started[0] != 0)
        json_object_set_new(inv, "startTimeUtc", json_string(s->rv->started));
    json_object_set_new(inv, "toolExecutionNotifications", notifications(s));
    json_t *a = json_array();
    json_array_append_new(a, inv);
    return a;
}

static json_t *driver(struct sarif *s)
{
    json_t *d = json_object();
    json_object_set_new(d, "name", json_string("assay"));
    json_object_set_new(d, "version", json_string(ASSAY_VERSION));
    json_object_set_new(d, "semanticVersion", json_string(ASSAY_VERSION));
    json_object_set_new(d, "rules", json_incref(s->rules));
    json_t *tool = json_object();
    json_object_set_new(tool, "driver", d);
    return tool;
}

json_t *report_sarif(const struct review *rv)
{
    if (rv == NULL)
        return NULL;
    struct sarif s = {.rv = rv, .rules = json_array(), .rule_index = json_object(), .sig_ids = json_object()};
    json_t *run = json_object();
    json_t *bases = root_base(rv);
    s.have_root = bases != NULL;
    /* every policy entry is a rule, in file order, whether or not it matched */
    for (size_t i = 0; i < rv->policy.entries.n; i++)
        add_rule(&s, rv->policy.entries.v[i].id, entry_rule(rv, &rv->policy.entries.v[i]));
    json_t *results = json_array();
    for (size_t i = 0; i < rv->malicious.n; i++)
        json_array_append_new(results, malicious_result(&s, &rv->malicious.v[i]));
    for (size_t i = 0; i < rv->items.n; i++) {
        const struct review_item *ri = &rv->items.v[i];
        if ((ri->verdict == RV_EXCLUDED || ri->verdict == RV_REVIEW) && ri->covered && ri->policy.hit.entry)
            json_array_append_new(results, item_result(&s, ri));
    }
    json_object_set_new(run, "tool", driver(&s));
    json_object_set_new(run, "invocations", invocation(&s));
    if (bases != NULL)
        json_object_set_new(run, "originalUriBaseIds", bases);
    json_object_set_new(run, "results", results);
    json_object_set_new(run, "properties", run_properties(rv));
    json_t *log = json_object();
    json_object_set_new(log, "$schema", json_string(SARIF_SCHEMA));
    json_object_set_new(log, "version", json_string("2.1.0"));
    json_t *runs = json_array();
    json_array_append_new(runs, run);
    json_object_set_new(log, "runs", runs);
    json_decref(s.rules);
    json_decref(s.rule_index);
    json_decref(s.sig_ids);
    return log;
}
