/* db.c — the assay_db handle: loading sources, finalizing, statistics. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../sig/default_db.h"
#include "../sig/sigload.h"
#include "../util/error.h"
#include "../util/pages.h"
#include "../yara/rules_file.h"

assay_db *assay_db_new(void)
{
    assay_db *db = calloc(1, sizeof *db);
    if (!db) {
        util_error(ASSAY_ENOMEM, "out of memory");
        return NULL;
    }
    sigdb_init(&db->engine.sig);
    yrules_init(&db->engine.yara);
    db->engine.sig.yara = &db->engine.yara;
    return db;
}

void assay_db_free(assay_db *db)
{
    if (!db)
        return;
    engine_free(&db->engine);
    if (db->map)
        munmap(db->map, db->map_len);
    free(db);
}

void assay_db_set_warning_handler(assay_db *db, assay_warning_fn fn, void *user)
{
    db->engine.sig.warn = fn;
    db->engine.sig.warn_user = user;
    db->engine.yara.warn = fn;
    db->engine.yara.warn_user = user;
}

static int check_loadable(const assay_db *db)
{
    if (!db)
        return util_error(ASSAY_EINVAL, "no database handle");
    if (db->finalized)
        return util_error(ASSAY_EINVAL, "signatures cannot be added after assay_db_finalize");
    return ASSAY_OK;
}

/* A regular file that starts with the compiled-database magic is mapped. */
static int try_compiled(assay_db *db, const char *path, bool *handled)
{
    *handled = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ASSAY_OK; /* sigload reports the error with its own wording */
    struct stat st;
    uint8_t head[16];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        n = pread(fd, head, sizeof head, 0);
    if (n <= 0 || !dbfile_is_compiled(head, (size_t)n)) {
        close(fd);
        return ASSAY_OK;
    }
    *handled = true;
    if (db->map || db->sources_loaded) {
        close(fd);
        return util_error(ASSAY_EINVAL, "%s: a compiled database must be the only database loaded", path);
    }
    /* Not MAP_POPULATE: only the pages a scan touches become resident. */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        int e = errno;
        close(fd);
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(e));
    }
    /* Lookups into a big database are scattered: without this hint a page
     * fault maps a whole run of cached pages around it, and a binary search
     * over the hash section would make megabytes resident per file. */
    madvise(map, (size_t)st.st_size, MADV_RANDOM);
    int rc = dbfile_load(db, path, map, (size_t)st.st_size, fd);
    close(fd);
    if (rc != ASSAY_OK) {
        munmap(map, (size_t)st.st_size);
        return rc;
    }
    /* Loading read the header, validated the small sections and copied the
     * Vectorscan databases out; none of those pages is needed as such for
     * scanning. Give them back: what the scan uses faults in on demand. */
    util_release_pages(map, (size_t)st.st_size);
    db->map = map;
    db->map_len = (size_t)st.st_size;
    return ASSAY_OK;
}

int assay_db_load(assay_db *db, const char *path, const struct assay_load_options *opts)
{
    int rc = check_loadable(db);
    if (rc != ASSAY_OK)
        return rc;
    bool handled;
    rc = try_compiled(db, path, &handled);
    if (handled || rc != ASSAY_OK)
        return rc;
    if (db->map)
        return util_error(ASSAY_EINVAL, "%s: cannot add sources to a compiled database", path);
    db->engine.sig.yara_ns = opts ? opts->yara_namespace : NULL;
    rc = sigload_path(&db->engine.sig, path, opts && opts->skip_bad_signatures);
    db->engine.sig.yara_ns = NULL;
    if (rc == ASSAY_OK)
        db->sources_loaded++;
    return rc;
}

int assay_db_load_yara(assay_db *db, const char *path, const struct assay_load_options *opts)
{
    int rc = check_loadable(db);
    if (rc != ASSAY_OK)
        return rc;
    if (db->map)
        return util_error(ASSAY_EINVAL, "%s: cannot add sources to a compiled database", path);
    db->engine.sig.yara_ns = opts ? opts->yara_namespace : NULL;
    rc = sigload_yara_path(&db->engine.sig, path, opts && opts->skip_bad_signatures);
    db->engine.sig.yara_ns = NULL;
    if (rc == ASSAY_OK)
        db->sources_loaded++;
    return rc;
}

