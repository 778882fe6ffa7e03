/* run.c — the public scan entry points: options, worker threads, summary. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine/db.h"
#include "../util/error.h"
#include "scan.h"
#include "../yara/yscan.h"

#define QUEUE_CAPACITY 4096
#define MAX_THREADS 256

void assay_scan_options_init(struct assay_scan_options *o)
{
    memset(o, 0, sizeof *o);
    o->scan_archives = true;
    o->max_recursion = 16;
    o->max_files = 100000;
    o->max_scansize = (uint64_t)4 << 30;
    o->max_ratio = 1000;
    o->all_matches = true;
    o->ioc_min_score = 60;
    o->max_string_matches = YRULES_DEFAULT_MAX_MATCHES;
}

void scan_problem(struct scan_run *run, const char *path, int code, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    atomic_fetch_add(&run->errors, 1);
    if (run->cb && run->cb->problem) {
        struct assay_problem p = {.path = path, .code = code, .reason = reason};
        pthread_mutex_lock(&run->report_lock);
        run->cb->problem(run->cb->user, &p);
        pthread_mutex_unlock(&run->report_lock);
    }
}

void scan_problem_warning(struct scan_run *run, const char *path, const char *fmt, ...)
{
    char reason[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (run->cb && run->cb->problem) {
        struct assay_problem p = {.path = path, .code = ASSAY_ELIMIT, .reason = reason, .warning = true};
        pthread_mutex_lock(&run->report_lock);
        run->cb->problem(run->cb->user, &p);
        pthread_mutex_unlock(&run->report_lock);
    }
}

void scan_skipped(struct scan_run *run)
{
    atomic_fetch_add(&run->skipped, 1);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* console.log() of a YARA rule: to the caller's message callback. */
static void worker_log(void *user, const char *text, size_t n)
{
    struct scan_worker *w = user;
    struct scan_run *run = w->run;
    if (!run->cb || !run->cb->message)
        return;
    char *copy = strndup(text, n);
    if (!copy)
        return;
    pthread_mutex_lock(&run->report_lock);
    run->cb->message(run->cb->user, w->current_path ? w->current_path : "", copy);
    pthread_mutex_unlock(&run->report_lock);
    free(copy);
}

static int worker_init(struct scan_worker *w, struct scan_run *run)
{
    memset(w, 0, sizeof *w);
    w->run = run;
    int rc = engine_scratch_init(&w->scratch, run->engine);
    w->scratch.yara_max_matches = run->opt->max_string_matches;
    w->scratch.yara_fast = run->opt->fast_mode;
    w->scratch.yara_nonmatching = run->opt->report_nonmatching;
    if (w->scratch.yara) {
        w->scratch.yara->log = worker_log;
        w->scratch.yara->log_user = w;
        if (rc == ASSAY_OK && run->rule_cost_ns)
            rc = yscan_profile(w->scratch.yara);
    }
    return rc;
}

static void worker_free(struct scan_worker *w)
{
    struct scan_run *run = w->run;
    if (run && run->rule_cost_ns && w->scratch.yara && w->scratch.yara->cost_ns) {
        pthread_mutex_lock(&run->report_lock);
        for (size_t i = 0; i < run->engine->yara.rules.n; i++)
            run->rule_cost_ns[i] += w->scratch.yara->cost_ns[i];
        pthread_mutex_unlock(&run->report_lock);
    }
    engine_scratch_free(&w->scratch);
    engine_result_free(&w->result);
    free(w->read_buf);
}

static void *worker_main(void *arg)
{
    struct scan_worker *w = arg;
    char *path;
    while ((path = scan_queue_pop(w->run->queue)) != NULL) {
        scan_file(w, path);
        free(path);
    }
    return NULL;
}

static int run_init(struct scan_run *run, const assay_db *db, const struct assay_scan_options *opts,
                    const struct assay_scan_callbacks *cb, struct assay_scan_options *defaults)
{
    if (!db || !db->finalized)
        return util_error(ASSAY_EINVAL, "the database is not finalized (call assay_db_finalize)");
    if (!opts) {
        assay_scan_options_init(defaults);
        opts = defaults;
    }
    memset(run, 0, sizeof *run);
    run->engine = &db->engine;
    run->opt = opts;
    run->cb = cb;
    if (opts->profile && !yrules_empty(&db->engine.yara)) {
        run->rule_cost_ns = calloc(db->engine.yara.rules.n, sizeof *run->rule_cost_ns);
        if (!run->rule_cost_ns)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&run->report_lock, NULL);
    return ASSAY_OK;
}

