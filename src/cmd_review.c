/* cmd_review.c — `assay review`: inventory + signature scan + policy, one
 * verdict per subject with its evidence chain (docs/review.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay review [--policy FILE] [options]\n"
            "\n"
            "what:\n"
            "  --policy FILE        review policy (docs/policy.md; default: the built-in example)\n"
            "  --root DIR           an offline root (mounted image, extracted tree); default: this host\n"
            "  --host-tag TAG       a tag of this host, e.g. sensitive (repeatable; scopes policy entries)\n"
            "  --catalog FILE       vendor catalog (default: the policy's, else the built-in one)\n"
            "  --date YYYY-MM-DD    review as of this day (deadlines); default: today (UTC)\n"
            "signatures:\n"
            "  -d, --database PATH  ClamAV database, IOC list or compiled database (repeatable;\n"
            "                       default: the bundled sample signatures)\n"
            "  -r, --rules PATH     YARA rule file or folder (repeatable)\n"
            "  --no-scan            inventory and policy only\n"
            "  --threads N          scan threads (default: all cores)\n"
            "inventory:\n"
            "  --exec-dir DIR       also attribute the executables of DIR (root-relative; repeatable)\n"
            "  --no-executables     do not look at executables\n"
            "output:\n"
            "  --format FMT         text (default), json (JSON Lines), sarif (SARIF 2.1.0), html,\n"
            "                       cyclonedx (CycloneDX 1.6), spdx (SPDX 2.3): the inventory with verdicts\n"
            "  -o, --output FILE    write there instead of standard output\n"
            "  --all                JSON: also list allowed items\n"
            "  --store FILE         record the run in this SQLite store (default: %s)\n"
            "  --no-store           do not record the run\n"
            "\n"
            "exit status: 0 nothing excluded or malicious, 1 findings, 2 errors (something could not\n"
            "be read or scanned, or the policy has errors)\n",
            assay_store_default_path());
}

struct review_args {
    struct assay_review_options ro;
    struct assay_scan_options scan;
    const char *format, *output, *store;
    bool all, no_scan, no_store;
    const char **tags, **exec_dirs, **dbs, **rules;
    int ntags, ndbs, nrules;
};

static int parse_args(int argc, char **argv, struct review_args *a)
{
    enum { O_POLICY = 256, O_ROOT, O_TAG, O_CATALOG, O_DATE, O_NO_SCAN, O_THREADS, O_EXEC_DIR, O_NO_EXEC,
           O_FORMAT, O_ALL, O_STORE, O_NO_STORE };
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, O_POLICY},   {"root", required_argument, NULL, O_ROOT},
        {"host-tag", required_argument, NULL, O_TAG},    {"catalog", required_argument, NULL, O_CATALOG},
        {"date", required_argument, NULL, O_DATE},       {"database", required_argument, NULL, 'd'},
        {"rules", required_argument, NULL, 'r'},         {"no-scan", no_argument, NULL, O_NO_SCAN},
        {"threads", required_argument, NULL, O_THREADS}, {"exec-dir", required_argument, NULL, O_EXEC_DIR},
        {"no-executables", no_argument, NULL, O_NO_EXEC}, {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'},        {"all", no_argument, NULL, O_ALL},
        {"store", required_argument, NULL, O_STORE},     {"no-store", no_argument, NULL, O_NO_STORE},
        {"help", no_argument, NULL, 'h'},                {NULL, 0, NULL, 0},
    };
    size_t n = (size_t)argc + 1;
    a->tags = calloc(n, sizeof *a->tags);
    a->exec_dirs = calloc(n, sizeof *a->exec_dirs);
    a->dbs = calloc(n, sizeof *a->dbs);
    a->rules = calloc(n, sizeof *a->rules);
    if (!a->tags || !a->exec_dirs || !a->dbs || !a->rules)
        return EXIT_TROUBLE;
    a->format = "text";
    assay_scan_options_init(&a->scan);
    a->ro.scan = &a->scan;
    a->ro.inventory.exec_dirs = a->exec_dirs;
    int c;
    uint64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:r:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_POLICY: a->ro.policy = optarg; break;
        case O_ROOT: a->ro.inventory.root = optarg; break;
        case O_TAG: a->tags[a->ntags++] = optarg; break;
        case O_CATALOG: a->ro.inventory.catalog = optarg; break;
        case O_DATE: a->ro.date = optarg; break;
        case 'd': a->dbs[a->ndbs++] = optarg; break;
        case 'r': a->rules[a->nrules++] = optarg; break;
        case O_NO_SCAN: a->no_scan = true; break;
        case O_THREADS:
            if (!cli_parse_uint(optarg, 1024, &v)) {
                fprintf(stderr, "assay review: bad --threads '%s'\n", optarg);
                return EXIT_TROUBLE;
            }
            a->scan.threads = (unsigned)v;
            break;
        case O_EXEC_DIR: a->exec_dirs[a->ro.inventory.exec_dir_count++] = optarg; break;
        case O_NO_EXEC: a->ro.inventory.no_executables = true; break;
        case O_FORMAT: a->format = optarg; break;
        case 'o': a->output = optarg; break;
        case O_ALL: a->all = true; break;
        case O_STORE: a->store = optarg; break;
        case O_NO_STORE: a->no_store = true; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_TROUBLE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay review: unexpected argument '%s'\n", argv[optind]);
        return EXIT_TROUBLE;
    }
    static const char *const formats[] = {"text", "json", "sarif", "html", "cyclonedx", "spdx"};
    bool known = false;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        known |= strcmp(a->format, formats[i]) == 0;
    if (!known) {
        fprintf(stderr, "assay review: unknown format '%s' (text, json, sarif, html, cyclonedx, spdx)\n", a->format);
        return EXIT_TROUBLE;
    }
    a->ro.host_tags = a->tags;
    a->ro.host_tag_count = (size_t)a->ntags;
    return -1;
}

static void free_args(struct review_args *a)
{
    free(a->tags);
    free(a->exec_dirs);
    free(a->dbs);
    free(a->rules);
}

static int write_report(const struct review_args *a, const assay_review *rv)
{
    FILE *out = a->output ? fopen(a->output, "w") : stdout;
    if (out == NULL) {
        perror(a->output);
        return EXIT_TROUBLE;
    }
    int rc = assay_review_write(rv, a->format, a->all, out);
    if (out != stdout && fclose(out) != 0 && rc == ASSAY_OK) {
        perror(a->output);
        return EXIT_TROUBLE;
    }
    if (rc != ASSAY_OK) {
        cli_error("review");
        return EXIT_TROUBLE;
    }
    return EXIT_CLEAN;
}

int cmd_review(int argc, char **argv)
{
    struct review_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        free_args(&a);
        return rc;
    }
    assay_db *db = NULL;
    if (!a.no_scan) {
        struct cli_databases dbs = {.paths = a.dbs, .count = a.ndbs, .rules = a.rules, .rule_count = a.nrules};
        db = cli_open_databases(&dbs, true);
        if (db == NULL) {
            free_args(&a);
            return EXIT_TROUBLE;
        }
    }
    a.ro.db = db;
    assay_review *rv = NULL;
    int exit_code;
    if (assay_review_run(&a.ro, &rv) != ASSAY_OK) {
        cli_error("review");
        exit_code = EXIT_TROUBLE;
    } else {
        struct assay_review_counts c;
        assay_review_get_counts(rv, &c);
        exit_code = write_report(&a, rv);
        if (exit_code == EXIT_CLEAN && !a.no_store) {
            int64_t run_id;
            if (assay_review_record(rv, a.store, &run_id) != ASSAY_OK) {
                cli_error("store");
                exit_code = EXIT_TROUBLE;
            } else if (strcmp(a.format, "text") == 0 && a.output == NULL) {
                printf("recorded as run %lld in %s\n", (long long)run_id, a.store ? a.store : assay_store_default_path());
            }
        }
        if (exit_code == EXIT_CLEAN && c.problems > 0)
            exit_code = EXIT_TROUBLE;
        else if (exit_code == EXIT_CLEAN && (c.excluded > 0 || c.malicious > 0))
            exit_code = EXIT_FOUND;
    }
    assay_review_free(rv);
    assay_db_free(db);
    free_args(&a);
    return exit_code;
}
