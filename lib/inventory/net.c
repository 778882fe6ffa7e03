/* net.c — network interfaces and neighbours. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_net(struct inventory *inv, const struct inv_options *opt)
{
    (void)inv;
    (void)opt;
    return 0;
}

