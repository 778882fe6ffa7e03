/* cmd_yara.c — `assay yara`: a drop-in for the `yara` command line (Debian's
 * yara 4.2.3 is the reference), on assay's engine: the same options, output
 * lines, messages and exit codes.
 *
 *   assay yara [OPTION]... [NAMESPACE:]RULES_FILE... FILE|DIR
 *   assay yara -C [OPTION]... COMPILED_DB FILE|DIR
 *
 * Output per reported rule: "[ns:]RULE [tags] [meta] TARGET", then with -s
 * one line per match "0xOFFSET:$id: data" (-L adds the length, capped at the
 * 512 bytes yara keeps; -L alone prints "0xOFFSET:LEN:$id"). Lines of one
 * target are printed together when the target is done.
 *
 * yara's behaviours kept on purpose (each checked against yara 4.2.3):
 *   - -c counts every matching rule of a file, whatever -t/-i/-n say; -l N
 *     counts matching rules over the whole scan, also before filtering, and
 *     is checked after each rule, matching or not: a file stops at the rule
 *     that brings the count to N, every later file after its first rule
 *     (shown if it matches); which files come first depends on the threads;
 *   - -i replaces the -t filter; -t, -i and -d may be given 32 times each,
 *     any other option once ("too many `-s` options");
 *   - metadata strings print up to their first NUL, with C escapes (\n \t
 *     \" \' \\ and octal \ooo for other non-printable bytes);
 *   - -z and -p apply to folder scans only: a file named on the command line
 *     is scanned whatever its size or -p; -p 0 (or negative) scans no file of
 *     a folder; -p above 32 is an error;
 *   - files of a folder that cannot be opened are reported ("error scanning
 *     F: could not open file") but do not change the exit code; folders that
 *     cannot be read and broken symlinks inside a folder are passed over;
 *   - rule errors print as "FILE(LINE): error: MSG", or "error: rule "R" in
 *     FILE(LINE): MSG" when the error is inside rule R (the message text is
 *     assay's own, which names the token);
 *   - -C takes one compiled assay database (`assay db compile`), recognised by
 *     its magic; a source file there is "invalid compiled rules file.".
 * Extensions: size suffixes for -z (10M), `--option value` and prefixes of
 * long options (yara needs `--option=value`), rule folders, --skip-bad-rules,
 * --profile. Not supported: yara's -x, -D, -S, -k, --scan-list, process ids. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "util/buf.h"

#define YARA_DATA_MAX 512   /* bytes of a match yara keeps, prints and counts in -L */
#define YARA_HEX_MAX 64     /* bytes of a hex string's match it prints */
#define YARA_MAX_LIST 32    /* -t, -i and -d values, as yara */
#define YARA_MAX_THREADS 32 /* yara's limit for -p */
#define OVERSIZE_MAX_DEPTH 256 /* folder depth of the -z pre-walk */
#define RULES_TEXT_MAX ((size_t)64 << 20) /* rule files read to name a rule in an error */

static const char COMPILED_MAGIC[8] = "ASSAYDB"; /* docs/database-format.md: "ASSAYDB\0" */

/* Output of one scanned file, printed when the file is done. */
struct pending {
    char *path;          /* as the library names it (the key) */
    struct util_buf text;
    uint64_t matched;    /* matching rules so far (-c, -l) */
    bool stopped;        /* -l reached: nothing more is reported for this file */
    bool out_of_memory;  /* some output could not be kept */
    struct pending *next;
};

struct yara_cli {
    bool strings, lengths, meta, tags, negate, count, namespaces, no_warnings, compiled, fast;
    bool recursive, no_follow, skip_bad, profile;
    const char *tag_filter[YARA_MAX_LIST], *ident_filter[YARA_MAX_LIST], *defines[YARA_MAX_LIST];
    size_t ntags, nidents, ndefines;
    long long max_rules, threads, skip_larger;
    bool threads_given;
    unsigned long long matched_total; /* matching rules of the whole scan (-l) */
    const char *target;
    bool target_is_dir;
    struct pending *pending;
    bool error, out_of_memory;
};

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

/* ---- paths ----------------------------------------------------------------------- */

/* yara joins a folder and a name with '/' even when the folder ends with one
 * ("d/" gives "d//f"); the library does not. The name to print, malloc'd
 * (NULL when out of memory: print `path`). */
