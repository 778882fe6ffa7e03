/* fuzz_catalog.c — libFuzzer target for the vendor catalog loader
 * (catalog_load) and for attribution over whatever it accepts.
 *
 * A failed load must return ASSAY_ESYNTAX, ASSAY_ELIMIT or ASSAY_ENOMEM with
 * a message naming "fuzz.yaml" and leave the catalog empty. A successful
 * one must satisfy the format's promises: unique vendor ids, every fact with
 * a value and a listed source. Then each fact value is fed back as evidence
 * of the attribute that matches its kind (and as a path and a publisher),
 * and the match must be well formed. Seeds: data/catalog/vendors.yaml.
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/util/arena.c lib/util/buf.c lib/util/error.c lib/catalog/catalog.c \
 *       lib/catalog/attribute.c <generated default_catalog.c> tests/fuzz/fuzz_catalog.c -lyaml -o fuzz_catalog */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "catalog/catalog.h"

static const char *const attribute_of_kind[CF_KIND_COUNT_] = {
    [CF_LEGAL_NAME] = "signer.subject", [CF_ALIAS] = "pe.company",           [CF_BRAND] = "bundle.name",
    [CF_SUBSIDIARY] = "cert.subject",   [CF_SIGNING_SUBJECT] = "signer.subject", [CF_PACKAGE_NAME] = "package.name",
    [CF_BUNDLE_PREFIX] = "bundle.id",   [CF_MAC_ORG] = "mac.org",           [CF_USB_VENDOR] = "usb.vendor_id",
    [CF_PCI_VENDOR] = "pci.vendor_id",  [CF_DOMAIN] = "package.homepage",   [CF_EXTENSION_ID] = "extension.id",
    [CF_HOMONYM] = "registry.publisher",
};

static void check_facts(const struct catalog *c, const catalog_facts *facts)
{
    for (size_t i = 0; i < facts->n; i++)
        if (facts->v[i].value == NULL || facts->v[i].value[0] == '\0' || catalog_source(c, facts->v[i].source) == NULL)
            abort();
}

static void check_match(const struct catalog *c, const struct inv_item *it)
{
    struct catalog_match m;
    bool found = catalog_attribute(c, it, &m);
    if (m.nreasons > CATALOG_MAX_REASONS || m.strength > INV_STRONG)
        abort();
    if (!found) {
        if (m.nreasons != 0 || m.strength != INV_NONE || (m.homonym != NULL && m.vendor == NULL))
            abort();
        return;
    }
    if (m.vendor < c->vendors.v || m.vendor >= c->vendors.v + c->vendors.n || m.nreasons == 0 ||
        m.strength == INV_NONE || m.reasons[0].strength != m.strength)
        abort();
    if (m.product != NULL &&
        (m.product < m.vendor->products.v || m.product >= m.vendor->products.v + m.vendor->products.n))
        abort();
    for (size_t i = 0; i < m.nreasons; i++)
        if (m.reasons[i].fact == NULL || m.reasons[i].evidence >= it->evidence.n ||
            m.reasons[i].strength > m.strength || m.reasons[i].fact_kind >= CF_KIND_COUNT_)
            abort();
}

/* One item per fact: the fact's value under the attribute of its kind, as a
 * publisher and as a path. */
static void attribute_facts(const struct catalog *c, const catalog_facts *facts, enum catalog_fact_kind kind)
{
    for (size_t i = 0; i < facts->n && i < 64; i++) {
        struct inv_item it = {.kind = INV_PACKAGE, .collector = "fuzz"};
        struct inv_evidence ev[3] = {
            {.attribute = attribute_of_kind[kind], .value = facts->v[i].value, .strength = INV_STRONG},
            {.attribute = "registry.publisher", .value = facts->v[i].value, .strength = INV_MEDIUM},
            {.attribute = "path", .value = facts->v[i].value, .strength = INV_WEAK},
        };
        it.evidence.v = ev;
        it.evidence.n = it.evidence.cap = 3;
        check_match(c, &it);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct catalog c;
    int rc = catalog_load(&c, "fuzz.yaml", (const char *)data, size);
    if (rc != ASSAY_OK) {
        if ((rc != ASSAY_ESYNTAX && rc != ASSAY_ELIMIT && rc != ASSAY_ENOMEM) ||
            (rc != ASSAY_ENOMEM && strstr(assay_last_error(), "fuzz.yaml") == NULL) || c.vendors.n != 0 ||
            c.sources.n != 0)
            abort();
        catalog_free(&c);
        return 0;
    }
    for (size_t i = 0; i < c.vendors.n; i++) {
        const struct catalog_vendor *v = &c.vendors.v[i];
        if (v->id == NULL || v->name == NULL)
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(c.vendors.v[j].id, v->id) == 0)
                abort();
        for (int k = 0; k < CF_KIND_COUNT_; k++) {
            check_facts(&c, &v->facts[k]);
            attribute_facts(&c, &v->facts[k], (enum catalog_fact_kind)k);
        }
        for (size_t p = 0; p < v->products.n; p++) {
            if (v->products.v[p].id == NULL || v->products.v[p].category == NULL)
                abort();
            for (int k = 0; k < CF_KIND_COUNT_; k++) {
                check_facts(&c, &v->products.v[p].match[k]);
                attribute_facts(&c, &v->products.v[p].match[k], (enum catalog_fact_kind)k);
            }
        }
    }
    catalog_free(&c);
    return 0;
}
