/* devices.c — USB and PCI devices from sysfs. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_usb(struct inventory *inv, const struct inv_options *opt)
{
    (void)inv;
    (void)opt;
    return 0;
}

int inv_collect_pci(struct inventory *inv, const struct inv_options *opt)
{
    (void)inv;
    (void)opt;
    return 0;
}

