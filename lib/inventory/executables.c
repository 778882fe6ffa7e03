/* executables.c — vendor attributes of executables: PE version info and the
 * Authenticode signer (with the digest check and the chain to the root's
 * trusted certificates), ELF build-id and package notes.
 *
 * Where: the standard install locations below the root (exec_locations
 * below) plus the folders given in inv_options.exec_dirs. Each folder is
 * walked without following symbolic links, at most EXEC_MAX_DEPTH deep and
 * EXEC_MAX_FILES files in all (the rest is reported as a problem); files
 * larger than EXEC_MAX_SIZE are skipped. A file is looked at only when its
 * first bytes are "MZ" or "\x7fELF".
 *
 * Speed: the walk only lists files; they are opened and parsed in batches of
 * EXEC_BATCH by one worker thread per core (parsing a signed PE is mostly
 * OpenSSL work), and the items are added by the calling thread in walk
 * order, so the inventory is the same whatever the thread count.
 *
 * Strength (inventory.h): the signer's organisation is strong evidence only
 * when the signed digest matches the file, the signer's signature checks out
 * and its chain reaches a trusted root of the inventoried system; otherwise
 * (self-signed, unknown root, altered file) it is a weak claim, like the
 * version info's CompanyName. An ELF package note is medium (package
 * metadata). */
#include "inventory/inventory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/x509_vfy.h>

#include "format/elf.h"
#include "format/pe.h"
#include "inventory/trust.h"

#define EXEC_MAX_DEPTH 24
#define EXEC_MAX_FILES 1000000
#define EXEC_MAX_SIZE ((off_t)256 << 20)
#define EXEC_BATCH 512
#define EXEC_MAX_THREADS 16

/* Root-relative folders where software is installed. */
static const char *const exec_locations[] = {
    "/Program Files", "/Program Files (x86)", "/ProgramData", "/Windows/System32/drivers",
    "/opt", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib",
};

/* One file of a batch: what a worker found in it. */
struct exec_job {
    char *path;            /* root-relative */
    enum { JOB_NONE = 0, JOB_PE, JOB_ELF, JOB_PROBLEM, JOB_NOMEM } kind;
    struct fmt_pe pe;      /* JOB_PE */
    char build_id[129];    /* JOB_ELF: hex, "" when none */
    char *package_json;    /* JOB_ELF: the FDO note text, or NULL */
    char problem[160];     /* JOB_PROBLEM */
};

struct exec_walk {
    struct inventory *inv;
    X509_STORE *trust;
    size_t files;
    bool capped;
    struct util_buf path;  /* root-relative path of the current entry */
    struct exec_job *batch;
    size_t nbatch;
    atomic_size_t next;    /* the next job a worker takes */
    unsigned threads;
};

/* ---- PE ------------------------------------------------------------------------ */

static const char *signature_state(const struct fmt_pe_signature *sig)
{
    if (!sig->digest_matches)
        return "the signed digest does not match the file";
    if (!sig->verified)
        return "the signer's signature does not check out";
    if (!sig->chain_checked)
        return "verified; chain not checked";
    return sig->chain_trusted ? "verified; chain reaches a trusted root" : "verified; untrusted chain";
}

static int add_signer(struct inventory *inv, struct inv_item *it, const char *path,
                      const struct fmt_pe_signature *sig)
{
    const struct fmt_pe_certificate *leaf =
        sig->signer_info.length_of_chain > 0 ? &sig->signer_info.chain[0] : NULL;
    if (leaf == NULL)
        return 0;
    bool strong = sig->verified && sig->chain_trusted;
    const char *who = leaf->organization ? leaf->organization : leaf->common_name;
    const char *state = signature_state(sig);
    const char *locator = inv_printf(inv, "Authenticode signer certificate sha256 %s (%s%s%s)",
                                     leaf->sha256, state, sig->chain_error ? ": " : "",
                                     sig->chain_error ? sig->chain_error : "");
    int rc = 0;
    if (locator == NULL)
        return ASSAY_ENOMEM;
    if ((rc = inv_evidence_add(inv, it, "signer.subject", who, path, locator,
                               strong ? INV_STRONG : INV_WEAK)) != 0 ||
        (rc = inv_attr_add(inv, it, "signer_subject", leaf->subject)) != 0 ||
        (rc = inv_attr_add(inv, it, "signer_issuer", leaf->issuer)) != 0 ||
        (rc = inv_attr_add(inv, it, "signer_serial", leaf->serial)) != 0 ||
        (rc = inv_attr_add(inv, it, "signer_sha256", leaf->sha256)) != 0 ||
        (rc = inv_attr_add(inv, it, "signature", state)) != 0 ||
        (rc = inv_attr_add(inv, it, "signature_digest", sig->digest)) != 0 ||
        (rc = inv_attr_add(inv, it, "signature_digest_alg", sig->digest_alg)) != 0)
        return rc;
    if (strong && who != NULL)
        it->publisher = inv_strdup(inv, who);
    return 0;
}

