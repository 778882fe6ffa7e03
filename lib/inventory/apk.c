/* apk.c — apk packages (lib/apk/db/installed). STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_apk(struct inventory *inv)
{
    (void)inv;
    return 0;
}

