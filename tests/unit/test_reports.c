/* test_reports.c — the report formats of a review (docs/sbom.md,
 * docs/reports.md): CycloneDX 1.6, SPDX 2.3, SARIF 2.1.0 and the HTML page.
 *
 * A small review is built by hand in a temp folder: an inventory of five
 * items (one excluded by policy with an overdue deadline and a replacement
 * present, one under review whose name is an HTML/script injection and
 * whose path is not UTF-8, an allowed device, the replacement, and an item
 * whose id repeats the first one's), a hand-made catalog attribution, two
 * policy entries (one with an instrument link, one with a javascript: link
 * that must never become a link), and two malicious files (one owned by
 * the excluded item). Each format is produced and checked for its required
 * fields and types, unique identifiers, every subject present, and that no
 * hostile text escapes (JSON always parses; the HTML has no raw markup from
 * the data).
 *
 * With ASSAY_REPORTS_DUMP=DIR set, the test also writes the four documents
 * of the fixture there (bom.cdx.json, bom.spdx.json, review.sarif,
 * review.html), for schema validation and the browser test by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "report/review_report.h"
#include "report/sbom.h"
#include "review/review.h"

/* ---- the review fixture ---------------------------------------------------------------- */

#define EICAR_HEX "58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e44415244"

static const char *const host_tags[] = {"sensitive"};

struct fixture {
    char dir[64];
    struct review rv;
    struct catalog_vendor vendor;
    struct catalog_product product;
    struct catalog_fact fact;
};

static struct inv_item *add_item(struct review *rv, enum inv_kind kind, const char *collector, const char *id,
                                 const char *name, const char *version)
{
    struct inv_item *it = inv_item_new(&rv->inv, kind, collector);
    assert_non_null(it);
    it->id = inv_strdup(&rv->inv, id);
    it->name = inv_strdup(&rv->inv, name);
    it->version = inv_strdup(&rv->inv, version);
    return it;
}

static void add_policy(struct review *rv)
{
    rv->policy.name = "tests/policy<1>.yaml";
    rv->policy.id = "test-policy";
    rv->policy.title = "Test policy";
    struct policy_source src = {.id = "bod-text", .title = "BOD 17-01 text", .url = "https://example.org/bod"};
    assert_int_equal(util_vec_push(&rv->policy.sources, src), 0);
    struct policy_entry bod = {
        .id = "bod-17-01",
        .title = "Remove Kaspersky products",
        .instrument = {.present = true, .name = "DHS BOD 17-01", .article = "§2", .date = "2017-09-13",
                       .link = "https://example.org/bod-17-01", .binding = true},
        .verdict = POLICY_EXCLUDE,
        .effective = policy_day_from_civil(2017, 9, 13),
        .deadline = policy_day_from_civil(2025, 12, 30),
        .replacement = {.present = true, .category = POLICY_CAT_ENDPOINT_PROTECTION},
        .loc = {.line = 12, .column = 3},
    };
    struct policy_ref ref = {.value = "bod-text"};
    assert_int_equal(util_vec_push(&bod.evidence, ref), 0);
    struct policy_entry vpn = {
        .id = "review-vpn",
        .title = "Review <VPN> clients",
        .instrument = {.present = true, .name = "Advisory \"X\"", .link = "javascript:alert(1)"},
        .verdict = POLICY_REVIEW,
        .effective = POLICY_NO_DAY,
        .deadline = policy_day_from_civil(2026, 1, 14),
        .loc = {.line = 30, .column = 3},
    };
    assert_int_equal(util_vec_push(&rv->policy.entries, bod), 0);
    assert_int_equal(util_vec_push(&rv->policy.entries, vpn), 0);
}

static void add_malicious(struct review *rv, const char *path, const char *rule, const char *engine,
                          const struct inv_item *owner, bool with_hash)
{
    struct review_malicious m = {
        .path = path, .rule = rule, .engine = engine, .source_file = "builtin:assay-default.ndb",
        .source_line = 1, .size = 68, .owner = owner,
        .sha256 = "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F",
    };
    struct review_evidence sig = {.kind = "signature", .offset = 0, .length = 41, .bytes_hex = EICAR_HEX,
                                  .strength = INV_STRONG, .string_id = owner ? "$a" : NULL};
    assert_int_equal(util_vec_push(&m.evidence, sig), 0);
    if (with_hash) {
        struct review_evidence h = {.kind = "hash", .hash_algorithm = "sha256",
                                    .hash_value = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
                                    .strength = INV_STRONG};
        assert_int_equal(util_vec_push(&m.evidence, h), 0);
    }
    assert_int_equal(util_vec_push(&rv->malicious, m), 0);
}

static void attribute_kesl(struct fixture *fx, struct review_item *ri)
{
    ri->attributed = true;
    ri->match.vendor = &fx->vendor;
    ri->match.product = &fx->product;
    ri->match.strength = INV_MEDIUM;
    ri->match.nreasons = 1;
    ri->match.reasons[0] = (struct catalog_reason){
        .evidence = 0, .fact_kind = CF_ALIAS, .fact = &fx->fact, .strength = INV_MEDIUM};
}

