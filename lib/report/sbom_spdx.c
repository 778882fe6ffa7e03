/* sbom_spdx.c — the inventory (and, after a review, the verdicts) as an
 * SPDX 2.3 JSON document; the mapping is documented in docs/sbom.md.
 *
 * The host is one package that the document DESCRIBES and that CONTAINS
 * every inventory item (one package each, SPDXID derived from the item id,
 * made unique). A file a signature matched is a package too (purpose FILE,
 * its SHA-256 as checksum), contained by the item that owns it or else by
 * the host. SPDX 2.3 has no free-form properties, so every assay:* property
 * of the CycloneDX mapping becomes one annotation (type OTHER, annotator
 * "Tool: assay-<version>") whose comment is "name=value"; the package's
 * comment sums the verdict up in one sentence. */
#include "report/sbom.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/inventory_report.h"

struct spdx_doc {
    json_t *packages, *relationships;
    json_t *seen;        /* SPDXIDs used so far (a JSON object as a set) */
    json_t *by_item;     /* "%p" of an inv_item -> its SPDXID */
    char created[32];
    char annotator[64];
    const char *host_id; /* the host package's SPDXID (in `seen`) */
};

/* Locale-independent: only ASCII letters and digits may stay in an SPDXID. */
static bool ascii_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* "SPDXRef-" + id with every character outside [A-Za-z0-9.-] as '-',
 * made unique with "-2", "-3"...; the returned key lives in d->seen. */
static const char *spdx_id(struct spdx_doc *d, const char *prefix, const char *id)
{
    size_t len = strlen(prefix) + strlen(id ? id : "") + 16;
    char *base = malloc(len), *want = malloc(len + 16);
    if (base == NULL || want == NULL) {
        free(base);
        free(want);
        return NULL;
    }
    size_t w = (size_t)snprintf(base, len, "SPDXRef-%s", prefix);
    for (const char *p = id ? id : ""; *p && w + 1 < len; p++)
        base[w++] = ascii_alnum(*p) || *p == '.' || *p == '-' ? *p : '-';
    base[w] = 0;
    if (w == 8) /* nothing after "SPDXRef-" */
        snprintf(base + w, len - w, "item");
    snprintf(want, len + 16, "%s", base);
    for (unsigned n = 2; json_object_get(d->seen, want) != NULL; n++)
        snprintf(want, len + 16, "%s-%u", base, n);
    json_object_set_new_nocheck(d->seen, want, json_true());
    /* the set's own copy of the key lives as long as the set */
    const char *stored = json_object_iter_key(json_object_iter_at(d->seen, want));
    free(base);
    free(want);
    return stored;
}

static void relate(struct spdx_doc *d, const char *from, const char *type, const char *to)
{
    if (from == NULL || to == NULL)
        return;
    json_t *r = json_object();
    json_object_set_new(r, "spdxElementId", json_string(from));
    json_object_set_new(r, "relationshipType", json_string(type));
    json_object_set_new(r, "relatedSpdxElement", json_string(to));
    json_array_append_new(d->relationships, r);
}

/* One annotation per assay:* property: comment "name=value". */
static json_t *annotations(const struct spdx_doc *d, json_t *props)
{
    json_t *a = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p) {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *value = json_string_value(json_object_get(p, "value"));
        size_t len = strlen(name ? name : "") + strlen(value ? value : "") + 2;
        char *text = malloc(len);
        if (text == NULL)
            continue;
        snprintf(text, len, "%s=%s", name ? name : "", value ? value : "");
        json_t *o = json_object();
        json_object_set_new(o, "annotationDate", json_string(d->created));
        json_object_set_new(o, "annotationType", json_string("OTHER"));
        json_object_set_new(o, "annotator", json_string(d->annotator));
        json_object_set_new(o, "comment", json_string(text));
        json_array_append_new(a, o);
        free(text);
    }
    return a;
}

static const char *purpose(enum inv_kind k)
{
    switch (k) {
    case INV_EXECUTABLE: return "FILE";
    case INV_USB_DEVICE:
    case INV_PCI_DEVICE:
    case INV_NET_INTERFACE:
    case INV_NET_NEIGHBOUR: return "DEVICE";
    case INV_DRIVER:
    case INV_KERNEL_MODULE:
    case INV_CERTIFICATE: return "OTHER";
    default: return "APPLICATION";
    }
}

/* A package with the fields every one of ours has. */
static json_t *package_new(const char *spdxid, const char *name)
{
    json_t *p = json_object();
    json_object_set_new(p, "SPDXID", json_string(spdxid));
    json_object_set_new(p, "name", report_text_json(name && name[0] ? name : "unnamed"));
    json_object_set_new(p, "downloadLocation", json_string("NOASSERTION"));
    json_object_set_new(p, "filesAnalyzed", json_false());
    json_object_set_new(p, "licenseConcluded", json_string("NOASSERTION"));
    json_object_set_new(p, "licenseDeclared", json_string("NOASSERTION"));
    json_object_set_new(p, "copyrightText", json_string("NOASSERTION"));
    return p;
}

