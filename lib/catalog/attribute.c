/* attribute.c — tying inventory items to catalog vendors. STUB: not written yet. */
#include "catalog/catalog.h"

bool catalog_attribute(const struct catalog *c, const struct inv_item *it, struct catalog_match *out)
{
    (void)c;
    (void)it;
    (void)out;
    return false;
}