static void build_items(struct fixture *fx)
{
    struct review *rv = &fx->rv;
    struct inv_item *kesl = add_item(rv, INV_PACKAGE, "dpkg", "dpkg:kesl:amd64", "kesl", "1:11.1.0-3 <b>");
    assert_int_equal(inv_attr_add(&rv->inv, kesl, "arch", "amd64"), 0);
    assert_int_equal(inv_evidence_add(&rv->inv, kesl, "package.maintainer", "Kaspersky Lab <support@kaspersky.com>",
                                      "/var/lib/dpkg/status", "line 42", INV_MEDIUM), 0);
    struct inv_item *evil = add_item(rv, INV_PROGRAM, "registry", "registry:<script>alert(1)</script>",
                                     "<script>alert(1)</script>", NULL);
    evil->path = inv_strdup(&rv->inv, "/Program Files/VPN \xff<img src=x onerror=alert(2)>");
    evil->publisher = inv_strdup(&rv->inv, "Evil & \"Co\" 'Ltd'");
    assert_int_equal(inv_evidence_add(&rv->inv, evil, "registry.name", "VPN</td><script>alert(3)</script>",
                                      "/Windows/System32/config/SOFTWARE",
                                      "Microsoft\\Windows\\CurrentVersion\\Uninstall\\VPN", INV_WEAK), 0);
    struct inv_item *usb = add_item(rv, INV_USB_DEVICE, "usb", "usb:12d1:1506:1-1", "Modem", NULL);
    assert_int_equal(inv_evidence_add(&rv->inv, usb, "usb.vendor_id", "12d1", "/sys/bus/usb/devices/1-1/idVendor",
                                      NULL, INV_MEDIUM), 0);
    add_item(rv, INV_PACKAGE, "rpm", "rpm:mdatp:x86_64", "mdatp", "101.0");
    add_item(rv, INV_PACKAGE, "dpkg", "dpkg:kesl:amd64", "kesl", "1:11.1.0-3"); /* the same id again */
    struct inv_item *cert = add_item(rv, INV_CERTIFICATE, "certs", "cert:0a1b", "Example Root CA", NULL);
    assert_int_equal(inv_attr_add(&rv->inv, cert, "subject", "CN=Example Root CA,O=Example"), 0);
    assert_int_equal(inv_attr_add(&rv->inv, cert, "not_after", "2030-01-01T00:00:00Z"), 0);
    assert_int_equal(inv_attr_add(&rv->inv, cert, "not_before", "yesterday"), 0); /* not a date: left out */
    assert_int_equal(inv_attr_add(&rv->inv, cert, "sha256",
                                  "0A1B0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b"), 0);
    add_item(rv, INV_KERNEL_MODULE, "kmod", "kmod:klif", "klif", NULL);
    add_item(rv, INV_BROWSER_EXTENSION, "browser", "", NULL, NULL);        /* nothing to name it by */
    add_item(rv, INV_SERVICE, "registry", "svc:caf\xc3\xa9\xff", "caf\xc3\xa9\xff", NULL); /* é and a bad byte */
}

