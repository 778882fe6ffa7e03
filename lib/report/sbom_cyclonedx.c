/* sbom_cyclonedx.c — the inventory (and, after a review, the verdicts) as a
 * CycloneDX 1.6 JSON BOM; the mapping is documented in docs/sbom.md.
 *
 * One component per inventory item (bom-ref = the item id, made unique), one
 * component of type "file" per file a signature matched (verdict malicious),
 * the host as metadata.component. What CycloneDX has no field for (the
 * evidence chain, the attribution reasons, the policy verdict) goes into
 * properties named "assay:..."; the attribution also goes into
 * evidence.identity with a confidence per evidence strength.
 *
 * The first part of this file holds the helpers that every report writer of
 * this folder shares (declared in sbom.h): UUIDs, safe text, purls, the JSON
 * of a malicious file, dates and the assay:* properties of an item. */
#include "report/sbom.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "policy/policy.h"
#include "report/inventory_report.h"
#include "report/review_json.h"

/* ---- shared helpers --------------------------------------------------------------- */

int report_uuid4(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return ASSAY_EIO;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

json_t *report_text_json(const char *s)
{
    /* report_set_text knows how to repair UTF-8; keep its text, drop the _hex. */
    json_t *tmp = json_object();
    if (tmp == NULL)
        return NULL;
    report_set_text(tmp, "v", s);
    json_t *v = json_incref(json_object_get(tmp, "v"));
    json_decref(tmp);
    return v;
}

void report_property_add(json_t *props, const char *name, const char *value)
{
    if (value == NULL || value[0] == 0)
        return;
    json_t *p = json_object();
    json_object_set_new(p, "name", json_string(name));
    json_object_set_new(p, "value", report_text_json(value));
    json_array_append_new(props, p);
}

/* Compact JSON text of o (consumed) as a property value. */
static void property_add_json(json_t *props, const char *name, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    report_property_add(props, name, s);
    free(s);
    json_decref(o);
}

/* Percent-encode everything but the purl's unreserved characters. */
static int purl_encode(struct util_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && rc == 0; p++) {
        bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (alnum || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            rc = util_buf_append_byte(b, *p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = util_buf_append(b, e, 3);
        }
    }
    return rc;
}

char *report_purl(const struct inv_item *it)
{
    const char *type_ns;
    if (it->kind != INV_PACKAGE || it->name == NULL || it->collector == NULL)
        return NULL;
    if (strcmp(it->collector, "dpkg") == 0)
        type_ns = "pkg:deb/debian/";
    else if (strcmp(it->collector, "rpm") == 0)
        type_ns = "pkg:rpm/";
    else if (strcmp(it->collector, "apk") == 0)
        type_ns = "pkg:apk/alpine/";
    else
        return NULL;
    struct util_buf b = {0};
    const char *arch = inv_attr_get(it, "arch");
    int rc = util_buf_append(&b, type_ns, strlen(type_ns));
    if (rc == 0)
        rc = purl_encode(&b, it->name);
    if (rc == 0 && it->version != NULL && (rc = util_buf_append_byte(&b, '@')) == 0)
        rc = purl_encode(&b, it->version);
    if (rc == 0 && arch != NULL && (rc = util_buf_append(&b, "?arch=", 6)) == 0)
        rc = purl_encode(&b, arch);
    if (rc == 0)
        rc = util_buf_append_byte(&b, 0);
    if (rc != 0) {
        util_buf_free(&b);
        return NULL;
    }
    return (char *)b.data;
}

const struct policy_entry *report_item_entry(const struct review_item *ri)
{
    return ri->covered ? ri->policy.hit.entry : NULL;
}

void report_deadline_text(const struct review_item *ri, char *buf, size_t size)
{
    struct policy_deadline none = {.state = POLICY_NO_DEADLINE};
    policy_deadline_text(ri->covered ? &ri->policy.hit.deadline : &none, buf, size);
}

const char *report_deadline_state(const struct review_item *ri)
{
    switch (ri->covered ? ri->policy.hit.deadline.state : POLICY_NO_DEADLINE) {
    case POLICY_NOT_YET_EFFECTIVE: return "not-yet-effective";
    case POLICY_DUE: return "due";
    case POLICY_OVERDUE: return "overdue";
    default: return "none";
    }
}

const char *report_basis_name(const struct review_item *ri)
{
    if (!ri->covered)
        return NULL;
    switch (ri->policy.hit.basis) {
    case POLICY_BY_PRODUCT: return "product";
    case POLICY_BY_VENDOR: return "vendor";
    case POLICY_BY_RULE: return "rule";
    default: return NULL;
    }
}

static void attribution_properties(json_t *props, const struct catalog *cat, const struct review_item *ri)
{
    const struct catalog_match *m = &ri->match;
    if (ri->attributed && m->vendor != NULL && m->nreasons > 0) {
        report_property_add(props, "assay:vendor", m->vendor->id);
        report_property_add(props, "assay:vendor.name", m->vendor->name);
        report_property_add(props, "assay:vendor.strength", inv_strength_name(m->strength));
        if (m->product != NULL) {
            report_property_add(props, "assay:product", m->product->id);
            report_property_add(props, "assay:product.name", m->product->name);
            report_property_add(props, "assay:product.category", m->product->category);
        }
    }
    json_t *a = report_attribution_json(cat, ri->item, m);
    if (a == NULL)
        return;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(a, "reasons"), i, r)
        property_add_json(props, "assay:attribution.reason", json_incref(r));
    json_t *h = json_object_get(a, "homonym");
    if (h != NULL)
        property_add_json(props, "assay:attribution.homonym", json_incref(h));
    json_decref(a);
}

