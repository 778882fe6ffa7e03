/* review_json.c — a review as JSON Lines, in the evidence model of
 * `assay scan --json` (docs/review.md): one "finding" per malicious file and
 * per excluded / under-review item, "item" lines for allowed items (when
 * asked), "error" lines, and one "summary" last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/inventory_report.h"
#include "report/review_json.h"

static void set_str(json_t *o, const char *key, const char *value)
{
    if (value != NULL)
        report_set_text(o, key, value);
}

static json_t *date_json(policy_day d)
{
    if (d == POLICY_NO_DAY)
        return json_null();
    char buf[16];
    policy_format_date(d, buf, sizeof buf);
    return json_string(buf);
}

static const char *deadline_state_name(uint8_t state)
{
    switch (state) {
    case POLICY_NOT_YET_EFFECTIVE: return "not-yet-effective";
    case POLICY_DUE: return "due";
    case POLICY_OVERDUE: return "overdue";
    default: return "none";
    }
}

static json_t *instrument_json(const struct policy_instrument *in)
{
    json_t *o = json_object();
    set_str(o, "name", in->name);
    set_str(o, "article", in->article);
    set_str(o, "date", in->date);
    set_str(o, "link", in->link);
    json_object_set_new(o, "binding", json_boolean(in->binding));
    return o;
}

static json_t *sources_json(const struct policy *p, const policy_refs *refs)
{
    json_t *a = json_array();
    for (size_t i = 0; i < refs->n; i++) {
        json_t *o = json_object();
        set_str(o, "id", refs->v[i].value);
        for (size_t k = 0; k < p->sources.n; k++)
            if (strcmp(p->sources.v[k].id, refs->v[i].value) == 0) {
                set_str(o, "title", p->sources.v[k].title);
                set_str(o, "url", p->sources.v[k].url);
                set_str(o, "accessed", p->sources.v[k].accessed);
            }
        json_array_append_new(a, o);
    }
    return a;
}

json_t *report_policy_json(const struct review *rv, const struct review_item *ri)
{
    const struct policy_hit *hit = &ri->policy.hit;
    const struct policy_entry *e = hit->entry;
    json_t *o = json_object();
    set_str(o, "entry", e->id);
    set_str(o, "title", e->title);
    json_object_set_new(o, "file", json_string(rv->policy.name));
    json_object_set_new(o, "line", json_integer(e->loc.line));
    json_object_set_new(o, "verdict", json_string(policy_verdict_name(e->verdict)));
    if (e->instrument.present)
        json_object_set_new(o, "instrument", instrument_json(&e->instrument));
    json_object_set_new(o, "evidence", sources_json(&rv->policy, &e->evidence));
    static const char *const basis[] = {"", "product", "vendor", "rule"};
    json_object_set_new(o, "basis", json_string(hit->basis <= 3 ? basis[hit->basis] : ""));
    if (e->host_tags.n > 0) {
        json_t *tags = json_array();
        for (size_t i = 0; i < e->host_tags.n; i++)
            json_array_append_new(tags, json_string(e->host_tags.v[i].value));
        json_object_set_new(o, "scope", tags);
    }
    json_object_set_new(o, "effective", date_json(e->effective));
    json_object_set_new(o, "deadline", date_json(e->deadline));
    char text[96];
    policy_deadline_text(&hit->deadline, text, sizeof text);
    json_t *d = json_object();
    json_object_set_new(d, "state", json_string(deadline_state_name(hit->deadline.state)));
    json_object_set_new(d, "days", json_integer(hit->deadline.days));
    json_object_set_new(d, "text", json_string(text));
    json_object_set_new(o, "deadline_status", d);
    if (ri->replacement_required) {
        const struct policy_entry *re = ri->policy.replacement;
        json_t *r = json_object();
        json_object_set_new(r, "category", json_string(policy_category_name(re->replacement.category)));
        set_str(r, "rule_of", re->id);
        json_object_set_new(r, "present", json_boolean(ri->replacement_present));
        if (ri->replacement_present && ri->replacement_index < rv->inv.items.n)
            set_str(r, "by", rv->inv.items.v[ri->replacement_index]->id);
        json_object_set_new(o, "replacement", r);
    }
    return o;
}

/* The evidence chain of a policy verdict: the attribution's reasons (kind
 * "attribute") then the policy reason (kind "policy"). */
static json_t *policy_evidence_json(const struct review *rv, const struct review_item *ri)
{
    json_t *a = json_array();
    const struct inv_item *it = ri->item;
    const struct policy_hit *hit = &ri->policy.hit;
    if (hit->basis == POLICY_BY_RULE && hit->evidence >= 0 && (size_t)hit->evidence < it->evidence.n) {
        json_t *e = report_evidence_json(&it->evidence.v[hit->evidence]);
        json_object_set_new(e, "matches_rule", json_string(hit->rule ? hit->rule->value : ""));
        json_array_append_new(a, e);
    } else if (ri->attributed) {
        json_t *attr = report_attribution_json(&rv->catalog, it, &ri->match);
        json_t *reasons = attr ? json_object_get(attr, "reasons") : NULL;
        size_t i;
        json_t *r;
        json_array_foreach(reasons, i, r) json_array_append(a, r);
        json_decref(attr);
    }
    json_t *p = json_object();
    json_object_set_new(p, "kind", json_string("policy"));
    json_object_set_new(p, "source", json_string(rv->policy.name));
    json_object_set_new(p, "locator", json_sprintf("entry %s, line %u", hit->entry->id, hit->entry->loc.line));
    if (hit->entry->instrument.present)
        set_str(p, "value", hit->entry->instrument.name);
    json_object_set_new(p, "strength", json_string(inv_strength_name(hit->strength)));
    json_array_append_new(a, p);
    return a;
}

