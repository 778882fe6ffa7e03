/* test_support.h — helpers shared by the unit tests that go through the
 * public API: build a database from text, scan a buffer, collect findings. */
#ifndef ASSAY_TEST_SUPPORT_H
#define ASSAY_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay.h"

#define TS_MAX 64

struct ts_found {
    char rule[128];
    char source[256];
    unsigned line;
    size_t evidence_count;
    struct assay_evidence ev0;
    unsigned char bytes0[64];
    char hash0[65];
};

struct ts_results {
    struct ts_found f[TS_MAX];
    size_t n;
    size_t problems;
    char last_problem[512];
};

static inline void ts_on_finding(void *user, const struct assay_finding *f)
{
    struct ts_results *r = user;
    if (r->n >= TS_MAX)
        return;
    struct ts_found *x = &r->f[r->n++];
    snprintf(x->rule, sizeof x->rule, "%s", f->rule);
    snprintf(x->source, sizeof x->source, "%s", f->source);
    x->line = f->line;
    x->evidence_count = f->evidence_count;
    if (f->evidence_count) {
        x->ev0 = f->evidence[0];
        if (x->ev0.bytes)
            memcpy(x->bytes0, x->ev0.bytes, x->ev0.bytes_len < 64 ? x->ev0.bytes_len : 64);
        if (x->ev0.hash_hex)
            snprintf(x->hash0, sizeof x->hash0, "%s", x->ev0.hash_hex);
    }
}

static inline void ts_on_problem(void *user, const struct assay_problem *p)
{
    struct ts_results *r = user;
    r->problems++;
    snprintf(r->last_problem, sizeof r->last_problem, "%s: %s", p->path, p->reason);
}

/* A finalized database from (name, text) pairs; NULL-terminated list. */
static inline assay_db *ts_db(const char *const *pairs)
{
    assay_db *db = assay_db_new();
    for (size_t i = 0; pairs[i]; i += 2)
        if (assay_db_load_text(db, pairs[i], pairs[i + 1], strlen(pairs[i + 1]), NULL) != ASSAY_OK) {
            fprintf(stderr, "load failed: %s\n", assay_last_error());
            assay_db_free(db);
            return NULL;
        }
    if (assay_db_finalize(db) != ASSAY_OK) {
        fprintf(stderr, "finalize failed: %s\n", assay_last_error());
        assay_db_free(db);
        return NULL;
    }
    return db;
}

/* Scan a buffer with the given options (NULL: the defaults). */
static inline void ts_scan_with(const assay_db *db, const struct assay_scan_options *opts, const char *name,
                                const void *data, size_t len, struct ts_results *r)
{
    memset(r, 0, sizeof *r);
    struct assay_scan_callbacks cb = {.finding = ts_on_finding, .problem = ts_on_problem, .user = r};
    struct assay_scan_options o;
    assay_scan_options_init(&o);
    assay_scan_buffer(db, name, data, len, opts ? opts : &o, &cb, NULL);
}

static inline void ts_scan(const assay_db *db, const char *name, const void *data, size_t len, struct ts_results *r)
{
    ts_scan_with(db, NULL, name, data, len, r);
}

/* `db` saved to a compiled file and loaded back (db is freed); NULL on failure. */
static inline assay_db *ts_recompiled(assay_db *db)
{
    char path[] = "/tmp/assay-test-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        assay_db_free(db);
        return NULL;
    }
    close(fd);
    int rc = assay_db_save(db, path);
    assay_db_free(db);
    assay_db *back = rc == ASSAY_OK ? assay_db_new() : NULL;
    if (back && (assay_db_load(back, path, NULL) != ASSAY_OK || assay_db_finalize(back) != ASSAY_OK)) {
        fprintf(stderr, "reload failed: %s\n", assay_last_error());
        assay_db_free(back);
        back = NULL;
    }
    unlink(path);
    return back;
}

static inline const struct ts_found *ts_find(const struct ts_results *r, const char *rule)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->f[i].rule, rule) == 0)
            return &r->f[i];
    return NULL;
}

/* How many matches rule `rule` reported (0: it did not match). */
static inline size_t ts_evidence_of(const struct ts_results *r, const char *rule)
{
    const struct ts_found *f = ts_find(r, rule);
    return f ? f->evidence_count : 0;
}

/* The whole file at `path` (malloc'ed, one spare byte), or NULL. */
static inline uint8_t *ts_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *d = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
            d = malloc((size_t)n + 1);
            if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
                free(d);
                d = NULL;
            }
            *len = (size_t)n;
        }
    }
    fclose(f);
    return d;
}

#endif