static void add_checksum(json_t *p, const char *sha256)
{
    if (sha256 == NULL || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdefABCDEF") != 64)
        return;
    char lower[65];
    for (size_t i = 0; i < 64; i++)
        lower[i] = (char)tolower((unsigned char)sha256[i]);
    lower[64] = 0;
    json_t *c = json_object();
    json_object_set_new(c, "algorithm", json_string("SHA256"));
    json_object_set_new(c, "checksumValue", json_string(lower));
    json_t *a = json_array();
    json_array_append_new(a, c);
    json_object_set_new(p, "checksums", a);
}

/* One sentence for people: the verdict, the entry and the attribution. */
static void verdict_comment(json_t *p, const struct review_item *ri)
{
    char text[1024], deadline[64];
    const struct catalog_match *m = &ri->match;
    const char *vendor = ri->attributed && m->vendor ? m->vendor->name : NULL;
    const struct policy_entry *e = report_item_entry(ri);
    if (ri->verdict == 0 && vendor == NULL)
        return;
    report_deadline_text(ri, deadline, sizeof deadline);
    int n = 0;
    if (ri->verdict != 0)
        n = snprintf(text, sizeof text, "assay verdict: %s", review_verdict_name(ri->verdict));
    else
        n = snprintf(text, sizeof text, "assay inventory");
    if (e != NULL && n >= 0 && (size_t)n < sizeof text)
        n += snprintf(text + n, sizeof text - (size_t)n, " by policy entry %s%s%s; %s", e->id,
                      e->instrument.present ? " of " : "", e->instrument.present ? e->instrument.name : "",
                      deadline);
    if (vendor != NULL && n >= 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, "; attributed to %s%s%s (%s evidence)", vendor,
                 m->product ? ", " : "", m->product ? m->product->name : "", inv_strength_name(m->strength));
    json_object_set_new(p, "comment", report_text_json(text));
}

static json_t *item_package(struct spdx_doc *d, const struct catalog *cat, const struct review_item *items,
                            size_t i, const char **spdxid)
{
    const struct review_item *ri = &items[i];
    const struct inv_item *it = ri->item;
    *spdxid = spdx_id(d, "", it->id);
    json_t *p = package_new(*spdxid, it->name ? it->name : it->id);
    if (it->version != NULL)
        json_object_set_new(p, "versionInfo", report_text_json(it->version));
    if (ri->attributed && ri->match.vendor != NULL && ri->match.nreasons > 0) {
        char *s = malloc(strlen(ri->match.vendor->name) + 16);
        if (s != NULL) {
            sprintf(s, "Organization: %s", ri->match.vendor->name);
            json_object_set_new(p, "supplier", report_text_json(s));
            free(s);
        }
    } else {
        json_object_set_new(p, "supplier", json_string("NOASSERTION"));
    }
    add_checksum(p, inv_attr_get(it, "sha256"));
    const char *descr = inv_attr_get(it, "description");
    if (descr != NULL)
        json_object_set_new(p, "summary", report_text_json(descr));
    char *purl = report_purl(it);
    if (purl != NULL) {
        json_t *ref = json_object();
        json_object_set_new(ref, "referenceCategory", json_string("PACKAGE-MANAGER"));
        json_object_set_new(ref, "referenceType", json_string("purl"));
        json_object_set_new(ref, "referenceLocator", json_string(purl));
        json_t *refs = json_array();
        json_array_append_new(refs, ref);
        json_object_set_new(p, "externalRefs", refs);
        free(purl);
    }
    json_object_set_new(p, "primaryPackagePurpose", json_string(purpose(it->kind)));
    verdict_comment(p, ri);
    json_t *props = report_item_properties(cat, items, i);
    json_object_set_new(p, "annotations", annotations(d, props));
    json_decref(props);
    return p;
}

static void add_malicious(struct spdx_doc *d, const struct review *rv, const struct review_malicious *m)
{
    const char *id = spdx_id(d, "file-", m->path);
    json_t *p = package_new(id, m->path);
    add_checksum(p, m->sha256);
    json_object_set_new(p, "primaryPackagePurpose", json_string("FILE"));
    char text[512];
    snprintf(text, sizeof text, "assay verdict: malicious (signature %s of %s matched the file's bytes)",
             m->rule ? m->rule : "", m->engine ? m->engine : "");
    json_object_set_new(p, "comment", report_text_json(text));
    json_t *props = report_malicious_properties(rv, m);
    json_object_set_new(p, "annotations", annotations(d, props));
    json_decref(props);
    json_array_append_new(d->packages, p);
    char key[32];
    snprintf(key, sizeof key, "%p", (const void *)m->owner);
    const char *owner = json_string_value(json_object_get(d->by_item, key));
    relate(d, owner ? owner : d->host_id, "CONTAINS", id);
}

static void add_host(struct spdx_doc *d, const struct inventory *inv, const struct review *rv)
{
    const char *host = rv && rv->host ? rv->host : inv->host ? inv->host : "host";
    d->host_id = spdx_id(d, "host-", host);
    json_t *p = package_new(d->host_id, host);
    json_object_set_new(p, "primaryPackagePurpose", json_string("DEVICE"));
    json_object_set_new(p, "supplier", json_string("NOASSERTION"));
    json_t *props = json_array();
    report_property_add(props, "assay:root", inv->root);
    report_property_add(props, "assay:live", inv->live ? "true" : "false");
    for (size_t i = 0; rv != NULL && i < rv->ctx.ntags; i++)
        report_property_add(props, "assay:host.tag", rv->ctx.host_tags[i]);
    if (rv != NULL) {
        report_property_add(props, "assay:policy", rv->policy.name);
        report_property_add(props, "assay:policy.id", rv->policy.id);
    }
    for (size_t i = 0; i < inv->problems.n; i++) {
        json_t *o = json_object();
        report_set_text(o, "path", inv->problems.v[i].path);
        report_set_text(o, "reason", inv->problems.v[i].message);
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        report_property_add(props, "assay:problem", s);
        free(s);
        json_decref(o);
    }
    json_object_set_new(p, "annotations", annotations(d, props));
    json_decref(props);
    json_array_append_new(d->packages, p);
    relate(d, "SPDXRef-DOCUMENT", "DESCRIBES", d->host_id);
}

static json_t *document_new(const struct spdx_doc *d, const struct inventory *inv, const struct review *rv,
                            const char *uuid)
{
    const char *host = rv && rv->host ? rv->host : inv->host;
    json_t *doc = json_object();
    json_object_set_new(doc, "spdxVersion", json_string("SPDX-2.3"));
    json_object_set_new(doc, "dataLicense", json_string("CC0-1.0"));
    json_object_set_new(doc, "SPDXID", json_string("SPDXRef-DOCUMENT"));
    char *name = malloc(strlen(host ? host : "") + 32);
    if (name != NULL) {
        sprintf(name, "assay %s of %s", rv ? "review" : "inventory", host ? host : "a host");
        json_object_set_new(doc, "name", report_text_json(name));
        free(name);
    }
    char ns[64];
    snprintf(ns, sizeof ns, "urn:uuid:%s", uuid);
    json_object_set_new(doc, "documentNamespace", json_string(ns));
    json_t *ci = json_object();
    json_object_set_new(ci, "created", json_string(d->created));
    json_t *creators = json_array();
    json_array_append_new(creators, json_string(d->annotator));
    json_object_set_new(ci, "creators", creators);
    json_object_set_new(doc, "creationInfo", ci);
    return doc;
}

json_t *report_spdx(const struct inventory *inv, const struct catalog *cat,
                    const struct review_item *items, const struct review *rv)
{
    char uuid[37];
    if (inv == NULL || report_uuid4(uuid) != 0)
        return NULL;
    struct spdx_doc d = {.packages = json_array(), .relationships = json_array(), .seen = json_object(),
                         .by_item = json_object()};
    if (rv != NULL && rv->started[0] != 0)
        snprintf(d.created, sizeof d.created, "%s", rv->started);
    else
        report_time_iso(d.created, time(NULL));
    snprintf(d.annotator, sizeof d.annotator, "Tool: assay-%s", ASSAY_VERSION);
    json_object_set_new(d.seen, "SPDXRef-DOCUMENT", json_true());
    json_t *doc = document_new(&d, inv, rv, uuid);
    add_host(&d, inv, rv);
    for (size_t i = 0; i < inv->items.n; i++) {
        struct review_item plain = {.item = inv->items.v[i]};
        const char *id = NULL;
        json_t *p = items ? item_package(&d, cat, items, i, &id) : item_package(&d, cat, &plain, 0, &id);
        json_array_append_new(d.packages, p);
        relate(&d, d.host_id, "CONTAINS", id);
        char key[32];
        snprintf(key, sizeof key, "%p", (const void *)inv->items.v[i]);
        if (id != NULL)
            json_object_set_new(d.by_item, key, json_string(id));
    }
    for (size_t i = 0; rv != NULL && i < rv->malicious.n; i++)
        add_malicious(&d, rv, &rv->malicious.v[i]);
    json_object_set_new(doc, "packages", d.packages);
    json_object_set_new(doc, "relationships", d.relationships);
    json_decref(d.seen);
    json_decref(d.by_item);
    return doc;
}
