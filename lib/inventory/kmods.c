/* kmods.c — Linux kernel modules: the module files of a root with what their
 * ELF `.modinfo` section and their appended signature say.
 *
 * Which modules
 *   - Live host with /proc/modules: the loaded modules (attr loaded=1,
 *     state), plus the installed out-of-tree modules of the running kernel
 *     (files not under <kver>/kernel/: updates/, extra/, dkms...) loaded or
 *     not. Files are found through <root>/lib/modules/$(uname -r)/modules.dep
 *     (a walk of that folder when it is missing); /sys/module/<name>/ gives
 *     version, srcversion and taint. Reading the ~6000 files of a distribution
 *     kernel, mostly compressed, would cost seconds; the loaded ones and the
 *     third-party ones are what a review needs.
 *   - Offline root (or a live host without /proc/modules): every *.ko,
 *     *.ko.xz, *.ko.zst, *.ko.gz below <root>/lib/modules/<kver>/ and
 *     <root>/usr/lib/modules/<kver>/ (the second skipped when it is the same
 *     folder), symlinks not followed.
 *   Out-of-tree modules are read first, then loaded ones, then the rest.
 *
 * What is read: compressed modules are decompressed with libarchive (xz,
 * zstd, gzip filters, raw format). The ELF section table is parsed here with
 * bounds checks (32/64-bit, both byte orders) to find `.modinfo`, whose
 * NUL-separated key=value strings give name, version, author, description,
 * license, vermagic, srcversion, intree, depends. A file ending in
 * "~Module signature appended~\n" carries a 12-byte module_signature (sig_len
 * big-endian in its last 4 bytes) after a PKCS#7/CMS blob: attr signed=1, and
 * the signer (issuer CN of the first SignerInfo, as modinfo shows it), key id
 * (serial or subject key id) and hash algorithm through OpenSSL. The
 * signature is not verified (the kernel's keyring is not available here):
 * kmod.signer is medium evidence.
 *
 * Cost (measured on the 2-core test machine): xz decompresses at ~40 MB/s
 * there (84% of the collector's time over 300 xz modules of 150 KB: 8 MiB
 * took ~200 ms), zstd ~10x and gzip ~4x faster; so decompression has a
 * per-run budget of KMOD_BUDGET "xz-equivalent" bytes (~100 ms; xz output
 * counts fully, gzip a quarter, zstd an eighth). Modules past the budget are
 * still listed (name, path, attr modinfo="not read (budget)"; their files are
 * not read). That is a chosen limit, not a source that could not be read, so
 * it is no inv_problem (a live host with many loaded in-tree modules would
 * otherwise always report one). Uncompressed modules are always read.
 *
 * Item: INV_KERNEL_MODULE, collector "kmod", id "kmod:<name>:<kver>" (the
 * name from modinfo name=, else the file name with '-' as '_'; a second file
 * of the same name and kernel gets ":<path>" appended), version, publisher
 * the first author, path the file; attrs kernel, loaded, state, compressed,
 * out_of_tree, signed, signer, sig_key, sig_hashalgo, the modinfo keys above,
 * taint, modinfo (why it was not read). Evidence: kmod.author (weak, each
 * author string, locator ".modinfo author"), kmod.signer (medium, locator
 * "module signature"), path (weak).
 *
 * Limits: KMOD_MAX_FILES module files per run, a module file at most
 * KMOD_MAX_FILE bytes and at most KMOD_MAX_FILE decompressed, folder depth
 * KMOD_MAX_DEPTH, modinfo values cut at KMOD_MAX_VALUE bytes, control bytes
 * in values become '?'. */
#include "inventory/cert_item.h"
#include "inventory/hwids.h"
#include "inventory/inventory.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <openssl/asn1.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "util/error.h"

#define KMOD_MAX_FILES 65536
#define KMOD_MAX_FILE ((size_t)256 << 20)
#define KMOD_MAX_DEPTH 16
#define KMOD_MAX_VALUE 1024
#define KMOD_BUDGET ((uint64_t)4 << 20)

