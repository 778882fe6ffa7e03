/* dbfile.c — the compiled database file (format in docs/database-format.md).
 *
 *   header   64 bytes: magic "ASSAYDB\0", format version, header size,
 *            section count, byte-order mark, payload size, payload checksum
 *   table    one entry per section: id, element size, offset, size
 *   payload  the sections, each 64-byte aligned: the sigdb arrays exactly as
 *            they are in memory after engine_build(), then the Vectorscan
 *            databases as hs_serialize_database() wrote them, then the YARA
 *            rules as one blob (lib/yara/rules_file*.c) with the engine's
 *            per-pattern atom chains and header classes (whose literal
 *            databases are serialized like the others)
 *
 * Loading maps the file and points the sigdb vectors at the sections (views:
 * cap == 0), so a million hash signatures cost no parsing. Every index that
 * the engine follows (names, nodes, classes, sources, expressions) is checked
 * against the section bounds on load, so a corrupt or forged file gets an
 * error, never a wild read. The YARA rules are rebuilt from their blob (a
 * few milliseconds for thousands of rules), which checks its own indices. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/error.h"
#include "../yara/rules_file.h"
#include "../yara/yscan.h"
#include "db.h"

#define DBFILE_MAGIC "ASSAYDB\0"
#define DBFILE_VERSION 10
#define DBFILE_BOM 0x01020304u
#define DBFILE_ALIGN 64

enum dbfile_section {
    SEC_STRINGS = 1, SEC_SOURCES, SEC_HASHES, SEC_BODIES, SEC_NODES, SEC_CLASSES, SEC_ALTOPTS,
    SEC_ALTBYTES, SEC_LOGICALS, SEC_LEXPR, SEC_FILENAME_IOCS, SEC_IGNORED, SEC_DIRECT, SEC_META,
    SEC_HS_ATOMS, SEC_HS_FALLBACK, SEC_HS_FILENAMES, SEC_HS_FILENAME_FPS, SEC_HS_ATOMS_NUL, SEC_ZERO_TRUE,
    SEC_SIZE_FILTER, SEC_HASH_FENCE, SEC_YARA, SEC_YARA_ATOM_NEXT, SEC_YARA_CLASSES,
    SEC_HS_CLASS_ATOMS, /* ... one per guard class (engine.h) */
    SEC_YARA_GATE_OPEN = SEC_HS_CLASS_ATOMS + ENGINE_GUARD_CLASSES,
    SEC_HS_GATE_ATOMS, /* ... one per gate group (gating.h) */
    SEC_YARA_WINDOW_RUN = SEC_HS_GATE_ATOMS + ENGINE_GATE_GROUPS,
    SEC_HS_CLASS_REGEXES, /* ... one per guard class */
    SEC_YARA_FIXED = SEC_HS_CLASS_REGEXES + ENGINE_GUARD_CLASSES,
    SEC_COUNT_ = SEC_YARA_FIXED
};

struct dbfile_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint32_t section_count;
    uint32_t bom;
    uint64_t payload_size;
    uint64_t checksum;
    uint8_t reserved[24];
};

struct dbfile_entry {
    uint32_t id;
    uint32_t elem_size;
    uint64_t offset;          /* from the start of the file */
    uint64_t size;
};

struct dbfile_meta {
    uint32_t section_hashes;
    uint32_t allow_hashes;
    uint64_t skipped_bad;
    uint8_t any_size_kinds;
    uint8_t yara_gates;        /* engine.ngates */
    uint8_t pad[2];
    uint32_t yara_base;        /* engine.yara_base */
};

_Static_assert(sizeof(struct dbfile_header) == 64, "header layout");
_Static_assert(sizeof(struct sig_hash) == 56, "sig_hash layout is part of the file format");
_Static_assert(sizeof(struct dbfile_meta) == 24, "meta layout");
_Static_assert(sizeof(struct engine_guard_class) == 16, "guard class layout is part of the file format");

/* The payload checksum: four lanes of two running sums over 64-bit words
 * (Fletcher's scheme, widened), folded with the length at the end. It
 * catches flipped bits, truncation and swapped blocks at memory speed; it
 * is not a seal against someone who wants to forge a file. */
struct checksum_state {
    uint64_t a[4], b[4];
    uint64_t total;
    uint8_t tail[32];   /* bytes not yet folded into the lanes (< 32) */
    size_t ntail;
};

static void checksum_begin(struct checksum_state *st)
{
    memset(st, 0, sizeof *st);
}

