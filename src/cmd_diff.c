/* cmd_diff.c — assay diff. STUB: being written (issue 4). */
#include <stdio.h>

#include "cli.h"

int cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "assay diff: not written yet\n");
    return EXIT_TROUBLE;
}