enum kmod_comp { COMP_NONE, COMP_XZ, COMP_ZSTD, COMP_GZIP };

static const struct {
    const char *suffix;
    enum kmod_comp comp;
    const char *name;
    unsigned cost_shift; /* decompressed bytes >> shift count against the budget */
} kmod_suffixes[] = {
    {".ko", COMP_NONE, NULL, 0},
    {".ko.xz", COMP_XZ, "xz", 0},
    {".ko.zst", COMP_ZSTD, "zstd", 3},
    {".ko.gz", COMP_GZIP, "gzip", 2},
};

/* One module to report. */
struct kmod_job {
    char *name;       /* normalized ('-' → '_') */
    char *rel;        /* root-relative file, or NULL (loaded, file not found) */
    const char *kver; /* arena string */
    int suffix;       /* index into kmod_suffixes, -1 without a file */
    bool out_of_tree;
    bool loaded;
    const char *state;
};

struct kmod_ctx {
    struct inventory *inv;
    UTIL_VEC(struct kmod_job) jobs;
    uint64_t spent;    /* budget used */
    bool cut;          /* KMOD_MAX_FILES reached */
    struct util_buf file, plain;
};

/* ---- names and paths ----------------------------------------------------------------- */

/* The module suffix of a file name (index into kmod_suffixes), or -1. */
static int module_suffix(const char *file)
{
    size_t n = strlen(file);
    for (int i = (int)(sizeof kmod_suffixes / sizeof kmod_suffixes[0]) - 1; i >= 0; i--) {
        size_t s = strlen(kmod_suffixes[i].suffix);
        if (n > s && strcmp(file + n - s, kmod_suffixes[i].suffix) == 0)
            return i;
    }
    return -1;
}

/* The module name of a file path: base name without the suffix, '-' → '_'. */
static char *module_name(const char *path, int suffix)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base) - strlen(kmod_suffixes[suffix].suffix);
    char *s = strndup(base, n);
    for (char *p = s; p && *p; p++)
        if (*p == '-')
            *p = '_';
    return s;
}

static void jobs_free(struct kmod_ctx *c)
{
    for (size_t i = 0; i < c->jobs.n; i++) {
        free(c->jobs.v[i].name);
        free(c->jobs.v[i].rel);
    }
    util_vec_free(&c->jobs);
}

/* Add a job for the file `rel` (root-relative) of kernel `kver`;
 * `tree_rel` is its path below the version folder. */