static void checksum_blocks(struct checksum_state *st, const uint8_t *p, size_t nblocks)
{
    uint64_t a0 = st->a[0], a1 = st->a[1], a2 = st->a[2], a3 = st->a[3];
    uint64_t b0 = st->b[0], b1 = st->b[1], b2 = st->b[2], b3 = st->b[3];
    for (size_t i = 0; i < nblocks; i++, p += 32) {
        uint64_t w[4];
        memcpy(w, p, 32);
        a0 += w[0], a1 += w[1], a2 += w[2], a3 += w[3];
        b0 += a0, b1 += a1, b2 += a2, b3 += a3;
    }
    st->a[0] = a0, st->a[1] = a1, st->a[2] = a2, st->a[3] = a3;
    st->b[0] = b0, st->b[1] = b1, st->b[2] = b2, st->b[3] = b3;
}

static void checksum_update(struct checksum_state *st, const uint8_t *p, size_t n)
{
    st->total += n;
    while (st->ntail && n) { /* finish a partial block first */
        st->tail[st->ntail++] = *p++;
        n--;
        if (st->ntail == 32) {
            checksum_blocks(st, st->tail, 1);
            st->ntail = 0;
        }
    }
    checksum_blocks(st, p, n / 32);
    p += n / 32 * 32;
    n %= 32;
    memcpy(st->tail + st->ntail, p, n);
    st->ntail += n;
}

static uint64_t checksum_end(const struct checksum_state *st)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = st->total * k;
    for (int j = 0; j < 4; j++) {
        h = (h ^ st->a[j]) * k;
        h = (h ^ st->b[j]) * k;
    }
    for (size_t i = 0; i < st->ntail; i++)
        h = (h ^ st->tail[i]) * 0x100000001B3ull;
    return h ^ h >> 29;
}

static uint64_t checksum(const uint8_t *p, size_t n)
{
    struct checksum_state st;
    checksum_begin(&st);
    checksum_update(&st, p, n);
    return checksum_end(&st);
}

/* For the fuzz target, which forges valid checksums over mutated payloads. */
uint64_t dbfile_checksum_for_tests(const uint8_t *p, size_t n);
uint64_t dbfile_checksum_for_tests(const uint8_t *p, size_t n)
{
    return checksum(p, n);
}

/* The checksum of `len` bytes of fd from `off`, through 16 MiB windows that
 * are mapped, summed and unmapped in turn: no copy, and at most one window
 * counts in our resident memory at a time (mapping the whole file would make
 * all of it resident for the rest of the scan). */
static int checksum_fd(int fd, uint64_t off, uint64_t len, uint64_t *out)
{
    enum { WINDOW = 16 << 20 };
    struct checksum_state st;
    checksum_begin(&st);
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    while (len) {
        uint64_t base = off / page * page, skip = off - base;
        size_t want = len < WINDOW ? (size_t)len : WINDOW;
        void *w = mmap(NULL, skip + want, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, (off_t)base);
        if (w == MAP_FAILED)
            return -1;
        checksum_update(&st, (const uint8_t *)w + skip, want);
        munmap(w, skip + want);
        off += want;
        len -= want;
    }
    *out = checksum_end(&st);
    return 0;
}

bool dbfile_is_compiled(const uint8_t *data, size_t len)
{
    return len >= 8 && memcmp(data, DBFILE_MAGIC, 8) == 0;
}

/* ---- writing --------------------------------------------------------------- */

struct section_src {
    uint32_t id;
    uint32_t elem_size;
    const void *data;
    size_t size;
    char *owned;              /* hs_serialize_database output to free */
};