static int add_pe(struct inventory *inv, const char *path, const struct fmt_pe *pe)
{
    struct inv_item *it = inv_item_new(inv, INV_EXECUTABLE, "pe");
    if (it == NULL)
        return ASSAY_ENOMEM;
    int rc = 0;
    const char *company = fmt_pe_version_info_get(pe, "CompanyName");
    const char *product = fmt_pe_version_info_get(pe, "ProductName");
    const char *description = fmt_pe_version_info_get(pe, "FileDescription");
    const char *version = fmt_pe_version_info_get(pe, "ProductVersion");
    if (version == NULL)
        version = fmt_pe_version_info_get(pe, "FileVersion");
    const char *base = strrchr(path, '/') + 1;
    it->id = inv_printf(inv, "pe:%s", path);
    it->path = inv_strdup(inv, path);
    it->name = inv_strdup(inv, product ? product : description ? description : base);
    it->version = inv_strdup(inv, version);
    it->publisher = inv_strdup(inv, company);
    static const char *const keys[][2] = {
        {"CompanyName", "company"},          {"ProductName", "product"},
        {"FileDescription", "description"},  {"FileVersion", "file_version"},
        {"ProductVersion", "product_version"}, {"OriginalFilename", "original_filename"},
        {"InternalName", "internal_name"},   {"LegalCopyright", "copyright"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && rc == 0; i++)
        rc = inv_attr_add(inv, it, keys[i][1], fmt_pe_version_info_get(pe, keys[i][0]));
    if (rc == 0)
        rc = inv_attr_add(inv, it, "signed", pe->nsignatures > 0 ? "yes" : "no");
    if (rc == 0)
        rc = inv_evidence_add(inv, it, "pe.company", company, path, "VERSIONINFO CompanyName", INV_WEAK);
    if (rc == 0)
        rc = inv_evidence_add(inv, it, "pe.product", product, path, "VERSIONINFO ProductName", INV_WEAK);
    if (rc == 0 && pe->nsignatures > 0)
        rc = add_signer(inv, it, path, &pe->signatures[0]);
    if (rc == 0)
        rc = inv_evidence_add(inv, it, "path", path, path, NULL, INV_WEAK);
    if (it->id == NULL || it->path == NULL || it->name == NULL)
        rc = ASSAY_ENOMEM;
    return rc;
}

/* ---- ELF ------------------------------------------------------------------------ */

/* The FDO packaging note: {"type":"deb","name":"x","version":"1",...}. */
static int add_package_note(struct inventory *inv, struct inv_item *it, const char *path,
                            const char *text)
{
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return 0;
    }
    const char *name = json_string_value(json_object_get(root, "name"));
    const char *version = json_string_value(json_object_get(root, "version"));
    int rc = 0;
    if (name != NULL) {
        it->name = inv_strdup(inv, name);
        it->version = inv_strdup(inv, version);
        rc = inv_evidence_add(inv, it, "elf.package", name, path, ".note.package name", INV_MEDIUM);
    }
    const char *keys[] = {"type", "os", "osVersion", "architecture", "debugInfoUrl"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && rc == 0; i++)
        rc = inv_attr_add(inv, it, keys[i], json_string_value(json_object_get(root, keys[i])));
    json_decref(root);
    return rc;
}

