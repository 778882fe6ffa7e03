/* inventory_json.c — an inventory (with its vendor attribution) as one JSON
 * document; the schema is in docs/inventory.md. Reports of the review reuse
 * the item and attribution objects. */
#include "report/inventory_report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Absent values are left out. */
static void set_str(json_t *o, const char *key, const char *value)
{
    if (value != NULL)
        report_set_text(o, key, value);
}

json_t *report_evidence_json(const struct inv_evidence *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string("attribute"));
    set_str(o, "attribute", e->attribute);
    set_str(o, "value", e->value);
    set_str(o, "source", e->source);
    set_str(o, "locator", e->locator);
    json_object_set_new(o, "strength", json_string(inv_strength_name(e->strength)));
    return o;
}

static json_t *fact_json(const struct catalog *cat, enum catalog_fact_kind kind,
                         const struct catalog_fact *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "catalog_field", json_string(catalog_fact_kind_name(kind)));
    set_str(o, "value", f->value);
    const struct catalog_source *src = cat ? catalog_source(cat, f->source) : NULL;
    json_t *s = json_object();
    set_str(s, "id", f->source);
    if (src != NULL) {
        set_str(s, "title", src->title);
        set_str(s, "url", src->url);
    }
    json_object_set_new(o, "cited", s);
    return o;
}

json_t *report_attribution_json(const struct catalog *cat, const struct inv_item *it,
                                const struct catalog_match *m)
{
    if (m == NULL || (m->vendor == NULL && m->homonym == NULL))
        return NULL;
    json_t *o = json_object();
    if (m->nreasons > 0) {
        set_str(o, "vendor", m->vendor->id);
        set_str(o, "vendor_name", m->vendor->name);
        if (m->product != NULL) {
            set_str(o, "product", m->product->id);
            set_str(o, "product_name", m->product->name);
            set_str(o, "category", m->product->category);
        }
        json_object_set_new(o, "strength", json_string(inv_strength_name(m->strength)));
        json_t *reasons = json_array();
        for (size_t i = 0; i < m->nreasons; i++) {
            const struct catalog_reason *r = &m->reasons[i];
            json_t *ro = r->evidence < it->evidence.n ? report_evidence_json(&it->evidence.v[r->evidence])
                                                      : json_object();
            json_object_set_new(ro, "strength", json_string(inv_strength_name(r->strength)));
            json_object_set_new(ro, "matches", fact_json(cat, r->fact_kind, r->fact));
            json_array_append_new(reasons, ro);
        }
        json_object_set_new(o, "reasons", reasons);
    }
    if (m->homonym != NULL) {
        json_t *h = fact_json(cat, CF_HOMONYM, m->homonym);
        if (m->vendor != NULL)
            set_str(h, "not_vendor", m->vendor->id);
        json_object_set_new(o, "homonym", h);
    }
    return o;
}

json_t *report_item_json(const struct inv_item *it, bool with_files)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(inv_kind_name(it->kind)));
    set_str(o, "collector", it->collector);
    set_str(o, "id", it->id);
    set_str(o, "name", it->name);
    set_str(o, "version", it->version);
    set_str(o, "publisher", it->publisher);
    set_str(o, "path", it->path);
    if (it->attrs.n > 0) {
        json_t *a = json_object();
        for (size_t i = 0; i < it->attrs.n; i++)
            set_str(a, it->attrs.v[i].name, it->attrs.v[i].value);
        json_object_set_new(o, "attributes", a);
    }
    if (it->files.n > 0) {
        json_object_set_new(o, "file_count", json_integer((json_int_t)it->files.n));
        if (with_files) {
            json_t *f = json_array();
            for (size_t i = 0; i < it->files.n; i++)
                json_array_append_new(f, json_string(it->files.v[i]));
            json_object_set_new(o, "files", f);
        }
    }
    json_t *ev = json_array();
    for (size_t i = 0; i < it->evidence.n; i++)
        json_array_append_new(ev, report_evidence_json(&it->evidence.v[i]));
    json_object_set_new(o, "evidence", ev);
    return o;
}

void report_time_iso(char out[32], time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *report_inventory_json(const struct inventory *inv, const struct catalog *cat,
                              const struct catalog_match *matches, bool with_files)
{
    json_t *doc = json_object();
    char when[32];
    report_time_iso(when, time(NULL));
    json_object_set_new(doc, "format", json_string("assay-inventory/1"));
    json_object_set_new(doc, "assay_version", json_string(ASSAY_VERSION));
    set_str(doc, "host", inv->host);
    set_str(doc, "root", inv->root);
    json_object_set_new(doc, "time", json_string(when));
    json_t *items = json_array();
    for (size_t i = 0; i < inv->items.n; i++) {
        json_t *o = report_item_json(inv->items.v[i], with_files);
        json_t *a = matches ? report_attribution_json(cat, inv->items.v[i], &matches[i]) : NULL;
        if (a != NULL)
            json_object_set_new(o, "attribution", a);
        json_array_append_new(items, o);
    }
    json_object_set_new(doc, "items", items);
    json_t *problems = json_array();
    for (size_t i = 0; i < inv->problems.n; i++) {
        json_t *p = json_object();
        set_str(p, "path", inv->problems.v[i].path);
        set_str(p, "reason", inv->problems.v[i].message);
        json_array_append_new(problems, p);
    }
    json_object_set_new(doc, "problems", problems);
    return doc;
}
