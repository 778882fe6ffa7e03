/* browser.c — Chromium and Firefox extensions. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_browser(struct inventory *inv)
{
    (void)inv;
    return 0;
}

