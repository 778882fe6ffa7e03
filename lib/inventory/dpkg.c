/* dpkg.c — dpkg packages: <root>/var/lib/dpkg/status and the files each
 * package owns (var/lib/dpkg/info/<pkg>.list or <pkg>:<arch>.list).
 *
 * The status file is a list of stanzas separated by blank lines; a stanza is
 * "Field: value" lines, a line starting with a space or tab continues the
 * field before it (only Description has such lines; its first line is kept).
 * Field names compare case-insensitively. Read: Package, Version,
 * Architecture, Maintainer, Original-Maintainer, Homepage, Description,
 * Source, Status, Multi-Arch; other fields are skipped.
 *
 * Which stanzas become items — by the third word of Status (the state):
 *   kept:    installed, half-installed, unpacked, half-configured,
 *            triggers-awaited, triggers-pending (the package's files are, or
 *            may partly be, on disk: a review has to see them);
 *   skipped: not-installed, config-files (removed; at most its conffiles
 *            remain).
 * A stanza without Package or Status, or with a state not listed, is an
 * inv_problem and no item. Each item: id "dpkg:<name>:<arch>" ("dpkg:<name>"
 * when Architecture is missing), publisher = Maintainer, attrs arch, source
 * (the source package name, without its version), description (first line),
 * status (the state word); evidence package.name, package.maintainer,
 * package.vendor (Original-Maintainer), package.homepage, all medium, with
 * locator "line N" (the stanza's first line in the status file).
 *
 * Owned files: the .list is read in one piece (no allocation per line: the
 * lines are cut in place and copied once into the inventory arena). "/." and
 * directories are not recorded: an entry directly followed by an entry below
 * it is a directory (dpkg writes lists in archive order, a directory before
 * its contents); an empty directory a package ships is recorded as a path.
 * Package names and architectures that could leave the info folder (a '/',
 * a leading '.') or are longer than 200 bytes are not used to build a path
 * (an inv_problem).
 *
 * Limits: see dpkg.h. Bytes are not trusted: NUL bytes, lines without a
 * colon, continuation lines outside a field are malformed lines (problems,
 * the line is skipped, the stanza goes on). */
#include "inventory/dpkg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "assay.h"
#include "util/error.h"

struct span {
    const char *p;
    size_t n;
};

enum dpkg_field {
    DF_PACKAGE,
    DF_VERSION,
    DF_ARCH,
    DF_MAINTAINER,
    DF_ORIG_MAINTAINER,
    DF_HOMEPAGE,
    DF_DESCRIPTION,
    DF_SOURCE,
    DF_STATUS,
    DF_MULTIARCH,
    DF_COUNT_
};

static const char *const field_names[DF_COUNT_] = {
    [DF_PACKAGE] = "Package",
    [DF_VERSION] = "Version",
    [DF_ARCH] = "Architecture",
    [DF_MAINTAINER] = "Maintainer",
    [DF_ORIG_MAINTAINER] = "Original-Maintainer",
    [DF_HOMEPAGE] = "Homepage",
    [DF_DESCRIPTION] = "Description",
    [DF_SOURCE] = "Source",
    [DF_STATUS] = "Status",
    [DF_MULTIARCH] = "Multi-Arch",
};

struct stanza {
    size_t line;               /* first line, 1-based; 0: no field seen yet */
    struct span f[DF_COUNT_];
    bool in_field;             /* a continuation line is allowed */
};

struct parser {
    struct inventory *inv;
    bool read_lists;
    size_t problems;           /* problems reported */
    size_t suppressed;         /* problems past DPKG_MAX_PROBLEMS, counted */
    struct util_buf list;      /* reused for every .list */
};

/* ---- small text helpers ---------------------------------------------------- */

