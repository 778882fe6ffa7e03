/* catalog.c — loading the vendor catalog (format: docs/vendor-catalog.md).
 *
 * The YAML text is parsed with libyaml's document API into a node tree that
 * is then checked against the fixed schema: a root mapping with `format`,
 * `sources` and `vendors`; vendors with fact lists and products; facts that
 * each cite a listed source. Every error names name:line:column of the node
 * at fault and fails the whole load (ASSAY_ESYNTAX), leaving *c empty.
 *
 * Limits (the text is untrusted when given with --catalog):
 *   - the text is at most CATALOG_MAX_TEXT bytes (ASSAY_ELIMIT beyond);
 *   - one YAML document; anchors/aliases are refused (each node may be used
 *     once), so walking the tree is linear in the size of the text;
 *   - ids (sources, vendors, products) are lower-case slugs of at most
 *     CATALOG_MAX_ID bytes; other strings at most CATALOG_MAX_STRING bytes;
 *   - at most CATALOG_MAX_VENDORS vendors and CATALOG_MAX_PRODUCTS products
 *     per vendor (attribute.c indexes them with 16-bit numbers).
 *
 * Memory: strings and the attribution index live in c->arena; the fact,
 * product, vendor and source arrays are util vectors freed by catalog_free. */
#include "catalog/catalog.h"
#include "catalog/catalog_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/error.h"

#define CATALOG_FORMAT "assay-vendor-catalog/1"
#define CATALOG_MAX_TEXT ((size_t)16 << 20)
#define CATALOG_MAX_ID 64
#define CATALOG_MAX_STRING 1024
#define CATALOG_MAX_VENDORS 4096
#define CATALOG_MAX_PRODUCTS 1024

extern const char assay_default_catalog[];
extern const unsigned long assay_default_catalog_len;

