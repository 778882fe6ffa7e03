/* test_policy.c — review policies (policy/policy.h): the example policy
 * loads and lints clean; the broken policies of tests/data/policy give their
 * errors at the right line and column; weak-evidence warnings; catalog checks
 * against a catalog built in memory (and against the real built-in catalog
 * once it loads: skipped until then); dates; evaluation (verdict precedence,
 * scope by host tag, min_strength, match rules, kind/category filters,
 * deadline arithmetic, milestones) and replacement detection over inventory
 * items built with inventory_init on a temporary folder; hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "inventory/inventory.h"
#include "policy/policy.h"
#include "test_support.h"

/* ---- helpers ------------------------------------------------------------------------ */

static const char *source_root(void)
{
    const char *s = getenv("ASSAY_SOURCE_ROOT");
    return s ? s : ".";
}

static int load_text(struct policy *p, const char *yaml)
{
    return policy_load(p, "test.yaml", yaml, strlen(yaml));
}

static int load_fixture(struct policy *p, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/policy/%s", source_root(), name);
    return policy_load_file(p, path);
}

/* Is there a diagnostic of `sev` at line:column (column 0: any) whose message
 * contains `text`? */
static bool has_diag(const struct policy *p, enum policy_severity sev, uint32_t line, uint32_t column,
                     const char *text)
{
    for (size_t i = 0; i < p->diags.n; i++) {
        const struct policy_diag *d = &p->diags.v[i];
        if (d->severity == sev && d->line == line && (column == 0 || d->column == column) &&
            strstr(d->message, text))
            return true;
    }
    return false;
}

static void dump_diags(const struct policy *p)
{
    for (size_t i = 0; i < p->diags.n; i++)
        fprintf(stderr, "  %u:%u %s: %s\n", p->diags.v[i].line, p->diags.v[i].column,
                policy_severity_name((enum policy_severity)p->diags.v[i].severity), p->diags.v[i].message);
}

#define assert_diag(p, sev, line, col, text)                                                   \
    do {                                                                                       \
        if (!has_diag((p), (sev), (line), (col), (text))) {                                    \
            dump_diags(p);                                                                     \
            fail_msg("no %s at %u:%u containing '%s'", policy_severity_name(sev), (unsigned)(line), \
                     (unsigned)(col), (text));                                                 \
        }                                                                                      \
    } while (0)

static policy_day day(const char *s)
{
    policy_day d = POLICY_NO_DAY;
    assert_true(policy_parse_date(s, &d));
    return d;
}

static const struct policy_entry *entry(const struct policy *p, const char *id)
{
    for (size_t i = 0; i < p->entries.n; i++)
        if (p->entries.v[i].id && strcmp(p->entries.v[i].id, id) == 0)
            return &p->entries.v[i];
    fail_msg("no entry %s", id);
    return NULL;
}

/* ---- an in-memory catalog ------------------------------------------------------------- */

static void add_fact(catalog_facts *facts, enum catalog_fact_kind k, const char *value)
{
    struct catalog_fact f = {value, "src", 1};
    assert_int_equal(util_vec_push(&facts[k], f), 0);
}

static struct catalog_vendor *add_vendor(struct catalog *c, const char *id)
{
    struct catalog_vendor v = {.id = id, .name = id};
    assert_int_equal(util_vec_push(&c->vendors, v), 0);
    return &c->vendors.v[c->vendors.n - 1];
}

static void add_product(struct catalog_vendor *v, const char *id, const char *category)
{
    struct catalog_product pr = {.id = id, .name = id, .category = category};
    assert_int_equal(util_vec_push(&v->products, pr), 0);
}

/* kaspersky (signing subject; product kesl, endpoint-protection), microsoft
 * (signing subject; product defender, endpoint-protection), hikvision (MAC
 * organisation and alias only: weak), huawei (USB vendor id). Vendors are
 * added before any pointer to them is taken. */
static void build_catalog(struct catalog *c)
{
    memset(c, 0, sizeof *c);
    c->name = "memory";
    assert_int_equal(util_vec_reserve(&c->vendors, 8), 0);
    struct catalog_vendor *k = add_vendor(c, "kaspersky");
    add_fact(k->facts, CF_SIGNING_SUBJECT, "AO Kaspersky Lab");
    add_product(k, "kesl", "endpoint-protection");
    struct catalog_vendor *m = add_vendor(c, "microsoft");
    add_fact(m->facts, CF_SIGNING_SUBJECT, "Microsoft Corporation");
    add_product(m, "defender", "endpoint-protection");
    struct catalog_vendor *h = add_vendor(c, "hikvision");
    add_fact(h->facts, CF_MAC_ORG, "Hangzhou Hikvision Digital Technology Co.,Ltd.");
    add_fact(h->facts, CF_ALIAS, "Hikvision");
    struct catalog_vendor *w = add_vendor(c, "huawei");
    add_fact(w->facts, CF_USB_VENDOR, "12d1");
}