static int add_file_job(struct kmod_ctx *c, const char *rel, const char *tree_rel, const char *kver)
{
    int suffix = module_suffix(rel);
    if (suffix < 0)
        return 0;
    if (c->jobs.n >= KMOD_MAX_FILES) {
        c->cut = true;
        return 0;
    }
    struct kmod_job j = {
        .name = module_name(rel, suffix),
        .rel = strdup(rel),
        .kver = kver,
        .suffix = suffix,
        .out_of_tree = strncmp(tree_rel, "kernel/", 7) != 0,
    };
    if (j.name == NULL || j.rel == NULL || util_vec_push(&c->jobs, j) != 0) {
        free(j.name);
        free(j.rel);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return 0;
}

/* Walk `rel` (root-relative) for module files; the version folder is the
 * first tree_len characters of rel. */
static int walk_modules(struct kmod_ctx *c, const char *rel, size_t tree_len, const char *kver,
                        int depth)
{
    if (depth > KMOD_MAX_DEPTH)
        return 0;
    char **names;
    size_t n;
    int rc = inv_list_dir(c->inv, rel, INV_LIST_VISIBLE, KMOD_MAX_FILES, &names, &n);
    if (rc != 0)
        return rc == ASSAY_ENOMEM ? rc : 0; /* absent, or a problem already recorded */
    for (size_t i = 0; i < n && rc == 0 && !c->cut; i++) {
        char *child = NULL;
        if (asprintf(&child, "%s/%s", rel, names[i]) < 0) {
            rc = util_error(ASSAY_ENOMEM, "out of memory");
            break;
        }
        char *abs = inv_path(c->inv, child);
        struct stat st;
        if (abs != NULL && lstat(abs, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = walk_modules(c, child, tree_len, kver, depth + 1);
            else if (S_ISREG(st.st_mode))
                rc = add_file_job(c, child, child + tree_len + 1, kver);
        }
        free(abs);
        free(child);
    }
    inv_names_free(names, n);
    return rc;
}

/* modules.dep of the version folder `vdir`: "path: deps" per line, the path
 * relative to vdir (or absolute). ASSAY_ENOTFOUND when absent. */
static int jobs_from_modules_dep(struct kmod_ctx *c, const char *vdir, const char *kver)
{
    char rel[1024];
    snprintf(rel, sizeof rel, "%s/modules.dep", vdir);
    struct util_buf b = {0};
    int rc = inv_read_file(c->inv, rel, 64 << 20, &b);
    if (rc != 0) {
        util_buf_free(&b);
        return rc == ASSAY_ENOMEM ? rc : ASSAY_ENOTFOUND;
    }
    char *s = (char *)b.data, *end = s + b.len;
    size_t vlen = strlen(vdir);
    while (s < end && rc == 0) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        *(nl ? nl : end) = '\0';
        char *colon = strchr(s, ':');
        if (colon != NULL && colon > s) {
            *colon = '\0';
            char path[2048];
            if (s[0] == '/')
                snprintf(path, sizeof path, "%s", s);
            else
                snprintf(path, sizeof path, "%s/%s", vdir, s);
            const char *tree = strncmp(path, vdir, vlen) == 0 && path[vlen] == '/' ? path + vlen + 1 : s;
            rc = add_file_job(c, path, tree, kver);
        }
        s = nl ? nl + 1 : end;
    }
    util_buf_free(&b);
    return rc;
}

static bool is_dir(const struct inventory *inv, const char *rel, struct stat *st)
{
    char *p = inv_path(inv, rel);
    bool ok = p != NULL && stat(p, st) == 0 && S_ISDIR(st->st_mode);
    free(p);
    return ok;
}

/* ---- which modules ---------------------------------------------------------------------- */

static int offline_jobs(struct kmod_ctx *c)
{
    static const char *const bases[] = {"/lib/modules", "/usr/lib/modules"};
    struct stat seen[2];
    size_t nseen = 0;
    int rc = 0;
    for (size_t b = 0; b < 2 && rc == 0; b++) {
        struct stat st;
        if (!is_dir(c->inv, bases[b], &st))
            continue;
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            dup |= seen[k].st_dev == st.st_dev && seen[k].st_ino == st.st_ino;
        if (dup)
            continue;
        seen[nseen++] = st;
        char **vers;
        size_t nv;
        if ((rc = inv_list_dir(c->inv, bases[b], INV_LIST_VISIBLE, 4096, &vers, &nv)) != 0) {
            rc = rc == ASSAY_ENOMEM ? rc : 0; /* absent, or a problem already recorded */
            continue;
        }
        for (size_t v = 0; v < nv && rc == 0; v++) {
            char vdir[1024];
            snprintf(vdir, sizeof vdir, "%s/%s", bases[b], vers[v]);
            const char *kver = inv_strdup(c->inv, vers[v]);
            rc = kver ? walk_modules(c, vdir, strlen(vdir), kver, 0)
                      : util_error(ASSAY_ENOMEM, "out of memory");
        }
        inv_names_free(vers, nv);
    }
    return rc;
}

static int job_name_cmp(const void *a, const void *b)
{
    const struct kmod_job *x = a, *y = b;
    return strcmp(x->name, y->name);
}

/* The loaded module `name` (from /proc/modules): its file job, or a new
 * job without a file. */
static int mark_loaded(struct kmod_ctx *c, size_t nfiles, const char *name, const char *state,
                       const char *kver)
{
    struct kmod_job key = {.name = (char *)name};
    struct kmod_job *j =
        nfiles > 0 ? bsearch(&key, c->jobs.v, nfiles, sizeof key, job_name_cmp) : NULL;
    if (j == NULL) {
        struct kmod_job nj = {.name = strdup(name), .kver = kver, .suffix = -1};
        if (nj.name == NULL || util_vec_push(&c->jobs, nj) != 0) {
            free(nj.name);
            return util_error(ASSAY_ENOMEM, "out of memory");
        }
        j = &c->jobs.v[c->jobs.n - 1];
    }
    j->loaded = true;
    j->state = inv_strdup(c->inv, state);
    return 0;
}

/* Live host: 0 and jobs, or ASSAY_ENOTFOUND when /proc/modules is absent. */
static int live_jobs(struct kmod_ctx *c)
{
    struct util_buf b = {0};
    int rc = inv_read_file(c->inv, "/proc/modules", 16 << 20, &b);
    if (rc != 0) {
        util_buf_free(&b);
        return rc == ASSAY_ENOMEM ? rc : ASSAY_ENOTFOUND;
    }
    struct utsname u;
    const char *kver = inv_strdup(c->inv, uname(&u) == 0 ? u.release : "unknown");
    char vdir[512] = "";
    struct stat st;
    for (size_t i = 0; i < 2 && kver; i++) {
        snprintf(vdir, sizeof vdir, "%s/%s", i == 0 ? "/lib/modules" : "/usr/lib/modules", kver);
        if (is_dir(c->inv, vdir, &st))
            break;
        vdir[0] = '\0';
    }
    if (kver == NULL)
        rc = util_error(ASSAY_ENOMEM, "out of memory");
    else if (vdir[0] && (rc = jobs_from_modules_dep(c, vdir, kver)) == ASSAY_ENOTFOUND)
        rc = walk_modules(c, vdir, strlen(vdir), kver, 0);
    size_t nfiles = c->jobs.n;
    if (nfiles > 1)
        qsort(c->jobs.v, nfiles, sizeof *c->jobs.v, job_name_cmp);
    char *s = (char *)b.data, *end = s + b.len;
    while (rc == 0 && s < end) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        *(nl ? nl : end) = '\0';
        char name[256], state[32] = "";
        /* "name size refcount deps state address" */
        if (sscanf(s, "%255s %*s %*s %*s %31s", name, state) >= 1)
            rc = mark_loaded(c, nfiles, name, state, kver);
        s = nl ? nl + 1 : end;
    }
    util_buf_free(&b);
    /* keep the loaded modules and the out-of-tree files */
    size_t w = 0;
    for (size_t i = 0; i < c->jobs.n; i++) {
        struct kmod_job j = c->jobs.v[i];
        if (j.loaded || j.out_of_tree) {
            c->jobs.v[w++] = j;
        } else {
            free(j.name);
            free(j.rel);
        }
    }
    c->jobs.n = w;
    return rc;
}