static int serialize_hs(const hs_database_t *db, uint32_t id, struct section_src *s)
{
    memset(s, 0, sizeof *s);
    s->id = id;
    s->elem_size = 1;
    if (!db)
        return ASSAY_OK;
    size_t len;
    if (hs_serialize_database(db, &s->owned, &len) != HS_SUCCESS)
        return util_error(ASSAY_EENGINE, "cannot serialize a Vectorscan database");
    s->data = s->owned;
    s->size = len;
    return ASSAY_OK;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

/* Write what goes through the checksum. */
static bool write_summed(int fd, struct checksum_state *st, const void *p, size_t n)
{
    if (n == 0) /* p may be NULL */
        return true;
    checksum_update(st, p, n);
    return write_all(fd, p, n);
}

/* The payload (all after the header): the table, then the sections at their
 * offsets with zeros between them. *sum: its checksum. */
static bool write_payload(int fd, const struct section_src *sec, const struct dbfile_entry *table, uint64_t *sum)
{
    static const uint8_t zeros[DBFILE_ALIGN];
    struct checksum_state st;
    checksum_begin(&st);
    uint64_t pos = sizeof(struct dbfile_header) + SEC_COUNT_ * sizeof table[0];
    if (lseek(fd, sizeof(struct dbfile_header), SEEK_SET) < 0 ||
        !write_summed(fd, &st, table, SEC_COUNT_ * sizeof table[0]))
        return false;
    for (int i = 0; i < SEC_COUNT_; i++) {
        if (!write_summed(fd, &st, zeros, table[i].offset - pos) || !write_summed(fd, &st, sec[i].data, sec[i].size))
            return false;
        pos = table[i].offset + sec[i].size;
    }
    *sum = checksum_end(&st);
    return true;
}

static bool write_header(int fd, uint64_t end, uint64_t sum)
{
    struct dbfile_header h = {.version = DBFILE_VERSION, .header_size = sizeof h, .section_count = SEC_COUNT_,
                              .bom = DBFILE_BOM, .payload_size = end - sizeof h, .checksum = sum};
    memcpy(h.magic, DBFILE_MAGIC, 8);
    return pwrite(fd, &h, sizeof h, 0) == (ssize_t)sizeof h;
}

#define VEC_SECTION(ID, VEC) {ID, sizeof(*(VEC).v), (VEC).v, (VEC).n * sizeof(*(VEC).v), NULL}
#define BUF_SECTION(ID, BUF) {ID, 1, (BUF).data, (BUF).len, NULL}

int dbfile_save(const struct assay_db *adb, const char *path)
{
    const struct engine *e = &adb->engine;
    const struct sigdb *s = &e->sig;
    struct util_buf yara = {0};
    if (!yrules_empty(&e->yara)) {
        int yrc = yrules_save(&e->yara, &yara);
        if (yrc != ASSAY_OK) {
            util_buf_free(&yara);
            return yrc;
        }
    }
    struct dbfile_meta meta = {.section_hashes = e->section_hashes, .allow_hashes = e->allow_hashes,
                               .skipped_bad = s->skipped_bad, .any_size_kinds = e->any_size_kinds,
                               .yara_gates = (uint8_t)e->ngates,
                               .yara_base = yrules_empty(&e->yara) ? 0 : e->yara_base};
    uint8_t *fixed = NULL; /* per YARA pattern: 1 when checked at its string's fixed offset */
    size_t nfixed = yrules_empty(&e->yara) ? 0 : e->yara.patterns.n;
    if (nfixed && !(fixed = calloc(nfixed, 1))) {
        util_buf_free(&yara);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    for (size_t k = 0; fixed && k < e->yara_fixed.n; k++)
        fixed[e->yara_fixed.v[k].pattern] = 1;
    struct section_src sec[SEC_COUNT_] = {
        BUF_SECTION(SEC_STRINGS, s->strings),      VEC_SECTION(SEC_SOURCES, s->sources),
        VEC_SECTION(SEC_HASHES, s->hashes),        VEC_SECTION(SEC_BODIES, s->bodies),
        VEC_SECTION(SEC_NODES, s->nodes),          VEC_SECTION(SEC_CLASSES, s->classes),
        VEC_SECTION(SEC_ALTOPTS, s->altopts),      BUF_SECTION(SEC_ALTBYTES, s->altbytes),
        VEC_SECTION(SEC_LOGICALS, s->logicals),    BUF_SECTION(SEC_LEXPR, s->lexpr_code),
        VEC_SECTION(SEC_FILENAME_IOCS, s->filename_iocs), VEC_SECTION(SEC_IGNORED, s->ignored_names),
        VEC_SECTION(SEC_DIRECT, e->direct),        {SEC_META, sizeof meta, &meta, sizeof meta, NULL},
        [SEC_ZERO_TRUE - 1] = VEC_SECTION(SEC_ZERO_TRUE, e->zero_true),
        [SEC_SIZE_FILTER - 1] = VEC_SECTION(SEC_SIZE_FILTER, e->size_filter),
        [SEC_HASH_FENCE - 1] = VEC_SECTION(SEC_HASH_FENCE, e->hash_fence),
        [SEC_YARA - 1] = BUF_SECTION(SEC_YARA, yara),
        [SEC_YARA_ATOM_NEXT - 1] = {SEC_YARA_ATOM_NEXT, sizeof(uint32_t), e->yara_atom_next.v,
                                    yrules_empty(&e->yara) ? 0 : e->yara_atom_next.n * sizeof(uint32_t), NULL},
        [SEC_YARA_CLASSES - 1] = {SEC_YARA_CLASSES, sizeof(struct engine_guard_class), e->classes,
                                  e->nclasses * sizeof(struct engine_guard_class), NULL},
        [SEC_YARA_GATE_OPEN - 1] = {SEC_YARA_GATE_OPEN, 1, e->yara_gate_open.v,
                                    yrules_empty(&e->yara) ? 0 : e->yara_gate_open.n, NULL},
        [SEC_YARA_WINDOW_RUN - 1] = {SEC_YARA_WINDOW_RUN, 1, e->yara_window_run.v,
                                     yrules_empty(&e->yara) ? 0 : e->yara_window_run.n, NULL},
        [SEC_YARA_FIXED - 1] = {SEC_YARA_FIXED, 1, fixed, nfixed, NULL},
    };
    int rc = serialize_hs(e->atoms, SEC_HS_ATOMS, &sec[SEC_HS_ATOMS - 1]);
    if (rc == ASSAY_OK)
        rc = serialize_hs(e->atoms_nul, SEC_HS_ATOMS_NUL, &sec[SEC_HS_ATOMS_NUL - 1]);
    if (rc == ASSAY_OK)
        rc = serialize_hs(e->fallback, SEC_HS_FALLBACK, &sec[SEC_HS_FALLBACK - 1]);
    if (rc == ASSAY_OK)
        rc = serialize_hs(e->filenames, SEC_HS_FILENAMES, &sec[SEC_HS_FILENAMES - 1]);
    if (rc == ASSAY_OK)
        rc = serialize_hs(e->filename_fps, SEC_HS_FILENAME_FPS, &sec[SEC_HS_FILENAME_FPS - 1]);
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES && rc == ASSAY_OK; c++)
        rc = serialize_hs(c < e->nclasses ? e->class_atoms[c] : NULL, SEC_HS_CLASS_ATOMS + c,
                          &sec[SEC_HS_CLASS_ATOMS + c - 1]);
    for (uint32_t g = 0; g < ENGINE_GATE_GROUPS && rc == ASSAY_OK; g++)
        rc = serialize_hs(g < e->ngates ? e->gate_atoms[g] : NULL, SEC_HS_GATE_ATOMS + g,
                          &sec[SEC_HS_GATE_ATOMS + g - 1]);
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES && rc == ASSAY_OK; c++)
        rc = serialize_hs(c < e->nclasses ? e->class_regexes[c] : NULL, SEC_HS_CLASS_REGEXES + c,
                          &sec[SEC_HS_CLASS_REGEXES + c - 1]);

    /* Lay out the payload, then stream it to a temporary name and rename, so
     * a reader never sees half a file (and no copy of it is held in memory:
     * signature-base's 26 MB file had cost 32 MB more at the save). */
    struct dbfile_entry table[SEC_COUNT_];
    uint64_t off = sizeof(struct dbfile_header) + sizeof table;
    for (int i = 0; i < SEC_COUNT_; i++) {
        off = (off + DBFILE_ALIGN - 1) / DBFILE_ALIGN * DBFILE_ALIGN;
        table[i] = (struct dbfile_entry){sec[i].id, sec[i].elem_size, off, sec[i].size};
        off += sec[i].size;
    }
    if (rc == ASSAY_OK) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) {
            rc = util_error(ASSAY_EIO, "%s: %s", tmp, strerror(errno));
        } else {
            uint64_t sum = 0;
            bool ok = write_payload(fd, sec, table, &sum) && write_header(fd, off, sum) && fsync(fd) == 0;
            int e2 = errno;
            ok = close(fd) == 0 && ok;
            if (!ok || rename(tmp, path) != 0) {
                rc = util_error(ASSAY_EIO, "%s: %s", path, strerror(ok ? errno : e2));
                unlink(tmp);
            }
        }
    }
    util_buf_free(&yara);
    free(fixed);
    for (int i = 0; i < SEC_COUNT_; i++)
        free(sec[i].owned);
    return rc;
}

