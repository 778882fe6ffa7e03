/* yara_cases.c — YARA compatibility driver: runs the cases of
 * ../shared/yara-tests (cases.json and cases-<module>.json) through the public
 * libassay API and checks each expectation; see docs/yara-compat.md.
 *
 * usage: yara_cases [DATA_DIR] [--verbose] [--only FILE] [--case LINE]
 *                   [--no-fork] [--timeout SECONDS] [--compiled]
 * DATA_DIR defaults to $ASSAY_SHARED/yara-tests.
 * --compiled: every database that compiles is saved to a temporary compiled
 * file (assay_db_save) and loaded back from it (assay_db_load) before the
 * scan, so the cases check compiled rules too.
 *
 * Each case runs in a forked child (unless --no-fork or --case), so a crash,
 * a hang or a sanitizer report in the library fails that case and not the run.
 * Exit: 0 all bars met, 1 a bar not met (or, with --case, the case failed),
 * 2 usage error, 77 (meson: skipped) when the data folder does not exist. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "assay.h"
#include "yara/lexer.h"
#include "yara/rules.h"

/* ------------------------------------------------------------------------- */
/* Small utilities */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "yara_cases: out of memory\n");
        exit(2);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xrealloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

/* Bytes for display: printable ASCII as is, the rest as \xHH, cut at `max`. */
static void put_escaped(FILE *out, const uint8_t *p, size_t n, size_t max)
{
    size_t shown = n < max ? n : max;
    fputc('"', out);
    for (size_t i = 0; i < shown; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, out);
        else
            fprintf(out, "\\x%02x", c);
    }
    fputc('"', out);
    if (shown < n)
        fprintf(out, "...(%zu bytes)", n);
}

static void snprint_escaped(char *dst, size_t size, const uint8_t *p, size_t n, size_t max)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(dst, size, "?");
        return;
    }
    put_escaped(f, p, n, max);
    fclose(f);
    snprintf(dst, size, "%s", buf ? buf : "?");
    free(buf);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode a hex string; whitespace is ignored. Returns false on bad input. */
static bool hex_decode(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    uint8_t *buf = xrealloc(NULL, n / 2 + 1);
    size_t len = 0;
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i]))
            continue;
        int v = hexval((unsigned char)s[i]);
        if (v < 0) {
            free(buf);
            return false;
        }
        if (hi < 0) {
            hi = v;
        } else {
            buf[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(buf);
        return false;
    }
    *out = buf;
    *out_len = len;
    return true;
}

/* A JSON string as bytes: when it is UTF-8 whose code points are all
 * <= U+00FF, each code point is one byte (so "\u00e9" is the byte 0xE9);
 * otherwise the UTF-8 bytes themselves. */
static void json_bytes(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    uint8_t *buf = xrealloc(NULL, n + 1);
    size_t len = 0;
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            buf[len++] = p[i++];
        } else if ((p[i] == 0xC2 || p[i] == 0xC3) && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
            buf[len++] = (uint8_t)(((p[i] & 0x03) << 6) | (p[i + 1] & 0x3F));
            i += 2;
        } else {
            memcpy(buf, s, n); /* not latin-1 range: keep the raw bytes */
            len = n;
            break;
        }
    }
    *out = buf;
    *out_len = len;
}

static bool read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool ok = !ferror(f);
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *out = buf;
    *out_len = len;
    return true;
}

/* The rule text on one line (blank runs collapsed), cut at `max` chars. */
static void one_line(char *dst, size_t size, const char *s, size_t n, size_t max)
{
    size_t o = 0;
    bool blank = false;
    for (size_t i = 0; i < n && o + 4 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isspace(c) || c == 0) {
            blank = true;
            continue;
        }
        if (blank && o > 0)
            dst[o++] = ' ';
        blank = false;
        if (o >= max) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        dst[o++] = (char)c;
    }
    dst[o] = 0;
}

/* ------------------------------------------------------------------------- */
/* One case */

enum verdict { V_PASS, V_FAIL, V_WRONG_CODE, V_NA, V_EXCLUDED };

static const char *verdict_word(enum verdict v)
{
    switch (v) {
    case V_PASS: return "PASS";
    case V_FAIL: return "FAIL";
    case V_WRONG_CODE: return "FAIL";
    case V_NA: return "N/A";
    case V_EXCLUDED: return "SKIP";
    }
    return "?";
}

struct result {
    enum verdict v;
    char why[1024];
};