static struct span trim(const char *p, size_t n)
{
    while (n > 0 && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        n--;
    return (struct span){p, n};
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

/* The word `index` (0-based) of a space-separated span; n = 0 when absent. */
static struct span word(struct span s, unsigned index)
{
    size_t i = 0;
    for (unsigned w = 0;; w++) {
        while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        size_t start = i;
        while (i < s.n && s.p[i] != ' ' && s.p[i] != '\t')
            i++;
        if (w == index || start == i)
            return (struct span){s.p + start, i - start};
    }
}

static bool span_is(struct span s, const char *word_)
{
    return s.n == strlen(word_) && memcmp(s.p, word_, s.n) == 0;
}

/* A C string copy of a span in the arena ("" for an absent span gives NULL,
 * which every inv_* adder skips). */
static const char *cstr(struct inventory *inv, struct span s)
{
    return s.n ? inv_strndup(inv, s.p, s.n) : NULL;
}

/* Safe as one component of a path below the info folder (and short enough
 * for the name buffers of read_owned_files). */
static bool safe_component(struct span s)
{
    if (s.n == 0 || s.n > 200 || s.p[0] == '.')
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] == '/' || s.p[i] == '\0')
            return false;
    return true;
}

/* A problem in the status file at `line`; past DPKG_MAX_PROBLEMS only counted
 * (a file of junk must not become a million problems). */
static void __attribute__((format(printf, 3, 4))) complain(struct parser *ps, size_t line, const char *fmt, ...)
{
    if (ps->problems >= DPKG_MAX_PROBLEMS) {
        ps->suppressed++;
        return;
    }
    ps->problems++;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    inv_problem_add(ps->inv, DPKG_STATUS_REL, "line %zu: %s", line, msg);
}

/* ---- owned files ----------------------------------------------------------- */

/* True when `next` names something below `path` (path + '/' + ...). */
static bool is_parent_of(const char *path, size_t n, const char *next, size_t next_n)
{
    return next_n > n && memcmp(next, path, n) == 0 && next[n] == '/';
}

static size_t count_lines(const char *p, size_t n)
{
    size_t lines = 0;
    const char *end = p + n;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL)
        p++, lines++;
    return lines + 1;
}

/* Record the files of one .list held in ps->list (cut in place). */
static int add_list_files(struct parser *ps, struct inv_item *it, const char *rel)
{
    char *p = (char *)ps->list.data, *end = p + ps->list.len;
    size_t want = count_lines(p, ps->list.len);
    if (util_vec_reserve(&it->files, want < DPKG_MAX_FILES_PER_PACKAGE ? want : DPKG_MAX_FILES_PER_PACKAGE) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *line_end = nl ? nl : end;
        size_t n = (size_t)(line_end - p);
        char *next = nl ? nl + 1 : end;
        const char *next_end = memchr(next, '\n', (size_t)(end - next));
        size_t next_n = (size_t)((next_end ? next_end : end) - next);
        bool keep = n > 0 && p[0] == '/' && !(n == 2 && p[1] == '.') && !is_parent_of(p, n, next, next_n);
        if (keep) {
            if (it->files.n >= DPKG_MAX_FILES_PER_PACKAGE) {
                inv_problem_add(ps->inv, rel, "more than %d files: the rest are not recorded",
                                DPKG_MAX_FILES_PER_PACKAGE);
                break;
            }
            *line_end = '\0'; /* the buffer has a spare byte past len for the last line */
            if (inv_file_add(ps->inv, it, p) != 0)
                return ASSAY_ENOMEM;
        }
        p = next;
    }
    return 0;
}

/* Read info/<name>:<arch>.list or info/<name>.list (the Multi-Arch: same
 * form first when the stanza says so) and record the files. */