static void free_catalog(struct catalog *c)
{
    for (size_t i = 0; i < c->vendors.n; i++) {
        struct catalog_vendor *v = &c->vendors.v[i];
        for (int k = 0; k < CF_KIND_COUNT_; k++)
            util_vec_free(&v->facts[k]);
        util_vec_free(&v->products);
    }
    util_vec_free(&c->vendors);
}

static struct catalog_match attributed(const struct catalog *c, const char *vendor, const char *product,
                                       enum inv_strength s)
{
    struct catalog_match m = {0};
    for (size_t i = 0; i < c->vendors.n; i++)
        if (strcmp(c->vendors.v[i].id, vendor) == 0) {
            m.vendor = &c->vendors.v[i];
            for (size_t j = 0; product && j < m.vendor->products.n; j++)
                if (strcmp(m.vendor->products.v[j].id, product) == 0)
                    m.product = &m.vendor->products.v[j];
        }
    assert_non_null(m.vendor);
    m.strength = (uint8_t)s;
    m.nreasons = 1;
    m.reasons[0].evidence = 0;
    m.reasons[0].strength = (uint8_t)s;
    return m;
}

/* ---- an inventory on a temporary folder ------------------------------------------------- */

struct fixture {
    char dir[64];
    struct inventory inv;
};

static void fixture_init(struct fixture *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/assay-policy-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(inventory_init(&f->inv, f->dir), 0);
}

static void fixture_free(struct fixture *f)
{
    inventory_free(&f->inv);
    rmdir(f->dir);
}

static struct inv_item *package(struct fixture *f, const char *name, enum inv_strength s)
{
    struct inv_item *it = inv_item_new(&f->inv, INV_PACKAGE, "dpkg");
    assert_non_null(it);
    it->name = inv_strdup(&f->inv, name);
    assert_int_equal(inv_evidence_add(&f->inv, it, "package.name", name, "/var/lib/dpkg/status", "line 1", s), 0);
    return it;
}

/* ---- the example policy --------------------------------------------------------------------- */

static void example_policy_lints_clean(void **state)
{
    (void)state;
    struct policy p;
    int rc = policy_load_default(&p);
    if (rc != 0)
        dump_diags(&p);
    assert_int_equal(rc, 0);
    assert_int_equal(policy_lint(&p, NULL), 0);
    assert_int_equal(p.errors, 0);
    assert_int_equal(p.warnings, 0);
    assert_string_equal(p.id, "example-public-instruments");
    assert_true(p.entries.n >= 8);
    assert_true(p.sources.n >= 8);

    /* BOD 17-01: 90 days after 2017-09-13, steps at 30/60/90 days */
    const struct policy_entry *bod = entry(&p, "dhs-bod-17-01");
    assert_int_equal(bod->verdict, POLICY_EXCLUDE);
    assert_true(bod->instrument.binding);
    assert_int_equal(bod->effective, day("2017-09-13"));
    assert_int_equal(bod->deadline, day("2017-12-12"));
    assert_int_equal(bod->milestones.n, 3);
    assert_int_equal(bod->milestones.v[0].day, day("2017-10-13"));
    assert_int_equal(bod->milestones.v[1].day, day("2017-11-12"));
    assert_int_equal(bod->milestones.v[2].day, day("2017-12-12"));
    assert_true(bod->replacement.present);
    assert_int_equal(bod->replacement.category, POLICY_CAT_ENDPOINT_PROTECTION);
    assert_int_equal(bod->host_tags.n, 1);
    assert_string_equal(bod->host_tags.v[0].value, "us-federal");

    assert_int_equal(entry(&p, "ndaa-fy2018-1634")->deadline, day("2018-10-01"));
    assert_int_equal(entry(&p, "commerce-icts-2024-kaspersky")->effective, day("2024-07-20"));
    assert_int_equal(entry(&p, "commerce-icts-2024-kaspersky")->deadline, day("2024-09-29"));
    const struct policy_entry *ep = entry(&p, "ep-2018-cyber-defence-76");
    assert_int_equal(ep->verdict, POLICY_REVIEW);
    assert_false(ep->instrument.binding);
    assert_string_equal(ep->instrument.article, "§76");
    assert_int_equal(entry(&p, "fcc-covered-network-neighbours")->min_strength, INV_WEAK);
    assert_true(entry(&p, "bsi-2022-kaspersky-replace")->replacement.present);

    /* every exclusion names a binding instrument and cites evidence */
    for (size_t i = 0; i < p.entries.n; i++) {
        const struct policy_entry *e = &p.entries.v[i];
        if (e->verdict != POLICY_EXCLUDE)
            continue;
        assert_true(e->instrument.present && e->instrument.binding);
        assert_true(e->evidence.n > 0);
    }
    policy_free(&p);
}

/* Once the catalog is written: the example's vendor ids exist in it. */
static void example_policy_against_builtin_catalog(void **state)
{
    (void)state;
    struct catalog c;
    if (catalog_load_default(&c) != 0) {
        catalog_free(&c);
        skip();
        return;
    }
    struct policy p;
    assert_int_equal(policy_load_default(&p), 0);
    int errors = policy_lint(&p, &c);
    if (errors)
        dump_diags(&p);
    assert_int_equal(errors, 0);
    policy_free(&p);
    catalog_free(&c);
}