static int add_elf(struct inventory *inv, const struct exec_job *job)
{
    const char *path = job->path;
    struct inv_item *it = inv_item_new(inv, INV_EXECUTABLE, "elf");
    if (it == NULL)
        return ASSAY_ENOMEM;
    it->id = inv_printf(inv, "elf:%s", path);
    it->path = inv_strdup(inv, path);
    it->name = inv_strdup(inv, strrchr(path, '/') + 1);
    int rc = inv_attr_add(inv, it, "build_id", job->build_id);
    if (rc == 0 && job->package_json != NULL)
        rc = add_package_note(inv, it, path, job->package_json);
    if (rc == 0)
        rc = inv_evidence_add(inv, it, "path", path, path, NULL, INV_WEAK);
    if (it->id == NULL || it->path == NULL || it->name == NULL)
        rc = ASSAY_ENOMEM;
    return rc;
}

/* ---- parsing one file (worker threads) ------------------------------------------ */

static void elf_facts(struct exec_job *job, const uint8_t *data, size_t len)
{
    struct fmt_elf elf;
    int rc = fmt_elf_parse(data, len, &elf);
    if (rc == 0 && elf.is_elf) {
        job->kind = JOB_ELF;
        if (elf.build_id != NULL && elf.build_id_size > 0 && elf.build_id_size <= 64)
            for (size_t i = 0; i < elf.build_id_size; i++)
                snprintf(job->build_id + 2 * i, 3, "%02x", elf.build_id[i]);
        if (elf.package_json != NULL && (job->package_json = strdup(elf.package_json)) == NULL)
            job->kind = JOB_NOMEM;
    } else if (rc == ASSAY_ENOMEM) {
        job->kind = JOB_NOMEM;
    }
    fmt_elf_free(&elf);
}

static void parse_job(const struct exec_walk *w, struct exec_job *job)
{
    char *full = inv_path(w->inv, job->path);
    int fd = full ? open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) : -1;
    free(full);
    if (fd < 0) {
        if (errno != ENOENT)
            snprintf(job->problem, sizeof job->problem, "%s", strerror(errno));
        job->kind = full == NULL ? JOB_NOMEM : errno == ENOENT ? JOB_NONE : JOB_PROBLEM;
        return;
    }
    struct stat st;
    uint8_t magic[4];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 64 || st.st_size > EXEC_MAX_SIZE ||
        pread(fd, magic, sizeof magic, 0) != (ssize_t)sizeof magic ||
        !((magic[0] == 'M' && magic[1] == 'Z') || memcmp(magic, "\x7f" "ELF", 4) == 0)) {
        close(fd);
        return;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        job->kind = JOB_PROBLEM;
        snprintf(job->problem, sizeof job->problem, "cannot map: %s", strerror(errno));
        return;
    }
    if (magic[0] == 'M') {
        struct fmt_pe_options opt = {.attribution_only = true, .trust = w->trust};
        int rc = fmt_pe_parse_with(map, (size_t)st.st_size, &opt, &job->pe);
        job->kind = rc == 0 && job->pe.is_pe ? JOB_PE : rc == ASSAY_ENOMEM ? JOB_NOMEM : JOB_NONE;
        if (job->kind != JOB_PE)
            fmt_pe_free(&job->pe);
    } else {
        elf_facts(job, map, (size_t)st.st_size);
    }
    munmap(map, (size_t)st.st_size);
}

static void *worker(void *arg)
{
    struct exec_walk *w = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&w->next, 1);
        if (i >= w->nbatch)
            return NULL;
        parse_job(w, &w->batch[i]);
    }
}

/* Parse the batch on the workers, then add its items in walk order. */
static int run_batch(struct exec_walk *w)
{
    atomic_store(&w->next, 0);
    pthread_t tids[EXEC_MAX_THREADS];
    unsigned started = 0;
    unsigned want = w->threads < w->nbatch ? w->threads : (unsigned)w->nbatch;
    while (started + 1 < want && pthread_create(&tids[started], NULL, worker, w) == 0)
        started++;
    worker(w); /* the calling thread works too */
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    int rc = 0;
    for (size_t i = 0; i < w->nbatch; i++) {
        struct exec_job *job = &w->batch[i];
        if (rc == 0) {
            switch (job->kind) {
            case JOB_PE: rc = add_pe(w->inv, job->path, &job->pe); break;
            case JOB_ELF: rc = add_elf(w->inv, job); break;
            case JOB_PROBLEM: inv_problem_add(w->inv, job->path, "%s", job->problem); break;
            case JOB_NOMEM: rc = ASSAY_ENOMEM; break;
            default: break;
            }
        }
        if (job->kind == JOB_PE)
            fmt_pe_free(&job->pe);
        free(job->package_json);
        free(job->path);
    }
    w->nbatch = 0;
    return rc;
}

