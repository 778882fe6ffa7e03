/* kmods.c — Linux kernel modules. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_kmods(struct inventory *inv)
{
    (void)inv;
    return 0;
}