/* ---- broken policies -------------------------------------------------------------------------- */

static void unknown_fields_are_errors(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "unknown_field.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 4, 1, "unknown field 'colour' in policy");
    assert_diag(&p, POLICY_ERROR, 13, 5, "unknown field 'severity' in entry");
    assert_diag(&p, POLICY_ERROR, 16, 7, "unknown field 'bindng' in instrument");
    assert_diag(&p, POLICY_ERROR, 15, 7, "instrument binding is required");
    assert_int_equal(p.errors, 4);
    policy_free(&p);
}

static void bad_dates_are_errors(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "bad_dates.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 8, 15, "'2026-13-01' is not a date");
    assert_diag(&p, POLICY_ERROR, 15, 16, "'2023-02-30' is not a date");
    assert_diag(&p, POLICY_ERROR, 22, 15, "deadline 2024-07-19 is before the effective date 2024-07-20");
    assert_diag(&p, POLICY_ERROR, 28, 16, "'next week' is not a date");
    assert_int_equal(p.errors, 4);
    policy_free(&p);
}

static void duplicate_ids_are_errors(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "duplicate_ids.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 8, 9, "duplicate source id 's1' (first at line 5)");
    assert_diag(&p, POLICY_ERROR, 17, 9, "duplicate entry id 'same' (first at line 12)");
    assert_diag(&p, POLICY_ERROR, 16, 28, "'kaspersky' is listed twice");
    assert_int_equal(p.errors, 3);
    policy_free(&p);
}

