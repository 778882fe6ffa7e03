/* rpm.c — rpm packages from the SQLite rpmdb. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_rpm(struct inventory *inv)
{
    (void)inv;
    return 0;
}