static void build_verdicts(struct fixture *fx)
{
    struct review *rv = &fx->rv;
    for (size_t i = 0; i < rv->inv.items.n; i++) {
        struct review_item ri = {.item = rv->inv.items.v[i], .verdict = RV_ALLOWED, .replacement_index = SIZE_MAX};
        assert_int_equal(util_vec_push(&rv->items, ri), 0);
    }
    struct review_item *kesl = &rv->items.v[0], *evil = &rv->items.v[1];
    attribute_kesl(fx, kesl);
    kesl->verdict = RV_EXCLUDED;
    kesl->covered = true;
    kesl->policy.hit = (struct policy_hit){.entry = &rv->policy.entries.v[0], .basis = POLICY_BY_PRODUCT,
                                           .evidence = -1, .strength = INV_MEDIUM,
                                           .deadline = {.state = POLICY_OVERDUE, .days = 3}};
    kesl->policy.matching = 1;
    kesl->policy.replacement = &rv->policy.entries.v[0];
    kesl->replacement_required = true;
    kesl->replacement_present = true;
    kesl->replacement_index = 3;
    kesl->malicious_files = 1;
    evil->verdict = RV_REVIEW;
    evil->covered = true;
    evil->policy.hit = (struct policy_hit){.entry = &rv->policy.entries.v[1], .basis = POLICY_BY_RULE,
                                           .evidence = 0, .strength = INV_WEAK,
                                           .deadline = {.state = POLICY_DUE, .days = 12}};
    evil->policy.matching = 1;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/assay-reports-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    struct review *rv = &fx->rv;
    assert_int_equal(inventory_init(&rv->inv, fx->dir), 0);
    rv->host = "ws-042<script>";
    snprintf(rv->started, sizeof rv->started, "2026-01-02T03:04:05Z");
    rv->seconds = 1.25;
    rv->ctx.host_tags = host_tags;
    rv->ctx.ntags = 1;
    rv->ctx.today = policy_day_from_civil(2026, 1, 2);
    rv->files_scanned = 10;
    rv->bytes_scanned = 4096;
    rv->catalog.name = "catalog.yaml";
    struct catalog_source cs = {.id = "kl-about", .title = "Kaspersky company page", .url = "https://example.org/kl"};
    assert_int_equal(util_vec_push(&rv->catalog.sources, cs), 0);
    fx->fact = (struct catalog_fact){.value = "Kaspersky Lab", .source = "kl-about", .line = 7};
    fx->vendor = (struct catalog_vendor){.id = "kaspersky", .name = "Kaspersky", .country = "RU"};
    fx->product = (struct catalog_product){.id = "kesl", .name = "Kaspersky Endpoint Security for Linux",
                                           .category = "endpoint-protection"};
    add_policy(rv);
    build_items(fx);
    build_verdicts(fx);
    add_malicious(rv, "/tmp/eicar.com", "Eicar-Test-Signature", "clamav", NULL, false);
    add_malicious(rv, "/opt/kesl/lib/x<y>.so", "Evil_Rule", "yara", rv->inv.items.v[0], true);
    struct review_problem p = {.path = "/var/lib/rpm/Packages", .code = "EFORMAT", .message = "damaged <header>"};
    assert_int_equal(util_vec_push(&rv->problems, p), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    for (size_t i = 0; i < rv->malicious.n; i++)
        util_vec_free(&rv->malicious.v[i].evidence);
    util_vec_free(&rv->malicious);
    util_vec_free(&rv->items);
    util_vec_free(&rv->problems);
    for (size_t i = 0; i < rv->policy.entries.n; i++)
        util_vec_free(&rv->policy.entries.v[i].evidence);
    util_vec_free(&rv->policy.entries);
    util_vec_free(&rv->policy.sources);
    util_vec_free(&rv->catalog.sources);
    inventory_free(&rv->inv);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* Serialise and parse again: the document must be valid JSON without
 * duplicate keys (this is what a consumer sees). */
static json_t *round_trip(json_t *doc)
{
    assert_non_null(doc);
    char *text = json_dumps(doc, JSON_COMPACT);
    assert_non_null(text);
    json_decref(doc);
    json_error_t err;
    json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (back == NULL)
        fail_msg("invalid JSON: %s", err.text);
    free(text);
    return back;
}

static const char *str(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("\"%s\" missing or not a string", key);
    return json_string_value(v);
}

static json_t *arr(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_array(v))
        fail_msg("\"%s\" missing or not an array", key);
    return v;
}

/* The value of the first property `name` of a CycloneDX properties array. */
static const char *prop(const json_t *props, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(props, i, p) if (strcmp(str(p, "name"), name) == 0) return str(p, "value");
    return NULL;
}

static bool is_uuid_v4(const char *s)
{
    if (strlen(s) != 36 || s[14] != '4' || strchr("89ab", s[19]) == NULL)
        return false;
    for (size_t i = 0; i < 36; i++)
        if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : strchr("0123456789abcdef", s[i]) == NULL)
            return false;
    return true;
}

/* A component / package whose property or field `key` equals value. */
static json_t *find_by(const json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        json_t *v = json_object_get(c, key);
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            return c;
    }
    return NULL;
}

static size_t unique_strings(const json_t *list, const char *key)
{
    json_t *set = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) json_object_set_new(set, str(c, key), json_true());
    size_t n = json_object_size(set);
    json_decref(set);
    return n;
}

/* ---- CycloneDX -------------------------------------------------------------------------- */

static void cyclonedx_document(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *bom = round_trip(report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv));
    assert_string_equal(str(bom, "bomFormat"), "CycloneDX");
    assert_string_equal(str(bom, "specVersion"), "1.6");
    const char *serial = str(bom, "serialNumber");
    assert_int_equal(strncmp(serial, "urn:uuid:", 9), 0);
    assert_true(is_uuid_v4(serial + 9));
    assert_int_equal(json_integer_value(json_object_get(bom, "version")), 1);
    json_t *md = json_object_get(bom, "metadata");
    assert_string_equal(str(md, "timestamp"), "2026-01-02T03:04:05Z");
    json_t *tool = json_array_get(arr(json_object_get(md, "tools"), "components"), 0);
    assert_string_equal(str(tool, "name"), "assay");
    assert_string_equal(str(tool, "version"), ASSAY_VERSION);
    json_t *host = json_object_get(md, "component");
    assert_string_equal(str(host, "type"), "device");
    assert_string_equal(str(host, "name"), "ws-042<script>");
    assert_string_equal(prop(arr(host, "properties"), "assay:host.tag"), "sensitive");

    json_t *comps = arr(bom, "components");
    assert_int_equal(json_array_size(comps), rv->inv.items.n + rv->malicious.n);
    /* bom-refs are unique across the components and the host */
    assert_int_equal(unique_strings(comps, "bom-ref"), json_array_size(comps));
    assert_null(find_by(comps, "bom-ref", str(host, "bom-ref")));
    static const char *const types[] = {"application", "framework", "library", "container", "platform",
                                        "operating-system", "device", "device-driver", "firmware", "file",
                                        "machine-learning-model", "data", "cryptographic-asset"};
    size_t i;
    json_t *c;
    json_array_foreach(comps, i, c) {
        bool known = false;
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
            known |= strcmp(str(c, "type"), types[k]) == 0;
        assert_true(known);
        assert_true(strlen(str(c, "name")) > 0);
    }
    /* every item is present, the repeated id made unique */
    for (size_t k = 0; k < 4; k++)
        assert_non_null(find_by(comps, "bom-ref", rv->inv.items.v[k]->id));
    assert_non_null(find_by(comps, "bom-ref", "dpkg:kesl:amd64#2"));
    json_t *cert = find_by(comps, "bom-ref", "cert:0a1b");
    assert_string_equal(str(cert, "type"), "cryptographic-asset");
    json_t *cp = json_object_get(cert, "cryptoProperties");
    assert_string_equal(str(cp, "assetType"), "certificate");
    json_t *certp = json_object_get(cp, "certificateProperties");
    assert_string_equal(str(certp, "subjectName"), "CN=Example Root CA,O=Example");
    assert_string_equal(str(certp, "notValidAfter"), "2030-01-01T00:00:00Z");
    assert_null(json_object_get(certp, "notValidBefore"));
    assert_string_equal(str(json_array_get(arr(cert, "hashes"), 0), "content"),
                        "0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b0a1b");
    assert_string_equal(str(find_by(comps, "bom-ref", "kmod:klif"), "type"), "device-driver");
    assert_non_null(find_by(comps, "bom-ref", "item"));
    assert_non_null(find_by(comps, "bom-ref", "svc:caf\xc3\xa9\xef\xbf\xbd"));
    json_decref(bom);
}