/* ---- loading --------------------------------------------------------------- */

struct loader {
    const char *path;
    const uint8_t *base;
    size_t len;
    int fd;
    const struct dbfile_entry *table;
    uint32_t count;
};

static int corrupt(const struct loader *l, const char *what)
{
    return util_error(ASSAY_EFORMAT, "%s: corrupt compiled database (%s)", l->path, what);
}

static const struct dbfile_entry *find_section(const struct loader *l, uint32_t id)
{
    for (uint32_t i = 0; i < l->count; i++)
        if (l->table[i].id == id)
            return &l->table[i];
    return NULL;
}

/* Point a vector at section `id`; elements must have the expected size. */
static int view(const struct loader *l, uint32_t id, size_t elem, void **v, size_t *n, size_t *cap)
{
    const struct dbfile_entry *s = find_section(l, id);
    if (!s)
        return corrupt(l, "missing section");
    if (s->elem_size != elem || s->size % elem != 0 || s->offset % DBFILE_ALIGN != 0)
        return corrupt(l, "section layout differs from this build");
    *v = s->size ? (void *)(l->base + s->offset) : NULL;
    *n = s->size / elem;
    *cap = 0;
    return ASSAY_OK;
}

#define VIEW(L, ID, VEC) view(L, ID, sizeof(*(VEC).v), (void **)&(VEC).v, &(VEC).n, &(VEC).cap)

