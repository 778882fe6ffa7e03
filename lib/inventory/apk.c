/* apk.c — apk packages (Alpine): <root>/lib/apk/db/installed, else
 * <root>/usr/lib/apk/db/installed.
 *
 * The database is one block per package, blocks separated by blank lines,
 * each line "K:value" with a one-letter key. Read: P name, V version,
 * A arch, m maintainer, U url, T description, o origin (the source package),
 * F a folder (relative to the root) and R a file in the last F folder (an R
 * before any F is at the root). Other keys (checksums, sizes, ACLs,
 * dependencies...) are skipped.
 *
 * Each block with a P line becomes an INV_PACKAGE item: id
 * "apk:<name>:<arch>" ("apk:<name>" without A), publisher = m, attrs arch,
 * source (o), description (T); evidence package.name, package.maintainer (m),
 * package.homepage (U), all medium, with locator "line N" (the block's first
 * line). Files: "/<F>/<R>" for every R line (folders themselves are not
 * recorded, as with dpkg and rpm).
 *
 * Limits: the file is read up to APK_DB_MAX bytes; at most
 * APK_MAX_FILES_PER_PACKAGE files are recorded per package; at most
 * APK_MAX_PROBLEMS problems (lines that are not "K:value", a NUL byte, a
 * block without P) are reported one by one, the others counted in one. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "assay.h"
#include "inventory/inventory.h"
#include "util/error.h"

#define APK_DB_MAX ((size_t)128 << 20)
#define APK_MAX_FILES_PER_PACKAGE 262144
#define APK_MAX_PROBLEMS 32

struct span {
    const char *p;
    size_t n;
};

/* One block: [start, end) of the text, its first line number and fields. */
struct block {
    const char *start, *end;
    size_t line;
    struct span name, version, arch, maintainer, url, description, origin;
};

struct apk {
    struct inventory *inv;
    const char *rel;          /* the database, root-relative */
    size_t problems, suppressed;
    struct util_buf path;     /* scratch for file paths */
};

static void __attribute__((format(printf, 3, 4))) complain(struct apk *a, size_t line, const char *fmt, ...)
{
    if (a->problems >= APK_MAX_PROBLEMS) {
        a->suppressed++;
        return;
    }
    a->problems++;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    inv_problem_add(a->inv, a->rel, "line %zu: %s", line, msg);
}

/* The next line of [*p, end): its span without '\n' (and a trailing '\r'). */
static struct span next_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *line_end = nl ? nl : end;
    struct span s = {*p, (size_t)(line_end - *p)};
    *p = nl ? nl + 1 : end;
    if (s.n > 0 && s.p[s.n - 1] == '\r')
        s.n--;
    return s;
}

static const char *cstr(struct inventory *inv, struct span s)
{
    return s.n ? inv_strndup(inv, s.p, s.n) : NULL;
}

/* ---- pass 1: the fields of a block ------------------------------------------ */

static void read_fields(struct apk *a, struct block *b)
{
    const char *p = b->start;
    for (size_t line = b->line; p < b->end; line++) {
        struct span s = next_line(&p, b->end);
        if (memchr(s.p, '\0', s.n) != NULL) {
            complain(a, line, "binary data (NUL byte)");
            continue;
        }
        if (s.n < 2 || s.p[1] != ':') {
            complain(a, line, "not a \"K:value\" line");
            continue;
        }
        struct span v = {s.p + 2, s.n - 2};
        struct span *dst = NULL;
        switch (s.p[0]) {
        case 'P': dst = &b->name; break;
        case 'V': dst = &b->version; break;
        case 'A': dst = &b->arch; break;
        case 'm': dst = &b->maintainer; break;
        case 'U': dst = &b->url; break;
        case 'T': dst = &b->description; break;
        case 'o': dst = &b->origin; break;
        default: break;
        }
        if (dst != NULL && dst->p == NULL) /* a repeated key: the first one counts */
            *dst = v;
    }
}

/* ---- pass 2: the files of a block -------------------------------------------- */