static void set_result(struct result *r, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_result(struct result *r, enum verdict v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->v = v;
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
}

struct ev_copy {
    uint64_t offset, length;
    uint8_t *bytes;
    size_t bytes_len;
    bool truncated;
};

struct scan_state {
    FILE *dump;                /* NULL: no detail output */
    /* distinct "ns:rule" names of matched YARA findings */
    char **matched;
    size_t n_matched;
    size_t yara_findings, other_findings, nonmatching_reports;
    /* evidence of "$a" in matched YARA findings */
    struct ev_copy *a_ev;
    size_t n_a_ev;
    /* problems */
    size_t problems, problem_warnings;
    char first_problem[512];
};

struct warn_state {
    FILE *dump;
    size_t count;
    char first[512];
};

static void on_warning(void *user, const char *message)
{
    struct warn_state *w = user;
    if (w->count == 0)
        snprintf(w->first, sizeof w->first, "%s", message ? message : "(null)");
    w->count++;
    if (w->dump)
        fprintf(w->dump, "  warning: %s\n", message ? message : "(null)");
}

static void on_finding(void *user, const struct assay_finding *f)
{
    struct scan_state *s = user;
    bool yara = f->engine && strcmp(f->engine, "yara") == 0;
    const char *ns = f->ns ? f->ns : "";
    const char *rule = f->rule ? f->rule : "(null)";

    if (s->dump) {
        fprintf(s->dump, "  finding: engine=%s ns=%s rule=%s matched=%s verdict=%s evidence=%zu\n",
                f->engine ? f->engine : "(null)", ns, rule, f->matched ? "true" : "false",
                f->verdict ? f->verdict : "(null)", f->evidence_count);
        for (size_t i = 0; i < f->tag_count && f->tags; i++)
            fprintf(s->dump, "    tag: %s\n", f->tags[i] ? f->tags[i] : "(null)");
        for (size_t i = 0; i < f->meta_count && f->metas; i++) {
            const struct assay_meta *m = &f->metas[i];
            fprintf(s->dump, "    meta: %s = ", m->name ? m->name : "(null)");
            if (m->kind == ASSAY_META_STRING && m->string)
                put_escaped(s->dump, (const uint8_t *)m->string, m->string_len, 80);
            else if (m->kind == ASSAY_META_BOOLEAN)
                fputs(m->integer ? "true" : "false", s->dump);
            else
                fprintf(s->dump, "%lld", (long long)m->integer);
            fputc('\n', s->dump);
        }
        size_t shown = f->evidence_count < 40 ? f->evidence_count : 40;
        for (size_t i = 0; i < shown && f->evidence; i++) {
            const struct assay_evidence *e = &f->evidence[i];
            fprintf(s->dump, "    evidence: kind=%d string_id=%s offset=%llu length=%llu bytes=",
                    (int)e->kind, e->string_id ? e->string_id : "(null)",
                    (unsigned long long)e->offset, (unsigned long long)e->length);
            if (e->bytes)
                put_escaped(s->dump, e->bytes, e->bytes_len, 64);
            else
                fputs("(null)", s->dump);
            fprintf(s->dump, "%s\n", e->bytes_truncated ? " (truncated)" : "");
        }
        if (shown < f->evidence_count)
            fprintf(s->dump, "    ... %zu more evidence entries\n", f->evidence_count - shown);
    }

    if (!yara) {
        s->other_findings++;
        return;
    }
    s->yara_findings++;
    if (!f->matched) {
        s->nonmatching_reports++;
        return;
    }
    size_t nlen = strlen(ns) + strlen(rule) + 2;
    char *name = xrealloc(NULL, nlen);
    snprintf(name, nlen, "%s:%s", ns, rule);
    bool seen = false;
    for (size_t i = 0; i < s->n_matched && !seen; i++)
        seen = strcmp(s->matched[i], name) == 0;
    if (seen) {
        free(name);
    } else {
        s->matched = xrealloc(s->matched, (s->n_matched + 1) * sizeof *s->matched);
        s->matched[s->n_matched++] = name;
    }
    for (size_t i = 0; i < f->evidence_count && f->evidence; i++) {
        const struct assay_evidence *e = &f->evidence[i];
        if (e->kind != ASSAY_EVIDENCE_BYTES || !e->string_id || strcmp(e->string_id, "$a") != 0)
            continue;
        s->a_ev = xrealloc(s->a_ev, (s->n_a_ev + 1) * sizeof *s->a_ev);
        struct ev_copy *c = &s->a_ev[s->n_a_ev++];
        c->offset = e->offset;
        c->length = e->length;
        c->truncated = e->bytes_truncated;
        c->bytes_len = e->bytes ? e->bytes_len : 0;
        c->bytes = xrealloc(NULL, c->bytes_len);
        if (c->bytes_len)
            memcpy(c->bytes, e->bytes, c->bytes_len);
    }
}

static void on_problem(void *user, const struct assay_problem *p)
{
    struct scan_state *s = user;
    if (s->dump)
        fprintf(s->dump, "  problem%s: %s (%s): %s\n", p->warning ? " (warning)" : "",
                p->path ? p->path : "(null)", assay_status_name(p->code),
                p->reason ? p->reason : "(null)");
    if (p->warning) {
        s->problem_warnings++;
        return;
    }
    if (s->problems == 0)
        snprintf(s->first_problem, sizeof s->first_problem, "%s: %s", assay_status_name(p->code),
                 p->reason ? p->reason : "(null)");
    s->problems++;
}

static void scan_state_free(struct scan_state *s)
{
    for (size_t i = 0; i < s->n_matched; i++)
        free(s->matched[i]);
    free(s->matched);
    for (size_t i = 0; i < s->n_a_ev; i++)
        free(s->a_ev[i].bytes);
    free(s->a_ev);
}

/* Does the rule text import "tests" (YARA's internal fixture module)? */
static bool imports_tests(const char *rule, size_t n)
{
    for (size_t i = 0; i + 6 <= n; i++) {
        if (memcmp(rule + i, "import", 6) != 0)
            continue;
        size_t j = i + 6;
        while (j < n && isspace((unsigned char)rule[j]))
            j++;
        if (j + 7 <= n && memcmp(rule + j, "\"tests\"", 7) == 0)
            return true;
    }
    return false;
}

/* The text of `$a = "..."` in a rule (simple escapes decoded), for
 * assert_string_capture cases that do not name the capture. */
static bool literal_of_a(const char *rule, size_t n, uint8_t **out, size_t *out_len)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (rule[i] != '$' || rule[i + 1] != 'a')
            continue;
        size_t j = i + 2;
        while (j < n && (rule[j] == ' ' || rule[j] == '\t'))
            j++;
        if (j >= n || rule[j] != '=')
            continue;
        j++;
        while (j < n && isspace((unsigned char)rule[j]))
            j++;
        if (j >= n || rule[j] != '"')
            continue;
        j++;
        uint8_t *buf = xrealloc(NULL, n);
        size_t len = 0;
        while (j < n && rule[j] != '"') {
            if (rule[j] == '\\' && j + 1 < n) {
                char c = rule[++j];
                if (c == 'n')
                    buf[len++] = '\n';
                else if (c == 't')
                    buf[len++] = '\t';
                else if (c == 'r')
                    buf[len++] = '\r';
                else if (c == 'x' && j + 2 < n && hexval((unsigned char)rule[j + 1]) >= 0 &&
                         hexval((unsigned char)rule[j + 2]) >= 0) {
                    buf[len++] = (uint8_t)(hexval((unsigned char)rule[j + 1]) << 4 |
                                           hexval((unsigned char)rule[j + 2]));
                    j += 2;
                } else
                    buf[len++] = (uint8_t)c;
                j++;
            } else {
                buf[len++] = (uint8_t)rule[j++];
            }
        }
        if (j >= n) {
            free(buf);
            return false;
        }
        *out = buf;
        *out_len = len;
        return true;
    }
    return false;
}

