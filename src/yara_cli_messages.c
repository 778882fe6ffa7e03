/* yara_cli_messages.c — `assay yara`'s errors and warnings, reshaped as yara
 * 4.2.3 prints them on standard error.
 *
 *   - rule errors: assay's "FILE:LINE:COL: MSG" prints as "FILE(LINE): error:
 *     MSG", or "error: rule "R" in FILE(LINE): MSG" when the position is
 *     inside rule R (the message text is assay's own, which names the token).
 *     To find R, the rule file is read again (64 MiB at most) and scanned up
 *     to the position: comments, strings and regexes are skipped, the name
 *     after "rule" is kept (255 characters at most);
 *   - rule warnings "FILE:L:C: warning: rule "R": MSG" print as
 *     "warning: rule "R" in FILE(L): MSG" (none with -w);
 *   - scan problems: files of a folder that cannot be opened are reported
 *     ("error scanning F: could not open file") but do not change the exit
 *     code; folders that cannot be read and broken symlinks inside a folder
 *     are passed over; only the named target failing makes the run fail;
 *   - -z: each file of the folder over the limit is named ("skipping F (N
 *     bytes) because it's larger than L bytes."), found by a walk of the
 *     folder as the scan does it (-r, -N), 256 folders deep at most, each
 *     folder once per branch (symlink loops). */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "yara_cli.h"

#define OVERSIZE_MAX_DEPTH 256 /* folder depth of the -z pre-walk */
#define RULES_TEXT_MAX ((size_t)64 << 20) /* rule files read to name a rule in an error */

/* ---- problems while scanning --------------------------------------------------------- */

/* yara passes over folders it cannot read and broken symlinks inside a
 * folder, prints other failures as "error scanning F: could not open file"
 * (or the reason), and fails only when the named file itself failed. */
void yara_cli_on_problem(void *user, const struct assay_problem *p)
{
    struct yara_cli *c = user;
    if (p->warning) {
        if (!c->no_warnings)
            fprintf(stderr, "warning: %s: %s\n", p->path, p->reason);
        return;
    }
    bool named = strcmp(p->path, c->target) == 0;
    struct stat st;
    if (yara_cli_is_folder(p->path) || (!named && stat(p->path, &st) != 0))
        return;
    char *shown = yara_cli_display_path(c, p->path);
    bool opening = p->code == ASSAY_EIO && yara_cli_cannot_open(p->path);
    fprintf(stderr, "error scanning %s: %s\n", shown ? shown : p->path, opening ? "could not open file" : p->reason);
    free(shown);
    if (named)
        c->error = true;
    else if (opening && c->count)
        yara_cli_on_object_done(c, p->path); /* yara counts 0 for a file of a folder it could not open */
}

/* ---- positions in assay's messages ------------------------------------------------- */

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

/* ---- the rule around a position ------------------------------------------------------ */

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

/* An identifier at the cursor, stepped over: its start and length. */
static size_t read_word(struct cursor *k, const char **word)
{
    *word = k->p;
    while (k->p < k->end && (isalnum((unsigned char)*k->p) || *k->p == '_'))
        step(k);
    return (size_t)(k->p - *word);
}

/* What the scanner knows of the declarations read so far. */
struct rule_state {
    unsigned depth; /* of braces */
    bool in_rule;   /* the enclosing rule's name was read, its closing brace not */
    bool want_name; /* "rule" was the last word at depth 0 */
};

static void take_brace(struct rule_state *s, char brace)
{
    if (brace == '{')
        s->depth++;
    else if (s->depth > 0 && --s->depth == 0)
        s->in_rule = false;
}

/* Words matter outside braces only: "rule" and the name after it. */
static void take_word(struct rule_state *s, const char *word, size_t n, char *name, size_t size)
{
    if (s->depth != 0)
        return;
    if (s->want_name) {
        snprintf(name, size, "%.*s", (int)n, word);
        s->in_rule = true;
        s->want_name = false;
    } else {
        s->want_name = n == 4 && memcmp(word, "rule", 4) == 0;
    }
}

/* The rule whose declaration encloses LINE:COL of a rules text (the name is
 * read, its closing brace is not). Comments, strings and regexes are skipped;
 * '/' inside a rule body starts a regex (YARA divides with '\'). */
