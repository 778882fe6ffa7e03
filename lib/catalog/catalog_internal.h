/* catalog_internal.h — the link between the catalog loader (catalog.c) and
 * attribution (attribute.c): the index of normalised facts that makes
 * catalog_attribute fast. */
#ifndef ASSAY_CATALOG_INTERNAL_H
#define ASSAY_CATALOG_INTERNAL_H

#include "catalog/catalog.h"

/* Build the attribution index of `c` in `arena`; NULL on OOM. */
const void *catalog_index_build_(const struct catalog *c, struct util_arena *arena);

#endif
