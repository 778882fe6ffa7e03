/* yara_ahead.c — YARA rule files read and parsed on a second thread while
 * the calling thread compiles them, in order (sigload.h sigload_yara_files).
 *
 * Parsing is about a third of loading a rule set from source and needs
 * nothing of the rules compiled before it, except whether there are any: a
 * file is parsed as coming after rules unless it is the first, and parsed
 * again on the calling thread in the rare case that guess was wrong (every
 * rule before it failed). At most AHEAD_FILES files wait parsed. Folders
 * are loaded by the calling thread when their turn comes. A syntax tree,
 * once compiled and compacted (yrules_parsed.spent), goes back to the
 * parsing thread to be freed: its memory is that thread's malloc arena's,
 * and freeing it from the other thread contended for that arena's lock
 * (signature-base: 0.3 s more CPU). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/error.h"
#include "../yara/rules.h"
#include "assay.h"
#include "sigload.h"

#define AHEAD_FILES 8

struct ahead_file {
    bool ready;         /* guarded by the lock until set */
    bool folder;
    int rc;             /* reading it: ASSAY_OK, or an error described in message */
    char message[600];
    void *map;          /* its text (NULL when empty), kept for a second parse */
    size_t len;
    struct yrules_parsed parsed;
};

struct ahead {
    const char *const *paths;
    struct ahead_file *files;
    size_t n;
    size_t compiled; /* guarded by lock, with stop and spent */
    bool stop;
    struct yara_file **spent; /* n of them at most */
    size_t nspent;
    pthread_mutex_t lock;
    pthread_cond_t ready, room;
};

static void read_error(struct ahead_file *f, const char *path, int err)
{
    f->rc = ASSAY_EIO;
    snprintf(f->message, sizeof f->message, "%s: %s", path, strerror(err));
}

/* The text of `path`, or the folder mark: what load_file would read. */
static void read_file(struct ahead_file *f, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        read_error(f, path, errno);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        f->folder = true;
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        read_error(f, path, errno);
        return;
    }
    if (fstat(fd, &st) != 0) {
        read_error(f, path, errno);
    } else if (st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            read_error(f, path, errno);
        else {
            f->map = map;
            f->len = (size_t)st.st_size;
        }
    }
    close(fd);
}

/* Free the syntax trees handed back (called by the parsing thread). */
static void free_spent(struct ahead *a)
{
    for (;;) {
        pthread_mutex_lock(&a->lock);
        struct yara_file *f = a->nspent ? a->spent[--a->nspent] : NULL;
        pthread_mutex_unlock(&a->lock);
        if (!f)
            return;
        yara_file_free(f);
    }
}

static void *parse_ahead(void *arg)
{
    struct ahead *a = arg;
    for (size_t i = 0; i < a->n; i++) {
        pthread_mutex_lock(&a->lock);
        while (!a->stop && i >= a->compiled + AHEAD_FILES && !a->nspent)
            pthread_cond_wait(&a->room, &a->lock);
        bool stop = a->stop, wait = i >= a->compiled + AHEAD_FILES;
        pthread_mutex_unlock(&a->lock);
        free_spent(a);
        if (stop)
            break;
        if (wait) { /* woken to free: wait again */
            i--;
            continue;
        }
        struct ahead_file *f = &a->files[i];
        read_file(f, a->paths[i]);
        if (f->rc == ASSAY_OK && !f->folder) {
            yrules_parse(&f->parsed, a->paths[i], f->map ? f->map : "", f->len, i > 0);
            f->parsed.keep_spent = true;
        }
        pthread_mutex_lock(&a->lock);
        f->ready = true;
        pthread_cond_broadcast(&a->ready);
        pthread_mutex_unlock(&a->lock);
    }
    return NULL;
}

static void release(struct ahead_file *f)
{
    yara_file_free(f->parsed.file);
    f->parsed.file = NULL;
    if (f->map)
        munmap(f->map, f->len);
    f->map = NULL;
}

static int compile_file(struct sigdb *db, const char *path, struct ahead_file *f, bool skip_bad)
{
    if (f->rc != ASSAY_OK)
        return util_error(f->rc, "%s", f->message);
    if (f->folder)
        return sigload_yara_path(db, path, skip_bad);
    return sigload_yara_parsed(db, path, f->map ? f->map : "", f->len, &f->parsed, skip_bad);
}

/* Compile the files in order as the thread parses them; the index of the
 * one that failed in *failed. */
static int compile_all(struct ahead *a, struct sigdb *db, const char *const *ns, const bool *skip_bad,
                       size_t *failed)
{
    int rc = ASSAY_OK;
    for (size_t i = 0; i < a->n && rc == ASSAY_OK; i++) {
        struct ahead_file *f = &a->files[i];
        pthread_mutex_lock(&a->lock);
        while (!f->ready)
            pthread_cond_wait(&a->ready, &a->lock);
        pthread_mutex_unlock(&a->lock);
        db->yara_ns = ns ? ns[i] : NULL;
        rc = compile_file(db, a->paths[i], f, skip_bad && skip_bad[i]);
        db->yara_ns = NULL;
        struct yara_file *spent = f->parsed.spent;
        f->parsed.spent = NULL;
        release(f);
        if (rc != ASSAY_OK)
            *failed = i;
        pthread_mutex_lock(&a->lock);
        a->compiled = i + 1;
        if (spent)
            a->spent[a->nspent++] = spent;
        pthread_cond_signal(&a->room);
        pthread_mutex_unlock(&a->lock);
    }
    return rc;
}

int sigload_yara_files(struct sigdb *db, const char *const *paths, const char *const *ns, const bool *skip_bad,
                       size_t n, size_t *failed)
{
    size_t unused;
    failed = failed ? failed : &unused;
    struct ahead a = {.paths = paths, .n = n, .files = calloc(n ? n : 1, sizeof *a.files),
                      .spent = calloc(n ? n : 1, sizeof *a.spent)};
    if (!a.files || !a.spent) {
        free(a.files);
        free(a.spent);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&a.lock, NULL);
    pthread_cond_init(&a.ready, NULL);
    pthread_cond_init(&a.room, NULL);
    pthread_t thread;
    bool threaded = n > 1 && pthread_create(&thread, NULL, parse_ahead, &a) == 0;
    int rc = ASSAY_OK;
    if (threaded) {
        rc = compile_all(&a, db, ns, skip_bad, failed);
        pthread_mutex_lock(&a.lock);
        a.stop = true;
        pthread_cond_signal(&a.room);
        pthread_mutex_unlock(&a.lock);
        pthread_join(thread, NULL);
        free_spent(&a);
        for (size_t i = 0; i < n; i++) /* parsed, never compiled (after an error) */
            release(&a.files[i]);
    } else { /* one file, or no thread to be had: each in its turn */
        for (size_t i = 0; i < n && rc == ASSAY_OK; i++) {
            db->yara_ns = ns ? ns[i] : NULL;
            rc = sigload_yara_path(db, paths[i], skip_bad && skip_bad[i]);
            db->yara_ns = NULL;
            if (rc != ASSAY_OK)
                *failed = i;
        }
    }
    pthread_cond_destroy(&a.room);
    pthread_cond_destroy(&a.ready);
    pthread_mutex_destroy(&a.lock);
    free(a.files);
    free(a.spent);
    return rc;
}
