/* inventory_report.h — JSON building blocks shared by the inventory and
 * review reports (jansson objects; the caller owns what is returned). */
#ifndef ASSAY_REPORT_INVENTORY_REPORT_H
#define ASSAY_REPORT_INVENTORY_REPORT_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "inventory/inventory.h"

/* Set o[key] to a text value; bytes that are not UTF-8 become U+FFFD and the
 * exact bytes go to "<key>_hex" (json.c). NULL value: "". */
void report_set_text(json_t *o, const char *key, const char *value);

json_t *report_evidence_json(const struct inv_evidence *e);
/* NULL when the item has no attribution and no homonym note. */
json_t *report_attribution_json(const struct catalog *cat, const struct inv_item *it,
                                const struct catalog_match *m);
json_t *report_item_json(const struct inv_item *it, bool with_files);
/* The whole inventory: matches (may be NULL) parallel to inv->items. */
json_t *report_inventory_json(const struct inventory *inv, const struct catalog *cat,
                              const struct catalog_match *matches, bool with_files);
/* "2026-11-23T10:00:00Z" */
void report_time_iso(char out[32], time_t t);

#endif