/* Out-of-tree first, then loaded, then by name and kernel. */
static int job_order(const void *a, const void *b)
{
    const struct kmod_job *x = a, *y = b;
    if (x->out_of_tree != y->out_of_tree)
        return x->out_of_tree ? -1 : 1;
    if (x->loaded != y->loaded)
        return x->loaded ? -1 : 1;
    int d = strcmp(x->name, y->name);
    return d ? d : strcmp(x->kver, y->kver);
}

/* ---- reading a module -------------------------------------------------------------------- */

/* Decompress data[0..len) into out with libarchive's raw reader and only the
 * filter that the suffix names (no external programs). */
static int decompress(const uint8_t *data, size_t len, enum kmod_comp comp, struct util_buf *out)
{
    out->len = 0;
    struct archive *a = archive_read_new();
    if (a == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    int r = comp == COMP_XZ     ? archive_read_support_filter_xz(a)
            : comp == COMP_ZSTD ? archive_read_support_filter_zstd(a)
                                : archive_read_support_filter_gzip(a);
    struct archive_entry *e;
    int rc = 0;
    if (r != ARCHIVE_OK || archive_read_support_format_raw(a) != ARCHIVE_OK ||
        archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
        archive_read_next_header(a, &e) != ARCHIVE_OK) {
        rc = util_error(ASSAY_EFORMAT, "%s", archive_error_string(a) ? archive_error_string(a)
                                                                    : "not a compressed stream");
        archive_read_free(a);
        return rc;
    }
    for (;;) {
        if (util_buf_reserve(out, 256 * 1024) != 0) {
            rc = util_error(ASSAY_ENOMEM, "out of memory");
            break;
        }
        la_ssize_t got = archive_read_data(a, out->data + out->len, out->cap - out->len - 1);
        if (got < 0) {
            rc = util_error(ASSAY_EFORMAT, "%s", archive_error_string(a) ? archive_error_string(a)
                                                                        : "damaged stream");
            break;
        }
        if (got == 0)
            break;
        out->len += (size_t)got;
        if (out->len > KMOD_MAX_FILE) {
            rc = util_error(ASSAY_ELIMIT, "decompresses to more than %zu bytes", KMOD_MAX_FILE);
            break;
        }
    }
    archive_read_free(a);
    if (rc == 0)
        out->data[out->len] = '\0';
    return rc;
}

static uint64_t rd(const uint8_t *p, size_t n, bool be)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[be ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

/* [off, off + size) inside a buffer of len bytes. */
static bool in_bounds(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

/* The bytes of the section named `want` of an ELF file, with bounds checks. */
static bool elf_section(const uint8_t *d, size_t len, const char *want, const uint8_t **out,
                        size_t *out_len)
{
    if (len < 0x40 || memcmp(d, "\x7f" "ELF", 4) != 0 || (d[4] != 1 && d[4] != 2) ||
        (d[5] != 1 && d[5] != 2))
        return false;
    bool is64 = d[4] == 2, be = d[5] == 2;
    uint64_t shoff = is64 ? rd(d + 0x28, 8, be) : rd(d + 0x20, 4, be);
    uint64_t shnum = rd(d + (is64 ? 0x3c : 0x30), 2, be);
    uint64_t shstrndx = rd(d + (is64 ? 0x3e : 0x32), 2, be);
    uint64_t entsz = is64 ? 64 : 40;
    if (shnum == 0 || shstrndx >= shnum || !in_bounds(shoff, shnum * entsz, len))
        return false;
    const uint8_t *sh = d + shoff;
#define SH_OFF(i) (is64 ? rd(sh + (i) * entsz + 0x18, 8, be) : rd(sh + (i) * entsz + 0x10, 4, be))
#define SH_SIZE(i) (is64 ? rd(sh + (i) * entsz + 0x20, 8, be) : rd(sh + (i) * entsz + 0x14, 4, be))
    uint64_t str_off = SH_OFF(shstrndx), str_size = SH_SIZE(shstrndx);
    if (!in_bounds(str_off, str_size, len))
        return false;
    size_t want_len = strlen(want);
    for (uint64_t i = 0; i < shnum; i++) {
        uint64_t name = rd(sh + i * entsz, 4, be);
        uint32_t type = (uint32_t)rd(sh + i * entsz + 4, 4, be);
        if (type == 8 /* SHT_NOBITS */ || name >= str_size || str_size - name < want_len + 1 ||
            memcmp(d + str_off + name, want, want_len + 1) != 0)
            continue;
        uint64_t off = SH_OFF(i), size = SH_SIZE(i);
        if (!in_bounds(off, size, len))
            return false;
        *out = d + off;
        *out_len = (size_t)size;
        return true;
    }
#undef SH_OFF
#undef SH_SIZE
    return false;
}

/* A value cut at KMOD_MAX_VALUE bytes, control bytes as '?'. */
static const char *clean_value(struct inventory *inv, const char *v, size_t n)
{
    char tmp[KMOD_MAX_VALUE + 1];
    if (n > KMOD_MAX_VALUE)
        n = KMOD_MAX_VALUE;
    for (size_t i = 0; i < n; i++)
        tmp[i] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
    tmp[n] = '\0';
    return inv_strdup(inv, tmp);
}

static int add_modinfo(struct inventory *inv, struct inv_item *it, const uint8_t *mi, size_t n)
{
    static const char *const kept[] = {"description", "license", "vermagic", "srcversion",
                                       "intree", "depends", "author"};
    const char *p = (const char *)mi, *end = p + n;
    int rc = 0;
    while (p < end && rc == 0) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        size_t len = z ? (size_t)(z - p) : (size_t)(end - p);
        const char *eq = memchr(p, '=', len);
        if (eq != NULL) {
            size_t klen = (size_t)(eq - p);
            const char *val = clean_value(inv, eq + 1, len - klen - 1);
            if (val == NULL)
                return util_error(ASSAY_ENOMEM, "out of memory");
            if (klen == 4 && memcmp(p, "name", 4) == 0 && val[0])
                it->name = val;
            else if (klen == 7 && memcmp(p, "version", 7) == 0)
                it->version = val;
            for (size_t k = 0; k < sizeof kept / sizeof kept[0]; k++)
                if (strlen(kept[k]) == klen && memcmp(p, kept[k], klen) == 0)
                    rc = inv_attr_add(inv, it, kept[k], val);
            if (rc == 0 && klen == 6 && memcmp(p, "author", 6) == 0) {
                if (it->publisher == NULL && val[0])
                    it->publisher = val;
                rc = inv_evidence_add(inv, it, "kmod.author", val, it->path, ".modinfo author",
                                      INV_WEAK);
            }
        }
        p += len + 1;
    }
    return rc;
}

/* ---- the appended signature ---------------------------------------------------------------- */

#define SIG_MAGIC "~Module signature appended~\n"
#define SIG_MAGIC_LEN (sizeof SIG_MAGIC - 1)
#define SIG_INFO_LEN 12

/* Hex with colons, upper case (as modinfo prints sig_key). */
static const char *hex_colons(struct inventory *inv, const unsigned char *p, size_t n)
{
    if (n > 64)
        n = 64;
    char tmp[64 * 3 + 1];
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(tmp + o, sizeof tmp - o, "%s%02X", i ? ":" : "", p[i]);
    tmp[o] = '\0';
    return inv_strdup(inv, tmp);
}

/* Signer facts of a PKCS#7 / CMS SignedData blob. */
static int add_pkcs7_signer(struct inventory *inv, struct inv_item *it, const uint8_t *sig, size_t n)
{
    const unsigned char *p = sig;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
    STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
    CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) > 0 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
    int rc = 0;
    if (si == NULL) {
        inv_problem_add(inv, it->path, "module signature: not a PKCS#7 SignedData");
        CMS_ContentInfo_free(cms);
        ERR_clear_error();
        return 0;
    }
    ASN1_OCTET_STRING *keyid = NULL;
    X509_NAME *issuer = NULL;
    ASN1_INTEGER *serial = NULL;
    X509_ALGOR *dig = NULL;
    const char *signer = NULL, *key = NULL, *algo = NULL;
    if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) == 1) {
        if (issuer != NULL) {
            signer = inv_certificate_name_entry(inv, issuer, NID_commonName);
            if (signer == NULL)
                signer = inv_certificate_name_entry(inv, issuer, NID_organizationName);
        }
        if (serial != NULL)
            key = hex_colons(inv, ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial));
        else if (keyid != NULL)
            key = hex_colons(inv, ASN1_STRING_get0_data(keyid), (size_t)ASN1_STRING_length(keyid));
    }
    CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
    if (dig != NULL) {
        const ASN1_OBJECT *obj;
        X509_ALGOR_get0(&obj, NULL, NULL, dig);
        const char *sn = OBJ_nid2sn(OBJ_obj2nid(obj));
        if (sn != NULL && OBJ_obj2nid(obj) != NID_undef) {
            char low[32];
            size_t k = 0;
            for (; sn[k] && k < sizeof low - 1; k++)
                low[k] = (char)tolower((unsigned char)sn[k]);
            low[k] = '\0';
            algo = inv_strdup(inv, low);
        }
    }
    if ((rc = inv_attr_add(inv, it, "signer", signer)) == 0 &&
        (rc = inv_attr_add(inv, it, "sig_key", key)) == 0 &&
        (rc = inv_attr_add(inv, it, "sig_hashalgo", algo)) == 0)
        rc = inv_evidence_add(inv, it, "kmod.signer", signer, it->path, "module signature",
                              INV_MEDIUM);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return rc;
}

