/* sbom.h — the inventory as an SBOM: CycloneDX 1.6 JSON and SPDX 2.3 JSON,
 * with vendor attribution and (after a review) verdicts as properties.
 * docs/sbom.md describes the mapping.
 *
 * The second half declares the helpers that the report writers of this
 * folder share (SBOMs, SARIF, HTML); they live in sbom_cyclonedx.c. */
#ifndef ASSAY_REPORT_SBOM_H
#define ASSAY_REPORT_SBOM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "inventory/inventory.h"
#include "review/review.h"

/* items: parallel to inv->items (match/attributed always; verdict 0 when the
 * inventory was not reviewed). rv: the review (policy entries, host tags,
 * malicious files) or NULL. NULL on OOM. */
json_t *report_cyclonedx(const struct inventory *inv, const struct catalog *cat,
                         const struct review_item *items, const struct review *rv);
json_t *report_spdx(const struct inventory *inv, const struct catalog *cat,
                    const struct review_item *items, const struct review *rv);

/* ---- shared by the report writers (sbom_cyclonedx.c) ---------------------------- */

/* A random (version 4) UUID in lower case, from OpenSSL's RAND_bytes.
 * 0, or ASSAY_EIO when no randomness could be had. */
int report_uuid4(char out[37]);

/* `s` as a JSON string that is always valid UTF-8: each byte that is not part
 * of a UTF-8 sequence becomes U+FFFD (NULL: ""). For formats whose schema
 * allows no "<key>_hex" companion. NULL on OOM. */
json_t *report_text_json(const char *s);

/* The package URL (purl) of a dpkg/rpm/apk package item, malloc'ed; NULL for
 * other items or on OOM. */
char *report_purl(const struct inv_item *it);

/* The deciding policy entry of a review item, NULL when none applied. */
const struct policy_entry *report_item_entry(const struct review_item *ri);
/* "overdue by 3 days", "due in 12 days", "due today", "not yet effective
 * (in 5 days)", "no deadline" for a review item's deadline. */
void report_deadline_text(const struct review_item *ri, char *buf, size_t size);
/* "overdue", "due", "not-yet-effective", "none". */
const char *report_deadline_state(const struct review_item *ri);
/* How the deciding entry matched: "product", "vendor", "rule" or NULL. */
const char *report_basis_name(const struct review_item *ri);

/* The assay:* name/value pairs that describe one inventory item in an SBOM
 * (CycloneDX properties; SPDX annotations "name=value"): kind, collector,
 * facts, the evidence chain, the attribution and, after a review, the
 * verdict, the policy entry, its instrument, the deadline and the
 * replacement (items: the whole array, to name the replacement item;
 * items[i] is described). An array of {"name":..., "value":...}; NULL on OOM. */
json_t *report_item_properties(const struct catalog *cat, const struct review_item *items, size_t i);
/* The same for a malicious file (verdict, rule, owner, and the scan's
 * finding as report_malicious_json() writes it). */
json_t *report_malicious_properties(const struct review *rv, const struct review_malicious *m);

/* Append {"name": name, "value": value} to a properties array (value
 * sanitised like report_text_json; NULL or "" values are skipped). */
void report_property_add(json_t *props, const char *name, const char *value);

#endif