static void instrument_properties(json_t *props, const struct policy_instrument *in)
{
    if (!in->present)
        return;
    report_property_add(props, "assay:policy.instrument", in->name);
    report_property_add(props, "assay:policy.instrument.article", in->article);
    report_property_add(props, "assay:policy.instrument.date", in->date);
    report_property_add(props, "assay:policy.instrument.link", in->link);
    report_property_add(props, "assay:policy.instrument.binding", in->binding ? "true" : "false");
}

static void verdict_properties(json_t *props, const struct review_item *items, size_t i)
{
    const struct review_item *ri = &items[i];
    char text[64];
    report_property_add(props, "assay:verdict", review_verdict_name(ri->verdict));
    const struct policy_entry *e = report_item_entry(ri);
    if (e != NULL) {
        report_property_add(props, "assay:policy.entry", e->id);
        report_property_add(props, "assay:policy.title", e->title);
        report_property_add(props, "assay:policy.basis", report_basis_name(ri));
        instrument_properties(props, &e->instrument);
        if (e->deadline != POLICY_NO_DAY) {
            policy_format_date(e->deadline, text, sizeof text);
            report_property_add(props, "assay:deadline", text);
        }
    }
    report_property_add(props, "assay:deadline.state", report_deadline_state(ri));
    report_deadline_text(ri, text, sizeof text);
    report_property_add(props, "assay:deadline.status", text);
    if (ri->replacement_required) {
        report_property_add(props, "assay:replacement.required", "true");
        report_property_add(props, "assay:replacement.present", ri->replacement_present ? "true" : "false");
        if (ri->replacement_present && ri->replacement_index != SIZE_MAX)
            report_property_add(props, "assay:replacement.item", items[ri->replacement_index].item->id);
    }
    if (ri->malicious_files > 0) {
        snprintf(text, sizeof text, "%zu", ri->malicious_files);
        report_property_add(props, "assay:malicious_files", text);
    }
}

