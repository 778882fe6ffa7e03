/* mod_magic.c — YARA's `magic` module: magic.type() and magic.mime_type(),
 * the answers of libmagic (the library behind file(1)) for the scanned
 * object's bytes, as YARA gives them:
 *   - type():      magic_buffer() with MAGIC_NONE ("PDF document, version 1.5");
 *   - mime_type(): magic_buffer() with MAGIC_MIME_TYPE ("application/pdf").
 *
 * Threads and caching (assay scans with several threads; a libmagic cookie
 * must not be shared between them):
 *   - each thread opens one cookie, and loads the default magic database
 *     ($MAGIC, else the system's) into it, the first time one of its objects
 *     asks; the cookie lives in thread-local storage and is closed when the
 *     thread exits (a pthread key destructor). A thread whose database cannot
 *     be opened or loaded remembers it and does not try again;
 *   - each scanned object gets its own state from the load hook, where the two
 *     answers are cached: libmagic runs at most once per function per object,
 *     and only when a condition calls it.
 * Limits: libmagic looks at the first bytes of the object only (its own
 * MAGIC_PARAM_BYTES_MAX); without a usable database, or when libmagic gives
 * no answer, both functions are undefined. */
#include <magic.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "module.h"

/* ---- one cookie per thread ------------------------------------------------ */

enum cookie_state { COOKIE_UNTRIED, COOKIE_READY, COOKIE_FAILED };

struct thread_magic {
    enum cookie_state state;
    magic_t cookie;
};

static _Thread_local struct thread_magic thread_magic;
static pthread_key_t close_key;
static pthread_once_t close_key_once = PTHREAD_ONCE_INIT;
static bool close_key_ok;

/* Runs at the exit of a thread that opened a cookie. */
static void close_thread_cookie(void *cookie)
{
    magic_close(cookie);
}

static void make_close_key(void)
{
    close_key_ok = pthread_key_create(&close_key, close_thread_cookie) == 0;
}

/* This thread's cookie with the database loaded, or NULL. */
static magic_t thread_cookie(void)
{
    struct thread_magic *t = &thread_magic;
    if (t->state == COOKIE_UNTRIED) {
        t->state = COOKIE_FAILED;
        magic_t m = magic_open(MAGIC_NONE);
        if (m && magic_load(m, NULL) == 0) {
            t->cookie = m;
            t->state = COOKIE_READY;
            pthread_once(&close_key_once, make_close_key);
            if (close_key_ok)
                (void)pthread_setspecific(close_key, m);
        } else if (m) {
            magic_close(m);
        }
    }
    return t->state == COOKIE_READY ? t->cookie : NULL;
}

/* ---- per-object answers ------------------------------------------------------ */

enum { ANSWER_TYPE, ANSWER_MIME, ANSWERS };

struct magic_object {
    bool done[ANSWERS];
    char *answer[ANSWERS];  /* NULL: libmagic gave none */
};

static const int answer_flags[ANSWERS] = {MAGIC_NONE, MAGIC_MIME_TYPE};

/* libmagic's answer `which` for the object, computed once. */
static const char *answer(const struct yobj_call *c, int which)
{
    struct magic_object *o = c->module_state;
    if (!o)
        return NULL;
    if (!o->done[which]) {
        magic_t m = thread_cookie();
        if (!m)
            return NULL; /* not cached: the object's answer is not known */
        o->done[which] = true;
        const char *s = NULL;
        static const uint8_t empty[1];
        if (magic_setflags(m, answer_flags[which]) == 0)
            s = magic_buffer(m, c->len ? c->data : empty, c->len);
        /* The cookie owns `s` until its next call: keep a copy. */
        o->answer[which] = s ? strdup(s) : NULL;
    }
    return o->answer[which];
}

static void fn_answer(const struct yobj_call *c, struct yobj_result *out, int which)
{
    out->type = YOBJ_STRING;
    const char *s = answer(c, which);
    if (s)
        yobj_ret_string(c, out, s);
}

static void fn_type(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *out)
{
    (void)a;
    fn_answer(c, out, ANSWER_TYPE);
}

static void fn_mime_type(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *out)
{
    (void)a;
    fn_answer(c, out, ANSWER_MIME);
}

/* ---- module -------------------------------------------------------------------- */

static int magic_module_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    (void)a, (void)root, (void)data, (void)len;
    struct magic_object *o = calloc(1, sizeof *o);
    if (!o)
        return ASSAY_ENOMEM;
    *state = o;
    return ASSAY_OK;
}

static void magic_module_unload(void *state)
{
    struct magic_object *o = state;
    if (!o)
        return;
    for (int i = 0; i < ANSWERS; i++)
        free(o->answer[i]);
    free(o);
}

static const struct yobj_overload o_type[] = {{"", YOBJ_STRING, fn_type}, {0}};
static const struct yobj_overload o_mime_type[] = {{"", YOBJ_STRING, fn_mime_type}, {0}};

static const struct yobj_decl magic_members[] = {
    {.name = "type", .type = YOBJ_FUNC, .overloads = o_type},
    {.name = "mime_type", .type = YOBJ_FUNC, .overloads = o_mime_type},
    {0},
};
static const struct yobj_decl magic_decl = {.name = "magic", .type = YOBJ_STRUCT, .members = magic_members};

const struct yara_module yara_module_magic = {"magic", &magic_decl, magic_module_load, magic_module_unload};