/* YARA's own harness passes a capture case when some match of $a covers
 * exactly `cap` (two cases of cases.json expect "abc" and "bc" from the same
 * rule and data: both matches exist). Evidence bytes may be capped: the
 * length must equal, and the bytes shown must agree. */
static bool check_capture(const struct scan_state *s, const uint8_t *cap, size_t cap_len,
                          struct result *r)
{
    if (s->n_a_ev == 0) {
        set_result(r, V_FAIL, "matched, but no evidence with string_id \"$a\"");
        return false;
    }
    uint64_t lowest = UINT64_MAX;
    for (size_t i = 0; i < s->n_a_ev; i++)
        if (s->a_ev[i].offset < lowest)
            lowest = s->a_ev[i].offset;
    const struct ev_copy *first = NULL;
    for (size_t i = 0; i < s->n_a_ev; i++) {
        const struct ev_copy *e = &s->a_ev[i];
        if (!first && e->offset == lowest)
            first = e;
        if (e->length != cap_len)
            continue;
        size_t cmp = e->bytes_len < cap_len ? e->bytes_len : cap_len;
        if (e->bytes_len < cap_len && !e->truncated)
            continue; /* fewer bytes than the length says, and not capped */
        if (cmp == 0 || memcmp(e->bytes, cap, cmp) == 0)
            return true;
    }
    char got[200], want[200];
    snprint_escaped(got, sizeof got, first->bytes, first->bytes_len, 40);
    snprint_escaped(want, sizeof want, cap, cap_len, 40);
    set_result(r, V_FAIL, "capture mismatch: first $a match at offset %llu length %llu %s%s, expected %s",
               (unsigned long long)first->offset, (unsigned long long)first->length, got,
               first->truncated ? " (truncated)" : "", want);
    return false;
}

struct run_opts {
    const char *dir;
    bool verbose;
    bool fork;
    unsigned timeout;
    bool compiled;
};

/* --compiled: db through a compiled file and back. The new database, or NULL
 * with the reason in why. */
static assay_db *through_compiled_file(assay_db *db, void (*on_warn)(void *, const char *), void *warn_user,
                                       char *why, size_t why_size)
{
    char path[128];
    snprintf(path, sizeof path, "/tmp/yara-cases-%ld.adb", (long)getpid());
    int rc = assay_db_save(db, path);
    assay_db_free(db);
    if (rc != ASSAY_OK) {
        snprintf(why, why_size, "assay_db_save: %s: %s", assay_status_name(rc), assay_last_error());
        unlink(path);
        return NULL;
    }
    assay_db *back = assay_db_new();
    if (!back) {
        snprintf(why, why_size, "assay_db_new failed");
        unlink(path);
        return NULL;
    }
    assay_db_set_warning_handler(back, on_warn, warn_user);
    rc = assay_db_load(back, path, NULL);
    if (rc == ASSAY_OK)
        rc = assay_db_finalize(back);
    unlink(path);
    if (rc != ASSAY_OK) {
        snprintf(why, why_size, "loading the compiled file: %s: %s", assay_status_name(rc), assay_last_error());
        assay_db_free(back);
        return NULL;
    }
    return back;
}

enum expectation {
    X_MATCH, X_NOMATCH, X_ERROR, X_WARNING, X_NO_WARNINGS, X_STRICT_ESCAPE, X_MATCH_COUNT,
    X_REGEX_SYNTAX, X_STRING_CAPTURE, X_UNKNOWN,
};

