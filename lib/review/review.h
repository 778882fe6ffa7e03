/* review.h — inventory + signature scan + policy: one verdict per subject,
 * with its evidence chain (PRODUCT.md "Evidence model"; docs/review.md).
 *
 * Subjects and verdicts
 *   - Every inventory item gets exactly one verdict from the policy:
 *     `excluded`, `review` or `allowed` (allowed also when no entry applies),
 *     backed by the catalog attribution (struct catalog_match) and the policy
 *     entry (instrument, scope, dates, replacement).
 *   - Every file whose bytes a signature matched is its own subject with the
 *     verdict `malicious` and the scan's evidence (rule, offsets, bytes). When
 *     the file belongs to an inventory item (a package's file, an executable,
 *     a file inside a bundle) the finding names that item — but the item's
 *     own verdict stays the policy's: a product excluded by policy is never
 *     called malicious, and a policy never makes a file malicious.
 *   Findings = the malicious files plus the items whose verdict is excluded
 *   or review; allowed items are reported only in full outputs (JSON with
 *   --all, SBOMs).
 */
#ifndef ASSAY_REVIEW_H
#define ASSAY_REVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay.h"
#include "catalog/catalog.h"
#include "inventory/inventory.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/buf.h"

enum review_verdict {
    RV_ALLOWED = 1,
    RV_REVIEW,
    RV_EXCLUDED,
    RV_MALICIOUS,
};

/* The policy's verdict on one inventory item. */
struct review_item {
    const struct inv_item *item;
    struct catalog_match match;       /* attribution (valid when attributed) */
    bool attributed;
    uint8_t verdict;                  /* RV_ALLOWED / RV_REVIEW / RV_EXCLUDED; 0: not reviewed
                                         (a plain inventory) */
    bool covered;                     /* some policy entry in scope matched: `policy` is valid
                                         (deciding entry, basis, deadline) */
    struct policy_result policy;
    bool replacement_required;        /* policy.replacement != NULL */
    bool replacement_present;
    size_t replacement_index;         /* index into items of the replacement, SIZE_MAX: none */
    size_t malicious_files;           /* signature findings on files of this item */
};

/* A signature match on a file: the scan's finding, copied. */
struct review_evidence {
    const char *string_id;            /* YARA string ("$a") or NULL */
    uint64_t offset, length;
    const char *bytes_hex;            /* at most 256 bytes (512 for YARA) */
    bool truncated;
    const char *kind;                 /* "signature", "hash", "filename" */
    const char *hash_algorithm, *hash_value;
    uint8_t strength;                 /* enum inv_strength */
};

struct review_malicious {
    const char *path;                 /* root-relative; archive members as outer!member */
    const char *rule;
    const char *engine;               /* "clamav", "yara", "ioc" */
    const char *ns;                   /* YARA namespace or NULL */
    const char *source_file;          /* database/rule file the signature came from */
    uint32_t source_line;
    const char *sha256;               /* of the object, or NULL */
    uint64_t size;
    UTIL_VEC(struct review_evidence) evidence;
    const struct inv_item *owner;     /* the inventory item the file belongs to, or NULL */
};

struct review_problem {
    const char *path;
    const char *code;                 /* "EIO", "ELIMIT", ... */
    const char *message;
};

struct review {
    struct util_arena arena;
    struct inventory inv;
    struct catalog catalog;
    struct policy policy;
    struct policy_context ctx;        /* host tags and the day of the review */
    const char *host;
    char started[32];                 /* ISO 8601 UTC */
    double seconds;
    UTIL_VEC(struct review_item) items;      /* parallel to inv.items */
    UTIL_VEC(struct review_malicious) malicious;
    UTIL_VEC(struct review_problem) problems; /* inventory and scan problems */
    uint64_t files_scanned, bytes_scanned;
};

struct review_options {
    const char *root;                 /* NULL or "/": this host */
    const char *policy;               /* policy file; NULL: the built-in example */
    const char *catalog;              /* catalog file; NULL: the policy's `catalog`, else built-in */
    const char *const *host_tags;
    size_t host_tag_count;
    policy_day today;                 /* POLICY_NO_DAY: today (UTC) */
    struct inv_options inventory;
    /* signatures: NULL db skips the scan */
    const assay_db *db;
    const char *const *scan_paths;    /* what to scan; NULL: the root */
    size_t scan_path_count;
    struct assay_scan_options scan;
};

/* Run a review: load policy and catalog (a policy with lint errors is
 * refused: ASSAY_ESYNTAX, the diagnostics stay in rv->policy.diags),
 * inventory the root, attribute, scan, decide. Problems reading single
 * sources or files do not fail the run; they land in rv->problems. Call
 * review_free() in every case. */
int review_run(struct review *rv, const struct review_options *opt);
void review_free(struct review *rv);

/* Counts for summaries and exit codes. */
struct review_counts {
    size_t items, attributed, allowed, review, excluded, malicious, overdue;
    size_t replacement_missing;
};
void review_count(const struct review *rv, struct review_counts *out);

const char *review_verdict_name(enum review_verdict v);

#endif
