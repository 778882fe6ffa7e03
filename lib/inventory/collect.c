/* collect.c — run every inventory collector over the root, in a fixed order
 * (packages first: later collectors may look up which package owns a file). */
#include "inventory/inventory.h"

int inventory_collect(struct inventory *inv, const struct inv_options *opt)
{
    static const struct inv_options defaults = {0};
    if (opt == NULL)
        opt = &defaults;
    int rc;
    if ((rc = inv_collect_dpkg(inv)) != 0 || (rc = inv_collect_rpm(inv)) != 0 ||
        (rc = inv_collect_apk(inv)) != 0 || (rc = inv_collect_registry(inv)) != 0 ||
        (rc = inv_collect_bundles(inv)) != 0 || (rc = inv_collect_kmods(inv)) != 0 ||
        (rc = inv_collect_browser(inv)) != 0 || (rc = inv_collect_certs(inv)) != 0 ||
        (rc = inv_collect_usb(inv, opt)) != 0 || (rc = inv_collect_pci(inv, opt)) != 0 ||
        (rc = inv_collect_net(inv, opt)) != 0)
        return rc;
    if (!opt->no_executables && (rc = inv_collect_executables(inv, opt)) != 0)
        return rc;
    return 0;
}
