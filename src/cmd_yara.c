/* cmd_yara.c — `assay yara`: a drop-in for the `yara` command line (Debian's
 * yara 4.2.3 is the reference), on assay's engine: the same options, output
 * lines, messages and exit codes.
 *
 *   assay yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE|DIR
 *   assay yara -C [OPTION]... COMPILED_DB FILE|DIR
 *
 * This file reads the options, loads the rules and scans the target; the
 * lines printed for results are yara_cli_output.c's, the errors and warnings
 * about rules and scanned files yara_cli_messages.c's.
 *
 * yara's behaviours kept on purpose (each checked against yara 4.2.3):
 *   - -t, -i and -d may be given 32 times each, any other option once ("too
 *     many `-s` options"); option errors are yara's messages, exit status 1;
 *   - -z and -p apply to folder scans only: a file named on the command line
 *     is scanned whatever its size or -p; -p 0 (or negative) scans no file of
 *     a folder; -p above 32 is an error;
 *   - -d VAR=VALUE without '=' is reported and ignored, the same variable
 *     twice is an error;
 *   - a rule file without rules is valid (nothing matches);
 *   - -C takes one compiled assay database (`assay db compile`), recognised by
 *     its magic; a source file there is "invalid compiled rules file.".
 * Extensions: size suffixes for -z (10M), `--option value` and prefixes of
 * long options (yara needs `--option=value`), rule folders, --skip-bad-rules,
 * --profile. Not supported: yara's -x, -D, -S, -k, --scan-list, process ids. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yara_cli.h"

#define YARA_MAX_THREADS 32 /* yara's limit for -p */

static const char COMPILED_MAGIC[8] = "ASSAYDB"; /* docs/database-format.md: "ASSAYDB\0" */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR\n"
            "\n"
            "  -C, --compiled-rules        RULES_FILE is a compiled assay database (assay db compile)\n"
            "  -c, --count                 print only the number of matching rules\n"
            "  -d, --define=VAR=VALUE      define an external variable\n"
            "  -e, --print-namespace       print rules' namespace\n"
            "  -f, --fast-scan             fast matching mode (first match of each string)\n"
            "  -g, --print-tags            print tags\n"
            "  -i, --identifier=ID         print only rules named ID\n"
            "  -l, --max-rules=N           stop after N matching rules (in the whole scan)\n"
            "  -L, --print-string-length   print the length of matched strings\n"
            "  -m, --print-meta            print metadata\n"
            "  -n, --negate                print only rules that did not match\n"
            "  -N, --no-follow-symlinks    do not follow symlinks\n"
            "  -p, --threads=N             scan a folder with N threads (at most 32)\n"
            "  -r, --recursive             scan folders recursively\n"
            "  -s, --print-strings         print matching strings\n"
            "  -t, --tag=TAG               print only rules tagged TAG\n"
            "  -w, --no-warnings           do not print warnings\n"
            "  -z, --skip-larger=N         skip files of a folder larger than N bytes\n"
            "      --skip-bad-rules        load the rest of a rule set with bad rules\n"
            "      --profile               print the 20 slowest rules to stderr at the end\n"
            "  -a, --timeout=S             accepted for compatibility (no effect)\n"
            "\n"
            "exit status: 0 success, 1 error (as yara)\n");
}

static void wrong_arguments(void)
{
    fprintf(stderr, "assay yara: wrong number of arguments\n"
                    "Usage: assay yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR\n\n"
                    "Try `--help` for more options\n");
}
/* ---- files ----------------------------------------------------------------------- */

bool yara_cli_is_folder(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool yara_cli_cannot_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return true;
    close(fd);
    return false;
}

/* ---- options ----------------------------------------------------------------------- */

enum { OPT_SKIP_BAD = 1000, OPT_PROFILE };

static const struct option long_options[] = {
    {"compiled-rules", no_argument, NULL, 'C'}, {"count", no_argument, NULL, 'c'},
    {"define", required_argument, NULL, 'd'}, {"print-namespace", no_argument, NULL, 'e'},
    {"fast-scan", no_argument, NULL, 'f'}, {"print-tags", no_argument, NULL, 'g'},
    {"identifier", required_argument, NULL, 'i'}, {"max-rules", required_argument, NULL, 'l'},
    {"print-string-length", no_argument, NULL, 'L'}, {"print-meta", no_argument, NULL, 'm'},
    {"negate", no_argument, NULL, 'n'}, {"no-follow-symlinks", no_argument, NULL, 'N'},
    {"threads", required_argument, NULL, 'p'}, {"recursive", no_argument, NULL, 'r'},
    {"print-strings", no_argument, NULL, 's'}, {"tag", required_argument, NULL, 't'},
    {"no-warnings", no_argument, NULL, 'w'}, {"skip-larger", required_argument, NULL, 'z'},
    {"timeout", required_argument, NULL, 'a'}, {"skip-bad-rules", no_argument, NULL, OPT_SKIP_BAD},
    {"profile", no_argument, NULL, OPT_PROFILE},
    {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0},
};