static void cyclonedx_excluded_item(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *bom = round_trip(report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv));
    json_t *kesl = find_by(arr(bom, "components"), "bom-ref", "dpkg:kesl:amd64");
    assert_non_null(kesl);
    assert_string_equal(str(kesl, "type"), "application");
    assert_string_equal(str(kesl, "purl"), "pkg:deb/debian/kesl@1%3A11.1.0-3%20%3Cb%3E?arch=amd64");
    assert_string_equal(str(json_object_get(kesl, "supplier"), "name"), "Kaspersky");
    json_t *props = arr(kesl, "properties");
    assert_string_equal(prop(props, "assay:verdict"), "excluded");
    assert_string_equal(prop(props, "assay:vendor"), "kaspersky");
    assert_string_equal(prop(props, "assay:vendor.strength"), "medium");
    assert_string_equal(prop(props, "assay:product"), "kesl");
    assert_string_equal(prop(props, "assay:policy.entry"), "bod-17-01");
    assert_string_equal(prop(props, "assay:policy.instrument"), "DHS BOD 17-01");
    assert_string_equal(prop(props, "assay:deadline"), "2025-12-30");
    assert_string_equal(prop(props, "assay:deadline.state"), "overdue");
    assert_string_equal(prop(props, "assay:deadline.status"), "overdue by 3 days");
    assert_string_equal(prop(props, "assay:replacement.present"), "true");
    assert_string_equal(prop(props, "assay:replacement.item"), "rpm:mdatp:x86_64");
    /* the evidence chain is there, as compact JSON, and re-parses */
    json_t *ev = json_loads(prop(props, "assay:evidence"), 0, NULL);
    assert_non_null(ev);
    assert_string_equal(str(ev, "attribute"), "package.maintainer");
    assert_string_equal(str(ev, "locator"), "line 42");
    json_decref(ev);
    json_t *reason = json_loads(prop(props, "assay:attribution.reason"), 0, NULL);
    assert_non_null(reason);
    assert_string_equal(str(json_object_get(json_object_get(reason, "matches"), "cited"), "url"),
                        "https://example.org/kl");
    json_decref(reason);
    /* identity evidence: medium strength is confidence 0.7 */
    json_t *ids = arr(json_object_get(kesl, "evidence"), "identity");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(str(json_array_get(ids, 0), "field"), "group");
    assert_string_equal(str(json_array_get(ids, 0), "concludedValue"), "Kaspersky");
    assert_float_equal(json_real_value(json_object_get(json_array_get(ids, 1), "confidence")), 0.7, 1e-9);
    json_t *method = json_array_get(arr(json_array_get(ids, 1), "methods"), 0);
    assert_string_equal(str(method, "technique"), "manifest-analysis");
    /* a policy verdict never says malicious */
    assert_null(strstr(prop(props, "assay:verdict"), "malicious"));
    json_decref(bom);
}

