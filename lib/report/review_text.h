/* review_text.h — a review as text for a terminal (review_text.c). */
#ifndef ASSAY_REPORT_REVIEW_TEXT_H
#define ASSAY_REPORT_REVIEW_TEXT_H

#include <stdio.h>

#include "review/review.h"

/* Malicious files, excluded items, items under review (each with its
 * evidence chain and policy reference), errors, then the roll-up. */
void review_print_text(const struct review *rv, FILE *out);

#endif