/* yara's integers: C syntax (0x10, 010), the whole value, clamped on overflow. */
static bool parse_yara_int(const char *s, long long *out)
{
    char *end;
    *out = strtoll(s, &end, 0);
    return *end == 0;
}

/* The option as the user wrote it, for messages: "-p" or "--threads". */
static void option_name(int ch, int longindex, char *buf, size_t size)
{
    if (longindex >= 0)
        snprintf(buf, size, "--%s", long_options[longindex].name);
    else
        snprintf(buf, size, "-%c", ch);
}

static bool add_to_list(const char **list, size_t *n, const char *value, int ch)
{
    if (*n >= YARA_MAX_LIST) {
        fprintf(stderr, "too many `-%c` options\n", ch);
        return false;
    }
    list[(*n)++] = value;
    return true;
}

/* An integer option's value; false after printing yara's message. */
static bool int_option(const char *arg, int ch, int longindex, long long *out)
{
    if (parse_yara_int(arg, out))
        return true;
    uint64_t size;
    if (ch == 'z' && cli_parse_size(arg, &size) && size <= LLONG_MAX) { /* assay's extension: 10M */
        *out = (long long)size;
        return true;
    }
    char name[64];
    option_name(ch, longindex, name, sizeof name);
    if (longindex >= 0)
        fprintf(stderr, "option `%s=%s` requires an integer argument\n", name, arg);
    else
        fprintf(stderr, "option `%s` requires an integer argument\n", name);
    return false;
}

/* A second -s (etc.): yara's message; -t, -i and -d may repeat. */
static bool repeated_option(int ch, int longindex, int *seen)
{
    if (ch == 'd' || ch == 't' || ch == 'i' || ch <= 0 || ch >= 256 || !seen[ch]++)
        return false;
    char name[64];
    option_name(ch, longindex, name, sizeof name);
    fprintf(stderr, "too many `%s` options\n", name);
    return true;
}

/* An option without a value; false when `ch` is not one. */
static bool take_flag(struct yara_cli *c, int ch)
{
    switch (ch) {
    case 'C': c->compiled = true; break;
    case 'c': c->count = true; break;
    case 'e': c->namespaces = true; break;
    case 'f': c->fast = true; break;
    case 'g': c->tags = true; break;
    case 'L': c->lengths = true; break;
    case 'm': c->meta = true; break;
    case 'n': c->negate = true; break;
    case 'N': c->no_follow = true; break;
    case 'r': c->recursive = true; break;
    case 's': c->strings = true; break;
    case 'w': c->no_warnings = true; break;
    case OPT_SKIP_BAD: c->skip_bad = true; break;
    case OPT_PROFILE: c->profile = true; break;
    default: return false;
    }
    return true;
}

/* An option with a value, --help or --version: -1 to go on, else the exit status. */
static int take_valued_option(struct yara_cli *c, int ch, int longindex)
{
    long long ignored;
    switch (ch) {
    case 'd': return add_to_list(c->defines, &c->ndefines, optarg, ch) ? -1 : 1;
    case 'i': return add_to_list(c->ident_filter, &c->nidents, optarg, ch) ? -1 : 1;
    case 't': return add_to_list(c->tag_filter, &c->ntags, optarg, ch) ? -1 : 1;
    case 'l': return int_option(optarg, ch, longindex, &c->max_rules) ? -1 : 1;
    case 'p':
        c->threads_given = true;
        return int_option(optarg, ch, longindex, &c->threads) ? -1 : 1;
    case 'z': return int_option(optarg, ch, longindex, &c->skip_larger) ? -1 : 1;
    case 'a': return int_option(optarg, ch, longindex, &ignored) ? -1 : 1;
    case 'h': usage(stdout); return 0;
    case 'v': printf("assay %s (yara-compatible command line)\n", ASSAY_VERSION); return 0;
    default: return 1;
    }
}

/* One option; -1 to go on, else the exit status. */
static int take_option(struct yara_cli *c, int ch, int longindex, int *seen)
{
    if (repeated_option(ch, longindex, seen))
        return 1;
    if (take_flag(c, ch))
        return -1;
    return take_valued_option(c, ch, longindex);
}

