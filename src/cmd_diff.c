/* cmd_diff.c — `assay diff`: compare two review runs recorded in the store
 * (what appeared, what was removed, what changed), and `assay diff --list`:
 * the recorded runs. Run forms and output: docs/store.md. Exit status as
 * diff(1): 0 no difference, 1 differences, 2 trouble. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store/store.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay diff [--store FILE] [--json] [RUN1] [RUN2]\n"
            "       assay diff [--store FILE] [--json] --list [--host HOST]\n"
            "\n"
            "compare two review runs of the store: items that appeared (+), were removed (-) or\n"
            "changed version, verdict, vendor, deadline state or replacement (~), and malicious files\n"
            "that appeared or were removed.\n"
            "\n"
            "runs:\n"
            "  N                    the run with this id (see --list)\n"
            "  latest, previous     the newest run, the one before it; latest~N: N runs before\n"
            "  HOST@latest, HOST@previous, HOST@latest~N\n"
            "                       the same among the runs of HOST\n"
            "  one RUN              compare it with the run of the same host before it\n"
            "  no RUN               compare the latest run with the run of its host before it\n"
            "\n"
            "options:\n"
            "  --store FILE         the SQLite store (default: %s)\n"
            "  --json               one JSON document instead of text\n"
            "  --list               list the recorded runs, newest first\n"
            "  --host HOST          --list: only the runs of HOST\n"
            "\n"
            "exit status: 0 no differences, 1 differences, 2 trouble (no such run, not a store)\n",
            store_default_path());
}

struct diff_args {
    const char *store, *host;
    bool json, list;
    const char *run1, *run2;
};

/* -1: go on; otherwise the exit status. */
static int parse_args(int argc, char **argv, struct diff_args *a)
{
    enum { O_STORE = 256, O_JSON, O_LIST, O_HOST };
    static const struct option longopts[] = {
        {"store", required_argument, NULL, O_STORE}, {"json", no_argument, NULL, O_JSON},
        {"list", no_argument, NULL, O_LIST},         {"host", required_argument, NULL, O_HOST},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_STORE: a->store = optarg; break;
        case O_JSON: a->json = true; break;
        case O_LIST: a->list = true; break;
        case O_HOST: a->host = optarg; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_TROUBLE;
        }
    }
    int left = argc - optind;
    if (left > 2 || (a->list && left > 0)) {
        fprintf(stderr, "assay diff: %s\n", a->list ? "--list takes no runs" : "at most two runs");
        usage(stderr);
        return EXIT_TROUBLE;
    }
    if (a->host != NULL && !a->list) {
        fprintf(stderr, "assay diff: --host goes with --list (to compare runs of a host: HOST@latest)\n");
        return EXIT_TROUBLE;
    }
    if (left == 2) {
        a->run1 = argv[optind];
        a->run2 = argv[optind + 1];
    } else if (left == 1) {
        a->run2 = argv[optind];
    }
    if (a->store == NULL)
        a->store = store_default_path();
    return -1;
}

int cmd_diff(int argc, char **argv)
{
    struct diff_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.list) {
        rc = store_list_runs(a.store, a.host, a.json, stdout);
        if (rc != 0) {
            cli_error("diff");
            return EXIT_TROUBLE;
        }
        return EXIT_CLEAN;
    }
    rc = store_diff(a.store, a.run1, a.run2, a.json, stdout);
    if (fflush(stdout) != 0 && rc >= 0) {
        fprintf(stderr, "assay: diff: cannot write the output\n");
        return EXIT_TROUBLE;
    }
    if (rc < 0) {
        cli_error("diff");
        return EXIT_TROUBLE;
    }
    return rc == 0 ? EXIT_CLEAN : EXIT_FOUND;
}