static void exclusions_need_instrument_and_evidence(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "exclude_without_instrument.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 14, 14, "exclude without an instrument");
    assert_int_equal(p.errors, 1);
    policy_free(&p);

    assert_int_equal(load_fixture(&p, "exclude_without_evidence.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 16, 14, "entry 'ban': exclude without evidence");
    assert_diag(&p, POLICY_ERROR, 22, 20, "evidence 's2' is not a source id");
    assert_int_equal(p.errors, 2);
    policy_free(&p);
}

static void unknown_values_are_errors(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "unknown_values.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 7, 14, "unknown verdict 'ban'");
    assert_diag(&p, POLICY_ERROR, 8, 19, "unknown min_strength 'certain'");
    assert_diag(&p, POLICY_ERROR, 11, 27, "unknown kind 'floppy'");
    assert_diag(&p, POLICY_ERROR, 12, 20, "unknown category 'antivirus'");
    assert_diag(&p, POLICY_ERROR, 14, 22, "unknown evidence attribute 'package.colour'");
    assert_diag(&p, POLICY_ERROR, 17, 17, "unknown replacement category 'antivirus'");
    assert_int_equal(p.errors, 6);
    policy_free(&p);
}

static void yaml_problems_are_errors(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "yaml_syntax.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 8, 1, "YAML syntax");
    assert_diag(&p, POLICY_ERROR, 8, 1, "from line 6");
    policy_free(&p);
    assert_int_equal(load_fixture(&p, "alias.yaml"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 11, 5, "aliases");
    policy_free(&p);
    assert_int_equal(load_text(&p, "format: assay-policy/1\nid: a\nentries: []\n---\nformat: x\n"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 4, 1, "second");
    policy_free(&p);
    assert_int_equal(load_text(&p, ""), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 0, 0, "empty policy");
    policy_free(&p);
    assert_int_equal(load_text(&p, "- a\n- b\n"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 1, 1, "policy: expected a mapping");
    policy_free(&p);
    assert_int_equal(load_text(&p, "format: assay-policy/2\nid: x\nentries: []\n"), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 1, 9, "not supported");
    policy_free(&p);
}

static void structural_errors(void **state)
{
    (void)state;
    struct policy p;
    const char *yaml = "format: assay-policy/1\n"
                       "id: s\n"
                       "entries:\n"
                       "  - id: e1\n"                 /* 4 */
                       "    title: t\n"
                       "    verdict: review\n"
                       "    subject: {}\n"            /* 7: selects nothing */
                       "  - id: 'bad id'\n"           /* 8 */
                       "    title: t\n"
                       "    verdict: review\n"
                       "    subject:\n"
                       "      vendors: kaspersky\n"   /* 12: not a list */
                       "    deadline_days: 30\n"      /* 13: no effective */
                       "    scope: {host_tags: []}\n" /* 14 */
                       "  - id: e3\n"
                       "    title: t\n"
                       "    verdict: allow\n"
                       "    subject:\n"
                       "      match:\n"
                       "        - {attribute: path, prefix: /opt/x, contains: y}\n" /* 20 */
                       "    deadline: 2024-01-01\n"
                       "    deadline_days: 3\n"       /* 22: both */
                       "    milestones:\n"
                       "      - {days: 10, action: x}\n" /* 24: no effective */
                       "  - just text\n";             /* 25 */
    assert_int_equal(load_text(&p, yaml), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 7, 14, "selects nothing");
    assert_diag(&p, POLICY_ERROR, 8, 9, "ids are");
    assert_diag(&p, POLICY_ERROR, 12, 16, "expected a list");
    assert_false(has_diag(&p, POLICY_ERROR, 12, 7, "selects nothing")); /* said once is enough */
    assert_diag(&p, POLICY_ERROR, 13, 20, "deadline_days needs an effective date");
    assert_diag(&p, POLICY_ERROR, 14, 12, "empty host_tags");
    assert_diag(&p, POLICY_ERROR, 20, 11, "exactly one of equals, prefix, suffix, contains");
    assert_diag(&p, POLICY_ERROR, 22, 20, "not both");
    assert_diag(&p, POLICY_ERROR, 24, 16, "no effective date");
    assert_diag(&p, POLICY_ERROR, 25, 5, "entry: expected a mapping");
    policy_free(&p);
}

static void catalog_path_resolution(void **state)
{
    (void)state;
    struct policy p;
    char buf[256];
    const char *rel = "format: assay-policy/1\nid: c\ncatalog: cat/vendors.yaml\nentries: []\n";
    assert_int_equal(policy_load(&p, "/etc/assay/policy.yaml", rel, strlen(rel)), 0);
    assert_true(policy_catalog_path(&p, buf, sizeof buf));
    assert_string_equal(buf, "/etc/assay/cat/vendors.yaml");
    assert_false(policy_catalog_path(&p, buf, 10)); /* too small */
    policy_free(&p);
    assert_int_equal(policy_load(&p, "policy.yaml", rel, strlen(rel)), 0);
    assert_true(policy_catalog_path(&p, buf, sizeof buf));
    assert_string_equal(buf, "cat/vendors.yaml");
    policy_free(&p);
    const char *abs = "format: assay-policy/1\nid: c\ncatalog: /srv/v.yaml\nentries: []\n";
    assert_int_equal(policy_load(&p, "/etc/assay/policy.yaml", abs, strlen(abs)), 0);
    assert_true(policy_catalog_path(&p, buf, sizeof buf));
    assert_string_equal(buf, "/srv/v.yaml");
    assert_int_equal(p.catalog_loc.line, 3);
    policy_free(&p);
    assert_int_equal(load_text(&p, "format: assay-policy/1\nid: c\nentries: []\n"), 0);
    assert_false(policy_catalog_path(&p, buf, sizeof buf)); /* the built-in one */
    policy_free(&p);
}

/* ---- warnings ------------------------------------------------------------------------------- */

static void weak_evidence_gives_warnings(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_fixture(&p, "weak_evidence.yaml"), 0);
    assert_int_equal(policy_lint(&p, NULL), 0);
    assert_diag(&p, POLICY_NOTE, 0, 0, "no vendor catalog");
    assert_diag(&p, POLICY_WARNING, 13, 16, "advisory instrument");
    assert_diag(&p, POLICY_WARNING, 17, 11, "excluding on registry.name, weak evidence");
    assert_diag(&p, POLICY_WARNING, 19, 19, "exclude accepting weak evidence");
    assert_diag(&p, POLICY_WARNING, 25, 11, "mac.org is weak evidence, below min_strength medium");
    assert_diag(&p, POLICY_WARNING, 32, 14, "network neighbours are only known by MAC prefix");
    assert_int_equal(p.warnings, 5);
    assert_int_equal(p.errors, 0);
    policy_free(&p);
}

static void catalog_checks(void **state)
{
    (void)state;
    struct catalog c;
    build_catalog(&c);
    struct policy p;
    assert_int_equal(load_fixture(&p, "unknown_vendor.yaml"), 0);
    assert_int_equal(policy_lint(&p, &c), 2);
    assert_diag(&p, POLICY_ERROR, 9, 17, "unknown vendor 'no-such-vendor'");
    assert_diag(&p, POLICY_ERROR, 10, 18, "unknown product 'no-such-product'");
    policy_free(&p);

    /* a vendor known only by names / MAC organisations */
    const char *yaml = "format: assay-policy/1\n"
                       "id: w\n"
                       "sources: [{id: s, title: t, url: https://example.org/s}]\n"
                       "entries:\n"
                       "  - id: cams\n"
                       "    title: cameras\n"
                       "    instrument: {name: n, binding: true}\n"
                       "    evidence: [s]\n"
                       "    subject: {vendors: [hikvision, huawei], products: [kesl]}\n" /* 9 */
                       "    verdict: exclude\n"
                       "    replacement: {category: vpn}\n"                               /* 11 */
                       "  - id: cams-review\n"
                       "    title: cameras\n"
                       "    subject: {vendors: [hikvision]}\n"                            /* 14 */
                       "    min_strength: weak\n"
                       "    verdict: review\n"
                       "  - id: replace\n"
                       "    title: r\n"
                       "    subject: {vendors: [kaspersky]}\n"
                       "    verdict: review\n"
                       "    replacement: {category: endpoint-protection}\n";
    assert_int_equal(load_text(&p, yaml), 0);
    assert_int_equal(policy_lint(&p, &c), 0);
    assert_diag(&p, POLICY_WARNING, 9, 25, "vendor 'hikvision' can only be matched by weak evidence");
    assert_diag(&p, POLICY_WARNING, 9, 25, "never matches");
    assert_diag(&p, POLICY_WARNING, 11, 18, "no vpn product");
    /* huawei has a USB vendor id, kesl's vendor signs its code; review on weak is fine */
    assert_int_equal(p.warnings, 2);
    policy_free(&p);
    free_catalog(&c);
}

/* ---- dates ------------------------------------------------------------------------------------ */

static void dates(void **state)
{
    (void)state;
    policy_day d;
    assert_int_equal(policy_day_from_civil(1970, 1, 1), 0);
    assert_true(policy_parse_date("2024-02-29", &d));
    assert_true(policy_parse_date("2000-02-29", &d));
    assert_false(policy_parse_date("2023-02-29", &d));
    assert_false(policy_parse_date("1900-02-29", &d));
    assert_false(policy_parse_date("2023-02-30", &d));
    assert_false(policy_parse_date("2023-04-31", &d));
    assert_false(policy_parse_date("2023-2-03", &d));
    assert_false(policy_parse_date("2023-02-03x", &d));
    assert_false(policy_parse_date("1899-12-31", &d));
    assert_false(policy_parse_date("2023-00-10", &d));
    assert_false(policy_parse_date("", &d));
    assert_false(policy_parse_date(NULL, &d));
    assert_int_equal(day("2017-12-12") - day("2017-09-13"), 90);
    assert_int_equal(day("2024-03-01") - day("2024-02-28"), 2);
    assert_int_equal(day("2001-01-01") - day("2000-01-01"), 366);
    char buf[16];
    for (policy_day x = day("1900-01-01"); x < day("2100-01-01"); x += 17) {
        policy_format_date(x, buf, sizeof buf);
        assert_int_equal(day(buf), x);
    }
    policy_format_date(day("2018-10-01"), buf, sizeof buf);
    assert_string_equal(buf, "2018-10-01");
    policy_format_date(POLICY_NO_DAY, buf, sizeof buf);
    assert_string_equal(buf, "-");
    assert_true(policy_today() > day("2024-01-01"));
}

/* ---- evaluation ------------------------------------------------------------------------------- */

static const char *eval_yaml =
    "format: assay-policy/1\n"
    "id: eval\n"
    "sources: [{id: s, title: t, url: https://example.org/s}]\n"
    "entries:\n"
    "  - id: allow-defender\n"
    "    title: allowed protection\n"
    "    subject: {products: [defender]}\n"
    "    verdict: allow\n"
    "  - id: review-kaspersky\n"
    "    title: review everywhere\n"
    "    subject: {vendors: [kaspersky]}\n"
    "    verdict: review\n"
    "  - id: ban-kaspersky\n"
    "    title: ban on sensitive hosts\n"
    "    instrument: {name: BOD, binding: true}\n"
    "    evidence: [s]\n"
    "    subject: {vendors: [kaspersky]}\n"
    "    verdict: exclude\n"
    "    scope: {host_tags: [sensitive, us-federal]}\n"
    "    effective: 2017-09-13\n"
    "    deadline_days: 90\n"
    "    milestones: [{days: 30, action: identify}, {days: 60, action: plan}, {date: 2017-12-12, action: remove}]\n"
    "  - id: replace\n"
    "    title: replacement rule\n"
    "    subject: {vendors: [kaspersky], categories: [endpoint-protection]}\n"
    "    verdict: review\n"
    "    replacement: {category: endpoint-protection}\n"
    "  - id: by-package\n"
    "    title: a package by name\n"
    "    instrument: {name: X, binding: true}\n"
    "    evidence: [s]\n"
    "    subject:\n"
    "      kinds: [package]\n"
    "      match:\n"
    "        - {attribute: package.name, prefix: KLNAGENT}\n"
    "        - {attribute: package.name, suffix: -spyware}\n"
    "        - {attribute: package.name, contains: tracker}\n"
    "        - {attribute: package.name, equals: exact}\n"
    "    verdict: exclude\n"
    "  - id: cameras-weak\n"
    "    title: cameras by MAC\n"
    "    subject: {vendors: [hikvision], kinds: [network-neighbour]}\n"
    "    min_strength: weak\n"
    "    verdict: review\n";

static void verdict_precedence_and_scope(void **state)
{
    (void)state;
    struct catalog c;
    build_catalog(&c);
    struct policy p;
    assert_int_equal(load_text(&p, eval_yaml), 0);
    struct fixture f;
    fixture_init(&f);
    struct inv_item *kesl = package(&f, "kesl", INV_MEDIUM);
    struct catalog_match m = attributed(&c, "kaspersky", "kesl", INV_MEDIUM);

    const char *none[] = {"lab"};
    const char *sens[] = {"lab", "sensitive"};
    struct policy_context plain = {none, 1, day("2024-01-01")};
    struct policy_context sensitive = {sens, 2, day("2024-01-01")};
    struct policy_result r;

    assert_true(policy_evaluate(&p, kesl, &m, &plain, &r));
    assert_string_equal(r.hit.entry->id, "review-kaspersky");
    assert_int_equal(r.hit.basis, POLICY_BY_VENDOR);
    assert_int_equal(r.hit.strength, INV_MEDIUM);
    assert_int_equal(r.matching, 2);
    assert_non_null(r.replacement);
    assert_string_equal(r.replacement->id, "replace");

    /* the exclusion applies on a sensitive host and wins over review */
    assert_true(policy_evaluate(&p, kesl, &m, &sensitive, &r));
    assert_string_equal(r.hit.entry->id, "ban-kaspersky");
    assert_int_equal(r.matching, 3);
    assert_string_equal(r.replacement->id, "replace"); /* from another matching entry */
    assert_int_equal(r.hit.deadline.state, POLICY_OVERDUE);

    /* all hits, in precedence order; truncated to max */
    struct policy_hit hits[4];
    assert_int_equal(policy_evaluate_all(&p, kesl, &m, &sensitive, hits, 4), 3);
    assert_string_equal(hits[0].entry->id, "ban-kaspersky");
    assert_string_equal(hits[1].entry->id, "review-kaspersky");
    assert_string_equal(hits[2].entry->id, "replace");
    assert_int_equal(policy_evaluate_all(&p, kesl, &m, &sensitive, hits, 1), 3);
    assert_string_equal(hits[0].entry->id, "ban-kaspersky");

    /* no host tags at all, NULL context tags */
    struct policy_context untagged = {NULL, 0, day("2024-01-01")};
    assert_true(policy_evaluate(&p, kesl, &m, &untagged, &r));
    assert_string_equal(r.hit.entry->id, "review-kaspersky");

    /* weak attribution is below the default min_strength (medium) */
    struct catalog_match weak = attributed(&c, "kaspersky", "kesl", INV_WEAK);
    assert_false(policy_evaluate(&p, kesl, &weak, &sensitive, &r));
    /* a homonym: vendor set, no reasons: not attributed */
    struct catalog_match homonym = {.vendor = m.vendor};
    assert_false(policy_evaluate(&p, kesl, &homonym, &sensitive, &r));
    /* unattributed */
    assert_false(policy_evaluate(&p, kesl, NULL, &sensitive, &r));

    /* allow by product */
    struct inv_item *def = package(&f, "defender", INV_MEDIUM);
    struct catalog_match dm = attributed(&c, "microsoft", "defender", INV_STRONG);
    assert_true(policy_evaluate(&p, def, &dm, &sensitive, &r));
    assert_string_equal(r.hit.entry->id, "allow-defender");
    assert_int_equal(r.hit.basis, POLICY_BY_PRODUCT);
    assert_null(r.replacement);

    fixture_free(&f);
    policy_free(&p);
    free_catalog(&c);
}

static void match_rules_and_filters(void **state)
{
    (void)state;
    struct catalog c;
    build_catalog(&c);
    struct policy p;
    assert_int_equal(load_text(&p, eval_yaml), 0);
    struct fixture f;
    fixture_init(&f);
    struct policy_context ctx = {NULL, 0, day("2024-01-01")};
    struct policy_result r;

    const char *yes[] = {"klnagent64", "foo-SPYWARE", "my-tracker-x", "EXACT"};
    for (size_t i = 0; i < 4; i++) {
        struct inv_item *it = package(&f, "other", INV_MEDIUM);
        assert_int_equal(inv_evidence_add(&f.inv, it, "package.name", yes[i], "/s", NULL, INV_MEDIUM), 0);
        assert_true(policy_evaluate(&p, it, NULL, &ctx, &r));
        assert_string_equal(r.hit.entry->id, "by-package");
        assert_int_equal(r.hit.basis, POLICY_BY_RULE);
        assert_int_equal(r.hit.evidence, 1);
        assert_int_equal(r.hit.rule - entry(&p, "by-package")->subject.match.v, (long)i);
    }
    const char *no[] = {"xklnagent", "spyware-foo", "trackr", "exactly", ""};
    for (size_t i = 0; i < 5; i++) {
        struct inv_item *it = package(&f, no[i][0] ? no[i] : "empty", INV_MEDIUM);
        assert_false(policy_evaluate(&p, it, NULL, &ctx, &r));
    }
    /* evidence below min_strength does not count */
    struct inv_item *weak = package(&f, "klnagent", INV_WEAK);
    assert_false(policy_evaluate(&p, weak, NULL, &ctx, &r));
    /* same attribute value on another attribute does not count */
    struct inv_item *exe = inv_item_new(&f.inv, INV_PACKAGE, "dpkg");
    assert_int_equal(inv_evidence_add(&f.inv, exe, "package.maintainer", "klnagent", "/s", NULL, INV_MEDIUM), 0);
    assert_false(policy_evaluate(&p, exe, NULL, &ctx, &r));
    /* kinds filter: a program named like the package is not a package */
    struct inv_item *prog = inv_item_new(&f.inv, INV_PROGRAM, "registry");
    assert_int_equal(inv_evidence_add(&f.inv, prog, "package.name", "klnagent", "/s", NULL, INV_MEDIUM), 0);
    assert_false(policy_evaluate(&p, prog, NULL, &ctx, &r));

    /* categories filter: kaspersky without a product is not endpoint-protection */
    struct inv_item *kav = package(&f, "kav", INV_MEDIUM);
    struct catalog_match vendor_only = attributed(&c, "kaspersky", NULL, INV_MEDIUM);
    assert_true(policy_evaluate(&p, kav, &vendor_only, &ctx, &r));
    assert_string_equal(r.hit.entry->id, "review-kaspersky");
    assert_int_equal(r.matching, 1);
    assert_null(r.replacement);

    /* weak MAC evidence of a network neighbour: review at min_strength weak */
    struct inv_item *cam = inv_item_new(&f.inv, INV_NET_NEIGHBOUR, "net");
    assert_int_equal(inv_evidence_add(&f.inv, cam, "mac.org", "Hangzhou Hikvision", "/proc/net/arp", NULL, INV_WEAK), 0);
    struct catalog_match cm = attributed(&c, "hikvision", NULL, INV_WEAK);
    assert_true(policy_evaluate(&p, cam, &cm, &ctx, &r));
    assert_string_equal(r.hit.entry->id, "cameras-weak");
    assert_int_equal(r.hit.entry->verdict, POLICY_REVIEW);
    /* ... but not when the same vendor shows up as a USB device */
    struct inv_item *usb = inv_item_new(&f.inv, INV_USB_DEVICE, "usb");
    assert_false(policy_evaluate(&p, usb, &cm, &ctx, &r));

    fixture_free(&f);
    policy_free(&p);
    free_catalog(&c);
}

static void deadlines_and_milestones(void **state)
{
    (void)state;
    struct policy p;
    assert_int_equal(load_text(&p, eval_yaml), 0);
    const struct policy_entry *e = entry(&p, "ban-kaspersky");
    assert_int_equal(e->deadline, day("2017-12-12"));
    assert_int_equal(e->deadline_days, 90);
    char buf[64];

    struct policy_deadline d = policy_deadline_status(e, day("2017-09-01"));
    assert_int_equal(d.state, POLICY_NOT_YET_EFFECTIVE);
    assert_int_equal(d.days, 12);
    assert_int_equal(d.date, day("2017-09-13"));
    policy_deadline_text(&d, buf, sizeof buf);
    assert_string_equal(buf, "not yet effective (in 12 days)");

    d = policy_deadline_status(e, day("2017-09-13"));
    assert_int_equal(d.state, POLICY_DUE);
    assert_int_equal(d.days, 90);
    d = policy_deadline_status(e, day("2017-12-01"));
    assert_int_equal(d.state, POLICY_DUE);
    assert_int_equal(d.days, 11);
    policy_deadline_text(&d, buf, sizeof buf);
    assert_string_equal(buf, "due in 11 days");
    d = policy_deadline_status(e, day("2017-12-12"));
    assert_int_equal(d.state, POLICY_DUE);
    assert_int_equal(d.days, 0);
    policy_deadline_text(&d, buf, sizeof buf);
    assert_string_equal(buf, "due today");
    d = policy_deadline_status(e, day("2017-12-13"));
    assert_int_equal(d.state, POLICY_OVERDUE);
    assert_int_equal(d.days, 1);
    policy_deadline_text(&d, buf, sizeof buf);
    assert_string_equal(buf, "overdue by 1 day");
    d = policy_deadline_status(e, day("2018-01-01"));
    assert_int_equal(d.days, 20);

    const struct policy_entry *none = entry(&p, "review-kaspersky");
    d = policy_deadline_status(none, day("2018-01-01"));
    assert_int_equal(d.state, POLICY_NO_DEADLINE);
    policy_deadline_text(&d, buf, sizeof buf);
    assert_string_equal(buf, "no deadline");

    const struct policy_milestone *m = policy_next_milestone(e, day("2017-09-20"));
    assert_non_null(m);
    assert_string_equal(m->action, "identify");
    assert_int_equal(m->day, day("2017-10-13"));
    m = policy_next_milestone(e, day("2017-10-14"));
    assert_string_equal(m->action, "plan");
    m = policy_next_milestone(e, day("2017-12-12"));
    assert_string_equal(m->action, "remove");
    assert_null(policy_next_milestone(e, day("2017-12-13")));
    policy_free(&p);
}

static void replacement_present_or_absent(void **state)
{
    (void)state;
    struct catalog c;
    build_catalog(&c);
    struct policy p;
    assert_int_equal(load_text(&p, eval_yaml), 0);
    struct fixture f;
    fixture_init(&f);
    const char *sens[] = {"sensitive"};
    struct policy_context ctx = {sens, 1, day("2024-01-01")};
    const struct policy_entry *rule = entry(&p, "replace");

    const struct inv_item *items[4];
    struct catalog_match matches[4];
    items[0] = package(&f, "kesl", INV_MEDIUM);
    matches[0] = attributed(&c, "kaspersky", "kesl", INV_MEDIUM);
    items[1] = package(&f, "bash", INV_MEDIUM);
    memset(&matches[1], 0, sizeof matches[1]); /* not attributed */
    size_t found = 0;

    /* only the excluded product itself: absent */
    assert_false(policy_replacement_present(&p, rule, items, matches, 2, &ctx, &found));
    assert_int_equal(found, SIZE_MAX);

    /* an allowed endpoint-protection product: present */
    items[2] = package(&f, "defender", INV_MEDIUM);
    matches[2] = attributed(&c, "microsoft", "defender", INV_MEDIUM);
    assert_true(policy_replacement_present(&p, rule, items, matches, 3, &ctx, &found));
    assert_int_equal(found, 2);

    /* attributed only by weak evidence: not trusted as a replacement */
    matches[2] = attributed(&c, "microsoft", "defender", INV_WEAK);
    assert_false(policy_replacement_present(&p, rule, items, matches, 3, &ctx, &found));

    /* a second product of the excluded vendor is no replacement on a
       sensitive host, but it is where the vendor is not excluded */
    items[3] = package(&f, "kes-other", INV_MEDIUM);
    matches[3] = attributed(&c, "kaspersky", "kesl", INV_STRONG);
    assert_false(policy_replacement_present(&p, rule, items, matches, 4, &ctx, &found));
    struct policy_context lab = {NULL, 0, day("2024-01-01")};
    assert_true(policy_replacement_present(&p, rule, items, matches, 4, &lab, &found));
    assert_int_equal(found, 0);

    /* an entry without a rule needs nothing */
    assert_true(policy_replacement_present(&p, entry(&p, "review-kaspersky"), items, matches, 4, &ctx, &found));
    assert_int_equal(found, SIZE_MAX);

    fixture_free(&f);
    policy_free(&p);
    free_catalog(&c);
}

/* ---- hostile input ---------------------------------------------------------------------------- */

static void hostile_input(void **state)
{
    (void)state;
    struct policy p;
    /* deep nesting */
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    assert_int_equal(load_text(&p, deep), ASSAY_ESYNTAX);
    assert_diag(&p, POLICY_ERROR, 1, 0, "nesting deeper");
    policy_free(&p);

    /* too large */
    size_t big = POLICY_MAX_BYTES + 1;
    char *text = malloc(big);
    assert_non_null(text);
    memset(text, '#', big);
    assert_int_equal(policy_load(&p, "big", text, big), ASSAY_ELIMIT);
    policy_free(&p);
    free(text);

    /* NUL bytes, binary garbage, wrong types everywhere */
    const char nul[] = "format: assay-policy/1\nid: x\0y\nentries: []\n";
    assert_int_equal(policy_load(&p, "nul", nul, sizeof nul - 1), ASSAY_ESYNTAX);
    policy_free(&p);
    const char *types = "format: [a]\nid: {a: b}\ntitle: [x]\nsources: x\nentries:\n"
                        "  - id: [x]\n    title: {}\n    verdict: [exclude]\n    subject: []\n"
                        "    instrument: x\n    evidence: {a: b}\n    scope: []\n    milestones: {}\n"
                        "    replacement: []\n    effective: [1]\n    min_strength: {}\n"
                        "  - {id: e, title: t, verdict: review, subject: {vendors: [[a]], match: [x, {}]}}\n";
    assert_int_equal(load_text(&p, types), ASSAY_ESYNTAX);
    assert_true(p.errors >= 10);
    assert_int_equal(policy_lint(&p, NULL), (int)p.errors);
    policy_free(&p);

    /* many problems: capped */
    struct util_buf b = {0};
    util_buf_printf(&b, "format: assay-policy/1\nid: many\n");
    for (int i = 0; i < 3000; i++)
        util_buf_printf(&b, "x%d: 1\n", i);
    assert_int_equal(policy_load(&p, "many", (const char *)b.data, b.len), ASSAY_ESYNTAX);
    assert_int_equal(p.diags.n, POLICY_MAX_DIAGS + 1);
    assert_true(p.errors > 3000);
    policy_free(&p);
    util_buf_free(&b);

    /* unreadable file */
    assert_int_equal(policy_load_file(&p, "/nonexistent/policy.yaml"), ASSAY_EIO);
    policy_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_policy_lints_clean),
        cmocka_unit_test(example_policy_against_builtin_catalog),
        cmocka_unit_test(unknown_fields_are_errors),
        cmocka_unit_test(bad_dates_are_errors),
        cmocka_unit_test(duplicate_ids_are_errors),
        cmocka_unit_test(exclusions_need_instrument_and_evidence),
        cmocka_unit_test(unknown_values_are_errors),
        cmocka_unit_test(yaml_problems_are_errors),
        cmocka_unit_test(structural_errors),
        cmocka_unit_test(catalog_path_resolution),
        cmocka_unit_test(weak_evidence_gives_warnings),
        cmocka_unit_test(catalog_checks),
        cmocka_unit_test(dates),
        cmocka_unit_test(verdict_precedence_and_scope),
        cmocka_unit_test(match_rules_and_filters),
        cmocka_unit_test(deadlines_and_milestones),
        cmocka_unit_test(replacement_present_or_absent),
        cmocka_unit_test(hostile_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
