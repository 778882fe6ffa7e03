/* cmd_policy.c — `assay policy`: check review policies like a compiler
 * (`lint`), print the built-in example policy (`example`). Output format and
 * exit codes: docs/policy.md, "assay policy lint". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policy/policy.h"

extern const char assay_default_policy[];
extern const unsigned long assay_default_policy_len;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay policy lint [options] FILE...   check review policies ('-' is standard input)\n"
            "       assay policy example                  print the built-in example policy\n"
            "\n"
            "lint options:\n"
            "      --catalog FILE   check vendor and product ids against this vendor catalog\n"
            "                       (default: the policy's `catalog`, else the built-in catalog)\n"
            "      --no-catalog     do not check ids against any catalog\n"
            "      --strict         warnings count as errors for the exit status\n"
            "  -q, --quiet          print errors and warnings only (no notes, no summary)\n"
            "\n"
            "each problem is one line: FILE:LINE:COLUMN: error|warning: message\n"
            "exit status: 0 no errors (warnings allowed), 1 errors found, 2 a file could not be read\n"
            "             or the command line is wrong\n");
}

struct lint_options {
    const char *catalog_path;  /* --catalog */
    bool no_catalog;
    bool strict;
    bool quiet;
};

/* The catalogs used while linting: --catalog, the built-in one (loaded once),
 * and the one a policy names (loaded per file). */
struct lint_catalogs {
    struct catalog given, builtin;
    bool have_given, builtin_tried, have_builtin;
    char builtin_error[512];
};

static void print_diag(const struct policy *p, const struct policy_diag *d, bool quiet)
{
    if (quiet && d->severity == POLICY_NOTE)
        return;
    if (d->line)
        printf("%s:%u:%u: %s: %s\n", p->name, d->line, d->column,
               policy_severity_name((enum policy_severity)d->severity), d->message);
    else
        printf("%s: %s: %s\n", p->name, policy_severity_name((enum policy_severity)d->severity), d->message);
}

/* The policy's own `catalog`, relative to the policy file's folder. */
static bool load_named_catalog(struct policy *p, struct catalog *out)
{
    char path[4096], why[512] = "path too long";
    if (policy_catalog_path(p, path, sizeof path)) {
        if (catalog_load_file(out, path) == 0)
            return true;
        snprintf(why, sizeof why, "%s", assay_last_error());
        catalog_free(out);
    }
    policy_add_diag(p, POLICY_ERROR, p->catalog_loc, "catalog '%s' cannot be loaded: %s", p->catalog, why);
    return false;
}

static const struct catalog *builtin_catalog(struct lint_catalogs *cs)
{
    if (!cs->builtin_tried) {
        cs->builtin_tried = true;
        cs->have_builtin = catalog_load_default(&cs->builtin) == 0;
        if (!cs->have_builtin) {
            snprintf(cs->builtin_error, sizeof cs->builtin_error, "%s", assay_last_error());
            catalog_free(&cs->builtin);
        }
    }
    return cs->have_builtin ? &cs->builtin : NULL;
}

/* Lint one file; returns its exit status contribution (0, 1 or 2). */
static int lint_file(const char *path, const struct lint_options *o, struct lint_catalogs *cs)
{
    struct policy p;
    int rc = policy_load_file(&p, path);
    if (rc != 0 && rc != ASSAY_ESYNTAX) {
        fprintf(stderr, "assay policy: %s\n", assay_last_error());
        policy_free(&p);
        return EXIT_TROUBLE;
    }
    struct catalog named;
    bool have_named = false;
    const struct catalog *cat = NULL;
    if (o->no_catalog) {
        cat = NULL;
    } else if (cs->have_given) {
        cat = &cs->given;
    } else if (p.catalog) {
        have_named = load_named_catalog(&p, &named);
        cat = have_named ? &named : NULL;
    } else {
        cat = builtin_catalog(cs);
        if (cat == NULL)
            policy_add_diag(&p, POLICY_NOTE, (struct policy_loc){0, 0}, "built-in vendor catalog not available: %s",
                        cs->builtin_error);
    }
    policy_lint(&p, cat);
    policy_sort_diags(&p);
    for (size_t i = 0; i < p.diags.n; i++)
        print_diag(&p, &p.diags.v[i], o->quiet);
    if (!o->quiet)
        printf("%s: %zu error%s, %zu warning%s\n", p.name, p.errors, p.errors == 1 ? "" : "s", p.warnings,
               p.warnings == 1 ? "" : "s");
    int status = p.errors || (o->strict && p.warnings) ? EXIT_FOUND : EXIT_CLEAN;
    if (have_named)
        catalog_free(&named);
    policy_free(&p);
    return status;
}

enum { OPT_CATALOG = 1000, OPT_NO_CATALOG, OPT_STRICT };

static const struct option lint_long_options[] = {
    {"catalog", required_argument, NULL, OPT_CATALOG},
    {"no-catalog", no_argument, NULL, OPT_NO_CATALOG},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int cmd_lint(int argc, char **argv)
{
    struct lint_options o = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", lint_long_options, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout); return EXIT_CLEAN;
        case 'q': o.quiet = true; break;
        case OPT_CATALOG: o.catalog_path = optarg; break;
        case OPT_NO_CATALOG: o.no_catalog = true; break;
        case OPT_STRICT: o.strict = true; break;
        default: usage(stderr); return EXIT_TROUBLE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "assay policy lint: no policy file given\n");
        usage(stderr);
        return EXIT_TROUBLE;
    }
    struct lint_catalogs cs = {0};
    if (o.catalog_path && !o.no_catalog) {
        if (catalog_load_file(&cs.given, o.catalog_path) != 0) {
            fprintf(stderr, "assay policy: catalog %s: %s\n", o.catalog_path, assay_last_error());
            catalog_free(&cs.given);
            return EXIT_TROUBLE;
        }
        cs.have_given = true;
    }
    int status = EXIT_CLEAN;
    for (int i = optind; i < argc; i++) {
        int s = lint_file(argv[i], &o, &cs);
        if (s > status)
            status = s;
    }
    if (cs.have_given)
        catalog_free(&cs.given);
    if (cs.have_builtin)
        catalog_free(&cs.builtin);
    return status;
}

int cmd_policy(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "lint") == 0)
        return cmd_lint(argc - 1, argv + 1);
    if (strcmp(sub, "example") == 0) {
        fwrite(assay_default_policy, 1, (size_t)assay_default_policy_len, stdout);
        return ferror(stdout) ? EXIT_TROUBLE : EXIT_CLEAN;
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    fprintf(stderr, "assay policy: unknown subcommand '%s'\n", sub);
    usage(stderr);
    return EXIT_TROUBLE;
}