/* The attribution index (catalog_internal.h) is built once, after loading. */
static int attach_index(struct catalog *c)
{
    c->index_ = catalog_index_build_(c, &c->arena);
    if (c->index_ == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    c->index_vendors_ = c->vendors.n;
    return 0;
}

/* ---- names of fields ------------------------------------------------------ */

static const char *const fact_list_names[CF_KIND_COUNT_] = {
    [CF_LEGAL_NAME] = "legal_names",         [CF_ALIAS] = "aliases",
    [CF_BRAND] = "brands",                   [CF_SUBSIDIARY] = "subsidiaries",
    [CF_SIGNING_SUBJECT] = "signing_subjects", [CF_PACKAGE_NAME] = "package_names",
    [CF_BUNDLE_PREFIX] = "bundle_prefixes",  [CF_MAC_ORG] = "mac_orgs",
    [CF_USB_VENDOR] = "usb_vendor_ids",      [CF_PCI_VENDOR] = "pci_vendor_ids",
    [CF_DOMAIN] = "domains",                 [CF_EXTENSION_ID] = "extension_ids",
    [CF_HOMONYM] = "homonyms",
};

const char *catalog_fact_kind_name(enum catalog_fact_kind kind)
{
    return (unsigned)kind < CF_KIND_COUNT_ && fact_list_names[kind] ? fact_list_names[kind] : "unknown";
}

static const char *const categories[] = {
    "endpoint-protection", "video-surveillance", "telecom-equipment", "network-equipment",
    "two-way-radio",       "mobile-device",      "telecom-service",   "vpn",
    "browser-extension",   "other",
};

/* ---- the walker ---------------------------------------------------------------- */

struct loader {
    struct catalog *c;
    const char *name;
    yaml_document_t *doc;
    uint8_t *used; /* per node (1-based index): already taken, i.e. an alias */
    size_t nnodes;
};

static int syntax_error(const struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "name:line:column: message" for the node (libyaml marks are 0-based). */
static int syntax_error(const struct loader *ld, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return util_error(ASSAY_ESYNTAX, "%s:%zu:%zu: %s", ld->name, n->start_mark.line + 1,
                      n->start_mark.column + 1, msg);
}

static int out_of_memory(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

/* The node at `idx`, marked as used; a node reached twice came from an alias. */
static int take(struct loader *ld, int idx, yaml_node_t **out)
{
    yaml_node_t *n = yaml_document_get_node(ld->doc, idx);
    if (n == NULL || (size_t)idx > ld->nnodes)
        return util_error(ASSAY_ESYNTAX, "%s: malformed YAML document", ld->name);
    if (ld->used[idx])
        return syntax_error(ld, n, "YAML aliases are not supported in a catalog");
    ld->used[idx] = 1;
    *out = n;
    return 0;
}

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static int expect(const struct loader *ld, const yaml_node_t *n, yaml_node_type_t type, const char *what)
{
    if (n->type == type)
        return 0;
    const char *want = type == YAML_SCALAR_NODE ? "a scalar" : type == YAML_SEQUENCE_NODE ? "a list" : "a mapping";
    return syntax_error(ld, n, "%s must be %s, not %s", what, want, node_kind(n));
}

/* The bytes of a scalar node, checked: not empty, at most `max` bytes, no NUL. */
static int scalar_text(const struct loader *ld, const yaml_node_t *n, const char *what, size_t max,
                       const char **text, size_t *len)
{
    int rc = expect(ld, n, YAML_SCALAR_NODE, what);
    if (rc != 0)
        return rc;
    const char *s = (const char *)n->data.scalar.value;
    size_t l = n->data.scalar.length;
    if (l == 0)
        return syntax_error(ld, n, "%s must not be empty", what);
    if (l > max)
        return syntax_error(ld, n, "%s is longer than %zu bytes", what, max);
    if (memchr(s, '\0', l) != NULL)
        return syntax_error(ld, n, "%s contains a NUL byte", what);
    for (size_t i = 0; i < l; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return syntax_error(ld, n, "%s contains a control character", what);
    *text = s;
    *len = l;
    return 0;
}

static int arena_copy(struct loader *ld, const char *s, size_t n, const char **out)
{
    char *p = util_arena_strndup(&ld->c->arena, s, n);
    if (p == NULL)
        return out_of_memory();
    *out = p;
    return 0;
}

/* ---- value checks ----------------------------------------------------------- */

static bool is_lower_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
}

static bool is_alnum(char ch)
{
    return is_lower_alnum(ch) || (ch >= 'A' && ch <= 'Z');
}

static bool is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Lower-case letters and digits in words joined by single '-'. */
static bool is_slug(const char *s, size_t n)
{
    if (n == 0 || n > CATALOG_MAX_ID || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_lower_alnum(s[i]) && !(s[i] == '-' && s[i - 1] != '-'))
            return false;
    return true;
}

static bool is_date(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
            return false;
    int month = (s[5] - '0') * 10 + (s[6] - '0');
    int day = (s[8] - '0') * 10 + (s[9] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

static bool is_url(const char *s, size_t n)
{
    size_t skip = n >= 8 && strncmp(s, "https://", 8) == 0 ? 8 : n >= 7 && strncmp(s, "http://", 7) == 0 ? 7 : 0;
    if (skip == 0 || skip == n)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ')
            return false;
    return true;
}

static bool has_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_alnum(s[i]) || (unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* A package name: printable ASCII without spaces; '*' only as the last byte
 * of a longer name (a prefix pattern). */
static bool is_package_name(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= ' ' || ch >= 0x7f || (ch == '*' && (i != n - 1 || n == 1)))
            return false;
    }
    return true;
}

static bool is_token(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '*')
            return false;
    return true;
}

/* A host name: letters, digits, '-' and '.', at least two labels. */
static bool is_domain(const char *s, size_t n)
{
    if (n < 3 || s[0] == '.' || s[n - 1] == '.' || memchr(s, '.', n) == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && !(s[i] == '.' && s[i - 1] != '.'))
            return false;
    return true;
}

/* The stored form of a fact value, or an error naming what is wrong. Hex ids
 * and domains are stored lower-case; other values as written. */
static int fact_value(struct loader *ld, const yaml_node_t *n, enum catalog_fact_kind kind, const char **out)
{
    const char *s;
    size_t len;
    int rc = scalar_text(ld, n, "a fact value", CATALOG_MAX_STRING, &s, &len);
    if (rc != 0)
        return rc;
    bool lower = false;
    switch (kind) {
    case CF_USB_VENDOR:
    case CF_PCI_VENDOR:
        if (len != 4 || !is_hex(s[0]) || !is_hex(s[1]) || !is_hex(s[2]) || !is_hex(s[3]))
            return syntax_error(ld, n, "'%.*s' is not a vendor id of 4 hex digits", (int)len, s);
        lower = true;
        break;
    case CF_PACKAGE_NAME:
        if (!is_package_name(s, len))
            return syntax_error(ld, n, "'%.*s' is not a package name (no spaces; '*' only at the end)",
                                (int)len, s);
        break;
    case CF_BUNDLE_PREFIX:
    case CF_EXTENSION_ID:
        if (!is_token(s, len))
            return syntax_error(ld, n, "'%.*s' must be printable ASCII without spaces or '*'", (int)len, s);
        break;
    case CF_DOMAIN:
        if (!is_domain(s, len))
            return syntax_error(ld, n, "'%.*s' is not a domain name like example.com", (int)len, s);
        lower = true;
        break;
    default: /* names */
        if (!has_alnum(s, len))
            return syntax_error(ld, n, "a name needs at least one letter or digit");
        break;
    }
    rc = arena_copy(ld, s, len, out);
    if (rc == 0 && lower)
        for (char *p = (char *)*out; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    return rc;
}

/* ---- mappings ----------------------------------------------------------------- */

/* Walk a mapping's pairs: each key must be one of `fields` (NULL-terminated
 * list of names, at most 32) and appear once; fn is called with its index. */
typedef int (*field_fn)(struct loader *ld, void *ctx, int field, yaml_node_t *key, yaml_node_t *value);

static int walk_mapping(struct loader *ld, yaml_node_t *map, const char *what, const char *const *fields,
                        field_fn fn, void *ctx, uint32_t *seen_out)
{
    int rc = expect(ld, map, YAML_MAPPING_NODE, what);
    if (rc != 0)
        return rc;
    uint32_t seen = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *key, *value;
        if ((rc = take(ld, p->key, &key)) != 0)
            return rc;
        if (key->type != YAML_SCALAR_NODE)
            return syntax_error(ld, key, "a field name must be a scalar");
        const char *k = (const char *)key->data.scalar.value;
        size_t klen = key->data.scalar.length;
        int field = -1;
        for (int i = 0; fields[i] != NULL; i++)
            if (strlen(fields[i]) == klen && memcmp(fields[i], k, klen) == 0)
                field = i;
        if (field < 0)
            return syntax_error(ld, key, "unknown field '%.*s' in %s", (int)(klen > 64 ? 64 : klen), k, what);
        if (seen & (UINT32_C(1) << field))
            return syntax_error(ld, key, "field '%s' appears twice in %s", fields[field], what);
        seen |= UINT32_C(1) << field;
        if ((rc = take(ld, p->value, &value)) != 0 || (rc = fn(ld, ctx, field, key, value)) != 0)
            return rc;
    }
    if (seen_out != NULL)
        *seen_out = seen;
    return 0;
}

/* The first field of `required` (bit mask over `fields`) missing from `seen`. */
static int require_fields(const struct loader *ld, const yaml_node_t *map, const char *what,
                          const char *const *fields, uint32_t required, uint32_t seen)
{
    for (int i = 0; fields[i] != NULL; i++)
        if ((required & (UINT32_C(1) << i)) && !(seen & (UINT32_C(1) << i)))
            return syntax_error(ld, map, "%s has no '%s'", what, fields[i]);
    return 0;
}

/* ---- facts ---------------------------------------------------------------------- */

struct fact_item {
    enum catalog_fact_kind kind;
    catalog_facts *list;
    const char *source;      /* resolved id */
    yaml_node_t *value;      /* `value:` node, or NULL */
    yaml_node_t *values;     /* `values:` node, or NULL */
};

static const char *const fact_fields[] = {"value", "values", "source", NULL};

static int fact_field(struct loader *ld, void *ctx, int field, yaml_node_t *key, yaml_node_t *value)
{
    (void)key;
    struct fact_item *f = ctx;
    if (field == 0)
        f->value = value;
    else if (field == 1)
        f->values = value;
    else {
        const char *s;
        size_t len;
        int rc = scalar_text(ld, value, "a source id", CATALOG_MAX_ID, &s, &len);
        if (rc != 0)
            return rc;
        for (size_t i = 0; i < ld->c->sources.n; i++) {
            const char *id = ld->c->sources.v[i].id;
            if (strlen(id) == len && memcmp(id, s, len) == 0)
                f->source = id;
        }
        if (f->source == NULL)
            return syntax_error(ld, value, "unknown source '%.*s' (not listed under sources:)", (int)len, s);
    }
    return 0;
}

static int push_fact(struct loader *ld, struct fact_item *f, yaml_node_t *value_node)
{
    struct catalog_fact fact = {.source = f->source, .line = (uint32_t)value_node->start_mark.line + 1};
    int rc = fact_value(ld, value_node, f->kind, &fact.value);
    if (rc != 0)
        return rc;
    return util_vec_push(f->list, fact) == 0 ? 0 : out_of_memory();
}

/* One list item: {value: X, source: S} or {values: [X, Y], source: S}. */
static int parse_fact_item(struct loader *ld, yaml_node_t *item, enum catalog_fact_kind kind, catalog_facts *list)
{
    if (item->type != YAML_MAPPING_NODE)
        return syntax_error(ld, item, "a fact needs a source: write {value: ..., source: <source id>}");
    struct fact_item f = {.kind = kind, .list = list};
    int rc = walk_mapping(ld, item, "a fact", fact_fields, fact_field, &f, NULL);
    if (rc != 0)
        return rc;
    if (f.value == NULL && f.values == NULL)
        return syntax_error(ld, item, "a fact has no 'value' (or 'values')");
    if (f.value != NULL && f.values != NULL)
        return syntax_error(ld, item, "a fact has both 'value' and 'values'");
    if (f.source == NULL)
        return syntax_error(ld, item, "fact has no source: add source: <source id>");
    if (f.value != NULL)
        return push_fact(ld, &f, f.value);
    if ((rc = expect(ld, f.values, YAML_SEQUENCE_NODE, "'values'")) != 0)
        return rc;
    if (f.values->data.sequence.items.start == f.values->data.sequence.items.top)
        return syntax_error(ld, f.values, "'values' is an empty list");
    for (yaml_node_item_t *i = f.values->data.sequence.items.start; i < f.values->data.sequence.items.top; i++) {
        yaml_node_t *v;
        if ((rc = take(ld, *i, &v)) != 0 || (rc = push_fact(ld, &f, v)) != 0)
            return rc;
    }
    return 0;
}

static int parse_fact_list(struct loader *ld, yaml_node_t *list, enum catalog_fact_kind kind, catalog_facts *out)
{
    int rc = expect(ld, list, YAML_SEQUENCE_NODE, fact_list_names[kind]);
    if (rc != 0)
        return rc;
    for (yaml_node_item_t *i = list->data.sequence.items.start; rc == 0 && i < list->data.sequence.items.top; i++) {
        yaml_node_t *item;
        if ((rc = take(ld, *i, &item)) == 0)
            rc = parse_fact_item(ld, item, kind, out);
    }
    return rc;
}

/* ---- sources ---------------------------------------------------------------------- */

static const char *const source_fields[] = {"id", "title", "url", "accessed", NULL};

static int source_field(struct loader *ld, void *ctx, int field, yaml_node_t *key, yaml_node_t *value)
{
    (void)key;
    struct catalog_source *src = ctx;
    const char *s;
    size_t len;
    int rc = scalar_text(ld, value, source_fields[field], CATALOG_MAX_STRING, &s, &len);
    if (rc != 0)
        return rc;
    if (field == 0) {
        if (!is_slug(s, len))
            return syntax_error(ld, value, "source id '%.*s' must be lower-case letters, digits and '-'",
                                (int)(len > 64 ? 64 : len), s);
        for (size_t i = 0; i < ld->c->sources.n; i++)
            if (strlen(ld->c->sources.v[i].id) == len && memcmp(ld->c->sources.v[i].id, s, len) == 0)
                return syntax_error(ld, value, "duplicate source id '%.*s'", (int)len, s);
        return arena_copy(ld, s, len, &src->id);
    }
    if (field == 2 && !is_url(s, len))
        return syntax_error(ld, value, "url must start with http:// or https:// and contain no spaces");
    if (field == 3 && !is_date(s, len))
        return syntax_error(ld, value, "accessed must be a date YYYY-MM-DD");
    return arena_copy(ld, s, len, field == 1 ? &src->title : field == 2 ? &src->url : &src->accessed);
}

static int parse_sources(struct loader *ld, yaml_node_t *list)
{
    int rc = expect(ld, list, YAML_SEQUENCE_NODE, "sources");
    if (rc != 0)
        return rc;
    for (yaml_node_item_t *i = list->data.sequence.items.start; rc == 0 && i < list->data.sequence.items.top; i++) {
        yaml_node_t *item;
        struct catalog_source src = {0};
        uint32_t seen = 0;
        if ((rc = take(ld, *i, &item)) == 0 &&
            (rc = walk_mapping(ld, item, "a source", source_fields, source_field, &src, &seen)) == 0 &&
            (rc = require_fields(ld, item, "a source", source_fields, 0xf, seen)) == 0 &&
            util_vec_push(&ld->c->sources, src) != 0)
            rc = out_of_memory();
    }
    return rc;
}

/* ---- vendors and products ----------------------------------------------------- */

/* Fields shared by vendors and products: id, name, then the fact lists, then
 * the owner's own fields. */
enum { F_ID = 0, F_NAME = 1, F_FACTS = 2, F_OWN = F_FACTS + CF_KIND_COUNT_ };

static const char *const product_fields[] = {
    "id", "name", "legal_names", "aliases", "brands", "subsidiaries", "signing_subjects", "package_names",
    "bundle_prefixes", "mac_orgs", "usb_vendor_ids", "pci_vendor_ids", "domains", "extension_ids", "homonyms",
    "category", NULL};
static const char *const vendor_fields[] = {
    "id", "name", "legal_names", "aliases", "brands", "subsidiaries", "signing_subjects", "package_names",
    "bundle_prefixes", "mac_orgs", "usb_vendor_ids", "pci_vendor_ids", "domains", "extension_ids", "homonyms",
    "country", "products", NULL};

struct product_ctx {
    struct catalog_vendor *vendor;
    struct catalog_product *product;
};

static int id_value(struct loader *ld, yaml_node_t *value, const char *what, const char **out)
{
    const char *s;
    size_t len;
    int rc = scalar_text(ld, value, what, CATALOG_MAX_STRING, &s, &len);
    if (rc != 0)
        return rc;
    if (!is_slug(s, len))
        return syntax_error(ld, value, "%s '%.*s' must be lower-case letters, digits and '-' (at most %d)", what,
                            (int)(len > 64 ? 64 : len), s, CATALOG_MAX_ID);
    return arena_copy(ld, s, len, out);
}

static int product_field(struct loader *ld, void *ctx, int field, yaml_node_t *key, yaml_node_t *value)
{
    struct product_ctx *pc = ctx;
    struct catalog_product *p = pc->product;
    const char *s;
    size_t len;
    int rc;
    if (field == F_ID) {
        if ((rc = id_value(ld, value, "product id", &p->id)) != 0)
            return rc;
        for (size_t i = 0; i + 1 < pc->vendor->products.n; i++)
            if (strcmp(pc->vendor->products.v[i].id, p->id) == 0)
                return syntax_error(ld, value, "duplicate product id '%s' in vendor '%s'", p->id,
                                    pc->vendor->id ? pc->vendor->id : "?");
        return 0;
    }
    if (field == F_NAME) {
        if ((rc = scalar_text(ld, value, "name", CATALOG_MAX_STRING, &s, &len)) != 0)
            return rc;
        return arena_copy(ld, s, len, &p->name);
    }
    if (field == F_OWN) { /* category */
        if ((rc = scalar_text(ld, value, "category", CATALOG_MAX_ID, &s, &len)) != 0)
            return rc;
        for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
            if (strlen(categories[i]) == len && memcmp(categories[i], s, len) == 0) {
                p->category = categories[i];
                return 0;
            }
        return syntax_error(ld, value, "unknown category '%.*s' (see docs/vendor-catalog.md)", (int)len, s);
    }
    if (field - F_FACTS == CF_HOMONYM)
        return syntax_error(ld, key, "homonyms belong to the vendor, not to a product");
    return parse_fact_list(ld, value, (enum catalog_fact_kind)(field - F_FACTS), &p->match[field - F_FACTS]);
}

static int parse_products(struct loader *ld, yaml_node_t *list, struct catalog_vendor *v)
{
    int rc = expect(ld, list, YAML_SEQUENCE_NODE, "products");
    if (rc != 0)
        return rc;
    for (yaml_node_item_t *i = list->data.sequence.items.start; rc == 0 && i < list->data.sequence.items.top; i++) {
        yaml_node_t *item;
        if ((rc = take(ld, *i, &item)) != 0)
            break;
        if (v->products.n >= CATALOG_MAX_PRODUCTS)
            return syntax_error(ld, item, "more than %d products in one vendor", CATALOG_MAX_PRODUCTS);
        struct catalog_product empty = {0};
        if (util_vec_push(&v->products, empty) != 0)
            return out_of_memory();
        struct product_ctx pc = {v, &v->products.v[v->products.n - 1]};
        uint32_t seen = 0;
        if ((rc = walk_mapping(ld, item, "a product", product_fields, product_field, &pc, &seen)) == 0)
            rc = require_fields(ld, item, "a product", product_fields,
                                (UINT32_C(1) << F_ID) | (UINT32_C(1) << F_NAME) | (UINT32_C(1) << F_OWN), seen);
    }
    return rc;
}

static int vendor_field(struct loader *ld, void *ctx, int field, yaml_node_t *key, yaml_node_t *value)
{
    (void)key;
    struct catalog_vendor *v = ctx;
    const char *s;
    size_t len;
    int rc;
    switch (field) {
    case F_ID:
        if ((rc = id_value(ld, value, "vendor id", &v->id)) != 0)
            return rc;
        for (size_t i = 0; i + 1 < ld->c->vendors.n; i++)
            if (strcmp(ld->c->vendors.v[i].id, v->id) == 0)
                return syntax_error(ld, value, "duplicate vendor id '%s'", v->id);
        return 0;
    case F_NAME:
        if ((rc = scalar_text(ld, value, "name", CATALOG_MAX_STRING, &s, &len)) != 0)
            return rc;
        return arena_copy(ld, s, len, &v->name);
    case F_OWN: /* country */
        if ((rc = scalar_text(ld, value, "country", CATALOG_MAX_ID, &s, &len)) != 0)
            return rc;
        if (len != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
            return syntax_error(ld, value, "country must be an ISO 3166 alpha-2 code like RU");
        return arena_copy(ld, s, len, &v->country);
    case F_OWN + 1:
        return parse_products(ld, value, v);
    default:
        return parse_fact_list(ld, value, (enum catalog_fact_kind)(field - F_FACTS), &v->facts[field - F_FACTS]);
    }
}

static int parse_vendors(struct loader *ld, yaml_node_t *list)
{
    int rc = expect(ld, list, YAML_SEQUENCE_NODE, "vendors");
    if (rc != 0)
        return rc;
    for (yaml_node_item_t *i = list->data.sequence.items.start; rc == 0 && i < list->data.sequence.items.top; i++) {
        yaml_node_t *item;
        if ((rc = take(ld, *i, &item)) != 0)
            break;
        if (ld->c->vendors.n >= CATALOG_MAX_VENDORS)
            return syntax_error(ld, item, "more than %d vendors", CATALOG_MAX_VENDORS);
        struct catalog_vendor empty = {0};
        if (util_vec_push(&ld->c->vendors, empty) != 0)
            return out_of_memory();
        /* Filled in place: no other vendor is pushed while this one is read. */
        struct catalog_vendor *v = &ld->c->vendors.v[ld->c->vendors.n - 1];
        uint32_t seen = 0;
        if ((rc = walk_mapping(ld, item, "a vendor", vendor_fields, vendor_field, v, &seen)) == 0)
            rc = require_fields(ld, item, "a vendor", vendor_fields, (UINT32_C(1) << F_ID) | (UINT32_C(1) << F_NAME),
                                seen);
    }
    return rc;
}

/* ---- the root ---------------------------------------------------------------------- */

static const char *const root_fields[] = {"format", "sources", "vendors", NULL};

struct root {
    yaml_node_t *node[3];
};

static int root_field(struct loader *ld, void *ctx, int field, yaml_node_t *key, yaml_node_t *value)
{
    (void)ld;
    (void)key;
    ((struct root *)ctx)->node[field] = value;
    return 0;
}

static int parse_root(struct loader *ld, yaml_node_t *root)
{
    struct root r = {{NULL}};
    uint32_t seen = 0;
    int rc = walk_mapping(ld, root, "the catalog", root_fields, root_field, &r, &seen);
    if (rc == 0)
        rc = require_fields(ld, root, "the catalog", root_fields, 0x7, seen);
    if (rc != 0)
        return rc;
    const char *s;
    size_t len;
    if ((rc = scalar_text(ld, r.node[0], "format", CATALOG_MAX_STRING, &s, &len)) != 0)
        return rc;
    if (len != strlen(CATALOG_FORMAT) || memcmp(s, CATALOG_FORMAT, len) != 0)
        return syntax_error(ld, r.node[0], "unsupported format '%.*s' (expected %s)", (int)(len > 64 ? 64 : len), s,
                            CATALOG_FORMAT);
    /* Sources first, whatever the order in the text: facts refer to them. */
    if ((rc = parse_sources(ld, r.node[1])) != 0)
        return rc;
    return parse_vendors(ld, r.node[2]);
}

/* ---- entry points -------------------------------------------------------------------- */

static int yaml_failure(const char *name, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return out_of_memory();
    return util_error(ASSAY_ESYNTAX, "%s:%zu:%zu: YAML: %s%s%s", name, p->problem_mark.line + 1,
                      p->problem_mark.column + 1, p->problem ? p->problem : "malformed text",
                      p->context ? " " : "", p->context ? p->context : "");
}

/* Parse one YAML document (and check that no second one follows). */
static int load_document(const char *name, const char *text, size_t len, yaml_document_t *doc)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return out_of_memory();
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, doc)) {
        rc = yaml_failure(name, &parser);
    } else {
        yaml_document_t extra;
        if (!yaml_parser_load(&parser, &extra)) {
            rc = yaml_failure(name, &parser);
        } else {
            yaml_node_t *second = yaml_document_get_root_node(&extra);
            if (second != NULL)
                rc = util_error(ASSAY_ESYNTAX, "%s:%zu:%zu: only one YAML document is allowed", name,
                                second->start_mark.line + 1, second->start_mark.column + 1);
            yaml_document_delete(&extra);
        }
        if (rc != 0)
            yaml_document_delete(doc);
    }
    yaml_parser_delete(&parser);
    return rc;
}

int catalog_load(struct catalog *c, const char *name, const char *text, size_t len)
{
    memset(c, 0, sizeof *c);
    if (name == NULL)
        name = "catalog";
    if (text == NULL && len > 0)
        return util_error(ASSAY_EINVAL, "%s: no text", name);
    if (len > CATALOG_MAX_TEXT)
        return util_error(ASSAY_ELIMIT, "%s: catalog larger than %zu bytes", name, CATALOG_MAX_TEXT);
    int rc = 0;
    if ((c->name = util_arena_strdup(&c->arena, name)) == NULL)
        return out_of_memory();
    yaml_document_t doc;
    if ((rc = load_document(name, text ? text : "", len, &doc)) != 0) {
        catalog_free(c);
        return rc;
    }
    struct loader ld = {.c = c, .name = c->name, .doc = &doc};
    ld.nnodes = (size_t)(doc.nodes.top - doc.nodes.start);
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        rc = util_error(ASSAY_ESYNTAX, "%s:1:1: empty catalog (expected format: %s)", name, CATALOG_FORMAT);
    } else if ((ld.used = calloc(ld.nnodes + 1, 1)) == NULL) {
        rc = out_of_memory();
    } else if ((rc = take(&ld, 1, &root)) == 0) {
        rc = parse_root(&ld, root);
    }
    free(ld.used);
    yaml_document_delete(&doc);
    if (rc == 0)
        rc = attach_index(c);
    if (rc != 0)
        catalog_free(c);
    return rc;
}