static int queue_file(struct exec_walk *w)
{
    if (w->batch == NULL && (w->batch = malloc(EXEC_BATCH * sizeof *w->batch)) == NULL)
        return ASSAY_ENOMEM;
    struct exec_job *job = &w->batch[w->nbatch];
    memset(job, 0, sizeof *job);
    job->path = strdup((const char *)w->path.data);
    if (job->path == NULL)
        return ASSAY_ENOMEM;
    w->nbatch++;
    return w->nbatch == EXEC_BATCH ? run_batch(w) : 0;
}

/* ---- the walk ------------------------------------------------------------------- */

static int walk_dir(struct exec_walk *w, int dirfd, unsigned depth)
{
    DIR *d = fdopendir(dirfd);
    if (d == NULL) {
        close(dirfd);
        inv_problem_add(w->inv, (const char *)w->path.data, "%s", strerror(errno));
        return 0;
    }
    size_t base_len = w->path.len;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        w->path.len = base_len;
        if (util_buf_printf(&w->path, "/%s", e->d_name) != 0 || util_buf_append_byte(&w->path, 0) != 0) {
            rc = ASSAY_ENOMEM;
            break;
        }
        w->path.len--;
        unsigned char type = e->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st;
            if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
                continue;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        }
        if (type == DT_DIR) {
            if (depth >= EXEC_MAX_DEPTH) {
                inv_problem_add(w->inv, (const char *)w->path.data,
                                "deeper than %d folders: not walked", EXEC_MAX_DEPTH);
                continue;
            }
            int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                inv_problem_add(w->inv, (const char *)w->path.data, "%s", strerror(errno));
                continue;
            }
            rc = walk_dir(w, sub, depth + 1);
        } else if (type == DT_REG) {
            if (w->files++ >= EXEC_MAX_FILES) {
                if (!w->capped)
                    inv_problem_add(w->inv, (const char *)w->path.data,
                                    "more than %d files: the rest is not looked at", EXEC_MAX_FILES);
                w->capped = true;
                break;
            }
            rc = queue_file(w);
        }
    }
    w->path.len = base_len;
    closedir(d);
    return rc;
}

static int walk_location(struct exec_walk *w, const char *rel)
{
    char *full = inv_path(w->inv, rel);
    if (full == NULL)
        return ASSAY_ENOMEM;
    int fd = open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(full);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            inv_problem_add(w->inv, rel, "%s", strerror(errno));
        return 0;
    }
    w->path.len = 0;
    size_t n = strlen(rel);
    while (n > 1 && rel[n - 1] == '/')
        n--;
    if ((rel[0] != '/' && util_buf_append_byte(&w->path, '/') != 0) ||
        util_buf_append(&w->path, rel, n) != 0 || util_buf_append_byte(&w->path, 0) != 0) {
        close(fd);
        return ASSAY_ENOMEM;
    }
    w->path.len--;
    return walk_dir(w, fd, 0);
}

int inv_collect_executables(struct inventory *inv, const struct inv_options *opt)
{
    struct exec_walk w = {.inv = inv};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    w.threads = cpus < 1 ? 1 : cpus > EXEC_MAX_THREADS ? EXEC_MAX_THREADS : (unsigned)cpus;
    int rc = inv_trust_store(inv, &w.trust);
    for (size_t i = 0; rc == 0 && i < sizeof exec_locations / sizeof exec_locations[0]; i++)
        rc = walk_location(&w, exec_locations[i]);
    for (size_t i = 0; rc == 0 && i < opt->exec_dir_count; i++)
        rc = walk_location(&w, opt->exec_dirs[i]);
    if (w.nbatch > 0) {
        int brc = run_batch(&w); /* also frees what a failed walk left queued */
        if (rc == 0)
            rc = brc;
    }
    free(w.batch);
    X509_STORE_free(w.trust);
    util_buf_free(&w.path);
    return rc;
}
