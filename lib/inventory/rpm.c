/* rpm.c — rpm packages from the SQLite rpmdb (rpm ≥ 4.16): the table
 * Packages(hnum, blob) of <root>/var/lib/rpm/rpmdb.sqlite, or of
 * <root>/usr/lib/sysimage/rpm/rpmdb.sqlite (where newer distributions keep
 * it), and the header parser of rpm_header.h (its format and limits are
 * documented there).
 *
 * The database is opened read-only through a URI with immutable=1, so SQLite
 * takes no lock, writes nothing and never replays or creates a journal: an
 * offline image is never modified. The price: changes still in a -wal file
 * are not seen, which is reported as a problem when that file is not empty.
 * The older rpmdb formats (Berkeley DB `Packages`, ndb `Packages.db`) are not
 * read: finding one without an rpmdb.sqlite is a problem.
 *
 * Each header becomes one INV_PACKAGE item: id "rpm:<name>:<arch>"
 * ("rpm:<name>" without ARCH, as for gpg-pubkey); when several packages share
 * an id (install-only kernels, gpg-pubkey), each of them gets ":<version>"
 * appended so ids stay unique and stable. version = [epoch:]version-release;
 * publisher = Vendor, else Packager; attrs arch, source (the source rpm),
 * description (Summary); evidence package.name, package.vendor (Vendor),
 * package.maintainer (Packager), package.homepage (URL), all medium, with
 * locator "Packages hnum N". Files: every non-directory entry of the file
 * list (FILEMODES tells directories; without it every entry is recorded).
 * A header that does not parse is a problem naming its hnum; the others are
 * still read. */
#include "inventory/rpm_header.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assay.h"
#include "inventory/inventory.h"
#include "util/error.h"

/* ---- header blob ------------------------------------------------------------ */

struct blob {
    const uint8_t *index;  /* il entries of 16 bytes */
    uint32_t il;
    const uint8_t *data;   /* the data store */
    size_t dl;
};

