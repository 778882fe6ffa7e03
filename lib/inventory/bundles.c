/* bundles.c — macOS application bundles. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_bundles(struct inventory *inv)
{
    (void)inv;
    return 0;
}