/* The signature trailer of d[0..*len): records it and shortens *len to the
 * module proper. */
static int add_signature(struct inventory *inv, struct inv_item *it, const uint8_t *d, size_t *len)
{
    size_t n = *len;
    if (n < SIG_MAGIC_LEN + SIG_INFO_LEN || memcmp(d + n - SIG_MAGIC_LEN, SIG_MAGIC, SIG_MAGIC_LEN) != 0)
        return inv_attr_add(inv, it, "signed", "0");
    const uint8_t *info = d + n - SIG_MAGIC_LEN - SIG_INFO_LEN;
    uint64_t sig_len = rd(info + 8, 4, true);
    size_t room = n - SIG_MAGIC_LEN - SIG_INFO_LEN;
    int rc = inv_attr_add(inv, it, "signed", "1");
    if (rc != 0)
        return rc;
    if (sig_len == 0 || sig_len > room) {
        inv_problem_add(inv, it->path, "module signature: length %llu does not fit the file",
                        (unsigned long long)sig_len);
        return 0;
    }
    *len = room - (size_t)sig_len;
    if (info[2] != 2) /* id_type: PKEY_ID_PKCS7 */
        return inv_attr_add(inv, it, "sig_id_type", info[2] == 1 ? "x509" : "pgp");
    return add_pkcs7_signer(inv, it, d + *len, (size_t)sig_len);
}