/* -1 to go on, else the exit status (yara's messages for bad options). */
static int parse_args(struct yara_cli *c, int argc, char **argv)
{
    int seen[256] = {0}, ch, longindex = -1;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":Ccd:efgi:l:LmnNp:rst:wz:a:hv", long_options, &longindex)) != -1) {
        const char *written = argv[optind - 1 < argc ? optind - 1 : argc - 1];
        int status;
        if (ch == ':') {
            bool integer = optopt > 0 && strchr("plza", optopt) != NULL;
            fprintf(stderr, "option `%s` requires %s argument\n", written, integer ? "an integer" : "a string");
            return 1;
        }
        if (ch == '?') {
            if (optopt > 0)
                fprintf(stderr, "unknown option `-%c`\n", optopt);
            else
                fprintf(stderr, "unknown option `%s`\n", written);
            return 1;
        }
        if ((status = take_option(c, ch, longindex, seen)) >= 0)
            return status;
        longindex = -1;
    }
    return -1;
}

/* ---- loading the rules ------------------------------------------------------------- */

/* "ns:path" when the argument is not itself an existing file (yara splits at
 * the first ':'). */
static const char *split_namespace(const char *arg, char *ns, size_t size)
{
    const char *colon = strchr(arg, ':');
    struct stat st;
    if (!colon || stat(arg, &st) == 0 || (size_t)(colon - arg) >= size)
        return NULL;
    memcpy(ns, arg, (size_t)(colon - arg));
    ns[colon - arg] = 0;
    return colon + 1;
}

/* -d VAR=VALUE: as yara, a value without '=' is reported and ignored; the
 * same variable twice is an error. 0, or 1 after printing the error. */
static int apply_defines(const struct yara_cli *c, assay_db *db)
{
    for (size_t i = 0; i < c->ndefines; i++) {
        const char *d = c->defines[i], *eq = strchr(d, '=');
        if (!eq) {
            fprintf(stderr, "error: wrong syntax for `-d` option.\n");
            continue;
        }
        size_t n = (size_t)(eq - d);
        for (size_t j = 0; j < i; j++)
            if (strncmp(c->defines[j], d, n) == 0 && c->defines[j][n] == '=') {
                fprintf(stderr, "error: external variable \"%.*s\" defined twice\n", (int)n, d);
                return 1;
            }
        char *name = strndup(d, n);
        int rc = name ? assay_db_define(db, name, eq + 1) : ASSAY_ENOMEM;
        free(name);
        if (rc != ASSAY_OK) {
            fprintf(stderr, "error: -d %s: %s\n", d, assay_last_error());
            return 1;
        }
    }
    return 0;
}

/* The rule files in order (the next ones parsed while one is compiled);
 * the first that fails is reported as yara reports it. */
static int load_sources(const struct yara_cli *c, assay_db *db, char **args, int count)
{
    if (apply_defines(c, db) != 0)
        return 1;
    size_t n = (size_t)count;
    const char **paths = calloc(n, sizeof *paths);
    struct assay_load_options *lo = calloc(n, sizeof *lo);
    char(*ns)[256] = calloc(n, sizeof *ns);
    int status = 0;
    if (!paths || !lo || !ns) {
        fprintf(stderr, "error: out of memory\n");
        status = 1;
    }
    for (size_t i = 0; i < n && status == 0; i++) {
        const char *path = split_namespace(args[i], ns[i], sizeof ns[i]);
        lo[i] = (struct assay_load_options){.skip_bad_signatures = c->skip_bad, .yara_namespace = path ? ns[i] : NULL};
        paths[i] = path ? path : args[i];
    }
    size_t failed = n;
    if (status == 0 && assay_db_load_yara_files(db, paths, lo, n, &failed) != ASSAY_OK) {
        if (failed < n && yara_cli_cannot_open(paths[failed]))
            fprintf(stderr, "error: could not open file: %s\n", paths[failed]);
        else
            yara_cli_print_rules_error(assay_last_error());
        status = 1;
    }
    free(paths);
    free(lo);
    free(ns);
    return status;
}

/* -C: one compiled assay database, recognised by its magic as yara
 * recognises its own; externals given with -d replace the compiled values. */
static int load_compiled(const struct yara_cli *c, assay_db *db, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "could not open file\n");
        return 1;
    }
    char head[sizeof COMPILED_MAGIC];
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    if (n != (ssize_t)sizeof head || memcmp(head, COMPILED_MAGIC, sizeof head) != 0) {
        fprintf(stderr, "invalid compiled rules file.\n");
        return 1;
    }
    if (assay_db_load(db, path, NULL) != ASSAY_OK) {
        fprintf(stderr, "corrupt compiled rules file: %s\n", assay_last_error());
        return 1;
    }
    return apply_defines(c, db);
}