static enum expectation expectation_of(const char *kind, const char *expect)
{
    static const struct {
        const char *name;
        enum expectation x;
    } map[] = {
        {"match", X_MATCH},
        {"nomatch", X_NOMATCH},
        {"assert_error", X_ERROR},
        {"assert_warning", X_WARNING},
        {"assert_no_warnings", X_NO_WARNINGS},
        {"assert_warning_strict_escape", X_STRICT_ESCAPE},
        {"assert_match_count", X_MATCH_COUNT},
        {"assert_regexp_syntax_error", X_REGEX_SYNTAX},
        {"assert_string_capture", X_STRING_CAPTURE},
    };
    const char *e = expect;
    if (!e && kind) { /* no `expect`: infer it from the kind */
        if (strncmp(kind, "assert_true_", 12) == 0)
            e = "match";
        else if (strncmp(kind, "assert_false_", 13) == 0)
            e = "nomatch";
        else
            e = kind;
    }
    for (size_t i = 0; e && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].name, e) == 0)
            return map[i].x;
    return X_UNKNOWN;
}

/* Whether a kind counts as a "warning case" (not a scan or error case). */
static bool is_warning_kind(enum expectation x)
{
    return x == X_WARNING || x == X_NO_WARNINGS || x == X_STRICT_ESCAPE;
}

static const char *json_str(const json_t *o, const char *key, size_t *len)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return NULL;
    if (len)
        *len = json_string_length(v);
    return json_string_value(v);
}