static int view_buf(const struct loader *l, uint32_t id, struct util_buf *b)
{
    void *v;
    size_t n, cap;
    int rc = view(l, id, 1, &v, &n, &cap);
    b->data = v;
    b->len = n;
    b->cap = 0;
    return rc;
}

static int load_hs(const struct loader *l, uint32_t id, hs_database_t **out)
{
    const struct dbfile_entry *s = find_section(l, id);
    *out = NULL;
    if (!s)
        return corrupt(l, "missing engine section");
    if (s->size == 0)
        return ASSAY_OK;
    if (hs_deserialize_database((const char *)l->base + s->offset, s->size, out) != HS_SUCCESS)
        return util_error(ASSAY_EFORMAT, "%s: the compiled engine does not load on this machine "
                          "(built by another Vectorscan version or for another CPU); recompile it", l->path);
    return ASSAY_OK;
}

static bool str_ok(const struct sigdb *s, uint32_t off)
{
    return off < s->strings.len;
}

/* Every index the engine follows must stay inside its section. */
static int validate(const struct loader *l, const struct engine *e)
{
    const struct sigdb *s = &e->sig;
    if (s->strings.len == 0 || s->strings.data[s->strings.len - 1] != 0)
        return corrupt(l, "string pool");
    for (size_t i = 0; i < s->sources.n; i++)
        if (!str_ok(s, s->sources.v[i].path))
            return corrupt(l, "source name");
    /* Hash signatures (possibly millions) are not walked here: that would make
     * the whole section resident. Their fields are checked where used
     * (match.c: kind; object.c: name and source via the _checked lookups). */
    /* Pattern nodes and alternatives are checked where the verifier follows
     * them (verify.c), so that loading does not make them all resident. */
    for (size_t i = 0; i < s->bodies.n; i++) {
        const struct sig_body *b = &s->bodies.v[i];
        if (!str_ok(s, b->name) || b->source >= s->sources.n || b->node_first > s->nodes.n ||
            b->node_count > s->nodes.n - b->node_first || b->atom_first > b->node_count ||
            b->atom_len > b->node_count - b->atom_first ||
            (b->logical != SIG_NONE && (b->logical >= s->logicals.n || b->subsig >= SIG_MAX_SUBSIGS)))
            return corrupt(l, "body signature");
    }
    for (size_t i = 0; i < s->logicals.n; i++) {
        const struct sig_logical *g = &s->logicals.v[i];
        if (!str_ok(s, g->name) || g->source >= s->sources.n || g->expr_offset > s->lexpr_code.len ||
            g->expr_len > s->lexpr_code.len - g->expr_offset)
            return corrupt(l, "logical signature");
    }
    for (size_t i = 0; i < s->filename_iocs.n; i++) {
        const struct sig_filename_ioc *f = &s->filename_iocs.v[i];
        if (!str_ok(s, f->regex) || (f->fp_regex != SIG_NONE && !str_ok(s, f->fp_regex)) || f->source >= s->sources.n)
            return corrupt(l, "filename IOC");
    }
    for (size_t i = 0; i < s->ignored_names.n; i++)
        if (!str_ok(s, s->ignored_names.v[i]))
            return corrupt(l, "ignored name");
    for (size_t i = 0; i < e->direct.n; i++)
        if (e->direct.v[i] >= s->bodies.n)
            return corrupt(l, "anchored signature list");
    if (e->size_filter.n & (e->size_filter.n - 1))
        return corrupt(l, "size filter");
    /* The fence must describe this hash array; its order is checked where it
     * is searched (a wrong order only yields wrong ranges, never a wild read). */
    if (e->hash_fence.n != (s->hashes.n + ENGINE_FENCE_STEP - 1) / ENGINE_FENCE_STEP)
        return corrupt(l, "hash index");
    for (size_t i = 0; i < e->zero_true.n; i++)
        if (e->zero_true.v[i] >= s->logicals.n)
            return corrupt(l, "logical signature list");
    return ASSAY_OK;
}

/* The YARA atom chains (engine.yara_atom_next): each pattern has at most one
 * predecessor and every pattern lies on a chain starting at a pattern without
 * one, so following a chain from a Vectorscan hit always ends. */
