/* review_json.h — a review as JSON Lines (review_json.c, docs/review.md) and
 * its building blocks, which the SARIF and HTML reports reuse. */
#ifndef ASSAY_REPORT_REVIEW_JSON_H
#define ASSAY_REPORT_REVIEW_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "review/review.h"

/* Findings (malicious files, excluded and review items), allowed items too
 * when all_items, errors, then the summary; one compact object per line. */
int report_review_jsonl(const struct review *rv, FILE *out, bool all_items);

/* One line's object each (caller owns the result). */
json_t *report_malicious_json(const struct review *rv, const struct review_malicious *m);
json_t *report_review_item_json(const struct review *rv, const struct review_item *ri);
/* The policy part of a covered item: entry, instrument, sources, dates,
 * deadline status, replacement. */
json_t *report_policy_json(const struct review *rv, const struct review_item *ri);
json_t *report_review_summary_json(const struct review *rv);

#endif
