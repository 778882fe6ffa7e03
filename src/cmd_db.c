/* cmd_db.c — `assay db compile` and `assay db info`. YARA rule files are
 * sources like the others; `-d NAME=VALUE` defines their external variables
 * (as `yara -d`), whose values the compiled file keeps. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay db compile [--skip-bad-signatures] [-d NAME=VALUE]... -o FILE SOURCE...\n"
            "       assay db info FILE...\n"
            "\n"
            "compile loads every SOURCE (files or folders of ClamAV databases, IOC lists and\n"
            "YARA rules: .yar, .yara), builds the matching engine, and writes one file that\n"
            "`assay scan -d FILE` (or `assay yara -C FILE`) maps into memory instead of parsing.\n"
            "-d defines a YARA external variable as `yara -d` does; the file keeps its value\n"
            "(`assay yara -C -d` can override it).\n");
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
    printf("  YARA rules:          %zu\n", st.yara_rules);
    printf("  YARA strings:        %zu\n", st.yara_strings);
    printf("  source files:        %zu\n", st.sources);
    if (st.skipped_bad)
        printf("  skipped (malformed): %zu\n", st.skipped_bad);
}

static void print_warning(void *user, const char *message)
{
    (void)user;
    fprintf(stderr, "assay: warning: %s\n", message);
}

static bool is_yara_file(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && strcmp(path + n - 4, ".yar") == 0) || (n > 5 && strcmp(path + n - 5, ".yara") == 0);
}

/* Every source in order; a run of YARA rule files is loaded as a list (the
 * next ones parsed while one is compiled). */
static int load_sources(assay_db *db, const char **paths, int count, const struct assay_load_options *lo)
{
    int rc = ASSAY_OK;
    for (int i = 0; i < count && rc == ASSAY_OK;) {
        int end = i;
        while (end < count && is_yara_file(paths[end]))
            end++;
        struct assay_load_options *each = end - i > 1 ? calloc((size_t)(end - i), sizeof *each) : NULL;
        if (each) {
            for (int k = 0; k < end - i; k++)
                each[k] = *lo;
            rc = assay_db_load_yara_files(db, paths + i, each, (size_t)(end - i), NULL);
            free(each);
            i = end;
        } else {
            rc = assay_db_load(db, paths[i], lo);
            i++;
        }
    }
    return rc;
}

/* Define the externals (before any source: YARA resolves them at compile
 * time), load every source, build. NULL after printing the error. */
static assay_db *open_sources(char **defines, int ndefines, const char **paths, int count, bool skip_bad)
{
    assay_db *db = assay_db_new();
    if (!db) {
        cli_error(NULL);
        return NULL;
    }
    assay_db_set_warning_handler(db, print_warning, NULL);
    int rc = ASSAY_OK;
    for (int i = 0; i < ndefines && rc == ASSAY_OK; i++) {
        char *eq = strchr(defines[i], '=');
        if (!eq) {
            fprintf(stderr, "assay db compile: -d needs NAME=VALUE, got '%s'\n", defines[i]);
            assay_db_free(db);
            return NULL;
        }
        *eq = 0;
        rc = assay_db_define(db, defines[i], eq + 1);
        *eq = '=';
    }
    struct assay_load_options lo = {.skip_bad_signatures = skip_bad};
    if (rc == ASSAY_OK)
        rc = load_sources(db, paths, count, &lo);
    if (rc == ASSAY_OK)
        rc = assay_db_finalize(db);
    if (rc != ASSAY_OK) {
        cli_error(NULL);
        assay_db_free(db);
        return NULL;
    }
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    if (st.skipped_bad)
        fprintf(stderr, "assay: skipped %zu malformed or unsupported signature%s\n", st.skipped_bad,
                st.skipped_bad == 1 ? "" : "s");
    return db;
}

static int compile(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"define", required_argument, NULL, 'd'},
        {"skip-bad-signatures", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL;
    bool skip_bad = false;
    char **defines = calloc((size_t)argc, sizeof *defines);
    int ndefines = 0, c;
    if (!defines) {
        fprintf(stderr, "assay db compile: out of memory\n");
        return EXIT_TROUBLE;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'd': defines[ndefines++] = optarg; break;
        case 's': skip_bad = true; break;
        case 'h': usage(stdout); free(defines); return EXIT_CLEAN;
        default: usage(stderr); free(defines); return EXIT_TROUBLE;
        }
    }
    if (!output || optind >= argc) {
        fprintf(stderr, "assay db compile: need -o FILE and at least one SOURCE\n");
        usage(stderr);
        free(defines);
        return EXIT_TROUBLE;
    }
    assay_db *db = open_sources(defines, ndefines, (const char **)argv + optind, argc - optind, skip_bad);
    free(defines);
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