static int check_atom_chains(const struct loader *l, const uint32_t *next, size_t n)
{
    uint8_t *has_pred = calloc(n ? n : 1, 1);
    if (!has_pred)
        return util_error(ASSAY_ENOMEM, "out of memory");
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        if (next[i] != YRULES_NONE) {
            ok = next[i] < n && !has_pred[next[i]];
            if (ok)
                has_pred[next[i]] = 1;
        }
    size_t reached = 0;
    for (size_t i = 0; i < n && ok; i++)
        if (!has_pred[i])
            for (uint32_t p = (uint32_t)i; p != YRULES_NONE && reached <= n; p = next[p])
                reached++;
    free(has_pred);
    return ok && reached == n ? ASSAY_OK : corrupt(l, "YARA atom chains");
}

/* The last error again, its message prefixed with the file's name. */
static int with_path(const struct loader *l, int rc)
{
    char why[512];
    snprintf(why, sizeof why, "%s", assay_last_error());
    return util_error(rc, "%s: %s", l->path, why);
}

/* The YARA rules, rebuilt from their blob, with the engine's atom chains;
 * externals defined before loading (held in e->yara) are applied to them. */
static int load_yara(const struct loader *l, struct engine *e, uint32_t yara_base)
{
    const struct dbfile_entry *sec = find_section(l, SEC_YARA);
    struct {
        uint32_t *v;
        size_t n, cap;
    } next;
    int rc = sec && sec->elem_size == 1
                 ? view(l, SEC_YARA_ATOM_NEXT, sizeof(uint32_t), (void **)&next.v, &next.n, &next.cap)
                 : corrupt(l, "YARA section");
    if (rc != ASSAY_OK)
        return rc;
    struct yrules y;
    yrules_init(&y);
    y.warn = e->yara.warn;
    y.warn_user = e->yara.warn_user;
    /* The regex programs stay in the mapping, which lives as long as the engine. */
    if (sec->size && (rc = yrules_load_view(&y, l->base + sec->offset, (size_t)sec->size, l->fd >= 0)) != ASSAY_OK)
        return with_path(l, rc);
    if (next.n != y.patterns.n || (!yrules_empty(&y) && yara_base != e->sig.bodies.n))
        rc = corrupt(l, "YARA atom chains");
    if (rc == ASSAY_OK)
        rc = check_atom_chains(l, next.v, next.n);
    if (rc == ASSAY_OK && next.n) {
        e->yara_atom_next.v = malloc(next.n * sizeof *next.v);
        if (!e->yara_atom_next.v) {
            rc = util_error(ASSAY_ENOMEM, "out of memory");
        } else {
            memcpy(e->yara_atom_next.v, next.v, next.n * sizeof *next.v);
            e->yara_atom_next.n = e->yara_atom_next.cap = next.n;
        }
    }
    if (rc == ASSAY_OK && (rc = yrules_file_apply_externals(&y, &e->yara)) != ASSAY_OK)
        rc = with_path(l, rc);
    if (rc != ASSAY_OK) {
        yrules_free(&y);
        return rc;
    }
    yrules_free(&e->yara);
    e->yara = y;
    e->yara_base = (uint32_t)e->sig.bodies.n;
    return ASSAY_OK;
}

/* The header checks of YARA rules with literal databases of their own. */
static int load_guard_classes(const struct loader *l, struct engine *e)
{
    struct {
        struct engine_guard_class *v;
        size_t n, cap;
    } classes;
    int rc = VIEW(l, SEC_YARA_CLASSES, classes);
    if (rc != ASSAY_OK)
        return rc;
    if (classes.n > ENGINE_GUARD_CLASSES || (classes.n && yrules_empty(&e->yara)))
        return corrupt(l, "YARA header classes");
    for (size_t c = 0; c < classes.n; c++) {
        memcpy(&e->classes[c], &classes.v[c], sizeof e->classes[c]);
        if (e->classes[c].reader >= YR_UINT32BE + 1) /* read through yeval_read's table */
            return corrupt(l, "YARA header classes");
    }
    e->nclasses = (uint32_t)classes.n;
    for (uint32_t c = 0; c < e->nclasses && rc == ASSAY_OK; c++)
        rc = load_hs(l, SEC_HS_CLASS_ATOMS + c, &e->class_atoms[c]);
    for (uint32_t c = 0; c < e->nclasses && rc == ASSAY_OK; c++)
        rc = load_hs(l, SEC_HS_CLASS_REGEXES + c, &e->class_regexes[c]);
    return rc;
}

