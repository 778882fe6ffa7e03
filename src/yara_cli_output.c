/* yara_cli_output.c — `assay yara`'s results, printed as yara 4.2.3 prints
 * them; these are the scan's finding, object-done, message and profile
 * callbacks.
 *
 * Output per reported rule: "[ns:]RULE [tags] [meta] TARGET", then with -s
 * one line per match "0xOFFSET:$id: data" (-L adds the length, capped at the
 * 512 bytes yara keeps; -L alone prints "0xOFFSET:LEN:$id"). Lines of one
 * target are kept in a buffer and printed together when the target is done.
 *
 * yara's behaviours kept on purpose (each checked against yara 4.2.3):
 *   - -c counts every matching rule of a file, whatever -t/-i/-n say; -l N
 *     counts matching rules over the whole scan, also before filtering, and
 *     is checked after each rule, matching or not: a file stops at the rule
 *     that brings the count to N, every later file after its first rule
 *     (shown if it matches); which files come first depends on the threads;
 *   - -i replaces the -t filter;
 *   - metadata strings print up to their first NUL, with C escapes (\n \t
 *     \" \' \\ and octal \ooo for other non-printable bytes);
 *   - a hex string's match prints as hex bytes, 64 at most, then " ...";
 *   - a folder named with a trailing '/' prints its files as "d//f".
 * Limits: output that cannot be kept (out of memory) sets out_of_memory,
 * which makes the run fail. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "yara_cli.h"

#define YARA_DATA_MAX 512 /* bytes of a match yara keeps, prints and counts in -L */
#define YARA_HEX_MAX 64   /* bytes of a hex string's match it prints */

/* Output of one scanned file, printed when the file is done. */
struct pending_output {
    char *path;          /* as the library names it (the key) */
    struct util_buf text;
    uint64_t matched;    /* matching rules so far (-c, -l) */
    bool stopped;        /* -l reached: nothing more is reported for this file */
    bool out_of_memory;  /* some output could not be kept */
    struct pending_output *next;
};

/* ---- paths ----------------------------------------------------------------------- */

/* yara joins a folder and a name with '/' even when the folder ends with one
 * ("d/" gives "d//f"); the library does not. */
char *yara_cli_display_path(const struct yara_cli *c, const char *path)
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

/* The output of `path`, created on its first finding (NULL when out of memory). */
static struct pending_output *pending_for(struct yara_cli *c, const char *path)
{
    for (struct pending_output *p = c->pending; p; p = p->next)
        if (strcmp(p->path, path) == 0)
            return p;
    struct pending_output *p = calloc(1, sizeof *p);
    if (!p || !(p->path = strdup(path))) {
        free(p);
        c->out_of_memory = true;
        return NULL;
    }
    p->next = c->pending;
    c->pending = p;
    return p;
}

/* Unlinks the output of `path` from the list; NULL when it has none. */
static struct pending_output *take_pending(struct yara_cli *c, const char *path)
{
    struct pending_output **link = &c->pending;
    while (*link && strcmp((*link)->path, path) != 0)
        link = &(*link)->next;
    struct pending_output *p = *link;
    if (p)
        *link = p->next;
    return p;
}

static void free_pending(struct pending_output *p)
{
    free(p->path);
    util_buf_free(&p->text);
    free(p);
}

void yara_cli_free_pending_outputs(struct yara_cli *c)
{
    while (c->pending) {
        struct pending_output *p = c->pending;
        c->pending = p->next;
        free_pending(p);
    }
}

/* Append to a file's output; the buffer doubles as it grows. */
static void put(struct pending_output *p, const char *s, size_t n)
{
    if (util_buf_append(&p->text, s, n) != 0)
        p->out_of_memory = true;
}

static void puts_(struct pending_output *p, const char *s)
{
    put(p, s, strlen(s));
}

static void putf(struct pending_output *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct pending_output *p, const char *fmt, ...)
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

/* ---- match data and metadata ------------------------------------------------------ */

static const char HEX_DIGITS[] = "0123456789ABCDEF";

/* A metadata string as yara prints it: up to the first NUL (yara keeps C
 * strings), C escapes for the usual controls and quotes, octal for the rest. */
static void put_escaped_meta(struct pending_output *p, const char *s, size_t n)
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

/* A hex string's match: "41 42 ..." (64 bytes at most, then " ..."). The
 * number of characters written to `out`. */
