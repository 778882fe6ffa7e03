/* cmd_review.c — assay review. STUB: being written (issue 4). */
#include <stdio.h>

#include "cli.h"

int cmd_review(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "assay review: not written yet\n");
    return EXIT_TROUBLE;
}