static void cyclonedx_malicious_files(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *bom = round_trip(report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv));
    json_t *f = find_by(arr(bom, "components"), "bom-ref", "file:/tmp/eicar.com");
    assert_non_null(f);
    assert_string_equal(str(f, "type"), "file");
    json_t *h = json_array_get(arr(f, "hashes"), 0);
    assert_string_equal(str(h, "alg"), "SHA-256");
    assert_string_equal(str(h, "content"), "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f");
    json_t *props = arr(f, "properties");
    assert_string_equal(prop(props, "assay:verdict"), "malicious");
    assert_string_equal(prop(props, "assay:rule"), "Eicar-Test-Signature");
    json_t *sig = json_loads(prop(props, "assay:signature"), 0, NULL);
    assert_non_null(sig);
    assert_string_equal(str(json_array_get(arr(sig, "evidence"), 0), "bytes_hex"), EICAR_HEX);
    json_decref(sig);
    json_t *occ = json_array_get(arr(json_object_get(f, "evidence"), "occurrences"), 0);
    assert_int_equal(json_integer_value(json_object_get(occ, "offset")), 0);
    json_t *owned = find_by(arr(bom, "components"), "bom-ref", "file:/opt/kesl/lib/x<y>.so");
    assert_non_null(owned);
    assert_string_equal(prop(arr(owned, "properties"), "assay:owner"), "dpkg:kesl:amd64");
    json_decref(bom);
}

/* The plain inventory (no review): no verdicts anywhere. */
static void cyclonedx_plain_inventory(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    struct review_item *plain = calloc(rv->inv.items.n, sizeof *plain);
    assert_non_null(plain);
    for (size_t i = 0; i < rv->inv.items.n; i++)
        plain[i] = (struct review_item){.item = rv->inv.items.v[i], .replacement_index = SIZE_MAX};
    attribute_kesl(fx, &plain[0]);
    json_t *bom = round_trip(report_cyclonedx(&rv->inv, &rv->catalog, plain, NULL));
    json_t *comps = arr(bom, "components");
    assert_int_equal(json_array_size(comps), rv->inv.items.n);
    size_t i;
    json_t *c;
    json_array_foreach(comps, i, c) assert_null(prop(arr(c, "properties"), "assay:verdict"));
    assert_string_equal(prop(arr(json_array_get(comps, 0), "properties"), "assay:vendor"), "kaspersky");
    free(plain);
    json_decref(bom);
}

/* Two BOMs never share a serial number. */
static void cyclonedx_serials_differ(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *a = report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv);
    json_t *b = report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv);
    assert_string_not_equal(str(a, "serialNumber"), str(b, "serialNumber"));
    json_decref(a);
    json_decref(b);
}

/* ---- SPDX -------------------------------------------------------------------------------- */

static bool spdx_id_ok(const char *s)
{
    if (strncmp(s, "SPDXRef-", 8) != 0 || s[8] == 0)
        return false;
    for (const char *p = s + 8; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '-'))
            return false;
    return true;
}

/* The comment of the first annotation "name=...", after the '='. */
static const char *annotation(const json_t *pkg, const char *name)
{
    size_t i, n = strlen(name);
    json_t *a;
    json_array_foreach(json_object_get(pkg, "annotations"), i, a) {
        const char *c = str(a, "comment");
        if (strncmp(c, name, n) == 0 && c[n] == '=')
            return c + n + 1;
    }
    return NULL;
}

static void spdx_document(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *doc = round_trip(report_spdx(&rv->inv, &rv->catalog, rv->items.v, rv));
    assert_string_equal(str(doc, "spdxVersion"), "SPDX-2.3");
    assert_string_equal(str(doc, "dataLicense"), "CC0-1.0");
    assert_string_equal(str(doc, "SPDXID"), "SPDXRef-DOCUMENT");
    assert_non_null(strstr(str(doc, "name"), "ws-042"));
    const char *ns = str(doc, "documentNamespace");
    assert_int_equal(strncmp(ns, "urn:uuid:", 9), 0);
    assert_true(is_uuid_v4(ns + 9));
    json_t *ci = json_object_get(doc, "creationInfo");
    assert_string_equal(str(ci, "created"), "2026-01-02T03:04:05Z");
    assert_string_equal(json_string_value(json_array_get(arr(ci, "creators"), 0)), "Tool: assay-" ASSAY_VERSION);

    json_t *pkgs = arr(doc, "packages");
    assert_int_equal(json_array_size(pkgs), 1 + rv->inv.items.n + rv->malicious.n);
    assert_int_equal(unique_strings(pkgs, "SPDXID"), json_array_size(pkgs));
    size_t i;
    json_t *p;
    json_array_foreach(pkgs, i, p) {
        assert_true(spdx_id_ok(str(p, "SPDXID")));
        assert_true(strlen(str(p, "name")) > 0);
        assert_string_equal(str(p, "downloadLocation"), "NOASSERTION");
        assert_true(json_is_false(json_object_get(p, "filesAnalyzed")));
        json_t *a;
        size_t k;
        json_array_foreach(json_object_get(p, "annotations"), k, a) {
            assert_string_equal(str(a, "annotationType"), "OTHER");
            assert_string_equal(str(a, "annotator"), "Tool: assay-" ASSAY_VERSION);
        }
    }
    /* relationships name existing elements; the document describes the host, which contains every item */
    json_t *rels = arr(doc, "relationships");
    size_t describes = 0, contains = 0;
    json_array_foreach(rels, i, p) {
        const char *from = str(p, "spdxElementId"), *to = str(p, "relatedSpdxElement");
        assert_true(strcmp(from, "SPDXRef-DOCUMENT") == 0 || find_by(pkgs, "SPDXID", from) != NULL);
        assert_non_null(find_by(pkgs, "SPDXID", to));
        describes += strcmp(str(p, "relationshipType"), "DESCRIBES") == 0;
        contains += strcmp(str(p, "relationshipType"), "CONTAINS") == 0;
    }
    assert_int_equal(describes, 1);
    assert_int_equal(contains, rv->inv.items.n + rv->malicious.n);
    json_decref(doc);
}