static bool rule_enclosing(const char *text, size_t len, unsigned line, unsigned col, char *name, size_t size)
{
    struct cursor k = {.p = text, .end = text + len, .line = 1, .col = 1};
    struct rule_state s = {0};
    while (before(&k, line, col)) {
        char ch = *k.p, next = k.p + 1 < k.end ? k.p[1] : 0;
        if (ch == '/' && (next == '/' || next == '*')) {
            skip_comment(&k);
        } else if (ch == '"' || (ch == '/' && s.depth > 0)) {
            skip_quoted(&k, ch);
        } else if (ch == '{' || ch == '}') {
            take_brace(&s, ch);
            step(&k);
        } else if (isalpha((unsigned char)ch) || ch == '_') {
            const char *word;
            size_t n = read_word(&k, &word);
            take_word(&s, word, n, name, size);
        } else {
            step(&k);
        }
    }
    return s.in_rule;
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

/* ---- rule errors and warnings ------------------------------------------------------- */

static void print_rules_error_line(const char *msg);

/* A rule file's errors come one per line, as yara prints them. */
void yara_cli_print_rules_error(const char *msg)
{
    const char *nl;
    while ((nl = strchr(msg, '\n')) != NULL) {
        char *line = strndup(msg, (size_t)(nl - msg));
        if (line)
            print_rules_error_line(line);
        free(line);
        msg = nl + 1;
    }
    print_rules_error_line(msg);
}

static void print_rules_error_line(const char *msg)
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

/* "warning: rule "R": MSG" -> R (its start and length) and MSG. */
static bool split_rule_warning(const char *rest, const char **name, int *name_len, const char **text)
{
    static const char head[] = "warning: rule \"";
    if (strncmp(rest, head, sizeof head - 1) != 0)
        return false;
    *name = rest + sizeof head - 1;
    const char *name_end = strstr(*name, "\": ");
    if (!name_end)
        return false;
    *name_len = (int)(name_end - *name);
    *text = name_end + 3;
    return true;
}

/* "FILE:L:C: warning: rule "R": MSG" -> "warning: rule "R" in FILE(L): MSG";
 * any other warning as it is. */
void yara_cli_print_warning(void *user, const char *message)
{
    const struct yara_cli *c = user;
    if (c->no_warnings)
        return;
    size_t flen;
    unsigned line, col;
    const char *rest, *name, *text;
    int name_len;
    if (split_position(message, &flen, &line, &col, &rest) && split_rule_warning(rest, &name, &name_len, &text)) {
        fprintf(stderr, "warning: rule \"%.*s\" in %.*s(%u): %s\n", name_len, name, (int)flen, message, line, text);
        return;
    }
    fprintf(stderr, "%s\n", message);
}

/* ---- -z: yara names each file of a folder it skips ------------------------------------ */

/* The folders from the target down to the one being read (loop check). */
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

static void report_folder(const struct yara_cli *c, const char *dir, const struct walk_frame *up, unsigned depth);

/* One entry of a folder: named when it is a file over the limit, walked
 * when it is a folder and -r is given. */
static void report_entry(const struct yara_cli *c, const char *path, const struct walk_frame *up, unsigned depth)
{
    struct stat st;
    bool ok = lstat(path, &st) == 0 && (!S_ISLNK(st.st_mode) || (!c->no_follow && stat(path, &st) == 0));
    if (ok && S_ISREG(st.st_mode) && st.st_size > c->skip_larger) {
        fprintf(stderr, "skipping %s (%lld bytes) because it's larger than %lld bytes.\n", path,
                (long long)st.st_size, c->skip_larger);
    } else if (ok && S_ISDIR(st.st_mode) && c->recursive && depth < OVERSIZE_MAX_DEPTH && !visited(up, &st)) {
        struct walk_frame here = {.dev = st.st_dev, .ino = st.st_ino, .up = up};
        report_folder(c, path, &here, depth + 1);
    }
}

/* Walks the folder as the scan does (-r, -N); the scan itself skips the
 * files over the limit (max_filesize). */
static void report_folder(const struct yara_cli *c, const char *dir, const struct walk_frame *up, unsigned depth)
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
        report_entry(c, path, up, depth);
        free(path);
    }
    closedir(d);
}

void yara_cli_report_oversized(const struct yara_cli *c, const struct stat *root)
{
    struct walk_frame top = {.dev = root->st_dev, .ino = root->st_ino};
    report_folder(c, c->target, &top, 0);
}
