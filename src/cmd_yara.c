/* cmd_yara.c — `assay yara`: a drop-in for the `yara` command line (YARA
 * 4.x): the same options people use, the same output lines and exit codes,
 * on assay's engine.
 *
 *   assay yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE|DIR
 *
 * Output per matching rule: "[ns:]RULE [tags] [meta] TARGET", then with -s
 * one line per match "0xOFFSET:$id: data" (-L adds the length). Lines of one
 * target are printed together when the target is done. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define YARA_DATA_MAX 512 /* bytes of a match yara keeps and prints */
#define YARA_HEX_MAX 64   /* bytes of a hex string's match it prints */

struct yara_cli {
    bool strings, lengths, meta, tags, negate, count, namespaces, no_warnings, single_file;
    const char *tag, *ident;
    uint64_t max_rules;
    /* per-target buffers, flushed when the target is done */
    struct pending {
        char *path;
        char *text;
        size_t len;
        uint64_t count;
        struct pending *next;
    } *pending;
    bool error;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE | DIR\n"
            "\n"
            "  -C, --compiled-rules        (not supported: give rule sources)\n"
            "  -c, --count                 print only the number of matches\n"
            "  -d, --define=VAR=VALUE      define an external variable\n"
            "  -e, --print-namespace       print rules' namespace\n"
            "  -f, --fast-scan             fast matching mode (first match of each string)\n"
            "  -g, --print-tags            print tags\n"
            "  -i, --identifier=ID         print only rules named ID\n"
            "  -l, --max-rules=N           print at most N matching rules per file\n"
            "  -L, --print-string-length   print the length of matched strings\n"
            "  -m, --print-meta            print metadata\n"
            "  -n, --negate                print only rules that did not match\n"
            "  -N, --no-follow-symlinks    do not follow symlinks\n"
            "  -p, --threads=N             scan with N threads\n"
            "  -r, --recursive             scan folders recursively\n"
            "  -s, --print-strings         print matching strings\n"
            "  -t, --tag=TAG               print only rules tagged TAG\n"
            "  -w, --no-warnings           do not print warnings\n"
            "  -z, --skip-larger=N         skip files larger than N bytes\n"
            "      --skip-bad-rules        load the rest of a rule set with bad rules\n"
            "      --profile               print the 20 slowest rules to stderr at the end\n"
            "  -a, --timeout=S             accepted for compatibility (no effect)\n"
            "\n"
            "exit status: 0 success, 1 error (as yara)\n");
}

/* ---- output buffers ------------------------------------------------------------ */

static struct pending *pending_for(struct yara_cli *c, const char *path)
{
    for (struct pending *p = c->pending; p; p = p->next)
        if (strcmp(p->path, path) == 0)
            return p;
    struct pending *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        return NULL;
    }
    p->next = c->pending;
    c->pending = p;
    return p;
}

static void put(struct pending *p, const char *s, size_t n)
{
    char *t = realloc(p->text, p->len + n + 1);
    if (!t)
        return;
    memcpy(t + p->len, s, n);
    p->len += n;
    t[p->len] = 0;
    p->text = t;
}

static void putf(struct pending *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct pending *p, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(p, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* ---- rule lines ------------------------------------------------------------------ */

static void put_escaped_meta(struct pending *p, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '\n': put(p, "\\n", 2); break;
        case '\t': put(p, "\\t", 2); break;
        case '\r': put(p, "\\r", 2); break;
        case '"': put(p, "\\\"", 2); break;
        case '\\': put(p, "\\\\", 2); break;
        default:
            if (ch >= 32 && ch <= 126)
                put(p, (const char *)&s[i], 1);
            else
                putf(p, "\\x%02X", ch);
        }
    }
}

static void put_match_data(struct pending *p, const struct assay_evidence *e)
{
    size_t n = e->bytes_len;
    if (e->hex_string) {
        for (size_t i = 0; i < n && i < YARA_HEX_MAX; i++)
            putf(p, i ? " %02X" : "%02X", e->bytes[i]);
        if (e->length > YARA_HEX_MAX)
            put(p, " ...", 4);
        return;
    }
    if (n > YARA_DATA_MAX)
        n = YARA_DATA_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = e->bytes[i];
        if (ch >= 32 && ch <= 126)
            put(p, (const char *)&e->bytes[i], 1);
        else
            putf(p, "\\x%02X", ch);
    }
}

