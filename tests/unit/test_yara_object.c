/* test_yara_object.c — module schemas and value trees: member and overload
 * lookup, undefined values, arrays, dictionaries, function calls. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "yara/object.h"

static void twice(const struct yobj_call *call, const struct yobj_arg *args, struct yobj_result *out)
{
    (void)call;
    out->type = YOBJ_INT;
    out->defined = true;
    out->i = args[0].i * 2;
}

static const struct yobj_decl section_members[] = {
    {.name = "name", .type = YOBJ_STRING},
    {.name = "virtual_size", .type = YOBJ_INT},
    {0},
};
static const struct yobj_decl section = {.name = "section", .type = YOBJ_STRUCT, .members = section_members};
static const struct yobj_decl version_value = {.name = "value", .type = YOBJ_STRING};
static const struct yobj_overload twice_overloads[] = {{"i", YOBJ_INT, twice}, {0}};
static const struct yobj_decl mod_members[] = {
    {.name = "number_of_sections", .type = YOBJ_INT},
    {.name = "sections", .type = YOBJ_ARRAY, .element = &section},
    {.name = "version_info", .type = YOBJ_DICT, .element = &version_value},
    {.name = "twice", .type = YOBJ_FUNC, .overloads = twice_overloads},
    {0},
};
static const struct yobj_decl mod = {.name = "demo", .type = YOBJ_STRUCT, .members = mod_members};

static void schema_lookups(void **unused)
{
    (void)unused;
    assert_non_null(yobj_decl_member(&mod, "sections"));
    assert_null(yobj_decl_member(&mod, "nope"));
    const struct yobj_decl *sec = yobj_decl_member(&mod, "sections")->element;
    assert_non_null(yobj_decl_member(sec, "virtual_size"));
    const struct yobj_decl *f = yobj_decl_member(&mod, "twice");
    assert_non_null(yobj_decl_overload(f, "i"));
    assert_null(yobj_decl_overload(f, "s"));
    assert_null(yobj_decl_overload(yobj_decl_member(&mod, "sections"), "i")); /* not a function */
}

static void values(void **unused)
{
    (void)unused;
    struct yobj_arena a = {0};
    for (int round = 0; round < 3; round++) { /* reset and reuse per object */
        struct yobj *m = yobj_new(&a, &mod);
        assert_non_null(m);
        struct yobj *n = yobj_member(m, "number_of_sections");
        assert_false(n->defined);
        yobj_set_int(n, 2);
        assert_true(n->defined && n->i == 2);
        struct yobj *secs = yobj_member(m, "sections");
        assert_non_null(yobj_array_resize(&a, secs, 2));
        assert_int_equal(yobj_set_string(&a, yobj_member(yobj_index(secs, 1), "name"), ".te\0xt", 6), 0);
        assert_memory_equal(yobj_member(yobj_index(secs, 1), "name")->s, ".te\0xt", 6);
        assert_false(yobj_member(yobj_index(secs, 0), "name")->defined);
        assert_null(yobj_index(secs, 2));
        assert_null(yobj_index(secs, -1));
        struct yobj *vi = yobj_member(m, "version_info");
        assert_int_equal(yobj_set_string(&a, yobj_dict_add(&a, vi, "CompanyName"), "ACME", 4), 0);
        assert_int_equal(yobj_set_string(&a, yobj_dict_add(&a, vi, "ProductName"), "Thing", 5), 0);
        assert_memory_equal(yobj_lookup(vi, (const uint8_t *)"CompanyName", 11)->s, "ACME", 4);
        assert_memory_equal(yobj_lookup(vi, (const uint8_t *)"ProductName", 11)->s, "Thing", 5);
        assert_null(yobj_lookup(vi, (const uint8_t *)"Nope", 4));
        const struct yobj_overload *o = yobj_decl_overload(yobj_decl_member(&mod, "twice"), "i");
        struct yobj_arg arg = {.i = 21};
        struct yobj_result r = {0};
        struct yobj_call call = {.arena = &a};
        o->fn(&call, &arg, &r);
        assert_true(r.defined && r.i == 42);
        yobj_arena_reset(&a);
    }
    yobj_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_lookups),
        cmocka_unit_test(values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