json_t *report_review_item_json(const struct review *rv, const struct review_item *ri)
{
    json_t *o = json_object();
    bool finding = ri->verdict == RV_EXCLUDED || ri->verdict == RV_REVIEW;
    json_object_set_new(o, "type", json_string(finding ? "finding" : "item"));
    json_object_set_new(o, "verdict", json_string(review_verdict_name(ri->verdict)));
    json_object_set_new(o, "subject", report_item_json(ri->item, false));
    json_t *attr = ri->attributed || ri->match.homonym ? report_attribution_json(&rv->catalog, ri->item, &ri->match)
                                                       : NULL;
    if (attr != NULL)
        json_object_set_new(o, "attribution", attr);
    if (ri->covered) {
        json_object_set_new(o, "policy", report_policy_json(rv, ri));
        json_object_set_new(o, "evidence", policy_evidence_json(rv, ri));
    }
    if (ri->malicious_files > 0)
        json_object_set_new(o, "malicious_files", json_integer((json_int_t)ri->malicious_files));
    return o;
}

json_t *report_malicious_json(const struct review *rv, const struct review_malicious *m)
{
    (void)rv;
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("finding"));
    set_str(o, "path", m->path);
    json_object_set_new(o, "verdict", json_string("malicious"));
    set_str(o, "rule", m->rule);
    set_str(o, "engine", m->engine);
    set_str(o, "namespace", m->ns);
    json_t *src = json_object();
    set_str(src, "file", m->source_file);
    json_object_set_new(src, "line", json_integer(m->source_line));
    json_object_set_new(o, "source", src);
    set_str(o, "sha256", m->sha256);
    json_object_set_new(o, "size", json_integer((json_int_t)m->size));
    json_t *ev = json_array();
    for (size_t i = 0; i < m->evidence.n; i++) {
        const struct review_evidence *e = &m->evidence.v[i];
        json_t *x = json_object();
        json_object_set_new(x, "kind", json_string(e->kind));
        json_object_set_new(x, "strength", json_string(inv_strength_name(e->strength)));
        if (e->hash_algorithm != NULL) {
            set_str(x, "algorithm", e->hash_algorithm);
            set_str(x, "value", e->hash_value);
        } else if (e->bytes_hex != NULL) {
            set_str(x, "string", e->string_id);
            json_object_set_new(x, "offset", json_integer((json_int_t)e->offset));
            json_object_set_new(x, "length", json_integer((json_int_t)e->length));
            set_str(x, "bytes_hex", e->bytes_hex);
            json_object_set_new(x, "truncated", json_boolean(e->truncated));
        }
        json_array_append_new(ev, x);
    }
    json_object_set_new(o, "evidence", ev);
    if (m->owner != NULL)
        json_object_set_new(o, "part_of", report_item_json(m->owner, false));
    return o;
}

json_t *report_review_summary_json(const struct review *rv)
{
    struct review_counts c;
    review_count(rv, &c);
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("summary"));
    set_str(o, "host", rv->host);
    set_str(o, "root", rv->inv.root);
    json_object_set_new(o, "time", json_string(rv->started));
    json_object_set_new(o, "policy", json_string(rv->policy.name));
    json_object_set_new(o, "review_date", date_json(rv->ctx.today));
    json_object_set_new(o, "items", json_integer((json_int_t)c.items));
    json_object_set_new(o, "attributed", json_integer((json_int_t)c.attributed));
    json_object_set_new(o, "excluded", json_integer((json_int_t)c.excluded));
    json_object_set_new(o, "review", json_integer((json_int_t)c.review));
    json_object_set_new(o, "allowed", json_integer((json_int_t)c.allowed));
    json_object_set_new(o, "malicious", json_integer((json_int_t)c.malicious));
    json_object_set_new(o, "overdue", json_integer((json_int_t)c.overdue));
    json_object_set_new(o, "replacement_missing", json_integer((json_int_t)c.replacement_missing));
    json_object_set_new(o, "files", json_integer((json_int_t)rv->files_scanned));
    json_object_set_new(o, "bytes", json_integer((json_int_t)rv->bytes_scanned));
    json_object_set_new(o, "errors", json_integer((json_int_t)rv->problems.n));
    json_object_set_new(o, "seconds", json_real(rv->seconds));
    return o;
}

static int put_line(FILE *out, json_t *o)
{
    int rc = o != NULL && json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 ? 0 : ASSAY_ENOMEM;
    fputc('\n', out);
    json_decref(o);
    return rc;
}

int report_review_jsonl(const struct review *rv, FILE *out, bool all_items)
{
    int rc = 0;
    for (size_t i = 0; i < rv->malicious.n && rc == 0; i++)
        rc = put_line(out, report_malicious_json(rv, &rv->malicious.v[i]));
    for (size_t i = 0; i < rv->items.n && rc == 0; i++) {
        const struct review_item *ri = &rv->items.v[i];
        if (all_items || ri->verdict == RV_EXCLUDED || ri->verdict == RV_REVIEW)
            rc = put_line(out, report_review_item_json(rv, ri));
    }
    for (size_t i = 0; i < rv->problems.n && rc == 0; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string("error"));
        set_str(o, "path", rv->problems.v[i].path);
        set_str(o, "code", rv->problems.v[i].code);
        set_str(o, "reason", rv->problems.v[i].message);
        rc = put_line(out, o);
    }
    if (rc == 0)
        rc = put_line(out, report_review_summary_json(rv));
    return rc;
}
