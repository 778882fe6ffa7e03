/* cmd_policy.c — assay policy. STUB: being written (issue 4). */
#include <stdio.h>

#include "cli.h"

int cmd_policy(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "assay policy: not written yet\n");
    return EXIT_TROUBLE;
}