static void spdx_verdicts(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *doc = round_trip(report_spdx(&rv->inv, &rv->catalog, rv->items.v, rv));
    json_t *pkgs = arr(doc, "packages");
    json_t *kesl = find_by(pkgs, "SPDXID", "SPDXRef-dpkg-kesl-amd64");
    assert_non_null(kesl);
    assert_non_null(find_by(pkgs, "SPDXID", "SPDXRef-dpkg-kesl-amd64-2"));
    assert_string_equal(str(kesl, "supplier"), "Organization: Kaspersky");
    assert_string_equal(str(kesl, "versionInfo"), "1:11.1.0-3 <b>");
    json_t *ref = json_array_get(arr(kesl, "externalRefs"), 0);
    assert_string_equal(str(ref, "referenceCategory"), "PACKAGE-MANAGER");
    assert_string_equal(str(ref, "referenceType"), "purl");
    assert_string_equal(annotation(kesl, "assay:verdict"), "excluded");
    assert_string_equal(annotation(kesl, "assay:policy.entry"), "bod-17-01");
    assert_non_null(strstr(str(kesl, "comment"), "excluded"));
    json_t *usb = find_by(pkgs, "SPDXID", "SPDXRef-usb-12d1-1506-1-1");
    assert_non_null(usb);
    assert_string_equal(str(usb, "supplier"), "NOASSERTION");
    assert_string_equal(str(usb, "primaryPackagePurpose"), "DEVICE");
    assert_non_null(find_by(pkgs, "SPDXID", "SPDXRef-item"));
    assert_non_null(find_by(pkgs, "SPDXID", "SPDXRef-svc-caf---"));
    json_t *eicar = find_by(pkgs, "SPDXID", "SPDXRef-file--tmp-eicar.com");
    assert_non_null(eicar);
    assert_string_equal(annotation(eicar, "assay:verdict"), "malicious");
    json_t *sum = json_array_get(arr(eicar, "checksums"), 0);
    assert_string_equal(str(sum, "algorithm"), "SHA256");
    /* the owned malicious file hangs below its item */
    size_t i;
    json_t *r;
    bool owned = false;
    json_array_foreach(arr(doc, "relationships"), i, r) owned |=
        strcmp(str(r, "spdxElementId"), "SPDXRef-dpkg-kesl-amd64") == 0 &&
        strncmp(str(r, "relatedSpdxElement"), "SPDXRef-file--opt-kesl", 22) == 0;
    assert_true(owned);
    json_decref(doc);
}

/* ---- SARIF ------------------------------------------------------------------------------- */

static json_t *sarif_result(json_t *results, const char *rule_id)
{
    return find_by(results, "ruleId", rule_id);
}

static void sarif_log(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    json_t *log = round_trip(report_sarif(rv));
    assert_string_equal(str(log, "version"), "2.1.0");
    assert_non_null(strstr(str(log, "$schema"), "sarif"));
    json_t *runs = arr(log, "runs");
    assert_int_equal(json_array_size(runs), 1);
    json_t *run = json_array_get(runs, 0);
    json_t *drv = json_object_get(json_object_get(run, "tool"), "driver");
    assert_string_equal(str(drv, "name"), "assay");
    assert_string_equal(str(drv, "version"), ASSAY_VERSION);
    json_t *rules = arr(drv, "rules");
    assert_int_equal(unique_strings(rules, "id"), json_array_size(rules));
    assert_int_equal(json_array_size(rules), 4); /* two entries, two signature rules */
    json_t *bod = find_by(rules, "id", "bod-17-01");
    assert_string_equal(str(bod, "helpUri"), "https://example.org/bod-17-01");
    assert_null(json_object_get(find_by(rules, "id", "review-vpn"), "helpUri")); /* javascript: is no link */
    json_t *results = arr(run, "results");
    assert_int_equal(json_array_size(results), 4);
    size_t i;
    json_t *r;
    json_array_foreach(results, i, r) {
        size_t index = (size_t)json_integer_value(json_object_get(r, "ruleIndex"));
        assert_string_equal(str(json_array_get(rules, index), "id"), str(r, "ruleId"));
        assert_true(strlen(str(json_object_get(r, "message"), "text")) > 0);
        assert_int_equal(json_array_size(arr(r, "locations")), 1);
    }
    assert_non_null(json_object_get(json_object_get(run, "originalUriBaseIds"), "ROOT"));
    json_t *notes = arr(json_array_get(arr(run, "invocations"), 0), "toolExecutionNotifications");
    assert_int_equal(json_array_size(notes), 1);
    json_decref(log);
}

