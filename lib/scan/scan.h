/* scan.h — the scan pipeline: walk -> queue -> workers -> engine -> callbacks.
 *
 * The walker (walk.c) runs on the calling thread and pushes regular-file
 * paths into a bounded queue (queue.c); worker threads (run.c) pop them, map
 * the file, and hand the bytes to scan_object() (object.c), which runs the
 * engine, recurses into archive members, and reports findings and problems
 * through the caller's callbacks, one call at a time. */
#ifndef ASSAY_SCAN_SCAN_H
#define ASSAY_SCAN_SCAN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "assay.h"
#include "../engine/engine.h"

struct scan_queue;

struct scan_run {
    const struct engine *engine;
    const struct assay_scan_options *opt;
    const struct assay_scan_callbacks *cb;
    pthread_mutex_t report_lock;   /* callbacks are called one at a time */
    atomic_uint_fast64_t files, bytes, findings, errors, skipped, infected;
    struct scan_queue *queue;
    uint64_t *rule_cost_ns;        /* --profile: per YARA rule, merged from the workers */
};

/* Per-worker state. */
struct scan_worker {
    struct scan_run *run;
    struct engine_scratch scratch;
    struct engine_result result;
    uint64_t top_extracted;        /* bytes extracted from the current top-level file */
    bool file_backed;              /* the current top-level object is a file mapping */
    uint8_t *read_buf;             /* SCAN_READ_MAX bytes for files read, not mapped (file.c) */
    const char *current_path;      /* the object being scanned (console messages name it) */
};

/* Report a problem for `path` (thread-safe; counts an error). */
void scan_problem(struct scan_run *run, const char *path, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Report the YARA hit h of the worker's current result (yara_finding.c). */
int scan_yara_finding(struct scan_worker *w, const struct engine_hit *h, const char *path, const uint8_t *data,
                      size_t len, const char *sha256);
/* Report a warning for `path` (does not count as an error). */
void scan_problem_warning(struct scan_run *run, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Count a skipped object. */
void scan_skipped(struct scan_run *run);

/* Scan one object (a file's bytes or an archive member); depth 0 for files. */
int scan_object(struct scan_worker *w, const char *path, const uint8_t *data, size_t len, unsigned depth);

/* Files up to this size are read into the worker's buffer, bigger ones
 * mapped (file.c). */
#define SCAN_READ_MAX ((size_t)4 << 20)

/* Scan one file from disk (opens, reads or maps, guards against truncation). */
void scan_file(struct scan_worker *w, const char *path);
/* Scan standard input. */
void scan_stdin(struct scan_worker *w);

/* Walk `path` and queue every regular file under it. */
void scan_walk(struct scan_run *run, const char *path);

/* The bounded work queue. */
struct scan_queue *scan_queue_new(size_t capacity);
void scan_queue_free(struct scan_queue *q);
/* Blocks while full; takes ownership of path. */
void scan_queue_push(struct scan_queue *q, char *path);
/* Blocks while empty; NULL once closed and drained. Caller frees. */
char *scan_queue_pop(struct scan_queue *q);
void scan_queue_close(struct scan_queue *q);

#endif