struct entry {
    uint32_t tag, type, offset, count;
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static struct entry entry_at(const struct blob *b, uint32_t i)
{
    const uint8_t *e = b->index + (size_t)i * 16;
    return (struct entry){be32(e), be32(e + 4), be32(e + 8), be32(e + 12)};
}

/* The first entry of `tag`; false when the header has none. */
static bool find_entry(const struct blob *b, uint32_t tag, struct entry *out)
{
    for (uint32_t i = 0; i < b->il; i++) {
        *out = entry_at(b, i);
        if (out->tag == tag)
            return true;
    }
    return false;
}

/* The NUL-terminated string at `off` of the data store, or NULL. */
static const char *string_at(const struct blob *b, size_t off)
{
    if (off >= b->dl || memchr(b->data + off, 0, b->dl - off) == NULL)
        return NULL;
    return (const char *)b->data + off;
}

static int bad_entry(const struct entry *e, const char *what)
{
    return util_error(ASSAY_EFORMAT, "rpm header: tag %u: %s", e->tag, what);
}

/* A STRING or I18NSTRING tag (of an I18NSTRING, the first string). */
static int get_string(const struct blob *b, uint32_t tag, const char **out)
{
    struct entry e;
    *out = NULL;
    if (!find_entry(b, tag, &e))
        return 0;
    if (e.type != RPM_TYPE_STRING && e.type != RPM_TYPE_I18NSTRING)
        return bad_entry(&e, "not a string");
    if (e.count == 0 || (e.type == RPM_TYPE_STRING && e.count != 1))
        return bad_entry(&e, "wrong count for a string");
    if ((*out = string_at(b, e.offset)) == NULL)
        return bad_entry(&e, "string outside the data store or not terminated");
    return 0;
}

/* Whether `count` items of `size` bytes fit at e->offset in the data store. */
static bool fits(const struct blob *b, const struct entry *e, size_t size)
{
    return e->offset <= b->dl && (uint64_t)e->count * size <= (uint64_t)(b->dl - e->offset);
}

/* A STRING_ARRAY: the first `keep` strings into a new array (all `count`
 * are checked only as far as they are kept; the count must be plausible). */
static int get_string_array(const struct blob *b, const struct entry *e, size_t keep, const char ***out)
{
    *out = NULL;
    if (e->type != RPM_TYPE_STRING_ARRAY)
        return bad_entry(e, "not a string array");
    if (!fits(b, e, 1)) /* every string takes at least its NUL */
        return bad_entry(e, "count larger than the data store");
    if (keep == 0)
        return 0;
    const char **v = malloc(keep * sizeof *v);
    if (v == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    size_t off = e->offset;
    for (size_t i = 0; i < keep; i++) {
        const uint8_t *z = off < b->dl ? memchr(b->data + off, 0, b->dl - off) : NULL;
        if (z == NULL) {
            free(v);
            return bad_entry(e, "string array runs past the data store");
        }
        v[i] = (const char *)b->data + off;
        off = (size_t)(z - b->data) + 1;
    }
    *out = v;
    return 0;
}

static int get_epoch(const struct blob *b, struct rpm_header_info *h)
{
    struct entry e;
    if (!find_entry(b, RPM_TAG_EPOCH, &e))
        return 0;
    if (e.type != RPM_TYPE_INT32 || e.count == 0 || !fits(b, &e, 4))
        return bad_entry(&e, "not an integer inside the data store");
    h->has_epoch = true;
    h->epoch = be32(b->data + e.offset);
    return 0;
}

static int get_dirindexes(const struct blob *b, const struct entry *e, struct rpm_header_info *h)
{
    if (e->type != RPM_TYPE_INT32 || !fits(b, e, 4))
        return bad_entry(e, "not an integer array inside the data store");
    if (h->nfiles == 0)
        return 0;
    if ((h->dirindexes = malloc(h->nfiles * sizeof *h->dirindexes)) == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < h->nfiles; i++) {
        h->dirindexes[i] = be32(b->data + e->offset + 4 * i);
        if (h->dirindexes[i] >= h->ndirnames)
            return bad_entry(e, "dir index beyond the dir names");
    }
    return 0;
}

static int get_filemodes(const struct blob *b, struct rpm_header_info *h, uint32_t nbase)
{
    struct entry e;
    if (!find_entry(b, RPM_TAG_FILEMODES, &e))
        return 0;
    if (e.type != RPM_TYPE_INT16 || !fits(b, &e, 2) || e.count != nbase)
        return bad_entry(&e, "not an integer array of one mode per file");
    if (h->nfiles == 0)
        return 0;
    if ((h->filemodes = malloc(h->nfiles * sizeof *h->filemodes)) == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < h->nfiles; i++)
        h->filemodes[i] = be16(b->data + e.offset + 2 * i);
    return 0;
}

/* BASENAMES + DIRNAMES + DIRINDEXES (+ FILEMODES): all or none. */
static int get_files(const struct blob *b, struct rpm_header_info *h)
{
    struct entry base, dirs, idx;
    bool has_base = find_entry(b, RPM_TAG_BASENAMES, &base);
    bool has_dirs = find_entry(b, RPM_TAG_DIRNAMES, &dirs);
    bool has_idx = find_entry(b, RPM_TAG_DIRINDEXES, &idx);
    if (!has_base && !has_dirs && !has_idx)
        return 0;
    if (!has_base || !has_dirs || !has_idx)
        return util_error(ASSAY_EFORMAT, "rpm header: incomplete file list (base names, dir names and dir indexes go together)");
    if (idx.count != base.count)
        return bad_entry(&idx, "not one dir index per base name");
    if (dirs.count > RPM_HEADER_MAX_FILES)
        return bad_entry(&dirs, "more dir names than the limit");
    h->nfiles = base.count;
    if (h->nfiles > RPM_HEADER_MAX_FILES) {
        h->nfiles = RPM_HEADER_MAX_FILES;
        h->files_truncated = true;
    }
    h->ndirnames = dirs.count;
    int rc;
    if ((rc = get_string_array(b, &base, h->nfiles, &h->basenames)) != 0 ||
        (rc = get_string_array(b, &dirs, h->ndirnames, &h->dirnames)) != 0 ||
        (rc = get_dirindexes(b, &idx, h)) != 0 || (rc = get_filemodes(b, h, base.count)) != 0)
        return rc;
    return 0;
}

/* Layout: sizes, and every entry's type and offset. */
static int read_layout(const uint8_t *p, size_t n, struct blob *b)
{
    if (n < 8)
        return util_error(ASSAY_EFORMAT, "rpm header: %zu bytes, shorter than its 8-byte preamble", n);
    uint32_t il = be32(p), dl = be32(p + 4);
    if (il > RPM_HEADER_MAX_ENTRIES)
        return util_error(ASSAY_EFORMAT, "rpm header: %u index entries, more than the limit %d", il, RPM_HEADER_MAX_ENTRIES);
    if (dl > RPM_HEADER_MAX_DATA)
        return util_error(ASSAY_EFORMAT, "rpm header: data store of %u bytes, more than the limit %zu", dl, RPM_HEADER_MAX_DATA);
    uint64_t want = 8 + (uint64_t)il * 16 + dl;
    if (want != n)
        return util_error(ASSAY_EFORMAT, "rpm header: %zu bytes, but 8 + 16 x %u entries + %u data = %llu",
                          n, il, dl, (unsigned long long)want);
    *b = (struct blob){.index = p + 8, .il = il, .data = p + 8 + (size_t)il * 16, .dl = dl};
    for (uint32_t i = 0; i < il; i++) {
        struct entry e = entry_at(b, i);
        if (e.type > RPM_TYPE_MAX)
            return util_error(ASSAY_EFORMAT, "rpm header: entry %u (tag %u): unknown type %u", i, e.tag, e.type);
        if (e.offset > dl)
            return util_error(ASSAY_EFORMAT, "rpm header: entry %u (tag %u): offset %u beyond the data store (%u bytes)",
                              i, e.tag, e.offset, dl);
    }
    return 0;
}

void rpm_header_free(struct rpm_header_info *h)
{
    free(h->basenames);
    free(h->dirnames);
    free(h->dirindexes);
    free(h->filemodes);
    memset(h, 0, sizeof *h);
}

int rpm_header_parse(const uint8_t *p, size_t n, struct rpm_header_info *out)
{
    memset(out, 0, sizeof *out);
    struct blob b = {0};
    int rc = read_layout(p, n, &b);
    const struct {
        uint32_t tag;
        const char **dst;
    } strings[] = {
        {RPM_TAG_NAME, &out->name},         {RPM_TAG_VERSION, &out->version},
        {RPM_TAG_RELEASE, &out->release},   {RPM_TAG_SUMMARY, &out->summary},
        {RPM_TAG_VENDOR, &out->vendor},     {RPM_TAG_PACKAGER, &out->packager},
        {RPM_TAG_URL, &out->url},           {RPM_TAG_ARCH, &out->arch},
        {RPM_TAG_SOURCERPM, &out->sourcerpm},
    };
    for (size_t i = 0; rc == 0 && i < sizeof strings / sizeof *strings; i++)
        rc = get_string(&b, strings[i].tag, strings[i].dst);
    if (rc == 0)
        rc = get_epoch(&b, out);
    if (rc == 0)
        rc = get_files(&b, out);
    if (rc != 0)
        rpm_header_free(out);
    return rc;
}

bool rpm_header_file_is_dir(const struct rpm_header_info *h, size_t i)
{
    return h->filemodes != NULL && i < h->nfiles && (h->filemodes[i] & 0170000) == 0040000;
}

/* ---- the database ------------------------------------------------------------ */

struct rpmdb {
    struct inventory *inv;
    const char *rel;        /* root-relative path of rpmdb.sqlite */
    struct util_buf path;   /* scratch for file paths */
};

/* "[epoch:]version[-release]" */
static const char *evr(struct inventory *inv, const struct rpm_header_info *h)
{
    if (h->version == NULL)
        return NULL;
    char epoch[16] = "";
    if (h->has_epoch)
        snprintf(epoch, sizeof epoch, "%u:", h->epoch);
    return inv_printf(inv, "%s%s%s%s", epoch, h->version, h->release ? "-" : "", h->release ? h->release : "");
}

/* The source rpm; rpm writes "(none)" for packages without one (gpg-pubkey). */
static const char *source_rpm(const struct rpm_header_info *h)
{
    return h->sourcerpm && strcmp(h->sourcerpm, "(none)") != 0 ? h->sourcerpm : NULL;
}

static int add_files(struct rpmdb *d, struct inv_item *it, const struct rpm_header_info *h)
{
    if (util_vec_reserve(&it->files, h->nfiles) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < h->nfiles; i++) {
        if (rpm_header_file_is_dir(h, i))
            continue;
        const char *dir = h->dirnames[h->dirindexes[i]];
        d->path.len = 0;
        if ((dir[0] != '/' && util_buf_append_byte(&d->path, '/') != 0) ||
            util_buf_append(&d->path, dir, strlen(dir)) != 0 ||
            util_buf_append(&d->path, h->basenames[i], strlen(h->basenames[i]) + 1) != 0 ||
            inv_file_add(d->inv, it, (const char *)d->path.data) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    if (h->files_truncated)
        inv_problem_add(d->inv, d->rel, "package %s: more than %d files: the rest are not recorded", h->name,
                        RPM_HEADER_MAX_FILES);
    return 0;
}

static int add_package(struct rpmdb *d, int64_t hnum, const struct rpm_header_info *h)
{
    struct inventory *inv = d->inv;
    struct inv_item *it = inv_item_new(inv, INV_PACKAGE, "rpm");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    it->id = h->arch ? inv_printf(inv, "rpm:%s:%s", h->name, h->arch) : inv_printf(inv, "rpm:%s", h->name);
    it->name = inv_strdup(inv, h->name);
    it->version = evr(inv, h);
    it->publisher = inv_strdup(inv, h->vendor ? h->vendor : h->packager);
    if (it->id == NULL || it->name == NULL || (h->version && it->version == NULL) ||
        ((h->vendor || h->packager) && it->publisher == NULL))
        return util_error(ASSAY_ENOMEM, "out of memory");
    char locator[48];
    snprintf(locator, sizeof locator, "Packages hnum %lld", (long long)hnum);
    if (inv_attr_add(inv, it, "arch", h->arch) != 0 || inv_attr_add(inv, it, "source", source_rpm(h)) != 0 ||
        inv_attr_add(inv, it, "description", h->summary) != 0 ||
        inv_evidence_add(inv, it, "package.name", h->name, d->rel, locator, INV_MEDIUM) != 0 ||
        inv_evidence_add(inv, it, "package.vendor", h->vendor, d->rel, locator, INV_MEDIUM) != 0 ||
        inv_evidence_add(inv, it, "package.maintainer", h->packager, d->rel, locator, INV_MEDIUM) != 0 ||
        inv_evidence_add(inv, it, "package.homepage", h->url, d->rel, locator, INV_MEDIUM) != 0)
        return ASSAY_ENOMEM;
    return add_files(d, it, h);
}

static int one_row(struct rpmdb *d, sqlite3_stmt *st)
{
    int64_t hnum = sqlite3_column_int64(st, 0);
    const uint8_t *p = sqlite3_column_blob(st, 1);
    size_t n = (size_t)sqlite3_column_bytes(st, 1);
    struct rpm_header_info h;
    int rc = rpm_header_parse(p ? p : (const uint8_t *)"", n, &h);
    if (rc == ASSAY_ENOMEM)
        return rc;
    if (rc != 0) {
        inv_problem_add(d->inv, d->rel, "Packages hnum %lld: %s", (long long)hnum, assay_last_error());
        rc = 0;
    } else if (h.name == NULL || h.name[0] == '\0') {
        inv_problem_add(d->inv, d->rel, "Packages hnum %lld: header without a package name", (long long)hnum);
    } else {
        rc = add_package(d, hnum, &h);
    }
    rpm_header_free(&h);
    return rc;
}

/* "file:<path, percent-encoded>?immutable=1" (SQLite URI syntax). */
static char *immutable_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *uri = malloc(5 + 3 * n + sizeof "?immutable=1");
    if (uri == NULL)
        return NULL;
    char *o = uri;
    memcpy(o, "file:", 5), o += 5;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("/._-~", c)) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    memcpy(o, "?immutable=1", sizeof "?immutable=1");
    return uri;
}

/* A non-empty write-ahead log holds changes the immutable open cannot see. */
static void note_wal(struct rpmdb *d, const char *path)
{
    size_t n = strlen(path);
    char *wal = malloc(n + 5);
    struct stat st;
    if (wal == NULL)
        return;
    memcpy(wal, path, n);
    memcpy(wal + n, "-wal", 5);
    if (stat(wal, &st) == 0 && st.st_size > 0)
        inv_problem_add(d->inv, d->rel, "a non-empty rpmdb.sqlite-wal exists: changes not yet written back "
                                        "to the database are not read (opened read-only, immutable)");
    free(wal);
}

static int read_rpmdb(struct rpmdb *d)
{
    char *path = inv_path(d->inv, d->rel);
    char *uri = path ? immutable_uri(path) : NULL;
    if (uri == NULL) {
        free(path);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    note_wal(d, path);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = 0;
    int src = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_prepare_v2(db, "SELECT hnum, blob FROM Packages ORDER BY hnum", -1, &st, NULL);
    while (src == SQLITE_OK || src == SQLITE_ROW) {
        src = sqlite3_step(st);
        if (src == SQLITE_ROW && (rc = one_row(d, st)) != 0)
            break;
    }
    if (rc == 0 && src != SQLITE_DONE)
        inv_problem_add(d->inv, d->rel, "cannot read the rpm database: %s",
                        db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(uri);
    free(path);
    return rc;
}

/* ---- ids ----------------------------------------------------------------------- */

static int by_id(const void *a, const void *b)
{
    return strcmp((*(struct inv_item *const *)a)->id, (*(struct inv_item *const *)b)->id);
}

/* Items [first, n) that share an id get ":<version>" appended. */
static int make_ids_unique(struct inventory *inv, size_t first)
{
    size_t n = inv->items.n - first;
    if (n < 2)
        return 0;
    struct inv_item **v = malloc(n * sizeof *v);
    if (v == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    memcpy(v, inv->items.v + first, n * sizeof *v);
    qsort(v, n, sizeof *v, by_id);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i + 1;
        while (j < n && strcmp(v[j]->id, v[i]->id) == 0)
            j++;
        for (size_t k = i; j - i > 1 && k < j; k++) {
            const char *id = inv_printf(inv, "%s:%s", v[k]->id, v[k]->version ? v[k]->version : "");
            if (id == NULL) {
                rc = util_error(ASSAY_ENOMEM, "out of memory");
                break;
            }
            v[k]->id = id;
        }
        i = j;
    }
    free(v);
    return rc;
}

/* ---- collector ------------------------------------------------------------------ */

static const char *const rpm_dirs[] = {"/var/lib/rpm", "/usr/lib/sysimage/rpm"};

static void note_unsupported(struct inventory *inv)
{
    static const char *const formats[][2] = {{"Packages", "Berkeley DB"}, {"Packages.db", "ndb"}};
    char rel[64];
    for (size_t i = 0; i < sizeof rpm_dirs / sizeof *rpm_dirs; i++)
        for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
            snprintf(rel, sizeof rel, "%s/%s", rpm_dirs[i], formats[f][0]);
            if (inv_exists(inv, rel)) {
                inv_problem_add(inv, rel, "rpm database in %s format: not supported (only rpmdb.sqlite is read)",
                                formats[f][1]);
                return;
            }
        }
}

int inv_collect_rpm(struct inventory *inv)
{
    char rel[64];
    for (size_t i = 0; i < sizeof rpm_dirs / sizeof *rpm_dirs; i++) {
        snprintf(rel, sizeof rel, "%s/rpmdb.sqlite", rpm_dirs[i]);
        if (!inv_exists(inv, rel))
            continue;
        struct rpmdb d = {.inv = inv, .rel = rel};
        size_t first = inv->items.n;
        int rc = read_rpmdb(&d);
        util_buf_free(&d.path);
        return rc ? rc : make_ids_unique(inv, first);
    }
    note_unsupported(inv);
    return 0;
}
