/* catalog.h — the vendor catalog (format: docs/vendor-catalog.md; shipped
 * data: data/catalog/vendors.yaml): who a vendor is, how its products can be
 * recognised, and which look-alikes are not it. Every identifying fact cites
 * a source. catalog_attribute() ties an inventory item to a vendor/product
 * from the item's evidence. */
#ifndef ASSAY_CATALOG_H
#define ASSAY_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory/inventory.h"
#include "util/arena.h"
#include "util/buf.h"

struct catalog_source {
    const char *id;        /* referenced by facts */
    const char *title;
    const char *url;
    const char *accessed;  /* YYYY-MM-DD */
};

/* One identifying fact: a value and the source that supports it. */
struct catalog_fact {
    const char *value;
    const char *source;    /* a catalog_source id */
    uint32_t line;         /* in the catalog file, for messages */
};

typedef UTIL_VEC(struct catalog_fact) catalog_facts;

enum catalog_fact_kind {
    CF_LEGAL_NAME = 0,     /* "AO Kaspersky Lab" */
    CF_ALIAS,              /* "Kaspersky Lab", "Kaspersky" */
    CF_BRAND,              /* "Ezviz" (Hikvision) */
    CF_SUBSIDIARY,         /* "Kaspersky Lab Switzerland GmbH" */
    CF_SIGNING_SUBJECT,    /* organisation (O=) in code-signing certificates */
    CF_PACKAGE_NAME,       /* dpkg/rpm/apk package names (exact, or "prefix*") */
    CF_BUNDLE_PREFIX,      /* "com.kaspersky." */
    CF_MAC_ORG,            /* organisation name in the IEEE registries */
    CF_USB_VENDOR,         /* USB vendor id, 4 lower-case hex digits */
    CF_PCI_VENDOR,         /* PCI vendor id, 4 lower-case hex digits */
    CF_DOMAIN,             /* web/e-mail domain: "kaspersky.com" (matches URLs and addresses) */
    CF_EXTENSION_ID,       /* browser extension id (Chrome Web Store id, Firefox add-on id) */
    CF_HOMONYM,            /* a name that is NOT this vendor ("Shanghai Dahua Scale Factory") */
    CF_KIND_COUNT_
};

struct catalog_product {
    const char *id;        /* "kesl" */
    const char *name;      /* "Kaspersky Endpoint Security for Linux" */
    const char *category;  /* "endpoint-protection", "video-surveillance", ... (docs) */
    catalog_facts match[CF_KIND_COUNT_]; /* facts naming this product in particular
                                            (package names, bundle prefixes...) */
};

struct catalog_vendor {
    const char *id;        /* "kaspersky" */
    const char *name;      /* display name */
    const char *country;   /* ISO 3166 alpha-2, optional */
    catalog_facts facts[CF_KIND_COUNT_];
    UTIL_VEC(struct catalog_product) products;
};

struct catalog {
    struct util_arena arena;
    const char *name;      /* file name given to catalog_load */
    UTIL_VEC(struct catalog_source) sources;
    UTIL_VEC(struct catalog_vendor) vendors;
    /* private (attribute.c): the attribution index built by catalog_load, in
       the arena; NULL for a catalog built by hand, which is indexed per call */
    const void *index_;
    size_t index_vendors_;   /* vendors.n when it was built */
};

/* Parse catalog YAML text. Errors (ASSAY_ESYNTAX) name name:line:column:
 * unknown fields, a fact without a source or citing an unknown source,
 * duplicate vendor/product ids, malformed ids. */
int catalog_load(struct catalog *c, const char *name, const char *text, size_t len);
int catalog_load_file(struct catalog *c, const char *path);
/* The catalog compiled into libassay (data/catalog/vendors.yaml). */
int catalog_load_default(struct catalog *c);
void catalog_free(struct catalog *c);

const struct catalog_vendor *catalog_vendor(const struct catalog *c, const char *id);
/* The catalog field of a fact kind: "legal_names", "package_names", ... */
const char *catalog_fact_kind_name(enum catalog_fact_kind kind);
const struct catalog_source *catalog_source(const struct catalog *c, const char *id);

/* ---- attribution ------------------------------------------------------------- */

#define CATALOG_MAX_REASONS 8

struct catalog_reason {
    uint32_t evidence;                 /* index into item->evidence */
    enum catalog_fact_kind fact_kind;
    const struct catalog_fact *fact;   /* the catalog fact it matched */
    uint8_t strength;                  /* enum inv_strength of this reason */
};

struct catalog_match {
    const struct catalog_vendor *vendor;
    const struct catalog_product *product; /* NULL: the vendor only */
    uint8_t strength;                      /* the strongest reason */
    struct catalog_reason reasons[CATALOG_MAX_REASONS];
    size_t nreasons;
    /* A homonym fact matched one of the item's values: recorded so reports
       can say why the item was NOT attributed to `vendor` (vendor set,
       strength NONE, nreasons 0). */
    const struct catalog_fact *homonym;
};

/* Attribute an item: the vendor (and product) whose facts its evidence
 * matches, with the best strength. Returns true and fills *out when some
 * vendor matched; false otherwise (out->homonym may still be set). */
bool catalog_attribute(const struct catalog *c, const struct inv_item *it, struct catalog_match *out);

#endif
