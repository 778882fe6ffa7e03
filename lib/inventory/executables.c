/* executables.c — PE and ELF vendor attributes. STUB: not written yet. */
#include "inventory/inventory.h"

int inv_collect_executables(struct inventory *inv, const struct inv_options *opt)
{
    (void)inv;
    (void)opt;
    return 0;
}