/* A section of one byte per YARA pattern, copied into (*v, *n, *cap); the
 * caller checks the values. */
static int copy_pattern_bytes(const struct loader *l, uint32_t id, const struct engine *e, const char *what,
                              uint8_t **v, size_t *n, size_t *cap)
{
    struct {
        uint8_t *v;
        size_t n, cap;
    } bytes;
    int rc = VIEW(l, id, bytes);
    if (rc != ASSAY_OK)
        return rc;
    if (bytes.n != (yrules_empty(&e->yara) ? 0 : e->yara.patterns.n))
        return corrupt(l, what);
    if (bytes.n == 0)
        return ASSAY_OK;
    if (!(*v = malloc(bytes.n)))
        return util_error(ASSAY_ENOMEM, "out of memory");
    memcpy(*v, bytes.v, bytes.n);
    *n = *cap = bytes.n;
    return ASSAY_OK;
}

/* How masked windows are searched (engine.yara_window_run): a run must lie
 * inside its pattern's window, so the window check at a hit stays in it. */
static int load_window_runs(const struct loader *l, struct engine *e)
{
    int rc = copy_pattern_bytes(l, SEC_YARA_WINDOW_RUN, e, "YARA window runs", &e->yara_window_run.v,
                                &e->yara_window_run.n, &e->yara_window_run.cap);
    const struct ypattern *pats = e->yara.patterns.v;
    for (size_t p = 0; p < e->yara_window_run.n && rc == ASSAY_OK; p++) {
        uint8_t run = e->yara_window_run.v[p];
        uint32_t off = run >> 4, len = run & 15;
        if (run && (!(pats[p].flags & YPF_MASKED) || len == 0 || off + len > pats[p].atom_len))
            rc = corrupt(l, "YARA window runs");
    }
    return rc;
}

/* The YARA patterns checked at their string's fixed offset (in no
 * database): each must be one yscan_fixed_ends can place. */
static int load_fixed(const struct loader *l, struct engine *e)
{
    struct {
        uint8_t *v;
        size_t n, cap;
    } flags = {0};
    int rc = copy_pattern_bytes(l, SEC_YARA_FIXED, e, "YARA fixed-offset patterns", &flags.v, &flags.n, &flags.cap);
    for (size_t p = 0; p < flags.n && rc == ASSAY_OK; p++) {
        struct engine_fixed f = {.pattern = (uint32_t)p};
        if (flags.v[p] > 1 || (flags.v[p] && !yscan_fixed_ends(&e->yara, (uint32_t)p, f.end)))
            rc = corrupt(l, "YARA fixed-offset patterns");
        else if (flags.v[p] && util_vec_push(&e->yara_fixed, f) != 0)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
    }
    util_vec_free(&flags);
    return rc;
}

/* The gate groups (gating.h): per pattern the group its hits open, and a
 * literal database per group. */
static int load_gates(const struct loader *l, struct engine *e, uint32_t ngates)
{
    if (ngates > ENGINE_GATE_GROUPS)
        return corrupt(l, "YARA gate groups");
    int rc = copy_pattern_bytes(l, SEC_YARA_GATE_OPEN, e, "YARA gate groups", &e->yara_gate_open.v,
                                &e->yara_gate_open.n, &e->yara_gate_open.cap);
    for (size_t p = 0; p < e->yara_gate_open.n && rc == ASSAY_OK; p++)
        if (e->yara_gate_open.v[p] > ngates)
            rc = corrupt(l, "YARA gate groups");
    if (rc == ASSAY_OK)
        e->ngates = ngates;
    for (uint32_t g = 0; g < ngates && rc == ASSAY_OK; g++)
        rc = load_hs(l, SEC_HS_GATE_ATOMS + g, &e->gate_atoms[g]);
    return rc;
}