static int read_owned_files(struct parser *ps, struct inv_item *it, const struct stanza *st)
{
    struct span name = st->f[DF_PACKAGE], arch = st->f[DF_ARCH];
    if (!safe_component(name) || (arch.n && !safe_component(arch))) {
        complain(ps, st->line, "package name or architecture not usable as a file name: files not read");
        return 0;
    }
    char qualified[600], plain[600];
    snprintf(qualified, sizeof qualified, DPKG_INFO_REL "/%.*s:%.*s.list", (int)name.n, name.p, (int)arch.n, arch.p);
    snprintf(plain, sizeof plain, DPKG_INFO_REL "/%.*s.list", (int)name.n, name.p);
    /* dpkg names the list <pkg>:<arch>.list for Multi-Arch: same packages */
    bool same = arch.n && span_is(st->f[DF_MULTIARCH], "same");
    const char *order[2] = {same ? qualified : plain, same ? plain : qualified};
    for (int i = 0; i < (arch.n ? 2 : 1); i++) {
        const char *rel = order[i];
        int rc = inv_read_file(ps->inv, rel, DPKG_LIST_MAX, &ps->list);
        if (rc == ASSAY_ENOTFOUND)
            continue;
        if (rc == ASSAY_ENOMEM)
            return rc;
        if (rc != 0)
            return 0; /* recorded as a problem by inv_read_file */
        return add_list_files(ps, it, rel);
    }
    return 0;
}

/* ---- stanzas ---------------------------------------------------------------- */

/* Whether a package in this state has (some of) its files on disk. */
static int state_kept(struct span state)
{
    static const char *const kept[] = {"installed", "half-installed", "unpacked", "half-configured",
                                       "triggers-awaited", "triggers-pending"};
    static const char *const skipped[] = {"not-installed", "config-files"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        if (span_is(state, kept[i]))
            return 1;
    for (size_t i = 0; i < sizeof skipped / sizeof *skipped; i++)
        if (span_is(state, skipped[i]))
            return 0;
    return -1;
}

static int add_evidence(struct parser *ps, struct inv_item *it, const struct stanza *st)
{
    static const struct {
        enum dpkg_field field;
        const char *attribute;
    } map[] = {
        {DF_PACKAGE, "package.name"},
        {DF_MAINTAINER, "package.maintainer"},
        {DF_ORIG_MAINTAINER, "package.vendor"},
        {DF_HOMEPAGE, "package.homepage"},
    };
    char locator[32];
    snprintf(locator, sizeof locator, "line %zu", st->line);
    for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
        const char *v = cstr(ps->inv, st->f[map[i].field]);
        if (st->f[map[i].field].n && v == NULL)
            return util_error(ASSAY_ENOMEM, "out of memory");
        if (inv_evidence_add(ps->inv, it, map[i].attribute, v, DPKG_STATUS_REL, locator, INV_MEDIUM) != 0)
            return ASSAY_ENOMEM;
    }
    return 0;
}

