/* sigload.c — reading database files and folders into a sigdb.
 *
 * The format is chosen by the file's extension (ClamAV's own convention) or,
 * for IOC lists, by the signature-base file names (hash-iocs*, filename-iocs*).
 * CVD/CLD containers are opened and each member is loaded by its own name, so
 * evidence names "daily.cvd!daily.ndb:123". */
#include "sigload.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/error.h"
#include "assay.h"
#include "clam_cvd.h"
#include "clam_hash.h"
#include "clam_ldb.h"
#include "clam_ndb.h"
#include "ioc.h"
#include "../yara/rules.h"

#define SIGLOAD_MAX_DEPTH 32

struct format {
    const char *ext;
    sig_line_parser parse;
    bool detects; /* an empty file of this kind is an error */
};

static const struct format formats[] = {
    {".hdb", clam_parse_hdb_line, true},   {".hsb", clam_parse_hsb_line, true},
    {".mdb", clam_parse_mdb_line, true},   {".msb", clam_parse_msb_line, true},
    {".ndb", clam_parse_ndb_line, true},   {".ldb", clam_parse_ldb_line, true},
    {".fp", clam_parse_fp_line, false},    {".sfp", clam_parse_sfp_line, false},
    {".ign2", clam_parse_ign2_line, false}, {".ign", clam_parse_ign2_line, false},
};

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *bang = strrchr(path, '!');
    const char *b = slash > bang ? slash : bang;
    return b ? b + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static sig_line_parser parser_for(const char *name, bool *detects)
{
    const char *base = basename_of(name);
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (ends_with(base, formats[i].ext)) {
            *detects = formats[i].detects;
            return formats[i].parse;
        }
    *detects = true;
    if (strstr(base, "hash-iocs") || ends_with(base, ".hashes"))
        return ioc_parse_hash_line;
    if (strstr(base, "filename-iocs"))
        return ioc_parse_filename_line;
    return NULL;
}

static bool is_yara(const char *name)
{
    return ends_with(name, ".yar") || ends_with(name, ".yara");
}

int sigload_yara_parsed(struct sigdb *db, const char *name, const char *text, size_t len,
                        struct yrules_parsed *parsed, bool skip_bad)
{
    if (!db->yara) {
        yara_file_free(parsed->file);
        parsed->file = NULL;
        return util_error(ASSAY_EFORMAT, "%s: YARA rules cannot be loaded here", name);
    }
    if (sigdb_source(db, name) < 0) {
        yara_file_free(parsed->file);
        parsed->file = NULL;
        return util_error(ASSAY_ENOMEM, "%s: too many database files", name);
    }
    if (!yrules_parsed_fits(db->yara, parsed)) {
        yara_file_free(parsed->file);
        yrules_parse(parsed, name, text, len, !parsed->after_rules);
    }
    struct yrules_load_options o = {.skip_bad_rules = skip_bad, .ns = db->yara_ns};
    db->yara->warn = db->warn;
    db->yara->warn_user = db->warn_user;
    return yrules_add_parsed(db->yara, parsed, &o);
}

static int load_yara(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad)
{
    struct yrules_parsed parsed;
    yrules_parse(&parsed, name, text, len, db->yara && db->yara->rules.n > 0);
    return sigload_yara_parsed(db, name, text, len, &parsed, skip_bad);
}

int sigload_yara_text(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad)
{
    return load_yara(db, name, text, len, skip_bad);
}

static bool is_container(const char *name)
{
    return ends_with(name, ".cvd") || ends_with(name, ".cld") || ends_with(name, ".cud");
}

static size_t records(const struct sigdb *db)
{
    return db->hashes.n + db->bodies.n + db->logicals.n + db->filename_iocs.n + db->ignored_names.n;
}

