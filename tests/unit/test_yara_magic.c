/* test_yara_magic.c — YARA's `magic` module (lib/yara/mod_magic.c): the
 * answers of libmagic for small inputs built here, the per-object cache, one
 * cookie per thread loaded once (a database that disappears later does not
 * matter to a thread that has loaded it), a missing database (undefined, no
 * crash), several threads at once, and the functions through rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "yara/module.h"
#include "test_support.h"

static const char pdf[] = "%PDF-1.5\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
static const char text[] = "hello world, this is plain text\n";
/* The start of a 32-bit little-endian ELF executable (cases-magic.json). */
static const uint8_t elf[] = {0x7f, 'E',  'L',  'F',  1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0,
                              1,    0,    0,    0,    0x60, 0x80, 0x04, 0x08, 0x34, 0, 0, 0,
                              0xa8, 0,    0,    0,    0, 0, 0, 0, 0x34, 0, 0x20, 0, 1, 0, 0x28, 0,
                              4, 0, 3, 0};

/* ---- calling the functions directly ------------------------------------------ */

struct object {
    struct yobj_arena arena;
    struct yobj *root;
    void *state;
    const uint8_t *data;
    size_t len;
};

/* Load the module for an object (no cmocka assertion: threads use it). */
static bool try_open(struct object *o, const void *data, size_t len)
{
    memset(o, 0, sizeof *o);
    o->data = data;
    o->len = len;
    const struct yara_module *m = yara_module_find("magic");
    if (!m)
        return false;
    o->root = yobj_new(&o->arena, m->decl);
    return o->root && m->load(&o->arena, o->root, data, len, &o->state) == 0;
}

static void open_object(struct object *o, const void *data, size_t len)
{
    assert_true(try_open(o, data, len));
}

static void close_object(struct object *o)
{
    yara_module_magic.unload(o->state);
    yobj_arena_free(&o->arena);
}

/* fn() on the object, as a NUL-terminated copy in `out` ("" when undefined);
 * returns whether it was defined. */
static bool call(struct object *o, const char *fn, char *out, size_t outsz)
{
    const struct yobj_overload *ov = yobj_decl_overload(yobj_decl_member(yara_module_magic.decl, fn), "");
    if (!ov)
        return false;
    struct yobj_call c = {.module_state = o->state, .self = o->root, .data = o->data, .len = o->len,
                          .arena = &o->arena};
    struct yobj_result r = {0};
    ov->fn(&c, NULL, &r);
    out[0] = 0;
    if (!r.defined || r.type != YOBJ_STRING)
        return false;
    snprintf(out, outsz, "%.*s", (int)r.n, (const char *)r.s);
    return true;
}

static void answers(void **unused)
{
    (void)unused;
    char t[256], m[256];
    struct object o;

    open_object(&o, pdf, sizeof pdf - 1);
    assert_true(call(&o, "type", t, sizeof t));
    assert_non_null(strstr(t, "PDF document, version 1.5"));
    assert_true(call(&o, "mime_type", m, sizeof m));
    assert_string_equal(m, "application/pdf"); /* without "; charset=..." */
    close_object(&o);

    open_object(&o, elf, sizeof elf);
    assert_true(call(&o, "type", t, sizeof t));
    assert_non_null(strstr(t, "ELF 32-bit LSB"));
    close_object(&o);

    open_object(&o, text, sizeof text - 1);
    assert_true(call(&o, "mime_type", m, sizeof m));
    assert_string_equal(m, "text/plain");
    assert_true(call(&o, "type", t, sizeof t));
    assert_non_null(strstr(t, "text"));
    close_object(&o);

    open_object(&o, NULL, 0);
    assert_true(call(&o, "type", t, sizeof t));
    assert_string_equal(t, "empty");
    assert_true(call(&o, "mime_type", m, sizeof m));
    assert_string_equal(m, "application/x-empty");
    close_object(&o);
}

/* libmagic runs once per function per object: a second call gives the cached
 * answer even if the bytes it would look at changed. */
static void cached_per_object(void **unused)
{
    (void)unused;
    char t[256], t2[256], m[256], m2[256];
    struct object o;
    open_object(&o, pdf, sizeof pdf - 1);
    assert_true(call(&o, "type", t, sizeof t));
    assert_true(call(&o, "mime_type", m, sizeof m));
    o.data = (const uint8_t *)text;
    o.len = sizeof text - 1;
    assert_true(call(&o, "type", t2, sizeof t2));
    assert_true(call(&o, "mime_type", m2, sizeof m2));
    assert_string_equal(t, t2);
    assert_string_equal(m, m2);
    close_object(&o);
}