/* Run one case; detail output goes to `dump` (may be NULL). */
static void run_case(const struct run_opts *ro, const json_t *c, FILE *dump, struct result *r)
{
    size_t rule_len = 0;
    const char *rule = json_str(c, "rule", &rule_len);
    const char *kind = json_str(c, "kind", NULL);
    const char *expect = json_str(c, "expect", NULL);
    enum expectation x = expectation_of(kind, expect);

    set_result(r, V_FAIL, "internal: no verdict");
    if (dump) {
        fprintf(dump, "  kind: %s, expect: %s\n", kind ? kind : "(none)", expect ? expect : "(none)");
        fprintf(dump, "  rule:\n%.*s\n", (int)(rule ? rule_len : 0), rule ? rule : "");
    }
    if (!rule) {
        set_result(r, V_FAIL, "case has no \"rule\" string");
        return;
    }
    if (imports_tests(rule, rule_len)) {
        set_result(r, V_EXCLUDED, "imports \"tests\"");
        return;
    }
    if (x == X_UNKNOWN) {
        set_result(r, V_FAIL, "unknown expectation (kind %s, expect %s)", kind ? kind : "-",
                   expect ? expect : "-");
        return;
    }

    /* the input */
    uint8_t *input = NULL;
    size_t input_len = 0;
    size_t hex_len = 0;
    const char *hex = json_str(c, "data", &hex_len);
    const char *file = json_str(c, "file", NULL);
    if (hex) {
        if (!hex_decode(hex, hex_len, &input, &input_len)) {
            set_result(r, V_FAIL, "malformed hex in \"data\"");
            return;
        }
    } else if (file) {
        size_t plen = strlen(ro->dir) + strlen(file) + 2;
        char *path = xrealloc(NULL, plen);
        snprintf(path, plen, "%s/%s", ro->dir, file);
        bool ok = read_file(path, &input, &input_len);
        if (!ok) {
            set_result(r, V_FAIL, "cannot read input %s: %s", path, strerror(errno));
            free(path);
            return;
        }
        free(path);
    } else {
        input = xrealloc(NULL, 5);
        memcpy(input, "dummy", 5);
        input_len = 5;
    }
    if (dump) {
        fprintf(dump, "  input: %s, %zu bytes: ", hex ? "data" : file ? file : "default \"dummy\"",
                input_len);
        put_escaped(dump, input, input_len, 64);
        fputc('\n', dump);
    }

    /* compile */
    assay_db *db = assay_db_new();
    if (!db) {
        free(input);
        set_result(r, V_FAIL, "assay_db_new failed");
        return;
    }
    struct warn_state warns = {.dump = dump};
    assay_db_set_warning_handler(db, on_warning, &warns);
    /* The external variables YARA's own test harness defines. */
    assay_db_define(db, "var_true", "true");
    assay_db_define(db, "var_false", "false");
    assay_db_define(db, "var_one", "1");
    assay_db_define(db, "var_zero", "0");
    struct assay_load_options lo = {.skip_bad_signatures = false, .yara_namespace = NULL};
    char errmsg[512] = "";
    enum yara_error_code code = YARA_OK;
    bool have_code = false;
    const char *stage = "assay_db_load_text";
    int rc = assay_db_load_text(db, "case.yar", rule, rule_len, &lo);
    if (rc == ASSAY_OK) {
        stage = "assay_db_finalize";
        rc = assay_db_finalize(db);
    }
    bool compiled = rc == ASSAY_OK;
    if (!compiled) {
        snprintf(errmsg, sizeof errmsg, "%s", assay_last_error());
        code = yara_last_error_code();
        have_code = true;
    }
    const char *code_name = !have_code ? "(yara_last_error_code not linked)"
                            : code == YARA_OK ? "(no YARA error code)"
                                              : yara_error_name(code);
    if (dump) {
        if (compiled) {
            struct assay_db_stats st;
            memset(&st, 0, sizeof st);
            assay_db_get_stats(db, &st);
            fprintf(dump, "  compiled: %zu YARA rules, %zu YARA strings, %zu warnings\n",
                    st.yara_rules, st.yara_strings, warns.count);
        } else {
            fprintf(dump, "  compile failed in %s: %s: %s\n  yara error code: %s\n", stage,
                    assay_status_name(rc), errmsg, code_name);
        }
    }

    switch (x) {
    case X_ERROR: {
        const char *want = json_str(c, "error", NULL);
        if (compiled)
            set_result(r, V_FAIL, "compiled, expected %s", want ? want : "an error");
        else if (!want || (have_code && code != YARA_OK && strcmp(code_name, want) == 0))
            set_result(r, V_PASS, "failed with %s", code_name);
        else
            set_result(r, V_WRONG_CODE, "failed with a different code: %s (expected %s): %s",
                       code_name, want, errmsg);
        goto done;
    }
    case X_REGEX_SYNTAX:
        /* any YARA compile error (assay has no ERROR_INVALID_REGULAR_EXPRESSION);
         * a failure that is not a YARA one (e.g. .yar not supported) is not it */
        if (compiled)
            set_result(r, V_FAIL, "compiled, expected a regular expression syntax error");
        else if (have_code ? code != YARA_OK : rc == ASSAY_ESYNTAX)
            set_result(r, V_PASS, "failed with %s", code_name);
        else
            set_result(r, V_FAIL, "failed, but not with a YARA error: %s: %s [%s]",
                       assay_status_name(rc), errmsg, code_name);
        goto done;
    case X_STRICT_ESCAPE:
        set_result(r, V_NA,
                   "assay has no strict-escape mode (default mode: %s, %zu warnings)",
                   compiled ? "compiled" : "failed", warns.count);
        goto done;
    default:
        break;
    }

    if (!compiled) {
        set_result(r, V_FAIL, "compile failed in %s: %s: %s [%s]", stage, assay_status_name(rc),
                   errmsg, code_name);
        goto done;
    }
    if (x == X_WARNING || x == X_NO_WARNINGS) {
        if (x == X_WARNING && warns.count == 0)
            set_result(r, V_FAIL, "compiled without a warning, expected one");
        else if (x == X_NO_WARNINGS && warns.count != 0)
            set_result(r, V_FAIL, "%zu warnings, expected none; first: %s", warns.count,
                       warns.first);
        else
            set_result(r, V_PASS, "%zu warnings", warns.count);
        goto done;
    }

    if (ro->compiled) {
        char why[700];
        db = through_compiled_file(db, on_warning, &warns, why, sizeof why);
        if (!db) {
            set_result(r, V_FAIL, "compiled round trip: %s", why);
            free(input);
            return;
        }
        if (dump) {
            struct assay_db_stats st;
            assay_db_get_stats(db, &st);
            fprintf(dump, "  through a compiled file: %zu YARA rules, %zu YARA strings\n", st.yara_rules,
                    st.yara_strings);
        }
    }

    /* scan */
    struct assay_scan_options so;
    assay_scan_options_init(&so);
    so.threads = 1;
    so.scan_archives = false; /* YARA sees the input as one blob */
    so.max_filesize = 0;
    struct scan_state ss;
    memset(&ss, 0, sizeof ss);
    ss.dump = dump;
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .message = NULL,
                                      .user = &ss};
    struct assay_scan_summary sum;
    memset(&sum, 0, sizeof sum);
    rc = assay_scan_buffer(db, "input", input, input_len, &so, &cb, &sum);
    if (dump)
        fprintf(dump, "  scan: %s, %zu rules matched, %zu problems\n", assay_status_name(rc),
                ss.n_matched, ss.problems);
    if (rc != ASSAY_OK) {
        set_result(r, V_FAIL, "scan failed: %s: %s", assay_status_name(rc), assay_last_error());
        goto scanned;
    }
    char probl[600] = "";
    if (ss.problems)
        snprintf(probl, sizeof probl, "; scan problem: %s", ss.first_problem);

    switch (x) {
    case X_MATCH:
    case X_STRING_CAPTURE: {
        if (ss.n_matched == 0) {
            set_result(r, V_FAIL, "expected a match, no rule matched%s", probl);
            break;
        }
        size_t cap_len = 0;
        const char *cap_s = json_str(c, "capture", &cap_len);
        uint8_t *cap = NULL;
        size_t capn = 0;
        if (cap_s)
            json_bytes(cap_s, cap_len, &cap, &capn);
        else if (x == X_STRING_CAPTURE && !literal_of_a(rule, rule_len, &cap, &capn)) {
            set_result(r, V_FAIL, "assert_string_capture without \"capture\" nor $a = \"...\"");
            break;
        }
        if (!cap || check_capture(&ss, cap, capn, r))
            set_result(r, V_PASS, "matched");
        free(cap);
        break;
    }
    case X_NOMATCH:
        if (ss.n_matched)
            set_result(r, V_FAIL, "expected no match, %zu rules matched (%s)", ss.n_matched,
                       ss.matched[0]);
        else if (ss.problems)
            set_result(r, V_FAIL, "no match, but the scan was incomplete%s", probl);
        else
            set_result(r, V_PASS, "no match");
        break;
    case X_MATCH_COUNT: {
        const json_t *cv = json_object_get(c, "count");
        long long want = -1;
        if (json_is_integer(cv))
            want = json_integer_value(cv);
        else if (json_is_string(cv)) {
            char *end = NULL;
            errno = 0;
            want = strtoll(json_string_value(cv), &end, 10);
            if (errno || !end || *end || end == json_string_value(cv))
                want = -1;
        }
        if (want < 0)
            set_result(r, V_FAIL, "missing or malformed \"count\"");
        else if ((long long)ss.n_matched != want)
            set_result(r, V_FAIL, "%zu rules matched, expected %lld%s", ss.n_matched, want, probl);
        else
            set_result(r, V_PASS, "%zu rules matched", ss.n_matched);
        break;
    }
    default:
        set_result(r, V_FAIL, "internal: unhandled expectation");
        break;
    }
