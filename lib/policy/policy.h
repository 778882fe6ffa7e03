/* policy.h — review policies (format and semantics: docs/policy.md; shipped
 * example: data/policy/example.yaml, compiled into libassay).
 *
 * A policy is a list of entries. Each entry names an administrative decision
 * (the instrument: directive, law, resolution, warning), the public evidence
 * it cites, the subject it covers (catalog vendors/products, explicit match
 * rules on evidence attributes, filtered by item kind and product category),
 * the verdict (exclude / review / allow), the hosts it applies to (host
 * tags), its dates, and optionally a replacement rule ("before removal, a
 * product of category X from a vendor this policy does not exclude must be
 * present").
 *
 * Loading (policy.c) parses the YAML with libyaml into the model below and
 * records every problem it finds as a diagnostic with the line and column of
 * the offending node; it does not stop at the first one. policy_lint()
 * (lint.c) adds the checks that need the vendor catalog and the
 * weak-evidence warnings. The review step must refuse a policy that has any
 * error after both.
 *
 * Evaluation (policy.c) answers, for one inventory item and its catalog
 * attribution on one host and day: which entry decides its verdict (the most
 * severe of the matching entries, exclude > review > allow, ties by file
 * order), where that entry's deadline stands, which replacement rule applies,
 * and whether a replacement is present in the host's inventory.
 *
 * Limits (bad input never crashes; documented in docs/policy.md): input at
 * most POLICY_MAX_BYTES, YAML nesting at most POLICY_MAX_DEPTH, at most
 * POLICY_MAX_NODES YAML nodes, POLICY_MAX_DIAGS diagnostics (then one
 * "too many" error). YAML aliases are refused. */
#ifndef ASSAY_POLICY_H
#define ASSAY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "inventory/inventory.h"
#include "util/arena.h"
#include "util/buf.h"

#define POLICY_FORMAT "assay-policy/1"
#define POLICY_MAX_BYTES ((size_t)4 << 20)
#define POLICY_MAX_DEPTH 32
#define POLICY_MAX_NODES 200000
#define POLICY_MAX_DIAGS 1000

/* A calendar day: days since 1970-01-01 (proleptic Gregorian, UTC). */
typedef int32_t policy_day;
#define POLICY_NO_DAY INT32_MIN

/* ---- the model ------------------------------------------------------------------ */

enum policy_verdict {      /* ordered by severity */
    POLICY_VERDICT_NONE = 0,
    POLICY_ALLOW = 1,
    POLICY_REVIEW = 2,
    POLICY_EXCLUDE = 3,
};

/* Product categories shared with the vendor catalog (docs/vendor-catalog.md). */
enum policy_category {
    POLICY_CAT_ENDPOINT_PROTECTION = 0,
    POLICY_CAT_VIDEO_SURVEILLANCE,
    POLICY_CAT_TELECOM_EQUIPMENT,
    POLICY_CAT_NETWORK_EQUIPMENT,
    POLICY_CAT_TWO_WAY_RADIO,
    POLICY_CAT_MOBILE_DEVICE,
    POLICY_CAT_TELECOM_SERVICE,
    POLICY_CAT_VPN,
    POLICY_CAT_BROWSER_EXTENSION,
    POLICY_CAT_OTHER,
    POLICY_CAT_COUNT_
};

enum policy_op { POLICY_OP_EQUALS = 1, POLICY_OP_PREFIX, POLICY_OP_SUFFIX, POLICY_OP_CONTAINS };

/* Where a node was in the policy file: 1-based line and column. */
struct policy_loc {
    uint32_t line, column;
};

/* A string that refers to something (a vendor, product, source or tag id). */
struct policy_ref {
    const char *value;
    struct policy_loc loc;
};
typedef UTIL_VEC(struct policy_ref) policy_refs;

struct policy_source {
    const char *id;
    const char *title;
    const char *url;
    const char *accessed;  /* YYYY-MM-DD or NULL */
    struct policy_loc loc;
};

struct policy_instrument {
    bool present;          /* the entry has an `instrument` */
    const char *name;      /* "DHS Binding Operational Directive 17-01" */
    const char *article;   /* "§76", NULL when not given */
    const char *date;      /* as written (YYYY-MM-DD), NULL when not given */
    policy_day day;        /* POLICY_NO_DAY when not given */
    const char *link;      /* URL, NULL when not given */
    bool binding;          /* false: advisory */
    struct policy_loc loc, binding_loc;
};

/* An explicit subject rule: some evidence of the item with `attribute`
 * (an inventory evidence attribute, inventory.h) whose value equals / starts
 * with / ends with / contains `value`, compared ASCII case-insensitively. */
struct policy_rule {
    const char *attribute;
    enum policy_op op;
    const char *value;
    uint8_t attribute_strength;  /* the attribute's usual strength (inventory.h table) */
    struct policy_loc loc;
};