static int load_lines(struct sig_load_ctx *ctx, sig_line_parser parse, const char *text, size_t len)
{
    uint32_t lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *line = text + pos;
        size_t n = end - pos;
        pos = end + 1;
        lineno++;
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        int rc = parse(ctx, line, n, lineno);
        if (rc == ASSAY_ESYNTAX && ctx->skip_bad) {
            sigdb_skipped(ctx->db, assay_last_error());
            continue;
        }
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

struct container_ctx {
    struct sigdb *db;
    const char *path;
    bool skip_bad;
};

static int load_named_text(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad,
                           bool in_container);

static int load_container_member(void *arg, const char *name, const uint8_t *data, size_t len)
{
    struct container_ctx *c = arg;
    bool detects;
    if (!parser_for(name, &detects))
        return 0; /* COPYING, *.info, *.cfg, formats we do not read yet */
    char full[4096];
    snprintf(full, sizeof full, "%s!%s", c->path, name);
    return load_named_text(c->db, full, (const char *)data, len, c->skip_bad, true);
}

static int load_named_text(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad,
                           bool in_container)
{
    if (is_container(name)) {
        struct container_ctx c = {db, name, skip_bad};
        size_t before = records(db);
        int rc = clam_cvd_walk(name, (const uint8_t *)text, len, load_container_member, &c);
        if (rc == ASSAY_OK && records(db) == before)
            return util_error(ASSAY_EEMPTY, "%s: the container holds no signatures assay can read", name);
        return rc;
    }
    if (is_yara(name) && !in_container)
        return load_yara(db, name, text, len, skip_bad);
    bool detects;
    sig_line_parser parse = parser_for(name, &detects);
    if (!parse)
        return util_error(ASSAY_EFORMAT, "%s: unknown database format (expected .hdb .hsb .mdb .msb .ndb .ldb "
                          ".fp .sfp .ign2 .cvd .cld, .yar .yara, an IOC list, or a compiled assay database)", name);
    int source = sigdb_source(db, name);
    if (source < 0)
        return util_error(ASSAY_ENOMEM, "%s: too many database files", name);
    struct sig_load_ctx ctx = {.db = db, .path = name, .source = (uint16_t)source, .skip_bad = skip_bad};
    size_t before = records(db), skipped_before = db->skipped_bad;
    int rc = load_lines(&ctx, parse, text, len);
    if (rc != ASSAY_OK)
        return rc;
    if (detects && !in_container && records(db) == before && db->skipped_bad == skipped_before)
        return util_error(ASSAY_EEMPTY, "%s: empty database (no signatures)", name);
    return ASSAY_OK;
}

int sigload_text(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad)
{
    return load_named_text(db, name, text, len, skip_bad, false);
}

static int load_file(struct sigdb *db, const char *path, bool skip_bad, bool force_yara)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(e));
    }
    if (st.st_size == 0) {
        close(fd);
        if (force_yara || is_yara(path))
            return load_yara(db, path, "", 0, skip_bad);
        return util_error(ASSAY_EEMPTY, "%s: empty database file", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED)
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(e));
    int rc = force_yara ? load_yara(db, path, map, (size_t)st.st_size, skip_bad)
                        : load_named_text(db, path, map, (size_t)st.st_size, skip_bad, false);
    munmap(map, (size_t)st.st_size);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct sigdb *db, const char *path, bool skip_bad, int depth, size_t *loaded)
{
    if (depth > SIGLOAD_MAX_DEPTH)
        return util_error(ASSAY_ELIMIT, "%s: folders nested deeper than %d", path, SIGLOAD_MAX_DEPTH);
    DIR *d = opendir(path);
    if (!d)
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    UTIL_VEC(char *) names = {0};
    struct dirent *e;
    int rc = ASSAY_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *copy = strdup(e->d_name);
        if (!copy || util_vec_push(&names, copy) != 0) {
            free(copy);
            rc = util_error(ASSAY_ENOMEM, "out of memory");
            break;
        }
    }
    closedir(d);
    if (names.n)
        qsort(names.v, names.n, sizeof names.v[0], cmp_names);
    for (size_t i = 0; i < names.n && rc == ASSAY_OK; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names.v[i]);
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        bool detects;
        if (S_ISDIR(st.st_mode)) {
            rc = load_dir(db, full, skip_bad, depth + 1, loaded);
        } else if (S_ISREG(st.st_mode) && (is_container(full) || parser_for(full, &detects) || is_yara(full))) {
            rc = load_file(db, full, skip_bad, false);
            (*loaded)++;
        }
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    util_vec_free(&names);
    return rc;
}

int sigload_path(struct sigdb *db, const char *path, bool skip_bad)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        size_t loaded = 0;
        int rc = load_dir(db, path, skip_bad, 0, &loaded);
        if (rc == ASSAY_OK && loaded == 0)
            return util_error(ASSAY_EEMPTY, "%s: no database files in this folder", path);
        return rc;
    }
    return load_file(db, path, skip_bad, false);
}

int sigload_yara_path(struct sigdb *db, const char *path, bool skip_bad)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return sigload_path(db, path, skip_bad);
    return load_file(db, path, skip_bad, true);
}
