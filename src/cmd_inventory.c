/* cmd_inventory.c — assay inventory. STUB: being written (issue 4). */
#include <stdio.h>

#include "cli.h"

int cmd_inventory(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "assay inventory: not written yet\n");
    return EXIT_TROUBLE;
}