static int check_header(struct loader *l)
{
    struct dbfile_header h;
    if (l->len < sizeof h)
        return corrupt(l, "shorter than its header");
    memcpy(&h, l->base, sizeof h);
    if (h.bom != DBFILE_BOM)
        return util_error(ASSAY_EFORMAT, "%s: compiled database written on a machine of another byte order", l->path);
    if (h.version != DBFILE_VERSION)
        return util_error(ASSAY_EFORMAT, "%s: compiled database format version %u; this assay reads version %u",
                          l->path, h.version, DBFILE_VERSION);
    if (h.header_size != sizeof h || h.section_count == 0 || h.section_count > 128)
        return corrupt(l, "header");
    if (h.payload_size != l->len - sizeof h)
        return corrupt(l, "file is truncated or has trailing data");
    uint64_t sum;
    if (l->fd >= 0 ? checksum_fd(l->fd, sizeof h, l->len - sizeof h, &sum) != 0
                   : (sum = checksum(l->base + sizeof h, l->len - sizeof h), 0) != 0)
        return util_error(ASSAY_EIO, "%s: read error while checking the compiled database", l->path);
    if (sum != h.checksum)
        return corrupt(l, "checksum mismatch");
    size_t table_bytes = (size_t)h.section_count * sizeof(struct dbfile_entry);
    if (table_bytes > l->len - sizeof h)
        return corrupt(l, "section table");
    l->table = (const struct dbfile_entry *)(l->base + sizeof h);
    l->count = h.section_count;
    for (uint32_t i = 0; i < l->count; i++) {
        const struct dbfile_entry *s = &l->table[i];
        if (s->offset > l->len || s->size > l->len - s->offset || s->elem_size == 0)
            return corrupt(l, "section out of bounds");
    }
    return ASSAY_OK;
}

int dbfile_load(struct assay_db *adb, const char *path, void *map, size_t len, int fd)
{
    struct loader l = {.path = path, .base = map, .len = len, .fd = fd};
    struct engine *e = &adb->engine;
    int rc = check_header(&l);
    if (rc != ASSAY_OK)
        return rc;
    struct sigdb *s = &e->sig;
    void (*warn)(void *, const char *) = s->warn;
    void *warn_user = s->warn_user;
    sigdb_free(s); /* drop the empty pool from sigdb_init; views replace it */
    s->warn = warn;
    s->warn_user = warn_user;
    const struct dbfile_entry *m = find_section(&l, SEC_META);
    if (!m || m->size != sizeof(struct dbfile_meta))
        return corrupt(&l, "meta section");
    struct dbfile_meta meta;
    memcpy(&meta, l.base + m->offset, sizeof meta);
    if ((rc = view_buf(&l, SEC_STRINGS, &s->strings)) || (rc = VIEW(&l, SEC_SOURCES, s->sources)) ||
        (rc = VIEW(&l, SEC_HASHES, s->hashes)) || (rc = VIEW(&l, SEC_BODIES, s->bodies)) ||
        (rc = VIEW(&l, SEC_NODES, s->nodes)) || (rc = VIEW(&l, SEC_CLASSES, s->classes)) ||
        (rc = VIEW(&l, SEC_ALTOPTS, s->altopts)) || (rc = view_buf(&l, SEC_ALTBYTES, &s->altbytes)) ||
        (rc = VIEW(&l, SEC_LOGICALS, s->logicals)) || (rc = view_buf(&l, SEC_LEXPR, &s->lexpr_code)) ||
        (rc = VIEW(&l, SEC_FILENAME_IOCS, s->filename_iocs)) || (rc = VIEW(&l, SEC_IGNORED, s->ignored_names)) ||
        (rc = VIEW(&l, SEC_DIRECT, e->direct)) || (rc = VIEW(&l, SEC_ZERO_TRUE, e->zero_true)) ||
        (rc = VIEW(&l, SEC_SIZE_FILTER, e->size_filter)) || (rc = VIEW(&l, SEC_HASH_FENCE, e->hash_fence)))
        goto fail;
    if ((rc = validate(&l, e)) != ASSAY_OK || (rc = load_yara(&l, e, meta.yara_base)) != ASSAY_OK ||
        (rc = load_window_runs(&l, e)) != ASSAY_OK || (rc = load_fixed(&l, e)) != ASSAY_OK)
        goto fail;
    if ((rc = load_hs(&l, SEC_HS_ATOMS, &e->atoms)) || (rc = load_hs(&l, SEC_HS_ATOMS_NUL, &e->atoms_nul)) ||
        (rc = load_hs(&l, SEC_HS_FALLBACK, &e->fallback)) ||
        (rc = load_hs(&l, SEC_HS_FILENAMES, &e->filenames)) ||
        (rc = load_hs(&l, SEC_HS_FILENAME_FPS, &e->filename_fps)) || (rc = load_guard_classes(&l, e)) ||
        (rc = load_gates(&l, e, meta.yara_gates)))
        goto fail;
    e->section_hashes = meta.section_hashes;
    e->allow_hashes = meta.allow_hashes;
    e->any_size_kinds = meta.any_size_kinds;
    s->skipped_bad = (size_t)meta.skipped_bad;
    e->built = true;
    return ASSAY_OK;
fail:
    engine_free(e);
    sigdb_init(s);
    yrules_init(&e->yara);
    s->yara = &e->yara;
    s->warn = e->yara.warn = warn;
    s->warn_user = e->yara.warn_user = warn_user;
    return rc;
}
