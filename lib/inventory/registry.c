/* registry.c — Windows programs, services, drivers and root certificates from registry hives. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_registry(struct inventory *inv)
{
    (void)inv;
    return 0;
}