static bool wanted(const struct yara_cli *c, const struct assay_finding *f)
{
    if (c->ident && strcmp(c->ident, f->rule) != 0)
        return false;
    if (c->tag) {
        bool tagged = false;
        for (size_t i = 0; i < f->tag_count; i++)
            tagged |= strcmp(f->tags[i], c->tag) == 0;
        if (!tagged)
            return false;
    }
    return f->matched != c->negate;
}

static void on_finding(void *user, const struct assay_finding *f)
{
    struct yara_cli *c = user;
    if (!f->engine || strcmp(f->engine, "yara") != 0 || !wanted(c, f))
        return;
    struct pending *p = pending_for(c, f->path);
    if (!p)
        return;
    p->count++;
    if (c->count || (c->max_rules && p->count > c->max_rules))
        return;
    if (c->namespaces)
        putf(p, "%s:", f->ns ? f->ns : "default");
    put(p, f->rule, strlen(f->rule));
    if (c->tags) {
        put(p, " [", 2);
        for (size_t i = 0; i < f->tag_count; i++) {
            if (i)
                put(p, ",", 1);
            put(p, f->tags[i], strlen(f->tags[i]));
        }
        put(p, "]", 1);
    }
    if (c->meta) {
        put(p, " [", 2);
        for (size_t i = 0; i < f->meta_count; i++) {
            const struct assay_meta *m = &f->metas[i];
            if (i)
                put(p, ",", 1);
            put(p, m->name, strlen(m->name));
            if (m->kind == ASSAY_META_STRING) {
                put(p, "=\"", 2);
                put_escaped_meta(p, m->string, m->string_len);
                put(p, "\"", 1);
            } else if (m->kind == ASSAY_META_INTEGER) {
                putf(p, " =%lld", (long long)m->integer); /* yara 4.2 prints "name =value" */
            } else {
                putf(p, "=%s", m->integer ? "true" : "false");
            }
        }
        put(p, "]", 1);
    }
    putf(p, " %s\n", f->path);
    if (!c->strings)
        return;
    for (size_t i = 0; i < f->evidence_count; i++) {
        const struct assay_evidence *e = &f->evidence[i];
        if (e->kind != ASSAY_EVIDENCE_BYTES || !e->string_id)
            continue;
        if (c->lengths)
            putf(p, "0x%llx:%llu:%s: ", (unsigned long long)e->offset, (unsigned long long)e->length, e->string_id);
        else
            putf(p, "0x%llx:%s: ", (unsigned long long)e->offset, e->string_id);
        put_match_data(p, e);
        put(p, "\n", 1);
    }
}

static void on_object_done(void *user, const char *path)
{
    struct yara_cli *c = user;
    struct pending **link = &c->pending, *p = NULL;
    while (*link && strcmp((*link)->path, path) != 0)
        link = &(*link)->next;
    p = *link;
    if (c->count) {
        if (c->single_file)
            printf("%llu\n", (unsigned long long)(p ? p->count : 0));
        else
            printf("%s: %llu\n", path, (unsigned long long)(p ? p->count : 0));
    } else if (p && p->len) {
        fwrite(p->text, 1, p->len, stdout);
    }
    if (p) {
        *link = p->next;
        free(p->path);
        free(p->text);
        free(p);
    }
}

static void on_problem(void *user, const struct assay_problem *p)
{
    struct yara_cli *c = user;
    if (p->warning) {
        if (!c->no_warnings)
            fprintf(stderr, "warning: %s: %s\n", p->path, p->reason);
        return;
    }
    c->error = true;
    fprintf(stderr, "error scanning %s: %s\n", p->path, p->reason);
}

static void on_message(void *user, const char *path, const char *text)
{
    (void)user;
    (void)path;
    printf("%s\n", text);
}

static void on_profile(void *user, const struct assay_rule_cost *costs, size_t count)
{
    (void)user;
    cli_print_profile(costs, count, 20);
}

