/* dpkg.c — dpkg packages (var/lib/dpkg/status and info/*.list). STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_dpkg(struct inventory *inv)
{
    (void)inv;
    return 0;
}