json_t *report_item_properties(const struct catalog *cat, const struct review_item *items, size_t i)
{
    const struct review_item *ri = &items[i];
    const struct inv_item *it = ri->item;
    json_t *props = json_array();
    if (props == NULL)
        return NULL;
    report_property_add(props, "assay:kind", inv_kind_name(it->kind));
    report_property_add(props, "assay:collector", it->collector);
    report_property_add(props, "assay:id", it->id);
    report_property_add(props, "assay:publisher", it->publisher);
    report_property_add(props, "assay:path", it->path);
    for (size_t k = 0; k < it->attrs.n; k++) {
        char name[128];
        snprintf(name, sizeof name, "assay:attr.%s", it->attrs.v[k].name);
        report_property_add(props, name, it->attrs.v[k].value);
    }
    for (size_t k = 0; k < it->evidence.n; k++)
        property_add_json(props, "assay:evidence", report_evidence_json(&it->evidence.v[k]));
    attribution_properties(props, cat, ri);
    if (ri->verdict != 0)
        verdict_properties(props, items, i);
    return props;
}

json_t *report_malicious_properties(const struct review *rv, const struct review_malicious *m)
{
    json_t *props = json_array();
    if (props == NULL)
        return NULL;
    report_property_add(props, "assay:kind", "file");
    report_property_add(props, "assay:verdict", "malicious");
    report_property_add(props, "assay:path", m->path);
    report_property_add(props, "assay:rule", m->rule);
    report_property_add(props, "assay:engine", m->engine);
    if (m->owner != NULL)
        report_property_add(props, "assay:owner", m->owner->id);
    json_t *sig = report_malicious_json(rv, m);
    json_object_del(sig, "type");
    json_object_del(sig, "path");
    json_object_del(sig, "verdict");
    json_object_del(sig, "part_of");
    property_add_json(props, "assay:signature", sig);
    return props;
}

/* ---- CycloneDX -------------------------------------------------------------------- */

/* A bom-ref that no earlier component used: `want`, else want#2, want#3...
 * `seen` is a JSON object used as a set (keys are not UTF-8 checked). */
static json_t *unique_ref(json_t *seen, const char *want)
{
    json_t *text = report_text_json(want && want[0] ? want : "item");
    const char *base = json_string_value(text);
    char *ref = strdup(base ? base : "");
    for (unsigned n = 2; ref != NULL && json_object_get(seen, ref) != NULL; n++) {
        free(ref);
        size_t len = strlen(base) + 16;
        ref = malloc(len);
        if (ref != NULL)
            snprintf(ref, len, "%s#%u", base, n);
    }
    json_decref(text);
    if (ref == NULL)
        return NULL;
    json_object_set_new_nocheck(seen, ref, json_true());
    json_t *out = json_string(ref);
    free(ref);
    return out;
}

static const char *cdx_type(enum inv_kind k)
{
    switch (k) {
    case INV_DRIVER:
    case INV_KERNEL_MODULE: return "device-driver";
    case INV_EXECUTABLE: return "file";
    case INV_CERTIFICATE: return "cryptographic-asset";
    case INV_USB_DEVICE:
    case INV_PCI_DEVICE:
    case INV_NET_INTERFACE:
    case INV_NET_NEIGHBOUR: return "device";
    default: return "application"; /* packages, programs, services, bundles, extensions */
    }
}

static double strength_confidence(uint8_t s)
{
    return s >= INV_STRONG ? 1.0 : s == INV_MEDIUM ? 0.7 : s == INV_WEAK ? 0.3 : 0.0;
}