int assay_db_load_yara_files(assay_db *db, const char *const *paths, const struct assay_load_options *opts,
                             size_t n, size_t *failed)
{
    int rc = check_loadable(db);
    if (rc != ASSAY_OK)
        return rc;
    if (db->map)
        return util_error(ASSAY_EINVAL, "%s: cannot add sources to a compiled database", n ? paths[0] : "");
    const char **ns = calloc(n ? n : 1, sizeof *ns);
    bool *skip = calloc(n ? n : 1, sizeof *skip);
    if (!ns || !skip) {
        free(ns);
        free(skip);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    for (size_t i = 0; opts && i < n; i++) {
        ns[i] = opts[i].yara_namespace;
        skip[i] = opts[i].skip_bad_signatures;
    }
    size_t failed_at = n;
    rc = sigload_yara_files(&db->engine.sig, paths, ns, skip, n, &failed_at);
    db->sources_loaded += rc == ASSAY_OK ? n : failed_at;
    if (failed)
        *failed = failed_at;
    free(ns);
    free(skip);
    return rc;
}

/* Before any rule is loaded the value is kept for the compiler (or, for a
 * compiled database loaded next, applied to its rules by dbfile_load); once a
 * compiled database is loaded it overrides one of its externals, which must
 * exist and keep its type, as YARA does for compiled rules. */
int assay_db_define(assay_db *db, const char *name, const char *value)
{
    int rc = check_loadable(db);
    if (rc != ASSAY_OK)
        return rc;
    if (db->map)
        return yrules_file_define(&db->engine.yara, name, value);
    return yrules_define(&db->engine.yara, name, value);
}

int assay_db_load_text(assay_db *db, const char *name, const char *text, size_t len,
                       const struct assay_load_options *opts)
{
    int rc = check_loadable(db);
    if (rc != ASSAY_OK)
        return rc;
    if (db->map)
        return util_error(ASSAY_EINVAL, "%s: cannot add sources to a compiled database", name);
    db->engine.sig.yara_ns = opts ? opts->yara_namespace : NULL;
    rc = sigload_text(&db->engine.sig, name, text, len, opts && opts->skip_bad_signatures);
    db->engine.sig.yara_ns = NULL;
    if (rc == ASSAY_OK)
        db->sources_loaded++;
    return rc;
}

int assay_db_load_default(assay_db *db)
{
    for (unsigned i = 0; i < default_db_file_count; i++) {
        const struct default_db_file *f = &default_db_files[i];
        int rc = assay_db_load_text(db, f->name, f->text, strlen(f->text), NULL);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

int assay_db_finalize(assay_db *db)
{
    int rc = check_loadable(db);
    if (rc != ASSAY_OK)
        return rc;
    if (!db->map) {
        const struct sigdb *s = &db->engine.sig;
        if (s->hashes.n + s->bodies.n + s->filename_iocs.n + db->engine.yara.rules.n == 0)
            return util_error(ASSAY_EEMPTY, "no signatures loaded");
        yrules_trim(&db->engine.yara);
        rc = engine_build(&db->engine);
        if (rc != ASSAY_OK)
            return rc;
        malloc_trim(0); /* the compilers' memory back to the system before scanning (glibc keeps it) */
    }
    db->finalized = true;
    return ASSAY_OK;
}

int assay_db_save(const assay_db *db, const char *path)
{
    if (!db || !db->finalized)
        return util_error(ASSAY_EINVAL, "the database must be finalized before it is saved");
    return dbfile_save(db, path);
}

void assay_db_get_stats(const assay_db *db, struct assay_db_stats *out)
{
    memset(out, 0, sizeof *out);
    const struct sigdb *s = &db->engine.sig;
    /* Counted at build time: walking a million mapped records would make them resident. */
    size_t allow = db->engine.built ? db->engine.allow_hashes : 0;
    if (!db->engine.built)
        for (size_t i = 0; i < s->hashes.n; i++)
            allow += s->hashes.v[i].role == SIG_ROLE_ALLOW;
    out->allowlist_entries = allow;
    out->hash_signatures = s->hashes.n - allow;
    out->body_signatures = s->bodies.n;
    out->logical_signatures = s->logicals.n;
    out->ignored_names = s->ignored_names.n;
    out->filename_iocs = s->filename_iocs.n;
    out->skipped_bad = s->skipped_bad;
    out->sources = s->sources.n;
    out->yara_rules = db->engine.yara.rules.n;
    out->yara_strings = db->engine.yara.strings.n;
}