struct policy_subject {
    policy_refs vendors;   /* catalog vendor ids */
    policy_refs products;  /* catalog product ids */
    uint32_t categories;   /* bit (1u << enum policy_category); 0: any */
    uint32_t kinds;        /* bit (1u << enum inv_kind); 0: any */
    UTIL_VEC(struct policy_rule) match;
    struct policy_loc loc, categories_loc, kinds_loc;
};

/* A dated step of an entry (BOD 17-01: identify at 30 days, plan at 60...). */
struct policy_milestone {
    int32_t days;          /* after `effective`; -1 when given as a date */
    policy_day day;        /* resolved date */
    const char *action;
    struct policy_loc loc;
};

struct policy_replacement {
    bool present;
    enum policy_category category;  /* a product of this category ... */
    /* ... from a vendor this policy does not exclude on that host
       ("from: allowed", the only value of format version 1) */
    struct policy_loc loc;
};

struct policy_entry {
    const char *id;
    const char *title;
    const char *notes;     /* free text, NULL when none */
    struct policy_instrument instrument;
    policy_refs evidence;  /* ids of policy sources */
    struct policy_subject subject;
    uint8_t min_strength;  /* enum inv_strength: weakest attribution accepted (default medium) */
    enum policy_verdict verdict;
    policy_refs host_tags; /* scope; empty: every host */
    policy_day effective;  /* POLICY_NO_DAY: in force since always */
    policy_day deadline;   /* POLICY_NO_DAY: none (deadline_days is resolved into it) */
    int32_t deadline_days; /* -1 when the deadline was not given in days */
    UTIL_VEC(struct policy_milestone) milestones;
    struct policy_replacement replacement;
    size_t index;          /* position in the file */
    struct policy_loc loc, verdict_loc, strength_loc, scope_loc, effective_loc, deadline_loc;
};

enum policy_severity { POLICY_NOTE = 0, POLICY_WARNING = 1, POLICY_ERROR = 2 };

struct policy_diag {
    uint8_t severity;      /* enum policy_severity */
    uint32_t line, column; /* 0: the file as a whole */
    const char *message;
};

struct policy {
    struct util_arena arena;
    const char *name;      /* as given to policy_load (a path, "builtin:example.yaml") */
    const char *id;
    const char *title;
    const char *catalog;   /* the `catalog` path as written; NULL: the built-in catalog */
    struct policy_loc catalog_loc;
    UTIL_VEC(struct policy_source) sources;
    UTIL_VEC(struct policy_entry) entries;
    UTIL_VEC(struct policy_diag) diags;
    size_t errors, warnings;
};

/* ---- loading and checking ----------------------------------------------------- */

/* Parse policy YAML. Always fills *p as far as the text allows and records
 * every problem in p->diags; call policy_free() afterwards in every case.
 * Returns 0 when there is no error diagnostic; ASSAY_ESYNTAX otherwise (the
 * message names the first error as name:line:column); ASSAY_ELIMIT when the
 * text is larger than POLICY_MAX_BYTES; ASSAY_ENOMEM. */
int policy_load(struct policy *p, const char *name, const char *text, size_t len);
/* Read and parse a file ("-" is standard input). ASSAY_EIO when unreadable. */
int policy_load_file(struct policy *p, const char *path);
/* The example policy compiled into libassay (data/policy/example.yaml). */
int policy_load_default(struct policy *p);
void policy_free(struct policy *p);

/* The checks that need the catalog (vendor and product ids exist) and the
 * warnings (weak-evidence subjects, exclude on weak evidence or on an
 * advisory instrument, replacement rules the catalog cannot satisfy). `cat`
 * NULL: the catalog checks are skipped and a note says so. Adds to p->diags;
 * returns p->errors afterwards (load and lint errors together). */
int policy_lint(struct policy *p, const struct catalog *cat);

/* The path of the catalog the policy names (`catalog`), resolved against the
 * folder of the policy file (p->name) when relative, into buf. False when
 * the policy names none (use the built-in catalog) or buf is too small. */
bool policy_catalog_path(const struct policy *p, char *buf, size_t size);

/* Sort p->diags by line, column (stable), for printing. */
void policy_sort_diags(struct policy *p);

/* Add a diagnostic (message formatted; copied). Used by lint.c and callers
 * that check more (e.g. the `catalog` file cannot be loaded). */