static void print_warning(void *user, const char *message)
{
    const struct yara_cli *c = user;
    if (!c->no_warnings)
        fprintf(stderr, "%s\n", message);
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

/* "ns:path" when path exists and the prefix has no '/'. */
static const char *split_namespace(const char *arg, char *ns, size_t size)
{
    const char *colon = strchr(arg, ':');
    struct stat st;
    if (!colon || stat(arg, &st) == 0 || memchr(arg, '/', (size_t)(colon - arg)) || (size_t)(colon - arg) >= size)
        return NULL;
    memcpy(ns, arg, (size_t)(colon - arg));
    ns[colon - arg] = 0;
    return colon + 1;
}

int cmd_yara(int argc, char **argv)
{
    struct yara_cli c = {0};
    struct assay_scan_options o;
    assay_scan_options_init(&o);
    o.scan_archives = false;
    o.follow_symlinks = true;
    o.no_subfolders = true;
    const char **defines = calloc((size_t)argc, sizeof *defines);
    int ndefines = 0, ch, status = 1;
    bool skip_bad = false;
    uint64_t v;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "Ccd:efgi:l:LmnNp:rst:wz:a:hv", long_options, NULL)) != -1) {
        switch (ch) {
        case 'C':
            fprintf(stderr, "assay yara: -C (YARA compiled rules) is not supported; give the rule sources\n");
            goto done;
        case 'c': c.count = true; break;
        case 'd': defines[ndefines++] = optarg; break;
        case 'e': c.namespaces = true; break;
        case 'f': o.fast_mode = true; break;
        case 'g': c.tags = true; break;
        case 'i': c.ident = optarg; break;
        case 'l':
            if (!cli_parse_uint(optarg, UINT64_MAX, &c.max_rules))
                goto bad;
            break;
        case 'L': c.lengths = true; break;
        case 'm': c.meta = true; break;
        case 'n': c.negate = true; o.report_nonmatching = true; break;
        case 'N': o.follow_symlinks = false; break;
        case 'p':
            if (!cli_parse_uint(optarg, 256, &v) || v == 0)
                goto bad;
            o.threads = (unsigned)v;
            break;
        case 'r': o.no_subfolders = false; break;
        case 's': c.strings = true; break;
        case 't': c.tag = optarg; break;
        case 'w': c.no_warnings = true; break;
        case 'z':
            if (!cli_parse_size(optarg, &o.max_filesize))
                goto bad;
            break;
        case 'a': break;
        case OPT_SKIP_BAD: skip_bad = true; break;
        case OPT_PROFILE: o.profile = true; break;
        case 'h': usage(stdout); status = 0; goto done;
        case 'v': printf("assay %s (yara-compatible command line)\n", ASSAY_VERSION); status = 0; goto done;
        default: usage(stderr); goto done;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "assay yara: give one or more rule files and one target\n");
        usage(stderr);
        goto done;
    }
    assay_db *db = assay_db_new();
    if (!db) {
        cli_error(NULL);
        goto done;
    }
    assay_db_set_warning_handler(db, print_warning, &c);
    int rc = ASSAY_OK;
    for (int i = 0; i < ndefines && rc == ASSAY_OK; i++) {
        char *eq = strchr(defines[i], '=');
        if (!eq) {
            fprintf(stderr, "assay yara: -d needs VAR=VALUE, got '%s'\n", defines[i]);
            rc = ASSAY_EINVAL;
            break;
        }
        *eq = 0;
        rc = assay_db_define(db, defines[i], eq + 1);
        *eq = '=';
        if (rc != ASSAY_OK)
            cli_error("-d");
    }
    for (int i = optind; i < argc - 1 && rc == ASSAY_OK; i++) {
        char ns[256];
        const char *path = split_namespace(argv[i], ns, sizeof ns);
        struct assay_load_options lo = {.skip_bad_signatures = skip_bad, .yara_namespace = path ? ns : NULL};
        rc = assay_db_load_yara(db, path ? path : argv[i], &lo);
        if (rc != ASSAY_OK)
            fprintf(stderr, "error: %s\n", assay_last_error());
    }
    if (rc == ASSAY_OK && (rc = assay_db_finalize(db)) != ASSAY_OK)
        fprintf(stderr, "error: %s\n", assay_last_error());
    if (rc != ASSAY_OK) {
        assay_db_free(db);
        goto done;
    }
    const char *target = argv[argc - 1];
    struct stat st;
    c.single_file = stat(target, &st) == 0 && !S_ISDIR(st.st_mode);
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = &c,
                                      .message = on_message, .object_done = on_object_done,
                                      .profile = on_profile};
    struct assay_scan_summary sum = {0};
    rc = assay_scan_paths(db, &target, 1, &o, &cb, &sum);
    if (rc != ASSAY_OK)
        cli_error("scan");
    status = rc != ASSAY_OK || c.error ? 1 : 0;
    assay_db_free(db);
    goto done;
bad:
    fprintf(stderr, "assay yara: invalid value '%s' for -%c\n", optarg, ch);
done:
    while (c.pending) {
        struct pending *p = c.pending;
        c.pending = p->next;
        free(p->path);
        free(p->text);
        free(p);
    }
    free(defines);
    fflush(stdout);
    return status;
}