scanned:
    scan_state_free(&ss);
done:
    assay_db_free(db);
    free(input);
}

/* ------------------------------------------------------------------------- */
/* Isolation: run a case in a child, result through a pipe */

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

struct wire {
    int v;
    uint32_t why_len, dump_len;
};

static void run_isolated(const struct run_opts *ro, const json_t *c, bool want_dump,
                         struct result *r, char **dump_out)
{
    *dump_out = NULL;
    if (!ro->fork) {
        char *buf = NULL;
        size_t len = 0;
        FILE *d = want_dump ? open_memstream(&buf, &len) : NULL;
        run_case(ro, c, d, r);
        if (d) {
            fclose(d);
            *dump_out = buf;
        }
        return;
    }
    int fds[2];
    fflush(stdout);
    fflush(stderr);
    if (pipe(fds) != 0) {
        set_result(r, V_FAIL, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        set_result(r, V_FAIL, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        if (ro->timeout)
            alarm(ro->timeout);
        char *buf = NULL;
        size_t len = 0;
        FILE *d = want_dump ? open_memstream(&buf, &len) : NULL;
        struct result cr;
        run_case(ro, c, d, &cr);
        if (d)
            fclose(d);
        struct wire w = {.v = (int)cr.v, .why_len = (uint32_t)strlen(cr.why),
                         .dump_len = buf ? (uint32_t)len : 0};
        bool ok = write_all(fds[1], &w, sizeof w) && write_all(fds[1], cr.why, w.why_len) &&
                  write_all(fds[1], buf ? buf : "", w.dump_len);
        free(buf);
        close(fds[1]);
        exit(ok ? 0 : 3); /* exit(), not _exit(): sanitizers report at exit */
    }
    close(fds[1]);
    char *msg = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            msg = xrealloc(msg, cap);
        }
        ssize_t got = read(fds[0], msg + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    struct wire w;
    bool complete = false;
    if (len >= sizeof w) {
        memcpy(&w, msg, sizeof w);
        complete = len == sizeof w + (size_t)w.why_len + w.dump_len && w.why_len < sizeof r->why &&
                   w.v >= V_PASS && w.v <= V_EXCLUDED;
    }
    if (complete) {
        r->v = (enum verdict)w.v;
        memcpy(r->why, msg + sizeof w, w.why_len);
        r->why[w.why_len] = 0;
        if (w.dump_len) {
            *dump_out = xrealloc(NULL, (size_t)w.dump_len + 1);
            memcpy(*dump_out, msg + sizeof w + w.why_len, w.dump_len);
            (*dump_out)[w.dump_len] = 0;
        }
    }
    free(msg);
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGALRM)
            set_result(r, V_FAIL, "timed out after %u s", ro->timeout);
        else
            set_result(r, V_FAIL, "crashed: signal %d (%s); rerun with --case LINE --no-fork", sig,
                       strsignal(sig));
    } else if (!complete) {
        set_result(r, V_FAIL,
                   "child exited with status %d before reporting (sanitizer report on stderr?); "
                   "rerun with --case LINE",
                   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        char prev[sizeof r->why];
        snprintf(prev, sizeof prev, "%s", r->why);
        set_result(r, V_FAIL, "%s %s, then exit status %d (sanitizer report on stderr?)",
                   verdict_word(r->v), prev, WEXITSTATUS(status));
    }
}

/* ------------------------------------------------------------------------- */
/* Files, statistics, bars */

struct kind_stat {
    char *kind;
    size_t total, pass, na, excluded;
};

struct file_stat {
    const char *name;
    int bar;           /* percent, or 0: no bar */
    bool is_core;      /* cases.json: bar over scan and error cases only */
    bool ran, missing;
    size_t total, pass, excluded, na, wrong_code;
    size_t bar_total, bar_pass;
    size_t warn_total, warn_pass;
    struct kind_stat *kinds;
    size_t n_kinds;
};

static struct kind_stat *kind_stat_of(struct file_stat *fs, const char *kind)
{
    for (size_t i = 0; i < fs->n_kinds; i++)
        if (strcmp(fs->kinds[i].kind, kind) == 0)
            return &fs->kinds[i];
    fs->kinds = xrealloc(fs->kinds, (fs->n_kinds + 1) * sizeof *fs->kinds);
    struct kind_stat *k = &fs->kinds[fs->n_kinds++];
    memset(k, 0, sizeof *k);
    k->kind = xstrdup(kind);
    return k;
}

static json_t *g_root; /* the file being run (a global: reachable for leak checkers in children) */

static void print_fail(const struct file_stat *fs, long line, const char *kind,
                       const struct result *r, const char *rule, size_t rule_len)
{
    char oneline[260];
    one_line(oneline, sizeof oneline, rule ? rule : "", rule ? rule_len : 0, 200);
    printf("%s %s line %ld %s: %s\n", verdict_word(r->v), fs->name, line, kind, r->why);
    printf("    rule: %s\n", oneline);
}

static void run_file(const struct run_opts *ro, struct file_stat *fs, long only_line,
                     size_t *case_hits, size_t *case_passes)
{
    size_t plen = strlen(ro->dir) + strlen(fs->name) + 2;
    char *path = xrealloc(NULL, plen);
    snprintf(path, plen, "%s/%s", ro->dir, fs->name);
    json_error_t jerr;
    g_root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    fs->ran = true;
    if (!g_root || !json_is_array(g_root)) {
        printf("%s: cannot load: %s\n", path, g_root ? "not a JSON array" : jerr.text);
        fs->missing = true;
        json_decref(g_root);
        g_root = NULL;
        free(path);
        return;
    }
    free(path);
    size_t n = json_array_size(g_root);
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(g_root, i);
        const json_t *lv = json_is_object(c) ? json_object_get(c, "line") : NULL;
        long line = json_is_integer(lv)  ? (long)json_integer_value(lv)
                    : json_is_string(lv) ? strtol(json_string_value(lv), NULL, 10)
                                         : -(long)(i + 1);
        if (only_line && line != only_line)
            continue;
        const char *kind = json_is_object(c) ? json_str(c, "kind", NULL) : NULL;
        const char *expect = json_is_object(c) ? json_str(c, "expect", NULL) : NULL;
        size_t rule_len = 0;
        const char *rule = json_is_object(c) ? json_str(c, "rule", &rule_len) : NULL;
        if (!kind)
            kind = "(no kind)";
        struct result r;
        char *dump = NULL;
        bool single = only_line != 0;
        if (!json_is_object(c)) {
            set_result(&r, V_FAIL, "case is not a JSON object");
        } else if (single) {
            /* --case: in-process, details straight to stdout */
            printf("=== %s line %ld\n", fs->name, line);
            run_case(ro, c, stdout, &r);
        } else {
            run_isolated(ro, c, ro->verbose, &r, &dump);
        }
        enum expectation x = expectation_of(kind, expect);
        struct kind_stat *ks = kind_stat_of(fs, kind);
        ks->total++;
        if (r.v == V_EXCLUDED) {
            fs->excluded++;
            ks->excluded++;
        } else if (r.v == V_NA) {
            fs->na++;
            ks->na++;
        } else {
            bool pass = r.v == V_PASS;
            fs->total++;
            fs->pass += pass;
            ks->pass += pass;
            fs->wrong_code += r.v == V_WRONG_CODE;
            if (!fs->is_core || !is_warning_kind(x)) {
                fs->bar_total++;
                fs->bar_pass += pass;
            } else {
                fs->warn_total++;
                fs->warn_pass += pass;
            }
        }
        if (single) {
            (*case_hits)++;
            *case_passes += r.v == V_PASS;
            printf("%s %s line %ld %s: %s\n", verdict_word(r.v), fs->name, line, kind, r.why);
        } else if (r.v == V_FAIL || r.v == V_WRONG_CODE) {
            print_fail(fs, line, kind, &r, rule, rule_len);
            if (dump)
                fputs(dump, stdout);
        } else if (ro->verbose) {
            printf("%s %s line %ld %s: %s\n", verdict_word(r.v), fs->name, line, kind, r.why);
        }
        free(dump);
        fflush(stdout);
    }
    json_decref(g_root);
    g_root = NULL;
}

