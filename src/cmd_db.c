/* cmd_db.c — `assay db compile` and `assay db info`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay db compile [--skip-bad-signatures] -o FILE SOURCE...\n"
            "       assay db info FILE...\n"
            "\n"
            "compile loads every SOURCE (files or folders of ClamAV databases and IOC lists),\n"
            "builds the matching engine, and writes one file that `assay scan -d FILE` maps\n"
            "into memory instead of parsing.\n");
}

static void print_stats(const char *name, const assay_db *db)
{
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    printf("%s:\n", name);
    printf("  hash signatures:     %zu\n", st.hash_signatures);
    printf("  body signatures:     %zu\n", st.body_signatures);
    printf("  logical signatures:  %zu\n", st.logical_signatures);
    printf("  filename IOCs:       %zu\n", st.filename_iocs);
    printf("  allowlist entries:   %zu\n", st.allowlist_entries);
    printf("  ignored names:       %zu\n", st.ignored_names);
    printf("  source files:        %zu\n", st.sources);
    if (st.skipped_bad)
        printf("  skipped (malformed): %zu\n", st.skipped_bad);
}

static int compile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"skip-bad-signatures", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    struct cli_databases dbs = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 's': dbs.skip_bad = true; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_TROUBLE;
        }
    }
    if (!output || optind >= argc) {
        fprintf(stderr, "assay db compile: need -o FILE and at least one SOURCE\n");
        usage(stderr);
        return EXIT_TROUBLE;
    }
    dbs.paths = (const char **)argv + optind;
    dbs.count = argc - optind;
    assay_db *db = cli_open_databases(&dbs, true);
    if (!db)
        return EXIT_TROUBLE;
    int rc = assay_db_save(db, output);
    if (rc != ASSAY_OK) {
        cli_error(NULL);
    } else {
        print_stats(output, db);
    }
    assay_db_free(db);
    return rc == ASSAY_OK ? EXIT_CLEAN : EXIT_TROUBLE;
}

static int info(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    int status = EXIT_CLEAN;
    for (int i = 1; i < argc; i++) {
        struct cli_databases dbs = {.paths = (const char **)&argv[i], .count = 1};
        assay_db *db = cli_open_databases(&dbs, false);
        if (!db) {
            status = EXIT_TROUBLE;
            continue;
        }
        print_stats(argv[i], db);
        assay_db_free(db);
    }
    return status;
}

int cmd_db(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    if (strcmp(argv[1], "compile") == 0)
        return compile(argc - 1, argv + 1);
    if (strcmp(argv[1], "info") == 0)
        return info(argc - 1, argv + 1);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    fprintf(stderr, "assay db: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return EXIT_TROUBLE;
}