void policy_add_diag(struct policy *p, enum policy_severity sev, struct policy_loc at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- names ---------------------------------------------------------------------- */

const char *policy_verdict_name(enum policy_verdict v);            /* "exclude", ... */
const char *policy_category_name(enum policy_category c);          /* "endpoint-protection", ... */
/* -1 when unknown. */
int policy_category_from_name(const char *name);
int policy_strength_from_name(const char *name);                   /* weak/medium/strong */
int policy_kind_from_name(const char *name);                       /* inv_kind_name() names */
/* The usual strength of an evidence attribute (inventory.h); INV_NONE when
 * the attribute is not one of the contract's. */
enum inv_strength policy_attribute_strength(const char *attribute);
const char *policy_severity_name(enum policy_severity s);          /* note/warning/error */

/* ---- dates ---------------------------------------------------------------------- */

/* Strict YYYY-MM-DD (years 1900..9999, real calendar days). */
bool policy_parse_date(const char *s, policy_day *out);
/* YYYY-MM-DD into buf (at least 11 bytes); "-" for POLICY_NO_DAY. */
void policy_format_date(policy_day d, char *buf, size_t size);
policy_day policy_day_from_civil(int year, int month, int day);
/* Today in UTC. */
policy_day policy_today(void);

/* ---- evaluation ------------------------------------------------------------------ */

/* The host being reviewed and the day of the review. */
struct policy_context {
    const char *const *host_tags;
    size_t ntags;
    policy_day today;
};

enum policy_deadline_state {
    POLICY_NO_DEADLINE = 0,    /* in force, no deadline */
    POLICY_NOT_YET_EFFECTIVE,  /* days: until `effective` */
    POLICY_DUE,                /* days: left until the deadline (0: due today) */
    POLICY_OVERDUE,            /* days: since the deadline passed */
};

struct policy_deadline {
    uint8_t state;             /* enum policy_deadline_state */
    int32_t days;
    policy_day date;           /* the deadline (or `effective` when not yet effective) */
};

enum policy_basis {
    POLICY_BY_PRODUCT = 1,     /* the attributed product is in subject.products */
    POLICY_BY_VENDOR,          /* the attributed vendor is in subject.vendors */
    POLICY_BY_RULE,            /* an explicit match rule on the item's evidence */
};

/* Why one entry matched one item. */
struct policy_hit {
    const struct policy_entry *entry;
    uint8_t basis;                   /* enum policy_basis */
    const struct policy_rule *rule;  /* POLICY_BY_RULE */
    int32_t evidence;                /* POLICY_BY_RULE: index into item->evidence; else -1 */
    uint8_t strength;                /* of the attribution used (enum inv_strength) */
    struct policy_deadline deadline;
};

struct policy_result {
    struct policy_hit hit;           /* the deciding entry (most severe; file order) */
    size_t matching;                 /* entries that matched, in scope (>= 1) */
    /* the entry whose replacement rule applies: the deciding entry's own, else
       the first other matching entry that has one; NULL: none required */
    const struct policy_entry *replacement;
};

/* Where an entry's dates stand on `today`. */
struct policy_deadline policy_deadline_status(const struct policy_entry *e, policy_day today);
/* The first milestone on or after `today`, NULL when none is left. */
const struct policy_milestone *policy_next_milestone(const struct policy_entry *e, policy_day today);
/* True when the host has one of the entry's scope tags (or the entry has none). */
bool policy_entry_in_scope(const struct policy_entry *e, const struct policy_context *ctx);
/* Does the entry's subject cover the item at its min_strength? `m` may be NULL
 * or have no vendor (an unattributed item: only match rules can apply).
 * Ignores scope and dates. Fills *hit (deadline included) when it does. */
bool policy_entry_matches(const struct policy_entry *e, const struct inv_item *it,
                          const struct catalog_match *m, policy_day today, struct policy_hit *hit);
/* The verdict of the policy for one item on one host: false when no entry in
 * scope matches (the item is not covered by the policy). Entries not yet
 * effective still match (their deadline state says so). */
bool policy_evaluate(const struct policy *p, const struct inv_item *it, const struct catalog_match *m,
                     const struct policy_context *ctx, struct policy_result *out);
/* All matching in-scope entries in precedence order (most severe first, then
 * file order). Returns how many match (may exceed max; hits[] holds max). */
size_t policy_evaluate_all(const struct policy *p, const struct inv_item *it, const struct catalog_match *m,
                           const struct policy_context *ctx, struct policy_hit *hits, size_t max);

/* Is the replacement required by `rule_entry` present on the host? Looks for
 * an item attributed (at medium strength or better) to a catalog product of
 * the required category whose verdict under this policy on this host is not
 * `exclude` (entries not yet effective count: a product about to be banned is
 * no replacement). items[] and matches[] are parallel over the whole
 * inventory; matches[i].vendor NULL means item i is not attributed. Returns
 * true and sets *found (when not NULL) to the index of the first such item.
 * An entry without a replacement rule returns true with *found = SIZE_MAX. */
bool policy_replacement_present(const struct policy *p, const struct policy_entry *rule_entry,
                                const struct inv_item *const *items, const struct catalog_match *matches,
                                size_t n, const struct policy_context *ctx, size_t *found);

/* "due in 12 days", "overdue by 3 days", "not yet effective (in 5 days)",
 * "no deadline", "due today" into buf. */
void policy_deadline_text(const struct policy_deadline *d, char *buf, size_t size);

#endif
