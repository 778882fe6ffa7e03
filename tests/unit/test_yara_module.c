/* test_yara_module.c — the math, hash and string modules through the module
 * registry and schemas, as the condition evaluator will call them, against
 * values YARA's own tests assert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "yara/module.h"

struct env {
    struct yobj_arena arena;
    struct yobj_call call;
};

/* Call module.function(signature) with args on `data`. */
static struct yobj_result call(struct env *e, const char *module, const char *fn, const char *sig,
                               const struct yobj_arg *args, const char *data)
{
    const struct yara_module *m = yara_module_find(module);
    assert_non_null(m);
    const struct yobj_overload *o = yobj_decl_overload(yobj_decl_member(m->decl, fn), sig);
    if (!o)
        fail_msg("%s.%s(%s) not declared", module, fn, sig);
    e->call = (struct yobj_call){.data = (const uint8_t *)data, .len = data ? strlen(data) : 0, .arena = &e->arena};
    struct yobj_result r = {0};
    o->fn(&e->call, args, &r);
    return r;
}

#define ARGS(...) ((const struct yobj_arg[]){__VA_ARGS__})
#define S(str) {.s = (const uint8_t *)(str), .n = sizeof(str) - 1}

static void math_functions(void **unused)
{
    (void)unused;
    struct env e = {0};
    struct yobj_result r;
    r = call(&e, "math", "count", "iii", ARGS({.i = 0x41}, {.i = 0}, {.i = 3}), "AABAAB");
    assert_true(r.defined && r.i == 2);
    r = call(&e, "math", "count", "iii", ARGS({.i = 0x41}, {.i = 10}, {.i = 3}), "AABAAB");
    assert_false(r.defined);
    r = call(&e, "math", "count", "i", ARGS({.i = -1}), "AABAAB");
    assert_false(r.defined);
    r = call(&e, "math", "percentage", "iii", ARGS({.i = 0x41}, {.i = 0}, {.i = 0}), "AABAAB");
    assert_false(r.defined);
    r = call(&e, "math", "entropy", "s", ARGS(S("AABB")), NULL);
    assert_true(r.defined && r.f == 1.0);
    r = call(&e, "math", "mode", "", NULL, "ABABA");
    assert_true(r.defined && r.i == 0x41);
    r = call(&e, "math", "to_string", "ii", ARGS({.i = -1}, {.i = 16}), NULL);
    assert_true(r.defined);
    assert_memory_equal(r.s, "ffffffffffffffff", r.n);
    r = call(&e, "math", "to_string", "ii", ARGS({.i = -1}, {.i = 8}), NULL);
    assert_memory_equal(r.s, "1777777777777777777777", r.n);
    r = call(&e, "math", "to_string", "i", ARGS({.i = -1}), NULL);
    assert_memory_equal(r.s, "-1", r.n);
    r = call(&e, "math", "to_string", "ii", ARGS({.i = 32}, {.i = 9}), NULL);
    assert_false(r.defined);
    r = call(&e, "math", "abs", "i", ARGS({.i = -1}), NULL);
    assert_true(r.i == 1);
    r = call(&e, "math", "in_range", "fff", ARGS({.f = 2.0}, {.f = 1.0}, {.f = 3.0}), NULL);
    assert_true(r.i == 1);
    assert_null(yobj_decl_overload(yobj_decl_member(yara_module_math.decl, "entropy"), "iii"));
    struct yobj *root = yobj_new(&e.arena, yara_module_math.decl);
    void *state = NULL;
    assert_int_equal(yara_module_math.load(&e.arena, root, NULL, 0, &state), 0);
    assert_true(yobj_member(root, "MEAN_BYTES")->f == 127.5);
    yobj_arena_free(&e.arena);
}

static void hash_and_string_functions(void **unused)
{
    (void)unused;
    struct env e = {0};
    struct yobj_result r;
    r = call(&e, "hash", "md5", "ii", ARGS({.i = 1}, {.i = 5}), "abcde");
    assert_true(r.defined);
    assert_memory_equal(r.s, "e02cfbe5502b64aa5ae9f2d0d69eaa8d", 32);
    r = call(&e, "hash", "crc32", "s", ARGS(S("TEST STRING")), NULL);
    assert_true(r.i == 0x51f9be31);
    r = call(&e, "hash", "checksum32", "ii", ARGS({.i = 0}, {.i = 5}), "abcde");
    assert_true(r.i == 0x1ef);
    r = call(&e, "string", "to_int", "si", ARGS(S("10"), {.i = 8}), NULL);
    assert_true(r.defined && r.i == 8);
    r = call(&e, "string", "to_int", "s", ARGS(S("10A20")), NULL);
    assert_false(r.defined);
    r = call(&e, "string", "length", "s", ARGS(S("AXS\0ERS")), NULL);
    assert_true(r.i == 7);
    assert_null(yara_module_find("no-such-module"));
    yobj_arena_free(&e.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(math_functions),
        cmocka_unit_test(hash_and_string_functions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