static size_t format_hex_match(const struct assay_evidence *e, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < YARA_HEX_MAX; i++) {
        if (i)
            out[k++] = ' ';
        out[k++] = HEX_DIGITS[e->bytes[i] >> 4];
        out[k++] = HEX_DIGITS[e->bytes[i] & 15];
    }
    if (e->length > YARA_HEX_MAX) {
        memcpy(out + k, " ...", 4);
        k += 4;
    }
    return k;
}

/* Any other match: text, \xNN for non-printable bytes. The number of
 * characters written to `out`. */
static size_t format_text_match(const uint8_t *bytes, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = bytes[i];
        if (ch >= 32 && ch <= 126) {
            out[k++] = (char)ch;
        } else {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = HEX_DIGITS[ch >> 4];
            out[k++] = HEX_DIGITS[ch & 15];
        }
    }
    return k;
}

/* The matched bytes (512 at most) as yara prints them. */
static void put_match_data(struct pending_output *p, const struct assay_evidence *e)
{
    char out[YARA_DATA_MAX * 4 + 8];
    size_t n = e->bytes_len < YARA_DATA_MAX ? e->bytes_len : YARA_DATA_MAX;
    size_t k = e->hex_string ? format_hex_match(e, n, out) : format_text_match(e->bytes, n, out);
    put(p, out, k);
}

/* ---- rule lines ------------------------------------------------------------------ */

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

static void put_tags(struct pending_output *p, const struct assay_finding *f)
{
    puts_(p, " [");
    for (size_t i = 0; i < f->tag_count; i++) {
        if (i)
            puts_(p, ",");
        puts_(p, f->tags[i]);
    }
    puts_(p, "]");
}

static void put_meta_value(struct pending_output *p, const struct assay_meta *m)
{
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

static void put_meta(struct pending_output *p, const struct assay_finding *f)
{
    puts_(p, " [");
    for (size_t i = 0; i < f->meta_count; i++) {
        if (i)
            puts_(p, ",");
        puts_(p, f->metas[i].name);
        put_meta_value(p, &f->metas[i]);
    }
    puts_(p, "]");
}

/* -s: "0xOFF:$id: data"; -L: "0xOFF:LEN:$id" (+ ": data" with -s). */
static void put_string_lines(const struct yara_cli *c, struct pending_output *p, const struct assay_finding *f)
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

static void put_rule(const struct yara_cli *c, struct pending_output *p, const struct assay_finding *f)
{
    if (c->namespaces)
        putf(p, "%s:", f->ns ? f->ns : "default");
    puts_(p, f->rule);
    if (c->tags)
        put_tags(p, f);
    if (c->meta)
        put_meta(p, f);
    char *shown = yara_cli_display_path(c, f->path);
    putf(p, " %s\n", shown ? shown : f->path);
    free(shown);
    if (c->strings || c->lengths)
        put_string_lines(c, p, f);
}

/* ---- scan callbacks ---------------------------------------------------------------- */

void yara_cli_on_finding(void *user, const struct assay_finding *f)
{
    struct yara_cli *c = user;
    if (!f->engine || strcmp(f->engine, "yara") != 0)
        return;
    struct pending_output *p = pending_for(c, f->path);
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

/* -c: "N" for a named file, "PATH: N" for each file of a folder. */
static void print_count(const struct yara_cli *c, const char *path, unsigned long long n)
{
    if (!c->target_is_dir) {
        printf("%llu\n", n);
        return;
    }
    char *shown = yara_cli_display_path(c, path);
    printf("%s: %llu\n", shown ? shown : path, n);
    free(shown);
}

void yara_cli_on_object_done(void *user, const char *path)
{
    struct yara_cli *c = user;
    struct pending_output *p = take_pending(c, path);
    if (c->count)
        print_count(c, path, p ? p->matched : 0);
    else if (p && p->text.len)
        fwrite(p->text.data, 1, p->text.len, stdout);
    if (p) {
        c->out_of_memory |= p->out_of_memory;
        free_pending(p);
    }
}

/* Lines printed by the rules (the console module). */
void yara_cli_on_message(void *user, const char *path, const char *text)
{
    (void)user;
    (void)path;
    printf("%s\n", text);
}

void yara_cli_on_profile(void *user, const struct assay_rule_cost *costs, size_t count)
{
    (void)user;
    cli_print_profile(costs, count, 20);
}