static char *display_path(const struct yara_cli *c, const char *path)
{
    size_t tlen = strlen(c->target);
    if (c->target_is_dir && tlen && c->target[tlen - 1] == '/' && strncmp(path, c->target, tlen) == 0) {
        size_t n = strlen(path) + 2;
        char *s = malloc(n);
        if (s)
            snprintf(s, n, "%s/%s", c->target, path + tlen);
        return s;
    }
    return strdup(path);
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
        c->out_of_memory = true;
        return NULL;
    }
    p->next = c->pending;
    c->pending = p;
    return p;
}

static void free_pending(struct pending *p)
{
    free(p->path);
    util_buf_free(&p->text);
    free(p);
}

/* Append to a file's output; the buffer doubles as it grows. */
static void put(struct pending *p, const char *s, size_t n)
{
    if (util_buf_append(&p->text, s, n) != 0)
        p->out_of_memory = true;
}

static void puts_(struct pending *p, const char *s)
{
    put(p, s, strlen(s));
}

static void putf(struct pending *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct pending *p, const char *fmt, ...)
{
    char buf[256];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof buf) {
        put(p, buf, (size_t)n);
    } else if (n > 0) { /* a long path: format again into a block of its size */
        char *big = malloc((size_t)n + 1);
        if (big && vsnprintf(big, (size_t)n + 1, fmt, again) == n)
            put(p, big, (size_t)n);
        else
            p->out_of_memory = true;
        free(big);
    }
    va_end(again);
}

/* ---- rule lines ------------------------------------------------------------------ */

/* A metadata string as yara prints it: up to the first NUL (yara keeps C
 * strings), C escapes for the usual controls and quotes, octal for the rest. */
static void put_escaped_meta(struct pending *p, const char *s, size_t n)
{
    static const char controls[] = "\a\b\t\n\v\f\r", names[] = "abtnvfr";
    for (size_t i = 0; i < n && s[i]; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *ctl = strchr(controls, ch);
        if (ch == '"' || ch == '\'' || ch == '\\')
            putf(p, "\\%c", ch);
        else if (ctl)
            putf(p, "\\%c", names[ctl - controls]);
        else if (ch >= 32 && ch <= 126)
            put(p, (const char *)&s[i], 1);
        else
            putf(p, "\\%03o", ch);
    }
}

/* The matched bytes as yara prints them: a hex string's as "41 42 ..." (64 at
 * most, then " ..."), others as text with \xNN for non-printable bytes. */
static void put_match_data(struct pending *p, const struct assay_evidence *e)
{
    static const char hex[] = "0123456789ABCDEF";
    char out[YARA_DATA_MAX * 4 + 8];
    size_t k = 0, n = e->bytes_len < YARA_DATA_MAX ? e->bytes_len : YARA_DATA_MAX;
    if (e->hex_string) {
        for (size_t i = 0; i < n && i < YARA_HEX_MAX; i++) {
            if (i)
                out[k++] = ' ';
            out[k++] = hex[e->bytes[i] >> 4];
            out[k++] = hex[e->bytes[i] & 15];
        }
        if (e->length > YARA_HEX_MAX) {
            memcpy(out + k, " ...", 4);
            k += 4;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = e->bytes[i];
            if (ch >= 32 && ch <= 126) {
                out[k++] = (char)ch;
            } else {
                out[k++] = '\\';
                out[k++] = 'x';
                out[k++] = hex[ch >> 4];
                out[k++] = hex[ch & 15];
            }
        }
    }
    put(p, out, k);
}

