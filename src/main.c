/* main.c — the assay command: dispatch to subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay <command> [options]\n"
            "\n"
            "commands:\n"
            "  scan [options] PATH...          scan files, folders, archives ('-' is standard input)\n"
            "  yara [options] RULES... TARGET  a drop-in for the yara command line\n"
            "  db compile -o FILE SOURCE...    compile signature sources into one database file\n"
            "  db info FILE...                 show what a database holds\n"
            "  inventory [--root DIR]          what is installed and attached, with vendor evidence\n"
            "  policy lint FILE                check a review policy\n"
            "  review --policy FILE [...]      inventory + scan + policy: a verdict per item\n"
            "  diff RUN1 RUN2                  what appeared and disappeared between two reviews\n"
            "  version                         print the version\n"
            "\n"
            "`assay <command> --help` describes each command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    if (strcmp(cmd, "db") == 0)
        return cmd_db(argc - 1, argv + 1);
    if (strcmp(cmd, "yara") == 0)
        return cmd_yara(argc - 1, argv + 1);
    if (strcmp(cmd, "inventory") == 0)
        return cmd_inventory(argc - 1, argv + 1);
    if (strcmp(cmd, "policy") == 0)
        return cmd_policy(argc - 1, argv + 1);
    if (strcmp(cmd, "review") == 0)
        return cmd_review(argc - 1, argv + 1);
    if (strcmp(cmd, "diff") == 0)
        return cmd_diff(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("assay %s\n", ASSAY_VERSION);
        return EXIT_CLEAN;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    fprintf(stderr, "assay: unknown command '%s'\n", cmd);
    usage(stderr);
    return EXIT_TROUBLE;
}