int catalog_load_file(struct catalog *c, const char *path)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return util_error(errno == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO, "%s: %s", path, strerror(errno));
    struct util_buf b = {0};
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > CATALOG_MAX_TEXT)
            rc = util_error(ASSAY_ELIMIT, "%s: catalog larger than %zu bytes", path, CATALOG_MAX_TEXT);
        else if (util_buf_append(&b, chunk, n) != 0)
            rc = out_of_memory();
    }
    if (rc == 0 && ferror(f))
        rc = util_error(ASSAY_EIO, "%s: read error", path);
    fclose(f);
    if (rc == 0)
        rc = catalog_load(c, path, (const char *)b.data, b.len);
    util_buf_free(&b);
    return rc;
}

int catalog_load_default(struct catalog *c)
{
    return catalog_load(c, "builtin:vendors.yaml", assay_default_catalog, (size_t)assay_default_catalog_len);
}

void catalog_free(struct catalog *c)
{
    for (size_t i = 0; i < c->vendors.n; i++) {
        struct catalog_vendor *v = &c->vendors.v[i];
        for (int k = 0; k < CF_KIND_COUNT_; k++)
            util_vec_free(&v->facts[k]);
        for (size_t j = 0; j < v->products.n; j++)
            for (int k = 0; k < CF_KIND_COUNT_; k++)
                util_vec_free(&v->products.v[j].match[k]);
        util_vec_free(&v->products);
    }
    util_vec_free(&c->vendors);
    util_vec_free(&c->sources);
    util_arena_free(&c->arena);
    memset(c, 0, sizeof *c);
}

const struct catalog_vendor *catalog_vendor(const struct catalog *c, const char *id)
{
    for (size_t i = 0; c != NULL && id != NULL && i < c->vendors.n; i++)
        if (strcmp(c->vendors.v[i].id, id) == 0)
            return &c->vendors.v[i];
    return NULL;
}

const struct catalog_source *catalog_source(const struct catalog *c, const char *id)
{
    for (size_t i = 0; c != NULL && id != NULL && i < c->sources.n; i++)
        if (strcmp(c->sources.v[i].id, id) == 0)
            return &c->sources.v[i];
    return NULL;
}
