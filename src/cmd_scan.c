/* cmd_scan.c — `assay scan`: clamscan-style lines or JSON Lines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct scan_output {
    bool json;
    bool quiet;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay scan [options] PATH...   ('-' reads standard input)\n"
            "\n"
            "signatures:\n"
            "  -d, --database PATH       ClamAV database, IOC list, compiled database, or a folder of them\n"
            "                            (repeatable; default: the bundled sample database)\n"
            "  -r, --rules PATH          YARA rule file or folder of .yar/.yara files (repeatable;\n"
            "                            with -r alone the sample database is not loaded)\n"
            "      --skip-bad-signatures load the rest of a database with malformed lines or bad rules\n"
            "walking:\n"
            "      --threads N           worker threads (default: all cores)\n"
            "      --exclude GLOB        skip paths or names matching GLOB (repeatable)\n"
            "      --one-file-system     stay on the file system of each named path\n"
            "      --follow-symlinks     follow symlinks inside folders (loop-safe)\n"
            "      --max-filesize SIZE   skip larger files (e.g. 100M; default: no limit)\n"
            "archives:\n"
            "      --no-archive          do not look inside archives and compressed files\n"
            "      --max-recursion N     archive nesting depth (default 16)\n"
            "      --max-files N         members per archive (default 100000)\n"
            "      --max-scansize SIZE   bytes extracted per file (default 4G)\n"
            "      --max-ratio N         extracted/compressed ratio per member (default 1000)\n"
            "output:\n"
            "      --json                JSON Lines: one object per finding, error, and a summary\n"
            "      --sha256              hash every object (JSON shows it on findings)\n"
            "      --first-match         report only the first signature per object\n"
            "      --ioc-min-score N     drop filename/hash IOC hits scored below N (default 60)\n"
            "      --no-summary          no summary at the end\n"
            "      --profile             print the 20 slowest YARA rules to stderr at the end\n"
            "  -q, --quiet               only findings (no summary, no error lines on stderr)\n"
            "\n"
            "exit status: 0 nothing found, 1 something found, 2 an error occurred\n");
}

static void on_finding(void *user, const struct assay_finding *f)
{
    const struct scan_output *o = user;
    if (o->json) {
        char *s = assay_finding_json(f);
        if (s) {
            puts(s);
            free(s);
        }
        return;
    }
    if (f->ns && strcmp(f->ns, "default") != 0)
        printf("%s: %s:%s FOUND\n", f->path, f->ns, f->rule);
    else
        printf("%s: %s FOUND\n", f->path, f->rule);
}

static void on_problem(void *user, const struct assay_problem *p)
{
    const struct scan_output *o = user;
    if (o->json) {
        char *s = assay_problem_json(p);
        if (s) {
            puts(s);
            free(s);
        }
        return;
    }
    if (!o->quiet)
        fprintf(stderr, "%s: %s %s\n", p->path, p->reason, p->warning ? "WARNING" : "ERROR");
}

static void on_profile(void *user, const struct assay_rule_cost *costs, size_t count)
{
    (void)user;
    cli_print_profile(costs, count, 20);
}

static void print_summary(const struct assay_scan_summary *s, const assay_db *db)
{
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    printf("\n----------- SCAN SUMMARY -----------\n");
    printf("Known signatures: %zu\n", st.hash_signatures + st.body_signatures + st.filename_iocs);
    if (st.yara_rules)
        printf("YARA rules: %zu\n", st.yara_rules);
    printf("Engine version: assay %s\n", ASSAY_VERSION);
    printf("Scanned files: %llu\n", (unsigned long long)s->files);
    printf("Infected files: %llu\n", (unsigned long long)s->infected_files);
    printf("Findings: %llu\n", (unsigned long long)s->findings);
    printf("Errors: %llu\n", (unsigned long long)s->errors);
    printf("Skipped: %llu\n", (unsigned long long)s->skipped);
    printf("Data scanned: %.2f MB\n", (double)s->bytes / (1024.0 * 1024.0));
    printf("Time: %.3f sec\n", s->seconds);
}

enum {
    OPT_SKIP_BAD = 1000, OPT_THREADS, OPT_EXCLUDE, OPT_ONE_FS, OPT_FOLLOW, OPT_MAX_FILESIZE, OPT_NO_ARCHIVE,
    OPT_MAX_RECURSION, OPT_MAX_FILES, OPT_MAX_SCANSIZE, OPT_MAX_RATIO, OPT_JSON, OPT_SHA256, OPT_FIRST,
    OPT_IOC_SCORE, OPT_NO_SUMMARY, OPT_PROFILE,
};

static const struct option long_options[] = {
    {"database", required_argument, NULL, 'd'},
    {"rules", required_argument, NULL, 'r'},
    {"skip-bad-signatures", no_argument, NULL, OPT_SKIP_BAD},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"one-file-system", no_argument, NULL, OPT_ONE_FS},
    {"follow-symlinks", no_argument, NULL, OPT_FOLLOW},
    {"max-filesize", required_argument, NULL, OPT_MAX_FILESIZE},
    {"no-archive", no_argument, NULL, OPT_NO_ARCHIVE},
    {"max-recursion", required_argument, NULL, OPT_MAX_RECURSION},
    {"max-files", required_argument, NULL, OPT_MAX_FILES},
    {"max-scansize", required_argument, NULL, OPT_MAX_SCANSIZE},
    {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
    {"json", no_argument, NULL, OPT_JSON},
    {"sha256", no_argument, NULL, OPT_SHA256},
    {"first-match", no_argument, NULL, OPT_FIRST},
    {"ioc-min-score", required_argument, NULL, OPT_IOC_SCORE},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"profile", no_argument, NULL, OPT_PROFILE},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static bool bad_value(const char *opt, const char *value)
{
    fprintf(stderr, "assay scan: invalid value '%s' for --%s\n", value, opt);
    return false;
}

/* Parse one option into opts/dbs/out; false on a bad value. */
static bool apply_option(int c, const char *arg, struct assay_scan_options *o, struct cli_databases *dbs,
                         const char ***excludes, struct scan_output *out, bool *summary)
{
    uint64_t v;
    switch (c) {
    case 'd':
        dbs->paths[dbs->count++] = arg;
        return true;
    case 'r':
        dbs->rules[dbs->rule_count++] = arg;
        return true;
    case OPT_SKIP_BAD: dbs->skip_bad = true; return true;
    case OPT_THREADS:
        if (!cli_parse_uint(arg, 256, &v) || v == 0)
            return bad_value("threads", arg);
        o->threads = (unsigned)v;
        return true;
    case OPT_EXCLUDE:
        (*excludes)[o->exclude_count++] = arg;
        return true;
    case OPT_ONE_FS: o->one_file_system = true; return true;
    case OPT_FOLLOW: o->follow_symlinks = true; return true;
    case OPT_MAX_FILESIZE:
        return cli_parse_size(arg, &o->max_filesize) || bad_value("max-filesize", arg);
    case OPT_NO_ARCHIVE: o->scan_archives = false; return true;
    case OPT_MAX_RECURSION:
        if (!cli_parse_uint(arg, 64, &v))
            return bad_value("max-recursion", arg);
        o->max_recursion = (unsigned)v;
        return true;
    case OPT_MAX_FILES:
        return cli_parse_uint(arg, UINT64_MAX, &o->max_files) || bad_value("max-files", arg);
    case OPT_MAX_SCANSIZE:
        return cli_parse_size(arg, &o->max_scansize) || bad_value("max-scansize", arg);
    case OPT_MAX_RATIO:
        return cli_parse_uint(arg, UINT64_MAX, &o->max_ratio) || bad_value("max-ratio", arg);
    case OPT_JSON: out->json = true; return true;
    case OPT_SHA256: o->always_sha256 = true; return true;
    case OPT_FIRST: o->all_matches = false; return true;
    case OPT_IOC_SCORE:
        if (!cli_parse_uint(arg, 1000, &v))
            return bad_value("ioc-min-score", arg);
        o->ioc_min_score = (int)v;
        return true;
    case OPT_NO_SUMMARY: *summary = false; return true;
    case OPT_PROFILE: o->profile = true; return true;
    case 'q': out->quiet = true; *summary = false; return true;
    default: return false;
    }
}