/* Read the module file of j into it: modinfo and signature, or why not. */
static int read_module(struct kmod_ctx *c, const struct kmod_job *j, struct inv_item *it)
{
    struct inventory *inv = c->inv;
    enum kmod_comp comp = kmod_suffixes[j->suffix].comp;
    if (comp != COMP_NONE && c->spent >= KMOD_BUDGET) {
        return inv_attr_add(inv, it, "modinfo", "not read (budget)");
    }
    int rc = inv_read_file(inv, j->rel, KMOD_MAX_FILE, &c->file);
    if (rc == ASSAY_ENOMEM)
        return rc;
    if (rc != 0)
        return inv_attr_add(inv, it, "modinfo", "not read (file unreadable)");
    const uint8_t *d = c->file.data;
    size_t len = c->file.len;
    if (comp != COMP_NONE) {
        rc = decompress(d, len, comp, &c->plain);
        if (rc == ASSAY_ENOMEM)
            return rc;
        c->spent += (uint64_t)c->plain.len >> kmod_suffixes[j->suffix].cost_shift;
        if (rc != 0) {
            inv_problem_add(inv, j->rel, "%s", assay_last_error());
            return inv_attr_add(inv, it, "modinfo", "not read (damaged compression)");
        }
        d = c->plain.data;
        len = c->plain.len;
    }
    if ((rc = add_signature(inv, it, d, &len)) != 0)
        return rc;
    const uint8_t *mi;
    size_t mi_len;
    if (!elf_section(d, len, ".modinfo", &mi, &mi_len)) {
        inv_problem_add(inv, j->rel, "not an ELF module with a .modinfo section");
        return inv_attr_add(inv, it, "modinfo", "not read (no .modinfo)");
    }
    return add_modinfo(inv, it, mi, mi_len);
}