static double pct(size_t a, size_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static bool bar_met(const struct file_stat *fs)
{
    if (!fs->bar)
        return true;
    if (fs->missing || fs->bar_total == 0)
        return false;
    return fs->bar_pass * 100 >= (size_t)fs->bar * fs->bar_total;
}

static void report_file(const struct file_stat *fs)
{
    if (fs->missing) {
        printf("%s: missing or unreadable%s\n", fs->name, fs->bar ? " (has a bar)" : "");
        return;
    }
    printf("%s: %zu/%zu passed (%zu excluded: imports tests", fs->name, fs->pass, fs->total,
           fs->excluded);
    if (fs->na)
        printf("; %zu not applicable: strict escape", fs->na);
    printf(")\n");
    for (size_t i = 0; i < fs->n_kinds; i++) {
        const struct kind_stat *k = &fs->kinds[i];
        size_t run = k->total - k->excluded - k->na;
        printf("    %-30s %4zu/%-4zu", k->kind, k->pass, run);
        if (k->excluded)
            printf("  (%zu excluded)", k->excluded);
        if (k->na)
            printf("  (%zu not applicable)", k->na);
        printf("\n");
    }
    if (fs->wrong_code)
        printf("    assert_error failed with a different code: %zu\n", fs->wrong_code);
    if (fs->is_core)
        printf("    warning cases: %zu/%zu passed (no bar)\n", fs->warn_pass, fs->warn_total);
    if (fs->bar)
        printf("    bar: %s%zu/%zu = %.1f%% (needs %d%%): %s\n",
               fs->is_core ? "scan and error cases " : "", fs->bar_pass, fs->bar_total,
               pct(fs->bar_pass, fs->bar_total), fs->bar, bar_met(fs) ? "met" : "NOT MET");
    else
        printf("    no bar: %.1f%%\n", pct(fs->pass, fs->total));
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: yara_cases [DATA_DIR] [--verbose] [--only FILE] [--case LINE]\n"
            "                  [--no-fork] [--timeout SECONDS] [--compiled]\n"
            "  DATA_DIR      the yara-tests folder (default $ASSAY_SHARED/yara-tests)\n"
            "  --verbose     a line for every case, details of failing ones\n"
            "  --only FILE   run one file: cases.json, cases-pe.json or just pe\n"
            "  --case LINE   run the case(s) with this line, printing everything\n"
            "  --no-fork     run cases in-process (default: one child per case)\n"
            "  --timeout S   per-case time limit in a child (default 60, 0: none)\n"
            "  --compiled    scan each case's rules through a compiled file (save + load)\n");
}