/* A rule file without rules is valid for yara (every file is scanned, none
 * matches); assay's engine needs one rule: a private one is never reported. */
static int finalize(assay_db *db)
{
    static const char none[] = "private rule assay_no_rules { condition: false }\n";
    int rc = assay_db_finalize(db);
    if (rc == ASSAY_EEMPTY && assay_db_load_text(db, "none.yar", none, sizeof none - 1, NULL) == ASSAY_OK)
        rc = assay_db_finalize(db);
    if (rc != ASSAY_OK)
        yara_cli_print_rules_error(assay_last_error());
    return rc == ASSAY_OK ? 0 : 1;
}
/* ---- scanning ---------------------------------------------------------------------- */

/* The scan's options from yara's; false when yara scans nothing (-p 0 on a
 * folder: it starts no scanning thread). */
static bool scan_options_for(const struct yara_cli *c, struct assay_scan_options *o)
{
    assay_scan_options_init(o);
    o->scan_archives = false;
    o->follow_symlinks = !c->no_follow;
    o->no_subfolders = !c->recursive;
    o->fast_mode = c->fast;
    o->report_nonmatching = c->negate || c->max_rules > 0; /* -l: see yara_cli_on_finding */
    o->profile = c->profile;
    o->threads = 1;
    if (!c->target_is_dir)
        return true;
    if (c->threads_given && c->threads <= 0)
        return false;
    o->threads = c->threads_given ? (unsigned)c->threads : 0;
    return true;
}

/* -z on a folder: the scan skips the larger files, yara names them first. */
static void apply_skip_larger(const struct yara_cli *c, struct assay_scan_options *o)
{
    struct stat st;
    if (c->skip_larger > 0 && stat(c->target, &st) == 0) {
        o->max_filesize = (uint64_t)c->skip_larger;
        yara_cli_report_oversized(c, &st);
    }
}

static int run_scan(struct yara_cli *c, const assay_db *db)
{
    struct assay_scan_options o;
    if (!scan_options_for(c, &o))
        return 0;
    if (c->target_is_dir)
        apply_skip_larger(c, &o);
    struct assay_scan_callbacks cb = {.finding = yara_cli_on_finding, .problem = yara_cli_on_problem, .user = c,
                                      .message = yara_cli_on_message, .object_done = yara_cli_on_object_done,
                                      .profile = yara_cli_on_profile};
    struct assay_scan_summary sum = {0};
    if (assay_scan_paths(db, &c->target, 1, &o, &cb, &sum) != ASSAY_OK) {
        cli_error("scan");
        return 1;
    }
    if (c->out_of_memory)
        fprintf(stderr, "error: out of memory\n");
    return c->error || c->out_of_memory ? 1 : 0;
}

/* ---- the command ------------------------------------------------------------------- */

/* yara's checks of the arguments left after the options; false after its message. */
static bool arguments_ok(const struct yara_cli *c, int nargs)
{
    if (c->threads_given && c->threads > YARA_MAX_THREADS) {
        fprintf(stderr, "maximum number of threads is %d\n", YARA_MAX_THREADS);
        return false;
    }
    if (nargs < 2) {
        wrong_arguments();
        return false;
    }
    if (c->compiled && nargs > 2) {
        fprintf(stderr, "error: can't accept multiple rules files if one of them is in compiled form.\n");
        return false;
    }
    return true;
}

/* args: the rule files (or the compiled database), then the target. */
static int load_and_scan(struct yara_cli *c, char **args, int nargs)
{
    c->target = args[nargs - 1];
    c->target_is_dir = yara_cli_is_folder(c->target);
    assay_db *db = assay_db_new();
    if (!db) {
        cli_error(NULL);
        return 1;
    }
    assay_db_set_warning_handler(db, yara_cli_print_warning, c);
    int status = c->compiled ? load_compiled(c, db, args[0]) : load_sources(c, db, args, nargs - 1);
    if (status == 0)
        status = finalize(db);
    if (status == 0)
        status = run_scan(c, db);
    assay_db_free(db);
    return status;
}

int cmd_yara(int argc, char **argv)
{
    struct yara_cli c = {0};
    int status = parse_args(&c, argc, argv);
    int nargs = argc - optind;
    if (status < 0)
        status = arguments_ok(&c, nargs) ? load_and_scan(&c, argv + optind, nargs) : 1;
    yara_cli_free_pending_outputs(&c);
    fflush(stdout);
    return status;
}