/* /sys/module/<name>/ facts of a loaded module. */
static int add_sysfs_facts(struct kmod_ctx *c, const struct kmod_job *j, struct inv_item *it)
{
    static const char *const facts[] = {"version", "srcversion", "taint"};
    char dir[512];
    snprintf(dir, sizeof dir, "/sys/module/%s", j->name);
    struct util_buf b = {0};
    int rc = 0;
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        const char *v = hw_sysfs_attr(c->inv, dir, facts[i], &b);
        if (v == NULL || inv_attr_get(it, facts[i]) != NULL)
            continue;
        if (i == 0 && it->version == NULL)
            it->version = inv_strdup(c->inv, v);
        else if (i > 0)
            rc = inv_attr_add(c->inv, it, facts[i], v);
    }
    util_buf_free(&b);
    return rc;
}

static int report_job(struct kmod_ctx *c, const struct kmod_job *j)
{
    struct inventory *inv = c->inv;
    struct inv_item *it = inv_item_new(inv, INV_KERNEL_MODULE, "kmod");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    it->name = inv_strdup(inv, j->name);
    it->path = inv_strdup(inv, j->rel);
    if (it->name == NULL || (j->rel && it->path == NULL))
        return util_error(ASSAY_ENOMEM, "out of memory");
    int rc = inv_attr_add(inv, it, "kernel", j->kver);
    if (rc == 0 && j->loaded)
        rc = inv_attr_add(inv, it, "loaded", "1");
    if (rc == 0)
        rc = inv_attr_add(inv, it, "state", j->state);
    if (rc == 0 && j->suffix >= 0)
        rc = inv_attr_add(inv, it, "compressed", kmod_suffixes[j->suffix].name);
    if (rc == 0 && j->rel)
        rc = inv_attr_add(inv, it, "out_of_tree", j->out_of_tree ? "1" : "0");
    if (rc == 0 && j->rel)
        rc = read_module(c, j, it);
    if (rc == 0 && j->loaded)
        rc = add_sysfs_facts(c, j, it);
    if (rc == 0 && j->rel)
        rc = inv_evidence_add(inv, it, "path", j->rel, j->rel, NULL, INV_WEAK);
    /* the id uses the name the module gives itself when it has one */
    it->id = inv_printf(inv, "kmod:%s:%s", it->name, j->kver);
    return rc != 0 ? rc : it->id ? 0 : util_error(ASSAY_ENOMEM, "out of memory");
}