int main(int argc, char **argv)
{
    struct run_opts ro = {.dir = NULL, .verbose = false, .fork = true, .timeout = 60};
    const char *only = NULL;
    long only_line = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            ro.verbose = true;
        } else if (strcmp(a, "--no-fork") == 0) {
            ro.fork = false;
        } else if (strcmp(a, "--compiled") == 0) {
            ro.compiled = true;
        } else if (strcmp(a, "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if ((strcmp(a, "--case") == 0 || strcmp(a, "--timeout") == 0) && i + 1 < argc) {
            char *end = NULL;
            long v = strtol(argv[++i], &end, 10);
            if (!end || *end || v < 0 || (a[2] == 'c' && v == 0)) {
                fprintf(stderr, "yara_cases: bad number for %s: %s\n", a, argv[i]);
                return 2;
            }
            if (a[2] == 'c')
                only_line = v;
            else
                ro.timeout = (unsigned)v;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' || ro.dir) {
            usage(stderr);
            return 2;
        } else {
            ro.dir = a;
        }
    }
    char dirbuf[4096];
    if (!ro.dir) {
        const char *shared = getenv("ASSAY_SHARED");
        if (!shared || !*shared) {
            fprintf(stderr, "yara_cases: give the yara-tests folder or set ASSAY_SHARED\n");
            usage(stderr);
            return 2;
        }
        snprintf(dirbuf, sizeof dirbuf, "%s/yara-tests", shared);
        ro.dir = dirbuf;
    }
    struct stat st;
    if (stat(ro.dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("yara_cases: %s not found; skipping\n", ro.dir);
        return 77;
    }

    struct file_stat files[] = {
        {.name = "cases.json", .bar = 98, .is_core = true},
        {.name = "cases-pe.json", .bar = 95},
        {.name = "cases-elf.json", .bar = 95},
        {.name = "cases-math.json", .bar = 95},
        {.name = "cases-string.json", .bar = 95},
        {.name = "cases-macho.json"},
        {.name = "cases-dex.json"},
        {.name = "cases-dotnet.json"},
        {.name = "cases-magic.json"},
    };
    size_t nfiles = sizeof files / sizeof files[0];
    bool any = false;
    size_t case_hits = 0, case_passes = 0;
    for (size_t i = 0; i < nfiles; i++) {
        if (only) {
            char alt[256];
            snprintf(alt, sizeof alt, "cases-%s.json", only);
            const char *base = strrchr(only, '/') ? strrchr(only, '/') + 1 : only;
            if (strcmp(files[i].name, base) != 0 && strcmp(files[i].name, alt) != 0 &&
                !(strcmp(only, "cases") == 0 && files[i].is_core))
                continue;
        }
        any = true;
        run_file(&ro, &files[i], only_line, &case_hits, &case_passes);
    }
    if (!any) {
        fprintf(stderr, "yara_cases: --only %s names no case file\n", only);
        return 2;
    }

    int status = 0;
    if (only_line) {
        if (case_hits == 0) {
            printf("no case with line %ld\n", only_line);
            status = 1;
        } else {
            status = case_passes == case_hits ? 0 : 1;
        }
    } else {
        printf("\n");
        char failed[1024] = "";
        size_t fo = 0;
        for (size_t i = 0; i < nfiles; i++) {
            if (!files[i].ran)
                continue;
            report_file(&files[i]);
            if (!bar_met(&files[i]) && fo < sizeof failed) {
                fo += (size_t)snprintf(failed + fo, sizeof failed - fo, "%s%s %.1f%% < %d%%",
                                       fo ? ", " : "", files[i].name,
                                       pct(files[i].bar_pass, files[i].bar_total), files[i].bar);
            }
        }
        if (failed[0]) {
            printf("VERDICT: FAIL: bar not met: %s\n", failed);
            status = 1;
        } else {
            printf("VERDICT: PASS: every bar met\n");
        }
    }
    for (size_t i = 0; i < nfiles; i++) {
        for (size_t k = 0; k < files[i].n_kinds; k++)
            free(files[i].kinds[k].kind);
        free(files[i].kinds);
    }
    return status;
}