/* CycloneDX's analysis technique for an evidence attribute (docs/sbom.md). */
static const char *technique(const char *attribute)
{
    static const struct {
        const char *prefix, *technique;
    } map[] = {
        {"signer.", "attestation"},       {"pe.", "binary-analysis"},     {"elf.", "binary-analysis"},
        {"kmod.author", "binary-analysis"}, {"kmod.signer", "attestation"}, {"path", "filename"},
        {"package.", "manifest-analysis"}, {"registry.", "manifest-analysis"}, {"bundle.", "manifest-analysis"},
        {"extension.", "manifest-analysis"}, {"cert.", "manifest-analysis"}, {"usb.vendor_id", "manifest-analysis"},
        {"pci.vendor_id", "manifest-analysis"},
    };
    for (size_t i = 0; attribute != NULL && i < sizeof map / sizeof map[0]; i++)
        if (strncmp(attribute, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].technique;
    return "other";
}

static json_t *identity_method(const struct inv_item *it, const struct catalog_reason *r)
{
    const struct inv_evidence *e = r->evidence < it->evidence.n ? &it->evidence.v[r->evidence] : NULL;
    json_t *m = json_object();
    json_object_set_new(m, "technique", json_string(technique(e ? e->attribute : NULL)));
    json_object_set_new(m, "confidence", json_real(strength_confidence(r->strength)));
    if (e != NULL) {
        size_t len = strlen(e->attribute ? e->attribute : "") + strlen(e->value ? e->value : "") +
                     strlen(e->source ? e->source : "") + strlen(e->locator ? e->locator : "") +
                     (r->fact && r->fact->value ? strlen(r->fact->value) : 0) + 64;
        char *v = malloc(len);
        if (v != NULL) {
            snprintf(v, len, "%s=%s (%s%s%s) matches \"%s\"", e->attribute ? e->attribute : "",
                     e->value ? e->value : "", e->source ? e->source : "", e->locator ? ", " : "",
                     e->locator ? e->locator : "", r->fact && r->fact->value ? r->fact->value : "");
            json_object_set_new(m, "value", report_text_json(v));
            free(v);
        }
    }
    return m;
}

static json_t *identity(const char *field, const char *value, const struct review_item *ri)
{
    const struct catalog_match *m = &ri->match;
    json_t *o = json_object();
    json_object_set_new(o, "field", json_string(field));
    json_object_set_new(o, "confidence", json_real(strength_confidence(m->strength)));
    json_object_set_new(o, "concludedValue", report_text_json(value));
    json_t *methods = json_array();
    for (size_t i = 0; i < m->nreasons && i < CATALOG_MAX_REASONS; i++)
        json_array_append_new(methods, identity_method(ri->item, &m->reasons[i]));
    json_object_set_new(o, "methods", methods);
    return o;
}

/* evidence: identity (the vendor as "group", the product as "name") and
 * the item's location as an occurrence. NULL when there is nothing to say. */
static json_t *item_evidence(const struct review_item *ri)
{
    const struct inv_item *it = ri->item;
    const struct catalog_match *m = &ri->match;
    json_t *ev = json_object();
    if (ri->attributed && m->vendor != NULL && m->nreasons > 0) {
        json_t *ids = json_array();
        json_array_append_new(ids, identity("group", m->vendor->name, ri));
        if (m->product != NULL)
            json_array_append_new(ids, identity("name", m->product->name, ri));
        json_object_set_new(ev, "identity", ids);
    }
    if (it->path != NULL) {
        json_t *occ = json_object();
        json_object_set_new(occ, "location", report_text_json(it->path));
        json_t *arr = json_array();
        json_array_append_new(arr, occ);
        json_object_set_new(ev, "occurrences", arr);
    }
    if (json_object_size(ev) == 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

static bool is_sha256_hex(const char *s)
{
    if (s == NULL || strlen(s) != 64)
        return false;
    for (size_t i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static void add_sha256(json_t *c, const char *hex)
{
    if (!is_sha256_hex(hex))
        return;
    json_t *h = json_object();
    json_object_set_new(h, "alg", json_string("SHA-256"));
    char lower[65];
    for (size_t i = 0; i < 64; i++)
        lower[i] = (char)tolower((unsigned char)hex[i]);
    lower[64] = 0;
    json_object_set_new(h, "content", json_string(lower));
    json_t *arr = json_array();
    json_array_append_new(arr, h);
    json_object_set_new(c, "hashes", arr);
}

/* "2024-06-20T00:00:00Z" style: only such values go into date-time fields. */
static bool is_date_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    char z;
    return s != NULL && strlen(s) == 20 &&
           sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) == 7 && z == 'Z';
}

/* Certificates: cryptoProperties from the collector's facts (subject,
 * issuer, not_before, not_after; docs/sbom.md). */
static void certificate_properties(json_t *c, const struct inv_item *it)
{
    json_t *cp = json_object();
    json_object_set_new(cp, "assetType", json_string("certificate"));
    json_t *cert = json_object();
    const char *subject = inv_attr_get(it, "subject");
    json_object_set_new(cert, "subjectName", report_text_json(subject ? subject : it->name));
    if (inv_attr_get(it, "issuer") != NULL)
        json_object_set_new(cert, "issuerName", report_text_json(inv_attr_get(it, "issuer")));
    if (is_date_time(inv_attr_get(it, "not_before")))
        json_object_set_new(cert, "notValidBefore", json_string(inv_attr_get(it, "not_before")));
    if (is_date_time(inv_attr_get(it, "not_after")))
        json_object_set_new(cert, "notValidAfter", json_string(inv_attr_get(it, "not_after")));
    json_object_set_new(cert, "certificateFormat", json_string("X.509"));
    json_object_set_new(cp, "certificateProperties", cert);
    json_object_set_new(c, "cryptoProperties", cp);
}

static json_t *item_component(const struct catalog *cat, const struct review_item *items, size_t i,
                              json_t *seen)
{
    const struct review_item *ri = &items[i];
    const struct inv_item *it = ri->item;
    json_t *c = json_object();
    json_object_set_new(c, "type", json_string(cdx_type(it->kind)));
    json_object_set_new(c, "bom-ref", unique_ref(seen, it->id));
    if (ri->attributed && ri->match.vendor != NULL && ri->match.nreasons > 0) {
        json_t *sup = json_object();
        json_object_set_new(sup, "name", report_text_json(ri->match.vendor->name));
        json_object_set_new(c, "supplier", sup);
    }
    if (it->publisher != NULL)
        json_object_set_new(c, "publisher", report_text_json(it->publisher));
    const char *name = it->name && it->name[0] ? it->name : it->id && it->id[0] ? it->id : "unnamed";
    json_object_set_new(c, "name", report_text_json(name));
    if (it->version != NULL)
        json_object_set_new(c, "version", report_text_json(it->version));
    const char *descr = inv_attr_get(it, "description");
    if (descr != NULL)
        json_object_set_new(c, "description", report_text_json(descr));
    const char *sha = inv_attr_get(it, "sha256");
    add_sha256(c, sha);
    char *purl = report_purl(it);
    if (purl != NULL)
        json_object_set_new(c, "purl", json_string(purl));
    free(purl);
    json_t *ev = item_evidence(ri);
    if (ev != NULL)
        json_object_set_new(c, "evidence", ev);
    if (it->kind == INV_CERTIFICATE)
        certificate_properties(c, it);
    json_object_set_new(c, "properties", report_item_properties(cat, items, i));
    return c;
}

static json_t *malicious_component(const struct review *rv, const struct review_malicious *m, json_t *seen)
{
    json_t *c = json_object();
    json_object_set_new(c, "type", json_string("file"));
    char *ref = malloc(strlen(m->path ? m->path : "") + 6);
    if (ref != NULL) {
        sprintf(ref, "file:%s", m->path ? m->path : "");
        json_object_set_new(c, "bom-ref", unique_ref(seen, ref));
        free(ref);
    }
    json_object_set_new(c, "name", report_text_json(m->path));
    add_sha256(c, m->sha256);
    json_t *occs = json_array();
    for (size_t i = 0; i < m->evidence.n; i++) {
        const struct review_evidence *e = &m->evidence.v[i];
        if (e->length == 0 && e->bytes_hex == NULL)
            continue;
        json_t *occ = json_object();
        json_object_set_new(occ, "location", report_text_json(m->path));
        json_object_set_new(occ, "offset", json_integer((json_int_t)e->offset));
        if (e->bytes_hex != NULL)
            json_object_set_new(occ, "additionalContext", report_text_json(e->bytes_hex));
        json_array_append_new(occs, occ);
    }
    if (json_array_size(occs) > 0) {
        json_t *ev = json_object();
        json_object_set_new(ev, "occurrences", occs);
        json_object_set_new(c, "evidence", ev);
    } else {
        json_decref(occs);
    }
    json_object_set_new(c, "properties", report_malicious_properties(rv, m));
    return c;
}

static json_t *host_component(const struct inventory *inv, const struct review *rv, json_t *seen)
{
    json_t *c = json_object();
    json_object_set_new(c, "type", json_string("device"));
    const char *host = rv && rv->host ? rv->host : inv->host ? inv->host : "host";
    char *ref = malloc(strlen(host) + 6);
    if (ref != NULL) {
        sprintf(ref, "host:%s", host);
        json_object_set_new(c, "bom-ref", unique_ref(seen, ref));
        free(ref);
    }
    json_object_set_new(c, "name", report_text_json(host));
    json_t *props = json_array();
    report_property_add(props, "assay:root", inv->root);
    report_property_add(props, "assay:live", inv->live ? "true" : "false");
    for (size_t i = 0; rv != NULL && i < rv->ctx.ntags; i++)
        report_property_add(props, "assay:host.tag", rv->ctx.host_tags[i]);
    json_object_set_new(c, "properties", props);
    return c;
}

static json_t *bom_metadata(const struct inventory *inv, const struct review *rv, json_t *seen)
{
    json_t *md = json_object();
    char when[32];
    if (rv != NULL && rv->started[0] != 0)
        snprintf(when, sizeof when, "%s", rv->started);
    else
        report_time_iso(when, time(NULL));
    json_object_set_new(md, "timestamp", json_string(when));
    json_t *tool = json_object();
    json_object_set_new(tool, "type", json_string("application"));
    json_object_set_new(tool, "name", json_string("assay"));
    json_object_set_new(tool, "version", json_string(ASSAY_VERSION));
    json_t *tools = json_object();
    json_t *list = json_array();
    json_array_append_new(list, tool);
    json_object_set_new(tools, "components", list);
    json_object_set_new(md, "tools", tools);
    json_object_set_new(md, "component", host_component(inv, rv, seen));
    json_t *props = json_array();
    report_property_add(props, "assay:format", rv ? "assay-review/1" : "assay-inventory/1");
    if (rv != NULL) {
        report_property_add(props, "assay:policy", rv->policy.name);
        report_property_add(props, "assay:policy.id", rv->policy.id);
    }
    for (size_t i = 0; i < inv->problems.n; i++) {
        json_t *p = json_object();
        report_set_text(p, "path", inv->problems.v[i].path);
        report_set_text(p, "reason", inv->problems.v[i].message);
        property_add_json(props, "assay:problem", p);
    }
    if (json_array_size(props) > 0)
        json_object_set_new(md, "properties", props);
    else
        json_decref(props);
    return md;
}

json_t *report_cyclonedx(const struct inventory *inv, const struct catalog *cat,
                         const struct review_item *items, const struct review *rv)
{
    char uuid[37], serial[48];
    if (inv == NULL || report_uuid4(uuid) != 0)
        return NULL;
    snprintf(serial, sizeof serial, "urn:uuid:%s", uuid);
    json_t *seen = json_object();
    json_t *bom = json_object();
    json_object_set_new(bom, "$schema", json_string("http://cyclonedx.org/schema/bom-1.6.schema.json"));
    json_object_set_new(bom, "bomFormat", json_string("CycloneDX"));
    json_object_set_new(bom, "specVersion", json_string("1.6"));
    json_object_set_new(bom, "serialNumber", json_string(serial));
    json_object_set_new(bom, "version", json_integer(1));
    json_object_set_new(bom, "metadata", bom_metadata(inv, rv, seen));
    json_t *components = json_array();
    for (size_t i = 0; i < inv->items.n; i++) {
        struct review_item plain = {.item = inv->items.v[i]};
        json_array_append_new(components, items ? item_component(cat, items, i, seen)
                                                : item_component(cat, &plain, 0, seen));
    }
    for (size_t i = 0; rv != NULL && i < rv->malicious.n; i++)
        json_array_append_new(components, malicious_component(rv, &rv->malicious.v[i], seen));
    json_object_set_new(bom, "components", components);
    json_decref(seen);
    return bom;
}