static void sarif_malicious_result(void **state)
{
    struct fixture *fx = *state;
    json_t *log = round_trip(report_sarif(&fx->rv));
    json_t *results = arr(json_array_get(arr(log, "runs"), 0), "results");
    json_t *r = sarif_result(results, "Eicar-Test-Signature");
    assert_non_null(r);
    assert_string_equal(str(r, "level"), "error");
    json_t *phys = json_object_get(json_array_get(arr(r, "locations"), 0), "physicalLocation");
    json_t *art = json_object_get(phys, "artifactLocation");
    assert_string_equal(str(art, "uri"), "tmp/eicar.com");
    assert_string_equal(str(art, "uriBaseId"), "ROOT");
    json_t *region = json_object_get(phys, "region");
    assert_int_equal(json_integer_value(json_object_get(region, "byteOffset")), 0);
    assert_int_equal(json_integer_value(json_object_get(region, "byteLength")), 41);
    assert_string_equal(str(json_object_get(r, "properties"), "verdict"), "malicious");
    json_t *owned = sarif_result(results, "Evil_Rule");
    art = json_object_get(json_object_get(json_array_get(arr(owned, "locations"), 0), "physicalLocation"),
                          "artifactLocation");
    assert_string_equal(str(art, "uri"), "opt/kesl/lib/x%3Cy%3E.so");
    json_decref(log);
}

static void sarif_policy_results(void **state)
{
    struct fixture *fx = *state;
    json_t *log = round_trip(report_sarif(&fx->rv));
    json_t *results = arr(json_array_get(arr(log, "runs"), 0), "results");
    json_t *r = sarif_result(results, "bod-17-01");
    assert_non_null(r);
    assert_string_equal(str(r, "level"), "error");
    const char *msg = str(json_object_get(r, "message"), "text");
    assert_non_null(strstr(msg, "DHS BOD 17-01"));
    assert_non_null(strstr(msg, "Kaspersky"));
    assert_non_null(strstr(msg, "package.maintainer"));
    assert_non_null(strstr(msg, "overdue by 3 days"));
    assert_null(strstr(msg, "malicious"));
    json_t *loc = json_array_get(arr(r, "locations"), 0);
    assert_null(json_object_get(loc, "physicalLocation")); /* a package has no path */
    assert_string_equal(str(json_array_get(arr(loc, "logicalLocations"), 0), "fullyQualifiedName"),
                        "dpkg:kesl:amd64");
    json_t *props = json_object_get(r, "properties");
    assert_string_equal(str(props, "verdict"), "excluded");
    assert_non_null(json_object_get(props, "policy"));
    assert_true(json_array_size(arr(props, "evidence")) >= 2);
    json_t *rev = sarif_result(results, "review-vpn");
    assert_string_equal(str(rev, "level"), "warning");
    json_t *art = json_object_get(json_object_get(json_array_get(arr(rev, "locations"), 0), "physicalLocation"),
                                  "artifactLocation");
    assert_string_equal(str(art, "uri"), "Program%20Files/VPN%20%FF%3Cimg%20src=x%20onerror=alert(2)%3E");
    json_decref(log);
}

/* ---- HTML -------------------------------------------------------------------------------- */

static char *render_html(const struct review *rv, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    assert_non_null(f);
    assert_int_equal(report_html(rv, f), 0);
    assert_int_equal(fclose(f), 0);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void html_page(void **state)
{
    struct fixture *fx = *state;
    size_t len = 0;
    char *html = render_html(&fx->rv, &len);
    assert_int_equal(strlen(html), len); /* no NUL byte inside */
    assert_int_equal(strncmp(html, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(html, "Content-Security-Policy"));
    /* the summary comes first, then the findings */
    const char *summary = strstr(html, "id=\"summary\""), *findings = strstr(html, "id=\"findings\"");
    assert_non_null(summary);
    assert_non_null(findings);
    assert_true(summary < findings);
    assert_non_null(strstr(html, "<td data-count=\"malicious\">2</td>"));
    assert_non_null(strstr(html, "<td data-count=\"excluded\">1</td>"));
    assert_non_null(strstr(html, "<td data-count=\"review\">1</td>"));
    assert_non_null(strstr(html, "data-count=\"endpoints\""));
    assert_non_null(strstr(html, "<dd data-count=\"overdue\" class=\"overdue\">1 item"));
    /* one row per finding, malicious first */
    assert_int_equal(count(html, "<tr class=\"finding\""), 4);
    assert_int_equal(count(html, "data-verdict=\"malicious\""), 2);
    assert_int_equal(count(html, "data-verdict=\"excluded\""), 1);
    assert_int_equal(count(html, "data-verdict=\"review\""), 1);
    assert_true(strstr(html, "data-verdict=\"malicious\"") < strstr(html, "data-verdict=\"excluded\""));
    assert_non_null(strstr(html, "id=\"filter\""));
    /* the evidence: policy reference with its link, bytes as hex, the attribution's citation */
    assert_non_null(strstr(html, "href=\"https://example.org/bod-17-01\""));
    assert_non_null(strstr(html, "00000000  58 35 4f 21 50 25 40 41 50 5b 34 5c 50 5a 58 35  |X5O!P%@AP[4\\PZX5|"));
    assert_non_null(strstr(html, "00000020  52 2d 53 54 41 4e 44 41 52 44                    |R-STANDARD|"));
    assert_non_null(strstr(html, "Kaspersky company page"));
    assert_non_null(strstr(html, "overdue by 3 days"));
    free(html);
}

static void html_escapes_hostile_text(void **state)
{
    struct fixture *fx = *state;
    size_t len = 0;
    char *html = render_html(&fx->rv, &len);
    /* exactly one script element (the page's own), no loaded resource */
    assert_int_equal(count(html, "<script"), 1);
    assert_int_equal(count(html, "</script>"), 1);
    assert_null(strstr(html, "<img"));
    assert_null(strstr(html, "src=\""));
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "@import"));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "href=\"javascript:"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(html, "Evil &amp; &quot;Co&quot; &#39;Ltd&#39;"));
    assert_non_null(strstr(html, "VPN&lt;/td&gt;&lt;script&gt;alert(3)"));
    assert_non_null(strstr(html, "ws-042&lt;script&gt;"));
    /* the page is valid UTF-8: the stray 0xff became U+FFFD */
    assert_null(strchr(html, '\xff'));
    assert_non_null(strstr(html, "VPN \xef\xbf\xbd&lt;img"));
    json_t *check = report_text_json(html);
    assert_string_equal(json_string_value(check), html);
    json_decref(check);
    free(html);
}

