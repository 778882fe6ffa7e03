/* certs.c — trusted CA certificates. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_certs(struct inventory *inv)
{
    (void)inv;
    return 0;
}

