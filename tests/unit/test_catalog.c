/* test_catalog.c — the vendor catalog (catalog/catalog.h): the shipped
 * catalog loads and covers the vendors of the public lists; malformed
 * catalogs fail with name:line:column; attribution of inventory items by
 * each kind of evidence, homonyms, strength caps, product choice; a catalog
 * built by hand; and the speed of attributing 100,000 items.
 *
 * Items are built with inventory_init on a temporary folder, inv_item_new
 * and inv_evidence_add. The shipped YAML is also read from
 * $ASSAY_SOURCE_ROOT/data/catalog/vendors.yaml when that is set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "assay.h"
#include "catalog/catalog.h"
#include "inventory/inventory.h"

/* ---- fixture: the built-in catalog and an empty inventory ------------------------ */

struct fixture {
    char dir[64];
    struct inventory inv;
    struct catalog cat;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/assay-catalog-XXXXXX");
    if (mkdtemp(f->dir) == NULL || inventory_init(&f->inv, f->dir) != 0) {
        free(f);
        return -1;
    }
    if (catalog_load_default(&f->cat) != 0) {
        fprintf(stderr, "catalog_load_default: %s\n", assay_last_error());
        inventory_free(&f->inv);
        rmdir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    catalog_free(&f->cat);
    inventory_free(&f->inv);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A new item with one observation; add more with ev(). */
static struct inv_item *item(struct fixture *f, const char *attribute, const char *value, enum inv_strength s)
{
    struct inv_item *it = inv_item_new(&f->inv, INV_PACKAGE, "test");
    assert_non_null(it);
    assert_int_equal(inv_evidence_add(&f->inv, it, attribute, value, "/var/lib/dpkg/status", "line 1", s), 0);
    return it;
}

static void ev(struct fixture *f, struct inv_item *it, const char *attribute, const char *value, enum inv_strength s)
{
    assert_int_equal(inv_evidence_add(&f->inv, it, attribute, value, "/x", NULL, s), 0);
}

/* Attribute `it` and check vendor, product (NULL: none) and strength. */
static struct catalog_match expect_match(const struct catalog *c, const struct inv_item *it, const char *vendor,
                                         const char *product, enum inv_strength s)
{
    struct catalog_match m;
    bool found = catalog_attribute(c, it, &m);
    if (!found)
        fail_msg("no vendor for the item (expected %s)", vendor);
    assert_non_null(m.vendor);
    if (strcmp(m.vendor->id, vendor) != 0)
        fail_msg("vendor %s, expected %s", m.vendor->id, vendor);
    if (product == NULL && m.product != NULL)
        fail_msg("product %s, expected none", m.product->id);
    if (product != NULL && (m.product == NULL || strcmp(m.product->id, product) != 0))
        fail_msg("product %s, expected %s", m.product ? m.product->id : "(none)", product);
    assert_int_equal(m.strength, s);
    assert_true(m.nreasons >= 1 && m.nreasons <= CATALOG_MAX_REASONS);
    assert_int_equal(m.reasons[0].strength, s);
    assert_non_null(m.reasons[0].fact);
    assert_null(m.homonym);
    return m;
}

static void expect_none(const struct catalog *c, const struct inv_item *it)
{
    struct catalog_match m;
    bool found = catalog_attribute(c, it, &m);
    if (found)
        fail_msg("attributed to %s, expected no vendor", m.vendor->id);
    assert_int_equal(m.nreasons, 0);
    assert_int_equal(m.strength, INV_NONE);
}

/* ---- the shipped catalog ------------------------------------------------------------ */

static void check_facts(const struct catalog *c, const catalog_facts *facts)
{
    for (size_t i = 0; i < facts->n; i++) {
        assert_non_null(facts->v[i].value);
        assert_true(facts->v[i].line > 0);
        if (catalog_source(c, facts->v[i].source) == NULL)
            fail_msg("fact '%s' cites unknown source %s", facts->v[i].value, facts->v[i].source);
    }
}

static bool has_fact(const catalog_facts *facts, const char *value)
{
    for (size_t i = 0; i < facts->n; i++)
        if (strcmp(facts->v[i].value, value) == 0)
            return true;
    return false;
}

static const struct catalog_product *product_of(const struct catalog_vendor *v, const char *id)
{
    for (size_t i = 0; i < v->products.n; i++)
        if (strcmp(v->products.v[i].id, id) == 0)
            return &v->products.v[i];
    return NULL;
}

static void shipped_catalog(void **state)
{
    struct fixture *f = *state;
    const struct catalog *c = &f->cat;
    static const char *const listed[] = {"kaspersky", "huawei", "zte", "hytera", "hikvision", "dahua",
                                         "china-mobile", "china-telecom", "china-unicom"};
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++)
        if (catalog_vendor(c, listed[i]) == NULL)
            fail_msg("vendor %s missing", listed[i]);
    assert_true(c->sources.n >= 10);
    for (size_t i = 0; i < c->sources.n; i++) {
        const struct catalog_source *s = &c->sources.v[i];
        assert_non_null(s->title);
        assert_non_null(s->url);
        assert_string_equal(s->accessed, "2026-11-23");
    }
    for (size_t i = 0; i < c->vendors.n; i++) {
        const struct catalog_vendor *v = &c->vendors.v[i];
        for (int k = 0; k < CF_KIND_COUNT_; k++)
            check_facts(c, &v->facts[k]);
        for (size_t j = 0; j < v->products.n; j++)
            for (int k = 0; k < CF_KIND_COUNT_; k++)
                check_facts(c, &v->products.v[j].match[k]);
    }
    const struct catalog_vendor *k = catalog_vendor(c, "kaspersky");
    assert_true(has_fact(&k->facts[CF_LEGAL_NAME], "AO Kaspersky Lab"));
    assert_true(has_fact(&k->facts[CF_BUNDLE_PREFIX], "com.kaspersky."));
    assert_true(has_fact(&k->facts[CF_DOMAIN], "kaspersky.com"));
    const struct catalog_product *kesl = product_of(k, "kesl");
    assert_non_null(kesl);
    assert_string_equal(kesl->category, "endpoint-protection");
    assert_true(has_fact(&kesl->match[CF_PACKAGE_NAME], "kesl"));
    assert_non_null(product_of(k, "klnagent"));
    assert_non_null(product_of(k, "ksc"));
    assert_true(has_fact(&catalog_vendor(c, "hikvision")->facts[CF_BRAND], "Ezviz"));
    assert_true(has_fact(&catalog_vendor(c, "hikvision")->facts[CF_MAC_ORG], "Hangzhou Hikvision Digital Technology Co.,Ltd."));
    assert_true(has_fact(&catalog_vendor(c, "huawei")->facts[CF_USB_VENDOR], "12d1"));
    assert_true(has_fact(&catalog_vendor(c, "huawei")->facts[CF_PCI_VENDOR], "19e5"));
    assert_true(has_fact(&catalog_vendor(c, "zte")->facts[CF_USB_VENDOR], "19d2"));
    assert_true(has_fact(&catalog_vendor(c, "dahua")->facts[CF_HOMONYM], "Shanghai Dahua Scale Factory"));
    assert_true(has_fact(&catalog_vendor(c, "dahua")->facts[CF_MAC_ORG], "Zhejiang Dahua Technology Co., Ltd."));
    /* vendors of allowed replacements, each with an endpoint-protection product */
    static const char *const replacements[][2] = {{"cisco", "clamav"}, {"microsoft", "mdatp"}, {"eset", "eea"}};
    for (size_t i = 0; i < 3; i++) {
        const struct catalog_vendor *v = catalog_vendor(c, replacements[i][0]);
        assert_non_null(v);
        const struct catalog_product *p = product_of(v, replacements[i][1]);
        assert_non_null(p);
        assert_string_equal(p->category, "endpoint-protection");
    }
    assert_null(catalog_vendor(c, "nobody"));
    assert_null(catalog_source(c, "nothing"));
}

/* The file in the source tree is the one compiled in. */
static void shipped_file(void **state)
{
    struct fixture *f = *state;
    const char *root = getenv("ASSAY_SOURCE_ROOT");
    if (root == NULL) {
        skip();
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/data/catalog/vendors.yaml", root);
    struct catalog c;
    if (catalog_load_file(&c, path) != 0)
        fail_msg("%s", assay_last_error());
    assert_string_equal(c.name, path);
    assert_int_equal(c.vendors.n, f->cat.vendors.n);
    assert_int_equal(c.sources.n, f->cat.sources.n);
    catalog_free(&c);
    assert_int_equal(catalog_load_file(&c, "/nonexistent/vendors.yaml"), ASSAY_ENOTFOUND);
    assert_int_equal(c.vendors.n, 0);
    catalog_free(&c);
}

/* ---- malformed catalogs ------------------------------------------------------------- */

/* Lines 1-9; test texts continue at line 10. */
#define HEAD                                                                                                   \
    "format: assay-vendor-catalog/1\n"                                                                         \
    "sources:\n"                                                                                               \
    "  - id: s1\n"                                                                                             \
    "    title: Test source\n"                                                                                 \
    "    url: https://example.com/\n"                                                                          \
    "    accessed: 2026-11-23\n"                                                                               \
    "vendors:\n"                                                                                               \
    "  - id: acme\n"                                                                                           \
    "    name: Acme\n"

static void expect_error(const char *text, int code, const char *where, const char *phrase)
{
    struct catalog c;
    int rc = catalog_load(&c, "t.yaml", text, strlen(text));
    const char *msg = assay_last_error();
    if (rc != code || strstr(msg, where) == NULL || strstr(msg, phrase) == NULL)
        fail_msg("rc %d, message \"%s\"; expected %d, \"%s\" and \"%s\"", rc, msg, code, where, phrase);
    assert_int_equal(c.vendors.n, 0);
    assert_int_equal(c.sources.n, 0);
    catalog_free(&c);
}

static void minimal_catalog(void **state)
{
    (void)state;
    static const char text[] = HEAD "    country: ZZ\n"
                                    "    aliases:\n"
                                    "      - {value: Acme Corp, source: s1}\n"
                                    "      - source: s1\n"
                                    "        values: [Acme, ACME Widgets]\n"
                                    "    products:\n"
                                    "      - id: widget\n"
                                    "        name: Widget\n"
                                    "        category: other\n"
                                    "        package_names: [{value: 'widget*', source: s1}]\n";
    struct catalog c;
    if (catalog_load(&c, "t.yaml", text, strlen(text)) != 0)
        fail_msg("%s", assay_last_error());
    assert_string_equal(c.name, "t.yaml");
    assert_int_equal(c.vendors.n, 1);
    const struct catalog_vendor *v = catalog_vendor(&c, "acme");
    assert_non_null(v);
    assert_string_equal(v->country, "ZZ");
    assert_int_equal(v->facts[CF_ALIAS].n, 3);
    assert_string_equal(v->facts[CF_ALIAS].v[2].value, "ACME Widgets");
    assert_int_equal(v->facts[CF_ALIAS].v[0].line, 12);
    assert_string_equal(v->facts[CF_ALIAS].v[0].source, "s1");
    assert_ptr_equal(v->facts[CF_ALIAS].v[0].source, c.sources.v[0].id);
    assert_string_equal(v->products.v[0].match[CF_PACKAGE_NAME].v[0].value, "widget*");
    catalog_free(&c);
    catalog_free(&c); /* twice is harmless */
}

static void errors_named_with_line_and_column(void **state)
{
    (void)state;
    expect_error(HEAD "    colour: red\n", ASSAY_ESYNTAX, "t.yaml:10:5:", "unknown field 'colour'");
    expect_error(HEAD "    aliases:\n      - Acme Corp\n", ASSAY_ESYNTAX, "t.yaml:11:9:", "needs a source");
    expect_error(HEAD "    aliases:\n      - {value: Acme Corp}\n", ASSAY_ESYNTAX, "t.yaml:11:9:", "no source");
    expect_error(HEAD "    aliases:\n      - {value: Acme, source: s2}\n", ASSAY_ESYNTAX, "t.yaml:11:31:",
                 "unknown source 's2'");
    expect_error(HEAD "  - id: acme\n    name: Again\n", ASSAY_ESYNTAX, "t.yaml:10:9:", "duplicate vendor id 'acme'");
    expect_error(HEAD "    usb_vendor_ids:\n      - {value: 12g1, source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:17:",
                 "'12g1' is not a vendor id of 4 hex digits");
    expect_error(HEAD "    pci_vendor_ids:\n      - {value: 19e, source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:17:",
                 "4 hex digits");
}

static void more_errors(void **state)
{
    (void)state;
    expect_error("", ASSAY_ESYNTAX, "t.yaml:1:1:", "empty catalog");
    expect_error("format: assay-vendor-catalog/2\nsources: []\nvendors: []\n", ASSAY_ESYNTAX, "t.yaml:1:9:",
                 "unsupported format");
    expect_error("sources: []\nvendors: []\n", ASSAY_ESYNTAX, "t.yaml:1:1:", "has no 'format'");
    expect_error("- a\n- b\n", ASSAY_ESYNTAX, "t.yaml:1:1:", "must be a mapping");
    expect_error("format: [\n", ASSAY_ESYNTAX, "t.yaml:2:1:", "YAML:");
    expect_error(HEAD "---\nformat: x\n", ASSAY_ESYNTAX, "t.yaml:11:1:", "only one YAML document");
    expect_error(HEAD "  - id: Bad_Id\n    name: B\n", ASSAY_ESYNTAX, "t.yaml:10:9:", "vendor id 'Bad_Id'");
    expect_error(HEAD "  - id: other\n", ASSAY_ESYNTAX, "t.yaml:10:5:", "has no 'name'");
    expect_error(HEAD "    country: Russia\n", ASSAY_ESYNTAX, "t.yaml:10:14:", "ISO 3166");
    expect_error(HEAD "    products:\n      - {id: p, name: P, category: toaster}\n", ASSAY_ESYNTAX, "t.yaml:11:36:",
                 "unknown category 'toaster'");
    expect_error(HEAD "    products:\n      - {id: p, name: P}\n", ASSAY_ESYNTAX, "t.yaml:11:9:", "has no 'category'");
    expect_error(HEAD "    products:\n      - {id: p, name: P, category: vpn}\n      - {id: p, name: Q, category: vpn}\n",
                 ASSAY_ESYNTAX, "t.yaml:12:14:", "duplicate product id 'p'");
    expect_error(HEAD "    name: Twice\n", ASSAY_ESYNTAX, "t.yaml:10:5:", "appears twice");
    expect_error(HEAD "    aliases:\n      - {value: Acme, values: [A], source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:9:",
                 "both 'value' and 'values'");
    expect_error(HEAD "    aliases:\n      - {values: [], source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:18:",
                 "empty list");
    expect_error(HEAD "    aliases:\n      - {value: '--', source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:17:",
                 "letter or digit");
    expect_error(HEAD "    domains:\n      - {value: 'http://x.com', source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:17:",
                 "not a domain");
    expect_error(HEAD "    package_names:\n      - {value: 'a*b', source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:17:",
                 "not a package name");
    expect_error(HEAD "    aliases: {value: Acme, source: s1}\n", ASSAY_ESYNTAX, "t.yaml:10:14:", "must be a list");
    expect_error(HEAD "    aliases:\n      - &a {value: Acme, source: s1}\n    brands:\n      - *a\n", ASSAY_ESYNTAX,
                 "t.yaml:11:", "aliases are not supported");
    expect_error(HEAD "    products:\n      - {id: p, name: P, category: vpn, homonyms: []}\n", ASSAY_ESYNTAX,
                 "t.yaml:11:41:", "homonyms belong to the vendor");
    expect_error("format: assay-vendor-catalog/1\nsources:\n  - {id: s1, title: T, url: 'ftp://x', accessed: 2026-11-23}\n"
                 "vendors: []\n",
                 ASSAY_ESYNTAX, "t.yaml:3:29:", "http:// or https://");
    expect_error("format: assay-vendor-catalog/1\nsources:\n  - {id: s1, title: T, url: 'https://x', accessed: 2026-13-01}\n"
                 "vendors: []\n",
                 ASSAY_ESYNTAX, "t.yaml:3:52:", "YYYY-MM-DD");
    expect_error("format: assay-vendor-catalog/1\nsources:\n  - {id: s1, title: T, url: 'https://x', accessed: 2026-01-01}\n"
                 "  - {id: s1, title: U, url: 'https://y', accessed: 2026-01-01}\nvendors: []\n",
                 ASSAY_ESYNTAX, "t.yaml:4:10:", "duplicate source id 's1'");
    expect_error("format: assay-vendor-catalog/1\nsources:\n  - {id: s1, title: T, url: 'https://x'}\nvendors: []\n",
                 ASSAY_ESYNTAX, "t.yaml:3:5:", "has no 'accessed'");
    expect_error(HEAD "    aliases:\n      - {value: \"A\\0B\", source: s1}\n", ASSAY_ESYNTAX, "t.yaml:11:17:",
                 "NUL byte");
}

/* ---- attribution ---------------------------------------------------------------------- */

static void dpkg_package_names_product(void **state)
{
    struct fixture *f = *state;
    struct inv_item *it = item(f, "package.name", "kesl", INV_MEDIUM);
    struct catalog_match m = expect_match(&f->cat, it, "kaspersky", "kesl", INV_MEDIUM);
    assert_int_equal(m.reasons[0].evidence, 0);
    assert_int_equal(m.reasons[0].fact_kind, CF_PACKAGE_NAME);
    assert_string_equal(m.reasons[0].fact->value, "kesl");
    assert_string_equal(m.reasons[0].fact->source, "kaspersky-kesl-kit");
    /* case does not matter for package names */
    expect_match(&f->cat, item(f, "package.name", "KLNAGENT64", INV_MEDIUM), "kaspersky", "klnagent", INV_MEDIUM);
    /* elf.package is a package name too */
    expect_match(&f->cat, item(f, "elf.package", "mdatp", INV_MEDIUM), "microsoft", "mdatp", INV_MEDIUM);
    expect_none(&f->cat, item(f, "package.name", "keslx", INV_MEDIUM));
    expect_none(&f->cat, item(f, "package.name", "bash", INV_MEDIUM));
}

static void signer_subject_is_strong(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(&f->cat, item(f, "signer.subject", "AO Kaspersky Lab", INV_STRONG),
                                          "kaspersky", NULL, INV_STRONG);
    assert_int_equal(m.reasons[0].fact_kind, CF_LEGAL_NAME);
    /* the listed signing subject; punctuation and case are normalised */
    m = expect_match(&f->cat, item(f, "signer.subject", "KASPERSKY LAB", INV_STRONG), "kaspersky", NULL, INV_STRONG);
    assert_int_equal(m.reasons[0].fact_kind, CF_SIGNING_SUBJECT);
    /* a self-signed claim stays what the collector said */
    expect_match(&f->cat, item(f, "signer.subject", "AO Kaspersky Lab", INV_WEAK), "kaspersky", NULL, INV_WEAK);
    /* signer subjects are compared whole, not by words */
    expect_none(&f->cat, item(f, "signer.subject", "Not Kaspersky Lab Ltd", INV_STRONG));
    m = expect_match(&f->cat, item(f, "cert.subject", "Microsoft Corporation", INV_MEDIUM), "microsoft", NULL,
                     INV_MEDIUM);
    assert_int_equal(m.reasons[0].fact_kind, CF_LEGAL_NAME);
}

static void company_name_claims(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(&f->cat, item(f, "pe.company", "Kaspersky Lab", INV_WEAK), "kaspersky",
                                          NULL, INV_WEAK);
    assert_int_equal(m.reasons[0].fact_kind, CF_ALIAS);
    assert_string_equal(m.reasons[0].fact->value, "Kaspersky Lab"); /* the longer alias wins */
    /* whole words after normalisation */
    expect_match(&f->cat, item(f, "registry.publisher", "AO \"Kaspersky Lab\"", INV_MEDIUM), "kaspersky", NULL,
                 INV_MEDIUM);
    expect_none(&f->cat, item(f, "registry.publisher", "Kasperskyland Ltd", INV_MEDIUM));
    expect_none(&f->cat, item(f, "usb.vendor_name", "ZTEX GmbH", INV_WEAK));
    /* an alias or brand of a name-like attribute is never above medium ... */
    expect_match(&f->cat, item(f, "pe.company", "Hikvision", INV_STRONG), "hikvision", NULL, INV_MEDIUM);
    /* ... a legal name may be */
    m = expect_match(&f->cat, item(f, "pe.company", "Hangzhou Hikvision Digital Technology Co., Ltd.", INV_STRONG),
                     "hikvision", NULL, INV_STRONG);
    assert_int_equal(m.reasons[0].fact_kind, CF_LEGAL_NAME);
    /* a product's name names the product */
    expect_match(&f->cat, item(f, "pe.product", "Kaspersky Endpoint Security for Linux", INV_WEAK), "kaspersky",
                 "kesl", INV_WEAK);
    expect_match(&f->cat, item(f, "registry.name", "Kaspersky Security Center Network Agent", INV_WEAK), "kaspersky",
                 "klnagent", INV_WEAK);
}

static void mac_organisation(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(
        &f->cat, item(f, "mac.org", "Hangzhou Hikvision Digital Technology Co.,Ltd.", INV_WEAK), "hikvision", NULL,
        INV_WEAK);
    assert_int_equal(m.reasons[0].fact_kind, CF_MAC_ORG);
    assert_string_equal(m.reasons[0].fact->source, "ieee-ma-registry");
    expect_match(&f->cat, item(f, "mac.org", "HUAWEI TECHNOLOGIES CO.,LTD", INV_WEAK), "huawei", NULL, INV_WEAK);
    expect_match(&f->cat, item(f, "mac.org", "Hangzhou Ezviz Software Co.,Ltd.", INV_WEAK), "hikvision", NULL,
                 INV_WEAK);
    /* IEEE names are compared whole */
    expect_none(&f->cat, item(f, "mac.org", "Hikvision Fans Club", INV_WEAK));
}

static void usb_and_pci_ids(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(&f->cat, item(f, "usb.vendor_id", "12d1", INV_MEDIUM), "huawei", NULL,
                                          INV_MEDIUM);
    assert_int_equal(m.reasons[0].fact_kind, CF_USB_VENDOR);
    expect_match(&f->cat, item(f, "usb.vendor_id", "0x19D2", INV_MEDIUM), "zte", NULL, INV_MEDIUM);
    expect_match(&f->cat, item(f, "pci.vendor_id", "19e5", INV_MEDIUM), "huawei", NULL, INV_MEDIUM);
    /* a USB id is not a PCI id */
    expect_none(&f->cat, item(f, "pci.vendor_id", "12d1", INV_MEDIUM));
    expect_none(&f->cat, item(f, "usb.vendor_id", "12d1x", INV_MEDIUM));
    expect_none(&f->cat, item(f, "usb.vendor_id", "2d1", INV_MEDIUM));
}

static void homonym_is_not_the_vendor(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m;
    struct inv_item *it = item(f, "registry.publisher", "Shanghai Dahua Scale Factory", INV_MEDIUM);
    assert_false(catalog_attribute(&f->cat, it, &m));
    assert_non_null(m.vendor);
    assert_string_equal(m.vendor->id, "dahua");
    assert_non_null(m.homonym);
    assert_string_equal(m.homonym->value, "Shanghai Dahua Scale Factory");
    assert_int_equal(m.strength, INV_NONE);
    assert_int_equal(m.nreasons, 0);
    /* the same through the IEEE registry */
    it = item(f, "mac.org", "Shanghai Dahua Scale Factory", INV_WEAK);
    assert_false(catalog_attribute(&f->cat, it, &m));
    assert_non_null(m.homonym);
    /* other evidence of the item still counts */
    it = item(f, "registry.publisher", "Shanghai Dahua Scale Factory", INV_MEDIUM);
    ev(f, it, "mac.org", "Zhejiang Dahua Technology Co., Ltd.", INV_WEAK);
    expect_match(&f->cat, it, "dahua", NULL, INV_WEAK);
    /* names elsewhere in the same item do not count either */
    it = item(f, "registry.publisher", "Shanghai Dahua Scale Factory", INV_MEDIUM);
    ev(f, it, "registry.name", "Dahua Scale Manager", INV_WEAK);
    assert_false(catalog_attribute(&f->cat, it, &m));
    assert_non_null(m.homonym);
    /* a homonym of one vendor does not hide another */
    it = item(f, "registry.publisher", "Shanghai Dahua Scale Factory", INV_MEDIUM);
    ev(f, it, "usb.vendor_id", "12d1", INV_MEDIUM);
    expect_match(&f->cat, it, "huawei", NULL, INV_MEDIUM);
    /* the real one */
    expect_match(&f->cat, item(f, "registry.publisher", "Zhejiang Dahua Technology Co., Ltd.", INV_MEDIUM), "dahua",
                 NULL, INV_MEDIUM);
    expect_match(&f->cat, item(f, "registry.publisher", "Dahua", INV_MEDIUM), "dahua", NULL, INV_MEDIUM);
}

static void brand_names_the_vendor(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(&f->cat, item(f, "registry.publisher", "EZVIZ", INV_MEDIUM), "hikvision",
                                          NULL, INV_MEDIUM);
    assert_int_equal(m.reasons[0].fact_kind, CF_BRAND);
    assert_string_equal(m.reasons[0].fact->value, "Ezviz");
    expect_match(&f->cat, item(f, "bundle.name", "Ezviz Studio", INV_WEAK), "hikvision", NULL, INV_WEAK);
}

static void paths_are_weak(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(&f->cat, item(f, "path", "/opt/kaspersky/kesl/bin/kesl-control", INV_MEDIUM),
                                          "kaspersky", "kesl", INV_WEAK);
    assert_int_equal(m.reasons[0].fact_kind, CF_ALIAS);
    expect_match(&f->cat, item(f, "path", "C:\\Program Files (x86)\\Kaspersky Lab\\NetworkAgent\\klnagent.exe",
                               INV_STRONG),
                 "kaspersky", "klnagent", INV_WEAK);
    expect_match(&f->cat, item(f, "path", "/opt/kaspersky/klnagent64/bin/klnagchk", INV_MEDIUM), "kaspersky",
                 "klnagent", INV_WEAK);
    /* a name cannot span folders */
    expect_none(&f->cat, item(f, "path", "/srv/china/mobile", INV_WEAK));
}

static void bundle_ids_by_prefix(void **state)
{
    struct fixture *f = *state;
    expect_match(&f->cat, item(f, "bundle.id", "com.kaspersky.kav.sysext", INV_MEDIUM), "kaspersky", NULL,
                 INV_MEDIUM);
    expect_none(&f->cat, item(f, "bundle.id", "com.kasperskyfan.app", INV_MEDIUM));
    expect_match(&f->cat, item(f, "bundle.id", "com.microsoft.wdav", INV_MEDIUM), "microsoft", "mdatp", INV_MEDIUM);
    expect_match(&f->cat, item(f, "bundle.id", "com.microsoft.wdav.epsext", INV_MEDIUM), "microsoft", "mdatp",
                 INV_MEDIUM);
    expect_none(&f->cat, item(f, "bundle.id", "com.microsoft.wdavx", INV_MEDIUM));
    expect_match(&f->cat, item(f, "bundle.id", "com.eset.protection", INV_MEDIUM), "eset", NULL, INV_MEDIUM);
}

static void domains_of_urls_and_addresses(void **state)
{
    struct fixture *f = *state;
    struct catalog_match m = expect_match(
        &f->cat, item(f, "package.homepage", "https://support.kaspersky.com/kes-for-linux", INV_MEDIUM), "kaspersky",
        NULL, INV_MEDIUM);
    assert_int_equal(m.reasons[0].fact_kind, CF_DOMAIN);
    expect_match(&f->cat, item(f, "registry.url", "http://user@www.KASPERSKY.com:8080/x?y", INV_MEDIUM), "kaspersky",
                 NULL, INV_MEDIUM);
    expect_match(&f->cat, item(f, "registry.url", "www.hikvision.com/en/", INV_MEDIUM), "hikvision", NULL,
                 INV_MEDIUM);
    expect_none(&f->cat, item(f, "package.homepage", "https://notkaspersky.com/", INV_MEDIUM));
    expect_none(&f->cat, item(f, "package.homepage", "https://kaspersky.com.example.org/", INV_MEDIUM));
    m = expect_match(&f->cat, item(f, "package.maintainer", "Packager <build@kaspersky.com>", INV_MEDIUM),
                     "kaspersky", NULL, INV_MEDIUM);
    assert_int_equal(m.reasons[0].fact_kind, CF_DOMAIN);
}

static void replacement_products(void **state)
{
    struct fixture *f = *state;
    struct inv_item *it = item(f, "package.name", "clamav-daemon", INV_MEDIUM);
    ev(f, it, "package.maintainer", "ClamAV Team <pkg-clamav-devel@lists.alioth.debian.org>", INV_MEDIUM);
    ev(f, it, "package.homepage", "https://www.clamav.net/", INV_MEDIUM);
    struct catalog_match m = expect_match(&f->cat, it, "cisco", "clamav", INV_MEDIUM);
    assert_int_equal(m.nreasons, 3);
    assert_int_equal(m.reasons[0].evidence, 0);
    assert_int_equal(m.reasons[1].evidence, 1);
    assert_int_equal(m.reasons[2].evidence, 2);
    expect_match(&f->cat, item(f, "package.name", "mdatp", INV_MEDIUM), "microsoft", "mdatp", INV_MEDIUM);
}

static void strongest_vendor_wins(void **state)
{
    struct fixture *f = *state;
    struct inv_item *it = item(f, "pe.company", "Hikvision", INV_WEAK);
    ev(f, it, "pe.product", "Hikvision Tool", INV_WEAK);
    ev(f, it, "signer.subject", "AO Kaspersky Lab", INV_STRONG);
    struct catalog_match m = expect_match(&f->cat, it, "kaspersky", NULL, INV_STRONG);
    assert_int_equal(m.nreasons, 1);
    assert_int_equal(m.reasons[0].evidence, 2);
    /* equal strength: most reasons */
    it = item(f, "pe.company", "Hikvision", INV_WEAK);
    ev(f, it, "pe.product", "Hikvision Tool", INV_WEAK);
    ev(f, it, "mac.org", "zte corporation", INV_WEAK);
    expect_match(&f->cat, it, "hikvision", NULL, INV_WEAK);
    /* reasons: strongest first, at most CATALOG_MAX_REASONS */
    it = item(f, "path", "/opt/kaspersky", INV_WEAK);
    for (int i = 0; i < 12; i++)
        ev(f, it, "registry.publisher", "Kaspersky", INV_MEDIUM);
    ev(f, it, "package.name", "kesl", INV_MEDIUM);
    m = expect_match(&f->cat, it, "kaspersky", "kesl", INV_MEDIUM);
    assert_int_equal(m.nreasons, CATALOG_MAX_REASONS);
    for (size_t i = 0; i < m.nreasons; i++)
        assert_int_equal(m.reasons[i].strength, INV_MEDIUM);
    /* evidence that is no evidence, or attributes the catalog does not know */
    it = item(f, "package.name", "kesl", INV_NONE);
    ev(f, it, "favourite.colour", "Kaspersky", INV_STRONG);
    expect_none(&f->cat, it);
    assert_false(catalog_attribute(NULL, it, &m));
    assert_false(catalog_attribute(&f->cat, NULL, &m));
    assert_false(catalog_attribute(&f->cat, it, NULL));
}

/* A catalog assembled in memory, as other tests do, attributes too. */
static void catalog_built_by_hand(void **state)
{
    struct fixture *f = *state;
    struct catalog c;
    memset(&c, 0, sizeof c);
    c.name = "memory";
    assert_int_equal(util_vec_reserve(&c.vendors, 4), 0);
    struct catalog_vendor v = {.id = "acme", .name = "Acme"};
    assert_int_equal(util_vec_push(&c.vendors, v), 0);
    struct catalog_fact alias = {"Acme Widgets", "src", 1}, pkg = {"acme-*", "src", 2};
    struct catalog_vendor *a = &c.vendors.v[0];
    assert_int_equal(util_vec_push(&a->facts[CF_ALIAS], alias), 0);
    struct catalog_product p = {.id = "tool", .name = "Tool", .category = "other"};
    assert_int_equal(util_vec_push(&a->products, p), 0);
    assert_int_equal(util_vec_push(&a->products.v[0].match[CF_PACKAGE_NAME], pkg), 0);
    expect_match(&c, item(f, "package.name", "acme-agent", INV_MEDIUM), "acme", "tool", INV_MEDIUM);
    expect_match(&c, item(f, "pe.company", "ACME widgets, inc.", INV_STRONG), "acme", NULL, INV_MEDIUM);
    expect_none(&c, item(f, "package.name", "acme", INV_MEDIUM));
    util_vec_free(&a->facts[CF_ALIAS]);
    util_vec_free(&a->products.v[0].match[CF_PACKAGE_NAME]);
    util_vec_free(&a->products);
    util_vec_free(&c.vendors);
}

/* A loaded catalog whose vendors changed no longer uses its stale index. */
static void changed_catalog(void **state)
{
    struct fixture *f = *state;
    static const char text[] = HEAD "    aliases: [{value: Acme, source: s1}]\n";
    struct catalog c;
    assert_int_equal(catalog_load(&c, "t.yaml", text, strlen(text)), 0);
    struct catalog_vendor extra = {.id = "zeta", .name = "Zeta"};
    struct catalog_fact alias = {"Zeta", "s1", 1};
    assert_int_equal(util_vec_push(&extra.facts[CF_ALIAS], alias), 0);
    assert_int_equal(util_vec_push(&c.vendors, extra), 0);
    expect_match(&c, item(f, "registry.publisher", "Zeta", INV_MEDIUM), "zeta", NULL, INV_MEDIUM);
    expect_match(&c, item(f, "registry.publisher", "Acme", INV_MEDIUM), "acme", NULL, INV_MEDIUM);
    catalog_free(&c);
}

/* 100,000 items of typical evidence; prints the rate. */
static void attribution_speed(void **state)
{
    struct fixture *f = *state;
    enum { N = 100000 };
    static const char *const publishers[] = {"Microsoft Corporation", "Mozilla Foundation", "The GNOME Project",
                                             "AO Kaspersky Lab", "Debian QA Group <packages@qa.debian.org>",
                                             "Hangzhou Hikvision Digital Technology Co.,Ltd."};
    struct inv_item **items = malloc(N * sizeof *items);
    assert_non_null(items);
    char name[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "lib-package-%d", i);
        items[i] = item(f, "package.name", name, INV_MEDIUM);
        ev(f, items[i], "package.maintainer", publishers[i % 6], INV_MEDIUM);
        ev(f, items[i], "package.homepage", "https://www.example.org/project/page", INV_MEDIUM);
        ev(f, items[i], "path", "/usr/lib/x86_64-linux-gnu/some/library/file.so.1", INV_WEAK);
        ev(f, items[i], "signer.subject", publishers[(i + 1) % 6], INV_STRONG);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t found = 0;
    for (int i = 0; i < N; i++) {
        struct catalog_match m;
        found += catalog_attribute(&f->cat, items[i], &m);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("attributed %d items (%zu to a vendor) in %.3f s: %.0f items/s\n", N, found, s, N / s);
    assert_true(found > N / 2);
    assert_true(s < 20.0); /* generous: sanitizer builds are slow */
    free(items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(shipped_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(shipped_file, setup, teardown),
        cmocka_unit_test(minimal_catalog),
        cmocka_unit_test(errors_named_with_line_and_column),
        cmocka_unit_test(more_errors),
        cmocka_unit_test_setup_teardown(dpkg_package_names_product, setup, teardown),
        cmocka_unit_test_setup_teardown(signer_subject_is_strong, setup, teardown),
        cmocka_unit_test_setup_teardown(company_name_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(mac_organisation, setup, teardown),
        cmocka_unit_test_setup_teardown(usb_and_pci_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(homonym_is_not_the_vendor, setup, teardown),
        cmocka_unit_test_setup_teardown(brand_names_the_vendor, setup, teardown),
        cmocka_unit_test_setup_teardown(paths_are_weak, setup, teardown),
        cmocka_unit_test_setup_teardown(bundle_ids_by_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(domains_of_urls_and_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(replacement_products, setup, teardown),
        cmocka_unit_test_setup_teardown(strongest_vendor_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(catalog_built_by_hand, setup, teardown),
        cmocka_unit_test_setup_teardown(changed_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(attribution_speed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