static int add_file(struct apk *a, struct inv_item *it, struct span folder, struct span file)
{
    struct util_buf *b = &a->path;
    b->len = 0;
    if (folder.n > 0 && folder.p[0] == '/')
        folder.p++, folder.n--;
    if (util_buf_append_byte(b, '/') != 0 || util_buf_append(b, folder.p, folder.n) != 0 ||
        (folder.n > 0 && util_buf_append_byte(b, '/') != 0) || util_buf_append(b, file.p, file.n) != 0 ||
        util_buf_append_byte(b, '\0') != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    return inv_file_add(a->inv, it, (const char *)b->data);
}

static int read_files(struct apk *a, struct inv_item *it, const struct block *b)
{
    struct span folder = {"", 0};
    const char *p = b->start;
    while (p < b->end) {
        struct span s = next_line(&p, b->end);
        if (s.n < 2 || s.p[1] != ':' || memchr(s.p, '\0', s.n) != NULL)
            continue; /* reported in pass 1 */
        struct span v = {s.p + 2, s.n - 2};
        if (s.p[0] == 'F') {
            folder = v;
        } else if (s.p[0] == 'R' && v.n > 0) {
            if (it->files.n >= APK_MAX_FILES_PER_PACKAGE) {
                inv_problem_add(a->inv, a->rel, "package %s: more than %d files: the rest are not recorded",
                                it->name, APK_MAX_FILES_PER_PACKAGE);
                break;
            }
            if (add_file(a, it, folder, v) != 0)
                return ASSAY_ENOMEM;
        }
    }
    return 0;
}

/* ---- items ---------------------------------------------------------------------- */

static int add_package(struct apk *a, const struct block *b)
{
    struct inventory *inv = a->inv;
    struct inv_item *it = inv_item_new(inv, INV_PACKAGE, "apk");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    int nn = (int)b->name.n, an = (int)b->arch.n;
    it->id = an ? inv_printf(inv, "apk:%.*s:%.*s", nn, b->name.p, an, b->arch.p)
                : inv_printf(inv, "apk:%.*s", nn, b->name.p);
    it->name = cstr(inv, b->name);
    it->version = cstr(inv, b->version);
    it->publisher = cstr(inv, b->maintainer);
    if (it->id == NULL || it->name == NULL || (b->version.n && it->version == NULL) ||
        (b->maintainer.n && it->publisher == NULL))
        return util_error(ASSAY_ENOMEM, "out of memory");
    char locator[32];
    snprintf(locator, sizeof locator, "line %zu", b->line);
    const struct {
        const char *attr;
        struct span v;
    } attrs[] = {{"arch", b->arch}, {"source", b->origin}, {"description", b->description}},
      evidence[] = {{"package.name", b->name}, {"package.maintainer", b->maintainer}, {"package.homepage", b->url}};
    for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++) {
        const char *v = cstr(inv, attrs[i].v);
        if ((attrs[i].v.n && v == NULL) || inv_attr_add(inv, it, attrs[i].attr, v) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < sizeof evidence / sizeof *evidence; i++) {
        const char *v = cstr(inv, evidence[i].v);
        if ((evidence[i].v.n && v == NULL) ||
            inv_evidence_add(inv, it, evidence[i].attr, v, a->rel, locator, INV_MEDIUM) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return read_files(a, it, b);
}

static int finish_block(struct apk *a, struct block *b)
{
    if (b->start == NULL)
        return 0;
    read_fields(a, b);
    if (b->name.n == 0) {
        complain(a, b->line, "package block without a P: (name) line");
        return 0;
    }
    return add_package(a, b);
}

static bool blank(struct span s)
{
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t')
            return false;
    return true;
}

/* Split the text into blocks and make their items. */
static int parse_installed(struct apk *a, const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    struct block b = {0};
    size_t line = 0;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *here = p;
        struct span s = next_line(&p, end);
        line++;
        if (blank(s)) {
            rc = finish_block(a, &b);
            memset(&b, 0, sizeof b);
        } else {
            if (b.start == NULL)
                b.start = here, b.line = line;
            b.end = p;
        }
    }
    if (rc == 0)
        rc = finish_block(a, &b); /* the last block needs no blank line after it */
    if (rc == 0 && a->suppressed)
        inv_problem_add(a->inv, a->rel, "%zu more problems in this file not listed", a->suppressed);
    return rc;
}

int inv_collect_apk(struct inventory *inv)
{
    static const char *const places[] = {"/lib/apk/db/installed", "/usr/lib/apk/db/installed"};
    struct util_buf text = {0};
    int rc = ASSAY_ENOTFOUND;
    size_t i = 0;
    for (; i < sizeof places / sizeof *places && rc == ASSAY_ENOTFOUND; i++)
        rc = inv_read_file(inv, places[i], APK_DB_MAX, &text);
    if (rc == 0) {
        struct apk a = {.inv = inv, .rel = places[i - 1]};
        rc = parse_installed(&a, (const char *)text.data, text.len);
        util_buf_free(&a.path);
    } else if (rc != ASSAY_ENOMEM) {
        rc = 0; /* absent: no apk here; unreadable: already a problem */
    }
    util_buf_free(&text);
    return rc;
}