/* ---- threads ------------------------------------------------------------------------ */

struct probe {
    const void *data;
    size_t len;
    bool defined;
    char type[256];
    char mime[256];
    const char *set_magic;  /* $MAGIC to set between two calls on this thread */
    bool defined_after;
};

static void *probe_thread(void *arg)
{
    struct probe *p = arg;
    struct object o;
    if (!try_open(&o, p->data, p->len))
        return NULL;
    p->defined = call(&o, "type", p->type, sizeof p->type);
    call(&o, "mime_type", p->mime, sizeof p->mime);
    close_object(&o);
    if (p->set_magic) {
        /* The cookie of this thread was loaded: a database that is gone now
         * does not matter (it is not loaded again per object). */
        setenv("MAGIC", p->set_magic, 1);
        if (!try_open(&o, p->data, p->len))
            return NULL;
        char t[256];
        p->defined_after = call(&o, "type", t, sizeof t);
        close_object(&o);
    }
    return NULL;
}

static void run_probe(struct probe *p)
{
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, probe_thread, p), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
}

static void database_once_per_thread_and_missing(void **unused)
{
    (void)unused;
    const char *saved = getenv("MAGIC");
    char *saved_copy = saved ? strdup(saved) : NULL;

    /* Loaded once: removing the database afterwards changes nothing for the thread. */
    struct probe p = {.data = pdf, .len = sizeof pdf - 1, .set_magic = "/nonexistent/magic.mgc"};
    run_probe(&p);
    assert_true(p.defined);
    assert_true(p.defined_after);

    /* A new thread with no database: undefined values, no crash (twice: the
     * failure is remembered). */
    struct probe q = {.data = pdf, .len = sizeof pdf - 1, .set_magic = "/nonexistent/magic.mgc"};
    run_probe(&q);
    assert_false(q.defined);
    assert_false(q.defined_after);
    assert_string_equal(q.mime, "");

    if (saved_copy)
        setenv("MAGIC", saved_copy, 1);
    else
        unsetenv("MAGIC");
    free(saved_copy);
    struct probe r = {.data = text, .len = sizeof text - 1};
    run_probe(&r);
    assert_true(r.defined);
    assert_string_equal(r.mime, "text/plain");
}

#define THREADS 4
#define ROUNDS 50

struct worker {
    int id;
    bool ok;
};

static void *worker_thread(void *arg)
{
    struct worker *w = arg;
    w->ok = true;
    for (int i = 0; i < ROUNDS; i++) {
        bool is_pdf = (i + w->id) % 2 == 0;
        struct object o;
        if (!try_open(&o, is_pdf ? (const void *)pdf : (const void *)text, is_pdf ? sizeof pdf - 1 : sizeof text - 1)) {
            w->ok = false;
            break;
        }
        char m[256];
        if (!call(&o, "mime_type", m, sizeof m) || strcmp(m, is_pdf ? "application/pdf" : "text/plain") != 0)
            w->ok = false;
        close_object(&o);
    }
    return NULL;
}

static void threads_at_once(void **unused)
{
    (void)unused;
    pthread_t th[THREADS];
    struct worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, worker_thread, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_true(w[i].ok);
    }
}

/* ---- through rules ------------------------------------------------------------------- */

static bool rule_matches(const void *data, size_t len, const char *condition)
{
    char rules[512];
    snprintf(rules, sizeof rules, "import \"magic\"\nrule t { condition: %s }\n", condition);
    const char *pairs[] = {"t.yar", rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    struct ts_results r;
    ts_scan(db, "object", data, len, &r);
    assay_db_free(db);
    return ts_find(&r, "t") != NULL;
}

static void through_rules(void **unused)
{
    (void)unused;
    assert_true(rule_matches(pdf, sizeof pdf - 1, "magic.type() contains \"PDF\""));
    assert_true(rule_matches(pdf, sizeof pdf - 1, "magic.mime_type() == \"application/pdf\""));
    assert_false(rule_matches(text, sizeof text - 1, "magic.mime_type() == \"application/pdf\""));
    assert_true(rule_matches(elf, sizeof elf, "magic.type() contains \"ELF\" and magic.type() contains \"ELF\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers),
        cmocka_unit_test(cached_per_object),
        cmocka_unit_test(database_once_per_thread_and_missing),
        cmocka_unit_test(threads_at_once),
        cmocka_unit_test(through_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