static int cmp_cost(const void *pa, const void *pb)
{
    const struct assay_rule_cost *a = pa, *b = pb;
    return a->seconds < b->seconds ? 1 : a->seconds > b->seconds ? -1 : 0;
}

/* --profile: the rules that cost time, most expensive first. */
static void run_profile(struct scan_run *run)
{
    if (!run->rule_cost_ns)
        return;
    const struct yrules *y = &run->engine->yara;
    struct assay_rule_cost *costs = calloc(y->rules.n, sizeof *costs);
    size_t n = 0;
    for (size_t i = 0; costs && i < y->rules.n; i++) {
        if (!run->rule_cost_ns[i])
            continue;
        const struct yara_rule *ast = y->rules.v[i].ast;
        costs[n++] = (struct assay_rule_cost){.rule = ast->name, .ns = y->rules.v[i].ns,
                                              .source = ast->pos.file ? ast->pos.file : "", .line = ast->pos.line,
                                              .seconds = (double)run->rule_cost_ns[i] / 1e9};
    }
    if (costs && n > 1)
        qsort(costs, n, sizeof *costs, cmp_cost);
    if (costs && run->cb && run->cb->profile)
        run->cb->profile(run->cb->user, costs, n);
    free(costs);
    free(run->rule_cost_ns);
    run->rule_cost_ns = NULL;
}

static void run_summary(struct scan_run *run, double started, struct assay_scan_summary *s)
{
    if (!s)
        return;
    s->files = run->files;
    s->bytes = run->bytes;
    s->findings = run->findings;
    s->errors = run->errors;
    s->skipped = run->skipped;
    s->infected_files = run->infected;
    s->seconds = now_seconds() - started;
}

static unsigned thread_count(const struct assay_scan_options *o)
{
    long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

int assay_scan_paths(const assay_db *db, const char *const *paths, size_t count, const struct assay_scan_options *opts,
                     const struct assay_scan_callbacks *cb, struct assay_scan_summary *summary)
{
    struct scan_run run;
    struct assay_scan_options defaults;
    double started = now_seconds();
    int rc = run_init(&run, db, opts, cb, &defaults);
    if (rc != ASSAY_OK)
        return rc;
    unsigned nthreads = thread_count(run.opt);
    struct scan_worker *workers = calloc(nthreads, sizeof *workers);
    pthread_t *tids = calloc(nthreads, sizeof *tids);
    run.queue = scan_queue_new(QUEUE_CAPACITY);
    if (!workers || !tids || !run.queue) {
        free(workers);
        free(tids);
        scan_queue_free(run.queue);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    unsigned started_threads = 0;
    for (; started_threads < nthreads; started_threads++) {
        if (worker_init(&workers[started_threads], &run) != ASSAY_OK)
            break;
        if (pthread_create(&tids[started_threads], NULL, worker_main, &workers[started_threads]) != 0) {
            worker_free(&workers[started_threads]);
            break;
        }
    }
    if (started_threads == 0) {
        rc = util_error(ASSAY_ENOMEM, "cannot start a worker thread");
    } else {
        /* Standard input is scanned on this thread, before the walk. */
        bool stdin_done = false;
        for (size_t i = 0; i < count; i++) {
            if (strcmp(paths[i], "-") == 0) {
                if (stdin_done)
                    continue;
                struct scan_worker w;
                if (worker_init(&w, &run) == ASSAY_OK) {
                    scan_stdin(&w);
                    worker_free(&w);
                }
                stdin_done = true;
                continue;
            }
            scan_walk(&run, paths[i]);
        }
    }
    scan_queue_close(run.queue);
    for (unsigned i = 0; i < started_threads; i++) {
        pthread_join(tids[i], NULL);
        worker_free(&workers[i]);
    }
    scan_queue_free(run.queue);
    free(workers);
    free(tids);
    run_profile(&run);
    run_summary(&run, started, summary);
    pthread_mutex_destroy(&run.report_lock);
    return rc;
}

int assay_scan_buffer(const assay_db *db, const char *name, const void *data, size_t len,
                      const struct assay_scan_options *opts, const struct assay_scan_callbacks *cb,
                      struct assay_scan_summary *summary)
{
    struct scan_run run;
    struct assay_scan_options defaults;
    double started = now_seconds();
    int rc = run_init(&run, db, opts, cb, &defaults);
    if (rc != ASSAY_OK)
        return rc;
    struct scan_worker w;
    rc = worker_init(&w, &run);
    if (rc == ASSAY_OK) {
        scan_object(&w, name, data, len, 0);
        worker_free(&w);
    }
    run_profile(&run);
    run_summary(&run, started, summary);
    pthread_mutex_destroy(&run.report_lock);
    return rc;
}
