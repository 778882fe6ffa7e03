/* review_report.h — a review as SARIF 2.1.0 and as one self-contained HTML
 * page (docs/review.md). STUB: being written. */
#ifndef ASSAY_REPORT_REVIEW_REPORT_H
#define ASSAY_REPORT_REVIEW_REPORT_H

#include <stdio.h>

#include <jansson.h>

#include "review/review.h"

json_t *report_sarif(const struct review *rv);
/* Write the HTML page to out; 0 or an ASSAY_E* code. */
int report_html(const struct review *rv, FILE *out);

#endif