static void html_without_findings(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    size_t nmal = rv->malicious.n;
    uint8_t v0 = rv->items.v[0].verdict, v1 = rv->items.v[1].verdict;
    rv->malicious.n = 0;
    rv->items.v[0].verdict = RV_ALLOWED;
    rv->items.v[1].verdict = RV_ALLOWED;
    size_t len = 0;
    char *html = render_html(rv, &len);
    assert_non_null(strstr(html, "id=\"no-findings\""));
    assert_int_equal(count(html, "<tr class=\"finding\""), 0);
    assert_non_null(strstr(html, "</html>"));
    free(html);
    rv->malicious.n = nmal;
    rv->items.v[0].verdict = v0;
    rv->items.v[1].verdict = v1;
}

/* A verdict without a deciding entry (not produced by the review, but the
 * writers must not trust that) still renders. */
static void verdict_without_entry(void **state)
{
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    rv->items.v[0].covered = false;
    size_t len = 0;
    char *html = render_html(rv, &len);
    assert_int_equal(count(html, "<tr class=\"finding\""), 4);
    free(html);
    json_t *log = round_trip(report_sarif(rv));
    assert_int_equal(json_array_size(arr(json_array_get(arr(log, "runs"), 0), "results")), 3);
    json_decref(log);
    json_decref(round_trip(report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv)));
    json_decref(round_trip(report_spdx(&rv->inv, &rv->catalog, rv->items.v, rv)));
}

/* A failing stream is reported, not ignored. */
static void html_write_error(void **state)
{
    struct fixture *fx = *state;
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        skip();
    assert_int_equal(report_html(&fx->rv, f), ASSAY_EIO);
    fclose(f);
}

static void dump_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void dump_json(const char *dir, const char *name, json_t *doc)
{
    assert_non_null(doc);
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    assert_non_null(text);
    dump_file(dir, name, text);
    free(text);
}

/* ASSAY_REPORTS_DUMP=DIR: keep the fixture's documents (see the header). */
static void dump_documents(void **state)
{
    const char *dir = getenv("ASSAY_REPORTS_DUMP");
    if (dir == NULL || dir[0] == 0)
        skip();
    struct fixture *fx = *state;
    struct review *rv = &fx->rv;
    dump_json(dir, "bom.cdx.json", report_cyclonedx(&rv->inv, &rv->catalog, rv->items.v, rv));
    dump_json(dir, "bom.spdx.json", report_spdx(&rv->inv, &rv->catalog, rv->items.v, rv));
    dump_json(dir, "review.sarif", report_sarif(rv));
    size_t len = 0;
    char *html = render_html(rv, &len);
    dump_file(dir, "review.html", html);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cyclonedx_document, setup, teardown),
        cmocka_unit_test_setup_teardown(cyclonedx_excluded_item, setup, teardown),
        cmocka_unit_test_setup_teardown(cyclonedx_malicious_files, setup, teardown),
        cmocka_unit_test_setup_teardown(cyclonedx_plain_inventory, setup, teardown),
        cmocka_unit_test_setup_teardown(cyclonedx_serials_differ, setup, teardown),
        cmocka_unit_test_setup_teardown(spdx_document, setup, teardown),
        cmocka_unit_test_setup_teardown(spdx_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(sarif_log, setup, teardown),
        cmocka_unit_test_setup_teardown(sarif_malicious_result, setup, teardown),
        cmocka_unit_test_setup_teardown(sarif_policy_results, setup, teardown),
        cmocka_unit_test_setup_teardown(html_page, setup, teardown),
        cmocka_unit_test_setup_teardown(html_escapes_hostile_text, setup, teardown),
        cmocka_unit_test_setup_teardown(html_without_findings, setup, teardown),
        cmocka_unit_test_setup_teardown(verdict_without_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(html_write_error, setup, teardown),
        cmocka_unit_test_setup_teardown(dump_documents, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