int cmd_scan(int argc, char **argv)
{
    struct assay_scan_options opts;
    assay_scan_options_init(&opts);
    struct scan_output out = {0};
    bool summary = true;
    const char **db_paths = calloc((size_t)argc, sizeof *db_paths);
    const char **rule_paths = calloc((size_t)argc, sizeof *rule_paths);
    const char **excludes = calloc((size_t)argc, sizeof *excludes);
    struct cli_databases dbs = {.paths = db_paths, .rules = rule_paths};
    int c, status = EXIT_TROUBLE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:r:qh", long_options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            status = EXIT_CLEAN;
            goto done;
        }
        if (c == '?' || !apply_option(c, optarg, &opts, &dbs, &excludes, &out, &summary)) {
            if (c == '?')
                usage(stderr);
            goto done;
        }
    }
    opts.excludes = excludes;
    if (optind >= argc) {
        fprintf(stderr, "assay scan: no PATH given\n");
        usage(stderr);
        goto done;
    }
    assay_db *db = cli_open_databases(&dbs, true);
    if (!db)
        goto done;
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = &out,
                                      .profile = on_profile};
    struct assay_scan_summary sum = {0};
    int rc = assay_scan_paths(db, (const char *const *)argv + optind, (size_t)(argc - optind), &opts, &cb, &sum);
    if (rc != ASSAY_OK) {
        cli_error("scan");
    } else {
        if (out.json) {
            char *s = assay_summary_json(&sum);
            if (s) {
                puts(s);
                free(s);
            }
        } else if (summary) {
            print_summary(&sum, db);
        }
        status = sum.errors ? EXIT_TROUBLE : sum.findings ? EXIT_FOUND : EXIT_CLEAN;
    }
    assay_db_free(db);
done:
    free(db_paths);
    free(rule_paths);
    free(excludes);
    fflush(stdout);
    return status;
}