static bool listed(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* -i replaces -t (yara: a rule named by -i is shown whatever its tags). */
static bool selected(const struct yara_cli *c, const struct assay_finding *f)
{
    if (c->nidents)
        return listed(c->ident_filter, c->nidents, f->rule);
    if (!c->ntags)
        return true;
    for (size_t i = 0; i < f->tag_count; i++)
        if (listed(c->tag_filter, c->ntags, f->tags[i]))
            return true;
    return false;
}

static void put_tags(struct pending *p, const struct assay_finding *f)
{
    puts_(p, " [");
    for (size_t i = 0; i < f->tag_count; i++) {
        if (i)
            puts_(p, ",");
        puts_(p, f->tags[i]);
    }
    puts_(p, "]");
}

static void put_meta(struct pending *p, const struct assay_finding *f)
{
    puts_(p, " [");
    for (size_t i = 0; i < f->meta_count; i++) {
        const struct assay_meta *m = &f->metas[i];
        if (i)
            puts_(p, ",");
        puts_(p, m->name);
        if (m->kind == ASSAY_META_STRING) {
            puts_(p, "=\"");
            put_escaped_meta(p, m->string, m->string_len);
            puts_(p, "\"");
        } else if (m->kind == ASSAY_META_INTEGER) {
            putf(p, " =%lld", (long long)m->integer); /* yara 4.2 prints "name =value" */
        } else {
            putf(p, "=%s", m->integer ? "true" : "false");
        }
    }
    puts_(p, "]");
}

/* -s: "0xOFF:$id: data"; -L: "0xOFF:LEN:$id" (+ ": data" with -s). */
static void put_string_lines(const struct yara_cli *c, struct pending *p, const struct assay_finding *f)
{
    for (size_t i = 0; i < f->evidence_count; i++) {
        const struct assay_evidence *e = &f->evidence[i];
        if (e->kind != ASSAY_EVIDENCE_BYTES || !e->string_id)
            continue;
        uint64_t len = e->length < YARA_DATA_MAX ? e->length : YARA_DATA_MAX;
        if (c->lengths)
            putf(p, "0x%llx:%llu:%s", (unsigned long long)e->offset, (unsigned long long)len, e->string_id);
        else
            putf(p, "0x%llx:%s", (unsigned long long)e->offset, e->string_id);
        if (c->strings) {
            puts_(p, ": ");
            put_match_data(p, e);
        }
        puts_(p, "\n");
    }
}

static void put_rule(const struct yara_cli *c, struct pending *p, const struct assay_finding *f)
{
    if (c->namespaces)
        putf(p, "%s:", f->ns ? f->ns : "default");
    puts_(p, f->rule);
    if (c->tags)
        put_tags(p, f);
    if (c->meta)
        put_meta(p, f);
    char *shown = display_path(c, f->path);
    putf(p, " %s\n", shown ? shown : f->path);
    free(shown);
    if (c->strings || c->lengths)
        put_string_lines(c, p, f);
}

static void on_finding(void *user, const struct assay_finding *f)
{
    struct yara_cli *c = user;
    if (!f->engine || strcmp(f->engine, "yara") != 0)
        return;
    struct pending *p = pending_for(c, f->path);
    if (!p || p->stopped)
        return;
    if (f->matched) {
        p->matched++;
        c->matched_total++;
    }
    if (!c->count && f->matched != c->negate && selected(c, f))
        put_rule(c, p, f);
    /* yara checks -l after every rule, matching or not */
    if (c->max_rules > 0 && c->matched_total >= (unsigned long long)c->max_rules)
        p->stopped = true;
}

static void on_object_done(void *user, const char *path)
{
    struct yara_cli *c = user;
    struct pending **link = &c->pending, *p = NULL;
    while (*link && strcmp((*link)->path, path) != 0)
        link = &(*link)->next;
    p = *link;
    if (c->count) {
        unsigned long long n = p ? p->matched : 0;
        if (!c->target_is_dir) {
            printf("%llu\n", n);
        } else {
            char *shown = display_path(c, path);
            printf("%s: %llu\n", shown ? shown : path, n);
            free(shown);
        }
    } else if (p && p->text.len) {
        fwrite(p->text.data, 1, p->text.len, stdout);
    }
    if (p) {
        c->out_of_memory |= p->out_of_memory;
        *link = p->next;
        free_pending(p);
    }
}

/* ---- problems while scanning --------------------------------------------------------- */

static bool is_folder(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool cannot_open(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return true;
    close(fd);
    return false;
}

/* yara passes over folders it cannot read and broken symlinks inside a
 * folder, prints other failures as "error scanning F: could not open file"
 * (or the reason), and fails only when the named file itself failed. */
static void on_problem(void *user, const struct assay_problem *p)
{
    struct yara_cli *c = user;
    if (p->warning) {
        if (!c->no_warnings)
            fprintf(stderr, "warning: %s: %s\n", p->path, p->reason);
        return;
    }
    bool named = strcmp(p->path, c->target) == 0;
    struct stat st;
    if (is_folder(p->path) || (!named && stat(p->path, &st) != 0))
        return;
    char *shown = display_path(c, p->path);
    bool opening = p->code == ASSAY_EIO && cannot_open(p->path);
    fprintf(stderr, "error scanning %s: %s\n", shown ? shown : p->path, opening ? "could not open file" : p->reason);
    free(shown);
    if (named)
        c->error = true;
    else if (opening && c->count)
        on_object_done(c, p->path); /* yara counts 0 for a file of a folder it could not open */
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

/* ---- rule errors and warnings in yara's shape -------------------------------------- */

/* "FILE:LINE:COL: REST" (assay's position prefix): where FILE ends, the line,
 * the column and the rest. False when the message has no position. */
static bool split_position(const char *msg, size_t *file_len, unsigned *line, unsigned *col, const char **rest)
{
    for (const char *s = strchr(msg, ':'); s; s = strchr(s + 1, ':')) {
        char *end;
        if (!isdigit((unsigned char)s[1]))
            continue;
        unsigned long l = strtoul(s + 1, &end, 10);
        if (*end != ':' || !isdigit((unsigned char)end[1]))
            continue;
        unsigned long k = strtoul(end + 1, &end, 10);
        if (end[0] != ':' || end[1] != ' ' || l > UINT_MAX || k > UINT_MAX)
            continue;
        *file_len = (size_t)(s - msg);
        *line = (unsigned)l;
        *col = (unsigned)k;
        *rest = end + 2;
        return true;
    }
    return false;
}

struct cursor {
    const char *p, *end;
    unsigned line, col;
};

static void step(struct cursor *k)
{
    if (*k->p == '\n') {
        k->line++;
        k->col = 1;
    } else {
        k->col++;
    }
    k->p++;
}

static bool before(const struct cursor *k, unsigned line, unsigned col)
{
    return k->p < k->end && (k->line < line || (k->line == line && k->col < col));
}

/* A "..." string or a /regex/ (with [classes]) up to its end or the line's end. */
static void skip_quoted(struct cursor *k, char close)
{
    bool in_class = false;
    step(k);
    while (k->p < k->end && *k->p != '\n') {
        char ch = *k->p;
        if (ch == '\\' && k->p + 1 < k->end && k->p[1] != '\n') {
            step(k);
        } else if (close == '/' && ch == '[') {
            in_class = true;
        } else if (close == '/' && ch == ']') {
            in_class = false;
        } else if (ch == close && !in_class) {
            step(k);
            return;
        }
        step(k);
    }
}

static void skip_comment(struct cursor *k)
{
    bool block = k->p[1] == '*';
    step(k);
    step(k);
    while (k->p < k->end) {
        if (!block && *k->p == '\n')
            return;
        if (block && *k->p == '*' && k->p + 1 < k->end && k->p[1] == '/') {
            step(k);
            step(k);
            return;
        }
        step(k);
    }
}

/* The rule whose declaration encloses LINE:COL of a rules text (the name is
 * read, its closing brace is not). Comments, strings and regexes are skipped;
 * '/' inside a rule body starts a regex (YARA divides with '\'). */
static bool rule_enclosing(const char *text, size_t len, unsigned line, unsigned col, char *name, size_t size)
{
    struct cursor k = {.p = text, .end = text + len, .line = 1, .col = 1};
    unsigned depth = 0;
    bool in_rule = false, want_name = false;
    while (before(&k, line, col)) {
        char ch = *k.p, next = k.p + 1 < k.end ? k.p[1] : 0;
        if (ch == '/' && (next == '/' || next == '*')) {
            skip_comment(&k);
        } else if (ch == '"' || (ch == '/' && depth > 0)) {
            skip_quoted(&k, ch);
        } else if (ch == '{' || ch == '}') {
            if (ch == '{')
                depth++;
            else if (depth > 0 && --depth == 0)
                in_rule = false;
            step(&k);
        } else if (isalpha((unsigned char)ch) || ch == '_') {
            const char *word = k.p;
            while (k.p < k.end && (isalnum((unsigned char)*k.p) || *k.p == '_'))
                step(&k);
            size_t n = (size_t)(k.p - word);
            if (depth == 0 && want_name) {
                snprintf(name, size, "%.*s", (int)n, word);
                in_rule = true;
                want_name = false;
            } else if (depth == 0) {
                want_name = n == 4 && memcmp(word, "rule", 4) == 0;
            }
        } else {
            step(&k);
        }
    }
    return in_rule;
}

static bool rule_in_file(const char *path, unsigned line, unsigned col, char *name, size_t size)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    struct util_buf text = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && text.len < RULES_TEXT_MAX)
        if (util_buf_append(&text, chunk, n) != 0)
            break;
    fclose(fp);
    bool found = text.data && rule_enclosing((const char *)text.data, text.len, line, col, name, size);
    util_buf_free(&text);
    return found;
}

static void print_rules_error(const char *msg)
{
    size_t flen;
    unsigned line, col;
    const char *rest;
    if (!split_position(msg, &flen, &line, &col, &rest)) {
        fprintf(stderr, "error: %s\n", msg);
        return;
    }
    char *file = strndup(msg, flen), rule[256];
    if (file && rule_in_file(file, line, col, rule, sizeof rule))
        fprintf(stderr, "error: rule \"%s\" in %s(%u): %s\n", rule, file, line, rest);
    else
        fprintf(stderr, "%.*s(%u): error: %s\n", (int)flen, msg, line, rest);
    free(file);
}

/* "FILE:L:C: warning: rule "R": MSG" -> "warning: rule "R" in FILE(L): MSG". */
static void print_warning(void *user, const char *message)
{
    const struct yara_cli *c = user;
    if (c->no_warnings)
        return;
    size_t flen;
    unsigned line, col;
    const char *rest;
    static const char head[] = "warning: rule \"";
    const char *name_end;
    if (split_position(message, &flen, &line, &col, &rest) && strncmp(rest, head, sizeof head - 1) == 0 &&
        (name_end = strstr(rest + sizeof head - 1, "\": ")) != NULL) {
        const char *name = rest + sizeof head - 1;
        fprintf(stderr, "warning: rule \"%.*s\" in %.*s(%u): %s\n", (int)(name_end - name), name, (int)flen, message,
                line, name_end + 3);
        return;
    }
    fprintf(stderr, "%s\n", message);
}

/* ---- -z: yara names each file of a folder it skips ------------------------------------ */

struct walk_frame {
    dev_t dev;
    ino_t ino;
    const struct walk_frame *up;
};

static bool visited(const struct walk_frame *f, const struct stat *st)
{
    for (; f; f = f->up)
        if (f->dev == st->st_dev && f->ino == st->st_ino)
            return true;
    return false;
}

/* Walks the folder as the scan does (-r, -N) and prints, for each regular
 * file larger than the limit, yara's "skipping" line; the scan itself skips
 * them (max_filesize). */
static void report_oversized(const struct yara_cli *c, const char *dir, const struct walk_frame *up, unsigned depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        if (!path)
            break;
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat st;
        bool ok = lstat(path, &st) == 0 && (!S_ISLNK(st.st_mode) || (!c->no_follow && stat(path, &st) == 0));
        if (ok && S_ISREG(st.st_mode) && st.st_size > c->skip_larger) {
            fprintf(stderr, "skipping %s (%lld bytes) because it's larger than %lld bytes.\n", path,
                    (long long)st.st_size, c->skip_larger);
        } else if (ok && S_ISDIR(st.st_mode) && c->recursive && depth < OVERSIZE_MAX_DEPTH && !visited(up, &st)) {
            struct walk_frame here = {.dev = st.st_dev, .ino = st.st_ino, .up = up};
            report_oversized(c, path, &here, depth + 1);
        }
        free(path);
    }
    closedir(d);
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

/* One option; -1 to go on, else the exit status. */
static int take_option(struct yara_cli *c, int ch, int longindex, int *seen)
{
    long long ignored;
    if (ch != 'd' && ch != 't' && ch != 'i' && ch > 0 && ch < 256 && seen[ch]++) {
        char name[64];
        option_name(ch, longindex, name, sizeof name);
        fprintf(stderr, "too many `%s` options\n", name);
        return 1;
    }
    switch (ch) {
    case 'C': c->compiled = true; break;
    case 'c': c->count = true; break;
    case 'd': return add_to_list(c->defines, &c->ndefines, optarg, ch) ? -1 : 1;
    case 'e': c->namespaces = true; break;
    case 'f': c->fast = true; break;
    case 'g': c->tags = true; break;
    case 'i': return add_to_list(c->ident_filter, &c->nidents, optarg, ch) ? -1 : 1;
    case 't': return add_to_list(c->tag_filter, &c->ntags, optarg, ch) ? -1 : 1;
    case 'l': return int_option(optarg, ch, longindex, &c->max_rules) ? -1 : 1;
    case 'L': c->lengths = true; break;
    case 'm': c->meta = true; break;
    case 'n': c->negate = true; break;
    case 'N': c->no_follow = true; break;
    case 'p':
        c->threads_given = true;
        return int_option(optarg, ch, longindex, &c->threads) ? -1 : 1;
    case 'r': c->recursive = true; break;
    case 's': c->strings = true; break;
    case 'w': c->no_warnings = true; break;
    case 'z': return int_option(optarg, ch, longindex, &c->skip_larger) ? -1 : 1;
    case 'a': return int_option(optarg, ch, longindex, &ignored) ? -1 : 1;
    case OPT_SKIP_BAD: c->skip_bad = true; break;
    case OPT_PROFILE: c->profile = true; break;
    case 'h': usage(stdout); return 0;
    case 'v': printf("assay %s (yara-compatible command line)\n", ASSAY_VERSION); return 0;
    default: return 1;
    }
    return -1;
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

static int load_sources(const struct yara_cli *c, assay_db *db, char **args, int count)
{
    if (apply_defines(c, db) != 0)
        return 1;
    for (int i = 0; i < count; i++) {
        char ns[256];
        const char *path = split_namespace(args[i], ns, sizeof ns);
        struct assay_load_options lo = {.skip_bad_signatures = c->skip_bad, .yara_namespace = path ? ns : NULL};
        if (!path)
            path = args[i];
        if (cannot_open(path)) {
            fprintf(stderr, "error: could not open file: %s\n", path);
            return 1;
        }
        if (assay_db_load_yara(db, path, &lo) != ASSAY_OK) {
            print_rules_error(assay_last_error());
            return 1;
        }
    }
    return 0;
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
        print_rules_error(assay_last_error());
    return rc == ASSAY_OK ? 0 : 1;
}

/* ---- scanning ---------------------------------------------------------------------- */

static int run_scan(struct yara_cli *c, const assay_db *db)
{
    struct assay_scan_options o;
    assay_scan_options_init(&o);
    o.scan_archives = false;
    o.follow_symlinks = !c->no_follow;
    o.no_subfolders = !c->recursive;
    o.fast_mode = c->fast;
    o.report_nonmatching = c->negate || c->max_rules > 0; /* -l: see on_finding */
    o.profile = c->profile;
    o.threads = 1;
    if (c->target_is_dir) {
        if (c->threads_given && c->threads <= 0)
            return 0; /* yara starts no scanning thread: no file of the folder is scanned */
        o.threads = c->threads_given ? (unsigned)c->threads : 0;
        struct stat st;
        if (c->skip_larger > 0 && stat(c->target, &st) == 0) {
            o.max_filesize = (uint64_t)c->skip_larger;
            struct walk_frame root = {.dev = st.st_dev, .ino = st.st_ino};
            report_oversized(c, c->target, &root, 0);
        }
    }
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = c,
                                      .message = on_message, .object_done = on_object_done,
                                      .profile = on_profile};
    struct assay_scan_summary sum = {0};
    if (assay_scan_paths(db, &c->target, 1, &o, &cb, &sum) != ASSAY_OK) {
        cli_error("scan");
        return 1;
    }
    if (c->out_of_memory)
        fprintf(stderr, "error: out of memory\n");
    return c->error || c->out_of_memory ? 1 : 0;
}

int cmd_yara(int argc, char **argv)
{
    struct yara_cli c = {0};
    int status = parse_args(&c, argc, argv);
    int nargs = argc - optind;
    if (status >= 0)
        goto done;
    status = 1;
    if (c.threads_given && c.threads > YARA_MAX_THREADS) {
        fprintf(stderr, "maximum number of threads is %d\n", YARA_MAX_THREADS);
        goto done;
    }
    if (nargs < 2) {
        wrong_arguments();
        goto done;
    }
    if (c.compiled && nargs > 2) {
        fprintf(stderr, "error: can't accept multiple rules files if one of them is in compiled form.\n");
        goto done;
    }
    c.target = argv[argc - 1];
    c.target_is_dir = is_folder(c.target);
    assay_db *db = assay_db_new();
    if (!db) {
        cli_error(NULL);
        goto done;
    }
    assay_db_set_warning_handler(db, print_warning, &c);
    status = c.compiled ? load_compiled(&c, db, argv[optind]) : load_sources(&c, db, argv + optind, nargs - 1);
    if (status == 0)
        status = finalize(db);
    if (status == 0)
        status = run_scan(&c, db);
    assay_db_free(db);
done:
    while (c.pending) {
        struct pending *p = c.pending;
        c.pending = p->next;
        free_pending(p);
    }
    fflush(stdout);
    return status;
}