struct id_ref {
    struct inv_item *it;
    size_t index;
};

static int id_ref_cmp(const void *a, const void *b)
{
    const struct id_ref *x = a, *y = b;
    int d = strcmp(x->it->id, y->it->id);
    return d ? d : x->index < y->index ? -1 : x->index > y->index;
}

/* Two files naming the same module for one kernel (a module in kernel/ and
 * its replacement in updates/): the first in report order keeps
 * "kmod:<name>:<kver>", the others get ":<path>" appended. */
static int unique_ids(struct inventory *inv, size_t first)
{
    size_t n = inv->items.n - first;
    if (n < 2)
        return 0;
    struct id_ref *refs = malloc(n * sizeof *refs);
    if (refs == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        refs[i] = (struct id_ref){inv->items.v[first + i], i};
    qsort(refs, n, sizeof *refs, id_ref_cmp);
    int rc = 0;
    for (size_t i = 1; i < n && rc == 0; i++) {
        if (strcmp(refs[i].it->id, refs[i - 1].it->id) != 0)
            continue;
        struct inv_item *it = refs[i].it;
        const char *id = inv_printf(inv, "%s:%s", it->id, it->path ? it->path : "?");
        if (id == NULL)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
        /* the sorted neighbour keeps comparing equal to the next duplicate */
        refs[i].it = refs[i - 1].it;
        it->id = id;
    }
    free(refs);
    return rc;
}

int inv_collect_kmods(struct inventory *inv)
{
    size_t first = inv->items.n;
    struct kmod_ctx c = {.inv = inv};
    int rc = inv->live ? live_jobs(&c) : ASSAY_ENOTFOUND;
    if (rc == ASSAY_ENOTFOUND) {
        jobs_free(&c);
        rc = offline_jobs(&c);
    }
    if (rc == 0 && c.jobs.n > 1)
        qsort(c.jobs.v, c.jobs.n, sizeof *c.jobs.v, job_order);
    for (size_t i = 0; i < c.jobs.n && rc == 0; i++)
        rc = report_job(&c, &c.jobs.v[i]);
    if (rc == 0)
        rc = unique_ids(inv, first);
    if (c.cut)
        inv_problem_add(inv, "/lib/modules", "more than %d module files: the rest are not listed",
                        KMOD_MAX_FILES);
    jobs_free(&c);
    util_buf_free(&c.file);
    util_buf_free(&c.plain);
    return rc;
}