static int add_attrs(struct parser *ps, struct inv_item *it, const struct stanza *st, struct span state)
{
    struct inventory *inv = ps->inv;
    struct span fields[] = {st->f[DF_ARCH], word(st->f[DF_SOURCE], 0), st->f[DF_DESCRIPTION], state};
    const char *names[] = {"arch", "source", "description", "status"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const char *v = cstr(inv, fields[i]);
        if ((fields[i].n && v == NULL) || inv_attr_add(inv, it, names[i], v) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return 0;
}

static int add_item(struct parser *ps, const struct stanza *st, struct span state)
{
    struct inventory *inv = ps->inv;
    struct span name = st->f[DF_PACKAGE], arch = st->f[DF_ARCH];
    struct inv_item *it = inv_item_new(inv, INV_PACKAGE, "dpkg");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    it->id = arch.n ? inv_printf(inv, "dpkg:%.*s:%.*s", (int)name.n, name.p, (int)arch.n, arch.p)
                    : inv_printf(inv, "dpkg:%.*s", (int)name.n, name.p);
    it->name = cstr(inv, name);
    it->version = cstr(inv, st->f[DF_VERSION]);
    it->publisher = cstr(inv, st->f[DF_MAINTAINER]);
    if (it->id == NULL || it->name == NULL || (st->f[DF_VERSION].n && it->version == NULL) ||
        (st->f[DF_MAINTAINER].n && it->publisher == NULL))
        return util_error(ASSAY_ENOMEM, "out of memory");
    int rc;
    if ((rc = add_attrs(ps, it, st, state)) != 0 || (rc = add_evidence(ps, it, st)) != 0)
        return rc;
    return ps->read_lists ? read_owned_files(ps, it, st) : 0;
}

/* A stanza ended: check it and make its item. */
static int finish_stanza(struct parser *ps, struct stanza *st)
{
    int rc = 0;
    if (st->line == 0)
        return 0;
    struct span state = word(st->f[DF_STATUS], 2);
    if (st->f[DF_PACKAGE].n == 0) {
        complain(ps, st->line, "stanza without a Package field");
    } else if (state.n == 0) {
        complain(ps, st->line, "package %.*s has no valid Status field",
                 (int)(st->f[DF_PACKAGE].n > 200 ? 200 : st->f[DF_PACKAGE].n), st->f[DF_PACKAGE].p);
    } else {
        int kept = state_kept(state);
        if (kept < 0)
            complain(ps, st->line, "unknown package state '%.*s'",
                     (int)(state.n > 64 ? 64 : state.n), state.p);
        else if (kept)
            rc = add_item(ps, st, state);
    }
    memset(st, 0, sizeof *st);
    return rc;
}

/* One "Field: value" line (not blank, not a continuation). */
static void field_line(struct parser *ps, struct stanza *st, const char *p, size_t n, size_t line)
{
    const char *colon = memchr(p, ':', n);
    if (colon == NULL || colon == p) {
        st->in_field = false;
        complain(ps, line, "%s", "not a \"Field: value\" line");
        return;
    }
    if (st->line == 0)
        st->line = line;
    st->in_field = true;
    size_t name_n = (size_t)(colon - p);
    for (int f = 0; f < DF_COUNT_; f++) {
        if (strlen(field_names[f]) == name_n && strncasecmp(p, field_names[f], name_n) == 0) {
            if (st->f[f].p == NULL) /* a repeated field: the first one counts */
                st->f[f] = trim(colon + 1, (size_t)(p + n - colon - 1));
            return;
        }
    }
}

static int parse_line(struct parser *ps, struct stanza *st, const char *p, size_t n, size_t line)
{
    if (memchr(p, '\0', n) != NULL) {
        complain(ps, line, "%s", "binary data (NUL byte)");
        return 0;
    }
    if (blank(p, n))
        return finish_stanza(ps, st);
    if (p[0] == ' ' || p[0] == '\t') {
        if (!st->in_field)
            complain(ps, line, "%s", "continuation line outside a field");
        return 0;
    }
    field_line(ps, st, p, n, line);
    return 0;
}

int dpkg_parse_status(struct inventory *inv, const char *text, size_t len, bool read_lists)
{
    struct parser ps = {.inv = inv, .read_lists = read_lists};
    struct stanza st = {0};
    const char *p = text, *end = text + len;
    size_t line = 0;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        rc = parse_line(&ps, &st, p, (size_t)(line_end - p), ++line);
        p = nl ? nl + 1 : end;
    }
    if (rc == 0)
        rc = finish_stanza(&ps, &st); /* the last stanza needs no blank line after it */
    if (rc == 0 && ps.suppressed)
        inv_problem_add(inv, DPKG_STATUS_REL, "%zu more problems in this file not listed", ps.suppressed);
    util_buf_free(&ps.list);
    return rc;
}

int inv_collect_dpkg(struct inventory *inv)
{
    struct util_buf status = {0};
    int rc = inv_read_file(inv, DPKG_STATUS_REL, DPKG_STATUS_MAX, &status);
    if (rc == 0)
        rc = dpkg_parse_status(inv, (const char *)status.data, status.len, true);
    else if (rc != ASSAY_ENOMEM)
        rc = 0; /* absent: no dpkg here; unreadable: already a problem */
    util_buf_free(&status);
    return rc;
}
